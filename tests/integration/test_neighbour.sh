#!/bin/bash
# With r's neighbour cache cold, the first packet goes to the kernel, which
# resolves the next hop; the rest take the fast path. Nothing is lost.
#
#   h1 ──────── r ──────── h2        fast path on eth-h1 and eth-h2 of r
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping
setup_h1_r_h2

N=10

# cold_then_fast DEST
cold_then_fast() {
	ip -n "$R" neigh flush all
	ip -n "$R" -6 neigh flush all
	local fwd0 neigh0
	fwd0=$(forwarded eth-h1)
	neigh0=$(passed eth-h1 no_neigh)
	in_ns "$H1" ping -q -c "$N" -i 0.05 -W 1 "$1" >/dev/null || {
		echo "  not every ping was answered"
		return 1
	}
	at_least "$(passed eth-h1 no_neigh)" $((neigh0 + 1)) &&
		at_least $(($(forwarded eth-h1) - fwd0)) $((N - 2))
}

check "IPv4: first packet via the kernel, the rest via the fast path" cold_then_fast 10.0.2.2
check "IPv6: first packet via the kernel, the rest via the fast path" cold_then_fast fd00:2::2
finish
