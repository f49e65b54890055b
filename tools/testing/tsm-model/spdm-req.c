// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-model: SPDM 1.2 requester of the firmware model (DSP0274), with
 * DSP0277 secured messages over DOE.  Everything received is checked:
 * lengths, codes, algorithm selections, the certificate chain against the
 * trust anchor, every signature, ResponderVerifyData, AEAD tags and
 * session IDs.  An SPDM ERROR response is -EPROTO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "spdm.h"

#define REQ_CAPS	(SPDM_CAP_ENCRYPT | SPDM_CAP_MAC | SPDM_CAP_KEY_EX | \
			 SPDM_CAP_HBEAT | SPDM_CAP_KEY_UPD)
#define REQ_CHUNK	0x400
#define MAX_OPAQUE	1024

struct req_session {
	bool active;
	bool established;
	bool enc;
	uint8_t hb_period;	/* HeartbeatPeriod of KEY_EXCHANGE_RSP, seconds */
	uint32_t sid;
	struct spdm_keys keys;
	struct spdm_buf k;
};

struct spdm_req {
	model_xfer_t xfer;
	void *priv;
	X509 *anchor;
	uint8_t anchor_hash[SPDM_H];
	uint32_t tdisp_error;
	uint16_t chunk;
	uint8_t last_error;

	bool negotiated;
	uint8_t ver;
	uint32_t rsp_flags;
	uint32_t rsp_dts;
	uint8_t meas_spec;
	size_t meas_h;		/* digest size of the MeasurementHashAlgo */
	uint8_t opaque_fmt;
	bool kex_algs;
	struct spdm_buf a, b, c, l;

	uint8_t digests[8][SPDM_H];
	uint8_t slot_mask;
	uint8_t *chain;
	size_t chain_len;
	int chain_slot;
	EVP_PKEY *leaf;

	struct req_session s;

	uint8_t pt[MODEL_DOE_MAX];	/* request being built */
	uint8_t tx[MODEL_DOE_MAX];	/* secured request */
	uint8_t rx[MODEL_DOE_MAX];	/* response object payload */
	uint8_t msg[MODEL_DOE_MAX];	/* decrypted response */
};

static void session_clear(struct spdm_req *q)
{
	spdm_buf_reset(&q->s.k);
	crypto_cleanse(&q->s, sizeof(q->s));
	memset(&q->s, 0, sizeof(q->s));
}

static void chain_clear(struct spdm_req *q)
{
	free(q->chain);
	q->chain = NULL;
	q->chain_len = 0;
	q->chain_slot = -1;
	EVP_PKEY_free(q->leaf);
	q->leaf = NULL;
}

/* One plain exchange; returns the response length in q->rx */
static int xfer_plain(struct spdm_req *q, const uint8_t *req, size_t len)
{
	int n = q->xfer(q->priv, DOE_TYPE_CMA, req, len, q->rx, sizeof(q->rx));

	if (n < 0)
		return n;
	if ((size_t)n > sizeof(q->rx))
		return -EIO;
	return n;
}

/*
 * Check a response header: ERROR is -EPROTO, so is a wrong code or
 * version or a response shorter than @min.
 */
static int check(struct spdm_req *q, const uint8_t *rsp, int n, uint8_t ver, uint8_t code,
		 size_t min)
{
	if (n < 4)
		return -EPROTO;
	if (rsp[1] == SPDM_ERROR) {
		q->last_error = rsp[2];
		return -EPROTO;
	}
	if (rsp[0] != ver || rsp[1] != code || (size_t)n < min)
		return -EPROTO;
	return 0;
}

/* A plain response is exactly @need bytes plus up to 3 bytes DOE padding */
static int check_len(int n, size_t need)
{
	return (size_t)n < need || (size_t)n > need + 3 ? -EPROTO : 0;
}

/* Send a request inside the session; the secured answer is in q->rx */
static int send_secured(struct spdm_req *q, const uint8_t *req, size_t len)
{
	struct req_session *s = &q->s;
	int n;

	if (!s->active)
		return -ENOTCONN;
	n = spdm_sm_seal(s->sid, &s->keys.req, s->enc, req, len, q->tx, sizeof(q->tx));
	if (n < 0)
		return n;
	n = q->xfer(q->priv, DOE_TYPE_SSESSION, q->tx, n, q->rx, sizeof(q->rx));
	if (n < 0)
		return n;
	if ((size_t)n > sizeof(q->rx) || n < SPDM_SM_HDR || get32(q->rx) != s->sid)
		return -EPROTO;
	return n;
}

/* Open the secured answer of @n bytes in q->rx with @a into q->msg */
static int open_secured(struct spdm_req *q, struct spdm_aead *a, int n)
{
	n = spdm_sm_open(a, q->s.enc, q->rx, n, q->msg, sizeof(q->msg));
	return n == -EINVAL ? -EPROTO : n;
}

/* One exchange inside the session; the answer is in q->msg */
static int xfer_secured(struct spdm_req *q, const uint8_t *req, size_t len)
{
	int n = send_secured(q, req, len);

	return n < 0 ? n : open_secured(q, &q->s.keys.rsp, n);
}

/* Transcript resets of the responder, mirrored (see spdm-rsp.c) */
static void pre_request(struct spdm_req *q, uint8_t code)
{
	if (code != SPDM_GET_MEASUREMENTS)
		spdm_buf_reset(&q->l);
	if (code != SPDM_GET_CERTIFICATE && code != SPDM_CHALLENGE) {
		spdm_buf_reset(&q->b);
		spdm_buf_reset(&q->c);
	}
}

static void hdr(struct spdm_req *q, uint8_t *p, uint8_t code, uint8_t p1, uint8_t p2)
{
	p[0] = q->ver;
	p[1] = code;
	p[2] = p1;
	p[3] = p2;
}

static bool one_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* ------------------------------------------------------------------ */

static int get_version(struct spdm_req *q)
{
	uint8_t req[4] = { SPDM_VER_10, SPDM_GET_VERSION, 0, 0 };
	const uint8_t *r = q->rx;
	unsigned int i, cnt;
	bool found = false;
	size_t need;
	int n;

	n = xfer_plain(q, req, sizeof(req));
	if (n < 0)
		return n;
	n = check(q, r, n, SPDM_VER_10, SPDM_VERSION, 6) ?: n;
	if (n < 0)
		return n;
	cnt = r[5];
	need = 6 + 2 * cnt;
	if (!cnt || check_len(n, need))
		return -EPROTO;
	for (i = 0; i < cnt; i++)
		if ((get16(r + 6 + 2 * i) >> 8) == SPDM_VER_12)
			found = true;
	if (!found)
		return -EPROTO;
	q->ver = SPDM_VER_12;
	return spdm_buf_add(&q->a, req, 4) ?: spdm_buf_add(&q->a, r, need);
}

static int get_capabilities(struct spdm_req *q)
{
	const uint8_t *r = q->rx;
	uint8_t req[20] = { 0 };
	uint32_t flags, dts, max;
	int n;

	hdr(q, req, SPDM_GET_CAPABILITIES, 0, 0);
	put32(req + 8, REQ_CAPS);
	put32(req + 12, SPDM_DTS);
	put32(req + 16, SPDM_DTS);
	n = xfer_plain(q, req, sizeof(req));
	if (n < 0)
		return n;
	if (check(q, r, n, q->ver, SPDM_CAPABILITIES, 20) || check_len(n, 20))
		return -EPROTO;
	flags = get32(r + 8);
	dts = get32(r + 12);
	max = get32(r + 16);
	if (dts < SPDM_MIN_DTS || max < dts)
		return -EPROTO;
	/*
	 * Without CHUNK_CAP DataTransferSize must equal MaxSPDMmsgSize
	 * (DMTF/libspdm library/spdm_requester_lib/
	 * libspdm_req_get_capabilities.c @f30735286956).
	 */
	if (!(flags & SPDM_CAP_CHUNK) && dts != max)
		return -EPROTO;
	if ((flags & (SPDM_CAP_CERT | SPDM_CAP_PUB_KEY_ID)) ==
	    (SPDM_CAP_CERT | SPDM_CAP_PUB_KEY_ID) ||
	    (flags & SPDM_CAP_MEAS_MASK) == SPDM_CAP_MEAS_MASK)
		return -EPROTO;
	q->rsp_flags = flags;
	q->rsp_dts = dts;
	return spdm_buf_add(&q->a, req, 20) ?: spdm_buf_add(&q->a, r, 20);
}

static int negotiate_algorithms(struct spdm_req *q)
{
	static const uint16_t offer[6] = {
		[SPDM_ALG_TYPE_DHE] = SPDM_DHE_SECP384R1,
		[SPDM_ALG_TYPE_AEAD] = SPDM_AEAD_AES256GCM,
		[SPDM_ALG_TYPE_REQ_ASYM] = SPDM_ASYM_ECDSA_P384,
		[SPDM_ALG_TYPE_KS] = SPDM_KS_SPDM,
	};
	const uint8_t *r = q->rx;
	uint8_t req[48] = { 0 };
	uint16_t sel[6] = { 0 };
	unsigned int i, t, prev = 0, ntab;
	size_t len;
	int n;

	hdr(q, req, SPDM_NEGOTIATE_ALGS, 4, 0);
	put16(req + 4, sizeof(req));
	req[6] = SPDM_MEAS_SPEC_DMTF;
	req[7] = SPDM_OPAQUE_FMT1;
	put32(req + 8, SPDM_ASYM_ECDSA_P384);
	put32(req + 12, SPDM_HASH_SHA384);
	for (i = 0, t = SPDM_ALG_TYPE_DHE; t <= SPDM_ALG_TYPE_KS; t++, i++) {
		req[32 + 4 * i] = t;
		req[33 + 4 * i] = 0x20;
		put16(req + 34 + 4 * i, offer[t]);
	}
	n = xfer_plain(q, req, sizeof(req));
	if (n < 0)
		return n;
	if (check(q, r, n, q->ver, SPDM_ALGORITHMS, 36))
		return -EPROTO;
	len = get16(r + 4);
	ntab = r[2];
	if (len < 36 || check_len(n, len) || ntab > 4 || len != 36 + 4 * ntab)
		return -EPROTO;
	/* No extended algorithms were offered */
	if (r[32] || r[33])
		return -EPROTO;
	if (get32(r + 12) != SPDM_ASYM_ECDSA_P384 || get32(r + 16) != SPDM_HASH_SHA384)
		return -EPROTO;
	if (r[6] & ~SPDM_MEAS_SPEC_DMTF)
		return -EPROTO;
	/*
	 * Whichever of SHA-256/384/512 the responder selected: 1.2 has no
	 * field to ask for one (DMTF/libspdm library/spdm_requester_lib/
	 * libspdm_req_negotiate_algorithms.c @8cee5303e06d takes any
	 * measurement_hash_algo of known size, unlike base_hash_algo).
	 */
	if (r[6] ? !spdm_meas_hash_size(get32(r + 8)) : get32(r + 8) != 0)
		return -EPROTO;
	if (r[7] & ~SPDM_OPAQUE_FMT1)
		return -EPROTO;
	for (i = 0; i < ntab; i++) {
		const uint8_t *p = r + 36 + 4 * i;

		t = p[0];
		if (t < SPDM_ALG_TYPE_DHE || t > SPDM_ALG_TYPE_KS || t <= prev || p[1] != 0x20)
			return -EPROTO;
		sel[t] = get16(p + 2);
		if (sel[t] & ~offer[t] || (sel[t] && !one_bit(sel[t])))
			return -EPROTO;
		prev = t;
	}
	q->meas_spec = r[6];
	q->meas_h = spdm_meas_hash_size(get32(r + 8));
	q->opaque_fmt = r[7];
	q->kex_algs = sel[SPDM_ALG_TYPE_DHE] && sel[SPDM_ALG_TYPE_AEAD] &&
		      sel[SPDM_ALG_TYPE_KS] && q->opaque_fmt;
	return spdm_buf_add(&q->a, req, sizeof(req)) ?: spdm_buf_add(&q->a, r, len);
}

/**
 * spdm_req_vca() - GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS
 * @q: requester
 *
 * Starts over: a session and a verified chain are forgotten.
 *
 * Return: 0 or a negative errno.
 */
int spdm_req_vca(struct spdm_req *q)
{
	int rc;

	session_clear(q);
	chain_clear(q);
	spdm_buf_reset(&q->a);
	spdm_buf_reset(&q->b);
	spdm_buf_reset(&q->c);
	spdm_buf_reset(&q->l);
	q->negotiated = false;
	q->slot_mask = 0;
	q->ver = SPDM_VER_10;
	rc = get_version(q) ?: get_capabilities(q) ?: negotiate_algorithms(q);
	if (!rc)
		q->negotiated = true;
	return rc;
}

static int get_digests(struct spdm_req *q, unsigned int slot)
{
	const uint8_t *r = q->rx;
	uint8_t req[4];
	unsigned int i, k = 0, cnt = 0;
	size_t need;
	int n;

	hdr(q, req, SPDM_GET_DIGESTS, 0, 0);
	pre_request(q, SPDM_GET_DIGESTS);
	n = xfer_plain(q, req, sizeof(req));
	if (n < 0)
		return n;
	if (check(q, r, n, q->ver, SPDM_DIGESTS, 4))
		return -EPROTO;
	for (i = 0; i < 8; i++)
		cnt += (r[3] >> i) & 1;
	need = 4 + SPDM_H * cnt;
	if (check_len(n, need) || !(r[3] & (1u << slot)))
		return -EPROTO;
	q->slot_mask = r[3];
	for (i = 0; i < 8; i++) {
		if (!(r[3] & (1u << i)))
			continue;
		memcpy(q->digests[i], r + 4 + SPDM_H * k++, SPDM_H);
	}
	return spdm_buf_add(&q->b, req, 4) ?: spdm_buf_add(&q->b, r, need);
}

static int verify_chain(struct spdm_req *q, unsigned int slot, uint8_t *chain, size_t len)
{
	uint8_t h[SPDM_H];
	EVP_PKEY *leaf;
	int rc;

	if (len < 4 + SPDM_H || get16(chain) != len)
		return -EBADMSG;
	if (!crypto_memeq(chain + 4, q->anchor_hash, SPDM_H))
		return -EBADMSG;
	if (crypto_sha384(chain, len, h))
		return -EIO;
	if (!crypto_memeq(h, q->digests[slot], SPDM_H))
		return -EBADMSG;
	rc = tsm_ev_certs_verify(q->anchor, chain + 4 + SPDM_H, len - 4 - SPDM_H, &leaf);
	if (rc)
		return rc == -ENOMEM ? rc : -EBADMSG;
	chain_clear(q);
	q->chain = chain;
	q->chain_len = len;
	q->chain_slot = slot;
	q->leaf = leaf;
	return 0;
}

/**
 * spdm_req_get_certificate() - fetch and verify the chain of a slot
 * @q: requester
 * @slot: 0-7
 *
 * GET_DIGESTS, then GET_CERTIFICATE in portions until the whole chain is
 * read.  The chain must start with the hash of the trust anchor, verify to
 * it, and hash to the digest DIGESTS gave for @slot.
 *
 * Return: 0, -EBADMSG if verification fails, another negative errno.
 */
int spdm_req_get_certificate(struct spdm_req *q, unsigned int slot)
{
	const uint8_t *r = q->rx;
	size_t off = 0, total = 0;
	uint8_t req[8], *chain;
	int n, rc;

	if (!q->negotiated || slot > 7)
		return -EINVAL;
	if (!(q->rsp_flags & SPDM_CAP_CERT))
		return -EOPNOTSUPP;
	rc = get_digests(q, slot);
	if (rc)
		return rc;
	chain = malloc(SPDM_MAX_CHAIN);
	if (!chain)
		return -ENOMEM;
	do {
		size_t portion, rem;

		hdr(q, req, SPDM_GET_CERTIFICATE, slot, 0);
		put16(req + 4, (uint16_t)off);
		put16(req + 6, q->chunk);
		pre_request(q, SPDM_GET_CERTIFICATE);
		n = xfer_plain(q, req, sizeof(req));
		rc = n < 0 ? n : check(q, r, n, q->ver, SPDM_CERTIFICATE, 8);
		if (rc)
			goto out;
		portion = get16(r + 4);
		rem = get16(r + 6);
		rc = -EPROTO;
		if ((r[2] & 0xf) != slot || !portion || portion > q->chunk ||
		    check_len(n, 8 + portion))
			goto out;
		if (!off)
			total = portion + rem;
		if (total > SPDM_MAX_CHAIN || off + portion + rem != total)
			goto out;
		memcpy(chain + off, r + 8, portion);
		off += portion;
		rc = spdm_buf_add(&q->b, req, 8) ?: spdm_buf_add(&q->b, r, 8 + portion);
		if (rc)
			goto out;
	} while (off < total);
	rc = verify_chain(q, slot, chain, total);
	if (!rc)
		return 0;
out:
	free(chain);
	return rc;
}

/**
 * spdm_req_cert_chain() - the verified chain of the last
 *	spdm_req_get_certificate()
 * @q: requester
 * @len: its size
 *
 * Return: the chain in SPDM format, NULL if none.
 */
const uint8_t *spdm_req_cert_chain(struct spdm_req *q, size_t *len)
{
	*len = q->chain_len;
	return q->chain;
}

/**
 * spdm_req_vca_transcript() - messages of the last VCA (transcript A)
 * @q: requester
 * @len: its size
 *
 * Return: the messages, NULL before a successful spdm_req_vca().
 */
const uint8_t *spdm_req_vca_transcript(struct spdm_req *q, size_t *len)
{
	*len = q->negotiated ? q->a.len : 0;
	return q->negotiated ? q->a.p : NULL;
}

static int chain_hash(struct spdm_req *q, uint8_t h[SPDM_H])
{
	return crypto_sha384(q->chain, q->chain_len, h);
}

/**
 * spdm_req_challenge() - CHALLENGE, CHALLENGE_AUTH signature verified
 * @q: requester
 * @slot: the slot whose chain spdm_req_get_certificate() verified
 *
 * Return: 0, -EBADMSG if the signature does not verify, another negative
 * errno.
 */
int spdm_req_challenge(struct spdm_req *q, unsigned int slot)
{
	const uint8_t *r = q->rx;
	uint8_t req[4 + SPDM_NONCE], h[SPDM_H], type;
	struct crypto_vec v[3];
	size_t need, hm, olen;
	int n, rc;

	if (!q->negotiated || !q->leaf || q->chain_slot != (int)slot)
		return -EINVAL;
	if (!(q->rsp_flags & SPDM_CAP_CHAL))
		return -EOPNOTSUPP;
	type = q->meas_spec ? 0xff : 0;
	hm = type ? SPDM_H : 0;
	hdr(q, req, SPDM_CHALLENGE, slot, type);
	if (crypto_random(req + 4, SPDM_NONCE))
		return -EIO;
	pre_request(q, SPDM_CHALLENGE);
	n = xfer_plain(q, req, sizeof(req));
	rc = n < 0 ? n : check(q, r, n, q->ver, SPDM_CHALLENGE_AUTH,
			       4 + SPDM_H + SPDM_NONCE + hm + 2);
	if (rc)
		goto out;
	olen = get16(r + 4 + SPDM_H + SPDM_NONCE + hm);
	need = 4 + SPDM_H + SPDM_NONCE + hm + 2 + olen + SPDM_S;
	rc = -EPROTO;
	if (olen > MAX_OPAQUE || check_len(n, need) || (r[2] & 0xf) != slot ||
	    !(r[3] & (1u << slot)))
		goto out;
	rc = -EBADMSG;
	if (chain_hash(q, h) || !crypto_memeq(h, r + 4, SPDM_H))
		goto out;
	rc = spdm_buf_add(&q->c, req, sizeof(req)) ?: spdm_buf_add(&q->c, r, need - SPDM_S);
	if (rc)
		goto out;
	v[0] = (struct crypto_vec){ q->a.p, q->a.len };
	v[1] = (struct crypto_vec){ q->b.p, q->b.len };
	v[2] = (struct crypto_vec){ q->c.p, q->c.len };
	rc = crypto_sha384_vec(v, 3, h) ?:
	     tsm_ev_spdm_verify(q->leaf, q->ver, SPDM_CTX_CHALLENGE, h, r + need - SPDM_S);
out:
	spdm_buf_reset(&q->b);
	spdm_buf_reset(&q->c);
	return rc;
}

/*
 * Walk the measurement record: @nblocks well-formed DMTF blocks; a digest
 * (type bit 7 clear) has the size of the selected MeasurementHashAlgo,
 * @mh bytes.
 */
static int check_record(const uint8_t *p, size_t len, unsigned int nblocks, size_t mh)
{
	unsigned int i, last = 0;
	size_t off = 0;

	for (i = 0; i < nblocks; i++) {
		size_t size;

		if (len - off < 4)
			return -EPROTO;
		size = get16(p + off + 2);
		if (len - off - 4 < size || p[off] <= last || p[off + 1] != SPDM_MEAS_SPEC_DMTF ||
		    size < 3 || (size_t)get16(p + off + 5) + 3 != size)
			return -EPROTO;
		if (!(p[off + 4] & 0x80) && size - 3 != mh)
			return -EPROTO;
		last = p[off];
		off += 4 + size;
	}
	return off == len ? 0 : -EPROTO;
}

/**
 * spdm_req_measurements_raw() - signed GET_MEASUREMENTS of all indices
 * @q: requester
 * @nonce: requester nonce (32 bytes) or NULL for a random one
 * @raw: ask for raw bit streams (Param1 bit 1, RawBitStreamRequested)
 * @out: the verified MEASUREMENTS response, signature included
 * @out_cap: size of @out
 *
 * Return: size of the response, -EBADMSG if the signature does not
 * verify, -ENOSPC, another negative errno.
 */
int spdm_req_measurements_raw(struct spdm_req *q, const uint8_t *nonce, bool raw, uint8_t *out,
			      size_t out_cap)
{
	const uint8_t *r = q->rx;
	uint8_t req[4 + SPDM_NONCE + 1], h[SPDM_H];
	struct crypto_vec v[2];
	size_t rec, need, olen;
	int n, rc;

	if (!q->negotiated || !q->leaf)
		return -EINVAL;
	if ((q->rsp_flags & SPDM_CAP_MEAS_MASK) != SPDM_CAP_MEAS_SIG || !q->meas_spec)
		return -EOPNOTSUPP;
	hdr(q, req, SPDM_GET_MEASUREMENTS, raw ? 0x03 : 0x01, 0xff);
	if (nonce)
		memcpy(req + 4, nonce, SPDM_NONCE);
	else if (crypto_random(req + 4, SPDM_NONCE))
		return -EIO;
	req[4 + SPDM_NONCE] = q->chain_slot;
	pre_request(q, SPDM_GET_MEASUREMENTS);
	n = xfer_plain(q, req, sizeof(req));
	rc = n < 0 ? n : check(q, r, n, q->ver, SPDM_MEASUREMENTS, 8);
	if (rc)
		goto out;
	rc = -EPROTO;
	rec = get24(r + 5);
	if ((size_t)n < 8 + rec + SPDM_NONCE + 2)
		goto out;
	olen = get16(r + 8 + rec + SPDM_NONCE);
	need = 8 + rec + SPDM_NONCE + 2 + olen + SPDM_S;
	if (olen > MAX_OPAQUE || check_len(n, need) || (r[3] & 0xf) != q->chain_slot ||
	    !r[4] || check_record(r + 8, rec, r[4], q->meas_h))
		goto out;
	rc = spdm_buf_add(&q->l, req, sizeof(req)) ?: spdm_buf_add(&q->l, r, need - SPDM_S);
	if (rc)
		goto out;
	v[0] = (struct crypto_vec){ q->a.p, q->a.len };
	v[1] = (struct crypto_vec){ q->l.p, q->l.len };
	rc = crypto_sha384_vec(v, 2, h) ?:
	     tsm_ev_spdm_verify(q->leaf, q->ver, SPDM_CTX_MEAS, h, r + need - SPDM_S);
	if (rc)
		goto out;
	rc = -ENOSPC;
	if (need > out_cap)
		goto out;
	memcpy(out, r, need);
	rc = (int)need;
out:
	spdm_buf_reset(&q->l);
	return rc;
}

/* spdm_req_measurements_raw() of digests (no raw bit streams) */
int spdm_req_measurements(struct spdm_req *q, const uint8_t *nonce, uint8_t *out,
			  size_t out_cap)
{
	return spdm_req_measurements_raw(q, nonce, false, out, out_cap);
}

/* Hash of A || Ct || K [|| extra] */
static int session_th(struct spdm_req *q, const uint8_t *extra, size_t elen, uint8_t th[SPDM_H])
{
	uint8_t ct[SPDM_H];
	struct crypto_vec v[4] = {
		{ q->a.p, q->a.len },
		{ ct, SPDM_H },
		{ q->s.k.p, q->s.k.len },
		{ extra, elen },
	};

	return chain_hash(q, ct) ?: crypto_sha384_vec(v, 4, th);
}

static int key_exchange(struct spdm_req *q, unsigned int slot, uint16_t *rsp_sid)
{
	static const uint16_t vers[] = { SPDM_SM_VER_10, SPDM_SM_VER_11 };
	struct req_session *s = &q->s;
	const uint8_t *r = q->rx, *d;
	uint8_t *req = q->pt, dhe[SPDM_H], th[SPDM_H], mac[SPDM_H];
	size_t len, olen, need, dlen;
	uint16_t req_sid, ver;
	EVP_PKEY *key;
	int n, rc;

	do {
		if (crypto_random(&req_sid, sizeof(req_sid)))
			return -EIO;
	} while (!req_sid || req_sid == 0xffff);
	hdr(q, req, SPDM_KEY_EXCHANGE, 0, slot);
	put16(req + 4, req_sid);
	req[6] = 0;
	req[7] = 0;
	if (crypto_random(req + 8, 32))
		return -EIO;
	key = crypto_ecdh_new(req + 40);
	if (!key)
		return -EIO;
	n = spdm_opaque_versions(q->opaque_fmt, vers, 2, req + 40 + SPDM_D + 2, 64);
	if (n < 0) {
		EVP_PKEY_free(key);
		return n;
	}
	put16(req + 40 + SPDM_D, n);
	len = 40 + SPDM_D + 2 + n;
	pre_request(q, SPDM_KEY_EXCHANGE);
	n = xfer_plain(q, req, len);
	rc = n < 0 ? n : check(q, r, n, q->ver, SPDM_KEY_EXCHANGE_RSP, 40 + SPDM_D + 2);
	if (rc)
		goto out;
	rc = -EPROTO;
	olen = get16(r + 40 + SPDM_D);
	need = 40 + SPDM_D + 2 + olen + SPDM_S + SPDM_H;
	if (olen > MAX_OPAQUE || check_len(n, need) || r[6] != 0)
		goto out;
	if (spdm_opaque_find(q->opaque_fmt, r + 40 + SPDM_D + 2, olen, 0, &d, &dlen) ||
	    dlen < 2)
		goto out;
	ver = get16(d) & 0xff00;
	if (ver != SPDM_SM_VER_10 && ver != SPDM_SM_VER_11)
		goto out;
	*rsp_sid = get16(r + 4);

	s->active = true;
	s->sid = (uint32_t)*rsp_sid << 16 | req_sid;
	s->enc = q->rsp_flags & SPDM_CAP_ENCRYPT;
	/* Param1: HeartbeatPeriod, 0 if no heartbeat is wanted (FACTS 3.10) */
	s->hb_period = (q->rsp_flags & SPDM_CAP_HBEAT) ? r[2] : 0;
	rc = spdm_buf_add(&s->k, req, len) ?:
	     spdm_buf_add(&s->k, r, need - SPDM_S - SPDM_H) ?:
	     session_th(q, NULL, 0, th);
	if (rc)
		goto out;
	rc = tsm_ev_spdm_verify(q->leaf, q->ver, SPDM_CTX_KEY_EX, th, r + need - SPDM_S - SPDM_H);
	if (rc)
		goto out;
	rc = spdm_buf_add(&s->k, r + need - SPDM_S - SPDM_H, SPDM_S);
	if (rc)
		goto out;
	rc = crypto_ecdh_derive(key, r + 40, dhe);
	if (rc) {
		rc = rc == -EINVAL ? -EPROTO : rc;
		goto out;
	}
	rc = session_th(q, NULL, 0, th) ?: spdm_ks_handshake(&s->keys, dhe, th) ?:
	     crypto_hmac_sha384(s->keys.rsp_fin, SPDM_H, th, SPDM_H, mac);
	if (rc)
		goto out;
	if (!crypto_memeq(mac, r + need - SPDM_H, SPDM_H)) {
		rc = -EBADMSG;
		goto out;
	}
	rc = spdm_buf_add(&s->k, r + need - SPDM_H, SPDM_H);
out:
	crypto_cleanse(dhe, sizeof(dhe));
	EVP_PKEY_free(key);
	return rc;
}

static int finish(struct spdm_req *q)
{
	struct req_session *s = &q->s;
	uint8_t *req = q->pt, th[SPDM_H];
	int n, rc;

	hdr(q, req, SPDM_FINISH, 0, 0);
	rc = session_th(q, req, 4, th) ?:
	     crypto_hmac_sha384(s->keys.req_fin, SPDM_H, th, SPDM_H, req + 4);
	if (rc)
		return rc;
	n = xfer_secured(q, req, 4 + SPDM_H);
	if (n < 0)
		return n;
	if (check(q, q->msg, n, q->ver, SPDM_FINISH_RSP, 4) || n != 4)
		return -EPROTO;
	return spdm_buf_add(&s->k, req, 4 + SPDM_H) ?: spdm_buf_add(&s->k, q->msg, 4) ?:
	       session_th(q, NULL, 0, th) ?: spdm_ks_data(&s->keys, th);
}

/**
 * spdm_req_start_session() - KEY_EXCHANGE and FINISH
 * @q: requester
 * @slot: the slot whose chain spdm_req_get_certificate() verified
 *
 * Return: 0, -EBADMSG if the signature, ResponderVerifyData or a MAC does
 * not verify, another negative errno.
 */
int spdm_req_start_session(struct spdm_req *q, unsigned int slot)
{
	uint16_t rsp_sid;
	int rc;

	if (!q->negotiated || !q->leaf || q->chain_slot != (int)slot)
		return -EINVAL;
	if (!(q->rsp_flags & SPDM_CAP_KEY_EX) || !q->kex_algs ||
	    !(q->rsp_flags & (SPDM_CAP_ENCRYPT | SPDM_CAP_MAC)))
		return -EOPNOTSUPP;
	if (q->s.active)
		return -EBUSY;
	rc = key_exchange(q, slot, &rsp_sid) ?: finish(q);
	if (rc)
		session_clear(q);
	else
		q->s.established = true;
	return rc;
}

/* One request/ACK inside the established session */
static int session_xchg(struct spdm_req *q, uint8_t code, uint8_t p1, uint8_t p2,
			uint8_t ack)
{
	uint8_t req[4];
	int n;

	if (!q->s.established)
		return -ENOTCONN;
	hdr(q, req, code, p1, p2);
	n = xfer_secured(q, req, sizeof(req));
	if (n < 0)
		return n;
	if (check(q, q->msg, n, q->ver, ack, 4) || n != 4)
		return -EPROTO;
	return 0;
}

/**
 * spdm_req_heartbeat() - HEARTBEAT inside the session
 * @q: requester
 *
 * Return: 0 or a negative errno.
 */
int spdm_req_heartbeat(struct spdm_req *q)
{
	if (!(q->rsp_flags & SPDM_CAP_HBEAT))
		return -EOPNOTSUPP;
	return session_xchg(q, SPDM_HEARTBEAT, 0, 0, SPDM_HEARTBEAT_ACK);
}

/**
 * spdm_req_heartbeat_period() - HeartbeatPeriod of the session
 * @q: requester
 *
 * The responder wants a message (HEARTBEAT if nothing else) within this
 * many seconds; the session may end otherwise (DSP0274 HEARTBEAT).
 *
 * Return: the period in seconds, 0 if none was announced or no session is
 * established.
 */
unsigned int spdm_req_heartbeat_period(struct spdm_req *q)
{
	return q->s.established ? q->s.hb_period : 0;
}

static int key_update(struct spdm_req *q, uint8_t op)
{
	uint8_t tag;
	int rc;

	if (crypto_random(&tag, 1))
		return -EIO;
	rc = session_xchg(q, SPDM_KEY_UPDATE, op, tag, SPDM_KEY_UPDATE_ACK);
	if (rc)
		return rc;
	if (q->msg[2] != op || q->msg[3] != tag)
		return -EPROTO;
	return 0;
}

/*
 * KEY_UPDATE UpdateAllKeys.  The responder moves to its new key before it
 * seals the ACK, so the ACK comes under the responder's new key; an ERROR
 * (Busy, ...) comes under the old one and nothing changed (DSP0274 1.1.1
 * 10.21.1; libspdm issue 165).  As DMTF/libspdm does (library/
 * spdm_requester_lib/libspdm_req_key_update.c @1c06c28c8c87 creates the
 * responder's new key before sending; library/spdm_secured_message_lib/
 * libspdm_secmes_encode_decode.c answers a failed open with
 * SESSION_TRY_DISCARD_KEY_UPDATE while the old key is kept, and the
 * caller retries with it), try the new key first, then the old one.
 */
static int key_update_all(struct spdm_req *q)
{
	struct req_session *s = &q->s;
	struct spdm_keys next;
	uint8_t req[4], tag;
	bool acked;
	int n, len;

	if (!s->established)
		return -ENOTCONN;
	if (crypto_random(&tag, 1))
		return -EIO;
	next = s->keys;
	n = spdm_ks_update(&next, false);
	if (n)
		goto out;
	hdr(q, req, SPDM_KEY_UPDATE, SPDM_KU_UPDATE_ALL, tag);
	n = send_secured(q, req, sizeof(req));
	if (n < 0)
		goto out;
	len = n;
	acked = true;
	n = open_secured(q, &next.rsp, len);
	if (n == -EBADMSG) {
		acked = false;
		n = open_secured(q, &s->keys.rsp, len);
	}
	if (n < 0)
		goto out;
	if (check(q, q->msg, n, q->ver, SPDM_KEY_UPDATE_ACK, 4) || n != 4 ||
	    q->msg[2] != SPDM_KU_UPDATE_ALL || q->msg[3] != tag || !acked) {
		n = -EPROTO;
		goto out;
	}
	/* Both directions: the responder's key as it used it, then ours */
	memcpy(s->keys.rsp_data, next.rsp_data, SPDM_H);
	s->keys.rsp = next.rsp;
	n = spdm_ks_update(&s->keys, true);
out:
	crypto_cleanse(&next, sizeof(next));
	return n;
}

/**
 * spdm_req_key_update() - KEY_UPDATE UpdateAllKeys, then VerifyNewKey
 * @q: requester
 *
 * The UpdateAllKeys ACK comes under the responder's new key (an ERROR
 * under the old one, and then no key changes); VerifyNewKey and its ACK
 * travel under the new keys.
 *
 * Return: 0 or a negative errno.
 */
int spdm_req_key_update(struct spdm_req *q)
{
	int rc;

	if (!(q->rsp_flags & SPDM_CAP_KEY_UPD))
		return -EOPNOTSUPP;
	rc = key_update_all(q);
	if (rc)
		return rc;
	return key_update(q, SPDM_KU_VERIFY);
}

/**
 * spdm_req_end_session() - END_SESSION
 * @q: requester
 *
 * The session is forgotten whatever the outcome.
 *
 * Return: 0 or a negative errno.
 */
int spdm_req_end_session(struct spdm_req *q)
{
	int rc = session_xchg(q, SPDM_END_SESSION, 0, 0, SPDM_END_SESSION_ACK);

	session_clear(q);
	return rc;
}

/**
 * spdm_req_vdm() - one PCI-SIG vendor-defined exchange inside the session
 * @q: requester
 * @proto: protocol ID
 * @req: protocol message (without protocol ID)
 * @req_len: its size
 * @rsp: the answer's protocol message
 * @rsp_cap: size of @rsp
 *
 * Return: length of the answer, -EPROTO on ERROR or a framing mismatch,
 * -ENOSPC, another negative errno.
 */
int spdm_req_vdm(struct spdm_req *q, uint8_t proto, const uint8_t *req, size_t req_len,
		 uint8_t *rsp, size_t rsp_cap)
{
	uint8_t *m = q->pt;
	const uint8_t *r = q->msg;
	size_t plen, room = SPDM_DTS;
	int n;

	if (!q->s.established)
		return -ENOTCONN;
	if (q->rsp_dts < room)
		room = q->rsp_dts;
	if (req_len > room - SPDM_VDM_HDR)
		return -EINVAL;
	hdr(q, m, SPDM_VENDOR_DEFINED_REQ, 0, 0);
	put16(m + 4, SPDM_STDID_PCISIG);
	m[6] = 2;
	put16(m + 7, SPDM_VID_PCISIG);
	put16(m + 9, (uint16_t)(req_len + 1));
	m[11] = proto;
	if (req_len)
		memcpy(m + SPDM_VDM_HDR, req, req_len);
	n = xfer_secured(q, m, SPDM_VDM_HDR + req_len);
	if (n < 0)
		return n;
	if (check(q, r, n, q->ver, SPDM_VENDOR_DEFINED_RSP, SPDM_VDM_HDR))
		return -EPROTO;
	plen = get16(r + 9);
	if (get16(r + 4) != SPDM_STDID_PCISIG || r[6] != 2 || get16(r + 7) != SPDM_VID_PCISIG ||
	    plen < 1 || (size_t)n != 11 + plen || r[11] != proto)
		return -EPROTO;
	if (plen - 1 > rsp_cap)
		return -ENOSPC;
	memcpy(rsp, r + SPDM_VDM_HDR, plen - 1);
	return (int)(plen - 1);
}

/**
 * spdm_req_tdisp_error() - where tdisp.c keeps the last TDISP_ERROR code
 * @q: requester
 *
 * Return: pointer to the code.
 */
uint32_t *spdm_req_tdisp_error(struct spdm_req *q)
{
	return &q->tdisp_error;
}

/**
 * spdm_req_new() - SPDM requester
 * @xfer: transport
 * @priv: its cookie
 * @root_der: path of the DER trust anchor
 *
 * Return: the requester or NULL (the trust anchor cannot be read).
 */
struct spdm_req *spdm_req_new(model_xfer_t xfer, void *priv, const char *root_der)
{
	struct spdm_req *q;
	uint8_t *der = NULL;
	int len;

	if (!xfer || !root_der)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->xfer = xfer;
	q->priv = priv;
	q->chunk = REQ_CHUNK;
	q->chain_slot = -1;
	q->ver = SPDM_VER_10;
	q->anchor = crypto_x509_load(root_der);
	if (!q->anchor)
		goto err;
	len = i2d_X509(q->anchor, &der);
	if (len <= 0 || crypto_sha384(der, len, q->anchor_hash))
		goto err;
	OPENSSL_free(der);
	return q;
err:
	OPENSSL_free(der);
	X509_free(q->anchor);
	free(q);
	return NULL;
}

/**
 * spdm_req_free() - free a requester
 * @q: requester or NULL
 */
void spdm_req_free(struct spdm_req *q)
{
	if (!q)
		return;
	session_clear(q);
	chain_clear(q);
	spdm_buf_reset(&q->a);
	spdm_buf_reset(&q->b);
	spdm_buf_reset(&q->c);
	spdm_buf_reset(&q->l);
	X509_free(q->anchor);
	free(q);
}

/**
 * spdm_req_session_keys() - keys of the requester's session (tests)
 * @q: requester
 * @sid: its session ID
 * @k: copy of the keys
 *
 * Return: 0 or -ENOTCONN.
 */
int spdm_req_session_keys(struct spdm_req *q, uint32_t *sid, struct spdm_keys *k)
{
	if (!q->s.active)
		return -ENOTCONN;
	*sid = q->s.sid;
	*k = q->s.keys;
	return 0;
}

/**
 * spdm_req_set_chunk() - portion size of GET_CERTIFICATE (tests)
 * @q: requester
 * @len: bytes per request, at least 1
 */
void spdm_req_set_chunk(struct spdm_req *q, uint16_t len)
{
	q->chunk = len ? len : 1;
}

/**
 * spdm_req_raw() - exchange a raw SPDM message (tests)
 * @q: requester
 * @secured: inside the session
 * @req: SPDM message
 * @len: its size
 * @rsp: the answer
 * @cap: size of @rsp
 *
 * Return: size of the answer or a negative errno.
 */
int spdm_req_raw(struct spdm_req *q, bool secured, const uint8_t *req, size_t len,
		 uint8_t *rsp, size_t cap)
{
	const uint8_t *src = secured ? q->msg : q->rx;
	int n;

	if (len > sizeof(q->pt))
		return -EINVAL;
	memcpy(q->pt, req, len);
	n = secured ? xfer_secured(q, q->pt, len) : xfer_plain(q, q->pt, len);
	if (n < 0)
		return n;
	if ((size_t)n > cap)
		return -ENOSPC;
	memcpy(rsp, src, n);
	return n;
}
