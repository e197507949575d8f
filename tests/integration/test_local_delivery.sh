#!/bin/bash
# Traffic to r itself (a BGP session, SSH) reaches r's sockets through the
# attached fast path, on the near and the far address.
#
#   h1 ──────── r ──────── h2        fast path on eth-h1 and eth-h2 of r
#   10.0.1.2  10.0.1.1  10.0.2.1
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq socat ss
setup_h1_r_h2

MESSAGE=$(mktemp)
trap 'rm -f "$MESSAGE"; cleanup' EXIT
echo "OPEN from h1" >"$MESSAGE"

# reaches_router LISTEN CONNECT PORT
reaches_router() {
	local before
	before=$(passed eth-h1 not_forwarded)
	tcp_send "$MESSAGE" "$H1" "$R" "$1" "$2" "$3" &&
		at_least "$(passed eth-h1 not_forwarded)" $((before + 1))
}

check "TCP to r's near IPv4 address" \
	reaches_router TCP4-LISTEN:179,bind=10.0.1.1 TCP4:10.0.1.1:179 179
check "TCP to r's far IPv4 address" \
	reaches_router TCP4-LISTEN:180,bind=10.0.2.1 TCP4:10.0.2.1:180 180
check "TCP to r's far IPv6 address" \
	reaches_router "TCP6-LISTEN:181,bind=[fd00:2::1]" "TCP6:[fd00:2::1]:181" 181
finish
