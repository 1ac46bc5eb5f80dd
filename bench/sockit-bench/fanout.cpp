// The chat fan-out scenario: S subscribers and P publishers in one room; publishers send
// timestamped messages at a fixed total rate; every delivery's latency is recorded. Two
// protocol adapters drive the same load: sockit chat v1 and Redis pub/sub (RESP).
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

std::string subscribe_request(const FanoutConfig& c, std::size_t i) {
  if (c.redis) return "*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n";
  return fmt::format(R"({{"type":"login","nickname":"sub{}"}})" "\n", i);
}

std::string publish_request(const FanoutConfig& c, const std::string& body) {
  if (c.redis) {
    return fmt::format("*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n${}\r\n{}\r\n", body.size(), body);
  }
  return fmt::format(R"({{"type":"broadcast","message":"{}"}})" "\n", body);
}

asio::awaitable<void> subscriber(Shared& s, tcp::endpoint target, const FanoutConfig& c,
                                 std::size_t i, Clock::time_point until) {
  tcp::socket socket(co_await asio::this_coro::executor);
  if (auto [ec] = co_await socket.async_connect(target, tuple); ec) {
    ++s.errors;
    co_return;
  }
  co_await asio::async_write(socket, asio::buffer(subscribe_request(c, i)), tuple);
  ++s.ready;
  asio::streambuf buf;
  asio::steady_timer stop(socket.get_executor(), until + std::chrono::milliseconds(500));
  stop.async_wait([&socket](boost::system::error_code) { socket.close(); });
  for (;;) {
    auto [ec, n] = co_await asio::async_read_until(socket, buf, '\n', tuple);
    if (ec) co_return;
    const std::string_view line(static_cast<const char*>(buf.data().data()), n);
    record(s, line);
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

asio::awaitable<void> publish_loop(Shared& s, tcp::socket& socket, const FanoutConfig& c,
                                   Clock::time_point until) {
  asio::steady_timer tick(socket.get_executor());
  const auto interval = std::chrono::nanoseconds(static_cast<long long>(
      1e9 * static_cast<double>(c.publishers) / c.rate));
  auto next = until - c.duration;  // after the warm-up: logins and their notices settle first
  while (next < until) {
    tick.expires_at(next);
    co_await tick.async_wait(tuple);
    const auto req = publish_request(c, payload(c.size));
    if (auto [ec, n] = co_await asio::async_write(socket, asio::buffer(req), tuple); ec) {
      ++s.errors;
      co_return;
    }
    next += interval;
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
  if (!c.redis) {
    const auto login = fmt::format(R"({{"type":"login","nickname":"pub{}"}})" "\n", i);
    co_await asio::async_write(socket, asio::buffer(login), tuple);
  }
  co_await (publish_loop(s, socket, c, until) || drain(socket));
}

}  // namespace

Result run_fanout(const FanoutConfig& c) {
  asio::io_context io{1};  // one client thread: the machine's other core is the server's
  tcp::resolver r(io);
  const auto target = r.resolve(c.host, c.port).begin()->endpoint();
  Shared s;
  const auto start = Clock::now();
  const auto until = start + c.warmup + c.duration;
  for (std::size_t i = 0; i < c.subscribers; ++i) {
    asio::co_spawn(io, subscriber(s, target, c, i, until), asio::detached);
  }
  for (std::size_t i = 0; i < c.publishers; ++i) {
    asio::co_spawn(io, publisher(s, target, c, i, until), asio::detached);
  }
  io.run();
  Result result;
  result.latency = s.latency;
  result.errors = s.errors;
  result.seconds = std::chrono::duration<double>(c.duration).count();
  return result;
}

}  // namespace sockit::bench
