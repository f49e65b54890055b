#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM (busybox).  Sets up the emulated TEE-IO platform the
# way the demonstration does, runs /tests/run.sh, then checks for leaks and
# reports the script's exit status to the host runner.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /run
echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh" >> /etc/passwd
echo "root:x:0:" > /etc/group
echo "nogroup:x:65534:" >> /etc/group

kver=$(uname -r)
export TSM_MODDIR=/lib/modules/$kver

# Start from a clean kmemleak slate: only objects leaked by the tests count.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo clear > /sys/kernel/debug/kmemleak
fi

rc=0
if [ -f /tests/setup.sh ]; then
	. /tests/setup.sh || rc=$?
fi
if [ $rc -eq 0 ]; then
	cd /tests && sh /tests/run.sh
	rc=$?
	cd /
fi

if [ -f /tests/teardown.sh ]; then
	. /tests/teardown.sh || rc=1
fi

if [ -w /sys/kernel/debug/kmemleak ]; then
	# kmemleak reports objects that have been unreferenced for a few seconds.
	echo scan > /sys/kernel/debug/kmemleak
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
echo "@@TSM-VM-EXIT $rc@@"
sync
poweroff -f
