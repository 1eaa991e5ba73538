#!/usr/bin/env bash
# The scale benchmark (docs/performance.md): one update through 1,000,000 nodes in push-pull,
# rounds mode, fanout 1, to full convergence, in at most 2 s wall and 256 MiB peak memory for
# the whole process (median of 5 runs); push and pull at 1,000,000 are reported too.
#
# Usage: bench/scale_1m.sh [--tiny] [RUMOR_BIN]
#   RUMOR_BIN  the rumor binary (default: build/src/cli/rumor under the repository root)
#   --tiny     n = 10,000 and one run per mode: checks that the script, the CLI flags and the
#              JSON fields still agree (ctest runs it, LABELS bench). Its timings mean nothing.
#
# Each run is `rumor sim --nodes N --mode MODE --fanout 1 --timing rounds --format json --seed S`
# for seeds 1..5, measured by GNU time (`/usr/bin/time -f '%e %M'`: wall seconds, peak RSS in
# KiB). Prints a markdown table on stdout. Exits 1 if a run fails or does not converge
# (rounds_to_full null); a missed target is reported in the table, not by the exit status.
# Quote only results taken on a quiet machine: the script warns when the load average is
# above 1.2 before it starts, and prints the load averages before and after.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nodes=1000000
runs=5
tiny=0
bin=""
for arg in "$@"; do
  case "$arg" in
    --tiny) tiny=1 ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "scale_1m.sh: unknown option '$arg' (allowed: --tiny)" >&2
      exit 2
      ;;
    *)
      if [[ -n "$bin" ]]; then
        echo "scale_1m.sh: one binary path only, got '$bin' and '$arg'" >&2
        exit 2
      fi
      bin="$arg"
      ;;
  esac
done
if ((tiny)); then
  nodes=10000
  runs=1
fi
bin="${bin:-$repo_root/build/src/cli/rumor}"
if [[ ! -x "$bin" ]]; then
  echo "scale_1m.sh: no rumor binary at '$bin' (build it, or pass its path)" >&2
  exit 2
fi

if [[ ! -x /usr/bin/time ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "scale_1m.sh: /usr/bin/time missing; installing Debian package 'time'" >&2
    apt-get install -y -qq time >&2
  else
    echo "scale_1m.sh: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
    exit 2
  fi
fi

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start="$(loadavg)"
if awk -v l="${load_start%% *}" 'BEGIN { exit !(l > 1.2) }'; then
  echo "scale_1m.sh: WARNING: load average is ${load_start} (above 1.2); these timings are" \
    "not fit to quote. Re-run on a quiet machine." >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# median of the numbers on stdin (mean of the middle two for an even count)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
min() { sort -g | head -n1; }
max() { sort -g | tail -n1; }
# json_field NAME FILE: the value of a top-level number-or-null field of the one-line JSON
json_field() { grep -o "\"$1\":[^,}]*" "$2" | head -n1 | cut -d: -f2; }

failed=0
rows=()
for mode in push-pull push pull; do
  for f in wall rss rounds msgs; do : >"$work/$f"; done
  for ((seed = 1; seed <= runs; seed++)); do
    cmd=("$bin" sim --nodes "$nodes" --mode "$mode" --fanout 1 --timing rounds --format json
      --seed "$seed")
    if ! /usr/bin/time -f '%e %M' -o "$work/time" "${cmd[@]}" >"$work/out" 2>"$work/err"; then
      echo "scale_1m.sh: failed: ${cmd[*]}" >&2
      cat "$work/err" >&2
      failed=1
      continue
    fi
    read -r wall rss_kib <"$work/time"
    rounds="$(json_field rounds_to_full "$work/out")"
    msgs="$(json_field messages_total "$work/out")"
    if [[ -z "$rounds" || "$rounds" == null ]]; then
      echo "scale_1m.sh: did not converge (rounds_to_full: ${rounds:-missing}): ${cmd[*]}" >&2
      failed=1
      continue
    fi
    echo "$mode seed $seed: wall ${wall} s, peak RSS $((rss_kib / 1024)) MiB," \
      "rounds_to_full $rounds, messages $msgs" >&2
    echo "$wall" >>"$work/wall"
    awk -v k="$rss_kib" 'BEGIN { printf "%.1f\n", k / 1024 }' >>"$work/rss"
    echo "$rounds" >>"$work/rounds"
    echo "$msgs" >>"$work/msgs"
  done
  if [[ ! -s "$work/wall" ]]; then
    rows+=("| $mode | - | - | - | - | - | - | - | no successful run |")
    continue
  fi
  w_med="$(median <"$work/wall")"
  w_min="$(min <"$work/wall")"
  w_max="$(max <"$work/wall")"
  r_med="$(median <"$work/rss")"
  r_max="$(max <"$work/rss")"
  rounds_med="$(median <"$work/rounds")"
  msgs_med="$(median <"$work/msgs" | awk '{ printf "%.0f", $1 }')"
  count="$(wc -l <"$work/wall")"
  verdict="no target"
  if [[ "$mode" == push-pull ]]; then
    if ((tiny)); then
      verdict="n/a (tiny mode)"
    else
      verdict="$(awk -v w="$w_med" -v r="$r_med" 'BEGIN {
        v = (w <= 2 && r <= 256) ? "PASS" : "MISS";
        printf "%s (wall %s 2 s, RSS %s 256 MiB)", v, (w <= 2 ? "<=" : ">"), (r <= 256 ? "<=" : ">") }')"
    fi
  fi
  if ((count != runs)); then verdict="$verdict; only $count of $runs runs succeeded"; fi
  rows+=("| $mode | $w_med | $w_min | $w_max | $r_med | $r_max | $rounds_med | $msgs_med | $verdict |")
done
load_end="$(loadavg)"

echo "Scale benchmark: n = $nodes, rounds mode, fanout 1, seeds 1..$runs per mode"
echo "binary: $bin"
echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)"
echo "load average (1, 5, 15 min): before ${load_start}; after ${load_end}"
echo "command: $bin sim --nodes $nodes --mode MODE --fanout 1 --timing rounds --format json --seed S"
echo
echo "| mode | median wall s | min | max | median peak RSS MiB | max peak RSS | rounds_to_full (median) | messages (median) | verdict vs targets |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
exit "$failed"
