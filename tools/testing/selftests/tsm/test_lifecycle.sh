#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module unload/load in both orders with devices connected or locked, and
# removal of a connected device: everything is torn down and the stream
# accounting returns to its start value.
. /tests/ktap_helpers.sh
. /tests/lib.sh

ktap_print_header
ktap_set_plan 16

mod() { insmod "$(tsm_module_path "$1")"; }
D=$TSM_PCI/$TSM_DSM_MFD
D2=$TSM_PCI/$TSM_DSM

avail0=$(avail)
LINK=$(tsm_by_mode link)
DEVSEC=$(tsm_by_mode devsec)

# 1. TSM first: unloading the link TSM disconnects its devices.
wr "$LINK" "$D/tsm/connect"
wr "$DEVSEC" "$D2/tsm/lock"
tsm_check "connected and locked" tsm_expect_eq "$LINK:$DEVSEC" \
	"$(tsm_read "$D/tsm/connect"):$(tsm_read "$D2/tsm/lock")" connect:lock
tsm_check "unload the link TSM with a device connected" rmmod tsm_link_sample
tsm_check "link verbs are gone" test ! -e "$D/tsm/connect"
tsm_check "its stream was released" tsm_expect_eq "$avail0:0" "$(avail):$(nr_streams)" avail:streams
tsm_check "unload the devsec TSM with a device locked" rmmod tsm_devsec_sample
tsm_check "devsec verbs are gone" test ! -e "$D2/tsm/lock"
tsm_check "load both TSMs again" \
	sh -c "insmod $(tsm_module_path tsm_link_sample) &&
	       insmod $(tsm_module_path tsm_devsec_sample)"
LINK=$(tsm_by_mode link)
DEVSEC=$(tsm_by_mode devsec)
tsm_check "connect works again" wr "$LINK" "$D/tsm/connect"

# 2. Platform first: unloading the emulated platform removes connected
# and locked devices under the TSMs.
wr "$LINK" "$D2/tsm/connect"
# The user-space bridge uses the platform: it goes first and comes back.
bridge=0
tsm_loaded tsm_emu_bridge && rmmod tsm_emu_bridge && bridge=1
tsm_check "unload the platform with devices connected" rmmod tsm_emu
tsm_check "the devices are gone" test ! -e "$D" -a ! -e "$D2"
tsm_check "reload the platform" mod tsm_emu
[ $bridge -eq 0 ] || mod tsm_emu_bridge
tsm_check "devices are back, not connected" tsm_expect_eq "" "$(tsm_read "$D/tsm/connect")" connect
tsm_check "stream accounting at its start" \
	tsm_expect_eq "$avail0:0" "$(avail):$(nr_streams)" avail:streams

# 3. Removal of a connected device through sysfs, then rescan.
wr "$LINK" "$D2/tsm/connect"
echo 1 > "$D2/remove"
tsm_check "removed connected device released its stream" \
	tsm_expect_eq "$avail0:0" "$(avail):$(nr_streams)" avail:streams
echo 1 > /sys/bus/pci/rescan
tsm_check "rescan brings the device back, connect works" wr "$LINK" "$D2/tsm/connect"
tsm_check "disconnect after rescan" wr "$LINK" "$D2/tsm/disconnect"
ktap_finished
