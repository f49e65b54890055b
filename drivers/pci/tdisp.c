// SPDX-License-Identifier: GPL-2.0
/*
 * TDISP interface reports (PCIe TDISP DEVICE_INTERFACE_REPORT).
 *
 * A devsec TSM gets the report of a locked interface from its TSM and,
 * before it accepts the interface, must know that the report describes
 * the function the guest is about to trust: the report travels through
 * the untrusted host, and the guest will treat every TEE range of it as
 * private memory of the device.  The checks are split in two:
 *
 * - pci_tdisp_report_parse() checks the layout of the report and its
 *   ranges on their own (sizes, counts, page arithmetic, attributes,
 *   overlaps) and returns a decoded copy;
 * - pci_tdisp_report_resolve() places every range in the BAR its range ID
 *   names, as the Linux TDISP consumers do: the lowest FIRST_4K_PAGE of a
 *   range ID is the start of the BAR, and checks the MSI-X table and PBA
 *   ranges against where the function has them;
 *   pci_tdisp_report_match() does it for a struct pci_dev.
 *
 * Nothing here trusts a byte of the report before checking it.
 */
#define pr_fmt(fmt) "PCI/TDISP: " fmt

#include <linux/errno.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/pci-tdisp.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

/* Highest page number + 1 whose address still fits 64 bits */
#define PCI_TDISP_PAGE_LIMIT	BIT_ULL(64 - PCI_TDISP_PAGE_SHIFT)

static bool pci_tdisp_range_bad(const struct pci_tdisp_range *rg)
{
	return !rg->nr_pages || (rg->attr & ~PCI_TDISP_RANGE_ATTR_MASK);
}

static bool pci_tdisp_ranges_overlap(const struct pci_tdisp_range *a,
				     const struct pci_tdisp_range *b)
{
	/* Both end below PCI_TDISP_PAGE_LIMIT: no overflow */
	return a->first_page < b->first_page + b->nr_pages &&
	       b->first_page < a->first_page + a->nr_pages;
}

/**
 * pci_tdisp_report_parse() - decode and check a TDISP interface report
 * @buf: the report as the TSM returned it
 * @len: its size in bytes
 *
 * The report must be exactly the size its MMIO_RANGE_COUNT and
 * DEVICE_SPECIFIC_INFO_LEN make it, carry at most
 * %PCI_TDISP_REPORT_MAX_RANGES ranges and %PCI_TDISP_REPORT_MAX_INFO bytes
 * of device information, and every range must hold at least one page,
 * end below the 64-bit address limit, use no reserved attribute and not
 * overlap another range.  A range may be flagged both MSI-X table and
 * PBA: the two may share a page.
 *
 * Context: process context, may sleep.
 * Return: the decoded report, to be freed with kfree(); ERR_PTR(-EMSGSIZE)
 * if the report is truncated or its size does not match its contents,
 * -E2BIG if it has too many ranges or too much device information,
 * -EOVERFLOW if a range ends beyond the address space, -EINVAL if a range
 * is empty, has a reserved attribute or overlaps another, -ENOMEM.
 */
struct pci_tdisp_report *pci_tdisp_report_parse(const void *buf, size_t len)
{
	const size_t hdr = PCI_TDISP_REPORT_HDR, rsz = PCI_TDISP_REPORT_RANGE;
	struct pci_tdisp_report *r;
	const u8 *p = buf;
	u32 n, info, i, j;
	size_t need;
	int rc;

	if (!buf || len < hdr + PCI_TDISP_REPORT_INFO_LEN)
		return ERR_PTR(-EMSGSIZE);
	n = get_unaligned_le32(p + 12);
	if (n > PCI_TDISP_REPORT_MAX_RANGES)
		return ERR_PTR(-E2BIG);
	/* At most 16 + 64 * 16 + 4: no overflow */
	need = hdr + n * rsz + PCI_TDISP_REPORT_INFO_LEN;
	if (len < need)
		return ERR_PTR(-EMSGSIZE);
	info = get_unaligned_le32(p + need - PCI_TDISP_REPORT_INFO_LEN);
	if (info > PCI_TDISP_REPORT_MAX_INFO)
		return ERR_PTR(-E2BIG);
	if (len != need + info)
		return ERR_PTR(-EMSGSIZE);

	r = kzalloc(struct_size(r, ranges, n), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->nr_ranges = n;
	r->interface_info = get_unaligned_le16(p);
	r->msix_ctrl = get_unaligned_le16(p + 4);
	r->lnr_ctrl = get_unaligned_le16(p + 6);
	r->tph_ctrl = get_unaligned_le32(p + 8);
	r->info_len = info;

	for (i = 0; i < n; i++) {
		const u8 *q = p + hdr + i * rsz;
		struct pci_tdisp_range *rg = &r->ranges[i];

		rg->first_page = get_unaligned_le64(q);
		rg->nr_pages = get_unaligned_le32(q + 8);
		rg->attr = get_unaligned_le16(q + 12);
		rg->range_id = get_unaligned_le16(q + 14);
		if (pci_tdisp_range_bad(rg)) {
			rc = -EINVAL;
			goto err;
		}
		if (rg->first_page >= PCI_TDISP_PAGE_LIMIT ||
		    rg->nr_pages > PCI_TDISP_PAGE_LIMIT - rg->first_page) {
			rc = -EOVERFLOW;
			goto err;
		}
		for (j = 0; j < i; j++) {
			if (pci_tdisp_ranges_overlap(rg, &r->ranges[j])) {
				rc = -EINVAL;
				goto err;
			}
		}
	}
	return r;

err:
	kfree(r);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_GPL(pci_tdisp_report_parse);

/* Does [off, off + len) of a BAR contain [at, at + size)? */
static bool pci_tdisp_covers(u64 off, u64 len, u64 at, u64 size)
{
	return at >= off && size <= len && at - off <= len - size;
}

static bool pci_tdisp_touches(u64 off, u64 len, u64 at, u64 size)
{
	return at < off + len && off < at + size;
}

/**
 * pci_tdisp_report_resolve() - place the ranges of a report in BARs
 * @r: report from pci_tdisp_report_parse(); the @start of each range is
 *	set on success
 * @bars: the function's BARs, as in &pci_dev.resource
 * @nr_bars: entries of @bars, at most %PCI_STD_NUM_BARS
 * @msix: where the function has its MSI-X table and PBA
 * @why: if not %NULL, on error: the offending range and the reason
 *
 * Every range must name a memory BAR that is 4 KiB aligned and holds it:
 * the lowest FIRST_4K_PAGE of a range ID is the start of that BAR.  A
 * range flagged MSI-X table (PBA) must contain the function's whole MSI-X
 * table (PBA) in the right BAR, and a TEE range must not touch either of
 * them; the report's MSI-X table size must be the function's.
 *
 * Context: any.
 * Return: 0, or -ERANGE if a range names no memory BAR or lies outside
 * it, -EINVAL if a BAR is not aligned, the MSI-X table or PBA range is not
 * where the function has them, a TEE range touches them, the MSI-X table
 * sizes differ, or @nr_bars is too large.  The @start fields are
 * undefined after an error.
 */
int pci_tdisp_report_resolve(struct pci_tdisp_report *r,
			     const struct resource *bars, unsigned int nr_bars,
			     const struct pci_tdisp_msix *msix,
			     struct pci_tdisp_mismatch *why)
{
	struct pci_tdisp_mismatch dummy;
	u16 qsize = (msix->ctrl & PCI_MSIX_FLAGS_QSIZE) + 1;
	u64 table_sz = qsize * PCI_MSIX_ENTRY_SIZE;
	u64 pba_sz = DIV_ROUND_UP(qsize, 64) * sizeof(u64);
	u64 lowest[PCI_STD_NUM_BARS];
	unsigned int i;

	if (!why)
		why = &dummy;
	why->range = -1;
	if (WARN_ON(nr_bars > PCI_STD_NUM_BARS)) {
		why->why = "too many BARs";
		return -EINVAL;
	}
	if (msix->table_bar >= 0 &&
	    (r->msix_ctrl & PCI_MSIX_FLAGS_QSIZE) != (msix->ctrl & PCI_MSIX_FLAGS_QSIZE)) {
		why->why = "MSI-X table size differs from the device's";
		return -EINVAL;
	}

	for (i = 0; i < nr_bars; i++)
		lowest[i] = U64_MAX;
	for (i = 0; i < r->nr_ranges; i++) {
		const struct pci_tdisp_range *rg = &r->ranges[i];

		if (rg->range_id >= nr_bars) {
			*why = (struct pci_tdisp_mismatch){ i, "range ID is not a BAR" };
			return -ERANGE;
		}
		lowest[rg->range_id] = min(lowest[rg->range_id], rg->first_page);
	}

	for (i = 0; i < r->nr_ranges; i++) {
		struct pci_tdisp_range *rg = &r->ranges[i];
		const struct resource *bar = &bars[rg->range_id];
		u64 size = resource_size(bar), off, len;
		int id = rg->range_id;

		why->range = i;
		if (!(bar->flags & IORESOURCE_MEM) || !bar->start || !size) {
			why->why = "its BAR is not an assigned memory BAR";
			return -ERANGE;
		}
		if (!IS_ALIGNED(bar->start, PCI_TDISP_PAGE_SIZE)) {
			why->why = "its BAR is not 4 KiB aligned";
			return -EINVAL;
		}
		/* Both below 2^52 pages from the start of the BAR: checked */
		if (rg->first_page - lowest[id] >= size >> PCI_TDISP_PAGE_SHIFT) {
			why->why = "it starts beyond its BAR";
			return -ERANGE;
		}
		off = (rg->first_page - lowest[id]) << PCI_TDISP_PAGE_SHIFT;
		len = (u64)rg->nr_pages << PCI_TDISP_PAGE_SHIFT;
		if (len > size - off) {
			why->why = "it ends beyond its BAR";
			return -ERANGE;
		}

		if ((rg->attr & PCI_TDISP_RANGE_MSIX_TABLE) &&
		    (msix->table_bar != id ||
		     !pci_tdisp_covers(off, len, msix->table_off, table_sz))) {
			why->why = "it is not where the device has its MSI-X table";
			return -EINVAL;
		}
		if ((rg->attr & PCI_TDISP_RANGE_MSIX_PBA) &&
		    (msix->pba_bar != id ||
		     !pci_tdisp_covers(off, len, msix->pba_off, pba_sz))) {
			why->why = "it is not where the device has its MSI-X PBA";
			return -EINVAL;
		}
		if (!(rg->attr & (PCI_TDISP_RANGE_MSIX_TABLE |
				  PCI_TDISP_RANGE_MSIX_PBA |
				  PCI_TDISP_RANGE_NON_TEE))) {
			if ((msix->table_bar == id &&
			     pci_tdisp_touches(off, len, msix->table_off, table_sz)) ||
			    (msix->pba_bar == id &&
			     pci_tdisp_touches(off, len, msix->pba_off, pba_sz))) {
				why->why = "a TEE range covers the MSI-X table or PBA";
				return -EINVAL;
			}
		}
		rg->start = bar->start + off;
	}
	*why = (struct pci_tdisp_mismatch){ -1, NULL };
	return 0;
}
EXPORT_SYMBOL_GPL(pci_tdisp_report_resolve);

/**
 * pci_tdisp_report_match() - check a report against a function
 * @pdev: the function the report is about
 * @r: report from pci_tdisp_report_parse()
 *
 * pci_tdisp_report_resolve() with the BARs and MSI-X capability of
 * @pdev; a mismatch is reported in the kernel log with its reason.
 *
 * Context: process context.
 * Return: 0 or an error of pci_tdisp_report_resolve().
 */
int pci_tdisp_report_match(struct pci_dev *pdev, struct pci_tdisp_report *r)
{
	struct pci_tdisp_msix msix = { .table_bar = -1, .pba_bar = -1 };
	struct pci_tdisp_mismatch why;
	int rc;

	if (pdev->msix_cap) {
		u32 table, pba;

		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &msix.ctrl);
		pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE,
				      &table);
		pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_PBA, &pba);
		msix.table_bar = table & PCI_MSIX_TABLE_BIR;
		msix.table_off = table & PCI_MSIX_TABLE_OFFSET;
		msix.pba_bar = pba & PCI_MSIX_PBA_BIR;
		msix.pba_off = pba & PCI_MSIX_PBA_OFFSET;
	}
	rc = pci_tdisp_report_resolve(r, pdev->resource, PCI_STD_NUM_BARS,
				      &msix, &why);
	if (rc && why.range >= 0)
		pci_err(pdev, "TDISP interface report does not match the device: range %d: %s\n",
			why.range, why.why);
	else if (rc)
		pci_err(pdev, "TDISP interface report does not match the device: %s\n",
			why.why);
	return rc;
}
EXPORT_SYMBOL_GPL(pci_tdisp_report_match);
