/* The few kernel fields the programs read, for CO-RE to find in the
 * running kernel's BTF (no vmlinux.h: it would be megabytes for a dozen). */
#ifndef BPFLIB_KERNEL_H
#define BPFLIB_KERNEL_H

#include <linux/types.h>

typedef struct {
	int counter;
} atomic_t;

/* The generations the FIB result cache is checked against. */
struct netns_ipv4 {
	unsigned int fib_seq; /* every FIB notifier event (routes, rules) */
	atomic_t rt_genid;    /* rt_cache_flush: devices, addresses, MTUs, ... */
} __attribute__((preserve_access_index));

struct netns_ipv6 {
	atomic_t fib6_sernum;    /* route insertions, tree cleanups (link down) */
	atomic_t dev_addr_genid; /* address changes */
} __attribute__((preserve_access_index));

struct net {
	__u64 net_cookie;
	struct netns_ipv4 ipv4;
	struct netns_ipv6 ipv6;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	int ifindex;
	possible_net_t nd_net;
} __attribute__((preserve_access_index));

/* An XDP program's context as the kernel has it (bpf_cast_to_kern_ctx). */
struct xdp_rxq_info {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct xdp_buff {
	struct xdp_rxq_info *rxq;
} __attribute__((preserve_access_index));

struct neighbour {
	struct net_device *dev;
	__u8 nud_state;
} __attribute__((preserve_access_index));

struct bpf_prog;

#endif
