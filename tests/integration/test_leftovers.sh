#!/bin/bash
# What a routerd leaves when it is killed (kill -9) and its namespace then
# deleted: a pin directory on the bpffs, shared by every namespace, with
# maps, a program and tracing links that stay attached to the kernel's XDP
# tracepoints for ever. routerd collects such leftovers at start-up and
# when a namespace with an id in its own goes away (RTM_DELNSID).
#
#   h1 ──────── r ──────── h2          routerd in r manages eth-h*
#               └── eth-rx ═ eth-x0 ── x1, then x2: each runs a routerd of
#                                      its own, killed, then deleted
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq bpftool
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"

# leave_behind N: namespace xN with a routerd that attaches to eth-x0 and
# counts transmits (tracing links), killed with -9; the namespace deleted.
# Sets LEFT (its pin directory) and TRACE_IDS (its tracing links' ids).
leave_behind() {
	local ns=$PREFIX-x$1 conf=$TEST_TMP/x$1.conf pid f
	EXTRA_NAMESPACES+=("$ns")
	ns_create "$ns"
	veth_connect "$ns" eth-x0 "$R" "eth-rx$1"
	write_config "$conf" "eth-x*"
	sed -i "s|routerd.sock|x$1.sock|" "$conf"
	local main=${ROUTERD_PID:-}
	routerd_start "$ns" "$conf" "$TEST_TMP/x$1" || die "routerd in $ns did not start"
	pid=$ROUTERD_PID ROUTERD_PID=$main
	XNS=$ns XSOCK=$TEST_TMP/x$1.sock
	xctl() { in_ns "$XNS" "$ROUTERCTL" -S "$XSOCK" "$@"; }
	x_ready() { [ "$(xctl -j stats dev eth-x0 | jq -r '.interfaces[0].fastpath')" = native ]; }
	wait_until 10 x_ready || die "routerd in $ns did not attach eth-x0"
	LEFT=$(xctl -j daemon status | jq -r .pin_dir)
	[ "$(xctl -j daemon status | jq .transmit_counters)" = true ] || die "no transmit counters in $ns"
	TRACE_IDS=$(for f in "$LEFT"/trace/*; do bpftool -j link show pinned "$f" | jq .id; done)
	[ -n "$TRACE_IDS" ] || die "no tracing links pinned in $LEFT"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	ip netns del "$ns"
	# The kernel takes the namespace down in the background.
	wait_until 5 eval "! ip -n $R link show eth-rx$1 >/dev/null 2>&1" ||
		die "$ns's devices did not go away"
}
gone() { [ ! -e "$LEFT" ]; }
traces_gone() {
	local id
	for id in $TRACE_IDS; do
		bpftool link show id "$id" >/dev/null 2>&1 && return 1
	done
	return 0
}

leave_behind 1
check "kill -9 and a deleted namespace leave the pin directory" test -d "$LEFT"
check "... and its tracing links attached" eval '! traces_gone'
start_routerd
check "routerd, starting, removes the pin directory of the namespace that is gone" gone
check "... and its tracing links with it" wait_until 5 traces_gone
check "... and keeps its own" test -d "$(rctl -j daemon status | jq -r .pin_dir)"

leave_behind 2
check "while routerd runs, a namespace deleted has its leftovers removed" wait_until 5 gone
check "... tracing links too" wait_until 5 traces_gone
check "routerd is alive" routerd_alive
finish
