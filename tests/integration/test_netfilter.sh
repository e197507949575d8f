#!/bin/bash
# Netfilter on the forward path is the kernel's. While nftables has a base
# chain on prerouting, forward or postrouting (or netdev ingress) that can
# change something (a rule, or a drop policy), or iptables-legacy has a
# table, that family's forwarded traffic goes to the kernel (netfilter),
# following nftables' ruleset events. An empty accepting chain changes
# nothing and stops nothing. iptables with both backends: nft (seen by
# events), legacy (no events: read every checks interval, 1 s). Rules that
# select by fwmark: only netfilter or tc mark, so a marking rule sends its
# traffic to the kernel, and unmarked traffic routes as the kernel's does.
#
#   h1 ──────── r ──────── h2          routerd in r manages eth-h*
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping nft nstat iptables-nft iptables-legacy ip6tables-legacy socat cmp
N=20
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
start_routerd --resync-interval 600 # ruleset changes must come from events
both_ready() { [ "$(egress_of eth-h1)" = true ] && [ "$(egress_of eth-h2)" = true ]; }
wait_until 5 both_ready || die "routerd did not set up r"
warm_neighbours
nft_r() { ip netns exec "$R" nft "$@"; }
status_of() { rctl -j daemon status | jq -r ".$1"; }
pings() { in_ns "$H1" ping -q -c "$N" -i 0.01 -W 1 10.0.2.2 2>/dev/null | grep -o '[0-9]* received' | cut -d' ' -f1; }
udp_to_h2() { # N datagrams from h1 to h2's PORT (9999; closed: h2 counts them)
	in_ns "$H1" bash -c "for i in \$(seq $N); do echo x >/dev/udp/10.0.2.2/${1:-9999}; done" 2>/dev/null
}
h2_noports() { in_ns "$H2" nstat -az UdpNoPorts | awk '$1 == "UdpNoPorts" {print $2}'; }

nft_r add table inet t
nft_r add chain inet t fw '{ type filter hook forward priority 0; policy accept; }'
sleep 0.5
check "an empty accepting forward chain: no gate" test "$(status_of netfilter_ipv4)" = false
fwd0=$(forwarded eth-h1)
check "... pings forwarded by the fast path" \
	eval '[ "$(pings)" = "$N" ] && at_least $(($(forwarded eth-h1) - fwd0)) "$N"'

nft_r add rule inet t fw udp dport 9999 drop
check "a forward rule: routerd sees netfilter for IPv4 and IPv6 (inet)" \
	wait_until 5 eval '[ "$(status_of netfilter_ipv4)" = true ] && [ "$(status_of netfilter_ipv6)" = true ]'
fwd0=$(forwarded eth-h1) pass0=$(passed eth-h1 netfilter) u0=$(h2_noports)
udp_to_h2
check "UDP to the dropped port: h2 gets none of it, as with the kernel alone" \
	eval 'sleep 0.3; [ "$(h2_noports)" = "$u0" ]'
check "... the pings still answered" test "$(pings)" = "$N"
check "... nothing forwarded by the fast path" test "$(forwarded eth-h1)" = "$fwd0"
check "... everything handed to the kernel (netfilter)" \
	at_least $(($(passed eth-h1 netfilter) - pass0)) $((2 * N))
nft_r delete table inet t

# Masquerade out of eth-h2, and h2 without a route back to h1: only
# translated pings (from r's 10.0.2.1) can be answered.
check "the table deleted: no gate" wait_until 5 eval '[ "$(status_of netfilter_ipv4)" = false ]'
ip -n "$H2" route del default
check "... without a route back, h2 answers none" test "$(pings)" = 0
nft_r add table ip nat
nft_r add chain ip nat post '{ type nat hook postrouting priority 100; }'
nft_r add rule ip nat post oifname eth-h2 masquerade
check "masquerade: routerd sees netfilter for IPv4 only" \
	wait_until 5 eval '[ "$(status_of netfilter_ipv4)" = true ] && [ "$(status_of netfilter_ipv6)" = false ]'
fwd0=$(forwarded eth-h1)
check "... h2 answers all pings, translated as the kernel does" test "$(pings)" = "$N"
check "... none forwarded by the fast path" test "$(forwarded eth-h1)" = "$fwd0"
nft_r delete table ip nat
ip -n "$H2" route add default via 10.0.2.1
check "the table deleted: the fast path forwards again" \
	wait_until 5 eval 'fwd0=$(forwarded eth-h1); [ "$(pings)" = "$N" ] && at_least $(($(forwarded eth-h1) - fwd0)) "$N"'
fast_pings() { # all pings answered, at least N of them forwarded by the fast path
	local f0
	f0=$(forwarded eth-h1)
	[ "$(pings)" = "$N" ] && at_least $(($(forwarded eth-h1) - f0)) "$N"
}
dropped_port() { # UDP to PORT (9999): h2 gets none, the fast path forwards none
	local f0 u0
	f0=$(forwarded eth-h1) u0=$(h2_noports)
	udp_to_h2 "${1:-9999}"
	sleep 0.3
	[ "$(h2_noports)" = "$u0" ] && [ "$(forwarded eth-h1)" = "$f0" ]
}

# iptables with each backend: nft makes a table of nftables, seen by its
# events; legacy sends none, and libiptc reads what its tables hold.
for backend in nft legacy; do
	ip netns exec "$R" "iptables-$backend" -A FORWARD -p udp --dport 9999 -j DROP
	check "iptables-$backend FORWARD drop: netfilter for IPv4 within 3 s" \
		wait_until 3 eval '[ "$(status_of netfilter_ipv4)" = true ]'
	check "... UDP to the dropped port: h2 gets none, none forwarded by the fast path" dropped_port
	ip netns exec "$R" "iptables-$backend" -F FORWARD
	check "... flushed (the filter table left, empty, accepting): no gate" \
		wait_until 3 eval '[ "$(status_of netfilter_ipv4)" = false ]'
	check "... the fast path forwards again" fast_pings
done
ip netns exec "$R" iptables-nft -X
nft_r delete table ip filter
ip netns exec "$R" iptables-legacy -P FORWARD DROP
check "iptables-legacy FORWARD policy DROP: netfilter for IPv4" \
	wait_until 3 eval '[ "$(status_of netfilter_ipv4)" = true ]'
check "... no ping answered, as the kernel drops them" test "$(pings)" = 0
ip netns exec "$R" iptables-legacy -P FORWARD ACCEPT
ip netns exec "$R" ip6tables-legacy -t mangle -A FORWARD -j TTL --ttl-set 9 2>/dev/null ||
	ip netns exec "$R" ip6tables-legacy -t mangle -A FORWARD -j HL --hl-set 9
check "ip6tables-legacy mangle: netfilter for IPv6 only" \
	wait_until 3 eval '[ "$(status_of netfilter_ipv6)" = true ] && [ "$(status_of netfilter_ipv4)" = false ]'
ip netns exec "$R" ip6tables-legacy -t mangle -F FORWARD
check "... flushed: no gate" wait_until 3 eval '[ "$(status_of netfilter_ipv6)" = false ]'

# fwmark: marked UDP to 9999 is routed by table 100, into a blackhole.
ip -n "$R" rule add fwmark 0x1 lookup 100
ip -n "$R" route add blackhole 10.0.2.0/24 table 100
check "a fwmark rule: routerd counts it" wait_until 5 eval '[ "$(status_of fwmark_rules)" = 1 ]'
check "... unmarked traffic forwarded by the fast path, as the kernel routes it" fast_pings
nft_r add table ip m
nft_r add chain ip m pre '{ type filter hook prerouting priority -150; }'
nft_r add rule ip m pre udp dport 9999 meta mark set 1
check "... a rule marking UDP to 9999: netfilter for IPv4" \
	wait_until 5 eval '[ "$(status_of netfilter_ipv4)" = true ]'
check "... marked UDP blackholed by table 100, as the kernel does: h2 gets none" dropped_port
check "... unmarked pings still answered (by the kernel)" test "$(pings)" = "$N"
nft_r delete table ip m
ip -n "$R" rule del fwmark 0x1 lookup 100
check "... all gone: the fast path forwards again" \
	wait_until 5 eval '[ "$(status_of fwmark_rules)" = 0 ] && fast_pings'
# A drop added under traffic: datagrams sent once nft has returned (the
# rule is in) that still reach h2 went by the fast path before routerd
# took the ruleset event. Measured and printed; bound: 1 s.
nft_r add table inet live
nft_r add chain inet live fw '{ type filter hook forward priority 0; policy accept; }'
wait_until 5 eval '[ "$(status_of netfilter_ipv4)" = false ]' || die "routerd did not settle"
nsenter --net="/run/netns/$H2" -- "$TOOLS/udpstream" recv 9101 100000 30 "$TEST_TMP/live.log" >/dev/null 2>&1 &
live_recv=$!
wait_until 5 udp_listening "$H2" 9101 || die "the stream's receiver did not start"
nsenter --net="/run/netns/$H1" -- "$TOOLS/udpstream" send 10.0.2.2 9101 100000 10000 >/dev/null &
live_send=$!
sleep 0.5
fwd0=$(forwarded eth-h1)
sleep 0.5
check "a stream of 10 000 datagrams/s goes by the fast path" \
	at_least $(($(forwarded eth-h1) - fwd0)) 4000
t_cmd=$(date +%s%N)
nft_r add rule inet live fw udp dport 9101 drop
t_rule=$(date +%s%N)
sleep 0.5
kill -TERM "$live_send" "$live_recv"
wait "$live_send" "$live_recv"
read -r before leaked last_ns < <(awk -v t="$t_rule" -v c="$t_cmd" '$2 <= c {b++}
	$2 > t {n++} $2 > m {m = $2} END {print b + 0, n + 0, (m == "" ? 0 : m)}' "$TEST_TMP/live.log")
check "... h2 logged the stream's datagrams, with their send times, until the rule" \
	at_least "$before" 5000
window_us=0
[ "$leaked" -gt 0 ] && window_us=$(((last_ns - t_rule) / 1000))
echo "drop added under traffic: the last datagram to reach h2 was sent" \
	"$(((last_ns - t_cmd) / 1000)) us after nft started ($(((t_rule - t_cmd) / 1000)) us to" \
	"run it); $leaked sent after it returned reached h2, the last ${window_us} us after"
check "... a drop added under traffic takes effect within 1 s" test "$window_us" -lt 1000000
check "... and after it none of that port is forwarded" dropped_port 9101
nft_r delete table inet live
# The conntrack gate. A stateful ruleset (forward: drop by default,
# established flows accepted first, new ones only from h1) with masquerade
# out of eth-h2; h2 without a route back to h1; TCP windows not checked
# (be_liberal). One exact frame sent again and again each way: the first
# ones cross r by the kernel (conntrack not yet assured: UDP waits 2 s),
# the rest by the fast path, and every copy must leave r as the same bytes.
ip netns exec "$R" sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=1
ip -n "$H2" route del default
nft_r -f - <<'RULES'
table inet sf {
	chain fw {
		type filter hook forward priority 0; policy drop;
		ct state established,related accept
		iifname "eth-h1" ct state new accept
	}
}
table ip sfnat {
	chain post {
		type nat hook postrouting priority 100;
		oifname "eth-h2" masquerade
	}
}
RULES
check "a stateful ruleset with masquerade: routerd gates IPv4 and IPv6 by conntrack, TCP too" \
	wait_until 5 eval '[ "$(status_of netfilter_stateful_ipv4)" = true ] &&
		[ "$(status_of netfilter_stateful_ipv6)" = true ] && [ "$(status_of conntrack_tcp_liberal)" = true ]'
check "... and routerctl daemon status says so" \
	eval 'rctl daemon status | grep -q "stateful ruleset for IPv4 and IPv6: new flows go to the kernel"'
mac_r() { ip -n "$R" -j link show "$1" | jq -r '.[0].address'; }
MAC_H1=$(mac_r eth-h1) MAC_H2=$(mac_r eth-h2)
FRAMES=1000 FRAME_RATE=200 # 5 s: 2 s by the kernel, then the fast path
capture_start() { # NS PORT NAME SECONDS: frames to or from PORT on NS's eth0
	nsenter --net="/run/netns/$1" -- "$TOOLS/frames" capture eth0 "$2" "$4" >"$TEST_TMP/$3.json" &
	eval "CAP_$3=$!"
	wait_until 5 grep -q ready "$TEST_TMP/$3.json" || die "capture $3 did not start"
}
capture_end() { # NAME...: waits for their time to be up; OUT_<NAME> gets each one's JSON
	local name
	for name in "$@"; do
		wait "$(eval echo "\$CAP_$name")"
		printf -v "OUT_${name^^}" '%s' "$(tail -1 "$TEST_TMP/$name.json")"
	done
}
# burst FROM ROUTER_MAC TO NAME SRC DST SPORT DPORT: 50 frames from host
# FROM to r's ROUTER_MAC, what host TO receives on DPORT into OUT_<NAME>.
burst() {
	capture_start "$3" "$8" "$4" 1
	in_ns "$1" "$TOOLS/frames" send eth0 "$2" "$5" "$6" "$7" "$8" 50 500
	capture_end "$4"
}
# flow FAMILY FIRST  H1_SRC H1_DST H1_PORT H1_TO_PORT  H2_SRC H2_DST H2_PORT
# H2_TO_PORT: one frame from each host (SRC:PORT to DST:TO_PORT) again and
# again, FIRST's starting; what each receives on its PORT captured, into
# OUT_H1 and OUT_H2.
flow() {
	local fam=$1 first=$2 secs=$((FRAMES / FRAME_RATE + 2)) n sink=() out
	shift 2
	local -A src=([1]=$1 [2]=$5) dst=([1]=$2 [2]=$6) port=([1]=$3 [2]=$7) to=([1]=$4 [2]=$8)
	local -A ns=([1]=$H1 [2]=$H2) mac=([1]=$MAC_H1 [2]=$MAC_H2)
	for n in 1 2; do
		nsenter --net="/run/netns/${ns[$n]}" -- socat -u "UDP$fam-RECV:${port[$n]}" /dev/null &
		sink+=($!)
		capture_start "${ns[$n]}" "${port[$n]}" "h$n" "$secs"
	done
	for n in "$first" $((3 - first)); do
		in_ns "${ns[$n]}" "$TOOLS/frames" send eth0 "${mac[$n]}" "${src[$n]}" "${dst[$n]}" \
			"${port[$n]}" "${to[$n]}" "$FRAMES" "$FRAME_RATE" &
		out+=" $!"
		sleep 0.2
	done
	wait $out
	capture_end h2 h1
	kill "${sink[@]}" 2>/dev/null
	wait "${sink[@]}" 2>/dev/null
}
same_bytes() { # JSON: all FRAMES frames arrived, every one the same bytes
	jq -e --argjson n "$FRAMES" '.frames == $n and (.distinct | length) == 1' <<<"$1" >/dev/null || {
		echo "  $(jq -c '{frames, distinct: [.distinct[] | {count, hex: .hex[0:140]}]}' <<<"$1")"
		return 1
	}
}
gate_counts() { # DEV: forwarded, ct_new
	local j
	j=$(stats_json "$1")
	jq -r '.interfaces[0] | "\(.forwarded.packets) \(.passed.ct_new)"' <<<"$j"
}
read -r f1 n1 < <(gate_counts eth-h1)
read -r f2 n2 < <(gate_counts eth-h2)
flow 4 1  10.0.1.2 10.0.2.2 40000 7777  10.0.2.2 10.0.2.1 7777 40000
read -r f1b n1b < <(gate_counts eth-h1)
read -r f2b n2b < <(gate_counts eth-h2)
echo "conntrack gate, IPv4 UDP with masquerade: h1->h2 $((f1b - f1)) of $FRAMES by the fast path," \
	"$((n1b - n1)) to the kernel (ct_new); h2->h1 $((f2b - f2)) by the fast path, $((n2b - n2)) to the kernel"
check "IPv4 UDP through masquerade: h2 gets every frame, kernel- and fast-path-forwarded alike byte for byte" \
	same_bytes "$OUT_H2"
check "... translated as the kernel does: from r's 10.0.2.1 (0a000201), port 40000 kept" \
	eval 'jq -r ".distinct[0].hex" <<<"$OUT_H2" | tr -d " \n" | grep -q "^.\{52\}0a0002010a0002029c40"'
check "... the replies, translated back, reach h1 the same way" same_bytes "$OUT_H1"
check "... the fast path forwarded most of each direction once conntrack assured the flow" \
	eval 'at_least $((f1b - f1)) $((FRAMES / 4)) && at_least $((f2b - f2)) $((FRAMES / 4))'
check "... and the kernel the first packets (ct_new)" at_least $((n1b - n1)) 1
read -r f1 n1 < <(gate_counts eth-h1)
flow 6 1  fd00:1::2 fd00:2::2 40000 7777  fd00:2::2 fd00:1::2 7777 40000
read -r f1b n1b < <(gate_counts eth-h1)
check "IPv6 UDP under the stateful ruleset: h2 gets every frame, byte for byte alike" same_bytes "$OUT_H2"
check "... and h1 every reply" same_bytes "$OUT_H1"
check "... most by the fast path, the first by the kernel" \
	eval 'at_least $((f1b - f1)) $((FRAMES / 4)) && at_least $((n1b - n1)) 1'

# DNAT: r's 10.0.2.1:8080 forwarded to h1's port 80, both directions.
nft_r add chain ip sfnat pre '{ type nat hook prerouting priority -100; }'
nft_r add rule ip sfnat pre iifname eth-h2 udp dport 8080 dnat to 10.0.1.2:80
nft_r add rule inet sf fw ct status dnat accept
check "DNAT added: the ruleset stays stateful" \
	wait_until 5 eval '[ "$(status_of netfilter_stateful_ipv4)" = true ]'
read -r f2 n2 < <(gate_counts eth-h2)
flow 4 2  10.0.1.2 10.0.2.2 80 40001  10.0.2.2 10.0.2.1 40001 8080
read -r f2b n2b < <(gate_counts eth-h2)
check "DNAT port forward: h1 gets every frame, to 10.0.1.2:80, byte for byte alike" same_bytes "$OUT_H1"
check "... translated as the kernel does (0a000202 to 0a000102, port 80)" \
	eval 'jq -r ".distinct[0].hex" <<<"$OUT_H1" | tr -d " \n" | grep -q "^.\{52\}0a0002020a0001029c410050"'
check "... the replies reach h2 from 10.0.2.1:8080, alike" same_bytes "$OUT_H2"
check "... most by the fast path, the first by the kernel" \
	eval 'at_least $((f2b - f2)) $((FRAMES / 4)) && at_least $((n2b - n2)) 1'

# iptables-nft's stateful form is read too; iptables-legacy's is not (its
# tables keep their family on the kernel).
for ipt in iptables-nft iptables-legacy; do
	want=true
	[ "$ipt" = iptables-legacy ] && want=false
	ip netns exec "$R" "$ipt" -P FORWARD DROP
	ip netns exec "$R" "$ipt" -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	ip netns exec "$R" "$ipt" -A FORWARD -i eth-h1 -j ACCEPT
	check "$ipt -m conntrack --ctstate ESTABLISHED first: stateful $want" \
		wait_until 5 eval '[ "$(status_of netfilter_stateful_ipv4)" = $want ] && [ "$(status_of netfilter_ipv4)" = true ]'
	ip netns exec "$R" "$ipt" -F FORWARD
	ip netns exec "$R" "$ipt" -P FORWARD ACCEPT
done
check "... both flushed: stateful again" \
	wait_until 5 eval '[ "$(status_of netfilter_stateful_ipv4)" = true ]'
# Mangle changes established packets too: the family goes to the kernel.
nft_r add table ip mg
nft_r add chain ip mg pre '{ type filter hook prerouting priority -150; }'
nft_r add rule ip mg pre ip dscp set cs1
check "a mangle rule (DSCP) beside the stateful ruleset: IPv4 no longer stateful, IPv6 still" \
	wait_until 5 eval '[ "$(status_of netfilter_stateful_ipv4)" = false ] && [ "$(status_of netfilter_stateful_ipv6)" = true ]'
read -r f1 n1 < <(gate_counts eth-h1)
burst "$H1" "$MAC_H1" "$H2" h2 10.0.1.2 10.0.2.2 40000 7777
read -r f1b n1b < <(gate_counts eth-h1)
check "... the established flow's frames all reach h2 with DSCP cs1, as the kernel marks them" \
	eval 'jq -e ".frames == 50 and (.distinct | length) == 1" <<<"$OUT_H2" >/dev/null &&
		jq -r ".distinct[0].hex" <<<"$OUT_H2" | tr -d " \n" | grep -q "^.\{30\}20"'
check "... none of them forwarded by the fast path" test "$f1b" = "$f1"
nft_r delete table ip mg
check "... deleted: stateful again" wait_until 5 eval '[ "$(status_of netfilter_stateful_ipv4)" = true ]'

# Unsolicited from outside: conntrack has nothing established, netfilter
# drops it, and so nothing of it is forwarded.
read -r f2 n2 < <(gate_counts eth-h2)
burst "$H2" "$MAC_H2" "$H1" h1 10.0.2.2 10.0.1.2 5555 6666
read -r f2b n2b < <(gate_counts eth-h2)
check "a new flow from outside: h1 gets none of it, as with the kernel alone" \
	test "$(jq .frames <<<"$OUT_H1")" = 0
check "... the fast path forwarded none, all 50 went to the kernel (ct_new)" \
	eval '[ "$f2b" = "$f2" ] && at_least $((n2b - n2)) 50'

# TCP through masquerade: SYN and FIN to the kernel, the data by the gate.
head -c 20000000 /dev/urandom >"$TEST_TMP/tcp.in"
tcp_transfer() {
	nsenter --net="/run/netns/$H2" -- socat -u TCP-LISTEN:7000,reuseaddr "OPEN:$TEST_TMP/tcp.out,creat,trunc" &
	local rx=$!
	wait_until 5 tcp_listening "$H2" 7000 || die "the TCP receiver did not start"
	in_ns "$H1" socat -u "OPEN:$TEST_TMP/tcp.in" TCP:10.0.2.2:7000
	wait "$rx"
	cmp -s "$TEST_TMP/tcp.in" "$TEST_TMP/tcp.out"
}
tcp_counts() { stats_json eth-h1 | jq -r '.interfaces[0] | "\(.forwarded.packets) \(.passed.ct_tcp_control) \(.passed.ct_tcp_window)"'; }
read -r t0 c0 w0 < <(tcp_counts)
check "TCP through masquerade: 20 MB arrive intact" tcp_transfer
read -r t1 c1 w1 < <(tcp_counts)
echo "conntrack gate, TCP: $((t1 - t0)) segments h1->h2 by the fast path, $((c1 - c0)) SYN/FIN/RST to the kernel"
check "... the data segments by the fast path, SYN and FIN by the kernel" \
	eval 'at_least $((t1 - t0)) 1000 && at_least $((c1 - c0)) 2'
ip netns exec "$R" sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=0
check "conntrack checks TCP windows again: routerd follows (checks interval)" \
	wait_until 5 eval '[ "$(status_of conntrack_tcp_liberal)" = false ]'
read -r t0 c0 w0 < <(tcp_counts)
check "... 20 MB arrive intact" tcp_transfer
read -r t1 c1 w1 < <(tcp_counts)
check "... every segment by the kernel (ct_tcp_window), none by the fast path" \
	eval '[ "$t1" = "$t0" ] && at_least $((w1 - w0)) 1000'

# A drop put before the established rule: the gate is off for every flow,
# the established one too.
nft_r insert rule inet sf fw udp dport 7777 drop
check "a drop before the established rule: the ruleset is no longer stateful" \
	wait_until 5 eval '[ "$(status_of netfilter_stateful_ipv4)" = false ]'
burst "$H1" "$MAC_H1" "$H2" h2 10.0.1.2 10.0.2.2 40000 7777
check "... the established flow's frames are dropped, as the kernel does: h2 gets none" \
	test "$(jq .frames <<<"$OUT_H2")" = 0
nft_r delete table inet sf
nft_r delete table ip sfnat
ip -n "$H2" route add default via 10.0.2.1
check "routerd is alive" routerd_alive
finish
