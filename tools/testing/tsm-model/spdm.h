/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsm-model: internals of the SPDM 1.2 responder and requester shared by
 * crypto.c, spdm-common.c, spdm-rsp.c, spdm-req.c and the unit tests.
 *
 * Only one algorithm set is implemented: ECDSA P-384, SHA-384, ECDHE
 * secp384r1, AES-256-GCM and the SPDM key schedule.
 */
#ifndef TSM_MODEL_SPDM_H
#define TSM_MODEL_SPDM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "evidence.h"
#include "model.h"

/* Versions (SPDMVersion byte and VERSION entry) */
#define SPDM_VER_10		0x10
#define SPDM_VER_11		0x11
#define SPDM_VER_12		0x12
#define SPDM_VER_ENTRY_12	0x1200

/* Request codes */
#define SPDM_GET_DIGESTS	0x81
#define SPDM_GET_CERTIFICATE	0x82
#define SPDM_CHALLENGE		0x83
#define SPDM_GET_VERSION	0x84
#define SPDM_CHUNK_SEND		0x85
#define SPDM_CHUNK_GET		0x86
#define SPDM_GET_MEASUREMENTS	0xe0
#define SPDM_GET_CAPABILITIES	0xe1
#define SPDM_NEGOTIATE_ALGS	0xe3
#define SPDM_KEY_EXCHANGE	0xe4
#define SPDM_FINISH		0xe5
#define SPDM_PSK_EXCHANGE	0xe6
#define SPDM_PSK_FINISH		0xe7
#define SPDM_HEARTBEAT		0xe8
#define SPDM_KEY_UPDATE		0xe9
#define SPDM_GET_ENCAP_REQ	0xea
#define SPDM_DELIVER_ENCAP_RSP	0xeb
#define SPDM_END_SESSION	0xec
#define SPDM_GET_CSR		0xed
#define SPDM_SET_CERTIFICATE	0xee
#define SPDM_VENDOR_DEFINED_REQ	0xfe
#define SPDM_RESPOND_IF_READY	0xff

/* Response codes */
#define SPDM_DIGESTS		0x01
#define SPDM_CERTIFICATE	0x02
#define SPDM_CHALLENGE_AUTH	0x03
#define SPDM_VERSION		0x04
#define SPDM_MEASUREMENTS	0x60
#define SPDM_CAPABILITIES	0x61
#define SPDM_ALGORITHMS		0x63
#define SPDM_KEY_EXCHANGE_RSP	0x64
#define SPDM_FINISH_RSP		0x65
#define SPDM_HEARTBEAT_ACK	0x68
#define SPDM_KEY_UPDATE_ACK	0x69
#define SPDM_END_SESSION_ACK	0x6c
#define SPDM_VENDOR_DEFINED_RSP	0x7e
#define SPDM_ERROR		0x7f

/* ERROR codes */
#define SPDM_ERR_INVALID_REQUEST	0x01
#define SPDM_ERR_BUSY			0x03
#define SPDM_ERR_UNEXPECTED_REQUEST	0x04
#define SPDM_ERR_UNSPECIFIED		0x05
#define SPDM_ERR_DECRYPT_ERROR		0x06
#define SPDM_ERR_UNSUPPORTED_REQUEST	0x07
#define SPDM_ERR_SESSION_LIMIT		0x0a
#define SPDM_ERR_SESSION_REQUIRED	0x0b
#define SPDM_ERR_RESPONSE_TOO_LARGE	0x0d
#define SPDM_ERR_VERSION_MISMATCH	0x41

/* Capability flags */
#define SPDM_CAP_CERT		(1u << 1)
#define SPDM_CAP_CHAL		(1u << 2)
#define SPDM_CAP_MEAS_NOSIG	(1u << 3)
#define SPDM_CAP_MEAS_SIG	(2u << 3)
#define SPDM_CAP_MEAS_MASK	(3u << 3)
#define SPDM_CAP_MEAS_FRESH	(1u << 5)
#define SPDM_CAP_ENCRYPT	(1u << 6)
#define SPDM_CAP_MAC		(1u << 7)
#define SPDM_CAP_MUT_AUTH	(1u << 8)
#define SPDM_CAP_KEY_EX		(1u << 9)
#define SPDM_CAP_PSK_MASK	(3u << 10)
#define SPDM_CAP_ENCAP		(1u << 12)
#define SPDM_CAP_HBEAT		(1u << 13)
#define SPDM_CAP_KEY_UPD	(1u << 14)
#define SPDM_CAP_HS_CLEAR	(1u << 15)
#define SPDM_CAP_PUB_KEY_ID	(1u << 16)
#define SPDM_CAP_CHUNK		(1u << 17)

/* Algorithm bits */
#define SPDM_ASYM_ECDSA_P384	0x80
#define SPDM_HASH_SHA384	0x02
#define SPDM_MEAS_HASH_SHA256	0x02
#define SPDM_MEAS_HASH_SHA384	0x04
#define SPDM_MEAS_HASH_SHA512	0x08
#define SPDM_MEAS_SPEC_DMTF	0x01
#define SPDM_DHE_SECP384R1	0x10
#define SPDM_AEAD_AES256GCM	0x02
#define SPDM_KS_SPDM		0x01
#define SPDM_OPAQUE_FMT0	0x01
#define SPDM_OPAQUE_FMT1	0x02
#define SPDM_ALG_TYPE_DHE	2
#define SPDM_ALG_TYPE_AEAD	3
#define SPDM_ALG_TYPE_REQ_ASYM	4
#define SPDM_ALG_TYPE_KS	5

/*
 * Digest size of a MeasurementHashAlgo selection: the model knows
 * SHA-256, SHA-384 and SHA-512 (FACTS 3.5); 0 for anything else,
 * including no bit or several.
 */
static inline size_t spdm_meas_hash_size(uint32_t algo)
{
	switch (algo) {
	case SPDM_MEAS_HASH_SHA256:
		return 32;
	case SPDM_MEAS_HASH_SHA384:
		return 48;
	case SPDM_MEAS_HASH_SHA512:
		return 64;
	}
	return 0;
}

#define SPDM_MEAS_H_MAX		64

/* Sizes of the one algorithm set */
#define SPDM_H			48	/* SHA-384 */
#define SPDM_S			96	/* ECDSA P-384 r||s */
#define SPDM_D			96	/* secp384r1 X||Y */
#define SPDM_NONCE		32
#define SPDM_AEAD_KEY		32
#define SPDM_AEAD_IV		12
#define SPDM_AEAD_TAG		16
#define SPDM_MAX_CHAIN		65535
#define SPDM_SIGN_PREFIX	TSM_EV_SIGN_PREFIX

/* Secured message over DOE: SessionID 4, Length 2, AppDataLength 2, tag */
#define SPDM_SM_HDR		6
#define SPDM_SM_OVERHEAD	(SPDM_SM_HDR + 2 + SPDM_AEAD_TAG)
/* Largest SPDM message: a 4 KiB DOE object minus its header, secured */
#define SPDM_DTS		(MODEL_DOE_MAX - 8 - SPDM_SM_OVERHEAD)
#define SPDM_MIN_DTS		42

/* Secured message versions (DSP0277) in the opaque data */
#define SPDM_SM_VER_10		0x1000
#define SPDM_SM_VER_11		0x1100

/* VENDOR_DEFINED framing (FACTS 3.13) */
#define SPDM_VDM_HDR		12
#define SPDM_STDID_PCISIG	3
#define SPDM_VID_PCISIG		0x0001

/* KEY_UPDATE operations */
#define SPDM_KU_UPDATE_KEY	1
#define SPDM_KU_UPDATE_ALL	2
#define SPDM_KU_VERIFY		3

/* Signing contexts (FACTS 3.15) */
#define SPDM_CTX_CHALLENGE	"responder-challenge_auth signing"
#define SPDM_CTX_MEAS		"responder-measurements signing"
#define SPDM_CTX_KEY_EX		"responder-key_exchange_rsp signing"

/* Little-endian accessors */
static inline uint16_t get16(const uint8_t *p)
{
	return p[0] | (uint16_t)p[1] << 8;
}

static inline uint32_t get24(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static inline uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void put24(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* ------------------------------------------------------------------ */
/* crypto.c                                                            */

/* One piece of a message hashed in several parts */
struct crypto_vec {
	const void *p;
	size_t n;
};

int crypto_random(void *buf, size_t n);
int crypto_sha256(const void *p, size_t n, uint8_t out[32]);
int crypto_sha384(const void *p, size_t n, uint8_t out[SPDM_H]);
int crypto_sha2(size_t hlen, const void *p, size_t n, uint8_t *out);
int crypto_sha384_vec(const struct crypto_vec *v, unsigned int nv, uint8_t out[SPDM_H]);
int crypto_hmac_sha384(const uint8_t *key, size_t klen, const void *msg, size_t mlen,
		       uint8_t out[SPDM_H]);
int crypto_hkdf_extract(const uint8_t *salt, size_t slen, const uint8_t *ikm, size_t ilen,
			uint8_t prk[SPDM_H]);
int crypto_hkdf_expand(const uint8_t *prk, size_t plen, const uint8_t *info, size_t ilen,
		       uint8_t *out, size_t olen);
int crypto_aead_seal(const uint8_t key[SPDM_AEAD_KEY], const uint8_t iv[SPDM_AEAD_IV],
		     const uint8_t *aad, size_t alen, const uint8_t *pt, size_t plen,
		     uint8_t *ct, uint8_t tag[SPDM_AEAD_TAG]);
int crypto_aead_open(const uint8_t key[SPDM_AEAD_KEY], const uint8_t iv[SPDM_AEAD_IV],
		     const uint8_t *aad, size_t alen, const uint8_t *ct, size_t clen,
		     const uint8_t tag[SPDM_AEAD_TAG], uint8_t *pt);
int crypto_ecdsa_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[SPDM_S]);
EVP_PKEY *crypto_ecdh_new(uint8_t pub[SPDM_D]);
int crypto_ecdh_derive(EVP_PKEY *key, const uint8_t peer[SPDM_D], uint8_t secret[SPDM_H]);
X509 *crypto_x509_load(const char *path);
bool crypto_memeq(const void *a, const void *b, size_t n);
void crypto_cleanse(void *p, size_t n);

/* The responder's identity: slot 0 */
struct model_identity {
	EVP_PKEY *key;
	uint8_t *chain;		/* SPDM format: 4-byte header, root hash, DER certs */
	size_t chain_len;
	uint8_t chain_hash[SPDM_H];
};

/* ------------------------------------------------------------------ */
/* spdm-common.c                                                       */

/* A growing message buffer (transcript) with an upper bound */
struct spdm_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

#define SPDM_BUF_MAX	(256 * 1024)

int spdm_buf_add(struct spdm_buf *b, const void *p, size_t n);
void spdm_buf_reset(struct spdm_buf *b);

/* M' = prefix || @th (FACTS 3.15), signed with the leaf key */
int spdm_sign(EVP_PKEY *key, const char *context, const uint8_t th[SPDM_H],
	      uint8_t sig[SPDM_S]);

/* Its check (tools/tsm/evidence.c); the model speaks SPDM 1.2 only */
static inline int spdm_verify(EVP_PKEY *key, const char *context, const uint8_t th[SPDM_H],
			      const uint8_t sig[SPDM_S])
{
	return tsm_ev_spdm_verify(key, SPDM_VER_12, context, th, sig);
}

/* BinConcat (FACTS 3.17); returns its length */
size_t spdm_bin_concat(uint8_t *out, size_t cap, uint16_t length, const char *label,
		       const uint8_t *context, size_t clen);

/* One direction of AEAD protection */
struct spdm_aead {
	uint8_t key[SPDM_AEAD_KEY];
	uint8_t iv[SPDM_AEAD_IV];
	uint64_t seq;
};

/* Key schedule of one session (FACTS 3.17) */
struct spdm_keys {
	uint8_t hs_secret[SPDM_H];
	uint8_t req_hs[SPDM_H];
	uint8_t rsp_hs[SPDM_H];
	uint8_t req_fin[SPDM_H];
	uint8_t rsp_fin[SPDM_H];
	uint8_t master[SPDM_H];
	uint8_t req_data[SPDM_H];
	uint8_t rsp_data[SPDM_H];
	uint8_t export_ms[SPDM_H];
	struct spdm_aead req;	/* current requester-to-responder keys */
	struct spdm_aead rsp;	/* current responder-to-requester keys */
};

int spdm_ks_handshake(struct spdm_keys *k, const uint8_t dhe[SPDM_H],
		      const uint8_t th1[SPDM_H]);
int spdm_ks_data(struct spdm_keys *k, const uint8_t th2[SPDM_H]);
/* Next data secret of one direction, with its key and IV; seq restarts */
int spdm_ks_update(struct spdm_keys *k, bool req_dir);
int spdm_ks_aead(const uint8_t secret[SPDM_H], struct spdm_aead *a);

/* Secured message (FACTS 3.18); @enc false: MAC-only session */
int spdm_sm_seal(uint32_t sid, struct spdm_aead *a, bool enc, const uint8_t *msg,
		 size_t len, uint8_t *out, size_t cap);
/* Returns the SPDM message length written to @msg */
int spdm_sm_open(struct spdm_aead *a, bool enc, const uint8_t *in, size_t len,
		 uint8_t *msg, size_t cap);

/* Secured message version opaque data (FACTS 3.10) */
int spdm_opaque_versions(uint8_t fmt, const uint16_t *vers, unsigned int n, uint8_t *out,
			 size_t cap);
int spdm_opaque_select(uint8_t fmt, uint16_t ver, uint8_t *out, size_t cap);
/*
 * Find the DMTF secured-message element @sm_id in @p; its data (after
 * SMDataVersion and SMDataID) goes to *@data, *@dlen.
 */
int spdm_opaque_find(uint8_t fmt, const uint8_t *p, size_t len, uint8_t sm_id,
		     const uint8_t **data, size_t *dlen);

/* ------------------------------------------------------------------ */
/* Test hooks (spdm-rsp.c, spdm-req.c)                                 */

/* Keys of the responder's session @sid; -ENOENT if none */
int spdm_rsp_session_keys(struct spdm_rsp *r, uint32_t sid, struct spdm_keys *k);
/*
 * MeasurementHashAlgo the responder selects when the requester asks for
 * DMTF measurements (SHA-384 unless set): SPDM_MEAS_HASH_SHA256/384/512;
 * -EINVAL for anything else.
 */
int spdm_rsp_set_meas_hash(struct spdm_rsp *r, uint32_t algo);
/* Keys and ID of the requester's session */
int spdm_req_session_keys(struct spdm_req *q, uint32_t *sid, struct spdm_keys *k);
/* Portion size GET_CERTIFICATE asks for (default 0x400) */
void spdm_req_set_chunk(struct spdm_req *q, uint16_t len);
/*
 * One exchange of a raw SPDM message, in the clear or (@secured) inside
 * the session; the answer must fit @cap.  No checking of the answer.
 */
int spdm_req_raw(struct spdm_req *q, bool secured, const uint8_t *req, size_t len,
		 uint8_t *rsp, size_t cap);

#endif /* TSM_MODEL_SPDM_H */
