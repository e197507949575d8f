// IPsec (xfrm) policies: the kernel's forwarding path checks forwarded
// packets against those of direction fwd and routes them through those of
// direction out; the fast path can do neither.
#pragma once

#include "common/error.h"

namespace netlink {

struct XfrmPolicies {
  bool ipv4 = false, ipv6 = false;  // a fwd or out policy for that family
  bool operator==(const XfrmPolicies&) const = default;
};

// From one dump of this namespace's policies (NETLINK_XFRM).
common::Result<XfrmPolicies> xfrm_forward_policies();

}  // namespace netlink
