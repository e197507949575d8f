// SPDX-License-Identifier: GPL-2.0
/* The XDP feature probe: trivial programs whose only job is to be attached
 * (or refused), one that pushes a frame through bpf_redirect into a target
 * device, one that counts what arrives, and the tracepoints that say why a
 * redirected frame did not. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "fastpath/probe_abi.h"
#include "bpflib/xmit.h"


const volatile struct probe_settings settings = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_results);
} probe_results SEC(".maps");

static __always_inline struct probe_results *results(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&probe_results, &zero);
}

SEC("xdp")
int xdp_probe_pass(struct xdp_md *ctx)
{
	/* Only attached to see whether the driver takes it: traffic goes on
	 * to the kernel untouched. */
	return XDP_PASS;
}

SEC("xdp.frags")
int xdp_probe_frags(struct xdp_md *ctx)
{
	/* The same, declaring it can handle multi-buffer frames. */
	return XDP_PASS;
}

SEC("xdp")
int xdp_probe_redir(struct xdp_md *ctx)
{
	/* Run by a live-frames test run on the probe frame only: into the
	 * target's ndo_xdp_xmit it goes. */
	return bpf_redirect(settings.target_ifindex, 0);
}

/* xdp.frags: a veth takes other programs only while its peer's MTU fits a
 * page, and the receiver must not limit the target's MTU. */
SEC("xdp.frags")
int xdp_probe_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct probe_results *r;

	/* Not ours: the receiver's traffic goes to the kernel as before. */
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(PROBE_ETHERTYPE))
		return XDP_PASS;
	r = results();
	if (r)
		__sync_fetch_and_add(&r->arrived, 1);
	/* Counted: a probe frame means nothing to anyone. */
	return XDP_DROP;
}

static __always_inline bool ours(const struct net_device *dev)
{
	return dev_in_netns(dev, settings.netns_cookie);
}

SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(probe_xmit, const struct net_device *from_dev,
	     const struct net_device *to_dev, int sent, int drops, int err)
{
	struct probe_results *r;

	if (BPF_CORE_READ(to_dev, ifindex) != settings.target_ifindex || !ours(to_dev))
		return 0;
	r = results();
	if (!r)
		return 0;
	__sync_fetch_and_add(&r->xmit_sent, sent);
	__sync_fetch_and_add(&r->xmit_drops, drops);
	if (err)
		r->xmit_err = err;
	return 0;
}

SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(probe_redir_err, const struct net_device *dev,
	     const struct bpf_prog *xdp, const void *tgt, int err,
	     enum bpf_map_type map_type, __u32 map_id, __u32 index)
{
	struct probe_results *r;

	/* A bpf_redirect (no map) reports its target ifindex as index. */
	if (index != settings.target_ifindex || !ours(dev))
		return 0;
	r = results();
	if (!r)
		return 0;
	__sync_fetch_and_add(&r->redirect_errs, 1);
	r->redirect_err = err;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
