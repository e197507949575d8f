// Internal: the fast path's map file descriptors and reading them.
#pragma once

#include <filesystem>
#include <set>

#include "common/fd.h"
#include "fastpath/fastpath.h"

namespace fastpath::detail {

// Names of pinned objects, taken from the skeletons (never spelled here).
struct PinNames {
  std::string ifaces, ifaces_direct, stats, devmap, local_addrs, limits, egress_stats, program;
  static const PinNames& get();
};

// Descriptors of the maps every user of the fast path reads. The egress
// counters are missing when transmit tracing is not available.
struct MapFds {
  int ifaces = -1;
  int stats = -1;
  int devmap = -1;
  int egress_stats = -1;
  int local_addrs = -1;
  int limits = -1;
};

std::filesystem::path links_dir(const std::filesystem::path& pin_dir);
std::filesystem::path link_pin(const std::filesystem::path& pin_dir,
                               uint32_t ifindex);
std::filesystem::path trace_dir(const std::filesystem::path& pin_dir);

// Ifindexes with a pinned XDP link.
std::set<uint32_t> pinned_links(const std::filesystem::path& pin_dir);

Result<Snapshot> read_snapshot(const MapFds& maps,
                               const std::filesystem::path& pin_dir);

// An interfaces-map entry's flags, and back.
uint16_t iface_flags(bool xmit_sg, const common::DeviceChecks& checks);
common::DeviceChecks checks_of(uint16_t flags);


}  // namespace fastpath::detail
