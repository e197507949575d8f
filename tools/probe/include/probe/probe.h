// Probing every device (or one) for xdp-probe's report: advertised features
// from the kernel, detected ones by trying on a scratch copy of the device
// or, with `active`, on the device itself. The library routerd can link.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "probe/report.h"

namespace probe {

struct Options {
  std::optional<std::string> dev;  // one device, or all of this namespace
  bool active = false;             // try devices that cannot be copied
  uint32_t jumbo_mtu = 9000;
};

// Fails only when nothing can be reported (no such device, no netlink);
// a trial that cannot run is an Outcome::failed in the report.
common::Result<std::vector<DeviceReport>> run(const Options& options);

}  // namespace probe
