// The chat message store on disk: paging, reopening, many writers, flush, backpressure,
// failure, exact text, and a kill -9 in the middle of a burst.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <sqlite3.h>

#include "sockit/chat/store/store.hpp"

namespace sockit::chat {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test::TempDir;

fs::path db(const TempDir& dir) { return dir.path() / "data" / "chat.db"; }

StoredMessage message(const std::string& room, std::int64_t seq, std::string text = {}) {
  if (text.empty()) text = room + " #" + std::to_string(seq);
  return StoredMessage{room, seq, 1763800000000 + seq, 7, "zhangsan", std::move(text), "broadcast"};
}

std::vector<std::int64_t> seqs(const std::vector<StoredMessage>& messages) {
  std::vector<std::int64_t> out;
  for (const StoredMessage& m : messages) out.push_back(m.seq);
  return out;
}

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (std::int64_t seq = first; seq <= last; ++seq) out.push_back(seq);
  return out;
}

// The first column of every row `sql` yields, as text, read over a connection of our own;
// {"error: ..."} if SQLite fails.
std::vector<std::string> query(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  const auto collect = [](void* out, int, char** values, char**) {
    static_cast<std::vector<std::string>*>(out)->emplace_back(values[0] ? values[0] : "NULL");
    return 0;
  };
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK ||
      sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
      sqlite3_exec(db, sql.c_str(), collect, &rows, nullptr) != SQLITE_OK) {
    rows = {std::string("error: ") + sqlite3_errmsg(db)};
  }
  sqlite3_close(db);
  return rows;
}

// The single integer `sql` yields, or -1 (and a test failure) if it yields anything else.
std::int64_t query_int(const fs::path& file, const std::string& sql) {
  const auto rows = query(file, sql);
  if (rows.size() == 1 && !rows[0].empty() &&
      rows[0].find_first_not_of("-0123456789") == std::string::npos) {
    return std::stoll(rows[0]);
  }
  ADD_FAILURE() << sql << " gave " << (rows.empty() ? "no rows" : rows[0]);
  return -1;
}

TEST(ChatStore, HistoryPagesOldestFirstBeforeAndAfterCommit) {
  TempDir dir;
  auto store = ChatStore::open(db(dir));
  for (std::int64_t seq = 1; seq <= 10; ++seq) store->append(message("lobby", seq));
  for (std::int64_t seq = 1; seq <= 3; ++seq) store->append(message("dev", seq));
  for (int round = 0; round < 2; ++round) {  // first perhaps still queued, then committed
    SCOPED_TRACE(round);
    EXPECT_EQ(seqs(store->history("lobby", 4, std::nullopt)), range(7, 10));
    EXPECT_EQ(seqs(store->history("lobby", 4, 7)), range(3, 6));
    EXPECT_EQ(seqs(store->history("lobby", 4, 3)), range(1, 2));
    EXPECT_TRUE(store->history("lobby", 4, 1).empty());
    EXPECT_EQ(seqs(store->history("lobby", 100, std::nullopt)), range(1, 10));
    EXPECT_EQ(seqs(store->history("dev", 2, std::nullopt)), range(2, 3));
    EXPECT_TRUE(store->history("lobby", 0, std::nullopt).empty());
    EXPECT_TRUE(store->history("nowhere", 10, std::nullopt).empty());
    store->flush();
  }
  const auto page = store->history("lobby", 1, 6);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].room, "lobby");
  EXPECT_EQ(page[0].seq, 5);
  EXPECT_EQ(page[0].ts_ms, 1763800000005);
  EXPECT_EQ(page[0].sender_id, 7);
  EXPECT_EQ(page[0].sender_nickname, "zhangsan");
  EXPECT_EQ(page[0].message, "lobby #5");
  EXPECT_EQ(page[0].type, "broadcast");
}

TEST(ChatStore, LastSeqsSurviveReopening) {
  TempDir dir;
  {
    auto store = ChatStore::open(db(dir));
    EXPECT_TRUE(store->last_seqs().empty());
    for (std::int64_t seq = 1; seq <= 42; ++seq) store->append(message("lobby", seq));
    store->append(message("dev", 1));
  }  // the destructor commits what is queued
  auto store = ChatStore::open(db(dir));
  const std::map<std::string, std::int64_t> expected{{"dev", 1}, {"lobby", 42}};
  EXPECT_EQ(store->last_seqs(), expected);
  store->append(message("lobby", 43));
  EXPECT_EQ(seqs(store->history("lobby", 3, std::nullopt)), range(41, 43));
}

TEST(ChatStore, EightThreadsEightRoomsKeepEveryMessageInOrder) {
  constexpr int kRooms = 8;
  constexpr std::int64_t kEach = 5000;
  TempDir dir;
  auto store = ChatStore::open(db(dir));
  std::vector<std::thread> writers;
  for (int r = 0; r < kRooms; ++r) {
    writers.emplace_back([&store, r] {
      const std::string room = "room" + std::to_string(r);
      for (std::int64_t seq = 1; seq <= kEach; ++seq) store->append(message(room, seq));
    });
  }
  for (std::thread& writer : writers) writer.join();
  store->flush();
  EXPECT_EQ(store->queue_length(), 0u);
  for (int r = 0; r < kRooms; ++r) {
    const std::string room = "room" + std::to_string(r);
    const auto all = store->history(room, 2 * kEach, std::nullopt);
    EXPECT_EQ(seqs(all), range(1, kEach)) << room;
    EXPECT_EQ(all.back().message, room + " #5000");
  }
  EXPECT_EQ(query_int(db(dir), "SELECT count(*) FROM messages"), kRooms * kEach);
}

TEST(ChatStore, FlushCommitsEverythingAppendedBefore) {
  TempDir dir;
  auto store = ChatStore::open(db(dir));
  EXPECT_EQ(store->last_flush_ms(), 0);
  EXPECT_EQ(store->queue_length(), 0u);
  store->flush();  // nothing queued: returns at once
  const auto before = std::chrono::system_clock::now();
  for (std::int64_t seq = 1; seq <= 500; ++seq) store->append(message("lobby", seq));
  store->flush();
  const auto after = std::chrono::system_clock::now();
  EXPECT_EQ(store->queue_length(), 0u);
  const auto since_epoch = [](auto t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  EXPECT_GE(store->last_flush_ms(), since_epoch(before));
  EXPECT_LE(store->last_flush_ms(), since_epoch(after));
  // Committed means another connection sees it.
  EXPECT_EQ(query_int(db(dir), "SELECT count(*) FROM messages"), 500);
  EXPECT_FALSE(store->failure());
}

TEST(ChatStore, FlushFromManyThreadsWhileAppending) {
  TempDir dir;
  auto store = ChatStore::open(db(dir));
  std::atomic<std::int64_t> appended{0};
  std::thread appender([&] {
    for (std::int64_t seq = 1; seq <= 3000; ++seq) {
      store->append(message("lobby", seq));
      appended.store(seq);
    }
  });
  std::vector<std::thread> flushers;
  std::atomic<int> short_reads{0};
  for (int i = 0; i < 4; ++i) {
    flushers.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        const std::int64_t seen = appended.load();
        store->flush();
        const auto count = query_int(db(dir), "SELECT count(*) FROM messages");
        if (count < seen) ++short_reads;
      }
    });
  }
  appender.join();
  for (std::thread& flusher : flushers) flusher.join();
  EXPECT_EQ(short_reads.load(), 0);
}

TEST(ChatStore, HistorySeesEverythingAppendedWhileTheWriterRuns) {
  TempDir dir;
  auto store = ChatStore::open(db(dir), 500);
  std::atomic<std::int64_t> appended{0};
  std::thread appender([&] {
    for (std::int64_t seq = 1; seq <= 20000; ++seq) {
      store->append(message("lobby", seq));
      appended.store(seq);
    }
  });
  int bad = 0;
  while (appended.load() < 20000) {
    const std::int64_t seen = appended.load();
    const auto page = seqs(store->history("lobby", 50, std::nullopt));
    if (seen == 0) continue;
    const std::int64_t last = page.empty() ? 0 : page.back();
    const auto expected = range(std::max<std::int64_t>(1, last - 49), last);
    if (last < seen || page != expected) ++bad;
  }
  appender.join();
  EXPECT_EQ(bad, 0);
}

TEST(ChatStore, BackpressureBlocksButLosesNothing) {
  constexpr std::size_t kMaxQueue = 3;
  TempDir dir;
  auto store = ChatStore::open(db(dir), kMaxQueue);
  std::atomic<bool> done{false};
  std::thread appender([&] {
    for (std::int64_t seq = 1; seq <= 3000; ++seq) store->append(message("lobby", seq));
    done.store(true);
  });
  std::size_t longest = 0;
  while (!done.load()) longest = std::max(longest, store->queue_length());
  appender.join();
  EXPECT_LE(longest, kMaxQueue);
  store->flush();
  EXPECT_EQ(seqs(store->history("lobby", 5000, std::nullopt)), range(1, 3000));
}

TEST(ChatStore, TextIsStoredExactly) {
  const std::vector<std::string> texts{"你好，世界 👋🏽",
                                       "<script>alert('x')</script>",
                                       "a\"b'c\\d;--DROP TABLE messages;",
                                       std::string("nul\0inside", 10),
                                       "line\nbreak\ttab",
                                       "é e\xcc\x81"};
  TempDir dir;
  {
    auto store = ChatStore::open(db(dir));
    std::int64_t seq = 0;
    for (const std::string& text : texts) {
      StoredMessage m = message("ünïcødé 房间", ++seq, text);
      m.sender_nickname = "张三<b>";
      m.type = "system";
      store->append(m);
    }
  }
  auto store = ChatStore::open(db(dir));
  const auto stored = store->history("ünïcødé 房间", 100, std::nullopt);
  ASSERT_EQ(stored.size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(stored[i].message, texts[i]);
    EXPECT_EQ(stored[i].sender_nickname, "张三<b>");
    EXPECT_EQ(stored[i].type, "system");
  }
}

TEST(ChatStore, AFailedWriteIsReportedByAppendAndFlush) {
  TempDir dir;
  auto store = ChatStore::open(db(dir));
  store->append(message("lobby", 1));
  store->flush();
  store->append(message("lobby", 1));  // the same (room, seq) again: the commit fails
  EXPECT_THROW(store->flush(), chat_store_error);
  ASSERT_TRUE(store->failure());
  EXPECT_NE(store->failure()->find("UNIQUE"), std::string::npos) << *store->failure();
  EXPECT_THROW(store->append(message("lobby", 2)), chat_store_error);
  EXPECT_FALSE(store->try_append(message("lobby", 2)));
  EXPECT_EQ(store->failures(), 1u);
  EXPECT_EQ(query_int(db(dir), "SELECT count(*) FROM messages"), 1);
  EXPECT_EQ(store->close(), 1u);  // the bad message is given up, and said so
}

TEST(ChatStore, OnCommitRunsOnceTheMessageIsInTheFile) {
  TempDir dir;
  auto store = ChatStore::open(db(dir));
  std::atomic<std::int64_t> seen_in_file{-1};
  std::atomic<int> calls{0};
  ASSERT_TRUE(store->try_append(message("lobby", 1), [&] {
    seen_in_file = query_int(db(dir), "SELECT count(*) FROM messages WHERE seq = 1");
    ++calls;
  }));
  store->flush();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(seen_in_file.load(), 1);
}

TEST(ChatStore, ALockedDatabaseFailsTheStoreUntilTheLockGoes) {
  TempDir dir;
  auto store = ChatStore::open(db(dir));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db(dir).c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::atomic<bool> committed{false};
  ASSERT_TRUE(store->try_append(message("lobby", 1), [&] { committed = true; }));
  const auto deadline = std::chrono::steady_clock::now() + 20s;  // busy timeout: 5 s
  while (!store->failure() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(store->failure());
  EXPECT_NE(store->failure()->find("locked"), std::string::npos) << *store->failure();
  EXPECT_FALSE(store->try_append(message("lobby", 2)));  // refused, not queued
  EXPECT_FALSE(committed.load());
  EXPECT_EQ(store->history("lobby", 10, std::nullopt).size(), 1u);  // still queued, still seen
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  while (!committed && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(committed.load());
  EXPECT_FALSE(store->failure());
  EXPECT_EQ(store->failures(), 1u);
  EXPECT_TRUE(store->try_append(message("lobby", 2)));
  EXPECT_EQ(store->close(), 0u);
  EXPECT_EQ(query_int(db(dir), "SELECT count(*) FROM messages"), 2);
}

TEST(ChatStore, ACleanStopKeepsTheSeqFloor) {
  TempDir dir;
  {
    auto store = ChatStore::open(db(dir), 50);
    EXPECT_EQ(store->seq_floor(), 0);
    store->append(message("lobby", 1));
  }
  auto store = ChatStore::open(db(dir), 50);
  EXPECT_EQ(store->seq_floor(), 0);
  EXPECT_EQ(store->last_seqs()["lobby"], 1);
}

TEST(ChatStore, OpeningUnderAFileFails) {
  TempDir dir;
  std::ofstream(dir.path() / "plain") << "not a directory";
  EXPECT_THROW(ChatStore::open(dir.path() / "plain" / "chat.db"), chat_store_error);
  std::ofstream(dir.path() / "garbage.db") << std::string(8192, 'x');
  EXPECT_THROW(ChatStore::open(dir.path() / "garbage.db"), chat_store_error);
}

// The child: opens the store, says so on `ready`, then appends to "burst" until killed.
[[noreturn]] void burst(const fs::path& file, int ready) {
  try {
    auto store = ChatStore::open(file);
    const char byte = 'r';
    if (write(ready, &byte, 1) != 1) _exit(2);
    for (std::int64_t seq = 1;; ++seq) store->append(message("burst", seq));
  } catch (...) {
  }
  _exit(1);
}

TEST(ChatStore, KillNineDuringABurstLosesOnlyASuffix) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    burst(db(dir), ready[1]);
  }
  close(ready[1]);
  char byte = 0;
  const bool opened = read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  if (opened) std::this_thread::sleep_for(100ms);
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(opened) << "the child could not open the store";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  EXPECT_EQ(query(db(dir), "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  const std::int64_t count = query_int(db(dir), "SELECT count(*) FROM messages");
  EXPECT_GT(count, 0) << "nothing was committed in 100 ms";
  EXPECT_EQ(query_int(db(dir), "SELECT max(seq) FROM messages"), count);
  EXPECT_EQ(query_int(db(dir), "SELECT count(*) FROM messages WHERE seq BETWEEN 1 AND " +
                                    std::to_string(count)),
            count);
  RecordProperty("committed_before_kill", std::to_string(count));

  auto store = ChatStore::open(db(dir));
  EXPECT_EQ(store->last_seqs()["burst"], count);
  // Up to 100,000 (the queue) more may have been seen live: new seqs start above all of them.
  EXPECT_EQ(store->seq_floor(), count + 100000);
  const auto newest = store->history("burst", 1, std::nullopt);
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].message, "burst #" + std::to_string(count));
}

}  // namespace
}  // namespace sockit::chat
