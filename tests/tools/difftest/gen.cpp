// Random routes and random packets for the differential test.
#include "gen.h"

#include <linux/if_ether.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "packet/checksum.h"

namespace difftest {
namespace {

using Rng = std::mt19937_64;

int uniform(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
bool chance(Rng& rng, double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
template <typename T>
const T& pick(Rng& rng, const std::vector<T>& v) { return v[uniform(rng, 0, int(v.size()) - 1)]; }

std::string v4(uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

std::string v6(const std::array<uint8_t, 16>& a) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a.data(), buf, sizeof(buf));
  return buf;
}

// Public-looking unicast space, away from the topology's 10/8 and fd00::/16.
uint32_t random_v4(Rng& rng) {
  for (;;) {
    const uint32_t a = static_cast<uint32_t>(rng());
    const uint32_t top = a >> 24;
    if (top == 0 || top == 10 || top == 127 || top >= 224) continue;
    return a;
  }
}

std::array<uint8_t, 16> random_v6(Rng& rng) {
  std::array<uint8_t, 16> a{};
  for (auto& b : a) b = static_cast<uint8_t>(rng());
  a[0] = 0x20 | (a[0] & 0x1f);  // 2000::/3
  return a;
}

std::string gw4(const Egress& e, int host) { return fmt::format("10.{}.0.{}", e.net, host); }
std::string gw6(const Egress& e, int host) { return fmt::format("fd00:{}::{}", e.net, host); }

// A random address inside prefix (text form, family f).
std::string inside(Rng& rng, const std::string& prefix, int f) {
  const auto slash = prefix.find('/');
  const int len = std::stoi(prefix.substr(slash + 1));
  const std::string base = prefix.substr(0, slash);
  if (f == 4) {
    in_addr a{};
    inet_pton(AF_INET, base.c_str(), &a);
    uint32_t h = ntohl(a.s_addr);
    const uint32_t host_mask = len == 32 ? 0 : (0xffffffffu >> len);
    h = (h & ~host_mask) | (static_cast<uint32_t>(rng()) & host_mask);
    return v4(h);
  }
  std::array<uint8_t, 16> a{};
  inet_pton(AF_INET6, base.c_str(), a.data());
  for (int bit = len; bit < 128; ++bit)
    if (rng() & 1) a[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  return v6(a);
}

}  // namespace

std::vector<Route> random_routes(Rng& rng, const Topology& topo, int count) {
  std::vector<Route> out;
  std::set<std::string> seen;
  const int n_egress = static_cast<int>(topo.egress.size());
  while (static_cast<int>(out.size()) < count) {
    Route r;
    r.family = chance(rng, 0.5) ? 4 : 6;
    if (r.family == 4) {
      const int len = chance(rng, 0.2) ? 32 : uniform(rng, 8, 30);
      const uint32_t mask = len == 0 ? 0 : (0xffffffffu << (32 - len));
      r.prefix = fmt::format("{}/{}", v4(random_v4(rng) & mask), len);
    } else {
      const int len = chance(rng, 0.2) ? 128 : uniform(rng, 16, 120);
      auto a = random_v6(rng);
      for (int bit = len; bit < 128; ++bit) a[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
      r.prefix = fmt::format("{}/{}", v6(a), len);
    }
    if (!seen.insert(r.prefix).second) continue;
    const int roll = uniform(rng, 0, 99);
    const int e1 = uniform(rng, 0, n_egress - 1);
    int e2 = uniform(rng, 0, n_egress - 2);
    if (e2 >= e1) ++e2;
    auto gw = [&](int e, int host) {
      return r.family == 4 ? gw4(topo.egress[e], host) : gw6(topo.egress[e], host);
    };
    if (roll < 40) {
      r.kind = RouteKind::via;
      r.egress = {e1};
      r.command = fmt::format("route add {} via {} dev {}", r.prefix, gw(e1, 2), topo.egress[e1].name);
      // Route MTUs, locked (bpf_fib_lookup checks them) and not (the fast
      // path leaves what exceeds the smallest one to the kernel). Never
      // above the device's: the kernel would hand the device a frame it
      // cannot carry, and nothing arrives either way.
      const int top = static_cast<int>(std::min<uint32_t>(1480, topo.egress[e1].mtu));
      if (chance(rng, 0.12))
        r.command += fmt::format(" mtu lock {}", uniform(rng, 1280, top));
      else if (chance(rng, 0.03))
        r.command += fmt::format(" mtu {}", uniform(rng, 1280, top));
    } else if (roll < 50) {
      r.kind = RouteKind::no_neigh;
      r.egress = {e1};
      r.command = fmt::format("route add {} via {} dev {}", r.prefix, gw(e1, 3), topo.egress[e1].name);
    } else if (roll < 65) {
      r.kind = RouteKind::multipath;
      r.egress = {e1, e2};
      r.command = fmt::format("route add {} nexthop via {} dev {} nexthop via {} dev {}", r.prefix,
                              gw(e1, 2), topo.egress[e1].name, gw(e2, 2), topo.egress[e2].name);
    } else if (roll < 73) {
      r.kind = RouteKind::blackhole;
      r.command = fmt::format("route add blackhole {}", r.prefix);
    } else if (roll < 81) {
      r.kind = RouteKind::unreachable;
      r.command = fmt::format("route add unreachable {}", r.prefix);
    } else if (roll < 88) {
      r.kind = RouteKind::prohibit;
      r.command = fmt::format("route add prohibit {}", r.prefix);
    } else {
      r.kind = RouteKind::hairpin;
      r.command = fmt::format("route add {} via {} dev {}", r.prefix,
                              r.family == 4 ? "10.1.0.2" : "fd00:1::2", topo.in0);
    }
    // Some go through policy routing: an iif rule (which only the forward
    // lookup can match: the kernel's reverse lookup is made from lo) or a
    // source rule.
    if ((r.kind == RouteKind::via || r.kind == RouteKind::multipath) && chance(rng, 0.2)) {
      // Before any "nexthop", which takes the rest of the line.
      const std::string at = " " + r.prefix;
      r.command.insert(r.command.find(at) + at.size(), fmt::format(" table {}", kPolicyTable));
      const std::string match =
          chance(rng, 0.5) ? "iif " + topo.in0
                           : std::string("from ") + (r.family == 4 ? "10.1.0.0/24" : "fd00:1::/64");
      r.rule = fmt::format("to {} {} lookup {} pref {}", r.prefix, match, kPolicyTable,
                           1000 + out.size());
    }
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

struct Addr {
  std::string text;
  std::array<uint8_t, 16> bytes{};
};

Addr parse(const std::string& t, int f) {
  Addr a{t, {}};
  inet_pton(f == 4 ? AF_INET : AF_INET6, t.c_str(), a.bytes.data());
  return a;
}

std::string pick_dst(Rng& rng, int f, const Topology& topo, const std::vector<Route>& routes,
                     int& route, std::string& what) {
  const int roll = uniform(rng, 0, 99);
  std::vector<int> fam;
  for (int i = 0; i < static_cast<int>(routes.size()); ++i)
    if (routes[i].family == f) fam.push_back(i);
  if (roll < 62 && !fam.empty()) {
    route = pick(rng, fam);
    what += "dst in route; ";
    return inside(rng, routes[route].prefix, f);
  }
  const Egress& e = pick(rng, topo.egress);
  if (roll < 70) {
    what += "dst local; ";
    const std::vector<std::string> mine4{"10.1.0.1", "10.2.0.1", gw4(e, 1)};
    const std::vector<std::string> mine6{"fd00:1::1", "fd00:2::1", gw6(e, 1)};
    return pick(rng, f == 4 ? mine4 : mine6);
  }
  if (roll < 76) {
    what += "dst connected host; ";
    const int host = chance(rng, 0.7) ? 2 : 3;
    return f == 4 ? gw4(e, host) : gw6(e, host);
  }
  if (roll < 82) {
    what += "dst random; ";
    return f == 4 ? v4(random_v4(rng)) : v6(random_v6(rng));
  }
  what += "dst special; ";
  const std::vector<std::string> s4{"255.255.255.255", fmt::format("10.{}.0.255", e.net),
                                    "224.0.0.5", "239.1.2.3", "127.0.0.1", "0.0.0.5",
                                    "169.254.1.1", "240.0.0.1", "10.1.0.255", "10.1.0.2"};
  const std::vector<std::string> s6{"ff02::1", "ff0e::1", "fe80::1", "::1", "::",
                                    "::ffff:10.101.0.2", fmt::format("fd00:{}::", e.net),
                                    "fd00:1::2", "2001:db8::1"};
  return pick(rng, f == 4 ? s4 : s6);
}

std::string pick_src(Rng& rng, int f, bool in1, std::string& what) {
  const int roll = uniform(rng, 0, 99);
  if (roll < 80) return f == 4 ? (in1 ? "10.2.0.2" : "10.1.0.2") : (in1 ? "fd00:2::2" : "fd00:1::2");
  if (roll < 90) {
    what += "src random; ";
    return f == 4 ? v4(random_v4(rng)) : v6(random_v6(rng));
  }
  what += "src special; ";
  const std::vector<std::string> s4{"127.0.0.1", "0.0.0.0", "224.1.1.1", "255.255.255.255",
                                    "10.101.0.1", "10.1.0.1", "169.254.7.7", "10.1.0.255"};
  const std::vector<std::string> s6{"::1", "::", "fe80::5", "ff02::1", "fd00:101::1",
                                    "fd00:1::1", "::ffff:1.2.3.4"};
  return pick(rng, f == 4 ? s4 : s6);
}

}  // namespace

Probe random_probe(Rng& rng, const Topology& topo, const std::vector<Route>& routes,
                   uint64_t token) {
  Probe p;
  p.token = token;
  p.ingress1 = chance(rng, 0.05);
  const int f = chance(rng, 0.5) ? 4 : 6;
  std::string& what = p.what;
  what = fmt::format("IPv{}; ", f);
  if (p.ingress1) what += "in1 (forwarding off); ";
  p.dst = pick_dst(rng, f, topo, routes, p.route, what);
  p.src = pick_src(rng, f, p.ingress1, what);
  const Addr src = parse(p.src, f), dst = parse(p.dst, f);

  // L4: UDP, TCP or ICMP; the payload starts with the token.
  const int proto_roll = uniform(rng, 0, 3);
  const uint8_t proto = proto_roll < 2 ? 17 : proto_roll == 2 ? 6 : (f == 4 ? 1 : 58);
  const size_t l4_len = proto == 6 ? 20 : 8;
  size_t payload = static_cast<size_t>(uniform(rng, 24, 200));
  const size_t ip_hdr = f == 4 ? 20 : 40;
  if (chance(rng, 0.15)) payload = static_cast<size_t>(1280 - ip_hdr - l4_len + uniform(rng, -24, 24));
  else if (chance(rng, 0.18)) payload = static_cast<size_t>(1500 - ip_hdr - l4_len + uniform(rng, -24, 24));
  // Room after the token: a length field off by a few bytes trims padding,
  // never the token.
  payload = std::max<size_t>(payload, 24);

  // Options / extension headers and fragments.
  size_t opt_len = 0;
  std::vector<uint8_t> ext_chain;  // IPv6 extension header types, in order
  uint16_t frag_off = chance(rng, 0.7) ? 0x4000 : 0;
  if (f == 4 && chance(rng, 0.05)) {
    opt_len = 4 * static_cast<size_t>(uniform(rng, 1, 10));
    what += fmt::format("{} bytes of options; ", opt_len);
  }
  if (f == 4 && chance(rng, 0.05)) {
    frag_off = static_cast<uint16_t>(chance(rng, 0.5) ? 0x2000 : (0x2000 | uniform(rng, 1, 100)));
    what += "fragment; ";
  }
  if (f == 6 && chance(rng, 0.06)) {
    const std::vector<uint8_t> kinds{0, 60, 43, 44};
    const int n = uniform(rng, 1, 2);
    for (int i = 0; i < n; ++i) ext_chain.push_back(pick(rng, kinds));
    what += "extension headers; ";
  }
  // L4: UDP, TCP or ICMP echo; the payload starts with the token.
  Bytes data(payload);
  for (int i = 0; i < 8; ++i) data[i] = static_cast<uint8_t>(token >> (56 - 8 * i));
  for (size_t i = 8; i < payload; ++i) data[i] = static_cast<uint8_t>(rng());
  const auto sport = static_cast<uint16_t>(uniform(rng, 1024, 65535));
  const auto dport = static_cast<uint16_t>(uniform(rng, 1, 65535));
  packet::L4 l4 = proto == IPPROTO_UDP ? packet::udp(sport, dport, data)
                  : proto == IPPROTO_TCP
                      ? packet::tcp({.sport = sport, .dport = dport, .flags = 0x18, .window = 0},
                                    data)
                      : packet::echo_request(f == 6, static_cast<uint16_t>(rng()), 0, data);

  // L3.
  const uint8_t ttl = chance(rng, 0.15) ? static_cast<uint8_t>(uniform(rng, 0, 2))
                                        : static_cast<uint8_t>(uniform(rng, 3, 255));
  const uint8_t tos = chance(rng, 0.5) ? static_cast<uint8_t>(rng()) : 0;
  what += fmt::format("ttl {}; ", ttl);
  Bytes ip;
  if (f == 4) {
    packet::Ipv4 h;
    std::memcpy(h.src.data(), src.bytes.data(), 4);
    std::memcpy(h.dst.data(), dst.bytes.data(), 4);
    h.tos = tos;
    h.ttl = ttl;
    h.id = static_cast<uint16_t>(rng());
    h.frag_off = frag_off;
    h.options.assign(opt_len, 1);                // NOP options
    if (opt_len >= 4 && chance(rng, 0.3))        // router alert
      std::copy_n(std::array<uint8_t, 4>{0x94, 4, 0, 0}.begin(), 4, h.options.begin());
    ip = packet::ipv4(h, std::move(l4));
  } else {
    packet::Ipv6 h;
    std::memcpy(h.src.data(), src.bytes.data(), 16);
    std::memcpy(h.dst.data(), dst.bytes.data(), 16);
    h.traffic_class = tos;
    h.flow_label = static_cast<uint32_t>(rng()) & 0xfffff;
    h.hop_limit = ttl;
    for (size_t i = 0; i < ext_chain.size(); ++i) {
      // 8 bytes each, naming the next.
      std::array<uint8_t, 8> e{i + 1 < ext_chain.size() ? ext_chain[i + 1] : proto};
      if (ext_chain[i] == 0 || ext_chain[i] == 60) e[2] = 1, e[3] = 4;  // PadN
      // Routing: type 0, segments left 0. Fragment: the first.
      h.ext.insert(h.ext.end(), e.begin(), e.end());
    }
    if (!ext_chain.empty()) h.first_ext = ext_chain[0];
    ip = packet::ipv6(h, std::move(l4));
  }

  // L2.
  const Mac& in_mac = p.ingress1 ? topo.in1_mac : topo.in0_mac;
  const Mac& sender = p.ingress1 ? topo.sender1_mac : topo.sender0_mac;
  Mac dst_mac = in_mac;
  uint16_t ethertype = f == 4 ? ETH_P_IP : ETH_P_IPV6;
  const int l2 = uniform(rng, 0, 99);
  if (l2 < 3) {
    dst_mac = packet::kBroadcast;
    what += "L2 broadcast; ";
  } else if (l2 < 6) {
    dst_mac = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x05};
    what += "L2 multicast; ";
  } else if (l2 < 9) {
    dst_mac = {0x02, 0x00, 0x00, 0x00, 0x99, 0x99};
    what += "L2 other host; ";
  } else if (l2 < 11) {
    ethertype = chance(rng, 0.5) ? ETH_P_8021Q : ETH_P_ARP;
    what += "not IP; ";
  }
  Bytes b = packet::ethernet(dst_mac, sender, ethertype, ip);

  // Damage, now and then.
  const int dmg = uniform(rng, 0, 99);
  if (dmg < 4) {
    b.resize(static_cast<size_t>(uniform(rng, 14, int(b.size()) - 1)));
    what += "truncated; ";
  } else if (dmg < 8) {
    const size_t at = 14 + static_cast<size_t>(uniform(rng, 0, int(ip_hdr) - 1));
    b[at] ^= static_cast<uint8_t>(1 << uniform(rng, 0, 7));
    what += fmt::format("bit flipped at {}; ", at);
  } else if (dmg < 11 && f == 4) {
    b[14 + 10] ^= 0x5a;
    what += "bad IPv4 checksum; ";
  } else if (dmg < 14) {
    const size_t len_at = f == 4 ? 16 : 18;
    const int delta = uniform(rng, -8, 8);
    pkt_put16(&b[len_at], static_cast<uint16_t>(pkt_get16(&b[len_at]) + delta));
    if (f == 4) packet::fix_ipv4_checksum(b);
    what += fmt::format("length off by {}; ", delta);
  } else if (dmg < 17) {
    const int pad = uniform(rng, 1, 40);
    for (int i = 0; i < pad; ++i) b.push_back(static_cast<uint8_t>(rng()));
    what += fmt::format("{} bytes of padding; ", pad);
  }
  p.frame = std::move(b);
  return p;
}

}  // namespace difftest
