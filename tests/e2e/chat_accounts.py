#!/usr/bin/env python3
"""`sockit chat serve --auth accounts` end to end: `sockit chat user` while the server runs,
right and wrong passwords, registered nicknames (and their look-alikes) protected, resume
tokens, throttling of failed logins by address and by account, --no-guests, /auth.

usage: chat_accounts.py SOCKIT WORKDIR
Each phase connects from its own loopback address (127.0.0.x), since the throttle counts by
address.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, fail, read_until, spawn  # noqa: E402

SOCKIT, WORK = sys.argv[1], sys.argv[2]
DATA = os.path.join(WORK, "data")


def user(*args, password=None):
    cmd = [SOCKIT, "chat", "user", *args, "--data", DATA]
    if password is not None:
        cmd += ["--password-stdin", "--cost", "10"]
    return subprocess.run(cmd, input=(password + "\n").encode() if password is not None else None,
                          capture_output=True, timeout=30)


def start(*extra):
    proc = spawn([SOCKIT, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                  "--data", DATA, "--auth", "accounts", *extra],
                 stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "server.log"), "ab"))
    out = read_until(proc, lambda o: b"web page on" in o)
    tcp = re.search(rb"listening on 127\.0\.0\.1:(\d+)", out)
    web = re.search(rb"web page on http://127\.0\.0\.1:(\d+)/", out)
    check(tcp and web, "server did not start: %r" % out)
    return proc, int(tcp.group(1)), int(web.group(1))


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    check(proc.wait(timeout=15) == 0, "clean stop")


def login(port, source, **fields):
    """The answer to one login from 127.0.0.SOURCE: the login object or the error."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=("127.0.0.%d" % source, 0))
    s.sendall((json.dumps(dict(type="login", **fields)) + "\n").encode())
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(4096)
        check(chunk, "closed before answering a login")
        buf += chunk
    answer = json.loads(buf.split(b"\n", 1)[0])
    return answer, s


def ok(answer):
    return answer.get("type") == "login" and answer.get("status") == "ok"


def code(answer):
    return answer.get("code")


def main():
    check(user("add", "alice", password="correct horse").returncode == 0, "user add alice")
    check(user("add", "carol", password="battery staple").returncode == 0, "user add carol")
    dup = user("add", "ALICE", password="x")
    check(dup.returncode != 0 and b"registered already" in dup.stderr, "a look-alike cannot register: %r" % (dup,))
    listed = user("list")
    check(listed.stdout.split() == [b"alice", b"carol"], "user list: %r" % listed.stdout)
    print("sockit chat user: add, list; a look-alike of a registered name cannot register")

    proc, tcp, web = start()
    with urllib.request.urlopen("http://127.0.0.1:%d/auth" % web, timeout=10) as r:
        check(json.loads(r.read()) == {"accounts": True, "guests": True}, "/auth")

    a, s = login(tcp, 2, nickname="bob")
    check(ok(a) and "token" not in a, "a guest logs in with a free nickname: %r" % a)
    a, _ = login(tcp, 2, nickname="alice")
    check(code(a) == "auth_failed", "a registered nickname without its password: %r" % a)
    a, _ = login(tcp, 2, nickname="Alice", password="wrong")
    check(code(a) == "auth_failed", "a wrong password: %r" % a)
    a, alice = login(tcp, 3, nickname="alice", password="correct horse")
    check(ok(a) and len(a.get("token", "")) == 64, "the right password, with a token: %r" % a)
    token = a["token"]
    print("guests take free nicknames; a registered one needs its password; the answer has a token")

    a, _ = login(tcp, 3, nickname="ＡＬＩＣＥ", password="correct horse")
    check(code(a) == "nickname_taken", "the same account twice at once: %r" % a)
    alice.close()
    time.sleep(0.3)
    a, again = login(tcp, 3, nickname="alice", token=token)
    check(ok(a) and a["token"] != token, "the token resumes, and a new one comes: %r" % a)
    again.close()
    a, _ = login(tcp, 3, nickname="carol", token=token)
    check(code(a) == "auth_failed", "a token is one user's only: %r" % a)
    print("a resume token logs back in without the password (and only as its user)")

    # 127.0.0.4 guesses carol's password; with the token tried above, carol's account has
    # failed 5 times after 4 guesses, and the door closes.
    for i in range(4):
        a, _ = login(tcp, 4, nickname="carol", password="guess%d" % i)
        check(code(a) == "auth_failed", "guess %d: %r" % (i, a))
    a, _ = login(tcp, 4, nickname="carol", password="battery staple")
    check(code(a) == "rate_limited" and re.search(r"try again in \d+ s", a["message"]),
          "after 5 failures even the right password waits: %r" % a)
    a, _ = login(tcp, 5, nickname="carol", password="battery staple")
    check(code(a) == "rate_limited", "and the account is throttled from other addresses too: %r" % a)
    a, _ = login(tcp, 5, nickname="guest5")
    check(code(a) != "rate_limited", "another address may still log in as a guest: %r" % a)
    print("5 failed logins: that address and that account wait (rate_limited, with the wait)")

    check(user("add", "dave", password="pw dave").returncode == 0, "user add while running")
    a, d = login(tcp, 6, nickname="dave", password="pw dave")
    check(ok(a), "a user added while the server runs logs in at once: %r" % a)
    d.close()
    check(user("passwd", "dave", password="new pw").returncode == 0, "passwd while running")
    a, _ = login(tcp, 6, nickname="dave", password="pw dave")
    check(code(a) == "auth_failed", "the old password no longer works: %r" % a)
    a, d = login(tcp, 7, nickname="dave", password="new pw")
    check(ok(a), "the new one does: %r" % a)
    d.close()
    time.sleep(0.3)
    check(user("del", "dave").returncode == 0, "del while running")
    a, d = login(tcp, 7, nickname="dave")
    check(ok(a), "a removed user's nickname is free again: %r" % a)
    print("sockit chat user add/passwd/del take effect on the running server")
    stop(proc)

    proc, tcp, web = start("--no-guests")
    with urllib.request.urlopen("http://127.0.0.1:%d/auth" % web, timeout=10) as r:
        check(json.loads(r.read()) == {"accounts": True, "guests": False}, "/auth with --no-guests")
    a, _ = login(tcp, 8, nickname="stranger")
    check(code(a) == "auth_failed", "--no-guests refuses a guest: %r" % a)
    a, _ = login(tcp, 9, nickname="alice", password="correct horse")
    check(ok(a), "and admits a registered user: %r" % a)
    stop(proc)
    print("--no-guests: only registered users log in")
    print("accounts: ok")


try:
    main()
except (EOFError, OSError, subprocess.SubprocessError) as e:
    fail(repr(e))
