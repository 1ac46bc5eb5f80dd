"""A burst of connections at once against a server with a connection limit, while another
thread counts, many times over, the connections the server holds open: those on its port
that are accepted and not closed yet, as NETLINK_SOCK_DIAG lists them (see sample() for why
two lists are compared). Reading the server's descriptors one by one (/proc/PID/fd) instead,
a socket closed and another accepted on a reused number meanwhile would be counted twice.

usage: connection_burst.py PID PORT CONNECTIONS PAYLOAD [close]
(PID: the server's, for the record; close: a client closes once answered, else it stays)
Prints: "max_open=M samples=S answered=A" (A: connections that got any bytes back)."""
import os
import resource
import selectors
import socket
import struct
import sys
import threading
import time


SOCK_DIAG_BY_FAMILY, NLMSG_DONE, NLMSG_ERROR = 20, 3, 2
INET_DIAG_REQ_BYTECODE, INET_DIAG_BC_S_EQ = 1, 11
# The TCP states a socket the server holds may be in (ESTABLISHED, FIN_WAIT1/2, CLOSE,
# CLOSE_WAIT, LAST_ACK, CLOSING); not LISTEN, nor TIME_WAIT, of which a burst leaves thousands.
HELD_STATES = sum(1 << state for state in (1, 4, 5, 7, 8, 9, 11))
NETLINK_SOCK_DIAG = 4  # linux/netlink.h (not in the socket module)


def diag_request(port):
    """An inet_diag dump of the IPv4 TCP sockets whose local port is `port`, filtered by the
    kernel (bytecode: local port == port), so the answer is small and made in one pass."""
    sockid = bytes(48)  # no exact socket: a dump
    req = struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, HELD_STATES) + sockid
    bytecode = struct.pack("=BBH", INET_DIAG_BC_S_EQ, 8, 12) + struct.pack("=BBH", 0, 0, port)
    attr = struct.pack("=HH", 4 + len(bytecode), INET_DIAG_REQ_BYTECODE) + bytecode
    body = req + attr
    return struct.pack("=IHHII", 16 + len(body), SOCK_DIAG_BY_FAMILY, 0x301, 1, 0) + body


def held(nl, port):
    """The inodes of the connections the server holds open on `port`, as NETLINK_SOCK_DIAG
    lists them: a connection still in the listen queue has no inode yet, and neither has one
    whose socket the server has closed."""
    nl.send(diag_request(port))
    inodes = set()
    while True:
        data = nl.recv(1 << 20)
        offset = 0
        while offset < len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if kind == NLMSG_DONE:
                return inodes
            if kind == NLMSG_ERROR:
                raise OSError(-struct.unpack_from("=i", data, offset + 16)[0], "sock_diag")
            sport = struct.unpack_from(">H", data, offset + 16 + 4)[0]
            inode = struct.unpack_from("=I", data, offset + 16 + 68)[0]
            if sport == port and inode != 0:
                inodes.add(inode)
            offset += (length + 3) & ~3


def sample(port, stop, counts):
    """Counts the connections open at one instant. A list is made in passes (one a buffer),
    and between passes a socket may close and another open and both be listed; but a
    connection in two lists one after the other was open from the first to the second, so
    the connections in both were all open at once (between the two lists): never more than
    the server really held, however the lists were made."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as nl:
        before = held(nl, port)
        while not stop.is_set():
            now = held(nl, port)
            counts.append(len(before & now))
            before = now


def main():
    pid, port, n, payload = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    close_answered = sys.argv[5:] == ["close"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 256)), hard))
    counts, stop = [], threading.Event()
    sampler = threading.Thread(target=sample, args=(port, stop, counts))
    sampler.start()
    clients = []
    for _ in range(n):  # all at once: non-blocking connects, the requests sent as each is up
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        clients.append(s)
    sel = selectors.DefaultSelector()
    for s in clients:
        sel.register(s, selectors.EVENT_WRITE)
    answered, pending, deadline = set(), len(clients), time.time() + 60
    while pending and time.time() < deadline:
        for key, events in sel.select(timeout=1):
            s = key.fileobj
            if events & selectors.EVENT_WRITE:
                try:
                    s.send(payload.encode().decode("unicode_escape").encode("latin-1"))
                except OSError:
                    pass
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                answered.add(s)
            if not data or s in answered:
                sel.unregister(s)
                pending -= 1
                if close_answered:
                    s.close()
    stop.set()
    sampler.join()
    print("max_open=%d samples=%d answered=%d" % (max(counts), len(counts), len(answered)))
    for s in clients:
        s.close()  # again for those closed already: harmless


main()
