// Fresh devices of a given kind, made to run experiments on instead of a
// live device. Meant for a private namespace (common::in_new_netns).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace netlink {

struct DeviceSpec {
  std::string kind;   // rtnl_link kind: "veth", "bridge", "tun", ...
  bool tap = false;   // for "tun": a tap (Ethernet) rather than a tun (IP)
  uint32_t mtu = 0;   // 0: the kind's default
  // A veth's name, its peer's being the same + "p": for a veth made beside
  // live devices. Empty: the private namespace's own names.
  std::string veth_name;
};

// A device made in the current network namespace, up, and removed again
// with this object: a veth with its peer, a macvlan or vlan with a lower
// veth, a tun/tap with the descriptor that keeps it (one queue, so frames
// it transmits can be read back).
class ScratchDevice {
 public:
  static common::Result<ScratchDevice> create(const DeviceSpec& spec);

  ScratchDevice(ScratchDevice&&) noexcept;
  ScratchDevice& operator=(ScratchDevice&&) noexcept;
  ~ScratchDevice();

  uint32_t ifindex() const;
  const std::string& name() const;
  // The veth's other end, where what this device transmits arrives; 0 for
  // other kinds.
  uint32_t peer_ifindex() const;
  // Sets the MTU here and, for a veth, on the peer.
  common::Result<void> set_mtu(uint32_t mtu);
  // For a tun/tap: reads what the device transmitted and counts the frames
  // of that ethertype (a tap's Ethernet frames). 0 for other kinds.
  uint32_t read_frames(uint16_t ethertype);

 private:
  struct Impl;
  explicit ScratchDevice(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netlink
