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

}  // namespace

Result<Explanation> explain(const std::filesystem::path& pin_dir,
                            std::span<const uint8_t> frame, uint32_t ingress_ifindex) {
  const auto& names = detail::PinNames::get();
  common::UniqueFd live(bpf_obj_get((pin_dir / names.program).c_str()));
  std::unique_ptr<fastpath_bpf, SkelDeleter> skel(fastpath_bpf__open());
  if (!skel) return common::fail_errno("cannot open the fast path BPF object");
  // Shared: everything the live program decides on. Private: the counters.
  common::UniqueFd ifaces;
  for (bpf_map* map : {skel->maps.ifaces, skel->maps.ifaces_direct, skel->maps.devmap,
                       skel->maps.local_addrs, skel->maps.limits}) {
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

  const int prog = bpf_program__fd(skel->progs.xdp_fastpath);
  auto run = test_run(prog, frame, ingress_ifindex);
  if (!run) return std::unexpected(run.error());
  Explanation out;
  out.action = run->action;
  out.output = std::move(run->output);
  out.same_program = live && same_tag(prog, live.get());

  // The copy's counters: exactly one entry moved, in the ingress's slot.
  fp_iface iface{};
  uint32_t key = ingress_ifindex;
  const uint32_t slot =
      bpf_map_lookup_elem(ifaces.get(), &key, &iface) == 0 ? iface.slot : 0;
  auto per_cpu = common::per_cpu_values<fp_stats>();
  if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &slot, per_cpu.data()) == 0) {
    for (int r = 0; r < FP_PASS__MAX; ++r)
      for (const fp_stats& s : per_cpu)
        if (s.pass[r]) out.reason = static_cast<fp_pass_reason>(r);
  }
  return out;
}

}  // namespace fastpath
