// SPDX-License-Identifier: GPL-2.0
/* The limit: the most any XDP forwarder can do on this path. MACs are set
 * in advance, nothing is parsed beyond the EtherType, nothing is looked
 * up; frames leave through a DEVMAP as the fast path's do. The fast path's
 * cost is its distance from this. Also a program that does nothing, for
 * the test run's own cost per packet. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bench/abi.h"

const volatile struct bn_limit_settings settings = {};

/* The one egress, keyed by ifindex like the fast path's DEVMAP. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} limit_devmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bn_limit_stats);
} limit_stats SEC(".maps");

/* Copies a MAC from the settings: volatile reads, so clang cannot fold the
 * zeros the object file holds before the loader sets the real values. */
static __always_inline void set_mac(__u8 *to, const volatile __u8 *from)
{
	__u16 *t = (__u16 *)to;
	const volatile __u16 *f = (const volatile __u16 *)from;

	t[0] = f[0];
	t[1] = f[1];
	t[2] = f[2];
}

static __always_inline int forward(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 zero = 0;
	struct bn_limit_stats *st = bpf_map_lookup_elem(&limit_stats, &zero);
	int action;

	/* Cannot happen for a one-entry array; the verifier wants the check. */
	if (!st)
		return XDP_PASS;
	/* Runts and ARP: the kernel's, so neighbours still resolve. */
	if ((void *)(eth + 1) > data_end ||
	    (eth->h_proto != bpf_htons(ETH_P_IP) &&
	     eth->h_proto != bpf_htons(ETH_P_IPV6))) {
		st->passed++;
		return XDP_PASS;
	}
	set_mac(eth->h_dest, settings.dst_mac);
	set_mac(eth->h_source, settings.src_mac);
	/* Dropped, not passed: the frame is no longer the one that arrived. */
	action = bpf_redirect_map(&limit_devmap, settings.egress_ifindex, XDP_DROP);
	if (action == XDP_REDIRECT)
		st->redirected++;
	else
		st->dropped++;
	return action;
}

SEC("xdp")
int xdp_limit(struct xdp_md *ctx)
{
	return forward(ctx);
}

/* The test run's own cost: fp-nsperpkt subtracts nothing, but prints it. */
SEC("xdp")
int xdp_noop(struct xdp_md *ctx)
{
	/* Measured, never attached: whatever comes, the kernel's. */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
