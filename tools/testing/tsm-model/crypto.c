// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-model: cryptography for SPDM on top of OpenSSL 3 libcrypto, and the
 * responder identity (certificate chain and private key).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "spdm.h"

#define P384_COORD	48

/**
 * crypto_random() - fill a buffer with random bytes
 * @buf: buffer
 * @n: its size
 *
 * Return: 0 or -EIO.
 */
int crypto_random(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -EIO;
}

static int digest_vec(const EVP_MD *md, const struct crypto_vec *v, unsigned int nv,
		      uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int i;
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (i = 0; ok && i < nv; i++)
		if (v[i].n)
			ok = EVP_DigestUpdate(ctx, v[i].p, v[i].n);
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/**
 * crypto_sha256() - SHA-256 of a buffer
 * @p: data
 * @n: its size
 * @out: digest
 *
 * Return: 0 or a negative errno.
 */
int crypto_sha256(const void *p, size_t n, uint8_t out[32])
{
	struct crypto_vec v = { p, n };

	return digest_vec(EVP_sha256(), &v, 1, out);
}

/**
 * crypto_sha384() - SHA-384 of a buffer
 * @p: data
 * @n: its size
 * @out: digest
 *
 * Return: 0 or a negative errno.
 */
int crypto_sha384(const void *p, size_t n, uint8_t out[SPDM_H])
{
	struct crypto_vec v = { p, n };

	return digest_vec(EVP_sha384(), &v, 1, out);
}

/**
 * crypto_sha2() - SHA-256, SHA-384 or SHA-512 of a buffer, by digest size
 * @hlen: 32, 48 or 64
 * @p: data
 * @n: its size
 * @out: digest (@hlen bytes)
 *
 * Return: 0, -EINVAL for another size, another negative errno.
 */
int crypto_sha2(size_t hlen, const void *p, size_t n, uint8_t *out)
{
	struct crypto_vec v = { p, n };

	switch (hlen) {
	case 32:
		return digest_vec(EVP_sha256(), &v, 1, out);
	case 48:
		return digest_vec(EVP_sha384(), &v, 1, out);
	case 64:
		return digest_vec(EVP_sha512(), &v, 1, out);
	}
	return -EINVAL;
}

/**
 * crypto_sha384_vec() - SHA-384 of the concatenation of several buffers
 * @v: the buffers
 * @nv: their number
 * @out: digest
 *
 * Return: 0 or a negative errno.
 */
int crypto_sha384_vec(const struct crypto_vec *v, unsigned int nv, uint8_t out[SPDM_H])
{
	return digest_vec(EVP_sha384(), v, nv, out);
}

/**
 * crypto_hmac_sha384() - HMAC-SHA-384
 * @key: key
 * @klen: its size
 * @msg: message
 * @mlen: its size
 * @out: MAC
 *
 * Return: 0 or -EIO.
 */
int crypto_hmac_sha384(const uint8_t *key, size_t klen, const void *msg, size_t mlen,
		       uint8_t out[SPDM_H])
{
	static const uint8_t empty[1];
	unsigned int olen = 0;

	if (!HMAC(EVP_sha384(), klen ? key : empty, (int)klen, mlen ? msg : empty, mlen,
		  out, &olen) || olen != SPDM_H)
		return -EIO;
	return 0;
}

/**
 * crypto_hkdf_extract() - HKDF-Extract with SHA-384 (RFC 5869)
 * @salt: salt (the HMAC key)
 * @slen: its size
 * @ikm: input keying material
 * @ilen: its size
 * @prk: pseudo-random key
 *
 * Return: 0 or -EIO.
 */
int crypto_hkdf_extract(const uint8_t *salt, size_t slen, const uint8_t *ikm, size_t ilen,
			uint8_t prk[SPDM_H])
{
	return crypto_hmac_sha384(salt, slen, ikm, ilen, prk);
}

/**
 * crypto_hkdf_expand() - HKDF-Expand with SHA-384 (RFC 5869)
 * @prk: pseudo-random key
 * @plen: its size
 * @info: context and application specific information
 * @ilen: its size (at most 1024)
 * @out: output keying material
 * @olen: its size (at most 255 * 48)
 *
 * Return: 0 or a negative errno.
 */
int crypto_hkdf_expand(const uint8_t *prk, size_t plen, const uint8_t *info, size_t ilen,
		       uint8_t *out, size_t olen)
{
	uint8_t t[SPDM_H + 1024 + 1], blk[SPDM_H];
	size_t tlen = 0, done = 0;
	unsigned int i;
	int rc = 0;

	if (ilen > 1024 || olen > 255 * SPDM_H)
		return -EINVAL;
	for (i = 1; done < olen; i++) {
		size_t n;

		/* T(i) = HMAC(PRK, T(i-1) | info | i) */
		if (ilen)
			memcpy(t + tlen, info, ilen);
		t[tlen + ilen] = (uint8_t)i;
		rc = crypto_hmac_sha384(prk, plen, t, tlen + ilen + 1, blk);
		if (rc)
			break;
		n = olen - done < SPDM_H ? olen - done : SPDM_H;
		memcpy(out + done, blk, n);
		done += n;
		memcpy(t, blk, SPDM_H);
		tlen = SPDM_H;
	}
	crypto_cleanse(t, sizeof(t));
	crypto_cleanse(blk, sizeof(blk));
	return rc;
}

static int aead(bool enc, const uint8_t *key, const uint8_t *iv, const uint8_t *aad,
		size_t alen, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ok, n;

	if (!ctx)
		return -ENOMEM;
	if (alen > INT32_MAX || len > INT32_MAX) {
		EVP_CIPHER_CTX_free(ctx);
		return -EINVAL;
	}
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SPDM_AEAD_IV, NULL) &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc);
	if (ok && alen)
		ok = EVP_CipherUpdate(ctx, NULL, &n, aad, (int)alen);
	if (ok && len)
		ok = EVP_CipherUpdate(ctx, out, &n, in, (int)len);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SPDM_AEAD_TAG, tag);
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + len, &n);
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SPDM_AEAD_TAG, tag);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok && !enc && len)
		crypto_cleanse(out, len);
	return ok ? 0 : (enc ? -EIO : -EBADMSG);
}

/**
 * crypto_aead_seal() - AES-256-GCM encryption
 * @key: key
 * @iv: 96-bit IV
 * @aad: additional authenticated data
 * @alen: its size
 * @pt: plaintext
 * @plen: its size
 * @ct: ciphertext, @plen bytes (may be @pt)
 * @tag: authentication tag
 *
 * Return: 0 or a negative errno.
 */
int crypto_aead_seal(const uint8_t key[SPDM_AEAD_KEY], const uint8_t iv[SPDM_AEAD_IV],
		     const uint8_t *aad, size_t alen, const uint8_t *pt, size_t plen,
		     uint8_t *ct, uint8_t tag[SPDM_AEAD_TAG])
{
	return aead(true, key, iv, aad, alen, pt, plen, ct, tag);
}

/**
 * crypto_aead_open() - AES-256-GCM decryption and authentication
 * @key: key
 * @iv: 96-bit IV
 * @aad: additional authenticated data
 * @alen: its size
 * @ct: ciphertext
 * @clen: its size
 * @tag: authentication tag
 * @pt: plaintext, @clen bytes (zeroed on failure)
 *
 * Return: 0, -EBADMSG if the tag does not match, another negative errno.
 */
int crypto_aead_open(const uint8_t key[SPDM_AEAD_KEY], const uint8_t iv[SPDM_AEAD_IV],
		     const uint8_t *aad, size_t alen, const uint8_t *ct, size_t clen,
		     const uint8_t tag[SPDM_AEAD_TAG], uint8_t *pt)
{
	uint8_t t[SPDM_AEAD_TAG];

	memcpy(t, tag, sizeof(t));
	return aead(false, key, iv, aad, alen, ct, clen, pt, t);
}

/**
 * crypto_ecdsa_sign() - ECDSA P-384 with SHA-384 of @msg
 * @key: private key
 * @msg: message (SPDM: M')
 * @len: its size
 * @sig: signature, big-endian r || s
 *
 * Return: 0 or a negative errno.
 */
int crypto_ecdsa_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[SPDM_S])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t der[160];
	const uint8_t *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *s = NULL;
	const BIGNUM *r, *sv;
	int rc = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, der, &dlen, msg, len) != 1)
		goto out;
	s = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	if (!s)
		goto out;
	ECDSA_SIG_get0(s, &r, &sv);
	if (BN_bn2binpad(r, sig, P384_COORD) != P384_COORD ||
	    BN_bn2binpad(sv, sig + P384_COORD, P384_COORD) != P384_COORD)
		goto out;
	rc = 0;
out:
	ECDSA_SIG_free(s);
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int pub_raw(EVP_PKEY *key, uint8_t pub[SPDM_D])
{
	uint8_t buf[1 + SPDM_D];
	size_t len = 0;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf),
					    &len) != 1 || len != sizeof(buf) || buf[0] != 4)
		return -EIO;
	memcpy(pub, buf + 1, SPDM_D);
	return 0;
}

/**
 * crypto_ecdh_new() - ephemeral secp384r1 key pair
 * @pub: its public key, X || Y big-endian
 *
 * Return: the key pair (free with EVP_PKEY_free()) or NULL.
 */
EVP_PKEY *crypto_ecdh_new(uint8_t pub[SPDM_D])
{
	EVP_PKEY *key = EVP_EC_gen("secp384r1");

	if (key && pub_raw(key, pub)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}

static EVP_PKEY *peer_key(const uint8_t raw[SPDM_D])
{
	uint8_t pt[1 + SPDM_D];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY_CTX *chk = NULL;
	EVP_PKEY *key = NULL;
	char group[] = "secp384r1";

	if (!ctx)
		return NULL;
	pt[0] = 4;
	memcpy(pt + 1, raw, SPDM_D);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	/* The point must be on the curve and not the identity */
	chk = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!chk || EVP_PKEY_public_check(chk) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
out:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/**
 * crypto_ecdh_derive() - ECDHE shared secret (the X coordinate)
 * @key: own key pair
 * @peer: peer public key X || Y
 * @secret: shared secret
 *
 * Return: 0, -EINVAL if @peer is not a valid point, another errno.
 */
int crypto_ecdh_derive(EVP_PKEY *key, const uint8_t peer[SPDM_D], uint8_t secret[SPDM_H])
{
	EVP_PKEY *pk = peer_key(peer);
	EVP_PKEY_CTX *ctx;
	size_t len = SPDM_H;
	int rc = -EIO;

	if (!pk)
		return -EINVAL;
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, pk) == 1 &&
	    EVP_PKEY_derive(ctx, secret, &len) == 1 && len == SPDM_H)
		rc = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rc;
}

/**
 * crypto_memeq() - constant-time comparison
 * @a: buffer
 * @b: buffer
 * @n: size
 *
 * Return: true if equal.
 */
bool crypto_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/**
 * crypto_cleanse() - wipe secrets
 * @p: buffer
 * @n: size
 */
void crypto_cleanse(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END))
		goto out;
	n = ftell(f);
	if (n <= 0 || n > SPDM_MAX_CHAIN || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(n);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = n;
out:
	fclose(f);
	return buf;
}

/**
 * crypto_x509_load() - load a DER certificate
 * @path: file name
 *
 * Return: the certificate or NULL.
 */
X509 *crypto_x509_load(const char *path)
{
	size_t len = 0;
	uint8_t *der = read_file(path, &len);
	const uint8_t *p = der;
	X509 *x = NULL;

	if (der)
		x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	free(der);
	return x;
}

static int append_der(uint8_t *chain, size_t *len, const char *dir, const char *name)
{
	char path[4096];
	uint8_t *der;
	size_t n = 0;
	X509 *x;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	x = crypto_x509_load(path);
	if (!x) {
		fprintf(stderr, "tsm-model: cannot load certificate %s\n", path);
		return -EINVAL;
	}
	X509_free(x);
	der = read_file(path, &n);
	if (!der)
		return -EIO;
	if (*len + n > SPDM_MAX_CHAIN) {
		free(der);
		fprintf(stderr, "tsm-model: certificate chain too long\n");
		return -E2BIG;
	}
	memcpy(chain + *len, der, n);
	*len += n;
	free(der);
	return 0;
}

static EVP_PKEY *load_key(const char *path)
{
	size_t len = 0;
	uint8_t *buf = read_file(path, &len);
	const uint8_t *p = buf;
	EVP_PKEY *key = NULL;
	BIO *bio;

	if (!buf)
		return NULL;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key)
		key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	crypto_cleanse(buf, len);
	free(buf);
	return key;
}

/**
 * model_identity_load() - load the responder's certificate chain and key
 * @dir: directory written by gen-certs.sh (root.der, inter.der, leaf.der,
 *	leaf.key as PEM PKCS#8 or DER)
 *
 * Builds the SPDM certificate chain of slot 0 (FACTS 3.7) and checks that
 * it verifies against root.der and that the key matches the leaf.
 *
 * Return: the identity or NULL (message on stderr).
 */
struct model_identity *model_identity_load(const char *dir)
{
	struct model_identity *id = calloc(1, sizeof(*id));
	char path[4096];
	X509 *root = NULL, *leaf = NULL;
	EVP_PKEY *pub = NULL;
	size_t len = 4 + SPDM_H, root_off = len;
	const uint8_t *p;

	if (!id)
		return NULL;
	id->chain = malloc(SPDM_MAX_CHAIN);
	if (!id->chain)
		goto err;
	memset(id->chain, 0, 4 + SPDM_H);
	if (append_der(id->chain, &len, dir, "root.der"))
		goto err;
	if (crypto_sha384(id->chain + root_off, len - root_off, id->chain + 4))
		goto err;
	if (append_der(id->chain, &len, dir, "inter.der") ||
	    append_der(id->chain, &len, dir, "leaf.der"))
		goto err;
	put16(id->chain, (uint16_t)len);
	id->chain_len = len;
	if (crypto_sha384(id->chain, len, id->chain_hash))
		goto err;

	snprintf(path, sizeof(path), "%s/leaf.key", dir);
	id->key = load_key(path);
	if (!id->key) {
		fprintf(stderr, "tsm-model: cannot load private key %s\n", path);
		goto err;
	}
	snprintf(path, sizeof(path), "%s/root.der", dir);
	root = crypto_x509_load(path);
	if (!root ||
	    tsm_ev_certs_verify(root, id->chain + root_off, len - root_off, &pub)) {
		fprintf(stderr, "tsm-model: certificate chain in %s does not verify\n", dir);
		goto err;
	}
	/* Find the leaf again to match the private key against it */
	p = id->chain + root_off;
	while (p < id->chain + len) {
		X509_free(leaf);
		leaf = d2i_X509(NULL, &p, id->chain + len - p);
		if (!leaf)
			goto err;
	}
	if (!leaf || X509_check_private_key(leaf, id->key) != 1) {
		fprintf(stderr, "tsm-model: leaf.key does not match leaf.der in %s\n", dir);
		goto err;
	}
	X509_free(leaf);
	X509_free(root);
	EVP_PKEY_free(pub);
	return id;
err:
	X509_free(leaf);
	X509_free(root);
	EVP_PKEY_free(pub);
	model_identity_free(id);
	return NULL;
}

/**
 * model_identity_free() - free an identity
 * @id: identity or NULL
 */
void model_identity_free(struct model_identity *id)
{
	if (!id)
		return;
	EVP_PKEY_free(id->key);
	free(id->chain);
	free(id);
}
