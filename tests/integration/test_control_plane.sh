#!/bin/bash
# One control plane: `routerctl link set` without routerd runs routerd's
# plan and executor for one interface, so both ways reach the same state:
# the same interfaces-map entries (MAC, flags), limits and DEVMAP, the same
# egress decisions, and the hosts' veth peers set up the same way.
#
#   h1 eth0 ──── eth-h1 r eth-h2 ──── eth0 h2
#   1. routerctl link set (no routerd) on eth-h1 and eth-h2: state A
#   2. both off, the peers' offloads undone
#   3. routerd managing eth-h*: state B, compared with A
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq bpftool ethtool
setup_topology

direct() { in_ns "$R" "$ROUTERCTL" "$@"; }

# The fast path's state in r, counter slots aside (they are handed out in
# whatever order interfaces came), and the peers' offloads. The FIB cache's
# IPv6 half is the one difference, and meant: it needs routerd to hear of
# deleted IPv6 routes (its lease is routerd's), so without routerd it is
# off; the IPv4 half is the kernel's to keep valid and on both ways.
state() {
	local dir m
	dir=$(direct -j fastpath show | jq -r .pin_dir)
	for m in ifaces limits devmap; do
		printf '%s: ' "$m"
		bpftool -j map dump pinned "$dir/$m" |
			jq -c '[.[] | .formatted // . | del(.value.slot?, .value.local_slot?,
				.value.ipv6_cache_until_ns?) | if .value.fib_cache? then .value.fib_cache %= 2 else . end]
				| sort_by(.key)'
	done
	direct -j stats | jq -c '[.interfaces[] | {ifname, fastpath, egress}] | sort_by(.ifname)'
	for ns in "$H1" "$H2"; do
		in_ns "$ns" ethtool -k eth0 | grep -E '^(generic-receive-offload|tx-checksumming):'
	done
}

both_egress() {
	[ "$(direct -j stats | jq '[.interfaces[] | select(.egress)] | length')" = 2 ]
}

# The egress decision is the core's: a link that is down is no egress.
blocker_down() {
	ip -n "$R" link set eth-h2 down
	local b
	b=$(direct -j link set dev eth-h2 fastpath auto | jq -r .egress_blocker)
	ip -n "$R" link set eth-h2 up
	[ "$b" = "interface is down" ] || { echo "egress_blocker: $b"; return 1; }
}
check "a link that is down gets no egress without routerd either" blocker_down

check "link set without routerd attaches eth-h1" direct link set dev eth-h1 fastpath auto
check "... and eth-h2" direct link set dev eth-h2 fastpath auto
check "both are egresses" both_egress
direct_state=$(state)
# Its own counters, not the ping: the kernel would forward a ping too.
# Neighbours resolved first, so every ping is the fast path's to take.
in_ns "$H1" ping -q -c 1 -W 2 10.0.2.2 >/dev/null
fwd0=$(forwarded eth-h1)
check "the direct set-up's pings cross" in_ns "$H1" ping -q -c 3 -i 0.2 -W 1 10.0.2.2
check "... through the fast path" at_least "$(forwarded eth-h1)" $((fwd0 + 3))

check "off without routerd detaches eth-h1" direct link set dev eth-h1 fastpath off
check "... and eth-h2" direct link set dev eth-h2 fastpath off
check "nothing is left attached" \
	test "$(direct -j stats | jq '[.interfaces[] | select(.fastpath != "off")] | length')" = 0
# The peers as they were before anyone prepared them.
for ns in "$H1" "$H2"; do in_ns "$ns" ethtool -K eth0 gro off tx on >/dev/null 2>&1; done

write_config "$TEST_TMP/routerd.conf" "eth-h*"
start_routerd
check "routerd makes both egresses" wait_until 10 both_egress
routerd_state=$(state)
same_state() {
	[ "$direct_state" = "$routerd_state" ] && return 0
	diff <(echo "$direct_state") <(echo "$routerd_state")
	return 1
}
check "routerctl without routerd and routerd reach the same state" same_state
check "the state compared is the fast path's" grep -q '"egress":true' <<<"$direct_state"
finish
