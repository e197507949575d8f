# Namespace topologies shared by the examples and the tests. Source it.
#
#   h1 ─────────────── r ─────────────── h2
#   eth0            eth-h1   eth-h2          eth0
#   10.0.1.2/24   10.0.1.1   10.0.2.1   10.0.2.2/24
#   fd00:1::2/64  fd00:1::1  fd00:2::1  fd00:2::2/64
#
# Namespaces are PREFIX-h1, PREFIX-r and PREFIX-h2, so several topologies
# (and test runs) can exist side by side.

# Runs a command in a namespace, keeping this mount namespace so the bpffs
# at /sys/fs/bpf stays visible (ip netns exec would hide it).
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
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

topo_h1_r_h2_up() {
	local p=$1
	ns_create "$p-h1"
	ns_create "$p-r"
	ns_create "$p-h2"
	veth_connect "$p-h1" eth0 "$p-r" eth-h1
	veth_connect "$p-r" eth-h2 "$p-h2" eth0

	ip -n "$p-h1" addr add 10.0.1.2/24 dev eth0
	ip -n "$p-h1" addr add fd00:1::2/64 dev eth0 nodad
	ip -n "$p-h1" route add default via 10.0.1.1
	ip -n "$p-h1" -6 route add default via fd00:1::1

	ip -n "$p-h2" addr add 10.0.2.2/24 dev eth0
	ip -n "$p-h2" addr add fd00:2::2/64 dev eth0 nodad
	ip -n "$p-h2" route add default via 10.0.2.1
	ip -n "$p-h2" -6 route add default via fd00:2::1

	ip -n "$p-r" addr add 10.0.1.1/24 dev eth-h1
	ip -n "$p-r" addr add fd00:1::1/64 dev eth-h1 nodad
	ip -n "$p-r" addr add 10.0.2.1/24 dev eth-h2
	ip -n "$p-r" addr add fd00:2::1/64 dev eth-h2 nodad
	in_ns "$p-r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

topo_h1_r_h2_down() {
	ns_delete "$1-h1" "$1-r" "$1-h2"
}
