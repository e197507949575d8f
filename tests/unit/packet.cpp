// Building test frames byte by byte.
#include "packet.h"

#include <arpa/inet.h>
#include <fmt/core.h>

#include <stdexcept>

namespace testpkt {
namespace {

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = v >> 8;
  b[at + 1] = v & 0xff;
}

void put_eth(Bytes& b, const Mac& dst, const Mac& src, uint16_t proto) {
  std::copy(dst.begin(), dst.end(), b.begin());
  std::copy(src.begin(), src.end(), b.begin() + 6);
  put16(b, 12, proto);
}

void put_addr(Bytes& b, size_t at, int family, const std::string& text) {
  uint8_t buf[16];
  if (inet_pton(family, text.c_str(), buf) != 1)
    throw std::invalid_argument("bad address " + text);
  std::copy(buf, buf + (family == AF_INET ? 4 : 16), b.begin() + at);
}

}  // namespace

uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (len & 1) sum += data[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Bytes ipv4_frame(const Mac& dst, const Mac& src, const Ipv4& ip) {
  const size_t hlen = ip.ihl * 4u;
  const size_t l4 = ip.proto == 6 ? 20 : 8;
  Bytes b(kEthLen + hlen + l4 + ip.payload, 0);
  put_eth(b, dst, src, 0x0800);
  uint8_t* h = b.data() + kEthLen;
  h[0] = static_cast<uint8_t>(ip.version << 4 | (ip.ihl & 0xf));
  h[1] = ip.tos;
  put16(b, kEthLen + 2, static_cast<uint16_t>(hlen + l4 + ip.payload));
  put16(b, kEthLen + 4, ip.id);
  put16(b, kEthLen + 6, ip.frag_off);
  h[8] = ip.ttl;
  h[9] = ip.proto;
  put_addr(b, kEthLen + 12, AF_INET, ip.src);
  put_addr(b, kEthLen + 16, AF_INET, ip.dst);
  for (size_t i = kIpv4Len; i < hlen; ++i) h[i] = 1;  // NOP options
  put16(b, kEthLen + 10, inet_checksum(h, hlen));
  const size_t l4_at = kEthLen + hlen;
  put16(b, l4_at, ip.sport);
  put16(b, l4_at + 2, ip.dport);
  if (ip.proto == 17) put16(b, l4_at + 4, static_cast<uint16_t>(l4 + ip.payload));
  if (ip.proto == 6) b[l4_at + 12] = 5 << 4;
  for (size_t i = 0; i < ip.payload; ++i) b[l4_at + l4 + i] = static_cast<uint8_t>(i);
  return b;
}

Bytes ipv6_frame(const Mac& dst, const Mac& src, const Ipv6& ip) {
  const size_t l4 = 8;
  Bytes b(kEthLen + kIpv6Len + l4 + ip.payload, 0);
  put_eth(b, dst, src, 0x86dd);
  uint8_t* h = b.data() + kEthLen;
  const uint32_t first = static_cast<uint32_t>(ip.version) << 28 | (ip.flow_label & 0xfffff);
  h[0] = first >> 24;
  h[1] = (first >> 16) & 0xff;
  h[2] = (first >> 8) & 0xff;
  h[3] = first & 0xff;
  put16(b, kEthLen + 4, static_cast<uint16_t>(l4 + ip.payload));
  h[6] = ip.nexthdr;
  h[7] = ip.hop_limit;
  put_addr(b, kEthLen + 8, AF_INET6, ip.src);
  put_addr(b, kEthLen + 24, AF_INET6, ip.dst);
  const size_t l4_at = kEthLen + kIpv6Len;
  put16(b, l4_at, ip.sport);
  put16(b, l4_at + 2, ip.dport);
  put16(b, l4_at + 4, static_cast<uint16_t>(l4 + ip.payload));
  for (size_t i = 0; i < ip.payload; ++i) b[l4_at + l4 + i] = static_cast<uint8_t>(i);
  // UDP checksum over the pseudo-header, mandatory in IPv6.
  uint32_t sum = 0;
  for (size_t i = 8; i < 40; i += 2) sum += (h[i] << 8) | h[i + 1];
  sum += static_cast<uint32_t>(l4 + ip.payload) + ip.nexthdr;
  put16(b, l4_at + 6, inet_checksum(b.data() + l4_at, l4 + ip.payload, sum));
  return b;
}

Bytes arp_frame(const Mac& src) {
  Bytes b(42, 0);
  put_eth(b, Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, src, 0x0806);
  put16(b, 14, 1);       // Ethernet
  put16(b, 16, 0x0800);  // IPv4
  b[18] = 6;
  b[19] = 4;
  put16(b, 20, 1);  // request
  return b;
}

bool ipv4_checksum_ok(const Bytes& frame) {
  const size_t hlen = (frame[kEthLen] & 0xf) * 4u;
  return inet_checksum(frame.data() + kEthLen, hlen) == 0;
}

std::string hex(const Bytes& b) {
  std::string out;
  for (size_t i = 0; i < b.size(); ++i)
    out += fmt::format("{:02x}{}", b[i], (i + 1) % 16 == 0 ? "\n" : " ");
  return out;
}

}  // namespace testpkt
