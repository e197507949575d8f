// The BPF/C++ contract: layouts both sides depend on, and the reason table.
#include <doctest/doctest.h>
#include <linux/types.h>

#include <cstddef>
#include <set>
#include <string>

#include "fastpath/abi.h"
#include "fastpath/fastpath.h"
#include "fastpath/probe_abi.h"

// Layouts the BPF maps were created with; a change needs new pins.
static_assert(sizeof(fp_iface) == 16);
static_assert(offsetof(fp_iface, mac) == 0);
static_assert(offsetof(fp_iface, flags) == 6);
static_assert(offsetof(fp_iface, slot) == 8);
static_assert(sizeof(fp_stats) == 8 * (2 + FP_PASS__MAX + 5));
static_assert(offsetof(fp_stats, pass) == 16);
static_assert(offsetof(fp_stats, cache_hits) == 8 * (2 + FP_PASS__MAX));
static_assert(sizeof(fp_cache_key4) == 20);
static_assert(sizeof(fp_cache_key6) == 48);
static_assert(sizeof(fp_cache_val) == 48);
static_assert(sizeof(fp_cache_val) % 8 == 0, "per-CPU values are 8-byte aligned");
static_assert(offsetof(fp_limits, fib_cache) == 28);
static_assert(offsetof(fp_limits, ipv6_cache_until_ns) == 32);
static_assert(sizeof(fp_egress_stats) == 24);
static_assert(sizeof(fp_stats) % 8 == 0, "per-CPU values are 8-byte aligned");

// xdp-probe's programs: settings in .rodata, one shared result entry.
static_assert(sizeof(probe_settings) == 16);
static_assert(offsetof(probe_settings, target_ifindex) == 8);
static_assert(sizeof(probe_results) == 40);
static_assert(offsetof(probe_results, redirect_errs) == 24);
static_assert(offsetof(probe_results, xmit_err) == 32);
static_assert(offsetof(probe_results, redirect_err) == 36);
static_assert(PROBE_ETHERTYPE == 0x88B5, "IEEE 802 local experimental");

TEST_CASE("every pass reason has a unique name and an explanation") {
  const auto& reasons = fastpath::pass_reasons();
  std::set<std::string> names;
  for (const auto& r : reasons) {
    CHECK_FALSE(r.name.empty());
    CHECK_FALSE(r.why.empty());
    CHECK(r.name.find(' ') == std::string::npos);
    names.emplace(r.name);
  }
  CHECK(names.size() == reasons.size());
  CHECK(reasons[FP_PASS_TTL].name == "ttl_expired");
  CHECK(reasons[FP_PASS_NO_NEIGH].name == "no_neigh");
}

TEST_CASE("XDP modes parse as users write them") {
  using fastpath::XdpMode;
  CHECK(fastpath::parse_mode("native") == XdpMode::native);
  CHECK(fastpath::parse_mode("generic") == XdpMode::generic);
  CHECK(fastpath::parse_mode("auto") == XdpMode::automatic);
  CHECK(fastpath::parse_mode("skb") == XdpMode::generic);
  CHECK_FALSE(fastpath::parse_mode("fast").has_value());
  CHECK(fastpath::to_string(XdpMode::automatic) == "auto");
}

TEST_CASE("counters add up") {
  fastpath::Counters a, b;
  a.fwd_packets = 3;
  a.pass[FP_PASS_TTL] = 2;
  b.fwd_packets = 4;
  b.pass[FP_PASS_NOT_IP] = 5;
  a += b;
  CHECK(a.fwd_packets == 7);
  CHECK(a.passed() == 7);
}
