// The `netdev` generic-netlink family: what XDP a device's driver offers.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/error.h"
#include "netlink/xdp_act.h"

namespace netlink {

struct XdpFeatures {
  uint64_t flags = 0;            // xdp_act bits
  uint32_t zc_max_segs = 0;      // zero-copy max segments, 0 if unknown

  bool has(uint64_t bit) const { return (flags & bit) == bit; }
};

// "basic redirect ndo-xmit ..." as the kernel's YAML spec names the bits.
std::string describe(const XdpFeatures& f);

// What the kernel advertises for one device. Every reader of advertised
// features (routerd, routerctl, xdp-probe) goes through these two and the
// Monitor's notifications, which share one parser.
common::Result<XdpFeatures> xdp_features(uint32_t ifindex);
// Every device's XDP features, in one dump.
common::Result<std::map<uint32_t, XdpFeatures>> dump_xdp_features();

}  // namespace netlink
