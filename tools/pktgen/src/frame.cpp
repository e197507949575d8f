// Building xdp-pktgen's frames: the template of flow 0 and the settings
// that let the BPF program derive every other flow from it.
#include "pktgen/frame.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include <cstring>

#include "packet/frame.h"

namespace pktgen {
namespace {

using packet::kEthLen;
using packet::kIpv4Len;
using packet::kIpv6Len;
using packet::kTcpLen;
constexpr uint32_t kTcpSynSeq = 0x50474e31;  // "PGN1": recognisable in dumps

using Bytes = std::vector<uint8_t>;

uint32_t ip_len(Family f) { return f == Family::ipv4 ? kIpv4Len : kIpv6Len; }
uint32_t l4_len(Proto p) {
  switch (p) {
    case Proto::udp: return packet::kUdpLen;
    case Proto::tcp: return packet::kTcpLen;
    case Proto::icmp: return packet::kIcmpLen;
  }
  return packet::kUdpLen;
}

// Where the L4 checksum sits in its header.
uint32_t l4_csum_offset(Proto p) {
  switch (p) {
    case Proto::udp: return 6;
    case Proto::tcp: return 16;
    case Proto::icmp: return 2;
  }
  return 6;
}
uint32_t addr_len(Family f) { return f == Family::ipv4 ? 4 : 16; }

uint32_t saddr_offset(Family f) { return kEthLen + (f == Family::ipv4 ? 12 : 8); }

// Where what differs between flows lives in the frame: a 16-bit word, or
// the whole destination address.
uint32_t vary_offset(const FrameSpec& s) {
  const Family f = s.src.family;
  switch (s.vary) {
    case Vary::sport:  // an echo's identifier plays the source port
      return kEthLen + ip_len(f) + (s.proto == Proto::icmp ? 4 : 0);
    case Vary::src: return saddr_offset(f) + addr_len(f) - 2;  // its last 16 bits
    case Vary::dst: return saddr_offset(f) + addr_len(f);
  }
  return 0;
}

const IpAddress& dst_of(const FrameSpec& s, uint32_t flow) {
  return s.vary == Vary::dst ? s.dsts.at(flow) : s.dst;
}

uint16_t vary_base(const FrameSpec& s) {
  if (s.vary == Vary::sport) return s.sport;
  if (s.vary == Vary::dst) return 0;  // the flow is an index into dsts
  const size_t n = addr_len(s.src.family);
  return static_cast<uint16_t>(s.src.bytes[n - 2] << 8 | s.src.bytes[n - 1]);
}

// The destinations of Vary::dst: as many as the flows, one family.
Result<void> validate_dsts(const FrameSpec& s) {
  if (s.dsts.empty()) return common::fail(EINVAL, "vary dst needs destinations (dst-file)");
  if (s.dsts.size() > PG_MAX_FLOWS)
    return common::fail(EINVAL, fmt::format("{} destinations; at most {}", s.dsts.size(),
                                            PG_MAX_FLOWS));
  if (s.flows > s.dsts.size())
    return common::fail(EINVAL, fmt::format("flows {} exceed the {} destinations", s.flows,
                                            s.dsts.size()));
  for (const IpAddress& d : s.dsts)
    if (d.family != s.src.family)
      return common::fail(EINVAL, fmt::format("src {} and dst {} mix IPv4 and IPv6",
                                              format_ip(s.src), format_ip(d)));
  return {};
}

Result<void> validate(const FrameSpec& s) {
  if (s.vary == Vary::dst)
    if (auto ok = validate_dsts(s); !ok) return ok;
  if (s.src.family != dst_of(s, 0).family)
    return common::fail(EINVAL, fmt::format("src {} and dst {} mix IPv4 and IPv6",
                                            format_ip(s.src), format_ip(dst_of(s, 0))));
  const uint32_t min = min_wire_size(s.src.family, s.proto);
  if (s.wire_size < min || s.wire_size > kMaxWireSize)
    return common::fail(
        EINVAL,
        fmt::format("size {} out of range {}-{} for {} {}", s.wire_size, min, kMaxWireSize,
                    to_string(s.src.family), to_string(s.proto)),
        "size counts the frame on the wire with its 4-byte FCS (64 = a 60-byte frame)");
  if (s.flows < 1 || s.flows > PG_MAX_FLOWS)
    return common::fail(EINVAL, fmt::format("flows {} out of range 1-{}", s.flows,
                                            PG_MAX_FLOWS));
  const uint32_t last = vary_base(s) + s.flows - 1;
  if (last > 0xffff) {
    if (s.vary == Vary::sport)
      return common::fail(EINVAL,
                          fmt::format("flows {} from sport {} pass port 65535", s.flows,
                                      s.sport),
                          "use a lower sport");
    return common::fail(EINVAL,
                        fmt::format("flows {} from src {} overflow its last 16 bits",
                                    s.flows, format_ip(s.src)),
                        "use a source address with lower last 16 bits");
  }
  return {};
}

// Ethernet, IP and L4 headers and a zero payload, with vary's word set for
// flow; every checksum computed from scratch.
Bytes frame_bytes(const FrameSpec& s, uint32_t flow) {
  const Family fam = s.src.family;
  const bool v6 = fam == Family::ipv6;
  const auto word = static_cast<uint16_t>(vary_base(s) + flow);
  uint16_t sport = s.sport;
  IpAddress src = s.src;
  if (s.vary == Vary::sport) sport = word;
  if (s.vary == Vary::src) {
    const size_t n = addr_len(fam);
    src.bytes[n - 2] = static_cast<uint8_t>(word >> 8);
    src.bytes[n - 1] = static_cast<uint8_t>(word);
  }
  const IpAddress& dst = dst_of(s, flow);
  const Bytes payload(s.wire_size - kFcsLen - header_len(fam, s.proto), 0);
  packet::L4 l4 = s.proto == Proto::udp ? packet::udp(sport, s.dport, payload)
                  : s.proto == Proto::tcp
                      ? packet::tcp({.sport = sport, .dport = s.dport, .seq = kTcpSynSeq}, payload)
                      : packet::echo_request(v6, sport, 1, payload);
  Bytes ip;
  if (v6) {
    packet::Ipv6 h;
    std::memcpy(h.src.data(), src.bytes.data(), 16);
    std::memcpy(h.dst.data(), dst.bytes.data(), 16);
    h.hop_limit = s.ttl;
    ip = packet::ipv6(h, std::move(l4));
  } else {
    packet::Ipv4 h;  // DF, so ID 0 is fine (RFC 6864)
    std::memcpy(h.src.data(), src.bytes.data(), 4);
    std::memcpy(h.dst.data(), dst.bytes.data(), 4);
    h.ttl = s.ttl;
    ip = packet::ipv4(h, std::move(l4));
  }
  return packet::ethernet(s.dst_mac, s.src_mac, v6 ? ETH_P_IPV6 : ETH_P_IP, ip);
}

}  // namespace

uint32_t header_len(Family family, Proto proto) {
  return kEthLen + ip_len(family) + l4_len(proto);
}

uint32_t min_wire_size(Family family, Proto proto) {
  return std::max(kMinWireSize, header_len(family, proto) + kFcsLen);
}

std::string_view to_string(Family f) { return f == Family::ipv4 ? "IPv4" : "IPv6"; }
std::string_view to_string(Proto p) {
  switch (p) {
    case Proto::udp: return "UDP";
    case Proto::tcp: return "TCP SYN";
    case Proto::icmp: return "ICMP echo";
  }
  return "?";
}
std::string_view to_string(Vary v) {
  switch (v) {
    case Vary::sport: return "sport";
    case Vary::src: return "src";
    case Vary::dst: return "dst";
  }
  return "?";
}

Result<Template> build_template(const FrameSpec& spec) {
  if (auto ok = validate(spec); !ok) return std::unexpected(ok.error());
  Template t;
  t.frame = frame_bytes(spec, 0);
  pg_settings& st = t.settings;
  const uint32_t hlen = header_len(spec.src.family, spec.proto);
  static_assert(sizeof(st.hdr) >= kEthLen + kIpv6Len + kTcpLen);
  std::memcpy(st.hdr, t.frame.data(), hlen);
  st.hdr_len = hlen;
  st.flows = spec.flows;
  st.vary_off = static_cast<uint16_t>(vary_offset(spec));
  const bool in_ipv4_header = spec.src.family == Family::ipv4 && spec.vary != Vary::sport;
  st.ip_csum_off = in_ipv4_header ? kEthLen + 10 : 0;
  const uint32_t l4 = kEthLen + ip_len(spec.src.family);
  st.l4_csum_off = static_cast<uint16_t>(l4 + l4_csum_offset(spec.proto));
  st.l4_udp = spec.proto == Proto::udp;
  if (spec.vary == Vary::dst) {
    // Each flow's frame from scratch: its address and checksums are what
    // the program copies in.
    st.dst_len = static_cast<uint16_t>(addr_len(spec.src.family));
    t.dsts.resize(spec.flows);
    for (uint32_t flow = 0; flow < spec.flows; ++flow) {
      const Bytes f = frame_bytes(spec, flow);
      pg_dst& d = t.dsts[flow];
      std::memcpy(d.addr, &f[st.vary_off], st.dst_len);
      if (st.ip_csum_off) std::memcpy(&d.ip_csum, &f[st.ip_csum_off], 2);
      std::memcpy(&d.l4_csum, &f[st.l4_csum_off], 2);
    }
  }
  return t;
}

std::vector<uint8_t> build_frame(const FrameSpec& spec, uint32_t flow) {
  return frame_bytes(spec, flow);
}

Result<Mac> parse_mac(std::string_view text) {
  if (auto mac = packet::parse_mac(text)) return *mac;
  return common::fail(EINVAL, fmt::format("invalid MAC address \"{}\"", text),
                      "write it as 02:00:00:00:00:01");
}

Result<IpAddress> parse_ip(std::string_view text) {
  const std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = Family::ipv4;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = Family::ipv6;
    return ip;
  }
  return common::fail(EINVAL, fmt::format("invalid IP address \"{}\"", text));
}

std::string format_ip(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(ip.family == Family::ipv4 ? AF_INET : AF_INET6, ip.bytes.data(), buf,
            sizeof(buf));
  return buf;
}

}  // namespace pktgen
