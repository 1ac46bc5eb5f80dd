// `sockit chat`: protocol v1 end to end against the real server, with Python clients — some
// written exactly like the tutorial's (json.dumps(...) sent back to back, no newline).
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "support/ports.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

// Runs `script` with the test client library importable and the server's port as argv[1].
RunResult chat_python(const ServerProcess& server, const std::string& script,
                      const std::vector<std::string>& more = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const std::string prelude = "import sys, json, socket, time\nsys.path.insert(0, '" +
                              std::string(SOCKIT_TEST_DIR) +
                              "/e2e')\nfrom chat_client import Client\nport = int(sys.argv[1])\n";
  std::vector<std::string> args{std::to_string(server.port())};
  args.insert(args.end(), more.begin(), more.end());
  return run_python(prelude + script, args, {}, timeout);
}

std::vector<std::string> serve_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--data", "none"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}


TEST(Chat, TheTutorialsClientLogsInAndBroadcasts) {
  ServerProcess server(serve_args());
  const auto r = chat_python(server, R"(
# The tutorial's client: json.dumps(...).encode() sent with no delimiter at all.
a = socket.socket(socket.AF_INET, socket.SOCK_STREAM); a.settimeout(10)
a.connect(('127.0.0.1', port))
a.send(json.dumps({'type': 'login', 'nickname': 'zhangsan'}).encode())
buf = b''
def objects(sock):
    global buf
    while b'\n' not in buf:
        buf += sock.recv(1024)
    line, buf = buf.split(b'\n', 1)
    return json.loads(line)
login = objects(a)                    # logged in before lisi comes, so the ids are fixed
print(login['type'], login['status'], login['id'], login['nickname'])
b = Client(port)
b.login('lisi')
print(objects(a)['message'])          # zhangsan(1) joined
print(objects(a)['message'])          # lisi(2) joined
# Two broadcasts back to back in one send, as json.dumps twice would produce.
a.send((json.dumps({'type': 'broadcast', 'sender_id': 1, 'message': 'hello'}) +
        json.dumps({'type': 'broadcast', 'sender_id': 1, 'message': '你好'})).encode())
for _ in range(2):
    m = b.recv_type('broadcast')
    print(m['sender_id'], m['sender_nickname'], m['message'], m['room'], m['seq'] > 0, m['ts'] > 0)
)");
  EXPECT_EQ(r.out,
            "login ok 1 zhangsan\n"
            "zhangsan(1) joined\n"
            "lisi(2) joined\n"
            "1 zhangsan hello lobby True True\n"
            "1 zhangsan 你好 lobby True True\n")
      << r.err;
  EXPECT_EQ(server.stop(), 0);
}

// The requests, their errors and the limits (frame size, login timeout, rate, max clients, a slow
// consumer among fifty fast readers) are Session logic, tested in process:
// tests/unit/chat_session_requests_test.cpp and chat_session_limits_test.cpp.

TEST(Chat, AThousandClientsInOneRoom) {
  ServerProcess server(serve_args({"--max-clients", "1100"}));
  const auto r = chat_python(server, R"(
import selectors
N = 1000
clients = [Client(port, timeout=60) for _ in range(N)]
for i, c in enumerate(clients):
    c.send(type='login', nickname='u%d' % i)
for c in clients:
    c.recv_type('login')
for i, c in enumerate(clients):
    c.send(type='broadcast', message='from %d' % i)
# Every client must get the other N-1 broadcasts exactly once.
sel = selectors.DefaultSelector()
counts = {}
for i, c in enumerate(clients):
    c.sock.setblocking(False)
    sel.register(c.sock, selectors.EVENT_READ, i)
    counts[i] = set()
pending = N
deadline = time.time() + 120
buffers = [c.buf for c in clients]
dupes = 0
while pending and time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        i = key.data
        try:
            data = clients[i].sock.recv(1 << 20)
        except BlockingIOError:
            continue
        buffers[i] += data
        *lines, buffers[i] = buffers[i].split(b'\n')
        for line in lines:
            m = json.loads(line)
            if m['type'] == 'broadcast':
                k = m['message']
                if k in counts[i]: dupes += 1
                counts[i].add(k)
                if len(counts[i]) == N - 1: pending -= 1
print(pending, dupes, all(('from %d' % i) not in counts[i] for i in range(N)))
)",
                             {}, std::chrono::seconds(150));
  EXPECT_EQ(r.out, "0 0 True\n") << r.err;
}

TEST(Chat, HistoryAndSeqSurviveARestart) {
  const TempDir tmp("sockit-chat");
  const auto& dir = tmp.path();
  std::vector<std::string> args{"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--data", dir.string()};
  std::string first_seq;
  {
    ServerProcess server(args);
    const auto r = chat_python(server, R"(
a = Client(port); a.login('a')
for i in range(5):
    a.send(type='broadcast', message='msg %d' % i, req=i)
    last = a.recv_type('ack')['seq']
print(last)
)");
    first_seq = r.out;
    EXPECT_FALSE(first_seq.empty()) << r.err;
    EXPECT_EQ(server.stop(SIGINT), 0);
  }
  ServerProcess server(args);
  const auto r = chat_python(server, R"(
a = Client(port); a.login('b')
a.send(type='history', room='lobby', limit=3)
h = a.recv_type('history')['messages']
print([m['message'] for m in h])
a.send(type='history', room='lobby', limit=2, before=h[0]['seq'])
print([m['message'] for m in a.recv_type('history')['messages']])
a.send(type='broadcast', message='after', req='x')
print(a.recv_type('ack')['seq'] > int(sys.argv[2]))
)",
                             {first_seq.substr(0, first_seq.find('\n'))});
  EXPECT_EQ(r.out,
            "['msg 4', 'a(1) left', 'b(1) joined']\n['msg 2', 'msg 3']\nTrue\n")
      << r.err;
}

TEST(Chat, KillDashNineDuringABurstLeavesASoundDatabase) {
  const TempDir tmp("sockit-chat");
  const auto& dir = tmp.path();
  std::vector<std::string> args{"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--data", dir.string(),
                                "--rate", "1000000", "--burst", "1000000"};
  {
    ServerProcess server(args);
    const auto r = chat_python(server, R"(
import os, signal
a = Client(port); a.login('a')
for i in range(3000):
    a.send(type='broadcast', message='burst %d' % i)
os.kill(int(sys.argv[2]), signal.SIGKILL)
print('killed')
)",
                               {std::to_string(server.child().pid())});
    EXPECT_EQ(r.out, "killed\n") << r.err;
    server.child().wait();
  }
  const auto r = run_python(R"(
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(con.execute('pragma integrity_check').fetchone()[0])
seqs = [s for (s,) in con.execute("select seq from messages where room='lobby' order by seq")]
print(seqs == list(range(1, len(seqs) + 1)), len(seqs) > 0)
)",
                            {(dir / "chat.db").string()});
  EXPECT_EQ(r.out, "ok\nTrue True\n") << r.err;
  ServerProcess again(args);  // and it starts again on that database
  EXPECT_EQ(again.stop(), 0);
}

TEST(Chat, StopSaysShuttingDown) {
  ServerProcess server(serve_args());
  Child client({"python3", "-c", std::string("import sys; sys.path.insert(0, '") + SOCKIT_TEST_DIR +
                                     "/e2e')\nfrom chat_client import Client\n"
                                     "a = Client(int(sys.argv[1])); a.login('a'); print('in', flush=True)\n"
                                     "print(a.recv_type('error')['code'], a.closed(), flush=True)\n",
                std::to_string(server.port())});
  ASSERT_EQ(client.read_line(), "in");
  EXPECT_EQ(server.stop(), 0);
  EXPECT_EQ(client.read_line(), "shutting_down True");
}

// A cluster node keeps no local store: `--data none` goes with --cluster; a directory is
// refused, with the reason, before anything is opened or listens. (The node starts without
// its Redis: it says so in /healthz and connects when Redis comes.)
TEST(Chat, ClusterTakesDataNoneAndRefusesADataDirectory) {
  const std::string redis = "redis://127.0.0.1:" + free_port();
  ServerProcess node(serve_args({"--cluster", redis, "--node-id", "cli"}));
  EXPECT_EQ(node.stop(), 0);

  TempDir dir("sockit-cluster-data");
  const auto store = dir.path() / "store";
  const auto r = run_sockit({"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--cluster", redis,
                             "--data", store.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("--data " + store.string() + ": a cluster node keeps no local store"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(store));
}

TEST(ChatClient, PipedTerminalClient) {
  ServerProcess server(serve_args());
  Child watcher(sockit_argv({"chat", "connect", server.address(), "--nick", "watcher"}));
  ASSERT_TRUE(watcher.read_until("watcher(1) joined"));
  const auto r = run_sockit({"chat", "connect", server.address()},
                            "login zhangsan\nhello everyone\nsend second\n/join dev\n/who\n"
                            "/msg watcher psst\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("* logged in as zhangsan (id 2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("* now in dev"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("* dev: zhangsan(2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("* bye"), std::string::npos) << r.out;
  EXPECT_TRUE(watcher.read_until("[zhangsan(2)] hello everyone"));
  EXPECT_TRUE(watcher.read_until("[zhangsan(2)] second"));
  EXPECT_TRUE(watcher.read_until("[zhangsan(2) -> you] psst"));
}

}  // namespace
}  // namespace sockit::test
