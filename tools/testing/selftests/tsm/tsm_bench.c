// SPDX-License-Identifier: GPL-2.0
/*
 * tsm_bench: timing helper of the TEE-IO benchmark (bench.sh), so that the
 * figures do not include the cost of a shell under TCG.
 *
 *   tsm_bench write [--serial] VALUE FILE...
 *	Write VALUE to every FILE (a sysfs verb such as tsm/connect): all at
 *	once, one thread each released together, or with --serial one after
 *	another.  Prints "wall US" and "FILE US errno" for each file; exits
 *	1 if any write failed.
 *   tsm_bench time PROGRAM [ARG...]
 *	Run PROGRAM and print "wall US"; exits with its status.
 *   tsm_bench cycle N VALUE FILE [VALUE FILE...]
 *	N times, write each VALUE to its FILE in order (connect then
 *	disconnect, or lock, accept, unlock); every write must work.  Prints
 *	"cycles N wall US"; on a failure, the cycle, file and errno, exit 1.
 *   tsm_bench storm SECONDS THREADS SEED VALUE FILE [VALUE FILE...]
 *	THREADS writers, each picking VALUE FILE pairs at random and
 *	writing, for SECONDS.  Prints "writes N longest US" and
 *	"errno E N" for each errno seen (0: the write worked); exits 3 if a
 *	writer is still stuck in a write 60 s after the end.
 *   tsm_bench as nocap PROGRAM [ARG...]
 *	Run PROGRAM as root without CAP_SYS_ADMIN, dropped from the bounding
 *	set so that the exec cannot regain it (the privilege tests of the
 *	selftests; lib.sh's as_nobody runs as an unprivileged user).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES	64

struct writer {
	pthread_t thread;
	const char *path;
	const char *value;
	unsigned long long us;
	int err;
};

static pthread_barrier_t start;

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void do_write(struct writer *w)
{
	unsigned long long t0 = now_us();
	size_t len = strlen(w->value);
	int fd;

	w->err = 0;
	fd = open(w->path, O_WRONLY);
	if (fd < 0) {
		w->err = errno;
	} else {
		if (write(fd, w->value, len) != (ssize_t)len)
			w->err = errno ? errno : EIO;
		close(fd);
	}
	w->us = now_us() - t0;
}

static void *writer_thread(void *arg)
{
	pthread_barrier_wait(&start);
	do_write(arg);
	return NULL;
}

static int cmd_write(int argc, char **argv)
{
	static struct writer w[MAX_FILES];
	unsigned long long t0;
	int serial = 0, i, n, failed = 0;

	if (argc > 0 && !strcmp(argv[0], "--serial")) {
		serial = 1;
		argc--;
		argv++;
	}
	if (argc < 2 || argc - 1 > MAX_FILES) {
		fprintf(stderr, "tsm_bench write: VALUE and 1 to %d files\n", MAX_FILES);
		return 2;
	}
	n = argc - 1;
	for (i = 0; i < n; i++) {
		w[i].path = argv[i + 1];
		w[i].value = argv[0];
	}

	if (serial) {
		t0 = now_us();
		for (i = 0; i < n; i++)
			do_write(&w[i]);
	} else {
		pthread_barrier_init(&start, NULL, n + 1);
		for (i = 0; i < n; i++)
			if (pthread_create(&w[i].thread, NULL, writer_thread, &w[i])) {
				fprintf(stderr, "tsm_bench: cannot start a thread\n");
				exit(2);
			}
		t0 = now_us();
		pthread_barrier_wait(&start);
		for (i = 0; i < n; i++)
			pthread_join(w[i].thread, NULL);
		pthread_barrier_destroy(&start);
	}
	printf("wall %llu\n", now_us() - t0);
	for (i = 0; i < n; i++) {
		printf("%s %llu %d\n", w[i].path, w[i].us, w[i].err);
		failed |= w[i].err != 0;
	}
	return failed;
}

static int cmd_cycle(int argc, char **argv)
{
	static struct writer w[MAX_FILES];
	unsigned long long t0;
	long i, n;
	int j, k;

	n = argc > 0 ? strtol(argv[0], NULL, 0) : 0;
	k = (argc - 1) / 2;
	if (n <= 0 || k < 1 || k > MAX_FILES || (argc - 1) % 2) {
		fprintf(stderr, "tsm_bench cycle: N VALUE FILE [VALUE FILE...]\n");
		return 2;
	}
	for (j = 0; j < k; j++) {
		w[j].value = argv[1 + 2 * j];
		w[j].path = argv[2 + 2 * j];
	}
	t0 = now_us();
	for (i = 0; i < n; i++)
		for (j = 0; j < k; j++) {
			do_write(&w[j]);
			if (w[j].err) {
				printf("cycle %ld %s errno %d\n", i, w[j].path, w[j].err);
				return 1;
			}
		}
	printf("cycles %ld wall %llu\n", n, now_us() - t0);
	return 0;
}

#define STORM_ERRNO	256

/**
 * struct stormer - one writer of the storm
 * @thread: its thread
 * @seed: its random state
 * @writes: writes done
 * @longest: longest write in us
 * @err: writes by errno (0: worked)
 * @done: set when the writer has left its loop
 */
struct stormer {
	pthread_t thread;
	unsigned int seed;
	unsigned long writes;
	unsigned long long longest;
	unsigned long err[STORM_ERRNO];
	volatile int done;
};

static struct writer *storm_verbs;
static int storm_nverbs;
static unsigned long long storm_end;

static void *storm_thread(void *arg)
{
	struct stormer *s = arg;
	struct writer w;

	while (now_us() < storm_end) {
		w = storm_verbs[rand_r(&s->seed) % storm_nverbs];
		do_write(&w);
		s->writes++;
		if (w.us > s->longest)
			s->longest = w.us;
		s->err[w.err < STORM_ERRNO ? w.err : STORM_ERRNO - 1]++;
	}
	s->done = 1;
	return NULL;
}

static int cmd_storm(int argc, char **argv)
{
	static struct writer verbs[MAX_FILES];
	static struct stormer s[64];
	unsigned long long longest = 0, deadline;
	unsigned long writes = 0, err;
	int secs, nthreads, seed, i, e, stuck = 0;

	if (argc < 5 || (argc - 3) % 2 || (argc - 3) / 2 > MAX_FILES) {
		fprintf(stderr, "tsm_bench storm: SECONDS THREADS SEED VALUE FILE...\n");
		return 2;
	}
	secs = atoi(argv[0]);
	nthreads = atoi(argv[1]);
	seed = atoi(argv[2]);
	if (secs <= 0 || nthreads <= 0 || nthreads > 64)
		return 2;
	storm_nverbs = (argc - 3) / 2;
	for (i = 0; i < storm_nverbs; i++) {
		verbs[i].value = argv[3 + 2 * i];
		verbs[i].path = argv[4 + 2 * i];
	}
	storm_verbs = verbs;
	storm_end = now_us() + secs * 1000000ULL;
	for (i = 0; i < nthreads; i++) {
		s[i].seed = seed * 64 + i;
		if (pthread_create(&s[i].thread, NULL, storm_thread, &s[i])) {
			fprintf(stderr, "tsm_bench: cannot start a thread\n");
			return 2;
		}
	}
	/* A writer stuck in the kernel cannot be joined: wait, then tell */
	deadline = storm_end + 60 * 1000000ULL;
	for (i = 0; i < nthreads; i++) {
		while (!s[i].done && now_us() < deadline)
			usleep(100000);
		if (!s[i].done)
			stuck++;
		else
			pthread_join(s[i].thread, NULL);
	}
	for (i = 0; i < nthreads; i++) {
		writes += s[i].writes;
		if (s[i].longest > longest)
			longest = s[i].longest;
	}
	printf("writes %lu longest %llu\n", writes, longest);
	for (e = 0; e < STORM_ERRNO; e++) {
		for (err = 0, i = 0; i < nthreads; i++)
			err += s[i].err[e];
		if (err)
			printf("errno %d %lu\n", e, err);
	}
	if (stuck) {
		printf("stuck %d\n", stuck);
		fflush(stdout);
		_exit(3);
	}
	return 0;
}

static int cmd_time(int argc, char **argv)
{
	unsigned long long t0;
	int status;
	pid_t pid;

	if (argc < 1) {
		fprintf(stderr, "tsm_bench time: PROGRAM [ARG...]\n");
		return 2;
	}
	t0 = now_us();
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 2;
	printf("wall %llu\n", now_us() - t0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

static int cmd_as(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[0], "nocap")) {
		fprintf(stderr, "tsm_bench as: nocap PROGRAM [ARG...]\n");
		return 2;
	}
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0)) {
		perror("tsm_bench: PR_CAPBSET_DROP");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror("tsm_bench: exec");
	return 127;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "write"))
		return cmd_write(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "time"))
		return cmd_time(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "as"))
		return cmd_as(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "cycle"))
		return cmd_cycle(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "storm"))
		return cmd_storm(argc - 2, argv + 2);
	fprintf(stderr, "usage: tsm_bench write [--serial] VALUE FILE...\n"
			"       tsm_bench cycle N VALUE FILE [VALUE FILE...]\n"
			"       tsm_bench storm SECONDS THREADS SEED VALUE FILE...\n"
			"       tsm_bench time PROGRAM [ARG...]\n"
			"       tsm_bench as nocap PROGRAM [ARG...]\n");
	return 2;
}
