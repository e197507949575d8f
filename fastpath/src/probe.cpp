// The XDP probe's programs from C++: attach trials and a redirected frame.
#include "fastpath/probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <linux/if_link.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <thread>

#include "common/log.h"
#include "common/netns.h"
#include "common/packet_socket.h"
#include "fastpath/probe_abi.h"
#include "probe_bpf.skel.h"

namespace fastpath {
namespace {

constexpr std::string_view kLog = "probe";

struct SkelDeleter {
  void operator()(probe_bpf* s) const { probe_bpf__destroy(s); }
};
struct LinkDeleter {
  void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};

}  // namespace

struct Probe::Impl {
  std::unique_ptr<probe_bpf, SkelDeleter> skel;
  std::unique_ptr<bpf_link, LinkDeleter> xmit_trace, redirect_trace;
  uint32_t target = 0;

  int results_fd() const { return bpf_map__fd(skel->maps.probe_results); }
  Result<probe_results> results() const {
    probe_results r{};
    const uint32_t key = 0;
    if (bpf_map_lookup_elem(results_fd(), &key, &r) < 0)
      return common::fail_errno("cannot read the probe's results");
    return r;
  }
};

Probe::Probe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Probe::Probe(Probe&&) noexcept = default;
Probe& Probe::operator=(Probe&&) noexcept = default;
Probe::~Probe() = default;

Result<Probe> Probe::load(uint32_t target_ifindex) {
  auto cookie = common::netns_cookie();
  if (!cookie) return std::unexpected(cookie.error());
  auto impl = std::make_unique<Impl>();
  impl->skel.reset(probe_bpf__open());
  if (!impl->skel) return common::fail_errno("cannot open the probe programs");
  impl->skel->rodata->settings.netns_cookie = *cookie;
  impl->skel->rodata->settings.target_ifindex = target_ifindex;
  impl->target = target_ifindex;
  if (int err = probe_bpf__load(impl->skel.get()); err)
    return common::fail(err, "cannot load the probe programs",
                        "run as root on Linux 5.18 or later with BTF; -d shows libbpf's log");
  // Without the tracepoints a failed redirect still shows (nothing
  // arrives); only its reason is lost.
  for (auto [prog, out] : {std::pair{impl->skel->progs.probe_xmit, &impl->xmit_trace},
                           std::pair{impl->skel->progs.probe_redir_err, &impl->redirect_trace}}) {
    bpf_link* link = bpf_program__attach(prog);
    if (!link)
      common::log::warn(kLog, "cannot attach {} ({}): redirect errors go unexplained",
                        bpf_program__name(prog), std::strerror(errno));
    else
      out->reset(link);
  }
  return Probe(std::move(impl));
}

int Probe::program_fd(ProbeProgram program) const {
  return bpf_program__fd(program == ProbeProgram::frags ? impl_->skel->progs.xdp_probe_frags
                                                        : impl_->skel->progs.xdp_probe_pass);
}

Result<void> Probe::try_attach(uint32_t ifindex, ProbeProgram program, XdpMode mode) const {
  LIBBPF_OPTS(bpf_link_create_opts, opts,
              .flags = mode == XdpMode::generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
  const int fd = bpf_link_create(program_fd(program), static_cast<int>(ifindex), BPF_XDP, &opts);
  if (fd < 0) return common::fail(-fd, fmt::format("cannot attach to ifindex {}", ifindex));
  common::UniqueFd link(fd);  // closing it detaches
  return {};
}

Result<common::UniqueFd> Probe::attach_counter(uint32_t ifindex) const {
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
  const int fd = bpf_link_create(bpf_program__fd(impl_->skel->progs.xdp_probe_count),
                                 static_cast<int>(ifindex), BPF_XDP, &opts);
  if (fd < 0)
    return common::fail(-fd, fmt::format("cannot attach the counter to ifindex {}", ifindex));
  return common::UniqueFd(fd);
}

namespace {

// The smallest Ethernet frame, from and to the target's own address: a
// switch drops it (it came in on the port it is addressed to).
std::array<uint8_t, 60> probe_frame(const Mac& mac) {
  std::array<uint8_t, 60> frame{};
  std::copy(mac.begin(), mac.end(), frame.begin());
  std::copy(mac.begin(), mac.end(), frame.begin() + 6);
  frame[12] = PROBE_ETHERTYPE >> 8;
  frame[13] = PROBE_ETHERTYPE & 0xff;
  std::memcpy(frame.data() + 14, "xdp-probe", 9);
  return frame;
}

}  // namespace

Result<void> Probe::reset_results() const {
  const uint32_t key = 0;
  const probe_results zero{};
  if (bpf_map_update_elem(impl_->results_fd(), &key, &zero, 0) < 0)
    return common::fail_errno("cannot reset the probe's results");
  return {};
}

// Waits until the frame left (or was refused) and then, up to `wait`, for
// the counter to see it arrive.
Result<RedirectOutcome> Probe::outcome(std::chrono::milliseconds left_wait,
                                       std::chrono::milliseconds wait) const {
  const auto now = std::chrono::steady_clock::now();
  const auto left_by = now + left_wait;
  const auto arrived_by = now + wait;
  auto r = impl_->results();
  while (r && r->xmit_sent == 0 && r->xmit_drops == 0 && r->redirect_errs == 0 &&
         std::chrono::steady_clock::now() < left_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    r = impl_->results();
  }
  while (r && r->arrived == 0 && r->xmit_sent > 0 && std::chrono::steady_clock::now() < arrived_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    r = impl_->results();
  }
  if (!r) return std::unexpected(r.error());
  return RedirectOutcome{r->xmit_sent,    r->xmit_drops,    r->redirect_errs,
                         r->arrived,      -r->xmit_err,     -r->redirect_err};
}

Result<RedirectOutcome> Probe::redirect(const Mac& mac, std::chrono::milliseconds wait) const {
  if (auto ok = reset_results(); !ok) return std::unexpected(ok.error());
  const auto frame = probe_frame(mac);
  xdp_md ctx{};
  ctx.data_end = frame.size();
  ctx.ingress_ifindex = impl_->target;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = frame.size(),
              .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
              .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
  if (int err = bpf_prog_test_run_opts(bpf_program__fd(impl_->skel->progs.xdp_probe_redir),
                                       &opts);
      err)
    return common::fail(err, "cannot run the redirect probe (BPF_F_TEST_XDP_LIVE_FRAMES)",
                        err == -EPERM || err == -EACCES
                            ? "this kernel refuses live-frames test runs"
                            : "needs Linux 5.18 or later");
  // The transmit side is done when the test run returns (the flush ran in
  // it); the receiver's NAPI may still be on its way.
  return outcome(std::chrono::milliseconds(0), wait);
}

Result<RedirectOutcome> Probe::redirect_from(uint32_t launch_tx, uint32_t launch_rx,
                                             const Mac& mac,
                                             std::chrono::milliseconds wait) const {
  if (auto ok = reset_results(); !ok) return std::unexpected(ok.error());
  LIBBPF_OPTS(bpf_link_create_opts, link_opts, .flags = XDP_FLAGS_DRV_MODE);
  const int link_fd = bpf_link_create(bpf_program__fd(impl_->skel->progs.xdp_probe_redir),
                                      static_cast<int>(launch_rx), BPF_XDP, &link_opts);
  if (link_fd < 0)
    return common::fail(-link_fd,
                        fmt::format("cannot attach the redirect probe to ifindex {}", launch_rx));
  common::UniqueFd link(link_fd);  // closing it detaches
  auto sock = common::packet_socket(launch_tx);
  if (!sock) return std::unexpected(sock.error());
  const auto frame = probe_frame(mac);
  if (::send(sock->get(), frame.data(), frame.size(), 0) < 0)
    return common::fail_errno(fmt::format("cannot send the probe frame on ifindex {}", launch_tx));
  // The receiving end's NAPI runs the program, soon but not within sendto.
  return outcome(wait, wait);
}

}  // namespace fastpath
