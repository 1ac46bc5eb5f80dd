// How `sockit trace` and `sockit demo handshake` word what they see: one line per packet and
// the tutorials' names for each step and state, in English or in Chinese. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sockit/tools/packet.hpp"
#include "sockit/tools/tcp_tracker.hpp"

namespace sockit {

enum class Lang { en, zh };
/// "en" or "zh"; nullopt for anything else. Pure.
std::optional<Lang> parse_lang(std::string_view text);

/// "client" / "server" (客户端 / 服务器). Pure.
std::string_view side_name(bool client, Lang lang);
/// What a step means, naming the sender's side: "1st handshake: the client asks to connect (SYN)".
/// Empty for TcpStep::none. Pure.
std::string step_text(TcpStep step, bool from_client, Lang lang);
/// What an endpoint in `state` is doing: "SYN_SENT (waiting for the server's SYN+ACK)". Pure.
std::string state_text(TcpState state, Lang lang);

/// "HH:MM:SS.uuuuuu" in local time. Thread safe.
std::string clock_micros(std::chrono::system_clock::time_point time);
/// One line for a TCP segment, without a newline:
/// `12:00:01.000123 127.0.0.1:40000 > 127.0.0.1:8000 [SYN] seq=0 win=65495 len=0  1st handshake:
/// the client asks to connect (SYN)  client SYN_SENT, server SYN_RECV`. Pure but for the clock.
std::string segment_line(const Packet& packet, const TcpEvent& event, Lang lang);
/// Both ends' states after a step that moves them, explained: "client SYN_SENT (SYN sent,
/// waiting for the SYN+ACK); server SYN_RECV (...)". Empty for data, bare ACKs and copies. Pure.
std::string states_text(const TcpEvent& event, Lang lang);
/// One line for a UDP datagram or an ICMP message, without a newline.
std::string datagram_line(const Packet& packet);

}  // namespace sockit
