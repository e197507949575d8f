#!/bin/bash
# Fault injection: netlink overruns. routerd runs with a 4 KiB netlink
# receive buffer; link events come faster than it reads them, the kernel
# drops notifications and says so (ENOBUFS), and routerd must dump again
# and converge on what the machine really is, with forwarding untouched.
#
#   h1 ─────────── r ─────────── h2      udpstream h1 -> h2 all along:
#                  │                      it loses nothing
#                  ├── eth-h3 ── h3       changes state inside the floods
#                  └── fl0..fl199 ═ fp0..fp199   veth pairs inside r, made
#                      and deleted by the hundred; routerd manages "fl*"
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping
FLOOD=200 KEEP=50 # veth pairs made per flood, and left standing
setup_topology
add_host 3
write_config "$TEST_TMP/routerd.conf" "eth-h*" "fl*"
start_routerd --netlink-rcvbuf 4096
PIN_DIR=$(rctl -j daemon status | jq -r .pin_dir)

pinned() { in_ns "$R" "$ROUTERCTL" --pin-dir "$PIN_DIR" -j stats "$@"; }
status_of() { rctl -j daemon status | jq ".$1"; }
egress() { pinned | jq -e --arg d "$1" 'any(.interfaces[]; .ifname == $d and .egress)' >/dev/null; }
managed_links() {
	ip -n "$R" -j link show | jq -c '[.[] | select(.ifname | test("^(eth-h|fl)"))]'
}
ready_set() {
	managed_links | jq -c '[.[] | select(any(.flags[]; . == "UP") and
		any(.flags[]; . == "LOWER_UP")) | .ifindex] | sort'
}
devmap_set() { pinned | jq -c '[.interfaces[] | select(.egress) | .ifindex] | sort'; }
attached_set() { pinned | jq -c '[.interfaces[] | select(.fastpath != "off") | .ifindex] | sort'; }
# Converged: the DEVMAP is exactly the ready managed links, every managed
# link that is up is attached (one that went down may keep its program),
# and nothing is kept of links that are gone or not managed.
converged() {
	local managed up state
	managed=$(managed_links | jq -c '[.[].ifindex]')
	up=$(managed_links | jq -c '[.[] | select(any(.flags[]; . == "UP")) | .ifindex]')
	state=$(pinned | jq -c '[.interfaces[].ifindex]')
	[ "$(devmap_set)" = "$(ready_set)" ] &&
		jq -e --argjson a "$(attached_set)" 'all(.[]; . as $i | $a | index([$i]))' <<<"$up" >/dev/null &&
		jq -e --argjson m "$managed" 'all(.[]; . as $i | $m | index([$i]))' <<<"$state" >/dev/null
}
# converges SECONDS: converged within the bound, or what differs.
converges() {
	wait_until "$1" converged && return 0
	echo "  DEVMAP   $(devmap_set)"
	echo "  ready    $(ready_set)"
	echo "  attached $(attached_set)"
	return 1
}
wait_until 10 converged || die "routerd did not set up r"
in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null || die "h1 cannot reach h2"
in_ns "$H1" ping -c1 -W2 10.0.3.2 >/dev/null || die "h1 cannot reach h3"
stream_start stable "$H1" "$H2" 10.0.2.2 9401 2000 || die "no stream"

# ── Lost notifications must not be undone by older ones ────────────────
# Frozen, routerd's queue holds "eth-h3 up"; the flood fills it, and the
# kernel drops what follows, "eth-h3 down" among it. Woken up, routerd
# reads ENOBUFS first, then dumps. What is still queued is older than the
# dump: applied after it, eth-h3 would be an egress while it is down.
ip -n "$R" link set eth-h3 down
wait_until 5 eval '! egress eth-h3' || die "eth-h3 stayed an egress"
for i in $(seq 0 49); do echo "link add fl$i type veth peer name fp$i"; done >"$TEST_TMP/freeze.batch"
overruns0=$(status_of netlink_overruns)
kill -STOP "$ROUTERD_PID"
ip -n "$R" link set eth-h3 up
ip -n "$R" -b "$TEST_TMP/freeze.batch"
ip -n "$R" link set eth-h3 down
kill -CONT "$ROUTERD_PID"
check "routerd saw the overrun" wait_until 5 eval '[ "$(status_of netlink_overruns)" -gt "$overruns0" ]'
check "and converged with eth-h3 down: out of the DEVMAP" converges 10
ip -n "$R" link set eth-h3 up
ip -n "$R" -b - <<<"$(for i in $(seq 0 49); do echo "link del fl$i"; done)"
wait_until 10 converged || die "routerd did not converge after the frozen overrun"

# ── Floods ─────────────────────────────────────────────────────────────
# FLOOD veth pairs made and brought up, all but KEEP deleted, eth-h3 set
# down and up in between; repeated until the kernel has dropped
# notifications (at most 3 floods).
{
	for i in $(seq 0 $((FLOOD - 1))); do
		echo "link add fl$i type veth peer name fp$i"
		echo "link set fl$i up"
		echo "link set fp$i up"
		[ $((i % 20)) = 0 ] && echo "link set eth-h3 down" && echo "link set eth-h3 up"
	done
	for i in $(seq "$KEEP" $((FLOOD - 1))); do echo "link del fl$i"; done
} >"$TEST_TMP/flood.batch"
{
	for i in $(seq 0 $((KEEP - 1))); do echo "link del fl$i"; done
} >"$TEST_TMP/unflood.batch"
overruns0=$(status_of netlink_overruns)
resyncs0=$(status_of overrun_resyncs) # not the periodic ones
cpu0=$(cpu_seconds "$ROUTERD_PID")
floods=0
while [ "$floods" -lt 3 ]; do
	[ "$floods" -gt 0 ] && { ip -n "$R" -b "$TEST_TMP/unflood.batch" || die "cannot clean up"; }
	t0=$(date +%s%N)
	ip -n "$R" -b "$TEST_TMP/flood.batch" || die "the flood failed"
	t1=$(date +%s%N)
	floods=$((floods + 1))
	[ "$(status_of netlink_overruns)" -gt "$overruns0" ] && break
done
# Well within the periodic resync (30 s), which would mend stale state too.
converges 10
converged_ok=$?
t2=$(date +%s%N)
cpu1=$(cpu_seconds "$ROUTERD_PID")
overruns=$(($(status_of netlink_overruns) - overruns0))
resyncs=$(($(status_of overrun_resyncs) - resyncs0))
stream_stop stable
echo "FIGURE $floods flood(s) of $FLOOD veth pairs made, $((FLOOD - KEEP)) deleted, eth-h3 flapped $((FLOOD / 20)) times: last flood $(((t1 - t0) / 1000000)) ms"
echo "FIGURE netlink overruns: $overruns, dumps after them: $resyncs; converged $(((t2 - t1) / 1000000)) ms after the flood ended; routerd CPU $(awk "BEGIN {print $cpu1 - $cpu0}") s"
echo "FIGURE stable stream: sent ${SENT[stable]}, received ${RECEIVED[stable]}"
check "the kernel dropped notifications (ENOBUFS) and routerd counted them" at_least "$overruns" 1
check "routerd dumped again on each" test "$resyncs" = "$overruns"
check "routerd converged on the machine's state: DEVMAP, attachments, nothing stale" \
	test "$converged_ok" = 0
check "$KEEP flood veths are left, each attached and in the DEVMAP" test \
	"$(pinned | jq '[.interfaces[] | select(.egress and .fastpath != "off")] | length')" = $((KEEP + 3))
check "routerd is alive" routerd_alive
check "the stable stream lost nothing" test "${RECEIVED[stable]}" = "${SENT[stable]}"
finish
