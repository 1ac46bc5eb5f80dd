#!/usr/bin/env python3
"""What a durable ack costs: round trips of broadcast->ack against ping->pong on one server.

usage: bench/ack_latency.py [--json] SOCKIT [SECONDS] [PUBLISHERS]

Starts `SOCKIT chat serve` on loopback with a fresh --data directory, logs in PUBLISHERS
clients (default 4) that each send their next broadcast (64 B, with req) when the previous
one is acknowledged, for SECONDS (default 5), then the same clients ping-pong for SECONDS.
The ack waits for the SQLite commit (group commit); the pong waits for nothing, so the
difference is the price of durability. Prints p50/p99/max of both and answers per second
(one JSON object with --json, for bench/run).
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

as_json = sys.argv[1:2] == ["--json"]
args = sys.argv[2:] if as_json else sys.argv[1:]
sockit = args[0]
seconds = float(args[1]) if len(args) > 1 else 5.0
publishers = int(args[2]) if len(args) > 2 else 4


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100.0 * len(values)))] * 1000.0


def client(port, nick):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    s.sendall((json.dumps({"type": "login", "nickname": nick}) + "\n").encode())
    while json.loads(f.readline()).get("type") != "login":
        pass
    return s, f


def loop(s, f, request, answer, until, out):
    while time.time() < until:
        start = time.perf_counter()
        s.sendall(request)
        while json.loads(f.readline()).get("type") != answer:
            pass
        out.append(time.perf_counter() - start)


def phase(clients, request, answer):
    results = [[] for _ in clients]
    until = time.time() + seconds
    threads = [threading.Thread(target=loop, args=(s, f, request, answer, until, out))
               for (s, f), out in zip(clients, results)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for r in results for x in r]


with tempfile.TemporaryDirectory() as data:
    server = subprocess.Popen([sockit, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none",
                               "--data", data, "--rate", "1000000", "--burst", "1000000",
                               "--log-level", "warn"], stdout=subprocess.PIPE)
    port = int(re.search(r":(\d+) ", server.stdout.readline().decode()).group(1))
    clients = [client(port, "pub%d" % i) for i in range(publishers)]
    broadcast = (json.dumps({"type": "broadcast", "message": "m" * 64, "req": 1}) + "\n").encode()
    acks = phase(clients, broadcast, "ack")
    pongs = phase(clients, (json.dumps({"type": "ping", "req": 1}) + "\n").encode(), "pong")
    server.terminate()
    server.wait(10)

if as_json:
    print(json.dumps({"publishers": publishers,
                      "ack_rate": len(acks) / seconds, "pong_rate": len(pongs) / seconds,
                      "ack_p50_ms": percentile(acks, 50), "ack_p99_ms": percentile(acks, 99),
                      "pong_p50_ms": percentile(pongs, 50), "pong_p99_ms": percentile(pongs, 99)}))
    sys.exit(0)
for name, xs in (("broadcast->ack", acks), ("ping->pong", pongs)):
    print("%-15s n=%-7d %8.0f/s  p50 %6.3f ms  p99 %6.3f ms  max %6.3f ms"
          % (name, len(xs), len(xs) / seconds, percentile(xs, 50), percentile(xs, 99),
             max(xs) * 1000.0))
