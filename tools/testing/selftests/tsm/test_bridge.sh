#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The user-space bridge of the emulated platform (tsm_emu_bridge):
# /dev/tsm_emu_model and /dev/tsm_emu_host driven by the scripted peer
# bridge_peer.  DOE round trips through the real kernel DOE core, error,
# unanswered, late and malformed answers, IDE key states, TDI states and
# configuration write events, FN_INFO, permissions, malformed messages,
# module unload and device removal.
. /tests/ktap_helpers.sh
. /tests/lib.sh

TDI_STATE_FILE=/sys/kernel/debug/tsm_emu_bridge/$TSM_DSM_MFD/tdi_state

ktap_print_header
ktap_set_plan 60

P=bridge_peer
DSM=$TSM_DSM_MFD
DSM2=$TSM_DSM
RP0=$TSM_RP0
MOUT=/tmp/bridge_model.out
STATS=/sys/kernel/debug/tsm_emu_bridge/stats
GET_VERSION=10840000
VERSION_12=1004000000010012
# "PEER" marker of the echo model, little-endian
MARK=50454552

# wait_stat NAME VALUE: wait up to 3 s for a counter to reach VALUE (the
# DOE core may give up before the bridge's own timeout under TCG)
wait_stat()
{
	i=0
	while [ "$(peer_stat "$1")" != "$2" ] && [ $i -lt 60 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	tsm_expect_eq "$2" "$(peer_stat "$1")" "$1"
}

tsm_check "bridge devices exist" test -c /dev/tsm_emu_model -a -c /dev/tsm_emu_host
tsm_check "no model: built-in responder answers GET_VERSION with 1.2" \
	expect_out "$VERSION_12" $P doe "$DSM" 1 $GET_VERSION
tsm_check "model side is exclusive: second open gets EBUSY" $P excl
tsm_check "O_NONBLOCK read of an empty queue: EAGAIN, poll not readable" $P nonblock

# Round trips through pci_doe() and the emulated mailbox
start_model echo 2
tsm_check "CMA request answered by the model" \
	expect_out "${MARK}11223344" $P doe "$DSM" 1 11223344
tsm_check "secured CMA request answered by the model" \
	expect_out "${MARK}0a0b0c0d01020304" $P doe "$DSM" 2 0a0b0c0d01020304
stop_model
tsm_check "model exits cleanly" test $mrc -eq 0
tsm_check "model got the complete object (vendor, type, length) of 00f0:01:00.0" \
	grep -q "^req domain f0 rid 0100 tag [0-9]* vendor 0001 type 1 dw 3 len 12" "$MOUT"
tsm_check "secured CMA request object has type 2 and 4 dwords" \
	grep -q "^req domain f0 rid 0100 tag [0-9]* vendor 0001 type 2 dw 4 len 16" "$MOUT"
tsm_check "read with a buffer smaller than the message: EINVAL" \
	grep -q "^small-read EINVAL" "$MOUT"
tsm_check "answers accepted by write()" test "$(grep -c '^answer OK' "$MOUT")" -eq 2

# Two DSMs at once
start_model echo 2
$P doe "$DSM" 1 01020304 > /tmp/doe1.out &
p1=$!
$P doe "$DSM2" 1 05060708 > /tmp/doe2.out &
p2=$!
wait $p1
wait $p2
stop_model
tsm_check "concurrent requests of two DSMs both answered" \
	tsm_expect_eq "${MARK}01020304:${MARK}05060708" \
	"$(cat /tmp/doe1.out):$(cat /tmp/doe2.out)" answers
tsm_check "the model saw both functions" \
	sh -c "grep -q 'rid 0100' $MOUT && grep -q 'rid 0200' $MOUT"

# Failures
start_model error 1
tsm_check "F_ERROR answer: exchange fails with EIO" \
	expect_out "errno EIO" $P doe "$DSM" 1 11223344
stop_model

t0=$(peer_stat timeouts)
start_model drop 1 20 8000
tsm_check "unanswered request: exchange fails with EIO" \
	expect_out "errno EIO" $P doe "$DSM" 1 11223344
tsm_check "the bridge counted a timeout" wait_stat timeouts $((t0 + 1))
tsm_check "the model side is still connected" tsm_expect_eq 1 "$(peer_stat connected)" connected
stop_model
tsm_check "after close the built-in responder answers again (1.2)" \
	expect_out "$VERSION_12" $P doe "$DSM" 1 $GET_VERSION

start_model echo 1
tsm_check "the mailbox works after the timeout (new model)" \
	expect_out "${MARK}cafe0001" $P doe "$DSM" 1 cafe0001
stop_model

a0=$(peer_stat aborted)
start_model drop 1
tsm_check "closing the model side fails the pending request (EIO)" \
	expect_out "errno EIO" $P doe "$DSM" 1 11223344
stop_model
tsm_check "the bridge counted an aborted request" wait_stat aborted $((a0 + 1))

start_model late 1
tsm_check "late answer: the exchange fails with EIO" \
	expect_out "errno EIO" $P doe "$DSM" 1 11223344
stop_model
tsm_check "late answer is refused by write() with ENOENT" grep -q "^answer ENOENT" "$MOUT"

start_model badlen 1
tsm_check "answer with a DOE Length beyond the object: the DOE core fails it (EIO)" \
	expect_out "errno EIO" $P doe "$DSM" 1 11223344
stop_model
start_model badvendor 1
tsm_check "answer with a wrong Vendor ID: the DOE core fails it (EIO)" \
	expect_out "errno EIO" $P doe "$DSM" 1 11223344
stop_model
tsm_check "GET_VERSION gives 1.2 after the faults" \
	expect_out "$VERSION_12" $P doe "$DSM" 1 $GET_VERSION

# Host side argument checks
tsm_check "response buffer smaller than the answer: truncated, rsp_len 4" \
	expect_out 10040000 $P doe "$DSM" 1 $GET_VERSION 4
tsm_check "request not a multiple of 4 bytes: EINVAL" \
	expect_out "errno EINVAL" $P doe "$DSM" 1 112233
tsm_check "function without a DOE mailbox: EOPNOTSUPP" \
	expect_out "errno EOPNOTSUPP" $P doe "$TSM_PLAIN" 1 $GET_VERSION
tsm_check "function outside the emulated platform: ENODEV" \
	expect_out "errno ENODEV" $P doe 0000:00:00.0 1 $GET_VERSION

# FN_INFO
tsm_check "FN_INFO of the DSM: vendor 0x7e57, TEE|DOE|IDE, 1 MiB and 2 MiB BARs" \
	expect_out "vendor 7e57 device 0010 flags 0xe bars 0x100000 0 0x200000 0 0 0" \
	$P fninfo "$DSM"
tsm_check "FN_INFO of a root port: no BARs" \
	expect_out "vendor 7e57 device 0001 flags 0x1 bars 0 0 0 0 0 0" $P fninfo "$RP0"
tsm_check "FN_INFO of an unknown function: ENODEV" \
	expect_out "errno ENODEV" $P fninfo 00f0:09:00.0

# TDI states and configuration write events
cfgwatch()
{
	out=$($P cfgwatch "$DSM2")
	st=$?
	echo "$out" | sed 's/^/# /'
	return $st
}
tsm_check "TDI locked: BAR and Command writes reported (where/size/old/val), none unlocked" \
	cfgwatch
tsm_check "TDI_STATE RUN is remembered" expect_out "errno OK" $P tdi "$DSM" 2
tsm_check "debugfs tdi_state reads RUN" \
	tsm_expect_eq RUN "$(cat "$TDI_STATE_FILE")" tdi_state
tsm_check "a new model starts with every interface unlocked" \
	sh -c "$P excl > /dev/null && test \"\$(cat $TDI_STATE_FILE)\" = CONFIG_UNLOCKED"

# IDE: Secure only with the endpoint's (model) and the root port's
# (platform) keys set to go and the stream enabled
EPB=$(ide_sel_block "$DSM" 0)
RPB=$(ide_sel_block "$RP0" 0)
SID=5
CTL=$(((SID << 24) | 1))
$P cfgwrite "$DSM" $((EPB + 4)) $CTL
$P cfgwrite "$RP0" $((RPB + 4)) $CTL
both_state()
{
	echo "$(ide_state "$DSM" 0):$(ide_state "$RP0" 0)"
}
tsm_check "stream enabled without keys: Insecure" tsm_expect_eq 0:0 "$(both_state)" states
tsm_check "model IDE_STATE ready for the endpoint" expect_out "errno OK" $P ide-state "$DSM" $SID 1
tsm_check "endpoint keys only: still Insecure" tsm_expect_eq 0:0 "$(both_state)" states
tsm_check "root port KEY_SET go" expect_out "errno OK" $P keyset "$RP0" $SID 1
tsm_check "both keys set to go: Secure on both ends" tsm_expect_eq 2:2 "$(both_state)" states
tsm_check "model IDE_STATE not ready (K_SET_STOP)" expect_out "errno OK" $P ide-state "$DSM" $SID 0
tsm_check "endpoint reads Insecure after K_SET_STOP" tsm_expect_eq 0:0 "$(both_state)" states
$P keyset "$RP0" $SID 0 > /dev/null
$P cfgwrite "$DSM" $((EPB + 4)) 0
$P cfgwrite "$RP0" $((RPB + 4)) 0
tsm_check "KEY_SET on an endpoint: EINVAL" expect_out "errno EINVAL" $P keyset "$DSM" $SID 1
tsm_check "KEY_SET on an unknown function: ENODEV" \
	expect_out "errno ENODEV" $P keyset 00f0:09:00.0 $SID 1

# Permissions
tsm_check "unprivileged user cannot open the host side" \
	tsm_expect_eq "errno EACCES" "$(as_nobody "$P open /dev/tsm_emu_host")" open
tsm_check "unprivileged user cannot open the model side" \
	tsm_expect_eq "errno EACCES" "$(as_nobody "$P open /dev/tsm_emu_model")" open
tsm_check "open without CAP_SYS_ADMIN: EPERM (host)" \
	expect_out "errno EPERM" $P nocap-open /dev/tsm_emu_host
tsm_check "open without CAP_SYS_ADMIN: EPERM (model)" \
	expect_out "errno EPERM" $P nocap-open /dev/tsm_emu_model
tsm_check "ioctls after dropping CAP_SYS_ADMIN: EPERM" \
	expect_out "doe EPERM keyset EPERM" $P nocap-ioctl

# Malformed messages written to the model side
badwrites()
{
	bad=0
	for c in valid:OK short:EINVAL len-mismatch:EINVAL too-long:EINVAL \
		 bad-type:EINVAL kernel-type:EINVAL no-function:ENODEV \
		 root-port:EINVAL bad-state:EINVAL reserved:EINVAL flags:EINVAL \
		 tag:EINVAL ide-reserved:EINVAL ide-no-ide:EINVAL \
		 rsp-unknown-tag:ENOENT rsp-unaligned:EINVAL rsp-short:EINVAL \
		 rsp-error-payload:EINVAL rsp-bad-flags:EINVAL; do
		got=$($P badwrite "${c%%:*}")
		if [ "$got" != "errno ${c##*:}" ]; then
			echo "# badwrite ${c%%:*}: expected ${c##*:}, got '$got'"
			bad=1
		fi
	done
	return $bad
}
tsm_check "malformed messages get the right errno (19 cases)" badwrites

# Module unload while the model side is open, then reload
start_model drop 1 3
tsm_check "the bridge cannot be unloaded while a device is open" \
	sh -c "! rmmod tsm_emu_bridge 2>/dev/null"
wait "$mpid"
tsm_check "unload and reload the bridge" \
	sh -c "rmmod tsm_emu_bridge && insmod $(tsm_module_path tsm_emu_bridge)"
tsm_check "after reload: built-in responder, then a model again" \
	sh -c "test \"\$($P doe $DSM 1 $GET_VERSION)\" = $VERSION_12"
start_model echo 1
tsm_check "model round trip after reload" \
	expect_out "${MARK}0badf00d" $P doe "$DSM" 1 0badf00d
stop_model

# Device removal while an exchange waits for the model
start_model drop 1 20 1500
$P doe "$DSM2" 1 11223344 > /tmp/doe_rm.out &
hpid=$!
sleep 0.3
echo 1 > "$TSM_PCI/$DSM2/remove"
wait $hpid
stop_model
tsm_check "device removal during an exchange: the exchange fails" \
	grep -qE '^errno (EIO|ENODEV)$' /tmp/doe_rm.out
tsm_check "the device is gone" test ! -e "$TSM_PCI/$DSM2"
tsm_check "exchange with the removed device: ENODEV" \
	expect_out "errno ENODEV" $P doe "$DSM2" 1 $GET_VERSION
echo 1 > /sys/bus/pci/rescan
tsm_check "after rescan the device answers again" \
	expect_out "$VERSION_12" $P doe "$DSM2" 1 $GET_VERSION

ktap_finished
