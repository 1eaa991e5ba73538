#!/usr/bin/env python3
"""End-to-end test of `rumor agent` on five hosts made of Linux network namespaces.

Why: the unit, simulator and loopback suites never show the agent a real network that loses and
delays packets, cuts a host off, or blocks UDP while TCP works. This suite does, with nothing but
the kernel: five "host" namespaces, each with one veth cable into a bridge that lives in a sixth
"switch" namespace, addresses 10.201.0.1-5/24, no route anywhere else. Each host runs one agent
(gossip on 10.201.0.N:7946, HTTP API on the host's own 127.0.0.1:8946). The root namespace's
interfaces, routes and firewall are never touched, and every packet stays inside our namespaces.

Scenarios, each a named step that prints what it checks and the times it measured:
  1. converge     all five agents see five members alive.
  2. loss+delay   10% loss and 50 ms one-way latency on every host for --impair-seconds: at every
                  poll (1/s) every host sees all five, alive or suspect, and nobody is ever
                  failed; the suspicions seen are counted and reported.
  3. partition    host h5's switch port is unplugged (all its traffic dropped): the other four
                  mark it failed (timed) and still see each other; the port is plugged back in:
                  all five see five alive again (timed; Serf-style reconnect does this).
  4. one-way UDP  host h3 drops all UDP arriving at it, TCP still works, for --oneway-seconds:
                  memberlist's TCP fallback ping keeps everyone from declaring anyone failed.

Loss and latency come from the netem qdisc when the kernel has it (checked by trying it), else
from iptables in each host namespace: `-m statistic --mode random` DROP for the loss and an
NFQUEUE rule feeding tests/e2e/nfq_delay (a fixed-delay verdict program) for the latency. A
UDP echo probe between two hosts checks the impairment is really in effect before scenario 2.

Everything is created under names with a unique prefix (rumor-e2e-PID-) and removed on the way
out: on success, failure, Ctrl-C or SIGTERM. Child processes also get PR_SET_PDEATHSIG, so they
die with this script even if it is SIGKILLed (a ctest timeout); namespaces left behind by a
killed run are removed by the next run (their PID is gone).

Usage (as root):
  netns_test.py --rumor build/src/cli/rumor [--nfq-delay build/tests/e2e/nfq_delay]
  netns_test.py --net-only [--nfq-delay ...]   # the namespaces and impairments alone, no agent
Exit status: 0 all passed, 1 a scenario failed (the message says which and what was seen),
77 skipped (not root, or network namespaces unavailable), 2 bad usage or missing tools.
"""

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SKIP = 77
PREFIX = "rumor-e2e-"
SUBNET = "10.201.0"  # host N is SUBNET.N; the switch namespace has no address at all
HOSTS = 5
GOSSIP_PORT = 7946
HTTP_ADDR = "127.0.0.1:8946"  # inside each host namespace, so every agent can use the same one
ECHO_PORT = 9999  # the impairment probe's UDP echo
DELAY_MS = 50
LOSS = 0.10
NFQUEUE_NUM = 0  # queues are per network namespace, so every host can use queue 0
NFQUEUE_MAX_PACKETS = 1024  # like netem's default limit of 1000


class Failure(Exception):
    """A scenario's expectation did not hold; the message says what was seen."""


class Skipped(Exception):
    """This machine cannot run the suite (not root, no network namespaces)."""


class Stop(Exception):
    """SIGINT / SIGTERM / SIGHUP arrived: unwind so that cleanup runs."""


def say(msg=""):
    try:
        print(msg, flush=True)
    except OSError:  # stdout gone (a closed pipe): keep going, so that cleanup still runs
        pass


def _stop(signum, _frame):
    raise Stop(f"stopped by signal {signal.Signals(signum).name}")


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when this script dies, however it dies. `ip netns
    exec` keeps it across its exec. Long-lived children are started from the main thread only
    (the signal fires when the creating thread exits)."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def sh(*cmd, check=True, timeout=20):
    """Runs a short command; on failure raises Failure with its output."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise Failure(f"`{' '.join(cmd)}` exited {r.returncode}: {r.stdout.strip()}")
    return r


class Lab:
    """The five hosts, the switch, and every process started in them."""

    def __init__(self, args):
        self.args = args
        self.prefix = f"{PREFIX}{os.getpid()}-"
        self.switch = self.prefix + "sw"
        self.hosts = [f"{self.prefix}h{i}" for i in range(1, HOSTS + 1)]
        self.names = [f"h{i}" for i in range(1, HOSTS + 1)]  # agent node names
        self.namespaces = []  # created, in order
        self.procs = []  # (label, Popen, log path or None), every long-lived child
        self.agents = {}  # host index -> (Popen, log path)
        self.event_readers = {}  # host index -> (Popen, log path) of the GET /v1/events reader
        self.delayers = []  # Popen of nfq_delay
        self.impair_mode = None  # "netem" or "nfqueue", decided by probe_impairment()
        self.workdir = tempfile.mkdtemp(prefix=self.prefix)
        self.cleaned = False

    # --- namespaces and cables ---------------------------------------------------------------

    def ns(self, i):
        return self.hosts[i]

    def addr(self, i):
        return f"{SUBNET}.{i + 1}"

    def port_name(self, i):
        return f"p{i + 1}"  # the switch's end of host i's cable (lives only in the switch ns)

    def in_ns(self, i, *cmd, **kw):
        return sh("ip", "netns", "exec", self.ns(i), *cmd, **kw)

    def setup(self):
        remove_stale_namespaces()
        r = subprocess.run(["ip", "netns", "add", self.switch], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise Skipped(f"cannot create a network namespace (`ip netns add`): {r.stdout.strip()}")
        self.namespaces.append(self.switch)
        sw = ("ip", "-n", self.switch)
        sh(*sw, "link", "set", "lo", "up")
        sh(*sw, "link", "add", "br0", "type", "bridge")
        sh(*sw, "link", "set", "br0", "up")
        for i, host in enumerate(self.hosts):
            sh("ip", "netns", "add", host)
            self.namespaces.append(host)
            # Both ends are born inside our namespaces: the switch's end in the switch, the
            # host's end (eth0) in the host. Nothing is ever created in the root namespace.
            sh(*sw, "link", "add", self.port_name(i), "type", "veth", "peer", "name", "eth0",
               "netns", host)
            sh(*sw, "link", "set", self.port_name(i), "master", "br0", "up")
            h = ("ip", "-n", host)
            sh(*h, "link", "set", "lo", "up")
            sh(*h, "addr", "add", f"{self.addr(i)}/24", "dev", "eth0")
            sh(*h, "link", "set", "eth0", "up")
        say(f"  namespaces: {self.switch} (bridge br0) and {', '.join(self.hosts)}; "
            f"hosts at {SUBNET}.1-{HOSTS}/24")

    def spawn(self, label, i, cmd, log_path=None):
        """Starts a long-lived process inside host i (from the main thread only)."""
        out = open(log_path, "w") if log_path else subprocess.DEVNULL
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(i), *cmd], stdout=out,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             preexec_fn=_die_with_parent)
        if log_path:
            out.close()
        self.procs.append((label, p, log_path))
        return p

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        # Every process we started gets SIGTERM (an agent leaves gracefully, a delayer lets its
        # packets go) and 5 s to exit, then SIGKILL; then anything else still inside our
        # namespaces (all of it ours) is killed, and the namespaces are deleted, which removes
        # the veth cables and the bridge with them.
        for label, p, _ in self.procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 5
        for label, p, _ in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for name in reversed(self.namespaces):
            kill_namespace_pids(name)
            subprocess.run(["ip", "netns", "del", name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if self.args.keep_logs:
            open(os.path.join(self.workdir, "KEEP"), "w").close()
            say(f"  logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        left = [n for n in list_namespaces() if n.startswith(self.prefix)]
        if left:
            say(f"  WARNING: namespaces left behind: {', '.join(left)}")
        else:
            say(f"  cleanup: {len(self.namespaces)} namespaces and {len(self.procs)} processes "
                f"removed")

    # --- impairments -------------------------------------------------------------------------

    def probe_impairment(self):
        """Decides how loss and latency are emulated: netem if the kernel has it (we try it on
        h1's eth0 and take it straight off again), else iptables + NFQUEUE + nfq_delay."""
        # iptables is needed whatever emulates loss: the one-way UDP block uses it.
        if not shutil.which("iptables"):
            raise Failure("iptables not found: apt-get install iptables")
        r = self.in_ns(0, "iptables", "-w", "-S", "INPUT", check=False)
        if r.returncode != 0:
            raise Failure(f"iptables does not work in a namespace here: {r.stdout.strip()}")
        choice = self.args.impair
        if choice in ("auto", "netem"):
            r = self.in_ns(0, "tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay",
                           "1ms", check=False)
            if r.returncode == 0:
                self.in_ns(0, "tc", "qdisc", "del", "dev", "eth0", "root")
                self.impair_mode = "netem"
                say("  loss/latency emulation: tc netem (the kernel has the netem qdisc)")
                return
            if choice == "netem":
                raise Failure(f"--impair netem, but netem does not work here: {r.stdout.strip()}")
            netem_error = r.stdout.strip() or f"exit {r.returncode}"
        else:
            netem_error = "not tried (--impair nfqueue)"
        if not self.args.nfq_delay or not os.access(self.args.nfq_delay, os.X_OK):
            raise Failure("no netem qdisc, and no nfq_delay binary (--nfq-delay) for the "
                          "latency: apt-get install libnetfilter-queue-dev and rebuild")
        self.impair_mode = "nfqueue"
        say(f"  loss/latency emulation: iptables statistic DROP + NFQUEUE with nfq_delay "
            f"(netem unavailable: {netem_error})")

    def impair(self):
        """Every host: LOSS of its packets dropped, the rest delayed DELAY_MS, one way. netem
        works on each host's egress; the fallback works on each host's ingress (an OUTPUT-chain
        DROP would hand the sender EPERM, which a real lossy link never does). Either way every
        packet between two hosts crosses exactly one impairment: RTT = 2 x DELAY_MS."""
        for i in range(HOSTS):
            if self.impair_mode == "netem":
                self.in_ns(i, "tc", "qdisc", "replace", "dev", "eth0", "root", "netem", "delay",
                           f"{DELAY_MS}ms", "loss", f"{LOSS * 100:g}%")
            else:
                self.delayers.append(self.spawn(
                    f"nfq_delay {self.names[i]}", i,
                    [self.args.nfq_delay, "--queue", str(NFQUEUE_NUM), "--delay-ms",
                     str(DELAY_MS), "--max-packets", str(NFQUEUE_MAX_PACKETS)],
                    os.path.join(self.workdir, f"nfq_delay-{self.names[i]}.log")))
                self.in_ns(i, "iptables", "-w", "-A", "INPUT", "-i", "eth0", "-m", "statistic",
                           "--mode", "random", "--probability", f"{LOSS}", "-j", "DROP")
                self.in_ns(i, "iptables", "-w", "-A", "INPUT", "-i", "eth0", "-j", "NFQUEUE",
                           "--queue-num", str(NFQUEUE_NUM), "--queue-bypass")
        time.sleep(0.2)  # let the delayers bind their queues
        for p in self.delayers:
            if p.poll() is not None:
                raise Failure(f"nfq_delay exited {p.returncode} at start: "
                              f"{self.tail_of(p)}")

    def unimpair(self):
        for i in range(HOSTS):
            if self.impair_mode == "netem":
                self.in_ns(i, "tc", "qdisc", "del", "dev", "eth0", "root", check=False)
            else:
                self.in_ns(i, "iptables", "-w", "-F", "INPUT", check=False)
        dead = [p for p in self.delayers if p.poll() is not None]
        for p in self.delayers:
            if p.poll() is None:
                p.terminate()
        for p in self.delayers:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        self.delayers = []
        if dead:
            raise Failure(f"{len(dead)} nfq_delay process(es) died during the scenario: "
                          f"{self.tail_of(dead[0])}")

    def unplug(self, i):
        """Cuts host i off: its switch port leaves the bridge, so every frame it sends or would
        receive is dropped at the switch. Its own link stays up, as when a switch fails."""
        sh("ip", "-n", self.switch, "link", "set", self.port_name(i), "nomaster")

    def plug(self, i):
        sh("ip", "-n", self.switch, "link", "set", self.port_name(i), "master", "br0")

    def block_udp_in(self, i):
        self.in_ns(i, "iptables", "-w", "-A", "INPUT", "-i", "eth0", "-p", "udp", "-j", "DROP")

    def unblock_udp_in(self, i):
        self.in_ns(i, "iptables", "-w", "-F", "INPUT", check=False)

    def tail_of(self, p, lines=15):
        for label, q, log_path in self.procs:
            if q is p and log_path and os.path.exists(log_path):
                with open(log_path, errors="replace") as f:
                    return f"{label}:\n" + "".join(f.readlines()[-lines:])
        return "(no log)"

    # --- the UDP probe: checks connectivity and the impairment with plain sockets ------------

    def udp_probe(self, src, dst, count=100, gap=0.01, wait=1.0):
        """Sends `count` UDP datagrams from host src to an echo on host dst; returns
        (received, sorted RTTs in ms)."""
        echo = self.spawn(f"udp echo {self.names[dst]}", dst,
                          [sys.executable, "-c", _ECHO_SERVER, self.addr(dst), str(ECHO_PORT),
                           str(count * gap + wait + 5)])
        try:
            time.sleep(0.3)
            r = self.in_ns(src, sys.executable, "-c", _ECHO_CLIENT, self.addr(dst),
                           str(ECHO_PORT), str(count), str(gap), str(wait),
                           timeout=count * gap + wait + 10)
            rtts = json.loads(r.stdout)
            return len(rtts), sorted(rtts)
        finally:
            echo.kill()
            echo.wait()

    def tcp_connects(self, src, dst, port):
        r = self.in_ns(src, sys.executable, "-c", _TCP_CONNECT, self.addr(dst), str(port),
                       check=False)
        return r.returncode == 0

    # --- agents ------------------------------------------------------------------------------

    def start_agents(self):
        for i in range(HOSTS):
            self.start_agent(i)

    def start_agent(self, i):
        a = f"{self.addr(i)}:{GOSSIP_PORT}"
        cmd = [self.args.rumor, "agent", "--node", self.names[i], "--bind", a, "--advertise", a,
               "--http", HTTP_ADDR, "--profile", self.args.profile, "--reconnect-interval",
               str(self.args.reconnect_interval), "--log-level", "debug", "--tag",
               f"host={self.names[i]}"]
        if i > 0:  # everyone joins h1 (and retries until h1 answers)
            cmd += ["--join", f"{self.addr(0)}:{GOSSIP_PORT}", "--retry-join"]
        log_path = os.path.join(self.workdir, f"agent-{self.names[i]}.log")
        self.agents[i] = (self.spawn(f"agent {self.names[i]}", i, cmd, log_path), log_path)

    def start_event_readers(self):
        """One reader of GET /v1/events per host, for the whole run: each event it receives is
        written to a file with the time it arrived (CLOCK_MONOTONIC, the same clock in every
        namespace), so a scenario can check what every agent reported, however briefly."""
        for i in range(HOSTS):
            path = os.path.join(self.workdir, f"events-{self.names[i]}.log")
            self.event_readers[i] = (self.spawn(f"event reader {self.names[i]}", i,
                                                [sys.executable, "-u", "-c", _SSE_READER,
                                                 f"http://{HTTP_ADDR}/v1/events"], path), path)

    def events(self, since, until):
        """[(time, observer index, event type, member name, member status)] that the event
        streams delivered between since and until, in time order."""
        out = []
        for i, (p, path) in sorted(self.event_readers.items()):
            if p.poll() is not None:
                raise Failure(f"the event stream of {self.names[i]} ended (reader exited "
                              f"{p.returncode}): {self.tail_of(p)}")
            with open(path, errors="replace") as f:
                for line in f:
                    stamp, _, data = line.partition(" ")
                    try:
                        t = float(stamp)
                        e = json.loads(data)
                    except ValueError:
                        continue
                    if since <= t <= until and isinstance(e, dict):
                        m = e.get("member") or {}
                        out.append((t, i, e.get("type"), m.get("name"), m.get("status")))
        return sorted(out)

    def check_agents_running(self):
        for i, (p, _) in self.agents.items():
            if p.poll() is not None:
                why = ("a graceful leave: it got SIGINT or SIGTERM, and not from this test"
                       if p.returncode == 0 else "it crashed or failed")
                raise Failure(f"agent {self.names[i]} exited with status {p.returncode} "
                              f"during the test ({why}); see its log below")

    def agents_lost(self):
        return [self.names[i] for i, (p, _) in self.agents.items() if p.poll() is not None]

    def views(self, observers=None):
        """Asks each observer's agent for its member list with `rumor members --format json`
        (the CLI, over its HTTP API). Returns {observer: {name: member dict}} or, for an agent
        that did not answer, {observer: "error text"}."""
        observers = range(HOSTS) if observers is None else observers
        procs = {i: subprocess.Popen(["ip", "netns", "exec", self.ns(i), self.args.rumor,
                                      "members", "--format", "json", "--http", HTTP_ADDR],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in observers}
        out = {}
        for i, p in procs.items():
            try:
                stdout, stderr = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                out[i] = "`rumor members` timed out after 10 s"
                continue
            if p.returncode != 0:
                out[i] = f"`rumor members` exited {p.returncode}: {stderr.strip()}"
                continue
            try:
                doc = json.loads(stdout)
                members = doc["members"] if isinstance(doc, dict) else doc
                out[i] = {m["name"]: m for m in members}
            except (ValueError, KeyError, TypeError) as e:
                out[i] = f"`rumor members --format json` printed something unexpected ({e}): " \
                         f"{stdout[:300]!r}"
        return out

    def metrics(self, i):
        """host i's Prometheus text as {series: value} (series keeps its labels)."""
        r = self.in_ns(i, sys.executable, "-c", _HTTP_GET, f"http://{HTTP_ADDR}/metrics",
                       check=False)
        values = {}
        if r.returncode != 0:
            return values
        for line in r.stdout.splitlines():
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)", line)
            if m and not line.startswith("#"):
                try:
                    values[m.group(1)] = float(m.group(2))
                except ValueError:
                    pass
        return values


# Small programs run inside a namespace with `python3 -c` (the script itself stays in the root
# namespace). Each talks only to a 10.201.0.x or 127.0.0.1 address, and each ends by itself
# within seconds, except the event reader, which is stopped at cleanup (or dies with us).
_ECHO_SERVER = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
end = time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        data, peer = s.recvfrom(64)
    except socket.timeout:
        break
    s.sendto(data, peer)
"""

_ECHO_CLIENT = r"""
import json, select, socket, struct, sys, time
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
gap, wait = float(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent, rtts = {}, []
start = time.monotonic()
end = start + count * gap + wait
n = 0
while True:
    now = time.monotonic()
    if n < count and now >= start + n * gap:
        sent[n] = now
        s.sendto(struct.pack("!I", n), (host, port))
        n += 1
        continue
    next_send = start + n * gap if n < count else end
    if now >= end:
        break
    if select.select([s], [], [], max(0.0, min(next_send, end) - now))[0]:
        data = s.recv(64)
        k, = struct.unpack("!I", data[:4])
        if k in sent:
            rtts.append((time.monotonic() - sent.pop(k)) * 1000)
print(json.dumps(rtts))
"""

_TCP_CONNECT = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
s.close()
"""

_TCP_LISTEN = r"""
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
s.settimeout(float(sys.argv[3]))
try:
    while True:
        s.accept()[0].close()
except socket.timeout:
    pass
"""

_SSE_READER = r"""
import sys, time, urllib.request
for raw in urllib.request.urlopen(sys.argv[1]):
    line = raw.decode("utf-8", "replace").rstrip("\r\n")
    if line.startswith("data:"):
        print("%.3f %s" % (time.monotonic(), line[5:].strip()), flush=True)
"""

_HTTP_GET = r"""
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
"""


def list_namespaces():
    r = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def kill_namespace_pids(name):
    r = subprocess.run(["ip", "netns", "pids", name], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    for pid in r.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def remove_stale_namespaces():
    """Namespaces of an earlier run of this suite that was killed before it could clean up
    (their PID no longer exists). Only our own prefix is ever considered."""
    for name in list_namespaces():
        m = re.match(re.escape(PREFIX) + r"(\d+)-", name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            kill_namespace_pids(name)
            subprocess.run(["ip", "netns", "del", name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            say(f"  removed {name}, left behind by an earlier run")
    tmp = tempfile.gettempdir()  # and the log folders of such runs (not --keep-logs ones)
    for entry in os.listdir(tmp):
        m = re.match(re.escape(PREFIX) + r"(\d+)-", entry)
        path = os.path.join(tmp, entry)
        if m and not os.path.exists(f"/proc/{m.group(1)}") and os.path.isdir(path) and \
                not os.path.exists(os.path.join(path, "KEEP")):
            shutil.rmtree(path, ignore_errors=True)


# --- checks on member views ----------------------------------------------------------------

def describe(view):
    if isinstance(view, str):
        return view
    return ", ".join(f"{n}={m.get('status')}" for n, m in sorted(view.items()))


def all_alive(lab, views, observers=None):
    observers = range(HOSTS) if observers is None else observers
    for i in observers:
        v = views.get(i)
        if isinstance(v, str) or sorted(v) != lab.names:
            return False
        if any(m.get("status") != "alive" for m in v.values()):
            return False
    return True


def wait_for(lab, what, predicate, timeout, interval=0.5, observers=None):
    """Polls views until predicate(views) holds; returns the seconds it took, or raises Failure
    showing the last views."""
    start = time.monotonic()
    views = {}
    while True:
        lab.check_agents_running()
        views = lab.views(observers)
        if predicate(views):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            shown = "\n".join(f"    {lab.names[i]} sees: {describe(v)}"
                              for i, v in sorted(views.items()))
            raise Failure(f"{what}: not reached within {timeout:.0f} s; last views:\n{shown}")
        time.sleep(interval)


class Watch:
    """Watches a scenario that must not fail anybody. Poll after poll, every observer must see
    all five members, each alive or suspect; and at the end, no event stream may have carried a
    member-failed or member-leave in the window (so a failure refuted between two polls is
    caught too). Counts suspect sightings, member-suspect events and incarnation bumps (each
    bump is a member refuting a suspicion or death of itself)."""

    def __init__(self, lab):
        self.lab = lab
        self.started = time.monotonic()
        self.suspect_events = []
        self.polls = 0
        self.suspect_sightings = 0  # (poll, observer, member) triples seen suspect
        self.suspected = set()  # (observer, member) pairs ever seen suspect
        self.first_incarnation = {}
        self.last_incarnation = {}

    def check(self, views, elapsed):
        self.polls += 1
        for i, v in sorted(views.items()):
            who = self.lab.names[i]
            if isinstance(v, str):
                raise Failure(f"at {elapsed:.1f} s, {who}'s agent gave no member list: {v}")
            missing = sorted(set(self.lab.names) - set(v))
            if missing:
                raise Failure(f"at {elapsed:.1f} s, {who} no longer lists {missing}: "
                              f"{describe(v)}")
            for name, m in v.items():
                status = m.get("status")
                if status == "suspect":
                    self.suspect_sightings += 1
                    self.suspected.add((who, name))
                elif status != "alive":
                    raise Failure(f"false failure: at {elapsed:.1f} s, {who} reports {name} "
                                  f"{status} ({describe(v)})")
                inc = m.get("incarnation")
                if isinstance(inc, int):
                    self.first_incarnation.setdefault(name, inc)
                    self.last_incarnation[name] = max(inc, self.last_incarnation.get(name, inc))

    def finish(self):
        time.sleep(0.5)  # let the last events of the window reach the readers
        events = self.lab.events(self.started, time.monotonic())
        self.suspect_events = [e for e in events if e[2] == "member-suspect"]
        bad = [e for e in events if e[2] in ("member-failed", "member-leave")]
        if bad:
            t, i, kind, name, _ = bad[0]
            raise Failure(f"false failure: {len(bad)} member-failed/leave event(s); the first at "
                          f"{t - self.started:.1f} s: {self.lab.names[i]} reported {kind} for "
                          f"{name}")

    def incarnation_bumps(self):
        return sum(self.last_incarnation[n] - self.first_incarnation[n]
                   for n in self.last_incarnation)

    def summary(self):
        pairs = ", ".join(f"{a}->{b}" for a, b in sorted(self.suspected)) or "none"
        by_pair = {}
        for _, i, _, name, _ in self.suspect_events:
            key = f"{self.lab.names[i]}->{name}"
            by_pair[key] = by_pair.get(key, 0) + 1
        events = ", ".join(f"{k} x{v}" for k, v in sorted(by_pair.items())) or "none"
        return (f"{self.polls} polls x {HOSTS} hosts, every view complete, no member ever "
                f"failed (polls and event streams)\n"
                f"  member-suspect events: {len(self.suspect_events)} ({events})\n"
                f"  suspect seen by polls: {self.suspect_sightings} sightings (pairs: {pairs}); "
                f"incarnation bumps (refutations): {self.incarnation_bumps()}")


def watch_for(lab, seconds, watch):
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        tick = time.monotonic()
        lab.check_agents_running()
        watch.check(lab.views(), tick - start)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))


def suspicion_metrics(lab):
    """Sums, over the five agents, every counter whose name mentions suspect/failed/dead/
    refute (whatever the agent calls them), for before/after comparisons."""
    totals = {}
    for i in range(HOSTS):
        for series, value in lab.metrics(i).items():
            name = series.split("{")[0]
            if name.startswith("rumor_") and re.search(r"suspic|suspect|fail|dead|refut", name):
                totals[name] = totals.get(name, 0.0) + value
    return totals


def metrics_delta(before, after):
    changed = {k: after[k] - before.get(k, 0.0) for k in after if after[k] != before.get(k, 0.0)}
    if not changed:
        return "no suspicion/failure counters changed" if after else "no such counters exposed"
    return ", ".join(f"{k} +{v:g}" for k, v in sorted(changed.items()))


# --- the scenarios -----------------------------------------------------------------------------

def scenario_converge(lab):
    say("  checks: all 5 agents list 5 members, all alive")
    lab.start_agents()
    t = wait_for(lab, "convergence", lambda v: all_alive(lab, v), timeout=30)
    say(f"  converged {t:.1f} s after the agents started")
    # The CLI's filters, on tags the agents were started with.
    r = lab.in_ns(0, lab.args.rumor, "members", "--http", HTTP_ADDR, "--format", "json",
                  "--status", "alive", "--tag", "host=h3", check=False)
    try:
        doc = json.loads(r.stdout)
        names = [m["name"] for m in (doc["members"] if isinstance(doc, dict) else doc)]
    except (ValueError, KeyError, TypeError):
        names = r.stdout.strip()[:200]
    if names != ["h3"]:
        raise Failure(f"`rumor members --status alive --tag host=h3` on h1 gave {names!r} "
                      f"(exit {r.returncode}), expected ['h3']")
    say("  `rumor members --status alive --tag host=h3` on h1 lists exactly h3")
    lab.start_event_readers()
    start = time.monotonic()
    while True:  # every agent counts its reader (GET /metrics): the streams are connected
        readers = [lab.metrics(i).get("rumor_event_stream_subscribers", 0) for i in range(HOSTS)]
        if all(n >= 1 for n in readers):
            break
        if time.monotonic() - start > 10:
            raise Failure(f"GET /v1/events: readers connected per agent (from GET /metrics "
                          f"rumor_event_stream_subscribers): {readers}")
        time.sleep(0.2)
    say(f"  event streams (GET /v1/events) connected on all 5 in {time.monotonic() - start:.1f} s")


def check_impairment(lab):
    received, rtts = lab.udp_probe(0, 1)
    loss = 1 - received / 100
    if not rtts:
        raise Failure("impairment probe: no UDP echo came back at all")
    median = statistics.median(rtts)
    say(f"  impairment probe h1->h2->h1 (UDP, 100 datagrams): {loss:.0%} lost "
        f"(expect ~{1 - (1 - LOSS) ** 2:.0%}), RTT median {median:.1f} ms "
        f"(expect ~{2 * DELAY_MS} ms), min {rtts[0]:.1f}, max {rtts[-1]:.1f}")
    if not (2 * DELAY_MS * 0.9 <= median <= 2 * DELAY_MS * 1.5):
        raise Failure(f"impairment not in effect: median RTT {median:.1f} ms")
    if not (0.03 <= loss <= 0.45):
        raise Failure(f"impairment not in effect: loss {loss:.0%}")


def scenario_loss_latency(lab):
    seconds = lab.args.impair_seconds
    say(f"  checks: with {LOSS:.0%} loss and {DELAY_MS} ms one-way latency on every host for "
        f"{seconds:g} s, every host lists all 5, alive or suspect, at every poll (1/s); "
        f"never failed")
    wait_for(lab, "convergence before the scenario", lambda v: all_alive(lab, v), timeout=30)
    before = suspicion_metrics(lab)
    try:
        lab.impair()
        check_impairment(lab)
        watch = Watch(lab)
        watch_for(lab, seconds, watch)
    finally:
        lab.unimpair()
    watch.finish()
    say(f"  {watch.summary()}")
    say(f"  agent counters over the scenario: {metrics_delta(before, suspicion_metrics(lab))}")
    t = wait_for(lab, "all alive after the impairment", lambda v: all_alive(lab, v), timeout=30)
    say(f"  impairment removed; all 5 alive everywhere {t:.1f} s later")


def scenario_partition(lab):
    victim = HOSTS - 1
    v_name = lab.names[victim]
    others = [i for i in range(HOSTS) if i != victim]
    say(f"  checks: {v_name} unplugged from the switch -> the other 4 mark it failed and keep "
        f"each other alive; plugged back -> all 5 see 5 alive")
    wait_for(lab, "convergence before the scenario", lambda v: all_alive(lab, v), timeout=30)

    first_suspect = None
    start = time.monotonic()

    def victim_failed_everywhere(views):
        nonlocal first_suspect
        done = True
        for i in others:
            v = views[i]
            if isinstance(v, str):
                raise Failure(f"{lab.names[i]}'s agent gave no member list: {v}")
            for j in others:  # no collateral damage among the connected four
                status = v.get(lab.names[j], {}).get("status")
                if status not in ("alive", "suspect"):
                    raise Failure(f"during the partition, {lab.names[i]} reports "
                                  f"{lab.names[j]} {status} ({describe(v)})")
            status = v.get(v_name, {}).get("status")
            if status == "suspect" and first_suspect is None:
                first_suspect = time.monotonic() - start
            if status != "failed":
                done = False
        return done

    def first_events(kinds, since, observers, member=None):
        """Per observer: seconds from `since` to its first event of `kinds` about `member`
        (about every other member when None: the time the last of them arrived)."""
        events = lab.events(since, time.monotonic())
        out = []
        for i in observers:
            wanted = [member] if member else [lab.names[j] for j in range(HOSTS) if j != i]
            times = [min((t for t, o, k, n, _ in events if o == i and k in kinds and n == w),
                         default=None) for w in wanted]
            out.append(f"{lab.names[i]} " + ("-" if None in times else
                                             f"{max(times) - since:.1f} s"))
        return ", ".join(out)

    cut = time.monotonic()
    lab.unplug(victim)
    try:
        t_failed = wait_for(lab, f"the other 4 marking {v_name} failed", victim_failed_everywhere,
                            timeout=lab.args.detect_timeout, observers=others)
        shown = f"{first_suspect:.1f} s" if first_suspect is not None else "not seen by a poll"
        say(f"  {v_name} marked failed by all 4 others {t_failed:.1f} s after the cut "
            f"(polls; first suspect seen at {shown})")
        say(f"    member-suspect events: {first_events({'member-suspect'}, cut, others, v_name)}")
        say(f"    member-failed events:  {first_events({'member-failed'}, cut, others, v_name)}")
        # Let the cut-off host give up on the others too, so the heal below is the hard case:
        # both sides hold the other failed, and only reconnecting (Serf's reconnector) or
        # gossip to the dead brings them back. It takes longer than the others took: nobody
        # can confirm its suspicions, so each runs to the longest suspicion timeout (Lifeguard:
        # 6 x the shortest, 24 s in the lan profile), and its probes slow down as its
        # awareness score grows. A member failed for gossip_to_the_dead_time (30 s) may
        # already have left the list (memberlist forgets it): absent counts as given up.
        def victim_gave_up(views):
            v = views[victim]
            return not isinstance(v, str) and all(
                v.get(lab.names[j], {}).get("status", "failed") == "failed" for j in others)

        wait_for(lab, f"{v_name} marking the other 4 failed", victim_gave_up,
                 timeout=cut + lab.args.isolated_timeout - time.monotonic(), observers=[victim])
        say(f"  {v_name} itself gave up on all 4 others {time.monotonic() - cut:.1f} s after "
            f"the cut (polls)")
        say(f"    its member-failed events, the last of the 4: "
            f"{first_events({'member-failed'}, cut, [victim])}")
        views = lab.views()
        for i in range(HOSTS):
            v = views[i]
            if isinstance(v, str):
                continue
            gone = [lab.names[j] for j in (others if i == victim else [victim])
                    if lab.names[j] not in v]
            say(f"    just before the heal, {lab.names[i]} sees: {describe(v)}"
                + (f" ({', '.join(gone)} no longer listed)" if gone else ""))
    finally:
        healed_at = time.monotonic()
        lab.plug(victim)
    t_heal = wait_for(lab, "all alive after the partition heals", lambda v: all_alive(lab, v),
                      timeout=lab.args.heal_timeout)
    say(f"  healed: all 5 see 5 alive {t_heal:.1f} s after plugging {v_name} back in (polls)")
    alive = {"member-alive", "member-join"}
    say(f"    {v_name} back, per observer (events): "
        f"{first_events(alive, healed_at, others, v_name)}")
    say(f"    {v_name} sees all 4 back (events, the last of the 4): "
        f"{first_events(alive, healed_at, [victim])}")


def scenario_oneway_udp(lab):
    victim = 2
    v_name = lab.names[victim]
    seconds = lab.args.oneway_seconds
    say(f"  checks: {v_name} drops all inbound UDP (TCP open) for {seconds:g} s -> nobody is "
        f"ever marked failed (memberlist's TCP fallback ping); suspicions are counted")
    wait_for(lab, "convergence before the scenario", lambda v: all_alive(lab, v), timeout=30)
    before = suspicion_metrics(lab)
    lab.block_udp_in(victim)
    try:
        received, _ = lab.udp_probe(0, victim, count=20, wait=0.5)
        if received:
            raise Failure(f"harness: {received} of 20 UDP datagrams reached {v_name} although "
                          f"its inbound UDP is dropped")
        if not lab.tcp_connects(0, victim, GOSSIP_PORT):
            raise Failure(f"harness: TCP from h1 to {v_name}:{GOSSIP_PORT} does not connect")
        say(f"  verified: UDP to {v_name} is dropped, TCP to {v_name}:{GOSSIP_PORT} connects")
        watch = Watch(lab)
        watch_for(lab, seconds, watch)
    finally:
        lab.unblock_udp_in(victim)
    watch.finish()
    say(f"  {watch.summary()}")
    say(f"  agent counters over the scenario: {metrics_delta(before, suspicion_metrics(lab))}")


# --- without agents: the namespaces and impairments alone --------------------------------------

def net_only(lab):
    """Checks the harness itself with plain sockets: connectivity, the loss+latency
    emulation, the partition and the one-way UDP block."""
    received, rtts = lab.udp_probe(0, 1, count=50)
    say(f"  clean link h1<->h2: {received}/50 echoed, RTT median {statistics.median(rtts):.2f} ms")
    if received < 50:
        raise Failure("clean link lost packets")
    try:
        lab.impair()
        check_impairment(lab)
    finally:
        lab.unimpair()
    lab.unplug(4)
    try:
        received, _ = lab.udp_probe(0, 4, count=20, wait=0.5)
        say(f"  h5 unplugged: {received}/20 echoed")
        if received:
            raise Failure("partition leaks")
    finally:
        lab.plug(4)
    received, _ = lab.udp_probe(0, 4, count=20, wait=0.5)
    say(f"  h5 plugged back: {received}/20 echoed")
    if received < 20:
        raise Failure("partition did not heal")
    listener = lab.spawn("tcp listener h3", 2, [sys.executable, "-c", _TCP_LISTEN, lab.addr(2),
                                                str(GOSSIP_PORT), "10"])
    lab.block_udp_in(2)
    try:
        time.sleep(0.3)
        received, _ = lab.udp_probe(0, 2, count=20, wait=0.5)
        tcp = lab.tcp_connects(0, 2, GOSSIP_PORT)
        say(f"  h3 inbound UDP blocked: {received}/20 UDP echoed, TCP connect: {tcp}")
        if received or not tcp:
            raise Failure("one-way UDP block is wrong")
    finally:
        lab.unblock_udp_in(2)
        listener.kill()


# --- main --------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rumor", help="the rumor binary (runs `rumor agent`, `rumor members`)")
    ap.add_argument("--nfq-delay", help="the nfq_delay binary (latency when there is no netem)")
    ap.add_argument("--net-only", action="store_true",
                    help="check the namespaces and impairments with plain sockets, no agent")
    ap.add_argument("--impair", choices=("auto", "netem", "nfqueue"), default="auto")
    ap.add_argument("--profile", default="lan", help="the agents' --profile [lan]")
    ap.add_argument("--reconnect-interval", type=float, default=3,
                    help="the agents' --reconnect-interval, seconds [3]")
    ap.add_argument("--impair-seconds", type=float, default=60)
    ap.add_argument("--oneway-seconds", type=float, default=30)
    ap.add_argument("--detect-timeout", type=float, default=45,
                    help="seconds allowed for the partitioned host to be marked failed [45]")
    ap.add_argument("--isolated-timeout", type=float, default=90,
                    help="seconds from the cut allowed for the partitioned host to mark all "
                         "the others failed [90]")
    ap.add_argument("--heal-timeout", type=float, default=45,
                    help="seconds allowed for all to be alive again after the heal [45]")
    ap.add_argument("--only", help="comma-separated scenario names to run (converge always runs)")
    ap.add_argument("--keep-logs", action="store_true", help="keep the agents' logs")
    args = ap.parse_args()

    if os.geteuid() != 0:
        say("SKIP: the e2e suite needs root (network namespaces, iptables)")
        return SKIP
    if not shutil.which("ip"):
        say("SKIP: `ip` (iproute2) not found")
        return SKIP
    if not args.net_only:
        if not args.rumor or not os.access(args.rumor, os.X_OK):
            say(f"error: --rumor must name the rumor binary, got {args.rumor!r}")
            return 2
        r = subprocess.run([args.rumor, "agent", "--help"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            say(f"error: `{args.rumor} agent --help` exited {r.returncode}: no agent to test")
            return 2

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop)

    scenarios = [("converge", scenario_converge), ("loss+latency", scenario_loss_latency),
                 ("partition", scenario_partition), ("one-way UDP", scenario_oneway_udp)]
    if args.only:
        wanted = {"converge", *args.only.split(",")}
        scenarios = [s for s in scenarios if s[0] in wanted]
    if args.net_only:
        scenarios = [("net-only", net_only)]

    t0 = time.monotonic()
    results = []
    lab = Lab(args)
    try:
        say("== setup")
        lab.setup()
        lab.probe_impairment()
        for n, (name, fn) in enumerate(scenarios, 1):
            say(f"== step {n}: {name}")
            started = time.monotonic()
            try:
                fn(lab)
                results.append((name, "PASS", time.monotonic() - started, ""))
                say(f"PASS step {n}: {name} ({time.monotonic() - started:.1f} s)")
            except Failure as e:
                results.append((name, "FAIL", time.monotonic() - started, str(e)))
                say(f"FAIL step {n}: {name}: {e}")
                for i, (p, _) in sorted(lab.agents.items()):
                    say(lab.tail_of(p, 12))
                if name == "converge" or lab.agents_lost():
                    break  # nothing else can run on a cluster that never formed or lost agents
    except Skipped as e:
        say(f"SKIP: {e}")
        return SKIP
    except Failure as e:
        say(f"FAIL (harness): {e}")
        results.append(("harness", "FAIL", 0, str(e)))
    except Stop as e:
        say(f"ABORTED: {e}")
        results.append(("aborted", "FAIL", 0, str(e)))
    finally:
        say("== cleanup")
        # A second signal during cleanup must not cut it short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        lab.cleanup()

    say("== summary")
    for name, verdict, secs, why in results:
        say(f"  {verdict}  {name:<14} {secs:6.1f} s  {why.splitlines()[0] if why else ''}")
    passed = sum(1 for r in results if r[1] == "PASS")
    failed = len(results) - passed
    say(f"  total {time.monotonic() - t0:.1f} s, emulation: {lab.impair_mode}")
    say(f"e2e: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
