// SPDX-License-Identifier: GPL-2.0
/*
 * PCIe Integrity and Data Encryption (IDE) stream library
 *
 * Discovers the IDE Extended Capability on Root Ports and Endpoints,
 * accounts Selective IDE streams per host bridge and programs the
 * non-secret stream registers.  Keys are the TSM's business.
 */

#define dev_fmt(fmt) "IDE: " fmt

#include <linux/bitfield.h>
#include <linux/cleanup.h>
#include <linux/idr.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-ide.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "pci.h"

#define CREATE_TRACE_POINTS
#include <trace/events/tsm_ide.h>

/**
 * DOC: Locking
 *
 * - pci_dev::ide_cap and the other cached capability fields are written
 *   once by pci_ide_init() while the device is enumerated, before it is
 *   visible to anyone else, and read-only afterwards.
 * - pci_dev::ide_stream_ida (Selective block indices of a port) and
 *   pci_host_bridge::ide_stream_ida (stream index pool H) are IDAs, which
 *   lock themselves.
 * - pci_host_bridge::nr_ide_streams (pool size) and
 *   pci_host_bridge::nr_ide_streams_used (allocated H indices) of every
 *   host bridge are protected by @pci_ide_lock, a leaf lock that is never
 *   held across a call into sysfs.
 * - @pci_ide_sysfs_lock serialises pci_ide_set_nr_streams() callers so
 *   that the visibility of available_secure_streams follows the last
 *   written pool size.
 * - A &struct pci_ide is owned by its caller, which serialises the
 *   operations on it.  Streams never share a register block.
 */
static DEFINE_MUTEX(pci_ide_lock);
static DEFINE_MUTEX(pci_ide_sysfs_lock);

/* Offset of Selective IDE Stream register block @index of @pdev */
static unsigned int sel_ide_offset(struct pci_dev *pdev, unsigned int index)
{
	return pdev->ide_cap + PCI_IDE_LINK_STREAM_0 +
	       pdev->nr_link_ide * PCI_IDE_LINK_BLOCK_SIZE +
	       index * PCI_IDE_SEL_BLOCK_SIZE(pdev->nr_ide_mem);
}

/**
 * pci_ide_init() - discover and cache the IDE capability of a device
 * @pdev: the device being enumerated
 *
 * Only Root Ports and Endpoints below a Root Port with IDE are considered,
 * and only if they support Selective IDE Streams.  The Selective IDE Stream
 * register blocks are counted up to the first one whose number of Address
 * Association Register Blocks differs from block 0's, or that does not fit
 * in the extended configuration space.
 */
void pci_ide_init(struct pci_dev *pdev)
{
	unsigned int nr_link = 0, nr_sel, nr_mem, base, size, i;
	struct pci_dev *rp;
	u32 cap, val;
	u16 pos;

	ida_init(&pdev->ide_stream_ida);

	if (!pci_is_pcie(pdev))
		return;

	switch (pci_pcie_type(pdev)) {
	case PCI_EXP_TYPE_ROOT_PORT:
		break;
	case PCI_EXP_TYPE_ENDPOINT:
		rp = pcie_find_root_port(pdev);
		if (!rp || !rp->ide_cap)
			return;
		break;
	default:
		return;
	}

	pos = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_IDE);
	if (!pos)
		return;

	if (pci_read_config_dword(pdev, pos + PCI_IDE_CAP, &cap) ||
	    PCI_POSSIBLE_ERROR(cap))
		return;
	if (!(cap & PCI_IDE_CAP_SELECTIVE)) {
		pci_info(pdev, "no Selective IDE Stream support, ignored\n");
		return;
	}

	if (cap & PCI_IDE_CAP_LINK)
		nr_link = 1 + FIELD_GET(PCI_IDE_CAP_LINK_TC_NUM, cap);
	base = pos + PCI_IDE_LINK_STREAM_0 + nr_link * PCI_IDE_LINK_BLOCK_SIZE;
	if (base + PCI_IDE_SEL_BLOCK_SIZE(0) > PCI_CFG_SPACE_EXP_SIZE)
		return;

	if (pci_read_config_dword(pdev, base + PCI_IDE_SEL_CAP, &val))
		return;
	nr_mem = FIELD_GET(PCI_IDE_SEL_CAP_ASSOC_NUM, val);
	size = PCI_IDE_SEL_BLOCK_SIZE(nr_mem);

	nr_sel = 1 + FIELD_GET(PCI_IDE_CAP_SEL_NUM, cap);
	for (i = 0; i < nr_sel; i++) {
		unsigned int off = base + i * size;

		if (off + size > PCI_CFG_SPACE_EXP_SIZE)
			break;
		if (i && (pci_read_config_dword(pdev, off + PCI_IDE_SEL_CAP, &val) ||
			  FIELD_GET(PCI_IDE_SEL_CAP_ASSOC_NUM, val) != nr_mem))
			break;
	}
	if (!i)
		return;
	if (i < nr_sel)
		pci_info(pdev, "only %u of %u Selective IDE Stream blocks usable\n",
			 i, nr_sel);

	pdev->nr_link_ide = nr_link;
	pdev->nr_sel_ide = i;
	pdev->nr_ide_mem = nr_mem;
	pdev->ide_cfg = !!(cap & PCI_IDE_CAP_SEL_CFG);
	pdev->ide_tee_limit = !!(cap & PCI_IDE_CAP_TEE_LIMITED);
	pdev->ide_cap = pos;
	pci_dbg(pdev, "%u Selective Streams (%u address blocks), %u Link TCs%s%s\n",
		pdev->nr_sel_ide, nr_mem, nr_link,
		pdev->ide_cfg ? ", config requests" : "",
		pdev->ide_tee_limit ? ", TEE-limited" : "");
}

/**
 * pci_ide_init_host_bridge() - initialise a host bridge's stream pool
 * @hb: host bridge being allocated
 *
 * The pool starts with %PCI_IDE_NR_STREAMS entries.  Allocated streams hold
 * a reference to their Endpoint, hence to the host bridge, so the IDA is
 * empty (and holds no memory) when the host bridge is released.
 */
void pci_ide_init_host_bridge(struct pci_host_bridge *hb)
{
	hb->nr_ide_streams = PCI_IDE_NR_STREAMS;
	hb->nr_ide_streams_used = 0;
	ida_init(&hb->ide_stream_ida);
}

/**
 * pci_ide_set_nr_streams() - set the size of a host bridge's stream pool
 * @hb: host bridge
 * @nr: number of streams the platform supports below @hb, at most
 *	%PCI_IDE_NR_STREAMS; 0 disables IDE stream allocation and hides
 *	available_secure_streams
 *
 * Meant for the platform (host bridge driver or TSM) before streams are
 * allocated.  Must not run concurrently with the registration of @hb.
 *
 * Return: 0 on success, -EINVAL if @nr is too large, -EBUSY when shrinking
 * the pool while streams of @hb are allocated.
 */
int pci_ide_set_nr_streams(struct pci_host_bridge *hb, unsigned int nr)
{
	if (nr > PCI_IDE_NR_STREAMS)
		return -EINVAL;

	guard(mutex)(&pci_ide_sysfs_lock);
	scoped_guard(mutex, &pci_ide_lock) {
		if (nr < hb->nr_ide_streams && hb->nr_ide_streams_used)
			return -EBUSY;
		hb->nr_ide_streams = nr;
	}

	if (!device_is_registered(&hb->dev))
		return 0;
	return sysfs_update_group(&hb->dev.kobj, &pci_ide_attr_group);
}
EXPORT_SYMBOL_GPL(pci_ide_set_nr_streams);

static int pci_ide_hb_stream_alloc(struct pci_host_bridge *hb)
{
	int id;

	guard(mutex)(&pci_ide_lock);
	if (hb->nr_ide_streams_used >= hb->nr_ide_streams)
		return -ENOSPC;
	id = ida_alloc_max(&hb->ide_stream_ida, hb->nr_ide_streams - 1,
			   GFP_KERNEL);
	if (id >= 0)
		hb->nr_ide_streams_used++;
	return id;
}

static void pci_ide_hb_stream_free(struct pci_host_bridge *hb, unsigned int id)
{
	guard(mutex)(&pci_ide_lock);
	ida_free(&hb->ide_stream_ida, id);
	hb->nr_ide_streams_used--;
}

/* Last Requester ID of @pdev: its own, or that of its last VF */
static u16 pci_ide_rid_end(struct pci_dev *pdev)
{
	int nr_vf = pci_num_vf(pdev);

	if (nr_vf > 0)
		return PCI_DEVID(pci_iov_virtfn_bus(pdev, nr_vf - 1),
				 pci_iov_virtfn_devfn(pdev, nr_vf - 1));
	return pci_dev_id(pdev);
}

/* Default RP address association: MEM then prefetchable window of @br */
static void pci_ide_default_mem(struct pci_ide_partner *p, struct pci_dev *br,
				unsigned int max)
{
	static const int windows[] = {
		PCI_BRIDGE_MEM_WINDOW, PCI_BRIDGE_PREF_MEM_WINDOW,
	};
	struct pci_bus_region region;
	struct resource *res;
	int i;

	for (i = 0; i < ARRAY_SIZE(windows) && p->nr_mem < max; i++) {
		res = pci_resource_n(br, windows[i]);
		if (!(res->flags & IORESOURCE_MEM) || !res->parent ||
		    !resource_size(res))
			continue;
		pcibios_resource_to_bus(br->bus, &region, res);
		p->mem_assoc[p->nr_mem].start = region.start;
		p->mem_assoc[p->nr_mem].end = region.end;
		p->nr_mem++;
	}
}

/**
 * pci_ide_stream_alloc() - allocate a Selective IDE stream for an Endpoint
 * @pdev: PCIe Endpoint with IDE (pci_dev::ide_cap set)
 *
 * Allocates the three resources of a stream: index H in the pool of the
 * host bridge, a Selective IDE Stream register block R in the Root Port and
 * one, E, in the Endpoint.  Defaults, which the caller may change before
 * pci_ide_stream_setup():
 *
 * - Stream ID: none (-1): the owner, which owns Stream ID allocation
 *   (for a TSM, often its firmware), sets one before
 *   pci_ide_stream_register() and pci_ide_stream_setup().
 * - Endpoint block: RID range = the Root Port's RID; no address
 *   association.
 * - Root Port block: RID range = the Endpoint's RID up to the RID of its
 *   last VF if SR-IOV VFs are enabled; address association = the memory
 *   window, then the prefetchable memory window, of the Endpoint's upstream
 *   bridge, as far as assigned and as the Root Port has Address Association
 *   blocks.
 * - Both: Default Stream clear.  Selective IDE for Configuration Requests
 *   and TEE-Limited Stream come from each port's pci_dev::ide_cfg and
 *   pci_dev::ide_tee_limit when the registers are written; pci_ide_init()
 *   sets them from the capability and a TSM whose platform requires
 *   otherwise changes them before pci_ide_stream_setup().
 *
 * As in mainline, failure is NULL (why is logged at debug level).
 *
 * Context: process context; takes and releases @pci_ide_lock.
 * Return: the new stream, or %NULL if @pdev is not an Endpoint with IDE
 * below a Root Port with IDE, if the host bridge's pool or the Selective
 * IDE Stream blocks of either port are exhausted, or out of memory.
 */
struct pci_ide *pci_ide_stream_alloc(struct pci_dev *pdev)
{
	struct pci_host_bridge *hb = pci_find_host_bridge(pdev->bus);
	struct pci_ide_partner *ep, *rp_p;
	struct pci_dev *rp;
	struct pci_ide *ide;
	int h, r, e, rc;

	if (!pci_is_pcie(pdev) || pci_pcie_type(pdev) != PCI_EXP_TYPE_ENDPOINT ||
	    !pdev->ide_cap)
		return NULL;
	rp = pcie_find_root_port(pdev);
	if (!rp || !rp->ide_cap)
		return NULL;

	ide = kzalloc(sizeof(*ide), GFP_KERNEL);
	if (!ide)
		return NULL;

	h = pci_ide_hb_stream_alloc(hb);
	if (h < 0) {
		rc = h;
		goto err_free;
	}
	r = ida_alloc_max(&rp->ide_stream_ida, rp->nr_sel_ide - 1, GFP_KERNEL);
	if (r < 0) {
		rc = r;
		goto err_h;
	}
	e = ida_alloc_max(&pdev->ide_stream_ida, pdev->nr_sel_ide - 1,
			  GFP_KERNEL);
	if (e < 0) {
		rc = e;
		goto err_r;
	}

	ide->pdev = pci_dev_get(pdev);
	ide->host_bridge_stream = h;
	ide->stream_id = -1;

	ep = &ide->partner[PCI_IDE_EP];
	ep->stream_index = e;
	ep->rid_start = pci_dev_id(rp);
	ep->rid_end = pci_dev_id(rp);

	rp_p = &ide->partner[PCI_IDE_RP];
	rp_p->stream_index = r;
	rp_p->rid_start = pci_dev_id(pdev);
	rp_p->rid_end = pci_ide_rid_end(pdev);
	pci_ide_default_mem(rp_p, pci_upstream_bridge(pdev), rp->nr_ide_mem);

	return ide;

err_r:
	ida_free(&rp->ide_stream_ida, r);
err_h:
	pci_ide_hb_stream_free(hb, h);
err_free:
	kfree(ide);
	pci_dbg(pdev, "no IDE stream: %d\n", rc);
	return NULL;
}
EXPORT_SYMBOL_GPL(pci_ide_stream_alloc);

/**
 * pci_ide_stream_free() - release the resources of a stream
 * @ide: stream from pci_ide_stream_alloc(), or NULL
 *
 * Unregisters @ide if still registered, returns H, R and E and frees @ide.
 * Does not touch the registers: see pci_ide_stream_release().
 */
void pci_ide_stream_free(struct pci_ide *ide)
{
	struct pci_dev *pdev, *rp;

	if (!ide)
		return;

	pci_ide_stream_unregister(ide);
	pdev = ide->pdev;
	rp = pcie_find_root_port(pdev);
	ida_free(&pdev->ide_stream_ida, ide->partner[PCI_IDE_EP].stream_index);
	ida_free(&rp->ide_stream_ida, ide->partner[PCI_IDE_RP].stream_index);
	pci_ide_hb_stream_free(pci_find_host_bridge(pdev->bus),
			       ide->host_bridge_stream);
	pci_dev_put(pdev);
	kfree(ide);
}
EXPORT_SYMBOL_GPL(pci_ide_stream_free);

/**
 * pci_ide_stream_register() - publish a stream in sysfs
 * @ide: allocated stream
 *
 * Creates the link streamH.R.E in the host bridge's sysfs directory,
 * pointing to the Endpoint.
 *
 * Return: 0 on success, -ENXIO if @ide's Stream ID is not in
 * 0..%PCI_IDE_STREAM_ID_MAX, -EBUSY if already registered, or the error
 * from sysfs.
 */
int pci_ide_stream_register(struct pci_ide *ide)
{
	struct pci_host_bridge *hb = pci_find_host_bridge(ide->pdev->bus);
	int rc;

	if (ide->stream_id < 0 || ide->stream_id > PCI_IDE_STREAM_ID_MAX) {
		pci_err(ide->pdev, "invalid Stream ID %d\n", ide->stream_id);
		return -ENXIO;
	}
	if (ide->name)
		return -EBUSY;

	const char *name __free(kfree) =
		kasprintf(GFP_KERNEL, "stream%u.%u.%u", ide->host_bridge_stream,
			  ide->partner[PCI_IDE_RP].stream_index,
			  ide->partner[PCI_IDE_EP].stream_index);
	if (!name)
		return -ENOMEM;
	rc = sysfs_create_link(&hb->dev.kobj, &ide->pdev->dev.kobj, name);
	if (rc)
		return rc;
	ide->name = no_free_ptr(name);
	return 0;
}
EXPORT_SYMBOL_GPL(pci_ide_stream_register);

/**
 * pci_ide_stream_unregister() - remove a stream's sysfs link
 * @ide: stream; nothing happens if it is not registered
 */
void pci_ide_stream_unregister(struct pci_ide *ide)
{
	struct pci_host_bridge *hb;

	if (!ide->name)
		return;
	hb = pci_find_host_bridge(ide->pdev->bus);
	sysfs_remove_link(&hb->dev.kobj, ide->name);
	kfree(ide->name);
	ide->name = NULL;
}
EXPORT_SYMBOL_GPL(pci_ide_stream_unregister);

/**
 * pci_ide_to_settings() - a port's settings of a stream
 * @pdev: the Endpoint or the Root Port of @ide
 * @ide: allocated stream
 *
 * Return: &ide->partner[PCI_IDE_EP] for @ide's Endpoint,
 * &ide->partner[PCI_IDE_RP] for the Root Port above it, or %NULL (with a
 * warning) for any other device.
 */
struct pci_ide_partner *pci_ide_to_settings(struct pci_dev *pdev,
					    struct pci_ide *ide)
{
	struct pci_dev *rp;

	if (!pci_is_pcie(pdev)) {
		pci_warn_once(pdev, "IDE settings of a device that is not PCIe\n");
		return NULL;
	}
	switch (pci_pcie_type(pdev)) {
	case PCI_EXP_TYPE_ENDPOINT:
		if (pdev == ide->pdev)
			return &ide->partner[PCI_IDE_EP];
		pci_warn_once(pdev, "not the Endpoint of the stream (%s)\n",
			      pci_name(ide->pdev));
		return NULL;
	case PCI_EXP_TYPE_ROOT_PORT:
		rp = pcie_find_root_port(ide->pdev);
		if (pdev == rp)
			return &ide->partner[PCI_IDE_RP];
		pci_warn_once(pdev, "not the Root Port of the stream (%s)\n",
			      rp ? pci_name(rp) : "none");
		return NULL;
	default:
		pci_warn_once(pdev, "IDE settings of neither an Endpoint nor a Root Port\n");
		return NULL;
	}
}
EXPORT_SYMBOL_GPL(pci_ide_to_settings);

static int pci_ide_check(struct pci_dev *pdev, struct pci_ide *ide,
			 struct pci_ide_partner *p)
{
	int i;

	if (!p || !pdev->ide_cap || p->stream_index >= pdev->nr_sel_ide)
		return -EINVAL;
	if (ide->stream_id < 0 || ide->stream_id > PCI_IDE_STREAM_ID_MAX)
		return -EINVAL;
	if (p->rid_start > p->rid_end || p->nr_mem > pdev->nr_ide_mem)
		return -EINVAL;
	for (i = 0; i < p->nr_mem; i++)
		if (p->mem_assoc[i].start > p->mem_assoc[i].end)
			return -EINVAL;
	return 0;
}

static u32 pci_ide_ctl(struct pci_dev *pdev, struct pci_ide *ide,
		       struct pci_ide_partner *p)
{
	return FIELD_PREP(PCI_IDE_SEL_CTL_ID, ide->stream_id) |
	       FIELD_PREP(PCI_IDE_SEL_CTL_DEFAULT, p->default_stream) |
	       FIELD_PREP(PCI_IDE_SEL_CTL_CFG_EN, pdev->ide_cfg) |
	       FIELD_PREP(PCI_IDE_SEL_CTL_TEE_LIMITED, pdev->ide_tee_limit);
}

/* Segment Base: the domain, if the port captured its Segment (flit mode) */
static int pci_ide_segment(struct pci_dev *pdev, u8 *seg)
{
	int domain = pci_domain_nr(pdev->bus);
	u16 pos;
	u32 sta;

	*seg = 0;
	pos = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_DEV3);
	if (!pos || pci_read_config_dword(pdev, pos + PCI_DEV3_STA, &sta) ||
	    PCI_POSSIBLE_ERROR(sta) || !(sta & PCI_DEV3_STA_SEGMENT))
		return 0;
	if (domain < 0 || domain > U8_MAX)
		return -ERANGE;
	*seg = domain;
	return 0;
}

/**
 * pci_ide_stream_setup() - program a stream's registers in one port
 * @pdev: the Endpoint or the Root Port of @ide
 * @ide: allocated stream
 *
 * Writes, in this order, RID Association 1 (RID Limit), RID Association 2
 * (Valid, RID Base, Segment Base), the Address Association blocks (used
 * blocks from @ide's settings, unused ones zeroed) and the Control register
 * with Stream ID, Default Stream, Configuration Request (pci_dev::ide_cfg)
 * and TEE-Limited (pci_dev::ide_tee_limit) settings but Enable clear,
 * since some devices expect the Stream ID to be set while their keys are
 * programmed; then marks the port's settings as set up.
 *
 * As in mainline this cannot fail: if @pdev is not a partner of @ide, the
 * settings are invalid for it (Stream ID, block index, RID or address
 * ranges), or the port captured a Segment but the PCI domain does not fit
 * in 8 bits, nothing is written, the reason is logged and the port is
 * left not set up, so that pci_ide_stream_enable() refuses it.
 */
void pci_ide_stream_setup(struct pci_dev *pdev, struct pci_ide *ide)
{
	struct pci_ide_partner *p = pci_ide_to_settings(pdev, ide);
	unsigned int pos, i;
	int rc;
	u8 seg;

	rc = pci_ide_check(pdev, ide, p);
	if (!rc)
		rc = pci_ide_segment(pdev, &seg);
	if (rc) {
		pci_warn(pdev, "IDE stream %d not set up: invalid settings (%d)\n",
			 ide->stream_id, rc);
		return;
	}

	pos = sel_ide_offset(pdev, p->stream_index);
	pci_write_config_dword(pdev, pos + PCI_IDE_SEL_RID_1,
			       FIELD_PREP(PCI_IDE_SEL_RID_1_LIMIT, p->rid_end));
	pci_write_config_dword(pdev, pos + PCI_IDE_SEL_RID_2,
			       PCI_IDE_SEL_RID_2_VALID |
			       FIELD_PREP(PCI_IDE_SEL_RID_2_BASE, p->rid_start) |
			       FIELD_PREP(PCI_IDE_SEL_RID_2_SEG, seg));

	for (i = 0; i < pdev->nr_ide_mem; i++) {
		u32 addr1 = 0, limit_hi = 0, base_hi = 0;

		if (i < p->nr_mem) {
			u64 base = p->mem_assoc[i].start;
			u64 limit = p->mem_assoc[i].end;

			addr1 = PCI_IDE_SEL_ADDR_1_VALID |
				FIELD_PREP(PCI_IDE_SEL_ADDR_1_BASE_LOW,
					   lower_32_bits(base) >> 20) |
				FIELD_PREP(PCI_IDE_SEL_ADDR_1_LIMIT_LOW,
					   lower_32_bits(limit) >> 20);
			limit_hi = upper_32_bits(limit);
			base_hi = upper_32_bits(base);
		}
		pci_write_config_dword(pdev, pos + PCI_IDE_SEL_ADDR_1(i), addr1);
		pci_write_config_dword(pdev, pos + PCI_IDE_SEL_ADDR_2(i), limit_hi);
		pci_write_config_dword(pdev, pos + PCI_IDE_SEL_ADDR_3(i), base_hi);
	}

	pci_write_config_dword(pdev, pos + PCI_IDE_SEL_CTL,
			       pci_ide_ctl(pdev, ide, p));
	p->setup = 1;
}
EXPORT_SYMBOL_GPL(pci_ide_stream_setup);

/**
 * pci_ide_stream_teardown() - clear a stream's registers in one port
 * @pdev: the Endpoint or the Root Port of @ide
 * @ide: allocated stream
 *
 * Zeroes the Control register, every Address Association block, RID
 * Association 2 and RID Association 1, in this order, and marks the
 * port's settings as neither set up nor enabled.
 */
void pci_ide_stream_teardown(struct pci_dev *pdev, struct pci_ide *ide)
{
	struct pci_ide_partner *p = pci_ide_to_settings(pdev, ide);
	unsigned int pos, i;

	if (!p || WARN_ON_ONCE(p->stream_index >= pdev->nr_sel_ide))
		return;

	pos = sel_ide_offset(pdev, p->stream_index);
	pci_write_config_dword(pdev, pos + PCI_IDE_SEL_CTL, 0);
	for (i = 0; i < pdev->nr_ide_mem; i++) {
		pci_write_config_dword(pdev, pos + PCI_IDE_SEL_ADDR_1(i), 0);
		pci_write_config_dword(pdev, pos + PCI_IDE_SEL_ADDR_2(i), 0);
		pci_write_config_dword(pdev, pos + PCI_IDE_SEL_ADDR_3(i), 0);
	}
	pci_write_config_dword(pdev, pos + PCI_IDE_SEL_RID_2, 0);
	pci_write_config_dword(pdev, pos + PCI_IDE_SEL_RID_1, 0);
	p->setup = 0;
	p->enable = 0;
}
EXPORT_SYMBOL_GPL(pci_ide_stream_teardown);

/**
 * pci_ide_stream_status() - read a stream's status in one port
 * @pdev: the Endpoint or the Root Port of @ide
 * @ide: allocated stream
 * @status: decoded Selective IDE Stream Status register
 *
 * Return: 0 on success, -EINVAL if @pdev is not a partner of @ide, -ENODEV
 * if the read failed or returned the error response (all ones).
 */
int pci_ide_stream_status(struct pci_dev *pdev, struct pci_ide *ide,
			  struct pci_ide_status *status)
{
	struct pci_ide_partner *p = pci_ide_to_settings(pdev, ide);
	u32 sts;

	if (!p || p->stream_index >= pdev->nr_sel_ide)
		return -EINVAL;
	if (pci_read_config_dword(pdev, sel_ide_offset(pdev, p->stream_index) +
				  PCI_IDE_SEL_STS, &sts) ||
	    PCI_POSSIBLE_ERROR(sts))
		return -ENODEV;

	status->state = FIELD_GET(PCI_IDE_SEL_STS_STATE, sts);
	status->integrity_fail = !!(sts & PCI_IDE_SEL_STS_IDE_FAIL);
	return 0;
}
EXPORT_SYMBOL_GPL(pci_ide_stream_status);

/**
 * pci_ide_stream_secure() - is a stream still Secure at both ends
 * @ide: stream enabled in its Endpoint and its Root Port
 *
 * For a TSM that checks a link after something may have reset either
 * end (a Function Level Reset, a bus reset, a power transition): a port
 * that is reset loses its keys and its Control register, and its stream
 * goes Insecure.
 *
 * Return: 0 if both ports report Secure and no integrity failure,
 * -ENOLINK if either does not, -ENODEV if a Status register could not be
 * read (the device is gone or not responding).
 */
int pci_ide_stream_secure(struct pci_ide *ide)
{
	struct pci_dev *ports[] = { ide->pdev, pcie_find_root_port(ide->pdev) };
	struct pci_ide_status st;
	int i, rc;

	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		if (!ports[i])
			return -ENODEV;
		rc = pci_ide_stream_status(ports[i], ide, &st);
		if (rc)
			return rc == -EINVAL ? -ENODEV : rc;
		if (st.state != PCI_IDE_SEL_STS_STATE_SECURE ||
		    st.integrity_fail)
			return -ENOLINK;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(pci_ide_stream_secure);

/**
 * pci_ide_stream_enable() - enable a stream in one port
 * @pdev: the Endpoint or the Root Port of @ide
 * @ide: stream set up with pci_ide_stream_setup() and keyed by the TSM
 *
 * Writes the Control register with Enable set and marks the port's
 * settings as enabled, then reads the Status: the TSM programs the keys
 * before the stream is enabled, so the port must report Secure at once.
 *
 * Return: 0 if the stream is Secure; -ENXIO if it is not, in which case
 * Enable stays set and the caller must pci_ide_stream_disable() (or
 * pci_ide_stream_release()); -EINVAL if @pdev is not a partner of @ide,
 * was not set up by pci_ide_stream_setup(), or the settings are invalid
 * for it (nothing written); -ENODEV if Status could not be read.
 */
int pci_ide_stream_enable(struct pci_dev *pdev, struct pci_ide *ide)
{
	struct pci_ide_partner *p = pci_ide_to_settings(pdev, ide);
	struct pci_ide_status status;
	int rc;

	rc = pci_ide_check(pdev, ide, p);
	if (rc)
		return rc;
	if (!p->setup)
		return -EINVAL;

	pci_write_config_dword(pdev, sel_ide_offset(pdev, p->stream_index) +
			       PCI_IDE_SEL_CTL,
			       pci_ide_ctl(pdev, ide, p) | PCI_IDE_SEL_CTL_EN);
	p->enable = 1;

	rc = pci_ide_stream_status(pdev, ide, &status);
	trace_tsm_ide_stream(pdev, ide->stream_id, true,
			     rc ? rc : status.state);
	if (rc)
		return rc;
	if (status.state != PCI_IDE_SEL_STS_STATE_SECURE) {
		pci_dbg(pdev, "stream %d not secure (state %u)\n",
			ide->stream_id, status.state);
		return -ENXIO;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(pci_ide_stream_enable);

/**
 * pci_ide_stream_disable() - disable a stream in one port
 * @pdev: the Endpoint or the Root Port of @ide
 * @ide: allocated stream
 *
 * Clears the whole Control register (Enable and all settings) and marks
 * the port's settings as not enabled.
 */
void pci_ide_stream_disable(struct pci_dev *pdev, struct pci_ide *ide)
{
	struct pci_ide_partner *p = pci_ide_to_settings(pdev, ide);

	if (!p || WARN_ON_ONCE(p->stream_index >= pdev->nr_sel_ide))
		return;
	pci_write_config_dword(pdev, sel_ide_offset(pdev, p->stream_index) +
			       PCI_IDE_SEL_CTL, 0);
	p->enable = 0;
	trace_tsm_ide_stream(pdev, ide->stream_id, false, 0);
}
EXPORT_SYMBOL_GPL(pci_ide_stream_disable);

/**
 * pci_ide_stream_release() - disable, tear down and free a stream
 * @ide: stream from pci_ide_stream_alloc(), or NULL
 *
 * Undoes what was done, in reverse order of setup: disables the Root Port
 * then the Endpoint where enabled, tears the Root Port then the Endpoint
 * down where set up, unregisters the stream and frees its resources (the
 * cleanup of DEFINE_FREE(pci_ide_stream_release)).  Owners that must tell
 * their TSM between disable and teardown call the steps themselves in
 * this order.
 */
void pci_ide_stream_release(struct pci_ide *ide)
{
	struct pci_ide_partner *ep, *rp_p;
	struct pci_dev *rp;

	if (!ide)
		return;

	rp = pcie_find_root_port(ide->pdev);
	ep = &ide->partner[PCI_IDE_EP];
	rp_p = &ide->partner[PCI_IDE_RP];
	if (rp_p->enable)
		pci_ide_stream_disable(rp, ide);
	if (ep->enable)
		pci_ide_stream_disable(ide->pdev, ide);
	if (rp_p->setup)
		pci_ide_stream_teardown(rp, ide);
	if (ep->setup)
		pci_ide_stream_teardown(ide->pdev, ide);
	pci_ide_stream_free(ide);
}
EXPORT_SYMBOL_GPL(pci_ide_stream_release);

static ssize_t available_secure_streams_show(struct device *dev,
					     struct device_attribute *attr,
					     char *buf)
{
	struct pci_host_bridge *hb = to_pci_host_bridge(dev);
	unsigned int avail;

	scoped_guard(mutex, &pci_ide_lock) {
		if (!hb->nr_ide_streams)
			return -ENXIO;
		avail = hb->nr_ide_streams - hb->nr_ide_streams_used;
	}
	return sysfs_emit(buf, "%u\n", avail);
}
static DEVICE_ATTR_RO(available_secure_streams);

static struct attribute *pci_ide_attrs[] = {
	&dev_attr_available_secure_streams.attr,
	NULL
};

static umode_t pci_ide_attr_visible(struct kobject *kobj, struct attribute *a,
				    int n)
{
	struct pci_host_bridge *hb = to_pci_host_bridge(kobj_to_dev(kobj));

	guard(mutex)(&pci_ide_lock);
	if (a == &dev_attr_available_secure_streams.attr && !hb->nr_ide_streams)
		return 0;
	return a->mode;
}

const struct attribute_group pci_ide_attr_group = {
	.attrs = pci_ide_attrs,
	.is_visible = pci_ide_attr_visible,
};
