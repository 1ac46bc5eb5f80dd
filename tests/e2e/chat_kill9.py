#!/usr/bin/env python3
"""kill -9 of `sockit chat serve` under load, TRIES times on one data directory.

usage: chat_kill9.py SOCKIT DATA_DIR TRIES

Each try starts the server, lets five publishers send broadcasts with `req` (a window of
unacknowledged ones in flight, texts of 40 B to 3 KB) while a subscriber records every live
message, and kills the server with SIGKILL at a random moment. Then, with the server down,
chat.db must hold every acknowledged message under its acked seq with its text, and no seq
may ever have been seen (acked, delivered live, or stored) with two different texts. After
the last try a restarted server must serve the newest acked message through `history`, and
each publisher, logged in again, resends its acknowledged messages with their ids: every
resend must get its first ack's seq and nothing may be stored twice (exactly-once sends).
Exits 0 and prints "N kills: every acked message stored" when all holds.
"""
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

sockit, data, tries = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(data, exist_ok=True)
seen = {}      # seq -> text, from every source, over all tries
acked = {}     # text -> seq
sends = {}     # publisher nickname -> [(id, text)] of its acked sends
problems = []


def note(seq, text, source):
    old = seen.setdefault(seq, text)
    if old != text:
        problems.append("seq %d: %r and %r (%s)" % (seq, old[:30], text[:30], source))


def start():
    log = open(os.path.join(data, "server.log"), "ab")
    proc = subprocess.Popen([sockit, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none",
                             "--data", data, "--rate", "100000", "--burst", "100000"],
                            stdout=subprocess.PIPE, stderr=log)
    line = proc.stdout.readline().decode()
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        sys.exit("no listening line: %r" % line)
    return proc, int(m.group(1))


def connect(port, nick):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall((json.dumps({"type": "login", "nickname": nick}) + "\n").encode())
    return s, s.makefile("rb")


def lines(f):
    try:
        for raw in f:
            yield json.loads(raw)
    except (OSError, ValueError):
        return


def publisher(port, name):
    s, f = connect(port, name)
    window, n, sent = 32, 0, {}

    def send_more():
        nonlocal n
        out = []
        while len(sent) < window:
            n += 1
            text = "%s-%d-%s" % (name, n, "p" * random.choice([40, 400, 3000]))
            sent[n] = text
            out.append(json.dumps({"type": "broadcast", "message": text, "req": n, "id": "m%d" % n}) + "\n")
        try:
            s.sendall("".join(out).encode())
        except OSError:
            return False
        return True

    if not send_more():
        return
    for m in lines(f):
        if m.get("type") == "ack":
            text = sent.pop(m["req"])
            acked[text] = m["seq"]
            sends.setdefault(name, []).append(("m%d" % m["req"], text))
            note(m["seq"], text, "ack")
            if not send_more():
                return
        elif m.get("type") == "error":
            problems.append("%s got %s" % (name, m))
            return


def subscriber(port, name):
    s, f = connect(port, name)
    for m in lines(f):
        if m.get("type") == "broadcast":
            note(m["seq"], m["message"], "live")


def stored():
    db = sqlite3.connect(os.path.join(data, "chat.db"), timeout=10)
    rows = db.execute("SELECT seq, message, type FROM messages WHERE room = 'lobby'").fetchall()
    db.close()
    return rows


for t in range(tries):
    proc, port = start()
    threads = [threading.Thread(target=subscriber, args=(port, "sub%d" % t), daemon=True)]
    threads += [threading.Thread(target=publisher, args=(port, "t%dp%d" % (t, i)), daemon=True)
                for i in range(5)]
    for th in threads:
        th.start()
    time.sleep(random.uniform(0.4, 1.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for th in threads:
        th.join(20)
    rows = stored()
    by_text = {}
    for seq, text, kind in rows:
        if kind == "broadcast":
            note(seq, text, "stored")
            by_text[text] = seq
    missing = [text for text, seq in acked.items() if by_text.get(text) != seq]
    if missing:
        problems.append("try %d: %d acked messages missing, e.g. %r" % (t, len(missing), missing[0][:40]))
    print("try %d: %d acked so far, %d stored, %d seqs seen" % (t, len(acked), len(rows), len(seen)))
    if problems:
        break

if not problems and acked:
    proc, port = start()
    s, f = connect(port, "checker")
    newest_text, newest_seq = max(acked.items(), key=lambda kv: kv[1])
    s.sendall((json.dumps({"type": "history", "room": "lobby", "limit": 1,
                           "before": newest_seq + 1, "req": "h"}) + "\n").encode())
    for m in lines(f):
        if m.get("req") == "h":
            got = m["messages"]
            if not got or got[-1]["seq"] != newest_seq or got[-1]["message"] != newest_text:
                problems.append("history after restart: %r" % (got,))
            break
    broadcasts = lambda: sum(1 for _, _, kind in stored() if kind == "broadcast")  # noqa: E731
    before = broadcasts()
    resent = 0
    for name, mine in sends.items():  # the newest 50 of each publisher, sent again by id
        p, pf = connect(port, name)
        batch = mine[-50:]
        p.sendall("".join(json.dumps({"type": "broadcast", "message": text, "req": i, "id": sid}) + "\n"
                          for i, (sid, text) in enumerate(batch)).encode())
        answered = 0
        for m in lines(pf):
            if m.get("type") == "error":
                problems.append("a resend of %s: %s" % (name, m))
                break
            if m.get("type") != "ack":
                continue
            sid, text = batch[m["req"]]
            if m["seq"] != acked[text]:
                problems.append("%s resent %s: seq %d, first acked %d" % (name, sid, m["seq"], acked[text]))
            answered += 1
            if answered == len(batch):
                break
        resent += answered
        p.close()
    proc.send_signal(signal.SIGTERM)
    if proc.wait(20) != 0:
        problems.append("the restarted server did not exit 0")
    if broadcasts() != before:
        problems.append("resends were stored again: %d broadcasts, then %d" % (before, broadcasts()))
    print("after the kills: %d acked messages resent by id, each answered with its first seq" % resent)

if problems or not acked:
    print("\n".join(problems[:20]) or "nothing was acked")
    sys.exit(1)
print("%d kills: every acked message stored (%d acked, %d seqs seen, none reused)"
      % (tries, len(acked), len(seen)))
