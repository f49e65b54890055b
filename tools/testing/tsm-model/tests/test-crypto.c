// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer and behaviour tests of crypto.c and spdm-common.c.
 *
 * Where the expected values come from:
 * - SHA-256/384("abc"): FIPS 180-2 examples, confirmed with
 *   "printf abc | openssl dgst -sha384".
 * - HMAC-SHA-384: RFC 4231 test case 2, confirmed with
 *   "openssl mac -digest SHA384 -macopt key:Jefe HMAC".
 * - Key schedule: every step computed with the OpenSSL 3.0 command line,
 *   independently of this code, from DHE = 01..30, TH1 = 65..94,
 *   TH2 = 97..c6 (hex byte ramps):
 *     HKDF-Extract: openssl kdf -keylen 48 -kdfopt digest:SHA384
 *       -kdfopt mode:EXTRACT_ONLY -kdfopt hexkey:IKM -kdfopt hexsalt:SALT HKDF
 *     HKDF-Expand:  openssl kdf -keylen L -kdfopt digest:SHA384
 *       -kdfopt mode:EXPAND_ONLY -kdfopt hexkey:PRK -kdfopt hexinfo:INFO HKDF
 *   with INFO = BinConcat built by hand in the shell (printf/xxd).
 * - AES-256-GCM: test cases 14 and 16 of McGrew/Viega, "The Galois/Counter
 *   Mode of Operation" (also NIST CAVP gcmEncryptExtIV256), cross-checked
 *   with python3-cryptography (the 3.0 "openssl enc" cannot do GCM).
 * - ECDSA: a P-384 key made with "openssl genpkey", signatures made with
 *   "openssl dgst -sha384 -sign" and converted from DER to r || s with
 *   "openssl asn1parse"; the second one signs M' of FACTS 3.15 (prefix
 *   built with printf: "dmtf-spdm-v1.2.*" x 4, 4 zero bytes,
 *   "responder-challenge_auth signing", then TH1).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "harness.h"
#include "spdm-test.h"

/* The key schedule inputs: byte ramps DHE = 01..30, TH1 = 65..94, TH2 = 97..c6 */
static void ramp(uint8_t *p, uint8_t first)
{
	int i;

	for (i = 0; i < SPDM_H; i++)
		p[i] = first + i;
}

int test_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;

	if (strlen(hex) % 2 || n > cap)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	return (int)n;
}

const char *test_cert_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", model_test_certs(), name);
	return buf;
}

struct model_identity *test_identity(void)
{
	struct model_identity *id = model_identity_load(model_test_certs());

	if (!id)
		model_test_fail(__FILE__, __LINE__, "no test PKI in $TSM_MODEL_CERTS");
	return id;
}

int test_make_root(char *dir)
{
	EVP_PKEY *key = EVP_EC_gen("secp384r1");
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	char path[128];
	FILE *f;
	int rc = -1;

	snprintf(dir, 64, "/tmp/tsm-model-root.XXXXXX");
	if (!key || !x || !mkdtemp(dir))
		goto out;
	name = X509_get_subject_name(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"tsm-model other root", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	if (!ext)
		goto out;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!X509_sign(x, key, EVP_sha384()))
		goto out;
	snprintf(path, sizeof(path), "%s/root.der", dir);
	f = fopen(path, "wb");
	if (!f)
		goto out;
	if (i2d_X509_fp(f, x))
		rc = 0;
	fclose(f);
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

void test_rmroot(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/root.der", dir);
	unlink(path);
	rmdir(dir);
}

/* Decode the concatenation of NULL-terminated hex string arguments */
static int hexv_list(uint8_t *out, size_t cap, const char *first, va_list ap)
{
	char buf[1024];
	const char *s;
	size_t len = 0;

	for (s = first; s; s = va_arg(ap, const char *)) {
		if (len + strlen(s) >= sizeof(buf))
			return -1;
		memcpy(buf + len, s, strlen(s));
		len += strlen(s);
	}
	buf[len] = 0;
	return test_hex(buf, out, cap);
}

static int hexv(uint8_t *out, size_t cap, const char *first, ...)
{
	va_list ap;
	int n;

	va_start(ap, first);
	n = hexv_list(out, cap, first, ap);
	va_end(ap);
	return n;
}

static void expect_hex(const uint8_t *got, const char *first, ...)
{
	uint8_t want[256];
	va_list ap;
	int n;

	va_start(ap, first);
	n = hexv_list(want, sizeof(want), first, ap);
	va_end(ap);

	EXPECT(n > 0);
	if (n > 0)
		EXPECT_MEM(got, want, n);
}

TEST(crypto_sha_kat)
{
	uint8_t h[SPDM_H];
	struct crypto_vec v[3] = { { "a", 1 }, { "", 0 }, { "bc", 2 } };

	EXPECT_EQ(crypto_sha384("abc", 3, h), 0);
	expect_hex(h, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed",
		   "8086072ba1e7cc2358baeca134c825a7", NULL);
	memset(h, 0, sizeof(h));
	EXPECT_EQ(crypto_sha384_vec(v, 3, h), 0);
	expect_hex(h, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed",
		   "8086072ba1e7cc2358baeca134c825a7", NULL);
	EXPECT_EQ(crypto_sha256("abc", 3, h), 0);
	expect_hex(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", NULL);
}

TEST(crypto_hmac_kat)
{
	static const char msg[] = "what do ya want for nothing?";
	uint8_t mac[SPDM_H];

	EXPECT_EQ(crypto_hmac_sha384((const uint8_t *)"Jefe", 4, msg, strlen(msg), mac), 0);
	expect_hex(mac, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e",
		   "8e2240ca5e69e2c78b3239ecfab21649", NULL);
}

TEST(crypto_hkdf_kat)
{
	uint8_t zero[SPDM_H] = { 0 }, dhe[SPDM_H], prk[SPDM_H], okm[100];

	ramp(dhe, 0x01);
	EXPECT_EQ(crypto_hkdf_extract(zero, SPDM_H, dhe, SPDM_H, prk), 0);
	expect_hex(prk, "e64174c689bb335160bd24e716e8b2280fd85bf5277d32840aa09af4872a6bfb",
		   "91d02569cafaa7f3dddfec54b791287a", NULL);
	/* Three HMAC blocks, the last one partial */
	EXPECT_EQ(crypto_hkdf_expand(dhe, SPDM_H, (const uint8_t *)"tsm-model", 9, okm, 100), 0);
	expect_hex(okm, "a682f5dd1905fb84da31a0227b2ef468545215a6fff844b43409ad6ff4c0e0bf",
		   "3f4d4793d070ae6ead876ae03f273d60bc538eb002c7184eee25eeafd2576162",
		   "027a9ae69bd17ae7a083850f1c8d0c22ed257bfe9b74e7cffe3d24e06d6b5f59",
		   "9f03beb5", NULL);
	EXPECT_EQ(crypto_hkdf_expand(dhe, SPDM_H, NULL, 0, okm, 255 * SPDM_H + 1), -EINVAL);
}

TEST(crypto_bin_concat_layout)
{
	uint8_t out[128], th[SPDM_H];
	size_t n;

	n = spdm_bin_concat(out, sizeof(out), 32, "key", NULL, 0);
	EXPECT_EQ(n, 13);
	expect_hex(out, "20007370646d312e32206b6579", NULL);	/* 20 00 "spdm1.2 " "key" */
	memset(th, 0xaa, sizeof(th));
	n = spdm_bin_concat(out, sizeof(out), 48, "req hs data", th, SPDM_H);
	EXPECT_EQ(n, 2 + 8 + 11 + 48);
	EXPECT_EQ(out[0], 48);
	EXPECT_EQ(out[1], 0);
	EXPECT_MEM(out + 10, "req hs data", 11);
	EXPECT_MEM(out + 21, th, SPDM_H);
	EXPECT_EQ(spdm_bin_concat(out, 20, 48, "req hs data", th, SPDM_H), 0);
}

TEST(crypto_key_schedule_kat)
{
	uint8_t dhe[SPDM_H], th1[SPDM_H], th2[SPDM_H];
	struct spdm_keys k;

	memset(&k, 0, sizeof(k));
	ramp(dhe, 0x01);
	ramp(th1, 0x65);
	ramp(th2, 0x97);
	ASSERT(spdm_ks_handshake(&k, dhe, th1) == 0);
	expect_hex(k.hs_secret, "e64174c689bb335160bd24e716e8b2280fd85bf5277d32840aa09af4",
		   "872a6bfb91d02569cafaa7f3dddfec54b791287a", NULL);
	expect_hex(k.req_hs, "74b3998412e90972e5b6d62348b7f30f59faec37e2c1dba854615a75bcaabb9b",
		   "7d79b72a7726c538f3835621069a30d3", NULL);
	expect_hex(k.rsp_hs, "30a2cb4a830e50a23b36cc2555e148f094a5f98070fbc2b57bd5c05077f6a747",
		   "faac023c83ffe4fd81fa9bfa2375a43d", NULL);
	expect_hex(k.req_fin, "99aa7591c7226b837d3a9cd79e1e3e1d9a4e08cd89047889413b9131557ff4fb",
		   "701af59cabe68b9cdb864a2e1d6b14f4", NULL);
	expect_hex(k.rsp_fin, "708ce8a03e2de9969ddf98f0beb238d5ec0c84018994ec0f60a03c060ab6afbe",
		   "08de1241fb652afa75a1a13c7c1ab6dd", NULL);
	expect_hex(k.req.key, "2f5cf0b226e6823a0c462449f0c4e7ec",
		   "0f8492a4e5ff412d3b754bf016f4937e", NULL);
	expect_hex(k.req.iv, "8be210a9e2e216b7817f4b7a", NULL);
	EXPECT_EQ(k.req.seq, 0);

	ASSERT(spdm_ks_data(&k, th2) == 0);
	expect_hex(k.master, "b747bbb506b52bf55647719786d02c026a93fd6e3d0d248e25f439d4610d5edb",
		   "d315a600d4613a75d08aa3c1abd32726", NULL);
	expect_hex(k.req_data, "2faede126c9ca0754799e3ce615d73b702112e8ed7eaed8f3968bc50eb928c70",
		   "3bde2058ed56dd8ea1177261f10757a0", NULL);
	expect_hex(k.rsp_data, "879a6ee3978dafa23accbb84684c28b0b5f34cd3b5ad834c1624dbef81cc852f",
		   "5d293daeafb57d035eef8addd45acc4b", NULL);
	expect_hex(k.export_ms, "2d7fb8beb3ad0bba6c3f4cee0685475845194c50d00f017a5a89c3ab5b5281d7",
		   "9c6b1a63ae777abfcbaaac907bf5272c", NULL);
	expect_hex(k.rsp.key, "4b32b14ee87cd344a3a69024e2432f3d",
		   "06845ef18ebdb2ce10e53c05aace7129", NULL);
	expect_hex(k.rsp.iv, "2727f6b13bb278c7e156ad98", NULL);

	k.req.seq = 5;
	ASSERT(spdm_ks_update(&k, true) == 0);
	expect_hex(k.req_data, "d3a2947ac9c0b30c0dcc4ece40ec63597e29e23d89366b46dd63e0df7b6851ee",
		   "26efd27132f2ebcd567c238c573723dd", NULL);
	EXPECT_EQ(k.req.seq, 0);
	/* The other direction is untouched */
	expect_hex(k.rsp.key, "4b32b14ee87cd344a3a69024e2432f3d",
		   "06845ef18ebdb2ce10e53c05aace7129", NULL);
}

TEST(crypto_aes_gcm_kat)
{
	uint8_t key[32], iv[12], pt[64], aad[20], ct[64], tag[16], out[64];
	int n;

	/* Test case 16 */
	test_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key, 32);
	test_hex("cafebabefacedbaddecaf888", iv, 12);
	n = hexv(pt, 64, "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72",
		 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", NULL);
	ASSERT(n == 60);
	test_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
	EXPECT_EQ(crypto_aead_seal(key, iv, aad, 20, pt, n, ct, tag), 0);
	expect_hex(ct, "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa",
		   "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662", NULL);
	expect_hex(tag, "76fc6ece0f4e1768cddf8853bb2d551b", NULL);
	EXPECT_EQ(crypto_aead_open(key, iv, aad, 20, ct, n, tag, out), 0);
	EXPECT_MEM(out, pt, n);
	/* Any change is caught */
	tag[15] ^= 1;
	EXPECT_EQ(crypto_aead_open(key, iv, aad, 20, ct, n, tag, out), -EBADMSG);
	tag[15] ^= 1;
	aad[0] ^= 0x80;
	EXPECT_EQ(crypto_aead_open(key, iv, aad, 20, ct, n, tag, out), -EBADMSG);
	aad[0] ^= 0x80;
	ct[7] ^= 4;
	EXPECT_EQ(crypto_aead_open(key, iv, aad, 20, ct, n, tag, out), -EBADMSG);

	/* Test case 14: zero key, IV and one zero block, no AAD */
	memset(key, 0, 32);
	memset(iv, 0, 12);
	memset(pt, 0, 16);
	EXPECT_EQ(crypto_aead_seal(key, iv, NULL, 0, pt, 16, ct, tag), 0);
	expect_hex(ct, "cea7403d4d606b6e074ec5d3baf39d18", NULL);
	expect_hex(tag, "d0d1c8a799996bf0265b98b5d48ab919", NULL);
}

static EVP_PKEY *cli_pubkey(void)
{
	static const char pem[] =
		"-----BEGIN PUBLIC KEY-----\n"
		"MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEdv8a0PgxqEVYaOMEpzstXv3sat0mSupD\n"
		"Wy1KNB9HnVARqbEqkb4DM+xQX9x47vlKj8WKNEsDUomhJIuqwNtdICeXfJ6z+q38\n"
		"tS8Hfv+Fpd5ac5oNGyxMQOkUM3VlirDh\n"
		"-----END PUBLIC KEY-----\n";
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

TEST(crypto_ecdsa_openssl_cli)
{
	static const char msg[] = "tsm-model ECDSA known answer";
	EVP_PKEY *pub = cli_pubkey();
	uint8_t sig[SPDM_S], th1[SPDM_H];

	ASSERT(pub);
	hexv(sig, sizeof(sig),
	     "5901F377070016EA4E9BE7B2EC135E19F176F0055E09F2516FDF48AC4D3922C4",
	     "61192C11403FA1E0E3025871FC267285",
	     "0FB54F929DEEB6B7AA8721D8C5E488254B3E839A529748AD6E05BE3E53A797B8",
	     "CDEAEDD5A94387D0BFD018A8D8A57391", NULL);
	EXPECT_EQ(tsm_ev_ecdsa_verify(pub, msg, strlen(msg), sig), 0);
	EXPECT_EQ(tsm_ev_ecdsa_verify(pub, msg, strlen(msg) - 1, sig), -EBADMSG);
	sig[95] ^= 1;
	EXPECT_EQ(tsm_ev_ecdsa_verify(pub, msg, strlen(msg), sig), -EBADMSG);

	/* The same key over M' = prefix || TH1 (FACTS 3.15) */
	ramp(th1, 0x65);
	hexv(sig, sizeof(sig),
	     "E0A2A7F5C0C99D27F1F41DDFBD6A8BB91038E1EAF28B4DB0F3AE939B68D7DBA0",
	     "C7EFA92CED4AC78FA9CE1FE42DF1E868",
	     "27252BA94D8E2CD10ED40A6DF6987FC96A52D219DFB2D0F0F2F207A4895EC991",
	     "30D1B298FDB04A6B50C0D0135949E00B", NULL);
	EXPECT_EQ(spdm_verify(pub, SPDM_CTX_CHALLENGE, th1, sig), 0);
	EXPECT_EQ(spdm_verify(pub, SPDM_CTX_MEAS, th1, sig), -EBADMSG);
	th1[0] ^= 1;
	EXPECT_EQ(spdm_verify(pub, SPDM_CTX_CHALLENGE, th1, sig), -EBADMSG);
	EVP_PKEY_free(pub);
}

TEST(crypto_sign_prefix)
{
	uint8_t p[SPDM_SIGN_PREFIX];

	tsm_ev_sign_prefix(SPDM_VER_12, SPDM_CTX_KEY_EX, p);
	EXPECT_MEM(p, "dmtf-spdm-v1.2.*dmtf-spdm-v1.2.*dmtf-spdm-v1.2.*dmtf-spdm-v1.2.*", 64);
	EXPECT_EQ(p[64], 0);
	EXPECT_EQ(p[65], 0);
	EXPECT_MEM(p + 66, SPDM_CTX_KEY_EX, 34);
	tsm_ev_sign_prefix(SPDM_VER_12, SPDM_CTX_MEAS, p);
	EXPECT_MEM(p + 64, "\0\0\0\0\0\0", 6);
	EXPECT_MEM(p + 70, SPDM_CTX_MEAS, 30);
}

TEST(crypto_ecdsa_roundtrip)
{
	EVP_PKEY *key = EVP_EC_gen("secp384r1"), *other = EVP_EC_gen("secp384r1");
	uint8_t sig[SPDM_S], th[SPDM_H];
	int i;

	ASSERT(key && other);
	memset(th, 0x5a, sizeof(th));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(spdm_sign(key, SPDM_CTX_CHALLENGE, th, sig), 0);
		EXPECT_EQ(spdm_verify(key, SPDM_CTX_CHALLENGE, th, sig), 0);
		EXPECT_EQ(spdm_verify(other, SPDM_CTX_CHALLENGE, th, sig), -EBADMSG);
		sig[i * 30] ^= 0x10;
		EXPECT_EQ(spdm_verify(key, SPDM_CTX_CHALLENGE, th, sig), -EBADMSG);
	}
	/* r = 0 / s = 0 are rejected, not crashed on */
	memset(sig, 0, sizeof(sig));
	EXPECT_EQ(tsm_ev_ecdsa_verify(key, th, sizeof(th), sig), -EBADMSG);
	memset(sig, 0xff, sizeof(sig));
	EXPECT_EQ(tsm_ev_ecdsa_verify(key, th, sizeof(th), sig), -EBADMSG);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

TEST(crypto_ecdh)
{
	uint8_t pa[SPDM_D], pb[SPDM_D], sa[SPDM_H], sb[SPDM_H], bad[SPDM_D];
	EVP_PKEY *a = crypto_ecdh_new(pa), *b = crypto_ecdh_new(pb);

	ASSERT(a && b);
	EXPECT_EQ(crypto_ecdh_derive(a, pb, sa), 0);
	EXPECT_EQ(crypto_ecdh_derive(b, pa, sb), 0);
	EXPECT_MEM(sa, sb, SPDM_H);
	/* X coordinate of the shared point, not a hash: differs from pa/pb */
	EXPECT(memcmp(sa, pa, SPDM_H) && memcmp(sa, pb, SPDM_H));
	memset(bad, 0, sizeof(bad));
	EXPECT_EQ(crypto_ecdh_derive(a, bad, sa), -EINVAL);
	memcpy(bad, pb, sizeof(bad));
	bad[SPDM_D - 1] ^= 1;	/* off the curve */
	EXPECT_EQ(crypto_ecdh_derive(a, bad, sa), -EINVAL);
	memset(bad, 0xff, sizeof(bad));
	EXPECT_EQ(crypto_ecdh_derive(a, bad, sa), -EINVAL);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

TEST(crypto_identity_chain)
{
	struct model_identity *id = test_identity();
	char path[512], dir[64];
	const uint8_t *der;
	size_t len;
	X509 *root, *other;
	EVP_PKEY *leaf = NULL;
	uint8_t h[SPDM_H], *buf;

	ASSERT(id);
	EXPECT_EQ(get16(id->chain), id->chain_len);
	root = crypto_x509_load(test_cert_path(path, sizeof(path), "root.der"));
	ASSERT(root);
	der = id->chain + 4 + SPDM_H;
	len = id->chain_len - 4 - SPDM_H;
	EXPECT_EQ(tsm_ev_certs_verify(root, der, len, &leaf), 0);
	EXPECT(leaf);
	EVP_PKEY_free(leaf);
	crypto_sha384(id->chain, id->chain_len, h);
	EXPECT_MEM(h, id->chain_hash, SPDM_H);

	/* Truncated DER */
	EXPECT_EQ(tsm_ev_certs_verify(root, der, len - 1, &leaf), -EINVAL);
	EXPECT_EQ(tsm_ev_certs_verify(root, der, 0, &leaf), -EINVAL);
	EXPECT(!leaf);
	/* Garbage after a certificate */
	buf = malloc(len + 4);
	ASSERT(buf);
	memcpy(buf, der, len);
	memset(buf + len, 0x30, 4);
	EXPECT_EQ(tsm_ev_certs_verify(root, buf, len + 4, &leaf), -EINVAL);
	/* A changed byte of the leaf's signature */
	memcpy(buf, der, len);
	buf[len - 3] ^= 1;
	EXPECT(tsm_ev_certs_verify(root, buf, len, &leaf) < 0);
	EXPECT(!leaf);
	free(buf);

	/* The root alone is a CA, not an acceptable leaf */
	{
		const uint8_t *p = der;
		X509 *x = d2i_X509(NULL, &p, len);

		ASSERT(x);
		EXPECT_EQ(tsm_ev_certs_verify(root, der, p - der, &leaf), -EBADMSG);
		X509_free(x);
	}

	/* Another trust anchor */
	ASSERT(test_make_root(dir) == 0);
	snprintf(path, sizeof(path), "%s/root.der", dir);
	other = crypto_x509_load(path);
	ASSERT(other);
	EXPECT_EQ(tsm_ev_certs_verify(other, der, len, &leaf), -EBADMSG);
	X509_free(other);
	test_rmroot(dir);
	X509_free(root);
	model_identity_free(id);
	EXPECT(!model_identity_load("/nonexistent"));
}

TEST(crypto_secured_message)
{
	struct spdm_aead tx, rx;
	uint8_t msg[64], sm[128], out[128], iv[12], tag[16], ct[66];
	int n, i;

	memset(&tx, 0, sizeof(tx));
	for (i = 0; i < 32; i++)
		tx.key[i] = i;
	for (i = 0; i < 12; i++)
		tx.iv[i] = 0xa0 + i;
	rx = tx;
	for (i = 0; i < 20; i++)
		msg[i] = i * 3;

	tx.seq = 0x0102;
	rx.seq = 0x0102;
	n = spdm_sm_seal(0xbeef1234, &tx, true, msg, 20, sm, sizeof(sm));
	ASSERT(n == 6 + 2 + 20 + 16);
	EXPECT_EQ(tx.seq, 0x0103);
	EXPECT_EQ(get32(sm), 0xbeef1234);
	EXPECT_EQ(get16(sm + 4), 2 + 20 + 16);
	/* Independent check of the framing: IV ^ LE sequence, AAD = 6 bytes */
	memcpy(iv, tx.iv, 12);
	iv[0] ^= 0x02;
	iv[1] ^= 0x01;
	put16(ct, 20);
	memcpy(ct + 2, msg, 20);
	EXPECT_EQ(crypto_aead_seal(tx.key, iv, sm, 6, ct, 22, ct, tag), 0);
	EXPECT_MEM(sm + 6, ct, 22);
	EXPECT_MEM(sm + 28, tag, 16);

	EXPECT_EQ(spdm_sm_open(&rx, true, sm, n, out, sizeof(out)), 20);
	EXPECT_MEM(out, msg, 20);
	EXPECT_EQ(rx.seq, 0x0103);
	/* Replay: the implicit sequence number has moved on */
	EXPECT_EQ(spdm_sm_open(&rx, true, sm, n, out, sizeof(out)), -EBADMSG);
	EXPECT_EQ(rx.seq, 0x0103);
	/* DOE padding after the message is ignored */
	rx.seq = 0x0102;
	EXPECT_EQ(spdm_sm_open(&rx, true, sm, n + 3, out, sizeof(out)), 20);
	/* Every bit matters */
	for (i = 0; i < n * 8; i++) {
		rx.seq = 0x0102;
		sm[i / 8] ^= 1 << (i % 8);
		EXPECT(spdm_sm_open(&rx, true, sm, n, out, sizeof(out)) < 0);
		EXPECT_EQ(rx.seq, 0x0102);
		sm[i / 8] ^= 1 << (i % 8);
	}
	/* Truncations */
	for (i = 0; i < n; i++) {
		rx.seq = 0x0102;
		EXPECT(spdm_sm_open(&rx, true, sm, i, out, sizeof(out)) < 0);
	}
	rx.seq = 0x0102;
	EXPECT_EQ(spdm_sm_open(&rx, true, sm, n, out, 10), -ENOSPC);
	EXPECT_EQ(spdm_sm_seal(1, &tx, true, msg, 20, sm, n - 1), -ENOSPC);

	/* MAC-only: message in the clear, authenticated */
	tx.seq = 0;
	rx.seq = 0;
	n = spdm_sm_seal(7, &tx, false, msg, 20, sm, sizeof(sm));
	ASSERT(n == 6 + 20 + 16);
	EXPECT_MEM(sm + 6, msg, 20);
	EXPECT_EQ(spdm_sm_open(&rx, false, sm, n, out, sizeof(out)), 20);
	EXPECT_MEM(out, msg, 20);
	sm[10] ^= 1;
	rx.seq = 0;
	EXPECT_EQ(spdm_sm_open(&rx, false, sm, n, out, sizeof(out)), -EBADMSG);

	/* Sequence number exhaustion */
	tx.seq = UINT64_MAX;
	EXPECT_EQ(spdm_sm_seal(1, &tx, true, msg, 20, sm, sizeof(sm)), -EOVERFLOW);
}

TEST(crypto_opaque_data)
{
	static const uint16_t vers[] = { SPDM_SM_VER_10, SPDM_SM_VER_11 };
	static const uint8_t fmts[] = { SPDM_OPAQUE_FMT1, SPDM_OPAQUE_FMT0 };
	uint8_t buf[64];
	const uint8_t *d;
	size_t dlen, i;
	unsigned int f;
	int n;

	for (f = 0; f < 2; f++) {
		n = spdm_opaque_versions(fmts[f], vers, 2, buf, sizeof(buf));
		ASSERT(n > 0);
		EXPECT_EQ(n % 4, 0);
		EXPECT_EQ(spdm_opaque_find(fmts[f], buf, n, 1, &d, &dlen), 0);
		EXPECT_EQ(dlen, 5);
		EXPECT_EQ(d[0], 2);
		EXPECT_EQ(get16(d + 1), 0x1000);
		EXPECT_EQ(get16(d + 3), 0x1100);
		EXPECT_EQ(spdm_opaque_find(fmts[f], buf, n, 0, &d, &dlen), -ENOENT);
		for (i = 0; i < (size_t)n - 3; i++)
			EXPECT(spdm_opaque_find(fmts[f], buf, i, 1, &d, &dlen) < 0);
		n = spdm_opaque_select(fmts[f], SPDM_SM_VER_11, buf, sizeof(buf));
		ASSERT(n > 0);
		EXPECT_EQ(spdm_opaque_find(fmts[f], buf, n, 0, &d, &dlen), 0);
		EXPECT_EQ(dlen, 2);
		EXPECT_EQ(get16(d), SPDM_SM_VER_11);
	}
	/* Fmt1 layout: TotalElements, 3 reserved, ID 0, VendorLen 0, len 4 */
	n = spdm_opaque_select(SPDM_OPAQUE_FMT1, SPDM_SM_VER_10, buf, sizeof(buf));
	ASSERT(n == 12);
	expect_hex(buf, "010000000000040001000010", NULL);
	/* Fmt0 starts with "DMTF" as a LE u32 */
	n = spdm_opaque_select(SPDM_OPAQUE_FMT0, SPDM_SM_VER_10, buf, sizeof(buf));
	ASSERT(n == 16);
	expect_hex(buf, "46544d44010100000000040001000010", NULL);
	/* Element length past the end */
	n = spdm_opaque_select(SPDM_OPAQUE_FMT1, SPDM_SM_VER_10, buf, sizeof(buf));
	buf[6] = 0xff;
	EXPECT_EQ(spdm_opaque_find(SPDM_OPAQUE_FMT1, buf, n, 0, &d, &dlen), -EINVAL);
	EXPECT_EQ(spdm_opaque_versions(SPDM_OPAQUE_FMT1, vers, 2, buf, 8), -ENOSPC);
	EXPECT_EQ(spdm_opaque_find(0, buf, n, 0, &d, &dlen), -EINVAL);
}
