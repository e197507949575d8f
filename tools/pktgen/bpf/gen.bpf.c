// SPDX-License-Identifier: GPL-2.0
/* xdp-pktgen's generator. BPF_PROG_TEST_RUN runs it in live-frames mode on
 * pages that start as a copy of the template frame; it writes one flow's
 * headers into each frame and sends it out of the chosen device. Where the
 * kernel refuses live frames, plain test runs of it build each flow's frame
 * once, for a packet socket to send. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "pktgen/abi.h"
#include "bpflib/csum.h"
#include "bpflib/xmit.h"

/* Set through the skeleton's rodata before load, so the verifier sees the
 * header length and offsets as constants and drops the other branches. */
const volatile struct pg_settings settings = {};

/* One entry: this CPU's counters and flow cursor. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pg_gen_stats);
} gen_stats SEC(".maps");

/* Destinations of a "vary dst" run, by flow. One entry unless the loader
 * sizes it (bpf_map__set_max_entries) to the run's flows. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pg_dst);
} dsts SEC(".maps");


/* Copies the first n bytes of the template over the frame: n is a
 * compile-time constant, so this unrolls into word stores after one bounds
 * check. Every header length we build is 4k + 2. */
#define WRITE_HEADERS(data, data_end, n)                                       \
	({                                                                     \
		int ok_ = (data) + (n) <= (data_end);                          \
		if (ok_) {                                                     \
			_Pragma("unroll") for (int i_ = 0; i_ + 4 <= (n); i_ += 4) \
				*(__u32 *)((data) + i_) =                      \
					*(const volatile __u32 *)&settings.hdr[i_]; \
			*(__u16 *)((data) + (n) - 2) =                         \
				*(const volatile __u16 *)&settings.hdr[(n) - 2]; \
		}                                                              \
		ok_;                                                           \
	})

static __always_inline int write_headers(void *data, void *data_end)
{
	switch (settings.hdr_len) {
	case 42: /* Ethernet + IPv4 + UDP */
		return WRITE_HEADERS(data, data_end, 42);
	case 54: /* Ethernet + IPv4 + TCP */
		return WRITE_HEADERS(data, data_end, 54);
	case 62: /* Ethernet + IPv6 + UDP */
		return WRITE_HEADERS(data, data_end, 62);
	case 74: /* Ethernet + IPv6 + TCP */
		return WRITE_HEADERS(data, data_end, 74);
	}
	return 0;
}

/* Rewrites a 16-bit checksum at off for a word that changed. */
static __always_inline void fix_csum(void *data, void *data_end, __u32 off,
				     __u16 old, __u16 new, bool udp)
{
	__u16 *csum = data + off;
	__u16 c;

	if ((void *)(csum + 1) > data_end)
		return;
	c = csum_replace2(*csum, old, new);
	/* In UDP a zero checksum means "none": send its other form. */
	if (udp && c == 0)
		c = 0xffff;
	*csum = c;
}

/* Turns the template (flow 0) into this frame's flow: the varying word gets
 * its base value + flow, and the checksums covering it follow. */
static __always_inline void apply_flow(void *data, void *data_end, __u32 flow)
{
	__u16 *word = data + settings.vary_off;
	__u16 old, new;

	if ((void *)(word + 1) > data_end)
		return;
	old = *word;
	new = bpf_htons(bpf_ntohs(old) + flow);
	*word = new;
	if (settings.ip_csum_off)
		fix_csum(data, data_end, settings.ip_csum_off, old, new, false);
	fix_csum(data, data_end, settings.l4_csum_off, old, new,
		 settings.l4_udp);
}

/* Gives the frame its flow's destination address and the checksums that
 * go with it, all computed in advance. Returns 0 if the frame is too short
 * or the flow has no entry (the run was set up wrong). */
static __always_inline int apply_dst(void *data, void *data_end, __u32 flow)
{
	const struct pg_dst *d = bpf_map_lookup_elem(&dsts, &flow);
	__u32 *addr = data + settings.vary_off;
	__u16 *l4_csum = data + settings.l4_csum_off;
	__u16 *ip_csum = data + settings.ip_csum_off;

	if (!d || (void *)addr + settings.dst_len > data_end ||
	    (void *)(l4_csum + 1) > data_end ||
	    (void *)(ip_csum + 1) > data_end)
		return 0;
	addr[0] = *(const __u32 *)&d->addr[0];
	if (settings.dst_len == 16) {
		addr[1] = *(const __u32 *)&d->addr[4];
		addr[2] = *(const __u32 *)&d->addr[8];
		addr[3] = *(const __u32 *)&d->addr[12];
	}
	if (settings.ip_csum_off)
		*ip_csum = d->ip_csum;
	*l4_csum = d->l4_csum;
	return 1;
}

static __always_inline int generate(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, flow;
	struct pg_gen_stats *st = bpf_map_lookup_elem(&gen_stats, &zero);

	/* Cannot happen for a one-entry array; the verifier wants the check. */
	if (!st)
		return XDP_ABORTED;
	/* A frame shorter than its headers: the test run was set up wrong. */
	if (!write_headers(data, data_end))
		return XDP_ABORTED;
	flow = st->next_flow;
	st->next_flow = flow + 1 >= settings.flows ? 0 : flow + 1;
	if (settings.dst_len) {
		if (!apply_dst(data, data_end, flow))
			return XDP_ABORTED;
	} else if (flow) {
		apply_flow(data, data_end, flow);
	}
	st->frames++;
	/* Out of the chosen device. bpf_redirect, not XDP_TX: in a test run
	 * XDP_TX is emulated as a redirect to the ctx's ingress device anyway,
	 * and an explicit target does not depend on that. Either way the frame
	 * goes through the device's ndo_xdp_xmit, which on a veth puts it in
	 * the peer's ring: it arrives only if the peer has NAPI (XDP or GRO). */
	return bpf_redirect(settings.ifindex, 0);
}

SEC("xdp")
int xdp_pktgen(struct xdp_md *ctx)
{
	return generate(ctx);
}

/* Sends nothing: one live-frames run of it tells whether the kernel allows
 * such runs at all, before a frame is counted. */
SEC("xdp")
int xdp_pktgen_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* What became of our frames at the device: sent, or dropped with the
 * reason the driver gave. Redirected frames are otherwise dropped without
 * a trace (a full veth ring, a peer without NAPI). The test run's rxq is
 * our device, so our frames are the ones from and to it. */
SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(pg_devmap_xmit, const struct net_device *from_dev,
	     const struct net_device *to_dev, int sent, int drops, int err)
{
	__u32 zero = 0;
	struct pg_gen_stats *st;

	if (BPF_CORE_READ(to_dev, ifindex) != settings.ifindex ||
	    BPF_CORE_READ(from_dev, ifindex) != settings.ifindex ||
	    !dev_in_netns(to_dev, settings.netns_cookie))
		return 0;
	st = bpf_map_lookup_elem(&gen_stats, &zero);
	if (!st)
		return 0;
	st->last_ns = bpf_ktime_get_ns();
	if (!st->first_ns)
		st->first_ns = st->last_ns;
	st->xmit_ok += sent;
	if (err) {
		st->xmit_refused += drops;
		st->xmit_err = err;
	} else {
		st->xmit_full += drops;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
