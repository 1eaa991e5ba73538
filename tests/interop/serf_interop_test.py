#!/usr/bin/env python3
"""rumor against the real thing (tests/interop): mixed clusters of real `serf agent`s (Debian's
serf, Serf 0.9.4 on memberlist 0.2.2) and `rumor agent`s on loopback.

What is checked, each from both sides:
  - every member sees every other alive, with its tags (`serf members`, `rumor members`);
  - user events and queries cross over, through event handler scripts on both sides;
  - the real `serf` CLI drives rumor's RPC: members, event, query, tags, keys, info, rtt,
    force-leave, monitor;
  - kill -9 of a rumor agent is seen as failed by serf, and of a serf agent by rumor; a graceful
    leave shows as left on both sides;
  - with encryption: the mixed cluster forms, a key rotation driven by `serf keys -install/-use/
    -remove` reaches the rumor agents, and an agent with the wrong key stays out (and says why).

Each class starts its own cluster (LAN profile, as serf's default) on free ports in a temporary
directory and kills every process afterwards. Every wait is for an outcome with a deadline.

usage: serf_interop_test.py RUMOR_BINARY [unittest args]
"""
import base64
import re
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import cluster_util  # noqa: E402
from cluster_util import free_port  # noqa: E402

RUMOR = None
POLL_S = 0.2
SERF = "/usr/bin/serf"
DEADLINE_S = 30
FAILURE_DEADLINE_S = 60

# Both sides run this for their events: user events are appended to DIR/NAME.events; a query's
# answer is "NAME:PAYLOAD".
HANDLER = """#!/bin/sh
dir="$1"
payload=$(cat)
case "$SERF_EVENT" in
  user) echo "$SERF_USER_EVENT $payload" >> "$dir/$SERF_SELF_NAME.events" ;;
  query) printf '%s:%s' "$SERF_SELF_NAME" "$payload" ;;
esac
"""


def wait_for(what, predicate, deadline_s=DEADLINE_S):
    return cluster_util.wait_for(what, predicate, deadline_s, POLL_S)


def run(args, timeout=DEADLINE_S):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


class Node:
    """One agent process, serf or rumor."""

    def __init__(self, cluster, kind, name, key=None):
        self.cluster, self.kind, self.name, self.key = cluster, kind, name, key
        self.port = free_port()
        self.rpc_port = free_port()
        self.http_port = free_port()
        self.log_path = os.path.join(cluster.dir, f"{name}.log")
        self.proc = None

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    @property
    def rpc(self):
        return f"-rpc-addr=127.0.0.1:{self.rpc_port}"

    def args(self, join):
        handler = f"sh {self.cluster.handler} {self.cluster.dir}"
        if self.kind == "serf":
            a = [SERF, "agent", f"-node={self.name}", f"-bind={self.addr}", self.rpc,
                 "-tag", f"side=serf", "-tag", f"name={self.name}", "-log-level=debug",
                 f"-event-handler=user,query={handler}"]
            if self.key:
                a += [f"-encrypt={self.key}"]
            if join:
                a += [f"-join={join}"]
            return a
        a = [RUMOR, "agent", "--node", self.name, "--bind", self.addr,
             "--http", f"127.0.0.1:{self.http_port}", "--rpc", f"127.0.0.1:{self.rpc_port}",
             "--tag", "side=rumor", "--tag", f"name={self.name}", "--log-level", "debug",
             "--reconnect-interval", "2", "--event-handler", f"user,query={handler}"]
        if self.key:
            a += ["--encrypt", self.key]
        if join:
            a += ["--join", join]
        return a

    def start(self, join=None):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args(join), stdout=log, stderr=log)
        log.close()
        wait_for(f"{self.name}'s RPC", lambda: run([SERF, "members", self.rpc]).returncode == 0)

    def members(self):
        """name -> (status, tags) as this node's own CLI shows it."""
        if self.kind == "serf":
            p = run([SERF, "members", self.rpc, "-format=json"])
            assert p.returncode == 0, p.stderr
            return {m["name"]: (m["status"], m["tags"]) for m in json.loads(p.stdout)["members"]}
        p = run([RUMOR, "members", "--http", f"127.0.0.1:{self.http_port}", "--format", "json"])
        assert p.returncode == 0, p.stderr
        doc = json.loads(p.stdout)
        members = doc["members"] if isinstance(doc, dict) else doc
        return {m["name"]: (m["status"], m["tags"]) for m in members}

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=DEADLINE_S)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def events(self):
        path = os.path.join(self.cluster.dir, f"{self.name}.events")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()


class Cluster:
    def __init__(self, key=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="rumor-interop-")
        self.dir = self.tmp.name
        self.handler = os.path.join(self.dir, "handler.sh")
        with open(self.handler, "w") as f:
            f.write(HANDLER)
        self.nodes = {}
        self.key = key

    def add(self, kind, name, join=None, key="default"):
        n = Node(self, kind, name, self.key if key == "default" else key)
        self.nodes[name] = n
        n.start(join)
        return n

    def stop(self):
        for n in self.nodes.values():
            n.kill()
        self.tmp.cleanup()

    def dump_logs(self):
        for n in self.nodes.values():
            sys.stderr.write(f"---- {n.name} ----\n{n.log()[-4000:]}\n")


def all_alive(observer, names):
    view = observer.members()
    return all(view.get(n, ("none",))[0] == "alive" for n in names)


class ClusterCase(unittest.TestCase):
    """A test class with one cluster (cls.c) for all its tests, logs dumped on failure."""

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def run(self, result=None):
        outcome = super().run(result)
        if result is not None and (result.failures or result.errors):
            self.c.dump_logs()
        return outcome


class MixedCluster(ClusterCase):
    """3 serf + 3 rumor agents, plaintext. Tests run in name order; the last ones kill."""

    @classmethod
    def setUpClass(cls):
        cls.c = Cluster()
        c = cls.c
        c.add("serf", "s1")
        c.add("rumor", "r1", join=c.nodes["s1"].addr)
        c.add("serf", "s2", join=c.nodes["r1"].addr)
        c.add("rumor", "r2", join=c.nodes["s1"].addr)
        c.add("serf", "s3", join=c.nodes["r2"].addr)
        c.add("rumor", "r3", join=c.nodes["s2"].addr)
        cls.names = list(c.nodes)

    def node(self, name):
        return self.c.nodes[name]

    def test_1_everyone_sees_everyone_alive_with_tags_from_both_sides(self):
        for observer in self.names:
            wait_for(f"{observer} to see all six alive",
                     lambda: all_alive(self.node(observer), self.names))
        for observer in ("s1", "r1"):
            view = self.node(observer).members()
            for name in self.names:
                status, tags = view[name]
                self.assertEqual(tags["name"], name)
                self.assertEqual(tags["side"], "serf" if name.startswith("s") else "rumor")

    def test_2_user_events_cross_over_through_handlers_and_coalesce_alike(self):
        p = run([SERF, "event", self.node("s1").rpc, "-coalesce=false", "deploy", "from-serf"])
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run([RUMOR, "event", "--http", f"127.0.0.1:{self.node('r1').http_port}", "deploy",
                 "from-rumor", "--coalesce", "false"])
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in self.names:
            wait_for(f"{name}'s handler to see both events",
                     lambda: {"deploy from-serf", "deploy from-rumor"} <= set(
                         self.node(name).events()))
        # A burst of coalescing events from one agent (so their LTimes rise one by one): every
        # agent, serf or rumor, hands only the newest to its handler, once the burst is over.
        for i in (1, 2, 3):
            p = run([SERF, "event", self.node("r2").rpc, "burst", str(i)])
            self.assertEqual(p.returncode, 0, p.stderr)
        for name in self.names:
            wait_for(f"{name}'s handler to see the burst's last event",
                     lambda: "burst 3" in self.node(name).events())
        time.sleep(1.5)  # past the quiescent period: nothing else may follow
        for name in self.names:
            self.assertEqual([e for e in self.node(name).events() if e.startswith("burst")],
                             ["burst 3"], name)

    def test_3_queries_cross_over_and_handlers_answer(self):
        p = run([SERF, "query", self.node("s1").rpc, "-timeout=5s", "-format=json", "whoami",
                 "q1"], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        answers = json.loads(p.stdout)
        self.assertEqual(set(answers["Responses"]), set(self.names))
        self.assertEqual(answers["Responses"]["r2"], "r2:q1")
        self.assertEqual(set(answers["Acks"]), set(self.names))
        p = run([RUMOR, "query", "--http", f"127.0.0.1:{self.node('r1').http_port}",
                 "--timeout", "5", "--format", "json", "whoami", "q2"], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        got = {r["from"]: r["payload"] for r in doc["responses"]}
        self.assertEqual(set(got), set(self.names))
        self.assertEqual(got["s3"], "s3:q2")

    def test_4_serf_cli_drives_rumor_rpc(self):
        r1 = self.node("r1")
        p = run([SERF, "members", r1.rpc])
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in self.names:
            self.assertIn(name, p.stdout)
        p = run([SERF, "members", r1.rpc, "-status=alive", "-tag", "side=serf"])
        self.assertEqual(sorted(l.split()[0] for l in p.stdout.splitlines()), ["s1", "s2", "s3"])
        p = run([SERF, "tags", r1.rpc, "-set", "color=blue"])
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for("s3 to see r1's new tag",
                 lambda: self.node("s3").members()["r1"][1].get("color") == "blue")
        p = run([SERF, "event", r1.rpc, "via-rpc", "x"])
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for("s2's handler to see the event sent through rumor's RPC",
                 lambda: "via-rpc x" in self.node("s2").events())
        p = run([SERF, "query", r1.rpc, "-timeout=4s", "ping", "p"], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Response from 's1': s1:p", p.stdout)
        p = run([SERF, "info", r1.rpc])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("name = r1", p.stdout)
        p = run([SERF, "keys", r1.rpc, "-list"])
        self.assertNotEqual(p.returncode, 0)  # no encryption: every member says so
        self.assertIn("encryption not enabled", p.stdout + p.stderr)
        wait_for("a coordinate for s1 at r1",
                 lambda: run([SERF, "rtt", r1.rpc, "s1"]).returncode == 0)
        p = run([SERF, "rtt", r1.rpc, "s1", "r2"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("rtt", p.stdout)
        mon = subprocess.Popen([SERF, "monitor", r1.rpc, "-log-level=debug"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            run([SERF, "event", r1.rpc, "monitored", ""])
            line = wait_for("a log line on serf monitor", lambda: mon.stdout.readline())
            self.assertTrue(line.strip())
        finally:
            mon.kill()
            mon.wait()
            mon.stdout.close()

    def test_5_kill9_of_a_rumor_agent_is_seen_failed_by_serf(self):
        self.node("r3").kill()
        wait_for("s1 to mark r3 failed",
                 lambda: self.node("s1").members()["r3"][0] == "failed", FAILURE_DEADLINE_S)

    def test_6_kill9_of_a_serf_agent_is_seen_failed_by_rumor(self):
        self.node("s3").kill()
        wait_for("r1 to mark s3 failed",
                 lambda: self.node("r1").members()["s3"][0] == "failed", FAILURE_DEADLINE_S)
        p = run([SERF, "force-leave", self.node("r1").rpc, "s3"])
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for("s1 to see s3 left after rumor's force-leave",
                 lambda: self.node("s1").members()["s3"][0] == "left")

    def test_7_graceful_leaves_show_as_left_on_both_sides(self):
        p = run([SERF, "leave", self.node("r2").rpc], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for("s1 to see r2 left", lambda: self.node("s1").members()["r2"][0] == "left")
        p = run([SERF, "leave", self.node("s2").rpc], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for("r1 to see s2 left", lambda: self.node("r1").members()["s2"][0] == "left")

    def test_8_serf_join_through_rumor_rpc_brings_a_lone_agent_in(self):
        r4 = self.c.add("rumor", "r4")
        p = run([SERF, "join", r4.rpc, self.node("s1").addr], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Successfully joined cluster by contacting 1 nodes", p.stdout)
        wait_for("r4 to see s1 and r1 alive", lambda: all_alive(r4, ["s1", "r1"]))
        wait_for("s1 to see r4 alive", lambda: all_alive(self.node("s1"), ["r4"]))
        p = run([SERF, "join", r4.rpc, "127.0.0.1:1"], timeout=60)
        self.assertNotEqual(p.returncode, 0, "a join no seed answers fails")


class EncryptedCluster(ClusterCase):
    """2 serf + 2 rumor agents sharing a key; a rotation driven by the serf CLI."""

    K1 = base64.b64encode(bytes(range(32))).decode()
    K2 = base64.b64encode(bytes(range(100, 132))).decode()

    @classmethod
    def setUpClass(cls):
        cls.c = Cluster(key=cls.K1)
        c = cls.c
        c.add("serf", "s1")
        c.add("rumor", "r1", join=c.nodes["s1"].addr)
        c.add("serf", "s2", join=c.nodes["r1"].addr)
        c.add("rumor", "r2", join=c.nodes["s2"].addr)
        cls.names = ["s1", "r1", "s2", "r2"]

    def keys_at(self, name):
        p = run([SERF, "keys", self.c.nodes[name].rpc, "-list"])
        return p.returncode, p.stdout

    def test_1_an_encrypted_mixed_cluster_forms(self):
        for observer in self.names:
            wait_for(f"{observer} to see all four alive",
                     lambda: all_alive(self.c.nodes[observer], self.names))

    def test_2_a_key_rotation_by_the_serf_cli_reaches_rumor(self):
        s1 = self.c.nodes["s1"].rpc
        for step in (["-install", self.K2], ["-use", self.K2], ["-remove", self.K1]):
            p = run([SERF, "keys", s1] + step, timeout=60)
            self.assertEqual(p.returncode, 0, f"{step}: {p.stdout} {p.stderr}")
        code, out = self.keys_at("r1")  # asked through rumor's RPC
        self.assertEqual(code, 0, out)
        self.assertRegex(out, re.escape(self.K2) + r"\s+\[4/4\]")
        self.assertNotIn(self.K1, out)
        time.sleep(3)  # traffic under the new key only
        for observer in self.names:
            self.assertTrue(all_alive(self.c.nodes[observer], self.names), observer)

    def test_3_an_agent_with_the_wrong_key_stays_out_and_both_sides_say_why(self):
        wrong = base64.b64encode(bytes([7] * 32)).decode()
        # A rumor agent with the wrong key: its join gets no answer, it exits non-zero, and the
        # serf agent it tried logs why.
        rx = Node(self.c, "rumor", "rx", wrong)
        self.c.nodes["rx"] = rx
        p = subprocess.run(rx.args(self.c.nodes["s1"].addr), capture_output=True, text=True,
                           timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("join", p.stderr)
        wait_for("s1 to log that it could not decrypt",
                 lambda: "No installed keys could decrypt" in self.c.nodes["s1"].log())
        # A serf agent with the wrong key: it cannot join, and the rumor agent says why.
        sx = Node(self.c, "serf", "sx", wrong)
        self.c.nodes["sx"] = sx
        p = subprocess.run(sx.args(self.c.nodes["r1"].addr), capture_output=True, text=True,
                           timeout=60)
        self.assertNotEqual(p.returncode, 0)
        wait_for("r1 to log the refused traffic",
                 lambda: "no installed key decrypts" in self.c.nodes["r1"].log(), 15)
        for observer in self.names:
            self.assertTrue(all_alive(self.c.nodes[observer], self.names), observer)
            self.assertNotIn("rx", self.c.nodes[observer].members())
            self.assertNotIn("sx", self.c.nodes[observer].members())

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    RUMOR = os.path.abspath(sys.argv.pop(1))
    if not os.access(SERF, os.X_OK):
        sys.exit(f"{SERF} is missing: install Debian's serf package (the bootstrap script does)")
    unittest.main()
