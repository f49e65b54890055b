// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SEV-TIO: the firmware seam opened to a test platform.
 *
 * Built only with CONFIG_CRYPTO_DEV_SP_PSP_TIO_EMU (off by default, and in
 * distribution configurations): lets a test module register the SEV-TIO
 * backend with a firmware model behind the firmware seam (sev-tio-seam.h)
 * instead of the PSP, through the SEV_TIO_EMU symbol namespace.  The
 * emulated TEE-IO platform of samples/tsm (tsm_emu_psp) is its user.  A
 * production kernel registers the backend from the PSP driver only.
 */
#include <linux/export.h>

#include "sev-tio-seam.h"

/**
 * sev_tio_emu_register() - register the SEV-TIO backend with an emulated
 *	firmware (test only)
 * @parent: device of the emulated PSP, parent of tsmN
 * @ops: the emulated firmware behind the seam
 * @priv: cookie passed to @ops
 *
 * Return: as sev_tio_register().
 */
struct sev_tio *sev_tio_emu_register(struct device *parent,
				     const struct sev_tio_fw_ops *ops,
				     void *priv)
{
	return sev_tio_register(parent, ops, priv);
}
EXPORT_SYMBOL_NS_GPL(sev_tio_emu_register, SEV_TIO_EMU);

/**
 * sev_tio_emu_unregister() - unregister what sev_tio_emu_register()
 *	registered (test only)
 * @tio: from sev_tio_emu_register()
 */
void sev_tio_emu_unregister(struct sev_tio *tio)
{
	sev_tio_unregister(tio);
}
EXPORT_SYMBOL_NS_GPL(sev_tio_emu_unregister, SEV_TIO_EMU);
