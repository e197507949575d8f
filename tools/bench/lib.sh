# Helpers of bench.sh: the topology, the three modes of r, one measurement
# of each kind. Source it after setting the variables bench.sh sets.
#
#   $P-h1 ──────────────────── $P-r ──────────────────── $P-h2
#   eth0                   eth-h1   eth-h2                 eth0
#   10.0.1.2/24          10.0.1.1   10.0.2.1          10.0.2.2/24
#   fd00:1::2/64        fd00:1::1   fd00:2::1        fd00:2::2/64
#   xdp-pktgen send ───▶ [ mode of r ] ───▶ xdp-pktgen sink (count, drop)
#                                           or iperf3 -s (TCP)
#
# Modes of r:
#   kernel    no XDP on r; GRO on eth-h1 and eth-h2 gives them the NAPI a
#             frame redirected into a veth needs to be received
#   fastpath  routerd, managing eth-h*, attaches the fast path (native)
#   limit     bench-limit on eth-h1: MACs preset, redirect, no lookup

log() { printf '%(%T)T %s\n' -1 "$*" >&2; }
die() {
	log "bench: $*"
	exit 2
}

# stop_pid PID [SECONDS]: SIGTERM, a bounded wait, SIGKILL; reaps it and
# returns its exit status.
stop_pid() {
	local pid=$1 limit=${2:-10}
	[ -n "$pid" ] || return 0
	pid_gone "$pid" || kill -TERM "$pid" 2>/dev/null
	wait_until "$limit" pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# await_pid PID SECONDS: waits for a child to end by itself (bounded, then
# SIGTERM); returns its exit status.
await_pid() {
	wait_until "$2" pid_gone "$1" || log "process $1 did not end in $2 s: stopping it"
	stop_pid "$1" 5
}

mac_of() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }

# ---- topology -------------------------------------------------------------

# topo_up PREFIX: h1 — r — h2 with default offloads (examples/lib.sh).
topo_up() {
	topo_h1_r_h2_up "$1" >/dev/null || die "cannot build the topology $1"
}

# prepare_pps: what every mode of the packet-rate runs needs, once.
prepare_pps() {
	local h2mac
	# NAPI on r's veths (kernel mode: frames redirected into h1's eth0 land
	# in eth-h1's ring) and on h2's eth0 (fast path and limit redirect into
	# eth-h2; the sink's XDP gives it NAPI too, but routerd decides whether
	# eth-h2 can be an egress before the sink attaches).
	in_ns "$R" ethtool -K eth-h1 gro on >/dev/null &&
		in_ns "$R" ethtool -K eth-h2 gro on >/dev/null &&
		in_ns "$H2" ethtool -K eth0 gro on >/dev/null || die "cannot turn GRO on"
	# The sink drops ARP and ND too: r must know h2 without asking, and a
	# permanent entry never goes stale under the fast path.
	h2mac=$(mac_of "$H2" eth0)
	ip -n "$R" neigh replace 10.0.2.2 lladdr "$h2mac" dev eth-h2 nud permanent &&
		ip -n "$R" neigh replace fd00:2::2 lladdr "$h2mac" dev eth-h2 nud permanent ||
		die "cannot add h2's neighbour entries"
	R_MAC=$(mac_of "$R" eth-h1)
	H2_MAC=$h2mac
}

# ---- route tables ---------------------------------------------------------

mem_available_kib() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

# install_table FAMILY ROUTES DESTS: draws the table (bench-routes), installs
# it in r with ip -batch, and appends how long it took to route_install.jsonl.
# The destinations go to $WORK/dsts.
install_table() {
	local fam=$1 routes=$2 dests=$3 via t0 t1 m0 m1 gen
	[ "$fam" = ipv4 ] && via=10.0.2.2 || via=fd00:2::2
	gen=$("$BENCH_ROUTES" -j family "$fam" routes "$routes" dests "$dests" seed "$SEED" \
		via "$via" batch "$WORK/routes.batch" dst-file "$WORK/dsts") ||
		die "bench-routes failed"
	m0=$(mem_available_kib)
	t0=$(date +%s%N)
	in_ns "$R" ip -batch "$WORK/routes.batch" || die "ip -batch could not install $routes routes"
	t1=$(date +%s%N)
	m1=$(mem_available_kib)
	rm -f "$WORK/routes.batch"
	jq -cn --arg f "$fam" --argjson n "$routes" --argjson gen "$gen" \
		--argjson s "$(((t1 - t0) / 1000000))" --argjson m "$(((m0 - m1) / 1024))" \
		'{family: $f, routes: $n, seconds: ($s / 1000), mem_mib: $m,
		  generate_seconds: $gen.seconds}' >>"$WORK/route_install.jsonl"
	log "$fam: $routes routes installed in $(((t1 - t0) / 1000000)) ms, $(((m0 - m1) / 1024)) MiB"
}

# flush_table FAMILY: removes the table (ip route add makes proto boot
# routes; r's own are proto kernel), now rather than in the background
# while the next table is measured.
flush_table() {
	local opt=-4
	[ "$1" = ipv6 ] && opt=-6
	in_ns "$R" ip "$opt" route flush proto boot || die "cannot flush the $1 routes"
}

# ---- counters of r --------------------------------------------------------

# kernel_forwarded FAMILY: datagrams r's kernel forwarded (SNMP).
kernel_forwarded() {
	if [ "$1" = ipv4 ]; then
		in_ns "$R" awk '$1 == "Ip:" { if (!col) { for (i = 2; i <= NF; i++)
			if ($i == "ForwDatagrams") col = i } else print $col }' /proc/net/snmp
	else
		in_ns "$R" awk '$1 == "Ip6OutForwDatagrams" { print $2 }' /proc/net/snmp6
	fi
}


# fastpath_counters: "FORWARDED PASSED HITS MISSES SKIPPED" of eth-h1, from
# routerd (the last three: the FIB result cache's answers).
fastpath_counters() {
	rctl -j stats dev eth-h1 | jq -r '.interfaces[0] | [.forwarded.packets, .passed_packets,
		.fib_cache.hits, .fib_cache.misses, .fib_cache.skipped] | join(" ")'
}

# ---- modes of r -----------------------------------------------------------

ROUTERD_PID='' LIMIT_PID=''

fastpath_ready() {
	rctl -j stats 2>/dev/null | jq -e '[.interfaces[] |
		select((.ifname == "eth-h1" or .ifname == "eth-h2") and
		       .fastpath == "native" and .egress)] | length == 2' >/dev/null
}

# start_routerd [CACHE_ENTRIES]: routerd managing r's interfaces, the FIB
# result cache at $FIB_CACHE_ENTRIES or this size (0: off).
start_routerd() {
	cat >"$WORK/routerd.conf" <<-EOF
		log_level = "info"
		control_socket = "$ROUTERD_SOCKET"
		fib_cache_entries = ${1:-$FIB_CACHE_ENTRIES}
		[[interface]]
		name = "eth-h*"
		mode = "native"
	EOF
	routerd_start "$R" "$WORK/routerd.conf" "$WORK" || return 1
	wait_until 10 fastpath_ready || {
		tail -20 "$WORK/routerd.log" >&2
		return 1
	}
}

stop_routerd() {
	# routerd detaches the fast path as it stops; the unload makes sure.
	stop_pid "$ROUTERD_PID"
	ROUTERD_PID=
	in_ns "$R" "$ROUTERCTL" fastpath unload >/dev/null 2>&1
	return 0
}

start_limit() {
	nsenter --net="/run/netns/$R" -- "$BENCH_LIMIT" -j dev eth-h1 egress eth-h2 \
		dst-mac "$H2_MAC" >"$WORK/limit.json" 2>"$WORK/limit.err" &
	LIMIT_PID=$!
	wait_until 5 xdp_attached "$R" eth-h1 || {
		cat "$WORK/limit.err" >&2
		return 1
	}
}

stop_limit() {
	stop_pid "$LIMIT_PID"
	LIMIT_PID=
}

r_has_no_xdp() {
	[ "$(xdp_mode "$R" eth-h1)" = none ] && [ "$(xdp_mode "$R" eth-h2)" = none ]
}

# The modes in which routerd runs the fast path (with and without its cache).
routerd_mode() { [ "$1" = fastpath ] || [ "$1" = nocache ]; }

mode_up() {
	case $1 in
	kernel) r_has_no_xdp || die "XDP is still attached in r" ;;
	fastpath) start_routerd || die "routerd did not attach the fast path" ;;
	nocache) start_routerd 0 || die "routerd did not attach the fast path" ;;
	limit) start_limit || die "bench-limit did not attach" ;;
	esac
}

mode_down() {
	case $1 in
	fastpath | nocache) stop_routerd ;;
	limit) stop_limit ;;
	esac
	r_has_no_xdp || die "XDP is still attached in r after mode $1"
}

# ---- a stateful firewall on r --------------------------------------------------

# The ruleset of the stateful cells (RULESET names it in the samples): new
# flows only from h1, established ones accepted first, masquerade out of
# eth-h2; TCP windows unchecked.
RULESET=
stateful_ruleset() {
	in_ns "$R" sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=1 &&
		in_ns "$R" nft -f - <<-'EOF'
			table inet fw {
				chain forward {
					type filter hook forward priority 0; policy drop;
					ct state established,related accept
					iifname "eth-h1" ct state new accept
				}
			}
			table ip nat {
				chain post {
					type nat hook postrouting priority 100;
					oifname "eth-h2" masquerade
				}
			}
		EOF
}

# prime_conntrack: the generator's flow both ways for 2.5 s (the kernel
# forwarding), so conntrack holds it established and assured (UDP: a reply,
# and traffic 2 s on) before any measurement.
prime_conntrack() {
	local dst out
	dst=$(head -1 "$WORK/dsts")
	nsenter --net="/run/netns/$H1" -- "$PKTGEN" send -j dev eth0 src 10.0.1.2 dst "$dst" \
		dst-mac "$R_MAC" rate 1000 duration 2.5 >/dev/null 2>"$WORK/prime.err" &
	out=$!
	sleep 0.1
	nsenter --net="/run/netns/$H2" -- "$PKTGEN" send -j dev eth0 src "$dst" dst 10.0.2.1 \
		sport 9 dport 1024 dst-mac "$(mac_of "$R" eth-h2)" rate 1000 duration 2.4 \
		>/dev/null 2>>"$WORK/prime.err" || die "cannot prime conntrack: $(cat "$WORK/prime.err")"
	wait "$out" || die "cannot prime conntrack: $(cat "$WORK/prime.err")"
}

# ---- one packet-rate measurement --------------------------------------------

# pps_sample FAMILY ROUTES DESTS MODE ROUND: the sink on h2, the generator
# on h1 for $DURATION s, r in MODE; appends one JSON line to samples.jsonl.
pps_sample() {
	local fam=$1 routes=$2 dests=$3 mode=$4 round=$5 src xdp k0 k1 f0 f1 sink_pid
	local s=$WORK/s
	rm -f "$s".*
	[ "$fam" = ipv4 ] && src=10.0.1.2 || src=fd00:1::2
	mode_up "$mode"
	xdp=$(xdp_mode "$R" eth-h1)
	k0=$(kernel_forwarded "$fam")
	f0="null null null null null"
	routerd_mode "$mode" && f0=$(fastpath_counters)

	nsenter --net="/run/netns/$H2" -- "$PKTGEN" sink -j dev eth0 idle 0.5 \
		duration $((${DURATION%.*} + 30)) >"$s.sink" 2>"$s.sink.err" &
	sink_pid=$!
	wait_until 5 xdp_attached "$H2" eth0 || die "the sink did not attach: $(cat "$s.sink.err")"
	# The same generator in every case: destinations from the file, so a
	# single destination costs the generator what 65536 do.
	timeout $((${DURATION%.*} + 60)) nsenter --net="/run/netns/$H1" -- "$PKTGEN" send -j \
		dev eth0 src "$src" dst-file "$WORK/dsts" flows "$dests" dst-mac "$R_MAC" \
		duration "$DURATION" >"$s.send" 2>"$s.send.err" ||
		log "xdp-pktgen send failed: $(cat "$s.send.err")"
	# The sink ends 0.5 s after the last frame (the generator pauses ~25 ms
	# between test runs).
	await_pid "$sink_pid" 30

	k1=$(kernel_forwarded "$fam")
	f1="null null null null null"
	routerd_mode "$mode" && f1=$(fastpath_counters)
	mode_down "$mode"
	[ "$mode" = limit ] && cp "$WORK/limit.json" "$s.limit"

	jq -cn --arg fam "$fam" --argjson routes "$routes" --argjson dests "$dests" \
		--arg mode "$mode" --argjson round "$round" --arg xdp "$xdp" --arg ruleset "$RULESET" \
		--argjson kfwd "$((k1 - k0))" --argjson f0 "[${f0// /,}]" --argjson f1 "[${f1// /,}]" \
		--slurpfile send <(cat "$s.send" 2>/dev/null) \
		--slurpfile sink <(cat "$s.sink" 2>/dev/null) \
		--slurpfile limit <(cat "$s.limit" 2>/dev/null) \
		-f "$BENCH_DIR/sample.jq" | tee -a "$WORK/samples.jsonl" |
		jq -r '"\(.family) \(.routes) routes \(.destinations) dests, round \(.round), " +
			"\(.mode): \(.pps / 1e6 * 1000 | round / 1000) Mpps delivered " +
			"(sent \(.sent), received \(.received))" +
			(if .problems == [] then "" else "  !! " + (.problems | join("; ")) end)' >&2
}

# ---- one bulk TCP measurement -------------------------------------------------


# offloads NS DEV: what a sender's veth does for TCP, as JSON.
offloads() {
	in_ns "$1" ethtool -k "$2" | awk -F': ' '
		$1 == "tcp-segmentation-offload" { tso = $2 }
		$1 == "generic-segmentation-offload" { gso = $2 }
		$1 == "tx-checksumming" { csum = $2 }
		END { printf "{\"tso\":\"%s\",\"gso\":\"%s\",\"tx_checksum\":\"%s\"}\n",
			tso, gso, csum }' | sed 's/ \[fixed\]//g'
}

# tcp_sample MODE STREAMS ROUND: iperf3 h1 → h2 for $TCP_DURATION s; appends
# one JSON line to samples.jsonl.
tcp_sample() {
	local mode=$1 streams=$2 round=$3 server k0 k1 f0="null null" f1="null null" omit=0
	local s=$WORK/t
	rm -f "$s".*
	[ "${TCP_DURATION%.*}" -ge 5 ] && omit=1  # past slow start
	nsenter --net="/run/netns/$H2" -- iperf3 -s -1 -p 5201 >"$s.server" 2>&1 &
	server=$!
	wait_until 5 tcp_listening "$H2" 5201 || die "iperf3 -s did not start"
	k0=$(kernel_forwarded ipv4)
	[ "$mode" = fastpath ] && f0=$(fastpath_counters)
	timeout $((${TCP_DURATION%.*} + 30)) nsenter --net="/run/netns/$H1" -- \
		iperf3 -c 10.0.2.2 -p 5201 -t "$TCP_DURATION" -O "$omit" -P "$streams" -J \
		>"$s.client" 2>"$s.client.err" || log "iperf3 failed: $(tail -3 "$s.client.err")"
	await_pid "$server" 10
	k1=$(kernel_forwarded ipv4)
	[ "$mode" = fastpath ] && f1=$(fastpath_counters)
	jq -cn --arg mode "$mode" --argjson streams "$streams" --argjson round "$round" \
		--arg ruleset "$RULESET" --arg xdp "$(xdp_mode "$R" eth-h1)" --argjson h1 "$(offloads "$H1" eth0)" \
		--argjson k "$((k1 - k0))" --argjson f0 "[${f0// /,}]" --argjson f1 "[${f1// /,}]" \
		--slurpfile iperf <(jq -c . "$s.client" 2>/dev/null) '
		($iperf[0].end.sum_received.bits_per_second // 0) as $bps |
		{part: "tcp", mode: $mode, streams: $streams, round: $round,
		 ruleset: (if $ruleset == "" then null else $ruleset end),
		 gbps: ($bps / 1e9), retransmits: ($iperf[0].end.sum_sent.retransmits // null),
		 r: {xdp: $xdp, kernel_forwarded: $k,
		     fastpath_forwarded: (if $f0[0] == null then null else $f1[0] - $f0[0] end)},
		 h1_offloads: $h1,
		 problems: ([if $bps == 0 then "no throughput measured" else empty end] +
		   [if $mode == "kernel" and $xdp != "none" then "XDP attached in kernel mode"
		    else empty end] +
		   [if $mode == "fastpath" and ($f0[0] == null or
		       ($f1[0] - $f0[0]) < 0.9 * (($f1[0] - $f0[0]) + $k))
		    then "the fast path forwarded under 90% of the packets" else empty end])}' |
		tee -a "$WORK/samples.jsonl" |
		jq -r '"tcp round \(.round), \(.mode), \(.streams) stream(s): " +
			"\(.gbps * 100 | round / 100) Gbit/s (h1 eth0 tso \(.h1_offloads.tso), " +
			"gso \(.h1_offloads.gso), tx-checksum \(.h1_offloads.tx_checksum))" +
			(if .problems == [] then "" else "  !! " + (.problems | join("; ")) end)' >&2
}
