// Internal: why a room's seq numbers are never reused after a crash. Pure; thread safe.
//
// Live delivery runs ahead of the store: a message is numbered and sent to the room before
// its batch is committed. If the server is killed, the seqs of uncommitted messages were
// seen by clients but are not in the database, and a naive restart (next = max stored + 1)
// would hand them out again for other messages.
//
// The store keeps three numbers in its meta table:
// - `floor`: every room's seqs in a run start above max(the room's stored seq, floor);
// - `bound`: the most messages that may wait uncommitted in that run (the queue's size);
// - `clean`: 1 once a run stopped with everything it numbered committed.
// Within a run each room's seqs are contiguous from its start, every numbered message is
// queued for the store, and at most `bound` are uncommitted. So after a crash the highest
// seq any client can have seen in a room is at most max(stored, floor) + bound, and the
// next run starts above that. A clean stop committed everything: no jump is needed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

struct sqlite3;

namespace sockit::chat {

/// What the previous run left in the store's meta table. A value type.
struct SeqMeta {
  std::int64_t floor = 0;  ///< seqs of that run started above max(stored, floor)
  std::int64_t bound = 0;  ///< at most this many messages were uncommitted at once
  bool clean = true;       ///< everything that run numbered was committed
};

/// The floor of the run that starts now, given the previous run's meta and the highest seq
/// stored in any room. Pure.
constexpr std::int64_t next_seq_floor(const SeqMeta& previous, std::int64_t max_stored) {
  if (previous.clean) return previous.floor;
  return std::max(previous.floor, max_stored) + previous.bound;
}

/// Reads the previous run's meta, raises the floor with next_seq_floor() and records that this
/// run, with at most `bound` uncommitted messages, has started and not yet stopped cleanly.
/// Returns the floor. Throws sqlite::error. Not thread safe (the connection's owner calls it).
std::int64_t start_run(sqlite3* db, const std::map<std::string, std::int64_t>& last_seqs,
                       std::size_t bound);

/// Records a clean stop: everything this run numbered is committed. Throws sqlite::error.
void record_clean_stop(sqlite3* db);

}  // namespace sockit::chat
