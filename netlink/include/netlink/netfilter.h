// Netfilter on the forward path: what the kernel's forwarding runs through
// (prerouting, forward, postrouting: filter, NAT, mangle) and an XDP
// redirect skips.
#pragma once

#include "common/error.h"
#include "netlink/policy.h"

namespace netlink {

// Per family: nftables base chains on the forward path's hooks that can
// change something (rules, or a drop policy), or iptables-legacy tables
// that do.
// inet and netdev chains count for both.
using ForwardFirewall = PerFamily;

// From one dump of nftables' chains and rules (NETLINK_NETFILTER, through
// libnftnl), and iptables_legacy().
common::Result<ForwardFirewall> forward_firewall();

// iptables-legacy alone: per family, a table whose built-in prerouting,
// forward or postrouting chain has a rule or a policy other than ACCEPT
// (libiptc). Legacy tables send no notification: callers read it again.
common::Result<PerFamily> iptables_legacy();

}  // namespace netlink
