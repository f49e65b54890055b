// SPDX-License-Identifier: GPL-2.0
/*
 * test-pcisig: IDE_KM and TDISP, device and requester sides, with the
 * SPDM requester replaced by tests/stub-spdm.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "harness.h"
#include "pcisig.h"
#include "stub-spdm.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define RID0		STUB_RID0
#define RID1		STUB_RID1
#define STREAM		3
#define OFFSET		0x100000000ull

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void make_key(uint8_t key[32], uint8_t ifv[8], uint8_t stream,
		     uint8_t ks, uint8_t dir, uint8_t sub)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)(stream * 31 + ks * 17 + dir * 7 + sub * 3 + i);
	memset(ifv, 0, 8);
	ifv[4] = 1;
}

static int prog_one(struct stub *s, uint8_t stream, uint8_t ks, uint8_t dir,
		    uint8_t sub)
{
	uint8_t key[32], ifv[8];

	make_key(key, ifv, stream, ks, dir, sub);
	return idekm_key_prog(s->q, 0, stream, ks, dir, sub, key, ifv);
}

static int prog_keys(struct stub *s, uint8_t stream, uint8_t ks)
{
	uint8_t key[32], ifv[8];
	unsigned int dir, sub;
	int ret;

	for (dir = 0; dir < 2; dir++)
		for (sub = 0; sub < 3; sub++) {
			make_key(key, ifv, stream, ks, dir, sub);
			ret = idekm_key_prog(s->q, 0, stream, ks, dir, sub, key,
					     ifv);
			if (ret)
				return ret;
		}
	return 0;
}

static int go_keys(struct stub *s, uint8_t stream, uint8_t ks)
{
	unsigned int dir, sub;
	int ret;

	for (dir = 0; dir < 2; dir++)
		for (sub = 0; sub < 3; sub++) {
			ret = idekm_key_go(s->q, 0, stream, ks, dir, sub);
			if (ret)
				return ret;
		}
	return 0;
}

static int setup_stream(struct stub *s, uint8_t stream)
{
	int ret = prog_keys(s, stream, 0);

	return ret ? ret : go_keys(s, stream, 0);
}

/* A stub with stream STREAM keyed and interface @rid locked (and run) */
static struct stub *locked_stub(uint16_t rid, uint16_t flags, bool run,
				uint8_t nonce[32])
{
	struct stub *s = stub_new();
	uint8_t n[32];

	if (!s)
		return NULL;
	if (!nonce)
		nonce = n;
	if (setup_stream(s, STREAM) ||
	    tdisp_lock(s->q, rid, flags, STREAM, OFFSET, nonce) ||
	    (run && tdisp_start(s->q, rid, nonce))) {
		stub_free(s);
		return NULL;
	}
	stub_clear_events(s);
	return s;
}

/* Call the device directly with a copy of exactly @len bytes */
static int dev_call(struct stub *s, uint8_t proto, const uint8_t *req,
		    size_t len, uint8_t *rsp, size_t cap)
{
	uint8_t *copy = malloc(len ? len : 1);
	int n;

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, req, len);
	n = pcisig_dev_vdm(s->dev, proto, copy, len, rsp, cap, &s->fault);
	free(copy);
	return n;
}

static void tdisp_msg(uint8_t *m, size_t len, uint8_t code, uint16_t rid)
{
	memset(m, 0, len);
	m[0] = TDISP_VERSION_10;
	m[1] = code;
	put_le32(m + 4, rid);
}

/* TDISP error code of the device's answer to @req, 0 if not an error */
static uint32_t raw_tdisp_err(struct stub *s, const uint8_t *req, size_t len,
			      uint32_t *data)
{
	uint8_t rsp[MODEL_DOE_MAX];
	int n = dev_call(s, PCISIG_PROTO_TDISP, req, len, rsp, sizeof(rsp));

	if (n < TDISP_HDR_LEN || rsp[0] != TDISP_VERSION_10)
		return 0xdeadbeef;
	if (rsp[1] != TDISP_ERROR)
		return 0;
	if (n != TDISP_ERROR_LEN)
		return 0xdeadbeef;
	if (data)
		*data = get_le32(rsp + 20);
	return get_le32(rsp + 16);
}

static size_t tdisp_len_of(uint8_t code)
{
	switch (code) {
	case TDISP_GET_CAPS:
		return TDISP_CAPS_REQ_LEN;
	case TDISP_LOCK:
		return TDISP_LOCK_REQ_LEN;
	case TDISP_GET_REPORT:
		return TDISP_REPORT_REQ_LEN;
	case TDISP_START:
		return TDISP_START_REQ_LEN;
	default:
		return TDISP_HDR_LEN;
	}
}

/* ------------------------------------------------------------------ */
/* Object life                                                         */

TEST(pcisig_dev_new_args)
{
	struct model_dev_ops ops = { 0 };
	struct pcisig_dev *d;

	EXPECT(!pcisig_dev_new(0, 0x100, NULL));
	EXPECT(!pcisig_dev_new(0, 0x100, &ops));
	ops.fn_info = (void *)1;
	EXPECT(!pcisig_dev_new(0, 0x101, &ops));
	d = pcisig_dev_new(0, 0x100, &ops);
	EXPECT(d);
	pcisig_dev_free(d);
	pcisig_dev_free(NULL);
	pcisig_dev_session_end(NULL);
	pcisig_dev_cfg_write(NULL, 0x100, 4, 2, 6, 0);
}

TEST(pcisig_dev_vdm_bad_proto)
{
	struct stub *s = stub_new();
	uint8_t req[16] = { 0 }, rsp[64];

	ASSERT(s);
	EXPECT_EQ(dev_call(s, 2, req, sizeof(req), rsp, sizeof(rsp)), -EINVAL);
	EXPECT_EQ(dev_call(s, 0xff, req, sizeof(req), rsp, sizeof(rsp)),
		  -EINVAL);
	EXPECT_EQ(pcisig_dev_vdm(s->dev, 0, NULL, 3, rsp, sizeof(rsp), NULL),
		  -EINVAL);
	stub_free(s);
}

/* ------------------------------------------------------------------ */
/* IDE_KM                                                              */

TEST(idekm_query_default)
{
	struct stub *s = stub_new();
	uint8_t rsp[512];
	int n;

	ASSERT(s);
	n = idekm_query(s->q, 0, rsp, sizeof(rsp));
	/* cap + ctl + 2 selective blocks of 8 registers */
	ASSERT(n == 7 + 4 * (2 + 2 * 8));
	EXPECT_EQ(rsp[0], IDEKM_QUERY_RESP);
	EXPECT_EQ(rsp[2], 0);
	EXPECT_EQ(rsp[3], 0x00);	/* dev 0 fn 0 */
	EXPECT_EQ(rsp[4], 0x01);	/* bus 1 */
	EXPECT_EQ(rsp[5], STUB_SEGMENT & 0xff);
	EXPECT_EQ(rsp[6], 0);
	EXPECT_MEM(rsp + 7, s->fn[0].config + STUB_IDE_OFF + 4, n - 7);
	EXPECT_EQ(get_le32(rsp + 7), 0x010100c2);
	/* second selective block, RID Association 2 */
	EXPECT_EQ(get_le32(rsp + 7 + 4 * (2 + 8 + 4)), 0xa0000104);
	stub_free(s);
}

TEST(idekm_query_link_and_mixed_assoc)
{
	struct stub *s = stub_new();
	uint8_t *c, rsp[512];
	unsigned int i, expect;
	int n;

	ASSERT(s);
	c = s->fn[0].config;
	/* Link IDE with 2 TCs, 2 selective blocks: 2 and 0 address blocks */
	put_le32(c + STUB_IDE_OFF + 4, 0x010100c3 | 1 << 13);
	for (i = 0; i < 2 * 2 + 11 + 5; i++)
		put_le32(c + STUB_IDE_OFF + 0x0c + 4 * i, 0xb0000000 | i);
	put_le32(c + STUB_IDE_OFF + 0x0c + 16, 2);
	put_le32(c + STUB_IDE_OFF + 0x0c + 16 + 44, 0);
	expect = 7 + 4 * (2 + 4 + 11 + 5);
	n = idekm_query(s->q, 0, rsp, sizeof(rsp));
	EXPECT_EQ(n, expect);
	if (n == (int)expect)
		EXPECT_MEM(rsp + 7, c + STUB_IDE_OFF + 4, n - 7);
	stub_free(s);
}

TEST(idekm_query_errors)
{
	struct stub *s = stub_new();
	uint8_t rsp[512], req[4] = { IDEKM_QUERY, 0, 0, 0 };
	uint8_t *c;

	ASSERT(s);
	c = s->fn[0].config;
	/* other ports: no answer */
	EXPECT_EQ(idekm_query(s->q, 1, rsp, sizeof(rsp)), -EINVAL);
	EXPECT_EQ(idekm_query(s->q, 255, rsp, sizeof(rsp)), -EINVAL);
	/* bad lengths */
	EXPECT_EQ(dev_call(s, 0, req, 2, rsp, sizeof(rsp)), -EINVAL);
	EXPECT_EQ(dev_call(s, 0, req, 4, rsp, sizeof(rsp)), -EINVAL);
	EXPECT_EQ(dev_call(s, 0, req, 0, rsp, sizeof(rsp)), -EINVAL);
	/* response buffers too small */
	EXPECT_EQ(dev_call(s, 0, req, 3, rsp, 20), -ENOSPC);
	EXPECT_EQ(dev_call(s, 0, req, 3, rsp, 78), -ENOSPC);
	EXPECT_EQ(dev_call(s, 0, req, 3, rsp, 79), 79);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, 78), -ENOSPC);

	/* extended capability list that loops on itself */
	put_le32(c + 0x118, 0x2f | 1 << 16 | 0x118u << 20);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -ENODEV);
	/* misaligned, beyond 4 KiB, into legacy space */
	put_le32(c + 0x118, 0x2f | 1 << 16 | 0x12au << 20);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -ENODEV);
	put_le32(c + 0x118, 0x2f | 1 << 16 | 0x0fcu << 20);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -ENODEV);
	/* IDE capability at the very end: its blocks overflow 4 KiB */
	put_le32(c + 0x118, 0x2f | 1 << 16 | 0xff0u << 20);
	put_le32(c + 0xff0, 0x30 | 1 << 16);
	put_le32(c + 0xff4, 0x01ff00c2);
	put_le32(c + 0xff8, 0);
	put_le32(c + 0xffc, 0xf);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EINVAL);
	/* IDE capability header in the last dword */
	put_le32(c + 0x118, 0x2f | 1 << 16 | 0xffcu << 20);
	put_le32(c + 0xffc, 0x30 | 1 << 16);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EINVAL);
	/* no capabilities at all */
	memset(c + 0x100, 0, 0xf00);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -ENODEV);
	/* DSM function gone */
	stub_default_fn(s, 0);
	s->fn_present[0] = false;
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -ENODEV);
	stub_free(s);
}

TEST(idekm_key_prog_happy)
{
	struct stub *s = stub_new();
	uint8_t key[32], ifv[8];
	struct idekm_key *k;

	ASSERT(s);
	EXPECT_EQ(prog_keys(s, STREAM, 0), 0);
	EXPECT_EQ(prog_keys(s, 200, 1), 0);
	k = &s->dev->streams[200].k[1][IDEKM_TX][IDEKM_SUB_CPL];
	make_key(key, ifv, 200, 1, IDEKM_TX, IDEKM_SUB_CPL);
	EXPECT(k->programmed);
	EXPECT(!k->go);
	EXPECT_MEM(k->key, key, 32);
	EXPECT_MEM(k->ifv, ifv, 8);
	/* reprogramming a key that is not in use is fine */
	EXPECT_EQ(prog_keys(s, STREAM, 0), 0);
	EXPECT_EQ(s->nr_ev, 0);
	stub_free(s);
}

TEST(idekm_key_slots_and_wire_format)
{
	struct stub *s = stub_new();
	uint8_t key[32], ifv[8];
	unsigned int ks, dir, sub;

	ASSERT(s);
	EXPECT_EQ(prog_keys(s, 0x42, 0), 0);
	EXPECT_EQ(prog_keys(s, 0x42, 1), 0);
	for (ks = 0; ks < 2; ks++)
		for (dir = 0; dir < 2; dir++)
			for (sub = 0; sub < 3; sub++) {
				struct idekm_key *k =
					&s->dev->streams[0x42].k[ks][dir][sub];

				make_key(key, ifv, 0x42, ks, dir, sub);
				EXPECT_MEM(k->key, key, 32);
				EXPECT_MEM(k->ifv, ifv, 8);
			}
	/* the last KEY_PROG on the wire: K1, Tx, CPL */
	ASSERT(s->last_req_len == 47);
	EXPECT_EQ(s->last_req[0], IDEKM_KEY_PROG);
	EXPECT_EQ(s->last_req[1] | s->last_req[2] | s->last_req[4], 0);
	EXPECT_EQ(s->last_req[3], 0x42);
	EXPECT_EQ(s->last_req[5], 0x23);
	EXPECT_EQ(s->last_req[6], 0);
	EXPECT_MEM(s->last_req + 7, key, 32);
	EXPECT_MEM(s->last_req + 39, ifv, 8);
	EXPECT_EQ(idekm_key_go(s->q, 0, 0x42, 1, IDEKM_RX, IDEKM_SUB_NPR), 0);
	ASSERT(s->last_req_len == 7);
	EXPECT_EQ(s->last_req[0], IDEKM_K_SET_GO);
	EXPECT_EQ(s->last_req[5], 0x11);
	EXPECT(s->dev->streams[0x42].k[1][IDEKM_RX][IDEKM_SUB_NPR].go);
	EXPECT_EQ(idekm_key_stop(s->q, 0, 0x42, 1, IDEKM_RX, IDEKM_SUB_NPR),
		  0);
	EXPECT_EQ(s->last_req[0], IDEKM_K_SET_STOP);
	stub_free(s);
}

static int kp_status(struct stub *s, const uint8_t *req, size_t len,
		     uint8_t *rsp)
{
	int n = dev_call(s, PCISIG_PROTO_IDE_KM, req, len, rsp, 64);

	if (n != IDEKM_ACK_LEN || rsp[0] != IDEKM_KP_ACK)
		return -1;
	return rsp[4];
}

TEST(idekm_key_prog_errors)
{
	struct stub *s = stub_new();
	uint8_t req[64] = { IDEKM_KEY_PROG, 0, 0, 7, 0, 0x21, 0 }, rsp[64];
	uint8_t key[32] = { 1 }, ifv[8] = { 0 };

	ASSERT(s);
	EXPECT_EQ(kp_status(s, req, 47, rsp), IDEKM_KP_SUCCESS);
	EXPECT_EQ(rsp[3], 7);
	EXPECT_EQ(rsp[5], 0x21);
	EXPECT_EQ(rsp[6], 0);
	EXPECT_EQ(kp_status(s, req, 46, rsp), IDEKM_KP_BAD_LENGTH);
	EXPECT_EQ(kp_status(s, req, 48, rsp), IDEKM_KP_BAD_LENGTH);
	EXPECT_EQ(kp_status(s, req, 1, rsp), IDEKM_KP_BAD_LENGTH);
	EXPECT_EQ(rsp[3], 0);
	EXPECT_EQ(kp_status(s, req, 4, rsp), IDEKM_KP_BAD_LENGTH);
	EXPECT_EQ(rsp[3], 7);
	req[6] = 1;
	EXPECT_EQ(kp_status(s, req, 47, rsp), IDEKM_KP_BAD_PORT);
	EXPECT_EQ(rsp[6], 1);
	req[6] = 0;
	req[5] = 0x30;		/* sub-stream 3 */
	EXPECT_EQ(kp_status(s, req, 47, rsp), IDEKM_KP_BAD_VALUE);
	req[5] = 0xf0;
	EXPECT_EQ(kp_status(s, req, 47, rsp), IDEKM_KP_BAD_VALUE);
	req[5] = 0x04;		/* reserved bit */
	EXPECT_EQ(kp_status(s, req, 47, rsp), IDEKM_KP_BAD_VALUE);
	req[5] = 0x08;
	EXPECT_EQ(kp_status(s, req, 47, rsp), IDEKM_KP_BAD_VALUE);
	EXPECT(!s->dev->streams[7].k[0][0][0].programmed);
	EXPECT_EQ(dev_call(s, 0, req, 47, rsp, 6), -ENOSPC);

	/* an active key is not replaced */
	EXPECT_EQ(idekm_key_prog(s->q, 0, 9, 0, IDEKM_RX, IDEKM_SUB_PR, key,
				 ifv), 0);
	EXPECT_EQ(idekm_key_go(s->q, 0, 9, 0, IDEKM_RX, IDEKM_SUB_PR), 0);
	req[3] = 9;
	req[5] = 0;
	EXPECT_EQ(kp_status(s, req, 47, rsp), IDEKM_KP_FAILURE);
	EXPECT_EQ(s->dev->streams[9].k[0][0][0].key[0], 1);

	/* the requester turns statuses into -EPROTO */
	EXPECT_EQ(idekm_key_prog(s->q, 1, 9, 0, IDEKM_RX, IDEKM_SUB_PR, key,
				 ifv), -EPROTO);
	EXPECT_EQ(idekm_key_prog(s->q, 0, 9, 0, IDEKM_RX, IDEKM_SUB_PR, key,
				 ifv), -EPROTO);
	/* and refuses to send nonsense */
	EXPECT_EQ(idekm_key_prog(s->q, 0, 9, 2, IDEKM_RX, 0, key, ifv),
		  -EINVAL);
	EXPECT_EQ(idekm_key_prog(s->q, 0, 9, 0, 2, 0, key, ifv), -EINVAL);
	EXPECT_EQ(idekm_key_prog(s->q, 0, 9, 0, 0, 3, key, ifv), -EINVAL);
	EXPECT_EQ(idekm_key_prog(s->q, 0, 9, 0, 0, 0, NULL, ifv), -EINVAL);
	EXPECT_EQ(idekm_key_go(s->q, 0, 9, 0, 0, 3), -EINVAL);
	EXPECT_EQ(idekm_key_stop(s->q, 0, 9, 3, 0, 0), -EINVAL);
	stub_free(s);
}

TEST(idekm_go_unprogrammed)
{
	struct stub *s = stub_new();

	ASSERT(s);
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_RX, IDEKM_SUB_PR),
		  -ENOKEY);
	EXPECT(!s->dev->streams[STREAM].k[0][0][0].go);
	/* stop of an unprogrammed key is acknowledged */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_RX, IDEKM_SUB_PR),
		  0);
	EXPECT_EQ(s->nr_ev, 0);
	stub_free(s);
}

TEST(idekm_gostop_malformed)
{
	struct stub *s = stub_new();
	uint8_t req[8] = { IDEKM_K_SET_GO, 0, 0, 1, 0, 0, 0, 0 }, rsp[64];
	unsigned int id;

	ASSERT(s);
	EXPECT_EQ(prog_keys(s, 1, 0), 0);
	EXPECT_EQ(dev_call(s, 0, req, 6, rsp, sizeof(rsp)), -EINVAL);
	EXPECT_EQ(dev_call(s, 0, req, 8, rsp, sizeof(rsp)), -EINVAL);
	EXPECT_EQ(dev_call(s, 0, req, 7, rsp, 6), -ENOSPC);
	req[6] = 1;
	EXPECT_EQ(dev_call(s, 0, req, 7, rsp, sizeof(rsp)), -EINVAL);
	req[6] = 0;
	req[5] = 0x30;
	EXPECT_EQ(dev_call(s, 0, req, 7, rsp, sizeof(rsp)), -EINVAL);
	req[5] = 0x04;
	EXPECT_EQ(dev_call(s, 0, req, 7, rsp, sizeof(rsp)), -EINVAL);
	EXPECT(!s->dev->streams[1].k[0][0][0].go);
	req[5] = 0;
	req[0] = IDEKM_K_SET_STOP;
	req[6] = 2;
	EXPECT_EQ(dev_call(s, 0, req, 7, rsp, sizeof(rsp)), -EINVAL);
	EXPECT(s->dev->streams[1].k[0][0][0].programmed);
	req[6] = 0;
	EXPECT_EQ(dev_call(s, 0, req, 7, rsp, sizeof(rsp)), 7);
	EXPECT_EQ(rsp[0], IDEKM_K_GOSTOP_ACK);
	EXPECT_MEM(rsp + 1, req + 1, 6);
	/* answers are not requests; unknown IDs */
	for (id = IDEKM_QUERY_RESP; id < 256; id++) {
		if (id == IDEKM_KEY_PROG || id == IDEKM_K_SET_GO ||
		    id == IDEKM_K_SET_STOP)
			continue;
		req[0] = (uint8_t)id;
		EXPECT_EQ(dev_call(s, 0, req, 7, rsp, sizeof(rsp)), -EINVAL);
	}
	stub_free(s);
}

/*
 * The tag the platform must be given for the keys make_key() makes:
 * SHA-384 over PR, NPR and CPL, first four bytes little endian, computed
 * here without idekm_key_tag()
 */
static uint32_t want_tag(uint8_t stream, uint8_t ks, uint8_t dir)
{
	uint8_t keys[96], ifv[8], md[EVP_MAX_MD_SIZE];
	unsigned int sub, len = 0;

	for (sub = 0; sub < 3; sub++)
		make_key(keys + 32 * sub, ifv, stream, ks, dir, sub);
	if (EVP_Digest(keys, sizeof(keys), md, &len, EVP_sha384(), NULL) != 1)
		return 0;
	return (uint32_t)md[0] | (uint32_t)md[1] << 8 | (uint32_t)md[2] << 16 |
	       (uint32_t)md[3] << 24;
}

/* K_SET_GO (@go) or K_SET_STOP of the three keys of one key set, direction */
static int gostop_set(struct stub *s, uint8_t stream, uint8_t ks, uint8_t dir,
		      bool go)
{
	unsigned int sub;
	int ret;

	for (sub = 0; sub < 3; sub++) {
		ret = go ? idekm_key_go(s->q, 0, stream, ks, dir, sub) :
			   idekm_key_stop(s->q, 0, stream, ks, dir, sub);
		if (ret)
			return ret;
	}
	return 0;
}

/* Event @i is the report of @ks, @dir of @stream with @go (and its tag) */
static bool key_event(const struct stub *s, unsigned int i, uint8_t stream,
		      uint8_t ks, uint8_t dir, bool go)
{
	const struct stub_event *e = &s->ev[i];

	return i < s->nr_ev && e->kind == STUB_EV_IDE &&
	       e->stream_id == stream && e->key_set == ks && e->dir == dir &&
	       e->value == go && e->segment == STUB_SEGMENT && e->rid == RID0 &&
	       e->tag == (go ? want_tag(stream, ks, dir) : 0);
}

TEST(idekm_key_tag)
{
	uint8_t keys[3][32];
	uint32_t tag = 0;
	unsigned int i;

	for (i = 0; i < 96; i++)
		keys[i / 32][i % 32] = (uint8_t)i;
	EXPECT_EQ(idekm_key_tag(keys, &tag), 0);
	EXPECT_EQ(tag, 0x4e0006e6);	/* SHA-384 e6 06 00 4e ... */
	memset(keys, 0, sizeof(keys));
	EXPECT_EQ(idekm_key_tag(keys, &tag), 0);
	EXPECT_EQ(tag, 0xedb77bf5);
	/* PR, NPR, CPL in that order */
	keys[2][0] = 1;
	EXPECT_EQ(idekm_key_tag(keys, &tag), 0);
	EXPECT(tag != 0xedb77bf5);
}

/* Each key set and direction is reported once its three keys are set to go */
TEST(idekm_key_reports_per_set_and_dir)
{
	struct stub *s = stub_new();
	unsigned int sub, i;
	struct idekm_key *k;

	ASSERT(s);
	EXPECT_EQ(prog_keys(s, STREAM, 0), 0);
	EXPECT_EQ(s->nr_ev, 0);
	for (sub = 0; sub < 3; sub++) {
		EXPECT_EQ(s->nr_ev, 0);
		EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_RX, sub), 0);
	}
	EXPECT_EQ(s->nr_ev, 1);
	EXPECT(key_event(s, 0, STREAM, 0, IDEKM_RX, true));
	/* Rx alone does not make the stream ready */
	EXPECT(!idekm_stream_ready(s->dev, STREAM));
	for (sub = 0; sub < 3; sub++) {
		EXPECT_EQ(s->nr_ev, 1);
		EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_TX, sub), 0);
	}
	EXPECT_EQ(s->nr_ev, 2);
	EXPECT(key_event(s, 1, STREAM, 0, IDEKM_TX, true));
	EXPECT(want_tag(STREAM, 0, IDEKM_RX) != want_tag(STREAM, 0, IDEKM_TX));
	EXPECT(idekm_stream_ready(s->dev, STREAM));
	/* GO again: no new event; other streams unaffected */
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_CPL), 0);
	EXPECT_EQ(s->nr_ev, 2);
	EXPECT_EQ(stub_count(s, STUB_EV_IDE, STREAM + 1), 0);

	/* STOP of one key: that key set and direction stops, key wiped */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_RX, IDEKM_SUB_NPR),
		  0);
	EXPECT_EQ(s->nr_ev, 3);
	EXPECT(key_event(s, 2, STREAM, 0, IDEKM_RX, false));
	EXPECT(!idekm_stream_ready(s->dev, STREAM));
	k = &s->dev->streams[STREAM].k[0][IDEKM_RX][IDEKM_SUB_NPR];
	EXPECT(!k->programmed && !k->go);
	for (i = 0; i < 32; i++)
		EXPECT_EQ(k->key[i], 0);
	/* more stops of it: no new event; one of Tx: its own */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_RX, IDEKM_SUB_PR),
		  0);
	EXPECT_EQ(s->nr_ev, 3);
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_PR),
		  0);
	EXPECT_EQ(s->nr_ev, 4);
	EXPECT(key_event(s, 3, STREAM, 0, IDEKM_TX, false));
	/* GO of a stopped key refused */
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_RX, IDEKM_SUB_NPR),
		  -ENOKEY);
	/* keys still in use can't be replaced: stop them all, then rekey */
	EXPECT_EQ(setup_stream(s, STREAM), -EPROTO);
	EXPECT_EQ(gostop_set(s, STREAM, 0, IDEKM_RX, false), 0);
	EXPECT_EQ(gostop_set(s, STREAM, 0, IDEKM_TX, false), 0);
	EXPECT_EQ(s->nr_ev, 4);
	EXPECT_EQ(setup_stream(s, STREAM), 0);
	EXPECT_EQ(s->nr_ev, 6);
	EXPECT(key_event(s, 4, STREAM, 0, IDEKM_RX, true));
	EXPECT(key_event(s, 5, STREAM, 0, IDEKM_TX, true));
	EXPECT_EQ(stub_key_last(s, STREAM, 1, IDEKM_RX, NULL), -1);
	stub_free(s);
}

/*
 * FAULT_IDE_INSECURE: every GO acknowledged, but the key set and direction
 * of the GO that took the fault is not reported go until a STOP of it
 */
TEST(idekm_insecure_fault)
{
	struct stub *s = stub_new();
	uint32_t tag = 0;

	ASSERT(s);
	s->fault = FAULT_IDE_INSECURE;
	/* Only a K_SET_GO consumes it: the first, of K0 Rx PR */
	EXPECT_EQ(prog_keys(s, STREAM, 0), 0);
	EXPECT_EQ(s->fault, FAULT_IDE_INSECURE);
	EXPECT_EQ(go_keys(s, STREAM, 0), 0);
	EXPECT_EQ(s->fault, FAULT_NONE);
	EXPECT(idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(s->nr_ev, 1);
	EXPECT(key_event(s, 0, STREAM, 0, IDEKM_TX, true));
	EXPECT_EQ(stub_key_count(s, STREAM, 0, IDEKM_RX), 0);
	/* A STOP of one of its keys clears it; keyed again, it is reported */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_RX, IDEKM_SUB_CPL),
		  0);
	EXPECT_EQ(s->nr_ev, 1);
	EXPECT(!idekm_stream_ready(s->dev, STREAM));
	/* the others are in use */
	EXPECT_EQ(prog_keys(s, STREAM, 0), -EPROTO);
	EXPECT_EQ(prog_one(s, STREAM, 0, IDEKM_RX, IDEKM_SUB_CPL), 0);
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_RX, IDEKM_SUB_CPL), 0);
	EXPECT_EQ(stub_key_last(s, STREAM, 0, IDEKM_RX, &tag), 1);
	EXPECT_EQ(tag, want_tag(STREAM, 0, IDEKM_RX));
	/* Taken by a repeated GO of keys in force: they stop being reported */
	s->fault = FAULT_IDE_INSECURE;
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_NPR), 0);
	EXPECT_EQ(stub_key_last(s, STREAM, 0, IDEKM_TX, &tag), 0);
	EXPECT_EQ(tag, 0);
	EXPECT_EQ(stub_key_last(s, STREAM, 0, IDEKM_RX, NULL), 1);
	EXPECT_EQ(s->nr_ev, 3);
	stub_free(s);
}

/*
 * Ready: the Tx keys of the key set in use and the Rx keys of any key set;
 * the directions need not use the same key set
 */
TEST(idekm_ready_tx_in_use_and_any_rx)
{
	struct stub *s = stub_new();

	ASSERT(s);
	EXPECT_EQ(prog_keys(s, 5, 0), 0);
	EXPECT_EQ(prog_keys(s, 5, 1), 0);
	EXPECT_EQ(gostop_set(s, 5, 0, IDEKM_RX, true), 0);
	EXPECT(!idekm_stream_ready(s->dev, 5));
	EXPECT_EQ(gostop_set(s, 5, 1, IDEKM_TX, true), 0);
	EXPECT(idekm_stream_ready(s->dev, 5));
	EXPECT_EQ(s->dev->streams[5].tx_set, 1);
	EXPECT_EQ(s->nr_ev, 2);
	EXPECT(key_event(s, 0, 5, 0, IDEKM_RX, true));
	EXPECT(key_event(s, 1, 5, 1, IDEKM_TX, true));
	/* K1 Tx in use: its keys can't be reprogrammed, K0 Tx's can */
	EXPECT_EQ(idekm_key_prog(s->q, 0, 5, 1, IDEKM_TX, IDEKM_SUB_PR,
				 s->dev->streams[5].k[1][1][0].key,
				 s->dev->streams[5].k[1][1][0].ifv), -EPROTO);
	EXPECT_EQ(prog_keys(s, 5, 1), -EPROTO);
	/* Rx of K1 as well: still ready once K0 Rx stops */
	EXPECT_EQ(gostop_set(s, 5, 1, IDEKM_RX, true), 0);
	EXPECT_EQ(idekm_key_stop(s->q, 0, 5, 0, IDEKM_RX, IDEKM_SUB_PR), 0);
	EXPECT(idekm_stream_ready(s->dev, 5));
	/* and not once no Rx key set is left */
	EXPECT_EQ(idekm_key_stop(s->q, 0, 5, 1, IDEKM_RX, IDEKM_SUB_CPL), 0);
	EXPECT(!idekm_stream_ready(s->dev, 5));
	stub_free(s);
}

/* The Tx key set in use is the one whose Tx keys were all set to go last */
TEST(idekm_tx_set_switch)
{
	struct stub *s = stub_new();
	struct idekm_stream *st;

	ASSERT(s);
	st = &s->dev->streams[STREAM];
	EXPECT_EQ(setup_stream(s, STREAM), 0);
	EXPECT_EQ(st->tx_set, 0);
	EXPECT_EQ(prog_keys(s, STREAM, 1), 0);
	EXPECT_EQ(gostop_set(s, STREAM, 1, IDEKM_RX, true), 0);
	EXPECT_EQ(st->tx_set, 0);
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 1, IDEKM_TX, IDEKM_SUB_PR), 0);
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 1, IDEKM_TX, IDEKM_SUB_NPR), 0);
	EXPECT_EQ(st->tx_set, 0);
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 1, IDEKM_TX, IDEKM_SUB_CPL), 0);
	EXPECT_EQ(st->tx_set, 1);
	/* a repeated GO of the other key set's keys does not switch back */
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_PR), 0);
	EXPECT_EQ(st->tx_set, 1);
	/* the old Tx key set stopped and set to go again: it is back in use */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_PR),
		  0);
	EXPECT_EQ(st->tx_set, 1);
	EXPECT(idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_PR),
		  -ENOKEY);
	EXPECT_EQ(prog_one(s, STREAM, 0, IDEKM_TX, IDEKM_SUB_PR), 0);
	EXPECT_EQ(idekm_key_go(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_PR), 0);
	EXPECT_EQ(st->tx_set, 0);
	EXPECT_EQ(s->nr_ev, 6);
	EXPECT(key_event(s, 2, STREAM, 1, IDEKM_RX, true));
	EXPECT(key_event(s, 3, STREAM, 1, IDEKM_TX, true));
	EXPECT(key_event(s, 4, STREAM, 0, IDEKM_TX, false));
	EXPECT(key_event(s, 5, STREAM, 0, IDEKM_TX, true));
	stub_free(s);
}

/*
 * A key refresh as the firmware does it: the new key set's keys, Rx then
 * Tx set to go, then the old key set stopped.  The stream stays ready and
 * the interfaces locked to it stay as they are; stopping the key set in
 * use afterwards fails them.
 */
TEST(idekm_rollover_keeps_tdi)
{
	uint8_t n1[32];
	struct stub *s = locked_stub(RID0, 0, true, NULL);
	unsigned int roll, e = 0;

	ASSERT(s);
	ASSERT(tdisp_lock(s->q, RID1, 0, STREAM, 0, n1) == 0);
	stub_clear_events(s);
	for (roll = 0; roll < 3; roll++) {
		uint8_t old = roll & 1, alt = old ^ 1;

		EXPECT_EQ(prog_keys(s, STREAM, alt), 0);
		EXPECT_EQ(gostop_set(s, STREAM, alt, IDEKM_RX, true), 0);
		EXPECT(idekm_stream_ready(s->dev, STREAM));
		EXPECT_EQ(gostop_set(s, STREAM, alt, IDEKM_TX, true), 0);
		EXPECT(idekm_stream_ready(s->dev, STREAM));
		EXPECT_EQ(s->dev->streams[STREAM].tx_set, alt);
		EXPECT_EQ(gostop_set(s, STREAM, old, IDEKM_RX, false), 0);
		EXPECT(idekm_stream_ready(s->dev, STREAM));
		EXPECT_EQ(gostop_set(s, STREAM, old, IDEKM_TX, false), 0);
		EXPECT(idekm_stream_ready(s->dev, STREAM));
		EXPECT(key_event(s, e++, STREAM, alt, IDEKM_RX, true));
		EXPECT(key_event(s, e++, STREAM, alt, IDEKM_TX, true));
		EXPECT(key_event(s, e++, STREAM, old, IDEKM_RX, false));
		EXPECT(key_event(s, e++, STREAM, old, IDEKM_TX, false));
	}
	EXPECT_EQ(s->nr_ev, e);
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0), 0);
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID1), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_RUN);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_CONFIG_LOCKED);
	/* K1 in use now: a stop of one of its Tx keys fails both */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 1, IDEKM_TX, IDEKM_SUB_NPR),
		  0);
	EXPECT(!idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_ERROR);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID1), TDI_ERROR);
	stub_free(s);
}

/*
 * Both Tx key sets in force: a stop of the one in use falls back to the
 * other, as the emulated link does; the stream stays ready
 */
TEST(idekm_tx_falls_back)
{
	struct stub *s = locked_stub(RID0, 0, true, NULL);
	struct idekm_stream *st;

	ASSERT(s);
	st = &s->dev->streams[STREAM];
	EXPECT_EQ(prog_keys(s, STREAM, 1), 0);
	EXPECT_EQ(go_keys(s, STREAM, 1), 0);
	EXPECT_EQ(st->tx_set, 1);
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 1, IDEKM_TX, IDEKM_SUB_NPR),
		  0);
	EXPECT_EQ(st->tx_set, 0);
	EXPECT(idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_RUN);
	/* the Rx keys of both: no effect on the Tx key set */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_RX, IDEKM_SUB_PR),
		  0);
	EXPECT_EQ(st->tx_set, 0);
	EXPECT(idekm_stream_ready(s->dev, STREAM));
	/* nothing left to fall back to */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_PR),
		  0);
	EXPECT_EQ(st->tx_set, 0);
	EXPECT(!idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_ERROR);
	stub_free(s);
}

/*
 * Midway through a refresh both key sets are in force; the stream depends
 * on the new Tx keys, not on the old ones
 */
TEST(idekm_stop_tx_in_use_mid_roll)
{
	struct stub *s = locked_stub(RID0, 0, true, NULL);

	ASSERT(s);
	EXPECT_EQ(prog_keys(s, STREAM, 1), 0);
	EXPECT_EQ(go_keys(s, STREAM, 1), 0);
	/* the old Tx keys: nothing happens */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, IDEKM_TX, IDEKM_SUB_PR),
		  0);
	EXPECT(idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0), 0);
	/* the Tx keys in use, though K0's Rx and K1's Rx are still there */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 1, IDEKM_TX, IDEKM_SUB_CPL),
		  0);
	EXPECT(!idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_ERROR);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_ERROR);
	stub_free(s);
}

TEST(idekm_session_end_wipes)
{
	struct stub *s = stub_new();
	static const uint8_t zero[sizeof(struct idekm_stream)];

	ASSERT(s);
	EXPECT_EQ(setup_stream(s, 1), 0);
	EXPECT_EQ(setup_stream(s, 2), 0);
	EXPECT_EQ(prog_keys(s, 250, 1), 0);
	stub_clear_events(s);
	pcisig_dev_session_end(s->dev);
	EXPECT(key_event(s, 0, 1, 0, IDEKM_RX, false));
	EXPECT(key_event(s, 1, 1, 0, IDEKM_TX, false));
	EXPECT(key_event(s, 2, 2, 0, IDEKM_RX, false));
	EXPECT(key_event(s, 3, 2, 0, IDEKM_TX, false));
	EXPECT_EQ(s->nr_ev, 4);
	EXPECT(!idekm_stream_ready(s->dev, 1));
	EXPECT_MEM(&s->dev->streams[1], zero, sizeof(zero));
	EXPECT_MEM(&s->dev->streams[250], zero, sizeof(zero));
	EXPECT_EQ(idekm_key_go(s->q, 0, 1, 0, 0, 0), -ENOKEY);
	stub_free(s);
}

/* ---- malicious IDE_KM answers ------------------------------------- */

struct tamper {
	int idx;		/* byte to change, -1 none */
	uint8_t val;
	int delta;		/* added to the length */
	int only_code;		/* TDISP: only answers to this request */
};

static int tamper_hook(struct stub *s, uint8_t proto, const uint8_t *req,
		       size_t req_len, uint8_t *rsp, int len)
{
	struct tamper *t = s->hook_priv;

	if (len < 0)
		return len;
	if (t->only_code && (req_len < 2 || req[1] != t->only_code))
		return len;
	if (t->idx >= 0 && t->idx < MODEL_DOE_MAX)
		rsp[t->idx] = t->val;
	len += t->delta;
	if (len < 0)
		len = 0;
	if (len > MODEL_DOE_MAX)
		len = MODEL_DOE_MAX;
	return len;
}

static void set_tamper(struct stub *s, struct tamper *t, int idx,
		       uint8_t val, int delta)
{
	t->idx = idx;
	t->val = val;
	t->delta = delta;
	t->only_code = 0;
	s->hook = tamper_hook;
	s->hook_priv = t;
}

TEST(idekm_requester_rejects_bad_acks)
{
	struct stub *s = stub_new();
	uint8_t key[32] = { 0 }, ifv[8] = { 0 }, rsp[512];
	struct tamper t;
	static const struct { int idx; uint8_t val; int delta; } bad[] = {
		{ 0, IDEKM_K_GOSTOP_ACK, 0 },	/* wrong object */
		{ 3, 4, 0 },			/* stream ID */
		{ 5, 0x10, 0 },			/* key selector */
		{ 6, 1, 0 },			/* port */
		{ -1, 0, -1 },			/* short */
		{ -1, 0, 1 },			/* long */
		{ -1, 0, -7 },			/* empty */
	};
	unsigned int i;

	ASSERT(s);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		set_tamper(s, &t, bad[i].idx, bad[i].val, bad[i].delta);
		EXPECT_EQ(idekm_key_prog(s->q, 0, 3, 0, 0, 0, key, ifv),
			  -EPROTO);
		if (bad[i].idx == 0)
			t.val = IDEKM_KP_ACK;
		EXPECT_EQ(idekm_key_go(s->q, 0, 3, 0, 0, 0), -EPROTO);
		EXPECT_EQ(idekm_key_stop(s->q, 0, 3, 0, 0, 0), -EPROTO);
	}
	/* KP_ACK with a failure status */
	set_tamper(s, &t, 4, IDEKM_KP_FAILURE, 0);
	EXPECT_EQ(idekm_key_prog(s->q, 0, 3, 0, 0, 0, key, ifv), -EPROTO);

	/* QUERY_RESP */
	set_tamper(s, &t, 0, IDEKM_KP_ACK, 0);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	set_tamper(s, &t, 2, 1, 0);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	set_tamper(s, &t, -1, 0, 4);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	set_tamper(s, &t, -1, 0, -4);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	set_tamper(s, &t, -1, 0, -1);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	set_tamper(s, &t, -1, 0, -72);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	/* more selective streams announced than dumped */
	set_tamper(s, &t, 7 + 2, 0x05, 0);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	/* address block count grows */
	set_tamper(s, &t, 7 + 8, 0x0f, 0);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	/* link blocks appear */
	set_tamper(s, &t, 7, 0xc3, 0);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	/* huge answer */
	set_tamper(s, &t, -1, 0, 4000);
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), -EPROTO);
	s->hook = NULL;
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), 79);
	stub_free(s);
}

/* ------------------------------------------------------------------ */
/* TDISP: happy paths                                                  */

TEST(tdisp_version_and_caps)
{
	struct stub *s = stub_new();
	uint8_t caps[64];

	ASSERT(s);
	EXPECT_EQ(tdisp_get_version(s->q, RID0), TDISP_VERSION_10);
	EXPECT_EQ(tdisp_get_version(s->q, RID1), TDISP_VERSION_10);
	EXPECT_EQ(tdisp_get_capabilities(s->q, RID0, caps, sizeof(caps)), 44);
	EXPECT_EQ(caps[1], 0x02);
	EXPECT_EQ(get_le32(caps + 16), 0);
	EXPECT_EQ(caps[20], 0xfe);	/* 0x81..0x87 */
	EXPECT_EQ(caps[21], 0);
	EXPECT_EQ(get_le16(caps + 36),
		  TDISP_LOCK_NO_FW_UPDATE | TDISP_LOCK_MSIX);
	EXPECT_EQ(caps[41], 52);
	EXPECT_EQ(caps[42], 1);
	EXPECT_EQ(caps[43], 1);
	EXPECT_EQ(tdisp_get_capabilities(s->q, RID0, NULL, 0), 44);
	EXPECT_EQ(tdisp_get_capabilities(s->q, RID0, caps, 43), -ENOSPC);
	EXPECT_EQ(tdisp_last_error(s->q), 0);
	EXPECT_EQ(s->nr_ev, 0);
	stub_free(s);
}

TEST(tdisp_full_cycle)
{
	struct stub *s = stub_new();
	uint8_t nonce[32], nonce2[32], report[512];
	int n;

	ASSERT(s);
	ASSERT(setup_stream(s, STREAM) == 0);
	stub_clear_events(s);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(tdisp_lock(s->q, RID0, TDISP_LOCK_NO_FW_UPDATE, STREAM,
			     OFFSET, nonce), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_LOCKED);
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0), 1);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_CONFIG_LOCKED);
	EXPECT_EQ(s->ev[0].segment, STUB_SEGMENT);
	n = tdisp_get_report(s->q, RID0, 1024, report, sizeof(report));
	EXPECT_EQ(n, 84);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_RUN);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_RUN);
	/* the report stays readable in RUN */
	EXPECT_EQ(tdisp_get_report(s->q, RID0, 7, report, sizeof(report)), 84);
	EXPECT_EQ(tdisp_stop(s->q, RID0), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0), 3);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_CONFIG_UNLOCKED);
	/* a new lock gets a new nonce; the old one is refused */
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce2), 0);
	EXPECT(memcmp(nonce, nonce2, 32) != 0);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_NONCE);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce2), 0);
	EXPECT_EQ(tdisp_last_error(s->q), 0);
	EXPECT_EQ(s->nr_ev, 5);
	/* responses fit a DOE object with room to spare */
	EXPECT(s->max_rsp <= 1044);
	stub_free(s);
}

TEST(tdisp_wire_format)
{
	struct stub *s = stub_new();
	uint8_t nonce[32], r[512];

	ASSERT(s);
	ASSERT(setup_stream(s, STREAM) == 0);
	EXPECT_EQ(tdisp_lock(s->q, RID1, TDISP_LOCK_MSIX, STREAM,
			     0x123456789000ull, nonce), 0);
	ASSERT(s->last_req_len == TDISP_LOCK_REQ_LEN);
	EXPECT_EQ(s->last_req[0], TDISP_VERSION_10);
	EXPECT_EQ(s->last_req[1], TDISP_LOCK);
	EXPECT_EQ(get_le32(s->last_req + 4), RID1);
	EXPECT_EQ(get_le64(s->last_req + 8), 0);
	EXPECT_EQ(get_le16(s->last_req + 16), TDISP_LOCK_MSIX);
	EXPECT_EQ(s->last_req[18], STREAM);
	EXPECT_EQ(get_le64(s->last_req + 20), 0x123456789000ull);
	EXPECT_EQ(get_le64(s->last_req + 28), 0);
	EXPECT_MEM(nonce, s->dev->tdi[1].nonce, 32);
	EXPECT_EQ(tdisp_get_report(s->q, RID1, 50, r, sizeof(r)), 84);
	ASSERT(s->last_req_len == TDISP_REPORT_REQ_LEN);
	EXPECT_EQ(get_le16(s->last_req + 16), 50);
	EXPECT_EQ(get_le16(s->last_req + 18), 34);
	EXPECT_EQ(tdisp_start(s->q, RID1, nonce), 0);
	ASSERT(s->last_req_len == TDISP_START_REQ_LEN);
	EXPECT_MEM(s->last_req + 16, nonce, 32);
	EXPECT_EQ(tdisp_get_capabilities(s->q, RID1, NULL, 0), 44);
	ASSERT(s->last_req_len == TDISP_CAPS_REQ_LEN);
	EXPECT_EQ(tdisp_stop(s->q, RID1), 0);
	EXPECT_EQ(s->last_req_len, TDISP_HDR_LEN);
	EXPECT_EQ(s->last_req[1], TDISP_STOP);
	stub_free(s);
}

TEST(tdisp_two_interfaces)
{
	struct stub *s = stub_new();
	uint8_t n0[32], n1[32];

	ASSERT(s);
	ASSERT(setup_stream(s, STREAM) == 0);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, n0), 0);
	EXPECT_EQ(tdisp_lock(s->q, RID1, 0, STREAM, 0, n1), 0);
	EXPECT_EQ(tdisp_start(s->q, RID1, n0), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_NONCE);
	EXPECT_EQ(tdisp_start(s->q, RID1, n1), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_LOCKED);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_RUN);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID1), TDI_RUN);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_CONFIG_LOCKED);
	EXPECT_EQ(tdisp_stop(s->q, RID0), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_RUN);
	stub_free(s);
}

/* ------------------------------------------------------------------ */
/* TDISP: state machine errors                                         */

TEST(tdisp_lock_errors)
{
	struct stub *s = stub_new();
	static const uint16_t bad_flags[] = {
		TDISP_LOCK_CACHE_128, TDISP_LOCK_BIND_P2P,
		TDISP_LOCK_ALL_REDIRECT, 0x0020, 0x8000,
		TDISP_LOCK_NO_FW_UPDATE | TDISP_LOCK_BIND_P2P,
	};
	uint8_t nonce[32];
	unsigned int i;

	ASSERT(s);
	/* stream without keys, then with only 5 of 6 keys */
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_DEVICE_CONFIG);
	EXPECT_EQ(prog_keys(s, STREAM, 0), 0);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_DEVICE_CONFIG);
	EXPECT_EQ(go_keys(s, STREAM, 0), 0);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM + 1, 0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_DEVICE_CONFIG);
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		EXPECT_EQ(tdisp_lock(s->q, RID0, bad_flags[i], STREAM, 0,
				     nonce), -EPROTO);
		EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_REQUEST);
	}
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0x800, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_REQUEST);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0), 0);

	/* locked: a second lock is refused, in RUN too */
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), 0);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), 0);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_RUN);
	stub_free(s);
}

TEST(tdisp_lock_bad_device_config)
{
	struct stub *s;
	uint8_t nonce[32], *c;
	unsigned int i;

	for (i = 0; i < 9; i++) {
		s = stub_new();
		ASSERT(s);
		ASSERT(setup_stream(s, STREAM) == 0);
		c = s->fn[0].config;
		switch (i) {
		case 0:	/* BAR2 overlaps BAR0 */
			put_le32(c + 0x18, (uint32_t)STUB_BAR0_ADDR(0) | 0xc);
			break;
		case 1:	/* MSI-X table beyond BAR0 */
			put_le32(c + STUB_MSIX_OFF + 4, 0xffff8);
			break;
		case 2:	/* PBA in an unimplemented BAR */
			put_le32(c + STUB_MSIX_OFF + 8, 0x1004);
			break;
		case 3:	/* table BIR 6 (reserved) */
			put_le32(c + STUB_MSIX_OFF + 4, 0x6);
			break;
		case 4:	/* BIR pointing to the upper half of BAR0 */
			put_le32(c + STUB_MSIX_OFF + 4, 0x1);
			break;
		case 5:	/* BAR size not a power of two */
			s->fn[0].bar_size[2] = 3 << 20;
			break;
		case 6:	/* misaligned BAR */
			put_le32(c + 0x18, (uint32_t)STUB_BAR2_ADDR(0) + 0x1000);
			break;
		case 7:	/* 64-bit BAR in slot 5 */
			put_le32(c + 0x24, 0x4);
			s->fn[0].bar_size[5] = 4096;
			break;
		case 8:	/* reserved BAR type */
			put_le32(c + 0x20, 0x2);
			s->fn[0].bar_size[4] = 4096;
			break;
		}
		EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), -EPROTO);
		EXPECT_EQ(tdisp_last_error(s->q),
			  TDISP_ERR_INVALID_DEVICE_CONFIG);
		EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
		EXPECT_EQ(s->dev->tdi[0].report_len, 0);
		stub_free(s);
	}
}

TEST(tdisp_start_errors)
{
	struct stub *s = stub_new();
	uint8_t nonce[32], bad[32];

	ASSERT(s);
	ASSERT(setup_stream(s, STREAM) == 0);
	memset(bad, 0, sizeof(bad));
	EXPECT_EQ(tdisp_start(s->q, RID0, bad), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), 0);
	memcpy(bad, nonce, 32);
	bad[31] ^= 1;
	stub_clear_events(s);
	EXPECT_EQ(tdisp_start(s->q, RID0, bad), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_NONCE);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_LOCKED);
	EXPECT_EQ(s->nr_ev, 0);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), 0);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_RUN);
	EXPECT_EQ(tdisp_start(s->q, RID0, NULL), -EINVAL);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, NULL), -EINVAL);
	stub_free(s);
}

TEST(tdisp_stop_transitions)
{
	struct stub *s = stub_new();
	uint8_t nonce[32];

	ASSERT(s);
	EXPECT_EQ(tdisp_stop(s->q, RID0), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	ASSERT(setup_stream(s, STREAM) == 0);
	/* LOCKED -> UNLOCKED */
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), 0);
	EXPECT_EQ(tdisp_stop(s->q, RID0), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(s->dev->tdi[0].report_len, 0);
	/* the nonce of a stopped lock is gone */
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	/* RUN -> UNLOCKED */
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), 0);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), 0);
	EXPECT_EQ(tdisp_stop(s->q, RID0), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	/* ERROR -> UNLOCKED */
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), 0);
	stub_cfg_write(s, RID0, 0x04, 2, 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_ERROR);
	stub_clear_events(s);
	EXPECT_EQ(tdisp_stop(s->q, RID0), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(tdisp_stop(s->q, RID0), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	stub_free(s);
}

/* FLR and conventional resets of the functions of a device */
TEST(pcisig_dev_reset)
{
	struct stub *s = locked_stub(RID0, 0, true, NULL);
	uint8_t n1[32];

	ASSERT(s);
	EXPECT_EQ(tdisp_lock(s->q, RID1, 0, STREAM, 0, n1), 0);
	stub_clear_events(s);

	/* FLR of a function: its interface only, the keys stay */
	pcisig_dev_reset(s->dev, RID1, false);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID1), TDI_ERROR);
	EXPECT_EQ(s->nr_ev, 1);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_RUN);
	EXPECT(idekm_stream_ready(s->dev, STREAM));
	/* FLR of an unlocked one and a conventional reset of an ERROR one */
	EXPECT_EQ(tdisp_stop(s->q, RID1), 0);
	stub_clear_events(s);
	pcisig_dev_reset(s->dev, RID1, false);
	EXPECT_EQ(s->nr_ev, 0);
	EXPECT_EQ(tdisp_lock(s->q, RID1, 0, STREAM, 0, n1), 0);
	pcisig_dev_reset(s->dev, RID1, false);
	pcisig_dev_reset(s->dev, RID1, true);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_CONFIG_UNLOCKED);

	/* another device's function, no device: nothing */
	stub_clear_events(s);
	pcisig_dev_reset(s->dev, RID0 + 8, true);
	pcisig_dev_reset(NULL, RID0, true);
	EXPECT_EQ(s->nr_ev, 0);

	/* FLR of the DSM: every key, the running interface fails */
	EXPECT_EQ(tdisp_lock(s->q, RID1, 0, STREAM, 0, n1), 0);
	stub_clear_events(s);
	pcisig_dev_reset(s->dev, RID0, false);
	EXPECT(!idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(stub_last(s, STUB_EV_IDE, STREAM), 0);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_ERROR);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID1), TDI_ERROR);
	/* a conventional reset starts the DSM's interface over */
	pcisig_dev_reset(s->dev, RID0, true);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_ERROR);
	/* and a lock needs new keys */
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, n1), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_DEVICE_CONFIG);
	stub_free(s);
}

TEST(tdisp_error_state_only_stop)
{
	struct stub *s = locked_stub(RID0, 0, true, NULL);
	uint8_t nonce[32] = { 0 }, report[512], caps[64];

	ASSERT(s);
	pcisig_dev_session_end(s->dev);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_ERROR);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	EXPECT_EQ(tdisp_get_report(s->q, RID0, 64, report, sizeof(report)),
		  -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_STATE);
	/* informational requests still work */
	EXPECT_EQ(tdisp_get_version(s->q, RID0), TDISP_VERSION_10);
	EXPECT_EQ(tdisp_get_capabilities(s->q, RID0, caps, sizeof(caps)), 44);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_ERROR);
	/* config writes in ERROR change nothing */
	stub_clear_events(s);
	stub_cfg_write(s, RID0, 0x04, 2, 0);
	EXPECT_EQ(s->nr_ev, 0);
	EXPECT_EQ(tdisp_stop(s->q, RID0), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	stub_free(s);
}

TEST(tdisp_session_end)
{
	struct stub *s = stub_new();
	uint8_t n0[32], n1[32];

	ASSERT(s);
	ASSERT(setup_stream(s, STREAM) == 0);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, n0), 0);
	EXPECT_EQ(tdisp_start(s->q, RID0, n0), 0);
	EXPECT_EQ(tdisp_lock(s->q, RID1, 0, STREAM, 0, n1), 0);
	stub_clear_events(s);
	pcisig_dev_session_end(s->dev);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0), TDI_ERROR);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID1), TDI_ERROR);
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0), 1);
	EXPECT_EQ(stub_key_last(s, STREAM, 0, IDEKM_RX, NULL), 0);
	EXPECT_EQ(stub_key_last(s, STREAM, 0, IDEKM_TX, NULL), 0);
	EXPECT_EQ(s->nr_ev, 4);
	EXPECT(!idekm_stream_ready(s->dev, STREAM));
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_ERROR);
	/* UNLOCKED and ERROR interfaces stay put */
	EXPECT_EQ(tdisp_stop(s->q, RID1), 0);
	stub_clear_events(s);
	pcisig_dev_session_end(s->dev);
	EXPECT_EQ(s->nr_ev, 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_ERROR);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_CONFIG_UNLOCKED);
	/* a new lock needs new keys */
	EXPECT_EQ(tdisp_lock(s->q, RID1, 0, STREAM, 0, n1), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_DEVICE_CONFIG);
	stub_free(s);
}

TEST(tdisp_default_stream_stop)
{
	struct stub *s = stub_new();
	uint8_t n0[32], n1[32];

	ASSERT(s);
	ASSERT(setup_stream(s, STREAM) == 0);
	ASSERT(setup_stream(s, STREAM + 1) == 0);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, n0), 0);
	EXPECT_EQ(tdisp_lock(s->q, RID1, 0, STREAM + 1, 0, n1), 0);
	EXPECT_EQ(tdisp_start(s->q, RID1, n1), 0);
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM + 1, 0, 0, 0), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_LOCKED);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_ERROR);
	/* keys of the key set not in use: the stream does not need them */
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 1, 1, 2), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_LOCKED);
	EXPECT_EQ(idekm_key_stop(s->q, 0, STREAM, 0, 1, 2), 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_ERROR);
	stub_free(s);
}

TEST(tdisp_fault_injection)
{
	struct stub *s = stub_new();
	uint8_t rsp[512];

	ASSERT(s);
	s->fault = FAULT_TDISP_ERROR;
	/* IDE_KM does not consume it */
	EXPECT_EQ(idekm_query(s->q, 0, rsp, sizeof(rsp)), 79);
	EXPECT_EQ(s->fault, FAULT_TDISP_ERROR);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_UNSPECIFIED);
	EXPECT_EQ(s->fault, FAULT_NONE);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(tdisp_last_error(s->q), 0);
	/* other faults are left alone */
	s->fault = FAULT_DROP;
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(s->fault, FAULT_DROP);
	/* even a malformed request consumes it */
	s->fault = FAULT_TDISP_ERROR;
	EXPECT_EQ(raw_tdisp_err(s, rsp, 3, NULL), TDISP_ERR_UNSPECIFIED);
	EXPECT_EQ(s->fault, FAULT_NONE);
	stub_free(s);
}

/* ------------------------------------------------------------------ */
/* TDISP: malformed requests                                           */

TEST(tdisp_unsupported_codes)
{
	struct stub *s = stub_new();
	uint8_t req[64];
	uint32_t data;
	unsigned int code;

	ASSERT(s);
	for (code = 0; code < 256; code++) {
		if (code >= TDISP_GET_VERSION && code <= TDISP_STOP)
			continue;
		tdisp_msg(req, sizeof(req), (uint8_t)code, RID0);
		data = 0xffff;
		EXPECT_EQ(raw_tdisp_err(s, req, 16, &data),
			  TDISP_ERR_UNSUPPORTED_REQUEST);
		EXPECT_EQ(data, code);
		EXPECT_EQ(raw_tdisp_err(s, req, 18, &data),
			  TDISP_ERR_UNSUPPORTED_REQUEST);
	}
	stub_free(s);
}

TEST(tdisp_bad_version)
{
	struct stub *s = stub_new();
	static const uint8_t vers[] = { 0x00, 0x01, 0x11, 0x20, 0xff };
	uint8_t req[64];
	unsigned int i, code;

	ASSERT(s);
	for (i = 0; i < sizeof(vers); i++)
		for (code = TDISP_GET_VERSION; code <= TDISP_STOP; code++) {
			tdisp_msg(req, sizeof(req), (uint8_t)code, RID0);
			req[0] = vers[i];
			EXPECT_EQ(raw_tdisp_err(s, req, tdisp_len_of(code), NULL),
				  TDISP_ERR_VERSION_MISMATCH);
		}
	stub_free(s);
}

TEST(tdisp_short_and_long)
{
	struct stub *s = stub_new();
	uint8_t req[128];
	unsigned int code;
	size_t len;

	ASSERT(s);
	for (code = TDISP_GET_VERSION; code <= TDISP_STOP; code++) {
		size_t good = tdisp_len_of(code);

		for (len = 0; len < sizeof(req); len++) {
			uint32_t e;

			tdisp_msg(req, sizeof(req), (uint8_t)code, RID0);
			if (code == TDISP_GET_REPORT)
				put_le16(req + 18, 4);
			e = raw_tdisp_err(s, req, len, NULL);
			if (len == good)
				EXPECT(e != TDISP_ERR_INVALID_REQUEST &&
				       e != 0xdeadbeef);
			else
				EXPECT_EQ(e, TDISP_ERR_INVALID_REQUEST);
		}
	}
	stub_free(s);
}

TEST(tdisp_foreign_rid)
{
	struct stub *s = stub_new();
	static const uint32_t bad[] = {
		0x0200, 0x0108, 0x0102, 0x0107, 0x0000, 0xffff,
		RID0 | TDISP_FUNC_SEG_VALID | 0x01u << 16,
		RID0 | TDISP_FUNC_SEG_VALID | 0xffu << 16,
	};
	uint8_t req[64];
	unsigned int i, code;

	ASSERT(s);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		for (code = TDISP_GET_VERSION; code <= TDISP_STOP; code++) {
			tdisp_msg(req, sizeof(req), (uint8_t)code, 0);
			put_le32(req + 4, bad[i]);
			EXPECT_EQ(raw_tdisp_err(s, req, tdisp_len_of(code), NULL),
				  TDISP_ERR_INVALID_INTERFACE);
		}
	/* requester side */
	EXPECT_EQ(tdisp_get_state(s->q, 0x0200), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_INTERFACE);
	EXPECT_EQ(tdisp_get_version(s->q, 0x0102), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_INTERFACE);
	/* the right segment, marked valid, is fine; reserved bits ignored */
	tdisp_msg(req, sizeof(req), TDISP_GET_STATE, 0);
	put_le32(req + 4, RID1 | TDISP_FUNC_SEG_VALID |
		 (STUB_SEGMENT & 0xff) << 16);
	EXPECT_EQ(raw_tdisp_err(s, req, 16, NULL), 0);
	req[12] = 0x55;
	EXPECT_EQ(raw_tdisp_err(s, req, 16, NULL), 0);
	/* a function that disappeared */
	s->fn_present[1] = false;
	EXPECT_EQ(tdisp_get_state(s->q, RID1), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_INVALID_INTERFACE);
	stub_free(s);
}

TEST(tdisp_error_echoes_interface)
{
	struct stub *s = stub_new();
	uint8_t req[64], rsp[128];
	int n;

	ASSERT(s);
	tdisp_msg(req, sizeof(req), 0x99, 0x0345);
	memset(req + 8, 0xa5, 8);
	n = dev_call(s, 1, req, 16, rsp, sizeof(rsp));
	ASSERT(n == 24);
	EXPECT_EQ(rsp[0], TDISP_VERSION_10);
	EXPECT_EQ(rsp[1], TDISP_ERROR);
	EXPECT_MEM(rsp + 4, req + 4, 12);
	/* partial header: what is there is echoed, the rest is zero */
	n = dev_call(s, 1, req, 6, rsp, sizeof(rsp));
	ASSERT(n == 24);
	EXPECT_EQ(rsp[4], 0x45);
	EXPECT_EQ(rsp[5], 0x03);
	EXPECT_EQ(rsp[6], 0);
	EXPECT_EQ(get_le32(rsp + 16), TDISP_ERR_INVALID_REQUEST);
	/* no room for an answer */
	EXPECT_EQ(dev_call(s, 1, req, 16, rsp, 23), -ENOSPC);
	tdisp_msg(req, sizeof(req), TDISP_GET_CAPS, RID0);
	EXPECT_EQ(dev_call(s, 1, req, 20, rsp, 43), -ENOSPC);
	tdisp_msg(req, sizeof(req), TDISP_GET_VERSION, RID0);
	EXPECT_EQ(dev_call(s, 1, req, 16, rsp, 17), -ENOSPC);
	tdisp_msg(req, sizeof(req), TDISP_GET_STATE, RID0);
	EXPECT_EQ(dev_call(s, 1, req, 16, rsp, 16), -ENOSPC);
	stub_free(s);
}

/* ------------------------------------------------------------------ */
/* TDISP: interface report                                             */

static void expect_range(const uint8_t *r, unsigned int i, uint64_t page,
			 uint32_t npages, uint16_t attr, uint16_t id,
			 int line)
{
	const uint8_t *p = r + 16 + 16 * i;
	char what[64];

	snprintf(what, sizeof(what), "range %u (caller line %d)", i, line);
	if (get_le64(p) != page || get_le32(p + 8) != npages ||
	    get_le16(p + 12) != attr || get_le16(p + 14) != id) {
		printf("# %s: page %#llx n %u attr %#x id %u\n", what,
		       (unsigned long long)get_le64(p), get_le32(p + 8),
		       get_le16(p + 12), get_le16(p + 14));
		model_test_fail(__FILE__, __LINE__, what);
	}
}

#define EXPECT_RANGE(r, i, page, n, attr, id) \
	expect_range(r, i, page, n, attr, id, __LINE__)

/* Lock @rid of @s with @flags and @offset, read the report */
static int lock_report(struct stub *s, uint16_t rid, uint16_t flags,
		       uint64_t offset, uint8_t *report, size_t cap)
{
	uint8_t nonce[32];
	int ret;

	ret = setup_stream(s, STREAM);
	if (!ret)
		ret = tdisp_lock(s->q, rid, flags, STREAM, offset, nonce);
	if (!ret)
		ret = tdisp_get_report(s->q, rid, 1024, report, cap);
	return ret;
}

TEST(tdisp_report_default)
{
	struct stub *s = stub_new();
	uint64_t p0 = (STUB_BAR0_ADDR(0) + OFFSET) >> 12;
	uint64_t p2 = (STUB_BAR2_ADDR(0) + OFFSET) >> 12;
	uint8_t r[512];

	ASSERT(s);
	ASSERT(lock_report(s, RID0, TDISP_LOCK_NO_FW_UPDATE, OFFSET, r,
			   sizeof(r)) == 84);
	EXPECT_EQ(get_le16(r), TDISP_INFO_NO_FW_UPDATE | TDISP_INFO_DMA_NO_PASID);
	EXPECT_EQ(get_le16(r + 2), 0);
	EXPECT_EQ(get_le16(r + 4), 0x0007);	/* MSI-X Message Control */
	EXPECT_EQ(get_le16(r + 6), 0);
	EXPECT_EQ(get_le32(r + 8), 0);
	EXPECT_EQ(get_le32(r + 12), 4);
	EXPECT_EQ(p0, 0x20e0000);
	EXPECT_RANGE(r, 0, p0, 1, TDISP_RANGE_MSIX_TABLE, 0);
	EXPECT_RANGE(r, 1, p0 + 1, 1, TDISP_RANGE_MSIX_PBA, 0);
	EXPECT_RANGE(r, 2, p0 + 2, 254, 0, 0);
	EXPECT_RANGE(r, 3, p2, 512, 0, 2);
	EXPECT_EQ(get_le32(r + 80), 0);		/* no device specific info */
	stub_free(s);
}

TEST(tdisp_report_fn1_msix_enabled)
{
	struct stub *s = stub_new();
	uint64_t p0 = STUB_BAR0_ADDR(1) >> 12;
	uint8_t r[512];

	ASSERT(s);
	put_le16(s->fn[1].config + STUB_MSIX_OFF + 2, 0x8007);
	ASSERT(lock_report(s, RID1, TDISP_LOCK_MSIX, 0, r, sizeof(r)) == 84);
	EXPECT_EQ(get_le16(r), TDISP_INFO_DMA_NO_PASID);
	EXPECT_EQ(get_le16(r + 4), 0x8007);
	EXPECT_RANGE(r, 0, p0, 1, TDISP_RANGE_MSIX_TABLE, 0);
	EXPECT_RANGE(r, 2, p0 + 2, 254, 0, 0);
	EXPECT_RANGE(r, 3, STUB_BAR2_ADDR(1) >> 12, 512, 0, 2);
	/* the report is frozen at lock time */
	put_le32(s->fn[1].config + 0x18, 0);
	EXPECT_EQ(tdisp_get_report(s->q, RID1, 1024, r, sizeof(r)), 84);
	EXPECT_RANGE(r, 3, STUB_BAR2_ADDR(1) >> 12, 512, 0, 2);
	stub_free(s);
}

TEST(tdisp_report_msix_layouts)
{
	uint64_t p0 = STUB_BAR0_ADDR(0) >> 12, p2 = STUB_BAR2_ADDR(0) >> 12;
	struct stub *s;
	uint8_t r[512], *c;

	/* table and PBA share page 0: one range with both flags */
	s = stub_new();
	ASSERT(s);
	c = s->fn[0].config;
	put_le32(c + STUB_MSIX_OFF + 8, 0x800);
	EXPECT_EQ(lock_report(s, RID0, 0, 0, r, sizeof(r)), 16 + 3 * 16 + 4);
	EXPECT_EQ(get_le32(r + 12), 3);
	EXPECT_RANGE(r, 0, p0, 1,
		     TDISP_RANGE_MSIX_TABLE | TDISP_RANGE_MSIX_PBA, 0);
	EXPECT_RANGE(r, 1, p0 + 1, 255, 0, 0);
	EXPECT_RANGE(r, 2, p2, 512, 0, 2);
	stub_free(s);

	/* table in BAR2 at 64 KiB, PBA in BAR0 at 4 KiB */
	s = stub_new();
	ASSERT(s);
	c = s->fn[0].config;
	put_le32(c + STUB_MSIX_OFF + 4, 0x10000 | 2);
	EXPECT_EQ(lock_report(s, RID0, 0, 0, r, sizeof(r)), 16 + 6 * 16 + 4);
	EXPECT_RANGE(r, 0, p0, 1, 0, 0);
	EXPECT_RANGE(r, 1, p0 + 1, 1, TDISP_RANGE_MSIX_PBA, 0);
	EXPECT_RANGE(r, 2, p0 + 2, 254, 0, 0);
	EXPECT_RANGE(r, 3, p2, 16, 0, 2);
	EXPECT_RANGE(r, 4, p2 + 16, 1, TDISP_RANGE_MSIX_TABLE, 2);
	EXPECT_RANGE(r, 5, p2 + 17, 495, 0, 2);
	stub_free(s);

	/* PBA below the table; 2048 vectors: table spans 8 pages */
	s = stub_new();
	ASSERT(s);
	c = s->fn[0].config;
	put_le16(c + STUB_MSIX_OFF + 2, 0x07ff);
	put_le32(c + STUB_MSIX_OFF + 4, 0x3000);
	put_le32(c + STUB_MSIX_OFF + 8, 0x0);
	EXPECT_EQ(lock_report(s, RID0, 0, 0, r, sizeof(r)), 16 + 5 * 16 + 4);
	EXPECT_RANGE(r, 0, p0, 1, TDISP_RANGE_MSIX_PBA, 0);
	EXPECT_RANGE(r, 1, p0 + 1, 2, 0, 0);
	EXPECT_RANGE(r, 2, p0 + 3, 8, TDISP_RANGE_MSIX_TABLE, 0);
	EXPECT_RANGE(r, 3, p0 + 11, 245, 0, 0);
	EXPECT_EQ(get_le16(r + 4), 0x07ff);
	stub_free(s);

	/* table at the very end of BAR0, PBA overlapping its last page */
	s = stub_new();
	ASSERT(s);
	c = s->fn[0].config;
	put_le32(c + STUB_MSIX_OFF + 4, 0xff000);
	put_le32(c + STUB_MSIX_OFF + 8, 0xffff8);
	EXPECT_EQ(lock_report(s, RID0, 0, 0, r, sizeof(r)), 16 + 3 * 16 + 4);
	EXPECT_RANGE(r, 0, p0, 255, 0, 0);
	EXPECT_RANGE(r, 1, p0 + 255, 1,
		     TDISP_RANGE_MSIX_TABLE | TDISP_RANGE_MSIX_PBA, 0);
	stub_free(s);

	/* no MSI-X capability */
	s = stub_new();
	ASSERT(s);
	c = s->fn[0].config;
	c[STUB_PCIE_OFF + 1] = 0;
	EXPECT_EQ(lock_report(s, RID0, TDISP_LOCK_MSIX, 0, r, sizeof(r)),
		  16 + 2 * 16 + 4);
	EXPECT_EQ(get_le16(r + 4), 0);
	EXPECT_RANGE(r, 0, p0, 256, 0, 0);
	EXPECT_RANGE(r, 1, p2, 512, 0, 2);
	stub_free(s);
}

TEST(tdisp_report_32bit_and_io_bars)
{
	struct stub *s = stub_new();
	uint8_t r[512], *c;

	ASSERT(s);
	c = s->fn[0].config;
	memset(c + 0x10, 0, 24);
	memset(s->fn[0].bar_size, 0, sizeof(s->fn[0].bar_size));
	put_le32(c + 0x10, 0xfe000000);		/* 32-bit, 64 KiB */
	s->fn[0].bar_size[0] = 0x10000;
	put_le32(c + 0x14, 0x0000e001);		/* I/O */
	s->fn[0].bar_size[1] = 256;
	put_le32(c + 0x18, 0xfe010000 | 0x8);	/* 32-bit pref, 16 bytes */
	s->fn[0].bar_size[2] = 16;
	put_le32(c + 0x20, 0xfe020000);		/* size 0: unimplemented */
	EXPECT_EQ(lock_report(s, RID0, 0, 0x1000, r, sizeof(r)),
		  16 + 4 * 16 + 4);
	EXPECT_RANGE(r, 0, 0xfe001, 1, TDISP_RANGE_MSIX_TABLE, 0);
	EXPECT_RANGE(r, 1, 0xfe002, 1, TDISP_RANGE_MSIX_PBA, 0);
	EXPECT_RANGE(r, 2, 0xfe003, 14, 0, 0);
	EXPECT_RANGE(r, 3, 0xfe011, 1, 0, 2);
	stub_free(s);
}

TEST(tdisp_report_offset_wraps)
{
	struct stub *s = stub_new();
	uint8_t r[512];
	uint64_t off = 0xfffff00000000000ull;

	ASSERT(s);
	ASSERT(lock_report(s, RID0, 0, off, r, sizeof(r)) == 84);
	EXPECT_RANGE(r, 0, (STUB_BAR0_ADDR(0) + off) >> 12, 1,
		     TDISP_RANGE_MSIX_TABLE, 0);
	stub_free(s);
}

TEST(tdisp_report_paging)
{
	static const size_t portions[] = {
		1, 2, 3, 5, 16, 20, 41, 83, 84, 85, 1000, 1024, 65535, 100000,
	};
	struct stub *s = locked_stub(RID0, 0, false, NULL);
	uint8_t ref[512], r[512];
	unsigned int i, before;
	int n;

	ASSERT(s);
	ASSERT(tdisp_get_report(s->q, RID0, 1024, ref, sizeof(ref)) == 84);
	for (i = 0; i < ARRAY_SIZE(portions); i++) {
		memset(r, 0xee, sizeof(r));
		before = s->nr_xfer;
		n = tdisp_get_report(s->q, RID0, portions[i], r, sizeof(r));
		EXPECT_EQ(n, 84);
		EXPECT_MEM(r, ref, 84);
		EXPECT_EQ(r[84], 0xee);
		EXPECT_EQ(s->nr_xfer - before,
			  (84 + portions[i] - 1) / portions[i]);
	}
	EXPECT_EQ(tdisp_get_report(s->q, RID0, 0, r, sizeof(r)), -EINVAL);
	EXPECT_EQ(tdisp_get_report(s->q, RID0, 16, NULL, 100), -EINVAL);
	EXPECT_EQ(tdisp_get_report(s->q, RID0, 16, r, 83), -ENOSPC);
	EXPECT_EQ(tdisp_get_report(s->q, RID0, 16, r, 84), 84);
	stub_free(s);
}

/* Device answer to GET_DEVICE_INTERFACE_REPORT (@off, @len) */
static int raw_report(struct stub *s, uint16_t off, uint16_t len,
		      uint8_t *rsp, size_t cap)
{
	uint8_t req[20];

	tdisp_msg(req, sizeof(req), TDISP_GET_REPORT, RID0);
	put_le16(req + 16, off);
	put_le16(req + 18, len);
	return dev_call(s, PCISIG_PROTO_TDISP, req, sizeof(req), rsp, cap);
}

TEST(tdisp_report_device_paging)
{
	struct stub *s = stub_new();
	uint8_t rsp[2048], req[20], nonce[32];
	int n;

	ASSERT(s);
	tdisp_msg(req, sizeof(req), TDISP_GET_REPORT, RID0);
	put_le16(req + 18, 100);
	EXPECT_EQ(raw_tdisp_err(s, req, 20, NULL), TDISP_ERR_INVALID_STATE);
	ASSERT(setup_stream(s, STREAM) == 0);
	ASSERT(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce) == 0);

	put_le16(req + 18, 0);
	EXPECT_EQ(raw_tdisp_err(s, req, 20, NULL), TDISP_ERR_INVALID_REQUEST);
	put_le16(req + 16, 84);
	put_le16(req + 18, 1);
	EXPECT_EQ(raw_tdisp_err(s, req, 20, NULL), TDISP_ERR_INVALID_REQUEST);
	put_le16(req + 16, 0xffff);
	EXPECT_EQ(raw_tdisp_err(s, req, 20, NULL), TDISP_ERR_INVALID_REQUEST);

	n = raw_report(s, 83, 100, rsp, sizeof(rsp));
	EXPECT_EQ(n, 21);
	EXPECT_EQ(get_le16(rsp + 16), 1);
	EXPECT_EQ(get_le16(rsp + 18), 0);
	n = raw_report(s, 10, 5, rsp, sizeof(rsp));
	EXPECT_EQ(n, 25);
	EXPECT_EQ(get_le16(rsp + 16), 5);
	EXPECT_EQ(get_le16(rsp + 18), 69);
	EXPECT_MEM(rsp + 20, s->dev->tdi[0].report + 10, 5);
	n = raw_report(s, 0, 0xffff, rsp, sizeof(rsp));
	EXPECT_EQ(n, 20 + 84);
	EXPECT_EQ(get_le16(rsp + 18), 0);
	/* the answer is clipped to the room the caller has */
	n = raw_report(s, 0, 0xffff, rsp, 30);
	EXPECT_EQ(n, 30);
	EXPECT_EQ(get_le16(rsp + 16), 10);
	EXPECT_EQ(get_le16(rsp + 18), 74);
	EXPECT_EQ(raw_report(s, 0, 0xffff, rsp, 20), -ENOSPC);

	/* the largest possible report still fits one portion */
	s->dev->tdi[0].report_len = sizeof(s->dev->tdi[0].report);
	n = raw_report(s, 0, 0xffff, rsp, sizeof(rsp));
	EXPECT_EQ(get_le16(rsp + 16), sizeof(s->dev->tdi[0].report));
	EXPECT(sizeof(s->dev->tdi[0].report) <= TDISP_MAX_PORTION);
	EXPECT(TDISP_REPORT_RSP_HDR + TDISP_MAX_PORTION + 12 + 64 <=
	       MODEL_DOE_MAX);
	stub_free(s);
}

/* ------------------------------------------------------------------ */
/* TDISP: configuration writes while locked                            */

struct cfg_case {
	const char *what;
	uint32_t where, size, val;
	uint16_t flags;
	bool breaks;
};

#define MSIX_CTL	(STUB_MSIX_OFF + 2)
#define DEVCTL		(STUB_PCIE_OFF + 8)

static const struct cfg_case cfg_cases[] = {
	{ "BAR0 address", 0x10, 4, 0xe0100004, 0, true },
	{ "BAR0 same value", 0x10, 4, 0xe0000004, 0, false },
	{ "BAR0 type bits only", 0x10, 4, 0xe0000000, 0, false },
	{ "BAR0 sizing", 0x10, 4, 0xffffffff, 0, true },
	{ "BAR0 upper half", 0x14, 4, 0x20, 0, true },
	{ "BAR0 upper same byte", 0x14, 1, 0x1f, 0, false },
	{ "BAR0 upper address bit 32", 0x14, 1, 0x1e, 0, true },
	{ "BAR0 upper address bit 35", 0x14, 4, 0x17, 0, true },
	{ "BAR2 top byte", 0x1b, 1, 0xff, 0, true },
	{ "BAR2 word", 0x1a, 2, 0x0000, 0, true },
	{ "BAR4 unused", 0x20, 4, 0xffffffff, 0, true },
	{ "BAR5 zero again", 0x24, 4, 0, 0, false },
	{ "ROM enable", 0x30, 4, 0x1, 0, true },
	{ "ROM address", 0x30, 4, 0xfff00000, 0, true },
	{ "ROM address byte", 0x31, 1, 0x08, 0, true },
	{ "ROM reserved bits", 0x30, 4, 0x000007fe, 0, false },
	{ "Command clear MSE", 0x04, 2, 0x0004, 0, true },
	{ "Command clear BME", 0x04, 2, 0x0002, 0, true },
	{ "Command clear both", 0x04, 1, 0x00, 0, true },
	{ "Command dword clear MSE", 0x04, 4, 0x00100004, 0, true },
	{ "Command same", 0x04, 2, 0x0006, 0, false },
	{ "Command INTx disable", 0x04, 2, 0x0406, 0, false },
	{ "Command set I/O", 0x04, 1, 0x07, 0, false },
	{ "Command high byte", 0x05, 1, 0x04, 0, false },
	{ "Status RW1C", 0x04, 4, 0xffff0006, 0, false },
	{ "FLR", DEVCTL, 2, 0xa810, 0, true },
	{ "FLR byte", DEVCTL + 1, 1, 0xa8, 0, true },
	{ "FLR dword", DEVCTL, 4, 0x0000a810, 0, true },
	{ "DevCtl same", DEVCTL, 2, 0x2810, 0, false },
	{ "DevCtl other bit", DEVCTL, 2, 0x2830, 0, false },
	{ "DevSta write", DEVCTL + 2, 2, 0x000f, 0, false },
	{ "MSI-X enable locked", MSIX_CTL, 2, 0x8007, TDISP_LOCK_MSIX, true },
	{ "MSI-X mask locked", MSIX_CTL, 2, 0x4007, TDISP_LOCK_MSIX, true },
	{ "MSI-X byte locked", MSIX_CTL + 1, 1, 0x80, TDISP_LOCK_MSIX, true },
	{ "MSI-X dword locked", STUB_MSIX_OFF, 4, 0x80070011,
	  TDISP_LOCK_MSIX, true },
	{ "MSI-X same locked", MSIX_CTL, 2, 0x0007, TDISP_LOCK_MSIX, false },
	{ "MSI-X RO size locked", MSIX_CTL, 2, 0x0000, TDISP_LOCK_MSIX, false },
	{ "MSI-X enable unlocked", MSIX_CTL, 2, 0x8007, 0, false },
	{ "Interrupt line", 0x3c, 1, 0x0b, 0, false },
	{ "Cache line size", 0x0c, 1, 0x10, TDISP_LOCK_MSIX, false },
	{ "IDE control", STUB_IDE_OFF + 0x10, 4, 0, 0, false },
	{ "bad size", 0x04, 3, 0, 0, false },
	{ "beyond config", 0xffe, 4, 0, 0, false },
};

TEST(tdisp_cfg_writes)
{
	unsigned int i, run;
	struct stub *s;
	char what[128];

	for (i = 0; i < ARRAY_SIZE(cfg_cases); i++) {
		const struct cfg_case *c = &cfg_cases[i];

		for (run = 0; run < 2; run++) {
			int state;

			s = locked_stub(RID0, c->flags, run, NULL);
			ASSERT(s);
			if (c->size == 3 || c->where > 0xff0)
				pcisig_dev_cfg_write(s->dev, RID0, c->where,
						     c->size, 0x6, 0);
			else
				stub_cfg_write(s, RID0, c->where, c->size,
					       c->val);
			state = tdisp_get_state(s->q, RID0);
			snprintf(what, sizeof(what), "%s (%s): state %d",
				 c->what, run ? "RUN" : "LOCKED", state);
			if (c->breaks ? state != TDI_ERROR :
			    state != (run ? TDI_RUN : TDI_CONFIG_LOCKED))
				model_test_fail(__FILE__, __LINE__, what);
			EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0),
				  c->breaks ? 1 : 0);
			if (c->breaks)
				EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID0),
					  TDI_ERROR);
			stub_free(s);
		}
	}
}

TEST(tdisp_cfg_writes_other_functions)
{
	struct stub *s = locked_stub(RID0, TDISP_LOCK_MSIX, true, NULL);

	ASSERT(s);
	/* function 1 is not locked: anything goes there */
	stub_cfg_write(s, RID1, 0x04, 2, 0);
	stub_cfg_write(s, RID1, 0x10, 4, 0);
	stub_cfg_write(s, RID1, DEVCTL, 2, 0xa810);
	/* functions of other devices are ignored */
	pcisig_dev_cfg_write(s->dev, 0x0200, 0x04, 2, 6, 0);
	pcisig_dev_cfg_write(s->dev, 0x0108, 0x04, 2, 6, 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_RUN);
	EXPECT_EQ(s->nr_ev, 0);
	/* an unlocked function ignores forbidden writes */
	stub_free(s);
	s = stub_new();
	ASSERT(s);
	stub_cfg_write(s, RID0, 0x04, 2, 0);
	stub_cfg_write(s, RID0, DEVCTL, 2, 0xa810);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	EXPECT_EQ(s->nr_ev, 0);
	stub_free(s);
}

TEST(tdisp_cfg_write_fn1_lock)
{
	struct stub *s = locked_stub(RID1, 0, false, NULL);

	ASSERT(s);
	stub_cfg_write(s, RID0, 0x04, 2, 0);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_CONFIG_LOCKED);
	stub_cfg_write(s, RID1, 0x04, 2, 0x0002);
	EXPECT_EQ(tdisp_get_state(s->q, RID1), TDI_ERROR);
	EXPECT_EQ(stub_last(s, STUB_EV_TDI, RID1), TDI_ERROR);
	EXPECT_EQ(stub_count(s, STUB_EV_TDI, RID0), 0);
	stub_free(s);
}

/* ------------------------------------------------------------------ */
/* Robustness: truncated and garbled requests                          */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* Check one device answer for sanity */
static void check_answer(uint8_t proto, int n, const uint8_t *rsp,
			 size_t cap)
{
	if (n < 0)
		return;
	EXPECT((size_t)n <= cap);
	if (proto == PCISIG_PROTO_TDISP) {
		EXPECT(n >= TDISP_HDR_LEN);
		if (n >= TDISP_HDR_LEN) {
			EXPECT_EQ(rsp[0], TDISP_VERSION_10);
			EXPECT(rsp[1] == TDISP_ERROR || rsp[1] < 0x08);
		}
		if (n >= 2 && rsp[1] == TDISP_ERROR)
			EXPECT_EQ(n, TDISP_ERROR_LEN);
	} else {
		EXPECT(n >= IDEKM_ACK_LEN);
	}
}

/* Every prefix (and some extensions) of every valid request */
static void truncate_all(struct stub *s)
{
	uint8_t reqs[12][64], rsp[MODEL_DOE_MAX];
	size_t lens[12];
	uint8_t protos[12];
	unsigned int i = 0, k, code;
	size_t len;
	int n;

	memset(reqs, 0, sizeof(reqs));
	reqs[i][0] = IDEKM_QUERY;
	lens[i] = 3;
	protos[i++] = 0;
	reqs[i][0] = IDEKM_KEY_PROG;
	reqs[i][3] = 40;
	reqs[i][5] = 0x13;
	lens[i] = 47;
	protos[i++] = 0;
	reqs[i][0] = IDEKM_K_SET_GO;
	reqs[i][3] = 40;
	reqs[i][5] = 0x13;
	lens[i] = 7;
	protos[i++] = 0;
	reqs[i][0] = IDEKM_K_SET_STOP;
	reqs[i][3] = 40;
	reqs[i][5] = 0x13;
	lens[i] = 7;
	protos[i++] = 0;
	for (code = TDISP_GET_VERSION; code <= TDISP_STOP; code++) {
		tdisp_msg(reqs[i], 64, (uint8_t)code, RID0);
		if (code == TDISP_LOCK)
			reqs[i][18] = STREAM;
		if (code == TDISP_GET_REPORT)
			put_le16(reqs[i] + 18, 0x40);
		lens[i] = tdisp_len_of(code);
		protos[i++] = 1;
	}
	for (k = 0; k < i; k++)
		for (len = 0; len <= lens[k] + 8; len++) {
			size_t cap = (len & 1) ? sizeof(rsp) : 64;

			n = dev_call(s, protos[k], reqs[k], len, rsp, cap);
			check_answer(protos[k], n, rsp, cap);
		}
}

TEST(robust_truncated_requests_every_state)
{
	struct stub *s;
	unsigned int st;

	for (st = 0; st < 4; st++) {
		s = st ? locked_stub(RID0, TDISP_LOCK_MSIX, st >= 2, NULL) :
			 stub_new();
		ASSERT(s);
		if (st == 3)
			pcisig_dev_session_end(s->dev);
		truncate_all(s);
		stub_free(s);
	}
}

/* Nonces the device handed out, so garbled START can match them */
static uint8_t fuzz_nonce[2][32];

/* A random request: noise, or a well-formed message with random fields */
static size_t garble(uint8_t *req, size_t cap, uint8_t *proto)
{
	uint32_t r = rng();
	size_t len, i;
	int fn = (r >> 10) & 1;

	len = rng() % cap;
	for (i = 0; i < cap; i++)
		req[i] = (uint8_t)rng();
	switch (r % 4) {
	case 0:		/* noise, any protocol ID */
		*proto = (r & 0x100) ? (uint8_t)rng() : (r >> 9) & 1;
		return len;
	case 1:
	case 2:		/* TDISP */
		*proto = PCISIG_PROTO_TDISP;
		req[1] = (uint8_t)(0x80 + rng() % 9);
		len = tdisp_len_of(req[1]);
		if (!(r & 0x100))
			return (r & 0x200) ? len : rng() % cap;
		/* well-formed, plausible fields */
		req[0] = TDISP_VERSION_10;
		put_le32(req + 4, fn ? RID1 : RID0);
		switch (req[1]) {
		case TDISP_LOCK:
			put_le16(req + 16, (r & 0x1000) ? TDISP_LOCK_MSIX : 0);
			if (r & 0x8000)
				req[16] |= 1 << (rng() % 8);
			req[18] = (uint8_t)(rng() % 3);
			memset(req + 20, 0, 16);
			break;
		case TDISP_GET_REPORT:
			put_le16(req + 16, (uint16_t)(rng() % 100));
			put_le16(req + 18, (uint16_t)(rng() % 100));
			break;
		case TDISP_START:
			if (r & 0x800)
				memcpy(req + 16, fuzz_nonce[fn], 32);
			break;
		}
		if (r & 0x2000)
			len = len + rng() % 3 - 1;
		return len;
	default:	/* IDE_KM */
		*proto = PCISIG_PROTO_IDE_KM;
		req[0] = (uint8_t)(rng() % 8);
		if (r & 0x100) {
			req[2] = 0;
			req[3] = (uint8_t)(2 + rng() % 2);
			req[5] &= 0x33;
			req[6] = 0;
		}
		len = req[0] == IDEKM_QUERY ? 3 : req[0] == IDEKM_KEY_PROG ?
		      47 : 7;
		if (r & 0x2000)
			len = len + rng() % 3 - 1;
		return len;
	}
}

/* Stop every key of @stream, then program and start key set 0 */
static void rekey(struct stub *s, uint8_t stream)
{
	unsigned int ks, dir, sub;

	for (ks = 0; ks < 2; ks++)
		for (dir = 0; dir < 2; dir++)
			for (sub = 0; sub < 3; sub++)
				idekm_key_stop(s->q, 0, stream, ks, dir, sub);
	EXPECT_EQ(setup_stream(s, stream), 0);
}

TEST(robust_garbled_requests)
{
	struct stub *s = stub_new();
	uint8_t req[96], rsp[MODEL_DOE_MAX];
	unsigned int iter, i, seen[16] = { 0 };

	ASSERT(s);
	for (iter = 0; iter < 200000; iter++) {
		uint32_t r = rng();
		uint8_t proto;
		size_t len, cap;
		int n;

		/* the fuzzer plays with streams 2 and 3; 0 and 1 stay keyed */
		if (iter % 512 == 0) {
			rekey(s, 0);
			rekey(s, 1);
		}
		len = garble(req, sizeof(req), &proto);
		cap = (r & 0x300) ? sizeof(rsp) : rng() % 80;
		if ((r & 0x3c00) == 0)
			s->fault = FAULT_TDISP_ERROR;
		n = dev_call(s, proto, req, len, rsp, cap);
		if (proto > PCISIG_PROTO_TDISP)
			EXPECT_EQ(n, -EINVAL);
		else
			check_answer(proto, n, rsp, cap);
		if (proto == PCISIG_PROTO_TDISP && n >= 16)
			seen[rsp[1] == TDISP_ERROR ? 0 : rsp[1] & 7]++;
		if (proto == PCISIG_PROTO_TDISP && n == TDISP_LOCK_RSP_LEN &&
		    rsp[1] == TDISP_RSP(TDISP_LOCK))
			memcpy(fuzz_nonce[rsp[4] & 1], rsp + 16, 32);
		if (proto == PCISIG_PROTO_IDE_KM && n >= 7)
			seen[8 + (rsp[0] & 7)]++;
		/* garbage config writes too */
		if ((r & 0xf000) == 0)
			stub_cfg_write(s, (rng() & 1) ? RID0 : RID1,
				       rng() % 0x100, 1u << (rng() % 3),
				       rng());
		if ((r & 0x3ff0000) == 0)
			pcisig_dev_session_end(s->dev);
	}
	printf("# TDISP errors %u, answers 1..7: %u %u %u %u %u %u %u\n",
	       seen[0], seen[1], seen[2], seen[3], seen[4], seen[5], seen[6],
	       seen[7]);
	printf("# IDE_KM answers QUERY_RESP %u, KP_ACK %u, K_GOSTOP_ACK %u\n",
	       seen[9], seen[11], seen[14]);
	/* the walk reached every kind of answer */
	for (i = 1; i < 8; i++)
		EXPECT(seen[i] > 0);
	EXPECT(seen[9] && seen[11] && seen[14]);
	stub_free(s);
}

/* ------------------------------------------------------------------ */
/* Robustness: malicious TDISP answers                                 */

TEST(requester_tdisp_bad_headers)
{
	struct stub *s = locked_stub(RID0, 0, false, NULL);
	uint8_t nonce[32] = { 0 }, buf[512];
	struct tamper t;
	static const struct { int idx; uint8_t val; int delta; } bad[] = {
		{ 0, 0x11, 0 },		/* version */
		{ 1, 0x7e, 0 },		/* type */
		{ 4, 0x55, 0 },		/* INTERFACE_ID */
		{ 9, 0x55, 0 },		/* INTERFACE_ID reserved part */
		{ 15, 0x55, 0 },
		{ -1, 0, -1 },		/* short */
		{ -1, 0, 1 },		/* long */
		{ -1, 0, -100 },	/* empty */
	};
	unsigned int i;

	ASSERT(s);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		set_tamper(s, &t, bad[i].idx, bad[i].val, bad[i].delta);
		EXPECT_EQ(tdisp_get_version(s->q, RID0), -EPROTO);
		EXPECT_EQ(tdisp_get_capabilities(s->q, RID0, buf, sizeof(buf)),
			  -EPROTO);
		EXPECT_EQ(tdisp_get_state(s->q, RID0), -EPROTO);
		EXPECT_EQ(tdisp_get_report(s->q, RID0, 64, buf, sizeof(buf)),
			  -EPROTO);
		EXPECT_EQ(tdisp_lock(s->q, RID0, 0, STREAM, 0, nonce),
			  -EPROTO);
		EXPECT_EQ(tdisp_start(s->q, RID0, nonce), -EPROTO);
		EXPECT_EQ(tdisp_stop(s->q, RID0), -EPROTO);
		EXPECT_EQ(tdisp_last_error(s->q), 0);
	}
	s->hook = NULL;
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_CONFIG_UNLOCKED);
	stub_free(s);
}

/* Replace every answer with @rsp/@len (INTERFACE_ID patched in) */
struct canned {
	uint8_t rsp[64];
	int len;
};

static int canned_hook(struct stub *s, uint8_t proto, const uint8_t *req,
		       size_t req_len, uint8_t *rsp, int len)
{
	struct canned *c = s->hook_priv;

	memcpy(rsp, c->rsp, sizeof(c->rsp));
	if (req_len >= 16)
		memcpy(rsp + 4, req + 4, 12);
	return c->len;
}

static void set_canned(struct stub *s, struct canned *c, uint8_t type,
		       int len)
{
	memset(c, 0, sizeof(*c));
	c->rsp[0] = TDISP_VERSION_10;
	c->rsp[1] = type;
	c->len = len;
	s->hook = canned_hook;
	s->hook_priv = c;
}

TEST(requester_tdisp_bad_bodies)
{
	struct stub *s = stub_new();
	uint8_t nonce[32], buf[512];
	struct canned c;

	ASSERT(s);
	/* TDISP_ERROR too short: no code recorded */
	set_canned(s, &c, TDISP_ERROR, 20);
	put_le32(c.rsp + 16, TDISP_ERR_BUSY);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), 0);
	c.len = 24;
	EXPECT_EQ(tdisp_get_state(s->q, RID0), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_BUSY);
	c.len = 40;	/* with extended error data */
	EXPECT_EQ(tdisp_stop(s->q, RID0), -EPROTO);
	EXPECT_EQ(tdisp_last_error(s->q), TDISP_ERR_BUSY);

	/* state out of range */
	set_canned(s, &c, 0x05, 17);
	c.rsp[16] = 4;
	EXPECT_EQ(tdisp_get_state(s->q, RID0), -EPROTO);
	c.rsp[16] = 3;
	EXPECT_EQ(tdisp_get_state(s->q, RID0), TDI_ERROR);

	/* versions */
	set_canned(s, &c, 0x01, 17);
	EXPECT_EQ(tdisp_get_version(s->q, RID0), -EPROTO);	/* count 0 */
	c.rsp[16] = 2;
	c.rsp[17] = 0x10;
	c.len = 18;
	EXPECT_EQ(tdisp_get_version(s->q, RID0), -EPROTO);	/* count > data */
	c.len = 19;
	c.rsp[17] = 0x11;
	c.rsp[18] = 0x10;
	EXPECT_EQ(tdisp_get_version(s->q, RID0), 0x10);
	c.rsp[18] = 0x12;
	EXPECT_EQ(tdisp_get_version(s->q, RID0), -EPROTO);	/* no 1.0 */
	c.rsp[16] = 255;
	EXPECT_EQ(tdisp_get_version(s->q, RID0), -EPROTO);

	/* a LOCK answer of the wrong type or size */
	set_canned(s, &c, 0x03, 47);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, 0, 0, nonce), -EPROTO);
	c.len = 48;
	memset(c.rsp + 16, 0x5a, 32);
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, 0, 0, nonce), 0);
	EXPECT_EQ(nonce[31], 0x5a);
	c.rsp[1] = 0x06;
	EXPECT_EQ(tdisp_lock(s->q, RID0, 0, 0, 0, nonce), -EPROTO);
	/* START answered as STOP and vice versa */
	set_canned(s, &c, 0x07, 16);
	EXPECT_EQ(tdisp_start(s->q, RID0, nonce), -EPROTO);
	EXPECT_EQ(tdisp_stop(s->q, RID0), 0);
	c.rsp[1] = 0x06;
	EXPECT_EQ(tdisp_stop(s->q, RID0), -EPROTO);
	/* a request answered with a request */
	set_canned(s, &c, 0x85, 17);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), -EPROTO);
	/* transport errors pass through */
	set_canned(s, &c, 0x05, -EIO);
	EXPECT_EQ(tdisp_get_state(s->q, RID0), -EIO);
	EXPECT_EQ(tdisp_get_report(s->q, RID0, 8, buf, sizeof(buf)), -EIO);
	/* caps of the wrong size */
	set_canned(s, &c, 0x02, 43);
	EXPECT_EQ(tdisp_get_capabilities(s->q, RID0, buf, sizeof(buf)),
		  -EPROTO);
	stub_free(s);
}

/* A fake report source with selectable misbehaviour */
enum pager_mode {
	PAGER_OK,		/* consistent */
	PAGER_GROW,		/* remainder grows */
	PAGER_STUCK,		/* remainder never shrinks */
	PAGER_ZERO,		/* zero-length portions */
	PAGER_TOO_MUCH,		/* more than asked */
	PAGER_LEN_MISMATCH,	/* message length != 20 + portion */
	PAGER_HUGE,		/* total beyond 16-bit offsets */
};

struct pager {
	enum pager_mode mode;
	size_t total;
	size_t max_portion;
	unsigned int calls;
};

static int pager_hook(struct stub *s, uint8_t proto, const uint8_t *req,
		      size_t req_len, uint8_t *rsp, int len)
{
	struct pager *p = s->hook_priv;
	size_t off = get_le16(req + 16), want = get_le16(req + 18), n;
	size_t rem, i;

	p->calls++;
	memset(rsp, 0, 20);
	rsp[0] = TDISP_VERSION_10;
	rsp[1] = TDISP_RSP(TDISP_GET_REPORT);
	memcpy(rsp + 4, req + 4, 12);
	n = want < p->max_portion ? want : p->max_portion;
	if (off >= p->total)
		n = 0;
	else if (n > p->total - off)
		n = p->total - off;
	rem = p->total - off - n;
	switch (p->mode) {
	case PAGER_OK:
		break;
	case PAGER_GROW:
		rem += p->calls;
		break;
	case PAGER_STUCK:
		rem = p->total - n;
		break;
	case PAGER_ZERO:
		n = 0;
		break;
	case PAGER_TOO_MUCH:
		n = want + 1;
		rem = 0;
		break;
	case PAGER_LEN_MISMATCH:
		put_le16(rsp + 16, (uint16_t)n);
		put_le16(rsp + 18, (uint16_t)rem);
		return (int)(20 + n + 1);
	case PAGER_HUGE:
		rem = 0xffff;
		break;
	}
	if (n > 0xffff)
		n = 0xffff;
	if (rem > 0xffff)
		rem = 0xffff;
	put_le16(rsp + 16, (uint16_t)n);
	put_le16(rsp + 18, (uint16_t)rem);
	for (i = 0; i < n && 20 + i < MODEL_DOE_MAX; i++)
		rsp[20 + i] = (uint8_t)(off + i);
	return (int)(20 + n);
}

static int run_pager(struct stub *s, struct pager *p, enum pager_mode mode,
		     size_t total, size_t maxp, size_t portion, uint8_t *buf,
		     size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->total = total;
	p->max_portion = maxp;
	s->hook = pager_hook;
	s->hook_priv = p;
	return tdisp_get_report(s->q, RID0, portion, buf, cap);
}

TEST(requester_report_paging_attacks)
{
	struct stub *s = stub_new();
	uint8_t *buf = malloc(0x20000);
	struct pager p;
	unsigned int i;

	ASSERT(s && buf);
	/* a slow but honest device: one byte at a time */
	EXPECT_EQ(run_pager(s, &p, PAGER_OK, 300, 1, 64, buf, 0x20000), 300);
	EXPECT_EQ(p.calls, 300);
	for (i = 0; i < 300; i++)
		EXPECT_EQ(buf[i], (uint8_t)i);
	/* the device may give less than asked */
	EXPECT_EQ(run_pager(s, &p, PAGER_OK, 1000, 7, 64, buf, 0x20000),
		  1000);
	EXPECT_EQ(p.calls, (1000 + 6) / 7);
	/* 64 KiB - 1 is the most OFFSET can address */
	EXPECT_EQ(run_pager(s, &p, PAGER_OK, 0xffff, 4000, 0xffff, buf,
			    0x20000), 0xffff);
	EXPECT_EQ(run_pager(s, &p, PAGER_OK, 0xffff, 4000, 0xffff, buf, 100),
		  -ENOSPC);
	EXPECT_EQ(p.calls, 1);

	EXPECT_EQ(run_pager(s, &p, PAGER_GROW, 300, 16, 64, buf, 0x20000),
		  -EPROTO);
	EXPECT(p.calls <= 2);
	EXPECT_EQ(run_pager(s, &p, PAGER_STUCK, 300, 16, 64, buf, 0x20000),
		  -EPROTO);
	EXPECT(p.calls <= 2);
	EXPECT_EQ(run_pager(s, &p, PAGER_ZERO, 300, 16, 64, buf, 0x20000),
		  -EPROTO);
	EXPECT_EQ(p.calls, 1);
	EXPECT_EQ(run_pager(s, &p, PAGER_TOO_MUCH, 300, 16, 64, buf, 0x20000),
		  -EPROTO);
	EXPECT_EQ(run_pager(s, &p, PAGER_LEN_MISMATCH, 300, 16, 64, buf,
			    0x20000), -EPROTO);
	EXPECT_EQ(run_pager(s, &p, PAGER_HUGE, 300, 2000, 2000, buf, 0x20000),
		  -EPROTO);
	EXPECT_EQ(p.calls, 1);
	s->hook = NULL;
	free(buf);
	stub_free(s);
}

/* Random answers to every requester call */
static int random_hook(struct stub *s, uint8_t proto, const uint8_t *req,
		       size_t req_len, uint8_t *rsp, int len)
{
	uint32_t r = rng();
	int i, n;

	s->hook_calls++;
	if ((r & 7) == 0)
		return -EIO;
	n = (r & 8) ? (int)(rng() % 64) : (int)(rng() % MODEL_DOE_MAX);
	if (len > 0 && (r & 0x30) == 0x10)
		n = len + (int)(rng() % 3) - 1;
	for (i = 0; i < n; i++)
		if (i >= len || (rng() & 15) == 0)
			rsp[i] = (uint8_t)rng();
	if (proto == PCISIG_PROTO_TDISP && n >= 16 && (r & 0x40)) {
		rsp[0] = TDISP_VERSION_10;
		memcpy(rsp + 4, req + 4, 12);
		if (r & 0x80)
			rsp[1] = req[1] & 0x7f;
	}
	if (proto == PCISIG_PROTO_IDE_KM && n >= 7 && req_len >= 7 &&
	    (r & 0x40))
		memcpy(rsp + 1, req + 1, 6);
	return n < 0 ? 0 : n;
}

TEST(requester_random_answers)
{
	struct stub *s = stub_new();
	uint8_t buf[1024], nonce[32], key[32] = { 0 }, ifv[8] = { 0 };
	unsigned int iter;
	int ret;

	ASSERT(s);
	s->hook = random_hook;
	for (iter = 0; iter < 3000; iter++) {
		s->hook_calls = 0;
		switch (iter % 11) {
		case 0:
			ret = idekm_query(s->q, 0, buf, sizeof(buf));
			EXPECT(ret < 0 || (ret >= 15 && ret <= (int)sizeof(buf)));
			break;
		case 1:
			ret = idekm_key_prog(s->q, 0, 1, 0, 1, 2, key, ifv);
			EXPECT(ret <= 0);
			break;
		case 2:
			EXPECT(idekm_key_go(s->q, 0, 1, 0, 1, 2) <= 0);
			break;
		case 3:
			EXPECT(idekm_key_stop(s->q, 0, 1, 0, 1, 2) <= 0);
			break;
		case 4:
			ret = tdisp_get_version(s->q, RID0);
			EXPECT(ret < 0 || ret == 0x10);
			break;
		case 5:
			ret = tdisp_get_capabilities(s->q, RID0, buf, 64);
			EXPECT(ret < 0 || ret == 44);
			break;
		case 6:
			EXPECT(tdisp_lock(s->q, RID0, 0, 1, 0, nonce) <= 0);
			break;
		case 7:
			ret = tdisp_get_report(s->q, RID0, 1 + rng() % 300,
					       buf, sizeof(buf));
			EXPECT(ret < 0 || ret <= (int)sizeof(buf));
			EXPECT(s->hook_calls <= sizeof(buf) + 1);
			break;
		case 8:
			ret = tdisp_get_state(s->q, RID0);
			EXPECT(ret <= TDI_ERROR);
			break;
		case 9:
			EXPECT(tdisp_start(s->q, RID0, nonce) <= 0);
			break;
		case 10:
			EXPECT(tdisp_stop(s->q, RID0) <= 0);
			break;
		}
	}
	s->hook = NULL;
	stub_free(s);
}
