// The router the fuzzer runs against, as data: router.cpp builds it in a
// private network namespace, seeds.cpp addresses frames into every route.
//
//   sender ─ p0 ── r0 ┐          ┌ r1 ── p1  10.2.0.0/24 fd02::/64  egress, SG, mtu 9000
//   10.1.0.0/24       │  router  │
//   fd01::/64         │ this ns  ├ r2 ── p2  10.3.0.0/24 fd03::/64  forwarding off
//   ingress, egress   └          └ r3 ── p3  10.4.0.0/24 fd04::/64  egress, no SG, mtu 9000
//
// A frame arrives on the interface whose MAC it is addressed to (p0's: an
// interface the fast path does not know), any other frame on r0. MACs are
// fixed, so a saved crash input reproduces in a new process.
#pragma once

namespace fuzzworld {

enum Role : unsigned {
  kConfigured = 1 << 0,  // in the fast path's interfaces map
  kEgress = 1 << 1,      // in the DEVMAP
  kXmitSg = 1 << 2,      // takes multi-buffer frames
  kNoForwarding = 1 << 3,
};

struct Device {
  const char* name;
  const char* mac;
  const char* peer;  // the veth's other end, also in this namespace
  const char* peer_mac;
  unsigned mtu;
  unsigned roles;
  const char* v4;  // the router's address and prefix on it
  const char* v6;
};

inline constexpr Device kDevices[] = {
    {"r0", "02:00:00:00:01:01", "p0", "02:00:00:00:01:fe", 1500, kConfigured | kEgress,
     "10.1.0.1/24", "fd01::1/64"},
    {"r1", "02:00:00:00:02:01", "p1", "02:00:00:00:02:fe", 9000,
     kConfigured | kEgress | kXmitSg, "10.2.0.1/24", "fd02::1/64"},
    {"r2", "02:00:00:00:03:01", "p2", "02:00:00:00:03:fe", 1500, kConfigured | kNoForwarding,
     "10.3.0.1/24", "fd03::1/64"},
    {"r3", "02:00:00:00:04:01", "p3", "02:00:00:00:04:fe", 9000, kConfigured | kEgress,
     "10.4.0.1/24", "fd04::1/64"},
};

// Resolved next hops (nud permanent): the only MACs a forwarded frame may go to.
struct Neighbour {
  const char* dev;
  const char* addr;
  const char* mac;
};

inline constexpr Neighbour kNeighbours[] = {
    {"r0", "10.1.0.2", "02:00:00:00:01:02"}, {"r0", "fd01::2", "02:00:00:00:01:02"},
    {"r1", "10.2.0.2", "02:00:00:00:02:02"}, {"r1", "fd02::2", "02:00:00:00:02:02"},
    {"r1", "10.2.0.3", "02:00:00:00:02:03"}, {"r1", "fd02::3", "02:00:00:00:02:03"},
    {"r2", "10.3.0.2", "02:00:00:00:03:02"}, {"r2", "fd03::2", "02:00:00:00:03:02"},
    {"r3", "10.4.0.2", "02:00:00:00:04:02"}, {"r3", "fd04::2", "02:00:00:00:04:02"},
};

// `ip route add ROUTE`, and a destination inside it for the seed frames.
struct Route {
  const char* route;
  const char* probe;
};

inline constexpr Route kRoutes[] = {
    // Connected subnets (no route to add): resolved, unresolved, the router itself.
    {nullptr, "10.2.0.2"}, {nullptr, "fd02::2"},
    {nullptr, "10.4.0.2"}, {nullptr, "fd04::2"},
    {nullptr, "10.2.0.77"}, {nullptr, "fd02::77"},    // no neighbour
    {nullptr, "10.3.0.2"}, {nullptr, "fd03::2"},      // not an egress
    {nullptr, "10.1.0.1"}, {nullptr, "fd01::1"},      // local
    {nullptr, "10.2.0.255"},                          // subnet broadcast
    {"10.9.0.0/16 via 10.2.0.2", "10.9.1.1"},
    {"fd09::/32 via fd02::2", "fd09::1"},
    {"10.10.0.0/16 via 10.2.0.9", "10.10.0.1"},       // gateway without a neighbour
    {"fd10::/32 via fd02::9", "fd10::1"},
    {"blackhole 10.66.0.0/16", "10.66.0.1"},
    {"blackhole fd66::/32", "fd66::1"},
    {"unreachable 10.67.0.0/16", "10.67.0.1"},
    {"unreachable fd67::/32", "fd67::1"},
    {"prohibit 10.68.0.0/16", "10.68.0.1"},
    {"prohibit fd68::/32", "fd68::1"},
    {"10.70.0.0/16 via 10.2.0.2 mtu lock 1000", "10.70.0.1"},
    {"fd70::/32 via fd02::2 mtu lock 1280", "fd70::1"},
    {"10.71.0.0/16 encap ip id 1 dst 192.0.2.1 via 10.2.0.2 dev r1", "10.71.0.1"},
    {"10.80.0.0/16 nexthop via 10.2.0.2 dev r1 nexthop via 10.4.0.2 dev r3", "10.80.0.1"},
    {"fd80::/32 nexthop via fd02::2 dev r1 nexthop via fd04::2 dev r3", "fd80::1"},
    {"10.1.5.0/24 via 10.1.0.2 dev r0", "10.1.5.1"},  // hairpin
    {"fd01:5::/48 via fd01::2 dev r0", "fd01:5::1"},
    {"10.3.9.0/24 via 10.3.0.2 dev r2", "10.3.9.1"},  // via a device that is not an egress
};

// The sender on r0's link, and its addresses.
inline constexpr const char* kSenderMac = "02:00:00:00:01:99";
inline constexpr const char* kSenderV4 = "10.1.0.2";
inline constexpr const char* kSenderV6 = "fd01::2";

}  // namespace fuzzworld
