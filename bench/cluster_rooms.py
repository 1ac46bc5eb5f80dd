#!/usr/bin/env python3
"""What a cluster node hears of Redis: its own rooms' traffic, not the cluster's.

usage: bench/cluster_rooms.py [--json] SOCKIT [MESSAGES] [NODES]

Starts one redis-server and NODES (default 4) `SOCKIT chat serve --cluster` nodes on loopback.
Each node has rooms of its own (4, disjoint from the other nodes'), one reader in all of them
(drained) and one publisher that sends MESSAGES (default 2000) broadcasts of 100 bytes over
them, 20 unacknowledged at most; all nodes publish at once. Everyone has left the lobby.

Measured over the publishing, in bytes as Redis sends them (RESP):
- node: what the node received on its subscriptions (sockit_chat_cluster_subscription_bytes_total);
- own: what a client subscribed to exactly that node's rooms' channels received — the node's
  own rooms' traffic;
- pattern: what a client subscribed to `PSUBSCRIBE sockit:room:*` received: what every node
  received before sockit subscribed per room (one such subscription per node and instance).
ratio_after = node / own (1.0 is ideal), ratio_before = pattern / own. Prints one JSON object
with --json (for bench/run), a table otherwise.
"""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from harness import free_port  # noqa: E402  (the tests' loopback helpers)

as_json = sys.argv[1:2] == ["--json"]
args = sys.argv[2:] if as_json else sys.argv[1:]
sockit = args[0]
messages = int(args[1]) if len(args) > 1 else 2000
node_count = int(args[2]) if len(args) > 2 else 4
ROOMS = 4
WINDOW = 20
TEXT = "x" * 100


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("nothing listens on %d" % port)


def resp(*words):
    return ("*%d\r\n" % len(words)).encode() + b"".join(
        b"$%d\r\n%s\r\n" % (len(w), w) for w in (x.encode() for x in words))


class Probe(threading.Thread):
    """A Redis subscriber that counts the bytes it receives."""

    def __init__(self, port, *command):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(resp(*command))
        self.bytes = 0
        self.start()

    def run(self):
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                self.bytes += len(chunk)
        except OSError:
            return


class Client:
    """A chat client on a node's TCP port; `drain` reads and drops everything in a thread."""

    def __init__(self, port, nick):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb")
        self.ask({"type": "login", "nickname": nick}, "login")

    def send(self, obj):
        self.sock.sendall((json.dumps(obj) + "\n").encode())

    def ask(self, obj, answer):
        self.send(obj)
        while True:
            m = json.loads(self.f.readline())
            if m.get("type") == answer:
                return m
            if m.get("type") == "error":
                raise SystemExit("%r: %r" % (obj, m))

    def drain(self):
        def run():
            try:
                while self.f.readline():
                    pass
            except OSError:
                pass
        threading.Thread(target=run, daemon=True).start()

    def publish(self, rooms, count):
        sent = acked = 0
        while acked < count:
            while sent < count and sent - acked < WINDOW:
                sent += 1
                self.send({"type": "broadcast", "room": rooms[sent % len(rooms)], "message": TEXT,
                           "req": sent})
            m = json.loads(self.f.readline())
            if m.get("type") == "ack":
                acked += 1
            elif m.get("type") == "error":
                raise SystemExit("broadcast: %r" % m)


def metric(web, name):
    c = http.client.HTTPConnection("127.0.0.1", web, timeout=5)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    return int(re.search(r"^%s (\d+)" % name, text, re.M).group(1))


def main():
    work = tempfile.mkdtemp(prefix="sockit-cluster-rooms-")
    procs = []
    try:
        port = free_port()
        procs.append(subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL))
        wait_port(port)
        nodes = []
        for n in range(node_count):
            p = subprocess.Popen([sockit, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                                  "--cluster", "redis://127.0.0.1:%d" % port, "--node-id", "bench%d" % n,
                                  "--threads", "1", "--rate", "1000000", "--burst", "1000000",
                                  "--data", "none", "--log-level", "warn"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            procs.append(p)
            out = b""
            while b"web page on" not in out:
                line = p.stdout.readline()
                if not line:
                    raise SystemExit("node %d did not start: %r" % (n, out))
                out += line
            tcp = int(re.search(rb"listening on 127\.0\.0\.1:(\d+)", out).group(1))
            web = int(re.search(rb"web page on http://127\.0\.0\.1:(\d+)/", out).group(1))
            nodes.append({"tcp": tcp, "web": web, "rooms": ["n%d-room%d" % (n, k) for k in range(ROOMS)]})
        for n, node in enumerate(nodes):
            deadline = time.time() + 15
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", node["web"], timeout=2)
                    c.request("GET", "/healthz")
                    if c.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.time() > deadline:
                    raise SystemExit("node %d never became healthy" % n)
                time.sleep(0.05)
            node["reader"] = Client(node["tcp"], "reader%d" % n)
            node["publisher"] = Client(node["tcp"], "publisher%d" % n)
            for c in (node["reader"], node["publisher"]):
                for room in node["rooms"]:
                    c.ask({"type": "join", "room": room}, "join")
                c.ask({"type": "leave", "room": "lobby"}, "leave")
            node["reader"].drain()
        pattern = Probe(port, "PSUBSCRIBE", "sockit:room:*")
        own = [Probe(port, "SUBSCRIBE", *["sockit:room:" + r for r in node["rooms"]]) for node in nodes]
        time.sleep(0.5)  # the notices of the joins and leaves above are past
        start = {"pattern": pattern.bytes, "own": [p.bytes for p in own],
                 "node": [metric(node["web"], "sockit_chat_cluster_subscription_bytes_total") for node in nodes]}
        began = time.time()
        threads = [threading.Thread(target=node["publisher"].publish, args=(node["rooms"], messages))
                   for node in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.time() - began
        time.sleep(0.5)  # the last messages reach the nodes and the probes
        node_bytes = [metric(node["web"], "sockit_chat_cluster_subscription_bytes_total") - b
                      for node, b in zip(nodes, start["node"])]
        own_bytes = [p.bytes - b for p, b in zip(own, start["own"])]
        pattern_bytes = pattern.bytes - start["pattern"]
        after = [nb / ob for nb, ob in zip(node_bytes, own_bytes)]
        before = [pattern_bytes / ob for ob in own_bytes]
        result = {"nodes": node_count, "messages": messages * node_count, "seconds": took,
                  "node_bytes": node_bytes, "own_bytes": own_bytes, "pattern_bytes": pattern_bytes,
                  "ratio_after": max(after), "ratio_before": min(before)}
        if as_json:
            print(json.dumps(result))
        else:
            print("%d nodes, %d rooms each, %d broadcasts of %d B in %.1f s" %
                  (node_count, ROOMS, messages * node_count, len(TEXT), took))
            print("node  bytes from Redis  own rooms' bytes  after (node/own)  before (PSUBSCRIBE/own)")
            for n in range(node_count):
                print("%4d  %16d  %16d  %16.3f  %23.3f" % (n, node_bytes[n], own_bytes[n], after[n], before[n]))
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
