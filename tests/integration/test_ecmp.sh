#!/bin/bash
# ECMP per flow: with two equal-cost BGP paths and the L4 multipath hash,
# 64 UDP flows that differ only in their source port spread over both links
# by the fast path, and every packet of one flow takes the same link. The
# fast path passes the ports to the FIB lookup; without them all flows of
# an address pair would take one link.
#
#   h1 ───────── r1 ══ eth-r2a ══ r2 ───────── h2
#   xdp-pktgen      ══ eth-r2b ══      xdp-pktgen sink
#   (maximum-paths 2; fib_multipath_hash_policy=1 for IPv4 and IPv6)
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq vtysh
PKTGEN=$BUILD_DIR/tools/pktgen/xdp-pktgen
setup_bgp ecmp
multipath() { [ "$(ip -n "$R1" route show 10.0.2.0/24 | grep -c nexthop)" = 2 ] &&
	[ "$(ip -n "$R1" -6 route show fd00:2::/64 | grep -c nexthop)" = 2 ]; }
check "r1 holds multipath routes to h2 (IPv4 and IPv6)" wait_until 10 multipath

in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null
in_ns "$H1" ping -6 -c1 -W2 fd00:2::2 >/dev/null
# Resolve both next hops of each family (IPv6 ones are r2's link-locals).
link_local() { ip -n "$R2" -j -6 addr show dev "$1" scope link | jq -r '[.[0].addr_info[] | select(.local) | .local][0]'; }
in_ns "$R1" ping -c1 -W1 10.0.12.2 >/dev/null
in_ns "$R1" ping -c1 -W1 10.0.13.2 >/dev/null
in_ns "$R1" ping -6 -c1 -W1 "$(link_local eth-r1a)%eth-r2a" >/dev/null
in_ns "$R1" ping -6 -c1 -W1 "$(link_local eth-r1b)%eth-r2b" >/dev/null
R1_MAC=$(ip -n "$R1" -j link show eth-h1 | jq -r '.[0].address')
H1_MAC=$(ip -n "$H1" -j link show eth0 | jq -r '.[0].address')
sent() { rctl_in "$R1" -j stats dev "$1" | jq '.interfaces[0].transmit.packets'; }

# The sink on h2 counts what arrives (and spares h2's stack).
in_ns "$H2" "$PKTGEN" -q sink dev eth0 duration 600 >/dev/null 2>&1 &
wait_until 5 bash -c "ip -n $H2 -d link show eth0 | grep -q prog/xdp" || die "no sink on h2"

K=50 FLOWS=64
links_sent_at_least() { [ $(($(sent eth-r2a) + $(sent eth-r2b))) -ge "$1" ]; }
# spread SRC DST: flow by flow, K packets each; exactly one link carries
# each flow; both links carry at least 25% overall.
spread() {
	local src=$1 dst=$2 i a b da db on_a=0 on_b=0
	for i in $(seq 0 $((FLOWS - 1))); do
		a=$(sent eth-r2a)
		b=$(sent eth-r2b)
		in_ns "$H1" "$PKTGEN" -q send dev eth0 src "$src" dst "$dst" dst-mac "$R1_MAC" \
			src-mac "$H1_MAC" sport $((20000 + i)) count "$K" >/dev/null || return 1
		wait_until 2 links_sent_at_least $((a + b + K))
		da=$(($(sent eth-r2a) - a))
		db=$(($(sent eth-r2b) - b))
		if [ "$da" = "$K" ] && [ "$db" = 0 ]; then
			on_a=$((on_a + 1))
		elif [ "$db" = "$K" ] && [ "$da" = 0 ]; then
			on_b=$((on_b + 1))
		else
			echo "  flow sport $((20000 + i)) split: $da on eth-r2a, $db on eth-r2b"
			return 1
		fi
	done
	echo "  $FLOWS flows: $on_a on eth-r2a, $on_b on eth-r2b (each flow on one link)"
	[ $((on_a * 4)) -ge "$FLOWS" ] && [ $((on_b * 4)) -ge "$FLOWS" ]
}
check "IPv4: 64 flows spread over both links, each on one" spread 10.0.1.2 10.0.2.2
check "IPv6: 64 flows spread over both links, each on one" spread fd00:1::2 fd00:2::2

# All flows at once: the same split, and everything arrives.
all_at_once() {
	local a b got0
	a=$(sent eth-r2a)
	b=$(sent eth-r2b)
	in_ns "$H1" "$PKTGEN" -q send dev eth0 src 10.0.1.2 dst 10.0.2.2 dst-mac "$R1_MAC" \
		src-mac "$H1_MAC" sport 20000 flows "$FLOWS" count $((FLOWS * 100)) rate 20000 >/dev/null || return 1
	wait_until 2 links_sent_at_least $((a + b + FLOWS * 100))
	local da=$(($(sent eth-r2a) - a)) db=$(($(sent eth-r2b) - b))
	echo "  $((FLOWS * 100)) packets: $da on eth-r2a, $db on eth-r2b"
	[ $((da + db)) = $((FLOWS * 100)) ] && [ $((da * 4)) -ge $((FLOWS * 100)) ] &&
		[ $((db * 4)) -ge $((FLOWS * 100)) ]
}
check "IPv4: 64 flows at once split over both links" all_at_once
finish
