// The far end of a veth, which decides what the near end can do with XDP.
#pragma once

#include <string>

#include "common/error.h"
#include "netlink/link.h"

namespace netlink {

struct PeerSetup {
  std::string peer;      // "name@namespace" for messages
  bool changed = false;  // whether anything had to be switched
};

// Readies the peer of a veth for the fast path on this end:
// - GRO on gives the peer a NAPI instance, without which frames redirected
//   into this end vanish (the veth then advertises ndo-xmit);
// - TX checksum offload off makes frames sent from the peer carry complete
//   checksums: a redirect loses the "checksum partial" mark and the final
//   receiver would drop them as corrupt;
// - VLAN transmit offload off (802.1Q and 802.1ad) puts a tag the peer's
//   side adds into the frame: carried out of band (skb->vlan_tci), XDP on
//   this end would see the frame untagged, and route it as untagged.
// The peer's namespace is found among /run/netns and the namespaces of
// running processes.
common::Result<PeerSetup> prepare_veth_peer(const Link& veth);

}  // namespace netlink
