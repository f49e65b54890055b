#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test tier and gate.  Ends with "N passed, N failed"
# summed over all tiers and exits non-zero on any failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
total_pass=0
total_fail=0
start=$(date +%s)

# tally NAME LOGFILE: add the "NAME: N passed, N failed" line of LOGFILE.
tally() {
	local line p f
	line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" "$2" | tail -1)
	p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ]; then
		p=0
		f=1
		echo "check: tier $1 printed no result" >&2
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

run_tier() {
	local name=$1
	shift
	local t0=$(date +%s)
	echo "=== $name"
	"$@" 2>&1 | tee "build/check-$name.log"
	echo "=== $name done in $(( $(date +%s) - t0 ))s"
	tally "$name" "build/check-$name.log"
}

# Tier 1: host unit tests of the user-space model.
if [ -d tools/testing/tsm-model ]; then
	run_tier model make -s -C tools/testing/tsm-model check
fi
# Tier 1b: the fuzz targets' saved corpus and seeds, and a short run of
# each (tools/testing/tsm-model/fuzz; make fuzz runs them longer).
if [ -d tools/testing/tsm-model/fuzz ]; then
	run_tier fuzz make -s -C tools/testing/tsm-model/fuzz smoke
fi
# Tier 2: KUnit.
run_tier kunit scripts/kunit.sh
# Tier 3: VM selftests on the debug kernel.
run_tier selftests scripts/selftests.sh
# Tier 4: static gates.
run_tier gates scripts/gates.sh

echo "check: finished in $(( $(date +%s) - start ))s"
echo "$total_pass passed, $total_fail failed"
[ $total_fail -eq 0 ]
