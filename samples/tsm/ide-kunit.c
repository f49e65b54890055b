// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the PCIe IDE library (drivers/pci/ide.c) on the emulated
 * TEE-IO platform.
 *
 * Every test creates its own emulated PCI domain (struct tsm_emu_config)
 * and works on root port 1 and the IDE endpoint below it.  Register
 * expectations are computed here from the emulated topology, not from the
 * library, and every register is read twice: straight from the emulated
 * configuration space (tsm_emu_cfg_peek()) and through the PCI core
 * (pci_read_config_dword()).
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/kernfs.h>
#include <linux/kstrtox.h>
#include <linux/pci.h>
#include <linux/pci-ide.h>

#include "tsm-emu.h"

#define IDE_TEST_DOMAIN		0x7e
#define IDE_TEST_BIG_DOMAIN	0x1007e

/* Register layouts spelled out here, independently of the library */
#define T_CTL(id, en, cfg, dflt, tee)	((u32)(id) << 24 | (en) | (cfg) << 9 | \
					 (dflt) << 22 | (tee) << 23)
#define T_RID1(limit)			((u32)(limit) << 8)
#define T_RID2(base, seg)		(1 | (u32)(base) << 8 | (u32)(seg) << 24)

struct ide_test_block {
	u32 ctl;
	u32 rid1;
	u32 rid2;
	u32 addr[PCI_IDE_MEM_ASSOC_MAX][3];
};

struct ide_test {
	struct tsm_emu_config cfg;
	struct tsm_emu *emu;
	struct pci_host_bridge *hb;
	struct tsm_emu_fn *rp_fn;
	struct tsm_emu_fn *ep_fn;
	struct pci_dev *rp;
	struct pci_dev *ep;
};

KUNIT_DEFINE_ACTION_WRAPPER(ide_test_emu_destroy, tsm_emu_destroy,
			    struct tsm_emu *);
KUNIT_DEFINE_ACTION_WRAPPER(ide_test_pci_dev_put, pci_dev_put,
			    struct pci_dev *);
KUNIT_DEFINE_ACTION_WRAPPER(ide_test_stream_release, pci_ide_stream_release,
			    struct pci_ide *);

static int ide_test_init(struct kunit *test)
{
	struct ide_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	tsm_emu_default_config(&t->cfg, IDE_TEST_DOMAIN);
	t->cfg.segment_captured = true;
	test->priv = t;
	return 0;
}

static struct pci_dev *ide_test_pdev(struct kunit *test, struct tsm_emu_fn *fn)
{
	struct pci_dev *pdev;
	int rc;

	KUNIT_ASSERT_NOT_NULL(test, fn);
	pdev = tsm_emu_fn_get_pci_dev(fn);
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	rc = kunit_add_action_or_reset(test, ide_test_pci_dev_put, pdev);
	KUNIT_ASSERT_EQ(test, rc, 0);
	return pdev;
}

/* Create the domain described by t->cfg; hold root port 1 and its IDE EP */
static void ide_test_start(struct kunit *test, struct ide_test *t)
{
	int rc;

	t->emu = tsm_emu_create(&t->cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->emu);
	rc = kunit_add_action_or_reset(test, ide_test_emu_destroy, t->emu);
	KUNIT_ASSERT_EQ(test, rc, 0);
	t->hb = pci_find_host_bridge(tsm_emu_root_bus(t->emu));
	KUNIT_ASSERT_NOT_NULL(test, t->hb);
	t->rp_fn = tsm_emu_root_port(t->emu, 1);
	t->ep_fn = tsm_emu_endpoint(t->emu, 1, 0);
	t->rp = ide_test_pdev(test, t->rp_fn);
	t->ep = ide_test_pdev(test, t->ep_fn);
	KUNIT_ASSERT_TRUE(test, tsm_emu_fn_flags(t->ep_fn) & TSM_EMU_FN_IDE);
}

static struct pci_ide *ide_test_alloc(struct kunit *test, struct pci_dev *ep)
{
	struct pci_ide *ide = pci_ide_stream_alloc(ep);
	int rc;

	KUNIT_ASSERT_NOT_NULL(test, ide);
	rc = kunit_add_action_or_reset(test, ide_test_stream_release, ide);
	KUNIT_ASSERT_EQ(test, rc, 0);
	/* No Stream ID until the owner sets one, as a TSM without its own does */
	KUNIT_EXPECT_EQ(test, ide->stream_id, -1);
	ide->stream_id = ide->host_bridge_stream;
	return ide;
}

static void ide_test_release(struct kunit *test, struct pci_ide *ide)
{
	kunit_release_action(test, ide_test_stream_release, ide);
}

/* pci_ide_stream_setup() of a port, which must be marked set up */
static void ide_test_setup(struct kunit *test, struct pci_dev *pdev,
			   struct pci_ide *ide)
{
	struct pci_ide_partner *p = pci_ide_to_settings(pdev, ide);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pci_ide_stream_setup(pdev, ide);
	KUNIT_ASSERT_TRUE(test, p->setup);
	KUNIT_EXPECT_FALSE(test, p->enable);
}

/* A register of @fn, read from the emulation and through the PCI core */
static u32 ide_test_read(struct kunit *test, struct tsm_emu_fn *fn,
			 struct pci_dev *pdev, unsigned int where)
{
	u32 raw = tsm_emu_cfg_peek(fn, where), val = 0;

	KUNIT_EXPECT_EQ(test, 0, pci_read_config_dword(pdev, where, &val));
	KUNIT_EXPECT_EQ_MSG(test, raw, val, "%s at %#x", tsm_emu_fn_name(fn),
			    where);
	return raw;
}

/* Selective IDE Stream block @block of @fn must hold exactly @exp */
static void ide_test_expect_block(struct kunit *test, struct tsm_emu_fn *fn,
				  struct pci_dev *pdev, unsigned int block,
				  const struct ide_test_block *exp)
{
	int pos = tsm_emu_fn_ide_sel_offset(fn, block);
	unsigned int i, nr;

	KUNIT_ASSERT_GT(test, pos, 0);
	nr = ide_test_read(test, fn, pdev, pos) & 0xf;
	KUNIT_ASSERT_LE(test, nr, PCI_IDE_MEM_ASSOC_MAX);

	KUNIT_EXPECT_EQ_MSG(test, exp->ctl, ide_test_read(test, fn, pdev, pos + 0x04),
			    "%s block %u Control", tsm_emu_fn_name(fn), block);
	KUNIT_EXPECT_EQ_MSG(test, exp->rid1, ide_test_read(test, fn, pdev, pos + 0x0c),
			    "%s block %u RID 1", tsm_emu_fn_name(fn), block);
	KUNIT_EXPECT_EQ_MSG(test, exp->rid2, ide_test_read(test, fn, pdev, pos + 0x10),
			    "%s block %u RID 2", tsm_emu_fn_name(fn), block);
	for (i = 0; i < nr; i++) {
		unsigned int a = pos + 0x14 + 12 * i;

		KUNIT_EXPECT_EQ_MSG(test, exp->addr[i][0],
				    ide_test_read(test, fn, pdev, a),
				    "%s block %u ADDR1(%u)", tsm_emu_fn_name(fn), block, i);
		KUNIT_EXPECT_EQ_MSG(test, exp->addr[i][1],
				    ide_test_read(test, fn, pdev, a + 4),
				    "%s block %u ADDR2(%u)", tsm_emu_fn_name(fn), block, i);
		KUNIT_EXPECT_EQ_MSG(test, exp->addr[i][2],
				    ide_test_read(test, fn, pdev, a + 8),
				    "%s block %u ADDR3(%u)", tsm_emu_fn_name(fn), block, i);
	}
}

static u32 ide_test_state(struct kunit *test, struct tsm_emu_fn *fn,
			  struct pci_dev *pdev, unsigned int block)
{
	int pos = tsm_emu_fn_ide_sel_offset(fn, block);

	KUNIT_ASSERT_GT(test, pos, 0);
	return ide_test_read(test, fn, pdev, pos + 0x08);
}

static void ide_test_addr(u32 *a, u64 base, u64 limit)
{
	a[0] = 1 | ((base >> 20) & 0xfff) << 8 | ((limit >> 20) & 0xfff) << 20;
	a[1] = limit >> 32;
	a[2] = base >> 32;
}

/*
 * Expected root port address association: the memory then prefetchable
 * window of the root port (the endpoint's upstream bridge), decoded from
 * its bridge registers.
 */
static unsigned int ide_test_rp_windows(struct ide_test *t,
					struct ide_test_block *exp)
{
	u32 mem = tsm_emu_cfg_peek(t->rp_fn, PCI_MEMORY_BASE);
	u32 pref = tsm_emu_cfg_peek(t->rp_fn, PCI_PREF_MEMORY_BASE);
	unsigned int n = 0;
	u64 base, limit;

	base = (u64)(mem & 0xfff0) << 16;
	limit = (u64)((mem >> 16) & 0xfff0) << 16 | 0xfffff;
	if (base < limit)
		ide_test_addr(exp->addr[n++], base, limit);

	base = (u64)(pref & 0xfff0) << 16 |
	       (u64)tsm_emu_cfg_peek(t->rp_fn, PCI_PREF_BASE_UPPER32) << 32;
	limit = (u64)((pref >> 16) & 0xfff0) << 16 | 0xfffff |
		(u64)tsm_emu_cfg_peek(t->rp_fn, PCI_PREF_LIMIT_UPPER32) << 32;
	if (base < limit)
		ide_test_addr(exp->addr[n++], base, limit);
	return n;
}

/*
 * available_secure_streams of @hb through its real show() method, or
 * -ENOENT while the attribute is hidden.
 */
static int ide_test_available(struct kunit *test, struct pci_host_bridge *hb)
{
	const struct attribute_group *const *grp;
	struct device_attribute *da = NULL;
	struct kernfs_node *kn;
	struct attribute **a;
	unsigned int val;
	ssize_t len;
	char *buf;

	kn = kernfs_find_and_get(hb->dev.kobj.sd, "available_secure_streams");
	if (!kn)
		return -ENOENT;
	kernfs_put(kn);

	KUNIT_ASSERT_NOT_NULL(test, hb->dev.type);
	for (grp = hb->dev.type->groups; grp && *grp && !da; grp++)
		for (a = (*grp)->attrs; a && *a; a++)
			if (!strcmp((*a)->name, "available_secure_streams")) {
				da = container_of(*a, struct device_attribute, attr);
				break;
			}
	KUNIT_ASSERT_NOT_NULL(test, da);

	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = da->show(&hb->dev, da, buf);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_ASSERT_EQ(test, buf[len - 1], '\n');
	KUNIT_ASSERT_EQ(test, 0, kstrtouint(buf, 10, &val));
	return val;
}

/* The node a host bridge link points to, NULL if there is no such link */
static struct kernfs_node *ide_test_link(struct pci_host_bridge *hb,
					 const char *name)
{
	struct kernfs_node *kn = kernfs_find_and_get(hb->dev.kobj.sd, name);
	struct kernfs_node *target = NULL;

	if (kn && kernfs_type(kn) == KERNFS_LINK)
		target = kn->symlink.target_kn;
	kernfs_put(kn);
	return target;
}

static const struct tsm_emu_config ide_test_geometries[] = {
	{ .rp_nr_sel = 4, .rp_nr_assoc = 2, .rp_nr_link = 1,
	  .ep_nr_sel = 2, .ep_nr_assoc = 1, .ep_nr_link = 0 },
	{ .rp_nr_sel = 7, .rp_nr_assoc = 3, .rp_nr_link = 2,
	  .ep_nr_sel = 3, .ep_nr_assoc = 0, .ep_nr_link = 1 },
	{ .rp_nr_sel = 64, .rp_nr_assoc = 0, .rp_nr_link = 8,
	  .ep_nr_sel = 1, .ep_nr_assoc = 15, .ep_nr_link = 0 },
};

static void ide_test_geometry_desc(const struct tsm_emu_config *g, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE,
		 "RP %u sel/%u assoc/%u link, EP %u sel/%u assoc/%u link",
		 g->rp_nr_sel, g->rp_nr_assoc, g->rp_nr_link,
		 g->ep_nr_sel, g->ep_nr_assoc, g->ep_nr_link);
}

KUNIT_ARRAY_PARAM(ide_test_geometry, ide_test_geometries, ide_test_geometry_desc);

/* Cached capability fields match what the emulation advertises */
static void ide_test_caps(struct kunit *test)
{
	const struct tsm_emu_config *g = test->param_value;
	struct ide_test *t = test->priv;
	unsigned int nr_ide = 0, nr_plain = 0;
	struct tsm_emu_fn *fn;

	t->cfg.rp_nr_sel = g->rp_nr_sel;
	t->cfg.rp_nr_assoc = g->rp_nr_assoc;
	t->cfg.rp_nr_link = g->rp_nr_link;
	t->cfg.ep_nr_sel = g->ep_nr_sel;
	t->cfg.ep_nr_assoc = g->ep_nr_assoc;
	t->cfg.ep_nr_link = g->ep_nr_link;
	ide_test_start(test, t);

	for (fn = tsm_emu_fn_next(t->emu, NULL); fn; fn = tsm_emu_fn_next(t->emu, fn)) {
		unsigned int flags = tsm_emu_fn_flags(fn);
		bool rp = flags & TSM_EMU_FN_ROOT_PORT;
		struct pci_dev *pdev = ide_test_pdev(test, fn);
		u16 pos = tsm_emu_fn_ide_offset(fn);
		u32 cap;

		/* Root ports always have IDE, TSM_EMU_FN_IDE is for endpoints */
		if (!pos) {
			KUNIT_EXPECT_FALSE(test, flags & TSM_EMU_FN_IDE);
			KUNIT_EXPECT_EQ_MSG(test, pdev->ide_cap, 0, "%s",
					    tsm_emu_fn_name(fn));
			nr_plain++;
			continue;
		}
		nr_ide++;
		KUNIT_EXPECT_EQ(test, ide_test_read(test, fn, pdev, pos) & 0xffff,
				PCI_EXT_CAP_ID_IDE);
		cap = ide_test_read(test, fn, pdev, pos + 4);
		KUNIT_EXPECT_EQ(test, pdev->ide_cap, pos);
		KUNIT_EXPECT_EQ(test, pdev->nr_sel_ide, rp ? g->rp_nr_sel : g->ep_nr_sel);
		KUNIT_EXPECT_EQ(test, pdev->nr_sel_ide, ((cap >> 16) & 0xff) + 1);
		KUNIT_EXPECT_EQ(test, pdev->nr_ide_mem,
				rp ? g->rp_nr_assoc : g->ep_nr_assoc);
		KUNIT_EXPECT_EQ(test, pdev->nr_link_ide,
				rp ? g->rp_nr_link : g->ep_nr_link);
		KUNIT_EXPECT_EQ(test, pdev->nr_link_ide,
				(cap & 1) ? ((cap >> 13) & 7) + 1 : 0);
		KUNIT_EXPECT_EQ(test, (bool)pdev->ide_cfg, !!(cap & BIT(7)));
		KUNIT_EXPECT_EQ(test, (bool)pdev->ide_tee_limit, !!(cap & BIT(24)));
		KUNIT_EXPECT_TRUE(test, pdev->ide_cfg);
		KUNIT_EXPECT_TRUE(test, pdev->ide_tee_limit);
	}
	/* 3 root ports and 2 IDE endpoint functions; MFD fn 1 and PLAIN */
	KUNIT_EXPECT_EQ(test, nr_ide, 5);
	KUNIT_EXPECT_EQ(test, nr_plain, 2);
}

/* Remove root port @port and everything below it, then rescan the domain */
static void ide_test_rescan(struct kunit *test, struct ide_test *t,
			    unsigned int port)
{
	struct pci_dev *rp = tsm_emu_fn_get_pci_dev(tsm_emu_root_port(t->emu, port));

	KUNIT_ASSERT_NOT_NULL(test, rp);
	pci_stop_and_remove_bus_device_locked(rp);
	pci_dev_put(rp);
	pci_lock_rescan_remove();
	pci_rescan_bus(tsm_emu_root_bus(t->emu));
	pci_unlock_rescan_remove();
}

/*
 * Capabilities the library must ignore or cut short: no Selective IDE on a
 * root port (and so on its endpoint too), and a Selective block whose
 * Address Association count differs from block 0's.
 */
static void ide_test_caps_ignored(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct tsm_emu_fn *rp0, *ep0;
	struct pci_dev *pdev;
	int pos;
	u32 val;

	ide_test_start(test, t);
	rp0 = tsm_emu_root_port(t->emu, 0);
	ep0 = tsm_emu_endpoint(t->emu, 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, ep0);
	KUNIT_ASSERT_TRUE(test, tsm_emu_fn_flags(ep0) & TSM_EMU_FN_IDE);

	/* Root port 0: clear Selective IDE Streams Supported */
	pos = tsm_emu_fn_ide_offset(rp0);
	val = tsm_emu_cfg_peek(rp0, pos + 4);
	tsm_emu_cfg_poke(rp0, pos + 4, val & ~BIT(1));
	ide_test_rescan(test, t, 0);

	pdev = ide_test_pdev(test, rp0);
	KUNIT_EXPECT_EQ(test, pdev->ide_cap, 0);
	pdev = ide_test_pdev(test, ep0);
	KUNIT_EXPECT_EQ(test, pdev->ide_cap, 0);
	KUNIT_EXPECT_NULL(test, pci_ide_stream_alloc(pdev));

	/* Root port 2: block 2 claims one more Address Association block */
	pos = tsm_emu_fn_ide_sel_offset(tsm_emu_root_port(t->emu, 2), 2);
	KUNIT_ASSERT_GT(test, pos, 0);
	val = tsm_emu_cfg_peek(tsm_emu_root_port(t->emu, 2), pos);
	tsm_emu_cfg_poke(tsm_emu_root_port(t->emu, 2), pos, val + 1);
	ide_test_rescan(test, t, 2);

	pdev = ide_test_pdev(test, tsm_emu_root_port(t->emu, 2));
	KUNIT_EXPECT_EQ(test, pdev->ide_cap, tsm_emu_fn_ide_offset(tsm_emu_root_port(t->emu, 2)));
	KUNIT_EXPECT_EQ(test, pdev->nr_sel_ide, 2);
	KUNIT_EXPECT_EQ(test, pdev->nr_ide_mem, t->cfg.rp_nr_assoc);
}

/* Distinct resources, exhaustion of the endpoint's blocks, release */
static void ide_test_alloc_blocks(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct pci_ide *a, *b, *c;
	struct pci_dev *pdev;

	ide_test_start(test, t);
	KUNIT_ASSERT_EQ(test, t->ep->nr_sel_ide, 2);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS);

	a = ide_test_alloc(test, t->ep);
	b = ide_test_alloc(test, t->ep);
	KUNIT_EXPECT_PTR_EQ(test, a->pdev, t->ep);
	KUNIT_EXPECT_NE(test, a->host_bridge_stream, b->host_bridge_stream);
	KUNIT_EXPECT_NE(test, a->partner[PCI_IDE_RP].stream_index,
			b->partner[PCI_IDE_RP].stream_index);
	KUNIT_EXPECT_NE(test, a->partner[PCI_IDE_EP].stream_index,
			b->partner[PCI_IDE_EP].stream_index);
	KUNIT_EXPECT_LT(test, a->partner[PCI_IDE_EP].stream_index, 2);
	KUNIT_EXPECT_LT(test, b->partner[PCI_IDE_EP].stream_index, 2);
	KUNIT_EXPECT_LT(test, a->partner[PCI_IDE_RP].stream_index, 4);
	KUNIT_EXPECT_LT(test, b->partner[PCI_IDE_RP].stream_index, 4);
	KUNIT_EXPECT_EQ(test, a->stream_id, a->host_bridge_stream);
	KUNIT_EXPECT_EQ(test, b->stream_id, b->host_bridge_stream);
	KUNIT_EXPECT_NULL(test, a->name);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS - 2);

	/* The endpoint has two blocks: a third stream does not fit */
	KUNIT_EXPECT_NULL(test, pci_ide_stream_alloc(t->ep));
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS - 2);

	ide_test_release(test, a);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS - 1);
	c = ide_test_alloc(test, t->ep);
	ide_test_release(test, b);
	ide_test_release(test, c);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS);

	/* Everything returned: the first indices are handed out again */
	a = ide_test_alloc(test, t->ep);
	KUNIT_EXPECT_EQ(test, a->host_bridge_stream, 0);
	KUNIT_EXPECT_EQ(test, a->partner[PCI_IDE_RP].stream_index, 0);
	KUNIT_EXPECT_EQ(test, a->partner[PCI_IDE_EP].stream_index, 0);

	/* Not an IDE endpoint */
	KUNIT_EXPECT_NULL(test, pci_ide_stream_alloc(t->rp));
	pdev = ide_test_pdev(test, tsm_emu_endpoint(t->emu, 2, 0));
	KUNIT_EXPECT_NULL(test, pci_ide_stream_alloc(pdev));
	pdev = ide_test_pdev(test, tsm_emu_endpoint(t->emu, 0, 1));
	KUNIT_EXPECT_NULL(test, pci_ide_stream_alloc(pdev));
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS - 1);
}

/* Exhaustion of the root port's blocks */
static void ide_test_alloc_rp_blocks(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct pci_ide *a;

	t->cfg.rp_nr_sel = 1;
	ide_test_start(test, t);
	KUNIT_ASSERT_EQ(test, t->rp->nr_sel_ide, 1);

	a = ide_test_alloc(test, t->ep);
	KUNIT_EXPECT_NULL(test, pci_ide_stream_alloc(t->ep));
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS - 1);
	ide_test_release(test, a);
	a = ide_test_alloc(test, t->ep);
	KUNIT_EXPECT_EQ(test, a->partner[PCI_IDE_RP].stream_index, 0);
}

/* pci_ide_set_nr_streams() limits the pool and hides the attribute */
static void ide_test_nr_streams(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct pci_ide *a;

	ide_test_start(test, t);
	KUNIT_EXPECT_EQ(test, pci_ide_set_nr_streams(t->hb, PCI_IDE_NR_STREAMS + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS);

	KUNIT_ASSERT_EQ(test, pci_ide_set_nr_streams(t->hb, 1), 0);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), 1);
	a = ide_test_alloc(test, t->ep);
	KUNIT_EXPECT_EQ(test, a->host_bridge_stream, 0);
	/* The endpoint has a second block, but the pool is empty */
	KUNIT_EXPECT_NULL(test, pci_ide_stream_alloc(t->ep));
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), 0);

	/* Shrinking under allocated streams fails, growing works */
	KUNIT_EXPECT_EQ(test, pci_ide_set_nr_streams(t->hb, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, pci_ide_set_nr_streams(t->hb, 5), 0);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), 4);

	ide_test_release(test, a);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), 5);
	KUNIT_EXPECT_EQ(test, pci_ide_set_nr_streams(t->hb, 0), 0);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), -ENOENT);
	KUNIT_EXPECT_NULL(test, pci_ide_stream_alloc(t->ep));

	KUNIT_EXPECT_EQ(test, pci_ide_set_nr_streams(t->hb, PCI_IDE_NR_STREAMS), 0);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS);
}

/* The streamH.R.E link in the host bridge directory */
static void ide_test_register(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct pci_ide *a, *b;
	char name[32];

	ide_test_start(test, t);
	a = ide_test_alloc(test, t->ep);
	b = ide_test_alloc(test, t->ep);

	KUNIT_ASSERT_EQ(test, pci_ide_stream_register(a), 0);
	snprintf(name, sizeof(name), "stream%u.%u.%u", a->host_bridge_stream,
		 a->partner[PCI_IDE_RP].stream_index,
		 a->partner[PCI_IDE_EP].stream_index);
	KUNIT_EXPECT_STREQ(test, a->name, name);
	KUNIT_EXPECT_STREQ(test, a->name, "stream0.0.0");
	KUNIT_EXPECT_PTR_EQ(test, ide_test_link(t->hb, "stream0.0.0"),
			    t->ep->dev.kobj.sd);
	KUNIT_EXPECT_EQ(test, pci_ide_stream_register(a), -EBUSY);

	/* Stream ID 255 is reserved, negative ones are invalid */
	b->stream_id = 255;
	KUNIT_EXPECT_EQ(test, pci_ide_stream_register(b), -ENXIO);
	b->stream_id = -1;
	KUNIT_EXPECT_EQ(test, pci_ide_stream_register(b), -ENXIO);
	KUNIT_EXPECT_NULL(test, b->name);
	KUNIT_EXPECT_NULL(test, ide_test_link(t->hb, "stream1.1.1"));
	b->stream_id = PCI_IDE_STREAM_ID_MAX;
	KUNIT_EXPECT_EQ(test, pci_ide_stream_register(b), 0);
	KUNIT_EXPECT_PTR_EQ(test, ide_test_link(t->hb, "stream1.1.1"),
			    t->ep->dev.kobj.sd);

	pci_ide_stream_unregister(a);
	KUNIT_EXPECT_NULL(test, a->name);
	KUNIT_EXPECT_NULL(test, ide_test_link(t->hb, "stream0.0.0"));
	pci_ide_stream_unregister(a);

	/* Releasing a registered stream removes its link */
	ide_test_release(test, b);
	KUNIT_EXPECT_NULL(test, ide_test_link(t->hb, "stream1.1.1"));
}

/* Default settings programmed into both partners */
static void ide_test_setup_defaults(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct ide_test_block rp_exp = {}, ep_exp = {}, zero = {};
	struct pci_dev *other;
	u16 rp_rid, ep_rid;
	struct pci_ide *ide;
	unsigned int r, e;

	ide_test_start(test, t);
	rp_rid = tsm_emu_fn_rid(t->rp_fn);
	ep_rid = tsm_emu_fn_rid(t->ep_fn);
	KUNIT_EXPECT_EQ(test, rp_rid, pci_dev_id(t->rp));
	KUNIT_EXPECT_EQ(test, ep_rid, pci_dev_id(t->ep));

	/* Take block 0 everywhere with a first stream, test the second */
	ide_test_alloc(test, t->ep);
	ide = ide_test_alloc(test, t->ep);
	r = ide->partner[PCI_IDE_RP].stream_index;
	e = ide->partner[PCI_IDE_EP].stream_index;
	KUNIT_ASSERT_EQ(test, ide->stream_id, 1);
	KUNIT_ASSERT_EQ(test, r, 1);
	KUNIT_ASSERT_EQ(test, e, 1);

	ide_test_setup(test, t->ep, ide);
	ide_test_setup(test, t->rp, ide);

	ep_exp.ctl = T_CTL(1, 0, 1, 0, 1);
	ep_exp.rid1 = T_RID1(rp_rid);
	ep_exp.rid2 = T_RID2(rp_rid, IDE_TEST_DOMAIN);
	ide_test_expect_block(test, t->ep_fn, t->ep, e, &ep_exp);

	rp_exp.ctl = T_CTL(1, 0, 1, 0, 1);
	rp_exp.rid1 = T_RID1(ep_rid);
	rp_exp.rid2 = T_RID2(ep_rid, IDE_TEST_DOMAIN);
	/* The endpoint has a non-prefetchable and a prefetchable BAR */
	KUNIT_EXPECT_EQ(test, ide_test_rp_windows(t, &rp_exp), 2);
	KUNIT_EXPECT_EQ(test, ide->partner[PCI_IDE_RP].nr_mem, 2);
	ide_test_expect_block(test, t->rp_fn, t->rp, r, &rp_exp);

	/* Blocks of the first stream and of no stream are untouched */
	ide_test_expect_block(test, t->ep_fn, t->ep, 0, &zero);
	ide_test_expect_block(test, t->rp_fn, t->rp, 0, &zero);
	ide_test_expect_block(test, t->rp_fn, t->rp, 2, &zero);
	ide_test_expect_block(test, t->rp_fn, t->rp, 3, &zero);

	/* Not a partner of this stream: nothing written */
	other = ide_test_pdev(test, tsm_emu_root_port(t->emu, 0));
	KUNIT_EXPECT_NULL(test, pci_ide_to_settings(other, ide));
	pci_ide_stream_setup(other, ide);
	ide_test_expect_block(test, tsm_emu_root_port(t->emu, 0), other, 0, &zero);
}

/* Owner overrides, as the SEV-TIO backend does, and invalid settings */
static void ide_test_setup_overrides(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct ide_test_block rp_exp = {}, ep_exp = {};
	struct pci_ide_partner *ep, *rp, saved;
	struct pci_ide *ide;

	ide_test_start(test, t);
	ide = ide_test_alloc(test, t->ep);
	ep = &ide->partner[PCI_IDE_EP];
	rp = &ide->partner[PCI_IDE_RP];

	/* Default setup first: the override must clear the second window */
	ide_test_setup(test, t->rp, ide);

	ide->stream_id = 7;
	ep->rid_start = 0;
	ep->rid_end = 0xffff;
	ep->default_stream = 1;
	t->ep->ide_cfg = 0;
	t->ep->ide_tee_limit = 1;
	rp->rid_start = 0;
	rp->rid_end = 0xffff;
	t->rp->ide_cfg = 1;
	t->rp->ide_tee_limit = 0;
	rp->nr_mem = 1;
	rp->mem_assoc[0].start = 0x1234567890ULL;
	rp->mem_assoc[0].end = 0x130067ffffULL;
	ide_test_setup(test, t->ep, ide);
	ide_test_setup(test, t->rp, ide);

	ep_exp.ctl = T_CTL(7, 0, 0, 1, 1);
	ep_exp.rid1 = T_RID1(0xffff);
	ep_exp.rid2 = T_RID2(0, IDE_TEST_DOMAIN);
	ide_test_expect_block(test, t->ep_fn, t->ep, 0, &ep_exp);

	rp_exp.ctl = T_CTL(7, 0, 1, 0, 0);
	rp_exp.rid1 = T_RID1(0xffff);
	rp_exp.rid2 = T_RID2(0, IDE_TEST_DOMAIN);
	/* 1 MiB granularity: base 0x1234500000, limit 0x13006fffff */
	rp_exp.addr[0][0] = 1 | 0x345 << 8 | 0x006 << 20;
	rp_exp.addr[0][1] = 0x13;
	rp_exp.addr[0][2] = 0x12;
	ide_test_expect_block(test, t->rp_fn, t->rp, 0, &rp_exp);

	/*
	 * Invalid settings: setup writes nothing (it cannot fail, as in
	 * mainline), and a port not set up cannot be enabled
	 */
	saved = *rp;
	ide->stream_id = 255;
	pci_ide_stream_setup(t->rp, ide);
	ide->stream_id = -1;
	pci_ide_stream_setup(t->rp, ide);
	KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(t->rp, ide), -EINVAL);
	ide->stream_id = 9;
	rp->rid_start = 0x200;
	rp->rid_end = 0x100;
	pci_ide_stream_setup(t->rp, ide);
	*rp = saved;
	rp->nr_mem = t->rp->nr_ide_mem + 1;
	pci_ide_stream_setup(t->rp, ide);
	*rp = saved;
	rp->mem_assoc[0].start = rp->mem_assoc[0].end + 1;
	pci_ide_stream_setup(t->rp, ide);
	*rp = saved;
	rp->stream_index = t->rp->nr_sel_ide;
	pci_ide_stream_setup(t->rp, ide);
	*rp = saved;
	ide_test_expect_block(test, t->rp_fn, t->rp, 0, &rp_exp);
	ide_test_expect_block(test, t->ep_fn, t->ep, 0, &ep_exp);

	pci_ide_stream_teardown(t->rp, ide);
	KUNIT_EXPECT_FALSE(test, rp->setup);
	rp->rid_start = 0x200;
	rp->rid_end = 0x100;
	pci_ide_stream_setup(t->rp, ide);
	KUNIT_EXPECT_FALSE(test, rp->setup);
	KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(t->rp, ide), -EINVAL);
	KUNIT_EXPECT_FALSE(test, rp->enable);
	memset(&rp_exp, 0, sizeof(rp_exp));
	ide_test_expect_block(test, t->rp_fn, t->rp, 0, &rp_exp);
}

struct ide_test_seg {
	int domain;
	bool captured;
	int rc;
	u8 seg;
};

static const struct ide_test_seg ide_test_segs[] = {
	{ IDE_TEST_DOMAIN, true, 0, IDE_TEST_DOMAIN },
	{ IDE_TEST_DOMAIN, false, 0, 0 },
	{ IDE_TEST_BIG_DOMAIN, false, 0, 0 },
	{ IDE_TEST_BIG_DOMAIN, true, -ERANGE, 0 },
};

static void ide_test_seg_desc(const struct ide_test_seg *s, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "domain %#x, segment %scaptured",
		 s->domain, s->captured ? "" : "not ");
}

KUNIT_ARRAY_PARAM(ide_test_seg, ide_test_segs, ide_test_seg_desc);

/* Segment Base is the domain only if the port captured its segment */
static void ide_test_segment(struct kunit *test)
{
	const struct ide_test_seg *s = test->param_value;
	struct ide_test *t = test->priv;
	struct ide_test_block exp = {}, zero = {};
	struct pci_ide *ide;

	t->cfg.domain = s->domain;
	t->cfg.segment_captured = s->captured;
	ide_test_start(test, t);
	KUNIT_ASSERT_EQ(test, pci_domain_nr(t->ep->bus), s->domain);
	ide = ide_test_alloc(test, t->ep);

	pci_ide_stream_setup(t->ep, ide);
	KUNIT_EXPECT_EQ(test, (bool)ide->partner[PCI_IDE_EP].setup, !s->rc);
	if (s->rc) {
		ide_test_expect_block(test, t->ep_fn, t->ep, 0, &zero);
		KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(t->ep, ide), -EINVAL);
		return;
	}
	exp.ctl = T_CTL(0, 0, 1, 0, 1);
	exp.rid1 = T_RID1(tsm_emu_fn_rid(t->rp_fn));
	exp.rid2 = T_RID2(tsm_emu_fn_rid(t->rp_fn), s->seg);
	ide_test_expect_block(test, t->ep_fn, t->ep, 0, &exp);
}

/* Enable needs keys on both partners; status, disable and teardown */
static void ide_test_enable(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct ide_test_block rp_exp = {}, ep_exp = {}, zero = {};
	struct pci_ide_status st;
	struct pci_ide *ide;
	struct pci_dev *other;
	unsigned int r, e;
	u8 sid;

	ide_test_start(test, t);
	ide_test_alloc(test, t->ep);
	ide = ide_test_alloc(test, t->ep);
	sid = ide->stream_id;
	r = ide->partner[PCI_IDE_RP].stream_index;
	e = ide->partner[PCI_IDE_EP].stream_index;
	ide_test_setup(test, t->ep, ide);
	ide_test_setup(test, t->rp, ide);

	ep_exp.ctl = T_CTL(sid, 0, 1, 0, 1);
	ep_exp.rid1 = T_RID1(tsm_emu_fn_rid(t->rp_fn));
	ep_exp.rid2 = T_RID2(tsm_emu_fn_rid(t->rp_fn), IDE_TEST_DOMAIN);
	rp_exp.ctl = T_CTL(sid, 0, 1, 0, 1);
	rp_exp.rid1 = T_RID1(tsm_emu_fn_rid(t->ep_fn));
	rp_exp.rid2 = T_RID2(tsm_emu_fn_rid(t->ep_fn), IDE_TEST_DOMAIN);
	KUNIT_ASSERT_EQ(test, ide_test_rp_windows(t, &rp_exp), 2);

	/* No keys: Enable is written, the stream stays Insecure */
	KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(t->ep, ide), -ENXIO);
	ep_exp.ctl |= 1;
	ide_test_expect_block(test, t->ep_fn, t->ep, e, &ep_exp);
	KUNIT_ASSERT_EQ(test, pci_ide_stream_status(t->ep, ide, &st), 0);
	KUNIT_EXPECT_EQ(test, st.state, PCI_IDE_SEL_STS_STATE_INSECURE);
	KUNIT_EXPECT_FALSE(test, st.integrity_fail);
	pci_ide_stream_disable(t->ep, ide);
	ep_exp.ctl = 0;
	ide_test_expect_block(test, t->ep_fn, t->ep, e, &ep_exp);

	/* Keys on the root port only: still Insecure */
	KUNIT_ASSERT_EQ(test, tsm_emu_ide_key_set(t->rp, sid, true), 0);
	KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(t->rp, ide), -ENXIO);
	pci_ide_stream_disable(t->rp, ide);

	/* Keys on both: Secure right after Enable, root port first */
	KUNIT_ASSERT_EQ(test, tsm_emu_ide_key_set(t->ep, sid, true), 0);
	KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(t->rp, ide), 0);
	KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(t->ep, ide), 0);
	ep_exp.ctl = T_CTL(sid, 1, 1, 0, 1);
	rp_exp.ctl |= 1;
	ide_test_expect_block(test, t->rp_fn, t->rp, r, &rp_exp);
	ide_test_expect_block(test, t->ep_fn, t->ep, e, &ep_exp);
	KUNIT_EXPECT_EQ(test, ide_test_state(test, t->rp_fn, t->rp, r), 2);
	KUNIT_EXPECT_EQ(test, ide_test_state(test, t->ep_fn, t->ep, e), 2);
	KUNIT_ASSERT_EQ(test, pci_ide_stream_status(t->rp, ide, &st), 0);
	KUNIT_EXPECT_EQ(test, st.state, PCI_IDE_SEL_STS_STATE_SECURE);
	KUNIT_EXPECT_FALSE(test, st.integrity_fail);
	KUNIT_ASSERT_EQ(test, pci_ide_stream_status(t->ep, ide, &st), 0);
	KUNIT_EXPECT_EQ(test, st.state, PCI_IDE_SEL_STS_STATE_SECURE);

	/* Integrity check failure */
	KUNIT_ASSERT_EQ(test, tsm_emu_fn_ide_inject_fail(t->ep_fn, e), 0);
	KUNIT_ASSERT_EQ(test, pci_ide_stream_status(t->ep, ide, &st), 0);
	KUNIT_EXPECT_EQ(test, st.state, PCI_IDE_SEL_STS_STATE_INSECURE);
	KUNIT_EXPECT_TRUE(test, st.integrity_fail);
	KUNIT_EXPECT_EQ(test, ide_test_state(test, t->ep_fn, t->ep, e), BIT(31));

	/* Not a partner */
	other = ide_test_pdev(test, tsm_emu_root_port(t->emu, 0));
	KUNIT_EXPECT_EQ(test, pci_ide_stream_status(other, ide, &st), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(other, ide), -EINVAL);

	/* Disable clears Control, teardown everything */
	pci_ide_stream_disable(t->rp, ide);
	pci_ide_stream_disable(t->ep, ide);
	rp_exp.ctl = 0;
	ep_exp.ctl = 0;
	ide_test_expect_block(test, t->rp_fn, t->rp, r, &rp_exp);
	ide_test_expect_block(test, t->ep_fn, t->ep, e, &ep_exp);
	KUNIT_EXPECT_EQ(test, ide_test_state(test, t->rp_fn, t->rp, r), 0);
	KUNIT_ASSERT_EQ(test, pci_ide_stream_status(t->rp, ide, &st), 0);
	KUNIT_EXPECT_EQ(test, st.state, PCI_IDE_SEL_STS_STATE_INSECURE);

	pci_ide_stream_teardown(t->rp, ide);
	pci_ide_stream_teardown(t->ep, ide);
	ide_test_expect_block(test, t->rp_fn, t->rp, r, &zero);
	ide_test_expect_block(test, t->ep_fn, t->ep, e, &zero);
}

/* pci_ide_stream_release() undoes everything */
static void ide_test_release_all(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct ide_test_block zero = {};
	struct pci_ide *ide;
	unsigned int r, e;
	u8 sid;

	ide_test_start(test, t);
	ide = ide_test_alloc(test, t->ep);
	sid = ide->stream_id;
	r = ide->partner[PCI_IDE_RP].stream_index;
	e = ide->partner[PCI_IDE_EP].stream_index;
	ide_test_setup(test, t->ep, ide);
	ide_test_setup(test, t->rp, ide);
	KUNIT_ASSERT_EQ(test, tsm_emu_ide_key_set(t->rp, sid, true), 0);
	KUNIT_ASSERT_EQ(test, tsm_emu_ide_key_set(t->ep, sid, true), 0);
	KUNIT_ASSERT_EQ(test, pci_ide_stream_enable(t->rp, ide), 0);
	KUNIT_ASSERT_EQ(test, pci_ide_stream_enable(t->ep, ide), 0);
	KUNIT_ASSERT_EQ(test, pci_ide_stream_register(ide), 0);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS - 1);

	ide_test_release(test, ide);
	ide_test_expect_block(test, t->rp_fn, t->rp, r, &zero);
	ide_test_expect_block(test, t->ep_fn, t->ep, e, &zero);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS);
	KUNIT_EXPECT_NULL(test, ide_test_link(t->hb, "stream0.0.0"));
}

/* pci_ide_to_settings(): a stream's two ports, and nothing else */
static void ide_test_to_settings(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct pci_dev *other_rp, *other_ep;
	struct pci_ide *ide;

	ide_test_start(test, t);
	ide = ide_test_alloc(test, t->ep);
	KUNIT_EXPECT_PTR_EQ(test, pci_ide_to_settings(t->ep, ide),
			    &ide->partner[PCI_IDE_EP]);
	KUNIT_EXPECT_PTR_EQ(test, pci_ide_to_settings(t->rp, ide),
			    &ide->partner[PCI_IDE_RP]);
	other_rp = ide_test_pdev(test, tsm_emu_root_port(t->emu, 0));
	other_ep = ide_test_pdev(test, tsm_emu_endpoint(t->emu, 0, 0));
	KUNIT_ASSERT_PTR_NE(test, other_rp, t->rp);
	KUNIT_EXPECT_NULL(test, pci_ide_to_settings(other_rp, ide));
	KUNIT_EXPECT_NULL(test, pci_ide_to_settings(other_ep, ide));
}

/*
 * pci_ide_stream_release() undoes only what was done: a stream set up in
 * the Endpoint only, and one enabled in the Root Port only
 */
static void ide_test_release_partial(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct ide_test_block zero = {}, rp_exp = {};
	struct pci_ide *a, *b;
	unsigned int ra, rb, ea;

	ide_test_start(test, t);
	a = ide_test_alloc(test, t->ep);
	b = ide_test_alloc(test, t->ep);
	ra = a->partner[PCI_IDE_RP].stream_index;
	ea = a->partner[PCI_IDE_EP].stream_index;
	rb = b->partner[PCI_IDE_RP].stream_index;

	ide_test_setup(test, t->ep, a);
	KUNIT_EXPECT_FALSE(test, a->partner[PCI_IDE_RP].setup);
	ide_test_setup(test, t->rp, b);
	KUNIT_ASSERT_EQ(test, tsm_emu_ide_key_set(t->rp, b->stream_id, true), 0);
	KUNIT_ASSERT_EQ(test, tsm_emu_ide_key_set(t->ep, b->stream_id, true), 0);
	KUNIT_EXPECT_EQ(test, pci_ide_stream_enable(t->rp, b), 0);
	KUNIT_EXPECT_TRUE(test, b->partner[PCI_IDE_RP].enable);
	KUNIT_EXPECT_FALSE(test, b->partner[PCI_IDE_EP].enable);
	rp_exp.ctl = tsm_emu_cfg_peek(t->rp_fn, tsm_emu_fn_ide_sel_offset(t->rp_fn, rb) +
				      PCI_IDE_SEL_CTL);
	KUNIT_EXPECT_TRUE(test, rp_exp.ctl & PCI_IDE_SEL_CTL_EN);

	ide_test_release(test, a);
	ide_test_expect_block(test, t->ep_fn, t->ep, ea, &zero);
	ide_test_expect_block(test, t->rp_fn, t->rp, ra, &zero);
	/* b is untouched by the release of a */
	KUNIT_EXPECT_EQ(test, ide_test_state(test, t->rp_fn, t->rp, rb), 2);
	ide_test_release(test, b);
	ide_test_expect_block(test, t->rp_fn, t->rp, rb, &zero);
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS);
}

/*
 * A backend written against mainline's IDE API: NULL from
 * pci_ide_stream_alloc(), void setup, the stream released by the scope's
 * cleanup (DEFINE_FREE(pci_ide_stream_release))
 */
static int ide_test_mainline_connect(struct pci_dev *pdev, bool fail)
{
	struct pci_dev *rp = pcie_find_root_port(pdev);
	int rc;

	struct pci_ide *ide __free(pci_ide_stream_release) =
		pci_ide_stream_alloc(pdev);
	if (!ide)
		return -ENOMEM;
	ide->stream_id = ide->host_bridge_stream;
	rc = pci_ide_stream_register(ide);
	if (rc)
		return rc;
	pci_ide_stream_setup(pdev, ide);
	pci_ide_stream_setup(rp, ide);
	rc = tsm_emu_ide_key_set(pdev, ide->stream_id, true);
	if (!rc)
		rc = tsm_emu_ide_key_set(rp, ide->stream_id, true);
	if (!rc)
		rc = pci_ide_stream_enable(pdev, ide);
	if (!rc)
		rc = pci_ide_stream_enable(rp, ide);
	if (rc || fail)
		return rc ? rc : -EIO;
	/* Success would hand the stream to the caller (no_free_ptr()) */
	return 0;
}

static void ide_test_mainline_backend(struct kunit *test)
{
	struct ide_test *t = test->priv;
	struct ide_test_block zero = {};

	ide_test_start(test, t);
	KUNIT_EXPECT_EQ(test, ide_test_mainline_connect(t->ep, true), -EIO);
	ide_test_expect_block(test, t->ep_fn, t->ep, 0, &zero);
	ide_test_expect_block(test, t->rp_fn, t->rp, 0, &zero);
	KUNIT_EXPECT_NULL(test, ide_test_link(t->hb, "stream0.0.0"));
	KUNIT_EXPECT_EQ(test, ide_test_available(test, t->hb), PCI_IDE_NR_STREAMS);
	/* An Endpoint without IDE: NULL, which mainline's "if (!ide)" sees */
	KUNIT_EXPECT_EQ(test, ide_test_mainline_connect(t->rp, false), -ENOMEM);
}

static struct kunit_case ide_test_cases[] = {
	KUNIT_CASE_PARAM(ide_test_caps, ide_test_geometry_gen_params),
	KUNIT_CASE(ide_test_caps_ignored),
	KUNIT_CASE(ide_test_alloc_blocks),
	KUNIT_CASE(ide_test_alloc_rp_blocks),
	KUNIT_CASE(ide_test_nr_streams),
	KUNIT_CASE(ide_test_register),
	KUNIT_CASE(ide_test_setup_defaults),
	KUNIT_CASE(ide_test_setup_overrides),
	KUNIT_CASE_PARAM(ide_test_segment, ide_test_seg_gen_params),
	KUNIT_CASE(ide_test_enable),
	KUNIT_CASE(ide_test_release_all),
	KUNIT_CASE(ide_test_to_settings),
	KUNIT_CASE(ide_test_release_partial),
	KUNIT_CASE(ide_test_mainline_backend),
	{}
};

static struct kunit_suite ide_test_suite = {
	.name = "pci_ide",
	.init = ide_test_init,
	.test_cases = ide_test_cases,
};

kunit_test_suite(ide_test_suite);

MODULE_DESCRIPTION("KUnit tests of the PCIe IDE library on the emulated TEE-IO platform");
MODULE_LICENSE("GPL");
