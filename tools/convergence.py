#!/usr/bin/env python3
"""Checks `rumor sim` against the epidemic-dissemination theory in docs/convergence.md.

Every number this script prints comes from `rumor sim --format json` runs (the real protocol
engine on the deterministic simulator); the script only runs the binary, averages, and puts the
formulas of /work/shared/specs/papers.md (and the mean-field recursions described in
docs/convergence.md) beside the measurements.

Usage:
  tools/convergence.py --rumor build/src/cli/rumor                 # full version, tables to stdout
  tools/convergence.py --rumor build/src/cli/rumor --quick         # small version (a few seconds)
  tools/convergence.py --rumor build/src/cli/rumor --update-doc docs/convergence.md

--update-doc replaces, in the given markdown file, everything between
`<!-- BEGIN generated:NAME -->` and `<!-- END generated:NAME -->` with the freshly generated block
NAME, leaving the prose around it alone. Without it every block is written to --out (default
stdout) in order. --figures DIR is where `rumor sim --plot` writes its SVGs (default
docs/figures). --cache DIR keeps each command's output keyed by the command line, so a re-run with
the same binary and flags re-formats without re-simulating (the simulator is deterministic; delete
the cache after rebuilding rumor).

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shlex
import subprocess
import sys
import time

MODES = ("push", "pull", "push-pull")
RUMOR_STOPS = ("feedback-coin", "feedback-counter", "blind-coin", "blind-counter")


# ------------------------------------------------------------------------------------------------
# Running the simulator


class Sim:
    """Runs `rumor sim` and returns its JSON lines as dicts; remembers what it ran."""

    def __init__(self, rumor: str, cache_dir: str | None, verbose: bool):
        self.rumor = rumor
        self.cache_dir = cache_dir
        self.verbose = verbose
        self.seconds = 0.0  # wall time spent simulating (not counting cache hits)
        self.commands = 0
        if cache_dir:
            os.makedirs(cache_dir, exist_ok=True)

    @staticmethod
    def shown(args: list[str]) -> str:
        """The command as printed in the document: `rumor sim ...`."""
        return "rumor sim " + " ".join(shlex.quote(a) for a in args)

    def run(self, args: list[str]) -> list[dict]:
        args = list(args) + ["--format", "json"]
        key = hashlib.sha256(" ".join(args).encode()).hexdigest()[:24]
        path = os.path.join(self.cache_dir, key + ".jsonl") if self.cache_dir else None
        # A run that writes a plot is always re-run, so the figure exists after this call.
        writes_file = "--plot" in args
        if path and os.path.exists(path) and not writes_file:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        else:
            start = time.monotonic()
            if self.verbose:
                print(f"[convergence] {self.shown(args)}", file=sys.stderr, flush=True)
            proc = subprocess.run([self.rumor, "sim", *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
            elapsed = time.monotonic() - start
            self.seconds += elapsed
            self.commands += 1
            if proc.returncode != 0:
                sys.exit(f"convergence.py: `{self.shown(args)}` failed "
                         f"(exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
            text = proc.stdout
            if self.verbose:
                print(f"[convergence]   {elapsed:.1f} s", file=sys.stderr, flush=True)
            if path:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
        return [json.loads(line) for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------------
# Statistics and theory


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


def sd(xs):
    xs = list(xs)
    if len(xs) < 2:
        return 0.0
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def stderr_of_mean(xs):
    xs = list(xs)
    return sd(xs) / math.sqrt(len(xs)) if len(xs) > 1 else 0.0


def lnln(n):
    return math.log(math.log(n))


def push_formula(n):  # Frieze & Grimmett; Pittel: log2 n + ln n + O(1)
    return math.log2(n) + math.log(n)


def log3(n):  # Karp et al.: push-pull log3 n + O(log log n)
    return math.log(n, 3)


def pull_formula(n):
    # Not in papers.md. Mean-field reading: doubling while the informed fraction is small
    # (i' = i(2 - i)), then squaring of the uninformed fraction (s' = s^2): log2 n + log2 ln n.
    return math.log2(n) + math.log2(math.log(n))


def pushpull_tail_formula(n):
    # Our reading of Karp et al.'s O(log log n) term: growth x3 per round while the informed
    # fraction is small, then s' = s^2/e (the uninformed fraction squares), so log3 n + log2 ln n.
    return log3(n) + math.log2(math.log(n))


def mean_field_rounds(n: int, mode: str, fanout: int = 1) -> float:
    """Expected rounds to full from the mean-field recursion of the uninformed fraction s_t
    (the expected one-round change with I_t = n(1 - s_t) informed nodes, fanout f distinct
    uniform peers among the n - 1 others), ending with a Poisson count of uninformed nodes:
    E[T] = sum_t P(T > t) ~ sum_t (1 - exp(-n s_t)). Ignores the randomness of the first rounds
    (which matters for pull, see docs/convergence.md)."""
    f = min(fanout, n - 1)
    s = 1.0 - 1.0 / n
    total = 0.0
    for _ in range(10000):
        u = n * s
        if u < 1e-12:
            break
        total += -math.expm1(-u)
        informed = n * (1.0 - s)
        keep = 1.0
        if mode in ("push", "push-pull"):
            keep *= (1.0 - f / (n - 1)) ** informed
        if mode in ("pull", "push-pull"):
            for j in range(f):  # none of the f distinct peers pulled from is informed
                keep *= max(0.0, 1.0 - informed / (n - 1 - j))
        s *= keep
    return total


def demers_residue(c: float) -> float:
    """The root in (0, 1) of s = exp(-c (1 - s)) (c > 1), or 1 when c <= 1 (no outbreak)."""
    def g(s):
        return s - math.exp(-c * (1.0 - s))
    lo, hi = 0.0, 1.0 - 1e-12
    if g(hi) <= 0:
        return 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if g(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# ------------------------------------------------------------------------------------------------
# Formatting


def fmt(x, nd=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{nd}f}"


def fmt_signed(x, nd=2):
    return f"{x:+.{nd}f}"


def fmt_sci(x):
    if x == 0:
        return "0"
    return f"{x:.2e}"


def size_name(n: int) -> str:
    exp = round(math.log10(n))
    return f"10^{exp}" if 10 ** exp == n and n >= 100 else f"{n:,}"


def table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or ("l" + "r" * (len(header) - 1))
    sep = ["---:" if a == "r" else ":---" for a in align]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def commands_block(cmds: list[str]) -> str:
    return "```sh\n" + "\n".join(cmds) + "\n```\n"


def by_mode(runs):
    out = {}
    for r in runs:
        out.setdefault(r["mode"], []).append(r)
    return out


def rounds(rs):
    missing = [r["seed"] for r in rs if r["rounds_to_full"] is None]
    if missing:
        sys.exit(f"convergence.py: seeds {missing} of {rs[0]['mode']} at n={rs[0]['nodes']} "
                 "never reached every node")
    return [r["rounds_to_full"] for r in rs]


def per_node(rs, key=None):
    if key is None:
        return mean(r["messages_total"] / r["nodes"] for r in rs)
    return mean(r["messages_by_type"][key] / r["nodes"] for r in rs)


# ------------------------------------------------------------------------------------------------
# Section 1: rounds to full convergence, fanout 1


def section1(sim: Sim, sizes, seeds_for, data) -> dict[str, str]:
    runs_by_n = {}
    cmds = []
    for n in sizes:
        args = ["--nodes", str(n), "--compare", ",".join(MODES), "--seeds", str(seeds_for(n))]
        cmds.append(sim.shown(args + ["--format", "json"]))
        runs_by_n[n] = by_mode(sim.run(args))
    data["s1"] = {}

    def stats_row(n, rs):
        rr = rounds(rs)
        return [size_name(n), str(len(rr)), fmt(mean(rr)), fmt(sd(rr)), str(min(rr)), str(max(rr))]

    blocks = {}
    head = ["n", "seeds", "mean", "sd", "min", "max"]
    # push
    rows = []
    for n in sizes:
        rs = runs_by_n[n]["push"]
        rr = rounds(rs)
        pred, mf = push_formula(n), mean_field_rounds(n, "push")
        rows.append(stats_row(n, rs) + [fmt(pred), fmt_signed(mean(rr) - pred), fmt(mf),
                                        fmt_signed(mean(rr) - mf)])
        data["s1"].setdefault("push", {})[n] = dict(mean=mean(rr), sd=sd(rr), min=min(rr),
                                                    max=max(rr), formula=pred, mean_field=mf)
    blocks["s1-push"] = table(head + ["log2 n + ln n", "mean − formula", "mean-field",
                                      "mean − mean-field"], rows)
    # pull
    rows = []
    for n in sizes:
        rs = runs_by_n[n]["pull"]
        rr = rounds(rs)
        pred, mf = pull_formula(n), mean_field_rounds(n, "pull")
        stall = mean(1.0 if r["per_round"][0]["informed"] == 1 else 0.0 for r in rs)
        rows.append(stats_row(n, rs) + [fmt(pred), fmt_signed(mean(rr) - pred), fmt(mf),
                                        fmt_signed(mean(rr) - mf), fmt(stall)])
        data["s1"].setdefault("pull", {})[n] = dict(mean=mean(rr), sd=sd(rr), min=min(rr),
                                                    max=max(rr), formula=pred, mean_field=mf,
                                                    round1_stall=stall)
    blocks["s1-pull"] = table(head + ["log2 n + log2 ln n", "mean − formula", "mean-field",
                                      "mean − mean-field", "share of runs stuck at 1 informed after round 1 (theory e^-1 = 0.37)"],
                              rows)
    # push-pull
    rows = []
    for n in sizes:
        rs = runs_by_n[n]["push-pull"]
        rr = rounds(rs)
        a, b, c = log3(n), log3(n) + lnln(n), pushpull_tail_formula(n)
        mf = mean_field_rounds(n, "push-pull")
        rows.append(stats_row(n, rs) + [fmt(a), fmt(b), fmt_signed(mean(rr) - b), fmt(c),
                                        fmt_signed(mean(rr) - c), fmt(mf),
                                        fmt_signed(mean(rr) - mf)])
        data["s1"].setdefault("push-pull", {})[n] = dict(mean=mean(rr), sd=sd(rr), min=min(rr),
                                                         max=max(rr), log3=a, log3_lnln=b,
                                                         log3_log2ln=c, mean_field=mf)
    blocks["s1-pushpull"] = table(head + ["log3 n", "log3 n + ln ln n", "mean − that",
                                          "log3 n + log2 ln n", "mean − that", "mean-field",
                                          "mean − mean-field"], rows)
    # messages
    rows = []
    for n in sizes:
        row = [size_name(n)]
        for m in MODES:
            rs = runs_by_n[n][m]
            total = per_node(rs)
            syn = per_node(rs, "syn")
            row += [fmt(total), fmt(syn), fmt(total - syn), fmt(total / mean(rounds(rs)))]
            data["s1"][m][n].update(msgs_per_node=total, syn_per_node=syn)
        rows.append(row)
    hdr = ["n"]
    for m in MODES:
        hdr += [f"{m} msgs/node", "of which SYN", "ACK+ACK2", "per round"]
    blocks["s1-messages"] = table(hdr, rows)
    blocks["s1-commands"] = commands_block(cmds)
    data["s1_runs"] = runs_by_n  # for section 2's pooled tail ratios
    return blocks


# ------------------------------------------------------------------------------------------------
# Section 2: the tail


def uninformed(run):
    n = run["nodes"]
    return [1.0 - p["informed"] / n for p in run["per_round"]]

TAIL_MIN_EXPECTED = 20


def stay_probability(mode: str, n: int, u: int) -> float:
    """Exact chance that a given uninformed node is still uninformed after one fanout-1 round
    with u uninformed nodes: nobody of the n - u informed pushes to it (push), the one peer it
    pulls from is uninformed (pull), or both (push-pull)."""
    informed = n - u
    p = 1.0
    if mode in ("push", "push-pull"):
        p *= (1.0 - 1.0 / (n - 1)) ** informed
    if mode in ("pull", "push-pull"):
        p *= (u - 1) / (n - 1)
    return p


def tail_table(pooled_runs):
    rows, out = [], {}
    theory = {"push": ("s_t / s_(t-1)", "e^-1 ≈ 0.368"), "pull": ("s_t / s_(t-1)^2", "1"),
              "push-pull": ("s_t / s_(t-1)^2", "e^-1 ≈ 0.368")}
    for m in MODES:
        ratios, obs, exp, var = [], 0, 0.0, 0.0
        for r in pooled_runs[m]:
            n = r["nodes"]
            u = [n - 1] + [n - p["informed"] for p in r["per_round"]]
            for t in range(1, len(u)):
                p = stay_probability(m, n, u[t - 1])
                e = u[t - 1] * p
                if u[t - 1] > n / 10 or e < TAIL_MIN_EXPECTED:
                    continue
                s_prev, s_cur = u[t - 1] / n, u[t] / n
                ratios.append(s_cur / s_prev if m == "push" else s_cur / s_prev ** 2)
                obs += u[t]
                exp += e
                var += e * (1.0 - p)
        if not ratios:
            continue
        rel, rel_se = obs / exp, math.sqrt(var) / exp
        rows.append([m, theory[m][0], theory[m][1], str(len(ratios)), fmt(mean(ratios), 3),
                     fmt(min(ratios), 3), fmt(max(ratios), 3), f"{obs:,}", f"{exp:,.0f}",
                     f"{rel:.3f} ± {rel_se:.3f}"])
        out[m] = dict(pairs=len(ratios), mean=mean(ratios), observed=obs, expected=exp,
                      rel=rel, rel_se=rel_se)
    hdr = ["mode", "ratio", "papers.md", "round pairs", "mean", "min", "max",
           "Σ U_t measured", "Σ U_t expected", "measured ÷ expected"]
    return table(hdr, rows), out


def start_delay_table(runs_by_n, sizes):
    """When does the informed count reach n/100, measured (log-interpolated between rounds) and
    in the mean-field recursion; and how that compares with the rounds-to-full excess."""
    rows, out = [], {}
    for n in sizes:
        for m in MODES:
            rs = runs_by_n[n][m]
            target = n / 100
            times = []
            for r in rs:
                counts = [1] + [p["informed"] for p in r["per_round"]]
                times.append(crossing(counts, target))
            mf = crossing(mean_field_counts(n, m), target)
            excess = mean(rounds(rs)) - mean_field_rounds(n, m)
            rows.append([size_name(n), m, str(len(rs)), fmt(mean(times)), fmt(sd(times)),
                         fmt(mf), fmt_signed(mean(times) - mf), fmt_signed(excess)])
            out[f"{m} {n}"] = dict(measured=mean(times), sd=sd(times), mean_field=mf,
                                   delay=mean(times) - mf, excess=excess)
    hdr = ["n", "mode", "seeds", "round reaching n/100 informed", "sd", "mean-field",
           "start delay", "rounds to full: mean − mean-field (section 1)"]
    return table(hdr, rows, "llrrrrrr"), out


def crossing(counts, target):
    for t in range(1, len(counts)):
        if counts[t] >= target:
            a, b = math.log(counts[t - 1]), math.log(counts[t])
            return t - 1 + (math.log(target) - a) / (b - a)
    return float("nan")


def mean_field_counts(n, mode, rounds_=200):
    s = 1.0 - 1.0 / n
    counts = [1.0]
    for _ in range(rounds_):
        informed = n * (1.0 - s)
        keep = 1.0
        if mode in ("push", "push-pull"):
            keep *= (1.0 - 1.0 / (n - 1)) ** informed
        if mode in ("pull", "push-pull"):
            keep *= max(0.0, 1.0 - informed / (n - 1))
        s *= keep
        counts.append(n * (1.0 - s))
        if counts[-1] >= n / 2:
            break
    return counts


def section2(sim: Sim, n: int, pooled_runs, figures_dir: str, data) -> dict[str, str]:
    name = {10 ** 6: "1m", 10 ** 5: "100k", 10 ** 4: "10k", 10 ** 3: "1k"}.get(n, str(n))
    plot = os.path.join(figures_dir, f"convergence-{name}.svg")
    args = ["--nodes", str(n), "--compare", ",".join(MODES), "--seed", "1", "--plot", plot]
    runs = by_mode(sim.run(args))
    cmd = sim.shown(args + ["--format", "json"])
    s = {m: [1.0 - 1.0 / n] + uninformed(runs[m][0]) for m in MODES}  # index = round, 0 = start
    last = max(len(v) for v in s.values())
    rows = []
    for t in range(last):
        row = [str(t)]
        for m in MODES:
            v = s[m]
            if t >= len(v):
                row += ["", ""]
                continue
            row.append(f"{round(v[t] * n):,}")
            if t == 0 or v[t - 1] == 0:
                row.append("")
            elif m == "push":
                row.append(fmt(v[t] / v[t - 1], 3))
            else:
                row.append(fmt(v[t] / v[t - 1] ** 2, 3))
        rows.append(row)
    hdr = ["round t", "push: uninformed", "s_t / s_(t-1)", "pull: uninformed",
           "s_t / s_(t-1)^2", "push-pull: uninformed", "s_t / s_(t-1)^2"]
    blocks = {"s2-single": table(hdr, rows), "s2-commands": commands_block([cmd])}
    blocks["s2-figure"] = (f"![Informed fraction by round, n = {n:,}, seed 1]"
                           f"(figures/{os.path.basename(plot)})\n")

    # Pooled over every seed at the largest n of section 1: the one-round shrinking of the
    # uninformed count in the tail. The pairs kept are chosen on U_(t-1) alone (choosing them on
    # U_t would bias the ratio upward).
    blocks["s2-pooled"], data["s2"] = tail_table(pooled_runs)
    nn = pooled_runs["push"][0]["nodes"]
    seeds = len(pooled_runs["push"])
    blocks["s2-pooled-note"] = (
        f"Pooled over the {seeds} seeds of section 1 at n = {nn:,} (the same runs, no new "
        f"command): every round t with U_(t-1) ≤ n/10 uninformed nodes and an expected "
        f"U_t ≥ {TAIL_MIN_EXPECTED}.\n")
    return blocks


# ------------------------------------------------------------------------------------------------
# Section 3: fanout


def section3(sim: Sim, sizes, seeds, fanouts, data) -> dict[str, str]:
    modes = ("push-pull", "push")
    res = {}
    cmds = []
    for n in sizes:
        for f in fanouts:
            args = ["--nodes", str(n), "--fanout", str(f), "--compare", ",".join(modes),
                    "--seeds", str(seeds)]
            cmds.append(sim.shown(args + ["--format", "json"]))
            res[(n, f)] = by_mode(sim.run(args))
    rows = []
    data["s3"] = {}
    for m in modes:
        for n in sizes:
            base_r = mean(rounds(res[(n, fanouts[0])][m]))
            base_msg = per_node(res[(n, fanouts[0])][m])
            for f in fanouts:
                rs = res[(n, f)][m]
                rr = rounds(rs)
                msg = per_node(rs)
                mf = mean_field_rounds(n, m, f)
                rows.append([m, f"{n:,}", str(f), fmt(mean(rr)), str(max(rr)), fmt(mf),
                             fmt(mean(rr) / base_r), fmt(msg), fmt(msg / base_msg),
                             fmt(msg / mean(rr) / f)])
                data["s3"][f"{m} {n} {f}"] = dict(mean=mean(rr), max=max(rr), mean_field=mf,
                                                  msgs=msg, r_rel=mean(rr) / base_r,
                                                  m_rel=msg / base_msg)
    hdr = ["mode", "n", "fanout", "rounds mean", "max", "mean-field", "rounds ÷ fanout 1",
           "msgs/node", "msgs ÷ fanout 1", "msgs/node/round/fanout"]
    return {"s3-table": table(hdr, rows, "llrrrrrrrr"), "s3-commands": commands_block(cmds)}


# ------------------------------------------------------------------------------------------------
# Section 4: rumor mongering residue


def section4(sim: Sim, n: int, seeds: int, ks, data) -> dict[str, str]:
    rows = []
    cmds = []
    data["s4"] = {}
    for stop in RUMOR_STOPS:
        feedback = stop.startswith("feedback")
        for k in ks:
            args = ["--nodes", str(n), "--mode", "rumor", "--rumor-stop", stop, "--rumor-k",
                    str(k), "--seeds", str(seeds)]
            cmds.append(sim.shown(args + ["--format", "json"]))
            rs = sim.run(args)
            res = [1.0 - r["informed_final"] / r["nodes"] for r in rs]
            rumor_m = [r["messages_by_type"]["rumor"] / r["nodes"] for r in rs]
            total_m = [r["messages_total"] / r["nodes"] for r in rs]
            # Demers' formula is for feedback + coin; the same argument gives k for blind.
            c = k + 1 if feedback else k
            formula = demers_residue(c)
            full = sum(1 for r in rs if r["informed_final"] == r["live_final"])
            fizzled = sum(1 for r in rs if r["informed_final"] < 0.1 * r["nodes"])
            rr = [r["rounds_run"] for r in rs]
            rows.append([stop, str(k), fmt(mean(res), 4), fmt(stderr_of_mean(res), 4),
                         fmt(formula, 4), f"e^-{c}(1-s)",
                         fmt(mean(rumor_m), 3), fmt(math.exp(-mean(rumor_m)), 4),
                         fmt(mean(total_m), 2), fmt(mean(rr), 1), str(max(rr)),
                         f"{full}", f"{fizzled}"])
            data["s4"][f"{stop} {k}"] = dict(residue=mean(res), se=stderr_of_mean(res),
                                             formula=formula, m=mean(rumor_m),
                                             total=mean(total_m), rounds=mean(rr), full=full,
                                             fizzled=fizzled)
    hdr = ["stop rule", "k", "residue s (mean)", "± s.e.", "formula", "formula is",
           "rumor msgs/node m", "e^-m", "all msgs/node", "rounds (mean)", "max",
           f"runs reaching all {n}", "runs < 10% informed"]
    return {"s4-table": table(hdr, rows, "lrrrrlrrrrrrr"), "s4-commands": commands_block(cmds),
            "s4-note": f"{seeds} seeds (1..{seeds}) per row, n = {n:,}.\n"}


# ------------------------------------------------------------------------------------------------


def replace_blocks(doc: str, blocks: dict[str, str]) -> tuple[str, list[str]]:
    missing = []

    def sub(mt):
        name = mt.group(1)
        if name not in blocks:
            missing.append(name)
            return mt.group(0)
        return (f"<!-- BEGIN generated:{name} -->\n{blocks[name]}"
                f"<!-- END generated:{name} -->")

    pattern = re.compile(r"<!-- BEGIN generated:([\w-]+) -->\n.*?<!-- END generated:\1 -->",
                         re.S)
    return pattern.sub(sub, doc), missing


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rumor", required=True, help="path of the rumor binary")
    ap.add_argument("--quick", action="store_true", help="small version (n <= 10^4, few seeds)")
    ap.add_argument("--seeds", type=int, help="seeds per point (default 30; --quick 5)")
    ap.add_argument("--seeds-1m", type=int, help="seeds at n = 10^6 (default 10)")
    ap.add_argument("--rumor-seeds", type=int, help="seeds per rumor-mongering row (default 200; "
                    "--quick 30)")
    ap.add_argument("--figures", default="docs/figures", help="where plots go (docs/figures)")
    ap.add_argument("--out", help="write the generated blocks here instead of stdout")
    ap.add_argument("--update-doc", help="replace the generated blocks inside this markdown file")
    ap.add_argument("--data", help="also write the computed numbers as JSON to this file")
    ap.add_argument("--cache", help="directory caching each command's output")
    ap.add_argument("--only", help="comma-separated sections to run (1,2,3,4); 2 (and the "
                    "section-6 start-delay table) needs 1")
    ap.add_argument("-v", "--verbose", action="store_true", help="log each command to stderr")
    a = ap.parse_args()

    if not os.access(a.rumor, os.X_OK):
        sys.exit(f"convergence.py: --rumor {a.rumor}: not an executable file")
    os.makedirs(a.figures, exist_ok=True)
    seeds = a.seeds or (5 if a.quick else 30)
    seeds_1m = a.seeds_1m or (seeds if a.quick else min(seeds, 10))
    rumor_seeds = a.rumor_seeds or (30 if a.quick else 200)
    s1_sizes = [10 ** e for e in (range(2, 5) if a.quick else range(2, 7))]
    s3_sizes = [10, 100, 1000] if a.quick else [10, 100, 1000, 10 ** 4, 10 ** 5]
    only = set((a.only or "1,2,3,4").split(","))
    if "2" in only:
        only.add("1")

    sim = Sim(a.rumor, a.cache, a.verbose)
    started = time.monotonic()
    data: dict = {}
    blocks: dict[str, str] = {}
    if "1" in only:
        blocks.update(section1(sim, s1_sizes, lambda n: seeds_1m if n >= 10 ** 6 else seeds, data))
    if "2" in only:
        big = s1_sizes[-1]
        blocks.update(section2(sim, big, data["s1_runs"][big], a.figures, data))
        delay_sizes = [n for n in s1_sizes if n >= 10 ** 4]
        blocks["s6-start"], data["s6_start"] = start_delay_table(data["s1_runs"], delay_sizes)
    if "3" in only:
        blocks.update(section3(sim, s3_sizes, seeds, [1, 2, 3, 4], data))
    if "4" in only:
        blocks.update(section4(sim, 1000, rumor_seeds, [1, 2, 3, 4, 5], data))
    wall = time.monotonic() - started

    argv = ["python3", "tools/convergence.py"] + sys.argv[1:]
    blocks["invocation"] = (
        commands_block([" ".join(shlex.quote(x) for x in argv)]) +
        f"\n{sim.commands} `rumor sim` commands, {sim.seconds / 60:.1f} min of simulation "
        f"({wall / 60:.1f} min wall clock for the script).\n")
    data.pop("s1_runs", None)

    if a.data:
        with open(a.data, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, default=str)
    if a.update_doc:
        with open(a.update_doc, encoding="utf-8") as f:
            doc = f.read()
        doc, missing = replace_blocks(doc, blocks)
        with open(a.update_doc, "w", encoding="utf-8") as f:
            f.write(doc)
        if missing:
            print(f"convergence.py: no generated block for: {', '.join(missing)}",
                  file=sys.stderr)
    else:
        text = "".join(f"### {name}\n\n{body}\n" for name, body in blocks.items())
        if a.out:
            with open(a.out, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
