// SPDX-License-Identifier: GPL-2.0
/*
 * The SEV-TIO firmware model (psp.c) against a fake kernel: simulated
 * physical memory with firmware ownership, SEV-TIO command buffers built
 * byte by byte from FACTS section 6, the SPDM_REQUEST/continue loop of the
 * host carried to in-process device responders, and an observable root
 * port.  Everything goes through psp_serve_one() and the ops table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "spdm-test.h"
#include "../pcisig.h"
#include "../psp.h"

#define MEM_BASE	0x80000000ull
#define MEM_PAGES	512
#define PG		4096u
#define SEG		0
#define DEV_A		0x0100		/* 01:00.0 */
#define DEV_B		0x0200		/* 02:00.0 */
#define RP_RID		0x0008		/* 00:01.0 */
#define RP_PORT		3
#define STREAM		1
#define SLA_EOL		0x000ffffffffff000ull
#define NO_REPLY	-1

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

struct fake;

/*
 * One emulated endpoint: its SPDM responder and PCI-SIG state, and the IDE
 * key state it reported per [stream][key set][direction]
 */
struct fdev {
	struct fake *f;
	uint16_t device_id;
	struct pcisig_dev *pcisig;
	struct spdm_rsp *rsp;
	enum model_fault fault;
	int go[256][2][2];
	uint32_t tag[256][2][2];
	uint8_t tx_set[256];	/* its Tx key set reported go last */
	int tdi_state[8];
};

/* One endpoint key report or root port key call, in the order they came */
struct kev {
	char end;		/* 'E' endpoint, 'R' root port */
	uint8_t dev;		/* endpoint: index in fake.devs */
	uint8_t stream;
	uint8_t ks;
	uint8_t dir;		/* seen from that end */
	uint8_t go;
	uint32_t tag;
	int round;		/* host SPDM rounds carried before it */
};

#define MAX_KEV		1024

/* A buffer the kernel allocated: its SLA and pages */
struct kbuf {
	uint64_t sla;
	unsigned int n;
	uint64_t pa[8];
	/* An interface's: the guest context it was bound for, its last message number */
	uint64_t gctx;
	uint64_t seqno;
};

/* What the kernel keeps per device context */
struct kdev {
	struct fdev *fd;
	uint8_t seg;
	struct kbuf ctx, req, resp, scratch, out;
	uint8_t cmd[PSP_MAX_CMD];
};

struct fake {
	struct psp *p;
	uint8_t *mem;
	bool owned[MEM_PAGES];
	bool context[MEM_PAGES];	/* marked as live contexts */
	bool ctx_refuse;		/* the platform refuses a mark */
	unsigned int next;
	struct model_identity *id;
	struct fdev devs[2];
	/* root port */
	int rp_go[256][2][2];
	uint32_t rp_tag[256][2][2];
	uint8_t rp_tx_set[256];
	int rp_calls;
	int rp_fail_at;		/* refuse the rp_key call with this number */
	int rp_port;
	/* key events of both ends */
	struct kev kev[MAX_KEV];
	unsigned int nr_kev;
	/* every key event must leave these streams (bits) of @watch Secure */
	struct fdev *watch;
	uint32_t watch_streams;
	int insecure;
	/* the root port's tags checked against the keys @tag_dev holds */
	struct fdev *tag_dev;
	int bad_tags;
	/* device fault armed when the host carries round number fault_round */
	int fault_round;
	enum model_fault fault_at;
	/* mailbox */
	uint32_t cmd;
	uint64_t tag;
	uint8_t buf[PSP_MAX_CMD];
	size_t len;
	bool queued;
	bool replied;
	uint16_t status;
	uint8_t answer[PSP_MAX_CMD];
	int rounds;
	int expansions;
	uint32_t next_asid;	/* of the guest contexts tdi_bind() makes */
};

/* ------------------------------------------------------------------ */
/* Platform of the device responders                                   */

static void cfg32(uint8_t *c, unsigned int off, uint32_t v)
{
	put32(c + off, v);
}

static int fk_fn_info(void *priv, uint32_t segment, uint16_t rid, struct model_fn *fn)
{
	struct fdev *d = priv;
	uint8_t *c = fn->config;
	unsigned int f = rid & 7;

	if ((rid & ~7) != d->device_id || f > 1)
		return -ENODEV;
	memset(fn, 0, sizeof(*fn));
	fn->segment = segment;
	fn->rid = rid;
	cfg32(c, 0x00, 0x00101022);
	cfg32(c, 0x04, 0x00100006);
	cfg32(c, 0x10, 0xe0000004 + f * 0x00400000 + (rid >> 8) * 0x01000000);
	cfg32(c, 0x18, 0xe020000c + f * 0x00400000 + (rid >> 8) * 0x01000000);
	fn->bar_size[0] = 1 << 20;
	fn->bar_size[2] = 2 << 20;
	c[0x34] = 0x40;
	cfg32(c, 0x40, 0x00027010);
	cfg32(c, 0x70, 0x00070011);
	cfg32(c, 0x74, 0x00000000);
	cfg32(c, 0x78, 0x00001000);
	if (!f) {
		cfg32(c, 0x100, 0x00010030);
		cfg32(c, 0x104, 0x01010042);
		cfg32(c, 0x10c, 0x00000001);
		cfg32(c, 0x10c + 32, 0x00000001);
	}
	return 0;
}

/* Number of key set and direction slots of @stream endpoint @d reports go */
static int ep_slots(const struct fdev *d, unsigned int stream)
{
	return d->go[stream][0][0] + d->go[stream][0][1] + d->go[stream][1][0] +
	       d->go[stream][1][1];
}

/* Number of root port slots of @stream set to go */
static int rp_slots(const struct fake *f, unsigned int stream)
{
	return f->rp_go[stream][0][0] + f->rp_go[stream][0][1] + f->rp_go[stream][1][0] +
	       f->rp_go[stream][1][1];
}

/*
 * The emulated link's rule (samples/tsm/tsm-emu-bridge.h, emu-core.c):
 * each end sends with the key set whose Tx keys went go last (the other
 * one, if still go, once those stop); the receiver must have the Rx keys
 * of that key set in force, with the same tag.
 */
static bool link_secure(const struct fake *f, const struct fdev *d, unsigned int s)
{
	unsigned int et = d->tx_set[s], rt = f->rp_tx_set[s];

	return d->go[s][et][IDEKM_TX] && f->rp_go[s][et][IDEKM_RX] &&
	       f->rp_tag[s][et][IDEKM_RX] == d->tag[s][et][IDEKM_TX] &&
	       f->rp_go[s][rt][IDEKM_TX] && d->go[s][rt][IDEKM_RX] &&
	       d->tag[s][rt][IDEKM_RX] == f->rp_tag[s][rt][IDEKM_TX];
}

static void kev_add(struct fake *f, char end, uint8_t dev, uint8_t stream, uint8_t ks,
		    uint8_t dir, bool go, uint32_t tag)
{
	unsigned int i;

	if (f->nr_kev < MAX_KEV)
		f->kev[f->nr_kev++] = (struct kev){ end, dev, stream, ks, dir, go, tag, f->rounds };
	for (i = 0; f->watch && i < 32; i++)
		if ((f->watch_streams & (1u << i)) && !link_secure(f, f->watch, i))
			f->insecure++;
}

static void fk_ide_key(void *priv, uint32_t segment, uint16_t rid, uint8_t stream_id,
		       uint8_t key_set, uint8_t dir, bool go, uint32_t tag)
{
	struct fdev *d = priv;

	EXPECT(key_set < 2 && dir < 2);
	EXPECT(d->go[stream_id][key_set & 1][dir & 1] != go);
	d->go[stream_id][key_set & 1][dir & 1] = go;
	d->tag[stream_id][key_set & 1][dir & 1] = tag;
	if (go && dir == IDEKM_TX)
		d->tx_set[stream_id] = key_set & 1;
	else if (dir == IDEKM_TX && d->tx_set[stream_id] == key_set &&
		 d->go[stream_id][key_set ^ 1][IDEKM_TX])
		d->tx_set[stream_id] = key_set ^ 1;
	kev_add(d->f, 'E', d == &d->f->devs[1], stream_id, key_set, dir, go, tag);
}

static void fk_tdi_state(void *priv, uint32_t segment, uint16_t rid, enum tdi_state state)
{
	struct fdev *d = priv;

	d->tdi_state[rid & 7] = state;
}

/* ------------------------------------------------------------------ */
/* The ops the firmware runs on                                         */

static int op_recv(void *priv, uint32_t *cmd, uint64_t *tag, uint8_t *buf, size_t cap)
{
	struct fake *f = priv;

	if (!f->queued)
		return -EAGAIN;
	f->queued = false;
	*cmd = f->cmd;
	*tag = f->tag;
	memcpy(buf, f->buf, f->len);
	return (int)f->len;
}

static int op_reply(void *priv, uint32_t cmd, uint64_t tag, uint16_t status, const uint8_t *buf,
		    size_t len)
{
	struct fake *f = priv;

	EXPECT_EQ(cmd, f->cmd);
	EXPECT_EQ(tag, f->tag);
	EXPECT_EQ(len, f->len);
	f->replied = true;
	f->status = status;
	memcpy(f->answer, buf, len);
	return 0;
}

static int op_mem(void *priv, uint64_t pa, void *buf, uint32_t len, bool write, bool *owned)
{
	struct fake *f = priv;
	uint64_t off = pa - MEM_BASE;

	if (pa < MEM_BASE || off + len > (uint64_t)MEM_PAGES * PG || !len ||
	    (pa & (PG - 1)) + len > PG)
		return -EFAULT;
	if (write)
		memcpy(f->mem + off, buf, len);
	else
		memcpy(buf, f->mem + off, len);
	*owned = f->owned[off / PG];
	return 0;
}

/* As the emulated RMP: only a firmware page becomes a context */
static int op_ctx(void *priv, uint64_t pa, bool in_use)
{
	struct fake *f = priv;
	uint64_t off = pa - MEM_BASE;

	if (pa < MEM_BASE || off >= (uint64_t)MEM_PAGES * PG || (pa & (PG - 1)) ||
	    !f->owned[off / PG] || f->context[off / PG] == in_use ||
	    (in_use && f->ctx_refuse))
		return -EINVAL;
	f->context[off / PG] = in_use;
	return 0;
}

static bool fk_context(struct fake *f, uint64_t pa)
{
	return f->context[(pa - MEM_BASE) / PG];
}

static int op_root_port(void *priv, uint32_t segment, uint16_t rid, uint16_t *rp_rid,
			uint8_t *port)
{
	struct fake *f = priv;

	*rp_rid = RP_RID;
	*port = (uint8_t)f->rp_port;
	return 0;
}

/* Tag of the keys endpoint @d holds in one key set and direction of @stream */
static uint32_t dev_tag(const struct fdev *d, unsigned int stream, unsigned int ks,
			unsigned int dir)
{
	const struct idekm_stream *st = &d->pcisig->streams[stream];
	uint8_t keys[3][32];
	uint32_t tag = 0;
	unsigned int sub;

	for (sub = 0; sub < 3; sub++) {
		EXPECT(st->k[ks][dir][sub].programmed);
		memcpy(keys[sub], st->k[ks][dir][sub].key, 32);
	}
	EXPECT_EQ(idekm_key_tag(keys, &tag), 0);
	return tag;
}

static int op_rp_key(void *priv, uint32_t segment, uint16_t rp_rid, uint8_t stream_id,
		     uint8_t key_set, uint8_t dir, bool go, uint32_t tag)
{
	struct fake *f = priv;

	EXPECT_EQ(rp_rid, RP_RID);
	EXPECT(key_set < 2 && dir < 2);
	key_set &= 1;
	dir &= 1;
	if (++f->rp_calls == f->rp_fail_at)
		return -EIO;
	/* What the root port receives, the endpoint sent: the other direction */
	if (go && f->tag_dev && tag != dev_tag(f->tag_dev, stream_id, key_set, !dir))
		f->bad_tags++;
	if (!go)
		EXPECT_EQ(tag, 0);
	f->rp_go[stream_id][key_set][dir] = go;
	f->rp_tag[stream_id][key_set][dir] = tag;
	if (go && dir == IDEKM_TX)
		f->rp_tx_set[stream_id] = key_set;
	else if (dir == IDEKM_TX && f->rp_tx_set[stream_id] == key_set &&
		 f->rp_go[stream_id][key_set ^ 1][IDEKM_TX])
		f->rp_tx_set[stream_id] = key_set ^ 1;
	kev_add(f, 'R', 0, stream_id, key_set, dir, go, tag);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Memory of the fake kernel                                            */

static uint64_t fk_page(struct fake *f, bool fw)
{
	unsigned int i = f->next++;

	if (i >= MEM_PAGES)
		return 0;
	memset(f->mem + (size_t)i * PG, 0, PG);
	f->owned[i] = fw;
	return MEM_BASE + (uint64_t)i * PG;
}

static uint8_t *fk_ptr(struct fake *f, uint64_t pa)
{
	return f->mem + (pa - MEM_BASE);
}

/* A buffer of @n pages; data SLA for one, scatter page otherwise */
static void fk_buf(struct fake *f, struct kbuf *b, unsigned int n, bool fw, bool header)
{
	unsigned int i;
	uint64_t sp;

	memset(b, 0, sizeof(*b));
	b->n = n;
	for (i = 0; i < n; i++)
		b->pa[i] = fk_page(f, fw);
	if (header)
		put32(fk_ptr(f, b->pa[0]), n * PG);
	if (n == 1) {
		b->sla = b->pa[0];
		return;
	}
	sp = fk_page(f, true);
	for (i = 0; i < n; i++)
		put64(fk_ptr(f, sp) + 8 * i, b->pa[i]);
	put64(fk_ptr(f, sp) + 8 * n, SLA_EOL);
	b->sla = sp | 1;
}

static void kb_rw(struct fake *f, const struct kbuf *b, size_t off, void *data, size_t len,
		  bool write)
{
	uint8_t *d = data;

	while (len) {
		size_t in = off % PG, chunk = PG - in;
		uint8_t *m = fk_ptr(f, b->pa[off / PG]) + in;

		if (chunk > len)
			chunk = len;
		if (write)
			memcpy(m, d, chunk);
		else
			memcpy(d, m, chunk);
		off += chunk;
		d += chunk;
		len -= chunk;
	}
}

static uint32_t kb32(struct fake *f, const struct kbuf *b, size_t off)
{
	uint8_t x[4];

	kb_rw(f, b, off, x, 4, false);
	return get32(x);
}

/* ------------------------------------------------------------------ */

static struct fake *fk_new(void)
{
	static const struct model_dev_ops dops = {
		fk_fn_info, fk_ide_key, fk_tdi_state, NULL,
	};
	struct psp_ops ops = {
		.recv = op_recv, .reply = op_reply, .mem = op_mem, .ctx = op_ctx,
		.root_port = op_root_port, .rp_key = op_rp_key,
	};
	struct fake *f = calloc(1, sizeof(*f));
	char path[512];
	unsigned int i;

	if (!f)
		return NULL;
	f->mem = calloc(MEM_PAGES, PG);
	f->id = test_identity();
	f->rp_port = RP_PORT;
	ops.priv = f;
	f->p = psp_new(&ops, test_cert_path(path, sizeof(path), "root.der"), false);
	for (i = 0; i < 2 && f->id; i++) {
		struct model_dev_ops o = dops;
		struct fdev *d = &f->devs[i];

		d->f = f;
		d->device_id = i ? DEV_B : DEV_A;
		o.priv = d;
		d->pcisig = pcisig_dev_new(SEG, d->device_id, &o);
		d->rsp = d->pcisig ? spdm_rsp_new(f->id, d->pcisig) : NULL;
	}
	if (!f->mem || !f->p || !f->devs[0].rsp || !f->devs[1].rsp) {
		model_test_fail(__FILE__, __LINE__, "fake kernel");
		return f;
	}
	return f;
}

static void fk_free(struct fake *f)
{
	unsigned int i;

	if (!f)
		return;
	psp_free(f->p);
	for (i = 0; i < 2; i++) {
		spdm_rsp_free(f->devs[i].rsp);
		pcisig_dev_free(f->devs[i].pcisig);
	}
	model_identity_free(f->id);
	free(f->mem);
	free(f);
}

/* One issue of a command; its status or NO_REPLY */
static int fk_issue(struct fake *f, uint32_t cmd, uint8_t *buf, size_t len)
{
	f->cmd = cmd;
	f->tag++;
	memcpy(f->buf, buf, len);
	f->len = len;
	f->queued = true;
	f->replied = false;
	EXPECT_EQ(psp_serve_one(f->p), 0);
	if (!f->replied)
		return NO_REPLY;
	memcpy(buf, f->answer, len);
	return f->status;
}

/* The host side of one SPDM round: carry the request in req to the device */
static void fk_round(struct fake *f, struct kdev *k)
{
	uint8_t obj[16], req[MODEL_DOE_MAX] = { 0 }, rsp[MODEL_DOE_MAX] = { 0 };
	uint8_t hdr[16] = { 2, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint32_t objlen, rlen;
	int n;

	kb_rw(f, &k->req, 0x40, obj, sizeof(obj), false);
	EXPECT_EQ(get32(obj), 1);
	EXPECT_EQ(obj[9], 1);
	objlen = get32(obj + 4);
	EXPECT_EQ(kb32(f, &k->req, 4), (objlen + 31) / 32 * 32);
	ASSERT(objlen > 16 && objlen - 16 <= MODEL_DOE_MAX - 8);
	kb_rw(f, &k->req, 0x50, req, objlen - 16, false);
	if (f->fault_round && f->rounds + 1 == f->fault_round)
		k->fd->fault = f->fault_at;
	n = spdm_rsp_handle(k->fd->rsp, obj[10], req, (objlen - 16 + 3) & ~3u, rsp,
			    MODEL_DOE_MAX - 8, &k->fd->fault);
	if (n < 0)
		n = 0;		/* DOE error: an empty answer */
	n = (n + 3) & ~3;
	rlen = (16 + n + 31) / 32 * 32;
	hdr[10] = obj[10];
	put32(hdr + 4, rlen);
	kb_rw(f, &k->resp, 0x40, hdr, sizeof(hdr), true);
	kb_rw(f, &k->resp, 0x50, rsp, rlen - 16, true);
	put32(hdr, rlen);
	kb_rw(f, &k->resp, 4, hdr, 4, true);
	f->rounds++;
}

/*
 * An SPDM-capable command to completion: rounds until the status is not
 * SPDM_REQUEST; one expansion of output/scratch when asked.
 */
static int fk_spdm(struct fake *f, struct kdev *k, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint8_t saved[PSP_MAX_CMD];
	bool expanded = false;
	int st, i;

	memcpy(saved, buf, len);
	for (i = 0; i < 400; i++) {
		memcpy(buf, saved, len);
		st = fk_issue(f, cmd, buf, len);
		if (st == PSP_EXPAND_BUFFER && !expanded) {
			struct kbuf *bufs[2] = { &k->scratch, &k->out };
			unsigned int j, off[2] = { 16, 24 };
			bool grown = false;

			expanded = true;
			for (j = 0; j < 2; j++) {
				uint32_t want = kb32(f, bufs[j], 0);
				struct kbuf nb;
				uint8_t *tmp;

				if (!bufs[j]->n || want <= bufs[j]->n * PG)
					continue;
				if (want % PG || want / PG > 8)
					return -EINVAL;
				fk_buf(f, &nb, want / PG, true, false);
				tmp = malloc(bufs[j]->n * PG);
				if (!tmp)
					return -ENOMEM;
				kb_rw(f, bufs[j], 0, tmp, bufs[j]->n * PG, false);
				kb_rw(f, &nb, 0, tmp, bufs[j]->n * PG, true);
				free(tmp);
				*bufs[j] = nb;
				put64(saved + 8 + off[j], nb.sla);
				grown = true;
				f->expansions++;
			}
			if (!grown)
				return -EFAULT;
			continue;
		}
		if (st != PSP_SPDM_REQUEST)
			return st;
		fk_round(f, k);
	}
	return -ELOOP;
}

/* ------------------------------------------------------------------ */
/* Command buffers (FACTS 6.5 - 6.10)                                   */

static void cmd_init(uint8_t *b, uint32_t len)
{
	memset(b, 0, PSP_MAX_CMD);
	put32(b, len);
}

static void spdm_ctrl(uint8_t *b, struct kdev *k)
{
	put64(b + 8, k->req.sla);
	put64(b + 16, k->resp.sla);
	put64(b + 24, k->scratch.sla);
	put64(b + 32, k->out.sla);
}

static int tio_init(struct fake *f)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 16);
	return fk_issue(f, PSP_TIO_INIT, b, 16);
}

/* DEV_CREATE of @d, as seen in PCI segment @seg */
static int dev_create_seg(struct fake *f, struct kdev *k, struct fdev *d, uint8_t seg)
{
	uint8_t b[PSP_MAX_CMD];

	memset(k, 0, sizeof(*k));
	k->fd = d;
	k->seg = seg;
	fk_buf(f, &k->ctx, 1, true, false);
	fk_buf(f, &k->req, 2, true, true);
	fk_buf(f, &k->resp, 2, false, true);
	fk_buf(f, &k->scratch, 1, true, true);
	fk_buf(f, &k->out, 1, true, true);
	cmd_init(b, 32);
	put64(b + 8, k->ctx.sla);
	put16(b + 16, d->device_id);
	put16(b + 18, RP_PORT);
	b[20] = seg;
	return fk_issue(f, PSP_DEV_CREATE, b, 32);
}

static int dev_create(struct fake *f, struct kdev *k, struct fdev *d)
{
	return dev_create_seg(f, k, d, SEG);
}

static void connect_cmd(uint8_t *b, struct kdev *k)
{
	cmd_init(b, 80);
	spdm_ctrl(b, k);
	put64(b + 48, k->ctx.sla);
	b[56] = 1;
	b[57] = 0;
	memset(b + 64, 0xff, 8);
	b[64] = STREAM;
}

static int dev_connect(struct fake *f, struct kdev *k)
{
	uint8_t b[PSP_MAX_CMD];

	connect_cmd(b, k);
	return fk_spdm(f, k, PSP_DEV_CONNECT, b, 80);
}

static int dev_disconnect(struct fake *f, struct kdev *k, bool force)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 48);
	put32(b + 4, force);
	spdm_ctrl(b, k);
	put64(b + 40, k->ctx.sla);
	return fk_spdm(f, k, PSP_DEV_DISCONNECT, b, 48);
}

static int dev_reclaim(struct fake *f, struct kdev *k)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 16);
	put64(b + 8, k->ctx.sla);
	return fk_issue(f, PSP_DEV_RECLAIM, b, 16);
}

/*
 * TIO_DEV_STATUS, 32 bytes: status_paddr at 16 (AMDESE/linux-kvm
 * drivers/crypto/ccp/sev-dev-tio.c @ 16f379f5463a)
 */
static void dev_status_cmd(uint8_t *b, struct kdev *k, uint64_t pa)
{
	cmd_init(b, 32);
	put64(b + 8, k->ctx.sla);
	put64(b + 16, pa);
}

static int dev_status(struct fake *f, struct kdev *k, uint8_t out[160])
{
	uint8_t b[PSP_MAX_CMD];
	uint64_t pa = fk_page(f, true);
	int st;

	dev_status_cmd(b, k, pa);
	st = fk_issue(f, PSP_DEV_STATUS, b, 32);
	memcpy(out, fk_ptr(f, pa), 160);
	return st;
}

/* The evidence object of the output buffer: payload and its length */
static uint8_t *out_object(struct fake *f, struct kdev *k, uint32_t id, size_t *len)
{
	uint8_t hdr[32], *p;
	uint32_t olen;

	kb_rw(f, &k->out, 0x40, hdr, sizeof(hdr), false);
	olen = get32(hdr + 4);
	EXPECT_EQ(get32(hdr), id);
	EXPECT_EQ(hdr[9], 1);
	EXPECT_EQ(get16(hdr + 16), k->fd->device_id);
	EXPECT_EQ(hdr[18], k->seg);
	/* type: measurements come as TIO_SPDM_MEASUREMENTS_LOG (2) */
	EXPECT_EQ(hdr[19], id == 5 ? 2 : 1);
	EXPECT_EQ(kb32(f, &k->out, 4), (olen + 31) / 32 * 32);
	if (get32(hdr) != id || olen < 32 || 0x40 + olen > k->out.n * PG)
		return NULL;
	*len = olen - 32;
	p = malloc(*len);
	if (p)
		kb_rw(f, &k->out, 0x60, p, *len, false);
	return p;
}

static int dev_certificates(struct fake *f, struct kdev *k)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 48);
	spdm_ctrl(b, k);
	put64(b + 40, k->ctx.sla);
	return fk_spdm(f, k, PSP_DEV_CERTIFICATES, b, 48);
}

/* TIO_DEV_MEASUREMENTS with @flags (bit 0 RAW_BITSTREAM, which AMD always sets) */
static int dev_measurements_flags(struct fake *f, struct kdev *k, const uint8_t nonce[32],
				  uint32_t flags)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 80);
	put32(b + 4, flags);
	spdm_ctrl(b, k);
	put64(b + 40, k->ctx.sla);
	memcpy(b + 48, nonce, 32);
	return fk_spdm(f, k, PSP_DEV_MEASUREMENTS, b, 80);
}

static int dev_measurements(struct fake *f, struct kdev *k, const uint8_t nonce[32])
{
	return dev_measurements_flags(f, k, nonce, 1);
}

#define RSEG_VALID	(1u << 24)

/* TIO_TDI_CREATE with the interface's function_id @fid */
static int tdi_create_fid(struct fake *f, struct kdev *k, struct kbuf *t, uint32_t fid)
{
	uint8_t b[PSP_MAX_CMD];

	fk_buf(f, t, 1, true, false);
	cmd_init(b, 48);
	put64(b + 8, k->ctx.sla);
	put64(b + 16, t->sla);
	put32(b + 24, fid);
	return fk_issue(f, PSP_TDI_CREATE, b, 48);
}

/* RSEG_VALID and the segment only for a segment other than 0, as AMD does */
static int tdi_create(struct fake *f, struct kdev *k, struct kbuf *t, uint16_t rid)
{
	return tdi_create_fid(f, k, t, rid | (k->seg ? (uint32_t)k->seg << 16 | RSEG_VALID : 0));
}

static int tdi_reclaim(struct fake *f, struct kdev *k, struct kbuf *t)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 32);
	put64(b + 8, k->ctx.sla);
	put64(b + 16, t->sla);
	return fk_issue(f, PSP_TDI_RECLAIM, b, 32);
}

#define GUEST_ID	0x0042
#define BIND_FLAGS	0x15	/* NO_FW_UPDATE, LOCK_MSIX, ALL_REQUEST_REDIRECT */
#define ASID		7

/*
 * A guest context page: firmware-owned, its first four bytes the guest's
 * ASID (what the emulated hypervisor writes before it hands the page
 * over; on hardware SNP_ACTIVATE binds the ASID to the context)
 */
static uint64_t fk_gctx(struct fake *f, uint32_t asid)
{
	uint64_t pa = fk_page(f, true);

	if (pa)
		put32(fk_ptr(f, pa), asid);
	return pa;
}

/*
 * TIO_TDI_BIND, 80 bytes: run_flags (u16) at 68, reserved[10] at 70
 * (AMDESE/linux-kvm drivers/crypto/ccp/sev-dev-tio.c @ 16f379f5463a)
 */
static void bind_cmd(uint8_t *b, struct kdev *k, struct kbuf *t, uint16_t flags, uint16_t run,
		     uint64_t gctx)
{
	cmd_init(b, 80);
	spdm_ctrl(b, k);
	put64(b + 40, k->ctx.sla);
	put64(b + 48, t->sla);
	put64(b + 56, gctx);
	put16(b + 64, GUEST_ID);
	put16(b + 66, flags);
	put16(b + 68, run);
}

/* TDI_BIND with the guest context page @gctx */
static int tdi_bind_gctx(struct fake *f, struct kdev *k, struct kbuf *t, uint16_t flags,
			 bool run, uint64_t gctx)
{
	uint8_t b[PSP_MAX_CMD];
	int st;

	bind_cmd(b, k, t, flags, run, gctx);
	st = fk_spdm(f, k, PSP_TDI_BIND, b, 80);
	if (st == PSP_OK && t->gctx != gctx) {
		t->gctx = gctx;
		t->seqno = 0;
	}
	return st;
}

/*
 * TDI_BIND for a new guest context with an ASID of its own (an interface
 * that ran fences its guest's ASID when it is unbound)
 */
static int tdi_bind(struct fake *f, struct kdev *k, struct kbuf *t, uint16_t flags, bool run)
{
	return tdi_bind_gctx(f, k, t, flags, run, fk_gctx(f, 100 + f->next_asid++));
}

/* TDI_UNBIND (@word4: flags), TDI_REPORT or TDI_STATUS (@word4: reserved) */
static int tdi_cmd_word4(struct fake *f, struct kdev *k, struct kbuf *t, uint32_t cmd,
			 uint32_t word4, uint64_t pa)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 64);
	put32(b + 4, word4);
	spdm_ctrl(b, k);
	put64(b + 40, k->ctx.sla);
	put64(b + 48, t->sla);
	put64(b + 56, pa);
	return fk_spdm(f, k, cmd, b, 64);
}

/* TDI_UNBIND, TDI_REPORT or TDI_STATUS (16-byte status at @pa) */
static int tdi_cmd(struct fake *f, struct kdev *k, struct kbuf *t, uint32_t cmd, uint64_t pa)
{
	return tdi_cmd_word4(f, k, t, cmd, 0, pa);
}

#define UNBIND_FORCE	1

static int tdi_unbind_force(struct fake *f, struct kdev *k, struct kbuf *t)
{
	return tdi_cmd_word4(f, k, t, PSP_TDI_UNBIND, UNBIND_FORCE, 0);
}

/*
 * TDI_STATUS: the 16-byte status (length, tdisp_state, reserved; AMD's
 * struct sev_tio_tdi_status_data)
 */
static int tdi_state(struct fake *f, struct kdev *k, struct kbuf *t)
{
	static const uint8_t zero[11];
	uint64_t pa = fk_page(f, true);
	int st;

	memset(fk_ptr(f, pa), 0xee, 32);
	st = tdi_cmd(f, k, t, PSP_TDI_STATUS, pa);
	if (st)
		return -st;
	EXPECT_EQ(get32(fk_ptr(f, pa)), 16);
	EXPECT_MEM(fk_ptr(f, pa) + 5, zero, sizeof(zero));
	EXPECT_EQ(fk_ptr(f, pa)[16], 0xee);	/* nothing beyond */
	return fk_ptr(f, pa)[4];
}

/*
 * A guest message with sequence number @seqno for the guest context @gctx.
 * In @rsp: the first 8 bytes of the response header, then the body (the
 * response's sequence number is checked here).  Firmware status.
 */
static int guest_seq(struct fake *f, struct kdev *k, struct kbuf *t, uint64_t gctx,
		     uint64_t seqno, uint8_t type, const uint8_t *payload, uint16_t size,
		     uint8_t *rsp)
{
	/* The response page is a firmware page, as for SNP_GUEST_REQUEST */
	uint64_t req_pa = fk_page(f, false), res_pa = fk_page(f, true);
	uint8_t b[PSP_MAX_CMD], *m = fk_ptr(f, req_pa);
	int st;

	m[0] = type;
	m[1] = 1;
	put16(m + 2, size);
	put64(m + 8, seqno);
	memcpy(m + 16, payload, size);
	cmd_init(b, 80);
	put64(b + 40, k->ctx.sla);
	put64(b + 48, t->sla);
	put64(b + 56, gctx);
	put64(b + 64, req_pa);
	put64(b + 72, res_pa);
	st = fk_issue(f, PSP_GUEST_REQUEST, b, 80);
	if (st == PSP_OK)
		EXPECT_EQ(get64(fk_ptr(f, res_pa) + 8), seqno + 1);
	memcpy(rsp, fk_ptr(f, res_pa), 8);
	memcpy(rsp + 8, fk_ptr(f, res_pa) + 16, 192);
	return st;
}

/*
 * A guest message of the guest @t was bound for, with the next sequence
 * number; as the firmware, the guest moves on only when the firmware took
 * the message
 */
static int guest(struct fake *f, struct kdev *k, struct kbuf *t, uint8_t type,
		 const uint8_t *payload, uint16_t size, uint8_t *rsp)
{
	int st = guest_seq(f, k, t, t->gctx, t->seqno + 1, type, payload, size, rsp);

	if (st == PSP_OK)
		t->seqno += 2;
	return st;
}

static int mmio_validate(struct fake *f, struct kdev *k, struct kbuf *t, uint16_t gid,
			 uint64_t base, uint32_t count, uint32_t off, uint16_t range_id,
			 bool valid, int *changed)
{
	uint8_t m[48] = { 0 }, rsp[8 + 192];

	put16(m, gid);
	put64(m + 16, base);
	put32(m + 24, count);
	put32(m + 28, off);
	put16(m + 32, valid);
	put16(m + 34, range_id);
	if (guest(f, k, t, PSP_MSG_MMIO_VALIDATE_REQ, m, sizeof(m), rsp))
		return -1;
	EXPECT_EQ(rsp[0], PSP_MSG_MMIO_VALIDATE_RSP);
	EXPECT_EQ(get16(rsp + 2), 48);
	*changed = rsp[8 + 32] & 1;
	return get16(rsp + 8 + 2);
}

/* A fake kernel with TIO initialised and device A connected */
static struct fake *fk_connected(struct kdev *k)
{
	struct fake *f = fk_new();

	if (!f || !f->p)
		return f;
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(dev_create(f, k, &f->devs[0]), PSP_OK);
	EXPECT_EQ(dev_connect(f, k), PSP_OK);
	return f;
}

/* ------------------------------------------------------------------ */

TEST(psp_tio_status_init)
{
	struct fake *f = fk_new();
	uint8_t b[PSP_MAX_CMD], *o;
	uint64_t pa;
	struct kdev k;

	ASSERT(f && f->p);
	pa = fk_page(f, true);
	cmd_init(b, 16);
	put64(b + 8, pa);
	EXPECT_EQ(fk_issue(f, PSP_TIO_STATUS, b, 16), PSP_OK);
	o = fk_ptr(f, pa);
	EXPECT_EQ(get32(o), 64);
	EXPECT_EQ(get32(o + 4), 1);		/* tio_en, not initialised */
	EXPECT_EQ(get32(o + 8), 8192);
	EXPECT_EQ(get32(o + 12), 8192);
	EXPECT_EQ(get32(o + 16), 4096);
	EXPECT_EQ(get32(o + 20), 16384);
	EXPECT_EQ(get32(o + 24), 4096);
	EXPECT_EQ(get32(o + 28), 16384);
	EXPECT_EQ(get32(o + 32), 8192);
	EXPECT_EQ(get32(o + 36), 8192);
	EXPECT_EQ(get32(o + 40), 4096);
	EXPECT_EQ(get32(o + 44), 4096);
	EXPECT_EQ(get32(o + 48), 0);

	/* Before TIO_INIT only TIO_STATUS works */
	EXPECT_EQ(dev_create(f, &k, &f->devs[0]), PSP_INVALID_PLATFORM_STATE);
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(tio_init(f), PSP_INVALID_PLATFORM_STATE);
	EXPECT_EQ(fk_issue(f, PSP_TIO_STATUS, b, 16), PSP_OK);
	EXPECT_EQ(get32(o + 4), 3);

	/* Status page: not firmware-owned, NULL, crossing a page */
	put64(b + 8, fk_page(f, false));
	EXPECT_EQ(fk_issue(f, PSP_TIO_STATUS, b, 16), PSP_INVALID_PAGE_STATE);
	put64(b + 8, 0);
	EXPECT_EQ(fk_issue(f, PSP_TIO_STATUS, b, 16), PSP_INVALID_ADDRESS);
	put64(b + 8, pa + 4064);
	EXPECT_EQ(fk_issue(f, PSP_TIO_STATUS, b, 16), PSP_INVALID_ADDRESS);

	/* Lengths and unknown commands */
	put64(b + 8, pa);
	put32(b, 24);
	EXPECT_EQ(fk_issue(f, PSP_TIO_STATUS, b, 24), PSP_INVALID_LEN);
	put32(b, 16);
	EXPECT_EQ(fk_issue(f, PSP_TIO_STATUS, b, 12), PSP_INVALID_LEN);
	EXPECT_EQ(fk_issue(f, PSP_TIO_STATUS, b, 24), PSP_INVALID_LEN);
	EXPECT_EQ(fk_issue(f, 0x0d9, b, 16), PSP_INVALID_COMMAND);
	EXPECT_EQ(fk_issue(f, 0x0e4, b, 48), PSP_INVALID_COMMAND);
	EXPECT_EQ(fk_issue(f, 0x081, b, 16), PSP_INVALID_COMMAND);
	fk_free(f);
}

TEST(psp_connect_status)
{
	struct kdev k, k2;
	struct fake *f = fk_connected(&k);
	uint8_t st[160], h[48], b[PSP_MAX_CMD];

	ASSERT(f && f->p);
	EXPECT(f->rounds > 20);
	/* Endpoint keys set to go (device callback) and the root port's */
	EXPECT_EQ(ep_slots(&f->devs[0], STREAM), 2);
	EXPECT_EQ(rp_slots(f, STREAM), 2);
	EXPECT_EQ(f->rp_calls, 2);
	/* of key set 0, each end receiving with the keys the other sends with */
	EXPECT_EQ(f->rp_go[STREAM][0][IDEKM_RX] + f->rp_go[STREAM][0][IDEKM_TX], 2);
	EXPECT(f->rp_tag[STREAM][0][IDEKM_RX] != f->rp_tag[STREAM][0][IDEKM_TX]);
	EXPECT(link_secure(f, &f->devs[0], STREAM));

	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(get32(st), 160);
	EXPECT_EQ(st[4], 1);
	EXPECT_EQ(st[6], 0);
	EXPECT_EQ(st[7], 0);
	EXPECT_EQ(get16(st + 8), DEV_A);
	EXPECT_EQ(st[10], SEG);
	EXPECT_EQ(st[11], 1);
	EXPECT_EQ(st[32], STREAM);
	EXPECT_EQ(st[33], 0xff);
	EXPECT_EQ(crypto_sha384(f->id->chain, f->id->chain_len, h), 0);
	EXPECT_MEM(st + 48, h, 48);
	EXPECT_EQ(st[28] & 1, 0);
	EXPECT_EQ(get32(st + 144), 0);
	EXPECT_EQ(get32(st + 148), 0);

	/* tio_spdm_algos in the last 8 bytes, as put_algos() for TDI_INFO */
	EXPECT_EQ(st[152], 1);		/* SECP384R1 */
	EXPECT_EQ(st[153], 1);		/* AES-256-GCM */
	EXPECT_EQ(st[154], 2);		/* ECDSA P-384 */
	EXPECT_EQ(st[155], 1);		/* SHA-384 */
	EXPECT_EQ(st[156], 0);		/* SPDM key schedule */
	EXPECT_EQ(get16(st + 157) | st[159], 0);

	/*
	 * The RFC's 28-byte layout (status_length at 16, paddr at 20) is
	 * gone: INVALID_LEN; the status page must be firmware-owned
	 */
	cmd_init(b, 28);
	put64(b + 8, k.ctx.sla);
	put32(b + 16, 160);
	put64(b + 20, fk_page(f, true));
	EXPECT_EQ(fk_issue(f, PSP_DEV_STATUS, b, 28), PSP_INVALID_LEN);
	put32(b, 32);
	EXPECT_EQ(fk_issue(f, PSP_DEV_STATUS, b, 28), PSP_INVALID_LEN);
	dev_status_cmd(b, &k, fk_page(f, false));
	EXPECT_EQ(fk_issue(f, PSP_DEV_STATUS, b, 32), PSP_INVALID_PAGE_STATE);
	dev_status_cmd(b, &k, 0);
	EXPECT_EQ(fk_issue(f, PSP_DEV_STATUS, b, 32), PSP_INVALID_ADDRESS);

	/* Connected already; a second context for the device */
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_DEV_STATE);
	EXPECT_EQ(dev_create(f, &k2, &f->devs[0]), PSP_ALREADY_OWNED);
	/* The same context page twice; function != 0 */
	cmd_init(b, 32);
	put64(b + 8, k.ctx.sla);
	put16(b + 16, DEV_B);
	put16(b + 18, RP_PORT);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CREATE, b, 32), PSP_INVALID_PAGE_STATE);
	put64(b + 8, fk_page(f, true));
	put16(b + 16, DEV_B | 1);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CREATE, b, 32), PSP_INVALID_PARAM);
	put64(b + 8, fk_page(f, false));
	put16(b + 16, DEV_B);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CREATE, b, 32), PSP_INVALID_PAGE_STATE);

	/* A connect that cannot start: TC0 missing, unused stream, port */
	EXPECT_EQ(dev_create(f, &k2, &f->devs[1]), PSP_OK);
	connect_cmd(b, &k2);
	b[56] = 2;
	b[65] = 2;
	EXPECT_EQ(fk_spdm(f, &k2, PSP_DEV_CONNECT, b, 80), PSP_INVALID_PARAM);
	connect_cmd(b, &k2);
	b[56] = 3;
	EXPECT_EQ(fk_spdm(f, &k2, PSP_DEV_CONNECT, b, 80), PSP_INVALID_PARAM);
	connect_cmd(b, &k2);
	b[57] = 8;
	EXPECT_EQ(fk_spdm(f, &k2, PSP_DEV_CONNECT, b, 80), PSP_INVALID_PARAM);
	f->rp_port = RP_PORT + 1;
	EXPECT_EQ(dev_connect(f, &k2), PSP_INVALID_PARAM);
	f->rp_port = RP_PORT;
	/* Two TCs on two streams: both programmed */
	connect_cmd(b, &k2);
	b[56] = 3;
	b[65] = 0;
	EXPECT_EQ(fk_spdm(f, &k2, PSP_DEV_CONNECT, b, 80), PSP_OK);
	EXPECT_EQ(ep_slots(&f->devs[1], STREAM), 2);
	EXPECT_EQ(ep_slots(&f->devs[1], 0), 2);
	EXPECT_EQ(rp_slots(f, 0), 2);
	EXPECT_EQ(dev_status(f, &k2, st), PSP_OK);
	EXPECT_EQ(st[11], 3);
	EXPECT_EQ(st[33], 0);
	EXPECT_EQ(dev_disconnect(f, &k2, false), PSP_OK);
	EXPECT_EQ(rp_slots(f, 0), 0);
	EXPECT_EQ(dev_reclaim(f, &k2), PSP_OK);

	/* Unknown context */
	memset(&k2, 0, sizeof(k2));
	k2.fd = &f->devs[1];
	k2.ctx.sla = fk_page(f, true);
	EXPECT_EQ(dev_status(f, &k2, st), PSP_INVALID_DEV_CTX);
	fk_free(f);
}

TEST(psp_certificates_expand)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	uint8_t *chain;
	char path[] = "/tmp/tsm-psp-pemXXXXXX";
	size_t len;
	FILE *fp;
	int fd;

	ASSERT(f && f->p);
	EXPECT_EQ(dev_certificates(f, &k), PSP_OK);
	chain = out_object(f, &k, 4, &len);
	ASSERT(chain);
	EXPECT_EQ(len, f->id->chain_len);
	EXPECT_MEM(chain, f->id->chain, len);
	free(chain);

	/* Asked to grow the output: 0x31, then success in 3 pages */
	EXPECT_EQ(psp_fault_word(f->p, "fw-expand=output:12000"), 0);
	EXPECT_EQ(dev_certificates(f, &k), PSP_OK);
	EXPECT_EQ(f->expansions, 1);
	EXPECT_EQ(k.out.n, 3);
	chain = out_object(f, &k, 4, &len);
	ASSERT(chain);
	EXPECT_EQ(len, f->id->chain_len);
	EXPECT_MEM(chain, f->id->chain, len);

	/* The chain as PEM; a chain whose Length is wrong is refused */
	fd = mkstemp(path);
	ASSERT(fd >= 0);
	fp = fdopen(fd, "w");
	ASSERT(fp);
	EXPECT_EQ(tsm_ev_chain_pem(chain, len, fp), 3);
	fclose(fp);
	unlink(path);
	EXPECT_EQ(tsm_ev_chain_pem(chain, len - 1, stderr), -EBADMSG);
	chain[4] ^= 1;	/* RootHash */
	EXPECT_EQ(tsm_ev_chain_pem(chain, len, stderr), -EBADMSG);
	free(chain);

	/* Not connected: the certificates are fetched after a VCA */
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	EXPECT_EQ(dev_certificates(f, &k), PSP_OK);
	chain = out_object(f, &k, 4, &len);
	ASSERT(chain);
	EXPECT_MEM(chain, f->id->chain, len);
	free(chain);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	fk_free(f);
}

/* The transcript's signature checked with the device key; its nonce */
static int meas_verify(struct fake *f, const uint8_t *meas, size_t len, uint8_t nonce[32])
{
	struct tsm_ev_meas m;
	int rc = tsm_ev_meas_verify(f->id->key, meas, len, &m);

	if (!rc)
		memcpy(nonce, m.nonce, 32);
	return rc;
}

/* Evidence for the command-line utilities (run-tests.sh) */
static void save_evidence(const char *name, const uint8_t *p, size_t len)
{
	const char *dir = getenv("TSM_MODEL_EVIDENCE");
	char path[512];
	FILE *fp;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	EXPECT(fp);
	if (!fp)
		return;
	EXPECT_EQ(fwrite(p, 1, len, fp), len);
	fclose(fp);
}

TEST(psp_measurements)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	uint8_t nonce[32], got[32], st[160], h[48], zero[48] = { 0 }, *meas;
	struct tsm_ev_block b;
	struct tsm_ev_meas m;
	size_t len, off;
	int i;

	ASSERT(f && f->p);
	for (i = 0; i < 32; i++)
		nonce[i] = 0xa0 + i;
	EXPECT_EQ(dev_measurements(f, &k, nonce), PSP_OK);
	meas = out_object(f, &k, 5, &len);
	ASSERT(meas);
	EXPECT_EQ(meas_verify(f, meas, len, got), 0);
	EXPECT_MEM(got, nonce, 32);
	save_evidence("meas.bin", meas, len);
	save_evidence("chain.bin", f->id->chain, f->id->chain_len);
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(st[28] & 1, 1);
	EXPECT(memcmp(st + 96, zero, 48) != 0);
	/* Tampered: a measurement byte, then the signature */
	meas[len / 2] ^= 1;
	EXPECT_EQ(meas_verify(f, meas, len, got), -EBADMSG);
	meas[len / 2] ^= 1;
	meas[len - 1] ^= 1;
	EXPECT_EQ(meas_verify(f, meas, len, got), -EBADMSG);
	meas[len - 1] ^= 1;
	EXPECT_EQ(meas_verify(f, meas, len - 1, got), -EBADMSG);
	/* The record: every block walks, a wrong block count is malformed */
	EXPECT_EQ(tsm_ev_meas_parse(meas, len, &m), 0);
	EXPECT(m.blocks > 0);
	for (i = 0, off = 0; tsm_ev_meas_next(&m, &off, &b) > 0; i++)
		EXPECT(b.dmtf);
	EXPECT_EQ(i, (int)m.blocks);
	EXPECT_EQ(off, m.record_len);
	meas[m.record - meas - 4]++;	/* NumberOfBlocks */
	EXPECT_EQ(tsm_ev_meas_parse(meas, len, &m), -EBADMSG);
	EXPECT(strstr(tsm_ev_error(), "blocks"));
	free(meas);
	EXPECT_EQ(crypto_sha384(st + 96, 48, h), 0);

	/* The session survived the plain GET_MEASUREMENTS */
	EXPECT_EQ(dev_certificates(f, &k), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);

	/* A device-side bad signature is SPDM_ERROR */
	f->devs[0].fault = FAULT_BAD_SIGNATURE;
	EXPECT_EQ(dev_measurements(f, &k, nonce), PSP_SPDM_ERROR);
	f->devs[0].fault = FAULT_NONE;
	/* Not connected: fetched after VCA and certificates */
	nonce[0] ^= 0xff;
	EXPECT_EQ(dev_measurements(f, &k, nonce), PSP_OK);
	meas = out_object(f, &k, 5, &len);
	ASSERT(meas);
	EXPECT_EQ(meas_verify(f, meas, len, got), 0);
	EXPECT_MEM(got, nonce, 32);
	free(meas);
	fk_free(f);
}

TEST(psp_tdi_flow)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	uint8_t st[160], rsp[8 + 192], m[80] = { 0 }, b[PSP_MAX_CMD], *report, h[48], *o;
	struct kbuf t0, t1, bogus;
	uint64_t pa, first, g1;
	size_t len;
	int changed, n;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t0, DEV_A), PSP_OK);
	EXPECT_EQ(tdi_create(f, &k, &t1, DEV_A | 1), PSP_OK);
	EXPECT_EQ(tdi_create(f, &k, &bogus, DEV_A), PSP_ALREADY_OWNED);
	EXPECT_EQ(tdi_create(f, &k, &bogus, DEV_B), PSP_INVALID_PARAM);
	cmd_init(b, 48);
	put64(b + 8, k.ctx.sla);
	put64(b + 16, fk_page(f, true));
	put32(b + 24, DEV_A | 2 | RSEG_VALID);	/* RSEG_VALID in segment 0 */
	EXPECT_EQ(fk_issue(f, PSP_TDI_CREATE, b, 48), PSP_INVALID_PARAM);
	put64(b + 16, fk_page(f, false));
	put32(b + 24, DEV_A | 2);
	EXPECT_EQ(fk_issue(f, PSP_TDI_CREATE, b, 48), PSP_INVALID_PAGE_STATE);

	/* The guest context must be a firmware page */
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, false, fk_page(f, false)),
		  PSP_INVALID_PAGE_STATE);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, false, 0), PSP_INVALID_ADDRESS);
	/* Lock flags the firmware refuses */
	EXPECT_EQ(tdi_bind(f, &k, &t0, 0x05, false), PSP_INVALID_PARAM);
	EXPECT_EQ(tdi_bind(f, &k, &t0, 0x1d, false), PSP_INVALID_PARAM);
	EXPECT_EQ(tdi_cmd(f, &k, &t0, PSP_TDI_UNBIND, 0), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_cmd(f, &k, &t0, PSP_TDI_REPORT, 0), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_state(f, &k, &t0), TDI_CONFIG_UNLOCKED);

	/* Bind with RUN: the report comes back in the output */
	EXPECT_EQ(tdi_bind(f, &k, &t0, BIND_FLAGS, true), PSP_OK);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_RUN);
	EXPECT_EQ(tdi_state(f, &k, &t0), TDI_RUN);
	report = out_object(f, &k, 6, &len);
	ASSERT(report && len >= 16 + 16);
	n = get32(report + 12);
	EXPECT(n >= 2);
	EXPECT_EQ(len, 20 + 16 * (size_t)n);
	EXPECT_EQ(tdi_bind(f, &k, &t0, BIND_FLAGS, false), PSP_INVALID_TDI_STATE);
	/* Bind without RUN */
	g1 = fk_gctx(f, ASID);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t1, BIND_FLAGS, false, g1), PSP_OK);
	EXPECT_EQ(tdi_state(f, &k, &t1), TDI_CONFIG_LOCKED);
	EXPECT_EQ(tdi_cmd(f, &k, &t1, PSP_TDI_REPORT, 0), PSP_OK);
	free(out_object(f, &k, 6, &len));

	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(get32(st + 144), 2);
	EXPECT_EQ(get32(st + 148), 2);
	EXPECT_EQ(st[28] & 2, 2);

	/* TDI_INFO command */
	pa = fk_page(f, true);
	cmd_init(b, 48);
	put64(b + 8, k.ctx.sla);
	put64(b + 16, t0.sla);
	put64(b + 24, pa);
	EXPECT_EQ(fk_issue(f, PSP_TDI_INFO, b, 48), PSP_OK);
	o = fk_ptr(f, pa);
	EXPECT_EQ(get32(o), 192);
	EXPECT_EQ(get32(o + 4), DEV_A);
	EXPECT_EQ((o[16] >> 2) & 3, 2);
	EXPECT_EQ(get32(o + 20), BIND_FLAGS);
	EXPECT_EQ(crypto_sha384(report, len > 0 ? 20 + 16 * (size_t)n : 0, h), 0);

	/* Guest: TDI_INFO */
	put16(m, GUEST_ID);
	EXPECT_EQ(guest(f, &k, &t0, PSP_MSG_TDI_INFO_REQ, m, 16, rsp), PSP_OK);
	EXPECT_EQ(rsp[0], PSP_MSG_TDI_INFO_RSP);
	EXPECT_EQ(rsp[1], 1);
	EXPECT_EQ(get16(rsp + 2), 192);
	EXPECT_EQ(get16(rsp + 8), GUEST_ID);
	EXPECT_EQ(get16(rsp + 10), 0);
	EXPECT_EQ(get32(rsp + 8 + 20), BIND_FLAGS);
	EXPECT_EQ(rsp[8 + 24], 1);
	EXPECT_EQ(rsp[8 + 25], 1);
	EXPECT_EQ(rsp[8 + 26], 2);
	EXPECT_EQ(rsp[8 + 27], 1);
	EXPECT_EQ(rsp[8 + 28], 0);
	EXPECT_MEM(rsp + 8 + 128, h, 48);
	EXPECT_MEM(rsp + 8 + 32, st + 48, 48);
	EXPECT_EQ(get64(rsp + 8 + 176), 1);
	put16(m, GUEST_ID + 1);
	EXPECT_EQ(guest(f, &k, &t0, PSP_MSG_TDI_INFO_REQ, m, 16, rsp), PSP_OK);
	EXPECT_EQ(get16(rsp + 10), 1);
	/* Malformed guest messages */
	put16(m, GUEST_ID);
	EXPECT_EQ(guest(f, &k, &t0, PSP_MSG_TDI_INFO_REQ, m, 15, rsp), PSP_INVALID_PARAM);
	EXPECT_EQ(guest(f, &k, &t0, 23, m, 48, rsp), PSP_INVALID_PARAM);
	EXPECT_EQ(guest(f, &k, &t0, 0xff, m, 16, rsp), PSP_INVALID_PARAM);

	/* Guest: MMIO_VALIDATE against the report's first range */
	first = get64(report + 16);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 1, 0, get16(report + 30), true,
				&changed), 0);
	EXPECT_EQ(changed, 1);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 1, 0, get16(report + 30), true,
				&changed), 0);
	EXPECT_EQ(changed, 0);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 1, 0, get16(report + 30), false,
				&changed), 0);
	EXPECT_EQ(changed, 1);
	/* Pages of which only some are validated: not uniform */
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 1, 0, get16(report + 30), true,
				&changed), 0);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 2, 0, get16(report + 30), true,
				&changed), 5);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 2, 0, get16(report + 30), false,
				&changed), 5);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 1, 0, get16(report + 30), false,
				&changed), 0);
	EXPECT_EQ(changed, 1);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 1, 0, 5, true, &changed), 8);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 0x10000, 0, get16(report + 30),
				true, &changed), 9);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, (first << 12) + 8, 1, 0, get16(report + 30),
				true, &changed), 10);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID + 1, first << 12, 1, 0, get16(report + 30),
				true, &changed), 1);
	free(report);

	/* Guest: SDTE_WRITE */
	memset(m, 0, sizeof(m));
	put16(m, GUEST_ID);
	m[16] = 1;
	EXPECT_EQ(guest(f, &k, &t0, PSP_MSG_SDTE_WRITE_REQ, m, 80, rsp), PSP_OK);
	EXPECT_EQ(rsp[0], PSP_MSG_SDTE_WRITE_RSP);
	EXPECT_EQ(get16(rsp + 2), 16);
	EXPECT_EQ(get16(rsp + 10), 0);
	put16(m, GUEST_ID + 1);
	EXPECT_EQ(guest(f, &k, &t0, PSP_MSG_SDTE_WRITE_REQ, m, 80, rsp), PSP_OK);
	EXPECT_EQ(get16(rsp + 10), 1);

	/* Teardown order: bound TDIs hold the device */
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_IN_USE);
	EXPECT_EQ(tdi_reclaim(f, &k, &t0), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_cmd(f, &k, &t0, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(tdi_state(f, &k, &t0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(tdi_cmd(f, &k, &t0, PSP_TDI_UNBIND, 0), PSP_INVALID_TDI_STATE);
	put16(m, GUEST_ID);
	EXPECT_EQ(guest(f, &k, &t0, PSP_MSG_TDI_INFO_REQ, m, 16, rsp), PSP_OK);
	EXPECT_EQ(get16(rsp + 10), 2);
	EXPECT_EQ(guest(f, &k, &t0, PSP_MSG_SDTE_WRITE_REQ, m, 80, rsp), PSP_OK);
	EXPECT_EQ(get16(rsp + 10), 2);
	EXPECT_EQ(mmio_validate(f, &k, &t0, GUEST_ID, first << 12, 1, 0, 0, true, &changed), 2);
	EXPECT_EQ(tdi_reclaim(f, &k, &t0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t0), PSP_INVALID_TDI_CTX);
	EXPECT_EQ(tdi_state(f, &k, &t0), -PSP_INVALID_TDI_CTX);

	/* Start of the locked t1: same guest context and flags only */
	EXPECT_EQ(tdi_bind(f, &k, &t1, BIND_FLAGS, true), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t1, 0x11, true, g1), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_state(f, &k, &t1), TDI_CONFIG_LOCKED);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t1, BIND_FLAGS, true, g1), PSP_OK);
	EXPECT_EQ(tdi_state(f, &k, &t1), TDI_RUN);
	report = out_object(f, &k, 6, &len);
	EXPECT(report && len >= 16 + 16);
	free(report);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t1, BIND_FLAGS, true, g1), PSP_INVALID_TDI_STATE);

	/* A forced disconnect unbinds t1 without SPDM traffic */
	n = f->rounds;
	EXPECT_EQ(dev_reclaim(f, &k), PSP_INVALID_DEV_STATE);
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	EXPECT_EQ(f->rounds, n);
	EXPECT_EQ(rp_slots(f, STREAM), 0);
	EXPECT_EQ(tdi_state(f, &k, &t1), -PSP_INVALID_DEV_STATE);
	EXPECT_EQ(tdi_create(f, &k, &bogus, DEV_A), PSP_INVALID_DEV_STATE);
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(st[4], 0);
	EXPECT_EQ(get32(st + 144), 1);
	EXPECT_EQ(get32(st + 148), 0);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_IN_USE);
	EXPECT_EQ(tdi_reclaim(f, &k, &t1), PSP_OK);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	EXPECT_EQ(get64(fk_ptr(f, k.ctx.pa[0])), 0);	/* magic cleared */
	EXPECT_EQ(dev_status(f, &k, st), PSP_INVALID_DEV_CTX);
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_DEV_CTX);
	fk_free(f);
}

TEST(psp_disconnect_and_reconnect)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	int n;

	ASSERT(f && f->p);
	n = f->rounds;
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	EXPECT(f->rounds - n >= 7);	/* six K_SET_STOP and END_SESSION */
	EXPECT_EQ(ep_slots(&f->devs[0], STREAM), 0);
	EXPECT_EQ(rp_slots(f, STREAM), 0);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_INVALID_DEV_STATE);
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(ep_slots(&f->devs[0], STREAM), 2);
	EXPECT_EQ(rp_slots(f, STREAM), 2);
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	fk_free(f);
}

/*
 * The platform learns the live contexts: the RMP refuses to give their
 * pages back until they are reclaimed; fw-keep-ctx keeps one in use
 */
TEST(psp_contexts_in_use)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	struct kbuf t0, t1;

	ASSERT(f && f->p);
	EXPECT(fk_context(f, k.ctx.pa[0]));
	EXPECT_EQ(tdi_create(f, &k, &t0, DEV_A), PSP_OK);
	EXPECT(fk_context(f, t0.pa[0]));
	/* A context the platform refuses to mark is not created */
	f->ctx_refuse = true;
	EXPECT_EQ(tdi_create(f, &k, &t1, DEV_A | 1), PSP_INVALID_PAGE_STATE);
	EXPECT(!fk_context(f, t1.pa[0]));
	f->ctx_refuse = false;
	EXPECT_EQ(tdi_create(f, &k, &t1, DEV_A | 1), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t0), PSP_OK);
	EXPECT(!fk_context(f, t0.pa[0]));
	/* A firmware that still uses the context after reclaiming it */
	EXPECT_EQ(psp_fault_word(f->p, "fw-keep-ctx"), 0);
	EXPECT_EQ(tdi_reclaim(f, &k, &t1), PSP_OK);
	EXPECT(fk_context(f, t1.pa[0]));
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	EXPECT(!fk_context(f, k.ctx.pa[0]));
	fk_free(f);
}

TEST(psp_bad_buffers)
{
	struct fake *f = fk_new();
	uint8_t b[PSP_MAX_CMD];
	struct kbuf save, x;
	struct kdev k;

	ASSERT(f && f->p);
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(dev_create(f, &k, &f->devs[0]), PSP_OK);

	/* resp firmware-owned, req not */
	save = k.resp;
	fk_buf(f, &k.resp, 2, true, true);
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_PAGE_STATE);
	k.resp = save;
	save = k.req;
	fk_buf(f, &k.req, 2, false, true);
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_PAGE_STATE);
	k.req = save;
	/* capacity_sz that does not describe the pages */
	put32(fk_ptr(f, k.scratch.pa[0]), 8192);
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_LEN);
	put32(fk_ptr(f, k.scratch.pa[0]), 4096);
	/* 2 MiB page, NULL, a scatter list with a nested scatter entry */
	save = k.scratch;
	k.scratch.sla |= 2;
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_PAGE_SIZE);
	k.scratch.sla = 0;
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_ADDRESS);
	fk_buf(f, &x, 2, true, true);
	put64(fk_ptr(f, x.sla & ~1ull) + 8, x.sla);
	k.scratch = x;
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_ADDRESS);
	put64(fk_ptr(f, x.sla & ~1ull) + 8, x.pa[1] | 2);
	EXPECT_EQ(dev_connect(f, &k), PSP_INVALID_PAGE_SIZE);
	put64(fk_ptr(f, x.sla & ~1ull) + 8, x.pa[1]);
	put32(fk_ptr(f, x.pa[0]), 8192);
	k.scratch = save;
	/* An output is required for certificates */
	save = k.out;
	k.out.sla = 0;
	cmd_init(b, 48);
	spdm_ctrl(b, &k);
	put64(b + 40, k.ctx.sla);
	EXPECT_EQ(fk_spdm(f, &k, PSP_DEV_CERTIFICATES, b, 48), PSP_INVALID_ADDRESS);
	k.out = save;
	/* The C-bit above bit 45 is ignored in SLAs */
	k.req.sla |= 1ull << 47;
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	/* The device context: NULL, 2 MiB, unknown */
	save = k.ctx;
	k.ctx.sla = 0;
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_INVALID_ADDRESS);
	k.ctx.sla = save.sla | 2;
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_INVALID_PAGE_SIZE);
	k.ctx.sla = fk_page(f, true);
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_INVALID_DEV_CTX);
	k.ctx = save;
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	fk_free(f);
}

TEST(psp_reissue_must_be_identical)
{
	struct kdev k;
	struct fake *f = fk_new();
	uint8_t b[PSP_MAX_CMD], st[160];

	ASSERT(f && f->p);
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(dev_create(f, &k, &f->devs[0]), PSP_OK);
	connect_cmd(b, &k);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CONNECT, b, 80), PSP_SPDM_REQUEST);
	fk_round(f, &k);
	connect_cmd(b, &k);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CONNECT, b, 80), PSP_SPDM_REQUEST);
	fk_round(f, &k);
	/* DEV_STATUS leaves the pending flow alone and reports it */
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(st[6] & 1, 1);
	EXPECT_EQ(get16(st + 12), PSP_DEV_CONNECT);
	connect_cmd(b, &k);
	b[60] = 1;	/* a reserved byte differs */
	EXPECT_EQ(fk_issue(f, PSP_DEV_CONNECT, b, 80), PSP_INVALID_PARAM);
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(st[4], 0);
	EXPECT_EQ(st[6], 0);
	/* A fresh connect works (the device saw a half VCA) */
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);

	/* Another command aborts a pending flow and runs */
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	connect_cmd(b, &k);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CONNECT, b, 80), PSP_SPDM_REQUEST);
	EXPECT_EQ(dev_certificates(f, &k), PSP_OK);
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(st[6], 0);
	EXPECT_EQ(st[4], 0);
	/* A pending flow is aborted by a forced disconnect and by reclaim */
	connect_cmd(b, &k);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CONNECT, b, 80), PSP_SPDM_REQUEST);
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	connect_cmd(b, &k);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CONNECT, b, 80), PSP_SPDM_REQUEST);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	/* A flow left pending at exit is cleaned up by psp_free() */
	EXPECT_EQ(dev_create(f, &k, &f->devs[0]), PSP_OK);
	connect_cmd(b, &k);
	EXPECT_EQ(fk_issue(f, PSP_DEV_CONNECT, b, 80), PSP_SPDM_REQUEST);
	fk_free(f);
}

TEST(psp_interleaved_devices)
{
	struct kdev a, bk;
	struct fake *f = fk_new();
	uint8_t ca[PSP_MAX_CMD], cb[PSP_MAX_CMD], tmp[PSP_MAX_CMD];
	int sa = PSP_SPDM_REQUEST, sb = PSP_SPDM_REQUEST, i;

	ASSERT(f && f->p);
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(dev_create(f, &a, &f->devs[0]), PSP_OK);
	EXPECT_EQ(dev_create(f, &bk, &f->devs[1]), PSP_OK);
	connect_cmd(ca, &a);
	connect_cmd(cb, &bk);
	for (i = 0; i < 400 && (sa == PSP_SPDM_REQUEST || sb == PSP_SPDM_REQUEST); i++) {
		if (sa == PSP_SPDM_REQUEST) {
			memcpy(tmp, ca, 80);
			sa = fk_issue(f, PSP_DEV_CONNECT, tmp, 80);
			if (sa == PSP_SPDM_REQUEST)
				fk_round(f, &a);
		}
		if (sb == PSP_SPDM_REQUEST) {
			memcpy(tmp, cb, 80);
			sb = fk_issue(f, PSP_DEV_CONNECT, tmp, 80);
			if (sb == PSP_SPDM_REQUEST)
				fk_round(f, &bk);
		}
	}
	EXPECT_EQ(sa, PSP_OK);
	EXPECT_EQ(sb, PSP_OK);
	EXPECT_EQ(ep_slots(&f->devs[0], STREAM), 2);
	EXPECT_EQ(ep_slots(&f->devs[1], STREAM), 2);
	EXPECT_EQ(dev_disconnect(f, &a, false), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &bk, false), PSP_OK);
	fk_free(f);
}

TEST(psp_fw_faults)
{
	struct kdev k;
	struct fake *f = fk_new();
	uint8_t b[PSP_MAX_CMD], st[160];
	int n;

	ASSERT(f && f->p);
	EXPECT_EQ(psp_fault_word(f->p, "fw-status"), -EINVAL);
	EXPECT_EQ(psp_fault_word(f->p, "fw-status=0xd4"), -EINVAL);
	EXPECT_EQ(psp_fault_word(f->p, "fw-expand=input:4096"), -EINVAL);
	EXPECT_EQ(psp_fault_word(f->p, "fw-expand=output:0"), -EINVAL);
	EXPECT_EQ(psp_fault_word(f->p, "fw-bogus"), -EINVAL);
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(dev_create(f, &k, &f->devs[0]), PSP_OK);

	/* fw-status before running: no SPDM traffic, nothing changes */
	EXPECT_EQ(psp_fault_word(f->p, "fw-status=0xd4:0x33"), 0);
	n = f->rounds;
	EXPECT_EQ(dev_connect(f, &k), PSP_SPDM_ERROR);
	EXPECT_EQ(f->rounds, n);
	/* after 3 rounds: state cleaned up as on a real failure */
	EXPECT_EQ(psp_fault_word(f->p, "fw-status=0xd4:0x35:3"), 0);
	EXPECT_EQ(dev_connect(f, &k), PSP_ERR_IN_DEV_CONN);
	EXPECT_EQ(f->rounds, n + 3);
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(st[4], 0);
	/* late in the flow (after the keys): the root port keys stop */
	EXPECT_EQ(psp_fault_word(f->p, "fw-status=0xd4:0x33:200"), 0);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);	/* fewer rounds than that */
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	/* one-shot: the next one works */
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	/* fw-status of a non-SPDM command ignores the round */
	EXPECT_EQ(psp_fault_word(f->p, "fw-status=0xd6:0x16:2"), 0);
	EXPECT_EQ(dev_status(f, &k, st), PSP_INVALID_PARAM);
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);

	/* fw-expand of the scratch buffer */
	EXPECT_EQ(psp_fault_word(f->p, "fw-expand=scratch:16384"), 0);
	EXPECT_EQ(dev_certificates(f, &k), PSP_OK);
	EXPECT_EQ(k.scratch.n, 4);
	EXPECT_EQ(f->expansions, 1);
	/* fw-expand-loop: the host gives up after one growth */
	EXPECT_EQ(psp_fault_word(f->p, "fw-expand-loop"), 0);
	EXPECT_EQ(dev_certificates(f, &k), PSP_EXPAND_BUFFER);
	EXPECT_EQ(f->expansions, 2);
	EXPECT_EQ(k.out.n, 2);
	/* the header still asks for more: accepted, and it asks again */
	EXPECT_EQ(kb32(f, &k.out, 0), 3 * PG);
	EXPECT_EQ(dev_certificates(f, &k), PSP_EXPAND_BUFFER);
	EXPECT_EQ(k.out.n, 3);
	/* another command ends the loop */
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(dev_certificates(f, &k), PSP_OK);

	/* fw-drop: the next command gets no answer, the one after does */
	EXPECT_EQ(psp_fault_word(f->p, "fw-drop"), 0);
	dev_status_cmd(b, &k, fk_page(f, true));
	EXPECT_EQ(fk_issue(f, PSP_DEV_STATUS, b, 32), NO_REPLY);
	EXPECT_EQ(fk_issue(f, PSP_DEV_STATUS, b, 32), PSP_OK);
	/* psp_fault_clear() disarms */
	EXPECT_EQ(psp_fault_word(f->p, "fw-drop"), 0);
	psp_fault_clear(f->p);
	EXPECT_EQ(fk_issue(f, PSP_DEV_STATUS, b, 32), PSP_OK);

	/* A device-side fault in the middle of the connect */
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	f->devs[0].fault = FAULT_SPDM_ERROR;
	EXPECT_EQ(dev_connect(f, &k), PSP_SPDM_ERROR);
	EXPECT_EQ(rp_slots(f, STREAM), 0);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	fk_free(f);
}

TEST(psp_fw_fault_mid_tdi)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	struct kbuf t;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	/* a failure after 2 rounds of TDI_BIND drops the session */
	EXPECT_EQ(psp_fault_word(f->p, "fw-status=0xdc:0x33:2"), 0);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, false), PSP_SPDM_ERROR);
	EXPECT_EQ(rp_slots(f, STREAM), 0);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, false), PSP_INVALID_DEV_STATE);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	/* a TDISP_ERROR only fails the command */
	f->devs[0].fault = FAULT_TDISP_ERROR;
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, false), PSP_SPDM_ERROR);
	f->devs[0].fault = FAULT_NONE;
	EXPECT_EQ(rp_slots(f, STREAM), 2);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	/* a device refusing STOP fails TDI_UNBIND, the binding ends anyway */
	f->devs[0].fault = FAULT_TDISP_ERROR;
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_SPDM_ERROR);
	f->devs[0].fault = FAULT_NONE;
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_RUN);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_INVALID_TDI_STATE);
	/* bound again: the interface is stopped first */
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	/* output expansion of TDI_BIND: unlocked, then bound again */
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(psp_fault_word(f->p, "fw-expand=output:8192"), 0);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	EXPECT_EQ(k.out.n, 2);
	EXPECT_EQ(tdi_state(f, &k, &t), TDI_RUN);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/*
 * A host whose DOE exchange failed leaves the flow pending; reclaiming
 * the interface ends it (the session drops, the interface is unbound), so
 * that the device can be disconnected and reclaimed afterwards: during a
 * TDI_BIND and during a TDI_UNBIND of a bound interface.
 */
TEST(psp_reclaim_ends_pending_tdi_flow)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	uint8_t b[PSP_MAX_CMD];
	struct kbuf t;
	int pass;

	ASSERT(f && f->p);
	for (pass = 0; pass < 2; pass++) {
		if (pass)
			EXPECT_EQ(dev_connect(f, &k), PSP_OK);
		EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
		if (pass) {
			cmd_init(b, 64);
			spdm_ctrl(b, &k);
			put64(b + 40, k.ctx.sla);
			put64(b + 48, t.sla);
			EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
			/* STOP_INTERFACE is asked for; its answer never comes */
			EXPECT_EQ(fk_issue(f, PSP_TDI_UNBIND, b, 64), PSP_SPDM_REQUEST);
		} else {
			bind_cmd(b, &k, &t, BIND_FLAGS, 0, fk_gctx(f, ASID));
			EXPECT_EQ(fk_issue(f, PSP_TDI_BIND, b, 80), PSP_SPDM_REQUEST);
		}
		EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
		EXPECT_EQ(dev_disconnect(f, &k, false), PSP_INVALID_DEV_STATE);
		EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	}
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	fk_free(f);
}

/*
 * A bind that fails after its LOCK_INTERFACE went through leaves the
 * interface locked, and in ERROR once the session is gone; the next bind
 * in a new session stops it first instead of failing for ever.
 */
TEST(psp_bind_after_lost_lock)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	int n, recovered;
	struct kbuf t;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	/* version, capabilities, LOCK; then the flow is aborted */
	EXPECT_EQ(psp_fault_word(f->p, "fw-status=0xdc:0x33:3"), 0);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, false), PSP_SPDM_ERROR);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_CONFIG_LOCKED);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_ERROR);
	n = f->rounds;
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	recovered = f->rounds - n;
	EXPECT_EQ(tdi_state(f, &k, &t), TDI_RUN);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_CONFIG_UNLOCKED);
	/* the same bind from CONFIG_UNLOCKED: no STOP, no second LOCK */
	n = f->rounds;
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	EXPECT_EQ(recovered, f->rounds - n + 2);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/* ------------------------------------------------------------------ */
/* TIO_ROLL_KEY                                                         */

static int roll_key(struct fake *f, struct kdev *k)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 48);
	spdm_ctrl(b, k);
	put64(b + 40, k->ctx.sla);
	return fk_spdm(f, k, PSP_ROLL_KEY, b, 48);
}

/*
 * The key events of one roll of @stream, from kev[@first]: exactly the
 * order that keeps the stream Secure, new key set @alt, old one @alt ^ 1
 */
static void check_roll_events(struct fake *f, unsigned int first, unsigned int dev,
			      uint8_t stream, uint8_t alt)
{
	static const struct { char end; bool alt; uint8_t dir; bool go; } want[] = {
		{ 'R', true, IDEKM_RX, true },		/* the root port can receive */
		{ 'E', true, IDEKM_RX, true },		/* the endpoint can receive */
		{ 'E', true, IDEKM_TX, true },		/* the endpoint sends with it */
		{ 'R', true, IDEKM_TX, true },		/* the root port sends with it */
		{ 'E', false, IDEKM_RX, false },	/* the old key set goes */
		{ 'E', false, IDEKM_TX, false },
		{ 'R', false, IDEKM_RX, false },
		{ 'R', false, IDEKM_TX, false },
	};
	const struct kev *e = &f->kev[first];
	unsigned int i;

	ASSERT(first + ARRAY_SIZE(want) <= f->nr_kev);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ(e[i].end, want[i].end);
		EXPECT_EQ(e[i].stream, stream);
		EXPECT_EQ(e[i].ks, want[i].alt ? alt : alt ^ 1);
		EXPECT_EQ(e[i].dir, want[i].dir);
		EXPECT_EQ(e[i].go, want[i].go);
		if (e[i].end == 'E')
			EXPECT_EQ(e[i].dev, dev);
		if (!want[i].go)
			EXPECT_EQ(e[i].tag, 0);
	}
	/* The root port receives what the endpoint sends, and the other way */
	EXPECT_EQ(e[0].tag, e[2].tag);
	EXPECT_EQ(e[3].tag, e[1].tag);
	EXPECT(e[0].tag != e[1].tag);
}

/*
 * ROLL_KEY moves the stream to the other key set, in the order that keeps
 * it Secure at every step, with fresh keys whose tags match at both ends;
 * the key set alternates; a disconnect stops the key set in use.
 */
TEST(psp_roll_key_order)
{
	uint32_t prev_tag = 0;
	struct kdev k;
	struct fake *f = fk_connected(&k);
	struct fdev *d;
	unsigned int roll, first, i, stops = 0;
	uint8_t st[160];
	int n;

	ASSERT(f && f->p);
	d = &f->devs[0];
	EXPECT(link_secure(f, d, STREAM));
	f->watch = d;
	f->watch_streams = 1u << STREAM;
	f->tag_dev = d;
	for (roll = 0; roll < 3; roll++) {
		uint8_t alt = (roll & 1) ^ 1;

		first = f->nr_kev;
		n = f->rounds;
		EXPECT_EQ(roll_key(f, &k), PSP_OK);
		/* KEY_PROG x6, K_SET_GO x6, K_SET_STOP x6 */
		EXPECT_EQ(f->rounds - n, 18);
		EXPECT_EQ(f->nr_kev - first, 8);
		check_roll_events(f, first, 0, STREAM, alt);
		/* no key event before the six KEY_PROG */
		EXPECT(f->kev[first].round >= n + 6);
		EXPECT(f->kev[first].tag != prev_tag);
		prev_tag = f->kev[first].tag;
		EXPECT_EQ(d->pcisig->streams[STREAM].tx_set, alt);
		EXPECT_EQ(f->rp_tx_set[STREAM], alt);
		EXPECT_EQ(ep_slots(d, STREAM), 2);
		EXPECT_EQ(d->go[STREAM][alt][IDEKM_RX] + d->go[STREAM][alt][IDEKM_TX], 2);
		EXPECT_EQ(rp_slots(f, STREAM), 2);
		EXPECT_EQ(f->rp_go[STREAM][alt][IDEKM_RX] + f->rp_go[STREAM][alt][IDEKM_TX], 2);
		EXPECT(link_secure(f, d, STREAM));
		EXPECT(idekm_stream_ready(d->pcisig, STREAM));
	}
	EXPECT_EQ(f->insecure, 0);
	EXPECT_EQ(f->bad_tags, 0);
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(st[4], 1);
	EXPECT_EQ(st[6], 0);

	/* Key set 1 in use: the disconnect's K_SET_STOPs are of it */
	f->watch = NULL;
	first = f->nr_kev;
	n = f->rounds;
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	EXPECT_EQ(f->rounds - n, 7);
	for (i = first; i < f->nr_kev; i++) {
		const struct kev *e = &f->kev[i];

		EXPECT_EQ(e->go, 0);
		if (e->end == 'E') {
			/* in the K_SET_STOP rounds, before END_SESSION */
			EXPECT_EQ(e->ks, 1);
			EXPECT(e->round < n + 6);
			stops++;
		}
	}
	EXPECT_EQ(stops, 2);
	EXPECT_EQ(ep_slots(d, STREAM), 0);
	EXPECT_EQ(rp_slots(f, STREAM), 0);
	fk_free(f);
}

/* Every stream of the device, one after the other */
TEST(psp_roll_key_two_streams)
{
	uint8_t b[PSP_MAX_CMD];
	struct fake *f = fk_new();
	struct kdev k;
	unsigned int first;
	struct fdev *d;

	ASSERT(f && f->p);
	d = &f->devs[1];
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(dev_create(f, &k, d), PSP_OK);
	connect_cmd(b, &k);
	b[56] = 3;
	b[65] = 0;
	EXPECT_EQ(fk_spdm(f, &k, PSP_DEV_CONNECT, b, 80), PSP_OK);
	EXPECT(link_secure(f, d, STREAM));
	EXPECT(link_secure(f, d, 0));
	f->watch = d;
	f->watch_streams = 1u << STREAM | 1u;
	f->tag_dev = d;
	first = f->nr_kev;
	EXPECT_EQ(roll_key(f, &k), PSP_OK);
	EXPECT_EQ(f->nr_kev - first, 16);
	check_roll_events(f, first, 1, STREAM, 1);
	check_roll_events(f, first + 8, 1, 0, 1);
	first = f->nr_kev;
	EXPECT_EQ(roll_key(f, &k), PSP_OK);
	check_roll_events(f, first, 1, STREAM, 0);
	check_roll_events(f, first + 8, 1, 0, 0);
	EXPECT_EQ(f->insecure, 0);
	EXPECT_EQ(f->bad_tags, 0);
	f->watch = NULL;
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	EXPECT_EQ(ep_slots(d, STREAM) + ep_slots(d, 0), 0);
	EXPECT_EQ(rp_slots(f, STREAM) + rp_slots(f, 0), 0);
	fk_free(f);
}

/* Only a connected device; the command's length and context are checked */
TEST(psp_roll_key_states)
{
	uint8_t b[PSP_MAX_CMD], st[160];
	struct fake *f = fk_new();
	struct kdev k, bogus;
	unsigned int first;
	int n, calls;

	ASSERT(f && f->p);
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(dev_create(f, &k, &f->devs[0]), PSP_OK);
	n = f->rounds;
	EXPECT_EQ(roll_key(f, &k), PSP_INVALID_DEV_STATE);
	EXPECT_EQ(f->rounds, n);
	EXPECT_EQ(f->rp_calls, 0);
	/* length, unknown context */
	cmd_init(b, 48);
	spdm_ctrl(b, &k);
	put64(b + 40, k.ctx.sla);
	put32(b, 40);
	EXPECT_EQ(fk_issue(f, PSP_ROLL_KEY, b, 40), PSP_INVALID_LEN);
	put32(b, 48);
	EXPECT_EQ(fk_issue(f, PSP_ROLL_KEY, b, 56), PSP_INVALID_LEN);
	bogus = k;
	bogus.ctx.sla = fk_page(f, true);
	EXPECT_EQ(roll_key(f, &bogus), PSP_INVALID_DEV_CTX);
	/* connected: works; a pending roll shows in DEV_STATUS */
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(fk_issue(f, PSP_ROLL_KEY, b, 48), PSP_SPDM_REQUEST);
	EXPECT_EQ(dev_status(f, &k, st), PSP_OK);
	EXPECT_EQ(st[4], 1);
	EXPECT_EQ(st[6] & 3, 1);
	EXPECT_EQ(get16(st + 12), PSP_ROLL_KEY);
	fk_round(f, &k);
	EXPECT_EQ(roll_key(f, &k), PSP_OK);	/* identical: continues */
	EXPECT_EQ(f->devs[0].pcisig->streams[STREAM].tx_set, 1);
	/* disconnected (plain, forced): refused, nothing sent */
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	n = f->rounds;
	calls = f->rp_calls;
	EXPECT_EQ(roll_key(f, &k), PSP_INVALID_DEV_STATE);
	EXPECT_EQ(f->rounds, n);
	EXPECT_EQ(f->rp_calls, calls);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	calls = f->rp_calls;
	n = f->rounds;
	EXPECT_EQ(roll_key(f, &k), PSP_INVALID_DEV_STATE);
	EXPECT_EQ(f->rounds, n);
	EXPECT_EQ(f->rp_calls, calls);
	/* a reconnect starts over on key set 0 */
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(f->rp_go[STREAM][0][IDEKM_RX] + f->rp_go[STREAM][0][IDEKM_TX], 2);
	first = f->nr_kev;
	EXPECT_EQ(roll_key(f, &k), PSP_OK);
	check_roll_events(f, first, 0, STREAM, 1);
	EXPECT_EQ(dev_disconnect(f, &k, true), PSP_OK);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	EXPECT_EQ(roll_key(f, &k), PSP_INVALID_DEV_CTX);
	fk_free(f);
}

/* After a failed roll the device is not connected and the root port has no key */
static void check_dropped(struct fake *f, struct kdev *k)
{
	uint8_t st[160];

	EXPECT_EQ(dev_status(f, k, st), PSP_OK);
	EXPECT_EQ(st[4], 0);
	EXPECT_EQ(st[6], 0);
	EXPECT_EQ(rp_slots(f, STREAM), 0);
	EXPECT_EQ(roll_key(f, k), PSP_INVALID_DEV_STATE);
}

/*
 * A roll that fails midway drops the session, as any SPDM failure does:
 * the root port's keys of both key sets are stopped, whichever the roll
 * had set to go, and the device can be connected and rolled again.
 */
TEST(psp_roll_key_failures)
{
	uint8_t b[PSP_MAX_CMD];
	struct kdev k;
	struct fake *f = fk_connected(&k);
	unsigned int first, i;
	int n, st;

	ASSERT(f && f->p);
	/* Firmware fault after the six KEY_PROG and two Rx K_SET_GO */
	EXPECT_EQ(psp_fault_word(f->p, "fw-status=0xe5:0x33:8"), 0);
	n = f->rounds;
	first = f->nr_kev;
	EXPECT_EQ(roll_key(f, &k), PSP_SPDM_ERROR);
	EXPECT_EQ(f->rounds - n, 8);
	/* the root port's new Rx keys were set to go, then everything stopped */
	ASSERT(f->nr_kev - first == 5);
	EXPECT(f->kev[first].end == 'R' && f->kev[first].ks == 1 && f->kev[first].go);
	for (i = first + 1; i < f->nr_kev; i++)
		EXPECT(f->kev[i].end == 'R' && !f->kev[i].go);
	check_dropped(f, &k);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(roll_key(f, &k), PSP_OK);
	EXPECT_EQ(roll_key(f, &k), PSP_OK);
	EXPECT_EQ(f->rp_go[STREAM][0][IDEKM_TX], 1);

	/* The device answers a Tx K_SET_GO (round 11) with ERROR */
	f->fault_round = f->rounds + 11;
	f->fault_at = FAULT_SPDM_ERROR;
	EXPECT_EQ(roll_key(f, &k), PSP_SPDM_ERROR);
	EXPECT_EQ(f->devs[0].fault, FAULT_NONE);
	check_dropped(f, &k);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);

	/*
	 * The host's DOE exchange fails after 13 rounds (the root port sends
	 * with the new keys); it gives up.  The next command aborts the roll.
	 */
	n = f->rounds;
	cmd_init(b, 48);
	spdm_ctrl(b, &k);
	put64(b + 40, k.ctx.sla);
	for (st = PSP_SPDM_REQUEST; st == PSP_SPDM_REQUEST && f->rounds - n < 13;) {
		uint8_t tmp[PSP_MAX_CMD];

		memcpy(tmp, b, 48);
		st = fk_issue(f, PSP_ROLL_KEY, tmp, 48);
		if (st == PSP_SPDM_REQUEST)
			fk_round(f, &k);
	}
	EXPECT_EQ(st, PSP_SPDM_REQUEST);
	EXPECT_EQ(rp_slots(f, STREAM), 4);
	EXPECT_EQ(f->rp_tx_set[STREAM], 1);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_INVALID_DEV_STATE);
	check_dropped(f, &k);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);

	/* The root port refuses the new Tx keys */
	f->rp_fail_at = f->rp_calls + 2;
	EXPECT_EQ(roll_key(f, &k), PSP_ERR_IN_DEV_CONN);
	check_dropped(f, &k);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(roll_key(f, &k), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/* A bound, running interface stays running across rolls */
TEST(psp_roll_key_bound_tdi)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	struct kbuf t;
	int i;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	f->watch = &f->devs[0];
	f->watch_streams = 1u << STREAM;
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(roll_key(f, &k), PSP_OK);
		EXPECT_EQ(f->devs[0].tdi_state[0], TDI_RUN);
		EXPECT_EQ(tdi_state(f, &k, &t), TDI_RUN);
	}
	EXPECT_EQ(f->insecure, 0);
	f->watch = NULL;
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/* ------------------------------------------------------------------ */
/* AMD's current firmware ABI (FACTS 6.11)                              */

/*
 * Lengths of AMD's current command buffers (AMDESE/linux-kvm
 * drivers/crypto/ccp/sev-dev-tio.c @ 16f379f5463a): the RFC's 28-byte
 * DEV_STATUS and 72-byte TDI_BIND are refused; 0x0E4 is TDI_DIGEST_REPORT
 * now, not implemented; ROLL_KEY is 0x0E5.
 */
TEST(psp_abi_lengths)
{
	uint8_t b[PSP_MAX_CMD];
	struct kdev k;
	struct fake *f = fk_connected(&k);
	struct kbuf t;
	unsigned int i;
	int n;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	n = f->rounds;
	/* TDI_BIND: 72 bytes (either length word), 88 bytes */
	bind_cmd(b, &k, &t, BIND_FLAGS, 1, fk_gctx(f, ASID));
	put32(b, 72);
	EXPECT_EQ(fk_issue(f, PSP_TDI_BIND, b, 72), PSP_INVALID_LEN);
	put32(b, 80);
	EXPECT_EQ(fk_issue(f, PSP_TDI_BIND, b, 72), PSP_INVALID_LEN);
	EXPECT_EQ(fk_issue(f, PSP_TDI_BIND, b, 88), PSP_INVALID_LEN);
	/* DEV_STATUS: 28 bytes */
	dev_status_cmd(b, &k, fk_page(f, true));
	put32(b, 28);
	EXPECT_EQ(fk_issue(f, PSP_DEV_STATUS, b, 28), PSP_INVALID_LEN);
	/* TDI_STATUS, ASID_FENCE_*: only their own length */
	cmd_init(b, 64);
	EXPECT_EQ(fk_issue(f, PSP_TDI_STATUS, b, 72), PSP_INVALID_LEN);
	for (i = PSP_ASID_FENCE_CLEAR; i <= PSP_ASID_FENCE_STATUS; i++) {
		cmd_init(b, 28);
		EXPECT_EQ(fk_issue(f, i, b, 28), PSP_INVALID_LEN);
		cmd_init(b, 32);
		EXPECT_EQ(fk_issue(f, i, b, 28), PSP_INVALID_LEN);
		EXPECT_EQ(fk_issue(f, i, b, 36), PSP_INVALID_LEN);
	}
	/* A ROLL_KEY buffer at the old ID: INVALID_COMMAND, nothing sent */
	cmd_init(b, 48);
	spdm_ctrl(b, &k);
	put64(b + 40, k.ctx.sla);
	EXPECT_EQ(fk_issue(f, 0x0e4, b, 48), PSP_INVALID_COMMAND);
	EXPECT_EQ(fk_issue(f, PSP_TDI_DIGEST_REPORT, b, 48), PSP_INVALID_COMMAND);
	EXPECT_EQ(fk_issue(f, 0x0e6, b, 48), PSP_INVALID_COMMAND);
	EXPECT_EQ(f->rounds, n);
	EXPECT_EQ(PSP_ROLL_KEY, 0x0e5);
	EXPECT_EQ(fk_spdm(f, &k, 0x0e5, b, 48), PSP_OK);
	EXPECT_EQ(f->devs[0].pcisig->streams[STREAM].tx_set, 1);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/* TDI_BIND: run_flags bit 0 (RUN_FORCE) only, reserved[10] zero */
TEST(psp_tdi_bind_run_flags)
{
	static const uint16_t bad_run[] = { 2, 3, 0x100, 0x8001 };
	uint8_t b[PSP_MAX_CMD];
	struct kdev k;
	struct fake *f = fk_connected(&k);
	unsigned int i;
	uint64_t gctx;
	struct kbuf t;
	int n;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	gctx = fk_gctx(f, ASID);
	n = f->rounds;
	for (i = 0; i < ARRAY_SIZE(bad_run); i++) {
		bind_cmd(b, &k, &t, BIND_FLAGS, bad_run[i], gctx);
		EXPECT_EQ(fk_spdm(f, &k, PSP_TDI_BIND, b, 80), PSP_INVALID_PARAM);
	}
	for (i = 70; i < 80; i++) {
		bind_cmd(b, &k, &t, BIND_FLAGS, 1, gctx);
		b[i] = 0x80;
		EXPECT_EQ(fk_spdm(f, &k, PSP_TDI_BIND, b, 80), PSP_INVALID_PARAM);
	}
	EXPECT_EQ(f->rounds, n);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_CONFIG_UNLOCKED);
	/* Bound (not run): a start with a bad run_flags is refused too */
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t, BIND_FLAGS, false, gctx), PSP_OK);
	bind_cmd(b, &k, &t, BIND_FLAGS, 3, gctx);
	EXPECT_EQ(fk_spdm(f, &k, PSP_TDI_BIND, b, 80), PSP_INVALID_PARAM);
	EXPECT_EQ(tdi_state(f, &k, &t), TDI_CONFIG_LOCKED);
	/* RUN_FORCE: START_INTERFACE of the bound interface */
	bind_cmd(b, &k, &t, BIND_FLAGS, 1, gctx);
	EXPECT_EQ(fk_spdm(f, &k, PSP_TDI_BIND, b, 80), PSP_OK);
	EXPECT_EQ(tdi_state(f, &k, &t), TDI_RUN);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/* The bound count of DEV_STATUS and the tdi_status of TDI_INFO */
static void check_bound(struct fake *f, struct kdev *k, struct kbuf *t, unsigned int bound,
			unsigned int tdi_status)
{
	uint8_t st[160], b[PSP_MAX_CMD];
	uint64_t pa = fk_page(f, true);

	EXPECT_EQ(dev_status(f, k, st), PSP_OK);
	EXPECT_EQ(get32(st + 148), bound);
	cmd_init(b, 48);
	put64(b + 8, k->ctx.sla);
	put64(b + 16, t->sla);
	put64(b + 24, pa);
	EXPECT_EQ(fk_issue(f, PSP_TDI_INFO, b, 48), PSP_OK);
	EXPECT_EQ((fk_ptr(f, pa)[16] >> 2) & 3, tdi_status);
}

/*
 * TDI_UNBIND FORCE drops the binding without SPDM traffic; the device's
 * interface is left as it is until the session ends.  Other flag bits,
 * and the reserved word of TDI_REPORT and TDI_STATUS, are INVALID_PARAM.
 */
TEST(psp_tdi_unbind_force)
{
	uint8_t b[PSP_MAX_CMD];
	struct kdev k;
	struct fake *f = fk_connected(&k);
	struct kbuf t;
	int n;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	/* Not bound: the same refusal as a clean unbind */
	EXPECT_EQ(tdi_unbind_force(f, &k, &t), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	check_bound(f, &k, &t, 1, 2);
	n = f->rounds;
	/* Unknown flags, reserved words */
	EXPECT_EQ(tdi_cmd_word4(f, &k, &t, PSP_TDI_UNBIND, 2, 0), PSP_INVALID_PARAM);
	EXPECT_EQ(tdi_cmd_word4(f, &k, &t, PSP_TDI_UNBIND, 0x80000001, 0), PSP_INVALID_PARAM);
	EXPECT_EQ(tdi_cmd_word4(f, &k, &t, PSP_TDI_REPORT, 1, 0), PSP_INVALID_PARAM);
	EXPECT_EQ(tdi_cmd_word4(f, &k, &t, PSP_TDI_STATUS, 1, fk_page(f, true)),
		  PSP_INVALID_PARAM);
	EXPECT_EQ(f->rounds, n);
	check_bound(f, &k, &t, 1, 2);
	/* FORCE: no SPDM round, the binding is gone, the device still runs */
	EXPECT_EQ(tdi_unbind_force(f, &k, &t), PSP_OK);
	EXPECT_EQ(f->rounds, n);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_RUN);
	check_bound(f, &k, &t, 0, 0);
	EXPECT_EQ(tdi_unbind_force(f, &k, &t), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_REPORT, 0), PSP_INVALID_TDI_STATE);
	EXPECT_EQ(tdi_state(f, &k, &t), TDI_RUN);
	/* Bound again (the interface is stopped first), then a clean unbind */
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_CONFIG_UNLOCKED);

	/* A forced unbind during the interface's own pending flow ends it */
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, false), PSP_OK);
	cmd_init(b, 64);
	spdm_ctrl(b, &k);
	put64(b + 40, k.ctx.sla);
	put64(b + 48, t.sla);
	EXPECT_EQ(fk_issue(f, PSP_TDI_REPORT, b, 64), PSP_SPDM_REQUEST);
	EXPECT_EQ(tdi_unbind_force(f, &k, &t), PSP_OK);
	check_bound(f, &k, &t, 0, 0);
	EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
	/* the aborted flow dropped the session, as every aborted flow does */
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);

	/*
	 * Forced unbind, then the session ends: the device's interface,
	 * still running, goes to ERROR (TDISP: its stream loses its keys and
	 * the session ends); the next bind in a new session stops it first
	 */
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	EXPECT_EQ(tdi_unbind_force(f, &k, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_ERROR);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, true), PSP_OK);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(f->devs[0].tdi_state[0], TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	fk_free(f);
}

/*
 * GUEST_REQUEST sequence numbers: the firmware takes a message only at
 * its guest context's last number plus one and answers with one more (the
 * base tree's sev-guest.c); a replayed or skipped number is refused and
 * changes nothing, so a hypervisor cannot replay an MMIO_VALIDATE the
 * guest has since undone.  A message for an interface bound to another
 * guest context is INVALID_GUEST.
 */
TEST(psp_guest_seqno)
{
	uint8_t m[48] = { 0 }, rsp[8 + 192], *report;
	struct kdev k;
	struct fake *f = fk_connected(&k);
	uint64_t g, other, first;
	uint16_t range_id;
	struct kbuf t;
	size_t len;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	g = fk_gctx(f, ASID);
	other = fk_gctx(f, ASID + 1);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t, BIND_FLAGS, false, g), PSP_OK);
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_REPORT, 0), PSP_OK);
	report = out_object(f, &k, 6, &len);
	ASSERT(report && len >= 16 + 16);
	first = get64(report + 16);
	range_id = get16(report + 30);
	free(report);

	put16(m, GUEST_ID);
	EXPECT_EQ(guest_seq(f, &k, &t, g, 0, PSP_MSG_TDI_INFO_REQ, m, 16, rsp),
		  PSP_INVALID_PARAM);
	EXPECT_EQ(guest_seq(f, &k, &t, g, 1, PSP_MSG_TDI_INFO_REQ, m, 16, rsp), PSP_OK);
	EXPECT_EQ(get16(rsp + 10), 0);
	EXPECT_EQ(get64(fk_ptr(f, g) + 8), 2);
	/* Replayed, skipped, another guest's context: refused, nothing moves */
	EXPECT_EQ(guest_seq(f, &k, &t, g, 1, PSP_MSG_TDI_INFO_REQ, m, 16, rsp),
		  PSP_INVALID_PARAM);
	EXPECT_EQ(guest_seq(f, &k, &t, g, 2, PSP_MSG_TDI_INFO_REQ, m, 16, rsp),
		  PSP_INVALID_PARAM);
	EXPECT_EQ(guest_seq(f, &k, &t, g, 5, PSP_MSG_TDI_INFO_REQ, m, 16, rsp),
		  PSP_INVALID_PARAM);
	EXPECT_EQ(guest_seq(f, &k, &t, other, 1, PSP_MSG_TDI_INFO_REQ, m, 16, rsp),
		  PSP_INVALID_GUEST);
	EXPECT_EQ(get64(fk_ptr(f, g) + 8), 2);
	EXPECT_EQ(get64(fk_ptr(f, other) + 8), 0);
	/* A malformed message with the right number does not spend it */
	EXPECT_EQ(guest_seq(f, &k, &t, g, 3, PSP_MSG_TDI_INFO_REQ, m, 15, rsp),
		  PSP_INVALID_PARAM);
	EXPECT_EQ(guest_seq(f, &k, &t, g, 3, PSP_MSG_TDI_INFO_REQ, m, 16, rsp), PSP_OK);

	/* Validate (5), invalidate (7); the validation replayed is refused */
	put64(m + 16, first << 12);
	put32(m + 24, 1);
	put16(m + 32, 1);
	put16(m + 34, range_id);
	EXPECT_EQ(guest_seq(f, &k, &t, g, 5, PSP_MSG_MMIO_VALIDATE_REQ, m, 48, rsp), PSP_OK);
	EXPECT_EQ(get16(rsp + 8 + 2), 0);
	EXPECT_EQ(rsp[8 + 32], 1);
	put16(m + 32, 0);
	EXPECT_EQ(guest_seq(f, &k, &t, g, 7, PSP_MSG_MMIO_VALIDATE_REQ, m, 48, rsp), PSP_OK);
	EXPECT_EQ(rsp[8 + 32], 1);
	put16(m + 32, 1);
	EXPECT_EQ(guest_seq(f, &k, &t, g, 5, PSP_MSG_MMIO_VALIDATE_REQ, m, 48, rsp),
		  PSP_INVALID_PARAM);
	/* ... so the page is still not validated: validating changes it */
	EXPECT_EQ(guest_seq(f, &k, &t, g, 9, PSP_MSG_MMIO_VALIDATE_REQ, m, 48, rsp), PSP_OK);
	EXPECT_EQ(rsp[8 + 32], 1);
	EXPECT_EQ(get64(fk_ptr(f, g) + 8), 10);

	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/*
 * GUEST_REQUEST: the response page must be firmware-owned and the request
 * page must not be (INVALID_PAGE_STATE, nothing written), as for
 * SNP_GUEST_REQUEST
 */
TEST(psp_guest_request_pages)
{
	uint8_t b[PSP_MAX_CMD], pat[PG];
	struct kdev k;
	struct fake *f = fk_connected(&k);
	uint64_t req_pa, res_pa;
	struct kbuf t;
	int pass;

	ASSERT(f && f->p);
	EXPECT_EQ(tdi_create(f, &k, &t, DEV_A), PSP_OK);
	EXPECT_EQ(tdi_bind(f, &k, &t, BIND_FLAGS, false), PSP_OK);
	memset(pat, 0x5a, sizeof(pat));
	for (pass = 0; pass < 4; pass++) {
		req_pa = fk_page(f, pass == 1 || pass == 2);
		res_pa = fk_page(f, pass != 0 && pass != 2);
		fk_ptr(f, req_pa)[0] = PSP_MSG_TDI_INFO_REQ;
		fk_ptr(f, req_pa)[1] = 1;
		put16(fk_ptr(f, req_pa) + 2, 16);
		put64(fk_ptr(f, req_pa) + 8, 1);
		put16(fk_ptr(f, req_pa) + 16, GUEST_ID);
		memcpy(fk_ptr(f, res_pa), pat, PG);
		cmd_init(b, 80);
		put64(b + 40, k.ctx.sla);
		put64(b + 48, t.sla);
		put64(b + 56, t.gctx);
		put64(b + 64, req_pa);
		put64(b + 72, res_pa);
		if (pass < 3) {
			/* host response page, firmware request page, both wrong */
			EXPECT_EQ(fk_issue(f, PSP_GUEST_REQUEST, b, 80), PSP_INVALID_PAGE_STATE);
			EXPECT_MEM(fk_ptr(f, res_pa), pat, PG);
		} else {
			EXPECT_EQ(fk_issue(f, PSP_GUEST_REQUEST, b, 80), PSP_OK);
			EXPECT_EQ(fk_ptr(f, res_pa)[0], PSP_MSG_TDI_INFO_RSP);
			EXPECT_EQ(get16(fk_ptr(f, res_pa) + 16), GUEST_ID);
			EXPECT_EQ(get16(fk_ptr(f, res_pa) + 18), 0);
		}
	}
	EXPECT_EQ(tdi_cmd(f, &k, &t, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/* Blocks of a measurement transcript whose type has the raw bit */
static int raw_blocks(struct fake *f, struct kdev *k, uint8_t *req_param1)
{
	const size_t get_meas = 4 + 32 + 1;	/* signed, with SlotID */
	struct tsm_ev_block blk;
	struct tsm_ev_meas m;
	size_t len, off = 0;
	uint8_t *meas, *req;
	int raw = 0;

	meas = out_object(f, k, 5, &len);
	if (!meas)
		return -1;
	EXPECT_EQ(tsm_ev_meas_verify(f->id->key, meas, len, &m), 0);
	while (tsm_ev_meas_next(&m, &off, &blk) > 0)
		raw += !!(blk.type & 0x80);
	/* VCA || GET_MEASUREMENTS || MEASUREMENTS (record at offset 8) */
	*req_param1 = 0;
	if ((size_t)(m.record - meas) >= 8 + get_meas) {
		req = (uint8_t *)m.record - 8 - get_meas;
		EXPECT_EQ(req[1], 0xe0);
		EXPECT_EQ(req[3], 0xff);
		*req_param1 = req[2];
	}
	free(meas);
	return raw;
}

/*
 * DEV_MEASUREMENTS flags: bit 0 RAW_BITSTREAM asks the device for raw bit
 * streams (GET_MEASUREMENTS Param1 bit 1), other bits are INVALID_PARAM;
 * the object's type is TIO_SPDM_MEASUREMENTS_LOG (2) either way
 */
TEST(psp_measurements_flags)
{
	struct kdev k;
	struct fake *f = fk_connected(&k);
	uint8_t nonce[32] = { 1, 2, 3 }, param1;
	int n;

	ASSERT(f && f->p);
	n = f->rounds;
	EXPECT_EQ(dev_measurements_flags(f, &k, nonce, 2), PSP_INVALID_PARAM);
	EXPECT_EQ(dev_measurements_flags(f, &k, nonce, 3), PSP_INVALID_PARAM);
	EXPECT_EQ(dev_measurements_flags(f, &k, nonce, 0x80000001), PSP_INVALID_PARAM);
	EXPECT_EQ(f->rounds, n);
	/* RAW_BITSTREAM: the version string comes raw (out_object: type 2) */
	EXPECT_EQ(dev_measurements_flags(f, &k, nonce, 1), PSP_OK);
	EXPECT_EQ(raw_blocks(f, &k, &param1), 1);
	EXPECT_EQ(param1, 0x03);
	/* Without: digests only */
	EXPECT_EQ(dev_measurements_flags(f, &k, nonce, 0), PSP_OK);
	EXPECT_EQ(raw_blocks(f, &k, &param1), 0);
	EXPECT_EQ(param1, 0x01);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	fk_free(f);
}

/*
 * TDI_CREATE function_id: RSEG_VALID and the segment exactly when the
 * device's segment is not 0 (AMD's sev_tio_tdi_create())
 */
TEST(psp_tdi_create_rseg)
{
	static const uint32_t bad0[] = {
		RSEG_VALID, 1u << 16, 0xffu << 16, 1u << 25, 1u << 31,
	};
	static const uint32_t bad5[] = {
		0, 5u << 16, RSEG_VALID, RSEG_VALID | 4u << 16, RSEG_VALID | 5u << 16 | 1u << 25,
	};
	uint8_t b[PSP_MAX_CMD];
	struct kdev k0, k5;
	struct fake *f = fk_new();
	struct kbuf t;
	unsigned int i;
	uint64_t pa;

	ASSERT(f && f->p);
	EXPECT_EQ(tio_init(f), PSP_OK);
	EXPECT_EQ(dev_create(f, &k0, &f->devs[0]), PSP_OK);
	EXPECT_EQ(dev_connect(f, &k0), PSP_OK);
	EXPECT_EQ(dev_create_seg(f, &k5, &f->devs[1], 5), PSP_OK);
	EXPECT_EQ(dev_connect(f, &k5), PSP_OK);
	for (i = 0; i < ARRAY_SIZE(bad0); i++)
		EXPECT_EQ(tdi_create_fid(f, &k0, &t, DEV_A | bad0[i]), PSP_INVALID_PARAM);
	for (i = 0; i < ARRAY_SIZE(bad5); i++)
		EXPECT_EQ(tdi_create_fid(f, &k5, &t, DEV_B | bad5[i]), PSP_INVALID_PARAM);
	/* Another device's RID in its own segment */
	EXPECT_EQ(tdi_create_fid(f, &k5, &t, DEV_A | 5u << 16 | RSEG_VALID), PSP_INVALID_PARAM);
	EXPECT_EQ(tdi_create(f, &k0, &t, DEV_A), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k0, &t), PSP_OK);
	EXPECT_EQ(tdi_create(f, &k5, &t, DEV_B | 1), PSP_OK);
	/* TDI_INFO reports the interface ID as created */
	pa = fk_page(f, true);
	cmd_init(b, 48);
	put64(b + 8, k5.ctx.sla);
	put64(b + 16, t.sla);
	put64(b + 24, pa);
	EXPECT_EQ(fk_issue(f, PSP_TDI_INFO, b, 48), PSP_OK);
	EXPECT_EQ(get32(fk_ptr(f, pa) + 4), (DEV_B | 1) | 5u << 16 | RSEG_VALID);
	EXPECT_EQ(tdi_reclaim(f, &k5, &t), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k0, false), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k5, false), PSP_OK);
	fk_free(f);
}

/*
 * TIO_ASID_FENCE_STATUS, 32 bytes: asid at 16, status_pa at 20 (unaligned);
 * the u64 result, or -status
 */
static long long fence_status(struct fake *f, struct kdev *k, uint32_t asid)
{
	uint8_t b[PSP_MAX_CMD];
	uint64_t pa = fk_page(f, true);
	int st;

	memset(fk_ptr(f, pa), 0xee, 16);
	cmd_init(b, 32);
	put64(b + 8, k->ctx.sla);
	put32(b + 16, asid);
	put64(b + 20, pa);
	st = fk_issue(f, PSP_ASID_FENCE_STATUS, b, 32);
	if (st)
		return -st;
	EXPECT_EQ(fk_ptr(f, pa)[8], 0xee);
	return (long long)get64(fk_ptr(f, pa));
}

/* TIO_ASID_FENCE_CLEAR, 32 bytes: gctx_paddr at 16 */
static int fence_clear(struct fake *f, struct kdev *k, uint64_t gctx)
{
	uint8_t b[PSP_MAX_CMD];

	cmd_init(b, 32);
	put64(b + 8, k->ctx.sla);
	put64(b + 16, gctx);
	return fk_issue(f, PSP_ASID_FENCE_CLEAR, b, 32);
}

#define FENCED	(PSP_FENCE_DMA_DEFAULT_FENCED | PSP_FENCE_MMIO_FENCED)

/*
 * The ASID fence: unbinding an interface that ran fences the guest's ASID
 * on the device; while fenced, binding an interface of the device for
 * that ASID is INVALID_GUEST_STATE; ASID_FENCE_CLEAR and DEV_RECLAIM end
 * it.  The ASID comes from the guest context page; 0 is INVALID_GUEST.
 */
TEST(psp_asid_fence)
{
	struct kdev k, k2;
	struct fake *f = fk_connected(&k);
	uint64_t g, g2, g0;
	struct kbuf t0, t1, t2;
	uint8_t b[PSP_MAX_CMD];
	int n;

	ASSERT(f && f->p);
	g = fk_gctx(f, ASID);
	g2 = fk_gctx(f, ASID + 1);
	g0 = fk_gctx(f, 0);
	EXPECT_EQ(tdi_create(f, &k, &t0, DEV_A), PSP_OK);
	EXPECT_EQ(tdi_create(f, &k, &t1, DEV_A | 1), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), 0);
	EXPECT_EQ(fence_status(f, &k, 0), -PSP_INVALID_ASID);

	/* A guest context without an ASID */
	n = f->rounds;
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, true, g0), PSP_INVALID_GUEST);
	EXPECT_EQ(f->rounds, n);

	/* Bound and unbound without RUN: no fence */
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, false, g), PSP_OK);
	EXPECT_EQ(tdi_cmd(f, &k, &t0, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), 0);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, false, g), PSP_OK);
	EXPECT_EQ(tdi_unbind_force(f, &k, &t0), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), 0);

	/* RUN, then a clean unbind: DMA and MMIO fenced for that ASID only */
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, true, g), PSP_OK);
	EXPECT_EQ(tdi_cmd(f, &k, &t0, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), 0xf);
	EXPECT_EQ(fence_status(f, &k, ASID), FENCED);
	EXPECT_EQ(fence_status(f, &k, ASID + 1), 0);
	/* Any interface of the device, that ASID: refused, nothing sent */
	n = f->rounds;
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, true, g), PSP_INVALID_GUEST_STATE);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t1, BIND_FLAGS, false, g), PSP_INVALID_GUEST_STATE);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t1, BIND_FLAGS, false, fk_gctx(f, ASID)),
		  PSP_INVALID_GUEST_STATE);
	EXPECT_EQ(f->rounds, n);
	/* Another ASID binds */
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t1, BIND_FLAGS, false, g2), PSP_OK);
	/* Another device is not fenced */
	EXPECT_EQ(dev_create(f, &k2, &f->devs[1]), PSP_OK);
	EXPECT_EQ(dev_connect(f, &k2), PSP_OK);
	EXPECT_EQ(fence_status(f, &k2, ASID), 0);
	EXPECT_EQ(tdi_create(f, &k2, &t2, DEV_B), PSP_OK);
	EXPECT_EQ(tdi_bind_gctx(f, &k2, &t2, BIND_FLAGS, true, g), PSP_OK);

	/* FENCE_STATUS and FENCE_CLEAR checks */
	cmd_init(b, 32);
	put64(b + 8, k.ctx.sla);
	put32(b + 16, ASID);
	put64(b + 20, fk_page(f, false));
	EXPECT_EQ(fk_issue(f, PSP_ASID_FENCE_STATUS, b, 32), PSP_INVALID_PAGE_STATE);
	put64(b + 20, 0);
	EXPECT_EQ(fk_issue(f, PSP_ASID_FENCE_STATUS, b, 32), PSP_INVALID_ADDRESS);
	put64(b + 8, fk_page(f, true));
	put64(b + 20, fk_page(f, true));
	EXPECT_EQ(fk_issue(f, PSP_ASID_FENCE_STATUS, b, 32), PSP_INVALID_DEV_CTX);
	EXPECT_EQ(fence_clear(f, &k, fk_page(f, false)), PSP_INVALID_PAGE_STATE);
	EXPECT_EQ(fence_clear(f, &k, 0), PSP_INVALID_ADDRESS);
	EXPECT_EQ(fence_clear(f, &k, g0), PSP_INVALID_GUEST);
	EXPECT_EQ(fence_status(f, &k, ASID), FENCED);
	/* Clearing another ASID (not fenced) succeeds and changes nothing */
	EXPECT_EQ(fence_clear(f, &k, g2), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), FENCED);
	/* FENCE_CLEAR: the ASID binds again */
	EXPECT_EQ(fence_clear(f, &k, g), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), 0);
	EXPECT_EQ(fence_clear(f, &k, g), PSP_OK);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, true, g), PSP_OK);
	/* TDI_INFO reports the ASID of the bound guest */
	cmd_init(b, 48);
	put64(b + 8, k.ctx.sla);
	put64(b + 16, t0.sla);
	put64(b + 24, fk_page(f, true));
	EXPECT_EQ(fk_issue(f, PSP_TDI_INFO, b, 48), PSP_OK);
	EXPECT_EQ(get32(fk_ptr(f, get64(b + 24)) + 184), ASID);

	/* A forced unbind after RUN fences too; a started interface has run */
	EXPECT_EQ(tdi_unbind_force(f, &k, &t0), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), FENCED);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t1, BIND_FLAGS, true, g2), PSP_OK);	/* start */
	EXPECT_EQ(tdi_cmd(f, &k, &t1, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID + 1), FENCED);
	EXPECT_EQ(fence_status(f, &k, ASID), FENCED);
	EXPECT_EQ(fence_clear(f, &k, g2), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID + 1), 0);
	EXPECT_EQ(fence_status(f, &k, ASID), FENCED);

	/* The fences go with the device: DEV_RECLAIM, a new context */
	EXPECT_EQ(tdi_reclaim(f, &k, &t0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t1), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), FENCED);
	EXPECT_EQ(dev_reclaim(f, &k), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), -PSP_INVALID_DEV_CTX);
	EXPECT_EQ(dev_create(f, &k, &f->devs[0]), PSP_OK);
	EXPECT_EQ(fence_status(f, &k, ASID), 0);
	EXPECT_EQ(dev_connect(f, &k), PSP_OK);
	EXPECT_EQ(tdi_create(f, &k, &t0, DEV_A), PSP_OK);
	EXPECT_EQ(tdi_bind_gctx(f, &k, &t0, BIND_FLAGS, true, g), PSP_OK);
	EXPECT_EQ(tdi_cmd(f, &k, &t0, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k, &t0), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k, false), PSP_OK);
	EXPECT_EQ(tdi_cmd(f, &k2, &t2, PSP_TDI_UNBIND, 0), PSP_OK);
	EXPECT_EQ(tdi_reclaim(f, &k2, &t2), PSP_OK);
	EXPECT_EQ(dev_disconnect(f, &k2, false), PSP_OK);
	fk_free(f);
}
