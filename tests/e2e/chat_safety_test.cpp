// `sockit chat serve` attacked: a store that cannot write (locked, disk full), kill -9 under
// load, legal bursts, a thousand stalled readers and a bad WebSocket key. Each test failed on
// the server before acks waited for commits and sessions always left the Hub. (Look-alike
// nicknames are tested in process: tests/unit/chat_session_requests_test.cpp.)
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/web_chat.hpp"

namespace sockit::test {
namespace {

namespace fs = std::filesystem;

// Python helpers shared by the scripts below: collect a client's messages and wait for one.
constexpr const char* kWaiting = R"(
def wait_for(client, pred, timeout=20, seen=None):
    """Reads until pred(message); returns it. Messages read on the way go to `seen`."""
    deadline = time.time() + timeout
    client.sock.settimeout(timeout)
    while time.time() < deadline:
        m = client.recv()
        if pred(m):
            return m
        if seen is not None:
            seen.append(m)
    raise TimeoutError('nothing matched')
def answer_to(req):
    return lambda m: m.get('req') == req
)";

TEST(ChatSafety, ALockedStoreRefusesThenRecoversAndNobodyIsDropped) {
  TempDir dir;
  WebChat chat({"--data", dir.path().string()});
  const auto r = chat.python(std::string(kWaiting) + R"(
import sqlite3
a = Client(port); b = Client(port)
a.login('alice'); b.login('bob')
a.send(type='broadcast', message='before', req=1)
print('ack', wait_for(a, answer_to(1))['type'])
# Another process takes the write lock for longer than the server's 5 s busy timeout.
db = sqlite3.connect(sys.argv[3], timeout=10, isolation_level=None)
db.execute('BEGIN IMMEDIATE')
a.send(type='broadcast', message='during', req=2)
print('live', wait_for(b, lambda m: m.get('message') == 'during')['message'])
print('failed', int(prometheus.wait_for(web, 'sockit_chat_store_failed', 1, timeout=20)))
a.send(type='broadcast', message='refused', req=3)
e = wait_for(a, answer_to(3))
print('refused', e['type'], e['code'])
# Nobody is disconnected, and everything that needs no store still works.
c = Client(port); c.login('carol')
a.send(type='direct', to='bob', message='psst', req=4)
print('direct', wait_for(a, answer_to(4))['type'], wait_for(b, lambda m: m['type'] == 'direct')['message'])
b.send(type='ping', req=5); print('bob', wait_for(b, answer_to(5))['type'])
db.execute('ROLLBACK'); db.close()
print('recovered', wait_for(a, answer_to(2))['type'])
a.send(type='broadcast', message='after', req=6)
print('after', wait_for(a, answer_to(6))['type'])
s = prometheus.scrape(web)
print('metrics', int(prometheus.value(s, 'sockit_chat_store_failed')),
      int(prometheus.value(s, 'sockit_chat_store_failures_total')))
a.send(type='history', room='lobby', req=7)
print([m['message'] for m in wait_for(a, answer_to(7))['messages'] if m['type'] == 'broadcast'])
b.close()
for _ in range(100):  # bob's nickname is free again once the server has seen him go
    d = Client(port); d.send(type='login', nickname='bob'); m = d.recv()
    if m['type'] == 'login': break
    time.sleep(0.05)
print(m['type'], m.get('status'))
)",
                             {(dir.path() / "chat.db").string()});
  EXPECT_EQ(r.out,
            "ack ack\n"
            "live during\n"
            "failed 1\n"
            "refused error store_unavailable\n"
            "direct ack psst\n"
            "bob pong\n"
            "recovered ack\n"
            "after ack\n"
            "metrics 0 1\n"
            "['before', 'during', 'after']\n"
            "login ok\n")
      << r.err;
  EXPECT_EQ(chat.server().stop(), 0);
}

// A 2 MiB tmpfs (root only) that the store fills; removing a ballast file lets it recover.
class SmallDisk {
 public:
  SmallDisk() : path_(dir_.path() / "disk") {
    fs::create_directories(path_);
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=2m") == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  const fs::path& path() const { return path_; }

 private:
  TempDir dir_;
  fs::path path_;
  bool mounted_ = false;
};

TEST(ChatSafety, AFullDiskRefusesThenRecoversWithoutLosingAnAck) {
  SmallDisk disk;
  if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root (CI runs as root)";
  std::ofstream(disk.path() / "ballast") << std::string(512 * 1024, 'x');
  WebChat chat({"--data", (disk.path() / "data").string(), "--rate", "100000", "--burst", "100000"});
  const auto r = chat.python(std::string(kWaiting) + R"(
import os
a = Client(port); b = Client(port)
a.login('alice'); b.login('bob')
acked, refused, n = {}, None, 0
text = 'x' * 4000
def take(m):
    global refused
    if m['type'] == 'ack': acked[m['req']] = m['seq']
    if m['type'] == 'error': refused = m
while refused is None and n < 3000:
    n += 1
    a.send(type='broadcast', message='%d %s' % (n, text), req=n)
    try:  # its answer, or a second without one: an ack can wait for a failing commit
        take(wait_for(a, lambda m: m.get('req') == n or take(m), timeout=1))
    except (socket.timeout, TimeoutError):
        pass
print('refused', refused['code'], 'after', len(acked) > 10)
print('login while full', Client(port).login('carol') > 0)
a.send(type='ping', req='p'); print('alice', wait_for(a, answer_to('p'))['type'])
os.remove(sys.argv[3])
pending = [r for r in range(1, refused['req']) if r not in acked]
while any(r not in acked for r in pending):  # accepted before the disk filled: acked later
    take(wait_for(a, lambda m: m['type'] == 'ack', timeout=30))
print('pending acked', len(pending) >= 1)
a.send(type='broadcast', message='after', req='after')
print('after', wait_for(a, answer_to('after'), timeout=30)['type'])
a.send(type='history', room='lobby', limit=500, req='h')
stored = {m['seq']: m['message'].split(' ')[0] for m in wait_for(a, answer_to('h'))['messages']}
print('every ack stored', all(stored.get(seq) == str(r) for r, seq in acked.items()))
)",
                             {(disk.path() / "ballast").string()});
  EXPECT_EQ(r.out,
            "refused store_unavailable after True\n"
            "login while full True\n"
            "alice pong\n"
            "pending acked True\n"
            "after ack\n"
            "every ack stored True\n")
      << r.err;
  EXPECT_EQ(chat.server().stop(), 0);
}

TEST(ChatSafety, KillNineUnderLoadLosesNoAckedMessageAndReusesNoSeq) {
  TempDir dir;
  const auto r = run({"python3", std::string(SOCKIT_TEST_DIR) + "/e2e/chat_kill9.py", SOCKIT_BINARY,
                      (dir.path() / "data").string(), "20"},
                     {}, std::chrono::seconds(240));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("20 kills: every acked message stored"), std::string::npos)
      << r.out << r.err;
  RecordProperty("kill9", r.out);
}

TEST(ChatSafety, ALegalBurstFromTenUsersReachesAFastReader) {
  WebChat chat;  // default limits: --rate 20 --burst 40 --max-message-bytes 4096
  const auto r = chat.python(R"(
import threading
reader = Client(port); reader.login('reader')
senders = [Client(port) for _ in range(10)]
for i, s in enumerate(senders): s.login('sender%d' % i)
got, cut = [], []
def read_all():
    try:
        while len(got) < 390:
            m = reader.recv()
            if m['type'] == 'broadcast': got.append(m['message'])
            if m['type'] == 'error': cut.append(m['code'])
    except Exception as e:
        cut.append(repr(e))
t = threading.Thread(target=read_all); t.start()
# Every sender spends what is left of its burst at once, whatever the time: the bucket started
# full (40) and the login took one token, so 39 messages of 4 KB are legal.
for i, s in enumerate(senders):
    s.send_raw(b''.join((json.dumps({'type': 'broadcast', 'message': '%d-%d-' % (i, k) + 'z' * 4000}) + '\n').encode()
                        for k in range(39)))
t.join(60)
print(len(got), len(set(got)), cut)
errors = []
for s in senders:  # senders who also read were not cut either; a ping spends no token
    s.send(type='ping', req='p')
    while True:
        m = s.recv()
        if m.get('type') == 'error': errors.append(m['code'])
        if m.get('req') == 'p': break
print(errors)
)");
  EXPECT_EQ(r.out, "390 390 []\n[]\n") << r.err;
  EXPECT_EQ(chat.server().stop(), 0);
}

// Every answer carries its request's req, the rate limit's refusal too: a client that waits for
// the answer to a request must get it, whatever it is.
TEST(ChatSafety, ARateLimitRefusalCarriesItsReqAndAPingIsNeverRefused) {
  WebChat chat({"--rate", "1", "--burst", "3"});
  const auto r = chat.python(R"(
c = Client(port); c.login('quick')   # one token of three
for k in range(4):
    c.send(type='broadcast', message='m%d' % k, req='b%d' % k)
answers = {}
while len(answers) < 4:
    m = c.recv()
    if 'req' in m: answers[m['req']] = m.get('code', m['type'])
print(sorted(answers.items()))
for k in range(20):
    c.send(type='ping', req='p%d' % k)
pongs = 0
while pongs < 20:
    m = c.recv()
    assert m['type'] == 'pong', m
    pongs += 1
print(pongs)
)");
  EXPECT_EQ(r.out,
            "[('b0', 'ack'), ('b1', 'ack'), ('b2', 'rate_limited'), ('b3', 'rate_limited')]\n20\n")
      << r.err;
  EXPECT_EQ(chat.server().stop(), 0);
}

TEST(ChatSafety, StalledReadersAreCutWithinTheMemoryBudgetAndOthersGetEverything) {
  WebChat chat({"--rate", "100000", "--burst", "100000", "--max-queue-total", "8388608",
                "--max-clients", "2000"});
  const auto r = chat.python(R"(
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
stalled = []
for i in range(1000):  # log in, then never read again, with a tiny receive buffer
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(20); s.connect(('127.0.0.1', port))
    s.sendall((json.dumps({'type': 'login', 'nickname': 'stall%d' % i}) + '\n').encode())
    stalled.append(s)
reader = Client(port); reader.login('reader')
pub = Client(port); pub.login('pub')
import threading
got = []
def read_all():
    while len(got) < 600:
        m = reader.recv()
        if m['type'] == 'broadcast': got.append(m['message'])
t = threading.Thread(target=read_all); t.start()
peak = 0
for k in range(600):
    pub.send(type='broadcast', message='%d ' % k + 'y' * 4000)
    time.sleep(0.005)  # leave the reading thread (same interpreter) time to keep up
    if k % 50 == 0:
        peak = max(peak, prometheus.value(prometheus.scrape(web), 'sockit_chat_queued_bytes'))
t.join(60)
print(len(got), got[-1].split(' ')[0])
s = prometheus.scrape(web)
# As many as it takes to get back under the budget are cut; the rest stay (within it).
print('cut', prometheus.value(s, 'sockit_chat_errors_total', code='slow_consumer') > 0)
print('peak within budget', peak <= 2 * 8388608, peak)
)",
                             std::chrono::seconds(120));
  // The peak is printed last: the budget plus one fan-out's worth is the bound.
  EXPECT_EQ(r.out.substr(0, r.out.rfind(' ')), "600 599\ncut True\npeak within budget True") << r.err;
  EXPECT_EQ(chat.server().stop(), 0);
}

TEST(ChatSafety, AWebSocketKeyThatIsNotSixteenBytesGets400) {
  WebChat chat;
  const auto r = chat.python(R"(
import base64, os
def upgrade(key):
    s = socket.create_connection(('127.0.0.1', web), timeout=10)
    s.sendall(('GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n'
               'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n'
               % (web, key)).encode())
    status = s.recv(4096).split(b'\r\n')[0].decode(); s.close(); return status
print(upgrade('abc'))
print(upgrade(base64.b64encode(os.urandom(15)).decode()))
print(upgrade(base64.b64encode(os.urandom(17)).decode()))
print(upgrade('!' * 22 + '=='))
print(upgrade(base64.b64encode(os.urandom(16)).decode()))
)");
  EXPECT_EQ(r.out,
            "HTTP/1.1 400 Bad Request\n"
            "HTTP/1.1 400 Bad Request\n"
            "HTTP/1.1 400 Bad Request\n"
            "HTTP/1.1 400 Bad Request\n"
            "HTTP/1.1 101 Switching Protocols\n")
      << r.err;
  EXPECT_EQ(chat.server().stop(), 0);
}

}  // namespace
}  // namespace sockit::test
