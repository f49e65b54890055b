// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the model's IDE_KM and TDISP messages (idekm.c,
 * tdisp.c), both ways, on the test double of tests/stub-spdm.c (the
 * messages go straight to the device model, as inside a secured session).
 *
 * Each record (fuzz.h) is one of:
 * - type 0x80-0x81: a request from the input to the device side,
 *   IDE_KM (0x80) or TDISP (0x81), which must answer it or refuse it;
 * - type 0x00-0x0f: a requester call (IDE_KM QUERY, KEY_PROG, K_SET_GO,
 *   K_SET_STOP; TDISP version, capabilities, LOCK_INTERFACE, report,
 *   state, START, STOP), whose answers are the records that follow with
 *   type 0x40, or the device's own answer when the next record is
 *   another call.  The requester must refuse what is malformed with an
 *   errno and never read or write outside its buffers.
 */
#include <errno.h>
#include <string.h>

#include "../model.h"
#include "../tests/stub-spdm.h"
#include "fuzz.h"

#define FUZZ_ANSWER	0x40

static struct fuzz_in in;

/* The device's answer, or the next answer record of the input instead */
static int hook(struct stub *s, uint8_t proto, const uint8_t *req, size_t req_len,
		uint8_t *rsp, int len)
{
	struct fuzz_in peek = in;
	const uint8_t *data;
	uint8_t type;
	size_t n;

	if (!fuzz_next(&peek, &type, &data, &n) || type != FUZZ_ANSWER)
		return len;
	in = peek;
	if (n > MODEL_DOE_MAX)
		n = MODEL_DOE_MAX;
	memcpy(rsp, data, n);
	return (int)n;
}

static void call(struct stub *s, uint8_t op)
{
	static uint8_t buf[64 * 1024];
	uint8_t key[32] = { 1 }, ifv[8] = { 2 }, nonce[32] = { 3 };
	int rc;

	switch (op) {
	case 0:
		rc = idekm_query(s->q, 0, buf, sizeof(buf));
		FUZZ_CHECK(rc < 0 || (size_t)rc <= sizeof(buf));
		break;
	case 1:
		idekm_key_prog(s->q, 0, 1, 0, IDEKM_RX, IDEKM_SUB_PR, key, ifv);
		break;
	case 2:
		idekm_key_go(s->q, 0, 1, 0, IDEKM_RX, IDEKM_SUB_PR);
		break;
	case 3:
		idekm_key_stop(s->q, 0, 1, 0, IDEKM_TX, IDEKM_SUB_CPL);
		break;
	case 4:
		tdisp_get_version(s->q, STUB_RID0);
		break;
	case 5:
		rc = tdisp_get_capabilities(s->q, STUB_RID0, buf, 64);
		FUZZ_CHECK(rc < 0 || rc <= 64);
		break;
	case 6:
		tdisp_lock(s->q, STUB_RID1, 0, 1, 0, nonce);
		break;
	case 7:
		rc = tdisp_get_report(s->q, STUB_RID0, 256, buf, 4096);
		FUZZ_CHECK(rc < 0 || rc <= 4096);
		break;
	case 8:
		tdisp_get_state(s->q, STUB_RID0);
		break;
	case 9:
		tdisp_start(s->q, STUB_RID1, nonce);
		break;
	default:
		tdisp_stop(s->q, STUB_RID0);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rsp[MODEL_DOE_MAX];
	enum model_fault fault = FAULT_NONE;
	const uint8_t *p;
	struct stub *s;
	uint8_t type;
	size_t len;
	int rc;

	s = stub_new();
	FUZZ_CHECK(s);
	s->hook = hook;
	in = (struct fuzz_in){ data, size };
	while (fuzz_next(&in, &type, &p, &len)) {
		if (type == 0x80 || type == 0x81) {
			rc = pcisig_dev_vdm(s->dev, type & 1, p, len, rsp, sizeof(rsp), &fault);
			FUZZ_CHECK(rc < 0 || (size_t)rc <= sizeof(rsp));
		} else if (type < 0x10) {
			call(s, type);
		}
	}
	stub_free(s);
	return 0;
}
