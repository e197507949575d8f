// Network interfaces as value types, read from rtnetlink with libnl.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace netlink {

using common::Result;

struct Link {
  uint32_t ifindex = 0;
  std::string name;
  std::array<uint8_t, 6> mac{};
  bool ethernet = false;     // has a 6-byte hardware address
  uint32_t mtu = 0;
  bool up = false;           // administratively up (IFF_UP)
  bool lower_up = false;     // carrier (IFF_LOWER_UP)
  std::string kind;          // rtnl_link kind: "veth", "bridge", ... or ""
  uint32_t master = 0;       // ifindex of the master device, 0 if none
  uint32_t link = 0;         // IFLA_LINK: for a veth, the peer's ifindex
  std::optional<int32_t> link_netnsid;  // the peer's namespace, if elsewhere

  bool is_veth() const { return kind == "veth"; }
};

Result<std::vector<Link>> dump_links();

// An address configured on an interface.
struct Address {
  uint32_t ifindex = 0;
  int family = 0;                    // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};   // IPv4 in the first 4
  uint8_t prefixlen = 0;
};
Result<std::vector<Address>> dump_addresses();
// Errors like ip(8): Cannot find device "eth9".
Result<Link> link_by_name(std::string_view name);
Result<Link> link_by_index(uint32_t ifindex);

}  // namespace netlink
