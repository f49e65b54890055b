#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# IDE key refresh with the sample link TSM: refused while not connected,
# then 100 refreshes through tsm/ide_refresh while the stream state is
# read in a loop.  The emulated link holds two key sets per direction and
# fails a Secure stream for good (until re-enabled) if traffic ever hits a
# key set its receiver lacks, so a wrong order shows in every later read
# and in the emulator's refused count.  Then the periodic refresh of
# tsm/ide_refresh_interval, across a disconnect and connect.
. /tests/ktap_helpers.sh
. /tests/lib.sh

ktap_print_header
ktap_set_plan 40

D=$TSM_PCI/$TSM_DSM_MFD
F1=$TSM_PCI/$TSM_FN1
T=/sys/kernel/tracing
UEV=/tmp/refresh-uevents
POLLS=/tmp/refresh-polls
STOP=/tmp/refresh-stop
N=100

tsm_check "the emulated platform with the sample link TSM" link_sample_platform
LINK=$(tsm_by_mode link)
avail0=$(avail)

link_events_start "$UEV"

# traced N PATTERN: N lines of the trace buffer match PATTERN
traced()
{
	tsm_expect_eq "$1" "$(grep -c "$2" "$T/trace")" "trace lines '$2'"
}

count()
{
	tsm_read "$D/tsm/ide_refresh"
}

# --- the attributes ----------------------------------------------------------
tsm_check "DSM has tsm/ide_refresh, reads 0" tsm_expect_eq 0 "$(count)" ide_refresh
tsm_check "DSM has tsm/ide_refresh_interval, reads 0" \
	tsm_expect_eq 0 "$(tsm_read "$D/tsm/ide_refresh_interval")" ide_refresh_interval
tsm_check "function 1 has neither (not a DSM)" \
	test ! -e "$F1/tsm/ide_refresh" -a ! -e "$F1/tsm/ide_refresh_interval"
tsm_check "every tsm/ file, the refresh ones too, is documented" abi_documented
tsm_check "refresh refused while not connected (ENOTCONN)" \
	tsm_write_fails "$ENOTCONN" 1 "$D/tsm/ide_refresh"
tsm_check "ide_refresh takes only a true boolean (EINVAL)" \
	tsm_write_fails "$EINVAL" 0 "$D/tsm/ide_refresh"
tsm_check "ide_refresh refused for root without CAP_SYS_ADMIN (EPERM)" \
	nocap_wr_refused 1 "$D/tsm/ide_refresh"
tsm_check "ide_refresh_interval at most a week (EINVAL)" \
	tsm_write_fails "$EINVAL" 604801 "$D/tsm/ide_refresh_interval"
tsm_check "ide_refresh_interval refused without CAP_SYS_ADMIN (EPERM)" \
	nocap_wr_refused 5 "$D/tsm/ide_refresh_interval"

# --- 100 refreshes under polling ---------------------------------------------
tsm_check "connect $TSM_DSM_MFD" wr "$LINK" "$D/tsm/connect"
tsm_check "... its stream is Secure" ide_secure "$TSM_DSM_MFD" "$TSM_RP0"
tsm_check "... and uses key set K0 at both ends" \
	tsm_expect_eq K0:K0 "$(ide_txsets "$TSM_DSM_MFD" "$TSM_RP0")" "Tx key sets EP:RP"
refused0=$(ide_refused "$TSM_DSM_MFD" "$TSM_RP0")

ide_refresh_loop "$TSM_DSM_MFD" "$TSM_RP0" $N "$POLLS" "$STOP"
tsm_check "$N refreshes, every write succeeded" \
	tsm_expect_eq 0 "$refresh_fails" "failed writes"
tsm_check "... key sets alternated K1, K0, ... at both ends" test $refresh_alternated -eq 1
tsm_check "... the stream state was read throughout (>= 50 reads)" \
	test "$(wc -l < "$POLLS")" -ge 50
tsm_check "... Secure at both ends at every read" ide_polls_secure "$POLLS"
tsm_check "... no traffic refused by the emulated link" \
	tsm_expect_eq "$refused0" "$(ide_refused "$TSM_DSM_MFD" "$TSM_RP0")" "refused EP:RP"
tsm_check "... still Secure" ide_secure "$TSM_DSM_MFD" "$TSM_RP0"
tsm_check "... tsm/ide_refresh counts $N" tsm_expect_eq $N "$(count)" ide_refresh
tsm_check "... traced: $N times refreshed, cause user" \
	traced $N "tsm_link_event: $TSM_DSM_MFD refreshed cause=user rc=0"
tsm_check "... no uevent (refresh_failed only)" test ! -s "$UEV"

tool_refresh()
{
	tsm refresh "$TSM_DSM_MFD" && tsm_expect_eq $((N + 1)) "$(count)" ide_refresh
}
tsm_check "tsm refresh: one more, counted" tool_refresh

# --- the periodic refresh ----------------------------------------------------
echo > "$T/trace"
tsm_check "ide_refresh_interval set to 1 s" wr 1 "$D/tsm/ide_refresh_interval"
sleep 3.5
periodic()
{
	n=$(grep -c "$TSM_DSM_MFD refreshed cause=interval" "$T/trace")
	[ "$n" -ge 2 ] && [ "$(count)" -ge $((N + 3)) ] && return 0
	echo "# $n periodic refreshes in 3.5 s, count $(count)"
	return 1
}
tsm_check "... at least 2 refreshes in 3.5 s, counted" periodic
tsm_check "... no traffic refused" \
	tsm_expect_eq "$refused0" "$(ide_refused "$TSM_DSM_MFD" "$TSM_RP0")" "refused EP:RP"
tsm_check "... still Secure" ide_secure "$TSM_DSM_MFD" "$TSM_RP0"
tsm_check "disconnect with the period running" wr "$LINK" "$D/tsm/disconnect"
tsm_check "... the period is kept" \
	tsm_expect_eq 1 "$(tsm_read "$D/tsm/ide_refresh_interval")" ide_refresh_interval
echo > "$T/trace"
sleep 1.5
tsm_check "... no refresh while disconnected" traced 0 "refreshed"
tsm_check "... refresh refused again (ENOTCONN)" \
	tsm_write_fails "$ENOTCONN" 1 "$D/tsm/ide_refresh"
tool_refused()
{
	out=$(tsm refresh "$TSM_DSM_MFD" 2>&1)
	[ $? -eq 1 ] && case "$out" in *"not connected"*) ;; *) false ;; esac ||
		{ echo "# tsm refresh: $out"; return 1; }
}
tsm_check "... tsm refresh says the device is not connected (exit 1)" tool_refused
tsm_check "connect again: the period applies" wr "$LINK" "$D/tsm/connect"
sleep 2.5
tsm_check "... refreshes after the connect" \
	sh -c "[ \$(cat $D/tsm/ide_refresh) -ge 1 ]"
tsm_check "ide_refresh_interval set to 0: the refreshes stop" \
	wr 0 "$D/tsm/ide_refresh_interval"
before=$(count)
sleep 1.5
tsm_check "... none in 1.5 s" tsm_expect_eq "$before" "$(count)" ide_refresh
tsm_check "... still Secure" ide_secure "$TSM_DSM_MFD" "$TSM_RP0"
tsm_check "disconnect" wr "$LINK" "$D/tsm/disconnect"
tsm_check "stream accounting back to its start" \
	tsm_expect_eq "$avail0:" "$(avail):$(streams)" avail:streams
tsm_check "kmemleak finds nothing" kmemleak_clean

link_events_stop
ktap_finished
