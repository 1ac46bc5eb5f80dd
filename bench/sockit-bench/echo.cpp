// The echo scenario: N connections, one message of S bytes in flight on each; every answer
// must come back byte for byte. Works against `sockit echo serve` (any model) and any other
// echo server.
#include "scenarios.hpp"
#include "process_cpu.hpp"

#include <atomic>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace sockit::bench {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Worker {
  asio::io_context io{1};
  Histogram latency;
  std::uint64_t errors = 0;
  std::uint64_t bytes = 0;
};

// What one round trip sends and must get back: the payload itself, or RESP PING/PONG.
struct Exchange {
  std::string request;
  std::string reply;
};

Exchange exchange_for(const EchoConfig& c) {
  if (c.redis_ping) return {"*1\r\n$4\r\nPING\r\n", "+PONG\r\n"};
  std::string payload(c.size, 'x');
  return {payload, payload};
}

asio::awaitable<void> ping_pong(Worker& w, tcp::endpoint target, Exchange ex,
                                Clock::time_point until) {
  tcp::socket socket(w.io);
  auto [cec] = co_await socket.async_connect(target, asio::as_tuple(asio::use_awaitable));
  if (cec) {
    ++w.errors;
    co_return;
  }
  socket.set_option(tcp::no_delay(true));
  std::string in(ex.reply.size(), '\0');
  while (Clock::now() < until) {
    const auto start = Clock::now();
    auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(ex.request),
                                                asio::as_tuple(asio::use_awaitable));
    auto [rec, rn] = co_await asio::async_read(socket, asio::buffer(in),
                                               asio::as_tuple(asio::use_awaitable));
    if (wec || rec || in != ex.reply) {
      ++w.errors;
      co_return;
    }
    w.latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count()));
    w.bytes += ex.request.size();
  }
}

}  // namespace

Result run_echo(const EchoConfig& c) {
  asio::io_context resolve_io;
  tcp::resolver r(resolve_io);
  const auto target = *r.resolve(c.host, c.port).begin();
  const std::size_t threads = std::max<std::size_t>(1, c.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>());
  const auto start = Clock::now();
  const auto until = start + c.duration;
  for (std::size_t i = 0; i < c.connections; ++i) {
    auto& w = *workers[i % threads];
    asio::co_spawn(w.io, ping_pong(w, target.endpoint(), exchange_for(c), until), asio::detached);
  }
  const double cpu_start = c.server_pids.empty() ? -1 : cpu_seconds(c.server_pids);
  std::vector<std::thread> pool;
  for (auto& w : workers) pool.emplace_back([&w] { w->io.run(); });
  for (auto& t : pool) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Result result;
  if (cpu_start >= 0) result.server_cpu = cpu_seconds(c.server_pids) - cpu_start;
  for (auto& w : workers) {
    result.latency.merge(w->latency);
    result.errors += w->errors;
    result.bytes += w->bytes;
  }
  result.seconds = seconds;
  return result;
}

}  // namespace sockit::bench
