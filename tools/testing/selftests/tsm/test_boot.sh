#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test kernel boots with its debug options and the runner sees splats;
# the image has a working openssl command.
. /tests/ktap_helpers.sh
. /tests/lib.sh

ktap_print_header
ktap_set_plan 4
tsm_check "kmemleak is available" test -e /sys/kernel/debug/kmemleak
tsm_check "lockdep is enabled" grep -q 'lock-classes' /proc/lockdep_stats
tsm_check "KASAN is enabled" sh -c 'dmesg | grep -q "KernelAddressSanitizer initialized"'
tsm_check "openssl runs in the VM" sh -c 'openssl version | grep -q "^OpenSSL 3"'
ktap_finished
