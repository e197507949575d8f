#!/bin/bash
# VLAN tags delivered out of band. A VLAN device on a lower with VLAN
# transmit offload (veth has it) hands the tag to the lower in
# skb->vlan_tci; over veth it stays there, and XDP on the far end sees the
# frame untagged. The kernel takes such a frame to the VLAN device, or,
# with none (this kernel has no 8021q), drops it; the fast path must not
# route it as untagged. routerd turns VLAN transmit offload off on the veth
# peer, which puts the tag in the frame, and the fast path hands tagged
# frames to the kernel.
#
#   h1 ──────── r ──────── h2     h1's eth0 tags its IPv4 with VLAN 100 at
#                                 TC egress (bpf_skb_vlan_push: out of band)
#
# Not testable here: a physical NIC's VLAN receive offload, which needs the
# bpf_xdp_metadata_rx_vlan_tag kfunc in a program bound to that device.
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping ethtool nstat
N=20
setup_topology
in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null || die "h1 cannot reach h2"
ON_EXIT+=("in_ns $H1 $TOOLS/vlan-push eth0 off")

h2_received() { in_ns "$H2" nstat -az IpInReceives | awk '$1 == "IpInReceives" {print $2}'; }
pings() { in_ns "$H1" ping -q -c "$N" -i 0.01 -W 1 10.0.2.2 >/dev/null; }
feature() { in_ns "$H1" ethtool -k eth0 | awk -v f="$1:" '$1 == f {print $2}'; }

# The kernel alone: the tagged frames reach r and go no further.
in_ns "$H1" "$TOOLS/vlan-push" eth0 100 || die "cannot attach the tagging program"
check "h1 tags out of band (its eth0 has VLAN transmit offload on)" \
	test "$(feature tx-vlan-offload)" = on
rx0=$(h2_received)
pings
check "the kernel alone: no tagged frame reaches h2 (no VLAN device in r)" \
	test "$(h2_received)" = "$rx0"

write_config "$TEST_TMP/routerd.conf" "eth-h*"
start_routerd
ready() { [ "$(egress_of eth-h1)" = true ] && [ "$(egress_of eth-h2)" = true ]; }
wait_until 5 ready || die "routerd did not set up r"
check "routerd turned VLAN transmit offload off on the peer, 802.1Q and 802.1ad" \
	eval '[ "$(feature tx-vlan-offload)" = off ] && [ "$(feature tx-vlan-stag-hw-insert)" = off ]'

fwd0=$(forwarded eth-h1) notip0=$(passed eth-h1 not_ip) rx0=$(h2_received)
pings
check "with the fast path: none of the tagged frames is forwarded" \
	test "$(forwarded eth-h1)" = "$fwd0"
check "... all $N went to the kernel, as tagged (not_ip)" \
	at_least $(($(passed eth-h1 not_ip) - notip0)) "$N"
check "... and, as without the fast path, none reached h2" test "$(h2_received)" = "$rx0"

in_ns "$H1" "$TOOLS/vlan-push" eth0 off
fwd0=$(forwarded eth-h1) rx0=$(h2_received)
pings
check "untagged again, h1 -> h2 through the fast path" \
	at_least $(($(forwarded eth-h1) - fwd0)) "$N"
check "... and h2 got them" at_least $(($(h2_received) - rx0)) "$N"
finish
