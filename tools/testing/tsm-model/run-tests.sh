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
# The tsm command (tools/tsm) on that evidence, in a sysfs tree of its own.
tsm_ev() {
	local want=$1
	shift
	TSM_SYSFS=$ev/sys "$out/tsm-san" "$@"
	local rc=$?
	[ $rc -eq "$want" ] || { echo "exit $rc, not $want"; return 1; }
}
dev=$ev/sys/bus/pci/devices/0000:01:00.0/tsm
mkdir -p "$dev" "$ev/sys/bus/pci/devices/0000:02:00.0/tsm"
cp "$ev/chain.bin" "$dev/certs"
cp "$ev/meas.bin" "$dev/measurements"
: > "$dev/report"
echo 7 > "$dev/evidence_generation"
echo 0 > "$ev/sys/bus/pci/devices/0000:02:00.0/tsm/evidence_generation"
export -f tsm_ev
export ev out dev
# test-psp signs the measurements over a0 a1 ... bf
nonce=$(printf '%02x' $(seq 160 191))
root=$out/certs/root.pem
echo "# ---- tsm evidence and tsm verify"
cli_test "evidence saves the files; chain.pem verifies with openssl (leaf last)" \
	bash -c 'tsm_ev 0 evidence 01:00.0 --out "$0/out" &&
		cmp "$0/out/certs.bin" "$0/chain.bin" &&
		cmp "$0/out/measurements.bin" "$0/meas.bin" &&
		[ "$(cat "$0/out/generation")" = 7 ] && [ ! -e "$0/out/report.bin" ] &&
		awk "/BEGIN/ { c = \"\" } { c = c \$0 \"\n\" } END { printf \"%s\", c }" \
		"$0/out/chain.pem" > "$0/leaf.pem" &&
		openssl verify -CAfile "$1" -untrusted "$0/out/chain.pem" "$0/leaf.pem"' \
	"$ev" "$root"
cli_test "verify of the device with a PEM root, and of the saved files with DER" \
	bash -c 'tsm_ev 0 verify 0000:01:00.0 --root "$0" | grep -q "signature verified" &&
		tsm_ev 0 verify --dir "$ev/out" --root "${0%.pem}.der"' "$root"
cli_test "verify --nonce: the nonce signed over passes, another exits 5" \
	bash -c 'tsm_ev 0 verify 01:00.0 --root "$0" --nonce "$1" &&
		tsm_ev 5 verify 01:00.0 --root "$0" --nonce "${1/a0/a1}"' "$root" "$nonce"
cli_test "a chain under another root exits 5 (RootHash)" \
	tsm_ev 5 verify 01:00.0 --root "$out/certs/inter.der"
cli_test "a flipped signature byte exits 5; a truncated transcript exits 4" \
	bash -c 'cp -r "$ev/out" "$ev/bad" &&
		printf "\x00" | dd of="$ev/bad/measurements.bin" bs=1 conv=notrunc \
			seek=$(($(stat -c %s "$ev/bad/measurements.bin") - 1)) 2>/dev/null &&
		tsm_ev 5 verify --dir "$ev/bad" --root "$0" &&
		head -c -1 "$ev/out/measurements.bin" > "$ev/bad/measurements.bin" &&
		tsm_ev 4 verify --dir "$ev/bad" --root "$0"' "$root"
cli_test "a chain whose Length is not its size exits 4 (evidence and verify)" \
	bash -c 'cp "$ev/out/measurements.bin" "$ev/bad/certs.bin" &&
		tsm_ev 4 verify --dir "$ev/bad" --root "$0" &&
		cp "$ev/meas.bin" "$dev/certs" && tsm_ev 4 evidence 01:00.0 --out "$ev/o2" &&
		[ ! -e "$ev/o2/chain.pem" ] && cp "$ev/chain.bin" "$dev/certs"' "$root"
# SEV-TIO may return the MEASUREMENTS response alone (object type 1): it
# cannot be verified without the messages its signature covers.
cli_test "a MEASUREMENTS response without its transcript exits 5, and says why" \
	bash -c 'python3 -c "
import sys
b = open(sys.argv[1], \"rb\").read()
k = next(i for i in range(len(b) - 40) if b[i + 1] == 0xe0 and
	 b[i + 38] == 0x60 and b[i] == b[i + 37])
open(sys.argv[2], \"wb\").write(b[k + 37:])" \
			"$ev/out/measurements.bin" "$ev/bad/measurements.bin" &&
		cp "$ev/out/certs.bin" "$ev/bad/certs.bin" &&
		tsm_ev 5 verify --dir "$ev/bad" --root "$0" > "$ev/plain.log" 2>&1 &&
		grep -q "without its transcript" "$ev/plain.log"' "$root"
cli_test "no evidence exits 1; no device exits 3; a missing option exits 2" \
	bash -c 'tsm_ev 1 evidence 02:00.0 --out "$ev/o3" &&
		tsm_ev 3 verify 03:00.0 --root "$0" && tsm_ev 2 verify 01:00.0 &&
		tsm_ev 2 evidence 01:00.0 && tsm_ev 2 verify 01:00.0 --root "$0" --nonce 12' \
	"$root"

# tsm list: IDE stream state read from the Selective IDE Stream blocks of
# both ends of a registered stream (configuration space files).
ide_cfg() {	# ide_cfg FILE STATE: an IDE capability at 0x100, one block, enabled
	python3 - "$1" "$2" <<'PY'
import struct, sys
c = bytearray(4096)
struct.pack_into('<IIII', c, 0x100, 0x30 | 1 << 16, 0x2, 0, 0)
struct.pack_into('<III', c, 0x10c, 0, 1 | 5 << 24, int(sys.argv[2]))
open(sys.argv[1], 'wb').write(c)
PY
}
rp=$ev/sys/bus/pci/devices/0000:00:01.0
mkdir -p "$rp" "$ev/sys/devices/pci0000:00"
ide_cfg "$dev/../config" 2
ide_cfg "$rp/config" 0
ln -sf ../pci0000:00/0000:00:01.0/0000:01:00.0 "$ev/sys/devices/pci0000:00/stream5.0.0"
want='"ide_streams": [{"name": "stream5.0.0", "endpoint": "secure", "root_port": "insecure"}]'
cli_test "list: the stream's state at the Endpoint (secure) and the Root Port (insecure)" \
	bash -c 'tsm_ev 0 list --json | grep -qF "$0" &&
		tsm_ev 0 list | grep -q "ide=stream5.0.0:secure/insecure"' "$want"
cli_test "list: a configuration space cut short reads unknown, a disabled block disabled" \
	bash -c 'head -c 260 "$0/config" > "$0/c" && mv "$0/c" "$0/config" &&
		tsm_ev 0 list | grep -q "ide=stream5.0.0:secure/unknown" &&
		printf "\x00" | dd of="$1/config" bs=1 seek=$((0x110)) conv=notrunc 2>/dev/null &&
		tsm_ev 0 list | grep -q "ide=stream5.0.0:disabled/unknown"' "$rp" "$dev/.."

echo "model: $pass passed, $fail failed"
[ $fail -eq 0 ]
