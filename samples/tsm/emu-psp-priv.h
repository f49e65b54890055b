/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interface between the parts of the emulated PSP module
 * (tsm_emu_psp, test only): the firmware seam (emu-psp.c), the
 * stand-in hypervisor (emu-psp-vm.c) and its guest side
 * (emu-psp-guest.c, with the SEV-TIO guest support only).
 */
#ifndef __TSM_EMU_PSP_PRIV_H
#define __TSM_EMU_PSP_PRIV_H

#include <linux/errno.h>
#include <linux/types.h>

struct dentry;
struct kvm;
struct pci_dev;
struct seq_file;
struct sev_tio_fw_ops;

void tsm_psp_vm_init(struct dentry *dir, const struct sev_tio_fw_ops *ops,
		     void *priv);
void tsm_psp_vm_exit(void);
struct kvm *tsm_psp_vm_kvm(void);
struct pci_dev *tsm_psp_vm_pdev(const char *s);
u64 tsm_psp_vm_msg_seqno(void);
void tsm_psp_vm_msg_sent(bool ok);

#if IS_ENABLED(CONFIG_SEV_TIO_GUEST)
int tsm_psp_guest_cmd(const char *verb, char *args);
int tsm_psp_guest_release(void);
int tsm_psp_guest_init(void);
void tsm_psp_guest_fini(void);
void tsm_psp_guest_stats(struct seq_file *s);
#else
static inline int tsm_psp_guest_cmd(const char *verb, char *args)
{
	return -EOPNOTSUPP;
}

static inline int tsm_psp_guest_release(void)
{
	return 0;
}

static inline int tsm_psp_guest_init(void)
{
	return 0;
}

static inline void tsm_psp_guest_fini(void)
{
}

static inline void tsm_psp_guest_stats(struct seq_file *s)
{
}
#endif

#endif /* __TSM_EMU_PSP_PRIV_H */
