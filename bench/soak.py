#!/usr/bin/env python3
"""Soak of `sockit chat serve`: clients churning for a long time, nothing may leak or get lost.

usage: bench/soak.py SOCKIT OUT_DIR [SECONDS] [CHURNERS] [WEBSOCKETS]

Starts SOCKIT (the ASan build, for `make soak`) and for SECONDS (default 600) keeps CHURNERS
(default 2000) TCP clients cycling through connect, login, join a room, three broadcasts with
req a few seconds apart, leave, log out — each session 10–40 s, like people; WEBSOCKETS
(default 100) WebSocket clients doing short sessions over /ws; one listener per room that never
leaves; and an HTTP load on the page, /healthz and /metrics. Every client reads all the time,
as a chat client does, and leaves the lobby after logging in: a login notifies everyone in the
lobby, and 2,000 users churning in one room would be 2,000 x 2,000 notices, more than this
Python driver can read. Every 5 s it samples the server's RSS and open fds.

It fails (exit 1) on any error answer, any broadcast without its ack, any acked message that
the listener of its room did not receive, or a server that does not exit 0 on SIGTERM. It
writes OUT_DIR/soak.csv and OUT_DIR/soak.svg (RSS and fds over time) and prints a summary.
"""
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from ws_client import WsClient  # noqa: E402  (the tests' independent WebSocket client)

sockit, out_dir = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
churners = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
websockets = int(sys.argv[5]) if len(sys.argv) > 5 else 100
ROOMS = 50
os.makedirs(out_dir, exist_ok=True)

acked = {}       # room -> set of acked seqs
received = {}    # room -> set of seqs its listener got
problems = []    # the first 50, printed
problem_count = 0  # all of them
counts = {"cycles": 0, "messages": 0, "ws_cycles": 0, "http": 0}
lock = threading.Lock()


def problem(text):
    global problem_count
    with lock:
        problem_count += 1
        if len(problems) < 50:
            problems.append(text)


def note_ack(room, seq):
    with lock:
        acked.setdefault(room, set()).add(seq)
        counts["messages"] += 1


async def line(reader):
    raw = await asyncio.wait_for(reader.readline(), 30)
    if not raw:
        raise EOFError("server closed")
    return json.loads(raw)


async def until(reader, pred):
    while True:
        m = await line(reader)
        if m.get("type") == "error":
            raise RuntimeError("error answer: %s" % m)
        if pred(m):
            return m


async def read_all(reader, inbox):
    """A chat client reads everything as it comes; answers go to `inbox`, notices are dropped.

    No timeout per line (answer() bounds every wait): a wait_for per line costs a task and
    three turns of the event loop, so under load a client read only a few lines a second,
    and an answer queued behind the few hundred lobby notices that arrive between a login
    and its leave took more than a minute to reach answer(). A bare readline() takes every
    complete line already buffered without yielding."""
    try:
        while True:
            raw = await reader.readline()
            if not raw:
                raise EOFError("server closed")
            m = json.loads(raw)
            if m.get("type") == "error" or "req" in m or m.get("type") in ("login", "bye"):
                inbox.put_nowait(m)
    except (EOFError, OSError, ValueError) as e:
        inbox.put_nowait({"type": "closed", "why": repr(e)})


async def answer(inbox, pred, what):
    try:
        m = await asyncio.wait_for(inbox.get(), 60)
    except asyncio.TimeoutError:
        raise RuntimeError("no answer to %s within 60 s" % what) from None
    if m.get("type") in ("error", "closed") or not pred(m):
        raise RuntimeError("unexpected answer: %s" % m)
    return m


async def churn(port, n, stop_at):
    await asyncio.sleep(n * 30.0 / churners)  # arrivals spread over the first 30 s
    cycle = 0
    while time.time() < stop_at:
        cycle += 1
        room = "r%d" % ((n + cycle) % ROOMS)
        reading = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
            inbox = asyncio.Queue()
            reading = asyncio.create_task(read_all(reader, inbox))
            send = lambda **o: writer.write((json.dumps(o) + "\n").encode())  # noqa: E731
            send(type="login", nickname="c%d-%d" % (n, cycle))
            await answer(inbox, lambda m: m.get("type") == "login", "login")
            send(type="leave", room="lobby", req="ll")
            await answer(inbox, lambda m: m.get("req") == "ll", "leave lobby")
            send(type="join", room=room, req="j")
            await answer(inbox, lambda m: m.get("req") == "j", "join")
            for k in range(3):
                await asyncio.sleep(random.uniform(3, 12))
                send(type="broadcast", room=room, message="c%d-%d-%d" % (n, cycle, k), req=k)
                note_ack(room, (await answer(inbox, lambda m, k=k: m.get("req") == k, "broadcast %d" % k))["seq"])
            send(type="leave", room=room, req="l")
            await answer(inbox, lambda m: m.get("req") == "l", "leave")
            send(type="logout")
            await answer(inbox, lambda m: m.get("type") == "bye", "logout")
            writer.close()
            with lock:
                counts["cycles"] += 1
        except Exception as e:  # noqa: BLE001 — every failure is reported
            problem("churner %d cycle %d: %r" % (n, cycle, e))
        finally:
            if reading:
                reading.cancel()
        await asyncio.sleep(random.uniform(0.5, 2))


async def listen(port, room, ready):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((json.dumps({"type": "login", "nickname": "listener-" + room}) + "\n").encode())
    writer.write((json.dumps({"type": "leave", "room": "lobby"}) + "\n").encode())
    writer.write((json.dumps({"type": "join", "room": room, "req": "j"}) + "\n").encode())
    got = received.setdefault(room, set())
    while True:
        m = await line(reader)
        if m.get("req") == "j":
            ready.set()
        if m.get("type") == "broadcast" and m.get("room") == room:
            got.add(m["seq"])
        if m.get("type") == "error":
            problem("listener %s: %s" % (room, m))


def ws_churn(web, n, stop_at):
    cycle = 0
    while time.time() < stop_at:
        cycle += 1
        room = "r%d" % ((n + cycle) % ROOMS)
        try:
            ws = WsClient(web)
            ws.send(type="login", nickname="w%d-%d" % (n, cycle))
            ws.recv_type("login")
            ws.send(type="leave", room="lobby", req="ll")
            ws.recv_type("leave")
            ws.send(type="join", room=room, req="j")
            ws.recv_type("join")
            ws.send(type="broadcast", room=room, message="w%d" % n, req=1)
            note_ack(room, ws.recv_type("ack")["seq"])
            ws.send(type="logout")
            ws.recv_type("bye")
            ws.sock.close()
            with lock:
                counts["ws_cycles"] += 1
        except Exception as e:  # noqa: BLE001
            problem("websocket %d cycle %d: %r" % (n, cycle, e))
            time.sleep(1)
        time.sleep(1.0)


def http_load(web, stop_at):
    paths = ["/", "/healthz", "/metrics", "/app.js"]
    i = 0
    while time.time() < stop_at:
        i += 1
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (web, paths[i % 4]), timeout=10) as r:
                r.read()
                if r.status != 200:
                    problem("http %s: %d" % (paths[i % 4], r.status))
            with lock:
                counts["http"] += 1
        except Exception as e:  # noqa: BLE001
            problem("http: %r" % e)
        time.sleep(0.02)


def sample(pid, started, rows, stop):
    while not stop.is_set():
        try:
            with open("/proc/%d/status" % pid) as f:
                rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            fds = len(os.listdir("/proc/%d/fd" % pid))
            rows.append((time.time() - started, rss / 1024.0, fds))
        except OSError:
            return
        stop.wait(5)


def svg(rows, path):
    """RSS (MiB) and open fds against time, two polylines on one chart."""
    w, h, pad = 800, 300, 50
    t_max = max(r[0] for r in rows) or 1
    def poly(values, color, label, y):
        top = max(values) * 1.2 or 1
        pts = " ".join("%.1f,%.1f" % (pad + r[0] / t_max * (w - 2 * pad), h - pad - v / top * (h - 2 * pad))
                       for r, v in zip(rows, values))
        return ('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                '<text x="%d" y="%d" fill="%s">%s (max %.0f)</text>' % (color, pts, pad + 10, y, color, label, max(values)))
    body = poly([r[1] for r in rows], "#c33", "server RSS, MiB", 20) + poly([r[2] for r in rows], "#33c", "open fds", 38)
    axis = ('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/><text x="%d" y="%d">%.0f s</text>'
            % (pad, h - pad, w - pad, h - pad, w - pad - 30, h - pad + 20, t_max))
    with open(path, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
                'font-size="13"><rect width="100%%" height="100%%" fill="#fff"/>%s%s</svg>\n' % (w, h, axis, body))


async def main():
    server = subprocess.Popen([sockit, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                               "--data", os.path.join(out_dir, "data"), "--log-level", "warn",
                               "--max-clients", str(churners + websockets + ROOMS + 100)],
                              stdout=subprocess.PIPE, stderr=open(os.path.join(out_dir, "server.log"), "wb"))
    port = int(re.search(r":(\d+) ", server.stdout.readline().decode()).group(1))
    web = int(re.search(r":(\d+)/", server.stdout.readline().decode()).group(1))
    started = time.time()
    stop_at = started + seconds
    rows, stop = [], threading.Event()
    sampler = threading.Thread(target=sample, args=(server.pid, started, rows, stop))
    sampler.start()
    ready = [asyncio.Event() for _ in range(ROOMS)]
    listeners = [asyncio.create_task(listen(port, "r%d" % i, ready[i])) for i in range(ROOMS)]
    for e in ready:
        await asyncio.wait_for(e.wait(), 30)
    threads = [threading.Thread(target=ws_churn, args=(web, n, stop_at)) for n in range(websockets)]
    threads.append(threading.Thread(target=http_load, args=(web, stop_at)))
    for t in threads:
        t.start()
    await asyncio.gather(*(churn(port, n, stop_at) for n in range(churners)))
    await asyncio.to_thread(lambda: [t.join() for t in threads])
    await asyncio.sleep(2)  # the last deliveries reach the listeners
    for task in listeners:
        task.cancel()
    stop.set()
    sampler.join()
    server.send_signal(signal.SIGTERM)
    code = server.wait(30)
    if code != 0:
        problem("server exit code %d (see %s/server.log)" % (code, out_dir))
    for room, seqs in acked.items():
        missing = seqs - received.get(room, set())
        if missing:
            problem("room %s: %d acked messages the listener never got" % (room, len(missing)))
    with open(os.path.join(out_dir, "soak.csv"), "w") as f:
        f.write("seconds,rss_mib,fds\n")
        f.writelines("%.0f,%.1f,%d\n" % r for r in rows)
    svg(rows, os.path.join(out_dir, "soak.svg"))
    first, last = rows[len(rows) // 10], rows[-1]  # after warm-up, against the end
    print("soak: %.0f s, %d TCP cycles, %d WebSocket cycles, %d messages acked and delivered, %d HTTP"
          % (seconds, counts["cycles"], counts["ws_cycles"], counts["messages"], counts["http"]))
    print("soak: RSS %.0f -> %.0f MiB (max %.0f), fds %d -> %d (max %d)"
          % (first[1], last[1], max(r[1] for r in rows), first[2], last[2], max(r[2] for r in rows)))
    if problems:
        print("\n".join(problems))
        if problem_count > len(problems):
            print("... and %d more problems (%d in all)" % (problem_count - len(problems), problem_count))
        sys.exit(1)
    print("soak: no errors, every message accounted for")


asyncio.run(main())
