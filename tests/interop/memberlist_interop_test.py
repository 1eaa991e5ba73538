#!/usr/bin/env python3
"""rumor agents in clusters of real HashiCorp memberlist nodes (tests/interop): our own small Go
program on Debian's memberlist 0.2.2 (memberlist_peer/main.go) hosts three memberlists; rumor
agents join them and they join rumor, plaintext and with encryption and compression, and each
side must see every member of the other (memberlist's Members(), `rumor members`). A kill -9
on either side is seen by the other. A memberlist announcing a newer Serf protocol than any
rumor speaks is refused, with a log line, and the rumor cluster carries on.

usage: memberlist_interop_test.py RUMOR_BINARY MEMBERLIST_PEER_BINARY [unittest args]
"""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import cluster_util  # noqa: E402
from cluster_util import free_port  # noqa: E402

RUMOR = None
PEER = None
DEADLINE_S = 30
FAILURE_DEADLINE_S = 60
KEY = base64.b64encode(bytes(range(1, 33))).decode()


def wait_for(what, predicate, deadline_s=DEADLINE_S):
    return cluster_util.wait_for(what, predicate, deadline_s, 0.2)


class Procs:
    """The processes of one test, killed at the end, logs kept in a temporary directory."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="rumor-ml-interop-")
        self.procs = []

    def start(self, name, args):
        log = open(os.path.join(self.tmp.name, name + ".log"), "ab")
        p = subprocess.Popen(args, stdout=log, stderr=log)
        log.close()
        self.procs.append((name, p))
        return p

    def log(self, name):
        with open(os.path.join(self.tmp.name, name + ".log"), errors="replace") as f:
            return f.read()

    def logs(self):
        out = ""
        for name, _ in self.procs:
            out += f"---- {name} ----\n{self.log(name)[-3000:]}\n"
        return out

    def stop(self):
        for _, p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.tmp.cleanup()


class GoPeers:
    """memberlist_peer: g1..g3 in one process."""

    def __init__(self, procs, key=None, compress=True, join=None):
        self.port = free_port()
        while any(not self._free(self.port + i) for i in range(1, 3)):
            self.port = free_port()
        self.http = free_port()
        args = [PEER, "--nodes", "3", "--base-port", str(self.port), "--http", str(self.http),
                f"--compress={'true' if compress else 'false'}", "--verbose"]
        if key:
            args += ["--key", key]
        if join:
            args += ["--join", join]
        self.proc = procs.start("go", args)
        wait_for("memberlist_peer's endpoint", lambda: self.view())

    @staticmethod
    def _free(port):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t, \
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                t.bind(("127.0.0.1", port))
                u.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False

    def addr(self, i=1):
        return f"127.0.0.1:{self.port + i - 1}"

    def view(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/members", timeout=5) as r:
            return json.loads(r.read())


class Rumor:
    def __init__(self, procs, name, key=None, join=None, compress=True):
        self.name = name
        self.port = free_port()
        self.http = free_port()
        args = [RUMOR, "agent", "--node", name, "--bind", f"127.0.0.1:{self.port}",
                "--http", f"127.0.0.1:{self.http}", "--rpc", "", "--log-level", "debug"]
        if key:
            args += ["--encrypt", key]
        if join:
            args += ["--join", join, "--retry-join"]
        if not compress:
            args += ["--disable-compression"]
        self.proc = procs.start(name, args)

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def alive(self):
        p = subprocess.run([RUMOR, "members", "--http", f"127.0.0.1:{self.http}", "--format",
                            "json"], capture_output=True, text=True, timeout=10)
        if p.returncode != 0:
            return set()
        doc = json.loads(p.stdout)
        members = doc["members"] if isinstance(doc, dict) else doc
        return {m["name"] for m in members if m["status"] == "alive"}

    def status(self, name):
        p = subprocess.run([RUMOR, "members", "--http", f"127.0.0.1:{self.http}", "--format",
                            "json"], capture_output=True, text=True, timeout=10)
        doc = json.loads(p.stdout)
        members = doc["members"] if isinstance(doc, dict) else doc
        return {m["name"]: m["status"] for m in members}.get(name)


ALL = {"g1", "g2", "g3", "r1", "r2"}


class MemberlistInterop(unittest.TestCase):
    def setUp(self):
        self.p = Procs()

    def tearDown(self):
        self.p.stop()

    def converge_both_ways(self, key, compress_rumor):
        # rumor first; the Go nodes join through it; a second rumor joins through a Go node.
        r1 = Rumor(self.p, "r1", key=key, compress=compress_rumor)
        wait_for("r1 up", lambda: "r1" in r1.alive())
        go = GoPeers(self.p, key=key, join=r1.addr)
        r2 = Rumor(self.p, "r2", key=key, join=go.addr(2), compress=compress_rumor)
        try:
            for rumor in (r1, r2):
                wait_for(f"{rumor.name} to see everyone alive", lambda: rumor.alive() == ALL)
            for g in ("g1", "g2", "g3"):
                wait_for(f"{g} to see everyone", lambda: set(go.view()[g]) == ALL)
        except AssertionError:
            sys.stderr.write(self.p.logs())
            raise
        return go, r1, r2

    def test_plaintext_rumor_without_compression_joins_compressing_memberlists(self):
        self.converge_both_ways(None, compress_rumor=False)

    def test_encrypted_and_compressed_both_ways_and_a_kill_is_seen_by_both_sides(self):
        go, r1, r2 = self.converge_both_ways(KEY, compress_rumor=True)
        r2.proc.send_signal(signal.SIGKILL)
        r2.proc.wait()
        wait_for("the memberlists to drop r2",
                 lambda: all("r2" not in go.view()[g] for g in ("g1", "g2", "g3")),
                 FAILURE_DEADLINE_S)
        wait_for("r1 to mark r2 failed", lambda: r1.status("r2") == "failed", FAILURE_DEADLINE_S)
        go.proc.send_signal(signal.SIGKILL)
        go.proc.wait()
        wait_for("r1 to mark the memberlists failed",
                 lambda: all(r1.status(g) == "failed" for g in ("g1", "g2", "g3")),
                 FAILURE_DEADLINE_S)


    def test_a_peer_speaking_a_newer_protocol_is_refused_and_the_cluster_is_unaffected(self):
        r1 = Rumor(self.p, "r1")
        r2 = Rumor(self.p, "r2", join=r1.addr)
        wait_for("r1 and r2 to see each other",
                 lambda: r1.alive() == {"r1", "r2"} and r2.alive() == {"r1", "r2"})
        port = free_port()
        future = subprocess.run(
            [PEER, "--nodes", "1", "--base-port", str(port), "--http", str(free_port()),
             "--serf-protocol", "6", "--join", r1.addr], capture_output=True, text=True,
            timeout=DEADLINE_S)
        # memberlist checks the versions on its side too: its join fails, naming the range.
        self.assertNotEqual(future.returncode, 0)
        self.assertIn("delegate protocol version", future.stderr)
        self.assertIn("incompatible", future.stderr)
        wait_for("r1 to log the refused push-pull",
                 lambda: "protocol versions outside" in self.p.log("r1"), 15)
        self.assertIsNone(r1.proc.poll(), "r1 is still running")
        self.assertEqual(r1.alive(), {"r1", "r2"})
        self.assertEqual(r2.alive(), {"r1", "r2"})
        self.assertIsNone(r1.status("g1"), "the newer peer never became a member")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    RUMOR = os.path.abspath(sys.argv.pop(1))
    PEER = os.path.abspath(sys.argv.pop(1))
    unittest.main()
