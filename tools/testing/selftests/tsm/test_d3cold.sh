#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# D3cold of emulated DSMs through the real kernel path: the VM's SSDT
# (samples/tsm/tsm-emu-ssdt.asl) gives the endpoints ACPI power resources,
# the sample driver tsm_emu_ep lets runtime PM suspend them, and
# pci_pm_runtime_suspend() -> acpi_pci_choose_state() -> D3cold turns the
# power resource off (_OFF); resume turns it on (_ON).  Losing main power
# costs the device what a real one loses: IDE keys (the stream is Insecure
# at both ends), the SPDM session and the TDISP state (the device model
# was told of a conventional reset); the PCI core restores the
# configuration space, and the device connects again.  A connected DSM
# must not be powered off under the TSM (the PCI/TSM core holds a runtime
# PM reference while connected).
. /tests/ktap_helpers.sh
. /tests/lib.sh

ktap_print_header
ktap_set_plan 44

D=$TSM_PCI/$TSM_DSM
RP1=$TSM_EMU_DOMAIN:00:01.0		# root port above TSM_DSM
EMU=/sys/kernel/debug/tsm_emu/$TSM_EMU_DOMAIN
BR=/sys/kernel/debug/tsm_emu_bridge
DRV=/sys/bus/pci/drivers/tsm_emu_ep
CTL=/tmp/d3cold-model.ctl
LOG=/tmp/d3cold-model.log
OUT=/tmp/d3cold-fw.out
FWOPTS="--dsm $TSM_DSM --rp $RP1 --stream-id 5"

# epower DEV: the emulator's power state of DEV, "on" or "off"
epower()
{
	head -1 "$EMU/${1#*:}/power"
}

# cycles DEV: power cycles the emulator counted for DEV
cycles()
{
	sed -n 's/^cycles //p' "$EMU/${1#*:}/power"
}

# power_state DEV STATE: DEV's power_state reads STATE within 5 s
power_state()
{
	i=0
	while [ "$(cat "$TSM_PCI/$1/power_state")" != "$2" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tsm_expect_eq "$2" "$(cat "$TSM_PCI/$1/power_state")" "$1 power_state"
}

# bind DEV: bind the sample driver tsm_emu_ep to DEV
bind()
{
	echo tsm_emu_ep > "$TSM_PCI/$1/driver_override" &&
		echo "$1" > "$DRV/bind" && [ -e "$DRV/$1" ]
}

unbind()
{
	[ ! -e "$DRV/$1" ] || echo "$1" > "$DRV/unbind"
	echo > "$TSM_PCI/$1/driver_override"
}

# suspend DEV: let runtime PM suspend DEV; it reaches D3cold, power off
suspend()
{
	echo auto > "$TSM_PCI/$1/power/control" && power_state "$1" D3cold &&
		tsm_expect_eq off "$(epower "$1")" "$1 emulator power"
}

# resume DEV: keep DEV active; it is in D0, power on
resume()
{
	echo on > "$TSM_PCI/$1/power/control" && power_state "$1" D0 &&
		tsm_expect_eq on "$(epower "$1")" "$1 emulator power"
}

# resets N: the device model was told of N conventional resets of TSM_DSM
resets()
{
	tsm_expect_eq "$1" "$(grep -c "$TSM_DSM conventional reset" "$LOG")" \
		"conventional resets of $TSM_DSM in the model's log"
}

# emu_cfg DEV: the emulator's view of the header (first 64 bytes) of DEV,
# read from debugfs, which does not wake the device
emu_cfg()
{
	sed -n '1,4p' "$EMU/${1#*:}/config"
}

unload_platform
d3cold_platform()
{
	modprobe tsm_emu && modprobe tsm_emu_bridge && tsm_load tsm_link_sample &&
		[ -e "$D/tsm/connect" ] && [ -d "$DRV" ]
}
tsm_check "the emulated platform, the bridge, the sample link TSM, tsm_emu_ep" \
	d3cold_platform
LINK=$(tsm_by_mode link)
avail0=$(avail)
echo scan > /sys/kernel/debug/kmemleak
echo clear > /sys/kernel/debug/kmemleak

acpi_power()
{
	[ -n "$(ls "$D/firmware_node/power_resources_D0")" ] &&
		[ -n "$(ls "$D/firmware_node/power_resources_D3hot")" ] &&
		[ "$(cat "$D/d3cold_allowed")" = 1 ]
}
tsm_check "$TSM_DSM has an ACPI companion with D0 and D3hot power resources" acpi_power
tsm_check "... the emulator: powered, no power cycle yet" \
	tsm_expect_eq on:0 "$(epower "$TSM_DSM"):$(cycles "$TSM_DSM")" power:cycles
tsm_check "the root ports have no ACPI companion" test ! -e "$TSM_PCI/$RP1/firmware_node"
tsm_check "tsm_emu_ep binds only through driver_override" \
	sh -c "! echo $TSM_DSM > $DRV/bind 2>/dev/null"

# --- a device holding an SPDM session, IDE keys and a locked interface ---
: > "$CTL"
tsm-model device --ctl "$CTL" -v 2> "$LOG" &
model=$!
tsm_check "device model attached" wait_for attached "$LOG"
tsm_check "SPDM session, IDE keys set to go at both ends, TDISP lock" \
	fw vca certs session ide-query ide-setup ide-keys ide-go ide-enable ide-secure \
	   tdisp-version lock state=CONFIG_LOCKED
tsm_check "... the stream is Secure at the endpoint and the root port" ide_secure "$TSM_DSM" "$RP1"
tsm_check "... the endpoint holds the keys (emulator)" \
	test -n "$(cat "$EMU/${TSM_DSM#*:}/ide_keys")"
tsm_check "... the model's interface is CONFIG_LOCKED" tdi_wait "$TSM_DSM" CONFIG_LOCKED
cfg0=$(emu_cfg "$TSM_DSM")
resets0=$(grep -c "$TSM_DSM conventional reset" "$LOG")

tsm_check "bind tsm_emu_ep to $TSM_DSM" bind "$TSM_DSM"
tsm_check "power/control auto: runtime suspended in D3cold, the emulator powered off" \
	suspend "$TSM_DSM"
tsm_check "... runtime_status reads suspended" \
	tsm_expect_eq suspended "$(cat "$D/power/runtime_status")" runtime_status
tsm_check "... the ACPI companion is in D3cold" \
	tsm_expect_eq D3cold "$(cat "$D/firmware_node/power_state")" "ACPI power_state"
tsm_check "... the model was told of a conventional reset: SPDM session ended" \
	resets $((resets0 + 1))
tsm_check "... the model's interface is back to CONFIG_UNLOCKED" tdi_wait "$TSM_DSM" CONFIG_UNLOCKED
tsm_check "... the endpoint lost its IDE keys" \
	test -z "$(cat "$EMU/${TSM_DSM#*:}/ide_keys")"
tsm_check "... the link is down: the root port's stream is no longer Secure" \
	test "$(ide_state "$RP1" 0)" != 2
tsm_check "power/control on: back in D0, the emulator powered on" resume "$TSM_DSM"
tsm_check "... one power cycle" tsm_expect_eq 1 "$(cycles "$TSM_DSM")" power_cycles
tsm_check "... power on was a conventional reset too" resets $((resets0 + 2))
tsm_check "... the PCI core restored the header (command, BARs)" \
	tsm_expect_eq "$cfg0" "$(emu_cfg "$TSM_DSM")" "header"
tsm_check "... the endpoint's IDE stream is disabled (reset), Insecure at both ends" \
	tsm_expect_eq 00000000:0:0 \
	"$(ide_ctl "$TSM_DSM" 0):$(ide_state "$TSM_DSM" 0):$(ide_state "$RP1" 0)" \
	"EP control:EP state:RP state"
tsm_check "... the model lost its IDE_KM keys: TDISP lock refused (new session)" \
	fw vca certs session !lock state=CONFIG_UNLOCKED end
tsm_check "... a new session, keys and lock work" \
	fw vca certs session ide-query ide-setup ide-keys ide-go ide-enable ide-secure \
	   tdisp-version lock state=CONFIG_LOCKED stop state=CONFIG_UNLOCKED \
	   ide-stop ide-disable end
tsm_check "unbind tsm_emu_ep" unbind "$TSM_DSM"
kill "$model"
wait "$model" 2> /dev/null

# --- with the link TSM: connect, disconnect, D3cold, connect again -------
tsm_check "connect $TSM_DSM" wr "$LINK" "$D/tsm/connect"
tsm_check "... Secure at both ends" ide_secure "$TSM_DSM" "$RP1"
tsm_check "disconnect it" \
	sh -c "echo $LINK > $D/tsm/disconnect && [ -z \"\$(cat $D/tsm/connect)\" ]"
tsm_check "... bind tsm_emu_ep" bind "$TSM_DSM"
power_cycle()
{
	suspend "$1" && resume "$1"
}
tsm_check "D3cold and back" power_cycle "$TSM_DSM"
tsm_check "... two power cycles in all" tsm_expect_eq 2 "$(cycles "$TSM_DSM")" power_cycles
connect_again()
{
	wr "$LINK" "$D/tsm/connect" &&
		tsm_expect_eq "$LINK" "$(tsm_read "$D/tsm/connect")" connect &&
		ide_secure "$TSM_DSM" "$RP1"
}
tsm_check "connect again after the power cycle, Secure at both ends" connect_again

# A connected DSM holds a runtime PM reference (PCI/TSM core): it stays in
# D0 and keeps its keys when its driver lets runtime PM suspend it.
stays_secure()
{
	echo auto > "$D/power/control"
	sleep 1
	tsm_expect_eq D0:on:2 \
		"$(cat "$D/power_state"):$(epower "$TSM_DSM"):$(cycles "$TSM_DSM")" \
		"power_state:emulator power:cycles" && ide_secure "$TSM_DSM" "$RP1"
}
tsm_check "connected, bound, power/control auto: stays in D0 and Secure" stays_secure
echo on > "$D/power/control"
power_state "$TSM_DSM" D0 > /dev/null
disconnect_unbind()
{
	wr "$LINK" "$D/tsm/disconnect" && [ -z "$(tsm_read "$D/tsm/connect")" ] &&
		unbind "$TSM_DSM"
}
tsm_check "disconnect, unbind" disconnect_unbind

# --- a multi-function device shares main power ---------------------------
bind_both()
{
	bind "$TSM_DSM_MFD" && bind "$TSM_FN1"
}
fn0_alone()
{
	echo auto > "$TSM_PCI/$TSM_DSM_MFD/power/control" &&
		power_state "$TSM_DSM_MFD" D3cold &&
		tsm_expect_eq on "$(epower "$TSM_DSM_MFD")" "emulator power"
}
both_off()
{
	echo auto > "$TSM_PCI/$TSM_FN1/power/control" && power_state "$TSM_FN1" D3cold &&
		tsm_expect_eq off:off "$(epower "$TSM_DSM_MFD"):$(epower "$TSM_FN1")" \
			"emulator power fn0:fn1"
}
both_on()
{
	resume "$TSM_DSM_MFD" && resume "$TSM_FN1" &&
		tsm_expect_eq 1:1 "$(cycles "$TSM_DSM_MFD"):$(cycles "$TSM_FN1")" cycles
}
tsm_check "bind tsm_emu_ep to both functions of $TSM_DSM_MFD" bind_both
tsm_check "function 0 alone in D3cold: main power stays on for function 1" fn0_alone
tsm_check "function 1 too: main power off, both functions off" both_off
tsm_check "both back in D0, one power cycle each" both_on
unbind "$TSM_DSM_MFD"
unbind "$TSM_FN1"

# --- nothing left ---------------------------------------------------------
tsm_check "stream accounting back to its start" \
	tsm_expect_eq "$avail0:" "$(avail):$(streams)" avail:streams
tsm_check "kmemleak finds nothing" kmemleak_clean
in_d3cold()
{
	bind "$TSM_DSM" && suspend "$TSM_DSM"
}
tsm_check "$TSM_DSM bound and in D3cold again" in_d3cold
tsm_check "tsm_emu unloads with its driver and a function in D3cold" \
	sh -c "rmmod tsm_link_sample && rmmod tsm_emu_bridge && rmmod tsm_emu &&
	       [ ! -d $DRV ]"
reload()
{
	modprobe tsm_emu && modprobe tsm_emu_bridge && tsm_load tsm_link_sample &&
		tsm_load tsm_devsec_sample
}
tsm_check "... and loads again, the platform as the next test expects" reload

ktap_finished
