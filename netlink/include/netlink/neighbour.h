// Neighbour entries, and nudging the kernel to re-confirm them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace netlink {

// A STALE neighbour entry: resolved once, not confirmed lately.
struct StaleNeighbour {
  uint32_t ifindex = 0;
  int family = 0;      // AF_INET or AF_INET6
  std::string address;
};

// STALE entries of this namespace, IPv4 and IPv6.
common::Result<std::vector<StaleNeighbour>> stale_neighbours();

// Tells the kernel the entry is in use (RTM_NEWNEIGH with NTF_USE), as its
// own output path does: a STALE entry moves to DELAY and is re-confirmed,
// or fails and is resolved again. The fast path looks neighbours up
// without that, so without a nudge an entry it alone uses is never
// re-confirmed and a changed MAC goes unnoticed.
common::Result<void> use_neighbours(const std::vector<StaleNeighbour>& entries);

}  // namespace netlink
