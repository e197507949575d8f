/* Incremental Internet checksum update (RFC 1624), on words as they lie in
 * the packet: the one's complement sum does not depend on byte order. */
#ifndef PKTGEN_BPF_CSUM_H
#define PKTGEN_BPF_CSUM_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* The checksum after one 16-bit word changed from old to new:
 * HC' = ~(~HC + ~m + m') (RFC 1624, eqn. 3). */
static __always_inline __u16 csum_replace2(__u16 csum, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~csum + (__u16)~old + (__u32)new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif
