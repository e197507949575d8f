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
  bool overrun = false;

  bool empty() const {
    return links.empty() && removed.empty() && features.empty() && !overrun;
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

  // Reads everything pending without blocking.
  Changes poll();

 private:
  struct Impl;
  explicit Monitor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netlink
