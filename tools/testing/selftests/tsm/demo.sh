#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demonstration: what an operator sees of SEV-TIO on the emulated
# TEE-IO platform, the host and the guest side, against the device and
# firmware models.  Run by `make` with the SEV-TIO platform up
# (TSM_PLATFORM=sevtio, setup-sevtio.sh); exits non-zero if a step that
# should work did not.
. /tests/lib.sh
. /tmp/sevtio.env

step() { echo; echo "==> $*"; }
show() { echo "    $1: $(tsm_read "$2")"; }
# run CMD: show and run a step that must work
run()
{
	echo "    # $*"
	sh -c "$*" > /tmp/demo.out 2>&1
	st=$?
	sed 's/^/    /' /tmp/demo.out
	[ $st -eq 0 ] || { echo "    (failed: exit $st)"; demo_rc=1; }
}
# refused CMD: show a step the kernel must refuse, and its reason
refused()
{
	echo "    # $*"
	if sh -c "$*" > /tmp/demo.out 2>&1; then
		echo "    (unexpectedly accepted)"
		demo_rc=1
	fi
	sed 's/^/    /' /tmp/demo.out
}
demo_rc=0
H=$TSM_PCI/$HOST_DSM
G=$TSM_PCI/$GUEST_DEV

step "TEE Security Managers"
for t in /sys/class/tsm/tsm*; do
	echo "    $(basename "$t"): $(cat "$t/pci_mode")"
done
echo "    host: $TIO is the SEV-TIO link TSM (firmware model behind the PSP seam)"
echo "    guest: $GTSM is the SEV-TIO devsec TSM of the confidential VM"

step "Host: connect $HOST_DSM to $TIO (DEV_CREATE, DEV_CONNECT: SPDM session, IDE keys)"
run "echo $TIO > $H/tsm/connect"
show "tsm/connect" "$H/tsm/connect"
echo "    IDE stream: endpoint $(ide_state "$HOST_DSM" 0), root port" \
	"$(ide_state "$TSM_RP0" 0) (2 = Secure); links: $(streams)"
run "tsm evidence $HOST_DSM --out /tmp/demo-ev"

step "Host: the device's evidence, verified against the test root"
run "tsm verify $HOST_DSM --root $CERTS/root.der"

step "Guest: lock $GUEST_DEV with $GTSM (the host binds $HOST_DSM to the VM: TDI_BIND)"
run "echo $GTSM > $G/tsm/lock"
show "guest tsm/state" "$G/tsm/state"
show "host tsm/bound" "$H/tsm/bound"
run "tsm report $GUEST_DEV"

step "Guest: accept (TDISP RUN, secure DTE, private MMIO validated)"
run "echo 1 > $G/tsm/accept"
show "guest tsm/state" "$G/tsm/state"
echo "    /proc/iomem:"
grep 'PCI MMIO Encrypted' /proc/iomem | sed 's/^/      /'

step "Refusals are clear"
refused "echo $TIO > $H/tsm/connect"
refused "echo 1 > $G/tsm/accept"
refused "echo tsm99 > $TSM_PCI/$TSM_DSM/tsm/connect"

step "Guest: unlock (STOP, unbind on the host, the VM's ASID fence lifted)"
run "echo $GTSM > $G/tsm/unlock"
show "guest tsm/state" "$G/tsm/state"
show "host tsm/bound" "$H/tsm/bound"
echo "    firmware commands of the unbind:" \
	"$(sed -n 's/^tsm-model: psp: \([A-Z_]*\) (0x[0-9a-f]*) -> status .*/\1/p' \
		"$FIRMWARE_LOG" | uniq | tail -5 | tr '\n' ' ')"

step "Host: disconnect $HOST_DSM (DEV_DISCONNECT, DEV_RECLAIM)"
run "echo $TIO > $H/tsm/disconnect"
show "tsm/connect" "$H/tsm/connect"
echo "    IDE stream: endpoint $(ide_state "$HOST_DSM" 0) (0 = Insecure)"

echo
echo "Kernel messages:"
dmesg | grep -E 'SEV-TIO|tsm' | tail -12 | sed 's/^/    /'
echo
if [ $demo_rc -eq 0 ]; then
	echo "Demonstration complete."
else
	echo "Demonstration FAILED: a step above did not work."
fi
exit $demo_rc
