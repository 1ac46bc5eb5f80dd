#!/usr/bin/env python3
"""Server memory per idle WebSocket chat user: starts `sockit chat serve`, opens N WebSocket
connections to /ws (each logs in and leaves the lobby, as `sockit-bench conns` does over TCP),
and prints the growth of the server's RSS divided by N as one JSON object.

    bench/ws_idle.py SOCKIT_BINARY [N]"""
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from ws_client import WsClient  # noqa: E402  (the tests' independent WebSocket client)


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024


def main():
    sockit, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = subprocess.Popen([sockit, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                               "--data", "none", "--max-clients", str(n + 100), "--log-level", "warn",
                               "--ws-idle", "3600"], stdout=subprocess.PIPE)
    server.stdout.readline()
    web = int(re.search(r":(\d+)/", server.stdout.readline().decode()).group(1))
    time.sleep(0.5)
    before = rss(server.pid)
    clients = []
    for i in range(n):
        w = WsClient(web)
        w.send(type="login", nickname="idle%d" % i)
        w.send(type="leave", room="lobby", req=1)
        w.recv_type("leave")
        clients.append(w)
    time.sleep(1)
    after = rss(server.pid)
    print(json.dumps({"scenario": "ws-idle", "connections": n, "rss_before": before, "rss_after": after,
                      "bytes_per_connection": (after - before) / n}))
    server.send_signal(signal.SIGTERM)
    server.wait(30)


if __name__ == "__main__":
    main()
