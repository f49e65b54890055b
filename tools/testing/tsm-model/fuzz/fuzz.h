/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer targets: the entry point libFuzzer calls and a
 * check that turns a broken promise of the code under test into a crash
 * the fuzzer reports (and saves the input of).
 */
#ifndef TSM_FUZZ_H
#define TSM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort();							\
	}									\
} while (0)

/*
 * Inputs of the protocol targets are records: a type byte, a 16-bit
 * little-endian length, then that many bytes (fewer if the input ends).
 */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline int fuzz_next(struct fuzz_in *in, uint8_t *type, const uint8_t **data,
			    size_t *len)
{
	size_t want;

	if (in->n < 3)
		return 0;
	*type = in->p[0];
	want = in->p[1] | (size_t)in->p[2] << 8;
	in->p += 3;
	in->n -= 3;
	*len = want < in->n ? want : in->n;
	*data = in->p;
	in->p += *len;
	in->n -= *len;
	return 1;
}

struct model_fn;

/* Where the model's test PKI is: $TSM_FUZZ_CERTS or the build's */
const char *fuzz_certs(void);
/* The trust anchor of that PKI (root.der in it) */
const char *fuzz_root(void);
/* model_dev_ops.fn_info of a device with no function to describe */
int fuzz_no_fn(void *priv, uint32_t segment, uint16_t rid, struct model_fn *fn);

#endif
