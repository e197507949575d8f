// Test tool: one exact frame sent again and again, and what a device
// receives, grouped by content. The same input crossing the router by the
// kernel and by the fast path must come out as the same bytes.
//
//   frames send IFACE DST_MAC SRC DST SPORT DPORT COUNT RATE_PPS
//       COUNT copies of one UDP frame (IPv4 or IPv6 by SRC), from IFACE's
//       own MAC to DST_MAC, RATE_PPS a second
//   frames capture IFACE PORT SECONDS
//       every IPv4/IPv6 UDP frame to or from PORT received on IFACE for
//       SECONDS (SIGTERM ends it early); prints JSON: frames, and distinct
//       contents with their counts
#include <arpa/inet.h>
#include <fmt/core.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "../unit/packet.h"
#include "common/fd.h"
#include "common/packet_socket.h"

namespace {

using Clock = std::chrono::steady_clock;
volatile sig_atomic_t stop_requested = 0;
void on_stop(int) { stop_requested = 1; }

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "frames: {}\n", what);
  std::exit(2);
}

uint32_t ifindex_of(const char* name) {
  const uint32_t i = if_nametoindex(name);
  if (!i) die(fmt::format("no interface {}", name));
  return i;
}

testpkt::Mac mac_of(const char* name) {
  common::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (!fd || ::ioctl(fd.get(), SIOCGIFHWADDR, &ifr) < 0) die(fmt::format("no MAC for {}", name));
  testpkt::Mac m;
  std::memcpy(m.data(), ifr.ifr_hwaddr.sa_data, m.size());
  return m;
}

testpkt::Mac parse_mac(const char* s) {
  if (auto m = packet::parse_mac(s)) return *m;
  die(fmt::format("not a MAC address: {}", s));
}

int send(char** argv) {
  const uint32_t ifindex = ifindex_of(argv[0]);
  const testpkt::Mac dst = parse_mac(argv[1]), src = mac_of(argv[0]);
  const bool v6 = std::strchr(argv[2], ':');
  const auto sport = static_cast<uint16_t>(std::atoi(argv[4]));
  const auto dport = static_cast<uint16_t>(std::atoi(argv[5]));
  const long count = std::atol(argv[6]), rate = std::max(1L, std::atol(argv[7]));
  testpkt::Bytes frame;
  if (v6) {
    testpkt::Ipv6 ip;
    ip.src = argv[2], ip.dst = argv[3], ip.sport = sport, ip.dport = dport, ip.payload = 64;
    frame = testpkt::ipv6_frame(dst, src, ip);
  } else {
    testpkt::Ipv4 ip;
    ip.src = argv[2], ip.dst = argv[3], ip.sport = sport, ip.dport = dport, ip.payload = 64;
    frame = testpkt::ipv4_frame(dst, src, ip);
  }
  auto fd = common::packet_socket(ifindex);
  if (!fd) die(fd.error().message());
  const auto t0 = Clock::now();
  for (long i = 0; i < count; ++i) {
    std::this_thread::sleep_until(t0 + std::chrono::nanoseconds(i * 1'000'000'000L / rate));
    if (::send(fd->get(), frame.data(), frame.size(), 0) < 0) die("cannot send");
  }
  return 0;
}

// The UDP ports of an IPv4 or IPv6 frame without options or extensions.
bool udp_with_port(const uint8_t* f, size_t len, uint16_t port) {
  if (len < 14) return false;
  const uint16_t type = static_cast<uint16_t>(f[12] << 8 | f[13]);
  size_t l4 = 0;
  if (type == ETH_P_IP && len >= 34 && (f[14] & 0x0f) == 5 && f[23] == 17) l4 = 34;
  if (type == ETH_P_IPV6 && len >= 54 && f[20] == 17) l4 = 54;
  if (!l4 || len < l4 + 8) return false;
  const uint16_t s = static_cast<uint16_t>(f[l4] << 8 | f[l4 + 1]);
  const uint16_t d = static_cast<uint16_t>(f[l4 + 2] << 8 | f[l4 + 3]);
  return s == port || d == port;
}

int capture(char** argv) {
  signal(SIGTERM, on_stop);
  const uint32_t ifindex = ifindex_of(argv[0]);
  const auto port = static_cast<uint16_t>(std::atoi(argv[1]));
  const auto deadline = Clock::now() + std::chrono::seconds(std::atoi(argv[2]));
  common::UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0)
    die("cannot open a capture socket");
  int buf = 16 << 20;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
  std::map<std::string, uint64_t> distinct;
  uint64_t frames = 0;
  fmt::print("ready\n");
  std::fflush(stdout);
  while (!stop_requested && Clock::now() < deadline) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    uint8_t f[2048];
    sockaddr_ll from{};
    socklen_t fl = sizeof(from);
    const ssize_t n = ::recvfrom(fd.get(), f, sizeof(f), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &fl);
    if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) continue;
    if (!udp_with_port(f, static_cast<size_t>(n), port)) continue;
    ++frames;
    ++distinct[testpkt::hex(testpkt::Bytes(f, f + n))];
  }
  nlohmann::json out{{"frames", frames}, {"distinct", nlohmann::json::array()}};
  for (const auto& [hex, count] : distinct)
    out["distinct"].push_back({{"hex", hex}, {"count", count}});
  fmt::print("{}\n", out.dump());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 10 && std::string(argv[1]) == "send") return send(argv + 2);
  if (argc == 5 && std::string(argv[1]) == "capture") return capture(argv + 2);
  fmt::print(stderr,
             "usage: frames send IFACE DST_MAC SRC DST SPORT DPORT COUNT RATE_PPS\n"
             "       frames capture IFACE PORT SECONDS\n");
  return 2;
}
