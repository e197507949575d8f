// The control plane around the pure core (core.h): the kernel state a plan
// is made from, the executor that carries a plan out, and the kernel checks
// the fast path mirrors. routerd runs it on every change; routerctl, when
// routerd is not running, runs the same steps for one interface.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "fastpath/fastpath.h"
#include "netlink/device_conf.h"
#include "netlink/link.h"
#include "netlink/netdev.h"
#include "netlink/netfilter.h"
#include "netlink/qdisc.h"
#include "netlink/xfrm.h"
#include "routerd/core.h"

namespace routerd {

// What the plan is made from, per ifindex. routerd keeps it current from
// netlink events; read_kernel_view() reads it at once.
struct KernelView {
  std::map<uint32_t, netlink::Link> links;
  std::map<uint32_t, netlink::XdpFeatures> features;
  // The kernel's checks per device, as last read; absent: never readable.
  std::map<uint32_t, common::DeviceChecks> checks;
  std::set<uint32_t> ipv4_devices;  // devices with an IPv4 address
  std::map<uint32_t, netlink::TrafficControl> traffic_control;
};

// Every link, its XDP features, addresses and traffic control now; the
// kernel checks of the devices named in check_devices (all when empty).
common::Result<KernelView> read_kernel_view(const std::set<std::string>& check_devices = {});

// The core's input: the view, what the executor remembers, and the fast
// path's own state (none: as if it had none).
Observed observe(const KernelView& view, const Memory& memory,
                 const fastpath::Snapshot* fastpath);

struct Failure {
  Action action;
  common::Error error;
};

struct Outcome {
  size_t applied = 0;
  size_t failed = 0;
  size_t skipped = 0;  // after their veth peer failed
  std::vector<Failure> failures;
};

// Carries out the actions in order. Every action is idempotent, so running
// a plan twice changes nothing the second time. Failures are remembered in
// memory (the next plan knows them) and returned.
Outcome execute(const std::vector<Action>& actions, fastpath::Fastpath& fp,
                const std::map<uint32_t, netlink::Link>& links, Memory& memory);

// Plan, execute, and plan again knowing what failed (a veth whose peer
// failed is taken out at once), at most twice: the plan left standing.
// With only, the fast path's state of other interfaces is not looked at,
// so nothing is done to them (routerctl without routerd).
Plan reconcile(const Config& config, const Overrides& overrides, const KernelView& view,
               fastpath::Fastpath& fp, Memory& memory, Outcome& outcome,
               std::optional<uint32_t> only = std::nullopt);

// Kernel policy, read conservatively: what cannot be read counts as
// present (never forward past a policy), with why in *error.
netlink::XfrmPolicies read_xfrm(std::string* error);
netlink::ForwardFirewall read_firewall(std::string* error);
// conntrack's settings for the gate; unreadable: no gate.
std::optional<netlink::ConntrackSettings> read_conntrack();
// What that policy leaves to the fast path: per family, xfrm policies and
// netfilter it cannot apply send the traffic to the kernel; a stateful
// ruleset sends only what is not an established flow, given conntrack's
// settings (unreadable: nullopt, and no gate).
fastpath::Policy fastpath_policy(const netlink::PerFamily& xfrm,
                                 const netlink::ForwardFirewall& firewall,
                                 const std::optional<netlink::ConntrackSettings>& conntrack);

// Everything the fast path checks beyond its interfaces, read now and set:
// local addresses, the full source check, policy, route MTU ceilings.
// (routerd sets each piece as its events arrive.)
common::Result<void> mirror_kernel_checks(fastpath::Fastpath& fp);

}  // namespace routerd
