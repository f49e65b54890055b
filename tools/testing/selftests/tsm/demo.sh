#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demonstration: what an operator sees on the emulated TEE-IO
# platform.  Run by `make` (scripts/vm-run.sh loads the platform and the
# sample TSMs first).
. /tests/lib.sh

step() { echo; echo "==> $*"; }
show() { echo "    $1: $(tsm_read "$2")"; }
run() { echo "    # $*"; sh -c "$*" 2>&1 | sed 's/^/    /'; }

LINK=$(tsm_by_mode link)
DEVSEC=$(tsm_by_mode devsec)
D=$TSM_PCI/$TSM_DSM_MFD
D2=$TSM_PCI/$TSM_DSM

step "TEE Security Managers"
for t in /sys/class/tsm/tsm*; do
	echo "    $(basename "$t"): $(cat "$t/pci_mode")"
done

step "Emulated PCI domain $TSM_EMU_DOMAIN"
for d in "$TSM_PCI"/$TSM_EMU_DOMAIN:*; do
	n=$(basename "$d")
	verbs=$(ls "$d/tsm" 2>/dev/null | tr '\n' ' ')
	echo "    $n class $(cat "$d/class") tsm/: ${verbs:-(none)}"
done
show "available_secure_streams" "$TSM_HB/available_secure_streams"

step "Host: connect $TSM_DSM_MFD to $LINK (SPDM over DOE, IDE stream setup)"
run "echo $LINK > $D/tsm/connect"
show "tsm/connect" "$D/tsm/connect"
show "authenticated" "$D/authenticated"
show "tsm/dsm of $TSM_FN1" "$TSM_PCI/$TSM_FN1/tsm/dsm"
echo "    IDE stream state: endpoint $(ide_state "$TSM_DSM_MFD" 0)," \
	"root port $(ide_state "$TSM_RP0" 0) (2 = Secure)"
echo "    stream links: $(streams)"
show "available_secure_streams" "$TSM_HB/available_secure_streams"

step "Refusals are clear"
run "echo $LINK > $D/tsm/connect"
run "echo tsm99 > $D2/tsm/connect"
run "echo 1 > $D2/tsm/accept"

step "Guest: lock $TSM_DSM with $DEVSEC, accept (RUN), unlock"
run "echo $DEVSEC > $D2/tsm/lock"
show "tsm/lock" "$D2/tsm/lock"
run "echo 1 > $D2/tsm/accept"
show "tsm/accept" "$D2/tsm/accept"
run "echo $DEVSEC > $D2/tsm/unlock"
show "tsm/lock" "$D2/tsm/lock"

step "Host: disconnect $TSM_DSM_MFD"
run "echo $LINK > $D/tsm/disconnect"
show "tsm/connect" "$D/tsm/connect"
echo "    IDE stream state: endpoint $(ide_state "$TSM_DSM_MFD" 0) (0 = Insecure)"
show "available_secure_streams" "$TSM_HB/available_secure_streams"
echo
echo "Kernel messages:"
dmesg | grep -E 'tsm|IDE|TDISP' | tail -20 | sed 's/^/    /'
