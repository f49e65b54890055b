/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SEV-TIO (Trusted I/O) host backend: the firmware seam.
 *
 * The SEV-TIO backend of the ccp driver talks to the platform security
 * processor (PSP) through exactly one narrow interface, &struct
 * sev_tio_fw_ops: one call that issues a firmware command and two calls
 * that move pages in and out of firmware ownership.  The PSP driver
 * provides the production implementation when SNP was initialised with
 * TIO enabled; a test platform may provide another one (the emulated
 * TEE-IO platform of samples/tsm puts a firmware model behind it).
 * Nothing else in the backend knows which one it talks to.
 */
#ifndef __PSP_SEV_TIO_H
#define __PSP_SEV_TIO_H

#include <linux/err.h>
#include <linux/types.h>

struct device;
struct kvm;
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
struct sev_tio *sev_tio_register(struct device *parent,
				 const struct sev_tio_fw_ops *ops, void *priv);
void sev_tio_unregister(struct sev_tio *tio);
int sev_tio_set_kvm_ops(const struct sev_tio_kvm_ops *ops);
void sev_tio_clear_kvm_ops(const struct sev_tio_kvm_ops *ops);
#else
static inline struct sev_tio *
sev_tio_register(struct device *parent, const struct sev_tio_fw_ops *ops,
		 void *priv)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void sev_tio_unregister(struct sev_tio *tio)
{
}

static inline int sev_tio_set_kvm_ops(const struct sev_tio_kvm_ops *ops)
{
	return -EOPNOTSUPP;
}

static inline void sev_tio_clear_kvm_ops(const struct sev_tio_kvm_ops *ops)
{
}
#endif

#endif /* __PSP_SEV_TIO_H */
