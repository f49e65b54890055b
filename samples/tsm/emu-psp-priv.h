/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interface between the parts of the emulated PSP module
 * (tsm_emu_psp, test only): the firmware seam (emu-psp.c) and the
 * stand-in hypervisor (emu-psp-vm.c).
 */
#ifndef __TSM_EMU_PSP_PRIV_H
#define __TSM_EMU_PSP_PRIV_H

struct dentry;
struct sev_tio_fw_ops;

void tsm_psp_vm_init(struct dentry *dir, const struct sev_tio_fw_ops *ops,
		     void *priv);
void tsm_psp_vm_exit(void);

#endif /* __TSM_EMU_PSP_PRIV_H */
