#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every test_*.sh of this directory in the VM.  Each prints KTAP; the
# host runner counts the top-level results.  The stress test
# (test_stress.sh) runs only with TSM_SLOW=1 in the VM's environment: a
# device removal or a TSM unregistration in the middle of a guest lock
# deadlocks the emulated platform, where the guest and the host share one
# kernel (see the tracker); make run TEST=... runs it alone.
rc=0
for t in /tests/test_*.sh; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in
	test_stress.sh) [ "${TSM_SLOW:-0}" = 1 ] || continue ;;
	esac
	echo "# ---- $(basename "$t")"
	sh "$t" || rc=1
done
exit $rc
