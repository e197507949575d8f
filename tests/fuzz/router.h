/* The fuzz target's view of the router it runs against (router.cpp,
 * seeds.cpp). Plain C on purpose: the target is compiled by clang 14 for
 * libFuzzer, and clang 14 cannot read the project's C++23 headers
 * (libstdc++ 12's std::expected), so the fast path's C++ side stays behind
 * this boundary, compiled by g++. */
#ifndef FUZZ_ROUTER_H
#define FUZZ_ROUTER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "fastpath/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FZ_MAX_IFACES 8
#define FZ_MAX_NEIGHS 16

struct fz_iface {
	char name[16];
	__u32 ifindex;
	__u8 mac[6];
	__u32 mtu;
	bool configured; /* in the fast path's interfaces map */
	bool forwarding; /* the kernel forwards what arrives on it */
	bool egress;     /* in the DEVMAP */
	bool xmit_sg;    /* configured as taking multi-buffer frames */
};

/* A resolved next hop: a forwarded frame goes to mac out of ifindex. */
struct fz_neigh {
	__u32 ifindex;
	__u8 mac[6];
};

struct fz_router {
	struct fz_iface ifaces[FZ_MAX_IFACES];
	unsigned n_ifaces;
	struct fz_neigh neighs[FZ_MAX_NEIGHS];
	unsigned n_neighs;
	/* Bytes of a test-run frame in its first buffer, the rest goes to
	 * fragments (the kernel's figure for this page size, an estimate). */
	__u32 first_buffer;
	/* The largest frame the kernel takes in a test run of this program. */
	__u32 max_frame;
};

/* One run of the fast path, with its ingress slot's counters around it
 * (summed over CPUs). */
struct fz_run {
	__u32 action;
	__u32 out_len;
	struct fp_stats before;
	struct fp_stats after;
};

/* Enters private network and mount namespaces and builds the router there,
 * with the fast path loaded and configured (never attached: only test runs
 * move its counters). Returns 0; 1 if the namespaces cannot be made here
 * (the test cannot run); -1 if building the router failed. why says why. */
int fz_router_setup(struct fz_router *router, char *why, size_t why_len);

/* For a fuzzer that cannot run here: 77 (a skip), or 1 under CI=true. */
int fz_cannot_run(const char *why);

/* Runs the fast path on frame as if it arrived on ingress_ifindex; out
 * takes the frame the program leaves (at most out_cap bytes). Returns 0 or
 * a negative errno (with a message on stderr). */
int fz_router_run(__u32 ingress_ifindex, const __u8 *frame, __u32 len, __u8 *out,
		  __u32 out_cap, struct fz_run *run);

/* Writes the seed frames (seeds.cpp) into dir as seed-NAME files. Returns
 * how many, or a negative errno. */
int fz_write_seeds(const struct fz_router *router, const char *dir);

#ifdef __cplusplus
}
#endif

#endif /* FUZZ_ROUTER_H */
