/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI TEE Security Manager (TSM) core: the interface between the PCI core
 * and TSM backends.  See Documentation/driver-api/pci/tsm.rst.
 */
#ifndef __PCI_TSM_H
#define __PCI_TSM_H

#include <linux/pci.h>
#include <linux/sockptr.h>
#include <linux/stddef.h>
#include <linux/tsm.h>
#include <linux/workqueue.h>

struct kvm;
struct pci_doe_mb;

/**
 * struct pci_tdi - a TDISP device interface bound to a confidential VM
 * @pdev: the function the interface is made of
 * @kvm: the VM that owns the interface, opaque to the core
 * @tdi_id: interface identifier chosen by the hypervisor
 *
 * Allocated by &pci_tsm_ops.bind, which initialises it with
 * pci_tsm_tdi_constructor(), and freed by &pci_tsm_ops.unbind.
 */
struct pci_tdi {
	struct pci_dev *pdev;
	struct kvm *kvm;
	u32 tdi_id;
};

/**
 * enum pci_tsm_evidence_type - kinds of evidence a link TSM exports
 * @PCI_TSM_EVIDENCE_CERTS: the DSM's certificate chain (SPDM format)
 * @PCI_TSM_EVIDENCE_MEASUREMENTS: the DSM's signed measurements
 * @PCI_TSM_EVIDENCE_REPORT: the TDISP interface report of a bound
 *	function
 * @PCI_TSM_EVIDENCE_MAX: number of kinds
 */
enum pci_tsm_evidence_type {
	PCI_TSM_EVIDENCE_CERTS,
	PCI_TSM_EVIDENCE_MEASUREMENTS,
	PCI_TSM_EVIDENCE_REPORT,
	PCI_TSM_EVIDENCE_MAX,
};

/**
 * struct pci_tsm_evidence - one evidence blob
 * @data: the blob (kvmalloc()ed), %NULL if none
 * @len: its size in bytes
 */
struct pci_tsm_evidence {
	void *data;
	size_t len;
};

/**
 * enum pci_tsm_tdi_state - TDISP state of a device interface
 * @PCI_TSM_TDI_UNLOCKED: CONFIG_UNLOCKED: not under TSM control
 * @PCI_TSM_TDI_LOCKED: CONFIG_LOCKED: configuration frozen, not yet in use
 * @PCI_TSM_TDI_RUN: RUN: accepted, private MMIO and DMA enabled
 * @PCI_TSM_TDI_ERROR: ERROR: the device left the locked configuration and
 *	must not be trusted until it is unlocked
 *
 * The values are those of TDISP TDI_STATE.
 */
enum pci_tsm_tdi_state {
	PCI_TSM_TDI_UNLOCKED,
	PCI_TSM_TDI_LOCKED,
	PCI_TSM_TDI_RUN,
	PCI_TSM_TDI_ERROR,
};

/**
 * enum pci_tsm_req_scope - what a guest request may do (mainline)
 * @PCI_TSM_REQ_INFO: read TDISP collateral (an interface report, the
 *	TDISP state): no device secret, no change of device state
 * @PCI_TSM_REQ_STATE_CHANGE: a TDISP state change of the interface
 *	(UNLOCKED to LOCKED, LOCKED to RUN) and what the platform needs for
 *	it (MMIO validation, the secure DTE), nothing else
 * @PCI_TSM_REQ_DEBUG_READ: read debug information outside the TDISP model
 *	(no device secret); refused by the core
 * @PCI_TSM_REQ_DEBUG_WRITE: change device state for debugging outside the
 *	TDISP model; refused by the core
 *
 * The caller of pci_tsm_guest_req() (the hypervisor) says what the
 * request is; the TSM must refuse a request that does more.
 */
enum pci_tsm_req_scope {
	PCI_TSM_REQ_INFO = 0,
	PCI_TSM_REQ_STATE_CHANGE = 1,
	PCI_TSM_REQ_DEBUG_READ = 2,
	PCI_TSM_REQ_DEBUG_WRITE = 3,
};

/**
 * struct pci_tsm - TSM context of one PCI function
 * @pdev: the function
 * @dsm_dev: the Device Security Manager (DSM) function that owns the
 *	     SPDM session covering @pdev: @pdev itself for a DSM and in the
 *	     devsec role, else function 0 of the device (of the physical
 *	     function for a VF)
 * @tsm_dev: the TSM that manages @pdev
 * @tdi: link role: the bound interface, %NULL while not bound
 * @connected: link role, DSM: &pci_tsm_ops.connect succeeded
 * @state: devsec role: TDISP state of the interface as last seen by the
 *	   core: %PCI_TSM_TDI_LOCKED from lock, %PCI_TSM_TDI_RUN after
 *	   accept (the interface is accepted while in RUN),
 *	   %PCI_TSM_TDI_ERROR once &pci_tsm_ops.state reported it
 * @evidence: evidence exported to user space, see pci_tsm_evidence_set()
 * @generation: evidence generation: changes with every change of
 *		@evidence and is never reused
 *
 * A function has at most one context, in pci_dev::tsm: it is either
 * connected through a link TSM or locked by a devsec TSM, never both.
 * The backend allocates the context, usually embedded in a larger
 * structure of its own, in &pci_tsm_ops.probe or &pci_tsm_ops.lock and
 * frees it in &pci_tsm_ops.remove or &pci_tsm_ops.unlock.  It initialises
 * it with pci_tsm_pf0_constructor(), pci_tsm_link_constructor() or
 * pci_tsm_devsec_constructor(); @tdi, @connected and @state
 * belong to the core.
 * A context holds no references: the core tears down the contexts of the
 * functions that depend on a DSM before the DSM's own context, and every
 * context of a TSM before the TSM goes away.
 */
struct pci_tsm {
	struct pci_dev *pdev;
	struct pci_dev *dsm_dev;
	struct tsm_dev *tsm_dev;
	struct pci_tdi *tdi;
	bool connected;
	enum pci_tsm_tdi_state state;
	struct pci_tsm_evidence evidence[PCI_TSM_EVIDENCE_MAX];
	u64 generation;
};

/**
 * struct pci_tsm_pf0 - link context of a DSM function (function 0)
 * @base_tsm: the common context
 * @doe_mb: the CMA/SPDM DOE mailbox of the function
 * @refresh_work: the core's periodic IDE key refresh (see
 *		  tsm/ide_refresh_interval)
 * @ide_refreshes: IDE key refreshes done since connect; protected by the
 *		   core's context lock
 *
 * The DSM owns the SPDM session and the IDE streams of all the functions
 * of its device, and carries the DOE mailbox the TSM uses to talk to it.
 * @refresh_work and @ide_refreshes belong to the core.
 */
struct pci_tsm_pf0 {
	struct pci_tsm base_tsm;
	struct pci_doe_mb *doe_mb;
	struct delayed_work refresh_work;
	u64 ide_refreshes;
};

/**
 * struct pci_tsm_ops - PCI device security operations of a TSM
 * @link_ops: the operations of the link role as one &struct
 *	      pci_tsm_link_ops (mainline): @probe to @guest_req, then the
 *	      extensions @tdi_start to @ide_refresh
 * @devsec_ops: the operations of the devsec role as one &struct
 *		pci_tsm_devsec_ops (mainline): @lock, @unlock, then @accept
 *		(posted guest series) and the extension @state
 * @probe: link: create the context of @pdev, a DSM (on connect) or a
 *	   function that depends on a connected DSM.  Return the context,
 *	   %NULL if the TSM does not manage @pdev (the core reports -ENXIO),
 *	   or an ERR_PTR().
 * @remove: link: free a context created by @probe
 * @connect: link: establish the SPDM session with the DSM @pdev,
 *	     authenticate it and set up its IDE streams.  pdev->tsm is the
 *	     context from @probe.  Return 0 or -errno.
 * @disconnect: link: undo @connect: stop the IDE streams and end the SPDM
 *		session of the DSM @pdev
 * @bind: link, optional: lock the interface @pdev (TDISP
 *	  CONFIG_LOCKED) for @kvm with the identifier @tdi_id.  Return the
 *	  new interface (see pci_tsm_tdi_constructor()) or an ERR_PTR().
 * @unbind: link, required with @bind: stop and free an interface
 * @tdi_start: link, optional with @bind: move the bound interface @tdi
 *	       from CONFIG_LOCKED to RUN on behalf of its VM (TDISP
 *	       START_INTERFACE).  Return 0 or -errno.
 * @tdi_state: link, optional with @bind: ask the device for the TDISP
 *	       state of the bound interface @tdi.  Return the state (&enum
 *	       pci_tsm_tdi_state) or -errno.
 * @guest_req: link, optional: pass a request of the VM owning @tdi, of
 *	       scope @scope (the core passes only %PCI_TSM_REQ_INFO and
 *	       %PCI_TSM_REQ_STATE_CHANGE), through to the TSM.  Return the
 *	       size of the response written to @req_out or -errno;
 *	       *@tsm_code receives the TSM specific status of the request.
 * @lock: devsec: move the interface @pdev to TDISP CONFIG_LOCKED and
 *	  create its context.  Return the context, %NULL if the TSM does not
 *	  manage @pdev (-ENXIO), or an ERR_PTR().
 * @unlock: devsec: move the interface back to CONFIG_UNLOCKED and free
 *	    the context created by @lock
 * @accept: devsec: accept the locked interface @pdev (TDISP RUN) and
 *	    enable its private MMIO and DMA.  Return 0 or -errno.
 * @state: devsec, optional: ask the TSM for the TDISP state of the locked
 *	   interface @pdev.  When the interface left CONFIG_LOCKED or RUN
 *	   behind the guest's back (ERROR, or unlocked by the host), the
 *	   backend withdraws what it enabled on @accept before it returns.
 *	   Return the state (&enum pci_tsm_tdi_state) or -errno.
 * @measure: link, optional: fetch fresh signed measurements of the
 *	     connected DSM @pdev over @nonce (32 bytes) and publish them with
 *	     pci_tsm_evidence_set().  Return 0 or -errno.
 * @link_check: link, optional: after a reset or a power transition of
 *		the connected DSM @pdev (or of its link), tell whether its
 *		secure link survived: the IDE streams still Secure (see
 *		pci_ide_stream_secure()) and the SPDM session usable.  Return
 *		0 if it did, else -errno (e.g. -ENOLINK); the core then
 *		disconnects the DSM (and reconnects it if so configured).
 *		Without it the core assumes the link was lost.
 * @ide_refresh: link, optional: roll the keys of every IDE stream of the
 *		 connected DSM @pdev: program new keys into the key set the
 *		 streams do not use, receivers before transmitters, switch
 *		 both ends over and retire the old keys, so that the streams
 *		 stay Secure throughout.  Return 0, -EOPNOTSUPP if the DSM
 *		 has no stream to refresh (nothing changed), or -errno;
 *		 after another failure the core asks @link_check whether the
 *		 link is still usable and disconnects the DSM if not.
 *
 * The operations come in mainline's two tagged groups, &struct
 * pci_tsm_link_ops (@link_ops) and &struct pci_tsm_devsec_ops
 * (@devsec_ops), and a backend may fill in either the whole structure or
 * a group.  Mainline's link operations are @probe, @remove, @connect,
 * @disconnect, @bind, @unbind and @guest_req, its devsec operations @lock
 * and @unlock; @accept follows the posted guest series.  @tdi_start,
 * @tdi_state, @measure, @link_check, @ide_refresh and @state are
 * extensions of this kernel, each in the group of its role.
 *
 * A TSM implements exactly one role: link (host side: @probe, @remove,
 * @connect and @disconnect, optionally @bind and @unbind, optionally
 * @guest_req) or devsec (guest side: @lock, @unlock and @accept);
 * tsm_register() refuses anything else with -EINVAL.
 *
 * The core serialises the operations of one DSM (one device in the
 * devsec role) and calls them in process context, holding the device
 * lock of the DSM or of the device (not while tearing down on device
 * removal or TSM unregistration, nor around a system sleep: the rwsem of
 * the role is then held for write), and the rwsem of the role, so that they
 * must not call the sysfs or in-kernel entry points of the core.
 */
struct pci_tsm_ops {
	struct_group_tagged(pci_tsm_link_ops, link_ops,
			    struct pci_tsm *(*probe)(struct tsm_dev *tsm_dev,
						     struct pci_dev *pdev);
			    void (*remove)(struct pci_tsm *tsm);
			    int (*connect)(struct pci_dev *pdev);
			    void (*disconnect)(struct pci_dev *pdev);
			    struct pci_tdi *(*bind)(struct pci_dev *pdev,
						    struct kvm *kvm, u32 tdi_id);
			    void (*unbind)(struct pci_tdi *tdi);
			    ssize_t (*guest_req)(struct pci_tdi *tdi,
						 enum pci_tsm_req_scope scope,
						 sockptr_t req_in, size_t in_len,
						 sockptr_t req_out, size_t out_len,
						 u64 *tsm_code);
			    /* extensions */
			    int (*tdi_start)(struct pci_tdi *tdi);
			    int (*tdi_state)(struct pci_tdi *tdi);
			    int (*measure)(struct pci_dev *pdev, const u8 *nonce);
			    int (*link_check)(struct pci_dev *pdev);
			    int (*ide_refresh)(struct pci_dev *pdev);
	);

	struct_group_tagged(pci_tsm_devsec_ops, devsec_ops,
			    struct pci_tsm *(*lock)(struct tsm_dev *tsm_dev,
						    struct pci_dev *pdev);
			    void (*unlock)(struct pci_tsm *tsm);
			    /* the posted guest series */
			    int (*accept)(struct pci_dev *pdev);
			    /* extension */
			    int (*state)(struct pci_dev *pdev);
	);
};

/* Size of the nonce of &pci_tsm_ops.measure */
#define PCI_TSM_NONCE_SIZE	32

/**
 * is_link_tsm() - does a TSM implement the link role
 * @tsm_dev: TSM
 *
 * Return: true for a host-side TSM with PCI link operations.
 */
static inline bool is_link_tsm(const struct tsm_dev *tsm_dev)
{
	return tsm_dev && tsm_dev->pci_ops && tsm_dev->pci_ops->probe;
}

/**
 * is_devsec_tsm() - does a TSM implement the devsec role
 * @tsm_dev: TSM
 *
 * Return: true for a guest-side TSM with lock/unlock/accept operations.
 */
static inline bool is_devsec_tsm(const struct tsm_dev *tsm_dev)
{
	return tsm_dev && tsm_dev->pci_ops && tsm_dev->pci_ops->lock;
}

/**
 * to_pci_tsm_pf0() - DSM context from a common context
 * @tsm: context
 *
 * Return: the &struct pci_tsm_pf0 that embeds @tsm, or %NULL if @tsm is not
 * the link context of a DSM.
 */
static inline struct pci_tsm_pf0 *to_pci_tsm_pf0(struct pci_tsm *tsm)
{
	if (!tsm || !is_link_tsm(tsm->tsm_dev) || tsm->dsm_dev != tsm->pdev)
		return NULL;
	return container_of(tsm, struct pci_tsm_pf0, base_tsm);
}

#ifdef CONFIG_PCI_TSM
int pci_tsm_register(struct tsm_dev *tsm_dev);
void pci_tsm_unregister(struct tsm_dev *tsm_dev);
bool is_pci_tsm_pf0(struct pci_dev *pdev);
int pci_tsm_pf0_constructor(struct pci_dev *pdev, struct pci_tsm_pf0 *tsm,
			    struct tsm_dev *tsm_dev);
int pci_tsm_link_constructor(struct pci_dev *pdev, struct pci_tsm *tsm,
			     struct tsm_dev *tsm_dev);
int pci_tsm_devsec_constructor(struct pci_dev *pdev, struct pci_tsm *tsm,
			       struct tsm_dev *tsm_dev);
void pci_tsm_tdi_constructor(struct pci_dev *pdev, struct pci_tdi *tdi,
			     struct kvm *kvm, u32 tdi_id);
int pci_tsm_doe_transfer(struct pci_dev *pdev, u8 type, const void *req,
			 size_t req_sz, void *resp, size_t resp_sz);
int pci_tsm_bind(struct pci_dev *pdev, struct kvm *kvm, u32 tdi_id);
void pci_tsm_unbind(struct pci_dev *pdev);
int pci_tsm_tdi_start(struct pci_dev *pdev);
int pci_tsm_tdi_state(struct pci_dev *pdev);
ssize_t pci_tsm_evidence_get(struct pci_dev *pdev,
			     enum pci_tsm_evidence_type type, void *buf,
			     size_t len);
ssize_t pci_tsm_guest_req(struct pci_dev *pdev, enum pci_tsm_req_scope scope,
			  sockptr_t req_in, size_t in_len, sockptr_t req_out,
			  size_t out_len, u64 *tsm_code);
void pci_tsm_evidence_set(struct pci_tsm *tsm,
			  enum pci_tsm_evidence_type type, void *data,
			  size_t len);
void pci_tsm_evidence_clear(struct pci_tsm *tsm);
#else
static inline int pci_tsm_register(struct tsm_dev *tsm_dev)
{
	return -EOPNOTSUPP;
}

static inline void pci_tsm_unregister(struct tsm_dev *tsm_dev)
{
}

static inline bool is_pci_tsm_pf0(struct pci_dev *pdev)
{
	return false;
}

static inline int pci_tsm_bind(struct pci_dev *pdev, struct kvm *kvm,
			       u32 tdi_id)
{
	return -ENXIO;
}

static inline void pci_tsm_unbind(struct pci_dev *pdev)
{
}

static inline int pci_tsm_tdi_start(struct pci_dev *pdev)
{
	return -ENXIO;
}

static inline int pci_tsm_tdi_state(struct pci_dev *pdev)
{
	return -ENXIO;
}

static inline ssize_t pci_tsm_evidence_get(struct pci_dev *pdev,
					   enum pci_tsm_evidence_type type,
					   void *buf, size_t len)
{
	return -ENXIO;
}

static inline ssize_t pci_tsm_guest_req(struct pci_dev *pdev,
					enum pci_tsm_req_scope scope,
					sockptr_t req_in, size_t in_len,
					sockptr_t req_out, size_t out_len,
					u64 *tsm_code)
{
	return -ENXIO;
}
#endif

#endif /* __PCI_TSM_H */
