#!/usr/bin/env python3
"""Heartbeat failure-detection figures for docs/convergence.md, section 5, made by `rumor sim`.

Two experiments, both with the heartbeat membership protocol (push-pull digests, fanout 1,
1 s interval, async timing, latency uniform 5..50 ms, interval jitter 10%):
  1. detection: one node crashes at round 40; how long until the first live node suspects it,
     declares it dead, and until every live node has, for the fixed-threshold detector at a few
     (suspect_after, dead_after) settings and n = 100 and 1000, against the threshold itself;
  2. phi accrual false suspicions per node-hour over one simulated hour, at phi thresholds
     5, 8 and 12, under jittered latency (normal 20 ms, sd 10 ms) with 1% loss.
Usage: tools/detection.py --rumor build/src/cli/rumor [--quick] > out.md
"""
import argparse
import json
import subprocess
import sys


def run(rumor, args):
    cmd = [rumor, "sim", "--protocol", "heartbeat", "--format", "json"] + args
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()], " ".join(cmd[1:])


def fmt(v, digits=2):
    return "never" if v is None else f"{v:.{digits}f}"


def detection(rumor, quick):
    sizes = [100] if quick else [100, 1000]
    settings = [(5, 3), (8, 4)] if not quick else [(8, 4)]
    seeds = 3 if quick else 5
    print("### 5.1 Time from a crash to detection (fixed-threshold detector)\n")
    print("| n | suspect after | dead after | threshold (s) | first suspect (s) | first dead (s) "
          "| all dead, mean over seeds (s) | all dead, max (s) | false suspicions (settled) "
          "| false deaths | command |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        for x, y in settings:
            args = ["--nodes", str(n), "--timing", "async", "--latency", "uniform:5:50",
                    "--jitter", "0.1", "--crash", f"{n // 2}@40", "--suspect-after", str(x),
                    "--dead-after", str(y), "--seeds", str(seeds), "--max-rounds", "100"]
            runs, cmd = run(rumor, args)
            dets = [r["detections"][0] for r in runs]
            fs = [d["first_suspect_s"] for d in dets if d["first_suspect_s"] is not None]
            fd = [d["first_dead_s"] for d in dets if d["first_dead_s"] is not None]
            ad = [d["all_dead_s"] for d in dets if d["all_dead_s"] is not None]
            print(f"| {n} | {x} | {y} | {x + y} | {fmt(sum(fs) / len(fs) if fs else None)} "
                  f"| {fmt(sum(fd) / len(fd) if fd else None)} "
                  f"| {fmt(sum(ad) / len(ad) if ad else None)} ({len(ad)}/{len(runs)} runs) "
                  f"| {fmt(max(ad) if ad else None)} "
                  f"| {sum(r['false_suspicions'] for r in runs)} "
                  f"({sum(r['false_suspicions_settled'] for r in runs)}) "
                  f"| {sum(r['false_deaths'] for r in runs)} | `{cmd}` |")
            sys.stdout.flush()
    print()


def phi_false_suspicions(rumor, quick):
    rounds = 600 if quick else 3600
    print("### 5.2 Phi accrual: false suspicions under jittered latency\n")
    print(f"n = 100, {rounds} rounds of 1 s, latency normal(20 ms, 10 ms), 1% loss, "
          "interval jitter 20%, phi window 1000, min std dev 100 ms, dead after 10 s; "
          "one node crashes at round 300 to show the detection cost of each threshold.\n")
    print("Suspicions are counted from the moment every node knows every other (`joined_s`), "
          "in two windows: the first 60 intervals (start-up: the detector has little history) "
          "and after them (settled).\n")
    print("| phi threshold | false suspicions, start-up | settled | settled per node-hour "
          "| false deaths | crash: first suspect (s) | crash: all dead (s) | command |")
    print("|---|---|---|---|---|---|---|---|")
    for th in (5, 8, 12):
        args = ["--nodes", "100", "--timing", "async", "--latency", "normal:20:10", "--loss",
                "0.01", "--jitter", "0.2", "--detector", "phi", "--phi-threshold", str(th),
                "--crash", "50@300", "--max-rounds", str(rounds)]
        runs, cmd = run(rumor, args)
        r = runs[0]
        d = r["detections"][0]
        startup = r["false_suspicions"] - r["false_suspicions_settled"]
        print(f"| {th} | {startup} | {r['false_suspicions_settled']} over "
              f"{r['node_hours_settled']:.1f} node-hours "
              f"| {r['false_suspicions_settled_per_node_hour']:.3f} | {r['false_deaths']} "
              f"| {fmt(d['first_suspect_s'])} | {fmt(d['all_dead_s'])} | `{cmd}` |")
        sys.stdout.flush()
    print()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rumor", default="build/src/cli/rumor")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    detection(a.rumor, a.quick)
    phi_false_suspicions(a.rumor, a.quick)


if __name__ == "__main__":
    main()
