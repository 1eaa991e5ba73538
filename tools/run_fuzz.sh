#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/) with clang and runs each one for a while.
#
#   tools/run_fuzz.sh [SECONDS]     # SECONDS per harness, default 15
#
# The harnesses: gossip_codec (rumor's own format), memberlist_packet and memberlist_stream (the
# memberlist wire codec), so the default run takes about 45 s plus the build.
#
# The build lives in build-fuzz/ (override with BUILD_DIR=...), apart from the normal gcc build.
# Each harness fuzz/<name>_fuzz.cc starts from its seed corpus fuzz/corpus/<name>/, which is only
# read; inputs the fuzzer finds go to build-fuzz/corpus/<name>/ and crash reproducers to
# build-fuzz/artifacts/<name>/. Exits non-zero if any harness crashes, leaks or times out.
set -euo pipefail

seconds="${1:-15}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
  echo "usage: $0 [SECONDS]   (a positive whole number of seconds per harness)" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"
jobs=()
if [[ -n "${JOBS:-}" ]]; then jobs=(-j "$JOBS"); fi

harnesses=()
for src in "$root"/fuzz/*_fuzz.cc; do
  harnesses+=("$(basename "$src" .cc)")
done
if [[ ${#harnesses[@]} -eq 0 ]]; then
  echo "run_fuzz: no harnesses in $root/fuzz" >&2
  exit 1
fi

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUMOR_FUZZ=ON -DRUMOR_BENCH=OFF >/dev/null
ninja -C "$build" "${jobs[@]}" "${harnesses[@]}"

status=0
for name in "${harnesses[@]}"; do
  corpus="${name%_fuzz}"
  seeds="$root/fuzz/corpus/$corpus"
  work="$build/corpus/$corpus"
  artifacts="$build/artifacts/$corpus/"
  mkdir -p "$work" "$artifacts"
  dirs=("$work")
  if [[ -d "$seeds" ]]; then dirs+=("$seeds"); fi

  echo "run_fuzz: $name for ${seconds}s over ${dirs[*]}"
  # The first corpus directory is the one libFuzzer writes new inputs to, so the checked-in
  # seeds stay untouched.
  if "$build/fuzz/$name" "${dirs[@]}" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$artifacts" -print_final_stats=1; then
    echo "run_fuzz: $name: ok"
  else
    echo "run_fuzz: $name: FAILED (reproducers in $artifacts)" >&2
    status=1
  fi
done
exit "$status"
