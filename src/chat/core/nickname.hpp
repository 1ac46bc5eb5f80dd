// Internal: when two nicknames are the same person to a reader. IRC compares nicknames without
// case; a chat that renders Unicode must also see through compatibility forms (full-width
// "Ａlice") and look-alike scripts (Cyrillic "Аlice"). ICU does all three.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sockit::chat {

/// The key under which `nickname` (valid UTF-8, already trimmed) is unique: NFKC case folding,
/// then the confusable skeleton of Unicode TS #39, folded again. "Alice", "ALICE", "Ａlice"
/// and "Аlice" (Cyrillic А) share one key. Thread safe. Throws std::runtime_error if ICU
/// fails (its data missing).
std::string nickname_key(std::string_view nickname);

/// How room notices name a user: "nickname(id)".
std::string user_label(std::string_view nickname, std::int64_t id);

/// The message of nickname_taken when `nickname` is refused because `holder` is logged in.
std::string taken_message(std::string_view nickname, std::string_view holder);

}  // namespace sockit::chat
