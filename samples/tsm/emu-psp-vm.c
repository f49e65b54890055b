// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in hypervisor of the emulated PSP (test only).
 *
 * On a real SEV-TIO host KVM owns the SNP guest context of each
 * confidential VM, answers the backend's sev_tio_kvm_ops.guest_ctx() and
 * calls pci_tsm_bind(), pci_tsm_unbind() and pci_tsm_guest_req() on the
 * VM's behalf.  The test VM has no KVM, so this file plays that part for
 * one VM, driven through debugfs tsm_emu_psp/vm:
 *
 *   create                 a page holding the VM's ASID
 *                          (%TSM_PSP_VM_ASID) in its first 4 bytes becomes
 *                          firmware-owned (in the emulated RMP) as the VM's
 *                          guest context, and the hypervisor callbacks are
 *                          installed.  The context format is the
 *                          firmware's own; on hardware SNP_ACTIVATE binds
 *                          the ASID to it, here the firmware model reads
 *                          it from there;
 *   bind DDDD:BB:DD.F ID   pci_tsm_bind() of the function to the VM, with
 *                          guest device ID ID;
 *   unbind DDDD:BB:DD.F    pci_tsm_unbind() of a function bound above;
 *   req DDDD:BB:DD.F HEX   pci_tsm_guest_req() for a function bound above
 *                          with the message HEX; a read then returns
 *                          "rc RC code CODE\n" and the RC response bytes
 *                          in hex on a second line.  HEX is the whole
 *                          message in the firmware model's plain framing,
 *                          its sequence number included: the writer plays
 *                          the guest (and may replay one);
 *   destroy                unbind every function bound above, remove the
 *                          callbacks, reclaim the guest context page;
 *   guest, noguest, busy, nohint, grow, replay, tamper, relock
 *                          the guest side, see emu-psp-guest.c.
 *
 * A write fails with the errno of its operation (a "req" only if the
 * request could not be made; the result of one that was made is read
 * back).  The VM handle given to the PCI/TSM core as struct kvm * is the
 * address of @tsm_psp_vm; only tsm_psp_guest_ctx() interprets it.
 *
 * Locking: tsm_psp_vm.lock serialises the commands and protects the VM
 * state.  It is taken outside the locks of the PCI/TSM core and of the
 * SEV-TIO backend, whose bind calls tsm_psp_guest_ctx() under its own
 * hypervisor lock; so tsm_psp_guest_ctx() does not take it but reads
 * @gctx_pa, which is set before the callbacks are installed and cleared
 * only after sev_tio_clear_kvm_ops() has waited for every caller.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mem_encrypt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-tsm.h>
#include <linux/psp-sev-tio.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* The firmware seam, internal to ccp (CRYPTO_DEV_SP_PSP_TIO_EMU) */
#include "sev-tio-seam.h"
#include "emu-psp-priv.h"

#define TSM_PSP_VM_MAX_BOUND	16
/* The ASID of the one emulated VM (any non-zero SNP ASID) */
#define TSM_PSP_VM_ASID		7
/* "req DDDD:BB:DD.F " and a message of up to a page in hex */
#define TSM_PSP_VM_CMD_MAX	(64 + 2 * PAGE_SIZE)

/**
 * struct tsm_psp_vm - the one emulated confidential VM
 * @lock: serialises the commands; protects everything below
 * @ops: the firmware seam of the emulated PSP (for the RMP)
 * @priv: its private data
 * @gctx: the guest context page while the VM exists
 * @gctx_pa: its address as the firmware sees it, 0 without VM
 * @bound: functions bound through "bind" and not unbound through
 *	"unbind", each holding a reference
 * @rsp: response buffer of the last "req" (a page)
 * @rsp_rc: return value of the last pci_tsm_guest_req()
 * @rsp_code: TSM status of the last request
 * @have_rsp: a "req" was made since the VM was created
 * @msg_seqno: the guest's last message sequence number, as in the SNP
 *	       secrets page; U64_MAX once the guest disabled its VMPCK.  Only
 *	       the guest side's workqueue uses it while the VM exists.
 */
struct tsm_psp_vm {
	struct mutex lock;	/* the commands and all fields */
	const struct sev_tio_fw_ops *ops;
	void *priv;
	struct page *gctx;
	u64 gctx_pa;
	struct pci_dev *bound[TSM_PSP_VM_MAX_BOUND];
	void *rsp;
	ssize_t rsp_rc;
	u64 rsp_code;
	bool have_rsp;
	atomic64_t msg_seqno;
};

static struct tsm_psp_vm tsm_psp_vm;

/**
 * tsm_psp_vm_kvm() - the VM handle the PCI/TSM core is given
 *
 * Return: the handle of the one emulated VM.
 */
struct kvm *tsm_psp_vm_kvm(void)
{
	return (struct kvm *)&tsm_psp_vm;
}

/**
 * tsm_psp_vm_msg_seqno() - the sequence number of the guest's next message
 *
 * As the SNP guest's sev-guest driver: its last number in the secrets
 * page plus one.
 *
 * Return: the number, or 0 once the guest has disabled its VMPCK.
 */
u64 tsm_psp_vm_msg_seqno(void)
{
	u64 last = atomic64_read(&tsm_psp_vm.msg_seqno);

	return last >= U64_MAX - 1 ? 0 : last + 1;
}

/**
 * tsm_psp_vm_msg_sent() - the guest's message has left the guest
 * @ok: it was answered, or the hypervisor says the data area was too
 *	small after the firmware took it
 *
 * As sev-guest does: the number is spent either way (the response
 * carries it plus one); on any other outcome the guest wipes its VMPCK
 * so that no sequence number, the AES-GCM IV, can ever be used twice.
 */
void tsm_psp_vm_msg_sent(bool ok)
{
	if (ok)
		atomic64_add(2, &tsm_psp_vm.msg_seqno);
	else
		atomic64_set(&tsm_psp_vm.msg_seqno, U64_MAX);
}

/* sev_tio_kvm_ops.guest_ctx: see the top of the file for the locking */
static u64 tsm_psp_guest_ctx(struct kvm *kvm)
{
	if (kvm != tsm_psp_vm_kvm())
		return 0;
	return READ_ONCE(tsm_psp_vm.gctx_pa);
}

/* sev_tio_kvm_ops.asid: the ASID written into the guest context */
static u32 tsm_psp_asid(struct kvm *kvm)
{
	return kvm == tsm_psp_vm_kvm() ? TSM_PSP_VM_ASID : 0;
}

static const struct sev_tio_kvm_ops tsm_psp_kvm_ops = {
	.guest_ctx = tsm_psp_guest_ctx,
	.asid = tsm_psp_asid,
};

/* Take the guest context page back from the firmware and free it */
static void tsm_psp_vm_free_gctx(struct tsm_psp_vm *vm)
{
	WRITE_ONCE(vm->gctx_pa, 0);
	if (vm->ops->reclaim(vm->priv, page_to_pfn(vm->gctx), 1))
		/* Never give the allocator a page the firmware may write */
		pr_err("guest context page not reclaimed, leaking it\n");
	else
		__free_page(vm->gctx);
	vm->gctx = NULL;
}

static int tsm_psp_vm_create(struct tsm_psp_vm *vm)
{
	int rc;

	if (vm->gctx)
		return -EBUSY;
	vm->rsp = (void *)get_zeroed_page(GFP_KERNEL);
	vm->gctx = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!vm->rsp || !vm->gctx) {
		rc = -ENOMEM;
		goto err;
	}
	*(__le32 *)page_address(vm->gctx) = cpu_to_le32(TSM_PSP_VM_ASID);
	rc = vm->ops->make_private(vm->priv, page_to_pfn(vm->gctx), 1);
	if (rc)
		goto err;
	WRITE_ONCE(vm->gctx_pa, __sme_set(page_to_phys(vm->gctx)));
	vm->have_rsp = false;
	/* A new VM: new VMPCKs, and its messages count from 1 again */
	atomic64_set(&vm->msg_seqno, 0);
	rc = sev_tio_set_kvm_ops(&tsm_psp_kvm_ops);
	if (rc) {
		tsm_psp_vm_free_gctx(vm);
		goto err;
	}
	return 0;

err:
	if (vm->gctx)
		__free_page(vm->gctx);
	vm->gctx = NULL;
	free_page((unsigned long)vm->rsp);
	vm->rsp = NULL;
	return rc;
}

static void tsm_psp_vm_destroy(struct tsm_psp_vm *vm)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vm->bound); i++) {
		if (!vm->bound[i])
			continue;
		pci_tsm_unbind(vm->bound[i]);
		pci_dev_put(vm->bound[i]);
		vm->bound[i] = NULL;
	}
	/* Waits for a bind that is reading @gctx_pa */
	sev_tio_clear_kvm_ops(&tsm_psp_kvm_ops);
	tsm_psp_vm_free_gctx(vm);
	free_page((unsigned long)vm->rsp);
	vm->rsp = NULL;
	vm->have_rsp = false;
}

/* The slot of @pdev in @vm->bound, or -1 */
static int tsm_psp_vm_slot(struct tsm_psp_vm *vm, struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vm->bound); i++)
		if (vm->bound[i] == pdev)
			return i;
	return -1;
}

/* Forget the functions that were removed: their context is gone */
static void tsm_psp_vm_prune(struct tsm_psp_vm *vm)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vm->bound); i++) {
		if (vm->bound[i] && !device_is_registered(&vm->bound[i]->dev)) {
			pci_dev_put(vm->bound[i]);
			vm->bound[i] = NULL;
		}
	}
}

/*
 * @vm->bound lists the functions the VM may hold; the PCI/TSM core knows
 * whether each still is (a disconnect unbinds without telling the VM), so
 * a second bind of a function is for pci_tsm_bind() to refuse.
 */
static int tsm_psp_vm_bind(struct tsm_psp_vm *vm, struct pci_dev *pdev,
			   const char *arg)
{
	int i, rc;
	u32 id;

	if (!arg || kstrtou32(arg, 0, &id))
		return -EINVAL;
	tsm_psp_vm_prune(vm);
	i = tsm_psp_vm_slot(vm, pdev);
	if (i < 0)
		i = tsm_psp_vm_slot(vm, NULL);
	if (i < 0)
		return -ENOSPC;
	rc = pci_tsm_bind(pdev, tsm_psp_vm_kvm(), id);
	if (rc)
		return rc;
	if (!vm->bound[i])
		vm->bound[i] = pci_dev_get(pdev);
	return 0;
}

static int tsm_psp_vm_unbind(struct tsm_psp_vm *vm, struct pci_dev *pdev)
{
	int i = tsm_psp_vm_slot(vm, pdev);

	if (i < 0)
		return -ENXIO;
	pci_tsm_unbind(pdev);
	pci_dev_put(vm->bound[i]);
	vm->bound[i] = NULL;
	return 0;
}

static int tsm_psp_vm_req(struct tsm_psp_vm *vm, struct pci_dev *pdev,
			  const char *hex)
{
	size_t len = hex ? strlen(hex) : 0;
	u8 *req;
	int rc;

	if (tsm_psp_vm_slot(vm, pdev) < 0)
		return -ENXIO;
	if (!len || len % 2 || len / 2 > PAGE_SIZE)
		return -EINVAL;
	req = kmalloc(len / 2, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	rc = hex2bin(req, hex, len / 2);
	if (!rc) {
		memset(vm->rsp, 0, PAGE_SIZE);
		vm->rsp_code = 0;
		/* The writer plays the VM: the widest scope the core passes */
		vm->rsp_rc = pci_tsm_guest_req(pdev, PCI_TSM_REQ_STATE_CHANGE,
					       KERNEL_SOCKPTR(req),
					       len / 2, KERNEL_SOCKPTR(vm->rsp),
					       PAGE_SIZE, &vm->rsp_code);
		vm->have_rsp = true;
	}
	kfree(req);
	return rc;
}

/**
 * tsm_psp_vm_pdev() - look up "DDDD:BB:DD.F"
 * @s: the name
 *
 * Return: the function, with a reference, or %NULL.
 */
struct pci_dev *tsm_psp_vm_pdev(const char *s)
{
	unsigned int dom, bus, dev, fn;
	char extra;

	if (!s || sscanf(s, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &extra) != 4 ||
	    bus > 0xff || dev > 0x1f || fn > 7)
		return NULL;
	return pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(dev, fn));
}

static int tsm_psp_vm_cmd(struct tsm_psp_vm *vm, char *s)
{
	char *verb = strsep(&s, " ");
	struct pci_dev *pdev;
	char *dev;
	int rc;

	if (!strcmp(verb, "create"))
		return s ? -EINVAL : tsm_psp_vm_create(vm);
	if (!vm->gctx)
		return -ENODEV;
	if (!strcmp(verb, "destroy")) {
		if (s)
			return -EINVAL;
		tsm_psp_vm_destroy(vm);
		return 0;
	}

	if (strcmp(verb, "bind") && strcmp(verb, "unbind") && strcmp(verb, "req"))
		return -EINVAL;
	dev = strsep(&s, " ");
	pdev = tsm_psp_vm_pdev(dev);
	if (!pdev)
		return -ENODEV;
	if (!strcmp(verb, "bind"))
		rc = tsm_psp_vm_bind(vm, pdev, s);
	else if (!strcmp(verb, "unbind"))
		rc = s ? -EINVAL : tsm_psp_vm_unbind(vm, pdev);
	else
		rc = tsm_psp_vm_req(vm, pdev, s);
	pci_dev_put(pdev);
	return rc;
}

/*
 * The guest verbs, and the guest's release before "destroy", run without
 * @vm->lock: the guest's exits reach the host side.  *@done: the command
 * was one of them (for "destroy": failed), and the return value is its.
 */
static int tsm_psp_vm_guest_cmd(struct tsm_psp_vm *vm, char *buf, bool *done)
{
	char *args = strchr(buf, ' ');
	char verb[16];
	size_t n = args ? args - buf : strlen(buf);
	bool have_vm;
	int rc;

	*done = false;
	if (n >= sizeof(verb))
		return 0;
	memcpy(verb, buf, n);
	verb[n] = '\0';
	if (!strcmp(verb, "destroy")) {
		rc = tsm_psp_guest_release();
		*done = rc;
		return rc;
	}
	if (strcmp(verb, "guest") && strcmp(verb, "noguest") &&
	    strcmp(verb, "busy") && strcmp(verb, "nohint") &&
	    strcmp(verb, "grow") && strcmp(verb, "tamper") &&
	    strcmp(verb, "replay") && strcmp(verb, "relock"))
		return 0;
	*done = true;
	mutex_lock(&vm->lock);
	have_vm = vm->gctx;
	mutex_unlock(&vm->lock);
	if (!have_vm)
		return -ENODEV;
	return tsm_psp_guest_cmd(verb, args ? args + 1 : NULL);
}

static ssize_t tsm_psp_vm_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct tsm_psp_vm *vm = &tsm_psp_vm;
	bool done;
	char *buf;
	int rc;

	if (!count || count > TSM_PSP_VM_CMD_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	rc = tsm_psp_vm_guest_cmd(vm, strim(buf), &done);
	if (!done) {
		mutex_lock(&vm->lock);
		rc = tsm_psp_vm_cmd(vm, strim(buf));
		mutex_unlock(&vm->lock);
	}
	kfree(buf);
	return rc ? rc : (ssize_t)count;
}

static ssize_t tsm_psp_vm_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct tsm_psp_vm *vm = &tsm_psp_vm;
	size_t n = 0, len, size = TSM_PSP_VM_CMD_MAX + 1;
	ssize_t rc;
	char *buf;

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	if (!vm->have_rsp) {
		mutex_unlock(&vm->lock);
		kfree(buf);
		return -ENODATA;
	}
	n = scnprintf(buf, size, "rc %zd code %llu\n", vm->rsp_rc,
		      vm->rsp_code);
	len = vm->rsp_rc > 0 ? min_t(size_t, vm->rsp_rc, PAGE_SIZE) : 0;
	bin2hex(buf + n, vm->rsp, len);
	n += 2 * len;
	buf[n++] = '\n';
	mutex_unlock(&vm->lock);
	rc = simple_read_from_buffer(ubuf, count, ppos, buf, n);
	kfree(buf);
	return rc;
}

static const struct file_operations tsm_psp_vm_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = tsm_psp_vm_read,
	.write = tsm_psp_vm_write,
	.llseek = default_llseek,
};

/**
 * tsm_psp_vm_init() - set up the stand-in hypervisor
 * @dir: debugfs directory of the module, for the "vm" file
 * @ops: the firmware seam, whose RMP owns the guest context page
 * @priv: its private data
 */
void tsm_psp_vm_init(struct dentry *dir, const struct sev_tio_fw_ops *ops,
		     void *priv)
{
	mutex_init(&tsm_psp_vm.lock);
	tsm_psp_vm.ops = ops;
	tsm_psp_vm.priv = priv;
	if (tsm_psp_guest_init())
		pr_err("no guest side: out of memory\n");
	debugfs_create_file("vm", 0600, dir, NULL, &tsm_psp_vm_fops);
}

/**
 * tsm_psp_vm_exit() - destroy the VM if it exists
 *
 * Called once the "vm" file is gone, before the emulated RMP is.
 */
void tsm_psp_vm_exit(void)
{
	tsm_psp_guest_fini();
	mutex_lock(&tsm_psp_vm.lock);
	if (tsm_psp_vm.gctx)
		tsm_psp_vm_destroy(&tsm_psp_vm);
	mutex_unlock(&tsm_psp_vm.lock);
	mutex_destroy(&tsm_psp_vm.lock);
}
