// RTM_GETROUTE through libnl: the kernel's own answer for one packet; the
// rules that select by mark.
#include "netlink/route.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <cstring>
#include <memory>

#include "socket.h"

namespace netlink {
namespace {

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

std::string addr_text(nl_addr* a) {
  if (!a) return {};
  char buf[INET6_ADDRSTRLEN + 8];
  nl_addr2str(a, buf, sizeof(buf));
  std::string s = buf;
  if (auto slash = s.find('/'); slash != std::string::npos) s.erase(slash);
  return s;
}

std::string type_name(uint8_t type) {
  switch (type) {
    case RTN_UNICAST: return "unicast";
    case RTN_LOCAL: return "local";
    case RTN_BROADCAST: return "broadcast";
    case RTN_MULTICAST: return "multicast";
    case RTN_BLACKHOLE: return "blackhole";
    case RTN_UNREACHABLE: return "unreachable";
    case RTN_PROHIBIT: return "prohibit";
    case RTN_THROW: return "throw";
  }
  return fmt::format("type {}", type);
}

void on_route(nl_object* obj, void* arg) {
  auto* out = static_cast<RouteAnswer*>(arg);
  auto* r = reinterpret_cast<rtnl_route*>(obj);
  out->type = type_name(rtnl_route_get_type(r));
  out->prefsrc = addr_text(rtnl_route_get_pref_src(r));
  if (rtnl_route_get_nnexthops(r) > 0) {
    rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
    out->oif = static_cast<uint32_t>(rtnl_route_nh_get_ifindex(nh));
    out->gateway = addr_text(rtnl_route_nh_get_gateway(nh));
  }
}

int on_msg(nl_msg* msg, void* arg) {
  nl_msg_parse(msg, on_route, arg);
  return NL_OK;
}

int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
  static_cast<RouteAnswer*>(arg)->error = std::strerror(-err->error);
  return NL_STOP;
}

}  // namespace

common::Result<RouteAnswer> route_get(const RouteQuery& q) {
  uint8_t dst[16], src[16];
  int family = AF_INET;
  size_t alen = 4;
  if (inet_pton(AF_INET6, q.dst.c_str(), dst) == 1) {
    family = AF_INET6;
    alen = 16;
  } else if (inet_pton(AF_INET, q.dst.c_str(), dst) != 1) {
    return common::fail(EINVAL, fmt::format("\"{}\" is not an IP address", q.dst));
  }
  if (!q.src.empty() && inet_pton(family, q.src.c_str(), src) != 1)
    return common::fail(EINVAL, fmt::format("\"{}\" is not an address of the same family "
                                            "as {}", q.src, q.dst));
  auto sk = detail::connect(NETLINK_ROUTE);
  if (!sk) return std::unexpected(sk.error());
  std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST));
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(family);
  rtm.rtm_dst_len = static_cast<uint8_t>(alen * 8);
  rtm.rtm_src_len = q.src.empty() ? 0 : static_cast<uint8_t>(alen * 8);
  rtm.rtm_tos = q.tos;
  if (!msg || nlmsg_append(msg.get(), &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
      nla_put(msg.get(), RTA_DST, static_cast<int>(alen), dst) < 0 ||
      (!q.src.empty() && nla_put(msg.get(), RTA_SRC, static_cast<int>(alen), src) < 0) ||
      (q.iif && nla_put_u32(msg.get(), RTA_IIF, q.iif) < 0) ||
      (q.ip_proto && nla_put_u8(msg.get(), RTA_IP_PROTO, q.ip_proto) < 0) ||
      (q.sport && nla_put_u16(msg.get(), RTA_SPORT, htons(q.sport)) < 0) ||
      (q.dport && nla_put_u16(msg.get(), RTA_DPORT, htons(q.dport)) < 0))
    return common::fail(ENOMEM, "cannot build a route request");
  RouteAnswer out;
  nl_socket_modify_cb(sk->get(), NL_CB_VALID, NL_CB_CUSTOM, on_msg, &out);
  nl_socket_modify_err_cb(sk->get(), NL_CB_CUSTOM, on_error, &out);
  if (int err = nl_send_auto(sk->get(), msg.get()); err < 0)
    return std::unexpected(detail::nl_error(err, "cannot ask for a route"));
  nl_recvmsgs_default(sk->get());
  return out;
}

common::Result<size_t> fwmark_rules() {
  auto cache = detail::dump_cache(
      [](nl_sock* sk, nl_cache** c) { return rtnl_rule_alloc_cache(sk, AF_UNSPEC, c); },
      "ip rules");
  if (!cache) return std::unexpected(cache.error());
  size_t n = 0;
  for (nl_object* o = nl_cache_get_first(cache->get()); o; o = nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_rule*>(o);
    // Without the attribute libnl says all ones; `fwmark 0` alone matches all.
    const uint32_t mark = rtnl_rule_get_mark(r), mask = rtnl_rule_get_mask(r);
    if (mark != UINT32_MAX && (mark != 0 || (mask != 0 && mask != UINT32_MAX))) ++n;
  }
  return n;
}

}  // namespace netlink
