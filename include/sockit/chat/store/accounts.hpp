// Registered chat users (`--auth accounts`): nicknames with a password, kept in the chat
// database (DATA_DIR/chat.db, the tables `accounts` and `account_tokens`) next to the history,
// or, for a cluster, in Redis (`sockit:account:KEY`, `sockit:tokens:KEY`) where every node
// finds them.
// The server checks logins against it; `sockit chat user add|passwd|del|list` changes it, also
// while the server runs (SQLite in WAL mode; each change is one transaction).
//
// Passwords are hashed with scrypt (OpenSSL's EVP_PBE_scrypt) with a random 16-byte salt per
// user and a tunable cost, and compared in constant time. A resume token is 32 random bytes;
// only its SHA-256 is stored.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <memory>

namespace sockit::chat {

/// A failed account operation (a file that cannot be opened, a name that exists already).
class account_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// scrypt's cost: N = 2^log2_n, r, p. The default takes about 32 MiB and tens of ms a check.
struct ScryptCost {
  int log2_n = 15;
  int r = 8;
  int p = 1;
};

/// One registered user, as `user list` shows it. Value type.
struct Account {
  std::string nickname;
  std::int64_t created_ms = 0;
};

class AccountRecords;

/// Thread safe (one mutex around its store).
class AccountBook {
 public:
  /// Opens (creating the tables if needed) DATA_DIR/chat.db. Throws account_error.
  explicit AccountBook(const std::filesystem::path& data_dir);
  /// The accounts of a chat cluster, in the Redis of `redis_url` (redis://HOST[:PORT][/DB], the
  /// cluster's first instance), shared by every node. Connects at once. Throws account_error.
  static std::unique_ptr<AccountBook> in_redis(const std::string& redis_url);
  /// Over `records` (internal: the two stores above).
  explicit AccountBook(std::unique_ptr<AccountRecords> records);
  ~AccountBook();
  AccountBook(const AccountBook&) = delete;
  AccountBook& operator=(const AccountBook&) = delete;

  /// Registers `nickname` (as nickname_key() sees it: "alice" and "ALICE" are one). Throws
  /// account_error if it exists or the password is empty.
  void add(const std::string& nickname, const std::string& password, ScryptCost cost = {});
  /// Sets a new password and drops the user's resume tokens. Throws account_error if unknown.
  void set_password(const std::string& nickname, const std::string& password, ScryptCost cost = {});
  /// Removes the user and its tokens. Throws account_error if unknown.
  void remove(const std::string& nickname);
  std::vector<Account> list();

  /// Whether `nickname` is registered (under any spelling of its key); its registered
  /// spelling if so.
  std::optional<std::string> registered(const std::string& nickname);
  /// True when `password` is the registered user's. Costs one scrypt: call off the loops.
  bool check_password(const std::string& nickname, const std::string& password);
  /// A new resume token for the user, valid for `ttl`.
  std::string issue_token(const std::string& nickname, std::chrono::seconds ttl);
  /// True when `token` is a live token of this user.
  bool check_token(const std::string& nickname, const std::string& token);

 private:
  std::mutex mu_;
  std::unique_ptr<AccountRecords> records_;
};

}  // namespace sockit::chat
