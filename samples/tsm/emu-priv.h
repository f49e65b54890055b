/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal definitions of the emulated TEE-IO PCIe platform.
 */
#ifndef _SAMPLES_TSM_EMU_PRIV_H_
#define _SAMPLES_TSM_EMU_PRIV_H_

#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "tsm-emu.h"

/* Size of an emulated configuration space, in dwords */
#define TSM_EMU_CFG_DW		(PCI_CFG_SPACE_EXP_SIZE / 4)

/* Fixed layout of the emulated configuration spaces */
#define TSM_EMU_PCIE_OFF	0x40
#define TSM_EMU_MSIX_OFF	0x80
#define TSM_EMU_PM_OFF		0x90	/* endpoints */
#define TSM_EMU_EXT_OFF		PCI_CFG_SPACE_SIZE
#define TSM_EMU_DEV3_SIZE	0x10

#define TSM_EMU_MAX_SEL		64
#define TSM_EMU_MAX_LINK	8
#define TSM_EMU_MAX_ASSOC	15
#define TSM_EMU_MAX_DELAY_MS	10000

/**
 * struct tsm_emu_doe - state of one emulated DOE mailbox
 * @fn: function owning the mailbox
 * @off: offset of the DOE extended capability
 * @work: computes the response in process context
 * @wlen: dwords in @wbuf
 * @woverflow: the request was longer than %TSM_EMU_DOE_MAX_DW
 * @pending: Go was written, @work has not picked the request up yet
 * @gen: bumped by Abort and reset; a response of an older generation is
 *	dropped
 * @fault: injected fault for the next @fault_count requests
 * @fault_count: requests @fault still applies to
 * @fault_skip: requests to answer normally before @fault applies
 * @cur_fault: fault of the request in flight
 * @delay_ms: responder latency
 * @rlen: dwords in @rbuf
 * @rpos: next dword of @rbuf the Read Data Mailbox returns
 * @stats: counters
 * @wbuf: request being written
 * @rbuf: response being read
 * @req: request copy, owned by @work
 * @rsp: response buffer, owned by @work
 * @irq: simulated interrupt of the mailbox, 0 if it is polling-only
 *
 * All fields but @req and @rsp are protected by the instance lock
 * (&tsm_emu.lock); @req and @rsp are only touched by @work, which never
 * runs concurrently with itself.
 */
struct tsm_emu_doe {
	struct tsm_emu_fn *fn;
	u16 off;
	struct work_struct work;
	unsigned int wlen;
	bool woverflow;
	bool pending;
	unsigned int gen;
	enum tsm_emu_doe_fault fault;
	unsigned int fault_count;
	unsigned int fault_skip;
	enum tsm_emu_doe_fault cur_fault;
	unsigned int delay_ms;
	unsigned int rlen;
	unsigned int rpos;
	struct tsm_emu_doe_stats stats;
	u32 wbuf[TSM_EMU_DOE_MAX_DW];
	u32 rbuf[TSM_EMU_DOE_MAX_DW];
	__le32 req[TSM_EMU_DOE_MAX_DW];
	__le32 rsp[TSM_EMU_DOE_MAX_DW];
	unsigned int irq;
};

#define TSM_EMU_NR_STREAM_IDS	256

/**
 * struct tsm_emu_ide_keys - IDE keys of one Stream ID of one function
 * @tag: tags of the keys, indexed [key set][direction]
 * @go: bit (2 * key set + direction) set: those keys are set to go
 * @tx: the key set the function transmits with, valid while its Tx keys
 *	are set to go: the one whose Tx keys were set to go last
 *
 * Directions are &enum tsm_emu_ide_dir.  A link partner's traffic passes
 * when the key set it transmits with has Rx keys set to go here with the
 * same tag.
 */
struct tsm_emu_ide_keys {
	u32 tag[2][2];
	u8 go;
	u8 tx;
};

/**
 * struct tsm_emu_fn - one emulated PCI function
 * @emu: instance
 * @port: root port index
 * @bus: bus number in the pre-programmed topology
 * @devfn: device and function number
 * @flags: &enum tsm_emu_fn_flags
 * @name: "DDDD:BB:DD.F"
 * @partner: IDE link partner, see tsm_emu_fn_partner()
 * @doe: DOE mailbox or NULL
 * @doe_off: offset of the DOE capability or 0
 * @ide_off: offset of the IDE capability or 0
 * @nr_link: Link IDE Stream blocks
 * @nr_sel: Selective IDE Stream blocks
 * @nr_assoc: Address Association blocks per selective block
 * @link_armed: bit N: Link block N had Enable written 0->1 and has not
 *	been disabled or re-targeted since
 * @sel_armed: same for Selective blocks
 * @keys: key state of each Stream ID
 * @link_failed: bit N: Link block N was Secure when traffic hit a key set
 *	its receiver lacks; it reads Insecure until Enable is written 0->1
 * @sel_failed: same for Selective blocks
 * @refused: times a Secure block of @fn failed that way
 * @powered_off: main power is off (ACPI power resource, D3cold): config
 *	reads return all ones, writes are dropped, as for a device whose
 *	link is down
 * @power_cycles: times main power came back after @powered_off
 * @dbg: debugfs directory
 * @cfg: configuration space as read
 * @wmask: writable bits
 * @w1c: write-1-to-clear bits
 * @init: reset value of @cfg
 *
 * @link_armed, @sel_armed, @keys, @link_failed, @sel_failed, @refused,
 * @powered_off, @power_cycles, @cfg and the DOE registers are protected
 * by &tsm_emu.lock; the rest does not change after creation.
 */
struct tsm_emu_fn {
	struct tsm_emu *emu;
	unsigned int port;
	u8 bus;
	u8 devfn;
	unsigned int flags;
	char name[24];
	struct tsm_emu_fn *partner;
	struct tsm_emu_doe *doe;
	u16 doe_off;
	u16 ide_off;
	unsigned int nr_link;
	unsigned int nr_sel;
	unsigned int nr_assoc;
	unsigned long link_armed;
	u64 sel_armed;
	struct tsm_emu_ide_keys keys[TSM_EMU_NR_STREAM_IDS];
	unsigned long link_failed;
	u64 sel_failed;
	unsigned long refused;
	bool powered_off;
	unsigned long power_cycles;
	struct dentry *dbg;
	u32 cfg[TSM_EMU_CFG_DW];
	u32 wmask[TSM_EMU_CFG_DW];
	u32 w1c[TSM_EMU_CFG_DW];
	u32 init[TSM_EMU_CFG_DW];
};

/**
 * struct tsm_emu - one emulated PCI domain
 * @sysdata: x86 PCI bus sysdata (domain number), bus->sysdata points here
 * @cfg: configuration the instance was created from
 * @lock: protects the emulated configuration spaces, mailbox registers and
 *	key state of all functions; a raw spinlock because config accessors
 *	run under the PCI core's raw pci_lock
 * @responder_rwsem: held for reading around responder calls, for writing
 *	to change @responder and @responder_data
 * @responder: registered DOE responder or NULL
 * @responder_data: cookie for @responder
 * @responder_raw: @responder builds whole data objects, header included
 *	(tsm_emu_doe_responder_register_raw())
 * @notifier: watchers of writes and resets or NULL; set and called under
 *	@lock
 * @notifier_data: cookie for @notifier
 * @wq: runs the DOE mailbox work items
 * @busn: bus number range of the root bus
 * @mem: non-prefetchable host bridge window (CPU addresses)
 * @pref: prefetchable 64-bit host bridge window
 * @bus: root bus
 * @rp: root ports
 * @ep: endpoint functions per root port
 * @dbg: debugfs directory
 * @node: entry in the list of instances
 * @irq_fwnode: names @irq_dom
 * @irq_dom: simulated interrupts of the DOE mailboxes (&tsm_emu_config.doe_irq)
 */
struct tsm_emu {
	struct pci_sysdata sysdata;
	struct tsm_emu_config cfg;
	raw_spinlock_t lock;
	struct rw_semaphore responder_rwsem;
	tsm_emu_doe_responder_t responder;
	void *responder_data;
	bool responder_raw;
	const struct tsm_emu_notifier_ops *notifier;
	void *notifier_data;
	struct workqueue_struct *wq;
	struct resource busn;
	struct resource mem;
	struct resource pref;
	struct pci_bus *bus;
	struct tsm_emu_fn *rp[TSM_EMU_MAX_PORTS];
	struct tsm_emu_fn *ep[TSM_EMU_MAX_PORTS][TSM_EMU_MAX_FUNCS];
	struct dentry *dbg;
	struct list_head node;
	struct fwnode_handle *irq_fwnode;
	struct irq_domain *irq_dom;
};

/* emu-cfg.c */
void tsm_emu_fn_build(struct tsm_emu_fn *fn, enum tsm_emu_ep_kind kind);
void tsm_emu_fn_write(struct tsm_emu_fn *fn, unsigned int reg, u32 val,
		      u32 bytes);
void tsm_emu_fn_reset(struct tsm_emu_fn *fn, enum tsm_emu_reset_type type);
void tsm_emu_ide_eval(struct tsm_emu_fn *fn);
void tsm_emu_fn_set_power(struct tsm_emu_fn *fn, bool on);
unsigned int tsm_emu_ide_size(unsigned int nr_link, unsigned int nr_sel,
			      unsigned int nr_assoc);

/* emu-doe.c */
int tsm_emu_doe_init(struct tsm_emu_fn *fn, u16 off);
void tsm_emu_doe_free(struct tsm_emu_fn *fn);
void tsm_emu_doe_write(struct tsm_emu_doe *doe, unsigned int reg, u32 val,
		       u32 bytes);
void tsm_emu_doe_reset(struct tsm_emu_doe *doe);
const char *tsm_emu_doe_fault_name(enum tsm_emu_doe_fault fault);

/* emu-pm.c */
int tsm_emu_pm_init(void);
void tsm_emu_pm_exit(void);
void tsm_emu_pm_attach(struct tsm_emu *emu);
void tsm_emu_pm_detach(struct tsm_emu *emu);

#endif /* _SAMPLES_TSM_EMU_PRIV_H_ */
