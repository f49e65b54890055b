// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the model's SPDM responder (spdm-rsp.c), the device
 * side that parses what a requester sends.  Every record of the input
 * (fuzz.h) is one DOE payload: type 2 a secured message, anything else
 * plain SPDM; the answer must fit the buffer it was given.
 */
#include <errno.h>

#include "../model.h"
#include "fuzz.h"

static struct model_identity *id;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct model_dev_ops ops = { .fn_info = fuzz_no_fn };
	static uint8_t rsp[MODEL_DOE_MAX];
	enum model_fault fault = FAULT_NONE;
	struct fuzz_in in = { data, size };
	struct pcisig_dev *dev;
	struct spdm_rsp *r;
	const uint8_t *p;
	uint8_t type;
	size_t len;
	int rc;

	if (!id)
		id = model_identity_load(fuzz_certs());
	FUZZ_CHECK(id);
	dev = pcisig_dev_new(0, 0x100, &ops);
	r = dev ? spdm_rsp_new(id, dev) : NULL;
	FUZZ_CHECK(r);
	while (fuzz_next(&in, &type, &p, &len)) {
		type = type == DOE_TYPE_SSESSION ? DOE_TYPE_SSESSION : DOE_TYPE_CMA;
		rc = spdm_rsp_handle(r, type, p, len, rsp, sizeof(rsp), &fault);
		FUZZ_CHECK(rc < 0 || (size_t)rc <= sizeof(rsp));
	}
	spdm_rsp_free(r);
	pcisig_dev_free(dev);
	return 0;
}
