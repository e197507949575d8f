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
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter_ipv4.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "parse.h"

namespace netlink {
namespace {

using ChainKey = std::tuple<uint32_t, std::string, std::string>;  // family, table, chain

struct BaseChain {
  ChainKey key;
  uint32_t hook = 0;
  int32_t priority = 0;
  std::string type;    // filter, nat, route
  bool drops = false;  // policy drop
};

struct Chain {
  size_t rules = 0;
  bool first_accepts_established = false;
};

struct Dump {
  std::vector<BaseChain> chains;
  std::map<ChainKey, Chain> rules;
};

using Expr = const nftnl_expr*;

std::string_view expr_name(Expr e) { return nftnl_expr_get_str(e, NFTNL_EXPR_NAME); }

uint32_t expr_u32_data(Expr e, uint16_t attr) {
  uint32_t len = 0;
  const void* data = nftnl_expr_get_data(e, attr, &len);
  uint32_t v = 0;
  if (data && len == sizeof(v)) std::memcpy(&v, data, sizeof(v));
  return data && len == sizeof(v) ? v : UINT32_MAX;
}

constexpr uint32_t kEstablished = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);  // nft's too

// [ct load state => r] [bitwise r = (r & m) ^ 0] [cmp neq r 0], m with
// established; or [ct load state => r] [cmp eq r established].
bool ct_state_established(std::span<const Expr> e) {
  if (e.empty() || expr_name(e[0]) != "ct" || nftnl_expr_get_u32(e[0], NFTNL_EXPR_CT_KEY) != NFT_CT_STATE)
    return false;
  const uint32_t reg = nftnl_expr_get_u32(e[0], NFTNL_EXPR_CT_DREG);
  if (e.size() == 2 && expr_name(e[1]) == "cmp")
    return nftnl_expr_get_u32(e[1], NFTNL_EXPR_CMP_SREG) == reg &&
           nftnl_expr_get_u32(e[1], NFTNL_EXPR_CMP_OP) == NFT_CMP_EQ &&
           expr_u32_data(e[1], NFTNL_EXPR_CMP_DATA) == kEstablished;
  if (e.size() != 3 || expr_name(e[1]) != "bitwise" || expr_name(e[2]) != "cmp") return false;
  const bool bitwise_and =
      (!nftnl_expr_is_set(e[1], NFTNL_EXPR_BITWISE_OP) ||
       nftnl_expr_get_u32(e[1], NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_BOOL) &&
      nftnl_expr_get_u32(e[1], NFTNL_EXPR_BITWISE_SREG) == reg &&
      nftnl_expr_get_u32(e[1], NFTNL_EXPR_BITWISE_DREG) == reg &&
      expr_u32_data(e[1], NFTNL_EXPR_BITWISE_XOR) == 0;
  const uint32_t mask = expr_u32_data(e[1], NFTNL_EXPR_BITWISE_MASK);
  return bitwise_and && mask != UINT32_MAX && (mask & kEstablished) &&
         nftnl_expr_get_u32(e[2], NFTNL_EXPR_CMP_SREG) == reg &&
         nftnl_expr_get_u32(e[2], NFTNL_EXPR_CMP_OP) == NFT_CMP_NEQ &&
         expr_u32_data(e[2], NFTNL_EXPR_CMP_DATA) == 0;
}

// iptables-nft's -m conntrack --ctstate ESTABLISHED (-m state too): the
// xtables match, revision 3, with the state alone and not inverted.
bool xt_conntrack_established(std::span<const Expr> e) {
  if (e.size() != 1 || expr_name(e[0]) != "match" ||
      std::string_view(nftnl_expr_get_str(e[0], NFTNL_EXPR_MT_NAME)) != "conntrack" ||
      nftnl_expr_get_u32(e[0], NFTNL_EXPR_MT_REV) != 3)
    return false;
  uint32_t len = 0;
  const void* data = nftnl_expr_get_data(e[0], NFTNL_EXPR_MT_INFO, &len);
  xt_conntrack_mtinfo3 info{};
  if (!data || len < sizeof(info)) return false;
  std::memcpy(&info, data, sizeof(info));
  const uint16_t state_only = XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS;
  return (info.match_flags & XT_CONNTRACK_STATE) && !(info.match_flags & ~state_only) &&
         !(info.invert_flags & XT_CONNTRACK_STATE) && (info.state_mask & kEstablished);
}

// A rule that accepts every packet of an established flow, whatever else
// it counts: ct state established[,related,...] [counter] accept.
bool accepts_established(nftnl_rule* r) {
  std::vector<Expr> match;
  bool accepts = false, after_verdict = false;
  std::unique_ptr<nftnl_expr_iter, decltype(&nftnl_expr_iter_destroy)> it(
      nftnl_expr_iter_create(r), nftnl_expr_iter_destroy);
  if (!it) return false;
  for (nftnl_expr* e; (e = nftnl_expr_iter_next(it.get()));) {
    const std::string_view name = expr_name(e);
    if (name == "counter") continue;
    if (after_verdict) return false;
    if (name == "immediate" && nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) == NFT_REG_VERDICT) {
      accepts = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT) == NF_ACCEPT;
      after_verdict = true;
      continue;
    }
    match.push_back(e);
  }
  return accepts && (ct_state_established(match) || xt_conntrack_established(match));
}

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
  b.priority = nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO);
  if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_TYPE))
    b.type = nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TYPE);
  b.drops = nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY) &&
            nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_DROP;
  static_cast<Dump*>(arg)->chains.push_back(std::move(b));
  return MNL_CB_OK;
}

int on_rule(const nlmsghdr* nlh, void* arg) {
  std::unique_ptr<nftnl_rule, decltype(&nftnl_rule_free)> r(nftnl_rule_alloc(), nftnl_rule_free);
  if (!r || nftnl_rule_nlmsg_parse(nlh, r.get()) < 0) return MNL_CB_OK;
  // A dump lists a chain's rules in order.
  Chain& chain = static_cast<Dump*>(arg)->rules[{nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY),
                                                 nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE),
                                                 nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN)}];
  if (chain.rules++ == 0) chain.first_accepts_established = accepts_established(r.get());
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

// Whether a base chain leaves established flows to conntrack: NAT is
// consulted for a flow's first packet only, and conntrack applies it to the
// rest; a filter chain that accepts established packets first decides
// nothing else for them (on prerouting only after conntrack has run).
bool leaves_established(const BaseChain& b, const Chain* rules) {
  if (b.type == "nat") return true;
  if (b.type != "filter") return false;
  if (b.hook == NF_INET_PRE_ROUTING && b.priority <= NF_IP_PRI_CONNTRACK) return false;
  return rules && rules->first_accepts_established;
}

common::Result<ForwardFirewall> forward_firewall() {
  Dump d;
  if (auto r = dump(NFT_MSG_GETCHAIN, on_chain, d); !r) return std::unexpected(r.error());
  if (auto r = dump(NFT_MSG_GETRULE, on_rule, d); !r) return std::unexpected(r.error());
  ForwardFirewall out;
  PerFamily other;  // acting chains that do not leave established flows alone
  for (const BaseChain& b : d.chains) {
    const uint32_t family = std::get<0>(b.key);
    const auto rules = d.rules.find(b.key);
    const Chain* chain = rules == d.rules.end() ? nullptr : &rules->second;
    const bool acts = b.drops || chain;
    if (!acts) continue;
    // netdev ingress runs after XDP too; the forward path's hooks otherwise.
    const bool netdev = family == NFPROTO_NETDEV;
    const bool forward_path = netdev || b.hook == NF_INET_PRE_ROUTING ||
                              b.hook == NF_INET_FORWARD || b.hook == NF_INET_POST_ROUTING;
    if (!forward_path) continue;
    const bool stateless = netdev || !leaves_established(b, chain);
    if (family == NFPROTO_IPV4 || family == NFPROTO_INET || netdev) {
      out.acts.ipv4 = true;
      other.ipv4 |= stateless;
    }
    if (family == NFPROTO_IPV6 || family == NFPROTO_INET || netdev) {
      out.acts.ipv6 = true;
      other.ipv6 |= stateless;
    }
  }
  auto legacy = iptables_legacy();
  if (!legacy) return std::unexpected(legacy.error());
  out.acts.ipv4 |= legacy->ipv4;
  out.acts.ipv6 |= legacy->ipv6;
  out.stateful = {out.acts.ipv4 && !other.ipv4 && !legacy->ipv4,
                  out.acts.ipv6 && !other.ipv6 && !legacy->ipv6};
  return out;
}

common::Result<ConntrackSettings> conntrack_settings() {
  const std::string dir = "/proc/sys/net/netfilter/";
  auto liberal = detail::read_int(dir + "nf_conntrack_tcp_be_liberal");
  auto tcp = detail::read_int(dir + "nf_conntrack_tcp_timeout_established");
  auto udp = detail::read_int(dir + "nf_conntrack_udp_timeout_stream");
  for (const auto* r : {&liberal, &tcp, &udp})
    if (!*r) return std::unexpected(r->error());
  // The gate refreshes entries to these: without them it cannot.
  if (*tcp <= 0 || *udp <= 0)
    return common::fail(EINVAL, "conntrack's established TCP or UDP stream timeout is 0");
  return ConntrackSettings{*liberal != 0, static_cast<uint32_t>(std::max(*tcp, 0)),
                           static_cast<uint32_t>(std::max(*udp, 0))};
}

common::Result<PerFamily> iptables_legacy() {
  auto v4 = legacy_acts<Ip4tc>();
  if (!v4) return std::unexpected(v4.error());
  auto v6 = legacy_acts<Ip6tc>();
  if (!v6) return std::unexpected(v6.error());
  return PerFamily{*v4, *v6};
}

}  // namespace netlink
