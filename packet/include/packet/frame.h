// Frames built from typed headers (the kernel's own structs), layer by
// layer: a transport segment, wrapped in IPv4 or IPv6 (which completes
// its length fields and every checksum), wrapped in Ethernet. For the
// traffic generator, the CLI's crafted packets, tests, difftest and the
// fuzzer's seeds; nothing here makes a system call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

namespace packet {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;
using Ipv4Address = std::array<uint8_t, 4>;
using Ipv6Address = std::array<uint8_t, 16>;

inline constexpr size_t kEthLen = 14;
inline constexpr size_t kIpv4Len = 20;  // without options
inline constexpr size_t kIpv6Len = 40;
inline constexpr size_t kUdpLen = 8;
inline constexpr size_t kTcpLen = 20;   // without options
inline constexpr size_t kIcmpLen = 8;   // an echo's header
inline constexpr Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// A transport segment, header and payload; the IP layer fills in its
// checksum (at csum_at) over the pseudo-header it alone knows.
struct L4 {
  uint8_t proto = 0;
  Bytes bytes;
  std::optional<size_t> csum_at;  // none: carried as it is
};

L4 udp(uint16_t sport, uint16_t dport, const Bytes& payload = {});

struct Tcp {
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint32_t seq = 0;
  uint32_t ack_seq = 0;
  uint8_t flags = 0x02;     // TCP header byte 13: SYN
  uint16_t window = 65535;
  Bytes options;            // a multiple of 4 bytes
};
L4 tcp(const Tcp& tcp, const Bytes& payload = {});

// An echo request: ICMP over IPv4, ICMPv6 over IPv6.
L4 echo_request(bool ipv6, uint16_t id, uint16_t sequence, const Bytes& payload = {});

// Any other protocol's bytes, with no checksum to complete.
L4 raw(uint8_t proto, Bytes bytes);

struct Ipv4 {
  Ipv4Address src{};
  Ipv4Address dst{};
  uint8_t tos = 0;
  uint8_t ttl = 64;
  uint16_t id = 0;
  uint16_t frag_off = 0x4000;  // host order: DF, offset 0
  Bytes options;               // a multiple of 4 bytes, at most 40
};
// The IPv4 packet: total length and header checksum set, the segment's
// checksum completed (UDP's 0 sent as 0xffff, RFC 768).
Bytes ipv4(const Ipv4& ip, L4 l4);

struct Ipv6 {
  Ipv6Address src{};
  Ipv6Address dst{};
  uint8_t traffic_class = 0;
  uint32_t flow_label = 0;
  uint8_t hop_limit = 64;
  // Extension headers, already chained to each other and to the segment;
  // first_ext is the fixed header's next header when there are any.
  Bytes ext;
  uint8_t first_ext = 0;
};
Bytes ipv6(const Ipv6& ip, L4 l4);

// ethertype in host order (ETH_P_IP, ETH_P_IPV6, ...).
Bytes ethernet(const Mac& dst, const Mac& src, uint16_t ethertype, const Bytes& payload);
// An ARP request from src (sender and target addresses zero).
Bytes arp_request(const Mac& src);

// Offsets into a frame that begins with an untagged Ethernet header.
inline constexpr size_t kIpv4CsumAt = kEthLen + 10;

// Recomputes the IPv4 header checksum of a frame (after a test changed
// the header) from its IHL.
void fix_ipv4_checksum(Bytes& frame);
// True if that checksum verifies.
bool ipv4_checksum_ok(const Bytes& frame);

// Text forms.
std::string format_mac(const Mac& mac);
std::optional<Mac> parse_mac(std::string_view text);
std::optional<Ipv4Address> parse_ipv4(std::string_view text);
std::optional<Ipv6Address> parse_ipv6(std::string_view text);
// Hex bytes, per_line to a line.
std::string hex(const Bytes& bytes, size_t per_line = 16);

}  // namespace packet
