// `sockit http serve` and RFC 9110's conditional and range requests, driven by curl and by
// Python's http.client: If-Range on a resumed download after the file changed, If-Match and
// If-Unmodified-Since (412), 304 without Content-Type, multipart/byteranges, 405 before the
// body's size, and an access-log line for every answer.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

namespace fs = std::filesystem;

std::string pattern(std::size_t n, char first) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(first + i % 23);
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class HttpServeConditions : public ::testing::Test {
 protected:
  void SetUp() override {
    site.write("small.txt", "0123456789abcdefghij");
    site.write("large.txt", pattern(300 << 10, 'A'));  // past the 256 KiB cache: sent from the file
    server = std::make_unique<ServerProcess>(
        std::vector<std::string>{"http", "serve", site.path().string(), "--listen", "127.0.0.1:0"});
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  // curl with a hard timeout; prints what -w asks for.
  RunResult curl(std::vector<std::string> args) {
    args.insert(args.begin(), {"curl", "--silent", "--show-error", "--max-time", "10"});
    return run(args);
  }
  RunResult py(const std::string& script) {
    return run_python("import sys, socket, http.client\nport = int(sys.argv[1])\n" + script,
                      {std::to_string(server->port())});
  }
  // The access-log line (server stderr) for `request`, e.g. "\"PUT /small.txt HTTP/1.1\" 405".
  bool logged(const std::string& needle) {
    return server->child().read_err_line_containing(needle, std::chrono::seconds(10)).has_value();
  }
  TempDir site{"sockit-cond"};
  TempDir out{"sockit-cond-out"};
  std::unique_ptr<ServerProcess> server;
  std::string base;
};

// What curl prints with -D - -o FILE: the response head; one header's value from it.
std::string header_value(const std::string& head, const std::string& name) {
  const auto at = head.find("\n" + name + ": ");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 3;
  return head.substr(start, head.find('\r', start) - start);
}

TEST_F(HttpServeConditions, ResumingWithIfRangeAfterTheFileChangedGetsTheWholeNewFile) {
  const auto file = site.path() / "doc.bin";
  const auto v1 = pattern(1000, 'a');
  site.write("doc.bin", v1);
  fs::last_write_time(file,
                      fs::last_write_time(file) - std::chrono::seconds(100));  // a past second
  const auto url = base + "/doc.bin";
  const auto head = curl({"-I", url});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  const auto etag = header_value(head.out, "ETag");
  const auto modified = header_value(head.out, "Last-Modified");
  ASSERT_FALSE(etag.empty()) << head.out;
  // Unchanged: the rest of the file, by entity tag and by date.
  const auto part = out / "part";
  auto r = curl({"-H", "If-Range: " + etag, "-r", "500-", "-o", part, "-w", "%{http_code}", url});
  EXPECT_EQ(r.out, "206") << r.err;
  EXPECT_TRUE(slurp(part) == v1.substr(500));
  r = curl({"-H", "If-Range: " + modified, "-r", "500-", "-o", part, "-w", "%{http_code}", url});
  EXPECT_EQ(r.out, "206") << r.err;
  // Changed since: 200 with the whole new file, never its tail glued to the old head.
  const auto v2 = pattern(1200, 'k');
  site.write("doc.bin", v2);
  for (const auto& validator : {etag, modified}) {
    r = curl({"-H", "If-Range: " + validator, "-r", "500-", "-o", part, "-w", "%{http_code}", url});
    EXPECT_EQ(r.out, "200") << validator << r.err;
    EXPECT_TRUE(slurp(part) == v2) << validator;
  }
  // curl -C - with the old tag: the 200 tells it the file changed, and it refuses to resume
  // (exit 33) instead of gluing the new tail to the old head.
  const auto resumed = out / "resumed";
  { std::ofstream(resumed, std::ios::binary) << v1.substr(0, 500); }
  r = curl({"-C", "-", "-H", "If-Range: " + etag, "-o", resumed, "-w", "%{http_code}", url});
  EXPECT_EQ(r.out, "200") << r.err;
  EXPECT_EQ(r.exit_code, 33) << r.err;
  EXPECT_TRUE(slurp(resumed) == v1.substr(0, 500));
  // Without If-Range, the same resume would have glued them: 206 with the new file's tail.
  r = curl({"-C", "-", "-o", resumed, "-w", "%{http_code}", url});
  EXPECT_EQ(r.out, "206") << r.err;
  EXPECT_TRUE(slurp(resumed) == v1.substr(0, 500) + v2.substr(500));
}

TEST_F(HttpServeConditions, IfMatchAndIfUnmodifiedSinceFailWith412) {
  const auto url = base + "/small.txt";
  const auto head = curl({"-I", url});
  const auto etag = header_value(head.out, "ETag");
  const auto status = [&](const std::string& header) {
    return curl({"-H", header, "-o", "/dev/null", "-w", "%{http_code}", url}).out;
  };
  EXPECT_EQ(status("If-Match: \"nope\""), "412");
  EXPECT_EQ(status("If-Match: W/" + etag), "412");  // weak never matches strongly
  EXPECT_EQ(status("If-Match: \"nope\", " + etag), "200");
  EXPECT_EQ(status("If-Match: *"), "200");
  EXPECT_EQ(status("If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT"), "412");
  EXPECT_EQ(status("If-Unmodified-Since: Fri, 01 Jan 2100 00:00:00 GMT"), "200");
  EXPECT_EQ(status("If-Unmodified-Since: not a date"), "200");  // ignored
  EXPECT_TRUE(logged("\"GET /small.txt HTTP/1.1\" 412"));
}

TEST_F(HttpServeConditions, NotModifiedCarriesValidatorsButNoContentType) {
  const auto r = py(R"(
c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
def get(path, headers):
    c.request('GET', path, headers=headers); resp = c.getresponse(); body = resp.read()
    return resp, body
for path in ['/small.txt', '/large.txt']:
    resp, _ = get(path, {})
    etag, lm = resp.getheader('ETag'), resp.getheader('Last-Modified')
    for headers in [{'If-None-Match': etag}, {'If-None-Match': 'W/' + etag}, {'If-None-Match': '"x", ' + etag},
                    {'If-Modified-Since': lm}, {'If-None-Match': '*'}]:
        resp, body = get(path, headers)
        print(resp.status, resp.getheader('Content-Type'), resp.getheader('Content-Length'),
              resp.getheader('ETag') == etag, body)
    resp, body = get(path, {'If-None-Match': '"x"', 'If-Modified-Since': lm})  # the tag decides
    print(resp.status)
)");
  const std::string each =
      "304 None None True b''\n304 None None True b''\n304 None None True b''\n"
      "304 None None True b''\n304 None None True b''\n200\n";
  EXPECT_EQ(r.out, each + each) << r.err;
}

TEST_F(HttpServeConditions, SeveralRangesAnswerMultipartByteranges) {
  const auto r = py(R"(
import email, re
def multipart(path, spec, method='GET'):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    c.request(method, path, headers={'Range': 'bytes=' + spec}); resp = c.getresponse()
    return resp, resp.read()
def check(path, spec, size):
    resp, body = multipart(path, spec)
    ctype = resp.getheader('Content-Type')
    print(resp.status, ctype.split(';')[0], resp.getheader('Content-Range'),
          int(resp.getheader('Content-Length')) == len(body))
    msg = email.message_from_bytes(b'Content-Type: ' + ctype.encode() + b'\r\n\r\n' + body)
    for part in msg.get_payload():
        cr = part['Content-Range']
        first, last, total = map(int, re.match(r'bytes (\d+)-(\d+)/(\d+)$', cr).groups())
        payload = part.get_payload(decode=True)
        print(cr, part['Content-Type'], total == size, payload == whole[path][first:last + 1])
    head, nobody = multipart(path, spec, 'HEAD')
    print(head.status, head.getheader('Content-Length') == resp.getheader('Content-Length'), nobody)
whole = {}
for path in ['/small.txt', '/large.txt']:
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    c.request('GET', path); whole[path] = c.getresponse().read()
check('/small.txt', '0-1,4-5,3-3,-2', 20)           # 3-3 joins 4-5: three parts
check('/large.txt', '100-199,307000-,0-9', 300 << 10)  # from the file, not the cache
resp, body = multipart('/small.txt', '0-3,2-7')        # one range after joining: a plain 206
print(resp.status, resp.getheader('Content-Type'), resp.getheader('Content-Range'), body)
many = ','.join('%d-%d' % (i, i) for i in range(0, 34, 2))  # 17 ranges: past the limit
resp, body = multipart('/small.txt', many)
print(resp.status, len(body))
resp, body = multipart('/small.txt', '50-60,70-')       # none inside
print(resp.status, resp.getheader('Content-Range'))
)");
  EXPECT_EQ(r.out,
            "206 multipart/byteranges None True\n"
            "bytes 0-1/20 text/plain; charset=utf-8 True True\n"
            "bytes 3-5/20 text/plain; charset=utf-8 True True\n"
            "bytes 18-19/20 text/plain; charset=utf-8 True True\n"
            "206 True b''\n"
            "206 multipart/byteranges None True\n"
            "bytes 0-9/307200 text/plain; charset=utf-8 True True\n"
            "bytes 100-199/307200 text/plain; charset=utf-8 True True\n"
            "bytes 307000-307199/307200 text/plain; charset=utf-8 True True\n"
            "206 True b''\n"
            "206 text/plain; charset=utf-8 bytes 0-7/20 b'01234567'\n"
            "200 20\n"
            "416 bytes */20\n")
      << r.err;
}

TEST_F(HttpServeConditions, OtherMethodsGet405BeforeTheirBodyAndEveryAnswerIsLogged) {
  const auto r = py(R"(
def raw(payload):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.sendall(payload)
    data = b''
    while True:
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
    head = data.split(b'\r\n\r\n')[0].split(b'\r\n')
    allow = [h for h in head if h.lower().startswith(b'allow:')]
    return head[0].decode(), allow
print(*raw(b'PUT /small.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'))
print(*raw(b'POST /small.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'))
print(*raw(b'DELETE /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
print(*raw(b'GET /small.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'))
print(*raw(b'NONSENSE\r\n\r\n'))
)");
  EXPECT_EQ(r.out,
            "HTTP/1.1 405 Method Not Allowed [b'Allow: GET, HEAD']\n"
            "HTTP/1.1 405 Method Not Allowed [b'Allow: GET, HEAD']\n"
            "HTTP/1.1 405 Method Not Allowed [b'Allow: GET, HEAD']\n"
            "HTTP/1.1 413 Payload Too Large []\n"
            "HTTP/1.1 400 Bad Request []\n")
      << r.err;
  EXPECT_TRUE(logged("\"PUT /small.txt HTTP/1.1\" 405"));
  EXPECT_TRUE(logged("\"POST /small.txt HTTP/1.1\" 405"));
  EXPECT_TRUE(logged("\"DELETE /small.txt HTTP/1.1\" 405"));
  EXPECT_TRUE(logged("\"GET /small.txt HTTP/1.1\" 413"));
  EXPECT_TRUE(logged("\"-\" 400"));
}

}  // namespace
}  // namespace sockit::test
