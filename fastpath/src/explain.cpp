// Explaining one frame: a private copy of the fast path on the live state.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <cstring>
#include <memory>

#include "common/fd.h"
#include "common/per_cpu.h"
#include "fastpath/fastpath.h"
#include "fastpath_bpf.skel.h"
#include "maps.h"
#include "pins.h"

namespace fastpath {
namespace {

struct SkelDeleter {
  void operator()(fastpath_bpf* s) const { fastpath_bpf__destroy(s); }
};

bool same_tag(int a, int b) {
  bpf_prog_info ia{}, ib{};
  uint32_t la = sizeof(ia), lb = sizeof(ib);
  if (bpf_obj_get_info_by_fd(a, &ia, &la) < 0 || bpf_obj_get_info_by_fd(b, &ib, &lb) < 0)
    return false;
  return std::memcmp(ia.tag, ib.tag, sizeof(ia.tag)) == 0;
}

// The interface's counter slot (0: unconfigured).
uint32_t slot_of(int ifaces, uint32_t ifindex) {
  fp_iface iface{};
  return bpf_map_lookup_elem(ifaces, &ifindex, &iface) == 0 ? iface.slot : 0;
}

fp_stats copy_counters(int stats, uint32_t slot) {
  auto per_cpu = common::per_cpu_values<fp_stats>();
  if (bpf_map_lookup_elem(stats, &slot, per_cpu.data()) < 0) return {};
  return common::sum_counters<fp_stats>(per_cpu);
}

}  // namespace

Result<Explanation> explain(const std::filesystem::path& pin_dir,
                            std::span<const uint8_t> frame, uint32_t ingress_ifindex) {
  const auto& names = detail::PinNames::get();
  common::UniqueFd live(bpf_obj_get((pin_dir / names.program).c_str()));
  std::unique_ptr<fastpath_bpf, SkelDeleter> skel(fastpath_bpf__open());
  if (!skel) return common::fail_errno("cannot open the fast path BPF object");
  // Shared: everything the live program decides on, the result cache
  // included. Private: the counters, and the limits (a copy of the live
  // ones), so a second run can look up with the cache off.
  common::UniqueFd ifaces;
  for (bpf_program* p : {skel->progs.fp_neigh_update_done, skel->progs.fp_neigh_timer,
                         skel->progs.fp_neigh_release})
    bpf_program__set_autoload(p, false);
  fp_limits live_limits{};
  {
    common::UniqueFd fd(bpf_obj_get((pin_dir / bpf_map__name(skel->maps.limits)).c_str()));
    uint32_t zero = 0;
    if (!fd || bpf_map_lookup_elem(fd.get(), &zero, &live_limits) < 0)
      return std::unexpected(detail::missing_state(pin_dir));
  }
  for (bpf_map* map : {skel->maps.fib_cache4, skel->maps.fib_cache6}) {
    common::UniqueFd fd(bpf_obj_get((pin_dir / bpf_map__name(map)).c_str()));
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (fd && bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0) {
      bpf_map__set_max_entries(map, info.max_entries);
      if (int err = bpf_map__reuse_fd(map, fd.get()); err)
        return common::fail(err, fmt::format("cannot share map {}", bpf_map__name(map)));
    }
  }
  for (bpf_map* map : {skel->maps.ifaces, skel->maps.ifaces_direct, skel->maps.devmap,
                       skel->maps.local_addrs, skel->maps.cache_gen}) {
    common::UniqueFd fd(bpf_obj_get((pin_dir / bpf_map__name(map)).c_str()));
    if (!fd) {
      if (errno == ENOENT) return std::unexpected(detail::missing_state(pin_dir));
      return common::fail_errno(fmt::format("cannot open the pins in {}", pin_dir.string()),
                                "run as root");
    }
    if (int err = bpf_map__reuse_fd(map, fd.get()); err)
      return common::fail(err, fmt::format("cannot share map {}", bpf_map__name(map)));
    if (map == skel->maps.ifaces) ifaces = std::move(fd);
  }
  if (int err = fastpath_bpf__load(skel.get()); err)
    return common::fail(err, "cannot load a copy of the fast path");

  const int limits = bpf_map__fd(skel->maps.limits);
  uint32_t zero = 0;
  if (bpf_map_update_elem(limits, &zero, &live_limits, 0) < 0)
    return common::fail_errno("cannot copy the fast path's limits");
  const int prog = bpf_program__fd(skel->progs.xdp_fastpath);
  const fp_stats before = copy_counters(bpf_map__fd(skel->maps.stats), slot_of(ifaces.get(), ingress_ifindex));
  auto run = test_run(prog, frame, ingress_ifindex);
  if (!run) return std::unexpected(run.error());
  const fp_stats after = copy_counters(bpf_map__fd(skel->maps.stats), slot_of(ifaces.get(), ingress_ifindex));
  Explanation out;
  if (after.cache_hits + after.cache_misses > before.cache_hits + before.cache_misses) {
    // The other answer to compare with: a fresh lookup (the cache off)
    // after a hit; after a miss, the cache's, as the miss just filled it.
    out.cache_hit = after.cache_hits > before.cache_hits;
    fp_limits second = live_limits;
    if (*out.cache_hit) second.fib_cache = 0;
    bpf_map_update_elem(limits, &zero, &second, 0);
    auto again = test_run(prog, frame, ingress_ifindex);
    if (!again) return std::unexpected(again.error());
    out.cache_agrees = again->action == run->action && again->output == run->output;
  }
  out.action = run->action;
  out.output = std::move(run->output);
  out.same_program = live && same_tag(prog, live.get());

  // The copy's counters: the first run's reason, in the ingress's slot.
  for (int r = 0; r < FP_PASS__MAX; ++r)
    if (after.pass[r] > before.pass[r]) out.reason = static_cast<fp_pass_reason>(r);
  return out;
}

}  // namespace fastpath
