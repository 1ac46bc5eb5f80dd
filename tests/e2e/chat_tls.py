#!/usr/bin/env python3
"""`sockit chat serve --tls-cert --tls-key` end to end, with a throwaway CA made here by the
openssl command: protocol v1 over TLS with Python's ssl module, `openssl s_client` and
`sockit chat connect --tls`; HTTPS and wss:// on the web port; a plain-text client gets
nowhere; SIGHUP loads a new certificate without dropping a connection.

usage: chat_tls.py SOCKIT WORKDIR
"""
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chat_client import Client  # noqa: E402
from harness import check, fail, read_until, spawn  # noqa: E402
import prometheus  # noqa: E402
from ws_client import WsClient  # noqa: E402

SOCKIT, WORK = sys.argv[1], sys.argv[2]


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=WORK, timeout=60)


def make_ca():
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=sockit test CA")
    with open(os.path.join(WORK, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")


def make_cert(name, cn):
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", "/CN=" + cn)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", "san.ext")


def path(name):
    return os.path.join(WORK, name)


def start_server():
    err = open(path("server.log"), "wb")
    proc = spawn([SOCKIT, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                  "--data", "none", "--tls-cert", path("server.pem"), "--tls-key",
                  path("server.key")], stdout=subprocess.PIPE, stderr=err)
    out = read_until(proc, lambda o: b"web page on" in o)
    tcp = re.search(rb"listening on 127\.0\.0\.1:(\d+) \(tls", out)
    web = re.search(rb"web page on https://127\.0\.0\.1:(\d+)/", out)
    check(tcp and web, "the server did not start with TLS: %r" % out)
    return proc, int(tcp.group(1)), int(web.group(1))


def trusting():
    return ssl.create_default_context(cafile=path("ca.pem"))


class TlsClient(Client):
    """The tests' protocol v1 client (chat_client.Client), over TLS checked against the test CA."""

    def __init__(self, port, nick):
        raw = socket.create_connection(("127.0.0.1", port), timeout=20)
        super().__init__(port, sock=trusting().wrap_socket(raw, server_hostname="127.0.0.1"))
        self.login(nick)

    def peer_cn(self):
        cert = self.sock.getpeercert()
        return dict(x[0] for x in cert["subject"])["commonName"]


def main():
    make_ca()
    make_cert("server", "localhost")
    proc, tcp, web = start_server()

    alice, bob = TlsClient(tcp, "alice"), TlsClient(tcp, "bob")
    alice.send(type="broadcast", message="hello over TLS", req=1)
    check(alice.recv_type("ack")["req"] == 1, "ack over TLS")
    m = bob.recv_type("broadcast")
    check(m["message"] == "hello over TLS", "broadcast over TLS: %r" % m)
    print("python ssl: two clients chat over TLS (certificate checked against the test CA)")

    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % tcp, "-CAfile",
                        path("ca.pem"), "-verify_return_error", "-quiet"],
                       input=b'{"type":"login","nickname":"ossl"}\n{"type":"logout"}\n',
                       capture_output=True, timeout=20)
    check(b'"type":"login","status":"ok"' in r.stdout, "openssl s_client: %r %r" % (r.stdout, r.stderr))
    print("openssl s_client: logs in over TLS")

    r = subprocess.run([SOCKIT, "chat", "connect", "--tls", "--cacert", path("ca.pem"),
                        "127.0.0.1:%d" % tcp], input=b"login term\nhello from the terminal\n",
                       capture_output=True, timeout=30)
    check(r.returncode == 0 and b"logged in as term" in r.stdout, "chat connect --tls: %r" % (r,))
    m = bob.recv_type("broadcast")
    check(m["message"] == "hello from the terminal", "terminal client over TLS: %r" % m)
    r = subprocess.run([SOCKIT, "chat", "connect", "--tls", "127.0.0.1:%d" % tcp],
                       input=b"login nobody\n", capture_output=True, timeout=30)
    check(r.returncode != 0 and b"certificate" in r.stderr,
          "an untrusted certificate is refused: %r" % (r,))
    r = subprocess.run([SOCKIT, "chat", "connect", "--tls", "-k", "127.0.0.1:%d" % tcp],
                       input=b"login insecure\n", capture_output=True, timeout=30)
    check(r.returncode == 0 and b"logged in as insecure" in r.stdout, "-k: %r" % (r,))
    print("sockit chat connect --tls: --cacert chats, no CA is refused, -k goes without checking")

    plain = socket.create_connection(("127.0.0.1", tcp), timeout=10)
    plain.sendall(b'{"type":"login","nickname":"plain"}\n')
    got = b""
    try:
        while True:
            chunk = plain.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    check(b"login" not in got, "a plain client must get nowhere: %r" % got)
    deadline = time.time() + 5
    while b"TLS handshake failed" not in open(path("server.log"), "rb").read() and time.time() < deadline:
        time.sleep(0.1)
    check(b"TLS handshake failed" in open(path("server.log"), "rb").read(), "the log says why")
    print("a plain-text client gets nowhere and the log says why")

    with urllib.request.urlopen("https://127.0.0.1:%d/healthz" % web, context=trusting(), timeout=10) as h:
        check(h.status == 200 and h.read() == b"ok\n", "HTTPS /healthz")
    with urllib.request.urlopen("https://127.0.0.1:%d/" % web, context=trusting(), timeout=10) as h:
        check(b"<html" in h.read().lower(), "the page over HTTPS")
    ws = WsClient(web, tls=trusting())
    ws.login("wss")
    ws.send(type="broadcast", message="hello over wss", req=2)
    m = bob.recv_type("broadcast")
    check(m["message"] == "hello over wss", "wss to TLS: %r" % m)
    gone = WsClient(web, tls=trusting())
    gone.login("gone")
    gone.sock.close()  # no close_notify (Python sends none on close), as browsers often do
    left = disconnects(web)
    check(left.get("client_closed") == 1 and left.get("error", 0) == 0,
          "a wss client gone without close_notify has left, not ended by an error: %r" % left)
    alpn = trusting()
    alpn.set_alpn_protocols(["http/1.1"])
    with alpn.wrap_socket(socket.create_connection(("127.0.0.1", web), timeout=10),
                          server_hostname="127.0.0.1") as s:
        check(s.selected_alpn_protocol() == "http/1.1", "ALPN http/1.1 on the web port")
    print("the web port: HTTPS, the page, wss:// into the same room, ALPN http/1.1")

    check(alice.peer_cn() == "localhost", "the first certificate")
    make_cert("server", "renewed.localhost")  # the files change in place
    proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline:
        late = TlsClient(tcp, "late%d" % int(time.time() * 1000))
        if late.peer_cn() == "renewed.localhost":
            break
        time.sleep(0.2)
    check(late.peer_cn() == "renewed.localhost", "after SIGHUP new connections get the new certificate")
    alice.send(type="broadcast", message="still here", req=3)
    check(alice.recv_type("ack")["req"] == 3, "the old connection lives on after SIGHUP")
    check(bob.recv_type("broadcast")["message"] == "still here", "and is heard")
    print("SIGHUP: new connections get the renewed certificate; open ones go on")

    proc.send_signal(signal.SIGTERM)
    check(proc.wait(timeout=15) == 0, "clean stop")
    metrics_guard()
    # A slow reader over TLS (whole lines, then slow_consumer) is tested in process:
    # tests/unit/chat_tls_session_test.cpp.
    print("tls: ok")


def disconnects(web):
    """sockit_chat_disconnects_total by reason, from the TLS web port, once a departure other
    than a logout has been counted (the server counts it a moment after the client goes) or
    after 10 s."""
    deadline = time.time() + 10
    while True:
        with urllib.request.urlopen("https://127.0.0.1:%d/metrics" % web, context=trusting(), timeout=10) as m:
            samples = prometheus.parse(m.read().decode())
        got = {dict(labels).get("reason"): v for (name, labels), v in samples.items()
               if name == "sockit_chat_disconnects_total" and v}
        if set(got) - {"logout"} or time.time() > deadline:
            return got
        time.sleep(0.05)


def get(port, target, token=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, target))
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metrics_guard():
    """--metrics-token on the web port; --metrics ADDR moves /metrics to an address of its own."""
    for own_port in (False, True):
        args = [SOCKIT, "chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data",
                "none", "--metrics-token", "s3cret"]
        if own_port:
            args += ["--metrics", "127.0.0.1:0"]
        proc = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        want = b"metrics on" if own_port else b"web page on"
        out = read_until(proc, lambda o: want in o)
        check(want in out, "server output: %r" % out)
        web = int(re.search(rb"web page on http://127\.0\.0\.1:(\d+)/", out).group(1))
        port = int(re.search(rb"metrics on http://127\.0\.0\.1:(\d+)/", out).group(1)) if own_port else web
        check(get(port, "/metrics")[0] == 401, "no token: 401")
        check(get(port, "/metrics", "wrong")[0] == 401, "a wrong token: 401")
        status, text = get(port, "/metrics", "s3cret")
        check(status == 200 and "sockit_chat_clients" in text, "the token: 200")
        if own_port:
            check(get(web, "/metrics", "s3cret")[0] == 404, "not on the web port any more")
            check(get(port, "/")[0] == 404, "the metrics port serves no page")
            check(get(port, "/healthz")[0] == 200, "but /healthz")
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=15) == 0, "clean stop")
    print("/metrics: 401 without the bearer token; --metrics moves it to its own address")


try:
    main()
except (EOFError, OSError, subprocess.SubprocessError) as e:
    fail(repr(e))
