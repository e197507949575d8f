#!/bin/bash
# The fast path beside FRR: routes learned over eBGP steer it with no
# extra sync; BGP's own session crosses it; a withdrawal stops fast-path
# forwarding as soon as the kernel route goes, and a re-advertisement
# brings it back.
#
#   h1 ───────── r1 ═══════════ r2 ───────── h2
#   10.0.1.2  AS 65001   eBGP   AS 65002  10.0.2.2
#   fd00:1::2                              fd00:2::2
#   (FRR and routerd in r1 and r2; the fast path on every interface)
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping vtysh
setup_bgp

fwd() { rctl_in "$1" -j stats dev "$2" | jq '.interfaces[0].forwarded.packets'; }
passed_in() { rctl_in "$1" -j stats dev "$2" | jq ".interfaces[0].passed.$3"; }

check "r1 learned h2's prefixes from BGP (proto bgp)" \
	test -n "$(ip -n "$R1" route show 10.0.2.0/24 proto bgp)"
check "r2 learned h1's prefixes from BGP (proto bgp)" \
	test -n "$(ip -n "$R2" -6 route show fd00:1::/64 proto bgp)"

# both_routers_forward DEST: N pings from h1, counted by the fast path on
# r1 (requests in on eth-h1) and on r2 (requests in on eth-r1a).
N=20
both_routers_forward() {
	local a b
	in_ns "$H1" ping -c1 -W2 "$1" >/dev/null # neighbours
	a=$(fwd "$R1" eth-h1)
	b=$(fwd "$R2" eth-r1a)
	in_ns "$H1" ping -q -c "$N" -i 0.01 -W 1 "$1" >/dev/null || return 1
	at_least $(($(fwd "$R1" eth-h1) - a)) "$N" && at_least $(($(fwd "$R2" eth-r1a) - b)) "$N"
}
check "IPv4 h1 -> h2 through the fast path on r1 and r2" both_routers_forward 10.0.2.2
check "IPv6 h1 -> h2 through the fast path on r1 and r2" both_routers_forward fd00:2::2

# BGP's TCP session goes to the routers' own addresses: passed up, alive.
sessions_up() { bgp_established "$R1" && bgp_established "$R2"; }
bgp_in0=$(passed_in "$R1" eth-r2a not_forwarded)
sleep 4 # a keepalive interval (3 s) and then some
check "BGP sessions stay Established through the fast path" sessions_up
check "BGP's packets to r1 are handed to the kernel (not_forwarded)" \
	at_least "$(passed_in "$R1" eth-r2a not_forwarded)" $((bgp_in0 + 1))

# Withdrawal: r2 stops advertising h2's prefixes.
route_gone() { [ -z "$(ip -n "$R1" route show 10.0.2.0/24)" ] && [ -z "$(ip -n "$R1" -6 route show fd00:2::/64)" ]; }
route_back() { [ -n "$(ip -n "$R1" route show 10.0.2.0/24 proto bgp)" ] && [ -n "$(ip -n "$R1" -6 route show fd00:2::/64 proto bgp)" ]; }
advertise() { # no|""
	frr_vtysh "$R2" -c 'configure terminal' -c 'router bgp 65002' \
		-c 'address-family ipv4 unicast' -c "$1 network 10.0.2.0/24" -c 'exit-address-family' \
		-c 'address-family ipv6 unicast' -c "$1 network fd00:2::/64" >/dev/null
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

t0=$(date +%s%N)
advertise no
check "the withdrawal reaches r1's kernel FIB" wait_until 10 route_gone
withdraw_ms=$(ms_since "$t0")
verdict=$(rctl_in "$R1" -j route get 10.0.2.2 iif eth-h1 | jq -r '.fastpath.verdict + " " + (.fastpath.reason // "")')
check "right after, the fast path passes packets to h2 to the kernel ($verdict)" \
	test "$verdict" = "pass not_forwarded"
fwd0=$(fwd "$R1" eth-h1)
nf0=$(passed_in "$R1" eth-h1 not_forwarded)
unreachable() { in_ns "$H1" ping -c1 -W1 "$1" 2>&1 | grep -qE 'Unreachable|unreachable'; }
check "h1 gets the kernel's ICMP unreachable (IPv4)" unreachable 10.0.2.2
check "h1 gets the kernel's ICMP unreachable (IPv6)" unreachable fd00:2::2
check "... the fast path forwarded none of it" test "$(fwd "$R1" eth-h1)" = "$fwd0"
check "... it handed both to the kernel" at_least "$(passed_in "$R1" eth-h1 not_forwarded)" $((nf0 + 2))

t0=$(date +%s%N)
advertise ""
check "re-advertised, the route is back in r1's FIB" wait_until 10 route_back
readvertise_ms=$(ms_since "$t0")
check "IPv4 forwarding through the fast path resumes" both_routers_forward 10.0.2.2
check "IPv6 forwarding through the fast path resumes" both_routers_forward fd00:2::2
echo "withdrawal: r2's 'no network' to r1's kernel FIB in ${withdraw_ms} ms; re-advertisement in ${readvertise_ms} ms"
echo "(the fast path reads the kernel FIB on every packet: it follows at once)"
finish
