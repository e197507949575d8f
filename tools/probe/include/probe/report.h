// xdp-probe's report as values: per device, what the kernel advertises next
// to what was detected by trying, the mismatches between the two, and the
// one printing function for text and JSON. No system calls: unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/output.h"

namespace probe {

enum class Outcome {
  yes,      // the kernel accepted it / the frame went through
  no,       // refused or lost
  busy,     // not tried: another XDP program is attached to the device
  skipped,  // not tried (see the detail)
  failed,   // the probe itself could not run (see the detail)
};
std::string_view to_string(Outcome outcome);

struct Trial {
  Outcome outcome = Outcome::skipped;
  int err = 0;         // errno of a refusal, 0 if none
  std::string detail;  // what was tried, or why it was refused or skipped
};

// The experiments, each one of Trial.
struct Trials {
  Trial native;       // XDP_PASS attached in driver mode
  Trial generic;      // XDP_PASS attached in skb mode
  Trial frags;        // an xdp.frags program in driver mode, at the MTU
  Trial frags_jumbo;  // the same at a jumbo MTU (scratch copies only)
  Trial redirect;     // a frame pushed through bpf_redirect into the device
};

enum class Where {
  scratch,  // on a fresh device of the same kind in a private namespace
  live,     // on the device itself (--active)
  nowhere,  // not tried (see where_detail)
};
std::string_view to_string(Where where);

struct DeviceReport {
  uint32_t ifindex = 0;
  std::string name;
  std::string kind;  // rtnetlink's kind ("veth", "bridge", ...); "" for a NIC
  uint32_t mtu = 0;

  bool has_driver = false;  // ETHTOOL_GDRVINFO answered
  std::string driver, driver_version, firmware, bus_info;
  std::string driver_error;

  std::optional<uint64_t> advertised;  // netlink::xdp_act bits, if known
  uint32_t zc_max_segs = 0;
  std::string advertised_error;

  std::string xdp_mode = "none";  // what is attached now: none, native, ...
  uint32_t xdp_prog_id = 0;

  Where where = Where::nowhere;
  std::string where_detail;
  Trials trials;
};

// One line of the table: an advertised feature and the trial that tests it,
// or either alone.
struct Row {
  std::string_view feature;
  std::optional<bool> advertised;  // nullopt: nothing is advertised for it
  std::string_view trial;          // "" when nothing tries it
  const Trial* detected = nullptr;
  bool mismatch = false;
  std::string note;  // why a mismatch may be expected, if known
};

// The table in print order: the three compared features first.
std::vector<Row> rows(const DeviceReport& report);
size_t mismatches(const DeviceReport& report);

// Text (a table per device) or JSON through the one printing layer.
void print(cli::Output& out, std::span<const DeviceReport> reports);

}  // namespace probe
