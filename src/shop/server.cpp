#include "sockit/shop/server.hpp"

#include <fmt/core.h>

#include "sockit/core/error.hpp"
#include "sockit/core/log.hpp"
#include "sockit/server/base_server.hpp"
#include "sockit/shop/catalog.hpp"
#include "sockit/shop/session.hpp"
#include "sockit/shop/store.hpp"

namespace sockit::shop {
namespace {

using server::MessageReader;

// One customer's visit: the greeting, then a reply to each line until goodbye.
class Customer : public server::BaseRequestHandler {
 public:
  Customer(server::RequestContext& context, ShopStore& store, const ShopOptions& options)
      : BaseRequestHandler(context), store_(store), options_(options) {}

  void handle() override {
    const std::string who = client_address.to_string();
    log_info("{} came in", who);
    std::string why = "left";
    try {
      why = visit(who);
    } catch (const socket_error& e) {
      why = e.what();
    }
    log_info("{} {}", who, why);
  }

 private:
  std::string visit(const std::string& who) {
    ShopSession session(store_, who, options_.balance_cents);
    say(session.greeting());
    MessageReader reader(request, options_.limits, reusable);
    for (;;) {
      auto m = reader.next();
      switch (m.status) {
        case MessageReader::Status::message: {
          const auto reply = session.on_line(m.text);
          if (!reply.internal_error.empty()) log_error("store: {}", reply.internal_error);
          if (!reply.text.empty()) say(reply.text);
          if (reply.close) return "said goodbye";
          break;
        }
        case MessageReader::Status::too_long:
          say(fmt::format("抱歉,您输入的内容太长了(最多 {} 字节)。", options_.limits.max_line));
          break;
        case MessageReader::Status::idle:
          say("您很久没有操作了,再见。");
          return "idle timeout";
        case MessageReader::Status::end_of_stream:
          return "left without goodbye";
      }
    }
  }

  void say(const std::string& text) {
    request.settimeout(options_.limits.idle);  // a customer who never reads cannot hold us
    request.sendall(text + "\n");
  }

  ShopStore& store_;
  const ShopOptions& options_;
};

ShopStore open_store(const ShopOptions& options) {
  const Catalog catalog = options.catalog ? load_catalog(*options.catalog) : default_catalog();
  if (!options.data_dir) return ShopStore::open_memory(catalog);
  return ShopStore::open_file(*options.data_dir / "shop.db", catalog);
}

}  // namespace

struct ShopServer::Impl {
  Impl(const Endpoint& endpoint, const server::ServerConfig& config, ShopOptions o)
      : options(std::move(o)),
        store(open_store(options)),
        server(endpoint,
               [this](server::RequestContext& context) {
                 return std::make_unique<Customer>(context, store, options);
               },
               config) {}

  const ShopOptions options;
  ShopStore store;
  server::TCPServer server;
};

ShopServer::ShopServer(const Endpoint& endpoint, const server::ServerConfig& config, ShopOptions options)
    : impl_(std::make_unique<Impl>(endpoint, config, std::move(options))) {}

ShopServer::~ShopServer() { stop_before_destruction(); }

const Address& ShopServer::local_address() const noexcept { return impl_->server.server_address(); }

void ShopServer::request_stop() noexcept { impl_->server.request_stop(); }

void ShopServer::run() { impl_->server.serve_forever(std::chrono::milliseconds(200)); }

}  // namespace sockit::shop
