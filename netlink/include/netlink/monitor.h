// Change notifications for links (rtnetlink) and per-device XDP features
// (the netdev genetlink family), for an event loop to poll.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/error.h"
#include "netlink/link.h"
#include "netlink/netdev.h"

namespace netlink {

// What the kernel said since the last poll. `overrun` means messages were
// lost (ENOBUFS): the caller must dump again and reconcile.
// The last word on one ifindex in a batch, its events taken in order.
struct LinkEvent {
  std::optional<Link> link;  // present at the end (nullopt: gone)
  // A deletion came in the batch: a present link may be a new device that
  // reuses the ifindex, so nothing known about the old one holds.
  bool replaced = false;
};

struct Changes {
  std::map<uint32_t, LinkEvent> links;           // per ifindex
  std::map<uint32_t, XdpFeatures> features;      // new or changed
  bool addresses = false;    // an IPv4 address came or went
  // A per-device setting may have changed: IPv4 or IPv6 netconf (rp_filter,
  // forwarding), or an IPv6 address came or went (disable_ipv6 removes and
  // restores them, and says nothing else).
  bool netconf = false;
  bool netns_gone = false;  // a namespace with an id here went away (RTM_DELNSID)
  // An IPv4 rule, or a local route not the kernel's, came or went: the
  // kernel may now check sources fully.
  bool source_check = false;
  bool rules = false;   // an IPv4 or IPv6 rule came or went
  bool qdiscs = false;  // a qdisc came, went or changed
  bool xfrm = false;    // an IPsec policy came, went or changed
  bool netfilter = false;  // the nftables ruleset changed
  // Routes with an unlocked MTU: the smallest added per family (0: none),
  // and whether one went away (the ceiling may rise: dump again).
  uint32_t route_mtu_added_v4 = 0, route_mtu_added_v6 = 0;
  bool route_mtu_removed = false;
  // Changes the kernel counts in no generation of its own (see
  // fastpath::Fastpath::invalidate_fib_cache): an IPv6 route deleted, a
  // nexthop object added, changed or deleted.
  bool ipv6_route_removed = false;
  bool nexthops = false;
  bool overrun = false;         // link, address or feature events were lost
  bool routes_overrun = false;  // route events were lost

  bool empty() const {
    return links.empty() && features.empty() && !addresses && !netconf && !netns_gone && !source_check && !rules &&
           !qdiscs && !xfrm && !netfilter &&
           !route_mtu_added_v4 && !route_mtu_added_v6 && !route_mtu_removed &&
           !ipv6_route_removed && !nexthops && !overrun &&
           !routes_overrun;
  }
};

class Monitor {
 public:
  // rcvbuf: bytes of socket receive buffer (0 keeps the kernel default),
  // set past net.core.rmem_max (SO_RCVBUFFORCE) where the caller may.
  static common::Result<Monitor> open(int rcvbuf = 4 << 20);

  Monitor(Monitor&&) noexcept;
  Monitor& operator=(Monitor&&) noexcept;
  ~Monitor();

  // Descriptors to wait on for reading.
  int link_fd() const;
  int netdev_fd() const;  // -1 when the kernel has no netdev family
  int route_fd() const;   // route events (busy with a full BGP table)
  int xfrm_fd() const;    // IPsec policy events; -1 without xfrm
  int nftables_fd() const;  // nftables ruleset events; -1 without nf_tables

  // The receive buffer in effect per socket, in bytes as the kernel counts
  // them (SO_RCVBUF: twice the size asked for, for its bookkeeping).
  int rcvbuf() const;

  // Reads everything pending without blocking.
  Changes poll();

 private:
  struct Impl;
  explicit Monitor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netlink
