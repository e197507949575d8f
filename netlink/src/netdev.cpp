// The netdev generic-netlink family: per-device XDP features.
#include "netlink/netdev.h"

#include <fmt/core.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <memory>

#include "socket.h"

namespace netlink {
namespace {

// From the kernel's include/uapi/linux/netdev.h (absent from Debian 12's
// headers): the family name, one command and the attributes we read.
constexpr const char* kFamily = "netdev";
constexpr uint8_t kCmdDevGet = 1;        // NETDEV_CMD_DEV_GET
constexpr int kAttrIfindex = 1;          // NETDEV_A_DEV_IFINDEX
constexpr int kAttrXdpFeatures = 3;      // NETDEV_A_DEV_XDP_FEATURES
constexpr int kAttrXdpZcMaxSegs = 4;     // NETDEV_A_DEV_XDP_ZC_MAX_SEGS
constexpr int kAttrMax = 4;

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

int parse_dev(nl_msg* msg, void* arg) {
  auto* out = static_cast<XdpFeatures*>(arg);
  nlattr* tb[kAttrMax + 1] = {};
  if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, kAttrMax, nullptr) < 0) return NL_SKIP;
  if (tb[kAttrXdpFeatures]) out->flags = nla_get_u64(tb[kAttrXdpFeatures]);
  if (tb[kAttrXdpZcMaxSegs]) out->zc_max_segs = nla_get_u32(tb[kAttrXdpZcMaxSegs]);
  return NL_OK;
}

}  // namespace

std::string describe(const XdpFeatures& f) {
  static constexpr std::pair<uint64_t, const char*> names[] = {
      {xdp_act::basic, "basic"},           {xdp_act::redirect, "redirect"},
      {xdp_act::ndo_xmit, "ndo-xmit"},     {xdp_act::xsk_zerocopy, "xsk-zerocopy"},
      {xdp_act::hw_offload, "hw-offload"}, {xdp_act::rx_sg, "rx-sg"},
      {xdp_act::ndo_xmit_sg, "ndo-xmit-sg"}};
  std::string out;
  for (auto [bit, name] : names) {
    if (!(f.flags & bit)) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "none" : out;
}

common::Result<XdpFeatures> xdp_features(uint32_t ifindex) {
  auto sk = detail::connect(NETLINK_GENERIC);
  if (!sk) return std::unexpected(sk.error());
  const int family = genl_ctrl_resolve(sk->get(), kFamily);
  if (family < 0)
    return common::fail(EOPNOTSUPP, "the kernel has no netdev netlink family",
                        "XDP feature reports need Linux 6.3 or later");
  std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc());
  if (!msg ||
      !genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, kCmdDevGet, 1) ||
      nla_put_u32(msg.get(), kAttrIfindex, ifindex) < 0)
    return common::fail(ENOMEM, "cannot build a netdev request");
  XdpFeatures out;
  nl_socket_modify_cb(sk->get(), NL_CB_VALID, NL_CB_CUSTOM, parse_dev, &out);
  if (int err = nl_send_auto(sk->get(), msg.get()); err < 0)
    return std::unexpected(detail::nl_error(err, "cannot query netdev"));
  if (int err = nl_recvmsgs_default(sk->get()); err < 0)
    return std::unexpected(detail::nl_error(
        err, fmt::format("cannot read XDP features of ifindex {}", ifindex)));
  return out;
}

}  // namespace netlink
