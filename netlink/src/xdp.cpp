// XDP attach requests over rtnetlink, read with their extended ACK.
#include "netlink/xdp.h"

#include <fmt/core.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <string>

#include "socket.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace netlink {
namespace {

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

struct Refusal {
  int error = 0;        // negative errno, 0 for an ACK
  std::string message;  // NLMSGERR_ATTR_MSG, if the kernel gave one
};

// libnl 3.7 does not read extended ACKs: the TLVs follow the nlmsgerr and,
// unless the kernel capped it, a copy of our request.
int on_error(sockaddr_nl*, nlmsgerr* e, void* arg) {
  auto* out = static_cast<Refusal*>(arg);
  out->error = e->error;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(
      reinterpret_cast<const char*>(e) - NLMSG_HDRLEN);
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return NL_STOP;
  size_t offset = sizeof(*e);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
  const size_t total = nlh->nlmsg_len - NLMSG_HDRLEN;
  if (offset >= total) return NL_STOP;
  nlattr* tb[NLMSGERR_ATTR_MAX + 1] = {};
  auto* attrs = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(e) + offset);
  if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, static_cast<int>(total - offset), nullptr) == 0 &&
      tb[NLMSGERR_ATTR_MSG])
    out->message = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
  return NL_STOP;
}

// One RTM_SETLINK with an IFLA_XDP nest; returns the kernel's answer.
common::Result<Refusal> set_xdp(uint32_t ifindex, int fd, int expected_fd, uint32_t flags) {
  auto sk = detail::connect(NETLINK_ROUTE);
  if (!sk) return std::unexpected(sk.error());
  const int one = 1;
  ::setsockopt(nl_socket_get_fd(sk->get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK));
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(ifindex);
  if (!msg || nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
    return common::fail(ENOMEM, "cannot build an XDP request");
  nlattr* xdp = nla_nest_start(msg.get(), IFLA_XDP | NLA_F_NESTED);
  if (!xdp || nla_put_s32(msg.get(), IFLA_XDP_FD, fd) < 0 ||
      nla_put_u32(msg.get(), IFLA_XDP_FLAGS, flags) < 0 ||
      (expected_fd >= 0 && nla_put_s32(msg.get(), IFLA_XDP_EXPECTED_FD, expected_fd) < 0))
    return common::fail(ENOMEM, "cannot build an XDP request");
  nla_nest_end(msg.get(), xdp);
  Refusal answer;
  nl_socket_modify_err_cb(sk->get(), NL_CB_CUSTOM, on_error, &answer);
  if (int err = nl_send_auto(sk->get(), msg.get()); err < 0)
    return std::unexpected(detail::nl_error(err, "cannot send an XDP request"));
  const int err = nl_wait_for_ack(sk->get());
  if (err < 0 && answer.error == 0)
    return std::unexpected(detail::nl_error(err, "cannot read the answer to an XDP request"));
  return answer;
}

}  // namespace

common::Result<void> try_xdp_attach(uint32_t ifindex, int prog_fd, XdpAttachMode mode) {
  const uint32_t mode_flag =
      mode == XdpAttachMode::native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
  auto answer = set_xdp(ifindex, prog_fd, -1, mode_flag | XDP_FLAGS_UPDATE_IF_NOEXIST);
  if (!answer) return std::unexpected(answer.error());
  if (answer->error != 0) {
    std::string what = answer->message.empty()
                           ? fmt::format("refused ({})", std::strerror(-answer->error))
                           : answer->message;
    return common::fail(answer->error, what);
  }
  // Accepted: take exactly our program off again, whatever came meanwhile.
  auto off = set_xdp(ifindex, -1, prog_fd, mode_flag | XDP_FLAGS_REPLACE);
  if (!off) return std::unexpected(off.error());
  if (off->error != 0)
    return common::fail(off->error, fmt::format("cannot detach the probe program from "
                                                "ifindex {}: {}", ifindex, off->message));
  return {};
}

}  // namespace netlink
