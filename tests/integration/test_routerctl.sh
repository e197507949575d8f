#!/bin/bash
# routerctl against a live fast path: route get agrees with what really
# happens to a packet of the same shape; every -j output parses with its
# documented keys; errors a user can act on.
#
#   h1 ──────── r ──────── h2        fast path on eth-h1 and eth-h2 of r
#   10.0.1.2  10.0.1.1  10.0.2.1  10.0.2.2
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping setpriv
setup_h1_r_h2

rc() { in_ns "$R" "$ROUTERCTL" "$@"; }
counter() { # DEV JQ-PATH
	rc -j stats dev "$1" | jq ".interfaces[0].$2"
}

# agrees DEST PING_ARGS...: route get's verdict for an ICMP echo from h1 to
# DEST, then one real ping of that shape: the counter route get names must
# be the one that moves.
agrees() {
	local dest=$1 ttl=64
	shift
	[ "${1:-}" = -t ] && ttl=$2
	local verdict reason path before
	verdict=$(rc -j route get "$dest" iif eth-h1 proto icmp ttl "$ttl" | jq -r .fastpath.verdict)
	reason=$(rc -j route get "$dest" iif eth-h1 proto icmp ttl "$ttl" | jq -r '.fastpath.reason // empty')
	if [ "$verdict" = forward ]; then path=forwarded.packets; else path="passed.$reason"; fi
	before=$(counter eth-h1 "$path")
	local family=-4
	[[ "$dest" == *:* ]] && family=-6
	in_ns "$H1" ping "$family" -c1 -W1 "$@" "$dest" >/dev/null 2>&1
	local after
	after=$(counter eth-h1 "$path")
	echo "  route get: $verdict ${reason:-}; counter $path $before -> $after"
	[ "$after" -eq $((before + 1)) ]
}

check "route get agrees: forwarded IPv4" agrees 10.0.2.2
check "route get agrees: forwarded IPv6" agrees fd00:2::2
check "route get agrees: TTL 1" agrees 10.0.2.2 -t 1
check "route get agrees: hop limit 1" agrees fd00:2::2 -t 1
check "route get agrees: local destination" agrees 10.0.2.1
check "route get agrees: no route" agrees 192.0.2.1
check "route get agrees: no IPv6 route" agrees 2001:db8::1

# has_keys JSON KEY...: every key is present in the object.
has_keys() {
	local json=$1 k
	shift
	for k in "$@"; do
		jq -e "has(\"$k\")" <<<"$json" >/dev/null || {
			echo "  missing key $k in: $json"
			return 1
		}
	done
}
# documented: the man page lists every command of routerctl's grammar (as
# its usage prints them), and every pass reason the fast path counts with
# the ABI header's words for it.
documented() {
	local man=$ROOT_DIR/docs/routerctl.8 text line reason why missing=
	text=$(sed -e 's/\\f[BIR]//g' -e 's/^\.[A-Z]* //' -e 's/\\-/-/g' "$man")
	while read -r line; do
		grep -qF -- "$line" <<<"$text" || missing+=" [$line]"
	done < <(rc help | sed -n 's/^  routerctl //p')
	for reason in $(rc -j stats | jq -r '.total.passed | keys[]'); do
		why=$(sed -n "s/.*X([A-Z0-9_]*, \"$reason\", \"\([^\"]*\)\").*/\1/p" \
			"$ROOT_DIR/fastpath/include/fastpath/abi.h")
		grep -qxF "$reason"$'\t'"$why" "$man" || missing+=" $reason"
	done
	[ -z "$missing" ] || {
		echo "  not in docs/routerctl.8:$missing"
		return 1
	}
}
check "the man page documents every command and pass reason" documented
check "link show -j" has_keys "$(rc -j link show | jq '.links[1]')" \
	ifindex ifname kind operstate mtu address fastpath egress xdp_features
check "link show -s -j" has_keys "$(rc -s -j link show dev eth-h1 | jq '.links[0].stats')" \
	forwarded passed_packets passed transmit
check "link show -s -j and stats -j: the same counters, by the same names" \
	eval '[ "$(rc -s -j link show dev eth-h1 | jq -c ".links[0].stats | {forwarded, passed}")" = \
		"$(rc -j stats dev eth-h1 | jq -c ".interfaces[0] | {forwarded, passed}")" ]' 
check "stats -j" has_keys "$(rc -j stats | jq '.interfaces[0]')" \
	ifname ifindex fastpath egress forwarded passed_packets passed transmit
check "stats -j total" has_keys "$(rc -j stats | jq '.total')" forwarded passed_packets passed
check "stats -j reasons" has_keys "$(rc -j stats | jq '.total.passed')" \
	not_ip ttl_expired no_neigh frag_needed not_forwarded not_egress
check "route get -j" has_keys "$(rc -j route get 10.0.2.2 iif eth-h1)" packet fastpath kernel
check "route get -j fast path" has_keys "$(rc -j route get 10.0.2.2 iif eth-h1 | jq .fastpath)" \
	verdict dev dst_mac src_mac ttl cache same_program
# The IPv4 FIB cache is on without routerd too. Pinned to one CPU (each
# has its own answers): a route get fills it if it must, the next is
# answered from it, the same as a fresh lookup; IPv6's is routerd's.
rc_cpu0() { in_ns "$R" taskset -c 0 "$ROUTERCTL" "$@"; }
cached() { rc_cpu0 -j route get "$1" iif eth-h1 sport 4242 | jq -c .fastpath; }
check "route get: the FIB cache fills, then answers as a fresh lookup would" \
	eval 'cached 10.0.2.2 | jq -e ".cache_agrees" >/dev/null &&
		cached 10.0.2.2 | jq -e ".cache == \"hit\" and .cache_agrees" >/dev/null'
check "route get: no FIB cache for IPv6 without routerd" \
	eval 'cached fd00:2::2 | jq -e ".cache == \"off\"" >/dev/null'
check "route get -j kernel" has_keys "$(rc -j route get 10.0.2.2 iif eth-h1 | jq .kernel)" \
	type dev action
check "monitor -j" has_keys "$(rc -j monitor count 1 | jq '.interfaces[0]')" \
	ifname forwarded_pps forwarded_mbps passed_pps transmit_drops passed
check "fastpath show -j" has_keys "$(rc -j fastpath show)" pin_dir loaded attached egress
check "-p is JSON too" has_keys "$(rc -p stats)" interfaces total
check "link set -j" has_keys "$(rc -j link set dev eth-h2 fastpath native)" \
	ifname via fastpath egress

output_has() { # PATTERN COMMAND...
	local pattern=$1
	shift
	"$@" 2>&1 | grep -qE "$pattern"
}
check "abbreviations: l s" output_has 'fastpath native' rc l s dev eth-h1
check "abbreviations: r g" output_has 'fast path: forward' rc r g 10.0.2.2 iif eth-h1
check "help at every level" bash -c "$ROUTERCTL link help | grep -q 'link set dev NAME'"

# completes WORD... -- EXPECTED...: the bash completion (its candidates come
# from routerctl's command table), run in r, offers exactly EXPECTED.
completes() {
	local typed=() want
	while [ "$1" != -- ]; do typed+=("$1"); shift; done
	shift
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	local got
	got=$(in_ns "$R" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_routerctl; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$ROOT_DIR/tools/routerctl/routerctl.bash-completion" "$ROUTERCTL" "${typed[@]}" |
		sort | tr '\n' ' ')
	[ "$got" = "$want" ] || { echo "  offered: $got; expected: $want"; return 1; }
}
check "completion: the objects help lists" completes "" -- \
	$(rc help | sed -n 's/^OBJECT := { \(.*\) }$/\1/p' | tr -d '|')
check "completion: link's verbs" completes link "" -- show set help
check "completion: link set's modes" completes -j link set dev eth-h1 fastpath "" -- \
	native generic auto off
check "completion: interface names after dev" completes stats dev eth-h -- eth-h1 eth-h2
check "completion: route get's keywords left" completes r g 10.0.2.2 iif eth-h1 "" -- \
	from proto sport dport ttl size

# expect_error EXIT PATTERN HINT_PATTERN COMMAND...
expect_error() {
	local code=$1 pattern=$2 hint=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$code" ] && grep -qE "$pattern" <<<"$out" && grep -qE "$hint" <<<"$out" || {
		echo "  exit $rc: $out"
		return 1
	}
}
check "unknown device" expect_error 2 '^routerctl: Cannot find device "eth9"$' '^hint: ' \
	rc stats dev eth9
check "not root" expect_error 2 'Permission denied|not permitted|needs root' '^hint: .*root' \
	in_ns "$R" setpriv --reuid=nobody --regid=nogroup --clear-groups "$ROUTERCTL" stats
check "not root, changing" expect_error 2 'needs root' '^hint: ' \
	in_ns "$R" setpriv --reuid=nobody --regid=nogroup --clear-groups "$ROUTERCTL" \
	link set dev eth-h1 fastpath off
check "bpffs hidden by ip netns exec" expect_error 2 'bpffs is not mounted' 'nsenter' \
	ip netns exec "$R" "$ROUTERCTL" stats
check "routerd not running" expect_error 2 'routerd is not running' '^hint: start it' \
	rc daemon status
check "a bad route get argument" expect_error 1 'ttl "300"' 'Usage' \
	rc route get 10.0.2.2 iif eth-h1 ttl 300
check "route get without iif" expect_error 1 'iif NAME is required' 'Usage' \
	rc route get 10.0.2.2
check "the fast path still forwards after all that" agrees 10.0.2.2
finish
