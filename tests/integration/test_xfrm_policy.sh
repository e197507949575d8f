#!/bin/bash
# IPsec (xfrm) policies are the kernel's: ip_forward checks forwarded
# packets against the fwd policies and routes them through the out ones.
# The fast path can do neither, so while such policies exist for a family,
# its forwarded traffic goes to the kernel (xfrm_policy). This kernel has
# XFRM but no ESP: a "dir fwd action block" policy is what can be tested.
#
#   h1 ──────── r ──────── h2          routerd in r manages eth-h*
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping
N=20
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
# The resync slowed: policy changes must come from xfrm events.
start_routerd --resync-interval 600
both_ready() { [ "$(egress_of eth-h1)" = true ] && [ "$(egress_of eth-h2)" = true ]; }
wait_until 5 both_ready || die "routerd did not set up r"
warm_neighbours
answered() { # FAMILY DEST: how many of N pings from h1 were answered
	in_ns "$H1" ping "$1" -q -c "$N" -i 0.01 -W 1 "$2" 2>/dev/null |
		awk '/received/ {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^received/) print $i}'
}
policy() { rctl -j daemon status | jq -r ".xfrm_policies_$1"; }

fwd0=$(forwarded eth-h1)
check "no policy: $N of $N pings answered" test "$(answered -4 10.0.2.2)" = "$N"
check "... through the fast path" at_least $(($(forwarded eth-h1) - fwd0)) "$N"

ip -n "$R" xfrm policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir fwd action block
check "a fwd policy for IPv4: routerd sees it" wait_until 5 eval '[ "$(policy ipv4)" = true ]'
check "... not for IPv6" test "$(policy ipv6)" = false
fwd0=$(forwarded eth-h1) pass0=$(passed eth-h1 xfrm_policy)
check "with the fast path, 0 of $N pings answered, as the policy says" test "$(answered -4 10.0.2.2)" = 0
check "... none forwarded by the fast path" test "$(forwarded eth-h1)" = "$fwd0"
check "... all handed to the kernel (xfrm_policy)" at_least $(($(passed eth-h1 xfrm_policy) - pass0)) "$N"
rctl link set dev eth-h1 fastpath off >/dev/null
check "the kernel alone: 0 of $N as well" test "$(answered -4 10.0.2.2)" = 0
rctl link set dev eth-h1 fastpath auto >/dev/null
wait_until 5 both_ready || die "eth-h1 did not come back"
fwd0=$(forwarded eth-h1)
check "IPv6 has no policy: answered, through the fast path" \
	eval '[ "$(answered -6 fd00:2::2)" = "$N" ] && at_least $(($(forwarded eth-h1) - fwd0)) "$N"'

ip -n "$R" xfrm policy del src 10.0.1.0/24 dst 10.0.2.0/24 dir fwd
check "the policy deleted: routerd sees it" wait_until 5 eval '[ "$(policy ipv4)" = false ]'
fwd0=$(forwarded eth-h1)
check "... $N of $N answered again, through the fast path" \
	eval '[ "$(answered -4 10.0.2.2)" = "$N" ] && at_least $(($(forwarded eth-h1) - fwd0)) "$N"'
check "routerd is alive" routerd_alive
finish
