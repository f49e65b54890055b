// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-model: SPDM pieces shared by the responder and the requester:
 * transcript buffers, signature prefix, key schedule, DSP0277 secured
 * messages and the secured-message version opaque data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spdm.h"

/**
 * spdm_buf_add() - append to a transcript
 * @b: buffer
 * @p: data
 * @n: its size
 *
 * Return: 0, -ENOSPC past %SPDM_BUF_MAX, -ENOMEM.
 */
int spdm_buf_add(struct spdm_buf *b, const void *p, size_t n)
{
	if (n > SPDM_BUF_MAX - b->len)
		return -ENOSPC;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/**
 * spdm_buf_reset() - empty a transcript and release its memory
 * @b: buffer
 */
void spdm_buf_reset(struct spdm_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

/**
 * spdm_sign() - sign a transcript hash the SPDM 1.2 way
 * @key: private key
 * @context: signing context
 * @th: hash of the transcript
 * @sig: signature r || s
 *
 * Return: 0 or a negative errno.
 */
int spdm_sign(EVP_PKEY *key, const char *context, const uint8_t th[SPDM_H],
	      uint8_t sig[SPDM_S])
{
	uint8_t m[SPDM_SIGN_PREFIX + SPDM_H];

	tsm_ev_sign_prefix(SPDM_VER_12, context, m);
	memcpy(m + SPDM_SIGN_PREFIX, th, SPDM_H);
	return crypto_ecdsa_sign(key, m, sizeof(m), sig);
}

/**
 * spdm_bin_concat() - BinConcat(Length, Label, Context) of SPDM 1.2
 * @out: result
 * @cap: its size
 * @length: length of the derived secret
 * @label: label without the version prefix
 * @context: context (a transcript hash) or NULL
 * @clen: its size
 *
 * Return: the size of the result, 0 if it does not fit.
 */
size_t spdm_bin_concat(uint8_t *out, size_t cap, uint16_t length, const char *label,
		       const uint8_t *context, size_t clen)
{
	static const char ver[] = "spdm1.2 ";
	size_t llen = strlen(label), n = 2 + 8 + llen + clen;

	if (n > cap)
		return 0;
	put16(out, length);
	memcpy(out + 2, ver, 8);
	memcpy(out + 10, label, llen);
	if (clen)
		memcpy(out + 10 + llen, context, clen);
	return n;
}

static int expand(const uint8_t *secret, const char *label, const uint8_t *ctx, size_t clen,
		  uint8_t *out, size_t olen)
{
	uint8_t info[64 + SPDM_H];
	size_t n = spdm_bin_concat(info, sizeof(info), (uint16_t)olen, label, ctx, clen);

	if (!n)
		return -EINVAL;
	return crypto_hkdf_expand(secret, SPDM_H, info, n, out, olen);
}

/**
 * spdm_ks_aead() - AEAD key and IV of a traffic secret, sequence number 0
 * @secret: handshake or data secret
 * @a: result
 *
 * Return: 0 or a negative errno.
 */
int spdm_ks_aead(const uint8_t secret[SPDM_H], struct spdm_aead *a)
{
	a->seq = 0;
	return expand(secret, "key", NULL, 0, a->key, SPDM_AEAD_KEY) ?:
	       expand(secret, "iv", NULL, 0, a->iv, SPDM_AEAD_IV);
}

/**
 * spdm_ks_handshake() - handshake phase of the key schedule
 * @k: session keys; the current keys become the handshake keys
 * @dhe: ECDHE shared secret
 * @th1: TH1 transcript hash
 *
 * Return: 0 or a negative errno.
 */
int spdm_ks_handshake(struct spdm_keys *k, const uint8_t dhe[SPDM_H],
		      const uint8_t th1[SPDM_H])
{
	uint8_t zero[SPDM_H] = { 0 };

	return crypto_hkdf_extract(zero, SPDM_H, dhe, SPDM_H, k->hs_secret) ?:
	       expand(k->hs_secret, "req hs data", th1, SPDM_H, k->req_hs, SPDM_H) ?:
	       expand(k->hs_secret, "rsp hs data", th1, SPDM_H, k->rsp_hs, SPDM_H) ?:
	       expand(k->req_hs, "finished", NULL, 0, k->req_fin, SPDM_H) ?:
	       expand(k->rsp_hs, "finished", NULL, 0, k->rsp_fin, SPDM_H) ?:
	       spdm_ks_aead(k->req_hs, &k->req) ?:
	       spdm_ks_aead(k->rsp_hs, &k->rsp);
}

/**
 * spdm_ks_data() - data phase of the key schedule
 * @k: session keys after spdm_ks_handshake(); the current keys become the
 *	data keys
 * @th2: TH2 transcript hash
 *
 * Return: 0 or a negative errno.
 */
int spdm_ks_data(struct spdm_keys *k, const uint8_t th2[SPDM_H])
{
	uint8_t zero[SPDM_H] = { 0 }, salt[SPDM_H];
	int rc;

	rc = expand(k->hs_secret, "derived", NULL, 0, salt, SPDM_H) ?:
	     crypto_hkdf_extract(salt, SPDM_H, zero, SPDM_H, k->master) ?:
	     expand(k->master, "req app data", th2, SPDM_H, k->req_data, SPDM_H) ?:
	     expand(k->master, "rsp app data", th2, SPDM_H, k->rsp_data, SPDM_H) ?:
	     expand(k->master, "exp master", th2, SPDM_H, k->export_ms, SPDM_H) ?:
	     spdm_ks_aead(k->req_data, &k->req) ?:
	     spdm_ks_aead(k->rsp_data, &k->rsp);
	crypto_cleanse(salt, sizeof(salt));
	return rc;
}

/**
 * spdm_ks_update() - KEY_UPDATE of one direction
 * @k: session keys in the data phase
 * @req_dir: the requester-to-responder direction, else the other one
 *
 * Return: 0 or a negative errno.
 */
int spdm_ks_update(struct spdm_keys *k, bool req_dir)
{
	uint8_t *secret = req_dir ? k->req_data : k->rsp_data;
	uint8_t next[SPDM_H];
	int rc;

	rc = expand(secret, "traffic upd", NULL, 0, next, SPDM_H);
	if (!rc) {
		memcpy(secret, next, SPDM_H);
		rc = spdm_ks_aead(secret, req_dir ? &k->req : &k->rsp);
	}
	crypto_cleanse(next, sizeof(next));
	return rc;
}

static int seq_iv(struct spdm_aead *a, uint8_t iv[SPDM_AEAD_IV])
{
	int i;

	if (a->seq == UINT64_MAX)
		return -EOVERFLOW;
	memcpy(iv, a->iv, SPDM_AEAD_IV);
	for (i = 0; i < 8; i++)
		iv[i] ^= (uint8_t)(a->seq >> (8 * i));
	return 0;
}

/**
 * spdm_sm_seal() - build a secured message (DOE binding, FACTS 3.18)
 * @sid: session ID
 * @a: keys of the sending direction; its sequence number advances
 * @enc: encrypt (else MAC only)
 * @msg: SPDM message
 * @len: its size
 * @out: secured message
 * @cap: size of @out
 *
 * Return: size of the secured message or a negative errno.
 */
int spdm_sm_seal(uint32_t sid, struct spdm_aead *a, bool enc, const uint8_t *msg,
		 size_t len, uint8_t *out, size_t cap)
{
	size_t body = (enc ? 2 : 0) + len, total = SPDM_SM_HDR + body + SPDM_AEAD_TAG;
	uint8_t iv[SPDM_AEAD_IV];
	int rc;

	if (total > cap)
		return -ENOSPC;
	if (body + SPDM_AEAD_TAG > 0xffff)
		return -EINVAL;
	rc = seq_iv(a, iv);
	if (rc)
		return rc;
	put32(out, sid);
	put16(out + 4, (uint16_t)(body + SPDM_AEAD_TAG));
	if (enc) {
		put16(out + SPDM_SM_HDR, (uint16_t)len);
		memmove(out + SPDM_SM_HDR + 2, msg, len);
		rc = crypto_aead_seal(a->key, iv, out, SPDM_SM_HDR, out + SPDM_SM_HDR, body,
				      out + SPDM_SM_HDR, out + SPDM_SM_HDR + body);
	} else {
		memmove(out + SPDM_SM_HDR, msg, len);
		rc = crypto_aead_seal(a->key, iv, out, SPDM_SM_HDR + len, NULL, 0, NULL,
				      out + SPDM_SM_HDR + len);
	}
	if (rc)
		return rc;
	a->seq++;
	return (int)total;
}

/**
 * spdm_sm_open() - authenticate and decrypt a secured message
 * @a: keys of the receiving direction; its sequence number advances on
 *	success only
 * @enc: encrypted session (else MAC only)
 * @in: secured message (the session ID is the caller's business)
 * @len: its size, possibly with padding after the message
 * @msg: the SPDM message
 * @cap: size of @msg
 *
 * Return: size of the SPDM message, -EBADMSG if it does not authenticate,
 * -EINVAL if malformed, -ENOSPC.
 */
int spdm_sm_open(struct spdm_aead *a, bool enc, const uint8_t *in, size_t len,
		 uint8_t *msg, size_t cap)
{
	uint8_t iv[SPDM_AEAD_IV];
	size_t slen, body, app;
	int rc;

	if (len < SPDM_SM_HDR)
		return -EINVAL;
	slen = get16(in + 4);
	if (slen > len - SPDM_SM_HDR || slen < (enc ? 2u : 0u) + SPDM_AEAD_TAG)
		return -EINVAL;
	body = slen - SPDM_AEAD_TAG;
	if (body > cap)
		return -ENOSPC;
	rc = seq_iv(a, iv);
	if (rc)
		return rc;
	if (enc) {
		rc = crypto_aead_open(a->key, iv, in, SPDM_SM_HDR, in + SPDM_SM_HDR, body,
				      in + SPDM_SM_HDR + body, msg);
		if (rc)
			return rc;
		app = get16(msg);
		if (app > body - 2) {
			crypto_cleanse(msg, body);
			return -EINVAL;
		}
		memmove(msg, msg + 2, app);
	} else {
		rc = crypto_aead_open(a->key, iv, in, SPDM_SM_HDR + body, NULL, 0,
				      in + SPDM_SM_HDR + body, NULL);
		if (rc)
			return rc;
		memcpy(msg, in + SPDM_SM_HDR, body);
		app = body;
	}
	a->seq++;
	return (int)app;
}

/* Opaque data header size of a format */
static size_t opaque_hdr(uint8_t fmt)
{
	return fmt == SPDM_OPAQUE_FMT0 ? 8 : 4;
}

static int opaque_build(uint8_t fmt, uint8_t sm_id, const uint8_t *data, size_t dlen,
			uint8_t *out, size_t cap)
{
	size_t h = opaque_hdr(fmt), elen = 2 + dlen, total = h + 4 + ((elen + 3) & ~3u);

	if (fmt != SPDM_OPAQUE_FMT0 && fmt != SPDM_OPAQUE_FMT1)
		return -EINVAL;
	if (total > cap)
		return -ENOSPC;
	memset(out, 0, total);
	if (fmt == SPDM_OPAQUE_FMT0) {
		put32(out, 0x444d5446);	/* "DMTF" */
		out[4] = 1;		/* OpaqueVersion */
		out[5] = 1;		/* TotalElements */
	} else {
		out[0] = 1;		/* TotalElements */
	}
	out[h] = 0;			/* ID: DMTF */
	out[h + 1] = 0;			/* VendorLen */
	put16(out + h + 2, (uint16_t)elen);
	out[h + 4] = 1;			/* SMDataVersion */
	out[h + 5] = sm_id;
	memcpy(out + h + 6, data, dlen);
	return (int)total;
}

/**
 * spdm_opaque_versions() - requester's supported secured-message versions
 * @fmt: %SPDM_OPAQUE_FMT0 or %SPDM_OPAQUE_FMT1
 * @vers: versions (e.g. %SPDM_SM_VER_11)
 * @n: their number (at most 8)
 * @out: opaque data
 * @cap: its size
 *
 * Return: size of the opaque data or a negative errno.
 */
int spdm_opaque_versions(uint8_t fmt, const uint16_t *vers, unsigned int n, uint8_t *out,
			 size_t cap)
{
	uint8_t d[1 + 2 * 8];
	unsigned int i;

	if (n > 8)
		return -EINVAL;
	d[0] = n;
	for (i = 0; i < n; i++)
		put16(d + 1 + 2 * i, vers[i]);
	return opaque_build(fmt, 1, d, 1 + 2 * n, out, cap);
}

/**
 * spdm_opaque_select() - responder's secured-message version selection
 * @fmt: %SPDM_OPAQUE_FMT0 or %SPDM_OPAQUE_FMT1
 * @ver: selected version
 * @out: opaque data
 * @cap: its size
 *
 * Return: size of the opaque data or a negative errno.
 */
int spdm_opaque_select(uint8_t fmt, uint16_t ver, uint8_t *out, size_t cap)
{
	uint8_t d[2];

	put16(d, ver);
	return opaque_build(fmt, 0, d, 2, out, cap);
}

/**
 * spdm_opaque_find() - find a DMTF secured-message element in opaque data
 * @fmt: %SPDM_OPAQUE_FMT0 or %SPDM_OPAQUE_FMT1
 * @p: opaque data
 * @len: its size
 * @sm_id: SMDataID looked for
 * @data: its data after SMDataVersion and SMDataID
 * @dlen: size of that
 *
 * Return: 0, -ENOENT if absent, -EINVAL if malformed.
 */
int spdm_opaque_find(uint8_t fmt, const uint8_t *p, size_t len, uint8_t sm_id,
		     const uint8_t **data, size_t *dlen)
{
	size_t h = opaque_hdr(fmt), off;
	unsigned int n, i;

	if (fmt != SPDM_OPAQUE_FMT0 && fmt != SPDM_OPAQUE_FMT1)
		return -EINVAL;
	if (len < h)
		return -EINVAL;
	if (fmt == SPDM_OPAQUE_FMT0) {
		if (get32(p) != 0x444d5446 || p[4] != 1)
			return -EINVAL;
		n = p[5];
	} else {
		n = p[0];
	}
	off = h;
	for (i = 0; i < n; i++) {
		size_t vlen, elen, start;

		if (len - off < 2)
			return -EINVAL;
		vlen = p[off + 1];
		if (len - off < 2 + vlen + 2)
			return -EINVAL;
		elen = get16(p + off + 2 + vlen);
		start = off + 4 + vlen;
		if (len - start < elen)
			return -EINVAL;
		if (p[off] == 0 && vlen == 0 && elen >= 2 && p[start] == 1 &&
		    p[start + 1] == sm_id) {
			*data = p + start + 2;
			*dlen = elen - 2;
			return 0;
		}
		/* Next element after 4-byte alignment padding */
		off = start + elen;
		off = (off + 3) & ~(size_t)3;
		if (off > len)
			return -EINVAL;
	}
	return -ENOENT;
}
