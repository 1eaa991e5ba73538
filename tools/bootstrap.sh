#!/usr/bin/env bash
# Sets up a Debian 12 machine for rumor, builds it, and runs one of three jobs:
#
#   tools/bootstrap.sh demo    # install what is missing, build rumor, run the main job (rumor demo)
#   tools/bootstrap.sh test    # install what is missing, build, run the whole default test suite
#   tools/bootstrap.sh build   # install what is missing, build everything
#
# Run it from anywhere inside a clone; it works from the repository root. Packages come only
# from Debian via apt-get, and only the missing ones are installed, so a second run is quick and
# works offline. Installing needs root; without root and with packages missing it stops.
#
# "test" is what CI runs (.ci/run): lint and format checks, the web pages' checks
# (tools/web_check.sh), every ctest test in the normal build (labels unit, sim, net, interop,
# e2e, browser, bench), the unit, sim and net tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then a short libFuzzer run of every harness. It stops at the first
# failure with a non-zero exit status and prints how long each step took.
#
# Environment:
#   RUMOR_JOBS             ninja parallelism (default: nproc)
#   RUMOR_BUILD_DIR        the normal build (default: build)
#   RUMOR_ASAN_BUILD_DIR   the sanitizer build (default: build-asan)
#   RUMOR_FUZZ_BUILD_DIR   the libFuzzer build (default: build-fuzz)
#   RUMOR_FUZZ_SECONDS     fuzzing time per harness in "test" (default: 8)
#   RUMOR_TEST_TIMEOUT     per-test ctest timeout in seconds (default: 300)
#   CI=true                warnings are errors in every mode (they always are in "test")
set -euo pipefail

usage() {
  echo "usage: $0 demo|test|build" >&2
  echo "  demo   install what is missing, build, run the main job (rumor demo: a 5-agent cluster)" >&2
  echo "  test   install what is missing, build, run the whole default test suite" >&2
  echo "  build  install what is missing, build" >&2
  exit 2
}

[[ $# -eq 1 ]] || usage
mode="$1"
case "$mode" in
  demo | test | build) ;;
  *) usage ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

jobs="${RUMOR_JOBS:-$(nproc)}"
if ! [[ "$jobs" =~ ^[1-9][0-9]*$ ]]; then
  echo "bootstrap: RUMOR_JOBS must be a positive whole number, got '$jobs'" >&2
  exit 2
fi
build_dir="${RUMOR_BUILD_DIR:-build}"
asan_dir="${RUMOR_ASAN_BUILD_DIR:-build-asan}"
fuzz_dir="${RUMOR_FUZZ_BUILD_DIR:-build-fuzz}"
fuzz_seconds="${RUMOR_FUZZ_SECONDS:-8}"
test_timeout="${RUMOR_TEST_TIMEOUT:-300}"

werror=OFF
if [[ "${CI:-}" == "true" || "$mode" == "test" ]]; then werror=ON; fi

# The compiler for the gcc builds, picked explicitly so that an installed clang never wins by
# accident. It only matters when a build directory is configured for the first time.
export CXX="${CXX:-g++}"

# --- step bookkeeping: a banner before each step, its time after, a summary at the end ---------

current_step=""
step_started=0
script_started=$(date +%s)
summary=()

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

begin_step() {
  current_step="$1"
  step_started=$(date +%s)
  echo
  echo "=================================================================================="
  echo "== bootstrap $mode: $current_step"
  echo "=================================================================================="
}

end_step() {
  local took=$(($(date +%s) - step_started))
  echo "== done: $current_step ($(fmt_secs "$took"))"
  summary+=("$(printf '  %-58s %s' "$current_step" "$(fmt_secs "$took")")")
  current_step=""
}

print_summary() {
  local line
  echo
  echo "== bootstrap $mode: step times"
  for line in "${summary[@]}"; do echo "$line"; done
  echo "  $(printf '%-58s %s' total "$(fmt_secs $(($(date +%s) - script_started)))")"
}

on_exit() {
  local status=$?
  if [[ $status -ne 0 && -n "$current_step" ]]; then
    local took=$(($(date +%s) - step_started))
    summary+=("$(printf '  %-58s %s  FAILED' "$current_step" "$(fmt_secs "$took")")")
    print_summary
    echo "bootstrap $mode: FAILED in step '$current_step' (exit status $status)" >&2
  fi
}
trap on_exit EXIT

# --- 1. packages ------------------------------------------------------------------------------

# Everything the build, the tests, the checks and the fuzzers need, all from Debian 12.
packages=(
  g++ cmake ninja-build pkg-config          # compiler and build tools
  libgtest-dev libgmock-dev                 # unit tests
  libbenchmark-dev                          # bench/ (also runs under ctest, tiny mode)
  nlohmann-json3-dev libcli11-dev           # scenario files, the rumor command line
  clang libclang-rt-14-dev                  # libFuzzer and its sanitizer runtimes
  clang-format                              # tools/format_check.sh
  python3                                   # tools/lint.py
  time                                      # GNU /usr/bin/time, for bench/scale_1m.sh
  llvm                                      # llvm-symbolizer: readable sanitizer stacks
  git
  libmsgpack-cxx-dev zlib1g-dev             # the memberlist wire codec: msgpack, CRC32
  libre2-dev                                # Serf's query filters: Go's regular expressions
  golang-go                                 # tests/interop: the real Go memberlist, built offline
  golang-github-hashicorp-memberlist-dev golang-github-hashicorp-go-msgpack-dev
  golang-github-hashicorp-serf-dev serf     # tests/interop: Serf's Go sources, the real serf agent
  libasio-dev libcpp-httplib-dev libspdlog-dev  # the agent: event loop, HTTP API, logging
  libssl-dev libbrotli-dev                  # headers cpp-httplib's header includes
  iproute2 iptables libnetfilter-queue-dev  # tests/e2e: network namespaces, loss and latency
  nodejs chromium                           # web/ (vitest, the dist check), tests/browser
)

# Installed means dpkg says "install ok installed" (not just "config files left behind"). The
# output is captured rather than piped into grep -q, which under pipefail could fail on SIGPIPE.
installed() {
  local status
  status="$(dpkg -s "$1" 2>/dev/null)" || return 1
  [[ "$status" == *$'\nStatus: install ok installed'* ]]
}

begin_step "install missing Debian packages"
missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
# Debian's nodejs comes without npm (a package of its own); other builds of nodejs carry it.
if [[ "$mode" == "test" ]] && ! command -v npm >/dev/null && ! installed npm; then missing+=(npm); fi
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "all ${#packages[@]} packages present"
else
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: missing Debian packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
fi
end_step

# --- 2. test only: source checks, first, since they need no build and fail in seconds ---------

if [[ "$mode" == "test" ]]; then
  begin_step "lint (tools/lint.py)"
  if [[ -f tools/lint.py ]]; then
    python3 tools/lint.py
  else
    echo "WARNING: tools/lint.py not found; lint skipped"
  fi
  end_step

  begin_step "format check (tools/format_check.sh)"
  if [[ -f tools/format_check.sh ]]; then
    bash tools/format_check.sh
  else
    echo "WARNING: tools/format_check.sh not found; format check skipped"
  fi
  end_step

  # The pages are built with npm, and their build (web/dist) is committed so that building the
  # C++ needs no npm: check that it is what the committed sources make, run the pages' unit
  # tests, and install playwright-core for the browser tests (registered with ctest below).
  begin_step "web: npm ci, vitest, web/dist is the build of web/src (tools/web_check.sh)"
  bash tools/web_check.sh
  end_step
fi

# --- 3. build ---------------------------------------------------------------------------------

# configure DIR OPTIONS...: a Ninja build with the repository's build type.
configure() {
  local dir="$1"
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUMOR_WERROR="$werror" "$@"
}

begin_step "build $build_dir/ (RUMOR_WERROR=$werror, -j$jobs)"
if [[ "$mode" == "test" ]]; then
  configure "$build_dir" -DRUMOR_BROWSER_TESTS=ON
else
  configure "$build_dir"
fi
if [[ "$mode" == "demo" ]]; then
  # The main job needs only the command; tests and benchmarks are built by "test" and "build".
  ninja -C "$build_dir" -j "$jobs" rumor
else
  ninja -C "$build_dir" -j "$jobs"
fi
end_step

# --- 4. demo: the main job --------------------------------------------------------------------

if [[ "$mode" == "demo" ]]; then
  begin_step "main job: rumor demo (5 agents on loopback: converge, kill -9, detect, rejoin)"
  "$build_dir/src/cli/rumor" demo
  end_step
  print_summary
  exit 0
fi

if [[ "$mode" == "build" ]]; then
  print_summary
  echo
  echo "bootstrap build: the command is $root/$build_dir/src/cli/rumor"
  exit 0
fi

# --- 5. test: the tests, plain and under sanitizers, then fuzzing ------------------------------

begin_step "ctest: every test in $build_dir/ (unit, sim, net, interop, e2e, browser, bench)"
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j2 --timeout "$test_timeout"
end_step

begin_step "build $asan_dir/ (ASan + UBSan, -O1, -j$jobs)"
# -O1 -g1 instead of RelWithDebInfo's -O2 -g: with the sanitizers on, this halves the compile
# time (the longest step of the suite on two cores), while -O1 is what the sanitizer docs
# recommend and -g1 still gives file:line in every report.
# The Go golden tests (RUMOR_GO_INTEROP) check bytes against Go, not memory; the plain build
# runs them, and the fuzzers put the same decoders under the sanitizers.
configure "$asan_dir" -DRUMOR_SANITIZE=ON -DRUMOR_BENCH=OFF -DRUMOR_GO_INTEROP=OFF \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
ninja -C "$asan_dir" -j "$jobs"
end_step

begin_step "ctest in $asan_dir/ (ASan + UBSan): labels unit|sim|net"
# Report every finding with a stack, and fail the test on it.
asan_defaults=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-$asan_defaults}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# The Lifeguard experiment is twenty simulated runs summed for a statistic (80 s under ASan) and
# reaches no code the other sim tests do not; the plain build runs it.
ctest --test-dir "$asan_dir" --output-on-failure --no-tests=error -j2 --timeout "$test_timeout" \
  -L 'unit|sim|net' -E 'SwimWorld\.LifeguardCutsFalsePositivesCausedBySlowMembers'
end_step

begin_step "fuzz: every harness for ${fuzz_seconds}s (tools/run_fuzz.sh)"
BUILD_DIR="$fuzz_dir" JOBS="$jobs" bash tools/run_fuzz.sh "$fuzz_seconds"
end_step

print_summary
echo
echo "bootstrap test: all steps passed"
