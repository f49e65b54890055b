// SPDX-License-Identifier: GPL-2.0
/*
 * bridge_peer: scripted peer of the tsm_emu_bridge module for the VM
 * selftests (test_bridge.sh).  It plays the device model behind
 * /dev/tsm_emu_model or the requester in front of /dev/tsm_emu_host, one
 * small scenario per subcommand; see usage().  Errors are reported as
 * "errno NAME" on stdout so that the shell can compare them.
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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "tsm-emu-bridge.h"

#define MODEL_DEV	"/dev/tsm_emu_model"
#define HOST_DEV	"/dev/tsm_emu_host"
#define HDR_SZ		sizeof(struct tsm_bridge_hdr)
#define MSG_MAX		(HDR_SZ + TSM_BRIDGE_MAX_PAYLOAD)
/* "PEER": the echo model's answers start with it */
#define PEER_MARKER	0x52454550u

static const char *errname(int e)
{
	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EAGAIN: return "EAGAIN";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "E?";
	}
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: bridge_peer CMD ARGS\n"
		"  model MODE COUNT [SECONDS [LINGER_MS]]  serve COUNT DOE requests;\n"
		"                              MODE: echo, error, drop, late, badlen,\n"
		"                              badvendor\n"
		"  doe BDF TYPE [HEX]          host DOE exchange, prints the answer\n"
		"  keyset BDF STREAM GO        host root port key set\n"
		"  ide-state BDF STREAM READY  model IDE_STATE message\n"
		"  tdi BDF STATE               model TDI_STATE message\n"
		"  fninfo BDF                  FN_INFO of a function\n"
		"  cfgwatch BDF                TDI lock, BAR write, CFG_WRITE events\n"
		"  cfgread BDF OFF / cfgwrite BDF OFF VAL  config dword via sysfs\n"
		"  excl                        second open of the model side fails\n"
		"  nonblock                    O_NONBLOCK read of an empty queue\n"
		"  badwrite CASE               one malformed write, prints its errno\n"
		"  open DEV                    open a device, prints the errno\n"
		"  nocap-open DEV / nocap-ioctl  without CAP_SYS_ADMIN\n");
	exit(2);
}

static int parse_bdf(const char *s, uint32_t *domain, uint16_t *rid)
{
	unsigned int d, b, dev, f;

	if (sscanf(s, "%x:%x:%x.%x", &d, &b, &dev, &f) != 4 || b > 255 ||
	    dev > 31 || f > 7)
		return -1;
	*domain = d;
	*rid = b << 8 | dev << 3 | f;
	return 0;
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

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void print_hex(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int msg_write(int fd, const struct tsm_bridge_hdr *h, const void *payload)
{
	uint8_t buf[MSG_MAX];

	memcpy(buf, h, HDR_SZ);
	if (h->len)
		memcpy(buf + HDR_SZ, payload, h->len);
	if (write(fd, buf, HDR_SZ + h->len) < 0)
		return -errno;
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Build the answer of @mode to request object @req into @rsp; its size */
static int model_answer(const char *mode, const uint8_t *req, uint32_t len,
			uint8_t *rsp)
{
	uint32_t plen = len - 8;

	memcpy(rsp, req, 4);	/* same vendor and type */
	put_le32(rsp + 8, PEER_MARKER);
	memcpy(rsp + 12, req + 8, plen);
	put_le32(rsp + 4, (12 + plen) / 4);
	if (!strcmp(mode, "badlen"))
		put_le32(rsp + 4, (12 + plen) / 4 + 1);
	else if (!strcmp(mode, "badvendor"))
		rsp[0] ^= 0xff;
	return 12 + plen;
}

/*
 * model MODE COUNT [SECONDS [LINGER_MS]]: act as the device model for
 * COUNT requests (giving up after SECONDS), then keep the file open for
 * LINGER_MS.  Prints "ready" once the model side is open, one line per
 * request and per event, and "done" at the end.
 */
static int cmd_model(int argc, char **argv)
{
	static uint8_t in[MSG_MAX], rsp[TSM_BRIDGE_MAX_PAYLOAD];
	const char *mode;
	int count, left, fd, rc = 0, n;
	long deadline;
	bool small_checked = false;

	if (argc < 2)
		usage();
	mode = argv[0];
	count = atoi(argv[1]);
	deadline = now_ms() + (argc > 2 ? atoi(argv[2]) : 20) * 1000L;
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open_dev(MODEL_DEV, O_RDWR);
	printf("ready\n");

	left = count;
	while (left > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct tsm_bridge_hdr h, a;
		const uint8_t *obj;
		uint32_t hdr0, dw;

		if (now_ms() > deadline) {
			printf("timeout waiting for requests\n");
			rc = 1;
			break;
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (!small_checked) {
			/* A buffer smaller than the message is refused */
			n = read(fd, in, HDR_SZ);
			printf("small-read %s\n", errname(n < 0 ? errno : 0));
			small_checked = true;
		}
		n = read(fd, in, sizeof(in));
		if (n < 0) {
			printf("read errno %s\n", errname(errno));
			rc = 1;
			break;
		}
		memcpy(&h, in, HDR_SZ);
		obj = in + HDR_SZ;
		if (h.type == TSM_BRIDGE_CFG_WRITE) {
			printf("event rid %04x\n", h.rid);
			continue;
		}
		if (h.type != TSM_BRIDGE_DOE_REQ || h.len != n - HDR_SZ ||
		    h.len < 8) {
			printf("bad message type %u len %u\n", h.type, h.len);
			rc = 1;
			break;
		}
		hdr0 = get_le32(obj);
		dw = get_le32(obj + 4);
		printf("req domain %x rid %04x tag %llu vendor %04x type %u dw %u len %u\n",
		       h.domain, h.rid, (unsigned long long)h.tag, hdr0 & 0xffff,
		       (hdr0 >> 16) & 0xff, dw, h.len);
		left--;

		a = (struct tsm_bridge_hdr) {
			.type = TSM_BRIDGE_DOE_RSP,
			.domain = h.domain,
			.rid = h.rid,
			.tag = h.tag,
		};
		if (!strcmp(mode, "drop"))
			continue;
		if (!strcmp(mode, "error") || dw * 4 != h.len) {
			a.flags = TSM_BRIDGE_F_ERROR;
			n = msg_write(fd, &a, NULL);
		} else {
			if (!strcmp(mode, "late"))
				usleep(1500 * 1000);
			a.len = model_answer(mode, obj, h.len, rsp);
			n = msg_write(fd, &a, rsp);
		}
		printf("answer %s\n", errname(-n));
	}
	if (argc > 3)
		usleep(atoi(argv[3]) * 1000);
	printf("done\n");
	close(fd);
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* doe BDF TYPE [HEX]: one exchange; prints the answer payload in hex */
static int cmd_doe(int argc, char **argv)
{
	static uint8_t req[TSM_BRIDGE_MAX_PAYLOAD], rsp[TSM_BRIDGE_MAX_PAYLOAD];
	struct tsm_bridge_doe d = { 0 };
	size_t i, n = 0;
	const char *hex;
	int fd;

	if (argc < 2 || parse_bdf(argv[0], &d.domain, &d.rid))
		usage();
	d.type = atoi(argv[1]);
	hex = argc > 2 ? argv[2] : "";
	for (i = 0; hex[i] && hex[i + 1] && n < sizeof(req); i += 2) {
		if (hexval(hex[i]) < 0 || hexval(hex[i + 1]) < 0)
			usage();
		req[n++] = hexval(hex[i]) << 4 | hexval(hex[i + 1]);
	}
	d.req_len = n;
	d.rsp_len = argc > 3 ? (uint32_t)atoi(argv[3]) : sizeof(rsp);
	d.req_ptr = (uintptr_t)req;
	d.rsp_ptr = (uintptr_t)rsp;
	fd = open_dev(HOST_DEV, O_RDWR);
	if (ioctl(fd, TSM_BRIDGE_IOC_DOE, &d)) {
		printf("errno %s\n", errname(errno));
		return 1;
	}
	print_hex(rsp, d.rsp_len);
	return 0;
}

static int cmd_keyset(int argc, char **argv)
{
	struct tsm_bridge_key_set k = { 0 };
	int fd;

	if (argc < 3 || parse_bdf(argv[0], &k.domain, &k.rid))
		usage();
	k.stream_id = atoi(argv[1]);
	k.go = atoi(argv[2]);
	fd = open_dev(HOST_DEV, O_RDWR);
	if (ioctl(fd, TSM_BRIDGE_IOC_KEY_SET, &k)) {
		printf("errno %s\n", errname(errno));
		return 1;
	}
	printf("errno OK\n");
	return 0;
}

static int cmd_ide_state(int argc, char **argv)
{
	struct tsm_bridge_ide_state s = { 0 };
	struct tsm_bridge_hdr h = {
		.type = TSM_BRIDGE_IDE_STATE,
		.len = sizeof(s),
	};
	int fd, rc;

	if (argc < 3 || parse_bdf(argv[0], &h.domain, &h.rid))
		usage();
	s.stream_id = atoi(argv[1]);
	s.ready = atoi(argv[2]);
	fd = open_dev(MODEL_DEV, O_RDWR);
	rc = msg_write(fd, &h, &s);
	printf("errno %s\n", errname(-rc));
	close(fd);
	return rc ? 1 : 0;
}

static int cmd_fninfo(int argc, char **argv)
{
	struct tsm_bridge_fn_info *info = calloc(1, sizeof(*info));
	int fd, i;

	if (!info || argc < 1 || parse_bdf(argv[0], &info->domain, &info->rid))
		usage();
	fd = open_dev(MODEL_DEV, O_RDWR);
	if (ioctl(fd, TSM_BRIDGE_IOC_FN_INFO, info)) {
		printf("errno %s\n", errname(errno));
		return 1;
	}
	printf("vendor %04x device %04x flags %#x bars", get_le32(info->config) & 0xffff,
	       get_le32(info->config) >> 16, info->flags);
	for (i = 0; i < 6; i++)
		printf(" %#llx", (unsigned long long)info->bar_size[i]);
	printf("\n");
	close(fd);
	free(info);
	return 0;
}

static int cfg_open(const char *bdf)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	return open_dev(path, O_RDWR);
}

static int cfg_rw(const char *bdf, unsigned int off, uint32_t *val, bool wr)
{
	uint8_t b[4];
	int fd = cfg_open(bdf);
	ssize_t n;

	if (wr) {
		put_le32(b, *val);
		n = pwrite(fd, b, 4, off);
	} else {
		n = pread(fd, b, 4, off);
		*val = get_le32(b);
	}
	close(fd);
	return n == 4 ? 0 : -1;
}

static int cmd_cfgread(int argc, char **argv)
{
	uint32_t v;

	if (argc < 2 || cfg_rw(argv[0], strtoul(argv[1], NULL, 0), &v, false))
		usage();
	printf("%08x\n", v);
	return 0;
}

static int cmd_cfgwrite(int argc, char **argv)
{
	uint32_t v;

	if (argc < 3)
		usage();
	v = strtoul(argv[2], NULL, 0);
	return cfg_rw(argv[0], strtoul(argv[1], NULL, 0), &v, true) ? 1 : 0;
}

static int send_tdi(int fd, uint32_t domain, uint16_t rid, uint8_t state)
{
	struct tsm_bridge_tdi_state s = { .state = state };
	struct tsm_bridge_hdr h = {
		.type = TSM_BRIDGE_TDI_STATE,
		.len = sizeof(s),
		.domain = domain,
		.rid = rid,
	};

	return msg_write(fd, &h, &s);
}

/* Next CFG_WRITE event of @rid within @ms, 0 or -ETIMEDOUT */
static int next_event(int fd, uint16_t rid, int ms, struct tsm_bridge_cfg_write *w)
{
	uint8_t in[MSG_MAX];
	struct tsm_bridge_hdr h;
	long end = now_ms() + ms;

	while (now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if (read(fd, in, sizeof(in)) < (ssize_t)HDR_SZ)
			return -EIO;
		memcpy(&h, in, HDR_SZ);
		if (h.type != TSM_BRIDGE_CFG_WRITE || h.rid != rid ||
		    h.len != sizeof(*w))
			continue;
		memcpy(w, in + HDR_SZ, sizeof(*w));
		return 0;
	}
	return -ETIMEDOUT;
}

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok - " __VA_ARGS__);				\
	} else {							\
		printf("FAIL - " __VA_ARGS__);				\
		fails++;						\
	}								\
	printf("\n");							\
} while (0)

/*
 * cfgwatch BDF: lock the interface, write BAR0 (sizing pattern, then the
 * original value back) and check the events; unlock and check that a
 * write is no longer reported.
 */
static int cmd_cfgwatch(int argc, char **argv)
{
	struct tsm_bridge_cfg_write w;
	uint32_t domain, orig, mask, v;
	int fd, fails = 0, rc;
	uint16_t rid;

	if (argc < 1 || parse_bdf(argv[0], &domain, &rid))
		usage();
	fd = open_dev(MODEL_DEV, O_RDWR);
	if (cfg_rw(argv[0], 0x10, &orig, false))
		usage();

	v = 0xffffffff;
	cfg_rw(argv[0], 0x10, &v, true);
	rc = next_event(fd, rid, 300, &w);
	CHECK(rc == -ETIMEDOUT, "no event while CONFIG_UNLOCKED");
	cfg_rw(argv[0], 0x10, &orig, true);
	next_event(fd, rid, 100, &w);

	CHECK(send_tdi(fd, domain, rid, 1) == 0, "TDI_STATE CONFIG_LOCKED accepted");
	v = 0xffffffff;
	cfg_rw(argv[0], 0x10, &v, true);
	cfg_rw(argv[0], 0x10, &mask, false);
	rc = next_event(fd, rid, 2000, &w);
	CHECK(rc == 0 && w.where == 0x10 && w.size == 4 && w.old == orig &&
	      w.val == 0xffffffff,
	      "BAR0 sizing write reported (where %#x size %u old %#x val %#x, orig %#x)",
	      w.where, w.size, w.old, w.val, orig);
	cfg_rw(argv[0], 0x10, &orig, true);
	rc = next_event(fd, rid, 2000, &w);
	CHECK(rc == 0 && w.where == 0x10 && w.old == mask && w.val == orig,
	      "BAR0 restore reported (old %#x = mask %#x, val %#x)", w.old, mask, w.val);

	/* 2-byte write of the Command register, RUN state */
	CHECK(send_tdi(fd, domain, rid, 2) == 0, "TDI_STATE RUN accepted");
	{
		int cfd = cfg_open(argv[0]);
		uint8_t cmd[2];

		pread(cfd, cmd, 2, 4);
		pwrite(cfd, cmd, 2, 4);
		close(cfd);
		rc = next_event(fd, rid, 2000, &w);
		CHECK(rc == 0 && w.where == 4 && w.size == 2 &&
		      w.old == (uint32_t)(cmd[0] | cmd[1] << 8),
		      "Command write reported (where %#x size %u)", w.where, w.size);
	}

	CHECK(send_tdi(fd, domain, rid, 0) == 0, "TDI_STATE CONFIG_UNLOCKED accepted");
	cfg_rw(argv[0], 0x10, &orig, true);
	rc = next_event(fd, rid, 300, &w);
	CHECK(rc == -ETIMEDOUT, "no event after CONFIG_UNLOCKED");
	close(fd);
	return fails ? 1 : 0;
}

/* tdi BDF STATE: report a TDI state, prints the errno */
static int cmd_tdi(int argc, char **argv)
{
	uint32_t domain;
	uint16_t rid;
	int fd, rc;

	if (argc < 2 || parse_bdf(argv[0], &domain, &rid))
		usage();
	fd = open_dev(MODEL_DEV, O_RDWR);
	rc = send_tdi(fd, domain, rid, atoi(argv[1]));
	printf("errno %s\n", errname(-rc));
	close(fd);
	return rc ? 1 : 0;
}

static int cmd_excl(void)
{
	int fd = open_dev(MODEL_DEV, O_RDWR), fd2;

	fd2 = open(MODEL_DEV, O_RDWR);
	printf("# second open %s\n", errname(fd2 < 0 ? errno : 0));
	close(fd);
	return fd2 < 0 && errno == EBUSY ? 0 : 1;
}

static int cmd_nonblock(void)
{
	uint8_t in[MSG_MAX];
	int fd = open_dev(MODEL_DEV, O_RDWR | O_NONBLOCK);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n, p;

	p = poll(&pfd, 1, 0);
	n = read(fd, in, sizeof(in));
	printf("# poll %d read %s\n", p, errname(n < 0 ? errno : 0));
	close(fd);
	return p == 0 && n < 0 && errno == EAGAIN ? 0 : 1;
}

/* badwrite CASE: prints the errno of one malformed message */
static int cmd_badwrite(int argc, char **argv)
{
	static uint8_t buf[MSG_MAX + 8];
	struct tsm_bridge_hdr *h = (void *)buf;
	uint8_t *p = buf + HDR_SZ;
	size_t count;
	const char *c;
	int fd;

	if (argc < 1)
		usage();
	c = argv[0];
	/* A valid TDI_STATE for the two-function DSM, then break it */
	h->type = TSM_BRIDGE_TDI_STATE;
	h->len = 4;
	h->domain = 0xf0;
	h->rid = 0x0100;
	count = HDR_SZ + 4;

	if (!strcmp(c, "valid")) {
		/* nothing */
	} else if (!strcmp(c, "short")) {
		count = HDR_SZ - 1;
	} else if (!strcmp(c, "len-mismatch")) {
		h->len = 8;
	} else if (!strcmp(c, "too-long")) {
		h->len = TSM_BRIDGE_MAX_PAYLOAD + 4;
		count = HDR_SZ + h->len;
	} else if (!strcmp(c, "bad-type")) {
		h->type = 0x99;
	} else if (!strcmp(c, "kernel-type")) {
		h->type = TSM_BRIDGE_DOE_REQ;
	} else if (!strcmp(c, "no-function")) {
		h->rid = 0x0900;
	} else if (!strcmp(c, "root-port")) {
		h->rid = 0x0000;
	} else if (!strcmp(c, "bad-state")) {
		p[0] = 4;
	} else if (!strcmp(c, "reserved")) {
		p[2] = 1;
	} else if (!strcmp(c, "flags")) {
		h->flags = TSM_BRIDGE_F_ERROR;
	} else if (!strcmp(c, "tag")) {
		h->tag = 1;
	} else if (!strcmp(c, "ide-reserved")) {
		h->type = TSM_BRIDGE_IDE_STATE;
		p[0] = 3;
		p[1] = 1;
		p[3] = 1;
	} else if (!strcmp(c, "ide-no-ide")) {
		h->type = TSM_BRIDGE_IDE_STATE;
		h->rid = 0x0101;	/* function 1: no IDE */
		p[0] = 3;
	} else if (!strcmp(c, "rsp-unknown-tag")) {
		h->type = TSM_BRIDGE_DOE_RSP;
		h->tag = 0xdeadbeef;
		h->len = 8;
		put_le32(p, 1 | 1 << 16);
		put_le32(p + 4, 2);
		count = HDR_SZ + 8;
	} else if (!strcmp(c, "rsp-unaligned")) {
		h->type = TSM_BRIDGE_DOE_RSP;
		h->tag = 1;
		h->len = 10;
		count = HDR_SZ + 10;
	} else if (!strcmp(c, "rsp-short")) {
		h->type = TSM_BRIDGE_DOE_RSP;
		h->tag = 1;
	} else if (!strcmp(c, "rsp-error-payload")) {
		h->type = TSM_BRIDGE_DOE_RSP;
		h->flags = TSM_BRIDGE_F_ERROR;
		h->tag = 1;
	} else if (!strcmp(c, "rsp-bad-flags")) {
		h->type = TSM_BRIDGE_DOE_RSP;
		h->flags = 0x8000;
		h->tag = 1;
		h->len = 8;
		count = HDR_SZ + 8;
	} else {
		usage();
	}
	fd = open_dev(MODEL_DEV, O_RDWR);
	if (write(fd, buf, count) < 0)
		printf("errno %s\n", errname(errno));
	else
		printf("errno OK\n");
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
	if (!strcmp(cmd, "doe"))
		return cmd_doe(argc, argv);
	if (!strcmp(cmd, "keyset"))
		return cmd_keyset(argc, argv);
	if (!strcmp(cmd, "ide-state"))
		return cmd_ide_state(argc, argv);
	if (!strcmp(cmd, "fninfo"))
		return cmd_fninfo(argc, argv);
	if (!strcmp(cmd, "cfgwatch"))
		return cmd_cfgwatch(argc, argv);
	if (!strcmp(cmd, "cfgread"))
		return cmd_cfgread(argc, argv);
	if (!strcmp(cmd, "cfgwrite"))
		return cmd_cfgwrite(argc, argv);
	if (!strcmp(cmd, "tdi"))
		return cmd_tdi(argc, argv);
	if (!strcmp(cmd, "excl"))
		return cmd_excl();
	if (!strcmp(cmd, "nonblock"))
		return cmd_nonblock();
	if (!strcmp(cmd, "badwrite"))
		return cmd_badwrite(argc, argv);
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
	if (!strcmp(cmd, "nocap-ioctl")) {
		/* Opened with the capability, used without it */
		struct tsm_bridge_key_set k = { .domain = 0xf0, .rid = 0 };
		struct tsm_bridge_doe d = { .domain = 0xf0, .rid = 0x0100, .type = 1 };
		int fd = open_dev(HOST_DEV, O_RDWR);

		if (drop_sys_admin())
			return 1;
		printf("doe %s", errname(ioctl(fd, TSM_BRIDGE_IOC_DOE, &d) ? errno : 0));
		printf(" keyset %s\n",
		       errname(ioctl(fd, TSM_BRIDGE_IOC_KEY_SET, &k) ? errno : 0));
		return 0;
	}
	usage();
	return 2;
}
