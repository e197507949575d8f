// Loading, attaching and reading the limit program.
#include "bench/limit.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <linux/if_link.h>

#include <algorithm>
#include <vector>

#include "common/fd.h"
#include "common/per_cpu.h"
// The skeleton names struct bn_limit_settings: abi.h comes first.
#include "bn_limit_bpf.skel.h"

namespace bench {
namespace {

struct SkelDeleter {
  void operator()(bn_limit_bpf* s) const { bn_limit_bpf__destroy(s); }
};

}  // namespace

struct Limit::Impl {
  std::unique_ptr<bn_limit_bpf, SkelDeleter> skel;
  common::UniqueFd link;  // the bpf_links: closing them detaches
  common::UniqueFd noop_link;
};

Limit::Limit(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Limit::Limit(Limit&&) noexcept = default;
Limit& Limit::operator=(Limit&&) noexcept = default;
Limit::~Limit() = default;

Result<Limit> Limit::load(const LimitSettings& s) {
  auto impl = std::make_unique<Impl>();
  impl->skel.reset(bn_limit_bpf__open());
  if (!impl->skel) return common::fail_errno("cannot open the limit program");
  auto& rodata = impl->skel->rodata->settings;
  std::copy(s.dst_mac.begin(), s.dst_mac.end(), rodata.dst_mac);
  std::copy(s.src_mac.begin(), s.src_mac.end(), rodata.src_mac);
  rodata.egress_ifindex = s.egress_ifindex;
  if (int err = bn_limit_bpf__load(impl->skel.get()); err)
    return common::fail(err, "cannot load the limit program", "run as root");
  uint32_t key = s.egress_ifindex;
  bpf_devmap_val val{};
  val.ifindex = s.egress_ifindex;
  if (bpf_map_update_elem(bpf_map__fd(impl->skel->maps.limit_devmap), &key, &val, 0) < 0)
    return common::fail_errno(fmt::format("cannot add ifindex {} to the DEVMAP", key));
  return Limit(std::move(impl));
}

namespace {

// Native, as the fast path runs on veth: a generic limit would not be one.
Result<common::UniqueFd> attach_native(int prog_fd, uint32_t ifindex, const std::string& dev) {
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
  const int fd = bpf_link_create(prog_fd, static_cast<int>(ifindex), BPF_XDP, &opts);
  if (fd < 0)
    return common::fail(-fd, fmt::format("cannot attach XDP to {} in native mode", dev),
                        fmt::format("detach what is there: ip link set dev {} xdp off", dev));
  return common::UniqueFd(fd);
}

}  // namespace

Result<void> Limit::attach(uint32_t ifindex, const std::string& dev) {
  auto link = attach_native(prog_fd(), ifindex, dev);
  if (!link) return std::unexpected(link.error());
  impl_->link = std::move(*link);
  return {};
}

Result<void> Limit::attach_noop(uint32_t ifindex, const std::string& dev) {
  auto link = attach_native(noop_fd(), ifindex, dev);
  if (!link) return std::unexpected(link.error());
  impl_->noop_link = std::move(*link);
  return {};
}

Result<LimitCounters> Limit::counters() const {
  auto values = common::per_cpu_values<bn_limit_stats>();
  const uint32_t key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(impl_->skel->maps.limit_stats), &key, values.data()) < 0)
    return common::fail_errno("cannot read the limit counters");
  const bn_limit_stats s = common::sum_counters<bn_limit_stats>(values);
  return LimitCounters{s.redirected, s.passed, s.dropped};
}

int Limit::prog_fd() const { return bpf_program__fd(impl_->skel->progs.xdp_limit); }
int Limit::noop_fd() const { return bpf_program__fd(impl_->skel->progs.xdp_noop); }

}  // namespace bench
