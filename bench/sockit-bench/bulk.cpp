// The bulk echo scenario: each connection streams writes of S bytes while reading the echo
// back at the same time (no waiting for answers); throughput is what came back. The echo
// server's answer to iperf3: how fast bytes flow through it on loopback.
#include <atomic>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "process_cpu.hpp"
#include "scenarios.hpp"

namespace sockit::bench {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto tuple = asio::as_tuple(asio::use_awaitable);

struct Worker {
  asio::io_context io{1};
  std::uint64_t bytes = 0;
  std::uint64_t errors = 0;
};

asio::awaitable<void> pour(tcp::socket& socket, std::size_t size, Clock::time_point until) {
  const std::string chunk(size, 'b');
  while (Clock::now() < until) {
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(chunk), tuple);
    if (ec) co_return;
  }
  boost::system::error_code ignored;  // the echo of what was sent still drains
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> soak(Worker& w, tcp::socket& socket, Clock::time_point until) {
  std::vector<char> in(256 * 1024);
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(in), tuple);
    if (Clock::now() < until) w.bytes += n;  // count only the measured window
    if (ec) co_return;
  }
}

asio::awaitable<void> stream(Worker& w, tcp::endpoint target, std::size_t size,
                             Clock::time_point until) {
  using namespace asio::experimental::awaitable_operators;
  tcp::socket socket(w.io);
  if (auto [ec] = co_await socket.async_connect(target, tuple); ec) {
    ++w.errors;
    co_return;
  }
  asio::steady_timer stop(w.io, until + std::chrono::seconds(2));  // a stuck server: give up
  stop.async_wait([&socket](boost::system::error_code ec) {
    if (!ec) socket.close();
  });
  co_await (pour(socket, size, until) && soak(w, socket, until));
  stop.cancel();
}

}  // namespace

Result run_bulk(const EchoConfig& c) {
  asio::io_context resolve_io;
  tcp::resolver r(resolve_io);
  const auto target = r.resolve(c.host, c.port).begin()->endpoint();
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, c.threads); ++i) {
    workers.push_back(std::make_unique<Worker>());
  }
  const auto start = Clock::now();
  const auto until = start + c.duration;
  for (std::size_t i = 0; i < c.connections; ++i) {
    auto& w = *workers[i % workers.size()];
    asio::co_spawn(w.io, stream(w, target, c.size, until), asio::detached);
  }
  const double cpu_start = c.server_pids.empty() ? -1 : cpu_seconds(c.server_pids);
  std::vector<std::thread> pool;
  for (auto& w : workers) pool.emplace_back([&w] { w->io.run(); });
  for (auto& t : pool) t.join();
  Result result;
  if (cpu_start >= 0) result.server_cpu = cpu_seconds(c.server_pids) - cpu_start;
  for (auto& w : workers) {
    result.bytes += w->bytes;
    result.errors += w->errors;
  }
  result.seconds = std::chrono::duration<double>(c.duration).count();
  return result;
}

}  // namespace sockit::bench
