// Loading, running and reading xdp-pktgen's BPF programs.
#include "pktgen/bpf.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <linux/bpf.h>
#include <sys/utsname.h>

#include <array>
#include <vector>

#include "common/log.h"
#include "common/per_cpu.h"
#include "pktgen/errors.h"
// The skeletons name struct pg_settings and friends: abi.h comes first.
#include "pg_gen_bpf.skel.h"
#include "pg_sink_bpf.skel.h"

namespace pktgen {
namespace {

constexpr std::string_view kLog = "pktgen";

struct SkelDeleter {
  void operator()(pg_gen_bpf* s) const { pg_gen_bpf__destroy(s); }
  void operator()(pg_sink_bpf* s) const { pg_sink_bpf__destroy(s); }
};
struct LinkDeleter {
  void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};
using LinkPtr = std::unique_ptr<bpf_link, LinkDeleter>;

std::string kernel_release() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "unknown";
}

// The values of a one-entry per-CPU array, one per possible CPU.
template <typename T>
Result<std::vector<T>> per_cpu(int map_fd, std::string_view what) {
  auto values = common::per_cpu_values<T>();
  const uint32_t key = 0;
  if (bpf_map_lookup_elem(map_fd, &key, values.data()) < 0)
    return common::fail_errno(fmt::format("cannot read the {} counters", what));
  return values;
}

}  // namespace

struct Generator::Impl {
  std::unique_ptr<pg_gen_bpf, SkelDeleter> skel;
  LinkPtr xmit_trace;
  std::string dev;
  uint32_t ifindex = 0;
  std::string release = kernel_release();
};

Generator::Generator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Generator::Generator(Generator&&) noexcept = default;
Generator& Generator::operator=(Generator&&) noexcept = default;
Generator::~Generator() = default;

Result<Generator> Generator::load(const pg_settings& settings, std::string dev,
                                  std::span<const pg_dst> dsts) {
  auto impl = std::make_unique<Impl>();
  impl->skel.reset(pg_gen_bpf__open());
  if (!impl->skel) return common::fail_errno("cannot open the generator program");
  impl->skel->rodata->settings = settings;
  if (!dsts.empty())
    if (int err = bpf_map__set_max_entries(impl->skel->maps.dsts,
                                           static_cast<uint32_t>(dsts.size()));
        err)
      return common::fail(err, "cannot size the destinations map");
  if (int err = pg_gen_bpf__load(impl->skel.get()); err)
    return common::fail(err, "cannot load the generator program",
                        "run as root; -d shows the verifier's log");
  const int dsts_fd = bpf_map__fd(impl->skel->maps.dsts);
  for (uint32_t flow = 0; flow < dsts.size(); ++flow)
    if (bpf_map_update_elem(dsts_fd, &flow, &dsts[flow], 0) < 0)
      return common::fail_errno("cannot fill the destinations map");
  impl->dev = std::move(dev);
  impl->ifindex = settings.ifindex;
  // Without the tracepoint we still send; we only cannot tell a full ring.
  bpf_link* link = bpf_program__attach(impl->skel->progs.pg_devmap_xmit);
  if (!link)
    common::log::warn(kLog, "cannot trace xdp_devmap_xmit ({}): drops at {} go uncounted",
                      std::strerror(errno), impl->dev);
  else
    impl->xmit_trace.reset(link);
  return Generator(std::move(impl));
}

Result<void> Generator::send(std::span<const uint8_t> frame, uint32_t frames,
                             uint32_t batch) const {
  // The ingress device of the test run: frames are "received" on it, so the
  // transmit tracepoint sees them coming from and going to the same device.
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(frame.size());
  ctx.ingress_ifindex = impl_->ifindex;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()), .ctx_in = &ctx,
              .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(frames),
              .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = batch);
  const int prog_fd = bpf_program__fd(impl_->skel->progs.xdp_pktgen);
  if (int err = bpf_prog_test_run_opts(prog_fd, &opts); err)
    return std::unexpected(test_run_error(-err, impl_->dev, impl_->release));
  return {};
}

Result<bool> Generator::live_frames_permitted() const {
  // No ingress device: the run's own queue, so it needs nothing of ours.
  const std::array<uint8_t, 60> frame{};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()), .repeat = 1,
              .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
  const int err =
      bpf_prog_test_run_opts(bpf_program__fd(impl_->skel->progs.xdp_pktgen_drop), &opts);
  if (err == -EPERM || err == -EACCES) return false;
  if (err) return std::unexpected(test_run_error(-err, impl_->dev, impl_->release));
  return true;
}

Result<GenCounters> Generator::counters() const {
  auto values = per_cpu<pg_gen_stats>(bpf_map__fd(impl_->skel->maps.gen_stats), "generator");
  if (!values) return std::unexpected(values.error());
  GenCounters c;
  for (const pg_gen_stats& v : *values) {
    c.frames += v.frames;
    c.xmit_ok += v.xmit_ok;
    c.xmit_full += v.xmit_full;
    c.xmit_refused += v.xmit_refused;
    if (v.xmit_err) c.xmit_err = v.xmit_err;
    if (v.first_ns && (!c.first_ns || v.first_ns < c.first_ns)) c.first_ns = v.first_ns;
    c.last_ns = std::max<uint64_t>(c.last_ns, v.last_ns);
  }
  return c;
}

bool Generator::traces_xmit() const { return impl_->xmit_trace != nullptr; }

int Generator::prog_fd() const { return bpf_program__fd(impl_->skel->progs.xdp_pktgen); }

struct Sink::Impl {
  std::unique_ptr<pg_sink_bpf, SkelDeleter> skel;
  LinkPtr link;
};

Sink::Sink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sink::Sink(Sink&&) noexcept = default;
Sink& Sink::operator=(Sink&&) noexcept = default;
Sink::~Sink() = default;

Result<Sink> Sink::attach(uint32_t ifindex, std::string dev) {
  auto impl = std::make_unique<Impl>();
  impl->skel.reset(pg_sink_bpf__open_and_load());
  if (!impl->skel)
    return common::fail_errno("cannot load the sink program",
                              "run as root; -d shows the verifier's log");
  // A link, not a netlink attachment: it is gone when we are, however we end.
  bpf_link* link = bpf_program__attach_xdp(impl->skel->progs.xdp_pg_sink, ifindex);
  if (!link) return std::unexpected(attach_error(errno, dev));
  impl->link.reset(link);
  return Sink(std::move(impl));
}

Result<SinkCounters> Sink::counters() const {
  auto values = per_cpu<pg_sink_stats>(bpf_map__fd(impl_->skel->maps.sink_stats), "sink");
  if (!values) return std::unexpected(values.error());
  SinkCounters c;
  for (const pg_sink_stats& v : *values) {
    c.packets += v.packets;
    c.bytes += v.bytes;
    if (v.first_ns && (!c.first_ns || v.first_ns < c.first_ns)) c.first_ns = v.first_ns;
    c.last_ns = std::max<uint64_t>(c.last_ns, v.last_ns);
  }
  return c;
}

}  // namespace pktgen
