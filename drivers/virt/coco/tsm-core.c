// SPDX-License-Identifier: GPL-2.0-only
/*
 * TEE Security Manager (TSM) class
 *
 * A TSM is the platform agent (e.g. the AMD platform security processor)
 * that owns the security of confidential PCIe devices: SPDM sessions, IDE
 * keys and TDISP interface state.  Each registered TSM appears as
 * /sys/class/tsm/tsmN with its PCI role, and user space names it by that
 * device name when asking the PCI/TSM core to connect or lock a device.
 */

#define pr_fmt(fmt) "tsm: " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/init.h>
#include <linux/pci-tsm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tsm.h>

static DEFINE_IDA(tsm_ida);

static struct tsm_dev *to_tsm_dev(struct device *dev)
{
	return container_of(dev, struct tsm_dev, dev);
}

static ssize_t pci_mode_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct tsm_dev *tsm_dev = to_tsm_dev(dev);

	return sysfs_emit(buf, "%s\n", is_link_tsm(tsm_dev) ? "link" : "devsec");
}
static DEVICE_ATTR_RO(pci_mode);

static struct attribute *tsm_attrs[] = {
	&dev_attr_pci_mode.attr,
	NULL
};
ATTRIBUTE_GROUPS(tsm);

static const struct class tsm_class = {
	.name = "tsm",
	.dev_groups = tsm_groups,
};

static void tsm_dev_release(struct device *dev)
{
	struct tsm_dev *tsm_dev = to_tsm_dev(dev);

	ida_free(&tsm_ida, tsm_dev->id);
	kfree(tsm_dev);
}

/*
 * A TSM implements exactly one role: all mandatory operations of that role
 * and none of the other, decided by group (&pci_tsm_ops.link_ops and
 * &pci_tsm_ops.devsec_ops), so that an operation added to a group is
 * covered.
 */
static bool tsm_pci_ops_valid(const struct pci_tsm_ops *ops)
{
	bool link = memchr_inv(&ops->link_ops, 0, sizeof(ops->link_ops));
	bool devsec = memchr_inv(&ops->devsec_ops, 0, sizeof(ops->devsec_ops));

	if (link == devsec)
		return false;
	if (devsec)
		return ops->lock && ops->unlock && ops->accept;
	if (!ops->probe || !ops->remove || !ops->connect || !ops->disconnect)
		return false;
	if (!ops->bind != !ops->unbind)
		return false;
	return ops->bind ||
	       (!ops->tdi_start && !ops->tdi_state && !ops->guest_req);
}

/**
 * tsm_register() - register a TEE Security Manager
 * @parent: device that provides the TSM (e.g. the security processor),
 *	    may be %NULL
 * @ops: PCI device security operations of the TSM, exactly one role
 *
 * Creates /sys/class/tsm/tsmN and makes the TSM available to the PCI/TSM
 * core, which shows the per-device verbs of its role.  A %KOBJ_CHANGE
 * uevent on tsmN announces that the PCI operations are available.
 *
 * Context: process context, may sleep.  Updating the visibility of the
 * PCI device attributes waits for running PCI/TSM sysfs operations, so
 * the caller must not hold the device lock of a TEE capable PCI device.
 *
 * Return: the new TSM, ERR_PTR(-EINVAL) if @ops does not implement
 * exactly one role, or another ERR_PTR() on failure.
 */
struct tsm_dev *tsm_register(struct device *parent,
			     const struct pci_tsm_ops *ops)
{
	struct tsm_dev *tsm_dev;
	struct device *dev;
	int id, rc;

	if (!ops || !tsm_pci_ops_valid(ops))
		return ERR_PTR(-EINVAL);

	tsm_dev = kzalloc(sizeof(*tsm_dev), GFP_KERNEL);
	if (!tsm_dev)
		return ERR_PTR(-ENOMEM);

	id = ida_alloc(&tsm_ida, GFP_KERNEL);
	if (id < 0) {
		kfree(tsm_dev);
		return ERR_PTR(id);
	}
	tsm_dev->id = id;
	tsm_dev->pci_ops = ops;

	/* From here on the release function frees @tsm_dev and its id */
	dev = &tsm_dev->dev;
	device_initialize(dev);
	dev->class = &tsm_class;
	dev->parent = parent;
	dev->release = tsm_dev_release;

	rc = dev_set_name(dev, "tsm%d", id);
	if (rc)
		goto err_put;

	rc = device_add(dev);
	if (rc)
		goto err_put;

	rc = pci_tsm_register(tsm_dev);
	if (rc) {
		device_del(dev);
		goto err_put;
	}

	kobject_uevent(&dev->kobj, KOBJ_CHANGE);
	return tsm_dev;

err_put:
	put_device(dev);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_GPL(tsm_register);

/**
 * tsm_unregister() - unregister a TEE Security Manager
 * @tsm_dev: TSM from tsm_register()
 *
 * Tears down every PCI device context of @tsm_dev (unbind, disconnect or
 * unlock, free) through its operations, then removes tsmN.  The structure
 * is freed once the last reference (see find_tsm_dev()) is dropped.
 *
 * Context: process context, may sleep; see tsm_register().
 */
void tsm_unregister(struct tsm_dev *tsm_dev)
{
	pci_tsm_unregister(tsm_dev);
	device_unregister(&tsm_dev->dev);
}
EXPORT_SYMBOL_GPL(tsm_unregister);

static int tsm_match_id(struct device *dev, const void *data)
{
	return to_tsm_dev(dev)->id == *(const int *)data;
}

/**
 * find_tsm_dev() - look a TSM up by instance number
 * @id: N of tsmN
 *
 * The TSM may be in the middle of registration or unregistration: the
 * reference keeps the structure, not the registration, alive.
 *
 * Return: the TSM with a reference held, to be dropped with
 * tsm_dev_put(), or %NULL if there is no tsmN.
 */
struct tsm_dev *find_tsm_dev(int id)
{
	struct device *dev;

	dev = class_find_device(&tsm_class, NULL, &id, tsm_match_id);
	if (!dev)
		return NULL;
	return to_tsm_dev(dev);
}
EXPORT_SYMBOL_GPL(find_tsm_dev);

/**
 * tsm_dev_put() - drop a reference taken by find_tsm_dev()
 * @tsm_dev: TSM
 */
void tsm_dev_put(struct tsm_dev *tsm_dev)
{
	put_device(&tsm_dev->dev);
}
EXPORT_SYMBOL_GPL(tsm_dev_put);

static int __init tsm_class_init(void)
{
	return class_register(&tsm_class);
}
subsys_initcall(tsm_class_init);
