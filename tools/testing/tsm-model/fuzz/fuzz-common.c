// SPDX-License-Identifier: GPL-2.0
/* Shared by the model's fuzz targets. */
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
