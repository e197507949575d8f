# Helpers for the namespace integration tests. Source it first thing:
#   . "$(dirname "$0")/lib.sh"
# A test builds its topology with a unique prefix, checks with `check`,
# and ends with `finish`. Namespaces and pinned state go away on exit,
# whatever happens.

set -u

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$TESTS_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT_DIR/build}
ROUTERCTL=$BUILD_DIR/tools/routerctl/routerctl
ROUTERD=$BUILD_DIR/routerd/routerd
TOOLS=$BUILD_DIR/tests
. "$ROOT_DIR/examples/lib.sh"

# Unique per test and run: several tests may run at once.
TEST_NAME=$(basename "$0" .sh)
PREFIX="t${TEST_NAME#test_}"
PREFIX="${PREFIX:0:8}$$"
FAILURES=0
ROUTER_NAMESPACES=()
EXTRA_NAMESPACES=()
FRR_NAMESPACES=()
TEST_TMP=$(mktemp -d "/tmp/$PREFIX.XXXXXX")
# The test's routerd answers here (rctl, write_config).
ROUTERD_SOCKET=$TEST_TMP/routerd.sock
chmod 755 "$TEST_TMP"  # FRR's daemons run as frr and keep state here
FRR_STATE=$TEST_TMP/frr

# Without a capability a test skips (77) on a developer's machine, but fails
# under CI=true: CI must run every test.
cannot_run() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $1 (CI=true: tests may not skip)"
		exit 1
	fi
	echo "SKIP: $1"
	exit 77
}

require_root() {
	[ "$(id -u)" = 0 ] || cannot_run "needs root"
}

require_cmds() {
	local why
	why=$(missing_cmds "$@") || cannot_run "$(head -1 <<<"$why")"
}

# Commands a test adds for its own cleanup, run first on exit.
ON_EXIT=()

cleanup() {
	local ns cmd
	# For debugging a failure by hand: leave everything in place.
	[ -n "${KEEP_NAMESPACES:-}" ] && return 0
	for cmd in "${ON_EXIT[@]}"; do eval "$cmd" 2>/dev/null; done
	jobs -p | xargs -r kill 2>/dev/null
	for ns in "${ROUTER_NAMESPACES[@]}"; do
		# routerd first: it holds the fast path's lock until it is gone.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		wait_until 5 eval "[ -z \"\$(ip netns pids $ns 2>/dev/null)\" ]"
		in_ns "$ns" "$ROUTERCTL" fastpath unload >/dev/null 2>&1
	done
	for ns in "${FRR_NAMESPACES[@]}"; do frr_stop "$ns"; done
	topo_h1_r_h2_down "$PREFIX"
	ns_delete "${EXTRA_NAMESPACES[@]}"
	[ -n "${TEST_TMP:-}" ] && rm -rf "$TEST_TMP"
	return 0
}
trap cleanup EXIT

# check DESCRIPTION COMMAND...: runs COMMAND, reports, remembers failures.
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what"
		FAILURES=$((FAILURES + 1))
	fi
}

finish() {
	if [ "$FAILURES" -ne 0 ]; then
		echo "$TEST_NAME: $FAILURES check(s) failed"
		exit 1
	fi
	echo "$TEST_NAME: all checks passed"
	exit 0
}

# Fails the test at once (for set-up steps later checks depend on).
die() {
	echo "FAIL: $*"
	exit 1
}

# The h1 — r — h2 topology with the fast path on both of r's interfaces.
setup_h1_r_h2() {
	setup_topology
	local dev out
	for dev in eth-h1 eth-h2; do
		out=$(in_ns "$R" "$ROUTERCTL" link set dev "$dev" fastpath native 2>&1) ||
			die "cannot attach the fast path to $dev: $out"
	done
	warm_neighbours
}

# One ping each way, so r has resolved both hosts: tests that count
# fast-path packets then see every one of them.
warm_neighbours() {
	in_ns "$H1" ping -c1 -W2 10.0.2.2 >/dev/null &&
		in_ns "$H1" ping -6 -c1 -W2 fd00:2::2 >/dev/null ||
		die "h1 cannot reach h2"
}

# Fast-path counters of one of r's interfaces, as JSON.
stats_json() {
	in_ns "$R" "$ROUTERCTL" -j stats dev "$1"
}

# forwarded DEV: packets the fast path forwarded that arrived on DEV.
forwarded() {
	stats_json "$1" | jq '.interfaces[0].forwarded.packets'
}

forwarded_bytes() {
	stats_json "$1" | jq '.interfaces[0].forwarded.bytes'
}

# passed DEV REASON: frames from DEV handed to the kernel for REASON.
passed() {
	stats_json "$1" | jq ".interfaces[0].passed.$2"
}

# expect_fail EXIT_CODE PATTERN COMMAND...
expect_fail() {
	local code=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$code" ] && grep -qE "$pattern" <<<"$out" || {
		echo "  exit $rc, output: $out"
		return 1
	}
}

# at_least A B: A >= B, with both printed when it fails.
at_least() {
	[ "$1" -ge "$2" ] || {
		echo "  expected at least $2, got $1"
		return 1
	}
}

# The topology without the fast path attached: for tests where routerd
# does the attaching.
setup_topology() {
	topo_h1_r_h2_up "$PREFIX" || die "cannot build the topology"
	ROUTER_NAMESPACES+=("$PREFIX-r")
	H1=$PREFIX-h1 R=$PREFIX-r H2=$PREFIX-h2
}

# write_config FILE NAME_GLOB...: a routerd.conf managing those names.
write_config() {
	local file=$1 glob
	shift
	{
		echo "log_level = \"info\""
		echo "control_socket = \"$ROUTERD_SOCKET\""
		for glob in "$@"; do
			printf '[[interface]]\nname = "%s"\nmode = "auto"\n' "$glob"
		done
	} >"$file"
}

# start_routerd [ARGS...]: routerd in r with $TEST_TMP/routerd.conf, logging
# to $TEST_TMP/routerd.log; returns once it answers (examples/lib.sh
# routerd_start). Sets ROUTERD_PID.
start_routerd() {
	routerd_start "$R" "$TEST_TMP/routerd.conf" "$TEST_TMP" "$@" || die "routerd did not start"
}

# launch_routerd [ARGS...]: the same, returning at once.
launch_routerd() {
	routerd_launch "$R" "$TEST_TMP/routerd.conf" "$TEST_TMP" "$@"
}

routerd_alive() {
	kill -0 "$ROUTERD_PID" 2>/dev/null
}

# egress_of DEV: true/false, from the pinned DEVMAP.
egress_of() {
	rctl -j stats dev "$1" | jq -r '.interfaces[0].egress'
}

# attached_mode DEV: native/generic/off, from the pins.
attached_mode() {
	rctl -j stats dev "$1" | jq -r '.interfaces[0].fastpath // "off"'
}

# tcp_send FILE FROM_NS TO_NS LISTEN CONNECT PORT: FILE sent over TCP from
# FROM_NS to a socat listening in TO_NS on PORT (LISTEN and CONNECT are
# socat addresses); fails, saying what arrived, unless all of it did.
tcp_send() {
	local file=$1 from=$2 to=$3 listen=$4 connect=$5 port=$6 sums got want
	sums=$(mktemp)
	in_ns "$to" timeout 60 socat -u "$listen" - 2>/dev/null | sha256sum | cut -d' ' -f1 >"$sums" &
	local receiver=$!
	if ! wait_until 5 tcp_listening "$to" "$port" ||
		! in_ns "$from" timeout 60 socat -u "$file" "$connect"; then
		kill "$receiver" 2>/dev/null
		rm -f "$sums"
		return 1
	fi
	wait "$receiver"
	got=$(cat "$sums")
	rm -f "$sums"
	want=$(sha256sum <"$file" | cut -d' ' -f1)
	[ "$got" = "$want" ] || {
		echo "  $to received data with sha256 $got, want $want"
		return 1
	}
}

# add_host N: a host hN (10.0.N.2/24, fd00:N::2/64) on a new veth eth-hN
# of r (10.0.N.1, fd00:N::1), created at run time. Sets HN (H3, H4, ...).
add_host() {
	local n=$1 ns=$PREFIX-h$1
	EXTRA_NAMESPACES+=("$ns")
	ns_create "$ns"
	veth_connect "$ns" eth0 "$R" "eth-h$n"
	host_addresses "$ns" "$n"
	net_address "$R" "eth-h$n" "$n" 1
	printf -v "H$n" '%s' "$ns"
}

add_host3() { add_host 3; }

# Numbered UDP streams that run until stopped, so a stream covers exactly
# what a test does meanwhile, however long that takes.
declare -A STREAM_SENDER STREAM_RECEIVER
STREAM_MAX=10000000 # datagrams; 1000 s at 10 000 per second

# stream_start NAME FROM_NS TO_NS ADDRESS PORT RATE: FROM_NS sends to
# ADDRESS:PORT, a receiver in TO_NS counts.
stream_start() {
	local name=$1 from=$2 to=$3 addr=$4 port=$5 rate=$6
	nsenter --net="/run/netns/$to" -- "$TOOLS/udpstream" recv "$port" "$STREAM_MAX" 900 \
		>"$TEST_TMP/$name.recv" 2>/dev/null &
	STREAM_RECEIVER[$name]=$!
	wait_until 5 udp_listening "$to" "$port" || return 1
	nsenter --net="/run/netns/$from" -- "$TOOLS/udpstream" send "$addr" "$port" "$STREAM_MAX" \
		"$rate" >"$TEST_TMP/$name.send" &
	STREAM_SENDER[$name]=$!
}

# stream_stop NAME...: stops the senders together, then collects each
# receiver (a receiver waits 500 ms at most for stragglers after the
# sender's end marker). Sets SENT[NAME] and RECEIVED[NAME].
declare -A SENT RECEIVED
stream_stop() {
	local name
	for name in "$@"; do kill -TERM "${STREAM_SENDER[$name]}"; done
	for name in "$@"; do wait "${STREAM_SENDER[$name]}"; done
	for name in "$@"; do
		# It prints its counts when done (a zombie still answers kill -0).
		wait_until 5 test -s "$TEST_TMP/$name.recv" || kill -TERM "${STREAM_RECEIVER[$name]}"
		wait "${STREAM_RECEIVER[$name]}"
		SENT[$name]=$(jq .sent "$TEST_TMP/$name.send")
		RECEIVED[$name]=$(jq .received "$TEST_TMP/$name.recv")
	done
}

# cpu_seconds PID: user + system CPU time the process has used so far.
cpu_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

# setup_bgp [ecmp]: h1 — r1 ═ r2 — h2 with FRR (eBGP) and routerd in both
# routers managing eth-*; returns once BGP routes are in both kernel FIBs.
setup_bgp() {
	require_cmds vtysh /usr/lib/frr/bgpd
	H1=$PREFIX-h1 R1=$PREFIX-r1 R2=$PREFIX-r2 H2=$PREFIX-h2
	ROUTER_NAMESPACES+=("$R1" "$R2")
	FRR_NAMESPACES+=("$R1" "$R2")
	EXTRA_NAMESPACES+=("$H1" "$R1" "$R2" "$H2")
	topo_bgp_up "$PREFIX" "${1:-}" || die "cannot start the BGP topology"
	local r
	for r in r1 r2; do
		{
			echo "log_level = \"info\""
			echo "control_socket = \"$TEST_TMP/$r.sock\""
			printf '[[interface]]\nname = "eth-*"\nmode = "auto"\n'
		} >"$TEST_TMP/$r.conf"
		routerd_start "$PREFIX-$r" "$TEST_TMP/$r.conf" "$TEST_TMP/$r" ||
			die "routerd did not start in $r"
	done
	wait_until 20 routes_learned "$PREFIX" || die "BGP routes did not arrive"
}

# routerctl in a router of the BGP topology: rctl_in NS ARGS...
rctl_in() {
	local ns=$1
	shift
	in_ns "$ns" "$ROUTERCTL" -S "$TEST_TMP/${ns##*-}.sock" "$@"
}
