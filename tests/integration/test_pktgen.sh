#!/bin/bash
# xdp-pktgen: live-frames sending (or packet-socket sending, where the
# kernel refuses live frames), counted to the frame by the sink, and the
# errors a user gets for bad input.
#
#   PREFIX-a ──────────── PREFIX-b
#   veth0  (1 queue)       veth1   sink
#   vmq0   (2 queues)      vmq1    sink, for two sending threads
#
#   PREFIX-h1 ────── PREFIX-r (fast path) ────── PREFIX-h2
#   eth0 (send)                                   eth0 (sink)
#
# Exact counts hold because one sending thread never overruns the peer's
# 256-frame ring: the test run flushes each batch (at most 256 frames) and
# the peer's NAPI drains it in the softirq that runs on the same CPU before
# the next batch. Two threads into one queue do overrun it; the generator
# counts those drops (xdp_devmap_xmit), so the sink must see exactly what
# the device took.
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq

PKTGEN=$BUILD_DIR/tools/pktgen/xdp-pktgen
[ -x "$PKTGEN" ] || die "$PKTGEN not built"
# Our namespaces start with "pg" (shared machine convention).
PREFIX="pg$$"
A=$PREFIX-a B=$PREFIX-b
TMP=$(mktemp -d)
trap 'cleanup; ns_delete "$A" "$B"; rm -rf "$TMP"' EXIT
N=100000
DST_MAC=02:00:00:00:00:0b

# Namespaces that send nothing of their own: no IPv6 (no MLD, no router
# solicitations), no addresses (no ARP), so the sink counts only our frames.
quiet_ns() {
	ns_create "$1"
	in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}
quiet_ns "$A"
quiet_ns "$B"
veth_connect "$A" veth0 "$B" veth1
ip link add vmq0 netns "$A" numtxqueues 2 numrxqueues 2 type veth \
	peer name vmq1 netns "$B" numtxqueues 2 numrxqueues 2
ip -n "$A" link set vmq0 up
ip -n "$B" link set vmq1 up

pktgen() { in_ns "$A" "$PKTGEN" "$@"; }

# start_sink NS DEV ARGS...: the sink in the background, attached on return.
start_sink() {
	local ns=$1 dev=$2
	shift 2
	# nsenter execs the sink: $! is the sink itself, for kill -TERM.
	nsenter --net="/run/netns/$ns" -- "$PKTGEN" sink dev "$dev" -j "$@" \
		>"$TMP/sink.json" 2>"$TMP/sink.err" &
	SINK_PID=$!
	wait_until 5 xdp_attached "$ns" "$dev" || die "the sink did not attach to $dev"
}

# stop_sink: waits for the sink (count or duration reached) or, with
# "term", stops it with SIGTERM; SINK_RC holds its exit code.
stop_sink() {
	[ "${1:-}" = term ] && kill -TERM "$SINK_PID"
	wait "$SINK_PID"
	SINK_RC=$?
}

sink_field() { jq -r ".$1" "$TMP/sink.json"; }
send_field() { jq -r ".$1" "$TMP/send.json"; }

equal() { # WHAT GOT WANT
	[ "$2" = "$3" ] || {
		echo "  $1: got $2, want $3"
		return 1
	}
}

# exactly DEV ARGS...: sends N frames and checks that the sink on DEV's
# peer counted every one of them and nothing else.
exactly() {
	local dev=$1 peer=${1/0/1}
	shift
	start_sink "$B" "$peer" count "$N" duration 30
	pktgen send -j dev "$dev" dst-mac "$DST_MAC" count "$N" "$@" >"$TMP/send.json" || {
		echo "  send failed"
		stop_sink term
		return 1
	}
	stop_sink
	equal "sink exit code" "$SINK_RC" 0 &&
		equal "frames sent" "$(send_field frames)" "$N" &&
		equal "frames the device took" "$(send_field xmit.transmitted)" "$N" &&
		equal "frames received" "$(sink_field packets)" "$N"
}

check "IPv4: the sink counts exactly $N frames" \
	exactly veth0 src 10.0.1.2 dst 10.0.2.2
check "... as 64-byte frames: 60 bytes each at the sink" \
	equal bytes "$(send_field size)/$(sink_field bytes)" "64/$((N * 60))"
check "IPv6: the sink counts exactly $N frames" \
	exactly veth0 src fd00:1::2 dst fd00:2::2
check "... as the smallest IPv6 UDP frames: 66 bytes on the wire" \
	equal bytes "$(send_field size)/$(sink_field bytes)" "66/$((N * 62))"
check "IPv4, 16 flows by source port, batches of 256" \
	exactly veth0 src 10.0.1.2 dst 10.0.2.2 flows 16 batch 256
check "IPv6 TCP SYN, 16 flows by source address, 1518-byte frames" \
	exactly veth0 src fd00:1::2 dst fd00:2::2 proto tcp flows 16 vary src size 1518
check "... 1514 bytes each at the sink" equal bytes "$(sink_field bytes)" "$((N * 1514))"
printf '# three destinations\n10.9.0.1\n192.0.2.1\n198.51.100.1\n' >"$TMP/dsts"
check "IPv4, 3 flows by dst from a dst-file" \
	exactly veth0 src 10.0.1.2 dst-file "$TMP/dsts"
check "... reported as 3 flows by dst" equal flows "$(send_field flows)/$(send_field vary)" "3/dst"
# How the frames left: live frames, unless this kernel refuses them (then
# a packet socket, said so). The other way is tried by itself below.
VIA=$(send_field via)
echo "  sending via $VIA"
case $VIA in
live) OTHER=packet ;;
packet) OTHER=live ;;
*) die "sending via \"$VIA\": expected live or packet" ;;
esac
if [ "$OTHER" = packet ]; then
	check "via packet: a packet socket also delivers exactly $N frames" \
		exactly veth0 src 10.0.1.2 dst 10.0.2.2 flows 16 via packet
	check "... and says so" equal via "$(send_field via)" packet
else
	refused_live() {
		start_sink "$B" veth1
		expect_fail 2 'not permitted to run live-frames test runs' \
			pktgen send dev veth0 src 10.0.1.2 dst 10.0.2.2 dst-mac "$DST_MAC" count 10 via live
		local rc=$?
		stop_sink term
		return $rc
	}
	check "via live, on a kernel that refuses it: the refusal, with the way out (exit 2)" refused_live
fi

# idle: a sink that does not know the count ends once the frames stop.
idled() {
	start_sink "$B" veth1 idle 0.3 duration 30
	pktgen send -j dev veth0 src 10.0.1.2 dst 10.0.2.2 dst-mac "$DST_MAC" \
		count 20000 >"$TMP/send.json" || {
		stop_sink term
		return 1
	}
	stop_sink
	equal "sink exit code" "$SINK_RC" 0 &&
		equal "frames received" "$(sink_field packets)" 20000 &&
		jq -e '.wall_seconds < 10' "$TMP/sink.json" >/dev/null || {
		echo "  the sink ran $(sink_field wall_seconds) s"
		return 1
	}
}
check "idle 0.3: the sink ends by itself after the last frame" idled

# A rate: 20 000 frames at 20 000 per second last about a second.
rated() {
	N=20000 exactly veth0 src 10.0.1.2 dst 10.0.2.2 rate 20000 &&
		jq -e '.seconds > 0.9 and .seconds < 1.5' "$TMP/sink.json" >/dev/null || {
		echo "  first to last frame: $(sink_field seconds) s"
		return 1
	}
}
check "rate 20000 spreads 20000 frames over a second" rated

# A duration, and the sink stopped by SIGTERM, which detaches it.
timed() {
	start_sink "$B" veth1
	pktgen send -j dev veth0 src 10.0.1.2 dst 10.0.2.2 dst-mac "$DST_MAC" \
		duration 0.5 rate 200k >"$TMP/send.json" || return 1
	stop_sink term
	equal "sink exit code" "$SINK_RC" 0 &&
		jq -e '.wall_seconds >= 0.5 and .wall_seconds < 2 and .frames > 50000' \
			"$TMP/send.json" >/dev/null &&
		equal "frames received" "$(sink_field packets)" "$(send_field frames)" &&
		! xdp_attached "$B" veth1
}
check "duration 0.5; SIGTERM stops the sink and detaches it" timed

if [ "$(nproc)" -ge 2 ]; then
	check "two threads into two queues: exactly $N frames" \
		exactly vmq0 src 10.0.1.2 dst 10.0.2.2 threads 2
	# One queue, two CPUs filling it: frames are lost at the ring, and the
	# generator must account for every one of them.
	overrun() {
		start_sink "$B" veth1
		pktgen send -j dev veth0 src 10.0.1.2 dst 10.0.2.2 dst-mac "$DST_MAC" \
			count 1M threads 2 >"$TMP/send.json" 2>"$TMP/send.err" || return 1
		stop_sink term
		local took full
		took=$(send_field xmit.transmitted)
		full=$(send_field xmit.queue_full)
		echo "  two threads, one queue: $took transmitted, $full dropped (ring full)"
		equal "transmitted + dropped" "$((took + full))" 1000000 &&
			equal "frames received" "$(sink_field packets)" "$took"
	}
	check "two threads into one queue: every lost frame is counted" overrun
else
	echo "ok: two-thread checks not run: one CPU"
fi

# Through the fast path. Each page the generator reuses comes back with the
# router's rewrite in it (MACs, TTL, checksum): only frames whose headers are
# written again every time reach h2, and are forwarded, not passed up.
routed() {
	topo_h1_r_h2_up "$PREFIX" || return 1
	ROUTER_NAMESPACES+=("$PREFIX-r")
	R=$PREFIX-r
	local dev out
	for dev in eth-h1 eth-h2; do
		out=$(in_ns "$R" "$ROUTERCTL" link set dev "$dev" fastpath native 2>&1) || {
			echo "  cannot attach the fast path to $dev: $out"
			return 1
		}
	done
	# IPv6 off towards h2, so the kernel of r sends the sink nothing.
	in_ns "$R" sysctl -qw net.ipv6.conf.eth-h2.disable_ipv6=1
	in_ns "$PREFIX-h1" ping -c1 -W2 10.0.2.2 >/dev/null || {
		echo "  h1 cannot reach h2"
		return 1
	}
	RMAC=$(ip -n "$R" -j link show eth-h1 | jq -r '.[0].address')
	routed_send "$VIA" || return 1
	# Where live frames work, the packet-socket way goes through r too.
	[ "$VIA" = packet ] || routed_send packet
}

# N frames from h1 through r to h2's sink, sent VIA (live or packet).
routed_send() {
	local before other_before took full
	before=$(forwarded eth-h1)
	other_before=$(passed eth-h1 other_host)
	# Paced below what r forwards on one CPU: a sender at full speed overruns
	# r's receive ring (dropped at h1, counted as queue_full). Every frame h1
	# transmitted must then be forwarded and reach h2.
	start_sink "$PREFIX-h2" eth0 idle 1 duration 30
	in_ns "$PREFIX-h1" "$PKTGEN" send -j dev eth0 src 10.0.1.2 dst 10.0.2.2 \
		dst-mac "$RMAC" count "$N" flows 16 rate 200k via "$1" >"$TMP/send.json" || {
		stop_sink term
		return 1
	}
	stop_sink
	took=$(send_field xmit.transmitted)
	full=$(send_field xmit.queue_full)
	echo "  via $1: $took forwarded, $full dropped at h1 (r's ring full)"
	equal "sink exit code" "$SINK_RC" 0 &&
		equal "transmitted + dropped at h1" "$((took + full))" "$N" &&
		equal "at most 1% dropped" "$((full * 100 <= N))" 1 &&
		equal "frames received by h2" "$(sink_field packets)" "$took" &&
		equal "forwarded by the fast path" "$(($(forwarded eth-h1) - before))" "$took" &&
		equal "passed up as other_host" "$(($(passed eth-h1 other_host) - other_before))" 0
}
check "through the fast path: every recycled page rewritten, every frame sent forwarded" routed

V4=(src 10.0.1.2 dst 10.0.2.2 dst-mac "$DST_MAC" count 10)
check "a missing device (exit 2)" \
	expect_fail 2 'Cannot find device "eth9"' pktgen send dev eth9 "${V4[@]}"
check "a missing device for the sink (exit 2)" \
	expect_fail 2 'Cannot find device "eth9"' pktgen sink dev eth9 duration 1
check "a malformed MAC (exit 1)" \
	expect_fail 1 'invalid MAC address "02:00:00:00:00"' \
	pktgen send dev veth0 src 10.0.1.2 dst 10.0.2.2 dst-mac 02:00:00:00:00
check "a malformed IP address (exit 1)" \
	expect_fail 1 'invalid IP address "10.0.2.256"' \
	pktgen send dev veth0 src 10.0.1.2 dst 10.0.2.256 dst-mac "$DST_MAC"
check "IPv4 and IPv6 mixed (exit 1)" \
	expect_fail 1 'src 10.0.1.2 and dst fd00::2 mix IPv4 and IPv6' \
	pktgen send dev veth0 src 10.0.1.2 dst fd00::2 dst-mac "$DST_MAC"
check "a frame size out of range (exit 1)" \
	expect_fail 1 'size 60 out of range 64-1518 for IPv4 UDP' \
	pktgen send dev veth0 "${V4[@]}" size 60
check "a port out of range (exit 1)" \
	expect_fail 1 'sport 65536 out of range 0-65535' pktgen send dev veth0 "${V4[@]}" sport 65536
check "a dst-file that cannot be read (exit 2)" \
	expect_fail 2 "cannot read $TMP/none" \
	pktgen send dev veth0 src 10.0.1.2 dst-file "$TMP/none" dst-mac "$DST_MAC"
printf '10.9.0.1\nfd00::9\n' >"$TMP/mixed"
check "a dst-file mixing families (exit 1)" \
	expect_fail 1 "$TMP/mixed: src 10.0.1.2 and dst fd00::9 mix IPv4 and IPv6" \
	pktgen send dev veth0 src 10.0.1.2 dst-file "$TMP/mixed" dst-mac "$DST_MAC"
check "a missing dst-mac (exit 1)" \
	expect_fail 1 '"dst-mac" is required' pktgen send dev veth0 src 10.0.1.2 dst 10.0.2.2
check "an unknown argument (exit 1)" \
	expect_fail 1 'unknown argument "colour"' pktgen send dev veth0 "${V4[@]}" colour red
check "live frames: a veth whose peer has no NAPI is refused before sending (exit 2)" \
	expect_fail 2 'veth0 cannot transmit XDP frames' \
	pktgen send dev veth0 "${V4[@]}" via live
# A packet socket hands the veth an skb, which it takes without NAPI.
no_napi_packet() {
	pktgen send -j dev veth0 "${V4[@]}" via packet >"$TMP/send.json" &&
		equal "frames the device took" "$(send_field xmit.transmitted)" 10
}
check "via packet: a veth whose peer has no NAPI takes the frames" no_napi_packet
check "an unknown via (exit 1)" \
	expect_fail 1 'invalid via "xdp" \(expected auto, live or packet\)' \
	pktgen send dev veth0 "${V4[@]}" via xdp
busy() {
	start_sink "$B" veth1
	expect_fail 2 'veth1 already has an XDP program attached' \
		in_ns "$B" "$PKTGEN" sink dev veth1 duration 1
	local rc=$?
	stop_sink term
	return $rc
}
check "a second sink on the same device (exit 2)" busy
check "a count not reached in time (exit 3)" \
	expect_fail 3 'stopped before count 5' in_ns "$B" "$PKTGEN" sink dev veth1 count 5 duration 0.2

finish
