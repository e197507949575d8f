// Test frames from a few named fields, with defaults every test shares:
// fixtures over the packet library, which builds them from scratch so
// checksums are computed independently of the code under test.
#pragma once

#include <cstdint>
#include <string>

#include "packet/frame.h"

namespace testpkt {

using packet::Bytes;
using packet::hex;
using packet::kEthLen;
using packet::kIpv4Len;
using packet::kIpv6Len;
using packet::Mac;

struct Ipv4 {
  std::string src = "10.1.0.2";
  std::string dst = "10.2.0.2";
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint8_t proto = 17;          // UDP; 6 TCP (no flags), 1 an echo request
  uint8_t version = 4;         // another: a malformed header, checksum still right
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
  uint8_t nexthdr = 17;        // UDP; any other: its bytes follow unparsed
  uint8_t version = 6;
  uint32_t flow_label = 0;
  uint16_t sport = 1234;
  uint16_t dport = 5678;
  size_t payload = 18;
};

Bytes ipv4_frame(const Mac& dst, const Mac& src, const Ipv4& ip);
Bytes ipv6_frame(const Mac& dst, const Mac& src, const Ipv6& ip);
inline Bytes arp_frame(const Mac& src) { return packet::arp_request(src); }

}  // namespace testpkt
