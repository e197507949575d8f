/* The contract between the XDP probe's BPF programs and its C++ side: what
 * is set before load and what the programs count. Plain C, fixed-width
 * types; the includer provides <linux/types.h>. Nothing here may be
 * restated elsewhere. */
#ifndef FASTPATH_PROBE_ABI_H
#define FASTPATH_PROBE_ABI_H

/* The probe frame's ethertype: IEEE 802 "local experimental", which no
 * protocol stack takes, so a probe frame that escapes is dropped. */
#define PROBE_ETHERTYPE 0x88B5

/* Read-only settings ("settings" in .rodata), set before load. */
struct probe_settings {
	__u64 netns_cookie;   /* the namespace the target lives in */
	__u32 target_ifindex; /* where xdp_probe_redir sends every frame */
	__u32 _pad;
};

/* What became of the probe frames (map "probe_results", one entry, shared
 * by all CPUs: counts are tiny, updates atomic). */
struct probe_results {
	__u64 arrived;       /* probe frames xdp_probe_count saw */
	__u64 xmit_sent;     /* frames the target's ndo_xdp_xmit took
			      * (xdp_devmap_xmit) */
	__u64 xmit_drops;    /* frames it dropped or refused */
	__u64 redirect_errs; /* redirects that failed before the device
			      * (xdp_redirect_err) */
	__s32 xmit_err;      /* the last transmit error, negative errno */
	__s32 redirect_err;  /* the last redirect error, negative errno */
};

#endif
