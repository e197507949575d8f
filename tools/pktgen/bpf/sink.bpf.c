// SPDX-License-Identifier: GPL-2.0
/* xdp-pktgen's sink: count every frame and drop it, so receiving costs as
 * little as it can and the count is the only trace. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "pktgen/abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pg_sink_stats);
} sink_stats SEC(".maps");

static __always_inline int count_and_drop(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct pg_sink_stats *st = bpf_map_lookup_elem(&sink_stats, &zero);
	__u64 now = bpf_ktime_get_ns();

	/* Cannot happen for a one-entry array: drop it all the same. */
	if (!st)
		return XDP_DROP;
	if (!st->first_ns)
		st->first_ns = now;
	st->last_ns = now;
	st->packets++;
	st->bytes += ctx->data_end - ctx->data;
	/* Counted: nobody else needs it, and the stack would cost more. */
	return XDP_DROP;
}

SEC("xdp")
int xdp_pg_sink(struct xdp_md *ctx)
{
	return count_and_drop(ctx);
}

char LICENSE[] SEC("license") = "GPL";
