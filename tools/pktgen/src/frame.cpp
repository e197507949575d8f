// Building xdp-pktgen's frames: the template of flow 0 and the settings
// that let the BPF program derive every other flow from it.
#include "pktgen/frame.h"

#include <arpa/inet.h>
#include <fmt/core.h>

#include <cstring>

namespace pktgen {
namespace {

constexpr uint32_t kEthLen = 14;
constexpr uint32_t kIpv4Len = 20;
constexpr uint32_t kIpv6Len = 40;
constexpr uint32_t kUdpLen = 8;
constexpr uint32_t kTcpLen = 20;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint32_t kIcmpLen = 8;
constexpr uint32_t kTcpSynSeq = 0x50474e31;  // "PGN1": recognisable in dumps

using Bytes = std::vector<uint8_t>;

uint32_t ip_len(Family f) { return f == Family::ipv4 ? kIpv4Len : kIpv6Len; }
uint32_t l4_len(Proto p) {
  switch (p) {
    case Proto::udp: return kUdpLen;
    case Proto::tcp: return kTcpLen;
    case Proto::icmp: return kIcmpLen;
  }
  return kUdpLen;
}

uint8_t ip_proto(Family f, Proto p) {
  switch (p) {
    case Proto::udp: return kProtoUdp;
    case Proto::tcp: return kProtoTcp;
    case Proto::icmp: return f == Family::ipv4 ? kProtoIcmp : kProtoIcmpv6;
  }
  return kProtoUdp;
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

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

void put32(Bytes& b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<uint16_t>(v));
}

// RFC 1071: the one's complement sum of 16-bit words, not yet complemented.
uint32_t sum16(const uint8_t* data, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += data[i] << 8 | data[i + 1];
  if (len & 1) sum += data[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

uint16_t checksum(const uint8_t* data, size_t len, uint32_t sum = 0) {
  return static_cast<uint16_t>(~sum16(data, len, sum));
}

uint32_t saddr_offset(Family f) { return kEthLen + (f == Family::ipv4 ? 12 : 8); }

// Where what differs between flows lives in the frame: a 16-bit word, or
// the whole destination address.
uint32_t vary_offset(const FrameSpec& s) {
  const Family f = s.src.family;
  switch (s.vary) {
    case Vary::sport: return kEthLen + ip_len(f);
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

// Ethernet, IP and L4 headers and a zero payload; vary's word set for flow;
// every checksum computed from scratch.
Bytes frame_bytes(const FrameSpec& s, uint32_t flow) {
  const Family fam = s.src.family;
  const uint32_t frame_len = s.wire_size - kFcsLen;
  const uint32_t l3 = kEthLen;
  const uint32_t l4 = l3 + ip_len(fam);
  const uint32_t l4_total = frame_len - l4;  // L4 header + payload
  const uint8_t proto = ip_proto(fam, s.proto);
  Bytes b(frame_len, 0);

  std::memcpy(&b[0], s.dst_mac.data(), 6);
  std::memcpy(&b[6], s.src_mac.data(), 6);
  put16(b, 12, fam == Family::ipv4 ? kEtherIpv4 : kEtherIpv6);
  const uint32_t saddr = saddr_offset(fam);
  const uint32_t alen = addr_len(fam);
  std::memcpy(&b[saddr], s.src.bytes.data(), alen);
  std::memcpy(&b[saddr + alen], dst_of(s, flow).bytes.data(), alen);

  if (s.proto == Proto::icmp) {
    // Echo request; the identifier plays the source port (ICMP has none).
    b[l4] = fam == Family::ipv4 ? 8 : 128;
    put16(b, l4 + 4, s.sport);
    put16(b, l4 + 6, 1);  // sequence
  } else {
    put16(b, l4, s.sport);
    put16(b, l4 + 2, s.dport);
  }
  if (s.vary != Vary::dst)
    put16(b, vary_offset(s), static_cast<uint16_t>(vary_base(s) + flow));

  if (fam == Family::ipv4) {
    b[l3] = 0x45;                                  // version 4, 20-byte header
    put16(b, l3 + 2, static_cast<uint16_t>(frame_len - l3));
    put16(b, l3 + 6, 0x4000);                      // DF, so ID 0 is fine (RFC 6864)
    b[l3 + 8] = s.ttl;
    b[l3 + 9] = proto;
    put16(b, l3 + 10, checksum(&b[l3], kIpv4Len));
  } else {
    b[l3] = 0x60;                                  // version 6, no class or label
    put16(b, l3 + 4, static_cast<uint16_t>(l4_total));
    b[l3 + 6] = proto;
    b[l3 + 7] = s.ttl;
  }

  const uint32_t l4_csum_at = l4 + l4_csum_offset(s.proto);
  if (s.proto == Proto::udp) {
    put16(b, l4 + 4, static_cast<uint16_t>(l4_total));
  } else if (s.proto == Proto::tcp) {
    put32(b, l4 + 4, kTcpSynSeq);
    b[l4 + 12] = 5 << 4;                           // 20-byte header
    b[l4 + 13] = 0x02;                             // SYN
    put16(b, l4 + 14, 65535);                      // window
  }
  // Pseudo-header: addresses, protocol, L4 length (not for ICMPv4).
  uint32_t pseudo = 0;
  if (!(s.proto == Proto::icmp && fam == Family::ipv4))
    pseudo = sum16(&b[saddr], 2 * alen) + proto + l4_total;
  uint16_t csum = checksum(&b[l4], l4_total, pseudo);
  if (csum == 0 && s.proto == Proto::udp) csum = 0xffff;  // 0 means "none" in UDP
  put16(b, l4_csum_at, csum);
  return b;
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
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Mac mac{};
  bool ok = text.size() == 17;
  for (size_t i = 0; ok && i < 6; ++i) {
    const int hi = nibble(text[3 * i]), lo = nibble(text[3 * i + 1]);
    ok = hi >= 0 && lo >= 0 && (i == 5 || text[3 * i + 2] == ':');
    mac[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (!ok)
    return common::fail(EINVAL, fmt::format("invalid MAC address \"{}\"", text),
                        "write it as 02:00:00:00:00:01");
  return mac;
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

std::string format_mac(const Mac& m) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3],
                     m[4], m[5]);
}

std::string format_ip(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(ip.family == Family::ipv4 ? AF_INET : AF_INET6, ip.bytes.data(), buf,
            sizeof(buf));
  return buf;
}

}  // namespace pktgen
