// SPDX-License-Identifier: GPL-2.0
/*
 * PCI TEE Security Manager (TSM) core
 *
 * Vendor-neutral part of TEE-IO device security: finds the TEE capable
 * functions, shows the per-device tsm/ verbs in sysfs, keeps the state of
 * every function (connected, bound, locked, accepted) and dispatches to
 * the operations of the TSM that manages it.  Documentation:
 * Documentation/driver-api/pci/tsm.rst.
 */

#define dev_fmt(fmt) "PCI/TSM: " fmt

#include <linux/capability.h>
#include <linux/cleanup.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kstrtox.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/pci-tsm.h>
#include <linux/pm_runtime.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/suspend.h>
#include <linux/sysfs.h>
#include <linux/tsm.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "pci.h"

#define CREATE_TRACE_POINTS
#include <trace/events/tsm.h>

/* For the firmware commands of TSM backends built as modules */
EXPORT_TRACEPOINT_SYMBOL_GPL(tsm_fw_cmd);

/*
 * Locking.  The operations of one DSM (for the link role: the DSM
 * function and the functions that depend on it; for the devsec role: one
 * function) are serialised by the device lock of the DSM, resp. of the
 * function, so that different devices proceed in parallel.  Lock order,
 * outermost first:
 *
 *   1. device_lock() of the DSM (link) or of the function (devsec),
 *      taken interruptibly from sysfs;
 *   2. the rwsem of the role, for read: pci_tsm_link_rwsem for the
 *      operations of link TSMs (host), pci_tsm_devsec_rwsem for those of
 *      devsec TSMs (guest);
 *   3. pci_tsm_ctx_lock.
 *
 * The rwsem of a role is held for write by the (un)registration of a TSM
 * of that role and by the removal (pci_tsm_destroy()) of a device with a
 * context of that role.  They take no device lock, so they may run with
 * any device lock held (e.g. a PF's while its VFs are removed), and, with
 * every operation of the role excluded, they tear contexts down directly.
 *
 * The two roles have a lock each so that an operation of one never waits
 * for the other's writers.  Where a guest and its host share one kernel
 * (the emulated platform of samples/tsm), a devsec operation waits for
 * link operations on the host's device that it asked for; nothing goes
 * the other way, so there is no cycle.
 *
 * pci_tsm_ctx_lock (spinlock) protects the publication of pci_dev::tsm and
 * the core fields of a context (tdi, state) for readers that hold no
 * DSM lock: the show methods, and lookups across roles.  Contexts are
 * unpublished under it before they are freed, and are published only while
 * the device is added, so that once pci_tsm_destroy() ran for a device
 * nothing can attach a context to it any more.
 *
 * pci_tsm_sysfs_lock serialises visibility updates.  It is taken with none
 * of the locks above held, and no sysfs method takes it: updating a group
 * drains the running show/store methods of its attributes, which may be
 * waiting for the locks above.
 *
 * Show methods only take pci_tsm_ctx_lock, never a device lock: a VF's
 * attributes are drained while its PF's device lock is held.  The one
 * exception is tsm/state of a locked function (devsec role), which asks
 * the TSM and so takes the function's own operation lock (1. and 2.):
 * nothing holds a function's own device lock while draining its
 * attributes.
 */
static DECLARE_RWSEM(pci_tsm_link_rwsem);
static DECLARE_RWSEM(pci_tsm_devsec_rwsem);
static DEFINE_SPINLOCK(pci_tsm_ctx_lock);
static DEFINE_MUTEX(pci_tsm_sysfs_lock);

/*
 * Registered TSMs by id (the xarray's own lock, plus the rwsem of the
 * TSM's role for a consistent pci_tsm_registered()), and how many of each
 * role (under the rwsem of that role)
 */
static DEFINE_XARRAY(pci_tsm_devs);
static unsigned int pci_tsm_nr_link;
static unsigned int pci_tsm_nr_devsec;

static bool pci_tsm_has_tee(struct pci_dev *pdev)
{
	return pci_is_pcie(pdev) && (pdev->devcap & PCI_EXP_DEVCAP_TEE);
}

static bool pci_tsm_is_fn0(struct pci_dev *pdev)
{
	if (pci_ari_enabled(pdev->bus))
		return pdev->devfn == 0;
	return PCI_FUNC(pdev->devfn) == 0;
}

/**
 * is_pci_tsm_pf0() - can a function be a Device Security Manager (DSM)
 * @pdev: PCI function
 *
 * A DSM is function 0 of a PCIe Endpoint, Upstream Port or RCiEP, not a
 * VF, with the IDE capability or DEVCAP TEE-IO Supported.
 *
 * Return: true if @pdev can be connected to a link TSM.
 */
bool is_pci_tsm_pf0(struct pci_dev *pdev)
{
	if (!pci_is_pcie(pdev) || pdev->is_virtfn)
		return false;

	switch (pci_pcie_type(pdev)) {
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_RC_END:
		break;
	default:
		return false;
	}

	if (!pci_tsm_has_tee(pdev) &&
	    !pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_IDE))
		return false;

	return pci_tsm_is_fn0(pdev);
}
EXPORT_SYMBOL_GPL(is_pci_tsm_pf0);

/*
 * The DSM of @pdev: @pdev itself if it can be one, else function 0 of the
 * device (of the PF's device for a VF) if that can be one.  Returned with
 * a reference held.
 */
static struct pci_dev *pci_tsm_find_dsm(struct pci_dev *pdev)
{
	struct pci_dev *pf = pci_physfn(pdev);
	struct pci_dev *dsm;
	unsigned int devfn;

	if (is_pci_tsm_pf0(pf))
		return pci_dev_get(pf);

	if (pci_ari_enabled(pf->bus))
		devfn = 0;
	else
		devfn = PCI_DEVFN(PCI_SLOT(pf->devfn), 0);
	if (devfn == pf->devfn)
		return NULL;

	dsm = pci_get_slot(pf->bus, devfn);
	if (dsm && is_pci_tsm_pf0(dsm))
		return dsm;
	pci_dev_put(dsm);
	return NULL;
}

/* Does @pdev depend on a DSM that has DEVCAP TEE-IO Supported */
static bool pci_tsm_is_tee_dependent(struct pci_dev *pdev)
{
	struct pci_dev *dsm __free(pci_dev_put) = pci_tsm_find_dsm(pdev);

	return dsm && dsm != pdev && pci_tsm_has_tee(dsm);
}

/* The rwsem of the role of @tsm_dev: see "Locking" above */
static struct rw_semaphore *pci_tsm_role_rwsem(const struct tsm_dev *tsm_dev)
{
	return is_devsec_tsm(tsm_dev) ? &pci_tsm_devsec_rwsem :
					&pci_tsm_link_rwsem;
}

static bool pci_tsm_registered(struct tsm_dev *tsm_dev)
{
	lockdep_assert_held(pci_tsm_role_rwsem(tsm_dev));
	return xa_load(&pci_tsm_devs, tsm_dev->id) == tsm_dev;
}

/*
 * Parse "tsmN" (optionally followed by one newline), N a decimal number
 * without sign or leading zeros.
 */
static int pci_tsm_parse_name(const char *buf, int *id)
{
	size_t len = strlen(buf);
	size_t i;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len < 4 || strncmp(buf, "tsm", 3))
		return -EINVAL;
	if (buf[3] == '0' && len > 4)
		return -EINVAL;
	for (i = 3; i < len; i++)
		if (!isdigit(buf[i]))
			return -EINVAL;
	if (kstrtoint(buf + 3, 10, id))
		return -EINVAL;
	return 0;
}

/*
 * Take the serialisation of an operation of the role of @rwsem
 * (&pci_tsm_link_rwsem or &pci_tsm_devsec_rwsem): see "Locking" above
 */
static int pci_tsm_op_lock(struct device *dev, struct rw_semaphore *rwsem)
{
	if (device_lock_interruptible(dev))
		return -EINTR;
	if (down_read_interruptible(rwsem)) {
		device_unlock(dev);
		return -EINTR;
	}
	return 0;
}

static void pci_tsm_op_unlock(struct device *dev, struct rw_semaphore *rwsem)
{
	up_read(rwsem);
	device_unlock(dev);
}

static const char * const pci_tsm_state_names[] = {
	[PCI_TSM_TDI_UNLOCKED] = "unlocked",
	[PCI_TSM_TDI_LOCKED] = "locked",
	[PCI_TSM_TDI_RUN] = "run",
	[PCI_TSM_TDI_ERROR] = "error",
};

/* Tell user space that the devsec state of @pdev is now @state */
static void pci_tsm_notify(struct pci_dev *pdev, enum pci_tsm_tdi_state state)
{
	char env[32];
	char *envp[2];

	trace_tsm_tdi_state(pdev, state);
	snprintf(env, sizeof(env), "TSM_STATE=%s", pci_tsm_state_names[state]);
	envp[0] = env;
	envp[1] = NULL;
	kobject_uevent_env(&pdev->dev.kobj, KOBJ_CHANGE, envp);
}

/* Set the devsec state of a published context */
static void pci_tsm_set_state(struct pci_tsm *tsm,
			      enum pci_tsm_tdi_state state)
{
	spin_lock(&pci_tsm_ctx_lock);
	tsm->state = state;
	spin_unlock(&pci_tsm_ctx_lock);
	pci_tsm_notify(tsm->pdev, state);
}

static int pci_tsm_publish(struct pci_dev *pdev, struct pci_tsm *tsm)
{
	int rc = 0;

	spin_lock(&pci_tsm_ctx_lock);
	if (!pci_dev_is_added(pdev))
		rc = -ENXIO;
	else if (pdev->tsm)
		rc = -EBUSY;
	else
		WRITE_ONCE(pdev->tsm, tsm);
	spin_unlock(&pci_tsm_ctx_lock);
	return rc;
}

/*
 * The link context of @pdev if its DSM is @dsm, or any link context if
 * @dsm is NULL.  Stable while the caller holds the DSM's device lock or
 * pci_tsm_link_rwsem for write.
 */
static struct pci_tsm *pci_tsm_link_ctx(struct pci_dev *pdev,
					struct pci_dev *dsm)
{
	struct pci_tsm *tsm;

	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	if (tsm && (!is_link_tsm(tsm->tsm_dev) ||
		    (dsm && tsm->dsm_dev != dsm)))
		tsm = NULL;
	spin_unlock(&pci_tsm_ctx_lock);
	return tsm;
}

/*
 * The devsec context of @pdev.  Stable while the caller holds @pdev's
 * device lock or pci_tsm_devsec_rwsem for write.
 */
static struct pci_tsm *pci_tsm_devsec_ctx(struct pci_dev *pdev)
{
	struct pci_tsm *tsm;

	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	if (tsm && !is_devsec_tsm(tsm->tsm_dev))
		tsm = NULL;
	spin_unlock(&pci_tsm_ctx_lock);
	return tsm;
}

/*
 * Free a context whatever state it reached: withdraw it from @pdev, free
 * the evidence the core owns, hand the context back to its backend
 * (&pci_tsm_ops.remove or &pci_tsm_ops.unlock).  Every path that frees a
 * context goes through here.
 */
static void pci_tsm_ctx_free(struct pci_dev *pdev, struct pci_tsm *tsm)
{
	const struct pci_tsm_ops *ops = tsm->tsm_dev->pci_ops;

	/* Only if published: a context that lost the race is not @pdev's */
	spin_lock(&pci_tsm_ctx_lock);
	if (pdev->tsm == tsm)
		WRITE_ONCE(pdev->tsm, NULL);
	spin_unlock(&pci_tsm_ctx_lock);
	pci_tsm_evidence_clear(tsm);
	if (is_link_tsm(tsm->tsm_dev))
		ops->remove(tsm);
	else
		ops->unlock(tsm);
}

/* Create and publish the link context of @pdev, whose DSM is @dsm */
static struct pci_tsm *pci_tsm_probe(struct tsm_dev *tsm_dev,
				     struct pci_dev *pdev, struct pci_dev *dsm)
{
	const struct pci_tsm_ops *ops = tsm_dev->pci_ops;
	struct pci_tsm *tsm;
	int rc;

	tsm = ops->probe(tsm_dev, pdev);
	if (!tsm)
		return ERR_PTR(-ENXIO);
	if (IS_ERR(tsm))
		return tsm;

	if (WARN_ON(tsm->pdev != pdev || tsm->dsm_dev != dsm ||
		    tsm->tsm_dev != tsm_dev || tsm->tdi || tsm->connected)) {
		rc = -ENXIO;
		goto err;
	}

	rc = pci_tsm_publish(pdev, tsm);
	if (rc)
		goto err;
	return tsm;

err:
	pci_tsm_ctx_free(pdev, tsm);
	return ERR_PTR(rc);
}

static void __pci_tsm_unbind(struct pci_tsm *tsm)
{
	struct pci_tdi *tdi = tsm->tdi;

	if (!tdi)
		return;
	spin_lock(&pci_tsm_ctx_lock);
	tsm->tdi = NULL;
	spin_unlock(&pci_tsm_ctx_lock);
	tsm->tsm_dev->pci_ops->unbind(tdi);
	pci_tsm_evidence_set(tsm, PCI_TSM_EVIDENCE_REPORT, NULL, 0);
}

/* Tear down the link context of a function that is not its DSM */
static void pci_tsm_remove(struct pci_dev *pdev, struct pci_tsm *tsm)
{
	__pci_tsm_unbind(tsm);
	pci_tsm_ctx_free(pdev, tsm);
}

/* Is @pdev a function, other than @dsm itself, whose DSM is @dsm */
static bool pci_tsm_is_dependent(struct pci_dev *pdev, struct pci_dev *dsm)
{
	struct pci_dev *d __free(pci_dev_put) = NULL;

	if (pdev == dsm || pci_physfn(pdev)->bus != dsm->bus)
		return false;
	d = pci_tsm_find_dsm(pdev);
	return d == dsm;
}

/*
 * Give the functions that depend on the just connected DSM @dsm a context
 * so that they can be bound.  Failure is not fatal: such a function just
 * cannot be bound.
 */
static void pci_tsm_probe_dependents(struct pci_dev *dsm,
				     struct tsm_dev *tsm_dev)
{
	struct pci_dev *pdev = NULL;
	struct pci_tsm *tsm;

	for_each_pci_dev(pdev) {
		if (!pci_tsm_is_dependent(pdev, dsm))
			continue;
		tsm = pci_tsm_probe(tsm_dev, pdev, dsm);
		if (IS_ERR(tsm))
			pci_dbg(pdev, "no context for %s: %pe\n",
				tsm_name(tsm_dev), tsm);
	}
}

/* Undo connect: dependents first, then the DSM's own interface and link */
static void __pci_tsm_disconnect(struct pci_dev *dsm, struct pci_tsm *tsm)
{
	struct delayed_work *refresh = &to_pci_tsm_pf0(tsm)->refresh_work;
	const struct pci_tsm_ops *ops = tsm->tsm_dev->pci_ops;
	struct pci_dev *pdev = NULL;
	struct pci_tsm *dep;

	/* Unless the refresh work itself lost the link: it ends right after */
	if (current_work() != &refresh->work)
		cancel_delayed_work_sync(refresh);

	for_each_pci_dev(pdev) {
		if (pdev == dsm)
			continue;
		dep = pci_tsm_link_ctx(pdev, dsm);
		if (dep)
			pci_tsm_remove(pdev, dep);
	}

	__pci_tsm_unbind(tsm);
	ops->disconnect(dsm);
	pci_tsm_ctx_free(dsm, tsm);
	/* the reference __pci_tsm_connect() took */
	pm_runtime_put(&dsm->dev);
}

static void __pci_tsm_unlock(struct pci_dev *pdev, struct pci_tsm *tsm)
{
	pci_tsm_ctx_free(pdev, tsm);
	pci_tsm_notify(pdev, PCI_TSM_TDI_UNLOCKED);
}

/*
 * Tear down the context of @pdev if it is of @tsm_dev (of any TSM if
 * @tsm_dev is NULL) and of the role whose rwsem, @held, the caller holds
 * for write
 */
static void pci_tsm_teardown(struct pci_dev *pdev, struct tsm_dev *tsm_dev,
			     struct rw_semaphore *held)
{
	struct pci_tsm *tsm;

	lockdep_assert_held_write(held);

	tsm = READ_ONCE(pdev->tsm);
	if (!tsm || (tsm_dev && tsm->tsm_dev != tsm_dev) ||
	    pci_tsm_role_rwsem(tsm->tsm_dev) != held)
		return;

	if (is_devsec_tsm(tsm->tsm_dev))
		__pci_tsm_unlock(pdev, tsm);
	else if (tsm->dsm_dev == pdev)
		__pci_tsm_disconnect(pdev, tsm);
	else
		pci_tsm_remove(pdev, tsm);
}

/* The rwsem of the role of @pdev's context, NULL if it has none */
static struct rw_semaphore *pci_tsm_ctx_rwsem(struct pci_dev *pdev)
{
	struct rw_semaphore *rwsem = NULL;

	spin_lock(&pci_tsm_ctx_lock);
	if (pdev->tsm)
		rwsem = pci_tsm_role_rwsem(pdev->tsm->tsm_dev);
	spin_unlock(&pci_tsm_ctx_lock);
	return rwsem;
}

/**
 * pci_tsm_destroy() - tear down the TSM state of a device being removed
 * @pdev: PCI function, no longer added (see pci_stop_dev())
 *
 * Unbinds and disconnects, resp. unlocks, @pdev; for a DSM also tears down
 * the functions that depend on it.  Must run before device_del(): the
 * sysfs methods of @pdev may be waiting for the locks taken here.
 */
void pci_tsm_destroy(struct pci_dev *pdev)
{
	/*
	 * No context can be published once the device is no longer added,
	 * so a device without one needs no further synchronisation, and
	 * the role of the one it has cannot change: it can only go away.
	 */
	struct rw_semaphore *rwsem = pci_tsm_ctx_rwsem(pdev);

	if (!rwsem)
		return;

	guard(rwsem_write)(rwsem);
	pci_tsm_teardown(pdev, NULL, rwsem);
}

/*
 * IDE key refresh.  A write to tsm/ide_refresh, or the period set in
 * tsm/ide_refresh_interval, has the TSM of a connected DSM roll the keys
 * of its IDE streams over to the key set they do not use
 * (&pci_tsm_ops.ide_refresh); the streams stay Secure throughout.  A
 * refresh that fails leaves the link to &pci_tsm_ops.link_check: if the
 * link did not survive, the DSM is disconnected as after a reset
 * (uevents, reset_policy), with cause "refresh".  Successful refreshes
 * are counted (read tsm/ide_refresh) and traced (tsm_link_event
 * "refreshed"); failures are also sent as a uevent.
 *
 * The periodic refresh runs from a delayed work item of the DSM's context
 * (pci_tsm_pf0::refresh_work), on the freezable workqueue so that it does
 * not run across a system sleep.  It takes the DSM's device lock and the
 * link rwsem like the sysfs verbs, but only with trylocks, retrying a
 * little later: every path that disconnects the DSM cancels the work
 * synchronously while it holds one of them.
 */
#define PCI_TSM_REFRESH_INTERVAL_MAX	(7 * 24 * 60 * 60)
#define PCI_TSM_REFRESH_RETRY		(HZ / 10)

/* Start, move or stop the periodic refresh of a connected DSM's context */
static void pci_tsm_refresh_schedule(struct pci_dev *pdev, struct pci_tsm *tsm)
{
	unsigned int interval = READ_ONCE(pdev->tsm_ide_refresh_interval);
	struct pci_tsm_pf0 *pf0 = to_pci_tsm_pf0(tsm);

	if (interval)
		mod_delayed_work(system_freezable_wq, &pf0->refresh_work,
				 interval * HZ);
	else
		cancel_delayed_work(&pf0->refresh_work);
}

static int __pci_tsm_connect(struct pci_dev *pdev, struct tsm_dev *tsm_dev)
{
	const struct pci_tsm_ops *ops = tsm_dev->pci_ops;
	struct pci_tsm *tsm;
	int rc;

	if (!is_link_tsm(tsm_dev) || !pci_tsm_registered(tsm_dev))
		return -ENXIO;
	if (!is_pci_tsm_pf0(pdev))
		return -ENXIO;
	if (READ_ONCE(pdev->tsm))
		return -EBUSY;

	/*
	 * Runtime power management: the DSM stays in D0 while connected.
	 * D3hot without No_Soft_Reset, D3cold, and a link in L2/L3 under a
	 * suspended bridge lose the IDE keys and the SPDM session, and
	 * nothing would tell the TSM.  Holding a usage reference keeps the
	 * device, and the bridges above it, active; it is dropped in
	 * __pci_tsm_disconnect().  It also wakes the device for the DOE
	 * exchanges of connect.
	 */
	rc = pm_runtime_resume_and_get(&pdev->dev);
	if (rc)
		return rc;

	tsm = pci_tsm_probe(tsm_dev, pdev, pdev);
	if (IS_ERR(tsm)) {
		rc = PTR_ERR(tsm);
		goto err_put;
	}

	rc = ops->connect(pdev);
	if (rc) {
		/* with what evidence the backend published before it failed */
		pci_tsm_ctx_free(pdev, tsm);
		goto err_put;
	}

	spin_lock(&pci_tsm_ctx_lock);
	tsm->connected = true;
	spin_unlock(&pci_tsm_ctx_lock);
	pci_tsm_refresh_schedule(pdev, tsm);

	if (pci_tsm_has_tee(pdev))
		pci_tsm_probe_dependents(pdev, tsm_dev);
	return 0;

err_put:
	pm_runtime_put(&pdev->dev);
	return rc;
}

/*
 * Resets.  A reset of a function (Function Level Reset, a bus reset, the
 * reset of a D3hot to D0 transition) wipes what the device holds for its
 * TSM: IDE keys, the SPDM session when it hits the DSM, TDISP state.  The
 * PCI core calls pci_tsm_reset_prepare() before it resets a function and
 * pci_tsm_reset_done() once the function's configuration is restored,
 * both with the function's device lock held (pci_dev_save_and_disable(),
 * pci_dev_restore(); or __pci_reset_function_locked() itself when its
 * caller, e.g. VFIO releasing a device, did not go through those; or
 * pcie_flr() when a driver calls it, usually with the lock held).  In
 * between, binds of the function, and of the functions of a DSM being
 * reset, are refused with -EBUSY.
 *
 * Before: no VM may go on trusting an interface the reset is about to
 * wipe, so the interfaces it hits are unbound: the function's, and for a
 * DSM those of every function that depends on it; a function locked by a
 * devsec TSM is unlocked.  After, for a connected DSM: the TSM checks the
 * link (&pci_tsm_ops.link_check); if the link did not survive, the DSM is
 * disconnected (streams released, TSM state freed) and, if its
 * reset_policy is "reconnect", connected again from a work item once the
 * reset is over (see pci_tsm_reconnect_work()): a new SPDM session, new
 * keys, new evidence.  Each step sends a KOBJ_CHANGE uevent with
 * TSM_EVENT and TSM_CAUSE, and a tsm_link_event trace event.
 *
 * Both take the rwsem of the role for write, like pci_tsm_destroy(): the
 * device lock they run under may be that of a function that depends on
 * the DSM, not the DSM's, and they touch the contexts of other functions.
 */

/* Values of pci_dev::tsm_reset_policy */
enum pci_tsm_reset_policy {
	PCI_TSM_RESET_DISCONNECT,
	PCI_TSM_RESET_RECONNECT,
};

static const char * const pci_tsm_reset_policy_names[] = {
	[PCI_TSM_RESET_DISCONNECT] = "disconnect",
	[PCI_TSM_RESET_RECONNECT] = "reconnect",
};

/* Tell user space and the trace what the core did after @cause */
static void pci_tsm_link_event(struct pci_dev *pdev, const char *event,
			       const char *cause, int rc)
{
	char ev[40], ca[24];
	char *envp[3];

	trace_tsm_link_event(pdev, event, cause, rc);
	snprintf(ev, sizeof(ev), "TSM_EVENT=%s", event);
	snprintf(ca, sizeof(ca), "TSM_CAUSE=%s", cause);
	envp[0] = ev;
	envp[1] = ca;
	envp[2] = NULL;
	kobject_uevent_env(&pdev->dev.kobj, KOBJ_CHANGE, envp);
}

static void pci_tsm_unbind_for(struct pci_tsm *tsm, const char *cause)
{
	if (!tsm->tdi)
		return;
	__pci_tsm_unbind(tsm);
	pci_tsm_link_event(tsm->pdev, "unbound", cause, 0);
}

static void pci_tsm_leave_trust(struct pci_dev *pdev, const char *cause)
{
	struct rw_semaphore *rwsem = pci_tsm_ctx_rwsem(pdev);
	struct pci_dev *dep = NULL;
	struct pci_tsm *tsm, *t;

	if (!rwsem)
		return;
	guard(rwsem_write)(rwsem);
	/* Re-read: a DSM's disconnect may have removed a dependent's */
	tsm = READ_ONCE(pdev->tsm);
	if (!tsm || pci_tsm_role_rwsem(tsm->tsm_dev) != rwsem)
		return;

	if (is_devsec_tsm(tsm->tsm_dev)) {
		/*
		 * A bound driver still uses the private MMIO and DMA that an
		 * unlock withdraws: as for tsm/unlock, it must go first.
		 */
		if (READ_ONCE(pdev->dev.driver)) {
			pci_warn(pdev, "%s with a driver bound: interface left locked, unbind the driver and unlock\n",
				 cause);
			return;
		}
		__pci_tsm_unlock(pdev, tsm);
		pci_tsm_link_event(pdev, "unlocked", cause, 0);
		return;
	}
	if (tsm->dsm_dev == pdev) {
		for_each_pci_dev(dep) {
			t = dep == pdev ? NULL : pci_tsm_link_ctx(dep, pdev);
			if (t)
				pci_tsm_unbind_for(t, cause);
		}
	}
	pci_tsm_unbind_for(tsm, cause);
}

/**
 * struct pci_tsm_reconnect - a connect the "reconnect" policy asked for
 * @work: runs pci_tsm_reconnect_work()
 * @pdev: the DSM (a reference is held)
 * @tsm_dev: the TSM it was connected to (a reference is held); it may
 *	     have been unregistered by the time the work runs
 * @cause: the event that cost the link (a string constant)
 */
struct pci_tsm_reconnect {
	struct work_struct work;
	struct pci_dev *pdev;
	struct tsm_dev *tsm_dev;
	const char *cause;
};

/*
 * Connect again, as a write to tsm/connect does, once the reset is over:
 * while the PCI core resets a function it blocks user space's access to
 * its configuration space, which a TSM's firmware path may need, and a
 * connect (SPDM session, keys, evidence) is too long for the reset path.
 * A device that got connected, locked or removed meanwhile is left alone.
 */
static void pci_tsm_reconnect_work(struct work_struct *work)
{
	struct pci_tsm_reconnect *r =
		container_of(work, struct pci_tsm_reconnect, work);
	struct pci_dev *pdev = r->pdev;
	int rc;

	device_lock(&pdev->dev);
	down_read(&pci_tsm_link_rwsem);
	if (READ_ONCE(pdev->tsm_reset_policy) != PCI_TSM_RESET_RECONNECT ||
	    READ_ONCE(pdev->tsm))
		rc = -EBUSY;
	else
		rc = __pci_tsm_connect(pdev, r->tsm_dev);
	up_read(&pci_tsm_link_rwsem);
	device_unlock(&pdev->dev);

	if (rc == -EBUSY) {
		pci_dbg(pdev, "no reconnect after %s: policy changed, or connected or locked meanwhile\n",
			r->cause);
	} else {
		if (rc)
			pci_err(pdev, "%s: reconnect after %s failed: %pe\n",
				tsm_name(r->tsm_dev), r->cause, ERR_PTR(rc));
		else
			pci_info(pdev, "%s: reconnected after %s\n",
				 tsm_name(r->tsm_dev), r->cause);
		pci_tsm_link_event(pdev, rc ? "reconnect_failed" : "reconnected",
				   r->cause, rc);
	}
	tsm_dev_put(r->tsm_dev);
	pci_dev_put(pdev);
	kfree(r);
}

/*
 * Called with the link rwsem held, @tsm_dev registered.  The
 * work is freezable: a reconnect queued just before a system sleep runs
 * after it, not against suspended devices.
 */
static void pci_tsm_queue_reconnect(struct pci_dev *pdev,
				    struct tsm_dev *tsm_dev, const char *cause)
{
	struct pci_tsm_reconnect *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r) {
		pci_tsm_link_event(pdev, "reconnect_failed", cause, -ENOMEM);
		return;
	}
	INIT_WORK(&r->work, pci_tsm_reconnect_work);
	/* Dropped with tsm_dev_put(), as a find_tsm_dev() reference is */
	get_device(&tsm_dev->dev);
	r->tsm_dev = tsm_dev;
	r->pdev = pci_dev_get(pdev);
	r->cause = cause;
	queue_work(system_freezable_wq, &r->work);
}

/* The TSM's verdict on the link of the connected DSM @pdev, 0 if kept */
static int pci_tsm_link_check(struct pci_dev *pdev, struct pci_tsm *tsm)
{
	const struct pci_tsm_ops *ops = tsm->tsm_dev->pci_ops;

	return ops->link_check ? ops->link_check(pdev) : -ENOLINK;
}

/*
 * The link of the connected DSM @pdev did not survive @what (the link
 * check said @rc): disconnect it and, by its reset_policy, connect it
 * again later.  Called with the link rwsem held.
 */
static void pci_tsm_link_lost(struct pci_dev *pdev, struct pci_tsm *tsm,
			      const char *cause, const char *what, int rc)
{
	struct tsm_dev *tsm_dev = tsm->tsm_dev;

	pci_info(pdev, "%s: secure link lost after %s (%pe), disconnecting\n",
		 tsm_name(tsm_dev), what, ERR_PTR(rc));
	__pci_tsm_disconnect(pdev, tsm);
	pci_tsm_link_event(pdev, "disconnected", cause, rc);
	if (READ_ONCE(pdev->tsm_reset_policy) == PCI_TSM_RESET_RECONNECT)
		pci_tsm_queue_reconnect(pdev, tsm_dev, cause);
}

static void pci_tsm_check_link(struct pci_dev *pdev, const char *cause)
{
	struct rw_semaphore *rwsem = pci_tsm_ctx_rwsem(pdev);
	struct pci_tsm *tsm;
	int rc;

	if (rwsem != &pci_tsm_link_rwsem)
		return;
	guard(rwsem_write)(rwsem);
	tsm = pci_tsm_link_ctx(pdev, pdev);
	if (!tsm || !tsm->connected)
		return;

	rc = pci_tsm_link_check(pdev, tsm);
	if (rc)
		pci_tsm_link_lost(pdev, tsm, cause, cause, rc);
	else
		pci_tsm_link_event(pdev, "kept", cause, 0);
}

/*
 * Refresh the keys of the connected DSM @pdev, with its device lock and
 * the link rwsem held.  *@gone tells whether a failure cost the link, and
 * with it the context.
 */
static int __pci_tsm_ide_refresh(struct pci_dev *pdev, const char *cause,
				 bool *gone)
{
	struct pci_tsm *tsm = pci_tsm_link_ctx(pdev, pdev);
	int rc, lost;

	*gone = false;
	if (!tsm || !tsm->connected)
		return -ENOTCONN;
	if (!tsm->tsm_dev->pci_ops->ide_refresh)
		return -EOPNOTSUPP;

	rc = tsm->tsm_dev->pci_ops->ide_refresh(pdev);
	if (!rc) {
		spin_lock(&pci_tsm_ctx_lock);
		to_pci_tsm_pf0(tsm)->ide_refreshes++;
		spin_unlock(&pci_tsm_ctx_lock);
		trace_tsm_link_event(pdev, "refreshed", cause, 0);
		return 0;
	}
	/* Nothing to refresh (no IDE stream), nothing changed */
	if (rc == -EOPNOTSUPP)
		return rc;

	pci_err(pdev, "%s: IDE key refresh failed: %pe\n",
		tsm_name(tsm->tsm_dev), ERR_PTR(rc));
	pci_tsm_link_event(pdev, "refresh_failed", cause, rc);
	lost = pci_tsm_link_check(pdev, tsm);
	if (lost) {
		pci_tsm_link_lost(pdev, tsm, "refresh", "a failed key refresh",
				  lost);
		*gone = true;
	}
	return rc;
}

static void pci_tsm_refresh_work(struct work_struct *work)
{
	struct pci_tsm_pf0 *pf0 = container_of(to_delayed_work(work),
					       struct pci_tsm_pf0,
					       refresh_work);
	struct pci_dev *pdev = pf0->base_tsm.pdev;
	bool gone = false;

	if (!device_trylock(&pdev->dev))
		goto retry;
	if (!down_read_trylock(&pci_tsm_link_rwsem)) {
		device_unlock(&pdev->dev);
		goto retry;
	}
	if (READ_ONCE(pdev->tsm_ide_refresh_interval)) {
		__pci_tsm_ide_refresh(pdev, "interval", &gone);
		if (!gone)
			pci_tsm_refresh_schedule(pdev, &pf0->base_tsm);
	}
	up_read(&pci_tsm_link_rwsem);
	device_unlock(&pdev->dev);
	return;
retry:
	queue_delayed_work(system_freezable_wq, &pf0->refresh_work,
			   PCI_TSM_REFRESH_RETRY);
}

/**
 * pci_tsm_reset_prepare() - a function is about to be reset
 * @pdev: the function
 *
 * Unbinds the interfaces the reset wipes (the function's, and those of
 * every function depending on it if it is a DSM) and unlocks a function
 * locked by a devsec TSM.  See "Resets" above.
 *
 * Context: process context, usually with @pdev's device lock held (not
 * with pcie_flr() called by a driver outside probe, remove or its error
 * handlers); what excludes TSM operations is the rwsem of the role.
 */
void pci_tsm_reset_prepare(struct pci_dev *pdev)
{
	/* Before the rwsem: a bind that gets it after this sees the flag */
	WRITE_ONCE(pdev->tsm_resetting, true);
	pci_tsm_leave_trust(pdev, "reset");
}

/**
 * pci_tsm_reset_done() - a function was reset and restored
 * @pdev: the function
 *
 * For a connected DSM, asks its TSM whether the secure link survived and
 * disconnects (and, by policy, reconnects) it if not.
 *
 * Context: as for pci_tsm_reset_prepare().
 */
void pci_tsm_reset_done(struct pci_dev *pdev)
{
	pci_tsm_check_link(pdev, "reset");
	WRITE_ONCE(pdev->tsm_resetting, false);
}

/**
 * pci_tsm_reset_pending() - is a function between reset prepare and done
 * @pdev: the function
 *
 * Lets __pci_reset_function_locked() call pci_tsm_reset_prepare() and
 * pci_tsm_reset_done() itself when its caller did not (as VFIO does when
 * it releases a device), and makes binds wait for the end of the reset.
 *
 * Return: true from pci_tsm_reset_prepare() until pci_tsm_reset_done()
 * returns.
 */
bool pci_tsm_reset_pending(struct pci_dev *pdev)
{
	return READ_ONCE(pdev->tsm_resetting);
}

/* Is @pdev reset when everything below @bridge is (see pcie_do_recovery()) */
static bool pci_tsm_below(struct pci_dev *pdev, struct pci_dev *bridge)
{
	struct pci_bus *bus;

	/* An RCiEP or RCEC recovers on its own */
	if (!bridge->subordinate)
		return pdev == bridge;
	for (bus = pdev->bus; bus; bus = bus->parent)
		if (bus->self == bridge)
			return true;
	return false;
}

/*
 * The rules of resets for every function with a context (below @bridge,
 * or everywhere if @bridge is NULL), with no device lock held: the rwsem
 * of the role, held for write, excludes every operation, as on device
 * removal.  Before (!@after) the interfaces leave trust, after the links
 * are checked.
 */
static void pci_tsm_reset_all(struct pci_dev *bridge, bool after,
			      const char *cause)
{
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		if (!READ_ONCE(pdev->tsm) ||
		    (bridge && !pci_tsm_below(pdev, bridge)))
			continue;
		if (after)
			pci_tsm_check_link(pdev, cause);
		else
			pci_tsm_leave_trust(pdev, cause);
	}
}

/*
 * Error recovery.  AER, DPC and EDR recover from an error that froze the
 * link by resetting everything below a port (a secondary bus reset, or
 * the link reset of DPC) in pcie_do_recovery(), which holds no device
 * lock and saves nothing: the drivers restore their functions from their
 * slot_reset callbacks.  The reset wipes the IDE keys and the SPDM
 * sessions of every DSM below the port, so the rules of resets apply to
 * all of them, with cause "error".
 */

/**
 * pci_tsm_error_reset_prepare() - everything below a port is about to be reset
 * @bridge: the port that recovers from an error (or the RCiEP or RCEC
 *	    itself)
 *
 * Every interface below @bridge leaves its VM's trust, as before a reset.
 *
 * Context: process context, no device lock held (pcie_do_recovery()).
 */
void pci_tsm_error_reset_prepare(struct pci_dev *bridge)
{
	pci_tsm_reset_all(bridge, false, "error");
}

/**
 * pci_tsm_error_reset_done() - everything below a port was reset
 * @bridge: as for pci_tsm_error_reset_prepare()
 *
 * Checks the link of every connected DSM below @bridge, and disconnects
 * (and, by policy, reconnects) those that lost it.
 *
 * Context: process context, no device lock held (pcie_do_recovery()).
 */
void pci_tsm_error_reset_done(struct pci_dev *bridge)
{
	pci_tsm_reset_all(bridge, true, "error");
}

/*
 * System sleep.  The platform may remove power from devices while the
 * system sleeps, so the rules of resets apply to it as a whole: before
 * it, every interface leaves its VM's trust (cause "suspend"); after it,
 * every connected DSM has its link checked (cause "resume").  Both run
 * from a PM notifier, before tasks are frozen and after they are thawed:
 * a TSM's firmware interface, and the user space that listens to the
 * uevents, may need them.  No device lock is taken there: the notifier
 * runs under system_transition_mutex, which device lock holders may wait
 * for.
 */
static void pci_tsm_sleep(bool resume)
{
	pci_tsm_reset_all(NULL, resume, resume ? "resume" : "suspend");
}

static int pci_tsm_pm_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	switch (action) {
	case PM_HIBERNATION_PREPARE:
	case PM_SUSPEND_PREPARE:
		pci_tsm_sleep(false);
		break;
	case PM_POST_HIBERNATION:
	case PM_POST_SUSPEND:
		pci_tsm_sleep(true);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block pci_tsm_pm_nb = {
	.notifier_call = pci_tsm_pm_notify,
};

static int __init pci_tsm_init(void)
{
	return register_pm_notifier(&pci_tsm_pm_nb);
}
subsys_initcall(pci_tsm_init);

static int pci_tsm_connect(struct pci_dev *pdev, struct tsm_dev *tsm_dev)
{
	int rc;

	rc = pci_tsm_op_lock(&pdev->dev, &pci_tsm_link_rwsem);
	if (rc)
		return rc;
	rc = __pci_tsm_connect(pdev, tsm_dev);
	pci_tsm_op_unlock(&pdev->dev, &pci_tsm_link_rwsem);
	return rc;
}

static int __pci_tsm_disconnect_by_name(struct pci_dev *pdev, const char *buf)
{
	struct pci_tsm *tsm = pci_tsm_link_ctx(pdev, pdev);

	if (!tsm)
		return -ENXIO;
	if (!sysfs_streq(buf, tsm_name(tsm->tsm_dev)))
		return -EINVAL;
	__pci_tsm_disconnect(pdev, tsm);
	return 0;
}

static int __pci_tsm_lock(struct pci_dev *pdev, struct tsm_dev *tsm_dev)
{
	const struct pci_tsm_ops *ops = tsm_dev->pci_ops;
	struct pci_tsm *tsm;
	int rc;

	if (!is_devsec_tsm(tsm_dev) || !pci_tsm_registered(tsm_dev))
		return -ENXIO;
	if (!pci_tsm_has_tee(pdev))
		return -ENXIO;
	if (READ_ONCE(pdev->tsm) || pdev->dev.driver)
		return -EBUSY;

	tsm = ops->lock(tsm_dev, pdev);
	if (!tsm)
		return -ENXIO;
	if (IS_ERR(tsm))
		return PTR_ERR(tsm);

	if (WARN_ON(tsm->pdev != pdev || tsm->dsm_dev != pdev ||
		    tsm->tsm_dev != tsm_dev ||
		    tsm->state != PCI_TSM_TDI_UNLOCKED)) {
		rc = -ENXIO;
		goto err;
	}

	tsm->state = PCI_TSM_TDI_LOCKED;
	rc = pci_tsm_publish(pdev, tsm);
	if (rc)
		goto err;
	pci_tsm_notify(pdev, PCI_TSM_TDI_LOCKED);
	return 0;

err:
	pci_tsm_ctx_free(pdev, tsm);
	return rc;
}

static int __pci_tsm_unlock_by_name(struct pci_dev *pdev, const char *buf)
{
	struct pci_tsm *tsm = pci_tsm_devsec_ctx(pdev);

	if (!tsm || !sysfs_streq(buf, tsm_name(tsm->tsm_dev)))
		return -EINVAL;
	if (pdev->dev.driver)
		return -EBUSY;
	__pci_tsm_unlock(pdev, tsm);
	return 0;
}

static int __pci_tsm_accept(struct pci_dev *pdev)
{
	struct pci_tsm *tsm = pci_tsm_devsec_ctx(pdev);
	int rc;

	if (!tsm)
		return -EINVAL;
	if (pdev->dev.driver || tsm->state == PCI_TSM_TDI_RUN)
		return -EBUSY;
	if (tsm->state != PCI_TSM_TDI_LOCKED) {
		pci_err(pdev, "cannot accept an interface in TDISP %s: unlock it first\n",
			pci_tsm_state_names[tsm->state]);
		return -EIO;
	}

	rc = tsm->tsm_dev->pci_ops->accept(pdev);
	if (rc)
		return rc;

	pci_tsm_set_state(tsm, PCI_TSM_TDI_RUN);
	return 0;
}

/*
 * Ask the TSM for the state of the locked interface of @pdev; anything but
 * the state the core expects means the interface cannot be trusted any
 * more.  Returns the state, or -errno if the TSM could not tell.
 */
static int __pci_tsm_state(struct pci_dev *pdev)
{
	struct pci_tsm *tsm = pci_tsm_devsec_ctx(pdev);
	const struct pci_tsm_ops *ops;
	int rc;

	if (!tsm)
		return PCI_TSM_TDI_UNLOCKED;
	ops = tsm->tsm_dev->pci_ops;
	if (!ops->state || tsm->state == PCI_TSM_TDI_ERROR)
		return tsm->state;

	rc = ops->state(pdev);
	if (rc < 0)
		return rc;
	if (rc == tsm->state)
		return rc;
	if (rc > PCI_TSM_TDI_ERROR)
		pci_err(pdev, "TSM reports an invalid TDISP state %d\n", rc);
	pci_warn(pdev, "TDISP interface left %s (now %s): no longer trusted\n",
		 pci_tsm_state_names[tsm->state],
		 rc > PCI_TSM_TDI_ERROR ? "unknown" : pci_tsm_state_names[rc]);
	pci_tsm_set_state(tsm, PCI_TSM_TDI_ERROR);
	return PCI_TSM_TDI_ERROR;
}

/**
 * pci_tsm_driver_allowed() - may a driver bind to a function
 * @pdev: PCI function about to be probed, device lock held
 *
 * A function locked by a devsec TSM (TDISP CONFIG_LOCKED) must be accepted
 * before a driver may use it: its MMIO is not yet private, and a driver
 * would touch a device whose report the guest has not checked.
 *
 * Return: 0, or -EPERM if @pdev is locked and not (or no longer) accepted.
 */
int pci_tsm_driver_allowed(struct pci_dev *pdev)
{
	struct pci_tsm *tsm;
	int state = -1;

	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	if (tsm && is_devsec_tsm(tsm->tsm_dev) &&
	    tsm->state != PCI_TSM_TDI_RUN)
		state = tsm->state;
	spin_unlock(&pci_tsm_ctx_lock);
	if (state < 0)
		return 0;
	pci_info(pdev, "no driver while the TDISP interface is %s and not accepted\n",
		 pci_tsm_state_names[state]);
	return -EPERM;
}

/*
 * The files' modes let only root write; every verb changes what the
 * platform trusts, so it also takes CAP_SYS_ADMIN (a root process that
 * dropped it, e.g. in a container, is refused).
 */
static int pci_tsm_may_write(struct pci_dev *pdev, const char *op)
{
	if (capable(CAP_SYS_ADMIN))
		return 0;
	pci_dbg(pdev, "%s refused: CAP_SYS_ADMIN needed\n", op);
	return -EPERM;
}

/* Look up the TSM named in @buf and run @fn on @pdev with it */
static ssize_t pci_tsm_store_by_name(struct pci_dev *pdev, const char *buf,
				     size_t len, const char *op,
				     int (*fn)(struct pci_dev *pdev,
					       struct tsm_dev *tsm_dev))
{
	struct tsm_dev *tsm_dev;
	int id, rc;

	rc = pci_tsm_may_write(pdev, op);
	if (rc)
		return rc;
	rc = pci_tsm_parse_name(buf, &id);
	if (rc)
		return rc;

	tsm_dev = find_tsm_dev(id);
	if (!tsm_dev)
		return -ENXIO;

	trace_tsm_op_begin(pdev, op, 0);
	rc = fn(pdev, tsm_dev);
	trace_tsm_op_end(pdev, op, rc);
	tsm_dev_put(tsm_dev);
	return rc ? rc : len;
}

/* Run @fn on @pdev with its operation lock of the role of @rwsem held */
static ssize_t pci_tsm_store_locked(struct pci_dev *pdev, const char *buf,
				    size_t len, const char *op,
				    struct rw_semaphore *rwsem,
				    int (*fn)(struct pci_dev *pdev,
					      const char *buf))
{
	int rc;

	rc = pci_tsm_may_write(pdev, op);
	if (rc)
		return rc;
	rc = pci_tsm_op_lock(&pdev->dev, rwsem);
	if (rc)
		return rc;
	trace_tsm_op_begin(pdev, op, 0);
	rc = fn(pdev, buf);
	trace_tsm_op_end(pdev, op, rc);
	pci_tsm_op_unlock(&pdev->dev, rwsem);
	return rc ? rc : len;
}

/*
 * Show the name of the TSM of @dev's context if @match says so, else an
 * empty line.
 */
static ssize_t pci_tsm_show_name(struct device *dev, char *buf,
				 bool (*match)(struct pci_tsm *tsm))
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct pci_tsm *tsm;
	ssize_t rc;

	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	if (tsm && match(tsm))
		rc = sysfs_emit(buf, "%s\n", tsm_name(tsm->tsm_dev));
	else
		rc = sysfs_emit(buf, "\n");
	spin_unlock(&pci_tsm_ctx_lock);
	return rc;
}

static bool pci_tsm_is_connected(struct pci_tsm *tsm)
{
	return is_link_tsm(tsm->tsm_dev) && tsm->dsm_dev == tsm->pdev &&
	       tsm->connected;
}

static ssize_t connect_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return pci_tsm_show_name(dev, buf, pci_tsm_is_connected);
}

static ssize_t connect_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t len)
{
	return pci_tsm_store_by_name(to_pci_dev(dev), buf, len, "connect",
				     pci_tsm_connect);
}
static DEVICE_ATTR_RW(connect);

static ssize_t disconnect_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t len)
{
	return pci_tsm_store_locked(to_pci_dev(dev), buf, len, "disconnect",
				    &pci_tsm_link_rwsem,
				    __pci_tsm_disconnect_by_name);
}
static DEVICE_ATTR_WO(disconnect);

static ssize_t reset_policy_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	u8 policy = READ_ONCE(to_pci_dev(dev)->tsm_reset_policy);

	return sysfs_emit(buf, "%s\n", pci_tsm_reset_policy_names[policy]);
}

static ssize_t reset_policy_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t len)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	int policy, rc;

	rc = pci_tsm_may_write(pdev, "reset_policy");
	if (rc)
		return rc;
	policy = sysfs_match_string(pci_tsm_reset_policy_names, buf);
	if (policy < 0)
		return policy;
	WRITE_ONCE(pdev->tsm_reset_policy, policy);
	return len;
}
static DEVICE_ATTR_RW(reset_policy);

static ssize_t ide_refresh_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct pci_tsm *tsm;
	u64 n = 0;

	spin_lock(&pci_tsm_ctx_lock);
	tsm = to_pci_dev(dev)->tsm;
	if (tsm && pci_tsm_is_connected(tsm))
		n = to_pci_tsm_pf0(tsm)->ide_refreshes;
	spin_unlock(&pci_tsm_ctx_lock);
	return sysfs_emit(buf, "%llu\n", n);
}

static int pci_tsm_ide_refresh(struct pci_dev *pdev, const char *buf)
{
	bool gone, v;

	if (kstrtobool(buf, &v) || !v)
		return -EINVAL;
	return __pci_tsm_ide_refresh(pdev, "user", &gone);
}

static ssize_t ide_refresh_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t len)
{
	return pci_tsm_store_locked(to_pci_dev(dev), buf, len, "ide_refresh",
				    &pci_tsm_link_rwsem, pci_tsm_ide_refresh);
}
static DEVICE_ATTR_RW(ide_refresh);

static ssize_t ide_refresh_interval_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(to_pci_dev(dev)->tsm_ide_refresh_interval));
}

static int pci_tsm_set_refresh_interval(struct pci_dev *pdev,
					const char *buf)
{
	struct pci_tsm *tsm;
	unsigned int v;

	if (kstrtouint(buf, 0, &v) || v > PCI_TSM_REFRESH_INTERVAL_MAX)
		return -EINVAL;
	WRITE_ONCE(pdev->tsm_ide_refresh_interval, v);
	tsm = pci_tsm_link_ctx(pdev, pdev);
	if (tsm && tsm->connected)
		pci_tsm_refresh_schedule(pdev, tsm);
	return 0;
}

static ssize_t ide_refresh_interval_store(struct device *dev,
					  struct device_attribute *attr,
					  const char *buf, size_t len)
{
	return pci_tsm_store_locked(to_pci_dev(dev), buf, len,
				    "ide_refresh_interval", &pci_tsm_link_rwsem,
				    pci_tsm_set_refresh_interval);
}
static DEVICE_ATTR_RW(ide_refresh_interval);

static ssize_t dsm_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct pci_tsm *tsm;
	ssize_t rc;

	/* Dependents get a context once their DSM is connected */
	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	if (tsm && is_link_tsm(tsm->tsm_dev) &&
	    (tsm->connected || tsm->dsm_dev != pdev))
		rc = sysfs_emit(buf, "%s\n", pci_name(tsm->dsm_dev));
	else
		rc = sysfs_emit(buf, "\n");
	spin_unlock(&pci_tsm_ctx_lock);
	return rc;
}
static DEVICE_ATTR_RO(dsm);

static bool pci_tsm_is_bound(struct pci_tsm *tsm)
{
	return is_link_tsm(tsm->tsm_dev) && tsm->tdi;
}

static ssize_t bound_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return pci_tsm_show_name(dev, buf, pci_tsm_is_bound);
}
static DEVICE_ATTR_RO(bound);

static int pci_tsm_lock(struct pci_dev *pdev, struct tsm_dev *tsm_dev)
{
	int rc;

	rc = pci_tsm_op_lock(&pdev->dev, &pci_tsm_devsec_rwsem);
	if (rc)
		return rc;
	rc = __pci_tsm_lock(pdev, tsm_dev);
	pci_tsm_op_unlock(&pdev->dev, &pci_tsm_devsec_rwsem);
	return rc;
}

static bool pci_tsm_is_locked(struct pci_tsm *tsm)
{
	return is_devsec_tsm(tsm->tsm_dev);
}

static ssize_t lock_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return pci_tsm_show_name(dev, buf, pci_tsm_is_locked);
}

static ssize_t lock_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t len)
{
	return pci_tsm_store_by_name(to_pci_dev(dev), buf, len, "lock",
				     pci_tsm_lock);
}
static DEVICE_ATTR_RW(lock);

static ssize_t unlock_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t len)
{
	return pci_tsm_store_locked(to_pci_dev(dev), buf, len, "unlock",
				    &pci_tsm_devsec_rwsem,
				    __pci_tsm_unlock_by_name);
}
static DEVICE_ATTR_WO(unlock);

static ssize_t accept_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct pci_tsm *tsm;
	bool accepted;

	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	accepted = tsm && is_devsec_tsm(tsm->tsm_dev) &&
		   tsm->state == PCI_TSM_TDI_RUN;
	spin_unlock(&pci_tsm_ctx_lock);
	return sysfs_emit(buf, "%d\n", accepted);
}

static int pci_tsm_accept(struct pci_dev *pdev, const char *buf)
{
	bool accept;

	if (kstrtobool(buf, &accept) || !accept)
		return -EINVAL;
	return __pci_tsm_accept(pdev);
}

static ssize_t accept_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t len)
{
	return pci_tsm_store_locked(to_pci_dev(dev), buf, len, "accept",
				    &pci_tsm_devsec_rwsem,
				    pci_tsm_accept);
}
static DEVICE_ATTR_RW(accept);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	int rc;

	rc = pci_tsm_op_lock(dev, &pci_tsm_devsec_rwsem);
	if (rc)
		return rc;
	rc = __pci_tsm_state(pdev);
	pci_tsm_op_unlock(dev, &pci_tsm_devsec_rwsem);
	if (rc < 0)
		return rc;
	return sysfs_emit(buf, "%s\n", pci_tsm_state_names[rc]);
}
static DEVICE_ATTR_RO(state);

/* Evidence generations, never reused */
static atomic64_t pci_tsm_generation;

/**
 * pci_tsm_evidence_set() - publish (or withdraw) one kind of evidence
 * @tsm: context of the function the evidence describes
 * @type: kind of evidence
 * @data: kvmalloc()ed blob, owned by the core from now on; %NULL to
 *	  withdraw the evidence of @type
 * @len: size of @data in bytes
 *
 * Replaces the previous blob of @type, which is freed, and gives the
 * context a new evidence generation.  The blobs are readable through the
 * function's tsm/ sysfs directory until the context goes away.
 *
 * Context: process context; the backend calls it from its operations on
 * the function's DSM.
 */
void pci_tsm_evidence_set(struct pci_tsm *tsm,
			  enum pci_tsm_evidence_type type, void *data,
			  size_t len)
{
	void *old;

	if (WARN_ON(type >= PCI_TSM_EVIDENCE_MAX)) {
		kvfree(data);
		return;
	}
	spin_lock(&pci_tsm_ctx_lock);
	old = tsm->evidence[type].data;
	if (old || data)
		tsm->generation = atomic64_inc_return(&pci_tsm_generation);
	tsm->evidence[type].data = data;
	tsm->evidence[type].len = data ? len : 0;
	spin_unlock(&pci_tsm_ctx_lock);
	kvfree(old);
}
EXPORT_SYMBOL_GPL(pci_tsm_evidence_set);

/**
 * pci_tsm_evidence_clear() - withdraw all evidence of a context
 * @tsm: context
 *
 * Context: process context.  The core calls it before a context is freed.
 */
void pci_tsm_evidence_clear(struct pci_tsm *tsm)
{
	int i;

	for (i = 0; i < PCI_TSM_EVIDENCE_MAX; i++)
		pci_tsm_evidence_set(tsm, i, NULL, 0);
}
EXPORT_SYMBOL_GPL(pci_tsm_evidence_clear);

static ssize_t pci_tsm_evidence_read(struct kobject *kobj,
				     enum pci_tsm_evidence_type type,
				     char *buf, loff_t off, size_t count)
{
	struct pci_dev *pdev = to_pci_dev(kobj_to_dev(kobj));
	struct pci_tsm_evidence *e;
	struct pci_tsm *tsm;
	ssize_t rc = 0;

	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	if (tsm) {
		e = &tsm->evidence[type];
		if (off < e->len) {
			rc = min_t(size_t, count, e->len - off);
			memcpy(buf, e->data + off, rc);
		}
	}
	spin_unlock(&pci_tsm_ctx_lock);
	return rc;
}

static ssize_t certs_read(struct file *file, struct kobject *kobj,
			  struct bin_attribute *attr, char *buf, loff_t off,
			  size_t count)
{
	return pci_tsm_evidence_read(kobj, PCI_TSM_EVIDENCE_CERTS, buf, off,
				     count);
}
static BIN_ATTR_RO(certs, 0);

static ssize_t measurements_read(struct file *file, struct kobject *kobj,
				 struct bin_attribute *attr, char *buf,
				 loff_t off, size_t count)
{
	return pci_tsm_evidence_read(kobj, PCI_TSM_EVIDENCE_MEASUREMENTS, buf,
				     off, count);
}

static int __pci_tsm_measure(struct pci_dev *pdev, const u8 *nonce)
{
	struct pci_tsm *tsm = pdev->tsm;
	const struct pci_tsm_ops *ops;

	if (!tsm || !pci_tsm_is_connected(tsm))
		return -ENXIO;
	ops = tsm->tsm_dev->pci_ops;
	if (!ops->measure)
		return -EOPNOTSUPP;
	return ops->measure(pdev, nonce);
}

/* Writing a nonce asks for fresh measurements signed over it. */
static ssize_t measurements_write(struct file *file, struct kobject *kobj,
				  struct bin_attribute *attr, char *buf,
				  loff_t off, size_t count)
{
	struct pci_dev *pdev = to_pci_dev(kobj_to_dev(kobj));
	int rc;

	if (off || count != PCI_TSM_NONCE_SIZE)
		return -EINVAL;
	rc = pci_tsm_op_lock(&pdev->dev, &pci_tsm_link_rwsem);
	if (rc)
		return rc;
	rc = __pci_tsm_measure(pdev, buf);
	pci_tsm_op_unlock(&pdev->dev, &pci_tsm_link_rwsem);
	return rc ?: count;
}
static BIN_ATTR_RW(measurements, 0);

static ssize_t report_read(struct file *file, struct kobject *kobj,
			   struct bin_attribute *attr, char *buf, loff_t off,
			   size_t count)
{
	return pci_tsm_evidence_read(kobj, PCI_TSM_EVIDENCE_REPORT, buf, off,
				     count);
}
static BIN_ATTR_RO(report, 0);

static ssize_t evidence_generation_show(struct device *dev,
					struct device_attribute *attr,
					char *buf)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct pci_tsm *tsm;
	ssize_t rc;

	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	rc = sysfs_emit(buf, "%llu\n", tsm ? tsm->generation : 0);
	spin_unlock(&pci_tsm_ctx_lock);
	return rc;
}
static DEVICE_ATTR_RO(evidence_generation);

static struct bin_attribute *pci_tsm_bin_attrs[] = {
	&bin_attr_certs,
	&bin_attr_measurements,
	&bin_attr_report,
	NULL
};

static struct attribute *pci_tsm_attrs[] = {
	&dev_attr_connect.attr,
	&dev_attr_disconnect.attr,
	&dev_attr_reset_policy.attr,
	&dev_attr_ide_refresh.attr,
	&dev_attr_ide_refresh_interval.attr,
	&dev_attr_dsm.attr,
	&dev_attr_bound.attr,
	&dev_attr_lock.attr,
	&dev_attr_unlock.attr,
	&dev_attr_accept.attr,
	&dev_attr_state.attr,
	&dev_attr_evidence_generation.attr,
	NULL
};

static bool pci_tsm_link_visible(void)
{
	return READ_ONCE(pci_tsm_nr_link);
}

static bool pci_tsm_devsec_visible(struct pci_dev *pdev)
{
	return READ_ONCE(pci_tsm_nr_devsec) && pci_tsm_has_tee(pdev);
}

static umode_t pci_tsm_attr_visible(struct kobject *kobj, struct attribute *a,
				    int n)
{
	struct pci_dev *pdev = to_pci_dev(kobj_to_dev(kobj));

	if (a == &dev_attr_connect.attr || a == &dev_attr_disconnect.attr ||
	    a == &dev_attr_reset_policy.attr ||
	    a == &dev_attr_ide_refresh.attr ||
	    a == &dev_attr_ide_refresh_interval.attr) {
		if (pci_tsm_link_visible() && is_pci_tsm_pf0(pdev))
			return a->mode;
		return 0;
	}

	if (a == &dev_attr_evidence_generation.attr &&
	    pci_tsm_devsec_visible(pdev))
		return a->mode;

	if (a == &dev_attr_dsm.attr || a == &dev_attr_bound.attr ||
	    a == &dev_attr_evidence_generation.attr) {
		if (!pci_tsm_link_visible())
			return 0;
		if (is_pci_tsm_pf0(pdev) &&
		    (a == &dev_attr_dsm.attr || pci_tsm_has_tee(pdev)))
			return a->mode;
		if (pci_tsm_is_tee_dependent(pdev))
			return a->mode;
		return 0;
	}

	/* lock, unlock, accept, state */
	if (pci_tsm_devsec_visible(pdev))
		return a->mode;
	return 0;
}

static bool pci_tsm_group_visible(struct kobject *kobj)
{
	struct pci_dev *pdev = to_pci_dev(kobj_to_dev(kobj));

	if (pci_tsm_devsec_visible(pdev))
		return true;
	if (!pci_tsm_link_visible())
		return false;
	return is_pci_tsm_pf0(pdev) || pci_tsm_is_tee_dependent(pdev);
}

DEFINE_SYSFS_GROUP_VISIBLE(pci_tsm);

/*
 * certs and measurements on DSMs, report where bound is (link) and where
 * lock is (devsec)
 */
static umode_t pci_tsm_bin_attr_visible(struct kobject *kobj,
					struct bin_attribute *a, int n)
{
	struct pci_dev *pdev = to_pci_dev(kobj_to_dev(kobj));

	if (a == &bin_attr_report && pci_tsm_devsec_visible(pdev))
		return a->attr.mode;
	if (!pci_tsm_link_visible())
		return 0;
	if (a == &bin_attr_report)
		return (is_pci_tsm_pf0(pdev) && pci_tsm_has_tee(pdev)) ||
		       pci_tsm_is_tee_dependent(pdev) ? a->attr.mode : 0;
	return is_pci_tsm_pf0(pdev) ? a->attr.mode : 0;
}

const struct attribute_group pci_tsm_attr_group = {
	.name = "tsm",
	.attrs = pci_tsm_attrs,
	.bin_attrs = pci_tsm_bin_attrs,
	.is_visible = SYSFS_GROUP_VISIBLE(pci_tsm),
	.is_bin_visible = pci_tsm_bin_attr_visible,
};

static ssize_t authenticated_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return connect_show(dev, attr, buf);
}
static DEVICE_ATTR_RO(authenticated);

static struct attribute *pci_tsm_auth_attrs[] = {
	&dev_attr_authenticated.attr,
	NULL
};

static umode_t pci_tsm_auth_attr_visible(struct kobject *kobj,
					 struct attribute *a, int n)
{
	struct pci_dev *pdev = to_pci_dev(kobj_to_dev(kobj));

	if (pci_tsm_link_visible() && is_pci_tsm_pf0(pdev))
		return a->mode;
	return 0;
}

const struct attribute_group pci_tsm_auth_attr_group = {
	.attrs = pci_tsm_auth_attrs,
	.is_visible = pci_tsm_auth_attr_visible,
};

/* Show or hide the verbs of every device after a TSM (un)registration */
static void pci_tsm_update_visibility(void)
{
	struct pci_dev *pdev = NULL;

	guard(mutex)(&pci_tsm_sysfs_lock);
	for_each_pci_dev(pdev) {
		/* Fails only for a device that is not (or no longer) in sysfs */
		if (sysfs_update_group(&pdev->dev.kobj, &pci_tsm_attr_group) ||
		    sysfs_update_group(&pdev->dev.kobj,
				       &pci_tsm_auth_attr_group))
			pci_dbg(pdev, "attributes not updated\n");
	}
}

/**
 * pci_tsm_register() - make a TSM's PCI operations available
 * @tsm_dev: TSM, with operations of exactly one role
 *
 * Called by tsm_register().  Shows the verbs of the TSM's role on the
 * devices that support it.
 *
 * Context: process context, see tsm_register().
 *
 * Return: 0 or -ENOMEM.
 */
int pci_tsm_register(struct tsm_dev *tsm_dev)
{
	int rc;

	scoped_guard(rwsem_write, pci_tsm_role_rwsem(tsm_dev)) {
		rc = xa_insert(&pci_tsm_devs, tsm_dev->id, tsm_dev, GFP_KERNEL);
		if (rc)
			return rc;
		if (is_link_tsm(tsm_dev))
			WRITE_ONCE(pci_tsm_nr_link, pci_tsm_nr_link + 1);
		else
			WRITE_ONCE(pci_tsm_nr_devsec, pci_tsm_nr_devsec + 1);
	}

	pci_tsm_update_visibility();
	return 0;
}

/**
 * pci_tsm_unregister() - withdraw a TSM's PCI operations
 * @tsm_dev: TSM registered with pci_tsm_register()
 *
 * Called by tsm_unregister().  Tears down every context of @tsm_dev
 * (unbind, disconnect or unlock, remove) and hides the verbs of its role
 * if it was the last TSM of that role.
 *
 * Context: process context, see tsm_register().
 */
void pci_tsm_unregister(struct tsm_dev *tsm_dev)
{
	struct rw_semaphore *rwsem = pci_tsm_role_rwsem(tsm_dev);
	struct pci_dev *pdev = NULL;

	scoped_guard(rwsem_write, rwsem) {
		if (WARN_ON(xa_erase(&pci_tsm_devs, tsm_dev->id) != tsm_dev))
			return;
		if (is_link_tsm(tsm_dev))
			WRITE_ONCE(pci_tsm_nr_link, pci_tsm_nr_link - 1);
		else
			WRITE_ONCE(pci_tsm_nr_devsec, pci_tsm_nr_devsec - 1);

		for_each_pci_dev(pdev)
			pci_tsm_teardown(pdev, tsm_dev, rwsem);
	}

	pci_tsm_update_visibility();
}

/**
 * pci_tsm_pf0_constructor() - initialise the link context of a DSM
 * @pdev: the DSM function (see is_pci_tsm_pf0())
 * @tsm: context to initialise, embedded in the backend's structure
 * @tsm_dev: the link TSM that creates the context
 *
 * For &pci_tsm_ops.probe of a DSM.  Finds the DSM's CMA/SPDM DOE mailbox.
 *
 * Return: 0, -EINVAL if @pdev cannot be a DSM or @tsm_dev is not a link
 * TSM, -ENXIO if @pdev has no CMA/SPDM DOE mailbox.
 */
int pci_tsm_pf0_constructor(struct pci_dev *pdev, struct pci_tsm_pf0 *tsm,
			    struct tsm_dev *tsm_dev)
{
	struct pci_doe_mb *doe_mb;

	if (!is_link_tsm(tsm_dev) || !is_pci_tsm_pf0(pdev))
		return -EINVAL;

	doe_mb = pci_find_doe_mailbox(pdev, PCI_VENDOR_ID_PCI_SIG,
				      PCI_DOE_FEATURE_CMA);
	if (!doe_mb) {
		pci_dbg(pdev, "no CMA/SPDM DOE mailbox\n");
		return -ENXIO;
	}

	*tsm = (struct pci_tsm_pf0) {
		.base_tsm = {
			.pdev = pdev,
			.dsm_dev = pdev,
			.tsm_dev = tsm_dev,
		},
		.doe_mb = doe_mb,
	};
	INIT_DELAYED_WORK(&tsm->refresh_work, pci_tsm_refresh_work);
	return 0;
}
EXPORT_SYMBOL_GPL(pci_tsm_pf0_constructor);

/**
 * pci_tsm_link_constructor() - initialise the link context of a dependent
 * @pdev: a function that depends on a DSM but is not one
 * @tsm: context to initialise, embedded in the backend's structure
 * @tsm_dev: the link TSM that creates the context
 *
 * For &pci_tsm_ops.probe of the other functions of a connected DSM's
 * device and its VFs.
 *
 * Return: 0, or -EINVAL if @pdev has no DSM or is one, or @tsm_dev is not
 * a link TSM.
 */
int pci_tsm_link_constructor(struct pci_dev *pdev, struct pci_tsm *tsm,
			     struct tsm_dev *tsm_dev)
{
	struct pci_dev *dsm __free(pci_dev_put) = pci_tsm_find_dsm(pdev);

	if (!is_link_tsm(tsm_dev) || !dsm || dsm == pdev)
		return -EINVAL;

	*tsm = (struct pci_tsm) {
		.pdev = pdev,
		.dsm_dev = dsm,
		.tsm_dev = tsm_dev,
	};
	return 0;
}
EXPORT_SYMBOL_GPL(pci_tsm_link_constructor);

/**
 * pci_tsm_devsec_constructor() - initialise the context of a locked device
 * @pdev: the function being locked
 * @tsm: context to initialise, embedded in the backend's structure
 * @tsm_dev: the devsec TSM that creates the context
 *
 * For &pci_tsm_ops.lock.
 *
 * Return: 0, or -EINVAL if @tsm_dev is not a devsec TSM.
 */
int pci_tsm_devsec_constructor(struct pci_dev *pdev, struct pci_tsm *tsm,
			       struct tsm_dev *tsm_dev)
{
	if (!is_devsec_tsm(tsm_dev))
		return -EINVAL;

	*tsm = (struct pci_tsm) {
		.pdev = pdev,
		.dsm_dev = pdev,
		.tsm_dev = tsm_dev,
	};
	return 0;
}
EXPORT_SYMBOL_GPL(pci_tsm_devsec_constructor);

/**
 * pci_tsm_tdi_constructor() - initialise a bound interface
 * @pdev: the function of the interface
 * @tdi: interface to initialise, embedded in the backend's structure
 * @kvm: the VM the interface is bound to
 * @tdi_id: interface identifier chosen by the hypervisor
 *
 * For &pci_tsm_ops.bind.
 */
void pci_tsm_tdi_constructor(struct pci_dev *pdev, struct pci_tdi *tdi,
			     struct kvm *kvm, u32 tdi_id)
{
	*tdi = (struct pci_tdi) {
		.pdev = pdev,
		.kvm = kvm,
		.tdi_id = tdi_id,
	};
}
EXPORT_SYMBOL_GPL(pci_tsm_tdi_constructor);

/**
 * pci_tsm_doe_transfer() - exchange a data object with a connected DSM
 * @pdev: the DSM, with a link context (from &pci_tsm_ops.probe on)
 * @type: DOE data object type, %PCI_DOE_FEATURE_CMA or
 *	  %PCI_DOE_FEATURE_SSESSION
 * @req: request payload
 * @req_sz: size of @req in bytes
 * @resp: buffer for the response payload
 * @resp_sz: size of @resp in bytes
 *
 * Context: a link operation of @pdev (the core holds the DSM lock), may
 * sleep.
 *
 * Return: the size of the response in bytes or -errno; -ENXIO if @pdev has
 * no DSM context.
 */
int pci_tsm_doe_transfer(struct pci_dev *pdev, u8 type, const void *req,
			 size_t req_sz, void *resp, size_t resp_sz)
{
	struct pci_tsm_pf0 *tsm = to_pci_tsm_pf0(READ_ONCE(pdev->tsm));

	int rc;

	if (!tsm)
		return -ENXIO;
	rc = pci_doe(tsm->doe_mb, PCI_VENDOR_ID_PCI_SIG, type, req, req_sz,
		     resp, resp_sz);
	trace_tsm_doe(pdev, type, req_sz, rc);
	return rc;
}
EXPORT_SYMBOL_GPL(pci_tsm_doe_transfer);

static int __pci_tsm_bind(struct pci_dev *pdev, struct pci_dev *dsm,
			  struct kvm *kvm, u32 tdi_id)
{
	struct pci_tsm *tsm = pci_tsm_link_ctx(pdev, dsm);
	const struct pci_tsm_ops *ops;
	struct pci_tdi *tdi;

	if (!tsm)
		return -ENXIO;
	ops = tsm->tsm_dev->pci_ops;
	if (!ops->bind)
		return -EOPNOTSUPP;
	if (tsm->tdi)
		return -EBUSY;
	/*
	 * Bind serialises on the DSM's device lock, not on @pdev's: a reset
	 * of @pdev (or of its DSM) may be under way, and would wipe the
	 * interface right after it was locked
	 */
	if (pci_tsm_reset_pending(pdev) || pci_tsm_reset_pending(dsm)) {
		pci_dbg(pdev, "bind refused: a reset is under way\n");
		return -EBUSY;
	}

	tdi = ops->bind(pdev, kvm, tdi_id);
	if (IS_ERR(tdi))
		return PTR_ERR(tdi);
	if (WARN_ON(!tdi))
		return -ENXIO;

	spin_lock(&pci_tsm_ctx_lock);
	tsm->tdi = tdi;
	spin_unlock(&pci_tsm_ctx_lock);
	return 0;
}

/**
 * pci_tsm_bind() - bind an interface of a connected device to a VM
 * @pdev: function to bind: a connected DSM or a function depending on one
 * @kvm: the VM that will own the interface
 * @tdi_id: interface identifier chosen by the hypervisor
 *
 * Moves the interface to TDISP CONFIG_LOCKED for @kvm through the TSM.
 *
 * Context: process context, may sleep.  Must not be called with the
 * device lock of @pdev's DSM held.
 *
 * Return: 0; -EINVAL if @kvm is %NULL; -ENXIO if @pdev is not connected;
 * -EOPNOTSUPP if the TSM cannot bind; -EBUSY if already bound or while
 * @pdev or its DSM is being reset; -EINTR if interrupted; or an error of
 * the TSM.
 */
int pci_tsm_bind(struct pci_dev *pdev, struct kvm *kvm, u32 tdi_id)
{
	struct pci_dev *dsm __free(pci_dev_put) = pci_tsm_find_dsm(pdev);
	int rc;

	if (!kvm)
		return -EINVAL;
	if (!dsm)
		return -ENXIO;

	rc = pci_tsm_op_lock(&dsm->dev, &pci_tsm_link_rwsem);
	if (rc)
		return rc;
	trace_tsm_op_begin(pdev, "bind", 0);
	rc = __pci_tsm_bind(pdev, dsm, kvm, tdi_id);
	trace_tsm_op_end(pdev, "bind", rc);
	pci_tsm_op_unlock(&dsm->dev, &pci_tsm_link_rwsem);
	return rc;
}
EXPORT_SYMBOL_GPL(pci_tsm_bind);

/**
 * pci_tsm_unbind() - unbind an interface from its VM
 * @pdev: function bound with pci_tsm_bind()
 *
 * Stops the interface and frees it.  Nothing happens if @pdev is not
 * bound.
 *
 * Context: process context, may sleep; see pci_tsm_bind().
 */
void pci_tsm_unbind(struct pci_dev *pdev)
{
	struct pci_dev *dsm __free(pci_dev_put) = pci_tsm_find_dsm(pdev);
	struct pci_tsm *tsm;

	if (!dsm)
		return;

	device_lock(&dsm->dev);
	down_read(&pci_tsm_link_rwsem);
	tsm = pci_tsm_link_ctx(pdev, dsm);
	if (tsm && tsm->tdi) {
		trace_tsm_op_begin(pdev, "unbind", 0);
		__pci_tsm_unbind(tsm);
		trace_tsm_op_end(pdev, "unbind", 0);
	}
	up_read(&pci_tsm_link_rwsem);
	device_unlock(&dsm->dev);
}
EXPORT_SYMBOL_GPL(pci_tsm_unbind);

/* Start, or ask the state of, the bound interface of @pdev */
static int pci_tsm_tdi_op(struct pci_dev *pdev, bool start)
{
	struct pci_dev *dsm __free(pci_dev_put) = pci_tsm_find_dsm(pdev);
	const struct pci_tsm_ops *ops;
	struct pci_tsm *tsm;
	int rc;

	if (!dsm)
		return -ENXIO;

	rc = pci_tsm_op_lock(&dsm->dev, &pci_tsm_link_rwsem);
	if (rc)
		return rc;
	tsm = pci_tsm_link_ctx(pdev, dsm);
	if (!tsm || !tsm->tdi) {
		rc = -ENXIO;
		goto out;
	}
	ops = tsm->tsm_dev->pci_ops;
	if (start) {
		trace_tsm_op_begin(pdev, "tdi_start", 0);
		rc = ops->tdi_start ? ops->tdi_start(tsm->tdi) : -EOPNOTSUPP;
		trace_tsm_op_end(pdev, "tdi_start", rc);
	} else {
		rc = ops->tdi_state ? ops->tdi_state(tsm->tdi) : -EOPNOTSUPP;
	}
out:
	pci_tsm_op_unlock(&dsm->dev, &pci_tsm_link_rwsem);
	return rc;
}

/**
 * pci_tsm_tdi_start() - start a bound interface for its VM
 * @pdev: function bound with pci_tsm_bind()
 *
 * Moves the interface from TDISP CONFIG_LOCKED to RUN, when the VM that
 * owns it accepted it.
 *
 * Context: process context, may sleep; see pci_tsm_bind().
 *
 * Return: 0; -ENXIO if @pdev is not bound; -EOPNOTSUPP if the TSM cannot
 * start interfaces; -EINTR if interrupted; or an error of the TSM.
 */
int pci_tsm_tdi_start(struct pci_dev *pdev)
{
	return pci_tsm_tdi_op(pdev, true);
}
EXPORT_SYMBOL_GPL(pci_tsm_tdi_start);

/**
 * pci_tsm_tdi_state() - TDISP state of a bound interface
 * @pdev: function bound with pci_tsm_bind()
 *
 * Asks the device, through the TSM, for the state of the interface.
 *
 * Context: process context, may sleep; see pci_tsm_bind().
 *
 * Return: the state (&enum pci_tsm_tdi_state); -ENXIO if @pdev is not
 * bound; -EOPNOTSUPP if the TSM cannot tell; -EINTR if interrupted; or an
 * error of the TSM.
 */
int pci_tsm_tdi_state(struct pci_dev *pdev)
{
	return pci_tsm_tdi_op(pdev, false);
}
EXPORT_SYMBOL_GPL(pci_tsm_tdi_state);

/**
 * pci_tsm_evidence_get() - copy evidence of a function
 * @pdev: function with a TSM context
 * @type: kind of evidence
 * @buf: destination, may be %NULL when @len is 0
 * @len: size of @buf in bytes
 *
 * For a hypervisor that relays evidence, e.g. the interface report of a
 * bound function, to the VM that owns it.  Copies at most @len bytes.
 *
 * Context: any context that may take a spinlock.
 *
 * Return: the full size of the evidence (0 if there is none), or -ENXIO
 * if @pdev has no context, -EINVAL for a bad @type.
 */
ssize_t pci_tsm_evidence_get(struct pci_dev *pdev,
			     enum pci_tsm_evidence_type type, void *buf,
			     size_t len)
{
	struct pci_tsm *tsm;
	ssize_t rc;

	if (type >= PCI_TSM_EVIDENCE_MAX)
		return -EINVAL;
	spin_lock(&pci_tsm_ctx_lock);
	tsm = pdev->tsm;
	if (tsm) {
		rc = tsm->evidence[type].len;
		if (len && rc)
			memcpy(buf, tsm->evidence[type].data,
			       min_t(size_t, len, rc));
	} else {
		rc = -ENXIO;
	}
	spin_unlock(&pci_tsm_ctx_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(pci_tsm_evidence_get);

static ssize_t __pci_tsm_guest_req(struct pci_dev *pdev, struct pci_dev *dsm,
				   enum pci_tsm_req_scope scope,
				   sockptr_t req_in, size_t in_len,
				   sockptr_t req_out, size_t out_len,
				   u64 *tsm_code)
{
	struct pci_tsm *tsm = pci_tsm_link_ctx(pdev, dsm);
	const struct pci_tsm_ops *ops;

	if (!tsm || !tsm->tdi)
		return -ENXIO;
	ops = tsm->tsm_dev->pci_ops;
	if (!ops->guest_req)
		return -EOPNOTSUPP;
	return ops->guest_req(tsm->tdi, scope, req_in, in_len, req_out,
			      out_len, tsm_code);
}

/**
 * pci_tsm_guest_req() - pass a request of a VM through to the TSM
 * @pdev: function bound to the VM with pci_tsm_bind()
 * @scope: what the request may do (see &enum pci_tsm_req_scope)
 * @req_in: request of the VM
 * @in_len: size of @req_in in bytes
 * @req_out: buffer for the response
 * @out_len: size of @req_out in bytes
 * @tsm_code: TSM specific status of the request
 *
 * The request and the response are opaque to the core; the TSM checks
 * them against @scope.  As in mainline, requests outside the TDISP model
 * (the debug scopes) are refused.
 *
 * Context: process context, may sleep; see pci_tsm_bind().
 *
 * Return: the size of the response or -errno: -EINVAL for a debug or
 * unknown @scope, -ENXIO if @pdev is not bound, -EOPNOTSUPP if the TSM
 * takes no requests, -EINTR if interrupted.
 */
ssize_t pci_tsm_guest_req(struct pci_dev *pdev, enum pci_tsm_req_scope scope,
			  sockptr_t req_in, size_t in_len, sockptr_t req_out,
			  size_t out_len, u64 *tsm_code)
{
	struct pci_dev *dsm __free(pci_dev_put) = NULL;
	ssize_t rc;

	/* Nothing outside TDISP operation: no debug scope (mainline) */
	if (scope != PCI_TSM_REQ_INFO && scope != PCI_TSM_REQ_STATE_CHANGE)
		return -EINVAL;
	dsm = pci_tsm_find_dsm(pdev);
	if (!dsm)
		return -ENXIO;

	rc = pci_tsm_op_lock(&dsm->dev, &pci_tsm_link_rwsem);
	if (rc)
		return rc;
	rc = __pci_tsm_guest_req(pdev, dsm, scope, req_in, in_len, req_out,
				 out_len, tsm_code);
	pci_tsm_op_unlock(&dsm->dev, &pci_tsm_link_rwsem);
	return rc;
}
EXPORT_SYMBOL_GPL(pci_tsm_guest_req);
