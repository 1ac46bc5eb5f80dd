// `sockit shop serve` and `sockit shop connect`: the tutorials' snack shop (零食销售系统).
#include <cmath>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.hpp"
#include "options.hpp"
#include "signals.hpp"
#include "sockit/core/error.hpp"
#include "sockit/shop/catalog.hpp"
#include "sockit/shop/server.hpp"
#include "sockit/talk/talk.hpp"

namespace sockit::app {
namespace {

struct ShopServeArgs {
  std::string address = ":8001";
  std::string catalog;
  std::string data = "./sockit-data";
  double balance = 10;
  ServerLimitArgs limits;
};

int run_shop_serve(const ShopServeArgs& args) {
  const Endpoint endpoint = parse_endpoint(args.address, 8001);
  shop::ShopOptions options;
  if (!args.catalog.empty()) options.catalog = args.catalog;
  if (!args.catalog.empty()) {
    try {
      (void)shop::load_catalog(args.catalog);  // a bad file is the user's input: exit 2
    } catch (const parse_error& e) {
      throw usage_error(e.what());
    }
  }
  if (args.data != "none") options.data_dir = args.data;
  options.balance_cents = std::llround(args.balance * 100.0);
  options.limits = args.limits.message_limits();
  shop::ShopServer server(endpoint, args.limits.config("threading"), options);
  serve_until_signal(server, [&] {
    fmt::print("sockit shop: listening on {} (data: {})\n", server.local_address().to_string(),
               options.data_dir ? (*options.data_dir / "shop.db").string() : "none");
    std::fflush(stdout);
  });
  return 0;
}

void add_shop_serve(CLI::App& shop, Action& action) {
  auto* cmd = shop.add_subcommand("serve", "Run the snack shop (default :8001)");
  auto args = std::make_shared<ShopServeArgs>();
  cmd->add_option("ADDR", args->address, "where to listen")->capture_default_str();
  cmd->add_option("--catalog", args->catalog, "JSON or CSV file of name, price, stock");
  cmd->add_option("--data", args->data, "directory for shop.db (stock and orders); none: keep nothing")
      ->capture_default_str();
  cmd->add_option("--balance", args->balance, "each customer's starting balance")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  args->limits.add_to(*cmd);
  cmd->callback([args, &action] { action = [args] { return run_shop_serve(*args); }; });
}

void add_shop_connect(CLI::App& shop, Action& action) {
  auto* cmd = shop.add_subcommand("connect", "Shop from the terminal (or from a pipe)");
  auto address = std::make_shared<std::string>();
  cmd->add_option("ADDR", *address, "the shop: host:port (port defaults to 8001)")->required();
  cmd->callback([address, &action] {
    action = [address] {
      talk::TalkOptions options;
      options.quit_word = false;  // the shop answers bye/quit itself, then closes
      const auto end = talk::connect(parse_endpoint(*address, 8001), false, STDIN_FILENO, stdout,
                                     options, [](const std::string&) {});
      return end == talk::End::peer_closed ? 0 : 1;
    };
  });
}

}  // namespace

void add_shop_command(CLI::App& root, Action& action) {
  auto* shop = root.add_subcommand("shop", "The snack shop: server and client");
  shop->require_subcommand(1);
  add_shop_serve(*shop, action);
  add_shop_connect(*shop, action);
}

}  // namespace sockit::app
