#!/usr/bin/env python3
"""rumor's lint: the architecture rules of DESIGN.md that a machine can check.

1. Include direction. Each folder of src/ is a layer; a file may include its own layer and the
   layers it depends on, nothing else of ours:
       base -> (nothing)          core -> base           sim -> core, base
       net -> core, base          webui -> base
       agent -> core, net, webui, base
       cli -> agent, sim, webui, core, base
   include/rumor (the public API) may be included by anyone and may include base. tests/,
   bench/ and fuzz/ may include anything. Our code is a quoted include whose path starts with a
   layer ("sim/world.h"), or a relative one ("../net/udp.h") that resolves into a layer.
   <angle> includes are never ours (<net/if.h> is the system's).
2. Sans-IO: no file in src/core or src/sim, tests included (they never touch the wall clock
   either), reads a clock, sleeps, starts a thread, does network I/O, or draws randomness from
   anything but rumor::Prng (std engines and distributions differ across standard libraries).
3. Every header in src/ opens, after optional blank lines, with a comment paragraph.

Comments, string and character literals are blanked before matching, so prose and messages may
name banned calls. Names are matched as whole identifiers; a member access (x.time(), p->bind())
or another namespace's function (Clock::time()) is not the banned free function, and neither is
a declaration (Time time() const) or an unqualified call of a function the file or its sibling
header/source declares itself (a simulated network's connect(a, b)).

Usage: tools/lint.py [ROOT]   (ROOT defaults to the repository holding this script)
Prints one "path:line: message" per finding and exits 1, or prints
"lint: N files checked, no findings" and exits 0.
"""
import os
import posixpath
import re
import sys

# layer -> the layers it may include (besides itself and include/rumor).
LAYERS = {
    "base": (),
    "core": ("base",),
    "sim": ("core", "base"),
    "net": ("core", "base"),
    "webui": ("base",),
    "agent": ("core", "net", "webui", "base"),
    "cli": ("agent", "sim", "webui", "core", "base"),
}
PUBLIC = "include/rumor"  # the public API: anyone may include it; it may include base
PUBLIC_DEPS = ("base",)
SANS_IO_LAYERS = ("core", "sim")
# tests/, bench/ and fuzz/ are scanned (and counted) but may include anything.
SCANNED_TOPS = ("src", "include", "tests", "bench", "fuzz")
CXX_EXTENSIONS = (".h", ".hh", ".hpp", ".hxx", ".cc", ".cpp", ".cxx", ".ipp", ".inc")
HEADER_EXTENSIONS = (".h", ".hh", ".hpp", ".hxx")

CLOCK = "reads the wall clock (core and sim are handed `now`)"
SLEEP = "sleeps (core and sim never block; they return a deadline)"
THREAD = "starts a thread (core and sim are single-threaded)"
RANDOM = "draws randomness from outside rumor::Prng (not reproducible across machines)"
SOCKET = "does network I/O (only src/net touches sockets)"

# Whole identifiers banned wherever they appear (except as a member: x.steady_clock).
BANNED_IDENTIFIERS = {
    **{name: CLOCK for name in ("system_clock", "steady_clock", "high_resolution_clock",
                                "utc_clock", "tai_clock", "gps_clock", "file_clock")},
    "sleep_for": SLEEP,
    "sleep_until": SLEEP,
    "pthread_create": THREAD,
    "random_device": RANDOM,
    "random_shuffle": RANDOM,
    **{name: RANDOM for name in (
        "mt19937", "mt19937_64", "minstd_rand", "minstd_rand0", "ranlux24", "ranlux48",
        "ranlux24_base", "ranlux48_base", "knuth_b", "default_random_engine",
        "linear_congruential_engine", "mersenne_twister_engine", "subtract_with_carry_engine",
        "discard_block_engine", "independent_bits_engine", "shuffle_order_engine",
        "generate_canonical")},
}
# Every std::*_distribution, qualified or brought in by a using-declaration.
STD_DISTRIBUTIONS = (
    "uniform_int", "uniform_real", "bernoulli", "binomial", "negative_binomial", "geometric",
    "poisson", "exponential", "gamma", "weibull", "extreme_value", "normal", "lognormal",
    "chi_squared", "cauchy", "fisher_f", "student_t", "discrete", "piecewise_constant",
    "piecewise_linear")
BANNED_IDENTIFIERS.update({d + "_distribution": RANDOM for d in STD_DISTRIBUTIONS})
DISTRIBUTION_RE = re.compile(r"(?<![\w:])(std\s*::\s*\w+_distribution)\b")
# Banned only with a std:: (or std::ranges::) qualifier: the names are too common otherwise.
STD_QUALIFIED_RE = re.compile(
    r"(?<![\w:])(std\s*::\s*(?:ranges\s*::\s*)?(thread|jthread|async|shuffle|sample))\b")
STD_QUALIFIED = {"thread": THREAD, "jthread": THREAD, "async": THREAD, "shuffle": RANDOM,
                 "sample": RANDOM}

# Free functions banned when called: name -> (reason, also banned as std::name).
BANNED_CALLS = {
    "time": (CLOCK, True),
    "clock": (CLOCK, True),
    "gettimeofday": (CLOCK, False),
    "clock_gettime": (CLOCK, False),
    "sleep": (SLEEP, False),
    "usleep": (SLEEP, False),
    "nanosleep": (SLEEP, False),
    "rand": (RANDOM, True),
    "srand": (RANDOM, True),
    "random": (RANDOM, False),
    "srandom": (RANDOM, False),
    "rand_r": (RANDOM, False),
    "drand48": (RANDOM, False),
    "erand48": (RANDOM, False),
    "lrand48": (RANDOM, False),
    "nrand48": (RANDOM, False),
    "mrand48": (RANDOM, False),
    "jrand48": (RANDOM, False),
    "srand48": (RANDOM, False),
    "arc4random": (RANDOM, False),
    "arc4random_uniform": (RANDOM, False),
    "getrandom": (RANDOM, False),
    "getentropy": (RANDOM, False),
    "socket": (SOCKET, False),
    "socketpair": (SOCKET, False),
    "connect": (SOCKET, False),
    "bind": (SOCKET, False),  # std::bind is <functional>, not this
    "listen": (SOCKET, False),
    "accept": (SOCKET, False),
    "accept4": (SOCKET, False),
    "sendto": (SOCKET, False),
    "recvfrom": (SOCKET, False),
    "sendmsg": (SOCKET, False),
    "recvmsg": (SOCKET, False),
}
CALL_RE = re.compile(r"(?<![\w$])(" + "|".join(sorted(BANNED_CALLS, key=len, reverse=True)) +
                     r")\s*\(")
NAME_RE = re.compile(r"(?<![\w$])(" + "|".join(sorted(BANNED_CALLS, key=len, reverse=True)) +
                     r")(?![\w$])")
# A name right after one of these is an expression (a call), not a declaration of the name.
EXPRESSION_KEYWORDS = {
    "return", "co_return", "co_await", "co_yield", "throw", "case", "else", "do", "new",
    "delete", "sizeof", "alignof", "typeid", "not", "and", "or", "xor", "bitand", "bitor",
    "compl", "and_eq", "or_eq", "xor_eq", "not_eq", "goto",
}

# <header> -> reason.
BANNED_SYSTEM_INCLUDES = [
    (re.compile(r"thread$|future$"), THREAD),
    (re.compile(r"random$"), RANDOM),
    (re.compile(r"sys/socket\.h$|netinet/.*|arpa/.*|netdb\.h$|sys/un\.h$"), SOCKET),
    (re.compile(r"asio\b.*|boost/asio\b.*"), SOCKET),
]

QUOTED_INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"\n]*)"', re.M)
SYSTEM_INCLUDE_RE = re.compile(r"^[ \t]*#[ \t]*include[ \t]*<([^>\n]*)>", re.M)
WORD_RE = re.compile(r"(\w+)$")


def _blank(s):
    """s with every character but line breaks turned into a space (keeps line numbers)."""
    return re.sub(r"[^\n]", " ", s)


def scan(text):
    """Returns (code, bare): `code` is text with comments blanked; `bare` also has the contents
    of string and character literals blanked (their quotes stay). Both keep every line break.
    Handles // comments continued by a trailing backslash, raw strings (R"x(...)x" with any
    encoding prefix), escapes, and digit separators (1'000'000 is not a character literal)."""
    code, bare = [], []
    i, n = 0, len(text)
    plain = re.compile(r"[^/\"']+")
    while i < n:
        m = plain.match(text, i)
        if m:
            code.append(m.group())
            bare.append(m.group())
            i = m.end()
            continue
        c = text[i]
        if text.startswith("//", i):
            j = i
            while True:
                k = text.find("\n", j)
                if k < 0:
                    k = n
                    break
                if text[i:k].rstrip("\r").endswith("\\"):
                    j = k + 1
                    continue
                break
            seg = _blank(text[i:k])
            code.append(seg)
            bare.append(seg)
            i = k
        elif text.startswith("/*", i):
            k = text.find("*/", i + 2)
            k = n if k < 0 else k + 2
            seg = _blank(text[i:k])
            code.append(seg)
            bare.append(seg)
            i = k
        elif c == '"':
            prefix = WORD_RE.search(text, max(0, i - 4), i)
            raw = prefix is not None and prefix.group(1) in ("R", "u8R", "uR", "UR", "LR")
            m = re.compile(r'"([^()\\\s"]{0,16})\(').match(text, i) if raw else None
            if m:
                end = ")" + m.group(1) + '"'
                k = text.find(end, m.end())
                k = n if k < 0 else k + len(end)
            else:
                k = i + 1
                while k < n and text[k] not in '"\n':
                    k += 2 if text[k] == "\\" else 1
                k = min(k + 1, n) if k < n and text[k] == '"' else min(k, n)
            literal = text[i:k]
            code.append(literal)
            bare.append('"' + _blank(literal[1:-1]) + '"' if len(literal) >= 2 and
                        literal.endswith('"') else '"' + _blank(literal[1:]))
            i = k
        elif c == "'":
            # A quote inside a number is a digit separator: the token it is in starts with a digit.
            j = i
            while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "_.'"):
                j -= 1
            if j < i and text[j].isdigit():
                code.append(c)
                bare.append(c)
                i += 1
                continue
            k = i + 1
            while k < n and text[k] not in "'\n":
                k += 2 if text[k] == "\\" else 1
            k = min(k + 1, n) if k < n and text[k] == "'" else min(k, n)
            literal = text[i:k]
            code.append(literal)
            bare.append("'" + _blank(literal[1:-1]) + "'" if len(literal) >= 2 and
                        literal.endswith("'") else "'" + _blank(literal[1:]))
            i = k
        else:  # a lone '/'
            code.append(c)
            bare.append(c)
            i += 1
    return "".join(code), "".join(bare)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def layer_of(rel):
    """The layer a file belongs to: a src/ folder name, PUBLIC, None (unrestricted: tests,
    bench, fuzz) or ("unknown", folder) for a src/ folder the lint does not know."""
    parts = rel.split("/")
    if parts[0] == "src":
        if len(parts) > 2 and parts[1] in LAYERS:
            return parts[1]
        return ("unknown", parts[1] if len(parts) > 2 else "")
    if parts[0] == "include":
        return PUBLIC
    return None


def include_target(rel, path):
    """The layer a quoted include points into, PUBLIC, or None when it is not our code."""
    norm = posixpath.normpath(path)
    first = norm.split("/")[0]
    if first in LAYERS:
        return first
    if first == "rumor":
        return PUBLIC
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path)).split("/")
    if resolved[0] == "src" and len(resolved) > 2:
        return resolved[1]
    if resolved[:2] == ["include", "rumor"]:
        return PUBLIC
    return None


def check_includes(rel, layer, code):
    findings = []
    allowed = PUBLIC_DEPS if layer == PUBLIC else LAYERS[layer]
    for m in QUOTED_INCLUDE_RE.finditer(code):
        target = include_target(rel, m.group(1))
        if target is None or target == layer or target == PUBLIC or target in allowed:
            continue
        may = ", ".join(allowed) if allowed else "nothing of ours"
        findings.append((line_of(code, m.start()),
                         f'forbidden include edge {layer} -> {target} ("{m.group(1)}"); '
                         f"{layer} may include {may}"))
    return findings


def _before(bare, start):
    """The code before bare[start], trailing whitespace dropped (a bounded look-back)."""
    return bare[max(0, start - 256):start].rstrip()


def _member_access(bare, start):
    before = _before(bare, start)
    return before.endswith(".") or before.endswith("->")


def _context(bare, start):
    """How the name at bare[start] is used: "member" (x.f, p->f, Other::f), "std" (std::f),
    "global" (::f), "declaration" (Type f, Type& f, Tmpl<T> f) or "call"."""
    before = _before(bare, start)
    if before.endswith(".") or before.endswith("->"):
        return "member"
    if before.endswith("::"):
        q = WORD_RE.search(before[:-2].rstrip())
        if q is None:
            return "global"
        head = before[:q.start()].rstrip()
        return "std" if q.group(1) == "std" and not head.endswith("::") else "member"
    w = WORD_RE.search(before)
    if w is not None:
        if w.group(1) in EXPRESSION_KEYWORDS or w.group(1)[0].isdigit():
            return "call"
        return "declaration"
    if re.search(r"[\w>][&*]+$", before) or re.search(r"\w>$", before):
        return "declaration"
    return "call"


def declared_names(bare):
    """Banned-call names this code declares itself (a function, member or variable)."""
    return {m.group(1) for m in NAME_RE.finditer(bare)
            if _context(bare, m.start()) == "declaration"}


def check_sans_io(layer, bare, local_names):
    findings = []

    def add(pos, token, reason):
        findings.append((line_of(bare, pos),
                         f"banned in src/{layer} (sans-IO): `{token}` {reason}"))

    for m in SYSTEM_INCLUDE_RE.finditer(bare):
        header = m.group(1).strip()
        for pattern, reason in BANNED_SYSTEM_INCLUDES:
            if pattern.fullmatch(header):
                add(m.start(), f"#include <{header}>", reason)
                break
    for m in re.finditer(r"(?<![\w$])(\w+)(?![\w$])", bare):
        name = m.group(1)
        if name in BANNED_IDENTIFIERS and not _member_access(bare, m.start()):
            add(m.start(), name, BANNED_IDENTIFIERS[name])
    for m in DISTRIBUTION_RE.finditer(bare):
        token = re.sub(r"\s+", "", m.group(1))
        if token[len("std::"):] not in BANNED_IDENTIFIERS:  # those are reported above
            add(m.start(), token, RANDOM)
    for m in STD_QUALIFIED_RE.finditer(bare):
        add(m.start(), re.sub(r"\s+", "", m.group(1)), STD_QUALIFIED[m.group(2)])
    for m in CALL_RE.finditer(bare):
        name = m.group(1)
        reason, std_too = BANNED_CALLS[name]
        ctx = _context(bare, m.start())
        if ctx == "global" or (ctx == "std" and std_too):
            add(m.start(), ("::" if ctx == "global" else "std::") + name + "(", reason)
        elif ctx == "call" and name not in local_names:
            add(m.start(), name + "(", reason)
    return findings


def check_header_comment(text):
    """A header opens (after optional blank lines) with a comment that says something."""
    lines = text.lstrip("\ufeff").splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i == len(lines):
        return [(1, "missing header comment")]
    first = lines[i].lstrip()
    first_line = i + 1
    if first.startswith("/*"):
        end = text.find("*/", text.find("/*"))
        body = text[text.find("/*") + 2:end if end >= 0 else len(text)]
    elif first.startswith("//"):
        body = []
        while i < len(lines) and lines[i].lstrip().startswith("//"):
            body.append(lines[i].lstrip()[2:])
            i += 1
        body = "\n".join(body)
    else:
        return [(first_line, "missing header comment")]
    if not re.search(r"\w", body):
        return [(first_line, "missing header comment")]
    return []


def _read(path):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        return f.read()


def sibling_paths(root, rel):
    """The header and source that go with rel (a.h <-> a.cc, a_test.cc -> a.h, a.cc)."""
    d, name = posixpath.split(rel)
    stem = name.rsplit(".", 1)[0]
    stems = {stem, stem[:-5]} if stem.endswith("_test") else {stem}
    out = []
    for s in sorted(stems):
        for ext in CXX_EXTENSIONS:
            other = posixpath.join(d, s + ext)
            if other != rel and os.path.isfile(os.path.join(root, other)):
                out.append(other)
    return out


def check_file(root, rel, cache):
    """Findings for one file as (line, message) pairs."""
    def scanned(r):
        if r not in cache:
            cache[r] = scan(_read(os.path.join(root, r)))
        return cache[r]

    text = _read(os.path.join(root, rel))
    code, bare = scanned(rel)
    layer = layer_of(rel)
    findings = []
    if isinstance(layer, tuple):
        findings.append((1, f"src/{layer[1]} is not a known layer (add it to LAYERS in "
                            "tools/lint.py)" if layer[1] else
                            "a file directly in src/ belongs to no layer (move it into one)"))
    elif layer is not None:
        findings += check_includes(rel, layer, code)
    if layer in SANS_IO_LAYERS:
        local = declared_names(bare)
        for other in sibling_paths(root, rel):
            local |= declared_names(scanned(other)[1])
        findings += check_sans_io(layer, bare, local)
    if rel.startswith("src/") and rel.endswith(HEADER_EXTENSIONS):
        findings += check_header_comment(text)
    return findings


def source_files(root):
    for top in SCANNED_TOPS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(CXX_EXTENSIONS):
                    rel = os.path.relpath(os.path.join(dirpath, name), root)
                    yield rel.replace(os.sep, "/")


def lint(root):
    """(number of files checked, sorted "path:line: message" findings)."""
    files = list(source_files(root))
    cache = {}
    findings = set()
    for rel in files:
        for line, message in check_file(root, rel, cache):
            findings.add((rel, line, message))
    return len(files), [f"{p}:{l}: {m}" for p, l, m in sorted(findings)]


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print("usage: lint.py [ROOT]", file=sys.stderr)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(root):
        print(f"lint: {root} is not a directory", file=sys.stderr)
        return 2
    count, findings = lint(root)
    for f in findings:
        print(f)
    if findings:
        print(f"lint: {len(findings)} finding(s) in {count} files checked", file=sys.stderr)
        return 1
    print(f"lint: {count} files checked, no findings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
