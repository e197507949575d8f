#!/bin/bash
# Fault injection: 1000 flaps of routerd's managed interfaces while traffic
# flows. Each flap waits until routerd has taken the interface out of the
# DEVMAP and put it back, so every one is an egress really leaving and
# returning. Afterwards the DEVMAP is exactly the set of ready interfaces,
# routerd is alive and keeps no state of devices that are gone, the stable
# stream lost nothing, and the transmit counters say, flap kind by flap
# kind, what became of the frames redirected into the flapping devices.
#
#   h1 ─────────── r ─────────── h2      eth-h2 never flaps: the stable
#   eth0   eth-h1  │  eth-h2   eth0      stream h1 -> h2 must lose nothing
#                  ├── eth-h3 ── h3      down / up
#                  ├── eth-h4 ── h4      deleted and re-added (a new ifindex,
#                  │                     or the one it had: index 4000)
#                  └── eth-h5 ── h5      renamed x-h5 (out of "eth-h*") and back
#   h1 streams to h3, h4 and h5 all along, into the flaps.
#
# What the kernel does (asserted below, with routerd frozen, and during the
# flaps): a link set down keeps its DEVMAP entry until routerd removes it,
# but its routes go at once, so the FIB stops pointing at it; the DEVMAP
# entry of a deleted link goes by itself (NETDEV_UNREGISTER). Frames caught
# in the kernel's own windows are counted, never silently lost:
#  - down: between clearing IFF_UP and flushing the routes (NETDEV_DOWN),
#    a redirect is refused with ENETDOWN; nothing is sent into the device.
#  - delete: veth_dellink() unhooks the peer before the device closes;
#    frames redirected meanwhile are dropped by the veth driver (ENXIO),
#    exactly as the kernel's own forwarding path drops them there.
# Both windows close in the kernel before routerd is even told (its
# notification is sent after IFF_UP is cleared): no routerd latency in it.
#
# FAULT_FLAPS (default 1000) sets the number of flaps.
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping bpftool ethtool
FLAPS=${FAULT_FLAPS:-1000}
STABLE_RATE=5000 FLAP_RATE=2000
setup_topology
for n in 3 4 5; do add_host "$n"; done
write_config "$TEST_TMP/routerd.conf" "eth-h*"
start_routerd
PIN_DIR=$(rctl -j daemon status | jq -r .pin_dir)

# The pinned state read directly (works while routerd is frozen).
pinned() { in_ns "$R" "$ROUTERCTL" --pin-dir "$PIN_DIR" -j stats "$@"; }
egress() { pinned | jq -e --arg d "$1" 'any(.interfaces[]; .ifname == $d and .egress)' >/dev/null; }
all_egress() { egress eth-h1 && egress eth-h2 && egress eth-h3 && egress eth-h4 && egress eth-h5; }
wait_until 10 all_egress || die "routerd did not make every eth-h* an egress"
for n in 2 3 4 5; do in_ns "$H1" ping -c1 -W2 "10.0.$n.2" >/dev/null || die "h1 cannot reach h$n"; done

# The kernel's record of redirects refused from this DEVMAP, with errno: a
# tracefs instance of our own (the fast path's counters have no errno), on
# a tracefs mounted for this test alone.
TRACEFS=$TEST_TMP/tracefs
mkdir "$TRACEFS" && mount -t tracefs nodev "$TRACEFS" || die "cannot mount tracefs"
TRACE=$TRACEFS/instances/$PREFIX
ON_EXIT+=("rmdir $TRACE; umount $TRACEFS")
mkdir "$TRACE" || die "cannot create a tracefs instance"
echo "map_id == $(bpftool -j map show pinned "$PIN_DIR/devmap" | jq .id)" \
	>"$TRACE/events/xdp/xdp_redirect_err/filter"
echo 1 >"$TRACE/events/xdp/xdp_redirect_err/enable"

# ── What the kernel does by itself, with routerd frozen ────────────────
redirect_errors() { pinned | jq '[.interfaces[].transmit.redirect_errors // 0] | add'; }
no_routes_via() { [ -z "$(ip -n "$R" route show dev "$1")" ] && [ -z "$(ip -n "$R" -6 route show dev "$1")" ]; }
not_in_devmap() { ! pinned | jq -e --argjson i "$1" 'any(.interfaces[]; .ifindex == $i and .egress)' >/dev/null; }
status_of() { rctl -j daemon status | jq ".$1"; }
reconciles0=$(status_of reconciles)
kill -STOP "$ROUTERD_PID"
ip -n "$R" link set eth-h3 down
check "kernel, link down: the device stays in the DEVMAP" egress eth-h3
check "kernel, link down: its IPv4 and IPv6 routes are gone at once" no_routes_via eth-h3
errors0=$(redirect_errors)
in_ns "$H1" ping -q -c 3 -i 0.02 -W 1 10.0.3.2 >/dev/null
check "kernel, link down: so nothing is redirected into it" test "$(redirect_errors)" = "$errors0"
ifindex4=$(ip -n "$R" -j link show eth-h4 | jq '.[0].ifindex')
ip -n "$R" link del eth-h4
check "kernel, link deleted: it leaves the DEVMAP by itself (NETDEV_UNREGISTER)" \
	not_in_devmap "$ifindex4"
kill -CONT "$ROUTERD_PID"
gone() { ! egress eth-h3 && [ "$(pinned | jq --argjson i "$ifindex4" '[.interfaces[] | select(.ifindex == $i)] | length')" = 0 ]; }
check "woken up, routerd applies both changes" wait_until 5 gone
# Each netlink message used to cost a reconcile (and a plan on a partial view).
check "... reading every queued notification in one pass, not one per message" \
	test $(($(status_of reconciles) - reconciles0)) -le 2

# h4's veth, created again: a new ifindex each time. h4's address is known
# at once (ARP would take a second: its first request leaves before h4's
# end is up), so the fast path redirects into every new eth-h4.
H4_MAC=02:00:00:00:04:02
H4_INDEX=4000 # an ifindex the re-added eth-h4 may take again
for index in "" "index $H4_INDEX"; do
	cat >"$TEST_TMP/h4-r${index:+-reuse}.batch" <<EOF
link add eth-h4 $index type veth peer name eth0 address $H4_MAC netns $H4
addr add 10.0.4.1/24 dev eth-h4
link set eth-h4 up
neigh replace 10.0.4.2 lladdr $H4_MAC dev eth-h4 nud permanent
EOF
done
cat >"$TEST_TMP/h4-h4.batch" <<EOF
addr add 10.0.4.2/24 dev eth0
link set eth0 up
route add default via 10.0.4.1
EOF
READD_H4="ip -b $TEST_TMP/h4-r.batch && ip -n $H4 -b $TEST_TMP/h4-h4.batch"
REUSE_H4="ip -b $TEST_TMP/h4-r-reuse.batch && ip -n $H4 -b $TEST_TMP/h4-h4.batch"
ip -n "$R" link set eth-h3 up
in_ns "$R" sh -c "$REUSE_H4"
check "routerd catches up after being frozen" wait_until 10 all_egress

# Deleted and made again with the same ifindex, all read in one batch: the
# last event wins, and the new device (its veth peer not yet prepared) is
# nothing like the old one.
kill -STOP "$ROUTERD_PID"
in_ns "$R" ip link del eth-h4
in_ns "$R" sh -c "$REUSE_H4"
kill -CONT "$ROUTERD_PID"
check "a link deleted and re-added with its ifindex while routerd was frozen is an egress again" \
	wait_until 10 all_egress
check "... its new veth peer was prepared" \
	eval 'in_ns "$H4" ethtool -k eth0 | grep -q "^generic-receive-offload: on"'

# ── The flaps ──────────────────────────────────────────────────────────
# devmap-watch runs a flap's step in r and waits until the DEVMAP agrees;
# with -c it also prints the driver drops and refused redirects counted so
# far. Flaps run one at a time, so what a flap adds is that flap's doing.
watch() { in_ns "$R" "$TOOLS/devmap-watch" "$@"; }
declare -A latency drops errors # by flap kind
record() { latency[$1]+="$2 "; }
read -r _ drops_seen errors_seen < <(watch -c "$PIN_DIR" eth-h2 present 1000 -- true)
flap() {
	local kind out in
	case $(($1 % 3)) in
	0)
		kind=down/up
		out=$(watch "$PIN_DIR" eth-h3 absent 2000 -- ip link set eth-h3 down) &&
			in=$(watch -c "$PIN_DIR" eth-h3 present 2000 -- ip link set eth-h3 up) &&
			record down "$out" && record up "${in%% *}"
		;;
	1)
		kind=delete/re-add
		# Deleted, the name is gone at once: nothing to wait for. Two in
		# three re-adds take index 4000: every third, the one just freed.
		local readd=$READD_H4
		[ $(($1 / 3 % 3)) != 0 ] && readd=$REUSE_H4
		in_ns "$R" ip link del eth-h4 &&
			in=$(watch -c "$PIN_DIR" eth-h4 present 5000 -- sh -c "$readd") &&
			record re-add "${in%% *}"
		;;
	2)
		kind=rename
		out=$(watch "$PIN_DIR" x-h5 absent 2000 -- ip link set eth-h5 name x-h5) &&
			in=$(watch -c "$PIN_DIR" eth-h5 present 2000 -- ip link set x-h5 name eth-h5) &&
			record rename-out "$out" && record rename-in "${in%% *}"
		;;
	esac || return 1
	local d e
	read -r _ d e <<<"$in"
	drops[$kind]=$((${drops[$kind]:-0} + d - drops_seen))
	errors[$kind]=$((${errors[$kind]:-0} + e - errors_seen))
	drops_seen=$d errors_seen=$e
}

fwd0=$(pinned dev eth-h1 | jq '.interfaces[0].forwarded.packets')
stream_start stable "$H1" "$H2" 10.0.2.2 9301 "$STABLE_RATE" || die "no stable stream"
for n in 3 4 5; do
	host=H$n
	stream_start "to-h$n" "$H1" "${!host}" "10.0.$n.2" 9301 "$FLAP_RATE" || die "no stream to h$n"
done
cpu0=$(cpu_seconds "$ROUTERD_PID")
t0=$(date +%s%N)
stuck=0
for i in $(seq "$FLAPS"); do
	flap "$i" || {
		stuck=$((stuck + 1))
		echo "  flap $i did not converge"
		[ "$stuck" -lt 5 ] || die "routerd stopped converging"
	}
done
t1=$(date +%s%N)
cpu1=$(cpu_seconds "$ROUTERD_PID")
stream_stop stable to-h3 to-h4 to-h5
fwd=$(($(pinned dev eth-h1 | jq '.interfaces[0].forwarded.packets') - fwd0))
echo 0 >"$TRACE/events/xdp/xdp_redirect_err/enable"

stats() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {printf "median %d us, p99 %d us, max %d us", a[int((NR+1)/2)], a[int(NR*0.99+0.5)], a[NR]}'; }
echo "FIGURE $FLAPS flaps in $(((t1 - t0) / 1000000)) ms wall time; routerd used $(awk "BEGIN {print $cpu1 - $cpu0}") s of CPU"
for k in down up re-add rename-out rename-in; do
	echo "FIGURE DEVMAP updated after $k: $(stats "${latency[$k]}")"
done
echo "FIGURE stable stream: sent ${SENT[stable]}, received ${RECEIVED[stable]}"
for n in 3 4 5; do
	echo "FIGURE towards h$n (flapping): sent ${SENT[to-h$n]}, received ${RECEIVED[to-h$n]}"
done
for k in down/up delete/re-add rename; do
	echo "FIGURE $k flaps: ${drops[$k]:-0} frames dropped by the driver, ${errors[$k]:-0} redirects refused"
done
refused=$(grep -o 'err=-[0-9]*' "$TRACE/trace" | sort | uniq -c | awk '{printf "%s%d x %s", s, $1, $2; s=", "}')
echo "FIGURE refused redirects by errno (tracefs): ${refused:-none}"

# ── The outcome ────────────────────────────────────────────────────────
check "every flap converged" test "$stuck" = 0
check "routerd is alive" routerd_alive
ready_set() {
	ip -n "$R" -j link show | jq -c '[.[] | select((.ifname | startswith("eth-h")) and
		any(.flags[]; . == "UP") and any(.flags[]; . == "LOWER_UP")) | .ifindex] | sort'
}
devmap_set() { pinned | jq -c '[.interfaces[] | select(.egress) | .ifindex] | sort'; }
same_sets() {
	[ "$(devmap_set)" = "$(ready_set)" ] || {
		echo "  DEVMAP $(devmap_set), ready (up, carrier, managed) $(ready_set)"
		return 1
	}
}
check "the DEVMAP is exactly the managed interfaces that are up with carrier" same_sets
existing() { ip -n "$R" -j link show | jq -c '[.[].ifindex]'; }
only_existing() { # JSON array of ifindexes that must all exist
	jq -e --argjson have "$(existing)" 'all(.[]; . as $i | $have | index([$i]))' <<<"$1" >/dev/null ||
		{ echo "  $1 against existing $(existing)"; return 1; }
}
check "the fast path keeps no link, entry or pin of a device that is gone" \
	only_existing "$(pinned | jq -c '[.interfaces[].ifindex]')"
check "transmit counters only for existing devices and the departed total (no leak)" \
	only_existing "$(bpftool -j map dump pinned "$PIN_DIR/egress_stats" | jq -c '[.[].formatted.key | select(. != 0)]')"
check "every managed interface is attached" test \
	"$(pinned | jq '[.interfaces[] | select(.fastpath == "native")] | length')" = 5
check "the stable stream lost nothing" test "${RECEIVED[stable]}" = "${SENT[stable]}"
check "... and it went through the fast path" at_least "$fwd" "${SENT[stable]}"
check "the stable egress had no driver drop and no refused redirect" test \
	"$(pinned dev eth-h2 | jq -c '.interfaces[0].transmit | [.drops, .redirect_errors]')" = "[0,0]"
check "renames lost nothing: no driver drop, no refused redirect" \
	test "${drops[rename]:-0}/${errors[rename]:-0}" = 0/0
check "links set down never had a frame sent into them: no driver drop" test "${drops[down/up]:-0}" = 0
check "every refused redirect was ENETDOWN (the kernel's down window)" \
	bash -c "! grep -v '^#' '$TRACE/trace' | grep -qv 'err=-100 '"
total_drops=$(pinned | jq .total.transmit.drops)
check "driver drops happened only in deletions (the veth's own window)" \
	test "$total_drops" = "${drops[delete/re-add]:-0}"

# The fast path still forwards to every host.
reaches() {
	local before
	before=$(pinned dev eth-h1 | jq '.interfaces[0].forwarded.packets')
	in_ns "$H1" ping -q -c 3 -i 0.02 -W 1 "$1" >/dev/null &&
		at_least $(($(pinned dev eth-h1 | jq '.interfaces[0].forwarded.packets') - before)) 3
}
for n in 3 4 5; do
	check "h1 -> h$n through the fast path after the flaps" reaches "10.0.$n.2"
done
finish
