#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real SPDM 1.2, IDE_KM and TDISP through the kernel's DOE path: the
# firmware model (requester) talks to the device model (responder) behind
# the emulated DOE mailbox of a DSM via /dev/tsm_emu_host -> pci_doe() ->
# emulated mailbox -> /dev/tsm_emu_model.  IDE streams turn Secure only
# after a real K_SET_GO, and TDISP moves to ERROR on forbidden config writes.
. /tests/ktap_helpers.sh
. /tests/lib.sh

CTL=/tmp/tsm-model.ctl
LOG=/tmp/tsm-model.log
OUT=/tmp/fw.out
FWOPTS="--dsm $TSM_DSM_MFD --rp $TSM_RP0 --stream-id 7 --dump /tmp"

ktap_print_header
ktap_set_plan 26

: > "$CTL"
tsm-model device --ctl "$CTL" -v 2> "$LOG" &
model=$!
tsm_check "device model attached to /dev/tsm_emu_model" wait_for attached "$LOG"

fault()
{
	echo "$*" > "$CTL"
	# The model notices a change of the file's modification time.
	sleep 0.05
}

SETUP="vca certs session ide-query ide-setup ide-keys ide-go ide-enable ide-secure"
TEARDOWN="ide-stop ide-disable end"

tsm_check "SPDM version, capabilities, algorithms, certificates, challenge, measurements" \
	fw vca certs challenge measurements
tsm_check "certificate chain and measurements were exported" \
	test -s /tmp/chain.der -a -s /tmp/measurements.bin
tsm_check "secured session: heartbeat, key update, end session" \
	fw vca certs session heartbeat key-update heartbeat end
tsm_check "IDE stream Secure only after K_SET_GO, Insecure after K_SET_STOP" \
	fw vca certs session ide-query ide-setup ide-keys ide-enable ide-insecure \
	   ide-go ide-secure ide-stop ide-insecure ide-disable end
tsm_check "no K_SET_GO without a secured session" \
	fw vca certs !ide-go
tsm_check "TDISP version, capabilities, lock, report, start (RUN), stop" \
	fw $SETUP tdisp-version tdisp-caps state=CONFIG_UNLOCKED lock state=CONFIG_LOCKED \
	   report start state=RUN stop state=CONFIG_UNLOCKED $TEARDOWN
# report_flags: OR of the RANGE_ATTRIBUTES of all MMIO ranges of the report
report_flags()
{
	n=$(od -An -tu4 -j 12 -N 4 /tmp/report.bin | tr -d ' ')
	acc=0
	i=0
	while [ "$i" -lt "${n:-0}" ]; do
		a=$(od -An -tu2 -j $((16 + 16 * i + 12)) -N 2 /tmp/report.bin | tr -d ' ')
		acc=$((acc | a))
		i=$((i + 1))
	done
	echo "$acc"
}
tsm_check "interface report flags an MSI-X table range and a PBA range" \
	test $(($(report_flags) & 3)) -eq 3
tsm_check "lock refused without keys on the default stream" \
	fw vca certs session !lock state=CONFIG_UNLOCKED end
tsm_check "start with a wrong nonce is refused" \
	fw $SETUP lock !bad-start state=CONFIG_LOCKED stop $TEARDOWN
tsm_check "BAR write while RUN moves the interface to ERROR" \
	fw $SETUP lock start bar-write state=ERROR !start stop state=CONFIG_UNLOCKED $TEARDOWN
tsm_check "clearing Bus Master Enable while LOCKED moves it to ERROR" \
	fw $SETUP lock bme-clear state=ERROR stop $TEARDOWN
tsm_check "config writes while CONFIG_UNLOCKED are harmless" \
	fw $SETUP bar-write bme-clear state=CONFIG_UNLOCKED lock state=CONFIG_LOCKED stop $TEARDOWN
tsm_check "function 1 is an interface of its own" \
	fw $SETUP tdi=$TSM_FN1 lock state=CONFIG_LOCKED tdi=$TSM_DSM_MFD state=CONFIG_UNLOCKED \
	   tdi=$TSM_FN1 stop $TEARDOWN

# Fault injection, one message each.
fault fault=bad-signature
tsm_check "wrong CHALLENGE_AUTH signature is detected" fw vca certs !challenge
fault fault=spdm-error
tsm_check "SPDM ERROR response is reported" fw !vca
fault fault=tdisp-error
tsm_check "TDISP ERROR response is reported" fw vca certs session !tdisp-version end
fault fault=drop
tsm_check "dropped answer times out, the mailbox recovers" fw !vca vca
fault fault=bad-length
tsm_check "malformed DOE length is rejected by the DOE core" fw !vca vca
fault latency_ms=20
tsm_check "20 ms latency per message stays inside the DOE timeout" fw vca certs session end
fault latency_us=300
# fw_timed: the exchanges of a session setup each took the 300 us at least
fw_timed()
{
	out=$(tsm-model firmware $FWOPTS vca certs session end) || return 1
	line=$(echo "$out" | grep '^firmware: ')
	echo "# $line"
	# "firmware: WALL us, N exchanges, DOE us in DOE"
	set -- $(echo "$line" | tr -d ',' | sed 's/[a-zA-Z:]//g')
	[ $# -eq 3 ] && [ "$2" -gt 5 ] && [ "$3" -ge $(($2 * 300)) ] && [ "$1" -ge "$3" ] ||
		{ echo "# $out"; return 1; }
}
tsm_check "latency_us=300: every exchange waits it, the firmware accounts its DOE time" fw_timed

# Latency is simulated time: the model holds answers on timers, so two
# devices that are slow at the same time take about as long as one.
# wall CMD...: wall time of CMD in us (tsm_bench), or nothing if it failed
wall()
{
	tsm_bench time "$@" 2>/dev/null | sed -n 's/^wall //p'
}
fw_pair()
{
	one=$(wall tsm-model firmware --dsm $TSM_DSM_MFD vca certs)
	two=$(wall sh -c "tsm-model firmware --dsm $TSM_DSM_MFD vca certs > /dev/null &
			 tsm-model firmware --dsm $TSM_DSM vca certs > /dev/null; st=\$?;
			 wait \$! && exit \$st")
	echo "# one device ${one:-?} us, two at once ${two:-?} us"
	[ -n "$one" ] && [ -n "$two" ] && [ "$two" -lt $((one * 3 / 2)) ]
}
fault latency_ms=50
tsm_check "two devices at 50 ms per message at once: under 1.5 times one device" fw_pair
fault

kill "$model"
wait "$model"
sed 's/^/# /' "$LOG" | grep -v 'bytes in' | tail -5
longest=$(sed -n 's/.*longest \([0-9]*\) us.*/\1/p' "$LOG")
tsm_check "longest answer ${longest:-?} us is well inside the 1 s DOE timeout" \
	test "${longest:-1000000}" -lt 500000

# Interrupt-capable mailboxes: the platform again with doe_irq=1, so that
# the DOE core waits for the mailbox interrupt (pci_doe_request_irq())
DOESTATS=/sys/kernel/debug/tsm_emu/$TSM_EMU_DOMAIN/${TSM_DSM_MFD#*:}/doe_stats
doe_irq_session()
{
	unload_platform
	modprobe tsm_emu doe_irq=1 && modprobe tsm_emu_bridge || return 1
	tsm-model device --ctl "$CTL" 2> "$LOG" &
	model=$!
	# Discovery at enumeration ran before the interrupt was requested
	resp0=$(sed -n 's/^responses //p' "$DOESTATS")
	irqs0=$(sed -n 's/^irqs //p' "$DOESTATS")
	wait_for attached "$LOG" && fw vca certs session ide-query end
}
tsm_check "doe_irq=1: an SPDM session through interrupt-driven DOE exchanges" doe_irq_session
irqs_counted()
{
	irqs=$(($(sed -n 's/^irqs //p' "$DOESTATS") - irqs0))
	resp=$(($(sed -n 's/^responses //p' "$DOESTATS") - resp0))
	echo "# $resp responses, $irqs interrupts"
	[ "$resp" -gt 5 ] && [ "$irqs" -eq "$resp" ]
}
tsm_check "the mailbox raised its interrupt once per response" irqs_counted
tsm_check "the DOE interrupt is requested (/proc/interrupts)" \
	grep -q "pci-doe:$TSM_DSM_MFD" /proc/interrupts
kill "$model"
wait "$model"
ktap_finished
