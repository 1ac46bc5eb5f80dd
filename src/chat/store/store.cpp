// ChatStore over SQLite: a writer connection owned by the writer thread, a read connection
// behind its own mutex, and between them a bounded queue of uncommitted messages, each with
// the callback its commit runs.
#include "sockit/chat/store/store.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "chat/store/seq_floor.hpp"
#include "sockit/core/clock.hpp"
#include "sockit/core/log.hpp"
#include "sqlite/sqlite.hpp"

namespace sockit::chat {
namespace {

constexpr std::size_t kMaxBatch = 1000;                      // messages in one transaction
constexpr auto kIdleWait = std::chrono::milliseconds(50);    // writer's wait for work
constexpr auto kCheckWait = std::chrono::milliseconds(100);  // callers' wait between checks
constexpr auto kFirstRetry = std::chrono::milliseconds(50);  // a failed write is retried after
constexpr auto kMaxRetry = std::chrono::milliseconds(2000);  // ... doubling up to this

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS messages(
  room TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  sender_id INTEGER NOT NULL,
  sender_nickname TEXT NOT NULL,
  message TEXT NOT NULL,
  type TEXT NOT NULL,
  PRIMARY KEY(room, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sends(
  sender_key TEXT NOT NULL,
  send_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  PRIMARY KEY(sender_key, send_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sends_by_time ON sends(ts_ms);
)sql";

constexpr auto kPruneEvery = std::chrono::minutes(1);  // sends past the window are deleted


// Runs `body`, reporting a failed SQLite call as a chat_store_error.
template <class Body>
auto guarded(Body&& body) {
  return sqlite::rethrow_as<chat_store_error>("chat store: ", std::forward<Body>(body));
}

// WAL lets history read while a batch is being written; synchronous=NORMAL commits without
// fsync, which a process crash cannot undo (a power cut may lose the last commits, in order).
sqlite::Connection open_writer(const std::filesystem::path& file) {
  sqlite::Connection db = sqlite::open(file, {.create_parent_directories = true, .wal = true});
  sqlite::exec(db.get(), "PRAGMA synchronous=NORMAL", "synchronous");
  sqlite::exec(db.get(), kSchema, "create table");
  return db;
}

sqlite::Connection open_reader(const std::filesystem::path& file) {
  sqlite::Connection db = sqlite::open(file, {});
  sqlite::exec(db.get(), "PRAGMA query_only=1", "query only");
  return db;
}

// The sends of the last `retention`, oldest first; older ones are deleted.
std::vector<StoredSend> read_recent_sends(sqlite3* db, std::chrono::milliseconds retention) {
  const auto since = unix_time_ms() - retention.count();
  sqlite::Statement prune(db, "DELETE FROM sends WHERE ts_ms < ?1");
  {
    sqlite::Cursor cursor(prune);
    cursor.bind(1, since);
    cursor.step();
  }
  sqlite::Statement select(db, "SELECT sender_key, send_id, seq, ts_ms FROM sends ORDER BY ts_ms");
  sqlite::Cursor cursor(select);
  std::vector<StoredSend> sends;
  while (cursor.step()) sends.push_back({cursor.text(0), cursor.text(1), cursor.integer(2), cursor.integer(3)});
  return sends;
}

std::map<std::string, std::int64_t> read_last_seqs(sqlite3* db) {
  sqlite::Statement select(db, "SELECT room, max(seq) FROM messages GROUP BY room");
  sqlite::Cursor cursor(select);
  std::map<std::string, std::int64_t> last;
  while (cursor.step()) last.emplace(cursor.text(0), cursor.integer(1));
  return last;
}

}  // namespace

struct ChatStore::Impl {
  // A queued message and what its commit runs.
  struct Entry {
    StoredMessage message;
    OnCommit on_commit;
  };
  using Batch = std::vector<Entry>;

  Impl(sqlite::Connection writer_connection, sqlite::Connection reader_connection,
       std::size_t max_queued, std::chrono::milliseconds retention)
      : writer_db(std::move(writer_connection)),
        reader_db(std::move(reader_connection)),
        insert(writer_db.get(),
               "INSERT INTO messages(room, seq, ts_ms, sender_id, sender_nickname, message, type)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        insert_send(writer_db.get(), "INSERT OR REPLACE INTO sends VALUES (?1, ?2, ?3, ?4)"),
        prune_sends(writer_db.get(), "DELETE FROM sends WHERE ts_ms < ?1"),
        send_retention(retention),
        recent_sends(read_recent_sends(writer_db.get(), retention)),
        select_page(reader_db.get(),
                    "SELECT seq, ts_ms, sender_id, sender_nickname, message, type FROM messages"
                    " WHERE room = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"),
        last_seqs(read_last_seqs(writer_db.get())),
        max_queue(std::max<std::size_t>(max_queued, 1)),
        seq_floor(start_run(writer_db.get(), last_seqs, max_queue)) {}

  // ---- The writer thread. ----

  // Writes batches until stopped and drained, or until stopped while failing. Never throws.
  void write_loop() noexcept {
    while (const auto batch = next_batch()) {
      if (!write_until_committed(*batch)) return;
      committed(*batch);
    }
  }

  // The oldest queued messages (at most kMaxBatch), kept visible to history as in_flight
  // until committed; nullptr once stopping with nothing queued.
  std::shared_ptr<const Batch> next_batch() {
    std::unique_lock lock(mutex);
    while (queue.empty() && !stopping) work_ready.wait_for(lock, kIdleWait);
    if (queue.empty()) return nullptr;
    const auto count = static_cast<std::ptrdiff_t>(std::min(queue.size(), kMaxBatch));
    auto batch = std::make_shared<Batch>(std::make_move_iterator(queue.begin()),
                                         std::make_move_iterator(queue.begin() + count));
    queue.erase(queue.begin(), queue.begin() + count);
    in_flight = batch;
    return batch;
  }

  // Tries `batch` until it commits (true), or until a try made after stop() fails (false).
  bool write_until_committed(const Batch& batch) noexcept {
    auto backoff = kFirstRetry;
    for (;;) {
      const bool last_try = is_stopping();
      std::string error = try_write(batch);
      if (error.empty()) return true;
      went_down(std::move(error));
      if (last_try) return false;
      sleep_unless_stopping(backoff);
      backoff = std::min(backoff * 2, kMaxRetry);
    }
  }

  // One transaction: all of `batch` is stored, or none of it. "" or why it failed.
  std::string try_write(const Batch& batch) noexcept {
    try {
      guarded([&] { write(batch); });
      return {};
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
      return "chat store: unknown failure";
    }
  }

  void write(const Batch& batch) {
    sqlite::Transaction transaction(writer_db.get());
    for (const Entry& entry : batch) {
      const StoredMessage& message = entry.message;
      sqlite::Cursor cursor(insert);
      cursor.bind(1, message.room);
      cursor.bind(2, message.seq);
      cursor.bind(3, message.ts_ms);
      cursor.bind(4, message.sender_id);
      cursor.bind(5, message.sender_nickname);
      cursor.bind(6, message.message);
      cursor.bind(7, message.type);
      cursor.step();
      if (!message.send_id.empty()) write_send(message);
    }
    prune_if_due();
    transaction.commit();
  }

  // The send's id, in the same transaction as its message: what was acked is known after a
  // crash, and its resend is recognised.
  void write_send(const StoredMessage& message) {
    sqlite::Cursor cursor(insert_send);
    cursor.bind(1, message.sender_key);
    cursor.bind(2, message.send_id);
    cursor.bind(3, message.seq);
    cursor.bind(4, message.ts_ms);
    cursor.step();
  }

  void prune_if_due() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_prune < kPruneEvery) return;
    sqlite::Cursor cursor(prune_sends);
    cursor.bind(1, unix_time_ms() - send_retention.count());
    cursor.step();
    last_prune = now;
  }

  // Ends an outage first — a client that hears an ack may send its next message at once, and
  // it must not be refused — then runs the callbacks (outside the lock), then publishes the
  // commit: once flush() returns, the callbacks of what it waited for have run.
  void committed(const Batch& batch) noexcept {
    bool was_down = false;
    {
      const std::lock_guard lock(mutex);
      last_commit_ms.store(unix_time_ms());
      was_down = failure.has_value();
      failure.reset();
    }
    for (const Entry& entry : batch) run(entry.on_commit);
    {
      const std::lock_guard lock(mutex);
      done += batch.size();
      in_flight.reset();
    }
    progress.notify_all();
    if (was_down) log_warn("chat store: writing again; the failure is over");
  }

  static void run(const OnCommit& on_commit) noexcept {
    if (!on_commit) return;
    try {
      on_commit();
    } catch (const std::exception& e) {
      log_error("chat store: a commit callback failed: {}", e.what());
    } catch (...) {
      log_error("chat store: a commit callback failed");
    }
  }

  // Logged once per outage, at error level; the store refuses new messages until it recovers.
  void went_down(std::string reason) noexcept {
    bool first = false;
    try {
      const std::lock_guard lock(mutex);
      first = !failure.has_value();
      if (first) ++outages;
      failure = reason;
    } catch (...) {  // cannot lock: the next try reports it
    }
    progress.notify_all();
    if (first) log_error("{}; retrying with backoff, new messages are refused meanwhile", reason);
  }

  bool is_stopping() {
    const std::lock_guard lock(mutex);
    return stopping;
  }

  void sleep_unless_stopping(std::chrono::milliseconds how_long) {
    std::unique_lock lock(mutex);
    work_ready.wait_for(lock, how_long, [this] { return stopping; });
  }

  // ---- Shared with the callers; all under `mutex`. ----

  std::size_t uncommitted() const { return queue.size() + (in_flight ? in_flight->size() : 0); }

  void throw_if_failed() const {
    if (failure) throw chat_store_error(*failure);
    if (stopping) throw chat_store_error("chat store: closed");
  }

  // The newest `limit` uncommitted messages of `room` with seq < before, oldest first.
  std::vector<StoredMessage> pending(std::string_view room, std::size_t limit,
                                     std::int64_t before) const {
    std::vector<StoredMessage> found;
    const auto take = [&](const Entry& entry) {
      const StoredMessage& message = entry.message;
      if (found.size() < limit && message.seq < before && message.room == room) {
        found.push_back(message);
      }
    };
    std::for_each(queue.rbegin(), queue.rend(), take);
    if (in_flight) std::for_each(in_flight->rbegin(), in_flight->rend(), take);
    std::reverse(found.begin(), found.end());
    return found;
  }

  // The newest `limit` committed messages of `room` with seq < before, oldest first.
  std::vector<StoredMessage> committed_page(std::string_view room, std::size_t limit,
                                            std::int64_t before) {
    constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    const std::lock_guard lock(read_mutex);
    return guarded([&] {
      sqlite::Cursor cursor(select_page);
      cursor.bind(1, room);
      cursor.bind(2, before);
      cursor.bind(3, static_cast<std::int64_t>(std::min(limit, kMaxLimit)));
      std::vector<StoredMessage> page;
      while (cursor.step()) {
        page.push_back(StoredMessage{std::string(room), cursor.integer(0), cursor.integer(1),
                                     cursor.integer(2), cursor.text(3), cursor.text(4),
                                     cursor.text(5), {}, {}});  // (a page carries no send ids)
      }
      std::reverse(page.begin(), page.end());
      return page;
    });
  }

  // Called once the writer thread has ended: records a clean stop when nothing was lost.
  void mark_clean() noexcept {
    try {
      guarded([&] {
        record_clean_stop(writer_db.get());
      });
    } catch (const std::exception& e) {
      log_error("{} (the next start will skip seq numbers)", e.what());
    }
  }

  sqlite::Connection writer_db;  // declared before the statements, so closed after them
  sqlite::Connection reader_db;
  sqlite::Statement insert;       // used by the writer thread only
  sqlite::Statement insert_send;  // likewise
  sqlite::Statement prune_sends;  // likewise
  const std::chrono::milliseconds send_retention;
  std::chrono::steady_clock::time_point last_prune{};  // the writer thread's
  const std::vector<StoredSend> recent_sends;
  sqlite::Statement select_page;  // under read_mutex
  const std::map<std::string, std::int64_t> last_seqs;
  const std::size_t max_queue;
  const std::int64_t seq_floor;

  mutable std::mutex mutex;
  std::condition_variable work_ready;  // something queued, or stopping
  std::condition_variable progress;    // committed, room freed, or failed
  std::deque<Entry> queue;
  std::shared_ptr<const Batch> in_flight;  // being written; read-only once published
  std::uint64_t accepted = 0;              // messages ever appended
  std::uint64_t done = 0;                  // messages ever committed
  std::uint64_t outages = 0;               // times the store went from working to failing
  bool stopping = false;
  bool closed = false;  // close() has run
  std::optional<std::string> failure;
  std::atomic<std::int64_t> last_commit_ms{0};

  std::mutex read_mutex;
  std::thread writer;  // joined by close() before anything above is destroyed
};

ChatStore::ChatStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<ChatStore> ChatStore::open(const std::filesystem::path& file,
                                           std::size_t max_queue,
                                           std::chrono::milliseconds send_retention) {
  std::unique_ptr<ChatStore> store(new ChatStore(guarded([&] {
    sqlite::Connection writer = open_writer(file);
    sqlite::Connection reader = open_reader(file);
    return std::make_unique<Impl>(std::move(writer), std::move(reader), max_queue, send_retention);
  })));
  Impl* impl = store->impl_.get();
  impl->writer = std::thread([impl] { impl->write_loop(); });
  return store;
}

ChatStore::~ChatStore() { close(); }

std::size_t ChatStore::close() noexcept {
  Impl& impl = *impl_;
  try {
    const std::lock_guard lock(impl.mutex);
    if (impl.closed) return impl.uncommitted();
    impl.closed = true;
    impl.stopping = true;
  } catch (...) {  // cannot lock: the writer still stops, it checks `stopping` every kIdleWait
  }
  impl.work_ready.notify_all();
  if (impl.writer.joinable()) impl.writer.join();
  std::size_t lost = 0;
  try {
    const std::lock_guard lock(impl.mutex);
    lost = impl.uncommitted();
  } catch (...) {
    lost = 1;
  }
  if (lost == 0) {
    impl.mark_clean();
  } else {
    log_error("chat store: {} queued messages could not be saved; none of them was acknowledged",
              lost);
  }
  return lost;
}

std::map<std::string, std::int64_t> ChatStore::last_seqs() const {
  return impl_->last_seqs;
}

std::int64_t ChatStore::seq_floor() const noexcept { return impl_->seq_floor; }

const std::vector<StoredSend>& ChatStore::recent_sends() const noexcept { return impl_->recent_sends; }

bool ChatStore::try_append(StoredMessage message, OnCommit on_commit) {
  {
    const std::lock_guard lock(impl_->mutex);
    if (impl_->failure || impl_->stopping || impl_->uncommitted() >= impl_->max_queue) {
      return false;
    }
    impl_->queue.push_back(Impl::Entry{std::move(message), std::move(on_commit)});
    ++impl_->accepted;
  }
  impl_->work_ready.notify_one();
  return true;
}

void ChatStore::append(StoredMessage message) {
  std::unique_lock lock(impl_->mutex);
  for (;;) {
    impl_->throw_if_failed();
    if (impl_->uncommitted() < impl_->max_queue) break;
    impl_->progress.wait_for(lock, kCheckWait);
  }
  impl_->queue.push_back(Impl::Entry{std::move(message), {}});
  ++impl_->accepted;
  lock.unlock();
  impl_->work_ready.notify_one();
}

void ChatStore::flush() {
  std::unique_lock lock(impl_->mutex);
  const std::uint64_t target = impl_->accepted;
  for (;;) {
    if (impl_->done >= target) return;
    if (impl_->failure) throw chat_store_error(*impl_->failure);
    impl_->progress.wait_for(lock, kCheckWait);
  }
}

// Uncommitted messages are a suffix of each room's messages, so the snapshot of them is taken
// first; the database then supplies the older ones, below the oldest in the snapshot. A batch
// committed in between is then read from the snapshot only, never twice.
std::vector<StoredMessage> ChatStore::history(std::string_view room, std::size_t limit,
                                              std::optional<std::int64_t> before) {
  if (limit == 0) return {};
  std::int64_t bound = before.value_or(std::numeric_limits<std::int64_t>::max());
  std::vector<StoredMessage> newest;
  {
    const std::lock_guard lock(impl_->mutex);
    newest = impl_->pending(room, limit, bound);
  }
  if (newest.size() == limit) return newest;
  if (!newest.empty()) bound = newest.front().seq;
  auto page = impl_->committed_page(room, limit - newest.size(), bound);
  page.insert(page.end(), std::make_move_iterator(newest.begin()),
              std::make_move_iterator(newest.end()));
  return page;
}

std::size_t ChatStore::queue_length() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->uncommitted();
}

std::int64_t ChatStore::last_flush_ms() const {
  return impl_->last_commit_ms.load();
}

std::optional<std::string> ChatStore::failure() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->failure;
}

std::uint64_t ChatStore::failures() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->outages;
}

}  // namespace sockit::chat
