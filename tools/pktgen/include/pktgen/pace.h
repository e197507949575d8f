// How one sending thread splits its share of frames into test-run calls.
// A live-frames test run with more than one frame swaps the program into
// the kernel's XDP dispatcher and out again, each swap waiting for an RCU
// grace period: ~20-25 ms of sleep per call on a small VM, whatever its
// size. So calls are large (about kCallTarget of sending each, sized from
// the speed measured so far), a rate is met on average by sending what
// the schedule allows at each call, and a thread sleeps only when it is
// ahead. Pure: the caller supplies the clock and the measurements.
#pragma once

#include <chrono>
#include <cstdint>

namespace pktgen {

class Pacer {
 public:
  using ns = std::chrono::nanoseconds;
  static constexpr ns kCallTarget = std::chrono::milliseconds(200);
  static constexpr uint32_t kFirstCall = 1 << 16;
  static constexpr uint32_t kMaxCall = 1 << 24;

  // limit: frames for this thread, 0 for no limit; rate: frames per second
  // for this thread, 0 for as fast as possible; duration: 0 for no limit.
  Pacer(uint64_t limit, uint64_t rate, ns duration = ns(0));

  struct Step {
    uint32_t frames = 0;  // send this many now, or
    ns sleep{};           // sleep this long and ask again;
    bool done = false;    // or stop: the count or the duration is reached
  };
  // sent: frames this thread sent so far; elapsed: since it started.
  Step next(uint64_t sent, ns elapsed) const;
  // Learns the sending speed from a call of `frames` that took `took`.
  void record(uint32_t frames, ns took);

  // Frames per call at most: kCallTarget at the speed measured so far.
  uint32_t call_size() const;

 private:
  uint64_t limit_;
  uint64_t rate_;
  ns duration_;
  double speed_ = 0;  // frames per second within a call, 0 until measured
};

}  // namespace pktgen
