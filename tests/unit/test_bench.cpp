// The benchmark without privileges: the limit program's ABI and the random
// route tables (distinct, usable prefixes; destinations inside them).
#include <doctest/doctest.h>
#include <linux/types.h>

#include <algorithm>
#include <cstddef>
#include <set>
#include <sstream>

#include "bench/abi.h"
#include "bench/routes.h"

// Layouts limit.bpf.c was compiled with.
static_assert(sizeof(bn_limit_settings) == 16);
static_assert(offsetof(bn_limit_settings, src_mac) == 6);
static_assert(offsetof(bn_limit_settings, egress_ifindex) == 12);
static_assert(sizeof(bn_limit_stats) == 24 && sizeof(bn_limit_stats) % 8 == 0,
              "per-CPU values are 8-byte aligned");

namespace {

using bench::Address;
using bench::Family;

// True if a lies in the prefix p/len.
bool inside(const Address& a, const Address& p, int len) {
  for (int bit = 0; bit < len; ++bit) {
    const int mask = 0x80 >> (bit % 8);
    if ((a[bit / 8] & mask) != (p[bit / 8] & mask)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("IPv4 tables: distinct /24s outside 0/8, 10/8, 127/8 and multicast") {
  auto t = bench::make_route_table(Family::ipv4, 50000, 4096, 7);
  REQUIRE(t);
  CHECK(t->prefix_len == 24);
  REQUIRE(t->prefixes.size() == 50000);
  std::set<Address> seen(t->prefixes.begin(), t->prefixes.end());
  CHECK(seen.size() == 50000);
  int bad = 0;
  for (const Address& p : t->prefixes) {
    const int first = p[0];
    if (first == 0 || first == 10 || first == 127 || first >= 224 || p[3] != 0) ++bad;
    for (int i = 4; i < 16; ++i) bad += p[i] != 0;
  }
  CHECK(bad == 0);
  // Destinations: in distinct routes while there are enough, hosts 1-254.
  REQUIRE(t->dests.size() == 4096);
  CHECK(std::set<uint32_t>(t->dest_route.begin(), t->dest_route.end()).size() == 4096);
  for (size_t i = 0; i < t->dests.size(); ++i) {
    CHECK(inside(t->dests[i], t->prefixes[t->dest_route[i]], 24));
    CHECK(t->dests[i][3] >= 1);
    CHECK(t->dests[i][3] <= 254);
  }
}

TEST_CASE("IPv6 tables: distinct /48s in 2000::/3") {
  auto t = bench::make_route_table(Family::ipv6, 20000, 1000, 7);
  REQUIRE(t);
  CHECK(t->prefix_len == 48);
  CHECK(std::set<Address>(t->prefixes.begin(), t->prefixes.end()).size() == 20000);
  int bad = 0;
  for (const Address& p : t->prefixes) {
    bad += (p[0] & 0xe0) != 0x20;
    for (int i = 6; i < 16; ++i) bad += p[i] != 0;
  }
  CHECK(bad == 0);
  for (size_t i = 0; i < t->dests.size(); ++i)
    CHECK(inside(t->dests[i], t->prefixes[t->dest_route[i]], 48));
  CHECK(std::set<Address>(t->dests.begin(), t->dests.end()).size() == 1000);
}

TEST_CASE("fewer routes than destinations: round the table again") {
  auto t = bench::make_route_table(Family::ipv4, 3, 10, 1);
  REQUIRE(t);
  CHECK(t->dest_route == std::vector<uint32_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0});
  auto one = bench::make_route_table(Family::ipv6, 1, 500, 1);
  REQUIRE(one);
  // A /48 has hosts enough for every destination to differ.
  CHECK(std::set<Address>(one->dests.begin(), one->dests.end()).size() == 500);
}

TEST_CASE("the same seed gives the same table; another seed another") {
  auto a = bench::make_route_table(Family::ipv4, 1000, 100, 42);
  auto b = bench::make_route_table(Family::ipv4, 1000, 100, 42);
  auto c = bench::make_route_table(Family::ipv4, 1000, 100, 43);
  REQUIRE((a && b && c));
  CHECK(a->prefixes == b->prefixes);
  CHECK(a->dests == b->dests);
  CHECK(a->prefixes != c->prefixes);
  CHECK(bench::make_route_table(Family::ipv4, 0, 1, 1).error().what == "routes 0 out of range 1-4000000");
}

TEST_CASE("ip -batch lines and a dst-file") {
  auto t = bench::make_route_table(Family::ipv6, 2, 2, 5);
  REQUIRE(t);
  std::ostringstream batch, dests;
  bench::write_batch(batch, *t, "fd00:2::2");
  bench::write_dests(dests, *t);
  const std::string want = "route add " + bench::format_address(Family::ipv6, t->prefixes[0]) +
                           "/48 via fd00:2::2\n";
  const std::string lines = batch.str();
  CHECK(lines.starts_with(want));
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 2);
  CHECK(dests.str() == bench::format_address(Family::ipv6, t->dests[0]) + "\n" +
                           bench::format_address(Family::ipv6, t->dests[1]) + "\n");
  Address v4{};
  v4[0] = 192;
  v4[1] = 0;
  v4[2] = 2;
  v4[3] = 1;
  CHECK(bench::format_address(Family::ipv4, v4) == "192.0.2.1");
}
