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
	X(FIB_OTHER, "fib_other", "other FIB lookup result")                   \
	X(NOT_EGRESS, "not_egress", "egress device is not a fast-path egress") \
	X(HAIRPIN, "hairpin", "egress equals ingress: kernel sends a redirect") \
	X(NO_XMIT_SG, "no_xmit_sg", "multi-buffer frame, egress cannot send it") \
	X(UNKNOWN_IFACE, "unknown_iface", "ingress interface not configured")

#define FP_PASS_ENUM_(e, name, why) FP_PASS_##e,
enum fp_pass_reason { FP_PASS_REASONS(FP_PASS_ENUM_) FP_PASS__MAX };
#undef FP_PASS_ENUM_

/* Per-CPU counters of one ingress interface (map "stats", indexed by the
 * interface's slot; slot 0 collects frames from unconfigured interfaces). */
struct fp_stats {
	__u64 fwd_packets;
	__u64 fwd_bytes;
	__u64 pass[FP_PASS__MAX];
};

#define FP_MAX_SLOTS 256

/* Flags of an interface (fp_iface.flags). */
#define FP_IFACE_XMIT_SG (1U << 0) /* egress takes multi-buffer frames */

/* One interface the fast path knows (map "ifaces", keyed by ifindex). */
struct fp_iface {
	__u8 mac[6];  /* the interface's address: frames for others go up */
	__u16 flags;  /* FP_IFACE_* */
	__u32 slot;   /* index into "stats" */
	__u32 _pad;
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
