/* The contract between xdp-pktgen's BPF programs and its C++ side: the
 * generator's settings and both programs' counters. Plain C, fixed-width
 * types; the includer provides <linux/types.h>. Nothing here may be
 * restated elsewhere. */
#ifndef PKTGEN_ABI_H
#define PKTGEN_ABI_H

/* Ethernet + IPv6 + TCP (74 bytes) is the longest header stack we build,
 * rounded up to a multiple of 8. */
#define PG_HDR_MAX 80

/* The headers the generator writes into every frame. The page pool of a
 * live-frames test run recycles pages without resetting them, so a frame
 * may come back holding what a router downstream wrote (MACs, TTL,
 * checksums): every frame gets all of them again. */
struct pg_settings {
	__u8 hdr[PG_HDR_MAX]; /* Ethernet, IP and L4 headers of flow 0,
			       * checksums complete (payload included) */
	__u64 netns_cookie;   /* the namespace ifindex lives in */
	__u32 hdr_len;        /* bytes of hdr to write: 42, 54, 62 or 74 */
	__u32 ifindex;        /* the device frames leave through */
	__u32 flows;          /* >= 1 */
	__u16 vary_off;       /* offset in hdr of what differs between flows:
			       * with dst_len 0, the 16-bit big-endian word
			       * that is flow 0's value + flow index (the L4
			       * source port, or the source address's last
			       * 16 bits); else the destination address */
	__u16 ip_csum_off;    /* IPv4 header checksum, 0 if vary_off is not
			       * in the IPv4 header (or IPv6) */
	__u16 l4_csum_off;    /* UDP/TCP checksum */
	__u16 l4_udp;         /* 1: a computed 0 is sent as 0xffff */
	__u16 dst_len;        /* vary dst: 4 or 16, the address bytes at
			       * vary_off; they and both checksums come from
			       * map "dsts" at the flow's index. 0: no */
	__u16 _pad;
};

/* The most flows a run can have (the varied word has 16 bits). */
#define PG_MAX_FLOWS 65536

/* One destination of a "vary dst" run (map "dsts", indexed by flow): the
 * address and the checksums of that flow's frame, as they lie in the frame.
 * The C++ side computes them from scratch, so the program only copies:
 * a full address change would otherwise cost it 2 or 8 word updates. */
struct pg_dst {
	__u8 addr[16];  /* IPv4: the first 4 bytes */
	__u16 ip_csum;  /* IPv4 header checksum; unused for IPv6 */
	__u16 l4_csum;  /* UDP/TCP checksum */
	__u32 _pad;
};

/* Per-CPU counters of the generator (map "gen_stats", one entry). */
struct pg_gen_stats {
	__u64 frames;       /* frames the program built and redirected */
	__u64 xmit_ok;      /* frames the device took (xdp_devmap_xmit) */
	__u64 xmit_full;    /* frames it dropped: its queue was full */
	__u64 xmit_refused; /* frames it refused with an error (down, or a
			     * veth whose peer has no NAPI) */
	__u64 first_ns;     /* bpf_ktime_get_ns() of the first and last
			     * transmit (per flush, not per frame: cheap) */
	__u64 last_ns;
	__s32 xmit_err;     /* the last such error, negative errno */
	__u32 next_flow;    /* flow of this CPU's next frame */
};

/* Per-CPU counters of the sink (map "sink_stats", one entry). */
struct pg_sink_stats {
	__u64 packets;
	__u64 bytes;
	__u64 first_ns; /* bpf_ktime_get_ns() of the first and last frame */
	__u64 last_ns;
};

#endif
