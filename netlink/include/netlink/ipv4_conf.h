// Kernel settings that decide what the forwarding path accepts, which the
// fast path must apply the same way: IPv4 source validation per interface,
// the router's own addresses, and route MTUs the FIB helper cannot see.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace netlink {

struct SourceChecks {
  uint8_t rp_filter = 0;     // 0 off, 1 strict, 2 loose: max(conf/all, conf/DEV)
  bool accept_local = false; // conf/all or conf/DEV
};

// net.ipv4.conf.{all,DEV}.{rp_filter,accept_local} of this namespace.
common::Result<SourceChecks> source_checks(const std::string& ifname);

// Every IPv4 address of this namespace, in network order.
common::Result<std::vector<uint32_t>> local_ipv4_addresses();

// The smallest MTU of a unicast route whose MTU is not locked, per family
// (0: none). The kernel's forwarding path honours these; bpf_fib_lookup
// honours only locked ones.
struct MtuCeilings {
  uint32_t ipv4 = 0, ipv6 = 0;
};
common::Result<MtuCeilings> route_mtu_ceilings();

}  // namespace netlink
