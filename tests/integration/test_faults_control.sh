#!/bin/bash
# Fault injection: abuse of routerd's control socket. Random bytes,
# truncated and mistyped JSON, requests over 64 KiB, a client that asks
# and never reads, 3000 connections held at once against routerd's own
# descriptor limit (lowered to 256). Throughout, a well-behaved client
# (the requests routerctl daemon status and link show make) keeps being
# answered, within a bound we measure; routerd stays alive, keeps its
# memory and keeps descriptors for its own work: a veth added meanwhile
# still becomes an egress.
#
#   h1 ──────── r ──────── h2        routerd in r manages eth-h*
#               └── eth-h3 ── h3     added while 3000 connections are held
#   ctlabuse probe: status / interfaces every 5 ms, all along
#   ctlabuse garbage | malformed | oversized | noread | hold: the abusers
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq prlimit
FD_LIMIT=256 HOLD=3000
P99_BOUND_MS=100 MAX_BOUND_MS=2000
setup_topology
write_config "$TEST_TMP/routerd.conf" "eth-h*"
start_routerd
prlimit --pid "$ROUTERD_PID" --nofile=$FD_LIMIT:$FD_LIMIT || die "cannot lower routerd's descriptor limit"
ulimit -n $((HOLD + 256)) || die "cannot raise the test's descriptor limit"
SOCK=$TEST_TMP/routerd.sock
ABUSE=$TOOLS/ctlabuse
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$ROUTERD_PID/status"; }
fds() { ls "/proc/$ROUTERD_PID/fd" | wc -l; }
egress() { [ "$(egress_of "$1")" = true ]; }
jq_true() { jq -e "$@" >/dev/null; }
wait_until 5 egress eth-h2 || die "routerd did not set up r"

"$ABUSE" "$SOCK" probe >"$TEST_TMP/probe.json" &
probe=$!
rss0=$(rss_kb)

"$ABUSE" "$SOCK" garbage 2000 >"$TEST_TMP/garbage.json"
"$ABUSE" "$SOCK" malformed 1400 >"$TEST_TMP/malformed.json"
"$ABUSE" "$SOCK" oversized 200 >"$TEST_TMP/oversized.json"
"$ABUSE" "$SOCK" noread 3 >"$TEST_TMP/noread.json"
rss1=$(rss_kb)
# The connection storm, random bytes again, routerctl, a new veth.
"$ABUSE" "$SOCK" hold "$HOLD" 6 >"$TEST_TMP/hold.json" &
hold=$!
fds_peak=0
many_fds() {
	local n
	n=$(fds)
	[ "$n" -gt "$fds_peak" ] && fds_peak=$n
	[ "$n" -ge $((FD_LIMIT / 2)) ]
}
wait_until 5 many_fds || echo "  (routerd never held $((FD_LIMIT / 2)) descriptors)"
add_host 3
h3_ready() { many_fds; egress eth-h3; }
check "at its descriptor limit, routerd still sets up a new veth (peer, attach, egress)" \
	wait_until 5 h3_ready
cli_ms=()
for _ in $(seq 20); do
	t0=$(date +%s%N)
	rctl daemon status >/dev/null && rctl link show >/dev/null || cli_ms+=(failed)
	cli_ms+=($((($(date +%s%N) - t0) / 1000000)))
done
"$ABUSE" "$SOCK" garbage 500 >"$TEST_TMP/garbage2.json"
wait "$hold"
kill -TERM "$probe"
wait "$probe"

probe_json=$(cat "$TEST_TMP/probe.json")
echo "FIGURE well-behaved client under abuse: $probe_json"
echo "FIGURE routerctl daemon status + link show, 20 pairs during the storm: max $(printf '%s\n' "${cli_ms[@]}" | sort -n | tail -1) ms"
for f in garbage malformed oversized garbage2 noread hold; do echo "FIGURE $f: $(cat "$TEST_TMP/$f.json")"; done
echo "FIGURE routerd: ${rss0} -> ${rss1} kB resident; at most $fds_peak descriptors of $FD_LIMIT during the storm"

check "routerd is alive" routerd_alive
check "the well-behaved client never failed" test "$(jq .failed <<<"$probe_json")" = 0
check "... and was answered all along" at_least "$(jq .answered <<<"$probe_json")" 500
check "... with p99 under $P99_BOUND_MS ms" \
	jq_true ".p99_ms < $P99_BOUND_MS and .max_ms < $MAX_BOUND_MS" <<<"$probe_json"
check "routerctl daemon status and link show always answered" bash -c "! printf '%s\n' ${cli_ms[*]} | grep -q failed"
check "random bytes only ever got error replies" \
	jq_true -s 'all(.not_errors == 0 and .replies > 0)' "$TEST_TMP/garbage.json" "$TEST_TMP/garbage2.json"
check "every malformed request got exactly the error reply it should" \
	jq_true '.unexpected == 0' "$TEST_TMP/malformed.json"
check "every request over 64 KiB was refused with a reason" \
	jq_true '.refused == .requests' "$TEST_TMP/oversized.json"
check "a client that never reads stalls, still connected (routerd stops reading it)" \
	jq_true '.dropped == false' "$TEST_TMP/noread.json"
check "... and costs no memory" test $((rss1 - rss0)) -lt 16384
check "the storm got all its $HOLD connections, routerd evicting idle ones" \
	jq_true ".opened == $HOLD and .closed_by_server > 0" "$TEST_TMP/hold.json"
check "routerd kept descriptors for its own work" test "$fds_peak" -lt "$FD_LIMIT"
check "after the abuse, routerctl daemon status works" eval 'rctl daemon status >/dev/null'
finish
