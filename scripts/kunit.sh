#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the project's KUnit suites with the kernel's own runner and print
# "kunit: N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${TSM_SRC:-$top/build/src}
out=$top/build/kunit
log=$top/build/kunit.log
cfg=$top/configs/tsm.kunitconfig

cc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache gcc"
	export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tsm-ccache}
	export CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=1
fi
cd "$src" || exit 1
python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig="$cfg" --build_dir="$out" --jobs="$(nproc)" \
	--timeout="${KUNIT_TIMEOUT:-900}" \
	--make_options CC="$cc" > "$log" 2>&1
rc=$?
grep -E '^\[[0-9:]+\] (\[(PASSED|FAILED|SKIPPED|CRASHED)\]|=+|Testing complete|# Totals|Ran )' "$log" |
	sed 's/^\[[0-9:]*\] //' | grep -Ev '^=+$' || true
line=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -1)
pass=$(echo "$line" | sed -n 's/.*passed: \([0-9]*\).*/\1/p')
fail=$(echo "$line" | sed -n 's/.*failed: \([0-9]*\).*/\1/p')
crash=$(echo "$line" | sed -n 's/.*crashed: \([0-9]*\).*/\1/p')
pass=${pass:-0}
fail=$(( ${fail:-0} + ${crash:-0} ))
if [ -z "$line" ] || { [ $rc -ne 0 ] && [ "$fail" -eq 0 ]; }; then
	echo "kunit: the run did not complete (exit $rc); see build/kunit.log:" >&2
	tail -30 "$log" >&2
	fail=$((fail + 1))
fi
echo "kunit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
