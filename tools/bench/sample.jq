# One packet-rate measurement as a JSON line (lib.sh's pps_sample): what
# the generator sent, what the sink received, what r says it did, and the
# checks that the run measured what it claims to.
# In: $fam $routes $dests $mode $round $xdp, $ruleset ("" for none), $kfwd (r's kernel forwarded),
# $f0 $f1 ([forwarded, passed, cache hits, misses, skipped] of the fast path
# before and after, or nulls),
# $send $sink $limit (the tools' JSON, slurped: [] when they printed none).
def delta(i): if $f0[i] == null then null else $f1[i] - $f0[i] end;
def short(n; total): n != null and total > 0 and n < 0.99 * total;

($send[0] // {}) as $s | ($sink[0] // {}) as $k | ($limit[0] // {}) as $l |
($k.packets // 0) as $received |
{
  part: "pps", family: $fam, routes: $routes, destinations: $dests,
  mode: $mode, round: $round, ruleset: (if $ruleset == "" then null else $ruleset end),
  pps: ($k.pps // 0), seconds: ($k.seconds // 0),
  sent: ($s.frames // 0), transmitted: ($s.xmit.transmitted // null),
  queue_full: ($s.xmit.queue_full // null), received: $received,
  lost: (($s.xmit.transmitted // $s.frames // 0) - $received),
  send_pps: ($s.pps // 0),
  r: {xdp: $xdp, kernel_forwarded: $kfwd, fastpath_forwarded: delta(0),
      fastpath_passed: delta(1), limit_redirected: ($l.redirected // null),
      fib_cache: {hits: delta(2), misses: delta(3), skipped: delta(4)}}
} |
.problems = (
  [if .sent == 0 then "nothing sent" else empty end] +
  [if .received == 0 then "nothing delivered" else empty end] +
  # One sending thread never overruns a ring (README, xdp-pktgen): a loss
  # means r dropped, or the sink stopped before the frames did.
  [if .lost > 0.01 * (.transmitted // .sent)
   then "lost \(.lost) of \(.transmitted // .sent) between generator and sink" else empty end] +
  (if $mode == "kernel" then
     [if $xdp != "none" then "XDP attached to r in kernel mode" else empty end] +
     [if short($kfwd; $received)
      then "r's kernel forwarded \($kfwd) of \($received)" else empty end]
   elif $mode == "fastpath" or $mode == "nocache" then
     [if $xdp != "native" then "fast path not native on eth-h1 (\($xdp))" else empty end] +
     [if .r.fastpath_forwarded == null or short(.r.fastpath_forwarded; $received)
      then "the fast path forwarded \(.r.fastpath_forwarded) of \($received)" else empty end] +
     [if $kfwd > 0.01 * $received
      then "r's kernel forwarded \($kfwd) of \($received)" else empty end]
   else
     [if $xdp != "native" then "limit not native on eth-h1 (\($xdp))" else empty end] +
     [if .r.limit_redirected == null or short(.r.limit_redirected; $received)
      then "the limit redirected \(.r.limit_redirected) of \($received)" else empty end]
   end))
