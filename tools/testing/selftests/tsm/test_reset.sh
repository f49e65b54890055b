#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Resets of connected devices with the sample link TSM: a Function Level
# Reset of the DSM and a Secondary Bus Reset cost the device its IDE keys,
# so the core finds the link lost and, by tsm/reset_policy, disconnects
# the device or connects it again; a reset of a function that depends on
# the DSM leaves the link alone.  Uevents and trace events report each
# step, the stream accounting and kmemleak come back clean.
. /tests/ktap_helpers.sh
. /tests/lib.sh

ktap_print_header
ktap_set_plan 42

D=$TSM_PCI/$TSM_DSM_MFD
D2=$TSM_PCI/$TSM_DSM
F1=$TSM_PCI/$TSM_FN1
UEV=/tmp/reset-uevents
T=/sys/kernel/tracing
ENOLINK=-67

tsm_check "the emulated platform with the sample link TSM" link_sample_platform
LINK=$(tsm_by_mode link)
avail0=$(avail)

link_events_start "$UEV"

# uevent DEV EVENT: a TSM_EVENT=EVENT uevent with cause reset for DEV
uevent()
{
	wait_for "^$1 TSM_EVENT=$2 TSM_CAUSE=reset\$" "$UEV" ||
		{ echo "# uevents:"; sed 's/^/#   /' "$UEV"; return 1; }
}

# traced PATTERN: a line of the trace buffer matches
traced()
{
	grep -q "$1" "$T/trace" ||
		{ echo "# no trace line matches '$1'"; tail -5 "$T/trace"; return 1; }
}

# connected DEV NAME: tsm/connect of DEV reads NAME
connected()
{
	tsm_expect_eq "$2" "$(tsm_read "$TSM_PCI/$1/tsm/connect")" "$1 tsm/connect"
}

# reset DEV [METHOD]: reset DEV through sysfs, by METHOD if given
reset()
{
	if [ -n "$2" ]; then
		echo "$2" > "$TSM_PCI/$1/reset_method" || return 1
	fi
	echo 1 > "$TSM_PCI/$1/reset"
}

# --- the policy attribute --------------------------------------------------
tsm_check "DSM has tsm/reset_policy, reads disconnect" \
	tsm_expect_eq disconnect "$(tsm_read "$D/tsm/reset_policy")" reset_policy
tsm_check "function 1 has none (not a DSM)" test ! -e "$F1/tsm/reset_policy"
tsm_check "reset_policy rejects anything but the two words" \
	tsm_write_fails "$EINVAL" sometimes "$D/tsm/reset_policy"
tsm_check "reset_policy refused for root without CAP_SYS_ADMIN (EPERM)" \
	nocap_wr_refused reconnect "$D/tsm/reset_policy"
tsm_check "every tsm/ file, reset_policy too, is documented" abi_documented

# --- FLR of the DSM, default policy -------------------------------------
tsm_check "connect $TSM_DSM_MFD" wr "$LINK" "$D/tsm/connect"
tsm_check "... its stream is Secure" ide_secure "$TSM_DSM_MFD" "$TSM_RP0"
tsm_check "FLR of function 1: no link check, still connected" \
	sh -c "echo 1 > $F1/reset && [ \"\$(cat $D/tsm/connect)\" = $LINK ] &&
	       ! grep -q TSM_EVENT $UEV"
tsm_check "... the stream is still Secure" ide_secure "$TSM_DSM_MFD" "$TSM_RP0"
tsm_check "FLR of the DSM" reset "$TSM_DSM_MFD" flr
tsm_check "... the link was lost: disconnected" connected "$TSM_DSM_MFD" ""
tsm_check "... function 1 has no context left" \
	tsm_expect_eq "" "$(tsm_read "$F1/tsm/dsm")" "fn1 tsm/dsm"
tsm_check "... stream released, accounting back to its start" \
	tsm_expect_eq "$avail0:" "$(avail):$(streams)" avail:streams
tsm_check "... the root port's stream is disabled" \
	tsm_expect_eq 00000000 "$(ide_ctl "$TSM_RP0" 0)" "RP IDE control"
tsm_check "uevent TSM_EVENT=disconnected TSM_CAUSE=reset" \
	uevent "$TSM_DSM_MFD" disconnected
tsm_check "trace: disconnected, the link check said ENOLINK" \
	traced "tsm_link_event: $TSM_DSM_MFD disconnected cause=reset rc=$ENOLINK"
said_why()
{
	dmesg | grep -q "$TSM_DSM_MFD: PCI/TSM: $LINK: secure link lost after reset (-ENOLINK)"
}
tsm_check "the kernel says why" said_why
quiet_reset()
{
	: > "$UEV"
	reset "$TSM_DSM_MFD" flr && sleep 0.2 && [ ! -s "$UEV" ]
}
tsm_check "a reset of a device that is not connected: no event" quiet_reset

# --- reconnect policy --------------------------------------------------------
tsm_check "reset_policy reconnect" wr reconnect "$D/tsm/reset_policy"
tsm_check "... reads back" \
	tsm_expect_eq reconnect "$(tsm_read "$D/tsm/reset_policy")" reset_policy
tsm_check "connect $TSM_DSM_MFD again" wr "$LINK" "$D/tsm/connect"
: > "$UEV"
tsm_check "FLR of the DSM with the reconnect policy" reset "$TSM_DSM_MFD" flr
both_events()
{
	uevent "$TSM_DSM_MFD" disconnected && uevent "$TSM_DSM_MFD" reconnected &&
		[ "$(grep -n reconnected "$UEV" | cut -d: -f1)" -gt \
		  "$(grep -n disconnected "$UEV" | cut -d: -f1)" ]
}
tsm_check "uevents: disconnected, then reconnected (after the reset)" both_events
tsm_check "... connected again" connected "$TSM_DSM_MFD" "$LINK"
new_stream()
{
	tsm_expect_eq $((avail0 - 1)) "$(avail)" available_secure_streams &&
		ide_secure "$TSM_DSM_MFD" "$TSM_RP0"
}
tsm_check "... a new stream, Secure at both ends" new_stream
tsm_check "... function 1 has its context again" \
	tsm_expect_eq "$TSM_DSM_MFD" "$(tsm_read "$F1/tsm/dsm")" "fn1 tsm/dsm"
tsm_check "disconnect, reset_policy back to disconnect" \
	sh -c "echo $LINK > $D/tsm/disconnect && echo disconnect > $D/tsm/reset_policy"

# --- Secondary Bus Reset of a single-function DSM ----------------------
tsm_check "connect $TSM_DSM" wr "$LINK" "$D2/tsm/connect"
tsm_check "bus reset of $TSM_DSM (reset_method bus)" reset "$TSM_DSM" bus
tsm_check "... the link was lost: disconnected" connected "$TSM_DSM" ""
tsm_check "uevent TSM_EVENT=disconnected for $TSM_DSM" \
	uevent "$TSM_DSM" disconnected

# --- D3hot to D0: the reset of the PCI PM "pm" method -------------------
tsm_check "connect $TSM_DSM again" wr "$LINK" "$D2/tsm/connect"
tsm_check "D3hot/D0 reset of $TSM_DSM (reset_method pm): disconnected" \
	sh -c "echo pm > $D2/reset_method && echo 1 > $D2/reset &&
	       [ -z \"\$(cat $D2/tsm/connect)\" ]"

# --- system sleep ----------------------------------------------------------
# A suspend cycle up to the freezer (pm_test): the devices keep their
# power, so the link check after it finds the link intact.
kept()
{
	wait_for "^$TSM_DSM_MFD TSM_EVENT=kept TSM_CAUSE=resume\$" "$UEV" ||
		{ echo "# uevents:"; sed 's/^/#   /' "$UEV"; return 1; }
	traced "tsm_link_event: $TSM_DSM_MFD kept cause=resume rc=0"
}
tsm_check "connect $TSM_DSM_MFD" wr "$LINK" "$D/tsm/connect"
: > "$UEV"
tsm_check "a suspend and resume cycle of the system" sleep_cycle
tsm_check "... the link check after resume kept the link (uevent, trace)" kept
tsm_check "... still connected, the stream Secure" ide_secure "$TSM_DSM_MFD" "$TSM_RP0"
tsm_check "... reads $LINK" connected "$TSM_DSM_MFD" "$LINK"
tsm_check "disconnect $TSM_DSM_MFD" wr "$LINK" "$D/tsm/disconnect"

# --- nothing left ---------------------------------------------------------
echo 0 > "$T/events/tsm/tsm_link_event/enable"
link_events_stop
echo > "$D/reset_method" 2>/dev/null
echo > "$D2/reset_method" 2>/dev/null
tsm_check "stream accounting back to its start" \
	tsm_expect_eq "$avail0:" "$(avail):$(streams)" avail:streams
tsm_check "kmemleak finds nothing" kmemleak_clean

ktap_finished
