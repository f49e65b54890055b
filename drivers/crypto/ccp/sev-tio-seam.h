/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SEV-TIO host backend: the firmware seam.
 *
 * The backend talks to the platform security processor (PSP) through
 * exactly one narrow interface, &struct sev_tio_fw_ops: one call that
 * issues a firmware command and two calls that move pages in and out of
 * firmware ownership.  The PSP driver (sev-dev.c) implements it with the
 * real firmware and registers the backend with sev_tio_register() after
 * SNP_INIT_EX with TIO enabled.  Nothing else in the backend knows which
 * firmware it talks to.
 *
 * This header is internal to the ccp driver.  A test platform that puts
 * a firmware model behind the seam (samples/tsm, tsm_emu_psp) registers
 * the backend with sev_tio_emu_register() (sev-tio-emu.c), which exists
 * only when CONFIG_CRYPTO_DEV_SP_PSP_TIO_EMU is set and is exported in
 * the SEV_TIO_EMU symbol namespace: an option for test kernels, off by
 * default and in distribution configurations, so that production kernels
 * export no way to plug in another PSP.
 */
#ifndef __SEV_TIO_SEAM_H
#define __SEV_TIO_SEAM_H

#include <linux/types.h>

struct device;
struct sev_tio;

/**
 * struct sev_tio_fw_ops - how the SEV-TIO backend reaches its firmware
 * @do_cmd: issue firmware command @cmd (a SEV_CMD_TIO_* ID) with the
 *	    command buffer @data, whose first 32-bit word is its length in
 *	    bytes.  The buffer is updated with what the firmware wrote back,
 *	    also on failure.  *@fw_err receives the 16-bit firmware status,
 *	    or -1 if the firmware was not reached.  Return 0 if the status is
 *	    0, -EIO for any other status, or another -errno if the command
 *	    could not be issued.  May sleep.
 * @make_private: assign @npages pages starting at @pfn to the firmware
 *		  (RMP private, ASID 0, immutable).  Return 0 or -errno.  A
 *		  failure may have left some of the pages firmware-owned
 *		  (rmp_mark_pages_firmware() gives up on pages it cannot
 *		  reclaim): the caller then never touches or frees any of
 *		  the pages again (they are leaked).
 * @reclaim: return @npages firmware-owned pages starting at @pfn to the
 *	     host.  Return 0 or -errno; on failure the caller must not
 *	     touch or free the pages again (they are leaked).
 *
 * The backend serialises nothing itself: @do_cmd must be safe to call
 * concurrently and serialise access to the firmware mailbox for the
 * duration of one command only.
 */
struct sev_tio_fw_ops {
	int (*do_cmd)(void *priv, int cmd, void *data, int *fw_err);
	int (*make_private)(void *priv, u64 pfn, unsigned int npages);
	int (*reclaim)(void *priv, u64 pfn, unsigned int npages);
};

struct sev_tio *sev_tio_register(struct device *parent,
				 const struct sev_tio_fw_ops *ops, void *priv);
void sev_tio_unregister(struct sev_tio *tio);

/* sev-tio-emu.c, CONFIG_CRYPTO_DEV_SP_PSP_TIO_EMU only (test platforms) */
struct sev_tio *sev_tio_emu_register(struct device *parent,
				     const struct sev_tio_fw_ops *ops,
				     void *priv);
void sev_tio_emu_unregister(struct sev_tio *tio);

#endif /* __SEV_TIO_SEAM_H */
