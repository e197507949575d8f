// Netfilter's forward path, from nftables dumps and iptables-legacy's
// tables.
#include "netlink/netfilter.h"

#include <fmt/core.h>
#include <libmnl/libmnl.h>
extern "C" {  // libip6tc.h, unlike libiptc.h, does not say so itself
#include <libiptc/libip6tc.h>
}
#include <libiptc/libiptc.h>
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
#include <string_view>
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

// iptables-legacy's tables, one family through libiptc (ip4tc or ip6tc):
// the same calls under two prefixes.
#define LEGACY_FAMILY(Name, prefix, list)               \
  struct Name {                                         \
    static constexpr const char* names = list;          \
    static constexpr auto init = prefix##_init;         \
    static constexpr auto free = prefix##_free;         \
    static constexpr auto builtin = prefix##_builtin;   \
    static constexpr auto first_rule = prefix##_first_rule; \
    static constexpr auto get_policy = prefix##_get_policy; \
    static constexpr auto strerror = prefix##_strerror; \
  };
LEGACY_FAMILY(Ip4tc, iptc, "/proc/net/ip_tables_names")
LEGACY_FAMILY(Ip6tc, ip6tc, "/proc/net/ip6_tables_names")
#undef LEGACY_FAMILY

// A legacy table acts on forwarded traffic when one of its built-in chains
// on the forward path has a rule or a policy other than ACCEPT (a user
// chain acts only through a jump, which is a rule). Only the tables the
// kernel lists are read: asking for another would create it.
template <typename Tc>
common::Result<bool> legacy_acts() {
  std::ifstream in(Tc::names);
  for (std::string table; in >> table;) {
    std::unique_ptr<xtc_handle, decltype(Tc::free)> h(Tc::init(table.c_str()), Tc::free);
    if (!h) {
      const int err = errno;
      if (err == ENOENT) continue;  // gone since listed
      return common::fail_plain(err, fmt::format("cannot read iptables-legacy table {}: {}",
                                                 table, Tc::strerror(err)));
    }
    for (const char* chain : {"PREROUTING", "FORWARD", "POSTROUTING"}) {
      if (!Tc::builtin(chain, h.get())) continue;  // not in this table
      xt_counters counters{};
      const char* policy = Tc::get_policy(chain, &counters, h.get());
      if (Tc::first_rule(chain, h.get()) || !policy || std::string_view(policy) != "ACCEPT")
        return true;
    }
  }
  return false;
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
  auto legacy = iptables_legacy();
  if (!legacy) return std::unexpected(legacy.error());
  out.ipv4 |= legacy->ipv4;
  out.ipv6 |= legacy->ipv6;
  return out;
}

common::Result<PerFamily> iptables_legacy() {
  auto v4 = legacy_acts<Ip4tc>();
  if (!v4) return std::unexpected(v4.error());
  auto v6 = legacy_acts<Ip6tc>();
  if (!v6) return std::unexpected(v6.error());
  return PerFamily{*v4, *v6};
}

}  // namespace netlink
