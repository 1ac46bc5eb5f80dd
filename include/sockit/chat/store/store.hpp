// ChatStore: every room message in SQLite, written in batches by a thread of its own so the
// network threads never wait for the disk; an acknowledgement waits for the commit.
#pragma once

#include <cstddef>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sockit::chat {

/// One room message as stored and as returned by history. A plain value.
struct StoredMessage {
  std::string room;
  std::int64_t seq = 0;    ///< The room's message number, strictly increasing per room.
  std::int64_t ts_ms = 0;  ///< Unix time in milliseconds.
  std::int64_t sender_id = 0;
  std::string sender_nickname;
  std::string message;
  std::string type;  ///< "broadcast" or "system".
  std::string sender_key;  ///< with send_id: whose send it is (nickname_key of the sender)
  std::string send_id;     ///< the client's id of the send (protocol "id"); empty: none
};

/// A send with an id, as kept beside its message (StoredMessage::send_id). A plain value.
struct StoredSend {
  std::string sender_key;
  std::string send_id;
  std::int64_t seq = 0;
  std::int64_t ts_ms = 0;
};

/// A failed SQLite call or a failed store; what() names the operation and holds SQLite's
/// message.
class chat_store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The message store of the chat server: one SQLite file (WAL, synchronous=NORMAL), a writer
/// thread that commits what is queued in whole transactions (group commit), in the order it
/// was appended, and a separate read connection for history.
///
/// Durability: a message is committed when its on_commit callback runs; a committed message
/// survives kill -9 of the process. A crash loses only messages not yet committed, a suffix of
/// each room, never one in the middle.
///
/// Failures: when a write fails (disk full, database locked past the busy timeout, I/O error)
/// the store logs it once, reports failure(), refuses new messages, and retries the same batch
/// with backoff (50 ms doubling to 2 s) until it succeeds; then it logs the recovery and goes
/// on. Nothing queued is dropped while it retries.
///
/// Seq numbers: see seq_floor() — a room's numbers are never reused across a crash.
///
/// Messages of one room must be appended in seq order (the caller's guarantee); each
/// (room, seq) may be appended only once, or the store fails (and retries in vain).
class ChatStore {
 public:
  /// Runs on the writer thread once the message is committed. Must be quick and must not
  /// throw (an exception is logged and swallowed). Never runs for a message the store gives
  /// up on (failed at close).
  using OnCommit = std::function<void()>;

  /// Opens (creating it and its parent directories if needed) the database `file`, reads the
  /// last seq of every room, raises the seq floor past anything a crashed previous run may
  /// have numbered, and starts the writer thread. At most `max_queue` (at least 1) messages
  /// wait uncommitted at any time. The ids of sends are kept `send_retention` (read back by
  /// recent_sends(), deleted after). Throws chat_store_error.
  static std::unique_ptr<ChatStore> open(const std::filesystem::path& file,
                                         std::size_t max_queue = 100000,
                                         std::chrono::milliseconds send_retention = std::chrono::minutes(10));

  ChatStore(const ChatStore&) = delete;
  ChatStore& operator=(const ChatStore&) = delete;
  /// close(), if not called yet. Never throws.
  ~ChatStore();

  /// Stops taking messages, commits everything queued (one last try if the store is down),
  /// stops the writer thread and, when all was committed, marks the stop clean. Returns how
  /// many queued messages could not be committed (0 normally). Idempotent. Never throws.
  /// Thread safe, but no other call may start after it.
  std::size_t close() noexcept;

  /// The highest stored seq of every room, as read at open (rooms without messages are
  /// absent). Thread safe.
  std::map<std::string, std::int64_t> last_seqs() const;
  /// The seqs of every room in this run must start above max(last_seqs()[room], seq_floor()):
  /// 0 after clean stops, higher after a crash. Thread safe.
  std::int64_t seq_floor() const noexcept;
  /// The sends with an id of the last send_retention, oldest first, as read at open. Thread
  /// safe.
  const std::vector<StoredSend>& recent_sends() const noexcept;

  /// Queues `message` for the writer thread and returns true at once; returns false, queueing
  /// nothing, when the store is failing (see failure()), closed, or max_queue messages are
  /// uncommitted. Never blocks on the disk. Thread safe.
  bool try_append(StoredMessage message, OnCommit on_commit = {});

  /// Queues `message`, waiting while max_queue messages are uncommitted (nothing accepted is
  /// ever dropped). For callers that may block, such as tools and tests. Thread safe. Throws
  /// chat_store_error while the store is failing or after close().
  void append(StoredMessage message);

  /// Blocks until everything appended before the call is committed. Thread safe. Throws
  /// chat_store_error if the store is failing (now or while waiting).
  void flush();

  /// The newest `limit` messages of `room` with seq < `before` (any seq if nullopt), oldest
  /// first. Sees everything appended before the call, committed or still queued, without
  /// waiting for the writer. Thread safe. Throws chat_store_error if reading fails.
  std::vector<StoredMessage> history(std::string_view room, std::size_t limit,
                                     std::optional<std::int64_t> before);

  /// Messages appended but not yet committed. Thread safe.
  std::size_t queue_length() const;
  /// Unix time in milliseconds of the last commit, 0 if none yet. Thread safe.
  std::int64_t last_flush_ms() const;
  /// Why the last write failed (SQLite's message) while the store is failing; nullopt while it
  /// works. Thread safe.
  std::optional<std::string> failure() const;
  /// How many times the store went from working to failing. Thread safe.
  std::uint64_t failures() const;

 private:
  struct Impl;
  explicit ChatStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sockit::chat
