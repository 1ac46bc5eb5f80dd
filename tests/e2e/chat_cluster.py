#!/usr/bin/env python3
"""Chat cluster scenarios: a real redis-server and several `sockit chat serve --cluster` nodes,
all on loopback, driven by Python 3 standard-library clients (TCP and WebSocket).

usage: chat_cluster.py SOCKIT SCENARIO WORKDIR
SCENARIO: basics | order | kill9 | restart | redis-oom | redis-restart | race | resend | accounts |
          subscriptions | nginx
Prints what it checked; exits non-zero (with the reason) on the first broken guarantee.
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chat_client import Client  # noqa: E402
from harness import check, fail, free_port, read_until, spawn, wait_until  # noqa: E402
from redis_server import RedisServer  # noqa: E402
from ws_client import WsClient  # noqa: E402

SOCKIT, SCENARIO, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
TTL = 3  # --node-ttl of the test nodes, seconds


class Redis(RedisServer):
    """redis-server for this scenario, its files in WORK."""

    def __init__(self):
        super().__init__(WORK)


class Node:
    """`sockit chat serve --cluster` with a TCP port and a web port; with wait, once it has its
    place in the cluster (/healthz 200)."""

    def __init__(self, redis_urls, name, ttl=TTL, wait=True, extra=()):
        self.name = name
        self.err = open(os.path.join(WORK, "node-%s.log" % name), "ab")
        args = [SOCKIT, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                "--node-id", name, "--node-ttl", str(ttl), "--rate", "100000",
                "--burst", "100000", "--grace", "1", "--data", "none", *extra]
        for url in redis_urls:
            args += ["--cluster", url]
        self.proc = spawn(args, stdout=subprocess.PIPE, stderr=self.err)
        out = read_until(self.proc, lambda o: b"web page on" in o)
        tcp = re.search(rb"listening on 127\.0\.0\.1:(\d+)", out)
        web = re.search(rb"web page on http://127\.0\.0\.1:(\d+)/", out)
        check(tcp and web, "node %s did not start: %r" % (name, out))
        self.tcp, self.web = int(tcp.group(1)), int(web.group(1))
        if wait:
            self.wait_ready()

    def wait_ready(self):
        wait_until(lambda: self.health() == 200, 15, "node %s to reach Redis" % self.name)

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.web, timeout=5)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read().decode()
        finally:
            c.close()

    def health(self):
        try:
            return self.get("/healthz")[0]
        except OSError:
            return None

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                fail("node %s did not stop on SIGTERM" % self.name)
            check(code == 0, "node %s exited with %s" % (self.name, code))


def user(node, nick, ws=False):
    c = WsClient(node.web) if ws else Client(node.tcp)
    c.login(nick)
    return c


def expect(client, kind, pred=lambda m: True, what=""):
    """The next message of type `kind` that satisfies pred, skipping others."""
    while True:
        m = client.recv()
        if m.get("type") == kind and pred(m):
            return m
        if m.get("type") == "error" and kind != "error":
            fail("%s: error %r" % (what or kind, m))


def request(client, req, **obj):
    client.send(req=req, **obj)
    return expect(client, "ack" if obj["type"] in ("broadcast", "direct") else obj["type"],
                  lambda m: m.get("req") == req, obj["type"])


def names(who):
    return sorted(u["nickname"] for u in who["users"])


# ---- Scenarios ----

def basics():
    r = Redis()
    a, b, c = Node([r.url], "a"), Node([r.url], "b"), Node([r.url], "c")
    alice = user(a, "Alice")
    bob = user(b, "Bob", ws=True)
    carol = user(c, "Carol")
    for client in (alice, bob, carol):
        who = request(client, 1, type="who", room="lobby")
        check(names(who) == ["Alice", "Bob", "Carol"], "who on every node: %r" % who)
    rooms = request(bob, 2, type="rooms")
    check({"room": "lobby", "members": 3} in rooms["rooms"], "rooms: %r" % rooms)
    print("who and rooms count the members of all three nodes")

    ack = request(alice, 3, type="broadcast", room="lobby", message="hello from a")
    for client in (bob, carol):
        m = expect(client, "broadcast", what="broadcast")
        check(m["message"] == "hello from a" and m["seq"] == ack["seq"] and
              m["sender_nickname"] == "Alice", "broadcast across nodes: %r / %r" % (m, ack))
    print("a broadcast reaches the other nodes with the sender's seq %d" % ack["seq"])

    request(alice, 4, type="direct", to="carol", message="psst")
    d = expect(carol, "direct")
    check(d["message"] == "psst" and d["sender_nickname"] == "Alice", "direct: %r" % d)
    alice.send(type="direct", to="nobody", message="x", req=5)
    e = expect(alice, "error")
    check(e["code"] == "no_such_user", "direct to nobody: %r" % e)
    print("direct reaches a user on another node; an unknown one is no_such_user")

    dup = Client(c.tcp)
    dup.send(type="login", nickname="alice")
    e = expect(dup, "error")
    check(e["code"] == "nickname_taken", "nickname taken on another node: %r" % e)
    print("a nickname held on node a is taken on node c")

    request(carol, 6, type="join", room="ops")
    request(bob, 7, type="join", room="ops")
    j = expect(carol, "system", lambda m: m["room"] == "ops" and "Bob" in m["message"])
    check("joined" in j["message"], "join notice across nodes: %r" % j)
    request(bob, 8, type="leave", room="ops")
    left = expect(carol, "system", lambda m: m["room"] == "ops" and "left" in m["message"])
    check(left["seq"] > j["seq"], "leave notice order: %r after %r" % (left, j))
    print("join and leave notices cross nodes in seq order")

    h = request(carol, 9, type="history", room="lobby", limit=50)
    texts = [json.loads(x)["message"] if isinstance(x, str) else x["message"] for x in h["messages"]]
    check("hello from a" in texts, "history from node c: %r" % h)
    seqs = [(json.loads(x) if isinstance(x, str) else x)["seq"] for x in h["messages"]]
    check(seqs == sorted(seqs), "history in seq order: %r" % seqs)
    older = request(bob, 10, type="history", room="lobby", limit=2, before=ack["seq"])
    check(all((json.loads(x) if isinstance(x, str) else x)["seq"] < ack["seq"]
              for x in older["messages"]), "history before: %r" % older)
    print("history by seq from any node")

    status, text = a.get("/metrics")
    check(status == 200 and "sockit_chat_cluster_redis_connected 1" in text, "metrics: %s" % text)
    check(a.health() == 200, "healthz")
    print("/healthz is 200 and /metrics has the cluster gauges")
    bob.close()
    wait_until(lambda: names(request(alice, 11, type="who", room="lobby")) == ["Alice", "Carol"],
               5, "Bob to leave who after his WebSocket closed")
    for n in (a, b, c):
        n.stop()
    r.stop()
    print("basics: ok")


class Checker:
    """Everything one client received in a room: each seq once, in increasing order."""

    def __init__(self, client, name):
        self.client, self.name = client, name
        self.got = {}  # seq -> (sender, text)
        self.last = 0
        self.error = None

    def take(self, m):
        if m.get("type") not in ("broadcast", "system") or m.get("room") != "load":
            return
        seq = m["seq"]
        if seq in self.got:
            self.error = "%s got seq %d twice" % (self.name, seq)
        elif seq <= self.last:
            self.error = "%s got seq %d after %d" % (self.name, seq, self.last)
        self.got[seq] = (m.get("sender_nickname"), m.get("message"))
        self.last = max(self.last, seq)


class Publisher(threading.Thread):
    """Sends COUNT messages to room "load" with req, at most WINDOW unacknowledged. With HOLD
    it goes on sending past COUNT until `release` is set (a test that must see it still
    publishing at some later moment, however fast the node is)."""

    def __init__(self, node, name, count, window=20, hold=False):
        super().__init__(daemon=True)
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.client = user(node, name)
        request(self.client, 0, type="join", room="load")
        self.name, self.count, self.window = name, count, window
        self.acked = {}  # text -> seq
        self.refused = 0
        self.checker = Checker(self.client, name)
        self.failure = None
        self.lost = False

    def run(self):
        try:
            sent = 0
            outstanding = 0
            def more():
                return sent < self.count or not self.release.is_set()

            while more() or outstanding > 0:
                while more() and outstanding < self.window:
                    sent += 1
                    self.client.send(type="broadcast", room="load", message="%s-%d" % (self.name, sent),
                                     req=sent)
                    outstanding += 1
                m = self.client.recv()
                if m.get("type") == "ack":
                    self.acked["%s-%d" % (self.name, m["req"])] = m["seq"]
                    outstanding -= 1
                elif m.get("type") == "error" and m.get("req"):
                    check(m["code"] == "cluster_unavailable", "%s: %r" % (self.name, m))
                    self.refused += 1
                    outstanding -= 1
                    time.sleep(0.01)
                else:
                    self.checker.take(m)
        except (EOFError, OSError) as e:
            self.lost = True
            self.failure = "%s: %s" % (self.name, e)


def drain(checker, until, timeout):
    """Reads until `until()` holds or the connection is quiet for `timeout` seconds."""
    checker.client.sock.settimeout(timeout)
    try:
        while not until():
            checker.take(checker.client.recv())
    except socket.timeout:
        pass


def verify(checkers, acked, what):
    """Every acked message reached every checker once, all in one seq order."""
    by_seq = {}
    for ch in checkers:
        check(ch.error is None, ch.error or "")
        for seq, v in ch.got.items():
            if by_seq.setdefault(seq, v) != v:
                fail("seq %d is %r on one node and %r on another" % (seq, by_seq[seq], v))
    for text, seq in acked.items():
        check(by_seq.get(seq, (None, None))[1] == text, "acked %s (seq %d) was not delivered" % (text, seq))
        sender = text.split("-")[0]
        for ch in checkers:
            if ch.name != sender:
                check(ch.got.get(seq, (None, None))[1] == text,
                      "%s missed acked %s (seq %d) %s; it got up to seq %d, %d in all" %
                      (ch.name, text, seq, what, ch.last, len(ch.got)))


def order():
    r = Redis()
    nodes = [Node([r.url], "a"), Node([r.url], "b"), Node([r.url], "c")]
    readers = []
    for i, n in enumerate(nodes):
        c = user(n, "reader%d" % i, ws=(i == 1))
        request(c, 0, type="join", room="load")
        readers.append(Checker(c, "reader%d" % i))
    pubs = [Publisher(nodes[i % 3], "pub%d" % i, 1000) for i in range(10)]
    for p in pubs:
        p.start()
    for p in pubs:
        p.join(timeout=240)
        check(not p.is_alive() and p.failure is None, p.failure or "publisher %s hung" % p.name)
    acked = {}
    for p in pubs:
        acked.update(p.acked)
    check(len(acked) == 10000, "10,000 acks, got %d" % len(acked))
    last = max(acked.values())
    for ch in readers:
        drain(ch, lambda ch=ch: ch.last >= last, 10)
    for p in pubs:
        drain(p.checker, lambda p=p: p.checker.last >= last, 10)
    verify(readers + [p.checker for p in pubs], acked, "")
    for ch in readers:
        check(len([v for v in ch.got.values() if v[0] != "System"]) == 10000,
              "%s got %d messages" % (ch.name, len(ch.got)))
    print("order: 10,000 messages from 10 publishers on 3 nodes reached 13 readers exactly once,"
          " in one seq order")
    for n in nodes:
        n.stop()
    r.stop()


def counter(node, name):
    m = re.search(r"sockit_chat_cluster_%s (\d+)" % name, node.get("/metrics")[1])
    check(m, "/metrics of node %s has sockit_chat_cluster_%s" % (node.name, name))
    return int(m.group(1))


def restart():
    """kill -9 of a node with users, and at once a new start of it with the same --node-id (as
    systemd's Restart= does): the new run removes the old run's users while it starts, long
    before the old run's ttl would have."""
    ttl = 30  # node b's: the old users must be gone long before it
    r = Redis()
    a = Node([r.url], "a")
    b = Node([r.url], "b", ttl=ttl)
    watcher = user(a, "watcher")
    request(watcher, 1, type="join", room="ops")
    ghosts = [user(b, "ghost%d" % i, ws=(i == 0)) for i in range(3)]
    for g in ghosts:
        request(g, 1, type="join", room="ops")
    wait_until(lambda: names(request(watcher, 2, type="who", room="ops")) ==
               ["ghost0", "ghost1", "ghost2", "watcher"], 5, "who ops to list the users of both nodes")
    old_ids = {m["nickname"]: m["id"] for m in request(watcher, 3, type="who", room="ops")["users"]}

    b.kill9()
    killed = time.time()
    # Redis holds scripts for a moment, so that the new run is still taking its place when a
    # user logs in: the login waits until the old run's users are gone, and then the nickname
    # of one of them is free, not taken by its ghost.
    check(r.call("CLIENT", "PAUSE", "1500", "WRITE") == "OK", "CLIENT PAUSE")
    b = Node([r.url], "b", ttl=ttl, wait=False)
    early = Client(b.tcp)
    early.send(type="login", nickname="ghost1")
    check(b.health() == 503, "the new run is still starting while the login waits")
    answer = early.recv()
    check(answer.get("type") == "login" and answer.get("status") == "ok",
          "a login on the restarted node during its start-up: %r" % answer)
    check(answer["id"] != old_ids["ghost1"], "the new ghost1 has a new id: %r" % answer)
    b.wait_ready()
    started = time.time() - killed

    lefts = set()
    watcher.sock.settimeout(10)
    while len(lefts) < 6:
        m = watcher.recv()
        if m.get("type") == "system" and " left" in m["message"]:
            lefts.add((m["room"], m["message"].split("(")[0]))
    took = time.time() - killed
    check(lefts == {(room, "ghost%d" % i) for room in ("lobby", "ops") for i in range(3)},
          "left notices: %r" % lefts)
    check(took < ttl / 3, "the old run's users left %.1f s after the kill (node ttl %d s)" % (took, ttl))
    check(names(request(watcher, 4, type="who", room="ops")) == ["watcher"], "who ops after the restart")
    check(names(request(watcher, 5, type="who", room="lobby")) == ["ghost1", "watcher"],
          "who lobby after the restart (ghost1 logged in again)")
    for nick in ("ghost0", "ghost2"):
        c = Client(a.tcp)
        c.send(type="login", nickname=nick)
        m = c.recv()
        check(m.get("type") == "login" and m.get("status") == "ok", "%s is free again: %r" % (nick, m))
        c.close()
    runs = re.findall(r"node b \(incarnation (\w+)\)",
                      open(os.path.join(WORK, "node-b.log"), errors="replace").read())
    check(len(set(runs)) == 2, "each run of node b logged an incarnation of its own: %r" % runs)
    check(counter(a, "reaped_nodes_total") == 0, "node a did not reap: the new run of b did")
    print("restart: kill -9 of node b and a new start of it with the same id: its 3 users left"
          " lobby and ops %.1f s after the kill (the new run was ready after %.1f s; node ttl %d s),"
          " who is clean, their nicknames are free" % (took, started, ttl))
    a.stop()
    b.stop()
    r.stop()


def redis_oom():
    """Redis out of memory (maxmemory below what it uses, noeviction) for 8 s: heartbeats fail,
    and no node takes that for another node's death."""
    r = Redis()
    a, b = Node([r.url], "a"), Node([r.url], "b")
    alice, bob, carol = user(a, "alice"), user(b, "bob", ws=True), user(b, "carol")
    everyone = (alice, bob, carol)

    def take(m, what):
        check(not (m.get("type") == "system" and " left" in m.get("message", "")),
              "%s: a left notice: %r" % (what, m))

    def answer(client, req, what):
        """The answer to `req`, checking everything that comes before it."""
        while True:
            m = client.recv()
            if m.get("req") == req:
                return m
            take(m, what)

    def reach_everyone(sender, req, text, what):
        sender.send(type="broadcast", room="lobby", message=text, req=req)
        ack = answer(sender, req, what)
        check(ack.get("type") == "ack", "%s: a broadcast: %r" % (what, ack))
        for c in everyone:
            if c is sender:
                continue
            while True:
                m = c.recv()
                take(m, what)
                if m.get("type") == "broadcast" and m.get("message") == text:
                    check(m["seq"] == ack["seq"], "%s: %r / %r" % (what, m, ack))
                    break

    reach_everyone(alice, 1, "before", "before")
    # Both nodes have been judging others (they would reap a silent node now).
    wait_until(lambda: counter(a, "expiry_checks_total") > 0 and counter(b, "expiry_checks_total") > 0,
               3 * TTL, "both nodes to look for silent nodes")

    r.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
    check(r.call("CONFIG", "SET", "maxmemory", str(r.used_memory() // 2)) == "OK", "CONFIG SET maxmemory")
    start = time.time()
    refused = reads = 0
    req = 100
    while time.time() - start < 8:
        req += 1
        alice.send(type="broadcast", room="lobby", message="during %d" % req, req=req)
        m = answer(alice, req, "during")
        check(m.get("type") == "error" and m.get("code") == "cluster_unavailable",
              "a broadcast while Redis is out of memory: %r" % m)
        refused += 1
        bob.send(type="who", room="lobby", req=req)
        who = answer(bob, req, "during")
        check(who.get("type") == "who" and names(who) == ["alice", "bob", "carol"],
              "who while Redis is out of memory: %r" % who)
        carol.send(type="history", room="lobby", limit=5, req=req)
        h = answer(carol, req, "during")
        check(h.get("type") == "history", "history while Redis is out of memory: %r" % h)
        reads += 2
        time.sleep(0.2)
    failures = (counter(a, "heartbeat_failures_total"), counter(b, "heartbeat_failures_total"))
    check(min(failures) > 0, "heartbeats failed during the window: %r" % (failures,))
    checks = (counter(a, "expiry_checks_total"), counter(b, "expiry_checks_total"))
    r.call("CONFIG", "SET", "maxmemory", "0")
    print("redis-oom: 8 s out of memory: %d broadcasts answered cluster_unavailable, %d reads"
          " answered, heartbeats failed %d/%d times on nodes a/b" % (refused, reads, *failures))

    reach_everyone(alice, 1000, "after", "after")
    reach_everyone(bob, 1001, "after from b", "after")
    # Once both judge others again (a whole ttl of heartbeats after the window), nobody has gone.
    wait_until(lambda: counter(a, "expiry_checks_total") >= checks[0] + 2 and
               counter(b, "expiry_checks_total") >= checks[1] + 2, 4 * TTL,
               "both nodes to look for silent nodes again")
    reach_everyone(carol, 1002, "later", "after")
    check(names(request(alice, 1003, type="who", room="lobby")) == ["alice", "bob", "carol"], "who after")
    check(counter(a, "reaped_nodes_total") == 0 and counter(b, "reaped_nodes_total") == 0, "no node reaped")
    print("redis-oom: afterwards every user is still connected, none left, messages flow")
    a.stop()
    b.stop()
    r.stop()


def kill9():
    r = Redis()
    a, b, c = Node([r.url], "a"), Node([r.url], "b"), Node([r.url], "c")
    watcher = user(a, "watcher")
    request(watcher, 0, type="join", room="load")
    victims = [user(c, "victim%d" % i, ws=(i == 0)) for i in range(3)]
    for v in victims:
        request(v, 0, type="join", room="load")
    reader = Checker(user(b, "reader"), "reader")
    request(reader.client, 0, type="join", room="load")
    pubs = [Publisher(n, "pub%s" % n.name, 600, window=5) for n in (a, b)]
    for p in pubs:
        p.start()
    time.sleep(0.5)
    killed = time.time()
    c.kill9()
    lefts = set()
    watcher.sock.settimeout(TTL * 3)
    while len(lefts) < 3:
        m = watcher.recv()
        if m.get("type") == "system" and m["room"] == "load" and " left" in m["message"]:
            lefts.add(m["message"].split("(")[0])
    took = time.time() - killed
    check(lefts == {"victim0", "victim1", "victim2"}, "left notices: %r" % lefts)
    check(took <= TTL * 1.25 + 1, "the dead node's users left after %.1f s (ttl %d)" % (took, TTL))
    who = request(watcher, 1, type="who", room="load")
    check(not any(n.startswith("victim") for n in names(who)), "who after kill: %r" % who)
    def nickname_free():  # freed right after the seats (one more script): retry briefly
        c = Client(a.tcp)
        c.send(type="login", nickname="victim0")
        answer = c.recv()
        c.close()
        return answer.get("status") == "ok"
    wait_until(nickname_free, 5, "the dead node's nickname to be free again")
    print("kill -9 of a node: its 3 users left every room within %.1f s (node ttl %d s)" % (took, TTL))
    for p in pubs:
        p.join(timeout=120)
        check(p.failure is None and not p.is_alive(), p.failure or "publisher hung")
    acked = {}
    for p in pubs:
        acked.update(p.acked)
    last = max(acked.values())
    for ch in [reader] + [p.checker for p in pubs]:
        drain(ch, lambda ch=ch: ch.last >= last, 10)
    verify([reader] + [p.checker for p in pubs], acked, "")
    print("kill9: %d messages published through the kill reached the survivors exactly once, in order"
          % len(acked))
    a.stop()
    b.stop()
    r.stop()


def caught_up(node):
    m = re.search(r"sockit_chat_cluster_caught_up_total (\d+)", node.get("/metrics")[1])
    return int(m.group(1)) if m else 0


def redis_restart():
    r = Redis()
    a, b = Node([r.url], "a"), Node([r.url], "b")
    reader = Checker(user(b, "reader", ws=True), "reader")
    request(reader.client, 0, type="join", room="load")
    pub = Publisher(a, "pub", 3000, window=5, hold=True)
    pub.start()
    time.sleep(0.5)
    # First only node b's connections drop (Redis stays up, node a goes on publishing): what
    # is published while b connects and subscribes again must come from the streams.
    with socket.create_connection(("127.0.0.1", r.port), timeout=5) as s:
        s.sendall(b"CLIENT LIST\r\n")
        listing = b""
        while not listing.endswith(b"\r\n") or listing.count(b"\n") < 2:
            listing += s.recv(65536)
        addr = re.search(rb"addr=(\S+) .*name=sockit-b-sub", listing)
        check(addr, "node b's subscription in CLIENT LIST: %r" % listing)
        s.sendall(b"CLIENT KILL " + addr.group(1) + b"\r\n")
        check(s.recv(64).startswith(b"+OK"), "CLIENT KILL answered")
    wait_until(lambda: caught_up(b) > 0, 10, "node b to read missed messages from the stream")
    print("node b's connections were cut: it read %d missed messages from the stream" % caught_up(b))
    time.sleep(0.3)
    r.stop()
    wait_until(lambda: a.health() == 503, 5, "/healthz to say degraded")
    time.sleep(1.0)
    check(pub.is_alive() and not pub.lost, "the publisher's connection stayed open")
    refused_during = pub.refused
    check(refused_during > 0, "requests while Redis was down were refused (cluster_unavailable)")
    r.start()
    wait_until(lambda: a.health() == 200 and b.health() == 200, 15, "the nodes to reconnect")
    pub.release.set()
    pub.join(timeout=120)
    check(pub.failure is None and not pub.is_alive(), pub.failure or "publisher hung")
    last = max(pub.acked.values())
    drain(reader, lambda: reader.last >= last, 10)
    verify([reader], pub.acked, "across the Redis restart")
    status, text = a.get("/metrics")
    m = re.search(r"sockit_chat_cluster_reconnects_total (\d+)", text)
    check(m and int(m.group(1)) >= 1, "reconnects counted: %s" % text)
    print("redis-restart: %d acked messages all reached the reader on the other node exactly once,"
          " %d refused while Redis was down; connections stayed open" % (len(pub.acked), pub.refused))
    a.stop()
    b.stop()
    r.stop()


def subscriptions():
    """A node subscribes to the channels of the rooms it has members in, and only those: none
    of other rooms' traffic reaches it; the last local member's leave unsubscribes; a first
    join misses nothing published while its SUBSCRIBE was on its way; a Redis restart brings
    the subscriptions back."""
    r = Redis()
    a, b = Node([r.url], "a"), Node([r.url], "b")

    def room_channels():
        return sorted(c[len("sockit:room:"):] for c in r.call("PUBSUB", "CHANNELS", "sockit:room:*"))

    def numsub(room):
        return r.call("PUBSUB", "NUMSUB", "sockit:room:" + room)[1]

    def links():
        """node -> (channels, patterns) its subscription link holds (its own channel included)"""
        out = {}
        for line in r.call("CLIENT", "LIST").splitlines():
            m = re.search(r"name=sockit-(\w+)-sub .*\bsub=(\d+) psub=(\d+)", line)
            if m:
                out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
        return out

    ann, amy, ben = user(a, "ann"), user(a, "amy"), user(b, "ben")
    request(ann, 1, type="join", room="red")
    request(ann, 2, type="join", room="green")
    request(ben, 1, type="join", room="blue")
    for c in (ann, amy, ben):
        request(c, 3, type="leave", room="lobby")
    wait_until(lambda: room_channels() == ["blue", "green", "red"], 5,
               "the rooms' channels to be those of the rooms with members: %r" % room_channels())
    check(links() == {"a": (4, 0), "b": (3, 0)},
          "node a holds its channel, the private lists', red and green; node b its channel, the"
          " private lists' and blue: %r" % links())
    check([numsub(x) for x in ("red", "green", "blue", "lobby")] == [1, 1, 1, 0], "PUBSUB NUMSUB")
    print("subscriptions: node a holds red and green, node b blue (PUBSUB CHANNELS, CLIENT LIST);"
          " the lobby, left by everyone, by nobody")

    before_a, before_b = counter(a, "subscription_bytes_total"), counter(b, "subscription_bytes_total")
    for k in range(100):
        request(ann, 100 + k, type="broadcast", room="red", message="red %d %s" % (k, "x" * 100))
    wait_until(lambda: counter(a, "subscription_bytes_total") >= before_a + 100 * 100, 5,
               "node a to receive its room's messages")
    time.sleep(0.3)
    check(counter(b, "subscription_bytes_total") == before_b,
          "node b received %d bytes of room red's traffic" % (counter(b, "subscription_bytes_total") - before_b))
    print("subscriptions: 100 messages in red: node a received %d bytes, node b none" %
          (counter(a, "subscription_bytes_total") - before_a))

    # A node's first member of a room joins while another node's member publishes there: she
    # gets every message from her join's notice on, without a gap, round after round.
    pub = Publisher(b, "pub", 1000, window=5, hold=True)
    pub.start()
    rounds = 6
    for n in range(rounds):
        seqs = []
        amy.send(type="join", room="load", req=1000 + n)
        while True:
            m = amy.recv()
            if m.get("type") == "error":
                fail("amy's join: %r" % m)
            if m.get("type") in ("broadcast", "system") and m.get("room") == "load":
                seqs.append(m["seq"])
            if m.get("type") == "join" and m.get("req") == 1000 + n:
                break
        deadline = time.time() + 0.4
        amy.sock.settimeout(0.5)
        try:
            while time.time() < deadline:
                m = amy.recv()
                if m.get("type") in ("broadcast", "system") and m.get("room") == "load":
                    seqs.append(m["seq"])
        except socket.timeout:
            fail("round %d: nothing in load for amy for 0.5 s" % n)
        amy.send(type="leave", room="load", req=2000 + n)
        while True:
            m = amy.recv()
            if m.get("type") in ("broadcast", "system") and m.get("room") == "load":
                seqs.append(m["seq"])
            if m.get("type") == "leave" and m.get("req") == 2000 + n:
                break
        try:
            amy.sock.settimeout(0.3)
            while True:
                m = amy.recv()
                if m.get("type") in ("broadcast", "system") and m.get("room") == "load":
                    seqs.append(m["seq"])
        except socket.timeout:
            pass
        amy.sock.settimeout(10)
        check(len(seqs) > 10 and seqs == list(range(seqs[0], seqs[0] + len(seqs))),
              "round %d: amy's seqs in load are not one run without gaps: %r" % (n, seqs))
        wait_until(lambda: numsub("load") == 1, 5, "node a to unsubscribe load after amy left")
    pub.release.set()
    pub.join(timeout=60)
    check(pub.failure is None and not pub.is_alive(), pub.failure or "publisher hung")
    print("subscriptions: %d times amy joined load on node a while node b published (%d acked):"
          " each time every message from her join on, no gap; unsubscribed after each leave" %
          (rounds, len(pub.acked)))

    ann.close()  # the publisher (on b) is in the lobby and in load
    wait_until(lambda: room_channels() == ["blue", "load", "lobby"] and links().get("a") == (2, 0), 5,
               "node a to unsubscribe red and green once their last member's connection closed")
    print("subscriptions: a closed connection's rooms are unsubscribed with its last seat")

    request(amy, 3000, type="join", room="red")
    request(ben, 3000, type="join", room="red")
    r.stop()
    wait_until(lambda: a.health() == 503 and b.health() == 503, 5, "the nodes to notice")
    r.start()
    wait_until(lambda: a.health() == 200 and b.health() == 200, 15, "the nodes to reconnect")
    check(links() == {"a": (3, 0), "b": (6, 0)} and numsub("red") == 2,
          "after a Redis restart: a holds its channel, the private lists' and red, b its channel,"
          " the private lists', blue, load, lobby and red: %r" % links())
    ack = request(amy, 3001, type="broadcast", room="red", message="after the restart")
    m = expect(ben, "broadcast", lambda m: m["room"] == "red", "broadcast after the restart")
    check(m["seq"] == ack["seq"] and m["message"] == "after the restart", "%r / %r" % (m, ack))
    ack = request(ben, 3002, type="broadcast", room="red", message="and back")
    m = expect(amy, "broadcast", lambda m: m["room"] == "red", "broadcast after the restart")
    check(m["seq"] == ack["seq"], "%r / %r" % (m, ack))
    print("subscriptions: after a Redis restart both nodes subscribed to their rooms again and"
          " messages flow both ways")
    a.stop()
    b.stop()
    r.stop()


def race():
    r = Redis()
    a, b = Node([r.url], "a"), Node([r.url], "b")
    for round_ in range(30):
        nick = "racer%d" % round_
        x, y = Client(a.tcp), WsClient(b.web) if round_ % 2 else Client(b.tcp)
        x.send(type="login", nickname=nick)
        y.send(type="login", nickname=nick)
        answers = [x.recv(), y.recv()]
        wins = [m for m in answers if m.get("type") == "login" and m.get("status") == "ok"]
        losses = [m for m in answers if m.get("type") == "error" and m.get("code") == "nickname_taken"]
        check(len(wins) == 1 and len(losses) == 1, "round %d: %r" % (round_, answers))
        x.close()
        y.close()
    print("race: 30 rounds of two nodes racing for one nickname: exactly one won each")
    a.stop()
    b.stop()
    r.stop()


def behind_nginx():
    """docs/cluster/nginx.conf as written, with the test's ports, in front of three nodes."""
    r = Redis()
    nodes = [Node([r.url], n) for n in "abc"]
    tcp_port, web_port = free_port(), free_port()
    conf = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                             "cluster", "nginx.conf")).read()
    ports = {"8000": tcp_port, "8080": web_port}
    for i, n in enumerate(nodes):
        ports["800%d" % (i + 1)] = n.tcp
        ports["808%d" % (i + 1)] = n.web
    conf = re.sub(r"\b(80[08][0-3])\b", lambda m: str(ports[m.group(1)]), conf)
    conf = conf.replace("listen %d;" % tcp_port, "listen 127.0.0.1:%d;" % tcp_port)
    conf = conf.replace("listen %d;" % web_port, "listen 127.0.0.1:%d;" % web_port)
    path = os.path.join(WORK, "nginx.conf")
    open(path, "w").write(conf)
    nginx = spawn(["nginx", "-c", path, "-p", WORK, "-g",
                              "daemon off; pid %s/nginx.pid; error_log %s/nginx-error.log;" % (WORK, WORK)])

    def through():
        try:
            with socket.create_connection(("127.0.0.1", web_port), timeout=1):
                return True
        except OSError:
            return False
    wait_until(through, 10, "nginx to listen")
    users = [user(type("N", (), {"tcp": tcp_port})(), "tcp%d" % i) for i in range(3)]
    users += [user(type("N", (), {"web": web_port})(), "web%d" % i, ws=True) for i in range(3)]
    everyone = ["tcp0", "tcp1", "tcp2", "web0", "web1", "web2"]
    wait_until(lambda: names(request(users[0], 1, type="who", room="lobby")) == everyone, 5,
               "who through nginx to list all six")
    spread = sum(1 for n in nodes
                 if re.search(r'sockit_chat_clients\{transport="[a-z]+"\} [1-9]', n.get("/metrics")[1]))
    check(spread >= 2, "nginx spread the users over %d node(s)" % spread)
    ack = request(users[3], 2, type="broadcast", room="lobby", message="via nginx")
    for u in users[:3] + users[4:]:
        m = expect(u, "broadcast")
        check(m["seq"] == ack["seq"] and m["message"] == "via nginx", "through nginx: %r" % m)
    c = http.client.HTTPConnection("127.0.0.1", web_port, timeout=5)
    c.request("GET", "/")
    page = c.getresponse()
    check(page.status == 200 and b"<html" in page.read().lower(), "the page through nginx")
    print("nginx: docs/cluster/nginx.conf spread 3 TCP and 3 WebSocket users over %d nodes;"
          " they chat as one room" % spread)
    nginx.terminate()
    nginx.wait(timeout=10)
    for n in nodes:
        n.stop()
    r.stop()


def resend():
    """A send resent with its id is delivered once: on the same node, after a reconnect to
    another node, and after a cluster_unavailable answer to a send that Redis ran all the same
    (it was paused past the node's timeout with the script in its input)."""
    r = Redis()
    a, b = Node([r.url], "a"), Node([r.url], "b")
    bob = user(b, "bob")
    alice = user(a, "alice")
    first = request(alice, 1, type="broadcast", room="lobby", message="one", id="s1")
    again = request(alice, 2, type="broadcast", room="lobby", message="one", id="s1")
    check(again["seq"] == first["seq"], "a resend on the same node: %r then %r" % (first, again))
    alice.close()

    def login_on_b():
        c = Client(b.tcp)
        c.send(type="login", nickname="alice")
        if c.recv().get("status") == "ok":  # or nickname_taken, while node a frees it
            return c
        c.close()
        return None
    holder = {}
    wait_until(lambda: holder.setdefault("c", login_on_b()) or holder.pop("c"), 10,
               "alice's nickname to be free on node b")
    alice = holder["c"]
    third = request(alice, 3, type="broadcast", room="lobby", message="one", id="s1")
    check(third["seq"] == first["seq"], "a resend after a reconnect to node b: %r" % third)
    print("resend: the same id on node a, then after a reconnect on node b: seq %d each time" % first["seq"])

    logged = r.call("XLEN", "sockit:log:lobby")
    r.proc.send_signal(signal.SIGSTOP)
    try:
        alice.send(type="broadcast", room="lobby", message="two", id="s2", req=4)
        m = expect(alice, "error", lambda m: m.get("req") == 4, "the send while Redis is paused")
        check(m.get("code") == "cluster_unavailable", "a send while Redis is paused: %r" % m)
    finally:
        r.proc.send_signal(signal.SIGCONT)
    wait_until(lambda: a.health() == 200 and b.health() == 200, 15, "both nodes to reach Redis again")
    # What makes a resend dangerous: Redis ran the refused send once it went on.
    check(r.call("XLEN", "sockit:log:lobby") == logged + 1, "Redis ran the send it held while paused")

    def resent():
        alice.send(type="broadcast", room="lobby", message="two", id="s2", req=5)
        m = alice.recv()
        while m.get("req") != 5:
            m = alice.recv()
        return m if m.get("type") == "ack" else None
    holder = {}
    wait_until(lambda: holder.setdefault("ack", resent()) or holder.pop("ack"), 10, "the resend to be acked")
    two = holder["ack"]["seq"]
    end = request(alice, 6, type="broadcast", room="lobby", message="end", id="s3")["seq"]
    got = {}
    while True:
        m = bob.recv()
        if m.get("type") == "broadcast":
            got.setdefault(m["message"], []).append(m["seq"])
            if m["seq"] >= end:
                break
    check(got.get("one") == [first["seq"]], "bob got 'one' as %r" % got.get("one"))
    check(got.get("two") == [two], "bob got 'two' as %r (the resend's ack: seq %d)" % (got.get("two"), two))
    print("resend: a send answered cluster_unavailable (Redis paused) and resent once Redis was back:"
          " delivered once, seq %d" % two)
    a.stop()
    b.stop()
    r.stop()


def accounts():
    """--auth accounts on three nodes: the accounts are in Redis, `sockit chat user --cluster`
    changes them while the nodes run, and a token one node issued works on every node."""
    r = Redis()

    def user_cmd(*args, password=None):
        out = subprocess.run([SOCKIT, "chat", "user", *args, "--cluster", r.url], input=password,
                             capture_output=True, text=True, timeout=30)
        check(out.returncode == 0, "chat user %s: %s" % (" ".join(args), out.stderr))
        return out.stdout
    user_cmd("add", "alice", "--password-stdin", "--cost", "10", password="secret\n")
    check(user_cmd("list").split() == ["alice"], "user list --cluster")
    a, b, c = (Node([r.url], n, extra=("--auth", "accounts")) for n in "abc")

    def login(node, **fields):
        cl = Client(node.tcp)
        cl.send(type="login", req=1, **fields)
        m = cl.recv()
        while m.get("req") != 1:
            m = cl.recv()
        return cl, m
    alice, ok = login(a, nickname="alice", password="secret")
    check(ok.get("status") == "ok" and ok.get("token"), "alice with her password on node a: %r" % ok)
    token = ok["token"]
    guest, m = login(b, nickname="bob")
    check(m.get("status") == "ok", "a guest on node b: %r" % m)
    impostor, m = login(c, nickname="Alice")
    check(m.get("code") == "auth_failed", "a registered nickname without its password on node c: %r" % m)
    request(alice, 2, type="broadcast", room="lobby", message="from a registered user")
    alice.close()

    def token_login(node):
        cl, m = login(node, nickname="alice", token=token)
        if m.get("status") == "ok":
            return cl
        cl.close()
        check(m.get("code") == "nickname_taken", "alice's token on node %s: %r" % (node.name, m))
        return None
    holder = {}
    wait_until(lambda: holder.setdefault("c", token_login(b)) or holder.pop("c"), 10,
               "alice's token to log her in on node b")
    holder["c"].close()
    print("accounts: a password login on node a, its token on node b, a guest, an impostor refused")

    user_cmd("passwd", "alice", "--password-stdin", "--cost", "10", password="changed\n")
    stale, m = login(c, nickname="alice", token=token)
    check(m.get("code") == "auth_failed", "a token from before the new password: %r" % m)
    fresh, m = login(c, nickname="alice", password="changed")
    check(m.get("status") == "ok", "the new password on node c: %r" % m)
    fresh.close()
    user_cmd("del", "alice")
    check(user_cmd("list").split() == [], "user list after del")
    print("accounts: `chat user passwd|del --cluster` take effect on the running nodes at once")
    for n in (a, b, c):
        n.stop()
    r.stop()


SCENARIOS = {"basics": basics, "order": order, "kill9": kill9, "restart": restart,
             "redis-oom": redis_oom, "redis-restart": redis_restart,
             "race": race, "resend": resend, "accounts": accounts, "subscriptions": subscriptions,
             "nginx": behind_nginx}
try:
    SCENARIOS[SCENARIO]()
except (EOFError, OSError) as e:
    fail("%s: %r" % (SCENARIO, e))
