/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP test harness for the tsm-model host unit tests.
 *
 *	TEST(name) { ...; EXPECT(cond); EXPECT_EQ(a, b); ... }
 *
 * Every TEST() registers itself; the runner prints one "ok N name" or
 * "not ok N name" line per test.  A failed EXPECT prints a diagnostic
 * and marks the test failed but carries on; ASSERT returns from it.
 * Tests find the test PKI in the directory named by $TSM_MODEL_CERTS.
 */
#ifndef TSM_MODEL_HARNESS_H
#define TSM_MODEL_HARNESS_H

#include <stdio.h>
#include <string.h>

struct model_test {
	const char *name;
	void (*fn)(void);
	struct model_test *next;
};

void model_test_register(struct model_test *t);
/* Mark the running test failed (used by the macros). */
void model_test_fail(const char *file, int line, const char *what);
/* Directory of the test PKI ($TSM_MODEL_CERTS). */
const char *model_test_certs(void);

#define TEST(name)							\
	static void test_##name(void);					\
	static struct model_test test_reg_##name = {			\
		#name, test_##name, NULL };				\
	static void __attribute__((constructor)) test_ctor_##name(void) \
	{ model_test_register(&test_reg_##name); }			\
	static void test_##name(void)

#define EXPECT(c)							\
	do { if (!(c)) model_test_fail(__FILE__, __LINE__, #c); } while (0)
#define ASSERT(c)							\
	do { if (!(c)) { model_test_fail(__FILE__, __LINE__, #c); return; } } while (0)
#define EXPECT_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b) {						\
			char _m[256];					\
			snprintf(_m, sizeof(_m), "%s == %s (%lld != %lld)", \
				 #a, #b, _a, _b);			\
			model_test_fail(__FILE__, __LINE__, _m);	\
		}							\
	} while (0)
#define EXPECT_MEM(a, b, n)						\
	EXPECT(memcmp((a), (b), (n)) == 0)

#endif
