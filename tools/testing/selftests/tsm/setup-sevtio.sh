#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SEV-TIO platform of `make run PLATFORM=sevtio` and of the
# demonstration, sourced after lib.sh.  sevtio_up brings it up:
#
#   - the emulated platform: the host's devices ($TSM_EMU_DOMAIN) and the
#     confidential VM's view of the same hardware (domain 0 from bus
#     $TSM_GUEST_BUS on, segment 0 as the guest messages require);
#   - the device model (SPDM, IDE_KM, TDISP of every emulated device) and
#     the firmware model (the SEV-TIO firmware behind the ccp driver's
#     firmware seam), their logs in $SEVTIO_DLOG and $SEVTIO_PLOG;
#   - the SEV-TIO link TSM of the host ($TIO);
#   - one confidential VM in the stand-in hypervisor (debugfs
#     tsm_emu_psp/vm), and the SEV-TIO devsec TSM of its guest ($GTSM),
#     whose guest channel the stand-in hypervisor serves.
#
# It writes what it set up to $SEVTIO_ENV, for scripts to source.
# sevtio_down stops the models and unloads the platform.

SEVTIO_DBG=/sys/kernel/debug/tsm_emu_psp
SEVTIO_CTL=/tmp/sevtio.ctl
SEVTIO_DLOG=/tmp/sevtio-device.log
SEVTIO_PLOG=/tmp/sevtio-psp.log
SEVTIO_ENV=/tmp/sevtio.env

# sevtio_fail MESSAGE: say what did not come up, return 1
sevtio_fail()
{
	echo "sevtio: $1" >&2
	return 1
}

sevtio_up()
{
	GDOM=0000
	unload_platform
	modprobe tsm_emu guest_bus=0x$TSM_GUEST_BUS && modprobe tsm_emu_bridge ||
		{ sevtio_fail "the emulated platform did not load"; return 1; }
	modprobe tsm_emu_psp ||
		{ sevtio_fail "tsm_emu_psp (with ccp) did not load"; return 1; }
	: > "$SEVTIO_CTL"
	tsm-model device --certs /etc/tsm-model --ctl "$SEVTIO_CTL" \
		2> "$SEVTIO_DLOG" &
	SEVTIO_DPID=$!
	tsm-model psp --certs /etc/tsm-model --ctl "$SEVTIO_CTL" -v \
		2> "$SEVTIO_PLOG" &
	SEVTIO_PPID=$!
	wait_for attached "$SEVTIO_DLOG" && wait_for attached "$SEVTIO_PLOG" ||
		{ sevtio_fail "the device and firmware models did not attach"; return 1; }
	echo 1 > "$SEVTIO_DBG/tio" && TIO=$(tsm_by_mode link) ||
		{ sevtio_fail "the SEV-TIO link TSM did not register"; return 1; }
	echo create > "$SEVTIO_DBG/vm" &&
		echo "guest $TSM_EMU_DOMAIN $GDOM $TSM_GUEST_BUS" > "$SEVTIO_DBG/vm" &&
		GTSM=$(tsm_by_mode devsec) ||
		{ sevtio_fail "the VM or its SEV-TIO devsec TSM did not come up"; return 1; }
	cat > "$SEVTIO_ENV" <<EOF
# What sevtio_up set up: the SEV-TIO platform of make run PLATFORM=sevtio
TIO=$TIO			# the host's SEV-TIO link TSM
GTSM=$GTSM			# the guest's SEV-TIO devsec TSM
HOST_DOMAIN=$TSM_EMU_DOMAIN	# the host's emulated devices
GUEST_DOMAIN=$GDOM		# the VM's view of them
HOST_DSM=$TSM_EMU_DOMAIN:01:00.0	# a two-function device (DSM)
HOST_FN1=$TSM_EMU_DOMAIN:01:00.1	# its function 1
GUEST_DEV=$TSM_GUEST_DEV		# the guest's view of HOST_DSM
VM=$SEVTIO_DBG/vm		# the stand-in hypervisor's VM
DEVICE_LOG=$SEVTIO_DLOG		# the device model's log
FIRMWARE_LOG=$SEVTIO_PLOG	# the firmware model's log
CERTS=/etc/tsm-model		# the test PKI (root.der is the trust anchor)
SEVTIO_DPID=$SEVTIO_DPID
SEVTIO_PPID=$SEVTIO_PPID
EOF
}

sevtio_down()
{
	[ -f "$SEVTIO_ENV" ] && . "$SEVTIO_ENV"
	# The guest lets go first; unbinding and disconnecting need the
	# firmware, so the link TSM goes before the models
	if [ -e "$SEVTIO_DBG/vm" ]; then
		echo noguest > "$SEVTIO_DBG/vm" 2>/dev/null
		echo destroy > "$SEVTIO_DBG/vm" 2>/dev/null
	fi
	[ -e "$SEVTIO_DBG/tio" ] && echo 0 > "$SEVTIO_DBG/tio" 2>/dev/null
	for p in ${SEVTIO_PPID:-} ${SEVTIO_DPID:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	unload_platform
	rm -f "$SEVTIO_ENV"
}
