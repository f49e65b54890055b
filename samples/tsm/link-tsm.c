// SPDX-License-Identifier: GPL-2.0
/*
 * Sample link TSM (host side) for the emulated TEE-IO platform.
 *
 * Drives the vendor-neutral PCI/TSM core and the IDE library the way a
 * platform TSM backend does, so that the whole link ABI can be exercised
 * before any vendor backend exists:
 *
 *   connect:    SPDM GET_VERSION over the DSM's CMA/SPDM DOE mailbox, then
 *               one Selective IDE stream to the root port: allocate, program
 *               both partners, "program the keys" (the emulator's key-go
 *               input stands in for IDE_KM and the platform's root port key
 *               programming), enable root port then endpoint, check Secure,
 *               register the stream in sysfs;
 *   disconnect: the reverse;
 *   ide_refresh: new keys in the other key set at both ends, receivers
 *               before transmitters, then the old keys stopped;
 *   bind/unbind and guest requests: bookkeeping and an echo.
 *
 * This is a sample: it trusts nothing it gets from the device and never
 * sees key material, but it performs no authentication.  Only ever load it
 * with the emulated platform (tsm_emu).
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/pci-ide.h>
#include <linux/pci-tsm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tsm.h>

#include "tsm-emu.h"

#define SPDM_VERSION_10		0x10
#define SPDM_GET_VERSION	0x84
#define SPDM_VERSION		0x04
/* VERSION response: 4-byte header, reserved, entry count, then entries */
#define SPDM_VERSION_RSP_MIN	6

/**
 * struct link_sample_dsm - context of a DSM function
 * @pf0: core context (must stay first for the core's helpers)
 * @ide: the Selective IDE stream while connected, else %NULL
 * @key_set: the IDE key set (0 or 1) the stream uses
 */
struct link_sample_dsm {
	struct pci_tsm_pf0 pf0;
	struct pci_ide *ide;
	u8 key_set;
};

/**
 * struct link_sample_fn - context of a function that depends on a DSM
 * @base: core context
 */
struct link_sample_fn {
	struct pci_tsm base;
};

static struct device *link_sample_parent;
static struct tsm_dev *link_sample_tsm;

static struct link_sample_dsm *to_dsm(struct pci_tsm *tsm)
{
	struct pci_tsm_pf0 *pf0 = to_pci_tsm_pf0(tsm);

	return pf0 ? container_of(pf0, struct link_sample_dsm, pf0) : NULL;
}

static struct pci_tsm *link_sample_probe(struct tsm_dev *tsm_dev,
					 struct pci_dev *pdev)
{
	int rc;

	/* Only the emulated platform is managed by this sample */
	if (pdev->vendor != TSM_EMU_VENDOR_ID)
		return NULL;

	if (is_pci_tsm_pf0(pdev)) {
		struct link_sample_dsm *dsm __free(kfree) =
			kzalloc(sizeof(*dsm), GFP_KERNEL);

		if (!dsm)
			return ERR_PTR(-ENOMEM);
		rc = pci_tsm_pf0_constructor(pdev, &dsm->pf0, tsm_dev);
		if (rc)
			return ERR_PTR(rc);
		return &no_free_ptr(dsm)->pf0.base_tsm;
	}

	struct link_sample_fn *fn __free(kfree) = kzalloc(sizeof(*fn), GFP_KERNEL);

	if (!fn)
		return ERR_PTR(-ENOMEM);
	rc = pci_tsm_link_constructor(pdev, &fn->base, tsm_dev);
	if (rc)
		return ERR_PTR(rc);
	return &no_free_ptr(fn)->base;
}

static void link_sample_remove(struct pci_tsm *tsm)
{
	struct link_sample_dsm *dsm = to_dsm(tsm);

	if (dsm) {
		WARN_ON(dsm->ide);
		kfree(dsm);
		return;
	}
	kfree(container_of(tsm, struct link_sample_fn, base));
}

/* Check that the DSM answers SPDM over its CMA/SPDM mailbox. */
static int link_sample_spdm_version(struct pci_dev *pdev)
{
	u8 req[4] = { SPDM_VERSION_10, SPDM_GET_VERSION, 0, 0 };
	u8 rsp[64];
	int rc;

	rc = pci_tsm_doe_transfer(pdev, PCI_DOE_FEATURE_CMA, req, sizeof(req),
				  rsp, sizeof(rsp));
	if (rc < 0) {
		pci_err(pdev, "SPDM GET_VERSION failed: %d\n", rc);
		return rc;
	}
	if (rc < SPDM_VERSION_RSP_MIN || rsp[0] != SPDM_VERSION_10 ||
	    rsp[1] != SPDM_VERSION) {
		pci_err(pdev, "malformed SPDM VERSION response (%d bytes)\n", rc);
		return -EIO;
	}
	return 0;
}

/*
 * The emulator's "keys programmed and set to go" input stands in for the
 * key programming a real TSM does (IDE_KM for the endpoint, the
 * platform's own path for the root port).  It is looked up at run time so
 * that tsm_emu and this module can be loaded and unloaded in either order.
 */
static int link_sample_key(struct pci_dev *pdev, u8 stream_id, u8 key_set,
			   enum tsm_emu_ide_dir dir, bool go, u32 tag)
{
	int (*key)(struct pci_dev *pdev, u8 stream_id, u8 key_set,
		   enum tsm_emu_ide_dir dir, bool go, u32 tag);
	int rc;

	key = symbol_get(tsm_emu_ide_key);
	if (!key)
		return -ENODEV;
	rc = key(pdev, stream_id, key_set, dir, go, tag);
	symbol_put(tsm_emu_ide_key);
	return rc;
}

/*
 * Stop key set @ks at both ends of the stream: transmitters first, which
 * fall back to the other key set if it is set to go, then receivers.
 */
static void link_sample_keys_stop(struct pci_dev *rp, struct pci_dev *ep,
				  u8 stream_id, u8 ks)
{
	link_sample_key(ep, stream_id, ks, TSM_EMU_IDE_TX, false, 0);
	link_sample_key(rp, stream_id, ks, TSM_EMU_IDE_TX, false, 0);
	link_sample_key(rp, stream_id, ks, TSM_EMU_IDE_RX, false, 0);
	link_sample_key(ep, stream_id, ks, TSM_EMU_IDE_RX, false, 0);
}

/*
 * New keys into key set @ks at both ends and set to go: receivers first,
 * then transmitters, so that traffic keeps passing while the stream is
 * Secure with the other key set.  The tags stand for fresh keys, one per
 * direction.  On failure, key set @ks is stopped again.
 */
static int link_sample_keys_go(struct pci_dev *rp, struct pci_ide *ide,
			       u8 ks)
{
	u32 down = get_random_u32(), up = get_random_u32();
	struct pci_dev *ep = ide->pdev;
	u8 id = ide->stream_id;
	int rc;

	rc = link_sample_key(rp, id, ks, TSM_EMU_IDE_RX, true, up);
	if (!rc)
		rc = link_sample_key(ep, id, ks, TSM_EMU_IDE_RX, true, down);
	if (!rc)
		rc = link_sample_key(ep, id, ks, TSM_EMU_IDE_TX, true, up);
	if (!rc)
		rc = link_sample_key(rp, id, ks, TSM_EMU_IDE_TX, true, down);
	if (rc)
		link_sample_keys_stop(rp, ep, id, ks);
	return rc;
}

static int link_sample_ide_start(struct link_sample_dsm *dsm,
				 struct pci_dev *pdev)
{
	struct pci_dev *rp = pcie_find_root_port(pdev);
	struct pci_ide *ide;
	int rc;

	/* NULL: no stream index left in a port or the host bridge */
	ide = pci_ide_stream_alloc(pdev);
	if (!ide)
		return -ENOSPC;
	ide->tsm_dev = &dsm->pf0.base_tsm.tsm_dev->dev;
	/* This TSM has no Stream ID allocator: the host bridge's index */
	ide->stream_id = ide->host_bridge_stream;

	pci_ide_stream_setup(pdev, ide);
	pci_ide_stream_setup(rp, ide);
	dsm->key_set = 0;
	rc = link_sample_keys_go(rp, ide, dsm->key_set);
	if (rc)
		goto err_teardown;
	/* The Endpoint first, then its Root Port (PCIe r7.0 sec 6.33.8) */
	rc = pci_ide_stream_enable(pdev, ide);
	if (rc)
		goto err_disable;
	rc = pci_ide_stream_enable(rp, ide);
	if (rc)
		goto err_disable;
	rc = pci_ide_stream_register(ide);
	if (rc)
		goto err_disable;

	dsm->ide = ide;
	pci_info(pdev, "IDE stream %s (Stream ID %d) secure\n", ide->name,
		 ide->stream_id);
	return 0;

err_disable:
	pci_ide_stream_disable(rp, ide);
	pci_ide_stream_disable(pdev, ide);
	link_sample_keys_stop(rp, pdev, ide->stream_id, dsm->key_set);
err_teardown:
	pci_ide_stream_teardown(rp, ide);
	pci_ide_stream_teardown(pdev, ide);
	pci_ide_stream_free(ide);
	return rc;
}

static int link_sample_connect(struct pci_dev *pdev)
{
	struct link_sample_dsm *dsm = to_dsm(pdev->tsm);
	int rc;

	if (!dsm)
		return -ENXIO;
	rc = link_sample_spdm_version(pdev);
	if (rc)
		return rc;
	if (!pdev->ide_cap)
		return 0;
	return link_sample_ide_start(dsm, pdev);
}

static void link_sample_disconnect(struct pci_dev *pdev)
{
	struct link_sample_dsm *dsm = to_dsm(pdev->tsm);
	struct pci_ide *ide = dsm ? dsm->ide : NULL;
	u8 stream_id;

	if (!ide)
		return;
	/* Streams disabled first: no traffic hits the keys being stopped */
	stream_id = ide->stream_id;
	pci_ide_stream_release(ide);
	dsm->ide = NULL;
	link_sample_keys_stop(pcie_find_root_port(pdev), pdev, stream_id,
			      dsm->key_set);
}

/*
 * Roll the stream over to the key set it does not use: new keys in at
 * both ends (receivers, then transmitters), then the old keys stopped.
 * The stream reads Secure at every step; the emulator fails it (and
 * counts the traffic refused) if the order is wrong.
 */
static int link_sample_ide_refresh(struct pci_dev *pdev)
{
	struct link_sample_dsm *dsm = to_dsm(pdev->tsm);
	struct pci_ide *ide = dsm ? dsm->ide : NULL;
	struct pci_dev *rp = pcie_find_root_port(pdev);
	u8 next;
	int rc;

	if (!ide)
		return -EOPNOTSUPP;
	next = dsm->key_set ^ 1;
	rc = link_sample_keys_go(rp, ide, next);
	if (rc)
		return rc;
	link_sample_keys_stop(rp, pdev, ide->stream_id, dsm->key_set);
	dsm->key_set = next;
	return 0;
}

static struct pci_tdi *link_sample_bind(struct pci_dev *pdev, struct kvm *kvm,
					u32 tdi_id)
{
	struct pci_tdi *tdi = kzalloc(sizeof(*tdi), GFP_KERNEL);

	if (!tdi)
		return ERR_PTR(-ENOMEM);
	pci_tsm_tdi_constructor(pdev, tdi, kvm, tdi_id);
	return tdi;
}

static void link_sample_unbind(struct pci_tdi *tdi)
{
	kfree(tdi);
}

/* Guest requests are echoed back; the TSM status is the request length. */
static ssize_t link_sample_guest_req(struct pci_tdi *tdi,
				     enum pci_tsm_req_scope scope,
				     sockptr_t req, size_t req_len,
				     sockptr_t resp, size_t resp_len,
				     u64 *tsm_code)
{
	size_t len = min(req_len, resp_len);
	u8 *buf;

	if (len > PAGE_SIZE)
		return -E2BIG;
	buf = kmalloc(len ?: 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_sockptr(buf, req, len) ||
	    copy_to_sockptr(resp, buf, len)) {
		kfree(buf);
		return -EFAULT;
	}
	kfree(buf);
	*tsm_code = req_len;
	return len;
}

/*
 * After a reset: the keys of the stream are programmed over the SPDM
 * session, and a reset that reaches the DSM wipes both, so a stream that
 * is still Secure at both ends means the session was not touched either.
 */
static int link_sample_link_check(struct pci_dev *pdev)
{
	struct link_sample_dsm *dsm = to_dsm(pdev->tsm);

	if (!dsm || !dsm->ide)
		return -ENOLINK;
	return pci_ide_stream_secure(dsm->ide);
}

static const struct pci_tsm_ops link_sample_ops = {
	.probe = link_sample_probe,
	.remove = link_sample_remove,
	.connect = link_sample_connect,
	.disconnect = link_sample_disconnect,
	.bind = link_sample_bind,
	.unbind = link_sample_unbind,
	.guest_req = link_sample_guest_req,
	.link_check = link_sample_link_check,
	.ide_refresh = link_sample_ide_refresh,
};

static int __init link_sample_init(void)
{
	link_sample_parent = root_device_register("tsm_link_sample");
	if (IS_ERR(link_sample_parent))
		return PTR_ERR(link_sample_parent);

	link_sample_tsm = tsm_register(link_sample_parent, &link_sample_ops);
	if (IS_ERR(link_sample_tsm)) {
		root_device_unregister(link_sample_parent);
		return PTR_ERR(link_sample_tsm);
	}
	return 0;
}
module_init(link_sample_init);

static void __exit link_sample_exit(void)
{
	tsm_unregister(link_sample_tsm);
	root_device_unregister(link_sample_parent);
}
module_exit(link_sample_exit);

MODULE_DESCRIPTION("Sample link TSM for the emulated TEE-IO platform");
MODULE_LICENSE("GPL");
