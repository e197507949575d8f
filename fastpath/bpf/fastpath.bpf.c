// SPDX-License-Identifier: GPL-2.0
/* The XDP fast path: forward IPv4/IPv6 through the kernel's FIB and
 * neighbour tables, hand everything else to the kernel unchanged. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "bpflib/csum.h"
#include "fastpath/abi.h"
#include "maps.h"
#include "parse.h"
#include "fib.h"
#include "conntrack.h"
#include "cache.h"

/* Set before load: the namespace whose neighbours matter to the cache. */
const volatile __u64 netns_cookie = 0;

#ifndef AF_INET
#define AF_INET 2
#define AF_INET6 10
#endif
#define LOOPBACK_IFINDEX 1

/* One frame's journey: what every step needs, read once. */
struct fp_pkt {
	struct xdp_md *ctx;
	struct fp_stats *st;
	const struct fp_iface *in;
	__u32 ingress;      /* ifindex */
	__u32 frame_len;    /* Ethernet header + IP packet */
	__u32 trim;         /* padding after the IP packet, removed on forward */
	bool multi_buffer;  /* the packet continues past the first buffer */
};

static __always_inline int pass(struct fp_pkt *p, enum fp_pass_reason why)
{
	if (why < FP_PASS__MAX)
		p->st->pass[why]++;
	return XDP_PASS;
}

/* The interface's entry: an array slot for small ifindexes, else a hash. */
static __always_inline const struct fp_iface *iface_of(__u32 ifindex)
{
	if (ifindex < FP_IFINDEX_DIRECT) {
		const struct fp_iface *i = bpf_map_lookup_elem(&ifaces_direct, &ifindex);

		return i && i->slot ? i : NULL;
	}
	return bpf_map_lookup_elem(&ifaces, &ifindex);
}

static __always_inline const struct fp_limits *limits_now(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&limits, &zero);
}

/* Whether addr (host order) is one of the router's own addresses: a few
 * slots of a hash table, no loop. FP_PASS__MAX: it is not; otherwise the
 * reason to pass (the table cannot tell when it is "unknown"). */
static __always_inline enum fp_pass_reason local_address(__u32 addr,
							  const struct fp_limits *lim)
{
	__u32 key = lim->local_slot & 1;
	const struct fp_local_addrs *t = bpf_map_lookup_elem(&local_addrs, &key);
	__u32 h;

	if (!t)
		return FP_PASS__MAX;
	if (t->unknown)
		return FP_PASS_LOCAL_UNKNOWN;
	h = FP_LOCAL_SLOT(addr, t->salt);
#pragma unroll
	for (int i = 0; i < FP_LOCAL_PROBES; i++) {
		__u32 v = t->slot[(h + i) & (FP_LOCAL_SLOTS - 1)];

		if (v == addr)
			return FP_PASS_SOURCE_INVALID;
		if (!v)
			return FP_PASS__MAX;
	}
	return FP_PASS__MAX;
}

/* Above the smallest unlocked route MTU of its family (0: none). */
static __always_inline bool over_route_mtu(__u32 ip_len, __u32 ceiling)
{
	return ceiling && ip_len > ceiling;
}

/* Why a packet the lookup did not clear for forwarding goes up. The TTL
 * is checked after the lookup, in the kernel's order: a packet for the
 * router itself (eBGP sends TTL 1) is delivered, not expired; one to be
 * forwarded with TTL <= 1 gets Time Exceeded, before any MTU check or
 * neighbour resolution. */
static __always_inline enum fp_pass_reason pass_reason(long rc, __u8 ttl)
{
	if (ttl <= 1 && (rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH ||
			 rc == BPF_FIB_LKUP_RET_FRAG_NEEDED))
		return FP_PASS_TTL;
	return fib_pass_reason(rc);
}

/* The IP packet claims ip_len bytes: check it against the frame and note
 * padding to trim and whether it spans several buffers. A packet that ends
 * with the first buffer may still have padding in fragments after it (found
 * by the fuzzer), so the whole length is always asked for. */
static __always_inline bool frame_fits(struct fp_pkt *p, __u32 ip_len)
{
	struct xdp_md *ctx = p->ctx;
	__u32 linear = ctx->data_end - ctx->data;
	__u64 total = bpf_xdp_get_buff_len(ctx);

	p->frame_len = ETH_HLEN + ip_len;
	if (p->frame_len > total)
		return false;
	p->trim = total - p->frame_len;
	p->multi_buffer = p->frame_len > linear;
	return true;
}

/* The lookup succeeded: claim the frame for the DEVMAP, or hand it up. The
 * frame is rewritten only after the redirect is certain. */
static __always_inline int redirect(struct fp_pkt *p, const struct bpf_fib_lookup *fib)
{
	__u32 egress = fib->ifindex;

	/* The kernel forwards back out of the ingress and sends a redirect. */
	if (egress == p->ingress)
		return pass(p, FP_PASS_HAIRPIN);
	if (p->multi_buffer) {
		const struct fp_iface *out = iface_of(egress);

		/* The driver would drop it: the kernel can segment it. */
		if (!out || !(out->flags & FP_IFACE_XMIT_SG))
			return pass(p, FP_PASS_NO_XMIT_SG);
	}
	/* Not in the DEVMAP: not ready for redirects, or not ours. */
	if (bpf_redirect_map(&devmap, egress, XDP_PASS) != XDP_REDIRECT)
		return pass(p, FP_PASS_NOT_EGRESS);
	p->st->fwd_packets++;
	p->st->fwd_bytes += p->frame_len;
	return XDP_REDIRECT;
}

static __always_inline void trim_padding(struct fp_pkt *p)
{
	if (p->trim)
		bpf_xdp_adjust_tail(p->ctx, -(int)p->trim);
}

/* rp_filter's verdict on the source (__fib_validate_source): a route back
 * to it must exist (loose) and leave by the ingress (strict, or loose on an
 * interface without an IPv4 address). The reverse lookup is the kernel's
 * own: from the loopback device, as the kernel's, so `ip rule iif` rules
 * match it alike, with the ports swapped for rules that match on them. A
 * multipath route back that the hash sends elsewhere makes the check fail
 * here and the kernel decide. */
static __always_inline long ipv4_route_back(struct fp_pkt *p, const struct iphdr *iph,
					     const struct bpf_fib_lookup *fwd,
					     struct bpf_fib_lookup *rev)
{
	rev->family = AF_INET;
	rev->tos = iph->tos;
	rev->l4_protocol = iph->protocol;
	rev->sport = fwd->dport;
	rev->dport = fwd->sport;
	rev->ipv4_src = fwd->ipv4_dst; /* after conntrack's DNAT, as the kernel's */
	rev->ipv4_dst = iph->saddr;
	rev->ifindex = LOOPBACK_IFINDEX;
	return bpf_fib_lookup(p->ctx, rev, sizeof(*rev), BPF_FIB_LOOKUP_SKIP_NEIGH);
}

static __always_inline bool ipv4_source_valid(struct fp_pkt *p, const struct iphdr *iph,
					      const struct bpf_fib_lookup *fwd)
{
	const __u16 same_dev = FP_IFACE_RPF_LOOSE | FP_IFACE_NO_IPV4_ADDR;
	struct bpf_fib_lookup rev = {};
	__u16 flags = p->in->flags;

	if (ipv4_route_back(p, iph, fwd, &rev) != BPF_FIB_LKUP_RET_SUCCESS)
		return false;
	if ((flags & FP_IFACE_RPF_STRICT) || (flags & same_dev) == same_dev)
		return rev.ifindex == p->ingress;
	return true;
}

/* rp_filter off, under the kernel's full check: a route back that is not
 * unicast (local, broadcast) rejects the source; no route back, or a
 * blackhole, unreachable or prohibit one, does not (last_resort). "Not
 * forwarded" says either of the first two: the kernel decides. */
static __always_inline bool ipv4_source_routable(struct fp_pkt *p, const struct iphdr *iph,
						 const struct bpf_fib_lookup *fwd)
{
	struct bpf_fib_lookup rev = {};
	long rc = ipv4_route_back(p, iph, fwd, &rev);

	return rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_BLACKHOLE ||
	       rc == BPF_FIB_LKUP_RET_UNREACHABLE || rc == BPF_FIB_LKUP_RET_PROHIBIT;
}

/* The transport header the conntrack gate needs: TCP or UDP, unfragmented
 * and in the first buffer. FP_PASS__MAX: l4 points at it; a TCP segment
 * that changes conntrack's state (SYN, FIN, RST) goes to the kernel, and
 * every TCP segment when conntrack checks windows: it must see them all. */
static __always_inline enum fp_pass_reason ct_transport(struct fp_pkt *p, __u8 proto, void *l4,
							 __u32 l4_len, const struct fp_limits *lim)
{
	void *data_end = (void *)(long)p->ctx->data_end;

	if (proto == IPPROTO_UDP)
		return l4 + sizeof(struct udphdr) <= data_end && l4_len >= sizeof(struct udphdr)
			       ? FP_PASS__MAX
			       : FP_PASS_NETFILTER;
	if (proto != IPPROTO_TCP)
		return FP_PASS_NETFILTER;
	if (!(lim->policy & FP_POLICY_CT_TCP))
		return FP_PASS_CT_TCP_WINDOW;
	struct tcphdr *th = l4;

	if ((void *)(th + 1) > data_end || l4_len < sizeof(*th))
		return FP_PASS_NETFILTER;
	if (th->syn || th->fin || th->rst)
		return FP_PASS_CT_TCP_CONTROL;
	return FP_PASS__MAX;
}

/* Rewrites one 32-bit word of the packet, updating checksums over it: the
 * IPv4 header's (ip_check) and the transport's (l4c, 0 in UDP over IPv4
 * means none and stays so, a result of 0 is sent as 0xffff). */
static __always_inline void nat_word(__u32 *word, __u32 to, __u16 *ip_check, __u16 *l4c,
				     bool udp)
{
	__u32 from = *word;

	if (from == to)
		return;
	if (ip_check)
		*ip_check = csum_replace4(*ip_check, from, to);
	if (!udp || *l4c) {
		*l4c = csum_replace4(*l4c, from, to);
		if (udp && !*l4c)
			*l4c = 0xffff;
	}
	*word = to;
}

/* The transport checksum NAT updates, where ct_transport found its header
 * (checked again on the pointer itself: the verifier cannot relate two
 * tests of the protocol, and the ports come before it). */
static __always_inline __u16 *nat_l4_check(struct fp_pkt *p, void *l4, __u8 proto)
{
	void *data_end = (void *)(long)p->ctx->data_end;
	__u16 *check = proto == IPPROTO_TCP ? &((struct tcphdr *)l4)->check
					    : &((struct udphdr *)l4)->check;

	return (void *)(check + 1) <= data_end ? check : NULL;
}

/* The ports (one word at the start of the transport header) rewritten;
 * returns the transport checksum the addresses update next, NULL if the
 * header is not where ct_transport found it (never). */
static __always_inline __u16 *nat_transport(struct fp_pkt *p, void *l4,
					    const struct fp_ct_nat *nat)
{
	__u16 *l4c = nat_l4_check(p, l4, nat->proto);
	__u32 to;

	if (!l4c)
		return NULL;
	__builtin_memcpy((__u16 *)&to, &nat->sport, 2);
	__builtin_memcpy((__u16 *)&to + 1, &nat->dport, 2);
	nat_word(l4, to, NULL, l4c, nat->proto == IPPROTO_UDP);
	return l4c;
}

/* Conntrack's translation, as nf_nat_ipv4_manip_pkt and the TCP or UDP
 * manip do it: addresses with the header checksum, addresses and ports
 * with the transport's. */
static __always_inline bool nat_ipv4(struct fp_pkt *p, struct iphdr *iph, void *l4,
				     const struct fp_ct_nat *nat)
{
	const bool udp = nat->proto == IPPROTO_UDP;
	__u16 *l4c = nat_transport(p, l4, nat);

	if (!l4c)
		return false;
	nat_word(&iph->saddr, nat->saddr[0], &iph->check, l4c, udp);
	nat_word(&iph->daddr, nat->daddr[0], &iph->check, l4c, udp);
	return true;
}

static __always_inline bool nat_ipv6(struct fp_pkt *p, struct ipv6hdr *ip6h, void *l4,
				     const struct fp_ct_nat *nat)
{
	const bool udp = nat->proto == IPPROTO_UDP;
	__u16 *l4c = nat_transport(p, l4, nat);

	if (!l4c)
		return false;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		nat_word(&ip6h->saddr.in6_u.u6_addr32[i], nat->saddr[i], NULL, l4c, udp);
		nat_word(&ip6h->daddr.in6_u.u6_addr32[i], nat->daddr[i], NULL, l4c, udp);
	}
	return true;
}

/* The conntrack gate applies: a stateful ruleset (need: netfilter and
 * stateful flags) and no xfrm policy (unless), which keeps everything up. */
static __always_inline bool ct_gated(__u32 policy, __u32 need, __u32 unless)
{
	return (policy & need) == need && !(policy & unless);
}

/* The ports a multipath route hashes on, where the kernel's flow
 * dissector finds them (the transport header, l4_len bytes of it). */
static __always_inline void fib_ports(struct bpf_fib_lookup *fib, void *l4, __u8 proto,
				      __u32 l4_len, void *data_end)
{
	int off = l4_ports_offset(proto);
	__be16 *ports;

	if (off < 0 || off + 4 > l4_len)
		return;
	ports = l4 + off;
	if ((void *)(ports + 2) <= data_end) {
		fib->sport = ports[0];
		fib->dport = ports[1];
	}
}

/* What follows the header checks, one step for both families (ip_forward,
 * ip6_forward): the conntrack gate, the lookup, the kernel's verdicts the
 * lookup does not give, then the redirect and the rewrite. ip is the IPv4
 * or IPv6 header (ipv6 says which, a constant once inlined); eth was
 * bounds-checked with it; fib holds the lookup's input. */
static __always_inline int forward_tail(struct fp_pkt *p, struct ethhdr *eth, void *ip,
					void *l4, struct bpf_fib_lookup *fib,
					const struct fp_limits *lim, __u32 ip_len, bool fragment,
					bool ipv6)
{
	struct ipv6hdr *ip6h = ip;
	struct iphdr *iph = ip;
	const __u32 nf = ipv6 ? FP_POLICY_NF6 : FP_POLICY_NF4;
	const __u32 xfrm = ipv6 ? FP_POLICY_XFRM6 : FP_POLICY_XFRM4;
	const __u32 ct = ipv6 ? FP_POLICY_CT6 : FP_POLICY_CT4;
	const __u8 proto = ipv6 ? ip6h->nexthdr : iph->protocol;
	struct fp_ct_nat nat = {};
	int action;

	/* A stateful ruleset: an established flow is forwarded as conntrack
	 * translates it, routed by its destination after DNAT. */
	const bool gated = ct_gated(lim->policy, nf | ct, xfrm);
	if (gated) {
		enum fp_pass_reason why = FP_PASS_NETFILTER;

		/* Conntrack reassembles fragments first. */
		if (!fragment)
			why = ct_transport(p, proto, l4,
					   ip_len - (ipv6 ? sizeof(*ip6h) : sizeof(*iph)), lim);
		if (why == FP_PASS__MAX) {
			struct bpf_sock_tuple t = {};

			if (ipv6) {
				__builtin_memcpy(t.ipv6.saddr, &ip6h->saddr, sizeof(t.ipv6.saddr));
				__builtin_memcpy(t.ipv6.daddr, &ip6h->daddr, sizeof(t.ipv6.daddr));
				t.ipv6.sport = fib->sport;
				t.ipv6.dport = fib->dport;
			} else {
				t.ipv4.saddr = iph->saddr;
				t.ipv4.daddr = iph->daddr;
				t.ipv4.sport = fib->sport;
				t.ipv4.dport = fib->dport;
			}
			why = ct_gate(p->ctx, &t, ipv6 ? sizeof(t.ipv6) : sizeof(t.ipv4), proto,
				      lim, &nat);
		}
		if (why != FP_PASS__MAX)
			return pass(p, why);
		if (nat.translated) {
			if (ipv6)
				__builtin_memcpy(fib->ipv6_dst, nat.daddr, sizeof(fib->ipv6_dst));
			else
				fib->ipv4_dst = nat.daddr[0];
			fib->dport = nat.dport;
		}
	}

	/* The result cache answers while nothing the lookup depends on has
	 * changed; its generations are read before the lookup they guard. */
	const bool cache_on = ipv6 ? (lim->fib_cache & FP_CACHE_IPV6) &&
					     bpf_ktime_get_coarse_ns() < lim->ipv6_cache_until_ns
				   : lim->fib_cache & FP_CACHE_IPV4;
	struct fp_cache_gate *cache =
		cache_on ? cache_admit(p->st, lim->fib_cache & FP_CACHE_UNGATED) : NULL;
	const struct fp_cache_val *hit = NULL;
	struct fp_cache_ref c;
	long rc;

	if (cache) {
		cache_key(&c, fib, ipv6);
		cache_generations(p->ctx, ipv6, &c.now);
		hit = cache_find(p->ctx, p->st, cache, &c, ipv6, ip_len);
	}
	if (hit) {
		cache_answer(fib, hit);
		rc = BPF_FIB_LKUP_RET_SUCCESS;
	} else {
		/* The kernel drops an IPv4 packet claiming one of the router's
		 * addresses. A hit passed this check under the same
		 * generations: an address change moves the kernel's, a new
		 * table the loader's. */
		if (!ipv6 && !(p->in->flags & FP_IFACE_ACCEPT_LOCAL)) {
			enum fp_pass_reason local = local_address(bpf_ntohl(iph->saddr), lim);

			if (local != FP_PASS__MAX)
				return pass(p, local);
		}
		rc = bpf_fib_lookup(p->ctx, fib, sizeof(*fib), 0);
	}
	__u8 ttl = ipv6 ? ip6h->hop_limit : iph->ttl;

	/* Local, unroutable, unresolved, too big or expiring: the kernel's. */
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || ttl <= 1)
		return pass(p, pass_reason(rc, ttl));
	/* Forwarding runs netfilter's hooks, checks xfrm policies (fwd) and
	 * routes through them (out). */
	if (!gated && (lim->policy & (nf | xfrm)))
		return pass(p, lim->policy & nf ? FP_PASS_NETFILTER : FP_PASS_XFRM_POLICY);
	/* The kernel would check it against a route MTU the lookup ignores. */
	if (over_route_mtu(ip_len, ipv6 ? lim->ipv6_mtu_ceiling : lim->ipv4_mtu_ceiling))
		return pass(p, FP_PASS_ROUTE_MTU);
	/* The kernel's rp_filter rejects it, or may: it decides (IPv4 only).
	 * A hit passed it under the same generations. */
	if (!ipv6 && !hit) {
		if (p->in->flags & (FP_IFACE_RPF_STRICT | FP_IFACE_RPF_LOOSE)) {
			if (!ipv4_source_valid(p, iph, fib))
				return pass(p, FP_PASS_SOURCE_INVALID);
		} else if (lim->full_source_check && !(p->in->flags & FP_IFACE_ACCEPT_LOCAL) &&
			   !ipv4_source_routable(p, iph, fib)) {
			return pass(p, FP_PASS_SOURCE_INVALID);
		}
	}
	if (cache && !hit)
		cache_fill(p->st, cache, &c, fib, ip_len, ipv6);
	action = redirect(p, fib);
	if (action != XDP_REDIRECT)
		return action;
	if (nat.translated &&
	    !(ipv6 ? nat_ipv6(p, ip6h, l4, &nat) : nat_ipv4(p, iph, l4, &nat)))
		return XDP_ABORTED; /* checked by ct_transport: never */
	if (ipv6)
		ip6h->hop_limit--;
	else
		ipv4_decrease_ttl(iph);
	set_macs(eth, fib);
	trim_padding(p);
	return XDP_REDIRECT;
}

static __always_inline int forward_ipv4(struct fp_pkt *p)
{
	void *data = (void *)(long)p->ctx->data;
	void *data_end = (void *)(long)p->ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	void *l4 = (void *)(iph + 1);
	struct bpf_fib_lookup fib = {};
	const struct fp_limits *lim;
	__u32 ip_len;

	/* The kernel drops it, or finds the header past the first buffer. */
	if ((void *)(iph + 1) > data_end)
		return pass(p, FP_PASS_TRUNCATED);
	/* The kernel drops a bad version or header length. */
	if (iph->version != 4 || iph->ihl < 5)
		return pass(p, FP_PASS_MALFORMED);
	/* Options (router alert, source route) are the kernel's to process. */
	if (iph->ihl != 5)
		return pass(p, FP_PASS_IP_OPTIONS);
	ip_len = bpf_ntohs(iph->tot_len);
	/* The kernel drops a length below the header. */
	if (ip_len < sizeof(*iph))
		return pass(p, FP_PASS_MALFORMED);
	/* The kernel drops a packet longer than its frame. */
	if (!frame_fits(p, ip_len))
		return pass(p, FP_PASS_TRUNCATED);
	/* The kernel drops a bad header checksum. */
	if (!ipv4_csum_valid(iph))
		return pass(p, FP_PASS_MALFORMED);
	/* Multicast routing is the kernel's. */
	if (ipv4_multicast(iph->daddr))
		return pass(p, FP_PASS_IP_MULTICAST);
	/* The kernel drops martians. */
	if (ipv4_martian_source(iph->saddr) || ipv4_martian_dest(iph->daddr))
		return pass(p, FP_PASS_MARTIAN);
	lim = limits_now();
	if (!lim) /* a one-entry array: only for the verifier */
		return XDP_PASS;

	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	fib.tot_len = ip_len;
	fib.ipv4_src = iph->saddr;
	fib.ipv4_dst = iph->daddr;
	fib.ifindex = p->ingress;
	/* Fragments hash without ports, as in the kernel's flow dissector. */
	if (!(iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		fib_ports(&fib, l4, iph->protocol, ip_len - sizeof(*iph), data_end);

	return forward_tail(p, eth, iph, l4, &fib, lim, ip_len,
			    iph->frag_off & bpf_htons(IP_MF | IP_OFFSET), false);
}

static __always_inline int forward_ipv6(struct fp_pkt *p)
{
	void *data = (void *)(long)p->ctx->data;
	void *data_end = (void *)(long)p->ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6h = (void *)(eth + 1);
	void *l4 = (void *)(ip6h + 1);
	struct bpf_fib_lookup fib = {};
	const struct fp_limits *lim;
	__u32 ip_len;

	/* The kernel drops it, or finds the header past the first buffer. */
	if ((void *)(ip6h + 1) > data_end)
		return pass(p, FP_PASS_TRUNCATED);
	/* The kernel drops all IPv6 here (ip6_rcv_core), or forwards none
	 * (ip6_forward: conf/all/forwarding). */
	if (p->in->flags & (FP_IFACE_IPV6_DISABLED | FP_IFACE_IPV6_NOFWD))
		return pass(p, p->in->flags & FP_IFACE_IPV6_DISABLED ? FP_PASS_IPV6_DISABLED
								     : FP_PASS_FWD_DISABLED);
	/* The kernel drops a bad version. */
	if (ip6h->version != 6)
		return pass(p, FP_PASS_MALFORMED);
	ip_len = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	/* The kernel drops a packet longer than its frame. */
	if (!frame_fits(p, ip_len))
		return pass(p, FP_PASS_TRUNCATED);
	/* Hop-by-hop (router alert, jumbo) and the rest are the kernel's. */
	if (ipv6_exthdr(ip6h->nexthdr))
		return pass(p, FP_PASS_IPV6_EXTHDR);
	/* Multicast routing is the kernel's. */
	if (ipv6_multicast(&ip6h->daddr))
		return pass(p, FP_PASS_IP_MULTICAST);
	/* The kernel drops these, or answers beyond-scope. */
	if (ipv6_link_local(&ip6h->saddr) || ipv6_link_local(&ip6h->daddr))
		return pass(p, FP_PASS_LINK_LOCAL);
	/* The kernel drops martians. */
	if (ipv6_multicast(&ip6h->saddr) || ipv6_martian(&ip6h->saddr) ||
	    ipv6_martian(&ip6h->daddr))
		return pass(p, FP_PASS_MARTIAN);

	fib.family = AF_INET6;
	fib.flowinfo = *(__be32 *)ip6h & bpf_htonl(0x0fffffff);
	fib.l4_protocol = ip6h->nexthdr;
	fib.tot_len = ip_len;
	__builtin_memcpy(fib.ipv6_src, &ip6h->saddr, sizeof(fib.ipv6_src));
	__builtin_memcpy(fib.ipv6_dst, &ip6h->daddr, sizeof(fib.ipv6_dst));
	fib.ifindex = p->ingress;
	fib_ports(&fib, l4, ip6h->nexthdr, ip_len - sizeof(*ip6h), data_end);

	lim = limits_now();
	if (!lim) /* a one-entry array: only for the verifier */
		return XDP_PASS;
	return forward_tail(p, eth, ip6h, l4, &fib, lim, ip_len, false, true);
}

static __always_inline int fastpath(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct fp_pkt p = {.ctx = ctx, .ingress = ctx->ingress_ifindex};
	__u32 slot;

	p.in = iface_of(p.ingress);
	slot = p.in ? p.in->slot : 0;
	p.st = bpf_map_lookup_elem(&stats, &slot);
	/* Slots are below max_entries: only to please the verifier. */
	if (!p.st)
		return XDP_PASS;
	/* Attached by hand, or not yet configured: the kernel's. */
	if (!p.in)
		return pass(&p, FP_PASS_UNKNOWN_IFACE);
	/* The kernel drops runts. */
	if ((void *)(eth + 1) > data_end)
		return pass(&p, FP_PASS_TRUNCATED);
	/* ARP, LLDP, VLAN-tagged and the rest are the kernel's. */
	if (eth->h_proto != bpf_htons(ETH_P_IP) &&
	    eth->h_proto != bpf_htons(ETH_P_IPV6))
		return pass(&p, FP_PASS_NOT_IP);
	/* The kernel forwards only frames sent to this host's address. */
	if (eth->h_dest[0] & 1)
		return pass(&p, FP_PASS_L2_MULTICAST);
	if (!mac_equal(eth->h_dest, p.in->mac))
		return pass(&p, FP_PASS_OTHER_HOST);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return forward_ipv4(&p);
	return forward_ipv6(&p);
}

SEC("xdp.frags")
int xdp_fastpath(struct xdp_md *ctx)
{
	return fastpath(ctx);
}

/* Neighbour changes, in the kernel's change path after the change: a new
 * lladdr or state (ip neigh, ARP/ND), a deletion, and an entry that
 * failed its probes. */
SEC("tp_btf/neigh_update_done")
int BPF_PROG(fp_neigh_update_done, struct neighbour *n, int err)
{
	neigh_changed(n, netns_cookie);
	return 0;
}

SEC("tp_btf/neigh_timer_handler")
int BPF_PROG(fp_neigh_timer, struct neighbour *n, int state)
{
	if (!(n->nud_state & FP_NUD_VALID))
		neigh_changed(n, netns_cookie);
	return 0;
}

SEC("tp_btf/neigh_cleanup_and_release")
int BPF_PROG(fp_neigh_release, struct neighbour *n, int rc)
{
	neigh_changed(n, netns_cookie);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
