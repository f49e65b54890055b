#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the C helpers of the VM selftests (tools/testing/selftests/tsm/*.c)
# and the tsm command (tools/tsm) as static binaries into build/vm-bin/;
# vm-run.sh puts them in /usr/bin of the VM.  Only what changed is rebuilt.
#
# Also stages the host's dynamically linked openssl command (for "openssl
# verify" of exported certificate chains), the shared libraries ldd lists
# for it, the dynamic loader and its configuration file into
# build/vm-root/, which vm-run.sh copies into the root of the VM.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/vm-bin
mkdir -p "$out"
for c in "$top"/tools/testing/selftests/tsm/*.c; do
	[ -f "$c" ] || continue
	bin=$out/$(basename "$c" .c)
	if [ "$bin" -nt "$c" ] && [ "$bin" -nt "$top/samples/tsm/tsm-emu-bridge.h" ] &&
	   [ "$bin" -nt "$top/samples/tsm/tsm-emu-psp.h" ]; then
		continue
	fi
	gcc -static -O2 -Wall -Werror -I "$top/samples/tsm" -o "$bin.tmp" "$c"
	mv "$bin.tmp" "$bin"
done

# The tsm command (tools/tsm), for the selftests that drive it
make -s -C "$top/tools/tsm" O="$out" LDFLAGS=-static

# openssl and what it needs at run time, at the same paths as on the host
root=$top/build/vm-root
ossl=$(command -v openssl || true)
if [ -z "$ossl" ]; then
	echo "build-vm-bin: openssl is not installed (run 'make deps')" >&2
	exit 1
fi
rm -rf "$root.tmp"
mkdir -p "$root.tmp/usr/bin"
cp -L "$ossl" "$root.tmp/usr/bin/openssl"
# "	libssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x...)" and
# "	/lib64/ld-linux-x86-64.so.2 (0x...)": every absolute path
for lib in $(ldd "$ossl" | grep -o '/[^ ]*'); do
	mkdir -p "$root.tmp$(dirname "$lib")"
	cp -L "$lib" "$root.tmp$lib"
done
# Without its configuration file openssl still works, but says so
dir=$(openssl version -d | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')
if [ -n "$dir" ] && [ -f "$dir/openssl.cnf" ]; then
	mkdir -p "$root.tmp$dir"
	cp -L "$dir/openssl.cnf" "$root.tmp$dir/openssl.cnf"
fi
rm -rf "$root"
mv "$root.tmp" "$root"
