// Seed frames for the fuzzer: valid IPv4/IPv6 UDP, TCP and ICMP into every
// route of topology.h, with options and extension headers, around the MTUs
// and beyond a page, plus the non-IP and wrongly addressed frames the fast
// path hands up. Built byte by byte, checksums from scratch.
#include <arpa/inet.h>
#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "router.h"
#include "topology.h"

namespace {

using Bytes = std::vector<uint8_t>;
using namespace fuzzworld;

enum : uint8_t { kHopByHop = 0, kIcmp = 1, kTcp = 6, kUdp = 17, kRouting = 43,
                 kFragment = 44, kIcmp6 = 58, kNoNext = 59, kDestOpts = 60 };

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

uint32_t sum16(const uint8_t* p, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (len & 1) sum += p[len - 1] << 8;
  return sum;
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Bytes addr(int family, const char* text) {
  Bytes b(family == AF_INET ? 4 : 16);
  if (inet_pton(family, text, b.data()) != 1) throw std::invalid_argument(text);
  return b;
}

Bytes mac(const char* text) {
  unsigned v[6];
  std::sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
  return {Bytes::value_type(v[0]), Bytes::value_type(v[1]), Bytes::value_type(v[2]),
          Bytes::value_type(v[3]), Bytes::value_type(v[4]), Bytes::value_type(v[5])};
}

// An L4 segment; its checksum field is filled in by the IP builders.
struct L4 {
  uint8_t proto;
  Bytes bytes;
  size_t csum_at;  // offset of the checksum field
};

Bytes pattern(size_t n) {
  Bytes p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i * 7 + 1);
  return p;
}

L4 udp(uint16_t sport, uint16_t dport, size_t payload) {
  Bytes b(8);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, static_cast<uint16_t>(8 + payload));
  const Bytes p = pattern(payload);
  b.insert(b.end(), p.begin(), p.end());
  return {kUdp, b, 6};
}

// A SYN with MSS, SACK-permitted, timestamps and window scale.
L4 tcp(uint16_t sport, uint16_t dport, size_t payload) {
  Bytes b(20);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, 0x1234);
  b[12] = 10 << 4;  // 40 bytes with options
  b[13] = payload ? 0x18 : 0x02;
  put16(b, 14, 64240);
  const uint8_t opts[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  b.insert(b.end(), opts, opts + sizeof(opts));
  const Bytes p = pattern(payload);
  b.insert(b.end(), p.begin(), p.end());
  return {kTcp, b, 16};
}

L4 echo(uint8_t proto, size_t payload) {
  Bytes b(8);
  b[0] = proto == kIcmp ? 8 : 128;
  put16(b, 4, 0x4242);
  put16(b, 6, 1);
  const Bytes p = pattern(payload);
  b.insert(b.end(), p.begin(), p.end());
  return {proto, b, 2};
}

struct V4 {
  const char* src = kSenderV4;
  const char* dst = "10.9.1.1";
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t frag = 0x4000;  // DF
  Bytes options;           // a multiple of 4 bytes
};

Bytes ipv4(const V4& ip, L4 l4) {
  const size_t hlen = 20 + ip.options.size();
  Bytes b(hlen);
  b[0] = static_cast<uint8_t>(0x40 | hlen / 4);
  b[1] = ip.tos;
  put16(b, 2, static_cast<uint16_t>(hlen + l4.bytes.size()));
  put16(b, 4, 0xbeef);
  put16(b, 6, ip.frag);
  b[8] = ip.ttl;
  b[9] = l4.proto;
  const Bytes s = addr(AF_INET, ip.src), d = addr(AF_INET, ip.dst);
  std::copy(s.begin(), s.end(), b.begin() + 12);
  std::copy(d.begin(), d.end(), b.begin() + 16);
  std::copy(ip.options.begin(), ip.options.end(), b.begin() + 20);
  put16(b, 10, fold(sum16(b.data(), hlen)));
  if (l4.proto != kIcmp) {  // the pseudo-header
    uint32_t sum = sum16(b.data() + 12, 8) + l4.proto + static_cast<uint32_t>(l4.bytes.size());
    put16(l4.bytes, l4.csum_at, fold(sum16(l4.bytes.data(), l4.bytes.size(), sum)));
  } else {
    put16(l4.bytes, l4.csum_at, fold(sum16(l4.bytes.data(), l4.bytes.size())));
  }
  b.insert(b.end(), l4.bytes.begin(), l4.bytes.end());
  return b;
}

struct V6 {
  const char* src = kSenderV6;
  const char* dst = "fd09::1";
  uint8_t hop_limit = 64;
  uint32_t flow_label = 0x12345;
  Bytes ext;             // extension headers, already chained to each other
  uint8_t first = 0xff;  // next header of the fixed header when ext is set
};

Bytes ipv6(const V6& ip, L4 l4) {
  Bytes b(40);
  b[0] = 0x60 | static_cast<uint8_t>(ip.flow_label >> 16 & 0x0f);
  put16(b, 2, static_cast<uint16_t>(ip.flow_label));
  put16(b, 4, static_cast<uint16_t>(ip.ext.size() + l4.bytes.size()));
  b[6] = ip.ext.empty() ? l4.proto : ip.first;
  b[7] = ip.hop_limit;
  const Bytes s = addr(AF_INET6, ip.src), d = addr(AF_INET6, ip.dst);
  std::copy(s.begin(), s.end(), b.begin() + 8);
  std::copy(d.begin(), d.end(), b.begin() + 24);
  uint32_t sum = sum16(b.data() + 8, 32) + l4.proto + static_cast<uint32_t>(l4.bytes.size());
  put16(l4.bytes, l4.csum_at, fold(sum16(l4.bytes.data(), l4.bytes.size(), sum)));
  b.insert(b.end(), ip.ext.begin(), ip.ext.end());
  b.insert(b.end(), l4.bytes.begin(), l4.bytes.end());
  return b;
}

Bytes ethernet(const Bytes& dst, uint16_t type, const Bytes& payload,
               const Bytes& src = mac(kSenderMac)) {
  Bytes b(dst);
  b.insert(b.end(), src.begin(), src.end());
  b.push_back(static_cast<uint8_t>(type >> 8));
  b.push_back(static_cast<uint8_t>(type));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Extension headers, each naming the next.
Bytes hop_by_hop(uint8_t next) { return {next, 0, 5, 2, 0, 0, 1, 0}; }  // router alert, PadN
Bytes dest_opts(uint8_t next) { return {next, 0, 1, 4, 0, 0, 0, 0}; }   // PadN
Bytes fragment(uint8_t next) { return {next, 0, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78}; }
Bytes segment_routing(uint8_t next) {  // type 4, one segment: fd09::1
  Bytes b = {next, 2, 4, 0, 0, 0, 0, 0};
  const Bytes seg = addr(AF_INET6, "fd09::1");
  b.insert(b.end(), seg.begin(), seg.end());
  return b;
}

struct Seed {
  std::string name;
  Bytes frame;
};

std::vector<Seed> make_seeds(const fz_router& r) {
  const Bytes to_r0(r.ifaces[0].mac, r.ifaces[0].mac + 6);
  std::vector<Seed> out;
  auto v4 = [&](std::string name, V4 ip, L4 l4, const Bytes* dst = nullptr) {
    out.push_back({"v4-" + name, ethernet(dst ? *dst : to_r0, 0x0800, ipv4(ip, std::move(l4)))});
  };
  auto v6 = [&](std::string name, V6 ip, L4 l4, const Bytes* dst = nullptr) {
    out.push_back({"v6-" + name, ethernet(dst ? *dst : to_r0, 0x86dd, ipv6(ip, std::move(l4)))});
  };

  // Every route, UDP; the multipath ones with several flows.
  for (const Route& route : kRoutes) {
    const bool six = std::strchr(route.probe, ':');
    const int flows = std::strstr(route.probe, "80::") || std::strstr(route.probe, ".80.") ? 4 : 1;
    for (int f = 0; f < flows; ++f) {
      std::string name = fmt::format("udp-{}{}", route.probe, f ? fmt::format("-{}", f) : "");
      std::replace(name.begin(), name.end(), ':', '_');
      if (six) {
        V6 ip;
        ip.dst = route.probe;
        v6(name, ip, udp(static_cast<uint16_t>(40000 + f), 53, 18));
      } else {
        V4 ip;
        ip.dst = route.probe;
        v4(name, ip, udp(static_cast<uint16_t>(40000 + f), 53, 18));
      }
    }
  }

  // Protocols, TTLs, options and fragments through a gateway.
  v4("tcp-syn", {}, tcp(43210, 443, 0));
  v4("tcp-data", {.tos = 0xb8}, tcp(43210, 443, 100));
  v4("icmp-echo", {}, echo(kIcmp, 56));
  v4("ttl-1", {.ttl = 1}, udp(1, 2, 18));
  v4("ttl-2", {.ttl = 2}, udp(1, 2, 18));
  v4("ttl-0", {.ttl = 0}, udp(1, 2, 18));
  v4("opt-router-alert", {.options = {0x94, 0x04, 0x00, 0x00}}, udp(1, 2, 18));
  v4("opt-record-route", {.options = {0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00}}, udp(1, 2, 18));
  v4("fragment-first", {.frag = 0x2000}, udp(1, 2, 100));
  v4("fragment-later", {.frag = 0x00b9}, udp(1, 2, 100));
  v4("martian-src", {.src = "127.0.0.1"}, udp(1, 2, 18));
  v4("multicast", {.dst = "224.0.0.5"}, udp(1, 2, 18));
  v6("tcp-syn", {}, tcp(43210, 443, 0));
  v6("icmp-echo", {}, echo(kIcmp6, 56));
  v6("hop-1", {.hop_limit = 1}, udp(1, 2, 18));
  v6("hop-2", {.hop_limit = 2}, udp(1, 2, 18));
  v6("ext-hop-by-hop", {.ext = hop_by_hop(kUdp), .first = kHopByHop}, udp(1, 2, 18));
  v6("ext-dest-opts", {.ext = dest_opts(kTcp), .first = kDestOpts}, tcp(1, 2, 0));
  v6("ext-fragment", {.ext = fragment(kUdp), .first = kFragment}, udp(1, 2, 100));
  v6("ext-routing", {.ext = segment_routing(kUdp), .first = kRouting}, udp(1, 2, 18));
  {
    Bytes chain = hop_by_hop(kDestOpts);
    const Bytes d = dest_opts(kIcmp6);
    chain.insert(chain.end(), d.begin(), d.end());
    v6("ext-chain", {.ext = chain, .first = kHopByHop}, echo(kIcmp6, 8));
  }
  v6("link-local", {.src = "fe80::2"}, udp(1, 2, 18));
  v6("multicast", {.dst = "ff05::2"}, udp(1, 2, 18));
  v6("mapped", {.dst = "::ffff:10.2.0.2"}, udp(1, 2, 18));

  // Sizes: the 60-byte minimum (padding), the MTUs, the locked route MTUs,
  // and beyond a page (multi-buffer: to the SG egress r1 and to r3).
  {
    Bytes small = ethernet(to_r0, 0x0800, ipv4({}, udp(1, 2, 0)));
    small.resize(60, 0);
    out.push_back({"v4-padded-60", small});
    Bytes small6 = ethernet(to_r0, 0x86dd, ipv6({}, udp(1, 2, 0)));
    small6.resize(64, 0xee);
    out.push_back({"v6-padded", small6});
  }
  v4("mtu-1500", {}, udp(1, 2, 1500 - 28));
  v4("mtu-1501", {}, udp(1, 2, 1501 - 28));
  v4("locked-mtu-1000", {.dst = "10.70.0.1"}, udp(1, 2, 1000 - 28));
  v4("locked-mtu-1001", {.dst = "10.70.0.1"}, udp(1, 2, 1001 - 28));
  v6("mtu-1500", {}, udp(1, 2, 1500 - 48));
  v6("locked-mtu-1281", {.dst = "fd70::1"}, udp(1, 2, 1281 - 48));
  v4("jumbo-9000", {.dst = "10.2.0.2"}, udp(1, 2, 9000 - 28));
  v4("multibuf-to-r3", {.dst = "10.4.0.2"}, udp(1, 2, 6000));
  v6("jumbo-9000", {.dst = "fd02::2"}, udp(1, 2, 9000 - 48));
  v6("multibuf-to-r3", {.dst = "fd04::2"}, udp(1, 2, 6000));
  {  // a page-crossing frame whose tail is padding
    Bytes f = ethernet(to_r0, 0x0800, ipv4({.dst = "10.2.0.2"}, udp(1, 2, 3000)));
    f.resize(5000, 0);
    out.push_back({"v4-multibuf-padding", f});
  }

  // Frames for other interfaces, hosts, protocols.
  for (unsigned i = 1; i < r.n_ifaces; ++i) {
    const Bytes to(r.ifaces[i].mac, r.ifaces[i].mac + 6);
    const std::string name = fmt::format("to-{}", r.ifaces[i].name);
    v4(name, {.dst = "10.9.1.1"}, udp(1, 2, 18), &to);
    v6(name, {.dst = "fd09::1"}, udp(1, 2, 18), &to);
  }
  const Bytes broadcast = mac("ff:ff:ff:ff:ff:ff"), other = mac("02:00:00:00:99:99");
  v4("l2-broadcast", {}, udp(1, 2, 18), &broadcast);
  v4("other-host", {}, udp(1, 2, 18), &other);
  {
    Bytes arp = {0, 1, 0x08, 0x00, 6, 4, 0, 1};
    const Bytes s = mac(kSenderMac), sip = addr(AF_INET, kSenderV4),
                tip = addr(AF_INET, "10.1.0.1");
    arp.insert(arp.end(), s.begin(), s.end());
    arp.insert(arp.end(), sip.begin(), sip.end());
    arp.insert(arp.end(), 6, 0);
    arp.insert(arp.end(), tip.begin(), tip.end());
    out.push_back({"arp", ethernet(broadcast, 0x0806, arp)});
    Bytes vlan = {0x00, 0x0a, 0x08, 0x00};
    const Bytes inner = ipv4({}, udp(1, 2, 18));
    vlan.insert(vlan.end(), inner.begin(), inner.end());
    out.push_back({"vlan", ethernet(to_r0, 0x8100, vlan)});
  }
  return out;
}

}  // namespace

extern "C" int fz_write_seeds(const fz_router* router, const char* dir) {
  int n = 0;
  try {
    for (const Seed& s : make_seeds(*router)) {
      std::ofstream f(std::filesystem::path(dir) / ("seed-" + s.name),
                      std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(s.frame.data()),
              static_cast<std::streamsize>(s.frame.size()));
      if (!f) return -EIO;
      ++n;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "fuzz_fastpath: cannot make seeds: {}\n", e.what());
    return -EINVAL;
  }
  return n;
}
