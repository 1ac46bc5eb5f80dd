// Internal: where AccountBook keeps its records — the SQLite tables of DATA_DIR/chat.db, or
// Redis for a cluster (cluster/redis_accounts.cpp). The book does the cryptography (scrypt,
// token digests); a store only keeps and finds what it is given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sockit/chat/store/accounts.hpp"

namespace sockit::chat {

/// One registered user as stored. Value type.
struct AccountRecord {
  std::string nickname;
  std::string salt;  ///< hex
  std::string hash;  ///< hex of scrypt(password, salt, cost)
  ScryptCost cost;
  std::int64_t created_ms = 0;
};

/// Not thread safe: AccountBook calls it under its mutex. Every member throws account_error
/// when the store fails. `key` is nickname_key() of the nickname.
class AccountRecords {
 public:
  virtual ~AccountRecords() = default;
  /// False, storing nothing, when `key` has a record already.
  virtual bool insert(const std::string& key, const AccountRecord& record) = 0;
  /// Sets a new salt, hash and cost and drops the user's tokens; false when `key` is unknown.
  virtual bool update_secret(const std::string& key, const AccountRecord& secret) = 0;
  /// Removes the record and its tokens; false when `key` is unknown.
  virtual bool erase(const std::string& key) = 0;
  /// Every user, by nickname.
  virtual std::vector<Account> list() = 0;
  virtual std::optional<AccountRecord> find(const std::string& key) = 0;
  /// Keeps a token's digest until `expires_ms` (Unix ms); expired ones may be swept.
  virtual void add_token(const std::string& key, const std::string& digest, std::int64_t expires_ms) = 0;
  /// True when `digest` is a token of `key` that has not expired at `now_ms`.
  virtual bool has_token(const std::string& key, const std::string& digest, std::int64_t now_ms) = 0;
};

}  // namespace sockit::chat
