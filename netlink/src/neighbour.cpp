// Stale neighbours and NTF_USE.
#include "netlink/neighbour.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/route/neighbour.h>

#include <memory>

#include "socket.h"

namespace netlink {
namespace {

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

}  // namespace

common::Result<std::vector<StaleNeighbour>> stale_neighbours() {
  auto cache = detail::dump_cache(
      [](nl_sock* sk, nl_cache** c) { return rtnl_neigh_alloc_cache(sk, c); }, "neighbours");
  if (!cache) return std::unexpected(cache.error());
  std::vector<StaleNeighbour> out;
  for (nl_object* o = nl_cache_get_first(cache->get()); o; o = nl_cache_get_next(o)) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    const int family = rtnl_neigh_get_family(n);
    nl_addr* dst = rtnl_neigh_get_dst(n);
    if (!(rtnl_neigh_get_state(n) & NUD_STALE) || !dst ||
        (family != AF_INET && family != AF_INET6))
      continue;
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, nl_addr_get_binary_addr(dst), buf, sizeof(buf));
    out.push_back({static_cast<uint32_t>(rtnl_neigh_get_ifindex(n)), family, buf});
  }
  return out;
}

common::Result<void> use_neighbours(const std::vector<StaleNeighbour>& entries) {
  auto sk = detail::connect(NETLINK_ROUTE);
  if (!sk) return std::unexpected(sk.error());
  for (const StaleNeighbour& n : entries) {
    uint8_t addr[16];
    const size_t len = n.family == AF_INET ? 4 : 16;
    if (inet_pton(n.family, n.address.c_str(), addr) != 1)
      return common::fail(EINVAL, fmt::format("bad neighbour address {}", n.address));
    std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_REQUEST));
    ndmsg ndm{};
    ndm.ndm_family = static_cast<uint8_t>(n.family);
    ndm.ndm_ifindex = static_cast<int>(n.ifindex);
    ndm.ndm_flags = NTF_USE;
    if (!msg || nlmsg_append(msg.get(), &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
        nla_put(msg.get(), NDA_DST, static_cast<int>(len), addr) < 0)
      return common::fail(ENOMEM, "cannot build a neighbour request");
    // No answer is awaited: an entry gone meanwhile is nothing to report.
    if (int err = nl_send_auto(sk->get(), msg.get()); err < 0)
      return std::unexpected(detail::nl_error(err, "cannot nudge a neighbour"));
  }
  return {};
}

}  // namespace netlink
