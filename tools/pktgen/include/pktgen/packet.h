// Sending through AF_PACKET sockets: xdp-pktgen's way out where the kernel
// refuses live-frames test runs. The frames are built in advance (one per
// flow, by build_frame); each thread has its own socket,
// which bypasses the qdisc and goes straight to the driver, as live frames
// do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "pktgen/bpf.h"

namespace pktgen {

class PacketSender {
 public:
  // frames: every flow's frame, frame_len bytes each, flow 0 first.
  static Result<PacketSender> open(uint32_t ifindex, std::string dev, uint32_t threads,
                                   std::vector<uint8_t> frames, uint32_t frame_len);
  PacketSender(PacketSender&&) noexcept;
  PacketSender& operator=(PacketSender&&) noexcept;
  ~PacketSender();

  // Sends `frames` frames on thread's socket, batch at a time (sendmmsg),
  // each thread going round the flows from the first. A frame the device
  // drops (its queue full: ENOBUFS) is counted, not retried; the device
  // going down or away ends the send with an error.
  Result<void> send(uint32_t thread, uint64_t frames, uint32_t batch) const;
  // Summed over threads, in the generator's terms: frames = tried,
  // xmit_ok = taken by the device, xmit_full = dropped by it.
  GenCounters counters() const;

 private:
  struct Impl;
  explicit PacketSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pktgen
