// Change notifications for links (rtnetlink) and per-device XDP features
// (the netdev genetlink family), for an event loop to poll.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "common/error.h"
#include "netlink/link.h"
#include "netlink/netdev.h"

namespace netlink {

// What the kernel said since the last poll. `overrun` means messages were
// lost (ENOBUFS): the caller must dump again and reconcile.
struct Changes {
  std::vector<Link> links;                       // new or changed
  std::vector<uint32_t> removed;                 // deleted ifindexes
  std::map<uint32_t, XdpFeatures> features;      // new or changed
  bool addresses = false;    // an IPv4 address came or went
  bool netconf = false;      // an IPv4 per-device setting changed (rp_filter)
  // Routes with an unlocked MTU: the smallest added per family (0: none),
  // and whether one went away (the ceiling may rise: dump again).
  uint32_t route_mtu_added_v4 = 0, route_mtu_added_v6 = 0;
  bool route_mtu_removed = false;
  bool overrun = false;         // link, address or feature events were lost
  bool routes_overrun = false;  // route events were lost

  bool empty() const {
    return links.empty() && removed.empty() && features.empty() && !addresses && !netconf &&
           !route_mtu_added_v4 && !route_mtu_added_v6 && !route_mtu_removed && !overrun &&
           !routes_overrun;
  }
};

class Monitor {
 public:
  // rcvbuf: bytes of socket receive buffer (0 keeps the kernel default).
  static common::Result<Monitor> open(int rcvbuf = 4 << 20);

  Monitor(Monitor&&) noexcept;
  Monitor& operator=(Monitor&&) noexcept;
  ~Monitor();

  // Descriptors to wait on for reading.
  int link_fd() const;
  int netdev_fd() const;  // -1 when the kernel has no netdev family
  int route_fd() const;   // route events (busy with a full BGP table)

  // Reads everything pending without blocking.
  Changes poll();

 private:
  struct Impl;
  explicit Monitor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netlink
