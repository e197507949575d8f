// The benchmark's limit program from C++: load it with the egress and MACs
// set in advance, attach it with a bpf_link, read what it did.
#pragma once

#include <linux/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "bench/abi.h"
#include "common/error.h"
#include "packet/frame.h"

namespace bench {

using common::Result;
using packet::Mac;

struct LimitSettings {
  uint32_t egress_ifindex = 0;
  Mac dst_mac{};  // the next hop
  Mac src_mac{};  // the egress interface
};

struct LimitCounters {
  uint64_t redirected = 0;
  uint64_t passed = 0;
  uint64_t dropped = 0;
};

class Limit {
 public:
  // Loads the programs and puts the egress in their DEVMAP. The kernel
  // reads the ifindex in the network namespace of this process: load it
  // in the router's.
  static Result<Limit> load(const LimitSettings& settings);
  Limit(Limit&&) noexcept;
  Limit& operator=(Limit&&) noexcept;
  ~Limit();

  // Attaches the limit program to ifindex in native mode with a bpf_link:
  // it goes away with this object, or with the process however it ends.
  Result<void> attach(uint32_t ifindex, const std::string& dev);
  // The same for the program that does nothing. Test runs need it: a
  // program attached in native mode sits in the kernel's XDP dispatcher,
  // and test runs of it skip updating the dispatcher, which waits for an
  // RCU grace period (~25 ms) on every call.
  Result<void> attach_noop(uint32_t ifindex, const std::string& dev);
  // Summed over CPUs.
  Result<LimitCounters> counters() const;
  // For BPF_PROG_TEST_RUN: the limit, and a program that does nothing.
  int prog_fd() const;
  int noop_fd() const;

 private:
  struct Impl;
  explicit Limit(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench
