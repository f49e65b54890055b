/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SEV-TIO (Trusted I/O) host backend: what the hypervisor tells it.
 *
 * The SEV-TIO backend of the ccp driver binds TDISP interfaces of
 * connected devices to confidential VMs (pci_tsm_bind()); the firmware
 * needs the VM's SNP guest context and ASID for that, which the
 * hypervisor provides through &struct sev_tio_kvm_ops.  The firmware
 * seam itself is internal to the ccp driver (drivers/crypto/ccp/
 * sev-tio-seam.h).
 */
#ifndef __PSP_SEV_TIO_H
#define __PSP_SEV_TIO_H

#include <linux/err.h>
#include <linux/types.h>

struct kvm;

/**
 * struct sev_tio_kvm_ops - what SEV-TIO needs to know of a VM
 * @guest_ctx: system physical address of the SNP guest context page of
 *	       @kvm, 0 if @kvm has none.  Called when an interface is bound
 *	       to @kvm (pci_tsm_bind()).
 * @asid: the ASID of @kvm (as KVM's kvm_sev_info.asid), 0 if it has none.
 *	  Called at bind too; the unbind of an interface that ran asks the
 *	  firmware whether that ASID was fenced (ASID_FENCE_STATUS).
 *
 * Installed by the hypervisor with sev_tio_set_kvm_ops(), removed with
 * sev_tio_clear_kvm_ops().
 */
struct sev_tio_kvm_ops {
	u64 (*guest_ctx)(struct kvm *kvm);
	u32 (*asid)(struct kvm *kvm);
};

#if IS_ENABLED(CONFIG_CRYPTO_DEV_SP_PSP) && IS_ENABLED(CONFIG_PCI_TSM)
int sev_tio_set_kvm_ops(const struct sev_tio_kvm_ops *ops);
void sev_tio_clear_kvm_ops(const struct sev_tio_kvm_ops *ops);
#else
static inline int sev_tio_set_kvm_ops(const struct sev_tio_kvm_ops *ops)
{
	return -EOPNOTSUPP;
}

static inline void sev_tio_clear_kvm_ops(const struct sev_tio_kvm_ops *ops)
{
}
#endif

#endif /* __PSP_SEV_TIO_H */
