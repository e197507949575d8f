#!/bin/bash
# Traffic control the fast path would bypass stays the kernel's. An XDP
# redirect transmits past the egress qdisc, so an interface with a shaping
# qdisc (tbf here) is no egress while it has one; XDP runs before tc's
# ingress hook, so an interface with tc filters (a clsact or ingress qdisc)
# is not attached while it has them. Both follow qdisc events.
#
#   h1 ──────── r ──────── h2          routerd in r manages eth-h*
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping tc
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
# The 1 s re-read and the resync slowed: what follows must come from events.
start_routerd --checks-interval 600000 --resync-interval 600
both_ready() {
	[ "$(attached_mode eth-h1)" = native ] && [ "$(attached_mode eth-h2)" = native ] &&
		[ "$(egress_of eth-h1)" = true ] && [ "$(egress_of eth-h2)" = true ]
}
wait_until 5 both_ready || die "routerd did not set up r"
warm_neighbours
field() { rctl -j link show dev "$1" | jq -r ".links[0].$2"; }
pings() { in_ns "$H1" ping -q -c 5 -i 0.02 -W 1 10.0.2.2 >/dev/null; }

# A shaping qdisc on eth-h2's egress.
ip netns exec "$R" tc qdisc add dev eth-h2 root tbf rate 10mbit burst 32kbit latency 50ms
h2_no_egress() { [ "$(egress_of eth-h2)" != true ]; }
check "a tbf qdisc on eth-h2: it leaves the DEVMAP" wait_until 5 h2_no_egress
check "... link show says why" eval '[[ "$(field eth-h2 egress_blocker)" == "qdisc tbf on its egress"* ]]'
fwd0=$(forwarded eth-h1) pass0=$(passed eth-h1 not_egress)
check "... h1 -> h2 still answered, by the kernel's path through the qdisc" pings
check "... none of it forwarded by the fast path" test "$(forwarded eth-h1)" = "$fwd0"
check "... all of it handed to the kernel (not_egress)" at_least $(($(passed eth-h1 not_egress) - pass0)) 5
ip netns exec "$R" tc qdisc del dev eth-h2 root
check "the qdisc removed: eth-h2 is an egress again" wait_until 5 both_ready
fwd0=$(forwarded eth-h1)
pings
check "... and h1 -> h2 takes the fast path" at_least $(($(forwarded eth-h1) - fwd0)) 5

# tc filters on eth-h1 (a clsact qdisc): they see what arrives, before XDP
# no more.
ip netns exec "$R" tc qdisc add dev eth-h1 clsact
h1_left() { [ "$(attached_mode eth-h1)" = off ] && [ "$(field eth-h1 managed)" = false ]; }
check "a clsact qdisc on eth-h1: the fast path leaves it" wait_until 5 h1_left
check "... link show says why" eval '[[ "$(field eth-h1 managed_reason)" == "tc filters run on it"* ]]'
check "... no XDP program on eth-h1" bash -c "! ip -n $R -d link show eth-h1 | grep -q 'prog/xdp'"
check "... h1 -> h2 answered by the kernel" pings
ip netns exec "$R" tc qdisc del dev eth-h1 clsact
check "the clsact qdisc removed: eth-h1 is attached again" wait_until 5 both_ready
check "routerd is alive" routerd_alive
finish
