// Preparing the far end of a veth, in whatever namespace it lives.
#include "netlink/veth.h"

#include <fmt/core.h>
#include <linux/ethtool.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <initializer_list>
#include <string_view>
#include <vector>
#include <thread>

#include "common/fd.h"
#include "common/log.h"
#include "common/netns.h"
#include "socket.h"

namespace netlink {
namespace {

using common::UniqueFd;

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

int parse_nsid(nl_msg* msg, void* arg) {
  nlattr* tb[NETNSA_MAX + 1] = {};
  if (nlmsg_parse(nlmsg_hdr(msg), sizeof(rtgenmsg), tb, NETNSA_MAX, nullptr) < 0)
    return NL_SKIP;
  if (tb[NETNSA_NSID]) *static_cast<int32_t*>(arg) = nla_get_s32(tb[NETNSA_NSID]);
  return NL_OK;
}

// The id our namespace gives the namespace behind fd (RTM_GETNSID).
std::optional<int32_t> nsid_of(nl_sock* sk, int fd) {
  std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST));
  rtgenmsg hdr{};
  hdr.rtgen_family = AF_UNSPEC;
  if (!msg || nlmsg_append(msg.get(), &hdr, sizeof(hdr), NLMSG_ALIGNTO) < 0 ||
      nla_put_u32(msg.get(), NETNSA_FD, static_cast<uint32_t>(fd)) < 0)
    return std::nullopt;
  int32_t nsid = NETNSA_NSID_NOT_ASSIGNED;
  nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, parse_nsid, &nsid);
  if (nl_send_auto(sk, msg.get()) < 0 || nl_recvmsgs_default(sk) < 0)
    return std::nullopt;
  return nsid;
}

common::Result<common::FoundNetns> find_namespace(int32_t nsid) {
  auto sk = detail::connect(NETLINK_ROUTE);
  if (!sk) return std::unexpected(sk.error());
  for (common::FoundNetns& ns : common::other_netns())
    if (nsid_of(sk->get(), ns.fd.get()) == nsid) return std::move(ns);
  return common::fail(ENOENT, fmt::format("cannot find network namespace {}", nsid));
}

common::Result<bool> ethtool_set(int sock, const char* dev, uint32_t get_cmd,
                                 uint32_t set_cmd, uint32_t want) {
  ethtool_value ev{};
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&ev);
  ev.cmd = get_cmd;
  if (::ioctl(sock, SIOCETHTOOL, &ifr) < 0)
    return common::fail_errno(fmt::format("cannot read features of {}", dev));
  if (ev.data == want) return false;
  ev.cmd = set_cmd;
  ev.data = want;
  if (::ioctl(sock, SIOCETHTOOL, &ifr) < 0)
    return common::fail_errno(fmt::format("cannot set features of {}", dev));
  return true;
}

// Switches the named features (ETH_SS_FEATURES strings) off where they are
// on; true if one was. Fails when the device keeps one on.
common::Result<bool> features_off(int sock, const char* dev,
                                  std::initializer_list<std::string_view> names) {
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, dev, strnlen(dev, IFNAMSIZ - 1));
  auto ioctl_on = [&](void* data) {
    ifr.ifr_data = static_cast<char*>(data);
    return ::ioctl(sock, SIOCETHTOOL, &ifr);
  };
  alignas(ethtool_sset_info) uint8_t sset_buf[sizeof(ethtool_sset_info) + sizeof(uint32_t)] = {};
  auto* sset = reinterpret_cast<ethtool_sset_info*>(sset_buf);
  sset->cmd = ETHTOOL_GSSET_INFO;
  sset->sset_mask = 1ULL << ETH_SS_FEATURES;
  if (ioctl_on(sset) < 0 || !sset->sset_mask)
    return common::fail_errno(fmt::format("cannot list the features of {}", dev));
  const uint32_t count = sset->data[0];
  std::vector<uint8_t> strings(sizeof(ethtool_gstrings) + size_t{count} * ETH_GSTRING_LEN);
  auto* gs = reinterpret_cast<ethtool_gstrings*>(strings.data());
  gs->cmd = ETHTOOL_GSTRINGS;
  gs->string_set = ETH_SS_FEATURES;
  gs->len = count;
  if (ioctl_on(gs) < 0)
    return common::fail_errno(fmt::format("cannot list the features of {}", dev));
  std::vector<uint32_t> bits;
  for (uint32_t i = 0; i < count; ++i) {
    const char* name = reinterpret_cast<const char*>(gs->data + size_t{i} * ETH_GSTRING_LEN);
    for (std::string_view want : names)
      if (std::string_view(name, strnlen(name, ETH_GSTRING_LEN)) == want) bits.push_back(i);
  }
  const uint32_t blocks = (count + 31) / 32;
  auto active = [&]() -> common::Result<std::vector<uint32_t>> {
    std::vector<uint8_t> buf(sizeof(ethtool_gfeatures) +
                             blocks * sizeof(ethtool_get_features_block));
    auto* gf = reinterpret_cast<ethtool_gfeatures*>(buf.data());
    gf->cmd = ETHTOOL_GFEATURES;
    gf->size = blocks;
    if (ioctl_on(gf) < 0)
      return common::fail_errno(fmt::format("cannot read the features of {}", dev));
    std::vector<uint32_t> on;
    for (uint32_t b : bits)
      if (gf->features[b / 32].active & (1U << (b % 32))) on.push_back(b);
    return on;
  };
  auto on = active();
  if (!on) return std::unexpected(on.error());
  if (on->empty()) return false;
  std::vector<uint8_t> buf(sizeof(ethtool_sfeatures) +
                           blocks * sizeof(ethtool_set_features_block));
  auto* sf = reinterpret_cast<ethtool_sfeatures*>(buf.data());
  sf->cmd = ETHTOOL_SFEATURES;
  sf->size = blocks;
  for (uint32_t b : *on) sf->features[b / 32].valid |= 1U << (b % 32);  // requested: 0
  if (ioctl_on(sf) < 0)
    return common::fail_errno(fmt::format("cannot set the features of {}", dev));
  on = active();
  if (!on) return std::unexpected(on.error());
  if (!on->empty())
    return common::fail(EOPNOTSUPP, fmt::format("{} keeps VLAN transmit offload on", dev));
  return true;
}

// Runs in the peer's namespace.
common::Result<PeerSetup> configure_peer(uint32_t ifindex) {
  char name[IF_NAMESIZE] = {};
  if (!if_indextoname(ifindex, name))
    return common::fail_errno(fmt::format("cannot find the veth peer (ifindex {})", ifindex));
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return common::fail_errno("cannot open a socket");
  PeerSetup out{name, false};
  auto gro = ethtool_set(sock.get(), name, ETHTOOL_GGRO, ETHTOOL_SGRO, 1);
  if (!gro) return std::unexpected(gro.error());
  auto csum = ethtool_set(sock.get(), name, ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM, 0);
  if (!csum) return std::unexpected(csum.error());
  auto vlan = features_off(sock.get(), name, {"tx-vlan-hw-insert", "tx-vlan-stag-hw-insert"});
  if (!vlan) return std::unexpected(vlan.error());
  out.changed = *gro || *csum || *vlan;
  return out;
}

}  // namespace

common::Result<PeerSetup> prepare_veth_peer(const Link& veth) {
  if (!veth.is_veth() || veth.link == 0)
    return common::fail(EINVAL, fmt::format("{} is not a veth", veth.name));
  if (!veth.link_netnsid) return configure_peer(veth.link);

  auto ns = find_namespace(*veth.link_netnsid);
  if (!ns)
    return common::fail(ENOENT,
                        fmt::format("cannot reach the namespace of the peer of {}",
                                    veth.name),
                        "in the peer's namespace run: ethtool -K PEER gro on tx off "
                        "txvlan off tx-vlan-stag-hw-insert off");
  common::Result<PeerSetup> result = common::fail(EINTR, "not run");
  // setns() changes only the calling thread: do it in a thread of its own.
  std::thread worker([&] {
    if (::setns(ns->fd.get(), CLONE_NEWNET) < 0) {
      result = common::fail_errno(fmt::format("cannot enter namespace {}", ns->name));
      return;
    }
    result = configure_peer(veth.link);
  });
  worker.join();
  if (result) result->peer += "@" + ns->name;
  return result;
}

}  // namespace netlink
