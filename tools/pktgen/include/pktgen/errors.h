// What the kernel's refusals mean for xdp-pktgen, as one-line errors with
// a hint. Pure functions of the errno, so they are tested without root.
#pragma once

#include <string_view>

#include "common/error.h"

namespace pktgen {

// A live-frames BPF_PROG_TEST_RUN failed with err (positive errno) on dev.
// kernel_release is uname -r, to tell "too old" from other refusals.
common::Error test_run_error(int err, std::string_view dev, std::string_view kernel_release);

// Attaching the sink to dev failed with err.
common::Error attach_error(int err, std::string_view dev);

// The device refused frames with err (from the xdp_devmap_xmit tracepoint).
common::Error xmit_refused_error(int err, std::string_view dev, uint64_t frames);

// True if release ("6.1.0-18-amd64") is at least major.minor.
bool kernel_at_least(std::string_view release, int major, int minor);

}  // namespace pktgen
