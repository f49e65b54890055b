#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every test_*.sh of this directory in the VM.  Each prints KTAP; the
# host runner counts the top-level results.  The fault matrix and the
# stress tests (test_faults.sh, test_stress.sh) run only with TSM_SLOW=1
# in the VM's environment until their expectations are complete for the
# guest verbs; make run TEST=... runs either alone.
rc=0
for t in /tests/test_*.sh; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in
	test_faults.sh|test_stress.sh) [ "${TSM_SLOW:-0}" = 1 ] || continue ;;
	esac
	echo "# ---- $(basename "$t")"
	sh "$t" || rc=1
done
exit $rc
