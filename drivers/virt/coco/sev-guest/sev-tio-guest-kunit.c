// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the SEV-TIO guest's handling of what the host writes:
 * the blob table of the data area, the message layouts, and the results
 * of the GHCB channel.
 */
#include <kunit/test.h>
#include <linux/sev-tio-guest.h>
#include <linux/string.h>
#include <uapi/linux/psp-sev.h>

#include "sev-tio-guest.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define AREA	1024
#define TABLE	(SEV_TIO_BLOB_MAX * sizeof(struct sev_tio_blob_entry))

static const guid_t report_guid = SEV_TIO_REPORT_GUID;
static const guid_t meas_guid =
	GUID_INIT(0x5caa80c6, 0x12ef, 0x401a,
		  0xb3, 0x64, 0xec, 0x59, 0xa9, 0x3a, 0xbe, 0x3f);

static void entry(u8 *area, int i, const guid_t *g, u32 off, u32 len)
{
	struct sev_tio_blob_entry *e = (struct sev_tio_blob_entry *)area + i;

	e->guid = *g;
	e->offset = cpu_to_le32(off);
	e->length = cpu_to_le32(len);
}

/**
 * struct blob_case - one data area
 * @name: what it tests
 * @n: entries: GUID (1 report, 2 measurements), offset, length
 * @e: the entries
 * @len: size of the area
 * @rc: expected: 0 found (at @off, @blen), else the error
 * @off: where the report is
 * @blen: its size
 */
struct blob_case {
	const char *name;
	int n;
	struct { int g; u32 off, len; } e[3];
	size_t len;
	int rc;
	u32 off, blen;
};

static const struct blob_case blob_cases[] = {
	{ "report alone", 1, { { 1, TABLE, 100 } }, AREA, 0, TABLE, 100 },
	{ "report after measurements", 2,
	  { { 2, TABLE, 50 }, { 1, TABLE + 50, 60 } }, AREA, 0, TABLE + 50, 60 },
	{ "report up to the end", 1, { { 1, TABLE, AREA - TABLE } }, AREA, 0,
	  TABLE, AREA - TABLE },
	{ "empty report", 1, { { 1, AREA, 0 } }, AREA, 0, AREA, 0 },
	{ "empty table", 0, {}, AREA, -ENOENT },
	{ "measurements only", 1, { { 2, TABLE, 10 } }, AREA, -ENOENT },
	{ "blob inside the table", 1, { { 1, 8, 10 } }, AREA, -EPROTO },
	{ "blob past the end", 1, { { 1, TABLE, AREA - TABLE + 1 } }, AREA,
	  -EPROTO },
	{ "offset past the end", 1, { { 1, AREA + 1, 0 } }, AREA, -EPROTO },
	{ "length wraps", 1, { { 1, TABLE, 0xffffffff } }, AREA, -EPROTO },
	{ "two reports", 2, { { 1, TABLE, 10 }, { 1, TABLE + 10, 10 } }, AREA,
	  -EPROTO },
	{ "bad entry after the report", 2,
	  { { 1, TABLE, 10 }, { 2, AREA, 5 } }, AREA, -EPROTO },
	{ "area smaller than the table", 0, {}, TABLE - 1, -EPROTO },
};

static void blob_case_desc(const struct blob_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(blob, blob_cases, blob_case_desc);

static void guest_blob_table(struct kunit *test)
{
	const struct blob_case *c = test->param_value;
	u8 *area = kunit_kzalloc(test, AREA, GFP_KERNEL);
	size_t blen = 0;
	const void *p;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, area);
	for (i = 0; i < c->n; i++)
		entry(area, i, c->e[i].g == 1 ? &report_guid : &meas_guid,
		      c->e[i].off, c->e[i].len);
	p = sev_tio_guest_blob(area, c->len, &blen);
	if (c->rc) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(p), c->rc);
		return;
	}
	KUNIT_ASSERT_FALSE(test, IS_ERR(p));
	KUNIT_EXPECT_PTR_EQ(test, p, (const void *)(area + c->off));
	KUNIT_EXPECT_EQ(test, blen, (size_t)c->blen);
}

/* The table ends after SEV_TIO_BLOB_MAX entries even without a null GUID */
static void guest_blob_table_full(struct kunit *test)
{
	u8 *area = kunit_kzalloc(test, AREA, GFP_KERNEL);
	size_t blen = 0;
	const void *p;

	KUNIT_ASSERT_NOT_NULL(test, area);
	entry(area, 0, &meas_guid, TABLE, 4);
	entry(area, 1, &meas_guid, TABLE, 4);
	entry(area, 2, &report_guid, TABLE + 4, 8);
	/* what follows the table is blob data, not a fourth entry */
	memset(area + TABLE, 0xa5, 16);
	p = sev_tio_guest_blob(area, AREA, &blen);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p));
	KUNIT_EXPECT_PTR_EQ(test, p, (const void *)(area + TABLE + 4));
	KUNIT_EXPECT_EQ(test, blen, 8);
	KUNIT_EXPECT_EQ(test, PTR_ERR(sev_tio_guest_blob(NULL, AREA, &blen)),
			-EPROTO);
}

/* Offsets of the guest message fields (FACTS 6.10 layouts) */
static void guest_msg_layout(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_tdi_info_rsp, status), 2);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_tdi_info_rsp, lock_flags), 20);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_tdi_info_rsp, certs_digest), 32);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_tdi_info_rsp, report_digest), 128);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_tdi_info_rsp, report_count), 176);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_mmio_validate_req, subrange_base), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_mmio_validate_req, range_offset), 28);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_mmio_validate_req, flags), 32);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_mmio_validate_req, range_id), 34);
	KUNIT_EXPECT_EQ(test, offsetof(struct sev_tio_sdte_write_req, sdte), 16);
}

/* The RDX hints of FACTS 6.11: MMIO_VALIDATE and the secure DTE's vTOM */
static void guest_hints(struct kunit *test)
{
	/* GPA[51:12] | order[11:4] | private bit 3 | range ID[2:0] */
	KUNIT_EXPECT_EQ(test, sev_tio_mmio_hint(0xfe001000ULL, 0, 0, true),
			0xfe001008ULL);
	KUNIT_EXPECT_EQ(test, sev_tio_mmio_hint(0xfe200000ULL, 9, 2, true),
			0xfe20009aULL);
	KUNIT_EXPECT_EQ(test, sev_tio_mmio_hint(0xfe200000ULL, 9, 2, false),
			0xfe200092ULL);
	KUNIT_EXPECT_EQ(test, sev_tio_mmio_hint(BIT_ULL(51), 255, 7, true),
			BIT_ULL(51) | 0xfffULL);
	/* what does not fit is no hint */
	KUNIT_EXPECT_EQ(test, sev_tio_mmio_hint(0xfe200800ULL, 0, 0, true), 0);
	KUNIT_EXPECT_EQ(test, sev_tio_mmio_hint(BIT_ULL(52), 0, 0, true), 0);
	KUNIT_EXPECT_EQ(test, sev_tio_mmio_hint(0x1000, 256, 0, true), 0);
	KUNIT_EXPECT_EQ(test, sev_tio_mmio_hint(0x1000, 0, 8, true), 0);
	/* secure DTE bit 320 vTOM_EN, bits 351:321 vTOM >> 21 */
	KUNIT_EXPECT_EQ(test, SEV_TIO_SDTE5_VTOM_EN, BIT_ULL(0));
	KUNIT_EXPECT_EQ(test, FIELD_PREP(SEV_TIO_SDTE5_VTOM,
					 (2ULL << 40) >> SEV_TIO_VTOM_SHIFT),
			0x200000ULL);
	KUNIT_EXPECT_EQ(test, FIELD_MAX(SEV_TIO_SDTE5_VTOM),
			GENMASK_ULL(30, 0));
}

#define VMM_INVALID_LEN	SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_INVALID_LEN)
#define VMM_BUSY	SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_BUSY)
#define NO_FW_CALL	((u64)SEV_RET_NO_FW_CALL)

/**
 * struct ghcb_case - one outcome of a GHCB request
 * @name: what it tests
 * @rc: what the request returned
 * @exitinfo2: SW_EXITINFO2
 * @npages: RBX, the pages the hypervisor asks for
 * @data: the request has a data area
 * @ret: expected result
 * @fw_err: expected firmware error
 * @needed: expected size asked for (with -ENOSPC)
 */
struct ghcb_case {
	const char *name;
	int rc;
	u64 exitinfo2;
	u64 npages;
	bool data;
	int ret;
	u64 fw_err;
	size_t needed;
};

static const struct ghcb_case ghcb_cases[] = {
	{ "success", 0, 0, 0, true, 0, 0 },
	{ "firmware refusal", -EIO, SEV_RET_INVALID_PARAM, 0, true, -EIO,
	  SEV_RET_INVALID_PARAM },
	{ "hypervisor refusal", -EIO, SNP_GUEST_VMM_ERR(5), 0, true, -EIO,
	  SNP_GUEST_VMM_ERR(5) },
	{ "data area too small", -EIO, VMM_INVALID_LEN, 16, true, -ENOSPC,
	  VMM_INVALID_LEN, 16 * PAGE_SIZE },
	{ "too small, no size given", -EIO, VMM_INVALID_LEN, 0, true, -EIO,
	  VMM_INVALID_LEN },
	{ "too small, size overflows", -EIO, VMM_INVALID_LEN, U64_MAX, true,
	  -EIO, VMM_INVALID_LEN },
	{ "too small and firmware error", -EIO, VMM_INVALID_LEN | 1, 16, true,
	  -EIO, VMM_INVALID_LEN | 1 },
	{ "too small without data area", -EIO, VMM_INVALID_LEN, 16, false,
	  -EIO, VMM_INVALID_LEN },
	{ "GHCB protocol failure", 2, NO_FW_CALL, 0, true, -EIO, NO_FW_CALL },
	{ "no GHCB", -EIO, NO_FW_CALL, 0, false, -EIO, NO_FW_CALL },
	{ "busy too long", -ETIMEDOUT, VMM_BUSY, 0, true, -ETIMEDOUT,
	  VMM_BUSY },
	{ "hypervisor busy (TIO_OP)", -EIO, VMM_BUSY, 0, false, -EAGAIN,
	  VMM_BUSY },
	{ "response does not authenticate", -EBADMSG, 0, 0, true, -EBADMSG,
	  0 },
	{ "key disabled", -ENOTTY, 0, 0, true, -ENOTTY, 0 },
};

static void ghcb_case_desc(const struct ghcb_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ghcb, ghcb_cases, ghcb_case_desc);

static void guest_ghcb_result(struct kunit *test)
{
	const struct ghcb_case *c = test->param_value;
	size_t needed = 0;
	u64 fw_err = 0xdead;
	int ret;

	ret = sev_tio_guest_ghcb_result(c->rc, c->exitinfo2, c->npages,
					&fw_err, c->data ? &needed : NULL);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	KUNIT_EXPECT_EQ(test, fw_err, c->fw_err);
	KUNIT_EXPECT_EQ(test, needed, c->needed);
}

static struct kunit_case sev_tio_guest_cases[] = {
	KUNIT_CASE_PARAM(guest_blob_table, blob_gen_params),
	KUNIT_CASE(guest_blob_table_full),
	KUNIT_CASE(guest_msg_layout),
	KUNIT_CASE(guest_hints),
	KUNIT_CASE_PARAM(guest_ghcb_result, ghcb_gen_params),
	{}
};

static struct kunit_suite sev_tio_guest_suite = {
	.name = "sev-tio-guest",
	.test_cases = sev_tio_guest_cases,
};

kunit_test_suite(sev_tio_guest_suite);

MODULE_DESCRIPTION("KUnit tests of the SEV-TIO guest data area, messages and GHCB results");
MODULE_LICENSE("GPL");
