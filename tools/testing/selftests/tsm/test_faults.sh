#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix: SEV-TIO host and guest (as in test_sevguest.sh) with a
# fault injected at each verb: connect, disconnect, lock, report (the
# interface report exchange of a lock), accept and unlock.  The faults
# come from the emulated DOE mailbox (tsm_emu debugfs doe_fault), from the
# device model (SPDM, IDE_KM and TDISP answers), from the firmware
# model (statuses, endless EXPAND_BUFFER_LENGTH_REQUEST) and from the
# stand-in hypervisor (SEV_TIO_OP refused as busy, a guest data area
# found too small).  A fault lands
# on a chosen message of the flow ("skip"), several for connect.
#
# Each cell checks the errno of the verb, the state after it (sysfs,
# guest state, no MMIO marked encrypted unless running), firmware-owned
# pages and IDE streams against what that state holds, one kernel message
# naming the device when the verb failed, and that a full teardown after
# it returns every page and stream.  A kmemleak scan follows each column.
# The matrix is printed at the end with its counts.
. /tests/ktap_helpers.sh
. /tests/lib.sh

CTL=/tmp/faults.ctl
DLOG=/tmp/faults-device.log
PLOG=/tmp/faults-psp.log
DBG=/sys/kernel/debug/tsm_emu_psp
BR=/sys/kernel/debug/tsm_emu_bridge
V=$DBG/vm
STATS=$DBG/stats
CERTS=/etc/tsm-model
KMEMLEAK=/sys/kernel/debug/kmemleak
GDOM=0000
H=$TSM_DSM_MFD
G=$TSM_GUEST_DEV
HD=$TSM_PCI/$H
GD=$TSM_PCI/$G
DOEF=/sys/kernel/debug/tsm_emu/$TSM_EMU_DOMAIN/${H#*:}/doe_fault
RES=/tmp/faults-results
KEYS=/tmp/faults-keys

# The columns and rows; TSM_FAULT_STEPS and TSM_FAULT_KINDS run a part
STEPS=${TSM_FAULT_STEPS:-"connect disconnect lock report accept unlock"}
KINDS=${TSM_FAULT_KINDS:-"doe-timeout doe-busy doe-error doe-abort doe-truncated
doe-bad-length trunc oversized malformed spdm-error tdisp-error bad-sig bad-chain
ide-insecure fw-status fw-expand-loop tdisp-run-error hv-busy small-data"}

fault()
{
	echo "$*" > "$CTL"
	# The models notice a change of the file's modification time.
	sleep 0.05
}

# errno_name: the name of the errno in the shell's error text on stdin
errno_name()
{
	case "$(cat)" in
	"") echo ok ;;
	*"Protocol error"*) echo EPROTO ;;
	*"Input/output error"*) echo EIO ;;
	*"timed out"*) echo ETIMEDOUT ;;
	*"Key was rejected"*) echo EKEYREJECTED ;;
	*"Bad message"*) echo EBADMSG ;;
	*"Message too long"*) echo EMSGSIZE ;;
	*"No such device or address"*) echo ENXIO ;;
	*"No such device"*) echo ENODEV ;;
	*"Device or resource busy"*) echo EBUSY ;;
	*"No space left"*) echo ENOSPC ;;
	*"connection abort"*) echo ECONNABORTED ;;
	*"Bad address"*) echo EFAULT ;;
	*"Argument list too long"*) echo E2BIG ;;
	*"Stale file handle"*) echo ESTALE ;;
	*"Invalid argument"*) echo EINVAL ;;
	*"Timer expired"*) echo ETIME ;;
	*"not supported"*) echo EOPNOTSUPP ;;
	*"symbolic links"*) echo ELOOP ;;
	*"Interrupted"*) echo EINTR ;;
	*) echo other ;;
	esac
}

# verb STEP: do the verb of STEP; prints the errno name (ok on success)
verb()
{
	case "$1" in
	connect) f=$HD/tsm/connect; v=$TIO ;;
	disconnect) f=$HD/tsm/disconnect; v=$TIO ;;
	lock|report) f=$GD/tsm/lock; v=$GTSM ;;
	accept) f=$GD/tsm/accept; v=1 ;;
	unlock) f=$GD/tsm/unlock; v=$GTSM ;;
	esac
	(echo "$v" > "$f") 2>&1 | sed 's/.*: //' | errno_name
}

pages()
{
	peer_stat private
}

encrypted()
{
	grep -c 'PCI MMIO Encrypted' /proc/iomem
}

# is STATE: the host and guest are in STATE (unconn, conn, locked, run, lost)
# with exactly the pages and streams that state holds; prints why not
is()
{
	gs=$(tsm_read "$GD/tsm/state")
	got="$(tsm_read "$HD/tsm/connect"):$(tsm_read "$HD/tsm/bound"):$gs"
	got="$got:$(tsm_read "$GD/tsm/accept"):$(encrypted):$(nr_streams):$(pages)"
	case $1 in
	unconn) want="::unlocked:0:0:0:$p_base" ;;
	conn) want="$TIO::unlocked:0:0:1:$p_conn" ;;
	locked) want="$TIO:$TIO:locked:0:0:1:$p_lock" ;;
	run) want="$TIO:$TIO:run:1:2:1:$p_lock" ;;
	# bound on the host, but the firmware dropped the session: ERROR
	lost) want="$TIO:$TIO:error:0:0:1:$p_lock" ;;
	esac
	[ "$got" = "$want" ] && return 0
	echo "state $1: want $want, got $got"
	return 1
}

# unwind: back to unconn with the verbs, from wherever a cell left things
unwind()
{
	fault ""
	echo none > "$DOEF"
	echo "busy 0" > "$V"
	[ -n "$(tsm_read "$GD/tsm/lock")" ] && wr "$GTSM" "$GD/tsm/unlock"
	[ -n "$(tsm_read "$HD/tsm/connect")" ] && wr "$TIO" "$HD/tsm/disconnect"
	is unconn
}

# reach STATE: from unconn, with the verbs
reach()
{
	case $1 in
	unconn) return 0 ;;
	conn) wr "$TIO" "$HD/tsm/connect" ;;
	locked) reach conn && wr "$GTSM" "$GD/tsm/lock" ;;
	run) reach locked && wr 1 "$GD/tsm/accept" ;;
	esac
}

# Where each step starts, where it ends when it works, and the states a
# failure may leave (the verb's own context gone, the rest intact)
pre()
{
	case $1 in
	connect) echo unconn ;;
	disconnect|lock|report) echo conn ;;
	accept) echo locked ;;
	unlock) echo run ;;
	esac
}
post_ok()
{
	case $1 in
	connect|unlock) echo conn ;;
	disconnect) echo unconn ;;
	lock|report) echo locked ;;
	accept) echo run ;;
	esac
}
# post_fail STEP KIND: a failed START that went through an SPDM failure
# costs the firmware its session and the interface its binding
post_fail()
{
	case $1:$2 in
	connect:*|disconnect:*) echo unconn ;;
	lock:*|report:*|unlock:*) echo conn ;;
	accept:tdisp-error|accept:fw-status) echo locked ;;
	accept:*) echo lost ;;
	esac
}

# Message of the flow a fault lands on ("skip"): the flows' messages are
# connect 0-20 DEV_CONNECT (0 GET_VERSION, 7 FINISH, 8 IDE_KM QUERY,
# 9-14 KEY_PROG, 15-20 K_SET_GO), 21-23 DEV_CERTIFICATES, 24 DEV_MEASUREMENTS;
# disconnect 0-5 K_SET_STOP, 6 END_SESSION; lock 0 TDISP version,
# 1 capabilities, 2 LOCK_INTERFACE, 3 interface report (the report column),
# 4 state; accept 0 state, 1 START_INTERFACE, 2 state; unlock 0
# STOP_INTERFACE.
positions()
{
	case $1 in
	connect) echo 0 8 24 ;;
	disconnect) echo 0 6 ;;
	lock) echo 0 2 ;;
	report) echo 3 ;;
	accept) echo 1 ;;
	unlock) echo 0 ;;
	esac
}

# cell KIND STEP POS: whether KIND can hit message POS of STEP
cell()
{
	case $1 in
	doe-busy|bad-chain|ide-insecure|fw-expand-loop)
		# Busy is set at once; the chain and the IDE keys are connect's
		[ "$2" = connect ] && [ "$3" = 0 ] ;;
	bad-sig)
		# The signatures: KEY_EXCHANGE_RSP (6) and MEASUREMENTS (24)
		[ "$2" = connect ] ;;
	tdisp-error)
		[ "$2" != connect ] && [ "$2" != disconnect ] ;;
	fw-status)
		case $2 in
		connect) [ "$3" = 8 ] ;;
		disconnect|unlock) [ "$3" = 0 ] ;;
		lock) [ "$3" = 2 ] ;;
		*) true ;;
		esac ;;
	tdisp-run-error)
		[ "$2" = accept ] ;;
	hv-busy)
		# BIND, RUN, STOP: each verb's first SEV_TIO_OP
		case $2 in
		lock|accept|unlock) [ "$3" = "$(positions "$2" | cut -d' ' -f1)" ] ;;
		*) false ;;
		esac ;;
	small-data)
		# The report request of a lock
		[ "$2" = report ] ;;
	*) true ;;
	esac
}

# The plan: setup 6, a test per cell (KIND, STEP with a position), two per
# column, teardown 2
nr_cells()
{
	n=0
	for step in $STEPS; do
		for kind in $KINDS; do
			for pos in $(positions "$step"); do
				if cell "$kind" "$step" "$pos"; then
					n=$((n + 1))
					break
				fi
			done
		done
	done
	echo $n
}
ktap_print_header
ktap_set_plan $((6 + $(nr_cells) + 2 * $(echo $STEPS | wc -w) + 2))

# arm KIND STEP POS: inject KIND so that it hits message POS of STEP
arm()
{
	case $1 in
	doe-timeout) echo "no_answer 1 $3" > "$DOEF" ;;
	doe-busy) echo "busy" > "$DOEF" ;;
	doe-error) echo "error 1 $3" > "$DOEF" ;;
	doe-abort) echo "stay_busy 1 $3" > "$DOEF" ;;
	doe-truncated) echo "truncated 1 $3" > "$DOEF" ;;
	doe-bad-length) echo "bad_length 1 $3" > "$DOEF" ;;
	trunc) fault "fault=truncated skip=$3" ;;
	bad-sig) fault "fault=bad-signature skip=$3" ;;
	oversized|malformed|spdm-error|tdisp-error|bad-chain|ide-insecure)
		fault "fault=$1 skip=$3" ;;
	fw-status)
		# One command of each step fails with SPDM_ERROR (0x33) in the
		# round of message POS
		case $2 in
		connect) fault "fw-status=0xd4:0x33:8" ;;
		disconnect) fault "fw-status=0xd5:0x33" ;;
		lock|report) fault "fw-status=0xdc:0x33:$3" ;;
		# START is the only message of TDI_BIND with RUN: at once
		accept) fault "fw-status=0xdc:0x33" ;;
		unlock) fault "fw-status=0xdd:0x33" ;;
		esac ;;
	fw-expand-loop) fault "fw-expand-loop" ;;
	# The stand-in hypervisor: the next two SEV_TIO_OPs "busy", or the
	# next report request's data area one page too small
	hv-busy) echo "busy 2" > "$V" ;;
	small-data) echo grow > "$V" ;;
	esac
}

# expect KIND STEP POS: the errno name the verb must end with
expect()
{
	# A fault in the evidence fetch after the link came up (messages
	# 21-24, DEV_CERTIFICATES and DEV_MEASUREMENTS; a bad signature
	# after KEY_EXCHANGE lands on MEASUREMENTS) leaves the link up and
	# the evidence empty
	if [ "$2" = connect ] && { [ "$3" -ge 21 ] ||
		{ [ "$1" = bad-sig ] && [ "$3" -gt 6 ]; }; }; then
		echo ok
		return
	fi
	case $2:$1 in
	# The guest asks a busy hypervisor again, and sends a new message
	# with a larger data area: the verb works
	*:hv-busy|*:small-data) echo ok ;;
	# A DOE transport failure is the DOE core's -EIO (timeout and a
	# mailbox that stays Busy are aborted); Busy when a request is
	# written is -EBUSY
	connect:doe-busy) echo EBUSY ;;
	connect:doe-*) echo EIO ;;
	# The firmware judges the SPDM messages: SPDM_ERROR, -EPROTO
	connect:trunc|connect:oversized|connect:malformed|connect:spdm-error) echo EPROTO ;;
	connect:bad-sig|connect:bad-chain|connect:fw-status) echo EPROTO ;;
	# IDE not Secure after DEV_CONNECT: the IDE library's -ENXIO
	connect:ide-insecure) echo ENXIO ;;
	# EXPAND_BUFFER_LENGTH_REQUEST once more after growing: -EFAULT
	connect:fw-expand-loop) echo EFAULT ;;
	# A disconnect that fails falls back to a forced one: it works
	disconnect:*) echo ok ;;
	# The guest's verbs see the host's errno through the GHCB
	lock:doe-*|report:doe-*|accept:doe-*) echo EIO ;;
	accept:tdisp-run-error) echo error ;;
	lock:*|report:*|accept:*) echo EPROTO ;;
	# Unlocking always works, whatever the device does
	unlock:*) echo ok ;;
	*) echo "?" ;;
	esac
}

# msg_since N: a kernel message after line N names the host or guest device
msg_since()
{
	dmesg | tail -n +$(($1 + 1)) | grep -q -e "$H" -e "$G"
}

# try KIND STEP POS: one fault at one message; prints the errno name and
# returns non-zero (with the reason on stdout) if anything is wrong
try()
{
	unwind > /tmp/faults-why || { cat /tmp/faults-why; echo "(before)"; return 1; }
	reach "$(pre "$2")" || { echo "could not reach $(pre "$2")"; return 1; }
	lines=$(dmesg | wc -l)
	arm "$1" "$2" "$3"
	if [ "$1" = tdisp-run-error ]; then
		# The host side moves BAR 0 of the running interface: ERROR
		wr 1 "$GD/tsm/accept" || { echo "accept failed"; return 1; }
		setcfg "$H" 14 "$(printf '%02x' $((0x$bar0hi ^ 8)))"
		i=0
		while [ "$(tsm_read "$GD/tsm/state")" != error ] && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		got=$(tsm_read "$GD/tsm/state")
		setcfg "$H" 14 "$bar0hi"
		[ "$got" = error ] || { echo "state $got, not error"; return 1; }
		[ "$(tsm_read "$GD/tsm/accept"):$(encrypted)" = 0:0 ] ||
			{ echo "accept or MMIO markers left after ERROR"; return 1; }
		msg_since "$lines" || { echo "no kernel message"; return 1; }
		echo error
		return 0
	fi
	e=$(verb "$2")
	fault ""
	echo none > "$DOEF"
	echo "$e"
	if [ "$e" = ok ]; then
		is "$(post_ok "$2")" || return 1
	else
		is "$(post_fail "$2" "$1")" || return 1
		msg_since "$lines" || { echo "no kernel message"; return 1; }
	fi
}


# --- the platform ---------------------------------------------------------
unload_platform
tsm_check "the emulated platform with a host and a guest domain" \
	sh -c "modprobe tsm_emu guest_bus=0x$TSM_GUEST_BUS && modprobe tsm_emu_bridge &&
	       test -e $GD"
tsm_check "modprobe tsm_emu_psp (with ccp and sev-tio-guest)" modprobe tsm_emu_psp
: > "$CTL"
tsm-model device --certs "$CERTS" --ctl "$CTL" --key-log "$KEYS" 2> "$DLOG" &
dmodel=$!
tsm-model psp --certs "$CERTS" --ctl "$CTL" 2> "$PLOG" &
pmodel=$!
models_attached()
{
	wait_for attached "$DLOG" && wait_for attached "$PLOG"
}
tsm_check "device and firmware models attached" models_attached
wr 1 "$DBG/tio"
TIO=$(tsm_by_mode link)
wr create $V
wr "guest $TSM_EMU_DOMAIN $GDOM $TSM_GUEST_BUS" $V
GTSM=$(tsm_by_mode devsec)
tsm_check "host TSM $TIO and guest TSM $GTSM registered" test -n "$TIO" -a -n "$GTSM"
bar0hi=$(cfgbyte "$H" 14)
p_base=$(pages)
wr "$TIO" "$HD/tsm/connect"
p_conn=$(pages)
wr "$GTSM" "$GD/tsm/lock"
p_lock=$(pages)
tsm_check "reference states: $p_base, $p_conn, $p_lock firmware-owned pages" \
	sh -c "[ $p_conn -gt $p_base ] && [ $p_lock -gt $p_conn ]"

# No IDE key the device holds appears in any readable file of the ABI or
# in the evidence the tsm command saves, in binary or as hex text.
keys_hidden()
{
	nk=$(wc -l < "$KEYS")
	[ "$nk" -ge 6 ] || { echo "# the device model logged $nk keys"; return 1; }
	rm -rf /tmp/faults-ev
	tsm evidence "$H" --out /tmp/faults-ev > /dev/null || return 1
	# The search itself finds a key where there is one
	k=$(head -1 "$KEYS")
	case "$(od -An -tx1 -v "$KEYS" | tr -d ' \n'):$(tr -d ' \n' < "$KEYS")" in
	*"$k"*) ;;
	*) echo "# the search does not find a key in the key log"; return 1 ;;
	esac
	nf=0
	for f in "$HD"/tsm/* "$GD"/tsm/* "$HD/authenticated" /sys/class/tsm/*/* \
		 "$TSM_HB"/* /tmp/faults-ev/*; do
		[ -f "$f" ] && [ -r "$f" ] || continue
		nf=$((nf + 1))
		all="$(od -An -tx1 -v "$f" | tr -d ' \n'):$(tr -d ' \n' < "$f" | tr 'A-F' 'a-f')"
		while read -r k; do
			case "$all" in
			*"$k"*) echo "# a key is in $f"; return 1 ;;
			esac
		done < "$KEYS"
	done
	echo "# $nk keys searched for in $nf files"
}
tsm_check "no IDE key in any readable ABI file or saved evidence (connected and locked)" \
	keys_hidden
echo scan > "$KMEMLEAK" 2>/dev/null
echo clear > "$KMEMLEAK" 2>/dev/null
unwind > /dev/null

# --- the matrix -------------------------------------------------------------
: > "$RES"
cells=0
tries=0
for step in $STEPS; do
	for kind in $KINDS; do
		n=0
		bad=""
		errs=""
		for pos in $(positions "$step"); do
			cell "$kind" "$step" "$pos" || continue
			n=$((n + 1))
			out=$(try "$kind" "$step" "$pos")
			st=$?
			e=$(echo "$out" | head -1)
			want=$(expect "$kind" "$step" "$pos")
			if [ $st -ne 0 ] || [ "$e" != "$want" ]; then
				bad="$bad @$pos:$(echo "$out" | tr '\n' ' ')(want $want)"
			fi
			case " $errs " in *" $e "*) ;; *) errs="$errs $e" ;; esac
		done
		[ $n -eq 0 ] && continue
		cells=$((cells + 1))
		tries=$((tries + n))
		if [ -z "$bad" ]; then
			echo "$step $kind ok$errs" >> "$RES"
			ktap_test_pass "$step, $kind:$errs, state and leak checks ($n)"
		else
			echo "$step $kind FAIL$errs" >> "$RES"
			echo "# $step $kind:$bad"
			ktap_test_fail "$step, $kind:$errs ($n)"
		fi
	done
	why=$(unwind)
	tsm_check "after the $step column: torn down, nothing held" test -z "$why"
	tsm_check "after the $step column: kmemleak finds nothing" kmemleak_clean
done

# --- the table --------------------------------------------------------------
echo "# fault matrix: $cells cells, $tries injections (errno of the verb; - no such cell)"
printf '# %-16s' kind
for step in $STEPS; do
	printf ' %-13s' "$step"
done
echo
for kind in $KINDS; do
	printf '# %-16s' "$kind"
	for step in $STEPS; do
		c=$(grep "^$step $kind " "$RES" | cut -d' ' -f3- | tr ' ' '/')
		printf ' %-13s' "${c:--}"
	done
	echo
done
echo "# cells failed: $(grep -c ' FAIL' "$RES")"

# --- teardown ---------------------------------------------------------------
tsm_check "guest TSM unregisters, VM destroyed, no page left firmware-owned" \
	sh -c "echo noguest > $V && echo destroy > $V && echo 0 > $DBG/tio &&
	       [ \$(sed -n 's/^private //p' $STATS) -eq 0 ]"
kill "$pmodel" "$dmodel" 2>/dev/null
wait "$pmodel" "$dmodel" 2>/dev/null
tsm_check "tsm_emu_psp unloads" rmmod tsm_emu_psp
for m in tsm_emu_bridge tsm_emu; do
	rmmod $m
done
. /tests/setup.sh

ktap_finished
