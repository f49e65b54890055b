// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-model: SPDM 1.2 responder of the emulated device (DSP0274), with
 * DSP0277 secured messages over DOE and PCI-SIG vendor-defined messages
 * handed to idekm.c/tdisp.c through pcisig_dev_vdm().
 *
 * Certificate slots 0 and 1, both holding the device's one chain and key
 * (so that a requester's slot choice is exercised); one session at a time.  Transcripts are kept
 * as message buffers: A (VCA), B (digests/certificates), C (challenge),
 * L (measurements) and per session K (KEY_EXCHANGE..FINISH_RSP).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "spdm.h"

/* Slots 0 to RSP_SLOTS - 1 are provisioned */
#define RSP_SLOTS	2
#define RSP_SLOT_MASK	((1u << RSP_SLOTS) - 1)

enum rsp_state {
	RS_IDLE,	/* nothing or GET_VERSION pending */
	RS_VERSION,	/* VERSION sent */
	RS_CAPS,	/* CAPABILITIES sent */
	RS_NEGOTIATED,	/* ALGORITHMS sent */
};

/* What happens to the session after its response has been sealed */
enum rsp_after {
	AFTER_NONE,
	AFTER_DATA_KEYS,	/* FINISH_RSP sent: switch to the data keys */
	AFTER_KILL,		/* FINISH failed: forget the session */
	AFTER_END,		/* END_SESSION_ACK sent */
};

struct rsp_session {
	bool active;
	bool established;
	bool enc;
	bool verify_pending;	/* KEY_UPDATE done, VerifyNewKey expected */
	uint32_t sid;
	struct spdm_keys keys;
	struct spdm_buf k;	/* KEY_EXCHANGE, KEY_EXCHANGE_RSP, FINISH, FINISH_RSP */
	struct spdm_buf l;	/* measurements inside the session */
	uint8_t th2[SPDM_H];
	enum rsp_after after;
};

#define MEAS_COUNT	4

struct spdm_rsp {
	const struct model_identity *id;
	struct pcisig_dev *pcisig;
	enum rsp_state state;
	uint8_t ver;
	uint32_t req_flags;
	uint32_t req_dts;
	uint8_t meas_spec;
	uint8_t opaque_fmt;
	uint32_t dhe, aead, ks;
	struct spdm_buf a, b, c, l;
	struct rsp_session s;
	/*
	 * MeasurementHashAlgo selected for DMTF measurements, its digest
	 * size, and the digests of indices 1-4 (4: the version string).
	 */
	uint32_t meas_hash;
	size_t mh;
	uint8_t meas[MEAS_COUNT][SPDM_MEAS_H_MAX];
	/* Plaintext of secured requests and responses */
	uint8_t in[MODEL_DOE_MAX];
	uint8_t out[MODEL_DOE_MAX];
};

static const uint32_t rsp_caps = SPDM_CAP_CERT | SPDM_CAP_CHAL | SPDM_CAP_MEAS_SIG |
	SPDM_CAP_MEAS_FRESH | SPDM_CAP_ENCRYPT | SPDM_CAP_MAC | SPDM_CAP_KEY_EX |
	SPDM_CAP_HBEAT | SPDM_CAP_KEY_UPD;

static const char fw_version[] = "1.2.3";

/*
 * HeartbeatPeriod announced in KEY_EXCHANGE_RSP, seconds.  0 would mean
 * "no heartbeat wanted", so a responder with HBEAT_CAP announces one
 * when the requester has HBEAT_CAP too (DMTF/libspdm library/
 * spdm_responder_lib/libspdm_rsp_key_exchange.c @d52d7396dc88: Param1 =
 * local heartbeat_period if both have HBEAT_CAP, else 0).  The model does
 * not end a quiet session: a slow test VM must not lose it.
 */
#define RSP_HEARTBEAT_PERIOD	60

/* Where a response is built: the message and the room for it */
struct rsp_ctx {
	struct spdm_rsp *r;
	struct rsp_session *s;	/* inside a session, else NULL */
	const uint8_t *req;
	size_t len;
	uint8_t *out;
	size_t cap;		/* size of @out */
	size_t room;		/* largest response the requester takes */
	enum model_fault *fault;
};

/*
 * ERROR carries the negotiated version, 1.0 while none is (DMTF/libspdm
 * library/spdm_responder_lib/libspdm_rsp_error.c @201b3e34425f: "if
 * version is not negotiated, then use default version 1.0").
 */
static int error(struct rsp_ctx *c, uint8_t code, uint8_t data)
{
	c->out[0] = c->r->ver ? c->r->ver : SPDM_VER_10;
	c->out[1] = SPDM_ERROR;
	c->out[2] = code;
	c->out[3] = data;
	return 4;
}

static int invalid(struct rsp_ctx *c)
{
	return error(c, SPDM_ERR_INVALID_REQUEST, 0);
}

static int unexpected(struct rsp_ctx *c)
{
	return error(c, SPDM_ERR_UNEXPECTED_REQUEST, 0);
}

static int unsupported(struct rsp_ctx *c)
{
	return error(c, SPDM_ERR_UNSUPPORTED_REQUEST, c->req[1]);
}

static void hdr(struct rsp_ctx *c, uint8_t code, uint8_t p1, uint8_t p2)
{
	c->out[0] = c->r->ver;
	c->out[1] = code;
	c->out[2] = p1;
	c->out[3] = p2;
}

/* Produce a signature, applying %FAULT_BAD_SIGNATURE */
static int sign(struct rsp_ctx *c, const char *context, const uint8_t th[SPDM_H], uint8_t *sig)
{
	int rc = spdm_sign(c->r->id->key, context, th, sig);

	if (!rc && c->fault && *c->fault == FAULT_BAD_SIGNATURE) {
		sig[SPDM_S / 2] ^= 0x01;
		*c->fault = FAULT_NONE;
	}
	return rc;
}

static void session_clear(struct spdm_rsp *r)
{
	struct rsp_session *s = &r->s;

	spdm_buf_reset(&s->k);
	spdm_buf_reset(&s->l);
	crypto_cleanse(s, sizeof(*s));
	memset(s, 0, sizeof(*s));
}

/* Forget the transcripts: message buffers A, B, C and L1/L2 */
static void transcripts_reset(struct spdm_rsp *r)
{
	spdm_buf_reset(&r->a);
	spdm_buf_reset(&r->b);
	spdm_buf_reset(&r->c);
	spdm_buf_reset(&r->l);
}

/* Forget the session; the PCI-SIG state goes with an established one */
static void session_end(struct spdm_rsp *r)
{
	bool established = r->s.active && r->s.established;

	session_clear(r);
	if (established && r->pcisig)
		pcisig_dev_session_end(r->pcisig);
}

/* ------------------------------------------------------------------ */

static int do_version(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;

	if (c->s)
		return unexpected(c);
	if (c->req[0] != SPDM_VER_10) {
		c->out[0] = SPDM_VER_10;
		c->out[1] = SPDM_ERROR;
		c->out[2] = SPDM_ERR_VERSION_MISMATCH;
		c->out[3] = 0;
		return 4;
	}
	session_end(r);
	transcripts_reset(r);
	r->state = RS_VERSION;
	r->ver = 0;		/* until GET_CAPABILITIES names 1.2 */
	r->req_flags = 0;
	r->req_dts = 0;
	r->meas_spec = 0;
	r->opaque_fmt = 0;
	r->dhe = 0;
	r->aead = 0;
	r->ks = 0;

	c->out[0] = SPDM_VER_10;
	c->out[1] = SPDM_VERSION;
	c->out[2] = 0;
	c->out[3] = 0;
	c->out[4] = 0;
	c->out[5] = 1;
	put16(c->out + 6, SPDM_VER_ENTRY_12);
	if (spdm_buf_add(&r->a, c->req, 4) || spdm_buf_add(&r->a, c->out, 8))
		return -ENOMEM;
	return 8;
}

static int do_capabilities(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	uint32_t flags, dts, max;

	if (c->s || r->state != RS_VERSION)
		return unexpected(c);
	/*
	 * The request's version (checked by handle_msg()) is ours: it is
	 * the connection's from now on, as in DMTF/libspdm library/
	 * spdm_responder_lib/libspdm_rsp_capabilities.c @f30735286956
	 * (libspdm_check_request_version_compatibility()).
	 */
	r->ver = SPDM_VER_12;
	if (c->len < 20)
		return invalid(c);
	flags = get32(c->req + 8);
	dts = get32(c->req + 12);
	max = get32(c->req + 16);
	if (dts < SPDM_MIN_DTS || max < dts)
		return invalid(c);
	/*
	 * Without CHUNK_CAP a message is never larger than one transfer:
	 * the two sizes must be equal (libspdm_rsp_capabilities.c
	 * @f30735286956 answers InvalidRequest otherwise).
	 */
	if (!(flags & SPDM_CAP_CHUNK) && dts != max)
		return invalid(c);
	/* Session capabilities need protection and vice versa */
	if ((flags & SPDM_CAP_PSK_MASK) == SPDM_CAP_PSK_MASK)
		return invalid(c);
	if (!!(flags & (SPDM_CAP_KEY_EX | SPDM_CAP_PSK_MASK)) !=
	    !!(flags & (SPDM_CAP_ENCRYPT | SPDM_CAP_MAC)))
		return invalid(c);
	if ((flags & (SPDM_CAP_CERT | SPDM_CAP_PUB_KEY_ID)) ==
	    (SPDM_CAP_CERT | SPDM_CAP_PUB_KEY_ID))
		return invalid(c);
	r->req_flags = flags;
	r->req_dts = dts;

	hdr(c, SPDM_CAPABILITIES, 0, 0);
	memset(c->out + 4, 0, 16);
	c->out[5] = 20;		/* CTExponent: 2^20 us */
	put32(c->out + 8, rsp_caps);
	put32(c->out + 12, SPDM_DTS);
	put32(c->out + 16, SPDM_DTS);
	if (spdm_buf_add(&r->a, c->req, 20) || spdm_buf_add(&r->a, c->out, 20))
		return -ENOMEM;
	r->state = RS_CAPS;
	return 20;
}

static int do_algorithms(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	const uint8_t *q = c->req;
	uint32_t asym, hash, sel[6] = { 0 };
	bool present[6] = { false };
	unsigned int ntab, i, prev = 0, a, e;
	size_t len, off, rlen;
	bool kex;

	if (c->s || r->state != RS_CAPS)
		return unexpected(c);
	if (c->len < 32)
		return invalid(c);
	len = get16(q + 4);
	if (len < 32 || len > c->len || len > 0x80)
		return invalid(c);
	asym = get32(q + 8);
	hash = get32(q + 12);
	a = q[28];
	e = q[29];
	if (a + e > 20)
		return invalid(c);
	off = 32 + 4 * (a + e);
	if (off > len)
		return invalid(c);
	ntab = q[2];
	if (ntab > 4)
		return invalid(c);
	for (i = 0; i < ntab; i++) {
		unsigned int type, fixed, ext;
		uint16_t bits;

		if (len - off < 4)
			return invalid(c);
		type = q[off];
		fixed = q[off + 1] >> 4;
		ext = q[off + 1] & 0xf;
		bits = get16(q + off + 2);
		if (type < SPDM_ALG_TYPE_DHE || type > SPDM_ALG_TYPE_KS || type <= prev ||
		    fixed != 2 || len - off - 4 < 4 * ext)
			return invalid(c);
		present[type] = true;
		switch (type) {
		case SPDM_ALG_TYPE_DHE:
			sel[type] = bits & SPDM_DHE_SECP384R1;
			break;
		case SPDM_ALG_TYPE_AEAD:
			sel[type] = bits & SPDM_AEAD_AES256GCM;
			break;
		case SPDM_ALG_TYPE_REQ_ASYM:
			/*
			 * The requester signs only with mutual authentication,
			 * which needs MUT_AUTH_CAP on both sides; we have none,
			 * so nothing is selected (DMTF/libspdm library/
			 * spdm_responder_lib/libspdm_rsp_algorithms.c
			 * @3b0a2e8561fe selects from its local
			 * req_base_asym_alg, empty without mutual auth).
			 */
			sel[type] = (rsp_caps & r->req_flags & SPDM_CAP_MUT_AUTH) ?
				    bits & SPDM_ASYM_ECDSA_P384 : 0;
			break;
		case SPDM_ALG_TYPE_KS:
			sel[type] = bits & SPDM_KS_SPDM;
			break;
		}
		prev = type;
		off += 4 + 4 * ext;
	}
	if (off != len)
		return invalid(c);
	/* Only one algorithm of each family is implemented */
	if (!(asym & SPDM_ASYM_ECDSA_P384) || !(hash & SPDM_HASH_SHA384))
		return invalid(c);
	kex = r->req_flags & SPDM_CAP_KEY_EX;
	if (kex && (!sel[SPDM_ALG_TYPE_DHE] || !sel[SPDM_ALG_TYPE_AEAD] ||
		    !sel[SPDM_ALG_TYPE_KS]))
		return invalid(c);

	r->meas_spec = q[6] & SPDM_MEAS_SPEC_DMTF;
	if (q[7] & SPDM_OPAQUE_FMT1)
		r->opaque_fmt = SPDM_OPAQUE_FMT1;
	else if (q[7] & SPDM_OPAQUE_FMT0)
		r->opaque_fmt = SPDM_OPAQUE_FMT0;
	r->dhe = sel[SPDM_ALG_TYPE_DHE];
	r->aead = sel[SPDM_ALG_TYPE_AEAD];
	r->ks = sel[SPDM_ALG_TYPE_KS];

	hdr(c, SPDM_ALGORITHMS, ntab, 0);
	memset(c->out + 4, 0, 32);
	c->out[6] = r->meas_spec;
	c->out[7] = r->opaque_fmt;
	/*
	 * One MeasurementHashAlgo of our choice: 1.2 gives the requester no
	 * field to ask for one (DMTF/libspdm library/spdm_responder_lib/
	 * libspdm_rsp_algorithms.c @3b0a2e8561fe picks from its local
	 * measurement_hash_algo only).
	 */
	put32(c->out + 8, r->meas_spec ? r->meas_hash : 0);
	put32(c->out + 12, SPDM_ASYM_ECDSA_P384);
	put32(c->out + 16, SPDM_HASH_SHA384);
	rlen = 36;
	for (i = SPDM_ALG_TYPE_DHE; i <= SPDM_ALG_TYPE_KS; i++) {
		if (!present[i])
			continue;
		c->out[rlen] = i;
		c->out[rlen + 1] = 0x20;
		put16(c->out + rlen + 2, (uint16_t)sel[i]);
		rlen += 4;
	}
	put16(c->out + 4, (uint16_t)rlen);
	if (spdm_buf_add(&r->a, q, len) || spdm_buf_add(&r->a, c->out, rlen))
		return -ENOMEM;
	r->state = RS_NEGOTIATED;
	return (int)rlen;
}

static int do_digests(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;

	unsigned int i;

	hdr(c, SPDM_DIGESTS, 0, RSP_SLOT_MASK);
	for (i = 0; i < RSP_SLOTS; i++)
		memcpy(c->out + 4 + SPDM_H * i, r->id->chain_hash, SPDM_H);
	if (!c->s && (spdm_buf_add(&r->b, c->req, 4) ||
		      spdm_buf_add(&r->b, c->out, 4 + SPDM_H * RSP_SLOTS)))
		return -ENOMEM;
	return 4 + SPDM_H * RSP_SLOTS;
}

static int do_certificate(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	size_t off, want, portion, total = r->id->chain_len, room = c->room - 8;

	if (c->len < 8)
		return invalid(c);
	off = get16(c->req + 4);
	want = get16(c->req + 6);
	if ((c->req[2] & 0xf) >= RSP_SLOTS || off >= total || !want)
		return invalid(c);
	portion = total - off;
	if (portion > want)
		portion = want;
	if (portion > room)
		portion = room;
	hdr(c, SPDM_CERTIFICATE, c->req[2] & 0xf, 0);
	put16(c->out + 4, (uint16_t)portion);
	put16(c->out + 6, (uint16_t)(total - off - portion));
	memcpy(c->out + 8, r->id->chain + off, portion);
	/* The end of the chain is the leaf's signature: it no longer verifies */
	if (c->fault && *c->fault == FAULT_BAD_CHAIN && off + portion == total) {
		*c->fault = FAULT_NONE;
		c->out[8 + portion - 1] ^= 0x01;
	}
	if (!c->s && (spdm_buf_add(&r->b, c->req, 8) || spdm_buf_add(&r->b, c->out, 8 + portion)))
		return -ENOMEM;
	return (int)(8 + portion);
}

/* Measurement block @idx (1-based) at @out; returns its size */
static size_t meas_block(struct spdm_rsp *r, unsigned int idx, bool raw, uint8_t *out)
{
	static const uint8_t types[MEAS_COUNT] = { 0, 1, 2, 6 };
	size_t vlen;

	out[0] = idx;
	out[1] = SPDM_MEAS_SPEC_DMTF;
	if (idx == MEAS_COUNT && raw) {
		vlen = sizeof(fw_version) - 1;
		out[4] = types[idx - 1] | 0x80;
		memcpy(out + 7, fw_version, vlen);
	} else {
		/* A digest of the selected MeasurementHashAlgo */
		vlen = r->mh;
		out[4] = types[idx - 1];
		memcpy(out + 7, r->meas[idx - 1], vlen);
	}
	put16(out + 5, (uint16_t)vlen);
	put16(out + 2, (uint16_t)(3 + vlen));
	return 4 + 3 + vlen;
}

/*
 * MeasurementSummaryHash: hash of the concatenated measurement blocks (all
 * indices, digest form); every measurement of the model is part of the TCB,
 * so type 1 and type 0xff give the same value.
 */
static int meas_summary(struct spdm_rsp *r, uint8_t out[SPDM_H])
{
	uint8_t blocks[MEAS_COUNT * (7 + SPDM_MEAS_H_MAX)];
	size_t n = 0;
	unsigned int i;

	for (i = 1; i <= MEAS_COUNT; i++)
		n += meas_block(r, i, false, blocks + n);
	return crypto_sha384(blocks, n, out);
}

static int do_challenge(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	uint8_t type = c->req[3], th[SPDM_H];
	struct crypto_vec v[3];
	size_t n;

	if (c->s)
		return unexpected(c);
	if (c->len < 4 + SPDM_NONCE)
		return invalid(c);
	if (c->req[2] >= RSP_SLOTS || (type != 0 && type != 1 && type != 0xff))
		return invalid(c);
	if (type && !r->meas_spec)
		return invalid(c);
	hdr(c, SPDM_CHALLENGE_AUTH, c->req[2], 1u << c->req[2]);
	memcpy(c->out + 4, r->id->chain_hash, SPDM_H);
	n = 4 + SPDM_H;
	if (crypto_random(c->out + n, SPDM_NONCE))
		return -EIO;
	n += SPDM_NONCE;
	if (type) {
		if (meas_summary(r, c->out + n))
			return -EIO;
		n += SPDM_H;
	}
	put16(c->out + n, 0);
	n += 2;
	if (spdm_buf_add(&r->c, c->req, 4 + SPDM_NONCE) || spdm_buf_add(&r->c, c->out, n))
		return -ENOMEM;
	v[0] = (struct crypto_vec){ r->a.p, r->a.len };
	v[1] = (struct crypto_vec){ r->b.p, r->b.len };
	v[2] = (struct crypto_vec){ r->c.p, r->c.len };
	if (crypto_sha384_vec(v, 3, th) || sign(c, SPDM_CTX_CHALLENGE, th, c->out + n))
		return -EIO;
	return (int)(n + SPDM_S);
}

static int do_measurements(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	struct spdm_buf *l = c->s ? &c->s->l : &r->l;
	uint8_t attr = c->req[2], op = c->req[3], th[SPDM_H];
	bool sig = attr & 1, raw = attr & 2;
	size_t need = sig ? 4 + SPDM_NONCE + 1 : 4, n = 8, rec;
	unsigned int i, blocks = 0;
	struct crypto_vec v[2];

	if (!r->meas_spec)
		return unexpected(c);
	if (c->len < need)
		return invalid(c);
	if (sig && (c->req[4 + SPDM_NONCE] & 0xf) >= RSP_SLOTS)
		return invalid(c);
	if (op != 0 && op != 0xff && (op < 1 || op > MEAS_COUNT))
		return invalid(c);
	hdr(c, SPDM_MEASUREMENTS, op == 0 ? MEAS_COUNT : 0,
	    sig ? c->req[4 + SPDM_NONCE] & 0xf : 0);
	if (op == 0xff) {
		for (i = 1; i <= MEAS_COUNT; i++)
			n += meas_block(r, i, raw, c->out + n);
		blocks = MEAS_COUNT;
	} else if (op) {
		n += meas_block(r, op, raw, c->out + n);
		blocks = 1;
	}
	rec = n - 8;
	c->out[4] = blocks;
	put24(c->out + 5, (uint32_t)rec);
	if (crypto_random(c->out + n, SPDM_NONCE))
		return -EIO;
	n += SPDM_NONCE;
	put16(c->out + n, 0);
	n += 2;
	if (spdm_buf_add(l, c->req, need) || spdm_buf_add(l, c->out, n)) {
		spdm_buf_reset(l);
		return error(c, SPDM_ERR_UNSPECIFIED, 0);
	}
	if (!sig)
		return (int)n;
	v[0] = (struct crypto_vec){ r->a.p, r->a.len };
	v[1] = (struct crypto_vec){ l->p, l->len };
	if (crypto_sha384_vec(v, 2, th) || sign(c, SPDM_CTX_MEAS, th, c->out + n))
		return -EIO;
	spdm_buf_reset(l);
	return (int)(n + SPDM_S);
}

/* Hash of A || Ct || K [|| extra] */
static int session_th(struct spdm_rsp *r, const uint8_t *extra, size_t elen, uint8_t th[SPDM_H])
{
	struct crypto_vec v[4] = {
		{ r->a.p, r->a.len },
		{ r->id->chain_hash, SPDM_H },
		{ r->s.k.p, r->s.k.len },
		{ extra, elen },
	};

	return crypto_sha384_vec(v, 4, th);
}

/* Highest secured-message version in the requester's list */
static int pick_sm_version(struct spdm_rsp *r, const uint8_t *opaque, size_t olen,
			   uint16_t *ver)
{
	const uint8_t *d;
	size_t dlen, i, cnt;

	*ver = 0;
	if (!r->opaque_fmt)
		return -EINVAL;
	if (spdm_opaque_find(r->opaque_fmt, opaque, olen, 1, &d, &dlen) || dlen < 1)
		return -EINVAL;
	cnt = d[0];
	if (!cnt || dlen < 1 + 2 * cnt)
		return -EINVAL;
	for (i = 0; i < cnt; i++) {
		uint16_t v = get16(d + 1 + 2 * i) & 0xff00;

		if ((v == SPDM_SM_VER_10 || v == SPDM_SM_VER_11) && v > *ver)
			*ver = v;
	}
	return *ver ? 0 : -EINVAL;
}

static int do_key_exchange(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	struct rsp_session *s = &r->s;
	const uint8_t *q = c->req;
	uint8_t dhe[SPDM_H], th[SPDM_H], type = q[2];
	size_t olen, need, n;
	EVP_PKEY *key;
	uint16_t ver, rsp_id;
	int rc;

	if (c->s)
		return unexpected(c);
	if (!(r->req_flags & SPDM_CAP_KEY_EX) || !r->dhe || !r->aead || !r->ks)
		return unsupported(c);
	if (c->len < 40 + SPDM_D + 2)
		return invalid(c);
	olen = get16(q + 40 + SPDM_D);
	need = 40 + SPDM_D + 2 + olen;
	if (olen > 1024 || c->len < need)
		return invalid(c);
	if (q[3] >= RSP_SLOTS || (type != 0 && type != 1 && type != 0xff) ||
	    (type && !r->meas_spec))
		return invalid(c);
	if (pick_sm_version(r, q + need - olen, olen, &ver))
		return invalid(c);
	if (s->active && s->established)
		return error(c, SPDM_ERR_SESSION_LIMIT, 0);
	session_clear(r);

	key = crypto_ecdh_new(c->out + 40);
	if (!key)
		return -EIO;
	rc = crypto_ecdh_derive(key, q + 40, dhe);
	EVP_PKEY_free(key);
	if (rc == -EINVAL)
		return invalid(c);
	if (rc)
		return rc;

	do {
		if (crypto_random(&rsp_id, sizeof(rsp_id)))
			return -EIO;
	} while (rsp_id == 0 || rsp_id == 0xffff);
	hdr(c, SPDM_KEY_EXCHANGE_RSP,
	    (r->req_flags & SPDM_CAP_HBEAT) ? RSP_HEARTBEAT_PERIOD : 0, 0);
	put16(c->out + 4, rsp_id);
	c->out[6] = 0;		/* no mutual authentication */
	c->out[7] = 0;
	if (crypto_random(c->out + 8, 32))
		return -EIO;
	n = 40 + SPDM_D;
	if (type) {
		if (meas_summary(r, c->out + n))
			return -EIO;
		n += SPDM_H;
	}
	rc = spdm_opaque_select(r->opaque_fmt, ver, c->out + n + 2, c->cap - n - 2);
	if (rc < 0)
		return rc;
	put16(c->out + n, (uint16_t)rc);
	n += 2 + rc;
	if (n + SPDM_S + SPDM_H > c->cap)
		return -ENOSPC;

	s->active = true;
	s->sid = (uint32_t)rsp_id << 16 | get16(q + 4);
	s->enc = r->req_flags & SPDM_CAP_ENCRYPT;
	if (spdm_buf_add(&s->k, q, need) || spdm_buf_add(&s->k, c->out, n))
		goto nomem;
	if (session_th(r, NULL, 0, th) || sign(c, SPDM_CTX_KEY_EX, th, c->out + n))
		goto fail;
	if (spdm_buf_add(&s->k, c->out + n, SPDM_S))
		goto nomem;
	n += SPDM_S;
	/* TH1: up to the signature; ResponderVerifyData = HMAC(finished, TH1) */
	if (session_th(r, NULL, 0, th) || spdm_ks_handshake(&s->keys, dhe, th) ||
	    crypto_hmac_sha384(s->keys.rsp_fin, SPDM_H, th, SPDM_H, c->out + n))
		goto fail;
	if (spdm_buf_add(&s->k, c->out + n, SPDM_H))
		goto nomem;
	crypto_cleanse(dhe, sizeof(dhe));
	return (int)(n + SPDM_H);
nomem:
	session_clear(r);
	return -ENOMEM;
fail:
	session_clear(r);
	return -EIO;
}

static int do_finish(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	struct rsp_session *s = c->s;
	uint8_t th[SPDM_H], mac[SPDM_H];

	/*
	 * Without HANDSHAKE_IN_THE_CLEAR, FINISH belongs in the session:
	 * SessionRequired (1.2) outside it (DMTF/libspdm library/
	 * spdm_responder_lib/libspdm_rsp_finish.c @0cd6d2f2179a).
	 */
	if (!s)
		return error(c, SPDM_ERR_SESSION_REQUIRED, 0);
	if (s->established)
		return unexpected(c);
	if (c->len < 4 + SPDM_H)
		return invalid(c);
	if (c->req[2] & 1)	/* no mutual authentication was requested */
		return invalid(c);
	if (session_th(r, c->req, 4, th) ||
	    crypto_hmac_sha384(s->keys.req_fin, SPDM_H, th, SPDM_H, mac))
		return -EIO;
	if (!crypto_memeq(mac, c->req + 4, SPDM_H)) {
		s->after = AFTER_KILL;
		return error(c, SPDM_ERR_DECRYPT_ERROR, 0);
	}
	hdr(c, SPDM_FINISH_RSP, 0, 0);
	if (spdm_buf_add(&s->k, c->req, 4 + SPDM_H) || spdm_buf_add(&s->k, c->out, 4))
		return -ENOMEM;
	if (session_th(r, NULL, 0, s->th2))
		return -EIO;
	s->after = AFTER_DATA_KEYS;
	return 4;
}

static int session_only(struct rsp_ctx *c, uint32_t cap)
{
	if (!c->s)
		return error(c, SPDM_ERR_SESSION_REQUIRED, 0);
	if (cap && !(c->r->req_flags & cap))
		return unsupported(c);
	return 0;
}

static int do_heartbeat(struct rsp_ctx *c)
{
	int rc = session_only(c, SPDM_CAP_HBEAT);

	if (rc)
		return rc;
	hdr(c, SPDM_HEARTBEAT_ACK, 0, 0);
	return 4;
}

static int do_key_update(struct rsp_ctx *c)
{
	struct rsp_session *s = c->s;
	uint8_t op = c->req[2];
	int rc = session_only(c, SPDM_CAP_KEY_UPD);

	if (rc)
		return rc;
	switch (op) {
	case SPDM_KU_UPDATE_KEY:
	case SPDM_KU_UPDATE_ALL:
		/*
		 * A new update while one awaits VerifyNewKey is refused
		 * (DMTF/libspdm library/spdm_responder_lib/
		 * libspdm_rsp_key_update.c @0cd6d2f2179a: InvalidRequest
		 * unless last_key_update_request is clear).
		 */
		if (s->verify_pending)
			return invalid(c);
		/*
		 * UpdateKey: the requester's direction only; later requests
		 * use its new key, this ACK goes under our unchanged key.
		 */
		if (spdm_ks_update(&s->keys, true))
			return -EIO;
		/*
		 * UpdateAllKeys: our key moves too, before the ACK is sealed,
		 * so the ACK is already under the new key (DSP0274 1.1.1
		 * 10.21.1; DMTF/libspdm library/spdm_responder_lib/
		 * libspdm_rsp_key_update.c @0cd6d2f2179a activates the
		 * responder's new key before returning the ACK; libspdm
		 * issue 165).  An ERROR answer never gets here: old keys.
		 */
		if (op == SPDM_KU_UPDATE_ALL && spdm_ks_update(&s->keys, false))
			return -EIO;
		s->verify_pending = true;
		break;
	case SPDM_KU_VERIFY:
		if (!s->verify_pending)
			return invalid(c);
		s->verify_pending = false;
		break;
	default:
		return invalid(c);
	}
	hdr(c, SPDM_KEY_UPDATE_ACK, op, c->req[3]);
	return 4;
}

static int do_end_session(struct rsp_ctx *c)
{
	int rc = session_only(c, 0);

	if (rc)
		return rc;
	hdr(c, SPDM_END_SESSION_ACK, 0, 0);
	c->s->after = AFTER_END;
	return 4;
}

static int do_vendor(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	const uint8_t *q = c->req;
	size_t vlen, plen;
	uint8_t proto;
	int rc = session_only(c, 0), n;

	if (rc)
		return rc;
	if (c->len < 7)
		return invalid(c);
	vlen = q[6];
	if (c->len < 7 + vlen + 2)
		return invalid(c);
	plen = get16(q + 7 + vlen);
	if (c->len < 9 + vlen + plen || plen < 1)
		return invalid(c);
	if (get16(q + 4) != SPDM_STDID_PCISIG || vlen != 2 || get16(q + 7) != SPDM_VID_PCISIG)
		return unsupported(c);
	proto = q[SPDM_VDM_HDR - 1];
	if ((proto != PCISIG_PROTO_IDE_KM && proto != PCISIG_PROTO_TDISP) || !r->pcisig)
		return unsupported(c);
	n = pcisig_dev_vdm(r->pcisig, proto, q + SPDM_VDM_HDR, plen - 1, c->out + SPDM_VDM_HDR,
			   c->room - SPDM_VDM_HDR, c->fault);
	if (n < 0 || (size_t)n > c->room - SPDM_VDM_HDR || n + 1 > 0xffff)
		return error(c, SPDM_ERR_UNSPECIFIED, 0);
	/* Injected faults of the innermost message: the PCI-SIG payload */
	if (c->fault && *c->fault == FAULT_TRUNCATED && n > 0) {
		*c->fault = FAULT_NONE;
		n /= 2;
	} else if (c->fault && *c->fault == FAULT_MALFORMED && n > 0) {
		*c->fault = FAULT_NONE;
		c->out[SPDM_VDM_HDR] ^= 0x80;
	}
	hdr(c, SPDM_VENDOR_DEFINED_RSP, 0, 0);
	put16(c->out + 4, SPDM_STDID_PCISIG);
	c->out[6] = 2;
	put16(c->out + 7, SPDM_VID_PCISIG);
	put16(c->out + 9, (uint16_t)(n + 1));
	c->out[11] = proto;
	return SPDM_VDM_HDR + n;
}

/*
 * Transcript resets at a request in the clear (mirrored by the requester):
 * L lasts while GET_MEASUREMENTS follow each other; GET_DIGESTS starts B;
 * anything but GET_CERTIFICATE and CHALLENGE ends B and C.
 */
static void transcript_resets(struct spdm_rsp *r, uint8_t code)
{
	if (code != SPDM_GET_MEASUREMENTS)
		spdm_buf_reset(&r->l);
	if (code != SPDM_GET_CERTIFICATE && code != SPDM_CHALLENGE) {
		spdm_buf_reset(&r->b);
		spdm_buf_reset(&r->c);
	}
}

/* Answer one SPDM message, in the clear or inside session c->s */
static int handle_msg(struct rsp_ctx *c)
{
	struct spdm_rsp *r = c->r;
	struct rsp_session *s = c->s;
	uint8_t code;
	int n;

	if (c->cap < 4)
		return -ENOSPC;
	if (c->len < 4)
		return invalid(c);
	code = c->req[1];
	if (!s && r->state == RS_NEGOTIATED && c->req[0] == r->ver)
		transcript_resets(r, code);
	if (c->fault && *c->fault == FAULT_SPDM_ERROR) {
		*c->fault = FAULT_NONE;
		n = error(c, SPDM_ERR_UNSPECIFIED, 0);
		goto out;
	}
	if (code == SPDM_GET_VERSION)
		return do_version(c);
	if (r->state == RS_IDLE)
		return unexpected(c);
	/* Before GET_CAPABILITIES: the one version we speak */
	if (c->req[0] != (r->ver ? r->ver : SPDM_VER_12))
		return error(c, SPDM_ERR_VERSION_MISMATCH, 0);
	if (code == SPDM_GET_CAPABILITIES)
		return do_capabilities(c);
	if (code == SPDM_NEGOTIATE_ALGS)
		return do_algorithms(c);
	if (r->state != RS_NEGOTIATED)
		return unexpected(c);

	if (s && !s->established && code != SPDM_FINISH)
		return unexpected(c);

	switch (code) {
	case SPDM_GET_DIGESTS:
		return do_digests(c);
	case SPDM_GET_CERTIFICATE:
		return do_certificate(c);
	case SPDM_CHALLENGE:
		n = do_challenge(c);
		goto out;
	case SPDM_GET_MEASUREMENTS:
		return do_measurements(c);
	case SPDM_KEY_EXCHANGE:
		return do_key_exchange(c);
	case SPDM_FINISH:
		return do_finish(c);
	case SPDM_HEARTBEAT:
		return do_heartbeat(c);
	case SPDM_KEY_UPDATE:
		return do_key_update(c);
	case SPDM_END_SESSION:
		return do_end_session(c);
	case SPDM_VENDOR_DEFINED_REQ:
		return do_vendor(c);
	default:
		return unsupported(c);
	}
out:
	/* A CHALLENGE, answered or not, ends B and C */
	if (code == SPDM_CHALLENGE && !s && r->state == RS_NEGOTIATED) {
		spdm_buf_reset(&r->b);
		spdm_buf_reset(&r->c);
	}
	return n;
}

/* Room for a response: ours and the requester's DataTransferSize */
static size_t rsp_room(struct spdm_rsp *r)
{
	size_t room = SPDM_DTS;

	if (r->req_dts && r->req_dts < room)
		room = r->req_dts;
	return room;
}

static int finish_msg(struct rsp_ctx *c, int n)
{
	/* A response the requester cannot take is replaced */
	if (n > 0 && (size_t)n > c->room) {
		c->out[0] = c->r->ver ? c->r->ver : SPDM_VER_10;
		c->out[1] = SPDM_ERROR;
		c->out[2] = SPDM_ERR_RESPONSE_TOO_LARGE;
		c->out[3] = 0;
		n = 4;
	}
	/* Injected faults of an SPDM message (vendor payloads: do_vendor()) */
	if (n >= 2 && c->fault && *c->fault == FAULT_TRUNCATED) {
		*c->fault = FAULT_NONE;
		n /= 2;
	} else if (n >= 2 && c->fault && *c->fault == FAULT_MALFORMED) {
		*c->fault = FAULT_NONE;
		c->out[1] ^= 0x80;
	}
	return n;
}

static int handle_secured(struct spdm_rsp *r, const uint8_t *req, size_t len,
			  uint8_t *rsp, size_t cap, enum model_fault *fault)
{
	struct rsp_session *s = &r->s;
	struct rsp_ctx c = { r, s, r->in, 0, r->out, sizeof(r->out), rsp_room(r), fault };
	enum rsp_after after;
	int n, m;

	if (len < SPDM_SM_HDR || !s->active || get32(req) != s->sid)
		return -EINVAL;
	n = spdm_sm_open(&s->keys.req, s->enc, req, len, r->in, sizeof(r->in));
	if (n < 0)
		return n;	/* dropped, DSP0277 */
	c.len = n;
	s->after = AFTER_NONE;
	n = finish_msg(&c, handle_msg(&c));
	if (n < 0)
		return n;
	m = spdm_sm_seal(s->sid, &s->keys.rsp, s->enc, r->out, n, rsp, cap);
	after = s->after;
	s->after = AFTER_NONE;
	switch (after) {
	case AFTER_DATA_KEYS:
		if (spdm_ks_data(&s->keys, s->th2))
			session_clear(r);
		else
			s->established = true;
		break;
	case AFTER_KILL:
		session_clear(r);
		break;
	case AFTER_END:
		session_end(r);
		break;
	case AFTER_NONE:
		break;
	}
	return m;
}

/**
 * spdm_rsp_handle() - answer one DOE payload
 * @r: responder
 * @doe_type: %DOE_TYPE_CMA (plain SPDM) or %DOE_TYPE_SSESSION (secured)
 * @req: payload of the request object (after the 8-byte DOE header)
 * @req_len: its size in bytes (may include up to 3 padding bytes)
 * @rsp: buffer for the response payload
 * @rsp_cap: size of @rsp
 * @fault: in/out; %FAULT_BAD_SIGNATURE and %FAULT_SPDM_ERROR are consumed
 *
 * Return: response payload length, or a negative errno when nothing is
 * answered (a secured message that does not authenticate or names no
 * session is dropped, as DSP0277 requires).
 */
int spdm_rsp_handle(struct spdm_rsp *r, uint8_t doe_type, const uint8_t *req, size_t req_len,
		    uint8_t *rsp, size_t rsp_cap, enum model_fault *fault)
{
	enum model_fault none = FAULT_NONE;
	struct rsp_ctx c;
	int n;

	if (!r || (!req && req_len) || !rsp)
		return -EINVAL;
	if (!fault)
		fault = &none;
	c = (struct rsp_ctx){ r, NULL, req, req_len, r->out, sizeof(r->out), rsp_room(r), fault };
	if (doe_type == DOE_TYPE_SSESSION)
		return handle_secured(r, req, req_len, rsp, rsp_cap, fault);
	if (doe_type != DOE_TYPE_CMA)
		return -EINVAL;
	n = finish_msg(&c, handle_msg(&c));
	if (n < 0)
		return n;
	if ((size_t)n > rsp_cap)
		return -ENOSPC;
	memcpy(rsp, r->out, n);
	return n;
}

/**
 * spdm_rsp_new() - SPDM responder of one DSM
 * @id: certificate chain and key (slot 0); not owned
 * @pcisig: handler of PCI-SIG vendor-defined messages; not owned (may be
 *	NULL: such messages are then unsupported)
 *
 * Return: the responder or NULL.
 */
struct spdm_rsp *spdm_rsp_new(const struct model_identity *id, struct pcisig_dev *pcisig)
{
	struct spdm_rsp *r;

	if (!id)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->id = id;
	r->pcisig = pcisig;
	if (spdm_rsp_set_meas_hash(r, SPDM_MEAS_HASH_SHA384)) {
		free(r);
		return NULL;
	}
	return r;
}

/**
 * spdm_rsp_set_meas_hash() - MeasurementHashAlgo of the measurements
 * @r: responder
 * @algo: %SPDM_MEAS_HASH_SHA256, %SPDM_MEAS_HASH_SHA384 (the default) or
 *	%SPDM_MEAS_HASH_SHA512
 *
 * For tests and experiments; set it before the VCA of a connection.
 *
 * Return: 0, -EINVAL or -EIO.
 */
int spdm_rsp_set_meas_hash(struct spdm_rsp *r, uint32_t algo)
{
	static const char *const what[MEAS_COUNT - 1] = {
		"tsm-model immutable ROM",
		"tsm-model firmware 1.2.3",
		"tsm-model hardware configuration 7e57:0010",
	};
	size_t mh = spdm_meas_hash_size(algo);
	unsigned int i;

	if (!mh)
		return -EINVAL;
	for (i = 0; i < MEAS_COUNT - 1; i++)
		if (crypto_sha2(mh, what[i], strlen(what[i]), r->meas[i]))
			return -EIO;
	if (crypto_sha2(mh, fw_version, sizeof(fw_version) - 1, r->meas[MEAS_COUNT - 1]))
		return -EIO;
	r->meas_hash = algo;
	r->mh = mh;
	return 0;
}

/**
 * spdm_rsp_free() - free a responder (its session ends)
 * @r: responder or NULL
 */
void spdm_rsp_free(struct spdm_rsp *r)
{
	if (!r)
		return;
	session_clear(r);
	transcripts_reset(r);
	free(r);
}

void spdm_rsp_reset(struct spdm_rsp *r)
{
	session_end(r);
	transcripts_reset(r);
	r->state = RS_IDLE;
	r->ver = 0;
}

/**
 * spdm_rsp_session_keys() - keys of the responder's session (tests)
 * @r: responder
 * @sid: session ID
 * @k: copy of the keys
 *
 * Return: 0 or -ENOENT.
 */
int spdm_rsp_session_keys(struct spdm_rsp *r, uint32_t sid, struct spdm_keys *k)
{
	if (!r->s.active || r->s.sid != sid)
		return -ENOENT;
	*k = r->s.keys;
	return 0;
}
