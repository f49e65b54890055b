// SPDX-License-Identifier: GPL-2.0
/*
 * User-space bridge of the emulated TEE-IO platform (test only).  The ABI
 * is described in tsm-emu-bridge.h.
 *
 * Model side (/dev/tsm_emu_model, one opener): while it is open the bridge
 * is the DOE responder of every instance tsm_emu created at load (one per
 * emulated host bridge, tsm_emu_default_nth()), registered with
 * tsm_emu_doe_responder_register_raw().  The responder runs in process
 * context (a tsm_emu work item); it queues each request as a
 * %TSM_BRIDGE_DOE_REQ message with a fresh tag and waits, at most
 * @rsp_timeout_ms (module parameter, 900 ms by default: below the 1 s the
 * kernel DOE core gives a response), for the %TSM_BRIDGE_DOE_RSP carrying
 * that tag.  The answer is a complete data object whose header is passed
 * to the mailbox as it is, so that a model can answer with a bad Length
 * and the DOE core sees it.  An answer with %TSM_BRIDGE_F_ERROR, a
 * request that is not answered in time and requests pending when the
 * file is closed make the responder fail, which sets DOE Error; the
 * requester (pci_doe()) then fails with -EIO.  A request that failed is
 * forgotten at once: an answer for it (or for a tag never issued) is
 * refused by write() with -ENOENT.  Tags are never reused.
 *
 * While the model side is open the bridge also watches configuration
 * writes and resets (tsm_emu_notifier_register()).  The notifier runs under
 * the emulation's raw spinlock inside the PCI config accessors: it takes
 * a preallocated event from a free list under the bridge's raw spinlock
 * and defers the reader wake-up to an irq_work, so it never allocates,
 * sleeps or takes a sleeping lock.  Write events are only generated for
 * functions whose last reported TDI state is CONFIG_LOCKED or RUN, reset
 * events for every function; if the
 * model does not read them fast enough and all %TSM_BRIDGE_NR_EVENTS are
 * queued, further events are dropped and counted (debugfs "stats").
 *
 * Host side (/dev/tsm_emu_host): %TSM_BRIDGE_IOC_DOE runs pci_doe() on a
 * DOE mailbox of an emulated function of those instances.  The
 * mailbox belongs to the struct pci_dev and is freed when the device is
 * removed, which a reference to the device does not prevent.  A PCI bus
 * notifier therefore takes a per-function rw_semaphore for writing when
 * an emulated device is deleted (before the PCI core frees its
 * mailboxes), and the ioctl holds it for reading around the lookup and
 * the exchange.  An exchange is bounded by the DOE core's timeout, so
 * removal waits at most that long.  No device lock is taken: a TSM may
 * hold the DSM's device lock while it waits for a user-space firmware
 * model that uses this very ioctl.
 *
 * Locking, outermost first:
 *   1. tsm_bridge_fn.rwsem (host DOE exchange vs. device removal);
 *   2. tsm_bridge.read_lock (serialises readers of /dev/tsm_emu_model);
 *   3. the lock of a tsm_emu instance (raw; the notifier of
 *      that instance runs under it; two instance locks never nest);
 *   4. tsm_bridge.lock (raw spinlock): the message queue, the pending
 *      requests, the event pool, the TDI states, the counters and
 *      @connected.  Nothing that sleeps or calls into tsm_emu is done
 *      under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/bitops.h>
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/wait.h>

#include "tsm-emu.h"
#include "tsm-emu-bridge.h"

/* Queued configuration write events at most */
#define TSM_BRIDGE_NR_EVENTS	256
#define TSM_BRIDGE_HDR_SZ	sizeof(struct tsm_bridge_hdr)
#define TSM_BRIDGE_MSG_MAX	(TSM_BRIDGE_HDR_SZ + TSM_BRIDGE_MAX_PAYLOAD)
#define TSM_BRIDGE_DOE_HDR_SZ	(2 * sizeof(u32))
#define TSM_BRIDGE_MAX_TIMEOUT	10000

/* TDISP interface states (struct tsm_bridge_tdi_state.state) */
#define TSM_BRIDGE_TDI_UNLOCKED	0
#define TSM_BRIDGE_TDI_LOCKED	1
#define TSM_BRIDGE_TDI_RUN	2
#define TSM_BRIDGE_TDI_ERROR	3

static unsigned int rsp_timeout_ms = 900;
module_param(rsp_timeout_ms, uint, 0644);
MODULE_PARM_DESC(rsp_timeout_ms,
		 "Time the model has to answer a DOE request, 1-10000 ms (default 900, below the DOE core's 1 s)");

/**
 * struct tsm_bridge_msg - a message queued for the model
 * @node: entry in &tsm_bridge.queue, or in &tsm_bridge.free_ev for an
 *	unused event
 * @hdr: message header
 * @payload: @hdr.len bytes of payload
 */
struct tsm_bridge_msg {
	struct list_head node;
	struct tsm_bridge_hdr hdr;
	const void *payload;
};

/**
 * struct tsm_bridge_req - a DOE request waiting for the model's answer
 * @msg: its %TSM_BRIDGE_DOE_REQ message, unlinked from the queue once read
 * @pnode: entry in &tsm_bridge.pending until answered, failed or timed out
 * @done: completed when answered or failed
 * @rc: 0 while pending or once answered, else why it failed
 * @rsp: the answer (header and payload, from write()), owned by the
 *	request once set
 * @obj: the request data object, DOE header included
 *
 * The request lives on the responder's side: the responder allocates it,
 * unlinks it from every list under &tsm_bridge.lock when it stops waiting
 * and frees it.  Everything else only touches it under that lock.
 */
struct tsm_bridge_req {
	struct tsm_bridge_msg msg;
	struct list_head pnode;
	struct completion done;
	int rc;
	void *rsp;
	u8 obj[];
};

/**
 * struct tsm_bridge_event - a configuration write or reset event
 * @msg: its %TSM_BRIDGE_CFG_WRITE or %TSM_BRIDGE_RESET message
 * @cw: payload of a %TSM_BRIDGE_CFG_WRITE
 * @reset: payload of a %TSM_BRIDGE_RESET
 */
struct tsm_bridge_event {
	struct tsm_bridge_msg msg;
	union {
		struct tsm_bridge_cfg_write cw;
		struct tsm_bridge_reset reset;
	};
};

/**
 * struct tsm_bridge_fn - bridge state of one emulated function
 * @fn: the function
 * @domain: its PCI domain
 * @rid: its Requester ID
 * @tdi_state: last TDI state reported by the model (&tsm_bridge.lock)
 * @rwsem: held for reading by host DOE exchanges, for writing while the
 *	function's struct pci_dev is deleted
 * @gone: struct pci_dev being or having been deleted (under @rwsem); only
 *	compared, never dereferenced
 * @bridge: the bridge
 */
struct tsm_bridge_fn {
	struct tsm_emu_fn *fn;
	u32 domain;
	u16 rid;
	u8 tdi_state;
	struct rw_semaphore rwsem;
	struct pci_dev *gone;
	struct tsm_bridge *bridge;
};

/**
 * struct tsm_bridge_stats - counters, shown in debugfs
 * @requests: DOE requests queued for the model
 * @answers: answers delivered to the mailbox
 * @errors: answers with %TSM_BRIDGE_F_ERROR
 * @timeouts: requests not answered in time
 * @aborted: requests failed because the model side was closed
 * @unknown_tag: answers refused because no request had their tag
 * @events: configuration write and reset events queued
 * @dropped: events dropped (queue full)
 */
struct tsm_bridge_stats {
	u64 requests;
	u64 answers;
	u64 errors;
	u64 timeouts;
	u64 aborted;
	u64 unknown_tag;
	u64 events;
	u64 dropped;
};

/**
 * struct tsm_bridge - the bridge (one per module)
 * @emus: the tsm_emu instances created at load
 * @nr_emus: entries in @emus
 * @nr_fns: entries in @fns
 * @fns: every function of @emus
 * @busy: bit 0 set while /dev/tsm_emu_model is open
 * @lock: see the locking rules at the top of the file
 * @connected: the model side is open and accepts requests and events
 * @next_tag: last tag issued
 * @queue: messages not read yet
 * @pending: requests not answered yet
 * @free_ev: unused entries of @events
 * @stats: counters
 * @rwait: readers and pollers of /dev/tsm_emu_model
 * @wake: wakes @rwait for events queued in atomic context
 * @read_lock: serialises readers, protects @rbuf
 * @rbuf: bounce buffer of one message
 * @nb: PCI bus notifier (device removal)
 * @dbg: debugfs directory
 * @events: configuration write and reset event pool
 */
struct tsm_bridge {
	struct tsm_emu *emus[TSM_EMU_MAX_DEFAULT];
	unsigned int nr_emus;
	unsigned int nr_fns;
	struct tsm_bridge_fn *fns;
	unsigned long busy;
	raw_spinlock_t lock;
	bool connected;
	u64 next_tag;
	struct list_head queue;
	struct list_head pending;
	struct list_head free_ev;
	struct tsm_bridge_stats stats;
	wait_queue_head_t rwait;
	struct irq_work wake;
	struct mutex read_lock;	/* serialises readers, protects @rbuf */
	u8 *rbuf;
	struct notifier_block nb;
	struct dentry *dbg;
	struct tsm_bridge_event events[TSM_BRIDGE_NR_EVENTS];
};

static struct tsm_bridge *tsm_bridge;

static struct tsm_bridge_fn *tsm_bridge_fn_by_emu(struct tsm_bridge *b,
						  struct tsm_emu_fn *fn)
{
	unsigned int i;

	for (i = 0; i < b->nr_fns; i++)
		if (b->fns[i].fn == fn)
			return &b->fns[i];
	return NULL;
}

static struct tsm_bridge_fn *tsm_bridge_fn_by_rid(struct tsm_bridge *b,
						  u32 domain, u16 rid)
{
	unsigned int i;

	for (i = 0; i < b->nr_fns; i++)
		if (b->fns[i].domain == domain && b->fns[i].rid == rid)
			return &b->fns[i];
	return NULL;
}

static void tsm_bridge_wake(struct tsm_bridge *b)
{
	wake_up_interruptible_poll(&b->rwait, EPOLLIN | EPOLLRDNORM);
}

static void tsm_bridge_wake_work(struct irq_work *work)
{
	tsm_bridge_wake(container_of(work, struct tsm_bridge, wake));
}

static bool tsm_bridge_queued(struct tsm_bridge *b)
{
	unsigned long flags;
	bool queued;

	raw_spin_lock_irqsave(&b->lock, flags);
	queued = !list_empty(&b->queue);
	raw_spin_unlock_irqrestore(&b->lock, flags);
	return queued;
}

/* tsm_emu DOE responder: hand the request to the model, wait for it */
static ssize_t tsm_bridge_doe_respond(struct tsm_emu_fn *fn, void *data,
				      u16 vendor, u8 type, const void *req,
				      size_t req_sz, void *rsp, size_t rsp_sz)
{
	size_t obj_sz = TSM_BRIDGE_DOE_HDR_SZ + req_sz;
	struct tsm_bridge *b = data;
	const struct tsm_bridge_hdr *ans;
	struct tsm_bridge_req *r;
	struct tsm_bridge_fn *bf;
	unsigned int timeout;
	ssize_t rc;

	bf = tsm_bridge_fn_by_emu(b, fn);
	if (!bf)
		return -ENODEV;
	if (obj_sz > TSM_BRIDGE_MAX_PAYLOAD || req_sz % sizeof(u32))
		return -EINVAL;

	r = kzalloc(struct_size(r, obj, obj_sz), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	/* The complete object as the requester wrote it to the mailbox */
	put_unaligned_le32(FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_1_VID, vendor) |
			   FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_1_TYPE, type),
			   r->obj);
	put_unaligned_le32(FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH,
				      obj_sz / sizeof(u32)),
			   r->obj + sizeof(u32));
	memcpy(r->obj + TSM_BRIDGE_DOE_HDR_SZ, req, req_sz);
	r->msg.hdr.type = TSM_BRIDGE_DOE_REQ;
	r->msg.hdr.len = obj_sz;
	r->msg.hdr.domain = bf->domain;
	r->msg.hdr.rid = bf->rid;
	r->msg.payload = r->obj;
	init_completion(&r->done);

	raw_spin_lock_irq(&b->lock);
	if (!b->connected) {
		raw_spin_unlock_irq(&b->lock);
		kfree(r);
		return -ENODEV;
	}
	r->msg.hdr.tag = ++b->next_tag;
	list_add_tail(&r->msg.node, &b->queue);
	list_add_tail(&r->pnode, &b->pending);
	b->stats.requests++;
	raw_spin_unlock_irq(&b->lock);
	tsm_bridge_wake(b);

	timeout = clamp(READ_ONCE(rsp_timeout_ms), 1U, TSM_BRIDGE_MAX_TIMEOUT);
	wait_for_completion_timeout(&r->done, msecs_to_jiffies(timeout));

	raw_spin_lock_irq(&b->lock);
	/* Still queued if the model never read it */
	list_del_init(&r->msg.node);
	if (!r->rsp && !r->rc) {
		r->rc = -ETIMEDOUT;
		b->stats.timeouts++;
	}
	list_del_init(&r->pnode);
	raw_spin_unlock_irq(&b->lock);

	if (r->rc) {
		rc = r->rc;
	} else {
		ans = r->rsp;
		if (ans->flags & TSM_BRIDGE_F_ERROR) {
			rc = -EIO;
		} else if (ans->len > rsp_sz) {
			rc = -EOVERFLOW;
		} else {
			memcpy(rsp, ans + 1, ans->len);
			rc = ans->len;
		}
	}
	kfree(r->rsp);
	kfree(r);
	return rc;
}

/*
 * Queue an event of @type about @bf with @len bytes of payload, filled in
 * by the caller in the event returned, or NULL if the model side is not
 * open or every event is queued already (counted as dropped).  Called
 * with &tsm_bridge.lock held, from the notifier (atomic context, see the
 * top of the file).
 */
static struct tsm_bridge_event *tsm_bridge_event_add(struct tsm_bridge *b,
						     struct tsm_bridge_fn *bf,
						     u16 type, u32 len)
{
	struct tsm_bridge_event *ev;

	lockdep_assert_held(&b->lock);
	if (!b->connected)
		return NULL;
	ev = list_first_entry_or_null(&b->free_ev, struct tsm_bridge_event,
				      msg.node);
	if (!ev) {
		b->stats.dropped++;
		pr_warn_ratelimited("%s: event %#x dropped\n",
				    tsm_emu_fn_name(bf->fn), type);
		return NULL;
	}
	ev->msg.hdr = (struct tsm_bridge_hdr) {
		.type = type,
		.len = len,
		.domain = bf->domain,
		.rid = bf->rid,
	};
	list_move_tail(&ev->msg.node, &b->queue);
	b->stats.events++;
	return ev;
}

/* tsm_emu notifier: configuration write to a watched register */
static void tsm_bridge_cfg_write(struct tsm_emu_fn *fn, void *data,
				 unsigned int where, unsigned int size,
				 u32 old, u32 val)
{
	struct tsm_bridge *b = data;
	struct tsm_bridge_event *ev = NULL;
	struct tsm_bridge_fn *bf;
	unsigned long flags;

	bf = tsm_bridge_fn_by_emu(b, fn);
	if (!bf)
		return;

	raw_spin_lock_irqsave(&b->lock, flags);
	if (bf->tdi_state == TSM_BRIDGE_TDI_LOCKED ||
	    bf->tdi_state == TSM_BRIDGE_TDI_RUN)
		ev = tsm_bridge_event_add(b, bf, TSM_BRIDGE_CFG_WRITE,
					  sizeof(ev->cw));
	if (ev)
		ev->cw = (struct tsm_bridge_cfg_write) {
			.where = where,
			.size = size,
			.old = old,
			.val = val,
		};
	raw_spin_unlock_irqrestore(&b->lock, flags);
	if (ev)
		irq_work_queue(&b->wake);
}

/* tsm_emu notifier: a function was reset, whatever its TDI state */
static void tsm_bridge_reset(struct tsm_emu_fn *fn, void *data,
			     enum tsm_emu_reset_type type)
{
	struct tsm_bridge *b = data;
	struct tsm_bridge_event *ev;
	struct tsm_bridge_fn *bf;
	unsigned long flags;

	bf = tsm_bridge_fn_by_emu(b, fn);
	if (!bf)
		return;

	raw_spin_lock_irqsave(&b->lock, flags);
	ev = tsm_bridge_event_add(b, bf, TSM_BRIDGE_RESET, sizeof(ev->reset));
	if (ev)
		ev->reset = (struct tsm_bridge_reset) {
			.type = type == TSM_EMU_RESET_FLR ?
				TSM_BRIDGE_RESET_FLR :
				TSM_BRIDGE_RESET_CONVENTIONAL,
		};
	raw_spin_unlock_irqrestore(&b->lock, flags);
	if (ev)
		irq_work_queue(&b->wake);
}

static const struct tsm_emu_notifier_ops tsm_bridge_notifier = {
	.cfg_write = tsm_bridge_cfg_write,
	.reset = tsm_bridge_reset,
};

/*
 * Stop accepting requests and events, fail the pending requests, and
 * give the mailboxes back to the built-in responder.  Called on close and
 * when opening fails half-way: the first @nr_resp instances have the
 * bridge as responder, the first @nr_notif its notifier.
 */
static void tsm_bridge_disconnect(struct tsm_bridge *b, unsigned int nr_resp,
				  unsigned int nr_notif)
{
	struct tsm_bridge_req *r, *tmp;
	struct tsm_bridge_msg *m, *mtmp;
	unsigned int i;

	/* No notifier call is running once this returns */
	for (i = 0; i < nr_notif; i++)
		tsm_emu_notifier_unregister(b->emus[i]);

	raw_spin_lock_irq(&b->lock);
	b->connected = false;
	list_for_each_entry_safe(r, tmp, &b->pending, pnode) {
		list_del_init(&r->pnode);
		r->rc = -ENODEV;
		b->stats.aborted++;
		complete(&r->done);
	}
	raw_spin_unlock_irq(&b->lock);

	/*
	 * Waits for the responder calls still running; they were failed
	 * above or see !connected, so they return at once.
	 */
	for (i = 0; i < nr_resp; i++)
		tsm_emu_doe_responder_unregister(b->emus[i]);
	irq_work_sync(&b->wake);

	/* Only events can be left: the responders unlinked their requests */
	raw_spin_lock_irq(&b->lock);
	list_for_each_entry_safe(m, mtmp, &b->queue, node) {
		if (WARN_ON_ONCE(m->hdr.type != TSM_BRIDGE_CFG_WRITE &&
				 m->hdr.type != TSM_BRIDGE_RESET))
			list_del_init(&m->node);
		else
			list_move(&m->node, &b->free_ev);
	}
	raw_spin_unlock_irq(&b->lock);
}

static int tsm_bridge_model_open(struct inode *inode, struct file *file)
{
	struct tsm_bridge *b = tsm_bridge;
	unsigned int i, nr_resp, nr_notif = 0;
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (test_and_set_bit(0, &b->busy))
		return -EBUSY;

	/* A new model starts with every interface unlocked */
	raw_spin_lock_irq(&b->lock);
	for (i = 0; i < b->nr_fns; i++)
		b->fns[i].tdi_state = TSM_BRIDGE_TDI_UNLOCKED;
	b->connected = true;
	raw_spin_unlock_irq(&b->lock);

	for (nr_resp = 0; nr_resp < b->nr_emus; nr_resp++) {
		rc = tsm_emu_doe_responder_register_raw(b->emus[nr_resp],
							tsm_bridge_doe_respond,
							b);
		if (rc)
			goto err_disconnect;
	}
	for (; nr_notif < b->nr_emus; nr_notif++) {
		rc = tsm_emu_notifier_register(b->emus[nr_notif],
					       &tsm_bridge_notifier, b);
		if (rc)
			goto err_disconnect;
	}

	file->private_data = b;
	return stream_open(inode, file);

err_disconnect:
	tsm_bridge_disconnect(b, nr_resp, nr_notif);
	clear_bit(0, &b->busy);
	return rc;
}

static int tsm_bridge_model_release(struct inode *inode, struct file *file)
{
	struct tsm_bridge *b = file->private_data;

	tsm_bridge_disconnect(b, b->nr_emus, b->nr_emus);
	clear_bit(0, &b->busy);
	return 0;
}

static ssize_t tsm_bridge_model_read(struct file *file, char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	struct tsm_bridge *b = file->private_data;
	struct tsm_bridge_msg *m;
	ssize_t rc;
	size_t len;

	if (mutex_lock_interruptible(&b->read_lock))
		return -ERESTARTSYS;
	for (;;) {
		raw_spin_lock_irq(&b->lock);
		m = list_first_entry_or_null(&b->queue, struct tsm_bridge_msg,
					     node);
		if (m)
			break;
		raw_spin_unlock_irq(&b->lock);
		if (file->f_flags & O_NONBLOCK) {
			rc = -EAGAIN;
			goto out;
		}
		if (wait_event_interruptible(b->rwait, tsm_bridge_queued(b))) {
			rc = -ERESTARTSYS;
			goto out;
		}
	}

	len = TSM_BRIDGE_HDR_SZ + m->hdr.len;
	if (count < len) {
		raw_spin_unlock_irq(&b->lock);
		rc = -EINVAL;
		goto out;
	}
	/* The message may go away with the lock dropped: copy it */
	memcpy(b->rbuf, &m->hdr, TSM_BRIDGE_HDR_SZ);
	memcpy(b->rbuf + TSM_BRIDGE_HDR_SZ, m->payload, m->hdr.len);
	if (m->hdr.type == TSM_BRIDGE_CFG_WRITE ||
	    m->hdr.type == TSM_BRIDGE_RESET)
		list_move(&m->node, &b->free_ev);
	else
		list_del_init(&m->node);	/* the request stays pending */
	raw_spin_unlock_irq(&b->lock);

	if (copy_to_user(ubuf, b->rbuf, len))
		rc = -EFAULT;
	else
		rc = len;
out:
	mutex_unlock(&b->read_lock);
	return rc;
}

static __poll_t tsm_bridge_model_poll(struct file *file, poll_table *wait)
{
	struct tsm_bridge *b = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &b->rwait, wait);
	if (tsm_bridge_queued(b))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* Deliver the answer @msg (header and payload); takes ownership of @msg */
static int tsm_bridge_answer(struct tsm_bridge *b, struct tsm_bridge_hdr *msg)
{
	struct tsm_bridge_req *r;
	int rc = -ENOENT;

	raw_spin_lock_irq(&b->lock);
	list_for_each_entry(r, &b->pending, pnode) {
		if (r->msg.hdr.tag != msg->tag)
			continue;
		if (r->msg.hdr.domain != msg->domain ||
		    r->msg.hdr.rid != msg->rid) {
			rc = -EINVAL;
			break;
		}
		list_del_init(&r->pnode);
		r->rsp = msg;
		if (msg->flags & TSM_BRIDGE_F_ERROR)
			b->stats.errors++;
		else
			b->stats.answers++;
		complete(&r->done);
		rc = 0;
		break;
	}
	if (rc == -ENOENT)
		b->stats.unknown_tag++;
	raw_spin_unlock_irq(&b->lock);
	if (rc)
		kfree(msg);
	return rc;
}

static int tsm_bridge_check_rsp(const struct tsm_bridge_hdr *hdr)
{
	if (hdr->flags & ~TSM_BRIDGE_F_ERROR)
		return -EINVAL;
	if (hdr->flags & TSM_BRIDGE_F_ERROR)
		return hdr->len ? -EINVAL : 0;
	if (hdr->len < TSM_BRIDGE_DOE_HDR_SZ || hdr->len % sizeof(u32))
		return -EINVAL;
	return 0;
}

/* The device model speaks for IDE endpoints, not for the root ports */
static bool tsm_bridge_model_ide(struct tsm_bridge_fn *bf)
{
	unsigned int flags = tsm_emu_fn_flags(bf->fn);

	return !(flags & TSM_EMU_FN_ROOT_PORT) && (flags & TSM_EMU_FN_IDE);
}

static int tsm_bridge_ide_state(struct tsm_bridge_fn *bf,
				const struct tsm_bridge_ide_state *st)
{
	if (st->ready > 1 || st->reserved[0] || st->reserved[1] ||
	    !tsm_bridge_model_ide(bf))
		return -EINVAL;
	return tsm_emu_fn_ide_key_set(bf->fn, st->stream_id, st->ready);
}

static int tsm_bridge_check_key(const struct tsm_bridge_ide_key *k)
{
	if (k->key_set > 1 || k->go > 1 ||
	    (k->dir != TSM_BRIDGE_IDE_RX && k->dir != TSM_BRIDGE_IDE_TX))
		return -EINVAL;
	return 0;
}

static int tsm_bridge_ide_key(struct tsm_bridge_fn *bf,
			      const struct tsm_bridge_ide_key *k)
{
	if (tsm_bridge_check_key(k) || !tsm_bridge_model_ide(bf))
		return -EINVAL;
	return tsm_emu_fn_ide_key(bf->fn, k->stream_id, k->key_set, k->dir,
				  k->go, k->tag);
}

static int tsm_bridge_tdi_state(struct tsm_bridge *b, struct tsm_bridge_fn *bf,
				const struct tsm_bridge_tdi_state *st)
{
	unsigned int flags = tsm_emu_fn_flags(bf->fn);

	if (st->state > TSM_BRIDGE_TDI_ERROR ||
	    memchr_inv(st->reserved, 0, sizeof(st->reserved)))
		return -EINVAL;
	if ((flags & TSM_EMU_FN_ROOT_PORT) || !(flags & TSM_EMU_FN_TEE))
		return -EINVAL;
	raw_spin_lock_irq(&b->lock);
	bf->tdi_state = st->state;
	raw_spin_unlock_irq(&b->lock);
	return 0;
}

static ssize_t tsm_bridge_model_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct tsm_bridge *b = file->private_data;
	struct tsm_bridge_hdr *hdr;
	struct tsm_bridge_fn *bf;
	size_t want;
	int rc;

	if (count < TSM_BRIDGE_HDR_SZ || count > TSM_BRIDGE_MSG_MAX)
		return -EINVAL;
	hdr = memdup_user(ubuf, count);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);

	rc = -EINVAL;
	if (hdr->len != count - TSM_BRIDGE_HDR_SZ)
		goto out_free;
	switch (hdr->type) {
	case TSM_BRIDGE_DOE_RSP:
		rc = tsm_bridge_check_rsp(hdr);
		want = hdr->len;
		break;
	case TSM_BRIDGE_IDE_STATE:
		want = sizeof(struct tsm_bridge_ide_state);
		rc = 0;
		break;
	case TSM_BRIDGE_TDI_STATE:
		want = sizeof(struct tsm_bridge_tdi_state);
		rc = 0;
		break;
	case TSM_BRIDGE_IDE_KEY:
		want = sizeof(struct tsm_bridge_ide_key);
		rc = 0;
		break;
	default:
		goto out_free;
	}
	if (rc || hdr->len != want)
		goto out_free;
	rc = -EINVAL;
	if (hdr->type != TSM_BRIDGE_DOE_RSP && (hdr->flags || hdr->tag))
		goto out_free;

	rc = -ENODEV;
	bf = tsm_bridge_fn_by_rid(b, hdr->domain, hdr->rid);
	if (!bf)
		goto out_free;

	switch (hdr->type) {
	case TSM_BRIDGE_DOE_RSP:
		/* Takes ownership of hdr */
		rc = tsm_bridge_answer(b, hdr);
		return rc ? rc : count;
	case TSM_BRIDGE_IDE_STATE:
		rc = tsm_bridge_ide_state(bf, (void *)(hdr + 1));
		break;
	case TSM_BRIDGE_TDI_STATE:
		rc = tsm_bridge_tdi_state(b, bf, (void *)(hdr + 1));
		break;
	case TSM_BRIDGE_IDE_KEY:
		rc = tsm_bridge_ide_key(bf, (void *)(hdr + 1));
		break;
	}
out_free:
	kfree(hdr);
	return rc ? rc : count;
}

static long tsm_bridge_fn_info(struct tsm_bridge *b, void __user *arg)
{
	struct tsm_bridge_fn_info *info;
	struct tsm_bridge_fn *bf;
	unsigned int i;
	long rc = 0;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	if (copy_from_user(info, arg, offsetof(typeof(*info), flags))) {
		rc = -EFAULT;
		goto out;
	}
	bf = tsm_bridge_fn_by_rid(b, info->domain, info->rid);
	if (!bf) {
		rc = -ENODEV;
		goto out;
	}
	info->flags = tsm_emu_fn_flags(bf->fn);
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		info->bar_size[i] = tsm_emu_fn_bar_size(bf->fn, i);
	/* Dword by dword; configuration space is little-endian */
	for (i = 0; i < sizeof(info->config); i += sizeof(u32))
		put_unaligned_le32(tsm_emu_cfg_peek(bf->fn, i),
				   &info->config[i]);
	if (copy_to_user(arg, info, sizeof(*info)))
		rc = -EFAULT;
out:
	kfree(info);
	return rc;
}

static long tsm_bridge_model_ioctl(struct file *file, unsigned int cmd,
				   unsigned long arg)
{
	switch (cmd) {
	case TSM_BRIDGE_IOC_FN_INFO:
		return tsm_bridge_fn_info(file->private_data,
					  (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tsm_bridge_model_fops = {
	.owner = THIS_MODULE,
	.open = tsm_bridge_model_open,
	.release = tsm_bridge_model_release,
	.read = tsm_bridge_model_read,
	.write = tsm_bridge_model_write,
	.poll = tsm_bridge_model_poll,
	.unlocked_ioctl = tsm_bridge_model_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice tsm_bridge_model_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tsm_emu_model",
	.fops = &tsm_bridge_model_fops,
	.mode = 0600,
};

static int tsm_bridge_host_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	file->private_data = tsm_bridge;
	return stream_open(inode, file);
}

/*
 * One exchange with the mailbox of @bf's struct pci_dev.  Holding
 * @bf->rwsem keeps the device from being deleted (and its mailboxes from
 * being freed) until the exchange is over.
 */
static int tsm_bridge_host_xfer(struct tsm_bridge_fn *bf, u8 type,
				const void *req, size_t req_sz,
				void *rsp, size_t rsp_sz)
{
	struct pci_doe_mb *mb;
	struct pci_dev *pdev;
	int rc;

	if (down_read_killable(&bf->rwsem))
		return -EINTR;
	pdev = pci_get_domain_bus_and_slot(bf->domain, PCI_BUS_NUM(bf->rid),
					   bf->rid & 0xff);
	if (!pdev || pdev == bf->gone || tsm_emu_pdev_to_fn(pdev) != bf->fn) {
		rc = -ENODEV;
		goto out;
	}
	mb = pci_find_doe_mailbox(pdev, PCI_VENDOR_ID_PCI_SIG, type);
	if (!mb) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	rc = pci_doe(mb, PCI_VENDOR_ID_PCI_SIG, type, req, req_sz, rsp, rsp_sz);
out:
	pci_dev_put(pdev);
	up_read(&bf->rwsem);
	return rc;
}

static long tsm_bridge_host_doe(struct tsm_bridge *b, void __user *arg)
{
	struct tsm_bridge_doe d;
	struct tsm_bridge_fn *bf;
	size_t rsp_sz;
	void *req, *rsp;
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if (d.reserved || d.req_len % sizeof(u32) ||
	    d.req_len > TSM_BRIDGE_MAX_PAYLOAD - TSM_BRIDGE_DOE_HDR_SZ)
		return -EINVAL;
	/* No object is larger: the rest of a bigger buffer is never written */
	rsp_sz = min_t(size_t, d.rsp_len,
		       TSM_BRIDGE_MAX_PAYLOAD - TSM_BRIDGE_DOE_HDR_SZ);
	bf = tsm_bridge_fn_by_rid(b, d.domain, d.rid);
	if (!bf)
		return -ENODEV;

	req = memdup_user(u64_to_user_ptr(d.req_ptr), d.req_len);
	if (IS_ERR(req))
		return PTR_ERR(req);
	rsp = kzalloc(max_t(size_t, rsp_sz, 1), GFP_KERNEL);
	if (!rsp) {
		rc = -ENOMEM;
		goto out_req;
	}

	rc = tsm_bridge_host_xfer(bf, d.type, req, d.req_len, rsp, rsp_sz);
	if (rc < 0)
		goto out_rsp;
	d.rsp_len = rc;
	if (copy_to_user(u64_to_user_ptr(d.rsp_ptr), rsp, d.rsp_len) ||
	    copy_to_user(arg, &d, sizeof(d)))
		rc = -EFAULT;
	else
		rc = 0;
out_rsp:
	kfree(rsp);
out_req:
	kfree(req);
	return rc;
}

/* The root port @domain:@rid names, as the platform key ioctls need it */
static struct tsm_emu_fn *tsm_bridge_host_rp(struct tsm_bridge *b, u32 domain,
					     u16 rid)
{
	struct tsm_bridge_fn *bf = tsm_bridge_fn_by_rid(b, domain, rid);

	if (!bf)
		return ERR_PTR(-ENODEV);
	if (!(tsm_emu_fn_flags(bf->fn) & TSM_EMU_FN_ROOT_PORT))
		return ERR_PTR(-EINVAL);
	return bf->fn;
}

static long tsm_bridge_host_key_set(struct tsm_bridge *b, void __user *arg)
{
	struct tsm_bridge_key_set k;
	struct tsm_emu_fn *fn;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&k, arg, sizeof(k)))
		return -EFAULT;
	if (k.go > 1)
		return -EINVAL;
	fn = tsm_bridge_host_rp(b, k.domain, k.rid);
	if (IS_ERR(fn))
		return PTR_ERR(fn);
	return tsm_emu_fn_ide_key_set(fn, k.stream_id, k.go);
}

static long tsm_bridge_host_ide_key(struct tsm_bridge *b, void __user *arg)
{
	struct tsm_bridge_rp_key k;
	struct tsm_emu_fn *fn;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&k, arg, sizeof(k)))
		return -EFAULT;
	if (k.reserved || tsm_bridge_check_key(&k.key))
		return -EINVAL;
	fn = tsm_bridge_host_rp(b, k.domain, k.rid);
	if (IS_ERR(fn))
		return PTR_ERR(fn);
	return tsm_emu_fn_ide_key(fn, k.key.stream_id, k.key.key_set,
				  k.key.dir, k.key.go, k.key.tag);
}

static long tsm_bridge_host_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	struct tsm_bridge *b = file->private_data;

	switch (cmd) {
	case TSM_BRIDGE_IOC_DOE:
		return tsm_bridge_host_doe(b, (void __user *)arg);
	case TSM_BRIDGE_IOC_KEY_SET:
		return tsm_bridge_host_key_set(b, (void __user *)arg);
	case TSM_BRIDGE_IOC_IDE_KEY:
		return tsm_bridge_host_ide_key(b, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tsm_bridge_host_fops = {
	.owner = THIS_MODULE,
	.open = tsm_bridge_host_open,
	.unlocked_ioctl = tsm_bridge_host_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice tsm_bridge_host_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tsm_emu_host",
	.fops = &tsm_bridge_host_fops,
	.mode = 0600,
};

/* Device removal: see the top of the file */
static int tsm_bridge_pci_notify(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	struct tsm_bridge *b = container_of(nb, struct tsm_bridge, nb);
	struct pci_dev *pdev = to_pci_dev(data);
	struct tsm_bridge_fn *bf;

	if (action != BUS_NOTIFY_ADD_DEVICE && action != BUS_NOTIFY_DEL_DEVICE)
		return NOTIFY_DONE;
	bf = tsm_bridge_fn_by_emu(b, tsm_emu_pdev_to_fn(pdev));
	if (!bf)
		return NOTIFY_DONE;

	/* Waits for the running exchanges */
	down_write(&bf->rwsem);
	bf->gone = action == BUS_NOTIFY_DEL_DEVICE ? pdev : NULL;
	up_write(&bf->rwsem);
	return NOTIFY_OK;
}

static const char * const tsm_bridge_tdi_names[] = {
	[TSM_BRIDGE_TDI_UNLOCKED] = "CONFIG_UNLOCKED",
	[TSM_BRIDGE_TDI_LOCKED] = "CONFIG_LOCKED",
	[TSM_BRIDGE_TDI_RUN] = "RUN",
	[TSM_BRIDGE_TDI_ERROR] = "ERROR",
};

static int tsm_bridge_tdi_state_show(struct seq_file *s, void *unused)
{
	struct tsm_bridge_fn *bf = s->private;
	struct tsm_bridge *b = bf->bridge;
	u8 state;

	raw_spin_lock_irq(&b->lock);
	state = bf->tdi_state;
	raw_spin_unlock_irq(&b->lock);
	seq_printf(s, "%s\n", tsm_bridge_tdi_names[state]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tsm_bridge_tdi_state);

static int tsm_bridge_stats_show(struct seq_file *s, void *unused)
{
	struct tsm_bridge *b = s->private;
	struct tsm_bridge_stats st;
	bool connected;

	raw_spin_lock_irq(&b->lock);
	st = b->stats;
	connected = b->connected;
	raw_spin_unlock_irq(&b->lock);
	seq_printf(s, "connected %d\nrequests %llu\nanswers %llu\nerrors %llu\n",
		   connected, st.requests, st.answers, st.errors);
	seq_printf(s, "timeouts %llu\naborted %llu\nunknown_tag %llu\n",
		   st.timeouts, st.aborted, st.unknown_tag);
	seq_printf(s, "events %llu\ndropped %llu\n", st.events, st.dropped);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tsm_bridge_stats);

static void tsm_bridge_debugfs_add(struct tsm_bridge *b)
{
	struct tsm_bridge_fn *bf;
	struct dentry *dir;
	unsigned int i;

	b->dbg = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0400, b->dbg, b, &tsm_bridge_stats_fops);
	for (i = 0; i < b->nr_fns; i++) {
		bf = &b->fns[i];
		if (!(tsm_emu_fn_flags(bf->fn) & TSM_EMU_FN_TEE))
			continue;
		dir = debugfs_create_dir(tsm_emu_fn_name(bf->fn), b->dbg);
		debugfs_create_file("tdi_state", 0400, dir, bf,
				    &tsm_bridge_tdi_state_fops);
	}
}

static int tsm_bridge_init_fns(struct tsm_bridge *b)
{
	struct tsm_emu_fn *fn;
	struct tsm_bridge_fn *bf;
	unsigned int i, n = 0;

	for (i = 0; i < b->nr_emus; i++)
		for (fn = tsm_emu_fn_next(b->emus[i], NULL); fn;
		     fn = tsm_emu_fn_next(b->emus[i], fn))
			n++;
	b->fns = kcalloc(n, sizeof(*b->fns), GFP_KERNEL);
	if (!b->fns)
		return -ENOMEM;
	for (i = 0; i < b->nr_emus; i++) {
		for (fn = tsm_emu_fn_next(b->emus[i], NULL); fn;
		     fn = tsm_emu_fn_next(b->emus[i], fn)) {
			bf = &b->fns[b->nr_fns++];
			bf->fn = fn;
			bf->domain = tsm_emu_domain(b->emus[i]);
			bf->rid = tsm_emu_fn_rid(fn);
			bf->bridge = b;
			init_rwsem(&bf->rwsem);
		}
	}
	return 0;
}

static void tsm_bridge_free(struct tsm_bridge *b)
{
	kfree(b->rbuf);
	kfree(b->fns);
	kfree(b);
}

static int __init tsm_bridge_init(void)
{
	struct tsm_bridge *b;
	unsigned int i;
	int rc;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	for (i = 0; i < TSM_EMU_MAX_DEFAULT && tsm_emu_default_nth(i); i++)
		b->emus[i] = tsm_emu_default_nth(i);
	b->nr_emus = i;
	if (!b->nr_emus) {
		pr_err("no default tsm_emu instance\n");
		rc = -ENODEV;
		goto err_free;
	}
	raw_spin_lock_init(&b->lock);
	INIT_LIST_HEAD(&b->queue);
	INIT_LIST_HEAD(&b->pending);
	INIT_LIST_HEAD(&b->free_ev);
	for (i = 0; i < TSM_BRIDGE_NR_EVENTS; i++) {
		/* cw and reset share the payload's address */
		b->events[i].msg.payload = &b->events[i].cw;
		list_add_tail(&b->events[i].msg.node, &b->free_ev);
	}
	init_waitqueue_head(&b->rwait);
	init_irq_work(&b->wake, tsm_bridge_wake_work);
	mutex_init(&b->read_lock);
	b->nb.notifier_call = tsm_bridge_pci_notify;

	b->rbuf = kmalloc(TSM_BRIDGE_MSG_MAX, GFP_KERNEL);
	if (!b->rbuf) {
		rc = -ENOMEM;
		goto err_free;
	}
	rc = tsm_bridge_init_fns(b);
	if (rc)
		goto err_free;
	rc = bus_register_notifier(&pci_bus_type, &b->nb);
	if (rc)
		goto err_free;

	tsm_bridge = b;
	tsm_bridge_debugfs_add(b);
	rc = misc_register(&tsm_bridge_model_dev);
	if (rc)
		goto err_debugfs;
	rc = misc_register(&tsm_bridge_host_dev);
	if (rc)
		goto err_model;
	return 0;

err_model:
	misc_deregister(&tsm_bridge_model_dev);
err_debugfs:
	debugfs_remove_recursive(b->dbg);
	tsm_bridge = NULL;
	bus_unregister_notifier(&pci_bus_type, &b->nb);
err_free:
	tsm_bridge_free(b);
	return rc;
}
module_init(tsm_bridge_init);

static void __exit tsm_bridge_exit(void)
{
	struct tsm_bridge *b = tsm_bridge;

	/* No file is open: each holds a reference to the module */
	misc_deregister(&tsm_bridge_host_dev);
	misc_deregister(&tsm_bridge_model_dev);
	debugfs_remove_recursive(b->dbg);
	bus_unregister_notifier(&pci_bus_type, &b->nb);
	irq_work_sync(&b->wake);
	tsm_bridge = NULL;
	tsm_bridge_free(b);
}
module_exit(tsm_bridge_exit);

MODULE_DESCRIPTION("User-space bridge of the emulated TEE-IO platform (test only)");
MODULE_LICENSE("GPL");
