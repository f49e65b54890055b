// SPDX-License-Identifier: GPL-2.0
/* Shared by the model's fuzz targets. */
#include <errno.h>
#include <stdlib.h>

#include "fuzz.h"

#ifndef FUZZ_CERTS_DIR
#define FUZZ_CERTS_DIR "certs"
#endif

const char *fuzz_certs(void)
{
	const char *dir = getenv("TSM_FUZZ_CERTS");

	return dir && *dir ? dir : FUZZ_CERTS_DIR;
}

const char *fuzz_root(void)
{
	static char root[512];

	if (!root[0])
		snprintf(root, sizeof(root), "%s/root.der", fuzz_certs());
	return root;
}

int fuzz_no_fn(void *priv, uint32_t segment, uint16_t rid, struct model_fn *fn)
{
	return -ENODEV;
}
