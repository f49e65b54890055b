// SPDX-License-Identifier: GPL-2.0
/*
 * psp_peer: scripted peer of the tsm_emu_psp module for the VM selftests
 * (test_psp.sh).  It plays a minimal firmware model behind
 * /dev/tsm_emu_psp, issues raw commands through the module's debugfs
 * "cmd" file (test only, see samples/tsm/emu-psp.c) and exercises the
 * memory ioctl, one small scenario per subcommand; see usage().  Errors
 * are reported as "errno NAME" on stdout so that the shell can compare
 * them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "tsm-emu-psp.h"

#define PSP_DEV		"/dev/tsm_emu_psp"
#define CMD_FILE	"/sys/kernel/debug/tsm_emu_psp/cmd"
#define HDR_SZ		sizeof(struct tsm_psp_msg)
#define MSG_MAX		(HDR_SZ + TSM_PSP_MAX_CMD)
/* "MODL": the model writes it into the reserved word of what it answers */
#define MODEL_MARK	0x4c444f4du

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* Not an ioctl of the device */
#define IOC_UNKNOWN	_IOWR('T', 0x2f, struct tsm_psp_mem)

#define TIO_STATUS	0x0d0
#define TIO_INIT	0x0d1
#define INVALID_COMMAND	0x11

/* Header of the module's debugfs "cmd" file (struct tsm_psp_dbg_cmd) */
struct dbg_cmd {
	uint32_t cmd;
	int32_t rc;
	int32_t fw_err;
	uint32_t len;
};

static const char *errname(int e)
{
	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENODATA: return "ENODATA";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return "E?";
	}
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: psp_peer CMD ARGS\n"
		"  model MODE COUNT [MS]  serve COUNT commands, then linger MS;\n"
		"                         MODE: ok (status 0), status:N, drop (never\n"
		"                         answer), late (answer after MS), bad\n"
		"                         (malformed answers first), tio (minimal\n"
		"                         TIO_STATUS/TIO_INIT firmware)\n"
		"  cmd ID LEN [LENWORD]   raw command through debugfs; prints\n"
		"                         rc, fw_err and the reserved word\n"
		"  excl                   second open of the device fails\n"
		"  nonblock               O_NONBLOCK read of an empty queue\n"
		"  mem PA LEN             MEM ioctl read, prints errno and owner\n"
		"  mem-bad CASE           MEM ioctl with a bad argument\n"
		"  mem-self               MEM write/read of a page of this process\n"
		"  open DEV / nocap-open DEV / nocap-mem\n");
	exit(2);
}

static int open_dev(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		printf("errno %s\n", errname(errno));
		exit(1);
	}
	return fd;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Read one command (blocking, through poll()); its size or -errno */
static int read_cmd(int fd, uint8_t *buf, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	n = read(fd, buf, MSG_MAX);
	return n < 0 ? -errno : (int)n;
}

static int answer(int fd, const uint8_t *msg, size_t len)
{
	return write(fd, msg, len) < 0 ? errno : 0;
}

/* Malformed answers to the command @msg; each one must be refused */
static void bad_answers(int fd, const uint8_t *msg, size_t len)
{
	static const char * const cases[] = {
		"short", "tag", "cmd", "len-short", "len-long", "status",
		"reserved", "too-long",
	};
	uint8_t bad[MSG_MAX + 16];
	struct tsm_psp_msg *h = (struct tsm_psp_msg *)bad;
	size_t blen;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(bad, 0, sizeof(bad));
		memcpy(bad, msg, len);
		blen = len;
		switch (i) {
		case 0:
			blen = HDR_SZ - 1;
			break;
		case 1:
			h->tag++;
			break;
		case 2:
			h->cmd ^= 1;
			break;
		case 3:
			h->len -= 4;
			blen -= 4;
			break;
		case 4:
			h->len += 4;
			blen += 4;
			break;
		case 5:
			h->status = 0x10000;
			break;
		case 6:
			h->reserved = 1;
			break;
		case 7:
			blen = MSG_MAX + 1;
			h->len = blen - HDR_SZ;
			break;
		}
		printf("bad %s %s\n", cases[i], errname(answer(fd, bad, blen)));
	}
}

/* TIO_STATUS: write the status structure into the firmware page */
static uint32_t tio_status(int fd, const uint8_t *buf, bool init_done)
{
	uint32_t st[16] = { 0 };
	struct tsm_psp_mem m = { 0 };
	uint64_t pa;

	memcpy(&pa, buf + 8, sizeof(pa));
	st[0] = sizeof(st);			/* length */
	st[1] = 1 | (init_done ? 2 : 0);	/* tio_en, tio_init_done */
	st[2] = 0x1000;				/* spdm_req_size_min */
	st[3] = 0x4000;				/* spdm_req_size_max */
	st[4] = 0x1000;				/* spdm_scratch_size_min */
	st[5] = 0x4000;				/* spdm_scratch_size_max */
	st[6] = 0x1000;				/* spdm_out_size_min */
	st[7] = 0x4000;				/* spdm_out_size_max */
	st[8] = 0x1000;				/* spdm_rsp_size_min */
	st[9] = 0x4000;				/* spdm_rsp_size_max */
	st[10] = 0x1000;			/* devctx_size */
	st[11] = 0x1000;			/* tdictx_size */
	m.pa = pa;
	m.ptr = (uintptr_t)st;
	m.len = sizeof(st);
	m.flags = TSM_PSP_MEM_WRITE;
	if (ioctl(fd, TSM_PSP_IOC_MEM, &m)) {
		printf("status page %#llx: errno %s\n", (unsigned long long)pa,
		       errname(errno));
		return 0x09;	/* INVALID_ADDRESS */
	}
	printf("status page owner %u\n", m.owner);
	return m.owner ? 0 : 0x1c;	/* INVALID_PAGE_OWNER */
}

static int cmd_model(int argc, char **argv)
{
	uint8_t buf[MSG_MAX];
	struct tsm_psp_msg *h = (struct tsm_psp_msg *)buf;
	const char *mode;
	bool init_done = false;
	uint32_t status = 0, mark = MODEL_MARK;
	int count, served = 0, fd, n, rc = 0;
	long ms, t0;

	if (argc < 2)
		usage();
	mode = argv[0];
	count = atoi(argv[1]);
	ms = argc > 2 ? atol(argv[2]) : 0;
	if (!strncmp(mode, "status:", 7))
		status = strtoul(mode + 7, NULL, 0);

	fd = open_dev(PSP_DEV, O_RDWR);
	printf("ready\n");
	while (served < count) {
		if (!strcmp(mode, "bad") && !served) {
			/* Not even the header fits: nothing is consumed */
			n = read(fd, buf, HDR_SZ - 1);
			if (n < 0 && errno == EINVAL)
				printf("small-read EINVAL\n");
		}
		n = read_cmd(fd, buf, 30000);
		if (n < 0) {
			printf("read %s\n", errname(-n));
			rc = 1;
			break;
		}
		printf("cmd %#x tag %llu len %u\n", h->cmd,
		       (unsigned long long)h->tag, h->len);
		served++;
		if (n != (int)(HDR_SZ + h->len) || h->status || h->reserved) {
			printf("malformed command\n");
			rc = 1;
		}
		if (!strcmp(mode, "drop"))
			continue;
		if (!strcmp(mode, "late"))
			sleep_ms(ms);
		if (!strcmp(mode, "bad"))
			bad_answers(fd, buf, n);
		if (!strcmp(mode, "tio")) {
			if (h->cmd == TIO_STATUS) {
				status = tio_status(fd, buf + HDR_SZ, init_done);
			} else if (h->cmd == TIO_INIT) {
				init_done = true;
				status = 0;
			} else {
				status = INVALID_COMMAND;
			}
		} else {
			memcpy(buf + HDR_SZ + 4, &mark, sizeof(mark));
		}
		h->status = status;
		printf("answer %s\n", errname(answer(fd, buf, n)));
	}
	/* Keep the device open (a dropped command times out meanwhile) */
	t0 = now_ms();
	if (strcmp(mode, "late"))
		while (now_ms() - t0 < ms)
			sleep_ms(10);
	close(fd);
	printf("done\n");
	return rc;
}

static int cmd_cmd(int argc, char **argv)
{
	uint8_t buf[sizeof(struct dbg_cmd) + TSM_PSP_MAX_CMD + 16];
	struct dbg_cmd *d = (struct dbg_cmd *)buf;
	uint32_t lenword, mark;
	unsigned int i;
	size_t len;
	ssize_t n;
	int fd;

	if (argc < 2)
		usage();
	memset(buf, 0, sizeof(buf));
	d->cmd = strtoul(argv[0], NULL, 0);
	len = strtoul(argv[1], NULL, 0);
	lenword = argc > 2 ? strtoul(argv[2], NULL, 0) : len;
	if (len < 4 || len > TSM_PSP_MAX_CMD + 16)
		usage();
	d->len = len;
	memcpy(d + 1, &lenword, sizeof(lenword));
	for (i = 8; i < len; i++)
		((uint8_t *)(d + 1))[i] = i;

	fd = open_dev(CMD_FILE, O_RDWR);
	if (write(fd, buf, sizeof(*d) + len) < 0) {
		printf("errno %s\n", errname(errno));
		return 0;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		printf("errno %s\n", errname(errno));
		return 0;
	}
	memcpy(&mark, (uint8_t *)(d + 1) + 4, sizeof(mark));
	printf("rc %s fw_err %d mark %08x\n", errname(-d->rc), d->fw_err, mark);
	close(fd);
	return 0;
}

static int cmd_excl(void)
{
	int fd = open_dev(PSP_DEV, O_RDWR);
	int fd2 = open(PSP_DEV, O_RDWR);

	printf("errno %s\n", errname(fd2 < 0 ? errno : 0));
	if (fd2 >= 0)
		close(fd2);
	close(fd);
	return 0;
}

static int cmd_nonblock(void)
{
	int fd = open_dev(PSP_DEV, O_RDWR | O_NONBLOCK);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[MSG_MAX];
	int pr;

	if (read(fd, buf, sizeof(buf)) >= 0 || errno != EAGAIN) {
		printf("read did not fail with EAGAIN\n");
		return 1;
	}
	pr = poll(&pfd, 1, 0);
	printf("poll %d revents %#x\n", pr, pfd.revents);
	close(fd);
	return !(pr == 1 && pfd.revents == POLLOUT) &&
	       !(pr == 0 && pfd.revents == 0);
}

static int mem_ioctl(int fd, struct tsm_psp_mem *m)
{
	return ioctl(fd, TSM_PSP_IOC_MEM, m) ? errno : 0;
}

static int cmd_mem(int argc, char **argv)
{
	uint8_t data[4096];
	struct tsm_psp_mem m = { 0 };
	int fd, e;

	if (argc < 2)
		usage();
	m.pa = strtoull(argv[0], NULL, 0);
	m.len = strtoul(argv[1], NULL, 0);
	m.ptr = (uintptr_t)data;
	if (m.len > sizeof(data))
		usage();
	fd = open_dev(PSP_DEV, O_RDWR);
	e = mem_ioctl(fd, &m);
	if (e)
		printf("errno %s\n", errname(e));
	else
		printf("errno OK owner %u\n", m.owner);
	close(fd);
	return 0;
}

static int cmd_mem_bad(int argc, char **argv)
{
	uint8_t data[64];
	struct tsm_psp_mem m = {
		.pa = 0x1000, .len = 16, .ptr = (uintptr_t)data,
	};
	int fd;

	if (argc < 1)
		usage();
	if (!strcmp(argv[0], "flags"))
		m.flags = 2;
	else if (!strcmp(argv[0], "reserved"))
		m.reserved = 1;
	else if (!strcmp(argv[0], "zero-len"))
		m.len = 0;
	else if (!strcmp(argv[0], "badptr"))
		m.ptr = 8;
	else if (!strcmp(argv[0], "ioctl"))
		;
	else
		usage();
	fd = open_dev(PSP_DEV, O_RDWR);
	if (!strcmp(argv[0], "ioctl"))
		printf("errno %s\n",
		       errname(ioctl(fd, IOC_UNKNOWN, &m) ? errno : 0));
	else
		printf("errno %s\n", errname(mem_ioctl(fd, &m)));
	close(fd);
	return 0;
}

/* Physical address of @p (root: /proc/self/pagemap gives the PFN) */
static uint64_t virt_to_phys(void *p)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ent;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent),
		  (uintptr_t)p / psz * sizeof(ent)) != sizeof(ent))
		ent = 0;
	close(fd);
	if (!(ent & (1ULL << 63)) || !(ent & ((1ULL << 55) - 1)))
		return 0;
	return (ent & ((1ULL << 55) - 1)) * psz + (uintptr_t)p % psz;
}

/* The firmware writes and reads a page of this process by its address */
static int cmd_mem_self(void)
{
	uint8_t *page, in[32], out[32];
	struct tsm_psp_mem m = { 0 };
	unsigned int i;
	uint64_t pa;
	int fd, e;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	memset(page, 0xa5, 4096);
	pa = virt_to_phys(page + 100);
	if (!pa) {
		printf("no physical address\n");
		return 1;
	}
	fd = open_dev(PSP_DEV, O_RDWR);
	for (i = 0; i < sizeof(in); i++)
		in[i] = i * 7 + 1;
	m.pa = pa;
	m.ptr = (uintptr_t)in;
	m.len = sizeof(in);
	m.flags = TSM_PSP_MEM_WRITE;
	m.owner = 7;
	e = mem_ioctl(fd, &m);
	printf("write %s owner %u\n", errname(e), m.owner);
	if (e || memcmp(page + 100, in, sizeof(in)) || page[99] != 0xa5 ||
	    page[100 + sizeof(in)] != 0xa5) {
		printf("the page does not hold what was written\n");
		return 1;
	}
	page[200] = 0x3c;
	memset(&m, 0, sizeof(m));
	m.pa = pa + 100;
	m.ptr = (uintptr_t)out;
	m.len = sizeof(out);
	e = mem_ioctl(fd, &m);
	printf("read %s owner %u\n", errname(e), m.owner);
	if (e || out[0] != 0x3c || out[1] != 0xa5) {
		printf("read back the wrong bytes\n");
		return 1;
	}
	close(fd);
	return 0;
}

static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data);
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(cmd, "model"))
		return cmd_model(argc, argv);
	if (!strcmp(cmd, "cmd"))
		return cmd_cmd(argc, argv);
	if (!strcmp(cmd, "excl"))
		return cmd_excl();
	if (!strcmp(cmd, "nonblock"))
		return cmd_nonblock();
	if (!strcmp(cmd, "mem"))
		return cmd_mem(argc, argv);
	if (!strcmp(cmd, "mem-bad"))
		return cmd_mem_bad(argc, argv);
	if (!strcmp(cmd, "mem-self"))
		return cmd_mem_self();
	if (!strcmp(cmd, "open") && argc > 0) {
		int fd = open(argv[0], O_RDWR);

		printf("errno %s\n", errname(fd < 0 ? errno : 0));
		return 0;
	}
	if (!strcmp(cmd, "nocap-open") && argc > 0) {
		int fd;

		if (drop_sys_admin())
			return 1;
		fd = open(argv[0], O_RDWR);
		printf("errno %s\n", errname(fd < 0 ? errno : 0));
		return 0;
	}
	if (!strcmp(cmd, "nocap-mem")) {
		/* Opened with the capability, used without it */
		uint8_t data[16];
		struct tsm_psp_mem m = {
			.pa = 0x1000, .len = 16, .ptr = (uintptr_t)data,
		};
		int fd = open_dev(PSP_DEV, O_RDWR);

		if (drop_sys_admin())
			return 1;
		printf("errno %s\n", errname(mem_ioctl(fd, &m)));
		return 0;
	}
	usage();
	return 2;
}
