#!/usr/bin/env bash
# The SWIM scale benchmark: a formed 10,000-member cluster (LAN profile, Lifeguard on), 120
# simulated seconds, one member crashed at 30 s and declared failed by every other member, in at
# most 60 s wall and 8 GiB peak memory for the whole process (median of the runs).
#
# Usage: bench/swim_10k.sh [--tiny] [--runs N] [RUMOR_BIN]
#   RUMOR_BIN  the rumor binary (default: build/src/cli/rumor under the repository root); build
#              it optimised (-O2: RelWithDebInfo or Release) or the figures mean nothing
#   --runs N   runs, seeds 1..N (default 3)
#   --tiny     n = 300, 60 s, one run: checks that the script, the CLI flags and the JSON fields
#              still agree (ctest runs it, LABELS bench). Its timings mean nothing.
#
# Each run is `rumor sim --protocol swim --nodes 10000 --duration 120s --crash 1 --format json
# --seed S`, measured by GNU time (`/usr/bin/time -f '%e %M'`: wall seconds, peak RSS in KiB).
# Prints a markdown table on stdout. Exits 1 if a run fails, reports a checker violation, or the
# crash is not declared failed by every live member (detect_all_s null); a missed target is
# reported in the table, not by the exit status. Quote only results taken on a quiet machine:
# the script warns when the load average is above 1.2, and prints it before and after.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nodes=10000
duration=120s
runs=3
tiny=0
bin=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tiny) tiny=1 ;;
    --runs)
      shift
      if [[ $# -eq 0 || ! "$1" =~ ^[1-9][0-9]*$ ]]; then
        echo "swim_10k.sh: --runs needs a positive whole number" >&2
        exit 2
      fi
      runs="$1"
      ;;
    -h | --help)
      sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "swim_10k.sh: unknown option '$1' (allowed: --tiny, --runs N)" >&2
      exit 2
      ;;
    *)
      if [[ -n "$bin" ]]; then
        echo "swim_10k.sh: one binary path only, got '$bin' and '$1'" >&2
        exit 2
      fi
      bin="$1"
      ;;
  esac
  shift
done
if ((tiny)); then
  nodes=300
  duration=60s
  runs=1
fi
bin="${bin:-$repo_root/build/src/cli/rumor}"
if [[ ! -x "$bin" ]]; then
  echo "swim_10k.sh: no rumor binary at '$bin' (build it, or pass its path)" >&2
  exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "swim_10k.sh: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
  exit 2
fi

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start="$(loadavg)"
if awk -v l="${load_start%% *}" 'BEGIN { exit !(l > 1.2) }'; then
  echo "swim_10k.sh: WARNING: load average is ${load_start} (above 1.2); these timings are" \
    "not fit to quote. Re-run on a quiet machine." >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# json_field NAME FILE: the first value of a number-or-null field in the one-line JSON
json_field() { grep -o "\"$1\":[^,}]*" "$2" | head -n1 | cut -d: -f2; }

failed=0
: >"$work/wall"
: >"$work/rss"
for ((seed = 1; seed <= runs; seed++)); do
  cmd=("$bin" sim --protocol swim --nodes "$nodes" --duration "$duration" --crash 1 --format json
    --seed "$seed")
  if ! /usr/bin/time -f '%e %M' -o "$work/time" "${cmd[@]}" >"$work/out" 2>"$work/err"; then
    echo "swim_10k.sh: failed: ${cmd[*]}" >&2
    cat "$work/err" >&2
    failed=1
    continue
  fi
  read -r wall rss_kib <"$work/time"
  detect_all="$(json_field detect_all_s "$work/out")"
  detect_first="$(json_field detect_first_s "$work/out")"
  violations="$(json_field violations_total "$work/out")"
  rate="$(json_field messages_per_member_per_s "$work/out")"
  if [[ -z "$detect_all" || "$detect_all" == null || "$violations" != 0 ]]; then
    echo "swim_10k.sh: the crash was not declared failed by everyone (detect_all_s:" \
      "${detect_all:-missing}) or a checker failed (violations: ${violations:-missing}): ${cmd[*]}" >&2
    failed=1
    continue
  fi
  echo "seed $seed: wall ${wall} s, peak RSS $((rss_kib / 1024)) MiB, crash declared failed" \
    "first after ${detect_first} s and by everyone after ${detect_all} s, ${rate} messages" \
    "per member per second" >&2
  echo "$wall" >>"$work/wall"
  awk -v k="$rss_kib" 'BEGIN { printf "%.2f\n", k / 1024 / 1024 }' >>"$work/rss"
  echo "| $seed | $wall | $(tail -n1 "$work/rss") | $detect_first | $detect_all | $rate |" >>"$work/rows"
done
load_end="$(loadavg)"

echo "SWIM scale benchmark: n = $nodes, $duration, LAN profile, one crash, seeds 1..$runs"
echo "binary: $bin"
echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)"
echo "load average (1, 5, 15 min): before ${load_start}; after ${load_end}"
echo "command: $bin sim --protocol swim --nodes $nodes --duration $duration --crash 1 --format json --seed S"
echo
echo "| seed | wall s | peak RSS GiB | detect_first_s | detect_all_s | messages/member/s |"
echo "|---:|---:|---:|---:|---:|---:|"
[[ -s "$work/rows" ]] && cat "$work/rows"
echo
if [[ -s "$work/wall" ]]; then
  w_med="$(median <"$work/wall")"
  r_med="$(median <"$work/rss")"
  if ((tiny)); then
    verdict="n/a (tiny mode)"
  else
    verdict="$(awk -v w="$w_med" -v r="$r_med" 'BEGIN {
      v = (w <= 60 && r <= 8) ? "PASS" : "MISS";
      printf "%s (wall %s 60 s, RSS %s 8 GiB)", v, (w <= 60 ? "<=" : ">"), (r <= 8 ? "<=" : ">") }')"
  fi
  echo "median wall ${w_med} s, median peak RSS ${r_med} GiB: ${verdict}"
else
  echo "no successful run"
fi
exit "$failed"
