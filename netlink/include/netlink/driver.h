// Which driver runs a device: what `ethtool -i` shows.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace netlink {

struct DriverInfo {
  std::string driver;    // "veth", "mlx5_core", ...
  std::string version;
  std::string firmware;
  std::string bus_info;  // PCI address; "tun" or "tap" for the tun driver
};

// ETHTOOL_GDRVINFO, the ioctl behind `ethtool -i` (ethtool's netlink family
// has no such request). Devices without ethtool operations (lo) refuse with
// EOPNOTSUPP.
common::Result<DriverInfo> driver_info(std::string_view ifname);

}  // namespace netlink
