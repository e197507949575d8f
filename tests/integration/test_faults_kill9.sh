#!/bin/bash
# Fault injection: routerd killed with SIGKILL 100 times in a row while
# traffic flows through the fast path, restarted each time. Every other
# kill comes while the new instance is still starting (loading, adopting
# the pins, reconciling), at a random moment. Forwarding never depends on
# routerd being alive: not one datagram is lost, and the BPF programs and
# links of this fast path are the same number at the end as at the start
# (no instance leaves anything behind), the XDP links the very same ones.
#
#   h1 ──────── r ──────── h2          routerd in r manages eth-h*
#   udpstream IPv4 and IPv6 ─────►     killed and restarted 100 times
#
# FAULT_KILLS (default 100) sets the number of kills.
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping bpftool
KILLS=${FAULT_KILLS:-100}
RATE=5000
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
start_routerd
PIN_DIR=$(rctl -j daemon status | jq -r .pin_dir)

pinned() { in_ns "$R" "$ROUTERCTL" --pin-dir "$PIN_DIR" -j stats "$@"; }
both_ready() {
	[ "$(pinned | jq '[.interfaces[] | select(.egress and .fastpath == "native")] | length')" = 2 ]
}
wait_until 5 both_ready || die "routerd did not set up r"
in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null && in_ns "$H1" ping -6 -c1 -W2 fd00:2::2 >/dev/null ||
	die "h1 cannot reach h2"

# This fast path's BPF objects, told from other tests' by the maps they
# use: programs referring to one of our pinned maps, links running them.
our_maps() {
	local m
	for m in ifaces stats devmap egress_stats; do
		bpftool -j map show pinned "$PIN_DIR/$m" | jq .id
	done | jq -sc .
}
MAPS=$(our_maps)
our_progs() {
	bpftool -j prog show | jq -c --argjson m "$MAPS" \
		'[.[] | select(any(.map_ids[]?; . as $i | $m | index([$i]))) | .id] | sort'
}
our_links() {
	bpftool -j link show | jq -c --argjson p "$(our_progs)" \
		'[.[] | select(.prog_id as $i | $p | index([$i])) | .id] | sort'
}
# How many of each: "programs links".
objects() { echo "$(our_progs | jq length) $(our_links | jq length)"; }
xdp_link_ids() {
	local f
	for f in "$PIN_DIR"/links/*; do bpftool -j link show pinned "$f" | jq .id; done | sort | tr '\n' ' '
}
objects_before=$(objects)
xdp_links_before=$(xdp_link_ids)
echo "  before: $objects_before (programs links), XDP links $xdp_links_before"

kill9() {
	kill -9 "$ROUTERD_PID"
	wait "$ROUTERD_PID" 2>/dev/null
}

fwd0=$(pinned dev eth-h1 | jq '.interfaces[0].forwarded.packets')
tx0=$(pinned dev eth-h2 | jq '.interfaces[0].transmit.packets')
stream_start v4 "$H1" "$H2" 10.0.2.2 9501 "$RATE" || die "no IPv4 stream"
stream_start v6 "$H1" "$H2" fd00:2::2 9502 "$RATE" || die "no IPv6 stream"
t0=$(date +%s%N)
in_startup=0 crashed=0
for i in $(seq "$KILLS"); do
	routerd_alive || crashed=$((crashed + 1))
	kill9
	if [ $((i % 2)) = 1 ]; then
		# The next kill comes while this one starts: anywhere from exec to
		# well into its first reconcile.
		launch_routerd
		sleep "0.0$((RANDOM % 60 + 10))"
		in_startup=$((in_startup + 1))
	else
		start_routerd
	fi
done
t1=$(date +%s%N)
wait_until 10 rctl daemon status >/dev/null 2>&1 || die "the last routerd did not start"
check "the last routerd adopts the fast path: both interfaces native and egress" \
	wait_until 5 both_ready
stream_stop v4 v6
fwd=$(($(pinned dev eth-h1 | jq '.interfaces[0].forwarded.packets') - fwd0))
tx=$(($(pinned dev eth-h2 | jq '.interfaces[0].transmit.packets') - tx0))

settled() { [ "$(objects)" = "$objects_before" ]; }
wait_until 5 settled
objects_after=$(objects)
xdp_links_after=$(xdp_link_ids)
echo "  after:  $objects_after (programs links), XDP links $xdp_links_after"
echo "FIGURE $KILLS kills ($in_startup while starting) in $(((t1 - t0) / 1000000)) ms"
echo "FIGURE IPv4: sent ${SENT[v4]}, received ${RECEIVED[v4]}; IPv6: sent ${SENT[v6]}, received ${RECEIVED[v6]}; fast path forwarded $fwd from h1"
echo "FIGURE transmit counted into eth-h2: $tx for $((SENT[v4] + SENT[v6])) datagrams sent (a start briefly runs its trace links beside the old ones)"
echo "FIGURE this fast path's BPF programs and links: before $objects_before, after $objects_after"
check "every routerd was still running when killed (none failed by itself)" test "$crashed" = 0
check "IPv4: not one datagram lost" test "${RECEIVED[v4]}" = "${SENT[v4]}"
check "IPv6: not one datagram lost" test "${RECEIVED[v6]}" = "${SENT[v6]}"
check "... all of them through the fast path" at_least "$fwd" $((SENT[v4] + SENT[v6]))
check "as many BPF programs and links as before: nothing leaked" test "$objects_after" = "$objects_before"
check "the XDP links are the very same ones" test "$xdp_links_after" = "$xdp_links_before"
check "one pinned link per interface, five trace links (transmit, neighbours)" \
	test "$(ls "$PIN_DIR/links" | wc -l)/$(ls "$PIN_DIR/trace" | wc -l)" = 2/5
check "transmit counting still works (the trace links were taken over)" at_least "$tx" "${SENT[v4]}"
finish
