#!/bin/bash
# Checks run.sh's one package list against what the project really uses, so
# that a fresh machine gets everything: every header and library the build
# read (the compilers' dependency files, the linker's own trace of each link
# line, pkg-config), every tool the build ran (CMake's cache), and every
# command and absolute path the scripts use. Each must belong to a listed
# package, to one that a listed package depends on, or to Debian's
# essential set. It also checks the command → package table that the
# scripts' "needs X (package P)" errors come from.
#
#   check_packages.sh [--run-sh FILE] [--source DIR] [--build DIR]
# Exit 0 when the list covers everything, 1 with one line per gap.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=$SRC/build
RUN_SH=
while [ $# -gt 0 ]; do
	case $1 in
	--run-sh) RUN_SH=$2; shift 2 ;;
	--source) SRC=$(cd "$2" && pwd); shift 2 ;;
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	*) echo "check_packages: unknown argument $1" >&2; exit 2 ;;
	esac
done
RUN_SH=${RUN_SH:-$SRC/run.sh}
# A fresh Debian root's PATH: what this machine added by hand is not there.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
WORK=$(mktemp -d /tmp/check_packages.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# A gap: a line in $WORK/gaps (also from the subshells of pipelines).
gap() { echo "MISSING: $*" >>"$WORK/gaps"; }
: >"$WORK/gaps"

# ---- the list, and what it brings along ----------------------------------

mapfile -t LISTED < <(bash "$RUN_SH" packages)
[ ${#LISTED[@]} -gt 0 ] || { echo "check_packages: $RUN_SH packages printed no list" >&2; exit 2; }

# name, essential, status, provides, depends of every installed package
dpkg-query -W -f='${Package}\t${Essential}\t${db:Status-Status}\t${Provides}\t${Pre-Depends}, ${Depends}\n' \
	>"$WORK/installed"
for p in "${LISTED[@]}"; do
	awk -F'\t' -v p="$p" '$1 == p && $3 == "installed" { found = 1 } END { exit !found }' \
		"$WORK/installed" || gap "$p is in run.sh's list but not installed here: run ./run.sh build"
done

# The closure over Depends and Pre-Depends of the listed and the essential
# packages (apt too: every Debian root has it), with virtual packages
# resolved to what provides them here.
printf '%s\n' "${LISTED[@]}" apt | awk -F'\t' '
	FILENAME != "-" {
		if ($3 != "installed") next
		pkg[$1] = 1
		deps[$1] = $5
		if ($2 == "yes") seed[$1] = 1
		n = split($4, pr, /, */)
		for (i = 1; i <= n; i++) { v = pr[i]; sub(/ .*/, "", v); if (v != "") provider[v] = provider[v] " " $1 }
		next
	}
	{ seed[$1] = 1 }
	function add(name,   n, i, alt, a, na, j, x, q, pv) {
		sub(/:.*/, "", name)
		if (name in have) return
		if (name in pkg) { have[name] = 1; queue[++tail] = name }
		if (name in provider) {
			np = split(provider[name], pv, " ")
			for (q = 1; q <= np; q++) add(pv[q])
		}
	}
	END {
		for (s in seed) add(s)
		for (head = 1; head <= tail; head++) {
			n = split(deps[queue[head]], alt, /, */)
			for (i = 1; i <= n; i++) {
				na = split(alt[i], a, /[ \t]*\|[ \t]*/)
				for (j = 1; j <= na; j++) {
					x = a[j]; sub(/^[ \t]+/, "", x); sub(/[ (].*/, "", x)
					if (x != "") add(x)
				}
			}
		}
		for (h in have) print h
	}' "$WORK/installed" - | sort -u >"$WORK/allowed"

# ---- what is used: FILE<TAB>WHY ------------------------------------------

USED=$WORK/used
: >"$USED"
outside_project() {
	case $1 in "$SRC"/* | "$BUILD"/* | /tmp/* | /proc/* | /sys/* | /dev/* | /run/*) return 1 ;; esac
}

# Headers: the compilers' dependency files (g++ through CMake, clang for
# the BPF objects).
mapfile -t DEPFILES < <(find "$BUILD" -name '*.d' -path '*/CMakeFiles/*' -o -name '*.bpf.o.d')
[ ${#DEPFILES[@]} -ge 10 ] ||
	{ echo "check_packages: only ${#DEPFILES[@]} dependency files in $BUILD: build first" >&2; exit 2; }
for f in "${DEPFILES[@]}"; do
	sed -e 's/\\$//' -e 's/^[^ ]*: *//' "$f" | tr ' ' '\n' | grep '^/' |
		while read -r h; do
			if outside_project "$h"; then printf '%s\tincluded by the build (%s)\n' "$h" "${f#"$BUILD"/}"; fi
		done
done | sort -u -k1,1 >>"$USED"

# Libraries: each link line again, with the linker tracing every file it
# opens (crt objects, static runtimes such as libFuzzer's, shared libraries).
mapfile -t LINKS < <(find "$BUILD" -name link.txt -path '*/CMakeFiles/*')
[ ${#LINKS[@]} -ge 5 ] || { echo "check_packages: only ${#LINKS[@]} link lines in $BUILD" >&2; exit 2; }
for l in "${LINKS[@]}"; do
	dir=${l%/CMakeFiles/*}
	while read -r line; do
		eval "cmd=($line)"  # CMake writes them for sh, quotes and all
		[ ${#cmd[@]} -gt 0 ] || continue
		printf '%s\trun by the build (%s)\n' "$(type -P "${cmd[0]}" || echo "${cmd[0]}")" "${l#"$BUILD"/}"
		case ${cmd[0]##*/} in ar | ranlib | *-ar | *-ranlib) continue ;; esac
		args=()
		for ((i = 0; i < ${#cmd[@]}; i++)); do
			if [ "${cmd[i]}" = -o ]; then
				args+=(-o "$WORK/linked")
				i=$((i + 1))
			else
				args+=("${cmd[i]}")
			fi
		done
		(cd "$dir" && "${args[@]}" -Wl,--trace 2>&1) | grep -oE '(^|[ (])/[^ ()]+' | sed 's/^[ (]//' |
			while read -r lib; do
				if [ -f "$lib" ] && outside_project "$lib"; then printf '%s\tlinked (%s)\n' "$lib" "${l#"$BUILD"/}"; fi
			done
	done <"$l"
done | sort -u -k1,1 >>"$USED"

# Tools and libraries CMake found, and pkg-config's modules.
grep -E '^[A-Za-z_0-9]+:(FILEPATH|INTERNAL|STRING)=/' "$BUILD/CMakeCache.txt" |
	while IFS='=' read -r key value; do
		if [ -f "$value" ] && outside_project "$value"; then
			printf '%s\tfound by CMake (%s)\n' "$value" "${key%%:*}"
		fi
	done >>"$USED"
grep -E '^__pkg_config_arguments_[A-Za-z0-9_]+:INTERNAL=' "$BUILD/CMakeCache.txt" |
	sed 's/^[^=]*=//' | tr ';' '\n' | grep -vE '^(REQUIRED|QUIET|IMPORTED_TARGET|GLOBAL|NO_CMAKE_PATH|NO_CMAKE_ENVIRONMENT_PATH)$' |
	sed 's/[<>=].*//' | sort -u | while read -r module; do
		pc=$(pkg-config --path "$module") ||
			{ gap "pkg-config module $module (CMakeCache.txt) is not installed"; continue; }
		printf '%s\tpkg-config %s\n' "$pc" "$module"
	done >>"$USED"

# Scripts: every shell file of the tree, and the C++ that runs shell.
mapfile -t SCRIPTS < <(cd "$SRC" && find . -path ./.git -prune -o -path "./${BUILD#"$SRC"/}" -prune -o \
	-type f -print | while read -r f; do
		case $f in
		*.sh | */.ci/run | *bash-completion) echo "${f#./}" ;;
		*) head -c 64 "$f" | grep -qE '^#!.*(bash|/sh)' && echo "${f#./}" ;;
		esac
	done | sort)
mapfile -t SHELLING < <(cd "$SRC" && grep -rlE '(std::system|popen|execv)\(' --include='*.cpp' tests tools || true)
[ ${#SCRIPTS[@]} -ge 10 ] || { echo "check_packages: only ${#SCRIPTS[@]} scripts under $SRC" >&2; exit 2; }

# Functions that run their arguments as a command ("$@" where a command
# starts, or after nsenter's --) are wrappers: in_ns NS CMD, wait_until S CMD.
WRAPPERS=$(cd "$SRC" && awk '
	match($0, /^[A-Za-z_][A-Za-z0-9_]*\(\)/) { name = substr($0, 1, RLENGTH - 2); body = 1 }
	body && /(^|[;&|(!{]|\$\(|(then|do|if|until|while|exec|time|--)[ \t])[ \t]*"\$@"/ { print name }
	/^}/ || /^[A-Za-z_][A-Za-z0-9_]*\(\).*}[ \t]*$/ { body = 0 }' "${SCRIPTS[@]}" | sort -u | tr '\n' ' ')
FUNCTIONS=$(cd "$SRC" && grep -hoE '^[A-Za-z_][A-Za-z0-9_]*\(\)' "${SCRIPTS[@]}" | tr -d '()' | sort -u)
(cd "$SRC" && cat "${SCRIPTS[@]}" "${SHELLING[@]}") | grep -oE '[A-Za-z_][A-Za-z0-9_.+-]*' | sort -u |
	while read -r w; do if type -P "$w" >/dev/null; then echo "$w"; fi; done >"$WORK/resolvable"
printf '%s\n' $FUNCTIONS >>"$WORK/resolvable"
{
	(cd "$SRC" && awk -v wrappers="$WRAPPERS" -v known="$WORK/resolvable" -f "$HERE/commands.awk" "${SCRIPTS[@]}")
	[ ${#SHELLING[@]} -eq 0 ] ||
		(cd "$SRC" && awk -v literal=1 -v known="$WORK/resolvable" -f "$HERE/commands.awk" "${SHELLING[@]}")
} | sort -u -k1,1 >"$WORK/commands"
[ "$(wc -l <"$WORK/commands")" -ge 20 ] || { echo "check_packages: found too few commands" >&2; exit 2; }

BUILTINS=$(compgen -b; compgen -k)
OWN_PROGRAMS=$(find "$BUILD" -type f -perm -u+x -printf '%f\n' | sort -u)
while IFS=$'\t' read -r word where; do
	case $word in
	/*) path=$word ;;
	*/*) continue ;;  # relative to the tree: the project's own
	*)
		grep -qxF -- "$word" <<<"$BUILTINS" && continue
		grep -qxF -- "$word" <<<"$FUNCTIONS" && continue
		grep -qxF -- "$word" <<<"$OWN_PROGRAMS" && continue
		path=$(type -P -- "$word") || continue
		;;
	esac
	if [ -e "$path" ] && outside_project "$path"; then
		printf '%s\tcommand %s (%s)\n' "$path" "$word" "$where"
	fi
done <"$WORK/commands" >>"$USED"

# Absolute paths the scripts name (the FRR daemons under /usr/lib/frr/, …).
(cd "$SRC" && grep -noE '(^|[^A-Za-z0-9_.$/-])/(usr|bin|sbin|lib|etc)/[A-Za-z0-9_./+-]*[A-Za-z0-9_+-]' \
	"${SCRIPTS[@]}") | while IFS= read -r hit; do
	where=${hit%%:/*}; where=${where%:*}
	path=/${hit#*:/}
	path=${path%/}
	while [ ! -e "$path" ] && [ "${path%/*}" != "" ]; do path=${path%/*}; done
	case $path in /usr | /bin | /sbin | /lib | /etc | /usr/bin | /usr/sbin | /usr/lib | /usr/share | /usr/local*) continue ;; esac
	if [ -e "$path" ]; then printf '%s\tpath in %s\n' "$path" "$where"; fi
done | sort -u -k1,1 >>"$USED"

# ---- map to packages --------------------------------------------------------

# dpkg knows a file by the name its package shipped it under: try the path
# as named, resolved, and both sides of Debian's merged /usr.
variants() {
	local p r
	for p in "$1" "$(readlink -f "$1")"; do
		[ -n "$p" ] || continue
		echo "$p"
		case $p in
		/usr/bin/* | /usr/sbin/* | /usr/lib/* | /usr/lib64/*) echo "${p#/usr}" ;;
		/bin/* | /sbin/* | /lib/* | /lib64/*) echo "/usr$p" ;;
		esac
		r=$(realpath -ms "$p")
		echo "$r"
	done | sort -u
}
sort -u -k1,1 "$USED" -o "$USED"
cut -f1 "$USED" >"$WORK/files"
paste "$WORK/files" <(xargs -d '\n' readlink -m -- <"$WORK/files") \
	<(xargs -d '\n' realpath -ms -- <"$WORK/files") | awk -F'\t' '
	{
		for (i = 1; i <= 3; i++) {
			p = $i; print $1 "\t" p
			if (p ~ /^\/usr\/(bin|sbin|lib|lib64)\//) print $1 "\t" substr(p, 5)
			else if (p ~ /^\/(bin|sbin|lib|lib64)\//) print $1 "\t/usr" p
		}
	}' | sort -u >"$WORK/variants"
cut -f2 "$WORK/variants" | sort -u | xargs -d '\n' dpkg-query -S 2>/dev/null |
	grep -v '^diversion by' | sed -E 's/: (\/.*)$/\t\1/' >"$WORK/owners" || true

awk -F'\t' '
	FILENAME == ARGV[1] { allowed[$1] = 1; next }
	FILENAME == ARGV[2] { n = split($1, ps, /, */); for (i = 1; i <= n; i++) { p = ps[i]; sub(/:.*/, "", p); owners[$2] = owners[$2] " " p }; next }
	FILENAME == ARGV[3] { forms[$1] = forms[$1] " " $2; next }
	{
		file = $1; why = $2; found = ""; ok = 0
		n = split(forms[file], fs, " ")
		for (i = 1; i <= n; i++) if (fs[i] in owners) found = found owners[fs[i]]
		if (found == "") { print "UNOWNED\t" file "\t" why; next }
		m = split(found, os, " ")
		for (j = 1; j <= m; j++) if (os[j] in allowed) ok = 1
		if (!ok) print "NOTLISTED\t" os[1] "\t" file "\t" why
		else for (j = 1; j <= m; j++) if (os[j] in allowed) { used[os[j]] = 1; break }
		files++
	}
	END {
		for (p in used) { np++; names = names " " p }
		print "SUMMARY\t" files "\t" np "\t" names
	}' "$WORK/allowed" "$WORK/owners" "$WORK/variants" "$USED" >"$WORK/verdicts"

while IFS=$'\t' read -r kind a b c; do
	case $kind in
	UNOWNED) gap "$a ($b) belongs to no Debian package: a user's machine will not have it" ;;
	NOTLISTED) gap "$a is not in run.sh's list (nor needed by a package there): $b, $c" ;;
	esac
done <"$WORK/verdicts"

# ---- the "needs X (package P)" table -------------------------------------

# examples/lib.sh: declare -A DEBIAN_PACKAGE=([cmd]=package …)
eval "$(sed -n '/^declare -A DEBIAN_PACKAGE=(/,/^)/p' "$SRC/examples/lib.sh")"
[ ${#DEBIAN_PACKAGE[@]} -gt 0 ] || gap "examples/lib.sh has no DEBIAN_PACKAGE table"
for cmd in "${!DEBIAN_PACKAGE[@]}"; do
	pkg=${DEBIAN_PACKAGE[$cmd]}
	path=$cmd
	[[ $cmd == /* ]] || path=$(type -P "$cmd") || { gap "DEBIAN_PACKAGE[$cmd]: no such command here"; continue; }
	owner=$(variants "$path" | xargs -d '\n' dpkg-query -S 2>/dev/null | sed -E 's/: \/.*$//; s/:[a-z0-9]+(,|$)/\1/g' | tr ',' '\n' | tr -d ' ' | sort -u || true)
	grep -qxF -- "$pkg" <<<"$owner" ||
		gap "examples/lib.sh: DEBIAN_PACKAGE[$cmd]=$pkg, but dpkg says ${owner:-nobody} owns $path"
	grep -qxF -- "$pkg" "$WORK/allowed" || gap "examples/lib.sh: $pkg (for $cmd) is not in run.sh's list"
done
# Every command a script requires has an entry.
(cd "$SRC" && grep -hoE '^[[:space:]]*(require_cmds|need_cmds)[[:space:]][^#;|&]*' "${SCRIPTS[@]}") |
	sed -E 's/^[[:space:]]*(require_cmds|need_cmds)[[:space:]]+//' | tr ' \t' '\n\n' | grep -v '^$' | sort -u |
	while read -r cmd; do
		[ -n "${DEBIAN_PACKAGE[$cmd]:-}" ] ||
			gap "a script requires $cmd, but examples/lib.sh's DEBIAN_PACKAGE does not name its package"
	done

IFS=$'\t' read -r _ files packages names < <(grep '^SUMMARY' "$WORK/verdicts")
echo "used packages:$(tr ' ' '\n' <<<"$names" | sort | tr '\n' ' ')"
echo "checked $files files the build and scripts use ($(wc -l <"$WORK/commands") commands in ${#SCRIPTS[@]} scripts," \
	"${#DEPFILES[@]} dependency files, ${#LINKS[@]} link lines), from $packages packages;" \
	"run.sh lists ${#LISTED[@]}, which with their dependencies and the essential set make $(wc -l <"$WORK/allowed")"
cat "$WORK/gaps"
if [ -s "$WORK/gaps" ]; then
	echo "FAIL: $(wc -l <"$WORK/gaps") gaps between run.sh's package list and what the project uses"
	exit 1
fi
echo "ok: run.sh's package list covers everything the project uses"
