// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SEV-TIO: the link TSM of the host.
 *
 * connect:    device context (DEV_CREATE), one Selective IDE stream to the
 *             root port with the settings AMD's root complex requires (see
 *             sev_tio_ide_settings()), DEV_CONNECT (the firmware
 *             authenticates the device over SPDM and programs the IDE keys
 *             of both ends), enable endpoint then root port, check Secure,
 *             register the stream, then fetch the evidence (certificates,
 *             measurements; a failure there leaves the evidence empty but
 *             the link up).  A DEV_CONNECT that failed after SPDM traffic
 *             is followed by a forced DEV_DISCONNECT before DEV_RECLAIM;
 * disconnect: the reverse; when the firmware refuses a clean
 *             DEV_DISCONNECT the forced one follows (only the forced one
 *             while the system halts or restarts), and every page, stream
 *             and context is released whatever the firmware answers;
 * bind:       TDI_CREATE and TDI_BIND for a confidential VM, the interface
 *             report becomes evidence; unbind: TDI_UNBIND (forced if
 *             refused), TDI_STATUS, TDI_RECLAIM, and for an interface that
 *             ran ASID_FENCE_STATUS and ASID_FENCE_CLEAR;
 * tdi_start:  TDI_BIND with RUN of a bound interface (START_INTERFACE).
 * tdi_state:  TDI_STATUS; ERROR once the firmware lost the binding.
 * guest_req:  GUEST_REQUEST on behalf of the VM owning an interface; the
 *             response lands in a firmware-owned page of the interface,
 *             and the firmware's status is the TSM code the VM gets.
 * ide_refresh: ROLL_KEY: new IDE keys for the stream of a connected DSM,
 *             which stays Secure throughout.
 *
 * The firmware is reached only through &struct sev_tio_fw_ops
 * (sev-tio-seam.h).  There is one SEV-TIO firmware per system (the PSP
 * master).
 *
 * Locking.  Operations of one DSM are serialised by the PCI/TSM core (the
 * DSM's device lock, then pci_tsm_link_rwsem for read); nothing here is
 * global across an operation.  The firmware mailbox (sev_cmd_mutex, taken by
 * sev_do_cmd() behind &sev_tio_fw_ops.do_cmd) is held for one firmware
 * command only, never across the DOE exchange of an SPDM round, and a DOE
 * mailbox belongs to one device.  So while one device's SPDM message is
 * on its DOE mailbox, the firmware runs another device's command, and the
 * connects of different devices overlap.  Lock order, outermost first:
 * the core's locks, sev_tio_kvm_lock (bind, only around the guest context
 * lookup), the firmware mailbox.  sev_tio_reg_lock is taken by
 * registration only, with none of them held.
 */
#include <kunit/visibility.h>
#include <linux/bitfield.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-ide.h>
#include <linux/pci-tsm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tsm.h>

#include "sev-tio.h"

static unsigned int tio_cert_slot;
module_param(tio_cert_slot, uint, 0644);
MODULE_PARM_DESC(tio_cert_slot, "SPDM certificate slot SEV-TIO connects with (0-7, default 0)");

static unsigned int tio_spdm_timeout = 120;
module_param(tio_spdm_timeout, uint, 0444);
MODULE_PARM_DESC(tio_spdm_timeout, "seconds one SEV-TIO firmware command may take with its SPDM exchanges (1-3600, default 120)");

/* TDISP lock flags of TDI_BIND: all requests redirected, MSI-X locked */
#define SEV_TIO_BIND_FLAGS	(SEV_TIO_LOCK_ALL_REQ_REDIRECT | SEV_TIO_LOCK_MSIX)

/* Serialises sev_tio_register() and sev_tio_unregister() */
static DEFINE_MUTEX(sev_tio_reg_lock);
/* The registered firmware; stable while any TSM operation runs */
static struct sev_tio *sev_tio_fw;
/*
 * Hypervisor callbacks, see sev_tio_set_kvm_ops().  Their own lock: bind
 * runs under the PCI/TSM core's locks, which registration takes.
 */
static DEFINE_MUTEX(sev_tio_kvm_lock);
static const struct sev_tio_kvm_ops *sev_tio_kvm;

/**
 * struct sev_tio_fn - link context of a function depending on a DSM
 * @base: core context
 */
struct sev_tio_fn {
	struct pci_tsm base;
};

/**
 * struct sev_tio_bound - an interface bound to a VM
 * @base: core interface
 * @tdi: SEV-TIO interface context
 * @lost: the firmware no longer holds the interface bound (reported once)
 */
struct sev_tio_bound {
	struct pci_tdi base;
	struct sev_tio_tdi tdi;
	bool lost;
};

static struct sev_tio_dsm *to_dsm(struct pci_tsm *tsm)
{
	struct pci_tsm_pf0 *pf0 = to_pci_tsm_pf0(tsm);

	return pf0 ? container_of(pf0, struct sev_tio_dsm, pf0) : NULL;
}

static struct pci_tsm *sev_tio_probe(struct tsm_dev *tsm_dev,
				     struct pci_dev *pdev)
{
	int rc;

	if (is_pci_tsm_pf0(pdev)) {
		struct sev_tio_dsm *dsm __free(kfree) =
			kzalloc(sizeof(*dsm), GFP_KERNEL);

		if (!dsm)
			return ERR_PTR(-ENOMEM);
		rc = pci_tsm_pf0_constructor(pdev, &dsm->pf0, tsm_dev);
		if (rc)
			return ERR_PTR(rc);
		return &no_free_ptr(dsm)->pf0.base_tsm;
	}

	struct sev_tio_fn *fn __free(kfree) = kzalloc(sizeof(*fn), GFP_KERNEL);

	if (!fn)
		return ERR_PTR(-ENOMEM);
	rc = pci_tsm_link_constructor(pdev, &fn->base, tsm_dev);
	if (rc)
		return ERR_PTR(rc);
	return &no_free_ptr(fn)->base;
}

static void sev_tio_remove(struct pci_tsm *tsm)
{
	struct sev_tio_dsm *dsm = to_dsm(tsm);

	if (dsm) {
		WARN_ON(dsm->ide || dsm->dev.ctx.va);
		kfree(dsm);
		return;
	}
	kfree(container_of(tsm, struct sev_tio_fn, base));
}

/* Certificates and fresh measurements become the DSM's evidence. */
static int sev_tio_measure(struct pci_dev *pdev, const u8 *nonce)
{
	struct sev_tio_dsm *dsm = to_dsm(pdev->tsm);
	struct sev_tio_blob blob;
	int rc;

	if (!dsm || !dsm->dev.connected)
		return -ENXIO;
	rc = sev_tio_dev_measurements(&dsm->dev, nonce, &blob);
	if (rc)
		return rc;
	pci_tsm_evidence_set(&dsm->pf0.base_tsm, PCI_TSM_EVIDENCE_MEASUREMENTS,
			     blob.data, blob.len);
	return 0;
}

static int sev_tio_evidence(struct sev_tio_dsm *dsm)
{
	u8 nonce[PCI_TSM_NONCE_SIZE];
	struct sev_tio_blob blob;
	int rc;

	rc = sev_tio_dev_certificates(&dsm->dev, &blob);
	if (rc)
		return rc;
	pci_tsm_evidence_set(&dsm->pf0.base_tsm, PCI_TSM_EVIDENCE_CERTS, blob.data,
			     blob.len);
	get_random_bytes(nonce, sizeof(nonce));
	return sev_tio_measure(dsm->dev.pdev, nonce);
}

/*
 * The stream settings AMD's root complex requires of every SEV-TIO stream
 * (torvalds/linux drivers/crypto/ccp/sev-dev-tsm.c @ 08df88fa142f,
 * stream_setup() and streams_setup(); the same in AMDESE/linux-kvm
 * @ 16f379f5463a): RID association 0..0xffff at both ends; the endpoint
 * TEE-limited, without configuration requests, and its Default Stream;
 * the root port with configuration requests, not TEE-limited.  The
 * Stream ID is the host bridge stream index.  As in mainline, the
 * configuration-request and TEE-limited settings are the ports'
 * pci_dev::ide_cfg and pci_dev::ide_tee_limit, which the IDE library
 * writes into the Control register; unlike mainline, a port that lacks
 * the capability is refused rather than set.
 */
static int sev_tio_ide_settings(struct pci_ide *ide, struct pci_dev *rp)
{
	struct pci_dev *pdev = ide->pdev;
	struct pci_ide_partner *ep_s = pci_ide_to_settings(pdev, ide);
	struct pci_ide_partner *rp_s = pci_ide_to_settings(rp, ide);
	u32 ep_cap = 0, rp_cap = 0;

	if (!ep_s || !rp_s)
		return -EINVAL;
	pci_read_config_dword(pdev, pdev->ide_cap + PCI_IDE_CAP, &ep_cap);
	pci_read_config_dword(rp, rp->ide_cap + PCI_IDE_CAP, &rp_cap);
	if (PCI_POSSIBLE_ERROR(ep_cap) || PCI_POSSIBLE_ERROR(rp_cap) ||
	    !(ep_cap & PCI_IDE_CAP_TEE_LIMITED) ||
	    !(rp_cap & PCI_IDE_CAP_SEL_CFG)) {
		pci_err(pdev, "SEV-TIO: the endpoint needs TEE-limited streams and the root port Selective IDE for configuration requests\n");
		return -EINVAL;
	}

	ide->stream_id = ide->host_bridge_stream;
	ep_s->rid_start = 0;
	ep_s->rid_end = 0xffff;
	ep_s->default_stream = 1;
	pdev->ide_cfg = 0;
	pdev->ide_tee_limit = 1;
	rp_s->rid_start = 0;
	rp_s->rid_end = 0xffff;
	rp_s->default_stream = 0;
	rp->ide_cfg = 1;
	rp->ide_tee_limit = 0;
	return 0;
}

static int sev_tio_connect(struct pci_dev *pdev)
{
	struct sev_tio_dsm *dsm = to_dsm(pdev->tsm);
	struct pci_dev *rp = pcie_find_root_port(pdev);
	struct sev_tio_dev *dev;
	int seg = pci_domain_nr(pdev->bus);
	struct pci_ide *ide;
	u32 lnkcap = 0;
	int rc;

	if (!dsm)
		return -ENXIO;
	dev = &dsm->dev;
	if (!rp || !pdev->ide_cap || !rp->ide_cap) {
		pci_err(pdev, "SEV-TIO: IDE is needed on the device and its root port\n");
		return -EOPNOTSUPP;
	}
	if (seg < 0 || seg > 0xff) {
		pci_err(pdev, "SEV-TIO: PCI segment %#x does not fit the firmware's 8-bit segment ID\n",
			seg);
		return -EOPNOTSUPP;
	}
	if (tio_cert_slot > 7) {
		pci_err(pdev, "SEV-TIO: invalid certificate slot %u\n",
			tio_cert_slot);
		return -EINVAL;
	}
	pcie_capability_read_dword(rp, PCI_EXP_LNKCAP, &lnkcap);

	memset(dev, 0, sizeof(*dev));
	dev->tio = sev_tio_fw;
	dev->pdev = pdev;
	dev->device_id = pci_dev_id(pdev);
	dev->root_port_id = FIELD_GET(PCI_EXP_LNKCAP_PN, lnkcap);
	dev->segment = seg;
	dev->cert_slot = tio_cert_slot;
	dev->tc_mask = BIT(0);
	memset(dev->stream_id, 0xff, sizeof(dev->stream_id));

	ide = pci_ide_stream_alloc(pdev);
	if (!ide) {
		pci_err(pdev, "SEV-TIO: no IDE stream left on the device, its root port or host bridge\n");
		return -ENOSPC;
	}
	ide->tsm_dev = &dsm->pf0.base_tsm.tsm_dev->dev;
	rc = sev_tio_ide_settings(ide, rp);
	if (rc)
		goto err_free;
	dev->stream_id[0] = ide->stream_id;

	pci_ide_stream_setup(pdev, ide);
	pci_ide_stream_setup(rp, ide);
	rc = sev_tio_dev_create(dev);
	if (rc)
		goto err_teardown;
	rc = sev_tio_dev_connect(dev);
	if (rc)
		goto err_connect;
	/* The endpoint first: PCIe r7.0 sec 6.33.8, and FACTS 6.11 */
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

	/*
	 * A link that works stays up when the evidence cannot be fetched:
	 * the evidence stays empty, and the measure op can fetch it again.
	 */
	rc = sev_tio_evidence(dsm);
	if (rc) {
		pci_tsm_evidence_clear(&dsm->pf0.base_tsm);
		pci_err(pdev, "SEV-TIO: the device's evidence could not be fetched (%d), left empty\n",
			rc);
	}
	pci_info(pdev, "SEV-TIO: connected, IDE stream %s (Stream ID %d) secure\n",
		 ide->name, ide->stream_id);
	return 0;

err_disable:
	pci_ide_stream_disable(pdev, ide);
	pci_ide_stream_disable(rp, ide);
	if (rc == -ENXIO)
		pci_err(pdev, "SEV-TIO: IDE stream %d is not Secure after DEV_CONNECT\n",
			ide->stream_id);
	sev_tio_dev_teardown(dev);
	goto err_reclaim;
err_connect:
	/*
	 * The firmware may hold a session or keys from the SPDM traffic of
	 * the failed DEV_CONNECT: the forced DEV_DISCONNECT drops them.
	 */
	if (dev->spdm_rounds && sev_tio_dev_disconnect(dev, true))
		pci_err(pdev, "SEV-TIO: forced disconnect after the failed connect failed\n");
err_reclaim:
	sev_tio_dev_reclaim(dev);
err_teardown:
	pci_ide_stream_teardown(rp, ide);
	pci_ide_stream_teardown(pdev, ide);
err_free:
	pci_ide_stream_free(ide);
	return rc;
}

static void sev_tio_disconnect(struct pci_dev *pdev)
{
	struct sev_tio_dsm *dsm = to_dsm(pdev->tsm);
	struct pci_dev *rp = pcie_find_root_port(pdev);
	struct pci_ide *ide;

	if (!dsm || !dsm->ide)
		return;
	ide = dsm->ide;
	dsm->ide = NULL;
	pci_tsm_evidence_clear(&dsm->pf0.base_tsm);

	/* No traffic on the stream once the firmware stops its keys */
	pci_ide_stream_disable(rp, ide);
	pci_ide_stream_disable(pdev, ide);
	sev_tio_dev_teardown(&dsm->dev);
	sev_tio_dev_reclaim(&dsm->dev);
	pci_ide_stream_teardown(rp, ide);
	pci_ide_stream_teardown(pdev, ide);
	pci_ide_stream_free(ide);
	pci_info(pdev, "SEV-TIO: disconnected\n");
}

static struct pci_tdi *sev_tio_bind(struct pci_dev *pdev, struct kvm *kvm,
				    u32 tdi_id)
{
	struct sev_tio_dsm *dsm = to_dsm(pdev->tsm->dsm_dev->tsm);
	struct sev_tio_bound *b;
	struct sev_tio_blob report;
	u64 gctx = 0;
	u32 asid = 0;
	int rc;

	if (!dsm || !dsm->dev.connected)
		return ERR_PTR(-ENXIO);
	if (tdi_id > U16_MAX) {
		pci_err(pdev, "SEV-TIO: guest device ID %#x does not fit the firmware's 16 bits\n",
			tdi_id);
		return ERR_PTR(-EINVAL);
	}
	scoped_guard(mutex, &sev_tio_kvm_lock) {
		if (sev_tio_kvm) {
			gctx = sev_tio_kvm->guest_ctx(kvm);
			asid = sev_tio_kvm->asid(kvm);
		}
	}
	if (!gctx || !asid) {
		pci_err(pdev, "SEV-TIO: the VM has no SNP guest context or ASID\n");
		return ERR_PTR(-EINVAL);
	}

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return ERR_PTR(-ENOMEM);
	pci_tsm_tdi_constructor(pdev, &b->base, kvm, tdi_id);
	b->tdi.dev = &dsm->dev;
	b->tdi.pdev = pdev;
	b->tdi.interface_id = sev_tio_interface_id(pci_dev_id(pdev),
						   dsm->dev.segment);
	b->tdi.gctx_paddr = gctx;
	b->tdi.asid = asid;
	b->tdi.guest_rid = tdi_id;

	rc = sev_tio_tdi_create(&b->tdi);
	if (rc)
		goto err_free;
	rc = sev_tio_tdi_bind(&b->tdi, SEV_TIO_BIND_FLAGS, false, &report);
	if (rc)
		goto err_unbind;
	pci_tsm_evidence_set(pdev->tsm, PCI_TSM_EVIDENCE_REPORT, report.data,
			     report.len);
	return &b->base;

err_unbind:
	sev_tio_tdi_teardown(&b->tdi);
err_free:
	kfree(b);
	return ERR_PTR(rc);
}

static void sev_tio_unbind(struct pci_tdi *tdi)
{
	struct sev_tio_bound *b = container_of(tdi, struct sev_tio_bound, base);

	sev_tio_tdi_teardown(&b->tdi);
	kfree(b);
}

/*
 * The VM's message is in @req; the firmware's answer goes to @resp.  The
 * message is encrypted with the guest's VMPCK, so neither the host nor
 * this backend can tell what it asks: @scope is not checked here, the
 * firmware enforces what a guest may ask.
 */
static ssize_t sev_tio_guest_req(struct pci_tdi *tdi,
				 enum pci_tsm_req_scope scope, sockptr_t req,
				 size_t req_len, sockptr_t resp,
				 size_t resp_len, u64 *tsm_code)
{
	struct sev_tio_bound *b = container_of(tdi, struct sev_tio_bound, base);
	int fw_err;
	void *rq;
	ssize_t rc;

	if (!req_len || req_len > PAGE_SIZE || !resp_len)
		return -EINVAL;
	rq = (void *)get_zeroed_page(GFP_KERNEL);
	if (!rq)
		return -ENOMEM;
	if (copy_from_sockptr(rq, req, req_len)) {
		rc = -EFAULT;
		goto out;
	}
	rc = sev_tio_guest_request(&b->tdi, __sme_set(virt_to_phys(rq)),
				   &fw_err);
	/*
	 * The firmware's status goes to the VM as it is (KVM puts it into
	 * SW_EXITINFO2), never an errno; an error of our own (no firmware
	 * status, or an SPDM exchange that failed) goes to the caller.
	 */
	if (fw_err < 0)
		goto out;
	*tsm_code = fw_err;
	if (fw_err) {
		rc = 0;
		goto out;
	}
	rc = min_t(size_t, resp_len, PAGE_SIZE);
	if (copy_to_sockptr(resp, b->tdi.resp.va, rc))
		rc = -EFAULT;
out:
	free_page((unsigned long)rq);
	return rc;
}

/*
 * TDI_BIND with RUN of the bound interface: the firmware starts it with
 * the nonce of its lock.  The report it returns again is the one of the
 * lock, already published.
 */
static int sev_tio_tdi_start(struct pci_tdi *tdi)
{
	struct sev_tio_bound *b = container_of(tdi, struct sev_tio_bound, base);
	struct sev_tio_blob report = {};
	int rc;

	rc = sev_tio_tdi_bind(&b->tdi, SEV_TIO_BIND_FLAGS, true, &report);
	kvfree(report.data);
	if (rc)
		pci_err(tdi->pdev, "SEV-TIO: starting the interface failed: %d\n",
			rc);
	return rc;
}

static int sev_tio_tdi_state(struct pci_tdi *tdi)
{
	struct sev_tio_bound *b = container_of(tdi, struct sev_tio_bound, base);
	u8 state;
	int rc;

	rc = sev_tio_tdi_status(&b->tdi, &state);
	if (rc && (b->tdi.dev->fw_err == SEV_TIO_RET_INVALID_DEV_STATE ||
		   b->tdi.dev->fw_err == SEV_TIO_RET_INVALID_TDI_STATE)) {
		/*
		 * The firmware dropped the device's session, and with it the
		 * binding, after an SPDM failure.  The interface has no TDISP
		 * state the VM can trust any more: ERROR.  Any other failure
		 * (another busy status included) is an error of the query.
		 */
		if (!b->lost)
			pci_err(tdi->pdev, "SEV-TIO: the firmware no longer holds the interface bound, reporting ERROR\n");
		b->lost = true;
		return PCI_TSM_TDI_ERROR;
	}
	return rc ? rc : state;
}

/*
 * After a reset: the keys of the stream are programmed over the SPDM
 * session, and a reset that reaches the DSM wipes both, so a stream that
 * is still Secure at both ends means the session was not touched either.
 * After a failed key refresh that is not enough: the stream may still be
 * Secure with its old keys while the session or the new keys are in an
 * unknown state (see sev_tio_roll_key()), and the link counts as lost.
 */
static int sev_tio_link_check(struct pci_dev *pdev)
{
	struct sev_tio_dsm *dsm = to_dsm(pdev->tsm);

	if (!dsm || !dsm->ide || dsm->dev.link_lost)
		return -ENOLINK;
	return pci_ide_stream_secure(dsm->ide);
}

/*
 * ROLL_KEY, then the stream must still be Secure at both ends.  After a
 * failure the core asks link_check whether the link survived.
 */
static int sev_tio_ide_refresh(struct pci_dev *pdev)
{
	struct sev_tio_dsm *dsm = to_dsm(pdev->tsm);
	struct sev_tio_dev *dev;
	int rc, id;

	if (!dsm || !dsm->ide || !dsm->dev.connected) {
		pci_dbg(pdev, "SEV-TIO: no IDE key refresh, not connected\n");
		return -ENOTCONN;
	}
	dev = &dsm->dev;
	id = dsm->ide->stream_id;
	if (dev->link_lost) {
		pci_err(pdev, "SEV-TIO: IDE key refresh refused, the link was lost in an earlier one\n");
		return -ENOLINK;
	}

	rc = sev_tio_roll_key(dev);
	if (rc) {
		if (dev->fw_err == SEV_TIO_RET_SPDM_REQUEST)
			pci_err(pdev, "SEV-TIO: IDE key refresh of stream %d failed in SPDM exchange %u with the device: %d\n",
				id, dev->spdm_rounds, rc);
		else
			pci_err(pdev, "SEV-TIO: IDE key refresh of stream %d failed: %d (%s)\n",
				id, rc, sev_tio_strerror(dev->fw_err));
		if (dev->link_lost)
			pci_err(pdev, "SEV-TIO: SPDM session and IDE keys in an unknown state, the link counts as lost\n");
		return rc;
	}
	rc = pci_ide_stream_secure(dsm->ide);
	if (rc) {
		pci_err(pdev, "SEV-TIO: IDE stream %d is not Secure after ROLL_KEY: %d\n",
			id, rc);
		return rc;
	}
	pci_dbg(pdev, "SEV-TIO: IDE keys of stream %d refreshed\n", id);
	return 0;
}

VISIBLE_IF_KUNIT const struct pci_tsm_ops sev_tio_pci_ops = {
	.probe = sev_tio_probe,
	.remove = sev_tio_remove,
	.connect = sev_tio_connect,
	.disconnect = sev_tio_disconnect,
	.bind = sev_tio_bind,
	.unbind = sev_tio_unbind,
	.tdi_start = sev_tio_tdi_start,
	.tdi_state = sev_tio_tdi_state,
	.guest_req = sev_tio_guest_req,
	.measure = sev_tio_measure,
	.link_check = sev_tio_link_check,
	.ide_refresh = sev_tio_ide_refresh,
};

/* TIO_STATUS, checked buffer sizes */
static int sev_tio_caps(struct sev_tio *tio, const struct sev_tio_status *st)
{
	struct sev_tio_caps *c = &tio->caps;

	c->req_size = le32_to_cpu(st->spdm_req_size_max);
	c->scratch_size = le32_to_cpu(st->spdm_scratch_size_max);
	c->out_size = le32_to_cpu(st->spdm_out_size_max);
	c->devctx_size = le32_to_cpu(st->devctx_size);
	c->tdictx_size = le32_to_cpu(st->tdictx_size);
	if (c->req_size < PAGE_SIZE || c->req_size > SEV_TIO_BUF_MAX ||
	    !c->scratch_size || c->scratch_size > SEV_TIO_BUF_MAX ||
	    !c->out_size || c->out_size > SEV_TIO_BUF_MAX ||
	    !c->devctx_size || c->devctx_size > SEV_TIO_BUF_MAX ||
	    !c->tdictx_size || c->tdictx_size > SEV_TIO_BUF_MAX) {
		dev_err(tio->parent,
			"SEV-TIO: unusable buffer sizes (req %u scratch %u out %u devctx %u tdictx %u)\n",
			c->req_size, c->scratch_size, c->out_size,
			c->devctx_size, c->tdictx_size);
		return -EFAULT;
	}
	return 0;
}

static int sev_tio_start(struct sev_tio *tio)
{
	struct sev_tio_status st;
	int rc;

	rc = sev_tio_status(tio, &st);
	if (rc)
		return rc;
	if (!(le32_to_cpu(st.flags) & SEV_TIO_STATUS_TIO_EN)) {
		dev_err(tio->parent, "SEV-TIO: not enabled at SNP initialisation\n");
		return -ENOENT;
	}
	if (le32_to_cpu(st.flags) & SEV_TIO_STATUS_INIT_DONE) {
		dev_err(tio->parent, "SEV-TIO: already initialised\n");
		return -EBUSY;
	}
	rc = sev_tio_init(tio);
	if (rc)
		return rc;
	rc = sev_tio_status(tio, &st);
	if (rc)
		return rc;
	if (!(le32_to_cpu(st.flags) & SEV_TIO_STATUS_INIT_DONE)) {
		dev_err(tio->parent, "SEV-TIO: TIO_INIT did not take effect\n");
		return -EIO;
	}
	return sev_tio_caps(tio, &st);
}

/**
 * sev_tio_register() - initialise SEV-TIO and register its link TSM
 * @parent: device of the firmware (the PSP), parent of tsmN
 * @ops: the firmware seam
 * @priv: cookie passed to @ops
 *
 * Issues TIO_STATUS, TIO_INIT and TIO_STATUS, then registers the TSM.
 *
 * Context: process context, may sleep; must not be called with the
 * firmware's command lock held.
 *
 * Return: the firmware instance, or ERR_PTR(): -EBUSY if one is already
 * registered or the firmware was already initialised, -ENOENT if TIO was
 * not enabled in the firmware, -EFAULT for a malformed status, or the
 * error of a command or of tsm_register().
 */
struct sev_tio *sev_tio_register(struct device *parent,
				 const struct sev_tio_fw_ops *ops, void *priv)
{
	struct sev_tio *tio;
	struct tsm_dev *tsm_dev;
	int rc;

	if (!ops || !ops->do_cmd || !ops->make_private || !ops->reclaim)
		return ERR_PTR(-EINVAL);

	guard(mutex)(&sev_tio_reg_lock);
	if (sev_tio_fw)
		return ERR_PTR(-EBUSY);
	tio = kzalloc(sizeof(*tio), GFP_KERNEL);
	if (!tio)
		return ERR_PTR(-ENOMEM);
	tio->parent = parent;
	tio->ops = ops;
	tio->priv = priv;
	tio->spdm_timeout = clamp(tio_spdm_timeout, 1U, 3600U) * HZ;

	rc = sev_tio_start(tio);
	if (rc)
		goto err;
	/* Operations may run as soon as the TSM is registered */
	sev_tio_fw = tio;
	tsm_dev = tsm_register(parent, &sev_tio_pci_ops);
	if (IS_ERR(tsm_dev)) {
		rc = PTR_ERR(tsm_dev);
		sev_tio_fw = NULL;
		goto err;
	}
	tio->tsm_dev = tsm_dev;
	dev_info(parent, "SEV-TIO: %s registered\n", tsm_name(tsm_dev));
	return tio;

err:
	WARN_ON(atomic_read(&tio->fw_pages));
	kfree(tio);
	return ERR_PTR(rc);
}

/**
 * sev_tio_unregister() - unregister the TSM, tear everything down
 * @tio: from sev_tio_register()
 *
 * Unbinds, disconnects and frees every device context first, through the
 * firmware (which must still be up), then forgets the firmware.
 *
 * Context: process context, may sleep; must not be called with the
 * firmware's command lock held.
 */
void sev_tio_unregister(struct sev_tio *tio)
{
	int pages;

	if (IS_ERR_OR_NULL(tio))
		return;
	tsm_unregister(tio->tsm_dev);
	guard(mutex)(&sev_tio_reg_lock);
	pages = atomic_read(&tio->fw_pages);
	if (pages)
		dev_err(tio->parent, "SEV-TIO: %d pages still owned by the firmware\n",
			pages);
	if (atomic_read(&tio->leaked_pages))
		dev_warn(tio->parent, "SEV-TIO: %d pages were leaked\n",
			 atomic_read(&tio->leaked_pages));
	sev_tio_fw = NULL;
	kfree(tio);
}

/**
 * sev_tio_set_kvm_ops() - install the hypervisor callbacks
 * @ops: callbacks
 *
 * Context: process context.
 * Return: 0, -EINVAL if a callback is missing, or -EBUSY if another
 * hypervisor's callbacks are installed.
 */
int sev_tio_set_kvm_ops(const struct sev_tio_kvm_ops *ops)
{
	if (!ops || !ops->guest_ctx || !ops->asid)
		return -EINVAL;
	guard(mutex)(&sev_tio_kvm_lock);
	if (sev_tio_kvm && sev_tio_kvm != ops)
		return -EBUSY;
	sev_tio_kvm = ops;
	return 0;
}
EXPORT_SYMBOL_GPL(sev_tio_set_kvm_ops);

/**
 * sev_tio_clear_kvm_ops() - remove the hypervisor callbacks
 * @ops: the callbacks given to sev_tio_set_kvm_ops()
 *
 * Nothing happens if @ops are not the installed callbacks.  Once this
 * returns, no bind is running them.
 *
 * Context: process context.
 */
void sev_tio_clear_kvm_ops(const struct sev_tio_kvm_ops *ops)
{
	guard(mutex)(&sev_tio_kvm_lock);
	if (sev_tio_kvm == ops)
		sev_tio_kvm = NULL;
}
EXPORT_SYMBOL_GPL(sev_tio_clear_kvm_ops);
