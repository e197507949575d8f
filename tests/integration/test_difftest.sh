#!/bin/bash
# Differential test against the kernel: a random routing table (prefixes of
# every length, gateways resolved and not, multipath, blackhole/unreachable/
# prohibit, hairpins, locked route MTUs, policy routing through iif and
# source rules) and random packets (UDP, TCP, ICMP,
# odd TTLs, sizes around the MTUs, DSCP/ECN, IPv4 options and fragments,
# IPv6 extension headers, multicast/broadcast/link-local/martian addresses,
# truncated, corrupted and padded frames). For every packet the fast path's
# verdict is compared with what the kernel's forwarding path does with the
# same frame on the same FIB (unlocked route MTUs and sources the kernel
# rejects included). Any frame the fast path forwards that the
# kernel would not, or forwards differently, fails the test; on a multipath
# route, a different leg is forwarding differently (the same hash of the
# same fields picks the same leg), with the L3 hash and the L4 one (ports).
#
#   s0 ── in0 ┐              ┌ eg1 ── e1   10.101.0.0/24 fd00:101::/64
#   10.1.0.2  │              ├ eg2 ── e2   10.102.0.0/24 fd00:102::/64
#   s1 ── in1 ┤   r (router) ├ eg3 ── e3   10.103.0.0/24 fd00:103::/64 (MTU 1280)
#   10.2.0.2  ┘ (in1: no     └ eg4 ── e4   10.104.0.0/24 fd00:104::/64
#               forwarding)
#
# Usage: test_difftest.sh [--seed N] [--packets N] [--routes N] [--rp-filter 0|1|2]
# (CI: seed 1, 3000 packets, 400 routes, rp_filter 0; then 1000 packets with
# strict and with loose rp_filter and the L4 multipath hash; then 1000 with
# odd devices: in0 without an IPv4 address, in1 with IPv6 disabled.)
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq
SEED=1 PACKETS=3000 ROUTES=400 RPF=
while [ $# -gt 0 ]; do
	case "$1" in
	--seed) SEED=$2 ;;
	--packets) PACKETS=$2 ;;
	--routes) ROUTES=$2 ;;
	--rp-filter) RPF=$2 ;;
	*) die "unknown argument $1" ;;
	esac
	shift 2
done

R=$PREFIX-r
EXTRA_NAMESPACES+=("$R" "$PREFIX-s0" "$PREFIX-s1")
for ns in "$R" "$PREFIX-s0" "$PREFIX-s1"; do ns_create "$ns"; done
veth_connect "$PREFIX-s0" eth0 "$R" in0
veth_connect "$PREFIX-s1" eth0 "$R" in1
# Big enough for any probe (the egress MTUs are what matters).
for l in "$PREFIX-s0 eth0" "$PREFIX-s1 eth0" "$R in0" "$R in1"; do
	set -- $l
	ip -n "$1" link set "$2" mtu 9000
done
ip -n "$PREFIX-s0" addr add 10.1.0.2/24 dev eth0
ip -n "$PREFIX-s0" addr add fd00:1::2/64 dev eth0 nodad
ip -n "$PREFIX-s1" addr add 10.2.0.2/24 dev eth0
ip -n "$PREFIX-s1" addr add fd00:2::2/64 dev eth0 nodad
ip -n "$R" addr add 10.1.0.1/24 dev in0
ip -n "$R" addr add fd00:1::1/64 dev in0 nodad
ip -n "$R" addr add 10.2.0.1/24 dev in1
ip -n "$R" addr add fd00:2::1/64 dev in1 nodad
in_ns "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.ipv4.conf.in1.forwarding=0 net.ipv6.conf.in1.forwarding=0 \
	net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
EGRESS=()
for i in 1 2 3 4; do
	e=$PREFIX-e$i net=$((100 + i))
	EXTRA_NAMESPACES+=("$e")
	ns_create "$e"
	veth_connect "$R" "eg$i" "$e" eth0
	if [ "$i" = 3 ]; then
		ip -n "$R" link set eg3 mtu 1280
		ip -n "$e" link set eth0 mtu 1280
	fi
	ip -n "$R" addr add "10.$net.0.1/24" dev "eg$i"
	ip -n "$R" addr add "fd00:$net::1/64" dev "eg$i" nodad
	mac=$(ip -n "$e" -j link show eth0 | jq -r '.[0].address')
	ip -n "$R" neigh add "10.$net.0.2" lladdr "$mac" dev "eg$i" nud permanent
	ip -n "$R" neigh add "fd00:$net::2" lladdr "$mac" dev "eg$i" nud permanent
	EGRESS+=("eg$i:$net:$e")
done
# The senders' addresses resolved, so ICMP answers leave at once.
in_ns "$PREFIX-s0" ping -c1 -W1 10.1.0.1 >/dev/null
in_ns "$PREFIX-s0" ping -6 -c1 -W1 fd00:1::1 >/dev/null

# compare SEED PACKETS RP_FILTER [HASH_POLICY]
compare() {
	local seed=$1 packets=$2 rpf=$3 hash=${4:-0} out summary rc
	in_ns "$R" sysctl -qw "net.ipv4.conf.all.rp_filter=$rpf" \
		"net.ipv4.fib_multipath_hash_policy=$hash" "net.ipv6.fib_multipath_hash_policy=$hash"
	out=$TEST_TMP/difftest-$seed-$rpf.out
	in_ns "$R" "$TOOLS/difftest" "$seed" "$packets" "$ROUTES" "$PREFIX-s0" "$PREFIX-s1" \
		"${EGRESS[@]}" >"$out"
	rc=$?
	grep -v "^{" "$out" | head -400 >"${DIFFTEST_LOG:-/dev/stdout}"
	summary=$(grep '^{' "$out" | tail -1)
	echo "  rp_filter $rpf, multipath hash policy $hash: $(jq -c . <<<"$summary")"
	[ "$(jq .packets <<<"$summary")" = "$packets" ] || {
		echo "  the comparison did not cover every packet"
		return 1
	}
	at_least "$(jq .fastpath_forwarded <<<"$summary")" $((packets / 8)) || return 1
	# Every frame ran twice, the FIB result cache on: each the fast path
	# forwarded was answered from the cache the second time, the same way.
	at_least "$(jq .cache_hits <<<"$summary")" "$(jq .fastpath_forwarded <<<"$summary")" || return 1
	# Routes of this seed are in place: the next run starts from scratch.
	ip -n "$R" route flush proto boot
	ip -n "$R" -6 route flush proto boot
	ip -n "$R" route flush table 100
	ip -n "$R" -6 route flush table 100
	return "$rc"
}

# Devices the kernel checks more closely: in0 without an IPv4 address
# (unnumbered, its subnet a device route; with rp_filter the kernel then
# wants the route back through in0), in1 with IPv6 disabled.
odd_devices() {
	ip -n "$R" addr del 10.1.0.1/24 dev in0
	ip -n "$R" route add 10.1.0.0/24 dev in0 proto static
	in_ns "$R" sysctl -qw net.ipv6.conf.in1.disable_ipv6=1
	compare "$@"
	rc=$?
	in_ns "$R" sysctl -qw net.ipv6.conf.in1.disable_ipv6=0
	ip -n "$R" route del 10.1.0.0/24 dev in0 proto static
	ip -n "$R" addr add 10.1.0.1/24 dev in0
	return "$rc"
}

if [ -n "$RPF" ]; then
	check "seed $SEED, $PACKETS packets: no frame the kernel would not forward, or forwards differently" \
		compare "$SEED" "$PACKETS" "$RPF"
else
	check "seed $SEED, $PACKETS packets: no frame the kernel would not forward, or forwards differently" \
		compare "$SEED" "$PACKETS" 0
	check "with strict rp_filter and the L4 multipath hash too" compare $((SEED + 100)) 1000 1 1
	check "with loose rp_filter and the L4 multipath hash too" compare $((SEED + 200)) 1000 2 1
	check "with in0 unnumbered and IPv6 off on in1 (loose rp_filter) too" \
		odd_devices $((SEED + 300)) 1000 2 1
fi
finish
