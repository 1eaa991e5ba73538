#!/usr/bin/env python3
"""SWIM figures for docs/swim.md, every one made by `rumor sim --protocol swim`.

Experiments (memberlist's LAN profile unless said otherwise; formed clusters; async timing):
  1. detect:    one crash (at 30 s) in n = 100, 1,000, 10,000: time to the first suspicion and
                the first and last failed verdict, in protocol periods, against SWIM's
                e/(e-1); messages per member per period; the spread of the verdict.
  2. loss:      false suspicions per probe at 1%, 5%, 10% loss with k = 1, 3, 5 indirect
                checks, against SWIM's formula; TCP pings off (the formula knows no TCP), with
                Lifeguard off and on; and failed verdicts against live members per member-hour.
  3. lifeguard: slow members (messages and timers handled late), Lifeguard on vs off: false
                failed verdicts against healthy members, and detection of real crashes.
  4. versus:    SWIM against heartbeat + phi accrual on the same crash, seed and cluster.
  5. spread:    how fast one membership change (a join's alive message) reaches everyone, in
                gossip intervals, at n = 100, 1,000, 3,000, against log n.
Usage: tools/swim_figures.py --rumor build-rel/src/cli/rumor [--only NAME] [--quick]
       [--sim-args="--eager-gossip off"] > out.md
(--sim-args: more flags for every run, e.g. to compare a setting against the default.)
"""
import argparse
import json
import math
import subprocess
import sys


SIM_ARGS = []  # --sim-args: appended to every run


def run(rumor, args):
    cmd = [rumor, "sim", "--format", "json"] + args + SIM_ARGS
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    runs = [json.loads(line) for line in out.splitlines() if line.strip()]
    return runs, "rumor " + " ".join(cmd[1:])


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def fmt(v, digits=2):
    return "never" if v is None else f"{v:.{digits}f}"


def swim_fp_formula(loss, k, qf=1.0):
    """SWIM (DSN 2002) §3.1: probability that a probe of a live member fails."""
    q = 1.0 - loss
    return qf * (1 - q ** 2) * (1 - qf * q ** 4) ** k


def detect(rumor, quick):
    sizes = [(100, 10, 3), (1000, 5, 3)] if quick else [(100, 20, 3), (1000, 10, 3),
                                                        (10000, 3, 1)]
    print("### Detection of a crashed member\n")
    print("Each run crashes `--crash K` members chosen from the seed at 30 s; figures are means "
          "over every crashed member of every seed. One protocol period = 1 s (LAN).\n")
    print("| n | crashes | first suspicion (periods) | first failed (s) | all failed (s) "
          "| verdict spread (gossip intervals) | log2 n | messages / member / period "
          "| bytes / member / period | false positives | command |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, seeds, crashes in sizes:
        first_suspect, first_dead, all_dead, spread, msgs, byts, fps = [], [], [], [], [], [], 0
        cmd = ""
        for seed in range(1, seeds + 1):
            runs, cmd = run(rumor, ["--protocol", "swim", "--nodes", str(n), "--duration",
                                    "120s", "--crash", str(crashes), "--seed", str(seed)])
            r = runs[0]
            for c in r["crashes"]:
                first_suspect.append(c["first_suspect_periods"])
                first_dead.append(c["first_dead_s"])
                all_dead.append(c["all_dead_s"])
                spread.append(c["spread_gossip_intervals"])
            msgs.append(r["messages_per_member_per_s"] * r["probe_interval_s"])
            byts.append(r["bytes_per_member_per_s"] * r["probe_interval_s"])
            fps += r["false_positives"]
        cmd = cmd.replace("--seed " + str(seeds), f"--seed 1..{seeds}")
        print(f"| {n} | {len(first_suspect)} | {fmt(mean(first_suspect))} "
              f"| {fmt(mean(first_dead))} | {fmt(mean(all_dead))} | {fmt(mean(spread), 1)} "
              f"| {math.log2(n):.1f} | {fmt(mean(msgs))} | {fmt(mean(byts), 0)} | {fps} "
              f"| `{cmd}` |")
        sys.stdout.flush()
    print()


def loss(rumor, quick):
    hours = "10m" if quick else "1h"
    print("### False suspicions under packet loss\n")
    print(f"n = 100, {hours} per run, no crashes, TCP fallback pings off. "
          "\"Per probe\" = probes that ended in suspicion / probes; SWIM's formula with "
          "q_f = 1: (1 - q^2)(1 - q^4)^k, q = 1 - loss.\n")
    print("| loss | k | SWIM formula (per probe) | Lifeguard off: per probe | failed verdicts "
          "| Lifeguard on: per probe | failed verdicts | command (Lifeguard off) |")
    print("|---|---|---|---|---|---|---|---|")
    for p in [0.01, 0.05, 0.10]:
        for k in [1, 3, 5]:
            cells = []
            cmd_off = ""
            for lg in ["off", "on"]:
                runs, cmd = run(rumor, ["--protocol", "swim", "--nodes", "100", "--duration",
                                        hours, "--loss", str(p), "--indirect-checks", str(k),
                                        "--tcp-pings", "off", "--lifeguard", lg])
                r = runs[0]
                rate = r["suspicions_raised"] / r["probes"]
                hours_f = r["member_seconds"] / 3600
                cells.append(f"{rate:.2e} | {r['false_positives']} "
                             f"({r['false_positives'] / hours_f:.3f}/member-h)")
                if lg == "off":
                    cmd_off = cmd
            print(f"| {p:.0%} | {k} | {swim_fp_formula(p, k):.2e} | {cells[0]} | {cells[1]} "
                  f"| `{cmd_off}` |")
            sys.stdout.flush()
    print()


def lifeguard(rumor, quick):
    seeds = 2 if quick else 5
    print("### Lifeguard on and off with slow members\n")
    print("n = 100, 10 minutes, 5 slow members (every message and timer handled late by "
          "0.5-1.5 s, mean `--slow-delay-ms`), 2 real crashes at 30 s. \"Healthy\" = neither "
          "slow nor crashed.\n")
    print("| slow delay (ms) | Lifeguard | seeds | failed verdicts against healthy members "
          "| against slow members | suspicions of live members | crash detection, first "
          "failed (s) | all failed (s) | command |")
    print("|---|---|---|---|---|---|---|---|---|")
    for delay in [500, 1000]:
        for lg in ["off", "on"]:
            healthy, slow_fp, susp, first, last = 0, 0, 0, [], []
            cmd = ""
            for seed in range(1, seeds + 1):
                runs, cmd = run(rumor, ["--protocol", "swim", "--nodes", "100", "--duration",
                                        "10m", "--slow", "5", "--slow-delay-ms", str(delay),
                                        "--crash", "2", "--lifeguard", lg, "--seed",
                                        str(seed)])
                r = runs[0]
                healthy += r["false_positives_untouched"]
                slow_fp += r["false_positives"] - r["false_positives_untouched"]
                susp += r["suspicions_of_live"]
                first += [c["first_dead_s"] for c in r["crashes"]]
                last += [c["all_dead_s"] for c in r["crashes"]]
            cmd = cmd.replace("--seed " + str(seeds), f"--seed 1..{seeds}")
            print(f"| {delay} | {lg} | {seeds} | {healthy} | {slow_fp} | {susp} "
                  f"| {fmt(mean(first))} | {fmt(mean(last))} | `{cmd}` |")
            sys.stdout.flush()
    print()


def versus(rumor, quick):
    n = 100
    print("### SWIM against heartbeat + phi accrual\n")
    print(f"n = {n}, one crash at 30 s, 120 s, seed 1, 10 ms latency, no loss. Heartbeat: "
          "push-pull digests, fanout 1, 1 s interval, phi accrual (threshold 8).\n")
    runs, swim_cmd = run(rumor, ["--protocol", "swim", "--nodes", str(n), "--duration", "120s",
                                 "--crash", "1", "--seed", "1"])
    s = runs[0]
    crashed = s["crashes"][0]["node"]
    runs, hb_cmd = run(rumor, ["--protocol", "heartbeat", "--nodes", str(n), "--timing",
                               "async", "--detector", "phi", "--crash", f"{crashed}@30",
                               "--max-rounds", "120", "--seed", "1"])
    h = runs[0]
    d = h["detections"][0]
    print("| protocol | first suspicion (s) | first failed (s) | all failed (s) "
          "| messages / member / s | bytes / member / s | command |")
    print("|---|---|---|---|---|---|---|")
    c = s["crashes"][0]
    print(f"| SWIM (memberlist LAN) | {fmt(c['first_suspect_s'])} | {fmt(c['first_dead_s'])} "
          f"| {fmt(c['all_dead_s'])} | {fmt(s['messages_per_member_per_s'])} "
          f"| {fmt(s['bytes_per_member_per_s'], 0)} | `{swim_cmd}` |")
    print(f"| heartbeat + phi | {fmt(d['first_suspect_s'])} | {fmt(d['first_dead_s'])} "
          f"| {fmt(d['all_dead_s'])} | {fmt(h['messages_per_node_interval'] / h['interval_s'])} "
          f"| {fmt(h['bytes_per_node_interval'] / h['interval_s'], 0)} | `{hb_cmd}` |")
    print()


def spread(rumor, quick):
    sizes = [100, 1000] if quick else [100, 1000, 3000]
    print("### Dissemination of a membership change\n")
    print("Nodes join one by one through node 0 (`--start join`, one every 50 ms); for a sample "
          "of up to 32 joins, the time from the first member knowing the newcomer to every "
          "member knowing it, in gossip intervals (200 ms, 3 members per tick, plus piggybacking "
          "on every ping and ack).\n")
    print("| n | joins sampled | median spread (gossip intervals) | max | median (s) "
          "| log2 n | command |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        duration = f"{int(n * 0.05 + 60)}s"
        runs, cmd = run(rumor, ["--protocol", "swim", "--nodes", str(n), "--duration", duration,
                                "--start", "join", "--seed", "1"])
        joins = [j for j in runs[0]["joins"] if j.get("spread_gossip_intervals") is not None]
        g = sorted(j["spread_gossip_intervals"] for j in joins)
        secs = sorted(j["spread_s"] for j in joins)
        print(f"| {n} | {len(joins)} | {fmt(g[len(g) // 2], 1)} | {fmt(g[-1], 1)} "
              f"| {fmt(secs[len(secs) // 2])} | {math.log2(n):.1f} | `{cmd}` |")
        sys.stdout.flush()
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rumor", required=True)
    ap.add_argument("--only", choices=["detect", "loss", "lifeguard", "versus", "spread"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sim-args", default="", help="more flags for every run")
    a = ap.parse_args()
    SIM_ARGS.extend(a.sim_args.split())
    for name, fn in [("detect", detect), ("spread", spread), ("loss", loss),
                     ("lifeguard", lifeguard), ("versus", versus)]:
        if a.only in (None, name):
            fn(a.rumor, a.quick)


if __name__ == "__main__":
    main()
