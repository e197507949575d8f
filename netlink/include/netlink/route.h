// Asking the kernel's FIB what it would do with a packet (ip route get).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"

namespace netlink {

struct RouteQuery {
  std::string dst;             // IPv4 or IPv6 address
  std::string src;             // empty: none
  uint32_t iif = 0;            // 0: an output lookup
  uint8_t ip_proto = 0;        // 0: any
  uint16_t sport = 0, dport = 0;
  uint8_t tos = 0;
};

struct RouteAnswer {
  std::string type;            // unicast, local, broadcast, unreachable, ...
  uint32_t oif = 0;            // egress ifindex, for unicast
  std::string gateway;         // next hop, empty when on-link
  std::string prefsrc;
  std::string error;           // the kernel's refusal (e.g. "Network is unreachable")
};

// RTM_GETROUTE, as `ip route get DST from SRC iif DEV ipproto P dport N`.
common::Result<RouteAnswer> route_get(const RouteQuery& q);

// IPv4 and IPv6 rules that select by firewall mark (`ip rule add fwmark`).
// A forwarded packet's mark is 0 unless netfilter or tc set it, as the
// fast path's lookups (mark 0) assume.
common::Result<size_t> fwmark_rules();

}  // namespace netlink
