#!/bin/bash
# A veth is used only while its peer is right: GRO on (or redirected frames
# vanish) and TX checksum offload off (or its frames carry partial
# checksums the fast path would forward as they are). routerd sets the peer
# up in whatever namespace it lives; where it cannot, the veth is neither
# attached nor an egress. It checks the peer again when the peer moves to
# another namespace, and at each resync (someone may change offloads: no
# event reaches r for a device in another namespace).
#
#   h1 ──────── r ──────── h2          routerd in r manages eth-h*
#               └── eth-h9 ═ vx        vx in a namespace routerd cannot find
#                                      (bind-mounted, no name, no process),
#                                      then in h9, then hidden again
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter unshare jq ethtool
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
start_routerd --resync-interval 2
H9=$PREFIX-h9
EXTRA_NAMESPACES+=("$H9")
ns_create "$H9"

# A namespace kept only by a bind mount on a file of the test's own.
HIDDEN=$TEST_TMP/hidden-ns
touch "$HIDDEN"
unshare --net="$HIDDEN" true || die "cannot make a namespace bound to a file"
ON_EXIT+=("umount $HIDDEN")
in_hidden() { nsenter --net="$HIDDEN" "$@"; }

in_hidden ip link add vx type veth peer name eth-h9 netns "$R" || die "cannot make the veth"
# GRO on already (so the veth advertises ndo-xmit), TX checksum offload on.
in_hidden ethtool -K vx gro on >/dev/null
in_hidden ip link set vx up
ip -n "$R" link set eth-h9 up

field() { rctl -j link show dev eth-h9 | jq -r ".links[0].$1"; }
unused() {
	[ "$(field managed)" = true ] && [ "$(field fastpath)" = off ] &&
		[ "$(egress_of eth-h9)" != true ]
}
check "a veth whose peer routerd cannot reach is neither attached nor an egress" wait_until 5 unused
check "... and link show says why" eval '[[ "$(field error)" == *"cannot reach the namespace of the peer"* ]]'
check "... and stays so over resyncs (retried, still failing)" eval 'sleep 3; unused'

# The peer moves to a namespace routerd can enter: set up, then used.
in_hidden ip link set vx netns "$H9"
ip -n "$H9" link set vx up
used() { [ "$(attached_mode eth-h9)" = native ] && [ "$(egress_of eth-h9)" = true ]; }
check "the peer moved to h9: set up, and the veth attached and an egress" wait_until 5 used
feature() { ip netns exec "$H9" ethtool -k vx | awk -v f="$1:" '$1 == f {print $2}'; }
check "... the peer has GRO on and TX checksum offload off" \
	eval '[ "$(feature generic-receive-offload)" = on ] && [ "$(feature tx-checksumming)" = off ]'

# Someone turns TX checksum offload back on: no event reaches r; the next
# resync sets it back.
ip netns exec "$H9" ethtool -K vx tx on >/dev/null
tx_off() { [ "$(feature tx-checksumming)" = off ]; }
check "TX checksum offload turned on again on the peer is set back at a resync" wait_until 6 tx_off
check "... and routerd says so" grep -q "had GRO off or TX checksum offload on again" "$TEST_TMP/routerd.log"

# The peer moves where routerd cannot follow: the veth is taken out. (A
# process holds the hidden namespace while the peer moves; it is gone before
# routerd, frozen meanwhile, looks.)
kill -STOP "$ROUTERD_PID"
nsenter --net="$HIDDEN" sleep 30 & # nsenter execs sleep: $! is in the namespace
holder=$!
sleep 0.2
ip -n "$H9" link set vx netns "$holder"
kill "$holder"
wait "$holder" 2>/dev/null
in_hidden ip link set vx up
kill -CONT "$ROUTERD_PID"
check "the peer moved out of reach: the veth leaves the DEVMAP and is detached" wait_until 5 unused
check "routerd is alive" routerd_alive
finish
