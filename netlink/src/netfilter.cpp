// Netfilter's forward path, from nftables dumps and iptables-legacy's
// table list.
#include "netlink/netfilter.h"

#include <fmt/core.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace netlink {
namespace {

using ChainKey = std::tuple<uint32_t, std::string, std::string>;  // family, table, chain

struct BaseChain {
  ChainKey key;
  uint32_t hook = 0;
  bool drops = false;  // policy drop
};

struct Dump {
  std::vector<BaseChain> chains;
  std::map<ChainKey, size_t> rules;
};

int on_chain(const nlmsghdr* nlh, void* arg) {
  std::unique_ptr<nftnl_chain, decltype(&nftnl_chain_free)> c(nftnl_chain_alloc(),
                                                               nftnl_chain_free);
  if (!c || nftnl_chain_nlmsg_parse(nlh, c.get()) < 0) return MNL_CB_OK;
  if (!nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM)) return MNL_CB_OK;  // not a base chain
  BaseChain b;
  b.key = {nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY),
           nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE),
           nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME)};
  b.hook = nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM);
  b.drops = nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY) &&
            nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_DROP;
  static_cast<Dump*>(arg)->chains.push_back(std::move(b));
  return MNL_CB_OK;
}

int on_rule(const nlmsghdr* nlh, void* arg) {
  std::unique_ptr<nftnl_rule, decltype(&nftnl_rule_free)> r(nftnl_rule_alloc(), nftnl_rule_free);
  if (!r || nftnl_rule_nlmsg_parse(nlh, r.get()) < 0) return MNL_CB_OK;
  ++static_cast<Dump*>(arg)->rules[{nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY),
                                    nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE),
                                    nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN)}];
  return MNL_CB_OK;
}

// One NFT_MSG_GET* dump into cb.
common::Result<void> dump(uint16_t type, mnl_cb_t cb, Dump& out) {
  std::unique_ptr<mnl_socket, decltype(&mnl_socket_close)> nl(mnl_socket_open(NETLINK_NETFILTER),
                                                              mnl_socket_close);
  if (!nl || mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0)
    return common::fail_errno("cannot open a netfilter netlink socket");
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  const uint32_t seq = static_cast<uint32_t>(std::time(nullptr));
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), type, NFPROTO_UNSPEC, NLM_F_DUMP, seq);
  if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0)
    return common::fail_errno("cannot ask netfilter for its ruleset");
  const uint32_t portid = mnl_socket_get_portid(nl.get());
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
    if (n < 0) return common::fail_errno("cannot read netfilter's ruleset");
    const int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, cb, &out);
    if (rc < 0) {
      if (errno == ENOENT) return {};  // nf_tables not there: nothing
      return common::fail_errno("cannot read netfilter's ruleset");
    }
    if (rc == MNL_CB_STOP) return {};
  }
}

// iptables-legacy keeps its tables outside nftables; any table registers
// its hooks.
bool legacy_tables(const char* names) {
  std::ifstream in(names);
  std::string table;
  return static_cast<bool>(in >> table);
}

}  // namespace

common::Result<ForwardFirewall> forward_firewall() {
  Dump d;
  if (auto r = dump(NFT_MSG_GETCHAIN, on_chain, d); !r) return std::unexpected(r.error());
  if (auto r = dump(NFT_MSG_GETRULE, on_rule, d); !r) return std::unexpected(r.error());
  ForwardFirewall out;
  for (const BaseChain& b : d.chains) {
    const uint32_t family = std::get<0>(b.key);
    const bool acts = b.drops || d.rules.count(b.key);
    if (!acts) continue;
    // netdev ingress runs after XDP too; the forward path's hooks otherwise.
    const bool forward_path = family == NFPROTO_NETDEV || b.hook == NF_INET_PRE_ROUTING ||
                              b.hook == NF_INET_FORWARD || b.hook == NF_INET_POST_ROUTING;
    if (!forward_path) continue;
    if (family == NFPROTO_IPV4 || family == NFPROTO_INET || family == NFPROTO_NETDEV)
      out.ipv4 = true;
    if (family == NFPROTO_IPV6 || family == NFPROTO_INET || family == NFPROTO_NETDEV)
      out.ipv6 = true;
  }
  out.ipv4 |= legacy_tables("/proc/net/ip_tables_names");
  out.ipv6 |= legacy_tables("/proc/net/ip6_tables_names");
  return out;
}

}  // namespace netlink
