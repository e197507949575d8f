/* The contract between the XDP programs and the C++ side: map layouts,
 * counter indexes and names. Plain C, fixed-width types; the includer
 * provides <linux/types.h>. Nothing here may be restated elsewhere. */
#ifndef FASTPATH_ABI_H
#define FASTPATH_ABI_H

/* Why a frame went to the kernel instead of the fast path.
 * X(ENUM, "name", "why the kernel takes it") — the order is the ABI. */
#define FP_PASS_REASONS(X)                                                     \
	X(NOT_IP, "not_ip", "not IPv4/IPv6 (ARP, LLDP, VLAN-tagged, ...)")     \
	X(L2_MULTICAST, "l2_multicast", "Ethernet broadcast or multicast")     \
	X(OTHER_HOST, "other_host", "Ethernet destination is not this interface") \
	X(TRUNCATED, "truncated", "frame shorter than its headers")            \
	X(MALFORMED, "malformed", "bad IP version, length or header checksum") \
	X(IP_OPTIONS, "ip_options", "IPv4 header with options")                \
	X(IPV6_EXTHDR, "ipv6_exthdr", "IPv6 extension header")                \
	X(MARTIAN, "martian", "source or destination never forwarded")         \
	X(SOURCE_INVALID, "source_invalid", "source the kernel rejects: local, or failing rp_filter") \
	X(IP_MULTICAST, "ip_multicast", "IP multicast destination")            \
	X(LINK_LOCAL, "link_local", "IPv6 link-local source or destination")   \
	X(TTL, "ttl_expired", "TTL or hop limit <= 1: kernel sends Time Exceeded") \
	X(NOT_FORWARDED, "not_forwarded", "local destination, broadcast or no route") \
	X(BLACKHOLE, "blackhole", "blackhole route")                           \
	X(UNREACHABLE, "unreachable", "unreachable route: kernel sends ICMP")  \
	X(PROHIBIT, "prohibit", "prohibit route: kernel sends ICMP")           \
	X(FWD_DISABLED, "fwd_disabled", "forwarding disabled on the interface") \
	X(UNSUPP_LWT, "unsupp_lwt", "route needs encapsulation")               \
	X(NO_NEIGH, "no_neigh", "no neighbour entry yet: kernel resolves it")  \
	X(FRAG_NEEDED, "frag_needed", "larger than egress MTU: kernel fragments or sends ICMP") \
	X(ROUTE_MTU, "route_mtu", "larger than an unlocked route MTU: kernel checks it") \
	X(FIB_OTHER, "fib_other", "other FIB lookup result")                   \
	X(NOT_EGRESS, "not_egress", "egress device is not a fast-path egress") \
	X(HAIRPIN, "hairpin", "egress equals ingress: kernel sends a redirect") \
	X(NO_XMIT_SG, "no_xmit_sg", "multi-buffer frame, egress cannot send it") \
	X(UNKNOWN_IFACE, "unknown_iface", "ingress interface not configured") \
	X(IPV6_DISABLED, "ipv6_disabled", "IPv6 disabled on the interface: kernel drops it") \
	X(LOCAL_UNKNOWN, "local_unknown", "more local IPv4 addresses than the fast path holds: kernel checks the source") \
	X(XFRM_POLICY, "xfrm_policy", "IPsec (xfrm) forward or output policies exist: kernel applies them") \
	X(NETFILTER, "netfilter", "netfilter rules on the forward path (filter, NAT, mangle): kernel applies them") \
	X(CT_NEW, "ct_new", "stateful ruleset, flow not yet established in conntrack: netfilter decides it") \
	X(CT_TCP_CONTROL, "ct_tcp_control", "stateful ruleset, TCP SYN, FIN or RST: conntrack follows it") \
	X(CT_TCP_WINDOW, "ct_tcp_window", "stateful ruleset, TCP while conntrack checks windows (nf_conntrack_tcp_be_liberal 0): it sees every segment")

#define FP_PASS_ENUM_(e, name, why) FP_PASS_##e,
enum fp_pass_reason { FP_PASS_REASONS(FP_PASS_ENUM_) FP_PASS__MAX };
#undef FP_PASS_ENUM_

/* Per-CPU counters of one ingress interface (map "stats", indexed by the
 * interface's slot; slot 0 collects frames from unconfigured interfaces). */
struct fp_stats {
	__u64 fwd_packets;
	__u64 fwd_bytes;
	__u64 pass[FP_PASS__MAX];
	/* The FIB result cache (fp_limits.fib_cache on), per lookup: answered
	 * from it; not (stale included); found but filled under generations
	 * no longer current; and new keys put in it (LRU evictions are fills
	 * beyond its size). */
	__u64 cache_hits;
	__u64 cache_misses;
	__u64 cache_stale;
	__u64 cache_fills;
	/* Looked up without it: the CPU's recent hit ratio was too low for the
	 * cache to pay for its misses (more live flows than it holds). */
	__u64 cache_skipped;
};

/* The cache stands aside on a CPU whose last FP_CACHE_WINDOW cacheable
 * lookups (hits and fills: a lookup the kernel takes is never cached) hit
 * less than half the time, for FP_CACHE_REST lookups, then tries again:
 * a cache that thrashes costs a miss and a fill per packet, more than it
 * saves. */
#define FP_CACHE_WINDOW 256
#define FP_CACHE_REST 16384
struct fp_cache_gate {
	__u32 lookups; /* in the current window */
	__u32 hits;
	__u32 rest;    /* lookups left to make without the cache */
	__u32 _pad;
	/* New keys this CPU filled, per family: until they reach what the
	 * cache holds it is warming, not thrashing, and is never rested. */
	__u64 fills[2];
};

#define FP_MAX_SLOTS 256

/* Interfaces with an ifindex below this are also found in "ifaces_direct",
 * an array indexed by ifindex: one cheap lookup per packet. */
#define FP_IFINDEX_DIRECT 8192

/* Flags of an interface (fp_iface.flags). */
#define FP_IFACE_XMIT_SG (1U << 0)      /* egress takes multi-buffer frames */
#define FP_IFACE_RPF_STRICT (1U << 1)   /* rp_filter 1: source must route back here */
#define FP_IFACE_RPF_LOOSE (1U << 2)    /* rp_filter 2: source must route back */
#define FP_IFACE_ACCEPT_LOCAL (1U << 3) /* accept_local: local sources are fine */
#define FP_IFACE_NO_IPV4_ADDR (1U << 4) /* no IPv4 address: loose acts as strict */
#define FP_IFACE_IPV6_DISABLED (1U << 5) /* disable_ipv6, or no IPv6 at all */
#define FP_IFACE_IPV6_NOFWD (1U << 6)   /* conf/all/forwarding 0 for IPv6 */

/* One interface the fast path knows (map "ifaces", keyed by ifindex, and
 * "ifaces_direct", indexed by it; slot 0 there means unknown). */
struct fp_iface {
	__u8 mac[6];  /* the interface's address: frames for others go up */
	__u16 flags;  /* FP_IFACE_* */
	__u32 slot;   /* index into "stats", >= 1 */
	__u32 _pad;
};

/* Limits the FIB lookup cannot see (map "limits", one entry). The kernel's
 * forwarding path honours route MTUs that are not locked; bpf_fib_lookup
 * does not, so packets above the smallest such MTU go to the kernel. */
struct fp_limits {
	__u32 ipv4_mtu_ceiling; /* 0: no unlocked IPv4 route MTU */
	__u32 ipv6_mtu_ceiling; /* 0: no unlocked IPv6 route MTU */
	__u32 local_slot;       /* which "local_addrs" entry is current: 0 or 1 */
	/* 1: the kernel looks every source up, rp_filter off too (the namespace
	 * has, or had, its own ip rules or local routes: fib_validate_source's
	 * full check), and rejects one whose route back is local or broadcast. */
	__u32 full_source_check;
	__u32 policy; /* FP_POLICY_*: kernel policy the fast path cannot apply */
	/* The conntrack gate refreshes an entry it forwards for to these, as
	 * the kernel does: nf_conntrack_tcp_timeout_established and
	 * nf_conntrack_udp_timeout_stream, in ms. */
	__u32 ct_tcp_timeout_ms;
	__u32 ct_udp_timeout_ms;
	__u32 fib_cache; /* FP_CACHE_*: answer lookups from the FIB result cache */
	/* IPv6 uses it only until then (CLOCK_MONOTONIC, read by the program
	 * coarse, up to a tick behind: bpf_ktime_get_ns on this machine's
	 * paravirtual clock took 23 of an IPv6 hit's 78 ns): a deleted IPv6
	 * route counts in no kernel generation, the loader must say so, and
	 * one that stops renewing (killed) may no longer be listening. */
	__u64 ipv6_cache_until_ns;
};
#define FP_CACHE_IPV4 (1U << 0)
#define FP_CACHE_IPV6 (1U << 1)
#define FP_CACHE_UNGATED (1U << 2) /* never rested (fp_cache_gate): for tests */

/* The FIB result cache (maps "fib_cache4" and "fib_cache6", per-CPU LRU
 * hashes): a lookup's whole input as the key, so policy rules and the
 * multipath hash answer as the kernel's lookup would. */
struct fp_cache_key4 {
	__u32 ifindex; /* ingress */
	__be32 src;
	__be32 dst;    /* after conntrack's DNAT */
	__be16 sport;  /* 0 where the lookup had no ports (fragments, ...) */
	__be16 dport;
	__u8 tos;
	__u8 l4_protocol;
	__u16 _pad;
};

struct fp_cache_key6 {
	__u32 ifindex;
	__be32 flowinfo; /* traffic class and flow label */
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 l4_protocol;
	__u8 _pad[3];
};

/* A successful lookup, valid while every generation it was filled under
 * is current: the kernel's own for the family (fib_gen: IPv4 fib_seq and
 * rt_genid, IPv6 fib6_sernum and dev_addr_genid, read by the program) and
 * the fast path's (map "cache_gen": neighbour changes, counted by the
 * neigh tracepoints in the kernel's change path, and the loader's). It
 * holds only results the rp_filter check (IPv4) also passed. */
struct fp_cache_val {
	__u64 fib_gen;
	__u64 neigh_gen;
	__u64 loader_gen;
	__u32 ifindex; /* egress; 0: empty (another CPU's entry) */
	__u32 ok_len;  /* the largest IP length the lookup's MTU check passed */
	__u8 dmac[6];
	__u8 smac[6];
	__u32 _pad;
};

/* Map "cache_gen": the fast path's generations. */
#define FP_CACHE_GEN_NEIGH 0  /* bumped by the neigh tracepoint programs */
#define FP_CACHE_GEN_LOADER 1 /* bumped by the loader (routerd) */
#define FP_CACHE_GENS 2

/* fp_limits.policy: forwarded traffic of that family goes to the kernel. */
#define FP_POLICY_XFRM4 (1U << 0) /* xfrm policies, dir fwd or out, for IPv4 */
#define FP_POLICY_XFRM6 (1U << 1) /* ... for IPv6 */
#define FP_POLICY_NF4 (1U << 2)   /* netfilter on the IPv4 forward path */
#define FP_POLICY_NF6 (1U << 3)   /* ... IPv6 */
/* With FP_POLICY_NF4/6: the ruleset is stateful (every forward-path chain
 * accepts established flows first, or is NAT): the conntrack gate forwards
 * established UDP flows, and TCP with FP_POLICY_CT_TCP. */
#define FP_POLICY_CT4 (1U << 4)
#define FP_POLICY_CT6 (1U << 5)
#define FP_POLICY_CT_TCP (1U << 6) /* nf_conntrack_tcp_be_liberal 1 */

/* The router's own IPv4 addresses (map "local_addrs", two entries: one is
 * written while the other is read): an open-addressing table of host-order
 * addresses, 0 for empty. An address sits within FP_LOCAL_PROBES slots of
 * FP_LOCAL_SLOT(address, salt); the salt is the entry's own, read with it.
 * With more than FP_MAX_LOCAL_ADDRS the table is "unknown": every source
 * the kernel would check goes to the kernel. */
#define FP_LOCAL_BITS 13
#define FP_LOCAL_SLOTS (1U << FP_LOCAL_BITS)
#define FP_LOCAL_PROBES 4
#define FP_MAX_LOCAL_ADDRS 1024
#define FP_LOCAL_SLOT(addr, salt) \
	((((__u32)(addr) ^ (__u32)(salt)) * 0x9e3779b1U) >> (32 - FP_LOCAL_BITS))
struct fp_local_addrs {
	__u32 salt;    /* mixed into the hash, so every address fits */
	__u32 unknown; /* 1: too many addresses to hold */
	__u32 slot[FP_LOCAL_SLOTS];
};

/* Per-CPU transmit outcome of one egress device (map "egress_stats", keyed
 * by ifindex), from the kernel's XDP tracepoints. Under key
 * FP_EGRESS_DEPARTED (no ifindex is 0) the loader keeps the sum of devices
 * it has forgotten, so the map stays bounded and totals never go back. */
#define FP_EGRESS_DEPARTED 0
struct fp_egress_stats {
	__u64 xmit_packets;    /* sent by a DEVMAP flush */
	__u64 xmit_drops;      /* dropped by the driver at a DEVMAP flush */
	__u64 redirect_errors; /* redirect refused before the flush */
};

#endif /* FASTPATH_ABI_H */
