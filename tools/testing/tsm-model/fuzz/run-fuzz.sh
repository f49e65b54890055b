#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-fuzz.sh smoke|fuzz OUT TARGET...: run the libFuzzer targets built in
# OUT (see Makefile).
#
#   smoke  for every target: each saved input (corpus/TARGET/*.hex, one
#          hex string per file) and each seed (OUT/seeds/TARGET) once, as
#          regression tests; then SMOKE_TIME seconds (default 10) of
#          fuzzing from them.  Prints a TAP line per case and
#          "fuzz: N passed, N failed".
#   fuzz   every target for FUZZ_TIME seconds (default 60), keeping what
#          it finds in OUT/corpus/TARGET; crashes go to OUT/crash/.
#
# Exits non-zero if a target crashed, leaked or hung.
set -uo pipefail

mode=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
smoke_time=${SMOKE_TIME:-10}
fuzz_time=${FUZZ_TIME:-60}
pass=0
fail=0
n=0

result()	# result RC TEXT
{
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - $2"
	else
		fail=$((fail + 1))
		echo "not ok $n - $2"
	fi
}

# The saved corpus, hex in the repository, as the binary inputs it stands for
saved()
{
	local t=$1 f
	rm -rf "$out/saved/$t"
	mkdir -p "$out/saved/$t"
	for f in "$here/corpus/$t"/*.hex; do
		[ -e "$f" ] || continue
		perl -ne 's/\s+//g; print pack("H*", $_)' "$f" \
			> "$out/saved/$t/$(basename "$f" .hex)"
	done
}

# run TARGET LOG ARGS...: the target with its usual options
run()
{
	local t=$1 log=$2
	shift 2
	mkdir -p "$out/crash"
	"$out/fuzz-$t" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/crash/$t-" "$@" > "$log" 2>&1
}

runs()	# the number of executions a log reports
{
	sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -1
}

for t in "$@"; do
	saved "$t"
	log=$out/$t.log
	inputs=$(find "$out/seeds/$t" "$out/saved/$t" -type f 2>/dev/null | sort)
	if [ "$mode" = smoke ]; then
		nr=$(echo "$inputs" | grep -c .)
		# shellcheck disable=SC2086
		run "$t" "$log.replay" $inputs
		rc=$?
		[ "$nr" -gt 0 ] || rc=1
		result $rc "$t: $nr saved inputs and seeds replayed"
		rm -rf "$out/smoke/$t"
		mkdir -p "$out/smoke/$t"
		run "$t" "$log" -max_total_time="$smoke_time" "$out/smoke/$t" \
			"$out/seeds/$t" "$out/saved/$t"
		rc=$?
		result $rc "$t: $(runs "$log") executions in ${smoke_time}s, no crash, leak or hang"
	else
		mkdir -p "$out/corpus/$t"
		run "$t" "$log" -max_total_time="$fuzz_time" "$out/corpus/$t" \
			"$out/seeds/$t" "$out/saved/$t"
		rc=$?
		kept=$(find "$out/corpus/$t" -type f | wc -l)
		result $rc "$t: $(runs "$log") executions in ${fuzz_time}s, corpus of $kept"
	fi
	if [ $rc -ne 0 ]; then
		grep -E 'ERROR|check failed|SUMMARY|Test unit written' "$log"* |
			head -5 | sed 's/^/# /'
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
