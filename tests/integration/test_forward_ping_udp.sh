#!/bin/bash
# Ping and UDP cross r through the fast path, IPv4 and IPv6, both ways. The
# fast path's own counters must rise by at least the packets sent: a ping
# would get through the kernel too.
#
#   h1 ──────── r ──────── h2        fast path on eth-h1 and eth-h2 of r
#   10.0.1.2        10.0.2.2
#   fd00:1::2       fd00:2::2
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq socat ping ss
setup_h1_r_h2

N=20

# ping_forwarded FROM DEST DEV_IN DEV_OUT: requests enter r on DEV_IN,
# replies on DEV_OUT; all N answered, all counted by the fast path.
ping_forwarded() {
	local in0 out0
	in0=$(forwarded "$3")
	out0=$(forwarded "$4")
	in_ns "$1" ping -q -c "$N" -i 0.01 -W 1 "$2" >/dev/null || return 1
	at_least $(($(forwarded "$3") - in0)) "$N" &&
		at_least $(($(forwarded "$4") - out0)) "$N"
}

lines_at_least() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# udp_forwarded FROM TO DEST PORT RECV_ADDRESS DEV_IN
udp_forwarded() {
	local out before
	out=$(mktemp)
	in_ns "$2" timeout 20 socat -u "$5:$4" - >"$out" &
	local receiver=$!
	wait_until 5 udp_listening "$2" "$4" || return 1
	before=$(forwarded "$6")
	in_ns "$1" bash -c "for i in \$(seq $N); do echo \"datagram \$i\" >/dev/udp/$3/$4; done"
	wait_until 5 lines_at_least "$out" "$N"
	kill "$receiver" 2>/dev/null
	local got
	got=$(wc -l <"$out")
	rm -f "$out"
	[ "$got" -eq "$N" ] || {
		echo "  received $got of $N datagrams"
		return 1
	}
	at_least $(($(forwarded "$6") - before)) "$N"
}

check "IPv4 ping h1 -> h2 through the fast path" ping_forwarded "$H1" 10.0.2.2 eth-h1 eth-h2
check "IPv4 ping h2 -> h1 through the fast path" ping_forwarded "$H2" 10.0.1.2 eth-h2 eth-h1
check "IPv6 ping h1 -> h2 through the fast path" ping_forwarded "$H1" fd00:2::2 eth-h1 eth-h2
check "IPv6 ping h2 -> h1 through the fast path" ping_forwarded "$H2" fd00:1::2 eth-h2 eth-h1
check "IPv4 UDP h1 -> h2" udp_forwarded "$H1" "$H2" 10.0.2.2 7001 UDP4-RECV eth-h1
check "IPv4 UDP h2 -> h1" udp_forwarded "$H2" "$H1" 10.0.1.2 7002 UDP4-RECV eth-h2
check "IPv6 UDP h1 -> h2" udp_forwarded "$H1" "$H2" fd00:2::2 7003 UDP6-RECV eth-h1
check "IPv6 UDP h2 -> h1" udp_forwarded "$H2" "$H1" fd00:1::2 7004 UDP6-RECV eth-h2
check "nothing was dropped at transmit" \
	test "$(in_ns "$R" "$ROUTERCTL" -j stats | jq '[.interfaces[].transmit.drops] | add')" = 0
finish
