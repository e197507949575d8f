#!/bin/bash
# The benchmark in its quick mode, so it cannot rot: every mode of r
# delivers packets, every part reports, the result JSON has the documented
# keys. Never asserts on speed (a shared CI machine says nothing about it).
#
#   bnN-h1 ──── bnN-r ──── bnN-h2      (tools/bench/bench.sh --quick builds
#   pktgen   kernel|fastpath|limit   sink    and removes these itself)
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ethtool ss iperf3 nft

OUT=$TEST_TMP/out
# bench.sh exits 3 if r's counters say a run did not measure what it
# claims: that fails the test too.
"$ROOT_DIR/tools/bench/bench.sh" --quick --out "$OUT" >"$TEST_TMP/bench.log" 2>&1
rc=$?
sed 's/^/  | /' "$TEST_TMP/bench.log"
check "bench.sh --quick exits 0" [ "$rc" -eq 0 ]
RESULT=$(ls "$OUT"/bench-*.json 2>/dev/null | head -1)
[ -n "$RESULT" ] || die "no result JSON in $OUT"

has() { jq -e "$1" "$RESULT" >/dev/null || { echo "  not true: $1"; return 1; }; }

check "the documented top-level keys" has '
	["schema", "started", "finished", "quick", "host", "config", "route_install",
	 "pps", "ratios", "tcp", "nsperpkt", "problems"] - keys == []'
check "schema and quick" has '.schema == "xdp-router-bench/1" and .quick == true'
check "host and config" has '
	(.host | has("kernel") and has("cpus") and has("commit")) and
	(.config | has("rounds") and has("duration_s") and has("cells") and has("frame_size"))'
for fam in ipv4 ipv6; do
	for mode in kernel fastpath limit; do
		check "$fam $mode delivered packets in every case" has "
			[.pps[] | select(.family == \"$fam\" and .mode == \"$mode\")] as \$c |
			(\$c | length) == (.config.cells | length) and
			all(\$c[]; .pps.median > 0 and all(.samples[]; .received > 0 and .sent > 0))"
	done
done
check "the stateful part: kernel and fast path under the ruleset, both delivered" has '
	.stateful.ruleset == "stateful+masquerade" and
	([.stateful.pps[].mode] | sort) == ["fastpath", "kernel"] and
	all(.stateful.pps[]; .pps.median > 0) and
	all(.stateful.pps[] | select(.mode == "fastpath") | .samples[];
	    .r.fastpath_forwarded >= 0.99 * .received) and
	([.stateful.tcp[].mode] | sort) == ["fastpath", "kernel"] and
	all(.stateful.tcp[]; .gbps.median > 0) and
	(.stateful.fastpath_over_kernel_pps | type) == "number"'
check "each pps sample has its keys" has '
	all(.pps[].samples[]; ["family", "routes", "destinations", "mode", "round", "pps",
	  "sent", "transmitted", "received", "lost", "r", "problems"] - keys == [])'
check "r's counters back each mode" has '
	all(.pps[].samples[];
	  if .mode == "kernel" then .r.xdp == "none" and .r.kernel_forwarded > 0
	  elif .mode == "fastpath" or .mode == "nocache" then
	    .r.xdp == "native" and .r.fastpath_forwarded > 0
	  else .r.xdp == "native" and .r.limit_redirected > 0 end)'
check "ratios per family and cell" has '
	(.ratios | length) == 2 * (.config.cells | length) and
	all(.ratios[]; .fastpath_over_kernel > 0 and .fastpath_over_limit > 0 and
	  .fastpath_over_nocache > 0)'
check "the cache's hit ratio: from r's counters for the fast path, none without the cache" has '
	all(.ratios[]; (.fastpath_hit_ratio | type) == "number" and
	  .fastpath_hit_ratio > 0 and .fastpath_hit_ratio <= 1) and
	all(.pps[] | select(.mode == "nocache"); .hit_ratio == null)'
check "route tables: install time measured" has '
	(.route_install | length) == 2 * (.config.cells | length) + (if .stateful then 1 else 0 end) and
	all(.route_install[]; has("seconds") and has("mem_mib"))'
check "bulk TCP through both modes, 1 and 4 streams" has '
	([.tcp[] | "\(.mode)/\(.streams)"] | sort) ==
	  ["fastpath/1", "fastpath/4", "kernel/1", "kernel/4"] and
	all(.tcp[]; .gbps.median > 0 and (.h1_offloads | has("tso")))'
check "per-packet cost of every case" has '
	([.nsperpkt.cases[].name] | sort) == (["ipv4_forward", "ipv4_forward_cached",
	  "ipv4_forward_routes", "ipv4_pass_ttl1", "ipv6_forward", "ipv6_forward_cached",
	  "ipv6_forward_routes", "limit", "noop"] | sort) and
	all(.nsperpkt.cases[]; .median_ns > 0)'
check "no problems reported" has '.problems == []'
if command -v gnuplot >/dev/null; then
	check "a PNG plot" [ -s "${RESULT%.json}.png" ]
fi
BENCH_NS=$(grep -o 'namespaces bn[0-9]*' "$TEST_TMP/bench.log" | cut -d' ' -f2)
check "no namespace left behind ($BENCH_NS-*)" \
	bash -c "[ -n '$BENCH_NS' ] && ! ip netns list | grep -q '^$BENCH_NS'"
finish
