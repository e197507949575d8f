// What the kernel checks on a packet arriving on a device beyond the FIB
// lookup, as the device's settings say: netlink reads it, routerd decides on
// it, the fast path applies it.
#pragma once

#include <cstdint>

namespace common {

struct DeviceChecks {
  // IPv4 source validation (fib_validate_source): rp_filter is the max of
  // conf/all and conf/DEV (0 off, 1 strict, 2 loose); accept_local is
  // conf/all or conf/DEV.
  uint8_t rp_filter = 0;
  bool accept_local = false;
  // Without an IPv4 address on the device, loose rp_filter accepts a source
  // only if its route back uses the device, as strict does.
  bool ipv4_address = true;
  // The kernel drops all IPv6 arriving on a device with disable_ipv6 (or
  // without IPv6 at all), and forwards none without conf/all/forwarding.
  bool ipv6_disabled = false;
  bool ipv6_forwarding = true;

  bool operator==(const DeviceChecks&) const = default;
};

}  // namespace common
