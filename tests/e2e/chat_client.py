# A small chat client for the end-to-end tests, Python 3 standard library only.
# The server ends every object with "\n", so a reader splits on newlines.
import json
import socket
import time


class Client:
    def __init__(self, port, host="127.0.0.1", timeout=20, sock=None):
        # `sock`: an already connected socket to use instead (an ssl-wrapped one, say)
        self.sock = sock or socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, **obj):
        self.sock.sendall((json.dumps(obj) + "\n").encode())

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def recv_type(self, kind):
        """Skips other messages until one of type `kind` arrives."""
        while True:
            m = self.recv()
            if m.get("type") == kind:
                return m

    def closed(self):
        """True when the server closes the connection (after any pending objects)."""
        try:
            while True:
                self.recv()
        except (EOFError, ConnectionResetError):
            return True

    def login(self, nick):
        self.send(type="login", nickname=nick)
        ok = self.recv_type("login")
        assert ok["status"] == "ok", ok
        return ok["id"]

    def close(self):
        self.sock.close()
