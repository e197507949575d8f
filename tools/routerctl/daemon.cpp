// routerctl daemon: what routerd says about itself.
#include <fmt/core.h>

#include <array>

#include "context.h"
#include "grammar.h"

namespace routerctl {

int daemon_status(Context& ctx, cli::Args& args) {
  if (!args.empty()) return usage_error("unexpected argument", usage_of("daemon", "status"));
  auto status = daemon_request(ctx, {{"command", "status"}});
  if (!status) return report(status.error());
  if (!status->value("ok", false))
    return report({EIO, status->value("error", std::string("routerd refused")), {}});
  const auto& s = *status;
  cli::Output out(ctx.format);
  out.open_object();
  out.field("pid", s.value("pid", 0), "routerd pid {}");
  out.field("uptime_s", s.value("uptime_s", 0.0), ", up {:.0f} s\n");
  out.field("config", s.value("config", std::string{}), "    config {}\n");
  out.field("pin_dir", s.value("pin_dir", std::string{}), "    pin directory {}\n");
  out.field("control_socket", s.value("control_socket", std::string{}), "    control socket {}\n");
  out.field("managed", s.value("managed", 0), "    {} managed interfaces");
  out.field("egress", s.value("egress", 0), ", {} egress\n");
  out.field("transmit_counters", s.value("transmit_counters", false), "");
  const bool overflow = s.value("local_addresses_overflow", false);
  out.field("local_addresses", s.value("local_addresses", 0),
            overflow ? "    too many local IPv4 addresses to hold: the kernel checks every "
                       "IPv4 source"
                     : "    {} local IPv4 addresses (sources the kernel rejects)");
  out.field("local_addresses_overflow", overflow, "");
  out.field("full_source_check", s.value("full_source_check", false),
            s.value("full_source_check", false)
                ? "\n    every IPv4 source's route back is checked, rp_filter off too (the "
                  "namespace has, or had, ip rules or local routes)"
                : "");
  out.field("ipv4_mtu_ceiling", s.value("ipv4_mtu_ceiling", 0),
            ", route MTU ceilings: IPv4 {}");
  out.field("ipv6_mtu_ceiling", s.value("ipv6_mtu_ceiling", 0), ", IPv6 {} (0: none)\n");
  const std::string cache_off = s.value("fib_cache_unavailable", std::string{});
  const uint32_t cache_entries = s.value("fib_cache_entries", 0u);
  out.field("fib_cache_entries", cache_entries,
            !cache_off.empty() ? ""
            : cache_entries    ? "    FIB result cache: {} entries per family\n"
                               : "    FIB result cache off (fib_cache_entries = 0)\n");
  out.field("fib_cache_unavailable", cache_off,
            cache_off.empty() ? "" : "    FIB result cache off: {}\n");
  const bool xfrm4 = s.value("xfrm_policies_ipv4", false);
  const bool xfrm6 = s.value("xfrm_policies_ipv6", false);
  out.field("xfrm_policies_ipv4", xfrm4, "");
  out.field("xfrm_policies_ipv6", xfrm6, "");
  if (xfrm4 || xfrm6)
    out.text(fmt::format("    IPsec (xfrm) policies for {}: that traffic goes to the kernel\n",
                         xfrm4 && xfrm6 ? "IPv4 and IPv6" : xfrm4 ? "IPv4" : "IPv6"));
  const bool nf4 = s.value("netfilter_ipv4", false), nf6 = s.value("netfilter_ipv6", false);
  out.field("netfilter_ipv4", nf4, "");
  out.field("netfilter_ipv6", nf6, "");
  const bool ct4 = s.value("netfilter_stateful_ipv4", false);
  const bool ct6 = s.value("netfilter_stateful_ipv6", false);
  const bool liberal = s.value("conntrack_tcp_liberal", false);
  out.field("netfilter_stateful_ipv4", ct4, "");
  out.field("netfilter_stateful_ipv6", ct6, "");
  out.field("conntrack_tcp_liberal", liberal, "");
  auto families = [](bool v4, bool v6) { return v4 && v6 ? "IPv4 and IPv6" : v4 ? "IPv4" : "IPv6"; };
  if ((nf4 && !ct4) || (nf6 && !ct6))
    out.text(fmt::format("    netfilter on the forward path for {}: that traffic goes to the "
                         "kernel\n",
                         families(nf4 && !ct4, nf6 && !ct6)));
  if (ct4 || ct6)
    out.text(fmt::format("    stateful ruleset for {}: new flows go to the kernel, established {} "
                         "flows are forwarded as conntrack translates them{}\n",
                         families(ct4, ct6), liberal ? "UDP and TCP" : "UDP",
                         liberal ? "" : " (TCP too with net.netfilter.nf_conntrack_tcp_be_liberal=1)"));
  out.field("fwmark_rules", s.value("fwmark_rules", 0),
            s.value("fwmark_rules", 0)
                ? "    {} ip rules select by fwmark: only netfilter or tc mark packets, and "
                  "their traffic goes to the kernel\n"
                : "");
  out.field("reconciles", s.value("reconciles", 0), "    {} reconciles");
  out.field("actions", s.value("actions", 0), ", {} actions");
  out.field("resyncs", s.value("resyncs", 0), ", {} resyncs");
  out.field("netlink_overruns", s.value("netlink_overruns", 0), ", {} netlink overruns");
  out.field("overrun_resyncs", s.value("overrun_resyncs", 0), " ({} mended by a dump)");
  out.field("last_reconcile_ms", s.value("last_reconcile_ms", 0.0),
            ", last reconcile {:.2f} ms\n");
  out.field("neighbours_nudged", s.value("neighbours_nudged", 0),
            "    {} stale neighbours re-probed");
  out.field("netlink_rcvbuf_kib", s.value("netlink_rcvbuf_kib", 0),
            ", netlink receive buffer {} KiB\n");
  out.field("clients", s.value("clients", 0), "");
  return cli::kExitOk;
}

}  // namespace routerctl
