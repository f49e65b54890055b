#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The emulated PSP (tsm_emu_psp) without a real firmware model: the device
# ABI of /dev/tsm_emu_psp driven by the scripted peer psp_peer, which plays
# the firmware model and issues raw commands through the module's debugfs
# "cmd" file.  Module loading with its ccp dependency, single opener and
# permissions, commands without a model, round trips, firmware status,
# malformed, late and missing answers, closing with a command pending,
# concurrent callers, the memory ioctl's bounds, SEV-TIO registration
# through a minimal TIO_STATUS/TIO_INIT model and the forced teardown when
# the model goes away, module unload.
. /tests/ktap_helpers.sh
. /tests/lib.sh

ktap_print_header
ktap_set_plan 55

P=psp_peer
DBG=/sys/kernel/debug/tsm_emu_psp
STATS=$DBG/stats
TIO=$DBG/tio
PARAM=/sys/module/tsm_emu_psp/parameters/cmd_timeout_ms
MOUT=/tmp/psp_model.out
# What psp_peer's model writes into the reserved word of its answers
MARK=4c444f4d
TIO_STATUS=0xd0
TIO_INIT=0xd1

# ram_pa: physical address of the first System RAM range above 1 MiB
ram_pa()
{
	sed -n 's/^ *\([0-9a-f]*\)-[0-9a-f]* : System RAM$/\1/p' /proc/iomem |
		while read -r a; do
			if [ $((0x$a)) -ge $((0x100000)) ]; then
				echo "0x$a"
				break
			fi
		done
}

rmmod tsm_emu_psp 2>/dev/null
left0=$(dmesg | grep -c 'pages left firmware-owned at unload')
tsm_check "modprobe tsm_emu_psp loads it and ccp" \
	sh -c "modprobe tsm_emu_psp && grep -q '^tsm_emu_psp ' /proc/modules &&
	       grep -q '^ccp ' /proc/modules"
tsm_check "device and debugfs files exist" \
	sh -c "test -c /dev/tsm_emu_psp -a -f $TIO -a -f $STATS -a -f $DBG/cmd"
tsm_check "no model: not connected, nothing private, TSM not registered" \
	tsm_expect_eq "0:0:0" "$(peer_stat connected):$(peer_stat private):$(cat $TIO)" state

# Without a model
f0=$(peer_stat failed)
tsm_check "command without a model: ENODEV, fw_err -1" \
	expect_out "rc ENODEV fw_err -1 mark 00000000" $P cmd $TIO_STATUS 16
tsm_check "the failed command is counted" \
	tsm_expect_eq $((f0 + 1)) "$(peer_stat failed)" failed
tsm_check "command buffer length below 8: EINVAL, fw_err -1" \
	expect_out "rc EINVAL fw_err -1 mark 00000000" $P cmd $TIO_STATUS 16 4
tsm_check "command buffer length above the maximum: EINVAL, fw_err -1" \
	expect_out "rc EINVAL fw_err -1 mark 00000000" $P cmd $TIO_STATUS 16 2000
tsm_check "registering the SEV-TIO TSM without a model fails" \
	sh -c "! echo 1 > $TIO 2>/dev/null"
tsm_check "after the failed registration: not registered, nothing private" \
	tsm_expect_eq "0:0" "$(cat $TIO):$(peer_stat private)" state
tsm_check "unregistering what is not registered: EINVAL" \
	tsm_write_fails "$EINVAL" 0 $TIO

# The device
tsm_check "single opener: second open gets EBUSY" expect_out "errno EBUSY" $P excl
tsm_check "O_NONBLOCK read without a command: EAGAIN, poll not readable" \
	$P nonblock
tsm_check "unprivileged user cannot open the device" \
	tsm_expect_eq "errno EACCES" "$(as_nobody "$P open /dev/tsm_emu_psp")" open
tsm_check "open without CAP_SYS_ADMIN: EPERM" \
	expect_out "errno EPERM" $P nocap-open /dev/tsm_emu_psp
tsm_check "MEM ioctl after dropping CAP_SYS_ADMIN: EPERM" \
	expect_out "errno EPERM" $P nocap-mem

# Round trips
start_model ok 1
tsm_check "command answered by the model: rc 0, buffer copied back" \
	expect_out "rc OK fw_err 0 mark $MARK" $P cmd $TIO_STATUS 16
stop_model
tsm_check "model exits cleanly" test $mrc -eq 0
tsm_check "the model got command 0xd0 with its 16-byte buffer" \
	grep -q "^cmd 0xd0 tag [0-9]* len 16$" "$MOUT"

start_model status:0x16 1
tsm_check "firmware status 0x16: EIO, fw_err 22, buffer copied back" \
	expect_out "rc EIO fw_err 22 mark $MARK" $P cmd $TIO_INIT 16
stop_model

start_model ok 1
tsm_check "largest command buffer (1024 bytes) round trip" \
	expect_out "rc OK fw_err 0 mark $MARK" $P cmd 0xe0 1024
stop_model

start_model bad 1
tsm_check "malformed answers refused, then the right one accepted" \
	expect_out "rc OK fw_err 0 mark $MARK" $P cmd $TIO_STATUS 16
stop_model
badanswers()
{
	bad=0
	for c in short tag cmd len-short len-long status reserved too-long; do
		if ! grep -q "^bad $c EINVAL$" "$MOUT"; then
			echo "# answer '$c' not refused with EINVAL"
			bad=1
		fi
	done
	return $bad
}
tsm_check "each malformed answer got EINVAL (8 cases)" badanswers
tsm_check "read with a buffer smaller than the command: EINVAL" \
	grep -q "^small-read EINVAL$" "$MOUT"
tsm_check "the right answer after them was accepted" grep -q "^answer OK$" "$MOUT"

# Concurrent callers: one command at a time, each with its own tag
start_model ok 2
$P cmd $TIO_STATUS 16 > /tmp/psp_c1.out &
c1=$!
$P cmd $TIO_INIT 32 > /tmp/psp_c2.out &
c2=$!
wait $c1
wait $c2
stop_model
tsm_check "two concurrent commands both answered" \
	tsm_expect_eq "rc OK fw_err 0 mark $MARK:rc OK fw_err 0 mark $MARK" \
	"$(cat /tmp/psp_c1.out):$(cat /tmp/psp_c2.out)" answers
tsm_check "they had distinct tags" \
	test "$(sed -n 's/^cmd .* tag \([0-9]*\) .*/\1/p' "$MOUT" | sort -u | wc -l)" -eq 2

# Missing, late and abandoned answers
echo 500 > $PARAM
t0=$(peer_stat timeouts)
start_model drop 1 30000
tsm_check "unanswered command: ETIMEDOUT, fw_err -1" \
	expect_out "rc ETIMEDOUT fw_err -1 mark 00000000" $P cmd $TIO_STATUS 16
tsm_check "the timeout is counted and the model is still connected" \
	tsm_expect_eq "$((t0 + 1)):1" "$(peer_stat timeouts):$(peer_stat connected)" timeouts
stop_model kill
start_model late 1 1000
tsm_check "late answer: the command times out" \
	expect_out "rc ETIMEDOUT fw_err -1 mark 00000000" $P cmd $TIO_STATUS 16
stop_model
tsm_check "the late answer is refused with EINVAL" grep -q "^answer EINVAL$" "$MOUT"
echo 10000 > $PARAM
a0=$(peer_stat aborted)
start_model drop 1 0
tsm_check "device closed with the command pending: ENODEV, fw_err -1" \
	expect_out "rc ENODEV fw_err -1 mark 00000000" $P cmd $TIO_STATUS 16
stop_model
tsm_check "the aborted command is counted, the device is not connected" \
	tsm_expect_eq "$((a0 + 1)):0" "$(peer_stat aborted):$(peer_stat connected)" aborted
start_model ok 1
tsm_check "the mailbox works after the failures" \
	expect_out "rc OK fw_err 0 mark $MARK" $P cmd $TIO_STATUS 16
stop_model

# Memory access by physical address
tsm_check "MEM write then read of a page of the caller, not firmware-owned" \
	$P mem-self
RAM=$(ram_pa)
echo "# System RAM at $RAM"
tsm_check "MEM read of a whole RAM page" expect_out "errno OK owner 0" $P mem "$RAM" 4096
tsm_check "MEM access crossing a page boundary: EINVAL" \
	expect_out "errno EINVAL" $P mem $((RAM + 4088)) 16
tsm_check "MEM access of a legacy VGA hole address (not RAM): EFAULT" \
	expect_out "errno EFAULT" $P mem 0xa0000 16
tsm_check "MEM access of the local APIC (MMIO): EFAULT" \
	expect_out "errno EFAULT" $P mem 0xfee00000 16
tsm_check "MEM access beyond memory: EFAULT" \
	expect_out "errno EFAULT" $P mem 0x100000000000 16
mem_bad()
{
	bad=0
	for c in flags:EINVAL reserved:EINVAL zero-len:EINVAL badptr:EFAULT \
		 ioctl:ENOTTY; do
		got=$($P mem-bad "${c%%:*}")
		if [ "$got" != "errno ${c##*:}" ]; then
			echo "# mem-bad ${c%%:*}: expected ${c##*:}, got '$got'"
			bad=1
		fi
	done
	return $bad
}
tsm_check "MEM ioctl argument checks (5 cases)" mem_bad

# SEV-TIO registration through a minimal TIO_STATUS/TIO_INIT model
m0=$(peer_stat made_private)
start_model tio 1000
tsm_check "registering the SEV-TIO TSM through the model" wr 1 $TIO
tsm_check "tio reads 1" tsm_expect_eq 1 "$(cat $TIO)" tio
tsm_check "registering it again: EBUSY" tsm_write_fails "$EBUSY" 1 $TIO
tsm_check "the backend gave the firmware its status page" \
	test "$(peer_stat made_private)" -gt "$m0"
tsm_check "the model found the status page firmware-owned" \
	grep -q "^status page owner 1$" "$MOUT"
tsm_check "the model saw TIO_STATUS and TIO_INIT" \
	sh -c "grep -q '^cmd 0xd0 ' $MOUT && grep -q '^cmd 0xd1 ' $MOUT"
tsm_check "unregistering it" wr 0 $TIO
tsm_check "unregistered: tio reads 0, every page reclaimed" \
	tsm_expect_eq "0:0" "$(cat $TIO):$(peer_stat private)" state
stop_model kill

start_model drop 1 0
tsm_check "the model goes away during the registration: it fails" \
	sh -c "! echo 1 > $TIO 2>/dev/null"
stop_model
tsm_check "after the failed registration: not registered, nothing private" \
	tsm_expect_eq "0:0" "$(cat $TIO):$(peer_stat private)" state

start_model tio 1000
wr 1 $TIO
tsm_check "registered again" tsm_expect_eq 1 "$(cat $TIO)" tio
stop_model kill
tsm_check "the model went away: the TSM is unregistered, every page reclaimed" \
	tsm_expect_eq "0:0:0" "$(cat $TIO):$(peer_stat private):$(peer_stat connected)" state
echo "# stats: $(tr '\n' ' ' < $STATS)"

# Module unload
start_model drop 1
tsm_check "the module cannot be unloaded while the device is open" \
	sh -c "! rmmod tsm_emu_psp 2>/dev/null"
stop_model kill
tsm_check "unload and reload the module" \
	sh -c "rmmod tsm_emu_psp && modprobe tsm_emu_psp"
tsm_check "no page was left firmware-owned" \
	tsm_expect_eq "$left0" "$(dmesg | grep -c 'pages left firmware-owned at unload')" \
		"unloads that left firmware-owned pages"

ktap_finished
