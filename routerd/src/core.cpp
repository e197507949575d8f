// The decision function: what to attach, what may be an egress, and why.
#include "routerd/core.h"

#include <fmt/core.h>

#include <algorithm>

#include "netlink/xdp_act.h"

namespace routerd {
namespace {

// The advertised bits routerd decides on, as netlink::dump_xdp_features
// reads them for routerd and xdp-probe alike (the header alone: the core
// links no netlink code).
constexpr uint64_t kXdpBasic = netlink::xdp_act::basic;
constexpr uint64_t kXdpNdoXmit = netlink::xdp_act::ndo_xmit;
constexpr uint64_t kXdpNdoXmitSg = netlink::xdp_act::ndo_xmit_sg;

struct Wanted {
  bool managed = false;
  std::string why;
  XdpMode mode = XdpMode::automatic;
};

// A port's frames are the master's to route: routed from the port, they
// would skip the master's forwarding flag, rp_filter and bridge rules.
std::string port_of(const LinkView& l, const std::map<uint32_t, LinkView>& links) {
  const auto m = links.find(l.master);
  const std::string master =
      m != links.end() ? m->second.name : fmt::format("ifindex {}", l.master);
  return fmt::format("a port of {0}: {0} routes its traffic (manage {0} instead)", master);
}

Wanted wanted(const Config& cfg, const Overrides& ov, const LinkView& l,
              const std::map<uint32_t, LinkView>& links) {
  std::optional<XdpMode> mode;
  std::string why;
  if (auto it = ov.find(l.name); it != ov.end()) {
    if (!it->second) return {false, "switched off with routerctl"};
    mode = it->second;
    why = "set with routerctl";
  } else if (const InterfaceRule* rule = cfg.match(l.name)) {
    mode = rule->mode;
    why = fmt::format("matches \"{}\" (line {})", rule->pattern, rule->line);
  } else {
    return {false, "matches no [[interface]] in the configuration"};
  }
  if (!l.ethernet) return {false, "not an Ethernet device"};
  if (l.master) return {false, port_of(l, links)};
  if (l.tc_filters)
    return {false, "tc filters run on it (clsact or ingress qdisc): its frames stay on the "
                   "kernel's path"};
  if (!l.checks_known)
    return {false, "its kernel settings (net.ipv4.conf, net.ipv6.conf) cannot be read"};
  return {true, why, *mode};
}

// auto means native where the driver says it can, generic elsewhere.
std::pair<XdpMode, std::string> resolve_mode(XdpMode configured, const LinkView& l) {
  if (configured != XdpMode::automatic) return {configured, "configured"};
  if (!l.xdp_features)
    return {XdpMode::native, "auto: XDP features unknown, trying native"};
  if (*l.xdp_features & kXdpBasic)
    return {XdpMode::native, "auto: driver advertises native XDP"};
  return {XdpMode::generic, "auto: driver does not advertise native XDP"};
}

std::string egress_blocker(const LinkView& l, bool attached) {
  if (!l.up) return "interface is down";
  if (!l.lower_up) return "no carrier";
  if (!attached) return "fast path not attached";
  if (!l.egress_qdisc.empty())
    return fmt::format("qdisc {} on its egress: a redirect would bypass it", l.egress_qdisc);
  if (!l.xdp_features) return "XDP features unknown";
  if (!(*l.xdp_features & kXdpNdoXmit))
    return l.veth ? "veth peer has no NAPI (needs GRO or XDP on the peer)"
                  : "driver does not advertise ndo-xmit";
  return {};
}

bool has_state(const FastpathView& f) { return f.attached || f.egress || f.configured; }

// An action on link l, carrying what the fast path must know of it.
Action act(ActionKind kind, const LinkView& l, XdpMode mode, bool sg, std::string reason) {
  Action a;
  a.kind = kind;
  a.ifindex = l.ifindex;
  a.name = l.name;
  a.mode = mode;
  a.settings = {l.mac, sg, l.checks};
  a.reason = std::move(reason);
  return a;
}

}  // namespace

std::string_view to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::prepare_peer: return "prepare-peer";
    case ActionKind::attach: return "attach";
    case ActionKind::configure: return "configure";
    case ActionKind::add_egress: return "add-egress";
    case ActionKind::remove_egress: return "remove-egress";
    case ActionKind::forget: return "forget";
  }
  return "?";
}

nlohmann::json to_json(const InterfaceStatus& st) {
  nlohmann::json j{{"ifindex", st.ifindex},
                   {"ifname", st.name},
                   {"managed", st.managed},
                   {"managed_reason", st.managed_reason}};
  if (st.mode) {
    j["mode"] = std::string(fastpath::to_string(*st.mode));
    j["mode_reason"] = st.mode_reason;
  }
  if (st.managed && !st.egress) j["egress_blocker"] = st.egress_blocker;
  if (!st.error.empty()) j["error"] = st.error;
  return j;
}

InterfaceStatus status_from_json(const nlohmann::json& j) {
  InterfaceStatus st;
  st.ifindex = j.value("ifindex", 0u);
  st.name = j.value("ifname", std::string{});
  st.managed = j.value("managed", false);
  st.managed_reason = j.value("managed_reason", std::string{});
  if (j.contains("mode")) st.mode = fastpath::parse_mode(j.value("mode", std::string{}));
  st.mode_reason = j.value("mode_reason", std::string{});
  st.egress_blocker = j.value("egress_blocker", std::string{});
  st.egress = st.managed && !j.contains("egress_blocker");
  st.error = j.value("error", std::string{});
  return st;
}

Plan plan(const Config& cfg, const Overrides& ov, const Observed& obs) {
  Plan out;
  std::vector<Action> prepare, attach, configure, egress, forget;
  static const FastpathView kNone;

  for (const auto& [ifindex, l] : obs.links) {
    const auto fit = obs.fastpath.find(ifindex);
    const FastpathView& fp = fit == obs.fastpath.end() ? kNone : fit->second;
    const Wanted w = wanted(cfg, ov, l, obs.links);
    InterfaceStatus st{ifindex, l.name, w.managed, w.why};

    if (!w.managed) {
      if (has_state(fp))
        forget.push_back(act(ActionKind::forget, l, {}, false, w.why));
      out.status.push_back(std::move(st));
      continue;
    }

    const auto [mode, mode_why] = resolve_mode(w.mode, l);
    st.mode = mode;
    st.mode_reason = mode_why;
    const bool sg = l.xdp_features && (*l.xdp_features & kXdpNdoXmitSg);

    // Only once the peer is up (carrier): GRO switched on while the peer is
    // down gives it NAPI when it opens, but the kernel never adds ndo-xmit
    // to this end's features then, so it would never become an egress.
    // (Without carrier nothing arrives from the peer: attaching is safe.)
    if (l.veth && !obs.memory.peers_prepared.count(ifindex)) {
      if (auto f = obs.memory.peer_failures.find(ifindex); f != obs.memory.peer_failures.end()) {
        // Its frames may carry partial checksums, and redirected ones may
        // vanish: neither taken nor sent to until the peer is right.
        st.error = f->second;
        st.egress_blocker = "veth peer not prepared (GRO on, TX checksum and VLAN offload off)";
        if (fp.egress)
          egress.push_back(act(ActionKind::remove_egress, l, mode, sg, st.egress_blocker));
        if (has_state(fp))
          forget.push_back(act(ActionKind::forget, l, mode, sg, st.egress_blocker));
        out.status.push_back(std::move(st));
        continue;
      }
      if (l.lower_up)
        prepare.push_back(act(ActionKind::prepare_peer, l, mode, sg,
                              "veth peer needs NAPI and complete checksums"));
    }

    // Attach once up; a link that goes down keeps its program (no churn on
    // flaps) but leaves the DEVMAP.
    bool attached = fp.attached == mode;
    const auto failed = obs.memory.attach_failures.find(ifindex);
    const bool failed_before =
        failed != obs.memory.attach_failures.end() && failed->second.first == mode;
    if (failed_before) st.error = failed->second.second;
    if (l.up && !attached && !failed_before) {
      attach.push_back(act(ActionKind::attach, l, mode, sg, mode_why));
      attached = true;  // the egress decision assumes it succeeds
    } else if (fp.attached &&
               (!fp.configured || fp.settings != fastpath::InterfaceSettings{l.mac, sg, l.checks})) {
      configure.push_back(
          act(ActionKind::configure, l, mode, sg, "address, features or kernel checks changed"));
    }

    const std::string blocker = egress_blocker(l, attached);
    st.egress = blocker.empty();
    st.egress_blocker = blocker;
    if (st.egress && !fp.egress)
      egress.push_back(act(ActionKind::add_egress, l, mode, sg, "ready for redirected frames"));
    else if (!st.egress && fp.egress)
      egress.push_back(act(ActionKind::remove_egress, l, mode, sg, blocker));
    out.status.push_back(std::move(st));
  }

  // State left behind by links that no longer exist.
  for (const auto& [ifindex, fp] : obs.fastpath)
    if (!obs.links.count(ifindex) && has_state(fp))
      forget.push_back(act(ActionKind::forget, LinkView{ifindex, fmt::format("ifindex {}", ifindex)},
                           {}, false, "interface is gone"));

  // Egress changes go first when removing (never redirect to a device on its
  // way out), peers and attachments before additions.
  for (auto& a : egress)
    if (a.kind == ActionKind::remove_egress) out.actions.push_back(a);
  for (auto* group : {&forget, &prepare, &attach, &configure})
    out.actions.insert(out.actions.end(), group->begin(), group->end());
  for (auto& a : egress)
    if (a.kind == ActionKind::add_egress) out.actions.push_back(a);
  return out;
}

}  // namespace routerd
