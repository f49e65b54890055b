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
# test-psp leaves a measurement transcript and its chain here
export TSM_MODEL_EVIDENCE=$out/evidence
rm -rf "$TSM_MODEL_EVIDENCE"
mkdir -p "$TSM_MODEL_EVIDENCE"
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

# The evidence utilities on what test-psp's firmware produced.
cli_test() {
	local name=$1
	shift
	if "$@" > "$out/cli.log" 2>&1; then
		echo "ok - cli: $name"
		pass=$((pass + 1))
	else
		echo "not ok - cli: $name"
		sed 's/^/#   /' "$out/cli.log"
		fail=$((fail + 1))
	fi
}
ev=$TSM_MODEL_EVIDENCE
echo "# ---- evidence utilities"
cli_test "verify-meas accepts the firmware's measurement transcript" \
	"$out/tsm-model-san" verify-meas "$ev/chain.bin" "$ev/meas.bin"
head -c -1 "$ev/meas.bin" > "$ev/meas-short.bin" 2>/dev/null
cli_test "verify-meas refuses a truncated transcript" \
	bash -c '! "$0" verify-meas "$1" "$2"' "$out/tsm-model-san" "$ev/chain.bin" \
	"$ev/meas-short.bin"
cli_test "pem-chain output verifies with openssl to the test root (leaf last)" \
	bash -c '"$0" pem-chain "$1" "$2" &&
		awk "/BEGIN/ { c = \"\" } { c = c \$0 \"\n\" } END { printf \"%s\", c }" \
		"$2" > "$2.leaf" && openssl verify -CAfile "$3" -untrusted "$2" "$2.leaf"' \
	"$out/tsm-model-san" "$ev/chain.bin" "$ev/chain.pem" "$out/certs/root.pem"
cli_test "pem-chain refuses a chain whose Length is not its size" \
	bash -c '! "$0" pem-chain "$1" "$2"' "$out/tsm-model-san" "$ev/meas.bin" "$ev/x.pem"

echo "model: $pass passed, $fail failed"
[ $fail -eq 0 ]
