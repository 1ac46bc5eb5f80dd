#include "sockit/chat/store/accounts.hpp"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "chat/core/nickname.hpp"
#include "chat/store/account_records.hpp"
#include "sockit/core/clock.hpp"
#include "sqlite/sqlite.hpp"

namespace sockit::chat {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kTokenBytes = 32;

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
  key TEXT PRIMARY KEY,          -- nickname_key(nickname): one account per look-alike group
  nickname TEXT NOT NULL,
  salt TEXT NOT NULL,            -- hex
  hash TEXT NOT NULL,            -- hex of scrypt(password, salt, n, r, p)
  log2_n INTEGER NOT NULL, r INTEGER NOT NULL, p INTEGER NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS account_tokens (
  token_sha256 TEXT PRIMARY KEY, -- hex; the token itself is never stored
  key TEXT NOT NULL,
  expires_ms INTEGER NOT NULL);
)sql";

std::string hex(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1) throw account_error("no random bytes");
  return hex(buffer.data(), bytes);
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return hex(digest, sizeof digest);
}

std::string scrypt_hex(const std::string& password, const std::string& salt, const ScryptCost& c) {
  unsigned char out[kHashBytes];
  const std::uint64_t n = std::uint64_t{1} << c.log2_n;
  const std::uint64_t max_mem = 128 * n * static_cast<std::uint64_t>(c.r) * 2 + (1 << 20);
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), n, static_cast<std::uint64_t>(c.r), static_cast<std::uint64_t>(c.p),
                     max_mem, out, sizeof out) != 1) {
    throw account_error("scrypt failed (cost too high?)");
  }
  return hex(out, sizeof out);
}

// Inside the caller's transaction.
void drop_tokens(sqlite3* db, const std::string& key) {
  sqlite::Statement drop(db, "DELETE FROM account_tokens WHERE key = ?");
  sqlite::Cursor d(drop);
  d.bind(1, key);
  d.step();
}

void check_cost(const ScryptCost& c) {
  if (c.log2_n < 10 || c.log2_n > 22 || c.r < 1 || c.r > 32 || c.p < 1 || c.p > 16) {
    throw account_error("scrypt cost out of range (log2 N 10..22, r 1..32, p 1..16)");
  }
}

struct Secret {
  std::string salt;  // hex
  std::string hash;  // hex
};

// A fresh salt and the scrypt of `password` with it, for add and set_password.
Secret new_secret(const std::string& password, const ScryptCost& cost) {
  if (password.empty()) throw account_error("the password is empty");
  check_cost(cost);
  auto salt = random_hex(kSaltBytes);
  auto hash = scrypt_hex(password, salt, cost);
  return {std::move(salt), std::move(hash)};
}

// Runs `body`, reporting a failed SQLite call as an account_error.
template <class Body>
auto guarded(Body&& body) {
  return sqlite::rethrow_as<account_error>("accounts: ", std::forward<Body>(body));
}

// The tables of DATA_DIR/chat.db.
class SqliteAccountRecords final : public AccountRecords {
 public:
  explicit SqliteAccountRecords(const std::filesystem::path& file)
      : db_(sqlite::open(file, {.create_parent_directories = true, .wal = true})) {
    sqlite::exec(db_.get(), kSchema, "create the account tables");
  }

  bool insert(const std::string& key, const AccountRecord& r) override {
    return guarded([&] {
      sqlite::Statement insert(db_.get(),
                               "INSERT OR IGNORE INTO accounts (key, nickname, salt, hash, log2_n, r, p, "
                               "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      sqlite::Cursor c(insert);
      c.bind(1, key);
      c.bind(2, r.nickname);
      c.bind(3, r.salt);
      c.bind(4, r.hash);
      c.bind(5, std::int64_t{r.cost.log2_n});
      c.bind(6, std::int64_t{r.cost.r});
      c.bind(7, std::int64_t{r.cost.p});
      c.bind(8, r.created_ms);
      c.step();
      return c.changes() > 0;
    });
  }

  bool update_secret(const std::string& key, const AccountRecord& r) override {
    return guarded([&] {
      sqlite::Transaction tx(db_.get());
      sqlite::Statement update(db_.get(),
                               "UPDATE accounts SET salt = ?, hash = ?, log2_n = ?, r = ?, p = ? WHERE key = ?");
      sqlite::Cursor c(update);
      c.bind(1, r.salt);
      c.bind(2, r.hash);
      c.bind(3, std::int64_t{r.cost.log2_n});
      c.bind(4, std::int64_t{r.cost.r});
      c.bind(5, std::int64_t{r.cost.p});
      c.bind(6, key);
      c.step();
      if (c.changes() == 0) return false;
      drop_tokens(db_.get(), key);
      tx.commit();
      return true;
    });
  }

  bool erase(const std::string& key) override {
    return guarded([&] {
      sqlite::Transaction tx(db_.get());
      sqlite::Statement del(db_.get(), "DELETE FROM accounts WHERE key = ?");
      sqlite::Cursor c(del);
      c.bind(1, key);
      c.step();
      if (c.changes() == 0) return false;
      drop_tokens(db_.get(), key);
      tx.commit();
      return true;
    });
  }

  std::vector<Account> list() override {
    return guarded([&] {
      std::vector<Account> out;
      sqlite::Statement all(db_.get(), "SELECT nickname, created_ms FROM accounts ORDER BY nickname");
      sqlite::Cursor c(all);
      while (c.step()) out.push_back({c.text(0), c.integer(1)});
      return out;
    });
  }

  std::optional<AccountRecord> find(const std::string& key) override {
    return guarded([&]() -> std::optional<AccountRecord> {
      sqlite::Statement find(db_.get(),
                             "SELECT nickname, salt, hash, log2_n, r, p, created_ms FROM accounts WHERE key = ?");
      sqlite::Cursor c(find);
      c.bind(1, key);
      if (!c.step()) return std::nullopt;
      return AccountRecord{c.text(0), c.text(1), c.text(2),
                           {static_cast<int>(c.integer(3)), static_cast<int>(c.integer(4)),
                            static_cast<int>(c.integer(5))},
                           c.integer(6)};
    });
  }

  void add_token(const std::string& key, const std::string& digest, std::int64_t expires_ms) override {
    guarded([&] {
      sqlite::Transaction tx(db_.get());
      sqlite::Statement sweep(db_.get(), "DELETE FROM account_tokens WHERE expires_ms < ?");
      {
        sqlite::Cursor s(sweep);
        s.bind(1, unix_time_ms());
        s.step();
      }
      sqlite::Statement insert(db_.get(),
                               "INSERT INTO account_tokens (token_sha256, key, expires_ms) VALUES (?, ?, ?)");
      sqlite::Cursor c(insert);
      c.bind(1, digest);
      c.bind(2, key);
      c.bind(3, expires_ms);
      c.step();
      tx.commit();
    });
  }

  bool has_token(const std::string& key, const std::string& digest, std::int64_t now_ms) override {
    return guarded([&] {
      sqlite::Statement find(db_.get(),
                             "SELECT 1 FROM account_tokens WHERE token_sha256 = ? AND key = ? AND expires_ms >= ?");
      sqlite::Cursor c(find);
      c.bind(1, digest);
      c.bind(2, key);
      c.bind(3, now_ms);
      return c.step();
    });
  }

 private:
  sqlite::Connection db_;
};

}  // namespace

AccountBook::AccountBook(const std::filesystem::path& data_dir)
    : records_(sqlite::rethrow_as<account_error>("accounts: ", [&] {
        return std::make_unique<SqliteAccountRecords>(data_dir / "chat.db");
      })) {}

AccountBook::AccountBook(std::unique_ptr<AccountRecords> records) : records_(std::move(records)) {}

AccountBook::~AccountBook() = default;

void AccountBook::add(const std::string& nickname, const std::string& password, ScryptCost cost) {
  const auto key = nickname_key(nickname);
  const auto [salt, hash] = new_secret(password, cost);
  std::lock_guard lock(mu_);
  if (!records_->insert(key, AccountRecord{nickname, salt, hash, cost, unix_time_ms()})) {
    throw account_error("'" + nickname + "' is registered already (or a look-alike)");
  }
}

void AccountBook::set_password(const std::string& nickname, const std::string& password, ScryptCost cost) {
  const auto key = nickname_key(nickname);
  const auto [salt, hash] = new_secret(password, cost);
  std::lock_guard lock(mu_);
  if (!records_->update_secret(key, AccountRecord{nickname, salt, hash, cost, 0})) {
    throw account_error("no user '" + nickname + "'");
  }
}

void AccountBook::remove(const std::string& nickname) {
  const auto key = nickname_key(nickname);
  std::lock_guard lock(mu_);
  if (!records_->erase(key)) throw account_error("no user '" + nickname + "'");
}

std::vector<Account> AccountBook::list() {
  std::lock_guard lock(mu_);
  return records_->list();
}

std::optional<std::string> AccountBook::registered(const std::string& nickname) {
  const auto key = nickname_key(nickname);
  std::lock_guard lock(mu_);
  const auto record = records_->find(key);
  if (!record) return std::nullopt;
  return record->nickname;
}

bool AccountBook::check_password(const std::string& nickname, const std::string& password) {
  const auto key = nickname_key(nickname);
  std::optional<AccountRecord> record;
  {
    std::lock_guard lock(mu_);
    record = records_->find(key);
  }
  if (!record) return false;
  const auto computed = scrypt_hex(password, record->salt, record->cost);  // outside the lock: slow
  return computed.size() == record->hash.size() &&
         CRYPTO_memcmp(computed.data(), record->hash.data(), record->hash.size()) == 0;
}

std::string AccountBook::issue_token(const std::string& nickname, std::chrono::seconds ttl) {
  const auto key = nickname_key(nickname);
  const auto token = random_hex(kTokenBytes);
  std::lock_guard lock(mu_);
  records_->add_token(key, sha256_hex(token), unix_time_ms() + std::chrono::milliseconds(ttl).count());
  return token;
}

bool AccountBook::check_token(const std::string& nickname, const std::string& token) {
  if (token.size() != 2 * kTokenBytes) return false;
  const auto key = nickname_key(nickname);
  const auto digest = sha256_hex(token);  // looked up by digest: no timing on the token itself
  std::lock_guard lock(mu_);
  return records_->has_token(key, digest, unix_time_ms());
}

}  // namespace sockit::chat
