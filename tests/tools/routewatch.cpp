// Test tool: samples the kernel's route to one address every INTERVAL_US
// microseconds for DURATION_S seconds and prints "WALL_NS NEXT_HOP" per
// sample (the gateway, "dev" for an on-link route, "none" without one): a
// timeline of the FIB, for checking where packets were forwarded. Netlink monitors lose
// events under a 10 000-route burst; sampling does not.
//
//   routewatch ADDRESS INTERVAL_US DURATION_S
#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "netlink/route.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "usage: routewatch ADDRESS INTERVAL_US DURATION_S\n");
    return 2;
  }
  const auto interval = std::chrono::microseconds(std::atoi(argv[2]));
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[3]));
  netlink::RouteQuery q;
  q.dst = argv[1];
  while (std::chrono::steady_clock::now() < end) {
    const auto wall = std::chrono::system_clock::now().time_since_epoch();
    auto r = netlink::route_get(q);
    if (!r) {
      fmt::print(stderr, "routewatch: {}\n", r.error().message());
      return 1;
    }
    const std::string hop = !r->error.empty() || r->type != "unicast" ? "none"
                            : r->gateway.empty()                        ? "dev"
                                                                        : r->gateway;
    fmt::print("{} {}\n", std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count(),
               hop);
    std::this_thread::sleep_for(interval);
  }
  return 0;
}
