// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated TEE-IO PCIe platform (test only): PCI domains with root ports
 * and endpoints whose configuration space lives in memory.  See tsm-emu.h
 * for the topology and the API.
 *
 * Each instance is a host bridge without parent (/sys/devices/pciDDDD:00)
 * and with its own x86 struct pci_sysdata.  Its two memory windows are
 * fake: they are reserved in iomem_resource near the top of the physical
 * address space so that nothing else uses them, and no BAR is ever
 * accessed.  The non-prefetchable window is translated to bus addresses
 * below 4 GiB (%TSM_EMU_MEM_BUS_BASE) because bridge memory windows are
 * 32-bit; the prefetchable window is 64-bit with identical CPU and bus
 * addresses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/irq_sim.h>
#include <linux/irqdomain.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "emu-priv.h"

#define TSM_EMU_MEM_SIZE	SZ_128M
#define TSM_EMU_MEM_BUS_BASE	0x80000000ULL
#define TSM_EMU_PREF_SIZE	SZ_256M
/* The windows are allocated from the top TSM_EMU_SEARCH of iomem */
#define TSM_EMU_SEARCH		SZ_64G

static int domain = TSM_EMU_DEFAULT_DOMAIN;
module_param(domain, int, 0444);
MODULE_PARM_DESC(domain, "PCI domain of the first default instance (default 0xf0; SEV-TIO segment IDs are 8 bits)");

static unsigned int nr_ports = 3;
module_param(nr_ports, uint, 0444);
MODULE_PARM_DESC(nr_ports,
		 "Root ports of each default instance, 1-8; ports 3 and up get a single-function TEE endpoint (default 3)");

static unsigned int rp_streams = 4;
module_param(rp_streams, uint, 0444);
MODULE_PARM_DESC(rp_streams, "Selective IDE streams per root port (default 4)");

static unsigned int ep_streams = 2;
module_param(ep_streams, uint, 0444);
MODULE_PARM_DESC(ep_streams, "Selective IDE streams per IDE endpoint (default 2)");

static bool create_default = true;
module_param(create_default, bool, 0444);
MODULE_PARM_DESC(create_default, "Create the default instances at load (default Y)");

static unsigned int mfd_funcs;
module_param(mfd_funcs, uint, 0444);
MODULE_PARM_DESC(mfd_funcs,
		 "If set (2-8), every root port of the default instances gets a TEE endpoint of that many functions (default 0: the usual layout)");

static bool doe_irq;
module_param(doe_irq, bool, 0444);
MODULE_PARM_DESC(doe_irq,
		 "DOE mailboxes of the default instances signal responses on a simulated interrupt (default N: polling only)");

static unsigned int nr_domains = 1;
module_param(nr_domains, uint, 0444);
MODULE_PARM_DESC(nr_domains,
		 "Default instances, each its own host bridge, at consecutive domains from 'domain', 1-4 (default 1)");

static unsigned int guest_bus;
module_param(guest_bus, uint, 0444);
MODULE_PARM_DESC(guest_bus,
		 "If set (1-0xf0), one more default instance in domain 0, its root bus at this bus number: a confidential VM's view of the devices, in segment 0 as guest messages require (default 0: none)");

/* Serialises instance creation and removal, protects tsm_emu_list */
static DEFINE_MUTEX(tsm_emu_list_lock);
static LIST_HEAD(tsm_emu_list);
/* Created at load, removed at unload: stable in between */
static struct tsm_emu *tsm_emu_default_inst[TSM_EMU_MAX_DEFAULT];
static struct dentry *tsm_emu_debugfs;

static struct tsm_emu *tsm_emu_from_bus(struct pci_bus *bus)
{
	return container_of((struct pci_sysdata *)bus->sysdata, struct tsm_emu,
			    sysdata);
}

static u8 tsm_emu_secondary(struct tsm_emu_fn *rp)
{
	return rp->cfg[PCI_PRIMARY_BUS / 4] >> 8;
}

/*
 * Type 1 routing: the root bus (bus_base) holds the root ports, any other
 * bus is the secondary bus of at most one root port as currently
 * programmed.
 */
static struct tsm_emu_fn *tsm_emu_route(struct tsm_emu *emu,
					unsigned int busnr, unsigned int devfn)
{
	unsigned int i;

	lockdep_assert_held(&emu->lock);
	if (busnr == emu->cfg.bus_base) {
		if (PCI_FUNC(devfn) || PCI_SLOT(devfn) >= emu->cfg.nr_ports)
			return NULL;
		return emu->rp[PCI_SLOT(devfn)];
	}
	if (PCI_SLOT(devfn) || PCI_FUNC(devfn) >= TSM_EMU_MAX_FUNCS)
		return NULL;
	for (i = 0; i < emu->cfg.nr_ports; i++)
		if (tsm_emu_secondary(emu->rp[i]) == busnr)
			return emu->ep[i][PCI_FUNC(devfn)];
	return NULL;
}

static int tsm_emu_pci_read(struct pci_bus *bus, unsigned int devfn, int where,
			    int size, u32 *val)
{
	struct tsm_emu *emu = tsm_emu_from_bus(bus);
	int rc = PCIBIOS_SUCCESSFUL;
	struct tsm_emu_fn *fn;
	unsigned long flags;
	u32 dw;

	raw_spin_lock_irqsave(&emu->lock, flags);
	fn = tsm_emu_route(emu, bus->number, devfn);
	if (!fn || where < 0 || where + size > PCI_CFG_SPACE_EXP_SIZE) {
		PCI_SET_ERROR_RESPONSE(val);
		rc = PCIBIOS_DEVICE_NOT_FOUND;
	} else if (fn->powered_off) {
		/* No link: the root port completes the read with all ones */
		PCI_SET_ERROR_RESPONSE(val);
	} else {
		dw = fn->cfg[where / 4] >> (8 * (where & 3));
		*val = size == 4 ? dw : dw & GENMASK(size * 8 - 1, 0);
	}
	raw_spin_unlock_irqrestore(&emu->lock, flags);
	return rc;
}

static int tsm_emu_pci_write(struct pci_bus *bus, unsigned int devfn,
			     int where, int size, u32 val)
{
	struct tsm_emu *emu = tsm_emu_from_bus(bus);
	unsigned int shift = 8 * (where & 3);
	u32 bytes = size == 4 ? ~0U : GENMASK(size * 8 - 1, 0) << shift;
	int rc = PCIBIOS_SUCCESSFUL;
	struct tsm_emu_fn *fn;
	unsigned long flags;

	raw_spin_lock_irqsave(&emu->lock, flags);
	fn = tsm_emu_route(emu, bus->number, devfn);
	if (!fn || where < 0 || where + size > PCI_CFG_SPACE_EXP_SIZE)
		rc = PCIBIOS_DEVICE_NOT_FOUND;
	else if (!fn->powered_off)	/* no link: the write goes nowhere */
		tsm_emu_fn_write(fn, where / 4, val << shift, bytes);
	raw_spin_unlock_irqrestore(&emu->lock, flags);
	return rc;
}

static struct pci_ops tsm_emu_pci_ops = {
	.read = tsm_emu_pci_read,
	.write = tsm_emu_pci_write,
};

void tsm_emu_default_config(struct tsm_emu_config *cfg, int domain)
{
	*cfg = (struct tsm_emu_config) {
		.domain = domain,
		.nr_ports = 3,
		.ep = { TSM_EMU_EP_DSM_MFD, TSM_EMU_EP_DSM, TSM_EMU_EP_PLAIN },
		.rp_nr_sel = 4,
		.rp_nr_assoc = 2,
		.rp_nr_link = 1,
		.ep_nr_sel = 2,
		.ep_nr_assoc = 1,
		.ep_nr_link = 0,
	};
}
EXPORT_SYMBOL_GPL(tsm_emu_default_config);

static int tsm_emu_check_config(const struct tsm_emu_config *cfg)
{
	unsigned int i, rp_end, ep_end;

	if (cfg->domain < 0 || !cfg->nr_ports ||
	    cfg->nr_ports > TSM_EMU_MAX_PORTS ||
	    cfg->bus_base + cfg->nr_ports > 0xff)
		return -EINVAL;
	for (i = 0; i < cfg->nr_ports; i++)
		if (cfg->ep[i] > TSM_EMU_EP_DSM_MFD)
			return -EINVAL;
	if (cfg->mfd_funcs == 1 || cfg->mfd_funcs > TSM_EMU_MAX_FUNCS)
		return -EINVAL;
	if (!cfg->rp_nr_sel || cfg->rp_nr_sel > TSM_EMU_MAX_SEL ||
	    !cfg->ep_nr_sel || cfg->ep_nr_sel > TSM_EMU_MAX_SEL ||
	    cfg->rp_nr_assoc > TSM_EMU_MAX_ASSOC ||
	    cfg->ep_nr_assoc > TSM_EMU_MAX_ASSOC ||
	    cfg->rp_nr_link > TSM_EMU_MAX_LINK ||
	    cfg->ep_nr_link > TSM_EMU_MAX_LINK)
		return -EINVAL;

	/* The IDE capability is the last one; it must fit in 4 KiB */
	rp_end = TSM_EMU_EXT_OFF + TSM_EMU_DEV3_SIZE +
		 tsm_emu_ide_size(cfg->rp_nr_link, cfg->rp_nr_sel,
				  cfg->rp_nr_assoc);
	ep_end = TSM_EMU_EXT_OFF + PCI_DOE_CAP_SIZEOF + TSM_EMU_DEV3_SIZE +
		 tsm_emu_ide_size(cfg->ep_nr_link, cfg->ep_nr_sel,
				  cfg->ep_nr_assoc);
	if (rp_end > PCI_CFG_SPACE_EXP_SIZE || ep_end > PCI_CFG_SPACE_EXP_SIZE)
		return -EINVAL;
	return 0;
}

static struct tsm_emu_fn *tsm_emu_fn_alloc(struct tsm_emu *emu,
					   unsigned int port, u8 bus, u8 devfn,
					   unsigned int flags,
					   enum tsm_emu_ep_kind kind)
{
	const struct tsm_emu_config *cfg = &emu->cfg;
	struct tsm_emu_fn *fn;

	fn = kvzalloc(sizeof(*fn), GFP_KERNEL);
	if (!fn)
		return NULL;
	fn->emu = emu;
	fn->port = port;
	fn->bus = bus;
	fn->devfn = devfn;
	fn->flags = flags;
	snprintf(fn->name, sizeof(fn->name), "%04x:%02x:%02x.%d", cfg->domain,
		 bus, PCI_SLOT(devfn), PCI_FUNC(devfn));
	if (flags & TSM_EMU_FN_ROOT_PORT) {
		fn->nr_link = cfg->rp_nr_link;
		fn->nr_sel = cfg->rp_nr_sel;
		fn->nr_assoc = cfg->rp_nr_assoc;
	} else if (flags & TSM_EMU_FN_IDE) {
		fn->nr_link = cfg->ep_nr_link;
		fn->nr_sel = cfg->ep_nr_sel;
		fn->nr_assoc = cfg->ep_nr_assoc;
	}
	tsm_emu_fn_build(fn, kind);
	if ((flags & TSM_EMU_FN_DOE) && tsm_emu_doe_init(fn, fn->doe_off)) {
		kvfree(fn);
		return NULL;
	}
	return fn;
}

static void tsm_emu_fn_free(struct tsm_emu_fn *fn)
{
	if (!fn)
		return;
	tsm_emu_doe_free(fn);
	kvfree(fn);
}

static void tsm_emu_free_fns(struct tsm_emu *emu)
{
	unsigned int i, f;

	for (i = 0; i < TSM_EMU_MAX_PORTS; i++) {
		tsm_emu_fn_free(emu->rp[i]);
		for (f = 0; f < TSM_EMU_MAX_FUNCS; f++)
			tsm_emu_fn_free(emu->ep[i][f]);
	}
}

static int tsm_emu_build_topology(struct tsm_emu *emu)
{
	const unsigned int dsm = TSM_EMU_FN_TEE | TSM_EMU_FN_DOE | TSM_EMU_FN_IDE;
	unsigned int i, f, nr_fn, flags;
	struct tsm_emu_fn *rp, *ep;

	for (i = 0; i < emu->cfg.nr_ports; i++) {
		enum tsm_emu_ep_kind kind = emu->cfg.ep[i];

		rp = tsm_emu_fn_alloc(emu, i, emu->cfg.bus_base, PCI_DEVFN(i, 0),
				      TSM_EMU_FN_ROOT_PORT, kind);
		if (!rp)
			return -ENOMEM;
		emu->rp[i] = rp;

		nr_fn = kind == TSM_EMU_EP_NONE ? 0 :
			kind != TSM_EMU_EP_DSM_MFD ? 1 :
			emu->cfg.mfd_funcs ?: 2;
		for (f = 0; f < nr_fn; f++) {
			if (kind == TSM_EMU_EP_PLAIN)
				flags = 0;
			else if (f)
				flags = TSM_EMU_FN_TEE;
			else
				flags = dsm;
			ep = tsm_emu_fn_alloc(emu, i, emu->cfg.bus_base + i + 1,
					      PCI_DEVFN(0, f),
					      flags, kind);
			if (!ep)
				return -ENOMEM;
			emu->ep[i][f] = ep;
		}

		ep = emu->ep[i][0];
		if (ep && ep->ide_off) {
			rp->partner = ep;
			ep->partner = rp;
		}
	}
	return 0;
}

static int tsm_emu_alloc_window(struct resource *res, const char *name,
				resource_size_t size, unsigned long flags)
{
	resource_size_t end = iomem_resource.end;

	if (end < 2 * TSM_EMU_SEARCH)
		return -EBUSY;
	res->name = name;
	res->flags = flags;
	return allocate_resource(&iomem_resource, res, size,
				 end - TSM_EMU_SEARCH + 1, end, size,
				 NULL, NULL);
}

/* debugfs: per function config dump, DOE fault knobs and IDE keys */

static int tsm_emu_config_show(struct seq_file *s, void *unused)
{
	struct tsm_emu_fn *fn = s->private;
	unsigned int i;

	for (i = 0; i < PCI_CFG_SPACE_EXP_SIZE; i += 16)
		seq_printf(s, "%03x: %08x %08x %08x %08x\n", i,
			   tsm_emu_cfg_peek(fn, i), tsm_emu_cfg_peek(fn, i + 4),
			   tsm_emu_cfg_peek(fn, i + 8),
			   tsm_emu_cfg_peek(fn, i + 12));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tsm_emu_config);

static int tsm_emu_doe_stats_show(struct seq_file *s, void *unused)
{
	struct tsm_emu_doe_stats st;
	struct tsm_emu_fn *fn = s->private;
	enum tsm_emu_doe_fault fault;
	unsigned int count, skip, delay;
	unsigned long flags;

	tsm_emu_doe_get_stats(fn, &st);
	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	fault = fn->doe->fault;
	count = fn->doe->fault_count;
	skip = fn->doe->fault_skip;
	delay = fn->doe->delay_ms;
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	seq_printf(s, "requests %llu\nresponses %llu\naborts %llu\nerrors %llu\n",
		   st.requests, st.responses, st.aborts, st.errors);
	seq_printf(s, "fault %s %u %u\ndelay_ms %u\n",
		   tsm_emu_doe_fault_name(fault), count, skip, delay);
	seq_printf(s, "irq %u\nirqs %llu\n", fn->doe->irq, st.irqs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tsm_emu_doe_stats);

static ssize_t tsm_emu_get_line(const char __user *ubuf, size_t len,
				char *buf, size_t size)
{
	if (!len || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return len;
}

/* "<fault name> [count [skip]]" */
static ssize_t tsm_emu_doe_fault_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	struct tsm_emu_fn *fn = file->private_data;
	char buf[48], *p, *name, *num;
	unsigned int count = 1, skip = 0;
	enum tsm_emu_doe_fault f;
	ssize_t rc;

	rc = tsm_emu_get_line(ubuf, len, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	p = strim(buf);
	name = strsep(&p, " ");
	if (p) {
		num = strsep(&p, " ");
		if (kstrtouint(num, 0, &count))
			return -EINVAL;
	}
	if (p && kstrtouint(skip_spaces(p), 0, &skip))
		return -EINVAL;
	for (f = 0; f < TSM_EMU_DOE_FAULT_MAX; f++)
		if (!strcmp(name, tsm_emu_doe_fault_name(f)))
			break;
	if (f == TSM_EMU_DOE_FAULT_MAX)
		return -EINVAL;
	rc = tsm_emu_doe_inject_after(fn, f, count, skip);
	return rc ? rc : len;
}

static const struct file_operations tsm_emu_doe_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = tsm_emu_doe_fault_write,
	.llseek = noop_llseek,
};

static int tsm_emu_doe_delay_set(void *data, u64 val)
{
	if (val > TSM_EMU_MAX_DELAY_MS)
		return -EINVAL;
	return tsm_emu_doe_set_delay(data, val);
}
DEFINE_DEBUGFS_ATTRIBUTE(tsm_emu_doe_delay_fops, NULL, tsm_emu_doe_delay_set,
			 "%llu\n");

static int tsm_emu_ide_keys_show(struct seq_file *s, void *unused)
{
	struct tsm_emu_fn *fn = s->private;
	unsigned int id;

	int tx;

	for (id = 0; id < TSM_EMU_NR_STREAM_IDS; id++) {
		if (!tsm_emu_fn_ide_key_is_set(fn, id))
			continue;
		tx = tsm_emu_fn_ide_tx_key_set(fn, id);
		if (tx >= 0)
			seq_printf(s, "%u tx K%d\n", id, tx);
	}
	return 0;
}

static int tsm_emu_ide_keys_open(struct inode *inode, struct file *file)
{
	return single_open(file, tsm_emu_ide_keys_show, inode->i_private);
}

/* "<stream id> go|stop" */
static ssize_t tsm_emu_ide_keys_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct tsm_emu_fn *fn = ((struct seq_file *)file->private_data)->private;
	char buf[32], *p, *id_str;
	ssize_t rc;
	bool go;
	u8 id;

	rc = tsm_emu_get_line(ubuf, len, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	p = strim(buf);
	id_str = strsep(&p, " ");
	if (!p || kstrtou8(id_str, 0, &id))
		return -EINVAL;
	p = skip_spaces(p);
	if (!strcmp(p, "go"))
		go = true;
	else if (!strcmp(p, "stop"))
		go = false;
	else
		return -EINVAL;
	rc = tsm_emu_fn_ide_key_set(fn, id, go);
	return rc ? rc : len;
}

static int tsm_emu_ide_refused_get(void *data, u64 *val)
{
	*val = tsm_emu_fn_ide_refused(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tsm_emu_ide_refused_fops, tsm_emu_ide_refused_get,
			 NULL, "%llu\n");

/* "on" or "off", and the power cycles: see tsm_emu_fn_set_power() */
static int tsm_emu_power_show(struct seq_file *s, void *unused)
{
	struct tsm_emu_fn *fn = s->private;
	unsigned long flags, cycles;
	bool off;

	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	off = fn->powered_off;
	cycles = fn->power_cycles;
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	seq_printf(s, "%s\ncycles %lu\n", off ? "off" : "on", cycles);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tsm_emu_power);

static const struct file_operations tsm_emu_ide_keys_fops = {
	.owner = THIS_MODULE,
	.open = tsm_emu_ide_keys_open,
	.read = seq_read,
	.write = tsm_emu_ide_keys_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static void tsm_emu_debugfs_add(struct tsm_emu *emu)
{
	struct tsm_emu_fn *fn;
	char name[16];

	snprintf(name, sizeof(name), "%04x", emu->cfg.domain);
	emu->dbg = debugfs_create_dir(name, tsm_emu_debugfs);
	for (fn = tsm_emu_fn_next(emu, NULL); fn; fn = tsm_emu_fn_next(emu, fn)) {
		/* Skip "DDDD:" */
		fn->dbg = debugfs_create_dir(strchr(fn->name, ':') + 1,
					     emu->dbg);
		debugfs_create_file("config", 0400, fn->dbg, fn,
				    &tsm_emu_config_fops);
		if (!(fn->flags & TSM_EMU_FN_ROOT_PORT))
			debugfs_create_file("power", 0400, fn->dbg, fn,
					    &tsm_emu_power_fops);
		if (fn->doe) {
			debugfs_create_file("doe_fault", 0200, fn->dbg, fn,
					    &tsm_emu_doe_fault_fops);
			debugfs_create_file_unsafe("doe_delay_ms", 0200,
						   fn->dbg, fn,
						   &tsm_emu_doe_delay_fops);
			debugfs_create_file("doe_stats", 0400, fn->dbg, fn,
					    &tsm_emu_doe_stats_fops);
		}
		if (fn->ide_off) {
			debugfs_create_file("ide_keys", 0600, fn->dbg, fn,
					    &tsm_emu_ide_keys_fops);
			debugfs_create_file("ide_refused", 0400, fn->dbg, fn,
					    &tsm_emu_ide_refused_fops);
		}
	}
}

static void tsm_emu_remove(struct tsm_emu *emu);

/* Give every DOE mailbox a simulated interrupt (&tsm_emu_config.doe_irq) */
static int tsm_emu_doe_irqs_alloc(struct tsm_emu *emu)
{
	struct tsm_emu_fn *fn;
	unsigned int hwirq = 0;
	int virq;

	if (!emu->cfg.doe_irq)
		return 0;
	emu->irq_fwnode = irq_domain_alloc_named_id_fwnode("tsm_emu",
							   emu->cfg.domain);
	if (!emu->irq_fwnode)
		return -ENOMEM;
	emu->irq_dom = irq_domain_create_sim(emu->irq_fwnode,
					     TSM_EMU_MAX_PORTS * TSM_EMU_MAX_FUNCS);
	if (IS_ERR(emu->irq_dom)) {
		virq = PTR_ERR(emu->irq_dom);
		emu->irq_dom = NULL;
		return virq;
	}
	for (fn = tsm_emu_fn_next(emu, NULL); fn; fn = tsm_emu_fn_next(emu, fn)) {
		if (!fn->doe)
			continue;
		virq = irq_create_mapping(emu->irq_dom, hwirq++);
		if (!virq)
			return -ENOMEM;
		fn->doe->irq = virq;
	}
	return 0;
}

/* After the functions are gone: no interrupt is requested any more */
static void tsm_emu_doe_irqs_free(struct tsm_emu *emu)
{
	struct tsm_emu_fn *fn;

	if (emu->irq_dom) {
		for (fn = tsm_emu_fn_next(emu, NULL); fn;
		     fn = tsm_emu_fn_next(emu, fn))
			if (fn->doe && fn->doe->irq)
				irq_dispose_mapping(fn->doe->irq);
		irq_domain_remove_sim(emu->irq_dom);
	}
	if (emu->irq_fwnode)
		irq_domain_free_fwnode(emu->irq_fwnode);
}

/*
 * Play the driver that owns the vectors: route the mailbox of each added
 * function to its simulated interrupt.  Removing a function frees it (the
 * DOE core does); a function added again by a rescan polls.  A
 * pci_walk_bus() callback: *@data is the first error, which stops the walk.
 */
static int tsm_emu_doe_irq_request(struct pci_dev *pdev, void *data)
{
	struct tsm_emu_fn *fn = tsm_emu_pdev_to_fn(pdev);
	struct pci_doe_mb *mb;
	int *err = data;
	int rc;

	if (!fn || !fn->doe || !fn->doe->irq)
		return 0;
	/* Every mailbox supports Discovery: this finds the first one */
	mb = pci_find_doe_mailbox(pdev, PCI_VENDOR_ID_PCI_SIG,
				  PCI_DOE_FEATURE_DISCOVERY);
	rc = mb ? pci_doe_irq_msgnum(mb) : -ENODEV;
	if (!rc)
		rc = pci_doe_request_irq(mb, fn->doe->irq);
	else if (rc > 0)
		rc = -EINVAL;	/* not the message number routed */
	if (rc) {
		pci_err(pdev, "cannot route the DOE interrupt: %d\n", rc);
		*err = rc;
		return 1;
	}
	return 0;
}

static void tsm_emu_free(struct tsm_emu *emu)
{
	if (emu->wq)
		destroy_workqueue(emu->wq);
	tsm_emu_doe_irqs_free(emu);
	tsm_emu_free_fns(emu);
	kfree(emu);
}

struct tsm_emu *tsm_emu_create(const struct tsm_emu_config *cfg)
{
	struct pci_host_bridge *bridge;
	struct pci_bus *bus, *child;
	struct tsm_emu *emu;
	LIST_HEAD(resources);
	int rc;

	rc = tsm_emu_check_config(cfg);
	if (rc)
		return ERR_PTR(rc);

	emu = kzalloc(sizeof(*emu), GFP_KERNEL);
	if (!emu)
		return ERR_PTR(-ENOMEM);
	emu->cfg = *cfg;
	raw_spin_lock_init(&emu->lock);
	init_rwsem(&emu->responder_rwsem);
	INIT_LIST_HEAD(&emu->node);
	emu->sysdata.domain = cfg->domain;
	emu->sysdata.node = NUMA_NO_NODE;

	rc = tsm_emu_build_topology(emu);
	if (rc)
		goto err_free;
	rc = tsm_emu_doe_irqs_alloc(emu);
	if (rc)
		goto err_free;
	emu->wq = alloc_workqueue("tsm_emu_%04x", WQ_UNBOUND, 0, cfg->domain);
	if (!emu->wq) {
		rc = -ENOMEM;
		goto err_free;
	}

	mutex_lock(&tsm_emu_list_lock);
	if (pci_find_bus(cfg->domain, cfg->bus_base)) {
		rc = -EEXIST;
		goto err_unlock;
	}
	rc = tsm_emu_alloc_window(&emu->mem, "tsm_emu MEM", TSM_EMU_MEM_SIZE,
				  IORESOURCE_MEM);
	if (rc)
		goto err_unlock;
	rc = tsm_emu_alloc_window(&emu->pref, "tsm_emu PREF",
				  TSM_EMU_PREF_SIZE,
				  IORESOURCE_MEM | IORESOURCE_PREFETCH |
				  IORESOURCE_MEM_64);
	if (rc)
		goto err_mem;

	emu->busn = (struct resource) {
		.name = "tsm_emu bus",
		.start = cfg->bus_base,
		.end = 0xff,
		.flags = IORESOURCE_BUS,
	};
	pci_add_resource(&resources, &emu->busn);
	pci_add_resource_offset(&resources, &emu->mem,
				emu->mem.start - TSM_EMU_MEM_BUS_BASE);
	pci_add_resource(&resources, &emu->pref);

	tsm_emu_debugfs_add(emu);
	/* ACPI companions are looked up while the functions are scanned */
	tsm_emu_pm_attach(emu);

	pci_lock_rescan_remove();
	bus = pci_create_root_bus(NULL, cfg->bus_base, &tsm_emu_pci_ops,
				  &emu->sysdata, &resources);
	if (!bus) {
		pci_unlock_rescan_remove();
		pci_free_resource_list(&resources);
		rc = -ENOMEM;
		goto err_debugfs;
	}
	emu->bus = bus;

	/*
	 * No AER, PME, hotplug, DPC or LTR: the ports have no interrupts
	 * and portdrv must not try to use them.
	 */
	bridge = to_pci_host_bridge(bus->bridge);
	bridge->native_aer = 0;
	bridge->native_pcie_hotplug = 0;
	bridge->native_shpc_hotplug = 0;
	bridge->native_pme = 0;
	bridge->native_ltr = 0;
	bridge->native_dpc = 0;
	bridge->native_cxl_error = 0;

	pci_scan_child_bus(bus);
	pci_bus_size_bridges(bus);
	pci_bus_assign_resources(bus);
	list_for_each_entry(child, &bus->children, node)
		pcie_bus_configure_settings(child);
	pci_bus_add_devices(bus);
	rc = 0;
	if (emu->cfg.doe_irq)
		pci_walk_bus(bus, tsm_emu_doe_irq_request, &rc);
	pci_unlock_rescan_remove();

	list_add_tail(&emu->node, &tsm_emu_list);
	if (rc) {
		/* Removing the functions frees the interrupts requested */
		tsm_emu_remove(emu);
		mutex_unlock(&tsm_emu_list_lock);
		return ERR_PTR(rc);
	}
	mutex_unlock(&tsm_emu_list_lock);
	return emu;

err_debugfs:
	tsm_emu_pm_detach(emu);
	debugfs_remove_recursive(emu->dbg);
	release_resource(&emu->pref);
err_mem:
	release_resource(&emu->mem);
err_unlock:
	mutex_unlock(&tsm_emu_list_lock);
err_free:
	tsm_emu_free(emu);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_GPL(tsm_emu_create);

static void tsm_emu_remove(struct tsm_emu *emu)
{
	struct pci_host_bridge *bridge = to_pci_host_bridge(emu->bus->bridge);

	lockdep_assert_held(&tsm_emu_list_lock);
	list_del(&emu->node);
	debugfs_remove_recursive(emu->dbg);

	pci_lock_rescan_remove();
	pci_stop_root_bus(emu->bus);
	pci_remove_root_bus(emu->bus);
	pci_unlock_rescan_remove();
	/* Drop the reference pci_create_root_bus() returned the bridge with */
	put_device(&bridge->dev);
	tsm_emu_pm_detach(emu);

	/* No pci_dev is left: drain the mailbox work before freeing it */
	destroy_workqueue(emu->wq);
	emu->wq = NULL;
	release_resource(&emu->pref);
	release_resource(&emu->mem);
	tsm_emu_free(emu);
}

void tsm_emu_destroy(struct tsm_emu *emu)
{
	if (!emu)
		return;
	guard(mutex)(&tsm_emu_list_lock);
	tsm_emu_remove(emu);
}
EXPORT_SYMBOL_GPL(tsm_emu_destroy);

struct tsm_emu *tsm_emu_default_nth(unsigned int n)
{
	return n < ARRAY_SIZE(tsm_emu_default_inst) ? tsm_emu_default_inst[n] :
						      NULL;
}
EXPORT_SYMBOL_GPL(tsm_emu_default_nth);

int tsm_emu_domain(struct tsm_emu *emu)
{
	return emu->cfg.domain;
}
EXPORT_SYMBOL_GPL(tsm_emu_domain);

struct pci_bus *tsm_emu_root_bus(struct tsm_emu *emu)
{
	return emu->bus;
}
EXPORT_SYMBOL_GPL(tsm_emu_root_bus);

struct tsm_emu_fn *tsm_emu_root_port(struct tsm_emu *emu, unsigned int port)
{
	if (port >= emu->cfg.nr_ports)
		return NULL;
	return emu->rp[port];
}
EXPORT_SYMBOL_GPL(tsm_emu_root_port);

struct tsm_emu_fn *tsm_emu_endpoint(struct tsm_emu *emu, unsigned int port,
				    unsigned int func)
{
	if (port >= emu->cfg.nr_ports || func >= TSM_EMU_MAX_FUNCS)
		return NULL;
	return emu->ep[port][func];
}
EXPORT_SYMBOL_GPL(tsm_emu_endpoint);

struct tsm_emu_fn *tsm_emu_fn_next(struct tsm_emu *emu,
				   struct tsm_emu_fn *prev)
{
	unsigned int port = 0, f = 0;

	if (prev) {
		port = prev->port;
		if (!(prev->flags & TSM_EMU_FN_ROOT_PORT))
			f = PCI_FUNC(prev->devfn) + 1;
	} else {
		return emu->rp[0];
	}

	for (; f < TSM_EMU_MAX_FUNCS; f++)
		if (emu->ep[port][f])
			return emu->ep[port][f];
	if (port + 1 < emu->cfg.nr_ports)
		return emu->rp[port + 1];
	return NULL;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_next);

struct tsm_emu_fn *tsm_emu_pdev_to_fn(struct pci_dev *pdev)
{
	struct tsm_emu_fn *fn;
	unsigned long flags;
	struct tsm_emu *emu;

	if (!pdev || pdev->bus->ops != &tsm_emu_pci_ops)
		return NULL;
	emu = tsm_emu_from_bus(pdev->bus);
	raw_spin_lock_irqsave(&emu->lock, flags);
	fn = tsm_emu_route(emu, pdev->bus->number, pdev->devfn);
	raw_spin_unlock_irqrestore(&emu->lock, flags);
	return fn;
}
EXPORT_SYMBOL_GPL(tsm_emu_pdev_to_fn);

struct pci_dev *tsm_emu_fn_get_pci_dev(struct tsm_emu_fn *fn)
{
	struct tsm_emu *emu = fn->emu;
	struct pci_dev *pdev;
	unsigned int busnr = emu->cfg.bus_base;
	unsigned long flags;

	if (!(fn->flags & TSM_EMU_FN_ROOT_PORT)) {
		raw_spin_lock_irqsave(&emu->lock, flags);
		busnr = tsm_emu_secondary(emu->rp[fn->port]);
		raw_spin_unlock_irqrestore(&emu->lock, flags);
		if (!busnr)
			return NULL;
	}
	pdev = pci_get_domain_bus_and_slot(emu->cfg.domain, busnr, fn->devfn);
	if (pdev && pdev->bus->ops != &tsm_emu_pci_ops) {
		pci_dev_put(pdev);
		return NULL;
	}
	return pdev;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_get_pci_dev);

struct tsm_emu *tsm_emu_fn_emu(struct tsm_emu_fn *fn)
{
	return fn->emu;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_emu);

struct tsm_emu_fn *tsm_emu_fn_partner(struct tsm_emu_fn *fn)
{
	return fn->partner;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_partner);

const char *tsm_emu_fn_name(struct tsm_emu_fn *fn)
{
	return fn->name;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_name);

u16 tsm_emu_fn_rid(struct tsm_emu_fn *fn)
{
	return PCI_DEVID(fn->bus, fn->devfn);
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_rid);

unsigned int tsm_emu_fn_flags(struct tsm_emu_fn *fn)
{
	return fn->flags;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_flags);

u16 tsm_emu_fn_doe_offset(struct tsm_emu_fn *fn)
{
	return fn->doe_off;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_doe_offset);

unsigned int tsm_emu_fn_doe_irq(struct tsm_emu_fn *fn)
{
	return fn->doe ? fn->doe->irq : 0;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_doe_irq);

u16 tsm_emu_fn_ide_offset(struct tsm_emu_fn *fn)
{
	return fn->ide_off;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_ide_offset);

int tsm_emu_fn_ide_sel_offset(struct tsm_emu_fn *fn, unsigned int block)
{
	if (!fn->ide_off || block >= fn->nr_sel)
		return -EINVAL;
	return fn->ide_off + tsm_emu_ide_size(fn->nr_link, block, fn->nr_assoc);
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_ide_sel_offset);

u32 tsm_emu_cfg_peek(struct tsm_emu_fn *fn, unsigned int where)
{
	unsigned long flags;
	u32 val;

	if (where >= PCI_CFG_SPACE_EXP_SIZE)
		return ~0U;
	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	val = fn->cfg[where / 4];
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return val;
}
EXPORT_SYMBOL_GPL(tsm_emu_cfg_peek);

void tsm_emu_cfg_poke(struct tsm_emu_fn *fn, unsigned int where, u32 val)
{
	unsigned long flags;

	if (where >= PCI_CFG_SPACE_EXP_SIZE)
		return;
	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	fn->cfg[where / 4] = val;
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
}
EXPORT_SYMBOL_GPL(tsm_emu_cfg_poke);

int tsm_emu_notifier_register(struct tsm_emu *emu,
			      const struct tsm_emu_notifier_ops *ops,
			      void *data)
{
	unsigned long flags;
	int rc = 0;

	if (!ops || !ops->cfg_write)
		return -EINVAL;
	raw_spin_lock_irqsave(&emu->lock, flags);
	if (emu->notifier) {
		rc = -EBUSY;
	} else {
		emu->notifier = ops;
		emu->notifier_data = data;
	}
	raw_spin_unlock_irqrestore(&emu->lock, flags);
	return rc;
}
EXPORT_SYMBOL_GPL(tsm_emu_notifier_register);

void tsm_emu_notifier_unregister(struct tsm_emu *emu)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&emu->lock, flags);
	emu->notifier = NULL;
	emu->notifier_data = NULL;
	raw_spin_unlock_irqrestore(&emu->lock, flags);
}
EXPORT_SYMBOL_GPL(tsm_emu_notifier_unregister);

/* Called with &tsm_emu.lock held */
static void tsm_emu_key_update(struct tsm_emu_fn *fn, u8 stream_id, u8 ks,
			       enum tsm_emu_ide_dir dir, bool go, u32 tag)
{
	struct tsm_emu_ide_keys *k = &fn->keys[stream_id];
	u8 bit = BIT(2 * ks + dir), other = BIT(2 * (ks ^ 1) + dir);

	if (go) {
		k->go |= bit;
		k->tag[ks][dir] = tag;
		if (dir == TSM_EMU_IDE_TX)
			k->tx = ks;
		return;
	}
	k->go &= ~bit;
	k->tag[ks][dir] = 0;
	if (dir == TSM_EMU_IDE_TX && k->tx == ks && (k->go & other))
		k->tx = ks ^ 1;
}

int tsm_emu_fn_ide_key(struct tsm_emu_fn *fn, u8 stream_id, u8 key_set,
		       enum tsm_emu_ide_dir dir, bool go, u32 tag)
{
	unsigned long flags;

	if (!fn || !fn->ide_off)
		return -ENODEV;
	if (key_set > 1 || (dir != TSM_EMU_IDE_RX && dir != TSM_EMU_IDE_TX))
		return -EINVAL;
	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	tsm_emu_key_update(fn, stream_id, key_set, dir, go, tag);
	tsm_emu_ide_eval(fn);
	tsm_emu_ide_eval(fn->partner);
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_ide_key);

int tsm_emu_ide_key(struct pci_dev *pdev, u8 stream_id, u8 key_set,
		    enum tsm_emu_ide_dir dir, bool go, u32 tag)
{
	return tsm_emu_fn_ide_key(tsm_emu_pdev_to_fn(pdev), stream_id, key_set,
				  dir, go, tag);
}
EXPORT_SYMBOL_GPL(tsm_emu_ide_key);

int tsm_emu_fn_ide_key_set(struct tsm_emu_fn *fn, u8 stream_id, bool go)
{
	unsigned long flags;

	if (!fn || !fn->ide_off)
		return -ENODEV;
	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	if (go) {
		tsm_emu_key_update(fn, stream_id, 0, TSM_EMU_IDE_RX, true, 0);
		tsm_emu_key_update(fn, stream_id, 0, TSM_EMU_IDE_TX, true, 0);
	} else {
		fn->keys[stream_id] = (struct tsm_emu_ide_keys) {};
	}
	tsm_emu_ide_eval(fn);
	tsm_emu_ide_eval(fn->partner);
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_ide_key_set);

int tsm_emu_ide_key_set(struct pci_dev *pdev, u8 stream_id, bool go)
{
	return tsm_emu_fn_ide_key_set(tsm_emu_pdev_to_fn(pdev), stream_id, go);
}
EXPORT_SYMBOL_GPL(tsm_emu_ide_key_set);

static bool tsm_emu_tx_go(const struct tsm_emu_ide_keys *k)
{
	return k->go & BIT(2 * k->tx + TSM_EMU_IDE_TX);
}

bool tsm_emu_fn_ide_key_is_set(struct tsm_emu_fn *fn, u8 stream_id)
{
	const u8 rx = BIT(TSM_EMU_IDE_RX) | BIT(2 + TSM_EMU_IDE_RX);
	struct tsm_emu_ide_keys *k = &fn->keys[stream_id];
	unsigned long flags;
	bool set;

	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	set = tsm_emu_tx_go(k) && (k->go & rx);
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return set;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_ide_key_is_set);

int tsm_emu_fn_ide_tx_key_set(struct tsm_emu_fn *fn, u8 stream_id)
{
	struct tsm_emu_ide_keys *k = &fn->keys[stream_id];
	unsigned long flags;
	int ks;

	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	ks = tsm_emu_tx_go(k) ? k->tx : -ENOKEY;
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return ks;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_ide_tx_key_set);

unsigned long tsm_emu_fn_ide_refused(struct tsm_emu_fn *fn)
{
	unsigned long flags, n;

	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	n = fn->refused;
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_ide_refused);

int tsm_emu_fn_ide_inject_fail(struct tsm_emu_fn *fn, unsigned int block)
{
	int off = tsm_emu_fn_ide_sel_offset(fn, block);
	unsigned long flags;

	if (off < 0)
		return off;
	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	fn->cfg[(off + PCI_IDE_SEL_STS) / 4] |= PCI_IDE_SEL_STS_IDE_FAIL;
	fn->sel_armed &= ~BIT_ULL(block);
	tsm_emu_ide_eval(fn);
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_ide_inject_fail);

static bool tsm_emu_is_default(struct tsm_emu *emu)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tsm_emu_default_inst); i++)
		if (tsm_emu_default_inst[i] == emu)
			return true;
	return false;
}

static void tsm_emu_remove_defaults(void)
{
	struct tsm_emu *emu, *tmp;

	mutex_lock(&tsm_emu_list_lock);
	list_for_each_entry_safe(emu, tmp, &tsm_emu_list, node) {
		WARN(!tsm_emu_is_default(emu), "domain %04x was not destroyed\n",
		     emu->cfg.domain);
		tsm_emu_remove(emu);
	}
	memset(tsm_emu_default_inst, 0, sizeof(tsm_emu_default_inst));
	mutex_unlock(&tsm_emu_list_lock);
}

static int __init tsm_emu_init(void)
{
	struct tsm_emu_config cfg;
	struct tsm_emu *emu;
	unsigned int i, n;
	int rc;

	if (create_default && (!nr_domains ||
			       nr_domains + !!guest_bus > TSM_EMU_MAX_DEFAULT ||
			       domain < 0 || domain > 0xffff - (int)nr_domains ||
			       guest_bus > 0xf0)) {
		pr_err("nr_domains (with guest_bus) must be 1 to %u, the domains 0 to 0xffff, guest_bus at most 0xf0\n",
		       TSM_EMU_MAX_DEFAULT);
		return -EINVAL;
	}
	rc = tsm_emu_pm_init();
	if (rc)
		return rc;
	tsm_emu_debugfs = debugfs_create_dir("tsm_emu", NULL);
	if (!create_default)
		return 0;

	for (n = 0; n < nr_domains + !!guest_bus; n++) {
		tsm_emu_default_config(&cfg, n < nr_domains ? domain + n : 0);
		if (n == nr_domains)
			cfg.bus_base = guest_bus;
		cfg.nr_ports = nr_ports;
		for (i = 3; i < min_t(unsigned int, nr_ports, TSM_EMU_MAX_PORTS); i++)
			cfg.ep[i] = TSM_EMU_EP_DSM;
		if (mfd_funcs) {
			for (i = 0; i < TSM_EMU_MAX_PORTS; i++)
				cfg.ep[i] = TSM_EMU_EP_DSM_MFD;
			cfg.mfd_funcs = mfd_funcs;
		}
		cfg.doe_irq = doe_irq;
		cfg.rp_nr_sel = rp_streams;
		cfg.ep_nr_sel = ep_streams;
		emu = tsm_emu_create(&cfg);
		if (IS_ERR(emu)) {
			pr_err("cannot create domain %04x bus %02x: %pe\n",
			       cfg.domain, cfg.bus_base, emu);
			tsm_emu_remove_defaults();
			debugfs_remove_recursive(tsm_emu_debugfs);
			tsm_emu_pm_exit();
			return PTR_ERR(emu);
		}
		tsm_emu_default_inst[n] = emu;
	}
	return 0;
}
module_init(tsm_emu_init);

static void __exit tsm_emu_exit(void)
{
	tsm_emu_remove_defaults();
	debugfs_remove_recursive(tsm_emu_debugfs);
	tsm_emu_pm_exit();
}
module_exit(tsm_emu_exit);

MODULE_DESCRIPTION("Emulated TEE-IO PCIe platform (test only)");
MODULE_LICENSE("GPL");
