// SPDX-License-Identifier: GPL-2.0
/* Test program: tags every IPv4 frame a device sends with VLAN `vid`, at TC
 * egress, as a VLAN device does on a lower with VLAN transmit offload: the
 * tag goes out of band (skb->vlan_tci), and the lower puts it into the
 * frame only if it cannot carry it out of band itself. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u16 vid = 100;

SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IP) && !skb->vlan_present)
		bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), vid);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
