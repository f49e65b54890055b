#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the VM /init after the tests: unload everything, so that the
# leak check afterwards covers the teardown paths too.  Fails if a module
# does not unload.
teardown_rc=0
if [ "$(cat /tests/platform 2>/dev/null)" = sevtio ]; then
	. /tests/lib.sh
	. /tests/setup-sevtio.sh
	sevtio_down
fi
for m in tsm_emu_psp ccp tsm_devsec_sample tsm_link_sample tsm_emu_bridge tsm_emu; do
	if grep -q "^$m " /proc/modules; then
		if ! rmmod "$m"; then
			echo "teardown: rmmod $m failed"
			teardown_rc=1
		fi
	fi
done
[ $teardown_rc -eq 0 ]
