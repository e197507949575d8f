// Reading the fast path's pinned maps: interfaces, per-CPU counters, DEVMAP.
#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <linux/if_link.h>

#include <algorithm>
#include <map>
#include <memory>

#include "common/fd.h"
#include "common/per_cpu.h"
#include "fastpath_bpf.skel.h"
#include "trace_bpf.skel.h"

namespace fastpath::detail {

const PinNames& PinNames::get() {
  static const PinNames names = [] {
    PinNames n;
    // Opening a skeleton only parses the embedded object: no kernel work.
    fastpath_bpf* fp = fastpath_bpf__open();
    trace_bpf* tr = trace_bpf__open();
    if (fp) {
      n.ifaces = bpf_map__name(fp->maps.ifaces);
      n.ifaces_direct = bpf_map__name(fp->maps.ifaces_direct);
      n.stats = bpf_map__name(fp->maps.stats);
      n.devmap = bpf_map__name(fp->maps.devmap);
      n.local_addrs = bpf_map__name(fp->maps.local_addrs);
      n.limits = bpf_map__name(fp->maps.limits);
      n.program = bpf_program__name(fp->progs.xdp_fastpath);
    }
    if (tr) n.egress_stats = bpf_map__name(tr->maps.egress_stats);
    fastpath_bpf__destroy(fp);
    trace_bpf__destroy(tr);
    return n;
  }();
  return names;
}

std::filesystem::path links_dir(const std::filesystem::path& pin_dir) {
  return pin_dir / "links";
}

std::filesystem::path link_pin(const std::filesystem::path& pin_dir,
                               uint32_t ifindex) {
  return links_dir(pin_dir) / std::to_string(ifindex);
}

std::filesystem::path trace_dir(const std::filesystem::path& pin_dir) {
  return pin_dir / "trace";
}

std::set<uint32_t> pinned_links(const std::filesystem::path& pin_dir) {
  std::set<uint32_t> out;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(links_dir(pin_dir), ec)) {
    const std::string name = entry.path().filename();
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit))
      out.insert(static_cast<uint32_t>(std::stoul(name)));
  }
  return out;
}

namespace {

std::vector<uint32_t> map_keys(int fd) {
  std::vector<uint32_t> keys;
  uint32_t key = 0;
  uint32_t* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &key) == 0) {
    keys.push_back(key);
    prev = &keys.back();
  }
  return keys;
}

Result<Counters> read_stats(int fd, uint32_t slot) {
  auto per_cpu = common::per_cpu_values<fp_stats>();
  if (bpf_map_lookup_elem(fd, &slot, per_cpu.data()) < 0)
    return common::fail_errno(fmt::format("cannot read counters of slot {}", slot));
  const fp_stats s = common::sum_counters<fp_stats>(per_cpu);
  Counters sum{s.fwd_packets, s.fwd_bytes};
  std::copy(std::begin(s.pass), std::end(s.pass), sum.pass.begin());
  sum.cache_hits = s.cache_hits;
  sum.cache_misses = s.cache_misses;
  sum.cache_stale = s.cache_stale;
  sum.cache_fills = s.cache_fills;
  sum.cache_skipped = s.cache_skipped;
  return sum;
}

std::optional<EgressCounters> read_egress(int fd, uint32_t ifindex) {
  if (fd < 0) return std::nullopt;
  auto per_cpu = common::per_cpu_values<fp_egress_stats>();
  if (bpf_map_lookup_elem(fd, &ifindex, per_cpu.data()) < 0)
    return EgressCounters{};
  const fp_egress_stats s = common::sum_counters<fp_egress_stats>(per_cpu);
  return EgressCounters{s.xmit_packets, s.xmit_drops, s.redirect_errors};
}

}  // namespace

uint16_t iface_flags(bool xmit_sg, const common::DeviceChecks& c) {
  return (xmit_sg ? FP_IFACE_XMIT_SG : 0) | (c.rp_filter == 1 ? FP_IFACE_RPF_STRICT : 0) |
         (c.rp_filter == 2 ? FP_IFACE_RPF_LOOSE : 0) |
         (c.accept_local ? FP_IFACE_ACCEPT_LOCAL : 0) |
         (c.ipv4_address ? 0 : FP_IFACE_NO_IPV4_ADDR) |
         (c.ipv6_disabled ? FP_IFACE_IPV6_DISABLED : 0) |
         (c.ipv6_forwarding ? 0 : FP_IFACE_IPV6_NOFWD);
}

common::DeviceChecks checks_of(uint16_t flags) {
  common::DeviceChecks c;
  c.rp_filter = flags & FP_IFACE_RPF_STRICT ? 1 : flags & FP_IFACE_RPF_LOOSE ? 2 : 0;
  c.accept_local = flags & FP_IFACE_ACCEPT_LOCAL;
  c.ipv4_address = !(flags & FP_IFACE_NO_IPV4_ADDR);
  c.ipv6_disabled = flags & FP_IFACE_IPV6_DISABLED;
  c.ipv6_forwarding = !(flags & FP_IFACE_IPV6_NOFWD);
  return c;
}

Result<Snapshot> read_snapshot(const MapFds& maps,
                               const std::filesystem::path& pin_dir) {
  std::map<uint32_t, InterfaceState> states;
  for (uint32_t ifindex : map_keys(maps.ifaces)) {
    fp_iface v{};
    if (bpf_map_lookup_elem(maps.ifaces, &ifindex, &v) < 0) continue;
    InterfaceState& s = states[ifindex];
    s.ifindex = ifindex;
    std::copy(std::begin(v.mac), std::end(v.mac), s.settings.mac.begin());
    s.slot = v.slot;
    s.settings.xmit_sg = v.flags & FP_IFACE_XMIT_SG;
    s.settings.checks = checks_of(v.flags);
    s.configured = true;
    auto counters = read_stats(maps.stats, v.slot);
    if (!counters) return std::unexpected(counters.error());
    s.counters = *counters;
  }
  for (uint32_t ifindex : map_keys(maps.devmap)) {
    states[ifindex].ifindex = ifindex;
    states[ifindex].egress = true;
  }
  for (uint32_t ifindex : pinned_links(pin_dir)) {
    InterfaceState& s = states[ifindex];
    s.ifindex = ifindex;
    s.attached = true;
    if (auto a = xdp_attachment(ifindex)) s.mode = a->xdp_mode;
  }
  Snapshot snap;
  for (auto& [ifindex, s] : states) {
    s.transmit = read_egress(maps.egress_stats, ifindex);
    snap.interfaces.push_back(std::move(s));
  }
  snap.departed = read_egress(maps.egress_stats, FP_EGRESS_DEPARTED);
  if (common::UniqueFd cache(bpf_obj_get((pin_dir / "fib_cache4").c_str())); cache) {
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(cache.get(), &info, &len) == 0)
      snap.fib_cache_entries = info.max_entries;
  }
  auto unknown = read_stats(maps.stats, 0);
  if (!unknown) return std::unexpected(unknown.error());
  snap.unknown_ingress = *unknown;
  fp_limits limits{};
  uint32_t zero = 0;
  if (maps.limits >= 0 && bpf_map_lookup_elem(maps.limits, &zero, &limits) == 0) {
    snap.ipv4_mtu_ceiling = limits.ipv4_mtu_ceiling;
    snap.ipv6_mtu_ceiling = limits.ipv6_mtu_ceiling;
    snap.full_source_check = limits.full_source_check;
    snap.policy = limits.policy;
    snap.fib_cache_ipv4 = limits.fib_cache & FP_CACHE_IPV4;
    snap.fib_cache_ipv6 = limits.fib_cache & FP_CACHE_IPV6;
    auto set = std::make_unique<fp_local_addrs>();
    uint32_t slot = limits.local_slot & 1;
    if (maps.local_addrs >= 0 && bpf_map_lookup_elem(maps.local_addrs, &slot, set.get()) == 0) {
      snap.local_addresses = static_cast<size_t>(
          std::count_if(std::begin(set->slot), std::end(set->slot), [](uint32_t a) { return a; }));
      snap.local_addresses_unknown = set->unknown;
    }
  }
  return snap;
}

}  // namespace fastpath::detail

namespace fastpath {

void count_fib_cache(const std::filesystem::path& pin_dir, Snapshot& snap) {
  uint64_t used = 0;
  for (const char* name : {"fib_cache4", "fib_cache6"}) {
    common::UniqueFd fd(bpf_obj_get((pin_dir / name).c_str()));
    if (!fd) return;
    std::vector<uint8_t> key(sizeof(fp_cache_key6)), next(key.size());
    for (void* prev = nullptr; bpf_map_get_next_key(fd.get(), prev, next.data()) == 0;
         prev = key.data()) {
      key.swap(next);
      ++used;
    }
  }
  snap.fib_cache_used = used;
}

Result<XdpAttachment> xdp_attachment(uint32_t ifindex) {
  LIBBPF_OPTS(bpf_xdp_query_opts, q);
  if (int err = bpf_xdp_query(static_cast<int>(ifindex), 0, &q); err)
    return common::fail(err, fmt::format("cannot query XDP on ifindex {}", ifindex));
  switch (q.attach_mode) {
    case XDP_ATTACHED_NONE: return XdpAttachment{"none", q.prog_id};
    case XDP_ATTACHED_DRV: return XdpAttachment{"native", q.prog_id, XdpMode::native};
    case XDP_ATTACHED_SKB: return XdpAttachment{"generic", q.prog_id, XdpMode::generic};
    case XDP_ATTACHED_HW: return XdpAttachment{"offload", q.prog_id};
    case XDP_ATTACHED_MULTI: return XdpAttachment{"multi", q.prog_id};
  }
  return XdpAttachment{"unknown", q.prog_id};
}

const std::array<PassReason, FP_PASS__MAX>& pass_reasons() {
#define FP_REASON_ENTRY_(e, name, why) PassReason{name, why},
  static const std::array<PassReason, FP_PASS__MAX> reasons{
      FP_PASS_REASONS(FP_REASON_ENTRY_)};
#undef FP_REASON_ENTRY_
  return reasons;
}

uint64_t Counters::passed() const {
  uint64_t n = 0;
  for (uint64_t v : pass) n += v;
  return n;
}

Counters& Counters::operator+=(const Counters& o) {
  fwd_packets += o.fwd_packets;
  fwd_bytes += o.fwd_bytes;
  for (size_t r = 0; r < pass.size(); ++r) pass[r] += o.pass[r];
  cache_hits += o.cache_hits;
  cache_misses += o.cache_misses;
  cache_stale += o.cache_stale;
  cache_fills += o.cache_fills;
  cache_skipped += o.cache_skipped;
  return *this;
}

Counters Snapshot::total() const {
  Counters sum = unknown_ingress;
  for (const InterfaceState& s : interfaces) sum += s.counters;
  return sum;
}

std::optional<EgressCounters> Snapshot::transmit_total() const {
  if (!departed) return std::nullopt;
  EgressCounters sum = *departed;
  for (const InterfaceState& s : interfaces) {
    if (!s.transmit) continue;
    sum.xmit_packets += s.transmit->xmit_packets;
    sum.xmit_drops += s.transmit->xmit_drops;
    sum.redirect_errors += s.transmit->redirect_errors;
  }
  return sum;
}

}  // namespace fastpath
