#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the TSM VM selftests (busybox sh).  Source after
# ktap_helpers.sh.

TSM_EMU_DOMAIN=${TSM_EMU_DOMAIN:-00f0}
# The confidential VM's view of the devices (tsm_emu guest_bus=0xNN): in
# segment 0, as its guest messages require, from bus TSM_GUEST_BUS on
TSM_GUEST_BUS=${TSM_GUEST_BUS:-80}
TSM_GUEST_DEV=0000:$(printf '%02x' $((0x$TSM_GUEST_BUS + 1))):00.0

# tsm_check DESCRIPTION COMMAND...: one KTAP result from a command's status.
tsm_check()
{
	desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# tsm_write_fails ERRNO_TEXT VALUE FILE: writing VALUE to FILE must fail
# and the shell's error text must name the expected errno.
tsm_write_fails()
{
	want=$1
	val=$2
	file=$3
	out=$( (echo "$val" > "$file") 2>&1 )
	st=$?
	if [ $st -eq 0 ]; then
		echo "# write '$val' > $file unexpectedly succeeded"
		return 1
	fi
	case "$out" in
	*"$want"*) return 0 ;;
	esac
	echo "# write '$val' > $file: '$out', expected '$want'"
	return 1
}

# tsm_read FILE: contents of FILE (empty if it cannot be read)
tsm_read()
{
	cat "$1" 2>/dev/null
}

# tsm_expect_eq WANT GOT WHAT
tsm_expect_eq()
{
	if [ "$1" = "$2" ]; then
		return 0
	fi
	echo "# $3: expected '$1', got '$2'"
	return 1
}

# tsm_module_path NAME: path of a module of the running kernel
tsm_module_path()
{
	find "$TSM_MODDIR" -name "$1.ko" | head -1
}

# tsm_load NAME [PARAM=VALUE...]
tsm_load()
{
	m=$1
	shift
	insmod "$(tsm_module_path "$m")" "$@" 2>/dev/null
}

tsm_loaded()
{
	grep -q "^$1 " /proc/modules
}

# Emulated platform (samples/tsm/tsm-emu.h default topology)
TSM_HB=/sys/devices/pci$TSM_EMU_DOMAIN:00
TSM_DSM_MFD=$TSM_EMU_DOMAIN:01:00.0	# DSM of a two-function device
TSM_FN1=$TSM_EMU_DOMAIN:01:00.1		# its function 1 (TEE, no DOE/IDE)
TSM_DSM=$TSM_EMU_DOMAIN:02:00.0		# single-function DSM
TSM_RP0=$TSM_EMU_DOMAIN:00:00.0		# root port above TSM_DSM_MFD
TSM_PLAIN=$TSM_EMU_DOMAIN:03:00.0	# no TEE
TSM_PCI=/sys/bus/pci/devices

EINVAL="Invalid argument"
EBUSY="Device or resource busy"
ENXIO="No such device or address"
EPERM="Permission denied"
ENOTCONN="Transport endpoint is not connected"

# ide_txsets DEV RP: the IDE key sets endpoint DEV and its root port RP
# transmit their first stream with ("K0:K1"), from the emulator's debugfs
ide_txsets()
{
	local d=/sys/kernel/debug/tsm_emu/$TSM_EMU_DOMAIN e r

	e=$(awk 'NR == 1 { print $3 }' "$d/${1#*:}/ide_keys")
	r=$(awk 'NR == 1 { print $3 }' "$d/${2#*:}/ide_keys")
	echo "$e:$r"
}

# ide_refused DEV RP: the emulator's refused-traffic counts of DEV and RP
ide_refused()
{
	local d=/sys/kernel/debug/tsm_emu/$TSM_EMU_DOMAIN

	echo "$(cat "$d/${1#*:}/ide_refused"):$(cat "$d/${2#*:}/ide_refused")"
}

# ide_poll DEV RP OUT STOP: in the background, read the state of the first
# stream of DEV and RP in a loop, one "EP:RP" line per read into OUT, until
# the file STOP exists; sets poller to its PID
ide_poll()
{
	local e r ecfg rcfg out stop

	e=$(($(ide_sel_block "$1" 0) + 8))
	r=$(($(ide_sel_block "$2" 0) + 8))
	ecfg=$TSM_PCI/$1/config
	rcfg=$TSM_PCI/$2/config
	out=$3
	stop=$4
	rm -f "$stop"
	(
		while [ ! -e "$stop" ]; do
			set -- $(od -An -tx4 -j $e -N4 "$ecfg") \
				$(od -An -tx4 -j $r -N4 "$rcfg")
			echo "$((0x$1 & 15)):$((0x$2 & 15))"
		done > "$out"
	) &
	poller=$!
	# its first read
	e=0
	while [ ! -s "$out" ] && [ $e -lt 50 ]; do
		sleep 0.1
		e=$((e + 1))
	done
}

# ide_polls_secure OUT: every line of OUT reads Secure at both ends
ide_polls_secure()
{
	local n

	n=$(grep -cv '^2:2$' "$1")
	[ "$n" -eq 0 ] && return 0
	echo "# $n reads not Secure at both ends:"
	grep -v '^2:2$' "$1" | head -5
	return 1
}

# ide_refresh_loop DEV RP N OUT STOP: N writes of 1 to DEV's tsm/ide_refresh
# while ide_poll reads the stream state of DEV and RP into OUT; sets
# refresh_fails (failed writes) and refresh_alternated (1 if both ends
# transmitted with K1, K0, K1, ... after the refreshes)
ide_refresh_loop()
{
	local i=1 want

	ide_poll "$1" "$2" "$4" "$5"
	refresh_fails=0
	refresh_alternated=1
	while [ $i -le "$3" ]; do
		echo 1 > "$TSM_PCI/$1/tsm/ide_refresh" ||
			refresh_fails=$((refresh_fails + 1))
		want=K$((i % 2))
		[ "$(ide_txsets "$1" "$2")" = "$want:$want" ] || refresh_alternated=0
		i=$((i + 1))
	done
	# a few more reads after the last refresh
	sleep 0.3
	touch "$5"
	wait $poller
	echo "# $(wc -l < "$4") status reads of both ends during the refreshes"
}

# link_sample_platform: the default emulated platform with the sample link
# TSM (the tests before may have left another platform, or none)
link_sample_platform()
{
	unload_platform
	modprobe tsm_emu && tsm_load tsm_link_sample &&
		[ -e "$TSM_PCI/$TSM_DSM_MFD/tsm/connect" ]
}

# link_events_start FILE: record the TSM_EVENT uevents ("DEV TSM_EVENT=E
# TSM_CAUSE=C" lines) in FILE, trace tsm_link_event into an empty trace
# buffer, and start kmemleak afresh
link_events_start()
{
	local t=/sys/kernel/tracing

	cat > /tmp/tsm-link-uevent.sh <<EOT
#!/bin/sh
[ -n "\$TSM_EVENT" ] &&
	echo "\${DEVPATH##*/} TSM_EVENT=\$TSM_EVENT TSM_CAUSE=\$TSM_CAUSE" >> $1
exit 0
EOT
	chmod +x /tmp/tsm-link-uevent.sh
	: > "$1"
	echo /tmp/tsm-link-uevent.sh > /proc/sys/kernel/hotplug
	[ -d "$t/events" ] || mount -t tracefs nodev "$t" 2>/dev/null
	echo > "$t/trace"
	echo 1 > "$t/events/tsm/tsm_link_event/enable"
	echo scan > /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
}

# link_events_stop: undo link_events_start
link_events_stop()
{
	echo 0 > /sys/kernel/tracing/events/tsm/tsm_link_event/enable
	echo > /proc/sys/kernel/hotplug
}

# tsm_by_mode MODE: name of the first TSM whose pci_mode is MODE
tsm_by_mode()
{
	for t in /sys/class/tsm/tsm*; do
		[ -e "$t/pci_mode" ] || continue
		if [ "$(cat "$t/pci_mode")" = "$1" ]; then
			basename "$t"
			return 0
		fi
	done
	return 1
}

# cfg_read32 DEV OFFSET: config dword of DEV (hex, no prefix)
cfg_read32()
{
	od -An -tx4 -j "$2" -N4 "$TSM_PCI/$1/config" | tr -d ' '
}

# ext_cap DEV ID: offset (decimal) of extended capability ID of DEV, or 0
ext_cap()
{
	off=256
	while [ "$off" -ne 0 ]; do
		hdr=$((0x$(cfg_read32 "$1" "$off")))
		[ "$hdr" -eq 0 ] && break
		if [ $((hdr & 0xffff)) -eq "$2" ]; then
			echo "$off"
			return 0
		fi
		off=$(((hdr >> 20) & 0xffc))
	done
	echo 0
}

# ide_sel_block DEV INDEX: offset (decimal) of Selective IDE block INDEX
ide_sel_block()
{
	cap=$(ext_cap "$1" 48)
	[ "$cap" -ne 0 ] || { echo 0; return 1; }
	idecap=$((0x$(cfg_read32 "$1" $((cap + 4)))))
	nlink=0
	[ $((idecap & 1)) -ne 0 ] && nlink=$(( ((idecap >> 13) & 7) + 1 ))
	off=$((cap + 12 + 8 * nlink))
	i=0
	while [ $i -lt "$2" ]; do
		selcap=$((0x$(cfg_read32 "$1" "$off")))
		off=$((off + 20 + 12 * (selcap & 0xf)))
		i=$((i + 1))
	done
	echo "$off"
}

# ide_state DEV INDEX: Selective IDE Stream State of block INDEX (decimal)
ide_state()
{
	blk=$(ide_sel_block "$1" "$2")
	echo $((0x$(cfg_read32 "$1" $((blk + 8))) & 0xf))
}

# ide_secure EP RP: the stream (block 0) is Secure at the endpoint EP and
# its root port RP
ide_secure()
{
	tsm_expect_eq 2:2 "$(ide_state "$1" 0):$(ide_state "$2" 0)" "IDE state EP:RP"
}

# tdi_wait DEV STATE: the device model's interface of DEV reaches STATE
# within 5 s (configuration writes reach the model asynchronously)
tdi_wait()
{
	i=0
	tdi_f=/sys/kernel/debug/tsm_emu_bridge/$1/tdi_state
	while [ "$(cat "$tdi_f")" != "$2" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tsm_expect_eq "$2" "$(cat "$tdi_f")" "$1 TDISP state"
}

# fw STEP...: run the firmware model with the test's FWOPTS; its output
# (in OUT) goes to the log on failure
fw()
{
	if tsm-model firmware $FWOPTS "$@" > "$OUT" 2>&1; then
		return 0
	fi
	sed 's/^/# /' "$OUT"
	return 1
}

# ide_ctl DEV INDEX: Selective IDE Stream Control of block INDEX (hex)
ide_ctl()
{
	blk=$(ide_sel_block "$1" "$2")
	cfg_read32 "$1" $((blk + 4))
}

# streams: the streamH.R.E links of the emulated host bridge
streams()
{
	ls "$TSM_HB" 2>/dev/null | grep '^stream' | tr '\n' ' '
}

# as_nobody CMD: run CMD as an unprivileged user
as_nobody()
{
	su -s /bin/sh nobody -c "$1"
}

# wr VALUE FILE: write VALUE to FILE (status of the write)
wr()
{
	(echo "$1" > "$2") 2>/dev/null
}

# nobody_wr VALUE FILE: the write must be refused for an unprivileged user
nobody_wr_refused()
{
	! as_nobody "echo $1 > $2" 2>/dev/null
}

# nocap_wr_refused VALUE FILE: root without CAP_SYS_ADMIN gets EPERM, and
# FILE, if readable, reads the same after the write as before it
nocap_wr_refused()
{
	before=$(cat "$2" 2>/dev/null)
	out=$(tsm_bench as nocap sh -c "echo $1 > $2" 2>&1) && {
		echo "# write '$1' > $2 without CAP_SYS_ADMIN succeeded"
		return 1
	}
	case "$out" in
	*"Operation not permitted"*) ;;
	*) echo "# expected EPERM, got: $out"; return 1 ;;
	esac
	[ "$(cat "$2" 2>/dev/null)" = "$before" ]
}

# avail: available_secure_streams of the emulated host bridge
avail()
{
	tsm_read "$TSM_HB/available_secure_streams"
}

# nr_streams: number of streamH.R.E links of the emulated host bridge
# nr_streams [HOST_BRIDGE]: number of streamH.R.E links of a host bridge
# (default: the emulated one)
nr_streams()
{
	ls "${1:-$TSM_HB}" 2>/dev/null | grep -c '^stream'
}

# unload_platform: unload the emulated platform and the TSMs on it, so
# that a test can load it again with parameters of its own
unload_platform()
{
	for m in tsm_emu_psp tsm_devsec_sample tsm_link_sample tsm_emu_bridge tsm_emu; do
		rmmod $m 2>/dev/null
	done
}

# wait_for PATTERN FILE: FILE shows PATTERN within 30 s (a reconnect takes
# a few seconds under TCG, more on a loaded host)
wait_for()
{
	i=0
	while ! grep -q "$1" "$2" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "$1" "$2"
}

# Peer programs (bridge_peer, psp_peer) playing the user-space model of a
# test module.  The test sets P (the program), MOUT (its output file) and
# STATS (the module's debugfs stats file).

# start_model ARGS...: $P model ARGS in the background, once ready
start_model()
{
	$P model "$@" > "$MOUT" 2>&1 &
	mpid=$!
	wait_for '^ready' "$MOUT"
}

# stop_model [kill]: wait for (or end) the model; its output goes to the log
stop_model()
{
	[ "${1:-}" = kill ] && kill "$mpid"
	wait "$mpid"
	mrc=$?
	sed 's/^/# model: /' "$MOUT"
	return $mrc
}

# peer_stat NAME: a counter of the module's debugfs stats
peer_stat()
{
	sed -n "s/^$1 //p" "$STATS"
}

# expect_out WANT CMD...: CMD's output must be WANT
expect_out()
{
	want=$1
	shift
	tsm_expect_eq "$want" "$("$@" 2>&1)" "$*"
}

# Every PCI/TSM sysfs file present has a "What:" entry in the series'
# Documentation/ABI (scripts/vm-run.sh copies it to /tests/abi); fails
# naming the files that have none.
abi_documented()
{
	local f w bad=""

	for f in /sys/bus/pci/devices/*/tsm/* /sys/bus/pci/devices/*/authenticated \
		 /sys/class/tsm/tsm*/* /sys/devices/pci*/available_secure_streams \
		 /sys/devices/pci*/stream*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		case "$f" in
		/sys/bus/pci/devices/*/tsm/*) w=/sys/bus/pci/devices/.../tsm/${f##*/} ;;
		/sys/bus/pci/devices/*) w=/sys/bus/pci/devices/.../${f##*/} ;;
		/sys/class/tsm/*)
			# The driver core's own files of every class device
			case "${f##*/}" in uevent|power|subsystem|device) continue ;; esac
			w=/sys/class/tsm/tsmN/${f##*/} ;;
		*/available_secure_streams) w=/sys/devices/pciDDDD:BB/available_secure_streams ;;
		*) w=/sys/devices/pciDDDD:BB/streamH.R.E ;;
		esac
		grep -qx "What:[[:space:]]*$w" /tests/abi/* || bad="$bad $f"
	done
	[ -z "$bad" ] || { echo "# no Documentation/ABI entry:$bad"; return 1; }
}

# kmemleak_clean: a kmemleak scan finds no unreferenced object; lists the
# first ones otherwise (and clears them, so that the next scan is fresh)
kmemleak_clean()
{
	echo scan > /sys/kernel/debug/kmemleak
	n=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
	[ "$n" -eq 0 ] && return 0
	echo "# kmemleak: $n objects"
	head -30 /sys/kernel/debug/kmemleak | sed 's/^/# /'
	echo clear > /sys/kernel/debug/kmemleak
	return 1
}

# cfgbyte DEV OFF: configuration byte OFF (hex) of DEV, two hex digits
cfgbyte()
{
	od -An -tx1 -j $((0x$2)) -N 1 "$TSM_PCI/$1/config" | tr -d ' '
}

# setcfg DEV OFF BYTE: write configuration byte OFF (hex) of DEV
setcfg()
{
	printf "\\$(printf '%03o' 0x$3)" |
		dd of="$TSM_PCI/$1/config" bs=1 seek=$((0x$2)) count=1 conv=notrunc 2>/dev/null
}

# sleep_cycle: a system suspend and resume: suspend to idle with the
# freezer test level (CONFIG_PM_DEBUG), the tasks frozen for one second
sleep_cycle()
{
	echo 1 > /sys/module/suspend/parameters/pm_test_delay &&
		echo freezer > /sys/power/pm_test &&
		echo freeze > /sys/power/state
	rc=$?
	echo none > /sys/power/pm_test
	return $rc
}
