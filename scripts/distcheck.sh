#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Distribution build check: the series applied to the base tree builds
# the directories it touches with Debian's own amd64 kernel configuration
# (package linux-config-6.12, flavour $DIST_FLAVOUR, default amd64_none_amd64)
# plus our options, as modules where they can be, with no warning that
# the pristine base tree does not also give with the same configuration.
#
# Only two changes are made to Debian's configuration, in both trees: no
# debug information (it does not change warnings and doubles build time)
# and no trusted key files (they are Debian's signing certificates, not
# in the source package).  Not part of "make check": about 4 minutes on
# 2 cores, under one with a warm ccache (see README.md).
# Prints one "ok"/"not ok" line per check and "distcheck: N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${TSM_SRC:-$top/build/src}
base=$top/build/base
flavour=${DIST_FLAVOUR:-amd64_none_amd64}
config=/usr/src/linux-config-6.12/config.$flavour.xz
jobs=${JOBS:-$(nproc)}
pass=0
fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
finish() {
	echo "distcheck: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

cd "$top" || exit 1
"$top/scripts/deps.sh" linux-config-6.12 || exit 1
if [ ! -f "$config" ]; then
	nok "Debian configuration $config is missing (DIST_FLAVOUR=$flavour?)"
	finish
fi

# Our options: bool ones on, tristate ones as modules.
ours="PCI_TSM=y SEV_TIO_GUEST=m"

# The touched directories: those of every C file the series adds or
# changes, except the emulated test platform (samples/), which a
# distribution does not build.
dirs=$( { git ls-files -co --exclude-standard -- drivers include lib | grep '\.c$' |
	xargs -r -n1 dirname
	sed -n 's#^+++ b/\(.*\.c\)\([\t ].*\)*$#\1#p' patches/*.patch | xargs -r -n1 dirname
	} | grep -v '^samples/' | sort -u | tr '\n' ' ')
echo "# flavour $flavour; directories: $dirs"

cc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache gcc"
	export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tsm-ccache}
	export CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=1
fi

# configure TREE OUTDIR OPTIONS...: Debian's configuration, our two
# changes and OPTIONS, then olddefconfig.
configure() {
	local tree=$1 out=$2 o
	shift 2
	mkdir -p "$out"
	xzcat "$config" > "$out/.config"
	"$tree/scripts/config" --file "$out/.config" \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_DWARF5 \
		--disable DEBUG_INFO_DWARF4 --enable DEBUG_INFO_NONE \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY "certs/signing_key.pem"
	for o in "$@"; do
		case "$o" in
		*=y) "$tree/scripts/config" --file "$out/.config" --enable "${o%=y}" ;;
		*=m) "$tree/scripts/config" --file "$out/.config" --module "${o%=m}" ;;
		esac
	done
	make -s -C "$tree" O="$out" CC="$cc" olddefconfig > "$out/config.log" 2>&1
}

# build TREE OUTDIR: the touched directories; OUTDIR/warnings gets the
# normalised warnings (file: message, without line numbers).
build() {
	local tree=$1 out=$2 d st=0
	: > "$out/build.log"
	for d in $dirs; do
		[ -d "$tree/$d" ] || continue
		# Rebuilt each time so that every warning is seen (ccache replays
		# the compiler's output).
		find "$out/$d" -maxdepth 1 -name '*.o' -delete 2>/dev/null
		make -C "$tree" O="$out" CC="$cc" -j"$jobs" "$d/" >> "$out/build.log" 2>&1 || st=1
	done
	# Compiler diagnostics have a line number, objtool's do not.
	sed -n -E 's#^(\.\./)*([^ :]+)(:[0-9]+(:[0-9]+)?)?: (warning|error): (.*)$#\2: \5: \6#p' \
		"$out/build.log" | sed -E "s#^($tree|$out|${tree##*/})/##" | sort -u > "$out/warnings"
	return $st
}

start=$(date +%s)
if configure "$base" "$top/build/dist-base" && configure "$src" "$top/build/dist" $ours; then
	ok "Debian $flavour configuration accepted by both trees"
else
	nok "olddefconfig failed"; tail -5 "$top"/build/dist*/config.log | sed 's/^/#   /'
	finish
fi
missing=""
for o in $ours; do
	grep -qx "CONFIG_$o" "$top/build/dist/.config" || missing="$missing $o"
done
if [ -z "$missing" ]; then
	ok "our options survive olddefconfig: $ours"
else
	nok "options lost by olddefconfig:$missing"
fi
# Our options may only add symbols: every option of the base
# configuration keeps its value in the patched one.
cdiff=$(diff <(grep '^CONFIG_' "$top/build/dist-base/.config" | sort) \
	<(grep '^CONFIG_' "$top/build/dist/.config" | sort))
changed=$(echo "$cdiff" | sed -n 's/^< //p')
if [ -z "$changed" ]; then
	ok "the series changes no option of Debian's configuration"
else
	nok "options whose value the series changes"; echo "$changed" | sed 's/^/#   /'
fi
extra=$(echo "$cdiff" | sed -n 's/^> //p' | tr '\n' ' ')
echo "# options the series adds: $extra"

if build "$base" "$top/build/dist-base"; then
	ok "base tree builds the directories with Debian's configuration"
else
	nok "base tree build failed"; grep -m5 'error' "$top/build/dist-base/build.log" | sed 's/^/#   /'
fi
if build "$src" "$top/build/dist"; then
	ok "patched tree builds the directories with Debian's configuration and our options"
else
	nok "patched tree build failed"; grep -m5 'error' "$top/build/dist/build.log" | sed 's/^/#   /'
fi
for o in drivers/pci/tsm.o drivers/pci/ide.o drivers/pci/tdisp.o drivers/virt/coco/tsm-core.o \
	 drivers/crypto/ccp/sev-tio-cmd.o drivers/virt/coco/sev-guest/sev-tio-guest.o; do
	if [ -s "$top/build/dist/$o" ]; then ok "built $o"; else nok "not built: $o"; fi
done
new=$(comm -13 "$top/build/dist-base/warnings" "$top/build/dist/warnings")
if [ -z "$new" ]; then
	ok "no new warning ($(wc -l < "$top/build/dist-base/warnings") in the base tree)"
else
	nok "new warnings"; echo "$new" | sed 's/^/#   /'
fi
echo "# distcheck took $(( $(date +%s) - start )) s"
finish
