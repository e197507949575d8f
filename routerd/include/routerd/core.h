// The daemon's decisions as a pure function: desired configuration and
// observed interfaces in, actions and per-interface status out. No syscalls
// here, so every case is unit-tested without root.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/device_checks.h"
#include "fastpath/types.h"
#include "routerd/config.h"

namespace routerd {

using fastpath::Mac;
using fastpath::XdpMode;

// A link as the kernel reports it.
struct LinkView {
  uint32_t ifindex = 0;
  std::string name;
  Mac mac{};
  bool ethernet = true;
  bool up = false;        // IFF_UP
  bool lower_up = false;  // carrier
  uint32_t mtu = 1500;
  bool veth = false;
  uint32_t master = 0;    // the bridge (or bond) this is a port of, 0 if none
  std::optional<uint64_t> xdp_features;  // netlink::xdp_act bits, if known
  // What the kernel checks on packets arriving here (its settings); when
  // they could never be read the fast path must not take its traffic.
  common::DeviceChecks checks;
  bool checks_known = true;
  // Traffic control the fast path would bypass: a shaping qdisc on the
  // egress (a redirect transmits past it), tc filters (XDP runs before them).
  std::string egress_qdisc;
  bool tc_filters = false;
};

// The fast path's state for one interface, as its maps and pins say.
struct FastpathView {
  std::optional<XdpMode> attached;  // native or generic
  bool egress = false;              // in the DEVMAP
  bool configured = false;          // has an entry in the interfaces map
  fastpath::InterfaceSettings settings;
};

// What the daemon remembers between passes (kept by the executor).
struct Memory {
  std::set<uint32_t> peers_prepared;                 // veths whose peer is set up
  std::map<uint32_t, std::string> peer_failures;     // why a peer could not be
  std::map<uint32_t, std::pair<XdpMode, std::string>> attach_failures;
};

struct Observed {
  std::map<uint32_t, LinkView> links;
  std::map<uint32_t, FastpathView> fastpath;
  Memory memory;
};

// Per-interface decisions made at run time (routerctl link set), by name;
// nullopt means "off".
using Overrides = std::map<std::string, std::optional<XdpMode>>;

enum class ActionKind {
  prepare_peer,   // set up the far end of a veth (GRO on; TX checksum, VLAN offload off)
  attach,         // attach in `mode` (also writes the interfaces-map entry)
  configure,      // rewrite the interfaces-map entry (MAC, flags)
  add_egress,     // into the DEVMAP
  remove_egress,  // out of the DEVMAP
  forget,         // detach, leave the DEVMAP, drop the entry
};
std::string_view to_string(ActionKind kind);

struct Action {
  ActionKind kind;
  uint32_t ifindex = 0;
  std::string name;
  XdpMode mode = XdpMode::automatic;
  fastpath::InterfaceSettings settings;  // what the interfaces map is to hold
  std::string reason;  // why, for the log

  bool operator==(const Action&) const = default;
};

struct InterfaceStatus {
  uint32_t ifindex = 0;
  std::string name;
  bool managed = false;
  std::string managed_reason;     // which rule, or why not
  std::optional<XdpMode> mode;    // the mode wanted, when managed
  std::string mode_reason;        // why that mode (auto's choice)
  bool egress = false;            // wanted in the DEVMAP
  std::string egress_blocker;     // why not, when managed and not egress
  std::string error;              // the last failure, if any
};

// The status as routerd's control API carries it ("interfaces" replies)
// and routerctl reads it back: its field names are defined here only.
nlohmann::json to_json(const InterfaceStatus& status);
InterfaceStatus status_from_json(const nlohmann::json& j);

struct Plan {
  std::vector<Action> actions;           // in execution order
  std::vector<InterfaceStatus> status;   // by ifindex
};

Plan plan(const Config& config, const Overrides& overrides, const Observed& observed);

}  // namespace routerd
