// Traffic control on the router's devices, which frames the fast path
// handles never meet: an XDP redirect transmits past the egress qdisc, and
// XDP runs before tc's ingress hook.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/error.h"

namespace netlink {

struct TrafficControl {
  // The first egress qdisc that is not one the kernel attaches by itself
  // (noqueue, pfifo_fast, mq, net.core.default_qdisc): htb, tbf, cake,
  // netem, ... "" when none.
  std::string egress_qdisc;
  // A clsact or ingress qdisc: tc filters run on frames arriving here, and
  // (clsact) leaving.
  bool filters = false;

  bool operator==(const TrafficControl&) const = default;
};

// Per ifindex, the devices with any of it (absent: nothing).
common::Result<std::map<uint32_t, TrafficControl>> dump_traffic_control();

}  // namespace netlink
