// The frames xdp-pktgen sends, as values: what the user asked for, and the
// template frame plus BPF settings built from it. No system calls here.
#pragma once

#include <linux/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "packet/frame.h"
#include "pktgen/abi.h"

namespace pktgen {

using common::Result;
using packet::format_mac;
using packet::Mac;

enum class Family { ipv4, ipv6 };
enum class Proto { udp, tcp, icmp };  // tcp: SYN segments; icmp: echo requests
enum class Vary { sport, src, dst };  // what differs between flows

struct IpAddress {
  Family family = Family::ipv4;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
};

// Sizes count the frame on the wire including its 4-byte FCS, as RFC 2544
// benchmarks do: "64-byte frames" are 60 bytes in memory.
inline constexpr uint32_t kFcsLen = 4;
inline constexpr uint32_t kMinWireSize = 64;
inline constexpr uint32_t kMaxWireSize = 1518;  // a 1500-byte MTU

struct FrameSpec {
  Mac src_mac{};
  Mac dst_mac{};
  IpAddress src;
  IpAddress dst;
  Proto proto = Proto::udp;
  uint16_t sport = 1024;
  uint16_t dport = 9;                // discard
  uint8_t ttl = 64;
  uint32_t wire_size = kMinWireSize;  // including the FCS
  uint32_t flows = 1;
  Vary vary = Vary::sport;
  // Vary::dst: flow i goes to dsts[i] (dst is dsts[0], for messages).
  std::vector<IpAddress> dsts;
};

// Ethernet + IP + L4 header bytes for the family and protocol.
uint32_t header_len(Family family, Proto proto);
// The smallest wire size that holds those headers (and is >= 64).
uint32_t min_wire_size(Family family, Proto proto);
std::string_view to_string(Family family);
std::string_view to_string(Proto proto);
std::string_view to_string(Vary vary);

struct Template {
  std::vector<uint8_t> frame;  // flow 0, wire_size - FCS bytes
  pg_settings settings{};      // all but ifindex and netns_cookie
  std::vector<pg_dst> dsts;    // Vary::dst: map "dsts", one per flow
};

// Checks the spec (sizes, families, flow ranges) and builds flow 0's
// frame, every checksum complete, and the settings the BPF program needs
// to turn it into any other flow.
Result<Template> build_template(const FrameSpec& spec);

// The frame of one flow, built from scratch (checksums included): what the
// BPF program must produce. For tests, for explaining a flow, and for a
// packet socket to send.
std::vector<uint8_t> build_frame(const FrameSpec& spec, uint32_t flow);

// Text forms: 02:00:00:00:00:01, 10.0.0.1, fd00::1.
Result<Mac> parse_mac(std::string_view text);
Result<IpAddress> parse_ip(std::string_view text);
std::string format_ip(const IpAddress& ip);

}  // namespace pktgen
