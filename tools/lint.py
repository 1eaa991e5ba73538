#!/usr/bin/env python3
"""rumor's lint: the architecture rules of ../shared/DESIGN.md that a machine can check.

1. Include direction. Each folder of src/ is a layer; a file may include only its own layer and
   the layers it depends on:
       base -> (nothing)          core -> base           sim -> core, base
       net -> core, base          agent -> core, net, base
       cli -> agent, sim, core, base
   include/rumor (the public API) may be included by anyone and may include base. tests/,
   bench/ and fuzz/ may include anything.
2. Sans-IO: no file in src/core or src/sim (tests included: they never touch the wall clock)
   reads a clock, sleeps, starts a thread, opens a socket or draws from a random source other
   than rumor::Prng.
3. Every header in src/ opens with a comment paragraph (the concept, its invariants, its owner).

Comments and string literals are stripped before matching, so prose may name banned calls.
Usage: tools/lint.py [ROOT]   (exit 1 and one "path:line: message" per finding)
"""
import os
import re
import sys

LAYERS = {
    "base": set(),
    "core": {"base"},
    "sim": {"core", "base"},
    "net": {"core", "base"},
    "agent": {"core", "net", "base"},
    "cli": {"agent", "sim", "core", "base"},
}
OUR_PREFIXES = set(LAYERS)
SANS_IO_LAYERS = ("core", "sim")

# (pattern, message). Patterns run on code with comments and strings removed.
BANNED = [
    (r"\bstd::chrono::(system_clock|steady_clock|high_resolution_clock)\b", "reads a clock"),
    (r"\b(system_clock|steady_clock|high_resolution_clock)::now\b", "reads a clock"),
    (r"(?<![\w.>:])(time|gettimeofday|clock_gettime|clock)\s*\(", "reads a clock"),
    (r"\bstd::time\s*\(", "reads a clock"),
    (r"\b(sleep_for|sleep_until)\b", "sleeps"),
    (r"(?<![\w.>:])(usleep|nanosleep|sleep)\s*\(", "sleeps"),
    (r"\bstd::(thread|jthread|async)\b", "starts a thread"),
    (r"\bpthread_create\b", "starts a thread"),
    (r"#\s*include\s*<(thread|random|future)>", "includes a banned header"),
    (r"\bstd::random_device\b", "uses a global random source"),
    (r"\bstd::\w+_distribution\b", "uses a <random> distribution (output differs across "
                                    "standard libraries; use rumor::Prng)"),
    (r"\bstd::(mt19937(_64)?|minstd_rand0?|default_random_engine|ranlux\w*|knuth_b)\b",
     "uses a <random> engine (use rumor::Prng)"),
    (r"(?<![\w.>:])(rand|srand|random|srandom|drand48|lrand48)\s*\(", "uses a global random source"),
    (r"#\s*include\s*<(sys/socket\.h|netinet/[\w/.]+|arpa/inet\.h|netdb\.h)>",
     "includes a socket header"),
    (r"#\s*include\s*<asio[\w/.]*>", "includes asio"),
    (r"(?<![\w.>:])(socket|connect|bind|listen|accept|sendto|recvfrom)\s*\(", "uses a socket call"),
]

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def strip_comments_and_strings(text):
    """Blanks out comments and string/char literals, keeping line breaks (so line numbers hold)
    and #include lines (whose quoted path matters)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_')):
            m = re.match(r'R"([^(\s]{0,16})\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'":
            # Keep the quoted path of #include "..." lines.
            line_start = text.rfind("\n", 0, i) + 1
            if c == '"' and re.match(r"\s*#\s*include\s*$", text[line_start:i]):
                j = text.find('"', i + 1)
                out.append(text[i:j + 1])
                i = j + 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + (c if j - i >= 2 else ""))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def layer_of(rel):
    parts = rel.split("/")
    if parts[0] == "src" and len(parts) > 2 and parts[1] in LAYERS:
        return parts[1]
    if parts[:2] == ["include", "rumor"]:
        return "include"
    return None  # tests, bench, fuzz, tools: unrestricted


def check_file(root, rel):
    findings = []
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        text = f.read()
    code = strip_comments_and_strings(text)
    layer = layer_of(rel)
    for lineno, line in enumerate(code.splitlines(), 1):
        m = INCLUDE_RE.match(line)
        if m and layer is not None:
            target = m.group(1).split("/")[0]
            if target in OUR_PREFIXES and target != layer:
                allowed = {"base"} if layer == "include" else LAYERS[layer]
                if target not in allowed:
                    findings.append(f"{rel}:{lineno}: forbidden include edge {layer} -> {target} "
                                    f'("{m.group(1)}"); {layer} may include '
                                    f"{', '.join(sorted(allowed)) or 'nothing of ours'}")
        if layer in SANS_IO_LAYERS:
            for pattern, message in BANNED:
                hit = re.search(pattern, line)
                if hit:
                    findings.append(f"{rel}:{lineno}: banned in src/{layer} (sans-IO): "
                                    f"'{hit.group(0).strip()}' {message}")
                    break  # one finding per line is enough
    if layer is not None and layer != "include" and rel.endswith(".h"):
        first = next((l for l in text.splitlines() if l.strip()), "")
        if not first.lstrip().startswith(("//", "/*")):
            findings.append(f"{rel}:1: missing header comment (a header opens with a paragraph "
                            "stating the concept and its invariants)")
    return findings


def source_files(root):
    for top in ("src", "include", "tests", "bench", "fuzz"):
        base = os.path.join(root, top)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith((".h", ".cc", ".cpp", ".hpp")):
                    yield os.path.relpath(os.path.join(dirpath, name), root)


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = list(source_files(root))
    findings = [f for rel in files for f in check_file(root, rel)]
    for f in findings:
        print(f)
    if findings:
        print(f"lint: {len(findings)} finding(s) in {len(files)} files", file=sys.stderr)
        return 1
    print(f"lint: {len(files)} files checked, no findings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
