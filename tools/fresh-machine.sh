#!/bin/bash
# Tries the README's two commands the way a new user would: on a fresh
# Debian 12 root (mmdebstrap minbase: nothing of the project installed), in
# a clean clone of this checkout's HEAD, as root, in a chroot sharing this
# kernel. It times `./run.sh demo` and `CI=true ./run.sh test` and prints
# their outcomes.
#
#   tools/fresh-machine.sh [--dir DIR] [--keep] [--demo-only]
# DIR (default /var/tmp/xdp-router-fresh) is made anew each run; --keep
# leaves it (and its build) for a look afterwards. Not run by CI: it takes
# ~20 minutes and downloads ~1 GB of packages.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/examples/lib.sh"

DIR=/var/tmp/xdp-router-fresh
KEEP= DEMO_ONLY=
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--demo-only) DEMO_ONLY=1; shift ;;
	*) echo "fresh-machine: unknown argument $1 (see the top of $0)" >&2; exit 1 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "fresh-machine: run as root (chroot, mounts, namespaces)" >&2; exit 1; }
need_cmds mmdebstrap git
case $DIR in /var/tmp/* | /tmp/* | /srv/*) ;; *) echo "fresh-machine: --dir must be under /var/tmp, /tmp or /srv" >&2; exit 1 ;; esac

log() { printf '%(%T)T fresh-machine: %s\n' -1 "$*"; }

unmount_all() {
	local m
	# Deepest first; lazily, so a process that is still ending cannot keep
	# a host file system mounted inside DIR.
	for m in $(awk -v d="$DIR" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
}

in_root() {
	chroot "$DIR" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb LANG=C.UTF-8 "$@"
}

cleanup() {
	if [ -x "$DIR/bin/bash" ] && [ -d "$DIR/root/xdp-router/examples" ]; then
		in_root bash -c 'cd /root/xdp-router && examples/demo.sh down' >/dev/null 2>&1 || true
	fi
	unmount_all
	[ -n "$KEEP" ] || rm -rf --one-file-system "$DIR"
}
trap cleanup EXIT

unmount_all
rm -rf --one-file-system "$DIR"
log "building a fresh Debian 12 root in $DIR (mmdebstrap --variant=minbase bookworm)"
t0=$SECONDS
mmdebstrap --quiet --variant=minbase bookworm "$DIR"
log "root ready in $((SECONDS - t0)) s: $(chroot "$DIR" dpkg-query -W -f='${Package}\n' | wc -l) packages"

# No services start inside the chroot (a real machine would start FRR's).
printf '#!/bin/sh\nexit 101\n' >"$DIR/usr/sbin/policy-rc.d"
chmod 755 "$DIR/usr/sbin/policy-rc.d"
# The root must be a mount point of its own: `ip netns exec` and the tests
# make "/" a slave mount in their own mount namespaces, which fails on a
# directory that is not one. /run is a fresh tmpfs as on a booted machine
# (netns names made inside stay inside).
mount --bind "$DIR" "$DIR"
mount --make-private "$DIR"
mount -t proc proc "$DIR/proc"
mount -t sysfs sysfs "$DIR/sys"
mount -t bpf bpf "$DIR/sys/fs/bpf"
mount --rbind /dev "$DIR/dev"
mount --make-rslave "$DIR/dev"
mount -t tmpfs -o mode=755 tmpfs "$DIR/run"

git clone --quiet "$ROOT" "$DIR/root/xdp-router"
log "clean clone of $(git -C "$ROOT" rev-parse --short HEAD) in /root/xdp-router"

run_timed() {
	local what=$1 start rc
	shift
	log "$what ..."
	start=$SECONDS
	set +e
	in_root bash -c "cd /root/xdp-router && $*" 2>&1 | tee "$DIR/root/$what.log" | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	set -e
	log "$what: exit $rc after $((SECONDS - start)) s"
	RESULTS+=("$what: exit $rc, $((SECONDS - start)) s")
	return "$rc"
}

RESULTS=()
status=0
run_timed demo ./run.sh demo || status=1
in_root bash -c 'cd /root/xdp-router && examples/demo.sh down' >/dev/null 2>&1 || true
if [ -z "$DEMO_ONLY" ]; then
	run_timed test CI=true ./run.sh test || status=1
	summary=$(grep -E 'tests passed|tests failed' "$DIR/root/test.log" | tail -1 || true)
	[ -z "$summary" ] || RESULTS+=("ctest: $summary")
fi
echo
printf 'fresh-machine: %s\n' "${RESULTS[@]}"
exit $status
