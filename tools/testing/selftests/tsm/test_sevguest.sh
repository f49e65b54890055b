#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# SEV-TIO guest TDISP support (drivers/virt/coco/sev-guest/sev-tio-guest.c)
# in one kernel playing host and guest.  Host role: the SEV-TIO link TSM
# connects the devices of the first emulated domain through the firmware
# model.  Guest role: the devices of a second instance, in segment 0 from
# bus $TSM_GUEST_BUS on (tsm_emu guest_bus), are the confidential VM's
# view of the same hardware; the SEV-TIO devsec TSM locks, checks,
# accepts and unlocks them, its guest channel served by the stand-in
# hypervisor of tsm_emu_psp (debugfs vm "guest HHHH GGGG BB"),
# which binds, starts and unbinds the host function and passes the guest
# requests to the firmware model.
. /tests/ktap_helpers.sh
. /tests/lib.sh

CTL=/tmp/sevguest.ctl
DLOG=/tmp/sevguest-device.log
PLOG=/tmp/sevguest-psp.log
DBG=/sys/kernel/debug/tsm_emu_psp
BR=/sys/kernel/debug/tsm_emu_bridge
V=$DBG/vm
STATS=$DBG/stats
CERTS=/etc/tsm-model
UEV=/tmp/sevguest-uevents
GDOM=0000
H=$TSM_DSM_MFD			# the host function
G=$TSM_GUEST_DEV			# the guest's view of it
GD=$TSM_PCI/$G
HD=$TSM_PCI/$H
STUB=/sys/bus/pci/drivers/pci-stub

ktap_print_header
ktap_set_plan 117

# fault SPEC: the models' fault knob (see test_sevtio.sh)
fault()
{
	echo "$*" > "$CTL"
	# The models notice a change of the file's modification time.
	sleep 0.05
}

state()
{
	tsm_expect_eq "$1" "$(tsm_read "$GD/tsm/state")" "$G tsm/state"
}

encrypted()
{
	tsm_expect_eq "$1" "$(grep -c 'PCI MMIO Encrypted' /proc/iomem)" \
		"'PCI MMIO Encrypted' resources"
}

# uevent STATE: a TSM_STATE=STATE change uevent reached user space for G
uevent()
{
	wait_for "$G TSM_STATE=$1\$" "$UEV" ||
		{ echo "# uevents:"; sed 's/^/#   /' "$UEV"; return 1; }
}

stub_bind()
{
	echo pci-stub > "$GD/driver_override" && echo "$G" > "$STUB/bind"
}

# no_driver: binding pci-stub to G is refused
no_driver()
{
	echo pci-stub > "$GD/driver_override"
	! echo "$G" > "$STUB/bind" 2>/dev/null && [ ! -e "$GD/driver" ]
}

stub_unbind()
{
	[ -e "$GD/driver" ] && echo "$G" > "$STUB/unbind"
	echo > "$GD/driver_override"
}

lock()
{
	wr "$GTSM" "$GD/tsm/lock"
}

unlock()
{
	wr "$GTSM" "$GD/tsm/unlock"
}

# nothing_held: the guest holds nothing, the host has nothing bound
nothing_held()
{
	held="$(tsm_read "$GD/tsm/lock"):$(tsm_read "$HD/tsm/bound")"
	held="$held:$(tsm_read "$GD/tsm/report" | head -c 8)"
	tsm_expect_eq "::" "$held" "lock:bound:report" && tdi_wait "$H" CONFIG_UNLOCKED
}

unload_platform
modprobe pci-stub 2>/dev/null
tsm_check "the emulated platform with a host and a guest domain" \
	sh -c "modprobe tsm_emu guest_bus=0x$TSM_GUEST_BUS && modprobe tsm_emu_bridge &&
	       test -e $GD"
tsm_check "modprobe tsm_emu_psp (with ccp and sev-tio-guest)" modprobe tsm_emu_psp

: > "$CTL"
tsm-model device --certs "$CERTS" --ctl "$CTL" 2> "$DLOG" &
dmodel=$!
tsm-model psp --certs "$CERTS" --ctl "$CTL" -v 2> "$PLOG" &
pmodel=$!
models_attached()
{
	wait_for attached "$DLOG" && wait_for attached "$PLOG"
}
tsm_check "device and firmware models attached" models_attached
T=/sys/kernel/tracing
[ -d "$T/events" ] || mount -t tracefs nodev "$T" 2>/dev/null
tsm_check "the tsm trace events are enabled" \
	sh -c "echo > $T/trace && echo 1 > $T/events/tsm/enable"
# traced PATTERN...: each PATTERN matches a line of the trace buffer
traced()
{
	for e in "$@"; do
		grep -q "$e" "$T/trace" ||
			{ echo "# no trace line matches '$e'"; return 1; }
	done
}
wr 1 "$DBG/tio"
TIO=$(tsm_by_mode link)
base=$(peer_stat private)
tsm_check "host: the SEV-TIO link TSM connects $H" \
	sh -c "echo $TIO > $HD/tsm/connect && [ \"\$(cat $HD/tsm/connect)\" = $TIO ]"
conn_pages=$(($(peer_stat private) - base))
tsm_check "host: its IDE stream is Secure" \
	tsm_expect_eq 2 "$(ide_state "$H" 0)" "IDE state"
tsm_check "the guest channel needs the VM: ENODEV" \
	tsm_write_fails "No such device" "guest $TSM_EMU_DOMAIN $GDOM $TSM_GUEST_BUS" $V
wr create $V
vm_pages=$(peer_stat private)

cat > /tmp/sevguest-uevent.sh <<EOF
#!/bin/sh
[ -n "\$TSM_STATE" ] && echo "\${DEVPATH##*/} TSM_STATE=\$TSM_STATE" >> $UEV
[ -n "\$TSM_EVENT" ] &&
	echo "\${DEVPATH##*/} TSM_EVENT=\$TSM_EVENT TSM_CAUSE=\$TSM_CAUSE" >> $UEV
exit 0
EOF
chmod +x /tmp/sevguest-uevent.sh
: > "$UEV"
echo /tmp/sevguest-uevent.sh > /proc/sys/kernel/hotplug

tsm_check "guest: the SEV-TIO devsec TSM registers" \
	wr "guest $TSM_EMU_DOMAIN $GDOM $TSM_GUEST_BUS" $V
GTSM=$(tsm_by_mode devsec)
tsm_check "guest: $GTSM has pci_mode devsec" \
	tsm_expect_eq devsec "$(tsm_read "/sys/class/tsm/$GTSM/pci_mode")" pci_mode
tsm_check "guest: a second registration is refused: EBUSY" \
	tsm_write_fails "$EBUSY" "guest $TSM_EMU_DOMAIN $GDOM $TSM_GUEST_BUS" $V
tsm_check "guest: $G has lock, unlock, accept, state and report" \
	test -f "$GD/tsm/lock" -a -f "$GD/tsm/accept" -a -f "$GD/tsm/state" -a -f "$GD/tsm/report"
tsm_check "guest: state reads unlocked" state unlocked
tsm_check "guest: accept without lock is refused: EINVAL" \
	tsm_write_fails "$EINVAL" 1 "$GD/tsm/accept"
if stub_bind; then
	tsm_check "guest: lock with a driver bound is refused: EBUSY" \
		tsm_write_fails "$EBUSY" "$GTSM" "$GD/tsm/lock"
else
	ktap_test_fail "guest: lock with a driver bound is refused (pci-stub did not bind)"
fi
stub_unbind

# --- a device outside segment 0 ---------------------------------------------
# Guest messages name a device by 16 bits: the host domain's twin of $G
# (segment $TSM_EMU_DOMAIN) cannot be locked
tsm_check "guest: lock of a device outside PCI segment 0: EOPNOTSUPP" \
	tsm_write_fails "Operation not supported" "$GTSM" "$TSM_PCI/$TSM_DSM/tsm/lock"
tsm_check "... the kernel says why, nothing reached the hypervisor" \
	sh -c "dmesg | grep -q 'guest messages cannot name a device outside PCI segment 0' &&
	       [ -z \"\$(cat $TSM_PCI/$TSM_DSM/tsm/lock)\" ] &&
	       [ -z \"\$(cat $TSM_PCI/$TSM_DSM/tsm/bound)\" ]"

# --- a report that does not hash to the firmware's digest ---------------
wr tamper $V
tsm_check "guest: lock with a report tampered by the host: EKEYREJECTED" \
	tsm_write_fails "Key was rejected by service" "$GTSM" "$GD/tsm/lock"
tsm_check "... nothing is left locked or bound" nothing_held
tsm_check "... the kernel says why" \
	sh -c "dmesg | grep -q 'interface report does not match the digest'"

# --- the guest channel as AMD's hypervisor expects it (FACTS 6.11) -------
m0=$(peer_stat guest_msgs)
tsm_check "the stand-in refuses the next two SEV_TIO_OPs as busy" \
	sh -c "echo 'busy 2' > $V && [ \"\$(sed -n 's/^guest_busy //p' $STATS)\" = 2 ]"
tsm_check "guest: lock while the hypervisor is busy twice: BIND asked again" lock
tsm_check "... both busy refusals were used up" \
	tsm_expect_eq 0 "$(peer_stat guest_busy)" "busy refusals left"
tsm_check "... the lock took one guest message (TDI_INFO with the report)" \
	tsm_expect_eq $((m0 + 1)) "$(peer_stat guest_msgs)" "guest messages"
unlock
m0=$(peer_stat guest_msgs)
wr grow $V
tsm_check "guest: lock with a data area the host finds one page too small" lock
tsm_check "... the firmware took the first message; a new one with a larger area" \
	tsm_expect_eq $((m0 + 2)) "$(peer_stat guest_msgs)" "guest messages"
tsm_check "guest: accept $G" wr 1 "$GD/tsm/accept"
tsm_check "... the stand-in assigned the TEE MMIO pages from the MMIO_VALIDATE hints" \
	sh -c "[ \"\$(sed -n 's/^guest_mmio //p' $STATS)\" -gt 0 ]"
# A hostile hypervisor hands the firmware the accept's last message again
# before the unlock's first one: the firmware takes a message only at the
# guest's next sequence number (FACTS 6.11)
wr replay $V
tsm_check "guest: unlock $G, a replayed guest message before its first one" unlock
tsm_check "... the firmware refused the replay, the guest's own messages went through" \
	sh -c "[ \"\$(sed -n 's/^guest_replay_refused //p' $STATS)\" = 1 ] &&
	       [ \"\$(sed -n 's/^guest_replay_taken //p' $STATS)\" = 0 ] &&
	       dmesg | grep -q 'the firmware refused a replayed guest message'"
tsm_check "... every MMIO page went back to the host" \
	tsm_expect_eq 0 "$(peer_stat guest_mmio)" "assigned MMIO pages"
# An MMIO_VALIDATE without its hint, as a guest written for the RFC sends it
lock
wr nohint $V
tsm_check "guest: accept with an MMIO_VALIDATE stripped of its hint: EINVAL" \
	tsm_write_fails "$EINVAL" 1 "$GD/tsm/accept"
tsm_check "... the stand-in says why; no MMIO page stays assigned" \
	sh -c "dmesg | grep -q 'MMIO_VALIDATE with hint 0x0 that does not name its pages' &&
	       [ \"\$(sed -n 's/^guest_mmio //p' $STATS)\" = 0 ]"
tsm_check "guest: unlock after the refused accept" unlock
tsm_check "... nothing is left locked or bound" nothing_held
# As sev-guest: a guest request the firmware refused costs the guest its
# VMPCK (the firmware did not take the sequence number the guest spent)
fault "fw-status=0xe0:0x16"
tsm_check "guest: lock whose TDI_INFO the firmware refuses (INVALID_PARAM): EIO" \
	tsm_write_fails "Input/output error" "$GTSM" "$GD/tsm/lock"
fault ""
tsm_check "guest: the refused request disabled the VMPCK: lock fails with ENOTTY" \
	tsm_write_fails "Inappropriate ioctl" "$GTSM" "$GD/tsm/lock"
vmpck_gone()
{
	dmesg | grep -q 'disabling the VMPCK, as sev-guest does' && nothing_held
}
tsm_check "... the kernel says why; nothing is left locked or bound" vmpck_gone
# relaunch: a new VM (new VMPCKs) and its devsec TSM; it locks G again
relaunch()
{
	wr noguest $V && wr destroy $V && wr create $V &&
		wr "guest $TSM_EMU_DOMAIN $GDOM $TSM_GUEST_BUS" $V &&
		GTSM=$(tsm_by_mode devsec) && [ -n "$GTSM" ] && lock && unlock
}
tsm_check "a new VM: its guest locks $G again" relaunch

# --- lock, report, accept, driver, unlock --------------------------------
tsm_check "guest: lock $G" lock
tsm_check "guest: lock reads $GTSM, state reads locked" \
	sh -c "[ \"\$(cat $GD/tsm/lock)\" = $GTSM ] && [ \"\$(cat $GD/tsm/state)\" = locked ]"
tsm_check "host: $H is bound to the VM, TDISP CONFIG_LOCKED" \
	sh -c "[ \"\$(cat $HD/tsm/bound)\" = $TIO ] &&
	       [ \"\$(cat $BR/$H/tdi_state)\" = CONFIG_LOCKED ]"
tsm_check "uevent TSM_STATE=locked" uevent locked
cat "$GD/tsm/report" > /tmp/sevguest-report.bin
cat "$HD/tsm/report" > /tmp/sevguest-host-report.bin
n=$(od -An -tu4 -j 12 -N 4 /tmp/sevguest-report.bin | tr -d ' ')
tsm_check "guest: tsm/report is the host's report, $n MMIO ranges" \
	sh -c "[ ${n:-0} -ge 1 ] &&
	       [ \$(wc -c < /tmp/sevguest-report.bin) -eq $((20 + 16 * ${n:-0})) ] &&
	       cmp -s /tmp/sevguest-report.bin /tmp/sevguest-host-report.bin"
attrs=$(od -An -tx2 -j 28 -N 2 /tmp/sevguest-report.bin | tr -d ' ')
tsm_check "guest: the report decodes: range 0 is the MSI-X table of BAR 0" \
	tsm_expect_eq "0001:0000" "$attrs:$(od -An -tx2 -j 30 -N 2 /tmp/sevguest-report.bin |
		tr -d ' ')" "range 0 attributes:range ID"
tsm_check "guest: evidence_generation is set" \
	sh -c "[ \$(cat $GD/tsm/evidence_generation) -gt 0 ]"

# --- the tsm command -------------------------------------------------------
# json_obj DEV: the object of DEV in "tsm list --json", one line
json_obj()
{
	tsm list --json | sed 's/}, {"device"/}\n{"device"/g' | grep "\"device\": \"$1\""
}
# json_matches DEV ATTR...: each ATTR of DEV's object is what sysfs says
json_matches()
{
	dev=$1
	obj=$(json_obj "$dev") || { echo "# $dev not in tsm list --json"; return 1; }
	shift
	for a in "$@"; do
		v=$(cat "$TSM_PCI/$dev/tsm/$a")
		case "$obj" in
		*"\"$a\": \"$v\""*) ;;
		*) echo "# $dev $a: sysfs '$v', tsm list: $obj"; return 1 ;;
		esac
	done
}
tsm_check "tsm list --json: $G's lock, state, accept, evidence as in sysfs" \
	json_matches "$G" lock state accept evidence_generation
ide_link=$(basename "$(ls -d /sys/devices/pci$TSM_EMU_DOMAIN:*/stream* | head -1)")
# host_json: H's object has its TSM as connect and bound, and its stream
host_json()
{
	ide="[{\"name\": \"$ide_link\", \"endpoint\": \"secure\", \"root_port\": \"secure\"}]"
	obj=$(json_obj "$H") && case "$obj" in
	*"\"connect\": \"$TIO\", \"bound\": \"$TIO\""*"\"ide_streams\": $ide"*) ;;
	*) echo "# tsm list: $obj"; return 1 ;;
	esac
}
tsm_check "tsm list --json: $H's connect and bound as in sysfs, $ide_link Secure at both ends" \
	host_json
tsm_check "tsm list: $TIO link, $GTSM devsec" \
	sh -c "tsm list | grep -q '^$TIO *link\$' && tsm list | grep -q '^$GTSM *devsec\$'"
tsm_check "tsm report $G: 4 MMIO ranges, range 0 the MSI-X table of BAR 0" \
	sh -c "tsm report $G > /tmp/sevguest-report.txt &&
	       grep -q '^MMIO ranges: *4\$' /tmp/sevguest-report.txt &&
	       grep -q '^ *0: BAR 0 .* msix-table\$' /tmp/sevguest-report.txt"
head -c 30 /tmp/sevguest-report.bin > /tmp/sevguest-short.bin
tsm_check "tsm report of a truncated report: exit 4, says why" \
	sh -c "tsm report --file /tmp/sevguest-short.bin 2> /tmp/sevguest-tsm.err;
	       [ \$? -eq 4 ] && grep -q 'cannot hold' /tmp/sevguest-tsm.err"
tsm_check "guest: no driver before accept: EPERM" no_driver
echo > "$GD/driver_override"
tsm_check "... the kernel says why" \
	sh -c "dmesg | grep -q 'no driver while the TDISP interface is locked'"
tsm_check "guest: no MMIO is marked encrypted before accept" encrypted 0
tsm_check "guest: accept $G" wr 1 "$GD/tsm/accept"
tsm_check "guest: accept reads 1, state reads run" \
	sh -c "[ \"\$(cat $GD/tsm/accept)\" = 1 ] && [ \"\$(cat $GD/tsm/state)\" = run ]"
tsm_check "host: the interface is in TDISP RUN" tdi_wait "$H" RUN
tsm_check "every PCI/TSM sysfs file (host, bound, guest) has a Documentation/ABI entry" \
	abi_documented
tsm_check "uevent TSM_STATE=run" uevent run
tsm_check "trace: the connect of $H, its DOE exchanges, firmware commands, IDE" \
	traced "tsm_op_begin: $H connect" "tsm_op_end: $H connect rc=0" \
	"tsm_doe: $H type=[a-z-]*spdm req=[0-9]* rc=[1-9]" "tsm_fw_cmd: .* rc=0 status=0x0" \
	"tsm_ide_stream: $H stream=0 enable state=secure"
tsm_check "trace: lock and accept of $G, bind and start on $H, state run" \
	traced "tsm_op_end: $G lock rc=0" "tsm_op_end: $G accept rc=0" \
	"tsm_op_end: $H bind rc=0" "tsm_op_end: $H tdi_start rc=0" \
	"tsm_tdi_state: $G state=locked" "tsm_tdi_state: $G state=run"
tsm_check "guest: BAR 0 and BAR 2 are marked 'PCI MMIO Encrypted'" encrypted 2
pages=$(peer_stat private)
tsm_check "guest: a second accept is refused: EBUSY" \
	tsm_write_fails "$EBUSY" 1 "$GD/tsm/accept"
no_leak()
{
	tsm_expect_eq "$pages" "$(peer_stat private)" "firmware-owned pages" &&
		encrypted 2
}
tsm_check "... and leaks nothing: firmware pages, markers" no_leak
tsm_check "guest: a driver binds once accepted" \
	sh -c "echo pci-stub > $GD/driver_override && echo $G > $STUB/bind && [ -e $GD/driver ]"
tsm_check "guest: unlock with the driver bound is refused: EBUSY" \
	tsm_write_fails "$EBUSY" "$GTSM" "$GD/tsm/unlock"
stub_unbind
tsm_check "guest: noguest while the guest holds an interface: EBUSY" \
	tsm_write_fails "$EBUSY" noguest $V
# The channel's module is held while an interface is locked: unloading it
# would unlock the interface under the bound driver.  tsm_emu_psp is both
# the channel (one reference for the guest's lock) and the stand-in
# hypervisor (one for the host function it bound): unlock drops both.
REFCNT=/sys/module/tsm_emu_psp/refcnt
refs_locked=$(cat $REFCNT)
tsm_check "guest: unlock $G" unlock
tsm_check "... the channel's module was held while locked (refcnt $refs_locked)" \
	tsm_expect_eq "$refs_locked" "$(($(cat $REFCNT) + 2))" "refcnt while locked"
tsm_check "guest: state reads unlocked, markers gone" \
	sh -c "[ \"\$(cat $GD/tsm/state)\" = unlocked ] &&
	       ! grep -q 'PCI MMIO Encrypted' /proc/iomem"
tsm_check "... nothing is left locked or bound" nothing_held
# The unbind of an interface that ran: TDI_UNBIND, TDI_STATUS, TDI_RECLAIM,
# then ASID_FENCE_STATUS finds the VM's ASID fenced and ASID_FENCE_CLEAR
# lifts it (the firmware model refuses the next bind for a fenced ASID).
fence_lifted()
{
	sed -n 's/^tsm-model: psp: \([A-Z_]*\) (0x[0-9a-f]*) -> status .*/\1/p' "$PLOG" | uniq |
		awk '/^TDI_UNBIND$/ { n = 0; s = "" } { if (n++ < 5) s = s (s ? ":" : "") $0 }
		     END { print s }' > /tmp/sevguest-unbind.txt
	tsm_expect_eq "TDI_UNBIND:TDI_STATUS:TDI_RECLAIM:ASID_FENCE_STATUS:ASID_FENCE_CLEAR" \
		"$(cat /tmp/sevguest-unbind.txt)" "firmware commands of the unbind"
}
tsm_check "... the unbind lifted the ASID fence the running interface left" \
	fence_lifted
tsm_check "uevent TSM_STATE=unlocked" uevent unlocked
tsm_check "... firmware pages back to the VM's alone" \
	tsm_expect_eq "$vm_pages" "$(peer_stat private)" "firmware-owned pages"

# --- the host changes the device between lock and accept -----------------
bar0hi=$(cfgbyte "$H" 14)
lock
tsm_check "host: relock of $H with BAR 0 moved (a new report)" \
	wr "relock $H 14 $(printf '%02x' $((0x$bar0hi ^ 8)))" $V
tsm_check "guest: accept after the report changed: ESTALE" \
	tsm_write_fails "Stale file handle" 1 "$GD/tsm/accept"
tsm_check "... the kernel says why, the interface did not run" \
	sh -c "dmesg | grep -q 'interface report changed since lock' &&
	       [ \"\$(cat $BR/$H/tdi_state)\" = CONFIG_LOCKED ] &&
	       [ \"\$(cat $GD/tsm/accept)\" = 0 ]"
tsm_check "guest: unlock after the refused accept" unlock
tsm_check "... nothing is left locked or bound" nothing_held
setcfg "$H" 14 "$bar0hi"

# --- a configuration write while the interface runs ------------------
# The host side of the passthrough moves BAR 0: TDISP ERROR
cfg_error()
{
	tdi_wait "$H" ERROR && return 0
	echo "# $H config 14: $(cfgbyte "$H" 14), bridge:"
	sed 's/^/#   /' "$BR/stats"
	dmesg | tail -20 | sed 's/^/#   /'
	tail -5 "$DLOG" | sed 's/^/#   /'
	return 1
}
tsm_check "guest: tsm lock and tsm accept $G" \
	sh -c "tsm lock $G && tsm accept $G && [ \"\$(cat $GD/tsm/accept)\" = 1 ]"
tsm_check "host: the interface is in TDISP RUN" tdi_wait "$H" RUN
setcfg "$H" 14 "$(printf '%02x' $((0x$bar0hi ^ 8)))"
tsm_check "host: a write to BAR 0 of $H moves it to TDISP ERROR" cfg_error
tsm_check "guest: state reads error" state error
tsm_check "guest: accept reads 0, no MMIO is marked encrypted" \
	sh -c "[ \"\$(cat $GD/tsm/accept)\" = 0 ] && ! grep -q 'PCI MMIO Encrypted' /proc/iomem"
tsm_check "uevent TSM_STATE=error" uevent error
tsm_check "trace: state error" traced "tsm_tdi_state: $G state=error"
tsm_check "... the kernel says why" \
	sh -c "dmesg | grep -q 'TDISP interface left run (now error)'"
tsm_check "guest: accept in ERROR is refused: EIO" \
	tsm_write_fails "Input/output error" 1 "$GD/tsm/accept"
tsm_check "guest: tsm accept in ERROR: exit 1, says to unlock" \
	sh -c "tsm accept $G 2> /tmp/sevguest-tsm.err;
	       [ \$? -eq 1 ] && grep -q 'TDISP ERROR? (unlock it)' /tmp/sevguest-tsm.err"
tsm_check "guest: no driver in ERROR: EPERM" no_driver
echo > "$GD/driver_override"
tsm_check "guest: tsm unlock after ERROR" tsm unlock "$G"
tsm_check "... nothing is left locked or bound" nothing_held
setcfg "$H" 14 "$bar0hi"

# --- a Function Level Reset of the host device ---------------------------
# The interface runs in the guest; the host resets the device.  The core
# unbinds it first (the device model's interface is stopped, not failed by
# the reset), then finds the link lost and, by default, disconnects.
# hevent EVENT [CAUSE]: a TSM_EVENT=EVENT uevent for H, cause reset or CAUSE
hevent()
{
	wait_for "^$H TSM_EVENT=$1 TSM_CAUSE=${2:-reset}\$" "$UEV" ||
		{ echo "# uevents:"; sed 's/^/#   /' "$UEV"; return 1; }
}
tsm_check "guest: lock and accept $G" \
	sh -c "tsm lock $G && tsm accept $G && [ \"\$(cat $GD/tsm/accept)\" = 1 ]"
tsm_check "host: the interface is in TDISP RUN" tdi_wait "$H" RUN
tsm_check "host: FLR of $H" sh -c "echo flr > $HD/reset_method && echo 1 > $HD/reset"
tsm_check "... unbound before the reset: the interface was stopped (CONFIG_UNLOCKED)" \
	tdi_wait "$H" CONFIG_UNLOCKED
unbound_then_lost()
{
	hevent unbound && hevent disconnected
}
tsm_check "uevents: $H unbound, then disconnected" unbound_then_lost
tsm_check "host: the link was lost: disconnected, the stream released" \
	sh -c "[ -z \"\$(cat $HD/tsm/connect)\" ] && [ -z \"\$(cat $HD/tsm/bound)\" ] &&
	       ! ls -d /sys/devices/pci$TSM_EMU_DOMAIN:*/stream* > /dev/null 2>&1"
tsm_check "trace: unbound, then disconnected after the link check" \
	traced "tsm_link_event: $H unbound cause=reset rc=0" \
	"tsm_link_event: $H disconnected cause=reset rc=-67"
tsm_check "guest: state reads error, no MMIO is marked encrypted" \
	sh -c "[ \"\$(cat $GD/tsm/state)\" = error ] && [ \"\$(cat $GD/tsm/accept)\" = 0 ] &&
	       ! grep -q 'PCI MMIO Encrypted' /proc/iomem"
tsm_check "uevent TSM_STATE=error" uevent error
tsm_check "guest: unlock after the reset" unlock
tsm_check "... firmware pages: the VM's alone, the device's reclaimed" \
	tsm_expect_eq "$((vm_pages - conn_pages))" "$(peer_stat private)" \
	"firmware-owned pages"

# The reconnect policy: the core connects the device again
tsm_check "host: reset_policy reconnect, connect $H" \
	sh -c "echo reconnect > $HD/tsm/reset_policy && echo $TIO > $HD/tsm/connect"
gen=$(tsm_read "$HD/tsm/evidence_generation")
: > "$UEV"
tsm_check "host: FLR of $H with the reconnect policy" sh -c "echo 1 > $HD/reset"
tsm_check "uevent TSM_EVENT=reconnected (after the reset)" hevent reconnected
reconnected()
{
	tsm_expect_eq "$TIO" "$(tsm_read "$HD/tsm/connect")" connect &&
		tsm_expect_eq 2 "$(ide_state "$H" 0)" "IDE state"
}
tsm_check "... connected again, the new stream Secure" reconnected
tsm_check "... new evidence: the generation changed" \
	sh -c "[ \$(cat $HD/tsm/evidence_generation) -gt $gen ]"
tsm_check "guest: lock, accept and unlock work on the new link" \
	sh -c "tsm lock $G && tsm accept $G && tsm unlock $G"

# A system sleep: the interface leaves trust before it, the link is
# checked after it (the emulated devices keep their power: kept)
suspend_events()
{
	hevent unbound suspend && hevent kept resume
}
tsm_check "guest: lock and accept $G" \
	sh -c "tsm lock $G && tsm accept $G && [ \"\$(cat $GD/tsm/accept)\" = 1 ]"
: > "$UEV"
tsm_check "a suspend and resume cycle of the system" sleep_cycle
tsm_check "... $H unbound before the suspend, its link kept after it" suspend_events
# Guest and host share this kernel: the guest side saw the sleep too,
# and unlocked its interface before it (a guest's own sleep does that)
guest_unlocked()
{
	wait_for "^$G TSM_EVENT=unlocked TSM_CAUSE=suspend\$" "$UEV" &&
		state unlocked
}
tsm_check "guest: unlocked before the suspend (uevent), state reads unlocked" \
	guest_unlocked
still_connected()
{
	nothing_held && tsm_expect_eq "$TIO" "$(tsm_read "$HD/tsm/connect")" connect
}
tsm_check "... nothing is left locked or bound, the host still connected" \
	still_connected
echo disconnect > "$HD/tsm/reset_policy"
echo > "$HD/reset_method"

# --- teardown -------------------------------------------------------------
tsm_check "trace: a refused accept is traced with its errno" \
	traced "tsm_op_end: $G accept rc=-5" "tsm_op_end: $G accept rc=-116"
echo 0 > "$T/events/tsm/enable"
echo > /proc/sys/kernel/hotplug
tsm_check "guest: the devsec TSM unregisters" wr noguest $V
tsm_check "host: disconnect, destroy the VM: no page left firmware-owned" \
	sh -c "echo $TIO > $HD/tsm/disconnect && echo destroy > $V &&
	       [ \$(sed -n 's/^private //p' $DBG/stats) -eq $base ]"
wr 0 "$DBG/tio"
kill "$pmodel" "$dmodel" 2>/dev/null
wait "$pmodel" "$dmodel" 2>/dev/null
tsm_check "tsm_emu_psp unloads" rmmod tsm_emu_psp

for m in tsm_emu_bridge tsm_emu; do
	rmmod $m
done
. /tests/setup.sh

ktap_finished
