#!/usr/bin/env python3
"""rumor versus HashiCorp memberlist, side by side, on loopback (bench/versus/README.md).

For each cluster size N (default 100, 300, 1000, 2000) it runs two harnesses, one after the
other and never at once, each hosting all N nodes in one process with memberlist's LAN
defaults: rumor_cluster (rumor's SwimHost on src/net) and memberlist_harness (memberlist 0.2.2
from Debian, built here offline in GOPATH mode). Both measure themselves the same way and print
one JSON line: the time until every node sees all N alive after all join through one seed;
steady-state CPU (% of one core), peak RSS and bytes sent per node per second over --steady-s
seconds; the time from killing one node until every survivor marks it failed.

It prints one markdown table, a row per N, with rumor, memberlist and their ratio
(rumor / memberlist) for each metric and a verdict against the targets (cpu <= 0.2x,
rss <= 0.2x, converge <= 1x, detect <= 1x; rumor forms and holds the largest cluster), and
writes the raw JSON lines to --out. With --runs K every measurement is taken K times and the
medians are shown (the machine is small and shared, so single runs are noisy).

--tiny (N = 20, 3 s steady state) is what ctest runs (LABELS bench) so the script, the two
harnesses and their JSON cannot drift apart; its timings mean nothing, and it fails if a
harness errors or a 20-node cluster does not converge or detect the kill.

Exit status: 0, or 1 if a harness failed (or, with --tiny, a run missed convergence or
detection); 2 for bad usage. A missed target shows in the table, not in the exit status.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GOPATH = "/usr/share/gocode"
METRICS = [  # (JSON field, column title, target ratio or None)
    ("converge_s", "converge s", 1.0),
    ("cpu_pct", "cpu %", 0.2),
    ("peak_rss_mib", "rss MiB", 0.2),
    ("bytes_per_node_s", "B/node/s", None),
    ("packets_per_node_s", "pkt/node/s", None),
    ("detect_s", "detect s", 1.0),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def build_memberlist(build_dir: Path) -> Path:
    """go build the harness offline against Debian's memberlist sources (GOPATH mode)."""
    out = build_dir / "memberlist_harness"
    env = dict(os.environ, GOPATH=GOPATH, GO111MODULE="off", GOPROXY="off", GOFLAGS="",
               CGO_ENABLED="0", GOCACHE=str(build_dir / "go-cache"))
    build_dir.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["go", "build", "-o", str(out), "."], cwd=HERE / "memberlist_harness",
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"run.py: go build of memberlist_harness failed (needs Debian's golang-go and "
                 f"golang-github-hashicorp-memberlist-dev):\n{r.stderr.strip()}")
    return out


class Ports:
    """Hands out a fresh port range per run, cycling below the kernel's ephemeral range so a
    node never collides with an outgoing connection's local port."""

    def __init__(self, first: int):
        try:
            low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            low = 32768
        self.first, self.end = first, low
        self.next = first

    def take(self, n: int) -> int:
        if self.next + n > self.end:
            self.next = self.first
        if self.next + n > self.end:
            sys.exit(f"run.py: {n} ports do not fit between --base-port {self.first} and the "
                     f"ephemeral range at {self.end}")
        base = self.next
        self.next += n
        return base


def run_one(binary: Path, impl: str, n: int, ports: Ports, steady_s: float, timeout_s: float,
            extra: list):
    """Runs one harness; returns its JSON as a dict, or None if it failed (after one retry on
    a fresh port range, in case something else held a port)."""
    for attempt in (1, 2):
        base = ports.take(n)
        cmd = [str(binary), "--nodes", str(n), "--base-port", str(base), "--steady-s",
               str(steady_s), "--timeout-s", str(timeout_s)] + extra
        started = time.monotonic()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=2 * timeout_s + steady_s + 120)
        except subprocess.TimeoutExpired:
            log(f"  {impl} N={n}: no answer in time (killed): {' '.join(cmd)}")
            return None
        wall = time.monotonic() - started
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if r.returncode == 0 and lines:
            try:
                res = json.loads(lines[-1])
            except json.JSONDecodeError:
                res = None
            if res is not None and res.get("impl") == impl and res.get("nodes") == n:
                res["wall_s"] = round(wall, 2)
                res["base_port"] = base
                res["steady_s"] = steady_s
                return res
        log(f"  {impl} N={n} (attempt {attempt}) failed, status {r.returncode}: "
            f"{(r.stderr.strip() or r.stdout.strip())[-400:]}")
    return None


def fmt(x):
    if x is None:
        return "-"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def summarize(runs):
    """Medians over the runs of one (impl, N). A time counts only from runs that reached it;
    'reached' says how many did."""
    out = {"runs": len(runs)}
    if not runs:
        return out
    out["converged"] = sum(1 for r in runs if r["converged"])
    out["detected"] = sum(1 for r in runs if r["detected"])
    out["held"] = sum(1 for r in runs if r["converged"] and r.get("full_views_end") == r["nodes"])
    out["full_views"] = min(r["full_views"] for r in runs)
    for key, _, _ in METRICS:
        vals = [r[key] for r in runs if r.get(key) is not None]
        if key == "converge_s":
            vals = [r[key] for r in runs if r["converged"]]
        if key == "detect_s":
            vals = [r[key] for r in runs if r["detected"]]
        out[key] = statistics.median(vals) if vals else None
    out["notes"] = sorted({r["note"] for r in runs if r.get("note")})
    return out


def cell(s, key, n):
    """One table cell: the median, or why there is none."""
    if not s or s.get("runs", 0) == 0:
        return "n/a"
    if key == "converge_s" and s["converged"] < s["runs"]:
        if s["converged"] == 0:
            return f"no ({s['full_views']}/{n})"
        return f"{fmt(s[key])} ({s['converged']}/{s['runs']})"
    if key == "detect_s" and s["detected"] < s["runs"]:
        if s["detected"] == 0:
            return "no"
        return f"{fmt(s[key])} ({s['detected']}/{s['runs']})"
    return fmt(s.get(key))


def verdicts(r, m):
    """Targets at one N: ratio limits where both reached a value; a time memberlist never
    reached counts as a pass for rumor if rumor reached it. CPU and memory are judged only
    where both formed their cluster in every run ('-' otherwise: not like for like)."""
    out = []
    both_formed = bool(r and m and r.get("runs") and m.get("runs")
                       and r["converged"] == r["runs"] and m["converged"] == m["runs"])
    for key, title, limit in METRICS:
        if limit is None:
            continue
        name = title.split()[0]
        a, b = r.get(key) if r else None, m.get(key) if m else None
        if key in ("cpu_pct", "peak_rss_mib") and not both_formed:
            out.append(f"{name} -")
        elif a is None:
            out.append(f"{name} FAIL" if r and r.get("runs") else f"{name} n/a")
        elif b is None:
            out.append(f"{name} ok*" if m and m.get("runs") else f"{name} n/a")
        else:
            out.append(f"{name} {'ok' if a <= limit * b else 'FAIL'}")
    return ", ".join(out)


def table(sizes, summary, impls):
    head = ["N"]
    for _, title, limit in METRICS:
        head += [f"{title} rumor", f"{title} memberlist", "ratio"]
    head.append("verdict")
    rows = [head, ["---:"] * (len(head) - 1) + ["---"]]
    for n in sizes:
        r, m = summary.get(("rumor", n)), summary.get(("memberlist", n))
        row = [f"{n:,}"]
        for key, _, _ in METRICS:
            a, b = (r or {}).get(key), (m or {}).get(key)
            ratio = f"{a / b:.2f}x" if a is not None and b else "-"
            row += [cell(r, key, n), cell(m, key, n), ratio]
        row.append(verdicts(r, m) if len(impls) == 2 else "-")
        rows.append(row)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rumor", type=Path,
                   help="the rumor_cluster binary [build-rel/bench/versus/rumor_cluster]")
    p.add_argument("--memberlist", type=Path,
                   help="a prebuilt memberlist_harness (default: go build it into --build-dir)")
    p.add_argument("--build-dir", type=Path, default=REPO / "build-rel" / "bench" / "versus",
                   help="where to build the Go harness [build-rel/bench/versus]")
    p.add_argument("--sizes", default="100,300,1000,2000", help="cluster sizes [%(default)s]")
    p.add_argument("--impls", default="rumor,memberlist",
                   help="which harnesses to run [%(default)s]")
    p.add_argument("--steady-s", type=float, default=30, help="steady window [%(default)s s]")
    p.add_argument("--timeout-s", type=float,
                   help="give up on convergence, and on detection, after this long "
                        "[60 + 0.09 s per node]")
    p.add_argument("--runs", type=int, default=1, help="runs per (impl, N); medians shown [1]")
    p.add_argument("--base-port", type=int, default=10000,
                   help="first port of the ranges handed out [%(default)s]")
    p.add_argument("--out", type=Path, default=REPO / "out" / "versus.jsonl",
                   help="raw JSON lines, one per run [out/versus.jsonl]")
    p.add_argument("--join-parallel", type=int,
                   help="joins in flight at once, both harnesses; 0: all at once [64]")
    p.add_argument("--from", dest="from_files", type=Path, nargs="+", metavar="JSONL",
                   help="run nothing: print the table from these raw JSON lines (medians "
                        "over every line of one impl and N)")
    p.add_argument("--tiny", action="store_true",
                   help="N = 20, 3 s steady state, one run: the ctest smoke test")
    a = p.parse_args()

    impls = [s.strip() for s in a.impls.split(",") if s.strip()]
    if not impls or any(i not in ("rumor", "memberlist") for i in impls):
        p.error("--impls takes rumor and/or memberlist")
    try:
        sizes = [int(s.replace("_", "")) for s in a.sizes.split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes: a comma-separated list of integers, got '{a.sizes}'")
    if a.tiny:
        sizes, a.steady_s, a.runs = [20], 3.0, 1
        a.timeout_s = a.timeout_s or 60
    if not sizes or min(sizes) < 3 or a.runs < 1 or a.steady_s <= 0:
        p.error("need sizes >= 3, --runs >= 1 and --steady-s > 0")

    if a.from_files:
        runs = {}
        for f in a.from_files:
            for line in f.read_text().splitlines():
                if line.strip():
                    r = json.loads(line)
                    runs.setdefault((r["impl"], r["nodes"]), []).append(r)
        found = sorted({n for _, n in runs})
        counts = sorted({len(v) for v in runs.values()})
        steady = sorted({r["steady_s"] for v in runs.values() for r in v if "steady_s" in r})
        report(found, {k: summarize(v) for k, v in runs.items()}, impls,
               "/".join(map(str, counts)), "/".join(f"{x:g}" for x in steady) or "?",
               ", ".join(map(str, a.from_files)))
        return

    bins = {}
    if "rumor" in impls:
        bins["rumor"] = a.rumor or REPO / "build-rel" / "bench" / "versus" / "rumor_cluster"
        if not os.access(bins["rumor"], os.X_OK):
            sys.exit(f"run.py: no rumor harness at {bins['rumor']} (build it: ninja -C build-rel "
                     f"rumor_cluster, or pass --rumor PATH)")
    if "memberlist" in impls:
        bins["memberlist"] = a.memberlist or build_memberlist(a.build_dir)

    load = os.getloadavg()[0]
    if load > 1.2:
        log(f"run.py: warning: load average {load:.2f} > 1.2; figures will be noisy")
    log(f"run.py: sizes {sizes}, {a.runs} run(s) each, steady {a.steady_s:g} s, "
        f"load {os.getloadavg()[0]:.2f}")

    extra = [] if a.join_parallel is None else ["--join-parallel", str(a.join_parallel)]
    ports = Ports(a.base_port)
    summary, failed, missed = {}, False, False
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "w") as out:
        for n in sizes:
            timeout_s = a.timeout_s or round(60 + 0.09 * n)
            results = {i: [] for i in impls}
            for k in range(a.runs):
                for impl in impls:
                    res = run_one(bins[impl], impl, n, ports, a.steady_s, timeout_s, extra)
                    if res is None:
                        failed = True
                        continue
                    out.write(json.dumps(res) + "\n")
                    out.flush()
                    results[impl].append(res)
                    missed |= not (res["converged"] and res["detected"])
                    log(f"  {impl:10} N={n:<5} run {k + 1}/{a.runs}: converge "
                        f"{fmt(res['converge_s'])} s, cpu {fmt(res['cpu_pct'])} %, rss "
                        f"{fmt(res['peak_rss_mib'])} MiB (end {fmt(res.get('rss_end_mib'))}), "
                        f"{fmt(res['bytes_per_node_s'])} B/node/s, "
                        f"{fmt(res.get('packets_per_node_s'))} pkt/node/s, detect {fmt(res['detect_s'])} s, wall {res['wall_s']} s"
                        + (f"; {res['note']}" if res.get("note") else ""))
            for impl in impls:
                summary[(impl, n)] = summarize(results[impl])

    report(sizes, summary, impls, str(a.runs), f"{a.steady_s:g}", str(a.out))
    if failed or (a.tiny and missed):
        sys.exit(1)


def report(sizes, summary, impls, runs, steady_s, source):
    print(f"rumor vs memberlist 0.2.2, LAN defaults, loopback, one process per cluster; "
          f"medians of {runs} run(s), steady window {steady_s} s\n")
    print(table(sizes, summary, impls))
    if len(impls) == 2:
        big = max(sizes)
        s = summary.get(("rumor", big), {})
        formed = s.get("runs") and s.get("held") == s.get("runs")
        print(f"\nrumor forms and holds a {big:,}-node cluster in one process: "
              f"{'yes' if formed else 'NO'} ({s.get('held', 0)}/{s.get('runs', 0)} runs)")
        print("\nratio = rumor / memberlist. Targets: cpu and rss <= 0.2x, converge and detect "
              "<= 1x; ok* = memberlist never got there; cpu/rss '-' = a side did not form its "
              "cluster (not like for like). B/node/s has no target.")
    notes = [(impl, n, note) for (impl, n), s in summary.items() for note in s.get("notes", [])]
    if notes:
        print("\nnotes:")
        for impl, n, note in notes:
            print(f"- {impl} N={n}: {note}")
    print(f"\nload average now: {os.getloadavg()[0]:.2f}; raw JSON lines: {source}")


if __name__ == "__main__":
    main()
