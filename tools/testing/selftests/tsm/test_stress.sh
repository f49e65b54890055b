#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stress and surprise removal.
#
# With the sample TSMs (link and devsec): 1000 connect/disconnect cycles,
# 1000 lock/accept/unlock cycles, and 8 writers issuing random verbs on
# the same and on different devices; the stream accounting and kmemleak
# come back clean, and the final state is consistent.  A sysfs remove and
# a module unload in the middle of a slow connect (the emulated DOE
# mailbox answering late).
#
# With SEV-TIO and its guest (as test_sevguest.sh): connect/disconnect
# and lock/accept/unlock cycles, the 8 writers again with the firmware in
# the loop, and a device removal and a TSM unregistration in the middle
# of a slow connect and of a slow lock (the device model answering late);
# firmware-owned pages return to their start value each time.
. /tests/ktap_helpers.sh
. /tests/lib.sh

CYCLES=${TSM_STRESS_CYCLES:-1000}
TIO_CYCLES=${TSM_STRESS_TIO_CYCLES:-100}
STORM_SECS=${TSM_STRESS_SECS:-20}
# Slab growth allowed over the 2 x 1000 cycles (kB): memory that stays
# referenced (kmemleak only finds unreferenced objects) and grows by 256
# bytes or more per cycle exceeds it
SLAB_SLACK=${TSM_STRESS_SLAB_SLACK:-512}
KMEMLEAK=/sys/kernel/debug/kmemleak
EMUDBG=/sys/kernel/debug/tsm_emu/$TSM_EMU_DOMAIN

ktap_print_header
ktap_set_plan 34

# cycle ARGS...: tsm_bench cycle, its figure in the log
cycle()
{
	out=$(tsm_bench cycle "$@") || { echo "# $out"; return 1; }
	echo "# $out"
}

# storm VERB_PAIRS...: 8 writers for STORM_SECS; the counts in the log
storm()
{
	out=$(tsm_bench storm "$STORM_SECS" 8 "$seed" "$@")
	rc=$?
	echo "$out" | sed 's/^/# storm: /'
	[ $rc -eq 0 ] && echo "$out" | grep -q '^writes [1-9]'
}

# slab: the Slab figure of /proc/meminfo, kB, once settled: caches
# dropped and every slab cache shrunk, which also empties the KASAN
# quarantine of freed objects (up to 1/32 of memory)
slab()
{
	sync
	echo 3 > /proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f" 2>/dev/null
	done
	sed -n 's/^Slab: *\([0-9]*\) kB/\1/p' /proc/meminfo
}

# slab_back START: Slab is back within SLAB_SLACK kB of START
slab_back()
{
	now=$(slab)
	echo "# Slab ${1} kB before, ${now} kB after ($((now - $1)) kB)"
	[ $((now - $1)) -le "$SLAB_SLACK" ]
}

seed=$(($(date +%s) % 1000))
echo "# random seed $seed"
LINK=$(tsm_by_mode link)
DEVSEC=$(tsm_by_mode devsec)
D=$TSM_PCI/$TSM_DSM_MFD
D2=$TSM_PCI/$TSM_DSM
F1=$TSM_PCI/$TSM_FN1
avail0=$(avail)
# A few cycles first, so that what the first ones allocate for good
# (caches, trace buffers) is in the starting figure
cycle 10 "$LINK" "$D/tsm/connect" "$LINK" "$D/tsm/disconnect" >/dev/null
cycle 10 "$DEVSEC" "$D2/tsm/lock" 1 "$D2/tsm/accept" "$DEVSEC" "$D2/tsm/unlock" \
	>/dev/null
echo scan > "$KMEMLEAK"
echo clear > "$KMEMLEAK"
slab0=$(slab)

# --- sample TSMs: cycles --------------------------------------------------
tsm_check "$CYCLES connect/disconnect cycles ($LINK)" \
	cycle "$CYCLES" "$LINK" "$D/tsm/connect" "$LINK" "$D/tsm/disconnect"
tsm_check "... stream accounting back to its start" \
	tsm_expect_eq "$avail0:0" "$(avail):$(nr_streams)" avail:streams
tsm_check "$CYCLES lock/accept/unlock cycles ($DEVSEC)" \
	cycle "$CYCLES" "$DEVSEC" "$D2/tsm/lock" 1 "$D2/tsm/accept" "$DEVSEC" "$D2/tsm/unlock"
tsm_check "... unlocked, nothing accepted" \
	tsm_expect_eq ":0" "$(tsm_read "$D2/tsm/lock"):$(tsm_read "$D2/tsm/accept")" lock:accept
tsm_check "kmemleak finds nothing after the cycles" kmemleak_clean
tsm_check "Slab back to its start after the cycles" slab_back "$slab0"

# --- sample TSMs: 8 writers ------------------------------------------------
tsm_check "8 writers, random verbs on three functions for ${STORM_SECS} s" \
	storm "$LINK" "$D/tsm/connect" "$LINK" "$D/tsm/disconnect" \
	"$LINK" "$D2/tsm/connect" "$LINK" "$D2/tsm/disconnect" \
	"$DEVSEC" "$D2/tsm/lock" 1 "$D2/tsm/accept" "$DEVSEC" "$D2/tsm/unlock" \
	"$DEVSEC" "$F1/tsm/lock" 1 "$F1/tsm/accept" "$DEVSEC" "$F1/tsm/unlock" \
	"$DEVSEC" "$D/tsm/lock" "$DEVSEC" "$D/tsm/unlock"
# consistent: one stream per connected DSM, accept only where locked
consistent()
{
	n=0
	for d in $D $D2; do
		c=$(tsm_read "$d/tsm/connect")
		case "$c" in
		"$LINK") n=$((n + 1)) ;;
		"") ;;
		*) echo "# $d connect reads '$c'"; return 1 ;;
		esac
	done
	for d in $D $D2 $F1; do
		l=$(tsm_read "$d/tsm/lock")
		a=$(tsm_read "$d/tsm/accept")
		case "$l:$a" in
		"$DEVSEC:0"|"$DEVSEC:1"|":0") ;;
		*) echo "# $d lock:accept reads '$l:$a'"; return 1 ;;
		esac
	done
	tsm_expect_eq "$n:$((avail0 - n))" "$(nr_streams):$(avail)" "streams:avail"
}
tsm_check "... the final state is consistent (streams match connects)" consistent
release_all()
{
	for d in $D $D2 $F1; do
		[ -n "$(tsm_read "$d/tsm/lock")" ] && wr "$DEVSEC" "$d/tsm/unlock"
	done
	for d in $D $D2; do
		[ -n "$(tsm_read "$d/tsm/connect")" ] && wr "$LINK" "$d/tsm/disconnect"
	done
	tsm_expect_eq "$avail0:0" "$(avail):$(nr_streams)" avail:streams
}
tsm_check "... everything releases, accounting at its start" release_all
tsm_check "kmemleak finds nothing after the writers" kmemleak_clean

# --- sample TSMs: surprise removal in a slow connect -----------------------
# The link TSM's connect exchanges a DOE message; the mailbox answers late.
slow_doe()
{
	echo "$2" > "$EMUDBG/${1#*:}/doe_delay_ms"
}
# in_connect: start a slow connect of TSM_DSM in the background
in_connect()
{
	slow_doe "$TSM_DSM" 1500
	(echo "$LINK" > "$D2/tsm/connect") 2> /tmp/stress-connect.err &
	bg=$!
	sleep 0.5
}
removed_in_connect()
{
	in_connect
	echo 1 > "$D2/remove"
	wait $bg
	echo "# connect: $(cat /tmp/stress-connect.err)"
	slow_doe "$TSM_DSM" 0
	[ ! -e "$D2" ] && tsm_expect_eq "$avail0:0" "$(avail):$(nr_streams)" avail:streams
}
tsm_check "sysfs remove in the middle of a slow connect: removed, nothing held" \
	removed_in_connect
rescan()
{
	echo 1 > /sys/bus/pci/rescan
	wr "$LINK" "$D2/tsm/connect" && wr "$LINK" "$D2/tsm/disconnect"
}
tsm_check "rescan: the device is back and connects" rescan
unloaded_in_connect()
{
	in_connect
	rmmod tsm_link_sample || return 1
	wait $bg
	echo "# connect: $(cat /tmp/stress-connect.err)"
	slow_doe "$TSM_DSM" 0
	[ ! -e "$D2/tsm/connect" ] &&
		tsm_expect_eq "$avail0:0" "$(avail):$(nr_streams)" avail:streams
}
tsm_check "link TSM module unloaded in the middle of a slow connect: nothing held" \
	unloaded_in_connect
reload()
{
	tsm_load tsm_link_sample && LINK=$(tsm_by_mode link) &&
		wr "$LINK" "$D2/tsm/connect" && wr "$LINK" "$D2/tsm/disconnect"
}
tsm_check "the module loads again and connects" reload
tsm_check "kmemleak finds nothing after the removals" kmemleak_clean

# --- SEV-TIO and its guest -------------------------------------------------
CTL=/tmp/stress.ctl
DLOG=/tmp/stress-device.log
PLOG=/tmp/stress-psp.log
DBG=/sys/kernel/debug/tsm_emu_psp
V=$DBG/vm
STATS=$DBG/stats
GDOM=0000
H=$TSM_DSM_MFD
G=$TSM_GUEST_DEV
HD=$TSM_PCI/$H
GD=$TSM_PCI/$G

unload_platform
tsm_check "SEV-TIO platform: host and guest domains, models attached" \
	sh -c "modprobe tsm_emu guest_bus=0x$TSM_GUEST_BUS && modprobe tsm_emu_bridge &&
	       modprobe tsm_emu_psp && test -e $GD"
: > "$CTL"
start_models()
{
	tsm-model device --ctl "$CTL" 2> "$DLOG" &
	dmodel=$!
	tsm-model psp --ctl "$CTL" 2> "$PLOG" &
	pmodel=$!
	wait_for attached "$DLOG" && wait_for attached "$PLOG"
}
start_models
fault()
{
	echo "$*" > "$CTL"
	sleep 0.05
}
register()
{
	wr 1 "$DBG/tio" && TIO=$(tsm_by_mode link) &&
		wr create $V && wr "guest $TSM_EMU_DOMAIN $GDOM $TSM_GUEST_BUS" $V &&
		GTSM=$(tsm_by_mode devsec)
}
tsm_check "host TSM and guest TSM registered" register
p0=$(peer_stat private)
pages_back()
{
	tsm_expect_eq "$p0:0:0" "$(peer_stat private):$(nr_streams):$(encrypted_n)" \
		"firmware pages:streams:encrypted MMIO"
}
encrypted_n()
{
	grep -c 'PCI MMIO Encrypted' /proc/iomem
}
tsm_check "$TIO_CYCLES SEV-TIO connect/disconnect cycles" \
	cycle "$TIO_CYCLES" "$TIO" "$HD/tsm/connect" "$TIO" "$HD/tsm/disconnect"
tsm_check "... firmware-owned pages and streams back to their start" pages_back
wr "$TIO" "$HD/tsm/connect"
pc=$(peer_stat private)
tsm_check "$TIO_CYCLES SEV-TIO guest lock/accept/unlock cycles" \
	cycle "$TIO_CYCLES" "$GTSM" "$GD/tsm/lock" 1 "$GD/tsm/accept" "$GTSM" "$GD/tsm/unlock"
tsm_check "... unlocked, pages back to the connected device's" \
	tsm_expect_eq "unlocked:$pc:0" \
	"$(tsm_read "$GD/tsm/state"):$(peer_stat private):$(encrypted_n)" "state:pages:encrypted"
wr "$TIO" "$HD/tsm/disconnect"
tsm_check "kmemleak finds nothing after the SEV-TIO cycles" kmemleak_clean

H2=$TSM_DSM
tsm_check "8 writers, random host and guest verbs with the firmware, ${STORM_SECS} s" \
	storm "$TIO" "$HD/tsm/connect" "$TIO" "$HD/tsm/disconnect" \
	"$TIO" "$TSM_PCI/$H2/tsm/connect" "$TIO" "$TSM_PCI/$H2/tsm/disconnect" \
	"$GTSM" "$GD/tsm/lock" 1 "$GD/tsm/accept" "$GTSM" "$GD/tsm/unlock"
tio_consistent()
{
	n=0
	for d in $H $H2; do
		c=$(tsm_read "$TSM_PCI/$d/tsm/connect")
		case "$c" in
		"$TIO") n=$((n + 1)) ;;
		"") ;;
		*) echo "# $d connect reads '$c'"; return 1 ;;
		esac
	done
	s=$(tsm_read "$GD/tsm/state")
	case "$s:$(tsm_read "$GD/tsm/accept"):$(encrypted_n)" in
	unlocked:0:0|locked:0:0|run:1:2|error:0:0) ;;
	*) echo "# guest state:accept:encrypted $s:..."; return 1 ;;
	esac
	tsm_expect_eq "$n" "$(nr_streams)" streams
}
tsm_check "... the final state is consistent" tio_consistent
tio_release()
{
	[ -n "$(tsm_read "$GD/tsm/lock")" ] && wr "$GTSM" "$GD/tsm/unlock"
	for d in $H $H2; do
		[ -n "$(tsm_read "$TSM_PCI/$d/tsm/connect")" ] &&
			wr "$TIO" "$TSM_PCI/$d/tsm/disconnect"
	done
	pages_back
}
tsm_check "... everything releases, every page back" tio_release
tsm_check "kmemleak finds nothing after the writers" kmemleak_clean
# A guest request the firmware refused in the storm (a host disconnect
# racing it) costs the guest its VMPCK, as sev-guest does on hardware:
# then the guest goes on in a new VM
if [ "$(peer_stat guest_vmpck)" = 0 ]; then
	echo "# the storm cost the guest its VMPCK: a new VM"
	wr noguest $V && wr destroy $V && wr create $V &&
		wr "guest $TSM_EMU_DOMAIN $GDOM $TSM_GUEST_BUS" $V &&
		GTSM=$(tsm_by_mode devsec)
fi

# Surprise removal with the device model answering late (40 ms a message)
fault latency_ms=40
tio_removed_in_connect()
{
	(echo "$TIO" > "$TSM_PCI/$H2/tsm/connect") 2> /tmp/stress-connect.err &
	bg=$!
	sleep 0.4
	echo 1 > "$TSM_PCI/$H2/remove"
	wait $bg
	echo "# connect: $(cat /tmp/stress-connect.err)"
	[ ! -e "$TSM_PCI/$H2" ] && pages_back
}
tsm_check "SEV-TIO: sysfs remove in the middle of a slow connect: every page back" \
	tio_removed_in_connect
tio_rescan()
{
	fault ""
	echo 1 > /sys/bus/pci/rescan
	wr "$TIO" "$TSM_PCI/$H2/tsm/connect" && wr "$TIO" "$TSM_PCI/$H2/tsm/disconnect"
}
tsm_check "... rescan: the device is back and connects" tio_rescan
fault latency_ms=40
wr "$TIO" "$HD/tsm/connect"
tio_removed_in_lock()
{
	(echo "$GTSM" > "$GD/tsm/lock") 2> /tmp/stress-lock.err &
	bg=$!
	sleep 0.15
	echo 1 > "$GD/remove"
	wait $bg
	echo "# lock: $(cat /tmp/stress-lock.err)"
	[ ! -e "$GD" ] && tsm_expect_eq "$pc::0" \
		"$(peer_stat private):$(tsm_read "$HD/tsm/bound"):$(encrypted_n)" \
		"pages:bound:encrypted"
}
tsm_check "SEV-TIO guest: sysfs remove in the middle of a slow lock: host unbound" \
	tio_removed_in_lock
tio_relock()
{
	fault ""
	echo 1 > /sys/bus/pci/rescan
	wr "$GTSM" "$GD/tsm/lock" && wr "$GTSM" "$GD/tsm/unlock"
}
tsm_check "... rescan: the guest's device is back and locks" tio_relock
fault latency_ms=40
tio_unregistered_in_lock()
{
	(echo "$GTSM" > "$GD/tsm/lock") 2> /tmp/stress-lock.err &
	bg=$!
	sleep 0.15
	wr 0 "$DBG/tio" || return 1
	wait $bg
	echo "# lock: $(cat /tmp/stress-lock.err)"
	got="$(tsm_read "$HD/tsm/connect"):$(tsm_read "$HD/tsm/bound")"
	tsm_expect_eq "::0" "$got:$(nr_streams)" "connect:bound:streams"
}
tsm_check "SEV-TIO TSM unregistered in the middle of a slow guest lock: torn down" \
	tio_unregistered_in_lock
tio_unregistered_in_connect()
{
	wr noguest $V
	# TIO_INIT is once per firmware lifetime: a new firmware model
	kill "$pmodel"
	wait "$pmodel"
	tsm-model psp --ctl "$CTL" 2> "$PLOG" &
	pmodel=$!
	wait_for attached "$PLOG" || return 1
	wr 1 "$DBG/tio" && TIO=$(tsm_by_mode link) || return 1
	(echo "$TIO" > "$HD/tsm/connect") 2> /tmp/stress-connect.err &
	bg=$!
	sleep 0.4
	wr 0 "$DBG/tio" || return 1
	wait $bg
	echo "# connect: $(cat /tmp/stress-connect.err)"
	tsm_expect_eq ":0:1" "$(tsm_read "$HD/tsm/connect"):$(nr_streams):$(peer_stat private)" \
		"connect:streams:pages (the VM's)"
}
tsm_check "SEV-TIO TSM unregistered in the middle of a slow connect: torn down" \
	tio_unregistered_in_connect
fault ""
tsm_check "kmemleak finds nothing after the removals" kmemleak_clean

kill "$pmodel" "$dmodel" 2>/dev/null
wait "$pmodel" "$dmodel" 2>/dev/null
tsm_check "tsm_emu_psp unloads (destroying the VM)" rmmod tsm_emu_psp
for m in tsm_emu_bridge tsm_emu; do
	rmmod $m
done
. /tests/setup.sh

ktap_finished
