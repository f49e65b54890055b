// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the state machine of the SEV-TIO guest devsec TSM
 * (drivers/virt/coco/sev-guest/sev-tio-guest.c) with a stubbed
 * guest-to-firmware channel.
 *
 * A fake channel plays hypervisor and firmware for function 01:00.0 of an
 * emulated TEE-IO platform (tsm_emu).  It keeps the TDISP state of the
 * interface, builds its interface report from the function's BARs and
 * MSI-X capability, answers TDI_INFO, MMIO_VALIDATE and SDTE_WRITE, logs
 * every call and misbehaves in the one way a test asks for.  The verbs
 * run through the PCI/TSM sysfs methods, so the core is in the path.
 *
 * Call log: B U R S (SEV_TIO_OP BIND, UNBIND, RUN, STOP), I (TDI_INFO),
 * V+ V- (MMIO_VALIDATE: a TEE range became wholly validated, wholly
 * invalidated; the guest validates a range in powers of two of pages, so
 * one entry may stand for several requests), D+ D- (SDTE_WRITE valid,
 * invalid); "!" marks a call the fake refused, "~" one it was too busy
 * for, "0" an MMIO_VALIDATE answered "nothing changed".
 */

#include <crypto/hash.h>
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/ioport.h>
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/pci-tdisp.h>
#include <linux/pci-tsm.h>
#include <linux/sev-tio-guest.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/tsm.h>
#include <linux/unaligned.h>

#include "tsm-emu.h"
#include "tsm-kunit.h"

/*
 * The guest's view of the devices: in segment 0, as guest messages
 * require, on buses of their own; and a domain outside segment 0
 */
#define GUEST_TEST_BUS		0x80
#define GUEST_TEST_OTHER_DOMAIN	0x10200
#define GUEST_TEST_TDI_ID	0x4200
#define GUEST_TEST_FW_ERR	0x13
#define GUEST_TEST_RANGES	4
#define GUEST_TEST_REPORT_LEN	(PCI_TDISP_REPORT_HDR +			\
				 GUEST_TEST_RANGES * PCI_TDISP_REPORT_RANGE + \
				 PCI_TDISP_REPORT_INFO_LEN)
#define GUEST_TEST_TABLE	(SEV_TIO_BLOB_MAX *			\
				 sizeof(struct sev_tio_blob_entry))
#define GUEST_TEST_MSG_TYPES	32
#define GUEST_TEST_MARKER	"PCI MMIO Encrypted"
/* Largest TEE range of the report, in pages: all of BAR 2 (2 MiB) */
#define GUEST_TEST_MAX_PAGES	512
/* The guest's default vTOM */
#define GUEST_TEST_VTOM		(SZ_1T * 2)

/* How the fake misbehaves */
enum fake_fault {
	F_NONE,
	F_OP,		/* SEV_TIO_OP @op is refused */
	F_MSG_ERR,	/* message @msg fails with @rc */
	F_MSG_STATUS,	/* message @msg is answered with status 1 */
	F_MSG_LEN,	/* message @msg is answered one byte short */
	F_MSG_ID,	/* message @msg is answered for another interface */
	F_STATE,	/* TDI_INFO returns TDISP state @val */
	F_DIGEST,	/* the report in the data area is not the one hashed */
	F_NO_REPORT,	/* the data area has no report */
	F_BAD_TABLE,	/* the report's blob entry points past the area */
	F_FLAGS,	/* the interface is locked without LOCK_MSIX */
	F_REPORT_BAR,	/* a TEE range claims BAR 4, which is not there */
	F_REPORT_COUNT,	/* MMIO_RANGE_COUNT is one more than the ranges */
	F_GROW,		/* the first report request asks for @val bytes */
	F_STALE_DIGEST,	/* TDI_INFO without the report: another digest */
	F_STALE_COUNT,	/* TDI_INFO without the report: fetched again */
	F_BUSY,		/* SEV_TIO_OP @op is too busy @val times */
	F_UNCHANGED,	/* MMIO_VALIDATE @msg: "validated already" */
};

/**
 * struct fake_fault_spec - one way to misbehave
 * @fault: what
 * @op: for %F_OP, the refused operation
 * @msg: for the F_MSG_* faults, the message type
 * @nth: the fault hits the @nth call of that kind (1-based) since it was
 *	 armed, 0 every call
 * @rc: for %F_MSG_ERR, the channel's error
 * @val: for %F_STATE the state, for %F_GROW the size asked for, for
 *	 %F_BUSY how many times
 */
struct fake_fault_spec {
	enum fake_fault fault;
	enum sev_tio_guest_op op;
	u8 msg;
	unsigned int nth;
	int rc;
	u64 val;
};

/**
 * struct fake - the stubbed channel: hypervisor and firmware
 * @test: the running test
 * @pdev: the guest function, 01:00.0
 * @rid: its guest requester ID
 * @sha384: digests of the report
 * @f: the armed fault
 * @nr_op: calls of each operation since the fault was armed
 * @nr_msg: messages of each type since the fault was armed
 * @grown: %F_GROW asked once
 * @bound: BIND done, UNBIND not yet
 * @lost: the firmware dropped the binding behind the guest's back: the
 *	  UNBIND that follows is refused
 * @state: TDISP state of the interface
 * @report_count: reports fetched from the device (one per BIND)
 * @valid: bit i: pages of TEE range i of the report are validated
 * @pages: bit p of row i: page p of TEE range i is validated
 * @nr_pages: validated pages
 * @sdte: the secure DTE is valid
 * @log: the call log
 */
struct fake {
	struct kunit *test;
	struct pci_dev *pdev;
	u32 rid;
	struct crypto_shash *sha384;
	struct fake_fault_spec f;
	unsigned int nr_op[4];
	unsigned int nr_msg[GUEST_TEST_MSG_TYPES];
	bool grown;
	bool bound;
	bool lost;
	u8 state;
	u64 report_count;
	unsigned long valid;
	unsigned long pages[GUEST_TEST_RANGES][BITS_TO_LONGS(GUEST_TEST_MAX_PAGES)];
	unsigned int nr_pages;
	bool sdte;
	char log[256];
};

/**
 * struct guest_test - per test state
 * @emu: the emulated platform
 * @pdev: 01:00.0
 * @fake: the channel
 * @tsm_dev: the devsec TSM, %NULL once unregistered
 * @name: its name and a newline, for the lock and unlock stores
 * @cmd: the function's Command register before the test
 */
struct guest_test {
	struct tsm_emu *emu;
	struct pci_dev *pdev;
	struct fake fake;
	struct tsm_dev *tsm_dev;
	char name[16];
	u16 cmd;
};

static void fake_log(struct fake *fk, const char *what, bool refused)
{
	size_t len = strlen(fk->log);

	snprintf(fk->log + len, sizeof(fk->log) - len, "%s%s ", what,
		 refused ? "!" : "");
}

/* The calls since the last check are @expected; the log starts again */
#define EXPECT_LOG(test, fk, expected)					\
	do {								\
		struct fake *__fk = (fk);				\
									\
		KUNIT_EXPECT_STREQ(test, __fk->log, expected);		\
		__fk->log[0] = '\0';					\
	} while (0)

static void fake_arm(struct fake *fk, const struct fake_fault_spec *f)
{
	fk->f = *f;
	fk->grown = false;
	memset(fk->nr_op, 0, sizeof(fk->nr_op));
	memset(fk->nr_msg, 0, sizeof(fk->nr_msg));
}

static void fake_range(u8 *r, unsigned int i, u64 page, u32 nr, u16 attr,
		       u16 bar)
{
	u8 *p = r + PCI_TDISP_REPORT_HDR + i * PCI_TDISP_REPORT_RANGE;

	put_unaligned_le64(page, p);
	put_unaligned_le32(nr, p + 8);
	put_unaligned_le16(attr, p + 12);
	put_unaligned_le16(bar, p + 14);
}

/*
 * The report of 01:00.0: BAR 0 holds the MSI-X table (page 0) and PBA
 * (page 1), the rest of BAR 0 and all of BAR 2 are TEE ranges 2 and 3.
 */
static void fake_report(struct fake *fk, u8 *r)
{
	struct pci_dev *pdev = fk->pdev;
	u64 b0 = pci_resource_start(pdev, 0) >> PCI_TDISP_PAGE_SHIFT;
	u64 b2 = pci_resource_start(pdev, 2) >> PCI_TDISP_PAGE_SHIFT;
	u32 n0 = pci_resource_len(pdev, 0) >> PCI_TDISP_PAGE_SHIFT;
	u32 n2 = pci_resource_len(pdev, 2) >> PCI_TDISP_PAGE_SHIFT;
	u16 ctrl = 0;

	memset(r, 0, GUEST_TEST_REPORT_LEN);
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	put_unaligned_le16(ctrl, r + 4);
	put_unaligned_le32(GUEST_TEST_RANGES + (fk->f.fault == F_REPORT_COUNT),
			   r + 12);
	fake_range(r, 0, b0, 1, PCI_TDISP_RANGE_MSIX_TABLE, 0);
	fake_range(r, 1, b0 + 1, 1, PCI_TDISP_RANGE_MSIX_PBA, 0);
	fake_range(r, 2, b0 + 2, n0 - 2, 0, 0);
	fake_range(r, 3, b2, n2, 0, fk->f.fault == F_REPORT_BAR ? 4 : 2);
}

static bool fake_hit(struct fake *fk, enum fake_fault fault,
		     unsigned int nr)
{
	return fk->f.fault == fault && (!fk->f.nth || fk->f.nth == nr);
}

static int fake_tio_op(void *priv, u32 rid, enum sev_tio_guest_op op,
		       u64 *tdi_id, u64 *fw_err)
{
	static const char * const names[] = { "B", "U", "R", "S" };
	struct fake *fk = priv;
	struct kunit *test = fk->test;
	bool refuse;

	KUNIT_EXPECT_EQ(test, rid, fk->rid);
	if (op >= ARRAY_SIZE(names)) {
		KUNIT_FAIL(test, "operation %d", op);
		return -EINVAL;
	}
	if (fk->f.fault == F_BUSY && fk->f.op == op &&
	    fk->nr_op[op] < fk->f.val) {
		char what[4];

		fk->nr_op[op]++;
		snprintf(what, sizeof(what), "%s~", names[op]);
		fake_log(fk, what, false);
		*fw_err = SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_BUSY);
		return -EAGAIN;
	}
	refuse = fk->f.op == op && fake_hit(fk, F_OP, ++fk->nr_op[op]);
	if (op == SEV_TIO_OP_UNBIND && fk->lost) {
		fk->lost = false;
		refuse = true;
	}
	fake_log(fk, names[op], refuse);
	if (refuse) {
		*fw_err = GUEST_TEST_FW_ERR;
		return -EIO;
	}
	switch (op) {
	case SEV_TIO_OP_BIND:
		KUNIT_EXPECT_FALSE(test, fk->bound);
		fk->bound = true;
		fk->state = PCI_TSM_TDI_LOCKED;
		fk->report_count++;
		*tdi_id = GUEST_TEST_TDI_ID;
		break;
	case SEV_TIO_OP_UNBIND:
		KUNIT_EXPECT_TRUE(test, fk->bound);
		fk->bound = false;
		fk->state = PCI_TSM_TDI_UNLOCKED;
		break;
	case SEV_TIO_OP_RUN:
		KUNIT_EXPECT_EQ(test, fk->state, PCI_TSM_TDI_LOCKED);
		fk->state = PCI_TSM_TDI_RUN;
		break;
	case SEV_TIO_OP_STOP:
		KUNIT_EXPECT_TRUE(test, fk->bound);
		fk->state = PCI_TSM_TDI_UNLOCKED;
		break;
	}
	return 0;
}

static void fake_blob(u8 *area, unsigned int i, u32 off, u32 len)
{
	struct sev_tio_blob_entry *e = (struct sev_tio_blob_entry *)area + i;

	e->guid = SEV_TIO_REPORT_GUID;
	e->offset = cpu_to_le32(off);
	e->length = cpu_to_le32(len);
}

static int fake_info(struct fake *fk, struct sev_tio_guest_req *req)
{
	struct sev_tio_tdi_info_rsp *rsp = req->rsp;
	const struct sev_tio_tdi_info_req *rq = req->req;
	bool with_report = req->param & SEV_TIO_GUEST_REQ_REPORT;
	struct kunit *test = fk->test;
	u8 report[GUEST_TEST_REPORT_LEN];
	unsigned int nr = fk->nr_msg[req->msg_type];
	size_t need = GUEST_TEST_TABLE + sizeof(report);
	u8 *area = req->data;

	KUNIT_EXPECT_EQ(test, req->req_len, sizeof(*rq));
	KUNIT_EXPECT_EQ(test, le16_to_cpu(rq->guest_device_id),
			fk->rid & 0xffff);
	if (req->rsp_len < sizeof(*rsp)) {
		KUNIT_FAIL(test, "TDI_INFO response buffer of %zu bytes",
			   req->rsp_len);
		return -EINVAL;
	}
	fake_report(fk, report);
	memset(rsp, 0, sizeof(*rsp));
	rsp->guest_device_id = rq->guest_device_id;
	rsp->status = cpu_to_le16(fk->bound ? 0 : 2);
	rsp->lock_flags = cpu_to_le32(fk->f.fault == F_FLAGS ? BIT(4) :
				      BIT(2) | BIT(4));
	if (crypto_shash_tfm_digest(fk->sha384, report, sizeof(report),
				    rsp->report_digest))
		return -EIO;
	rsp->report_count = cpu_to_le64(fk->report_count);
	if (!with_report && fake_hit(fk, F_STALE_DIGEST, nr))
		rsp->report_digest[0] ^= 1;
	if (!with_report && fake_hit(fk, F_STALE_COUNT, nr))
		le64_add_cpu(&rsp->report_count, 1);
	if (req->param & SEV_TIO_GUEST_REQ_STATE)
		req->param_out = fake_hit(fk, F_STATE, nr) ? fk->f.val :
				 fk->state;
	req->rsp_len = sizeof(*rsp);
	if (!with_report)
		return 0;

	if (fk->f.fault == F_GROW && !fk->grown) {
		fk->grown = true;
		need = fk->f.val;
	}
	if (!area || req->data_len < need) {
		req->data_needed = need;
		return -ENOSPC;
	}
	memset(area, 0, GUEST_TEST_TABLE);
	memcpy(area + GUEST_TEST_TABLE, report, sizeof(report));
	if (fk->f.fault == F_DIGEST)
		area[GUEST_TEST_TABLE + 2] ^= 1;	/* reserved byte */
	if (fk->f.fault == F_BAD_TABLE)
		fake_blob(area, 0, req->data_len, 1);
	else if (fk->f.fault != F_NO_REPORT)
		fake_blob(area, 0, GUEST_TEST_TABLE, sizeof(report));
	return 0;
}

/* Pages of TEE range 2 (BAR 0 after the MSI-X pages) or 3 (BAR 2) */
static u32 fake_range_pages(struct fake *fk, int i)
{
	if (i == 2)
		return (pci_resource_len(fk->pdev, 0) >>
			PCI_TDISP_PAGE_SHIFT) - 2;
	return pci_resource_len(fk->pdev, 2) >> PCI_TDISP_PAGE_SHIFT;
}

/*
 * The TEE range (2 or 3) whose pages MMIO_VALIDATE names, with the first
 * page in *@first, or -1.  As AMD's guest does: the base is the guest
 * physical address of the pages, the range offset 0, and RDX the hint
 * naming the same pages.
 */
static int fake_mmio_range(struct fake *fk, struct sev_tio_guest_req *req,
			   u32 *first)
{
	const struct sev_tio_mmio_validate_req *rq = req->req;
	struct pci_dev *pdev = fk->pdev;
	u64 base = le64_to_cpu(rq->subrange_base);
	u32 pages = le32_to_cpu(rq->subrange_pages);
	u16 bar = le16_to_cpu(rq->range_id);
	bool valid = le16_to_cpu(rq->flags) & SEV_TIO_MMIO_VALIDATED;
	struct kunit *test = fk->test;
	u64 start, end;
	int i;

	if (bar == 0) {
		i = 2;
		start = pci_resource_start(pdev, 0) + 2 * PCI_TDISP_PAGE_SIZE;
	} else if (bar == 2) {
		i = 3;
		start = pci_resource_start(pdev, 2);
	} else {
		return -1;
	}
	end = pci_resource_end(pdev, bar) + 1;
	KUNIT_EXPECT_EQ(test, le32_to_cpu(rq->range_offset), 0);
	KUNIT_EXPECT_TRUE(test, is_power_of_2(pages));
	KUNIT_EXPECT_EQ(test, req->param,
			sev_tio_mmio_hint(base, ilog2(pages), bar, valid));
	if (!pages || base < start || base > end ||
	    pages > (end - base) >> PCI_TDISP_PAGE_SHIFT)
		return -1;
	*first = (base - start) >> PCI_TDISP_PAGE_SHIFT;
	return i;
}

static int fake_mmio(struct fake *fk, struct sev_tio_guest_req *req,
		     bool refuse)
{
	const struct sev_tio_mmio_validate_req *rq = req->req;
	struct sev_tio_mmio_validate_rsp *rsp = req->rsp;
	bool valid = le16_to_cpu(rq->flags) & SEV_TIO_MMIO_VALIDATED;
	u32 pages = le32_to_cpu(rq->subrange_pages), first = 0;
	bool unchanged = refuse && fk->f.fault == F_UNCHANGED;
	struct kunit *test = fk->test;
	int i = fake_mmio_range(fk, req, &first);
	unsigned long *map;
	bool was;

	KUNIT_EXPECT_EQ(test, req->req_len, sizeof(*rq));
	if (req->rsp_len < sizeof(*rsp) || i < 0) {
		KUNIT_FAIL(test, "MMIO_VALIDATE: range %d, buffer %zu", i,
			   req->rsp_len);
		return -EINVAL;
	}
	memcpy(rsp, rq, sizeof(*rsp));
	rsp->status = cpu_to_le16(refuse && !unchanged);
	rsp->flags = 0;
	req->rsp_len = sizeof(*rsp);
	if (unchanged)
		fake_log(fk, valid ? "V+0" : "V-0", false);
	else if (refuse)
		fake_log(fk, valid ? "V+" : "V-", true);
	if (refuse)
		return 0;

	map = fk->pages[i];
	was = test_bit(i, &fk->valid);
	/* Validating twice or invalidating what is not would be a leak */
	if (valid) {
		KUNIT_EXPECT_GE(test, find_next_bit(map, first + pages, first),
				first + pages);
		bitmap_set(map, first, pages);
		fk->nr_pages += pages;
	} else {
		KUNIT_EXPECT_GE(test,
				find_next_zero_bit(map, first + pages, first),
				first + pages);
		bitmap_clear(map, first, pages);
		fk->nr_pages -= pages;
	}
	__assign_bit(i, &fk->valid,
		     !bitmap_empty(map, GUEST_TEST_MAX_PAGES));
	if (valid && bitmap_weight(map, GUEST_TEST_MAX_PAGES) ==
		     fake_range_pages(fk, i))
		fake_log(fk, "V+", false);
	else if (!valid && was && !test_bit(i, &fk->valid))
		fake_log(fk, "V-", false);
	rsp->flags = cpu_to_le16(SEV_TIO_MMIO_CHANGED);
	return 0;
}

static int fake_sdte(struct fake *fk, struct sev_tio_guest_req *req,
		     bool refuse)
{
	const struct sev_tio_sdte_write_req *rq = req->req;
	struct sev_tio_sdte_write_rsp *rsp = req->rsp;
	u64 want = SEV_TIO_SDTE_V | SEV_TIO_SDTE_IR | SEV_TIO_SDTE_IW;
	u64 vtom5 = SEV_TIO_SDTE5_VTOM_EN |
		    FIELD_PREP(SEV_TIO_SDTE5_VTOM,
			       GUEST_TEST_VTOM >> SEV_TIO_VTOM_SHIFT);
	bool valid = le64_to_cpu(rq->sdte[0]) & SEV_TIO_SDTE_V;
	struct kunit *test = fk->test;
	unsigned int q;

	fake_log(fk, valid ? "D+" : "D-", refuse);
	KUNIT_EXPECT_EQ(test, req->req_len, sizeof(*rq));
	KUNIT_EXPECT_EQ(test, le64_to_cpu(rq->sdte[0]), valid ? want : 0);
	/* vTOM in the DTE and in RDX (FACTS 6.11), nothing else */
	KUNIT_EXPECT_EQ(test, le64_to_cpu(rq->sdte[5]), valid ? vtom5 : 0);
	KUNIT_EXPECT_EQ(test, req->param,
			valid ? GUEST_TEST_VTOM | SEV_TIO_SDTE_HINT_VALID : 0);
	for (q = 1; q < ARRAY_SIZE(rq->sdte); q++)
		if (q != 5)
			KUNIT_EXPECT_EQ(test, le64_to_cpu(rq->sdte[q]), 0);
	if (req->rsp_len < sizeof(*rsp)) {
		KUNIT_FAIL(test, "SDTE_WRITE buffer %zu", req->rsp_len);
		return -EINVAL;
	}
	rsp->guest_device_id = rq->guest_device_id;
	rsp->status = cpu_to_le16(refuse);
	memset(rsp->rsvd, 0, sizeof(rsp->rsvd));
	req->rsp_len = sizeof(*rsp);
	if (!refuse) {
		KUNIT_EXPECT_NE(test, valid, fk->sdte);
		fk->sdte = valid;
	}
	return 0;
}

static int fake_guest_req(void *priv, u32 rid, struct sev_tio_guest_req *req)
{
	struct fake *fk = priv;
	struct kunit *test = fk->test;
	unsigned int nr;
	bool hit;
	__le16 *id;
	int rc;

	KUNIT_EXPECT_EQ(test, rid, fk->rid);
	if (req->msg_type >= GUEST_TEST_MSG_TYPES || !req->req || !req->rsp) {
		KUNIT_FAIL(test, "message %u", req->msg_type);
		return -EINVAL;
	}
	nr = ++fk->nr_msg[req->msg_type];
	/* A hit of any fault refuses or garbles this message */
	hit = fk->f.msg == req->msg_type && (!fk->f.nth || fk->f.nth == nr) &&
	      fk->f.fault != F_NONE;

	if (hit && fk->f.fault == F_MSG_ERR) {
		switch (req->msg_type) {
		case SEV_TIO_MSG_MMIO_VALIDATE_REQ:
			fake_log(fk, "V", true);
			break;
		case SEV_TIO_MSG_SDTE_WRITE_REQ:
			fake_log(fk, "D", true);
			break;
		default:
			fake_log(fk, "I", true);
		}
		req->fw_err = GUEST_TEST_FW_ERR;
		return fk->f.rc;
	}

	switch (req->msg_type) {
	case SEV_TIO_MSG_TDI_INFO_REQ:
		fake_log(fk, "I", false);
		rc = fake_info(fk, req);
		break;
	case SEV_TIO_MSG_MMIO_VALIDATE_REQ:
		/* Refused or garbled: the firmware did nothing */
		rc = fake_mmio(fk, req, hit);
		break;
	case SEV_TIO_MSG_SDTE_WRITE_REQ:
		rc = fake_sdte(fk, req, hit);
		break;
	default:
		KUNIT_FAIL(test, "message %u", req->msg_type);
		return -EINVAL;
	}
	if (rc || !hit || fk->f.fault == F_UNCHANGED)
		return rc;
	id = req->rsp;
	if (fk->f.fault == F_MSG_STATUS)
		id[1] = cpu_to_le16(1);
	else if (fk->f.fault == F_MSG_LEN)
		req->rsp_len--;
	else if (fk->f.fault == F_MSG_ID)
		le16_add_cpu(&id[0], 1);
	return 0;
}

static const struct sev_tio_guest_ops fake_ops = {
	.tio_op = fake_tio_op,
	.guest_req = fake_guest_req,
};

/* "PCI MMIO Encrypted" resources below the BARs of @pdev */
static int markers(struct pci_dev *pdev)
{
	struct resource *r;
	int bar, n = 0;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		for (r = pdev->resource[bar].child; r; r = r->sibling)
			n += r->name && !strcmp(r->name, GUEST_TEST_MARKER);
	return n;
}

static ssize_t verb(struct kunit *test, const char *name, const char *val)
{
	struct guest_test *gt = test->priv;

	return tsm_kunit_store(test, gt->pdev, name, val);
}

static const char *state(struct kunit *test)
{
	struct guest_test *gt = test->priv;

	return tsm_kunit_show(test, gt->pdev, "state");
}

static void expect_ok(struct kunit *test, const char *name, const char *val)
{
	KUNIT_EXPECT_EQ(test, verb(test, name, val), (ssize_t)strlen(val));
}

/* Nothing of the guest's is left on the fake or the function */
static void expect_released(struct kunit *test)
{
	struct guest_test *gt = test->priv;
	struct fake *fk = &gt->fake;
	u16 cmd;

	KUNIT_EXPECT_FALSE(test, fk->bound);
	KUNIT_EXPECT_EQ(test, fk->state, PCI_TSM_TDI_UNLOCKED);
	KUNIT_EXPECT_EQ(test, fk->valid, 0);
	KUNIT_EXPECT_EQ(test, fk->nr_pages, 0);
	KUNIT_EXPECT_FALSE(test, fk->sdte);
	KUNIT_EXPECT_EQ(test, markers(gt->pdev), 0);
	KUNIT_EXPECT_NULL(test, gt->pdev->tsm);
	pci_read_config_word(gt->pdev, PCI_COMMAND, &cmd);
	KUNIT_EXPECT_EQ(test, cmd & PCI_COMMAND_MEMORY,
			gt->cmd & PCI_COMMAND_MEMORY);
}

/* What accept gave is withdrawn; the interface stays locked */
static void expect_untrusted(struct kunit *test)
{
	struct guest_test *gt = test->priv;

	KUNIT_EXPECT_EQ(test, gt->fake.valid, 0);
	KUNIT_EXPECT_EQ(test, gt->fake.nr_pages, 0);
	KUNIT_EXPECT_FALSE(test, gt->fake.sdte);
	KUNIT_EXPECT_EQ(test, markers(gt->pdev), 0);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, gt->pdev, "accept"),
			   "0\n");
}

static void lock_ok(struct kunit *test)
{
	struct guest_test *gt = test->priv;

	expect_ok(test, "lock", gt->name);
	EXPECT_LOG(test, &gt->fake, "B I ");
	KUNIT_EXPECT_STREQ(test, state(test), "locked\n");
	EXPECT_LOG(test, &gt->fake, "I ");
}

static void accept_ok(struct kunit *test)
{
	struct guest_test *gt = test->priv;

	expect_ok(test, "accept", "1");
	EXPECT_LOG(test, &gt->fake, "I R I D+ V+ V+ ");
	KUNIT_EXPECT_EQ(test, gt->fake.state, PCI_TSM_TDI_RUN);
	KUNIT_EXPECT_EQ(test, gt->fake.valid, BIT(2) | BIT(3));
	KUNIT_EXPECT_EQ(test, gt->fake.nr_pages,
			fake_range_pages(&gt->fake, 2) +
			fake_range_pages(&gt->fake, 3));
	KUNIT_EXPECT_TRUE(test, gt->fake.sdte);
	KUNIT_EXPECT_EQ(test, markers(gt->pdev), 2);
	KUNIT_EXPECT_STREQ(test, tsm_kunit_show(test, gt->pdev, "accept"),
			   "1\n");
}

/* lock, accept, state, unlock, and lock again for the unregistration */
static void guest_flow(struct kunit *test)
{
	struct guest_test *gt = test->priv;
	struct fake *fk = &gt->fake;

	KUNIT_EXPECT_STREQ(test, state(test), "unlocked\n");
	KUNIT_EXPECT_EQ(test, verb(test, "accept", "1"), -EINVAL);
	EXPECT_LOG(test, fk, "");

	lock_ok(test);
	KUNIT_EXPECT_TRUE(test, fk->bound);
	KUNIT_EXPECT_EQ(test, markers(gt->pdev), 0);
	accept_ok(test);
	KUNIT_EXPECT_STREQ(test, state(test), "run\n");
	EXPECT_LOG(test, fk, "I ");
	/* A second accept does not reach the channel */
	KUNIT_EXPECT_EQ(test, verb(test, "accept", "1"), -EBUSY);
	EXPECT_LOG(test, fk, "");
	KUNIT_EXPECT_EQ(test, markers(gt->pdev), 2);

	expect_ok(test, "unlock", gt->name);
	EXPECT_LOG(test, fk, "V- V- D- S U ");
	expect_released(test);
	KUNIT_EXPECT_STREQ(test, state(test), "unlocked\n");

	/* The TSM going away unlocks what it locked */
	lock_ok(test);
	accept_ok(test);
	sev_tio_guest_unregister(gt->tsm_dev);
	gt->tsm_dev = NULL;
	EXPECT_LOG(test, fk, "V- V- D- S U ");
	expect_released(test);
}

/**
 * struct fault_case - a misbehaving channel and what the guest does
 * @name: description
 * @f: the fault
 * @rc: errno of the verb, 0 if it succeeds anyway
 * @log: the calls of the verb
 * @unlock_log: for accept faults, the calls of the unlock that follows
 */
struct fault_case {
	const char *name;
	struct fake_fault_spec f;
	int rc;
	const char *log;
	const char *unlock_log;
};

#define TDI_INFO	SEV_TIO_MSG_TDI_INFO_REQ
#define MMIO_VAL	SEV_TIO_MSG_MMIO_VALIDATE_REQ
#define SDTE_WR		SEV_TIO_MSG_SDTE_WRITE_REQ

static const struct fault_case lock_cases[] = {
	{ "BIND refused", { F_OP, .op = SEV_TIO_OP_BIND }, -EIO, "B! " },
	{ "TDI_INFO refused", { F_MSG_ERR, .msg = TDI_INFO, .rc = -EIO },
	  -EIO, "B I! U " },
	{ "TDI_INFO does not authenticate",
	  { F_MSG_ERR, .msg = TDI_INFO, .rc = -EBADMSG }, -EBADMSG,
	  "B I! U " },
	{ "interface not bound to the guest",
	  { F_MSG_STATUS, .msg = TDI_INFO }, -ENODEV, "B I U " },
	{ "short TDI_INFO response", { F_MSG_LEN, .msg = TDI_INFO }, -EPROTO,
	  "B I U " },
	{ "TDI_INFO of another interface", { F_MSG_ID, .msg = TDI_INFO },
	  -EPROTO, "B I U " },
	{ "TDISP state out of range", { F_STATE, .msg = TDI_INFO, .val = 4 },
	  -EPROTO, "B I U " },
	{ "TDISP state unlocked", { F_STATE, .msg = TDI_INFO, .val = 0 },
	  -EIO, "B I U " },
	{ "TDISP state error", { F_STATE, .msg = TDI_INFO, .val = 3 },
	  -EIO, "B I U " },
	{ "locked without LOCK_MSIX", { F_FLAGS }, -EPROTO, "B I U " },
	{ "report not the one hashed", { F_DIGEST }, -EKEYREJECTED,
	  "B I U " },
	{ "no report in the data area", { F_NO_REPORT }, -ENODEV, "B I U " },
	{ "report blob past the data area", { F_BAD_TABLE }, -EPROTO,
	  "B I U " },
	{ "TEE range in a missing BAR", { F_REPORT_BAR }, -ERANGE,
	  "B I U " },
	{ "range count beyond the report", { F_REPORT_COUNT }, -EMSGSIZE,
	  "B I U " },
	{ "data area regrown once", { F_GROW, .val = SZ_64K }, 0, "B I I " },
	{ "hypervisor busy twice on BIND",
	  { F_BUSY, .op = SEV_TIO_OP_BIND, .val = 2 }, 0, "B~ B~ B I " },
	{ "data area beyond 1 MiB", { F_GROW, .val = SZ_2M }, -ENOSPC,
	  "B I U " },
};

static const struct fault_case accept_cases[] = {
	{ "report digest changed", { F_STALE_DIGEST, .msg = TDI_INFO },
	  -ESTALE, "I ", "S U " },
	{ "report fetched again", { F_STALE_COUNT, .msg = TDI_INFO },
	  -ESTALE, "I ", "S U " },
	{ "TDI_INFO refused", { F_MSG_ERR, .msg = TDI_INFO, .rc = -EIO },
	  -EIO, "I! ", "S U " },
	{ "interface in TDISP error",
	  { F_STATE, .msg = TDI_INFO, .nth = 1, .val = 3 }, -EIO, "I ",
	  "S U " },
	{ "RUN refused", { F_OP, .op = SEV_TIO_OP_RUN }, -EIO, "I R! ",
	  "S U " },
	{ "hypervisor busy on RUN",
	  { F_BUSY, .op = SEV_TIO_OP_RUN, .val = 1 }, 0,
	  "I R~ R I D+ V+ V+ ", "V- V- D- S U " },
	{ "state after RUN not RUN",
	  { F_STATE, .msg = TDI_INFO, .nth = 2, .val = 1 }, -EIO,
	  "I R I S ", "U " },
	{ "state query after RUN fails",
	  { F_MSG_ERR, .msg = TDI_INFO, .nth = 2, .rc = -EBADMSG }, -EBADMSG,
	  "I R I! S ", "U " },
	{ "SDTE_WRITE refused", { F_MSG_STATUS, .msg = SDTE_WR }, -EIO,
	  "I R I D+! S ", "U " },
	{ "SDTE_WRITE of another interface", { F_MSG_ID, .msg = SDTE_WR },
	  -EPROTO, "I R I D+! S ", "U " },
	{ "first MMIO_VALIDATE refused",
	  { F_MSG_STATUS, .msg = MMIO_VAL, .nth = 1 }, -EIO,
	  "I R I D+ V+! D- S ", "U " },
	{ "MMIO_VALIDATE refused part-way through a range",
	  { F_MSG_STATUS, .msg = MMIO_VAL, .nth = 2 }, -EIO,
	  "I R I D+ V+! V- D- S ", "U " },
	{ "MMIO_VALIDATE of the second range refused",
	  { F_MSG_STATUS, .msg = MMIO_VAL, .nth = 8 }, -EIO,
	  "I R I D+ V+ V+! V- D- S ", "U " },
	{ "MMIO_VALIDATE does not authenticate",
	  { F_MSG_ERR, .msg = MMIO_VAL, .nth = 8, .rc = -EBADMSG }, -EBADMSG,
	  "I R I D+ V+ V! V- D- S ", "U " },
	{ "MMIO pages validated already",
	  { F_UNCHANGED, .msg = MMIO_VAL, .nth = 1 }, -EIO,
	  "I R I D+ V+0 D- S ", "U " },
	{ "MMIO pages validated already, part-way",
	  { F_UNCHANGED, .msg = MMIO_VAL, .nth = 3 }, -EIO,
	  "I R I D+ V+0 V- D- S ", "U " },
	{ "short MMIO_VALIDATE response",
	  { F_MSG_LEN, .msg = MMIO_VAL, .nth = 1 }, -EPROTO,
	  "I R I D+ V+! D- S ", "U " },
};

static void fault_case_desc(const struct fault_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lock_fault, lock_cases, fault_case_desc);
KUNIT_ARRAY_PARAM(accept_fault, accept_cases, fault_case_desc);

/* lock fails with the right errno and leaves nothing behind */
static void guest_lock_fault(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct guest_test *gt = test->priv;
	struct fake *fk = &gt->fake;
	ssize_t rc;

	fake_arm(fk, &c->f);
	rc = verb(test, "lock", gt->name);
	EXPECT_LOG(test, fk, c->log);
	fake_arm(fk, &(struct fake_fault_spec){ F_NONE });
	if (c->rc) {
		KUNIT_EXPECT_EQ(test, rc, (ssize_t)c->rc);
		expect_released(test);
		KUNIT_EXPECT_STREQ(test, state(test), "unlocked\n");
		/* and a lock that works after it */
		lock_ok(test);
	} else {
		KUNIT_EXPECT_EQ(test, rc, (ssize_t)strlen(gt->name));
		KUNIT_EXPECT_STREQ(test, state(test), "locked\n");
		EXPECT_LOG(test, fk, "I ");
	}
	accept_ok(test);
	expect_ok(test, "unlock", gt->name);
	EXPECT_LOG(test, fk, "V- V- D- S U ");
	expect_released(test);
}

/* accept fails with the right errno; nothing it did stays */
static void guest_accept_fault(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct guest_test *gt = test->priv;
	struct fake *fk = &gt->fake;

	lock_ok(test);
	fake_arm(fk, &c->f);
	KUNIT_EXPECT_EQ(test, verb(test, "accept", "1"),
			c->rc ? (ssize_t)c->rc : 1);
	EXPECT_LOG(test, fk, c->log);
	fake_arm(fk, &(struct fake_fault_spec){ F_NONE });
	if (!c->rc) {
		/* The fault was overcome: the interface runs */
		KUNIT_EXPECT_EQ(test, fk->state, PCI_TSM_TDI_RUN);
		KUNIT_EXPECT_TRUE(test, fk->sdte);
		KUNIT_EXPECT_EQ(test, fk->valid, BIT(2) | BIT(3));
		KUNIT_EXPECT_EQ(test, markers(gt->pdev), 2);
	} else {
		expect_untrusted(test);
	}
	if (!strcmp(c->unlock_log, "U ")) {
		/* The interface was stopped: only unlock is left */
		KUNIT_EXPECT_EQ(test, fk->state, PCI_TSM_TDI_UNLOCKED);
		KUNIT_EXPECT_EQ(test, verb(test, "accept", "1"), -EIO);
		KUNIT_EXPECT_STREQ(test, state(test), "error\n");
		EXPECT_LOG(test, fk, "");
	}
	expect_ok(test, "unlock", gt->name);
	EXPECT_LOG(test, fk, c->unlock_log);
	expect_released(test);
}

/* The interface leaves RUN behind the guest's back */
static void guest_state_change(struct kunit *test)
{
	static const u8 states[] = { PCI_TSM_TDI_ERROR, PCI_TSM_TDI_UNLOCKED,
				     PCI_TSM_TDI_LOCKED };
	struct guest_test *gt = test->priv;
	struct fake *fk = &gt->fake;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(states); i++) {
		lock_ok(test);
		accept_ok(test);
		fk->state = states[i];
		KUNIT_EXPECT_STREQ(test, state(test), "error\n");
		EXPECT_LOG(test, fk, "I V- V- D- ");
		expect_untrusted(test);
		/* It stays in error for the guest, without asking again */
		KUNIT_EXPECT_EQ(test, verb(test, "accept", "1"), -EIO);
		KUNIT_EXPECT_STREQ(test, state(test), "error\n");
		EXPECT_LOG(test, fk, "");
		expect_ok(test, "unlock", gt->name);
		EXPECT_LOG(test, fk, "S U ");
		expect_released(test);
	}
}

/*
 * The host lost its session with the device: the firmware no longer has
 * the interface bound to the guest, whatever the host says
 */
static void guest_binding_lost(struct kunit *test)
{
	struct guest_test *gt = test->priv;
	struct fake *fk = &gt->fake;

	lock_ok(test);
	accept_ok(test);
	fk->bound = false;
	fk->lost = true;
	fk->state = PCI_TSM_TDI_UNLOCKED;
	KUNIT_EXPECT_STREQ(test, state(test), "error\n");
	EXPECT_LOG(test, fk, "I V- V- D- ");
	expect_untrusted(test);
	/* Only unlock is left, without asking again */
	KUNIT_EXPECT_EQ(test, verb(test, "accept", "1"), -EIO);
	KUNIT_EXPECT_STREQ(test, state(test), "error\n");
	EXPECT_LOG(test, fk, "");
	/* No STOP of an interface the firmware does not hold for the guest */
	expect_ok(test, "unlock", gt->name);
	EXPECT_LOG(test, fk, "U! ");
	expect_released(test);
}

static int no_op(void *priv, u32 rid, enum sev_tio_guest_op op, u64 *tdi_id,
		 u64 *fw_err)
{
	return -EIO;
}

/*
 * A device outside segment 0: guest messages (version 1) cannot name it,
 * so lock refuses it before asking the hypervisor anything
 */
static void guest_segment(struct kunit *test)
{
	struct guest_test *gt = test->priv;
	struct tsm_emu_config cfg;
	struct tsm_emu_fn *fn;
	struct pci_dev *pdev;
	struct tsm_emu *emu;

	KUNIT_EXPECT_EQ(test, pci_domain_nr(gt->pdev->bus), 0);
	tsm_emu_default_config(&cfg, GUEST_TEST_OTHER_DOMAIN);
	emu = tsm_emu_create(&cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, emu);
	fn = tsm_emu_endpoint(emu, 0, 0);
	pdev = fn ? tsm_emu_fn_get_pci_dev(fn) : NULL;
	if (pdev) {
		KUNIT_EXPECT_EQ(test, tsm_kunit_store(test, pdev, "lock",
						      gt->name),
				(ssize_t)-EOPNOTSUPP);
		KUNIT_EXPECT_NULL(test, pdev->tsm);
		pci_dev_put(pdev);
	} else {
		KUNIT_FAIL(test, "no endpoint in domain %x",
			   GUEST_TEST_OTHER_DOMAIN);
	}
	EXPECT_LOG(test, &gt->fake, "");
	tsm_emu_destroy(emu);
}

/* Registration: one channel at a time, and only a complete one */
static void guest_register(struct kunit *test)
{
	static const struct sev_tio_guest_ops half = { .tio_op = no_op };
	struct guest_test *gt = test->priv;

	KUNIT_EXPECT_PTR_EQ(test, sev_tio_guest_register(NULL, NULL, NULL),
			    ERR_PTR(-EINVAL));
	KUNIT_EXPECT_PTR_EQ(test, sev_tio_guest_register(NULL, &half, NULL),
			    ERR_PTR(-EINVAL));
	KUNIT_EXPECT_PTR_EQ(test,
			    sev_tio_guest_register(NULL, &fake_ops, &gt->fake),
			    ERR_PTR(-EBUSY));
	KUNIT_EXPECT_TRUE(test, is_devsec_tsm(gt->tsm_dev));
	EXPECT_LOG(test, &gt->fake, "");
}

static int guest_test_init(struct kunit *test)
{
	struct tsm_emu_config cfg;
	struct guest_test *gt;
	struct tsm_emu_fn *fn;
	struct fake *fk;

	gt = kunit_kzalloc(test, sizeof(*gt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gt);
	test->priv = gt;
	fk = &gt->fake;
	fk->test = test;

	tsm_emu_default_config(&cfg, 0);
	cfg.bus_base = GUEST_TEST_BUS;
	gt->emu = tsm_emu_create(&cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, gt->emu);
	fn = tsm_emu_endpoint(gt->emu, 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, fn);
	gt->pdev = tsm_emu_fn_get_pci_dev(fn);
	KUNIT_ASSERT_NOT_NULL(test, gt->pdev);
	KUNIT_ASSERT_NE(test, gt->pdev->msix_cap, 0);
	fk->pdev = gt->pdev;
	fk->rid = pci_domain_nr(gt->pdev->bus) << 16 | pci_dev_id(gt->pdev);
	pci_read_config_word(gt->pdev, PCI_COMMAND, &gt->cmd);

	fk->sha384 = crypto_alloc_shash("sha384", 0, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fk->sha384);

	gt->tsm_dev = sev_tio_guest_register(NULL, &fake_ops, fk);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, gt->tsm_dev);
	snprintf(gt->name, sizeof(gt->name), "%s\n", tsm_name(gt->tsm_dev));
	return 0;
}

static void guest_test_exit(struct kunit *test)
{
	struct guest_test *gt = test->priv;

	if (!gt)
		return;
	/* Unlocks what a failed test left, through the fake */
	if (gt->tsm_dev)
		sev_tio_guest_unregister(gt->tsm_dev);
	if (!IS_ERR_OR_NULL(gt->fake.sha384))
		crypto_free_shash(gt->fake.sha384);
	pci_dev_put(gt->pdev);
	tsm_emu_destroy(gt->emu);
}

static struct kunit_case guest_test_cases[] = {
	KUNIT_CASE(guest_register),
	KUNIT_CASE(guest_segment),
	KUNIT_CASE(guest_flow),
	KUNIT_CASE_PARAM(guest_lock_fault, lock_fault_gen_params),
	KUNIT_CASE_PARAM(guest_accept_fault, accept_fault_gen_params),
	KUNIT_CASE(guest_state_change),
	KUNIT_CASE(guest_binding_lost),
	{}
};

static struct kunit_suite guest_test_suite = {
	.name = "sev_tio_guest_flow",
	.init = guest_test_init,
	.exit = guest_test_exit,
	.test_cases = guest_test_cases,
};

kunit_test_suite(guest_test_suite);
