// The kernel's refusals, in words a user can act on.
#include "pktgen/errors.h"

#include <fmt/core.h>

#include <charconv>
#include <cstring>

namespace pktgen {

bool kernel_at_least(std::string_view release, int major, int minor) {
  int ma = 0, mi = 0;
  const char* p = release.data();
  const char* end = p + release.size();
  auto r = std::from_chars(p, end, ma);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != '.') return false;
  r = std::from_chars(r.ptr + 1, end, mi);
  if (r.ec != std::errc()) return false;
  return ma > major || (ma == major && mi >= minor);
}

common::Error test_run_error(int err, std::string_view dev, std::string_view kernel_release) {
  switch (err) {
    case EOPNOTSUPP:
    case EINVAL:
      // A kernel before 5.18 refuses the flag with EINVAL; we check every
      // other input ourselves, so on a newer kernel it is something else.
      if (err == EOPNOTSUPP || !kernel_at_least(kernel_release, 5, 18))
        return {err, "kernel does not support BPF_F_TEST_XDP_LIVE_FRAMES (needs Linux 5.18+)",
                fmt::format("this is Linux {}; send with a newer kernel", kernel_release)};
      return {err, fmt::format("kernel refused the live-frames test run on {}", dev),
              "run with -d to see libbpf's messages"};
    case EPERM:
    case EACCES:
      return {err, "not permitted to run live-frames test runs",
              "run as root (CAP_BPF, CAP_NET_ADMIN); if this kernel refuses them even to "
              "root, send through a packet socket: via packet"};
    case ENODEV:
    case ENXIO:
      return {err, fmt::format("Cannot find device \"{}\"", dev),
              "the device went away while sending", true};
  }
  return {err, fmt::format("live-frames test run on {} failed", dev), {}};
}

common::Error attach_error(int err, std::string_view dev) {
  switch (err) {
    case EBUSY:
    case EEXIST:
      return {err, fmt::format("{} already has an XDP program attached", dev),
              fmt::format("detach it first: ip link set dev {} xdp off", dev)};
    case EPERM:
    case EACCES:
      return {err, fmt::format("not permitted to attach XDP to {}", dev),
              "run as root (CAP_BPF, CAP_NET_ADMIN)"};
    case ENODEV:
      return {err, fmt::format("Cannot find device \"{}\"", dev), {}, true};
  }
  return {err, fmt::format("cannot attach the sink to {}", dev), {}};
}

common::Error xmit_refused_error(int err, std::string_view dev, uint64_t frames) {
  std::string hint;
  if (err == ENXIO || err == ENETDOWN)
    hint = fmt::format(
        "is {} up? A veth transmits XDP frames only when its peer has NAPI: "
        "attach an XDP program to the peer (xdp-pktgen sink) or run "
        "ethtool -K PEER gro on",
        dev);
  else if (err == EOPNOTSUPP)
    hint = fmt::format("the driver of {} cannot transmit redirected XDP frames", dev);
  return {err, fmt::format("{} refused {} frames", dev, frames), hint};
}

}  // namespace pktgen
