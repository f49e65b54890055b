// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the kernel's TDISP interface report parser
 * (drivers/pci/tdisp.c, built from the kernel source with kshim/).
 *
 * The input is a report as a TSM would return it.  A report the parser
 * accepts must hold what its kernel-doc promises, checked here again
 * independently; it is then matched against two functions, one with an
 * MSI-X table and PBA in BAR0 and one without MSI-X, and every range
 * placed in a BAR must lie inside it and, if it is a TEE range, away
 * from the MSI-X structures.  A broken promise aborts.
 */
#include <linux/pci.h>
#include <linux/pci-tdisp.h>

#include "fuzz.h"

#define BAR0		0x1fe0000000ull
#define BAR0_SIZE	0x100000ull
#define BAR2		0x1fe0200000ull
#define BAR2_SIZE	0x200000ull
#define MSIX_CAP	0x80
#define MSIX_VECTORS	8
#define PBA_OFF		0x1000

static struct pci_dev fn_msix = {
	.msix_cap = MSIX_CAP,
	.resource = {
		[0] = { BAR0, BAR0 + BAR0_SIZE - 1, IORESOURCE_MEM },
		[2] = { BAR2, BAR2 + BAR2_SIZE - 1, IORESOURCE_MEM },
	},
};

static struct pci_dev fn_plain = {
	.resource = {
		[0] = { BAR0, BAR0 + BAR0_SIZE - 1, IORESOURCE_MEM },
		[1] = { 0xe000, 0xe0ff, IORESOURCE_IO },
		[4] = { BAR2 + 0x1000, BAR2 + 0x1fff, IORESOURCE_MEM },
	},
};

int pci_read_config_word(const struct pci_dev *dev, int where, u16 *val)
{
	FUZZ_CHECK(dev == &fn_msix && where == MSIX_CAP + PCI_MSIX_FLAGS);
	*val = PCI_MSIX_FLAGS_ENABLE | (MSIX_VECTORS - 1);
	return 0;
}

int pci_read_config_dword(const struct pci_dev *dev, int where, u32 *val)
{
	FUZZ_CHECK(dev == &fn_msix);
	if (where == MSIX_CAP + PCI_MSIX_TABLE)
		*val = 0;			/* BAR0, offset 0 */
	else if (where == MSIX_CAP + PCI_MSIX_PBA)
		*val = PBA_OFF;			/* BAR0 */
	else
		FUZZ_CHECK(0);
	return 0;
}

static bool touches(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* What pci_tdisp_report_parse() promises of a report it accepts */
static void check_parsed(const uint8_t *data, size_t size, const struct pci_tdisp_report *r)
{
	unsigned int i, j;

	FUZZ_CHECK(r->nr_ranges <= PCI_TDISP_REPORT_MAX_RANGES);
	FUZZ_CHECK(r->info_len <= PCI_TDISP_REPORT_MAX_INFO);
	FUZZ_CHECK(size == PCI_TDISP_REPORT_HDR + r->nr_ranges * PCI_TDISP_REPORT_RANGE +
		   PCI_TDISP_REPORT_INFO_LEN + r->info_len);
	FUZZ_CHECK(r->msix_ctrl == (data[4] | data[5] << 8));
	for (i = 0; i < r->nr_ranges; i++) {
		const struct pci_tdisp_range *a = &r->ranges[i];

		FUZZ_CHECK(a->nr_pages >= 1);
		FUZZ_CHECK(!(a->attr & ~PCI_TDISP_RANGE_ATTR_MASK));
		/* The last byte's address fits 64 bits */
		FUZZ_CHECK(a->first_page < (1ull << 52) &&
			   a->nr_pages <= (1ull << 52) - a->first_page);
		for (j = 0; j < i; j++) {
			const struct pci_tdisp_range *b = &r->ranges[j];

			FUZZ_CHECK(!touches(a->first_page, a->nr_pages, b->first_page,
					    b->nr_pages));
		}
	}
}

/* What pci_tdisp_report_match() promises of a report that matched */
static void check_placed(const struct pci_dev *dev, const struct pci_tdisp_report *r)
{
	u64 table = BAR0, pba = BAR0 + PBA_OFF;
	unsigned int i;

	for (i = 0; i < r->nr_ranges; i++) {
		const struct pci_tdisp_range *rg = &r->ranges[i];
		const struct resource *bar = &dev->resource[rg->range_id];
		u64 len = (u64)rg->nr_pages << PCI_TDISP_PAGE_SHIFT;

		FUZZ_CHECK(rg->range_id < PCI_STD_NUM_BARS);
		FUZZ_CHECK(bar->flags & IORESOURCE_MEM);
		FUZZ_CHECK(rg->start >= bar->start && len <= resource_size(bar) &&
			   rg->start - bar->start <= resource_size(bar) - len);
		if (!dev->msix_cap)
			continue;
		if (rg->attr & PCI_TDISP_RANGE_MSIX_TABLE)
			FUZZ_CHECK(rg->start <= table &&
				   table + MSIX_VECTORS * PCI_MSIX_ENTRY_SIZE <= rg->start + len);
		if (rg->attr & PCI_TDISP_RANGE_MSIX_PBA)
			FUZZ_CHECK(rg->start <= pba && pba + 8 <= rg->start + len);
		if (!(rg->attr & (PCI_TDISP_RANGE_MSIX_TABLE | PCI_TDISP_RANGE_MSIX_PBA |
				  PCI_TDISP_RANGE_NON_TEE)))
			FUZZ_CHECK(!touches(rg->start, len, table,
					    MSIX_VECTORS * PCI_MSIX_ENTRY_SIZE) &&
				   !touches(rg->start, len, pba, 8));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pci_tdisp_report *r;
	long err;
	int rc;

	r = pci_tdisp_report_parse(data, size);
	if (IS_ERR(r)) {
		err = PTR_ERR(r);
		FUZZ_CHECK(err == -EMSGSIZE || err == -E2BIG || err == -EOVERFLOW ||
			   err == -EINVAL || err == -ENOMEM);
		return 0;
	}
	FUZZ_CHECK(r);
	check_parsed(data, size, r);

	rc = pci_tdisp_report_match(&fn_msix, r);
	FUZZ_CHECK(rc == 0 || rc == -ERANGE || rc == -EINVAL);
	if (!rc)
		check_placed(&fn_msix, r);
	rc = pci_tdisp_report_match(&fn_plain, r);
	FUZZ_CHECK(rc == 0 || rc == -ERANGE || rc == -EINVAL);
	if (!rc)
		check_placed(&fn_plain, r);
	kfree(r);
	return 0;
}
