// SPDX-License-Identifier: GPL-2.0
/*
 * SPDM responder driven by hand-built requests: every message, every
 * error reply, and robustness against truncated and garbled input.  The
 * session tests play the requester by hand (spdm-common.c helpers only),
 * so they also check the key schedule against the responder's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "harness.h"
#include "spdm-test.h"

static int fn_info(void *priv, uint32_t segment, uint16_t rid, struct model_fn *fn)
{
	memset(fn, 0, sizeof(*fn));
	fn->segment = segment;
	fn->rid = rid;
	fn->bar_size[0] = 0x10000;
	put16(fn->config, 0x7e57);
	put16(fn->config + 2, 0x0010);
	return 0;
}

static void ide_key(void *priv, uint32_t segment, uint16_t rid, uint8_t stream_id,
		    uint8_t key_set, uint8_t dir, bool go, uint32_t tag)
{
}

static void tdi_state(void *priv, uint32_t segment, uint16_t rid, enum tdi_state state)
{
}

const struct model_dev_ops test_dev_ops = { fn_info, ide_key, tdi_state, NULL };

#define REQ_FLAGS	(SPDM_CAP_ENCRYPT | SPDM_CAP_MAC | SPDM_CAP_KEY_EX | \
			 SPDM_CAP_HBEAT | SPDM_CAP_KEY_UPD)

struct rig {
	struct model_identity *id;
	struct pcisig_dev *dev;
	struct spdm_rsp *r;
	enum model_fault fault;
	struct spdm_buf a;	/* VCA as sent and received */
	uint8_t out[MODEL_DOE_MAX];
	/* The hand-made session */
	uint32_t sid;
	bool enc;
	struct spdm_keys k;
	struct spdm_buf kt;
	uint8_t msg[MODEL_DOE_MAX];
};

static struct rig *rig_new(void)
{
	struct rig *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->id = test_identity();
	g->dev = pcisig_dev_new(0, 0x0100, &test_dev_ops);
	g->r = g->id ? spdm_rsp_new(g->id, g->dev) : NULL;
	if (!g->r) {
		model_identity_free(g->id);
		pcisig_dev_free(g->dev);
		free(g);
		return NULL;
	}
	return g;
}

static void rig_free(struct rig *g)
{
	if (!g)
		return;
	spdm_rsp_free(g->r);
	pcisig_dev_free(g->dev);
	model_identity_free(g->id);
	spdm_buf_reset(&g->a);
	spdm_buf_reset(&g->kt);
	free(g);
}

static int xchg(struct rig *g, const void *req, size_t len)
{
	return spdm_rsp_handle(g->r, DOE_TYPE_CMA, req, len, g->out, sizeof(g->out), &g->fault);
}

static bool is_error(struct rig *g, int n, uint8_t code)
{
	return n == 4 && g->out[1] == SPDM_ERROR && g->out[2] == code;
}

static size_t caps_req(uint8_t *m, uint32_t flags)
{
	memset(m, 0, 20);
	m[0] = SPDM_VER_12;
	m[1] = SPDM_GET_CAPABILITIES;
	put32(m + 8, flags);
	put32(m + 12, 4096);
	put32(m + 16, 4096);
	return 20;
}

/* NEGOTIATE_ALGORITHMS offering @asym/@hash and the four tables */
static size_t algs_req(uint8_t *m, uint32_t asym, uint32_t hash, uint16_t dhe, uint16_t aead)
{
	static const uint8_t types[4] = { 2, 3, 4, 5 };
	uint16_t bits[4] = { dhe, aead, SPDM_ASYM_ECDSA_P384 | 0x10, SPDM_KS_SPDM };
	int i;

	memset(m, 0, 48);
	m[0] = SPDM_VER_12;
	m[1] = SPDM_NEGOTIATE_ALGS;
	m[2] = 4;
	put16(m + 4, 48);
	m[6] = SPDM_MEAS_SPEC_DMTF;
	m[7] = SPDM_OPAQUE_FMT1 | SPDM_OPAQUE_FMT0;
	put32(m + 8, asym);
	put32(m + 12, hash);
	for (i = 0; i < 4; i++) {
		m[32 + 4 * i] = types[i];
		m[33 + 4 * i] = 0x20;
		put16(m + 34 + 4 * i, bits[i]);
	}
	return 48;
}

static int rig_version(struct rig *g)
{
	static const uint8_t gv[4] = { SPDM_VER_10, SPDM_GET_VERSION };
	int n = xchg(g, gv, 4);

	spdm_buf_reset(&g->a);
	if (n != 8)
		return -1;
	spdm_buf_add(&g->a, gv, 4);
	spdm_buf_add(&g->a, g->out, n);
	return 0;
}

static int rig_caps(struct rig *g, uint32_t flags)
{
	uint8_t m[20];
	size_t len = caps_req(m, flags);
	int n = xchg(g, m, len);

	if (n != 20 || g->out[1] != SPDM_CAPABILITIES)
		return -1;
	spdm_buf_add(&g->a, m, len);
	spdm_buf_add(&g->a, g->out, n);
	return 0;
}

static int rig_vca_flags(struct rig *g, uint32_t flags)
{
	uint8_t m[48];
	size_t len;
	int n;

	if (rig_version(g) || rig_caps(g, flags))
		return -1;
	len = algs_req(m, SPDM_ASYM_ECDSA_P384 | 0x10, SPDM_HASH_SHA384 | 1,
		       SPDM_DHE_SECP384R1 | 0x08, SPDM_AEAD_AES256GCM | 1);
	n = xchg(g, m, len);
	if (n != 52 || g->out[1] != SPDM_ALGORITHMS)
		return -1;
	spdm_buf_add(&g->a, m, len);
	spdm_buf_add(&g->a, g->out, n);
	return 0;
}

static int rig_vca(struct rig *g)
{
	return rig_vca_flags(g, REQ_FLAGS);
}

static EVP_PKEY *leaf_key(struct rig *g)
{
	EVP_PKEY_up_ref(g->id->key);
	return g->id->key;
}

/* Hash of A || Ct || K || extra */
static void th_of(struct rig *g, const uint8_t *extra, size_t elen, uint8_t th[SPDM_H])
{
	struct crypto_vec v[4] = {
		{ g->a.p, g->a.len }, { g->id->chain_hash, SPDM_H },
		{ g->kt.p, g->kt.len }, { extra, elen },
	};

	crypto_sha384_vec(v, 4, th);
}

static size_t kex_req(struct rig *g, uint8_t *m, const uint8_t pub[SPDM_D])
{
	static const uint16_t vers[] = { SPDM_SM_VER_10, SPDM_SM_VER_11 };
	int n;

	memset(m, 0, 40);
	m[0] = SPDM_VER_12;
	m[1] = SPDM_KEY_EXCHANGE;
	put16(m + 4, 0x1234);
	memset(m + 8, 0x33, 32);
	memcpy(m + 40, pub, SPDM_D);
	n = spdm_opaque_versions(SPDM_OPAQUE_FMT1, vers, 2, m + 40 + SPDM_D + 2, 64);
	put16(m + 40 + SPDM_D, n);
	return 40 + SPDM_D + 2 + n;
}

/* KEY_EXCHANGE by hand; checks the whole response.  Returns 0. */
static int rig_kex(struct rig *g)
{
	uint8_t m[256], pub[SPDM_D], dhe[SPDM_H], th[SPDM_H], mac[SPDM_H];
	EVP_PKEY *eph = crypto_ecdh_new(pub), *leaf = leaf_key(g);
	const uint8_t *d, *o = g->out;
	size_t len = kex_req(g, m, pub), olen, dlen, need;
	int n, rc = -1;

	spdm_buf_reset(&g->kt);
	memset(&g->k, 0, sizeof(g->k));
	n = xchg(g, m, len);
	if (n < 40 + SPDM_D + 2 || o[1] != SPDM_KEY_EXCHANGE_RSP)
		goto out;
	olen = get16(o + 40 + SPDM_D);
	need = 40 + SPDM_D + 2 + olen + SPDM_S + SPDM_H;
	if ((size_t)n != need || o[6] != 0)
		goto out;
	if (spdm_opaque_find(SPDM_OPAQUE_FMT1, o + 40 + SPDM_D + 2, olen, 0, &d, &dlen) ||
	    dlen != 2 || get16(d) != SPDM_SM_VER_11)
		goto out;
	g->sid = (uint32_t)get16(o + 4) << 16 | 0x1234;
	spdm_buf_add(&g->kt, m, len);
	spdm_buf_add(&g->kt, o, need - SPDM_S - SPDM_H);
	th_of(g, NULL, 0, th);
	if (spdm_verify(leaf, SPDM_CTX_KEY_EX, th, o + need - SPDM_S - SPDM_H))
		goto out;
	spdm_buf_add(&g->kt, o + need - SPDM_S - SPDM_H, SPDM_S);
	if (crypto_ecdh_derive(eph, o + 40, dhe))
		goto out;
	th_of(g, NULL, 0, th);
	spdm_ks_handshake(&g->k, dhe, th);
	crypto_hmac_sha384(g->k.rsp_fin, SPDM_H, th, SPDM_H, mac);
	if (memcmp(mac, o + need - SPDM_H, SPDM_H))
		goto out;
	spdm_buf_add(&g->kt, o + need - SPDM_H, SPDM_H);
	rc = 0;
out:
	EVP_PKEY_free(eph);
	EVP_PKEY_free(leaf);
	return rc;
}

/* Secured exchange; the answer is in g->msg.  Negative: dropped. */
static int sx(struct rig *g, const uint8_t *req, size_t len)
{
	uint8_t sm[MODEL_DOE_MAX];
	int n = spdm_sm_seal(g->sid, &g->k.req, g->enc, req, len, sm, sizeof(sm));

	if (n < 0)
		return n;
	n = spdm_rsp_handle(g->r, DOE_TYPE_SSESSION, sm, n, g->out, sizeof(g->out), &g->fault);
	if (n < 0)
		return n;
	if (n < 6 || get32(g->out) != g->sid)
		return -EPROTO;
	return spdm_sm_open(&g->k.rsp, g->enc, g->out, n, g->msg, sizeof(g->msg));
}

static bool sx_error(struct rig *g, int n, uint8_t code)
{
	return n == 4 && g->msg[1] == SPDM_ERROR && g->msg[2] == code;
}

/*
 * KEY_UPDATE by hand: the request goes under the current requester key;
 * then the hand-made requester moves to its next key and, for
 * UpdateAllKeys (@all), to the responder's next key too, under which the
 * ACK is expected (DSP0274 1.1.1 10.21.1).
 */
static int sx_ku(struct rig *g, const uint8_t *req, size_t len, bool all)
{
	uint8_t sm[MODEL_DOE_MAX];
	int n = spdm_sm_seal(g->sid, &g->k.req, g->enc, req, len, sm, sizeof(sm));

	if (n < 0)
		return n;
	n = spdm_rsp_handle(g->r, DOE_TYPE_SSESSION, sm, n, g->out, sizeof(g->out), &g->fault);
	if (n < 0)
		return n;
	if (n < 6 || get32(g->out) != g->sid)
		return -EPROTO;
	spdm_ks_update(&g->k, true);
	if (all)
		spdm_ks_update(&g->k, false);
	return spdm_sm_open(&g->k.rsp, g->enc, g->out, n, g->msg, sizeof(g->msg));
}

static int rig_finish(struct rig *g, bool corrupt)
{
	uint8_t m[4 + SPDM_H] = { SPDM_VER_12, SPDM_FINISH }, th[SPDM_H];
	int n;

	th_of(g, m, 4, th);
	crypto_hmac_sha384(g->k.req_fin, SPDM_H, th, SPDM_H, m + 4);
	if (corrupt)
		m[10] ^= 1;
	n = sx(g, m, sizeof(m));
	if (n != 4 || g->msg[1] != SPDM_FINISH_RSP)
		return -1;
	spdm_buf_add(&g->kt, m, sizeof(m));
	spdm_buf_add(&g->kt, g->msg, 4);
	th_of(g, NULL, 0, th);
	return spdm_ks_data(&g->k, th);
}

static struct rig *rig_session(void)
{
	struct rig *g = rig_new();

	if (!g)
		return NULL;
	g->enc = true;
	if (rig_vca(g) || rig_kex(g) || rig_finish(g, false)) {
		model_test_fail(__FILE__, __LINE__, "session setup");
		rig_free(g);
		return NULL;
	}
	return g;
}

/* ------------------------------------------------------------------ */

TEST(spdm_rsp_version)
{
	struct rig *g = rig_new();
	uint8_t m[4] = { SPDM_VER_10, SPDM_GET_VERSION };
	int n;

	ASSERT(g);
	n = xchg(g, m, 4);
	EXPECT_EQ(n, 8);
	EXPECT_EQ(g->out[0], SPDM_VER_10);
	EXPECT_EQ(g->out[1], SPDM_VERSION);
	EXPECT_EQ(g->out[5], 1);
	EXPECT_EQ(get16(g->out + 6), 0x1200);
	/* DOE padding is fine */
	EXPECT_EQ(xchg(g, m, 4 + 3), 8);
	m[0] = SPDM_VER_12;
	n = xchg(g, m, 4);
	EXPECT(is_error(g, n, SPDM_ERR_VERSION_MISMATCH));
	EXPECT_EQ(g->out[0], SPDM_VER_10);
	m[0] = SPDM_VER_10;
	EXPECT(is_error(g, xchg(g, m, 3), SPDM_ERR_INVALID_REQUEST));
	EXPECT(is_error(g, xchg(g, m, 0), SPDM_ERR_INVALID_REQUEST));
	/* Response buffer too small */
	EXPECT_EQ(spdm_rsp_handle(g->r, DOE_TYPE_CMA, m, 4, g->out, 7, NULL), -ENOSPC);
	EXPECT_EQ(spdm_rsp_handle(g->r, 5, m, 4, g->out, sizeof(g->out), NULL), -EINVAL);
	rig_free(g);
}

TEST(spdm_rsp_order)
{
	struct rig *g = rig_new();
	uint8_t m[64];
	static const uint8_t codes[] = {
		SPDM_GET_DIGESTS, SPDM_GET_CERTIFICATE, SPDM_CHALLENGE, SPDM_GET_MEASUREMENTS,
		SPDM_KEY_EXCHANGE, SPDM_FINISH, SPDM_HEARTBEAT, SPDM_VENDOR_DEFINED_REQ,
	};
	unsigned int i;

	ASSERT(g);
	/* Nothing before GET_VERSION */
	caps_req(m, REQ_FLAGS);
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_UNEXPECTED_REQUEST));
	EXPECT_EQ(g->out[0], SPDM_VER_10);
	ASSERT(rig_version(g) == 0);
	/* NEGOTIATE_ALGORITHMS before GET_CAPABILITIES */
	algs_req(m, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1,
		 SPDM_AEAD_AES256GCM);
	EXPECT(is_error(g, xchg(g, m, 48), SPDM_ERR_UNEXPECTED_REQUEST));
	/* Everything else before NEGOTIATE_ALGORITHMS */
	for (i = 0; i < sizeof(codes); i++) {
		memset(m, 0, sizeof(m));
		m[0] = SPDM_VER_12;
		m[1] = codes[i];
		EXPECT(is_error(g, xchg(g, m, sizeof(m)), SPDM_ERR_UNEXPECTED_REQUEST));
	}
	ASSERT(rig_caps(g, REQ_FLAGS) == 0);
	memset(m, 0, sizeof(m));
	m[0] = SPDM_VER_12;
	m[1] = SPDM_KEY_EXCHANGE;
	EXPECT(is_error(g, xchg(g, m, sizeof(m)), SPDM_ERR_UNEXPECTED_REQUEST));
	/* GET_CAPABILITIES twice */
	caps_req(m, REQ_FLAGS);
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_UNEXPECTED_REQUEST));
	ASSERT(rig_vca(g) == 0);
	/* VCA again without GET_VERSION */
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_UNEXPECTED_REQUEST));
	algs_req(m, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1,
		 SPDM_AEAD_AES256GCM);
	EXPECT(is_error(g, xchg(g, m, 48), SPDM_ERR_UNEXPECTED_REQUEST));
	/* Wrong version after negotiation */
	m[0] = SPDM_VER_11;
	m[1] = SPDM_GET_DIGESTS;
	EXPECT(is_error(g, xchg(g, m, 4), SPDM_ERR_VERSION_MISMATCH));
	EXPECT_EQ(g->out[0], SPDM_VER_12);
	rig_free(g);
}

TEST(spdm_rsp_capabilities)
{
	struct rig *g = rig_new();
	uint8_t m[20];
	uint32_t f;
	int n;

	ASSERT(g);
	ASSERT(rig_version(g) == 0);
	caps_req(m, REQ_FLAGS);
	m[0] = SPDM_VER_11;
	/* No version negotiated yet: the ERROR carries 1.0 */
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_VERSION_MISMATCH));
	EXPECT_EQ(g->out[0], SPDM_VER_10);
	m[0] = 0x13;
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_VERSION_MISMATCH));
	EXPECT_EQ(g->out[0], SPDM_VER_10);
	m[0] = SPDM_VER_12;
	EXPECT(is_error(g, xchg(g, m, 19), SPDM_ERR_INVALID_REQUEST));
	EXPECT(is_error(g, xchg(g, m, 12), SPDM_ERR_INVALID_REQUEST));
	put32(m + 12, 41);
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_INVALID_REQUEST));
	put32(m + 12, 4096);
	put32(m + 16, 1024);
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_INVALID_REQUEST));
	caps_req(m, SPDM_CAP_KEY_EX);	/* key exchange without protection */
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_INVALID_REQUEST));
	/* DataTransferSize below MaxSPDMmsgSize needs CHUNK_CAP */
	caps_req(m, REQ_FLAGS);
	put32(m + 16, 8192);
	EXPECT(is_error(g, xchg(g, m, 20), SPDM_ERR_INVALID_REQUEST));
	EXPECT_EQ(g->out[0], SPDM_VER_12);
	caps_req(m, REQ_FLAGS);
	n = xchg(g, m, 20);
	ASSERT(n == 20);
	EXPECT_EQ(g->out[0], SPDM_VER_12);
	EXPECT_EQ(g->out[1], SPDM_CAPABILITIES);
	f = get32(g->out + 8);
	EXPECT(f & SPDM_CAP_CERT);
	EXPECT(f & SPDM_CAP_CHAL);
	EXPECT_EQ(f & SPDM_CAP_MEAS_MASK, SPDM_CAP_MEAS_SIG);
	EXPECT(f & SPDM_CAP_ENCRYPT);
	EXPECT(f & SPDM_CAP_MAC);
	EXPECT(f & SPDM_CAP_KEY_EX);
	EXPECT(f & SPDM_CAP_HBEAT);
	EXPECT(f & SPDM_CAP_KEY_UPD);
	EXPECT(!(f & (SPDM_CAP_PSK_MASK | SPDM_CAP_HS_CLEAR | SPDM_CAP_PUB_KEY_ID |
		      SPDM_CAP_CHUNK)));
	/* A 4 KiB DOE object: 8 header bytes, 24 secured message bytes */
	EXPECT_EQ(get32(g->out + 12), 4096 - 8 - 24);
	EXPECT_EQ(get32(g->out + 16), 4096 - 8 - 24);
	rig_free(g);
}

static int algs_after_caps(struct rig *g, const uint8_t *m, size_t len, uint32_t flags)
{
	if (rig_version(g) || rig_caps(g, flags))
		return -1000;
	return xchg(g, m, len);
}

TEST(spdm_rsp_algorithms)
{
	struct rig *g = rig_new();
	uint8_t m[160];
	int n;

	ASSERT(g);
	algs_req(m, SPDM_ASYM_ECDSA_P384 | 0x10, SPDM_HASH_SHA384 | 1, SPDM_DHE_SECP384R1 | 0x08,
		 SPDM_AEAD_AES256GCM | 1);
	n = algs_after_caps(g, m, 48, REQ_FLAGS);
	ASSERT(n == 52);
	EXPECT_EQ(g->out[1], SPDM_ALGORITHMS);
	EXPECT_EQ(g->out[2], 4);
	EXPECT_EQ(get16(g->out + 4), 52);
	EXPECT_EQ(g->out[6], SPDM_MEAS_SPEC_DMTF);
	EXPECT_EQ(g->out[7], SPDM_OPAQUE_FMT1);
	EXPECT_EQ(get32(g->out + 8), SPDM_MEAS_HASH_SHA384);
	EXPECT_EQ(get32(g->out + 12), SPDM_ASYM_ECDSA_P384);
	EXPECT_EQ(get32(g->out + 16), SPDM_HASH_SHA384);
	EXPECT_EQ(g->out[36], 2);
	EXPECT_EQ(g->out[37], 0x20);
	EXPECT_EQ(get16(g->out + 38), SPDM_DHE_SECP384R1);
	EXPECT_EQ(get16(g->out + 42), SPDM_AEAD_AES256GCM);
	/* ReqBaseAsymAlg: no mutual authentication, nothing selected */
	EXPECT_EQ(g->out[44], SPDM_ALG_TYPE_REQ_ASYM);
	EXPECT_EQ(get16(g->out + 46), 0);
	EXPECT_EQ(get16(g->out + 50), SPDM_KS_SPDM);
	/* ... even when the requester has MUT_AUTH_CAP: we do not */
	n = algs_after_caps(g, m, 48, REQ_FLAGS | SPDM_CAP_MUT_AUTH);
	ASSERT(n == 52);
	EXPECT_EQ(get16(g->out + 46), 0);

	/* Nothing the responder can do: an ERROR, never a silent choice */
	algs_req(m, 0x10, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1, SPDM_AEAD_AES256GCM);
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	algs_req(m, SPDM_ASYM_ECDSA_P384, 0x01, SPDM_DHE_SECP384R1, SPDM_AEAD_AES256GCM);
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	algs_req(m, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, 0x08, SPDM_AEAD_AES256GCM);
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	algs_req(m, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1, 0x04);
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	/* ... unless the requester does not want sessions */
	n = algs_after_caps(g, m, 48, 0);
	ASSERT(n == 52);
	EXPECT_EQ(get16(g->out + 42), 0);

	/* Framing errors */
	algs_req(m, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1,
		 SPDM_AEAD_AES256GCM);
	put16(m + 4, 52);	/* Length past the message */
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	put16(m + 4, 44);	/* Length short of the tables */
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	put16(m + 4, 48);
	m[36] = 2;		/* tables out of order */
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	m[36] = 3;
	m[33] = 0x30;		/* fixed algorithm count must be 2 */
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	m[33] = 0x21;		/* one extended algorithm not present */
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	m[33] = 0x20;
	m[2] = 5;		/* more tables than there are */
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	m[2] = 4;
	m[28] = 1;		/* ExtAsymCount without the entry */
	EXPECT(is_error(g, algs_after_caps(g, m, 48, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));

	/* Extended algorithms are skipped properly */
	memmove(m + 36, m + 32, 16);
	put32(m + 32, 0x00010001);
	put16(m + 4, 52);
	n = algs_after_caps(g, m, 52, REQ_FLAGS);
	EXPECT_EQ(n, 52);
	EXPECT_EQ(g->out[1], SPDM_ALGORITHMS);

	/* Larger than 0x80 */
	memset(m, 0, sizeof(m));
	algs_req(m, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1,
		 SPDM_AEAD_AES256GCM);
	put16(m + 4, 0x84);
	EXPECT(is_error(g, algs_after_caps(g, m, 0x84, REQ_FLAGS), SPDM_ERR_INVALID_REQUEST));
	rig_free(g);
}

/* The MeasurementHashAlgo is the responder's choice; blocks follow it */
TEST(spdm_rsp_meas_hash_choice)
{
	static const uint32_t algos[] = {
		SPDM_MEAS_HASH_SHA256, SPDM_MEAS_HASH_SHA384, SPDM_MEAS_HASH_SHA512,
	};
	uint8_t m[8] = { SPDM_VER_12, SPDM_GET_MEASUREMENTS, 0, 2 };
	unsigned int i;
	int n;

	for (i = 0; i < ARRAY_SIZE(algos); i++) {
		struct rig *g = rig_new();
		size_t mh = spdm_meas_hash_size(algos[i]);

		ASSERT(g);
		ASSERT(spdm_rsp_set_meas_hash(g->r, algos[i]) == 0);
		ASSERT(rig_vca(g) == 0);
		n = xchg(g, m, 4);
		ASSERT(n == (int)(8 + 7 + mh + 32 + 2));
		EXPECT_EQ(get16(g->out + 10), 3 + mh);
		EXPECT_EQ(get16(g->out + 13), mh);
		rig_free(g);
	}
	{
		struct rig *g = rig_new();
		uint8_t a[48];

		ASSERT(g);
		EXPECT_EQ(spdm_rsp_set_meas_hash(g->r, 0x01), -EINVAL);
		EXPECT_EQ(spdm_rsp_set_meas_hash(g->r, 0x06), -EINVAL);
		ASSERT(spdm_rsp_set_meas_hash(g->r, SPDM_MEAS_HASH_SHA512) == 0);
		algs_req(a, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1,
			 SPDM_AEAD_AES256GCM);
		ASSERT(algs_after_caps(g, a, 48, REQ_FLAGS) == 52);
		EXPECT_EQ(get32(g->out + 8), SPDM_MEAS_HASH_SHA512);
		a[6] = 0;	/* no DMTF measurements: no hash either */
		ASSERT(algs_after_caps(g, a, 48, REQ_FLAGS) == 52);
		EXPECT_EQ(g->out[6], 0);
		EXPECT_EQ(get32(g->out + 8), 0);
		rig_free(g);
	}
}

TEST(spdm_rsp_unsupported)
{
	static const uint8_t codes[] = {
		SPDM_CHUNK_SEND, SPDM_CHUNK_GET, SPDM_PSK_EXCHANGE, SPDM_PSK_FINISH,
		SPDM_GET_ENCAP_REQ, SPDM_DELIVER_ENCAP_RSP, SPDM_GET_CSR, SPDM_SET_CERTIFICATE,
		SPDM_RESPOND_IF_READY, 0x80, 0xc0, 0xf0, 0x01, 0x64, 0x7f, 0x00,
	};
	struct rig *g = rig_new();
	uint8_t m[64];
	unsigned int i;

	ASSERT(g);
	ASSERT(rig_vca(g) == 0);
	for (i = 0; i < sizeof(codes); i++) {
		memset(m, 0, sizeof(m));
		m[0] = SPDM_VER_12;
		m[1] = codes[i];
		EXPECT(is_error(g, xchg(g, m, sizeof(m)), SPDM_ERR_UNSUPPORTED_REQUEST));
		EXPECT_EQ(g->out[3], codes[i]);
	}
	rig_free(g);
}

TEST(spdm_rsp_session_only_in_clear)
{
	static const uint8_t codes[] = {
		SPDM_HEARTBEAT, SPDM_KEY_UPDATE, SPDM_END_SESSION, SPDM_VENDOR_DEFINED_REQ,
	};
	struct rig *g = rig_new();
	uint8_t m[32] = { SPDM_VER_12 };
	unsigned int i;

	ASSERT(g);
	ASSERT(rig_vca(g) == 0);
	for (i = 0; i < sizeof(codes); i++) {
		m[1] = codes[i];
		EXPECT(is_error(g, xchg(g, m, sizeof(m)), SPDM_ERR_SESSION_REQUIRED));
	}
	/* A well-formed PCI-SIG VDM is refused too */
	m[1] = SPDM_VENDOR_DEFINED_REQ;
	put16(m + 4, 3);
	m[6] = 2;
	put16(m + 7, 1);
	put16(m + 9, 17);
	m[11] = PCISIG_PROTO_TDISP;
	EXPECT(is_error(g, xchg(g, m, 12 + 16), SPDM_ERR_SESSION_REQUIRED));
	/* FINISH in the clear: handshake in the clear is not supported */
	m[1] = SPDM_FINISH;
	EXPECT(is_error(g, xchg(g, m, sizeof(m)), SPDM_ERR_SESSION_REQUIRED));
	/* A secured message without a session is dropped */
	EXPECT(spdm_rsp_handle(g->r, DOE_TYPE_SSESSION, m, sizeof(m), g->out, sizeof(g->out),
			       NULL) < 0);
	rig_free(g);
}

/* GET_DIGESTS and the whole chain in @chunk-byte portions */
static int get_chain(struct rig *g, uint16_t chunk, uint8_t *chain, size_t *len,
		     struct spdm_buf *b)
{
	uint8_t m[8] = { SPDM_VER_12, SPDM_GET_DIGESTS };
	size_t off = 0, total = 0;
	int n;

	n = xchg(g, m, 4);
	if (n != 4 + 2 * SPDM_H || g->out[1] != SPDM_DIGESTS || g->out[3] != 3)
		return -1;
	if (b) {
		spdm_buf_add(b, m, 4);
		spdm_buf_add(b, g->out, n);
	}
	do {
		m[1] = SPDM_GET_CERTIFICATE;
		put16(m + 4, off);
		put16(m + 6, chunk);
		n = xchg(g, m, 8);
		if (n < 8 || g->out[1] != SPDM_CERTIFICATE)
			return -1;
		if (!off)
			total = get16(g->out + 4) + get16(g->out + 6);
		if ((size_t)n != 8u + get16(g->out + 4) || get16(g->out + 4) > chunk ||
		    off + get16(g->out + 4) + get16(g->out + 6) != total)
			return -1;
		memcpy(chain + off, g->out + 8, get16(g->out + 4));
		off += get16(g->out + 4);
		if (b) {
			spdm_buf_add(b, m, 8);
			spdm_buf_add(b, g->out, n);
		}
	} while (off < total);
	*len = total;
	return 0;
}

TEST(spdm_rsp_certificate)
{
	struct rig *g = rig_new();
	uint8_t m[8] = { SPDM_VER_12, SPDM_GET_CERTIFICATE }, *chain;
	size_t len = 0;
	int n;

	ASSERT(g);
	chain = malloc(SPDM_MAX_CHAIN);
	ASSERT(chain);
	ASSERT(rig_vca(g) == 0);
	EXPECT_EQ(get_chain(g, 100, chain, &len, NULL), 0);
	EXPECT_EQ(len, g->id->chain_len);
	EXPECT_MEM(chain, g->id->chain, len);
	EXPECT_EQ(get_chain(g, 0xffff, chain, &len, NULL), 0);
	EXPECT_MEM(chain, g->id->chain, len);
	/* A large request is clipped to the transfer size */
	put16(m + 6, 0xffff);
	n = xchg(g, m, 8);
	EXPECT(n > 8 && n <= SPDM_DTS);
	EXPECT_MEM(g->out + 8, g->id->chain, 16);
	/* Digest of the chain */
	m[1] = SPDM_GET_DIGESTS;
	EXPECT_EQ(xchg(g, m, 4), 4 + 2 * SPDM_H);
	EXPECT_EQ(g->out[3], 3);	/* slots 0 and 1 */
	EXPECT_MEM(g->out + 4, g->id->chain_hash, SPDM_H);
	EXPECT_MEM(g->out + 4 + SPDM_H, g->id->chain_hash, SPDM_H);
	/* Errors */
	m[1] = SPDM_GET_CERTIFICATE;
	put16(m + 4, g->id->chain_len);
	put16(m + 6, 16);
	EXPECT(is_error(g, xchg(g, m, 8), SPDM_ERR_INVALID_REQUEST));
	put16(m + 4, 0);
	put16(m + 6, 0);
	EXPECT(is_error(g, xchg(g, m, 8), SPDM_ERR_INVALID_REQUEST));
	put16(m + 6, 16);
	m[2] = 2;	/* slot 2: not provisioned */
	EXPECT(is_error(g, xchg(g, m, 8), SPDM_ERR_INVALID_REQUEST));
	m[2] = 0;
	EXPECT(is_error(g, xchg(g, m, 7), SPDM_ERR_INVALID_REQUEST));
	EXPECT_EQ(xchg(g, m, 8), 8 + 16);
	/* The last byte alone */
	put16(m + 4, g->id->chain_len - 1);
	EXPECT_EQ(xchg(g, m, 8), 8 + 1);
	EXPECT_EQ(get16(g->out + 6), 0);
	free(chain);
	rig_free(g);
}

TEST(spdm_rsp_challenge)
{
	struct rig *g = rig_new();
	uint8_t m[40] = { SPDM_VER_12, SPDM_CHALLENGE }, th[SPDM_H], *chain;
	struct spdm_buf b = { 0 }, c = { 0 };
	struct crypto_vec v[3];
	EVP_PKEY *leaf;
	size_t len;
	int n, type;

	ASSERT(g);
	chain = malloc(SPDM_MAX_CHAIN);
	ASSERT(chain);
	leaf = leaf_key(g);
	ASSERT(rig_vca(g) == 0);
	for (type = 0; type < 3; type++) {
		uint8_t t = type == 2 ? 0xff : type;
		size_t hm = t ? SPDM_H : 0;

		spdm_buf_reset(&b);
		spdm_buf_reset(&c);
		/* B: digests and certificate; then C */
		EXPECT_EQ(get_chain(g, 700, chain, &len, &b), 0);
		m[3] = t;
		memset(m + 4, 0x40 + type, 32);
		n = xchg(g, m, 36);
		ASSERT(n == (int)(4 + SPDM_H + 32 + hm + 2 + SPDM_S));
		EXPECT_EQ(g->out[1], SPDM_CHALLENGE_AUTH);
		EXPECT_EQ(g->out[2], 0);
		EXPECT_EQ(g->out[3], 1);
		EXPECT_MEM(g->out + 4, g->id->chain_hash, SPDM_H);
		spdm_buf_add(&c, m, 36);
		spdm_buf_add(&c, g->out, n - SPDM_S);
		v[0] = (struct crypto_vec){ g->a.p, g->a.len };
		v[1] = (struct crypto_vec){ b.p, b.len };
		v[2] = (struct crypto_vec){ c.p, c.len };
		crypto_sha384_vec(v, 3, th);
		EXPECT_EQ(spdm_verify(leaf, SPDM_CTX_CHALLENGE, th, g->out + n - SPDM_S), 0);
	}
	/* Without B: M1 = A || C */
	spdm_buf_reset(&c);
	m[3] = 0;
	n = xchg(g, m, 36 + 3);
	ASSERT(n == 4 + SPDM_H + 32 + 2 + SPDM_S);
	spdm_buf_add(&c, m, 36);
	spdm_buf_add(&c, g->out, n - SPDM_S);
	v[1] = (struct crypto_vec){ NULL, 0 };
	v[2] = (struct crypto_vec){ c.p, c.len };
	crypto_sha384_vec(v, 3, th);
	EXPECT_EQ(spdm_verify(leaf, SPDM_CTX_CHALLENGE, th, g->out + n - SPDM_S), 0);

	/* Errors */
	EXPECT(is_error(g, xchg(g, m, 35), SPDM_ERR_INVALID_REQUEST));
	m[2] = 2;	/* slot 2: not provisioned */
	EXPECT(is_error(g, xchg(g, m, 36), SPDM_ERR_INVALID_REQUEST));
	m[2] = 0xff;
	EXPECT(is_error(g, xchg(g, m, 36), SPDM_ERR_INVALID_REQUEST));
	m[2] = 0;
	m[3] = 2;
	EXPECT(is_error(g, xchg(g, m, 36), SPDM_ERR_INVALID_REQUEST));

	/* FAULT_BAD_SIGNATURE: once */
	m[3] = 0;
	g->fault = FAULT_BAD_SIGNATURE;
	spdm_buf_reset(&c);
	n = xchg(g, m, 36);
	ASSERT(n == 4 + SPDM_H + 32 + 2 + SPDM_S);
	EXPECT_EQ(g->fault, FAULT_NONE);
	spdm_buf_add(&c, m, 36);
	spdm_buf_add(&c, g->out, n - SPDM_S);
	v[2] = (struct crypto_vec){ c.p, c.len };
	crypto_sha384_vec(v, 3, th);
	EXPECT_EQ(spdm_verify(leaf, SPDM_CTX_CHALLENGE, th, g->out + n - SPDM_S), -EBADMSG);
	spdm_buf_reset(&c);
	n = xchg(g, m, 36);
	spdm_buf_add(&c, m, 36);
	spdm_buf_add(&c, g->out, n - SPDM_S);
	v[2] = (struct crypto_vec){ c.p, c.len };
	crypto_sha384_vec(v, 3, th);
	EXPECT_EQ(spdm_verify(leaf, SPDM_CTX_CHALLENGE, th, g->out + n - SPDM_S), 0);

	spdm_buf_reset(&b);
	spdm_buf_reset(&c);
	EVP_PKEY_free(leaf);
	free(chain);
	rig_free(g);
}

TEST(spdm_rsp_measurements)
{
	struct rig *g = rig_new();
	uint8_t m[40] = { SPDM_VER_12, SPDM_GET_MEASUREMENTS }, th[SPDM_H];
	struct spdm_buf l = { 0 };
	struct crypto_vec v[2];
	EVP_PKEY *leaf;
	size_t rec;
	int n;

	ASSERT(g);
	leaf = leaf_key(g);
	ASSERT(rig_vca(g) == 0);
	/* Count */
	m[2] = 0;
	m[3] = 0;
	n = xchg(g, m, 4);
	ASSERT(n == 8 + 32 + 2);
	EXPECT_EQ(g->out[1], SPDM_MEASUREMENTS);
	EXPECT_EQ(g->out[2], 4);
	EXPECT_EQ(g->out[4], 0);
	EXPECT_EQ(get24(g->out + 5), 0);
	spdm_buf_add(&l, m, 4);
	spdm_buf_add(&l, g->out, n);
	/* One index, digest */
	m[3] = 2;
	n = xchg(g, m, 4);
	ASSERT(n == 8 + 7 + SPDM_H + 32 + 2);
	EXPECT_EQ(g->out[4], 1);
	EXPECT_EQ(g->out[8], 2);		/* index */
	EXPECT_EQ(g->out[9], 1);		/* DMTF */
	EXPECT_EQ(get16(g->out + 10), 3 + SPDM_H);
	EXPECT_EQ(g->out[12], 1);		/* mutable firmware */
	EXPECT_EQ(get16(g->out + 13), SPDM_H);
	spdm_buf_add(&l, m, 4);
	spdm_buf_add(&l, g->out, n);
	/* Version string raw */
	m[2] = 2;
	m[3] = 4;
	n = xchg(g, m, 4);
	ASSERT(n == 8 + 7 + 5 + 32 + 2);
	EXPECT_EQ(g->out[12], 0x86);
	EXPECT_MEM(g->out + 15, "1.2.3", 5);
	spdm_buf_add(&l, m, 4);
	spdm_buf_add(&l, g->out, n);
	/* All, signed: L covers everything since the last signature */
	m[2] = 1;
	m[3] = 0xff;
	memset(m + 4, 0x77, 32);
	m[36] = 0;
	n = xchg(g, m, 37);
	ASSERT(n > 8);
	rec = get24(g->out + 5);
	EXPECT_EQ(g->out[4], 4);
	EXPECT_EQ(rec, 3 * (7 + SPDM_H) + 7 + SPDM_H);
	ASSERT((size_t)n == 8 + rec + 32 + 2 + SPDM_S);
	spdm_buf_add(&l, m, 37);
	spdm_buf_add(&l, g->out, n - SPDM_S);
	v[0] = (struct crypto_vec){ g->a.p, g->a.len };
	v[1] = (struct crypto_vec){ l.p, l.len };
	crypto_sha384_vec(v, 2, th);
	EXPECT_EQ(spdm_verify(leaf, SPDM_CTX_MEAS, th, g->out + n - SPDM_S), 0);
	/* Then L starts over */
	spdm_buf_reset(&l);
	m[3] = 1;
	n = xchg(g, m, 37);
	ASSERT(n == 8 + 7 + SPDM_H + 32 + 2 + SPDM_S);
	spdm_buf_add(&l, m, 37);
	spdm_buf_add(&l, g->out, n - SPDM_S);
	v[1] = (struct crypto_vec){ l.p, l.len };
	crypto_sha384_vec(v, 2, th);
	EXPECT_EQ(spdm_verify(leaf, SPDM_CTX_MEAS, th, g->out + n - SPDM_S), 0);
	/* Errors */
	EXPECT(is_error(g, xchg(g, m, 36), SPDM_ERR_INVALID_REQUEST));
	m[36] = 2;
	EXPECT(is_error(g, xchg(g, m, 37), SPDM_ERR_INVALID_REQUEST));
	m[36] = 0;
	m[3] = 5;
	EXPECT(is_error(g, xchg(g, m, 37), SPDM_ERR_INVALID_REQUEST));
	m[3] = 0xfe;
	EXPECT(is_error(g, xchg(g, m, 37), SPDM_ERR_INVALID_REQUEST));
	m[2] = 0;
	EXPECT(is_error(g, xchg(g, m, 3), SPDM_ERR_INVALID_REQUEST));
	spdm_buf_reset(&l);
	EVP_PKEY_free(leaf);
	rig_free(g);
}

TEST(spdm_rsp_session)
{
	struct rig *g = rig_new();
	struct spdm_keys rk;
	uint8_t m[64] = { SPDM_VER_12 };
	int n;

	ASSERT(g);
	g->enc = true;
	ASSERT(rig_vca(g) == 0);
	ASSERT(rig_kex(g) == 0);
	/* Both sides derived the same handshake keys */
	ASSERT(spdm_rsp_session_keys(g->r, g->sid, &rk) == 0);
	EXPECT_MEM(rk.req_hs, g->k.req_hs, SPDM_H);
	EXPECT_MEM(rk.rsp_hs, g->k.rsp_hs, SPDM_H);
	EXPECT_MEM(rk.req.key, g->k.req.key, SPDM_AEAD_KEY);
	EXPECT_MEM(rk.rsp.iv, g->k.rsp.iv, SPDM_AEAD_IV);
	/* Only FINISH during the handshake */
	m[1] = SPDM_HEARTBEAT;
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_UNEXPECTED_REQUEST));
	ASSERT(rig_finish(g, false) == 0);
	ASSERT(spdm_rsp_session_keys(g->r, g->sid, &rk) == 0);
	EXPECT_MEM(rk.master, g->k.master, SPDM_H);
	EXPECT_MEM(rk.req_data, g->k.req_data, SPDM_H);
	EXPECT_MEM(rk.rsp_data, g->k.rsp_data, SPDM_H);
	EXPECT_MEM(rk.export_ms, g->k.export_ms, SPDM_H);

	/* Heartbeat */
	m[1] = SPDM_HEARTBEAT;
	n = sx(g, m, 4);
	EXPECT_EQ(n, 4);
	EXPECT_EQ(g->msg[1], SPDM_HEARTBEAT_ACK);
	EXPECT(sx_error(g, sx(g, m, 3), SPDM_ERR_INVALID_REQUEST));
	/* In-session state errors */
	m[1] = SPDM_FINISH;
	EXPECT(sx_error(g, sx(g, m, 52), SPDM_ERR_UNEXPECTED_REQUEST));
	m[1] = SPDM_CHALLENGE;
	EXPECT(sx_error(g, sx(g, m, 36), SPDM_ERR_UNEXPECTED_REQUEST));
	m[1] = SPDM_KEY_EXCHANGE;
	EXPECT(sx_error(g, sx(g, m, 64), SPDM_ERR_UNEXPECTED_REQUEST));
	m[0] = SPDM_VER_10;
	m[1] = SPDM_GET_VERSION;
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_UNEXPECTED_REQUEST));
	m[0] = SPDM_VER_12;
	/* Measurements and digests inside the session */
	m[1] = SPDM_GET_DIGESTS;
	EXPECT_EQ(sx(g, m, 4), 4 + 2 * SPDM_H);
	m[1] = SPDM_GET_MEASUREMENTS;
	m[2] = 0;
	m[3] = 0;
	EXPECT_EQ(sx(g, m, 4), 8 + 32 + 2);
	/* A second session is refused while this one lives */
	{
		uint8_t kx[256], pub[SPDM_D];
		EVP_PKEY *eph = crypto_ecdh_new(pub);
		size_t len = kex_req(g, kx, pub);

		EXPECT(is_error(g, xchg(g, kx, len), SPDM_ERR_SESSION_LIMIT));
		EVP_PKEY_free(eph);
	}

	/* Key update: UpdateKey, then UpdateAllKeys, VerifyNewKey */
	m[1] = SPDM_KEY_UPDATE;
	m[2] = SPDM_KU_VERIFY;
	m[3] = 9;
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_INVALID_REQUEST));
	m[2] = SPDM_KU_UPDATE_KEY;
	EXPECT_EQ(sx(g, m, 4), 4);
	EXPECT_EQ(g->msg[1], SPDM_KEY_UPDATE_ACK);
	EXPECT_EQ(g->msg[2], SPDM_KU_UPDATE_KEY);
	EXPECT_EQ(g->msg[3], 9);
	spdm_ks_update(&g->k, true);
	m[2] = SPDM_KU_VERIFY;
	EXPECT_EQ(sx(g, m, 4), 4);
	m[2] = SPDM_KU_UPDATE_ALL;
	m[3] = 10;
	EXPECT_EQ(sx_ku(g, m, 4, true), 4);	/* ACK under the new response key */
	EXPECT_EQ(g->msg[3], 10);
	m[2] = SPDM_KU_VERIFY;
	EXPECT_EQ(sx(g, m, 4), 4);
	ASSERT(spdm_rsp_session_keys(g->r, g->sid, &rk) == 0);
	EXPECT_MEM(rk.req_data, g->k.req_data, SPDM_H);
	EXPECT_MEM(rk.rsp_data, g->k.rsp_data, SPDM_H);
	m[2] = 7;
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_INVALID_REQUEST));
	m[2] = 0;
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_INVALID_REQUEST));

	/* END_SESSION: ACK, then the session is gone */
	m[1] = SPDM_END_SESSION;
	m[2] = 0;
	EXPECT_EQ(sx(g, m, 4), 4);
	EXPECT_EQ(g->msg[1], SPDM_END_SESSION_ACK);
	EXPECT_EQ(spdm_rsp_session_keys(g->r, g->sid, &rk), -ENOENT);
	m[1] = SPDM_HEARTBEAT;
	EXPECT(sx(g, m, 4) < 0);
	/* And a new one can start */
	EXPECT_EQ(rig_kex(g), 0);
	EXPECT_EQ(rig_finish(g, false), 0);
	m[1] = SPDM_HEARTBEAT;
	EXPECT_EQ(sx(g, m, 4), 4);
	/* GET_VERSION ends it */
	ASSERT(rig_version(g) == 0);
	EXPECT(sx(g, m, 4) < 0);
	crypto_cleanse(&rk, sizeof(rk));
	rig_free(g);
}

/*
 * KEY_UPDATE (DSP0274 1.1.1 10.21.1, libspdm libspdm_rsp_key_update.c):
 * UpdateAllKeys is acknowledged under the responder's new key, UpdateKey
 * under the unchanged one; an ERROR answer leaves both keys alone and
 * goes under the old key; a second update before VerifyNewKey is refused.
 */
TEST(spdm_rsp_key_update_ack_keys)
{
	struct rig *g = rig_session();
	uint8_t m[4] = { SPDM_VER_12, SPDM_KEY_UPDATE, SPDM_KU_UPDATE_ALL, 0x21 };
	struct spdm_keys rk;

	ASSERT(g);
	/* An ERROR (injected, as Busy would be) under the old keys; no update */
	g->fault = FAULT_SPDM_ERROR;
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_UNSPECIFIED));
	ASSERT(spdm_rsp_session_keys(g->r, g->sid, &rk) == 0);
	EXPECT_MEM(rk.req_data, g->k.req_data, SPDM_H);
	EXPECT_MEM(rk.rsp_data, g->k.rsp_data, SPDM_H);

	/* UpdateAllKeys: the ACK comes already under the new response key */
	EXPECT_EQ(sx_ku(g, m, 4, true), 4);
	EXPECT_EQ(g->msg[1], SPDM_KEY_UPDATE_ACK);
	EXPECT_EQ(g->msg[2], SPDM_KU_UPDATE_ALL);
	EXPECT_EQ(g->msg[3], 0x21);
	ASSERT(spdm_rsp_session_keys(g->r, g->sid, &rk) == 0);
	EXPECT_MEM(rk.req_data, g->k.req_data, SPDM_H);
	EXPECT_MEM(rk.rsp_data, g->k.rsp_data, SPDM_H);
	EXPECT_EQ(rk.rsp.seq, 1);
	/* A second update before VerifyNewKey: InvalidRequest, nothing moves */
	m[2] = SPDM_KU_UPDATE_KEY;
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_INVALID_REQUEST));
	m[2] = SPDM_KU_VERIFY;
	m[3] = 0x22;
	EXPECT_EQ(sx(g, m, 4), 4);
	EXPECT_EQ(g->msg[2], SPDM_KU_VERIFY);

	/* UpdateKey: only the requester's key; the ACK under the same key */
	m[2] = SPDM_KU_UPDATE_KEY;
	m[3] = 0x23;
	EXPECT_EQ(sx_ku(g, m, 4, false), 4);
	EXPECT_EQ(g->msg[2], SPDM_KU_UPDATE_KEY);
	ASSERT(spdm_rsp_session_keys(g->r, g->sid, &rk) == 0);
	EXPECT_MEM(rk.req_data, g->k.req_data, SPDM_H);
	EXPECT_MEM(rk.rsp_data, g->k.rsp_data, SPDM_H);
	m[2] = SPDM_KU_UPDATE_ALL;
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_INVALID_REQUEST));
	m[2] = SPDM_KU_VERIFY;
	EXPECT_EQ(sx(g, m, 4), 4);
	m[1] = SPDM_HEARTBEAT;
	EXPECT_EQ(sx(g, m, 4), 4);
	EXPECT_EQ(g->msg[1], SPDM_HEARTBEAT_ACK);
	crypto_cleanse(&rk, sizeof(rk));
	rig_free(g);
}

/* A reset of the DSM: session and connection state gone */
TEST(spdm_rsp_reset)
{
	struct rig *g = rig_new();
	struct spdm_keys rk;
	uint8_t m[4] = { SPDM_VER_12, SPDM_HEARTBEAT };

	ASSERT(g);
	g->enc = true;
	ASSERT(rig_vca(g) == 0);
	ASSERT(rig_kex(g) == 0);
	ASSERT(rig_finish(g, false) == 0);
	EXPECT_EQ(sx(g, m, 4), 4);
	spdm_rsp_reset(g->r);
	EXPECT_EQ(spdm_rsp_session_keys(g->r, g->sid, &rk), -ENOENT);
	/* the old session's messages are dropped */
	EXPECT(sx(g, m, 4) < 0);
	/* in the clear, only GET_VERSION */
	m[1] = SPDM_GET_CAPABILITIES;
	EXPECT(is_error(g, xchg(g, m, 4), SPDM_ERR_UNEXPECTED_REQUEST));
	/* and a new connection works */
	EXPECT_EQ(rig_vca(g), 0);
	EXPECT_EQ(rig_kex(g), 0);
	EXPECT_EQ(rig_finish(g, false), 0);
	m[1] = SPDM_HEARTBEAT;
	EXPECT_EQ(sx(g, m, 4), 4);
	rig_free(g);
}

/*
 * HeartbeatPeriod (KEY_EXCHANGE_RSP Param1): 0 means no heartbeat wanted,
 * so with HBEAT_CAP on both sides the responder announces a period;
 * without the requester's HBEAT_CAP it announces 0 (DMTF/libspdm
 * libspdm_rsp_key_exchange.c).  HEARTBEAT within it is acknowledged.
 */
TEST(spdm_rsp_heartbeat_period)
{
	struct rig *g = rig_new();
	uint8_t m[4] = { SPDM_VER_12, SPDM_HEARTBEAT };

	ASSERT(g);
	g->enc = true;
	ASSERT(rig_vca(g) == 0);
	ASSERT(rig_kex(g) == 0);
	EXPECT_EQ(g->out[1], SPDM_KEY_EXCHANGE_RSP);
	EXPECT(g->out[2] != 0);
	ASSERT(rig_finish(g, false) == 0);
	EXPECT_EQ(sx(g, m, 4), 4);
	EXPECT_EQ(g->msg[1], SPDM_HEARTBEAT_ACK);
	/* A requester without HBEAT_CAP: no period, HEARTBEAT unsupported */
	ASSERT(rig_vca_flags(g, REQ_FLAGS & ~SPDM_CAP_HBEAT) == 0);
	ASSERT(rig_kex(g) == 0);
	EXPECT_EQ(g->out[2], 0);
	ASSERT(rig_finish(g, false) == 0);
	EXPECT(sx_error(g, sx(g, m, 4), SPDM_ERR_UNSUPPORTED_REQUEST));
	rig_free(g);
}

TEST(spdm_rsp_session_mac_only)
{
	struct rig *g = rig_new();
	uint8_t m[4] = { SPDM_VER_12, SPDM_HEARTBEAT };

	ASSERT(g);
	g->enc = false;
	ASSERT(rig_vca_flags(g, REQ_FLAGS & ~SPDM_CAP_ENCRYPT) == 0);
	ASSERT(rig_kex(g) == 0);
	ASSERT(rig_finish(g, false) == 0);
	EXPECT_EQ(sx(g, m, 4), 4);
	EXPECT_EQ(g->msg[1], SPDM_HEARTBEAT_ACK);
	rig_free(g);
}

TEST(spdm_rsp_finish_bad_verify_data)
{
	struct rig *g = rig_new();
	uint8_t m[4 + SPDM_H] = { SPDM_VER_12, SPDM_FINISH };

	ASSERT(g);
	g->enc = true;
	ASSERT(rig_vca(g) == 0);
	ASSERT(rig_kex(g) == 0);
	memset(m + 4, 0x11, SPDM_H);
	EXPECT(sx_error(g, sx(g, m, sizeof(m)), SPDM_ERR_DECRYPT_ERROR));
	/* The session is gone */
	EXPECT(sx(g, m, sizeof(m)) < 0);
	/* Short FINISH and mutual-auth FINISH */
	ASSERT(rig_kex(g) == 0);
	/* FINISH outside the handshaking session: SessionRequired */
	EXPECT(is_error(g, xchg(g, m, sizeof(m)), SPDM_ERR_SESSION_REQUIRED));
	EXPECT(sx_error(g, sx(g, m, 4 + SPDM_H - 1), SPDM_ERR_INVALID_REQUEST));
	m[2] = 1;
	EXPECT(sx_error(g, sx(g, m, sizeof(m)), SPDM_ERR_INVALID_REQUEST));
	rig_free(g);
}

TEST(spdm_rsp_key_exchange_errors)
{
	struct rig *g = rig_new();
	uint8_t m[256], pub[SPDM_D];
	EVP_PKEY *eph = crypto_ecdh_new(pub);
	size_t len;

	ASSERT(g && eph);
	ASSERT(rig_vca(g) == 0);
	len = kex_req(g, m, pub);
	m[3] = 2;	/* slot 2: not provisioned */
	EXPECT(is_error(g, xchg(g, m, len), SPDM_ERR_INVALID_REQUEST));
	m[3] = 0xff;	/* pre-provisioned key */
	EXPECT(is_error(g, xchg(g, m, len), SPDM_ERR_INVALID_REQUEST));
	m[3] = 0;
	m[2] = 3;	/* measurement summary type */
	EXPECT(is_error(g, xchg(g, m, len), SPDM_ERR_INVALID_REQUEST));
	m[2] = 0;
	EXPECT(is_error(g, xchg(g, m, len - 1), SPDM_ERR_INVALID_REQUEST));
	EXPECT(is_error(g, xchg(g, m, 40 + SPDM_D + 1), SPDM_ERR_INVALID_REQUEST));
	/* A point not on the curve */
	m[40 + SPDM_D - 1] ^= 1;
	EXPECT(is_error(g, xchg(g, m, len), SPDM_ERR_INVALID_REQUEST));
	m[40 + SPDM_D - 1] ^= 1;
	/* No usable secured-message version */
	put16(m + 40 + SPDM_D + 2 + 4 + 4 + 3, 0x1200);
	put16(m + 40 + SPDM_D + 2 + 4 + 4 + 5, 0x0900);
	EXPECT(is_error(g, xchg(g, m, len), SPDM_ERR_INVALID_REQUEST));
	/* No opaque data at all */
	put16(m + 40 + SPDM_D, 0);
	EXPECT(is_error(g, xchg(g, m, 40 + SPDM_D + 2), SPDM_ERR_INVALID_REQUEST));
	/* Requester without KEY_EX_CAP */
	ASSERT(rig_version(g) == 0 && rig_caps(g, 0) == 0);
	algs_req(m, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1,
		 SPDM_AEAD_AES256GCM);
	EXPECT_EQ(xchg(g, m, 48), 52);
	len = kex_req(g, m, pub);
	EXPECT(is_error(g, xchg(g, m, len), SPDM_ERR_UNSUPPORTED_REQUEST));
	EVP_PKEY_free(eph);
	rig_free(g);
}

TEST(spdm_rsp_fault_spdm_error)
{
	struct rig *g = rig_new();
	uint8_t m[4] = { SPDM_VER_12, SPDM_GET_DIGESTS };

	ASSERT(g);
	ASSERT(rig_vca(g) == 0);
	g->fault = FAULT_SPDM_ERROR;
	EXPECT(is_error(g, xchg(g, m, 4), SPDM_ERR_UNSPECIFIED));
	EXPECT_EQ(g->fault, FAULT_NONE);
	EXPECT_EQ(xchg(g, m, 4), 4 + 2 * SPDM_H);
	/* Other faults are not the SPDM layer's */
	g->fault = FAULT_TDISP_ERROR;
	EXPECT_EQ(xchg(g, m, 4), 4 + 2 * SPDM_H);
	EXPECT_EQ(g->fault, FAULT_TDISP_ERROR);
	rig_free(g);
}

TEST(spdm_rsp_vdm)
{
	struct rig *g = rig_session();
	uint8_t m[64] = { SPDM_VER_12, SPDM_VENDOR_DEFINED_REQ };
	int n;

	ASSERT(g);
	put16(m + 4, 3);
	m[6] = 2;
	put16(m + 7, 1);
	put16(m + 9, 17);
	m[11] = PCISIG_PROTO_TDISP;
	/* GET_TDISP_VERSION of interface 00:01.0 */
	m[12] = 0x10;
	m[13] = 0x81;
	put32(m + 16, 0x0100);
	n = sx(g, m, 12 + 16);
	ASSERT(n >= 12);
	EXPECT_EQ(g->msg[1], SPDM_VENDOR_DEFINED_RSP);
	EXPECT_EQ(get16(g->msg + 4), 3);
	EXPECT_EQ(g->msg[6], 2);
	EXPECT_EQ(get16(g->msg + 7), 1);
	EXPECT_EQ(get16(g->msg + 9), n - 11);
	EXPECT_EQ(g->msg[11], PCISIG_PROTO_TDISP);
	/* Not PCI-SIG */
	put16(m + 4, 4);
	EXPECT(sx_error(g, sx(g, m, 12 + 16), SPDM_ERR_UNSUPPORTED_REQUEST));
	put16(m + 4, 3);
	put16(m + 7, 0x1234);
	EXPECT(sx_error(g, sx(g, m, 12 + 16), SPDM_ERR_UNSUPPORTED_REQUEST));
	put16(m + 7, 1);
	m[11] = 9;
	EXPECT(sx_error(g, sx(g, m, 12 + 16), SPDM_ERR_UNSUPPORTED_REQUEST));
	m[11] = PCISIG_PROTO_TDISP;
	/* Lengths */
	EXPECT(sx_error(g, sx(g, m, 12 + 15), SPDM_ERR_INVALID_REQUEST));
	put16(m + 9, 0);
	EXPECT(sx_error(g, sx(g, m, 12 + 16), SPDM_ERR_INVALID_REQUEST));
	put16(m + 9, 17);
	m[6] = 60;
	EXPECT(sx_error(g, sx(g, m, 12 + 16), SPDM_ERR_INVALID_REQUEST));
	rig_free(g);
}

/* ------------------------------------------------------------------ */
/* Robustness                                                          */

struct trunc_case {
	uint8_t code;
	size_t min;	/* shorter is InvalidRequest */
	size_t full;
};

TEST(spdm_rsp_truncated_plain)
{
	static const struct trunc_case cases[] = {
		{ SPDM_GET_DIGESTS, 4, 4 },
		{ SPDM_GET_CERTIFICATE, 8, 8 },
		{ SPDM_CHALLENGE, 36, 36 },
		{ SPDM_GET_MEASUREMENTS, 37, 37 },
		{ SPDM_KEY_EXCHANGE, 0, 0 },	/* filled in below */
	};
	struct rig *g = rig_new();
	uint8_t m[256], pub[SPDM_D];
	EVP_PKEY *eph = crypto_ecdh_new(pub);
	unsigned int i;
	size_t len, kex_len;
	int n;

	ASSERT(g && eph);
	kex_len = kex_req(g, m, pub);
	ASSERT(rig_vca(g) == 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t full = cases[i].full, min = cases[i].min;

		if (cases[i].code == SPDM_KEY_EXCHANGE) {
			kex_req(g, m, pub);
			full = kex_len;
			min = kex_len;
		} else {
			memset(m, 0, sizeof(m));
			m[0] = SPDM_VER_12;
			m[1] = cases[i].code;
			put16(m + 6, 64);		/* certificate length */
			if (cases[i].code == SPDM_GET_MEASUREMENTS) {
				m[2] = 1;
				m[3] = 0xff;
			}
		}
		for (len = 0; len <= full; len++) {
			n = xchg(g, m, len);
			if (len < min)
				EXPECT(is_error(g, n, SPDM_ERR_INVALID_REQUEST));
			else
				EXPECT(n >= 4 && g->out[1] != SPDM_ERROR);
		}
	}
	/* VCA messages, each in its state */
	for (len = 0; len <= 20; len++) {
		ASSERT(rig_version(g) == 0);
		caps_req(m, REQ_FLAGS);
		n = xchg(g, m, len);
		EXPECT(len < 20 ? is_error(g, n, SPDM_ERR_INVALID_REQUEST) : n == 20);
	}
	for (len = 0; len <= 48; len++) {
		ASSERT(rig_version(g) == 0 && rig_caps(g, REQ_FLAGS) == 0);
		algs_req(m, SPDM_ASYM_ECDSA_P384, SPDM_HASH_SHA384, SPDM_DHE_SECP384R1,
			 SPDM_AEAD_AES256GCM);
		n = xchg(g, m, len);
		EXPECT(len < 48 ? is_error(g, n, SPDM_ERR_INVALID_REQUEST) : n == 52);
	}
	EVP_PKEY_free(eph);
	rig_free(g);
}

TEST(spdm_rsp_truncated_secured)
{
	static const uint8_t codes[] = {
		SPDM_HEARTBEAT, SPDM_KEY_UPDATE, SPDM_END_SESSION, SPDM_VENDOR_DEFINED_REQ,
		SPDM_GET_MEASUREMENTS, SPDM_GET_CERTIFICATE,
	};
	struct rig *g = rig_session();
	uint8_t m[64];
	unsigned int i;
	size_t len;
	int n;

	ASSERT(g);
	for (i = 0; i < sizeof(codes); i++) {
		for (len = 0; len < 4; len++) {
			memset(m, 0, sizeof(m));
			m[0] = SPDM_VER_12;
			m[1] = codes[i];
			n = sx(g, m, len);
			EXPECT(sx_error(g, n, SPDM_ERR_INVALID_REQUEST));
		}
	}
	/* VDM at every length up to a full header */
	for (len = 4; len < 12; len++) {
		memset(m, 0, sizeof(m));
		m[0] = SPDM_VER_12;
		m[1] = SPDM_VENDOR_DEFINED_REQ;
		put16(m + 4, 3);
		m[6] = 2;
		put16(m + 7, 1);
		put16(m + 9, 1);
		m[11] = PCISIG_PROTO_IDE_KM;
		n = sx(g, m, len);
		EXPECT(sx_error(g, n, SPDM_ERR_INVALID_REQUEST));
	}
	/* Still alive */
	m[1] = SPDM_HEARTBEAT;
	EXPECT_EQ(sx(g, m, 4), 4);
	rig_free(g);
}

TEST(spdm_rsp_secured_garbage_dropped)
{
	struct rig *g = rig_session();
	uint8_t hb[4] = { SPDM_VER_12, SPDM_HEARTBEAT }, sm[64], bad[64];
	struct spdm_aead save;
	unsigned int i, seed = 1;
	int n, len;

	ASSERT(g);
	save = g->k.req;
	len = spdm_sm_seal(g->sid, &g->k.req, true, hb, 4, sm, sizeof(sm));
	ASSERT(len > 0);
	/* Every single-bit flip: no answer, and the session survives */
	for (i = 0; i < (unsigned int)len * 8; i++) {
		memcpy(bad, sm, len);
		bad[i / 8] ^= 1 << (i % 8);
		n = spdm_rsp_handle(g->r, DOE_TYPE_SSESSION, bad, len, g->out, sizeof(g->out),
				    NULL);
		EXPECT(n < 0);
	}
	/* Random multi-bit flips and random lengths */
	for (i = 0; i < 2000; i++) {
		int j, l = rand_r(&seed) % (len + 1);

		memcpy(bad, sm, len);
		for (j = 0; j < 1 + rand_r(&seed) % 8; j++) {
			int bit = rand_r(&seed) % (len * 8);

			bad[bit / 8] ^= 1 << (bit % 8);
		}
		if (rand_r(&seed) & 1)
			put32(bad, g->sid);
		if (!memcmp(bad, sm, len) && l == len)
			continue;
		n = spdm_rsp_handle(g->r, DOE_TYPE_SSESSION, bad, l, g->out, sizeof(g->out),
				    NULL);
		EXPECT(n < 0);
	}
	/* Unknown session ID with a valid MAC under the right key */
	g->k.req = save;
	len = spdm_sm_seal(g->sid ^ 0x10000, &g->k.req, true, hb, 4, sm, sizeof(sm));
	EXPECT(spdm_rsp_handle(g->r, DOE_TYPE_SSESSION, sm, len, g->out, sizeof(g->out),
			       NULL) < 0);
	/* The original message still goes through: nothing advanced */
	g->k.req = save;
	EXPECT_EQ(sx(g, hb, 4), 4);
	EXPECT_EQ(g->msg[1], SPDM_HEARTBEAT_ACK);
	rig_free(g);
}

TEST(spdm_rsp_random_plain_fuzz)
{
	static const uint8_t codes[] = {
		SPDM_GET_VERSION, SPDM_GET_CAPABILITIES, SPDM_NEGOTIATE_ALGS, SPDM_GET_DIGESTS,
		SPDM_GET_CERTIFICATE, SPDM_CHALLENGE, SPDM_GET_MEASUREMENTS, SPDM_KEY_EXCHANGE,
		SPDM_FINISH, SPDM_HEARTBEAT, SPDM_KEY_UPDATE, SPDM_END_SESSION,
		SPDM_VENDOR_DEFINED_REQ,
	};
	struct rig *g = rig_new();
	uint8_t m[300];
	unsigned int i, j, seed = 7;
	int n;

	ASSERT(g);
	for (i = 0; i < 6000; i++) {
		size_t len = rand_r(&seed) % sizeof(m);

		if (i % 500 == 0)
			rig_vca(g);
		for (j = 0; j < len; j++)
			m[j] = rand_r(&seed);
		if (len > 1) {
			m[0] = rand_r(&seed) % 4 ? SPDM_VER_12 : SPDM_VER_10;
			m[1] = codes[rand_r(&seed) % sizeof(codes)];
		}
		n = xchg(g, m, len);
		EXPECT(n >= 4 && n <= SPDM_DTS);
	}
	rig_free(g);
}
