#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the debug kernel once and run every VM selftest under
# tools/testing/selftests/tsm/ (KTAP); print "selftests: N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/build/selftests.log
# The fault matrix and the stress tests take most of it under TCG
TSM_VM_TIMEOUT=${TSM_VM_TIMEOUT:-3000} "$top/scripts/vm-run.sh" \
	"$top/tools/testing/selftests/tsm/run_tests.sh" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -cE '^ok [0-9]+ ' "$log")
fail=$(grep -cE '^not ok [0-9]+ ' "$log")
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	# A splat or a VM that never finished fails the tier as a whole.
	fail=1
fi
echo "selftests: $pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
