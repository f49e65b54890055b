#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SEV-TIO platform of `make run PLATFORM=sevtio` (setup-sevtio.sh)
# and the demonstration that `make` runs on it: the platform comes up and
# says what it set up, the demonstration's every step works, and the
# platform goes down leaving nothing behind.
. /tests/ktap_helpers.sh
. /tests/lib.sh
. /tests/setup-sevtio.sh

ktap_print_header
ktap_set_plan 6

left0=$(dmesg | grep -c 'pages left firmware-owned at unload')
tsm_check "sevtio_up: models attached, SEV-TIO link and devsec TSMs registered" \
	sevtio_up
. "$SEVTIO_ENV"
env_ok()
{
	modes="$(tsm_read "/sys/class/tsm/$TIO/pci_mode")"
	modes="$modes:$(tsm_read "/sys/class/tsm/$GTSM/pci_mode")"
	tsm_expect_eq "link:devsec" "$modes" "pci_mode of TIO:GTSM" &&
		test -e "$TSM_PCI/$HOST_DSM/tsm/connect" -a -e "$TSM_PCI/$GUEST_DEV/tsm/lock"
}
tsm_check "$SEVTIO_ENV names the TSMs and the host's and guest's devices" env_ok
sh /tests/demo.sh > /tmp/demo.log 2>&1
rc=$?
sed 's/^/# /' /tmp/demo.log
tsm_check "the demonstration runs every step (exit 0)" test $rc -eq 0
tsm_check "... the evidence verified, the interface ran, the fence was lifted" \
	sh -c "grep -q 'signature verified' /tmp/demo.log &&
	       grep -q 'guest tsm/state: run' /tmp/demo.log &&
	       grep -q 'ASID_FENCE_CLEAR' /tmp/demo.log &&
	       grep -q 'Demonstration complete' /tmp/demo.log"
sevtio_down
tsm_check "sevtio_down: models stopped, the platform unloaded" \
	sh -c "! grep -q '^tsm_emu ' /proc/modules && ! grep -q '^tsm_emu_psp ' /proc/modules &&
	       ! kill -0 $SEVTIO_PPID 2>/dev/null && ! kill -0 $SEVTIO_DPID 2>/dev/null"
tsm_check "... no page left firmware-owned" \
	tsm_expect_eq "$left0" "$(dmesg | grep -c 'pages left firmware-owned at unload')" \
		"unloads that left firmware-owned pages"

. /tests/setup.sh
ktap_finished
