# The result of a benchmark run (README, "Benchmark"): the measurements of
# samples.jsonl summed up per case, with everything needed to judge them.
# In: $samples, $installs, $nsperpkt (slurped files), $meta (started,
# finished, quick, host, config).
def median: sort | if length == 0 then null
  elif length % 2 == 1 then .[length / 2 | floor]
  else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def spread(f): [.[] | f] as $v | {median: ($v | median), min: ($v | min), max: ($v | max)};
def ratio(a; b): if a == null or b == null or b == 0 then null
  else (a / b * 1000 | round / 1000) end;
# Nanoseconds per packet a mode spends beyond the limit: generator, sink and
# the least forwarding cost all run on one CPU, so 1/rate adds up per packet
# and the difference is what the mode itself costs more.
def extra_ns(rate; limit): if rate == null or limit == null or rate == 0 or limit == 0
  then null else (1e9 / rate - 1e9 / limit | round) end;

# The share of the fast path's lookups the FIB result cache answered (those
# it was rested for count as not answered), over a cell's samples.
def hit_ratio: [.[] | .r.fib_cache // {} | select(.hits != null) |
  (.hits + .misses + .skipped) as $n | select($n > 0) | .hits / $n] |
  if length == 0 then null else median * 1000 | round / 1000 end;

def pps_cells: group_by([.family, .routes, .destinations, .mode]) | map({
  family: .[0].family, routes: .[0].routes, destinations: .[0].destinations,
  mode: .[0].mode, rounds: length,
  pps: spread(.pps), sent: spread(.sent), received: spread(.received),
  lost: spread(.lost), hit_ratio: hit_ratio, samples: .});
def tcp_cells: group_by([(.mode != "kernel"), .streams]) | map({
  mode: .[0].mode, streams: .[0].streams, rounds: length,
  gbps: spread(.gbps), h1_offloads: .[0].h1_offloads, samples: .});
def of_mode(m): first(.[] | select(.mode == m)) // null;

($samples | map(select(.part == "pps" and .ruleset == null))) as $pps |
($samples | map(select(.part == "tcp" and .ruleset == null))) as $tcp |
($samples | map(select(.ruleset != null))) as $fw |
($pps | pps_cells) as $cells |
($fw | map(select(.part == "pps")) | pps_cells) as $fw_pps |
($fw | map(select(.part == "tcp")) | tcp_cells) as $fw_tcp |
$meta + {
  schema: "xdp-router-bench/1",
  route_install: $installs,
  pps: $cells,
  ratios: ($cells | group_by([.family, .routes, .destinations]) | map(
    (map({key: .mode, value: .pps.median}) | from_entries) as $m | {
      family: .[0].family, routes: .[0].routes, destinations: .[0].destinations,
      kernel_pps: $m.kernel, fastpath_pps: $m.fastpath, nocache_pps: $m.nocache,
      limit_pps: $m.limit,
      fastpath_hit_ratio: (map(select(.mode == "fastpath")) | first // {} | .hit_ratio),
      fastpath_over_kernel: ratio($m.fastpath; $m.kernel),
      fastpath_over_limit: ratio($m.fastpath; $m.limit),
      fastpath_over_nocache: ratio($m.fastpath; $m.nocache),
      nocache_over_limit: ratio($m.nocache; $m.limit),
      kernel_extra_ns: extra_ns($m.kernel; $m.limit),
      fastpath_extra_ns: extra_ns($m.fastpath; $m.limit)})),
  tcp: ($tcp | tcp_cells),
  # Kernel forwarding under a stateful firewall with masquerade against
  # the fast path's conntrack gate under the same ruleset.
  stateful: (if $fw == [] then null else {
    ruleset: $fw[0].ruleset, pps: $fw_pps, tcp: $fw_tcp,
    fastpath_over_kernel_pps: ratio($fw_pps | of_mode("fastpath") | .pps.median;
                                    $fw_pps | of_mode("kernel") | .pps.median),
    fastpath_over_kernel_tcp: ratio($fw_tcp | of_mode("fastpath") | .gbps.median;
                                    $fw_tcp | of_mode("kernel") | .gbps.median)} end),
  nsperpkt: ($nsperpkt[0] // null),
  problems: [$samples[] | select(.problems != []) |
    "\(.part) \(.ruleset // "") \(.family // "ipv4") \(.routes // "") \(.destinations // "") " +
    "\(.mode) \(.streams // "") round \(.round): \(.problems | join("; "))"]
}
