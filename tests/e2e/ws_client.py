# A WebSocket chat client for the end-to-end tests, Python 3 standard library only: an
# independent implementation of the client side of RFC 6455 (masked frames, ping answered
# with pong, close handshake), so the server is tested against a peer it shares no code with.
import base64
import hashlib
import json
import os
import socket
import struct

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeRefused(Exception):
    def __init__(self, status, body):
        super().__init__("handshake refused: %d %s" % (status, body))
        self.status = status
        self.body = body


class WsClient:
    def __init__(self, port, host="127.0.0.1", timeout=20, origin=None, path="/ws",
                 rcvbuf=None, tls=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        if tls:  # an ssl.SSLContext: wss://
            self.sock = tls.wrap_socket(self.sock, server_hostname=host)
        self.buf = b""
        self.close_code = None
        self.close_reason = None
        self.pings = 0
        self.answer_pings = True
        self._handshake(host, port, origin, path)

    def _handshake(self, host, port, origin, path):
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port), "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if origin:
            lines.append("Origin: " + origin)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("closed during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode().split("\r\n")
        status = int(status_line.split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in
                   (line.split(":", 1) for line in header_lines)}
        if status != 101:
            raise HandshakeRefused(status, self.buf.decode(errors="replace"))
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        assert headers.get("sec-websocket-accept") == expected, headers

    def send_frame(self, opcode, payload, fin=True):
        mask = os.urandom(4)
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_text(self, text):
        self.send_frame(TEXT, text.encode())

    def send(self, **obj):
        self.send_text(json.dumps(obj))

    def _parse_frame(self):
        """(fin, opcode, payload) from the front of the buffer, or None if incomplete; a
        timeout while waiting for the rest never loses bytes."""
        if len(self.buf) < 2:
            return None
        b0, b1 = self.buf[0], self.buf[1]
        assert b1 & 0x80 == 0, "a server must not mask"
        n, at = b1 & 0x7F, 2
        if n == 126:
            if len(self.buf) < 4:
                return None
            n, at = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            if len(self.buf) < 10:
                return None
            n, at = struct.unpack("!Q", self.buf[2:10])[0], 10
        if len(self.buf) < at + n:
            return None
        payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
        return b0 & 0x80 != 0, b0 & 0x0F, payload

    def recv_frame(self):
        while True:
            frame = self._parse_frame()
            if frame:
                return frame
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed the TCP connection")
            self.buf += chunk

    def recv_text(self):
        """The next text message; answers pings; EOFError after a close frame."""
        parts = []
        while True:
            fin, opcode, payload = self.recv_frame()
            if opcode == PING:
                self.pings += 1
                if self.answer_pings:
                    self.send_frame(PONG, payload)
                continue
            if opcode == PONG:
                continue
            if opcode == CLOSE:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                self.close_reason = payload[2:].decode()
                try:
                    self.send_frame(CLOSE, payload[:2])
                except OSError:
                    pass
                raise EOFError("close frame %s %s" % (self.close_code, self.close_reason))
            parts.append(payload)
            if fin:
                return b"".join(parts).decode()

    def recv(self):
        return json.loads(self.recv_text())

    def recv_type(self, kind):
        while True:
            m = self.recv()
            if m.get("type") == kind:
                return m

    def closed(self):
        """True once the server ends the connection (after any pending messages)."""
        try:
            while True:
                self.recv_text()
        except (EOFError, ConnectionResetError):
            return True

    def login(self, nick):
        self.send(type="login", nickname=nick)
        ok = self.recv_type("login")
        assert ok["status"] == "ok", ok
        return ok["id"]

    def close(self):
        self.sock.close()
