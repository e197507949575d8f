/* Every Internet checksum the BPF programs compute: the full check of an
 * IPv4 header and the incremental updates of RFC 1624. On words as they lie
 * in the packet: the one's complement sum does not depend on byte order. */
#ifndef BPFLIB_CSUM_H
#define BPFLIB_CSUM_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* RFC 1071 sum of a 20-byte IPv4 header; a valid one sums to 0xffff. */
static __always_inline bool ipv4_csum_valid(const struct iphdr *iph)
{
	const __u32 *w = (const __u32 *)iph;
	__u64 sum = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];

	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* The checksum after one 16-bit word changed from old to new:
 * HC' = ~(~HC + ~m + m') (RFC 1624, eqn. 3). */
static __always_inline __u16 csum_replace2(__u16 csum, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~csum + (__u16)~old + (__u32)new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* The same for a 32-bit word (an address, or both ports). */
static __always_inline __u16 csum_replace4(__u16 check, __u32 old, __u32 new)
{
	__u32 sum = (__u16)~check;

	sum += (~old & 0xffff) + (~old >> 16) + (new & 0xffff) + (new >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* TTL - 1 with the incremental update, as the kernel's ip_decrease_ttl
 * does it (the carry handles the 0xffff case), so the forwarded header's
 * checksum is the kernel's to the bit. */
static __always_inline void ipv4_decrease_ttl(struct iphdr *iph)
{
	__u32 check = iph->check;

	check += bpf_htons(0x0100);
	iph->check = (__sum16)(check + (check >= 0xffff));
	iph->ttl--;
}

#endif
