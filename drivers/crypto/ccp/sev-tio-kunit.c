// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the SEV-TIO firmware command layer (sev-tio-cmd.c).
 *
 * The firmware is a fake behind the firmware seam (&struct
 * sev_tio_fw_ops, the one stubbing mechanism of the firmware): its do_cmd
 * records every command buffer, checks that every page a command names is
 * owned by the right side, and answers from a per-test script (SPDM
 * requests, buffer growth requests, failures, output objects); its
 * make_private and reclaim track every page handed to the firmware and
 * can be told to fail.  The DOE mailbox is a static stub of
 * sev_tio_doe().
 *
 * Expected layouts and values are spelled out as numbers of the SEV-TIO
 * firmware interface, not taken from sev-tio.h, so that a wrong definition
 * there is caught too.
 */
#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/pci-ide.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tsm.h>
#include <linux/unaligned.h>
#include <linux/xarray.h>

#include "sev-tio.h"

#define T_SLA_PFN		GENMASK_ULL(51, 12)
#define T_SLA_EOL		0x000ffffffffff000ULL
#define T_OBJ			0x40	/* object header in an SPDM buffer */
#define T_SPDM			0x50	/* SPDM message in an SPDM buffer */
#define T_EVID			32	/* evidence object header */
#define T_CMD_MAX		80
#define T_REC_MAX		16
#define T_MAX_ROUNDS		4096	/* SEV_TIO_MAX_ROUNDS */

/* Buffer sizes the fake firmware reports: single and multi-page ones */
#define T_REQ_SIZE		(2 * PAGE_SIZE)
#define T_SCRATCH_SIZE		(PAGE_SIZE - 100)
#define T_OUT_SIZE		(3 * PAGE_SIZE)
#define T_DEVCTX_SIZE		(PAGE_SIZE + 8)
#define T_TDICTX_SIZE		64
#define T_OUT_CAP		(T_OUT_SIZE - T_OBJ)

/* Identity of the fake device and guest */
#define T_DEVICE_ID		0x0108
#define T_ROOT_PORT_ID		0x0003
#define T_SEGMENT		0x2a
#define T_CERT_SLOT		5
#define T_TC_MASK		0x09
#define T_INTERFACE_ID		(T_DEVICE_ID | T_SEGMENT << 16 | BIT(24))
#define T_GCTX			0x123456000ULL
#define T_GUEST_RID		0x0210
#define T_ASID			0x1d5

/* Page states in &t_state.pages */
#define T_PRIVATE		1
#define T_LEAKED		2

/* What the fake firmware answers to an SPDM-capable command */
enum t_act {
	T_ACT_OK,		/* success */
	T_ACT_SPDM,		/* SPDM request, data_type 1 */
	T_ACT_SSPDM,		/* SPDM request, data_type 2 */
	T_ACT_SPDM_RC0,		/* SPDM request, status 0x32 but rc 0 */
	T_ACT_BADREQ,		/* request object described by &t_state.bad */
	T_ACT_EXPAND,		/* EXPAND_BUFFER_LENGTH_REQUEST */
	T_ACT_FAIL,		/* status &t_state.fail_status */
};

/* A command as the firmware saw it */
struct t_rec {
	int cmd;
	u8 data[T_CMD_MAX];
};

/* Per command: length, SPDM control block, what its addresses point to */
struct t_cmd_desc {
	int id;
	u32 len;
	bool spdm;
	u8 dev_ctx;	/* offset of the device context SLA, 0: none */
	u8 tdi_ctx;	/* offset of the interface context SLA, 0: none */
	u8 page;	/* offset of a firmware page address, 0: none */
};

static const struct t_cmd_desc t_cmds[] = {
	{ 0x0d0, 16, false, 0, 0, 8 },		/* TIO_STATUS */
	{ 0x0d1, 16, false, 0, 0, 0 },		/* TIO_INIT */
	{ 0x0d2, 32, false, 8, 0, 0 },		/* DEV_CREATE */
	{ 0x0d3, 16, false, 8, 0, 0 },		/* DEV_RECLAIM */
	{ 0x0d4, 80, true, 48, 0, 0 },		/* DEV_CONNECT */
	{ 0x0d5, 48, true, 40, 0, 0 },		/* DEV_DISCONNECT */
	{ 0x0d6, 32, false, 8, 0, 16 },		/* DEV_STATUS */
	{ 0x0d7, 80, true, 40, 0, 0 },		/* DEV_MEASUREMENTS */
	{ 0x0d8, 48, true, 40, 0, 0 },		/* DEV_CERTIFICATES */
	{ 0x0da, 48, false, 8, 16, 0 },		/* TDI_CREATE */
	{ 0x0db, 32, false, 8, 16, 0 },		/* TDI_RECLAIM */
	{ 0x0dc, 80, true, 40, 48, 0 },		/* TDI_BIND */
	{ 0x0dd, 64, true, 40, 48, 0 },		/* TDI_UNBIND */
	{ 0x0de, 64, true, 40, 48, 0 },		/* TDI_REPORT */
	{ 0x0df, 64, true, 40, 48, 56 },	/* TDI_STATUS */
	{ 0x0e0, 80, true, 40, 48, 72 },	/* GUEST_REQUEST */
	{ 0x0e1, 32, false, 8, 0, 0 },		/* ASID_FENCE_CLEAR */
	{ 0x0e2, 32, false, 8, 0, 20 },		/* ASID_FENCE_STATUS */
	{ 0x0e5, 48, true, 40, 0, 0 },		/* ROLL_KEY */
};

/* State of one test: the backend's objects, fake firmware, DOE and RMP */
struct t_state {
	struct kunit *test;
	struct sev_tio tio;
	struct sev_tio_dev dev;
	struct sev_tio_tdi tdi;
	struct pci_dev *pdev;

	/* the device context of the last t_flow() */
	u64 dev_ctx_sla;

	/* page ownership: pfn -> T_PRIVATE or T_LEAKED */
	struct xarray pages;
	unsigned int private_calls;
	unsigned int reclaim_calls;
	unsigned int pages_private;
	unsigned int pages_reclaimed;
	unsigned int pages_leaked;
	unsigned int fail_private_at;
	unsigned int fail_reclaim_at;
	unsigned int reclaim_npages[T_REC_MAX];

	/* firmware */
	unsigned int ncmds;
	struct t_rec rec[T_REC_MAX];
	unsigned int fail_cmd_at;
	int fail_status;
	int fail_rc;
	const u8 *script;
	unsigned int nscript;
	unsigned int spos;
	unsigned int extra_rounds;
	bool reissue;
	bool expanded;
	int last_cmd;
	u8 issued[T_CMD_MAX];
	u32 expand_out[2];
	u32 expand_scratch[2];
	unsigned int nexpand;
	u32 bad_id;
	u32 bad_len;
	u8 bad_type;
	struct sev_tio_status status_out;
	struct sev_tio_dev_status dev_status_out;
	u32 tdi_status_len;
	u8 tdi_state;
	u64 fence;
	bool fence_cleared;
	bool going_down;
	u32 out_id;
	u32 out_len;
	u8 out_type;

	/* the SPDM request in flight */
	unsigned int round;
	unsigned int req_round;
	size_t req_len;
	u8 req_type;
	bool await;
	size_t await_len;
	u8 await_type;
	unsigned int await_round;

	/* DOE */
	unsigned int ndoe;
	u8 doe_types[T_REC_MAX];
	unsigned int doe_fail_at;
	int doe_rc;
	size_t doe_extra;
	bool resp_oversize;
};

/* Message patterns: request bytes by round, response lengths and bytes */
static const size_t t_resp_lens[] = { 1, 16, 17, 48, 100 };

static u8 t_req_byte(unsigned int round, size_t i)
{
	return 0xa0 + round * 13 + i;
}

static size_t t_req_len(unsigned int round)
{
	return 4 + (round % 8) * 5;
}

static u8 t_resp_byte(unsigned int round, size_t i)
{
	return 0x30 + round * 7 + i * 3;
}

static size_t t_resp_len(unsigned int round)
{
	return t_resp_lens[round % ARRAY_SIZE(t_resp_lens)];
}

static u8 t_out_byte(size_t i)
{
	return 0x5a ^ (i * 11);
}

static u8 t_fill_byte(size_t i)
{
	return i * 7 + 3;
}

/* Addresses and SLAs */

static u64 t_pfn_of(u64 pa)
{
	return PHYS_PFN(__sme_clr(pa & T_SLA_PFN));
}

static void *t_pa_va(u64 pa)
{
	return phys_to_virt(__sme_clr(pa));
}

/* The SLA of a data page as the interface defines it: PFN << 12 */
static u64 t_data_sla(void *va)
{
	return __sme_set(PFN_PHYS(PHYS_PFN(virt_to_phys(va)))) & T_SLA_PFN;
}

/* PFN of data page @i of the buffer @sla describes, 0 past its end */
static u64 t_sla_pfn(struct kunit *test, u64 sla, unsigned int i)
{
	const __le64 *sp;
	u64 e;

	if (!sla)
		return 0;
	KUNIT_EXPECT_EQ_MSG(test, sla & ~(T_SLA_PFN | BIT_ULL(0)), 0ULL,
			    "reserved bits in SLA %#llx", sla);
	if (!(sla & BIT_ULL(0)))
		return i ? 0 : t_pfn_of(sla);
	KUNIT_ASSERT_LT(test, i, (unsigned int)(PAGE_SIZE / sizeof(u64)));
	sp = t_pa_va(sla & T_SLA_PFN);
	e = le64_to_cpu(sp[i]);
	if (e == T_SLA_EOL)
		return 0;
	KUNIT_EXPECT_EQ_MSG(test, e & ~T_SLA_PFN, 0ULL,
			    "scatter entry %u is %#llx, not a 4K data page", i, e);
	return t_pfn_of(e);
}

/* Kernel address of the buffer @sla describes; it must be contiguous. */
static u8 *t_sla_va(struct kunit *test, u64 sla, unsigned int *npages)
{
	u64 first = t_sla_pfn(test, sla, 0);
	unsigned int i;
	u64 pfn;

	KUNIT_ASSERT_NE_MSG(test, first, 0ULL, "SLA %#llx names no page", sla);
	for (i = 1; (pfn = t_sla_pfn(test, sla, i)); i++)
		KUNIT_ASSERT_EQ(test, pfn, first + i);
	if (npages)
		*npages = i;
	return pfn_to_kaddr(first);
}

/* @sla is exactly the encoding of @buf */
static void t_expect_sla(struct kunit *test, u64 sla,
			 const struct sev_tio_buf *buf)
{
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf->va);
	if (buf->npages == 1) {
		KUNIT_EXPECT_EQ(test, sla, t_data_sla(buf->va));
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, buf->scatter);
	KUNIT_EXPECT_EQ(test, sla, t_data_sla(buf->scatter) | 1);
	for (i = 0; i < buf->npages; i++)
		KUNIT_EXPECT_EQ(test, le64_to_cpu(buf->scatter[i]),
				t_data_sla(buf->va + i * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, le64_to_cpu(buf->scatter[buf->npages]),
			T_SLA_EOL);
}

/* Fake page ownership */

static unsigned long t_page_state(struct t_state *t, u64 pfn)
{
	void *v = xa_load(&t->pages, pfn);

	return v ? xa_to_value(v) : 0;
}

static unsigned int t_count(struct t_state *t, unsigned long state)
{
	unsigned int n = 0;
	unsigned long pfn;
	void *v;

	xa_for_each(&t->pages, pfn, v)
		n += xa_to_value(v) == state;
	return n;
}

static void t_set_page(struct t_state *t, u64 pfn, unsigned long state)
{
	void *old;

	if (state)
		old = xa_store(&t->pages, pfn, xa_mk_value(state), GFP_KERNEL);
	else
		old = xa_erase(&t->pages, pfn);
	KUNIT_EXPECT_FALSE(t->test, xa_is_err(old));
}

static int t_make_private(void *priv, u64 pfn, unsigned int npages)
{
	struct t_state *t = priv;
	unsigned int i;

	if (++t->private_calls == t->fail_private_at) {
		/*
		 * Failed part-way, as rmp_mark_pages_firmware() may: the
		 * caller cannot know which pages changed, all are leaked.
		 */
		for (i = 0; i < npages; i++)
			t_set_page(t, pfn + i, T_LEAKED);
		t->pages_private += npages;
		t->pages_leaked += npages;
		return -EPERM;
	}
	for (i = 0; i < npages; i++) {
		KUNIT_EXPECT_EQ_MSG(t->test, t_page_state(t, pfn + i), 0UL,
				    "page %#llx given to the firmware twice",
				    pfn + i);
		t_set_page(t, pfn + i, T_PRIVATE);
	}
	t->pages_private += npages;
	return 0;
}

static int t_reclaim(void *priv, u64 pfn, unsigned int npages)
{
	struct t_state *t = priv;
	unsigned int call = ++t->reclaim_calls;
	bool fail = call == t->fail_reclaim_at;
	unsigned int i;

	if (call <= T_REC_MAX)
		t->reclaim_npages[call - 1] = npages;
	for (i = 0; i < npages; i++) {
		KUNIT_EXPECT_EQ_MSG(t->test, t_page_state(t, pfn + i),
				    (unsigned long)T_PRIVATE,
				    "reclaim of page %#llx the firmware does not own",
				    pfn + i);
		t_set_page(t, pfn + i, fail ? T_LEAKED : 0);
	}
	if (fail) {
		t->pages_leaked += npages;
		return -EIO;
	}
	t->pages_reclaimed += npages;
	return 0;
}

/* Fake firmware */

static const struct t_cmd_desc *t_cmd_desc(int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t_cmds); i++)
		if (t_cmds[i].id == cmd)
			return &t_cmds[i];
	return NULL;
}

static void t_expect_owner(struct t_state *t, u64 sla, bool priv,
			   const char *what)
{
	unsigned int i;
	u64 pfn;

	KUNIT_EXPECT_NE_MSG(t->test, sla, 0ULL, "%s: no buffer", what);
	for (i = 0; (pfn = t_sla_pfn(t->test, sla, i)); i++)
		KUNIT_EXPECT_EQ_MSG(t->test, t_page_state(t, pfn),
				    priv ? (unsigned long)T_PRIVATE : 0UL,
				    "%s page %u: wrong owner", what, i);
}

/* An SPDM buffer announces its capacity in its header */
static void t_expect_capacity(struct t_state *t, u64 sla, const char *what)
{
	unsigned int n;
	u8 *b = t_sla_va(t->test, sla, &n);

	KUNIT_EXPECT_EQ_MSG(t->test, get_unaligned_le32(b), n * PAGE_SIZE,
			    "%s capacity", what);
}

/* Every page a command names belongs to the side the interface says */
static void t_check_owner(struct t_state *t, const struct t_cmd_desc *d,
			  const u8 *data)
{
	static const char * const names[] = { "req", "resp", "scratch",
					      "output" };
	unsigned int i;
	u64 pa;

	if (d->spdm) {
		for (i = 0; i < 4; i++) {
			u64 sla = get_unaligned_le64(data + 8 + 8 * i);

			/* the response buffer is the host's */
			t_expect_owner(t, sla, i != 1, names[i]);
			t_expect_capacity(t, sla, names[i]);
		}
	}
	if (d->dev_ctx)
		t_expect_owner(t, get_unaligned_le64(data + d->dev_ctx), true,
			       "dev_ctx");
	if (d->tdi_ctx)
		t_expect_owner(t, get_unaligned_le64(data + d->tdi_ctx), true,
			       "tdi_ctx");
	if (d->page) {
		pa = get_unaligned_le64(data + d->page);
		KUNIT_EXPECT_EQ(t->test, pa & ~PAGE_MASK, 0ULL);
		KUNIT_EXPECT_NE(t->test, pa, 0ULL);
		KUNIT_EXPECT_EQ_MSG(t->test, t_page_state(t, PHYS_PFN(__sme_clr(pa))),
				    (unsigned long)T_PRIVATE,
				    "firmware page not firmware-owned");
	}
}

/* The host's answer to the last SPDM request, in the response buffer */
static void t_check_resp(struct t_state *t, const u8 *data)
{
	struct kunit *test = t->test;
	size_t olen = round_up(16 + t->await_len, 32);
	unsigned int n, i;
	const u8 *b;

	b = t_sla_va(test, get_unaligned_le64(data + 16), &n);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(b), n * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(b + 4), olen);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(b + 8), 0U);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(b + T_OBJ), 2U);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(b + T_OBJ + 4), olen);
	KUNIT_EXPECT_EQ(test, b[T_OBJ + 8], 0);
	KUNIT_EXPECT_EQ(test, b[T_OBJ + 9], 1);
	KUNIT_EXPECT_EQ(test, b[T_OBJ + 10], t->await_type);
	for (i = 11; i < 16; i++)
		KUNIT_EXPECT_EQ(test, b[T_OBJ + i], 0);
	for (i = 0; i < t->await_len; i++)
		if (b[T_SPDM + i] != t_resp_byte(t->await_round, i)) {
			KUNIT_FAIL(test, "response byte %u differs", i);
			break;
		}
	if (olen > 16 + t->await_len)
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(b + T_SPDM + t->await_len,
						       0, olen - 16 - t->await_len),
				      "padding of the response not zero");
	t->await = false;
}

/* The same command again: identical, but for the SLAs of grown buffers */
static void t_check_reissue(struct t_state *t, const struct t_cmd_desc *d,
			    const u8 *data)
{
	struct kunit *test = t->test;

	KUNIT_EXPECT_EQ(test, d->id, t->last_cmd);
	if (!t->expanded) {
		KUNIT_EXPECT_MEMEQ(test, data, t->issued, d->len);
	} else {
		KUNIT_EXPECT_MEMEQ(test, data, t->issued, 24);
		KUNIT_EXPECT_MEMEQ(test, data + 40, t->issued + 40, d->len - 40);
		t_expect_sla(test, get_unaligned_le64(data + 24),
			     &t->dev.scratch);
		t_expect_sla(test, get_unaligned_le64(data + 32),
			     &t->dev.output);
	}
	if (t->await)
		t_check_resp(t, data);
}

static void t_fw_write_req(struct t_state *t, const u8 *data, u32 id, u32 len,
			   u8 type)
{
	unsigned int n, i;
	u8 *b = t_sla_va(t->test, get_unaligned_le64(data + 8), &n);
	size_t room = n * PAGE_SIZE - T_SPDM;

	memset(b + T_OBJ, 0, 16);
	put_unaligned_le32(id, b + T_OBJ);
	put_unaligned_le32(len, b + T_OBJ + 4);
	b[T_OBJ + 9] = 1;
	b[T_OBJ + 10] = type;
	t->req_round = t->round++;
	t->req_len = len > 16 ? len - 16 : 0;
	t->req_type = type;
	for (i = 0; i < t->req_len && i < room; i++)
		b[T_SPDM + i] = t_req_byte(t->req_round, i);
}

/* Ask for @want bytes in the buffer @sla, after filling it */
static void t_fw_want(struct t_state *t, u64 sla, u32 want)
{
	unsigned int n, i;
	u8 *b = t_sla_va(t->test, sla, &n);

	for (i = sizeof(struct sev_tio_buf_hdr); i < n * PAGE_SIZE; i++)
		b[i] = t_fill_byte(i);
	put_unaligned_le32(want, b);
}

static void t_fw_expand(struct t_state *t, const u8 *data)
{
	unsigned int k = min(t->nexpand++, 1U);

	if (t->expand_out[k])
		t_fw_want(t, get_unaligned_le64(data + 32), t->expand_out[k]);
	if (t->expand_scratch[k])
		t_fw_want(t, get_unaligned_le64(data + 24),
			  t->expand_scratch[k]);
}

static void t_fw_write_output(struct t_state *t, const u8 *data)
{
	unsigned int n, i;
	size_t end;
	u8 *b;

	if (!t->out_id)
		return;
	b = t_sla_va(t->test, get_unaligned_le64(data + 32), &n);
	memset(b + T_OBJ, 0, T_EVID);
	put_unaligned_le32(t->out_id, b + T_OBJ);
	put_unaligned_le32(t->out_len, b + T_OBJ + 4);
	b[T_OBJ + 9] = 1;
	put_unaligned_le16(T_DEVICE_ID, b + T_OBJ + 16);
	b[T_OBJ + 18] = T_SEGMENT;
	b[T_OBJ + 19] = t->out_type;
	end = min_t(size_t, t->out_len, n * PAGE_SIZE - T_OBJ);
	for (i = T_EVID; i < end; i++)
		b[T_OBJ + i] = t_out_byte(i - T_EVID);
}

static int t_fw_spdm(struct t_state *t, const struct t_cmd_desc *d, u8 *data,
		     int *fw_err)
{
	u8 act = T_ACT_OK;
	u8 *p;

	if (t->spos < t->nscript) {
		act = t->script[t->spos++];
	} else if (t->extra_rounds) {
		t->extra_rounds--;
		act = T_ACT_SPDM;
	}

	switch (act) {
	case T_ACT_SPDM:
	case T_ACT_SSPDM:
	case T_ACT_SPDM_RC0:
		t_fw_write_req(t, data, 1, 16 + t_req_len(t->round),
			       act == T_ACT_SSPDM ? 2 : 1);
		t->reissue = true;
		*fw_err = 0x32;
		return act == T_ACT_SPDM_RC0 ? 0 : -EIO;
	case T_ACT_BADREQ:
		t_fw_write_req(t, data, t->bad_id, t->bad_len, t->bad_type);
		t->reissue = true;
		*fw_err = 0x32;
		return -EIO;
	case T_ACT_EXPAND:
		t_fw_expand(t, data);
		t->reissue = true;
		t->expanded = true;
		*fw_err = 0x31;
		return -EIO;
	case T_ACT_FAIL:
		*fw_err = t->fail_status;
		return -EIO;
	}

	t_fw_write_output(t, data);
	if (d->id == 0x0df) {
		p = t_pa_va(get_unaligned_le64(data + 56));
		put_unaligned_le32(t->tdi_status_len, p);
		p[4] = t->tdi_state;
	}
	*fw_err = 0;
	return 0;
}

static int t_fw_cmd(struct sev_tio *tio, int cmd, void *data, int *fw_err)
{
	struct kunit *test = kunit_get_current_test();
	struct t_state *t = test->priv;
	const struct t_cmd_desc *d = t_cmd_desc(cmd);
	unsigned int call = ++t->ncmds;
	bool reissue = t->reissue;

	*fw_err = -1;
	KUNIT_EXPECT_PTR_EQ(test, tio, &t->tio);
	if (!d) {
		KUNIT_FAIL(test, "unknown command %#x", cmd);
		return -EINVAL;
	}
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(data), d->len);
	if (call <= T_REC_MAX) {
		t->rec[call - 1].cmd = cmd;
		memcpy(t->rec[call - 1].data, data, d->len);
	}
	t_check_owner(t, d, data);
	/* another command: the host gave up on the previous one */
	if (reissue && cmd == t->last_cmd)
		t_check_reissue(t, d, data);
	t->await = false;
	t->reissue = false;
	t->expanded = false;
	t->last_cmd = cmd;
	memcpy(t->issued, data, d->len);

	if (call == t->fail_cmd_at) {
		*fw_err = t->fail_status;
		return t->fail_rc;
	}
	if (d->spdm)
		return t_fw_spdm(t, d, data, fw_err);

	if (cmd == 0x0d0)
		memcpy(t_pa_va(get_unaligned_le64(data + 8)), &t->status_out,
		       sizeof(t->status_out));
	else if (cmd == 0x0d6)
		memcpy(t_pa_va(get_unaligned_le64(data + 16)),
		       &t->dev_status_out, sizeof(t->dev_status_out));
	else if (cmd == 0x0e2)
		put_unaligned_le64(t->fence,
				   t_pa_va(get_unaligned_le64(data + 20)));
	else if (cmd == 0x0e1)
		t->fence_cleared = true;
	*fw_err = 0;
	return 0;
}

/* The fake firmware behind the seam, as the PSP driver's sev_do_cmd() */
static int t_do_cmd(void *priv, int cmd, void *data, int *fw_err)
{
	struct t_state *t = priv;

	return t_fw_cmd(&t->tio, cmd, data, fw_err);
}

static const struct sev_tio_fw_ops t_ops = {
	.do_cmd = t_do_cmd,
	.make_private = t_make_private,
	.reclaim = t_reclaim,
};

/* Fake DOE mailbox */
static int t_doe(struct pci_dev *pdev, u8 type, const void *req, size_t req_sz,
		 void *resp, size_t resp_sz)
{
	struct kunit *test = kunit_get_current_test();
	struct t_state *t = test->priv;
	unsigned int call = ++t->ndoe;
	unsigned int r = t->req_round;
	const u8 *q = req;
	size_t i, len;
	u8 *p = resp;

	if (call <= T_REC_MAX)
		t->doe_types[call - 1] = type;
	KUNIT_EXPECT_PTR_EQ(test, pdev, t->pdev);
	KUNIT_EXPECT_EQ(test, type, t->req_type == 1 ? PCI_DOE_FEATURE_CMA :
						       PCI_DOE_FEATURE_SSESSION);
	KUNIT_EXPECT_PTR_EQ(test, req, t->dev.req.va + T_SPDM);
	KUNIT_EXPECT_EQ(test, req_sz, t->req_len);
	for (i = 0; i < req_sz; i++)
		if (q[i] != t_req_byte(r, i)) {
			KUNIT_FAIL(test, "request byte %zu differs", i);
			break;
		}
	KUNIT_EXPECT_PTR_EQ(test, resp, t->dev.resp.va + T_SPDM);
	/* The room, plus one dword to catch longer answers */
	KUNIT_EXPECT_EQ(test, resp_sz,
			round_down(t->dev.resp.npages * PAGE_SIZE - T_OBJ - 4,
				   32) - 16 + 4);
	if (call == t->doe_fail_at)
		return t->doe_rc;

	len = min(t_resp_len(r), resp_sz);
	/* A device answer that fills the whole buffer, as the DOE core cuts it */
	if (t->resp_oversize)
		len = resp_sz;
	for (i = 0; i < len; i++)
		p[i] = t_resp_byte(r, i);
	t->await = true;
	t->await_len = len;
	t->await_type = t->req_type;
	t->await_round = r;
	return len + t->doe_extra;
}

/* Test setup */

static void t_dev_init(struct t_state *t)
{
	struct sev_tio_dev *dev = &t->dev;

	memset(dev, 0, sizeof(*dev));
	dev->tio = &t->tio;
	dev->pdev = t->pdev;
	dev->device_id = T_DEVICE_ID;
	dev->root_port_id = T_ROOT_PORT_ID;
	dev->segment = T_SEGMENT;
	dev->cert_slot = T_CERT_SLOT;
	dev->tc_mask = T_TC_MASK;
	memset(dev->stream_id, 0xff, sizeof(dev->stream_id));
	dev->stream_id[0] = 7;
	dev->stream_id[3] = 9;

	memset(&t->tdi, 0, sizeof(t->tdi));
	t->tdi.dev = dev;
	t->tdi.pdev = t->pdev;
	t->tdi.interface_id = T_INTERFACE_ID;
	t->tdi.gctx_paddr = T_GCTX;
	t->tdi.asid = T_ASID;
	t->tdi.guest_rid = T_GUEST_RID;
}

static int t_init(struct kunit *test)
{
	struct t_state *t;
	struct device *parent;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->pdev = kunit_kzalloc(test, sizeof(*t->pdev), GFP_KERNEL);
	if (!t->pdev)
		return -ENOMEM;
	parent = kunit_device_register(test, "sev-tio-kunit");
	if (IS_ERR(parent))
		return PTR_ERR(parent);

	t->test = test;
	xa_init(&t->pages);
	t->pdev->dev.init_name = "sev-tio-kunit-dsm";
	t->tio.parent = parent;
	t->tio.ops = &t_ops;
	t->tio.priv = t;
	t->tio.caps.req_size = T_REQ_SIZE;
	t->tio.caps.scratch_size = T_SCRATCH_SIZE;
	t->tio.caps.out_size = T_OUT_SIZE;
	t->tio.caps.devctx_size = T_DEVCTX_SIZE;
	t->tio.caps.tdictx_size = T_TDICTX_SIZE;
	t->tio.spdm_timeout = 600 * HZ;
	t->fail_rc = -EIO;
	t->tdi_status_len = 16;
	t->out_type = 1;
	t_dev_init(t);
	test->priv = t;

	kunit_activate_static_stub(test, sev_tio_doe, t_doe);
	return 0;
}

static void t_exit(struct kunit *test)
{
	struct t_state *t = test->priv;
	unsigned long pfn;
	void *v;

	if (!t)
		return;
	/* Pages the backend leaked are the test's to free */
	xa_for_each(&t->pages, pfn, v)
		if (xa_to_value(v) == T_LEAKED &&
		    page_ref_count(pfn_to_page(pfn)) == 1)
			__free_page(pfn_to_page(pfn));
	xa_destroy(&t->pages);
}

static void t_set_script(struct t_state *t, const u8 *script, unsigned int n)
{
	t->script = script;
	t->nscript = n;
	t->spos = 0;
}

static const struct t_rec *t_rec(struct t_state *t, unsigned int i)
{
	KUNIT_ASSERT_LT(t->test, i, (unsigned int)T_REC_MAX);
	KUNIT_ASSERT_LT(t->test, i, t->ncmds);
	return &t->rec[i];
}

static bool t_buf_zero(const struct sev_tio_buf *buf)
{
	return !memchr_inv(buf, 0, sizeof(*buf));
}

static void t_expect_no_buf_tdi(struct t_state *t)
{
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->tdi.ctx));
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->tdi.resp));
}

static void t_expect_no_buf(struct t_state *t)
{
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->dev.ctx));
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->dev.req));
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->dev.resp));
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->dev.scratch));
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->dev.output));
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->tdi.ctx));
	KUNIT_EXPECT_TRUE(t->test, t_buf_zero(&t->tdi.resp));
}

/* Every page given to the firmware came back or was leaked (@leaked) */
static void t_expect_balanced(struct t_state *t, unsigned int leaked)
{
	struct kunit *test = t->test;

	KUNIT_EXPECT_EQ(test, t_count(t, T_PRIVATE), 0U);
	KUNIT_EXPECT_EQ(test, t->pages_private,
			t->pages_reclaimed + t->pages_leaked);
	KUNIT_EXPECT_EQ(test, t->pages_leaked, leaked);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tio.fw_pages), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tio.leaked_pages), (int)leaked);
}

static void t_create(struct t_state *t)
{
	KUNIT_ASSERT_EQ(t->test, sev_tio_dev_create(&t->dev), 0);
}

static void t_create_tdi(struct t_state *t)
{
	t_create(t);
	KUNIT_ASSERT_EQ(t->test, sev_tio_tdi_create(&t->tdi), 0);
}

/* Leaked pages are still allocated */
static void t_expect_leaked_kept(struct t_state *t)
{
	unsigned long pfn;
	void *v;

	xa_for_each(&t->pages, pfn, v)
		if (xa_to_value(v) == T_LEAKED)
			KUNIT_EXPECT_EQ_MSG(t->test,
					    page_ref_count(pfn_to_page(pfn)), 1,
					    "leaked page %#lx was freed", pfn);
}

/*
 * A context whose reclaim the firmware refused is leaked: its @pages at
 * @sla are still the firmware's, counted as leaked; the fake firmware lets
 * go of them now, so that the test can free them.
 */
static void t_expect_ctx_leaked(struct t_state *t, u64 sla, unsigned int pages)
{
	unsigned int i;
	u64 pfn;

	KUNIT_EXPECT_EQ(t->test, atomic_read(&t->tio.leaked_pages), (int)pages);
	for (i = 0; (pfn = t_sla_pfn(t->test, sla, i)); i++) {
		KUNIT_EXPECT_EQ_MSG(t->test, t_page_state(t, pfn),
				    (unsigned long)T_PRIVATE,
				    "leaked context page %u", i);
		t_set_page(t, pfn, T_LEAKED);
	}
	KUNIT_EXPECT_EQ(t->test, i, pages);
	t->pages_leaked += pages;
}

/*
 * Tear down whatever exists; nothing may stay with the firmware but the
 * @leaked pages, which are still allocated.
 */
static void t_destroy_leaked(struct t_state *t, unsigned int leaked)
{
	t->fail_cmd_at = 0;
	t->fail_private_at = 0;
	t->fail_reclaim_at = 0;
	t_set_script(t, NULL, 0);
	t->extra_rounds = 0;
	t->reissue = false;
	t->await = false;
	if (t->tdi.ctx.va)
		KUNIT_EXPECT_EQ(t->test, sev_tio_tdi_reclaim(&t->tdi), 0);
	if (t->dev.ctx.va)
		KUNIT_EXPECT_EQ(t->test, sev_tio_dev_reclaim(&t->dev), 0);
	t_expect_no_buf(t);
	t_expect_balanced(t, leaked);
	t_expect_leaked_kept(t);
}

static void t_destroy(struct t_state *t)
{
	t_destroy_leaked(t, 0);
}

/*
 * Command buffer checks: every field read is marked; whatever was not
 * read is reserved and must be zero.
 */
struct t_view {
	struct kunit *test;
	const u8 *b;
	unsigned int len;
	DECLARE_BITMAP(seen, T_CMD_MAX);
};

static u64 t_field(struct t_view *v, unsigned int off, unsigned int size)
{
	u64 val = 0;
	unsigned int i;

	KUNIT_ASSERT_LE(v->test, off + size, v->len);
	bitmap_set(v->seen, off, size);
	for (i = size; i > 0; i--)
		val = val << 8 | v->b[off + i - 1];
	return val;
}

static void t_view_rec(struct t_view *v, struct t_state *t, unsigned int i,
		       int cmd, unsigned int len)
{
	const struct t_rec *r = t_rec(t, i);

	v->test = t->test;
	v->b = r->data;
	v->len = len;
	bitmap_zero(v->seen, T_CMD_MAX);
	KUNIT_EXPECT_EQ(t->test, r->cmd, cmd);
	KUNIT_EXPECT_EQ(t->test, t_field(v, 0, 4), (u64)len);
}

static void t_expect_field(struct t_view *v, unsigned int off,
			   unsigned int size, u64 want)
{
	KUNIT_EXPECT_EQ_MSG(v->test, t_field(v, off, size), want,
			    "field at +%u", off);
}

static void t_expect_field_sla(struct t_view *v, unsigned int off,
			       const struct sev_tio_buf *buf)
{
	t_expect_sla(v->test, t_field(v, off, 8), buf);
}

static void t_expect_ctrl(struct t_view *v, const struct sev_tio_dev *dev)
{
	t_expect_field_sla(v, 8, &dev->req);
	t_expect_field_sla(v, 16, &dev->resp);
	t_expect_field_sla(v, 24, &dev->scratch);
	t_expect_field_sla(v, 32, &dev->output);
}

static void t_expect_reserved_zero(struct t_view *v)
{
	unsigned int i;

	for (i = 0; i < v->len; i++)
		if (!test_bit(i, v->seen))
			KUNIT_EXPECT_EQ_MSG(v->test, v->b[i], 0,
					    "reserved byte +%u", i);
}

/* Suite sev-tio-cmd: buffers and command layouts */

static void tio_test_buf_sla(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_buf one = {}, three = {}, host = {}, max = {};
	unsigned int i;
	u64 pfn;

	KUNIT_ASSERT_EQ(test, sev_tio_buf_alloc(&t->tio, &one, 100,
						SEV_TIO_BUF_FW), 0);
	KUNIT_EXPECT_EQ(test, one.npages, 1U);
	KUNIT_EXPECT_NULL(test, one.scatter);
	KUNIT_EXPECT_EQ(test, one.sla,
			(u64)PHYS_PFN(virt_to_phys(one.va)) << 12);
	t_expect_sla(test, one.sla, &one);
	t_expect_owner(t, one.sla, true, "one page");
	/* not an SPDM buffer: no header written */
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(one.va), 0U);

	KUNIT_ASSERT_EQ(test, sev_tio_buf_alloc(&t->tio, &three,
						2 * PAGE_SIZE + 1,
						SEV_TIO_BUF_FW | SEV_TIO_BUF_SPDM),
			0);
	KUNIT_EXPECT_EQ(test, three.npages, 3U);
	KUNIT_EXPECT_EQ(test, three.sla & 0xfff, 1ULL);
	t_expect_sla(test, three.sla, &three);
	for (i = 0; (pfn = t_sla_pfn(test, three.sla, i)); i++)
		KUNIT_EXPECT_EQ(test, pfn, PHYS_PFN(virt_to_phys(three.va)) + i);
	KUNIT_EXPECT_EQ(test, i, 3U);
	t_expect_owner(t, three.sla, true, "three pages");
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(three.va), 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tio.fw_pages), 4);

	KUNIT_ASSERT_EQ(test, sev_tio_buf_alloc(&t->tio, &host, 2 * PAGE_SIZE,
						SEV_TIO_BUF_SPDM), 0);
	t_expect_owner(t, host.sla, false, "host buffer");
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(host.va), 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t->private_calls, 2U);

	KUNIT_EXPECT_EQ(test, sev_tio_buf_alloc(&t->tio, &max, 0,
						SEV_TIO_BUF_FW), -EINVAL);
	KUNIT_EXPECT_EQ(test, sev_tio_buf_alloc(&t->tio, &max,
						SEV_TIO_BUF_MAX + 1,
						SEV_TIO_BUF_FW), -EINVAL);
	KUNIT_EXPECT_TRUE(test, t_buf_zero(&max));
	KUNIT_ASSERT_EQ(test, sev_tio_buf_alloc(&t->tio, &max, SZ_1M,
						SEV_TIO_BUF_FW), 0);
	KUNIT_EXPECT_EQ(test, max.npages, 256U);
	t_expect_sla(test, max.sla, &max);

	sev_tio_buf_free(&t->tio, &max);
	sev_tio_buf_free(&t->tio, &host);
	sev_tio_buf_free(&t->tio, &three);
	sev_tio_buf_free(&t->tio, &one);
	KUNIT_EXPECT_TRUE(test, t_buf_zero(&one));
	KUNIT_EXPECT_TRUE(test, t_buf_zero(&three));
	KUNIT_EXPECT_EQ(test, t->reclaim_calls, 3U);
	t_expect_balanced(t, 0);
}

static void tio_test_status_init(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_status st;
	struct t_view v;
	unsigned int i;
	u8 *p = (u8 *)&t->status_out;

	for (i = 0; i < sizeof(t->status_out); i++)
		p[i] = i + 1;
	t->status_out.length = cpu_to_le32(64);
	t->status_out.flags = cpu_to_le32(3);
	KUNIT_ASSERT_EQ(test, sev_tio_status(&t->tio, &st), 0);
	KUNIT_EXPECT_MEMEQ(test, &st, &t->status_out, 64);
	t_view_rec(&v, t, 0, 0x0d0, 16);
	KUNIT_EXPECT_NE(test, t_field(&v, 8, 8), 0ULL);
	t_expect_reserved_zero(&v);

	KUNIT_ASSERT_EQ(test, sev_tio_init(&t->tio), 0);
	t_view_rec(&v, t, 1, 0x0d1, 16);
	t_expect_reserved_zero(&v);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U);
	t_expect_balanced(t, 0);
}

static void tio_test_status_checks(struct kunit *test)
{
	static const struct {
		u32 length;
		u32 flags;
		int rc;
	} cases[] = {
		{ 48, 0, 0 }, { 64, 1, 0 }, { 64, 2, 0 }, { 64, 3, 0 },
		{ 47, 3, -EFAULT }, { 0, 0, -EFAULT }, { 48, BIT(2), -EFAULT },
		{ 64, 3 | BIT(31), -EFAULT }, { 64, ~0U, -EFAULT },
	};
	struct t_state *t = test->priv;
	struct sev_tio_status st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		t->status_out.length = cpu_to_le32(cases[i].length);
		t->status_out.flags = cpu_to_le32(cases[i].flags);
		KUNIT_EXPECT_EQ_MSG(test, sev_tio_status(&t->tio, &st),
				    cases[i].rc, "length %u flags %#x",
				    cases[i].length, cases[i].flags);
	}
	/* a failing command copies nothing */
	t->fail_cmd_at = t->ncmds + 1;
	t->fail_status = 0x16;
	memset(&st, 0xcc, sizeof(st));
	KUNIT_EXPECT_EQ(test, sev_tio_status(&t->tio, &st), -EINVAL);
	KUNIT_EXPECT_EQ(test, st.length, cpu_to_le32(0xcccccccc));
	t_expect_balanced(t, 0);
}

static void tio_test_dev_create_reclaim(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_dev *dev = &t->dev;
	struct t_view v;
	u64 ctx_sla;

	t_create(t);
	KUNIT_EXPECT_EQ(test, t->ncmds, 1U);
	t_view_rec(&v, t, 0, 0x0d2, 32);
	t_expect_field_sla(&v, 8, &dev->ctx);
	t_expect_field(&v, 16, 2, T_DEVICE_ID);
	t_expect_field(&v, 18, 2, T_ROOT_PORT_ID);
	t_expect_field(&v, 20, 1, T_SEGMENT);
	t_expect_reserved_zero(&v);

	/* sizes and owners of the context and the SPDM buffers */
	KUNIT_EXPECT_EQ(test, dev->ctx.npages, 2U);
	KUNIT_EXPECT_EQ(test, dev->req.npages, 2U);
	KUNIT_EXPECT_EQ(test, dev->resp.npages, 2U);
	KUNIT_EXPECT_EQ(test, dev->scratch.npages, 1U);
	KUNIT_EXPECT_EQ(test, dev->output.npages, 3U);
	t_expect_owner(t, dev->ctx.sla, true, "ctx");
	t_expect_owner(t, dev->req.sla, true, "req");
	t_expect_owner(t, dev->resp.sla, false, "resp");
	t_expect_owner(t, dev->scratch.sla, true, "scratch");
	t_expect_owner(t, dev->output.sla, true, "output");
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(dev->ctx.va), 0U);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(dev->req.va), 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(dev->resp.va), 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(dev->scratch.va), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(dev->output.va),
			3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tio.fw_pages), 8);

	ctx_sla = dev->ctx.sla;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_reclaim(dev), 0);
	t_view_rec(&v, t, 1, 0x0d3, 16);
	t_expect_field(&v, 8, 8, ctx_sla);
	t_expect_reserved_zero(&v);
	t_expect_no_buf(t);
	t_expect_balanced(t, 0);
}

static void tio_test_dev_connect(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_dev *dev = &t->dev;
	struct t_view v;
	unsigned int i;

	t_create(t);
	KUNIT_ASSERT_EQ(test, sev_tio_dev_connect(dev), 0);
	KUNIT_EXPECT_TRUE(test, dev->connected);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U);
	t_view_rec(&v, t, 1, 0x0d4, 80);
	t_expect_ctrl(&v, dev);
	t_expect_field_sla(&v, 48, &dev->ctx);
	t_expect_field(&v, 56, 1, T_TC_MASK);
	t_expect_field(&v, 57, 1, T_CERT_SLOT);
	for (i = 0; i < 8; i++)
		t_expect_field(&v, 64 + i, 1, i == 0 ? 7 : i == 3 ? 9 : 0xff);
	t_expect_reserved_zero(&v);

	/* traffic class 0 is mandatory; nothing reaches the firmware */
	dev->tc_mask = 0x08;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(dev), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U);
	t_destroy(t);
}

static void tio_test_dev_disconnect(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_dev *dev = &t->dev;
	struct t_view v;
	int force;

	t_create(t);
	for (force = 0; force < 2; force++) {
		dev->connected = true;
		KUNIT_ASSERT_EQ(test, sev_tio_dev_disconnect(dev, force), 0);
		KUNIT_EXPECT_FALSE(test, dev->connected);
		t_view_rec(&v, t, 1 + force, 0x0d5, 48);
		t_expect_field(&v, 4, 4, force);
		t_expect_ctrl(&v, dev);
		t_expect_field_sla(&v, 40, &dev->ctx);
		t_expect_reserved_zero(&v);
	}
	t_destroy(t);
}

static void tio_test_dev_status(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_dev_status st;
	struct t_view v;
	unsigned int i;
	u8 *p = (u8 *)&t->dev_status_out;

	for (i = 0; i < sizeof(t->dev_status_out); i++)
		p[i] = 0x80 + i;
	t_create(t);
	KUNIT_ASSERT_EQ(test, sev_tio_dev_status(&t->dev, &st), 0);
	KUNIT_EXPECT_MEMEQ(test, &st, &t->dev_status_out, 160);
	t_view_rec(&v, t, 1, 0x0d6, 32);
	t_expect_field_sla(&v, 8, &t->dev.ctx);
	KUNIT_EXPECT_NE(test, t_field(&v, 16, 8), 0ULL);
	t_expect_reserved_zero(&v);
	/* a status shorter than the structure (the RFC's 152 bytes) */
	t->dev_status_out.length = cpu_to_le32(152);
	KUNIT_EXPECT_EQ(test, sev_tio_dev_status(&t->dev, &st), -EIO);
	t->dev_status_out.length = cpu_to_le32(160);
	KUNIT_EXPECT_EQ(test, sev_tio_dev_status(&t->dev, &st), 0);
	t_destroy(t);
}

static void tio_test_dev_certificates(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_blob blob;
	struct t_view v;

	t_create(t);
	t->out_id = 4;
	t->out_len = T_EVID + 100;
	KUNIT_ASSERT_EQ(test, sev_tio_dev_certificates(&t->dev, &blob), 0);
	KUNIT_EXPECT_EQ(test, blob.len, (size_t)100);
	kvfree(blob.data);
	t_view_rec(&v, t, 1, 0x0d8, 48);
	t_expect_ctrl(&v, &t->dev);
	t_expect_field_sla(&v, 40, &t->dev.ctx);
	t_expect_reserved_zero(&v);
	t_destroy(t);
}

static void tio_test_dev_measurements(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_blob blob;
	struct t_view v;
	u8 nonce[32];
	unsigned int i;

	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = 0xe0 ^ i;
	t_create(t);
	t->out_id = 5;
	t->out_len = T_EVID + 33;
	KUNIT_ASSERT_EQ(test, sev_tio_dev_measurements(&t->dev, nonce, &blob),
			0);
	KUNIT_EXPECT_EQ(test, blob.len, (size_t)33);
	kvfree(blob.data);
	KUNIT_EXPECT_EQ(test, blob.type, 1);
	t_view_rec(&v, t, 1, 0x0d7, 80);
	/* RAW_BITSTREAM */
	t_expect_field(&v, 4, 4, 1);
	t_expect_ctrl(&v, &t->dev);
	t_expect_field_sla(&v, 40, &t->dev.ctx);
	for (i = 0; i < sizeof(nonce); i++)
		t_expect_field(&v, 48 + i, 1, nonce[i]);
	t_expect_reserved_zero(&v);
	t_destroy(t);
}

static void tio_test_tdi_create_reclaim(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct t_view v;
	u64 tdi_sla;

	t_create_tdi(t);
	KUNIT_EXPECT_EQ(test, t->tdi.ctx.npages, 1U);
	t_expect_owner(t, t->tdi.ctx.sla, true, "tdi_ctx");
	t_view_rec(&v, t, 1, 0x0da, 48);
	t_expect_field_sla(&v, 8, &t->dev.ctx);
	t_expect_field_sla(&v, 16, &t->tdi.ctx);
	t_expect_field(&v, 24, 4, T_INTERFACE_ID);
	t_expect_reserved_zero(&v);

	tdi_sla = t->tdi.ctx.sla;
	KUNIT_EXPECT_EQ(test, sev_tio_tdi_reclaim(&t->tdi), 0);
	KUNIT_EXPECT_TRUE(test, t_buf_zero(&t->tdi.ctx));
	t_view_rec(&v, t, 2, 0x0db, 32);
	t_expect_field_sla(&v, 8, &t->dev.ctx);
	t_expect_field(&v, 16, 8, tdi_sla);
	t_expect_reserved_zero(&v);

	/* a failing TDI_CREATE leaves no context behind */
	t->fail_cmd_at = t->ncmds + 1;
	t->fail_status = 0x38;
	KUNIT_EXPECT_EQ(test, sev_tio_tdi_create(&t->tdi), -EINVAL);
	KUNIT_EXPECT_TRUE(test, t_buf_zero(&t->tdi.ctx));
	KUNIT_EXPECT_TRUE(test, t_buf_zero(&t->tdi.resp));

	/* a refused TDI_RECLAIM leaks the context, not the response page */
	KUNIT_ASSERT_EQ(test, sev_tio_tdi_create(&t->tdi), 0);
	tdi_sla = t->tdi.ctx.sla;
	t->fail_cmd_at = t->ncmds + 1;
	t->fail_status = 0x3c;
	KUNIT_EXPECT_EQ(test, sev_tio_tdi_reclaim(&t->tdi), -EBUSY);
	KUNIT_EXPECT_TRUE(test, t_buf_zero(&t->tdi.ctx));
	KUNIT_EXPECT_TRUE(test, t_buf_zero(&t->tdi.resp));
	t_expect_ctx_leaked(t, tdi_sla, 1);
	t_destroy_leaked(t, 1);
}

static void tio_test_tdi_bind(struct kunit *test)
{
	static const struct {
		u16 flags;
		bool run;
	} cases[] = { { 0x14, false }, { 0x15, true } };
	struct t_state *t = test->priv;
	struct sev_tio_blob blob;
	struct t_view v;
	unsigned int i;

	t_create_tdi(t);
	t->out_id = 6;
	t->out_len = T_EVID + 64;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		t->tdi.bound = false;
		KUNIT_ASSERT_EQ(test, sev_tio_tdi_bind(&t->tdi, cases[i].flags,
						       cases[i].run, &blob), 0);
		KUNIT_EXPECT_TRUE(test, t->tdi.bound);
		KUNIT_EXPECT_EQ(test, blob.len, (size_t)64);
		kvfree(blob.data);
		t_view_rec(&v, t, 2 + i, 0x0dc, 80);
		t_expect_ctrl(&v, &t->dev);
		t_expect_field_sla(&v, 40, &t->dev.ctx);
		t_expect_field_sla(&v, 48, &t->tdi.ctx);
		t_expect_field(&v, 56, 8, T_GCTX);
		t_expect_field(&v, 64, 2, T_GUEST_RID);
		t_expect_field(&v, 66, 2, cases[i].flags);
		t_expect_field(&v, 68, 2, cases[i].run);
		t_expect_reserved_zero(&v);
		KUNIT_EXPECT_EQ(test, t->tdi.ran, cases[i].run);
	}
	t->tdi.ran = false;
	t->tdi.bound = false;
	t_destroy(t);
}

static void tio_test_tdi_unbind_report(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_blob blob;
	struct t_view v;
	int i;

	t_create_tdi(t);
	t->out_id = 6;
	t->out_len = T_EVID + 1;
	KUNIT_ASSERT_EQ(test, sev_tio_tdi_report(&t->tdi, &blob), 0);
	KUNIT_EXPECT_EQ(test, blob.len, (size_t)1);
	kvfree(blob.data);
	t->tdi.bound = true;
	KUNIT_ASSERT_EQ(test, sev_tio_tdi_unbind(&t->tdi, false), 0);
	KUNIT_EXPECT_FALSE(test, t->tdi.bound);
	t->tdi.bound = true;
	KUNIT_ASSERT_EQ(test, sev_tio_tdi_unbind(&t->tdi, true), 0);
	KUNIT_EXPECT_FALSE(test, t->tdi.bound);
	for (i = 0; i < 3; i++) {
		t_view_rec(&v, t, 2 + i, i ? 0x0dd : 0x0de, 64);
		/* TDI_UNBIND's FORCE flag */
		t_expect_field(&v, 4, 4, i == 2);
		t_expect_ctrl(&v, &t->dev);
		t_expect_field_sla(&v, 40, &t->dev.ctx);
		t_expect_field_sla(&v, 48, &t->tdi.ctx);
		t_expect_field(&v, 56, 8, T_GCTX);
		t_expect_reserved_zero(&v);
	}
	t_destroy(t);
}

static void tio_test_tdi_status(struct kunit *test)
{
	static const struct {
		u32 length;
		u8 state;
		int rc;
	} cases[] = {
		{ 16, 0, 0 }, { 16, 1, 0 }, { 16, 2, 0 }, { 64, 3, 0 },
		{ 16, 4, -EIO }, { 16, 0xff, -EIO }, { 15, 1, -EIO },
		{ 8, 1, -EIO }, { 0, 0, -EIO },
	};
	struct t_state *t = test->priv;
	struct t_view v;
	unsigned int i;
	u8 state;

	t_create_tdi(t);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		t->tdi_status_len = cases[i].length;
		t->tdi_state = cases[i].state;
		state = 0xee;
		KUNIT_EXPECT_EQ_MSG(test, sev_tio_tdi_status(&t->tdi, &state),
				    cases[i].rc, "length %u state %u",
				    cases[i].length, cases[i].state);
		if (!cases[i].rc)
			KUNIT_EXPECT_EQ(test, state, cases[i].state);
	}
	t_view_rec(&v, t, 2, 0x0df, 64);
	t_expect_ctrl(&v, &t->dev);
	t_expect_field_sla(&v, 40, &t->dev.ctx);
	t_expect_field_sla(&v, 48, &t->tdi.ctx);
	KUNIT_EXPECT_NE(test, t_field(&v, 56, 8), 0ULL);
	t_expect_reserved_zero(&v);
	t_destroy(t);
}

static void tio_test_guest_request(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct t_view v;

	int fw_err = 7;

	t_create_tdi(t);
	/* the response page: one firmware-owned page of the interface */
	KUNIT_EXPECT_EQ(test, t->tdi.resp.npages, 1U);
	KUNIT_EXPECT_TRUE(test, t->tdi.resp.fw_owned);
	KUNIT_ASSERT_EQ(test, sev_tio_guest_request(&t->tdi, 0x1000a000ULL,
						    &fw_err), 0);
	KUNIT_EXPECT_EQ(test, fw_err, 0);
	t_view_rec(&v, t, 2, 0x0e0, 80);
	t_expect_ctrl(&v, &t->dev);
	t_expect_field_sla(&v, 40, &t->dev.ctx);
	t_expect_field_sla(&v, 48, &t->tdi.ctx);
	t_expect_field(&v, 56, 8, T_GCTX);
	t_expect_field(&v, 64, 8, 0x1000a000ULL);
	t_expect_field(&v, 72, 8, __sme_set(virt_to_phys(t->tdi.resp.va)));
	t_expect_reserved_zero(&v);

	/* a firmware status is the status, not an errno */
	t->fail_cmd_at = t->ncmds + 1;
	t->fail_status = 0x16;
	KUNIT_EXPECT_EQ(test, sev_tio_guest_request(&t->tdi, 0x1000a000ULL,
						    &fw_err), -EINVAL);
	KUNIT_EXPECT_EQ(test, fw_err, 0x16);
	/* an SPDM exchange that failed has no firmware status */
	t->fail_cmd_at = 0;
	t->doe_fail_at = t->ndoe + 1;
	t->doe_rc = -ETIMEDOUT;
	t->extra_rounds = 1;
	KUNIT_EXPECT_EQ(test, sev_tio_guest_request(&t->tdi, 0x1000a000ULL,
						    &fw_err), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, fw_err, -1);
	t_destroy(t);
}

static void tio_test_roll_key(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct sev_tio_dev *dev = &t->dev;
	struct t_view v;

	t_create(t);
	/* not connected: refused, nothing reaches the firmware */
	KUNIT_EXPECT_EQ(test, sev_tio_roll_key(dev), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, t->ncmds, 1U);

	dev->connected = true;
	KUNIT_ASSERT_EQ(test, sev_tio_roll_key(dev), 0);
	KUNIT_EXPECT_TRUE(test, dev->connected);
	KUNIT_EXPECT_FALSE(test, dev->link_lost);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U);
	KUNIT_EXPECT_EQ(test, t->ndoe, 0U);
	t_view_rec(&v, t, 1, 0x0e5, 48);
	t_expect_ctrl(&v, dev);
	t_expect_field_sla(&v, 40, &dev->ctx);
	t_expect_reserved_zero(&v);

	/* a refresh lost the link: refused until the next connect */
	dev->link_lost = true;
	KUNIT_EXPECT_EQ(test, sev_tio_roll_key(dev), -ENOLINK);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U);
	t_destroy(t);
}

/* Output objects: certificates, measurements, interface reports */

struct t_out_case {
	const char *desc;
	bool wrong_id;
	u32 len;
	int rc;
};

static const struct t_out_case t_out_cases[] = {
	{ "payload", false, T_EVID + 200, 0 },
	{ "empty payload", false, T_EVID, 0 },
	{ "fills the buffer", false, T_OUT_CAP, 0 },
	{ "beyond the buffer", false, T_OUT_CAP + 1, -EIO },
	{ "huge length", false, ~0U, -EIO },
	{ "shorter than its header", false, T_EVID - 1, -EIO },
	{ "wrong id", true, T_EVID + 200, -EIO },
};

KUNIT_ARRAY_PARAM_DESC(t_out, t_out_cases, desc);

static void tio_test_output(struct kunit *test)
{
	const struct t_out_case *c = test->param_value;
	static const u32 ids[] = { 4, 5, 6, 6 };
	struct t_state *t = test->priv;
	struct sev_tio_blob blob;
	unsigned int which, i;
	u8 nonce[32] = {};
	int rc;

	t_create_tdi(t);
	t->out_len = c->len;
	for (which = 0; which < ARRAY_SIZE(ids); which++) {
		t->out_id = c->wrong_id ? (which ? 4 : 5) : ids[which];
		memset(&blob, 0, sizeof(blob));
		switch (which) {
		case 0:
			rc = sev_tio_dev_certificates(&t->dev, &blob);
			break;
		case 1:
			rc = sev_tio_dev_measurements(&t->dev, nonce, &blob);
			break;
		case 2:
			rc = sev_tio_tdi_bind(&t->tdi, 0x14, false, &blob);
			break;
		default:
			rc = sev_tio_tdi_report(&t->tdi, &blob);
			break;
		}
		KUNIT_EXPECT_EQ_MSG(test, rc, c->rc, "object id %u", ids[which]);
		if (rc) {
			KUNIT_EXPECT_NULL(test, blob.data);
			continue;
		}
		KUNIT_EXPECT_EQ(test, blob.len, (size_t)c->len - T_EVID);
		KUNIT_EXPECT_NOT_NULL(test, blob.data);
		for (i = 0; i < blob.len; i++)
			if (((u8 *)blob.data)[i] != t_out_byte(i)) {
				KUNIT_FAIL(test, "payload byte %u differs", i);
				break;
			}
		kvfree(blob.data);
	}
	t_destroy(t);
}

/* Measurements come plain or as the log; other objects have type 1 */
static void tio_test_output_type(struct kunit *test)
{
	static const struct {
		u32 id;
		u8 type;
		int rc;
	} cases[] = {
		{ 5, 1, 0 }, { 5, 2, 0 }, { 5, 0, -EIO }, { 5, 3, -EIO },
		{ 4, 1, 0 }, { 4, 2, -EIO }, { 4, 0, -EIO },
	};
	struct t_state *t = test->priv;
	struct sev_tio_blob blob;
	u8 nonce[32] = {};
	unsigned int i;
	int rc;

	t_create(t);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		t->out_id = cases[i].id;
		t->out_len = T_EVID + 16;
		t->out_type = cases[i].type;
		blob.data = NULL;
		if (cases[i].id == 5)
			rc = sev_tio_dev_measurements(&t->dev, nonce, &blob);
		else
			rc = sev_tio_dev_certificates(&t->dev, &blob);
		KUNIT_EXPECT_EQ_MSG(test, rc, cases[i].rc, "object %u type %u",
				    cases[i].id, cases[i].type);
		if (!rc)
			KUNIT_EXPECT_EQ(test, blob.type, cases[i].type);
		kvfree(blob.data);
	}
	t_destroy(t);
}

/* TDI_CREATE's function ID names the segment only when it is not 0 */
static void tio_test_interface_id(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sev_tio_interface_id(0x0108, 0), 0x0108U);
	KUNIT_EXPECT_EQ(test, sev_tio_interface_id(0xffff, 0), 0xffffU);
	KUNIT_EXPECT_EQ(test, sev_tio_interface_id(0x0108, 0x2a),
			0x012a0108U);
	KUNIT_EXPECT_EQ(test, sev_tio_interface_id(0, 0xff), 0x01ff0000U);
}

struct t_teardown_case {
	const char *desc;
	bool bound;
	bool ran;
	bool unbind_fails;
	u64 fence;
	/* commands after TDI_CREATE, and the FORCE flag of each TDI_UNBIND */
	u16 cmds[6];
	unsigned int n;
};

static const struct t_teardown_case t_teardown_cases[] = {
	{ "never bound", false, false, false, 0, { 0x0db }, 1 },
	{ "bound, not run", true, false, false, 0xf,
	  { 0x0dd, 0x0df, 0x0db }, 3 },
	{ "ran, not fenced", true, true, false, 0,
	  { 0x0dd, 0x0df, 0x0db, 0x0e2 }, 4 },
	{ "ran, DMA fenced", true, true, false, 0x3,
	  { 0x0dd, 0x0df, 0x0db, 0x0e2, 0x0e1 }, 5 },
	{ "ran, MMIO fenced", true, true, false, 0xc,
	  { 0x0dd, 0x0df, 0x0db, 0x0e2, 0x0e1 }, 5 },
	{ "clean unbind refused", true, true, true, 0xf,
	  { 0x0dd, 0x1dd, 0x0df, 0x0db, 0x0e2, 0x0e1 }, 6 },
};

KUNIT_ARRAY_PARAM_DESC(t_teardown, t_teardown_cases, desc);

/*
 * Unbind of an interface: TDI_UNBIND (forced when refused), TDI_STATUS,
 * TDI_RECLAIM, then the ASID fence of an interface that ran.
 */
static void tio_test_tdi_teardown(struct kunit *test)
{
	const struct t_teardown_case *c = test->param_value;
	struct t_state *t = test->priv;
	struct t_view v;
	unsigned int i, base;
	u64 tdi_sla;

	t_create_tdi(t);
	base = t->ncmds;
	tdi_sla = t->tdi.ctx.sla;
	t->tdi.bound = c->bound;
	t->tdi.ran = c->ran;
	t->fence = c->fence;
	if (c->unbind_fails) {
		t->fail_cmd_at = base + 1;
		t->fail_status = 0x33;
	}
	sev_tio_tdi_teardown(&t->tdi);
	KUNIT_EXPECT_FALSE(test, t->tdi.bound);
	KUNIT_EXPECT_FALSE(test, t->tdi.ran);
	KUNIT_ASSERT_EQ(test, t->ncmds - base, c->n);
	for (i = 0; i < c->n; i++) {
		const struct t_rec *r = t_rec(t, base + i);

		KUNIT_EXPECT_EQ_MSG(test, r->cmd, c->cmds[i] & 0xff,
				    "command %u", i);
		if (r->cmd == 0x0dd)
			KUNIT_EXPECT_EQ_MSG(test, get_unaligned_le32(r->data + 4),
					    (u32)(c->cmds[i] >> 8 == 1),
					    "FORCE of TDI_UNBIND %u", i);
		if (r->cmd == 0x0e2) {
			t_view_rec(&v, t, base + i, 0x0e2, 32);
			t_expect_field(&v, 8, 8, t->dev.ctx.sla);
			t_expect_field(&v, 16, 4, T_ASID);
			KUNIT_EXPECT_NE(test, t_field(&v, 20, 8), 0ULL);
			t_expect_reserved_zero(&v);
		}
		if (r->cmd == 0x0e1) {
			t_view_rec(&v, t, base + i, 0x0e1, 32);
			t_expect_field(&v, 8, 8, t->dev.ctx.sla);
			t_expect_field(&v, 16, 8, T_GCTX);
			t_expect_reserved_zero(&v);
		}
		if (r->cmd == 0x0db)
			KUNIT_EXPECT_EQ(test, get_unaligned_le64(r->data + 16),
					tdi_sla);
	}
	KUNIT_EXPECT_EQ(test, t->fence_cleared,
			c->ran && (c->fence & 0xf) != 0);
	t_expect_no_buf_tdi(t);
	t_destroy(t);
}

static bool t_going_down(void)
{
	struct t_state *t = kunit_get_current_test()->priv;

	return t->going_down;
}

/*
 * DEV_DISCONNECT: clean, forced when the clean one is refused, and only
 * forced while the system halts or restarts.
 */
static void tio_test_dev_teardown(struct kunit *test)
{
	static const struct {
		bool going_down;
		bool clean_fails;
		unsigned int n;
		u32 flags[2];
	} cases[] = {
		{ false, false, 1, { 0 } },
		{ false, true, 2, { 0, 1 } },
		{ true, false, 1, { 1 } },
	};
	struct t_state *t = test->priv;
	unsigned int i, j, base;

	kunit_activate_static_stub(test, sev_tio_system_going_down,
				   t_going_down);
	t_create(t);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		base = t->ncmds;
		t->going_down = cases[i].going_down;
		t->dev.connected = true;
		t->fail_cmd_at = 0;
		if (cases[i].clean_fails)
			t->fail_cmd_at = base + 1;
		t->fail_status = 0x33;
		sev_tio_dev_teardown(&t->dev);
		KUNIT_EXPECT_FALSE(test, t->dev.connected);
		KUNIT_ASSERT_EQ(test, t->ncmds - base, cases[i].n);
		for (j = 0; j < cases[i].n; j++) {
			KUNIT_EXPECT_EQ(test, t_rec(t, base + j)->cmd, 0x0d5);
			KUNIT_EXPECT_EQ_MSG(test,
					    get_unaligned_le32(t_rec(t, base + j)->data + 4),
					    cases[i].flags[j], "case %u", i);
		}
	}
	/* a device that is not connected is not talked to */
	base = t->ncmds;
	sev_tio_dev_teardown(&t->dev);
	KUNIT_EXPECT_EQ(test, t->ncmds, base);
	t->going_down = false;
	t_destroy(t);
}

static struct kunit_case tio_cmd_cases[] = {
	KUNIT_CASE(tio_test_buf_sla),
	KUNIT_CASE(tio_test_status_init),
	KUNIT_CASE(tio_test_status_checks),
	KUNIT_CASE(tio_test_dev_create_reclaim),
	KUNIT_CASE(tio_test_dev_connect),
	KUNIT_CASE(tio_test_dev_disconnect),
	KUNIT_CASE(tio_test_dev_status),
	KUNIT_CASE(tio_test_dev_certificates),
	KUNIT_CASE(tio_test_dev_measurements),
	KUNIT_CASE(tio_test_tdi_create_reclaim),
	KUNIT_CASE(tio_test_tdi_bind),
	KUNIT_CASE(tio_test_tdi_unbind_report),
	KUNIT_CASE(tio_test_tdi_status),
	KUNIT_CASE(tio_test_guest_request),
	KUNIT_CASE(tio_test_roll_key),
	KUNIT_CASE_PARAM(tio_test_output, t_out_gen_params),
	KUNIT_CASE(tio_test_output_type),
	KUNIT_CASE(tio_test_interface_id),
	KUNIT_CASE_PARAM(tio_test_tdi_teardown, t_teardown_gen_params),
	KUNIT_CASE(tio_test_dev_teardown),
	{}
};

static struct kunit_suite tio_cmd_suite = {
	.name = "sev-tio-cmd",
	.init = t_init,
	.exit = t_exit,
	.test_cases = tio_cmd_cases,
};

/* Suite sev-tio-spdm: the SPDM loop */

struct t_spdm_case {
	const char *desc;
	u8 script[8];
	unsigned int n;
};

static const struct t_spdm_case t_spdm_cases[] = {
	{ "one SPDM round", { T_ACT_SPDM }, 1 },
	{ "one secured round", { T_ACT_SSPDM }, 1 },
	{ "status 0x32 with rc 0", { T_ACT_SPDM_RC0, T_ACT_SSPDM }, 2 },
	{ "mixed rounds", { T_ACT_SPDM, T_ACT_SPDM, T_ACT_SSPDM, T_ACT_SPDM,
			    T_ACT_SSPDM, T_ACT_SSPDM, T_ACT_SPDM }, 7 },
};

KUNIT_ARRAY_PARAM_DESC(t_spdm, t_spdm_cases, desc);

static void tio_test_spdm_rounds(struct kunit *test)
{
	const struct t_spdm_case *c = test->param_value;
	struct t_state *t = test->priv;
	unsigned int i;

	t_create(t);
	t_set_script(t, c->script, c->n);
	KUNIT_ASSERT_EQ(test, sev_tio_dev_connect(&t->dev), 0);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2 + c->n);
	KUNIT_EXPECT_EQ(test, t->ndoe, c->n);
	KUNIT_EXPECT_FALSE(test, t->await);
	for (i = 0; i < c->n; i++) {
		KUNIT_EXPECT_EQ(test, t->doe_types[i],
				c->script[i] == T_ACT_SSPDM ?
				PCI_DOE_FEATURE_SSESSION : PCI_DOE_FEATURE_CMA);
		KUNIT_EXPECT_EQ(test, t_rec(t, 2 + i)->cmd, 0x0d4);
		KUNIT_EXPECT_MEMEQ(test, t_rec(t, 2 + i)->data,
				   t_rec(t, 1)->data, 80);
	}
	t_destroy(t);
}

/* The loop runs for every SPDM-capable command */
static void tio_test_spdm_every_command(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM, T_ACT_SSPDM };
	struct t_state *t = test->priv;
	struct sev_tio_blob blob = {};
	unsigned int which, base;
	u8 nonce[32] = {};
	int rc, fw_err;
	u8 state;

	t_create_tdi(t);
	for (which = 0; which < 10; which++) {
		base = t->ncmds;
		t->ndoe = 0;
		t_set_script(t, script, ARRAY_SIZE(script));
		t->out_id = which < 2 ? 4 + which : 6;
		t->out_len = T_EVID + 8;
		switch (which) {
		case 0:
			rc = sev_tio_dev_certificates(&t->dev, &blob);
			break;
		case 1:
			rc = sev_tio_dev_measurements(&t->dev, nonce, &blob);
			break;
		case 2:
			rc = sev_tio_tdi_bind(&t->tdi, 0x14, false, &blob);
			break;
		case 3:
			rc = sev_tio_tdi_report(&t->tdi, &blob);
			break;
		case 4:
			rc = sev_tio_tdi_unbind(&t->tdi, false);
			break;
		case 5:
			rc = sev_tio_tdi_status(&t->tdi, &state);
			break;
		case 6:
			rc = sev_tio_guest_request(&t->tdi, 0x1000, &fw_err);
			break;
		case 7:
			rc = sev_tio_dev_disconnect(&t->dev, false);
			break;
		case 8:
			rc = sev_tio_dev_connect(&t->dev);
			break;
		default:
			rc = sev_tio_roll_key(&t->dev);
			break;
		}
		KUNIT_EXPECT_EQ_MSG(test, rc, 0, "command %u", which);
		KUNIT_EXPECT_EQ_MSG(test, t->ncmds - base, 3U, "command %u",
				    which);
		KUNIT_EXPECT_EQ(test, t->ndoe, 2U);
		KUNIT_EXPECT_EQ(test, t->doe_types[0], PCI_DOE_FEATURE_CMA);
		KUNIT_EXPECT_EQ(test, t->doe_types[1], PCI_DOE_FEATURE_SSESSION);
		kvfree(blob.data);
		blob.data = NULL;
	}
	t_destroy(t);
}

/* ROLL_KEY runs the loop: every round re-issues the first buffer */
static void tio_test_spdm_roll_key(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM, T_ACT_SSPDM, T_ACT_SPDM_RC0,
				     T_ACT_SPDM };
	struct t_state *t = test->priv;
	unsigned int i;

	t_create(t);
	t->dev.connected = true;
	t_set_script(t, script, ARRAY_SIZE(script));
	KUNIT_ASSERT_EQ(test, sev_tio_roll_key(&t->dev), 0);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U + ARRAY_SIZE(script));
	KUNIT_EXPECT_EQ(test, t->ndoe, (unsigned int)ARRAY_SIZE(script));
	/* the last answer was placed and checked by the final issue */
	KUNIT_EXPECT_FALSE(test, t->await);
	KUNIT_EXPECT_EQ(test, t->dev.spdm_rounds,
			(unsigned int)ARRAY_SIZE(script));
	KUNIT_EXPECT_FALSE(test, t->dev.link_lost);
	for (i = 0; i < ARRAY_SIZE(script); i++) {
		KUNIT_EXPECT_EQ(test, t->doe_types[i],
				script[i] == T_ACT_SSPDM ?
				PCI_DOE_FEATURE_SSESSION : PCI_DOE_FEATURE_CMA);
		KUNIT_EXPECT_EQ(test, t_rec(t, 2 + i)->cmd, 0x0e5);
		KUNIT_EXPECT_MEMEQ(test, t_rec(t, 2 + i)->data,
				   t_rec(t, 1)->data, 48);
	}
	t_destroy(t);
}

struct t_bad_case {
	const char *desc;
	u32 id;
	u32 len;
	u8 type;
};

static const struct t_bad_case t_bad_cases[] = {
	{ "id 0", 0, 16 + 8, 1 },
	{ "id 2 (response)", 2, 16 + 8, 1 },
	{ "id 4", 4, 16 + 8, 2 },
	{ "no SPDM message", 1, 16, 1 },
	{ "shorter than its header", 1, 8, 1 },
	{ "length beyond the buffer", 1, T_REQ_SIZE - T_OBJ + 1, 1 },
	{ "length 0xffffffff", 1, ~0U, 2 },
	{ "data_type 0", 1, 16 + 8, 0 },
	{ "data_type 3", 1, 16 + 8, 3 },
	{ "data_type 0xff", 1, 16 + 8, 0xff },
};

KUNIT_ARRAY_PARAM_DESC(t_bad, t_bad_cases, desc);

static void tio_test_spdm_malformed(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM, T_ACT_BADREQ };
	const struct t_bad_case *c = test->param_value;
	struct t_state *t = test->priv;

	t_create(t);
	t->bad_id = c->id;
	t->bad_len = c->len;
	t->bad_type = c->type;
	t_set_script(t, script, ARRAY_SIZE(script));
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -EIO);
	KUNIT_EXPECT_FALSE(test, t->dev.connected);
	/* the first round went through, the malformed one went nowhere */
	KUNIT_EXPECT_EQ(test, t->ndoe, 1U);
	KUNIT_EXPECT_EQ(test, t->ncmds, 3U);
	t_destroy(t);
}

/* A request that fills the request buffer exactly is fine */
static void tio_test_spdm_largest_request(struct kunit *test)
{
	static const u8 script[] = { T_ACT_BADREQ };
	struct t_state *t = test->priv;

	t_create(t);
	t->bad_id = 1;
	t->bad_len = T_REQ_SIZE - T_OBJ;
	t->bad_type = 2;
	t_set_script(t, script, ARRAY_SIZE(script));
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), 0);
	KUNIT_EXPECT_EQ(test, t->ndoe, 1U);
	KUNIT_EXPECT_EQ(test, t->doe_types[0], PCI_DOE_FEATURE_SSESSION);
	t_destroy(t);
}

static void tio_test_spdm_doe_failure(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM, T_ACT_SSPDM, T_ACT_SPDM };
	struct t_state *t = test->priv;

	t_create(t);
	t_set_script(t, script, ARRAY_SIZE(script));
	t->doe_fail_at = 2;
	t->doe_rc = -ETIMEDOUT;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, t->dev.connected);
	KUNIT_EXPECT_EQ(test, t->ndoe, 2U);
	KUNIT_EXPECT_EQ(test, t->ncmds, 3U);
	/* The response buffer still states its capacity for the next command */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(((struct sev_tio_buf_hdr *)t->dev.resp.va)->capacity),
			t->dev.resp.npages * PAGE_SIZE);
	t_destroy(t);
}

/* A DOE answer longer than the room it was given is refused */
static void tio_test_spdm_doe_overflow(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM };
	struct t_state *t = test->priv;

	t_create(t);
	t_set_script(t, script, ARRAY_SIZE(script));
	t->doe_extra = T_REQ_SIZE;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U);
	t->await = false;
	t_destroy(t);
}

/*
 * An answer that fills the whole buffer the DOE core was given (one dword
 * more than the room: the core cut a longer one) is refused as well.
 */
static void tio_test_spdm_doe_cut(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM };
	struct t_state *t = test->priv;

	t_create(t);
	t_set_script(t, script, ARRAY_SIZE(script));
	t->resp_oversize = true;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U);
	t->await = false;
	t_destroy(t);
}

static void tio_test_spdm_final_status(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM, T_ACT_SSPDM, T_ACT_FAIL };
	static const int statuses[] = { 0x33, 0x35, 0x07, 0x3d };
	struct t_state *t = test->priv;
	unsigned int i;

	t_create(t);
	for (i = 0; i < ARRAY_SIZE(statuses); i++) {
		t_set_script(t, script, ARRAY_SIZE(script));
		t->fail_status = statuses[i];
		KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev),
				sev_tio_errno(statuses[i]));
		KUNIT_EXPECT_FALSE(test, t->dev.connected);
	}
	KUNIT_EXPECT_EQ(test, t->ndoe, 2 * i);
	KUNIT_EXPECT_EQ(test, t->ncmds, 1 + 3 * i);
	t_destroy(t);
}

static void tio_test_spdm_max_rounds(struct kunit *test)
{
	struct t_state *t = test->priv;

	t_create(t);
	t->extra_rounds = T_MAX_ROUNDS;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), 0);
	KUNIT_EXPECT_EQ(test, t->ndoe, T_MAX_ROUNDS);
	KUNIT_EXPECT_EQ(test, t->ncmds, 2U + T_MAX_ROUNDS);

	t->ncmds = 0;
	t->ndoe = 0;
	t->dev.connected = false;
	t->extra_rounds = T_MAX_ROUNDS + 1;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -ELOOP);
	KUNIT_EXPECT_FALSE(test, t->dev.connected);
	KUNIT_EXPECT_EQ(test, t->ndoe, T_MAX_ROUNDS);
	KUNIT_EXPECT_EQ(test, t->ncmds, T_MAX_ROUNDS + 1);
	t_destroy(t);
}

/* The exchanges of one command stop at the deadline */
static void tio_test_spdm_deadline(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM, T_ACT_SPDM };
	struct t_state *t = test->priv;

	t_create(t);
	t_set_script(t, script, ARRAY_SIZE(script));
	/* past the deadline at the first SPDM request: no DOE exchange */
	t->tio.spdm_timeout = 0;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, t->ndoe, 0U);
	KUNIT_EXPECT_FALSE(test, t->dev.connected);
	/* the same command with time left */
	t->tio.spdm_timeout = 600 * HZ;
	t_set_script(t, script, ARRAY_SIZE(script));
	t->reissue = false;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), 0);
	KUNIT_EXPECT_EQ(test, t->ndoe, 2U);
	t_destroy(t);
}

static struct kunit_case tio_spdm_cases[] = {
	KUNIT_CASE_PARAM(tio_test_spdm_rounds, t_spdm_gen_params),
	KUNIT_CASE(tio_test_spdm_every_command),
	KUNIT_CASE(tio_test_spdm_roll_key),
	KUNIT_CASE_PARAM(tio_test_spdm_malformed, t_bad_gen_params),
	KUNIT_CASE(tio_test_spdm_largest_request),
	KUNIT_CASE(tio_test_spdm_doe_failure),
	KUNIT_CASE(tio_test_spdm_doe_overflow),
	KUNIT_CASE(tio_test_spdm_doe_cut),
	KUNIT_CASE(tio_test_spdm_final_status),
	KUNIT_CASE(tio_test_spdm_max_rounds),
	KUNIT_CASE(tio_test_spdm_deadline),
	{}
};

static struct kunit_suite tio_spdm_suite = {
	.name = "sev-tio-spdm",
	.init = t_init,
	.exit = t_exit,
	.test_cases = tio_spdm_cases,
};

/* Suite sev-tio-expand: EXPAND_BUFFER_LENGTH_REQUEST */

struct t_expand_case {
	const char *desc;
	u32 out;
	u32 scratch;
	int rc;
	unsigned int out_pages;
	unsigned int scratch_pages;
};

static const struct t_expand_case t_expand_cases[] = {
	{ "output", 4 * PAGE_SIZE + 100, 0, 0, 5, 1 },
	{ "scratch", 0, 2 * PAGE_SIZE, 0, 3, 2 },
	{ "both", 4 * PAGE_SIZE, 3 * PAGE_SIZE - 1, 0, 4, 3 },
	{ "output to the limit", SZ_1M, 0, 0, 256, 1 },
	{ "output beyond the limit", SZ_1M + 1, 0, -E2BIG, 3, 1 },
	{ "scratch beyond the limit", 0, SZ_1M + 1, -E2BIG, 3, 1 },
	{ "no buffer named", 0, 0, -EFAULT, 3, 1 },
	{ "same sizes", 3 * PAGE_SIZE, PAGE_SIZE, -EFAULT, 3, 1 },
	{ "smaller sizes", PAGE_SIZE, 100, -EFAULT, 3, 1 },
};

KUNIT_ARRAY_PARAM_DESC(t_expand, t_expand_cases, desc);

/* @buf is @old_pages pages grown: old contents, new capacity, zero tail */
static void t_expect_grown(struct kunit *test, const struct sev_tio_buf *buf,
			   unsigned int old_pages, unsigned int new_pages)
{
	const u8 *b = buf->va;
	size_t i;

	KUNIT_ASSERT_EQ(test, buf->npages, new_pages);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(b), new_pages * PAGE_SIZE);
	for (i = 4; i < sizeof(struct sev_tio_buf_hdr); i++)
		KUNIT_EXPECT_EQ(test, b[i], 0);
	for (i = sizeof(struct sev_tio_buf_hdr); i < old_pages * PAGE_SIZE; i++)
		if (b[i] != t_fill_byte(i)) {
			KUNIT_FAIL(test, "old byte %zu not copied", i);
			break;
		}
	KUNIT_EXPECT_NULL(test, memchr_inv(b + old_pages * PAGE_SIZE, 0,
					   (new_pages - old_pages) * PAGE_SIZE));
}

static void tio_test_expand(struct kunit *test)
{
	static const u8 script[] = { T_ACT_EXPAND };
	const struct t_expand_case *c = test->param_value;
	struct t_state *t = test->priv;
	struct sev_tio_dev *dev = &t->dev;
	u64 old_out, old_scratch;
	unsigned int private_calls;

	t_create(t);
	old_out = PHYS_PFN(virt_to_phys(dev->output.va));
	old_scratch = PHYS_PFN(virt_to_phys(dev->scratch.va));
	private_calls = t->private_calls;
	t->expand_out[0] = c->out;
	t->expand_scratch[0] = c->scratch;
	t_set_script(t, script, ARRAY_SIZE(script));
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(dev), c->rc);
	KUNIT_EXPECT_EQ(test, dev->output.npages, c->out_pages);
	KUNIT_EXPECT_EQ(test, dev->scratch.npages, c->scratch_pages);
	KUNIT_EXPECT_EQ(test, t->ndoe, 0U);
	if (c->rc) {
		/* refused before the command went out again */
		KUNIT_EXPECT_EQ(test, t->ncmds, 2U);
		if (c->rc == -E2BIG)
			KUNIT_EXPECT_EQ(test, t->private_calls, private_calls);
		t->reissue = false;
		t_destroy(t);
		return;
	}
	KUNIT_EXPECT_EQ(test, t->ncmds, 3U);
	KUNIT_EXPECT_TRUE(test, dev->connected);
	t_expect_owner(t, dev->output.sla, true, "output");
	t_expect_owner(t, dev->scratch.sla, true, "scratch");
	if (c->out_pages != 3) {
		t_expect_grown(test, &dev->output, 3, c->out_pages);
		KUNIT_EXPECT_EQ(test, t_page_state(t, old_out), 0UL);
		KUNIT_EXPECT_EQ(test, t_page_state(t, old_out + 2), 0UL);
		t_expect_sla(test, get_unaligned_le64(t_rec(t, 2)->data + 32),
			     &dev->output);
	}
	if (c->scratch_pages != 1) {
		t_expect_grown(test, &dev->scratch, 1, c->scratch_pages);
		KUNIT_EXPECT_EQ(test, t_page_state(t, old_scratch), 0UL);
		t_expect_sla(test, get_unaligned_le64(t_rec(t, 2)->data + 24),
			     &dev->scratch);
	}
	KUNIT_EXPECT_EQ(test, t->reclaim_calls,
			(c->out_pages != 3) + (c->scratch_pages != 1));
	/* ctx and req: two pages each */
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tio.fw_pages),
			2 + 2 + c->out_pages + c->scratch_pages);
	t_destroy(t);
}

static void tio_test_expand_twice(struct kunit *test)
{
	static const u8 script[] = { T_ACT_EXPAND, T_ACT_EXPAND };
	struct t_state *t = test->priv;

	t_create(t);
	t->expand_out[0] = 4 * PAGE_SIZE;
	t->expand_out[1] = 6 * PAGE_SIZE;
	t_set_script(t, script, ARRAY_SIZE(script));
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -EFAULT);
	KUNIT_EXPECT_EQ(test, t->ncmds, 3U);
	KUNIT_EXPECT_EQ(test, t->dev.output.npages, 4U);
	t->reissue = false;
	t_destroy(t);
}

/* Growth between SPDM rounds: later rounds name the new buffer */
static void tio_test_expand_between_rounds(struct kunit *test)
{
	static const u8 script[] = { T_ACT_SPDM, T_ACT_EXPAND, T_ACT_SSPDM,
				     T_ACT_SPDM };
	struct t_state *t = test->priv;
	unsigned int i;

	t_create(t);
	t->expand_scratch[0] = 2 * PAGE_SIZE;
	t_set_script(t, script, ARRAY_SIZE(script));
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), 0);
	KUNIT_EXPECT_EQ(test, t->ncmds, 6U);
	KUNIT_EXPECT_EQ(test, t->ndoe, 3U);
	KUNIT_EXPECT_EQ(test, t->dev.scratch.npages, 2U);
	KUNIT_EXPECT_MEMEQ(test, t_rec(t, 2)->data, t_rec(t, 1)->data, 80);
	for (i = 3; i < 6; i++) {
		t_expect_sla(test, get_unaligned_le64(t_rec(t, i)->data + 24),
			     &t->dev.scratch);
		KUNIT_EXPECT_MEMEQ(test, t_rec(t, i)->data, t_rec(t, 1)->data,
				   24);
		KUNIT_EXPECT_MEMEQ(test, t_rec(t, i)->data + 32,
				   t_rec(t, 1)->data + 32, 48);
	}
	t_destroy(t);
}

/* The new buffer cannot be given to the firmware: the old one stays */
static void tio_test_expand_private_fails(struct kunit *test)
{
	static const u8 script[] = { T_ACT_EXPAND };
	struct t_state *t = test->priv;
	void *old;

	t_create(t);
	old = t->dev.output.va;
	t->expand_out[0] = 5 * PAGE_SIZE;
	t->fail_private_at = t->private_calls + 1;
	t_set_script(t, script, ARRAY_SIZE(script));
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -EPERM);
	KUNIT_EXPECT_PTR_EQ(test, t->dev.output.va, old);
	KUNIT_EXPECT_EQ(test, t->dev.output.npages, 3U);
	t_expect_owner(t, t->dev.output.sla, true, "output");
	t->reissue = false;
	/* the five pages of the new buffer may be the firmware's: leaked */
	t_destroy_leaked(t, 5);
}

static struct kunit_case tio_expand_cases[] = {
	KUNIT_CASE_PARAM(tio_test_expand, t_expand_gen_params),
	KUNIT_CASE(tio_test_expand_twice),
	KUNIT_CASE(tio_test_expand_between_rounds),
	KUNIT_CASE(tio_test_expand_private_fails),
	{}
};

static struct kunit_suite tio_expand_suite = {
	.name = "sev-tio-expand",
	.init = t_init,
	.exit = t_exit,
	.test_cases = tio_expand_cases,
};

/* Suite sev-tio-status: firmware statuses */

struct t_status_case {
	int status;
	const char *name;
	int err;
};

static const struct t_status_case t_status_cases[] = {
	{ 0x01, "INVALID_PLATFORM_STATE", -EBUSY },
	{ 0x02, "INVALID_GUEST_STATE", -EBUSY },
	{ 0x03, "INVALID_CONFIG", -EINVAL },
	{ 0x04, "INVALID_LEN", -EINVAL },
	{ 0x05, "ALREADY_OWNED", -EEXIST },
	{ 0x06, "INVALID_CERTIFICATE", -EKEYREJECTED },
	{ 0x07, "POLICY_FAILURE", -EPERM },
	{ 0x08, "INACTIVE", -ENODEV },
	{ 0x09, "INVALID_ADDRESS", -EFAULT },
	{ 0x0a, "BAD_SIGNATURE", -EKEYREJECTED },
	{ 0x0b, "BAD_MEASUREMENT", -EKEYREJECTED },
	{ 0x0c, "ASID_OWNED", -EBUSY },
	{ 0x0d, "INVALID_ASID", -EINVAL },
	{ 0x0e, "WBINVD_REQUIRED", -EAGAIN },
	{ 0x0f, "DFFLUSH_REQUIRED", -EAGAIN },
	{ 0x10, "INVALID_GUEST", -EINVAL },
	{ 0x11, "INVALID_COMMAND", -EOPNOTSUPP },
	{ 0x12, "ACTIVE", -EBUSY },
	{ 0x13, "HWSEV_RET_PLATFORM", -EIO },
	{ 0x14, "HWSEV_RET_UNSAFE", -EIO },
	{ 0x15, "UNSUPPORTED", -EOPNOTSUPP },
	{ 0x16, "INVALID_PARAM", -EINVAL },
	{ 0x17, "RESOURCE_LIMIT", -ENOSPC },
	{ 0x18, "SECURE_DATA_INVALID", -EIO },
	{ 0x19, "INVALID_PAGE_SIZE", -EINVAL },
	{ 0x1a, "INVALID_PAGE_STATE", -EFAULT },
	{ 0x1b, "INVALID_MDATA_ENTRY", -EINVAL },
	{ 0x1c, "INVALID_PAGE_OWNER", -EFAULT },
	{ 0x1d, "AEAD_OFLOW", -EOVERFLOW },
	{ 0x1f, "EXIT_RING_BUFFER", -EIO },
	{ 0x20, "RMP_INIT_REQUIRED", -ENODEV },
	{ 0x21, "BAD_SVN", -EIO },
	{ 0x22, "BAD_VERSION", -EPROTO },
	{ 0x23, "SHUTDOWN_REQUIRED", -EBUSY },
	{ 0x24, "UPDATE_FAILED", -EIO },
	{ 0x25, "RESTORE_REQUIRED", -EIO },
	{ 0x26, "RMP_INITIALIZATION_FAILED", -EIO },
	{ 0x27, "INVALID_KEY", -EKEYREJECTED },
	{ 0x28, "SHUTDOWN_INCOMPLETE", -EBUSY },
	{ 0x30, "INCORRECT_BUFFER_LENGTH", -EINVAL },
	{ 0x31, "EXPAND_BUFFER_LENGTH_REQUEST", -ENOSPC },
	{ 0x32, "SPDM_REQUEST", -EPROTO },
	{ 0x33, "SPDM_ERROR", -EPROTO },
	{ 0x35, "ERR_IN_DEV_CONN", -ECONNABORTED },
	{ 0x36, "INVALID_DEV_CTX", -EINVAL },
	{ 0x37, "INVALID_TDI_CTX", -EINVAL },
	{ 0x38, "INVALID_TDI", -EINVAL },
	{ 0x39, "RECLAIM_REQUIRED", -EBUSY },
	{ 0x3a, "IN_USE", -EBUSY },
	{ 0x3b, "INVALID_DEV_STATE", -EBUSY },
	{ 0x3c, "INVALID_TDI_STATE", -EBUSY },
	{ 0x3d, "DEV_CERT_CHANGED", -EKEYREVOKED },
	{ 0x3e, "RESYNC_REQ", -EAGAIN },
	{ 0x3f, "RESPONSE_TOO_LARGE", -EMSGSIZE },
};

KUNIT_ARRAY_PARAM_DESC(t_status, t_status_cases, name);

static void tio_test_status_map(struct kunit *test)
{
	const struct t_status_case *c = test->param_value;
	struct t_state *t = test->priv;

	KUNIT_EXPECT_EQ(test, sev_tio_errno(c->status), c->err);
	KUNIT_EXPECT_STREQ(test, sev_tio_strerror(c->status), c->name);

	/* a failing command returns the mapped errno */
	t->fail_cmd_at = 1;
	t->fail_status = c->status;
	KUNIT_EXPECT_EQ(test, sev_tio_init(&t->tio), c->err);
}

static void tio_test_status_unknown(struct kunit *test)
{
	static const int unknown[] = { 0x1e, 0x29, 0x2f, 0x34, 0x40, 0xff,
				       0x100, 0xffff };
	struct t_state *t = test->priv;
	unsigned int i;

	KUNIT_EXPECT_EQ(test, sev_tio_errno(0), 0);
	KUNIT_EXPECT_STREQ(test, sev_tio_strerror(0), "SUCCESS");
	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		KUNIT_EXPECT_EQ(test, sev_tio_errno(unknown[i]), -EIO);
		KUNIT_EXPECT_STREQ(test, sev_tio_strerror(unknown[i]),
				   "unknown status");
		t->fail_cmd_at = t->ncmds + 1;
		t->fail_status = unknown[i];
		KUNIT_EXPECT_EQ(test, sev_tio_init(&t->tio), -EIO);
	}
}

/* The firmware was not reached: the transport's errno is the answer */
static void tio_test_status_transport(struct kunit *test)
{
	static const int errs[] = { -ETIMEDOUT, -ENODEV, -EBUSY, -EINTR };
	struct t_state *t = test->priv;
	struct sev_tio_status st;
	unsigned int i;

	KUNIT_EXPECT_STREQ(test, sev_tio_strerror(-1),
			   "firmware not reached");
	t->fail_status = -1;
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		t->fail_rc = errs[i];
		t->fail_cmd_at = t->ncmds + 1;
		KUNIT_EXPECT_EQ(test, sev_tio_init(&t->tio), errs[i]);
		t->fail_cmd_at = t->ncmds + 1;
		KUNIT_EXPECT_EQ(test, sev_tio_status(&t->tio, &st), errs[i]);
	}
	/* not reached, yet no errno: still a failure */
	t->fail_rc = 0;
	t->fail_cmd_at = t->ncmds + 1;
	KUNIT_EXPECT_EQ(test, sev_tio_init(&t->tio), -EIO);

	/* same inside the SPDM loop, after a round */
	t_create(t);
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		static const u8 script[] = { T_ACT_SPDM };

		t_set_script(t, script, ARRAY_SIZE(script));
		t->fail_rc = errs[i];
		t->fail_cmd_at = t->ncmds + 2;
		KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), errs[i]);
		KUNIT_EXPECT_FALSE(test, t->dev.connected);
	}
	t_set_script(t, NULL, 0);
	t->fail_rc = 0;
	t->fail_cmd_at = t->ncmds + 1;
	KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(&t->dev), -EIO);
	t_destroy(t);
}

/*
 * The PSP transport returns an errno with status 0 when the firmware timed
 * out (sev_do_cmd() sets *psp_ret = 0): a failure, in and out of the SPDM
 * loop.
 */
static void tio_test_status_transport_status0(struct kunit *test)
{
	struct t_state *t = test->priv;
	int rc;

	t->fail_status = 0;
	t->fail_rc = -ETIMEDOUT;
	t->fail_cmd_at = 1;
	KUNIT_EXPECT_EQ(test, sev_tio_init(&t->tio), -ETIMEDOUT);

	t_create(t);
	t->fail_cmd_at = t->ncmds + 1;
	rc = sev_tio_dev_connect(&t->dev);
	KUNIT_EXPECT_EQ(test, rc, -ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, t->dev.connected);
	t_destroy(t);
}

static struct kunit_case tio_status_cases[] = {
	KUNIT_CASE_PARAM(tio_test_status_map, t_status_gen_params),
	KUNIT_CASE(tio_test_status_unknown),
	KUNIT_CASE(tio_test_status_transport),
	KUNIT_CASE(tio_test_status_transport_status0),
	{}
};

static struct kunit_suite tio_status_suite = {
	.name = "sev-tio-status",
	.init = t_init,
	.exit = t_exit,
	.test_cases = tio_status_cases,
};

/*
 * Suite sev-tio-unwind: DEV_CREATE, DEV_CONNECT (an SPDM round and a
 * buffer growth) and DEV_RECLAIM, failing at every step in turn.
 */

static const u8 t_flow_script[] = { T_ACT_SPDM, T_ACT_EXPAND, T_ACT_SSPDM };

/* Forget the previous run, keep the record of leaked pages */
static void t_reset(struct t_state *t)
{
	KUNIT_ASSERT_EQ(t->test, t_count(t, T_PRIVATE), 0U);
	t->private_calls = 0;
	t->reclaim_calls = 0;
	t->pages_private = 0;
	t->pages_reclaimed = 0;
	t->pages_leaked = 0;
	t->fail_private_at = 0;
	t->fail_reclaim_at = 0;
	t->ncmds = 0;
	t->fail_cmd_at = 0;
	t->fail_rc = -EIO;
	t->reissue = false;
	t->await = false;
	t->nexpand = 0;
	t->ndoe = 0;
	t->doe_fail_at = 0;
	atomic_set(&t->tio.fw_pages, 0);
	atomic_set(&t->tio.leaked_pages, 0);
	t_dev_init(t);
	t->expand_out[0] = 5 * PAGE_SIZE;
	t_set_script(t, t_flow_script, ARRAY_SIZE(t_flow_script));
}

/* Connect as the link TSM does, and reclaim; the first error */
static int t_flow(struct t_state *t)
{
	int rc;

	rc = sev_tio_dev_create(&t->dev);
	if (rc) {
		t_expect_no_buf(t);
		return rc;
	}
	t->dev_ctx_sla = t->dev.ctx.sla;
	rc = sev_tio_dev_connect(&t->dev);
	return sev_tio_dev_reclaim(&t->dev) ?: rc;
}

struct t_baseline {
	unsigned int private_calls;
	unsigned int cmds;
	unsigned int reclaims;
	unsigned int reclaim_npages[T_REC_MAX];
};

static void t_baseline(struct t_state *t, struct t_baseline *b)
{
	t_reset(t);
	KUNIT_ASSERT_EQ(t->test, t_flow(t), 0);
	t_expect_no_buf(t);
	t_expect_balanced(t, 0);
	b->private_calls = t->private_calls;
	b->cmds = t->ncmds;
	b->reclaims = t->reclaim_calls;
	memcpy(b->reclaim_npages, t->reclaim_npages, sizeof(b->reclaim_npages));
	/* DEV_CREATE, DEV_CONNECT four times, DEV_RECLAIM */
	KUNIT_ASSERT_EQ(t->test, b->cmds, 6U);
	/* ctx, req, scratch, output, grown output */
	KUNIT_ASSERT_EQ(t->test, b->private_calls, 5U);
	/* old output, then output, scratch, req, ctx */
	KUNIT_ASSERT_EQ(t->test, b->reclaims, 5U);
}

static void tio_test_unwind_make_private(struct kunit *test)
{
	/* pages of each hand-over: ctx, req, scratch, output, grown output */
	static const unsigned int npages[] = { 2, 2, 1, 3, 5 };
	struct t_state *t = test->priv;
	struct t_baseline b;
	unsigned int k;

	t_baseline(t, &b);
	KUNIT_ASSERT_EQ(test, b.private_calls, (unsigned int)ARRAY_SIZE(npages));
	for (k = 1; k <= b.private_calls; k++) {
		t_reset(t);
		t->fail_private_at = k;
		KUNIT_EXPECT_EQ_MSG(test, t_flow(t), -EPERM,
				    "make_private call %u fails", k);
		KUNIT_EXPECT_EQ(test, t->private_calls, k);
		t_expect_no_buf(t);
		/* a failed hand-over is leaked, never freed */
		t_expect_balanced(t, npages[k - 1]);
		t_expect_leaked_kept(t);
	}
}

static void tio_test_unwind_command(struct kunit *test)
{
	static const struct {
		int status;
		int rc;
	} fails[] = { { 0x16, -EINVAL }, { 0x35, -ECONNABORTED },
		      { -1, -ETIMEDOUT } };
	struct t_state *t = test->priv;
	struct t_baseline b;
	unsigned int k, f;

	t_baseline(t, &b);
	for (f = 0; f < ARRAY_SIZE(fails); f++) {
		for (k = 1; k <= b.cmds; k++) {
			t_reset(t);
			t->fail_cmd_at = k;
			t->fail_status = fails[f].status;
			t->fail_rc = fails[f].status < 0 ? fails[f].rc : -EIO;
			KUNIT_EXPECT_EQ_MSG(test, t_flow(t), fails[f].rc,
					    "command %u fails with %d", k,
					    fails[f].status);
			/* after a failed DEV_CONNECT comes DEV_RECLAIM */
			KUNIT_EXPECT_EQ(test, t->ncmds,
					k == 1 ? 1 : min(k + 1, b.cmds));
			t_expect_no_buf(t);
			/* a failed DEV_RECLAIM leaks the device context */
			if (k == b.cmds)
				t_expect_ctx_leaked(t, t->dev_ctx_sla, 2);
			t_expect_balanced(t, k == b.cmds ? 2 : 0);
			t_expect_leaked_kept(t);
		}
	}
}

static void tio_test_unwind_doe(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct t_baseline b;

	t_baseline(t, &b);
	KUNIT_EXPECT_EQ(test, t->ndoe, 2U);
	t_reset(t);
	t->doe_fail_at = 2;
	t->doe_rc = -ECONNRESET;
	KUNIT_EXPECT_EQ(test, t_flow(t), -ECONNRESET);
	KUNIT_EXPECT_FALSE(test, t->dev.connected);
	t_expect_no_buf(t);
	t_expect_balanced(t, 0);
}

static void tio_test_unwind_reclaim(struct kunit *test)
{
	struct t_state *t = test->priv;
	struct t_baseline b;
	unsigned int k, leaked = 0;

	t_baseline(t, &b);
	for (k = 1; k <= b.reclaims; k++) {
		t_reset(t);
		t->fail_reclaim_at = k;
		/* the firmware keeps the pages; the host carries on */
		KUNIT_EXPECT_EQ_MSG(test, t_flow(t), 0, "reclaim %u fails", k);
		t_expect_no_buf(t);
		t_expect_balanced(t, b.reclaim_npages[k - 1]);
		leaked += b.reclaim_npages[k - 1];
		KUNIT_EXPECT_EQ(test, t_count(t, T_LEAKED), leaked);
		t_expect_leaked_kept(t);
	}
}

static struct kunit_case tio_unwind_cases[] = {
	KUNIT_CASE(tio_test_unwind_make_private),
	KUNIT_CASE(tio_test_unwind_command),
	KUNIT_CASE(tio_test_unwind_doe),
	KUNIT_CASE(tio_test_unwind_reclaim),
	{}
};

static struct kunit_suite tio_unwind_suite = {
	.name = "sev-tio-unwind",
	.init = t_init,
	.exit = t_exit,
	.test_cases = tio_unwind_cases,
};

/* Suite sev-tio-roll-key: IDE key refresh, command and link TSM op */

struct t_roll_case {
	const char *desc;
	u8 script[3];
	unsigned int n;
	int status;
	unsigned int fail_cmd_at;
	unsigned int doe_fail_at;
	int rc;
	unsigned int ndoe;
	bool lost;
};

static const struct t_roll_case t_roll_cases[] = {
	{ "INVALID_COMMAND", { T_ACT_FAIL }, 1, 0x11, 0, 0, -EOPNOTSUPP, 0,
	  false },
	{ "UNSUPPORTED", { T_ACT_FAIL }, 1, 0x15, 0, 0, -EOPNOTSUPP, 0, false },
	{ "INVALID_PARAM", { T_ACT_FAIL }, 1, 0x16, 0, 0, -EINVAL, 0, false },
	{ "firmware not reached", {}, 0, -1, 2, 0, -ETIMEDOUT, 0, false },
	{ "INVALID_DEV_STATE", { T_ACT_FAIL }, 1, 0x3b, 0, 0, -EBUSY, 0, true },
	{ "ERR_IN_DEV_CONN", { T_ACT_FAIL }, 1, 0x35, 0, 0, -ECONNABORTED, 0,
	  true },
	{ "SPDM_ERROR", { T_ACT_FAIL }, 1, 0x33, 0, 0, -EPROTO, 0, true },
	{ "SPDM_ERROR after an exchange", { T_ACT_SPDM, T_ACT_FAIL }, 2, 0x33,
	  0, 0, -EPROTO, 1, true },
	{ "INVALID_KEY after two exchanges",
	  { T_ACT_SPDM, T_ACT_SSPDM, T_ACT_FAIL }, 3, 0x27, 0, 0,
	  -EKEYREJECTED, 2, true },
	{ "DOE failure in the second exchange", { T_ACT_SPDM, T_ACT_SSPDM }, 2,
	  0, 0, 2, -ETIMEDOUT, 2, true },
};

KUNIT_ARRAY_PARAM_DESC(t_roll, t_roll_cases, desc);

static void t_roll_setup(struct t_state *t, const struct t_roll_case *c)
{
	t_set_script(t, c->script, c->n);
	t->fail_status = c->status;
	t->fail_cmd_at = c->fail_cmd_at;
	t->fail_rc = -ETIMEDOUT;
	t->doe_fail_at = c->doe_fail_at;
	t->doe_rc = -ETIMEDOUT;
}

/* Forget the failure the fake firmware and mailbox were told to make */
static void t_roll_clear(struct t_state *t)
{
	t_set_script(t, NULL, 0);
	t->fail_cmd_at = 0;
	t->doe_fail_at = 0;
	t->reissue = false;
	t->await = false;
}

/*
 * A failure maps to an errno; it loses the link if the firmware talked to
 * the device or says the connection is gone, and only then is the next
 * refresh refused (until DEV_CONNECT).
 */
static void tio_test_roll_key_fail(struct kunit *test)
{
	const struct t_roll_case *c = test->param_value;
	struct t_state *t = test->priv;
	struct sev_tio_dev *dev = &t->dev;
	unsigned int base;

	t_create(t);
	dev->connected = true;
	t_roll_setup(t, c);
	KUNIT_EXPECT_EQ(test, sev_tio_roll_key(dev), c->rc);
	KUNIT_EXPECT_EQ(test, t_rec(t, 1)->cmd, 0x0e5);
	KUNIT_EXPECT_EQ(test, t->ndoe, c->ndoe);
	KUNIT_EXPECT_EQ(test, dev->link_lost, c->lost);
	/* a failed refresh does not disconnect by itself */
	KUNIT_EXPECT_TRUE(test, dev->connected);

	t_roll_clear(t);
	base = t->ncmds;
	if (!c->lost) {
		KUNIT_EXPECT_EQ(test, sev_tio_roll_key(dev), 0);
		KUNIT_EXPECT_EQ(test, t->ncmds, base + 1);
	} else {
		KUNIT_EXPECT_EQ(test, sev_tio_roll_key(dev), -ENOLINK);
		KUNIT_EXPECT_EQ(test, t->ncmds, base);
		/* a new connection brings the link back */
		KUNIT_EXPECT_EQ(test, sev_tio_dev_connect(dev), 0);
		KUNIT_EXPECT_FALSE(test, dev->link_lost);
		KUNIT_EXPECT_EQ(test, sev_tio_roll_key(dev), 0);
		KUNIT_EXPECT_EQ(test, t->ncmds, base + 2);
	}
	t_destroy(t);
}

/*
 * A DSM connected through the link TSM around the test's device context:
 * the context is moved in with t_dsm_in() and back with t_dsm_out().
 */
struct t_dsm {
	struct sev_tio_dsm dsm;
	struct tsm_dev tsm_dev;
	struct pci_ide ide;
};

static struct t_dsm *t_dsm_new(struct t_state *t)
{
	struct t_dsm *d;

	d = kunit_kzalloc(t->test, sizeof(*d), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(t->test, d);
	d->tsm_dev.pci_ops = &sev_tio_pci_ops;
	d->dsm.pf0.base_tsm.pdev = t->pdev;
	d->dsm.pf0.base_tsm.dsm_dev = t->pdev;
	d->dsm.pf0.base_tsm.tsm_dev = &d->tsm_dev;
	d->ide.pdev = t->pdev;
	d->ide.stream_id = 7;
	t->pdev->tsm = &d->dsm.pf0.base_tsm;
	return d;
}

static void t_dsm_in(struct t_state *t, struct t_dsm *d)
{
	d->dsm.dev = t->dev;
}

static void t_dsm_out(struct t_state *t, struct t_dsm *d)
{
	t->dev = d->dsm.dev;
	t->pdev->tsm = NULL;
}

/* The op refuses a DSM that is not fully connected, without firmware */
static void tio_test_ide_refresh_not_connected(struct kunit *test)
{
	const struct pci_tsm_ops *ops = &sev_tio_pci_ops;
	struct t_state *t = test->priv;
	struct t_dsm *d;

	KUNIT_ASSERT_NOT_NULL(test, ops->ide_refresh);
	/* no link context */
	KUNIT_EXPECT_EQ(test, ops->ide_refresh(t->pdev), -ENOTCONN);

	d = t_dsm_new(t);
	t_create(t);
	t_dsm_in(t, d);
	/* device context only */
	KUNIT_EXPECT_EQ(test, ops->ide_refresh(t->pdev), -ENOTCONN);
	/* stream set up, DEV_CONNECT not done */
	d->dsm.ide = &d->ide;
	KUNIT_EXPECT_EQ(test, ops->ide_refresh(t->pdev), -ENOTCONN);
	/* DEV_CONNECT done, stream not registered */
	d->dsm.ide = NULL;
	d->dsm.dev.connected = true;
	KUNIT_EXPECT_EQ(test, ops->ide_refresh(t->pdev), -ENOTCONN);
	/* only DEV_CREATE reached the firmware */
	KUNIT_EXPECT_EQ(test, t->ncmds, 1U);
	t_dsm_out(t, d);
	t_destroy(t);
}

/*
 * A firmware failure of the op is its errno; when it lost the link,
 * link_check (which the core asks next) says so and the op is not retried.
 */
static void tio_test_ide_refresh_fail(struct kunit *test)
{
	const struct pci_tsm_ops *ops = &sev_tio_pci_ops;
	const struct t_roll_case *c = test->param_value;
	struct t_state *t = test->priv;
	unsigned int base;
	struct t_dsm *d;

	KUNIT_ASSERT_NOT_NULL(test, ops->ide_refresh);
	KUNIT_ASSERT_NOT_NULL(test, ops->link_check);
	d = t_dsm_new(t);
	t_create(t);
	t->dev.connected = true;
	t_dsm_in(t, d);
	d->dsm.ide = &d->ide;
	t_roll_setup(t, c);
	KUNIT_EXPECT_EQ(test, ops->ide_refresh(t->pdev), c->rc);
	KUNIT_EXPECT_EQ(test, t_rec(t, 1)->cmd, 0x0e5);
	KUNIT_EXPECT_EQ(test, d->dsm.dev.link_lost, c->lost);
	KUNIT_EXPECT_TRUE(test, d->dsm.dev.connected);
	if (c->lost) {
		t_roll_clear(t);
		KUNIT_EXPECT_EQ(test, ops->link_check(t->pdev), -ENOLINK);
		base = t->ncmds;
		KUNIT_EXPECT_EQ(test, ops->ide_refresh(t->pdev), -ENOLINK);
		KUNIT_EXPECT_EQ(test, t->ncmds, base);
	}
	t_dsm_out(t, d);
	t_destroy(t);
}

static struct kunit_case tio_roll_key_cases[] = {
	KUNIT_CASE_PARAM(tio_test_roll_key_fail, t_roll_gen_params),
	KUNIT_CASE(tio_test_ide_refresh_not_connected),
	KUNIT_CASE_PARAM(tio_test_ide_refresh_fail, t_roll_gen_params),
	{}
};

static struct kunit_suite tio_roll_key_suite = {
	.name = "sev-tio-roll-key",
	.init = t_init,
	.exit = t_exit,
	.test_cases = tio_roll_key_cases,
};

/*
 * Suite sev-tio-abi: the size and every field offset of the firmware's
 * command buffers and outputs, against the numbers of AMD's current code
 * (AMDESE/linux-kvm drivers/crypto/ccp/sev-dev-tio.h @ 16f379f5463a,
 * torvalds/linux drivers/crypto/ccp/sev-dev-tio.h @ ec496f77b4c1).  A
 * layout that drifts fails here, whatever the static_assert()s say.
 */
struct t_abi {
	const char *what;
	size_t got;
	size_t want;
};

#define T_SZ(type, n)		{ #type, sizeof(struct type), n }
#define T_OFF(type, f, n)	{ #type "." #f, offsetof(struct type, f), n }

static const struct t_abi t_abi_table[] = {
	T_SZ(sev_tio_buf_hdr, 64),
	T_OFF(sev_tio_buf_hdr, payload_sz, 4),
	T_OFF(sev_tio_buf_hdr, flags, 8),
	T_OFF(sev_tio_buf_hdr, iv, 16),
	T_OFF(sev_tio_buf_hdr, tag, 32),
	T_SZ(sev_tio_obj_hdr, 16),
	T_OFF(sev_tio_obj_hdr, length, 4),
	T_OFF(sev_tio_obj_hdr, ver_minor, 8),
	T_OFF(sev_tio_obj_hdr, ver_major, 9),
	T_OFF(sev_tio_obj_hdr, data_type, 10),
	T_SZ(sev_tio_evidence_hdr, 32),
	T_OFF(sev_tio_evidence_hdr, device_id, 16),
	T_OFF(sev_tio_evidence_hdr, segment_id, 18),
	T_OFF(sev_tio_evidence_hdr, type, 19),
	T_SZ(sev_tio_spdm_ctrl, 32),
	T_OFF(sev_tio_spdm_ctrl, resp, 8),
	T_OFF(sev_tio_spdm_ctrl, scratch, 16),
	T_OFF(sev_tio_spdm_ctrl, output, 24),
	T_SZ(sev_tio_status, 64),
	T_OFF(sev_tio_status, flags, 4),
	T_OFF(sev_tio_status, spdm_req_size_max, 12),
	T_OFF(sev_tio_status, spdm_scratch_size_max, 20),
	T_OFF(sev_tio_status, spdm_out_size_max, 28),
	T_OFF(sev_tio_status, devctx_size, 40),
	T_OFF(sev_tio_status, tdictx_size, 44),
	T_OFF(sev_tio_status, tio_crypto_alg, 48),
	T_SZ(sev_tio_dev_status, 160),
	T_OFF(sev_tio_dev_status, ctx_state, 4),
	T_OFF(sev_tio_dev_status, pending, 6),
	T_OFF(sev_tio_dev_status, certs_slot, 7),
	T_OFF(sev_tio_dev_status, device_id, 8),
	T_OFF(sev_tio_dev_status, segment_id, 10),
	T_OFF(sev_tio_dev_status, tc_mask, 11),
	T_OFF(sev_tio_dev_status, pending_cmd, 12),
	T_OFF(sev_tio_dev_status, pending_if, 16),
	T_OFF(sev_tio_dev_status, meas_flags, 28),
	T_OFF(sev_tio_dev_status, ide_stream_id, 32),
	T_OFF(sev_tio_dev_status, certs_digest, 48),
	T_OFF(sev_tio_dev_status, meas_digest, 96),
	T_OFF(sev_tio_dev_status, tdi_count, 144),
	T_OFF(sev_tio_dev_status, bound_tdi_count, 148),
	T_OFF(sev_tio_dev_status, spdm_algos, 152),
	T_SZ(sev_tio_tdi_status, 16),
	T_OFF(sev_tio_tdi_status, tdisp_state, 4),
	T_SZ(sev_tio_cmd_status, 16),
	T_OFF(sev_tio_cmd_status, status_paddr, 8),
	T_SZ(sev_tio_cmd_init, 16),
	T_SZ(sev_tio_cmd_dev_create, 32),
	T_OFF(sev_tio_cmd_dev_create, dev_ctx, 8),
	T_OFF(sev_tio_cmd_dev_create, device_id, 16),
	T_OFF(sev_tio_cmd_dev_create, root_port_id, 18),
	T_OFF(sev_tio_cmd_dev_create, segment_id, 20),
	T_SZ(sev_tio_cmd_dev_reclaim, 16),
	T_OFF(sev_tio_cmd_dev_reclaim, dev_ctx, 8),
	T_SZ(sev_tio_cmd_dev_connect, 80),
	T_OFF(sev_tio_cmd_dev_connect, spdm, 8),
	T_OFF(sev_tio_cmd_dev_connect, dev_ctx, 48),
	T_OFF(sev_tio_cmd_dev_connect, tc_mask, 56),
	T_OFF(sev_tio_cmd_dev_connect, cert_slot, 57),
	T_OFF(sev_tio_cmd_dev_connect, ide_stream_id, 64),
	T_SZ(sev_tio_cmd_dev_disconnect, 48),
	T_OFF(sev_tio_cmd_dev_disconnect, flags, 4),
	T_OFF(sev_tio_cmd_dev_disconnect, spdm, 8),
	T_OFF(sev_tio_cmd_dev_disconnect, dev_ctx, 40),
	T_SZ(sev_tio_cmd_dev_status, 32),
	T_OFF(sev_tio_cmd_dev_status, dev_ctx, 8),
	T_OFF(sev_tio_cmd_dev_status, status_paddr, 16),
	T_SZ(sev_tio_cmd_dev_meas, 80),
	T_OFF(sev_tio_cmd_dev_meas, flags, 4),
	T_OFF(sev_tio_cmd_dev_meas, spdm, 8),
	T_OFF(sev_tio_cmd_dev_meas, dev_ctx, 40),
	T_OFF(sev_tio_cmd_dev_meas, nonce, 48),
	T_SZ(sev_tio_cmd_dev_certs, 48),
	T_OFF(sev_tio_cmd_dev_certs, spdm, 8),
	T_OFF(sev_tio_cmd_dev_certs, dev_ctx, 40),
	T_SZ(sev_tio_cmd_tdi_create, 48),
	T_OFF(sev_tio_cmd_tdi_create, dev_ctx, 8),
	T_OFF(sev_tio_cmd_tdi_create, tdi_ctx, 16),
	T_OFF(sev_tio_cmd_tdi_create, interface_id, 24),
	T_SZ(sev_tio_cmd_tdi_reclaim, 32),
	T_OFF(sev_tio_cmd_tdi_reclaim, dev_ctx, 8),
	T_OFF(sev_tio_cmd_tdi_reclaim, tdi_ctx, 16),
	T_SZ(sev_tio_cmd_tdi_bind, 80),
	T_OFF(sev_tio_cmd_tdi_bind, spdm, 8),
	T_OFF(sev_tio_cmd_tdi_bind, dev_ctx, 40),
	T_OFF(sev_tio_cmd_tdi_bind, tdi_ctx, 48),
	T_OFF(sev_tio_cmd_tdi_bind, gctx_paddr, 56),
	T_OFF(sev_tio_cmd_tdi_bind, guest_device_id, 64),
	T_OFF(sev_tio_cmd_tdi_bind, lock_flags, 66),
	T_OFF(sev_tio_cmd_tdi_bind, run_flags, 68),
	T_OFF(sev_tio_cmd_tdi_bind, reserved1, 70),
	T_SZ(sev_tio_cmd_tdi, 64),
	T_OFF(sev_tio_cmd_tdi, flags, 4),
	T_OFF(sev_tio_cmd_tdi, spdm, 8),
	T_OFF(sev_tio_cmd_tdi, dev_ctx, 40),
	T_OFF(sev_tio_cmd_tdi, tdi_ctx, 48),
	T_OFF(sev_tio_cmd_tdi, paddr, 56),
	T_SZ(sev_tio_cmd_guest_request, 80),
	T_OFF(sev_tio_cmd_guest_request, spdm, 8),
	T_OFF(sev_tio_cmd_guest_request, dev_ctx, 40),
	T_OFF(sev_tio_cmd_guest_request, tdi_ctx, 48),
	T_OFF(sev_tio_cmd_guest_request, gctx_paddr, 56),
	T_OFF(sev_tio_cmd_guest_request, req_paddr, 64),
	T_OFF(sev_tio_cmd_guest_request, res_paddr, 72),
	T_SZ(sev_tio_cmd_asid_fence_clear, 32),
	T_OFF(sev_tio_cmd_asid_fence_clear, dev_ctx, 8),
	T_OFF(sev_tio_cmd_asid_fence_clear, gctx_paddr, 16),
	T_SZ(sev_tio_cmd_asid_fence_status, 32),
	T_OFF(sev_tio_cmd_asid_fence_status, dev_ctx, 8),
	T_OFF(sev_tio_cmd_asid_fence_status, asid, 16),
	T_OFF(sev_tio_cmd_asid_fence_status, status_paddr, 20),
	T_SZ(sev_tio_cmd_roll_key, 48),
	T_OFF(sev_tio_cmd_roll_key, spdm, 8),
	T_OFF(sev_tio_cmd_roll_key, dev_ctx, 40),
};

static void tio_test_abi_layout(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t_abi_table); i++)
		KUNIT_EXPECT_EQ_MSG(test, t_abi_table[i].got,
				    t_abi_table[i].want, "%s",
				    t_abi_table[i].what);
}

/* Command IDs and the lengths the PSP driver copies */
static void tio_test_abi_cmd_len(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t_cmds); i++)
		KUNIT_EXPECT_EQ_MSG(test, sev_tio_cmd_buffer_len(t_cmds[i].id),
				    (size_t)t_cmds[i].len, "command %#x",
				    t_cmds[i].id);
	/* TDI_DIGEST_REPORT (0xE4) is not issued; 0xD9 does not exist */
	KUNIT_EXPECT_EQ(test, sev_tio_cmd_buffer_len(0x0e4), (size_t)0);
	KUNIT_EXPECT_EQ(test, sev_tio_cmd_buffer_len(0x0d9), (size_t)0);
	KUNIT_EXPECT_EQ(test, SEV_TIO_CMD_ROLL_KEY, 0x0e5);
	KUNIT_EXPECT_EQ(test, SEV_TIO_CMD_ASID_FENCE_CLEAR, 0x0e1);
	KUNIT_EXPECT_EQ(test, SEV_TIO_CMD_ASID_FENCE_STATUS, 0x0e2);
}

static struct kunit_case tio_abi_cases[] = {
	KUNIT_CASE(tio_test_abi_layout),
	KUNIT_CASE(tio_test_abi_cmd_len),
	{}
};

static struct kunit_suite tio_abi_suite = {
	.name = "sev-tio-abi",
	.test_cases = tio_abi_cases,
};

kunit_test_suites(&tio_abi_suite, &tio_cmd_suite, &tio_spdm_suite, &tio_expand_suite,
		  &tio_status_suite, &tio_unwind_suite, &tio_roll_key_suite);
