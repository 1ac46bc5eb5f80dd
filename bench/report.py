#!/usr/bin/env python3
"""Turns bench/run's results (lines "NAME JSON") into docs/benchmarks.md and one SVG plot per
scenario (gnuplot). Every figure is the median of the rounds, with min–max; every ratio is
sockit's median over the peer's median from the same run."""
import argparse
import json
import os
import platform
import statistics
import subprocess
from datetime import datetime, timezone


def load(path):
    runs = {}
    for line in open(path):
        name, data = line.split(" ", 1)
        runs.setdefault(name, []).append(json.loads(data))
    return runs


class Table:
    def __init__(self, runs):
        self.runs = runs

    def values(self, name, key):
        return [r[key] for r in self.runs.get(name, [])]

    def med(self, name, key):
        v = self.values(name, key)
        return statistics.median(v) if v else float("nan")

    def spread(self, name, key, scale=1.0, fmt="{:,.0f}"):
        v = [x / scale for x in self.values(name, key)]
        if not v:
            return "—"
        return (fmt + " (" + fmt + "–" + fmt + ")").format(statistics.median(v), min(v), max(v))

    def errors(self, name):
        return sum(r.get("errors", 0) for r in self.runs.get(name, []))


def shell(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine_facts(versions):
    cpu = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
    mem = shell("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")
    debian = shell("cat /etc/debian_version")
    lines = [f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem}",
             f"- {platform.system()} {platform.release()}, Debian {debian}",
             "- Servers and load generators share these cores: every number includes the "
             "client's own cost, equally for sockit and its peer."]
    lines += [f"- {v}" for v in versions.splitlines() if v.strip()]
    return "\n".join(lines)


def bar_chart(out_dir, name, title, ylabel, rows):
    """rows: (label, median, low, high). Writes docs/bench/NAME.svg with gnuplot."""
    os.makedirs(os.path.join(out_dir, "bench"), exist_ok=True)
    data = os.path.join(out_dir, "bench", name + ".dat")
    with open(data, "w") as f:
        for label, med, low, high in rows:
            f.write(f'"{label}" {med} {low} {high}\n')
    svg = os.path.join(out_dir, "bench", name + ".svg")
    script = f"""
set terminal svg size 640,340 dynamic font "sans,11" background "white"
set output "{svg}"
set title "{title}"
set ylabel "{ylabel}"
set yrange [0:*]
set grid ytics
set boxwidth 0.6
set style fill solid 0.7 border -1
set xtics nomirror
unset key
plot "{data}" using 0:2:xtic(1) with boxes lc rgb "#3b6fb6", \\
     "" using 0:2:3:4 with yerrorbars lc rgb "#222222" pt 0 lw 1.5
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.remove(data)
    return f"![{title}](bench/{name}.svg)"


def rows_for(t, names, key, scale=1.0):
    rows = []
    for label, name in names:
        v = [x / scale for x in t.values(name, key)]
        if v:
            rows.append((label, statistics.median(v), min(v), max(v)))
    return rows


def cpu(t, name, key):
    v = t.med(name, key)
    return "—" if v != v or v < 0 else f"{v:.1f}"


def echo_section(t, a, out):
    lines = ["## Echo ping-pong vs Redis PING", "",
             f"{a.conns} and 1,000 connections, one request in flight on each, one `sockit-bench` "
             "client thread; sockit echoes 14 bytes, Redis answers `PING` with `+PONG` (RESP). "
             "Server CPU is the server process's own time per request (/proc/PID/stat); system "
             "calls per request are the server's (`perf stat -e raw_syscalls:sys_enter`).", "",
             "| server | connections | requests/s | p50 µs | p99 µs | server CPU µs/req | syscalls/req | vs Redis |",
             "|---|---|---|---|---|---|---|---|"]
    ratios = {}
    rows = []
    for conns, suffix in ((a.conns, ""), ("1000", "-c1000")):
        base = t.med("echo-redis" + suffix, "rate")
        for label, n in [("sockit async", "echo-sockit-async" + suffix),
                         ("sockit threading", "echo-sockit-threading" + suffix),
                         ("Redis PING", "echo-redis" + suffix)]:
            ratios[n] = t.med(n, "rate") / base
            lines.append(f"| {label} | {conns} | {t.spread(n, 'rate')} | {t.med(n, 'p50_us'):.0f} | "
                         f"{t.med(n, 'p99_us'):.0f} | {cpu(t, n, 'server_cpu_us')} | "
                         f"{syscalls(t, n)} | {ratios[n]:.2f} |")
            v = t.values(n, "rate")
            if v:
                rows.append((f"{label} {conns}".replace("sockit ", ""), statistics.median(v), min(v), max(v)))
    lines += ["", bar_chart(out, "echo", "Echo ping-pong, requests/s", "requests/s", rows)]
    return lines, ratios


def bulk_section(t, a, out):
    base = t.med("bulk-iperf3", "mib_per_s")
    lines = ["## Bulk echo vs iperf3", "",
             "One connection. sockit: `sockit-bench echo --bulk` writes 128 KiB chunks to "
             "`sockit echo serve --model async` and reads the echo at the same time; the figure is "
             "what came back. The server moves the bytes with splice(2) (socket → pipe → socket), "
             "never copying them. iperf3 `--bidir`: the reverse stream's rate, i.e. the same bytes "
             "flowing both ways over loopback — the ceiling. Both runs share the two cores with "
             "their client, so CPU per MiB (the server process's) says more than MiB/s.", "",
             "| server | MiB/s back | server CPU µs/MiB | vs iperf3 |", "|---|---|---|---|"]
    names = [("sockit echo", "bulk-sockit"), ("iperf3 --bidir", "bulk-iperf3")]
    for label, n in names:
        lines.append(f"| {label} | {t.spread(n, 'mib_per_s')} | {cpu(t, n, 'server_cpu_us_per_mib')} | "
                     f"{t.med(n, 'mib_per_s') / base:.2f} |")
    lines += ["", bar_chart(out, "bulk", "Bulk echo over loopback, MiB/s", "MiB/s",
                            rows_for(t, names, "mib_per_s"))]
    return lines, t.med("bulk-sockit", "mib_per_s") / base


def chat_section(t, a, out):
    asked = int(a.subscribers) * int(a.chat_rate)
    lines = ["## Chat fan-out vs Redis pub/sub and NATS", "",
             f"One room, {a.subscribers} subscribers, one publisher at {a.chat_rate} messages/s of "
             f"64 bytes ({asked:,} deliveries/s asked) for {a.secs} s after a 2 s warm-up; latency "
             "is publish-to-delivery (a timestamp in the payload), all measured by the same "
             "`sockit-bench chat` with its sockit v1, RESP and NATS adapters on one client thread.", "",
             "| server | deliveries/s | p50 ms | p99 ms | p99.9 ms | errors |", "|---|---|---|---|---|---|"]
    names = [("sockit", "chat-sockit"), ("Redis", "chat-redis"), ("NATS", "chat-nats")]
    for label, n in names:
        lines.append(f"| {label} | {t.spread(n, 'rate')} | {t.med(n, 'p50_us') / 1000:.1f} | "
                     f"{t.med(n, 'p99_us') / 1000:.1f} | {t.med(n, 'p999_us') / 1000:.1f} | {t.errors(n)} |")
    p99 = t.med("chat-sockit", "p99_us")
    vs_redis, vs_nats = p99 / t.med("chat-redis", "p99_us"), p99 / t.med("chat-nats", "p99_us")
    lines += ["", f"p99 latency ratio (lower is better): sockit/Redis {vs_redis:.2f}, "
                  f"sockit/NATS {vs_nats:.2f}.", "",
              bar_chart(out, "chat", "Chat fan-out, p99 publish-to-delivery (ms, lower is better)",
                        "ms", rows_for(t, names, "p99_us", 1000.0))]
    return lines, (vs_redis, vs_nats)


def syscalls(t, n):
    v = [x for x in t.values(n, "syscalls_per_request") if x >= 0]
    return f"{statistics.median(v):.3f}" if v else "—"


def core_section(t, a, out):
    servers = [("sockit --threads 1", "sockit-t1"), ("sockit --threads 1 --io-uring off", "sockit-t1-sendmsg"),
               ("sockit --threads 2", "sockit-t2"), ("Redis", "redis"), ("NATS", "nats")]
    lines = ["## Chat core: peak fan-out and server CPU per delivery", "",
             "The server's own CPU time (utime + stime from /proc/PID/stat over the publishing "
             "window) divided by the deliveries: it does not depend on how fast the load generator "
             "sharing the two cores is. Three loads, 64-byte messages:", "",
             "- **peak**: 1 room, 1,000 subscribers, 4 publishers each sending its next message when "
             "the last is acknowledged (Redis: PUBLISH's reply; NATS: PING/PONG after PUB);",
             f"- **half**: the same room at a fixed {a.half_rate} messages/s from one publisher "
             f"({int(a.half_rate or 0) * 1000:,} deliveries/s);",
             "- **rooms**: 200 rooms × 10 subscribers, 200 publishers as fast as acks come back;",
             "- **bound**: the peak room at a fixed rate, raised 1.2× a run from 100 messages/s: the "
             "highest rate whose publish-to-delivery p99 stayed within 50 ms (its figures are that run's).", "",
             "sockit writes each loop turn's deliveries in one io_uring submission (`--io-uring auto`, "
             "the default); `--io-uring off` writes with one sendmsg a connection. System calls per "
             "delivery are the server's (`perf stat -e raw_syscalls:sys_enter`).", "",
             "| load | server | deliveries/s | CPU µs per delivery | syscalls per delivery | p99 ms | vs Redis, deliveries | vs Redis, CPU |",
             "|---|---|---|---|---|---|---|---|"]
    ratios = {}
    for load in ("peak", "half", "rooms", "bound"):
        base_rate, base_cpu = t.med(f"{load}-redis", "rate"), t.med(f"{load}-redis", "server_cpu_us")
        for label, key in servers:
            n = f"{load}-{key}"
            if not t.values(n, "rate"):
                continue
            rate, cpu = t.med(n, "rate"), t.med(n, "server_cpu_us")
            ratios[(load, key)] = (rate / base_rate, cpu / base_cpu)
            lines.append(f"| {load} | {label} | {t.spread(n, 'rate')} | {t.spread(n, 'server_cpu_us', fmt='{:.2f}')} | "
                         f"{syscalls(t, n) if load != 'bound' else '—'} | {t.med(n, 'p99_us') / 1000:.1f} | "
                         f"{rate / base_rate:.2f} | {cpu / base_cpu:.2f} |")
    names = [(f"{l} {k}", f"{l}-{k}") for l in ("peak", "rooms") for _, k in servers]
    lines += ["", bar_chart(out, "chat-core", "Chat: deliveries/s at peak and with 200 rooms",
                            "deliveries/s", rows_for(t, names, "rate")),
              "", bar_chart(out, "chat-cpu", "Chat: server CPU µs per delivery (lower is better)", "µs",
                            rows_for(t, [(f"{l} {k}", f"{l}-{k}") for l in ("peak", "half", "rooms")
                                         for _, k in servers], "server_cpu_us"))]
    return lines, ratios


def cluster_section(t, a, out):
    setups = [("one node, no Redis", "cluster0-sockit-t1"), ("one node on Redis", "cluster1-sockit"),
              ("two nodes on Redis", "cluster2-sockit")]
    lines = ["## Chat cluster: one node vs nodes on Redis", "",
             "The peak load (1 room, 1,000 subscribers, 4 publishers as fast as acks come back); "
             "every node runs one loop (`--threads 1`); with two nodes the clients are spread over "
             "both. CPU per delivery is that of all server processes together (nodes and Redis).", "",
             "| setup | deliveries/s | CPU µs per delivery | p99 ms | vs one node, deliveries | vs one node, CPU |",
             "|---|---|---|---|---|---|"]
    base_rate, base_cpu = t.med(setups[0][1], "rate"), t.med(setups[0][1], "server_cpu_us")
    ratios = {}
    for label, n in setups:
        if not t.values(n, "rate"):
            continue
        rate, cpu = t.med(n, "rate"), t.med(n, "server_cpu_us")
        ratios[n] = (rate / base_rate, cpu / base_cpu)
        lines.append(f"| {label} | {t.spread(n, 'rate')} | {t.spread(n, 'server_cpu_us', fmt='{:.2f}')} | "
                     f"{t.med(n, 'p99_us') / 1000:.1f} | {rate / base_rate:.2f} | {cpu / base_cpu:.2f} |")
    lines += ["", bar_chart(out, "chat-cluster", "Chat cluster: deliveries/s at peak", "deliveries/s",
                            rows_for(t, setups, "rate"))]
    return lines, ratios


def cluster_rooms_section(t):
    """bench/cluster_rooms.py: what a node receives from Redis (none: no section)."""
    n = "cluster-rooms"
    if not t.runs.get(n):
        return [], float("nan")
    lines = ["## Chat cluster: what a node hears of Redis", "",
             "4 nodes on one Redis, each with 4 rooms of its own, one reader in them and one "
             "publisher sending 2,000 broadcasts of 100 B; all nodes at once. Bytes Redis sent over "
             "the publishing (RESP): to each node's subscriptions "
             "(`sockit_chat_cluster_subscription_bytes_total`), to a client subscribed to exactly "
             "that node's rooms (its own traffic), and to a client with `PSUBSCRIBE sockit:room:*` "
             "(what every node received before it subscribed per room).", "",
             "| | bytes from Redis / own rooms' bytes (worst node) |", "|---|---|",
             f"| per-room SUBSCRIBE (now) | {t.spread(n, 'ratio_after', fmt='{:.3f}')} |",
             f"| PSUBSCRIBE sockit:room:* (before) | {t.spread(n, 'ratio_before', fmt='{:.3f}')} |"]
    return lines, t.med(n, "ratio_after")


def conns_section(t, a, out):
    lines = ["## Idle connections: memory per connection", "",
             f"{a.idle:,} clients connect from 127.0.0.x and stay idle: chat users logged in (each "
             "then leaves the lobby), Redis clients after one `PING`. Growth of the server's RSS "
             "(from /proc) divided by the clients; a fresh server each round.", "",
             "| server | clients open | bytes per connection | RSS after, MiB |", "|---|---|---|---|"]
    names = [("sockit chat", "conns-sockit"), ("Redis", "conns-redis")]
    for label, n in names:
        lines.append(f"| {label} | {t.med(n, 'connections'):,.0f} | {t.spread(n, 'bytes_per_connection')} | "
                     f"{t.med(n, 'rss_after') / 2**20:.1f} |")
    ratio = t.med("conns-sockit", "bytes_per_connection") / t.med("conns-redis", "bytes_per_connection")
    lines += ["", f"sockit/Redis bytes per connection: {ratio:.2f} (lower is better).", "",
              bar_chart(out, "conns", "Server memory per idle connection (bytes, lower is better)",
                        "bytes", rows_for(t, names, "bytes_per_connection"))]
    return lines, ratio


def tls_idle_section(t):
    """bench/tls_idle.py: TLS connections that never send a ClientHello (none: no section)."""
    names = [("sockit http serve", "tls-idle-http"), ("sockit chat serve", "tls-idle-chat")]
    if not any(t.runs.get(n) for _, n in names):
        return []
    lines = ["## Silent TLS connections: memory per pending handshake", "",
             "N connections to the TLS port that never send a ClientHello (a scanner, a flood): the "
             "growth of the server's RSS divided by N while they are open, and the RSS after each of "
             "several floods of N opened and closed (memory kept or given back).", "",
             "| server | connections | bytes per silent connection | RSS after the last flood / after the first |",
             "|---|---|---|---|"]
    for label, n in names:
        lines.append(f"| {label} | {t.med(n, 'connections'):,.0f} | {t.spread(n, 'bytes_per_silent_connection')} | "
                     f"{t.spread(n, 'last_flood_over_first', fmt='{:.2f}')} |")
    return lines


HTTP_ROWS = [("1k", "1 KiB, 64 connections", "http-1k"), ("16k", "16 KiB, 64 connections", "http-16k"),
             ("1m", "1 MiB, 64 connections", "http-1m"), ("c1000", "1 KiB, 1,000 connections", "http-c1000"),
             ("close", "1 KiB, a new connection per request", "http-close"),
             ("https", "HTTPS 1 KiB, 64 connections", "https-1k")]


def http_section(t, a, out):
    lines = ["## HTTP static files vs nginx (wrk)", "",
             "`wrk -t 2` against `sockit http serve --quiet` (one event loop per core) and nginx with "
             "`worker_processes auto` (one per core), `sendfile on`, no access log, serving the same "
             "files; keep-alive unless a new connection per request (`Connection: close`); HTTPS "
             "with the same RSA 2048 certificate on both. Server CPU is the server's own time per "
             "request (nginx: master and workers), which does not depend on wrk sharing the cores; "
             "so are its system calls per request (`perf stat -e raw_syscalls:sys_enter`). "
             "sockit batches a loop turn's answers through io_uring; the last row is the same "
             "server with `--io-uring off` (one sendmsg an answer).", "",
             "| load | sockit req/s | nginx req/s | sockit p99 ms | nginx p99 ms | CPU µs/req sockit / nginx "
             "| syscalls/req sockit / nginx | vs nginx |",
             "|---|---|---|---|---|---|---|---|"]
    ratios, rows = {}, []
    for key, label, prefix in HTTP_ROWS + [("sendmsg", "1 KiB, 64 connections, sockit --io-uring off", "http-1k")]:
        s, n = (f"{prefix}-sockit", f"{prefix}-nginx") if key != "sendmsg" else ("http-1k-sockit-sendmsg", "http-1k-nginx")
        ratios[key] = t.med(s, "rate") / t.med(n, "rate")
        lines.append(f"| {label} | {t.spread(s, 'rate')} | {t.spread(n, 'rate')} | "
                     f"{t.med(s, 'p99_us') / 1000:.2f} | {t.med(n, 'p99_us') / 1000:.2f} | "
                     f"{cpu(t, s, 'cpu_us_per_req')} / {cpu(t, n, 'cpu_us_per_req')} | "
                     f"{syscalls(t, s)} / {syscalls(t, n)} | {ratios[key]:.2f} |")
        rows.append((key, ratios[key], ratios[key], ratios[key]))
    lines += ["", bar_chart(out, "http", "HTTP requests/s, sockit / nginx (1.0 = parity)", "ratio",
                            rows)]
    return lines, ratios


def ack_section(t, a, out):
    n = "ack-sockit"
    lines = ["## What a durable ack costs", "",
             "An ack waits until SQLite has committed the message (group commit by the store's "
             "writer thread, WAL, synchronous=NORMAL). `bench/ack_latency.py`: 4 clients, each "
             "sending its next 64-byte broadcast when the last is acknowledged, then the same clients "
             "ping-ponging; a pong waits for nothing, so the difference is the price of durability. "
             "The load generator is single-process Python: pong rates are its ceiling.", "",
             "| round trip | per second | p50 ms | p99 ms |", "|---|---|---|---|",
             f"| broadcast -> ack | {t.spread(n, 'ack_rate')} | {t.med(n, 'ack_p50_ms'):.3f} | "
             f"{t.med(n, 'ack_p99_ms'):.3f} |",
             f"| ping -> pong | {t.spread(n, 'pong_rate')} | {t.med(n, 'pong_p50_ms'):.3f} | "
             f"{t.med(n, 'pong_p99_ms'):.3f} |"]
    return lines, t.med(n, "ack_p99_ms") / t.med(n, "pong_p99_ms")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("out")
    for opt in ["rounds", "secs", "conns", "subscribers", "chat-rate", "half-rate", "idle", "versions"]:
        p.add_argument("--" + opt, default="")
    a = p.parse_args()
    a.idle = int(a.idle or 0)
    t = Table(load(a.results))
    echo, echo_ratio = echo_section(t, a, a.out)
    bulk, bulk_ratio = bulk_section(t, a, a.out)
    chat, (chat_redis, chat_nats) = chat_section(t, a, a.out)
    core, core_ratios = core_section(t, a, a.out)
    peak = core_ratios.get(("peak", "sockit-t2"), (float("nan"),) * 2)
    peak1 = core_ratios.get(("peak", "sockit-t1"), (float("nan"),) * 2)
    peak1_sendmsg = core_ratios.get(("peak", "sockit-t1-sendmsg"), (float("nan"),) * 2)
    calls = {k: t.med(f"peak-{k}", "syscalls_per_request") for k in ("sockit-t1", "sockit-t1-sendmsg", "redis")}
    bound = core_ratios.get(("bound", "sockit-t1"), (float("nan"),) * 2)
    rooms = core_ratios.get(("rooms", "sockit-t2"), (float("nan"),) * 2)
    half = core_ratios.get(("half", "sockit-t2"), (float("nan"),) * 2)
    cluster, cluster_ratios = cluster_section(t, a, a.out)
    two = cluster_ratios.get("cluster2-sockit", (float("nan"),) * 2)
    rooms_heard, rooms_ratio = cluster_rooms_section(t)
    ack, ack_ratio = ack_section(t, a, a.out)
    conns, conns_ratio = conns_section(t, a, a.out)
    http, http_ratios = http_section(t, a, a.out)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    doc = ["# sockit benchmarks", "",
           f"Written by `bench/run` on {when}: {a.rounds} rounds, each scenario alternating sockit "
           f"and its peer (A B A B …), {a.secs} s a run. Figures are medians with min–max; ratios "
           "are sockit's median over the peer's from the same run. This machine is shared and noisy: "
           "read ratios, not absolute numbers.", "",
           "## Summary", "",
           "| scenario | sockit / peer | better when |", "|---|---|---|",
           f"| echo ping-pong, {a.conns} / 1,000 conns, vs Redis PING (async) | "
           f"{echo_ratio['echo-sockit-async']:.2f} / {echo_ratio['echo-sockit-async-c1000']:.2f} | higher |",
           f"| echo ping-pong, {a.conns} / 1,000 conns, vs Redis PING (threading) | "
           f"{echo_ratio['echo-sockit-threading']:.2f} / {echo_ratio['echo-sockit-threading-c1000']:.2f} | higher |",
           f"| echo requests/s at p99 ≤ 5 ms vs Redis PING (a ramp of connections) | "
           f"{t.med('echo-bound-sockit', 'rate') / t.med('echo-bound-redis', 'rate'):.2f} | higher |",
           f"| bulk echo vs iperf3 (loopback ceiling) | {bulk_ratio:.2f} | higher |",
           f"| chat fan-out p99, vs Redis pub/sub | {chat_redis:.2f} | lower |",
           f"| chat fan-out p99, vs NATS | {chat_nats:.2f} | lower |",
           f"| chat peak deliveries/s vs Redis (--threads 1 / 2) | {peak1[0]:.2f} / {peak[0]:.2f} | higher |",
           f"| chat CPU per delivery at peak vs Redis (--threads 1 / 2) | {peak1[1]:.2f} / {peak[1]:.2f} | lower |",
           f"| chat at peak, --threads 1, io_uring / --io-uring off: deliveries/s, CPU per delivery | "
           f"{peak1[0] / peak1_sendmsg[0]:.2f}, {peak1[1] / peak1_sendmsg[1]:.2f} | higher, lower |",
           f"| chat system calls per delivery at peak vs Redis (io_uring / --io-uring off) | "
           f"{calls['sockit-t1'] / calls['redis']:.2f} / {calls['sockit-t1-sendmsg'] / calls['redis']:.2f} | lower |",
           f"| chat CPU per delivery at half rate vs Redis | {half[1]:.2f} | lower |",
           f"| chat deliveries/s at p99 ≤ 50 ms vs Redis (--threads 1) | {bound[0]:.2f} | higher |",
           f"| chat 200 rooms deliveries/s vs Redis | {rooms[0]:.2f} | higher |",
           f"| chat, two cluster nodes on Redis vs one node alone: deliveries/s | {two[0]:.2f} | higher |",
           f"| chat, two cluster nodes on Redis vs one node alone: CPU per delivery | {two[1]:.2f} | lower |",
           f"| chat cluster, 4 nodes with rooms of their own: bytes a node receives from Redis vs "
           f"its own rooms' traffic | {rooms_ratio:.2f} | lower (1.0 ideal) |",
           f"| durable ack p99, vs ping p99 on the same server | {ack_ratio:.2f} | lower |",
           f"| idle connection memory vs Redis | {conns_ratio:.2f} | lower |",
           *[f"| HTTP {label} vs nginx | {http_ratios[key]:.2f} | higher |" for key, label, _ in HTTP_ROWS],
           f"| HTTP 1 KiB, 64 connections, io_uring / --io-uring off | "
           f"{http_ratios['1k'] / http_ratios['sendmsg']:.2f} | higher |", "",
           "## Machine", "", machine_facts(a.versions.replace("\\n", "\n")), "",
           "Reproduce: `make bench` (or `bench/run`; `ROUNDS`, `SECS`, `CONNS`, `SUBSCRIBERS`, "
           "`CHAT_RATE`, `IDLE` override the defaults). Peers are Debian's packages, started on "
           "loopback with the configurations in `bench/peers/`.", ""]
    for section in (echo, bulk, chat, core, cluster, rooms_heard, ack, conns, http, tls_idle_section(t)):
        doc += section + [""]
    # What the numbers do not say by themselves (profiles, experiments), kept by hand.
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
    if os.path.exists(analysis):
        doc += [open(analysis).read()]
    with open(os.path.join(a.out, "benchmarks.md"), "w") as f:
        f.write("\n".join(doc))


if __name__ == "__main__":
    main()
