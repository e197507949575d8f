// Kernel policy the fast path cannot apply, per address family.
#pragma once

namespace netlink {

struct PerFamily {
  bool ipv4 = false, ipv6 = false;
  bool operator==(const PerFamily&) const = default;
};

}  // namespace netlink
