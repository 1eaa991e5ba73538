#!/usr/bin/env python3
"""Multi-process `rumor agent` clusters on loopback (tests/net): join, leave, kill -9, restart
from the snapshot, tag propagation (HTTP and SIGHUP), the dashboard and the endpoints it reads
(stats, round-trip estimates, the event stream), bad input to every HTTP endpoint, and the
one-line startup errors. Each test starts its own agents (profile "local": fast timers) on free
ports in a temporary directory and kills them afterwards. Wall-clock tests: every wait is for an
outcome, with a generous deadline, never a fixed sleep that decides the result.

usage: agent_cluster_test.py RUMOR_BINARY [unittest args]
"""
import http.client
import json
import os
import re
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
POLL_S = 0.05
# Two tests resolve "no-such-host.invalid". The lookup goes to the machine's DNS server, which
# once took over 20 s to answer in CI; one try of at most 1 s per query (glibc reads RES_OPTIONS)
# keeps the agents' answer quick whatever the server does.
os.environ.setdefault("RES_OPTIONS", "timeout:1 attempts:1")
DEADLINE_S = 20
# Detecting a kill -9 can take longer: with three members Lifeguard expects one independent
# confirmation, and a suspicion that gets none runs its full 6 x 3 s = 18 s.
FAILURE_DEADLINE_S = 40


def wait_for(what, predicate, deadline_s=DEADLINE_S):
    return cluster_util.wait_for(what, predicate, deadline_s, POLL_S)


class Agent:
    def __init__(self, cluster, name, extra):
        self.name = name
        self.port = free_port()
        self.http_port = free_port()
        self.rpc_port = free_port()
        self.snapshot = os.path.join(cluster.dir, f"{name}.snapshot")
        self.log_path = os.path.join(cluster.dir, f"{name}.log")
        self.extra = list(extra)
        self.proc = None

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def args(self):
        return [RUMOR, "agent", "--node", self.name, "--bind", self.addr,
                "--http", f"127.0.0.1:{self.http_port}", "--profile", "local",
                "--snapshot", self.snapshot, "--reconnect-interval", "1",
                "--rpc", f"127.0.0.1:{self.rpc_port}"] + self.extra

    def start(self, extra=()):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args() + list(extra), stdout=log, stderr=log)
        log.close()
        wait_for(f"{self.name}'s HTTP API", lambda: self.request("GET", "/v1/health")[0] == 200)

    def request(self, method, path, body=None, raw=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            data = raw if raw is not None else (json.dumps(body) if body is not None else None)
            conn.request(method, path, body=data, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def members(self):
        status, text = self.request("GET", "/v1/members")
        assert status == 200, text
        return {m["name"]: m for m in json.loads(text)["members"]}

    def status_of(self, name):
        m = self.members().get(name)
        return m["status"] if m else None

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=DEADLINE_S)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


class EventStream:
    """A reader of an agent's GET /v1/events: (type, data) pairs, keepalives skipped."""

    def __init__(self, agent, timeout_s):
        self.conn = http.client.HTTPConnection("127.0.0.1", agent.http_port, timeout=timeout_s)
        self.conn.request("GET", "/v1/events")
        self.resp = self.conn.getresponse()

    def next(self):
        kind, data = None, None
        while True:
            line = self.resp.readline().decode()
            if line == "":
                raise AssertionError("the event stream ended")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                kind = line[len("event: "):]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: "):])
            elif line == "" and kind is not None:
                return kind, data

    def until(self, what, match, deadline_s):
        """Every event read up to and including the first that match(type, data) accepts."""
        seen = []
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            seen.append(self.next())
            if match(*seen[-1]):
                return seen
        raise AssertionError(f"no {what} on the event stream within {deadline_s}s: {seen}")

    def close(self):
        self.conn.close()


def about(kind, name):
    """A matcher for EventStream.until: a member event of this type about this member."""
    return lambda k, d: k == kind and d["member"]["name"] == name


class Cluster:
    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="rumor-net-")
        self.dir = self.tmp.name
        self.agents = []

    def add(self, name, *extra, start=True):
        a = Agent(self, name, extra)
        self.agents.append(a)
        if start:
            a.start()
        return a

    def close(self):
        for a in self.agents:
            a.kill()
        self.tmp.cleanup()


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster()
        self._failed_before = self._failures()

    def _failures(self):
        result = getattr(self._outcome, "result", None)
        return len(result.failures) + len(result.errors) if result else 0

    def tearDown(self):
        # A failure is already in the result by now (unittest caught it): show the agents' logs.
        if self._failures() > self._failed_before:
            for a in self.c.agents:
                print(f"--- {a.name} log (tail) ---\n{a.log()[-6000:]}", file=sys.stderr)
        self.c.close()

    def three(self):
        a = self.c.add("a")
        b = self.c.add("b", "--join", a.addr)
        c = self.c.add("c", "--join", a.addr)
        for x in (a, b, c):
            wait_for(f"{x.name} to see 3 alive", lambda x=x: sum(
                m["status"] == "alive" for m in x.members().values()) == 3)
        return a, b, c

    def test_agents_join_through_a_flag_and_through_the_api(self):
        a, b, c = self.three()
        d = self.c.add("d")
        status, text = d.request("POST", "/v1/join", {"addresses": [b.addr]})
        self.assertEqual(status, 200, text)
        self.assertEqual(json.loads(text)["joined"], 1)
        wait_for("a to see d", lambda: a.status_of("d") == "alive")

    def test_sigterm_and_api_leave_are_seen_as_left_not_failed(self):
        a, b, c = self.three()
        b.kill(signal.SIGTERM)
        self.assertEqual(b.proc.returncode, 0)
        wait_for("a to see b left", lambda: a.status_of("b") == "left")
        status, text = c.request("POST", "/v1/leave")
        self.assertEqual((status, json.loads(text)["left"]), (200, True))
        c.proc.wait(timeout=DEADLINE_S)
        wait_for("a to see c left", lambda: a.status_of("c") == "left")
        self.assertNotIn("member-failed", a.log())

    def test_killed_agent_is_failed_then_rejoins_from_its_snapshot(self):
        a, b, c = self.three()
        before = a.members()["c"]["incarnation"]
        c.kill()
        for x in (a, b):
            wait_for(f"{x.name} to mark c failed", lambda x=x: x.status_of("c") == "failed",
                     FAILURE_DEADLINE_S)
        c.extra = []  # no --join: the snapshot brings it back
        c.start()
        for x in (a, b):
            wait_for(f"{x.name} to see c alive again", lambda x=x: x.status_of("c") == "alive")
        self.assertGreater(a.members()["c"]["incarnation"], before)
        self.assertIn("rejoining the previous cluster from the snapshot", c.log())

    def test_torn_snapshot_tail_does_not_stop_a_restart(self):
        a, b, c = self.three()
        c.kill()
        with open(c.snapshot, "ab") as f:
            f.write(b'deadbeef {"t":"alive","na')  # a record cut off by the kill
        c.start()
        wait_for("a to see c alive", lambda: a.status_of("c") == "alive")

    def test_tag_updates_spread_through_the_api_and_sighup(self):
        config = os.path.join(self.c.dir, "b.json")
        with open(config, "w") as f:
            json.dump({"tags": {"role": "web"}}, f)
        a = self.c.add("a")
        b = self.c.add("b", "--join", a.addr, "--config", config, "--tag", "dc=x")
        wait_for("a to see b's tags", lambda: a.members().get("b", {}).get("tags") ==
                 {"role": "web", "dc": "x"})
        status, text = b.request("PUT", "/v1/tags", {"set": {"zone": "1"}, "delete": ["role"]})
        self.assertEqual(status, 200, text)
        wait_for("a to see the new tags", lambda: a.members()["b"]["tags"] ==
                 {"dc": "x", "zone": "1"})
        with open(config, "w") as f:
            json.dump({"tags": {"role": "db"}}, f)
        b.proc.send_signal(signal.SIGHUP)  # the file's tags replace; the flag's stay
        wait_for("a to see the reloaded tags", lambda: a.members()["b"]["tags"] ==
                 {"role": "db", "dc": "x"})

    def test_agents_with_different_labels_or_keys_refuse_each_other_and_log_why(self):
        key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        other = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
        a = self.c.add("a", "--label", "blue", "--encrypt", key)
        cases = [("b", ["--label", "green", "--encrypt", key], "another label"),
                 ("c", ["--label", "blue", "--encrypt", other], "no installed key decrypts"),
                 ("d", ["--label", "blue"], "plaintext")]
        for name, extra, words in cases:
            x = self.c.add(name, *extra, "--join", a.addr, start=False)
            p = subprocess.run(x.args(), capture_output=True, text=True, timeout=DEADLINE_S)
            self.assertNotEqual(p.returncode, 0, f"{name}: {p.stderr}")
            self.assertIn("join", p.stderr)
            wait_for(f"a to log why it refused {name}", lambda w=words: w in a.log(), 15)
        self.assertEqual(set(a.members()), {"a"})

    def test_event_stream_carries_queries_refuted_suspicions_and_a_kill_as_suspect_then_failed(
            self):
        a, b, c = self.three()
        events = EventStream(a, FAILURE_DEADLINE_S)
        self.addCleanup(events.close)
        self.assertEqual(events.resp.getheader("Content-Type"), "text/event-stream")
        # A query b sends reaches a, which shows it with its name, payload and asker.
        status, text = b.request("POST", "/v1/query",
                                 {"name": "uptime", "payload": "how long?", "timeout_ms": 300})
        self.assertEqual(status, 200, text)
        _, query = events.until("query", lambda k, d: k == "query", DEADLINE_S)[-1]
        self.assertEqual((query["name"], query["payload"], query["from"]),
                         ("uptime", "how long?", "b"))
        self.assertIsInstance(query["id"], int)
        # c stopped: suspected; c continued: it refutes, and a sees it alive again.
        c.proc.send_signal(signal.SIGSTOP)
        try:
            _, suspect = events.until("c suspected", about("member-suspect", "c"),
                                      FAILURE_DEADLINE_S)[-1]
        finally:
            c.proc.send_signal(signal.SIGCONT)
        self.assertEqual(suspect["member"]["status"], "suspect")
        _, alive = events.until("c's refutation", about("member-alive", "c"), DEADLINE_S)[-1]
        self.assertEqual(alive["member"]["status"], "alive")
        self.assertGreater(alive["member"]["incarnation"], suspect["member"]["incarnation"])
        # c killed: suspected first (Lifeguard's suspicion), then failed.
        c.kill()
        seen = events.until("c failed", about("member-failed", "c"), FAILURE_DEADLINE_S)
        kinds = [k for k, d in seen if d.get("member", {}).get("name") == "c"]
        self.assertIn("member-suspect", kinds)
        self.assertLess(kinds.index("member-suspect"), kinds.index("member-failed"))

    def test_root_serves_the_dashboard_page_and_its_assets(self):
        a = self.c.add("a")
        conn = http.client.HTTPConnection("127.0.0.1", a.http_port, timeout=10)
        conn.request("GET", "/")
        resp = conn.getresponse()
        page = resp.read().decode()
        conn.close()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/html"))
        self.assertIn("<!doctype html>", page.lower())
        assets = re.findall(r'(?:src|href)="\.?/?(assets/[^"]+)"', page)
        self.assertTrue(assets, page)
        for path in assets:
            conn = http.client.HTTPConnection("127.0.0.1", a.http_port, timeout=10)
            conn.request("GET", "/" + path)
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            self.assertEqual(resp.status, 200, path)
            self.assertGreater(len(body), 0, path)
            self.assertRegex(resp.getheader("Content-Type"), r"^text/(javascript|css)", path)
        status, _ = a.request("GET", "/assets/no-such-file.js")
        self.assertEqual(status, 404)

    def test_metrics_and_stats_count_the_cluster_and_members_get_rtt_estimates(self):
        a, b, c = self.three()
        # /v1/stats: the dashboard's counters, in the shape docs/web.md promises.
        status, text = a.request("GET", "/v1/stats")
        self.assertEqual(status, 200, text)
        first = json.loads(text)
        self.assertEqual(first["node"], "a")
        self.assertLess(abs(first["time_ms"] - time.time() * 1000), 60000)
        self.assertEqual(first["members"], {"alive": 3, "suspect": 0, "failed": 0, "left": 0})
        self.assertLess(first["awareness"], first["awareness_max"])
        self.assertEqual(set(first["protocol"]), {
            "probes", "probe_acks", "indirect_probes", "nacks", "suspicions", "refutes",
            "gossip_rounds", "push_pulls"})
        self.assertEqual(set(first["queues"]), {
            "broadcasts", "serf_broadcasts", "events", "event_subscribers"})
        self.assertEqual(set(first["net"]), {
            "packets_out", "packets_in", "bytes_out", "bytes_in", "streams_out", "streams_in"})
        self.assertGreaterEqual(first["net"]["streams_in"], 2, "b's and c's joins")
        wait_for("a's probe counters to grow", lambda: (lambda p: (
            p["probes"] > first["protocol"]["probes"] and
            p["probe_acks"] > first["protocol"]["probe_acks"]))(
                json.loads(a.request("GET", "/v1/stats")[1])["protocol"]))
        # /v1/members: a Vivaldi estimate to each other member once it acked a ping.
        members = wait_for("rtt estimates to b and c", lambda: (lambda ms: ms if all(
            isinstance(ms[n]["rtt_ms"], (int, float)) for n in ("b", "c")) else None)(
                a.members()))
        self.assertIsNone(members["a"]["rtt_ms"])
        for n in ("b", "c"):
            self.assertGreater(members[n]["rtt_ms"], 0, n)
            self.assertLess(members[n]["rtt_ms"], 1000, n)
        # /metrics: Prometheus text.
        text = wait_for("a ping and an ack counted", lambda: (lambda t: t if (
            'rumor_messages_sent_total{type="ping"}' in t and
            'rumor_message_bytes_received_total{type="ack"}' in t) else None)(
                a.request("GET", "/metrics")[1]))
        for family in ('rumor_members{status="alive"} 3', "rumor_probes_total",
                       "rumor_probe_acks_total", "rumor_suspicions_total",
                       'rumor_messages_sent_total{type="ping"}',
                       'rumor_message_bytes_received_total{type="ack"}',
                       'rumor_queue_depth{queue="broadcast"}', "rumor_awareness_score",
                       "rumor_gossip_rounds_total"):
            self.assertIn(family, text)

    def test_bad_input_to_every_endpoint_gets_a_clear_error_and_no_crash(self):
        a = self.c.add("a")
        cases = [
            ("POST", "/v1/join", "{", 400, "not valid JSON"),
            ("POST", "/v1/join", "[]", 400, "JSON object"),
            ("POST", "/v1/join", '{"addresses":[]}', 400, "addresses"),
            ("POST", "/v1/join", '{"addresses":[7]}', 400, "string"),
            ("POST", "/v1/join", '{"addresses":["no-such-host.invalid"]}', 400, "resolve"),
            ("POST", "/v1/join", '{"addresses":["[::1"]}', 400, "closing"),
            ("PUT", "/v1/tags", '{"set":{"k":1}}', 400, "must be a string"),
            ("PUT", "/v1/tags", '{"other":1}', 400, "field 'other'"),
            ("PUT", "/v1/tags", json.dumps({"set": {"k": "v" * 600}}), 400, "512"),
            ("POST", "/v1/join", "x" * 70000, 413, "larger than"),
            ("GET", "/v1/nothing", None, 404, "no such endpoint"),
            ("DELETE", "/v1/members", None, 404, "no such endpoint"),
        ]
        for method, path, body, want, words in cases:
            status, text = a.request(method, path, raw=body)
            self.assertEqual(status, want, f"{method} {path} {body!r:.40}: {text}")
            self.assertIn(words, json.loads(text)["error"], f"{method} {path}")
        # Raw garbage and a half request on the socket; the agent stays up.
        for junk in (b"\x00\xff" * 500 + b"\r\n\r\n", b"GET /v1/members HTTP/1.1\r\nHost:"):
            with socket.create_connection(("127.0.0.1", a.http_port), timeout=5) as s:
                s.sendall(junk)
        # More event streams than allowed: the extra ones are refused, not queued.
        conns = []
        refused = 0
        for _ in range(20):
            conn = http.client.HTTPConnection("127.0.0.1", a.http_port, timeout=10)
            conn.request("GET", "/v1/events")
            resp = conn.getresponse()
            if resp.status == 503:
                refused += 1
                resp.read()
            conns.append(conn)
        self.assertGreater(refused, 0)
        for conn in conns:
            conn.close()
        wait_for("the agent to answer again", lambda: a.request("GET", "/v1/health")[0] == 200)
        self.assertEqual(a.proc.poll(), None)

    def test_startup_errors_are_one_line_and_non_zero(self):
        a = self.c.add("a")
        bad_config = os.path.join(self.c.dir, "bad.json")
        with open(bad_config, "w") as f:
            f.write('{"profile": "fast"}')
        cases = [
            (["--bind", a.addr], 1, "Address already in use"),
            (["--http", f"127.0.0.1:{a.http_port}"], 1, "Address already in use"),
            (["--rpc", f"127.0.0.1:{a.rpc_port}"], 1, "Address already in use"),
            (["--join", "no-such-host.invalid"], 1, "cannot resolve 'no-such-host.invalid'"),
            (["--config", bad_config], 2, "profile: must be one of lan, wan, local, got 'fast'"),
            (["--log-level", "loud"], 2, "log-level"),
            (["--tag", "novalue"], 2, "expected KEY=VALUE"),
            (["--bind", "1.2.3.4:99999"], 2, "0..65535"),
        ]
        for extra, code, words in cases:
            args = [RUMOR, "agent", "--node", "x"] + extra
            if "--log-level" not in extra:
                args += ["--log-level", "error"]
            if "--bind" not in extra:
                args += ["--bind", f"127.0.0.1:{free_port()}"]
            if "--http" not in extra:
                args += ["--http", f"127.0.0.1:{free_port()}"]
            if "--rpc" not in extra:
                args += ["--rpc", f"127.0.0.1:{free_port()}"]
            p = subprocess.run(args, capture_output=True, text=True, timeout=DEADLINE_S)
            self.assertEqual(p.returncode, code, f"{extra}: {p.stderr}")
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, f"{extra}: {p.stderr}")
            self.assertIn(words, lines[0])
            self.assertTrue(lines[0].startswith("rumor agent: "), lines[0])


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    RUMOR = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
