// routerctl route get: why a packet would (not) take the fast path. Builds
// the packet, runs the fast path's code on it against the live state, and
// shows the kernel's own answer for the same packet next to it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fmt/core.h>
#include <linux/bpf.h>

#include <array>
#include <charconv>

#include "context.h"
#include "grammar.h"
#include "fastpath/fastpath.h"
#include "netlink/link.h"
#include "netlink/route.h"
#include "pktgen/frame.h"

namespace routerctl {
namespace {

// A documentation MAC (RFC 7042) as the sender's: it is nobody's.
constexpr packet::Mac kSenderMac{0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};

template <typename T>
common::Result<T> number(const std::optional<std::string>& text, T fallback,
                         std::string_view what, T max) {
  if (!text) return fallback;
  unsigned long v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v > max)
    return common::fail(EINVAL, fmt::format("{} \"{}\" is not a number up to {}", what,
                                            *text, max));
  return static_cast<T>(v);
}

// A host on iif's subnet that is not the router itself: the sender when
// the user names none.
common::Result<pktgen::IpAddress> default_source(uint32_t ifindex, pktgen::Family family) {
  auto addrs = netlink::dump_addresses();
  if (!addrs) return std::unexpected(addrs.error());
  const int af = family == pktgen::Family::ipv4 ? AF_INET : AF_INET6;
  for (const auto& a : *addrs) {
    if (a.ifindex != ifindex || a.family != af) continue;
    const size_t n = af == AF_INET ? 4 : 16;
    // Link-local addresses are never forwarded: look for a global one.
    if (af == AF_INET6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80) continue;
    if (a.prefixlen >= n * 8 - 1) continue;
    pktgen::IpAddress host{family, a.bytes};
    for (size_t i = a.prefixlen / 8; i < n; ++i) {
      const unsigned keep = i == a.prefixlen / 8 ? (0xff00u >> (a.prefixlen % 8)) & 0xff : 0;
      host.bytes[i] &= static_cast<uint8_t>(keep);
    }
    host.bytes[n - 1] |= 1;
    if (host.bytes == a.bytes) host.bytes[n - 1] ^= 3;  // .1 is ours: take .2
    return host;
  }
  return common::fail(ENOENT, "no address on the ingress interface to pick a sender from",
                      "give the sender: from ADDRESS");
}

std::string link_name(const std::vector<netlink::Link>& links, uint32_t ifindex) {
  for (const auto& l : links)
    if (l.ifindex == ifindex) return l.name;
  return ifindex ? fmt::format("if{}", ifindex) : "";
}

// The egress a redirected frame leaves by: the device whose address the
// fast path wrote as the source MAC.
std::string egress_by_mac(const std::vector<netlink::Link>& links, const uint8_t* mac) {
  for (const auto& l : links)
    if (l.ethernet && std::equal(l.mac.begin(), l.mac.end(), mac)) return l.name;
  return "?";
}

uint8_t ip_proto(pktgen::Family family, pktgen::Proto proto) {
  switch (proto) {
    case pktgen::Proto::udp: return IPPROTO_UDP;
    case pktgen::Proto::tcp: return IPPROTO_TCP;
    case pktgen::Proto::icmp:
      return family == pktgen::Family::ipv4 ? uint8_t{IPPROTO_ICMP} : uint8_t{IPPROTO_ICMPV6};
  }
  return 0;
}

std::string_view action_name(uint32_t action) {
  switch (action) {
    case XDP_PASS: return "pass";
    case XDP_REDIRECT: return "forward";
    case XDP_DROP: return "drop";
    case XDP_TX: return "tx";
    case XDP_ABORTED: return "aborted";
  }
  return "unknown";
}

// What the kernel's forwarding path does with such a route and packet.
std::string kernel_action(const netlink::RouteAnswer& k, uint8_t ttl) {
  if (!k.error.empty()) return "answers ICMP unreachable or drops";
  if (k.type == "unicast") return ttl <= 1 ? "answers Time Exceeded" : "forwards";
  if (k.type == "local") return "delivers locally";
  if (k.type == "broadcast" || k.type == "multicast") return "delivers locally";
  if (k.type == "blackhole") return "drops";
  return "answers ICMP unreachable";
}

void print_kernel(cli::Output& out, const netlink::RouteAnswer& k,
                  const std::vector<netlink::Link>& links, uint8_t ttl) {
  out.open_object("kernel");
  out.text("kernel:    ");
  if (!k.error.empty()) {
    out.field("error", k.error, "{}");
  } else {
    out.field("type", k.type, "{}");
    if (!k.gateway.empty()) out.field("gateway", k.gateway, " via {}");
    if (k.oif) out.field("dev", link_name(links, k.oif), " dev {}");
    if (!k.prefsrc.empty()) out.field("prefsrc", k.prefsrc, " src {}");
  }
  out.field("action", kernel_action(k, ttl), ": {}");
  out.newline();
  out.close_object();
}

}  // namespace

int route_get(Context& ctx, cli::Args& args) {
  const std::string usage = usage_of("route", "get");
  cli::Keywords kw(keywords_of("route", "get"));
  if (auto r = kw.parse(args, bare_of("route", "get")); !r) return usage_error(r.error().what, usage);
  const auto to = kw.get("to");
  const auto iif = kw.get("iif");
  if (!to) return usage_error("the destination ADDRESS is required", usage);
  if (!iif)
    return usage_error("iif NAME is required: the fast path runs on an ingress interface",
                       usage);
  const std::string proto_word = kw.get("proto").value_or("udp");
  pktgen::Proto proto;
  if (proto_word == "udp") proto = pktgen::Proto::udp;
  else if (proto_word == "tcp") proto = pktgen::Proto::tcp;
  else if (proto_word == "icmp") proto = pktgen::Proto::icmp;
  else return usage_error(fmt::format("unknown proto \"{}\"", proto_word), usage);
  auto sport = number<uint16_t>(kw.get("sport"), 1024, "sport", 65535);
  auto dport = number<uint16_t>(kw.get("dport"), 9, "dport", 65535);
  auto ttl = number<uint8_t>(kw.get("ttl"), 64, "ttl", 255);
  auto size = number<uint32_t>(kw.get("size"), 0, "size", 1518);
  if (!sport) return usage_error(sport.error().what, usage);
  if (!dport) return usage_error(dport.error().what, usage);
  if (!ttl) return usage_error(ttl.error().what, usage);
  if (!size) return usage_error(size.error().what, usage);

  auto dst = pktgen::parse_ip(*to);
  if (!dst) return usage_error(dst.error().what, usage);
  auto link = netlink::link_by_name(*iif);
  if (!link) return report(link.error());
  auto src = kw.get("from") ? pktgen::parse_ip(*kw.get("from"))
                            : default_source(link->ifindex, dst->family);
  if (!src) return report(src.error(), kw.get("from") ? cli::kExitUsage : cli::kExitFailure);
  if (src->family != dst->family)
    return usage_error("from and the destination mix IPv4 and IPv6", usage);

  pktgen::FrameSpec spec;
  spec.src_mac = kSenderMac;
  spec.dst_mac = link->mac;
  spec.src = *src;
  spec.dst = *dst;
  spec.proto = proto;
  spec.sport = *sport;
  spec.dport = *dport;
  spec.ttl = *ttl;
  const uint32_t min = pktgen::min_wire_size(dst->family, proto);
  spec.wire_size = *size ? *size : min;
  if (spec.wire_size < min)
    return usage_error(fmt::format("size must be at least {} for this packet", min), usage);
  const auto frame = pktgen::build_frame(spec, 0);

  auto dir = pin_dir(ctx);
  if (!dir) return report(dir.error());
  auto verdict = fastpath::explain(*dir, frame, link->ifindex);
  if (!verdict) return report(verdict.error());
  const bool icmp = proto == pktgen::Proto::icmp;
  auto kernel = netlink::route_get({*to, pktgen::format_ip(*src), link->ifindex,
                                    ip_proto(dst->family, proto), icmp ? uint16_t{0} : spec.sport,
                                    icmp ? uint16_t{0} : spec.dport, 0});
  if (!kernel) return report(kernel.error());
  auto links = netlink::dump_links();
  if (!links) return report(links.error());

  cli::Output out(ctx.format);
  out.open_object();
  out.open_object("packet");
  out.field("src", pktgen::format_ip(*src), "packet:    {}");
  out.field("dst", *to, " -> {}");
  out.field("proto", proto_word, " {}");
  out.field("ttl", *ttl, " ttl {}");
  out.field("size", spec.wire_size, " size {}");
  out.field("iif", link->name, " iif {}\n");
  out.close_object();

  out.open_object("fastpath");
  out.text("fast path: ");
  out.field("verdict", std::string(action_name(verdict->action)), "{}");
  if (verdict->action == XDP_REDIRECT && verdict->output.size() >= 14) {
    const uint8_t* o = verdict->output.data();
    out.field("dev", egress_by_mac(*links, o + 6), " out of {}");
    out.field("dst_mac", packet::format_mac({o[0], o[1], o[2], o[3], o[4], o[5]}), " to {}");
    out.field("src_mac", packet::format_mac({o[6], o[7], o[8], o[9], o[10], o[11]}),
              " from {}");
    const size_t ttl_at = dst->family == pktgen::Family::ipv4 ? 22 : 21;
    out.field("ttl", verdict->output[ttl_at], ", ttl {}");
  } else if (verdict->reason) {
    const auto& r = fastpath::pass_reasons()[*verdict->reason];
    out.field("reason", std::string(r.name), " to the kernel: {}");
    out.field("why", std::string(r.why), " ({})");
  }
  out.newline();
  if (verdict->cache_hit) {
    out.field("cache", std::string(*verdict->cache_hit ? "hit" : "miss"),
              *verdict->cache_hit ? "fib cache: answered"
                                  : "fib cache: not answered on this CPU (filled now)");
    out.field("cache_agrees", verdict->cache_agrees,
              verdict->cache_agrees ? ", the same as a fresh lookup\n"
                                    : "; WARNING: a fresh lookup answers otherwise\n");
  } else {
    out.field("cache", std::string("off"), "");
  }
  out.field("same_program", verdict->same_program,
            verdict->same_program ? ""
                                  : "warning: the loaded fast path is another build than "
                                    "this routerctl's; its verdict may differ\n");
  out.close_object();
  print_kernel(out, *kernel, *links, *ttl);
  return cli::kExitOk;
}

}  // namespace routerctl
