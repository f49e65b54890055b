// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated TEE-IO PCIe platform: configuration space images, write
 * semantics (write masks, RW1C, resets) and IDE stream state.
 *
 * Everything here runs with &tsm_emu.lock held (or before the function is
 * visible to the PCI core) and must not sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/bitops.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "emu-priv.h"

#define TSM_EMU_CLASS_ACCEL	(PCI_CLASS_ACCELERATOR_PROCESSING << 8)
#define TSM_EMU_CLASS_RP	(PCI_CLASS_BRIDGE_PCI_NORMAL)

#define TSM_EMU_BAR0_SIZE	SZ_1M
#define TSM_EMU_BAR2_SIZE	SZ_2M
#define TSM_EMU_MSIX_VECTORS	8
#define TSM_EMU_MSIX_PBA	0x1000

/* Writable fields of IDE Link and Selective Stream Control */
#define TSM_EMU_IDE_CTL_WMASK	(PCI_IDE_SEL_CTL_EN | PCI_IDE_SEL_CTL_ALG | \
				 PCI_IDE_SEL_CTL_TC | PCI_IDE_SEL_CTL_ID)

static u32 tsm_emu_size_mask(unsigned int where, unsigned int size)
{
	u32 mask = size == 4 ? ~0U : GENMASK(size * 8 - 1, 0);

	return mask << (8 * (where & 3));
}

/* Define a register: reset value, writable bits and RW1C bits */
static void tsm_emu_reg(struct tsm_emu_fn *fn, unsigned int where,
			unsigned int size, u32 val, u32 wmask, u32 w1c)
{
	unsigned int reg = where / 4, shift = 8 * (where & 3);
	u32 m = tsm_emu_size_mask(where, size);

	fn->cfg[reg] = (fn->cfg[reg] & ~m) | ((val << shift) & m);
	fn->wmask[reg] = (fn->wmask[reg] & ~m) | ((wmask << shift) & m);
	fn->w1c[reg] = (fn->w1c[reg] & ~m) | ((w1c << shift) & m);
}

static void tsm_emu_ro(struct tsm_emu_fn *fn, unsigned int where,
		       unsigned int size, u32 val)
{
	tsm_emu_reg(fn, where, size, val, 0, 0);
}

static void tsm_emu_ext_hdr(struct tsm_emu_fn *fn, u16 off, u16 id, u8 ver,
			    u16 next)
{
	tsm_emu_ro(fn, off, 4, id | ver << 16 | (u32)next << 20);
}

/**
 * tsm_emu_ide_size() - size of an IDE extended capability
 * @nr_link: Link IDE Stream blocks
 * @nr_sel: Selective IDE Stream blocks
 * @nr_assoc: Address Association blocks per selective block
 *
 * Return: size in bytes.
 */
unsigned int tsm_emu_ide_size(unsigned int nr_link, unsigned int nr_sel,
			      unsigned int nr_assoc)
{
	return PCI_IDE_LINK_STREAM_0 + nr_link * PCI_IDE_LINK_BLOCK_SIZE +
	       nr_sel * PCI_IDE_SEL_BLOCK_SIZE(nr_assoc);
}

static unsigned int tsm_emu_sel_off(struct tsm_emu_fn *fn, unsigned int i)
{
	return fn->ide_off + tsm_emu_ide_size(fn->nr_link, i, fn->nr_assoc);
}

static void tsm_emu_build_common(struct tsm_emu_fn *fn, u16 device, u32 class,
				 u8 hdr_type)
{
	tsm_emu_ro(fn, PCI_VENDOR_ID, 2, TSM_EMU_VENDOR_ID);
	tsm_emu_ro(fn, PCI_DEVICE_ID, 2, device);
	tsm_emu_reg(fn, PCI_COMMAND, 2, 0,
		    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		    PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
		    PCI_COMMAND_INTX_DISABLE, 0);
	tsm_emu_reg(fn, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0,
		    PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
		    PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
		    PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
	tsm_emu_ro(fn, PCI_CLASS_REVISION, 4, class << 8 | 0x01);
	tsm_emu_reg(fn, PCI_CACHE_LINE_SIZE, 1, 0, 0xff, 0);
	tsm_emu_ro(fn, PCI_HEADER_TYPE, 1, hdr_type);
	tsm_emu_reg(fn, PCI_INTERRUPT_LINE, 1, 0, 0xff, 0);
	/* Interrupt Pin 0: no INTx, so nobody routes a legacy interrupt */
	tsm_emu_ro(fn, PCI_CAPABILITY_LIST, 1, TSM_EMU_PCIE_OFF);
}

static void tsm_emu_build_pcie(struct tsm_emu_fn *fn, bool rp, u16 next)
{
	u16 p = TSM_EMU_PCIE_OFF;
	u32 devcap, lnkcap, lnksta;

	tsm_emu_ro(fn, p, 2, PCI_CAP_ID_EXP | next << 8);
	tsm_emu_ro(fn, p + PCI_EXP_FLAGS, 2,
		   2 | (rp ? PCI_EXP_TYPE_ROOT_PORT : PCI_EXP_TYPE_ENDPOINT) << 4);

	devcap = FIELD_PREP(PCI_EXP_DEVCAP_PAYLOAD, 1) | PCI_EXP_DEVCAP_EXT_TAG |
		 PCI_EXP_DEVCAP_RBER;
	if (!rp)
		devcap |= PCI_EXP_DEVCAP_FLR;
	if (fn->flags & TSM_EMU_FN_TEE)
		devcap |= PCI_EXP_DEVCAP_TEE;
	tsm_emu_ro(fn, p + PCI_EXP_DEVCAP, 4, devcap);
	/*
	 * Bit 15 is Initiate FLR on an endpoint: it has a side effect and
	 * always reads 0.
	 */
	tsm_emu_reg(fn, p + PCI_EXP_DEVCTL, 2,
		    PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
		    FIELD_PREP(PCI_EXP_DEVCTL_READRQ, 2), 0x7fff, 0);
	tsm_emu_reg(fn, p + PCI_EXP_DEVSTA, 2, 0, 0,
		    PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
		    PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);

	/* 32 GT/s x16; the Port Number of a root port is its index */
	lnkcap = FIELD_PREP(PCI_EXP_LNKCAP_SLS, PCI_EXP_LNKCAP_SLS_32_0GB) |
		 FIELD_PREP(PCI_EXP_LNKCAP_MLW, 16);
	lnksta = FIELD_PREP(PCI_EXP_LNKSTA_CLS, PCI_EXP_LNKSTA_CLS_32_0GB) |
		 FIELD_PREP(PCI_EXP_LNKSTA_NLW, 16);
	if (rp) {
		lnkcap |= PCI_EXP_LNKCAP_DLLLARC |
			  FIELD_PREP(PCI_EXP_LNKCAP_PN, fn->port);
		lnksta |= PCI_EXP_LNKSTA_DLLLA;
	}
	tsm_emu_ro(fn, p + PCI_EXP_LNKCAP, 4, lnkcap);
	tsm_emu_reg(fn, p + PCI_EXP_LNKCTL, 2, 0,
		    PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_CCC |
		    PCI_EXP_LNKCTL_ES | PCI_EXP_LNKCTL_CLKREQ_EN |
		    PCI_EXP_LNKCTL_HAWD | PCI_EXP_LNKCTL_LBMIE |
		    PCI_EXP_LNKCTL_LABIE |
		    (rp ? PCI_EXP_LNKCTL_LD : PCI_EXP_LNKCTL_RCB), 0);
	tsm_emu_reg(fn, p + PCI_EXP_LNKSTA, 2, lnksta, 0,
		    rp ? PCI_EXP_LNKSTA_LBMS | PCI_EXP_LNKSTA_LABS : 0);

	if (rp) {
		tsm_emu_reg(fn, p + PCI_EXP_RTCTL, 2, 0,
			    PCI_EXP_RTCTL_SECEE | PCI_EXP_RTCTL_SENFEE |
			    PCI_EXP_RTCTL_SEFEE | PCI_EXP_RTCTL_PMEIE |
			    PCI_EXP_RTCTL_RRS_SVE, 0);
		tsm_emu_reg(fn, p + PCI_EXP_RTSTA, 4, 0, 0,
			    PCI_EXP_RTSTA_PME);
	}

	tsm_emu_ro(fn, p + PCI_EXP_LNKCAP2, 4,
		   PCI_EXP_LNKCAP2_SLS_2_5GB | PCI_EXP_LNKCAP2_SLS_5_0GB |
		   PCI_EXP_LNKCAP2_SLS_8_0GB | PCI_EXP_LNKCAP2_SLS_16_0GB |
		   PCI_EXP_LNKCAP2_SLS_32_0GB);
	tsm_emu_reg(fn, p + PCI_EXP_LNKCTL2, 2, PCI_EXP_LNKCTL2_TLS_32_0GT,
		    0xffff, 0);
}

static void tsm_emu_build_bar64(struct tsm_emu_fn *fn, unsigned int bar,
				u32 size, bool pref)
{
	u32 flags = PCI_BASE_ADDRESS_MEM_TYPE_64;

	if (pref)
		flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	tsm_emu_reg(fn, PCI_BASE_ADDRESS_0 + bar * 4, 4, flags, ~(size - 1), 0);
	tsm_emu_reg(fn, PCI_BASE_ADDRESS_0 + bar * 4 + 4, 4, 0, ~0U, 0);
}

static void tsm_emu_build_msix(struct tsm_emu_fn *fn, u16 next)
{
	u16 p = TSM_EMU_MSIX_OFF;

	tsm_emu_ro(fn, p, 2, PCI_CAP_ID_MSIX | next << 8);
	tsm_emu_reg(fn, p + PCI_MSIX_FLAGS, 2, TSM_EMU_MSIX_VECTORS - 1,
		    PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0);
	/* Table at BAR0 + 0, PBA at BAR0 + 0x1000 */
	tsm_emu_ro(fn, p + PCI_MSIX_TABLE, 4, 0);
	tsm_emu_ro(fn, p + PCI_MSIX_PBA, 4, TSM_EMU_MSIX_PBA);
}

/*
 * Power Management: D0 and D3hot only, No_Soft_Reset clear, so that a
 * D3hot to D0 transition resets the function (PCI PM 1.2, 5.4.1); the
 * PCI core's "pm" reset method relies on it.
 */
#define TSM_EMU_PM_D0		0	/* PowerState encodings */
#define TSM_EMU_PM_D3HOT	3

static void tsm_emu_build_pm(struct tsm_emu_fn *fn)
{
	u16 p = TSM_EMU_PM_OFF;

	tsm_emu_ro(fn, p, 2, PCI_CAP_ID_PM);
	tsm_emu_ro(fn, p + PCI_PM_PMC, 2, FIELD_PREP(PCI_PM_CAP_VER_MASK, 3));
	tsm_emu_reg(fn, p + PCI_PM_CTRL, 2, 0, PCI_PM_CTRL_STATE_MASK, 0);
}

static void tsm_emu_build_dev3(struct tsm_emu_fn *fn, u16 off, u16 next)
{
	tsm_emu_ext_hdr(fn, off, PCI_EXT_CAP_ID_DEV3, 1, next);
	tsm_emu_ro(fn, off + PCI_DEV3_STA, 4,
		   fn->emu->cfg.segment_captured ? PCI_DEV3_STA_SEGMENT : 0);
}

static void tsm_emu_build_doe(struct tsm_emu_fn *fn, u16 off, u16 next)
{
	/* Version 2: Linux sends Discovery Version 2 */
	tsm_emu_ext_hdr(fn, off, PCI_EXT_CAP_ID_DOE, 2, next);
	/*
	 * Interrupt Support, on message number 0: DOE Interrupt Enable is
	 * writable and DOE Interrupt Status write-1-to-clear
	 */
	if (fn->emu->cfg.doe_irq) {
		tsm_emu_ro(fn, off + PCI_DOE_CAP, 4, PCI_DOE_CAP_INT_SUP);
		tsm_emu_reg(fn, off + PCI_DOE_CTRL, 4, 0, PCI_DOE_CTRL_INT_EN, 0);
		tsm_emu_reg(fn, off + PCI_DOE_STATUS, 4, 0, 0,
			    PCI_DOE_STATUS_INT_STATUS);
	}
	/* Control, Status, mailboxes: side effects only */
}

static void tsm_emu_build_ide(struct tsm_emu_fn *fn, u16 off)
{
	u32 cap, ctl_wmask = TSM_EMU_IDE_CTL_WMASK;
	unsigned int i, k;

	cap = PCI_IDE_CAP_SELECTIVE | PCI_IDE_CAP_IDE_KM |
	      PCI_IDE_CAP_SEL_CFG | PCI_IDE_CAP_TEE_LIMITED |
	      FIELD_PREP(PCI_IDE_CAP_ALG, PCI_IDE_CAP_ALG_AES_GCM_256) |
	      FIELD_PREP(PCI_IDE_CAP_SEL_NUM, fn->nr_sel - 1);
	if (fn->nr_link)
		cap |= PCI_IDE_CAP_LINK |
		       FIELD_PREP(PCI_IDE_CAP_LINK_TC_NUM, fn->nr_link - 1);

	fn->ide_off = off;
	tsm_emu_ext_hdr(fn, off, PCI_EXT_CAP_ID_IDE, 1, 0);
	tsm_emu_ro(fn, off + PCI_IDE_CAP, 4, cap);
	/* No Flow-Through IDE: IDE Control is read-only zero */

	for (i = 0; i < fn->nr_link; i++) {
		u16 b = off + PCI_IDE_LINK_STREAM_0 + i * PCI_IDE_LINK_BLOCK_SIZE;

		tsm_emu_reg(fn, b + PCI_IDE_LINK_CTL_0, 4, 0, ctl_wmask, 0);
		tsm_emu_reg(fn, b + PCI_IDE_LINK_STS_0, 4, 0, 0,
			    PCI_IDE_LINK_STS_IDE_FAIL);
	}

	ctl_wmask |= PCI_IDE_SEL_CTL_CFG_EN | PCI_IDE_SEL_CTL_DEFAULT |
		     PCI_IDE_SEL_CTL_TEE_LIMITED;
	for (i = 0; i < fn->nr_sel; i++) {
		u16 b = tsm_emu_sel_off(fn, i);

		tsm_emu_ro(fn, b + PCI_IDE_SEL_CAP, 4,
			   FIELD_PREP(PCI_IDE_SEL_CAP_ASSOC_NUM, fn->nr_assoc));
		tsm_emu_reg(fn, b + PCI_IDE_SEL_CTL, 4, 0, ctl_wmask, 0);
		tsm_emu_reg(fn, b + PCI_IDE_SEL_STS, 4, 0, 0,
			    PCI_IDE_SEL_STS_IDE_FAIL);
		tsm_emu_reg(fn, b + PCI_IDE_SEL_RID_1, 4, 0,
			    PCI_IDE_SEL_RID_1_LIMIT, 0);
		tsm_emu_reg(fn, b + PCI_IDE_SEL_RID_2, 4, 0,
			    PCI_IDE_SEL_RID_2_VALID | PCI_IDE_SEL_RID_2_BASE |
			    PCI_IDE_SEL_RID_2_SEG, 0);
		for (k = 0; k < fn->nr_assoc; k++) {
			tsm_emu_reg(fn, b + PCI_IDE_SEL_ADDR_1(k), 4, 0,
				    PCI_IDE_SEL_ADDR_1_VALID |
				    PCI_IDE_SEL_ADDR_1_BASE_LOW |
				    PCI_IDE_SEL_ADDR_1_LIMIT_LOW, 0);
			tsm_emu_reg(fn, b + PCI_IDE_SEL_ADDR_2(k), 4, 0, ~0U, 0);
			tsm_emu_reg(fn, b + PCI_IDE_SEL_ADDR_3(k), 4, 0, ~0U, 0);
		}
	}
}

static void tsm_emu_build_rp(struct tsm_emu_fn *fn)
{
	u8 sec = fn->emu->cfg.bus_base + fn->port + 1;
	u16 ext = TSM_EMU_EXT_OFF;

	tsm_emu_build_common(fn, TSM_EMU_DEVICE_ID_RP, TSM_EMU_CLASS_RP,
			     PCI_HEADER_TYPE_BRIDGE);
	/* Bus numbers as firmware would have programmed them */
	tsm_emu_reg(fn, PCI_PRIMARY_BUS, 4,
		    fn->emu->cfg.bus_base | sec << 8 | sec << 16, 0x00ffffff, 0);
	/* No I/O window: I/O Base/Limit stay read-only zero */
	tsm_emu_reg(fn, PCI_SEC_STATUS, 2, 0, 0,
		    PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
		    PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
		    PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
	/* Windows start disabled (base > limit) */
	tsm_emu_reg(fn, PCI_MEMORY_BASE, 4, 0x0000fff0, 0xfff0fff0, 0);
	tsm_emu_reg(fn, PCI_PREF_MEMORY_BASE, 4,
		    0x0000fff0 | PCI_PREF_RANGE_TYPE_64 |
		    PCI_PREF_RANGE_TYPE_64 << 16, 0xfff0fff0, 0);
	tsm_emu_reg(fn, PCI_PREF_BASE_UPPER32, 4, 0, ~0U, 0);
	tsm_emu_reg(fn, PCI_PREF_LIMIT_UPPER32, 4, 0, ~0U, 0);
	tsm_emu_reg(fn, PCI_BRIDGE_CONTROL, 2, 0,
		    PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR |
		    PCI_BRIDGE_CTL_MASTER_ABORT | PCI_BRIDGE_CTL_BUS_RESET, 0);

	tsm_emu_build_pcie(fn, true, 0);
	tsm_emu_build_dev3(fn, ext, ext + TSM_EMU_DEV3_SIZE);
	tsm_emu_build_ide(fn, ext + TSM_EMU_DEV3_SIZE);
}

static void tsm_emu_build_ep(struct tsm_emu_fn *fn, enum tsm_emu_ep_kind kind)
{
	u8 hdr = PCI_HEADER_TYPE_NORMAL;
	u16 device, ext = TSM_EMU_EXT_OFF;

	if (!(fn->flags & TSM_EMU_FN_TEE))
		device = TSM_EMU_DEVICE_ID_PLAIN;
	else if (PCI_FUNC(fn->devfn))
		device = TSM_EMU_DEVICE_ID_DSM_FN;
	else
		device = TSM_EMU_DEVICE_ID_DSM;
	if (kind == TSM_EMU_EP_DSM_MFD)
		hdr |= PCI_HEADER_TYPE_MFD;

	tsm_emu_build_common(fn, device, TSM_EMU_CLASS_ACCEL, hdr);
	tsm_emu_build_bar64(fn, 0, TSM_EMU_BAR0_SIZE, false);
	tsm_emu_build_bar64(fn, 2, TSM_EMU_BAR2_SIZE, true);
	tsm_emu_ro(fn, PCI_SUBSYSTEM_VENDOR_ID, 2, TSM_EMU_VENDOR_ID);
	tsm_emu_ro(fn, PCI_SUBSYSTEM_ID, 2, device);
	tsm_emu_build_pcie(fn, false, TSM_EMU_MSIX_OFF);
	tsm_emu_build_msix(fn, TSM_EMU_PM_OFF);
	tsm_emu_build_pm(fn);

	if (fn->flags & TSM_EMU_FN_DOE) {
		fn->doe_off = ext;
		tsm_emu_build_doe(fn, ext, ext + PCI_DOE_CAP_SIZEOF);
		ext += PCI_DOE_CAP_SIZEOF;
	}
	if (fn->flags & TSM_EMU_FN_IDE) {
		tsm_emu_build_dev3(fn, ext, ext + TSM_EMU_DEV3_SIZE);
		tsm_emu_build_ide(fn, ext + TSM_EMU_DEV3_SIZE);
	} else {
		tsm_emu_build_dev3(fn, ext, 0);
	}
}

/**
 * tsm_emu_fn_build() - build the configuration space of a function
 * @fn: function with emu, port, devfn, flags and IDE geometry set
 * @kind: kind of the endpoint device (ignored for root ports)
 */
void tsm_emu_fn_build(struct tsm_emu_fn *fn, enum tsm_emu_ep_kind kind)
{
	if (fn->flags & TSM_EMU_FN_ROOT_PORT)
		tsm_emu_build_rp(fn);
	else
		tsm_emu_build_ep(fn, kind);
	memcpy(fn->init, fn->cfg, sizeof(fn->init));
}

static bool tsm_emu_key_go(const struct tsm_emu_ide_keys *k, unsigned int ks,
			   enum tsm_emu_ide_dir dir)
{
	return k->go & BIT(2 * ks + dir);
}

/* Does traffic of Stream ID @id sent by @from pass at @to? */
static bool tsm_emu_passes(const struct tsm_emu_fn *from,
			   const struct tsm_emu_fn *to, u8 id)
{
	const struct tsm_emu_ide_keys *t = &from->keys[id], *r = &to->keys[id];

	return tsm_emu_key_go(t, t->tx, TSM_EMU_IDE_TX) &&
	       tsm_emu_key_go(r, t->tx, TSM_EMU_IDE_RX) &&
	       t->tag[t->tx][TSM_EMU_IDE_TX] == r->tag[t->tx][TSM_EMU_IDE_RX];
}

static bool tsm_emu_keys_ok(struct tsm_emu_fn *fn, u32 ctl)
{
	u8 id = FIELD_GET(PCI_IDE_SEL_CTL_ID, ctl);

	return fn->partner && tsm_emu_passes(fn, fn->partner, id) &&
	       tsm_emu_passes(fn->partner, fn, id);
}

/*
 * A Secure block whose traffic stops passing has failed (as on an
 * integrity check failure, without the IDE Fail Message): Insecure until
 * it is armed again.
 */
static bool tsm_emu_ide_state(struct tsm_emu_fn *fn, u16 ctl, u16 sts,
			      bool armed, bool failed)
{
	u32 c = fn->cfg[ctl / 4], *s = &fn->cfg[sts / 4];
	u32 state = PCI_IDE_SEL_STS_STATE_INSECURE;
	bool was = FIELD_GET(PCI_IDE_SEL_STS_STATE, *s) ==
		   PCI_IDE_SEL_STS_STATE_SECURE;

	if (armed && (c & PCI_IDE_SEL_CTL_EN) && !failed) {
		if (tsm_emu_keys_ok(fn, c)) {
			state = PCI_IDE_SEL_STS_STATE_SECURE;
		} else if (was) {
			failed = true;
			fn->refused++;
		}
	}
	*s = (*s & ~PCI_IDE_SEL_STS_STATE) | state;
	return failed;
}

/**
 * tsm_emu_ide_eval() - recompute the IDE stream states of a function
 * @fn: function (no-op without IDE)
 *
 * Called with &tsm_emu.lock held after anything the state depends on
 * changed: Control registers, keys of @fn or of its partner, resets.
 */
void tsm_emu_ide_eval(struct tsm_emu_fn *fn)
{
	unsigned int i;
	u16 b;

	if (!fn || !fn->ide_off)
		return;
	for (i = 0; i < fn->nr_link; i++) {
		b = fn->ide_off + PCI_IDE_LINK_STREAM_0 +
		    i * PCI_IDE_LINK_BLOCK_SIZE;
		if (tsm_emu_ide_state(fn, b + PCI_IDE_LINK_CTL_0,
				      b + PCI_IDE_LINK_STS_0,
				      test_bit(i, &fn->link_armed),
				      test_bit(i, &fn->link_failed)))
			__set_bit(i, &fn->link_failed);
	}
	for (i = 0; i < fn->nr_sel; i++) {
		b = tsm_emu_sel_off(fn, i);
		if (tsm_emu_ide_state(fn, b + PCI_IDE_SEL_CTL,
				      b + PCI_IDE_SEL_STS,
				      fn->sel_armed & BIT_ULL(i),
				      fn->sel_failed & BIT_ULL(i)))
			fn->sel_failed |= BIT_ULL(i);
	}
}

/* Enable written 0->1 arms a block; clearing it or a new Stream ID disarms */
static bool tsm_emu_ide_arm(u32 old, u32 new, bool armed)
{
	if (!(new & PCI_IDE_SEL_CTL_EN))
		return false;
	if (!(old & PCI_IDE_SEL_CTL_EN))
		return true;
	if ((old ^ new) & PCI_IDE_SEL_CTL_ID)
		return false;
	return armed;
}

static void tsm_emu_ide_write(struct tsm_emu_fn *fn, unsigned int where,
			      u32 old)
{
	u32 new = fn->cfg[where / 4];
	unsigned int rel = where - fn->ide_off, i;
	unsigned int link_end = PCI_IDE_LINK_STREAM_0 +
				fn->nr_link * PCI_IDE_LINK_BLOCK_SIZE;
	unsigned int sel_size = PCI_IDE_SEL_BLOCK_SIZE(fn->nr_assoc);

	if (rel < PCI_IDE_LINK_STREAM_0)
		return;
	if (rel < link_end) {
		rel -= PCI_IDE_LINK_STREAM_0;
		if (rel % PCI_IDE_LINK_BLOCK_SIZE != PCI_IDE_LINK_CTL_0)
			return;
		i = rel / PCI_IDE_LINK_BLOCK_SIZE;
		if (tsm_emu_ide_arm(old, new, test_bit(i, &fn->link_armed))) {
			if (!test_bit(i, &fn->link_armed))
				__clear_bit(i, &fn->link_failed);
			__set_bit(i, &fn->link_armed);
		} else {
			__clear_bit(i, &fn->link_armed);
		}
	} else {
		rel -= link_end;
		if (rel % sel_size != PCI_IDE_SEL_CTL)
			return;
		i = rel / sel_size;
		if (i >= fn->nr_sel)
			return;
		if (tsm_emu_ide_arm(old, new, fn->sel_armed & BIT_ULL(i))) {
			if (!(fn->sel_armed & BIT_ULL(i)))
				fn->sel_failed &= ~BIT_ULL(i);
			fn->sel_armed |= BIT_ULL(i);
		} else {
			fn->sel_armed &= ~BIT_ULL(i);
		}
	}
	tsm_emu_ide_eval(fn);
}

/**
 * tsm_emu_fn_reset() - reset a function to its initial state
 * @fn: function
 * @type: Function Level Reset or a conventional reset (from the bridge
 *	above, or of a D3hot to D0 transition)
 *
 * Configuration space back to the initial image, keys dropped, mailbox
 * aborted; then the notifier learns of it, so that a device model can
 * drop what the function held too (SPDM session, IDE_KM keys, TDISP
 * state).  Called with &tsm_emu.lock held.
 */
void tsm_emu_fn_reset(struct tsm_emu_fn *fn, enum tsm_emu_reset_type type)
{
	struct tsm_emu *emu = fn->emu;

	memcpy(fn->cfg, fn->init, sizeof(fn->cfg));
	memset(fn->keys, 0, sizeof(fn->keys));
	fn->link_armed = 0;
	fn->sel_armed = 0;
	fn->link_failed = 0;
	fn->sel_failed = 0;
	if (fn->doe)
		tsm_emu_doe_reset(fn->doe);
	tsm_emu_ide_eval(fn);
	tsm_emu_ide_eval(fn->partner);
	if (emu->notifier && emu->notifier->reset)
		emu->notifier->reset(fn, emu->notifier_data, type);
}

/**
 * tsm_emu_fn_set_power() - turn the main power of a function off or on
 * @fn: endpoint function
 * @on: power on
 *
 * Power off loses everything the function holds at once: a conventional
 * reset (configuration space back to its initial image, IDE keys and the
 * mailbox dropped, the notifier tells the device model, which ends the
 * SPDM session and resets the TDISP state), and the link goes down, so
 * the stream at the root port reads Insecure.  Until power comes back,
 * configuration reads return all ones and writes are dropped.  Power on
 * is a conventional reset again (the device model learns of it too) and
 * counts a power cycle.  Called with &tsm_emu.lock held.
 */
void tsm_emu_fn_set_power(struct tsm_emu_fn *fn, bool on)
{
	lockdep_assert_held(&fn->emu->lock);
	if (on == !fn->powered_off)
		return;
	if (!on) {
		tsm_emu_fn_reset(fn, TSM_EMU_RESET_CONVENTIONAL);
		fn->powered_off = true;
		return;
	}
	fn->powered_off = false;
	fn->power_cycles++;
	tsm_emu_fn_reset(fn, TSM_EMU_RESET_CONVENTIONAL);
}

static void tsm_emu_secondary_reset(struct tsm_emu_fn *rp)
{
	struct tsm_emu *emu = rp->emu;
	unsigned int f;

	for (f = 0; f < TSM_EMU_MAX_FUNCS; f++)
		if (emu->ep[rp->port][f])
			tsm_emu_fn_reset(emu->ep[rp->port][f],
					 TSM_EMU_RESET_CONVENTIONAL);
}

static void __tsm_emu_fn_write(struct tsm_emu_fn *fn, unsigned int reg,
			       u32 val, u32 bytes)
{
	unsigned int where = reg * 4;
	u32 old = fn->cfg[reg], wm = fn->wmask[reg] & bytes;
	u32 new;

	new = (old & ~wm) | (val & wm);
	new &= ~(val & bytes & fn->w1c[reg]);
	fn->cfg[reg] = new;

	if (fn->doe_off && where >= fn->doe_off &&
	    where < fn->doe_off + PCI_DOE_CAP_SIZEOF) {
		tsm_emu_doe_write(fn->doe, where - fn->doe_off, val, bytes);
		return;
	}
	if (fn->ide_off && where >= fn->ide_off) {
		tsm_emu_ide_write(fn, where, old);
		return;
	}
	if (fn->flags & TSM_EMU_FN_ROOT_PORT) {
		/* Secondary Bus Reset rising edge resets the link partner */
		if (where == (PCI_BRIDGE_CONTROL & ~3) &&
		    (new & ~old) & (PCI_BRIDGE_CTL_BUS_RESET << 16))
			tsm_emu_secondary_reset(fn);
		return;
	}
	if (where == TSM_EMU_PCIE_OFF + PCI_EXP_DEVCTL &&
	    (val & bytes & PCI_EXP_DEVCTL_BCR_FLR))
		tsm_emu_fn_reset(fn, TSM_EMU_RESET_FLR);
	/* D3hot to D0 with No_Soft_Reset clear: an internal reset */
	if (where == TSM_EMU_PM_OFF + PCI_PM_CTRL &&
	    FIELD_GET(PCI_PM_CTRL_STATE_MASK, old) == TSM_EMU_PM_D3HOT &&
	    FIELD_GET(PCI_PM_CTRL_STATE_MASK, new) == TSM_EMU_PM_D0)
		tsm_emu_fn_reset(fn, TSM_EMU_RESET_CONVENTIONAL);
}

/*
 * Byte lanes of configuration dword @reg that the cfg write notifier
 * watches: Command, the BARs, the Expansion ROM BAR, PCIe Device Control
 * and (endpoints) MSI-X Message Control.
 */
static u32 tsm_emu_cfg_watched(struct tsm_emu_fn *fn, unsigned int reg)
{
	bool rp = fn->flags & TSM_EMU_FN_ROOT_PORT;
	unsigned int where = reg * 4;

	switch (where) {
	case PCI_COMMAND:
		return GENMASK(15, 0);
	case PCI_BASE_ADDRESS_0:
	case PCI_BASE_ADDRESS_1:
		return ~0U;
	case PCI_BASE_ADDRESS_2:
	case PCI_BASE_ADDRESS_3:
	case PCI_BASE_ADDRESS_4:
	case PCI_BASE_ADDRESS_5:
	case PCI_ROM_ADDRESS:
		return rp ? 0 : ~0U;
	case PCI_ROM_ADDRESS1:
		return rp ? ~0U : 0;
	case TSM_EMU_PCIE_OFF + PCI_EXP_DEVCTL:
		return GENMASK(15, 0);
	case TSM_EMU_MSIX_OFF:
		/* Message Control is the upper half of the header dword */
		return rp ? 0 : GENMASK(31, 16);
	default:
		return 0;
	}
}

/**
 * tsm_emu_fn_write() - emulate a configuration write
 * @fn: function
 * @reg: dword index
 * @val: value, already shifted to its byte lanes
 * @bytes: byte lanes written
 *
 * Applies the write mask and RW1C bits, then the side effects of the
 * register, then tells the cfg write notifier (if any) about a write to a
 * watched register.  Called with &tsm_emu.lock held.
 */
void tsm_emu_fn_write(struct tsm_emu_fn *fn, unsigned int reg, u32 val,
		      u32 bytes)
{
	struct tsm_emu *emu = fn->emu;
	u32 old = fn->cfg[reg];
	unsigned int shift;

	lockdep_assert_held(&emu->lock);
	__tsm_emu_fn_write(fn, reg, val, bytes);

	if (!emu->notifier || !(tsm_emu_cfg_watched(fn, reg) & bytes))
		return;
	shift = __ffs(bytes);
	emu->notifier->cfg_write(fn, emu->notifier_data, reg * 4 + shift / 8,
				 hweight32(bytes) / 8, (old & bytes) >> shift,
				 (val & bytes) >> shift);
}

/**
 * tsm_emu_fn_bar_size() - size of a BAR of an emulated function
 * @fn: emulated function
 * @bar: BAR index, 0 to 5
 *
 * Derived from the writable bits of the BAR.
 *
 * Return: the size in bytes, 0 if the BAR is not implemented or is the
 * upper half of a 64-bit BAR.
 */
u64 tsm_emu_fn_bar_size(struct tsm_emu_fn *fn, unsigned int bar)
{
	unsigned int nr = fn->flags & TSM_EMU_FN_ROOT_PORT ? 2 : PCI_STD_NUM_BARS;
	unsigned int i, reg = 0;
	bool is64 = false;
	u32 lo = 0, hi;

	/* The masks do not change after creation: no lock needed */
	for (i = 0; i < nr; i++) {
		reg = PCI_BASE_ADDRESS_0 / 4 + i;
		lo = fn->wmask[reg] & PCI_BASE_ADDRESS_MEM_MASK;
		is64 = lo && i + 1 < nr &&
		       (fn->init[reg] & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		       PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (i == bar)
			break;
		if (is64)
			i++;	/* skip the upper half */
	}
	if (i != bar || !lo)
		return 0;
	hi = is64 ? fn->wmask[reg + 1] : ~0U;
	return ~((u64)hi << 32 | lo) + 1;
}
EXPORT_SYMBOL_GPL(tsm_emu_fn_bar_size);
