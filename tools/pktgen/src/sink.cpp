// xdp-pktgen sink: count what arrives on a device and drop it, until a
// duration, a count or a signal; a progress line a second, a total at the
// end.
#include <fmt/core.h>

#include <chrono>

#include "context.h"
#include "netlink/link.h"
#include "pktgen/bpf.h"
#include "pktgen/options.h"

namespace pktgen {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration;

// The sink stopped before its count arrived (duration or signal).
constexpr int kExitShort = 3;

// How often the counters are read while waiting for a count or for
// silence: the delay between the last frame and our exit.
constexpr long kCountPollMs = 5;

void print_total(const Context& ctx, const netlink::Link& link, const SinkCounters& c,
                 uint64_t target, double wall_seconds) {
  // From the first frame to the last: the rate the frames came at,
  // whenever the sender started.
  const double span = c.packets > 1 ? (c.last_ns - c.first_ns) / 1e9 : 0;
  const uint64_t pps = span > 0 ? static_cast<uint64_t>((c.packets - 1) / span) : 0;
  cli::Output out(ctx.format);
  out.open_object();
  out.field("packets", c.packets, "received {} packets");
  out.field("bytes", c.bytes, " ({} bytes)");
  out.field("dev", link.name, " on {}");
  out.field("seconds", span, " in {:.3f} s");
  out.field("pps", pps, " (first to last): {} pps\n");
  out.field("wall_seconds", wall_seconds, "");
  if (target) {
    out.field("count", target, "");
    out.field("complete", c.packets >= target, "");
    if (c.packets < target)
      out.text(fmt::format("    stopped before count {} was reached\n", target));
  }
}

}  // namespace

int cmd_sink(Context& ctx, cli::Args& args) {
  auto parsed = parse_sink(args);
  if (!parsed) return usage_error(parsed.error(), kSinkUsage);
  const SinkOptions& o = *parsed;
  auto link = netlink::link_by_name(o.dev);
  if (!link) return report(link.error());

  block_stop_signals();
  auto sink = Sink::attach(link->ifindex, link->name);
  if (!sink) return report(sink.error());

  const auto start = Clock::now();
  auto last_tick = start;
  uint64_t last_packets = 0;
  SinkCounters c;
  // When the count last changed, for idle: a harness that does not know
  // how many frames will come learns that they stopped coming.
  auto last_arrival = start;
  for (;;) {
    const auto now = Clock::now();
    const double elapsed = duration<double>(now - start).count();
    if (o.duration && elapsed >= o.duration) break;
    long wait_ms = o.count || o.idle ? kCountPollMs : 1000;
    if (o.duration)
      wait_ms = std::min(wait_ms, static_cast<long>((o.duration - elapsed) * 1000) + 1);
    if (wait_signal(wait_ms)) break;
    auto counters = sink->counters();
    if (!counters) return report(counters.error());
    const auto tick = Clock::now();
    if (counters->packets != c.packets) last_arrival = tick;
    c = *counters;
    if (o.count && c.packets >= o.count) break;
    if (o.idle && c.packets && duration<double>(tick - last_arrival).count() >= o.idle) break;
    if (tick - last_tick >= std::chrono::seconds(1)) {
      if (ctx.progress())
        fmt::print(stderr, "{:6.1f} s  received {:>12}  {:>9.0f} pps\n",
                   duration<double>(tick - start).count(), c.packets,
                   (c.packets - last_packets) / duration<double>(tick - last_tick).count());
      last_packets = c.packets;
      last_tick = tick;
    }
  }
  const double wall = duration<double>(Clock::now() - start).count();
  auto counters = sink->counters();
  if (!counters) return report(counters.error());
  print_total(ctx, *link, *counters, o.count, wall);
  return o.count && counters->packets < o.count ? kExitShort : cli::kExitOk;
}

}  // namespace pktgen
