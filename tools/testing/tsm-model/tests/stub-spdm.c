// SPDX-License-Identifier: GPL-2.0
/*
 * test-pcisig: stand-in for the SPDM requester and a fake platform.
 *
 * spdm_req_vdm() does not do SPDM at all: it calls pcisig_dev_vdm() of the
 * stub's device, as the SPDM responder would inside a secured session,
 * lets a test hook tamper with the answer and hands it back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcisig.h"
#include "stub-spdm.h"

/*
 * Room the responder has for a protocol message: the DOE object minus its
 * header (8), the secured message wrapping (session ID, lengths, MAC:
 * about 28) and the VENDOR_DEFINED_RESPONSE framing (12).
 */
#define STUB_RSP_ROOM	(MODEL_DOE_MAX - 8 - 28 - 12)

struct spdm_req {
	struct stub *s;
	uint32_t tdisp_error;
};

static int stub_index(uint16_t rid)
{
	if (rid == STUB_RID0)
		return 0;
	if (rid == STUB_RID1)
		return 1;
	return -1;
}

static int stub_fn_info(void *priv, uint32_t segment, uint16_t rid,
			struct model_fn *fn)
{
	struct stub *s = priv;
	int i = stub_index(rid);

	if (segment != STUB_SEGMENT || i < 0 || !s->fn_present[i])
		return -ENODEV;
	memcpy(fn, &s->fn[i], sizeof(*fn));
	return 0;
}

static struct stub_event *stub_event(struct stub *s, enum stub_ev_kind kind,
				     uint32_t segment, uint16_t rid, int value)
{
	struct stub_event *e;

	if (s->nr_ev >= STUB_MAX_EV)
		return NULL;
	e = &s->ev[s->nr_ev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->segment = segment;
	e->rid = rid;
	e->value = value;
	return e;
}

static void stub_ide_key(void *priv, uint32_t segment, uint16_t rid,
			 uint8_t stream_id, uint8_t key_set, uint8_t dir,
			 bool go, uint32_t tag)
{
	struct stub_event *e = stub_event(priv, STUB_EV_IDE, segment, rid, go);

	if (!e)
		return;
	e->stream_id = stream_id;
	e->key_set = key_set;
	e->dir = dir;
	e->tag = tag;
}

static void stub_tdi_state(void *priv, uint32_t segment, uint16_t rid,
			   enum tdi_state state)
{
	stub_event(priv, STUB_EV_TDI, segment, rid, state);
}

static void cfg_put(uint8_t *cfg, unsigned int off, uint32_t v,
		    unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		cfg[off + i] = (uint8_t)(v >> 8 * i);
}

/**
 * stub_default_fn() - (re)build the default configuration of a function
 * @s: stub
 * @f: function index (0: 01:00.0, the DSM; 1: 01:00.1)
 */
void stub_default_fn(struct stub *s, unsigned int f)
{
	struct model_fn *fn = &s->fn[f];
	uint8_t *c = fn->config;
	uint64_t bar0 = STUB_BAR0_ADDR(f), bar2 = STUB_BAR2_ADDR(f);
	unsigned int ext = 0x100, i;

	memset(fn, 0, sizeof(*fn));
	fn->segment = STUB_SEGMENT;
	fn->rid = (uint16_t)(STUB_RID0 + f);
	fn->bar_size[0] = 1 << 20;
	fn->bar_size[2] = 2 << 20;

	cfg_put(c, 0x00, 0x7e57, 2);
	cfg_put(c, 0x02, f ? 0x0011 : 0x0010, 2);
	cfg_put(c, 0x04, 0x0006, 2);		/* MSE | BME */
	cfg_put(c, 0x06, 0x0010, 2);		/* capabilities list */
	cfg_put(c, 0x08, 0x12000001, 4);
	c[0x0e] = 0x80;
	cfg_put(c, 0x10, (uint32_t)bar0 | 0x4, 4);
	cfg_put(c, 0x14, (uint32_t)(bar0 >> 32), 4);
	cfg_put(c, 0x18, (uint32_t)bar2 | 0xc, 4);
	cfg_put(c, 0x1c, (uint32_t)(bar2 >> 32), 4);
	c[0x34] = STUB_PCIE_OFF;

	/* PCIe capability: endpoint, FLR and TEE-IO capable */
	cfg_put(c, STUB_PCIE_OFF, 0x10 | STUB_MSIX_OFF << 8, 2);
	cfg_put(c, STUB_PCIE_OFF + 2, 0x0002, 2);
	cfg_put(c, STUB_PCIE_OFF + 4, 1u << 30 | 1u << 28 | 1, 4);
	cfg_put(c, STUB_PCIE_OFF + 8, 0x2810, 2);

	/* MSI-X: 8 vectors, table at BAR0 + 0, PBA at BAR0 + 0x1000 */
	cfg_put(c, STUB_MSIX_OFF, 0x11, 2);
	cfg_put(c, STUB_MSIX_OFF + 2, 0x0007, 2);
	cfg_put(c, STUB_MSIX_OFF + 4, 0x0, 4);
	cfg_put(c, STUB_MSIX_OFF + 8, 0x1000, 4);

	if (f == 0) {
		/* DOE 0x100, DEV3 0x118, IDE 0x128 */
		cfg_put(c, ext, 0x2e | 2 << 16 | 0x118u << 20, 4);
		cfg_put(c, 0x118, 0x2f | 1 << 16 | (uint32_t)STUB_IDE_OFF << 20,
			4);
		cfg_put(c, STUB_IDE_OFF, 0x30 | 1 << 16, 4);
		/* Selective, IDE_KM, Sel. CFG, TEE-Limited, 2 streams */
		cfg_put(c, STUB_IDE_OFF + 4, 0x010100c2, 4);
		cfg_put(c, STUB_IDE_OFF + 8, 0, 4);
		for (i = 0; i < 2; i++) {
			unsigned int b = STUB_IDE_OFF + 0x0c + i * 32, r;

			cfg_put(c, b, 1, 4);	/* 1 address block */
			/* distinct values in the other registers */
			for (r = 1; r < 8; r++)
				cfg_put(c, b + 4 * r,
					0xa0000000u | i << 8 | r, 4);
		}
	} else {
		cfg_put(c, ext, 0x2f | 1 << 16, 4);
	}
	s->fn_present[f] = true;
}

/**
 * stub_new() - test device, fake platform and stand-in requester
 *
 * Return: the stub or NULL.
 */
struct stub *stub_new(void)
{
	struct model_dev_ops ops = {
		.fn_info = stub_fn_info,
		.ide_key = stub_ide_key,
		.tdi_state = stub_tdi_state,
	};
	struct stub *s = calloc(1, sizeof(*s));
	unsigned int f;

	if (!s)
		return NULL;
	s->q = calloc(1, sizeof(*s->q));
	if (!s->q) {
		free(s);
		return NULL;
	}
	s->q->s = s;
	for (f = 0; f < STUB_NR_FN; f++)
		stub_default_fn(s, f);
	ops.priv = s;
	s->dev = pcisig_dev_new(STUB_SEGMENT, STUB_RID0, &ops);
	if (!s->dev) {
		free(s->q);
		free(s);
		return NULL;
	}
	return s;
}

/**
 * stub_free() - free a stub and its device
 * @s: stub or NULL
 */
void stub_free(struct stub *s)
{
	if (!s)
		return;
	pcisig_dev_free(s->dev);
	free(s->q);
	free(s);
}

/**
 * stub_cfg_write() - configuration write through the fake platform
 * @s: stub
 * @rid: function
 * @where: offset
 * @size: 1, 2 or 4
 * @val: value written
 *
 * Updates the fake configuration space (Initiate FLR reads back 0) and
 * reports the write to the device with the previous value.
 */
void stub_cfg_write(struct stub *s, uint16_t rid, uint32_t where,
		    uint32_t size, uint32_t val)
{
	int f = stub_index(rid);
	uint32_t old = 0, stored = val;
	unsigned int i;

	if (f < 0 || where + size > 4096)
		return;
	for (i = 0; i < size; i++)
		old |= (uint32_t)s->fn[f].config[where + i] << 8 * i;
	/* Initiate FLR always reads 0 */
	for (i = 0; i < size; i++)
		if (where + i == STUB_PCIE_OFF + 9)
			stored &= ~(0x80u << 8 * i);
	cfg_put(s->fn[f].config, where, stored, size);
	pcisig_dev_cfg_write(s->dev, rid, where, size, old, val);
}

/**
 * stub_count() - number of recorded platform callbacks
 * @s: stub
 * @kind: %STUB_EV_IDE or %STUB_EV_TDI
 * @id: stream ID (IDE) or RID (TDI)
 *
 * Return: the count.
 */
unsigned int stub_count(const struct stub *s, enum stub_ev_kind kind,
			unsigned int id)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr_ev; i++)
		if (s->ev[i].kind == kind &&
		    (kind == STUB_EV_TDI ? s->ev[i].rid : s->ev[i].stream_id) == id)
			n++;
	return n;
}

/**
 * stub_last() - value of the last recorded platform callback
 * @s: stub
 * @kind: %STUB_EV_IDE or %STUB_EV_TDI
 * @id: stream ID (IDE) or RID (TDI)
 *
 * Return: go (IDE) or state (TDI), -1 if there was none.
 */
int stub_last(const struct stub *s, enum stub_ev_kind kind, unsigned int id)
{
	unsigned int i;
	int v = -1;

	for (i = 0; i < s->nr_ev; i++)
		if (s->ev[i].kind == kind &&
		    (kind == STUB_EV_TDI ? s->ev[i].rid : s->ev[i].stream_id) == id)
			v = s->ev[i].value;
	return v;
}

/**
 * stub_key_count() - number of IDE key reports of one key set and direction
 * @s: stub
 * @stream: stream ID
 * @key_set: key set
 * @dir: %IDEKM_RX or %IDEKM_TX
 *
 * Return: the count.
 */
unsigned int stub_key_count(const struct stub *s, unsigned int stream,
			    unsigned int key_set, unsigned int dir)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr_ev; i++)
		if (s->ev[i].kind == STUB_EV_IDE &&
		    s->ev[i].stream_id == stream &&
		    s->ev[i].key_set == key_set && s->ev[i].dir == dir)
			n++;
	return n;
}

/**
 * stub_key_last() - last IDE key report of one key set and direction
 * @s: stub
 * @stream: stream ID
 * @key_set: key set
 * @dir: %IDEKM_RX or %IDEKM_TX
 * @tag: receives its tag (may be NULL)
 *
 * Return: its go (0 or 1), -1 if there was none.
 */
int stub_key_last(const struct stub *s, unsigned int stream,
		  unsigned int key_set, unsigned int dir, uint32_t *tag)
{
	unsigned int i;
	int v = -1;

	for (i = 0; i < s->nr_ev; i++) {
		const struct stub_event *e = &s->ev[i];

		if (e->kind != STUB_EV_IDE || e->stream_id != stream ||
		    e->key_set != key_set || e->dir != dir)
			continue;
		v = e->value;
		if (tag)
			*tag = e->tag;
	}
	return v;
}

/**
 * stub_clear_events() - forget the recorded callbacks
 * @s: stub
 */
void stub_clear_events(struct stub *s)
{
	s->nr_ev = 0;
}

/* ------------------------------------------------------------------ */
/* The part of the SPDM requester interface test-pcisig needs          */

/**
 * spdm_req_vdm() - one PCI-SIG exchange, straight to the test device
 * @q: stand-in requester
 * @proto: protocol ID
 * @req: protocol message
 * @req_len: its size
 * @rsp: receives the answer
 * @rsp_cap: size of @rsp
 *
 * The device gets as much room as a secured DOE response would leave; the
 * stub's hook may then rewrite the answer.
 *
 * Return: answer length, the device's (or hook's) errno, or -ENOSPC.
 */
int spdm_req_vdm(struct spdm_req *q, uint8_t proto,
		 const uint8_t *req, size_t req_len,
		 uint8_t *rsp, size_t rsp_cap)
{
	struct stub *s = q->s;
	uint8_t *buf;
	int n;

	if (req_len > STUB_RSP_ROOM)
		return -EINVAL;
	s->nr_xfer++;
	memcpy(s->last_req, req, req_len);
	s->last_req_len = req_len;

	buf = calloc(1, MODEL_DOE_MAX);
	if (!buf)
		return -ENOMEM;
	n = pcisig_dev_vdm(s->dev, proto, req, req_len, buf, STUB_RSP_ROOM,
			   &s->fault);
	if (n > 0 && (size_t)n > s->max_rsp)
		s->max_rsp = n;
	if (s->hook) {
		s->hook_calls++;
		n = s->hook(s, proto, req, req_len, buf, n);
	}
	if (n >= 0) {
		if ((size_t)n > rsp_cap || n > MODEL_DOE_MAX)
			n = -ENOSPC;
		else
			memcpy(rsp, buf, n);
	}
	free(buf);
	return n;
}

/**
 * spdm_req_tdisp_error() - storage of the last TDISP error code
 * @q: stand-in requester
 *
 * Return: pointer to the code.
 */
uint32_t *spdm_req_tdisp_error(struct spdm_req *q)
{
	return &q->tdisp_error;
}
