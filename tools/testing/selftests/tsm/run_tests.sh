#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every test_*.sh of this directory in the VM.  Each prints KTAP; the
# host runner counts the top-level results.
rc=0
for t in /tests/test_*.sh; do
	[ -f "$t" ] || continue
	echo "# ---- $(basename "$t")"
	sh "$t" || rc=1
done
exit $rc
