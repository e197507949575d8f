// The differential test's random world: a routing table over the test
// topology, and packets (good, odd and broken) to send through it. All of
// it is a function of the seed.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "packet/frame.h"

namespace difftest {

using packet::Bytes;
using packet::Mac;

// One egress link of the router: subnet 10.<net>.0.0/24 and fd00:<net>::/64,
// the router at .1 / ::1, a resolved next hop at .2 / ::2 (the peer), an
// unresolved one at .3 / ::3.
struct Egress {
  std::string name;
  uint32_t ifindex = 0;
  Mac mac{};       // the router's side
  Mac peer_mac{};  // the next hop's
  int net = 0;
  uint32_t mtu = 1500;
};

struct Topology {
  std::string in0 = "in0", in1 = "in1";   // in1 has forwarding off
  uint32_t in0_ifindex = 0, in1_ifindex = 0;
  Mac in0_mac{}, in1_mac{}, sender0_mac{}, sender1_mac{};
  std::vector<Egress> egress;
};

enum class RouteKind { via, no_neigh, multipath, blackhole, unreachable, prohibit, hairpin };

struct Route {
  int family = 4;
  std::string prefix;            // "198.51.100.0/24"
  RouteKind kind = RouteKind::via;
  std::vector<int> egress;       // indexes into Topology::egress
  std::string command;           // the line for `ip -batch`
  // Policy routing: the route sits in table kPolicyTable, reached through
  // this rule (`ip [-6] rule` arguments after "add"/"del"; "" for none),
  // which matches the ingress (iif) or the source.
  std::string rule;
};

constexpr int kPolicyTable = 100;

std::vector<Route> random_routes(std::mt19937_64& rng, const Topology& topo, int count);

struct Probe {
  Bytes frame;
  uint64_t token = 0;       // 8 bytes at the start of the payload
  bool ingress1 = false;    // arrives on in1 (forwarding off) instead of in0
  std::string what;         // how it was made, for reports
  std::string src, dst;     // addresses, "" when not IP
  int route = -1;           // the route its destination was drawn from
};

Probe random_probe(std::mt19937_64& rng, const Topology& topo,
                   const std::vector<Route>& routes, uint64_t token);

}  // namespace difftest
