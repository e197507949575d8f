// Drawing random route tables and destinations.
#include "bench/routes.h"

#include <arpa/inet.h>
#include <fmt/core.h>

#include <random>
#include <unordered_set>

namespace bench {
namespace {

// Raw generator bits, not <random>'s distributions: those differ between
// standard libraries, and the table should not.
uint64_t below(std::mt19937_64& rng, uint64_t n) { return rng() % n; }

bool usable_ipv4_prefix(uint32_t prefix24) {
  const uint32_t first = prefix24 >> 16;
  return first != 0 && first != 10 && first != 127 && first < 224;
}

Address ipv4_prefix(uint32_t prefix24) {
  Address a{};
  a[0] = static_cast<uint8_t>(prefix24 >> 16);
  a[1] = static_cast<uint8_t>(prefix24 >> 8);
  a[2] = static_cast<uint8_t>(prefix24);
  return a;
}

// A /48 is 48 bits: 001 and 45 random ones.
Address ipv6_prefix(uint64_t prefix48) {
  Address a{};
  for (int i = 0; i < 6; ++i) a[i] = static_cast<uint8_t>(prefix48 >> (40 - 8 * i));
  return a;
}

void draw_prefixes(RouteTable& t, uint32_t count, std::mt19937_64& rng) {
  std::unordered_set<uint64_t> seen;
  seen.reserve(count);
  t.prefixes.reserve(count);
  while (t.prefixes.size() < count) {
    if (t.family == Family::ipv4) {
      const auto p = static_cast<uint32_t>(rng() >> 40);
      if (!usable_ipv4_prefix(p) || !seen.insert(p).second) continue;
      t.prefixes.push_back(ipv4_prefix(p));
    } else {
      const uint64_t p = (uint64_t{1} << 45) | (rng() >> 19);
      if (!seen.insert(p).second) continue;
      t.prefixes.push_back(ipv6_prefix(p));
    }
  }
}

void draw_dests(RouteTable& t, uint32_t n_dests, std::mt19937_64& rng) {
  const auto count = static_cast<uint32_t>(t.prefixes.size());
  t.dest_route.resize(n_dests);
  if (count >= n_dests) {
    // Distinct routes: the first n_dests of a partial shuffle.
    std::vector<uint32_t> order(count);
    for (uint32_t i = 0; i < count; ++i) order[i] = i;
    for (uint32_t i = 0; i < n_dests; ++i) {
      std::swap(order[i], order[i + below(rng, count - i)]);
      t.dest_route[i] = order[i];
    }
  } else {
    for (uint32_t i = 0; i < n_dests; ++i) t.dest_route[i] = i % count;
  }
  t.dests.reserve(n_dests);
  for (uint32_t route : t.dest_route) {
    Address a = t.prefixes[route];
    if (t.family == Family::ipv4) {
      a[3] = static_cast<uint8_t>(1 + below(rng, 254));  // neither .0 nor .255
    } else {
      const uint64_t hi = rng(), lo = rng();
      for (int i = 0; i < 2; ++i) a[6 + i] = static_cast<uint8_t>(hi >> (8 - 8 * i));
      for (int i = 0; i < 8; ++i) a[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
      a[15] |= 1;  // never the subnet-router anycast address
    }
    t.dests.push_back(a);
  }
}

}  // namespace

std::string_view to_string(Family f) { return f == Family::ipv4 ? "ipv4" : "ipv6"; }

common::Result<RouteTable> make_route_table(Family family, uint32_t count, uint32_t n_dests,
                                            uint64_t seed) {
  if (count < 1 || count > kMaxRoutes)
    return common::fail(EINVAL, fmt::format("routes {} out of range 1-{}", count, kMaxRoutes));
  if (n_dests < 1)
    return common::fail(EINVAL, "at least one destination");
  RouteTable t;
  t.family = family;
  t.prefix_len = family == Family::ipv4 ? 24 : 48;
  std::mt19937_64 rng(seed);
  draw_prefixes(t, count, rng);
  draw_dests(t, n_dests, rng);
  return t;
}

std::string format_address(Family family, const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::ipv4 ? AF_INET : AF_INET6, a.data(), buf, sizeof(buf));
  return buf;
}

void write_batch(std::ostream& out, const RouteTable& t, std::string_view via) {
  for (const Address& p : t.prefixes)
    out << "route add " << format_address(t.family, p) << '/' << int(t.prefix_len) << " via "
        << via << '\n';
}

void write_dests(std::ostream& out, const RouteTable& t) {
  for (const Address& d : t.dests) out << format_address(t.family, d) << '\n';
}

}  // namespace bench
