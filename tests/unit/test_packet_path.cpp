// The XDP program's packet path through BPF_PROG_TEST_RUN, against a real
// FIB in a private namespace:
//
//        p0 ── r0 ┐            ┌ r1 ── p1   10.2.0.0/24 fd02::/64 (egress, SG)
//   10.1.0.0/24   │   router   │
//    fd01::/64    │ (this ns)  ├ r2 ── p2   10.3.0.0/24 fd03::/64 (fwd off, not egress)
//                 └            └ r3 ── p3   10.4.0.0/24 fd04::/64 (egress, no SG)
//
// Frames enter on r0 unless a test says otherwise.
#include <doctest/doctest.h>
#include <fmt/core.h>
#include <sched.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <map>
#include <optional>

#include "fastpath/fastpath.h"
#include "netlink/link.h"
#include "packet.h"
#include "privileged.h"

using testpkt::Bytes;
using testpkt::Ipv4;
using testpkt::Ipv6;
using testpkt::Mac;

namespace {

constexpr Mac kGw{0x02, 0, 0, 0, 0x02, 0x02};       // 10.2.0.2, fd02::2 on r1
constexpr Mac kHairpinGw{0x02, 0, 0, 0, 0x01, 0x02};  // 10.1.0.2 on r0
constexpr Mac kR2Host{0x02, 0, 0, 0, 0x03, 0x02};   // 10.3.0.2 on r2
constexpr Mac kR3Host{0x02, 0, 0, 0, 0x04, 0x02};   // 10.4.0.2 on r3
constexpr Mac kSender{0x02, 0, 0, 0, 0x01, 0x99};

const char* kTopology = R"(
ip link add r0 type veth peer name p0
ip link add r1 type veth peer name p1
ip link add r2 type veth peer name p2
ip link add r3 type veth peer name p3
for d in r1 p1 r3 p3; do ip link set $d mtu 9000; done
# Silent peers: their own IPv6 (DAD, RS, MLD) would move the counters of the
# attached r0 and r2 while a test compares them.
for d in p0 p1 p2 p3; do sysctl -qw net.ipv6.conf.$d.disable_ipv6=1; done
for d in lo r0 p0 r1 p1 r2 p2 r3 p3; do ip link set $d up; done
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
sysctl -qw net.ipv4.conf.r2.forwarding=0 net.ipv6.conf.r2.forwarding=0
ip addr add 10.1.0.1/24 dev r0
ip addr add fd01::1/64 dev r0 nodad
ip addr add 10.2.0.1/24 dev r1
ip addr add fd02::1/64 dev r1 nodad
ip addr add 10.3.0.1/24 dev r2
ip addr add fd03::1/64 dev r2 nodad
ip addr add 10.4.0.1/24 dev r3
ip addr add fd04::1/64 dev r3 nodad
ip neigh add 10.2.0.2 lladdr 02:00:00:00:02:02 dev r1 nud permanent
ip neigh add fd02::2 lladdr 02:00:00:00:02:02 dev r1 nud permanent
ip neigh add 10.1.0.2 lladdr 02:00:00:00:01:02 dev r0 nud permanent
ip neigh add fd01::2 lladdr 02:00:00:00:01:02 dev r0 nud permanent
ip neigh add 10.3.0.2 lladdr 02:00:00:00:03:02 dev r2 nud permanent
ip neigh add fd03::2 lladdr 02:00:00:00:03:02 dev r2 nud permanent
ip neigh add 10.4.0.2 lladdr 02:00:00:00:04:02 dev r3 nud permanent
ip neigh add fd04::2 lladdr 02:00:00:00:04:02 dev r3 nud permanent
ip route add 10.9.0.0/16 via 10.2.0.2
ip route add fd09::/32 via fd02::2
ip route add blackhole 10.66.0.0/16
ip route add blackhole fd66::/32
ip route add unreachable 10.67.0.0/16
ip route add unreachable fd67::/32
ip route add prohibit 10.68.0.0/16
ip route add prohibit fd68::/32
ip route add 10.70.0.0/16 via 10.2.0.2 mtu lock 1000
ip route add fd70::/32 via fd02::2 mtu lock 1280
ip route add 10.71.0.0/16 encap ip id 1 dst 192.0.2.1 via 10.2.0.2 dev r1
ip route add 10.1.5.0/24 via 10.1.0.2 dev r0
ip route add fd01:5::/48 via fd01::2 dev r0
ip route add 10.72.0.0/16 via 10.2.0.2 mtu 1000
ip route add fd72::/32 via fd02::2 mtu 1300
)";

struct Router {
  netlink::Link r0, r1, r2, r3, p0;
  fastpath::Fastpath fp;

  static fastpath::Interface iface(const netlink::Link& l, bool sg) {
    return {l.ifindex, l.name, {.mac = l.mac, .xmit_sg = sg}};
  }
};

netlink::Link must_link(const char* name) {
  auto l = netlink::link_by_name(name);
  REQUIRE_MESSAGE(l.has_value(), name);
  return *l;
}

Router& router() {
  static std::optional<Router> r;
  if (r) return *r;
  testenv::sh(kTopology);
  auto fp = fastpath::Fastpath::load(testenv::bpffs() / "packet-path");
  REQUIRE_MESSAGE(fp.has_value(), (fp ? "" : fp.error().message()));
  r.emplace(Router{must_link("r0"), must_link("r1"), must_link("r2"), must_link("r3"),
                   must_link("p0"), std::move(*fp)});
  REQUIRE(r->fp.attach(Router::iface(r->r0, false), fastpath::XdpMode::native));
  REQUIRE(r->fp.attach(Router::iface(r->r2, false), fastpath::XdpMode::native));
  REQUIRE(r->fp.add_egress(Router::iface(r->r0, false)));
  REQUIRE(r->fp.add_egress(Router::iface(r->r1, true)));
  REQUIRE(r->fp.add_egress(Router::iface(r->r3, false)));
  return *r;
}

fastpath::Counters counters_of(uint32_t ifindex) {
  auto snap = router().fp.snapshot();
  REQUIRE(snap.has_value());
  for (const auto& s : snap->interfaces)
    if (s.ifindex == ifindex) return s.counters;
  return snap->unknown_ingress;
}

struct Outcome {
  uint32_t action = 0;
  Bytes output;
  fastpath::Counters before, after;

  uint64_t forwarded() const { return after.fwd_packets - before.fwd_packets; }
  uint64_t passed(fp_pass_reason r) const { return after.pass[r] - before.pass[r]; }
  uint64_t passed_total() const { return after.passed() - before.passed(); }
};

Outcome run(const Bytes& frame, const netlink::Link& ingress) {
  Outcome o;
  o.before = counters_of(ingress.ifindex);
  auto r = fastpath::test_run(router().fp.program_fd(), frame, ingress.ifindex);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message()));
  o.action = r->action;
  o.output = r->output;
  o.after = counters_of(ingress.ifindex);
  return o;
}

Outcome run(const Bytes& frame) { return run(frame, router().r0); }

// Handed up untouched, counted once, for this reason only.
void check_pass(const Bytes& frame, fp_pass_reason why,
                const netlink::Link* ingress = nullptr) {
  const Outcome o = run(frame, ingress ? *ingress : router().r0);
  INFO("reason ", fastpath::pass_reasons()[why].name, "\n", testpkt::hex(frame));
  CHECK(o.action == XDP_PASS);
  CHECK(o.output == frame);
  CHECK(o.passed(why) == 1);
  CHECK(o.passed_total() == 1);
  CHECK(o.forwarded() == 0);
}

Mac to_mac(const std::array<uint8_t, 6>& a) { return a; }

// ip's frame as r sends it on: to the gateway from the egress's MAC, one
// hop older (r1 and kGw unless named).
Bytes routed(Ipv4 ip, const Mac& gw = kGw, const netlink::Link* egress = nullptr) {
  --ip.ttl;
  return testpkt::ipv4_frame(gw, to_mac((egress ? *egress : router().r1).mac), ip);
}
Bytes routed(Ipv6 ip) {
  --ip.hop_limit;
  return testpkt::ipv6_frame(kGw, to_mac(router().r1.mac), ip);
}

// in is forwarded by the fast path, counted as such, and leaves as want.
void check_forwarded(const Bytes& in, const Bytes& want) {
  const Outcome o = run(in);
  CHECK(o.action == XDP_REDIRECT);
  CHECK(o.forwarded() == 1);
  CHECK(o.passed_total() == 0);
  CHECK(o.after.fwd_bytes - o.before.fwd_bytes == in.size());
  CHECK(o.output == want);
}

}  // namespace

TEST_CASE("IPv4 is forwarded with next-hop MACs, TTL - 1 and a valid checksum") {
  Router& r = router();
  for (const char* dst : {"10.2.0.2", "10.9.1.1"}) {
    Ipv4 ip;
    ip.dst = dst;
    ip.tos = 0xb8;
    CAPTURE(dst);
    check_forwarded(testpkt::ipv4_frame(r.r0.mac, kSender, ip), routed(ip));
  }
}

TEST_CASE("the incremental checksum update matches a checksum from scratch") {
  Router& r = router();
  int mismatches = 0;
  for (int ttl : {2, 3, 64, 128, 255}) {
    for (uint32_t id = 0; id <= 0xffff; id += (ttl == 64 ? 1 : 97)) {
      Ipv4 ip;
      ip.ttl = static_cast<uint8_t>(ttl);
      ip.id = static_cast<uint16_t>(id);
      const Bytes in = testpkt::ipv4_frame(r.r0.mac, kSender, ip);
      auto res = fastpath::test_run(r.fp.program_fd(), in, r.r0.ifindex);
      REQUIRE(res.has_value());
      REQUIRE(res->action == XDP_REDIRECT);
      if (res->output != routed(ip)) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("IPv6 is forwarded with next-hop MACs and hop limit - 1") {
  Router& r = router();
  for (const char* dst : {"fd02::2", "fd09::1"}) {
    Ipv6 ip;
    ip.dst = dst;
    ip.flow_label = 0x12345;
    CAPTURE(dst);
    check_forwarded(testpkt::ipv6_frame(r.r0.mac, kSender, ip), routed(ip));
  }
}

TEST_CASE("Ethernet padding is removed from a forwarded frame") {
  Router& r = router();
  Ipv4 ip;
  ip.payload = 0;  // 42-byte frame, padded to the 60-byte minimum
  Bytes in = testpkt::ipv4_frame(r.r0.mac, kSender, ip);
  const size_t real = in.size();
  in.resize(60, 0xee);
  const Outcome o = run(in);
  CHECK(o.action == XDP_REDIRECT);
  CHECK(o.output == routed(ip));
  CHECK(o.output.size() == real);
}

TEST_CASE("a multi-buffer frame is forwarded only to an egress that takes it") {
  Router& r = router();
  Ipv4 ip;
  ip.payload = 6000;  // beyond one page: test-run splits it into fragments
  ip.dst = "10.2.0.2";
  const Bytes in = testpkt::ipv4_frame(r.r0.mac, kSender, ip);
  const Outcome o = run(in);
  CHECK(o.action == XDP_REDIRECT);
  CHECK(o.output == routed(ip));

  ip.dst = "10.4.0.2";  // r3 is an egress without ndo-xmit-sg
  check_pass(testpkt::ipv4_frame(r.r0.mac, kSender, ip), FP_PASS_NO_XMIT_SG);
}

// Found by tests/fuzz: a packet ending exactly where a test run's first
// buffer ends (a page less XDP_PACKET_HEADROOM and struct skb_shared_info),
// with padding in the fragments after it, was forwarded padding and all,
// as a multi-buffer frame even to an egress that cannot send one.
TEST_CASE("padding in the fragments after a packet that fills the first buffer is removed") {
  Router& r = router();
  const size_t first_buffer = static_cast<size_t>(::sysconf(_SC_PAGESIZE)) - 256 - 320;
  struct Case {
    const char* dst;
    Mac gw;
    const netlink::Link& egress;
  };
  for (const Case& c : {Case{"10.2.0.2", kGw, r.r1}, Case{"10.4.0.2", kR3Host, r.r3}}) {
    for (size_t padding : {1, 1500}) {
      Ipv4 ip;
      ip.dst = c.dst;
      ip.payload = first_buffer - testpkt::kEthLen - testpkt::kIpv4Len - 8;
      Bytes in = testpkt::ipv4_frame(r.r0.mac, kSender, ip);
      REQUIRE(in.size() == first_buffer);
      in.resize(in.size() + padding, 0);
      CAPTURE(c.dst);
      CAPTURE(padding);
      const Outcome o = run(in);
      CHECK(o.action == XDP_REDIRECT);
      CHECK(o.output == routed(ip, c.gw, &c.egress));
      CHECK(o.after.fwd_bytes - o.before.fwd_bytes == first_buffer);
    }
  }
  Ipv6 ip6;
  ip6.payload = first_buffer - testpkt::kEthLen - testpkt::kIpv6Len - 8;
  Bytes in6 = testpkt::ipv6_frame(r.r0.mac, kSender, ip6);
  REQUIRE(in6.size() == first_buffer);
  in6.resize(in6.size() + 100, 0);
  const Outcome o6 = run(in6);
  CHECK(o6.action == XDP_REDIRECT);
  CHECK(o6.output == routed(ip6));
}

TEST_CASE("every reason to hand a frame to the kernel is counted") {
  Router& r = router();
  const Mac mac = r.r0.mac;
  auto v4 = [&](auto&& change) {
    Ipv4 ip;
    change(ip);
    return testpkt::ipv4_frame(mac, kSender, ip);
  };
  auto v6 = [&](auto&& change) {
    Ipv6 ip;
    change(ip);
    return testpkt::ipv6_frame(mac, kSender, ip);
  };
  auto dst4 = [&](const char* d) { return v4([&](Ipv4& ip) { ip.dst = d; }); };
  auto dst6 = [&](const char* d) { return v6([&](Ipv6& ip) { ip.dst = d; }); };

  SUBCASE("not IP") { check_pass(testpkt::arp_frame(kSender), FP_PASS_NOT_IP); }
  SUBCASE("Ethernet broadcast and multicast") {
    check_pass(testpkt::ipv4_frame({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kSender, Ipv4{}),
               FP_PASS_L2_MULTICAST);
    check_pass(testpkt::ipv6_frame({0x33, 0x33, 0, 0, 0, 1}, kSender, Ipv6{}),
               FP_PASS_L2_MULTICAST);
  }
  SUBCASE("another host's MAC") {
    check_pass(testpkt::ipv4_frame({0x02, 0, 0, 0, 0x99, 0x99}, kSender, Ipv4{}),
               FP_PASS_OTHER_HOST);
  }
  SUBCASE("malformed headers") {
    check_pass(v4([](Ipv4& ip) { ip.version = 5; }), FP_PASS_MALFORMED);
    check_pass(v6([](Ipv6& ip) { ip.version = 4; }), FP_PASS_MALFORMED);
    Bytes bad_csum = v4([](Ipv4&) {});
    bad_csum[14 + 10] ^= 0x01;
    check_pass(bad_csum, FP_PASS_MALFORMED);
    Bytes short_len = v4([](Ipv4&) {});
    short_len[14 + 2] = 0;
    short_len[14 + 3] = 19;  // total length below the header
    check_pass(short_len, FP_PASS_MALFORMED);
  }
  SUBCASE("IPv4 options") { check_pass(v4([](Ipv4& ip) { ip.ihl = 6; }), FP_PASS_IP_OPTIONS); }
  SUBCASE("IPv6 extension headers") {
    for (uint8_t nh : {0, 43, 44, 60})
      check_pass(v6([&](Ipv6& ip) { ip.nexthdr = nh; }), FP_PASS_IPV6_EXTHDR);
  }
  SUBCASE("martians") {
    check_pass(v4([](Ipv4& ip) { ip.src = "127.0.0.1"; }), FP_PASS_MARTIAN);
    check_pass(v4([](Ipv4& ip) { ip.src = "0.0.0.5"; }), FP_PASS_MARTIAN);
    check_pass(v4([](Ipv4& ip) { ip.src = "224.1.1.1"; }), FP_PASS_MARTIAN);
    check_pass(dst4("0.1.2.3"), FP_PASS_MARTIAN);
    check_pass(dst4("127.0.0.1"), FP_PASS_MARTIAN);
    check_pass(dst4("255.255.255.255"), FP_PASS_MARTIAN);
    check_pass(v6([](Ipv6& ip) { ip.src = "::1"; }), FP_PASS_MARTIAN);
    check_pass(v6([](Ipv6& ip) { ip.src = "::"; }), FP_PASS_MARTIAN);
    check_pass(v6([](Ipv6& ip) { ip.src = "ff02::1"; }), FP_PASS_MARTIAN);
    check_pass(dst6("::ffff:10.2.0.2"), FP_PASS_MARTIAN);
  }
  SUBCASE("IP multicast") {
    check_pass(dst4("224.0.0.5"), FP_PASS_IP_MULTICAST);
    check_pass(dst6("ff05::2"), FP_PASS_IP_MULTICAST);
  }
  SUBCASE("IPv6 link-local") {
    check_pass(v6([](Ipv6& ip) { ip.src = "fe80::1"; }), FP_PASS_LINK_LOCAL);
    check_pass(dst6("fe80::2"), FP_PASS_LINK_LOCAL);
  }
  SUBCASE("TTL and hop limit") {
    for (uint8_t ttl : {0, 1}) {
      check_pass(v4([&](Ipv4& ip) { ip.ttl = ttl; }), FP_PASS_TTL);
      check_pass(v6([&](Ipv6& ip) { ip.hop_limit = ttl; }), FP_PASS_TTL);
      // Expiry comes before neighbour resolution and the MTU, as in the kernel.
      check_pass(v4([&](Ipv4& ip) { ip.ttl = ttl; ip.dst = "10.2.0.3"; }), FP_PASS_TTL);
      check_pass(v4([&](Ipv4& ip) { ip.ttl = ttl; ip.dst = "10.70.0.1"; ip.payload = 1200; }),
                 FP_PASS_TTL);
      check_pass(v6([&](Ipv6& ip) { ip.hop_limit = ttl; ip.dst = "fd02::3"; }), FP_PASS_TTL);
    }
  }
  SUBCASE("TTL 1 to the router itself is delivered, not expired (eBGP)") {
    check_pass(v4([](Ipv4& ip) { ip.ttl = 1; ip.dst = "10.1.0.1"; }), FP_PASS_NOT_FORWARDED);
    check_pass(v6([](Ipv6& ip) { ip.hop_limit = 1; ip.dst = "fd01::1"; }),
               FP_PASS_NOT_FORWARDED);
  }
  SUBCASE("local destination, subnet broadcast and no route") {
    check_pass(dst4("10.2.0.1"), FP_PASS_NOT_FORWARDED);
    check_pass(dst4("10.1.0.1"), FP_PASS_NOT_FORWARDED);
    check_pass(dst4("10.2.0.255"), FP_PASS_NOT_FORWARDED);
    check_pass(dst4("192.0.2.77"), FP_PASS_NOT_FORWARDED);
    check_pass(dst6("fd02::1"), FP_PASS_NOT_FORWARDED);
    check_pass(dst6("2001:db8::1"), FP_PASS_NOT_FORWARDED);
  }
  SUBCASE("blackhole, unreachable and prohibit routes") {
    check_pass(dst4("10.66.0.1"), FP_PASS_BLACKHOLE);
    check_pass(dst6("fd66::1"), FP_PASS_BLACKHOLE);
    check_pass(dst4("10.67.0.1"), FP_PASS_UNREACHABLE);
    check_pass(dst6("fd67::1"), FP_PASS_UNREACHABLE);
    check_pass(dst4("10.68.0.1"), FP_PASS_PROHIBIT);
    check_pass(dst6("fd68::1"), FP_PASS_PROHIBIT);
  }
  SUBCASE("forwarding disabled on the ingress") {
    check_pass(testpkt::ipv4_frame(r.r2.mac, kSender, Ipv4{}), FP_PASS_FWD_DISABLED, &r.r2);
    check_pass(testpkt::ipv6_frame(r.r2.mac, kSender, Ipv6{}), FP_PASS_FWD_DISABLED, &r.r2);
  }
  SUBCASE("route needs encapsulation") { check_pass(dst4("10.71.0.1"), FP_PASS_UNSUPP_LWT); }
  SUBCASE("no neighbour entry") {
    check_pass(dst4("10.2.0.3"), FP_PASS_NO_NEIGH);
    check_pass(dst6("fd02::3"), FP_PASS_NO_NEIGH);
  }
  SUBCASE("larger than the path MTU") {
    check_pass(v4([](Ipv4& ip) { ip.dst = "10.70.0.1"; ip.payload = 1200; }),
               FP_PASS_FRAG_NEEDED);
    check_pass(v4([](Ipv4& ip) { ip.dst = "10.70.0.1"; ip.payload = 1200; ip.frag_off = 0; }),
               FP_PASS_FRAG_NEEDED);
    check_pass(v6([](Ipv6& ip) { ip.dst = "fd70::1"; ip.payload = 1400; }),
               FP_PASS_FRAG_NEEDED);
  }
  SUBCASE("egress not in the DEVMAP") {
    check_pass(dst4("10.3.0.2"), FP_PASS_NOT_EGRESS);
    check_pass(dst6("fd03::2"), FP_PASS_NOT_EGRESS);
  }
  SUBCASE("hairpin back out of the ingress") {
    check_pass(dst4("10.1.5.1"), FP_PASS_HAIRPIN);
    check_pass(dst6("fd01:5::1"), FP_PASS_HAIRPIN);
  }
  SUBCASE("ingress not configured") {
    check_pass(testpkt::ipv4_frame(r.p0.mac, kSender, Ipv4{}), FP_PASS_UNKNOWN_IFACE, &r.p0);
  }
}

// r0's entry with these kernel checks.
void configure_r0(const common::DeviceChecks& checks) {
  Router& r = router();
  REQUIRE(r.fp.configure({r.r0.ifindex, "r0", {.mac = r.r0.mac, .checks = checks}}));
}

TEST_CASE("sources the kernel rejects are handed up") {
  Router& r = router();
  const uint32_t mine = htonl(0x0a020001);  // 10.2.0.1, r1's address
  REQUIRE(r.fp.set_local_addresses(std::span(&mine, 1)));
  auto from = [&](const char* src, const char* dst = "10.2.0.2") {
    Ipv4 ip;
    ip.src = src;
    ip.dst = dst;
    return testpkt::ipv4_frame(r.r0.mac, kSender, ip);
  };
  SUBCASE("one of the router's own addresses") {
    check_pass(from("10.2.0.1"), FP_PASS_SOURCE_INVALID);
    CHECK(run(from("10.1.0.2")).action == XDP_REDIRECT);
  }
  SUBCASE("accept_local lets them through, as in the kernel") {
    configure_r0({.accept_local = true});
    CHECK(run(from("10.2.0.1")).action == XDP_REDIRECT);
  }
  SUBCASE("rp_filter off, the kernel's full check (ip rules or local routes were made)") {
    // Only the local addresses are checked until then.
    CHECK(run(from("10.1.0.255")).action == XDP_REDIRECT);
    REQUIRE(r.fp.set_full_source_check(true));
    check_pass(from("10.1.0.255"), FP_PASS_SOURCE_INVALID);  // broadcast back: refused
    CHECK(run(from("10.1.0.7")).action == XDP_REDIRECT);
    CHECK(run(from("10.66.0.1")).action == XDP_REDIRECT);    // blackhole back: last_resort
    configure_r0({.accept_local = true});                    // accept_local: no check
    CHECK(run(from("10.1.0.255")).action == XDP_REDIRECT);
    REQUIRE(r.fp.set_full_source_check(false));
  }
  SUBCASE("strict rp_filter: the route back must leave by the ingress") {
    configure_r0({.rp_filter = 1});
    CHECK(run(from("10.1.0.7")).action == XDP_REDIRECT);
    check_pass(from("10.4.0.7"), FP_PASS_SOURCE_INVALID);     // routed back via r3
    check_pass(from("203.0.113.9"), FP_PASS_SOURCE_INVALID);  // no route back
  }
  SUBCASE("loose rp_filter: a route back must exist") {
    configure_r0({.rp_filter = 2});
    CHECK(run(from("10.4.0.7")).action == XDP_REDIRECT);
    check_pass(from("203.0.113.9"), FP_PASS_SOURCE_INVALID);
    check_pass(from("10.66.0.1"), FP_PASS_SOURCE_INVALID);    // blackholed back
  }
  SUBCASE("loose rp_filter without an IPv4 address: the route back must use the ingress") {
    configure_r0({.rp_filter = 2, .ipv4_address = false});
    CHECK(run(from("10.1.0.7")).action == XDP_REDIRECT);
    check_pass(from("10.4.0.7"), FP_PASS_SOURCE_INVALID);  // last_resort in the kernel
  }
  SUBCASE("the route back is looked up as the kernel does, from lo: iif rules do not match") {
    // Were the reverse lookup made from r0, this rule would send 10.4.0.7
    // back out of r0 and pass the strict check the kernel fails.
    testenv::sh("ip route add 10.4.0.0/24 via 10.1.0.2 dev r0 table 100;"
                "ip rule add iif r0 to 10.4.0.0/24 lookup 100 pref 100");
    configure_r0({.rp_filter = 1});
    check_pass(from("10.4.0.7"), FP_PASS_SOURCE_INVALID);
    testenv::sh("ip rule add iif lo to 10.4.0.0/24 lookup 100 pref 101");
    CHECK(run(from("10.4.0.7")).action == XDP_REDIRECT);  // now the kernel's is via r0
    testenv::sh("ip rule del pref 100; ip rule del pref 101; ip route flush table 100");
  }
  configure_r0({});
  REQUIRE(r.fp.set_local_addresses({}));
}

TEST_CASE("more local addresses than the table holds: every source goes to the kernel") {
  Router& r = router();
  std::vector<uint32_t> many;
  for (uint32_t i = 0; i <= FP_MAX_LOCAL_ADDRS; ++i) many.push_back(htonl(0xc6120000 + i));
  auto set = r.fp.set_local_addresses(many);  // 198.18.0.0 ...
  REQUIRE_FALSE(set);
  CHECK(set.error().code == ENOSPC);
  Ipv4 ip;
  ip.src = "10.1.0.2";  // not local, but the table cannot say so
  ip.dst = "10.2.0.2";
  const auto frame = testpkt::ipv4_frame(r.r0.mac, kSender, ip);
  check_pass(frame, FP_PASS_LOCAL_UNKNOWN);
  auto snap = r.fp.snapshot();
  REQUIRE(snap);
  CHECK(snap->local_addresses_unknown);
  SUBCASE("accept_local: the kernel would not check, nor does the fast path") {
    configure_r0({.accept_local = true});
    CHECK(run(frame).action == XDP_REDIRECT);
    configure_r0({});
  }
  many.resize(FP_MAX_LOCAL_ADDRS);  // back within the limit: forwarded again
  REQUIRE(r.fp.set_local_addresses(many));
  CHECK(run(frame).action == XDP_REDIRECT);
  ip.src = "198.18.0.5";
  check_pass(testpkt::ipv4_frame(r.r0.mac, kSender, ip), FP_PASS_SOURCE_INVALID);
  REQUIRE(r.fp.set_local_addresses({}));
}

TEST_CASE("IPsec (xfrm) policies of a family hand its forwarded traffic to the kernel") {
  Router& r = router();
  Ipv4 ip;
  ip.src = "10.1.0.2";
  ip.dst = "10.2.0.2";
  const Bytes v4 = testpkt::ipv4_frame(r.r0.mac, kSender, ip);
  const Bytes v6 = testpkt::ipv6_frame(r.r0.mac, kSender, Ipv6{});
  REQUIRE(run(v4).action == XDP_REDIRECT);
  REQUIRE(run(v6).action == XDP_REDIRECT);
  fastpath::Policy ipv4_only, ipv6_only;
  ipv4_only.ipv4.xfrm = true;
  ipv6_only.ipv6.xfrm = true;
  REQUIRE(r.fp.set_policy(ipv4_only));
  check_pass(v4, FP_PASS_XFRM_POLICY);
  CHECK(run(v6).action == XDP_REDIRECT);
  REQUIRE(r.fp.set_policy(ipv6_only));
  CHECK(run(v4).action == XDP_REDIRECT);
  check_pass(v6, FP_PASS_XFRM_POLICY);
  REQUIRE(r.fp.set_policy({}));
}

TEST_CASE("under a stateful ruleset, only established conntrack flows are forwarded") {
  // No conntrack entry exists for these in the test namespace: every flow
  // is new to the gate, and what it never takes goes up before the lookup.
  Router& r = router();
  const fastpath::Policy::Family gated{false, true, true};
  fastpath::Policy liberal{gated, gated, true, 432000, 120};
  fastpath::Policy strict = liberal;
  strict.tcp_liberal = false;
  Ipv4 ip;
  ip.src = "10.1.0.2";
  ip.dst = "10.2.0.2";
  const Bytes udp4 = testpkt::ipv4_frame(r.r0.mac, kSender, ip);
  const Bytes udp6 = testpkt::ipv6_frame(r.r0.mac, kSender, Ipv6{});
  Ipv4 tcp = ip;
  tcp.proto = 6;
  const Bytes ack = testpkt::ipv4_frame(r.r0.mac, kSender, tcp);
  Bytes syn = ack, fin = ack, rst = ack;
  syn[testpkt::kEthLen + testpkt::kIpv4Len + 13] = 0x02;
  fin[testpkt::kEthLen + testpkt::kIpv4Len + 13] = 0x11;
  rst[testpkt::kEthLen + testpkt::kIpv4Len + 13] = 0x04;
  Ipv4 icmp = ip;
  icmp.proto = 1;
  Ipv4 frag = ip;
  frag.frag_off = 0x2000;  // MF
  REQUIRE(r.fp.set_policy(liberal));
  check_pass(udp4, FP_PASS_CT_NEW);
  check_pass(udp6, FP_PASS_CT_NEW);
  check_pass(ack, FP_PASS_CT_NEW);
  for (const Bytes* b : {&syn, &fin, &rst}) check_pass(*b, FP_PASS_CT_TCP_CONTROL);
  check_pass(testpkt::ipv4_frame(r.r0.mac, kSender, icmp), FP_PASS_NETFILTER);
  check_pass(testpkt::ipv4_frame(r.r0.mac, kSender, frag), FP_PASS_NETFILTER);
  // Truncated transport header: never read past it.
  Bytes short_udp(udp4.begin(), udp4.begin() + testpkt::kEthLen + testpkt::kIpv4Len + 4);
  short_udp[testpkt::kEthLen + 3] = static_cast<uint8_t>(testpkt::kIpv4Len + 4);  // tot_len
  packet::fix_ipv4_checksum(short_udp);
  check_pass(short_udp, FP_PASS_NETFILTER);
  // Conntrack checking windows: no TCP segment is the gate's.
  REQUIRE(r.fp.set_policy(strict));
  check_pass(ack, FP_PASS_CT_TCP_WINDOW);
  check_pass(udp4, FP_PASS_CT_NEW);
  // No gate: netfilter decides all.
  fastpath::Policy ungated;
  ungated.ipv4.netfilter = ungated.ipv6.netfilter = true;
  REQUIRE(r.fp.set_policy(ungated));
  check_pass(udp4, FP_PASS_NETFILTER);
  // One family's netfilter only: the other is forwarded.
  fastpath::Policy ipv4_rules;
  ipv4_rules.ipv4.netfilter = true;
  REQUIRE(r.fp.set_policy(ipv4_rules));
  check_pass(udp4, FP_PASS_NETFILTER);
  CHECK(run(udp6).action == XDP_REDIRECT);
  // xfrm beside a stateful ruleset: everything up.
  fastpath::Policy xfrm_too = liberal;
  xfrm_too.ipv4.xfrm = true;
  REQUIRE(r.fp.set_policy(xfrm_too));
  check_pass(udp4, FP_PASS_NETFILTER);
  REQUIRE(r.fp.set_policy({}));
  CHECK(run(udp4).action == XDP_REDIRECT);
}

TEST_CASE("IPv6 the kernel would not forward is handed up") {
  Router& r = router();
  const Bytes v6 = testpkt::ipv6_frame(r.r0.mac, kSender, Ipv6{});
  REQUIRE(run(v6).action == XDP_REDIRECT);
  SUBCASE("disable_ipv6 on the ingress: the kernel drops it") {
    configure_r0({.ipv6_disabled = true});
    check_pass(v6, FP_PASS_IPV6_DISABLED);
    CHECK(run(testpkt::ipv4_frame(r.r0.mac, kSender, Ipv4{})).action == XDP_REDIRECT);
  }
  SUBCASE("conf/all/forwarding off: the kernel forwards no IPv6") {
    configure_r0({.ipv6_forwarding = false});
    check_pass(v6, FP_PASS_FWD_DISABLED);
  }
  configure_r0({});
  CHECK(run(v6).action == XDP_REDIRECT);
}

TEST_CASE("packets above an unlocked route MTU are left to the kernel") {
  Router& r = router();
  REQUIRE(r.fp.set_mtu_ceilings(1000, 1300));
  Ipv4 big;
  big.dst = "10.72.0.1";
  big.payload = 1100;
  check_pass(testpkt::ipv4_frame(r.r0.mac, kSender, big), FP_PASS_ROUTE_MTU);
  Ipv4 fits = big;
  fits.payload = 900;
  CHECK(run(testpkt::ipv4_frame(r.r0.mac, kSender, fits)).action == XDP_REDIRECT);
  Ipv6 big6;
  big6.dst = "fd72::1";
  big6.payload = 1300;
  check_pass(testpkt::ipv6_frame(r.r0.mac, kSender, big6), FP_PASS_ROUTE_MTU);
  REQUIRE(r.fp.set_mtu_ceilings(0, 0));
  CHECK(run(testpkt::ipv4_frame(r.r0.mac, kSender, big)).action == XDP_REDIRECT);
}

TEST_CASE("truncated frames of every length are handed up unchanged") {
  Router& r = router();
  const Bytes v4 = testpkt::ipv4_frame(r.r0.mac, kSender, Ipv4{});
  const Bytes v6 = testpkt::ipv6_frame(r.r0.mac, kSender, Ipv6{});
  for (const Bytes* full : {&v4, &v6}) {
    for (size_t len = 0; len < full->size(); ++len) {
      const Bytes cut(full->begin(), full->begin() + len);
      CAPTURE(len);
      auto res = fastpath::test_run(r.fp.program_fd(), cut, r.r0.ifindex);
      if (len < testpkt::kEthLen) {
        // The kernel refuses to run XDP on less than an Ethernet header.
        CHECK_FALSE(res.has_value());
        continue;
      }
      REQUIRE(res.has_value());
      check_pass(cut, FP_PASS_TRUNCATED);
    }
  }
}

namespace {

// The cache's counters of r0 moved by exactly these.
void check_cache(const Outcome& o, uint64_t hits, uint64_t misses, uint64_t stale) {
  CHECK(o.after.cache_hits - o.before.cache_hits == hits);
  CHECK(o.after.cache_misses - o.before.cache_misses == misses);
  CHECK(o.after.cache_stale - o.before.cache_stale == stale);
}

}  // namespace

TEST_CASE("the FIB result cache answers as the lookup did, and never after the kernel changed") {
  Router& r = router();
  // Each CPU has its own answers: every run on one CPU, so a run finds
  // what the one before it filled.
  cpu_set_t all, one;
  REQUIRE(::sched_getaffinity(0, sizeof(all), &all) == 0);
  CPU_ZERO(&one);
  CPU_SET(::sched_getcpu(), &one);
  REQUIRE(::sched_setaffinity(0, sizeof(one), &one) == 0);
  REQUIRE(r.fp.set_fib_cache(true, true, false));
  for (bool ipv6 : {false, true}) {
    CAPTURE(ipv6);
    Ipv4 ip;
    ip.dst = "10.9.7.7";
    Ipv6 ip6;
    ip6.dst = "fd09::7:7";
    const Bytes in = ipv6 ? testpkt::ipv6_frame(r.r0.mac, kSender, ip6)
                          : testpkt::ipv4_frame(r.r0.mac, kSender, ip);
    const Bytes via_r1 = ipv6 ? routed(ip6) : routed(ip);
    Ipv4 ttl4 = ip;
    --ttl4.ttl;
    Ipv6 ttl6 = ip6;
    --ttl6.hop_limit;
    auto via_r3 = [&](const Mac& gw) {
      return ipv6 ? testpkt::ipv6_frame(gw, to_mac(r.r3.mac), ttl6)
                  : testpkt::ipv4_frame(gw, to_mac(r.r3.mac), ttl4);
    };
    const char* family = ipv6 ? "-6" : "-4";
    const std::string more_specific = ipv6 ? "fd09::/48 via fd04::2" : "10.9.7.0/24 via 10.4.0.2";
    const std::string neighbour = ipv6 ? "fd04::2" : "10.4.0.2";

    Outcome o = run(in);  // filled
    CHECK(o.output == via_r1);
    check_cache(o, 0, 1, 0);
    CHECK(o.after.cache_fills - o.before.cache_fills == 1);
    o = run(in);  // answered
    CHECK(o.action == XDP_REDIRECT);
    CHECK(o.forwarded() == 1);
    CHECK(o.output == via_r1);
    check_cache(o, 1, 0, 0);

    // A more specific route elsewhere: the very next packet takes it.
    testenv::sh(fmt::format("ip {} route add {}", family, more_specific));
    o = run(in);
    CHECK(o.output == via_r3(kR3Host));
    check_cache(o, 0, 1, 1);
    CHECK(run(in).output == via_r3(kR3Host));

    // The next hop's MAC changes, no route does: the neighbour tracepoint.
    const Mac moved{0x02, 0, 0, 0, 0x04, 0x33};
    testenv::sh(fmt::format("ip neigh replace {} lladdr 02:00:00:00:04:33 dev r3 nud permanent",
                            neighbour));
    o = run(in);
    CHECK(o.output == via_r3(moved));
    check_cache(o, 0, 1, 1);
    testenv::sh(fmt::format("ip neigh replace {} lladdr 02:00:00:00:04:02 dev r3 nud permanent",
                            neighbour));
    CHECK(run(in).output == via_r3(kR3Host));

    // The source becomes one of the router's addresses (IPv4 checks them):
    // a hit passed the check against the table before, and is not used.
    if (!ipv6) {
      const uint32_t source = htonl(0x0a010002);  // 10.1.0.2, the frames' source
      REQUIRE(r.fp.set_local_addresses(std::span(&source, 1)));
      check_pass(in, FP_PASS_SOURCE_INVALID);
      REQUIRE(r.fp.set_local_addresses({}));
      o = run(in);
      CHECK(o.output == via_r3(kR3Host));
      check_cache(o, 0, 1, 1);
    }

    // A larger packet than the lookup cleared: looked up again.
    Ipv4 big = ip;
    big.payload = 1400;
    Ipv6 big6 = ip6;
    big6.payload = 1400;
    const Bytes big_in = ipv6 ? testpkt::ipv6_frame(r.r0.mac, kSender, big6)
                              : testpkt::ipv4_frame(r.r0.mac, kSender, big);
    o = run(big_in);
    CHECK(o.action == XDP_REDIRECT);
    check_cache(o, 0, 1, 0);
    CHECK(run(big_in).action == XDP_REDIRECT);  // answered
    // The egress's MTU falls below it, and the lookup says it is too big:
    // IPv4's generations move; IPv6's do not, and the hit's check against
    // the device's MTU now sends it to the lookup.
    testenv::sh("ip link set r3 mtu 1280");
    o = run(big_in);
    CHECK(o.passed(FP_PASS_FRAG_NEEDED) == 1);
    check_cache(o, 0, 1, ipv6 ? 0 : 1);
    testenv::sh("ip link set r3 mtu 9000");

    // The route goes: IPv4 counts it (fib_seq); IPv6 deletions count in
    // nothing the kernel keeps, so the loader's invalidation stands in.
    testenv::sh(fmt::format("ip {} route del {}", family, more_specific));
    if (ipv6) REQUIRE(r.fp.invalidate_fib_cache());
    o = run(in);
    CHECK(o.output == via_r1);
    check_cache(o, 0, 1, 1);
  }
  // Gated (routerd's setting): lookups that all miss (a flow each, more
  // flows than the cache holds) do not rest it while it warms, up to as
  // many new keys as it holds; past them, a window of misses rests it, and
  // then lookups go past it.
  REQUIRE(r.fp.set_fib_cache(true, true));
  Ipv4 flow;
  flow.dst = "10.9.7.7";
  const uint32_t warm = fastpath::kDefaultFibCacheEntries;
  uint64_t skipped = 0;
  for (uint32_t i = 0; i < warm + FP_CACHE_WINDOW; ++i) {
    flow.sport = static_cast<uint16_t>(i);
    flow.dport = static_cast<uint16_t>(i >> 16);
    const Outcome o = run(testpkt::ipv4_frame(r.r0.mac, kSender, flow));
    if (i < warm) skipped += o.after.cache_skipped - o.before.cache_skipped;
  }
  CHECK(skipped == 0);
  const Outcome rested = run(testpkt::ipv4_frame(r.r0.mac, kSender, flow));
  CHECK(rested.action == XDP_REDIRECT);
  CHECK(rested.after.cache_skipped - rested.before.cache_skipped == 1);
  check_cache(rested, 0, 0, 0);
  // Off: every packet looked up, nothing counted.
  REQUIRE(r.fp.set_fib_cache(false, false));
  Ipv4 ip;
  ip.dst = "10.9.7.7";
  const Outcome o = run(testpkt::ipv4_frame(r.r0.mac, kSender, ip));
  check_cache(o, 0, 0, 0);
  ::sched_setaffinity(0, sizeof(all), &all);
}
