#!/bin/bash
# Fault injection: abuse of routerd's control socket. Random bytes,
# truncated and mistyped JSON, requests over 64 KiB, a client that asks
# and never reads, 3000 connections held at once against routerd's own
# descriptor limit (lowered to 256). Throughout, a well-behaved client
# (the requests routerctl daemon status and link show make) keeps being
# answered, within a bound we measure; routerd stays alive, keeps its
# memory and keeps descriptors for its own work: a veth added meanwhile
# still becomes an egress. And: a control_socket path that is a file, a
# client that hangs up without reading, routerd out of descriptors with no
# client to evict.
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
# A control_socket that is some other file: routerd says so and stops,
# with the file and the fast path untouched.
write_config "$TEST_TMP/routerd.conf" "eth-h*"
echo "keep me" >"$TEST_TMP/not-a-socket"
sed "s|$TEST_TMP/routerd.sock|$TEST_TMP/not-a-socket|" "$TEST_TMP/routerd.conf" >"$TEST_TMP/file.conf"
timeout 10 nsenter --net="/run/netns/$R" -- "$ROUTERD" -c "$TEST_TMP/file.conf" \
	>"$TEST_TMP/file.log" 2>&1
rc=$?
check "a control_socket path that is a file: routerd refuses to start" test "$rc" = 1
check "... naming the file and why" grep -q "not-a-socket exists and is not a socket" "$TEST_TMP/file.log"
check "... and leaves the file alone" test "$(cat "$TEST_TMP/not-a-socket")" = "keep me"
check "... and the fast path unloaded" \
	eval '[ "$(in_ns "$R" "$ROUTERCTL" -j fastpath show | jq .loaded)" = false ]'

start_routerd
prlimit --pid "$ROUTERD_PID" --nofile=$FD_LIMIT:$FD_LIMIT || die "cannot lower routerd's descriptor limit"
ulimit -n $((HOLD + 256)) || die "cannot raise the test's descriptor limit"
SOCK=$TEST_TMP/routerd.sock
ABUSE=$TOOLS/ctlabuse
CTL_CLIENTS_MAX=$((FD_LIMIT - 128)) # routerd keeps 128 descriptors from clients
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
at_client_limit() { # routerd holds as many clients as it takes
	local n
	n=$(fds)
	[ "$n" -gt "$fds_peak" ] && fds_peak=$n
	[ "$n" -ge "$CTL_CLIENTS_MAX" ]
}
check "the storm fills routerd's client slots" wait_until 5 at_client_limit
add_host 3
h3_ready() { at_client_limit && egress eth-h3; }
check "at its client limit, routerd still sets up a new veth (peer, attach, egress)" \
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
check "routerd kept 64 descriptors or more free for its own work" \
	test $((FD_LIMIT - fds_peak)) -ge 64
check "... and its own work never ran out of them" \
	bash -c "! grep -qi 'too many open files' '$TEST_TMP/routerd.log'"
check "after the abuse, routerctl daemon status works" eval 'rctl daemon status >/dev/null'

# A client that sends a request and hangs up at once: routerd, frozen
# meanwhile, sees the data and the hang-up together, and still does it.
kill -STOP "$ROUTERD_PID"
"$ABUSE" "$SOCK" hangup '{"command":"detach","dev":"eth-h2"}' >/dev/null
kill -CONT "$ROUTERD_PID"
detached() { [ "$(attached_mode eth-h2)" = off ]; }
check "a request from a client that hung up is still carried out" wait_until 5 detached
"$ABUSE" "$SOCK" ask '{"command":"attach","dev":"eth-h2"}' >/dev/null
wait_until 5 egress eth-h2 || die "eth-h2 was not attached again"

# Out of descriptors with no client to evict (the limit lowered to routerd's
# lowest free descriptor): a connection is turned away with a reason, and
# the loop does not spin on the listening socket.
sleep 0.5 # routerctl's last connections are closed
first_free_fd() { ls "/proc/$ROUTERD_PID/fd" | sort -n | awk '$1 == n {n++} END {print n + 0}'; }
prlimit --pid "$ROUTERD_PID" --nofile="$(first_free_fd):$FD_LIMIT" ||
	die "cannot lower routerd's descriptor limit"
cpu0=$(cpu_seconds "$ROUTERD_PID")
reply=$("$ABUSE" "$SOCK" ask '{"command":"status"}')
sleep 1
cpu1=$(cpu_seconds "$ROUTERD_PID")
prlimit --pid "$ROUTERD_PID" --nofile=$FD_LIMIT:$FD_LIMIT
echo "FIGURE out of descriptors: reply $reply; routerd CPU $(awk "BEGIN {print $cpu1 - $cpu0}") s"
check "out of descriptors, a client is told so" \
	jq_true '.replies | length == 1 and (.[0].error | test("out of file descriptors"))' <<<"$reply"
check "... and routerd does not spin (under 0.3 s of CPU in over 1 s)" \
	awk "BEGIN {exit !($cpu1 - $cpu0 < 0.3)}"
check "with descriptors back, routerctl daemon status works" eval 'rctl daemon status >/dev/null'
finish
