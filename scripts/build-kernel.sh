#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh NAME FRAGMENT [make targets...]
#
# Configure (olddefconfig on top of FRAGMENT) and build the prepared tree
# into build/NAME.  The configuration is only regenerated when the fragment
# or a Kconfig file changed; the build itself is incremental.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
name=$1
frag=$2
shift 2
out=$top/build/$name
src=${TSM_SRC:-$top/build/src}
jobs=${JOBS:-$(nproc)}

cc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache gcc"
	export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tsm-ccache}
	export CCACHE_BASEDIR=$top
	export CCACHE_NOHASHDIR=1
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
fi
mk() { make -s -C "$src" O="$out" CC="$cc" -j"$jobs" "$@"; }

mkdir -p "$out"
# Reconfigure when the fragment or a Kconfig file of the series changed.
sum=$( (cat "$frag"; grep 'Kconfig' "$src.manifest" 2>/dev/null |
	while read -r f; do cat "$src/$f"; done; true) | md5sum | cut -d' ' -f1)
# TSM_RECONFIG=1 (used for series prefixes) always reconfigures and accepts
# options that the tree does not know yet.
if [ "${TSM_RECONFIG:-0}" = 1 ] || [ ! -f "$out/.config" ] ||
   [ "$(cat "$out/.fragment-sum" 2>/dev/null)" != "$sum" ]; then
	echo "build-kernel: configuring build/$name from ${frag#"$top"/}"
	cp "$frag" "$out/.config"
	mk olddefconfig
	# Every option of the fragment must have survived olddefconfig.
	bad=0
	while read -r line; do
		case "$line" in
		CONFIG_*=n) opt=${line%%=*}
			if grep -q "^$opt=" "$out/.config"; then
				echo "build-kernel: $opt is not disabled" >&2; bad=1
			fi ;;
		CONFIG_*) if ! grep -qx -- "$line" "$out/.config"; then
				echo "build-kernel: $line did not survive olddefconfig" >&2; bad=1
			fi ;;
		esac
	done < <(grep -v '^[[:space:]]*#' "$frag" | grep -v '^[[:space:]]*$')
	if [ $bad -ne 0 ] && [ "${TSM_RECONFIG:-0}" != 1 ]; then
		rm -f "$out/.config"
		exit 1
	fi
	echo "$sum" > "$out/.fragment-sum"
fi
echo "build-kernel: building build/$name ${*:-bzImage modules}"
mk "${@:-bzImage}"
[ $# -gt 0 ] || mk modules
