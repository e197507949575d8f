#!/bin/bash
# A next hop that changes its MAC without telling anyone (no gratuitous ARP
# or unsolicited NA, Linux's default) is found again, as the kernel's own
# forwarding would find it: routerd nudges STALE neighbours on egress
# devices (NTF_USE), so the kernel re-probes the entries only the fast path
# uses. Without it such an entry stays STALE and the fast path keeps
# sending to the old MAC.
#
#   h1 ──────── r ──────── h2        routerd in r; h2 changes its MAC
#   10.0.1.2         10.0.2.2
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
# Short neighbour timers, so a test minute covers the kernel's cycle.
for fam in ipv4 ipv6; do
	in_ns "$R" sysctl -qw "net.$fam.neigh.eth-h2.base_reachable_time_ms=1000" \
		"net.$fam.neigh.eth-h2.delay_first_probe_time=1"
done
start_routerd
ready() { [ "$(egress_of eth-h1)" = true ] && [ "$(egress_of eth-h2)" = true ]; }
wait_until 5 ready || die "routerd did not set up r"

reaches() { in_ns "$H1" ping -c1 -W1 "$1" >/dev/null 2>&1; }
mac_on_r() { ip -n "$R" -j neigh show "$1" dev eth-h2 | jq -r '.[0].lladdr'; }
check "IPv4 h1 -> h2 works" reaches 10.0.2.2
check "IPv6 h1 -> h2 works" reaches fd00:2::2

ip -n "$H2" link set eth0 address 02:00:00:aa:bb:cc
t0=$(date +%s)
check "IPv4 h2 is reached again at its new MAC" wait_until 30 reaches 10.0.2.2
check "IPv6 h2 is reached again at its new MAC" wait_until 30 reaches fd00:2::2
echo "  recovered in $(($(date +%s) - t0)) s"
check "r's neighbour entries carry the new MAC" \
	test "$(mac_on_r 10.0.2.2)/$(mac_on_r fd00:2::2)" = "02:00:00:aa:bb:cc/02:00:00:aa:bb:cc"
fwd0=$(rctl -j stats dev eth-h1 | jq '.interfaces[0].forwarded.packets')
in_ns "$H1" ping -q -c 5 -i 0.05 -W 1 10.0.2.2 >/dev/null
check "... and the fast path forwards to it" \
	at_least $(($(rctl -j stats dev eth-h1 | jq '.interfaces[0].forwarded.packets') - fwd0)) 5
check "routerd counts its nudges" at_least "$(rctl -j daemon status | jq .neighbours_nudged)" 1
finish
