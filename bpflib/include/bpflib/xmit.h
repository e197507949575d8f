/* The transmit tracepoints (xdp_devmap_xmit, xdp_redirect_err) fire for
 * every namespace's devices; a program counts only those of its own. */
#ifndef BPFLIB_XMIT_H
#define BPFLIB_XMIT_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_core_read.h>

#include "bpflib/kernel.h"

/* netns_cookie: the namespace's, from the loader (SO_NETNS_COOKIE). */
static __always_inline bool dev_in_netns(const struct net_device *dev, __u64 netns_cookie)
{
	return BPF_CORE_READ(dev, nd_net.net, net_cookie) == netns_cookie;
}

#endif
