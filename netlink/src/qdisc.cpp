// Qdiscs, from one rtnetlink dump.
#include "netlink/qdisc.h"

#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include <fstream>
#include <memory>
#include <set>

#include "socket.h"

namespace netlink {
namespace {

// What the kernel attaches to a device by itself.
std::set<std::string> default_kinds() {
  std::set<std::string> kinds{"noqueue", "pfifo_fast", "mq"};
  std::ifstream in("/proc/sys/net/core/default_qdisc");
  if (std::string kind; in >> kind) kinds.insert(kind);
  return kinds;
}

}  // namespace

common::Result<std::map<uint32_t, TrafficControl>> dump_traffic_control() {
  auto cache = detail::dump_cache(
      [](nl_sock* sk, nl_cache** c) { return rtnl_qdisc_alloc_cache(sk, c); }, "qdiscs");
  if (!cache) return std::unexpected(cache.error());
  const auto defaults = default_kinds();
  std::map<uint32_t, TrafficControl> out;
  for (nl_object* o = nl_cache_get_first(cache->get()); o; o = nl_cache_get_next(o)) {
    auto* tc = TC_CAST(o);
    const char* kind = rtnl_tc_get_kind(tc);
    const int ifindex = rtnl_tc_get_ifindex(tc);
    if (!kind || ifindex <= 0) continue;
    const std::string k = kind;
    if (k == "clsact" || k == "ingress") {
      out[static_cast<uint32_t>(ifindex)].filters = true;
    } else if (!defaults.count(k)) {
      auto& t = out[static_cast<uint32_t>(ifindex)];
      if (t.egress_qdisc.empty()) t.egress_qdisc = k;
    }
  }
  return out;
}

}  // namespace netlink
