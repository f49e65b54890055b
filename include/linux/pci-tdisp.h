/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TDISP (PCIe TEE Device Interface Security Protocol) interface reports:
 * parsing and validation against the function they describe, for the
 * devsec (guest side) TSM backends.  See drivers/pci/tdisp.c.
 */
#ifndef __PCI_TDISP_H
#define __PCI_TDISP_H

#include <linux/bits.h>
#include <linux/ioport.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct pci_dev;

/* Bytes before the first MMIO range, size of one range, of the info length */
#define PCI_TDISP_REPORT_HDR		16
#define PCI_TDISP_REPORT_RANGE		16
#define PCI_TDISP_REPORT_INFO_LEN	4
/* Most MMIO ranges a report may carry */
#define PCI_TDISP_REPORT_MAX_RANGES	64
/* Most device specific information bytes a report may carry */
#define PCI_TDISP_REPORT_MAX_INFO	SZ_64K

/* RANGE_ATTRIBUTES of an MMIO range */
#define PCI_TDISP_RANGE_MSIX_TABLE	BIT(0)
#define PCI_TDISP_RANGE_MSIX_PBA	BIT(1)
#define PCI_TDISP_RANGE_NON_TEE		BIT(2)
#define PCI_TDISP_RANGE_UPDATABLE	BIT(3)
#define PCI_TDISP_RANGE_ATTR_MASK	GENMASK(3, 0)

/* TDISP 4 KiB pages, whatever PAGE_SIZE is */
#define PCI_TDISP_PAGE_SHIFT		12
#define PCI_TDISP_PAGE_SIZE		BIT_ULL(PCI_TDISP_PAGE_SHIFT)

/**
 * struct pci_tdisp_range - one MMIO range of an interface report
 * @first_page: FIRST_4K_PAGE as reported: a 4 KiB page number, offset by
 *	the MMIO_REPORTING_OFFSET of the lock
 * @nr_pages: NUMBER_OF_4K_PAGES, not 0
 * @attr: RANGE_ATTRIBUTES, %PCI_TDISP_RANGE_*
 * @range_id: RANGE_ID: the index of the BAR the range is in
 * @start: set by pci_tdisp_report_match(): CPU physical address of the
 *	range inside its BAR
 */
struct pci_tdisp_range {
	u64 first_page;
	u32 nr_pages;
	u16 attr;
	u16 range_id;
	resource_size_t start;
};

/**
 * struct pci_tdisp_report - a parsed TDISP DEVICE_INTERFACE_REPORT
 * @interface_info: INTERFACE_INFO
 * @msix_ctrl: MSI-X Message Control of the interface
 * @lnr_ctrl: LNR Control
 * @tph_ctrl: TPH Control
 * @info_len: DEVICE_SPECIFIC_INFO_LEN (the information itself is not kept)
 * @nr_ranges: entries of @ranges
 * @ranges: the MMIO ranges, in report order
 */
struct pci_tdisp_report {
	u16 interface_info;
	u16 msix_ctrl;
	u16 lnr_ctrl;
	u32 tph_ctrl;
	u32 info_len;
	u32 nr_ranges;
	struct pci_tdisp_range ranges[] __counted_by(nr_ranges);
};

/**
 * struct pci_tdisp_msix - where a function's MSI-X structures are
 * @ctrl: MSI-X Message Control register
 * @table_bar: BAR of the MSI-X table, -1 without MSI-X
 * @table_off: offset of the table in @table_bar
 * @pba_bar: BAR of the Pending Bit Array, -1 without MSI-X
 * @pba_off: offset of the PBA in @pba_bar
 */
struct pci_tdisp_msix {
	u16 ctrl;
	int table_bar;
	u64 table_off;
	int pba_bar;
	u64 pba_off;
};

/**
 * struct pci_tdisp_mismatch - why a report does not match a function
 * @range: index of the offending range, -1 if the report as a whole
 * @why: the reason, a static string
 */
struct pci_tdisp_mismatch {
	int range;
	const char *why;
};

struct pci_tdisp_report *pci_tdisp_report_parse(const void *buf, size_t len);
int pci_tdisp_report_match(struct pci_dev *pdev, struct pci_tdisp_report *r);
int pci_tdisp_report_resolve(struct pci_tdisp_report *r,
			     const struct resource *bars, unsigned int nr_bars,
			     const struct pci_tdisp_msix *msix,
			     struct pci_tdisp_mismatch *why);

#endif /* __PCI_TDISP_H */
