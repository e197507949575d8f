// Frames for tests, built from scratch so checksums are computed
// independently of the code under test.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace testpkt {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

constexpr size_t kEthLen = 14;
constexpr size_t kIpv4Len = 20;
constexpr size_t kIpv6Len = 40;

struct Ipv4 {
  std::string src = "10.1.0.2";
  std::string dst = "10.2.0.2";
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint8_t proto = 17;          // UDP
  uint8_t version = 4;
  uint8_t ihl = 5;             // > 5 adds NOP options
  uint16_t frag_off = 0x4000;  // DF
  uint16_t id = 0x1234;
  uint16_t sport = 1234;
  uint16_t dport = 5678;
  size_t payload = 18;         // bytes after the L4 header
};

struct Ipv6 {
  std::string src = "fd01::2";
  std::string dst = "fd02::2";
  uint8_t hop_limit = 64;
  uint8_t nexthdr = 17;        // UDP
  uint8_t version = 6;
  uint32_t flow_label = 0;
  uint16_t sport = 1234;
  uint16_t dport = 5678;
  size_t payload = 18;
};

// RFC 1071 checksum over bytes, folded and complemented.
uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t sum = 0);

Bytes ipv4_frame(const Mac& dst, const Mac& src, const Ipv4& ip);
Bytes ipv6_frame(const Mac& dst, const Mac& src, const Ipv6& ip);
Bytes arp_frame(const Mac& src);

// True if the IPv4 header checksum of a frame verifies from scratch.
bool ipv4_checksum_ok(const Bytes& frame);

std::string hex(const Bytes& b);

}  // namespace testpkt
