// SPDX-License-Identifier: GPL-2.0
/* Counts what becomes of redirected frames at transmit, per egress device,
 * from the kernel's XDP tracepoints: frames that vanish become visible. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "fastpath/abi.h"
#include "bpflib/xmit.h"


/* Set before load: our network namespace and the fast path's DEVMAP. */
const volatile __u64 netns_cookie = 0;
const volatile __u32 devmap_id = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, FP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct fp_egress_stats);
} egress_stats SEC(".maps");

static __always_inline struct fp_egress_stats *egress_entry(__u32 ifindex)
{
	struct fp_egress_stats *st = bpf_map_lookup_elem(&egress_stats, &ifindex);

	if (st)
		return st;
	struct fp_egress_stats zero = {};

	bpf_map_update_elem(&egress_stats, &ifindex, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&egress_stats, &ifindex);
}

SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(fp_devmap_xmit, const struct net_device *from_dev,
	     const struct net_device *to_dev, int sent, int drops, int err)
{
	struct fp_egress_stats *st;

	if (!dev_in_netns(to_dev, netns_cookie))
		return 0;
	st = egress_entry(BPF_CORE_READ(to_dev, ifindex));
	if (st) {
		st->xmit_packets += sent;
		st->xmit_drops += drops;
	}
	return 0;
}

SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(fp_redirect_err, const struct net_device *dev,
	     const struct bpf_prog *xdp, const void *tgt, int err,
	     enum bpf_map_type map_type, __u32 map_id, __u32 index)
{
	struct fp_egress_stats *st;

	if (map_id != devmap_id)
		return 0;
	st = egress_entry(index);
	if (st)
		st->redirect_errors++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
