#!/bin/bash
# The FIB result cache never forwards on a stale answer. A steady stream
# from h1 to 10.200.0.1 and fd00:200::1, which h2 and h3 both hold, crosses
# r's fast path (routerd, the cache on) while r's kernel state changes in
# every way that moves it. After each change, nothing h1 sends leaves by
# the egress (or to the MAC) the kernel no longer points to, and what it
# sends takes the new path.
#
#   h1 ──── r ─┬── h2   10.200.0.1, fd00:200::1 on lo
#              └── h3   10.200.0.1, fd00:200::1 on lo
#
# Time is h1's send time (in each datagram): a datagram sent more than
# SLACK after a change's command returned was forwarded after the change.
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq awk nft
setup_topology
add_host 3
# A neighbour that stops answering goes FAILED within 3 probes of 100 ms.
in_ns "$R" sysctl -qw net.ipv4.neigh.eth-h3.retrans_time_ms=100 net.ipv6.neigh.eth-h3.retrans_time_ms=100
# No flow label: the multipath hash of IPv6 covers it, `ip route get` not.
in_ns "$H1" sysctl -qw net.ipv6.auto_flowlabels=0
for h in "$H2" "$H3"; do
	ip -n "$h" addr add 10.200.0.1/32 dev lo
	ip -n "$h" addr add fd00:200::1/128 dev lo
done
write_config "$TEST_TMP/routerd.conf" 'eth-h*'
start_routerd
three_egress() { [ "$(rctl -j stats | jq '[.interfaces[] | select(.egress)] | length')" = 3 ]; }
wait_until 10 three_egress || die "routerd did not make three egresses"
warm_neighbours
in_ns "$H1" ping -c1 -W2 10.0.3.2 >/dev/null && in_ns "$H1" ping -6 -c1 -W2 fd00:3::2 >/dev/null ||
	die "h1 cannot reach h3"
check "routerd says the cache is on for both families" \
	eval 'rctl -j stats | jq -e ".fib_cache.ipv4 and .fib_cache.ipv6" >/dev/null'

# Datagrams of 1400 bytes with DF, never fragmented by h1: an MTU of 1280
# on r's way to them sends them to r's kernel, which answers with ICMP.
RATE=4000 SLACK_MS=2 SIZE=1400
MAC_H3=$(ip -n "$H3" -j link show eth0 | jq -r '.[0].address')
declare -A ROUTE=([4]=10.200.0.0/24 [6]=fd00:200::/64) MORE=([4]=10.200.0.0/25 [6]=fd00:200::/65)
declare -A VIA2=([4]=10.0.2.2 [6]=fd00:2::2) VIA3=([4]=10.0.3.2 [6]=fd00:3::2)
declare -A DST=([4]=10.200.0.1 [6]=fd00:200::1) PORT=([4]=9600 [6]=9601)

r() { ip -n "$R" "$@"; }

neigh_state() { r -j neigh show "$1" dev eth-h3 | jq -r '.[0].state[0] // "none"'; }
neigh_invalid() { case $(neigh_state "$1") in FAILED | INCOMPLETE) true ;; *) false ;; esac; }
neigh_reachable() { [ "$(neigh_state "$1")" = REACHABLE ]; }

# neigh_fails F: h3 stops answering ARP and neighbour solicitations, and
# r's entry for it, probed, goes FAILED: the command returns once r's
# kernel no longer holds a valid entry.
neigh_fails() {
	in_ns "$H3" nft -f - <<-'EOF' || return 1
		table netdev nd_block {
			chain in {
				type filter hook ingress device eth0 priority 0;
				arp operation request drop
				icmpv6 type nd-neighbor-solicit drop
			}
		}
	EOF
	r neigh replace "${VIA3[$1]}" lladdr "$MAC_H3" dev eth-h3 nud probe &&
		wait_until 5 neigh_invalid "${VIA3[$1]}"
}

# neigh_answers F: h3 answers again; r's kernel, resolving for the packets
# the fast path passed it, has it REACHABLE.
neigh_answers() {
	in_ns "$H3" nft delete table netdev nd_block && wait_until 5 neigh_reachable "${VIA3[$1]}"
}

# link_up F: eth-h3 up again with its address, and the route through it.
link_up() {
	r link set eth-h3 up || return 1
	[ "$1" = 4 ] || r addr add fd00:3::1/64 dev eth-h3 nodad || return 1
	r -"$1" route replace "${ROUTE[$1]}" via "${VIA3[$1]}" && wait_until 5 egress_is_h3 "$1"
}
egress_is_h3() { [ "$(kernel_egress "$1")" = h3 ]; }

# kernel_egress F: where r's kernel sends the stream now (h2 or h3).
kernel_egress() {
	local src=10.0.1.2
	[ "$1" = 6 ] && src=fd00:1::2
	case $(r -j route get "${DST[$1]}" from "$src" iif eth-h1 ipproto udp | jq -r '.[0].dev') in
	eth-h2) echo h2 ;;
	eth-h3) echo h3 ;;
	*) echo none ;;
	esac
}

# One family's run: the stream, then each change in turn. A change is
# "NAME EXPECTED" and its commands; EXPECTED is h2, h3 or none (a MAC no
# host has). Each change's time and the egress before and after it go to
# $TEST_TMP/changesF.
run_family() {
	local f=$1 h pid
	r -"$f" route add "${ROUTE[$f]}" via "${VIA2[$f]}"
	for h in h2 h3; do
		local ns=$H2
		[ "$h" = h3 ] && ns=$H3
		nsenter --net="/run/netns/$ns" -- "$TOOLS/udpstream" recv "${PORT[$f]}" "$STREAM_MAX" 300 \
			"$TEST_TMP/$h-$f.log" >/dev/null 2>&1 &
		RECEIVERS+=($!)
		wait_until 5 udp_listening "$ns" "${PORT[$f]}" || die "no receiver in $h"
	done
	nsenter --net="/run/netns/$H1" -- "$TOOLS/udpstream" send "${DST[$f]}" "${PORT[$f]}" \
		"$STREAM_MAX" "$RATE" "$SIZE" >/dev/null &
	pid=$!
	: >"$TEST_TMP/changes$f"
	local now=h2
	change() {
		local name=$1 next=$2 t0 t
		shift 2
		t0=$(date +%s%N)
		"$@" || die "$name: $* failed"
		t=$(date +%s%N)
		[ "$next" = kernel ] && next=$(kernel_egress "$f")
		echo "$t0 $t $now $next $name" >>"$TEST_TMP/changes$f"
		now=$next
		sleep 0.4
	}
	sleep 0.5
	change "route replaced" h3 r -"$f" route replace "${ROUTE[$f]}" via "${VIA3[$f]}"
	change "more specific route added" h2 r -"$f" route add "${MORE[$f]}" via "${VIA2[$f]}"
	change "more specific route deleted" h3 r -"$f" route del "${MORE[$f]}"
	r -"$f" route add "${ROUTE[$f]}" via "${VIA2[$f]}" table 100
	change "ip rule added" h2 r -"$f" rule add to "${ROUTE[$f]}" table 100 pref 100
	change "ip rule deleted" h3 r -"$f" rule del pref 100
	change "neighbour lladdr changed, no gratuitous ARP (to a MAC no host has)" none \
		r neigh replace "${VIA3[$f]}" lladdr 02:00:00:00:99:99 dev eth-h3 nud permanent
	change "neighbour deleted: resolved again, to h3's MAC" h3 r neigh del "${VIA3[$f]}" dev eth-h3
	change "route MTU lowered to 1280, under the datagrams" none \
		r -"$f" route replace "${ROUTE[$f]}" via "${VIA3[$f]}" mtu lock 1280
	change "route MTU back" h3 r -"$f" route replace "${ROUTE[$f]}" via "${VIA3[$f]}"
	change "device MTU lowered to 1280, under the datagrams" none r link set eth-h3 mtu 1280
	change "device MTU back" h3 r link set eth-h3 mtu 1500
	change "neighbour probed, unanswered: FAILED" none neigh_fails "$f"
	change "neighbour answers again: REACHABLE" h3 neigh_answers "$f"
	change "the destination becomes an address of r" none \
		r addr add "${DST[$f]}/$([ "$f" = 4 ] && echo 32 || echo 128)" dev lo
	change "... and no longer" h3 r addr del "${DST[$f]}/$([ "$f" = 4 ] && echo 32 || echo 128)" dev lo
	change "ECMP member added (the kernel's hash picks the leg)" kernel \
		r -"$f" route replace "${ROUTE[$f]}" nexthop via "${VIA3[$f]}" nexthop via "${VIA2[$f]}"
	local leg
	leg=$(kernel_egress "$f")
	change "the flow's ECMP member removed" "$([ "$leg" = h2 ] && echo h3 || echo h2)" \
		r -"$f" route replace "${ROUTE[$f]}" via "$([ "$leg" = h2 ] && echo "${VIA3[$f]}" || echo "${VIA2[$f]}")"
	# Every change is judged up to the next one: this one too.
	change "the other member back alone" h3 r -"$f" route replace "${ROUTE[$f]}" via "${VIA3[$f]}"
	r -"$f" route add "${ROUTE[$f]}" via "${VIA2[$f]}" metric 2000  # a backup
	change "preferred route deleted: the backup" h2 \
		r -"$f" route del "${ROUTE[$f]}" via "${VIA3[$f]}"
	change "preferred route added again" h3 r -"$f" route add "${ROUTE[$f]}" via "${VIA3[$f]}"
	change "link of the preferred route down: the backup" h2 r link set eth-h3 down
	change "link up, its route added again" h3 link_up "$f"
	kill -TERM "$pid"
	wait "$pid"
	sleep 0.3
	kill -TERM "${RECEIVERS[@]}"
	wait "${RECEIVERS[@]}"
	RECEIVERS=()
	r -"$f" route flush "${ROUTE[$f]}" 2>/dev/null
	r -"$f" route flush table 100 2>/dev/null
	# Down flushed eth-h3's IPv6 address and neighbours.
	r link set eth-h3 up
	r addr add fd00:3::1/64 dev eth-h3 nodad 2>/dev/null
	wait_until 5 three_egress || die "eth-h3 is no egress again"
	wait_until 5 in_ns "$H1" ping -c1 -W1 10.0.3.2 >/dev/null &&
		wait_until 5 in_ns "$H1" ping -6 -c1 -W1 fd00:3::2 >/dev/null || die "h3 unreachable again"
}

# judge F: for each change, the datagrams sent after its command returned
# (beyond SLACK) and before the next one's began that reached the old
# egress (none may), and the first that reached the new one (one must).
judge() {
	local f=$1 t0 t old new name next_t ok=0 late first last
	local slack=$((SLACK_MS * 1000000))
	mapfile -t lines <"$TEST_TMP/changes$f"
	for i in "${!lines[@]}"; do
		read -r t0 t old new name <<<"${lines[$i]}"
		# Up to the next change's start.
		next_t=$(awk '{print $1}' <<<"${lines[$((i + 1))]:-9999999999999999999}")
		late=0
		if [ "$old" != "$new" ] && [ "$old" != none ]; then
			late=$(awk -v t=$((t + slack)) -v n="$next_t" '$2 > t && $2 < n' \
				"$TEST_TMP/$old-$f.log" | wc -l)
		fi
		# The window: the last datagram the old egress got, from the
		# command's start (its own run time included).
		last=none
		if [ "$old" != "$new" ] && [ "$old" != none ]; then
			last=$(awk -v t="$t0" -v n="$next_t" '$2 > t && $2 < n && $2 > m {m = $2} END {if (m) print m - t}' \
				"$TEST_TMP/$old-$f.log")
		fi
		first=none
		if [ "$new" != none ]; then
			first=$(awk -v t="$t" -v n="$next_t" '$2 > t && $2 < n {print $2 - t; exit}' \
				"$TEST_TMP/$new-$f.log")
		fi
		echo "FIGURE IPv$f $name ($(((t - t0) / 1000)) us): $late sent after it reached $old" \
			"(the last ${last:-none} ns after the command began); the first on $new ${first:-never} ns after it returned"
		if [ "$late" != 0 ] || { [ "$new" != none ] && [ -z "$first" ]; }; then ok=1; fi
	done
	return $ok
}

RECEIVERS=()
for f in 4 6; do
	read -r hits0 < <(rctl -j stats | jq '.total.fib_cache.hits')
	read -r fwd0 < <(rctl -j stats | jq '.total.forwarded.packets')
	run_family "$f"
	read -r hits1 < <(rctl -j stats | jq '.total.fib_cache.hits')
	read -r fwd1 < <(rctl -j stats | jq '.total.forwarded.packets')
	echo "FIGURE IPv$f: fast path forwarded $((fwd1 - fwd0)), the cache answered $((hits1 - hits0))"
	check "IPv$f: after every change, nothing sent reached the old egress, and the new one got what followed" \
		judge "$f"
	check "IPv$f: the fast path forwarded the stream, the cache answered most of it" \
		eval 'at_least $((fwd1 - fwd0)) $((RATE * 3)) && at_least $((hits1 - hits0)) $(((fwd1 - fwd0) / 2))'
done
finish
