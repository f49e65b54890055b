// SPDX-License-Identifier: GPL-2.0
/*
 * Device evidence of PCI/TSM: certificate chains and measurement
 * transcripts checked with OpenSSL.  See evidence.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "evidence.h"

/* SPDM request and response codes of a measurement transcript */
#define GET_VERSION		0x84
#define VERSION			0x04
#define GET_CAPABILITIES	0xe1
#define CAPABILITIES		0x61
#define NEGOTIATE_ALGORITHMS	0xe3
#define ALGORITHMS		0x63
#define GET_MEASUREMENTS	0xe0
#define MEASUREMENTS		0x60

#define ASYM_ECDSA_P384		0x80
#define HASH_SHA384		0x02

static __thread char ev_err[160];

static void ev_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ev_err, sizeof(ev_err), fmt, ap);
	va_end(ap);
}

static uint16_t ev16(const uint8_t *p)
{
	return p[0] | (uint16_t)p[1] << 8;
}

static uint32_t ev24(const uint8_t *p)
{
	return ev16(p) | (uint32_t)p[2] << 16;
}

static uint32_t ev32(const uint8_t *p)
{
	return ev16(p) | (uint32_t)ev16(p + 2) << 16;
}

/**
 * tsm_ev_error() - why the last parse or check of this thread failed
 *
 * Return: a message without a trailing newline ("" if none).
 */
const char *tsm_ev_error(void)
{
	return ev_err;
}

/**
 * tsm_ev_sign_prefix() - the combined signing prefix of SPDM 1.2 and later
 * @version: SPDM version byte (major in bits 7:4, minor in 3:0)
 * @context: signing context (at most 36 characters are used)
 * @out: the 100-byte prefix
 */
void tsm_ev_sign_prefix(uint8_t version, const char *context,
			uint8_t out[TSM_EV_SIGN_PREFIX])
{
	size_t clen = strlen(context);
	char v[17];
	int i;

	snprintf(v, sizeof(v), "dmtf-spdm-v%u.%u.*", (version >> 4) % 10,
		 (version & 0xf) % 10);
	for (i = 0; i < 4; i++)
		memcpy(out + 16 * i, v, 16);
	if (clen > 36)
		clen = 36;
	memset(out + 64, 0, 36 - clen);
	memcpy(out + TSM_EV_SIGN_PREFIX - clen, context, clen);
}

/**
 * tsm_ev_ecdsa_verify() - verify an ECDSA P-384 / SHA-384 signature
 * @key: public key
 * @msg: the signed message
 * @len: its length
 * @sig: the signature, big-endian r || s
 *
 * Return: 0, -EBADMSG if it does not verify, -ENOMEM.
 */
int tsm_ev_ecdsa_verify(EVP_PKEY *key, const void *msg, size_t len,
			const uint8_t sig[TSM_EV_S])
{
	BIGNUM *r = BN_bin2bn(sig, TSM_EV_S / 2, NULL);
	BIGNUM *s = BN_bin2bn(sig + TSM_EV_S / 2, TSM_EV_S / 2, NULL);
	ECDSA_SIG *es = ECDSA_SIG_new();
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	int dlen, rc = -ENOMEM;

	if (!r || !s || !es || ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	/* es owns them now */
	r = NULL;
	s = NULL;
	dlen = i2d_ECDSA_SIG(es, &der);
	md = EVP_MD_CTX_new();
	if (dlen <= 0 || !md)
		goto out;
	rc = -EBADMSG;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, key) == 1 &&
	    EVP_DigestVerify(md, der, dlen, msg, len) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);
	return rc;
}

/**
 * tsm_ev_spdm_verify() - verify an SPDM signature over a transcript hash
 * @key: the signer's public key
 * @version: SPDM version of the transcript
 * @context: signing context
 * @th: SHA-384 of the transcript
 * @sig: the signature, r || s
 *
 * Return: 0, -EBADMSG if it does not verify, -ENOMEM.
 */
int tsm_ev_spdm_verify(EVP_PKEY *key, uint8_t version, const char *context,
		       const uint8_t th[TSM_EV_H], const uint8_t sig[TSM_EV_S])
{
	uint8_t m[TSM_EV_SIGN_PREFIX + TSM_EV_H];

	tsm_ev_sign_prefix(version, context, m);
	memcpy(m + TSM_EV_SIGN_PREFIX, th, TSM_EV_H);
	return tsm_ev_ecdsa_verify(key, m, sizeof(m), sig);
}

/* A leaf fit to sign SPDM messages: a P-384 key, not a CA */
static bool leaf_ok(X509 *leaf, EVP_PKEY *pub)
{
	BASIC_CONSTRAINTS *bc;
	char group[32];
	size_t glen = 0;
	bool ok;

	if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME,
					   group, sizeof(group), &glen) != 1 ||
	    strcmp(group, "secp384r1")) {
		ev_fail("the leaf key is not ECDSA P-384");
		return false;
	}
	bc = X509_get_ext_d2i(leaf, NID_basic_constraints, NULL, NULL);
	ok = bc && !bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	if (!ok)
		ev_fail("the leaf certificate is a CA or has no basicConstraints");
	return ok;
}

/* The DER certificates of @der, each issued by the one before it */
static struct stack_st_X509 *der_certs(const uint8_t *der, size_t len, int *rc)
{
	const uint8_t *p = der, *end = der + len;
	struct stack_st_X509 *sk = sk_X509_new_null();
	X509 *prev = NULL;

	*rc = -ENOMEM;
	if (!sk)
		return NULL;
	*rc = -EINVAL;
	while (p < end) {
		X509 *x;

		if (sk_X509_num(sk) == TSM_EV_MAX_CERTS) {
			ev_fail("more than %d certificates", TSM_EV_MAX_CERTS);
			goto err;
		}
		x = d2i_X509(NULL, &p, end - p);
		if (!x) {
			ev_fail("malformed certificate at byte %zu of %zu",
				(size_t)(p - der), len);
			goto err;
		}
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			*rc = -ENOMEM;
			goto err;
		}
		if (prev && X509_check_issued(prev, x) != X509_V_OK) {
			ev_fail("certificate %d is not issued by the one before it",
				sk_X509_num(sk));
			*rc = -EBADMSG;
			goto err;
		}
		prev = x;
	}
	if (!sk_X509_num(sk)) {
		ev_fail("no certificate");
		goto err;
	}
	*rc = 0;
	return sk;
err:
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

/**
 * tsm_ev_certs_verify() - verify concatenated DER certificates to a root
 * @anchor: the trust anchor (root CA)
 * @der: DER certificates: the first is the root or issued by it, each
 *	issued by the one before it, the last is the leaf
 * @len: length of @der
 * @leaf_key: on success, the leaf's public key (EVP_PKEY_free() it)
 *
 * The leaf must hold a P-384 key and not be a CA.
 *
 * Return: 0, -EINVAL if malformed, -EBADMSG if it does not verify, -ENOMEM.
 */
int tsm_ev_certs_verify(X509 *anchor, const uint8_t *der, size_t len,
			EVP_PKEY **leaf_key)
{
	X509_STORE_CTX *ctx = NULL;
	X509_STORE *store = NULL;
	struct stack_st_X509 *sk;
	EVP_PKEY *pub;
	X509 *leaf;
	int rc;

	*leaf_key = NULL;
	sk = der_certs(der, len, &rc);
	if (!sk)
		return rc;
	leaf = sk_X509_value(sk, sk_X509_num(sk) - 1);
	rc = -ENOMEM;
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx || X509_STORE_add_cert(store, anchor) != 1 ||
	    X509_STORE_CTX_init(ctx, store, leaf, sk) != 1)
		goto out;
	rc = -EBADMSG;
	if (X509_verify_cert(ctx) != 1) {
		ev_fail("the chain does not verify to the root: %s",
			X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	pub = X509_get_pubkey(leaf);
	if (!pub) {
		ev_fail("the leaf has no usable public key");
		goto out;
	}
	if (!leaf_ok(leaf, pub)) {
		EVP_PKEY_free(pub);
		goto out;
	}
	*leaf_key = pub;
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

/* The header of an SPDM certificate chain: Length, reserved, RootHash */
static bool chain_hdr_ok(const uint8_t *chain, size_t len)
{
	if (len <= TSM_EV_CHAIN_HDR || ev16(chain) != len) {
		ev_fail("a certificate chain of %zu bytes whose Length field says %u",
			len, len >= 2 ? ev16(chain) : 0);
		return false;
	}
	return true;
}

static int sha384(const void *p, size_t len, uint8_t out[TSM_EV_H])
{
	unsigned int n = 0;

	return EVP_Digest(p, len, out, &n, EVP_sha384(), NULL) == 1 &&
	       n == TSM_EV_H ? 0 : -ENOMEM;
}

/**
 * tsm_ev_chain_certs() - the certificates of an SPDM certificate chain
 * @chain: the chain (DSP0274: Length, reserved, RootHash, DER certificates)
 * @len: its length, which must equal the Length field
 *
 * When the first certificate is self-signed, RootHash must be its SHA-384.
 *
 * Return: the certificates, root end first (sk_X509_pop_free() them), or
 * NULL with tsm_ev_error() set.
 */
struct stack_st_X509 *tsm_ev_chain_certs(const uint8_t *chain, size_t len)
{
	uint8_t h[TSM_EV_H];
	unsigned char *der = NULL;
	struct stack_st_X509 *sk;
	X509 *root;
	int dlen, rc;

	if (!chain_hdr_ok(chain, len))
		return NULL;
	sk = der_certs(chain + TSM_EV_CHAIN_HDR, len - TSM_EV_CHAIN_HDR, &rc);
	if (!sk)
		return NULL;
	root = sk_X509_value(sk, 0);
	if (X509_check_issued(root, root) != X509_V_OK)
		return sk;
	dlen = i2d_X509(root, &der);
	if (dlen > 0 && !sha384(der, dlen, h) &&
	    !memcmp(h, chain + 4, TSM_EV_H)) {
		OPENSSL_free(der);
		return sk;
	}
	OPENSSL_free(der);
	ev_fail("RootHash is not the SHA-384 of the chain's root certificate");
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

/**
 * tsm_ev_chain_pem() - write the certificates of an SPDM chain as PEM
 * @chain: the chain
 * @len: its length
 * @out: where to write, root end first and the leaf last
 *
 * Return: the number of certificates, -EBADMSG if the chain is malformed,
 * -EIO if writing failed.
 */
int tsm_ev_chain_pem(const uint8_t *chain, size_t len, FILE *out)
{
	struct stack_st_X509 *sk = tsm_ev_chain_certs(chain, len);
	int i, n;

	if (!sk)
		return -EBADMSG;
	n = sk_X509_num(sk);
	for (i = 0; i < n; i++) {
		if (!PEM_write_X509(out, sk_X509_value(sk, i))) {
			ev_fail("cannot write the PEM certificates");
			n = -EIO;
			break;
		}
	}
	sk_X509_pop_free(sk, X509_free);
	return n;
}

/**
 * tsm_ev_chain_verify() - verify an SPDM certificate chain to a root CA
 * @anchor: the root CA
 * @chain: the chain
 * @len: its length
 * @leaf_key: on success the leaf's public key (EVP_PKEY_free() it)
 *
 * The chain's RootHash must be the SHA-384 of @anchor, and its
 * certificates must verify to @anchor (tsm_ev_certs_verify()).
 *
 * Return: 0, -EINVAL if malformed, -EBADMSG if it does not verify, -ENOMEM.
 */
int tsm_ev_chain_verify(X509 *anchor, const uint8_t *chain, size_t len,
			EVP_PKEY **leaf_key)
{
	unsigned char *der = NULL;
	uint8_t h[TSM_EV_H];
	int dlen, rc;

	*leaf_key = NULL;
	if (!chain_hdr_ok(chain, len))
		return -EINVAL;
	dlen = i2d_X509(anchor, &der);
	rc = dlen > 0 ? sha384(der, dlen, h) : -ENOMEM;
	OPENSSL_free(der);
	if (rc)
		return rc;
	if (memcmp(h, chain + 4, TSM_EV_H)) {
		ev_fail("the chain's RootHash is not the SHA-384 of this root");
		return -EBADMSG;
	}
	return tsm_ev_certs_verify(anchor, chain + TSM_EV_CHAIN_HDR,
				   len - TSM_EV_CHAIN_HDR, leaf_key);
}

/* Length of transcript message @i (expected code @code) at @p, or 0 */
static size_t msg_len(const uint8_t *p, size_t rem, uint8_t code, uint8_t ver)
{
	size_t n;

	if (rem < 4 || p[1] != code)
		return 0;
	switch (code) {
	case GET_VERSION:
		n = 4;
		break;
	case VERSION:
		n = rem >= 6 ? 6 + 2 * (size_t)p[5] : 0;
		break;
	case GET_CAPABILITIES:
		n = ver >= 0x12 ? 20 : (ver == 0x11 ? 12 : 4);
		break;
	case CAPABILITIES:
		n = ver >= 0x12 ? 20 : 12;
		break;
	case NEGOTIATE_ALGORITHMS:
		n = rem >= 6 ? ev16(p + 4) : 0;
		if (n < 32)
			n = 0;
		break;
	case ALGORITHMS:
		n = rem >= 6 ? ev16(p + 4) : 0;
		if (n < 36)
			n = 0;
		break;
	case GET_MEASUREMENTS:
		n = p[2] & 1 ? 4 + TSM_EV_NONCE + (ver >= 0x11) : 4;
		break;
	default:
		n = 0;
	}
	return n <= rem ? n : 0;
}

static const uint8_t transcript[] = {
	GET_VERSION, VERSION, GET_CAPABILITIES, CAPABILITIES,
	NEGOTIATE_ALGORITHMS, ALGORITHMS, GET_MEASUREMENTS,
};

static const char * const transcript_name[] = {
	"GET_VERSION", "VERSION", "GET_CAPABILITIES", "CAPABILITIES",
	"NEGOTIATE_ALGORITHMS", "ALGORITHMS", "GET_MEASUREMENTS",
};

/**
 * tsm_ev_meas_parse() - parse a signed measurement transcript
 * @meas: GET_VERSION, VERSION, GET_CAPABILITIES, CAPABILITIES,
 *	NEGOTIATE_ALGORITHMS, ALGORITHMS, GET_MEASUREMENTS (signature
 *	requested) and MEASUREMENTS with its signature last
 * @len: its length
 * @m: the result
 *
 * Checks the framing of every message against @len, that the messages
 * after VERSION use one version (1.2 or later), that ECDSA P-384 and
 * SHA-384 were selected, and that the measurement record holds exactly
 * NumberOfBlocks well-formed blocks.  The signature is not checked.
 *
 * Return: 0, or -EBADMSG with tsm_ev_error() set.
 */
int tsm_ev_meas_parse(const uint8_t *meas, size_t len, struct tsm_ev_meas *m)
{
	const uint8_t *alg = NULL, *req = NULL, *r;
	size_t off = 0, n, rec, olen, need, boff = 0;
	struct tsm_ev_block b;
	unsigned int i;
	uint8_t ver = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < sizeof(transcript); i++) {
		if (i >= 2 && len - off >= 1) {
			if (!ver)
				ver = meas[off];
			if (meas[off] != ver || ver < 0x12) {
				ev_fail("%s has version %#x; SPDM 1.2 or later expected",
					transcript_name[i], meas[off]);
				return -EBADMSG;
			}
		}
		n = msg_len(meas + off, len - off, transcript[i], ver);
		if (!n) {
			ev_fail("%s expected at byte %zu: missing or malformed",
				transcript_name[i], off);
			return -EBADMSG;
		}
		if (transcript[i] == ALGORITHMS)
			alg = meas + off;
		req = meas + off;
		off += n;
	}
	if (ev32(alg + 12) != ASYM_ECDSA_P384 || ev32(alg + 16) != HASH_SHA384) {
		ev_fail("ALGORITHMS selected asym %#x hash %#x, not ECDSA P-384 with SHA-384",
			ev32(alg + 12), ev32(alg + 16));
		return -EBADMSG;
	}
	if (!(req[2] & 1)) {
		ev_fail("GET_MEASUREMENTS did not request a signature");
		return -EBADMSG;
	}
	r = meas + off;
	if (len - off < 8 || r[0] != ver || r[1] != MEASUREMENTS) {
		ev_fail("MEASUREMENTS expected at byte %zu", off);
		return -EBADMSG;
	}
	rec = ev24(r + 5);
	need = 8 + rec + TSM_EV_NONCE + 2;
	if (len - off < need) {
		ev_fail("MEASUREMENTS: a record of %zu bytes does not fit", rec);
		return -EBADMSG;
	}
	olen = ev16(r + need - 2);
	if (len - off != need + olen + TSM_EV_S) {
		ev_fail("MEASUREMENTS is %zu bytes, its fields say %zu",
			len - off, need + olen + TSM_EV_S);
		return -EBADMSG;
	}
	m->version = ver;
	memcpy(m->nonce, req + 4, TSM_EV_NONCE);
	m->blocks = r[4];
	m->record = r + 8;
	m->record_len = rec;
	m->signed_len = len - TSM_EV_S;
	m->sig = meas + len - TSM_EV_S;
	for (i = 0; i < m->blocks; i++) {
		rc = tsm_ev_meas_next(m, &boff, &b);
		if (rc <= 0) {
			if (!rc)
				ev_fail("the record holds %u blocks, not %u", i,
					m->blocks);
			return -EBADMSG;
		}
	}
	if (boff != rec) {
		ev_fail("%zu bytes after the last measurement block", rec - boff);
		return -EBADMSG;
	}
	return 0;
}

/**
 * tsm_ev_meas_plain() - is this a MEASUREMENTS response without its
 *	transcript
 * @meas: the measurements as the kernel published them
 * @len: their length
 *
 * SEV-TIO firmware returns the measurements either as the log (the
 * transcript, which tsm_ev_meas_parse() takes) or as the MEASUREMENTS
 * response alone, whose signature covers messages that are not there
 * and so cannot be checked (AMDESE/linux-kvm
 * drivers/crypto/ccp/sev-dev-tio.h @ 16f379f5463a: object type 1 plain,
 * 2 log).
 *
 * Return: true for a MEASUREMENTS response of SPDM 1.2 or later.
 */
bool tsm_ev_meas_plain(const uint8_t *meas, size_t len)
{
	return len >= 8 && meas[0] >= 0x12 && meas[1] == MEASUREMENTS;
}

/**
 * tsm_ev_meas_next() - the next measurement block of a parsed transcript
 * @m: the transcript
 * @off: offset in the record; 0 to start, advanced past the block
 * @b: the block
 *
 * Return: 1 with @b filled, 0 at the end of the record, -EBADMSG if the
 * block does not fit.
 */
int tsm_ev_meas_next(const struct tsm_ev_meas *m, size_t *off,
		     struct tsm_ev_block *b)
{
	const uint8_t *p = m->record + *off;
	size_t rem = m->record_len - *off, size;

	if (!rem)
		return 0;
	size = rem >= 4 ? ev16(p + 2) : 0;
	if (rem < 4 || size > rem - 4) {
		ev_fail("measurement block at byte %zu of the record does not fit",
			*off);
		return -EBADMSG;
	}
	memset(b, 0, sizeof(*b));
	b->index = p[0];
	b->dmtf = p[1] & 1;
	b->value = p + 4;
	b->len = size;
	if (b->dmtf) {
		if (size < 3 || ev16(p + 5) != size - 3) {
			ev_fail("DMTF measurement %u: value size %u in %zu bytes",
				p[0], size >= 3 ? ev16(p + 5) : 0, size);
			return -EBADMSG;
		}
		b->type = p[4];
		b->value = p + 7;
		b->len = size - 3;
	}
	*off += 4 + size;
	return 1;
}

/**
 * tsm_ev_meas_signed() - check the signature of a parsed transcript
 * @leaf: the leaf key of the device's certificate chain
 * @meas: the transcript @m was parsed from by tsm_ev_meas_parse()
 * @m: the parsed transcript
 *
 * Return: 0, -EBADMSG if the signature does not verify, -ENOMEM.
 */
int tsm_ev_meas_signed(EVP_PKEY *leaf, const uint8_t *meas,
		       const struct tsm_ev_meas *m)
{
	uint8_t h[TSM_EV_H];
	int rc;

	if (sha384(meas, m->signed_len, h))
		return -ENOMEM;
	rc = tsm_ev_spdm_verify(leaf, m->version, TSM_EV_CTX_MEAS, h, m->sig);
	if (rc == -EBADMSG)
		ev_fail("the measurement signature fails with the leaf key");
	return rc;
}

/**
 * tsm_ev_meas_verify() - parse a transcript and check its signature
 * @leaf: the leaf key of the device's certificate chain
 * @meas: the transcript (see tsm_ev_meas_parse())
 * @len: its length
 * @m: the result
 *
 * Return: 0, -EBADMSG if malformed or the signature does not verify.
 */
int tsm_ev_meas_verify(EVP_PKEY *leaf, const uint8_t *meas, size_t len,
		       struct tsm_ev_meas *m)
{
	return tsm_ev_meas_parse(meas, len, m) ?: tsm_ev_meas_signed(leaf, meas, m);
}

/**
 * tsm_ev_type_name() - name of a DMTF measurement value type
 * @type: the type byte (bit 7, raw bit stream, is ignored)
 *
 * Return: a short name.
 */
const char *tsm_ev_type_name(uint8_t type)
{
	static const char * const names[] = {
		"immutable-rom", "mutable-fw", "hw-config", "fw-config",
		"manifest", "device-mode", "version", "svn",
	};

	type &= 0x7f;
	return type < 8 ? names[type] : "other";
}
