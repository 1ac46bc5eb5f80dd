// Hex views for the debugging assistant: a hexdump -C style dump of traffic, marked by
// direction, and parsing hex text into bytes (NetAssist's "send as hex"). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sockit::nc {

/// Dumps `bytes` as lines of 16, such as
/// @code
/// > 00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a  |Hello world.|
/// @endcode
/// where the marker is '>' for sent and '<' for received and the offset continues from
/// `offset` (bytes already dumped in that direction). Every line ends in a newline. Pure.
std::string hex_dump(std::string_view bytes, char marker, std::uint64_t offset);

/// Parses hex text into bytes: pairs of hex digits, with spaces, tabs, newlines, ':' and '-'
/// between bytes allowed and an optional 0x prefix per byte ("48 65 6c", "48656c",
/// "0x48 0x65"). Throws parse_error naming the position of the first bad character or an
/// odd digit count; nothing is returned on error. Pure.
std::string parse_hex(std::string_view text);

}  // namespace sockit::nc
