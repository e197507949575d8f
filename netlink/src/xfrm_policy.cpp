// xfrm policies, from one NETLINK_XFRM dump.
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "netlink/xfrm.h"
#include "socket.h"

namespace netlink {
namespace {

int on_policy(nl_msg* msg, void* arg) {
  auto* out = static_cast<XfrmPolicies*>(arg);
  nlmsghdr* nlh = nlmsg_hdr(msg);
  if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
      nlh->nlmsg_len < NLMSG_LENGTH(sizeof(xfrm_userpolicy_info)))
    return NL_OK;
  const auto* p = static_cast<const xfrm_userpolicy_info*>(nlmsg_data(nlh));
  if (p->dir != XFRM_POLICY_FWD && p->dir != XFRM_POLICY_OUT) return NL_OK;
  // A selector of no family matches both.
  if (p->sel.family != AF_INET6) out->ipv4 = true;
  if (p->sel.family != AF_INET) out->ipv6 = true;
  return NL_OK;
}

}  // namespace

common::Result<XfrmPolicies> xfrm_forward_policies() {
  auto sk = detail::connect(NETLINK_XFRM);
  if (!sk) return std::unexpected(sk.error());
  XfrmPolicies out;
  nl_socket_modify_cb(sk->get(), NL_CB_VALID, NL_CB_CUSTOM, on_policy, &out);
  rtgenmsg hdr{};
  hdr.rtgen_family = AF_UNSPEC;
  if (int err = nl_send_simple(sk->get(), XFRM_MSG_GETPOLICY, NLM_F_DUMP, &hdr, sizeof(hdr));
      err < 0)
    return std::unexpected(detail::nl_error(err, "cannot dump xfrm policies"));
  if (int err = nl_recvmsgs_default(sk->get()); err < 0)
    return std::unexpected(detail::nl_error(err, "cannot read xfrm policies"));
  return out;
}

}  // namespace netlink
