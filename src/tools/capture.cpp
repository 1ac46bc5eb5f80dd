#include "sockit/tools/capture.hpp"

#include <pcap/pcap.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

namespace sockit {

struct Capture::Handle {
  pcap_t* pcap = nullptr;
  int fd = -1;
  ~Handle() {
    if (pcap != nullptr) pcap_close(pcap);
  }
};

namespace {

constexpr std::string_view permission_hint =
    "capturing packets needs CAP_NET_RAW and CAP_NET_ADMIN: run as root, or grant them with "
    "`setcap cap_net_raw,cap_net_admin=eip $(command -v sockit)`";

[[noreturn]] void fail_activate(pcap_t* pcap, int status, const std::string& interface) {
  const std::string detail = pcap_geterr(pcap);
  switch (status) {
    case PCAP_ERROR_PERM_DENIED:
      throw capture_error(fmt::format("{} ({})", permission_hint, detail));
    case PCAP_ERROR_NO_SUCH_DEVICE:
      throw capture_error(fmt::format("no interface named '{}' (see `ip link`)", interface));
    default:
      throw capture_error(fmt::format("cannot capture on '{}': {}", interface,
                                      detail.empty() ? pcap_statustostr(status) : detail));
  }
}

void apply_filter(pcap_t* pcap, const std::string& filter) {
  if (filter.empty()) return;
  bpf_program program{};
  if (pcap_compile(pcap, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    throw capture_error(fmt::format("bad filter '{}': {}", filter, pcap_geterr(pcap)));
  }
  const int status = pcap_setfilter(pcap, &program);
  pcap_freecode(&program);
  if (status != 0) throw capture_error(fmt::format("cannot set the filter: {}", pcap_geterr(pcap)));
}

}  // namespace

Capture::Capture(const CaptureOptions& options) : handle_(std::make_unique<Handle>()) {
  char error[PCAP_ERRBUF_SIZE] = {};
  handle_->pcap = pcap_create(options.interface.c_str(), error);
  if (handle_->pcap == nullptr)
    throw capture_error(fmt::format("cannot capture on '{}': {}", options.interface, error));
  pcap_t* pcap = handle_->pcap;
  pcap_set_snaplen(pcap, options.snaplen);
  pcap_set_immediate_mode(pcap, 1);  // every packet as it comes, not in buffered batches
  pcap_set_timeout(pcap, 100);
  if (const int status = pcap_activate(pcap); status < 0)
    fail_activate(pcap, status, options.interface);
  link_ = pcap_datalink(pcap);
  apply_filter(pcap, options.filter);
  if (pcap_setnonblock(pcap, 1, error) != 0)
    throw capture_error(fmt::format("cannot capture: {}", error));
  handle_->fd = pcap_get_selectable_fd(pcap);
  if (handle_->fd < 0)
    throw capture_error("cannot capture: the interface has no pollable descriptor");
}

Capture::~Capture() = default;

std::optional<Packet> Capture::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int status = pcap_next_ex(handle_->pcap, &header, &data);
    if (status == 1) {
      const auto time = std::chrono::system_clock::time_point(
          std::chrono::seconds(header->ts.tv_sec) + std::chrono::microseconds(header->ts.tv_usec));
      const std::span frame(reinterpret_cast<const std::byte*>(data), header->caplen);
      if (auto packet = decode_packet(link_, frame, time)) return packet;
      continue;
    }
    if (status < 0)
      throw capture_error(fmt::format("capture ended: {}", pcap_geterr(handle_->pcap)));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{handle_->fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) return std::nullopt;  // a signal: the caller looks at its flags
      throw capture_error(fmt::format("capture ended: {}", std::strerror(errno)));
    }
  }
}

unsigned Capture::dropped() const {
  pcap_stat stats{};
  if (pcap_stats(handle_->pcap, &stats) != 0) return 0;
  return stats.ps_drop;
}

}  // namespace sockit
