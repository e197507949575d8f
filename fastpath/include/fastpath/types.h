// The fast path's value types, for code that decides about the fast path
// without loading it (routerd's core, configuration): no libbpf here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/device_checks.h"
#include "packet/frame.h"

namespace fastpath {

using packet::Mac;

enum class XdpMode { native, generic, automatic };

// What the fast path keeps of an interface (its interfaces-map entry): one
// value from the kernel's view through routerd's plan to the map, compared
// as one.
struct InterfaceSettings {
  Mac mac{};
  bool xmit_sg = false;  // takes multi-buffer frames as a redirect target
  // What the kernel checks on packets arriving here, beyond the FIB.
  common::DeviceChecks checks;

  bool operator==(const InterfaceSettings&) const = default;
};
// What the kernel's forward-path policy leaves to the fast path, per
// family: routerd decides it from the xfrm policies, the netfilter ruleset
// and conntrack's settings; the fast path only keeps it.
struct Policy {
  struct Family {
    bool xfrm = false;       // IPsec policies: all forwarded traffic goes up
    bool netfilter = false;  // rules that can change something: all goes up...
    bool conntrack_gate = false;  // ... but established flows, which conntrack decides
    bool operator==(const Family&) const = default;
  };
  Family ipv4, ipv6;
  // With a gate: conntrack checks no TCP windows (nf_conntrack_tcp_be_liberal),
  // so established TCP can be forwarded too.
  bool tcp_liberal = false;
  // With a gate: conntrack's timeouts the fast path refreshes entries by.
  uint32_t tcp_established_s = 0;
  uint32_t udp_stream_s = 0;
  bool operator==(const Policy&) const = default;
};

// The FIB result cache's default size, entries per family: a full table's
// hot set of flows.
inline constexpr uint32_t kDefaultFibCacheEntries = 131072;

std::string_view to_string(XdpMode mode);
std::optional<XdpMode> parse_mode(std::string_view text);

}  // namespace fastpath
