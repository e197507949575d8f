/* bpf_fib_lookup results and the rewrite of a frame that will be forwarded. */
#ifndef FASTPATH_BPF_FIB_H
#define FASTPATH_BPF_FIB_H

#include <linux/bpf.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include "fastpath/abi.h"

/* Why the kernel, not the fast path, handles a failed lookup. */
static __always_inline enum fp_pass_reason fib_pass_reason(long rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_BLACKHOLE:
		return FP_PASS_BLACKHOLE;
	case BPF_FIB_LKUP_RET_UNREACHABLE:
		return FP_PASS_UNREACHABLE;
	case BPF_FIB_LKUP_RET_PROHIBIT:
		return FP_PASS_PROHIBIT;
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		return FP_PASS_NOT_FORWARDED;
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		return FP_PASS_FWD_DISABLED;
	case BPF_FIB_LKUP_RET_UNSUPP_LWT:
		return FP_PASS_UNSUPP_LWT;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		return FP_PASS_NO_NEIGH;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return FP_PASS_FRAG_NEEDED;
	}
	return FP_PASS_FIB_OTHER;
}

static __always_inline void set_macs(struct ethhdr *eth,
				     const struct bpf_fib_lookup *fib)
{
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
}

#endif
