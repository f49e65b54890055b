#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh OUTDIR: run the host unit test programs of tsm-model and
# print "model: N passed, N failed" (counted from their TAP output).
set -uo pipefail
out=$1
export TSM_MODEL_CERTS=$out/certs
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0
fail=0
for t in test-model test-pcisig; do
	echo "# ---- $t"
	log=$out/$t.tap
	"$out/$t" > "$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -1)
	# A crash (sanitizer abort) loses the tests that did not run.
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=$(( ${planned:-1} - p ))
		[ "$f" -gt 0 ] || f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "model: $pass passed, $fail failed"
[ $fail -eq 0 ]
