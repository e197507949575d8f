// Random route tables for the benchmark: distinct prefixes of the size a
// full table carries (IPv4 /24, IPv6 /48) and destinations drawn from them.
// Pure and deterministic for a seed, so every run installs the same table.
#pragma once

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace bench {

enum class Family { ipv4, ipv6 };
using Address = std::array<uint8_t, 16>;  // IPv4 in the first 4 bytes

// More would not fit the IPv4 space we draw from (14.4M /24s) comfortably.
inline constexpr uint32_t kMaxRoutes = 4'000'000;

struct RouteTable {
  Family family = Family::ipv4;
  uint8_t prefix_len = 24;
  std::vector<Address> prefixes;     // distinct, host bits zero, random order
  std::vector<Address> dests;        // dests[i] lies in prefixes[dest_route[i]]
  std::vector<uint32_t> dest_route;
};

// `count` distinct prefixes: IPv4 /24s of 1.0.0.0-223.255.255.255 outside
// 10/8 (the benchmark's own links) and 127/8; IPv6 /48s of 2000::/3. Then
// `n_dests` destinations with random host parts, each in a different route
// while there are routes enough, then round the table again.
common::Result<RouteTable> make_route_table(Family family, uint32_t count, uint32_t n_dests,
                                            uint64_t seed);

std::string format_address(Family family, const Address& a);
std::string_view to_string(Family family);

// The routes as `ip -batch` lines: "route add PREFIX/LEN via NEXT_HOP".
void write_batch(std::ostream& out, const RouteTable& table, std::string_view via);
// The destinations, one a line (xdp-pktgen's dst-file).
void write_dests(std::ostream& out, const RouteTable& table);

}  // namespace bench
