// xdp-pktgen's BPF programs from C++: the generator, run by live-frames
// test runs, and the sink, attached to a device with a bpf_link.
#pragma once

#include <linux/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"
#include "pktgen/abi.h"

namespace pktgen {

using common::Result;

struct GenCounters {
  uint64_t frames = 0;
  uint64_t xmit_ok = 0;
  uint64_t xmit_full = 0;
  uint64_t xmit_refused = 0;
  int xmit_err = 0;  // negative errno of the last refusal
  uint64_t first_ns = 0;  // CLOCK_MONOTONIC of the first and last transmit
  uint64_t last_ns = 0;
};

struct SinkCounters {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t first_ns = 0;  // CLOCK_MONOTONIC of the first and last frame
  uint64_t last_ns = 0;
};

class Generator {
 public:
  // Loads the program with settings (ifindex and netns_cookie filled in)
  // and, for vary dst, the flows' destinations (Template::dsts); attaches
  // its transmit tracepoint, if the kernel lets it.
  static Result<Generator> load(const pg_settings& settings, std::string dev,
                                std::span<const pg_dst> dsts = {});
  Generator(Generator&&) noexcept;
  Generator& operator=(Generator&&) noexcept;
  ~Generator();

  // Whether the kernel runs live-frames test runs for us: a run of a
  // program that drops its one frame. An error other than a refusal
  // (EPERM, EACCES) is returned as is.
  Result<bool> live_frames_permitted() const;
  // Sends `frames` frames starting from `frame`, as one live-frames test
  // run on the calling thread's CPU.
  Result<void> send(std::span<const uint8_t> frame, uint32_t frames, uint32_t batch) const;
  // Summed over CPUs.
  Result<GenCounters> counters() const;
  // Whether the device's transmit outcome is counted (xmit_* fields).
  bool traces_xmit() const;
  // The XDP program, for tests that run it on crafted frames.
  int prog_fd() const;

 private:
  struct Impl;
  explicit Generator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Sink {
 public:
  // Loads the sink and attaches it to ifindex with a bpf_link: it goes
  // away with this object, or with the process however it ends.
  static Result<Sink> attach(uint32_t ifindex, std::string dev);
  Sink(Sink&&) noexcept;
  Sink& operator=(Sink&&) noexcept;
  ~Sink();

  // Summed over CPUs; first_ns is the earliest, last_ns the latest.
  Result<SinkCounters> counters() const;

 private:
  struct Impl;
  explicit Sink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pktgen
