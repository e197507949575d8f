// The fast path's counters, printed as text or JSON.
#include "cli/counters.h"

#include <net/if.h>

namespace cli {

std::string ifname_of(uint32_t ifindex) {
  char buf[IF_NAMESIZE] = {};
  return if_indextoname(ifindex, buf) ? std::string(buf) : fmt::format("if{}", ifindex);
}

void print_counters(Output& out, const fastpath::Counters& c) {
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
  // The result cache's answers: text only where it answered at all.
  const bool used = c.cache_hits || c.cache_misses || c.cache_skipped;
  out.open_object("fib_cache");
  out.field("hits", c.cache_hits, used ? "    fib cache {} hits" : "");
  out.field("misses", c.cache_misses, used ? ", {} misses" : "");
  out.field("stale", c.cache_stale, used ? " ({} stale)" : "");
  out.field("fills", c.cache_fills, used ? ", {} filled" : "");
  out.field("skipped", c.cache_skipped, used ? ", {} looked up past it (resting)\n" : "");
  out.close_object();
}

void print_transmit(Output& out, const fastpath::EgressCounters& t) {
  out.open_object("transmit");
  out.field("packets", t.xmit_packets, "    transmitted {} packets");
  out.field("drops", t.xmit_drops, ", {} dropped by the driver");
  out.field("redirect_errors", t.redirect_errors, ", {} redirect errors\n");
  out.close_object();
}

void print_statistics(Output& out, const fastpath::InterfaceState& s) {
  print_counters(out, s.counters);
  if (s.transmit) print_transmit(out, *s.transmit);
}

void print_interface_counters(Output& out, const fastpath::InterfaceState& s,
                              const std::string& ifname) {
  out.open_object();
  out.field("ifname", ifname, "{}");
  out.field("ifindex", s.ifindex, " (ifindex {})");
  out.field("fastpath", std::string(s.attached && s.mode ? fastpath::to_string(*s.mode) : "off"),
            " fastpath {}");
  out.field("egress", s.egress, s.egress ? ", egress\n" : "\n");
  print_statistics(out, s);
  out.close_object();
}

void print_snapshot(Output& out, const fastpath::Snapshot& snap, std::optional<uint32_t> only) {
  out.open_array("interfaces");
  for (const fastpath::InterfaceState& s : snap.interfaces)
    if (!only || s.ifindex == *only) print_interface_counters(out, s, ifname_of(s.ifindex));
  out.close_array();
  if (only) return;
  const bool cache = snap.fib_cache_ipv4 || snap.fib_cache_ipv6;
  out.open_object("fib_cache");
  out.text("fib cache");
  out.field("ipv4", snap.fib_cache_ipv4, snap.fib_cache_ipv4 ? " IPv4" : "");
  out.field("ipv6", snap.fib_cache_ipv6, snap.fib_cache_ipv6 ? " IPv6" : "");
  out.field("entries", snap.fib_cache_entries, cache ? ": {} entries per family" : " off");
  if (snap.fib_cache_used) {
    const fastpath::Counters t = snap.total();
    out.field("used", *snap.fib_cache_used, ", {} in use");
    out.field("evictions", t.cache_fills > *snap.fib_cache_used ? t.cache_fills - *snap.fib_cache_used : 0,
              ", {} evicted");
  }
  out.newline();
  out.close_object();
  out.open_object("total");
  out.text("total\n");
  print_counters(out, snap.total());
  // Devices forgotten since count too: nothing sent vanishes from the books.
  if (auto t = snap.transmit_total()) print_transmit(out, *t);
  out.close_object();
}

}  // namespace cli
