#!/usr/bin/env python3
"""Self-tests for tools/lint.py: each rule fires on an offending file, and comments, strings and
allowed edges do not trip it."""
import os
import subprocess
import sys
import tempfile
import unittest

LINT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lint.py")
HEADER = "// A concept, and its invariants.\n#pragma once\n"


def lint_tree(files):
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        p = subprocess.run([sys.executable, LINT, root], capture_output=True, text=True)
        return p.returncode, [l for l in p.stdout.splitlines() if not l.startswith("lint:")]


class IncludeDirection(unittest.TestCase):
    def test_core_including_sim_is_a_forbidden_edge(self):
        code, out = lint_tree({"src/core/a.cc": '#include "sim/world.h"\n'})
        self.assertEqual(code, 1)
        self.assertEqual(len(out), 1)
        self.assertIn("src/core/a.cc:1: forbidden include edge core -> sim", out[0])

    def test_sim_and_net_never_include_each_other(self):
        code, out = lint_tree({"src/sim/a.cc": '#include "net/loop.h"\n',
                               "src/net/b.cc": '#include "sim/world.h"\n'})
        self.assertEqual(code, 1)
        self.assertEqual(len(out), 2)

    def test_allowed_edges_pass(self):
        code, out = lint_tree({
            "src/core/a.cc": '#include "base/prng.h"\n#include "core/b.h"\n',
            "src/sim/a.cc": '#include "core/x.h"\n#include "base/time.h"\n',
            "src/cli/a.cc": '#include "sim/x.h"\n#include "agent/y.h"\n',
            "tests/t.cc": '#include "cli/x.h"\n#include "net/y.h"\n',
        })
        self.assertEqual((code, out), (0, []))

    def test_base_includes_nothing_of_ours(self):
        code, out = lint_tree({"src/base/a.cc": '#include "core/x.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("base may include nothing of ours", out[0])


class SansIo(unittest.TestCase):
    def test_each_banned_call_is_reported_in_core_and_sim(self):
        banned = [
            "auto t = std::chrono::steady_clock::now();",
            "std::this_thread::sleep_for(x);",
            "std::thread t(f);",
            "#include <random>",
            "#include <thread>",
            "std::random_device rd;",
            "std::uniform_int_distribution<int> d(1, 6);",
            "std::mt19937 g(1);",
            "int r = rand();",
            "time(nullptr);",
            "#include <sys/socket.h>",
            "int s = socket(AF_INET, SOCK_DGRAM, 0);",
        ]
        for layer in ("core", "sim"):
            for line in banned:
                with self.subTest(layer=layer, line=line):
                    code, out = lint_tree({f"src/{layer}/a.cc": line + "\n"})
                    self.assertEqual(code, 1, line)
                    self.assertEqual(len(out), 1, out)
                    self.assertIn(f"banned in src/{layer}", out[0])

    def test_comments_strings_and_lookalikes_do_not_trip_it(self):
        code, out = lint_tree({"src/core/a.cc": (
            "// the core never calls rand() or std::chrono::steady_clock::now()\n"
            "/* sleep_for and socket( are banned */\n"
            'const char* s = "rand() time(nullptr) std::thread";\n'
            "Time next_time(Time t);\n"
            "x.time(); y->bind(a); rumor::Prng::random(3); bind_addr(1);\n"
            "uint64_t r = prng.uniform(n);\n")})
        self.assertEqual((code, out), (0, []))

    def test_banned_calls_are_fine_outside_core_and_sim(self):
        code, out = lint_tree({"src/cli/a.cc": "auto t = std::chrono::steady_clock::now();\n",
                               "src/net/b.cc": "int s = socket(AF_INET, SOCK_DGRAM, 0);\n"})
        self.assertEqual((code, out), (0, []))


class HeaderComment(unittest.TestCase):
    def test_header_without_opening_comment_is_reported(self):
        code, out = lint_tree({"src/core/a.h": "#pragma once\nint f();\n"})
        self.assertEqual(code, 1)
        self.assertIn("src/core/a.h:1: missing header comment", out[0])

    def test_header_with_opening_comment_passes(self):
        code, out = lint_tree({"src/core/a.h": "\n" + HEADER + "int f();\n"})
        self.assertEqual((code, out), (0, []))


if __name__ == "__main__":
    unittest.main()
