// Link and XDP-feature notifications, read without blocking.
#include "netlink/monitor.h"

#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/xfrm.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/log.h"
#include "parse.h"
#include "socket.h"

namespace netlink {
namespace {

constexpr std::string_view kLog = "netlink";

// The receive buffer of a socket, as the kernel accounts it.
int rcvbuf_of(int fd) {
  int size = 0;
  socklen_t len = sizeof(size);
  return ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) == 0 ? size : 0;
}

// libnl's nl_socket_set_buffer_size() uses SO_RCVBUF, which the kernel caps
// at net.core.rmem_max (a few hundred KiB): a burst of link events would
// overrun it. SO_RCVBUFFORCE (CAP_NET_ADMIN) is not capped.
void set_rcvbuf(int fd, int size) {
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0) return;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  common::log::warn(kLog, "netlink receive buffer: {} bytes asked, {} in effect "
                          "(SO_RCVBUFFORCE needs CAP_NET_ADMIN; raise net.core.rmem_max)",
                    size, rcvbuf_of(fd) / 2);
}

// Subscribed sockets: no sequence numbers, never block.
common::Result<detail::Socket> subscriber(int protocol, int rcvbuf) {
  detail::Socket sk(nl_socket_alloc());
  if (!sk) return common::fail(ENOMEM, "cannot allocate a netlink socket");
  nl_socket_disable_seq_check(sk.get());
  if (int err = nl_connect(sk.get(), protocol); err < 0)
    return std::unexpected(detail::nl_error(err, "cannot open a netlink socket"));
  if (rcvbuf > 0) set_rcvbuf(nl_socket_get_fd(sk.get()), rcvbuf);
  nl_socket_set_nonblocking(sk.get());
  return sk;
}

void on_link_object(nl_object* obj, void* arg) {
  auto* changes = static_cast<Changes*>(arg);
  auto* link = reinterpret_cast<rtnl_link*>(obj);
  LinkEvent& ev = changes->links[static_cast<uint32_t>(rtnl_link_get_ifindex(link))];
  if (nl_object_get_msgtype(obj) == RTM_DELLINK) {
    // A veth moved to another namespace leaves with RTM_DELLINK too.
    ev.link.reset();
    ev.replaced = true;
  } else {
    ev.link = detail::to_link(link);
  }
}

int on_link_msg(nl_msg* msg, void* arg) {
  auto* changes = static_cast<Changes*>(arg);
  switch (nlmsg_hdr(msg)->nlmsg_type) {
    case RTM_NEWADDR:
    case RTM_DELADDR:
      if (static_cast<const ifaddrmsg*>(nlmsg_data(nlmsg_hdr(msg)))->ifa_family == AF_INET)
        changes->addresses = true;
      else
        changes->netconf = true;
      break;
    case RTM_NEWNETCONF:
    case RTM_DELNETCONF:
      changes->netconf = true;
      break;
    case RTM_DELNSID:
      changes->netns_gone = true;
      break;
    case RTM_NEWRULE:
    case RTM_DELRULE:
      changes->source_check = true;
      changes->rules = true;
      break;
    case RTM_NEWQDISC:
    case RTM_DELQDISC:
      changes->qdiscs = true;
      break;
    case RTM_NEWLINK:
    case RTM_DELLINK:
      // A bridge speaks of its ports in AF_BRIDGE messages too (RTM_DELLINK
      // when one leaves it): they are about bridging, not about the device.
      // (libnl's parsed family cannot tell: it says AF_BRIDGE for a bridge.)
      if (static_cast<const ifinfomsg*>(nlmsg_data(nlmsg_hdr(msg)))->ifi_family == AF_UNSPEC)
        nl_msg_parse(msg, on_link_object, arg);
      break;
    default:
      break;
  }
  return NL_OK;
}

int on_route_msg(nl_msg* msg, void* arg) {
  auto* changes = static_cast<Changes*>(arg);
  nlmsghdr* nlh = nlmsg_hdr(msg);
  if (nlh->nlmsg_type == RTM_NEWNEXTHOP || nlh->nlmsg_type == RTM_DELNEXTHOP) {
    changes->nexthops = true;
    return NL_OK;
  }
  const auto* rtm = static_cast<const rtmsg*>(nlmsg_data(nlh));
  if (nlh->nlmsg_type == RTM_DELROUTE && rtm->rtm_family == AF_INET6)
    changes->ipv6_route_removed = true;
  // A local route of one's own makes the kernel check sources fully.
  if (rtm->rtm_family == AF_INET && rtm->rtm_table == RT_TABLE_LOCAL &&
      rtm->rtm_protocol != RTPROT_KERNEL)
    changes->source_check = true;
  const auto mtu = detail::unlocked_route_mtu(nlh);
  if (!mtu) return NL_OK;
  if (nlh->nlmsg_type == RTM_DELROUTE) {
    changes->route_mtu_removed = true;
    return NL_OK;
  }
  const bool v4 = rtm->rtm_family == AF_INET;
  uint32_t& added = v4 ? changes->route_mtu_added_v4 : changes->route_mtu_added_v6;
  added = added ? std::min(added, *mtu) : *mtu;
  return NL_OK;
}

int on_netdev_msg(nl_msg* msg, void* arg) {
  auto* changes = static_cast<Changes*>(arg);
  nlmsghdr* nlh = nlmsg_hdr(msg);
  const auto* gh = static_cast<const genlmsghdr*>(nlmsg_data(nlh));
  auto dev = detail::parse_netdev(nlh);
  if (!dev) return NL_OK;
  if (gh->cmd == detail::kNetdevCmdDevDelNtf) return NL_OK;  // the link event says it
  changes->features[dev->first] = dev->second;
  return NL_OK;
}

int on_xfrm_msg(nl_msg*, void* arg) {
  static_cast<Changes*>(arg)->xfrm = true;  // a policy came, went or changed
  return NL_OK;
}

int on_nftables_msg(nl_msg*, void* arg) {
  static_cast<Changes*>(arg)->netfilter = true;  // a ruleset change (and its generation)
  return NL_OK;
}

// Messages read per socket and poll: a flood cannot hold the event loop,
// and the caller acts once on everything read (not once per message).
constexpr int kMaxMessagesPerPoll = 4096;
// Datagrams thrown away after an overrun (more than any receive buffer holds).
constexpr int kMaxDiscarded = 1 << 16;

// After ENOBUFS the kernel has dropped the newest notifications, but the
// older ones are still queued: applied after the caller's fresh dump they
// would roll it back (a link seen up that is down by now). Throw them away.
void discard_queued(int fd) {
  for (int i = 0; i < kMaxDiscarded; ++i)
    if (::recv(fd, nullptr, 0, MSG_DONTWAIT | MSG_TRUNC) < 0 && errno != ENOBUFS &&
        errno != EINTR)
      return;  // EAGAIN: nothing left
}

// Reads what is pending on a non-blocking socket, up to the budget; false
// when messages were lost.
bool drain(nl_sock* sk) {
  std::unique_ptr<nl_cb, decltype(&nl_cb_put)> cb(nl_socket_get_cb(sk), nl_cb_put);
  for (int handled = 0; handled < kMaxMessagesPerPoll;) {
    // nl_recvmsgs_default() says 0 both for "read one" and "nothing left".
    const int n = nl_recvmsgs_report(sk, cb.get());
    if (n > 0) {
      handled += n;
      continue;
    }
    if (n == 0 || n == -NLE_AGAIN) return true;
    // ENOBUFS (reported as NLE_NOMEM): the kernel dropped notifications.
    common::log::warn(kLog, "netlink receive failed ({}): resynchronising",
                      nl_geterror(n));
    discard_queued(nl_socket_get_fd(sk));
    return false;
  }
  return true;  // more pending: the socket stays readable for the next poll
}

}  // namespace

struct Monitor::Impl {
  detail::Socket links;
  detail::Socket netdev;
  detail::Socket routes;
  detail::Socket xfrm;
  detail::Socket nftables;
  Changes pending;
};

Monitor::Monitor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Monitor::Monitor(Monitor&&) noexcept = default;
Monitor& Monitor::operator=(Monitor&&) noexcept = default;
Monitor::~Monitor() = default;

common::Result<Monitor> Monitor::open(int rcvbuf) {
  auto impl = std::make_unique<Impl>();
  auto links = subscriber(NETLINK_ROUTE, rcvbuf);
  if (!links) return std::unexpected(links.error());
  if (int err = nl_socket_add_memberships(links->get(), RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                          RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_IFADDR,
                                          RTNLGRP_IPV6_NETCONF, RTNLGRP_NSID,
                                          RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE, RTNLGRP_TC, 0);
      err < 0)
    return std::unexpected(detail::nl_error(err, "cannot subscribe to link events"));
  nl_socket_modify_cb(links->get(), NL_CB_VALID, NL_CB_CUSTOM, on_link_msg,
                      &impl->pending);
  impl->links = std::move(*links);

  // Routes on a socket of their own: a full table's churn must not overrun
  // (and force resyncs of) link events.
  auto routes = subscriber(NETLINK_ROUTE, rcvbuf);
  if (!routes) return std::unexpected(routes.error());
  if (int err = nl_socket_add_memberships(routes->get(), RTNLGRP_IPV4_ROUTE,
                                          RTNLGRP_IPV6_ROUTE, RTNLGRP_NEXTHOP, 0);
      err < 0)
    return std::unexpected(detail::nl_error(err, "cannot subscribe to route events"));
  nl_socket_modify_cb(routes->get(), NL_CB_VALID, NL_CB_CUSTOM, on_route_msg, &impl->pending);
  impl->routes = std::move(*routes);

  auto netdev = subscriber(NETLINK_GENERIC, rcvbuf);
  if (!netdev) return std::unexpected(netdev.error());
  const int group = genl_ctrl_resolve_grp(netdev->get(), detail::kNetdevFamily,
                                          detail::kNetdevGroupMgmt);
  if (group >= 0 && nl_socket_add_membership(netdev->get(), group) == 0) {
    nl_socket_modify_cb(netdev->get(), NL_CB_VALID, NL_CB_CUSTOM, on_netdev_msg,
                        &impl->pending);
    impl->netdev = std::move(*netdev);
  } else {
    common::log::warn(kLog, "no netdev netlink family: XDP feature changes are "
                            "seen only on link events (needs Linux 6.3+)");
  }
  if (auto xfrm = subscriber(NETLINK_XFRM, rcvbuf);
      xfrm && nl_socket_add_membership(xfrm->get(), XFRMNLGRP_POLICY) == 0) {
    nl_socket_modify_cb(xfrm->get(), NL_CB_VALID, NL_CB_CUSTOM, on_xfrm_msg, &impl->pending);
    impl->xfrm = std::move(*xfrm);
  } else {
    common::log::warn(kLog, "no xfrm netlink: IPsec policy changes are seen only at resyncs");
  }
  if (auto nft = subscriber(NETLINK_NETFILTER, rcvbuf);
      nft && nl_socket_add_membership(nft->get(), NFNLGRP_NFTABLES) == 0) {
    nl_socket_modify_cb(nft->get(), NL_CB_VALID, NL_CB_CUSTOM, on_nftables_msg,
                        &impl->pending);
    impl->nftables = std::move(*nft);
  } else {
    common::log::warn(kLog, "no nftables netlink: firewall changes are seen only at resyncs");
  }
  return Monitor(std::move(impl));
}

int Monitor::nftables_fd() const {
  return impl_->nftables ? nl_socket_get_fd(impl_->nftables.get()) : -1;
}

int Monitor::xfrm_fd() const { return impl_->xfrm ? nl_socket_get_fd(impl_->xfrm.get()) : -1; }

int Monitor::link_fd() const { return nl_socket_get_fd(impl_->links.get()); }

int Monitor::rcvbuf() const { return rcvbuf_of(link_fd()); }

int Monitor::route_fd() const { return nl_socket_get_fd(impl_->routes.get()); }

int Monitor::netdev_fd() const {
  return impl_->netdev ? nl_socket_get_fd(impl_->netdev.get()) : -1;
}

Changes Monitor::poll() {
  Changes& p = impl_->pending;
  if (!drain(impl_->links.get())) p.overrun = true;
  if (impl_->netdev && !drain(impl_->netdev.get())) p.overrun = true;
  if (!drain(impl_->routes.get())) p.routes_overrun = true;
  if (impl_->xfrm && !drain(impl_->xfrm.get())) p.xfrm = true;  // read them all again
  if (impl_->nftables && !drain(impl_->nftables.get())) p.netfilter = true;
  return std::exchange(p, Changes{});
}

}  // namespace netlink
