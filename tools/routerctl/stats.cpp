// routerctl stats: what the fast path forwarded, and why it passed the rest.
#include <fmt/core.h>
#include <net/if.h>

#include "context.h"
#include "fastpath/fastpath.h"
#include "netlink/link.h"

namespace routerctl {
namespace {

constexpr std::string_view kUsage = "routerctl stats [dev NAME]";

std::string name_of(uint32_t ifindex) {
  char buf[IF_NAMESIZE] = {};
  return if_indextoname(ifindex, buf) ? std::string(buf) : fmt::format("if{}", ifindex);
}

void print_counters(cli::Output& out, const fastpath::Counters& c) {
  out.open_object("forwarded");
  out.field("packets", c.fwd_packets, "    forwarded {} packets");
  out.field("bytes", c.fwd_bytes, " {} bytes\n");
  out.close_object();
  out.field("passed_packets", c.passed(), "    passed to kernel {} packets");
  out.open_object("passed");
  bool first = true;
  const auto& reasons = fastpath::pass_reasons();
  for (size_t r = 0; r < reasons.size(); ++r) {
    // Text shows the reasons that happened; JSON has them all.
    if (out.json()) {
      out.field(reasons[r].name, c.pass[r], "");
    } else if (c.pass[r]) {
      out.text(first ? ": " : ", ");
      out.text(fmt::format("{} {}", reasons[r].name, c.pass[r]));
      first = false;
    }
  }
  out.close_object();
  out.newline();
}

void print_transmit(cli::Output& out, const fastpath::EgressCounters& t) {
  out.open_object("transmit");
  out.field("packets", t.xmit_packets, "    transmitted {} packets");
  out.field("drops", t.xmit_drops, ", {} dropped by the driver");
  out.field("redirect_errors", t.redirect_errors, ", {} redirect errors\n");
  out.close_object();
}

}  // namespace

int cmd_stats(Context& ctx, cli::Args& args) {
  cli::Keywords kw({"dev"});
  if (auto r = kw.parse(args, "dev"); !r) return usage_error(r.error().what, kUsage);
  std::optional<uint32_t> only;
  if (auto dev = kw.get("dev")) {
    auto link = netlink::link_by_name(*dev);
    if (!link) return report(link.error());
    only = link->ifindex;
  }
  auto dir = pin_dir(ctx);
  if (!dir) return report(dir.error());
  auto pinned = fastpath::PinnedState::open(*dir);
  if (!pinned) return report(pinned.error());
  auto snap = pinned->snapshot();
  if (!snap) return report(snap.error());

  cli::Output out(ctx.format);
  out.open_array("interfaces");
  for (const fastpath::InterfaceState& s : snap->interfaces) {
    if (only && s.ifindex != *only) continue;
    out.open_object();
    out.field("ifname", name_of(s.ifindex), "{}");
    out.field("ifindex", s.ifindex, " (ifindex {})");
    out.field("fastpath", std::string(s.attached && s.mode ? fastpath::to_string(*s.mode) : "off"),
              " fastpath {}");
    out.field("egress", s.egress, s.egress ? ", egress\n" : "\n");
    print_counters(out, s.counters);
    if (s.transmit) print_transmit(out, *s.transmit);
    out.close_object();
  }
  out.close_array();
  if (!only) {
    out.open_object("total");
    out.text("total\n");
    print_counters(out, snap->total());
    out.close_object();
  }
  return cli::kExitOk;
}

}  // namespace routerctl
