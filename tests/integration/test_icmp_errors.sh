#!/bin/bash
# What the fast path must leave to the kernel so it can answer: TTL/hop
# limit expiry (traceroute shows r) and packets too big for the egress MTU
# (PMTU discovery works).
#
#   h1 ──────── r ──────── h2        fast path on eth-h1 and eth-h2 of r
#            10.0.1.1
#            fd00:1::1
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq ping traceroute
setup_h1_r_h2

# expect_output PATTERN COMMAND...: the command's output matches PATTERN.
expect_output() {
	local pattern=$1 out
	shift
	out=$("$@" 2>&1)
	grep -qE "$pattern" <<<"$out" || {
		echo "  no /$pattern/ in:"
		sed 's/^/    /' <<<"$out"
		return 1
	}
}

# passed_more DEV REASON BEFORE
passed_more() {
	at_least "$(passed "$1" "$2")" $(($3 + 1))
}

ttl0=$(passed eth-h1 ttl_expired)
check "IPv4 TTL 1 gets Time Exceeded from r" \
	expect_output "From 10.0.1.1 .*Time to live exceeded" in_ns "$H1" ping -c1 -W1 -t1 10.0.2.2
check "IPv6 hop limit 1 gets Time Exceeded from r" \
	expect_output "From fd00:1::1 .*Time exceeded: Hop limit" in_ns "$H1" ping -6 -c1 -W1 -t1 fd00:2::2
check "the fast path handed both up as ttl_expired" at_least "$(passed eth-h1 ttl_expired)" $((ttl0 + 2))
check "traceroute shows r as the first hop (IPv4)" \
	expect_output "^ 1  10\.0\.1\.1 " in_ns "$H1" traceroute -n -q1 -w1 -m2 10.0.2.2
check "traceroute shows r as the first hop (IPv6)" \
	expect_output "^ 1  fd00:1::1 " in_ns "$H1" traceroute -6 -n -q1 -w1 -m2 fd00:2::2

ip -n "$R" link set eth-h2 mtu 1280
frag0=$(passed eth-h1 frag_needed)
check "IPv4 DF packet over the egress MTU gets Fragmentation Needed" \
	expect_output "From 10.0.1.1 .*Frag needed and DF set \(mtu = 1280\)" \
	in_ns "$H1" ping -c1 -W1 -M do -s 1400 10.0.2.2
check "IPv6 packet over the egress MTU gets Packet Too Big" \
	expect_output "From fd00:1::1 .*Packet too big: mtu=1280" \
	in_ns "$H1" ping -6 -c1 -W1 -M do -s 1400 fd00:2::2
check "the fast path handed both up as frag_needed" \
	at_least "$(passed eth-h1 frag_needed)" $((frag0 + 2))
fwd0=$(forwarded eth-h1)
check "a packet that fits is still forwarded by the fast path" \
	in_ns "$H1" ping -c1 -W1 -M do -s 1200 10.0.2.2
check "... and counted as forwarded" at_least "$(forwarded eth-h1)" $((fwd0 + 1))
finish
