/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the built-in KUnit suites of samples/tsm that drive
 * the PCI/TSM verbs through the sysfs methods of the device attributes
 * (defined in tsm-core-kunit.c).
 */
#ifndef __TSM_KUNIT_H
#define __TSM_KUNIT_H

#include <linux/types.h>

struct kunit;
struct pci_dev;

ssize_t tsm_kunit_store(struct kunit *test, struct pci_dev *pdev,
			const char *name, const char *val);
ssize_t tsm_kunit_show_rc(struct kunit *test, struct pci_dev *pdev,
			  const char *name);
const char *tsm_kunit_show(struct kunit *test, struct pci_dev *pdev,
			   const char *name);

#endif /* __TSM_KUNIT_H */
