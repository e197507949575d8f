// routerctl link: show interfaces and switch the fast path on them.
#include <fmt/core.h>
#include <unistd.h>

#include <array>
#include <map>

#include "context.h"
#include "fastpath/fastpath.h"
#include "netlink/device_conf.h"
#include "netlink/link.h"
#include "netlink/netdev.h"
#include "netlink/netfilter.h"
#include "netlink/veth.h"
#include "netlink/xfrm.h"
#include "packet/frame.h"

namespace routerctl {
namespace {

constexpr std::string_view kShowUsage = "routerctl link show [dev NAME]";
constexpr std::string_view kSetUsage =
    "routerctl link set dev NAME fastpath { native | generic | auto | off }";

// Why a device cannot be a redirect target, or empty if it can.
std::string egress_blocker(const netlink::Link& link,
                           const common::Result<netlink::XdpFeatures>& f) {
  if (!f) return "XDP features unknown: " + f.error().message();
  if (f->has(netlink::xdp_act::ndo_xmit)) return {};
  if (link.is_veth()) return "veth peer has no NAPI (needs GRO or XDP on the peer)";
  return "driver does not advertise ndo-xmit";
}

void print_egress(cli::Output& out, bool egress, const std::string& blocker) {
  out.field("egress", egress, egress ? " egress" : "");
  if (!egress && !blocker.empty()) {
    out.field("egress_blocker", blocker, " (not egress: {})");
  }
}

int link_show(Context& ctx, cli::Args& args) {
  cli::Keywords kw({"dev"});
  if (auto r = kw.parse(args, "dev"); !r) return usage_error(r.error().what, kShowUsage);
  auto links = netlink::dump_links();
  if (!links) return report(links.error());
  if (auto dev = kw.get("dev")) {
    auto one = netlink::link_by_name(*dev);
    if (!one) return report(one.error());
    *links = {*one};
  }
  std::map<uint32_t, nlohmann::json> daemon_view;
  if (auto reply = daemon_request(ctx, {{"command", "interfaces"}});
      reply && reply->value("ok", false))
    for (const auto& j : reply->at("interfaces")) daemon_view[j.value("ifindex", 0u)] = j;
  std::map<uint32_t, fastpath::InterfaceState> fp;
  if (auto dir = pin_dir(ctx); dir) {
    if (auto pinned = fastpath::PinnedState::open(*dir); pinned)
      if (auto snap = pinned->snapshot(); snap)
        for (auto& s : snap->interfaces) fp[s.ifindex] = s;
  }
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
      const auto& j = d->second;
      print_egress(out, s && s->egress,
                   j.value("egress_blocker", j.value("managed", false)
                                                 ? std::string{}
                                                 : std::string("not managed by routerd")));
      out.newline();
      out.field("managed", j.value("managed", false), "");
      out.field("managed_reason", j.value("managed_reason", std::string{}),
                "    routerd: {}\n");
      if (j.contains("error")) out.field("error", j["error"].get<std::string>(), "    error: {}\n");
    } else {
      print_egress(out, s && s->egress, egress_blocker(l, features));
      out.newline();
    }
    out.field("xdp_features", features ? netlink::describe(*features) : std::string("unknown"),
              "    xdp-features {}\n");
    if (ctx.statistics && s) {
      out.open_object("stats");
      out.field("forwarded_packets", s->counters.fwd_packets, "    forwarded {} packets");
      out.field("forwarded_bytes", s->counters.fwd_bytes, " {} bytes");
      out.field("passed_packets", s->counters.passed(), ", passed {} packets\n");
      out.close_object();
    }
    out.close_object();
  }
  out.close_array();
  return cli::kExitOk;
}

struct PeerReport {
  std::string text;
  bool ok = true;
};

PeerReport prepare_peer(const netlink::Link& link) {
  if (!link.is_veth()) return {};
  auto setup = netlink::prepare_veth_peer(link);
  if (!setup)
    return {fmt::format("cannot prepare the veth peer: {} ({})", setup.error().message(),
                        setup.error().hint),
            false};
  return {fmt::format("peer {}: gro on, tx-checksum off, tx-vlan off{}", setup->peer,
                      setup->changed ? "" : " (already)"),
          true};
}

common::Result<void> mirror_kernel_checks(fastpath::Fastpath& fp, const netlink::LocalIpv4& local) {
  if (auto r = fp.set_local_addresses(local.addresses); !r) return r;
  if (auto r = fp.set_full_source_check(netlink::ipv4_full_source_check()); !r) return r;
  // Unreadable xfrm policies count as present, as in routerd.
  const auto xfrm = netlink::xfrm_forward_policies().value_or(netlink::XfrmPolicies{true, true});
  const auto nf = netlink::forward_firewall().value_or(netlink::ForwardFirewall{{true, true}, {}});
  auto conntrack = netlink::conntrack_settings();
  if (auto r = fp.set_policy(xfrm, nf, conntrack ? std::optional(*conntrack) : std::nullopt); !r)
    return r;
  auto ceilings = netlink::route_mtu_ceilings();
  if (!ceilings) return std::unexpected(ceilings.error());
  return fp.set_mtu_ceilings(ceilings->ipv4, ceilings->ipv6);
}

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
  print_egress(out, egress, j.value("egress_blocker", std::string{}));
  out.text(" (via routerd)");
  out.newline();
  return cli::kExitOk;
}

int link_set(Context& ctx, cli::Args& args) {
  cli::Keywords kw({"dev", "fastpath"});
  if (auto r = kw.parse(args, "dev"); !r) return usage_error(r.error().what, kSetUsage);
  const auto dev = kw.get("dev");
  const auto mode_word = kw.get("fastpath");
  if (!dev || !mode_word) return usage_error("dev and fastpath are required", kSetUsage);
  const bool off = *mode_word == "off";
  const auto mode = fastpath::parse_mode(*mode_word);
  if (!off && !mode)
    return usage_error(fmt::format("unknown fastpath mode \"{}\"", *mode_word), kSetUsage);
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

  cli::Output out(ctx.format);
  out.open_object();
  out.field("ifname", link->name, "{}: fast path");
  out.field("via", std::string("direct"), "");
  const std::string_view note = " (direct: routerd is not running)";
  if (off) {
    if (auto r = fp->forget(link->ifindex); !r) return report(r.error());
    out.field("fastpath", std::string("off"), " {}");
    out.text(note);
    out.newline();
    return cli::kExitOk;
  }
  if (!link->ethernet)
    return report({EINVAL, fmt::format("{} is not an Ethernet device", link->name),
                   "the fast path forwards Ethernet frames only"});

  if (link->master) {
    auto master = netlink::link_by_index(link->master);
    const std::string name = master ? master->name : fmt::format("ifindex {}", link->master);
    return report({EINVAL, fmt::format("{} is a port of {}: {} routes its traffic", link->name,
                                       name, name),
                   fmt::format("attach the fast path to {} instead", name)});
  }

  const PeerReport peer = prepare_peer(*link);
  const auto features = netlink::xdp_features(link->ifindex);
  const auto local = netlink::local_ipv4();
  if (!local) return report(local.error());
  auto checks = netlink::device_checks(link->name);
  if (!checks) return report(checks.error());
  checks->ipv4_address = local->devices.count(link->ifindex);
  fastpath::Interface iface{link->ifindex, link->name, link->mac,
                            features && features->has(netlink::xdp_act::ndo_xmit_sg), *checks};
  auto used = fp->attach(iface, *mode);
  if (!used) return report(used.error());
  // What the kernel checks beyond the FIB lookup, as it stands now (routerd
  // keeps these current; without it they are taken at each `link set`).
  if (auto r = mirror_kernel_checks(*fp, *local); !r) return report(r.error());
  out.field("fastpath", std::string(fastpath::to_string(*used)), " {}");

  const std::string blocker = egress_blocker(*link, features);
  auto r = blocker.empty() ? fp->add_egress(iface) : fp->remove_egress(link->ifindex);
  if (!r) return report(r.error());
  print_egress(out, blocker.empty(), blocker);
  out.text(note);
  out.newline();
  if (!peer.text.empty()) {
    out.field("peer", peer.text, "    {}\n");
    out.field("peer_ready", peer.ok, "");
  }
  return cli::kExitOk;
}

const std::array<Command, 2> kVerbs{{
    {"show", "[dev NAME]", link_show, true},
    {"set", "dev NAME fastpath MODE", link_set},
}};

}  // namespace

int cmd_link(Context& ctx, cli::Args& args) {
  if (args.empty()) return link_show(ctx, args);
  auto verb = cli::match<Command>(kVerbs, args.next());
  if (!verb) return usage_error(verb.error().what, "routerctl link { show | set } ...");
  return (*verb)->run(ctx, args);
}

}  // namespace routerctl
