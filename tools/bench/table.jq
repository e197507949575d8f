# The result JSON (report.jq) as the tables bench.sh prints.
def lpad(n): tostring | (n - length) as $k | (if $k > 0 then " " * $k else "" end) + .;
def rpad(n): tostring | (n - length) as $k | . + (if $k > 0 then " " * $k else "" end);
def fixed(d): if . == null then "-" else
  (pow(10; d)) as $p | (. * $p | round) as $r | ($r / $p | floor | tostring) as $i |
  if d == 0 then $i else
    (($r % $p) | tostring | (d - length) as $z | ("0" * $z // "") + .) as $f |
    $i + "." + $f end end;
def mpps: if . == null then null else . / 1e6 end;
def range3(f): "\(.median | f) (\(.min | f)-\(.max | f))";
def cell(family; routes; dests; mode):
  first(.pps[] | select(.family == family and .routes == routes and
                        .destinations == dests and .mode == mode)) // null;

. as $r |
(if (.ratios | length) > 0 then
  "Packets per second through r, 64-byte frames: median Mpps (min-max) over \(.config.rounds) round(s) of \(.config.duration_s) s",
  ("family" | rpad(7)) + ("routes" | lpad(8)) + ("dests" | lpad(7)) + "  " +
    ("kernel" | rpad(19)) + ("fastpath" | rpad(19)) + ("no cache" | rpad(19)) +
    ("limit" | rpad(19)) + "fp/kernel  fp/limit  fp/no cache  no cache/limit  fp hits  ns over limit: kernel, fp",
  (.ratios[] as $q |
    ($q.family | rpad(7)) + ($q.routes | lpad(8)) + ($q.destinations | lpad(7)) + "  " +
    ([("kernel", "fastpath", "nocache", "limit") as $m | $r | cell($q.family; $q.routes; $q.destinations; $m) |
      if . == null then "-" | rpad(19)
      else .pps | range3(mpps | fixed(2)) | rpad(19) end] | join("")) +
    ($q.fastpath_over_kernel | fixed(2) | rpad(11)) + ($q.fastpath_over_limit | fixed(2) | rpad(10)) +
    ($q.fastpath_over_nocache | fixed(2) | rpad(13)) + ($q.nocache_over_limit | fixed(2) | rpad(16)) +
    ($q.fastpath_hit_ratio | if . == null then "-" else . * 100 | fixed(1) + " %" end | rpad(9)) +
    ($q.kernel_extra_ns | fixed(0) | lpad(6)) + ", " + ($q.fastpath_extra_ns | fixed(0))),
  ""
 else empty end),
(if (.route_install | length) > 0 then
  "Route tables installed with ip -batch",
  (.route_install[] | "  \(.family) \(.routes | lpad(8)) routes: \(.seconds | fixed(1)) s, " +
    "\(.mem_mib) MiB less available memory"), ""
 else empty end),
(if (.tcp | length) > 0 then
  "Bulk TCP h1 -> h2 (iperf3, IPv4): median Gbit/s (min-max) over \(.config.rounds) round(s) of \(.config.tcp_duration_s) s",
  (.tcp[] | "  \(.mode | rpad(9)) \(.streams) stream(s)  \(.gbps | range3(fixed(2)) | rpad(20))" +
    "h1 eth0: tso \(.h1_offloads.tso), gso \(.h1_offloads.gso), " +
    "tx-checksum \(.h1_offloads.tx_checksum)"), ""
 else empty end),
(if .stateful != null then
  "Under a stateful firewall with masquerade (\(.stateful.ruleset)): kernel forwarding against the conntrack gate",
  (.stateful.pps[] | "  64-byte UDP, one flow, \(.mode | rpad(9)) \(.pps | range3(mpps | fixed(2))) Mpps"),
  "  fast path / kernel: \(.stateful.fastpath_over_kernel_pps | fixed(2))",
  (.stateful.tcp[] | "  bulk TCP, \(.streams) stream, \(.mode | rpad(9)) \(.gbps | range3(fixed(2))) Gbit/s"),
  "  fast path / kernel: \(.stateful.fastpath_over_kernel_tcp | fixed(2))", ""
 else empty end),
(if .nsperpkt != null then
  "Per packet, BPF_PROG_TEST_RUN (\(.nsperpkt.calls) calls x \(.nsperpkt.repeat) runs): median ns (min-max)",
  (.nsperpkt.cases[] | "  \(.name | rpad(20)) \(.median_ns | lpad(5)) ns  " +
    "(\(.min_ns)-\(.max_ns))  \(.what)"), ""
 else empty end),
(if (.problems | length) > 0 then
  "PROBLEMS: these runs did not measure what they claim",
  (.problems[] | "  " + .)
 else "Checks: every run measured what it claims (r's counters agree)." end)
