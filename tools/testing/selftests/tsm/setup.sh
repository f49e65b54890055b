#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the VM /init: load the emulated platform and the sample TSMs
# and the user-space bridge as the demonstration does (link TSM first, so
# it is tsm0).
for m in tsm_emu tsm_emu_bridge tsm_link_sample tsm_devsec_sample; do
	p=$(find "$TSM_MODDIR" -name "$m.ko" | head -1)
	if [ -z "$p" ]; then
		echo "setup: module $m is not built"
		continue
	fi
	insmod "$p" || { echo "setup: insmod $m failed"; false; }
done
