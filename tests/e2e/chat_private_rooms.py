#!/usr/bin/env python3
"""Private rooms end to end (`--auth accounts`): a registered user creates an invite-only
room; a non-member learns nothing of it (not in `rooms`, `who` and `history` refused, its
messages never reach them); the owner invites and kicks; the room's list outlives its last
member and a restart, so its name and history stay its members'.

With --cluster the same story runs on three nodes of one Redis (a real redis-server), each user
on a node of its own: the lists live in Redis, and a change on one node holds on the others.

usage: chat_private_rooms.py SOCKIT WORKDIR [--cluster]
"""
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chat_client import Client  # noqa: E402
from harness import check, fail, read_until, spawn, wait_until  # noqa: E402
from redis_server import RedisServer  # noqa: E402

SOCKIT, WORK = sys.argv[1], sys.argv[2]
CLUSTER = sys.argv[3:] == ["--cluster"]
REDIS = RedisServer(WORK) if CLUSTER else None
STORE = ["--cluster", REDIS.url] if CLUSTER else ["--data", os.path.join(WORK, "data")]
PASSWORDS = {"alice": "alice pw", "bob": "bob pw", "carol": "carol pw"}


def start():
    """The server, or three cluster nodes: their processes and TCP ports."""
    procs, ports = [], []
    for node in ("a", "b", "c") if CLUSTER else ("",):
        args = [SOCKIT, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--auth", "accounts"]
        if CLUSTER:
            args += ["--node-id", node, "--data", "none"]
        proc = spawn(args + STORE, stdout=subprocess.PIPE,
                     stderr=open(os.path.join(WORK, "server%s.log" % node), "ab"))
        out = read_until(proc, lambda o: b"web page on" in o)
        tcp = re.search(rb"listening on 127\.0\.0\.1:(\d+)", out)
        web = re.search(rb"web page on http://127\.0\.0\.1:(\d+)/", out)
        check(tcp and web, "server did not start: %r" % out)
        if CLUSTER:
            wait_until(lambda: healthy(int(web.group(1))), 15, "node %s to reach Redis" % node)
        procs.append(proc)
        ports.append(int(tcp.group(1)))
    return procs, ports


def healthy(web_port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % web_port, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def stop(procs):
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        check(proc.wait(timeout=15) == 0, "clean stop")


class User(Client):
    """A logged-in client that keeps every frame it has seen, to prove what it never saw."""

    def __init__(self, port, nickname, password=None):
        super().__init__(port)
        self.seen = []
        self.n = 0
        fields = {"password": password} if password else {}
        self.send(type="login", nickname=nickname, **fields)
        a = self.recv_type("login")
        check(a.get("status") == "ok", "%s logs in: %r" % (nickname, a))

    def recv(self):
        m = super().recv()
        self.seen.append(m)
        return m

    def ask(self, **request):
        """Sends `request` with a fresh req and returns the answer carrying that req."""
        self.n += 1
        req = "r%d" % self.n
        self.send(req=req, **request)
        while True:
            m = self.recv()
            if m.get("req") == req:
                return m


def ok(answer, kind):
    return answer.get("type") == kind and answer.get("status") == "ok"


def code(answer):
    return answer.get("code")


def main():
    for name, pw in PASSWORDS.items():
        r = subprocess.run([SOCKIT, "chat", "user", "add", name, *STORE, "--password-stdin",
                            "--cost", "10"], input=(pw + "\n").encode(), capture_output=True, timeout=30)
        check(r.returncode == 0, "user add %s: %r" % (name, r))
    procs, ports = start()
    # Each user on a node of its own (with --cluster): alice a, bob b, mallory and carol c.
    on_a, on_b, on_c = ports[0], ports[1 % len(ports)], ports[2 % len(ports)]

    guest = User(on_c, "mallory")
    a = guest.ask(type="join", room="den", private=True)
    check(code(a) == "forbidden", "a guest cannot make a private room: %r" % a)
    alice = User(on_a, "alice", PASSWORDS["alice"])
    a = alice.ask(type="join", room="secret", private=True)
    check(ok(a, "join"), "a registered user makes a private room: %r" % a)
    a = alice.ask(type="broadcast", room="secret", message="the plan")
    check(a.get("type") == "ack" and a.get("seq", 0) > 0, "alice talks in it: %r" % a)
    for room in ("lobby", "pub"):
        if room == "pub":
            check(guest.ask(type="join", room="pub").get("status") == "ok", "a public room")
        a = alice.ask(type="join", room=room, private=True)
        check(code(a) == "forbidden" and "public" in a["message"],
              "a public room cannot be made private (%s): %r" % (room, a))
    print("a registered user creates a private room; guests and public names cannot")

    bob = User(on_b, "bob", PASSWORDS["bob"])
    for outsider in (bob, guest):
        a = outsider.ask(type="rooms")
        check("secret" not in [r["room"] for r in a["rooms"]], "not in rooms: %r" % a)
        for request in (dict(type="who", room="secret"), dict(type="history", room="secret"),
                        dict(type="join", room="secret"), dict(type="join", room="secret", private=True)):
            a = outsider.ask(**request)
            check(code(a) == "forbidden", "%r refused: %r" % (request, a))
        a = outsider.ask(type="broadcast", room="secret", message="let me in")
        check(code(a) == "not_in_room", "cannot post to it: %r" % a)
    a = alice.ask(type="broadcast", room="secret", message="still private")
    check(a.get("type") == "ack", "alice again: %r" % a)
    bob.ask(type="ping")
    guest.ask(type="ping")
    for outsider in (bob, guest):
        leaked = [m for m in outsider.seen if m.get("type") in ("broadcast", "system", "who", "history")
                  and m.get("room") == "secret" or "plan" in json.dumps(m) or "still private" in json.dumps(m)]
        check(not leaked, "a non-member saw nothing of the room: %r" % leaked)
    print("a non-member: not in rooms; who, history and join refused; none of its messages")

    for who_asks, request in ((bob, dict(type="invite", room="secret", nickname="carol")),
                              (bob, dict(type="kick", room="secret", nickname="alice")),
                              (alice, dict(type="invite", room="pub", nickname="bob"))):
        a = who_asks.ask(**request)
        check(code(a) == "forbidden", "only the owner changes the list: %r" % a)
    for nobody in ("nobody", "mallory"):
        a = alice.ask(type="invite", room="secret", nickname=nobody)
        check(code(a) == "no_such_user", "only registered users are invited (%s): %r" % (nobody, a))
    a = alice.ask(type="invite", room="secret", nickname="BOB")
    check(ok(a, "invite") and a["nickname"] == "bob", "alice invites bob: %r" % a)
    note = bob.recv_type("invited")
    check(note == {"type": "invited", "room": "secret", "by": "alice"}, "bob hears of it: %r" % note)
    a = bob.ask(type="rooms")
    check({"room": "secret", "members": 1, "private": True} in a["rooms"], "bob now sees it: %r" % a)
    a = bob.ask(type="history", room="secret")
    check([m["message"] for m in a["messages"] if m["type"] == "broadcast"] == ["the plan", "still private"],
          "and reads its history: %r" % a)
    check(ok(bob.ask(type="join", room="secret"), "join"), "bob joins")
    a = bob.ask(type="who", room="secret")
    check([u["nickname"] for u in a["users"]] == ["alice", "bob"], "who: %r" % a)
    print("the owner invites a registered user, who is told, sees, reads and joins the room")

    a = alice.ask(type="kick", room="secret", nickname="alice")
    check(code(a) == "bad_request", "the owner cannot kick herself: %r" % a)
    a = alice.ask(type="kick", room="secret", nickname="bob")
    check(ok(a, "kick"), "alice kicks bob: %r" % a)
    note = bob.recv_type("kicked")
    check(note == {"type": "kicked", "room": "secret", "by": "alice"}, "bob is told: %r" % note)
    while True:
        m = alice.recv_type("system")
        if m["room"] == "secret" and "was removed by alice" in m["message"]:
            break
    a = bob.ask(type="broadcast", room="secret", message="still here?")
    check(code(a) == "not_in_room", "bob is out of the room: %r" % a)
    for request in (dict(type="who", room="secret"), dict(type="history", room="secret"),
                    dict(type="join", room="secret")):
        a = bob.ask(**request)
        check(code(a) == "forbidden", "and off its list (%r): %r" % (request, a))
    a = alice.ask(type="broadcast", room="secret", message="after the kick")
    check(a.get("type") == "ack", "alice after the kick: %r" % a)
    a = alice.ask(type="kick", room="secret", nickname="bob")
    check(code(a) == "no_such_user", "kicking twice: %r" % a)
    bob.ask(type="ping")
    check(not [m for m in bob.seen if "after the kick" in json.dumps(m)], "bob got nothing after the cut")
    print("the owner kicks: the member is taken out, told, and refused from then on")

    for client in (alice, bob, guest):
        client.close()
    stop(procs)
    procs, ports = start()
    on_a, on_b, on_c = ports[0], ports[1 % len(ports)], ports[2 % len(ports)]
    carol = User(on_c, "carol", PASSWORDS["carol"])
    for request in (dict(type="join", room="secret"), dict(type="join", room="secret", private=True),
                    dict(type="history", room="secret")):
        a = carol.ask(**request)
        check(code(a) == "forbidden", "after everyone left and a restart, still private (%r): %r" % (request, a))
    alice = User(on_a, "alice", PASSWORDS["alice"])
    check(ok(alice.ask(type="join", room="secret"), "join"), "the owner comes back")
    a = alice.ask(type="history", room="secret")
    check("the plan" in [m.get("message") for m in a["messages"]], "with its history: %r" % a)
    print("the list outlives the last member and a restart: the name and history stay private")

    # The terminal client: a registered user logs in with a password file and uses the commands.
    secret_file = os.path.join(WORK, "bob.password")
    with open(secret_file, "w") as f:
        f.write(PASSWORDS["bob"] + "\n")
    term = subprocess.run([SOCKIT, "chat", "connect", "127.0.0.1:%d" % on_b, "--nick", "bob",
                           "--password-file", secret_file],
                          input=b"/private den\n/invite carol\n/rooms\n", capture_output=True, timeout=30)
    out = term.stdout.decode()
    for line in ("* logged in as bob", "* now in den", "* invited carol to #den", "den (1, private)", "* bye"):
        check(line in out, "chat connect --password-file: %r missing from %r" % (line, out))
    note = carol.recv_type("invited")
    check(note == {"type": "invited", "room": "den", "by": "bob"}, "carol is invited: %r" % note)
    check(ok(carol.ask(type="join", room="den"), "join"), "and joins the terminal user's room")
    print("sockit chat connect logs in with a password and creates, invites, lists private rooms")
    stop(procs)
    if REDIS:
        REDIS.stop()
    print("private rooms%s: ok" % (" on three cluster nodes" if CLUSTER else ""))


try:
    main()
except (EOFError, OSError, subprocess.SubprocessError) as e:
    fail(repr(e))
