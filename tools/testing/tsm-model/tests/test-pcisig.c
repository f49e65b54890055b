// SPDX-License-Identifier: GPL-2.0
#include "harness.h"
#include "pcisig.h"
#include "stub-spdm.h"

TEST(placeholder)
{
	struct stub *s = stub_new();

	ASSERT(s);
	EXPECT_EQ(tdisp_get_version(s->q, STUB_RID0), 0x10);
	stub_free(s);
}
