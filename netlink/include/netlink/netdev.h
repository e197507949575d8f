// The `netdev` generic-netlink family: what XDP a device's driver offers.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"

namespace netlink {

// Mirrors enum netdev_xdp_act of the kernel's include/uapi/linux/netdev.h
// (Debian 12's linux-libc-dev predates that header).
namespace xdp_act {
inline constexpr uint64_t basic = 1U << 0;
inline constexpr uint64_t redirect = 1U << 1;
inline constexpr uint64_t ndo_xmit = 1U << 2;
inline constexpr uint64_t xsk_zerocopy = 1U << 3;
inline constexpr uint64_t hw_offload = 1U << 4;
inline constexpr uint64_t rx_sg = 1U << 5;
inline constexpr uint64_t ndo_xmit_sg = 1U << 6;
}  // namespace xdp_act

struct XdpFeatures {
  uint64_t flags = 0;            // xdp_act bits
  uint32_t zc_max_segs = 0;      // zero-copy max segments, 0 if unknown

  bool has(uint64_t bit) const { return (flags & bit) == bit; }
};

// "basic redirect ndo-xmit ..." as the kernel's YAML spec names the bits.
std::string describe(const XdpFeatures& f);

common::Result<XdpFeatures> xdp_features(uint32_t ifindex);

}  // namespace netlink
