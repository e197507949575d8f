/* Header checks the kernel's receive path makes before it forwards: a frame
 * failing any of them is handed up so the kernel drops or answers it. */
#ifndef FASTPATH_BPF_PARSE_H
#define FASTPATH_BPF_PARSE_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef IP_MF
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#endif

static __always_inline bool mac_equal(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* Sources the kernel drops as martian (ip_route_input_slow). */
static __always_inline bool ipv4_martian_source(__be32 addr)
{
	__u32 a = bpf_ntohl(addr);

	return (a >> 28) == 0xe || a == 0xffffffff || (a >> 24) == 0 ||
	       (a >> 24) == 127;
}

/* Destinations the kernel never forwards as unicast. */
static __always_inline bool ipv4_martian_dest(__be32 addr)
{
	__u32 a = bpf_ntohl(addr);

	return a == 0xffffffff || (a >> 24) == 0 || (a >> 24) == 127;
}

static __always_inline bool ipv4_multicast(__be32 addr)
{
	return (bpf_ntohl(addr) >> 28) == 0xe;
}

/* ::, ::1 and ::ffff:0:0/96 never cross a router (ip6_rcv_core, ip6_forward). */
static __always_inline bool ipv6_martian(const struct in6_addr *a)
{
	const __u32 *w = a->in6_u.u6_addr32;

	if (w[0] | w[1])
		return false;
	if (w[2] == 0)
		return w[3] == 0 || w[3] == bpf_htonl(1);
	return w[2] == bpf_htonl(0xffff);
}

static __always_inline bool ipv6_multicast(const struct in6_addr *a)
{
	return a->in6_u.u6_addr8[0] == 0xff;
}

static __always_inline bool ipv6_link_local(const struct in6_addr *a)
{
	return (a->in6_u.u6_addr16[0] & bpf_htons(0xffc0)) == bpf_htons(0xfe80);
}

/* Extension headers: the kernel parses them (router alert, flow hash). */
static __always_inline bool ipv6_exthdr(__u8 nexthdr)
{
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
	case 253: /* experimental */
	case 254:
		return true;
	}
	return false;
}

/* Where the kernel's flow dissector finds ports (proto_ports_offset), so a
 * multipath route hashes our packets as it would hash its own. */
static __always_inline int l4_ports_offset(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_DCCP:
	case IPPROTO_ESP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
		return 0;
	case IPPROTO_AH:
		return 4;
	}
	return -1;
}

#endif
