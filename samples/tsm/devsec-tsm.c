// SPDX-License-Identifier: GPL-2.0
/*
 * Sample devsec TSM (guest side) for the emulated TEE-IO platform.
 *
 * Registers a TSM in the devsec role so that the guest verbs of the
 * PCI/TSM core (tsm/lock, tsm/accept, tsm/unlock) can be exercised on the
 * emulated devices.  A real backend asks the platform firmware to lock the
 * TDISP interface, fetches and validates the interface report and
 * enables private MMIO and DMA on accept; the sample keeps a per-device
 * state and checks that the core calls it in a valid order.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-tsm.h>
#include <linux/slab.h>
#include <linux/tsm.h>

#include "tsm-emu.h"

/**
 * enum devsec_sample_state - TDISP state of the interface as the sample sees it
 * @DEVSEC_SAMPLE_LOCKED: CONFIG_LOCKED
 * @DEVSEC_SAMPLE_RUN: RUN
 */
enum devsec_sample_state {
	DEVSEC_SAMPLE_LOCKED,
	DEVSEC_SAMPLE_RUN,
};

/**
 * struct devsec_sample_tdi - context of a locked interface
 * @base: core context
 * @state: TDISP state, changed under the core's serialisation of the device
 */
struct devsec_sample_tdi {
	struct pci_tsm base;
	enum devsec_sample_state state;
};

static struct device *devsec_sample_parent;
static struct tsm_dev *devsec_sample_tsm;

static struct pci_tsm *devsec_sample_lock(struct tsm_dev *tsm_dev,
					  struct pci_dev *pdev)
{
	int rc;

	/* Only the emulated platform is managed by this sample */
	if (pdev->vendor != TSM_EMU_VENDOR_ID)
		return NULL;

	struct devsec_sample_tdi *tdi __free(kfree) =
		kzalloc(sizeof(*tdi), GFP_KERNEL);

	if (!tdi)
		return ERR_PTR(-ENOMEM);
	rc = pci_tsm_devsec_constructor(pdev, &tdi->base, tsm_dev);
	if (rc)
		return ERR_PTR(rc);
	tdi->state = DEVSEC_SAMPLE_LOCKED;
	pci_info(pdev, "TDISP interface locked\n");
	return &no_free_ptr(tdi)->base;
}

static void devsec_sample_unlock(struct pci_tsm *tsm)
{
	struct devsec_sample_tdi *tdi =
		container_of(tsm, struct devsec_sample_tdi, base);

	pci_info(tsm->pdev, "TDISP interface unlocked\n");
	kfree(tdi);
}

static int devsec_sample_accept(struct pci_dev *pdev)
{
	struct devsec_sample_tdi *tdi =
		container_of(pdev->tsm, struct devsec_sample_tdi, base);

	if (tdi->state != DEVSEC_SAMPLE_LOCKED)
		return -EINVAL;
	tdi->state = DEVSEC_SAMPLE_RUN;
	pci_info(pdev, "TDISP interface accepted (RUN)\n");
	return 0;
}

static const struct pci_tsm_ops devsec_sample_ops = {
	.lock = devsec_sample_lock,
	.unlock = devsec_sample_unlock,
	.accept = devsec_sample_accept,
};

static int __init devsec_sample_init(void)
{
	devsec_sample_parent = root_device_register("tsm_devsec_sample");
	if (IS_ERR(devsec_sample_parent))
		return PTR_ERR(devsec_sample_parent);

	devsec_sample_tsm = tsm_register(devsec_sample_parent,
					 &devsec_sample_ops);
	if (IS_ERR(devsec_sample_tsm)) {
		root_device_unregister(devsec_sample_parent);
		return PTR_ERR(devsec_sample_tsm);
	}
	return 0;
}
module_init(devsec_sample_init);

static void __exit devsec_sample_exit(void)
{
	tsm_unregister(devsec_sample_tsm);
	root_device_unregister(devsec_sample_parent);
}
module_exit(devsec_sample_exit);

MODULE_DESCRIPTION("Sample devsec TSM for the emulated TEE-IO platform");
MODULE_LICENSE("GPL");
