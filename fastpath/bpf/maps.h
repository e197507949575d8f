/* All maps of the fast path, in one place. Layouts come from abi.h. */
#ifndef FASTPATH_BPF_MAPS_H
#define FASTPATH_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "fastpath/abi.h"

/* Interfaces the fast path receives on or transmits to, by ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct fp_iface);
} ifaces SEC(".maps");

/* Counters per ingress slot and CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct fp_stats);
} stats SEC(".maps");

/* Egress devices, keyed by ifindex (ifindexes are not small). A device is
 * here only while it can take redirected frames. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, FP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} devmap SEC(".maps");

/* The same as "ifaces" for small ifindexes, found without hashing. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FP_IFINDEX_DIRECT);
	__type(key, __u32);
	__type(value, struct fp_iface);
} ifaces_direct SEC(".maps");

/* The router's own IPv4 addresses: the kernel drops a forwarded packet
 * that claims one as its source (fib_validate_source). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct fp_local_addrs);
} local_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_limits);
} limits SEC(".maps");

#endif
