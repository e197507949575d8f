// Dumping links through libnl's route cache.
#include "netlink/link.h"

#include <fmt/core.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "parse.h"
#include "socket.h"

namespace netlink {

Link detail::to_link(rtnl_link* l) {
  Link out;
  out.ifindex = static_cast<uint32_t>(rtnl_link_get_ifindex(l));
  if (const char* name = rtnl_link_get_name(l)) out.name = name;
  if (nl_addr* addr = rtnl_link_get_addr(l);
      rtnl_link_get_arptype(l) == ARPHRD_ETHER && addr &&
      nl_addr_get_len(addr) == out.mac.size()) {
    const auto* bytes = static_cast<const uint8_t*>(nl_addr_get_binary_addr(addr));
    std::copy(bytes, bytes + out.mac.size(), out.mac.begin());
    out.ethernet = true;
  }
  out.mtu = rtnl_link_get_mtu(l);
  const unsigned flags = rtnl_link_get_flags(l);
  out.up = flags & IFF_UP;
  out.lower_up = flags & IFF_LOWER_UP;
  if (const char* kind = rtnl_link_get_type(l)) out.kind = kind;
  out.master = static_cast<uint32_t>(std::max(0, rtnl_link_get_master(l)));
  out.link = static_cast<uint32_t>(std::max(0, rtnl_link_get_link(l)));
  int32_t nsid = 0;
  if (rtnl_link_get_link_netnsid(l, &nsid) == 0) out.link_netnsid = nsid;
  return out;
}

Result<std::vector<Link>> dump_links() {
  auto cache = detail::dump_cache(
      [](nl_sock* sk, nl_cache** c) { return rtnl_link_alloc_cache(sk, AF_UNSPEC, c); },
      "interfaces");
  if (!cache) return std::unexpected(cache.error());
  std::vector<Link> links;
  for (nl_object* o = nl_cache_get_first(cache->get()); o; o = nl_cache_get_next(o))
    links.push_back(detail::to_link(reinterpret_cast<rtnl_link*>(o)));
  std::sort(links.begin(), links.end(),
            [](const Link& a, const Link& b) { return a.ifindex < b.ifindex; });
  return links;
}

Result<std::vector<Address>> dump_addresses() {
  auto cache = detail::dump_cache(
      [](nl_sock* sk, nl_cache** c) { return rtnl_addr_alloc_cache(sk, c); }, "addresses");
  if (!cache) return std::unexpected(cache.error());
  std::vector<Address> out;
  for (nl_object* o = nl_cache_get_first(cache->get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    nl_addr* local = rtnl_addr_get_local(a);
    if (!local) continue;
    Address addr;
    addr.ifindex = static_cast<uint32_t>(rtnl_addr_get_ifindex(a));
    addr.family = rtnl_addr_get_family(a);
    addr.prefixlen = static_cast<uint8_t>(rtnl_addr_get_prefixlen(a));
    const size_t n = std::min<size_t>(nl_addr_get_len(local), addr.bytes.size());
    std::memcpy(addr.bytes.data(), nl_addr_get_binary_addr(local), n);
    out.push_back(addr);
  }
  return out;
}

Result<Link> link_by_name(std::string_view name) {
  auto links = dump_links();
  if (!links) return std::unexpected(links.error());
  for (Link& l : *links)
    if (l.name == name) return std::move(l);
  return common::fail_plain(ENODEV, fmt::format("Cannot find device \"{}\"", name),
                            "list interfaces with: ip link show");
}

Result<Link> link_by_index(uint32_t ifindex) {
  auto links = dump_links();
  if (!links) return std::unexpected(links.error());
  for (Link& l : *links)
    if (l.ifindex == ifindex) return std::move(l);
  return common::fail(ENODEV, fmt::format("Cannot find device with ifindex {}", ifindex));
}

}  // namespace netlink
