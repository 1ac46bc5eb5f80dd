// `sockit chat serve --http`: the web port end to end — the embedded page, the WebSocket /ws
// speaking protocol v1 into the same rooms as TCP, the Origin check, limits over WebSocket,
// /healthz and /metrics — with Python clients (standard library only; the WebSocket client is
// an independent implementation, tests/e2e/ws_client.py).
#include <gtest/gtest.h>

#include <algorithm>

#include "support/temp_dir.hpp"
#include "support/web_chat.hpp"

namespace sockit::test {
namespace {

TEST(ChatWeb, ServesThePageWithCachingAndSecurityHeaders) {
  WebChat chat;
  const auto r = chat.python(R"(
import urllib.request, urllib.error
def get(path, headers={}, method='GET'):
    req = urllib.request.Request('http://127.0.0.1:%d%s' % (web, path), headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
status, h, body = get('/')
print(status, h['Content-Type'], b'<html' in body.lower(), b'app.js' in body)
print("script-src 'self'" in h['Content-Security-Policy'], h['Cache-Control'], h['X-Content-Type-Options'])
etag = h['ETag']
print(get('/', {'If-None-Match': etag})[0], get('/index.html')[1]['ETag'] == etag)
status, h, body = get('/', {'If-None-Match': 'W/' + etag})
print(status, h['Content-Type'], h['ETag'] == etag)
print(get('/', {'If-Match': '"other"'})[0], get('/', {'If-Match': etag})[0])
status, h, body = get('/app.js')
print(status, h['Content-Type'], len(body) > 1000)
print(get('/style.css')[1]['Content-Type'])
status, h, body = get('/healthz')
print(status, body)
print(get('/nope')[0], get('/', method='POST')[0], get('/ws')[0])
status, h, body = get('/', method='HEAD')
print(status, h['Content-Length'] != '0', body)
)");
  EXPECT_EQ(r.out,
            "200 text/html; charset=utf-8 True True\n"
            "True no-cache nosniff\n"
            "304 True\n"
            "304 None True\n"
            "412 200\n"
            "200 text/javascript; charset=utf-8 True\n"
            "text/css; charset=utf-8\n"
            "200 b'ok\\n'\n"
            "404 405 426\n"
            "200 True b''\n")
      << r.err;
}

// The web port runs on the same HTTP connection loop as `sockit http serve`: its Date, its
// limits and refusals (then a lingering close; a method it never takes is 405 before its body's
// size is looked at), keep-alive with pipelining.
TEST(ChatWeb, TheWebPortFollowsTheHttpServersRules) {
  WebChat chat;
  const auto r = chat.python(R"(
def exchange(data):
    s = socket.create_connection(('127.0.0.1', web), timeout=10)
    s.sendall(data)
    got = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return got
        got += chunk
def status(answer):
    return answer.split(b' ', 2)[1].decode()
two = exchange(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
print(two.count(b'HTTP/1.1 200 OK'), b'\r\nDate: ' in two, b'{"accounts":false' in two)
print(status(exchange(b'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')))
print(status(exchange(b'GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')))
print(status(exchange(b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 20000 + b'\r\n\r\n')))
print(status(exchange(b'GET /' + b'a' * 5000 + b' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')))
print(status(exchange(b'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n')))
)");
  EXPECT_EQ(r.out, "2 True True\n405\n413\n431\n414\n400\n") << r.err;
}

TEST(ChatWeb, WebSocketAndTcpUsersShareRoomsAndDirectMessages) {
  WebChat chat;
  const auto r = chat.python(R"(
w = WsClient(web)
print(w.login('webby'))
def notice(client, text):
    """The next system notice whose text ends with `text` (one's own notices come too)."""
    while True:
        m = client.recv_type('system')
        if m['message'].endswith(text):
            return m
# The seed's client, over TCP, with json.dumps back to back and no delimiter.
t = socket.create_connection(('127.0.0.1', port), timeout=10)
t.send(json.dumps({'type': 'login', 'nickname': 'zhangsan'}).encode())
buf = b''
def tcp_next(kind):
    global buf
    while True:
        while b'\n' not in buf:
            buf += t.recv(1024)
        line, buf = buf.split(b'\n', 1)
        m = json.loads(line)
        if m['type'] == kind:
            return m
print(tcp_next('login')['id'])
print(notice(w, 'zhangsan(2) joined')['room'])
t.send(json.dumps({'type': 'broadcast', 'sender_id': 2, 'message': '你好 from tcp'}).encode())
m = w.recv_type('broadcast')
print(m['sender_nickname'], m['message'], m['room'], m['seq'] > 0)
w.send(type='broadcast', room='lobby', message='hello from the browser', req=7)
print(w.recv_type('ack')['req'])
m = tcp_next('broadcast')
print(m['sender_id'], m['sender_nickname'], m['message'])
w.send(type='direct', to='zhangsan', message='psst')
m = tcp_next('direct')
print(m['sender_nickname'], m['message'])
t.send(json.dumps({'type': 'direct', 'to': 'webby', 'message': 'back at you'}).encode())
m = w.recv_type('direct')
print(m['sender_nickname'], m['message'])
w.send(type='join', room='dev')
print(w.recv_type('join')['status'])
t.send(json.dumps({'type': 'join', 'room': 'dev'}).encode())
print(notice(w, 'zhangsan(2) joined')['room'])
t.send(json.dumps({'type': 'leave', 'room': 'dev'}).encode())
m = notice(w, 'left')
print(m['room'], m['message'])
)");
  EXPECT_EQ(r.out,
            "1\n2\nlobby\nzhangsan 你好 from tcp lobby True\n7\n"
            "1 webby hello from the browser\nwebby psst\nzhangsan back at you\nok\n"
            "dev\ndev zhangsan(2) left\n")
      << r.err;
}

TEST(ChatWeb, EveryRequestTypeWorksOverWebSocket) {
  TempDir dir;
  WebChat chat({"--data", dir.path().string()});
  const auto r = chat.python(R"(
w = WsClient(web)
w.send(type='who', room='lobby', req=1)
print(w.recv()['code'])                                    # not_logged_in
w.send(type='ping', req='p'); print(w.recv())
w.login('ann')
print(w.recv_type('system')['message'])
w.send(type='login', nickname='ann2', req=2); print(w.recv()['code'])
other = WsClient(web)
other.send(type='login', nickname='ann', req=3); print(other.recv()['code'])
other.send(type='login', nickname=' ', req=4); print(other.recv()['code'])
other.login('bob')
w.recv_type('system')
w.send(type='join', room='dev', req=5); print(w.recv())
w.recv_type('system')
w.send(type='who', room='lobby', req=6); print(w.recv()['users'])
w.send(type='rooms', req=7); print(w.recv()['rooms'])
w.send(type='broadcast', room='nowhere', message='x', req=8); print(w.recv()['code'])
w.send(type='direct', to='nobody', message='x', req=9); print(w.recv()['code'])
w.send(type='broadcast', room='lobby', message='one', req=10); print(w.recv()['type'])
w.send(type='history', room='lobby', limit=50, req=11)
h = w.recv(); print(h['req'], [m['message'] for m in h['messages']])
w.send(type='leave', room='dev', req=12); print(w.recv())
w.send(type='dance', req=13); print(w.recv()['code'])
w.send_text('{"type": "ping"'); print(w.recv()['code'])   # not JSON
w.send_text('[1, 2]'); print(w.recv()['code'])            # JSON, but not an object
w.send(type='broadcast', room='lobby', message='x' * 5000, req=14); print(w.recv()['code'])
w.send(type='broadcast', room='lobby', sender_id=99, message='spoof', req=15); print(w.recv()['code'])
w.send(type='logout', req=16); print(w.recv())
print(w.closed(), w.close_code, w.close_reason)
)");
  EXPECT_EQ(r.out,
            "not_logged_in\n"
            "{'type': 'pong', 'req': 'p'}\n"
            "ann(1) joined\n"
            "already_logged_in\n"
            "nickname_taken\n"
            "nickname_invalid\n"
            "{'type': 'join', 'room': 'dev', 'status': 'ok', 'req': 5}\n"
            "[{'id': 1, 'nickname': 'ann'}, {'id': 2, 'nickname': 'bob'}]\n"
            "[{'room': 'dev', 'members': 1}, {'room': 'lobby', 'members': 2}]\n"
            "not_in_room\n"
            "no_such_user\n"
            "ack\n"
            "11 ['ann(1) joined', 'bob(2) joined', 'one']\n"
            "{'type': 'leave', 'room': 'dev', 'status': 'ok', 'req': 12}\n"
            "unknown_type\n"
            "bad_json\n"
            "bad_request\n"
            "message_too_long\n"
            "forbidden\n"
            "{'type': 'bye', 'req': 16}\n"
            "True 1000 logout\n")
      << r.err;
}

TEST(ChatWeb, AnOversizeFrameIsRefusedAndClosedAsTooBig) {
  WebChat chat({"--max-frame-bytes", "1024"});
  const auto r = chat.python(R"(
w = WsClient(web)
w.login('big')
w.send_text(json.dumps({'type': 'broadcast', 'message': 'y' * 900}))  # fits: no answer needed
w.send(type='ping'); print(w.recv_type('pong')['type'])
w.send_frame(1, b'{"type":"broadcast","message":"', fin=False)        # fragments add up
w.send_frame(0, b'z' * 2000 + b'"}')
print(w.recv_type('error')['code'], w.closed(), w.close_code)
# The server is still there for everyone else.
print(WsClient(web).login('after'))
)");
  EXPECT_EQ(r.out, "pong\nframe_too_large True 1009\n2\n") << r.err;
}

TEST(ChatWeb, ASlowWebSocketReaderIsClosedWithAReasonAndNobodyElseWaits) {
  WebChat chat({"--max-queue-bytes", "262144", "--rate", "100000", "--burst", "100000"});
  const auto r = chat.python(R"(
import threading
slow = WsClient(web, rcvbuf=4096)             # logs in, then never reads
slow.send(type='login', nickname='slow')
fast = WsClient(web, timeout=60); fast.login('fast')
sender = Client(port); sender.login('sender')
N = 3000
got = [0]
def read_fast():
    while got[0] < N:
        if fast.recv()['type'] == 'broadcast': got[0] += 1
reader = threading.Thread(target=read_fast); reader.start()
for i in range(N):                            # at most ~100 KiB ahead of the fast reader
    while i - got[0] > 300:
        time.sleep(0.002)
    sender.send(type='broadcast', message='m%05d ' % i + 'x' * 300)
reader.join()
print(got[0])
codes = []
try:
    while True:
        m = slow.recv()
        if m['type'] == 'error': codes.append(m['code'])
except (EOFError, ConnectionResetError):
    pass
print(codes[-1:], slow.close_code in (1008, None))
print(prometheus.wait_for(web, 'sockit_chat_disconnects_total', 1, reason='slow_consumer'),
      prometheus.value(prometheus.scrape(web), 'sockit_chat_dropped_total', reason='slow_consumer') > 0)
)",
                             std::chrono::seconds(120));
  EXPECT_EQ(r.out, "3000\n['slow_consumer'] True\n1.0 True\n") << r.err;
  EXPECT_TRUE(chat.server().child().read_err_line_containing("slow consumer"));
}

TEST(ChatWeb, OriginIsCheckedOnTheUpgrade) {
  WebChat chat({"--allow-origin", "http://Chat.Example:8443"});
  const auto r = chat.python(R"(
def attempt(origin):
    try:
        WsClient(web, origin=origin).close(); return 101
    except HandshakeRefused as e:
        return e.status
print(attempt(None))                                   # not a browser
print(attempt('http://127.0.0.1:%d' % web))            # the page this server serves
print(attempt('http://chat.example:8443'))             # allowed by --allow-origin
print(attempt('http://evil.example'), attempt('http://127.0.0.1:1'), attempt('null'))
try:
    WsClient(web, path='/other')
except HandshakeRefused as e:
    print(e.status)
)");
  EXPECT_EQ(r.out, "101\n101\n101\n403 403 403\n404\n") << r.err;
  EXPECT_TRUE(chat.server().child().read_err_line_containing("origin 'http://evil.example'"));
}

TEST(ChatWeb, LoginTimeoutAndKeepAlivePingsOverWebSocket) {
  WebChat chat({"--login-timeout", "0.5", "--ws-idle", "2"});
  const auto r = chat.python(R"(
idle = WsClient(web)
print(idle.recv()['code'], idle.closed(), idle.close_code)
w = WsClient(web); w.login('stay')
w.sock.settimeout(0.2)
t0 = time.time()
while time.time() - t0 < 3.5:      # silent for longer than --ws-idle, but answering pings: kept
    try:
        w.recv()
    except socket.timeout:
        pass
w.sock.settimeout(10)
w.send(type='ping'); print(w.recv_type('pong')['type'], w.pings >= 1)
mute = WsClient(web); mute.login('mute'); mute.answer_pings = False
t0 = time.time()
print(mute.closed(), 1 < time.time() - t0 < 8)
)",
                             std::chrono::seconds(60));
  EXPECT_EQ(r.out, "login_timeout True 1008\npong True\nTrue True\n") << r.err;
}

TEST(ChatWeb, MetricsParseAndMoveWithTraffic) {
  WebChat chat;
  const auto r = chat.python(R"(
v = prometheus.value
before = prometheus.scrape(web)
print(v(before, 'sockit_chat_clients', transport='websocket'), v(before, 'sockit_chat_rooms'))
w = WsClient(web); w.login('m1')
t = Client(port); t.login('m2')
w.recv_type('system'); w.recv_type('system')
for i in range(5):
    w.send(type='broadcast', room='lobby', message='n%d' % i)
for i in range(5): t.recv_type('broadcast')
w.send_text('not json'); w.recv_type('error')
s = prometheus.scrape(web)
print(v(s, 'sockit_chat_clients', transport='websocket'), v(s, 'sockit_chat_clients', transport='tcp'))
print(v(s, 'sockit_chat_rooms'), v(s, 'sockit_chat_messages_received_total'))
print(v(s, 'sockit_chat_deliveries_total') >= 5 + 3, v(s, 'sockit_chat_errors_total', code='bad_json'))
print(v(s, 'sockit_chat_connections_total', transport='websocket'))
w.send(type='logout'); w.closed(); t.close()
deadline = time.time() + 10
while time.time() < deadline:
    s = prometheus.scrape(web)
    if v(s, 'sockit_chat_clients', transport='tcp') == 0: break
    time.sleep(0.05)
print(v(s, 'sockit_chat_clients', transport='websocket'), v(s, 'sockit_chat_disconnects_total', reason='logout'),
      v(s, 'sockit_chat_disconnects_total', reason='client_closed'))
print(('sockit_chat_store_queue_length', ()) in s, ('sockit_chat_store_last_flush_timestamp_seconds', ()) in s)
)");
  EXPECT_EQ(r.out,
            "0.0 0.0\n1.0 1.0\n1.0 5.0\nTrue 1.0\n1.0\n0.0 1.0 1.0\nTrue True\n")
      << r.err;
}

TEST(ChatWeb, AStopSaysGoodbyeToWebSocketClients) {
  WebChat chat;
  Child client({"python3", "-c", chat.prelude() + R"(
w = WsClient(web); w.login('bye')
print('ready', flush=True)
print(w.recv_type('error')['code'], w.closed(), w.close_code, flush=True)
)", std::to_string(chat.server().port()), std::to_string(chat.web_port())});
  ASSERT_EQ(client.read_line(20s), "ready") << client.drain_err();
  EXPECT_EQ(chat.server().stop(), 0);
  EXPECT_EQ(client.read_line(20s), "shutting_down True 1001") << client.drain_err();
}

}  // namespace
}  // namespace sockit::test
