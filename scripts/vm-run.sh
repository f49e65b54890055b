#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh SCRIPT [FILE...]
#
# Boot the test kernel (build/vm) under QEMU (TCG, qboot) with a busybox
# initramfs, load the emulated TEE-IO platform and the sample TSMs, or with
# TSM_PLATFORM=sevtio the SEV-TIO host and guest against the device and
# firmware models (tools/testing/selftests/tsm/setup.sh), run SCRIPT inside
# the VM, and
# exit with its status.  FILEs are copied next to it in /tests.  A kernel
# splat (KASAN, lockdep, WARN, BUG, UBSAN, kmemleak) fails the run.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kbuild=${TSM_KBUILD:-$top/build/vm}
script=$1
shift
work=${TSM_VM_WORK:-$top/build/initramfs}
log=${TSM_VM_LOG:-$top/build/vm-console.log}
timeout=${TSM_VM_TIMEOUT:-900}
# TSM_VM_WORK: where the initramfs is assembled (default build/initramfs),
# so that two runs can go on side by side.
selftests=$top/tools/testing/selftests/tsm

[ -f "$script" ] || { echo "vm-run: no such script: $script" >&2; exit 2; }
[ -f "$kbuild/arch/x86/boot/bzImage" ] || { echo "vm-run: no kernel in $kbuild (run make)" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work"/{bin,sbin,etc,proc,sys,dev,tmp,root,tests,lib/modules}
cp /bin/busybox "$work/bin/busybox"
ln -s busybox "$work/bin/sh"
cp "$top/scripts/vm-init.sh" "$work/init"
chmod +x "$work/init"
if grep -q '^CONFIG_MODULES=y' "$kbuild/.config"; then
	make -s -C "$kbuild" INSTALL_MOD_PATH="$work" INSTALL_MOD_STRIP=1 \
		DEPMOD=/sbin/depmod modules_install > /dev/null
fi
if [ -d "$selftests" ]; then
	cp -r "$selftests"/. "$work/tests/"
fi
src=${TSM_SRC:-$top/build/src}
cp "$src/tools/testing/selftests/kselftest/ktap_helpers.sh" "$work/tests/"
# The series' sysfs ABI, which the selftests check every file against
mkdir -p "$work/tests/abi"
cp "$src/Documentation/ABI/testing/sysfs-bus-pci" "$src/Documentation/ABI/testing/sysfs-class-tsm" \
	"$src/Documentation/ABI/testing/sysfs-devices-pci-host-bridge" "$work/tests/abi/"
for f in "$@"; do
	cp -r "$f" "$work/tests/"
done
# Static test programs (scripts/build-vm-bin.sh), the device/firmware
# model and its test PKI (make tools).
mkdir -p "$work/usr/bin" "$work/etc/tsm-model"
if [ -d "$top/build/vm-bin" ]; then
	cp -r "$top/build/vm-bin"/. "$work/usr/bin/"
fi
# openssl with its libraries and loader (scripts/build-vm-bin.sh)
if [ -d "$top/build/vm-root" ]; then
	cp -a "$top/build/vm-root"/. "$work/"
fi
if [ -x "$top/build/tsm-model/tsm-model.static" ]; then
	cp "$top/build/tsm-model/tsm-model.static" "$work/usr/bin/tsm-model"
	cp "$top/build/tsm-model/certs"/*.der "$top/build/tsm-model/certs"/leaf.key \
		"$work/etc/tsm-model/" 2>/dev/null || true
fi
cp "$script" "$work/tests/run.sh"
# TSM_PLATFORM=sevtio (make run PLATFORM=sevtio): the VM comes up with the
# SEV-TIO host and guest against the models (setup-sevtio.sh) instead of
# the sample TSMs.
case "${TSM_PLATFORM:-}" in
"" | samples) ;;
sevtio) echo sevtio > "$work/tests/platform" ;;
*) echo "vm-run: unknown platform '$TSM_PLATFORM' (samples or sevtio)" >&2; exit 2 ;;
esac
(cd "$work" && find . | cpio -o -H newc --quiet) > "$work.cpio"
# The emulated endpoints' ACPI power resources (D3cold), an SSDT next to
# the initramfs; iasl is in acpica-tools (scripts/deps.sh).
ssdt=$top/samples/tsm/tsm-emu-ssdt.asl
iasl -vs -ve -p "$work-ssdt" "$ssdt" > "$work.iasl.log" 2>&1 ||
	{ cat "$work.iasl.log" >&2; echo "vm-run: iasl failed on $ssdt" >&2; exit 2; }

echo "vm-run: booting $(basename "$kbuild") with $(basename "$script") (TCG)" >&2
# log_buf_len: the selftests look for the kernel's messages after a line
# count of dmesg; a ring buffer that wraps in a long test would hide them.
set +e
timeout --foreground "$timeout" qemu-system-x86_64 \
	-machine q35 -cpu max -smp 2 -m 2G \
	-bios /usr/share/qemu/qboot.rom \
	-nographic -no-reboot -serial mon:stdio -monitor none \
	-kernel "$kbuild/arch/x86/boot/bzImage" \
	-initrd "$work.cpio" \
	-acpitable file="$work-ssdt.aml" \
	-append "console=ttyS0 panic=-1 no5lvl loglevel=4 log_buf_len=4M kasan.fault=report no_hash_pointers ${TSM_VM_APPEND:-}" \
	< /dev/null 2>&1 | tr -d '\r' | tee "$log" | grep -v '^@@TSM-VM-EXIT'
qrc=${PIPESTATUS[0]}
set -e

splat='BUG:|WARNING:|KASAN:|UBSAN:|Oops|general protection fault|Kernel panic|'
splat+='possible circular locking|possible recursive locking|inconsistent lock state|'
splat+='INFO: task .* blocked|suspicious RCU usage|unreferenced object|ODEBUG:|'
splat+='list_add corruption|list_del corruption|sleeping function called from invalid context|'
splat+='lock held when returning to user space|bad unlock balance|Call Trace:'
if grep -Eq "$splat" "$log"; then
	echo "vm-run: FAIL: kernel splat in the console log ($log):" >&2
	grep -En "$splat" "$log" | head -20 >&2
	exit 1
fi
rc=$(sed -n 's/^@@TSM-VM-EXIT \([0-9]*\)@@$/\1/p' "$log" | tail -1)
if [ -z "$rc" ]; then
	echo "vm-run: FAIL: the VM did not finish (qemu exit $qrc, timeout ${timeout}s); log in $log" >&2
	exit 1
fi
exit "$rc"
