#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the C helpers of the VM selftests (tools/testing/selftests/tsm/*.c)
# as static binaries into build/vm-bin/; vm-run.sh puts them in /usr/bin of
# the VM.  Only what changed is rebuilt.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/vm-bin
mkdir -p "$out"
for c in "$top"/tools/testing/selftests/tsm/*.c; do
	[ -f "$c" ] || continue
	bin=$out/$(basename "$c" .c)
	if [ "$bin" -nt "$c" ] && [ "$bin" -nt "$top/samples/tsm/tsm-emu-bridge.h" ]; then
		continue
	fi
	gcc -static -O2 -Wall -Werror -I "$top/samples/tsm" -o "$bin.tmp" "$c"
	mv "$bin.tmp" "$bin"
done
