// Frames from the kernel's header structs, checksums from scratch.
#include "packet/frame.h"

// glibc's netinet/in.h before the kernel's headers: it tells them which
// definitions it already made.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include <fmt/core.h>

#include <cstring>
#include <stdexcept>

#include "packet/checksum.h"

namespace packet {
namespace {

template <typename Header>
void append(Bytes& out, const Header& h) {
  const auto* p = reinterpret_cast<const uint8_t*>(&h);
  out.insert(out.end(), p, p + sizeof(h));
}

void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

L4 segment(uint8_t proto, Bytes header, const Bytes& payload, size_t csum_at) {
  append(header, payload);
  return {proto, std::move(header), csum_at};
}

template <typename Header>
Bytes bytes_of(const Header& h) {
  Bytes b;
  append(b, h);
  return b;
}

// Completes the segment's checksum over the pseudo-header sum given
// (none for ICMPv4).
void complete(L4& l4, uint32_t pseudo) {
  if (!l4.csum_at) return;
  pkt_put16(&l4.bytes[*l4.csum_at], 0);
  uint16_t csum = pkt_csum(l4.bytes.data(), l4.bytes.size(), pseudo);
  if (csum == 0 && l4.proto == IPPROTO_UDP) csum = 0xffff;  // 0 means "none"
  pkt_put16(&l4.bytes[*l4.csum_at], csum);
}

uint32_t pseudo_sum(const uint8_t* addrs, size_t addrs_len, uint8_t proto, size_t l4_len) {
  return pkt_sum(addrs, addrs_len, 0) + proto + static_cast<uint32_t>(l4_len);
}

template <size_t N>
std::optional<std::array<uint8_t, N>> parse_addr(int family, std::string_view text) {
  std::array<uint8_t, N> out{};
  if (inet_pton(family, std::string(text).c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

}  // namespace

L4 udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  udphdr h{};
  h.source = htons(sport);
  h.dest = htons(dport);
  h.len = htons(static_cast<uint16_t>(sizeof(h) + payload.size()));
  return segment(IPPROTO_UDP, bytes_of(h), payload, offsetof(udphdr, check));
}

L4 tcp(const Tcp& t, const Bytes& payload) {
  if (t.options.size() % 4 || t.options.size() > 40)
    throw std::invalid_argument("TCP options must be whole words, at most 40 bytes");
  tcphdr h{};
  h.source = htons(t.sport);
  h.dest = htons(t.dport);
  h.seq = htonl(t.seq);
  h.ack_seq = htonl(t.ack_seq);
  h.doff = static_cast<uint16_t>((sizeof(h) + t.options.size()) / 4);
  h.fin = t.flags & 0x01;
  h.syn = (t.flags >> 1) & 1;
  h.rst = (t.flags >> 2) & 1;
  h.psh = (t.flags >> 3) & 1;
  h.ack = (t.flags >> 4) & 1;
  h.urg = (t.flags >> 5) & 1;
  h.ece = (t.flags >> 6) & 1;
  h.cwr = (t.flags >> 7) & 1;
  h.window = htons(t.window);
  Bytes header = bytes_of(h);
  append(header, t.options);
  return segment(IPPROTO_TCP, std::move(header), payload, offsetof(tcphdr, check));
}

L4 echo_request(bool ipv6, uint16_t id, uint16_t sequence, const Bytes& payload) {
  if (ipv6) {
    icmp6hdr h{};
    h.icmp6_type = ICMPV6_ECHO_REQUEST;
    h.icmp6_identifier = htons(id);
    h.icmp6_sequence = htons(sequence);
    return segment(IPPROTO_ICMPV6, bytes_of(h), payload, offsetof(icmp6hdr, icmp6_cksum));
  }
  icmphdr h{};
  h.type = ICMP_ECHO;
  h.un.echo.id = htons(id);
  h.un.echo.sequence = htons(sequence);
  return segment(IPPROTO_ICMP, bytes_of(h), payload, offsetof(icmphdr, checksum));
}

L4 raw(uint8_t proto, Bytes bytes) { return {proto, std::move(bytes), std::nullopt}; }

Bytes ipv4(const Ipv4& ip, L4 l4) {
  if (ip.options.size() % 4 || ip.options.size() > 40)
    throw std::invalid_argument("IPv4 options must be whole words, at most 40 bytes");
  iphdr h{};
  const size_t hlen = sizeof(h) + ip.options.size();
  h.version = 4;
  h.ihl = static_cast<uint8_t>(hlen / 4);
  h.tos = ip.tos;
  h.tot_len = htons(static_cast<uint16_t>(hlen + l4.bytes.size()));
  h.id = htons(ip.id);
  h.frag_off = htons(ip.frag_off);
  h.ttl = ip.ttl;
  h.protocol = l4.proto;
  std::memcpy(&h.saddr, ip.src.data(), 4);
  std::memcpy(&h.daddr, ip.dst.data(), 4);
  Bytes out = bytes_of(h);
  append(out, ip.options);
  pkt_put16(&out[offsetof(iphdr, check)], pkt_csum(out.data(), hlen, 0));
  // ICMP has no pseudo-header.
  const uint32_t pseudo =
      l4.proto == IPPROTO_ICMP
          ? 0
          : pseudo_sum(&out[offsetof(iphdr, saddr)], 8, l4.proto, l4.bytes.size());
  complete(l4, pseudo);
  append(out, l4.bytes);
  return out;
}

Bytes ipv6(const Ipv6& ip, L4 l4) {
  ipv6hdr h{};
  const uint32_t first = 6u << 28 | static_cast<uint32_t>(ip.traffic_class) << 20 |
                         (ip.flow_label & 0xfffff);
  const uint32_t first_be = htonl(first);
  std::memcpy(&h, &first_be, sizeof(first_be));  // version, class, label
  h.payload_len = htons(static_cast<uint16_t>(ip.ext.size() + l4.bytes.size()));
  h.nexthdr = ip.ext.empty() ? l4.proto : ip.first_ext;
  h.hop_limit = ip.hop_limit;
  std::memcpy(&h.saddr, ip.src.data(), 16);
  std::memcpy(&h.daddr, ip.dst.data(), 16);
  Bytes out = bytes_of(h);
  complete(l4, pseudo_sum(&out[offsetof(ipv6hdr, saddr)], 32, l4.proto, l4.bytes.size()));
  append(out, ip.ext);
  append(out, l4.bytes);
  return out;
}

Bytes ethernet(const Mac& dst, const Mac& src, uint16_t ethertype, const Bytes& payload) {
  ethhdr h{};
  std::memcpy(h.h_dest, dst.data(), ETH_ALEN);
  std::memcpy(h.h_source, src.data(), ETH_ALEN);
  h.h_proto = htons(ethertype);
  Bytes out = bytes_of(h);
  append(out, payload);
  return out;
}

Bytes arp_request(const Mac& src) {
  arphdr h{};
  h.ar_hrd = htons(ARPHRD_ETHER);
  h.ar_pro = htons(ETH_P_IP);
  h.ar_hln = ETH_ALEN;
  h.ar_pln = 4;
  h.ar_op = htons(ARPOP_REQUEST);
  Bytes body = bytes_of(h);
  body.resize(body.size() + 2 * (ETH_ALEN + 4));  // addresses, zero
  std::memcpy(&body[sizeof(h)], src.data(), ETH_ALEN);
  return ethernet(kBroadcast, src, ETH_P_ARP, body);
}

void fix_ipv4_checksum(Bytes& frame) {
  const size_t hlen = (frame.at(kEthLen) & 0xf) * 4u;
  pkt_put16(&frame.at(kIpv4CsumAt), 0);
  pkt_put16(&frame.at(kIpv4CsumAt), pkt_csum(&frame.at(kEthLen), hlen, 0));
}

bool ipv4_checksum_ok(const Bytes& frame) {
  const size_t hlen = (frame.at(kEthLen) & 0xf) * 4u;
  return frame.size() >= kEthLen + hlen && pkt_csum(&frame[kEthLen], hlen, 0) == 0;
}

std::string format_mac(const Mac& mac) {
  char buf[PKT_MAC_TEXT];
  return pkt_format_mac(buf, mac.data());
}

std::optional<Mac> parse_mac(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() != 17) return std::nullopt;
  Mac mac{};
  for (size_t i = 0; i < mac.size(); ++i) {
    const int hi = nibble(text[3 * i]), lo = nibble(text[3 * i + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[3 * i + 2] != ':')) return std::nullopt;
    mac[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return mac;
}

std::optional<Ipv4Address> parse_ipv4(std::string_view text) {
  return parse_addr<4>(AF_INET, text);
}

std::optional<Ipv6Address> parse_ipv6(std::string_view text) {
  return parse_addr<16>(AF_INET6, text);
}

std::string hex(const Bytes& bytes, size_t per_line) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i)
    out += fmt::format("{:02x}{}", bytes[i], (i + 1) % per_line == 0 ? "\n" : " ");
  return out;
}

}  // namespace packet
