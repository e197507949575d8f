// Netfilter on the forward path: what the kernel's forwarding runs through
// (prerouting, forward, postrouting: filter, NAT, mangle) and an XDP
// redirect skips.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "netlink/policy.h"

namespace netlink {

// Per family (inet and netdev chains count for both):
struct ForwardFirewall {
  // nftables base chains on the forward path's hooks that can change
  // something (rules, or a drop policy), or iptables-legacy tables that do.
  PerFamily acts;
  // ... and all of them leave established flows to conntrack: NAT chains
  // (consulted for a flow's first packet), and filter chains whose first
  // rule accepts established packets (ct state established accept, or
  // iptables-nft's -m conntrack/-m state ESTABLISHED -j ACCEPT); on
  // prerouting, only after conntrack (priority above -200). Not netdev
  // chains, nor iptables-legacy.
  PerFamily stateful;
  bool operator==(const ForwardFirewall&) const = default;
};

// From one dump of nftables' chains and rules (NETLINK_NETFILTER, through
// libnftnl), and iptables_legacy().
common::Result<ForwardFirewall> forward_firewall();

// What conntrack does to an established flow's packets that the fast path
// must do too (net.netfilter sysctls, which send no notification).
struct ConntrackSettings {
  bool tcp_liberal = false;       // nf_conntrack_tcp_be_liberal: windows not checked
  uint32_t tcp_established_s = 0; // nf_conntrack_tcp_timeout_established
  uint32_t udp_stream_s = 0;      // nf_conntrack_udp_timeout_stream
  bool operator==(const ConntrackSettings&) const = default;
};
// Fails when a setting cannot be read, or a timeout is 0 (nothing to
// refresh an entry to).
common::Result<ConntrackSettings> conntrack_settings();

// iptables-legacy alone: per family, a table whose built-in prerouting,
// forward or postrouting chain has a rule or a policy other than ACCEPT
// (libiptc). Legacy tables send no notification: callers read it again.
common::Result<PerFamily> iptables_legacy();

}  // namespace netlink
