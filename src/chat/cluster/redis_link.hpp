// Internal: one connection to Redis through hiredis' asynchronous client, driven by an Asio
// io_context (hiredis' event hooks mapped onto asio::posix::stream_descriptor waits). Commands
// are pipelined: each is written at once and its callback runs when its reply arrives, in
// order. hiredis parses the replies; nothing here reads RESP.
//
// Threads: not thread safe. Every member, and every callback, runs on the io_context's one
// thread. Ownership: the link owns its hiredis context; callbacks must not outlive what they
// capture, so the owner closes the link (close() or the destructor) before those die — every
// pending callback is then called once with a null reply.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "chat/cluster/cluster_scripts.hpp"
#include "chat/cluster/cluster_wire.hpp"

struct redisAsyncContext;
struct redisReply;

namespace sockit::chat::cluster {

class RedisLink {
 public:
  /// A reply, or null when the command failed to get one (not connected, connection lost,
  /// timed out, closed).
  using Callback = std::function<void(const redisReply*)>;
  /// A published message: the channel and the payload.
  using OnMessage = std::function<void(std::string_view channel, std::string_view payload)>;

  /// `name` is given to the connection (CLIENT SETNAME: no spaces); `timeout` bounds
  /// connecting and the wait for any reply while commands are pending.
  RedisLink(boost::asio::io_context& io, RedisAddress address, std::string name,
            std::chrono::milliseconds timeout);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  /// Connects (names the connection, selects the database); `done(true)` once commands may be
  /// sent, `done(false)`
  /// on failure. `lost` is called once if a ready link later drops (not after close()).
  void connect(std::function<void(bool)> done, std::function<void()> lost);
  bool ready() const noexcept { return state_ == State::ready; }
  /// Drops the connection now; pending callbacks get a null reply. Idempotent.
  void close();

  /// Sends a command; `cb` gets its reply (an error reply is a reply: check its type).
  void command(const std::vector<std::string>& args, Callback cb);
  /// Runs `script` by its SHA-1, sending its text when Redis does not know it yet.
  void eval(const Script& script, std::vector<std::string> args, Callback cb);
  /// PSUBSCRIBE (`pattern`) or SUBSCRIBE; `on_message` gets every message; `ready(true)` once
  /// Redis confirmed (from then on every message published there reaches `on_message`),
  /// `ready(false)` if the link drops first. Confirmations of one channel come in the order of
  /// the calls, also across unsubscribe(). Only on a link used for nothing but subscriptions.
  void subscribe(bool pattern, const std::string& channel, OnMessage on_message,
                 std::function<void(bool)> ready);
  /// UNSUBSCRIBE: `on_message` hears no more of `channel` from now on. Nothing to do (and
  /// nothing sent) when it is not subscribed on this connection.
  void unsubscribe(const std::string& channel);

  /// Bytes of the replies and published messages received (as RESP), since construction.
  /// Thread safe.
  std::uint64_t received_bytes() const noexcept {
    return received_bytes_.load(std::memory_order_relaxed);
  }

  const RedisAddress& address() const noexcept { return address_; }

 private:
  enum class State { idle, connecting, selecting, ready };
  struct Io;
  struct Pending;

  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_subscription(redisAsyncContext* ac, void* reply, void* privdata);
  void connected();
  void failed();
  void watch();
  void send(const std::vector<std::string>& args, Pending* pending);
  void count(const redisReply* r);

  boost::asio::io_context& io_;
  const RedisAddress address_;
  const std::string name_;
  const std::chrono::milliseconds timeout_;
  State state_ = State::idle;
  redisAsyncContext* ac_ = nullptr;
  std::shared_ptr<Io> adapter_;
  std::function<void(bool)> done_;
  std::function<void()> lost_;
  std::size_t pending_ = 0;  // commands without a reply yet
  std::chrono::steady_clock::time_point progress_{};  // the last reply, or the first command
  boost::asio::steady_timer watchdog_;
  std::map<std::string, OnMessage, std::less<>> subscriptions_;  // by channel or pattern
  std::map<std::string, std::deque<std::function<void(bool)>>, std::less<>> confirming_;
  std::atomic<std::uint64_t> received_bytes_{0};
};

}  // namespace sockit::chat::cluster
