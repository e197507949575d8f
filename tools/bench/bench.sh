#!/bin/bash
# The benchmark (issue 5): how fast r forwards in three modes, how that
# holds up with large route tables, bulk TCP, and what the fast path costs
# per packet. One command; results as JSON, a table and a PNG.
#
#   bnN-h1 ─────────────────── bnN-r ─────────────────── bnN-h2
#   eth0                  eth-h1    eth-h2                  eth0
#   10.0.1.2/24         10.0.1.1    10.0.2.1         10.0.2.2/24
#   fd00:1::2/64       fd00:1::1    fd00:2::1       fd00:2::2/64
#   xdp-pktgen send ──▶  [ mode of r ]  ──▶  xdp-pktgen sink (count, drop)
#   iperf3 -c      ────────────────────────▶  iperf3 -s
#
#   modes of r: kernel    kernel forwarding, no XDP (GRO on eth-h* for NAPI)
#               fastpath  the fast path, attached by routerd
#               limit     bench-limit: redirect with MACs preset, no lookup
#   route tables: N random /24s (IPv4) or /48s (IPv6) via h2, ip -batch
#
# Usage: tools/bench/bench.sh [--quick] [--rounds N] [--duration S]
#          [--tcp-duration S] [--cells "ROUTES:DESTS ..."] [--families "ipv4 ipv6"]
#          [--parts "pps tcp stateful nsperpkt"] [--seed N] [--out DIR]
#          [--cache-entries N]  (the fast path's FIB cache size; nocache: 0)
# Run as root after a build (./run.sh bench does both). Modes are
# interleaved (kernel, fastpath, limit, kernel, ...) so a drifting machine
# shows up as spread, not as a difference between modes.
set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT_DIR/build}
PKTGEN=$BUILD_DIR/tools/pktgen/xdp-pktgen
ROUTERD=$BUILD_DIR/routerd/routerd
ROUTERCTL=$BUILD_DIR/tools/routerctl/routerctl
BENCH_LIMIT=$BUILD_DIR/tools/bench/bench-limit
BENCH_ROUTES=$BUILD_DIR/tools/bench/bench-routes
NSPERPKT=$BUILD_DIR/tools/bench/fp-nsperpkt
. "$ROOT_DIR/examples/lib.sh"
. "$BENCH_DIR/lib.sh"

usage() {
	sed -n '/^# Usage:/,/^# shows up as spread/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 1
}

QUICK=false
ROUNDS='' DURATION='' TCP_DURATION='' CELLS='' NSPERPKT_CALLS='' NSPERPKT_ROUTES=''
FAMILIES="ipv4 ipv6"
PARTS="pps tcp stateful nsperpkt"
SEED=1
OUT=$ROOT_DIR/bench-results
FIB_CACHE_ENTRIES=131072
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=true ;;
	--rounds) ROUNDS=${2:?}; shift ;;
	--duration) DURATION=${2:?}; shift ;;
	--tcp-duration) TCP_DURATION=${2:?}; shift ;;
	--cells) CELLS=${2:?}; shift ;;
	--families) FAMILIES=${2:?}; shift ;;
	--parts) PARTS=${2:?}; shift ;;
	--seed) SEED=${2:?}; shift ;;
	--out) OUT=${2:?}; shift ;;
	--cache-entries) FIB_CACHE_ENTRIES=${2:?}; shift ;;
	-h | --help) usage ;;
	*) echo "bench: unknown argument $1" >&2; usage ;;
	esac
	shift
done

# Full: 5 rounds of 3 s per case, tables of 1, 100k and 1M routes with one
# destination or 65 536 (~20 min on a quiet 2-CPU machine, ~2 GB of memory
# for 1M IPv6 routes). Quick (CI): 1 round of 1 s, small tables (~45 s).
if $QUICK; then
	: "${ROUNDS:=1}" "${DURATION:=1}" "${TCP_DURATION:=1}" "${CELLS:=1:1 1000:1024}"
	: "${NSPERPKT_CALLS:=100}" "${NSPERPKT_ROUTES:=1000}"
else
	: "${ROUNDS:=5}" "${DURATION:=3}" "${TCP_DURATION:=10}"
	: "${CELLS:=1:1 1:65536 100000:1 100000:65536 1000000:1 1000000:65536}"
	: "${NSPERPKT_CALLS:=2000}" "${NSPERPKT_ROUTES:=1000000}"
fi
MODES="kernel fastpath nocache limit"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive whole number"
[[ $DURATION =~ ^[0-9]+(\.[0-9]+)?$ && $TCP_DURATION =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
	die "durations are seconds, e.g. 3 or 1.5"
for cell in $CELLS; do
	[[ $cell =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || die "a cell is ROUTES:DESTS, not $cell"
	[ "${cell#*:}" -le 65536 ] || die "at most 65536 destinations ($cell)"
done
[ "$(id -u)" = 0 ] || die "run as root (namespaces, XDP)"
for tool in "$PKTGEN" "$ROUTERD" "$ROUTERCTL" "$BENCH_LIMIT" "$BENCH_ROUTES" "$NSPERPKT"; do
	[ -x "$tool" ] || die "$tool is missing: build first (./run.sh build)"
done
why=$(missing_cmds ip nsenter jq ethtool ss awk timeout) || die "$why"
[[ " $PARTS " == *" tcp "* || " $PARTS " == *" stateful "* ]] && ! why=$(missing_cmds iperf3) &&
	die "$why (or --parts without tcp and stateful)"
[[ " $PARTS " == *" stateful "* ]] && ! why=$(missing_cmds nft) && die "$why (or --parts without stateful)"

# Our namespaces start with "bn" (a shared machine's convention).
P=bn$$
WORK=$(mktemp -d /tmp/bench.XXXXXX)
ROUTERD_SOCKET=$WORK/routerd.sock
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

cleanup() {
	local ns
	stop_pid "$ROUTERD_PID" 5
	stop_pid "$LIMIT_PID" 5
	# Whatever else we started in our namespaces (a sink, iperf3) ends with
	# them; the fast path's pins are not in a namespace: unload them.
	for ns in "$P-r" "${P}t-r" "${P}s-r"; do
		[ -e "/run/netns/$ns" ] && in_ns "$ns" "$ROUTERCTL" fastpath unload >/dev/null 2>&1
	done
	topo_h1_r_h2_down "$P"
	topo_h1_r_h2_down "${P}t"
	topo_h1_r_h2_down "${P}s"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- packet rate: modes × route tables × destinations ---------------------

# The routes counts of the cells, each once, in order.
table_sizes() { tr ' ' '\n' <<<"$CELLS" | cut -d: -f1 | sort -nu; }
# The destination counts of the cells with ROUTES routes.
dests_of() { tr ' ' '\n' <<<"$CELLS" | awk -F: -v r="$1" '$1 == r { print $2 }'; }

run_pps() {
	local fam routes dests max round mode
	topo_up "$P"
	H1=$P-h1 R=$P-r H2=$P-h2
	prepare_pps
	for fam in $FAMILIES; do
		for routes in $(table_sizes); do
			max=$(dests_of "$routes" | sort -n | tail -1)
			install_table "$fam" "$routes" "$max"
			for dests in $(dests_of "$routes"); do
				for round in $(seq "$ROUNDS"); do
					for mode in $MODES; do
						pps_sample "$fam" "$routes" "$dests" "$mode" "$round"
					done
				done
			done
			flush_table "$fam"
		done
	done
	topo_h1_r_h2_down "$P"
}

# ---- bulk TCP: a fresh topology per run, so each mode starts from the ---
# ---- hosts' default offloads (routerd turns TX checksum offload off on ---
# ---- the hosts' veths; XDP on r's veths turns GSO off on them) ------------

run_tcp() {
	local round mode streams
	for round in $(seq "$ROUNDS"); do
		for mode in kernel fastpath; do
			topo_up "${P}t"
			H1=${P}t-h1 R=${P}t-r H2=${P}t-h2
			[ "$mode" = fastpath ] && { start_routerd || die "routerd did not attach"; }
			in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null || die "h1 cannot reach h2"
			for streams in 1 4; do
				tcp_sample "$mode" "$streams" "$round"
			done
			[ "$mode" = fastpath ] && stop_routerd
			topo_h1_r_h2_down "${P}t"
		done
	done
}

# ---- a stateful firewall with masquerade on r: kernel forwarding under it ---
# ---- against the fast path's conntrack gate (one flow, 64-byte UDP; bulk ---
# ---- TCP with windows unchecked, which the gate needs) --------------------

run_stateful() {
	local round mode
	topo_up "${P}s"
	H1=${P}s-h1 R=${P}s-r H2=${P}s-h2
	prepare_pps
	install_table ipv4 1 1
	stateful_ruleset || die "cannot install the stateful ruleset"
	prime_conntrack
	RULESET=stateful+masquerade
	for round in $(seq "$ROUNDS"); do
		for mode in kernel fastpath; do
			pps_sample ipv4 1 1 "$mode" "$round"
		done
	done
	flush_table ipv4
	topo_h1_r_h2_down "${P}s"
	for round in $(seq "$ROUNDS"); do
		for mode in kernel fastpath; do
			RULESET=
			topo_up "${P}s"
			H1=${P}s-h1 R=${P}s-r H2=${P}s-h2
			stateful_ruleset || die "cannot install the stateful ruleset"
			[ "$mode" = fastpath ] && { start_routerd || die "routerd did not attach"; }
			in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null || die "h1 cannot reach h2"
			RULESET=stateful+masquerade
			tcp_sample "$mode" 1 "$round"
			[ "$mode" = fastpath ] && stop_routerd
			topo_h1_r_h2_down "${P}s"
		done
	done
	RULESET=
}

run_nsperpkt() {
	log "fp-nsperpkt: $NSPERPKT_CALLS calls, then with $NSPERPKT_ROUTES routes"
	"$NSPERPKT" -j calls "$NSPERPKT_CALLS" routes "$NSPERPKT_ROUTES" seed "$SEED" \
		>"$WORK/nsperpkt.json" || die "fp-nsperpkt failed"
}

# ---- run, then sum up ---------------------------------------------------------

# A rough duration: each packet-rate run costs ~1 s beyond its own (sink,
# routerd, tear-down), each TCP run ~1.5 s; a table of 1M routes ~25 s.
n_pps=$(($(wc -w <<<"$FAMILIES") * $(wc -w <<<"$CELLS") * 3 * ROUNDS))
n_tcp=$((2 * 2 * ROUNDS))
[[ " $PARTS " == *" stateful "* ]] && n_pps=$((n_pps + 2 * ROUNDS)) && n_tcp=$((n_tcp + 2 * ROUNDS))
estimate=0
[[ " $PARTS " == *" pps "* ]] && estimate=$((n_pps * (${DURATION%.*} + 1)))
[[ " $PARTS " == *" tcp "* ]] && estimate=$((estimate + n_tcp * (${TCP_DURATION%.*} * 3 / 2 + 1)))
for routes in $(table_sizes); do
	[[ " $PARTS " == *" pps "* ]] &&
		estimate=$((estimate + routes * 25 * $(wc -w <<<"$FAMILIES") / 1000000))
done
[[ " $PARTS " == *" nsperpkt "* ]] && estimate=$((estimate + 5 + NSPERPKT_ROUTES * 45 / 1000000))
log "bench: parts $PARTS; $n_pps packet-rate runs of ${DURATION} s, $n_tcp TCP runs of" \
	"${TCP_DURATION} s; about $(((estimate + 59) / 60)) min; namespaces $P-*, ${P}t-*." \
	"Load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/samples.jsonl"
: >"$WORK/route_install.jsonl"
for part in $PARTS; do
	case $part in
	pps) run_pps ;;
	tcp) run_tcp ;;
	stateful) run_stateful ;;
	nsperpkt) run_nsperpkt ;;
	*) die "unknown part $part (pps, tcp, stateful, nsperpkt)" ;;
	esac
done

mkdir -p "$OUT" || die "cannot create $OUT"
RESULT=$OUT/bench-$STAMP.json
meta=$(jq -n --arg started "$STARTED" --arg finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--argjson quick "$QUICK" --arg kernel "$(uname -r)" --argjson cpus "$(nproc)" \
	--arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--arg commit "$(git -C "$ROOT_DIR" describe --always --dirty 2>/dev/null || echo unknown)" \
	--argjson rounds "$ROUNDS" --argjson duration "$DURATION" \
	--argjson tcp_duration "$TCP_DURATION" --arg cells "$CELLS" --arg families "$FAMILIES" \
	--arg parts "$PARTS" --argjson seed "$SEED" --argjson cache "$FIB_CACHE_ENTRIES" '
	{started: $started, finished: $finished, quick: $quick,
	 host: {kernel: $kernel, cpus: $cpus, cpu_model: $cpu, loadavg_at_end: $load,
	        commit: $commit},
	 config: {rounds: $rounds, duration_s: $duration, tcp_duration_s: $tcp_duration,
	          frame_size: 64, sender_threads: 1, seed: $seed,
	          modes: ["kernel", "fastpath", "nocache", "limit"], fib_cache_entries: $cache,
	          families: ($families | split(" ")), parts: ($parts | split(" ")),
	          cells: [$cells | split(" ")[] | split(":") |
	                  {routes: (.[0] | tonumber), destinations: (.[1] | tonumber)}]}}')
jq -n --argjson meta "$meta" --slurpfile samples "$WORK/samples.jsonl" \
	--slurpfile installs "$WORK/route_install.jsonl" \
	--slurpfile nsperpkt <(cat "$WORK/nsperpkt.json" 2>/dev/null) \
	-f "$BENCH_DIR/report.jq" >"$RESULT" || die "cannot write $RESULT"

echo
jq -r -f "$BENCH_DIR/table.jq" "$RESULT"
echo "Result: $RESULT"

if ! command -v gnuplot >/dev/null; then
	log "gnuplot is not installed: no plot (apt-get install gnuplot-nox)"
elif [ "$(jq '.pps | length' "$RESULT")" -gt 0 ]; then
	# One row per case: label, then median/min/max in Mpps for each mode.
	jq -r '.ratios[] as $q | [.pps[] | select(.family == $q.family and
		.routes == $q.routes and .destinations == $q.destinations)] as $c |
		def m(mode): first($c[] | select(.mode == mode) | .pps) //
			{median: 0, min: 0, max: 0} | [.median, .min, .max] | map(. / 1e6);
		["\"\($q.family) \($q.routes) routes \($q.destinations) dst\""] +
		m("kernel") + m("fastpath") + m("limit") | join(" ")' "$RESULT" >"$WORK/pps.dat"
	tcp_dat=
	if [ "$(jq '.tcp | length' "$RESULT")" -gt 0 ]; then
		tcp_dat=$WORK/tcp.dat
		jq -r '.tcp | group_by(.streams)[] | . as $g |
			def m(mode): first($g[] | select(.mode == mode) | .gbps) //
				{median: 0, min: 0, max: 0} | [.median, .min, .max];
			["\"\($g[0].streams) stream(s)\""] + m("kernel") + m("fastpath") |
			join(" ")' "$RESULT" >"$tcp_dat"
	fi
	png=${RESULT%.json}.png
	subtitle="xdp-router bench $(jq -r '"\(.started), \(.host.commit), Linux \(.host.kernel), \(.host.cpus) CPUs, \(.config.rounds) round(s)"' "$RESULT")"
	if gnuplot -e "out='$png'; pps='$WORK/pps.dat'; tcp='$tcp_dat'; subtitle='$subtitle'" \
		"$BENCH_DIR/plot.gp" 2>"$WORK/gnuplot.err"; then
		echo "Plot: $png"
	else
		log "gnuplot failed: $(cat "$WORK/gnuplot.err")"
	fi
fi

# Numbers from runs that did not measure what they claim must not pass.
[ "$(jq '.problems | length' "$RESULT")" -eq 0 ] || exit 3
