// Seed frames for the fuzzer: valid IPv4/IPv6 UDP, TCP and ICMP into every
// route of topology.h, with options and extension headers, around the MTUs
// and beyond a page, plus the non-IP and wrongly addressed frames the fast
// path hands up. Built by the packet library, checksums from scratch.
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

#include "packet/frame.h"
#include "router.h"
#include "topology.h"

namespace {

using packet::Bytes;
using packet::L4;
using packet::Mac;
using namespace fuzzworld;

enum : uint8_t { kHopByHop = 0, kIcmp = 1, kTcp = 6, kUdp = 17, kRouting = 43,
                 kFragment = 44, kIcmp6 = 58, kNoNext = 59, kDestOpts = 60 };

Bytes addr(int family, const char* text) {
  Bytes b(family == AF_INET ? 4 : 16);
  if (inet_pton(family, text, b.data()) != 1) throw std::invalid_argument(text);
  return b;
}

template <typename Address>
Address address(int family, const char* text) {
  const Bytes b = addr(family, text);
  Address a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

Mac mac(const char* text) {
  if (auto m = packet::parse_mac(text)) return *m;
  throw std::invalid_argument(text);
}

Bytes pattern(size_t n) {
  Bytes p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i * 7 + 1);
  return p;
}

L4 udp(uint16_t sport, uint16_t dport, size_t payload) {
  return packet::udp(sport, dport, pattern(payload));
}

// A SYN with MSS, SACK-permitted, timestamps and window scale.
L4 tcp(uint16_t sport, uint16_t dport, size_t payload) {
  return packet::tcp({.sport = sport,
                      .dport = dport,
                      .seq = 0x12340000,
                      .flags = static_cast<uint8_t>(payload ? 0x18 : 0x02),
                      .window = 64240,
                      .options = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3,
                                  3, 7}},
                     pattern(payload));
}

L4 echo(uint8_t proto, size_t payload) {
  return packet::echo_request(proto == kIcmp6, 0x4242, 1, pattern(payload));
}

struct V4 {
  const char* src = kSenderV4;
  const char* dst = "10.9.1.1";
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t frag = 0x4000;  // DF
  Bytes options;           // a multiple of 4 bytes
};

Bytes ip4(const V4& ip, L4 l4) {
  return packet::ipv4({.src = address<packet::Ipv4Address>(AF_INET, ip.src),
                       .dst = address<packet::Ipv4Address>(AF_INET, ip.dst),
                       .tos = ip.tos,
                       .ttl = ip.ttl,
                       .id = 0xbeef,
                       .frag_off = ip.frag,
                       .options = ip.options},
                      std::move(l4));
}

struct V6 {
  const char* src = kSenderV6;
  const char* dst = "fd09::1";
  uint8_t hop_limit = 64;
  uint32_t flow_label = 0x12345;
  Bytes ext;             // extension headers, already chained to each other
  uint8_t first = 0xff;  // next header of the fixed header when ext is set
};

Bytes ip6(const V6& ip, L4 l4) {
  return packet::ipv6({.src = address<packet::Ipv6Address>(AF_INET6, ip.src),
                       .dst = address<packet::Ipv6Address>(AF_INET6, ip.dst),
                       .flow_label = ip.flow_label,
                       .hop_limit = ip.hop_limit,
                       .ext = ip.ext,
                       .first_ext = ip.first},
                      std::move(l4));
}

Bytes ethernet(const Mac& dst, uint16_t type, const Bytes& payload,
               const Mac& src = mac(kSenderMac)) {
  return packet::ethernet(dst, src, type, payload);
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

Mac mac_of(const fz_iface& iface) {
  Mac m;
  std::copy_n(iface.mac, m.size(), m.begin());
  return m;
}

struct Seed {
  std::string name;
  Bytes frame;
};

std::vector<Seed> make_seeds(const fz_router& r) {
  const Mac to_r0 = mac_of(r.ifaces[0]);
  std::vector<Seed> out;
  auto v4 = [&](std::string name, V4 ip, L4 l4, const Mac* dst = nullptr) {
    out.push_back({"v4-" + name, ethernet(dst ? *dst : to_r0, 0x0800, ip4(ip, std::move(l4)))});
  };
  auto v6 = [&](std::string name, V6 ip, L4 l4, const Mac* dst = nullptr) {
    out.push_back({"v6-" + name, ethernet(dst ? *dst : to_r0, 0x86dd, ip6(ip, std::move(l4)))});
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
    Bytes small = ethernet(to_r0, 0x0800, ip4({}, udp(1, 2, 0)));
    small.resize(60, 0);
    out.push_back({"v4-padded-60", small});
    Bytes small6 = ethernet(to_r0, 0x86dd, ip6({}, udp(1, 2, 0)));
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
    Bytes f = ethernet(to_r0, 0x0800, ip4({.dst = "10.2.0.2"}, udp(1, 2, 3000)));
    f.resize(5000, 0);
    out.push_back({"v4-multibuf-padding", f});
  }

  // Frames for other interfaces, hosts, protocols.
  for (unsigned i = 1; i < r.n_ifaces; ++i) {
    const Mac to = mac_of(r.ifaces[i]);
    const std::string name = fmt::format("to-{}", r.ifaces[i].name);
    v4(name, {.dst = "10.9.1.1"}, udp(1, 2, 18), &to);
    v6(name, {.dst = "fd09::1"}, udp(1, 2, 18), &to);
  }
  const Mac broadcast = packet::kBroadcast, other = mac("02:00:00:00:99:99");
  v4("l2-broadcast", {}, udp(1, 2, 18), &broadcast);
  v4("other-host", {}, udp(1, 2, 18), &other);
  {
    Bytes arp = {0, 1, 0x08, 0x00, 6, 4, 0, 1};
    const Mac s = mac(kSenderMac);
    const Bytes sip = addr(AF_INET, kSenderV4),
                tip = addr(AF_INET, "10.1.0.1");
    arp.insert(arp.end(), s.begin(), s.end());
    arp.insert(arp.end(), sip.begin(), sip.end());
    arp.insert(arp.end(), 6, 0);
    arp.insert(arp.end(), tip.begin(), tip.end());
    out.push_back({"arp", ethernet(broadcast, 0x0806, arp)});
    Bytes vlan = {0x00, 0x0a, 0x08, 0x00};
    const Bytes inner = ip4({}, udp(1, 2, 18));
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
