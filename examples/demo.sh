#!/bin/bash
# The demo: h1 — r — h2 in namespaces, the fast path on r, some traffic,
# and the fast path's counters. It leaves the topology running to explore.
#
# Usage: examples/demo.sh [down]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export ROUTERCTL=${ROUTERCTL:-$ROOT/build/tools/routerctl/routerctl}
ROUTERD=${ROUTERD:-$ROOT/build/routerd/routerd}
LOG_DIR=/run/xdp-router-demo
. "$HERE/lib.sh"
P=demo
need_cmds ip nsenter jq ping socat ss ethtool sysctl

if [ "${1:-}" = down ]; then
	exec "$HERE/h1-r-h2.sh" down "$P"
fi
[ -x "$ROUTERCTL" ] || {
	echo "demo: $ROUTERCTL is missing: build first (./run.sh demo does)" >&2
	exit 1
}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() {
	printf '$ %s\n' "$*"
	"$@"
}

step "Topology h1 — r — h2 (namespaces $P-h1, $P-r, $P-h2)"
"$HERE/h1-r-h2.sh" down "$P" >/dev/null
"$HERE/h1-r-h2.sh" up "$P"

step "routerd in r manages eth-h* (examples/routerd.conf)"
mkdir -p "$LOG_DIR"
: >"$LOG_DIR/routerd.log"
routerd_start $P-r "$HERE/routerd.conf" "$LOG_DIR" || {
	echo "demo: routerd did not start" >&2
	exit 1
}
ready() {
	[ "$(in_ns $P-r "$ROUTERCTL" -j stats 2>/dev/null | jq '[.interfaces[] | select(.egress)] | length')" = 2 ]
}
wait_until 5 ready || {
	cat "$LOG_DIR/routerd.log"
	echo "demo: routerd did not attach the fast path" >&2
	exit 1
}
sed 's/^/    /' "$LOG_DIR/routerd.log"
show in_ns $P-r "$ROUTERCTL" link show

step "Traffic: ping and UDP (IPv4 and IPv6), a 10 MB TCP transfer, a traceroute"
in_ns $P-h1 ping -q -c 100 -i 0.005 10.0.2.2 | tail -2
in_ns $P-h1 ping -6 -q -c 100 -i 0.005 fd00:2::2 | tail -2
in_ns $P-h2 bash -c 'for i in $(seq 200); do echo "udp $i" >/dev/udp/10.0.1.2/9; done' 2>/dev/null || true
in_ns $P-h2 socat -u TCP4-LISTEN:5001,reuseaddr OPEN:/dev/null,wronly &
sink=$!
wait_until 5 tcp_listening $P-h2 5001
head -c 10M /dev/zero | in_ns $P-h1 socat -u - TCP4:10.0.2.2:5001
wait "$sink"
echo "10 MB sent h1 -> h2 over TCP"
in_ns $P-h1 ping -c 1 -W 1 -t 1 10.0.2.2 | grep -i exceeded || true

step "What the fast path did"
show in_ns $P-r "$ROUTERCTL" stats

cat <<EOT

The topology is still up, with routerd running in $P-r (log: $LOG_DIR/routerd.log).
Look around:
  nsenter --net=/run/netns/$P-r $ROUTERCTL link show
  nsenter --net=/run/netns/$P-r $ROUTERCTL -p stats
  nsenter --net=/run/netns/$P-r $ROUTERCTL daemon status
  ip netns exec $P-h1 ping 10.0.2.2
Tear it down:
  examples/demo.sh down
EOT
