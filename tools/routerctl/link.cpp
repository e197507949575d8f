// routerctl link: show interfaces and switch the fast path on them.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>

#include "context.h"
#include "grammar.h"
#include "cli/counters.h"
#include "fastpath/fastpath.h"
#include "netlink/device_conf.h"
#include "netlink/link.h"
#include "netlink/netdev.h"
#include "netlink/netfilter.h"
#include "netlink/veth.h"
#include "netlink/xfrm.h"
#include "packet/frame.h"
#include "routerd/plane.h"

namespace routerctl {
namespace {


// Without routerd, the core's verdict on every device as if routerctl had
// set it (in its attached mode, or auto): nothing is carried out.
std::map<uint32_t, routerd::InterfaceStatus> planned_status(const fastpath::Snapshot* snap) {
  std::map<uint32_t, routerd::InterfaceStatus> out;
  auto view = routerd::read_kernel_view();
  if (!view) return out;
  routerd::Overrides overrides;
  for (const auto& [ifindex, l] : view->links) overrides[l.name] = routerd::XdpMode::automatic;
  if (snap)
    for (const auto& s : snap->interfaces)
      if (auto l = view->links.find(s.ifindex); l != view->links.end() && s.attached && s.mode)
        overrides[l->second.name] = *s.mode;
  for (auto& st : routerd::plan({}, overrides, routerd::observe(*view, {}, snap)).status)
    out[st.ifindex] = std::move(st);
  return out;
}

void print_egress(cli::Output& out, bool egress, const std::string& blocker) {
  out.field("egress", egress, egress ? " egress" : "");
  if (!egress && !blocker.empty()) {
    out.field("egress_blocker", blocker, " (not egress: {})");
  }
}

}  // namespace

int link_show(Context& ctx, cli::Args& args) {
  cli::Keywords kw(keywords_of("link", "show"));
  if (auto r = kw.parse(args, bare_of("link", "show")); !r)
    return usage_error(r.error().what, usage_of("link", "show"));
  auto links = netlink::dump_links();
  if (!links) return report(links.error());
  if (auto dev = kw.get("dev")) {
    auto one = netlink::link_by_name(*dev);
    if (!one) return report(one.error());
    *links = {*one};
  }
  std::map<uint32_t, routerd::InterfaceStatus> daemon_view;
  if (auto reply = daemon_request(ctx, {{"command", "interfaces"}});
      reply && reply->value("ok", false))
    for (const auto& j : reply->at("interfaces")) {
      routerd::InterfaceStatus st = routerd::status_from_json(j);
      daemon_view[st.ifindex] = std::move(st);
    }
  std::optional<fastpath::Snapshot> snap;
  if (auto dir = pin_dir(ctx); dir)
    if (auto pinned = fastpath::PinnedState::open(*dir); pinned)
      if (auto sn = pinned->snapshot(); sn) snap = std::move(*sn);
  std::map<uint32_t, fastpath::InterfaceState> fp;
  if (snap)
    for (const auto& s : snap->interfaces) fp[s.ifindex] = s;
  std::map<uint32_t, routerd::InterfaceStatus> planned;
  if (daemon_view.empty()) planned = planned_status(snap ? &*snap : nullptr);
  cli::Output out(ctx.format);
  out.open_array("links");
  for (const netlink::Link& l : *links) {
    const auto features = netlink::xdp_features(l.ifindex);
    const auto it = fp.find(l.ifindex);
    const fastpath::InterfaceState* s = it == fp.end() ? nullptr : &it->second;
    out.open_object();
    out.field("ifindex", l.ifindex, "{}: ");
    out.field("ifname", l.name, "{}:");
    out.field("kind", l.kind.empty() ? std::string("device") : l.kind, " {}");
    out.field("operstate", std::string(l.up ? (l.lower_up ? "UP" : "NO-CARRIER") : "DOWN"),
              " {}");
    out.field("mtu", l.mtu, " mtu {}");
    if (l.ethernet) out.field("address", packet::format_mac(l.mac), " link/ether {}");
    out.newline();
    out.text("    fastpath");
    const bool attached = s && s->attached;
    out.field("fastpath", std::string(attached && s->mode ? fastpath::to_string(*s->mode) : "off"),
              " {}");
    const auto d = daemon_view.find(l.ifindex);
    if (d != daemon_view.end()) {
      const routerd::InterfaceStatus& st = d->second;
      print_egress(out, s && s->egress,
                   st.managed ? st.egress_blocker : std::string("not managed by routerd"));
      out.newline();
      out.field("managed", st.managed, "");
      out.field("managed_reason", st.managed_reason, "    routerd: {}\n");
      if (!st.error.empty()) out.field("error", st.error, "    error: {}\n");
    } else {
      const auto st = planned.find(l.ifindex);
      print_egress(out, s && s->egress, st == planned.end() ? std::string{}
                                        : st->second.managed ? st->second.egress_blocker
                                                             : st->second.managed_reason);
      out.newline();
    }
    out.field("xdp_features", features ? netlink::describe(*features) : std::string("unknown"),
              "    xdp-features {}\n");
    if (ctx.statistics && s) {
      out.open_object("stats");
      cli::print_statistics(out, *s);
      out.close_object();
    }
    out.close_object();
  }
  out.close_array();
  // The FIB result cache, and why it is off where routerd says so.
  std::string unavailable;
  if (auto st = daemon_request(ctx, {{"command", "status"}}); st && st->value("ok", false))
    unavailable = st->value("fib_cache_unavailable", std::string{});
  const bool v4 = snap && snap->fib_cache_ipv4, v6 = snap && snap->fib_cache_ipv6;
  out.open_object("fib_cache");
  out.field("ipv4", v4, v4 ? "fib cache: IPv4 on" : "fib cache: IPv4 off");
  out.field("ipv6", v6, v6 ? ", IPv6 on" : ", IPv6 off");
  out.field("unavailable", unavailable, unavailable.empty() ? "\n" : " ({})\n");
  out.close_object();
  return cli::kExitOk;
}

namespace {

int print_daemon_reply(Context& ctx, const std::string& dev, const nlohmann::json& reply) {
  if (!reply.value("ok", false))
    return report({0, reply.value("error", std::string("routerd refused")),
                   reply.value("hint", std::string{})});
  const auto j = reply.value("interface", nlohmann::json::object());
  cli::Output out(ctx.format);
  out.open_object();
  out.field("ifname", dev, "{}: fast path");
  out.field("via", std::string("routerd"), "");
  out.field("fastpath", j.value("fastpath", std::string("off")), " {}");
  const bool egress = j.value("egress", false);
  print_egress(out, egress, routerd::status_from_json(j).egress_blocker);
  out.text(" (via routerd)");
  out.newline();
  return cli::kExitOk;
}

}  // namespace

int link_set(Context& ctx, cli::Args& args) {
  cli::Keywords kw(keywords_of("link", "set"));
  if (auto r = kw.parse(args, bare_of("link", "set")); !r)
    return usage_error(r.error().what, usage_of("link", "set"));
  const auto dev = kw.get("dev");
  const auto mode_word = kw.get("fastpath");
  if (!dev || !mode_word) return usage_error("dev and fastpath are required", usage_of("link", "set"));
  const bool off = *mode_word == "off";
  const auto mode = fastpath::parse_mode(*mode_word);
  if (!off && !mode)
    return usage_error(fmt::format("unknown fastpath mode \"{}\"", *mode_word), usage_of("link", "set"));
  if (::geteuid() != 0)
    return report({EPERM, "changing the fast path needs root", "run it with sudo"});

  auto link = netlink::link_by_name(*dev);
  if (!link) return report(link.error());

  // routerd owns the fast path while it runs: ask it.
  nlohmann::json req{{"command", off ? "detach" : "attach"}, {"dev", *dev}};
  if (!off) req["mode"] = *mode_word;
  auto reply = daemon_request(ctx, req);
  if (reply) return print_daemon_reply(ctx, *dev, *reply);
  if (!daemon_absent(reply.error())) return report(reply.error());

  auto dir = pin_dir(ctx);
  if (!dir) return report(dir.error());
  auto fp = fastpath::Fastpath::load(*dir);
  if (!fp) return report(fp.error());

  // routerd's plan and executor for this one interface; the fast path's
  // state of the others is not looked at, so it stays as it is. What the
  // actions change in the kernel (a prepared veth peer gives this end
  // ndo-xmit) is read again and planned for, as routerd does on the event.
  routerd::Memory memory;
  routerd::Outcome outcome;
  routerd::Plan p;
  const routerd::Overrides overrides{{link->name, off ? std::nullopt : mode}};
  for (int round = 0; round < 3; ++round) {
    auto view = routerd::read_kernel_view({link->name});
    if (!view) return report(view.error());
    const size_t applied = outcome.applied;
    p = routerd::reconcile({}, overrides, *view, *fp, memory, outcome, link->ifindex);
    if (outcome.applied == applied || outcome.failed) break;
  }
  for (const routerd::Failure& f : outcome.failures)
    if (f.action.ifindex == link->ifindex) return report(f.error);
  const auto st = std::find_if(p.status.begin(), p.status.end(),
                               [&](const auto& s) { return s.ifindex == link->ifindex; });
  if (st == p.status.end()) return report({ENODEV, fmt::format("{} is gone", link->name)});
  if (!off && !st->managed)
    return report({EINVAL, fmt::format("{}: {}", link->name, st->managed_reason), {}, true});
  if (!st->error.empty()) return report({0, fmt::format("{}: {}", link->name, st->error)});
  // What the kernel checks beyond the FIB lookup, as it stands now (routerd
  // keeps these current; without it they are taken at each `link set`).
  if (!off)
    if (auto r = routerd::mirror_kernel_checks(*fp); !r) return report(r.error());
  // The IPv4 cache is the kernel's to keep valid; the IPv6 one needs
  // routerd to hear of deleted routes, so without it it is off.
  if (auto r = fp->set_fib_cache(!fp->fib_cache_unavailable(), false); !r) return report(r.error());

  std::optional<fastpath::XdpMode> attached;
  if (auto snap = fp->snapshot())
    for (const auto& s : snap->interfaces)
      if (s.ifindex == link->ifindex && s.attached) attached = s.mode;
  cli::Output out(ctx.format);
  out.open_object();
  out.field("ifname", link->name, "{}: fast path");
  out.field("via", std::string("direct"), "");
  out.field("fastpath", std::string(attached ? fastpath::to_string(*attached) : "off"), " {}");
  if (!off) print_egress(out, st->egress, st->egress_blocker);
  out.text(" (direct: routerd is not running)");
  out.newline();
  if (memory.peers_prepared.count(link->ifindex))
    out.field("peer", std::string("prepared: gro on, tx-checksum off, tx-vlan off"),
              "    veth peer {}\n");
  return cli::kExitOk;
}

}  // namespace routerctl
