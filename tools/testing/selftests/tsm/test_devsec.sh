#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Devsec (guest) verbs of the PCI/TSM core with the sample devsec TSM:
# lock, accept, unlock and every refusal.
. /tests/ktap_helpers.sh
. /tests/lib.sh

ktap_print_header
ktap_set_plan 27

LINK=$(tsm_by_mode link)
DEVSEC=$(tsm_by_mode devsec)
D=$TSM_PCI/$TSM_DSM
F1=$TSM_PCI/$TSM_FN1

tsm_check "a devsec TSM is registered ($DEVSEC)" test -n "$DEVSEC"
tsm_check "pci_mode of $DEVSEC reads devsec" \
	tsm_expect_eq devsec "$(tsm_read "/sys/class/tsm/$DEVSEC/pci_mode")" pci_mode
tsm_check "TEE functions have lock, unlock, accept" \
	test -f "$D/tsm/lock" -a -f "$D/tsm/unlock" -a -f "$D/tsm/accept" -a -f "$F1/tsm/lock"
tsm_check "plain device has no devsec verbs" test ! -e "$TSM_PCI/$TSM_PLAIN/tsm/lock"
tsm_check "lock reads empty before lock" tsm_expect_eq "" "$(tsm_read "$D/tsm/lock")" lock
tsm_check "accept reads 0 before lock" tsm_expect_eq 0 "$(tsm_read "$D/tsm/accept")" accept
tsm_check "accept without lock is refused" tsm_write_fails "$EINVAL" 1 "$D/tsm/accept"
tsm_check "unlock without lock is refused" tsm_write_fails "$EINVAL" "$DEVSEC" "$D/tsm/unlock"
tsm_check "lock rejects a malformed name" tsm_write_fails "$EINVAL" bogus "$D/tsm/lock"
tsm_check "lock rejects an unknown TSM" tsm_write_fails "$ENXIO" tsm99 "$D/tsm/lock"
tsm_check "lock rejects a link TSM" tsm_write_fails "$ENXIO" "$LINK" "$D/tsm/lock"
tsm_check "lock refused for an unprivileged user" nobody_wr_refused "$DEVSEC" "$D/tsm/lock"
tsm_check "lock refused for root without CAP_SYS_ADMIN (EPERM)" \
	nocap_wr_refused "$DEVSEC" "$D/tsm/lock"

tsm_check "lock $TSM_DSM" wr "$DEVSEC" "$D/tsm/lock"
tsm_check "lock reads back $DEVSEC" tsm_expect_eq "$DEVSEC" "$(tsm_read "$D/tsm/lock")" lock
tsm_check "double lock is refused" tsm_write_fails "$EBUSY" "$DEVSEC" "$D/tsm/lock"
tsm_check "connect of a locked device is refused" tsm_write_fails "$EBUSY" "$LINK" "$D/tsm/connect"
tsm_check "accept of false is refused" tsm_write_fails "$EINVAL" 0 "$D/tsm/accept"
tsm_check "accept refused for root without CAP_SYS_ADMIN (EPERM)" \
	nocap_wr_refused 1 "$D/tsm/accept"
tsm_check "accept" wr 1 "$D/tsm/accept"
tsm_check "accept reads 1" tsm_expect_eq 1 "$(tsm_read "$D/tsm/accept")" accept
tsm_check "unlock with another name is refused" tsm_write_fails "$EINVAL" tsm99 "$D/tsm/unlock"
nocap_unlock()
{
	nocap_wr_refused "$DEVSEC" "$D/tsm/unlock" &&
		tsm_expect_eq "$DEVSEC:1" "$(tsm_read "$D/tsm/lock"):$(tsm_read "$D/tsm/accept")" \
			lock:accept
}
tsm_check "unlock refused for root without CAP_SYS_ADMIN (EPERM), still locked" nocap_unlock
tsm_check "unlock" wr "$DEVSEC" "$D/tsm/unlock"
tsm_check "lock and accept read empty and 0 after unlock" \
	tsm_expect_eq ":0" "$(tsm_read "$D/tsm/lock"):$(tsm_read "$D/tsm/accept")" lock:accept

# A device with a driver bound cannot be locked.
bind_stub()
{
	echo "7e57 0011" > /sys/bus/pci/drivers/pci-stub/new_id 2>/dev/null
	[ -e "$F1/driver" ] || echo "$TSM_FN1" > /sys/bus/pci/drivers/pci-stub/bind
	[ -e "$F1/driver" ]
}
if modprobe pci-stub 2>/dev/null || insmod "$(tsm_module_path pci-stub)" 2>/dev/null ||
   [ -d /sys/bus/pci/drivers/pci-stub ]; then
	bind_stub
	tsm_check "lock with a driver bound is refused" \
		tsm_write_fails "$EBUSY" "$DEVSEC" "$F1/tsm/lock"
	echo "$TSM_FN1" > /sys/bus/pci/drivers/pci-stub/unbind
	echo "7e57 0011" > /sys/bus/pci/drivers/pci-stub/remove_id 2>/dev/null
	tsm_check "lock after the driver is unbound" wr "$DEVSEC" "$F1/tsm/lock"
	wr "$DEVSEC" "$F1/tsm/unlock"
else
	ktap_test_fail "lock with a driver bound is refused (pci-stub unavailable)"
	ktap_test_fail "lock after the driver is unbound (pci-stub unavailable)"
fi
ktap_finished
