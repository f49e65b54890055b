// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the emulated TEE-IO PCIe platform.
 *
 * Every test creates its own emulated PCI domain with the default
 * topology.  DOE tests go through the kernel's DOE core
 * (drivers/pci/doe.c) and so also check that the emulated mailbox follows
 * the register protocol the core expects; IDE and configuration space
 * tests use PCI config accessors and compare with the raw emulated state.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#include "tsm-emu.h"

#define EMU_TEST_DOMAIN		0x10e0
#define EMU_TEST_SID		5

static const u8 emu_test_get_version[] = { 0x10, 0x84, 0x00, 0x00 };
static const u8 emu_test_version[] = {
	0x10, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12,
};

struct emu_test {
	struct tsm_emu *emu;
	struct pci_dev *dsm;	/* 02:00.0, below root port 1 */
	struct tsm_emu_fn *dsm_fn;
	struct tsm_emu_fn *rp_fn;
	struct pci_doe_mb *mb;
};

static int emu_test_init(struct kunit *test)
{
	struct tsm_emu_config cfg;
	struct emu_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;

	tsm_emu_default_config(&cfg, EMU_TEST_DOMAIN);
	t->emu = tsm_emu_create(&cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->emu);

	t->rp_fn = tsm_emu_root_port(t->emu, 1);
	t->dsm_fn = tsm_emu_endpoint(t->emu, 1, 0);
	KUNIT_ASSERT_NOT_NULL(test, t->rp_fn);
	KUNIT_ASSERT_NOT_NULL(test, t->dsm_fn);
	t->dsm = tsm_emu_fn_get_pci_dev(t->dsm_fn);
	KUNIT_ASSERT_NOT_NULL(test, t->dsm);
	t->mb = pci_find_doe_mailbox(t->dsm, PCI_VENDOR_ID_PCI_SIG,
				     PCI_DOE_FEATURE_CMA);
	KUNIT_ASSERT_NOT_NULL(test, t->mb);
	return 0;
}

static void emu_test_exit(struct kunit *test)
{
	struct emu_test *t = test->priv;

	if (!t)
		return;
	pci_dev_put(t->dsm);
	tsm_emu_destroy(t->emu);
}

/* One GET_VERSION exchange that must succeed with the default answer */
static void emu_test_expect_version(struct kunit *test, struct pci_doe_mb *mb)
{
	u8 rsp[64] = {};
	int rc;

	rc = pci_doe(mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     emu_test_get_version, sizeof(emu_test_get_version),
		     rsp, sizeof(rsp));
	KUNIT_ASSERT_EQ(test, rc, (int)sizeof(emu_test_version));
	KUNIT_EXPECT_MEMEQ(test, rsp, emu_test_version,
			   sizeof(emu_test_version));
}

/* Every function is enumerated where the emulated topology puts it */
static void emu_test_topology(struct kunit *test)
{
	struct emu_test *t = test->priv;
	unsigned int nr = 0, port;
	struct tsm_emu_fn *fn;
	struct pci_dev *pdev;
	u16 ctl;
	u32 val;

	for (fn = tsm_emu_fn_next(t->emu, NULL); fn;
	     fn = tsm_emu_fn_next(t->emu, fn), nr++) {
		unsigned int flags = tsm_emu_fn_flags(fn);

		pdev = tsm_emu_fn_get_pci_dev(fn);
		KUNIT_ASSERT_NOT_NULL_MSG(test, pdev, "%s", tsm_emu_fn_name(fn));
		KUNIT_EXPECT_EQ(test, pci_domain_nr(pdev->bus), EMU_TEST_DOMAIN);
		KUNIT_EXPECT_EQ(test, pci_dev_id(pdev), tsm_emu_fn_rid(fn));
		KUNIT_EXPECT_STREQ(test, pci_name(pdev), tsm_emu_fn_name(fn));
		KUNIT_EXPECT_PTR_EQ(test, tsm_emu_pdev_to_fn(pdev), fn);
		KUNIT_EXPECT_EQ(test, pdev->vendor, TSM_EMU_VENDOR_ID);
		KUNIT_EXPECT_TRUE(test, pci_is_pcie(pdev));
		if (flags & TSM_EMU_FN_ROOT_PORT) {
			port = PCI_SLOT(pdev->devfn);
			KUNIT_EXPECT_EQ(test, pdev->device, TSM_EMU_DEVICE_ID_RP);
			KUNIT_EXPECT_EQ(test, pci_pcie_type(pdev),
					PCI_EXP_TYPE_ROOT_PORT);
			KUNIT_EXPECT_PTR_EQ(test, fn,
					    tsm_emu_root_port(t->emu, port));
			KUNIT_ASSERT_NOT_NULL(test, pdev->subordinate);
			KUNIT_EXPECT_EQ(test, pdev->subordinate->number,
					port + 1);
			pcie_capability_read_dword(pdev, PCI_EXP_LNKCAP, &val);
			KUNIT_EXPECT_EQ(test, FIELD_GET(PCI_EXP_LNKCAP_PN, val),
					port);
		} else {
			KUNIT_EXPECT_EQ(test, pci_pcie_type(pdev),
					PCI_EXP_TYPE_ENDPOINT);
			KUNIT_EXPECT_EQ(test, pdev->msix_cap, 0x80);
			pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
					     &ctl);
			KUNIT_EXPECT_EQ(test, (ctl & PCI_MSIX_FLAGS_QSIZE) + 1, 8);
		}
		pci_dev_put(pdev);
	}
	/* 3 root ports, 2 + 1 + 1 endpoint functions */
	KUNIT_EXPECT_EQ(test, nr, 7);
	KUNIT_EXPECT_NULL(test, tsm_emu_root_port(t->emu, 3));
	KUNIT_EXPECT_NULL(test, tsm_emu_endpoint(t->emu, 1, 1));
	KUNIT_EXPECT_PTR_EQ(test, tsm_emu_fn_partner(t->rp_fn), t->dsm_fn);
	KUNIT_EXPECT_PTR_EQ(test, tsm_emu_fn_partner(t->dsm_fn), t->rp_fn);
	KUNIT_EXPECT_NULL(test,
			  tsm_emu_fn_partner(tsm_emu_root_port(t->emu, 2)));
	KUNIT_EXPECT_NULL(test,
			  tsm_emu_fn_partner(tsm_emu_endpoint(t->emu, 0, 1)));
}

/* BARs sized and assigned by the PCI core from the emulated registers */
static void emu_test_bars(struct kunit *test)
{
	struct emu_test *t = test->priv;
	struct resource *r0 = &t->dsm->resource[0];
	struct resource *r2 = &t->dsm->resource[2];
	u32 lo, hi, save_lo, save_hi;

	KUNIT_EXPECT_EQ(test, resource_size(r0), SZ_1M);
	KUNIT_EXPECT_TRUE(test, r0->flags & IORESOURCE_MEM_64);
	KUNIT_EXPECT_FALSE(test, r0->flags & IORESOURCE_PREFETCH);
	KUNIT_EXPECT_NOT_NULL(test, r0->parent);
	KUNIT_EXPECT_EQ(test, resource_size(r2), SZ_2M);
	KUNIT_EXPECT_TRUE(test, r2->flags & IORESOURCE_PREFETCH);
	KUNIT_EXPECT_TRUE(test, r2->flags & IORESOURCE_MEM_64);
	KUNIT_EXPECT_NOT_NULL(test, r2->parent);
	/* BAR1 is the upper half of BAR0, BAR4 is not implemented */
	KUNIT_EXPECT_EQ(test, t->dsm->resource[1].flags, 0);
	KUNIT_EXPECT_EQ(test, t->dsm->resource[4].flags, 0);

	/* Sizing by hand: all ones in, size mask and flags out */
	pci_read_config_dword(t->dsm, PCI_BASE_ADDRESS_0, &save_lo);
	pci_read_config_dword(t->dsm, PCI_BASE_ADDRESS_1, &save_hi);
	pci_write_config_dword(t->dsm, PCI_BASE_ADDRESS_0, ~0U);
	pci_write_config_dword(t->dsm, PCI_BASE_ADDRESS_1, ~0U);
	pci_read_config_dword(t->dsm, PCI_BASE_ADDRESS_0, &lo);
	pci_read_config_dword(t->dsm, PCI_BASE_ADDRESS_1, &hi);
	pci_write_config_dword(t->dsm, PCI_BASE_ADDRESS_0, save_lo);
	pci_write_config_dword(t->dsm, PCI_BASE_ADDRESS_1, save_hi);
	KUNIT_EXPECT_EQ(test, lo, 0xfff00004);
	KUNIT_EXPECT_EQ(test, hi, 0xffffffff);
	KUNIT_EXPECT_EQ(test, tsm_emu_cfg_peek(t->dsm_fn, PCI_BASE_ADDRESS_0),
			save_lo);
	/* The BAR holds the bus address of the assigned resource */
	KUNIT_EXPECT_EQ(test, save_lo & PCI_BASE_ADDRESS_MEM_MASK,
			lower_32_bits(pci_bus_address(t->dsm, 0)));
	KUNIT_EXPECT_EQ(test, save_hi, upper_32_bits(pci_bus_address(t->dsm, 0)));
}

/* Capability chains: the extended capability IDs in chain order */
static void emu_test_expect_ext_chain(struct kunit *test, struct pci_dev *pdev,
				      const u16 *ids, unsigned int nr)
{
	unsigned int i = 0, pos = PCI_CFG_SPACE_SIZE;
	u32 hdr;

	while (pos && i < 8) {
		pci_read_config_dword(pdev, pos, &hdr);
		KUNIT_ASSERT_LT_MSG(test, i, nr, "%s: extra capability %#x",
				    pci_name(pdev), PCI_EXT_CAP_ID(hdr));
		KUNIT_EXPECT_EQ_MSG(test, PCI_EXT_CAP_ID(hdr), ids[i],
				    "%s at %#x", pci_name(pdev), pos);
		pos = PCI_EXT_CAP_NEXT(hdr);
		i++;
	}
	KUNIT_EXPECT_EQ_MSG(test, i, nr, "%s", pci_name(pdev));
}

static void emu_test_config_sanity(struct kunit *test)
{
	static const u16 dsm[] = { PCI_EXT_CAP_ID_DOE, PCI_EXT_CAP_ID_DEV3,
				   PCI_EXT_CAP_ID_IDE };
	static const u16 rp[] = { PCI_EXT_CAP_ID_DEV3, PCI_EXT_CAP_ID_IDE };
	static const u16 plain[] = { PCI_EXT_CAP_ID_DEV3 };
	struct emu_test *t = test->priv;
	struct tsm_emu_fn *fn;
	struct pci_dev *pdev;
	u16 ide, doe;
	u32 devcap;

	for (fn = tsm_emu_fn_next(t->emu, NULL); fn;
	     fn = tsm_emu_fn_next(t->emu, fn)) {
		unsigned int flags = tsm_emu_fn_flags(fn);
		bool tee = flags & TSM_EMU_FN_TEE;

		pdev = tsm_emu_fn_get_pci_dev(fn);
		KUNIT_ASSERT_NOT_NULL(test, pdev);
		KUNIT_EXPECT_EQ(test, pdev->cfg_size, PCI_CFG_SPACE_EXP_SIZE);
		pcie_capability_read_dword(pdev, PCI_EXP_DEVCAP, &devcap);
		KUNIT_EXPECT_EQ_MSG(test, !!(devcap & PCI_EXP_DEVCAP_TEE), tee,
				    "%s", pci_name(pdev));
		ide = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_IDE);
		doe = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_DOE);
		KUNIT_EXPECT_EQ_MSG(test, ide, tsm_emu_fn_ide_offset(fn), "%s",
				    pci_name(pdev));
		KUNIT_EXPECT_EQ_MSG(test, doe, tsm_emu_fn_doe_offset(fn), "%s",
				    pci_name(pdev));
		KUNIT_EXPECT_EQ(test, pci_find_capability(pdev, PCI_CAP_ID_EXP),
				0x40);
		KUNIT_EXPECT_EQ(test, pdev->pin, 0);
		if (flags & TSM_EMU_FN_ROOT_PORT) {
			KUNIT_EXPECT_FALSE(test, tee);
			KUNIT_EXPECT_FALSE(test, devcap & PCI_EXP_DEVCAP_FLR);
			emu_test_expect_ext_chain(test, pdev, rp,
						  ARRAY_SIZE(rp));
		} else {
			KUNIT_EXPECT_TRUE(test, devcap & PCI_EXP_DEVCAP_FLR);
			if (flags & TSM_EMU_FN_IDE)
				emu_test_expect_ext_chain(test, pdev, dsm,
							  ARRAY_SIZE(dsm));
			else
				emu_test_expect_ext_chain(test, pdev, plain,
							  ARRAY_SIZE(plain));
		}
		pci_dev_put(pdev);
	}

	/* The topology promised by tsm-emu.h */
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_flags(tsm_emu_endpoint(t->emu, 0, 0)),
			TSM_EMU_FN_TEE | TSM_EMU_FN_DOE | TSM_EMU_FN_IDE);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_flags(tsm_emu_endpoint(t->emu, 0, 1)),
			TSM_EMU_FN_TEE);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_flags(t->dsm_fn),
			TSM_EMU_FN_TEE | TSM_EMU_FN_DOE | TSM_EMU_FN_IDE);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_flags(tsm_emu_endpoint(t->emu, 2, 0)),
			0);
}

/* CMA and secured CMA on the DSM only */
static void emu_test_doe_mailboxes(struct kunit *test)
{
	struct emu_test *t = test->priv;
	struct pci_dev *pdev;

	KUNIT_EXPECT_PTR_EQ(test, pci_find_doe_mailbox(t->dsm,
						       PCI_VENDOR_ID_PCI_SIG,
						       PCI_DOE_FEATURE_SSESSION),
			    t->mb);
	KUNIT_EXPECT_PTR_EQ(test, pci_find_doe_mailbox(t->dsm,
						       PCI_VENDOR_ID_PCI_SIG,
						       PCI_DOE_FEATURE_DISCOVERY),
			    t->mb);
	KUNIT_EXPECT_NULL(test, pci_find_doe_mailbox(t->dsm,
						     PCI_VENDOR_ID_PCI_SIG, 3));
	KUNIT_EXPECT_NULL(test, pci_find_doe_mailbox(t->dsm, 0x1e98,
						     PCI_DOE_FEATURE_CMA));

	/* Plain device, second function of the MFD, root port: none */
	pdev = tsm_emu_fn_get_pci_dev(tsm_emu_endpoint(t->emu, 2, 0));
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_EXPECT_NULL(test, pci_find_doe_mailbox(pdev,
						     PCI_VENDOR_ID_PCI_SIG,
						     PCI_DOE_FEATURE_CMA));
	pci_dev_put(pdev);
	pdev = tsm_emu_fn_get_pci_dev(tsm_emu_endpoint(t->emu, 0, 1));
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_EXPECT_NULL(test, pci_find_doe_mailbox(pdev,
						     PCI_VENDOR_ID_PCI_SIG,
						     PCI_DOE_FEATURE_CMA));
	pci_dev_put(pdev);
	pdev = tsm_emu_fn_get_pci_dev(t->rp_fn);
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_EXPECT_NULL(test, pci_find_doe_mailbox(pdev,
						     PCI_VENDOR_ID_PCI_SIG,
						     PCI_DOE_FEATURE_CMA));
	pci_dev_put(pdev);

	/* The MFD's function 0 has its own mailbox */
	pdev = tsm_emu_fn_get_pci_dev(tsm_emu_endpoint(t->emu, 0, 0));
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_EXPECT_NOT_NULL(test, pci_find_doe_mailbox(pdev,
							 PCI_VENDOR_ID_PCI_SIG,
							 PCI_DOE_FEATURE_SSESSION));
	pci_dev_put(pdev);
}

static void emu_test_doe_version(struct kunit *test)
{
	struct emu_test *t = test->priv;
	struct tsm_emu_doe_stats before, after;

	KUNIT_ASSERT_EQ(test, tsm_emu_doe_get_stats(t->dsm_fn, &before), 0);
	emu_test_expect_version(test, t->mb);
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_get_stats(t->dsm_fn, &after), 0);
	KUNIT_EXPECT_EQ(test, after.requests, before.requests + 1);
	KUNIT_EXPECT_EQ(test, after.responses, before.responses + 1);
	KUNIT_EXPECT_EQ(test, after.errors, before.errors);
	KUNIT_EXPECT_EQ(test, after.aborts, before.aborts);
	KUNIT_EXPECT_EQ(test, tsm_emu_doe_get_stats(t->rp_fn, &after), -ENODEV);
}

/* Secured CMA and odd sizes: echoed behind the marker, zero padded */
static void emu_test_doe_echo(struct kunit *test)
{
	static const u8 req[] = { 0x11, 0x22, 0x33, 0x44, 0x55 };
	u8 rsp[16], expect[12] = { 0x45, 0x43, 0x48, 0x4f,
				   0x11, 0x22, 0x33, 0x44, 0x55 };
	struct emu_test *t = test->priv;
	int rc;

	memset(rsp, 0xaa, sizeof(rsp));
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_SSESSION,
		     req, sizeof(req), rsp, sizeof(rsp));
	KUNIT_ASSERT_EQ(test, rc, 12);
	KUNIT_EXPECT_MEMEQ(test, rsp, expect, sizeof(expect));

	/* A response larger than the buffer is cut, the rest drained */
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     req, sizeof(req), rsp, 4);
	KUNIT_EXPECT_EQ(test, rc, 4);
	KUNIT_EXPECT_MEMEQ(test, rsp, expect, 4);
	emu_test_expect_version(test, t->mb);
}

static void emu_test_doe_error(struct kunit *test)
{
	struct emu_test *t = test->priv;
	struct tsm_emu_doe_stats before, after;
	u8 rsp[16];
	int rc;

	tsm_emu_doe_get_stats(t->dsm_fn, &before);
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_inject(t->dsm_fn,
						 TSM_EMU_DOE_FAULT_ERROR, 1), 0);
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     emu_test_get_version, sizeof(emu_test_get_version),
		     rsp, sizeof(rsp));
	KUNIT_EXPECT_EQ(test, rc, -EIO);
	tsm_emu_doe_get_stats(t->dsm_fn, &after);
	KUNIT_EXPECT_EQ(test, after.errors, before.errors + 1);
	KUNIT_EXPECT_EQ(test, after.aborts, before.aborts + 1);
	/* Abort cleared Error; the fault was one-shot */
	KUNIT_EXPECT_EQ(test, tsm_emu_cfg_peek(t->dsm_fn,
					       tsm_emu_fn_doe_offset(t->dsm_fn) +
					       PCI_DOE_STATUS), 0);
	emu_test_expect_version(test, t->mb);

	/* Two faults in a row, then recovery */
	tsm_emu_doe_inject(t->dsm_fn, TSM_EMU_DOE_FAULT_ERROR, 2);
	KUNIT_EXPECT_EQ(test, pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG,
				      PCI_DOE_FEATURE_CMA, emu_test_get_version,
				      4, rsp, sizeof(rsp)), -EIO);
	KUNIT_EXPECT_EQ(test, pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG,
				      PCI_DOE_FEATURE_CMA, emu_test_get_version,
				      4, rsp, sizeof(rsp)), -EIO);
	emu_test_expect_version(test, t->mb);

	/* One request answered, then the fault */
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_inject_after(t->dsm_fn,
						       TSM_EMU_DOE_FAULT_ERROR,
						       1, 1), 0);
	emu_test_expect_version(test, t->mb);
	KUNIT_EXPECT_EQ(test, pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG,
				      PCI_DOE_FEATURE_CMA, emu_test_get_version,
				      4, rsp, sizeof(rsp)), -EIO);
	emu_test_expect_version(test, t->mb);

	/* Bad arguments */
	KUNIT_EXPECT_EQ(test, tsm_emu_doe_inject(t->rp_fn,
						 TSM_EMU_DOE_FAULT_ERROR, 1),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, tsm_emu_doe_inject(t->dsm_fn,
						 TSM_EMU_DOE_FAULT_MAX, 1),
			-EINVAL);
}

struct emu_test_fault {
	enum tsm_emu_doe_fault fault;
	int rc;
	bool slow;
	const char *name;
};

static const struct emu_test_fault emu_test_faults[] = {
	{ TSM_EMU_DOE_FAULT_NO_ANSWER, -EIO, true, "no_answer" },
	{ TSM_EMU_DOE_FAULT_STAY_BUSY, -EIO, true, "stay_busy" },
	{ TSM_EMU_DOE_FAULT_BUSY, -EBUSY, false, "busy" },
	{ TSM_EMU_DOE_FAULT_BAD_VENDOR, -EIO, false, "bad_vendor" },
	{ TSM_EMU_DOE_FAULT_BAD_TYPE, -EIO, false, "bad_type" },
	{ TSM_EMU_DOE_FAULT_BAD_LENGTH, -EIO, false, "bad_length" },
	{ TSM_EMU_DOE_FAULT_TRUNCATED, -EIO, false, "truncated" },
};

static void emu_test_fault_desc(const struct emu_test_fault *f, char *desc)
{
	strscpy(desc, f->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(emu_test_fault, emu_test_faults, emu_test_fault_desc);

/*
 * Each fault fails exactly one exchange with the errno the DOE core gives
 * for it; the core's Abort recovers the mailbox.  Faults that never
 * answer take the DOE core's 1 s timeout.
 */
static void emu_test_doe_fault(struct kunit *test)
{
	const struct emu_test_fault *f = test->param_value;
	struct emu_test *t = test->priv;
	struct tsm_emu_doe_stats before, after;
	unsigned long start;
	u8 rsp[16];
	int rc;

	tsm_emu_doe_get_stats(t->dsm_fn, &before);
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_inject(t->dsm_fn, f->fault, 1), 0);
	start = jiffies;
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     emu_test_get_version, sizeof(emu_test_get_version),
		     rsp, sizeof(rsp));
	KUNIT_EXPECT_EQ(test, rc, f->rc);
	if (f->slow)
		KUNIT_EXPECT_GE(test, jiffies - start, HZ);
	tsm_emu_doe_get_stats(t->dsm_fn, &after);
	KUNIT_EXPECT_EQ(test, after.aborts, before.aborts + 1);
	KUNIT_EXPECT_EQ(test, tsm_emu_cfg_peek(t->dsm_fn,
					       tsm_emu_fn_doe_offset(t->dsm_fn) +
					       PCI_DOE_STATUS), 0);
	emu_test_expect_version(test, t->mb);
}

/*
 * A late answer to an aborted request must not show up as the answer to
 * the next request.
 */
static void emu_test_doe_late_answer(struct kunit *test)
{
	static const u8 req[] = { 0x12, 0x34, 0x56, 0x78 };
	u8 rsp[16], expect[8] = { 0x45, 0x43, 0x48, 0x4f,
				  0x12, 0x34, 0x56, 0x78 };
	struct emu_test *t = test->priv;
	int rc;

	KUNIT_ASSERT_EQ(test, tsm_emu_doe_set_delay(t->dsm_fn, 1300), 0);
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     emu_test_get_version, sizeof(emu_test_get_version),
		     rsp, sizeof(rsp));
	KUNIT_EXPECT_EQ(test, rc, -EIO);
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_set_delay(t->dsm_fn, 0), 0);
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     req, sizeof(req), rsp, sizeof(rsp));
	KUNIT_ASSERT_EQ(test, rc, 8);
	KUNIT_EXPECT_MEMEQ(test, rsp, expect, sizeof(expect));
	/* Let the delayed work finish: its answer must be dropped */
	msleep(500);
	emu_test_expect_version(test, t->mb);
	KUNIT_EXPECT_EQ(test, tsm_emu_doe_set_delay(t->dsm_fn, 20000), -EINVAL);
}

struct emu_test_responder {
	struct tsm_emu_fn *fn;
	u16 vendor;
	u8 type;
	size_t req_sz;
	unsigned int calls;
};

static ssize_t emu_test_respond(struct tsm_emu_fn *fn, void *data, u16 vendor,
				u8 type, const void *req, size_t req_sz,
				void *rsp, size_t rsp_sz)
{
	struct emu_test_responder *r = data;

	r->fn = fn;
	r->vendor = vendor;
	r->type = type;
	r->req_sz = req_sz;
	r->calls++;
	if (rsp_sz < 3)
		return -ENOSPC;
	memcpy(rsp, "abc", 3);
	return 3;
}

static ssize_t emu_test_respond_fail(struct tsm_emu_fn *fn, void *data,
				     u16 vendor, u8 type, const void *req,
				     size_t req_sz, void *rsp, size_t rsp_sz)
{
	return -EIO;
}

/* Registered responders, maximum and oversized requests */
static void emu_test_doe_responder(struct kunit *test)
{
	const size_t max = (TSM_EMU_DOE_MAX_DW - 2) * 4;
	struct emu_test_responder r = {};
	struct emu_test *t = test->priv;
	u8 rsp[8] = {}, *big;
	int rc;

	big = kunit_kzalloc(test, max + 4, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);

	KUNIT_ASSERT_EQ(test, tsm_emu_doe_responder_register(t->emu,
							     emu_test_respond,
							     &r), 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_doe_responder_register(t->emu,
							     emu_test_respond,
							     &r), -EBUSY);
	/* The largest request fits */
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_SSESSION,
		     big, max, rsp, sizeof(rsp));
	KUNIT_EXPECT_EQ(test, rc, 4);
	KUNIT_EXPECT_MEMEQ(test, rsp, "abc\0", 4);
	KUNIT_EXPECT_PTR_EQ(test, r.fn, t->dsm_fn);
	KUNIT_EXPECT_EQ(test, r.vendor, PCI_VENDOR_ID_PCI_SIG);
	KUNIT_EXPECT_EQ(test, r.type, PCI_DOE_FEATURE_SSESSION);
	KUNIT_EXPECT_EQ(test, r.req_sz, max);
	KUNIT_EXPECT_EQ(test, r.calls, 1);

	/* One dword more overflows the write mailbox: Error */
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     big, max + 4, rsp, sizeof(rsp));
	KUNIT_EXPECT_EQ(test, rc, -EIO);
	KUNIT_EXPECT_EQ(test, r.calls, 1);
	tsm_emu_doe_responder_unregister(t->emu);
	emu_test_expect_version(test, t->mb);

	/* A failing responder makes the mailbox report Error */
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_responder_register(t->emu,
							     emu_test_respond_fail,
							     NULL), 0);
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     emu_test_get_version, sizeof(emu_test_get_version),
		     rsp, sizeof(rsp));
	KUNIT_EXPECT_EQ(test, rc, -EIO);
	tsm_emu_doe_responder_unregister(t->emu);
	emu_test_expect_version(test, t->mb);
}

/* Raw responder: whole objects, header as the responder built it */
enum emu_test_raw_mode {
	EMU_TEST_RAW_OK,
	EMU_TEST_RAW_LONG_LENGTH,
	EMU_TEST_RAW_BAD_TYPE,
	EMU_TEST_RAW_UNALIGNED,
	EMU_TEST_RAW_NO_HEADER,
};

static ssize_t emu_test_respond_raw(struct tsm_emu_fn *fn, void *data,
				    u16 vendor, u8 type, const void *req,
				    size_t req_sz, void *rsp, size_t rsp_sz)
{
	enum emu_test_raw_mode *mode = data;
	u8 *obj = rsp;

	if (rsp_sz < 12)
		return -ENOSPC;
	put_unaligned_le32(vendor | type << 16, obj);
	put_unaligned_le32(3, obj + 4);
	memcpy(obj + 8, "raw!", 4);
	switch (*mode) {
	case EMU_TEST_RAW_LONG_LENGTH:
		put_unaligned_le32(4, obj + 4);
		break;
	case EMU_TEST_RAW_BAD_TYPE:
		obj[2] ^= 0x80;
		break;
	case EMU_TEST_RAW_UNALIGNED:
		return 10;
	case EMU_TEST_RAW_NO_HEADER:
		return 4;
	default:
		break;
	}
	return 12;
}

static void emu_test_doe_raw_responder(struct kunit *test)
{
	enum emu_test_raw_mode mode = EMU_TEST_RAW_OK;
	struct emu_test *t = test->priv;
	u8 rsp[8] = {};
	int rc;

	KUNIT_ASSERT_EQ(test,
			tsm_emu_doe_responder_register_raw(t->emu,
							   emu_test_respond_raw,
							   &mode), 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_doe_responder_register(t->emu,
							     emu_test_respond,
							     NULL), -EBUSY);
	rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     emu_test_get_version, sizeof(emu_test_get_version),
		     rsp, sizeof(rsp));
	KUNIT_EXPECT_EQ(test, rc, 4);
	KUNIT_EXPECT_MEMEQ(test, rsp, "raw!", 4);

	/* The header reaches the DOE core as it is, and it notices */
	for (mode = EMU_TEST_RAW_LONG_LENGTH; mode <= EMU_TEST_RAW_NO_HEADER;
	     mode++) {
		rc = pci_doe(t->mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
			     emu_test_get_version,
			     sizeof(emu_test_get_version), rsp, sizeof(rsp));
		KUNIT_EXPECT_EQ_MSG(test, rc, -EIO, "mode %d", mode);
	}
	tsm_emu_doe_responder_unregister(t->emu);
	emu_test_expect_version(test, t->mb);
}

struct emu_test_cfg_event {
	struct tsm_emu_fn *fn;
	unsigned int where, size;
	u32 old, val;
};

struct emu_test_cfg_events {
	unsigned int nr;
	struct emu_test_cfg_event ev[8];
	unsigned int nr_resets;
	struct tsm_emu_fn *reset_fn[4];
	enum tsm_emu_reset_type reset_type[4];
};

/* Runs under the instance's raw spinlock: only record */
static void emu_test_cfg_notify(struct tsm_emu_fn *fn, void *data,
				unsigned int where, unsigned int size,
				u32 old, u32 val)
{
	struct emu_test_cfg_events *e = data;

	if (e->nr < ARRAY_SIZE(e->ev))
		e->ev[e->nr] = (struct emu_test_cfg_event) {
			.fn = fn, .where = where, .size = size,
			.old = old, .val = val,
		};
	e->nr++;
}

static void emu_test_reset_notify(struct tsm_emu_fn *fn, void *data,
				  enum tsm_emu_reset_type type)
{
	struct emu_test_cfg_events *e = data;

	if (e->nr_resets < ARRAY_SIZE(e->reset_fn)) {
		e->reset_fn[e->nr_resets] = fn;
		e->reset_type[e->nr_resets] = type;
	}
	e->nr_resets++;
}

static const struct tsm_emu_notifier_ops emu_test_notifier = {
	.cfg_write = emu_test_cfg_notify,
	.reset = emu_test_reset_notify,
};

static void emu_test_expect_event(struct kunit *test,
				  struct emu_test_cfg_events *e,
				  unsigned int i, struct tsm_emu_fn *fn,
				  unsigned int where, unsigned int size,
				  u32 old, u32 val)
{
	KUNIT_ASSERT_LT(test, i, e->nr);
	KUNIT_EXPECT_PTR_EQ(test, e->ev[i].fn, fn);
	KUNIT_EXPECT_EQ(test, e->ev[i].where, where);
	KUNIT_EXPECT_EQ(test, e->ev[i].size, size);
	KUNIT_EXPECT_EQ(test, e->ev[i].old, old);
	KUNIT_EXPECT_EQ(test, e->ev[i].val, val);
}

/* Configuration write notifier and BAR sizes */
static void emu_test_cfg_notifier(struct kunit *test)
{
	struct emu_test_cfg_events e = {}, other = {};
	struct tsm_emu_notifier_ops bad = { .reset = emu_test_reset_notify };
	struct emu_test *t = test->priv;
	struct pci_dev *rp;
	u16 cmd, line, devctl, bctl;
	u32 bar0, msix;

	KUNIT_EXPECT_EQ(test, tsm_emu_fn_bar_size(t->dsm_fn, 0), SZ_1M);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_bar_size(t->dsm_fn, 1), 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_bar_size(t->dsm_fn, 2), SZ_2M);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_bar_size(t->dsm_fn, 3), 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_bar_size(t->dsm_fn, 4), 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_bar_size(t->dsm_fn, 5), 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_bar_size(t->dsm_fn, 6), 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_bar_size(t->rp_fn, 0), 0);

	KUNIT_EXPECT_EQ(test, tsm_emu_notifier_register(t->emu, &bad, &e),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, tsm_emu_notifier_register(t->emu,
							&emu_test_notifier, &e),
			0);
	KUNIT_EXPECT_EQ(test, tsm_emu_notifier_register(t->emu,
							&emu_test_notifier,
							&other), -EBUSY);

	pci_read_config_dword(t->dsm, PCI_BASE_ADDRESS_0, &bar0);
	pci_read_config_word(t->dsm, PCI_COMMAND, &cmd);
	pci_read_config_dword(t->dsm, 0x80, &msix);
	pci_read_config_word(t->dsm, PCI_CACHE_LINE_SIZE, &line);

	pci_write_config_dword(t->dsm, PCI_BASE_ADDRESS_0, ~0U);
	pci_write_config_dword(t->dsm, PCI_BASE_ADDRESS_0, bar0);
	pci_write_config_word(t->dsm, PCI_COMMAND, cmd);
	/* Not watched: Cache Line Size, the Status half of dword 1 */
	pci_write_config_byte(t->dsm, PCI_CACHE_LINE_SIZE, line);
	pci_write_config_word(t->dsm, PCI_STATUS, 0);
	/* MSI-X Message Control is bytes 2-3 of the capability header */
	pci_write_config_word(t->dsm, 0x82, msix >> 16);
	pci_write_config_byte(t->dsm, 0x80, msix);

	KUNIT_EXPECT_EQ(test, e.nr, 4);
	emu_test_expect_event(test, &e, 0, t->dsm_fn, PCI_BASE_ADDRESS_0, 4,
			      bar0, ~0U);
	emu_test_expect_event(test, &e, 1, t->dsm_fn, PCI_BASE_ADDRESS_0, 4,
			      0xfff00004, bar0);
	emu_test_expect_event(test, &e, 2, t->dsm_fn, PCI_COMMAND, 2, cmd,
			      cmd);
	emu_test_expect_event(test, &e, 3, t->dsm_fn, 0x82, 2, msix >> 16,
			      msix >> 16);

	KUNIT_EXPECT_EQ(test, e.nr_resets, 0);

	/* FLR: the Device Control write, after the reset it caused */
	pcie_capability_read_word(t->dsm, PCI_EXP_DEVCTL, &devctl);
	pcie_capability_write_word(t->dsm, PCI_EXP_DEVCTL,
				   devctl | PCI_EXP_DEVCTL_BCR_FLR);
	KUNIT_EXPECT_EQ(test, e.nr, 5);
	KUNIT_ASSERT_EQ(test, e.nr_resets, 1);
	KUNIT_EXPECT_PTR_EQ(test, e.reset_fn[0], t->dsm_fn);
	KUNIT_EXPECT_EQ(test, e.reset_type[0], TSM_EMU_RESET_FLR);

	/* Secondary Bus Reset: a conventional reset of the function below */
	rp = pcie_find_root_port(t->dsm);
	KUNIT_ASSERT_NOT_NULL(test, rp);
	pci_read_config_word(rp, PCI_BRIDGE_CONTROL, &bctl);
	pci_write_config_word(rp, PCI_BRIDGE_CONTROL,
			      bctl | PCI_BRIDGE_CTL_BUS_RESET);
	pci_write_config_word(rp, PCI_BRIDGE_CONTROL, bctl);
	KUNIT_ASSERT_EQ(test, e.nr_resets, 2);
	KUNIT_EXPECT_PTR_EQ(test, e.reset_fn[1], t->dsm_fn);
	KUNIT_EXPECT_EQ(test, e.reset_type[1], TSM_EMU_RESET_CONVENTIONAL);

	/* D3hot to D0 (No_Soft_Reset clear): a conventional reset too */
	KUNIT_ASSERT_EQ(test, t->dsm->pm_cap, 0x90);
	pci_write_config_word(t->dsm, t->dsm->pm_cap + PCI_PM_CTRL, 3);
	KUNIT_EXPECT_EQ(test, e.nr_resets, 2);
	pci_write_config_word(t->dsm, t->dsm->pm_cap + PCI_PM_CTRL, 0);
	KUNIT_ASSERT_EQ(test, e.nr_resets, 3);
	KUNIT_EXPECT_PTR_EQ(test, e.reset_fn[2], t->dsm_fn);
	KUNIT_EXPECT_EQ(test, e.reset_type[2], TSM_EMU_RESET_CONVENTIONAL);

	tsm_emu_notifier_unregister(t->emu);
	pci_write_config_word(t->dsm, PCI_COMMAND, cmd);
	KUNIT_EXPECT_EQ(test, e.nr, 5);
	KUNIT_EXPECT_EQ(test, other.nr, 0);
	KUNIT_EXPECT_EQ(test, other.nr_resets, 0);
}

static u32 emu_test_doe_rd(struct emu_test *t, int reg)
{
	u32 val;

	pci_read_config_dword(t->dsm, tsm_emu_fn_doe_offset(t->dsm_fn) + reg,
			      &val);
	return val;
}

static void emu_test_doe_wr(struct emu_test *t, int reg, u32 val)
{
	pci_write_config_dword(t->dsm, tsm_emu_fn_doe_offset(t->dsm_fn) + reg,
			       val);
}

/* The register protocol, driven by hand */
static void emu_test_doe_registers(struct kunit *test)
{
	struct emu_test *t = test->priv;
	unsigned long timeout;

	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_CAP), 0);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS), 0);

	/* Length 3 dwords announced, 2 written: Error at Go */
	emu_test_doe_wr(t, PCI_DOE_WRITE, 0x00000001);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 3);
	emu_test_doe_wr(t, PCI_DOE_CTRL, PCI_DOE_CTRL_GO);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS),
			PCI_DOE_STATUS_ERROR);
	emu_test_doe_wr(t, PCI_DOE_CTRL, PCI_DOE_CTRL_ABORT);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS), 0);

	/* Unsupported data object type: Error */
	emu_test_doe_wr(t, PCI_DOE_WRITE, 0x00030001);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 3);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 0);
	emu_test_doe_wr(t, PCI_DOE_CTRL, PCI_DOE_CTRL_GO);
	timeout = jiffies + HZ;
	while (emu_test_doe_rd(t, PCI_DOE_STATUS) == PCI_DOE_STATUS_BUSY &&
	       time_before(jiffies, timeout))
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS),
			PCI_DOE_STATUS_ERROR);
	emu_test_doe_wr(t, PCI_DOE_CTRL, PCI_DOE_CTRL_ABORT);

	/* Discovery index 1 with a delayed answer: Busy, then Ready */
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_set_delay(t->dsm_fn, 200), 0);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 0x00000001);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 3);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 1);
	emu_test_doe_wr(t, PCI_DOE_CTRL, PCI_DOE_CTRL_GO);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS),
			PCI_DOE_STATUS_BUSY);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_READ), 0);
	timeout = jiffies + 2 * HZ;
	while (!(emu_test_doe_rd(t, PCI_DOE_STATUS) &
		 PCI_DOE_STATUS_DATA_OBJECT_READY) &&
	       time_before(jiffies, timeout))
		usleep_range(1000, 2000);
	KUNIT_ASSERT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS),
			PCI_DOE_STATUS_DATA_OBJECT_READY);
	/* Reads do not advance, writes do */
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_READ), 0x00000001);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_READ), 0x00000001);
	emu_test_doe_wr(t, PCI_DOE_READ, 0);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_READ), 3);
	emu_test_doe_wr(t, PCI_DOE_READ, 0);
	/* Vendor 0x0001, type 1 (CMA), next index 2 */
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_READ), 0x02010001);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS),
			PCI_DOE_STATUS_DATA_OBJECT_READY);
	emu_test_doe_wr(t, PCI_DOE_READ, 0);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS), 0);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_READ), 0);
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_set_delay(t->dsm_fn, 0), 0);

	/* Abort while Busy: the answer never shows up */
	tsm_emu_doe_inject(t->dsm_fn, TSM_EMU_DOE_FAULT_STAY_BUSY, 1);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 0x00000001);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 3);
	emu_test_doe_wr(t, PCI_DOE_WRITE, 0);
	emu_test_doe_wr(t, PCI_DOE_CTRL, PCI_DOE_CTRL_GO);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS),
			PCI_DOE_STATUS_BUSY);
	emu_test_doe_wr(t, PCI_DOE_CTRL, PCI_DOE_CTRL_ABORT);
	KUNIT_EXPECT_EQ(test, emu_test_doe_rd(t, PCI_DOE_STATUS), 0);

	emu_test_expect_version(test, t->mb);
}

struct emu_test_ide {
	struct pci_dev *rp;
	int rp_blk;
	int ep_blk;
};

static u32 emu_test_rd(struct pci_dev *pdev, int where)
{
	u32 val;

	pci_read_config_dword(pdev, where, &val);
	return val;
}

static u32 emu_test_state(struct pci_dev *pdev, int blk)
{
	return FIELD_GET(PCI_IDE_SEL_STS_STATE,
			 emu_test_rd(pdev, blk + PCI_IDE_SEL_STS));
}

static void emu_test_ide_setup(struct kunit *test, struct emu_test_ide *i)
{
	struct emu_test *t = test->priv;

	i->rp = tsm_emu_fn_get_pci_dev(t->rp_fn);
	KUNIT_ASSERT_NOT_NULL(test, i->rp);
	i->rp_blk = tsm_emu_fn_ide_sel_offset(t->rp_fn, 0);
	i->ep_blk = tsm_emu_fn_ide_sel_offset(t->dsm_fn, 1);
	KUNIT_ASSERT_GT(test, i->rp_blk, 0);
	KUNIT_ASSERT_GT(test, i->ep_blk, 0);
}

/* Secure needs Enable plus keys on both partners, and nothing else */
static void emu_test_ide_secure(struct kunit *test)
{
	const u32 ctl = FIELD_PREP(PCI_IDE_SEL_CTL_ID, EMU_TEST_SID) |
			PCI_IDE_SEL_CTL_EN;
	struct emu_test *t = test->priv;
	struct emu_test_ide i;

	emu_test_ide_setup(test, &i);

	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, ctl);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_CTL),
			ctl);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);

	/* Keys on one side only */
	KUNIT_EXPECT_EQ(test, tsm_emu_ide_key_set(i.rp, EMU_TEST_SID, true), 0);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	/* Keys for another stream on the endpoint */
	tsm_emu_ide_key_set(t->dsm, EMU_TEST_SID + 1, true);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	/* Both: Secure at once */
	tsm_emu_ide_key_set(t->dsm, EMU_TEST_SID, true);
	KUNIT_EXPECT_TRUE(test, tsm_emu_fn_ide_key_is_set(t->dsm_fn,
							  EMU_TEST_SID));
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);
	/* The endpoint's own block is not enabled */
	KUNIT_EXPECT_EQ(test, emu_test_state(t->dsm, i.ep_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);

	/* Disable, re-enable with keys in place: Secure on the next read */
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, 0);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, ctl);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);
	KUNIT_EXPECT_EQ(test, tsm_emu_cfg_peek(t->rp_fn,
					       i.rp_blk + PCI_IDE_SEL_STS),
			PCI_IDE_SEL_STS_STATE_SECURE);

	/* Writing other fields with Enable kept does not disturb */
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL,
			       ctl | PCI_IDE_SEL_CTL_DEFAULT);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);

	/* A new Stream ID while enabled: Insecure until re-enabled */
	tsm_emu_ide_key_set(i.rp, EMU_TEST_SID + 1, true);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL,
			       FIELD_PREP(PCI_IDE_SEL_CTL_ID, EMU_TEST_SID + 1) |
			       PCI_IDE_SEL_CTL_EN);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, ctl);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, 0);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, ctl);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);

	/* The endpoint block, enabled after its keys */
	pci_write_config_dword(t->dsm, i.ep_blk + PCI_IDE_SEL_CTL, ctl);
	KUNIT_EXPECT_EQ(test, emu_test_state(t->dsm, i.ep_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);

	/* Keys stopped on the endpoint: both sides drop */
	tsm_emu_ide_key_set(t->dsm, EMU_TEST_SID, false);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	KUNIT_EXPECT_EQ(test, emu_test_state(t->dsm, i.ep_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);

	/* No IDE, no keys */
	KUNIT_EXPECT_EQ(test,
			tsm_emu_fn_ide_key_set(tsm_emu_endpoint(t->emu, 0, 1),
					       1, true), -ENODEV);
	KUNIT_EXPECT_EQ(test, tsm_emu_ide_key_set(NULL, 1, true), -ENODEV);
	pci_dev_put(i.rp);
}

/* Program and set to go, or stop, the keys of one key set and direction */
static void emu_test_key(struct kunit *test, struct pci_dev *pdev, u8 ks,
			 enum tsm_emu_ide_dir dir, bool go, u32 tag)
{
	KUNIT_ASSERT_EQ(test, tsm_emu_ide_key(pdev, EMU_TEST_SID, ks, dir, go,
					      tag), 0);
}

/* Both blocks Secure, the refused counts unchanged */
static void emu_test_both_secure(struct kunit *test, struct emu_test_ide *i,
				 const char *step)
{
	struct emu_test *t = test->priv;

	KUNIT_EXPECT_EQ_MSG(test, emu_test_state(i->rp, i->rp_blk),
			    PCI_IDE_SEL_STS_STATE_SECURE, "root port, %s", step);
	KUNIT_EXPECT_EQ_MSG(test, emu_test_state(t->dsm, i->ep_blk),
			    PCI_IDE_SEL_STS_STATE_SECURE, "endpoint, %s", step);
	KUNIT_EXPECT_EQ_MSG(test, tsm_emu_fn_ide_refused(t->rp_fn), 0UL,
			    "%s", step);
	KUNIT_EXPECT_EQ_MSG(test, tsm_emu_fn_ide_refused(t->dsm_fn), 0UL,
			    "%s", step);
}

/* Roll both ends from key set @from to the other one, in the right order */
static void emu_test_roll(struct kunit *test, struct emu_test_ide *i,
			  u8 from, u32 tag)
{
	struct emu_test *t = test->priv;
	u8 to = from ^ 1;

	emu_test_key(test, i->rp, to, TSM_EMU_IDE_RX, true, tag);
	emu_test_both_secure(test, i, "root port receives on the new set");
	emu_test_key(test, t->dsm, to, TSM_EMU_IDE_RX, true, tag + 1);
	emu_test_both_secure(test, i, "endpoint receives on the new set");
	emu_test_key(test, t->dsm, to, TSM_EMU_IDE_TX, true, tag);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_tx_key_set(t->dsm_fn,
							EMU_TEST_SID), to);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_tx_key_set(t->rp_fn,
							EMU_TEST_SID), from);
	emu_test_both_secure(test, i, "endpoint transmits on the new set");
	emu_test_key(test, i->rp, to, TSM_EMU_IDE_TX, true, tag + 1);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_tx_key_set(t->rp_fn,
							EMU_TEST_SID), to);
	emu_test_both_secure(test, i, "root port transmits on the new set");
	emu_test_key(test, i->rp, from, TSM_EMU_IDE_RX, false, 0);
	emu_test_key(test, i->rp, from, TSM_EMU_IDE_TX, false, 0);
	emu_test_key(test, t->dsm, from, TSM_EMU_IDE_RX, false, 0);
	emu_test_key(test, t->dsm, from, TSM_EMU_IDE_TX, false, 0);
	emu_test_both_secure(test, i, "old set stopped");
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_tx_key_set(t->dsm_fn,
							EMU_TEST_SID), to);
}

/* Re-enable both blocks (a failed block stays Insecure until then) */
static void emu_test_rearm(struct kunit *test, struct emu_test_ide *i,
			   u32 ctl)
{
	struct emu_test *t = test->priv;

	pci_write_config_dword(i->rp, i->rp_blk + PCI_IDE_SEL_CTL, 0);
	pci_write_config_dword(t->dsm, i->ep_blk + PCI_IDE_SEL_CTL, 0);
	pci_write_config_dword(i->rp, i->rp_blk + PCI_IDE_SEL_CTL, ctl);
	pci_write_config_dword(t->dsm, i->ep_blk + PCI_IDE_SEL_CTL, ctl);
}

/*
 * Two key sets per stream and direction: a refresh in the right order
 * keeps both ends Secure at every step, alternating K0 and K1; a
 * transmitter switching before its receiver, or to other keys, fails the
 * stream until it is enabled again.
 */
static void emu_test_ide_key_sets(struct kunit *test)
{
	const u32 ctl = FIELD_PREP(PCI_IDE_SEL_CTL_ID, EMU_TEST_SID) |
			PCI_IDE_SEL_CTL_EN;
	struct emu_test *t = test->priv;
	struct emu_test_ide i;
	unsigned int n;

	emu_test_ide_setup(test, &i);

	/* Connect: K0 at both ends, then Enable */
	emu_test_key(test, i.rp, 0, TSM_EMU_IDE_RX, true, 0x100);
	emu_test_key(test, i.rp, 0, TSM_EMU_IDE_TX, true, 0x101);
	KUNIT_EXPECT_FALSE(test, tsm_emu_fn_ide_key_is_set(t->dsm_fn,
							   EMU_TEST_SID));
	emu_test_key(test, t->dsm, 0, TSM_EMU_IDE_RX, true, 0x101);
	emu_test_key(test, t->dsm, 0, TSM_EMU_IDE_TX, true, 0x100);
	KUNIT_EXPECT_TRUE(test, tsm_emu_fn_ide_key_is_set(t->dsm_fn,
							  EMU_TEST_SID));
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, ctl);
	pci_write_config_dword(t->dsm, i.ep_blk + PCI_IDE_SEL_CTL, ctl);
	emu_test_both_secure(test, &i, "connected");

	/* Refreshes alternate the key sets */
	for (n = 0; n < 4; n++)
		emu_test_roll(test, &i, n & 1, 0x200 + 2 * n);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_tx_key_set(t->rp_fn,
							EMU_TEST_SID), 0);

	/* Wrong order: the endpoint switches before the root port receives */
	emu_test_key(test, t->dsm, 1, TSM_EMU_IDE_RX, true, 0x301);
	emu_test_key(test, t->dsm, 1, TSM_EMU_IDE_TX, true, 0x300);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	KUNIT_EXPECT_EQ(test, emu_test_state(t->dsm, i.ep_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_refused(t->rp_fn), 1UL);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_refused(t->dsm_fn), 1UL);
	/* Late keys do not heal a failed stream ... */
	emu_test_key(test, i.rp, 1, TSM_EMU_IDE_RX, true, 0x300);
	emu_test_key(test, i.rp, 1, TSM_EMU_IDE_TX, true, 0x301);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	/* ... enabling it again does */
	emu_test_rearm(test, &i, ctl);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);
	KUNIT_EXPECT_EQ(test, emu_test_state(t->dsm, i.ep_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);

	/* Other keys in the new set: traffic does not pass either */
	emu_test_key(test, i.rp, 0, TSM_EMU_IDE_RX, true, 0x400);
	emu_test_key(test, t->dsm, 0, TSM_EMU_IDE_TX, true, 0x401);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_refused(t->rp_fn), 2UL);

	/* Stopping the Tx keys in use falls back to the other set */
	emu_test_key(test, t->dsm, 0, TSM_EMU_IDE_TX, false, 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_tx_key_set(t->dsm_fn,
							EMU_TEST_SID), 1);
	emu_test_rearm(test, &i, ctl);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);
	emu_test_key(test, t->dsm, 1, TSM_EMU_IDE_TX, false, 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_tx_key_set(t->dsm_fn,
							EMU_TEST_SID), -ENOKEY);
	KUNIT_EXPECT_EQ(test, emu_test_state(t->dsm, i.ep_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);

	/* Bad arguments; stopping the whole stream drops both sets */
	KUNIT_EXPECT_EQ(test, tsm_emu_ide_key(i.rp, EMU_TEST_SID, 2,
					      TSM_EMU_IDE_RX, true, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, tsm_emu_ide_key(NULL, EMU_TEST_SID, 0,
					      TSM_EMU_IDE_RX, true, 0), -ENODEV);
	tsm_emu_ide_key_set(i.rp, EMU_TEST_SID, false);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_tx_key_set(t->rp_fn,
							EMU_TEST_SID), -ENOKEY);
	tsm_emu_ide_key_set(t->dsm, EMU_TEST_SID, false);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, 0);
	pci_dev_put(i.rp);
}

/* Write masks of the IDE capability */
static void emu_test_ide_registers(struct kunit *test)
{
	struct emu_test *t = test->priv;
	struct emu_test_ide i;
	int ide = tsm_emu_fn_ide_offset(t->rp_fn);
	u32 cap;

	emu_test_ide_setup(test, &i);

	/* Root port: 1 Link block, 4 Selective blocks with 2 addr blocks */
	cap = emu_test_rd(i.rp, ide + PCI_IDE_CAP);
	KUNIT_EXPECT_EQ(test, cap, PCI_IDE_CAP_LINK | PCI_IDE_CAP_SELECTIVE |
			PCI_IDE_CAP_IDE_KM | PCI_IDE_CAP_SEL_CFG |
			PCI_IDE_CAP_TEE_LIMITED |
			FIELD_PREP(PCI_IDE_CAP_SEL_NUM, 3));
	KUNIT_EXPECT_EQ(test, i.rp_blk, ide + 0x0c + 8);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_sel_offset(t->rp_fn, 3),
			i.rp_blk + 3 * (0x14 + 2 * 12));
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_sel_offset(t->rp_fn, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_CAP), 2);
	/* Endpoint: no Link IDE, 2 Selective blocks with 1 addr block */
	KUNIT_EXPECT_EQ(test, emu_test_rd(t->dsm, tsm_emu_fn_ide_offset(t->dsm_fn) +
					  PCI_IDE_CAP),
			PCI_IDE_CAP_SELECTIVE | PCI_IDE_CAP_IDE_KM |
			PCI_IDE_CAP_SEL_CFG | PCI_IDE_CAP_TEE_LIMITED |
			FIELD_PREP(PCI_IDE_CAP_SEL_NUM, 1));
	KUNIT_EXPECT_EQ(test, i.ep_blk,
			tsm_emu_fn_ide_offset(t->dsm_fn) + 0x0c + 0x14 + 12);

	/* Read-only registers */
	pci_write_config_dword(i.rp, ide + PCI_IDE_CAP, 0);
	pci_write_config_dword(i.rp, ide + PCI_IDE_CTL, ~0U);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CAP, 0);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, ide + PCI_IDE_CAP), cap);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, ide + PCI_IDE_CTL), 0);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_CAP), 2);

	/* Writable fields */
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_RID_1, ~0U);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_RID_2, ~0U);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_ADDR_1(1), ~0U);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_ADDR_2(1), ~0U);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_ADDR_3(1), ~0U);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_STS, ~0U);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_RID_1),
			PCI_IDE_SEL_RID_1_LIMIT);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_RID_2),
			0xffffff01);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_ADDR_1(1)),
			0xffffff01);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_ADDR_2(1)),
			~0U);
	KUNIT_EXPECT_EQ(test, tsm_emu_cfg_peek(t->rp_fn,
					       i.rp_blk + PCI_IDE_SEL_ADDR_3(1)),
			~0U);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_STS), 0);
	/* Unsupported Control fields (aggregation, PCRC, PHE) stay zero */
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, ~0U &
			       ~PCI_IDE_SEL_CTL_EN);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_CTL),
			0xfffffffc & ~(PCI_IDE_SEL_CTL_TX_AGGR_NPR |
				       PCI_IDE_SEL_CTL_TX_AGGR_PR |
				       PCI_IDE_SEL_CTL_TX_AGGR_CPL |
				       PCI_IDE_SEL_CTL_PCRC_EN |
				       PCI_IDE_SEL_CTL_PART_ENC));

	/* Integrity failure: status bit set (RW1C), Insecure */
	tsm_emu_ide_key_set(i.rp, EMU_TEST_SID, true);
	tsm_emu_ide_key_set(t->dsm, EMU_TEST_SID, true);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL,
			       FIELD_PREP(PCI_IDE_SEL_CTL_ID, EMU_TEST_SID) |
			       PCI_IDE_SEL_CTL_EN);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_STS),
			PCI_IDE_SEL_STS_STATE_SECURE);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_inject_fail(t->rp_fn, 0), 0);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_STS),
			PCI_IDE_SEL_STS_IDE_FAIL);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_STS,
			       PCI_IDE_SEL_STS_IDE_FAIL);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_STS), 0);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_inject_fail(t->rp_fn, 4), -EINVAL);

	/* Byte writes merge into the dword */
	pci_write_config_byte(i.rp, i.rp_blk + PCI_IDE_SEL_RID_1 + 1, 0x12);
	KUNIT_EXPECT_EQ(test, emu_test_rd(i.rp, i.rp_blk + PCI_IDE_SEL_RID_1),
			0x00ff1200);
	pci_dev_put(i.rp);
}

/* sysfs-style removal keeps the emulated state; a rescan brings it back */
static void emu_test_remove_rescan(struct kunit *test)
{
	struct emu_test *t = test->priv;
	struct pci_doe_mb *mb;

	tsm_emu_ide_key_set(t->dsm, EMU_TEST_SID, true);
	pci_stop_and_remove_bus_device_locked(t->dsm);
	pci_dev_put(t->dsm);
	t->dsm = NULL;
	KUNIT_EXPECT_NULL(test, tsm_emu_fn_get_pci_dev(t->dsm_fn));
	KUNIT_EXPECT_TRUE(test, tsm_emu_fn_ide_key_is_set(t->dsm_fn,
							  EMU_TEST_SID));
	KUNIT_EXPECT_EQ(test, tsm_emu_cfg_peek(t->dsm_fn, PCI_VENDOR_ID),
			TSM_EMU_VENDOR_ID | TSM_EMU_DEVICE_ID_DSM << 16);

	pci_lock_rescan_remove();
	pci_rescan_bus(tsm_emu_root_bus(t->emu));
	pci_unlock_rescan_remove();

	t->dsm = tsm_emu_fn_get_pci_dev(t->dsm_fn);
	KUNIT_ASSERT_NOT_NULL(test, t->dsm);
	KUNIT_EXPECT_EQ(test, resource_size(&t->dsm->resource[0]), SZ_1M);
	mb = pci_find_doe_mailbox(t->dsm, PCI_VENDOR_ID_PCI_SIG,
				  PCI_DOE_FEATURE_CMA);
	KUNIT_ASSERT_NOT_NULL(test, mb);
	emu_test_expect_version(test, mb);
}

/* Function Level Reset drops keys and IDE state, the core restores BARs */
static void emu_test_flr(struct kunit *test)
{
	const u32 ctl = FIELD_PREP(PCI_IDE_SEL_CTL_ID, EMU_TEST_SID) |
			PCI_IDE_SEL_CTL_EN;
	struct emu_test *t = test->priv;
	struct emu_test_ide i;
	u32 bar0;

	emu_test_ide_setup(test, &i);
	tsm_emu_ide_key_set(i.rp, EMU_TEST_SID, true);
	tsm_emu_ide_key_set(t->dsm, EMU_TEST_SID, true);
	pci_write_config_dword(i.rp, i.rp_blk + PCI_IDE_SEL_CTL, ctl);
	pci_write_config_dword(t->dsm, i.ep_blk + PCI_IDE_SEL_CTL, ctl);
	KUNIT_EXPECT_EQ(test, emu_test_state(t->dsm, i.ep_blk),
			PCI_IDE_SEL_STS_STATE_SECURE);
	bar0 = emu_test_rd(t->dsm, PCI_BASE_ADDRESS_0);

	KUNIT_ASSERT_EQ(test, pcie_reset_flr(t->dsm, PCI_RESET_PROBE), 0);
	KUNIT_ASSERT_EQ(test, pci_reset_function(t->dsm), 0);

	KUNIT_EXPECT_FALSE(test, tsm_emu_fn_ide_key_is_set(t->dsm_fn,
							   EMU_TEST_SID));
	KUNIT_EXPECT_EQ(test, emu_test_rd(t->dsm, i.ep_blk + PCI_IDE_SEL_CTL),
			0);
	KUNIT_EXPECT_EQ(test, emu_test_state(i.rp, i.rp_blk),
			PCI_IDE_SEL_STS_STATE_INSECURE);
	KUNIT_EXPECT_EQ(test, emu_test_rd(t->dsm, PCI_BASE_ADDRESS_0), bar0);
	emu_test_expect_version(test, t->mb);
	pci_dev_put(i.rp);
}

/* Bad configurations and a domain that exists already */
static void emu_test_create_errors(struct kunit *test)
{
	struct tsm_emu_config cfg;

	tsm_emu_default_config(&cfg, EMU_TEST_DOMAIN);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tsm_emu_create(&cfg)), -EEXIST);

	tsm_emu_default_config(&cfg, EMU_TEST_DOMAIN + 1);
	cfg.nr_ports = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(tsm_emu_create(&cfg)), -EINVAL);
	cfg.nr_ports = TSM_EMU_MAX_PORTS + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(tsm_emu_create(&cfg)), -EINVAL);

	tsm_emu_default_config(&cfg, EMU_TEST_DOMAIN + 1);
	cfg.rp_nr_sel = 65;
	KUNIT_EXPECT_EQ(test, PTR_ERR(tsm_emu_create(&cfg)), -EINVAL);

	/* 64 blocks of 15 address blocks do not fit in 4 KiB */
	tsm_emu_default_config(&cfg, EMU_TEST_DOMAIN + 1);
	cfg.ep_nr_sel = 64;
	cfg.ep_nr_assoc = 15;
	KUNIT_EXPECT_EQ(test, PTR_ERR(tsm_emu_create(&cfg)), -EINVAL);

	tsm_emu_default_config(&cfg, -1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tsm_emu_create(&cfg)), -EINVAL);
}

/* A second instance with another shape lives next to the first */
static void emu_test_second_instance(struct kunit *test)
{
	struct tsm_emu_config cfg;
	struct pci_doe_mb *mb;
	struct tsm_emu *emu;
	struct tsm_emu_fn *fn;
	struct pci_dev *pdev;
	unsigned int nr = 0;
	u16 pos;

	tsm_emu_default_config(&cfg, EMU_TEST_DOMAIN + 2);
	cfg.nr_ports = 5;
	cfg.ep[3] = TSM_EMU_EP_NONE;
	cfg.ep[4] = TSM_EMU_EP_DSM;
	cfg.rp_nr_sel = 8;
	cfg.rp_nr_link = 0;
	cfg.segment_captured = true;
	emu = tsm_emu_create(&cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, emu);
	KUNIT_EXPECT_EQ(test, tsm_emu_domain(emu), EMU_TEST_DOMAIN + 2);

	for (fn = tsm_emu_fn_next(emu, NULL); fn; fn = tsm_emu_fn_next(emu, fn))
		nr++;
	KUNIT_EXPECT_EQ(test, nr, 10);
	KUNIT_EXPECT_NULL(test, tsm_emu_fn_partner(tsm_emu_root_port(emu, 3)));
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_ide_sel_offset(tsm_emu_root_port(emu, 4),
							7),
			tsm_emu_fn_ide_offset(tsm_emu_root_port(emu, 4)) +
			0x0c + 7 * (0x14 + 2 * 12));

	pdev = tsm_emu_fn_get_pci_dev(tsm_emu_endpoint(emu, 4, 0));
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_EXPECT_EQ(test, pdev->bus->number, 5);
	pos = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_DEV3);
	KUNIT_EXPECT_EQ(test, emu_test_rd(pdev, pos + PCI_DEV3_STA),
			PCI_DEV3_STA_SEGMENT);
	mb = pci_find_doe_mailbox(pdev, PCI_VENDOR_ID_PCI_SIG,
				  PCI_DOE_FEATURE_CMA);
	pci_dev_put(pdev);
	KUNIT_ASSERT_NOT_NULL(test, mb);
	emu_test_expect_version(test, mb);
	tsm_emu_destroy(emu);
	KUNIT_EXPECT_NULL(test, pci_find_bus(EMU_TEST_DOMAIN + 2, 0));
}

static u32 emu_test_doe_reg(struct pci_dev *pdev, struct tsm_emu_fn *fn,
			    int reg)
{
	u32 val;

	pci_read_config_dword(pdev, tsm_emu_fn_doe_offset(fn) + reg, &val);
	return val;
}

/* Interrupts the mailbox of @fn raised since the last call */
static u64 emu_test_irqs(struct tsm_emu_fn *fn, u64 *last)
{
	struct tsm_emu_doe_stats st;
	u64 n;

	tsm_emu_doe_get_stats(fn, &st);
	n = st.irqs - *last;
	*last = st.irqs;
	return n;
}

/*
 * The DOE interrupt (pci_doe_request_irq()): a polling-only mailbox refuses
 * it; an interrupt-capable one answers through it, errors included; a lost
 * interrupt only delays the answer; back to polling, no interrupt is
 * raised; removing the device frees the interrupt it still has.
 */
static void emu_test_doe_irq(struct kunit *test)
{
	struct emu_test *t = test->priv;
	struct tsm_emu_config cfg;
	struct tsm_emu_fn *fn;
	struct pci_doe_mb *mb;
	struct pci_dev *pdev;
	struct tsm_emu *emu;
	unsigned int irq;
	u8 rsp[64];
	u64 irqs = 0;
	int rc;

	KUNIT_EXPECT_EQ(test, pci_doe_irq_msgnum(t->mb), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, pci_doe_request_irq(t->mb, 1), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, tsm_emu_fn_doe_irq(t->dsm_fn), 0);

	tsm_emu_default_config(&cfg, EMU_TEST_DOMAIN + 3);
	cfg.doe_irq = true;
	emu = tsm_emu_create(&cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, emu);
	fn = tsm_emu_endpoint(emu, 1, 0);
	irq = tsm_emu_fn_doe_irq(fn);
	KUNIT_EXPECT_NE(test, irq, 0);
	pdev = tsm_emu_fn_get_pci_dev(fn);
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	mb = pci_find_doe_mailbox(pdev, PCI_VENDOR_ID_PCI_SIG,
				  PCI_DOE_FEATURE_CMA);
	KUNIT_ASSERT_NOT_NULL(test, mb);

	/* The platform routed it at creation: Interrupt Enable is set */
	KUNIT_EXPECT_EQ(test, pci_doe_irq_msgnum(mb), 0);
	KUNIT_EXPECT_TRUE(test, emu_test_doe_reg(pdev, fn, PCI_DOE_CTRL) &
				PCI_DOE_CTRL_INT_EN);
	KUNIT_EXPECT_EQ(test, pci_doe_request_irq(mb, irq), -EBUSY);
	KUNIT_EXPECT_EQ(test, pci_doe_request_irq(mb, 0), -EINVAL);

	emu_test_irqs(fn, &irqs);
	emu_test_expect_version(test, mb);
	emu_test_expect_version(test, mb);
	KUNIT_EXPECT_EQ(test, emu_test_irqs(fn, &irqs), 2);
	/* The handler acknowledged DOE Interrupt Status */
	KUNIT_EXPECT_FALSE(test, emu_test_doe_reg(pdev, fn, PCI_DOE_STATUS) &
				 PCI_DOE_STATUS_INT_STATUS);

	/* DOE Error raises it too; the exchange fails, the next works */
	KUNIT_ASSERT_EQ(test, tsm_emu_doe_inject(fn, TSM_EMU_DOE_FAULT_ERROR, 1),
			0);
	rc = pci_doe(mb, PCI_VENDOR_ID_PCI_SIG, PCI_DOE_FEATURE_CMA,
		     emu_test_get_version, sizeof(emu_test_get_version),
		     rsp, sizeof(rsp));
	KUNIT_EXPECT_EQ(test, rc, -EIO);
	KUNIT_EXPECT_EQ(test, emu_test_irqs(fn, &irqs), 1);
	emu_test_expect_version(test, mb);
	emu_test_irqs(fn, &irqs);

	/* Masked (lost) interrupts: the status is read again anyway */
	disable_irq(irq);
	emu_test_expect_version(test, mb);
	enable_irq(irq);
	KUNIT_EXPECT_EQ(test, emu_test_irqs(fn, &irqs), 1);

	/* Back to polling: Interrupt Enable clear, nothing raised */
	pci_doe_free_irq(mb);
	pci_doe_free_irq(mb);
	KUNIT_EXPECT_FALSE(test, emu_test_doe_reg(pdev, fn, PCI_DOE_CTRL) &
				 PCI_DOE_CTRL_INT_EN);
	emu_test_expect_version(test, mb);
	KUNIT_EXPECT_EQ(test, emu_test_irqs(fn, &irqs), 0);

	/* On the interrupt again; the removal below frees it */
	KUNIT_EXPECT_EQ(test, pci_doe_request_irq(mb, irq), 0);
	emu_test_expect_version(test, mb);
	KUNIT_EXPECT_EQ(test, emu_test_irqs(fn, &irqs), 1);
	pci_dev_put(pdev);
	tsm_emu_destroy(emu);
}

static struct kunit_case emu_test_cases[] = {
	KUNIT_CASE(emu_test_topology),
	KUNIT_CASE(emu_test_bars),
	KUNIT_CASE(emu_test_config_sanity),
	KUNIT_CASE(emu_test_doe_mailboxes),
	KUNIT_CASE(emu_test_doe_version),
	KUNIT_CASE(emu_test_doe_echo),
	KUNIT_CASE(emu_test_doe_error),
	KUNIT_CASE_PARAM(emu_test_doe_fault, emu_test_fault_gen_params),
	KUNIT_CASE_SLOW(emu_test_doe_late_answer),
	KUNIT_CASE(emu_test_doe_responder),
	KUNIT_CASE(emu_test_doe_raw_responder),
	KUNIT_CASE(emu_test_doe_irq),
	KUNIT_CASE(emu_test_cfg_notifier),
	KUNIT_CASE(emu_test_doe_registers),
	KUNIT_CASE(emu_test_ide_secure),
	KUNIT_CASE(emu_test_ide_key_sets),
	KUNIT_CASE(emu_test_ide_registers),
	KUNIT_CASE(emu_test_remove_rescan),
	KUNIT_CASE(emu_test_flr),
	KUNIT_CASE(emu_test_create_errors),
	KUNIT_CASE(emu_test_second_instance),
	{}
};

static struct kunit_suite emu_test_suite = {
	.name = "tsm_emu",
	.init = emu_test_init,
	.exit = emu_test_exit,
	.test_cases = emu_test_cases,
};

kunit_test_suite(emu_test_suite);

MODULE_DESCRIPTION("KUnit tests of the emulated TEE-IO PCIe platform");
MODULE_LICENSE("GPL");
