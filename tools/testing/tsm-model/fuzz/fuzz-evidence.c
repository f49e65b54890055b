// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the evidence parsers of the tsm command
 * (tools/tsm/evidence.c), which read what a device returned through the
 * host: an SPDM MEASUREMENTS transcript and its measurement blocks, and
 * an SPDM certificate chain.  The first input byte picks the parser.
 */
#include <openssl/x509.h>

#include "evidence.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsm_ev_meas m;
	struct stack_st_X509 *certs;
	struct tsm_ev_block b;
	size_t off = 0;
	int n = 0;

	if (!size)
		return 0;
	if (data[0] & 1) {
		certs = tsm_ev_chain_certs(data + 1, size - 1);
		if (certs) {
			FUZZ_CHECK(sk_X509_num(certs) >= 1);
			sk_X509_pop_free(certs, X509_free);
		}
		return 0;
	}
	if (tsm_ev_meas_parse(data + 1, size - 1, &m))
		return 0;
	/* A transcript that parsed holds exactly its blocks, inside it */
	while (tsm_ev_meas_next(&m, &off, &b) > 0) {
		FUZZ_CHECK(off <= m.record_len);
		FUZZ_CHECK(b.value >= m.record && b.value + b.len <= m.record + m.record_len);
		n++;
	}
	FUZZ_CHECK(off == m.record_len && n == (int)m.blocks);
	FUZZ_CHECK(m.record >= data + 1 && m.sig + TSM_EV_S == data + size);
	return 0;
}
