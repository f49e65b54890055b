// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SEV-TIO: firmware command layer.
 *
 * Builds the SEV-TIO command buffers, allocates the buffers the firmware
 * works in (described by Scatter-List Addresses, SLA), hands pages to the
 * firmware and takes them back, and runs the SPDM loop: an SPDM-capable
 * command returns SPDM_REQUEST while the firmware needs to talk to the
 * device, the host carries the request to the device's DOE mailbox,
 * places the answer in the response buffer and issues the same command
 * again, until the firmware returns a final status.
 *
 * Everything the firmware writes back (object headers, lengths, requested
 * buffer sizes) is checked before use.
 */
#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/pci-tsm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include <trace/events/tsm.h>

#include "sev-tio.h"

#define SEV_TIO_CMD_MAX		80

static const char *sev_tio_cmd_name(int cmd)
{
	switch (cmd) {
	case SEV_TIO_CMD_STATUS:		return "TIO_STATUS";
	case SEV_TIO_CMD_INIT:			return "TIO_INIT";
	case SEV_TIO_CMD_DEV_CREATE:		return "DEV_CREATE";
	case SEV_TIO_CMD_DEV_RECLAIM:		return "DEV_RECLAIM";
	case SEV_TIO_CMD_DEV_CONNECT:		return "DEV_CONNECT";
	case SEV_TIO_CMD_DEV_DISCONNECT:	return "DEV_DISCONNECT";
	case SEV_TIO_CMD_DEV_STATUS:		return "DEV_STATUS";
	case SEV_TIO_CMD_DEV_MEASUREMENTS:	return "DEV_MEASUREMENTS";
	case SEV_TIO_CMD_DEV_CERTIFICATES:	return "DEV_CERTIFICATES";
	case SEV_TIO_CMD_TDI_CREATE:		return "TDI_CREATE";
	case SEV_TIO_CMD_TDI_RECLAIM:		return "TDI_RECLAIM";
	case SEV_TIO_CMD_TDI_BIND:		return "TDI_BIND";
	case SEV_TIO_CMD_TDI_UNBIND:		return "TDI_UNBIND";
	case SEV_TIO_CMD_TDI_REPORT:		return "TDI_REPORT";
	case SEV_TIO_CMD_TDI_STATUS:		return "TDI_STATUS";
	case SEV_TIO_CMD_GUEST_REQUEST:		return "GUEST_REQUEST";
	case SEV_TIO_CMD_ASID_FENCE_CLEAR:	return "ASID_FENCE_CLEAR";
	case SEV_TIO_CMD_ASID_FENCE_STATUS:	return "ASID_FENCE_STATUS";
	case SEV_TIO_CMD_ROLL_KEY:		return "ROLL_KEY";
	default:				return "unknown command";
	}
}

/**
 * sev_tio_cmd_buffer_len() - length of the buffer of a SEV-TIO command
 * @cmd: command ID
 *
 * The PSP driver copies this many bytes of the caller's buffer to the
 * firmware (sev_cmd_buffer_len()); the firmware refuses any other length.
 *
 * Return: the size of the command's buffer structure, 0 for an unknown
 * command.
 */
size_t sev_tio_cmd_buffer_len(int cmd)
{
	switch (cmd) {
	case SEV_TIO_CMD_STATUS:	return sizeof(struct sev_tio_cmd_status);
	case SEV_TIO_CMD_INIT:		return sizeof(struct sev_tio_cmd_init);
	case SEV_TIO_CMD_DEV_CREATE:	return sizeof(struct sev_tio_cmd_dev_create);
	case SEV_TIO_CMD_DEV_RECLAIM:	return sizeof(struct sev_tio_cmd_dev_reclaim);
	case SEV_TIO_CMD_DEV_CONNECT:	return sizeof(struct sev_tio_cmd_dev_connect);
	case SEV_TIO_CMD_DEV_DISCONNECT:
		return sizeof(struct sev_tio_cmd_dev_disconnect);
	case SEV_TIO_CMD_DEV_STATUS:	return sizeof(struct sev_tio_cmd_dev_status);
	case SEV_TIO_CMD_DEV_MEASUREMENTS:
		return sizeof(struct sev_tio_cmd_dev_meas);
	case SEV_TIO_CMD_DEV_CERTIFICATES:
		return sizeof(struct sev_tio_cmd_dev_certs);
	case SEV_TIO_CMD_TDI_CREATE:	return sizeof(struct sev_tio_cmd_tdi_create);
	case SEV_TIO_CMD_TDI_RECLAIM:	return sizeof(struct sev_tio_cmd_tdi_reclaim);
	case SEV_TIO_CMD_TDI_BIND:	return sizeof(struct sev_tio_cmd_tdi_bind);
	case SEV_TIO_CMD_TDI_UNBIND:
	case SEV_TIO_CMD_TDI_REPORT:
	case SEV_TIO_CMD_TDI_STATUS:	return sizeof(struct sev_tio_cmd_tdi);
	case SEV_TIO_CMD_GUEST_REQUEST:
		return sizeof(struct sev_tio_cmd_guest_request);
	case SEV_TIO_CMD_ASID_FENCE_CLEAR:
		return sizeof(struct sev_tio_cmd_asid_fence_clear);
	case SEV_TIO_CMD_ASID_FENCE_STATUS:
		return sizeof(struct sev_tio_cmd_asid_fence_status);
	case SEV_TIO_CMD_ROLL_KEY:	return sizeof(struct sev_tio_cmd_roll_key);
	default:			return 0;
	}
}

/**
 * struct sev_tio_err - meaning of a firmware status
 * @name: its name in the firmware interface
 * @err: what it means to a kernel caller (-errno)
 */
struct sev_tio_err {
	const char *name;
	int err;
};

static const struct sev_tio_err sev_tio_errs[] = {
	[0x01] = { "INVALID_PLATFORM_STATE", -EBUSY },
	[0x02] = { "INVALID_GUEST_STATE", -EBUSY },
	[0x03] = { "INVALID_CONFIG", -EINVAL },
	[0x04] = { "INVALID_LEN", -EINVAL },
	[0x05] = { "ALREADY_OWNED", -EEXIST },
	[0x06] = { "INVALID_CERTIFICATE", -EKEYREJECTED },
	[0x07] = { "POLICY_FAILURE", -EPERM },
	[0x08] = { "INACTIVE", -ENODEV },
	[0x09] = { "INVALID_ADDRESS", -EFAULT },
	[0x0a] = { "BAD_SIGNATURE", -EKEYREJECTED },
	[0x0b] = { "BAD_MEASUREMENT", -EKEYREJECTED },
	[0x0c] = { "ASID_OWNED", -EBUSY },
	[0x0d] = { "INVALID_ASID", -EINVAL },
	[0x0e] = { "WBINVD_REQUIRED", -EAGAIN },
	[0x0f] = { "DFFLUSH_REQUIRED", -EAGAIN },
	[0x10] = { "INVALID_GUEST", -EINVAL },
	[0x11] = { "INVALID_COMMAND", -EOPNOTSUPP },
	[0x12] = { "ACTIVE", -EBUSY },
	[0x13] = { "HWSEV_RET_PLATFORM", -EIO },
	[0x14] = { "HWSEV_RET_UNSAFE", -EIO },
	[0x15] = { "UNSUPPORTED", -EOPNOTSUPP },
	[0x16] = { "INVALID_PARAM", -EINVAL },
	[0x17] = { "RESOURCE_LIMIT", -ENOSPC },
	[0x18] = { "SECURE_DATA_INVALID", -EIO },
	[0x19] = { "INVALID_PAGE_SIZE", -EINVAL },
	[0x1a] = { "INVALID_PAGE_STATE", -EFAULT },
	[0x1b] = { "INVALID_MDATA_ENTRY", -EINVAL },
	[0x1c] = { "INVALID_PAGE_OWNER", -EFAULT },
	[0x1d] = { "AEAD_OFLOW", -EOVERFLOW },
	[0x1f] = { "EXIT_RING_BUFFER", -EIO },
	[0x20] = { "RMP_INIT_REQUIRED", -ENODEV },
	[0x21] = { "BAD_SVN", -EIO },
	[0x22] = { "BAD_VERSION", -EPROTO },
	[0x23] = { "SHUTDOWN_REQUIRED", -EBUSY },
	[0x24] = { "UPDATE_FAILED", -EIO },
	[0x25] = { "RESTORE_REQUIRED", -EIO },
	[0x26] = { "RMP_INITIALIZATION_FAILED", -EIO },
	[0x27] = { "INVALID_KEY", -EKEYREJECTED },
	[0x28] = { "SHUTDOWN_INCOMPLETE", -EBUSY },
	[0x30] = { "INCORRECT_BUFFER_LENGTH", -EINVAL },
	[0x31] = { "EXPAND_BUFFER_LENGTH_REQUEST", -ENOSPC },
	[0x32] = { "SPDM_REQUEST", -EPROTO },
	[0x33] = { "SPDM_ERROR", -EPROTO },
	[0x35] = { "ERR_IN_DEV_CONN", -ECONNABORTED },
	[0x36] = { "INVALID_DEV_CTX", -EINVAL },
	[0x37] = { "INVALID_TDI_CTX", -EINVAL },
	[0x38] = { "INVALID_TDI", -EINVAL },
	[0x39] = { "RECLAIM_REQUIRED", -EBUSY },
	[0x3a] = { "IN_USE", -EBUSY },
	[0x3b] = { "INVALID_DEV_STATE", -EBUSY },
	[0x3c] = { "INVALID_TDI_STATE", -EBUSY },
	[0x3d] = { "DEV_CERT_CHANGED", -EKEYREVOKED },
	[0x3e] = { "RESYNC_REQ", -EAGAIN },
	[0x3f] = { "RESPONSE_TOO_LARGE", -EMSGSIZE },
};

/**
 * sev_tio_strerror() - name of a firmware status
 * @fw_err: 16-bit firmware status, or -1 if the firmware was not reached
 *
 * Return: a constant string.
 */
const char *sev_tio_strerror(int fw_err)
{
	if (fw_err == 0)
		return "SUCCESS";
	if (fw_err < 0)
		return "firmware not reached";
	if ((unsigned int)fw_err < ARRAY_SIZE(sev_tio_errs) &&
	    sev_tio_errs[fw_err].name)
		return sev_tio_errs[fw_err].name;
	return "unknown status";
}

/**
 * sev_tio_errno() - errno for a firmware status
 * @fw_err: 16-bit firmware status
 *
 * Return: 0 for SUCCESS, else a negative errno (-EIO for statuses the
 * interface does not define).
 */
int sev_tio_errno(int fw_err)
{
	if (fw_err == 0)
		return 0;
	if (fw_err > 0 && (unsigned int)fw_err < ARRAY_SIZE(sev_tio_errs) &&
	    sev_tio_errs[fw_err].name)
		return sev_tio_errs[fw_err].err;
	return -EIO;
}

/**
 * sev_tio_fw_cmd() - issue one firmware command through the seam
 * @tio: firmware
 * @cmd: command ID
 * @data: command buffer, starting with its length
 * @fw_err: firmware status, -1 if the firmware was not reached
 *
 * Return: as &sev_tio_fw_ops.do_cmd.
 */
int sev_tio_fw_cmd(struct sev_tio *tio, int cmd, void *data, int *fw_err)
{
	int rc;

	*fw_err = -1;
	rc = tio->ops->do_cmd(tio->priv, cmd, data, fw_err);
	trace_tsm_fw_cmd(tio->parent, cmd, rc, *fw_err);
	return rc;
}

/**
 * sev_tio_doe() - carry one SPDM message of the firmware to the device
 * @pdev: DSM with a link context
 * @type: DOE data object type
 * @req: request payload
 * @req_sz: its size
 * @resp: response buffer
 * @resp_sz: its size
 *
 * Return: response size or -errno, as pci_tsm_doe_transfer().
 */
int sev_tio_doe(struct pci_dev *pdev, u8 type, const void *req, size_t req_sz,
		void *resp, size_t resp_sz)
{
	KUNIT_STATIC_STUB_REDIRECT(sev_tio_doe, pdev, type, req, req_sz, resp,
				   resp_sz);

	return pci_tsm_doe_transfer(pdev, type, req, req_sz, resp, resp_sz);
}

/* Log a failed command of @dev and translate it to an errno. */
static int sev_tio_cmd_failed(struct device *dev, int cmd, int rc, int fw_err)
{
	/* A transport failure (e.g. a timeout) may leave status 0 */
	if (fw_err <= 0) {
		rc = rc ?: -EIO;
		dev_err(dev, "SEV-TIO %s: no firmware status: %d\n",
			sev_tio_cmd_name(cmd), rc);
		return rc;
	}
	dev_err(dev, "SEV-TIO %s failed: firmware status %#x (%s)\n",
		sev_tio_cmd_name(cmd), fw_err, sev_tio_strerror(fw_err));
	return sev_tio_errno(fw_err);
}

/* Issue a command that needs no SPDM, log and translate a failure. */
static int sev_tio_cmd(struct sev_tio *tio, struct pci_dev *pdev, int cmd,
		       void *data)
{
	int rc, fw_err;

	rc = sev_tio_fw_cmd(tio, cmd, data, &fw_err);
	if (!rc && !fw_err)
		return 0;
	return sev_tio_cmd_failed(pdev ? &pdev->dev : tio->parent, cmd, rc,
				  fw_err);
}

/* Buffers and page ownership */

static u64 sev_tio_sla_data(void *va)
{
	return __sme_set(virt_to_phys(va)) & SEV_TIO_SLA_PFN;
}

static u64 sev_tio_paddr(void *va)
{
	return __sme_set(virt_to_phys(va));
}

/*
 * Hand pages to the firmware.  A hand-over that fails may have changed
 * some of them and not changed them back: the pages are leaked, never
 * freed, as mainline's __snp_alloc_firmware_pages() leaks pages that
 * rmp_mark_pages_firmware() failed on.  Return false then.
 */
static bool sev_tio_give(struct sev_tio *tio, void *va, unsigned int npages,
			 int *rc)
{
	*rc = tio->ops->make_private(tio->priv, PHYS_PFN(virt_to_phys(va)),
				     npages);
	if (!*rc) {
		atomic_add(npages, &tio->fw_pages);
		return true;
	}
	atomic_add(npages, &tio->leaked_pages);
	dev_err(tio->parent,
		"SEV-TIO: %u pages could not be handed to the firmware (%d), leaking them\n",
		npages, *rc);
	return false;
}

/* Return pages to the host; false if they were leaked. */
static bool sev_tio_take(struct sev_tio *tio, void *va, unsigned int npages)
{
	int rc;

	rc = tio->ops->reclaim(tio->priv, PHYS_PFN(virt_to_phys(va)), npages);
	atomic_sub(npages, &tio->fw_pages);
	if (rc) {
		atomic_add(npages, &tio->leaked_pages);
		dev_err(tio->parent,
			"SEV-TIO: %u firmware pages could not be reclaimed (%d), leaking them\n",
			npages, rc);
		return false;
	}
	return true;
}

/**
 * sev_tio_buf_alloc() - allocate a buffer for the firmware
 * @tio: firmware
 * @buf: zeroed buffer descriptor to fill
 * @len: size in bytes (rounded up to 4 KiB pages)
 * @flags: %SEV_TIO_BUF_FW: give the data pages to the firmware;
 *	   %SEV_TIO_BUF_SPDM: an SPDM buffer, whose header (capacity) is
 *	   written before the pages change hands
 *
 * Buffers of several pages are described by a scatter page.  When the
 * data pages cannot be handed to the firmware, they are leaked (counted
 * in &sev_tio.leaked_pages), never freed: the hand-over may have failed
 * part-way.
 *
 * Return: 0, -EINVAL for a size of 0 or above %SEV_TIO_BUF_MAX, -ENOMEM,
 * or the error of the ownership change.
 */
int sev_tio_buf_alloc(struct sev_tio *tio, struct sev_tio_buf *buf,
		      size_t len, unsigned int flags)
{
	bool fw_owned = flags & SEV_TIO_BUF_FW;
	unsigned int i, npages;
	void *va;
	int rc;

	if (!len || len > SEV_TIO_BUF_MAX)
		return -EINVAL;
	npages = DIV_ROUND_UP(len, PAGE_SIZE);
	va = alloc_pages_exact(npages * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
	if (!va)
		return -ENOMEM;

	buf->scatter = NULL;
	buf->sla = sev_tio_sla_data(va);
	if (npages > 1) {
		buf->scatter = (__le64 *)get_zeroed_page(GFP_KERNEL);
		if (!buf->scatter) {
			free_pages_exact(va, npages * PAGE_SIZE);
			return -ENOMEM;
		}
		for (i = 0; i < npages; i++)
			buf->scatter[i] =
				cpu_to_le64(sev_tio_sla_data(va + i * PAGE_SIZE));
		buf->scatter[npages] = cpu_to_le64(SEV_TIO_SLA_EOL);
		buf->sla = sev_tio_sla_data(buf->scatter) | SEV_TIO_SLA_SCATTER;
	}
	if (flags & SEV_TIO_BUF_SPDM)
		((struct sev_tio_buf_hdr *)va)->capacity =
			cpu_to_le32(npages * PAGE_SIZE);

	if (fw_owned && !sev_tio_give(tio, va, npages, &rc)) {
		/* The scatter page is the host's; the data pages are leaked */
		free_page((unsigned long)buf->scatter);
		buf->scatter = NULL;
		buf->sla = 0;
		return rc;
	}
	buf->va = va;
	buf->npages = npages;
	buf->fw_owned = fw_owned;
	return 0;
}

/**
 * sev_tio_buf_free() - reclaim and free a buffer
 * @tio: firmware
 * @buf: buffer from sev_tio_buf_alloc(), or unallocated
 *
 * Firmware-owned pages are reclaimed first; pages the firmware does not
 * give back are leaked, never freed.
 */
void sev_tio_buf_free(struct sev_tio *tio, struct sev_tio_buf *buf)
{
	if (!buf->va)
		return;
	if (!buf->fw_owned || sev_tio_take(tio, buf->va, buf->npages))
		free_pages_exact(buf->va, buf->npages * PAGE_SIZE);
	free_page((unsigned long)buf->scatter);
	memset(buf, 0, sizeof(*buf));
}

/*
 * Forget a context the firmware did not release (its DEV_RECLAIM or
 * TDI_RECLAIM failed): it may still use it, so its pages, and the scatter
 * page that describes them, are leaked and counted, never reclaimed nor
 * freed.
 */
static void sev_tio_buf_leak(struct sev_tio *tio, struct sev_tio_buf *buf)
{
	if (!buf->va)
		return;
	if (buf->fw_owned)
		atomic_sub(buf->npages, &tio->fw_pages);
	atomic_add(buf->npages, &tio->leaked_pages);
	dev_err(tio->parent,
		"SEV-TIO: the firmware did not release a context, leaking its %u pages%s\n",
		buf->npages, buf->scatter ? " and their scatter page" : "");
	memset(buf, 0, sizeof(*buf));
}

static size_t sev_tio_buf_size(const struct sev_tio_buf *buf)
{
	return (size_t)buf->npages * PAGE_SIZE;
}

/*
 * Issue a command that needs no SPDM and writes its output to a firmware
 * page whose address goes at @paddr_off of @data; copy @len bytes of the
 * output to @out.
 */
static int sev_tio_cmd_out(struct sev_tio *tio, struct pci_dev *pdev, int cmd,
			   void *data, size_t paddr_off, void *out, size_t len)
{
	struct sev_tio_buf page = {};
	int rc;

	rc = sev_tio_buf_alloc(tio, &page, PAGE_SIZE, SEV_TIO_BUF_FW);
	if (rc)
		return rc;
	put_unaligned_le64(sev_tio_paddr(page.va), data + paddr_off);
	rc = sev_tio_cmd(tio, pdev, cmd, data);
	if (!rc)
		memcpy(out, page.va, len);
	sev_tio_buf_free(tio, &page);
	return rc;
}

/* Platform commands */

/**
 * sev_tio_status() - TIO_STATUS
 * @tio: firmware
 * @out: the status
 *
 * Return: 0, -EFAULT if the status is too short or has reserved flags
 * set, or a command error.
 */
int sev_tio_status(struct sev_tio *tio, struct sev_tio_status *out)
{
	struct sev_tio_cmd_status cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
	};
	int rc;

	rc = sev_tio_cmd_out(tio, NULL, SEV_TIO_CMD_STATUS, &cmd,
			     offsetof(typeof(cmd), status_paddr), out,
			     sizeof(*out));
	if (rc)
		return rc;
	if (le32_to_cpu(out->length) < SEV_TIO_STATUS_MIN_LEN ||
	    le32_to_cpu(out->flags) & ~(SEV_TIO_STATUS_TIO_EN |
					 SEV_TIO_STATUS_INIT_DONE)) {
		dev_err(tio->parent, "SEV-TIO: malformed TIO_STATUS (length %u, flags %#x)\n",
			le32_to_cpu(out->length), le32_to_cpu(out->flags));
		return -EFAULT;
	}
	return 0;
}

/**
 * sev_tio_init() - TIO_INIT
 * @tio: firmware
 *
 * Return: 0 or a command error.
 */
int sev_tio_init(struct sev_tio *tio)
{
	struct sev_tio_cmd_init cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
	};

	return sev_tio_cmd(tio, NULL, SEV_TIO_CMD_INIT, &cmd);
}

/* The SPDM loop */

static void sev_tio_spdm_ctrl(struct sev_tio_dev *dev,
			      struct sev_tio_spdm_ctrl *ctrl)
{
	ctrl->req = cpu_to_le64(dev->req.sla);
	ctrl->resp = cpu_to_le64(dev->resp.sla);
	ctrl->scratch = cpu_to_le64(dev->scratch.sla);
	ctrl->output = cpu_to_le64(dev->output.sla);
}

/* Carry the firmware's SPDM request to the device, place the answer. */
static int sev_tio_spdm_exchange(struct sev_tio_dev *dev)
{
	struct sev_tio_obj_hdr *ro = dev->req.va + SEV_TIO_OBJ_OFFSET;
	struct sev_tio_obj_hdr *po = dev->resp.va + SEV_TIO_OBJ_OFFSET;
	struct sev_tio_buf_hdr *ph = dev->resp.va;
	size_t req_cap = sev_tio_buf_size(&dev->req);
	size_t resp_cap = sev_tio_buf_size(&dev->resp);
	u32 len = le32_to_cpu(ro->length);
	size_t room, olen;
	u8 data_type;
	int rc;

	data_type = ro->data_type;
	if (le32_to_cpu(ro->id) != SEV_TIO_OBJ_REQ || len <= sizeof(*ro) ||
	    len > req_cap - SEV_TIO_OBJ_OFFSET ||
	    (data_type != SEV_TIO_DATA_SPDM &&
	     data_type != SEV_TIO_DATA_SECURED_SPDM)) {
		pci_err(dev->pdev,
			"SEV-TIO: malformed SPDM request from firmware (id %u, length %u, type %u)\n",
			le32_to_cpu(ro->id), len, data_type);
		return -EIO;
	}

	/*
	 * The answer, with its object header, rounded up to 32 bytes.  The
	 * DOE core cuts an answer to the buffer it is given, so it gets one
	 * dword more than the room: a longer answer is then seen, not
	 * silently truncated.
	 */
	room = round_down(resp_cap - SEV_TIO_OBJ_OFFSET - sizeof(u32), 32) -
	       sizeof(*po);
	/*
	 * The buffer stays a valid empty buffer if the exchange fails: the
	 * firmware checks the capacity of every buffer of every later
	 * command of this device.
	 */
	memset(dev->resp.va, 0, SEV_TIO_SPDM_OFFSET);
	ph->capacity = cpu_to_le32(resp_cap);
	rc = sev_tio_doe(dev->pdev, data_type == SEV_TIO_DATA_SPDM ?
			 PCI_DOE_FEATURE_CMA : PCI_DOE_FEATURE_SSESSION,
			 dev->req.va + SEV_TIO_SPDM_OFFSET, len - sizeof(*ro),
			 dev->resp.va + SEV_TIO_SPDM_OFFSET, room + sizeof(u32));
	if (rc < 0) {
		pci_err(dev->pdev, "SEV-TIO: SPDM exchange with the device failed: %d\n",
			rc);
		return rc;
	}
	if (rc > room) {
		pci_err(dev->pdev, "SEV-TIO: the device's SPDM answer exceeds the %zu bytes the firmware takes\n",
			room);
		return -EMSGSIZE;
	}

	olen = round_up(sizeof(*po) + rc, 32);
	memset(dev->resp.va + SEV_TIO_SPDM_OFFSET + rc, 0,
	       olen - sizeof(*po) - rc);
	po->id = cpu_to_le32(SEV_TIO_OBJ_RESP);
	po->length = cpu_to_le32(olen);
	po->ver_major = 1;
	po->data_type = data_type;
	ph->payload_sz = cpu_to_le32(olen);
	return 0;
}

/* Replace @buf by a larger firmware-owned copy of capacity @want. */
static int sev_tio_buf_grow(struct sev_tio_dev *dev, struct sev_tio_buf *buf,
			    u32 want)
{
	struct sev_tio_buf nbuf = {};
	int rc;

	if (want > SEV_TIO_BUF_MAX) {
		pci_err(dev->pdev, "SEV-TIO: firmware asks for a %u byte buffer, limit %u\n",
			want, SEV_TIO_BUF_MAX);
		return -E2BIG;
	}
	/* Allocate host-owned, copy, then hand over */
	rc = sev_tio_buf_alloc(dev->tio, &nbuf, want, SEV_TIO_BUF_SPDM);
	if (rc)
		return rc;
	memcpy(nbuf.va, buf->va, sev_tio_buf_size(buf));
	((struct sev_tio_buf_hdr *)nbuf.va)->capacity =
		cpu_to_le32(sev_tio_buf_size(&nbuf));
	if (!sev_tio_give(dev->tio, nbuf.va, nbuf.npages, &rc)) {
		free_page((unsigned long)nbuf.scatter);
		return rc;
	}
	nbuf.fw_owned = true;
	sev_tio_buf_free(dev->tio, buf);
	*buf = nbuf;
	return 0;
}

/* EXPAND_BUFFER_LENGTH_REQUEST: grow the output and/or scratch buffer. */
static int sev_tio_expand(struct sev_tio_dev *dev)
{
	struct sev_tio_buf *bufs[] = { &dev->output, &dev->scratch };
	bool grown = false;
	unsigned int i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(bufs); i++) {
		struct sev_tio_buf_hdr *h = bufs[i]->va;
		u32 want;

		if (!h)
			continue;
		want = le32_to_cpu(h->capacity);
		if (want <= sev_tio_buf_size(bufs[i]))
			continue;
		rc = sev_tio_buf_grow(dev, bufs[i], want);
		if (rc)
			return rc;
		grown = true;
	}
	if (!grown) {
		pci_err(dev->pdev, "SEV-TIO: firmware asked for larger buffers but named none\n");
		return -EFAULT;
	}
	return 0;
}

/*
 * Issue an SPDM-capable command until it completes.  @ctrl points into
 * @data; it is refreshed when buffers are replaced.  The SPDM exchanges
 * carried and the last firmware status are left in @dev.  The exchanges
 * stop on a fatal signal (-EINTR) and after @dev->tio->spdm_timeout
 * (-ETIMEDOUT), whatever each DOE exchange's own timeout.
 */
static int sev_tio_spdm_cmd(struct sev_tio_dev *dev, int cmd, void *data,
			    size_t len, struct sev_tio_spdm_ctrl *ctrl)
{
	unsigned long deadline = jiffies + dev->tio->spdm_timeout;
	u8 saved[SEV_TIO_CMD_MAX];
	bool expanded = false;
	int rc, fw_err;

	dev->spdm_rounds = 0;
	dev->fw_err = -1;
	if (WARN_ON(len > sizeof(saved)))
		return -EINVAL;
	sev_tio_spdm_ctrl(dev, ctrl);
	memcpy(saved, data, len);

	for (;;) {
		rc = sev_tio_fw_cmd(dev->tio, cmd, data, &fw_err);
		dev->fw_err = fw_err;
		if (!rc && !fw_err)
			return 0;
		if (fw_err == SEV_TIO_RET_SPDM_REQUEST) {
			if (++dev->spdm_rounds > SEV_TIO_MAX_ROUNDS) {
				pci_err(dev->pdev, "SEV-TIO %s: more than %u SPDM exchanges\n",
					sev_tio_cmd_name(cmd), SEV_TIO_MAX_ROUNDS);
				return -ELOOP;
			}
			/*
			 * The caller's error path takes the firmware out of
			 * the half-done command (forced disconnect or unbind).
			 */
			if (fatal_signal_pending(current))
				return -EINTR;
			if (time_after_eq(jiffies, deadline)) {
				pci_err(dev->pdev, "SEV-TIO %s: no final status after %u SPDM exchanges in %u ms\n",
					sev_tio_cmd_name(cmd), dev->spdm_rounds - 1,
					jiffies_to_msecs(dev->tio->spdm_timeout));
				return -ETIMEDOUT;
			}
			rc = sev_tio_spdm_exchange(dev);
			if (rc)
				return rc;
		} else if (fw_err == SEV_TIO_RET_EXPAND_BUFFER) {
			if (expanded) {
				pci_err(dev->pdev, "SEV-TIO %s: firmware asked to grow buffers again\n",
					sev_tio_cmd_name(cmd));
				return -EFAULT;
			}
			expanded = true;
			rc = sev_tio_expand(dev);
			if (rc)
				return rc;
			/* The re-issued command names the new buffers */
			memcpy(data, saved, len);
			sev_tio_spdm_ctrl(dev, ctrl);
			memcpy(saved, data, len);
			continue;
		} else {
			return sev_tio_cmd_failed(&dev->pdev->dev, cmd, rc,
						  fw_err);
		}
		memcpy(data, saved, len);
	}
}

/* Copy an evidence object out of the output buffer. */
static int sev_tio_output_blob(struct sev_tio_dev *dev, u32 id,
			       struct sev_tio_blob *out)
{
	struct sev_tio_evidence_hdr *h = dev->output.va + SEV_TIO_OBJ_OFFSET;
	size_t cap = sev_tio_buf_size(&dev->output) - SEV_TIO_OBJ_OFFSET;
	u32 len = le32_to_cpu(h->length);
	void *data;

	u8 type = h->type;
	bool known;

	if (le32_to_cpu(h->id) != id || len < sizeof(*h) || len > cap) {
		pci_err(dev->pdev, "SEV-TIO: malformed output object (id %u, length %u, want id %u)\n",
			le32_to_cpu(h->id), len, id);
		return -EIO;
	}
	/* Measurements come plain or as the log, everything else is type 1 */
	if (id == SEV_TIO_OBJ_MEAS)
		known = type == SEV_TIO_MEAS_PLAIN || type == SEV_TIO_MEAS_LOG;
	else
		known = type == SEV_TIO_EVIDENCE_TYPE;
	if (!known) {
		pci_err(dev->pdev, "SEV-TIO: output object %u of unknown type %u\n",
			id, type);
		return -EIO;
	}
	len -= sizeof(*h);
	data = kvmemdup(h + 1, len ?: 1, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	out->data = data;
	out->len = len;
	out->type = type;
	return 0;
}

static void sev_tio_spdm_free(struct sev_tio_dev *dev)
{
	sev_tio_buf_free(dev->tio, &dev->output);
	sev_tio_buf_free(dev->tio, &dev->scratch);
	sev_tio_buf_free(dev->tio, &dev->resp);
	sev_tio_buf_free(dev->tio, &dev->req);
}

static int sev_tio_spdm_alloc(struct sev_tio_dev *dev)
{
	const struct sev_tio_caps *caps = &dev->tio->caps;
	const unsigned int fw = SEV_TIO_BUF_FW | SEV_TIO_BUF_SPDM;
	int rc;

	rc = sev_tio_buf_alloc(dev->tio, &dev->req, caps->req_size, fw);
	if (!rc)
		rc = sev_tio_buf_alloc(dev->tio, &dev->resp, caps->req_size,
				       SEV_TIO_BUF_SPDM);
	if (!rc)
		rc = sev_tio_buf_alloc(dev->tio, &dev->scratch,
				       caps->scratch_size, fw);
	if (!rc)
		rc = sev_tio_buf_alloc(dev->tio, &dev->output, caps->out_size,
				       fw);
	if (rc)
		sev_tio_spdm_free(dev);
	return rc;
}

/* Device commands */

/* Reclaim and free the device context and the SPDM buffers */
static void sev_tio_dev_free(struct sev_tio_dev *dev)
{
	sev_tio_spdm_free(dev);
	sev_tio_buf_free(dev->tio, &dev->ctx);
}

/**
 * sev_tio_dev_create() - allocate the device context and SPDM buffers,
 *	DEV_CREATE
 * @dev: context with @tio, @pdev, @device_id, @root_port_id and @segment
 *	 set
 *
 * Return: 0, or -errno with nothing left allocated.
 */
int sev_tio_dev_create(struct sev_tio_dev *dev)
{
	struct sev_tio_cmd_dev_create cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.device_id = cpu_to_le16(dev->device_id),
		.root_port_id = cpu_to_le16(dev->root_port_id),
		.segment_id = dev->segment,
	};
	int rc;

	rc = sev_tio_buf_alloc(dev->tio, &dev->ctx, dev->tio->caps.devctx_size,
			       SEV_TIO_BUF_FW);
	if (rc)
		return rc;
	rc = sev_tio_spdm_alloc(dev);
	if (!rc) {
		cmd.dev_ctx = cpu_to_le64(dev->ctx.sla);
		rc = sev_tio_cmd(dev->tio, dev->pdev, SEV_TIO_CMD_DEV_CREATE,
				 &cmd);
	}
	if (rc)
		sev_tio_dev_free(dev);
	return rc;
}

/**
 * sev_tio_dev_reclaim() - DEV_RECLAIM, then free the context and buffers
 * @dev: device context from sev_tio_dev_create()
 *
 * The SPDM buffers are reclaimed and freed whatever the firmware answers
 * (pages it does not give back are leaked).  The device context is freed
 * only when DEV_RECLAIM succeeded: after a failure the firmware may still
 * use it, and it is leaked.
 *
 * Return: 0 or the command error.
 */
int sev_tio_dev_reclaim(struct sev_tio_dev *dev)
{
	struct sev_tio_cmd_dev_reclaim cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(dev->ctx.sla),
	};
	int rc;

	rc = sev_tio_cmd(dev->tio, dev->pdev, SEV_TIO_CMD_DEV_RECLAIM, &cmd);
	if (rc)
		sev_tio_buf_leak(dev->tio, &dev->ctx);
	sev_tio_dev_free(dev);
	return rc;
}

/**
 * sev_tio_dev_connect() - DEV_CONNECT: SPDM session and IDE keys
 * @dev: device context with @tc_mask, @cert_slot and @stream_id set
 *
 * Return: 0, -EINVAL if traffic class 0 is not requested, or -errno.
 */
int sev_tio_dev_connect(struct sev_tio_dev *dev)
{
	struct sev_tio_cmd_dev_connect cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(dev->ctx.sla),
		.tc_mask = dev->tc_mask,
		.cert_slot = dev->cert_slot,
	};
	int rc;

	if (!(dev->tc_mask & BIT(0)))
		return -EINVAL;
	memcpy(cmd.ide_stream_id, dev->stream_id, sizeof(cmd.ide_stream_id));
	rc = sev_tio_spdm_cmd(dev, SEV_TIO_CMD_DEV_CONNECT, &cmd, sizeof(cmd),
			      &cmd.spdm);
	if (!rc) {
		dev->connected = true;
		dev->link_lost = false;
	}
	return rc;
}

/**
 * sev_tio_dev_disconnect() - DEV_DISCONNECT
 * @dev: device context
 * @force: tear down without SPDM traffic
 *
 * Return: 0 or -errno.
 */
int sev_tio_dev_disconnect(struct sev_tio_dev *dev, bool force)
{
	struct sev_tio_cmd_dev_disconnect cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.flags = cpu_to_le32(force ? SEV_TIO_DISCONNECT_FORCE : 0),
		.dev_ctx = cpu_to_le64(dev->ctx.sla),
	};
	int rc;

	rc = sev_tio_spdm_cmd(dev, SEV_TIO_CMD_DEV_DISCONNECT, &cmd,
			      sizeof(cmd), &cmd.spdm);
	if (!rc)
		dev->connected = false;
	return rc;
}

/**
 * sev_tio_system_going_down() - is the system halting, powering off or
 *	restarting
 *
 * The device is not talked to any more then: the same test as mainline's
 * dsm_disconnect() (torvalds/linux drivers/crypto/ccp/sev-dev-tsm.c
 * @ 08df88fa142f).
 *
 * Return: true between SYSTEM_HALT and SYSTEM_RESTART.
 */
VISIBLE_IF_KUNIT bool sev_tio_system_going_down(void)
{
	KUNIT_STATIC_STUB_REDIRECT(sev_tio_system_going_down);

	return system_state >= SYSTEM_HALT && system_state <= SYSTEM_RESTART;
}

/**
 * sev_tio_dev_teardown() - DEV_DISCONNECT of a connected device
 * @dev: device context
 *
 * A clean DEV_DISCONNECT, and the forced one when it fails; only the
 * forced one while the system goes down.  Afterwards the device counts as
 * disconnected whatever the firmware said, so that DEV_RECLAIM follows.
 *
 * Context: process context, may sleep.
 */
void sev_tio_dev_teardown(struct sev_tio_dev *dev)
{
	if (!dev->connected)
		return;
	if (!sev_tio_system_going_down()) {
		if (!sev_tio_dev_disconnect(dev, false))
			return;
		pci_warn(dev->pdev, "SEV-TIO: clean disconnect failed, forcing it\n");
	}
	if (sev_tio_dev_disconnect(dev, true)) {
		pci_err(dev->pdev, "SEV-TIO: forced disconnect failed\n");
		dev->connected = false;
	}
}

/**
 * sev_tio_dev_status() - DEV_STATUS
 * @dev: device context
 * @out: the status
 *
 * Return: 0, -EIO if the firmware wrote less than the whole status, or
 * -errno.
 */
int sev_tio_dev_status(struct sev_tio_dev *dev, struct sev_tio_dev_status *out)
{
	struct sev_tio_cmd_dev_status cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(dev->ctx.sla),
	};
	int rc;

	rc = sev_tio_cmd_out(dev->tio, dev->pdev, SEV_TIO_CMD_DEV_STATUS, &cmd,
			     offsetof(typeof(cmd), status_paddr), out,
			     sizeof(*out));
	if (!rc && le32_to_cpu(out->length) < sizeof(*out)) {
		pci_err(dev->pdev, "SEV-TIO: DEV_STATUS of %u bytes, %zu expected\n",
			le32_to_cpu(out->length), sizeof(*out));
		rc = -EIO;
	}
	return rc;
}

/**
 * sev_tio_dev_certificates() - DEV_CERTIFICATES
 * @dev: connected device context
 * @out: the certificate chain (SPDM format), to be kvfree()d
 *
 * Return: 0 or -errno.
 */
int sev_tio_dev_certificates(struct sev_tio_dev *dev, struct sev_tio_blob *out)
{
	struct sev_tio_cmd_dev_certs cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(dev->ctx.sla),
	};
	int rc;

	rc = sev_tio_spdm_cmd(dev, SEV_TIO_CMD_DEV_CERTIFICATES, &cmd,
			      sizeof(cmd), &cmd.spdm);
	if (rc)
		return rc;
	return sev_tio_output_blob(dev, SEV_TIO_OBJ_CERTS, out);
}

/**
 * sev_tio_dev_measurements() - DEV_MEASUREMENTS
 * @dev: connected device context
 * @nonce: 32-byte nonce the measurements are signed over
 * @out: the signed measurements, to be kvfree()d; @out->type says whether
 *	 they are the MEASUREMENTS response alone or the log (transcript)
 *
 * Raw bit streams are asked for (RAW_BITSTREAM), as AMD's driver does.
 *
 * Return: 0 or -errno.
 */
int sev_tio_dev_measurements(struct sev_tio_dev *dev, const u8 nonce[32],
			     struct sev_tio_blob *out)
{
	struct sev_tio_cmd_dev_meas cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.flags = cpu_to_le32(SEV_TIO_MEAS_RAW_BITSTREAM),
		.dev_ctx = cpu_to_le64(dev->ctx.sla),
	};
	int rc;

	memcpy(cmd.nonce, nonce, sizeof(cmd.nonce));
	rc = sev_tio_spdm_cmd(dev, SEV_TIO_CMD_DEV_MEASUREMENTS, &cmd,
			      sizeof(cmd), &cmd.spdm);
	if (rc)
		return rc;
	return sev_tio_output_blob(dev, SEV_TIO_OBJ_MEAS, out);
}

/*
 * Did a failed command leave the SPDM session and the IDE keys of @dev in
 * an unknown state: it talked to the device (keys of either end may have
 * been programmed or switched over), or the firmware says the device's
 * connection is gone.
 */
static bool sev_tio_link_unknown(const struct sev_tio_dev *dev)
{
	return dev->spdm_rounds ||
	       dev->fw_err == SEV_TIO_RET_SPDM_ERROR ||
	       dev->fw_err == SEV_TIO_RET_ERR_IN_DEV_CONN ||
	       dev->fw_err == SEV_TIO_RET_INVALID_DEV_STATE;
}

/**
 * sev_tio_roll_key() - ROLL_KEY: refresh the IDE keys of a connected device
 * @dev: connected device context
 *
 * The firmware programs new keys into the key set the IDE streams of @dev
 * do not use, at both ends (IDE_KM over the SPDM session for the device),
 * switches the streams over and retires the old keys.
 *
 * A failure before the firmware talked to the device (e.g. a firmware
 * without the command, or a refused argument) changes nothing.  A failure
 * after it did, or one that says the device's connection is gone, sets
 * @dev->link_lost: the link is to be treated as lost until the next
 * DEV_CONNECT, and further key refreshes are refused.
 *
 * Context: process context, may sleep.  The caller serialises the commands
 * of @dev.
 * Return: 0; -ENOTCONN if @dev is not connected or -ENOLINK if its link
 * was lost (nothing is issued in both cases); else the error of the SPDM
 * exchange or of the firmware status.
 */
int sev_tio_roll_key(struct sev_tio_dev *dev)
{
	struct sev_tio_cmd_roll_key cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(dev->ctx.sla),
	};
	int rc;

	if (!dev->connected)
		return -ENOTCONN;
	if (dev->link_lost)
		return -ENOLINK;
	rc = sev_tio_spdm_cmd(dev, SEV_TIO_CMD_ROLL_KEY, &cmd, sizeof(cmd),
			      &cmd.spdm);
	if (rc && sev_tio_link_unknown(dev))
		dev->link_lost = true;
	return rc;
}

/* Interface commands */

/**
 * sev_tio_interface_id() - TDISP function ID of TDI_CREATE
 * @rid: Requester ID of the function
 * @segment: its PCI segment
 *
 * The segment and %SEV_TIO_TDI_RSEG_VALID are set only for a segment other
 * than 0 (AMDESE/linux-kvm drivers/crypto/ccp/sev-dev-tio.c
 * @ 16f379f5463a, sev_tio_tdi_create()).
 *
 * Return: the function ID.
 */
u32 sev_tio_interface_id(u16 rid, u8 segment)
{
	if (!segment)
		return rid;
	return rid | (u32)segment << 16 | SEV_TIO_TDI_RSEG_VALID;
}

/**
 * sev_tio_tdi_create() - allocate the interface context, TDI_CREATE
 * @tdi: context with @dev, @pdev and @interface_id set
 *
 * The firmware-owned response page of the interface's guest requests is
 * allocated with the context and lives as long.
 *
 * Return: 0, or -errno with nothing left allocated.
 */
int sev_tio_tdi_create(struct sev_tio_tdi *tdi)
{
	struct sev_tio *tio = tdi->dev->tio;
	struct sev_tio_cmd_tdi_create cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(tdi->dev->ctx.sla),
		.interface_id = cpu_to_le32(tdi->interface_id),
	};
	int rc;

	rc = sev_tio_buf_alloc(tio, &tdi->ctx, tio->caps.tdictx_size,
			       SEV_TIO_BUF_FW);
	if (rc)
		return rc;
	rc = sev_tio_buf_alloc(tio, &tdi->resp, PAGE_SIZE, SEV_TIO_BUF_FW);
	if (!rc) {
		cmd.tdi_ctx = cpu_to_le64(tdi->ctx.sla);
		rc = sev_tio_cmd(tio, tdi->pdev, SEV_TIO_CMD_TDI_CREATE, &cmd);
	}
	if (rc) {
		sev_tio_buf_free(tio, &tdi->resp);
		sev_tio_buf_free(tio, &tdi->ctx);
	}
	return rc;
}

/**
 * sev_tio_tdi_reclaim() - TDI_RECLAIM, then free the interface context
 * @tdi: interface context
 *
 * The response page is reclaimed and freed whatever the firmware answers;
 * the interface context only when TDI_RECLAIM succeeded, else it is
 * leaked (the firmware may still use it).
 *
 * Return: 0 or the command error.
 */
int sev_tio_tdi_reclaim(struct sev_tio_tdi *tdi)
{
	struct sev_tio_cmd_tdi_reclaim cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(tdi->dev->ctx.sla),
		.tdi_ctx = cpu_to_le64(tdi->ctx.sla),
	};
	int rc;

	rc = sev_tio_cmd(tdi->dev->tio, tdi->pdev, SEV_TIO_CMD_TDI_RECLAIM,
			 &cmd);
	sev_tio_buf_free(tdi->dev->tio, &tdi->resp);
	if (rc)
		sev_tio_buf_leak(tdi->dev->tio, &tdi->ctx);
	else
		sev_tio_buf_free(tdi->dev->tio, &tdi->ctx);
	return rc;
}

/**
 * sev_tio_tdi_bind() - TDI_BIND: lock the interface for a guest
 * @tdi: interface context with @gctx_paddr and @guest_rid set
 * @lock_flags: SEV_TIO_LOCK_* flags
 * @run: also start the interface (TDISP RUN)
 * @report: the interface report, to be kvfree()d
 *
 * Return: 0 or -errno.
 */
int sev_tio_tdi_bind(struct sev_tio_tdi *tdi, u16 lock_flags, bool run,
		     struct sev_tio_blob *report)
{
	struct sev_tio_cmd_tdi_bind cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(tdi->dev->ctx.sla),
		.tdi_ctx = cpu_to_le64(tdi->ctx.sla),
		.gctx_paddr = cpu_to_le64(tdi->gctx_paddr),
		.guest_device_id = cpu_to_le16(tdi->guest_rid),
		.lock_flags = cpu_to_le16(lock_flags),
		.run_flags = cpu_to_le16(run ? SEV_TIO_BIND_RUN_FORCE : 0),
	};
	int rc;

	rc = sev_tio_spdm_cmd(tdi->dev, SEV_TIO_CMD_TDI_BIND, &cmd, sizeof(cmd),
			      &cmd.spdm);
	if (rc)
		return rc;
	tdi->bound = true;
	tdi->ran |= run;
	return sev_tio_output_blob(tdi->dev, SEV_TIO_OBJ_REPORT, report);
}

static int sev_tio_tdi_cmd(struct sev_tio_tdi *tdi, int id, u32 flags,
			   u64 paddr)
{
	struct sev_tio_cmd_tdi cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.flags = cpu_to_le32(flags),
		.dev_ctx = cpu_to_le64(tdi->dev->ctx.sla),
		.tdi_ctx = cpu_to_le64(tdi->ctx.sla),
		.paddr = cpu_to_le64(paddr),
	};

	return sev_tio_spdm_cmd(tdi->dev, id, &cmd, sizeof(cmd), &cmd.spdm);
}

/**
 * sev_tio_tdi_unbind() - TDI_UNBIND: stop the interface
 * @tdi: bound interface context
 * @force: drop the binding without SPDM traffic (%SEV_TIO_UNBIND_FORCE)
 *
 * Return: 0 or -errno.
 */
int sev_tio_tdi_unbind(struct sev_tio_tdi *tdi, bool force)
{
	int rc;

	rc = sev_tio_tdi_cmd(tdi, SEV_TIO_CMD_TDI_UNBIND,
			     force ? SEV_TIO_UNBIND_FORCE : 0, tdi->gctx_paddr);
	if (!rc)
		tdi->bound = false;
	return rc;
}

/**
 * sev_tio_tdi_report() - TDI_REPORT: fetch the interface report again
 * @tdi: bound interface context
 * @report: the report, to be kvfree()d
 *
 * Return: 0 or -errno.
 */
int sev_tio_tdi_report(struct sev_tio_tdi *tdi, struct sev_tio_blob *report)
{
	int rc;

	rc = sev_tio_tdi_cmd(tdi, SEV_TIO_CMD_TDI_REPORT, 0, tdi->gctx_paddr);
	if (rc)
		return rc;
	return sev_tio_output_blob(tdi->dev, SEV_TIO_OBJ_REPORT, report);
}

/**
 * sev_tio_tdi_status() - TDI_STATUS: TDISP state of the interface
 * @tdi: interface context
 * @state: TDISP state (0 CONFIG_UNLOCKED, 1 CONFIG_LOCKED, 2 RUN, 3 ERROR)
 *
 * Return: 0 or -errno; -EIO if the firmware reports an invalid state.
 */
int sev_tio_tdi_status(struct sev_tio_tdi *tdi, u8 *state)
{
	struct sev_tio_buf page = {};
	struct sev_tio_tdi_status *st;
	int rc;

	rc = sev_tio_buf_alloc(tdi->dev->tio, &page, PAGE_SIZE,
			       SEV_TIO_BUF_FW);
	if (rc)
		return rc;
	rc = sev_tio_tdi_cmd(tdi, SEV_TIO_CMD_TDI_STATUS, 0,
			     sev_tio_paddr(page.va));
	st = page.va;
	if (!rc) {
		*state = st->tdisp_state;
		if (le32_to_cpu(st->length) < sizeof(*st) || *state > 3) {
			pci_err(tdi->pdev, "SEV-TIO: malformed TDI_STATUS (length %u, state %u)\n",
				le32_to_cpu(st->length), *state);
			rc = -EIO;
		}
	}
	sev_tio_buf_free(tdi->dev->tio, &page);
	return rc;
}

/**
 * sev_tio_guest_request() - GUEST_REQUEST on behalf of the bound guest
 * @tdi: bound interface context
 * @req_paddr: page holding the guest's request message (host-owned)
 * @fw_err: the firmware's final status, -1 if it was not reached or the
 *	    command ended in an SPDM exchange with the device
 *
 * The firmware writes its response message to @tdi->resp, a
 * firmware-owned page (AMDESE/linux-kvm drivers/crypto/ccp/sev-dev-tsm.c
 * @ 16f379f5463a allocates it with snp_alloc_firmware_page(), as KVM does
 * for SNP_GUEST_REQUEST).
 *
 * Return: 0 or -errno.
 */
int sev_tio_guest_request(struct sev_tio_tdi *tdi, u64 req_paddr,
			  int *fw_err)
{
	struct sev_tio_cmd_guest_request cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(tdi->dev->ctx.sla),
		.tdi_ctx = cpu_to_le64(tdi->ctx.sla),
		.gctx_paddr = cpu_to_le64(tdi->gctx_paddr),
		.req_paddr = cpu_to_le64(req_paddr),
		.res_paddr = cpu_to_le64(sev_tio_paddr(tdi->resp.va)),
	};
	int rc;

	rc = sev_tio_spdm_cmd(tdi->dev, SEV_TIO_CMD_GUEST_REQUEST, &cmd,
			      sizeof(cmd), &cmd.spdm);
	*fw_err = tdi->dev->fw_err;
	if (*fw_err == SEV_TIO_RET_SPDM_REQUEST)
		*fw_err = -1;
	return rc;
}

/**
 * sev_tio_asid_fence_status() - ASID_FENCE_STATUS of the interface's VM
 * @tdi: interface context with @asid set
 * @fence: the fence state (%SEV_TIO_FENCE_DMA, %SEV_TIO_FENCE_MMIO)
 *
 * Return: 0 or -errno.
 */
int sev_tio_asid_fence_status(struct sev_tio_tdi *tdi, u64 *fence)
{
	struct sev_tio *tio = tdi->dev->tio;
	struct sev_tio_cmd_asid_fence_status cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(tdi->dev->ctx.sla),
		.asid = cpu_to_le32(tdi->asid),
	};
	__le64 out;
	int rc;

	rc = sev_tio_cmd_out(tio, tdi->pdev, SEV_TIO_CMD_ASID_FENCE_STATUS,
			     &cmd, offsetof(typeof(cmd), status_paddr), &out,
			     sizeof(out));
	if (!rc)
		*fence = le64_to_cpu(out);
	return rc;
}

/**
 * sev_tio_asid_fence_clear() - ASID_FENCE_CLEAR for the interface's VM
 * @tdi: interface context
 *
 * Return: 0 or -errno.
 */
int sev_tio_asid_fence_clear(struct sev_tio_tdi *tdi)
{
	struct sev_tio_cmd_asid_fence_clear cmd = {
		.length = cpu_to_le32(sizeof(cmd)),
		.dev_ctx = cpu_to_le64(tdi->dev->ctx.sla),
		.gctx_paddr = cpu_to_le64(tdi->gctx_paddr),
	};

	return sev_tio_cmd(tdi->dev->tio, tdi->pdev,
			   SEV_TIO_CMD_ASID_FENCE_CLEAR, &cmd);
}

/*
 * After the unbind of an interface that ran, the firmware may have fenced
 * its VM's ASID on the device: ask, and lift the fence.
 */
static void sev_tio_unfence(struct sev_tio_tdi *tdi)
{
	u64 fence;

	if (sev_tio_asid_fence_status(tdi, &fence))
		return;
	if (!(fence & (SEV_TIO_FENCE_DMA | SEV_TIO_FENCE_MMIO)))
		return;
	if (sev_tio_asid_fence_clear(tdi))
		pci_err(tdi->pdev, "SEV-TIO: ASID %u stays fenced (%#llx)\n",
			tdi->asid, fence);
}

/**
 * sev_tio_tdi_teardown() - unbind and reclaim an interface context
 * @tdi: interface context from sev_tio_tdi_create(), bound or not
 *
 * TDI_UNBIND of a bound interface, forced when the clean one fails, and
 * TDI_STATUS for the record; TDI_RECLAIM (the context and the response
 * page are freed, or leaked if the firmware keeps them); then, for an
 * interface that ran, ASID_FENCE_STATUS and ASID_FENCE_CLEAR if the VM's
 * ASID was fenced.  The order and the "only after RUN" rule follow
 * tdi_unbind() of AMDESE/linux-kvm drivers/crypto/ccp/sev-dev-tsm.c
 * @ 16f379f5463a.
 *
 * Context: process context, may sleep.
 */
void sev_tio_tdi_teardown(struct sev_tio_tdi *tdi)
{
	u8 state;

	if (tdi->bound) {
		if (sev_tio_tdi_unbind(tdi, false)) {
			pci_warn(tdi->pdev, "SEV-TIO: clean TDI_UNBIND failed, forcing it\n");
			if (sev_tio_tdi_unbind(tdi, true))
				pci_err(tdi->pdev, "SEV-TIO: forced TDI_UNBIND failed, reclaiming the interface anyway\n");
		}
		if (!sev_tio_tdi_status(tdi, &state))
			pci_dbg(tdi->pdev, "SEV-TIO: TDISP state %u after unbind\n",
				state);
	}
	sev_tio_tdi_reclaim(tdi);
	if (tdi->ran)
		sev_tio_unfence(tdi);
	tdi->bound = false;
	tdi->ran = false;
}
