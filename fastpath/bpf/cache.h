/* The FIB result cache: a successful lookup (and the rp_filter check that
 * followed it) kept per CPU under the generations it was filled under, and
 * used only while all of them are current. The generations are read
 * before the lookup they guard, and every writer bumps its own after its
 * change is in place, so an entry can be filled with an answer older than
 * its generations, never newer. */
#ifndef FASTPATH_BPF_CACHE_H
#define FASTPATH_BPF_CACHE_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/neighbour.h>
#include <bpf/bpf_helpers.h>
#include "bpflib/kernel.h"
#include "bpflib/xmit.h"
#include "fastpath/abi.h"

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* The states bpf_fib_lookup forwards to (the kernel's NUD_VALID). */
#define FP_NUD_VALID \
	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)

/* Sized by the loader before load (routerd.conf fib_cache_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, struct fp_cache_key4);
	__type(value, struct fp_cache_val);
} fib_cache4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, struct fp_cache_key6);
	__type(value, struct fp_cache_val);
} fib_cache6 SEC(".maps");

/* Per CPU: whether the cache is earning its keep (fp_cache_gate). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_cache_gate);
} cache_gate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FP_CACHE_GENS);
	__type(key, __u32);
	__type(value, __u64);
} cache_gen SEC(".maps");

/* One lookup's place in the cache: its key, and the generations now (the
 * entry it fills). */
struct fp_cache_ref {
	union {
		struct fp_cache_key4 k4;
		struct fp_cache_key6 k6;
	};
	struct fp_cache_val now;
	bool found; /* the key is in the map (stale, or another CPU's) */
};

static __always_inline __u64 fp_gen(__u32 which)
{
	const __u64 *g = bpf_map_lookup_elem(&cache_gen, &which);

	return g ? *(volatile const __u64 *)g : 0;
}

static __always_inline void cache_generations(struct xdp_md *ctx, bool ipv6,
					      struct fp_cache_val *v)
{
	struct xdp_buff *x = bpf_cast_to_kern_ctx(ctx);
	struct net *net = x->rxq->dev->nd_net.net;

	if (ipv6)
		v->fib_gen = (__u64)(__u32)net->ipv6.fib6_sernum.counter << 32 |
			     (__u32)net->ipv6.dev_addr_genid.counter;
	else
		v->fib_gen = (__u64)net->ipv4.fib_seq << 32 | (__u32)net->ipv4.rt_genid.counter;
	v->neigh_gen = fp_gen(FP_CACHE_GEN_NEIGH);
	v->loader_gen = fp_gen(FP_CACHE_GEN_LOADER);
}

/* Whether this lookup goes through the cache: not while the CPU rests it
 * (counted as skipped). */
static __always_inline struct fp_cache_gate *cache_admit(struct fp_stats *st, bool ungated)
{
	__u32 zero = 0;
	struct fp_cache_gate *g = bpf_map_lookup_elem(&cache_gate, &zero);

	if (!g)
		return NULL;
	if (ungated)
		g->rest = 0;
	if (g->rest) {
		g->rest--;
		st->cache_skipped++;
		return NULL;
	}
	return g;
}

/* What each cache holds, set by the loader as it sizes them. */
const volatile __u32 fib_cache_capacity[2] = { 1, 1 };

/* One answer the cache could give, hit or filled: at a window's end, a
 * hit ratio under one half rests the cache, once this CPU has filled as
 * many keys as it holds (before, a cold cache over many flows would look
 * like one thrashing, and warm at a window's fills per rest). */
static __always_inline void cache_account(struct fp_cache_gate *g, bool hit, bool ipv6)
{
	g->hits += hit;
	if (++g->lookups < FP_CACHE_WINDOW)
		return;
	if (g->hits * 2 < g->lookups && g->fills[ipv6] >= fib_cache_capacity[ipv6])
		g->rest = FP_CACHE_REST;
	g->lookups = 0;
	g->hits = 0;
}

/* The lookup's input as the key, before the lookup overwrites it. */
static __always_inline void cache_key(struct fp_cache_ref *c, const struct bpf_fib_lookup *fib,
				      bool ipv6)
{
	if (ipv6) {
		c->k6 = (struct fp_cache_key6){
			.ifindex = fib->ifindex,
			.flowinfo = fib->flowinfo,
			.sport = fib->sport,
			.dport = fib->dport,
			.l4_protocol = fib->l4_protocol,
		};
		__builtin_memcpy(c->k6.src, fib->ipv6_src, sizeof(c->k6.src));
		__builtin_memcpy(c->k6.dst, fib->ipv6_dst, sizeof(c->k6.dst));
	} else {
		c->k4 = (struct fp_cache_key4){
			.ifindex = fib->ifindex,
			.src = fib->ipv4_src,
			.dst = fib->ipv4_dst,
			.sport = fib->sport,
			.dport = fib->dport,
			.tos = fib->tos,
			.l4_protocol = fib->l4_protocol,
		};
	}
}

/* The entry for c's key if it still answers a packet of ip_len bytes,
 * counted; NULL: look up. An IPv6 device's MTU changes in no generation
 * (IPv4's moves rt_genid): a hit is checked against the egress's MTU now. */
static __always_inline const struct fp_cache_val *cache_find(struct xdp_md *ctx,
							     struct fp_stats *st,
							     struct fp_cache_gate *g,
							     struct fp_cache_ref *c, bool ipv6,
							     __u32 ip_len)
{
	__u32 mtu_len = ip_len;

	const struct fp_cache_val *v =
		ipv6 ? bpf_map_lookup_elem(&fib_cache6, &c->k6) : bpf_map_lookup_elem(&fib_cache4, &c->k4);

	c->found = v != NULL;
	if (!v || !v->ifindex) {
		st->cache_misses++;
		return NULL;
	}
	if (v->fib_gen != c->now.fib_gen || v->neigh_gen != c->now.neigh_gen ||
	    v->loader_gen != c->now.loader_gen) {
		st->cache_misses++;
		st->cache_stale++;
		return NULL;
	}
	if (ip_len > v->ok_len ||
	    (ipv6 && bpf_check_mtu(ctx, v->ifindex, &mtu_len, 0, 0) != BPF_MTU_CHK_RET_SUCCESS)) {
		st->cache_misses++;
		return NULL;
	}
	st->cache_hits++;
	cache_account(g, true, ipv6);
	return v;
}

/* A hit, as the lookup would have left it. */
static __always_inline void cache_answer(struct bpf_fib_lookup *fib, const struct fp_cache_val *v)
{
	fib->ifindex = v->ifindex;
	__builtin_memcpy(fib->dmac, v->dmac, sizeof(fib->dmac));
	__builtin_memcpy(fib->smac, v->smac, sizeof(fib->smac));
}

/* A successful lookup (and source check) for c's key, under the
 * generations read before it. A miss counts against the cache only here,
 * where it could have answered: what goes to the kernel is never cached. */
static __always_inline void cache_fill(struct fp_stats *st, struct fp_cache_gate *g,
				       struct fp_cache_ref *c, const struct bpf_fib_lookup *fib,
				       __u32 ip_len, bool ipv6)
{
	c->now.ifindex = fib->ifindex;
	c->now.ok_len = ip_len;
	__builtin_memcpy(c->now.dmac, fib->dmac, sizeof(c->now.dmac));
	__builtin_memcpy(c->now.smac, fib->smac, sizeof(c->now.smac));
	if (ipv6)
		bpf_map_update_elem(&fib_cache6, &c->k6, &c->now, BPF_ANY);
	else
		bpf_map_update_elem(&fib_cache4, &c->k4, &c->now, BPF_ANY);
	if (!c->found) {
		st->cache_fills++;
		g->fills[ipv6]++;
	}
	cache_account(g, false, ipv6);
}

/* A neighbour of this namespace changed: every entry filled before is
 * stale (netns_cookie 0: any namespace's). */
static __always_inline void neigh_changed(const struct neighbour *n, __u64 netns_cookie)
{
	__u32 key = FP_CACHE_GEN_NEIGH;
	__u64 *g;

	if (netns_cookie && !dev_in_netns(n->dev, netns_cookie))
		return;
	g = bpf_map_lookup_elem(&cache_gen, &key);
	if (g)
		__sync_fetch_and_add(g, 1);
}

#endif
