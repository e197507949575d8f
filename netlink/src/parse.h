// Internal: turning netlink messages into this module's value types.
#pragma once

#include <netlink/msg.h>
#include <netlink/route/link.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "common/error.h"
#include "netlink/link.h"
#include "netlink/netdev.h"

namespace netlink::detail {

Link to_link(rtnl_link* l);

// The kernel's include/uapi/linux/netdev.h (absent from Debian 12's
// headers): the family, its multicast group, and what we read of it.
inline constexpr const char* kNetdevFamily = "netdev";
inline constexpr const char* kNetdevGroupMgmt = "mgmt";
inline constexpr uint8_t kNetdevCmdDevGet = 1;        // NETDEV_CMD_DEV_GET
inline constexpr uint8_t kNetdevCmdDevAddNtf = 2;     // NETDEV_CMD_DEV_ADD_NTF
inline constexpr uint8_t kNetdevCmdDevDelNtf = 3;     // NETDEV_CMD_DEV_DEL_NTF
inline constexpr uint8_t kNetdevCmdDevChangeNtf = 4;  // NETDEV_CMD_DEV_CHANGE_NTF
inline constexpr int kNetdevAttrIfindex = 1;          // NETDEV_A_DEV_IFINDEX
inline constexpr int kNetdevAttrXdpFeatures = 3;      // NETDEV_A_DEV_XDP_FEATURES
inline constexpr int kNetdevAttrXdpZcMaxSegs = 4;     // NETDEV_A_DEV_XDP_ZC_MAX_SEGS
inline constexpr int kNetdevAttrMax = 4;

// The MTU of a unicast route message when it is set and not locked, which
// bpf_fib_lookup ignores and the kernel's forwarding path does not.
std::optional<uint32_t> unlocked_route_mtu(nlmsghdr* nlh);

// An integer sysctl (or any one-number file).
common::Result<int> read_int(const std::string& path);

// ifindex and features from a netdev dev-get reply or notification.
std::optional<std::pair<uint32_t, XdpFeatures>> parse_netdev(nlmsghdr* nlh);

}  // namespace netlink::detail
