#include "sockit/tools/trace_text.hpp"

#include <ctime>

#include <fmt/core.h>

namespace sockit {
namespace {

struct Words {
  std::string_view en, zh;
  std::string_view in(Lang lang) const { return lang == Lang::zh ? zh : en; }
};

// Indexed by TcpStep; "{}" is the sender's side.
constexpr Words step_words[] = {
    {"", ""},
    {"1st handshake: the {} asks to connect (SYN)", "第一次握手：{}发送 SYN，请求建立连接"},
    {"2nd handshake: the {} agrees and asks back (SYN+ACK)",
     "第二次握手：{}回复 SYN+ACK，确认并同意连接"},
    {"3rd handshake: the {} confirms (ACK), the connection is established",
     "第三次握手：{}回复 ACK，连接建立"},
    {"data from the {}", "{}发送数据"},
    {"1st wave: the {} is done sending and closes (FIN)", "第一次挥手：{}发送 FIN，主动关闭连接"},
    {"2nd wave: the {} acknowledges the FIN (ACK)", "第二次挥手：{}确认收到 FIN（ACK）"},
    {"2nd and 3rd wave in one: the {} acknowledges the FIN and closes too (FIN+ACK)",
     "第二、三次挥手合并：{}确认 FIN 并发送自己的 FIN"},
    {"3rd wave: the {} closes too (FIN)", "第三次挥手：{}也发送 FIN，关闭连接"},
    {"4th wave: the {} acknowledges the last FIN (ACK) and waits in TIME_WAIT",
     "第四次挥手：{}确认最后的 FIN（ACK），进入 TIME_WAIT 等待"},
    {"RST from the {}: nothing listens on that port, the connection is refused",
     "RST：{}的端口上没有进程在监听，连接被拒绝"},
    {"RST from the {}: the connection is aborted (closed with unread data, or SO_LINGER 0)",
     "RST：{}中止了连接（关闭时还有未读数据，或 SO_LINGER 为 0）"},
};

// Indexed by TcpState.
constexpr Words state_words[] = {
    {"not seen", "未知"},
    {"no connection", "没有连接"},
    {"waiting for connections", "等待连接请求"},
    {"SYN sent, waiting for the SYN+ACK", "已发送 SYN，等待对方的 SYN+ACK"},
    {"SYN received and answered, waiting for the last ACK", "已收到 SYN 并回复，等待最后的 ACK"},
    {"open: data flows both ways", "连接已建立，可以双向传输数据"},
    {"FIN sent, waiting for its ACK", "已发送 FIN，等待对方确认"},
    {"its FIN acknowledged, waiting for the peer's FIN", "FIN 已被确认，等待对方的 FIN"},
    {"the peer closed; waiting for this side's application to close",
     "对方已关闭，等待本方应用程序关闭"},
    {"both sent FIN at once, waiting for the ACK", "双方同时关闭，等待 ACK"},
    {"FIN sent after the peer's, waiting for the last ACK", "已发送 FIN，等待最后的 ACK"},
    {"closed, waiting 2MSL so late segments die out; the port stays taken",
     "等待 2MSL，让网络中残留的报文消失；端口仍被占用"},
};

std::string icmp_text(const Packet& p) {
  const bool v6 = p.kind == Packet::Kind::icmp6;
  const int type = p.icmp_type;
  if ((!v6 && type == 8) || (v6 && type == 128)) return "echo request";
  if ((!v6 && type == 0) || (v6 && type == 129)) return "echo reply";
  if (!v6 && type == 3 && p.icmp_code == 3) return "port unreachable";
  if (v6 && type == 1 && p.icmp_code == 4) return "port unreachable";
  if ((!v6 && type == 3) || (v6 && type == 1))
    return fmt::format("destination unreachable (code {})", p.icmp_code);
  if ((!v6 && type == 11) || (v6 && type == 3)) return "time exceeded";
  return fmt::format("type {} code {}", type, p.icmp_code);
}

}  // namespace

std::optional<Lang> parse_lang(std::string_view text) {
  if (text == "en") return Lang::en;
  if (text == "zh") return Lang::zh;
  return std::nullopt;
}

std::string_view side_name(bool client, Lang lang) {
  return client ? Words{"client", "客户端"}.in(lang) : Words{"server", "服务器"}.in(lang);
}

std::string step_text(TcpStep step, bool from_client, Lang lang) {
  const auto words = step_words[static_cast<std::size_t>(step)].in(lang);
  if (words.empty()) return {};
  return fmt::format(fmt::runtime(words), side_name(from_client, lang));
}

std::string state_text(TcpState state, Lang lang) {
  return fmt::format(fmt::runtime(lang == Lang::zh ? "{}（{}）" : "{} ({})"), state_name(state),
                     state_words[static_cast<std::size_t>(state)].in(lang));
}

std::string clock_micros(std::chrono::system_clock::time_point time) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  ::localtime_r(&seconds, &tm);
  return fmt::format("{:02}:{:02}:{:02}.{:06}", tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

std::string segment_line(const Packet& p, const TcpEvent& e, Lang lang) {
  std::string line = fmt::format("{} {} > {} [{}] seq={}", clock_micros(p.time), p.src.to_string(),
                                 p.dst.to_string(), tcp_flag_names(p.flags, ","), e.rel_seq);
  if ((p.flags & tcp_ack) != 0) line += fmt::format(" ack={}", e.rel_ack);
  line += fmt::format(" win={} len={}", p.window, p.length);
  if (e.retransmission) line += lang == Lang::zh ? "  重传" : "  retransmission";
  if (const auto text = step_text(e.step, e.from_client, lang); !text.empty()) line += "  " + text;
  const bool client_sent = e.from_client;
  line += fmt::format("  {} {}, {} {}", side_name(true, lang),
                      state_name(client_sent ? e.src_state : e.dst_state), side_name(false, lang),
                      state_name(client_sent ? e.dst_state : e.src_state));
  return line;
}

std::string states_text(const TcpEvent& e, Lang lang) {
  if (e.step == TcpStep::none || e.step == TcpStep::data) return {};
  const auto client = e.from_client ? e.src_state : e.dst_state;
  const auto server = e.from_client ? e.dst_state : e.src_state;
  return fmt::format("{} {}{}{} {}", side_name(true, lang), state_text(client, lang),
                     lang == Lang::zh ? "；" : "; ", side_name(false, lang),
                     state_text(server, lang));
}

std::string datagram_line(const Packet& p) {
  if (p.kind == Packet::Kind::udp) {
    return fmt::format("{} {} > {} UDP len={}", clock_micros(p.time), p.src.to_string(),
                       p.dst.to_string(), p.length);
  }
  return fmt::format("{} {} > {} {} {}", clock_micros(p.time), p.src.to_string(), p.dst.to_string(),
                     p.kind == Packet::Kind::icmp ? "ICMP" : "ICMPv6", icmp_text(p));
}

}  // namespace sockit
