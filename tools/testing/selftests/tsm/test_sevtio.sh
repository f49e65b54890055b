#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The AMD SEV-TIO host backend (drivers/crypto/ccp) against the firmware
# model: the emulated PSP (tsm_emu_psp) hands every firmware command to
# `tsm-model psp`, which runs SPDM, IDE_KM and TDISP with `tsm-model
# device` through the kernel's DOE path.  Connect, IDE Secure on both
# ends, evidence read and verified, disconnect, reconnect, forced
# disconnect, several devices, firmware errors at each step with full
# cleanup, unregistration with devices connected, bind to a VM with
# guest requests.  The platform is reloaded with two emulated host
# bridges (domains), so that devices under different ones are connected
# at the same time.
. /tests/ktap_helpers.sh
. /tests/lib.sh

CTL=/tmp/sevtio.ctl
DLOG=/tmp/sevtio-device.log
PLOG=/tmp/sevtio-psp.log
DBG=/sys/kernel/debug/tsm_emu_psp
STATS=$DBG/stats
CERTS=/etc/tsm-model
E=/tmp/sevtio
DOM2=$(printf '%04x' $((0x$TSM_EMU_DOMAIN + 1)))
HB2=/sys/devices/pci$DOM2:00
DSM2=$DOM2:01:00.0
RP2=$DOM2:00:00.0

ktap_print_header
ktap_set_plan 116

# fault WORDS: the control words of both models
fault()
{
	echo "$*" > "$CTL"
	# The models notice a change of the file's modification time.
	sleep 0.05
}

# ide_secure DEV: the first Selective IDE stream of DEV reads Secure
ide_secure()
{
	tsm_expect_eq 2 "$(ide_state "$1" 0)" "$1 IDE stream state"
}

connected()
{
	tsm_expect_eq "$TIO" "$(tsm_read "$TSM_PCI/$1/tsm/connect")" "$1 connect"
}

disconnected()
{
	tsm_expect_eq "" "$(tsm_read "$TSM_PCI/$1/tsm/connect")" "$1 connect"
}

# clean [PAGES]: no stream registered and the firmware holds PAGES pages
# (default: what it held with no device connected)
clean()
{
	tsm_expect_eq 0:0 "$(nr_streams):$(nr_streams "$HB2")" "streams left" &&
		tsm_expect_eq "${1:-$base_pages}" "$(peer_stat private)" \
			"firmware-owned pages"
}

connect()
{
	wr "$TIO" "$TSM_PCI/$1/tsm/connect"
}

disconnect()
{
	wr "$TIO" "$TSM_PCI/$1/tsm/disconnect"
}

mkdir -p "$E"
unload_platform
tsm_check "the emulated platform with two host bridges" \
	sh -c "modprobe tsm_emu nr_domains=2 && modprobe tsm_emu_bridge &&
	       test -e $HB2 -a -e $TSM_PCI/$DSM2"
tsm_check "modprobe tsm_emu_psp (and ccp)" modprobe tsm_emu_psp

: > "$CTL"
tsm-model device --certs "$CERTS" --ctl "$CTL" 2> "$DLOG" &
dmodel=$!
tsm-model psp --certs "$CERTS" --ctl "$CTL" -v 2> "$PLOG" &
pmodel=$!
models_attached()
{
	wait_for attached "$DLOG" && wait_for attached "$PLOG"
}
tsm_check "device and firmware models attached" models_attached

before=" $(ls /sys/class/tsm | tr '\n' ' ') "
wr 1 "$DBG/tio"
TIO=
for t in $(ls /sys/class/tsm); do
	case "$before" in
	*" $t "*) ;;
	*) TIO=$t ;;
	esac
done
tsm_check "SEV-TIO registered a link TSM ($TIO) after TIO_STATUS/TIO_INIT" \
	tsm_expect_eq link "$(tsm_read "/sys/class/tsm/$TIO/pci_mode")" "pci_mode"
base_pages=$(peer_stat private)
echo "# $TIO registered, $base_pages firmware-owned pages"

# --- connect, IDE, evidence ---------------------------------------------
D=$TSM_PCI/$TSM_DSM_MFD/tsm
tsm_check "connect $TSM_DSM_MFD" connect "$TSM_DSM_MFD"
tsm_check "tsm/connect names $TIO" connected "$TSM_DSM_MFD"
tsm_check "IDE stream Secure on the endpoint" ide_secure "$TSM_DSM_MFD"
tsm_check "IDE stream Secure on the root port" ide_secure "$TSM_RP0"
tsm_check "every PCI/TSM sysfs file of the host has a Documentation/ABI entry" \
	abi_documented
tsm_check "the stream is registered under the host bridge" \
	tsm_expect_eq 1 "$(nr_streams)" streams
# The settings AMD's root complex requires (sev_tio_ide_settings()):
# Control: CFG_EN 0x200, DEFAULT 0x400000, TEE_LIMITED 0x800000;
# RID association 0..0xffff at both ends.
ide_amd()
{
	ec=$((0x$(ide_ctl "$TSM_DSM_MFD" 0)))
	rc=$((0x$(ide_ctl "$TSM_RP0" 0)))
	eb=$(ide_sel_block "$TSM_DSM_MFD" 0)
	rb=$(ide_sel_block "$TSM_RP0" 0)
	tsm_expect_eq "c00000:200" \
		"$(printf '%x:%x' $((ec & 0xc00200)) $((rc & 0xc00200)))" \
		"EP:RP default, TEE-limited, config" || return 1
	e1=$((0x$(cfg_read32 "$TSM_DSM_MFD" $((eb + 12))) & 0xffff00))
	e2=$((0x$(cfg_read32 "$TSM_DSM_MFD" $((eb + 16))) & 0xffff01))
	r1=$((0x$(cfg_read32 "$TSM_RP0" $((rb + 12))) & 0xffff00))
	r2=$((0x$(cfg_read32 "$TSM_RP0" $((rb + 16))) & 0xffff01))
	tsm_expect_eq "ffff00:1:ffff00:1" "$(printf '%x:%x:%x:%x' $e1 $e2 $r1 $r2)" \
		"RID limit:base|valid of EP and RP"
}
tsm_check "IDE settings of SEV-TIO: EP default and TEE-limited, RP config, RIDs 0..ffff" \
	ide_amd

cat "$D/certs" > $E/certs.bin
cat "$D/measurements" > $E/meas.bin
tsm_check "certificate chain and measurements are readable" \
	test -s $E/certs.bin -a -s $E/meas.bin
saved()
{
	tsm evidence "$TSM_DSM_MFD" --out $E/ev > $E/ev.log &&
		cmp -s $E/ev/certs.bin $E/certs.bin && cmp -s $E/ev/measurements.bin $E/meas.bin &&
		tsm_expect_eq "3:$(tsm_read "$D/evidence_generation")" \
			"$(grep -c 'BEGIN CERT' $E/ev/chain.pem):$(cat $E/ev/generation)" \
			"PEM certificates:generation"
}
tsm_check "tsm evidence saves the chain (DER and PEM), measurements, generation" saved
openssl x509 -inform DER -in "$CERTS/root.der" -out $E/root.pem
# The leaf is the last certificate of the chain
awk -v d=$E '/BEGIN CERT/ { n++ } { print > (d "/cert" n ".pem") }' $E/ev/chain.pem
leaf=$(ls $E/cert*.pem | sort | tail -1)
tsm_check "openssl verify of the exported chain against the test root" \
	openssl verify -CAfile $E/root.pem -untrusted $E/ev/chain.pem "$leaf"
tsm_check "tsm verify: the chain verifies to the test root, and the measurement signature" \
	sh -c "tsm verify $TSM_DSM_MFD --root $E/root.pem | grep -q 'signature verified'"
tsm_check "tsm verify of a chain under another root: exit 5" \
	tsm_expect_eq 5 "$(tsm verify "$TSM_DSM_MFD" --root "$CERTS/leaf.der" \
		> /dev/null 2>&1; echo $?)" "exit status"

gen1=$(tsm_read "$D/evidence_generation")
tsm_check "evidence generation is set ($gen1)" test "${gen1:-0}" -gt 0
head -c 32 /dev/urandom > $E/nonce
nonce=$(hexdump -v -e '/1 "%02x"' $E/nonce)
tsm_check "writing a nonce refreshes the measurements" \
	sh -c "cat $E/nonce > $D/measurements"
gen2=$(tsm_read "$D/evidence_generation")
cat "$D/measurements" > $E/meas2.bin
tsm_check "new generation ($gen2), new measurements, signed over our nonce" \
	sh -c "[ $gen2 -gt $gen1 ] && ! cmp -s $E/meas.bin $E/meas2.bin &&
	       tsm verify $TSM_DSM_MFD --root $CERTS/root.der --nonce $nonce > /dev/null"
tsm_check "tsm verify --nonce with the old nonce: exit 5" \
	tsm_expect_eq 5 "$(tsm verify --dir $E/ev --root $E/root.pem --nonce $nonce \
		> /dev/null 2>&1; echo $?)" "exit status"
tsm_check "a nonce of the wrong size (16 bytes) is refused: EINVAL" \
	tsm_write_fails "$EINVAL" 0123456789abcde "$D/measurements"

# --- IDE key refresh (TIO_ROLL_KEY) ----------------------------------------
# The firmware model rolls the keys over IDE_KM (endpoint) and the root
# port path; the emulated link fails the stream for good if traffic ever
# hits a key set its receiver lacks.
NREFRESH=20
tsm_check "refresh of a device that is not connected: ENOTCONN" \
	tsm_write_fails "$ENOTCONN" 1 "$TSM_PCI/$TSM_DSM/tsm/ide_refresh"
tsm_check "the stream uses key set K0 at both ends" \
	tsm_expect_eq K0:K0 "$(ide_txsets "$TSM_DSM_MFD" "$TSM_RP0")" "Tx key sets EP:RP"
refused0=$(ide_refused "$TSM_DSM_MFD" "$TSM_RP0")
ide_refresh_loop "$TSM_DSM_MFD" "$TSM_RP0" $NREFRESH $E/polls $E/stop
tsm_check "$NREFRESH refreshes (ROLL_KEY), every write succeeded" \
	tsm_expect_eq "0:$NREFRESH" "$refresh_fails:$(tsm_read "$D/ide_refresh")" "failed:count"
tsm_check "... key sets alternated at both ends" test $refresh_alternated -eq 1
tsm_check "... Secure at both ends at every read" ide_polls_secure $E/polls
tsm_check "... no traffic refused by the emulated link" \
	tsm_expect_eq "$refused0" "$(ide_refused "$TSM_DSM_MFD" "$TSM_RP0")" "refused EP:RP"
tsm_check "... the evidence did not change" \
	tsm_expect_eq "$gen2" "$(tsm_read "$D/evidence_generation")" evidence_generation
fault "fw-status=0xe5:0x16"
tsm_check "ROLL_KEY refused (INVALID_PARAM): EINVAL, the link is kept" \
	sh -c "! echo 1 > $D/ide_refresh 2> $E/err && grep -q '$EINVAL' $E/err &&
	       [ \"\$(cat $D/connect)\" = $TIO ]"
fault ""
refresh_again()
{
	ide_secure "$TSM_DSM_MFD" && ide_secure "$TSM_RP0" && wr 1 "$D/ide_refresh"
}
tsm_check "... still Secure, the next refresh works" refresh_again
fault "fw-status=0xe5:0x33:2"
tsm_check "ROLL_KEY fails in SPDM round 2 (SPDM_ERROR): EPROTO" \
	tsm_write_fails "Protocol error" 1 "$D/ide_refresh"
fault ""
refresh_lost()
{
	disconnected "$TSM_DSM_MFD" &&
		tsm_expect_eq 0 "$(tsm_read "$D/ide_refresh")" ide_refresh && clean
}
tsm_check "... the link counts as lost: disconnected, nothing left" refresh_lost
refresh_said()
{
	dmesg | grep -q \
		"$TSM_DSM_MFD: PCI/TSM: $TIO: secure link lost after a failed key refresh"
}
tsm_check "... the kernel said why" refresh_said
tsm_check "connected again" connect "$TSM_DSM_MFD"

# --- second device, disconnect, reconnect ---------------------------------
tsm_check "connect a second device $TSM_DSM" connect "$TSM_DSM"
tsm_check "two streams registered" tsm_expect_eq 2 "$(nr_streams)" streams
tsm_check "connect $DSM2 under the second host bridge" connect "$DSM2"
secure2()
{
	ide_secure "$DSM2" && ide_secure "$RP2"
}
tsm_check "its IDE stream is Secure on the endpoint and its root port" secure2
tsm_check "its stream is registered under the second host bridge only" \
	tsm_expect_eq 2:1 "$(nr_streams):$(nr_streams "$HB2")" "streams (first:second)"
evidence2()
{
	cat "$TSM_PCI/$DSM2/tsm/certs" > $E/certs2.bin &&
		cat "$TSM_PCI/$DSM2/tsm/measurements" > $E/meas-hb2.bin &&
		tsm verify "$DSM2" --root $E/root.pem > /dev/null
}
tsm_check "its own evidence verifies" evidence2
tsm_check "disconnect $DSM2" disconnect "$DSM2"
tsm_check "disconnect $TSM_DSM" disconnect "$TSM_DSM"
tsm_check "disconnect $TSM_DSM_MFD" disconnect "$TSM_DSM_MFD"
no_evidence()
{
	tsm_expect_eq "0:0" "$(wc -c < "$D/certs"):$(tsm_read "$D/evidence_generation")" \
		"certificate bytes:generation" && clean
}
tsm_check "no stream, no evidence, no firmware page left" no_evidence

# Four devices under two host bridges at once: the firmware mailbox is
# held per command, so their SPDM rounds interleave (lockdep watches)
ALL4="$TSM_DSM_MFD $TSM_DSM $DSM2 $DOM2:02:00.0"
all4()
{
	for d in $ALL4; do
		echo "$TSM_PCI/$d/tsm/$1"
	done
}
at_once()
{
	out=$(tsm_bench write "$TIO" $(all4 "$1")) || { echo "$out" | sed 's/^/# /'; return 1; }
	echo "# $1 at once: $(echo "$out" | head -1)"
}
tsm_check "connect four devices at once" at_once connect
all4_secure()
{
	for d in $ALL4; do
		connected "$d" && ide_secure "$d" || return 1
	done
	tsm_expect_eq 2:2 "$(nr_streams):$(nr_streams "$HB2")" streams
}
tsm_check "all four connected, Secure, one stream each" all4_secure
disconnect_all4()
{
	at_once disconnect && clean
}
tsm_check "disconnect them at once, nothing left" disconnect_all4
tsm_check "reconnect" connect "$TSM_DSM_MFD"
gen3=$(tsm_read "$D/evidence_generation")
tsm_check "reconnect gives a new evidence generation ($gen3)" \
	test "${gen3:-0}" -gt "$gen2"

# --- forced disconnect: the clean DEV_DISCONNECT fails ---------------------
fault "fw-status=0xd5:0x33"
tsm_check "disconnect falls back to FORCE when the firmware refuses" \
	disconnect "$TSM_DSM_MFD"
tsm_check "the forced disconnect left nothing behind" clean
tsm_check "the kernel said why" \
	sh -c "dmesg | grep -q 'SEV-TIO.*SPDM_ERROR'"

# --- firmware errors at each step of connect ------------------------------
# fw_fail CMD STATUS[:ROUND] ERRNO_TEXT: connect fails with ERRNO_TEXT,
# nothing is left behind, and the next connect works.
fw_fail()
{
	fault "fw-status=$1:$2"
	tsm_write_fails "$3" "$TIO" "$TSM_PCI/$TSM_DSM_MFD/tsm/connect" || return 1
	disconnected "$TSM_DSM_MFD" || return 1
	clean || return 1
	connect "$TSM_DSM_MFD" && disconnect "$TSM_DSM_MFD" && clean
}
tsm_check "DEV_CREATE fails (RESOURCE_LIMIT): ENOSPC, clean" \
	fw_fail 0xd2 0x17 "No space left"
tsm_check "DEV_CONNECT fails (SPDM_ERROR): EPROTO, clean" \
	fw_fail 0xd4 0x33 "Protocol error"
# the commands the firmware model answered, one line each, repeats folded
fw_cmds()
{
	sed -n 's/^tsm-model: psp: \([A-Z_]*\) (0x[0-9a-f]*) -> status .*/\1/p' "$PLOG" | uniq
}
# A DEV_CONNECT that failed after SPDM traffic: the forced DEV_DISCONNECT
# comes before DEV_RECLAIM
connect_failed_forced()
{
	fault "fw-status=0xd4:0x35:3"
	tsm_write_fails "Software caused connection abort" "$TIO" \
		"$TSM_PCI/$TSM_DSM_MFD/tsm/connect" || return 1
	tsm_expect_eq "DEV_CONNECT:DEV_DISCONNECT:DEV_RECLAIM" \
		"$(fw_cmds | tail -3 | tr '\n' ':' | sed 's/:$//')" "last commands" || return 1
	disconnected "$TSM_DSM_MFD" && clean
}
tsm_check "DEV_CONNECT fails in SPDM round 3: forced DEV_DISCONNECT, DEV_RECLAIM, clean" \
	connect_failed_forced
fault ""
# Evidence that cannot be fetched leaves the link up, the evidence empty
evidence_fails()
{
	fault "fw-status=$1:$2"
	connect "$TSM_DSM_MFD" || return 1
	fault ""
	ide_secure "$TSM_DSM_MFD" "$TSM_RP0" || return 1
	tsm_expect_eq "$3" "$(wc -c < "$D/certs"):$(wc -c < "$D/measurements")" \
		"certificate:measurement bytes" || return 1
	dmesg | grep -q "SEV-TIO: the device's evidence could not be fetched" || return 1
	disconnect "$TSM_DSM_MFD" && clean
}
tsm_check "DEV_CERTIFICATES fails (INVALID_CERTIFICATE): connected, Secure, no evidence" \
	evidence_fails 0xd8 0x06 "0:0"
tsm_check "DEV_MEASUREMENTS fails (BAD_MEASUREMENT): connected, Secure, no evidence" \
	evidence_fails 0xd7 0x0b "0:0"

# --- a hand-over to the firmware that fails part-way -----------------------
# The emulated RMP leaves half the pages of the failed hand-over
# firmware-owned for good: the backend must leak every page of that call,
# never free one (the emulator counts firmware-owned pages that went back
# to the allocator in freed_private).
handover_fails()
{
	stuck0=$(peer_stat stuck)
	echo "$1" > $DBG/fail_private
	tsm_write_fails "Input/output error" "$TIO" "$TSM_PCI/$TSM_DSM_MFD/tsm/connect" ||
		return 1
	tsm_expect_eq "0:0" "$(cat $DBG/fail_private):$(peer_stat freed_private)" \
		"fail_private:freed_private" || return 1
	test "$(peer_stat stuck)" -gt "$stuck0" || return 1
	dmesg | grep -q "SEV-TIO: [0-9]* pages could not be handed to the firmware (-5)" ||
		return 1
	disconnected "$TSM_DSM_MFD" || return 1
	# the stuck pages stay firmware-owned; everything else came back
	base_pages=$((base_pages + $(peer_stat stuck) - stuck0))
	clean && connect "$TSM_DSM_MFD" && disconnect "$TSM_DSM_MFD" && clean
}
tsm_check "the device context's hand-over fails part-way: EIO, its pages leaked, not freed" \
	handover_fails 1
tsm_check "the SPDM output buffer's hand-over fails part-way: the same" \
	handover_fails 4

# --- a reclaim the emulated RMP refuses -------------------------------------
# The firmware model marks the pages of the contexts it uses; the RMP
# refuses to give such a page back (the Context state).  A firmware that
# answers DEV_RECLAIM but keeps using the context (fw-keep-ctx): the
# backend's reclaim is refused and it must leak the pages, never free
# them.
contexts()
{
	connect "$TSM_DSM_MFD" &&
		tsm_expect_eq 1 "$(peer_stat context)" "live context pages" &&
		disconnect "$TSM_DSM_MFD" &&
		tsm_expect_eq 0 "$(peer_stat context)" "live context pages" && clean
}
tsm_check "the device context is a live context page while connected, released after" \
	contexts
reclaim_refused()
{
	p0=$(peer_stat private)
	connect "$TSM_DSM_MFD" || return 1
	fault "fw-keep-ctx"
	disconnect "$TSM_DSM_MFD" || return 1
	fault ""
	msg="SEV-TIO: [0-9]* firmware pages could not be reclaimed (-16), leaking them"
	dmesg | grep -q "$msg" || return 1
	tsm_expect_eq "0:1" "$(peer_stat freed_private):$(peer_stat context)" \
		"freed_private:context" || return 1
	test "$(peer_stat private)" -gt "$p0" || return 1
	disconnected "$TSM_DSM_MFD" || return 1
	# the kept context's pages stay firmware-owned; everything else came back
	kept_ctx=$(($(peer_stat private) - p0))
	base_pages=$((base_pages + kept_ctx))
	clean && connect "$TSM_DSM_MFD" && disconnect "$TSM_DSM_MFD" && clean
}
kept_ctx=0
tsm_check "the firmware keeps the device context after DEV_RECLAIM: reclaim refused, pages leaked" \
	reclaim_refused

# --- certificate slot (ccp module parameter tio_cert_slot) ---------------
SLOT=/sys/module/ccp/parameters/tio_cert_slot
D2=$TSM_PCI/$TSM_DSM/tsm
slot1()
{
	echo 1 > $SLOT && connect "$TSM_DSM" &&
		grep -q "DEV_CONNECT $TSM_DSM, certificate slot 1" "$PLOG" &&
		tsm verify "$TSM_DSM" --root $E/root.pem > /dev/null &&
		disconnect "$TSM_DSM"
}
tsm_check "connect with certificate slot 1: the firmware uses it, evidence verifies" slot1
echo 2 > $SLOT
tsm_check "slot 2, not provisioned on the device: EPROTO" \
	tsm_write_fails "Protocol error" "$TIO" "$D2/connect"
tsm_check "... and leaves nothing behind" clean
echo 8 > $SLOT
tsm_check "slot 8 does not exist: EINVAL" \
	tsm_write_fails "$EINVAL" "$TIO" "$D2/connect"
tsm_check "the kernel names the bad slot" \
	sh -c "dmesg | grep -q 'SEV-TIO: invalid certificate slot 8'"
echo 0 > $SLOT

fault "fw-expand=output:65536"
tsm_check "EXPAND_BUFFER_LENGTH_REQUEST: the output buffer grows to 64 KiB" \
	connect "$TSM_DSM_MFD"
tsm_check "... the grown buffer is firmware-owned while connected" \
	test "$(peer_stat private)" -ge $((base_pages + 16))
disconnect_clean()
{
	disconnect "$1" && clean
}
tsm_check "... and reclaimed with the rest on disconnect" \
	disconnect_clean "$TSM_DSM_MFD"
fault "fw-expand=output:4096"
tsm_check "EXPAND_BUFFER_LENGTH_REQUEST naming no larger buffer: EFAULT" \
	tsm_write_fails "Bad address" "$TIO" "$D/connect"
tsm_check "... and leaves nothing behind" clean
fault "fw-expand=scratch:2097152"
tsm_check "EXPAND_BUFFER_LENGTH_REQUEST beyond the 1 MiB bound: E2BIG" \
	tsm_write_fails "Argument list too long" "$TIO" "$D/connect"
tsm_check "... and leaves nothing behind" clean
fault "fw-expand-loop"
tsm_check "endless EXPAND_BUFFER_LENGTH_REQUEST is refused" \
	tsm_write_fails "Bad address" "$TIO" "$D/connect"
tsm_check "... and leaves nothing behind" clean
fault ""

# --- bind to a VM, interface report, guest requests, unbind --------------
# debugfs vm stands in for KVM: one VM with a firmware-owned guest context.
V=$DBG/vm
BR=/sys/kernel/debug/tsm_emu_bridge
F=$TSM_PCI/$TSM_FN1/tsm

# greq DEV HEX: a guest request for DEV; prints "rc RC code CODE", the
# response header (16 bytes) and the first 8 bytes of the body in hex
greq()
{
	wr "req $1 $2" $V || return 1
	{ read -r l1; read -r l2; } < $V
	echo "$l1${l2:+ $(echo "$l2" | cut -c 1-32) $(echo "$l2" | cut -c 33-48)}"
}
# le64 N: N as 8 little-endian bytes in hex
le64()
{
	printf '%02x%02x%02x%02x00000000' $(($1 & 0xff)) $((($1 >> 8) & 0xff)) \
		$((($1 >> 16) & 0xff)) $((($1 >> 24) & 0xff))
}
# tdi_info ID SEQNO: TDI_INFO_REQ (19), version 1, 16 bytes, the message
# sequence number SEQNO (the firmware takes only its last one plus one);
# body: guest device ID
tdi_info()
{
	printf '1301100000000000%s%02x%02x0000000000000000000000000000' \
		"$(le64 "$2")" $(($1 & 0xff)) $(($1 >> 8))
}
tdi_state()
{
	tsm_expect_eq "$2" "$(cat "$BR/$1/tdi_state")" "$1 TDISP state"
}
# report_ok FILE: an interface report with at least one MMIO range,
# all of them inside the file
report_ok()
{
	n=$(od -An -tu4 -j 12 -N 4 "$1" | tr -d ' ')
	size=$(wc -c < "$1")
	[ "${n:-0}" -ge 1 ] && [ "$size" -ge $((16 + 16 * n)) ] ||
		{ echo "# report: $size bytes, ${n:-?} ranges"; return 1; }
}

tsm_check "bind without a VM: ENODEV" \
	tsm_write_fails "No such device" "bind $TSM_DSM_MFD 16" $V
p0=$(peer_stat private)
tsm_check "creating the VM makes its guest context page firmware-owned" \
	sh -c "echo create > $V && [ \$(sed -n 's/^private //p' $STATS) -eq $((p0 + 1)) ]"
vm_pages=$((p0 + 1))
tsm_check "bind of a device that is not connected: ENXIO" \
	tsm_write_fails "$ENXIO" "bind $TSM_DSM_MFD 16" $V
connect "$TSM_DSM_MFD"
g0=$(tsm_read "$D/evidence_generation")
tsm_check "bind $TSM_DSM_MFD to the VM (TDI_CREATE, TDI_BIND)" \
	wr "bind $TSM_DSM_MFD 16" $V
tsm_check "tsm/bound names $TIO" \
	tsm_expect_eq "$TIO" "$(tsm_read "$D/bound")" bound
tsm_check "the interface is CONFIG_LOCKED on the device" \
	tdi_state "$TSM_DSM_MFD" CONFIG_LOCKED
cat "$D/report" > $E/report.bin
tsm_check "the interface report is readable and well formed" \
	report_ok $E/report.bin
tsm_check "binding changed the evidence generation" \
	test "$(tsm_read "$D/evidence_generation")" -gt "$g0"
tsm_check "binding it again: EBUSY" \
	tsm_write_fails "$EBUSY" "bind $TSM_DSM_MFD 16" $V

# TDI_INFO_RSP (20), version 1, 192 bytes, the sequence number plus one;
# guest ID; status 0 (bound to this guest) or 1 (another guest)
tsm_check "guest request TDI_INFO for its own guest device ID: status 0" \
	expect_out "rc 4096 code 0 1401c00000000000$(le64 2) 1000000000000000" \
	greq "$TSM_DSM_MFD" "$(tdi_info 16 1)"
tsm_check "guest request naming another guest device ID: status 1" \
	expect_out "rc 4096 code 0 1401c00000000000$(le64 4) 1100010000000000" \
	greq "$TSM_DSM_MFD" "$(tdi_info 17 3)"
tsm_check "malformed guest request: the firmware's status INVALID_PARAM (22) is the code" \
	expect_out "rc 0 code 22" \
	greq "$TSM_DSM_MFD" "1302100000000000$(le64 5)"
# As SNP's: the firmware takes a message only at the next sequence number
tsm_check "a replayed guest message (sequence number 3 again) is refused: INVALID_PARAM" \
	expect_out "rc 0 code 22" \
	greq "$TSM_DSM_MFD" "$(tdi_info 17 3)"
tsm_check "... so is one that skips a number (7)" \
	expect_out "rc 0 code 22" \
	greq "$TSM_DSM_MFD" "$(tdi_info 16 7)"
tsm_check "... and neither spent one: number 5 is taken" \
	expect_out "rc 4096 code 0 1401c00000000000$(le64 6) 1000000000000000" \
	greq "$TSM_DSM_MFD" "$(tdi_info 16 5)"
tsm_check "guest request for a function not bound: ENXIO" \
	tsm_write_fails "$ENXIO" "req $TSM_DSM $(tdi_info 16 7)" $V

tsm_check "bind function 1 of the device as well" wr "bind $TSM_FN1 17" $V
fn1_report()
{
	cat "$F/report" > $E/report1.bin && report_ok $E/report1.bin
}
tsm_check "function 1 has its own report" fn1_report
tsm_check "unbind $TSM_DSM_MFD" wr "unbind $TSM_DSM_MFD" $V
tsm_check "unbound: CONFIG_UNLOCKED, no report" \
	sh -c "[ \"\$(cat $BR/$TSM_DSM_MFD/tdi_state)\" = CONFIG_UNLOCKED ] &&
	       [ -z \"\$(cat $D/bound)\" ] && [ ! -s $D/report ]"
tsm_check "unbinding it again: ENXIO" \
	tsm_write_fails "$ENXIO" "unbind $TSM_DSM_MFD" $V

# Firmware errors on bind: the interface context is reclaimed
bind_fails()
{
	fault "fw-status=$1:$2"
	tsm_write_fails "$3" "bind $TSM_DSM_MFD 16" $V || return 1
	tsm_expect_eq "" "$(tsm_read "$D/bound")" bound || return 1
	tsm_expect_eq "$4" "$(peer_stat private)" "firmware-owned pages"
}
p1=$(peer_stat private)
tsm_check "TDI_CREATE fails (RESOURCE_LIMIT): ENOSPC, nothing left" \
	bind_fails 0xda 0x17 "No space left" "$p1"
tsm_check "TDI_BIND fails (INVALID_TDI_STATE): EBUSY, context reclaimed" \
	bind_fails 0xdc 0x3c "$EBUSY" "$p1"
fault ""
tsm_check "bind works again after the failures" wr "bind $TSM_DSM_MFD 16" $V

tsm_check "disconnect with both functions bound unbinds them first" \
	disconnect "$TSM_DSM_MFD"
tsm_check "... nothing bound, no report, only the VM page left" \
	sh -c "[ -z \"\$(cat $F/bound)\" ] && [ ! -s $F/report ] &&
	       [ \$(sed -n 's/^private //p' $STATS) -eq $vm_pages ]"
connect "$TSM_DSM_MFD"
p2=$(peer_stat private)
tsm_check "TDI_BIND fails in SPDM round 2 (SPDM_ERROR): EPROTO, reclaimed" \
	bind_fails 0xdc 0x33:2 "Protocol error" "$p2"
fault ""
tsm_check "the SPDM error ended the device's session: bind refused (EBUSY)" \
	tsm_write_fails "$EBUSY" "bind $TSM_DSM_MFD 16" $V
tsm_check "... until the device is disconnected and connected again" \
	sh -c "echo $TIO > $D/disconnect && echo $TIO > $D/connect &&
	       echo 'bind $TSM_DSM_MFD 16' > $V"
tsm_check "destroying the VM unbinds its functions and reclaims its page" \
	sh -c "echo destroy > $V && [ -z \"\$(cat $D/bound)\" ]"
tsm_check "... and its last guest response with it (ENODATA)" \
	sh -c "! cat $V 2>/dev/null"
tsm_check "a second VM can be created and destroyed" \
	sh -c "echo create > $V && echo destroy > $V"
disconnect "$TSM_DSM_MFD"
tsm_check "... every page back" clean

# --- unregister with devices connected ---------------------------------------
connect "$TSM_DSM_MFD"
connect "$TSM_DSM"
tsm_check "unregistering the TSM with two devices connected" wr 0 "$DBG/tio"
all_released()
{
	disconnected "$TSM_DSM" && disconnected "$TSM_DSM_MFD" &&
		clean "$(($(peer_stat stuck) + kept_ctx))"
}
tsm_check "devices disconnected, streams and every firmware page released" \
	all_released
tsm_check "$TIO is gone" test ! -e "/sys/class/tsm/$TIO"

echo "# psp model: $(grep -c -- '-> status' "$PLOG") commands"
grep -i "error\|fail" "$PLOG" | head -5 | sed 's/^/# psp: /'

# --- the firmware goes away with devices connected and bound --------------
kill "$pmodel"
wait "$pmodel"
tsm-model psp --certs "$CERTS" --ctl "$CTL" 2> "$PLOG" &
pmodel=$!
wait_for attached "$PLOG"
wr 1 "$DBG/tio"
TIO=$(tsm_by_mode link)
connect "$TSM_DSM_MFD"
connect "$DSM2"
wr create $V
tsm_check "registered again: two devices connected, one bound to the VM" \
	sh -c "echo 'bind $TSM_DSM_MFD 16' > $V && [ \"\$(cat $D/bound)\" = $TIO ] &&
	       [ \"\$(cat $TSM_PCI/$DSM2/tsm/connect)\" = $TIO ]"
kill -9 "$pmodel"
wait "$pmodel" 2>/dev/null
gone()
{
	i=0
	while [ "$(cat "$DBG/tio")" != 0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tsm_expect_eq "0::" "$(cat "$DBG/tio"):$(tsm_read "$D/connect"):$(tsm_read "$D/bound")" \
		"tio:connect:bound"
}
tsm_check "the firmware model is killed: the TSM is unregistered, devices disconnected" \
	gone
# The dead firmware released no context: the backend leaked them (and
# said how many pages at unregistration), never freed them
leaked=$(dmesg | sed -n 's/.*SEV-TIO: \([0-9]*\) pages were leaked.*/\1/p' | tail -1)
stuck=$(peer_stat stuck)
kept=$((1 + stuck + ${leaked:-0} + kept_ctx))
tsm_check "... no stream left; firmware-owned: the VM's page, the contexts kept (${leaked:-0})" \
	sh -c "[ ${leaked:-0} -gt 0 ] && [ \$(sed -n 's/^private //p' $STATS) -eq $kept ]"
kill "$dmodel"
wait "$dmodel" 2>/dev/null
tsm_check "tsm_emu_psp unloads (destroying the VM)" rmmod tsm_emu_psp
left_ok()
{
	left=$(dmesg |
		sed -n 's/.*tsm_emu_psp: \([0-9]*\) pages left firmware-owned at unload.*/\1/p' |
		tail -1)
	tsm_expect_eq "$((stuck + ${leaked:-0} + kept_ctx))" "${left:-0}" \
		"pages left firmware-owned (stuck + leaked)"
}
tsm_check "the only pages left firmware-owned are those the backend leaked on purpose" \
	left_ok

# Back to the platform the other tests expect
for m in tsm_emu_bridge tsm_emu; do
	rmmod $m
done
. /tests/setup.sh

ktap_finished
