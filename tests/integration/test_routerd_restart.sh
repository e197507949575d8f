#!/bin/bash
# Restarting routerd never interrupts forwarding: kill -9 and a restart in
# the middle of steady UDP streams lose nothing, because the links and maps
# are pinned and the new instance adopts them. --keep-fastpath leaves the
# fast path forwarding while routerd is stopped (upgrades).
#
#   h1 ──────── r ──────── h2          routerd in r manages eth-h*
#   udpstream send ──────► udpstream recv (IPv4 and IPv6 at once)
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
start_routerd

both_ready() {
	[ "$(attached_mode eth-h1)" = native ] && [ "$(attached_mode eth-h2)" = native ] &&
		[ "$(egress_of eth-h1)" = true ] && [ "$(egress_of eth-h2)" = true ]
}
wait_until 5 both_ready || die "routerd did not set up r"
in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null
in_ns "$H1" ping -6 -c1 -W2 fd00:2::2 >/dev/null

RATE=10000
COUNT=50000 # 5 s per stream
# Ids of the XDP links pinned for r's interfaces.
link_ids() {
	local dir f
	dir=$(rctl -j daemon status | jq -r .pin_dir)
	for f in "$dir"/links/*; do
		bpftool -j link show pinned "$f" | jq .id
	done | sort | tr '\n' ' '
}

# streams DURING_COMMAND...: v4 and v6 streams h1 -> h2; runs the command
# while they flow; true if every datagram of both arrived, all through the
# fast path.
streams() {
	local fwd0
	fwd0=$(forwarded eth-h1)
	in_ns "$H2" "$TOOLS/udpstream" recv 9004 "$COUNT" 30 >"$TEST_TMP/v4.json" 2>/dev/null &
	local r4=$!
	in_ns "$H2" "$TOOLS/udpstream" recv 9006 "$COUNT" 30 >"$TEST_TMP/v6.json" 2>/dev/null &
	local r6=$!
	wait_until 5 udp_listening "$H2" 9004 && wait_until 5 udp_listening "$H2" 9006 || return 1
	in_ns "$H1" "$TOOLS/udpstream" send 10.0.2.2 9004 "$COUNT" "$RATE" >/dev/null &
	local s4=$!
	in_ns "$H1" "$TOOLS/udpstream" send fd00:2::2 9006 "$COUNT" "$RATE" >/dev/null &
	local s6=$!
	"$@"
	wait "$s4" "$s6"
	wait "$r4"
	local ok4=$?
	wait "$r6"
	local ok6=$?
	echo "  IPv4: $(cat "$TEST_TMP/v4.json")"
	echo "  IPv6: $(cat "$TEST_TMP/v6.json")"
	[ "$ok4" = 0 ] && [ "$ok6" = 0 ] &&
		at_least $(($(forwarded eth-h1) - fwd0)) $((2 * COUNT))
}

kill_and_restart() {
	sleep 1.5
	kill -9 "$ROUTERD_PID"
	wait "$ROUTERD_PID" 2>/dev/null
	sleep 1
	start_routerd
}

ids_before=$(link_ids)
[ -n "$ids_before" ] || die "no pinned links"
check "kill -9 and restart of routerd during the streams lose nothing" streams kill_and_restart
check "the restarted routerd adopted the pinned links (same link ids)" \
	test "$(link_ids)" = "$ids_before"
check "the restarted routerd sees both interfaces ready" wait_until 5 both_ready

# What routerctl switched off stays off through a crash: the override is
# kept beside the control socket, and the new instance starts with it.
rctl link set dev eth-h2 fastpath off >/dev/null || die "cannot switch eth-h2 off"
h2_off() { [ "$(attached_mode eth-h2)" = off ]; }
wait_until 5 h2_off || die "eth-h2 stayed attached"
kill -9 "$ROUTERD_PID"
wait "$ROUTERD_PID" 2>/dev/null
start_routerd # answers once its first reconcile is done
check "after kill -9, an interface switched off with routerctl stays off" h2_off
check "... and link show says why" eval \
	'[ "$(rctl -j link show dev eth-h2 | jq -r ".links[0].managed_reason")" = "switched off with routerctl" ]'
rctl link set dev eth-h2 fastpath auto >/dev/null || die "cannot switch eth-h2 on"
check "switched on again, it is attached and an egress" wait_until 5 both_ready
check "... and kept so for the next start" \
	eval '[ "$(jq -r '"'"'."eth-h2"'"'"' "$TEST_TMP/routerd.sock.overrides")" = auto ]'

stop_keeping() {
	sleep 1.5
	kill -TERM "$ROUTERD_PID"
	wait "$ROUTERD_PID"
}
# Restart with --keep-fastpath, then stop it during the streams.
kill -TERM "$ROUTERD_PID"
wait "$ROUTERD_PID"
start_routerd --keep-fastpath
check "routerd stopped with --keep-fastpath: the streams lose nothing" streams stop_keeping
check "the fast path stays attached while routerd is stopped" \
	bash -c "ip -n $R -d link show eth-h1 | grep -q 'prog/xdp'"

start_routerd
check "a new routerd adopts the fast path left behind" wait_until 5 both_ready
kill -TERM "$ROUTERD_PID"
wait "$ROUTERD_PID"
check "its normal stop detaches" bash -c "! ip -n $R -d link show | grep -q 'prog/xdp'"
check "... and forgets routerctl's overrides with the pins" test ! -e "$TEST_TMP/routerd.sock.overrides"
finish
