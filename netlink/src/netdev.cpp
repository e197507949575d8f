// The netdev generic-netlink family: per-device XDP features.
#include "netlink/netdev.h"

#include <fmt/core.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <map>
#include <memory>
#include <optional>

#include "parse.h"
#include "socket.h"

namespace netlink {
namespace {

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

int parse_dev(nl_msg* msg, void* arg) {
  auto* out = static_cast<std::map<uint32_t, XdpFeatures>*>(arg);
  if (auto dev = detail::parse_netdev(nlmsg_hdr(msg))) out->insert(*dev);
  return NL_OK;
}

// Sends a dev-get request (one device, or a dump) and collects replies.
common::Result<std::map<uint32_t, XdpFeatures>> dev_get(std::optional<uint32_t> ifindex) {
  auto sk = detail::connect(NETLINK_GENERIC);
  if (!sk) return std::unexpected(sk.error());
  const int family = genl_ctrl_resolve(sk->get(), detail::kNetdevFamily);
  if (family < 0)
    return common::fail(EOPNOTSUPP, "the kernel has no netdev netlink family",
                        "XDP feature reports need Linux 6.3 or later");
  std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc());
  const int flags = ifindex ? 0 : NLM_F_DUMP;
  if (!msg ||
      !genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags,
                   detail::kNetdevCmdDevGet, 1) ||
      (ifindex && nla_put_u32(msg.get(), detail::kNetdevAttrIfindex, *ifindex) < 0))
    return common::fail(ENOMEM, "cannot build a netdev request");
  std::map<uint32_t, XdpFeatures> out;
  nl_socket_modify_cb(sk->get(), NL_CB_VALID, NL_CB_CUSTOM, parse_dev, &out);
  if (int err = nl_send_auto(sk->get(), msg.get()); err < 0)
    return std::unexpected(detail::nl_error(err, "cannot query netdev"));
  if (int err = nl_recvmsgs_default(sk->get()); err < 0)
    return std::unexpected(detail::nl_error(err, "cannot read XDP features"));
  return out;
}

}  // namespace

std::string describe(const XdpFeatures& f) {
  std::string out;
  for (auto [bit, name] : xdp_act::names) {
    if (!(f.flags & bit)) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "none" : out;
}

common::Result<XdpFeatures> xdp_features(uint32_t ifindex) {
  auto all = dev_get(ifindex);
  if (!all) return std::unexpected(all.error());
  auto it = all->find(ifindex);
  if (it == all->end())
    return common::fail(ENODEV, fmt::format("no XDP features for ifindex {}", ifindex));
  return it->second;
}

common::Result<std::map<uint32_t, XdpFeatures>> dump_xdp_features() {
  return dev_get(std::nullopt);
}

std::optional<std::pair<uint32_t, XdpFeatures>> detail::parse_netdev(nlmsghdr* nlh) {
  nlattr* tb[kNetdevAttrMax + 1] = {};
  if (genlmsg_parse(nlh, 0, tb, kNetdevAttrMax, nullptr) < 0 || !tb[kNetdevAttrIfindex])
    return std::nullopt;
  XdpFeatures f;
  if (tb[kNetdevAttrXdpFeatures]) f.flags = nla_get_u64(tb[kNetdevAttrXdpFeatures]);
  if (tb[kNetdevAttrXdpZcMaxSegs]) f.zc_max_segs = nla_get_u32(tb[kNetdevAttrXdpZcMaxSegs]);
  return std::pair{nla_get_u32(tb[kNetdevAttrIfindex]), f};
}

}  // namespace netlink
