// `sockit nc` around a half-close — whichever side finishes sending first, the other side's
// bytes still arrive whole — and UDP input longer than one datagram.
#include <gtest/gtest.h>

#include <thread>

#include "sockit/core/error.hpp"
#include "sockit/socket/socket.hpp"
#include "support/bytes.hpp"
#include "support/ports.hpp"
#include "support/server_process.hpp"

namespace sockit::test {
namespace {

using namespace std::chrono_literals;

// Reads from `s` until end of stream (or a 20 s silence); everything that came.
std::string read_to_end(Socket& s) {
  s.settimeout(20s);
  std::string got;
  char buffer[65536];
  try {
    while (const auto n = s.recv_into(buffer)) got.append(buffer, n);
  } catch (const socket_error& e) {
    ADD_FAILURE() << "reading: " << e.what() << " after " << got.size() << " bytes";
  }
  return got;
}

// A one-connection loopback listener with nothing to say: it shuts its write side as soon as
// the client is in (as `ncat -l --recv-only` does), then reads everything the client sends.
class DrainingListener {
 public:
  DrainingListener() : socket_(AF_INET, SOCK_STREAM) {
    socket_.bind(Address::loopback4(0));
    socket_.listen(1);
    socket_.settimeout(20s);
    thread_ = std::thread([this] { serve(); });
  }
  ~DrainingListener() {
    if (thread_.joinable()) thread_.join();
  }
  std::string port() const { return std::to_string(socket_.getsockname().port()); }
  /// Waits for the client to finish; what it sent.
  std::string received() {
    thread_.join();
    return got_;
  }

 private:
  void serve() {
    try {
      auto [client, from] = socket_.accept();
      client.shutdown(SHUT_WR);
      got_ = read_to_end(client);
    } catch (const socket_error& e) {
      ADD_FAILURE() << "listener: " << e.what();
    }
  }

  Socket socket_;
  std::thread thread_;
  std::string got_;
};

TEST(NcHalfClose, ConnectKeepsSendingAfterThePeersEof) {
  const std::string data = random_bytes(1536 << 10);
  for (const bool send_only : {false, true}) {
    SCOPED_TRACE(send_only ? "--send-only" : "both ways");
    DrainingListener listener;
    std::vector<std::string> args{"nc", "127.0.0.1", listener.port()};
    if (send_only) args.push_back("--send-only");
    const auto r = run_sockit(args, data, 30s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::string got = listener.received();
    EXPECT_EQ(got.size(), data.size());
    EXPECT_EQ(sha256_of(got), sha256_of(data));
  }
}

TEST(NcHalfClose, ListenerSendsItsWholeInputToAClientThatHalfClosed) {
  const std::string data = random_bytes(1 << 20, 11);
  const auto port = free_port();
  Child listener(sockit_argv({"nc", "-v", "-l", "127.0.0.1", port}));
  ASSERT_TRUE(wait_listening(listener));
  Socket client(AF_INET, SOCK_STREAM);
  client.settimeout(20s);
  client.connect(Address::loopback4(static_cast<std::uint16_t>(std::stoi(port))));
  client.sendall("request\n");
  client.shutdown(SHUT_WR);  // the request is complete; the answer may take its time
  ASSERT_TRUE(listener.read_until("request\n"));
  std::this_thread::sleep_for(100ms);  // the FIN has reached the listener too
  std::thread feed([&] {
    listener.write(data);
    listener.close_stdin();
  });
  const std::string got = read_to_end(client);
  feed.join();
  EXPECT_EQ(listener.wait(10s), 0);
  EXPECT_EQ(got.size(), data.size());
  EXPECT_EQ(sha256_of(got), sha256_of(data));
}

// A UDP receiver on loopback that collects datagrams until `want` bytes came (or 10 s of
// silence), on its own thread.
class DatagramSink {
 public:
  DatagramSink(int family, std::size_t want) : socket_(family, SOCK_DGRAM), want_(want) {
    socket_.bind(family == AF_INET6 ? Address::loopback6(0) : Address::loopback4(0));
    socket_.settimeout(10s);
    thread_ = std::thread([this] { collect(); });
  }
  ~DatagramSink() {
    if (thread_.joinable()) thread_.join();
  }
  std::string port() const { return std::to_string(socket_.getsockname().port()); }
  /// Waits for the bytes; the datagrams that brought them.
  std::vector<std::string> datagrams() {
    thread_.join();
    return datagrams_;
  }

 private:
  void collect() {
    std::size_t total = 0;
    std::string buffer(65536, '\0');
    try {
      while (total < want_) {
        const auto n = socket_.recv_into(buffer);
        datagrams_.push_back(buffer.substr(0, n));
        total += n;
      }
    } catch (const timeout_error&) {  // the test compares what came
    }
  }

  Socket socket_;
  std::size_t want_;
  std::thread thread_;
  std::vector<std::string> datagrams_;
};

TEST(NcUdp, InputLongerThanADatagramArrivesWhole) {
  const std::string data = random_bytes(70000, 5);
  for (const int family : {AF_INET, AF_INET6}) {
    SCOPED_TRACE(family == AF_INET ? "IPv4" : "IPv6");
    if (family == AF_INET6 && !ipv6_loopback_available()) continue;  // no ::1 here
    DatagramSink sink(family, data.size());
    const auto r = run_sockit({"nc", "-u", family == AF_INET ? "127.0.0.1" : "::1", sink.port()},
                              data, 20s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string got;
    for (const auto& d : sink.datagrams()) {
      EXPECT_LE(d.size(), family == AF_INET ? 65507u : 65527u);
      got += d;
    }
    EXPECT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data);
  }
}

}  // namespace
}  // namespace sockit::test
