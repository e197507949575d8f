// Trying what a device's XDP support really does: attach trivial programs
// in each mode and push a frame through bpf_redirect into it. Feeds the
// "detected" column of xdp-probe's report.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "common/fd.h"
#include "fastpath/fastpath.h"

namespace fastpath {

enum class ProbeProgram {
  pass,   // SEC("xdp"): XDP_PASS
  frags,  // SEC("xdp.frags"): XDP_PASS, multi-buffer aware
};

// What became of one frame redirected into the target.
struct RedirectOutcome {
  uint64_t sent = 0;             // taken by the target's ndo_xdp_xmit
  uint64_t dropped = 0;          // dropped or refused by it
  uint64_t redirect_errors = 0;  // refused before reaching the device
  uint64_t arrived = 0;          // seen by the counting program
  int xmit_err = 0;              // positive errno, 0 if none
  int redirect_err = 0;          // positive errno, 0 if none
};

class Probe {
 public:
  // Loads the probe programs in the current network namespace; redirect()
  // sends into target_ifindex. Needs root.
  static Result<Probe> load(uint32_t target_ifindex);

  Probe(Probe&&) noexcept;
  Probe& operator=(Probe&&) noexcept;
  ~Probe();

  int program_fd(ProbeProgram program) const;
  // Attaches program to ifindex with a bpf_link and takes it off again
  // (closing the link): nothing stays behind, even if we are killed.
  Result<void> try_attach(uint32_t ifindex, ProbeProgram program, XdpMode mode) const;
  // Attaches the counting program natively to a receiver (a veth's other
  // end) for as long as the returned link is open.
  Result<common::UniqueFd> attach_counter(uint32_t ifindex) const;
  // One probe frame (source and destination mac, ethertype PROBE_ETHERTYPE)
  // run through bpf_redirect into the target by a live-frames test run, as
  // if received on it. Waits up to `wait` for the counter to see it.
  // Fails with EPERM where the kernel refuses live-frames test runs.
  Result<RedirectOutcome> redirect(const Mac& mac, std::chrono::milliseconds wait) const;
  // The same frame, received for real: the redirecting program attached
  // natively to launch_rx (a veth's end, in the target's namespace), the
  // frame sent into it through a packet socket on launch_tx, its other end.
  // The way the fast path itself redirects, without a test run.
  Result<RedirectOutcome> redirect_from(uint32_t launch_tx, uint32_t launch_rx, const Mac& mac,
                                        std::chrono::milliseconds wait) const;

 private:
  Result<void> reset_results() const;
  Result<RedirectOutcome> outcome(std::chrono::milliseconds left_wait,
                                  std::chrono::milliseconds wait) const;
  struct Impl;
  explicit Probe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fastpath
