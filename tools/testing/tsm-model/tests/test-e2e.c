// SPDX-License-Identifier: GPL-2.0
/*
 * The SPDM requester against the SPDM responder in one process through an
 * in-memory transport: the whole flow, both roles' keys, and everything
 * the requester must catch (bad signatures, SPDM ERROR, a chain that does
 * not lead to the trust anchor, tampered or malformed answers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "spdm-test.h"
#include "pcisig.h"

int test_link_xfer(void *priv, uint8_t doe_type, const uint8_t *req, size_t req_len,
		   uint8_t *rsp, size_t rsp_cap)
{
	struct test_link *l = priv;
	uint8_t buf[MODEL_DOE_MAX];
	int n;

	if (req_len > sizeof(buf))
		return -EINVAL;
	memcpy(buf, req, req_len);
	l->calls++;
	if (doe_type == DOE_TYPE_SSESSION) {
		l->secured_calls++;
		if (l->tamper_req && req_len > 8) {
			buf[req_len - 1] ^= 0x20;
			l->tamper_req = false;
		}
	}
	n = spdm_rsp_handle(l->rsp, doe_type, buf, req_len, rsp, rsp_cap, &l->fault);
	if (n > 0 && doe_type == DOE_TYPE_SSESSION && l->tamper_rsp) {
		rsp[n / 2] ^= 0x01;
		l->tamper_rsp = false;
	}
	if (n > 0 && l->mutate)
		l->mutate(l, doe_type, rsp, &n);
	l->last_rc = n;
	return n;
}

struct e2e {
	struct model_identity *id;
	struct pcisig_dev *dev;
	struct test_link link;
	struct spdm_req *q;
};

static struct e2e *e2e_new_root(const char *root)
{
	struct e2e *e = calloc(1, sizeof(*e));
	char path[512];

	if (!e)
		return NULL;
	e->id = test_identity();
	e->dev = pcisig_dev_new(0, 0x0100, &test_dev_ops);
	e->link.rsp = e->id ? spdm_rsp_new(e->id, e->dev) : NULL;
	e->q = spdm_req_new(test_link_xfer, &e->link,
			    root ? root : test_cert_path(path, sizeof(path), "root.der"));
	if (!e->link.rsp || !e->q) {
		spdm_req_free(e->q);
		spdm_rsp_free(e->link.rsp);
		pcisig_dev_free(e->dev);
		model_identity_free(e->id);
		free(e);
		return NULL;
	}
	return e;
}

static struct e2e *e2e_new(void)
{
	return e2e_new_root(NULL);
}

static void e2e_free(struct e2e *e)
{
	if (!e)
		return;
	spdm_req_free(e->q);
	spdm_rsp_free(e->link.rsp);
	pcisig_dev_free(e->dev);
	model_identity_free(e->id);
	free(e);
}

/* VCA, certificate, session */
static int e2e_up(struct e2e *e)
{
	return spdm_req_vca(e->q) ?: spdm_req_get_certificate(e->q, 0) ?:
	       spdm_req_start_session(e->q, 0);
}

static void expect_same_keys(struct e2e *e)
{
	struct spdm_keys qk, rk;
	uint32_t sid = 0;

	ASSERT(spdm_req_session_keys(e->q, &sid, &qk) == 0);
	ASSERT(spdm_rsp_session_keys(e->link.rsp, sid, &rk) == 0);
	EXPECT_MEM(qk.hs_secret, rk.hs_secret, SPDM_H);
	EXPECT_MEM(qk.req_fin, rk.req_fin, SPDM_H);
	EXPECT_MEM(qk.rsp_fin, rk.rsp_fin, SPDM_H);
	EXPECT_MEM(qk.master, rk.master, SPDM_H);
	EXPECT_MEM(qk.req_data, rk.req_data, SPDM_H);
	EXPECT_MEM(qk.rsp_data, rk.rsp_data, SPDM_H);
	EXPECT_MEM(qk.export_ms, rk.export_ms, SPDM_H);
	EXPECT_MEM(qk.req.key, rk.req.key, SPDM_AEAD_KEY);
	EXPECT_MEM(qk.req.iv, rk.req.iv, SPDM_AEAD_IV);
	EXPECT_MEM(qk.rsp.key, rk.rsp.key, SPDM_AEAD_KEY);
	EXPECT_MEM(qk.rsp.iv, rk.rsp.iv, SPDM_AEAD_IV);
	EXPECT_EQ(qk.req.seq, rk.req.seq);
	EXPECT_EQ(qk.rsp.seq, rk.rsp.seq);
	crypto_cleanse(&qk, sizeof(qk));
	crypto_cleanse(&rk, sizeof(rk));
}

TEST(e2e_full_flow)
{
	struct e2e *e = e2e_new();
	uint8_t nonce[32], meas[1024], tdisp[16] = { 0x10, 0x81 }, ans[256];
	const uint8_t *chain;
	struct spdm_keys rk;
	size_t len;
	int n, calls;

	ASSERT(e);
	EXPECT_EQ(spdm_req_vca(e->q), 0);
	EXPECT_EQ(e->link.calls, 3);

	/* Small portions: many GET_CERTIFICATE round trips */
	spdm_req_set_chunk(e->q, 128);
	calls = e->link.calls;
	EXPECT_EQ(spdm_req_get_certificate(e->q, 0), 0);
	EXPECT_EQ(e->link.calls - calls, 1 + (int)((e->id->chain_len + 127) / 128));
	chain = spdm_req_cert_chain(e->q, &len);
	ASSERT(chain);
	EXPECT_EQ(len, e->id->chain_len);
	EXPECT_MEM(chain, e->id->chain, len);
	EXPECT_EQ(spdm_req_get_certificate(e->q, 2), -EPROTO);	/* empty slot */
	EXPECT_EQ(spdm_req_get_certificate(e->q, 8), -EINVAL);
	/* Default portion size */
	spdm_req_set_chunk(e->q, 0x400);
	EXPECT_EQ(spdm_req_get_certificate(e->q, 0), 0);

	EXPECT_EQ(spdm_req_challenge(e->q, 0), 0);
	EXPECT_EQ(spdm_req_challenge(e->q, 0), 0);	/* without B this time */
	EXPECT_EQ(spdm_req_challenge(e->q, 1), -EINVAL);

	memset(nonce, 0xa5, sizeof(nonce));
	n = spdm_req_measurements(e->q, nonce, meas, sizeof(meas));
	ASSERT(n > 8);
	EXPECT_EQ(meas[1], SPDM_MEASUREMENTS);
	EXPECT_EQ(meas[4], 4);
	EXPECT(spdm_req_measurements(e->q, NULL, meas, sizeof(meas)) > 8);
	EXPECT_EQ(spdm_req_measurements(e->q, nonce, meas, 100), -ENOSPC);

	EXPECT_EQ(spdm_req_start_session(e->q, 0), 0);
	EXPECT_EQ(spdm_req_start_session(e->q, 0), -EBUSY);
	expect_same_keys(e);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	expect_same_keys(e);
	EXPECT_EQ(spdm_req_key_update(e->q), 0);
	expect_same_keys(e);
	EXPECT_EQ(spdm_req_key_update(e->q), 0);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	expect_same_keys(e);

	/* PCI-SIG VDM: GET_TDISP_VERSION of interface 00:01.0 */
	put32(tdisp + 4, 0x0100);
	n = spdm_req_vdm(e->q, PCISIG_PROTO_TDISP, tdisp, sizeof(tdisp), ans, sizeof(ans));
	ASSERT(n >= 16);
	EXPECT_EQ(ans[1], 0x01);		/* TDISP_VERSION */
	EXPECT_EQ(get32(ans + 4), 0x0100);
	EXPECT_EQ(spdm_req_vdm(e->q, PCISIG_PROTO_TDISP, tdisp, sizeof(tdisp), ans, 4), -ENOSPC);

	EXPECT_EQ(spdm_req_end_session(e->q), 0);
	EXPECT_EQ(spdm_req_heartbeat(e->q), -ENOTCONN);
	EXPECT_EQ(spdm_req_end_session(e->q), -ENOTCONN);
	EXPECT_EQ(spdm_req_vdm(e->q, 1, tdisp, sizeof(tdisp), ans, sizeof(ans)), -ENOTCONN);
	EXPECT_EQ(spdm_rsp_session_keys(e->link.rsp, 0, &rk), -ENOENT);

	/* Again, after a new VCA */
	EXPECT_EQ(e2e_up(e), 0);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	EXPECT_EQ(spdm_req_end_session(e->q), 0);
	e2e_free(e);
}

/*
 * KEY_UPDATE UpdateAllKeys: the ACK comes under the responder's new key
 * (DSP0274 1.1.1 10.21.1), an ERROR under the old one; the requester
 * follows both.
 */
TEST(e2e_key_update)
{
	struct e2e *e = e2e_new();

	ASSERT(e);
	ASSERT(e2e_up(e) == 0);
	EXPECT_EQ(spdm_req_key_update(e->q), 0);
	expect_same_keys(e);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	/* ERROR (injected) to UpdateAllKeys: no key moves on either side */
	e->link.fault = FAULT_SPDM_ERROR;
	EXPECT_EQ(spdm_req_key_update(e->q), -EPROTO);
	expect_same_keys(e);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	EXPECT_EQ(spdm_req_key_update(e->q), 0);
	expect_same_keys(e);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	EXPECT_EQ(spdm_req_end_session(e->q), 0);
	e2e_free(e);
}

/*
 * The requester keeps the HeartbeatPeriod of KEY_EXCHANGE_RSP and sends
 * HEARTBEAT within it.
 */
TEST(e2e_heartbeat_period)
{
	struct e2e *e = e2e_new();
	struct timespec t0, t1;
	unsigned int period;
	double dt;

	ASSERT(e);
	EXPECT_EQ(spdm_req_heartbeat_period(e->q), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT(e2e_up(e) == 0);
	period = spdm_req_heartbeat_period(e->q);
	EXPECT(period > 0);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	EXPECT(dt < period);
	EXPECT_EQ(spdm_req_end_session(e->q), 0);
	EXPECT_EQ(spdm_req_heartbeat_period(e->q), 0);
	e2e_free(e);
}

/* Slot 1: the chain, CHALLENGE, signed measurements and a session */
TEST(e2e_slot1)
{
	struct e2e *e = e2e_new();
	uint8_t nonce[32], meas[1024];
	const uint8_t *chain;
	size_t len;
	int n;

	ASSERT(e);
	EXPECT_EQ(spdm_req_vca(e->q), 0);
	EXPECT_EQ(spdm_req_get_certificate(e->q, 1), 0);
	chain = spdm_req_cert_chain(e->q, &len);
	ASSERT(chain);
	EXPECT_MEM(chain, e->id->chain, len);
	EXPECT_EQ(spdm_req_challenge(e->q, 0), -EINVAL);	/* not the slot fetched */
	EXPECT_EQ(spdm_req_challenge(e->q, 1), 0);
	memset(nonce, 0x5a, sizeof(nonce));
	n = spdm_req_measurements(e->q, nonce, meas, sizeof(meas));
	ASSERT(n > 8);
	EXPECT_EQ(meas[3] & 0xf, 1);				/* signed with slot 1 */
	EXPECT_EQ(spdm_req_start_session(e->q, 1), 0);
	expect_same_keys(e);
	EXPECT_EQ(spdm_req_end_session(e->q), 0);
	e2e_free(e);
}

TEST(e2e_bad_signature)
{
	struct e2e *e = e2e_new();
	uint8_t meas[1024];

	ASSERT(e);
	ASSERT(spdm_req_vca(e->q) == 0);
	ASSERT(spdm_req_get_certificate(e->q, 0) == 0);
	e->link.fault = FAULT_BAD_SIGNATURE;
	EXPECT_EQ(spdm_req_challenge(e->q, 0), -EBADMSG);
	EXPECT_EQ(e->link.fault, FAULT_NONE);
	EXPECT_EQ(spdm_req_challenge(e->q, 0), 0);

	e->link.fault = FAULT_BAD_SIGNATURE;
	EXPECT_EQ(spdm_req_measurements(e->q, NULL, meas, sizeof(meas)), -EBADMSG);
	EXPECT_EQ(e->link.fault, FAULT_NONE);
	EXPECT(spdm_req_measurements(e->q, NULL, meas, sizeof(meas)) > 0);

	e->link.fault = FAULT_BAD_SIGNATURE;
	EXPECT_EQ(spdm_req_start_session(e->q, 0), -EBADMSG);
	EXPECT_EQ(e->link.fault, FAULT_NONE);
	EXPECT_EQ(spdm_req_heartbeat(e->q), -ENOTCONN);
	EXPECT_EQ(spdm_req_start_session(e->q, 0), 0);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	e2e_free(e);
}

TEST(e2e_spdm_error)
{
	struct e2e *e = e2e_new();

	ASSERT(e);
	e->link.fault = FAULT_SPDM_ERROR;
	EXPECT_EQ(spdm_req_vca(e->q), -EPROTO);
	EXPECT_EQ(e->link.fault, FAULT_NONE);
	EXPECT_EQ(spdm_req_vca(e->q), 0);
	e->link.fault = FAULT_SPDM_ERROR;
	EXPECT_EQ(spdm_req_get_certificate(e->q, 0), -EPROTO);
	EXPECT_EQ(spdm_req_get_certificate(e->q, 0), 0);
	e->link.fault = FAULT_SPDM_ERROR;
	EXPECT_EQ(spdm_req_start_session(e->q, 0), -EPROTO);
	EXPECT_EQ(spdm_req_start_session(e->q, 0), 0);
	/* Inside the session the ERROR comes encrypted; the session lives on */
	e->link.fault = FAULT_SPDM_ERROR;
	EXPECT_EQ(spdm_req_heartbeat(e->q), -EPROTO);
	EXPECT_EQ(spdm_req_heartbeat(e->q), 0);
	e->link.fault = FAULT_SPDM_ERROR;
	EXPECT_EQ(spdm_req_key_update(e->q), -EPROTO);
	EXPECT_EQ(spdm_req_key_update(e->q), 0);
	EXPECT_EQ(spdm_req_end_session(e->q), 0);
	e2e_free(e);
}

/* Truncated and malformed answers: SPDM messages and PCI-SIG payloads */
TEST(e2e_truncated_and_malformed)
{
	static const enum model_fault kinds[] = { FAULT_TRUNCATED, FAULT_MALFORMED };
	struct e2e *e = e2e_new();
	unsigned int i;

	ASSERT(e);
	for (i = 0; i < 2; i++) {
		e->link.fault = kinds[i];
		EXPECT(spdm_req_vca(e->q) < 0);
		EXPECT_EQ(e->link.fault, FAULT_NONE);
		EXPECT_EQ(spdm_req_vca(e->q), 0);
	}
	ASSERT(spdm_req_get_certificate(e->q, 0) == 0);
	ASSERT(spdm_req_start_session(e->q, 0) == 0);
	/* Inside the session: the TDISP payload, under encryption */
	for (i = 0; i < 2; i++) {
		e->link.fault = kinds[i];
		EXPECT_EQ(tdisp_get_version(e->q, 0x0100), -EPROTO);
		EXPECT_EQ(e->link.fault, FAULT_NONE);
		EXPECT_EQ(tdisp_get_version(e->q, 0x0100), 0x10);
	}
	EXPECT_EQ(spdm_req_end_session(e->q), 0);
	e2e_free(e);
}

/* A chain whose leaf signature does not verify is refused */
TEST(e2e_bad_chain)
{
	struct e2e *e = e2e_new();

	ASSERT(e);
	ASSERT(spdm_req_vca(e->q) == 0);
	e->link.fault = FAULT_BAD_CHAIN;
	EXPECT(spdm_req_get_certificate(e->q, 0) < 0);
	EXPECT_EQ(e->link.fault, FAULT_NONE);
	EXPECT_EQ(spdm_req_get_certificate(e->q, 0), 0);
	e2e_free(e);
}

TEST(e2e_untrusted_root)
{
	char dir[64], path[128];
	struct e2e *e;

	ASSERT(test_make_root(dir) == 0);
	snprintf(path, sizeof(path), "%s/root.der", dir);
	e = e2e_new_root(path);
	if (!e) {
		test_rmroot(dir);
		ASSERT(e);
	}
	EXPECT_EQ(spdm_req_vca(e->q), 0);
	EXPECT_EQ(spdm_req_get_certificate(e->q, 0), -EBADMSG);
	EXPECT_EQ(spdm_req_challenge(e->q, 0), -EINVAL);
	EXPECT_EQ(spdm_req_start_session(e->q, 0), -EINVAL);
	e2e_free(e);
	test_rmroot(dir);
	EXPECT(!spdm_req_new(test_link_xfer, NULL, "/nonexistent/root.der"));
}

TEST(e2e_tampered_secured)
{
	struct e2e *e = e2e_new();

	ASSERT(e);
	ASSERT(e2e_up(e) == 0);
	/* Tampered answer: the requester catches it */
	e->link.tamper_rsp = true;
	EXPECT_EQ(spdm_req_heartbeat(e->q), -EBADMSG);
	/* Tampered request: the responder drops it, nothing comes back */
	ASSERT(e2e_up(e) == 0);
	e->link.tamper_req = true;
	EXPECT(spdm_req_heartbeat(e->q) < 0);
	EXPECT(e->link.last_rc < 0);
	/* Tampered FINISH_RSP */
	ASSERT(spdm_req_vca(e->q) == 0 && spdm_req_get_certificate(e->q, 0) == 0);
	e->link.tamper_rsp = true;
	EXPECT_EQ(spdm_req_start_session(e->q, 0), -EBADMSG);
	EXPECT_EQ(spdm_req_heartbeat(e->q), -ENOTCONN);
	e2e_free(e);
}

TEST(e2e_vdm_outside_session)
{
	struct e2e *e = e2e_new();
	uint8_t m[28] = { SPDM_VER_12, SPDM_VENDOR_DEFINED_REQ }, ans[64];

	ASSERT(e);
	ASSERT(spdm_req_vca(e->q) == 0);
	EXPECT_EQ(spdm_req_vdm(e->q, PCISIG_PROTO_IDE_KM, m, 4, ans, sizeof(ans)), -ENOTCONN);
	put16(m + 4, 3);
	m[6] = 2;
	put16(m + 7, 1);
	put16(m + 9, 17);
	m[11] = PCISIG_PROTO_TDISP;
	EXPECT_EQ(spdm_req_raw(e->q, false, m, sizeof(m), ans, sizeof(ans)), 4);
	EXPECT_EQ(ans[1], SPDM_ERROR);
	EXPECT_EQ(ans[2], SPDM_ERR_SESSION_REQUIRED);
	e2e_free(e);
}

/* ------------------------------------------------------------------ */
/* A lying responder                                                   */

enum lie {
	LIE_VERSION_11_ONLY,
	LIE_ALG_NOT_OFFERED,
	LIE_ALG_TABLE_TWO_BITS,
	LIE_CAPS_SHORT,
	LIE_CAPS_DTS,
	LIE_DIGEST,
	LIE_CERT_PORTION,
	LIE_CERT_REMAINDER,
	LIE_CERT_BYTE,
	LIE_CHAL_HASH,
	LIE_CHAL_SHORT,
	LIE_MEAS_RECORD,
	LIE_KEX_VERIFY_DATA,
	LIE_KEX_MUT_AUTH,
	LIE_KEX_LONG,
	LIE_SECURED_SID,
	LIE_CODE,
};

static void lie(struct test_link *l, uint8_t doe_type, uint8_t *rsp, int *n)
{
	uint8_t code = rsp[1];

	if (doe_type == DOE_TYPE_SSESSION) {
		if (l->arg == LIE_SECURED_SID)
			rsp[0] ^= 1;
		return;
	}
	switch (l->arg) {
	case LIE_VERSION_11_ONLY:
		if (code == SPDM_VERSION)
			put16(rsp + 6, 0x1100);
		break;
	case LIE_ALG_NOT_OFFERED:
		if (code == SPDM_ALGORITHMS)
			put32(rsp + 12, 0x10);
		break;
	case LIE_ALG_TABLE_TWO_BITS:
		if (code == SPDM_ALGORITHMS)
			put16(rsp + 42, 0x03);
		break;
	case LIE_CAPS_SHORT:
		if (code == SPDM_CAPABILITIES)
			*n = 12;
		break;
	case LIE_CAPS_DTS:	/* MaxSPDMmsgSize above it, no CHUNK_CAP */
		if (code == SPDM_CAPABILITIES)
			put32(rsp + 16, get32(rsp + 12) + 1);
		break;
	case LIE_DIGEST:
		if (code == SPDM_DIGESTS)
			rsp[10] ^= 1;
		break;
	case LIE_CERT_PORTION:
		if (code == SPDM_CERTIFICATE)
			put16(rsp + 4, get16(rsp + 4) + 1);
		break;
	case LIE_CERT_REMAINDER:
		if (code == SPDM_CERTIFICATE && get16(rsp + 6))
			put16(rsp + 6, get16(rsp + 6) + 100);
		break;
	case LIE_CERT_BYTE:
		if (code == SPDM_CERTIFICATE && *n > 300)
			rsp[300] ^= 0x40;
		break;
	case LIE_CHAL_HASH:
		if (code == SPDM_CHALLENGE_AUTH)
			rsp[4] ^= 1;
		break;
	case LIE_CHAL_SHORT:
		if (code == SPDM_CHALLENGE_AUTH)
			*n -= 4;
		break;
	case LIE_MEAS_RECORD:
		if (code == SPDM_MEASUREMENTS)
			put16(rsp + 10, get16(rsp + 10) + 1);
		break;
	case LIE_KEX_VERIFY_DATA:
		if (code == SPDM_KEY_EXCHANGE_RSP)
			rsp[*n - 1] ^= 1;
		break;
	case LIE_KEX_MUT_AUTH:
		if (code == SPDM_KEY_EXCHANGE_RSP)
			rsp[6] = 1;
		break;
	case LIE_KEX_LONG:
		if (code == SPDM_KEY_EXCHANGE_RSP)
			*n += 8;
		break;
	case LIE_CODE:
		if (code == SPDM_DIGESTS)
			rsp[1] = SPDM_CERTIFICATE;
		break;
	}
}

TEST(e2e_requester_checks)
{
	static const struct {
		enum lie lie;
		int step;	/* 0 vca, 1 cert, 2 challenge, 3 meas, 4 session, 5 hb */
		int rc;
	} cases[] = {
		{ LIE_VERSION_11_ONLY, 0, -EPROTO },
		{ LIE_ALG_NOT_OFFERED, 0, -EPROTO },
		{ LIE_ALG_TABLE_TWO_BITS, 0, -EPROTO },
		{ LIE_CAPS_SHORT, 0, -EPROTO },
		{ LIE_CAPS_DTS, 0, -EPROTO },
		{ LIE_DIGEST, 1, -EBADMSG },
		{ LIE_CERT_PORTION, 1, -EPROTO },
		{ LIE_CERT_REMAINDER, 1, -EPROTO },
		{ LIE_CERT_BYTE, 1, -EBADMSG },
		{ LIE_CODE, 1, -EPROTO },
		{ LIE_CHAL_HASH, 2, -EBADMSG },
		{ LIE_CHAL_SHORT, 2, -EPROTO },
		{ LIE_MEAS_RECORD, 3, -EPROTO },
		{ LIE_KEX_VERIFY_DATA, 4, -EBADMSG },
		{ LIE_KEX_MUT_AUTH, 4, -EPROTO },
		{ LIE_KEX_LONG, 4, -EPROTO },
		{ LIE_SECURED_SID, 4, -EPROTO },
	};
	uint8_t meas[1024];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct e2e *e = e2e_new();
		int step, rc = 0;

		ASSERT(e);
		for (step = 0; step <= cases[i].step && !rc; step++) {
			if (step == cases[i].step) {
				e->link.mutate = lie;
				e->link.arg = cases[i].lie;
			}
			switch (step) {
			case 0:
				rc = spdm_req_vca(e->q);
				break;
			case 1:
				rc = spdm_req_get_certificate(e->q, 0);
				break;
			case 2:
				rc = spdm_req_challenge(e->q, 0);
				break;
			case 3:
				rc = spdm_req_measurements(e->q, NULL, meas, sizeof(meas));
				rc = rc > 0 ? 0 : rc;
				break;
			case 4:
				rc = spdm_req_start_session(e->q, 0);
				break;
			}
		}
		if (rc != cases[i].rc)
			printf("# lie %d: rc %d\n", cases[i].lie, rc);
		EXPECT_EQ(rc, cases[i].rc);
		e2e_free(e);
	}
}

/* Rewrite the MeasurementHashAlgo the responder selected to @arg */
static void meas_algo(struct test_link *l, uint8_t doe_type, uint8_t *rsp, int *n)
{
	if (doe_type == DOE_TYPE_CMA && *n >= 12 && rsp[1] == SPDM_ALGORITHMS)
		put32(rsp + 8, l->arg);
}

/*
 * SPDM 1.2 NEGOTIATE_ALGORITHMS has no field for the requester's
 * measurement hashes: it takes whichever of SHA-256/384/512 the responder
 * selects (one bit), and refuses others.
 */
TEST(e2e_meas_hash_selected_by_responder)
{
	static const struct {
		uint32_t algo;
		int rc;
	} cases[] = {
		{ SPDM_MEAS_HASH_SHA256, 0 },
		{ SPDM_MEAS_HASH_SHA384, 0 },
		{ SPDM_MEAS_HASH_SHA512, 0 },
		{ SPDM_MEAS_HASH_SHA256 | SPDM_MEAS_HASH_SHA384, -EPROTO },
		{ 0x01, -EPROTO },	/* raw bit stream only */
		{ 0x10, -EPROTO },	/* SHA3-256 */
		{ 0, -EPROTO },		/* DMTF measurements, no hash */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct e2e *e = e2e_new();

		ASSERT(e);
		e->link.mutate = meas_algo;
		e->link.arg = (int)cases[i].algo;
		if (spdm_req_vca(e->q) != cases[i].rc)
			printf("# algo 0x%x\n", cases[i].algo);
		EXPECT_EQ(spdm_req_vca(e->q), cases[i].rc);
		e2e_free(e);
	}
}

/*
 * A responder measuring with SHA-256 or SHA-512: the requester parses the
 * record with that digest size and verifies the signature; a record whose
 * digests do not have the selected size is refused.
 */
TEST(e2e_meas_hash_sizes)
{
	static const uint32_t algos[] = { SPDM_MEAS_HASH_SHA256, SPDM_MEAS_HASH_SHA512 };
	uint8_t meas[1024];
	unsigned int i;
	int n;

	for (i = 0; i < ARRAY_SIZE(algos); i++) {
		struct e2e *e = e2e_new();
		size_t mh = spdm_meas_hash_size(algos[i]);

		ASSERT(e);
		ASSERT(spdm_rsp_set_meas_hash(e->link.rsp, algos[i]) == 0);
		ASSERT(spdm_req_vca(e->q) == 0 && spdm_req_get_certificate(e->q, 0) == 0);
		EXPECT_EQ(spdm_req_challenge(e->q, 0), 0);
		n = spdm_req_measurements(e->q, NULL, meas, sizeof(meas));
		ASSERT(n > 8);
		EXPECT_EQ(meas[4], 4);
		/* index 1: DMTF block, digest of mh bytes */
		EXPECT_EQ(get16(meas + 10), 3 + mh);
		EXPECT_EQ(get16(meas + 13), mh);
		EXPECT_EQ(get24(meas + 5), 4 * (7 + mh));
		EXPECT_EQ(spdm_req_start_session(e->q, 0), 0);
		EXPECT_EQ(spdm_req_end_session(e->q), 0);
		e2e_free(e);
	}
	/* SHA-256 digests while ALGORITHMS said SHA-512 */
	{
		struct e2e *e = e2e_new();

		ASSERT(e);
		ASSERT(spdm_rsp_set_meas_hash(e->link.rsp, SPDM_MEAS_HASH_SHA256) == 0);
		e->link.mutate = meas_algo;
		e->link.arg = SPDM_MEAS_HASH_SHA512;
		ASSERT(spdm_req_vca(e->q) == 0 && spdm_req_get_certificate(e->q, 0) == 0);
		EXPECT_EQ(spdm_req_measurements(e->q, NULL, meas, sizeof(meas)), -EPROTO);
		e2e_free(e);
	}
}

static int failing_xfer(void *priv, uint8_t doe_type, const uint8_t *req, size_t req_len,
			uint8_t *rsp, size_t rsp_cap)
{
	return -EIO;
}

static int short_xfer(void *priv, uint8_t doe_type, const uint8_t *req, size_t req_len,
		      uint8_t *rsp, size_t rsp_cap)
{
	memset(rsp, 0, 3);
	return 3;
}

TEST(e2e_transport_errors)
{
	char path[512];
	struct spdm_req *q;

	q = spdm_req_new(failing_xfer, NULL, test_cert_path(path, sizeof(path), "root.der"));
	ASSERT(q);
	EXPECT_EQ(spdm_req_vca(q), -EIO);
	EXPECT_EQ(spdm_req_get_certificate(q, 0), -EINVAL);
	spdm_req_free(q);
	q = spdm_req_new(short_xfer, NULL, path);
	ASSERT(q);
	EXPECT_EQ(spdm_req_vca(q), -EPROTO);
	spdm_req_free(q);
}

/* Truncate every plain answer by @arg bytes (0: pass) */
static void chop(struct test_link *l, uint8_t doe_type, uint8_t *rsp, int *n)
{
	if (doe_type == DOE_TYPE_CMA && l->arg && *n > l->arg && rsp[1] != SPDM_ERROR)
		*n -= l->arg;
}

TEST(e2e_truncated_answers)
{
	struct e2e *e = e2e_new();
	uint8_t meas[1024];
	int cut;

	ASSERT(e);
	e->link.mutate = chop;
	for (cut = 1; cut < 64; cut += 3) {
		e->link.arg = 0;
		ASSERT(spdm_req_vca(e->q) == 0 && spdm_req_get_certificate(e->q, 0) == 0);
		e->link.arg = cut;
		EXPECT_EQ(spdm_req_challenge(e->q, 0), -EPROTO);
		EXPECT_EQ(spdm_req_measurements(e->q, NULL, meas, sizeof(meas)), -EPROTO);
		EXPECT_EQ(spdm_req_start_session(e->q, 0), -EPROTO);
		if (cut < 8)
			EXPECT_EQ(spdm_req_vca(e->q), -EPROTO);
	}
	e2e_free(e);
}
