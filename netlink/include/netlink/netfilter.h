// Netfilter on the forward path: what the kernel's forwarding runs through
// (prerouting, forward, postrouting: filter, NAT, mangle) and an XDP
// redirect skips.
#pragma once

#include "common/error.h"

namespace netlink {

struct ForwardFirewall {
  // nftables base chains on those hooks that can change something (rules,
  // or a drop policy), or iptables-legacy tables, per family. inet and
  // netdev chains count for both.
  bool ipv4 = false, ipv6 = false;
  bool operator==(const ForwardFirewall&) const = default;
};

// From one dump of nftables' chains and rules (NETLINK_NETFILTER, through
// libnftnl), and /proc/net/ip{,6}_tables_names for iptables-legacy.
common::Result<ForwardFirewall> forward_firewall();

}  // namespace netlink
