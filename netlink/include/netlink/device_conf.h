// Kernel settings that decide what the forwarding path accepts, which the
// fast path must apply the same way: per-device checks (IPv4 source
// validation, IPv6 on or off), the router's own addresses, and route MTUs
// the FIB helper cannot see.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/device_checks.h"
#include "common/error.h"

namespace netlink {

// The checks of device ifname from this namespace's sysctls:
// net.ipv4.conf.{all,DEV}.{rp_filter,accept_local},
// net.ipv6.conf.DEV.disable_ipv6 (missing: no IPv6 there, so disabled) and
// net.ipv6.conf.all.forwarding. ipv4_address is the caller's to set (from
// local_ipv4()). Fails when an IPv4 setting cannot be read.
common::Result<common::DeviceChecks> device_checks(const std::string& ifname);

// This namespace's IPv4 addresses, from one dump: the addresses (network
// order) and the devices that have one.
struct LocalIpv4 {
  std::vector<uint32_t> addresses;
  std::set<uint32_t> devices;
};
common::Result<LocalIpv4> local_ipv4();

// Whether the kernel checks every IPv4 source by a lookup of the route
// back, rp_filter off too (fib_validate_source's "full check"). It does
// once the namespace has had ip rules or local routes of its own, a mark
// the kernel never clears and does not show: found by asking it, with a
// route query from an interface's subnet broadcast to its own address,
// which only the full check refuses. When no interface can be asked (none
// with rp_filter and accept_local off and a subnet broadcast), true: the
// fast path then checks more than the kernel may, never less.
bool ipv4_full_source_check();

// The smallest MTU of a unicast route whose MTU is not locked, per family
// (0: none). The kernel's forwarding path honours these; bpf_fib_lookup
// honours only locked ones.
struct MtuCeilings {
  uint32_t ipv4 = 0, ipv6 = 0;
};
common::Result<MtuCeilings> route_mtu_ceilings();

// The settings the kernel's multipath hash depends on (per family its
// policy and fields, IPv4's seed), as read now: to compare, not to read.
// Changing them sends no notification.
std::vector<int> multipath_hash_settings();

}  // namespace netlink
