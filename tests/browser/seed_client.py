# The terminal user of the browser test, written the way the tutorial writes its chat client:
# a socket, `json.dumps(...).encode()` sent with no delimiter, commands typed on stdin
# (`login NAME`, `send TEXT`; here also `dm NICK TEXT`, `join ROOM`, `leave ROOM`) and a
# receive thread printing `[nickname(id)] message`. Unlike the tutorial's recv(1024) it splits
# what arrives on the server's newlines, so two messages in one read are not lost.
import json
import socket
import sys
import threading


class Client:
    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.id = None

    def receive_message_thread(self):
        buffer = b""
        while True:
            data = self.socket.recv(1024)
            if not data:
                print("[Client] closed", flush=True)
                return
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self.show(json.loads(line.decode()))

    def show(self, obj):
        kind = obj.get("type")
        if kind == "login":
            self.id = obj["id"]
            print("[Client] logged in", obj["id"], flush=True)
        elif kind in ("broadcast", "system", "direct"):
            prefix = "(direct) " if kind == "direct" else "(%s) " % obj["room"]
            print(prefix + "[" + str(obj["sender_nickname"]) + "(" + str(obj["sender_id"]) + ")]",
                  obj["message"], flush=True)
        else:
            print("[Client]", json.dumps(obj, ensure_ascii=False), flush=True)

    def send(self, obj):
        self.socket.send(json.dumps(obj).encode())

    def start(self, address, cafile=None):
        self.socket.connect(address)
        if cafile:  # the server speaks TLS (--tls-cert): the one step the tutorial adds
            import ssl
            context = ssl.create_default_context(cafile=cafile)
            # This client reads in one thread while it writes in another, which one OpenSSL
            # connection does not support; TLS 1.3 sends session tickets after the handshake,
            # which the reading thread may be processing while the other writes. TLS 1.2 has
            # no such records, so the tutorial's two threads are safe with it.
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            self.socket = context.wrap_socket(self.socket, server_hostname=address[0])
        threading.Thread(target=self.receive_message_thread, daemon=True).start()
        for action in sys.stdin:
            action = action.strip()
            if action.startswith("login "):
                self.send({"type": "login", "nickname": action.split()[1]})
            elif action.startswith("send "):
                self.send({"type": "broadcast", "sender_id": self.id, "message": action[5:]})
            elif action.startswith("dm "):
                _, to, text = action.split(" ", 2)
                self.send({"type": "direct", "to": to, "message": text})
            elif action.startswith("join ") or action.startswith("leave "):
                verb, room = action.split()
                self.send({"type": verb, "room": room})


if __name__ == "__main__":
    Client().start(("127.0.0.1", int(sys.argv[1])), sys.argv[2] if len(sys.argv) > 2 else None)
