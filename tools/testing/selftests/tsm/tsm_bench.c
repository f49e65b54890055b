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
	fprintf(stderr, "usage: tsm_bench write [--serial] VALUE FILE...\n"
			"       tsm_bench time PROGRAM [ARG...]\n"
			"       tsm_bench as nocap PROGRAM [ARG...]\n");
	return 2;
}
