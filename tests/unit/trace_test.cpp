// sockit trace's pure parts: decoding frames, following TCP through its states, the words.
#include <gtest/gtest.h>

#include <netinet/in.h>

#include <vector>

#include "sockit/tools/packet.hpp"
#include "sockit/tools/tcp_tracker.hpp"
#include "sockit/tools/trace_text.hpp"

namespace sockit {
namespace {

IpPort loopback(std::uint16_t port) {
  IpPort e;
  e.family = AF_INET;
  e.addr[0] = 127, e.addr[3] = 1;
  e.port = port;
  return e;
}

constexpr std::uint16_t client_port = 40000, server_port = 8000;

Packet segment(bool from_client, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
               std::size_t len = 0) {
  Packet p;
  p.src = loopback(from_client ? client_port : server_port);
  p.dst = loopback(from_client ? server_port : client_port);
  p.flags = flags, p.seq = seq, p.ack = ack, p.length = len;
  return p;
}

struct Seen {
  TcpStep step;
  TcpState client, server;
};

Seen feed(TcpTracker& t, const Packet& p) {
  const auto e = t.on_segment(p);
  return {e.step, e.from_client ? e.src_state : e.dst_state,
          e.from_client ? e.dst_state : e.src_state};
}

void expect(const Seen& seen, TcpStep step, TcpState client, TcpState server) {
  EXPECT_EQ(step_key(seen.step), step_key(step));
  EXPECT_EQ(state_name(seen.client), state_name(client));
  EXPECT_EQ(state_name(seen.server), state_name(server));
}

constexpr std::uint8_t syn = tcp_syn, ack = tcp_ack, fin = tcp_fin, psh = tcp_psh, rst = tcp_rst;
using S = TcpState;
using T = TcpStep;

void handshake(TcpTracker& t) {
  expect(feed(t, segment(true, syn, 1000, 0)), T::handshake_1, S::syn_sent, S::syn_recv);
  expect(feed(t, segment(false, syn | ack, 5000, 1001)), T::handshake_2, S::established,
         S::syn_recv);
  expect(feed(t, segment(true, ack, 1001, 5001)), T::handshake_3, S::established, S::established);
}

TEST(TcpTracker, HandshakeDataAndFourWavesWithTheRfcStates) {
  TcpTracker t;
  handshake(t);
  const auto data = t.on_segment(segment(true, psh | ack, 1001, 5001, 6));
  EXPECT_EQ(data.step, T::data);
  EXPECT_EQ(data.rel_seq, 1u);
  EXPECT_EQ(data.rel_ack, 1u);
  expect(feed(t, segment(false, ack, 5001, 1007)), T::none, S::established, S::established);
  expect(feed(t, segment(true, fin | ack, 1007, 5001)), T::wave_1, S::fin_wait_1, S::close_wait);
  expect(feed(t, segment(false, ack, 5001, 1008)), T::wave_2, S::fin_wait_2, S::close_wait);
  expect(feed(t, segment(false, fin | ack, 5001, 1008)), T::wave_3, S::time_wait, S::last_ack);
  expect(feed(t, segment(true, ack, 1008, 5002)), T::wave_4, S::time_wait, S::closed);
  EXPECT_EQ(t.totals().connections, 1u);
  EXPECT_EQ(t.totals().handshakes, 1u);
  EXPECT_EQ(t.totals().closes, 1u);
  EXPECT_EQ(t.totals().retransmissions, 0u);
}

TEST(TcpTracker, TheSecondAndThirdWaveInOneSegment) {
  TcpTracker t;
  handshake(t);
  expect(feed(t, segment(true, fin | ack, 1001, 5001)), T::wave_1, S::fin_wait_1, S::close_wait);
  expect(feed(t, segment(false, fin | ack, 5001, 1002)), T::wave_2_3, S::time_wait, S::last_ack);
  expect(feed(t, segment(true, ack, 1002, 5002)), T::wave_4, S::time_wait, S::closed);
}

TEST(TcpTracker, TheServerClosingFirstEndsInTimeWaitItself) {
  TcpTracker t;
  handshake(t);
  expect(feed(t, segment(false, fin | ack, 5001, 1001)), T::wave_1, S::close_wait, S::fin_wait_1);
  expect(feed(t, segment(true, ack, 1001, 5002)), T::wave_2, S::close_wait, S::fin_wait_2);
  expect(feed(t, segment(true, fin | ack, 1001, 5002)), T::wave_3, S::last_ack, S::time_wait);
  expect(feed(t, segment(false, ack, 5002, 1002)), T::wave_4, S::closed, S::time_wait);
}

TEST(TcpTracker, SimultaneousCloseGoesThroughClosing) {
  TcpTracker t;
  handshake(t);
  expect(feed(t, segment(true, fin | ack, 1001, 5001)), T::wave_1, S::fin_wait_1, S::close_wait);
  // The server's FIN crossed the client's: it does not acknowledge it yet.
  const auto crossed = feed(t, segment(false, fin | ack, 5001, 1001));
  EXPECT_EQ(crossed.client, S::closing);
  expect(feed(t, segment(false, ack, 5002, 1002)), T::wave_4, S::time_wait, S::last_ack);
}

TEST(TcpTracker, ARstAnsweringASynMeansNothingListens) {
  TcpTracker t;
  feed(t, segment(true, syn, 1000, 0));
  expect(feed(t, segment(false, rst | ack, 0, 1001)), T::refused, S::closed, S::closed);
  EXPECT_EQ(t.totals().refused, 1u);
  EXPECT_EQ(t.totals().resets, 0u);
}

TEST(TcpTracker, ARstOnAnOpenConnectionIsAnAbort) {
  TcpTracker t;
  handshake(t);
  expect(feed(t, segment(false, rst | ack, 5001, 1001)), T::reset, S::closed, S::closed);
  EXPECT_EQ(t.totals().resets, 1u);
}

TEST(TcpTracker, CopiesAreRetransmissionsAndMoveNoState) {
  TcpTracker t;
  feed(t, segment(true, syn, 1000, 0));
  const auto again = t.on_segment(segment(true, syn, 1000, 0));
  EXPECT_TRUE(again.retransmission);
  EXPECT_EQ(again.step, T::none);  // the first copy was the 1st handshake
  EXPECT_EQ(again.src_state, S::syn_sent);
  feed(t, segment(false, syn | ack, 5000, 1001));
  feed(t, segment(true, ack, 1001, 5001));
  EXPECT_FALSE(t.on_segment(segment(true, psh | ack, 1001, 5001, 100)).retransmission);
  EXPECT_TRUE(t.on_segment(segment(true, psh | ack, 1001, 5001, 100)).retransmission);
  EXPECT_FALSE(t.on_segment(segment(true, ack, 1101, 5001)).retransmission);  // a bare ACK never is
  EXPECT_EQ(t.totals().retransmissions, 2u);
}

TEST(TcpTracker, ASegmentSeenMidStreamAssumesAnOpenConnection) {
  TcpTracker t;
  const auto e = t.on_segment(segment(true, psh | ack, 777, 888, 10));
  EXPECT_EQ(e.step, T::data);
  EXPECT_TRUE(e.from_client);  // the higher port is taken for the client
  EXPECT_EQ(e.src_state, S::established);
  EXPECT_EQ(e.rel_seq, 0u);
}

TEST(TcpTracker, ANewSynOnTheSamePortsIsANewConnection) {
  TcpTracker t;
  handshake(t);
  feed(t, segment(true, rst, 1001, 0));
  expect(feed(t, segment(true, syn, 90000, 0)), T::handshake_1, S::syn_sent, S::syn_recv);
  EXPECT_EQ(t.totals().connections, 2u);
}

TEST(TcpTracker, RemembersAtMostItsLimit) {
  TcpTracker t(2);
  for (std::uint16_t port = 1; port <= 5; ++port) {
    auto p = segment(true, syn, 1000, 0);
    p.src.port = static_cast<std::uint16_t>(40000 + port);
    EXPECT_EQ(t.on_segment(p).step, T::handshake_1);
  }
  EXPECT_EQ(t.totals().connections, 5u);
}

// 127.0.0.1:40000 -> 127.0.0.1:8000 [PSH,ACK] seq 0x01020304 ack 5 win 512, payload "hi", as
// a loopback capture (DLT_NULL: a host-order family word first) or on Ethernet.
std::vector<std::byte> frame(bool ethernet, std::size_t cut = 0) {
  std::vector<unsigned char> b;
  if (ethernet) {
    b.assign(12, 0);
    b.insert(b.end(), {0x08, 0x00});
  } else {
    b.insert(b.end(), {2, 0, 0, 0});
  }
  const unsigned char ip[] = {0x45, 0, 0,   42, 0, 0, 0x40, 0, 64, 6,
                              0,    0, 127, 0,  0, 1, 127,  0, 0,  1};
  const unsigned char tcp[] = {0x9c, 0x40, 0x1f, 0x40, 1, 2, 3, 4, 0, 0,
                               0,    5,    0x50, 0x18, 2, 0, 0, 0, 0, 0};
  b.insert(b.end(), std::begin(ip), std::end(ip));
  b.insert(b.end(), std::begin(tcp), std::end(tcp));
  b.insert(b.end(), {'h', 'i'});
  b.resize(b.size() - cut);
  std::vector<std::byte> out(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) out[i] = std::byte{b[i]};
  return out;
}

TEST(PacketDecode, Ipv4TcpOnLoopbackAndEthernet) {
  for (const bool ethernet : {false, true}) {
    const auto f = frame(ethernet);
    const auto p = decode_packet(ethernet ? 1 : 0, f, {});
    ASSERT_TRUE(p) << ethernet;
    EXPECT_EQ(p->kind, Packet::Kind::tcp);
    EXPECT_EQ(p->src.to_string(), "127.0.0.1:40000");
    EXPECT_EQ(p->dst.to_string(), "127.0.0.1:8000");
    EXPECT_EQ(p->seq, 0x01020304u);
    EXPECT_EQ(p->ack, 5u);
    EXPECT_EQ(p->window, 512);
    EXPECT_EQ(tcp_flag_names(p->flags, ","), "PSH,ACK");
    EXPECT_EQ(p->length, 2u);
    EXPECT_EQ(p->payload, "hi");
  }
}

TEST(PacketDecode, ShortOrForeignFramesAreSkipped) {
  auto f = frame(false);
  EXPECT_FALSE(decode_packet(0, std::span(f).first(30), {}));  // the TCP header cut short
  EXPECT_FALSE(decode_packet(999, f, {}));                     // an unknown link type
  auto arp = frame(true);
  arp[12] = std::byte{0x08}, arp[13] = std::byte{0x06};
  EXPECT_FALSE(decode_packet(1, arp, {}));
  auto fragment = frame(false);
  fragment[4 + 7] = std::byte{0x10};  // fragment offset 16: no TCP header here
  EXPECT_FALSE(decode_packet(0, fragment, {}));
  const auto snapped = frame(false, 1);  // the payload's last byte not captured
  const auto p = decode_packet(0, snapped, {});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 2u);
  EXPECT_EQ(p->payload, "h");
}

TEST(TraceText, StepsAndStatesInEnglishAndChinese) {
  EXPECT_EQ(step_text(T::handshake_1, true, Lang::en),
            "1st handshake: the client asks to connect (SYN)");
  EXPECT_EQ(step_text(T::wave_1, false, Lang::zh), "第一次挥手：服务器发送 FIN，主动关闭连接");
  EXPECT_EQ(step_text(T::none, true, Lang::en), "");
  EXPECT_EQ(state_text(S::time_wait, Lang::en).substr(0, 11), "TIME_WAIT (");
  EXPECT_EQ(parse_state("time-wait"), S::time_wait);
  EXPECT_EQ(parse_state("Established"), S::established);
  EXPECT_FALSE(parse_state("OPEN"));
  EXPECT_FALSE(parse_lang("fr"));
}

TEST(TraceText, ASegmentLineNamesFlagsNumbersStepAndStates) {
  TcpTracker t;
  const auto p = segment(true, syn, 1000, 0);
  const auto line = segment_line(p, t.on_segment(p), Lang::en);
  EXPECT_NE(line.find("127.0.0.1:40000 > 127.0.0.1:8000 [SYN] seq=0 win=0 len=0  1st handshake"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("client SYN_SENT, server SYN_RECV"), std::string::npos) << line;
}

}  // namespace
}  // namespace sockit
