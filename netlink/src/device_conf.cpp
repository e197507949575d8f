// Per-device checks, local addresses and route MTUs.
#include "netlink/device_conf.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>

#include "netlink/link.h"
#include "parse.h"
#include "socket.h"

namespace netlink {
namespace {

struct Ceilings {
  MtuCeilings* out;
  int family;
};

int on_route(nl_msg* msg, void* arg) {
  auto* c = static_cast<Ceilings*>(arg);
  nlmsghdr* nlh = nlmsg_hdr(msg);
  if (nlh->nlmsg_type != RTM_NEWROUTE) return NL_OK;
  if (auto mtu = detail::unlocked_route_mtu(nlh)) {
    uint32_t& ceiling = c->family == AF_INET ? c->out->ipv4 : c->out->ipv6;
    ceiling = ceiling ? std::min(ceiling, *mtu) : *mtu;
  }
  return NL_OK;
}

}  // namespace

common::Result<int> detail::read_int(const std::string& path) {
  std::ifstream in(path);
  int v = 0;
  if (!(in >> v)) return common::fail(errno ? errno : EIO, fmt::format("cannot read {}", path));
  return v;
}

std::optional<uint32_t> detail::unlocked_route_mtu(nlmsghdr* nlh) {
  const auto* rtm = static_cast<const rtmsg*>(nlmsg_data(nlh));
  if (rtm->rtm_type != RTN_UNICAST) return std::nullopt;
  nlattr* tb[RTA_MAX + 1] = {};
  if (nlmsg_parse(nlh, sizeof(rtmsg), tb, RTA_MAX, nullptr) < 0 || !tb[RTA_METRICS])
    return std::nullopt;
  nlattr* mx[RTAX_MAX + 1] = {};
  if (nla_parse_nested(mx, RTAX_MAX, tb[RTA_METRICS], nullptr) < 0 || !mx[RTAX_MTU])
    return std::nullopt;
  const uint32_t mtu = nla_get_u32(mx[RTAX_MTU]);
  const uint32_t locks = mx[RTAX_LOCK] ? nla_get_u32(mx[RTAX_LOCK]) : 0;
  if (!mtu || (locks & (1U << RTAX_MTU))) return std::nullopt;
  return mtu;
}

common::Result<common::DeviceChecks> device_checks(const std::string& ifname) {
  const std::string v4 = "/proc/sys/net/ipv4/conf/", v6 = "/proc/sys/net/ipv6/conf/";
  common::DeviceChecks out;
  auto all_rpf = detail::read_int(v4 + "all/rp_filter");
  auto dev_rpf = detail::read_int(v4 + ifname + "/rp_filter");
  auto all_local = detail::read_int(v4 + "all/accept_local");
  auto dev_local = detail::read_int(v4 + ifname + "/accept_local");
  for (const auto* r : {&all_rpf, &dev_rpf, &all_local, &dev_local})
    if (!*r) return std::unexpected(r->error());
  out.rp_filter = static_cast<uint8_t>(std::clamp(std::max(*all_rpf, *dev_rpf), 0, 2));
  out.accept_local = *all_local || *dev_local;
  // Unreadable means no IPv6 on the device (or at all): the kernel drops it.
  const auto disabled = detail::read_int(v6 + ifname + "/disable_ipv6");
  out.ipv6_disabled = !disabled || *disabled;
  const auto forwarding = detail::read_int(v6 + "all/forwarding");
  out.ipv6_forwarding = forwarding && *forwarding;
  return out;
}

common::Result<LocalIpv4> local_ipv4() {
  auto addrs = dump_addresses();
  if (!addrs) return std::unexpected(addrs.error());
  LocalIpv4 out;
  for (const auto& a : *addrs) {
    if (a.family != AF_INET) continue;
    uint32_t be = 0;
    std::memcpy(&be, a.bytes.data(), 4);
    out.addresses.push_back(be);
    out.devices.insert(a.ifindex);
  }
  return out;
}

bool ipv4_full_source_check() {
  auto addrs = dump_addresses();
  if (!addrs) return true;
  for (const auto& a : *addrs) {
    if (a.family != AF_INET || a.prefixlen >= 31) continue;
    auto link = link_by_index(a.ifindex);
    // Not lo: a loopback source is a martian whatever the check.
    if (!link || !link->up || link->name == "lo" || (a.bytes[0] == 127)) continue;
    auto checks = device_checks(link->name);
    if (!checks || checks->rp_filter || checks->accept_local) continue;  // always full, or none
    uint32_t addr = 0;
    std::memcpy(&addr, a.bytes.data(), 4);
    const uint32_t broadcast = addr | htonl(0xffffffffu >> a.prefixlen);
    auto sk = detail::connect(NETLINK_ROUTE);
    if (!sk) return true;
    std::unique_ptr<nl_msg, decltype(&nlmsg_free)> msg(
        nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST), nlmsg_free);
    rtmsg rtm{};
    rtm.rtm_family = AF_INET;
    rtm.rtm_dst_len = rtm.rtm_src_len = 32;
    if (!msg || nlmsg_append(msg.get(), &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
        nla_put(msg.get(), RTA_DST, 4, &addr) < 0 ||
        nla_put(msg.get(), RTA_SRC, 4, &broadcast) < 0 ||
        nla_put_u32(msg.get(), RTA_IIF, a.ifindex) < 0 || nl_send_auto(sk->get(), msg.get()) < 0)
      return true;
    const int err = nl_recvmsgs_default(sk->get());
    if (err == -NLE_INVAL) return true;  // the source refused: full check
    if (err >= 0) return false;          // accepted: only local addresses are refused
  }
  return true;
}

common::Result<MtuCeilings> route_mtu_ceilings() {
  MtuCeilings out;
  for (int family : {AF_INET, AF_INET6}) {
    auto sk = detail::connect(NETLINK_ROUTE);
    if (!sk) return std::unexpected(sk.error());
    Ceilings c{&out, family};
    nl_socket_modify_cb(sk->get(), NL_CB_VALID, NL_CB_CUSTOM, on_route, &c);
    rtmsg rtm{};
    rtm.rtm_family = static_cast<uint8_t>(family);
    if (int err = nl_send_simple(sk->get(), RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm)); err < 0)
      return std::unexpected(detail::nl_error(err, "cannot dump routes"));
    if (int err = nl_recvmsgs_default(sk->get()); err < 0)
      return std::unexpected(detail::nl_error(err, "cannot read routes"));
  }
  return out;
}

std::vector<int> multipath_hash_settings() {
  std::vector<int> out;
  for (const char* path : {"/proc/sys/net/ipv4/fib_multipath_hash_policy",
                           "/proc/sys/net/ipv4/fib_multipath_hash_fields",
                           "/proc/sys/net/ipv4/fib_multipath_hash_seed",
                           "/proc/sys/net/ipv6/fib_multipath_hash_policy",
                           "/proc/sys/net/ipv6/fib_multipath_hash_fields"}) {
    auto v = detail::read_int(path);
    out.push_back(v ? *v : -1);  // absent on this kernel
  }
  return out;
}

}  // namespace netlink
