// routerctl stats: what the fast path forwarded, and why it passed the rest.
#include <fmt/core.h>
#include <net/if.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <thread>

#include "cli/counters.h"
#include "context.h"
#include "grammar.h"
#include "fastpath/fastpath.h"
#include "netlink/link.h"

namespace routerctl {
namespace {

// Rates between two snapshots, for monitor.
void print_rates(cli::Output& out, const fastpath::Snapshot& before,
                 const fastpath::Snapshot& after, double seconds,
                 std::optional<uint32_t> only) {
  out.open_array("interfaces");
  out.text(fmt::format("{:<16} {:>12} {:>12} {:>12} {:>10}  {}\n", "interface", "fwd pps",
                       "fwd Mbit/s", "passed pps", "tx drops", "top reasons"));
  for (const auto& a : after.interfaces) {
    if (only && a.ifindex != *only) continue;
    fastpath::InterfaceState b;
    for (const auto& s : before.interfaces)
      if (s.ifindex == a.ifindex) b = s;
    const double fwd = (a.counters.fwd_packets - b.counters.fwd_packets) / seconds;
    const double mbit = (a.counters.fwd_bytes - b.counters.fwd_bytes) * 8 / seconds / 1e6;
    const double passed = (a.counters.passed() - b.counters.passed()) / seconds;
    const uint64_t drops = a.transmit && b.transmit
                               ? a.transmit->xmit_drops - b.transmit->xmit_drops
                               : 0;
    out.open_object();
    out.field("ifname", cli::ifname_of(a.ifindex), "{:<16}");
    out.field("forwarded_pps", fwd, " {:>12.0f}");
    out.field("forwarded_mbps", mbit, " {:>12.1f}");
    out.field("passed_pps", passed, " {:>12.0f}");
    out.field("transmit_drops", drops, " {:>10}");
    out.open_object("passed");
    std::string top;
    const auto& reasons = fastpath::pass_reasons();
    for (size_t r = 0; r < reasons.size(); ++r) {
      const uint64_t n = a.counters.pass[r] - b.counters.pass[r];
      if (!n) continue;
      out.field(reasons[r].name, n / seconds, "");
      top += fmt::format("{}{} {:.0f}/s", top.empty() ? "" : ", ", reasons[r].name, n / seconds);
    }
    out.close_object();
    out.text("  " + top + "\n");
    out.close_object();
  }
  out.close_array();
}

}  // namespace

int monitor(Context& ctx, cli::Args& args) {
  const std::string usage = usage_of("monitor");
  cli::Keywords kw(keywords_of("monitor"));
  if (auto r = kw.parse(args, bare_of("monitor")); !r) return usage_error(r.error().what, usage);
  std::optional<uint32_t> only;
  if (auto dev = kw.get("dev")) {
    auto link = netlink::link_by_name(*dev);
    if (!link) return report(link.error());
    only = link->ifindex;
  }
  long count = -1;
  if (auto c = kw.get("count")) {
    count = std::strtol(c->c_str(), nullptr, 10);
    if (count <= 0) return usage_error("count must be a positive number", usage);
  }
  auto dir = pin_dir(ctx);
  if (!dir) return report(dir.error());
  auto pinned = fastpath::PinnedState::open(*dir);
  if (!pinned) return report(pinned.error());
  auto prev = pinned->snapshot();
  if (!prev) return report(prev.error());
  auto t0 = std::chrono::steady_clock::now();
  // Once a second until interrupted (or count refreshes), one JSON document
  // per line with -j.
  for (long i = 0; count < 0 || i < count; ++i) {
    std::this_thread::sleep_until(t0 + std::chrono::seconds(1));
    auto now = pinned->snapshot();
    if (!now) return report(now.error());
    const auto t1 = std::chrono::steady_clock::now();
    {
      cli::Output out(ctx.format == cli::Format::pretty ? cli::Format::json : ctx.format);
      out.open_object();
      out.field("time",
                std::chrono::duration<double>(
                    std::chrono::system_clock::now().time_since_epoch()).count(),
                "");
      print_rates(out, *prev, *now, std::chrono::duration<double>(t1 - t0).count(), only);
      out.text("\n");
    }
    prev = std::move(now);
    t0 = t1;
  }
  return cli::kExitOk;
}

int stats(Context& ctx, cli::Args& args) {
  cli::Keywords kw(keywords_of("stats"));
  if (auto r = kw.parse(args, bare_of("stats")); !r)
    return usage_error(r.error().what, usage_of("stats"));
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
  fastpath::count_fib_cache(*dir, *snap);

  cli::Output out(ctx.format);
  cli::print_snapshot(out, *snap, only);
  return cli::kExitOk;
}

}  // namespace routerctl
