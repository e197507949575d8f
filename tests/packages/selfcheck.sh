#!/bin/bash
# The package check must fail when run.sh's list lacks a package the
# project uses: take packages out of a copy of run.sh, one at a time, and
# expect check_packages.sh to fail naming each.
#   selfcheck.sh [--source DIR] [--build DIR]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/packages_selfcheck.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SRC=$(cd "$HERE/../.." && pwd)
[ "${1:-}" = --source ] && SRC=$2
FAILURES=0
# A library only the build uses; the package behind the BGP tests' daemons.
for pkg in libtomlplusplus-dev frr; do
	bash "$SRC/run.sh" packages | grep -qxF "$pkg" ||
		{ echo "FAIL: $pkg is not in $SRC/run.sh's list to begin with"; exit 1; }
	sed -E "/^PACKAGES=\(/,/^\)/ s/([[:space:]])$pkg([[:space:]]|$)/\1\2/" "$SRC/run.sh" >"$WORK/run.sh"
	bash "$WORK/run.sh" packages | grep -qxF "$pkg" && { echo "FAIL: could not take $pkg out"; exit 1; }
	out=$(bash "$HERE/check_packages.sh" --run-sh "$WORK/run.sh" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -q "^MISSING: $pkg is not in run.sh's list" <<<"$out"; then
		echo "ok: without $pkg the check fails: $(grep -m1 "^MISSING: $pkg" <<<"$out")"
	else
		echo "FAIL: without $pkg the check exited $rc:"
		tail -5 <<<"$out"
		FAILURES=$((FAILURES + 1))
	fi
done
[ $FAILURES -eq 0 ] && echo "ok: the package check fails for each package taken out"
exit $((FAILURES > 0))
