// Netfilter on the forward path: what the kernel's forwarding runs through
// (prerouting, forward, postrouting: filter, NAT, mangle) and an XDP
// redirect skips.
#pragma once

#include "common/error.h"
#include "netlink/policy.h"

namespace netlink {

// Per family: nftables base chains on the forward path's hooks that can
// change something (rules, or a drop policy), or iptables-legacy tables.
// inet and netdev chains count for both.
using ForwardFirewall = PerFamily;

// From one dump of nftables' chains and rules (NETLINK_NETFILTER, through
// libnftnl), and /proc/net/ip{,6}_tables_names for iptables-legacy.
common::Result<ForwardFirewall> forward_firewall();

}  // namespace netlink
