/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SEV-TIO guest side: the devsec TSM of an SEV-SNP guest and its one
 * seam, the guest-to-firmware channel.
 *
 * The devsec TSM (drivers/virt/coco/sev-guest/sev-tio-guest.c) locks,
 * checks, accepts and unlocks TDISP interfaces of devices assigned to the
 * guest.  It reaches the hypervisor and the platform firmware only through
 * &struct sev_tio_guest_ops: the SEV_TIO_OP request (bind, unbind, run,
 * stop) and the SEV-TIO guest request, an SNP guest message to the
 * firmware with a data area the hypervisor fills.  The sev-guest driver
 * provides the production channel (GHCB VMGEXITs, messages encrypted with
 * the VMPCK); a test platform may provide another one.
 */
#ifndef __SEV_TIO_GUEST_H
#define __SEV_TIO_GUEST_H

#include <crypto/sha2.h>
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <uapi/linux/sev-guest.h>

#include <asm/page.h>

struct device;
struct module;
struct tsm_dev;

/**
 * enum sev_tio_guest_op - actions of the SEV_TIO_OP request
 * @SEV_TIO_OP_BIND: lock the interface (TDISP CONFIG_LOCKED) for the guest
 * @SEV_TIO_OP_UNBIND: release the interface
 * @SEV_TIO_OP_RUN: start the locked interface (TDISP RUN)
 * @SEV_TIO_OP_STOP: stop the interface (back to CONFIG_UNLOCKED)
 */
enum sev_tio_guest_op {
	SEV_TIO_OP_BIND = 0,
	SEV_TIO_OP_UNBIND = 1,
	SEV_TIO_OP_RUN = 2,
	SEV_TIO_OP_STOP = 3,
};

/* SNP guest message types of SEV-TIO (message version 1) */
#define SEV_TIO_MSG_TDI_INFO_REQ	19
#define SEV_TIO_MSG_TDI_INFO_RSP	20
#define SEV_TIO_MSG_MMIO_VALIDATE_REQ	21
#define SEV_TIO_MSG_MMIO_VALIDATE_RSP	22
#define SEV_TIO_MSG_SDTE_WRITE_REQ	25
#define SEV_TIO_MSG_SDTE_WRITE_RSP	26
#define SEV_TIO_MSG_VERSION		1

/* Guest request parameters: what the hypervisor returns with the answer */
#define SEV_TIO_GUEST_REQ_STATE		BIT_ULL(0)	/* TDISP state */
#define SEV_TIO_GUEST_REQ_REPORT	BIT_ULL(3)	/* interface report */

/* Largest request or response message body */
#define SEV_TIO_GUEST_MSG_MAX		256

/*
 * The data area of a guest request starts with a table of up to
 * %SEV_TIO_BLOB_MAX entries saying where the blobs the host returned are.
 * The TDISP interface report is the blob with %SEV_TIO_REPORT_GUID.
 */
#define SEV_TIO_BLOB_MAX	3
#define SEV_TIO_REPORT_GUID						\
	GUID_INIT(0x70dc5b0e, 0x0cc0, 0x4cd5,				\
		  0x97, 0xbb, 0xff, 0x0b, 0xa2, 0x5b, 0xf3, 0x20)

/**
 * struct sev_tio_blob_entry - one entry of the data area's blob table
 * @guid: what the blob is; the null GUID ends the table
 * @offset: where the blob starts, from the start of the data area
 * @length: its size in bytes
 */
struct sev_tio_blob_entry {
	guid_t guid;
	__le32 offset;
	__le32 length;
} __packed;
static_assert(sizeof(struct sev_tio_blob_entry) == 24);

/**
 * struct sev_tio_tdi_info_req - TDI_INFO_REQ
 * @guest_device_id: guest requester ID of the interface
 * @rsvd: reserved
 */
struct sev_tio_tdi_info_req {
	__le16 guest_device_id;
	u8 rsvd[14];
} __packed;
static_assert(sizeof(struct sev_tio_tdi_info_req) == 16);

/**
 * struct sev_tio_tdi_info_rsp - TDI_INFO_RSP
 * @guest_device_id: as in the request
 * @status: 0 bound to this guest, 1 invalid, 2 unbound
 * @rsvd: reserved
 * @flags: bit 0 measurement digest valid, bit 1 fresh
 * @lock_flags: TDISP lock flags of the interface
 * @spdm_algos: SPDM algorithms of the session
 * @certs_digest: digest of the device's certificate chain
 * @meas_digest: digest of the device's measurements
 * @report_digest: SHA-384 of the interface report
 * @report_count: how many reports the firmware fetched for the interface
 * @rsvd2: reserved
 */
struct sev_tio_tdi_info_rsp {
	__le16 guest_device_id;
	__le16 status;
	u8 rsvd[12];
	__le32 flags;
	__le32 lock_flags;
	u8 spdm_algos[8];
	u8 certs_digest[SHA384_DIGEST_SIZE];
	u8 meas_digest[SHA384_DIGEST_SIZE];
	u8 report_digest[SHA384_DIGEST_SIZE];
	__le64 report_count;
	u8 rsvd2[8];
} __packed;
static_assert(sizeof(struct sev_tio_tdi_info_rsp) == 192);

#define SEV_TIO_MMIO_VALIDATED	BIT(0)	/* request: desired state */
#define SEV_TIO_MMIO_CHANGED	BIT(0)	/* response: the state changed */

/*
 * RDX of an MMIO_VALIDATE guest request: the hint from which the
 * hypervisor makes the pages guest-assigned MMIO in the RMP before the
 * firmware validates them, and returns them to the host after they were
 * invalidated (FACTS 6.11; AMD's guest, AMDESE/linux-kvm
 * drivers/virt/coco/sev-guest/tio.c @ ae5f6b5b930b, sends base and
 * order of the pages, the range ID and whether they become private).
 * One request covers a power of two of 4 KiB pages.
 */
#define SEV_TIO_MMIO_HINT_RANGE_ID	GENMASK_ULL(2, 0)
#define SEV_TIO_MMIO_HINT_PRIVATE	BIT_ULL(3)
#define SEV_TIO_MMIO_HINT_ORDER		GENMASK_ULL(11, 4)
#define SEV_TIO_MMIO_HINT_GPA		GENMASK_ULL(51, 12)

/**
 * sev_tio_mmio_hint() - the RDX hint of an MMIO_VALIDATE request
 * @gpa: guest physical address of the first page, 4 KiB aligned
 * @order: log2 of the number of 4 KiB pages
 * @range_id: range ID (BAR) of the pages, at most 7
 * @private: the pages become private (validate), or shared again
 *
 * Return: the hint, or 0 if the arguments do not fit it.
 */
static inline u64 sev_tio_mmio_hint(u64 gpa, unsigned int order,
				    unsigned int range_id, bool private)
{
	if (gpa & ~SEV_TIO_MMIO_HINT_GPA ||
	    order > FIELD_MAX(SEV_TIO_MMIO_HINT_ORDER) ||
	    range_id > FIELD_MAX(SEV_TIO_MMIO_HINT_RANGE_ID))
		return 0;
	return gpa | FIELD_PREP(SEV_TIO_MMIO_HINT_ORDER, order) |
	       FIELD_PREP(SEV_TIO_MMIO_HINT_RANGE_ID, range_id) |
	       (private ? SEV_TIO_MMIO_HINT_PRIVATE : 0);
}

/**
 * struct sev_tio_mmio_validate_req - MMIO_VALIDATE_REQ (and _RSP)
 * @guest_device_id: guest requester ID of the interface
 * @status: response only: 0 success, else the refusal
 * @rsvd: reserved
 * @subrange_base: guest physical address of the pages
 * @subrange_pages: number of 4 KiB pages
 * @range_offset: offset of the pages inside the reported range ID
 * @flags: request: %SEV_TIO_MMIO_VALIDATED for the desired state;
 *	   response: bit 0 the state changed
 * @range_id: range ID (BAR) of the pages
 * @rsvd2: reserved
 */
struct sev_tio_mmio_validate_req {
	__le16 guest_device_id;
	__le16 status;
	u8 rsvd[12];
	__le64 subrange_base;
	__le32 subrange_pages;
	__le32 range_offset;
	__le16 flags;
	__le16 range_id;
	u8 rsvd2[12];
} __packed;
static_assert(sizeof(struct sev_tio_mmio_validate_req) == 48);
#define sev_tio_mmio_validate_rsp sev_tio_mmio_validate_req

/* Secure DTE, quadword 0: valid, DMA reads and writes allowed */
#define SEV_TIO_SDTE_V		BIT_ULL(0)
#define SEV_TIO_SDTE_IR		BIT_ULL(61)
#define SEV_TIO_SDTE_IW		BIT_ULL(62)
/*
 * Secure DTE, quadword 5 (bits 320-351): vTOM enabled, and vTOM in 2 MiB
 * units.  Device DMA to addresses at or above vTOM reaches shared memory
 * (at the address minus vTOM), below it private memory (FACTS 6.11; AMD's
 * guest @ ae5f6b5b930b, struct sdte).
 */
#define SEV_TIO_SDTE5_VTOM_EN	BIT_ULL(0)
#define SEV_TIO_SDTE5_VTOM	GENMASK_ULL(31, 1)
#define SEV_TIO_VTOM_SHIFT	21

/* RDX of an SDTE_WRITE guest request: vTOM | this to validate, 0 else */
#define SEV_TIO_SDTE_HINT_VALID	BIT_ULL(0)

/**
 * struct sev_tio_sdte_write_req - SDTE_WRITE_REQ
 * @guest_device_id: guest requester ID of the interface
 * @rsvd: reserved
 * @sdte: the secure device table entry, all 0 to invalidate
 */
struct sev_tio_sdte_write_req {
	__le16 guest_device_id;
	u8 rsvd[14];
	__le64 sdte[8];
} __packed;
static_assert(sizeof(struct sev_tio_sdte_write_req) == 80);

/**
 * struct sev_tio_sdte_write_rsp - SDTE_WRITE_RSP
 * @guest_device_id: as in the request
 * @status: 0 success, 1 invalid interface, 2 not bound
 * @rsvd: reserved
 */
struct sev_tio_sdte_write_rsp {
	__le16 guest_device_id;
	__le16 status;
	u8 rsvd[12];
} __packed;
static_assert(sizeof(struct sev_tio_sdte_write_rsp) == 16);

/**
 * struct sev_tio_guest_req - one SEV-TIO guest request
 * @msg_type: SEV_TIO_MSG_*_REQ
 * @req: the request message body
 * @req_len: its size in bytes, at most %SEV_TIO_GUEST_MSG_MAX
 * @rsp: buffer for the response message body
 * @rsp_len: in: size of @rsp; out: size of the response body.  The
 *	     channel checks the response's type (@msg_type + 1) and version.
 * @param: in: what the hypervisor gets in RDX: for TDI_INFO the
 *	   SEV_TIO_GUEST_REQ_* flags; for MMIO_VALIDATE the hint of
 *	   sev_tio_mmio_hint(); for SDTE_WRITE vTOM |
 *	   %SEV_TIO_SDTE_HINT_VALID, or 0 to invalidate
 * @param_out: out: with %SEV_TIO_GUEST_REQ_STATE, the TDISP state the
 *	       hypervisor returned
 * @data: the data area (blob table and blobs), %NULL if none; untrusted
 *	  on return: the hypervisor writes it
 * @data_len: size of @data in bytes
 * @data_needed: out: when the channel returns -ENOSPC, the size the
 *		 hypervisor asked for
 * @fw_err: out: the firmware or hypervisor error code, for messages
 */
struct sev_tio_guest_req {
	u8 msg_type;
	const void *req;
	size_t req_len;
	void *rsp;
	size_t rsp_len;
	u64 param;
	u64 param_out;
	void *data;
	size_t data_len;
	size_t data_needed;
	u64 fw_err;
};

/**
 * struct sev_tio_guest_ops - the guest-to-firmware channel
 * @owner: the module providing the channel; held while an interface is
 *	   locked, so that it cannot unload (and unlock the interface) under
 *	   the driver bound to the interface
 * @tio_op: issue SEV_TIO_OP @op for the interface with guest requester ID
 *	    @rid (segment << 16 | bus/device/function).  For
 *	    %SEV_TIO_OP_BIND *@tdi_id receives the interface ID.  Return 0,
 *	    or -errno: -EAGAIN the hypervisor is busy, try again later;
 *	    -EIO the hypervisor or firmware refused (*@fw_err receives its
 *	    code).  May sleep.
 * @guest_req: send @req for the interface @rid and wait for the answer.
 *	       Return 0 or -errno: -ENOSPC the data area is too small
 *	       (see &sev_tio_guest_req.data_needed), -EIO refused
 *	       (&sev_tio_guest_req.fw_err), -EBADMSG an answer that does not
 *	       authenticate or is malformed.  May sleep.
 */
struct sev_tio_guest_ops {
	struct module *owner;
	int (*tio_op)(void *priv, u32 rid, enum sev_tio_guest_op op,
		      u64 *tdi_id, u64 *fw_err);
	int (*guest_req)(void *priv, u32 rid, struct sev_tio_guest_req *req);
};

/**
 * sev_tio_guest_ghcb_result() - the channel's result of a GHCB request
 * @rc: what the request returned: 0; -EIO, the hypervisor or the firmware
 *	refused (@exitinfo2 says why); a positive value, the GHCB protocol
 *	itself failed (&enum es_result); or another -errno, passed on
 * @exitinfo2: SW_EXITINFO2 of the request: the firmware's error in bits
 *	       31:0, the hypervisor's (SNP_GUEST_VMM_ERR_*) in bits 63:32
 * @npages: with %SNP_GUEST_VMM_ERR_INVALID_LEN: the data pages the
 *	    hypervisor asks for (RBX)
 * @fw_err: receives @exitinfo2 if the request failed, else 0
 * @data_needed: %NULL for a request without a data area; else receives
 *		 @npages in bytes when the result is -ENOSPC
 *
 * The production channel, in the sev-guest driver, issues the SEV-TIO
 * requests as GHCB VMGEXITs; this turns what they return into the result
 * &struct sev_tio_guest_ops promises.
 *
 * Return: 0; -ENOSPC the data area is too small; -EAGAIN the hypervisor
 * is busy (%SNP_GUEST_VMM_ERR_BUSY); -EIO refused, or the GHCB protocol
 * failed; or @rc.
 */
static inline int sev_tio_guest_ghcb_result(int rc, u64 exitinfo2, u64 npages,
					    u64 *fw_err, size_t *data_needed)
{
	size_t bytes;

	*fw_err = rc ? exitinfo2 : 0;
	if (rc > 0)
		return -EIO;
	if (rc != -EIO)
		return rc;
	if (exitinfo2 == SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_BUSY))
		return -EAGAIN;
	if (!data_needed || !npages ||
	    exitinfo2 != SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_INVALID_LEN) ||
	    check_shl_overflow(npages, PAGE_SHIFT, &bytes))
		return -EIO;
	*data_needed = bytes;
	return -ENOSPC;
}

#if IS_ENABLED(CONFIG_SEV_TIO_GUEST)
struct tsm_dev *sev_tio_guest_register(struct device *parent,
				       const struct sev_tio_guest_ops *ops,
				       void *priv);
void sev_tio_guest_unregister(struct tsm_dev *tsm_dev);
#else
static inline struct tsm_dev *
sev_tio_guest_register(struct device *parent,
		       const struct sev_tio_guest_ops *ops, void *priv)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void sev_tio_guest_unregister(struct tsm_dev *tsm_dev)
{
}
#endif

#endif /* __SEV_TIO_GUEST_H */
