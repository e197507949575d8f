// bench-limit: attaches the limit program (MACs set in advance, no lookup)
// to a router's ingress until SIGINT/SIGTERM, then prints what it did.
#include <signal.h>

#include "bench/limit.h"
#include "common/libbpf_log.h"
#include "netlink/link.h"
#include "pktgen/frame.h"
#include "tool.h"

namespace {

constexpr std::string_view kTool = "bench-limit";
constexpr std::string_view kUsage =
    "bench-limit dev IFNAME egress IFNAME dst-mac MAC [ -j ]\n"
    "    Run it in the router's network namespace; it stays attached until\n"
    "    SIGINT or SIGTERM, then prints its counters.";

}  // namespace

int main(int argc, char** argv) {
  using namespace bench;
  ToolArgs args = split_args(argc, argv);
  cli::Args words(args.words);
  cli::Keywords kw({"dev", "egress", "dst-mac"});
  if (auto r = kw.parse(words); !r) return usage(kTool, r.error(), kUsage);
  for (std::string_view required : {"dev", "egress", "dst-mac"})
    if (!kw.get(required))
      return usage(kTool, {EINVAL, fmt::format("\"{}\" is required", required)}, kUsage);
  auto dst_mac = pktgen::parse_mac(*kw.get("dst-mac"));
  if (!dst_mac) return usage(kTool, dst_mac.error(), kUsage);
  auto dev = netlink::link_by_name(*kw.get("dev"));
  if (!dev) return report(kTool, dev.error());
  auto egress = netlink::link_by_name(*kw.get("egress"));
  if (!egress) return report(kTool, egress.error());

  // Blocked before anything is attached, so a signal never finds us
  // half-way: sigtimedwait below takes it.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  common::route_libbpf_logs();
  auto limit = Limit::load({egress->ifindex, *dst_mac, egress->mac});
  if (!limit) return report(kTool, limit.error());
  if (auto r = limit->attach(dev->ifindex, dev->name); !r) return report(kTool, r.error());
  fmt::print(stderr, "{}: attached to {}, out of {} to {}\n", kTool, dev->name, egress->name,
             packet::format_mac(*dst_mac));
  int sig;
  sigwait(&stop, &sig);

  auto c = limit->counters();
  if (!c) return report(kTool, c.error());
  cli::Output out(args.format);
  out.open_object();
  out.field("dev", dev->name, "{}");
  out.field("egress", egress->name, " -> {}: ");
  out.field("redirected", c->redirected, "redirected {}");
  out.field("passed", c->passed, ", passed {}");
  out.field("dropped", c->dropped, ", dropped {}\n");
  out.close_object();
  return cli::kExitOk;
}
