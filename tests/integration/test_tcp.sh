#!/bin/bash
# A 20 MB TCP transfer arrives intact through the fast path, IPv4 and IPv6.
#
#   h1 ──────── r ──────── h2        fast path on eth-h1 and eth-h2 of r
#
# Frames a local socket sends over veth carry partial checksums; a redirect
# loses that mark, so the fast path turns TX checksum offload off on the
# veth peers it receives from (routerctl does it when attaching). Without
# that, h2 counts TcpInCsumErrors and the transfer stalls.
. "$(dirname "$0")/lib.sh"
require_root
require_cmds ip nsenter jq socat sha256sum nstat ss
setup_h1_r_h2

BLOB=$(mktemp)
trap 'rm -f "$BLOB"; cleanup' EXIT
head -c $((20 * 1024 * 1024)) /dev/urandom >"$BLOB"

# transfer LISTEN_SPEC CONNECT_SPEC PORT
transfer() {
	local before csum_errors
	before=$(forwarded_bytes eth-h1)
	tcp_send "$BLOB" "$H1" "$H2" "$1" "$2" "$3" || return 1
	csum_errors=$(in_ns "$H2" nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
	[ "${csum_errors:-0}" -eq 0 ] || {
		echo "  h2 counted $csum_errors TCP checksum errors"
		return 1
	}
	# The data went h1 -> h2: it entered r on eth-h1.
	at_least $(($(forwarded_bytes eth-h1) - before)) $((20 * 1024 * 1024))
}

check "IPv4 TCP 20 MB intact through the fast path" \
	transfer TCP4-LISTEN:5001,reuseaddr TCP4:10.0.2.2:5001 5001
check "IPv6 TCP 20 MB intact through the fast path" \
	transfer TCP6-LISTEN:5002,reuseaddr TCP6:[fd00:2::2]:5002 5002
finish
