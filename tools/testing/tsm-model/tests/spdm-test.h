/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the SPDM unit tests (test-crypto.c, test-spdm.c,
 * test-e2e.c); defined in test-crypto.c and test-spdm.c.
 */
#ifndef TSM_MODEL_SPDM_TEST_H
#define TSM_MODEL_SPDM_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "../spdm.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Hex string to bytes; returns the byte count or -1 */
int test_hex(const char *hex, uint8_t *out, size_t cap);
/* The identity of $TSM_MODEL_CERTS (NULL and a failed test if missing) */
struct model_identity *test_identity(void);
/* Path of $TSM_MODEL_CERTS/@name in @buf */
const char *test_cert_path(char *buf, size_t cap, const char *name);
/*
 * A fresh self-signed P-384 root CA written as @dir/root.der, @dir being
 * a new temporary directory (@dir has room for 64 bytes).  Remove it with
 * test_rmroot().
 */
int test_make_root(char *dir);
void test_rmroot(const char *dir);

/* In-memory transport: requester straight into a responder */
struct test_link {
	struct spdm_rsp *rsp;
	enum model_fault fault;
	int calls;
	int secured_calls;
	/* Flip a bit of the next secured request / response */
	bool tamper_req;
	bool tamper_rsp;
	int last_rc;
	/* Called on every answer before the requester sees it */
	void (*mutate)(struct test_link *l, uint8_t doe_type, uint8_t *rsp, int *n);
	int arg;
};

int test_link_xfer(void *priv, uint8_t doe_type, const uint8_t *req, size_t req_len,
		   uint8_t *rsp, size_t rsp_cap);

/* Model of the PCI-SIG device used by the end-to-end tests */
extern const struct model_dev_ops test_dev_ops;

#endif
