// The kernel state plans are made from, reconciling, and the kernel checks
// the fast path mirrors: one implementation for routerd and routerctl.
#include "routerd/plane.h"

#include "common/log.h"
#include "netlink/netfilter.h"
#include "netlink/xfrm.h"

namespace routerd {

common::Result<KernelView> read_kernel_view(const std::set<std::string>& check_devices) {
  KernelView v;
  auto links = netlink::dump_links();
  if (!links) return std::unexpected(links.error());
  for (netlink::Link& l : *links) v.links[l.ifindex] = std::move(l);
  // Unknown features: the core decides as routerd does before the first dump.
  if (auto f = netlink::dump_xdp_features()) v.features = std::move(*f);
  auto local = netlink::local_ipv4();
  if (!local) return std::unexpected(local.error());
  v.ipv4_devices = std::move(local->devices);
  auto tc = netlink::dump_traffic_control();
  if (!tc) return std::unexpected(tc.error());
  v.traffic_control = std::move(*tc);
  for (const auto& [ifindex, l] : v.links)
    if (check_devices.empty() || check_devices.count(l.name))
      if (auto c = netlink::device_checks(l.name)) v.checks[ifindex] = *c;
  return v;
}

Observed observe(const KernelView& view, const Memory& memory,
                 const fastpath::Snapshot* fastpath) {
  Observed o;
  o.memory = memory;
  for (const auto& [ifindex, l] : view.links) {
    LinkView v{ifindex, l.name, l.mac, l.ethernet, l.up, l.lower_up, l.mtu, l.is_veth(),
               l.master};
    if (auto f = view.features.find(ifindex); f != view.features.end())
      v.xdp_features = f->second.flags;
    if (auto c = view.checks.find(ifindex); c != view.checks.end()) v.checks = c->second;
    else v.checks_known = false;
    v.checks.ipv4_address = view.ipv4_devices.count(ifindex);
    if (auto t = view.traffic_control.find(ifindex); t != view.traffic_control.end()) {
      v.egress_qdisc = t->second.egress_qdisc;
      v.tc_filters = t->second.filters;
    }
    o.links[ifindex] = std::move(v);
  }
  if (fastpath)
    for (const auto& s : fastpath->interfaces)
      o.fastpath[s.ifindex] = {.attached = s.attached ? s.mode : std::nullopt,
                               .egress = s.egress,
                               .configured = s.configured,
                               .settings = s.settings};
  return o;
}

namespace {

// The fast path's state now; unreadable: logged, and planned as if empty.
Observed observe_now(const KernelView& view, const Memory& memory, fastpath::Fastpath& fp,
                     std::optional<uint32_t> only) {
  auto snap = fp.snapshot();
  if (!snap)
    common::log::error("routerd", "cannot read the fast path's state: {}", snap.error().message());
  Observed o = observe(view, memory, snap ? &*snap : nullptr);
  if (only) std::erase_if(o.fastpath, [&](const auto& kv) { return kv.first != *only; });
  return o;
}

}  // namespace

Plan reconcile(const Config& config, const Overrides& overrides, const KernelView& view,
               fastpath::Fastpath& fp, Memory& memory, Outcome& outcome,
               std::optional<uint32_t> only) {
  Plan p = plan(config, overrides, observe_now(view, memory, fp, only));
  for (int pass = 0; pass < 2 && !p.actions.empty(); ++pass) {
    const Outcome out = execute(p.actions, fp, view.links, memory);
    outcome.applied += out.applied;
    outcome.failed += out.failed;
    outcome.skipped += out.skipped;
    outcome.failures.insert(outcome.failures.end(), out.failures.begin(), out.failures.end());
    // The status shows the outcome, failures included; a second pass only
    // carries out what the failures changed, never retries blindly.
    p = plan(config, overrides, observe_now(view, memory, fp, only));
    if (!out.failed) break;
  }
  return p;
}

netlink::XfrmPolicies read_xfrm(std::string* error) {
  auto x = netlink::xfrm_forward_policies();
  if (x) return *x;
  if (error) *error = x.error().message();
  return {true, true};
}

netlink::ForwardFirewall read_firewall(std::string* error) {
  auto nf = netlink::forward_firewall();
  if (nf) return *nf;
  if (error) *error = nf.error().message();
  return {{true, true}, {}};
}

std::optional<netlink::ConntrackSettings> read_conntrack() {
  auto ct = netlink::conntrack_settings();
  if (!ct) return std::nullopt;
  return *ct;
}

fastpath::Policy fastpath_policy(const netlink::PerFamily& xfrm,
                                 const netlink::ForwardFirewall& firewall,
                                 const std::optional<netlink::ConntrackSettings>& conntrack) {
  const bool gate = conntrack.has_value();
  fastpath::Policy p;
  p.ipv4 = {xfrm.ipv4, firewall.acts.ipv4, gate && firewall.stateful.ipv4};
  p.ipv6 = {xfrm.ipv6, firewall.acts.ipv6, gate && firewall.stateful.ipv6};
  if (gate) {
    p.tcp_liberal = conntrack->tcp_liberal;
    p.tcp_established_s = conntrack->tcp_established_s;
    p.udp_stream_s = conntrack->udp_stream_s;
  }
  return p;
}

common::Result<void> mirror_kernel_checks(fastpath::Fastpath& fp) {
  auto local = netlink::local_ipv4();
  if (!local) return std::unexpected(local.error());
  if (auto r = fp.set_local_addresses(local->addresses); !r) return r;
  if (auto r = fp.set_full_source_check(netlink::ipv4_full_source_check()); !r) return r;
  if (auto r = fp.set_policy(
          fastpath_policy(read_xfrm(nullptr), read_firewall(nullptr), read_conntrack()));
      !r)
    return r;
  auto ceilings = netlink::route_mtu_ceilings();
  if (!ceilings) return std::unexpected(ceilings.error());
  return fp.set_mtu_ceilings(ceilings->ipv4, ceilings->ipv6);
}

}  // namespace routerd
