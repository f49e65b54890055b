#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Link (host) verbs of the PCI/TSM core with the sample link TSM:
# connect, disconnect, dsm, authenticated, IDE streams and their
# accounting, and every refusal.
. /tests/ktap_helpers.sh
. /tests/lib.sh

ktap_print_header
ktap_set_plan 32

LINK=$(tsm_by_mode link)
DEVSEC=$(tsm_by_mode devsec)
D=$TSM_PCI/$TSM_DSM_MFD
D2=$TSM_PCI/$TSM_DSM
avail0=$(tsm_read "$TSM_HB/available_secure_streams")

tsm_check "a link TSM is registered ($LINK)" test -n "$LINK"
tsm_check "DSM has tsm/connect and tsm/disconnect" \
	test -f "$D/tsm/connect" -a -f "$D/tsm/disconnect"
tsm_check "DSM has authenticated" test -f "$D/authenticated"
tsm_check "plain device has no link verbs" \
	test ! -e "$TSM_PCI/$TSM_PLAIN/tsm/connect" -a ! -e "$TSM_PCI/$TSM_PLAIN/authenticated"
tsm_check "function 1 has no connect (not a DSM)" test ! -e "$TSM_PCI/$TSM_FN1/tsm/connect"
tsm_check "connect reads empty before connect" \
	tsm_expect_eq "" "$(tsm_read "$D/tsm/connect")" connect
tsm_check "available_secure_streams is 255" tsm_expect_eq 255 "$avail0" available_secure_streams
tsm_check "no stream links before connect" tsm_expect_eq "" "$(streams)" streams

tsm_check "connect rejects a malformed name" tsm_write_fails "$EINVAL" foo "$D/tsm/connect"
tsm_check "connect rejects an unknown TSM" tsm_write_fails "$ENXIO" tsm99 "$D/tsm/connect"
if [ -n "$DEVSEC" ]; then
	tsm_check "connect rejects a devsec TSM" tsm_write_fails "$ENXIO" "$DEVSEC" "$D/tsm/connect"
else
	ktap_test_skip "connect rejects a devsec TSM (none registered)"
fi
tsm_check "disconnect when not connected fails" tsm_write_fails "$ENXIO" "$LINK" "$D/tsm/disconnect"
tsm_check "connect refused for an unprivileged user" nobody_wr_refused "$LINK" "$D/tsm/connect"
tsm_check "connect refused for root without CAP_SYS_ADMIN (EPERM)" \
	nocap_wr_refused "$LINK" "$D/tsm/connect"

tsm_check "connect $TSM_DSM_MFD" wr "$LINK" "$D/tsm/connect"
tsm_check "connect reads back $LINK" tsm_expect_eq "$LINK" "$(tsm_read "$D/tsm/connect")" connect
tsm_check "authenticated reads $LINK" \
	tsm_expect_eq "$LINK" "$(tsm_read "$D/authenticated")" authenticated
tsm_check "dsm of the DSM is itself" tsm_expect_eq "$TSM_DSM_MFD" "$(tsm_read "$D/tsm/dsm")" dsm
tsm_check "dsm of function 1 is the DSM" \
	tsm_expect_eq "$TSM_DSM_MFD" "$(tsm_read "$TSM_PCI/$TSM_FN1/tsm/dsm")" dsm
tsm_check "one stream allocated" tsm_expect_eq $((avail0 - 1)) "$(avail)" available_secure_streams
stream_points_at_ep()
{
	s=$(streams)
	[ -n "$s" ] && [ "$(basename "$(readlink -f "$TSM_HB/${s% }")")" = "$TSM_DSM_MFD" ]
}
tsm_check "stream link points at the endpoint" stream_points_at_ep
both_secure()
{
	[ "$(ide_state "$TSM_DSM_MFD" 0)" -eq 2 ] && [ "$(ide_state "$TSM_RP0" 0)" -eq 2 ]
}
tsm_check "endpoint and root port IDE streams are Secure" both_secure
tsm_check "double connect is refused" tsm_write_fails "$EBUSY" "$LINK" "$D/tsm/connect"

tsm_check "disconnect with another name is refused" \
	tsm_write_fails "$EINVAL" tsm99 "$D/tsm/disconnect"
tsm_check "disconnect refused for an unprivileged user" \
	nobody_wr_refused "$LINK" "$D/tsm/disconnect"
nocap_disconnect()
{
	nocap_wr_refused "$LINK" "$D/tsm/disconnect" &&
		tsm_expect_eq "$LINK" "$(tsm_read "$D/tsm/connect")" connect
}
tsm_check "disconnect refused for root without CAP_SYS_ADMIN (EPERM), still connected" \
	nocap_disconnect
tsm_check "disconnect" wr "$LINK" "$D/tsm/disconnect"
tsm_check "connect reads empty after disconnect" \
	tsm_expect_eq "" "$(tsm_read "$D/tsm/connect")" connect
tsm_check "stream accounting back to its start" \
	tsm_expect_eq "$avail0" "$(avail)" available_secure_streams
torn_down()
{
	[ "$(ide_ctl "$TSM_DSM_MFD" 0)" = 00000000 ] && [ "$(ide_ctl "$TSM_RP0" 0)" = 00000000 ] &&
		[ "$(ide_state "$TSM_DSM_MFD" 0)" -eq 0 ]
}
tsm_check "IDE registers torn down" torn_down

# Two DSMs under one host bridge, connected in parallel
(echo "$LINK" > "$D/tsm/connect") & p1=$!
(echo "$LINK" > "$D2/tsm/connect") & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
parallel_ok()
{
	[ "$r1" -eq 0 ] && [ "$r2" -eq 0 ] &&
		[ "$(avail)" -eq $((avail0 - 2)) ] && [ "$(nr_streams)" -eq 2 ]
}
tsm_check "two DSMs connect in parallel with distinct streams" parallel_ok
echo "$LINK" > "$D/tsm/disconnect"
echo "$LINK" > "$D2/tsm/disconnect"
tsm_check "both disconnected, accounting back to its start" \
	tsm_expect_eq "$avail0" "$(avail)" available_secure_streams
ktap_finished
