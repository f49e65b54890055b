/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SEV-TIO guest devsec TSM: message layouts and internal state.
 * Layouts: SEV-TIO guest messages, message version 1.
 */
#ifndef __SEV_TIO_GUEST_INTERNAL_H
#define __SEV_TIO_GUEST_INTERNAL_H

#include <crypto/sha2.h>
#include <linux/bitmap.h>
#include <linux/build_bug.h>
#include <linux/pci.h>
#include <linux/pci-tdisp.h>
#include <linux/pci-tsm.h>
#include <linux/types.h>
#include <linux/uuid.h>

struct crypto_shash;
struct resource;
struct sev_tio_guest_ops;

/* Entries of the blob table at the start of the data area */
#define SEV_TIO_BLOB_MAX	3

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

#define SEV_TIO_MMIO_VALIDATED	BIT(0)

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

#define SEV_TIO_SDTE_V		BIT_ULL(0)
#define SEV_TIO_SDTE_IR		BIT_ULL(61)
#define SEV_TIO_SDTE_IW		BIT_ULL(62)

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
 * struct sev_tio_guest - the registered channel
 * @ops: the channel
 * @priv: its argument
 * @tsm_dev: the devsec TSM
 * @sha384: hash of the report digests
 */
struct sev_tio_guest {
	const struct sev_tio_guest_ops *ops;
	void *priv;
	struct tsm_dev *tsm_dev;
	struct crypto_shash *sha384;
};

/**
 * struct sev_tio_guest_tdi - a locked interface
 * @base: core context
 * @rid: guest requester ID: segment << 16 | bus/device/function
 * @tdi_id: interface ID from SEV_TIO_OP BIND
 * @report_digest: digest of the report checked at lock
 * @report_count: report counter at lock
 * @report: the parsed report, resolved against the BARs
 * @enc: "PCI MMIO Encrypted" marker of each BAR, while accepted
 * @validated: report ranges validated as private MMIO
 * @sdte_valid: the secure DTE is valid
 * @mem_enabled: lock turned memory decoding on, unlock turns it off
 * @stopped: a failed accept stopped the interface; only unlock is left
 * @last_state: TDISP state from the last TDI_INFO that asked for it
 *
 * Changed only by the operations, which the core serialises.
 */
struct sev_tio_guest_tdi {
	struct pci_tsm base;
	u32 rid;
	u64 tdi_id;
	u8 report_digest[SHA384_DIGEST_SIZE];
	u64 report_count;
	struct pci_tdisp_report *report;
	struct resource *enc[PCI_STD_NUM_BARS];
	DECLARE_BITMAP(validated, PCI_TDISP_REPORT_MAX_RANGES);
	bool sdte_valid;
	bool mem_enabled;
	bool stopped;
	u8 last_state;
};

const void *sev_tio_guest_blob(const void *data, size_t len,
			       size_t *blob_len);

#endif /* __SEV_TIO_GUEST_INTERNAL_H */
