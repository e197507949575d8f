#!/bin/bash
# routerd keeps the fast path true to r as links come, go and flap, and
# as its configuration changes.
#
#   h1 ──────── r ──────── h2          routerd in r manages eth-h*
#               │
#               └── eth-h3 ── h3       added while routerd runs
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping setpriv stat
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
# The 1 s re-read of settings without notifications is slowed to 10 min:
# what this test changes must reach routerd as events. The netlink receive
# buffer asked for is past net.core.rmem_max, which caps SO_RCVBUF.
RCVBUF=$((2 * $(sysctl -n net.core.rmem_max)))
start_routerd --checks-interval 600000 --netlink-rcvbuf "$RCVBUF"

ping_counted() { # FROM DEST DEV_IN: 5 pings answered and counted by the fast path
	local before
	before=$(forwarded "$3")
	in_ns "$1" ping -q -c 5 -i 0.02 -W 1 "$2" >/dev/null &&
		at_least $(($(forwarded "$3") - before)) 5
}
both_ready() {
	[ "$(attached_mode eth-h1)" = native ] && [ "$(attached_mode eth-h2)" = native ] &&
		[ "$(egress_of eth-h1)" = true ] && [ "$(egress_of eth-h2)" = true ]
}

check "routerd attaches to both interfaces and makes them egress" wait_until 5 both_ready
in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null  # neighbours
in_ns "$H1" ping -6 -c1 -W2 fd00:2::2 >/dev/null
check "IPv4 h1 -> h2 through the fast path" ping_counted "$H1" 10.0.2.2 eth-h1
check "IPv6 h2 -> h1 through the fast path" ping_counted "$H2" fd00:1::2 eth-h2

# Not root: routerd's socket itself (root's, mode 0660) refuses the
# connection (the test's directory is open to all).
as_nobody() { in_ns "$R" setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
check "not root: routerd's control socket refuses the connection" \
	expect_fail 2 'cannot connect to .*routerd.sock.*Permission denied' \
	as_nobody "$ROUTERCTL" -S "$TEST_TMP/routerd.sock" daemon status
check "... and says to run as root" expect_fail 2 '^hint: run as root' \
	as_nobody "$ROUTERCTL" -S "$TEST_TMP/routerd.sock" daemon status
check "... the socket is root's, mode 0660" test "$(stat -c '%U %a' "$TEST_TMP/routerd.sock")" = "root 660"

# A veth that appears at run time is picked up without any manual step.
add_host3
h3_ready() { [ "$(attached_mode eth-h3)" = native ] && [ "$(egress_of eth-h3)" = true ]; }
check "a veth added at run time is attached and made egress" wait_until 5 h3_ready
in_ns "$H1" ping -c1 -W2 10.0.3.2 >/dev/null
check "h1 -> h3 through the fast path" ping_counted "$H1" 10.0.3.2 eth-h1
check "h3 -> h1 through the fast path" ping_counted "$H3" 10.0.1.2 eth-h3

# A link set down leaves the DEVMAP; traffic to it goes to the kernel.
PIN_DIR=$(rctl -j daemon status | jq -r .pin_dir)
watch() { in_ns "$R" "$TOOLS/devmap-watch" "$PIN_DIR" "$@"; }
down_us=() up_us=()
flap() {
	local us
	us=$(watch eth-h2 absent 1000 -- ip link set eth-h2 down) || return 1
	down_us+=("$us")
	us=$(watch eth-h2 present 1000 -- ip link set eth-h2 up) || return 1
	up_us+=("$us")
}
flaps() {
	local i
	for i in $(seq 10); do
		flap || {
			echo "  flap $i"
			return 1
		}
	done
}
check "eth-h2 leaves the DEVMAP when down and returns when up (10 flaps)" flaps
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
maxof() { printf '%s\n' "$@" | sort -n | tail -1; }
echo "DEVMAP update after link down: median $(median "${down_us[@]}") us, max $(maxof "${down_us[@]}") us"
echo "DEVMAP update after link up:   median $(median "${up_us[@]}") us, max $(maxof "${up_us[@]}") us"
check "every DEVMAP update took effect within 100 ms" \
	test "$(maxof "${down_us[@]}" "${up_us[@]}")" -lt 100000

ip -n "$R" link set eth-h2 down
before=$(passed eth-h1 not_forwarded)
in_ns "$H1" ping -q -c 2 -i 0.05 -W 1 10.0.2.2 >/dev/null
check "with eth-h2 down, packets to h2 go to the kernel" \
	at_least "$(passed eth-h1 not_forwarded)" $((before + 2))
check "... and none was redirected into it" \
	test "$(rctl -j stats dev eth-h2 | jq '.interfaces[0].transmit.drops')" = 0
ip -n "$R" link set eth-h2 up
wait_until 5 both_ready
in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null
check "back up, h1 -> h2 takes the fast path again" ping_counted "$H1" 10.0.2.2 eth-h1

# What the kernel checks beyond the FIB follows the machine: the router's
# own addresses (as sources), rp_filter, unlocked route MTUs.
verdict() { # ROUTE-GET-ARGS...: "forward" or the pass reason
	rctl -j route get "$@" | jq -r 'if .fastpath.verdict == "forward" then "forward" else .fastpath.reason end'
}
is_verdict() { [ "$(verdict "${@:2}")" = "$1" ]; }
in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null
ip -n "$R" addr add 10.0.99.1/32 dev lo
check "a new local address is a rejected source" \
	wait_until 5 is_verdict source_invalid 10.0.2.2 iif eth-h1 from 10.0.99.1
ip -n "$R" addr del 10.0.99.1/32 dev lo
check "... and no longer once removed" wait_until 5 is_verdict forward 10.0.2.2 iif eth-h1 from 10.0.99.1
in_ns "$R" sysctl -qw net.ipv4.conf.eth-h1.rp_filter=1
check "strict rp_filter on eth-h1 rejects sources routed elsewhere" \
	wait_until 5 is_verdict source_invalid 10.0.2.2 iif eth-h1 from 10.0.2.7
check "... and keeps those routed back by eth-h1" is_verdict forward 10.0.2.2 iif eth-h1 from 10.0.1.7
in_ns "$R" sysctl -qw net.ipv4.conf.eth-h1.rp_filter=0
check "rp_filter off again" wait_until 5 is_verdict forward 10.0.2.2 iif eth-h1 from 10.0.2.7

# rp_filter off, the kernel looks up the route back of every source only
# once the namespace has had ip rules (or local routes) of its own, and then
# refuses a source whose route back is a broadcast. The mark never clears.
full_check() { [ "$(rctl -j daemon status | jq .full_source_check)" = "$1" ]; }
kernel_refuses() { rctl -j route get "$@" | jq -e '.kernel.error' >/dev/null; }
check "no ip rules yet: rp_filter off checks only local addresses" full_check false
check "... a subnet broadcast source is forwarded, as the kernel does" \
	is_verdict forward 10.0.2.2 iif eth-h1 from 10.0.1.255
ip -n "$R" rule add from 192.0.2.0/24 lookup 100 pref 500
check "an ip rule made: routerd sees the kernel's full source check" wait_until 5 full_check true
check "... a subnet broadcast source goes to the kernel" \
	is_verdict source_invalid 10.0.2.2 iif eth-h1 from 10.0.1.255
check "... which refuses it" kernel_refuses 10.0.2.2 iif eth-h1 from 10.0.1.255
check "... a unicast one is still forwarded" is_verdict forward 10.0.2.2 iif eth-h1 from 10.0.1.7
ip -n "$R" rule del pref 500
check "the rule deleted, the kernel still refuses it, and the fast path still hands it up" \
	eval 'kernel_refuses 10.0.2.2 iif eth-h1 from 10.0.1.255 &&
		is_verdict source_invalid 10.0.2.2 iif eth-h1 from 10.0.1.255'

# IPv6: the kernel forwards only with conf/all/forwarding 1, whatever the
# device's own flag (which is all bpf_fib_lookup reads), and drops all IPv6
# on a device with disable_ipv6. (To h3: eth-h2 lost its IPv6 addresses
# when it went down.)
in_ns "$H1" ping -6 -c1 -W2 fd00:3::2 >/dev/null
in_ns "$R" sysctl -qw net.ipv6.conf.all.forwarding=0 net.ipv6.conf.eth-h1.forwarding=1
check "IPv6 all.forwarding 0 (eth-h1's own 1): handed to the kernel, as it would not forward" \
	wait_until 5 is_verdict fwd_disabled fd00:3::2 iif eth-h1 from fd00:1::2
in_ns "$R" sysctl -qw net.ipv6.conf.all.forwarding=1
check "... forwarded again at 1" wait_until 5 is_verdict forward fd00:3::2 iif eth-h1 from fd00:1::2
in_ns "$R" sysctl -qw net.ipv6.conf.eth-h1.disable_ipv6=1
check "disable_ipv6 on eth-h1: its IPv6 goes to the kernel (which drops it)" \
	wait_until 5 is_verdict ipv6_disabled fd00:3::2 iif eth-h1 from fd00:1::2
check "... IPv4 on eth-h1 is still forwarded" is_verdict forward 10.0.2.2 iif eth-h1
in_ns "$R" sysctl -qw net.ipv6.conf.eth-h1.disable_ipv6=0
ip -n "$R" addr add fd00:1::1/64 dev eth-h1 nodad
check "... and forwarded once IPv6 is back" \
	wait_until 5 is_verdict forward fd00:3::2 iif eth-h1 from fd00:1::2

ip -n "$R" route add 10.0.77.0/24 via 10.0.2.2 mtu 1000
check "an unlocked route MTU hands bigger packets to the kernel" \
	wait_until 5 is_verdict route_mtu 10.0.2.2 iif eth-h1 size 1200
check "... not smaller ones" is_verdict forward 10.0.2.2 iif eth-h1 size 900
ip -n "$R" route del 10.0.77.0/24
check "the ceiling goes with the route" wait_until 5 is_verdict forward 10.0.2.2 iif eth-h1 size 1200

# A bridge port is the bridge's: routerd refuses it, and takes it back when
# it leaves. The bridge says so with an AF_BRIDGE RTM_DELLINK beside the
# link's own RTM_NEWLINK; routerd, stopped meanwhile, reads both at once.
managed_of() { rctl -j link show dev "$1" | jq -r '.links[0].managed'; }
reason_of() { rctl -j link show dev "$1" | jq -r '.links[0].managed_reason'; }
ip -n "$R" link add br-t type bridge
ip -n "$R" link set eth-h3 master br-t
port_refused() { [ "$(managed_of eth-h3)" = false ] && [ "$(attached_mode eth-h3)" = off ]; }
check "a port of a bridge is not managed, and detached" wait_until 5 port_refused
check "... link show says whose port it is" \
	eval '[[ "$(reason_of eth-h3)" == "a port of br-t"* ]]'
# The master instead: h3's subnet on the bridge, which routerctl puts under
# the fast path (generic XDP: a bridge has no native XDP, nor ndo-xmit, so
# it is an ingress only). What h3 sends through the bridge is routed there.
ip -n "$R" addr del 10.0.3.1/24 dev eth-h3
ip -n "$R" addr add 10.0.3.1/24 dev br-t
ip -n "$R" link set br-t up
rctl link set dev br-t fastpath auto >/dev/null
bridge_attached() { [ "$(attached_mode br-t)" = generic ]; }
check "the bridge itself can be managed (generic XDP)" wait_until 5 bridge_attached
wait_until 5 eval 'in_ns "$H3" ping -c1 -W1 10.0.1.2 >/dev/null'
check "h3 -> h1 through the fast path, routed from the bridge" ping_counted "$H3" 10.0.1.2 br-t
rctl link set dev br-t fastpath off >/dev/null
ip -n "$R" addr del 10.0.3.1/24 dev br-t
ip -n "$R" addr add 10.0.3.1/24 dev eth-h3
kill -STOP "$ROUTERD_PID"
ip -n "$R" link set eth-h3 nomaster
kill -CONT "$ROUTERD_PID"
check "a port that leaves its bridge is managed again (not taken as deleted)" wait_until 5 h3_ready
ip -n "$R" link del br-t

# A link moved to another namespace and back, both events read in one
# batch, ends present: the last event on an ifindex wins.
h3_index=$(ip -n "$R" -j link show dev eth-h3 | jq '.[0].ifindex')
kill -STOP "$ROUTERD_PID"
ip -n "$R" link set eth-h3 netns "$H3"
ip -n "$H3" link set eth-h3 netns "$R"
kill -CONT "$ROUTERD_PID"
check "... it came back with its ifindex" \
	test "$(ip -n "$R" -j link show dev eth-h3 | jq '.[0].ifindex')" = "$h3_index"
h3_attached() { [ "$(attached_mode eth-h3)" = native ]; }
check "a link moved out and back in one batch is attached again" wait_until 5 h3_attached

# The netlink receive buffer is what routerd asked for, past rmem_max (the
# kernel accounts twice the size set).
check "the netlink receive buffer in effect is the one asked for, not rmem_max" \
	test "$(rctl -j daemon status | jq .netlink_rcvbuf_kib)" -ge $((2 * RCVBUF / 1024))

# Deleting a managed link forgets it; routerd stays up.
ip -n "$R" link del eth-h3
gone() { [ "$(rctl -j stats | jq '[.interfaces[] | select(.ifname == "eth-h3")] | length')" = 0 ]; }
check "a deleted link is forgotten" wait_until 5 gone

# SIGHUP with a broken file keeps the running configuration.
cp "$TEST_TMP/routerd.conf" "$TEST_TMP/good.conf"
printf 'log_level = "loud"\n[[interface]]\nnmae = "eth-h2"\n' >"$TEST_TMP/routerd.conf"
kill -HUP "$ROUTERD_PID"
check "a broken configuration is reported" \
	wait_until 5 grep -q "keeping the running configuration" "$TEST_TMP/routerd.log"
check "routerd is still running" routerd_alive
check "the old configuration still holds" both_ready

# SIGHUP with a valid file applies it: eth-h2 is no longer managed.
write_config "$TEST_TMP/routerd.conf" "eth-h1"
kill -HUP "$ROUTERD_PID"
released() { [ "$(attached_mode eth-h2)" = off ] && [ "$(egress_of eth-h2)" != true ]; }
check "a valid new configuration is applied" wait_until 5 released
check "eth-h1 is still attached" test "$(attached_mode eth-h1)" = native

# A normal stop detaches everything and removes the pins.
kill -TERM "$ROUTERD_PID"
stopped() { ! routerd_alive; }
check "routerd stops on SIGTERM" wait_until 5 stopped
check "nothing stays attached" bash -c "! ip -n $R -d link show | grep -q 'prog/xdp'"
check "the pins are gone" test ! -e "$PIN_DIR"
finish
