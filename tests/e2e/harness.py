# What the Python end-to-end scenarios share: failing with a reason, waiting with a deadline,
# free loopback ports, and child processes that are killed at exit whatever happened.
import atexit
import os
import select
import socket
import subprocess
import sys
import time

PROCS = []


@atexit.register
def kill_all():
    for p in PROCS:
        if p.poll() is None:
            p.kill()


def spawn(args, **kwargs):
    """subprocess.Popen, killed at exit if still running."""
    proc = subprocess.Popen(args, **kwargs)
    PROCS.append(proc)
    return proc


def fail(why):
    print("FAIL:", why, flush=True)
    sys.exit(1)


def check(cond, why):
    if not cond:
        fail(why)


def wait_until(cond, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_until(proc, done, timeout=20):
    """What `proc` printed on stdout until done(output) holds (or it ended, or the timeout)."""
    out = b""
    deadline = time.time() + timeout
    while not done(out) and time.time() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            out += chunk
    return out
