/* The contract between the benchmark's limit program (limit.bpf.c) and its
 * C++ owner. Plain C, fixed-width types; the includer provides
 * <linux/types.h>. Nothing here may be restated elsewhere. */
#ifndef BENCH_ABI_H
#define BENCH_ABI_H

/* Set through the skeleton's rodata before load. */
struct bn_limit_settings {
	__u8 dst_mac[6];       /* the next hop's address */
	__u8 src_mac[6];       /* the egress interface's address */
	__u32 egress_ifindex;  /* the DEVMAP key frames go out through */
};

/* Per-CPU counters (map "limit_stats", one entry). */
struct bn_limit_stats {
	__u64 redirected;  /* IP frames sent on to the egress */
	__u64 passed;      /* anything else, for the kernel (ARP) */
	__u64 dropped;     /* the egress was not in the DEVMAP */
};

#endif
