// The chat fan-out scenario: S subscribers and P publishers over R rooms; publishers send
// timestamped messages at a fixed total rate (or each as soon as its last one is
// acknowledged); every delivery's latency is recorded. Three protocol adapters drive the same
// load: sockit chat v1, Redis pub/sub (RESP) and NATS (SUB/PUB).
#include <atomic>
#include <charconv>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/core.h>

#include "process_cpu.hpp"
#include "scenarios.hpp"

namespace sockit::bench {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

struct Shared {
  Histogram latency;
  std::uint64_t deliveries = 0;
  std::uint64_t errors = 0;
  std::atomic<int> ready{0};
};

// The payload: "T<send time ns>:" padded with 'x' to the message size.
std::string payload(std::size_t size) {
  std::string p = fmt::format("T{}:", now_ns());
  if (p.size() < size) p.append(size - p.size(), 'x');
  return p;
}

// Finds "T<digits>:" in a received line and records its age.
void record(Shared& s, std::string_view line) {
  const auto t = line.find('T');
  if (t == std::string_view::npos) return;
  std::uint64_t sent = 0;
  const auto [p, ec] = std::from_chars(line.data() + t + 1, line.data() + line.size(), sent);
  if (ec != std::errc{} || p == line.data() + line.size() || *p != ':') return;
  s.latency.record(now_ns() - sent);
  ++s.deliveries;
}

std::string room_name(const FanoutConfig& c, std::size_t i) { return fmt::format("bench{}", i % c.rooms); }

// What a subscriber sends to start receiving room `room`.
std::string subscribe_request(const FanoutConfig& c, std::size_t i, const std::string& room) {
  switch (c.protocol) {
    case PubSub::redis:
      return fmt::format("*2\r\n$9\r\nSUBSCRIBE\r\n${}\r\n{}\r\n", room.size(), room);
    case PubSub::nats:
      return fmt::format("CONNECT {{\"verbose\":false,\"pedantic\":false}}\r\nSUB {} {}\r\n", room, i + 1);
    case PubSub::sockit:
      break;
  }
  // Leave the lobby at once so logins do not flood everyone with notices, then join.
  return fmt::format(R"({{"type":"login","nickname":"sub{}"}})" "\n"
                     R"({{"type":"leave","room":"lobby"}})" "\n"
                     R"({{"type":"join","room":"{}"}})" "\n", i, room);
}

std::string publisher_hello(const FanoutConfig& c, std::size_t i, const std::string& room) {
  switch (c.protocol) {
    case PubSub::redis: return {};
    case PubSub::nats: return "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
    case PubSub::sockit: break;
  }
  return fmt::format(R"({{"type":"login","nickname":"pub{}"}})" "\n"
                     R"({{"type":"leave","room":"lobby"}})" "\n"
                     R"({{"type":"join","room":"{}"}})" "\n", i, room);
}

// One message; with `acked`, followed by what makes the server answer once it has taken it.
std::string publish_request(const FanoutConfig& c, const std::string& room, const std::string& body,
                            bool acked) {
  switch (c.protocol) {
    case PubSub::redis:  // PUBLISH always answers with the receiver count
      return fmt::format("*3\r\n$7\r\nPUBLISH\r\n${}\r\n{}\r\n${}\r\n{}\r\n", room.size(),
                         room, body.size(), body);
    case PubSub::nats:
      return fmt::format("PUB {} {}\r\n{}\r\n{}", room, body.size(), body, acked ? "PING\r\n" : "");
    case PubSub::sockit:
      break;
  }
  if (acked) return fmt::format(R"({{"type":"broadcast","room":"{}","message":"{}","req":1}})" "\n", room, body);
  return fmt::format(R"({{"type":"broadcast","room":"{}","message":"{}"}})" "\n", room, body);
}

// Whether `line` is the server's acknowledgement of a publish_request(..., acked = true).
bool is_ack(const FanoutConfig& c, std::string_view line) {
  switch (c.protocol) {
    case PubSub::redis: return line.starts_with(':');
    case PubSub::nats: return line.starts_with("PONG");
    case PubSub::sockit: break;
  }
  return line.find(R"("type":"ack")") != std::string_view::npos;
}

asio::awaitable<void> subscriber(Shared& s, tcp::endpoint target, const FanoutConfig& c,
                                 std::size_t i, Clock::time_point until) {
  tcp::socket socket(co_await asio::this_coro::executor);
  if (auto [ec] = co_await socket.async_connect(target, tuple); ec) {
    ++s.errors;
    co_return;
  }
  co_await asio::async_write(socket, asio::buffer(subscribe_request(c, i, room_name(c, i))), tuple);
  ++s.ready;
  asio::streambuf buf;
  asio::steady_timer stop(socket.get_executor(), until + std::chrono::milliseconds(500));
  stop.async_wait([&socket](boost::system::error_code) { socket.close(); });
  for (;;) {
    auto [ec, n] = co_await asio::async_read_until(socket, buf, '\n', tuple);
    if (ec) co_return;
    const std::string_view line(static_cast<const char*>(buf.data().data()), n);
    if (c.protocol == PubSub::nats && line.starts_with("PING")) {
      co_await asio::async_write(socket, asio::buffer("PONG\r\n", 6), tuple);
    } else {
      record(s, line);
    }
    buf.consume(n);
  }
}

// Reads and drops what the server sends a publisher (acks, notices), so it never looks slow.
asio::awaitable<void> drain(tcp::socket& socket) {
  std::array<char, 16384> sink;
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(sink), tuple);
    if (ec) co_return;
  }
}

asio::awaitable<void> paced_publish(Shared& s, tcp::socket& socket, const FanoutConfig& c,
                                    const std::string& room, Clock::time_point until) {
  asio::steady_timer tick(socket.get_executor());
  const auto interval = std::chrono::nanoseconds(static_cast<long long>(
      1e9 * static_cast<double>(c.publishers) / c.rate));
  auto next = until - c.duration;  // after the warm-up: logins and their notices settle first
  while (next < until) {
    tick.expires_at(next);
    co_await tick.async_wait(tuple);
    const auto req = publish_request(c, room, payload(c.size), false);
    if (auto [ec, n] = co_await asio::async_write(socket, asio::buffer(req), tuple); ec) {
      ++s.errors;
      co_return;
    }
    next += interval;
  }
}

// As fast as the server takes them: the next message goes when the last one is acknowledged.
asio::awaitable<void> acked_publish(Shared& s, tcp::socket& socket, const FanoutConfig& c,
                                    const std::string& room, Clock::time_point until) {
  asio::steady_timer start(socket.get_executor(), until - c.duration);
  co_await start.async_wait(tuple);
  asio::streambuf buf;
  while (Clock::now() < until) {
    const auto req = publish_request(c, room, payload(c.size), true);
    if (auto [ec, n] = co_await asio::async_write(socket, asio::buffer(req), tuple); ec) {
      ++s.errors;
      co_return;
    }
    for (;;) {
      auto [ec, n] = co_await asio::async_read_until(socket, buf, '\n', tuple);
      if (ec) {
        ++s.errors;
        co_return;
      }
      const bool ack = is_ack(c, std::string_view(static_cast<const char*>(buf.data().data()), n));
      buf.consume(n);
      if (ack) break;
    }
  }
}

asio::awaitable<void> publisher(Shared& s, tcp::endpoint target, const FanoutConfig& c,
                                std::size_t i, Clock::time_point until) {
  using namespace asio::experimental::awaitable_operators;
  tcp::socket socket(co_await asio::this_coro::executor);
  if (auto [ec] = co_await socket.async_connect(target, tuple); ec) {
    ++s.errors;
    co_return;
  }
  socket.set_option(tcp::no_delay(true));
  const auto room = room_name(c, i);
  if (const auto hello = publisher_hello(c, i, room); !hello.empty()) {
    co_await asio::async_write(socket, asio::buffer(hello), tuple);
  }
  if (c.rate > 0) {
    co_await (paced_publish(s, socket, c, room, until) || drain(socket));
  } else {
    co_await acked_publish(s, socket, c, room, until);
  }
}

}  // namespace

Result run_fanout(const FanoutConfig& c) {
  asio::io_context io{1};  // one client thread: the machine's other core is the server's
  tcp::resolver r(io);
  std::vector<tcp::endpoint> targets;  // clients spread round robin over the servers
  for (const auto& port : c.ports) targets.push_back(r.resolve(c.host, port).begin()->endpoint());
  Shared s;
  const auto start = Clock::now();
  const auto until = start + c.warmup + c.duration;
  for (std::size_t i = 0; i < c.subscribers; ++i) {
    asio::co_spawn(io, subscriber(s, targets[i % targets.size()], c, i, until), asio::detached);
  }
  for (std::size_t i = 0; i < c.publishers; ++i) {
    asio::co_spawn(io, publisher(s, targets[i % targets.size()], c, i, until), asio::detached);
  }
  double cpu_start = -1;  // from the first message on: logins and joins are not counted
  asio::steady_timer publishing(io, until - c.duration);
  publishing.async_wait([&](boost::system::error_code) {
    if (!c.server_pids.empty()) cpu_start = cpu_seconds(c.server_pids);
  });
  io.run();
  Result result;
  if (cpu_start >= 0) result.server_cpu = cpu_seconds(c.server_pids) - cpu_start;
  result.latency = s.latency;
  result.errors = s.errors;
  result.seconds = std::chrono::duration<double>(c.duration).count();
  return result;
}

}  // namespace sockit::bench
