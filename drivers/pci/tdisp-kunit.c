// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the TDISP interface report parser and of its placement
 * of the ranges in a function's BARs (drivers/pci/tdisp.c): valid reports
 * decode field by field, and each malformed or mismatching report of the
 * tables below is refused with its own errno.
 */

#include <kunit/test.h>
#include <linux/pci.h>
#include <linux/pci-tdisp.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#define T_MAX_RANGES	4
#define T_BUF		(PCI_TDISP_REPORT_HDR + 70 * PCI_TDISP_REPORT_RANGE + 64)
/* MSI-X Message Control of the reports and the test function: 16 vectors */
#define T_MSIX_CTRL	15

/**
 * struct t_range - one MMIO range to encode
 * @first: FIRST_4K_PAGE
 * @n: NUMBER_OF_4K_PAGES
 * @attr: RANGE_ATTRIBUTES
 * @id: RANGE_ID
 */
struct t_range {
	u64 first;
	u32 n;
	u16 attr;
	u16 id;
};

/* Encode a report with @n ranges and @info bytes of device information */
static size_t t_build(u8 *buf, const struct t_range *rg, unsigned int n,
		      u32 info)
{
	size_t off = PCI_TDISP_REPORT_HDR;
	unsigned int i;

	memset(buf, 0, T_BUF);
	put_unaligned_le16(0x0006, buf);		/* DMA with and without PASID */
	put_unaligned_le16(T_MSIX_CTRL, buf + 4);
	put_unaligned_le16(0x0001, buf + 6);
	put_unaligned_le32(0x00000102, buf + 8);
	put_unaligned_le32(n, buf + 12);
	for (i = 0; i < n; i++, off += PCI_TDISP_REPORT_RANGE) {
		put_unaligned_le64(rg[i].first, buf + off);
		put_unaligned_le32(rg[i].n, buf + off + 8);
		put_unaligned_le16(rg[i].attr, buf + off + 12);
		put_unaligned_le16(rg[i].id, buf + off + 14);
	}
	put_unaligned_le32(info, buf + off);
	memset(buf + off + 4, 0xa5, info);
	return off + 4 + info;
}

static void tdisp_parse_valid(struct kunit *test)
{
	static const struct t_range rg[] = {
		{ 0x80000, 8, 0, 0 },
		{ 0x80008, 1, PCI_TDISP_RANGE_MSIX_TABLE, 0 },
		{ 0x90000, 16, PCI_TDISP_RANGE_NON_TEE | PCI_TDISP_RANGE_UPDATABLE, 2 },
	};
	struct pci_tdisp_report *r;
	u8 *buf = kunit_kzalloc(test, T_BUF, GFP_KERNEL);
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = t_build(buf, rg, ARRAY_SIZE(rg), 8);
	KUNIT_EXPECT_EQ(test, len, 16 + 3 * 16 + 4 + 8);
	r = pci_tdisp_report_parse(buf, len);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, r->interface_info, 0x0006);
	KUNIT_EXPECT_EQ(test, r->msix_ctrl, T_MSIX_CTRL);
	KUNIT_EXPECT_EQ(test, r->lnr_ctrl, 0x0001);
	KUNIT_EXPECT_EQ(test, r->tph_ctrl, 0x00000102);
	KUNIT_EXPECT_EQ(test, r->info_len, 8);
	KUNIT_ASSERT_EQ(test, r->nr_ranges, 3);
	KUNIT_EXPECT_EQ(test, r->ranges[1].first_page, 0x80008);
	KUNIT_EXPECT_EQ(test, r->ranges[1].nr_pages, 1);
	KUNIT_EXPECT_EQ(test, r->ranges[1].attr, PCI_TDISP_RANGE_MSIX_TABLE);
	KUNIT_EXPECT_EQ(test, r->ranges[2].range_id, 2);
	KUNIT_EXPECT_EQ(test, r->ranges[2].nr_pages, 16);
	kfree(r);

	/* No range at all, no device information */
	len = t_build(buf, NULL, 0, 0);
	r = pci_tdisp_report_parse(buf, len);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, r->nr_ranges, 0);
	kfree(r);

	/* No buffer */
	KUNIT_EXPECT_PTR_EQ(test, pci_tdisp_report_parse(NULL, 20), ERR_PTR(-EMSGSIZE));
}

/* The largest report: every range and all the information allowed */
static void tdisp_parse_limits(struct kunit *test)
{
	size_t len = PCI_TDISP_REPORT_HDR +
		     PCI_TDISP_REPORT_MAX_RANGES * PCI_TDISP_REPORT_RANGE + 4 +
		     PCI_TDISP_REPORT_MAX_INFO;
	struct pci_tdisp_report *r;
	unsigned int i;
	u8 *buf;

	buf = kunit_kzalloc(test, len + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	put_unaligned_le32(PCI_TDISP_REPORT_MAX_RANGES, buf + 12);
	for (i = 0; i < PCI_TDISP_REPORT_MAX_RANGES; i++) {
		u8 *q = buf + PCI_TDISP_REPORT_HDR + i * PCI_TDISP_REPORT_RANGE;

		put_unaligned_le64(0x1000 + 2 * i, q);
		put_unaligned_le32(2, q + 8);
		put_unaligned_le16(i % 6, q + 14);
	}
	put_unaligned_le32(PCI_TDISP_REPORT_MAX_INFO, buf + len - 4 -
			   PCI_TDISP_REPORT_MAX_INFO);
	r = pci_tdisp_report_parse(buf, len);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, r->nr_ranges, PCI_TDISP_REPORT_MAX_RANGES);
	KUNIT_EXPECT_EQ(test, r->ranges[63].first_page, 0x1000 + 126);
	kfree(r);
	/* One byte more than the contents say */
	KUNIT_EXPECT_PTR_EQ(test, pci_tdisp_report_parse(buf, len + 1),
			    ERR_PTR(-EMSGSIZE));
	/* The last page below the 64-bit limit is fine, one more is not */
	len = t_build(buf, &(struct t_range){ BIT_ULL(52) - 2, 2, 0, 0 }, 1, 0);
	r = pci_tdisp_report_parse(buf, len);
	KUNIT_EXPECT_FALSE(test, IS_ERR(r));
	if (!IS_ERR(r))
		kfree(r);
}

/**
 * struct t_bad - a malformed report
 * @name: what is wrong
 * @rg: its ranges
 * @n: how many
 * @info: DEVICE_SPECIFIC_INFO_LEN written
 * @count: MMIO_RANGE_COUNT written instead of @n, if not 0
 * @delta: bytes added to (or removed from) the encoded length
 * @err: the errno the parser must return
 */
struct t_bad {
	const char *name;
	struct t_range rg[T_MAX_RANGES];
	unsigned int n;
	u32 info;
	u32 count;
	int delta;
	int err;
};

static const struct t_bad t_bad_reports[] = {
	{ "truncated header", {}, 0, 0, 0, -1, -EMSGSIZE },
	{ "truncated range", { { 0x100, 1 }, { 0x200, 1 } }, 2, 0, 0, -5, -EMSGSIZE },
	{ "truncated device information", { { 0x100, 1 } }, 1, 16, 0, -1, -EMSGSIZE },
	{ "trailing bytes", { { 0x100, 1 } }, 1, 0, 0, 3, -EMSGSIZE },
	{ "range count beyond the buffer", { { 0x100, 1 } }, 1, 0, 9, 0, -EMSGSIZE },
	{ "range count overflow", { { 0x100, 1 } }, 1, 0, 0x10000000, 0, -E2BIG },
	{ "65 ranges", { { 0x100, 1 } }, 1, 0, 65, 0, -E2BIG },
	{ "device information too large", {}, 0, PCI_TDISP_REPORT_MAX_INFO + 1, 0, 0,
	  -E2BIG },
	{ "zero pages", { { 0x100, 4 }, { 0x200, 0 } }, 2, 0, 0, 0, -EINVAL },
	{ "reserved attribute", { { 0x100, 1, BIT(4) } }, 1, 0, 0, 0, -EINVAL },
	{ "pages beyond 2^64", { { BIT_ULL(52) - 1, 2 } }, 1, 0, 0, 0, -EOVERFLOW },
	{ "page number wraps", { { U64_MAX, 1 } }, 1, 0, 0, 0, -EOVERFLOW },
	{ "overlapping ranges", { { 0x100, 4 }, { 0x103, 4, 0, 2 } }, 2, 0, 0, 0, -EINVAL },
	{ "same range twice", { { 0x100, 4 }, { 0x100, 4 } }, 2, 0, 0, 0, -EINVAL },
	{ "range inside another", { { 0x100, 16 }, { 0x104, 1, 0, 1 } }, 2, 0, 0, 0, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(t_bad, t_bad_reports, name);

static void tdisp_parse_malformed(struct kunit *test)
{
	const struct t_bad *t = test->param_value;
	struct pci_tdisp_report *r;
	u8 *buf = kunit_kzalloc(test, T_BUF, GFP_KERNEL);
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = t_build(buf, t->rg, t->n, t->info > 64 ? 0 : t->info);
	if (t->info > 64)
		put_unaligned_le32(t->info, buf + len - 4);
	if (t->count)
		put_unaligned_le32(t->count, buf + 12);
	len += t->delta;
	r = pci_tdisp_report_parse(buf, len);
	KUNIT_EXPECT_PTR_EQ(test, r, ERR_PTR(t->err));
	if (!IS_ERR(r))
		kfree(r);
}

/*
 * The test function: BAR0 64 KiB of memory with the MSI-X table (16
 * vectors) at 0x8000 and the PBA at 0x9000; BAR1 I/O ports; BAR2 1 MiB of
 * 64-bit memory (BAR3 its upper half); BAR4 a memory BAR that is not
 * 4 KiB aligned; BAR5 unassigned.
 */
static const struct resource t_bars[PCI_STD_NUM_BARS] = {
	DEFINE_RES_MEM(0xf0000000, SZ_64K),
	DEFINE_RES_IO(0x1000, 0x100),
	DEFINE_RES_MEM(0x8000000000ULL, SZ_1M),
	{},
	DEFINE_RES_MEM(0xf1000800, 0x800),
	{},
};

static const struct pci_tdisp_msix t_msix = {
	.ctrl = T_MSIX_CTRL | PCI_MSIX_FLAGS_ENABLE,
	.table_bar = 0, .table_off = 0x8000,
	.pba_bar = 0, .pba_off = 0x9000,
};

static const struct pci_tdisp_msix t_no_msix = {
	.table_bar = -1, .pba_bar = -1,
};

static struct pci_tdisp_report *t_parse(struct kunit *test,
					const struct t_range *rg,
					unsigned int n)
{
	u8 *buf = kunit_kzalloc(test, T_BUF, GFP_KERNEL);
	struct pci_tdisp_report *r;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	r = pci_tdisp_report_parse(buf, t_build(buf, rg, n, 0));
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	return r;
}

static void tdisp_resolve_valid(struct kunit *test)
{
	static const struct t_range rg[] = {
		/* The BAR0 range IDs start at page 0x40000 */
		{ 0x40000, 8, 0, 0 },
		{ 0x40008, 1, PCI_TDISP_RANGE_MSIX_TABLE, 0 },
		{ 0x40009, 1, PCI_TDISP_RANGE_MSIX_PBA, 0 },
		{ 0x4000a, 6, PCI_TDISP_RANGE_NON_TEE, 0 },
		/* BAR2 starts at page 0x90000: TEE second half, non-TEE start */
		{ 0x90080, 128, 0, 2 },
		{ 0x90000, 16, PCI_TDISP_RANGE_NON_TEE, 2 },
	};
	struct pci_tdisp_mismatch why = { .range = 99 };
	struct pci_tdisp_report *r = t_parse(test, rg, ARRAY_SIZE(rg));

	KUNIT_ASSERT_EQ(test, pci_tdisp_report_resolve(r, t_bars, PCI_STD_NUM_BARS,
						       &t_msix, &why), 0);
	KUNIT_EXPECT_EQ(test, r->ranges[0].start, 0xf0000000);
	KUNIT_EXPECT_EQ(test, r->ranges[1].start, 0xf0008000);
	KUNIT_EXPECT_EQ(test, r->ranges[2].start, 0xf0009000);
	KUNIT_EXPECT_EQ(test, r->ranges[3].start, 0xf000a000);
	KUNIT_EXPECT_EQ(test, r->ranges[4].start, 0x8000080000ULL);
	KUNIT_EXPECT_EQ(test, r->ranges[5].start, 0x8000000000ULL);
	KUNIT_EXPECT_EQ(test, why.range, -1);
	kfree(r);

	/*
	 * A TEE range over the whole BAR0: fine for a function without MSI-X,
	 * refused for the test function, whose MSI-X table is in BAR0.
	 */
	r = t_parse(test, &(struct t_range){ 0x40000, 16, 0, 0 }, 1);
	KUNIT_EXPECT_EQ(test, pci_tdisp_report_resolve(r, t_bars, PCI_STD_NUM_BARS,
						       &t_no_msix, NULL), 0);
	KUNIT_EXPECT_EQ(test, pci_tdisp_report_resolve(r, t_bars, PCI_STD_NUM_BARS,
						       &t_msix, NULL), -EINVAL);
	kfree(r);
}

/* MSI-X table and PBA sharing one page, flagged with both attributes */
static void tdisp_resolve_shared_msix_page(struct kunit *test)
{
	static const struct t_range rg[] = {
		{ 0x40000, 8, 0, 0 },
		{ 0x40008, 1, PCI_TDISP_RANGE_MSIX_TABLE | PCI_TDISP_RANGE_MSIX_PBA, 0 },
	};
	struct pci_tdisp_msix msix = t_msix;
	struct pci_tdisp_report *r = t_parse(test, rg, ARRAY_SIZE(rg));

	msix.pba_off = 0x8800;
	KUNIT_EXPECT_EQ(test, pci_tdisp_report_resolve(r, t_bars, PCI_STD_NUM_BARS,
						       &msix, NULL), 0);
	KUNIT_EXPECT_EQ(test, r->ranges[1].start, 0xf0008000);
	/* The PBA elsewhere: the shared page does not hold it */
	KUNIT_EXPECT_EQ(test, pci_tdisp_report_resolve(r, t_bars, PCI_STD_NUM_BARS,
						       &t_msix, NULL), -EINVAL);
	kfree(r);
}

/**
 * struct t_mismatch - a report that does not fit the test function
 * @name: what is wrong
 * @rg: its ranges
 * @n: how many
 * @no_msix: the function has no MSI-X
 * @msix_ctrl: MSI-X Message Control of the function if not 0
 * @err: the errno expected
 * @range: the offending range expected
 */
struct t_mismatch {
	const char *name;
	struct t_range rg[T_MAX_RANGES];
	unsigned int n;
	bool no_msix;
	u16 msix_ctrl;
	int err;
	int range;
};

static const struct t_mismatch t_mismatches[] = {
	{ "out of BAR (one page too many)", { { 0x40000, 17 } }, 1, false, 0, -ERANGE, 0 },
	{ "starts beyond its BAR", { { 0x40000, 1 }, { 0x40010, 1 } }, 2, false, 0, -ERANGE, 1 },
	{ "range ID of an I/O BAR", { { 0x40000, 1, 0, 1 } }, 1, false, 0, -ERANGE, 0 },
	{ "range ID of an unassigned BAR", { { 0x40000, 1, 0, 5 } }, 1, false, 0, -ERANGE, 0 },
	{ "range ID beyond the BARs", { { 0x40000, 1, 0, 6 } }, 1, false, 0, -ERANGE, 0 },
	{ "misaligned BAR", { { 0x40000, 1, 0, 4 } }, 1, false, 0, -EINVAL, 0 },
	{ "TEE range over the MSI-X table", { { 0x40000, 9 } }, 1, false, 0, -EINVAL, 0 },
	{ "TEE range over the PBA", { { 0x40000, 1 }, { 0x40009, 1 } }, 2, false, 0,
	  -EINVAL, 1 },
	{ "MSI-X table flag on the wrong page",
	  { { 0x40000, 1 }, { 0x40007, 1, PCI_TDISP_RANGE_MSIX_TABLE } }, 2, false, 0,
	  -EINVAL, 1 },
	{ "MSI-X table flag in another BAR",
	  { { 0x90000, 1, PCI_TDISP_RANGE_MSIX_TABLE, 2 } }, 1, false, 0, -EINVAL, 0 },
	{ "PBA flag on the table",
	  { { 0x40000, 1 }, { 0x40008, 1, PCI_TDISP_RANGE_MSIX_PBA } }, 2, false, 0,
	  -EINVAL, 1 },
	{ "MSI-X table flag without MSI-X",
	  { { 0x40008, 1, PCI_TDISP_RANGE_MSIX_TABLE } }, 1, true, 0, -EINVAL, 0 },
	{ "MSI-X table size differs", { { 0x40000, 1 } }, 1, false, 31, -EINVAL, -1 },
};

KUNIT_ARRAY_PARAM_DESC(t_mismatch, t_mismatches, name);

static void tdisp_resolve_mismatch(struct kunit *test)
{
	const struct t_mismatch *t = test->param_value;
	struct pci_tdisp_report *r = t_parse(test, t->rg, t->n);
	struct pci_tdisp_msix msix = t->no_msix ? t_no_msix : t_msix;
	struct pci_tdisp_mismatch why = {};

	if (t->msix_ctrl)
		msix.ctrl = t->msix_ctrl;
	KUNIT_EXPECT_EQ(test, pci_tdisp_report_resolve(r, t_bars, PCI_STD_NUM_BARS,
						       &msix, &why), t->err);
	KUNIT_EXPECT_EQ(test, why.range, t->range);
	KUNIT_EXPECT_NOT_NULL(test, why.why);
	kfree(r);
}

static struct kunit_case tdisp_report_cases[] = {
	KUNIT_CASE(tdisp_parse_valid),
	KUNIT_CASE(tdisp_parse_limits),
	KUNIT_CASE_PARAM(tdisp_parse_malformed, t_bad_gen_params),
	KUNIT_CASE(tdisp_resolve_valid),
	KUNIT_CASE(tdisp_resolve_shared_msix_page),
	KUNIT_CASE_PARAM(tdisp_resolve_mismatch, t_mismatch_gen_params),
	{}
};

static struct kunit_suite tdisp_report_suite = {
	.name = "pci_tdisp_report",
	.test_cases = tdisp_report_cases,
};

kunit_test_suite(tdisp_report_suite);

MODULE_DESCRIPTION("KUnit tests of the TDISP interface report parser");
MODULE_LICENSE("GPL");
