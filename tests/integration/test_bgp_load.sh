#!/bin/bash
# The control plane stays alive under load: while xdp-pktgen pushes transit
# traffic through r1 at its maximum rate (two threads, so both CPUs work),
# the BGP sessions between r1 and r2 (hold time 9 s) stay Established and
# no route flaps. Reports the transit rate and CPU use.
#
#   h1 ───────── r1 ═══════════ r2 ───────── h2
#   xdp-pktgen (max rate)                  xdp-pktgen sink
#
# LOAD_SECONDS (default 60) sets the duration.
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq vtysh
PKTGEN=$BUILD_DIR/tools/pktgen/xdp-pktgen
SECONDS_OF_LOAD=${LOAD_SECONDS:-60}
setup_bgp

in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null
# The sink drops everything at h2, ARP too: pin the neighbour r2 needs.
H2_MAC=$(ip -n "$H2" -j link show eth0 | jq -r '.[0].address')
ip -n "$R2" neigh replace 10.0.2.2 lladdr "$H2_MAC" dev eth-h2 nud permanent
R1_MAC=$(ip -n "$R1" -j link show eth-h1 | jq -r '.[0].address')
H1_MAC=$(ip -n "$H1" -j link show eth0 | jq -r '.[0].address')

# BGP's view of its sessions: established and dropped counts per peer.
session_counts() {
	frr_vtysh "$1" -c 'show bgp neighbors json' |
		jq -c '[to_entries[] | {peer: .key, up: .value.connectionsEstablished, down: .value.connectionsDropped, state: .value.bgpState}] | sort_by(.peer)'
}
cpu_busy_idle() { awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }

before1=$(session_counts "$R1")
before2=$(session_counts "$R2")
read -r busy0 idle0 <<<"$(cpu_busy_idle)"
in_ns "$H2" "$PKTGEN" -j sink dev eth0 duration $((SECONDS_OF_LOAD + 5)) >"$TEST_TMP/sink.json" 2>/dev/null &
sink=$!
wait_until 5 bash -c "ip -n $H2 -d link show eth0 | grep -q prog/xdp" || die "no sink on h2"
in_ns "$H1" "$PKTGEN" -j send dev eth0 src 10.0.1.2 dst 10.0.2.2 dst-mac "$R1_MAC" \
	src-mac "$H1_MAC" flows 64 threads 2 duration "$SECONDS_OF_LOAD" >"$TEST_TMP/send.json" 2>/dev/null &
sender=$!

# Once a second: the routes are there and the sessions Established.
flaps=0 down=0
start=$(date +%s)
while kill -0 "$sender" 2>/dev/null; do
	routes_learned "$PREFIX" || flaps=$((flaps + 1))
	bgp_established "$R1" && bgp_established "$R2" || down=$((down + 1))
	sleep 1
done
wait "$sender"
read -r busy1 idle1 <<<"$(cpu_busy_idle)"
kill -INT "$sink" 2>/dev/null
wait "$sink"
elapsed=$(($(date +%s) - start))

sent=$(jq '.sent // .frames // 0' "$TEST_TMP/send.json")
got=$(jq '.packets' "$TEST_TMP/sink.json")
fwd=$(rctl_in "$R1" -j stats dev eth-h1 | jq '.interfaces[0].forwarded.packets')
busy=$(((busy1 - busy0) * 100 / (busy1 - busy0 + idle1 - idle0)))
echo "load: ${elapsed} s, generator sent $sent, r1's fast path forwarded $fwd, h2 received $got" \
	"($((got / SECONDS_OF_LOAD)) pps delivered), CPU busy ${busy}% (both CPUs)"
echo "sessions before: r1 $before1"
echo "sessions after:  r1 $(session_counts "$R1")"

check "the load ran" at_least "$got" $((SECONDS_OF_LOAD * 10000))
check "no BGP session went down on r1 (connections established/dropped unchanged)" \
	test "$(session_counts "$R1")" = "$before1"
check "no BGP session went down on r2" test "$(session_counts "$R2")" = "$before2"
check "sessions were Established at every check" test "$down" = 0
check "no route flapped" test "$flaps" = 0
finish
