#include "chat/cluster/redis_link.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "sockit/core/log.hpp"

namespace sockit::chat::cluster {
namespace asio = boost::asio;

namespace {

std::size_t digits(long long n) { return std::to_string(n).size(); }

// The size of `r` as Redis sent it (RESP2).
std::uint64_t resp_size(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
      return 1 + digits(static_cast<long long>(r->len)) + 2 + r->len + 2;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return 1 + r->len + 2;
    case REDIS_REPLY_INTEGER:
      return 1 + digits(r->integer) + 2;
    case REDIS_REPLY_ARRAY: {
      std::uint64_t n = 1 + digits(static_cast<long long>(r->elements)) + 2;
      for (std::size_t i = 0; i < r->elements; ++i) n += resp_size(r->element[i]);
      return n;
    }
    default:  // nil
      return 5;
  }
}

}  // namespace

// hiredis' event hooks on one descriptor: it asks for read/write interest, we wait for the
// descriptor to be ready and hand the event back. Shared with the pending waits, which may
// complete after hiredis has let go of the context (cleanup).
struct RedisLink::Io : std::enable_shared_from_this<RedisLink::Io> {
  Io(asio::io_context& io, int fd) : sd(io, fd) {}

  asio::posix::stream_descriptor sd;
  redisAsyncContext* ac = nullptr;  // null once hiredis cleaned up
  bool want_read = false, want_write = false;
  bool read_armed = false, write_armed = false;

  // Waits for the descriptor to be readable (or writable) and hands the event to hiredis, for
  // as long as hiredis wants it; one wait at a time per direction.
  void arm(bool read) {
    bool& armed = read ? read_armed : write_armed;
    if (armed || !ac) return;
    armed = true;
    sd.async_wait(read ? asio::posix::stream_descriptor::wait_read
                       : asio::posix::stream_descriptor::wait_write,
                  [self = shared_from_this(), read](boost::system::error_code ec) {
                    (read ? self->read_armed : self->write_armed) = false;
                    const bool& wanted = read ? self->want_read : self->want_write;
                    if (ec || !self->ac || !wanted) return;
                    read ? redisAsyncHandleRead(self->ac) : redisAsyncHandleWrite(self->ac);
                    if (wanted) self->arm(read);
                  });
  }

  static Io& of(void* data) { return *static_cast<Io*>(data); }
  static void add_read(void* d) { of(d).want_read = true, of(d).arm(true); }
  static void del_read(void* d) { of(d).want_read = false; }
  static void add_write(void* d) { of(d).want_write = true, of(d).arm(false); }
  static void del_write(void* d) { of(d).want_write = false; }
  static void cleanup(void* d) {
    auto& io = of(d);
    io.ac = nullptr;
    io.want_read = io.want_write = false;
    boost::system::error_code ignored;
    io.sd.cancel(ignored);  // the pending waits end; hiredis closes the descriptor itself
    io.sd.release();
  }
};

// A command's callback; hiredis hands it back with the reply (or null when the link drops).
struct RedisLink::Pending {
  RedisLink* link;
  Callback cb;
};

RedisLink::RedisLink(asio::io_context& io, RedisAddress address, std::string name,
                     std::chrono::milliseconds timeout)
    : io_(io), address_(std::move(address)), name_(std::move(name)), timeout_(timeout), watchdog_(io) {}

RedisLink::~RedisLink() {
  lost_ = nullptr;
  close();
}

void RedisLink::connect(std::function<void(bool)> done, std::function<void()> lost) {
  close();
  done_ = std::move(done);
  lost_ = std::move(lost);
  redisAsyncContext* ac = redisAsyncConnect(address_.host.c_str(), address_.port);
  if (!ac || ac->err) {
    if (ac) redisAsyncFree(ac);
    return failed();
  }
  ac->data = this;
  adapter_ = std::make_shared<Io>(io_, ac->c.fd);
  adapter_->ac = ac;
  ac->ev.data = adapter_.get();
  ac->ev.addRead = Io::add_read;
  ac->ev.delRead = Io::del_read;
  ac->ev.addWrite = Io::add_write;
  ac->ev.delWrite = Io::del_write;
  ac->ev.cleanup = Io::cleanup;
  redisAsyncSetConnectCallback(ac, &RedisLink::on_connect);
  redisAsyncSetDisconnectCallback(ac, &RedisLink::on_disconnect);
  ac_ = ac;
  state_ = State::connecting;
  progress_ = std::chrono::steady_clock::now();
  watch();
}

void RedisLink::on_connect(const redisAsyncContext* ac, int status) {
  auto* link = static_cast<RedisLink*>(ac->data);
  if (!link || link->ac_ != ac) return;
  if (status != REDIS_OK) {
    link->ac_ = nullptr;  // hiredis frees a context whose connect failed
    return link->failed();
  }
  // Name the connection (CLIENT LIST shows whose it is), then choose the database.
  link->state_ = State::selecting;
  auto setup = [link](const char* what) {
    return [link, what](const redisReply* r) {
      if (r && r->type != REDIS_REPLY_ERROR) return;
      if (r) log_error("redis {}: {}: {}", to_string(link->address_), what, r->str);
      link->close();
      link->failed();
    };
  };
  link->send({"CLIENT", "SETNAME", link->name_}, new Pending{link, setup("CLIENT SETNAME")});
  link->send({"SELECT", std::to_string(link->address_.db)},
             new Pending{link, [link, check = setup("SELECT")](const redisReply* r) {
                           check(r);
                           if (link->state_ == State::selecting) link->connected();
                         }});
}

void RedisLink::connected() {
  state_ = State::ready;
  if (auto done = std::move(done_)) done(true);
}

void RedisLink::failed() {
  state_ = State::idle;
  if (auto done = std::move(done_)) done(false);
}

void RedisLink::on_disconnect(const redisAsyncContext* ac, int) {
  auto* link = static_cast<RedisLink*>(ac->data);
  if (!link || link->ac_ != ac) return;  // closed by us
  link->ac_ = nullptr;  // hiredis frees it after this callback
  const bool was_ready = link->state_ == State::ready;
  link->state_ = State::idle;
  link->subscriptions_.clear();
  if (!was_ready) return link->failed();
  if (auto lost = std::move(link->lost_)) lost();
}

void RedisLink::close() {
  watchdog_.cancel();
  subscriptions_.clear();
  auto confirming = std::move(confirming_);
  confirming_.clear();
  if (redisAsyncContext* ac = ac_) {
    ac_ = nullptr;
    state_ = State::idle;
    ac->data = nullptr;
    redisAsyncFree(ac);  // pending callbacks run now with a null reply
  }
  state_ = State::idle;
  for (auto& [channel, waiting] : confirming) {
    for (auto& ready : waiting) ready(false);
  }
}

// While commands wait for replies, a link that has made no progress for `timeout_` is dead
// (a stopped or wedged Redis): close it so its callers hear so and the owner reconnects.
void RedisLink::watch() {
  watchdog_.expires_after(timeout_ / 4);
  watchdog_.async_wait([this](boost::system::error_code ec) {
    if (ec || !ac_) return;
    const bool stuck = (state_ != State::ready || pending_ > 0) &&
                       std::chrono::steady_clock::now() - progress_ > timeout_;
    if (!stuck) return watch();
    log_warn("redis {}: no answer for {} ms; dropping the connection", to_string(address_),
             timeout_.count());
    const bool was_ready = state_ == State::ready;
    auto lost = std::move(lost_);
    close();
    if (!was_ready) return failed();
    if (lost) lost();
  });
}

void RedisLink::send(const std::vector<std::string>& args, Pending* pending) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) argv.push_back(a.data()), lens.push_back(a.size());
  if (pending_ == 0) progress_ = std::chrono::steady_clock::now();
  if (ac_ && redisAsyncCommandArgv(ac_, &RedisLink::on_reply, pending, static_cast<int>(argv.size()),
                                   argv.data(), lens.data()) == REDIS_OK) {
    ++pending_;
    return;
  }
  asio::post(io_, [pending] {
    std::unique_ptr<Pending> p(pending);
    p->cb(nullptr);
  });
}

void RedisLink::on_reply(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
  RedisLink* link = p->link;
  if (link->pending_ > 0) --link->pending_;
  link->progress_ = std::chrono::steady_clock::now();
  if (reply) link->count(static_cast<const redisReply*>(reply));
  p->cb(static_cast<const redisReply*>(reply));
}

void RedisLink::command(const std::vector<std::string>& args, Callback cb) {
  if (state_ != State::ready) {
    return asio::post(io_, [cb = std::move(cb)] { cb(nullptr); });
  }
  send(args, new Pending{this, std::move(cb)});
}

void RedisLink::eval(const Script& script, std::vector<std::string> args, Callback cb) {
  std::vector<std::string> call{"EVALSHA", script.sha1, "0"};
  call.insert(call.end(), args.begin(), args.end());
  command(call, [this, &script, args = std::move(args), cb = std::move(cb)](const redisReply* r) mutable {
    const bool unknown = r && r->type == REDIS_REPLY_ERROR &&
                         std::string_view(r->str, r->len).starts_with("NOSCRIPT");
    if (!unknown) return cb(r);
    std::vector<std::string> full{"EVAL", script.body, "0"};
    full.insert(full.end(), args.begin(), args.end());
    command(full, std::move(cb));
  });
}

void RedisLink::subscribe(bool pattern, const std::string& channel, OnMessage on_message,
                          std::function<void(bool)> ready) {
  if (state_ != State::ready) {
    return asio::post(io_, [ready = std::move(ready)] { ready(false); });
  }
  const char* argv[] = {pattern ? "PSUBSCRIBE" : "SUBSCRIBE", channel.c_str()};
  const std::size_t lens[] = {std::string_view(argv[0]).size(), channel.size()};
  if (redisAsyncCommandArgv(ac_, &RedisLink::on_subscription, this, 2, argv, lens) != REDIS_OK) {
    return asio::post(io_, [ready = std::move(ready)] { ready(false); });
  }
  subscriptions_[channel] = std::move(on_message);
  confirming_[channel].push_back(std::move(ready));
}

void RedisLink::unsubscribe(const std::string& channel) {
  const auto it = subscriptions_.find(channel);
  if (it == subscriptions_.end()) return;
  subscriptions_.erase(it);
  if (state_ != State::ready) return;
  // hiredis keeps the channel's callback until the last confirmation of a SUBSCRIBE sent
  // before this has come, so the confirmations of a channel subscribed again stay in order.
  const char* argv[] = {"UNSUBSCRIBE", channel.c_str()};
  const std::size_t lens[] = {11, channel.size()};
  if (redisAsyncCommandArgv(ac_, nullptr, nullptr, 2, argv, lens) != REDIS_OK) {
    log_warn("redis {}: could not send UNSUBSCRIBE {}", to_string(address_), channel);
  }
}

void RedisLink::count(const redisReply* r) {
  received_bytes_.fetch_add(resp_size(r), std::memory_order_relaxed);
}

// Every reply on a subscribed channel: its confirmations, then each message.
void RedisLink::on_subscription(redisAsyncContext*, void* reply, void* privdata) {
  auto* link = static_cast<RedisLink*>(privdata);
  const auto* r = static_cast<const redisReply*>(reply);
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  link->count(r);
  const std::string_view kind(r->element[0]->str, r->element[0]->len);
  link->progress_ = std::chrono::steady_clock::now();
  if (kind == "subscribe" || kind == "psubscribe") {
    const std::string_view channel(r->element[1]->str, r->element[1]->len);
    const auto it = link->confirming_.find(channel);
    if (it == link->confirming_.end() || it->second.empty()) return;
    auto ready = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) link->confirming_.erase(it);
    return ready(true);
  }
  // message: [kind, channel, payload]; pmessage: [kind, pattern, channel, payload]
  const bool pmessage = kind == "pmessage";
  if (!pmessage && kind != "message") return;  // (p)unsubscribe
  if (pmessage && r->elements < 4) return;
  const std::string_view key(r->element[1]->str, r->element[1]->len);
  const auto* channel = r->element[pmessage ? 2 : 1];
  const auto* payload = r->element[pmessage ? 3 : 2];
  const auto it = link->subscriptions_.find(key);
  if (it == link->subscriptions_.end()) return;
  it->second(std::string_view(channel->str, channel->len), std::string_view(payload->str, payload->len));
}

}  // namespace sockit::chat::cluster
