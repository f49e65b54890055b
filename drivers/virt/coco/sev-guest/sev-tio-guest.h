/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SEV-TIO guest devsec TSM: internal state.  The message layouts are
 * in <linux/sev-tio-guest.h>.
 */
#ifndef __SEV_TIO_GUEST_INTERNAL_H
#define __SEV_TIO_GUEST_INTERNAL_H

#include <crypto/sha2.h>
#include <linux/bitmap.h>
#include <linux/pci.h>
#include <linux/pci-tdisp.h>
#include <linux/pci-tsm.h>
#include <linux/types.h>

struct crypto_shash;
struct resource;
struct sev_tio_guest_ops;

/**
 * struct sev_tio_guest - the registered channel
 * @ops: the channel
 * @priv: its argument
 * @tsm_dev: the devsec TSM
 * @sha384: hash of the report digests
 * @vtom: vTOM of the secure DTEs (module parameter at registration)
 */
struct sev_tio_guest {
	const struct sev_tio_guest_ops *ops;
	void *priv;
	struct tsm_dev *tsm_dev;
	struct crypto_shash *sha384;
	u64 vtom;
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
 * @stopped: a failed accept stopped the interface, or the firmware no longer
 *	     has it bound to this guest; only unlock is left
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
