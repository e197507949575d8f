/* The few kernel fields the tracing programs read, for CO-RE to find in the
 * running kernel's BTF (no vmlinux.h: it would be megabytes for three). */
#ifndef BPFLIB_KERNEL_H
#define BPFLIB_KERNEL_H

#include <linux/types.h>

struct net {
	__u64 net_cookie;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	int ifindex;
	possible_net_t nd_net;
} __attribute__((preserve_access_index));

struct bpf_prog;

#endif
