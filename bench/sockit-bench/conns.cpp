// The idle-connections scenario: N clients connect (a chat user logs in and leaves the lobby;
// a Redis client sends one PING), then sit idle while the server's resident memory is read
// from /proc. Source addresses rotate over 127.0.0.x so one address's ephemeral ports are no
// limit.
#include <fstream>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/core.h>

#include "scenarios.hpp"

namespace sockit::bench {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kInFlight = 256;           // connects at once: no SYN flood of the backlog
constexpr std::size_t kPerSourceAddress = 20000;  // well inside one address's ephemeral range

std::int64_t resident_bytes(int pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::int64_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

struct State {
  const ConnsConfig& config;
  tcp::endpoint target;
  std::vector<tcp::socket> sockets;
  std::size_t opened = 0;
  std::uint64_t errors = 0;
};

asio::awaitable<void> opener(State& st, std::size_t first) {
  asio::streambuf buf;
  for (std::size_t i = first; i < st.sockets.size(); i += kInFlight) {
    auto& socket = st.sockets[i];
    boost::system::error_code ec;
    socket.open(tcp::v4(), ec);
    const auto source = asio::ip::make_address_v4(
        static_cast<asio::ip::address_v4::uint_type>(0x7f000002u + i / kPerSourceAddress));
    if (!ec) socket.bind(tcp::endpoint(source, 0), ec);
    if (!ec) std::tie(ec) = co_await socket.async_connect(st.target, tuple);
    const std::string hello =
        st.config.redis ? std::string("*1\r\n$4\r\nPING\r\n")
                        : fmt::format(R"({{"type":"login","nickname":"idle{}"}})" "\n"
                                      R"({{"type":"leave","room":"lobby"}})" "\n", i);
    if (!ec) std::tie(ec, std::ignore) = co_await asio::async_write(socket, asio::buffer(hello), tuple);
    if (!ec) std::tie(ec, std::ignore) = co_await asio::async_read_until(socket, buf, '\n', tuple);
    const std::string_view line(static_cast<const char*>(buf.data().data()), buf.size());
    const bool taken = !ec && (st.config.redis ? line.starts_with("+PONG")
                                               : line.find(R"("status":"ok")") != std::string_view::npos);
    buf.consume(buf.size());
    if (taken) {
      ++st.opened;
    } else {
      ++st.errors;
      socket.close(ec);
    }
  }
}

}  // namespace

ConnsResult run_conns(const ConnsConfig& c) {
  asio::io_context io{1};
  tcp::resolver r(io);
  State st{c, r.resolve(c.host, c.port).begin()->endpoint(), {}, 0, 0};
  st.sockets.reserve(c.connections);
  for (std::size_t i = 0; i < c.connections; ++i) st.sockets.emplace_back(io);
  ConnsResult result;
  result.rss_before = c.server_pid ? resident_bytes(c.server_pid) : -1;
  const auto start = Clock::now();
  for (std::size_t k = 0; k < std::min(kInFlight, c.connections); ++k) {
    asio::co_spawn(io, opener(st, k), asio::detached);
  }
  io.run();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::this_thread::sleep_for(c.settle);  // let the server finish what the logins started
  result.rss_after = c.server_pid ? resident_bytes(c.server_pid) : -1;
  result.opened = st.opened;
  result.errors = st.errors;
  return result;
}

}  // namespace sockit::bench
