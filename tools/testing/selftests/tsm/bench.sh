#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The TEE-IO benchmark, VM side (scripts/bench.sh boots it on each bench
# kernel).  /tests/bench-mode holds "MODE REPS": every measurement is
# repeated REPS times, and MODE says what to measure on this kernel:
#
#   full   the series: scenario 1 (connect latency against the models'
#          busy and injected time at several device latencies, with
#          polling-only DOE mailboxes, then with interrupt-capable ones), 2 (16
#          devices connected at once vs one after another), 3 (enumeration
#          of 256 TEE-capable functions), 4 (slab memory per connected
#          device and per bound interface);
#   poll   the series without the adaptive DOE polling: scenario 1 only;
#   notsm  the series built without CONFIG_PCI_TSM: scenario 3 only;
#   s2     the series: scenarios 2 and 4 only (to look at one closely).
#
# Every figure is a line "@@BENCH KEY VALUE..." for the host to collect;
# the rest is commentary.  Exits non-zero if a step fails.
. /tests/lib.sh

fail()
{
	echo "bench: $*"
	exit 1
}

read -r mode REPS < /tests/bench-mode || fail "no /tests/bench-mode"
CTL=/tmp/bench.ctl
DLOG=/tmp/bench-device.log
PLOG=/tmp/bench-psp.log
DBG=/sys/kernel/debug/tsm_emu_psp
STATS=$DBG/stats
CERTS=/etc/tsm-model

fig()
{
	echo "@@BENCH $*"
}

# median of the arguments
median()
{
	echo "$@" | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# --- scenario 3: enumeration of 256 TEE-capable functions ---------------
# tsm_emu with 4 host bridges of 8 root ports, each with an 8-function
# TEE endpoint: 256 endpoint functions (and 32 root ports).  The time of
# the load (scan, add, sysfs) and of the unload, best of REPS.
enumerate()
{
	unload_platform
	emu=$(tsm_module_path tsm_emu)
	load=
	unload=
	r=0
	while [ $r -lt "$REPS" ]; do
		t=$(tsm_bench time insmod "$emu" nr_domains=4 nr_ports=8 mfd_funcs=8) ||
			fail "cannot load tsm_emu with 256 functions"
		n=$(ls -d /sys/bus/pci/devices/00f[0-3]:0[1-8]:00.* | wc -l)
		[ "$n" -eq 256 ] || fail "$n endpoint functions instead of 256"
		load="$load ${t#wall }"
		t=$(tsm_bench time rmmod tsm_emu) || fail "cannot unload tsm_emu"
		unload="$unload ${t#wall }"
		r=$((r + 1))
	done
	echo "# enumeration, load:$load us; unload:$unload us"
	fig enum_load_us "$(median $load)"
}

if [ "$mode" = notsm ]; then
	enumerate
	exit 0
fi

# --- the platform and the models -------------------------------------------
dmodel=
pmodel=
stop_models()
{
	[ -n "$dmodel" ] && kill "$dmodel" "$pmodel" && wait
	dmodel=
}
# platform [TSM_EMU_PARAMS]: three host bridges of eight root ports (21
# DSMs), both models, the SEV-TIO link TSM registered as $TIO
platform()
{
	stop_models
	unload_platform
	modprobe tsm_emu nr_domains=3 nr_ports=8 "$@" && modprobe tsm_emu_bridge &&
		modprobe tsm_emu_psp || fail "cannot load the platform"
	: > "$CTL"
	tsm-model device --certs "$CERTS" --ctl "$CTL" 2> "$DLOG" &
	dmodel=$!
	tsm-model psp --certs "$CERTS" --ctl "$CTL" 2> "$PLOG" &
	pmodel=$!
	wait_for attached "$DLOG" && wait_for attached "$PLOG" || fail "models did not attach"
	echo 1 > "$DBG/tio" || fail "SEV-TIO did not register"
	TIO=$(ls /sys/class/tsm | tail -1)
	[ "$(cat /sys/class/tsm/$TIO/pci_mode)" = link ] || fail "no SEV-TIO link TSM"
}

setctl()
{
	echo "$*" > "$CTL"
	sleep 0.05
}

# stats: "DEVICE_BUSY DEVICE_INJECTED PSP_BUSY" (us, since the models
# started), from the counters they print on SIGUSR1
stats()
{
	nd=$(grep -c ' busy ' "$DLOG")
	np=$(grep -c 'psp: .* busy ' "$PLOG")
	kill -USR1 "$dmodel" "$pmodel"
	i=0
	while [ $i -lt 100 ]; do
		[ "$(grep -c ' busy ' "$DLOG")" -gt "$nd" ] &&
			[ "$(grep -c 'psp: .* busy ' "$PLOG")" -gt "$np" ] && break
		sleep 0.02
		i=$((i + 1))
	done
	d=$(grep ' busy ' "$DLOG" | tail -1 |
		sed 's/.*busy \([0-9]*\) us, injected \([0-9]*\) us.*/\1 \2/')
	p=$(grep 'psp: .* busy ' "$PLOG" | tail -1 | sed 's/.*busy \([0-9]*\) us.*/\1/')
	echo "$d $p"
}

# the emulated DSMs: function 0 of every TEE endpoint, in order
DSMS=
for dom in 00f0 00f1 00f2; do
	for b in 01 02 04 05 06 07 08; do
		DSMS="$DSMS $dom:$b:00.0"
	done
done
files()
{
	for d in $2; do
		echo "/sys/bus/pci/devices/$d/tsm/$1"
	done
}

# The tsm trace events split a connect into its DOE exchanges and its
# firmware commands: each event ends the interval since the one before.
T=/sys/kernel/tracing
[ -d "$T/events" ] || mount -t tracefs nodev "$T" 2>/dev/null
trace_start()
{
	echo > "$T/trace" && echo 1 > "$T/events/tsm/enable"
}
# trace_split: "DOE_US FIRMWARE_US EXCHANGES COMMANDS" of the traced op
trace_split()
{
	echo 0 > "$T/events/tsm/enable"
	awk '{
		for (i = 2; i <= NF; i++)
			if ($i ~ /^tsm_[a-z_]*:$/) { ev = $i; ts = $(i - 1); break }
		sub(":", "", ts); ts *= 1000000
		if (ev == "tsm_op_begin:") last = ts
		else if (ev == "tsm_doe:") { doe += ts - last; nd++; last = ts }
		else if (ev == "tsm_fw_cmd:") { fw += ts - last; nf++; last = ts }
	} END { printf "%d %d %d %d\n", doe, fw, nd, nf }' "$T/trace"
}

# --- scenario 1: connect latency ------------------------------------------
# scenario1 LABEL: connect and disconnect one DSM REPS times at each
# device latency; the models' busy and injected time of each connect
DEV=00f0:02:00.0
scenario1()
{
	label=$1
	for lat in 0 100 1000 5000; do
		setctl "latency_us=$lat"
		r=0
		while [ $r -lt "$REPS" ]; do
			set -- $(stats)
			d0=$(($1 + $2))
			p0=$3
			trace_start
			out=$(tsm_bench write "$TIO" "$(files connect $DEV)") ||
				fail "connect: $out"
			w=$(echo "$out" | sed -n 's/^wall //p')
			split=$(trace_split)
			set -- $(stats)
			dev=$(($1 + $2 - d0))
			psp=$(($3 - p0))
			echo "# $label, latency $lat us: connect $w us, device $dev us," \
			     "firmware $psp us; DOE, firmware, exchanges, commands: $split"
			fig s1 "$label" "$lat" "$w" "$((dev + psp))" "$dev" "$psp" $split
			tsm_bench write "$TIO" "$(files disconnect $DEV)" > /dev/null ||
				fail "disconnect"
			r=$((r + 1))
		done
	done
}
platform
[ "$mode" = s2 ] || scenario1 "$mode"
if [ "$mode" = poll ]; then
	stop_models
	exit 0
fi

# --- scenario 2: 16 devices, serial vs concurrent, and scenario 4 ---------
DEVS16="$(echo "$DSMS" | tr ' ' '\n' | grep . | head -16 | tr '\n' ' ')"
setctl "latency_us=2000"
# Slab accounting: the kmem trace events of an operation; the objects it
# allocated and had not freed when it returned are what it keeps.
KMEM="kmalloc kfree kmem_cache_alloc kmem_cache_free"
kmem_start()
{
	echo 32768 > "$T/buffer_size_kb"
	echo > "$T/trace"
	for e in $KMEM; do
		echo 1 > "$T/events/kmem/$e/enable"
	done
}
# kmem_live: "BYTES LOST" - bytes still allocated, events lost (overrun)
kmem_live()
{
	for e in $KMEM; do
		echo 0 > "$T/events/kmem/$e/enable"
	done
	lost=$(grep -h overrun "$T"/per_cpu/cpu*/stats | awk '{ n += $2 } END { print n + 0 }')
	awk '{
		p = ""; b = 0
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^ptr=/) p = substr($i, 5)
			else if ($i ~ /^bytes_alloc=/) b = substr($i, 13)
		}
		if (p == "") next
		if ($0 ~ /kmalloc:|kmem_cache_alloc:/) live[p] = b
		else delete live[p]
	} END { for (p in live) n += live[p]; print n + 0 }' "$T/trace" | tr '\n' ' '
	echo "$lost"
}
# CPU time in USER_HZ ticks: all CPUs busy (user, nice, system, irq,
# softirq), and the two model processes (user and system)
cpu_ticks()
{
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}
model_ticks()
{
	cat "/proc/$dmodel/stat" "/proc/$pmodel/stat" | awk '{ n += $14 + $15 } END { print n }'
}
NCPU=$(grep -c '^processor' /proc/cpuinfo)
r=0
while [ $r -lt "$REPS" ]; do
	c0=$(cpu_ticks)
	m0=$(model_ticks)
	out=$(tsm_bench write --serial "$TIO" $(files connect "$DEVS16")) ||
		fail "serial connect: $out"
	ser=$(echo "$out" | sed -n 's/^wall //p')
	scpu=$(($(cpu_ticks) - c0))
	smod=$(($(model_ticks) - m0))
	tsm_bench write --serial "$TIO" $(files disconnect "$DEVS16") > /dev/null ||
		fail "disconnect"
	p0=$(peer_stat private)
	[ $r -eq 0 ] && kmem_start
	set -- $(stats)
	d0=$1
	f0=$3
	c0=$(cpu_ticks)
	m0=$(model_ticks)
	out=$(tsm_bench write "$TIO" $(files connect "$DEVS16")) ||
		fail "concurrent connect: $out"
	con=$(echo "$out" | sed -n 's/^wall //p')
	ccpu=$(($(cpu_ticks) - c0))
	cmod=$(($(model_ticks) - m0))
	set -- $(stats)
	dbusy=$(($1 - d0))
	fbusy=$(($3 - f0))
	p1=$(peer_stat private)
	echo "# 16 devices at 2 ms per message: serial $ser us, concurrent $con us" \
	     "(device model busy $dbusy us, firmware model busy $fbusy us)"
	echo "# CPU ticks (USER_HZ, 100 on x86) on $NCPU CPUs: serial $scpu (models $smod)," \
	     "concurrent $ccpu (models $cmod)"
	fig s2 "$ser" "$con" "$dbusy" "$fbusy"
	fig s2cpu "$scpu" "$smod" "$ccpu" "$cmod" "$NCPU"
	if [ $r -eq 0 ]; then
		set -- $(kmem_live)
		echo "# connect of 16: $1 bytes of slab kept, $2 trace events lost"
		[ "$2" -eq 0 ] || fail "kmem trace overrun"
		fig s4_connect "$1" "$((p1 - p0))"
		echo create > "$DBG/vm" || fail "cannot create the VM"
		p0=$(peer_stat private)
		kmem_start
		g=16
		for d in $DEVS16; do
			echo "bind $d $g" > "$DBG/vm" || fail "bind $d"
			g=$((g + 1))
		done
		set -- $(kmem_live)
		echo "# bind of 16: $1 bytes of slab kept, $2 trace events lost"
		[ "$2" -eq 0 ] || fail "kmem trace overrun"
		p1=$(peer_stat private)
		fig s4_bind "$1" "$((p1 - p0))"
		for d in $DEVS16; do
			echo "unbind $d" > "$DBG/vm" || fail "unbind $d"
		done
		echo destroy > "$DBG/vm" || fail "cannot destroy the VM"
	fi
	tsm_bench write "$TIO" $(files disconnect "$DEVS16") > /dev/null ||
		fail "disconnect"
	r=$((r + 1))
done

grep -h 'busy' "$DLOG" "$PLOG" | tail -2 | sed 's/^/# /'
if [ "$mode" = s2 ]; then
	stop_models
	exit 0
fi
# scenario 1 again with interrupt-capable DOE mailboxes
platform doe_irq=1
scenario1 irq
stop_models
enumerate
