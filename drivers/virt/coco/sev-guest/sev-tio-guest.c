// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SEV-TIO: the devsec TSM of an SEV-SNP guest.
 *
 * lock:   SEV_TIO_OP BIND (the hypervisor has the firmware lock the
 *         interface: TDISP CONFIG_LOCKED), then TDI_INFO with the report:
 *         the firmware vouches for the digest of the interface report,
 *         the hypervisor hands over the report itself.  The report must
 *         hash to that digest, parse, and match the function's BARs and
 *         MSI-X capability; it becomes tsm/report.
 * accept: TDI_INFO again: a report that changed since lock is refused.
 *         SEV_TIO_OP RUN, the state must then read RUN; the secure DTE
 *         (SDTE_WRITE, with vTOM) and every TEE MMIO range
 *         (MMIO_VALIDATE, in powers of two of pages, each with the hint
 *         from which the hypervisor assigns the pages to the guest) are
 *         validated, then each BAR with TEE ranges is marked "PCI MMIO
 *         Encrypted" in the resource tree.
 * unlock: the reverse: markers, ranges and DTE withdrawn, STOP, UNBIND.
 * state:  TDI_INFO asking for the TDISP state; an interface that left
 *         the state the guest put it in loses what accept gave it.
 *
 * The hypervisor and the firmware are reached only through &struct
 * sev_tio_guest_ops; a SEV_TIO_OP the hypervisor is too busy for is
 * asked again after a growing sleep, for up to a minute.  Everything
 * the hypervisor writes (the data area, the TDISP state) is checked
 * before use; the firmware's messages are authenticated by the channel.
 */

#define pr_fmt(fmt) "sev-tio-guest: " fmt

#include <crypto/hash.h>
#include <kunit/visibility.h>
#include <linux/bitfield.h>
#include <linux/cleanup.h>
#include <linux/delay.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-tdisp.h>
#include <linux/pci-tsm.h>
#include <linux/sched/signal.h>
#include <linux/sev-tio-guest.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tsm.h>
#include <linux/uuid.h>

#include "sev-tio-guest.h"

/* Data area: default size, largest size the hypervisor may ask for */
#define SEV_TIO_DATA_SIZE	SZ_32K
#define SEV_TIO_DATA_MAX	SZ_1M

/* Lock flags the guest requires of the interface (TDI_INFO_RSP) */
#define SEV_TIO_LOCK_REQUIRED	(BIT(2) | BIT(4))	/* LOCK_MSIX, REDIRECT */

/*
 * SEV_TIO_OP refused with "busy": first wait, longest wait, and how long
 * to keep trying, as the SNP guest requests of sev-guest are retried
 */
#define SEV_TIO_BUSY_DELAY_MS	100
#define SEV_TIO_BUSY_DELAY_MAX	2000
#define SEV_TIO_BUSY_TIMEOUT	(60 * HZ)

/*
 * vTOM of the secure DTEs: device DMA below it reaches private memory,
 * at or above it shared memory.  AMD's guest uses 2 TiB by default
 * (AMDESE/linux-kvm drivers/virt/coco/sev-guest/tio.c @ ae5f6b5b930b).
 */
static unsigned long vtom = SZ_1T * 2;
module_param(vtom, ulong, 0444);
MODULE_PARM_DESC(vtom,
		 "vTOM of the secure device table entries: 2 MiB aligned, above guest memory, below 2^52 (default 2 TiB)");

static const guid_t sev_tio_report_guid = SEV_TIO_REPORT_GUID;

/* Serialises registration; the one registered channel */
static DEFINE_MUTEX(sev_tio_guest_reg_lock);
static struct sev_tio_guest *sev_tio_guest;

static struct sev_tio_guest_tdi *to_gtdi(struct pci_tsm *tsm)
{
	return container_of(tsm, struct sev_tio_guest_tdi, base);
}

/**
 * sev_tio_guest_blob() - find the interface report in a data area
 * @data: the data area as the hypervisor left it
 * @len: its size in bytes
 * @blob_len: size of the report found
 *
 * The area starts with a table of up to %SEV_TIO_BLOB_MAX entries (GUID,
 * offset from the start of the area, length), ended by a null GUID or by
 * the table's end.  Every entry must lie inside the area, after the
 * table, and the report must appear exactly once.
 *
 * Return: the report, or an ERR_PTR(): -EPROTO malformed table, -ENOENT
 * no report.
 */
const void *sev_tio_guest_blob(const void *data, size_t len, size_t *blob_len)
{
	const struct sev_tio_blob_entry *e = data;
	size_t table = sizeof(*e) * SEV_TIO_BLOB_MAX;
	const void *found = NULL;
	unsigned int i;

	if (!data || len < table)
		return ERR_PTR(-EPROTO);
	for (i = 0; i < SEV_TIO_BLOB_MAX && !guid_is_null(&e[i].guid); i++) {
		u32 off = le32_to_cpu(e[i].offset);
		u32 n = le32_to_cpu(e[i].length);

		if (off < table || off > len || n > len - off)
			return ERR_PTR(-EPROTO);
		if (!guid_equal(&e[i].guid, &sev_tio_report_guid))
			continue;
		if (found)
			return ERR_PTR(-EPROTO);
		found = data + off;
		*blob_len = n;
	}
	return found ? found : ERR_PTR(-ENOENT);
}
EXPORT_SYMBOL_IF_KUNIT(sev_tio_guest_blob);

/* One guest request, failures logged */
static int sev_tio_guest_send(struct sev_tio_guest *g,
			      struct sev_tio_guest_tdi *t,
			      struct sev_tio_guest_req *req)
{
	int rc;

	rc = g->ops->guest_req(g->priv, t->rid, req);
	if (rc == -EIO)
		pci_err(t->base.pdev, "SEV-TIO: guest request %u refused (error %#llx)\n",
			req->msg_type, req->fw_err);
	else if (rc && rc != -ENOSPC)
		pci_err(t->base.pdev, "SEV-TIO: guest request %u failed: %d\n",
			req->msg_type, rc);
	return rc;
}

/**
 * sev_tio_guest_info() - TDI_INFO, with the report or the TDISP state
 * @g: the channel
 * @t: the interface
 * @param: SEV_TIO_GUEST_REQ_* flags
 * @info: the checked response
 * @report: with %SEV_TIO_GUEST_REQ_REPORT: a kvmalloc()ed copy of the
 *	    report, whose digest was checked
 * @report_len: its size
 *
 * Return: 0; -EPROTO malformed answer; -ENODEV the interface is not bound
 * to this guest; -EKEYREJECTED the report does not match the digest; or
 * an error of the channel.
 */
static int sev_tio_guest_info(struct sev_tio_guest *g,
			      struct sev_tio_guest_tdi *t, u64 param,
			      struct sev_tio_tdi_info_rsp *info,
			      void **report, size_t *report_len)
{
	struct pci_dev *pdev = t->base.pdev;
	struct sev_tio_tdi_info_req rq = {
		.guest_device_id = cpu_to_le16(t->rid & 0xffff),
	};
	struct sev_tio_guest_req req = {
		.msg_type = SEV_TIO_MSG_TDI_INFO_REQ,
		.req = &rq,
		.req_len = sizeof(rq),
		.rsp = info,
		.rsp_len = sizeof(*info),
		.param = param,
	};
	size_t size = SEV_TIO_DATA_SIZE, n;
	u8 digest[SHA384_DIGEST_SIZE];
	const void *blob;
	int rc;

	/* The host may ask for a larger data area once */
	for (;;) {
		if (param & SEV_TIO_GUEST_REQ_REPORT) {
			req.data = kvzalloc(size, GFP_KERNEL);
			if (!req.data)
				return -ENOMEM;
			req.data_len = size;
		}
		rc = sev_tio_guest_send(g, t, &req);
		if (rc != -ENOSPC || !req.data || size != SEV_TIO_DATA_SIZE ||
		    req.data_needed <= size ||
		    req.data_needed > SEV_TIO_DATA_MAX)
			break;
		size = req.data_needed;
		kvfree(req.data);
		req.data = NULL;
		req.rsp_len = sizeof(*info);
	}
	if (rc == -ENOSPC)
		pci_err(pdev, "SEV-TIO: the host asks for a data area of %zu bytes\n",
			req.data_needed);
	if (rc)
		goto out;

	rc = -EPROTO;
	if (req.rsp_len != sizeof(*info) ||
	    le16_to_cpu(info->guest_device_id) != (t->rid & 0xffff)) {
		pci_err(pdev, "SEV-TIO: malformed TDI_INFO response (%zu bytes)\n",
			req.rsp_len);
		goto out;
	}
	if (le16_to_cpu(info->status)) {
		pci_err(pdev, "SEV-TIO: the interface is not bound to this guest (status %u)\n",
			le16_to_cpu(info->status));
		rc = -ENODEV;
		goto out;
	}
	if (param & SEV_TIO_GUEST_REQ_STATE) {
		if (req.param_out > PCI_TSM_TDI_ERROR) {
			pci_err(pdev, "SEV-TIO: the host returned TDISP state %llu\n",
				req.param_out);
			goto out;
		}
		t->last_state = req.param_out;
	}
	if (!(param & SEV_TIO_GUEST_REQ_REPORT)) {
		rc = 0;
		goto out;
	}

	blob = sev_tio_guest_blob(req.data, req.data_len, &n);
	if (IS_ERR(blob)) {
		rc = PTR_ERR(blob) == -ENOENT ? -ENODEV : -EPROTO;
		pci_err(pdev, "SEV-TIO: %s\n", rc == -ENODEV ?
			"the host returned no interface report" :
			"malformed data area from the host");
		goto out;
	}
	rc = crypto_shash_tfm_digest(g->sha384, blob, n, digest);
	if (rc)
		goto out;
	if (memcmp(digest, info->report_digest, sizeof(digest))) {
		pci_err(pdev, "SEV-TIO: the interface report does not match the digest from the firmware\n");
		rc = -EKEYREJECTED;
		goto out;
	}
	*report = kvmemdup(blob, n, GFP_KERNEL);
	*report_len = n;
	rc = *report ? 0 : -ENOMEM;
out:
	kvfree(req.data);
	return rc;
}

/* A request whose response only carries a status: 0 or -EIO */
static int sev_tio_guest_status_req(struct sev_tio_guest *g,
				    struct sev_tio_guest_tdi *t, u8 type,
				    const void *rq, size_t rq_len, void *rsp,
				    size_t rsp_len, u64 param, u16 *status)
{
	struct sev_tio_guest_req req = {
		.msg_type = type,
		.req = rq,
		.req_len = rq_len,
		.rsp = rsp,
		.rsp_len = rsp_len,
		.param = param,
	};
	const __le16 *id = rsp;
	int rc;

	rc = sev_tio_guest_send(g, t, &req);
	if (rc)
		return rc;
	if (req.rsp_len != rsp_len ||
	    le16_to_cpu(id[0]) != (t->rid & 0xffff)) {
		pci_err(t->base.pdev, "SEV-TIO: malformed response to guest request %u\n",
			type);
		return -EPROTO;
	}
	*status = le16_to_cpu(id[1]);
	return 0;
}

static int sev_tio_guest_sdte(struct sev_tio_guest *g,
			      struct sev_tio_guest_tdi *t, bool valid)
{
	struct sev_tio_sdte_write_req rq = {
		.guest_device_id = cpu_to_le16(t->rid & 0xffff),
	};
	struct sev_tio_sdte_write_rsp rsp;
	u64 hint = 0;
	u16 status;
	int rc;

	if (valid) {
		/*
		 * V, IR, IW: DMA through the secure DTE; VMPL 0; vTOM, which
		 * the hypervisor gets in RDX as well (FACTS 6.11)
		 */
		rq.sdte[0] = cpu_to_le64(SEV_TIO_SDTE_V | SEV_TIO_SDTE_IR |
					 SEV_TIO_SDTE_IW);
		rq.sdte[5] = cpu_to_le64(SEV_TIO_SDTE5_VTOM_EN |
					 FIELD_PREP(SEV_TIO_SDTE5_VTOM,
						    g->vtom >> SEV_TIO_VTOM_SHIFT));
		hint = g->vtom | SEV_TIO_SDTE_HINT_VALID;
	}
	rc = sev_tio_guest_status_req(g, t, SEV_TIO_MSG_SDTE_WRITE_REQ, &rq,
				      sizeof(rq), &rsp, sizeof(rsp), hint,
				      &status);
	if (!rc && status) {
		pci_err(t->base.pdev, "SEV-TIO: SDTE_WRITE refused (status %u)\n",
			status);
		rc = -EIO;
	}
	if (!rc)
		t->sdte_valid = valid;
	return rc;
}

static bool sev_tio_range_is_tee(const struct pci_tdisp_range *rg)
{
	return !(rg->attr & (PCI_TDISP_RANGE_MSIX_TABLE |
			     PCI_TDISP_RANGE_MSIX_PBA |
			     PCI_TDISP_RANGE_NON_TEE));
}

/*
 * One MMIO_VALIDATE: 2^@order pages at @gpa, of report range @i.  As in
 * AMD's guest (AMDESE/linux-kvm drivers/virt/coco/sev-guest/tio.c @
 * ae5f6b5b930b), the base is the guest physical address of the pages
 * (the BAR's address plus the offset of the range) and the range offset
 * is 0; without the firmware specification this is unsettled (FACTS
 * 6.11).  RDX carries the same pages as the hint from which the
 * hypervisor assigns them to the guest, or takes them back.
 */
static int sev_tio_guest_mmio_req(struct sev_tio_guest *g,
				  struct sev_tio_guest_tdi *t, unsigned int i,
				  u64 gpa, unsigned int order, bool valid)
{
	const struct pci_tdisp_range *rg = &t->report->ranges[i];
	struct sev_tio_mmio_validate_req rq = {
		.guest_device_id = cpu_to_le16(t->rid & 0xffff),
		.subrange_base = cpu_to_le64(gpa),
		.subrange_pages = cpu_to_le32(BIT(order)),
		.flags = cpu_to_le16(valid ? SEV_TIO_MMIO_VALIDATED : 0),
		.range_id = cpu_to_le16(rg->range_id),
	};
	u64 hint = sev_tio_mmio_hint(gpa, order, rg->range_id, valid);
	struct sev_tio_mmio_validate_rsp rsp;
	u16 status;
	int rc;

	if (!hint) {
		pci_err(t->base.pdev, "SEV-TIO: range %u (BAR %u at %#llx) cannot be named to the hypervisor\n",
			i, rg->range_id, gpa);
		return -ERANGE;
	}
	rc = sev_tio_guest_status_req(g, t, SEV_TIO_MSG_MMIO_VALIDATE_REQ, &rq,
				      sizeof(rq), &rsp, sizeof(rsp), hint,
				      &status);
	if (rc)
		return rc;
	if (status) {
		pci_err(t->base.pdev, "SEV-TIO: MMIO_VALIDATE of range %u (BAR %u, %lu pages at %#llx) refused (status %u)\n",
			i, rg->range_id, BIT(order), gpa, status);
		return -EIO;
	}
	/*
	 * Validating pages that were valid already means someone validated
	 * them behind the guest's back: refuse to build on them.
	 */
	if (valid && !(le16_to_cpu(rsp.flags) & SEV_TIO_MMIO_CHANGED)) {
		pci_err(t->base.pdev, "SEV-TIO: MMIO_VALIDATE of range %u (BAR %u, %lu pages at %#llx) found them validated already\n",
			i, rg->range_id, BIT(order), gpa);
		return -EIO;
	}
	return 0;
}

/*
 * Change the first @limit pages of range @i, in the largest powers of two
 * that fit, in order; *@done receives the pages changed.
 */
static int sev_tio_guest_mmio_pages(struct sev_tio_guest *g,
				    struct sev_tio_guest_tdi *t,
				    unsigned int i, u32 limit, bool valid,
				    u32 *done)
{
	u64 gpa = t->report->ranges[i].start;
	unsigned int order;
	int rc = 0;

	for (*done = 0; *done < limit; *done += BIT(order)) {
		order = ilog2(limit - *done);
		rc = sev_tio_guest_mmio_req(g, t, i,
					    gpa + ((u64)*done << PAGE_SHIFT),
					    order, valid);
		if (rc)
			break;
	}
	return rc;
}

static int sev_tio_guest_mmio(struct sev_tio_guest *g,
			      struct sev_tio_guest_tdi *t, unsigned int i,
			      bool valid)
{
	u32 nr = t->report->ranges[i].nr_pages, done, undone;
	int rc;

	rc = sev_tio_guest_mmio_pages(g, t, i, nr, valid, &done);
	/* A range is validated whole or not at all */
	if (rc && valid && done)
		sev_tio_guest_mmio_pages(g, t, i, done, false, &undone);
	__assign_bit(i, t->validated, valid && !rc);
	return rc;
}

/* Mark each BAR with TEE ranges; the report says which pages are TEE */
static int sev_tio_guest_mark(struct sev_tio_guest_tdi *t)
{
	struct pci_dev *pdev = t->base.pdev;
	const struct pci_tdisp_report *r = t->report;
	unsigned int i, bar;

	for (i = 0; i < r->nr_ranges; i++) {
		struct resource *res;

		if (!sev_tio_range_is_tee(&r->ranges[i]))
			continue;
		bar = r->ranges[i].range_id;
		if (t->enc[bar])
			continue;
		res = kzalloc(sizeof(*res), GFP_KERNEL);
		if (!res)
			return -ENOMEM;
		res->name = "PCI MMIO Encrypted";
		res->start = pci_resource_start(pdev, bar);
		res->end = pci_resource_end(pdev, bar);
		res->flags = IORESOURCE_MEM;
		res->desc = IORES_DESC_NONE;
		if (insert_resource(&pdev->resource[bar], res)) {
			pci_err(pdev, "SEV-TIO: cannot mark BAR %u encrypted\n",
				bar);
			kfree(res);
			return -EBUSY;
		}
		t->enc[bar] = res;
	}
	return 0;
}

static void sev_tio_guest_unmark(struct sev_tio_guest_tdi *t)
{
	unsigned int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!t->enc[bar])
			continue;
		remove_resource(t->enc[bar]);
		kfree(t->enc[bar]);
		t->enc[bar] = NULL;
	}
}

/*
 * Withdraw what accept gave: markers, validated ranges, the secure DTE.
 * Best effort: a refusal is logged and the rest goes on.
 */
static void sev_tio_guest_untrust(struct sev_tio_guest *g,
				  struct sev_tio_guest_tdi *t)
{
	unsigned int i;

	sev_tio_guest_unmark(t);
	for_each_set_bit(i, t->validated, PCI_TDISP_REPORT_MAX_RANGES)
		sev_tio_guest_mmio(g, t, i, false);
	if (t->sdte_valid && sev_tio_guest_sdte(g, t, false))
		t->sdte_valid = false;
}

static int sev_tio_guest_op(struct sev_tio_guest *g,
			    struct sev_tio_guest_tdi *t,
			    enum sev_tio_guest_op op, u64 *tdi_id)
{
	static const char * const names[] = {
		[SEV_TIO_OP_BIND] = "BIND", [SEV_TIO_OP_UNBIND] = "UNBIND",
		[SEV_TIO_OP_RUN] = "RUN", [SEV_TIO_OP_STOP] = "STOP",
	};
	unsigned long deadline = jiffies + SEV_TIO_BUSY_TIMEOUT;
	unsigned int delay = SEV_TIO_BUSY_DELAY_MS;
	u64 id = 0, fw_err = 0;
	int rc;

	/* A busy hypervisor is asked again after a while (FACTS 6.11) */
	for (;;) {
		rc = g->ops->tio_op(g->priv, t->rid, op, &id, &fw_err);
		if (rc != -EAGAIN)
			break;
		if (time_after(jiffies, deadline)) {
			rc = -ETIMEDOUT;
			break;
		}
		/* Giving up on a teardown would leave the interface bound */
		if (op == SEV_TIO_OP_BIND || op == SEV_TIO_OP_RUN) {
			schedule_timeout_killable(msecs_to_jiffies(delay));
			if (fatal_signal_pending(current)) {
				rc = -EINTR;
				break;
			}
		} else {
			msleep(delay);
		}
		delay = min(delay * 2, SEV_TIO_BUSY_DELAY_MAX);
	}
	if (rc)
		pci_err(t->base.pdev, "SEV-TIO: %s refused: %d (error %#llx)\n",
			names[op], rc, fw_err);
	else if (tdi_id)
		*tdi_id = id;
	return rc;
}

static void sev_tio_guest_free(struct sev_tio_guest_tdi *t)
{
	struct pci_dev *pdev = t->base.pdev;

	if (t->mem_enabled) {
		u16 cmd;

		pci_read_config_word(pdev, PCI_COMMAND, &cmd);
		pci_write_config_word(pdev, PCI_COMMAND,
				      cmd & ~PCI_COMMAND_MEMORY);
	}
	kfree(t->report);
	kfree(t);
}

static struct pci_tsm *sev_tio_guest_lock(struct tsm_dev *tsm_dev,
					  struct pci_dev *pdev)
{
	struct sev_tio_guest *g = sev_tio_guest;
	struct sev_tio_tdi_info_rsp info;
	struct pci_tdisp_report *r;
	struct sev_tio_guest_tdi *t;
	void *report = NULL;
	size_t len = 0;
	u16 cmd;
	int rc;

	/*
	 * Guest messages (version 1) name the interface by its 16-bit guest
	 * device ID: a device outside segment 0 could not be told from its
	 * namesake in segment 0, so it is refused until the message format
	 * carries the segment.
	 */
	if (pci_domain_nr(pdev->bus)) {
		pci_err(pdev, "SEV-TIO: guest messages cannot name a device outside PCI segment 0\n");
		return ERR_PTR(-EOPNOTSUPP);
	}

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	/*
	 * The channel's module stays while the interface is locked: its
	 * unload would unlock the interface, withdrawing private MMIO and
	 * DMA from under the driver bound to it.
	 */
	if (!try_module_get(g->ops->owner)) {
		kfree(t);
		return ERR_PTR(-ENODEV);
	}
	rc = pci_tsm_devsec_constructor(pdev, &t->base, tsm_dev);
	if (rc) {
		module_put(g->ops->owner);
		kfree(t);
		return ERR_PTR(rc);
	}
	t->rid = pci_domain_nr(pdev->bus) << 16 | pci_dev_id(pdev);

	/* The interface is locked with its memory decoding on */
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY)) {
		pci_write_config_word(pdev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY);
		t->mem_enabled = true;
	}

	rc = sev_tio_guest_op(g, t, SEV_TIO_OP_BIND, &t->tdi_id);
	if (rc)
		goto err_free;

	rc = sev_tio_guest_info(g, t, SEV_TIO_GUEST_REQ_REPORT |
				SEV_TIO_GUEST_REQ_STATE, &info, &report, &len);
	if (rc)
		goto err_unbind;
	if (t->last_state != PCI_TSM_TDI_LOCKED) {
		pci_err(pdev, "SEV-TIO: the interface did not lock (TDISP state %u)\n",
			t->last_state);
		rc = -EIO;
		goto err_report;
	}
	if ((le32_to_cpu(info.lock_flags) & SEV_TIO_LOCK_REQUIRED) !=
	    SEV_TIO_LOCK_REQUIRED) {
		pci_err(pdev, "SEV-TIO: interface locked without MSI-X lock and request redirection (flags %#x)\n",
			le32_to_cpu(info.lock_flags));
		rc = -EPROTO;
		goto err_report;
	}

	r = pci_tdisp_report_parse(report, len);
	if (IS_ERR(r)) {
		rc = PTR_ERR(r);
		pci_err(pdev, "SEV-TIO: malformed interface report (%zu bytes): %d\n",
			len, rc);
		goto err_report;
	}
	t->report = r;
	rc = pci_tdisp_report_match(pdev, r);
	if (rc)
		goto err_report;

	memcpy(t->report_digest, info.report_digest,
	       sizeof(t->report_digest));
	t->report_count = le64_to_cpu(info.report_count);
	pci_tsm_evidence_set(&t->base, PCI_TSM_EVIDENCE_REPORT, report, len);
	pci_info(pdev, "SEV-TIO: interface %#llx locked, report of %u MMIO ranges verified\n",
		 t->tdi_id, r->nr_ranges);
	return &t->base;

err_report:
	kvfree(report);
err_unbind:
	sev_tio_guest_op(g, t, SEV_TIO_OP_UNBIND, NULL);
err_free:
	sev_tio_guest_free(t);
	module_put(g->ops->owner);
	return ERR_PTR(rc);
}

static void sev_tio_guest_unlock(struct pci_tsm *tsm)
{
	struct sev_tio_guest *g = sev_tio_guest;
	struct sev_tio_guest_tdi *t = to_gtdi(tsm);

	sev_tio_guest_untrust(g, t);
	if (!t->stopped)
		sev_tio_guest_op(g, t, SEV_TIO_OP_STOP, NULL);
	sev_tio_guest_op(g, t, SEV_TIO_OP_UNBIND, NULL);
	pci_info(tsm->pdev, "SEV-TIO: interface %#llx unlocked\n", t->tdi_id);
	sev_tio_guest_free(t);
	module_put(g->ops->owner);
}

static int sev_tio_guest_accept(struct pci_dev *pdev)
{
	struct sev_tio_guest *g = sev_tio_guest;
	struct sev_tio_guest_tdi *t = to_gtdi(pdev->tsm);
	struct sev_tio_tdi_info_rsp info;
	unsigned int i;
	int rc;

	if (t->stopped)
		return -EIO;

	/* The report must still be the one checked at lock */
	rc = sev_tio_guest_info(g, t, SEV_TIO_GUEST_REQ_STATE, &info, NULL,
				NULL);
	if (rc)
		return rc;
	if (memcmp(info.report_digest, t->report_digest,
		   sizeof(t->report_digest)) ||
	    le64_to_cpu(info.report_count) != t->report_count) {
		pci_err(pdev, "SEV-TIO: the interface report changed since lock (%s): unlock and lock again\n",
			le64_to_cpu(info.report_count) != t->report_count ?
			"fetched again" : "new digest");
		return -ESTALE;
	}
	if (t->last_state != PCI_TSM_TDI_LOCKED) {
		pci_err(pdev, "SEV-TIO: the interface is not locked (TDISP state %u)\n",
			t->last_state);
		return -EIO;
	}

	rc = sev_tio_guest_op(g, t, SEV_TIO_OP_RUN, NULL);
	if (rc)
		return rc;
	rc = sev_tio_guest_info(g, t, SEV_TIO_GUEST_REQ_STATE, &info, NULL,
				NULL);
	if (!rc && t->last_state != PCI_TSM_TDI_RUN) {
		pci_err(pdev, "SEV-TIO: the interface did not start (TDISP state %u)\n",
			t->last_state);
		rc = -EIO;
	}
	if (rc)
		goto err_stop;

	rc = sev_tio_guest_sdte(g, t, true);
	if (rc)
		goto err_stop;
	for (i = 0; i < t->report->nr_ranges; i++) {
		if (!sev_tio_range_is_tee(&t->report->ranges[i]))
			continue;
		rc = sev_tio_guest_mmio(g, t, i, true);
		if (rc)
			goto err_stop;
	}
	rc = sev_tio_guest_mark(t);
	if (rc)
		goto err_stop;
	pci_info(pdev, "SEV-TIO: interface %#llx accepted (RUN), private MMIO validated\n",
		 t->tdi_id);
	return 0;

err_stop:
	/* Nothing half-trusted stays: the interface is stopped */
	sev_tio_guest_untrust(g, t);
	sev_tio_guest_op(g, t, SEV_TIO_OP_STOP, NULL);
	t->stopped = true;
	return rc;
}

static int sev_tio_guest_state(struct pci_dev *pdev)
{
	struct sev_tio_guest *g = sev_tio_guest;
	struct sev_tio_guest_tdi *t = to_gtdi(pdev->tsm);
	struct sev_tio_tdi_info_rsp info;
	int rc;

	if (t->stopped) {
		rc = PCI_TSM_TDI_ERROR;
	} else {
		rc = sev_tio_guest_info(g, t, SEV_TIO_GUEST_REQ_STATE, &info,
					NULL, NULL);
		if (rc && rc != -ENODEV && rc != -ENXIO)
			return rc;
		if (rc) {
			/*
			 * The firmware (-ENODEV) or the hypervisor (-ENXIO)
			 * no longer has the interface bound to this guest:
			 * the host's session with the device was lost, or
			 * the host unbound it before resetting the device.
			 * Nothing of it can be trusted, only unlock is left.
			 */
			t->stopped = true;
			rc = PCI_TSM_TDI_ERROR;
		} else {
			rc = t->last_state;
		}
	}
	if (rc != pdev->tsm->state)
		sev_tio_guest_untrust(g, t);
	return rc;
}

static const struct pci_tsm_ops sev_tio_guest_pci_ops = {
	.lock = sev_tio_guest_lock,
	.unlock = sev_tio_guest_unlock,
	.accept = sev_tio_guest_accept,
	.state = sev_tio_guest_state,
};

/**
 * sev_tio_guest_register() - register the devsec TSM of the guest
 * @parent: device of the channel (the sev-guest platform device)
 * @ops: the guest-to-firmware channel
 * @priv: passed to @ops
 *
 * Context: process context.
 *
 * Return: the TSM, ERR_PTR(-EBUSY) if one is registered already, or
 * another ERR_PTR() on failure.
 */
struct tsm_dev *sev_tio_guest_register(struct device *parent,
				       const struct sev_tio_guest_ops *ops,
				       void *priv)
{
	struct sev_tio_guest *g;
	struct tsm_dev *tsm_dev;

	if (!ops || !ops->tio_op || !ops->guest_req)
		return ERR_PTR(-EINVAL);
	/* Private memory lies below vTOM; the DTE holds it in 2 MiB units */
	if (!IS_ALIGNED(vtom, SZ_2M) || vtom < __pa(high_memory) ||
	    vtom >> SEV_TIO_VTOM_SHIFT > FIELD_MAX(SEV_TIO_SDTE5_VTOM)) {
		pr_err("vtom %#lx must be 2 MiB aligned, at or above the end of memory (%#llx) and below 2^52\n",
		       vtom, (u64)__pa(high_memory));
		return ERR_PTR(-EINVAL);
	}

	guard(mutex)(&sev_tio_guest_reg_lock);
	if (sev_tio_guest)
		return ERR_PTR(-EBUSY);
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->sha384 = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(g->sha384)) {
		tsm_dev = ERR_CAST(g->sha384);
		kfree(g);
		return tsm_dev;
	}
	g->ops = ops;
	g->priv = priv;
	g->vtom = vtom;
	/* Published before the TSM: its operations may run at once */
	sev_tio_guest = g;
	tsm_dev = tsm_register(parent, &sev_tio_guest_pci_ops);
	if (IS_ERR(tsm_dev)) {
		sev_tio_guest = NULL;
		crypto_free_shash(g->sha384);
		kfree(g);
		return tsm_dev;
	}
	g->tsm_dev = tsm_dev;
	dev_info(&tsm_dev->dev, "SEV-TIO devsec TSM registered\n");
	return tsm_dev;
}
EXPORT_SYMBOL_GPL(sev_tio_guest_register);

/**
 * sev_tio_guest_unregister() - unregister the devsec TSM of the guest
 * @tsm_dev: TSM from sev_tio_guest_register()
 *
 * Unlocks every interface the TSM locked, through the channel, which
 * must still work.
 *
 * Context: process context.
 */
void sev_tio_guest_unregister(struct tsm_dev *tsm_dev)
{
	struct sev_tio_guest *g;

	guard(mutex)(&sev_tio_guest_reg_lock);
	g = sev_tio_guest;
	if (WARN_ON(!g || g->tsm_dev != tsm_dev))
		return;
	tsm_unregister(tsm_dev);
	sev_tio_guest = NULL;
	crypto_free_shash(g->sha384);
	kfree(g);
}
EXPORT_SYMBOL_GPL(sev_tio_guest_unregister);

MODULE_DESCRIPTION("AMD SEV-TIO guest devsec TSM");
MODULE_LICENSE("GPL");
