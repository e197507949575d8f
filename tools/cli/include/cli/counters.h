// The fast path's counters through the printing layer: routerctl prints
// them and routerd's control API serves them with these same calls, so
// each field name is defined once.
#pragma once

#include <cstdint>
#include <string>

#include "cli/output.h"
#include "fastpath/fastpath.h"

namespace cli {

// The interface's name now, or "if<N>" once it is gone.
std::string ifname_of(uint32_t ifindex);

// forwarded {packets, bytes}, passed_packets, passed {reason: packets};
// text lists only the reasons that happened.
void print_counters(Output& out, const fastpath::Counters& c);
// transmit {packets, drops, redirect_errors}.
void print_transmit(Output& out, const fastpath::EgressCounters& t);
// An interface's counters and, where traced, its transmit counters.
void print_statistics(Output& out, const fastpath::InterfaceState& s);
// One interface's entry: ifname, ifindex, fastpath mode, egress, counters
// and, where traced, transmit.
void print_interface_counters(Output& out, const fastpath::InterfaceState& s,
                              const std::string& ifname);
// The interfaces and, unless only one was asked for, the total.
void print_snapshot(Output& out, const fastpath::Snapshot& snap,
                    std::optional<uint32_t> only = std::nullopt);

}  // namespace cli
