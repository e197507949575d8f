#!/bin/bash
# Two routers speaking eBGP, each running FRR and routerd, with the fast
# path on every interface; optionally two parallel links for ECMP.
#
#   h1 ───────── r1 ═══════════ r2 ───────── h2
#   10.0.1.2  AS 65001   eBGP   AS 65002  10.0.2.2
#   fd00:1::2      (2 links with --ecmp)   fd00:2::2
#
# Usage: examples/bgp.sh { up | down } [PREFIX] [--ecmp]
# Namespaces PREFIX-h1, PREFIX-r1, PREFIX-r2, PREFIX-h2 (PREFIX: "bgp").
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export ROUTERCTL=${ROUTERCTL:-$ROOT/build/tools/routerctl/routerctl}
export ROUTERD=${ROUTERD:-$ROOT/build/routerd/routerd}
. "$HERE/lib.sh"

cmd=${1:-}
prefix=bgp ecmp=
shift || true
for arg in "$@"; do
	case "$arg" in
	--ecmp) ecmp=ecmp ;;
	*) prefix=$arg ;;
	esac
done
STATE=/run/xdp-router-examples/$prefix


case "$cmd" in
up)
	need_cmds ip nsenter jq ethtool sysctl vtysh /usr/lib/frr/zebra /usr/lib/frr/staticd /usr/lib/frr/bgpd
	for exe in "$ROUTERD" "$ROUTERCTL"; do
		[ -x "$exe" ] || { echo "bgp.sh: $exe is missing: build first (./run.sh build)" >&2; exit 1; }
	done
	"$0" down "$prefix" >/dev/null 2>&1 || true
	topo_bgp_up "$prefix" $ecmp
	mkdir -p "$STATE"
	printf 'log_level = "info"\n[[interface]]\nname = "eth-*"\nmode = "auto"\n' >"$STATE/routerd.conf"
	for r in r1 r2; do
		routerd_start "$prefix-$r" "$STATE/routerd.conf" "$STATE/$r"
	done
	wait_until 10 routes_learned "$prefix" || { echo "bgp.sh: BGP routes did not arrive" >&2; exit 1; }
	echo "BGP is up between $prefix-r1 (AS 65001) and $prefix-r2 (AS 65002)${ecmp:+ over two links}."
	cat <<EOT
Look around:
  vtysh --vty_socket $FRR_STATE/$prefix-r1 -c 'show bgp summary'
  ip -n $prefix-r1 route; ip -n $prefix-r1 -6 route
  nsenter --net=/run/netns/$prefix-r1 $ROUTERCTL link show
  nsenter --net=/run/netns/$prefix-r1 $ROUTERCTL stats
  ip netns exec $prefix-h1 ping 10.0.2.2
Tear it down:
  examples/bgp.sh down $prefix
EOT
	;;
down)
	for r in r1 r2; do routerd_stop "$STATE/$r"; done
	for r in r1 r2; do
		[ -e "/run/netns/$prefix-$r" ] &&
			in_ns "$prefix-$r" "$ROUTERCTL" fastpath unload >/dev/null 2>&1 || true
	done
	topo_bgp_down "$prefix"
	rm -rf "$STATE"
	echo "namespaces $prefix-* removed"
	;;
*)
	echo "Usage: $0 { up | down } [PREFIX] [--ecmp]" >&2
	exit 1
	;;
esac
