// The chat core in process, without sockets: fake outboxes that record, and event loops on
// threads of their own, for the tests of the Hub and its Shards.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "chat/core/hub.hpp"
#include "chat/core/local_directory.hpp"
#include "chat/core/switchboard.hpp"

namespace sockit::chat::test {

namespace asio = boost::asio;

// Records what the core queues and when it flushes. On its shard's thread only, like a Session.
class FakeOutbox : public Outbox {
 public:
  void push(const Encoded& message) override { lines.push_back(*message); }
  void flush() override { ++flushes; }
  void close_with(Errc code, std::string_view) override { closed = code; }

  // The seqs of the room messages received, in order of arrival.
  std::vector<std::int64_t> seqs(const std::string& type = "broadcast") const {
    static const std::regex seq(R"("seq":(\d+))");
    std::vector<std::int64_t> out;
    for (const auto& l : lines) {
      std::smatch m;
      if (l.find("\"type\":\"" + type + "\"") != std::string::npos &&
          std::regex_search(l, m, seq)) {
        out.push_back(std::stoll(m[1]));
      }
    }
    return out;
  }
  std::size_t count(const std::string& text) const {
    std::size_t n = 0;
    for (const auto& l : lines) n += l.find(text) != std::string::npos;
    return n;
  }

  std::vector<std::string> lines;
  int flushes = 0;
  std::optional<Errc> closed;
};

// A server's chat core on its own: the switchboard, a local directory (over `store`, if
// any), and the hub over them.
struct Core {
  explicit Core(const ChatLimits& limits, HubAccounts accounts = {}, ChatStore* store = nullptr)
      : board(limits.max_queue_total), directory(board, store, limits), hub(limits, board, directory, accounts) {
    directory.start(hub);
  }
  Switchboard board;
  LocalDirectory directory;
  Hub hub;
};

struct Client {
  Member member;
  FakeOutbox out;
};

// The seq of a room message line; -1 for a line without one (answers).
inline std::int64_t seq_of(const std::string& line) {
  static const std::regex seq(R"("seq":(\d+))");
  std::smatch m;
  return std::regex_search(line, m, seq) ? std::stoll(m[1]) : -1;
}

inline Broadcast say(const std::string& room, const std::string& text) {
  Broadcast b;
  b.room = room;
  b.message = text;
  return b;
}

// A loop on a thread of its own; `run(f)` runs f on it and waits.
class Loop {
 public:
  Loop() : work_(asio::make_work_guard(ctx_)), thread_([this] { ctx_.run(); }) {}
  ~Loop() { join(); }
  void join() {  // runs what is queued (paced flushes included), then stops
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }
  template <class F>
  void run(F f) {
    std::promise<void> done;
    asio::post(ctx_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
  void settle() {  // what other threads posted here has been applied
    for (int i = 0; i < 3; ++i) run([] {});
  }
  asio::any_io_executor executor() { return ctx_.get_executor(); }

 private:
  asio::io_context ctx_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

// Ends a sharded test in the only safe order: the loops finish what is queued and stop, then
// the hub drops its shards' timers — before the loops' io_contexts and the hub are destroyed.
struct StopFirst {
  Loop (&loops)[2];
  Hub& hub;
  ~StopFirst() {
    for (auto& l : loops) l.join();
    hub.stop_background();
  }
};

}  // namespace sockit::chat::test
