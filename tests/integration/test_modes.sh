#!/bin/bash
# Attaching in each XDP mode, switching modes, detaching, and the errors a
# user gets for bad input, with the running state left intact.
#
#   h1 ──────── r ──────── h2
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping
topo_h1_r_h2_up "$PREFIX" || die "cannot build the topology"
ROUTER_NAMESPACES+=("$PREFIX-r")
H1=$PREFIX-h1 R=$PREFIX-r H2=$PREFIX-h2


# set_both MODE: the fast path on both of r's interfaces in MODE.
set_both() {
	rctl link set dev eth-h1 fastpath "$1" >/dev/null &&
		rctl link set dev eth-h2 fastpath "$1" >/dev/null
}

mode_of() {
	rctl -j link show dev "$1" | jq -r '.links[0].fastpath'
}

# forwarded_by_fast_path DEST: 5 pings, all answered, all counted.
forwarded_by_fast_path() {
	local before
	before=$(forwarded eth-h1)
	in_ns "$H1" ping -q -c 5 -i 0.01 -W 1 "$1" >/dev/null &&
		at_least $(($(forwarded eth-h1) - before)) 5
}

warm() { in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null && in_ns "$H1" ping -6 -c1 -W2 fd00:2::2 >/dev/null; }

check "generic mode attaches" set_both generic
check "link show reports generic" test "$(mode_of eth-h1)" = generic
warm
check "generic mode forwards IPv4" forwarded_by_fast_path 10.0.2.2
check "generic mode forwards IPv6" forwarded_by_fast_path fd00:2::2

check "switching to native" set_both native
check "link show reports native" test "$(mode_of eth-h1)" = native
check "native mode forwards IPv4" forwarded_by_fast_path 10.0.2.2

check "auto keeps the native attachment" set_both auto
check "... reported as native" test "$(mode_of eth-h2)" = native

check "an unknown device is refused" \
	expect_fail 2 'Cannot find device "eth9"' rctl link set dev eth9 fastpath native
check "an unknown mode is refused" \
	expect_fail 1 'unknown fastpath mode' rctl link set dev eth-h1 fastpath turbo
check "a missing argument is refused" \
	expect_fail 1 'required' rctl link set dev eth-h1
check "an unknown command is refused" expect_fail 1 'unknown command' rctl lnk show
check "an ambiguous option is refused" expect_fail 1 'unknown option|ambiguous' rctl -x stats
# A veth of r with somebody else's XDP program (a copy of ours, loaded and
# attached by bpftool the old way, through netlink).
foreign_xdp() {
	local pin=/sys/fs/bpf/$PREFIX-foreign
	ip -n "$R" link add eth-x type veth peer name eth-y &&
		ip -n "$R" link set eth-x up &&
		bpftool prog loadall "$BUILD_DIR/fastpath/bpf/fastpath_bpf.bpf.o" "$pin" &&
		in_ns "$R" bpftool net attach xdpgeneric pinned "$pin/xdp_fastpath" dev eth-x
	local rc=$?
	rm -rf "$pin"
	return $rc
}
check "a foreign XDP program attaches to eth-x" foreign_xdp
check "a device with another XDP program is refused" \
	expect_fail 2 'already has another XDP program' rctl link set dev eth-x fastpath native
check "... and left alone" in_ns "$R" bash -c "ip -d link show eth-x | grep -q xdpgeneric"
check "... with no trace in the fast path" \
	test "$(rctl -j stats | jq "[.interfaces[] | select(.ifname == \"eth-x\")] | length")" = 0
check "after the errors the fast path still forwards" forwarded_by_fast_path 10.0.2.2

check "off detaches" set_both off
check "link show reports off" test "$(mode_of eth-h1)" = off
check "the kernel forwards after detaching" in_ns "$H1" ping -q -c 2 -i 0.2 -W 1 10.0.2.2 >/dev/null
finish
