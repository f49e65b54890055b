// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-model: the SEV-TIO firmware (the AMD PSP acting as TSM), FACTS
 * section 6, for the emulated platform's tsm_emu_psp module.
 *
 * Command layouts follow AMD's current driver where it differs from the
 * RFC (FACTS 6.11): AMDESE/linux-kvm drivers/crypto/ccp/sev-dev-tio.c,
 * sev-dev-tio.h and include/linux/psp-sev.h at commit
 * 16f379f5463af503796de2199ff17b8cd27682ba ("AMD @ 16f379f5463a" below).
 *
 * Commands arrive one at a time.  An SPDM-capable command runs its flow
 * (the SPDM requester, IDE_KM and TDISP code, unchanged) on a worker
 * thread of its own whose transport parks each SPDM request in the
 * command's req buffer: the command completes with SPDM_REQUEST, the host
 * carries the request over DOE, writes the answer into the resp buffer
 * and issues the identical command again, which hands the answer to the
 * parked worker.  Only one of the main thread and the workers runs at a
 * time; the hand-over is a mutex and condition variable.  Flows of
 * different device contexts may be pending at the same time.
 *
 * Choices where the facts leave room (see README.md):
 *  - Device and TDI state lives here, keyed by the first page of the
 *    context; the context page holds a magic the firmware checks.
 *  - A second context for a device already owned is ALREADY_OWNED, a
 *    context page already in use INVALID_PAGE_STATE, a TDI context
 *    unknown to the device INVALID_TDI_CTX.
 *  - While a flow is pending: the identical command continues it; the
 *    same command with other bytes aborts it and is INVALID_PARAM; another
 *    SPDM command, DEV_RECLAIM or a forced DEV_DISCONNECT of that device,
 *    or TDI_RECLAIM of the interface it is for, aborts it and runs; other
 *    commands leave it alone.
 *  - An SPDM failure (or an aborted flow) drops the session: the device
 *    is no longer connected, its root port keys are stopped and its TDIs
 *    unbound.  A TDISP_ERROR answer only fails the TDI command.
 *  - Root port keys are programmed per key set and direction with the tag
 *    of the endpoint keys they must match (the root port receives with the
 *    endpoint's Tx keys and sends with its Rx keys); the key values are
 *    wiped once sent and tagged.  A teardown stops both key sets, both
 *    directions, of every stream.
 *  - ROLL_KEY (connected devices only, else INVALID_DEV_STATE) moves every
 *    stream to the key set it does not use, in the order of
 *    job_roll_key(), which keeps the stream Secure.  A failure midway
 *    drops the session like any SPDM failure (no rollback: the device may
 *    be unreachable); a root port that refuses its keys is
 *    ERR_IN_DEV_CONN, as in DEV_CONNECT.
 *  - ALL_REQUEST_REDIRECT is required by the firmware but only forwarded
 *    in LOCK_INTERFACE when the device lists it as supported.
 *  - TDI_UNBIND unbinds even when the device answers STOP_INTERFACE with
 *    TDISP_ERROR (the command still fails with SPDM_ERROR), so that the
 *    host can always reclaim the interface.
 *  - TDI_BIND of an interface the device reports in the wrong state for
 *    LOCK_INTERFACE (left locked or in ERROR when an earlier bind failed
 *    after its lock and the session dropped) stops it and locks once
 *    more, so that a failed bind does not make the interface unusable
 *    until a device reset.
 *  - The guest's ASID: on hardware SNP_ACTIVATE binds the ASID to the
 *    guest context page, whose format is firmware-private.  Here the
 *    first four bytes (LE u32) of the gctx page hold the ASID: the
 *    emulated hypervisor writes it there before it hands the page to the
 *    firmware.  A guest context with ASID 0 is INVALID_GUEST.  The
 *    firmware keeps the guest's last message sequence number at +8 (see
 *    GMSG_HDR).  GUEST_REQUEST for an interface bound to another guest
 *    context's ASID is INVALID_GUEST.
 *  - ASID fence: TDI_UNBIND (clean or FORCE) of an interface that
 *    reached RUN fences the guest's ASID on that device (DMA
 *    DEFAULT_FENCED, MMIO FENCED, as ASID_FENCE_STATUS reports it).
 *    While fenced, TDI_BIND of any interface of the device for a guest
 *    context with that ASID is INVALID_GUEST_STATE; ASID_FENCE_CLEAR
 *    lifts it (success when not fenced), DEV_RECLAIM drops the device's
 *    fences with it.  A session that drops (forced disconnect, SPDM
 *    failure) unbinds without fencing.  A fence that does not fit
 *    (MAX_FENCES ASIDs per device) makes the unbind RESOURCE_LIMIT before
 *    it starts.
 *  - TDI_UNBIND FORCE drops the binding without SPDM traffic: the
 *    device's interface stays as it is (CONFIG_UNLOCKED again when the
 *    session ends); a pending flow of that interface is aborted first
 *    (which drops the session, as every aborted flow does).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pcisig.h"
#include "psp.h"
#include "spdm.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define PAGE			4096u
/* SLA: bit 0 scatter page, bit 1 page size, PFN in bits 51:12 */
#define SLA_SCATTER		0x1ull
#define SLA_2M			0x2ull
#define SLA_EOL			0x000ffffffffff000ull
/* Physical address bits kept: the C-bit (above bit 45) is stripped */
#define PA_MASK			0x00003ffffffff000ull
#define SLA_MAX_PAGES		512

/* Buffer header and data objects (FACTS 6.6) */
#define BUF_HDR			0x40
#define OBJ_SPDM		0x50
#define OBJ_REQ			1
#define OBJ_RSP			2
#define OBJ_CERT		4
#define OBJ_MEAS		5
#define OBJ_REPORT		6
#define OBJ_EVIDENCE_HDR	32

#define MAX_DEVS		16
#define MAX_TDIS		8
#define MAX_VALID		64
#define MAX_FENCES		64
#define REPORT_MAX		4096

#define DEV_MAGIC		0x5845544344495453ull	/* "STIDCTEX" */
#define TDI_MAGIC		0x5845544349445453ull	/* "STDICTEX" */

/* TDI_BIND lock flags */
#define LOCK_BIND_P2P		0x08
#define LOCK_ALL_REDIRECT	0x10
#define TDISP_CAPS_FLAGS	36

/* Command flags (AMD @ 16f379f5463a) */
#define BIND_RUN_FORCE		0x1	/* TDI_BIND run_flags */
#define UNBIND_FORCE		0x1	/* TDI_UNBIND flags */
#define MEAS_RAW_BITSTREAM	0x1	/* DEV_MEASUREMENTS flags */

/* TDI_CREATE function_id: RID 15:0, segment 23:16, RSEG_VALID */
#define FID_RSEG_VALID		(1u << 24)

/* Evidence object type (header byte 19; AMD @ 16f379f5463a, sev-dev-tio.h) */
#define EV_TYPE_SPDM		1	/* certificates, plain measurements, report */
#define EV_TYPE_MEAS_LOG	2	/* TIO_SPDM_MEASUREMENTS_LOG: the transcript */

/* The buffer an SLA describes */
struct pbuf {
	uint64_t page[SLA_MAX_PAGES];
	unsigned int n;
};

struct spdm_bufs {
	struct pbuf req, resp, scratch, out;
	bool have_out;
};

/* Pages validated by one MMIO_VALIDATE: range ID, first GPA page, pages */
struct valid_range {
	uint16_t range_id;
	uint64_t first;
	uint32_t count;
};

struct psp_tdi {
	bool used;
	uint64_t ctx_pa;
	uint32_t function_id;
	uint16_t rid;
	bool bound;
	bool run;
	uint16_t flags;
	uint16_t guest_id;
	uint64_t gctx;
	uint32_t asid;		/* of the guest context */
	uint64_t bind_seq;
	uint8_t nonce[SPDM_NONCE];	/* of the lock, for a later start */
	uint8_t report[REPORT_MAX];
	size_t report_len;
	uint8_t report_digest[SPDM_H];
	uint64_t report_count;
	uint8_t sdte[64];
	bool sdte_valid;
	struct valid_range valid[MAX_VALID];
	unsigned int nvalid;
};

struct psp_flow;

/* An IDE stream of a connected device */
struct psp_ide {
	uint8_t id;
	uint8_t key_set;	/* the key set in use at both ends */
};

struct psp_dev {
	bool used;
	struct psp *p;
	uint64_t ctx_pa;
	uint16_t device_id;
	uint16_t rp_port;
	uint8_t segment;
	bool connected;
	uint8_t cert_slot;
	uint8_t tc_mask;
	uint8_t streams[8];
	uint16_t rp_rid;
	struct psp_ide ide[8];	/* streams whose root port keys were programmed */
	unsigned int nr_ide;
	struct spdm_req *q;
	uint8_t *chain;
	size_t chain_len;
	uint8_t certs_digest[SPDM_H];
	uint8_t meas_digest[SPDM_H];
	bool meas_valid;
	uint64_t meas_seq;
	struct psp_tdi tdis[MAX_TDIS];
	struct psp_flow *flow;
	uint32_t fenced[MAX_FENCES];	/* ASIDs fenced on the device */
	unsigned int nr_fenced;
};

enum flow_state { FL_RUNNING, FL_REQUEST, FL_RESPONSE, FL_DONE };

struct psp_flow {
	struct psp *p;
	struct psp_dev *d;
	struct psp_tdi *t;
	uint32_t cmd;
	uint8_t cmdbuf[PSP_MAX_CMD];
	size_t cmdlen;
	struct spdm_bufs b;
	int (*job)(struct psp_flow *f);
	pthread_t thread;
	enum flow_state state;
	bool abort;
	bool faulted;
	unsigned int rounds;
	unsigned int abort_after;
	uint16_t fault_status;
	int status;
	uint8_t req_type;
	size_t req_len;
	uint8_t req[MODEL_DOE_MAX];
	int rsp_len;
	uint8_t rsp[MODEL_DOE_MAX];
	/* parameters of the job */
	uint8_t nonce[SPDM_NONCE];
	uint16_t flags;
	uint16_t guest_id;
	bool run;
	bool raw;
	uint64_t gctx;
	uint32_t asid;
	uint64_t status_pa;
	uint8_t slot;
	uint8_t tc_mask;
	uint8_t streams[8];
	unsigned int nr_streams;
	uint16_t rp_rid;
};

struct psp_faults {
	bool st_armed;
	uint32_t st_cmd;
	uint16_t st_status;
	unsigned int st_round;
	uint32_t exp_out;
	uint32_t exp_scratch;
	bool exp_loop;
	bool drop;
	bool keep_ctx;
};

struct psp {
	struct psp_ops ops;
	char *root_der;
	bool verbose;
	bool init;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	struct psp_dev devs[MAX_DEVS];
	struct psp_faults fault;
	struct psp_dev *loop_dev;
	uint32_t loop_cmd;
	uint64_t seq;
	/* capacities asked for with EXPAND_BUFFER_LENGTH_REQUEST */
	struct { uint64_t pa; uint32_t cap; } asked[8];
	unsigned int nasked;
	uint64_t count[PSP_CMD_LAST - PSP_CMD_FIRST + 1];
	uint64_t failed;
	uint64_t total;
	uint64_t busy_us;	/* time spent running commands */
	unsigned int last_rounds;
	uint8_t cmdbuf[PSP_MAX_CMD];
};

struct psp_cmd_desc {
	uint32_t id;
	const char *name;
	uint32_t len;
	bool spdm;
	int (*fn)(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len);
};

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t round_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) / a * a;
}

/* ------------------------------------------------------------------ */
/* Memory                                                               */

static int mem_rw(struct psp *p, uint64_t pa, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;
	bool owned;

	while (len) {
		size_t chunk = PAGE - (pa & (PAGE - 1));
		int rc;

		if (chunk > len)
			chunk = len;
		rc = p->ops.mem(p->ops.priv, pa, b, (uint32_t)chunk, write, &owned);
		if (rc)
			return rc;
		pa += chunk;
		b += chunk;
		len -= chunk;
	}
	return 0;
}

static int page_owned(struct psp *p, uint64_t pa, bool *owned)
{
	uint8_t tmp[8];

	return p->ops.mem(p->ops.priv, pa & ~(uint64_t)(PAGE - 1), tmp, sizeof(tmp), false, owned);
}

/* Bytes @off..@off+@len of a buffer */
static int pbuf_rw(struct psp *p, const struct pbuf *b, size_t off, void *data, size_t len,
		   bool write)
{
	uint8_t *d = data;

	if (off > (size_t)b->n * PAGE || len > (size_t)b->n * PAGE - off)
		return -ENOSPC;
	while (len) {
		size_t in = off % PAGE, chunk = PAGE - in;
		int rc;

		if (chunk > len)
			chunk = len;
		rc = mem_rw(p, b->page[off / PAGE] + in, d, chunk, write);
		if (rc)
			return rc;
		off += chunk;
		d += chunk;
		len -= chunk;
	}
	return 0;
}

static int pbuf_get32(struct psp *p, const struct pbuf *b, size_t off, uint32_t *v)
{
	uint8_t x[4];
	int rc = pbuf_rw(p, b, off, x, 4, false);

	*v = get32(x);
	return rc;
}

static int pbuf_put32(struct psp *p, const struct pbuf *b, size_t off, uint32_t v)
{
	uint8_t x[4];

	put32(x, v);
	return pbuf_rw(p, b, off, x, 4, true);
}

/* Decode an SLA into its pages (FACTS 6.6); a firmware status */
static int sla_resolve(struct psp *p, uint64_t sla, struct pbuf *b)
{
	uint8_t *sp;
	unsigned int i;

	b->n = 0;
	if (!sla || (sla & SLA_EOL) == SLA_EOL)
		return PSP_INVALID_ADDRESS;
	if (sla & SLA_2M)
		return PSP_INVALID_PAGE_SIZE;
	if (!(sla & SLA_SCATTER)) {
		b->page[0] = sla & PA_MASK;
		b->n = 1;
		return PSP_OK;
	}
	sp = malloc(PAGE);
	if (!sp)
		return PSP_RESOURCE_LIMIT;
	if (mem_rw(p, sla & PA_MASK, sp, PAGE, false)) {
		free(sp);
		return PSP_INVALID_ADDRESS;
	}
	for (i = 0; i < SLA_MAX_PAGES; i++) {
		uint64_t e = get64(sp + 8 * i);

		if (e == SLA_EOL)
			break;
		if (!e || (e & SLA_EOL) == SLA_EOL || (e & SLA_SCATTER)) {
			free(sp);
			return PSP_INVALID_ADDRESS;
		}
		if (e & SLA_2M) {
			free(sp);
			return PSP_INVALID_PAGE_SIZE;
		}
		b->page[b->n++] = e & PA_MASK;
	}
	free(sp);
	return b->n ? PSP_OK : PSP_INVALID_ADDRESS;
}

/* Every page firmware-owned (@fw) or every page not */
static int pbuf_owner(struct psp *p, const struct pbuf *b, bool fw)
{
	unsigned int i;
	bool owned;

	for (i = 0; i < b->n; i++) {
		if (page_owned(p, b->page[i], &owned))
			return PSP_INVALID_ADDRESS;
		if (owned != fw)
			return PSP_INVALID_PAGE_STATE;
	}
	return PSP_OK;
}

/* A buffer with a header: capacity_sz must describe the pages */
static int hbuf_check(struct psp *p, uint64_t sla, struct pbuf *b, bool fw)
{
	unsigned int i;
	uint32_t cap;
	int st;

	st = sla_resolve(p, sla, b);
	if (st)
		return st;
	st = pbuf_owner(p, b, fw);
	if (st)
		return st;
	if (pbuf_get32(p, b, 0, &cap))
		return PSP_INVALID_ADDRESS;
	if (cap == b->n * PAGE)
		return PSP_OK;
	/* A host that did not grow the buffer left our request there */
	for (i = 0; fw && i < ARRAY_SIZE(p->asked); i++)
		if (p->asked[i].pa == b->page[0] && p->asked[i].cap == cap)
			return pbuf_put32(p, b, 0, b->n * PAGE) ? PSP_INVALID_ADDRESS : PSP_OK;
	return PSP_INVALID_LEN;
}

/* Ask the host to grow a buffer to @cap bytes */
static int expand(struct psp *p, const struct pbuf *b, uint32_t cap)
{
	unsigned int i = p->nasked++ % (ARRAY_SIZE(p->asked));

	p->asked[i].pa = b->page[0];
	p->asked[i].cap = cap;
	return pbuf_put32(p, b, 0, cap) ? PSP_INVALID_ADDRESS : PSP_EXPAND_BUFFER;
}

/* The four buffers of spdm_ctrl; the output is optional unless @need_out */
static int spdm_ctrl_check(struct psp *p, const uint8_t *ctrl, struct spdm_bufs *s,
			   bool need_out)
{
	int st;

	st = hbuf_check(p, get64(ctrl), &s->req, true);
	if (!st)
		st = hbuf_check(p, get64(ctrl + 8), &s->resp, false);
	if (!st)
		st = hbuf_check(p, get64(ctrl + 16), &s->scratch, true);
	if (st)
		return st;
	s->have_out = false;
	if (!get64(ctrl + 24) && !need_out)
		return PSP_OK;
	st = hbuf_check(p, get64(ctrl + 24), &s->out, true);
	s->have_out = !st;
	return st;
}

/* A firmware page receiving @len bytes of status at @pa */
static int status_page(struct psp *p, uint64_t pa, size_t len)
{
	bool owned;

	pa &= PA_MASK | (PAGE - 1);
	if (!pa || (pa & (PAGE - 1)) + len > PAGE)
		return PSP_INVALID_ADDRESS;
	if (page_owned(p, pa, &owned))
		return PSP_INVALID_ADDRESS;
	return owned ? PSP_OK : PSP_INVALID_PAGE_STATE;
}

static int status_write(struct psp *p, uint64_t pa, const void *data, size_t len)
{
	pa &= PA_MASK | (PAGE - 1);
	return mem_rw(p, pa, (void *)data, len, true) ? PSP_INVALID_ADDRESS : PSP_OK;
}

/* ------------------------------------------------------------------ */
/* Device and TDI contexts                                              */

/* Program and set to go (@go, keys named by @tag) or stop one root port slot */
static int rp_slot(struct psp_dev *d, const struct psp_ide *s, uint8_t ks, uint8_t dir, bool go,
		   uint32_t tag)
{
	struct psp *p = d->p;

	return p->ops.rp_key(p->ops.priv, d->segment, d->rp_rid, s->id, ks, dir, go,
			     go ? tag : 0);
}

static void dev_teardown(struct psp_dev *d)
{
	unsigned int i, ks, dir;

	/* Both key sets, both directions, whatever state each is in */
	for (i = 0; i < d->nr_ide; i++)
		for (ks = 0; ks < 2; ks++)
			for (dir = IDEKM_RX; dir <= IDEKM_TX; dir++)
				rp_slot(d, &d->ide[i], ks, dir, false, 0);
	d->nr_ide = 0;
	spdm_req_free(d->q);
	d->q = NULL;
	d->connected = false;
	for (i = 0; i < MAX_TDIS; i++) {
		d->tdis[i].bound = false;
		d->tdis[i].run = false;
		d->tdis[i].nvalid = 0;
		d->tdis[i].sdte_valid = false;
	}
}

static int ctx_magic(struct psp *p, uint64_t pa, uint64_t magic, bool write)
{
	uint8_t m[16] = { 0 };

	if (write) {
		put64(m, magic);
		put64(m + 8, magic ? pa : 0);
		return mem_rw(p, pa, m, sizeof(m), true);
	}
	if (mem_rw(p, pa, m, sizeof(m), false))
		return -EIO;
	return get64(m) == magic && get64(m + 8) == pa ? 0 : -EINVAL;
}

static bool page_in_use(struct psp *p, uint64_t pa)
{
	unsigned int i, j;

	for (i = 0; i < MAX_DEVS; i++) {
		struct psp_dev *d = &p->devs[i];

		if (!d->used)
			continue;
		if (d->ctx_pa == pa)
			return true;
		for (j = 0; j < MAX_TDIS; j++)
			if (d->tdis[j].used && d->tdis[j].ctx_pa == pa)
				return true;
	}
	return false;
}

/* The device context an SLA names */
/* The first page of the buffer @sla names */
static int sla_first_page(struct psp *p, uint64_t sla, uint64_t *pa)
{
	struct pbuf *b = malloc(sizeof(*b));
	int st;

	if (!b)
		return PSP_RESOURCE_LIMIT;
	st = sla_resolve(p, sla, b);
	*pa = st ? 0 : b->page[0];
	free(b);
	return st;
}

static int dev_lookup(struct psp *p, uint64_t sla, struct psp_dev **dp)
{
	unsigned int i;
	uint64_t pa;
	bool owned;
	int st;

	*dp = NULL;
	st = sla_first_page(p, sla, &pa);
	if (st)
		return st;
	for (i = 0; i < MAX_DEVS; i++)
		if (p->devs[i].used && p->devs[i].ctx_pa == pa)
			break;
	if (i == MAX_DEVS)
		return PSP_INVALID_DEV_CTX;
	if (page_owned(p, pa, &owned) || !owned)
		return PSP_INVALID_PAGE_STATE;
	if (ctx_magic(p, pa, DEV_MAGIC, false))
		return PSP_INVALID_DEV_CTX;
	*dp = &p->devs[i];
	return PSP_OK;
}

static int tdi_lookup(struct psp *p, struct psp_dev *d, uint64_t sla, struct psp_tdi **tp)
{
	unsigned int i;
	uint64_t pa;
	int st;

	*tp = NULL;
	st = sla_first_page(p, sla, &pa);
	if (st)
		return st;
	for (i = 0; i < MAX_TDIS; i++)
		if (d->tdis[i].used && d->tdis[i].ctx_pa == pa)
			break;
	if (i == MAX_TDIS || ctx_magic(p, pa, TDI_MAGIC, false))
		return PSP_INVALID_TDI_CTX;
	*tp = &d->tdis[i];
	return PSP_OK;
}

/*
 * The platform learns which firmware pages are live contexts: the RMP
 * refuses to give them back to the host until the context is reclaimed.
 * The "fw-keep-ctx" fault has the next reclaim of a context succeed but
 * keep the page in use, as a firmware that still uses it.
 */
static int ctx_mark(struct psp *p, uint64_t pa, bool in_use)
{
	if (!p->ops.ctx)
		return 0;
	if (!in_use && p->fault.keep_ctx) {
		p->fault.keep_ctx = false;
		return 0;
	}
	return p->ops.ctx(p->ops.priv, pa, in_use);
}

/* A new firmware-owned context of at least @size bytes */
static int ctx_new(struct psp *p, uint64_t sla, size_t size, uint64_t *pa)
{
	struct pbuf *b = malloc(sizeof(*b));
	int st;

	if (!b)
		return PSP_RESOURCE_LIMIT;
	st = sla_resolve(p, sla, b);
	if (!st)
		st = pbuf_owner(p, b, true);
	if (!st && (size_t)b->n * PAGE < size)
		st = PSP_INVALID_LEN;
	if (!st && page_in_use(p, b->page[0]))
		st = PSP_INVALID_PAGE_STATE;
	*pa = b->page[0];
	free(b);
	return st;
}

/* ------------------------------------------------------------------ */
/* SPDM rounds                                                          */

/*
 * The host rounds the response object up to 32 bytes; the SPDM message
 * carries its own length, taken from the fields the requester checks.
 */
static size_t spdm_plain_len(const uint8_t *req, size_t req_len, const uint8_t *r, size_t n)
{
	size_t need = n, off;

	if (n < 4 || req_len < 4)
		return n;
	switch (r[1]) {
	case SPDM_VERSION:
		if (n >= 6)
			need = 6 + 2 * (size_t)r[5];
		break;
	case SPDM_CAPABILITIES:
		need = r[0] >= SPDM_VER_12 ? 20 : 12;
		break;
	case SPDM_ALGORITHMS:
		if (n >= 6)
			need = get16(r + 4);
		break;
	case SPDM_DIGESTS:
		need = 4 + SPDM_H * (size_t)__builtin_popcount(r[3]);
		break;
	case SPDM_CERTIFICATE:
		if (n >= 8)
			need = 8 + (size_t)get16(r + 4);
		break;
	case SPDM_CHALLENGE_AUTH:
		off = 4 + SPDM_H + SPDM_NONCE + (req[3] ? SPDM_H : 0);
		if (n >= off + 2)
			need = off + 2 + get16(r + off) + SPDM_S;
		break;
	case SPDM_MEASUREMENTS:
		if (n < 8)
			break;
		off = 8 + (size_t)get24(r + 5) + SPDM_NONCE;
		if (n >= off + 2)
			need = off + 2 + get16(r + off) + ((req[2] & 1) ? SPDM_S : 0);
		break;
	case SPDM_KEY_EXCHANGE_RSP:
		off = 40 + SPDM_D + (req[2] ? SPDM_H : 0);
		if (n >= off + 2)
			need = off + 2 + get16(r + off) + SPDM_S + SPDM_H;
		break;
	case SPDM_ERROR:
		need = r[2] == 0x42 ? 8 : 4;
		break;
	}
	return need <= n ? need : n;
}

/* Place the parked request into the req buffer */
static int write_request(struct psp *p, struct psp_flow *f)
{
	uint32_t objlen = 16 + (uint32_t)f->req_len, padded = round_up(objlen, 32);
	uint8_t *obj = calloc(1, padded);
	uint8_t hdr[12] = { 0 };
	int rc;

	if (!obj)
		return -ENOMEM;
	put32(obj, OBJ_REQ);
	put32(obj + 4, objlen);
	obj[8] = 0;
	obj[9] = 1;
	obj[10] = f->req_type;
	memcpy(obj + 16, f->req, f->req_len);
	put32(hdr, padded);	/* payload_sz; flags 0; reserved 0 */
	rc = pbuf_rw(p, &f->b.req, BUF_HDR, obj, padded, true) ?:
	     pbuf_rw(p, &f->b.req, 4, hdr, sizeof(hdr), true);
	free(obj);
	return rc;
}

/* The answer the host left in the resp buffer; a length or -errno */
static int read_response(struct psp *p, struct psp_flow *f)
{
	uint8_t hdr[16];
	uint32_t payload, objlen;
	size_t n;

	if (pbuf_get32(p, &f->b.resp, 4, &payload) ||
	    pbuf_rw(p, &f->b.resp, BUF_HDR, hdr, sizeof(hdr), false))
		return -EIO;
	objlen = get32(hdr + 4);
	if (get32(hdr) != OBJ_RSP || hdr[10] != f->req_type || objlen < 16 + 4 ||
	    objlen > payload || payload > f->b.resp.n * PAGE - BUF_HDR)
		return -EIO;
	n = objlen - 16;
	if (n > sizeof(f->rsp))
		return -EMSGSIZE;
	if (pbuf_rw(p, &f->b.resp, OBJ_SPDM, f->rsp, n, false))
		return -EIO;
	if (f->req_type == DOE_TYPE_CMA)
		n = spdm_plain_len(f->req, f->req_len, f->rsp, n);
	return (int)n;
}

/* Transport of the requester: park the request, wait for the answer */
static int flow_xfer(void *priv, uint8_t doe_type, const uint8_t *req, size_t req_len,
		     uint8_t *rsp, size_t rsp_cap)
{
	struct psp_dev *d = priv;
	struct psp_flow *f = d->flow;
	struct psp *p = d->p;
	int n;

	if (!f)
		return -EIO;
	if (req_len > sizeof(f->req) || OBJ_SPDM + req_len > (size_t)f->b.req.n * PAGE)
		return -EMSGSIZE;
	pthread_mutex_lock(&p->lock);
	if (!f->abort && f->abort_after && f->rounds >= f->abort_after) {
		f->faulted = true;
		f->abort = true;
	}
	if (f->abort)
		goto cancel;
	memcpy(f->req, req, req_len);
	f->req_len = req_len;
	f->req_type = doe_type;
	f->state = FL_REQUEST;
	pthread_cond_broadcast(&p->cv);
	while (f->state == FL_REQUEST && !f->abort)
		pthread_cond_wait(&p->cv, &p->lock);
	if (f->abort)
		goto cancel;
	f->state = FL_RUNNING;
	n = f->rsp_len;
	pthread_mutex_unlock(&p->lock);
	if (n < 0)
		return n;
	if ((size_t)n > rsp_cap)
		return -ENOSPC;
	memcpy(rsp, f->rsp, n);
	return n;
cancel:
	pthread_mutex_unlock(&p->lock);
	return -ECANCELED;
}

static void *flow_main(void *arg)
{
	struct psp_flow *f = arg;
	struct psp *p = f->p;
	int st = f->job(f);

	pthread_mutex_lock(&p->lock);
	f->status = f->faulted ? f->fault_status : st;
	f->state = FL_DONE;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Called with the lock held: run the worker until it parks or ends */
static int flow_wait(struct psp *p, struct psp_flow *f)
{
	int st;

	while (f->state == FL_RUNNING || f->state == FL_RESPONSE)
		pthread_cond_wait(&p->cv, &p->lock);
	p->last_rounds = f->rounds;
	if (f->state == FL_REQUEST)
		return PSP_SPDM_REQUEST;
	st = f->status;
	pthread_mutex_unlock(&p->lock);
	pthread_join(f->thread, NULL);
	pthread_mutex_lock(&p->lock);
	f->d->flow = NULL;
	free(f);
	return st;
}

static int flow_handoff(struct psp *p, struct psp_flow *f)
{
	int st = flow_wait(p, f);

	pthread_mutex_unlock(&p->lock);
	if (st == PSP_SPDM_REQUEST && write_request(p, f)) {
		pthread_mutex_lock(&p->lock);
		f->abort = true;
		f->state = FL_RUNNING;
		pthread_cond_broadcast(&p->cv);
		flow_wait(p, f);
		pthread_mutex_unlock(&p->lock);
		return PSP_INVALID_ADDRESS;
	}
	return st;
}

static int flow_start(struct psp *p, struct psp_flow *f)
{
	f->p = p;
	f->state = FL_RUNNING;
	f->d->flow = f;
	pthread_mutex_lock(&p->lock);
	if (pthread_create(&f->thread, NULL, flow_main, f)) {
		pthread_mutex_unlock(&p->lock);
		f->d->flow = NULL;
		free(f);
		return PSP_RESOURCE_LIMIT;
	}
	return flow_handoff(p, f);
}

static int flow_continue(struct psp *p, struct psp_flow *f)
{
	int n = read_response(p, f);

	pthread_mutex_lock(&p->lock);
	f->rsp_len = n;
	f->rounds++;
	f->state = FL_RESPONSE;
	pthread_cond_broadcast(&p->cv);
	return flow_handoff(p, f);
}

/* Give up the pending flow of @d: its transport fails, it cleans up */
static void flow_abort(struct psp *p, struct psp_dev *d)
{
	struct psp_flow *f = d->flow;

	if (!f)
		return;
	if (p->verbose)
		fprintf(stderr, "tsm-model: psp: pending command %#x aborted\n", f->cmd);
	pthread_mutex_lock(&p->lock);
	f->abort = true;
	if (f->state == FL_REQUEST)
		f->state = FL_RUNNING;	/* wake it up and wait for its end */
	pthread_cond_broadcast(&p->cv);
	flow_wait(p, f);
	pthread_mutex_unlock(&p->lock);
}

static struct spdm_req *dev_req(struct psp_dev *d)
{
	if (!d->q)
		d->q = spdm_req_new(flow_xfer, d, d->p->root_der);
	return d->q;
}

/* ------------------------------------------------------------------ */
/* Output objects                                                       */

/*
 * Write an evidence object (@id, 32-byte header, @type) with @payload into
 * the output buffer, or ask for a larger buffer.
 */
static int out_object(struct psp_flow *f, uint32_t id, uint8_t type, const uint8_t *payload,
		      size_t len)
{
	struct psp *p = f->p;
	size_t need = BUF_HDR + OBJ_EVIDENCE_HDR + len;
	uint8_t hdr[OBJ_EVIDENCE_HDR] = { 0 };

	if (!f->b.have_out)
		return PSP_OK;
	if (need > (size_t)f->b.out.n * PAGE)
		return expand(p, &f->b.out, round_up((uint32_t)need, PAGE));
	put32(hdr, id);
	put32(hdr + 4, OBJ_EVIDENCE_HDR + (uint32_t)len);
	hdr[9] = 1;
	put16(hdr + 16, f->d->device_id);
	hdr[18] = f->d->segment;
	hdr[19] = type;
	if (pbuf_rw(p, &f->b.out, BUF_HDR, hdr, sizeof(hdr), true) ||
	    pbuf_rw(p, &f->b.out, BUF_HDR + OBJ_EVIDENCE_HDR, (void *)payload, len, true) ||
	    pbuf_put32(p, &f->b.out, 4, round_up(OBJ_EVIDENCE_HDR + (uint32_t)len, 32)) ||
	    pbuf_put32(p, &f->b.out, 8, 0))
		return PSP_INVALID_ADDRESS;
	return PSP_OK;
}

static int keep_chain(struct psp_dev *d)
{
	const uint8_t *chain;
	size_t len;

	chain = spdm_req_cert_chain(d->q, &len);
	if (!chain)
		return -EINVAL;
	free(d->chain);
	d->chain = malloc(len);
	if (!d->chain)
		return -ENOMEM;
	memcpy(d->chain, chain, len);
	d->chain_len = len;
	return crypto_sha384(chain, len, d->certs_digest);
}

/* ------------------------------------------------------------------ */
/* Flows (worker threads)                                               */

/*
 * KEY_PROG of the six keys of key set @ks of @stream at the endpoint, with
 * fresh random keys (IFV 0, 1).  The tags of its Rx and Tx keys go to
 * @tag[IDEKM_RX] and @tag[IDEKM_TX], for the root port; the keys are
 * forgotten as soon as they are sent.
 */
static int ide_prog(struct spdm_req *q, uint8_t stream, uint8_t ks, uint32_t tag[2])
{
	uint8_t keys[3][32], ifv[8] = { 0 };
	int dir, sub, rc = 0;

	ifv[4] = 1;
	for (dir = IDEKM_RX; dir <= IDEKM_TX && !rc; dir++) {
		for (sub = IDEKM_SUB_PR; sub <= IDEKM_SUB_CPL && !rc; sub++)
			rc = crypto_random(keys[sub], sizeof(keys[sub])) ?:
			     idekm_key_prog(q, 0, stream, ks, dir, sub, keys[sub], ifv);
		if (!rc)
			rc = idekm_key_tag(keys, &tag[dir]);
	}
	crypto_cleanse(keys, sizeof(keys));
	return rc;
}

/* K_SET_GO (@go) or K_SET_STOP of the three keys of key set @ks, direction @dir */
static int ide_gostop(struct spdm_req *q, uint8_t stream, uint8_t ks, uint8_t dir, bool go)
{
	int sub, rc = 0;

	for (sub = IDEKM_SUB_PR; sub <= IDEKM_SUB_CPL && !rc; sub++)
		rc = go ? idekm_key_go(q, 0, stream, ks, dir, sub) :
			  idekm_key_stop(q, 0, stream, ks, dir, sub);
	return rc;
}

static int job_connect(struct psp_flow *f)
{
	struct psp_dev *d = f->d;
	struct psp *p = f->p;
	struct spdm_req *q = dev_req(d);
	uint8_t query[MODEL_DOE_MAX];
	uint32_t tags[8][2];
	unsigned int i;
	int rc;

	if (!q)
		return PSP_RESOURCE_LIMIT;
	d->rp_rid = f->rp_rid;
	rc = spdm_req_vca(q) ?: spdm_req_get_certificate(q, f->slot) ?:
	     spdm_req_start_session(q, f->slot);
	if (!rc) {
		rc = idekm_query(q, 0, query, sizeof(query));
		rc = rc < 0 ? rc : 0;
	}
	/* Key set 0 of every stream */
	for (i = 0; i < f->nr_streams && !rc; i++)
		rc = ide_prog(q, f->streams[i], 0, tags[i]);
	for (i = 0; i < f->nr_streams && !rc; i++)
		rc = ide_gostop(q, f->streams[i], 0, IDEKM_RX, true) ?:
		     ide_gostop(q, f->streams[i], 0, IDEKM_TX, true);
	if (rc)
		goto spdm_fail;
	/* The root port receives what the endpoint sends, and the other way round */
	for (i = 0; i < f->nr_streams; i++) {
		struct psp_ide *s = &d->ide[d->nr_ide++];

		*s = (struct psp_ide){ .id = f->streams[i] };
		if (rp_slot(d, s, 0, IDEKM_RX, true, tags[i][IDEKM_TX]) ||
		    rp_slot(d, s, 0, IDEKM_TX, true, tags[i][IDEKM_RX])) {
			dev_teardown(d);
			return PSP_ERR_IN_DEV_CONN;
		}
	}
	if (keep_chain(d)) {
		dev_teardown(d);
		return PSP_RESOURCE_LIMIT;
	}
	d->connected = true;
	d->cert_slot = f->slot;
	d->tc_mask = f->tc_mask;
	memcpy(d->streams, f->streams, sizeof(d->streams));
	/* The certificate object, if there is room (no expansion here) */
	if (BUF_HDR + OBJ_EVIDENCE_HDR + d->chain_len <= (size_t)f->b.out.n * PAGE)
		out_object(f, OBJ_CERT, EV_TYPE_SPDM, d->chain, d->chain_len);
	return PSP_OK;
spdm_fail:
	if (p->verbose)
		fprintf(stderr, "tsm-model: psp: connect: %s\n", strerror(-rc));
	dev_teardown(d);
	return PSP_SPDM_ERROR;
}

static int job_disconnect(struct psp_flow *f)
{
	struct psp_dev *d = f->d;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < d->nr_ide && !rc; i++)
		rc = ide_gostop(d->q, d->ide[i].id, d->ide[i].key_set, IDEKM_RX, false) ?:
		     ide_gostop(d->q, d->ide[i].id, d->ide[i].key_set, IDEKM_TX, false);
	if (!rc)
		rc = spdm_req_end_session(d->q);
	dev_teardown(d);
	return rc ? PSP_SPDM_ERROR : PSP_OK;
}

/* Chain and leaf key: kept from the connection, else VCA and fetch */
static int fetch_identity(struct psp_dev *d, struct spdm_req *q, bool refetch)
{
	if (d->connected && !refetch)
		return 0;
	if (d->connected)
		return spdm_req_get_certificate(q, d->cert_slot);
	return spdm_req_vca(q) ?: spdm_req_get_certificate(q, d->cert_slot);
}

/* An SPDM failure: a connected device loses its session */
static int spdm_failed(struct psp_flow *f, int rc)
{
	if (f->p->verbose)
		fprintf(stderr, "tsm-model: psp: command %#x: %s\n", f->cmd, strerror(-rc));
	if (f->d->connected || f->d->q)
		dev_teardown(f->d);
	return PSP_SPDM_ERROR;
}

/*
 * IDE key refresh: every stream of the device moves to the key set it
 * does not use, in an order that keeps it Secure throughout (a receiver
 * has a key set before its partner sends with it):
 *   endpoint KEY_PROG of the new key set, both directions;
 *   root port Rx go; endpoint Rx go; endpoint Tx go (the endpoint sends
 *   with it); root port Tx go (so does the root port);
 *   endpoint K_SET_STOP of the old key set, both directions; root port
 *   old Rx and Tx stopped.
 * An SPDM failure drops the session (spdm_failed()), as in every flow; a
 * root port that refuses its keys too, with ERR_IN_DEV_CONN as in
 * DEV_CONNECT.
 */
static int job_roll_key(struct psp_flow *f)
{
	struct psp_dev *d = f->d;
	struct spdm_req *q = d->q;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < d->nr_ide; i++) {
		struct psp_ide *s = &d->ide[i];
		uint8_t old = s->key_set, alt = old ^ 1;
		uint32_t tag[2];

		rc = ide_prog(q, s->id, alt, tag);
		if (rc)
			break;
		if (rp_slot(d, s, alt, IDEKM_RX, true, tag[IDEKM_TX]))
			goto rp_fail;
		rc = ide_gostop(q, s->id, alt, IDEKM_RX, true) ?:
		     ide_gostop(q, s->id, alt, IDEKM_TX, true);
		if (rc)
			break;
		if (rp_slot(d, s, alt, IDEKM_TX, true, tag[IDEKM_RX]))
			goto rp_fail;
		rc = ide_gostop(q, s->id, old, IDEKM_RX, false) ?:
		     ide_gostop(q, s->id, old, IDEKM_TX, false);
		if (rc)
			break;
		if (rp_slot(d, s, old, IDEKM_RX, false, 0) ||
		    rp_slot(d, s, old, IDEKM_TX, false, 0))
			goto rp_fail;
		s->key_set = alt;
	}
	return rc ? spdm_failed(f, rc) : PSP_OK;
rp_fail:
	if (f->p->verbose)
		fprintf(stderr, "tsm-model: psp: roll key: root port keys refused\n");
	dev_teardown(d);
	return PSP_ERR_IN_DEV_CONN;
}

static int job_certificates(struct psp_flow *f)
{
	struct psp_dev *d = f->d;
	struct spdm_req *q = dev_req(d);
	const uint8_t *chain;
	size_t len;
	int rc;

	if (!q)
		return PSP_RESOURCE_LIMIT;
	rc = fetch_identity(d, q, true);
	if (rc)
		return spdm_failed(f, rc);
	chain = spdm_req_cert_chain(q, &len);
	if (d->connected && keep_chain(d))
		return PSP_RESOURCE_LIMIT;
	return out_object(f, OBJ_CERT, EV_TYPE_SPDM, chain, len);
}

static int job_measurements(struct psp_flow *f)
{
	struct psp_dev *d = f->d;
	struct spdm_req *q = dev_req(d);
	uint8_t *rsp = NULL, *buf = NULL;
	const uint8_t *a;
	size_t alen;
	int n, st;

	if (!q)
		return PSP_RESOURCE_LIMIT;
	n = fetch_identity(d, q, false);
	if (n)
		return spdm_failed(f, n);
	rsp = malloc(SPDM_BUF_MAX);
	if (!rsp)
		return PSP_RESOURCE_LIMIT;
	n = spdm_req_measurements_raw(q, f->nonce, f->raw, rsp, SPDM_BUF_MAX);
	if (n < 0) {
		free(rsp);
		return spdm_failed(f, n);
	}
	/* The request just sent is still parked in f->req */
	a = spdm_req_vca_transcript(q, &alen);
	if (a && f->req_len > 1 && f->req[1] == SPDM_GET_MEASUREMENTS)
		buf = malloc(alen + f->req_len + n);
	if (!buf) {
		free(rsp);
		return PSP_RESOURCE_LIMIT;
	}
	memcpy(buf, a, alen);
	memcpy(buf + alen, f->req, f->req_len);
	memcpy(buf + alen + f->req_len, rsp, n);
	st = crypto_sha384(rsp + 8, get24(rsp + 5), d->meas_digest) ? PSP_RESOURCE_LIMIT :
	     out_object(f, OBJ_MEAS, EV_TYPE_MEAS_LOG, buf, alen + f->req_len + n);
	if (!st) {
		d->meas_valid = true;
		d->meas_seq = ++f->p->seq;
	}
	free(rsp);
	free(buf);
	return st;
}

/* A TDISP failure: TDISP_ERROR fails the command, anything else the session */
static int tdi_failed(struct psp_flow *f, int rc)
{
	if (f->d->q && tdisp_last_error(f->d->q)) {
		if (f->p->verbose)
			fprintf(stderr, "tsm-model: psp: TDISP error %#x\n",
				tdisp_last_error(f->d->q));
		return PSP_SPDM_ERROR;
	}
	return spdm_failed(f, rc);
}

static int keep_report(struct psp_tdi *t, const uint8_t *report, size_t len)
{
	memcpy(t->report, report, len);
	t->report_len = len;
	t->report_count++;
	return crypto_sha384(report, len, t->report_digest);
}

static int job_bind(struct psp_flow *f)
{
	struct psp_dev *d = f->d;
	struct psp_tdi *t = f->t;
	uint8_t caps[64], nonce[SPDM_NONCE], *report = NULL;
	uint16_t flags = f->flags;
	bool locked = false;
	int n, st;

	n = tdisp_get_version(d->q, t->rid);
	if (n >= 0)
		n = tdisp_get_capabilities(d->q, t->rid, caps, sizeof(caps));
	if (n < 0)
		return tdi_failed(f, n);
	if (!(get16(caps + TDISP_CAPS_FLAGS) & LOCK_ALL_REDIRECT))
		flags &= ~LOCK_ALL_REDIRECT;
	n = tdisp_lock(d->q, t->rid, flags, d->streams[0], 0, nonce);
	if (n < 0 && d->connected && tdisp_last_error(d->q) == TDISP_ERR_INVALID_STATE) {
		/*
		 * Left CONFIG_LOCKED or ERROR by a bind that failed in an
		 * earlier session: STOP_INTERFACE returns it to
		 * CONFIG_UNLOCKED, then one more LOCK.
		 */
		n = tdisp_stop(d->q, t->rid);
		if (n >= 0)
			n = tdisp_lock(d->q, t->rid, flags, d->streams[0], 0, nonce);
	}
	if (n < 0)
		goto fail;
	locked = true;
	report = malloc(REPORT_MAX);
	if (!report) {
		n = -ENOMEM;
		goto fail;
	}
	n = tdisp_get_report(d->q, t->rid, 1024, report, REPORT_MAX);
	if (n < 0)
		goto fail;
	st = out_object(f, OBJ_REPORT, EV_TYPE_SPDM, report, n);
	if (st) {
		/* No room (or no memory): undo the lock, the host re-issues */
		tdisp_stop(d->q, t->rid);
		free(report);
		crypto_cleanse(nonce, sizeof(nonce));
		return st;
	}
	if (f->run) {
		int rc = tdisp_start(d->q, t->rid, nonce);

		if (rc < 0) {
			n = rc;
			goto fail;
		}
	}
	keep_report(t, report, n);
	memcpy(t->nonce, nonce, sizeof(nonce));
	t->bound = true;
	t->run = f->run;
	t->flags = f->flags;
	t->guest_id = f->guest_id;
	t->gctx = f->gctx;
	t->asid = f->asid;
	t->bind_seq = ++f->p->seq;
	t->nvalid = 0;
	free(report);
	crypto_cleanse(nonce, sizeof(nonce));
	return PSP_OK;
fail:
	free(report);
	crypto_cleanse(nonce, sizeof(nonce));
	st = tdi_failed(f, n);
	if (locked && d->q && d->connected) {
		uint32_t err = tdisp_last_error(d->q);

		tdisp_stop(d->q, t->rid);
		*spdm_req_tdisp_error(d->q) = err;
	}
	return st;
}

static int fence_find(const struct psp_dev *d, uint32_t asid)
{
	unsigned int i;

	for (i = 0; i < d->nr_fenced; i++)
		if (d->fenced[i] == asid)
			return (int)i;
	return -1;
}

/* Room for the fence an unbind of @t would set */
static bool fence_room(const struct psp_dev *d, const struct psp_tdi *t)
{
	return !t->run || fence_find(d, t->asid) >= 0 || d->nr_fenced < MAX_FENCES;
}

/*
 * TDI_UNBIND, clean or forced: the binding ends; an interface that ran
 * fences the guest's ASID on the device (fence_room() checked before)
 */
static void tdi_unbound(struct psp_dev *d, struct psp_tdi *t, bool ran, uint32_t asid)
{
	if (ran && fence_find(d, asid) < 0 && d->nr_fenced < MAX_FENCES)
		d->fenced[d->nr_fenced++] = asid;
	t->bound = false;
	t->run = false;
	t->nvalid = 0;
	t->sdte_valid = false;
	crypto_cleanse(t->nonce, sizeof(t->nonce));
}

static int job_unbind(struct psp_flow *f)
{
	int rc = tdisp_stop(f->d->q, f->t->rid), st = PSP_OK;

	/*
	 * The guest's access ends whatever the device answers: a device
	 * that refuses STOP_INTERFACE (TDISP_ERROR) fails the command but
	 * the interface is unbound, to be stopped before its next lock.
	 */
	if (rc < 0 && !tdisp_last_error(f->d->q))
		return tdi_failed(f, rc);
	if (rc < 0)
		st = tdi_failed(f, rc);
	tdi_unbound(f->d, f->t, f->t->run, f->t->asid);
	return st;
}

/*
 * TDI_BIND with RUN of an interface already bound, locked, to the same
 * guest: START_INTERFACE with the nonce of the lock.  The output is the
 * report of the lock.
 */
static int job_start(struct psp_flow *f)
{
	struct psp_tdi *t = f->t;
	int rc, st;

	rc = tdisp_start(f->d->q, t->rid, t->nonce);
	if (rc < 0)
		return tdi_failed(f, rc);
	st = out_object(f, OBJ_REPORT, EV_TYPE_SPDM, t->report, t->report_len);
	if (st)
		return st;
	t->run = true;
	return PSP_OK;
}

static int job_report(struct psp_flow *f)
{
	uint8_t *report = malloc(REPORT_MAX);
	int n, st;

	if (!report)
		return PSP_RESOURCE_LIMIT;
	n = tdisp_get_report(f->d->q, f->t->rid, 1024, report, REPORT_MAX);
	if (n < 0) {
		free(report);
		return tdi_failed(f, n);
	}
	st = out_object(f, OBJ_REPORT, EV_TYPE_SPDM, report, n);
	if (!st)
		keep_report(f->t, report, n);
	free(report);
	return st;
}

/* TDI_STATUS output: 16 bytes, length and tdisp_state (AMD @ 16f379f5463a) */
static int job_tdi_status(struct psp_flow *f)
{
	uint8_t out[16] = { 16 };
	int n = tdisp_get_state(f->d->q, f->t->rid);

	if (n < 0)
		return tdi_failed(f, n);
	out[4] = (uint8_t)n;
	return status_write(f->p, f->status_pa, out, sizeof(out));
}

/* ------------------------------------------------------------------ */
/* SPDM-capable commands: pending flows, faults, expansion              */

/*
 * Everything an SPDM command does before its flow runs: continue or
 * abort a pending flow, check the buffers.  Return: -1 when the caller
 * should go on with a new flow (in *@fp, buffers filled), else a status.
 */
static int spdm_prologue(struct psp *p, struct psp_dev *d, uint32_t cmd, const uint8_t *buf,
			 size_t len, bool need_out, struct psp_flow **fp)
{
	struct psp_flow *f = d->flow;
	int st;

	*fp = NULL;
	if (f && f->cmd == cmd) {
		if (f->cmdlen == len && !memcmp(f->cmdbuf, buf, len))
			return flow_continue(p, f);
		flow_abort(p, d);
		return PSP_INVALID_PARAM;
	}
	if (f)
		flow_abort(p, d);
	f = calloc(1, sizeof(*f));
	if (!f)
		return PSP_RESOURCE_LIMIT;
	st = spdm_ctrl_check(p, buf + 8, &f->b, need_out);
	if (st) {
		free(f);
		return st;
	}
	f->d = d;
	f->cmd = cmd;
	memcpy(f->cmdbuf, buf, len);
	f->cmdlen = len;
	*fp = f;
	return -1;
}

/* Armed firmware faults at the first issue; a status, or -1 to run */
static int spdm_faults(struct psp *p, struct psp_flow *f)
{
	struct psp_faults *ft = &p->fault;
	uint32_t cap;

	if (ft->exp_loop && f->b.have_out) {
		ft->exp_loop = false;
		p->loop_dev = f->d;
		p->loop_cmd = f->cmd;
	}
	if (p->loop_dev == f->d && p->loop_cmd == f->cmd && f->b.have_out)
		return expand(p, &f->b.out, f->b.out.n * PAGE + PAGE);
	if (ft->exp_out && f->b.have_out) {
		cap = round_up(ft->exp_out, PAGE);
		ft->exp_out = 0;
		return expand(p, &f->b.out, cap);
	}
	if (ft->exp_scratch) {
		cap = round_up(ft->exp_scratch, PAGE);
		ft->exp_scratch = 0;
		return expand(p, &f->b.scratch, cap);
	}
	if (ft->st_armed && ft->st_cmd == f->cmd && ft->st_round) {
		ft->st_armed = false;
		f->abort_after = ft->st_round;
		f->fault_status = ft->st_status;
	}
	return -1;
}

static int spdm_run(struct psp *p, struct psp_flow *f, int (*job)(struct psp_flow *f))
{
	int st = spdm_faults(p, f);

	if (st >= 0) {
		free(f);
		return st;
	}
	f->job = job;
	return flow_start(p, f);
}

/* ------------------------------------------------------------------ */
/* Command handlers (main thread)                                       */

/*
 * SEV-TIO spdm_algos (FACTS 6.9; struct tio_spdm_algos, AMD @ 16f379f5463a):
 * P-384, AES-256-GCM, ECDSA P-384, SHA-384, SPDM key schedule
 */
static void put_algos(uint8_t *p)
{
	p[0] = 1;
	p[1] = 1;
	p[2] = 2;
	p[3] = 1;
	p[4] = 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/*
 * The ASID of a guest context page, which must be firmware-owned: its
 * first four bytes in this emulation (see the top of the file)
 */
static int gctx_asid(struct psp *p, uint64_t gctx, uint32_t *asid)
{
	uint8_t a[4];
	int st = status_page(p, gctx, 8);

	if (st)
		return st;
	if (mem_rw(p, gctx & PA_MASK, a, sizeof(a), false))
		return PSP_INVALID_ADDRESS;
	*asid = get32(a);
	return *asid ? PSP_OK : PSP_INVALID_GUEST;
}

static int cmd_tio_status(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint64_t pa = get64(buf + 8);
	uint8_t out[64] = { 0 };
	int st = status_page(p, pa, sizeof(out));

	if (st)
		return st;
	put32(out, sizeof(out));
	put32(out + 4, 1 | (p->init ? 2 : 0));
	put32(out + 8, PSP_SPDM_REQ_SIZE);
	put32(out + 12, PSP_SPDM_REQ_SIZE);
	put32(out + 16, PSP_SCRATCH_MIN);
	put32(out + 20, PSP_SCRATCH_MAX);
	put32(out + 24, PSP_OUT_MIN);
	put32(out + 28, PSP_OUT_MAX);
	put32(out + 32, PSP_SPDM_REQ_SIZE);
	put32(out + 36, PSP_SPDM_REQ_SIZE);
	put32(out + 40, PSP_DEVCTX_SIZE);
	put32(out + 44, PSP_TDICTX_SIZE);
	put32(out + 48, 0);
	return status_write(p, pa, out, sizeof(out));
}

static int cmd_tio_init(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	if (p->init)
		return PSP_INVALID_PLATFORM_STATE;
	p->init = true;
	return PSP_OK;
}

static int cmd_dev_create(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint16_t device_id = get16(buf + 16), port = get16(buf + 18);
	uint8_t segment = buf[20];
	struct psp_dev *d = NULL;
	unsigned int i;
	uint64_t pa;
	int st;

	st = ctx_new(p, get64(buf + 8), PSP_DEVCTX_SIZE, &pa);
	if (st)
		return st;
	if (device_id & 7)
		return PSP_INVALID_PARAM;
	for (i = 0; i < MAX_DEVS; i++) {
		if (p->devs[i].used && p->devs[i].segment == segment &&
		    p->devs[i].device_id == device_id)
			return PSP_ALREADY_OWNED;
		if (!p->devs[i].used && !d)
			d = &p->devs[i];
	}
	if (!d)
		return PSP_RESOURCE_LIMIT;
	if (ctx_magic(p, pa, DEV_MAGIC, true))
		return PSP_INVALID_ADDRESS;
	if (ctx_mark(p, pa, true)) {
		ctx_magic(p, pa, 0, true);
		return PSP_INVALID_PAGE_STATE;
	}
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->p = p;
	d->ctx_pa = pa;
	d->device_id = device_id;
	d->rp_port = port;
	d->segment = segment;
	return PSP_OK;
}

static int cmd_dev_reclaim(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	struct psp_dev *d;
	unsigned int i;
	int st = dev_lookup(p, get64(buf + 8), &d);

	if (st)
		return st;
	flow_abort(p, d);
	if (d->connected)
		return PSP_INVALID_DEV_STATE;
	for (i = 0; i < MAX_TDIS; i++)
		if (d->tdis[i].used)
			return PSP_IN_USE;
	dev_teardown(d);
	ctx_magic(p, d->ctx_pa, 0, true);
	ctx_mark(p, d->ctx_pa, false);
	free(d->chain);
	if (p->loop_dev == d)
		p->loop_dev = NULL;
	memset(d, 0, sizeof(*d));
	return PSP_OK;
}

static int cmd_dev_connect(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint8_t tc_mask = buf[56], slot = buf[57];
	struct psp_flow *f;
	struct psp_dev *d;
	unsigned int tc, i;
	uint16_t rp_rid;
	uint8_t port;
	int st;

	st = dev_lookup(p, get64(buf + 48), &d);
	if (st)
		return st;
	st = spdm_prologue(p, d, cmd, buf, len, false, &f);
	if (st >= 0)
		return st;
	st = PSP_INVALID_DEV_STATE;
	if (d->connected)
		goto out;
	st = PSP_INVALID_PARAM;
	if (!(tc_mask & 1) || slot > 7)
		goto out;
	memset(f->streams, 0xff, sizeof(f->streams));
	for (tc = 0; tc < 8; tc++) {
		uint8_t sid = buf[64 + tc];

		if (!(tc_mask & (1u << tc)))
			continue;
		if (sid == 0xff)
			goto out;
		for (i = 0; i < f->nr_streams; i++)
			if (f->streams[i] == sid)
				break;
		if (i == f->nr_streams)
			f->streams[f->nr_streams++] = sid;
	}
	if (p->ops.root_port(p->ops.priv, d->segment, d->device_id, &rp_rid, &port) ||
	    port != d->rp_port)
		goto out;
	f->rp_rid = rp_rid;
	f->tc_mask = tc_mask;
	f->slot = slot;
	if (p->verbose)
		fprintf(stderr,
			"tsm-model: psp: DEV_CONNECT %04x:%02x:%02x.%u, certificate slot %u\n",
			d->segment, d->device_id >> 8, (d->device_id >> 3) & 0x1f,
			d->device_id & 7, slot);
	return spdm_run(p, f, job_connect);
out:
	free(f);
	return st;
}

static int cmd_dev_disconnect(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	struct psp_flow *f;
	struct psp_dev *d;
	unsigned int i;
	int st;

	st = dev_lookup(p, get64(buf + 40), &d);
	if (st)
		return st;
	if (get32(buf + 4) & 1) {
		flow_abort(p, d);
		dev_teardown(d);
		return PSP_OK;
	}
	st = spdm_prologue(p, d, cmd, buf, len, false, &f);
	if (st >= 0)
		return st;
	st = PSP_INVALID_DEV_STATE;
	if (!d->connected)
		goto out;
	st = PSP_IN_USE;
	for (i = 0; i < MAX_TDIS; i++)
		if (d->tdis[i].used && d->tdis[i].bound)
			goto out;
	return spdm_run(p, f, job_disconnect);
out:
	free(f);
	return st;
}

static int cmd_roll_key(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	struct psp_flow *f;
	struct psp_dev *d;
	int st;

	st = dev_lookup(p, get64(buf + 40), &d);
	if (st)
		return st;
	st = spdm_prologue(p, d, cmd, buf, len, false, &f);
	if (st >= 0)
		return st;
	if (!d->connected || !d->q) {
		free(f);
		return PSP_INVALID_DEV_STATE;
	}
	return spdm_run(p, f, job_roll_key);
}

/*
 * TIO_DEV_STATUS (32 bytes): +8 dev_ctx SLA, +16 status_paddr, +24
 * reserved (struct sev_data_tio_dev_status, AMD @ 16f379f5463a).  The
 * 160-byte output ends with tio_spdm_algos at 152.
 */
static int cmd_dev_status(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint64_t pa = get64(buf + 16);
	uint8_t out[160] = { 0 };
	struct psp_dev *d;
	unsigned int i, n = 0, nb = 0;
	int st;

	st = dev_lookup(p, get64(buf + 8), &d);
	if (st)
		return st;
	st = status_page(p, pa, sizeof(out));
	if (st)
		return st;
	put32(out, sizeof(out));
	out[4] = d->connected;
	if (d->flow) {
		out[6] = 1 | (d->flow->t ? 2 : 0);
		put16(out + 12, (uint16_t)d->flow->cmd);
		if (d->flow->t)
			put32(out + 16, d->flow->t->function_id);
	}
	out[7] = d->cert_slot;
	put16(out + 8, d->device_id);
	out[10] = d->segment;
	out[11] = d->tc_mask;
	out[28] = d->meas_valid;
	memcpy(out + 32, d->streams, 8);
	if (d->connected || d->chain)
		memcpy(out + 48, d->certs_digest, SPDM_H);
	if (d->meas_valid)
		memcpy(out + 96, d->meas_digest, SPDM_H);
	for (i = 0; i < MAX_TDIS; i++) {
		n += d->tdis[i].used;
		nb += d->tdis[i].used && d->tdis[i].bound;
		if (d->tdis[i].used && d->tdis[i].bound && (d->tdis[i].flags & 1))
			out[28] |= 2;
	}
	put32(out + 144, n);
	put32(out + 148, nb);
	put_algos(out + 152);
	return status_write(p, pa, out, sizeof(out));
}

/*
 * TIO_DEV_MEASUREMENTS: +4 flags, bit 0 RAW_BITSTREAM (AMD @ 16f379f5463a
 * always sets it): GET_MEASUREMENTS asks for raw bit streams (Param1
 * bit 1).  The output object is the transcript, type
 * TIO_SPDM_MEASUREMENTS_LOG.
 */
static int cmd_dev_measurements(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint32_t flags = get32(buf + 4);
	struct psp_flow *f;
	struct psp_dev *d;
	int st;

	st = dev_lookup(p, get64(buf + 40), &d);
	if (st)
		return st;
	if (flags & ~MEAS_RAW_BITSTREAM)
		return PSP_INVALID_PARAM;
	st = spdm_prologue(p, d, cmd, buf, len, true, &f);
	if (st >= 0)
		return st;
	f->raw = flags & MEAS_RAW_BITSTREAM;
	memcpy(f->nonce, buf + 48, SPDM_NONCE);
	return spdm_run(p, f, job_measurements);
}

static int cmd_dev_certificates(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	struct psp_flow *f;
	struct psp_dev *d;
	int st;

	st = dev_lookup(p, get64(buf + 40), &d);
	if (st)
		return st;
	st = spdm_prologue(p, d, cmd, buf, len, true, &f);
	if (st >= 0)
		return st;
	return spdm_run(p, f, job_certificates);
}

static int cmd_tdi_create(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint32_t fid = get32(buf + 24);
	struct psp_tdi *t = NULL;
	struct psp_dev *d;
	unsigned int i;
	uint64_t pa;
	int st;

	st = dev_lookup(p, get64(buf + 8), &d);
	if (st)
		return st;
	if (!d->connected)
		return PSP_INVALID_DEV_STATE;
	st = ctx_new(p, get64(buf + 16), PSP_TDICTX_SIZE, &pa);
	if (st)
		return st;
	/*
	 * function_id: RSEG_VALID and the segment exactly when the device's
	 * segment is not 0, as AMD's sev_tio_tdi_create() (AMD @
	 * 16f379f5463a) sets them; bits 31:25 reserved
	 */
	if ((fid >> 16) != (d->segment ? (FID_RSEG_VALID >> 16) | d->segment : 0) ||
	    ((fid & 0xffff) >> 3) != (d->device_id >> 3))
		return PSP_INVALID_PARAM;
	for (i = 0; i < MAX_TDIS; i++) {
		if (d->tdis[i].used && d->tdis[i].rid == (fid & 0xffff))
			return PSP_ALREADY_OWNED;
		if (!d->tdis[i].used && !t)
			t = &d->tdis[i];
	}
	if (!t)
		return PSP_RESOURCE_LIMIT;
	if (ctx_magic(p, pa, TDI_MAGIC, true))
		return PSP_INVALID_ADDRESS;
	if (ctx_mark(p, pa, true)) {
		ctx_magic(p, pa, 0, true);
		return PSP_INVALID_PAGE_STATE;
	}
	memset(t, 0, sizeof(*t));
	t->used = true;
	t->ctx_pa = pa;
	t->function_id = fid;
	t->rid = fid & 0xffff;
	return PSP_OK;
}

static int cmd_tdi_reclaim(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	struct psp_dev *d;
	struct psp_tdi *t;
	int st;

	st = dev_lookup(p, get64(buf + 8), &d);
	if (!st)
		st = tdi_lookup(p, d, get64(buf + 16), &t);
	if (st)
		return st;
	/*
	 * As DEV_RECLAIM for a device: the interface's pending flow ends
	 * first.  An aborted flow drops the session, which unbinds the
	 * interface: a host whose TDI_UNBIND failed in the middle of its
	 * exchange can still reclaim the interface.
	 */
	if (d->flow && d->flow->t == t)
		flow_abort(p, d);
	if (t->bound)
		return PSP_INVALID_TDI_STATE;
	ctx_magic(p, t->ctx_pa, 0, true);
	ctx_mark(p, t->ctx_pa, false);
	memset(t, 0, sizeof(*t));
	return PSP_OK;
}

/* The common part of the TDI commands with spdm_ctrl */
static int tdi_prologue(struct psp *p, uint32_t cmd, const uint8_t *buf, size_t len,
			bool need_out, struct psp_flow **fp)
{
	struct psp_dev *d;
	struct psp_tdi *t;
	int st;

	st = dev_lookup(p, get64(buf + 40), &d);
	if (!st)
		st = tdi_lookup(p, d, get64(buf + 48), &t);
	if (st)
		return st;
	st = spdm_prologue(p, d, cmd, buf, len, need_out, fp);
	if (st >= 0)
		return st;
	(*fp)->t = t;
	if (!d->connected || !d->q) {
		free(*fp);
		return PSP_INVALID_DEV_STATE;
	}
	return -1;
}

/*
 * TIO_TDI_BIND (80 bytes): +56 gctx_paddr, +64 guest_device_id, +66 lock
 * flags, +68 run_flags (u16, bit 0 RUN_FORCE), +70 reserved[10] (struct
 * sev_data_tio_tdi_bind, AMD @ 16f379f5463a)
 */
static int cmd_tdi_bind(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint16_t flags = get16(buf + 66), run = get16(buf + 68);
	uint64_t gctx = get64(buf + 56);
	struct psp_flow *f;
	uint32_t asid;
	int st;

	st = tdi_prologue(p, cmd, buf, len, true, &f);
	if (st >= 0)
		return st;
	st = PSP_INVALID_PARAM;
	if ((run & ~BIND_RUN_FORCE) || !all_zero(buf + 70, 10))
		goto out;
	/* The guest context is an SNP context page: firmware-owned, an ASID */
	st = gctx_asid(p, gctx, &asid);
	if (st)
		goto out;
	st = PSP_INVALID_GUEST_STATE;
	if (fence_find(f->d, asid) >= 0)
		goto out;
	st = PSP_INVALID_TDI_STATE;
	if (f->t->bound) {
		if (!(run & BIND_RUN_FORCE) || f->t->run || gctx != f->t->gctx ||
		    get16(buf + 64) != f->t->guest_id || flags != f->t->flags)
			goto out;
		return spdm_run(p, f, job_start);
	}
	st = PSP_INVALID_PARAM;
	if (!(flags & LOCK_ALL_REDIRECT) || (flags & LOCK_BIND_P2P))
		goto out;
	f->gctx = gctx;
	f->asid = asid;
	f->guest_id = get16(buf + 64);
	f->flags = flags;
	f->run = run & BIND_RUN_FORCE;
	return spdm_run(p, f, job_bind);
out:
	free(f);
	return st;
}

/* TDI_UNBIND and TDI_REPORT: an SPDM job on a bound interface */
static int cmd_tdi_bound(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len,
			 bool output, int (*job)(struct psp_flow *f))
{
	struct psp_flow *f;
	int st;

	st = tdi_prologue(p, cmd, buf, len, output, &f);
	if (st >= 0)
		return st;
	if (!f->t->bound) {
		free(f);
		return PSP_INVALID_TDI_STATE;
	}
	return spdm_run(p, f, job);
}

/*
 * TDI_UNBIND FORCE: the binding ends without SPDM traffic, the device's
 * interface stays as it is.  A pending flow of the interface is aborted
 * (which drops the session).
 */
static int tdi_unbind_force(struct psp *p, const uint8_t *buf)
{
	struct psp_dev *d;
	struct psp_tdi *t;
	uint32_t asid;
	bool ran;
	int st;

	st = dev_lookup(p, get64(buf + 40), &d);
	if (!st)
		st = tdi_lookup(p, d, get64(buf + 48), &t);
	if (st)
		return st;
	if (!d->connected || !d->q)
		return PSP_INVALID_DEV_STATE;
	if (!t->bound)
		return PSP_INVALID_TDI_STATE;
	if (!fence_room(d, t))
		return PSP_RESOURCE_LIMIT;
	ran = t->run;
	asid = t->asid;
	if (d->flow && d->flow->t == t)
		flow_abort(p, d);
	tdi_unbound(d, t, ran, asid);
	return PSP_OK;
}

/* TIO_TDI_UNBIND: +4 flags, bit 0 FORCE (AMD @ 16f379f5463a) */
static int cmd_tdi_unbind(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint32_t flags = get32(buf + 4);
	struct psp_dev *d;
	struct psp_tdi *t;

	if (flags & ~UNBIND_FORCE)
		return PSP_INVALID_PARAM;
	if (flags & UNBIND_FORCE)
		return tdi_unbind_force(p, buf);
	if (!dev_lookup(p, get64(buf + 40), &d) && !tdi_lookup(p, d, get64(buf + 48), &t) &&
	    (!d->flow || d->flow->cmd != cmd) && t->bound && !fence_room(d, t))
		return PSP_RESOURCE_LIMIT;
	return cmd_tdi_bound(p, cmd, buf, len, false, job_unbind);
}

static int cmd_tdi_report(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	if (get32(buf + 4))
		return PSP_INVALID_PARAM;
	return cmd_tdi_bound(p, cmd, buf, len, true, job_report);
}

/* TIO_TDI_STATUS: the 16-byte status at +56 (AMD @ 16f379f5463a) */
static int cmd_tdi_status(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	struct psp_flow *f;
	int st;

	if (get32(buf + 4))
		return PSP_INVALID_PARAM;
	st = tdi_prologue(p, cmd, buf, len, false, &f);
	if (st >= 0)
		return st;
	f->status_pa = get64(buf + 56);
	st = status_page(p, f->status_pa, 16);
	if (st) {
		free(f);
		return st;
	}
	return spdm_run(p, f, job_tdi_status);
}

/* Evidence digests common to TDI_INFO and the guest's TDI_INFO_RSP */
static void tdi_evidence(struct psp *p, struct psp_dev *d, struct psp_tdi *t, uint8_t *o)
{
	o[16] = d->meas_valid | (d->meas_valid && d->meas_seq > t->bind_seq ? 2 : 0);
	put32(o + 20, t->bound ? t->flags : 0);
	put_algos(o + 24);
	memcpy(o + 32, d->certs_digest, SPDM_H);
	if (d->meas_valid)
		memcpy(o + 80, d->meas_digest, SPDM_H);
	if (t->report_len)
		memcpy(o + 128, t->report_digest, SPDM_H);
	put64(o + 176, t->report_count);
}

static int cmd_tdi_info(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint64_t pa = get64(buf + 24);
	uint8_t out[192] = { 0 };
	struct psp_dev *d;
	struct psp_tdi *t;
	int st;

	st = dev_lookup(p, get64(buf + 8), &d);
	if (!st)
		st = tdi_lookup(p, d, get64(buf + 16), &t);
	if (!st)
		st = status_page(p, pa, sizeof(out));
	if (st)
		return st;
	put32(out, sizeof(out));
	put32(out + 4, t->function_id);
	tdi_evidence(p, d, t, out);
	out[16] |= (t->bound ? (t->run ? 2 : 1) : 0) << 2;
	if (t->bound)
		put32(out + 184, t->asid);
	return status_write(p, pa, out, sizeof(out));
}

/*
 * Guest messages (FACTS 6.10), plain in this emulation.  The header
 * stands for SNP's message header: type, version, size (LE16), reserved
 * (4), then the message sequence number (LE64) that is the AES-GCM IV of
 * the real, VMPCK-encrypted message.  As the base tree's sev-guest.c says
 * of the SNP firmware ("only accepts messages at its exact sequence
 * number", "only increments the sequence numbers on a successful
 * guest<->ASP back and forth"), a request must carry the guest context's
 * last sequence number plus one; the response carries that plus one, and
 * the firmware keeps it as the last.  The firmware keeps the last number
 * in the guest context page (+8 here: the page is the firmware's), so it
 * lives as long as the VM.  A replayed or skipped number is refused with
 * INVALID_PARAM and changes nothing; which status real firmware returns
 * is not in any source here (AMD's SNP ABI spec, 56860): unverified.
 */
#define GMSG_HDR	16
#define GCTX_SEQNO	8

static int guest_status(struct psp_tdi *t, uint16_t guest_id)
{
	if (!t->bound)
		return 2;
	return guest_id == t->guest_id ? 0 : 1;
}

/*
 * MMIO_VALIDATE (FACTS 6.10, 6.11).  The base is the guest physical
 * address of the pages and the range offset 0, as AMD's guest sends them
 * (AMDESE/linux-kvm drivers/virt/coco/sev-guest/tio.c @ ae5f6b5b930b);
 * the model keys what is validated on the base.  Validating pages valid
 * already changes nothing (the "changed" bit stays 0); a request that
 * covers pages of which only some are validated gets status 5 (not
 * uniform), as the RMP's Validated bit would be.
 */
static int mmio_validate(struct psp_tdi *t, const uint8_t *req, uint8_t *rsp)
{
	uint64_t base = get64(req + 16), first = base / PAGE;
	uint32_t count = get32(req + 24), off = get32(req + 28), total = 0, i;
	uint16_t range_id = get16(req + 34), flags = get16(req + 32);
	bool found = false, validated = flags & 1;
	struct valid_range *v = NULL;

	if ((base & (PAGE - 1)) || (off & (PAGE - 1)) || !count)
		return 10;
	for (i = 0; t->report_len >= 16 && i < get32(t->report + 12); i++) {
		const uint8_t *r = t->report + 16 + 16 * i;

		if (16 + 16 * (size_t)(i + 1) > t->report_len)
			break;
		if (get16(r + 14) == range_id) {
			found = true;
			total += get32(r + 8);
		}
	}
	if (!found)
		return 8;
	if ((uint64_t)off / PAGE + count > total)
		return 9;
	for (i = 0; i < t->nvalid; i++) {
		struct valid_range *w = &t->valid[i];

		if (w->range_id == range_id && w->first == first && w->count == count)
			v = w;
		else if (w->first < first + count && first < w->first + w->count)
			return 5;
	}
	if (validated && !v) {
		if (t->nvalid == MAX_VALID)
			return 5;
		t->valid[t->nvalid++] = (struct valid_range){ range_id, first, count };
		rsp[32] = 1;
	} else if (!validated && v) {
		*v = t->valid[--t->nvalid];
		rsp[32] = 1;
	}
	return 0;
}

static int cmd_guest_request(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint64_t gctx = get64(buf + 56) & (PA_MASK | (PAGE - 1));
	uint64_t req_pa = get64(buf + 64) & (PA_MASK | (PAGE - 1));
	uint64_t res_pa = get64(buf + 72) & (PA_MASK | (PAGE - 1));
	uint8_t last[8];
	uint64_t seqno;
	uint32_t asid;
	uint8_t in[PAGE], out[GMSG_HDR + 192] = { 0 }, *o = out + GMSG_HDR;
	static const uint16_t req_size[] = {
		[PSP_MSG_TDI_INFO_REQ] = 16, [PSP_MSG_MMIO_VALIDATE_REQ] = 48,
		[PSP_MSG_SDTE_WRITE_REQ] = 80,
	};
	uint16_t rsp_size = 0, guest_id;
	struct psp_dev *d;
	struct psp_tdi *t;
	const uint8_t *m = in + GMSG_HDR;
	bool owned;
	uint8_t type;
	int st;

	st = dev_lookup(p, get64(buf + 40), &d);
	if (!st)
		st = tdi_lookup(p, d, get64(buf + 48), &t);
	if (!st)
		st = gctx_asid(p, gctx, &asid);
	if (st)
		return st;
	/* The message goes to the guest the interface is bound to */
	if (t->bound && asid != t->asid)
		return PSP_INVALID_GUEST;
	if (!req_pa || !res_pa || (req_pa & (PAGE - 1)) || (res_pa & (PAGE - 1)))
		return PSP_INVALID_ADDRESS;
	/*
	 * As SNP_GUEST_REQUEST: the response page is a firmware page, the
	 * request page a host page (FACTS 6.11)
	 */
	if (page_owned(p, req_pa, &owned))
		return PSP_INVALID_ADDRESS;
	if (owned)
		return PSP_INVALID_PAGE_STATE;
	st = status_page(p, res_pa, PAGE);
	if (st)
		return st;
	if (mem_rw(p, req_pa, in, sizeof(in), false))
		return PSP_INVALID_ADDRESS;
	if (mem_rw(p, (gctx & PA_MASK) + GCTX_SEQNO, last, sizeof(last), false))
		return PSP_INVALID_ADDRESS;
	seqno = get64(in + 8);
	if (seqno != get64(last) + 1 || seqno + 1 == 0)
		return PSP_INVALID_PARAM;
	type = in[0];
	if (in[1] != 1 || type >= ARRAY_SIZE(req_size) || !req_size[type] ||
	    get16(in + 2) != req_size[type])
		return PSP_INVALID_PARAM;
	guest_id = get16(m);
	put16(o, guest_id);
	switch (type) {
	case PSP_MSG_TDI_INFO_REQ:
		rsp_size = 192;
		put16(o + 2, guest_status(t, guest_id));
		if (!guest_status(t, guest_id))
			tdi_evidence(p, d, t, o);
		break;
	case PSP_MSG_MMIO_VALIDATE_REQ:
		rsp_size = 48;
		memcpy(o + 16, m + 16, 32);
		o[32] = 0;
		o[33] = 0;
		st = guest_status(t, guest_id);
		put16(o + 2, st ? st : mmio_validate(t, m, o));
		break;
	case PSP_MSG_SDTE_WRITE_REQ:
		rsp_size = 16;
		st = guest_status(t, guest_id);
		put16(o + 2, st);
		if (!st) {
			memcpy(t->sdte, m + 16, sizeof(t->sdte));
			t->sdte_valid = true;
		}
		break;
	}
	out[0] = type + 1;
	out[1] = 1;
	put16(out + 2, rsp_size);
	put64(out + 8, seqno + 1);
	put64(last, seqno + 1);
	if (mem_rw(p, res_pa, out, GMSG_HDR + rsp_size, true) ||
	    mem_rw(p, (gctx & PA_MASK) + GCTX_SEQNO, last, sizeof(last), true))
		return PSP_INVALID_ADDRESS;
	return PSP_OK;
}

/*
 * TIO_ASID_FENCE_CLEAR (32 bytes): +8 dev_ctx SLA, +16 gctx_paddr, +24
 * reserved[8] (struct sev_data_tio_asid_fence_clear, AMD @ 16f379f5463a).
 * Lifts the fence of the guest's ASID on the device; success when there
 * is none.
 */
static int cmd_asid_fence_clear(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	struct psp_dev *d;
	uint32_t asid;
	int i, st;

	st = dev_lookup(p, get64(buf + 8), &d);
	if (!st)
		st = gctx_asid(p, get64(buf + 16), &asid);
	if (st)
		return st;
	i = fence_find(d, asid);
	if (i >= 0)
		d->fenced[i] = d->fenced[--d->nr_fenced];
	return PSP_OK;
}

/*
 * TIO_ASID_FENCE_STATUS (32 bytes): +8 dev_ctx SLA, +16 asid (4), +20
 * status_pa (8, unaligned), +28 reserved[4] (struct
 * sev_data_tio_asid_fence_status, AMD @ 16f379f5463a).  The u64 written
 * to status_pa: DMA fence state in bits 1:0, MMIO fence state in 3:2.
 */
static int cmd_asid_fence_status(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	uint32_t asid = get32(buf + 16);
	uint64_t pa = get64(buf + 20);
	uint8_t out[8];
	struct psp_dev *d;
	int st;

	st = dev_lookup(p, get64(buf + 8), &d);
	if (st)
		return st;
	if (!asid)
		return PSP_INVALID_ASID;
	st = status_page(p, pa, sizeof(out));
	if (st)
		return st;
	put64(out, fence_find(d, asid) < 0 ?
		   PSP_FENCE_DMA_NOT_FENCED | PSP_FENCE_MMIO_NOT_FENCED :
		   PSP_FENCE_DMA_DEFAULT_FENCED | PSP_FENCE_MMIO_FENCED);
	return status_write(p, pa, out, sizeof(out));
}

/* Lengths: AMD's sev_tio_cmd_buffer_len() (AMD @ 16f379f5463a) */
static const struct psp_cmd_desc cmds[] = {
	{ PSP_TIO_STATUS, "TIO_STATUS", 16, false, cmd_tio_status },
	{ PSP_TIO_INIT, "TIO_INIT", 16, false, cmd_tio_init },
	{ PSP_DEV_CREATE, "DEV_CREATE", 32, false, cmd_dev_create },
	{ PSP_DEV_RECLAIM, "DEV_RECLAIM", 16, false, cmd_dev_reclaim },
	{ PSP_DEV_CONNECT, "DEV_CONNECT", 80, true, cmd_dev_connect },
	{ PSP_DEV_DISCONNECT, "DEV_DISCONNECT", 48, true, cmd_dev_disconnect },
	{ PSP_DEV_STATUS, "DEV_STATUS", 32, false, cmd_dev_status },
	{ PSP_DEV_MEASUREMENTS, "DEV_MEASUREMENTS", 80, true, cmd_dev_measurements },
	{ PSP_DEV_CERTIFICATES, "DEV_CERTIFICATES", 48, true, cmd_dev_certificates },
	{ PSP_TDI_CREATE, "TDI_CREATE", 48, false, cmd_tdi_create },
	{ PSP_TDI_RECLAIM, "TDI_RECLAIM", 32, false, cmd_tdi_reclaim },
	{ PSP_TDI_BIND, "TDI_BIND", 80, true, cmd_tdi_bind },
	{ PSP_TDI_UNBIND, "TDI_UNBIND", 64, true, cmd_tdi_unbind },
	{ PSP_TDI_REPORT, "TDI_REPORT", 64, true, cmd_tdi_report },
	{ PSP_TDI_STATUS, "TDI_STATUS", 64, true, cmd_tdi_status },
	{ PSP_GUEST_REQUEST, "GUEST_REQUEST", 80, false, cmd_guest_request },
	{ PSP_ASID_FENCE_CLEAR, "ASID_FENCE_CLEAR", 32, false, cmd_asid_fence_clear },
	{ PSP_ASID_FENCE_STATUS, "ASID_FENCE_STATUS", 32, false, cmd_asid_fence_status },
	{ PSP_TDI_INFO, "TDI_INFO", 48, false, cmd_tdi_info },
	{ PSP_ROLL_KEY, "ROLL_KEY", 48, true, cmd_roll_key },
};

static const struct psp_cmd_desc *cmd_desc(uint32_t cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (cmds[i].id == cmd)
			return &cmds[i];
	return NULL;
}

static int command(struct psp *p, const struct psp_cmd_desc *c, uint32_t cmd, uint8_t *buf,
		   size_t len)
{
	struct psp_faults *ft = &p->fault;

	if (!c)
		return PSP_INVALID_COMMAND;
	if (len < 4 || len != c->len || get32(buf) != c->len)
		return PSP_INVALID_LEN;
	if (!p->init && cmd != PSP_TIO_STATUS && cmd != PSP_TIO_INIT)
		return PSP_INVALID_PLATFORM_STATE;
	if (p->loop_dev && cmd != p->loop_cmd)
		p->loop_dev = NULL;
	if (ft->st_armed && ft->st_cmd == cmd && (!ft->st_round || !c->spdm)) {
		ft->st_armed = false;
		return ft->st_status;
	}
	return c->fn(p, cmd, buf, len);
}

static uint64_t psp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int psp_command(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len)
{
	const struct psp_cmd_desc *c = cmd_desc(cmd);
	uint64_t t0 = psp_now_us();
	int st;

	if (p->fault.drop) {
		p->fault.drop = false;
		if (p->verbose)
			fprintf(stderr, "tsm-model: psp: %s (%#x) dropped\n",
				c ? c->name : "?", cmd);
		return -1;
	}
	p->last_rounds = 0;
	st = command(p, c, cmd, buf, len);
	p->busy_us += psp_now_us() - t0;
	p->total++;
	if (cmd >= PSP_CMD_FIRST && cmd <= PSP_CMD_LAST)
		p->count[cmd - PSP_CMD_FIRST]++;
	if (st != PSP_OK && st != PSP_SPDM_REQUEST)
		p->failed++;
	if (p->verbose)
		fprintf(stderr, "tsm-model: psp: %s (%#x) -> status %#x, round %u\n",
			c ? c->name : "?", cmd, st, c && c->spdm ? p->last_rounds : 0);
	return st;
}

int psp_serve_one(struct psp *p)
{
	uint64_t tag;
	uint32_t cmd;
	int n, st;

	n = p->ops.recv(p->ops.priv, &cmd, &tag, p->cmdbuf, sizeof(p->cmdbuf));
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return n;
	st = psp_command(p, cmd, p->cmdbuf, n);
	if (st < 0)
		return 0;
	return p->ops.reply(p->ops.priv, cmd, tag, (uint16_t)st, p->cmdbuf, n);
}

/* ------------------------------------------------------------------ */
/* Faults                                                               */

int psp_fault_word(struct psp *p, const char *w)
{
	struct psp_faults *ft = &p->fault;
	unsigned int cmd, status, round = 0, bytes;
	char which[16];
	int n;

	if (!strcmp(w, "fw-keep-ctx")) {
		ft->keep_ctx = true;
		return 0;
	}
	if (!strcmp(w, "fw-drop")) {
		ft->drop = true;
		return 0;
	}
	if (!strcmp(w, "fw-expand-loop")) {
		ft->exp_loop = true;
		return 0;
	}
	n = sscanf(w, "fw-status=%x:%x:%u", &cmd, &status, &round);
	if (n >= 2) {
		if (status > 0xffff || status == PSP_SPDM_REQUEST)
			return -EINVAL;
		ft->st_armed = true;
		ft->st_cmd = cmd;
		ft->st_status = status;
		ft->st_round = n == 3 ? round : 0;
		return 0;
	}
	if (sscanf(w, "fw-expand=%15[a-z]:%u", which, &bytes) == 2 && bytes) {
		if (!strcmp(which, "output"))
			ft->exp_out = bytes;
		else if (!strcmp(which, "scratch"))
			ft->exp_scratch = bytes;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

void psp_fault_clear(struct psp *p)
{
	memset(&p->fault, 0, sizeof(p->fault));
}

/* ------------------------------------------------------------------ */

struct psp *psp_new(const struct psp_ops *ops, const char *root_der, bool verbose)
{
	struct psp *p;
	X509 *anchor;

	if (!ops || !ops->mem || !ops->root_port || !ops->rp_key || !root_der)
		return NULL;
	anchor = crypto_x509_load(root_der);
	if (!anchor)
		return NULL;
	X509_free(anchor);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ops = *ops;
	p->verbose = verbose;
	p->root_der = strdup(root_der);
	if (!p->root_der || pthread_mutex_init(&p->lock, NULL)) {
		free(p->root_der);
		free(p);
		return NULL;
	}
	pthread_cond_init(&p->cv, NULL);
	return p;
}

void psp_free(struct psp *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = 0; i < MAX_DEVS; i++) {
		struct psp_dev *d = &p->devs[i];

		if (!d->used)
			continue;
		flow_abort(p, d);
		spdm_req_free(d->q);
		free(d->chain);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->lock);
	free(p->root_der);
	free(p);
}

void psp_stats(struct psp *p)
{
	unsigned int i;

	fprintf(stderr, "tsm-model: psp: %llu commands, %llu failed, busy %llu us:",
		(unsigned long long)p->total, (unsigned long long)p->failed,
		(unsigned long long)p->busy_us);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (p->count[cmds[i].id - PSP_CMD_FIRST])
			fprintf(stderr, " %s %llu", cmds[i].name,
				(unsigned long long)p->count[cmds[i].id - PSP_CMD_FIRST]);
	fprintf(stderr, "\n");
}
