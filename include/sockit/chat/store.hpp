// ChatStore: every room message in SQLite, written in batches by a thread of its own so the
// network threads never wait for the disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
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
};

/// A failed SQLite call or a failed store; what() names the operation and holds SQLite's
/// message.
class chat_store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The message store of the chat server: one SQLite file (WAL, synchronous=NORMAL), a writer
/// thread that commits what is queued in whole transactions, in the order it was appended,
/// and a separate read connection for history. A crash (even kill -9) loses at most the
/// newest messages of each room, never one in the middle.
///
/// Messages of one room must be appended in seq order (the caller's guarantee); each
/// (room, seq) may be appended only once, or the store fails.
class ChatStore {
 public:
  /// Opens (creating it and its parent directories if needed) the database `file`, reads the
  /// last seq of every room and starts the writer thread. At most `max_queue` (at least 1)
  /// messages wait uncommitted at any time. Throws chat_store_error.
  static std::unique_ptr<ChatStore> open(const std::filesystem::path& file,
                                         std::size_t max_queue = 100000);

  ChatStore(const ChatStore&) = delete;
  ChatStore& operator=(const ChatStore&) = delete;
  /// Commits everything queued (unless the store failed), stops the writer thread and closes
  /// the file. Never throws. Not thread safe: no other call may be running or start.
  ~ChatStore();

  /// The highest stored seq of every room, as read at open (rooms without messages are
  /// absent). Thread safe.
  std::map<std::string, std::int64_t> last_seqs() const;

  /// Queues `message` for the writer thread and returns at once, unless max_queue messages
  /// are uncommitted: then it waits until there is room (nothing accepted is ever dropped).
  /// Thread safe. Throws chat_store_error if the store has failed.
  void append(StoredMessage message);

  /// Blocks until everything appended before the call is committed. Thread safe. Throws
  /// chat_store_error if the store has failed (now or while waiting).
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
  /// Why the writer thread stopped (SQLite's message), or nullopt while it works. Once set,
  /// append and flush throw and nothing more is written. Thread safe.
  std::optional<std::string> failure() const;

 private:
  struct Impl;
  explicit ChatStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sockit::chat
