"""What the multi-process tests share (tests/net/agent_cluster_test.py,
tests/interop/serf_interop_test.py): free loopback ports and waiting for an outcome with a
deadline (never a fixed sleep that decides a result)."""
import http.client
import socket
import subprocess
import time


def free_port():
    """A port free for both UDP and TCP right now."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue


def wait_for(what, predicate, deadline_s, poll_s=0.05):
    """predicate()'s first truthy value before the deadline; errors on the way count as not
    yet. Raises AssertionError naming `what` and the last value."""
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, ValueError, KeyError, AssertionError, http.client.HTTPException,
                subprocess.SubprocessError):
            pass
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {deadline_s}s waiting for {what} (last: {last!r})")
