// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated PSP of the TEE-IO test platform (test only).  The ABI is
 * described in tsm-emu-psp.h.
 *
 * The module implements the SEV-TIO firmware seam (&struct
 * sev_tio_fw_ops) for the SEV-TIO backend of the ccp driver:
 *
 * - do_cmd() hands the command buffer to the firmware model that has
 *   /dev/tsm_emu_psp open and waits for its answer.  The emulated mailbox
 *   is serial like the real one: @cmd_mutex is held for the whole life of
 *   one command, so at most one command is in flight (@cur) and the model
 *   answers them one at a time, in order.  Both the mutex and the answer
 *   are waited for uninterruptibly, as sev_do_cmd() waits for the PSP: a
 *   signal must not abandon a firmware command half-way, because the
 *   caller cannot tell whether the firmware acted on it.  The wait for the
 *   answer is bounded by the cmd_timeout_ms module parameter (10 s by
 *   default, at most 60 s so that a stuck model never trips the hung task
 *   detector), after which the command fails with -ETIMEDOUT and fw_err
 *   -1, like a command issued while the device is not open (-ENODEV) or
 *   pending when it is closed (-ENODEV).
 *
 * - make_private() and reclaim() keep an emulated RMP: an xarray of the
 *   PFNs the firmware owns.  Both are atomic over their range: a page
 *   already private (make_private, -EBUSY) or not private (reclaim,
 *   -EINVAL) fails the whole call with no page changed.  The model sees
 *   the ownership in %TSM_PSP_IOC_MEM and marks the pages of the
 *   contexts it uses with %TSM_PSP_IOC_CTX: reclaim() refuses those
 *   (-EBUSY), as the RMP refuses pages in the Context state, until the
 *   model releases them (DEV_RECLAIM, TDI_RECLAIM) or closes the
 *   device.  debugfs "fail_private" injects the failure real hardware
 *   can have: a hand-over that fails part-way and leaves some pages
 *   firmware-owned for good (they can never be reclaimed; the backend
 *   must leak, never free, all the pages of that call).  debugfs
 *   "stats" counts those pages ("stuck"), the live contexts
 *   ("context") and the firmware-owned pages that went back to the
 *   page allocator ("freed_private", always 0 unless a backend frees
 *   what it must not).
 *
 * - The model reads and writes system memory by physical address with
 *   %TSM_PSP_IOC_MEM, as the firmware does.  Only RAM is accessible; the
 *   copy goes through a bounce buffer with KASAN reports suppressed,
 *   since the firmware may legitimately touch memory the kernel
 *   considers free or out of bounds of an allocation.
 *
 * Closing the device marks the firmware gone before anything else: the
 * pending command and every later one fail at once.  If the SEV-TIO TSM
 * is registered it is then unregistered, its teardown taking the forced
 * paths, so that the backend reclaims every page before another model
 * can open the device.
 *
 * debugfs "vm" plays the hypervisor of one confidential VM for the
 * SEV-TIO backend's bind, unbind and guest requests (emu-psp-vm.c).
 *
 * debugfs "cmd" (test only) issues a raw command through do_cmd(), so
 * that the device ABI can be exercised without the SEV-TIO backend: a
 * write of a &struct tsm_psp_dbg_cmd header followed by the command
 * buffer issues the command synchronously; a read on the same open file
 * then returns the result (&struct tsm_psp_dbg_cmd with @rc and @fw_err
 * set, and the command buffer as the firmware left it).
 *
 * Locking, outermost first:
 *   1. tsm_psp.tio_lock: the registered SEV-TIO TSM (@tio); held across
 *      sev_tio_emu_register() and sev_tio_emu_unregister(), which issue commands;
 *   2. tsm_psp.cmd_mutex: the emulated mailbox, held by do_cmd() for the
 *      whole command;
 *   3. tsm_psp.rmp_lock: the emulated RMP and its counters; make_private()
 *      and reclaim() may sleep;
 *   4. tsm_psp.lock (spinlock): @connected, @cur, @next_tag and the
 *      command counters.  Nothing sleeps under it.
 * The release of the device marks the firmware gone under @lock before it
 * takes @tio_lock, so that a registration in progress, whose commands
 * wait for the model, fails at once instead of deadlocking.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kasan.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/psp-sev-tio.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/wait.h>
#include <linux/xarray.h>

/* The firmware seam, internal to ccp (CRYPTO_DEV_SP_PSP_TIO_EMU) */
#include "sev-tio-seam.h"
#include "emu-psp-priv.h"
#include "tsm-emu-psp.h"

#define TSM_PSP_HDR_SZ		sizeof(struct tsm_psp_msg)
#define TSM_PSP_MSG_MAX		(TSM_PSP_HDR_SZ + TSM_PSP_MAX_CMD)
/* Every command buffer starts with its length and a reserved word */
#define TSM_PSP_MIN_CMD		8
#define TSM_PSP_MAX_TIMEOUT	60000

static unsigned int cmd_timeout_ms = 10000;
module_param(cmd_timeout_ms, uint, 0644);
MODULE_PARM_DESC(cmd_timeout_ms,
		 "Time the firmware model has to answer a command, 1-60000 ms (default 10000)");

/**
 * struct tsm_psp_dbg_cmd - header of a debugfs "cmd" request and result
 * @cmd: firmware command ID
 * @rc: result: return value of do_cmd() (0 in a request)
 * @fw_err: result: firmware status or -1 (0 in a request)
 * @len: command buffer bytes following the header, at least its own
 *	length word
 *
 * Test only, not part of the device ABI.
 */
struct tsm_psp_dbg_cmd {
	u32 cmd;
	s32 rc;
	s32 fw_err;
	u32 len;
};

/**
 * struct tsm_psp_cmd - a command in the emulated mailbox
 * @hdr: its message header (@hdr.len bytes of @buf follow it)
 * @done: completed when answered or failed
 * @read: the model has read it
 * @answered: the model has answered it; @buf and @status hold the answer
 * @rc: 0 while pending or once answered, else why it failed
 * @status: firmware status of the answer
 * @buf: the command buffer
 *
 * The command belongs to its do_cmd() call, which allocates it,
 * unpublishes it from &tsm_psp.cur under &tsm_psp.lock when it stops
 * waiting and frees it.  Everything else only touches it under that lock
 * while it is &tsm_psp.cur.
 */
struct tsm_psp_cmd {
	struct tsm_psp_msg hdr;
	struct completion done;
	bool read;
	bool answered;
	int rc;
	u32 status;
	u8 buf[];
};

/**
 * struct tsm_psp_stats - counters, shown in debugfs "stats"
 * @made_private: pages made private in total
 * @reclaimed: pages reclaimed in total
 * @commands: commands issued through do_cmd()
 * @failed: commands that did not return 0: not reached, or any non-zero
 *	firmware status (SPDM_REQUEST included, as sev_do_cmd() fails it)
 * @timeouts: commands not answered in time
 * @aborted: commands failed because the device was closed
 */
struct tsm_psp_stats {
	u64 made_private;
	u64 reclaimed;
	u64 commands;
	u64 failed;
	u64 timeouts;
	u64 aborted;
};

/**
 * struct tsm_psp - the emulated PSP (one per module)
 * @busy: bit 0 set while /dev/tsm_emu_psp is open
 * @lock: protects @connected, @cur, @next_tag and the command counters
 *	of @stats
 * @connected: the device is open; commands reach the model
 * @cur: the command in flight, if any
 * @next_tag: last tag issued
 * @rwait: readers and pollers of the device
 * @cmd_mutex: the emulated mailbox: held for the whole life of a command
 * @rmp_lock: protects @rmp, @nr_private and the page counters of @stats
 * @rmp: the emulated RMP: firmware-owned PFNs (value 1), those a
 *	hand-over failed part-way on (value 2): they stay firmware-owned,
 *	and the context pages the model marked in use (value 3)
 * @nr_private: entries in @rmp
 * @nr_stuck: entries of value 2 in @rmp
 * @nr_context: entries of value 3 in @rmp
 * @fail_private: the hand-over (make_private() call) that is to fail
 *	part-way, counted from 1; 0: none
 * @stats: counters
 * @tio_lock: protects @tio; held across registration and unregistration
 * @tio: the registered SEV-TIO TSM, or NULL
 * @parent: parent device of the SEV-TIO TSM
 * @dbg: debugfs directory
 */
struct tsm_psp {
	unsigned long busy;
	spinlock_t lock;	/* @connected, @cur, @next_tag, command counters */
	bool connected;
	struct tsm_psp_cmd *cur;
	u64 next_tag;
	wait_queue_head_t rwait;
	struct mutex cmd_mutex;	/* the emulated mailbox */
	struct mutex rmp_lock;	/* @rmp and the page counters */
	struct xarray rmp;
	unsigned long nr_private;
	unsigned long nr_stuck;
	unsigned long nr_context;
	unsigned int fail_private;
	struct tsm_psp_stats stats;
	struct mutex tio_lock;	/* @tio */
	struct sev_tio *tio;
	struct device *parent;
	struct dentry *dbg;
};

static struct tsm_psp *tsm_psp;

static bool tsm_psp_readable(struct tsm_psp *p)
{
	bool ready;

	spin_lock(&p->lock);
	ready = p->cur && !p->cur->read;
	spin_unlock(&p->lock);
	return ready;
}

/* sev_tio_fw_ops.do_cmd: see the top of the file */
static int tsm_psp_do_cmd(void *priv, int cmd, void *data, int *fw_err)
{
	struct tsm_psp *p = priv;
	struct tsm_psp_cmd *c;
	unsigned int timeout;
	u32 len;
	int rc;

	*fw_err = -1;
	len = get_unaligned((u32 *)data);
	if (len < TSM_PSP_MIN_CMD || len > TSM_PSP_MAX_CMD || cmd < 0) {
		rc = -EINVAL;
		goto out_count;
	}
	c = kzalloc(struct_size(c, buf, len), GFP_KERNEL);
	if (!c) {
		rc = -ENOMEM;
		goto out_count;
	}
	memcpy(c->buf, data, len);
	c->hdr.cmd = cmd;
	c->hdr.len = len;
	init_completion(&c->done);

	mutex_lock(&p->cmd_mutex);
	spin_lock(&p->lock);
	if (!p->connected) {
		p->stats.commands++;
		p->stats.failed++;
		spin_unlock(&p->lock);
		mutex_unlock(&p->cmd_mutex);
		kfree(c);
		return -ENODEV;
	}
	c->hdr.tag = ++p->next_tag;
	p->cur = c;
	p->stats.commands++;
	spin_unlock(&p->lock);
	wake_up_interruptible_poll(&p->rwait, EPOLLIN | EPOLLRDNORM);

	timeout = clamp(READ_ONCE(cmd_timeout_ms), 1U, TSM_PSP_MAX_TIMEOUT);
	wait_for_completion_timeout(&c->done, msecs_to_jiffies(timeout));

	spin_lock(&p->lock);
	if (p->cur == c)
		p->cur = NULL;
	if (!c->answered && !c->rc) {
		c->rc = -ETIMEDOUT;
		p->stats.timeouts++;
	}
	if (c->rc || c->status)
		p->stats.failed++;
	spin_unlock(&p->lock);
	mutex_unlock(&p->cmd_mutex);

	rc = c->rc;
	if (!rc) {
		/* Copied back also on failure, as sev_do_cmd() does */
		memcpy(data, c->buf, len);
		*fw_err = c->status;
		rc = c->status ? -EIO : 0;
	}
	kfree(c);
	return rc;

out_count:
	spin_lock(&p->lock);
	p->stats.commands++;
	p->stats.failed++;
	spin_unlock(&p->lock);
	return rc;
}

static bool tsm_psp_pfn_range_ok(u64 pfn, unsigned int npages)
{
	u64 end;

	if (!npages || check_add_overflow(pfn, (u64)npages, &end))
		return false;
	for (; pfn < end; pfn++)
		if (!pfn_valid(pfn) || !page_is_ram(pfn))
			return false;
	return true;
}

/*
 * An injected failure part-way through a hand-over, as when
 * rmp_mark_pages_firmware() cannot reclaim what it changed: the first
 * half of the pages (at least one) become firmware-owned for good, and
 * the call fails.  Called with @rmp_lock held.
 */
static int tsm_psp_private_fails(struct tsm_psp *p, u64 pfn,
				 unsigned int npages)
{
	unsigned int i, n = DIV_ROUND_UP(npages, 2);

	for (i = 0; i < n; i++) {
		if (xa_insert(&p->rmp, pfn + i, xa_mk_value(2), GFP_KERNEL))
			break;
		p->nr_private++;
		p->nr_stuck++;
	}
	pr_info("injected: hand-over of %u pages at pfn %#llx failed after %u\n",
		npages, pfn, i);
	return -EIO;
}

/* sev_tio_fw_ops.make_private: assign the pages to the firmware, or none */
static int tsm_psp_make_private(void *priv, u64 pfn, unsigned int npages)
{
	struct tsm_psp *p = priv;
	unsigned int i;
	int rc = 0;

	might_sleep();
	if (!tsm_psp_pfn_range_ok(pfn, npages))
		return -EINVAL;

	mutex_lock(&p->rmp_lock);
	if (p->fail_private && !--p->fail_private) {
		rc = tsm_psp_private_fails(p, pfn, npages);
		mutex_unlock(&p->rmp_lock);
		return rc;
	}
	for (i = 0; i < npages; i++) {
		rc = xa_insert(&p->rmp, pfn + i, xa_mk_value(1), GFP_KERNEL);
		if (rc)
			break;
	}
	if (rc) {
		/* Roll back: the pages inserted above were all shared */
		while (i--)
			xa_erase(&p->rmp, pfn + i);
	} else {
		p->nr_private += npages;
		p->stats.made_private += npages;
	}
	mutex_unlock(&p->rmp_lock);
	return rc;
}

/* sev_tio_fw_ops.reclaim: give the pages back to the host, or none */
static int tsm_psp_reclaim(void *priv, u64 pfn, unsigned int npages)
{
	struct tsm_psp *p = priv;
	unsigned int i;
	int rc = 0;

	might_sleep();
	if (!npages || pfn + npages < pfn)
		return -EINVAL;

	mutex_lock(&p->rmp_lock);
	for (i = 0; i < npages; i++) {
		unsigned long v = xa_to_value(xa_load(&p->rmp, pfn + i));

		/*
		 * Not firmware-owned, or owned for good (the backend leaks);
		 * a context the firmware still uses is refused as busy, as
		 * the RMP refuses to reclaim a page in the Context state
		 */
		if (v != 1) {
			rc = v == 3 ? -EBUSY : -EINVAL;
			break;
		}
	}
	if (!rc) {
		for (i = 0; i < npages; i++)
			xa_erase(&p->rmp, pfn + i);
		p->nr_private -= npages;
		p->stats.reclaimed += npages;
	}
	mutex_unlock(&p->rmp_lock);
	return rc;
}

static const struct sev_tio_fw_ops tsm_psp_fw_ops = {
	.do_cmd = tsm_psp_do_cmd,
	.make_private = tsm_psp_make_private,
	.reclaim = tsm_psp_reclaim,
};

static int tsm_psp_open(struct inode *inode, struct file *file)
{
	struct tsm_psp *p = tsm_psp;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (test_and_set_bit(0, &p->busy))
		return -EBUSY;
	spin_lock(&p->lock);
	p->connected = true;
	spin_unlock(&p->lock);
	file->private_data = p;
	return stream_open(inode, file);
}

static void tsm_psp_ctx_release_all(struct tsm_psp *p)
{
	unsigned long pfn;
	void *v;

	mutex_lock(&p->rmp_lock);
	xa_for_each(&p->rmp, pfn, v)
		if (xa_to_value(v) == 3)
			xa_store(&p->rmp, pfn, xa_mk_value(1), GFP_KERNEL);
	p->nr_context = 0;
	mutex_unlock(&p->rmp_lock);
}

static int tsm_psp_release(struct inode *inode, struct file *file)
{
	struct tsm_psp *p = file->private_data;

	/* The firmware is gone: fail the pending command and every later one */
	spin_lock(&p->lock);
	p->connected = false;
	if (p->cur) {
		p->cur->rc = -ENODEV;
		p->stats.aborted++;
		complete(&p->cur->done);
		p->cur = NULL;
	}
	spin_unlock(&p->lock);

	/* No context outlives the firmware: plain firmware pages again */
	tsm_psp_ctx_release_all(p);

	/* Forced teardown: the backend reclaims every page it gave away */
	mutex_lock(&p->tio_lock);
	if (p->tio) {
		sev_tio_emu_unregister(p->tio);
		p->tio = NULL;
	}
	mutex_unlock(&p->tio_lock);

	clear_bit(0, &p->busy);
	return 0;
}

static ssize_t tsm_psp_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct tsm_psp *p = file->private_data;
	struct tsm_psp_cmd *c;
	size_t len;
	u64 tag;
	u8 *buf;
	int rc;

	buf = kmalloc(TSM_PSP_MSG_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		spin_lock(&p->lock);
		c = p->cur;
		if (c && !c->read)
			break;
		spin_unlock(&p->lock);
		if (file->f_flags & O_NONBLOCK) {
			rc = -EAGAIN;
			goto out;
		}
		if (wait_event_interruptible(p->rwait, tsm_psp_readable(p))) {
			rc = -ERESTARTSYS;
			goto out;
		}
	}
	len = TSM_PSP_HDR_SZ + c->hdr.len;
	if (count < len) {
		spin_unlock(&p->lock);
		rc = -EINVAL;
		goto out;
	}
	/* The command may go away with the lock dropped: copy it */
	memcpy(buf, &c->hdr, TSM_PSP_HDR_SZ);
	memcpy(buf + TSM_PSP_HDR_SZ, c->buf, c->hdr.len);
	c->read = true;
	tag = c->hdr.tag;
	spin_unlock(&p->lock);

	if (copy_to_user(ubuf, buf, len)) {
		/* Not delivered: let it be read again */
		spin_lock(&p->lock);
		if (p->cur && p->cur->hdr.tag == tag)
			p->cur->read = false;
		spin_unlock(&p->lock);
		rc = -EFAULT;
		goto out;
	}
	rc = len;
out:
	kfree(buf);
	return rc;
}

static ssize_t tsm_psp_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct tsm_psp *p = file->private_data;
	struct tsm_psp_msg *msg;
	struct tsm_psp_cmd *c;
	int rc = -EINVAL;

	if (count < TSM_PSP_HDR_SZ || count > TSM_PSP_MSG_MAX)
		return -EINVAL;
	msg = memdup_user(ubuf, count);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	if (msg->len != count - TSM_PSP_HDR_SZ || msg->reserved ||
	    msg->status > 0xffff)
		goto out;

	spin_lock(&p->lock);
	c = p->cur;
	if (c && c->hdr.tag == msg->tag && c->hdr.cmd == msg->cmd &&
	    c->hdr.len == msg->len) {
		memcpy(c->buf, msg + 1, msg->len);
		c->status = msg->status;
		c->answered = true;
		p->cur = NULL;
		complete(&c->done);
		rc = 0;
	}
	spin_unlock(&p->lock);
out:
	kfree(msg);
	return rc ? rc : count;
}

static __poll_t tsm_psp_poll(struct file *file, poll_table *wait)
{
	struct tsm_psp *p = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &p->rwait, wait);
	if (tsm_psp_readable(p))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static bool tsm_psp_is_private(struct tsm_psp *p, unsigned long pfn)
{
	bool owned;

	mutex_lock(&p->rmp_lock);
	owned = xa_load(&p->rmp, pfn);
	mutex_unlock(&p->rmp_lock);
	return owned;
}

/* Firmware access to system memory: one page, RAM only */
static long tsm_psp_mem(struct tsm_psp *p, void __user *arg)
{
	void __user *uptr;
	struct tsm_psp_mem m;
	unsigned long pfn;
	unsigned int off;
	void *buf, *va;
	long rc = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&m, arg, sizeof(m)))
		return -EFAULT;
	/* x86-64: the 4 KiB of the ABI are a page */
	off = offset_in_page(m.pa);
	if (m.reserved || m.flags & ~TSM_PSP_MEM_WRITE || !m.len ||
	    m.len > PAGE_SIZE - off)
		return -EINVAL;
	pfn = PHYS_PFN(m.pa);
	if (!pfn_valid(pfn) || !page_is_ram(pfn))
		return -EFAULT;

	buf = kmalloc(m.len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	uptr = u64_to_user_ptr(m.ptr);
	if (m.flags & TSM_PSP_MEM_WRITE) {
		if (copy_from_user(buf, uptr, m.len)) {
			rc = -EFAULT;
			goto out;
		}
		va = kmap_local_page(pfn_to_page(pfn));
		kasan_disable_current();
		memcpy(va + off, buf, m.len);
		kasan_enable_current();
		kunmap_local(va);
	} else {
		va = kmap_local_page(pfn_to_page(pfn));
		kasan_disable_current();
		memcpy(buf, va + off, m.len);
		kasan_enable_current();
		kunmap_local(va);
		if (copy_to_user(uptr, buf, m.len)) {
			rc = -EFAULT;
			goto out;
		}
	}
	m.owner = tsm_psp_is_private(p, pfn);
	if (copy_to_user(arg, &m, sizeof(m)))
		rc = -EFAULT;
out:
	kfree(buf);
	return rc;
}

/*
 * The model marks a firmware page as a context it uses (value 3), or
 * releases it: reclaim() refuses a context page as busy.
 */
static long tsm_psp_ctx(struct tsm_psp *p, void __user *arg)
{
	struct tsm_psp_ctx c;
	unsigned long pfn, v;
	long rc = -EINVAL;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.reserved || c.in_use > 1 || offset_in_page(c.pa))
		return -EINVAL;
	pfn = PHYS_PFN(c.pa);

	mutex_lock(&p->rmp_lock);
	v = xa_to_value(xa_load(&p->rmp, pfn));
	if (v == (c.in_use ? 1 : 3)) {
		xa_store(&p->rmp, pfn, xa_mk_value(c.in_use ? 3 : 1),
			 GFP_KERNEL);
		if (c.in_use)
			p->nr_context++;
		else
			p->nr_context--;
		rc = 0;
	}
	mutex_unlock(&p->rmp_lock);
	return rc;
}

static long tsm_psp_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	switch (cmd) {
	case TSM_PSP_IOC_MEM:
		return tsm_psp_mem(file->private_data, (void __user *)arg);
	case TSM_PSP_IOC_CTX:
		return tsm_psp_ctx(file->private_data, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tsm_psp_fops = {
	.owner = THIS_MODULE,
	.open = tsm_psp_open,
	.release = tsm_psp_release,
	.read = tsm_psp_read,
	.write = tsm_psp_write,
	.poll = tsm_psp_poll,
	.unlocked_ioctl = tsm_psp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice tsm_psp_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tsm_emu_psp",
	.fops = &tsm_psp_fops,
	.mode = 0600,
};

static int tsm_psp_tio_get(void *data, u64 *val)
{
	struct tsm_psp *p = data;

	mutex_lock(&p->tio_lock);
	*val = !!p->tio;
	mutex_unlock(&p->tio_lock);
	return 0;
}

/*
 * 1: register the SEV-TIO TSM (-EBUSY if it is registered); the model
 * answers its commands meanwhile.  0: unregister it (-EINVAL if it is
 * not registered).
 */
static int tsm_psp_tio_set(void *data, u64 val)
{
	struct tsm_psp *p = data;
	struct sev_tio *tio;
	int rc = 0;

	if (val > 1)
		return -EINVAL;
	mutex_lock(&p->tio_lock);
	if (val) {
		if (p->tio) {
			rc = -EBUSY;
		} else {
			tio = sev_tio_emu_register(p->parent, &tsm_psp_fw_ops, p);
			if (IS_ERR(tio))
				rc = PTR_ERR(tio);
			else
				p->tio = tio;
		}
	} else if (p->tio) {
		sev_tio_emu_unregister(p->tio);
		p->tio = NULL;
	} else {
		rc = -EINVAL;
	}
	mutex_unlock(&p->tio_lock);
	return rc;
}
DEFINE_DEBUGFS_ATTRIBUTE(tsm_psp_tio_fops, tsm_psp_tio_get, tsm_psp_tio_set,
			 "%llu\n");

/*
 * debugfs fail_private: write N to make the N-th hand-over from now fail
 * part-way (0 disarms); reads the hand-overs still to go.
 */
static ssize_t tsm_psp_fail_private_write(struct file *file,
					  const char __user *ubuf,
					  size_t count, loff_t *ppos)
{
	struct tsm_psp *p = file->private_data;
	unsigned int n;
	int rc;

	rc = kstrtouint_from_user(ubuf, count, 0, &n);
	if (rc)
		return rc;
	mutex_lock(&p->rmp_lock);
	p->fail_private = n;
	mutex_unlock(&p->rmp_lock);
	return count;
}

static ssize_t tsm_psp_fail_private_read(struct file *file, char __user *ubuf,
					 size_t count, loff_t *ppos)
{
	struct tsm_psp *p = file->private_data;
	char buf[16];
	int n;

	mutex_lock(&p->rmp_lock);
	n = scnprintf(buf, sizeof(buf), "%u\n", p->fail_private);
	mutex_unlock(&p->rmp_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, n);
}

static const struct file_operations tsm_psp_fail_private_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = tsm_psp_fail_private_read,
	.write = tsm_psp_fail_private_write,
	.llseek = default_llseek,
};

static int tsm_psp_stats_show(struct seq_file *s, void *unused)
{
	struct tsm_psp *p = s->private;
	unsigned long nr, stuck, context, freed = 0, pfn;
	struct tsm_psp_stats st;
	bool connected;
	void *v;

	mutex_lock(&p->rmp_lock);
	nr = p->nr_private;
	stuck = p->nr_stuck;
	context = p->nr_context;
	/* A page the firmware owns must never go back to the allocator */
	xa_for_each(&p->rmp, pfn, v)
		freed += !page_ref_count(pfn_to_page(pfn));
	st.made_private = p->stats.made_private;
	st.reclaimed = p->stats.reclaimed;
	mutex_unlock(&p->rmp_lock);
	spin_lock(&p->lock);
	connected = p->connected;
	st.commands = p->stats.commands;
	st.failed = p->stats.failed;
	st.timeouts = p->stats.timeouts;
	st.aborted = p->stats.aborted;
	spin_unlock(&p->lock);

	seq_printf(s, "connected %d\nprivate %lu\nmade_private %llu\nreclaimed %llu\n",
		   connected, nr, st.made_private, st.reclaimed);
	seq_printf(s, "commands %llu\nfailed %llu\ntimeouts %llu\naborted %llu\n",
		   st.commands, st.failed, st.timeouts, st.aborted);
	seq_printf(s, "stuck %lu\nfreed_private %lu\ncontext %lu\n", stuck,
		   freed, context);
	tsm_psp_guest_stats(s);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tsm_psp_stats);

/**
 * struct tsm_psp_dbg - state of one open debugfs "cmd" file
 * @lock: serialises the writers and readers of this open file
 * @res: result of the last command, or NULL
 * @res_len: bytes in @res
 */
struct tsm_psp_dbg {
	struct mutex lock;	/* @res, @res_len */
	void *res;
	size_t res_len;
};

static int tsm_psp_dbg_open(struct inode *inode, struct file *file)
{
	struct tsm_psp_dbg *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	mutex_init(&d->lock);
	file->private_data = d;
	return nonseekable_open(inode, file);
}

static int tsm_psp_dbg_release(struct inode *inode, struct file *file)
{
	struct tsm_psp_dbg *d = file->private_data;

	mutex_destroy(&d->lock);
	kfree(d->res);
	kfree(d);
	return 0;
}

/* Issue a raw command through do_cmd(); see the top of the file */
static ssize_t tsm_psp_dbg_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	const size_t hsz = sizeof(struct tsm_psp_dbg_cmd);
	struct tsm_psp_dbg *d = file->private_data;
	struct tsm_psp_dbg_cmd *h;
	u8 *buf;

	if (count < hsz + sizeof(u32) || count > hsz + TSM_PSP_MAX_CMD)
		return -EINVAL;
	h = kzalloc(hsz + TSM_PSP_MAX_CMD, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	if (copy_from_user(h, ubuf, count)) {
		kfree(h);
		return -EFAULT;
	}
	if (h->len != count - hsz || h->rc || h->fw_err) {
		kfree(h);
		return -EINVAL;
	}
	/*
	 * The buffer is TSM_PSP_MAX_CMD bytes, so a length word larger than
	 * what was written is do_cmd()'s to check, not an overrun.
	 */
	buf = (u8 *)(h + 1);
	h->rc = tsm_psp_do_cmd(tsm_psp, h->cmd, buf, &h->fw_err);

	mutex_lock(&d->lock);
	kfree(d->res);
	d->res = h;
	d->res_len = count;
	mutex_unlock(&d->lock);
	return count;
}

static ssize_t tsm_psp_dbg_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct tsm_psp_dbg *d = file->private_data;
	ssize_t rc;

	mutex_lock(&d->lock);
	if (!d->res)
		rc = -ENODATA;
	else if (count < d->res_len)
		rc = -EINVAL;
	else if (copy_to_user(ubuf, d->res, d->res_len))
		rc = -EFAULT;
	else
		rc = d->res_len;
	mutex_unlock(&d->lock);
	return rc;
}

static const struct file_operations tsm_psp_dbg_fops = {
	.owner = THIS_MODULE,
	.open = tsm_psp_dbg_open,
	.release = tsm_psp_dbg_release,
	.read = tsm_psp_dbg_read,
	.write = tsm_psp_dbg_write,
	.llseek = noop_llseek,
};

static int __init tsm_psp_init(void)
{
	struct tsm_psp *p;
	int rc;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	spin_lock_init(&p->lock);
	init_waitqueue_head(&p->rwait);
	mutex_init(&p->cmd_mutex);
	mutex_init(&p->rmp_lock);
	mutex_init(&p->tio_lock);
	xa_init(&p->rmp);

	p->parent = root_device_register(KBUILD_MODNAME);
	if (IS_ERR(p->parent)) {
		rc = PTR_ERR(p->parent);
		goto err_free;
	}
	tsm_psp = p;
	rc = misc_register(&tsm_psp_dev);
	if (rc)
		goto err_parent;

	p->dbg = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file_unsafe("tio", 0600, p->dbg, p, &tsm_psp_tio_fops);
	debugfs_create_file("stats", 0400, p->dbg, p, &tsm_psp_stats_fops);
	debugfs_create_file("fail_private", 0600, p->dbg, p,
			    &tsm_psp_fail_private_fops);
	debugfs_create_file("cmd", 0600, p->dbg, p, &tsm_psp_dbg_fops);
	tsm_psp_vm_init(p->dbg, &tsm_psp_fw_ops, p);
	return 0;

err_parent:
	tsm_psp = NULL;
	root_device_unregister(p->parent);
err_free:
	kfree(p);
	return rc;
}
module_init(tsm_psp_init);

static void __exit tsm_psp_exit(void)
{
	struct tsm_psp *p = tsm_psp;

	/* Waits for the debugfs writers still issuing commands */
	debugfs_remove_recursive(p->dbg);
	/* No file is open: each holds a reference to the module */
	misc_deregister(&tsm_psp_dev);
	/* The stand-in VM goes first: it owns a page of the RMP */
	tsm_psp_vm_exit();

	mutex_lock(&p->tio_lock);
	if (p->tio) {
		sev_tio_emu_unregister(p->tio);
		p->tio = NULL;
	}
	mutex_unlock(&p->tio_lock);

	/*
	 * Pages the backend leaked on purpose (contexts the firmware did not
	 * release, hand-overs that failed) stay firmware-owned for good; the
	 * tests compare this count with what the backend said it leaked.
	 */
	if (p->nr_private)
		pr_info("%lu pages left firmware-owned at unload (%lu stuck by injected hand-over failures)\n",
			p->nr_private, p->nr_stuck);
	xa_destroy(&p->rmp);
	root_device_unregister(p->parent);
	tsm_psp = NULL;
	mutex_destroy(&p->tio_lock);
	mutex_destroy(&p->rmp_lock);
	mutex_destroy(&p->cmd_mutex);
	kfree(p);
}
module_exit(tsm_psp_exit);

MODULE_IMPORT_NS(SEV_TIO_EMU);
MODULE_DESCRIPTION("Emulated PSP (SEV-TIO firmware seam) of the emulated TEE-IO platform (test only)");
MODULE_LICENSE("GPL");
