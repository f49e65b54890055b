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
# The SPDM socket framing (QEMU's spdm_responder_emu protocol): the
# firmware model against the device model over TCP, both under the
# sanitizers.
socket_test() {
	local name=$1
	shift
	local pf=$out/port.$$ rlog=$out/responder.log flog=$out/firmware.log rpid
	rm -f "$pf"
	"$out/tsm-model-san" responder --listen 0 --port-file "$pf" --certs "$out/certs" \
		2> "$rlog" &
	rpid=$!
	for _ in $(seq 50); do [ -s "$pf" ] && break; sleep 0.1; done
	if [ -s "$pf" ] && "$out/tsm-model-san" firmware --dsm 0000:01:00.0 \
		--socket "127.0.0.1:$(cat "$pf")" --certs "$out/certs" "$@" > "$flog" 2>&1 &&
		wait "$rpid"; then
		echo "ok - socket: $name"
		pass=$((pass + 1))
	else
		echo "not ok - socket: $name"
		sed 's/^/#   /' "$flog" "$rlog"
		fail=$((fail + 1))
		kill "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null
	fi
	rm -f "$pf"
}
echo "# ---- socket framing"
socket_test "SPDM session, IDE_KM and TDISP over the socket framing" \
	vca certs challenge measurements session heartbeat key-update ide-query ide-keys \
	ide-go lock '!bad-start' report state=CONFIG_LOCKED start state=RUN stop \
	state=CONFIG_UNLOCKED ide-stop end
socket_test "TDISP refuses to lock without keys set to go" \
	vca certs session '!lock' state=CONFIG_UNLOCKED end
socket_test "the requester rejects a foreign trust anchor" \
	--root "$out/certs/leaf.der" '!certs'

echo "model: $pass passed, $fail failed"
[ $fail -eq 0 ]
