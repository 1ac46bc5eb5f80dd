// `sockit http serve` driven by Python's http.client and by raw sockets written like the
// tutorials' "browser": features, traversal attempts, limits and slow clients.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

class HttpServe : public ::testing::Test {
 protected:
  void SetUp() override {
    site.write("index.html", "<h1>home</h1>\n");
    std::filesystem::create_directories(site.path() / "docs");
    site.write("docs/readme.txt", "0123456789abcdefghij");
    site.write("docs/style.css", "body{}");
    site.write("docs/<img src=x onerror=alert(1)>.txt", "x");
    std::filesystem::create_directories(site.path() / "empty dir");
    outside.write("secret.txt", "top secret");
    std::filesystem::create_symlink(outside.path() / "secret.txt", site.path() / "docs/link-out");
    std::filesystem::create_symlink(site.path() / "docs/readme.txt", site.path() / "link-in.txt");
    server = std::make_unique<ServerProcess>(std::vector<std::string>{
        "http", "serve", site.path().string(), "--listen", "127.0.0.1:0", "--idle-timeout", "2",
        "--header-timeout", "1"});
  }
  RunResult py(const std::string& script) {
    return run_python("import sys, socket, http.client\nport = int(sys.argv[1])\n" + script,
                      {std::to_string(server->port())});
  }
  TempDir site{"sockit-site"};
  TempDir outside{"sockit-outside"};
  std::unique_ptr<ServerProcess> server;
};

TEST_F(HttpServe, FilesTypesIndexAndHead) {
  const auto r = py(R"(
c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
for path in ['/', '/docs/readme.txt', '/docs/style.css', '/link-in.txt']:
    c.request('GET', path); resp = c.getresponse(); body = resp.read()
    print(resp.status, resp.getheader('Content-Type'), resp.getheader('Content-Length'), body[:5])
c.request('HEAD', '/docs/readme.txt'); resp = c.getresponse()
print(resp.status, resp.getheader('Content-Length'), resp.read())
c.request('GET', '/docs'); resp = c.getresponse(); resp.read()
print(resp.status, resp.getheader('Location'))
c.request('GET', '/nope'); resp = c.getresponse(); print(resp.status, resp.read())
c.request('POST', '/'); resp = c.getresponse(); print(resp.status, resp.getheader('Allow')); resp.read()
)");
  EXPECT_EQ(r.out,
            "200 text/html; charset=utf-8 14 b'<h1>h'\n"
            "200 text/plain; charset=utf-8 20 b'01234'\n"
            "200 text/css; charset=utf-8 6 b'body{'\n"
            "200 text/plain; charset=utf-8 20 b'01234'\n"
            "200 20 b''\n"
            "301 /docs/\n"
            "404 b'not found\\n'\n"
            "405 GET, HEAD\n")
      << r.err;
}

TEST_F(HttpServe, ListingIsSortedAndEscaped) {
  const auto r = py(R"(
c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
c.request('GET', '/docs/'); resp = c.getresponse(); html = resp.read().decode()
print(resp.status, resp.getheader('Content-Type'))
print('<img' not in html, '&lt;img src=x onerror=alert(1)&gt;.txt' in html)
print(html.index('readme.txt') < html.index('style.css'))
)");
  EXPECT_EQ(r.out, "200 text/html; charset=utf-8\nTrue True\nTrue\n") << r.err;
}

TEST_F(HttpServe, RangesAndValidators) {
  const auto r = py(R"(
c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
def get(headers):
    c.request('GET', '/docs/readme.txt', headers=headers); resp = c.getresponse()
    return resp, resp.read()
resp, body = get({'Range': 'bytes=2-5'}); print(resp.status, resp.getheader('Content-Range'), body)
resp, body = get({'Range': 'bytes=-3'}); print(resp.status, body)
resp, body = get({'Range': 'bytes=15-'}); print(resp.status, body)
resp, body = get({'Range': 'bytes=100-'}); print(resp.status, resp.getheader('Content-Range'))
resp, body = get({'Range': 'bytes=0-1,4-5'}); print(resp.status, resp.getheader('Content-Type').split(';')[0])
resp, body = get({}); etag, lm = resp.getheader('ETag'), resp.getheader('Last-Modified')
resp, body = get({'If-None-Match': etag}); print(resp.status, body)
resp, body = get({'If-Modified-Since': lm}); print(resp.status)
resp, body = get({'If-None-Match': '"other"'}); print(resp.status)
import email.utils, time
print(abs(email.utils.parsedate_to_datetime(resp.getheader('Date')).timestamp() - time.time()) < 5)
)");
  EXPECT_EQ(r.out,
            "206 bytes 2-5/20 b'2345'\n206 b'hij'\n206 b'fghij'\n416 bytes */20\n206 "
            "multipart/byteranges\n"
            "304 b''\n304\n200\nTrue\n")
      << r.err;
}

TEST_F(HttpServe, NothingOutsideTheRootIsEverServed) {
  // Raw requests, as the tutorial's browser sends them, so nothing normalises the paths.
  const auto r = py(R"(
attempts = ['/../secret.txt', '/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
  '/%2E%2E/etc/passwd', '/docs/../../etc/passwd', '/docs/%2e%2e/%2e%2e/etc/passwd',
  '/..%2fetc%2fpasswd', '/docs%2f..%2f..%2fetc/passwd', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/docs/..%5c..%5cetc%5cpasswd', '/%00/etc/passwd', '/docs/readme.txt%00.html',
  '//etc/passwd', '/etc/passwd', '/docs/link-out', '/./../etc/passwd', '/docs/./../../etc/passwd',
  '/%252e%252e/etc/passwd', '/..;/etc/passwd', '/docs/..', 'etc/passwd', '/%c0%ae%c0%ae/etc/passwd',
  '/docs/%2e%2e%2f', '/....//etc/passwd', '/docs/readme.txt/']
bad = []
for path in attempts:
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.sendall(('GET %s HTTP/1.0\r\nHost: x\r\n\r\n' % path).encode())
    data = b''
    while True:
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
    status = int(data.split(b' ')[1])
    if status not in (400, 403, 404) or b'top secret' in data or b'root:' in data:
        bad.append((path, status))
print(len(attempts), bad)
)");
  EXPECT_EQ(r.out, "25 []\n") << r.err;
}

TEST_F(HttpServe, KeepAliveAndPipelining) {
  const auto r = py(R"(
s = socket.create_connection(('127.0.0.1', port), timeout=10)
req = b'GET /docs/readme.txt HTTP/1.1\r\nHost: x\r\n\r\n'
s.sendall(req * 3 + b'GET /docs/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
data = b''
while True:
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
print(data.count(b'HTTP/1.1 200 OK'), data.count(b'0123456789abcdefghij'), data.endswith(b'body{}'))
)");
  EXPECT_EQ(r.out, "4 3 True\n") << r.err;
}

TEST_F(HttpServe, UnclearBodyLengthIsRefusedAndNothingHiddenIsServed) {
  // RFC 9112 §6.3: Transfer-Encoding other than exactly "chunked", or with Content-Length,
  // or on HTTP/1.0, leaves the body's length unclear: 400, then close. A request smuggled in
  // the body must never be answered.
  const auto r = py(R"(
def raw(payload):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.sendall(payload)
    data = b''
    while True:
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
    return data
hidden = b'GET /docs/style.css HTTP/1.1\r\nHost: x\r\n\r\n'
head = b'GET / HTTP/1.1\r\nHost: x\r\n'
for te in [b'Transfer-Encoding: xchunked\r\n',
           b'Transfer-Encoding: chunked, identity\r\n',
           b'Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n',
           b'Transfer-Encoding: chunked;x=1\r\n',
           b'Transfer-Encoding: xchunked\r\nContent-Length: %d\r\n' % len(hidden),
           b'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n']:
    data = raw(head + te + b'\r\n' + b'0\r\n\r\n' + hidden)
    print(data.split(b'\r\n')[0], data.count(b'HTTP/1.1 '), b'body{}' not in data)
data = raw(b'GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + hidden)
print(data.split(b'\r\n')[0], data.count(b'HTTP/1.1 '), b'body{}' not in data)
# Plain chunked is fine: the empty body, then the next request on the connection.
data = raw(head + b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n' +
           b'GET /docs/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
print(data.count(b'HTTP/1.1 200 OK'), data.endswith(b'body{}'))
)");
  std::string refused;
  for (int i = 0; i < 7; ++i) refused += "b'HTTP/1.1 400 Bad Request' 1 True\n";
  EXPECT_EQ(r.out, refused + "2 True\n") << r.err;
}

TEST(HttpServeCrowd, IdleConnectionsMakeRoomForARealRequest) {
  // 20 connections allowed; 20 keep-alive clients resting after a request, then 40 that never
  // send a byte: the longest idle are closed to make room, and a real request is answered at
  // once (not after the 10 s header timeout). A request under way is never closed for room.
  TempDir site("sockit-crowd");
  site.write("index.html", "<h1>home</h1>\n");
  ServerProcess server({"http", "serve", site.path().string(), "--listen", "127.0.0.1:0",
                        "--max-clients", "20", "--quiet"});
  const auto r = run_python(R"(
import socket, sys, time, http.client
port = int(sys.argv[1])
addr = ('127.0.0.1', port)
started = socket.create_connection(addr, timeout=3)
started.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n')   # a request under way, the oldest of all
resting = []
for _ in range(20):
    c = http.client.HTTPConnection(*addr, timeout=3)
    c.request('GET', '/'); c.getresponse().read()
    resting.append(c)
crowd = [socket.create_connection(addr, timeout=3) for _ in range(40)]
start = time.time()
c = http.client.HTTPConnection(*addr, timeout=3)
c.request('GET', '/'); resp = c.getresponse()
print(resp.status, resp.read(), time.time() - start < 3)
started.sendall(b'Connection: close\r\n\r\n')
print(started.recv(100).split(b'\r\n')[0])
)",
                            {std::to_string(server.port())});
  EXPECT_EQ(r.out, "200 b'<h1>home</h1>\\n' True\nb'HTTP/1.1 200 OK'\n") << r.err;
}

TEST_F(HttpServe, LimitsAndSlowClients) {
  const auto r = py(R"(
import time
def raw(payload, wait=10):
    s = socket.create_connection(('127.0.0.1', port), timeout=wait)
    s.sendall(payload)
    data = b''
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk: break
            data += chunk
    except socket.timeout:
        return b'TIMEOUT'
    return data
print(raw(b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 20000 + b'\r\n\r\n').split(b'\r\n')[0])
print(raw(b'GET /' + b'a' * 5000 + b' HTTP/1.1\r\nHost: x\r\n\r\n').split(b'\r\n')[0])
print(raw(b'NONSENSE\r\n\r\n').split(b'\r\n')[0])
start = time.time()
s = socket.create_connection(('127.0.0.1', port), timeout=30)
s.sendall(b'GET / HTTP/1.1\r\n')   # and then nothing more: a trickling client
print(s.recv(100) == b'', time.time() - start < 8)
)");
  EXPECT_EQ(r.out,
            "b'HTTP/1.1 431 Request Header Fields Too Large'\nb'HTTP/1.1 414 URI Too Long'\n"
            "b'HTTP/1.1 400 Bad Request'\nTrue True\n")
      << r.err;
}

TEST_F(HttpServe, TwoHundredConcurrentKeepAliveClients) {
  const auto r = py(R"(
import threading
ok = [0]
lock = threading.Lock()
def client():
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    for _ in range(5):
        c.request('GET', '/docs/readme.txt'); resp = c.getresponse()
        if resp.status == 200 and resp.read() == b'0123456789abcdefghij':
            with lock: ok[0] += 1
threads = [threading.Thread(target=client) for _ in range(200)]
for t in threads: t.start()
for t in threads: t.join()
print(ok[0])
)");
  EXPECT_EQ(r.out, "1000\n") << r.err;
}

TEST_F(HttpServe, TwoGibibyteSparseFileStreamsWithFlatMemory) {
  // AddressSanitizer keeps freed memory in a 256 MiB quarantine, which would read as growth:
  // this server gets a small one.
  ::setenv("ASAN_OPTIONS", "quarantine_size_mb=4", 1);
  server = std::make_unique<ServerProcess>(std::vector<std::string>{
      "http", "serve", site.path().string(), "--listen", "127.0.0.1:0", "--quiet"});
  ::unsetenv("ASAN_OPTIONS");
  const auto big = site.path() / "big.bin";
  {
    const int fd = ::open(big.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, off_t{2} << 30), 0);  // 2 GiB of holes: no disk used
    ::close(fd);
  }
  const auto r = run_python(R"(
import sys, socket
port, pid = int(sys.argv[1]), sys.argv[2]
def rss():
    for line in open('/proc/%s/status' % pid):
        if line.startswith('VmRSS:'): return int(line.split()[1])
before = rss()
s = socket.create_connection(('127.0.0.1', port), timeout=60)
s.sendall(b'GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
total, peak = 0, 0
while True:
    chunk = s.recv(1 << 20)
    if not chunk: break
    total += len(chunk)
    if total % (256 << 20) < len(chunk): peak = max(peak, rss())
print(total > 2 << 30, (peak - before) < 64 * 1024)   # grew by less than 64 MiB
)",
                            {std::to_string(server->port()), std::to_string(server->child().pid())},
                            {}, std::chrono::seconds(180));
  EXPECT_EQ(r.out, "True True\n") << r.err;
}

TEST(HttpServeCli, BadRootIsAUsageError) {
  const auto r = run_sockit({"http", "serve", "/no/such/dir", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sockit::test

namespace sockit::test {
namespace {

TEST_F(HttpServe, ACachedFileThatChangesIsServedFresh) {
  const auto path = (site.path() / "docs/readme.txt").string();
  const auto r = run_python(R"(
import sys, http.client
port, path = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
def get():
    c.request('GET', '/docs/readme.txt'); return c.getresponse().read()
print(get() == get() == b'0123456789abcdefghij')
with open(path, 'w') as f: f.write('changed!')
print(get())
)",
                            {std::to_string(server->port()), path});
  EXPECT_EQ(r.out, "True\nb'changed!'\n") << r.err;
}

}  // namespace
}  // namespace sockit::test
