// IPsec (xfrm) policies: the kernel's forwarding path checks forwarded
// packets against those of direction fwd and routes them through those of
// direction out; the fast path can do neither.
#pragma once

#include "common/error.h"
#include "netlink/policy.h"

namespace netlink {

// Whether a fwd or out policy exists for the family.
using XfrmPolicies = PerFamily;

// From one dump of this namespace's policies (NETLINK_XFRM).
common::Result<XfrmPolicies> xfrm_forward_policies();

}  // namespace netlink
