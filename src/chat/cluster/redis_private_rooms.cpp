// The private-room lists of a chat cluster in Redis (PrivateRooms::in_redis), each beside its
// room on the room's instance, where the join and history scripts check them:
//   sockit:private:ROOM          hash: owner, owner_key, created_ms
//   sockit:private-members:ROOM  hash: invited user's nickname key -> registered nickname
//   sockit:private-rooms         set of the private rooms of the instance
// Each change is one script, which publishes the room's new list on `sockit:private`; every
// node's directory hears it there and hands it to PrivateRooms::adopt (cluster.cpp). One
// blocking connection an instance (the calls run off the event loops).
#include "chat/cluster/cluster_scripts.hpp"
#include "chat/cluster/cluster_wire.hpp"
#include "chat/cluster/redis_blocking.hpp"
#include "chat/store/private_rooms.hpp"
#include "sockit/chat/store/accounts.hpp"

namespace sockit::chat {
namespace {

using cluster::BlockingRedis;
using cluster::RedisAddress;
using cluster::Script;

class RedisPrivateRooms final : public PrivateRoomRecords {
 public:
  explicit RedisPrivateRooms(const std::vector<RedisAddress>& addresses) {
    for (const auto& a : addresses) instances_.push_back(std::make_unique<BlockingRedis>(a, "private rooms"));
  }

  PrivateLists load_all() override {
    PrivateLists lists;
    for (auto& in : instances_) {
      const auto r = eval(*in, cluster::private_lists_script(), {});
      for (std::size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i) {
        auto text = cluster::parse_private_list({r->element[i]->str, r->element[i]->len});
        if (text && text->list) lists[text->room] = std::move(*text->list);
      }
    }
    return lists;
  }

  std::optional<PrivateList> load(const std::string& room) override {
    const auto r = eval(on(room), cluster::private_lists_script(), {room});
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 1) throw account_error("private rooms: redis: a short reply");
    auto text = cluster::parse_private_list({r->element[0]->str, r->element[0]->len});
    return text ? std::move(text->list) : std::nullopt;
  }

  Created create(const std::string& room, const std::string& owner, const std::string& owner_key) override {
    const auto r = eval(on(room), cluster::private_create_script(), {room, owner, owner_key});
    if (r->integer == 1) return Created::yes;
    return r->integer == 0 ? Created::private_already : Created::public_already;
  }

  void invite(const std::string& room, const std::string& nickname, const std::string& key) override {
    eval(on(room), cluster::private_invite_script(), {room, key, nickname});
  }

  void remove(const std::string& room, const std::string& key) override {
    eval(on(room), cluster::private_remove_script(), {room, key});
  }

 private:
  BlockingRedis& on(const std::string& room) {
    return *instances_[cluster::instance_for_room(room, instances_.size())];
  }

  static cluster::OwnedReply eval(BlockingRedis& in, const Script& script, std::vector<std::string> args) {
    args.insert(args.begin(), {"EVAL", script.body, "0"});
    return in.run(args);
  }

  std::vector<std::unique_ptr<BlockingRedis>> instances_;  // in --cluster order
};

}  // namespace

std::unique_ptr<PrivateRooms> PrivateRooms::in_redis(const std::vector<std::string>& urls) {
  std::vector<RedisAddress> addresses;
  for (const auto& url : urls) {
    const auto address = cluster::parse_redis_url(url);
    if (!address) throw account_error("private rooms: " + url + ": expected redis://HOST[:PORT][/DB]");
    addresses.push_back(*address);
  }
  if (addresses.empty()) throw account_error("private rooms: no redis instance");
  return std::make_unique<PrivateRooms>(std::make_unique<RedisPrivateRooms>(addresses));
}

}  // namespace sockit::chat
