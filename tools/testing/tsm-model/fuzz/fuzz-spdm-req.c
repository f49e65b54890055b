// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the model's SPDM requester (spdm-req.c), the side
 * of the firmware model that parses what a device answers.
 *
 * Every answer the requester gets comes from the input, one record each
 * (fuzz.h); the first byte of the input picks which steps run after
 * GET_VERSION, GET_CAPABILITIES and NEGOTIATE_ALGORITHMS, whether or not
 * the ones before them succeeded: certificate chain, CHALLENGE,
 * measurements, session, heartbeat, key update, END_SESSION.  A step may
 * fail with any errno, but must not touch memory it does not own; with
 * a session, the answers are secured messages the input would have to
 * forge, so the session steps mostly test the rejection paths.
 */
#include <errno.h>
#include <string.h>

#include "../model.h"
#include "fuzz.h"

static int xfer(void *priv, uint8_t doe_type, const uint8_t *req, size_t req_len,
		uint8_t *rsp, size_t rsp_cap)
{
	struct fuzz_in *in = priv;
	const uint8_t *data;
	uint8_t type;
	size_t len;

	if (!fuzz_next(in, &type, &data, &len))
		return -ETIMEDOUT;
	if (type == 0xff)
		return -EIO;		/* a transport error */
	if (len > rsp_cap)
		return -ENOSPC;
	memcpy(rsp, data, len);
	return (int)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t meas[MODEL_DOE_MAX * 2];
	struct fuzz_in in = { data, size };
	struct spdm_req *q;
	uint8_t steps;
	size_t len;

	if (!size)
		return 0;
	steps = data[0];
	in.p++;
	in.n--;
	q = spdm_req_new(xfer, &in, fuzz_root());
	FUZZ_CHECK(q);
	spdm_req_vca(q);
	if (steps & 0x01 && !spdm_req_get_certificate(q, steps >> 7))
		FUZZ_CHECK(spdm_req_cert_chain(q, &len) && len > 0);
	if (steps & 0x02)
		spdm_req_challenge(q, 0);
	if (steps & 0x04)
		spdm_req_measurements(q, NULL, meas, sizeof(meas));
	if (steps & 0x08)
		spdm_req_start_session(q, 0);
	if (steps & 0x10)
		spdm_req_heartbeat(q);
	if (steps & 0x20)
		spdm_req_key_update(q);
	if (steps & 0x40)
		spdm_req_end_session(q);
	spdm_req_free(q);
	return 0;
}
