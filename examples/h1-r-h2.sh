#!/bin/bash
# The demo topology, by itself: two hosts and a router between them.
#
#   h1 ─────────────── r ─────────────── h2
#   eth0            eth-h1   eth-h2          eth0
#   10.0.1.2/24   10.0.1.1   10.0.2.1   10.0.2.2/24
#   fd00:1::2/64  fd00:1::1  fd00:2::1  fd00:2::2/64
#
# Usage: examples/h1-r-h2.sh { up | down } [PREFIX]
# Namespaces are PREFIX-h1, PREFIX-r, PREFIX-h2 (PREFIX defaults to "demo").
set -eu
. "$(dirname "$0")/lib.sh"
prefix=${2:-demo}
case "${1:-}" in
up)
	need_cmds ip nsenter sysctl ethtool
	topo_h1_r_h2_up "$prefix"
	echo "namespaces $prefix-h1, $prefix-r, $prefix-h2 are up"
	;;
down)
	if [ -e "/run/netns/$prefix-r" ]; then
		# routerd stops first (it detaches the fast path), then leftovers go.
		pids=$(ip netns pids "$prefix-r")
		[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
		for _ in $(seq 50); do
			[ -z "$(ip netns pids "$prefix-r")" ] && break
			sleep 0.1
		done
		if [ -x "${ROUTERCTL:-}" ]; then
			in_ns "$prefix-r" "$ROUTERCTL" fastpath unload >/dev/null 2>&1 || true
		fi
	fi
	topo_h1_r_h2_down "$prefix"
	echo "namespaces $prefix-* removed"
	;;
*)
	echo "Usage: $0 { up | down } [PREFIX]" >&2
	exit 1
	;;
esac
