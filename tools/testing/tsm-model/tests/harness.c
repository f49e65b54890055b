// SPDX-License-Identifier: GPL-2.0
/*
 * TAP runner of the tsm-model host unit tests: runs every registered
 * TEST() in registration order, or only those whose name contains argv[1].
 */
#include <stdlib.h>

#include "harness.h"

static struct model_test *head, **tail = &head;
static int failed;

void model_test_register(struct model_test *t)
{
	*tail = t;
	tail = &t->next;
}

void model_test_fail(const char *file, int line, const char *what)
{
	printf("# %s:%d: expectation failed: %s\n", file, line, what);
	failed = 1;
}

const char *model_test_certs(void)
{
	const char *d = getenv("TSM_MODEL_CERTS");

	return d ? d : "certs";
}

int main(int argc, char **argv)
{
	struct model_test *t;
	int n = 0, nfail = 0, i = 0;

	for (t = head; t; t = t->next)
		if (argc < 2 || strstr(t->name, argv[1]))
			n++;
	printf("TAP version 13\n1..%d\n", n);
	for (t = head; t; t = t->next) {
		if (argc >= 2 && !strstr(t->name, argv[1]))
			continue;
		failed = 0;
		fflush(stdout);
		t->fn();
		printf("%sok %d %s\n", failed ? "not " : "", ++i, t->name);
		nfail += failed;
	}
	return nfail ? 1 : 0;
}
