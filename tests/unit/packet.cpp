// The fixtures' fields in the packet library's terms.
#include "packet.h"

#include <linux/if_ether.h>
#include <netinet/in.h>

#include <stdexcept>

namespace testpkt {
namespace {

Bytes pattern(size_t n) {
  Bytes p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i);
  return p;
}

template <typename Address>
Address parse(const std::optional<Address>& a, const std::string& text) {
  if (!a) throw std::invalid_argument("bad address " + text);
  return *a;
}

// The transport: UDP, a flagless TCP header, an echo request, or for any
// other protocol eight bytes that carry the ports where UDP has them.
packet::L4 transport(uint8_t proto, bool ipv6, uint16_t sport, uint16_t dport, size_t payload) {
  const Bytes data = pattern(payload);
  if (proto == IPPROTO_UDP) return packet::udp(sport, dport, data);
  if (proto == IPPROTO_TCP) return packet::tcp({.sport = sport, .dport = dport, .flags = 0}, data);
  if (proto == (ipv6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP}))
    return packet::echo_request(ipv6, sport, 1, data);
  packet::L4 l4 = packet::udp(sport, dport, data);
  return packet::raw(proto, std::move(l4.bytes));
}

}  // namespace

Bytes ipv4_frame(const Mac& dst, const Mac& src, const Ipv4& ip) {
  const packet::Ipv4 h{.src = parse(packet::parse_ipv4(ip.src), ip.src),
                       .dst = parse(packet::parse_ipv4(ip.dst), ip.dst),
                       .tos = ip.tos,
                       .ttl = ip.ttl,
                       .id = ip.id,
                       .frag_off = ip.frag_off,
                       .options = Bytes((ip.ihl - 5u) * 4u, 1)};  // NOPs
  Bytes b = packet::ethernet(
      dst, src, ETH_P_IP,
      packet::ipv4(h, transport(ip.proto, false, ip.sport, ip.dport, ip.payload)));
  if (ip.version != 4) {
    b[kEthLen] = static_cast<uint8_t>(ip.version << 4 | (b[kEthLen] & 0x0f));
    packet::fix_ipv4_checksum(b);
  }
  return b;
}

Bytes ipv6_frame(const Mac& dst, const Mac& src, const Ipv6& ip) {
  const packet::Ipv6 h{.src = parse(packet::parse_ipv6(ip.src), ip.src),
                       .dst = parse(packet::parse_ipv6(ip.dst), ip.dst),
                       .flow_label = ip.flow_label,
                       .hop_limit = ip.hop_limit};
  Bytes b = packet::ethernet(
      dst, src, ETH_P_IPV6,
      packet::ipv6(h, transport(ip.nexthdr, true, ip.sport, ip.dport, ip.payload)));
  b[kEthLen] = static_cast<uint8_t>(ip.version << 4 | (b[kEthLen] & 0x0f));
  return b;
}

}  // namespace testpkt
