"""A real redis-server for the end-to-end tests, on a free loopback port, and a small RESP
client to look at it (standard library only)."""
import os
import re
import socket

from harness import check, free_port, spawn, wait_until


class RedisServer:
    """redis-server on a free loopback port; its append-only file in `work` survives a restart."""

    def __init__(self, work):
        self.port = free_port()
        self.dir = os.path.join(work, "redis-%d" % self.port)
        os.makedirs(self.dir, exist_ok=True)
        self.url = "redis://127.0.0.1:%d" % self.port
        self.start()

    def start(self):
        self.proc = spawn(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--logfile", os.path.join(self.dir, "redis.log")])
        wait_until(self.answers, 10, "redis-server to answer")

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)

    def call(self, *args):
        """One command; its reply: str for a status or bulk string, int, list for an array, or
        an error string."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(("*%d\r\n" % len(args)).encode() +
                      b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (str(x).encode() for x in args)))
            return self.reply(s.makefile("rb"))

    def reply(self, f):
        head = f.readline()
        if head[:1] in (b"+", b"-"):
            return head[1:].strip().decode()
        if head[:1] == b":":
            return int(head[1:])
        if head[:1] == b"*":
            return [self.reply(f) for _ in range(int(head[1:]))]
        check(head[:1] == b"$", "redis reply %r" % head)
        return f.read(int(head[1:]) + 2)[:-2].decode()

    def used_memory(self):
        return int(re.search(r"used_memory:(\d+)", self.call("INFO", "memory")).group(1))
