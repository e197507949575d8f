// ethtool's driver information ioctl.
#include "netlink/driver.h"

#include <fmt/core.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "common/fd.h"

namespace netlink {

common::Result<DriverInfo> driver_info(std::string_view ifname) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ)
    return common::fail(EINVAL, fmt::format("invalid device name \"{}\"", ifname));
  common::UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return common::fail_errno("cannot open a socket");
  ethtool_drvinfo info{};
  info.cmd = ETHTOOL_GDRVINFO;
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
  ifr.ifr_data = reinterpret_cast<char*>(&info);
  if (::ioctl(sock.get(), SIOCETHTOOL, &ifr) < 0)
    return common::fail_errno(fmt::format("cannot read the driver of {}", ifname));
  // The kernel NUL-terminates each field.
  return DriverInfo{info.driver, info.version, info.fw_version, info.bus_info};
}

}  // namespace netlink
