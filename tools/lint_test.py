#!/usr/bin/env python3
"""Self-tests for tools/lint.py: each rule fires on an offending file with the exact finding, and
comments, strings, look-alike names and allowed edges do not trip it. Standard library only:
python3 tools/lint_test.py"""
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LINT_PY = os.path.join(HERE, "lint.py")
_spec = importlib.util.spec_from_file_location("rumor_lint", LINT_PY)
lint = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint)

HEADER = "// A concept, and its invariants.\n#pragma once\n"
ALL_TARGETS = ("base", "core", "sim", "net", "agent", "cli")


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="") as f:
            f.write(text)


def findings(files):
    """The lint's findings for a temporary tree holding `files` (rel path -> text)."""
    with tempfile.TemporaryDirectory() as root:
        write_tree(root, files)
        return lint.lint(root)[1]


def banned(path, line, token, reason):
    layer = path.split("/")[1]
    return f"{path}:{line}: banned in src/{layer} (sans-IO): `{token}` {reason}"


class IncludeDirection(unittest.TestCase):
    def test_every_edge_follows_the_layer_table(self):
        allowed = {
            "base": set(),
            "core": {"base"},
            "sim": {"core", "base"},
            "net": {"core", "base"},
            "agent": {"core", "net", "base"},
            "cli": {"agent", "sim", "core", "base"},
            "include/rumor": {"base"},
        }
        for layer, ok in allowed.items():
            src = "include/rumor/a.h" if layer == "include/rumor" else f"src/{layer}/a.cc"
            for target in ALL_TARGETS:
                with self.subTest(layer=layer, target=target):
                    got = findings({src: f'#include "{target}/x.h"\n'})
                    if target == layer or target in ok:
                        self.assertEqual(got, [])
                    else:
                        may = ", ".join(lint.LAYERS[layer] if layer in lint.LAYERS else
                                        lint.PUBLIC_DEPS) or "nothing of ours"
                        self.assertEqual(got, [
                            f'{src}:1: forbidden include edge {layer} -> {target} '
                            f'("{target}/x.h"); {layer} may include {may}'])

    def test_exact_finding_for_core_including_sim(self):
        self.assertEqual(findings({"src/core/a.cc": '#include "base/x.h"\n#include "sim/world.h"\n'}),
                         ['src/core/a.cc:2: forbidden include edge core -> sim ("sim/world.h"); '
                          "core may include base"])

    def test_sim_and_net_never_include_each_other(self):
        self.assertEqual(findings({"src/sim/a.cc": '#include "net/loop.h"\n',
                                   "src/net/b.cc": '#include "sim/world.h"\n'}), [
            'src/net/b.cc:1: forbidden include edge net -> sim ("sim/world.h"); '
            "net may include core, base",
            'src/sim/a.cc:1: forbidden include edge sim -> net ("net/loop.h"); '
            "sim may include core, base",
        ])

    def test_public_api_may_be_included_by_anyone(self):
        files = {f"src/{layer}/a.cc": '#include "rumor/node.h"\n' for layer in ALL_TARGETS}
        files["include/rumor/node.h"] = '#include "base/time.h"\n#include "rumor/status.h"\n'
        self.assertEqual(findings(files), [])

    def test_relative_includes_are_resolved(self):
        self.assertEqual(findings({
            "src/sim/sub/a.cc": ('#include "../../net/udp.h"\n#include "sim/../net/x.h"\n'
                                 '#include "../world.h"\n#include "local.h"\n'
                                 '#include "../../../include/rumor/node.h"\n'),
        }), [
            'src/sim/sub/a.cc:1: forbidden include edge sim -> net ("../../net/udp.h"); '
            "sim may include core, base",
            'src/sim/sub/a.cc:2: forbidden include edge sim -> net ("sim/../net/x.h"); '
            "sim may include core, base",
        ])

    def test_system_headers_comments_and_strings_are_not_edges(self):
        self.assertEqual(findings({"src/core/a.cc": (
            "#include <net/if.h>\n"
            "#include <gtest/gtest.h>\n"
            '// #include "sim/world.h"\n'
            '/* #include "net/loop.h"\n'
            '   #include "cli/main.h" */\n'
            'const char* s = "#include \\"sim/world.h\\"";\n'
            '#include "gtest/gtest.h"\n')}), [])

    def test_tests_bench_and_fuzz_include_anything(self):
        self.assertEqual(findings({
            "tests/sim/a_test.cc": '#include "cli/x.h"\n#include "net/y.h"\n#include "sim/z.h"\n',
            "bench/b.cc": '#include "net/x.h"\n#include "sim/y.h"\n',
            "fuzz/c.cc": '#include "agent/x.h"\n',
        }), [])

    def test_unit_tests_beside_sources_follow_their_folder(self):
        self.assertEqual(findings({"src/core/a_test.cc": '#include "sim/world.h"\n'}), [
            'src/core/a_test.cc:1: forbidden include edge core -> sim ("sim/world.h"); '
            "core may include base"])

    def test_unknown_source_folder_is_reported(self):
        self.assertEqual(findings({"src/web/a.cc": "int x;\n", "src/b.cc": "int y;\n"}), [
            "src/b.cc:1: a file directly in src/ belongs to no layer (move it into one)",
            "src/web/a.cc:1: src/web is not a known layer (add it to LAYERS in tools/lint.py)",
        ])


class SansIo(unittest.TestCase):
    CASES = [
        # (line, token, reason)
        ("auto t = std::chrono::steady_clock::now();", "steady_clock", lint.CLOCK),
        ("auto t = std::chrono::system_clock::now();", "system_clock", lint.CLOCK),
        ("using clk = std::chrono::high_resolution_clock;", "high_resolution_clock", lint.CLOCK),
        ("auto t = time(nullptr);", "time(", lint.CLOCK),
        ("return time(nullptr);", "time(", lint.CLOCK),
        ("auto t = std::time(nullptr);", "std::time(", lint.CLOCK),
        ("auto t = ::time(nullptr);", "::time(", lint.CLOCK),
        ("gettimeofday(&tv, nullptr);", "gettimeofday(", lint.CLOCK),
        ("clock_gettime(CLOCK_MONOTONIC, &ts);", "clock_gettime(", lint.CLOCK),
        ("std::this_thread::sleep_for(x);", "sleep_for", lint.SLEEP),
        ("std::this_thread::sleep_until(t);", "sleep_until", lint.SLEEP),
        ("usleep(10);", "usleep(", lint.SLEEP),
        ("nanosleep(&ts, nullptr);", "nanosleep(", lint.SLEEP),
        ("if (x) sleep(1);", "sleep(", lint.SLEEP),
        ("std::thread t(f);", "std::thread", lint.THREAD),
        ("std::jthread t(f);", "std::jthread", lint.THREAD),
        ("auto f = std::async(g);", "std::async", lint.THREAD),
        ("pthread_create(&t, nullptr, f, nullptr);", "pthread_create", lint.THREAD),
        ("#include <thread>", "#include <thread>", lint.THREAD),
        ("#include <random>", "#include <random>", lint.RANDOM),
        ("std::random_device rd;", "random_device", lint.RANDOM),
        ("std::uniform_int_distribution<int> d(1, 6);", "uniform_int_distribution", lint.RANDOM),
        ("std::normal_distribution<> d;", "normal_distribution", lint.RANDOM),
        ("using std::exponential_distribution;", "exponential_distribution", lint.RANDOM),
        ("std::mt19937 g(1);", "mt19937", lint.RANDOM),
        ("std::mt19937_64 g(1);", "mt19937_64", lint.RANDOM),
        ("std::default_random_engine g;", "default_random_engine", lint.RANDOM),
        ("int r = rand();", "rand(", lint.RANDOM),
        ("srand(42);", "srand(", lint.RANDOM),
        ("long r = random();", "random(", lint.RANDOM),
        ("double d = drand48();", "drand48(", lint.RANDOM),
        ("std::shuffle(v.begin(), v.end(), g);", "std::shuffle", lint.RANDOM),
        ("#include <sys/socket.h>", "#include <sys/socket.h>", lint.SOCKET),
        ("#include <netinet/in.h>", "#include <netinet/in.h>", lint.SOCKET),
        ("#include <asio.hpp>", "#include <asio.hpp>", lint.SOCKET),
        ("#include <asio/ip/udp.hpp>", "#include <asio/ip/udp.hpp>", lint.SOCKET),
        ("int s = socket(AF_INET, SOCK_DGRAM, 0);", "socket(", lint.SOCKET),
        ("connect(fd, addr, len);", "connect(", lint.SOCKET),
        ("::bind(fd, addr, len);", "::bind(", lint.SOCKET),
        ("bind(fd, addr, len);", "bind(", lint.SOCKET),
        ("listen(fd, 16);", "listen(", lint.SOCKET),
        ("int c = accept(fd, nullptr, nullptr);", "accept(", lint.SOCKET),
    ]

    def test_each_banned_call_is_reported_in_core_and_sim_and_their_tests(self):
        for path in ("src/core/a.cc", "src/sim/a.cc", "src/core/wire/a_test.cc",
                     "src/sim/a_test.cc"):
            for line, token, reason in self.CASES:
                with self.subTest(path=path, line=line):
                    self.assertEqual(findings({path: "\n" + line + "\n"}),
                                     [banned(path, 2, token, reason)])

    def test_banned_calls_are_fine_outside_core_and_sim(self):
        text = "\n".join(line for line, _, _ in self.CASES) + "\n"
        self.assertEqual(findings({"src/net/a.cc": text, "src/agent/a.cc": text,
                                   "src/cli/a.cc": text, "src/base/a.cc": text,
                                   "tests/net/a.cc": text, "bench/a.cc": text}), [])

    def test_every_finding_on_a_line_is_reported(self):
        self.assertEqual(findings({"src/core/a.cc": "int r = rand(); sleep(1);\n"}), [
            banned("src/core/a.cc", 1, "rand(", lint.RANDOM),
            banned("src/core/a.cc", 1, "sleep(", lint.SLEEP),
        ])

    def test_comments_and_literals_do_not_trip_it(self):
        self.assertEqual(findings({"src/core/a.cc": (
            "// the core never calls rand() or std::chrono::steady_clock::now()\n"
            "/* sleep_for, std::thread and socket( are banned\n"
            "   and so is time(nullptr) */\n"
            'const char* s = "rand() time(nullptr) std::thread \\" sleep(1)";\n'
            'auto r = R"x(connect(fd) ")" bind(fd))x";\n'
            'auto u = u8R"(std::mt19937)";\n'
            "char q = '\"'; char a = '\\''; auto w = L'x';\n"
            "int n = 1'000'000; int h = 0xFF'FF;  // digit separators, not characters\n"
            "int after = 2;  // comment ending in a backslash \\\n"
            "   continues here: rand()\n")}), [])

    def test_look_alike_names_do_not_trip_it(self):
        self.assertEqual(findings({"src/sim/a.cc": (
            "Time next_time(Time t);\n"
            "Time t = next_time(now);\n"
            "x.time(); y->time(); Clock::time(); w.sleep(1); p->connect(a, b);\n"
            "auto f = std::bind(g, 1); bind_addr(1); rebind(2); accept_all(); listener(3);\n"
            "uint64_t r = prng.random(); prng.rand(); my_rand(); Prng::random(3);\n"
            "Time time() const;\n"
            "const Time& time() const;\n"
            "std::optional<Time> time(int i);\n"
            "Time time(0);\n"
            "double latency_distribution(); steady_clock_like(); thread_count(); async_ok();\n"
            "std::this_thread_id(); std::threads(); shuffle(v, prng);\n"
            "a.steady_clock; b->sleep_for(1);\n")}), [])

    def test_functions_the_file_declares_itself_are_not_the_banned_ones(self):
        # A simulated network's own connect/bind, declared in the sibling header.
        self.assertEqual(findings({
            "src/sim/network.h": HEADER + "class Net {\n public:\n  void connect(int a, int b);\n"
                                 "  void bind(int a);\n};\n",
            "src/sim/network.cc": '#include "sim/network.h"\n'
                                  "void Net::bind(int a) { connect(a, a); }\n",
            "src/sim/network_test.cc": "TEST(Net, Binds) { Net n; n.bind(1); bind(2); }\n",
        }), [])
        # Without that declaration the same unqualified call is the socket call.
        self.assertEqual(findings({"src/sim/other.cc": "void f(int a) { connect(a, a); }\n"}),
                         [banned("src/sim/other.cc", 1, "connect(", lint.SOCKET)])


class HeaderComment(unittest.TestCase):
    def test_header_without_opening_comment_is_reported(self):
        self.assertEqual(findings({"src/core/a.h": "#pragma once\n// too late\nint f();\n"}),
                         ["src/core/a.h:1: missing header comment"])

    def test_empty_comment_is_not_a_paragraph(self):
        self.assertEqual(findings({"src/sim/a.h": "\n//\n#pragma once\n", "src/sim/b.h": ""}), [
            "src/sim/a.h:2: missing header comment",
            "src/sim/b.h:1: missing header comment",
        ])

    def test_header_with_opening_comment_passes(self):
        self.assertEqual(findings({
            "src/core/a.h": "\n" + HEADER + "int f();\n",
            "src/base/b.h": "/* A block comment\n   paragraph. */\n#pragma once\n",
            "src/cli/c.h": "\r\n// Windows line ends.\r\n#pragma once\r\n",
        }), [])

    def test_only_headers_in_src_are_checked(self):
        self.assertEqual(findings({"src/core/a.cc": "int f();\n", "tests/a.h": "#pragma once\n",
                                   "include/rumor/a.h": "#pragma once\n"}), [])


class CommandLine(unittest.TestCase):
    def run_lint(self, *args, cwd=None):
        return subprocess.run([sys.executable, LINT_PY, *args], capture_output=True, text=True,
                              cwd=cwd)

    def test_clean_tree_exits_zero_with_a_summary(self):
        with tempfile.TemporaryDirectory() as root:
            write_tree(root, {"src/core/a.h": HEADER, "src/core/a.cc": '#include "core/a.h"\n',
                              "tests/t.cc": "int main() {}\n", "docs/x.md": "not code\n"})
            p = self.run_lint(root)
        self.assertEqual((p.returncode, p.stdout), (0, "lint: 3 files checked, no findings\n"))

    def test_findings_exit_one_with_one_line_each(self):
        with tempfile.TemporaryDirectory() as root:
            write_tree(root, {"src/core/a.h": "#pragma once\n",
                              "src/core/a.cc": '#include "sim/x.h"\nint r = rand();\n'})
            p = self.run_lint(root)
        self.assertEqual(p.returncode, 1)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 3)
        for line in lines:
            self.assertRegex(line, r"^src/core/a\.(h|cc):\d+: \S")
        self.assertEqual(lines[0], 'src/core/a.cc:1: forbidden include edge core -> sim '
                                   '("sim/x.h"); core may include base')

    def test_default_root_is_the_repository(self):
        count, _ = lint.lint(os.path.dirname(HERE))
        with tempfile.TemporaryDirectory() as elsewhere:
            p = self.run_lint(cwd=elsewhere)
        self.assertIn(p.returncode, (0, 1))
        summary = p.stdout if p.returncode == 0 else p.stderr
        self.assertRegex(summary, rf"\b{count} files checked")


if __name__ == "__main__":
    unittest.main()
