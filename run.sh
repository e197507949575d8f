#!/bin/bash
# Sets up a fresh Debian 12 machine (as root) and runs the project.
#   ./run.sh demo   install dependencies, build, run the demo (left running)
#   ./run.sh test   install dependencies, build, run every test
#   ./run.sh build  install dependencies and build only
#   ./run.sh bench [ARGS]  install dependencies, build, run the benchmark
#                   (tools/bench/bench.sh ARGS; ~20 min, --quick ~45 s)
#   ./run.sh packages      print the package list, one a line
set -euo pipefail
cd "$(dirname "$0")"

# The one list of Debian packages the project uses, by what needs them.
# tests/packages/check_packages.sh (CTest: packages) fails when the build,
# a script or a test uses anything these do not bring.
PACKAGES=(
	# build: compilers, CMake, the BPF toolchain (clang, bpftool)
	build-essential cmake pkg-config clang bpftool
	# libraries the programs link
	libbpf-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
	libfmt-dev nlohmann-json3-dev libtomlplusplus-dev
	# ... netfilter's ruleset, read through nftables' own libraries
	libnftnl-dev libmnl-dev
	# ... and iptables-legacy's tables, through iptables' own libiptc
	libip4tc-dev libip6tc-dev
	# tests: doctest, and libFuzzer's runtime for the fuzzer
	doctest-dev libclang-rt-14-dev
	# demo, examples and tests: namespaces, veths, traffic, inspection
	iproute2 ethtool iputils-ping traceroute socat jq procps util-linux mount
	# tests: firewall rulesets the fast path must leave to the kernel
	# (nft; iptables with both backends, legacy and nft)
	nftables iptables
	# beside FRR: the BGP topologies and their tests
	frr
	# benchmark: bulk TCP, the plot, the commit it measured
	iperf3 gnuplot-nox git
	# tools/fresh-machine.sh: a fresh Debian 12 root to try the README in
	mmdebstrap
)

install_deps() {
	if [ "$(id -u)" != 0 ]; then
		echo "run.sh: run as root (it installs packages and creates namespaces)" >&2
		exit 1
	fi
	local missing=()
	local p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "run.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$(nproc)"
}

case "${1:-}" in
demo)
	install_deps
	build
	examples/demo.sh
	;;
test)
	install_deps
	build
	ctest --test-dir build --output-on-failure
	;;
build)
	install_deps
	build
	;;
packages)
	printf '%s\n' "${PACKAGES[@]}"
	;;
bench)
	shift
	install_deps
	build
	exec tools/bench/bench.sh "$@"
	;;
*)
	echo "Usage: $0 { demo | test | build | bench [ARGS] | packages }" >&2
	exit 1
	;;
esac
