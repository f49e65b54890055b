// SPDX-License-Identifier: GPL-2.0
/*
 * gen-seeds OUTDIR: first inputs of the SPDM fuzz targets, from one real
 * exchange.  The model's requester runs every step against the model's
 * responder in this process; the responder's answers become
 * OUTDIR/spdm-req/full (the input of fuzz-spdm-req) and the requests
 * OUTDIR/spdm-rsp/full (the input of fuzz-spdm-rsp), as fuzz.h records;
 * the measurement transcript and the certificate chain become
 * OUTDIR/evidence/meas and OUTDIR/evidence/chain (fuzz-evidence).  Also
 * written: OUTDIR/tdisp-report/fn (an interface report that matches the
 * function of fuzz-tdisp-report with MSI-X) and OUTDIR/pcisig/calls
 * (every requester call of fuzz-pcisig once, answered by the device).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../model.h"
#include "../spdm.h"
#include "fuzz.h"

struct rec {
	FILE *req;
	FILE *rsp;
	struct spdm_rsp *r;
	enum model_fault fault;
	uint8_t meas[MODEL_DOE_MAX * 2];
	size_t meas_len;
};

static void put_rec(FILE *f, uint8_t type, const uint8_t *p, size_t len)
{
	uint8_t h[3] = { type, len & 0xff, len >> 8 };

	fwrite(h, 1, sizeof(h), f);
	fwrite(p, 1, len, f);
}

static int xfer(void *priv, uint8_t doe_type, const uint8_t *req, size_t req_len,
		uint8_t *rsp, size_t rsp_cap)
{
	struct rec *x = priv;
	int n;

	put_rec(x->req, doe_type, req, req_len);
	n = spdm_rsp_handle(x->r, doe_type, req, req_len, rsp, rsp_cap, &x->fault);
	if (n >= 0)
		put_rec(x->rsp, doe_type, rsp, n);
	/* GET_MEASUREMENTS and its answer, for the transcript */
	if (n > 0 && doe_type == DOE_TYPE_CMA && req_len >= 2 && req[1] == 0xe0 &&
	    req_len + n <= sizeof(x->meas)) {
		memcpy(x->meas, req, req_len);
		memcpy(x->meas + req_len, rsp, n);
		x->meas_len = req_len + n;
	}
	return n;
}

static FILE *open_seed(const char *dir, const char *target, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	return fopen(path, "wb");
}

/* OUTDIR/evidence/NAME: the selector byte of fuzz-evidence, then A and B */
static int evidence_seed(const char *dir, const char *name, uint8_t sel, const uint8_t *a,
			 size_t alen, const uint8_t *b, size_t blen)
{
	FILE *f = open_seed(dir, "evidence", name);

	if (!f || !a)
		return -EIO;
	fwrite(&sel, 1, 1, f);
	fwrite(a, 1, alen, f);
	if (blen)
		fwrite(b, 1, blen, f);
	return fclose(f) ? -EIO : 0;
}

/*
 * The report of a function with BAR0 (1 MiB at 0x1fe0000000: MSI-X table
 * page, PBA page, the rest TEE) and BAR2 (2 MiB right after it)
 */
static int report_seed(const char *dir)
{
	static const struct { uint64_t page; uint32_t n; uint16_t attr, id; } rg[] = {
		{ 0x1fe0000, 1, 1, 0 }, { 0x1fe0001, 1, 2, 0 },
		{ 0x1fe0002, 254, 0, 0 }, { 0x1fe0200, 512, 0, 2 },
	};
	uint8_t r[16 + 4 * 16 + 4 + 4] = { 0 };
	FILE *f = open_seed(dir, "tdisp-report", "fn");
	unsigned int i;

	put16(r + 4, 7);		/* MSI-X table size 8 */
	put32(r + 12, 4);
	for (i = 0; i < 4; i++) {
		put32(r + 16 + 16 * i, (uint32_t)rg[i].page);
		put32(r + 20 + 16 * i, rg[i].page >> 32);
		put32(r + 24 + 16 * i, rg[i].n);
		put16(r + 28 + 16 * i, rg[i].attr);
		put16(r + 30 + 16 * i, rg[i].id);
	}
	put32(r + 80, 4);
	memcpy(r + 84, "seed", 4);
	if (!f)
		return -EIO;
	fwrite(r, 1, sizeof(r), f);
	return fclose(f) ? -EIO : 0;
}

static int calls_seed(const char *dir)
{
	FILE *f = open_seed(dir, "pcisig", "calls");
	uint8_t op;

	if (!f)
		return -EIO;
	for (op = 0; op <= 10; op++)
		put_rec(f, op, NULL, 0);
	return fclose(f) ? -EIO : 0;
}

int main(int argc, char **argv)
{
	const struct model_dev_ops ops = { .fn_info = fuzz_no_fn };
	static uint8_t meas[MODEL_DOE_MAX * 2];
	struct model_identity *id;
	struct pcisig_dev *dev;
	struct rec x = { 0 };
	struct spdm_req *q;
	const uint8_t steps = 0x7f, *chain, *vca;
	size_t chain_len = 0, vca_len = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-seeds OUTDIR\n");
		return 2;
	}
	mkdir(argv[1], 0755);
	if (report_seed(argv[1]) || calls_seed(argv[1])) {
		fprintf(stderr, "gen-seeds: cannot write to %s\n", argv[1]);
		return 1;
	}
	id = model_identity_load(fuzz_certs());
	dev = pcisig_dev_new(0, 0x100, &ops);
	x.r = id && dev ? spdm_rsp_new(id, dev) : NULL;
	x.req = open_seed(argv[1], "spdm-rsp", "full");
	x.rsp = open_seed(argv[1], "spdm-req", "full");
	q = x.r ? spdm_req_new(xfer, &x, fuzz_root()) : NULL;
	if (!q || !x.req || !x.rsp) {
		fprintf(stderr, "gen-seeds: cannot set up (certificates in %s?)\n", fuzz_certs());
		return 1;
	}
	fwrite(&steps, 1, 1, x.rsp);
	rc = spdm_req_vca(q);
	rc = rc ?: spdm_req_get_certificate(q, 0);
	chain = rc ? NULL : spdm_req_cert_chain(q, &chain_len);
	rc = rc ?: evidence_seed(argv[1], "chain", 1, chain, chain_len, NULL, 0);
	rc = rc ?: spdm_req_challenge(q, 0);
	rc = rc < 0 ? rc : spdm_req_measurements(q, NULL, meas, sizeof(meas));
	vca = rc < 0 ? NULL : spdm_req_vca_transcript(q, &vca_len);
	rc = rc < 0 ? rc : evidence_seed(argv[1], "meas", 0, vca, vca_len, x.meas, x.meas_len);
	rc = rc < 0 ? rc : spdm_req_start_session(q, 0);
	rc = rc ?: spdm_req_heartbeat(q);
	rc = rc ?: spdm_req_key_update(q);
	rc = rc ?: spdm_req_end_session(q);
	spdm_req_free(q);
	spdm_rsp_free(x.r);
	pcisig_dev_free(dev);
	model_identity_free(id);
	fclose(x.req);
	fclose(x.rsp);
	if (rc < 0) {
		fprintf(stderr, "gen-seeds: the exchange failed: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
