#!/usr/bin/env python3
"""Server memory for TLS connections that never send a ClientHello (port scanners, idle or
half-dead clients, a flood): starts `sockit http serve` and `sockit chat serve` with a test
certificate, opens N silent connections to the TLS port, and prints one JSON object a server:
the growth of its RSS divided by N while they are open, and its RSS after each of ROUNDS
floods of N connections opened and closed (memory given back after a flood, or not).

    bench/tls_idle.py SOCKIT_BINARY [N] [ROUNDS]        (defaults: 3000, 6)"""
import json
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import time


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024


def sockets_of(pid):
    fd_dir = "/proc/%d/fd" % pid
    count = 0
    for name in os.listdir(fd_dir):
        try:
            count += os.readlink(os.path.join(fd_dir, name)).startswith("socket:")
        except OSError:
            pass
    return count


def settle(pid, want_at_least=None, want_at_most=None):
    """Waits until the server holds at least/at most so many sockets, then a moment more."""
    deadline = time.time() + 30
    while time.time() < deadline:
        n = sockets_of(pid)
        if (want_at_least is None or n >= want_at_least) and (want_at_most is None or n <= want_at_most):
            break
        time.sleep(0.05)
    time.sleep(0.5)


def silent_connection(port):
    c = socket.create_connection(("127.0.0.1", port))
    # Closed with a reset, as a flood's clients vanish: no TIME_WAIT holding the ephemeral
    # ports of six floods (and bench/run's scenarios after this one).
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return c


def flood(pid, port, n, base):
    clients = [silent_connection(port) for _ in range(n)]
    settle(pid, want_at_least=base + n)
    held = rss(pid)
    for c in clients:
        c.close()
    settle(pid, want_at_most=base)
    return held, rss(pid)


def measure(sockit, args, n, rounds):
    server = subprocess.Popen([sockit] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = server.stdout.readline().decode()
    port = int(re.search(r"listening on \S*:(\d+)", line).group(1))
    time.sleep(0.5)
    base_sockets, before = sockets_of(server.pid), rss(server.pid)
    rounds_rss, per_connection = [], None
    for r in range(rounds):
        held, after = flood(server.pid, port, n, base_sockets)
        if r == 0:
            per_connection = (held - before) / n
        rounds_rss.append(after)
    server.terminate()
    server.wait(30)
    return {"connections": n, "rss_before": before, "bytes_per_silent_connection": per_connection,
            "rss_after_each_flood": rounds_rss, "last_flood_over_first": rounds_rss[-1] / rounds_rss[0]}


def main():
    sockit = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory() as pki:
        key, cert = os.path.join(pki, "key.pem"), os.path.join(pki, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        tls = ["--tls-cert", cert, "--tls-key", key, "--max-clients", str(n + 100), "--log-level", "error"]
        servers = {
            "http": ["http", "serve", pki, "--listen", "127.0.0.1:0", "--quiet", "--header-timeout", "3600"],
            "chat": ["chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--data", "none",
                     "--login-timeout", "3600"],
        }
        for name, args in servers.items():
            result = measure(sockit, args + tls, n, rounds)
            print(json.dumps({"scenario": "tls-idle", "server": name, **result}))


if __name__ == "__main__":
    main()
