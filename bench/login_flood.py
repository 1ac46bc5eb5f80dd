#!/usr/bin/env python3
"""What a flood of password logins costs everybody else.

usage: bench/login_flood.py [--json] SOCKIT [FLOOD] [COST]

Starts `SOCKIT chat serve --auth accounts` on loopback with a fresh --data directory and
40 registered accounts (scrypt cost 2^COST, default 15: the server's default, tens of ms a
check). Then FLOOD (default 200) password logins arrive at once, in two kinds mixed: wrong
passwords spread over 40 source addresses (127.0.0.2-41) x 40 accounts (each under the
5-failures-a-minute throttle), and right passwords of one account from one address (never
throttled, each a full scrypt). While they are checked, four probes run one after another in a
loop and are timed: a guest login, a token login (with a token issued before the flood), a
`history` request, and the ack of a logged-in user's broadcast. Prints p50/p99/max of each and
how the flood's logins were answered (one JSON object with --json, for bench/run).

Targets (issue #27): guest, token and history p99 <= 200 ms, ack p99 <= 50 ms.
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
SOCKIT = args[0]
FLOOD = int(args[1]) if len(args) > 1 else 200
COST = args[2] if len(args) > 2 else "15"
ACCOUNTS = 40


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100.0 * len(values)))] * 1000.0 if values else None


class Conn:
    def __init__(self, port, source="127.0.0.1"):
        self.sock = socket.socket()
        self.sock.bind((source, 0))
        self.sock.settimeout(60)
        self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def send(self, **obj):
        self.sock.sendall((json.dumps(obj) + "\n").encode())

    def answer(self, req):
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError("closed")
            m = json.loads(line)
            if m.get("req") == req:
                return m

    def close(self):
        self.sock.close()


def start(data):
    for i in range(ACCOUNTS):
        subprocess.run([SOCKIT, "chat", "user", "add", "user%d" % i, "--data", data, "--password-stdin",
                        "--cost", COST], input=b"pw%d\n" % i, check=True, capture_output=True, timeout=120)
    proc = subprocess.Popen([SOCKIT, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                             "--data", data, "--auth", "accounts", "--rate", "100000", "--burst", "100000"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = b""
    while b"web page on" not in out:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the server did not start: %r" % out)
        out += line
    return proc, int(re.search(rb"listening on 127\.0\.0\.1:(\d+)", out).group(1))


def flood_one(port, k, answers):
    if k % 2 == 0:  # a wrong password, from one of 40 addresses, to one of 40 accounts
        c = Conn(port, "127.0.0.%d" % (2 + (k // 2) % 40))
        c.send(type="login", nickname="user%d" % ((k // 2 // 40 + k // 2) % ACCOUNTS), password="wrong", req="f")
    else:  # the right password of user0, from one address: never throttled, always a scrypt
        c = Conn(port, "127.0.0.42")
        c.send(type="login", nickname="user0", password="pw0", req="f")
    try:
        m = c.answer("f")
        answers.append(m.get("code") or m.get("status"))
    except (OSError, EOFError) as e:
        answers.append(type(e).__name__)
    c.close()


def probe(port, token, user, until, times):
    """Each probe kind in turn until `until`; every answer's time into times[kind]."""
    n = 0
    while time.time() < until:
        n += 1
        t = time.perf_counter()
        g = Conn(port)
        g.send(type="login", nickname="guest%d" % n, req="g")
        ok = g.answer("g").get("status") == "ok"
        times["guest"].append(time.perf_counter() - t)
        g.close()
        t = time.perf_counter()
        c = Conn(port)
        c.send(type="login", nickname="user39", token=token[0], req="t")
        m = c.answer("t")
        times["token"].append(time.perf_counter() - t)
        token[0] = m.get("token", token[0])
        c.close()
        t = time.perf_counter()
        user.send(type="history", room="lobby", limit=20, req="h%d" % n)
        user.answer("h%d" % n)
        times["history"].append(time.perf_counter() - t)
        t = time.perf_counter()
        user.send(type="broadcast", message="probe", req="b%d" % n)
        user.answer("b%d" % n)
        times["ack"].append(time.perf_counter() - t)
        if not ok:
            times["guest_failed"].append(1)


def main():
    with tempfile.TemporaryDirectory(prefix="sockit-login-flood-") as data:
        proc, port = start(data)
        try:
            c = Conn(port)
            c.send(type="login", nickname="user39", password="pw39", req="l")
            token = [c.answer("l")["token"]]
            c.close()
            user = Conn(port)
            user.send(type="login", nickname="user38", password="pw38", req="l")
            user.answer("l")
            times = {"guest": [], "token": [], "history": [], "ack": [], "guest_failed": []}
            answers = []
            flooders = [threading.Thread(target=flood_one, args=(port, k, answers)) for k in range(FLOOD)]
            t0 = time.time()
            for f in flooders:
                f.start()
            prober = threading.Thread(target=probe, args=(port, token, user, t0 + 5, times))
            prober.start()
            for f in flooders:
                f.join(120)
            flood_secs = time.time() - t0
            prober.join(60)
        finally:
            proc.terminate()
            proc.wait(15)
    summary = {"flood": FLOOD, "flood_seconds": round(flood_secs, 2),
               "flood_answers": {a: answers.count(a) for a in sorted(set(map(str, answers)))}}
    for kind in ("guest", "token", "history", "ack"):
        v = times[kind]
        summary[kind] = {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p99_ms": round(percentile(v, 99), 1),
                         "max_ms": round(max(v) * 1000, 1)}
    summary["guest_failed"] = len(times["guest_failed"])
    if as_json:
        print(json.dumps(summary))
        return
    print("%d password logins at once: answered in %.1f s: %s" % (FLOOD, flood_secs, summary["flood_answers"]))
    for kind in ("guest", "token", "history", "ack"):
        s = summary[kind]
        print("  %-8s n=%-4d p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms" % (kind, s["n"], s["p50_ms"], s["p99_ms"], s["max_ms"]))


main()
