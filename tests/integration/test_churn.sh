#!/bin/bash
# Route churn: r2 announces and withdraws 10 000 prefixes over BGP in a loop
# for CHURN_SECONDS (default 30) while traffic flows. Traffic to a stable
# prefix loses nothing. Traffic to a churning /32 goes to h2 while r1 has
# the BGP route and to h3 (r1's covering route) while it does not: a
# receiver on each side. Every packet must arrive on the side r1's FIB
# chose when it was sent: the fast path never forwards on a withdrawn
# route, nor misses an announced one.
#
#   h1 ───────── r1 ═══════════ r2 ───────── h2   10.0.2.2, 10.128.0.1
#   udpstream    │ AS 65001     AS 65002            (the /32 via BGP; r2
#                │                                   covers 10.128/16 too)
#                └── h3   10.128.0.1 (r1's route 10.128.0.0/16 via h3)
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq vtysh
DURATION=${CHURN_SECONDS:-30}
RATE=2000
setup_bgp

# r2 announces its kernel's /32s under 10.128/16 (not its covering /16,
# which keeps r2 delivering to h2 while r1 still has a withdrawn route).
frr_vtysh "$R2" -c 'configure terminal' \
	-c 'ip prefix-list CHURN seq 5 permit 10.128.0.0/16 ge 32' \
	-c 'route-map CHURN permit 10' -c 'match ip address prefix-list CHURN' -c 'exit' \
	-c 'router bgp 65002' -c 'address-family ipv4 unicast' \
	-c 'redistribute kernel route-map CHURN' >/dev/null
ip -n "$R2" route add 10.128.0.0/16 via 10.0.2.2
ip -n "$H2" addr add 10.128.0.1/32 dev lo
H3=$PREFIX-h3
EXTRA_NAMESPACES+=("$H3")
ns_create "$H3"
veth_connect "$H3" eth0 "$R1" eth-h3
ip -n "$H3" addr add 10.0.3.2/24 dev eth0
ip -n "$H3" addr add 10.128.0.1/32 dev lo
ip -n "$H3" route add default via 10.0.3.1
ip -n "$R1" addr add 10.0.3.1/24 dev eth-h3
ip -n "$R1" route add 10.128.0.0/16 via 10.0.3.2
h3_ready() { [ "$(rctl_in "$R1" -j stats dev eth-h3 | jq -r '.interfaces[0].egress')" = true ]; }
wait_until 5 h3_ready || die "routerd did not take eth-h3"
in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null
in_ns "$H1" ping -c1 -W2 10.128.0.1 >/dev/null

for i in $(seq 0 9999); do
	echo "route add 10.128.$((i / 256)).$((i % 256))/32 via 10.0.2.2 dev eth-h2"
done >"$TEST_TMP/add.batch"
sed 's/^route add/route del/' "$TEST_TMP/add.batch" >"$TEST_TMP/del.batch"
r1_churn_routes() { ip -n "$R1" route show proto bgp | grep -c '^10\.128\.'; }
r1_has() { [ "$(r1_churn_routes)" = "$1" ]; }

COUNT=$((DURATION * RATE))
in_ns "$R1" "$TOOLS/routewatch" 10.128.0.1 1000 $((DURATION + 40)) >"$TEST_TMP/fib.log" &
watcher=$!
in_ns "$H2" "$TOOLS/udpstream" recv 9101 "$COUNT" $((DURATION + 20)) >"$TEST_TMP/stable.json" 2>/dev/null &
r_stable=$!
in_ns "$H2" "$TOOLS/udpstream" recv 9102 "$COUNT" $((DURATION + 20)) "$TEST_TMP/h2.log" \
	>"$TEST_TMP/h2.json" 2>/dev/null &
r_h2=$!
in_ns "$H3" "$TOOLS/udpstream" recv 9102 "$COUNT" $((DURATION + 20)) "$TEST_TMP/h3.log" \
	>"$TEST_TMP/h3.json" 2>/dev/null &
r_h3=$!
wait_until 5 udp_listening "$H2" 9101 && wait_until 5 udp_listening "$H2" 9102 &&
	wait_until 5 udp_listening "$H3" 9102 || die "no receivers"
fwd0=$(rctl_in "$R1" -j stats dev eth-h1 | jq '.interfaces[0].forwarded.packets')
in_ns "$H1" "$TOOLS/udpstream" send 10.0.2.2 9101 "$COUNT" "$RATE" >/dev/null &
s_stable=$!
in_ns "$H1" "$TOOLS/udpstream" send 10.128.0.1 9102 "$COUNT" "$RATE" >/dev/null &
s_probe=$!

cycles=0 stuck=0
end=$(($(date +%s) + DURATION))
while [ "$(date +%s)" -lt "$end" ]; do
	ip -n "$R2" -batch "$TEST_TMP/add.batch"
	wait_until 60 r1_has 10000 || stuck=$((stuck + 1))
	ip -n "$R2" -batch "$TEST_TMP/del.batch"
	wait_until 60 r1_has 0 || stuck=$((stuck + 1))
	cycles=$((cycles + 1))
done
wait "$s_stable" "$s_probe"
sleep 0.5 # the last datagrams in flight
kill -INT "$r_h2" "$r_h3" 2>/dev/null
wait "$r_stable" "$r_h2" "$r_h3"
kill "$watcher" 2>/dev/null
stable_got=$(jq .received "$TEST_TMP/stable.json")
h2_got=$(jq .received "$TEST_TMP/h2.json")
h3_got=$(jq .received "$TEST_TMP/h3.json")
fwd=$(($(rctl_in "$R1" -j stats dev eth-h1 | jq '.interfaces[0].forwarded.packets') - fwd0))
echo "churn: $cycles cycles of 10000 announcements and 10000 withdrawals in ${DURATION} s"
echo "stable prefix: sent $COUNT, received $stable_got; churning /32: sent $COUNT," \
	"$h2_got to h2 (BGP route), $h3_got to h3 (covering route); r1's fast path forwarded $fwd"

# wrong_side LOG GATEWAY: packets in LOG (from h2 or h3) sent while r1's
# FIB pointed elsewhere, at the samples just before and just after.
wrong_side() {
	sort -k2,2n "$1" | awk -v want="$2" -v fib="$TEST_TMP/fib.log" '
		BEGIN { n = 0; while ((getline line < fib) > 0) { split(line, f, " "); t[n] = f[1]; hop[n] = f[2]; n++ } }
		{
			sent = $2
			while (k < n - 1 && t[k + 1] <= sent) k++
			if (k >= n - 1 || t[k] > sent) next  # outside the timeline
			if (hop[k] != want && hop[k + 1] != want) {
				bad++
				if (bad <= 3) print "  packet " $1 " sent at " sent ": r1 forwarded via " hop[k] ", it arrived at the other side"
			}
			checked++
		}
		END { print "  " checked + 0 " packets checked against " n " FIB samples"; exit bad > 0 }'
}
check "the churn ran at least two full cycles" at_least "$cycles" 2
check "every cycle converged (10000 routes in, then out)" test "$stuck" = 0
check "the stable prefix lost nothing" test "$stable_got" = "$COUNT"
check "the stable traffic took the fast path" at_least "$fwd" "$COUNT"
check "every churning packet reached one side" test $((h2_got + h3_got)) = "$COUNT"
check "both sides received (the churn was seen by the traffic)" \
	bash -c "[ $h2_got -gt 0 ] && [ $h3_got -gt 0 ]"
check "nothing reached h2 while r1's FIB had no BGP route to it" wrong_side "$TEST_TMP/h2.log" 10.0.12.2
check "nothing reached h3 while r1's FIB had the BGP route" wrong_side "$TEST_TMP/h3.log" 10.0.3.2
finish
