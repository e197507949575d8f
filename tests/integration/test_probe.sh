#!/bin/bash
# xdp-probe on every device kind this kernel can make: it must print each
# one, its JSON must carry the documented keys, its "detected" native
# attach must be what `ip link set ... xdpdrv` really does, and it must
# leave nothing attached and no namespace behind.
#
#   namespace probe<pid>:
#     va ═══ vb        veth; GRO on vb, so va advertises ndo-xmit
#     ja ═══ jb        veth at mtu 9000
#     br0              bridge, lower of mv0 (macvlan), mvt0 (macvtap), ipvl0
#     vx0              vxlan
#     tun0, tap0       tun and tap
#     ifb0, bond0      ifb; bond, ipvlan: only if the kernel has them
#     lo
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ethtool bpftool setpriv
PROBE=$BUILD_DIR/tools/probe/xdp-probe
OBJ=$BUILD_DIR/fastpath/bpf/probe_bpf.bpf.o
[ -x "$PROBE" ] && [ -f "$OBJ" ] || die "build first: $PROBE or $OBJ is missing"

# lib.sh's prefix starts with "t"; namespaces made here start with "pr".
NS=pr${PREFIX#t}
EXTRA_NAMESPACES+=("$NS")
ns_create "$NS"
probe() { in_ns "$NS" "$PROBE" "$@"; }
# json_ok FILTER: jq's verdict on stdin, quietly.
json_ok() { jq -e "$1" >/dev/null; }

# add NAME ARGS...: creates a device; a kind the kernel lacks is skipped
# and said so, any other failure ends the test.
add() {
	local name=$1 err
	shift
	if err=$(ip -n "$NS" link add "$name" "$@" 2>&1); then
		ip -n "$NS" link set "$name" up
		return 0
	fi
	grep -q "Unknown device type" <<<"$err" || die "cannot create $name: $err"
	echo "skipped: the kernel has no ${*: -1} devices ($name)"
	return 1
}

add va type veth peer name vb
ip -n "$NS" link set vb up
in_ns "$NS" ethtool -K vb gro on >/dev/null
add ja mtu 9000 type veth peer name jb mtu 9000
ip -n "$NS" link set jb up
add br0 type bridge
add vx0 type vxlan id 42 dstport 4789
ip -n "$NS" tuntap add tun0 mode tun && ip -n "$NS" link set tun0 up
ip -n "$NS" tuntap add tap0 mode tap && ip -n "$NS" link set tap0 up
add mv0 link br0 type macvlan
add mvt0 link br0 type macvtap
add ipvl0 link br0 type ipvlan
add ifb0 type ifb
add bond0 type bond
DEVICES=$(ip -n "$NS" -j link | jq -r '.[].ifname')
NAMESPACES_BEFORE=$(ip netns list | sort)

# feature IFNAME FEATURE FIELD: one field of one row of $JSON.
feature() {
	jq -r --arg d "$1" --arg f "$2" \
		'.interfaces[] | select(.ifname == $d) | .features[] | select(.feature == $f) | .'"$3" <<<"$JSON"
}

TEXT=$(probe 2>&1)
check "xdp-probe runs" test $? -eq 0
for dev in $DEVICES; do
	check "the table has $dev" grep -q "^$dev (ifindex [0-9]*): " <<<"$TEXT"
done

JSON=$(probe -j --active)
check "xdp-probe -j --active runs" test $? -eq 0
check "JSON parses" json_ok . <<<"$JSON"
check "JSON has every device" test "$(jq '.interfaces | length' <<<"$JSON")" -eq "$(wc -w <<<"$DEVICES")"
check "JSON: documented keys per interface" json_ok '.interfaces | all(
	has("ifname") and has("ifindex") and has("kind") and has("mtu") and has("driver")
	and (.xdp | has("mode") and has("prog_id")) and has("detected_on") and has("detected_on_detail")
	and has("advertised") and has("xdp_zc_max_segs") and has("mismatches")
	and (.features | length == 9)
	and (.features | all(has("feature") and has("advertised") and has("trial")
		and has("detected") and has("detail") and has("errno") and has("mismatch"))))' <<<"$JSON"
check "JSON: the total counts every mismatch" \
	test "$(jq '.mismatches' <<<"$JSON")" -eq "$(jq '[.interfaces[].mismatches] | add' <<<"$JSON")"
check "pretty JSON parses" json_ok .interfaces <<<"$(probe -p dev va)"

# Nothing stays behind: no program on any device, no xdp-probe program
# loaded, no new named namespace (the scratch one never had a name and
# dies with the process).
check "no XDP program left on any device" \
	test "$(ip -n "$NS" -j -d link | jq '[.[] | select(.xdp != null)] | length')" -eq 0
check "no probe program left loaded" \
	test "$(bpftool prog show -j | jq '[.[] | select((.name // "") | startswith("xdp_probe") or startswith("probe_"))] | length')" -eq 0
check "no scratch namespace left" test "$(ip netns list | sort)" = "$NAMESPACES_BEFORE"
check "no process holds a scratch namespace" bash -c '! lsns -t net -n -o COMMAND | grep -q xdp-probe'

# The advertised column is what the kernel says (routerctl reads the same
# netdev family device by device).
for dev in va vb br0 tap0; do
	adv=$(jq -r --arg d "$dev" '.interfaces[] | select(.ifname == $d) | .advertised | if length == 0 then "none" else join(" ") end' <<<"$JSON")
	kernel=$(in_ns "$NS" "$ROUTERCTL" -j link show dev "$dev" | jq -r '.links[0].xdp_features')
	check "$dev: advertised \"$adv\" is the kernel's \"$kernel\"" test "$adv" = "$kernel"
done

# The detected native attach against the real thing, on every device.
for dev in $DEVICES; do
	detected=$(feature "$dev" basic detected)
	if ip -n "$NS" link set dev "$dev" xdpdrv obj "$OBJ" sec xdp 2>/dev/null; then
		real=yes
		ip -n "$NS" link set dev "$dev" xdpdrv off
	else
		real=no
	fi
	check "$dev: detected native attach \"$detected\" = ip link xdpdrv \"$real\"" test "$detected" = "$real"
done

# What this kernel is known to do (Linux 6.3+ advertises per device).
check "va: veth with a NAPI peer, advertised and detected redirect target" \
	test "$(feature va ndo-xmit advertised)/$(feature va ndo-xmit detected)/$(feature va ndo-xmit mismatch)" = true/yes/false
check "vb: veth whose peer has no NAPI: ndo-xmit mismatch, explained" \
	test "$(feature vb ndo-xmit advertised)/$(feature vb ndo-xmit detected)/$(feature vb ndo-xmit mismatch)" = false/yes/true
check "... with a note" grep -q "peer has NAPI" <<<"$(feature vb ndo-xmit note)"
check "ja: veth at mtu 9000 refuses a plain program, takes xdp.frags" \
	test "$(feature ja basic detected)/$(feature ja frags detected)/$(feature ja basic errno)" = no/yes/ERANGE
check "tap0: a redirected frame arrives" test "$(feature tap0 ndo-xmit detected)" = yes
check "br0: not a redirect target" test "$(feature br0 ndo-xmit detected)/$(feature br0 ndo-xmit errno)" = no/EOPNOTSUPP
check "br0: the kernel's words for a refused native attach" \
	grep -q "does not support XDP in native mode" <<<"$(feature br0 basic detail)"
check "lo: tried live with --active" test "$(jq -r '.interfaces[] | select(.ifname == "lo") | .detected_on' <<<"$JSON")" = live
check "lo: not tried without --active" \
	test "$(probe -j dev lo | jq -r '.interfaces[0].features[0].detected')" = skipped

# A device with a program attached is left alone.
ip -n "$NS" link set dev lo xdpgeneric obj "$OBJ" sec xdp || die "cannot attach to lo"
id_before=$(ip -n "$NS" -j -d link show lo | jq '.[0].xdp.prog.id')
check "lo with a program: busy" \
	test "$(probe -j --active dev lo | jq -r '[.interfaces[0].features[] | select(.trial != null) | .detected] | unique | join(",")')" = busy
check "... and its program is untouched" \
	test "$(ip -n "$NS" -j -d link show lo | jq '.[0].xdp.prog.id')" = "$id_before"
ip -n "$NS" link set dev lo xdpgeneric off

# Errors: one line and a hint, iproute2's exit codes.
check "unknown device: exit 2" expect_fail 2 'Cannot find device "eth9"' probe dev eth9
check "... with a hint" expect_fail 2 '^hint: ' probe dev eth9
check "unknown argument: exit 1" expect_fail 1 'unknown argument "bogus"' probe dev va bogus
check "unknown option: exit 1" expect_fail 1 'unknown option "--nope"' probe --nope
check "not root: exit 2" expect_fail 2 'needs root' setpriv --reuid=65534 --regid=65534 --clear-groups "$PROBE"
finish
