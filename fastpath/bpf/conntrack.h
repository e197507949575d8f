/* The conntrack gate: under a stateful ruleset (every forward-path chain
 * accepts established flows first, or is NAT, which conntrack applies
 * itself), a packet of a flow conntrack holds as confirmed, assured and
 * established is forwarded here, translated from the entry's tuples, its
 * timeout refreshed as the kernel would. Everything else goes up so
 * netfilter decides it. The fields come from the running kernel's BTF
 * (CO-RE; the ___fp types are local views of the kernel's). */
#ifndef FASTPATH_BPF_CONNTRACK_H
#define FASTPATH_BPF_CONNTRACK_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <bpf/bpf_helpers.h>
#include "fastpath/abi.h"

union nf_inet_addr___fp {
	__u32 all[4];
} __attribute__((preserve_access_index));

union nf_conntrack_man_proto___fp {
	__be16 all;
} __attribute__((preserve_access_index));

struct nf_conntrack_man___fp {
	union nf_inet_addr___fp u3;
	union nf_conntrack_man_proto___fp u;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple___fp {
	struct nf_conntrack_man___fp src;
	struct {
		union nf_inet_addr___fp u3;
		union {
			__be16 all;
		} u;
	} dst;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple_hash___fp {
	struct nf_conntrack_tuple___fp tuple;
} __attribute__((preserve_access_index));

struct ip_ct_tcp___fp {
	__u8 state;
} __attribute__((preserve_access_index));

union nf_conntrack_proto___fp {
	struct ip_ct_tcp___fp tcp;
} __attribute__((preserve_access_index));

struct nf_conn___fp {
	struct nf_conntrack_tuple_hash___fp tuplehash[2];
	unsigned long status;
	union nf_conntrack_proto___fp proto;
} __attribute__((preserve_access_index));

/* The kernel's struct bpf_ct_opts (not UAPI). */
struct bpf_ct_opts___fp {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u16 ct_zone_id;
	__u8 ct_zone_dir;
	__u8 reserved[3];
};

struct nf_conn___fp *bpf_xdp_ct_lookup(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
				       __u32 tuple__sz, struct bpf_ct_opts___fp *opts,
				       __u32 opts__sz) __ksym;
void bpf_ct_release(struct nf_conn___fp *ct) __ksym;
int bpf_ct_change_timeout(struct nf_conn___fp *ct, __u32 timeout) __ksym;

/* How the packet leaves: its addresses and ports after conntrack's NAT
 * (network order; IPv4 in the first word). */
struct fp_ct_nat {
	__u32 saddr[4], daddr[4];
	__be16 sport, dport;
	__u8 proto; /* the packet's, read once: a load after a rewrite is a new value to the verifier */
	bool translated;
};

/* An entry netfilter has let through both ways and conntrack will keep:
 * confirmed, assured, not dying; no helper or sequence adjustment, which
 * need every packet; TCP in ESTABLISHED. */
static __always_inline bool ct_established(const struct nf_conn___fp *ct, unsigned long status,
					   __u8 proto)
{
	const unsigned long want = IPS_CONFIRMED | IPS_ASSURED;
	const unsigned long never = IPS_DYING | IPS_HELPER | IPS_SEQ_ADJUST | IPS_TEMPLATE;

	if ((status & (want | never)) != want)
		return false;
	return proto != IPPROTO_TCP || ct->proto.tcp.state == TCP_CONNTRACK_ESTABLISHED;
}

/* The packet leaves as the other direction's tuple, reversed. */
static __always_inline void ct_translation(const struct nf_conntrack_tuple___fp *other,
					   struct fp_ct_nat *nat)
{
	__builtin_memcpy(nat->saddr, other->dst.u3.all, sizeof(nat->saddr));
	__builtin_memcpy(nat->daddr, other->src.u3.all, sizeof(nat->daddr));
	nat->sport = other->dst.u.all;
	nat->dport = other->src.u.all;
	nat->translated = true;
}

/* FP_PASS__MAX: forward, as nat says when nat->translated. */
static __always_inline enum fp_pass_reason ct_gate(struct xdp_md *ctx,
						   struct bpf_sock_tuple *tuple, __u32 tuple_sz,
						   __u8 proto, const struct fp_limits *lim,
						   struct fp_ct_nat *nat)
{
	struct bpf_ct_opts___fp opts = {.netns_id = -1 /* BPF_F_CURRENT_NETNS */,
					.l4proto = proto};
	enum fp_pass_reason why = FP_PASS__MAX;
	struct nf_conn___fp *ct;
	unsigned long status;

	ct = bpf_xdp_ct_lookup(ctx, tuple, tuple_sz, &opts, sizeof(opts));
	nat->proto = proto;
	if (!ct)
		return FP_PASS_CT_NEW;
	status = ct->status;
	if (!ct_established(ct, status, proto)) {
		why = FP_PASS_CT_NEW;
	} else {
		if (status & (IPS_SRC_NAT | IPS_DST_NAT)) {
			if (opts.dir == 0 /* IP_CT_DIR_ORIGINAL */)
				ct_translation(&ct->tuplehash[1].tuple, nat);
			else
				ct_translation(&ct->tuplehash[0].tuple, nat);
		}
		/* As nf_ct_refresh_acct for an assured UDP stream or an
		 * established TCP connection. */
		if (!(status & IPS_FIXED_TIMEOUT))
			bpf_ct_change_timeout(ct, proto == IPPROTO_TCP ? lim->ct_tcp_timeout_ms
								       : lim->ct_udp_timeout_ms);
	}
	bpf_ct_release(ct);
	return why;
}

#endif
