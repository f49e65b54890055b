// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-model: PCIe TDISP 1.0 (FACTS section 5), device and requester side.
 *
 * Device side choices where the facts leave room:
 *  - An interface is any function of the DSM's device (same bus and
 *    device number, function 0..7) for which ops->fn_info() succeeds.
 *    INTERFACE_ID may carry Segment Valid; the segment must then equal
 *    the low 8 bits of the DSM's segment.  Reserved INTERFACE_ID bits and
 *    reserved request fields are ignored; INTERFACE_ID is echoed as
 *    received.
 *  - Checks happen in this order: injected fault, length below the
 *    header, version, request code, exact length, interface, state.
 *  - LOCK_INTERFACE_FLAGS_SUPPORTED = NO_FW_UPDATE | LOCK_MSIX (64-byte
 *    cache lines only, no P2P, no request redirection); other flags are
 *    INVALID_REQUEST, as is an MMIO_REPORTING_OFFSET that is not a
 *    multiple of 4 KiB.  BIND_P2P_ADDRESS_MASK and TSM_CAPS are ignored.
 *    DEV_ADDR_WIDTH is 52, NUM_REQ_THIS = NUM_REQ_ALL = 1, DSM_CAPS 0.
 *    REQ_MSGS_SUPPORTED has bit (code - 0x80) set for each request code
 *    handled (0x81..0x87); the spec's bit mapping is not known to us.
 *  - LOCK fails with INVALID_DEVICE_CONFIGURATION when DEFAULT_STREAM_ID
 *    has no complete key set that is set to go, when BARs overlap, are
 *    misaligned or not a power of two, or when the MSI-X table/PBA is not
 *    inside an implemented memory BAR.
 *  - Interface report: INTERFACE_INFO = DMA without PASID (+ no firmware
 *    update when locked with NO_FW_UPDATE); MSI-X Message Control copied
 *    at lock time; LNR and TPH Control 0; one MMIO_RANGE per run of pages
 *    of each implemented memory BAR, RANGE_ID = BAR index, FIRST_4K_PAGE
 *    = ((BAR address + MMIO_REPORTING_OFFSET) >> 12) + page index (mod
 *    2^64).  The pages holding the MSI-X table get attribute bit 0, those
 *    holding the PBA bit 1; if the two share a page (or their page spans
 *    overlap) one range covering both spans carries both bits.  No
 *    device-specific information (length 0).
 *  - Report portions are at most TDISP_MAX_PORTION (1024) bytes.
 *  - A locked or running interface goes to ERROR when its default IDE
 *    stream loses its keys (K_SET_STOP) and when the session ends.
 *  - Configuration writes that move a locked/running interface to ERROR:
 *    any change of a BAR (address bits; the read-only type bits of the
 *    dword that starts a BAR are ignored, the upper dword of a 64-bit
 *    BAR is all address) or of the Expansion ROM BAR (enable and address bits);
 *    clearing Memory Space Enable or Bus Master Enable; writing 1 to
 *    Initiate Function Level Reset; with LOCK_MSIX, changing MSI-X
 *    Enable or Function Mask.  Capability offsets are those seen at lock.
 *
 * Requester side: INTERFACE_ID carries the RID only (Segment Valid clear:
 * the segment is the DSM's).  Every response is checked (length exact for
 * its type, version 0x10, response code, INTERFACE_ID echoed).  TDISP_ERROR stores
 * its code in spdm_req_tdisp_error() and the call returns -EPROTO; each
 * call first resets that code to 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "pcisig.h"

#define PCI_COMMAND_REG		0x04
#define PCI_CMD_MEM		0x02
#define PCI_CMD_MASTER		0x04
#define PCI_BAR0		0x10
#define PCI_ROM_BAR		0x30
#define PCI_EXP_DEVCTL		0x08
#define PCI_EXP_DEVCTL_FLR_HI	0x80	/* bit 15, in the high byte */
#define PCI_MSIX_CTL		0x02
#define PCI_MSIX_CTL_HI_MASK	0xc0	/* Enable, Function Mask */
#define PCI_MSIX_TABLE		0x04
#define PCI_MSIX_PBA		0x08
#define PCI_MSIX_CAP_LEN	12

#define PAGE_SHIFT_4K		12
#define PAGE_SIZE_4K		4096ull

/* ------------------------------------------------------------------ */
/* Device side: state                                                  */

static uint16_t tdi_rid(const struct pcisig_dev *d, const struct tdisp_tdi *t)
{
	return (uint16_t)((d->rid & ~7u) | (unsigned int)(t - d->tdi));
}

static bool tdi_locked(const struct tdisp_tdi *t)
{
	return t->state == TDI_CONFIG_LOCKED || t->state == TDI_RUN;
}

static void tdi_set_state(struct pcisig_dev *d, struct tdisp_tdi *t,
			  enum tdi_state state)
{
	if (t->state == state)
		return;
	t->state = state;
	if (state != TDI_CONFIG_LOCKED)
		OPENSSL_cleanse(t->nonce, sizeof(t->nonce));
	if (state == TDI_CONFIG_UNLOCKED) {
		t->flags = 0;
		t->report_len = 0;
		t->pcie_off = 0;
		t->msix_off = 0;
		t->bar_hi = 0;
	}
	if (d->ops.tdi_state)
		d->ops.tdi_state(d->ops.priv, d->segment, tdi_rid(d, t), state);
}

/**
 * tdisp_stream_stopped() - an IDE stream lost its keys
 * @d: device state
 * @stream_id: IDE Stream ID
 *
 * Locked or running interfaces whose default stream it is go to ERROR.
 */
void tdisp_stream_stopped(struct pcisig_dev *d, uint8_t stream_id)
{
	unsigned int i;

	for (i = 0; i < PCISIG_MAX_FNS; i++)
		if (tdi_locked(&d->tdi[i]) &&
		    d->tdi[i].default_stream == stream_id)
			tdi_set_state(d, &d->tdi[i], TDI_ERROR);
}

/**
 * tdisp_session_end() - the SPDM session ended
 * @d: device state
 *
 * Locked or running interfaces go to ERROR.
 */
void tdisp_session_end(struct pcisig_dev *d)
{
	unsigned int i;

	for (i = 0; i < PCISIG_MAX_FNS; i++)
		if (tdi_locked(&d->tdi[i]))
			tdi_set_state(d, &d->tdi[i], TDI_ERROR);
}

static struct tdisp_tdi *tdi_of(struct pcisig_dev *d, uint16_t rid)
{
	if ((rid >> 3) != (d->rid >> 3))
		return NULL;
	return &d->tdi[rid & 7];
}

/**
 * tdisp_fn_reset() - a function of the device was reset
 * @d: device state
 * @rid: the function
 * @conventional: a conventional reset, after which the interface starts
 *	over in CONFIG_UNLOCKED, rather than a Function Level Reset, which
 *	moves a locked or running interface to ERROR (TDISP: a function
 *	reset of the hosting function is a change that breaks the lock)
 */
void tdisp_fn_reset(struct pcisig_dev *d, uint16_t rid, bool conventional)
{
	struct tdisp_tdi *t = tdi_of(d, rid);

	if (!t)
		return;
	if (conventional)
		tdi_set_state(d, t, TDI_CONFIG_UNLOCKED);
	else if (tdi_locked(t))
		tdi_set_state(d, t, TDI_ERROR);
}

/* ------------------------------------------------------------------ */
/* Device side: interface report                                       */

struct bar_info {
	uint64_t addr;
	uint64_t size;
};

struct msix_info {
	unsigned int tbir, pbir;
	uint64_t toff, tlen, poff, plen;
	uint16_t ctl;
};

struct page_span {
	uint64_t first, last;	/* page indexes inside the BAR */
	uint16_t attr;
};

/*
 * Read the memory BARs; size 0 marks unused entries.  Bit i of *@hi is set
 * when BAR dword i is the upper half of a 64-bit BAR.
 */
static int report_bars(const struct model_fn *fn, struct bar_info bar[6],
		       uint8_t *hi)
{
	unsigned int i, j;

	memset(bar, 0, 6 * sizeof(*bar));
	*hi = 0;
	for (i = 0; i < 6; i++) {
		uint32_t v = get_le32(fn->config + PCI_BAR0 + 4 * i);
		uint64_t addr = v & ~0xfull, size = fn->bar_size[i];
		unsigned int type = (v >> 1) & 3;

		if (v & 1)		/* I/O space */
			continue;
		if (type == 2) {	/* 64-bit */
			if (i == 5)
				return -EINVAL;
			addr |= (uint64_t)get_le32(fn->config + PCI_BAR0 +
						   4 * (i + 1)) << 32;
		} else if (type != 0) {
			return -EINVAL;
		}
		if (size) {
			if (size & (size - 1) || size < 16 ||
			    (addr & (size - 1)) || addr + (size - 1) < addr ||
			    size > (0xffffffffull << PAGE_SHIFT_4K))
				return -EINVAL;
			bar[i].addr = addr;
			bar[i].size = size;
		}
		if (type == 2)
			*hi |= 1u << ++i;
	}
	for (i = 0; i < 6; i++)
		for (j = i + 1; j < 6; j++)
			if (bar[i].size && bar[j].size &&
			    bar[i].addr <= bar[j].addr + (bar[j].size - 1) &&
			    bar[j].addr <= bar[i].addr + (bar[i].size - 1))
				return -EINVAL;
	return 0;
}

static int report_msix(const struct model_fn *fn, unsigned int msix,
		       const struct bar_info bar[6], struct msix_info *m)
{
	uint32_t tbl, pba;
	unsigned int nvec;

	if (msix > PCI_CFG_LEGACY - PCI_MSIX_CAP_LEN)
		return -EINVAL;
	m->ctl = get_le16(fn->config + msix + PCI_MSIX_CTL);
	tbl = get_le32(fn->config + msix + PCI_MSIX_TABLE);
	pba = get_le32(fn->config + msix + PCI_MSIX_PBA);
	nvec = (m->ctl & 0x7ff) + 1;
	m->tbir = tbl & 7;
	m->toff = tbl & ~7u;
	m->tlen = 16ull * nvec;
	m->pbir = pba & 7;
	m->poff = pba & ~7u;
	m->plen = 8ull * ((nvec + 63) / 64);
	if (m->tbir > 5 || m->pbir > 5)
		return -EINVAL;
	if (m->toff + m->tlen > bar[m->tbir].size ||
	    m->poff + m->plen > bar[m->pbir].size)
		return -EINVAL;
	return 0;
}

static void report_range(uint8_t *p, uint64_t page, uint64_t npages,
			 uint16_t attr, unsigned int id)
{
	put_le64(p, page);
	put_le32(p + 8, (uint32_t)npages);
	put_le16(p + 12, attr);
	put_le16(p + 14, (uint16_t)id);
}

/* Build the report of @fn into @t for a lock with @flags and @offset. */
static int report_build(struct tdisp_tdi *t, const struct model_fn *fn,
			uint16_t flags, uint64_t offset)
{
	struct bar_info bar[6];
	struct msix_info m = { 0 };
	unsigned int msix, i, nr = 0;
	uint8_t *r = t->report;
	uint16_t info;
	uint8_t hi;
	int ret;

	ret = report_bars(fn, bar, &hi);
	if (ret)
		return ret;
	msix = pcisig_find_cap(fn->config, PCI_CAP_MSIX);
	if (msix) {
		ret = report_msix(fn, msix, bar, &m);
		if (ret)
			return ret;
	}

	memset(r, 0, sizeof(t->report));
	for (i = 0; i < 6; i++) {
		uint64_t base, npages, cur = 0;
		struct page_span sp[2];
		unsigned int nsp = 0, k;

		if (!bar[i].size)
			continue;
		base = (bar[i].addr + offset) >> PAGE_SHIFT_4K;
		npages = (bar[i].size + PAGE_SIZE_4K - 1) >> PAGE_SHIFT_4K;
		if (msix && m.tbir == i)
			sp[nsp++] = (struct page_span){
				m.toff >> PAGE_SHIFT_4K,
				(m.toff + m.tlen - 1) >> PAGE_SHIFT_4K,
				TDISP_RANGE_MSIX_TABLE };
		if (msix && m.pbir == i)
			sp[nsp++] = (struct page_span){
				m.poff >> PAGE_SHIFT_4K,
				(m.poff + m.plen - 1) >> PAGE_SHIFT_4K,
				TDISP_RANGE_MSIX_PBA };
		if (nsp == 2 && sp[1].first < sp[0].first) {
			struct page_span tmp = sp[0];

			sp[0] = sp[1];
			sp[1] = tmp;
		}
		if (nsp == 2 && sp[1].first <= sp[0].last) {
			if (sp[1].last > sp[0].last)
				sp[0].last = sp[1].last;
			sp[0].attr |= sp[1].attr;
			nsp = 1;
		}
		for (k = 0; k < nsp; k++) {
			uint8_t *p;

			if (sp[k].first > cur) {
				p = r + TDISP_REPORT_HDR_LEN + nr++ * TDISP_RANGE_LEN;
				report_range(p, base + cur, sp[k].first - cur, 0, i);
			}
			p = r + TDISP_REPORT_HDR_LEN + nr++ * TDISP_RANGE_LEN;
			report_range(p, base + sp[k].first,
				     sp[k].last - sp[k].first + 1, sp[k].attr, i);
			cur = sp[k].last + 1;
		}
		if (cur < npages) {
			uint8_t *p = r + TDISP_REPORT_HDR_LEN +
				     nr++ * TDISP_RANGE_LEN;

			report_range(p, base + cur, npages - cur, 0, i);
		}
	}

	info = TDISP_INFO_DMA_NO_PASID;
	if (flags & TDISP_LOCK_NO_FW_UPDATE)
		info |= TDISP_INFO_NO_FW_UPDATE;
	put_le16(r, info);
	put_le16(r + 4, msix ? m.ctl : 0);
	put_le32(r + 12, nr);
	/* DEVICE_SPECIFIC_INFO_LEN = 0 */
	put_le32(r + TDISP_REPORT_HDR_LEN + nr * TDISP_RANGE_LEN, 0);
	t->report_len = TDISP_REPORT_HDR_LEN + nr * TDISP_RANGE_LEN + 4;
	t->msix_off = (uint16_t)msix;
	t->pcie_off = pcisig_find_cap(fn->config, PCI_CAP_EXP);
	t->bar_hi = hi;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Device side: messages                                               */

static void tdisp_hdr(uint8_t *rsp, uint8_t type, const uint8_t *ifid)
{
	rsp[0] = TDISP_VERSION_10;
	rsp[1] = type;
	rsp[2] = 0;
	rsp[3] = 0;
	memcpy(rsp + TDISP_IFID_OFF, ifid, TDISP_IFID_LEN);
}

static int tdisp_error(uint8_t *rsp, size_t cap, const uint8_t *ifid,
		       uint32_t code, uint32_t data)
{
	if (cap < TDISP_ERROR_LEN)
		return -ENOSPC;
	tdisp_hdr(rsp, TDISP_ERROR, ifid);
	put_le32(rsp + 16, code);
	put_le32(rsp + 20, data);
	return TDISP_ERROR_LEN;
}

static int tdisp_lock_rsp(struct pcisig_dev *d, struct tdisp_tdi *t,
			  uint16_t rid, const uint8_t *req, uint8_t *rsp,
			  size_t cap)
{
	uint16_t flags = get_le16(req + 16);
	uint8_t stream = req[18];
	uint64_t offset = get_le64(req + 20);
	struct model_fn *fn;
	int ret;

	if (cap < TDISP_LOCK_RSP_LEN)
		return -ENOSPC;
	if (t->state != TDI_CONFIG_UNLOCKED)
		return tdisp_error(rsp, cap, req + 4,
				   TDISP_ERR_INVALID_STATE, 0);
	if ((flags & ~TDISP_LOCK_SUPPORTED) || (offset & (PAGE_SIZE_4K - 1)))
		return tdisp_error(rsp, cap, req + 4,
				   TDISP_ERR_INVALID_REQUEST, 0);
	if (!idekm_stream_ready(d, stream))
		return tdisp_error(rsp, cap, req + 4,
				   TDISP_ERR_INVALID_DEVICE_CONFIG, 0);

	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return tdisp_error(rsp, cap, req + 4, TDISP_ERR_UNSPECIFIED, 0);
	if (d->ops.fn_info(d->ops.priv, d->segment, rid, fn)) {
		free(fn);
		return tdisp_error(rsp, cap, req + 4, TDISP_ERR_UNSPECIFIED, 0);
	}
	ret = report_build(t, fn, flags, offset);
	free(fn);
	if (ret) {
		t->report_len = 0;
		return tdisp_error(rsp, cap, req + 4,
				   TDISP_ERR_INVALID_DEVICE_CONFIG, 0);
	}
	if (RAND_bytes(t->nonce, sizeof(t->nonce)) != 1) {
		t->report_len = 0;
		return tdisp_error(rsp, cap, req + 4,
				   TDISP_ERR_INSUFFICIENT_ENTROPY, 0);
	}
	t->flags = flags;
	t->default_stream = stream;
	t->mmio_offset = offset;
	tdi_set_state(d, t, TDI_CONFIG_LOCKED);

	tdisp_hdr(rsp, TDISP_RSP(TDISP_LOCK), req + 4);
	memcpy(rsp + 16, t->nonce, TDISP_NONCE_LEN);
	return TDISP_LOCK_RSP_LEN;
}

static int tdisp_report_rsp(struct tdisp_tdi *t, const uint8_t *req,
			    uint8_t *rsp, size_t cap)
{
	size_t off = get_le16(req + 16), len = get_le16(req + 18), rem;

	if (!tdi_locked(t))
		return tdisp_error(rsp, cap, req + 4,
				   TDISP_ERR_INVALID_STATE, 0);
	if (!len || off >= t->report_len)
		return tdisp_error(rsp, cap, req + 4,
				   TDISP_ERR_INVALID_REQUEST, 0);
	if (cap <= TDISP_REPORT_RSP_HDR)
		return -ENOSPC;
	rem = t->report_len - off;
	if (len > rem)
		len = rem;
	if (len > TDISP_MAX_PORTION)
		len = TDISP_MAX_PORTION;
	if (len > cap - TDISP_REPORT_RSP_HDR)
		len = cap - TDISP_REPORT_RSP_HDR;
	tdisp_hdr(rsp, TDISP_RSP(TDISP_GET_REPORT), req + 4);
	put_le16(rsp + 16, (uint16_t)len);
	put_le16(rsp + 18, (uint16_t)(rem - len));
	memcpy(rsp + TDISP_REPORT_RSP_HDR, t->report + off, len);
	return (int)(TDISP_REPORT_RSP_HDR + len);
}

static int tdisp_caps_rsp(const uint8_t *req, uint8_t *rsp, size_t cap)
{
	unsigned int code;

	if (cap < TDISP_CAPS_RSP_LEN)
		return -ENOSPC;
	memset(rsp, 0, TDISP_CAPS_RSP_LEN);
	tdisp_hdr(rsp, TDISP_RSP(TDISP_GET_CAPS), req + 4);
	/* DSM_CAPS (+16) = 0; REQ_MSGS_SUPPORTED (+20): bit code - 0x80 */
	for (code = TDISP_GET_VERSION; code <= TDISP_STOP; code++)
		rsp[20 + (code - 0x80) / 8] |= 1u << ((code - 0x80) % 8);
	put_le16(rsp + 36, TDISP_LOCK_SUPPORTED);
	rsp[41] = 52;		/* DEV_ADDR_WIDTH */
	rsp[42] = 1;		/* NUM_REQ_THIS */
	rsp[43] = 1;		/* NUM_REQ_ALL */
	return TDISP_CAPS_RSP_LEN;
}

/* Expected length of request @code, 0 if the code is not handled */
static size_t tdisp_req_len(uint8_t code)
{
	switch (code) {
	case TDISP_GET_VERSION:
	case TDISP_GET_STATE:
	case TDISP_STOP:
		return TDISP_HDR_LEN;
	case TDISP_GET_CAPS:
		return TDISP_CAPS_REQ_LEN;
	case TDISP_LOCK:
		return TDISP_LOCK_REQ_LEN;
	case TDISP_GET_REPORT:
		return TDISP_REPORT_REQ_LEN;
	case TDISP_START:
		return TDISP_START_REQ_LEN;
	default:
		return 0;
	}
}

/* The interface addressed by @req, or NULL if it is not one of ours */
static struct tdisp_tdi *tdisp_interface(struct pcisig_dev *d,
					 const uint8_t *req, uint16_t *rid)
{
	uint32_t func = get_le32(req + TDISP_IFID_OFF);
	struct tdisp_tdi *t;
	struct model_fn *fn;
	int ret;

	*rid = (uint16_t)func;
	if ((func & TDISP_FUNC_SEG_VALID) &&
	    ((func >> TDISP_FUNC_SEG_SHIFT) & 0xff) != (d->segment & 0xff))
		return NULL;
	t = tdi_of(d, *rid);
	if (!t)
		return NULL;
	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return NULL;
	ret = d->ops.fn_info(d->ops.priv, d->segment, *rid, fn);
	free(fn);
	return ret ? NULL : t;
}

/**
 * tdisp_dev_handle() - answer one TDISP request
 * @d: device state
 * @req: TDISP message
 * @len: its size
 * @rsp: response buffer
 * @cap: its size
 * @fault: %FAULT_TDISP_ERROR is answered with TDISP_ERROR (UNSPECIFIED)
 *	and cleared; may be NULL
 *
 * Return: response length, or -ENOSPC if @cap cannot hold the answer.
 */
int tdisp_dev_handle(struct pcisig_dev *d, const uint8_t *req, size_t len,
		     uint8_t *rsp, size_t cap, enum model_fault *fault)
{
	uint8_t ifid[TDISP_IFID_LEN] = { 0 };
	struct tdisp_tdi *t;
	uint16_t rid;
	uint8_t code;

	if (len > TDISP_IFID_OFF)
		memcpy(ifid, req + TDISP_IFID_OFF,
		       len - TDISP_IFID_OFF < TDISP_IFID_LEN ?
		       len - TDISP_IFID_OFF : TDISP_IFID_LEN);
	if (fault && *fault == FAULT_TDISP_ERROR) {
		*fault = FAULT_NONE;
		return tdisp_error(rsp, cap, ifid, TDISP_ERR_UNSPECIFIED, 0);
	}
	if (len < TDISP_HDR_LEN)
		return tdisp_error(rsp, cap, ifid, TDISP_ERR_INVALID_REQUEST, 0);
	if (req[0] != TDISP_VERSION_10)
		return tdisp_error(rsp, cap, ifid, TDISP_ERR_VERSION_MISMATCH, 0);
	code = req[1];
	if (!tdisp_req_len(code))
		return tdisp_error(rsp, cap, ifid, TDISP_ERR_UNSUPPORTED_REQUEST,
				   code);
	if (len != tdisp_req_len(code))
		return tdisp_error(rsp, cap, ifid, TDISP_ERR_INVALID_REQUEST, 0);
	t = tdisp_interface(d, req, &rid);
	if (!t)
		return tdisp_error(rsp, cap, ifid, TDISP_ERR_INVALID_INTERFACE,
				   0);

	switch (code) {
	case TDISP_GET_VERSION:
		if (cap < TDISP_VERSION_RSP_LEN)
			return -ENOSPC;
		tdisp_hdr(rsp, TDISP_RSP(code), ifid);
		rsp[16] = 1;
		rsp[17] = TDISP_VERSION_10;
		return TDISP_VERSION_RSP_LEN;
	case TDISP_GET_CAPS:
		return tdisp_caps_rsp(req, rsp, cap);
	case TDISP_LOCK:
		return tdisp_lock_rsp(d, t, rid, req, rsp, cap);
	case TDISP_GET_REPORT:
		return tdisp_report_rsp(t, req, rsp, cap);
	case TDISP_GET_STATE:
		if (cap < TDISP_STATE_RSP_LEN)
			return -ENOSPC;
		tdisp_hdr(rsp, TDISP_RSP(code), ifid);
		rsp[16] = (uint8_t)t->state;
		return TDISP_STATE_RSP_LEN;
	case TDISP_START:
		if (cap < TDISP_ERROR_LEN)
			return -ENOSPC;
		if (t->state != TDI_CONFIG_LOCKED)
			return tdisp_error(rsp, cap, ifid,
					   TDISP_ERR_INVALID_STATE, 0);
		if (CRYPTO_memcmp(req + 16, t->nonce, TDISP_NONCE_LEN))
			return tdisp_error(rsp, cap, ifid,
					   TDISP_ERR_INVALID_NONCE, 0);
		tdi_set_state(d, t, TDI_RUN);
		tdisp_hdr(rsp, TDISP_RSP(code), ifid);
		return TDISP_HDR_LEN;
	case TDISP_STOP:
		if (cap < TDISP_ERROR_LEN)
			return -ENOSPC;
		if (t->state == TDI_CONFIG_UNLOCKED)
			return tdisp_error(rsp, cap, ifid,
					   TDISP_ERR_INVALID_STATE, 0);
		tdi_set_state(d, t, TDI_CONFIG_UNLOCKED);
		tdisp_hdr(rsp, TDISP_RSP(code), ifid);
		return TDISP_HDR_LEN;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Device side: configuration writes                                   */

/* Does changing byte @off from @ob to @nb break the lock of @t? */
static bool cfg_byte_forbidden(const struct tdisp_tdi *t, unsigned int off,
			       uint8_t ob, uint8_t nb)
{
	uint8_t diff = ob ^ nb;

	if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
		/*
		 * Memory BAR type bits [3:0], I/O BAR bits [1:0] are RO; the
		 * upper dword of a 64-bit BAR has none
		 */
		if ((off & 3) == 0 && !(t->bar_hi & 1u << (off - PCI_BAR0) / 4))
			diff &= (ob & 1) ? 0xfc : 0xf0;
		return diff;
	}
	if (off >= PCI_ROM_BAR && off < PCI_ROM_BAR + 4) {
		/* Enable bit 0, address [31:11]; [10:1] reserved */
		if (off == PCI_ROM_BAR)
			diff &= 0x01;
		else if (off == PCI_ROM_BAR + 1)
			diff &= 0xf8;
		return diff;
	}
	if (off == PCI_COMMAND_REG)
		return ob & ~nb & (PCI_CMD_MEM | PCI_CMD_MASTER);
	if (t->pcie_off && off == t->pcie_off + PCI_EXP_DEVCTL + 1u)
		return nb & PCI_EXP_DEVCTL_FLR_HI;
	if (t->msix_off && (t->flags & TDISP_LOCK_MSIX) &&
	    off == t->msix_off + PCI_MSIX_CTL + 1u)
		return diff & PCI_MSIX_CTL_HI_MASK;
	return false;
}

/**
 * pcisig_dev_cfg_write() - a configuration write reached a function
 * @d: device state
 * @rid: function written to
 * @where: offset
 * @size: 1, 2 or 4
 * @old: previous value
 * @val: written value
 *
 * A locked or running interface goes to ERROR (reported through
 * ops->tdi_state()) if the write changes what its lock covers; see the
 * top of this file.  Writes to other functions, in other states, or with
 * a bad @size or @where are ignored.
 */
void pcisig_dev_cfg_write(struct pcisig_dev *d, uint16_t rid, uint32_t where,
			  uint32_t size, uint32_t old, uint32_t val)
{
	struct tdisp_tdi *t;
	unsigned int i;

	if (!d || (size != 1 && size != 2 && size != 4) ||
	    where > PCI_CFG_SIZE - size)
		return;
	t = tdi_of(d, rid);
	if (!t || !tdi_locked(t))
		return;
	for (i = 0; i < size; i++) {
		if (cfg_byte_forbidden(t, where + i, (uint8_t)(old >> 8 * i),
				       (uint8_t)(val >> 8 * i))) {
			tdi_set_state(d, t, TDI_ERROR);
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Requester side                                                      */

#define TDISP_REQ_MAX		(TDISP_HDR_LEN + 32)
/* Bounds of tdisp_get_report(): OFFSET is 16 bits */
#define TDISP_REPORT_LIMIT	0xffffu

/*
 * Send TDISP request @code with @body to interface @rid; receive into
 * @rsp.  Checks version, INTERFACE_ID echo and response code; a
 * TDISP_ERROR stores its code and gives -EPROTO.  Return: length.
 */
static int tdisp_xfer(struct spdm_req *q, uint16_t rid, uint8_t code,
		      const uint8_t *body, size_t blen, uint8_t *rsp,
		      size_t cap)
{
	uint32_t *err = spdm_req_tdisp_error(q);
	uint8_t req[TDISP_REQ_MAX] = { 0 };
	int n;

	if (err)
		*err = 0;
	if (blen > TDISP_REQ_MAX - TDISP_HDR_LEN)
		return -EINVAL;
	req[0] = TDISP_VERSION_10;
	req[1] = code;
	put_le32(req + TDISP_IFID_OFF, rid);
	if (blen)
		memcpy(req + TDISP_HDR_LEN, body, blen);

	n = spdm_req_vdm(q, PCISIG_PROTO_TDISP, req, TDISP_HDR_LEN + blen,
			 rsp, cap);
	if (n < 0)
		return n;
	if ((size_t)n > cap || n < TDISP_HDR_LEN)
		return -EPROTO;
	if (rsp[0] != TDISP_VERSION_10 ||
	    memcmp(rsp + TDISP_IFID_OFF, req + TDISP_IFID_OFF, TDISP_IFID_LEN))
		return -EPROTO;
	if (rsp[1] == TDISP_ERROR) {
		if (n >= TDISP_ERROR_LEN && err)
			*err = get_le32(rsp + 16);
		return -EPROTO;
	}
	if (rsp[1] != TDISP_RSP(code))
		return -EPROTO;
	return n;
}

/**
 * tdisp_get_version() - GET_TDISP_VERSION
 * @q: requester
 * @rid: interface
 *
 * Return: 0x10 if the device supports TDISP 1.0, -EPROTO otherwise or on
 * a malformed answer.
 */
int tdisp_get_version(struct spdm_req *q, uint16_t rid)
{
	uint8_t rsp[MODEL_DOE_MAX];
	unsigned int i;
	int n;

	n = tdisp_xfer(q, rid, TDISP_GET_VERSION, NULL, 0, rsp, sizeof(rsp));
	if (n < 0)
		return n;
	if (n < TDISP_HDR_LEN + 2 || rsp[16] == 0 || n != TDISP_HDR_LEN + 1 + rsp[16])
		return -EPROTO;
	for (i = 0; i < rsp[16]; i++)
		if (rsp[17 + i] == TDISP_VERSION_10)
			return TDISP_VERSION_10;
	return -EPROTO;
}

/**
 * tdisp_get_capabilities() - GET_TDISP_CAPABILITIES
 * @q: requester
 * @rid: interface
 * @caps: receives the whole TDISP_CAPABILITIES message (44 bytes: header,
 *	DSM_CAPS, REQ_MSGS_SUPPORTED, LOCK_INTERFACE_FLAGS_SUPPORTED, ...);
 *	may be NULL to only check the answer
 * @caps_cap: size of @caps
 *
 * Return: the message length (44), -ENOSPC if @caps is too small,
 * -EPROTO for TDISP_ERROR or a malformed answer.
 */
int tdisp_get_capabilities(struct spdm_req *q, uint16_t rid,
			   uint8_t *caps, size_t caps_cap)
{
	uint8_t body[4] = { 0 }, rsp[MODEL_DOE_MAX];
	int n;

	n = tdisp_xfer(q, rid, TDISP_GET_CAPS, body, sizeof(body), rsp,
		       sizeof(rsp));
	if (n < 0)
		return n;
	if (n != TDISP_CAPS_RSP_LEN)
		return -EPROTO;
	if (caps) {
		if (caps_cap < TDISP_CAPS_RSP_LEN)
			return -ENOSPC;
		memcpy(caps, rsp, TDISP_CAPS_RSP_LEN);
	}
	return n;
}

/**
 * tdisp_lock() - LOCK_INTERFACE_REQUEST
 * @q: requester
 * @rid: interface
 * @flags: LOCK_INTERFACE flags
 * @default_stream: DEFAULT_STREAM_ID
 * @mmio_offset: MMIO_REPORTING_OFFSET
 * @nonce: receives START_INTERFACE_NONCE
 *
 * Return: 0, -EPROTO (TDISP_ERROR or malformed answer), -EINVAL.
 */
int tdisp_lock(struct spdm_req *q, uint16_t rid, uint16_t flags,
	       uint8_t default_stream, uint64_t mmio_offset,
	       uint8_t nonce[32])
{
	uint8_t body[TDISP_LOCK_REQ_LEN - TDISP_HDR_LEN] = { 0 };
	uint8_t rsp[MODEL_DOE_MAX];
	int n;

	if (!nonce)
		return -EINVAL;
	put_le16(body, flags);
	body[2] = default_stream;
	put_le64(body + 4, mmio_offset);
	/* BIND_P2P_ADDRESS_MASK = 0 */
	n = tdisp_xfer(q, rid, TDISP_LOCK, body, sizeof(body), rsp,
		       sizeof(rsp));
	if (n < 0)
		return n;
	if (n != TDISP_LOCK_RSP_LEN)
		return -EPROTO;
	memcpy(nonce, rsp + 16, TDISP_NONCE_LEN);
	OPENSSL_cleanse(rsp + 16, TDISP_NONCE_LEN);
	return 0;
}

/**
 * tdisp_get_report() - read the whole device interface report
 * @q: requester
 * @rid: interface
 * @portion: largest LENGTH asked for in one request (1..65535)
 * @report: receives the report
 * @report_cap: size of @report
 *
 * Pages with GET_DEVICE_INTERFACE_REPORT until REMAINDER_LENGTH is 0.
 * Every answer must carry 1..LENGTH bytes and a remainder consistent with
 * the total announced by the first answer, so the loop ends after at most
 * that many requests.
 *
 * Return: report size, -ENOSPC if it exceeds @report_cap, -EPROTO for
 * TDISP_ERROR or an inconsistent answer, -EINVAL for bad arguments.
 */
int tdisp_get_report(struct spdm_req *q, uint16_t rid, size_t portion,
		     uint8_t *report, size_t report_cap)
{
	uint8_t body[4], rsp[MODEL_DOE_MAX];
	size_t off = 0, total = 0, want, plen, rem;
	unsigned int iter;
	int n;

	if (!portion || !report)
		return -EINVAL;
	if (portion > TDISP_REPORT_LIMIT)
		portion = TDISP_REPORT_LIMIT;
	for (iter = 0; iter <= TDISP_REPORT_LIMIT; iter++) {
		want = portion;
		if (iter && want > total - off)
			want = total - off;
		put_le16(body, (uint16_t)off);
		put_le16(body + 2, (uint16_t)want);
		n = tdisp_xfer(q, rid, TDISP_GET_REPORT, body, sizeof(body),
			       rsp, sizeof(rsp));
		if (n < 0)
			return n;
		if (n < TDISP_REPORT_RSP_HDR)
			return -EPROTO;
		plen = get_le16(rsp + 16);
		rem = get_le16(rsp + 18);
		if (!plen || plen > want || (size_t)n != TDISP_REPORT_RSP_HDR + plen)
			return -EPROTO;
		if (!iter) {
			total = plen + rem;
			if (total > TDISP_REPORT_LIMIT)
				return -EPROTO;
			if (total > report_cap)
				return -ENOSPC;
		} else if (off + plen + rem != total) {
			return -EPROTO;
		}
		memcpy(report + off, rsp + TDISP_REPORT_RSP_HDR, plen);
		off += plen;
		if (!rem)
			return (int)total;
	}
	return -EPROTO;
}

/**
 * tdisp_get_state() - GET_DEVICE_INTERFACE_STATE
 * @q: requester
 * @rid: interface
 *
 * Return: the &enum tdi_state, or -EPROTO.
 */
int tdisp_get_state(struct spdm_req *q, uint16_t rid)
{
	uint8_t rsp[MODEL_DOE_MAX];
	int n;

	n = tdisp_xfer(q, rid, TDISP_GET_STATE, NULL, 0, rsp, sizeof(rsp));
	if (n < 0)
		return n;
	if (n != TDISP_STATE_RSP_LEN || rsp[16] > TDI_ERROR)
		return -EPROTO;
	return rsp[16];
}

/**
 * tdisp_start() - START_INTERFACE_REQUEST
 * @q: requester
 * @rid: interface
 * @nonce: START_INTERFACE_NONCE from tdisp_lock()
 *
 * Return: 0 or -EPROTO (see tdisp_last_error()).
 */
int tdisp_start(struct spdm_req *q, uint16_t rid, const uint8_t nonce[32])
{
	uint8_t rsp[MODEL_DOE_MAX];
	int n;

	if (!nonce)
		return -EINVAL;
	n = tdisp_xfer(q, rid, TDISP_START, nonce, TDISP_NONCE_LEN, rsp,
		       sizeof(rsp));
	if (n < 0)
		return n;
	return n == TDISP_HDR_LEN ? 0 : -EPROTO;
}

/**
 * tdisp_stop() - STOP_INTERFACE_REQUEST
 * @q: requester
 * @rid: interface
 *
 * Return: 0 or -EPROTO (see tdisp_last_error()).
 */
int tdisp_stop(struct spdm_req *q, uint16_t rid)
{
	uint8_t rsp[MODEL_DOE_MAX];
	int n;

	n = tdisp_xfer(q, rid, TDISP_STOP, NULL, 0, rsp, sizeof(rsp));
	if (n < 0)
		return n;
	return n == TDISP_HDR_LEN ? 0 : -EPROTO;
}

/**
 * tdisp_last_error() - TDISP_ERROR code of the last TDISP call
 * @q: requester
 *
 * Return: the ERROR_CODE received by the last tdisp_*() call, 0 if it
 * received none.
 */
uint32_t tdisp_last_error(struct spdm_req *q)
{
	uint32_t *err = spdm_req_tdisp_error(q);

	return err ? *err : 0;
}
