#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the VM /init.  The default platform loads the emulated
# platform, the user-space bridge and the sample TSMs as the core's tests
# use them (link TSM first, so it is tsm0).  With /tests/platform reading
# "sevtio" (make run PLATFORM=sevtio, and the demonstration), it brings up
# the SEV-TIO host and guest against the device and firmware models
# instead (setup-sevtio.sh; what it set up is in /tmp/sevtio.env).
if [ "$(cat /tests/platform 2>/dev/null)" = sevtio ]; then
	. /tests/lib.sh
	. /tests/setup-sevtio.sh
	if sevtio_up; then
		echo "setup: SEV-TIO platform up (/tmp/sevtio.env):"
		grep -v '^#' /tmp/sevtio.env | grep -v '_PID=' | sed 's/^/setup:   /'
	else
		false
	fi
else
	for m in tsm_emu tsm_emu_bridge tsm_link_sample tsm_devsec_sample; do
		p=$(find "$TSM_MODDIR" -name "$m.ko" | head -1)
		if [ -z "$p" ]; then
			echo "setup: module $m is not built"
			continue
		fi
		insmod "$p" || { echo "setup: insmod $m failed"; false; }
	done
fi
