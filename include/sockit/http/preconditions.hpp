// Conditional requests (RFC 9110 §13): If-Match, If-Unmodified-Since, If-None-Match,
// If-Modified-Since and If-Range, evaluated against a representation's validators in the
// order of §13.2.2. Pure: no I/O; fuzzable.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sockit::http {

/// What the selected representation (which exists) is known by. Value type.
struct Validators {
  std::string_view etag;                      ///< a strong entity tag, quoted; empty: none
  std::optional<std::int64_t> last_modified;  ///< Unix seconds; nullopt: none
};

/// The conditional header fields of a request, each as the field lines it came in (none when
/// absent; a list may come in several lines, RFC 9110 §5.3). Value type; views into the
/// request, which must outlive it.
struct Conditions {
  std::vector<std::string_view> if_match;
  std::vector<std::string_view> if_unmodified_since;
  std::vector<std::string_view> if_none_match;
  std::vector<std::string_view> if_modified_since;
  std::vector<std::string_view> if_range;
  bool get_or_head = true;  ///< the method is GET or HEAD
  bool has_range = false;   ///< the request has a Range field
};

/// What the server does with the request.
enum class Verdict {
  proceed,             ///< answer as usual, a Range included
  ignore_range,        ///< If-Range failed: 200 with the whole representation
  not_modified,        ///< 304
  precondition_failed  ///< 412
};

/// RFC 9110 §13.2.2, steps 1-5: If-Match (412 unless a tag matches strongly, or "*"); else
/// If-Unmodified-Since (412 if modified since); If-None-Match (304 for GET/HEAD if a tag
/// matches weakly, or "*"; 412 otherwise); else If-Modified-Since (GET/HEAD: 304 if not
/// modified since); then If-Range, when there is a Range (a strong tag match or exactly the
/// Last-Modified date, else the Range is ignored). A date field that is not one valid
/// HTTP-date is ignored. Pure.
Verdict evaluate_preconditions(const Conditions& request, const Validators& current);

/// How two entity tags are compared (RFC 9110 §8.8.3.2).
enum class EtagCompare {
  strong,  ///< neither is weak and the opaque tags are equal
  weak     ///< the opaque tags are equal, W/ or not
};

/// Whether a list of entity tags (`lines`: the field lines of If-Match or If-None-Match)
/// contains `etag` under `how`. "*" is not a tag here (the caller decides what it means); a
/// malformed list matches nothing. Pure.
bool etag_list_contains(const std::vector<std::string_view>& lines, std::string_view etag,
                        EtagCompare how);

/// Whether `lines` are exactly "*". Pure.
bool is_any(const std::vector<std::string_view>& lines);

}  // namespace sockit::http
