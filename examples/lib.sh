# Namespace topologies shared by the examples and the tests. Source it.
#
#   h1 ─────────────── r ─────────────── h2
#   eth0            eth-h1   eth-h2          eth0
#   10.0.1.2/24   10.0.1.1   10.0.2.1   10.0.2.2/24
#   fd00:1::2/64  fd00:1::1  fd00:2::1  fd00:2::2/64
#
# Namespaces are PREFIX-h1, PREFIX-r and PREFIX-h2, so several topologies
# (and test runs) can exist side by side.

# The Debian package of each command the scripts check for, so that a
# missing one fails with a line naming what to install (run.sh's list has
# them all; tests/packages/check_packages.sh checks this table with dpkg).
declare -A DEBIAN_PACKAGE=(
	[ip]=iproute2 [ss]=iproute2 [nstat]=iproute2 [bridge]=iproute2 [tc]=iproute2
	[nsenter]=util-linux [setpriv]=util-linux [prlimit]=util-linux [unshare]=util-linux
	[jq]=jq [ping]=iputils-ping [traceroute]=traceroute [socat]=socat
	[ethtool]=ethtool [bpftool]=bpftool [sysctl]=procps [ps]=procps
	[vtysh]=frr [/usr/lib/frr/zebra]=frr [/usr/lib/frr/bgpd]=frr [/usr/lib/frr/staticd]=frr
	[nft]=nftables [iptables-nft]=iptables [iptables-legacy]=iptables [ip6tables-legacy]=iptables
	[iperf3]=iperf3 [gnuplot]=gnuplot-nox [git]=git [mmdebstrap]=mmdebstrap
	[sha256sum]=coreutils [timeout]=coreutils [stat]=coreutils [awk]=mawk [cmp]=diffutils
)

# missing_cmds CMD...: prints one line per missing command, naming its
# package; returns 1 if any is missing.
missing_cmds() {
	local c rc=0
	for c in "$@"; do
		command -v "$c" >/dev/null && continue
		echo "needs $c: install the Debian package ${DEBIAN_PACKAGE[$c]:-that provides it} (./run.sh installs it)"
		rc=1
	done
	return $rc
}

# need_cmds CMD...: exits with that line when a command is missing.
need_cmds() {
	local why
	why=$(missing_cmds "$@") || {
		echo "${0##*/}: $why" >&2
		exit 1
	}
}

# Runs a command in a namespace, keeping this mount namespace so the bpffs
# at /sys/fs/bpf stays visible (ip netns exec would hide it).
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# wait_until SECONDS COMMAND...: polls every 50 ms, bounded.
wait_until() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# A namespace whose IPv6 addresses are usable at once (no DAD).
ns_create() {
	local ns=$1
	ip netns add "$ns"
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0
	ip -n "$ns" link set lo up
}

ns_delete() {
	local ns
	for ns in "$@"; do
		[ -e "/run/netns/$ns" ] || continue
		ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" || true
	done
	return 0
}

# veth_connect NS_A IF_A NS_B IF_B
veth_connect() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# net_address NS DEV N H: 10.0.N.H/24 and fd00:N::H/64 on DEV, the
# addressing every topology here uses.
net_address() {
	ip -n "$1" addr add "10.0.$3.$4/24" dev "$2" &&
		ip -n "$1" addr add "fd00:$3::$4/64" dev "$2" nodad
}

# host_addresses NS N: eth0 of a host is 10.0.N.2/24 and fd00:N::2/64, its
# router .1 / ::1.
host_addresses() {
	net_address "$1" eth0 "$2" 2
	ip -n "$1" route add default via "10.0.$2.1"
	ip -n "$1" -6 route add default via "fd00:$2::1"
}

topo_h1_r_h2_up() {
	local p=$1
	ns_create "$p-h1"
	ns_create "$p-r"
	ns_create "$p-h2"
	veth_connect "$p-h1" eth0 "$p-r" eth-h1
	veth_connect "$p-r" eth-h2 "$p-h2" eth0

	host_addresses "$p-h1" 1
	host_addresses "$p-h2" 2

	net_address "$p-r" eth-h1 1 1
	net_address "$p-r" eth-h2 2 1
	in_ns "$p-r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

topo_h1_r_h2_down() {
	ns_delete "$1-h1" "$1-r" "$1-h2"
}

# ── BGP topologies ──────────────────────────────────────────────────────
#
#   h1 ───────── r1 ═══════════ r2 ───────── h2
#   10.0.1.2  AS 65001   eBGP   AS 65002  10.0.2.2
#   fd00:1::2                              fd00:2::2
#
#   h1 eth0 ─ eth-h1 r1 eth-r2a ─ eth-r1a r2 eth-h2 ─ eth0 h2
#                       10.0.12.1/24  10.0.12.2/24, fd00:12::1/2
#                    r1 eth-r2b ─ eth-r1b r2   (with ECMP only)
#                       10.0.13.1/24  10.0.13.2/24, fd00:13::1/2
#
# Namespaces PREFIX-h1, PREFIX-r1, PREFIX-r2, PREFIX-h2. Each router runs
# its own zebra, staticd and bgpd (state in $FRR_STATE/PREFIX-rN), with
# IPv4 and IPv6 unicast sessions per link; each advertises its host-facing
# prefixes. With ECMP, two parallel links and maximum-paths 2 give r1 and
# r2 multipath routes.

FRR_STATE=${FRR_STATE:-/run/xdp-router-frr}
FRR_DAEMONS="zebra staticd bgpd"

# Runs a command with nothing but stdin/stdout/stderr open (output to LOG,
# default /dev/null): FRR's daemons keep inherited descriptors, and a test
# runner would wait on them forever.
without_inherited_fds() {
	local log=/dev/null
	[ "$1" = --log ] && log=$2 && shift 2
	(
		close_inherited_fds
		exec "$@" </dev/null >>"$log" 2>&1
	)
}

# Closes every descriptor above stderr (a pipe a daemon kept open would keep
# whoever reads it waiting).
close_inherited_fds() {
	local fd
	for fd in /proc/self/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
	done 2>/dev/null
}

# frr_conf NAME AS ROUTER_ID NETWORK4 NETWORK6 PEER4... -- PEER6...
frr_bgpd_conf() {
	local name=$1 asn=$2 rid=$3 net4=$4 net6=$5 remote=$6
	shift 6
	local p v4=() v6=()
	for p in "$@"; do
		if [[ "$p" == *:* ]]; then v6+=("$p"); else v4+=("$p"); fi
	done
	echo "hostname $name"
	echo "log file $FRR_STATE/$name/bgpd.log"
	echo "router bgp $asn"
	echo " bgp router-id $rid"
	echo " no bgp ebgp-requires-policy"
	echo " no bgp network import-check"
	for p in "${v4[@]}" "${v6[@]}"; do
		echo " neighbor $p remote-as $remote"
		echo " neighbor $p timers 3 9"
		echo " neighbor $p timers connect 1"
		echo " neighbor $p advertisement-interval 0"
	done
	echo " address-family ipv4 unicast"
	echo "  network $net4"
	echo "  maximum-paths 2"
	for p in "${v6[@]}"; do echo "  no neighbor $p activate"; done
	echo " exit-address-family"
	echo " address-family ipv6 unicast"
	echo "  network $net6"
	echo "  maximum-paths 2"
	for p in "${v6[@]}"; do echo "  neighbor $p activate"; done
	echo " exit-address-family"
}

# frr_start NS BGPD_CONF_TEXT: zebra, staticd and bgpd for one router.
frr_start() {
	local ns=$1 dir=$FRR_STATE/$1 d
	mkdir -p "$dir"
	printf 'hostname %s\nlog file %s/zebra.log\n' "$ns" "$dir" >"$dir/zebra.conf"
	printf 'hostname %s\n' "$ns" >"$dir/staticd.conf"
	printf '%s\n' "$2" >"$dir/bgpd.conf"
	chown -R frr:frr "$dir"
	for d in $FRR_DAEMONS; do
		without_inherited_fds nsenter --net="/run/netns/$ns" -- "/usr/lib/frr/$d" -d \
			-f "$dir/$d.conf" -i "$dir/$d.pid" -z "$dir/zserv.api" \
			--vty_socket "$dir" -P 0 || return 1
		# zebra first, and ready, before the others connect to it.
		wait_until 5 test -S "$dir/$d.vty"
	done
}

frr_stop() {
	local ns=$1 dir=$FRR_STATE/$1 d pid
	for d in bgpd staticd zebra; do
		[ -f "$dir/$d.pid" ] || continue
		pid=$(cat "$dir/$d.pid")
		kill "$pid" 2>/dev/null || continue
		wait_until 3 pid_gone "$pid" || kill -9 "$pid" 2>/dev/null || true
	done
	rm -rf "$dir"
}

# vtysh for one router: frr_vtysh NS -c '...'
frr_vtysh() {
	local ns=$1
	shift
	vtysh --vty_socket "$FRR_STATE/$ns" "$@"
}

# topo_bgp_up PREFIX [ecmp]
topo_bgp_up() {
	local p=$1 ecmp=${2:-}
	local h1=$p-h1 r1=$p-r1 r2=$p-r2 h2=$p-h2 ns
	for ns in "$h1" "$r1" "$r2" "$h2"; do ns_create "$ns"; done
	veth_connect "$h1" eth0 "$r1" eth-h1
	veth_connect "$r1" eth-r2a "$r2" eth-r1a
	[ -n "$ecmp" ] && veth_connect "$r1" eth-r2b "$r2" eth-r1b
	veth_connect "$r2" eth-h2 "$h2" eth0

	host_addresses "$h1" 1
	host_addresses "$h2" 2

	net_address "$r1" eth-h1 1 1
	net_address "$r1" eth-r2a 12 1
	net_address "$r2" eth-h2 2 1
	net_address "$r2" eth-r1a 12 2
	local peers1="10.0.12.2 fd00:12::2" peers2="10.0.12.1 fd00:12::1"
	if [ -n "$ecmp" ]; then
		net_address "$r1" eth-r2b 13 1
		net_address "$r2" eth-r1b 13 2
		peers1="$peers1 10.0.13.2 fd00:13::2"
		peers2="$peers2 10.0.13.1 fd00:13::1"
	fi
	for ns in "$r1" "$r2"; do
		in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
	done
	# shellcheck disable=SC2086
	frr_start "$r1" "$(frr_bgpd_conf "$r1" 65001 10.0.0.1 10.0.1.0/24 fd00:1::/64 65002 $peers1)" &&
		frr_start "$r2" "$(frr_bgpd_conf "$r2" 65002 10.0.0.2 10.0.2.0/24 fd00:2::/64 65001 $peers2)"
}

# bgp_established NS: every BGP session of the router is up.
bgp_established() {
	local n
	n=$(frr_vtysh "$1" -c 'show bgp summary json' 2>/dev/null |
		jq '[.. | objects | select(has("state")) | .state] | (length > 0 and all(. == "Established"))')
	[ "$n" = true ]
}

# routes_learned PREFIX: both routers have the other side's prefixes in
# their kernel FIB, from BGP.
routes_learned() {
	local p=$1
	[ -n "$(ip -n "$p-r1" route show 10.0.2.0/24 proto bgp)" ] &&
		[ -n "$(ip -n "$p-r1" -6 route show fd00:2::/64 proto bgp)" ] &&
		[ -n "$(ip -n "$p-r2" route show 10.0.1.0/24 proto bgp)" ] &&
		[ -n "$(ip -n "$p-r2" -6 route show fd00:1::/64 proto bgp)" ]
}

topo_bgp_down() {
	local p=$1 ns
	for ns in "$p-r1" "$p-r2"; do frr_stop "$ns"; done
	ns_delete "$p-h1" "$p-r1" "$p-r2" "$p-h2"
}

# routerd_launch NS CONF DIR [ARGS...]: routerd in NS with CONF, logging to
# DIR/routerd.log; ROUTERD_PID (and DIR/routerd.pid) is routerd itself, to
# signal and to watch. Returns at once (routerd_start waits).
routerd_launch() {
	local ns=$1 conf=$2 dir=$3
	shift 3
	mkdir -p "$dir"
	# A child of this shell (not disowned), so `wait` can reap it.
	(
		close_inherited_fds
		exec nsenter --net="/run/netns/$ns" -- "$ROUTERD" -c "$conf" "$@" \
			</dev/null >>"$dir/routerd.log" 2>&1
	) &
	ROUTERD_PID=$!
	echo "$ROUTERD_PID" >"$dir/routerd.pid"
}

# routerd_start NS CONF DIR [ARGS...]: routerd_launch, then returns once
# routerd answers on its control socket (CONF's control_socket, or the
# namespace's default): its first reconcile is done. Needs $ROUTERD and
# $ROUTERCTL.
routerd_start() {
	local ns=$1 conf=$2 dir=$3 sock
	routerd_launch "$@"
	sock=$(sed -n 's/^control_socket *= *"\(.*\)"/\1/p' "$conf")
	wait_until 10 routerd_answers "$ns" "$ROUTERD_PID" "$sock" && return 0
	cat "$dir/routerd.log" >&2
	return 1
}

# routerd_answers NS PID [SOCKET]: routerd PID is alive and answers.
routerd_answers() {
	kill -0 "$2" 2>/dev/null &&
		nsenter --net="/run/netns/$1" -- "$ROUTERCTL" ${3:+-S "$3"} daemon status >/dev/null 2>&1
}

# A child that exited is a zombie until reaped: kill -0 still succeeds.
pid_gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[ -z "$st" ] || [[ $st == Z* ]]
}

routerd_stop() {
	local dir=$1 pid
	[ -f "$dir/routerd.pid" ] || return 0
	pid=$(cat "$dir/routerd.pid")
	kill -TERM "$pid" 2>/dev/null || true
	wait_until 5 pid_gone "$pid"
	rm -f "$dir/routerd.pid"
}

# routerctl in $R, talking to the routerd at $ROUTERD_SOCKET when set.
rctl() {
	in_ns "$R" "$ROUTERCTL" ${ROUTERD_SOCKET:+-S "$ROUTERD_SOCKET"} "$@"
}

# xdp_mode NS DEV: none, native, generic or offload, from the kernel.
xdp_mode() {
	ip -n "$1" -j link show "$2" |
		jq -r '.[0].xdp.mode // 0 | ["none", "native", "generic", "offload"][.]'
}
xdp_attached() { [ "$(xdp_mode "$1" "$2")" != none ]; }

tcp_listening() {
	in_ns "$1" ss -Htln "sport = :$2" | grep -q .
}

udp_listening() {
	in_ns "$1" ss -Huln "sport = :$2" | grep -q .
}

# Starts "$@" in the background with only stdin/stdout/stderr, output to
# LOG; sets BG_PID.
# BG_PID is the command itself (the subshell execs it).
without_inherited_fds_bg() {
	local log=$1
	shift
	(
		close_inherited_fds
		exec "$@" </dev/null >>"$log" 2>&1
	) &
	BG_PID=$!
	disown "$BG_PID" 2>/dev/null || true
}
