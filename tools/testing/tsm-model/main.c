// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-model: device and firmware model of the emulated TEE-IO platform.
 *
 *   tsm-model device [options]
 *	Serve the emulated DSMs behind /dev/tsm_emu_model: answer their
 *	DOE data objects (SPDM, secured SPDM with IDE_KM and TDISP), report
 *	IDE key and TDISP state back to the kernel, and move interfaces to
 *	ERROR on forbidden configuration writes.  With --external HOST:PORT
 *	the objects are forwarded to an independent SPDM responder over the
 *	SPDM socket framing (PCI_DOE transport) instead.
 *
 *   tsm-model responder --listen PORT [options]
 *	Serve the same device model over the SPDM socket framing on
 *	127.0.0.1:PORT (0 picks a free port; see --port-file).
 *
 *   tsm-model firmware --dsm DDDD:BB:DD.F [options] STEP...
 *	Act as the TSM firmware: SPDM requester, IDE_KM and TDISP requester,
 *	through the kernel's DOE path (/dev/tsm_emu_host) or a socket.
 *	STEPs run in order; "!STEP" expects STEP to fail.  See usage().
 *
 *   tsm-model psp [options]
 *	Act as the SEV-TIO firmware behind /dev/tsm_emu_psp (psp.c): run
 *	the firmware commands the kernel's SEV-TIO backend issues, reaching
 *	the device only through SPDM_REQUEST rounds the host carries.
 *
 *   The evidence the firmware returns (certificate chain, measurement
 *	transcript) is checked by the tsm command: tools/tsm/evidence.c,
 *	which the model links for its own signature and chain checks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "model.h"
#include "pcisig.h"
#include "psp.h"
#include "tsm-emu-bridge.h"
#include "tsm-emu-psp.h"

#define DOE_HDR			8
#define PCI_SIG_VID		0x0001

/* SPDM socket framing (FACTS section 8) */
#define SOCK_CMD_NORMAL		0x0001
#define SOCK_CMD_CONTINUE	0xfffd
#define SOCK_CMD_SHUTDOWN	0xfffe
#define SOCK_CMD_UNKNOWN	0xffff
#define SOCK_TRANSPORT_PCI_DOE	0x02

#define MAX_DSMS		16

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

/* SIGUSR1: print the counters so far (device and psp roles) */
static void on_stats_signal(int sig)
{
	stats_requested = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop_requested)
		;
}

static void sleep_ms(unsigned int ms)
{
	sleep_us((uint64_t)ms * 1000);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* "DDDD:BB:DD.F" (domain optional, hex) -> domain and Requester ID */
static int parse_bdf(const char *s, uint32_t *domain, uint16_t *rid)
{
	unsigned int d = 0, b, dev, fn;
	char tail;

	if (sscanf(s, "%x:%x:%x.%x%c", &d, &b, &dev, &fn, &tail) != 4) {
		d = 0;
		if (sscanf(s, "%x:%x.%x%c", &b, &dev, &fn, &tail) != 3)
			return -EINVAL;
	}
	if (b > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	*domain = d;
	*rid = b << 8 | dev << 3 | fn;
	return 0;
}

static void fmt_bdf(char *buf, size_t len, uint32_t domain, uint16_t rid)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", domain, rid >> 8, (rid >> 3) & 0x1f,
		 rid & 7);
}

static int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Latency and fault injection, re-read from the control file.          */

/**
 * struct ctl - run-time behaviour of the device model
 * @path: control file (NULL: none)
 * @mtime: modification time of the file when last parsed
 * @fault: pending one-shot fault
 * @count: how many more messages @fault applies to
 * @skip: messages to let through untouched before @fault applies
 * @delay_ms: answer delay of %FAULT_DELAY
 * @latency_us: delay before every answer (a timer: several devices can be
 *	slow at once without using the CPU)
 * @psp: the firmware model, which takes the fw-* words (NULL otherwise)
 *
 * The control file holds "key=value" words, e.g.
 * "fault=bad-signature count=1", "fault=truncated skip=5",
 * "latency_ms=20" or "latency_us=100"; it is parsed again whenever it
 * changes, before each message.
 */
struct ctl {
	const char *path;
	struct timespec mtime;
	enum model_fault fault;
	unsigned int count;
	unsigned int skip;
	unsigned int delay_ms;
	uint64_t latency_us;
	struct psp *psp;
};

static const char * const fault_names[FAULT_MAX] = {
	[FAULT_NONE] = "none",
	[FAULT_DROP] = "drop",
	[FAULT_DELAY] = "delay",
	[FAULT_BAD_LENGTH] = "bad-length",
	[FAULT_BAD_SIGNATURE] = "bad-signature",
	[FAULT_SPDM_ERROR] = "spdm-error",
	[FAULT_TDISP_ERROR] = "tdisp-error",
	[FAULT_TRUNCATED] = "truncated",
	[FAULT_OVERSIZED] = "oversized",
	[FAULT_MALFORMED] = "malformed",
	[FAULT_IDE_INSECURE] = "ide-insecure",
	[FAULT_BAD_CHAIN] = "bad-chain",
};

static void ctl_parse_word(struct ctl *c, const char *w)
{
	char key[32];
	char val[32];
	int i;

	if (!strncmp(w, "fw-", 3)) {
		if (!c->psp || psp_fault_word(c->psp, w))
			fprintf(stderr, "tsm-model: ignoring control word '%s'\n", w);
		return;
	}
	if (sscanf(w, "%31[^=]=%31s", key, val) != 2) {
		fprintf(stderr, "tsm-model: ignoring control word '%s'\n", w);
		return;
	}
	if (!strcmp(key, "fault")) {
		for (i = 0; i < FAULT_MAX; i++)
			if (!strcmp(val, fault_names[i]))
				break;
		if (i == FAULT_MAX) {
			fprintf(stderr, "tsm-model: unknown fault '%s'\n", val);
			return;
		}
		c->fault = i;
		if (!c->count)
			c->count = 1;
	} else if (!strcmp(key, "count")) {
		c->count = strtoul(val, NULL, 0);
	} else if (!strcmp(key, "skip")) {
		c->skip = strtoul(val, NULL, 0);
	} else if (!strcmp(key, "delay_ms")) {
		c->delay_ms = strtoul(val, NULL, 0);
	} else if (!strcmp(key, "latency_ms")) {
		c->latency_us = strtoull(val, NULL, 0) * 1000;
	} else if (!strcmp(key, "latency_us")) {
		c->latency_us = strtoull(val, NULL, 0);
	} else {
		fprintf(stderr, "tsm-model: unknown control key '%s'\n", key);
	}
}

static void ctl_refresh(struct ctl *c)
{
	char buf[512], *w, *save;
	struct stat st;
	ssize_t n;
	int fd;

	if (!c->path || stat(c->path, &st))
		return;
	if (st.st_mtim.tv_sec == c->mtime.tv_sec && st.st_mtim.tv_nsec == c->mtime.tv_nsec)
		return;
	c->mtime = st.st_mtim;
	fd = open(c->path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return;
	buf[n] = 0;
	c->fault = FAULT_NONE;
	c->count = 0;
	c->skip = 0;
	if (c->psp)
		psp_fault_clear(c->psp);
	for (w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		ctl_parse_word(c, w);
}

/* The fault for the message being handled (consumes one count). */
static enum model_fault ctl_take(struct ctl *c)
{
	enum model_fault f = c->fault;

	if (f == FAULT_NONE || !c->count)
		return FAULT_NONE;
	if (c->skip) {
		c->skip--;
		return FAULT_NONE;
	}
	if (--c->count == 0)
		c->fault = FAULT_NONE;
	return f;
}

/* Give back a fault the protocol code did not consume. */
static void ctl_untake(struct ctl *c, enum model_fault f)
{
	if (f == FAULT_NONE)
		return;
	c->fault = f;
	c->count++;
}

/* ------------------------------------------------------------------ */
/* The device model: one SPDM responder and PCI-SIG state per DSM.      */

/*
 * At most this many answers are held back at once: one per DOE mailbox
 * (a mailbox has one request outstanding), with room to spare.
 */
#define MAX_HELD		64

/**
 * struct held - an answer held back until the device would have sent it
 * @due_us: when to send it (CLOCK_MONOTONIC, us)
 * @hdr: bridge header of the answer (type, domain, rid, flags, tag)
 * @len: size of @data
 * @next: next later answer
 * @data: the response object
 */
struct held {
	uint64_t due_us;
	struct tsm_bridge_hdr hdr;
	uint32_t len;
	struct held *next;
	uint8_t data[];
};

struct dsm {
	uint32_t domain;
	uint16_t rid;
	struct pcisig_dev *pcisig;
	struct spdm_rsp *rsp;
};

/**
 * struct model - device model state
 * @id: responder identity (certificates and key)
 * @ctl: latency and faults
 * @fd: /dev/tsm_emu_model, or -1 when there is no platform
 * @dsms: DSMs seen so far
 * @nr_dsms: entries used in @dsms
 * @messages: DOE objects answered
 * @total_us: time spent answering them (busy, without injected latency)
 * @max_us: longest answer
 * @injected_us: injected latency, simulated device time (the answers are
 *	held back on a timer, so the time of several devices overlaps)
 * @late_us: how much later than due the held answers went out, in total
 * @held: answers held back, earliest due first
 * @nr_held: entries on @held
 * @verbose: log every message
 * @key_log: file that lists the IDE keys the devices hold, rewritten after
 *	every secured message (NULL: none); the selftests search the ABI
 *	for them
 * @ops: platform callbacks of the PCI-SIG protocols
 */
struct model {
	struct model_identity *id;
	struct ctl ctl;
	int fd;
	struct dsm dsms[MAX_DSMS];
	int nr_dsms;
	uint64_t messages;
	uint64_t total_us;
	uint64_t max_us;
	uint64_t injected_us;
	uint64_t late_us;
	struct held *held;
	unsigned int nr_held;
	bool verbose;
	const char *key_log;
	struct model_dev_ops ops;
};

static int bridge_send(struct model *m, uint32_t type, uint32_t domain, uint16_t rid,
		       uint16_t flags, uint64_t tag, const void *payload, uint32_t len)
{
	uint8_t buf[sizeof(struct tsm_bridge_hdr) + TSM_BRIDGE_MAX_PAYLOAD];
	struct tsm_bridge_hdr h = {
		.type = type, .len = len, .domain = domain, .rid = rid,
		.flags = flags, .tag = tag,
	};
	ssize_t n;

	if (m->fd < 0)
		return 0;
	if (len > TSM_BRIDGE_MAX_PAYLOAD)
		return -EINVAL;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	n = write(m->fd, buf, sizeof(h) + len);
	if (n < 0) {
		fprintf(stderr, "tsm-model: bridge write (type %#x): %s\n", type, strerror(errno));
		return -errno;
	}
	return 0;
}

static void cfg_put32(uint8_t *cfg, unsigned int where, uint32_t v)
{
	put_le32(cfg + where, v);
}

/*
 * Without the emulated platform (socket responder) the device is a
 * stand-alone two-function endpoint shaped like the emulated one: BAR0
 * 64-bit 1 MiB with the MSI-X table (8 vectors) at 0 and the PBA at
 * 0x1000, BAR2 64-bit prefetchable 2 MiB, a PCIe capability with FLR and
 * an IDE capability with two selective streams of one address
 * association block each.
 */
static int synthetic_fn(uint32_t segment, uint16_t rid, struct model_fn *fn)
{
	uint8_t *c = fn->config;
	unsigned int fnum = rid & 7;

	if ((rid & ~7) != 0x100 || fnum > 1)
		return -ENODEV;
	memset(fn, 0, sizeof(*fn));
	fn->segment = segment;
	fn->rid = rid;
	cfg_put32(c, 0x00, 0x7e57 | (fnum ? 0x0011u : 0x0010u) << 16);
	cfg_put32(c, 0x04, 0x00100006);			/* MSE, BME; caps list */
	cfg_put32(c, 0x08, 0xff000001);			/* class ff0000, rev 1 */
	cfg_put32(c, 0x0c, fnum ? 0 : 0x00800000);	/* multi-function */
	cfg_put32(c, 0x10, 0xe0000004 + fnum * 0x00400000);	/* BAR0, 64-bit */
	cfg_put32(c, 0x18, 0xe020000c + fnum * 0x00400000);	/* BAR2, 64-bit pf */
	fn->bar_size[0] = 1 << 20;
	fn->bar_size[2] = 2 << 20;
	c[0x34] = 0x40;
	cfg_put32(c, 0x40, 0x00027010);		/* PCIe v2, endpoint, next 0x70 */
	cfg_put32(c, 0x44, 0x10000000);		/* DevCap: FLR */
	cfg_put32(c, 0x70, 0x00070011);		/* MSI-X, 8 vectors */
	cfg_put32(c, 0x74, 0x00000000);		/* table: BIR 0, offset 0 */
	cfg_put32(c, 0x78, 0x00001000);		/* PBA: BIR 0, offset 0x1000 */
	if (fnum)
		return 0;
	cfg_put32(c, 0x100, 0x00010030);	/* IDE, version 1, last */
	cfg_put32(c, 0x104, 0x01010042);	/* Sel, IDE_KM, 2 streams, TEE-L */
	cfg_put32(c, 0x10c, 0x00000001);	/* stream 0: 1 address block */
	cfg_put32(c, 0x10c + 32, 0x00000001);	/* stream 1: 1 address block */
	return 0;
}

static int op_fn_info(void *priv, uint32_t segment, uint16_t rid, struct model_fn *fn)
{
	struct model *m = priv;
	struct tsm_bridge_fn_info *info;
	int i;

	if (m->fd < 0)
		return synthetic_fn(segment, rid, fn);
	info = calloc(1, sizeof(*info));
	if (!info)
		return -ENOMEM;
	info->domain = segment;
	info->rid = rid;
	if (ioctl(m->fd, TSM_BRIDGE_IOC_FN_INFO, info)) {
		free(info);
		return -ENODEV;
	}
	fn->segment = segment;
	fn->rid = rid;
	for (i = 0; i < 6; i++)
		fn->bar_size[i] = info->bar_size[i];
	memcpy(fn->config, info->config, sizeof(fn->config));
	free(info);
	return 0;
}

static void op_ide_key(void *priv, uint32_t segment, uint16_t rid, uint8_t stream_id,
		       uint8_t key_set, uint8_t dir, bool go, uint32_t tag)
{
	struct tsm_bridge_ide_key k = {
		.stream_id = stream_id, .key_set = key_set, .dir = dir, .go = go, .tag = tag,
	};
	struct model *m = priv;

	if (m->verbose)
		fprintf(stderr, "tsm-model: stream %u key set %u %s keys %s (tag %08x)\n",
			stream_id, key_set, dir == IDEKM_TX ? "Tx" : "Rx",
			go ? "set to go" : "stopped", tag);
	bridge_send(m, TSM_BRIDGE_IDE_KEY, segment, rid, 0, 0, &k, sizeof(k));
}

static void op_tdi_state(void *priv, uint32_t segment, uint16_t rid, enum tdi_state state)
{
	static const char * const names[] = {
		"CONFIG_UNLOCKED", "CONFIG_LOCKED", "RUN", "ERROR"
	};
	struct tsm_bridge_tdi_state s = { .state = state };
	struct model *m = priv;
	char bdf[32];

	fmt_bdf(bdf, sizeof(bdf), segment, rid);
	if (m->verbose)
		fprintf(stderr, "tsm-model: interface %s -> %s\n", bdf,
			state <= TDI_ERROR ? names[state] : "?");
	bridge_send(m, TSM_BRIDGE_TDI_STATE, segment, rid, 0, 0, &s, sizeof(s));
}

/* The DSM that owns function @rid: function 0 of the same device. */
static struct dsm *model_dsm(struct model *m, uint32_t domain, uint16_t rid, bool create)
{
	uint16_t dsm_rid = rid & ~7;
	struct dsm *d;
	int i;

	for (i = 0; i < m->nr_dsms; i++)
		if (m->dsms[i].domain == domain && m->dsms[i].rid == dsm_rid)
			return &m->dsms[i];
	if (!create || m->nr_dsms == MAX_DSMS)
		return NULL;
	d = &m->dsms[m->nr_dsms];
	d->domain = domain;
	d->rid = dsm_rid;
	d->pcisig = pcisig_dev_new(domain, dsm_rid, &m->ops);
	if (!d->pcisig)
		return NULL;
	d->rsp = spdm_rsp_new(m->id, d->pcisig);
	if (!d->rsp) {
		pcisig_dev_free(d->pcisig);
		return NULL;
	}
	m->nr_dsms++;
	return d;
}

static void model_reset_dsms(struct model *m)
{
	int i;

	for (i = 0; i < m->nr_dsms; i++) {
		spdm_rsp_free(m->dsms[i].rsp);
		pcisig_dev_free(m->dsms[i].pcisig);
	}
	m->nr_dsms = 0;
}

static void model_free(struct model *m)
{
	model_reset_dsms(m);
	if (m->id)
		model_identity_free(m->id);
	m->id = NULL;
}

/* Answer DOE Discovery: (PCI-SIG, 0), (PCI-SIG, 1), (PCI-SIG, 2). */
static int doe_discovery(const uint8_t *req, size_t len, uint8_t *rsp)
{
	unsigned int index;

	if (len < DOE_HDR + 4)
		return -EINVAL;
	index = req[DOE_HDR] & 0xff;
	if (index > 2)
		index = 0;
	memcpy(rsp, req, 4);
	put_le32(rsp + 4, 3);
	put_le32(rsp + 8, PCI_SIG_VID | index << 16 | (index < 2 ? index + 1 : 0) << 24);
	return 12;
}

/* Rewrite the key log: one line of hex per key a device holds */
static void model_log_keys(const struct model *m)
{
	const unsigned int per_stream = sizeof(((struct idekm_stream *)0)->k) /
					sizeof(struct idekm_key);
	const struct idekm_key *k;
	unsigned int i, st, j, b;
	FILE *f;

	f = fopen(m->key_log, "w");
	if (!f)
		return;
	for (i = 0; i < (unsigned int)m->nr_dsms; i++) {
		if (!m->dsms[i].pcisig)
			continue;
		for (st = 0; st < IDEKM_NR_STREAMS; st++) {
			k = &m->dsms[i].pcisig->streams[st].k[0][0][0];
			for (j = 0; j < per_stream; j++, k++) {
				if (!k->programmed)
					continue;
				for (b = 0; b < IDEKM_KEY_LEN; b++)
					fprintf(f, "%02x", k->key[b]);
				fputc('\n', f);
			}
		}
	}
	fclose(f);
}

/**
 * model_handle_object() - answer one complete DOE data object
 * @m: the model
 * @domain: segment of the function owning the mailbox
 * @rid: that function
 * @req: request object, DOE header included
 * @len: its size in bytes
 * @rsp: buffer of %MODEL_DOE_MAX bytes for the response object
 *
 * Applies faults.  The answer is computed at once; how long the device
 * takes on top of that (the injected latency, and the delay fault) is
 * returned in *@hold_us, for the caller to hold the answer back on a timer.
 * Return: response object size, 0 to give no answer at all, or a negative
 * errno to report a DOE error.
 */
static int model_handle_object(struct model *m, uint32_t domain, uint16_t rid,
			       const uint8_t *req, size_t len, uint8_t *rsp, uint64_t *hold_us)
{
	enum model_fault fault;
	uint32_t dw_len;
	uint64_t t0 = now_us(), dt;
	struct dsm *d;
	uint8_t type;
	int n;

	*hold_us = 0;	/* answers other than SPDM ones go out at once */

	if (len < DOE_HDR || len % 4 || len > MODEL_DOE_MAX)
		return -EINVAL;
	dw_len = get_le32(req + 4) & 0x3ffff;
	if ((req[0] | req[1] << 8) != PCI_SIG_VID || req[3] || dw_len * 4 != len)
		return -EINVAL;
	type = req[2];

	ctl_refresh(&m->ctl);
	if (type == DOE_TYPE_DISCOVERY)
		return doe_discovery(req, len, rsp);
	if (type != DOE_TYPE_CMA && type != DOE_TYPE_SSESSION)
		return -EPROTONOSUPPORT;
	d = model_dsm(m, domain, rid, true);
	if (!d)
		return -ENOMEM;

	fault = ctl_take(&m->ctl);
	if (fault == FAULT_DROP)
		return 0;
	n = spdm_rsp_handle(d->rsp, type, req + DOE_HDR, len - DOE_HDR, rsp + DOE_HDR,
			    MODEL_DOE_MAX - DOE_HDR, &fault);
	if (fault == FAULT_BAD_SIGNATURE || fault == FAULT_SPDM_ERROR ||
	    fault == FAULT_TDISP_ERROR || fault == FAULT_IDE_INSECURE ||
	    fault == FAULT_BAD_CHAIN)
		ctl_untake(&m->ctl, fault);	/* not applicable to this message */
	if (n < 0)
		return n;
	memcpy(rsp, req, 4);
	while (n % 4)
		rsp[DOE_HDR + n++] = 0;
	if (m->key_log && type == DOE_TYPE_SSESSION)
		model_log_keys(m);
	if (fault == FAULT_OVERSIZED) {
		memset(rsp + DOE_HDR + n, 0, MODEL_DOE_MAX - DOE_HDR - n);
		n = MODEL_DOE_MAX - DOE_HDR;
	}
	put_le32(rsp + 4, (DOE_HDR + n) / 4);
	if (fault == FAULT_BAD_LENGTH)
		put_le32(rsp + 4, (DOE_HDR + n) / 4 + 1);

	dt = now_us() - t0;
	m->messages++;
	m->total_us += dt;
	if (dt > m->max_us)
		m->max_us = dt;
	if (m->verbose)
		fprintf(stderr, "tsm-model: type %u, %zu -> %d bytes in %llu us\n", type, len,
			DOE_HDR + n, (unsigned long long)dt);
	*hold_us = m->ctl.latency_us;
	m->injected_us += m->ctl.latency_us;
	if (fault == FAULT_DELAY)
		*hold_us += (uint64_t)(m->ctl.delay_ms ? m->ctl.delay_ms : 1500) * 1000;
	return DOE_HDR + n;
}

static void model_stats(struct model *m)
{
	fprintf(stderr, "tsm-model: %llu messages, average %llu us, longest %llu us,",
		(unsigned long long)m->messages,
		(unsigned long long)(m->messages ? m->total_us / m->messages : 0),
		(unsigned long long)m->max_us);
	fprintf(stderr, " busy %llu us, injected %llu us, late %llu us\n",
		(unsigned long long)m->total_us, (unsigned long long)m->injected_us,
		(unsigned long long)m->late_us);
}

/* ------------------------------------------------------------------ */
/* SPDM socket framing                                                  */

static int sock_send(int fd, uint32_t cmd, const void *payload, uint32_t len)
{
	static uint8_t buf[12 + MODEL_DOE_MAX];

	if (len > MODEL_DOE_MAX)
		return -EMSGSIZE;
	put_be32(buf, cmd);
	put_be32(buf + 4, SOCK_TRANSPORT_PCI_DOE);
	put_be32(buf + 8, len);
	if (len)
		memcpy(buf + 12, payload, len);
	return write_full(fd, buf, 12 + len);
}

static void sock_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Receive one framed message; returns the payload size or -errno. */
static int sock_recv(int fd, uint32_t *cmd, uint8_t *buf, size_t cap)
{
	uint8_t hdr[12];
	uint32_t len;
	int ret;

	ret = read_full(fd, hdr, sizeof(hdr));
	if (ret)
		return ret;
	*cmd = get_be32(hdr);
	len = get_be32(hdr + 8);
	if (len > cap)
		return -EMSGSIZE;
	ret = read_full(fd, buf, len);
	return ret ? ret : (int)len;
}

static int sock_connect(const char *hostport)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	unsigned int port;
	int fd;

	if (sscanf(hostport, "%63[^:]:%u", host, &port) != 2 || port > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "tsm-model: bad address '%s' (want A.B.C.D:PORT)\n", hostport);
		return -EINVAL;
	}
	sa.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sock_nodelay(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		fprintf(stderr, "tsm-model: connect %s: %s\n", hostport, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

/* One DOE object over the socket: request and answer include DOE headers. */
static int sock_exchange(int fd, const uint8_t *req, size_t len, uint8_t *rsp, size_t cap)
{
	uint32_t cmd;
	int n;

	n = sock_send(fd, SOCK_CMD_NORMAL, req, len);
	if (n)
		return n;
	n = sock_recv(fd, &cmd, rsp, cap);
	if (n < 0)
		return n;
	if (cmd != SOCK_CMD_NORMAL)
		return -EPROTO;
	return n;
}

/* ------------------------------------------------------------------ */
/* Role: device model behind /dev/tsm_emu_model                         */

/*
 * Hold an answer back for @hold_us.  Without room it goes out at once:
 * late for the device, never lost.
 */
static void held_add(struct model *m, const struct tsm_bridge_hdr *h, const void *data,
		     uint32_t len, uint64_t hold_us)
{
	struct held *a, **pp;

	a = m->nr_held < MAX_HELD ? malloc(sizeof(*a) + len) : NULL;
	if (!a) {
		fprintf(stderr, "tsm-model: cannot hold an answer back, sending it now\n");
		bridge_send(m, h->type, h->domain, h->rid, h->flags, h->tag, data, len);
		return;
	}
	a->due_us = now_us() + hold_us;
	a->hdr = *h;
	a->len = len;
	memcpy(a->data, data, len);
	for (pp = &m->held; *pp && (*pp)->due_us <= a->due_us; pp = &(*pp)->next)
		;
	a->next = *pp;
	*pp = a;
	m->nr_held++;
}

/* Send the answers that are due; return the time until the next, in us */
static int64_t held_flush(struct model *m)
{
	struct held *a;
	uint64_t now;

	while ((a = m->held)) {
		now = now_us();
		if (a->due_us > now)
			return a->due_us - now;
		m->held = a->next;
		m->nr_held--;
		m->late_us += now - a->due_us;
		bridge_send(m, a->hdr.type, a->hdr.domain, a->hdr.rid, a->hdr.flags,
			    a->hdr.tag, a->data, a->len);
		free(a);
	}
	return -1;
}

static void held_drop(struct model *m)
{
	struct held *a;

	while ((a = m->held)) {
		m->held = a->next;
		free(a);
	}
	m->nr_held = 0;
}

static int run_device(struct model *m, const char *dev, const char *external)
{
	static uint8_t in[sizeof(struct tsm_bridge_hdr) + TSM_BRIDGE_MAX_PAYLOAD];
	static uint8_t out[MODEL_DOE_MAX];
	int ext = -1;
	int ret = 0;

	m->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (m->fd < 0) {
		fprintf(stderr, "tsm-model: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (external) {
		ext = sock_connect(external);
		if (ext < 0) {
			close(m->fd);
			return 1;
		}
	}
	fprintf(stderr, "tsm-model: device model attached to %s%s%s\n", dev,
		external ? ", forwarding to " : "", external ? external : "");

	while (!stop_requested) {
		struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
		struct timespec ts = { 0, 500000000 };
		struct tsm_bridge_hdr h, a;
		const uint8_t *payload;
		uint64_t hold = 0;
		uint32_t olen;
		int64_t next_us;
		ssize_t n;
		int len;

		if (stats_requested) {
			stats_requested = 0;
			model_stats(m);
		}
		/* Answers come out when due, whatever else is going on */
		next_us = held_flush(m);
		if (next_us >= 0 && next_us < 500000)
			ts = (struct timespec){ 0, (long)next_us * 1000 };
		if (ppoll(&pfd, 1, &ts, NULL) <= 0)
			continue;
		n = read(m->fd, in, sizeof(in));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "tsm-model: read: %s\n", strerror(errno));
			ret = 1;
			break;
		}
		if ((size_t)n < sizeof(h))
			continue;
		memcpy(&h, in, sizeof(h));
		if (h.len != (size_t)n - sizeof(h))
			continue;
		payload = in + sizeof(h);

		if (h.type == TSM_BRIDGE_CFG_WRITE) {
			struct tsm_bridge_cfg_write w;
			struct dsm *d;

			if (h.len != sizeof(w))
				continue;
			memcpy(&w, payload, sizeof(w));
			d = model_dsm(m, h.domain, h.rid, false);
			if (d)
				pcisig_dev_cfg_write(d->pcisig, h.rid, w.where, w.size, w.old,
						     w.val);
			continue;
		}
		if (h.type == TSM_BRIDGE_RESET) {
			struct tsm_bridge_reset r;
			struct dsm *d;

			if (h.len != sizeof(r))
				continue;
			memcpy(&r, payload, sizeof(r));
			d = model_dsm(m, h.domain, h.rid, false);
			if (!d)
				continue;
			if (m->verbose)
				fprintf(stderr, "tsm-model: %04x:%02x:%02x.%x %s reset\n",
					h.domain, h.rid >> 8, h.rid >> 3 & 0x1f, h.rid & 7,
					r.type == TSM_BRIDGE_RESET_FLR ? "function level" :
					"conventional");
			/* The DSM holds the SPDM session: a reset ends it */
			if (h.rid == d->rid)
				spdm_rsp_reset(d->rsp);
			pcisig_dev_reset(d->pcisig, h.rid, r.type != TSM_BRIDGE_RESET_FLR);
			continue;
		}
		if (h.type != TSM_BRIDGE_DOE_REQ)
			continue;

		if (ext >= 0) {
			len = sock_exchange(ext, payload, h.len, out, sizeof(out));
			if (len < 0) {
				fprintf(stderr, "tsm-model: external responder: %s\n",
					strerror(-len));
				ret = 1;
				break;
			}
		} else {
			len = model_handle_object(m, h.domain, h.rid, payload, h.len, out,
						  &hold);
		}
		if (len == 0)
			continue;	/* dropped: the requester times out */
		a = (struct tsm_bridge_hdr){
			.type = TSM_BRIDGE_DOE_RSP, .domain = h.domain, .rid = h.rid,
			.flags = len < 0 ? TSM_BRIDGE_F_ERROR : 0, .tag = h.tag,
		};
		olen = len < 0 ? 0 : len;
		if (hold)
			held_add(m, &a, out, olen, hold);
		else
			bridge_send(m, a.type, a.domain, a.rid, a.flags, a.tag, out, olen);
	}
	held_drop(m);
	if (ext >= 0) {
		sock_send(ext, SOCK_CMD_SHUTDOWN, NULL, 0);
		close(ext);
	}
	close(m->fd);
	m->fd = -1;
	model_stats(m);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Role: device model over the SPDM socket framing                      */

static int serve_client(struct model *m, int fd)
{
	static uint8_t in[MODEL_DOE_MAX], out[MODEL_DOE_MAX];
	uint64_t hold;
	uint32_t cmd;
	int n;

	for (;;) {
		n = sock_recv(fd, &cmd, in, sizeof(in));
		if (n < 0)
			return n == -EPIPE ? 0 : n;
		switch (cmd) {
		case SOCK_CMD_NORMAL:
			/* Pseudo-function 01:00.0 of segment 0 */
			n = model_handle_object(m, 0, 0x100, in, n, out, &hold);
			/* One client, one request at a time: hold it here */
			if (hold)
				sleep_us(hold);
			if (sock_send(fd, SOCK_CMD_NORMAL, out, n > 0 ? n : 0))
				return -EIO;
			break;
		case SOCK_CMD_CONTINUE:
			sock_send(fd, SOCK_CMD_CONTINUE, NULL, 0);
			break;
		case SOCK_CMD_SHUTDOWN:
			sock_send(fd, SOCK_CMD_SHUTDOWN, NULL, 0);
			return 1;
		default:
			sock_send(fd, SOCK_CMD_UNKNOWN, NULL, 0);
			break;
		}
	}
}

static int run_responder(struct model *m, unsigned int port, const char *port_file)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	int one = 1, lfd, ret = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen)) {
		fprintf(stderr, "tsm-model: listen on port %u: %s\n", port, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return 1;
	}
	fprintf(stderr, "tsm-model: responder listening on 127.0.0.1:%u\n", ntohs(sa.sin_port));
	if (port_file) {
		FILE *f = fopen(port_file, "w");

		if (f) {
			fprintf(f, "%u\n", ntohs(sa.sin_port));
			fclose(f);
		}
	}
	while (!stop_requested) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			ret = 1;
			break;
		}
		sock_nodelay(fd);
		ret = serve_client(m, fd);
		close(fd);
		/* The next connection is a new device. */
		model_reset_dsms(m);
		if (ret == 1) {
			ret = 0;
			break;	/* SHUTDOWN */
		}
		if (ret < 0)
			fprintf(stderr, "tsm-model: client: %s\n", strerror(-ret));
		ret = 0;
	}
	close(lfd);
	model_stats(m);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Role: firmware model (requester)                                     */

/**
 * struct fw - firmware model state
 * @domain: segment of the DSM
 * @dsm: Requester ID of the DSM (function 0, owner of the DOE mailbox)
 * @tdi: interface the TDISP steps address (default: the DSM)
 * @rp_domain: segment of the root port
 * @rp: Requester ID of the root port (valid if @have_rp)
 * @have_rp: a root port was given
 * @host_fd: /dev/tsm_emu_host, or -1
 * @sock_fd: socket to a responder, or -1
 * @q: the SPDM requester
 * @stream_id: IDE Stream ID used by the ide-* steps
 * @ep_block: selective stream block on the endpoint
 * @rp_block: selective stream block on the root port
 * @portion: TDISP report portion size
 * @nonce: START_INTERFACE_NONCE of the last lock
 * @tag: tags of the endpoint's Rx and Tx keys of the last ide-keys
 * @dump_dir: where certs/measurements/report steps store evidence
 */
struct fw {
	uint32_t domain;
	uint16_t dsm;
	uint16_t tdi;
	uint32_t rp_domain;
	uint16_t rp;
	bool have_rp;
	int host_fd;
	int sock_fd;
	uint64_t doe_us;
	uint64_t exchanges;
	struct spdm_req *q;
	uint8_t stream_id;
	unsigned int ep_block;
	unsigned int rp_block;
	unsigned int portion;
	uint8_t nonce[32];
	uint32_t tag[2];
	const char *dump_dir;
};

static int fw_xfer(void *priv, uint8_t doe_type, const uint8_t *req, size_t req_len,
		   uint8_t *rsp, size_t rsp_cap)
{
	static uint8_t obj[MODEL_DOE_MAX], ans[MODEL_DOE_MAX];
	struct fw *f = priv;
	uint32_t dw;
	int n;

	if (req_len > MODEL_DOE_MAX - DOE_HDR)
		return -EMSGSIZE;
	if (f->host_fd >= 0) {
		struct tsm_bridge_doe x = {
			.domain = f->domain, .rid = f->dsm, .type = doe_type,
			.req_len = (req_len + 3) & ~3u, .rsp_len = sizeof(ans) - DOE_HDR,
			.req_ptr = (uintptr_t)obj, .rsp_ptr = (uintptr_t)ans,
		};

		uint64_t t0;
		int err;

		memset(obj, 0, x.req_len);
		memcpy(obj, req, req_len);
		t0 = now_us();
		err = ioctl(f->host_fd, TSM_BRIDGE_IOC_DOE, &x) ? -errno : 0;
		f->doe_us += now_us() - t0;
		f->exchanges++;
		if (err)
			return err;
		if (x.rsp_len > rsp_cap)
			return -ENOSPC;
		memcpy(rsp, ans, x.rsp_len);
		return x.rsp_len;
	}

	/* Socket: the payload is the whole DOE object. */
	dw = (DOE_HDR + req_len + 3) / 4;
	memset(obj, 0, dw * 4);
	obj[0] = PCI_SIG_VID & 0xff;
	obj[1] = PCI_SIG_VID >> 8;
	obj[2] = doe_type;
	put_le32(obj + 4, dw);
	memcpy(obj + DOE_HDR, req, req_len);
	n = sock_exchange(f->sock_fd, obj, dw * 4, ans, sizeof(ans));
	if (n < 0)
		return n;
	if (n < DOE_HDR || n % 4 || (ans[0] | ans[1] << 8) != PCI_SIG_VID ||
	    ans[2] != doe_type || (get_le32(ans + 4) & 0x3ffff) * 4 != (uint32_t)n)
		return -EIO;
	if ((size_t)n - DOE_HDR > rsp_cap)
		return -ENOSPC;
	memcpy(rsp, ans + DOE_HDR, n - DOE_HDR);
	return n - DOE_HDR;
}

/* Configuration space of a function through sysfs. */
static int cfg_rw(uint32_t domain, uint16_t rid, unsigned int where, uint32_t *val, bool write)
{
	char path[96], bdf[32];
	ssize_t n;
	int fd;

	fmt_bdf(bdf, sizeof(bdf), domain, rid);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, write ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return -errno;
	n = write ? pwrite(fd, val, 4, where) : pread(fd, val, 4, where);
	close(fd);
	return n == 4 ? 0 : -EIO;
}

/* Offset of Selective IDE Stream block @block of a function, or -errno. */
static int ide_sel_offset(uint32_t domain, uint16_t rid, unsigned int block)
{
	unsigned int pos = 0x100, links, nsel, i, guard;
	uint32_t hdr, cap, scap;
	int off;

	for (guard = 0; guard < 512; guard++) {
		if (cfg_rw(domain, rid, pos, &hdr, false))
			return -EIO;
		if ((hdr & 0xffff) == 0x30)
			break;
		pos = hdr >> 20;
		if (pos < 0x100 || pos & 3)
			return -ENODEV;
	}
	if (guard == 512 || cfg_rw(domain, rid, pos + 4, &cap, false))
		return -ENODEV;
	links = cap & 1 ? 1 + ((cap >> 13) & 7) : 0;
	nsel = 1 + ((cap >> 16) & 0xff);
	if (!(cap & 2) || block >= nsel)
		return -ENODEV;
	off = pos + 0x0c + 8 * links;
	for (i = 0; i < block; i++) {
		if (cfg_rw(domain, rid, off, &scap, false))
			return -EIO;
		off += 20 + 12 * (scap & 0xf);
		if (off > 0x1000 - 20)
			return -ENODEV;
	}
	return off;
}

/*
 * Locate the Selective IDE Stream block of end @i (0 endpoint, 1 root
 * port).  Return: the block's offset, or -errno.
 */
static int ide_end(struct fw *f, int i, uint32_t *dom, uint16_t *rid)
{
	*dom = i ? f->rp_domain : f->domain;
	*rid = i ? f->rp : f->dsm;
	return ide_sel_offset(*dom, *rid, i ? f->rp_block : f->ep_block);
}

/* Read-modify-write of the Selective IDE Stream Control of both ends. */
static int ide_ctl(struct fw *f, uint32_t clear, uint32_t set)
{
	uint32_t dom, v;
	uint16_t rid;
	int i, off;

	for (i = 0; i < (f->have_rp ? 2 : 1); i++) {
		off = ide_end(f, i, &dom, &rid);
		if (off < 0)
			return off;
		if (cfg_rw(dom, rid, off + 4, &v, false))
			return -EIO;
		v = (v & ~clear) | set;
		if (cfg_rw(dom, rid, off + 4, &v, true))
			return -EIO;
	}
	return 0;
}

/* Both ends in IDE state @state (0 Insecure, 2 Secure)?  -EBADE if not. */
static int ide_expect(struct fw *f, unsigned int state)
{
	uint32_t dom, v;
	uint16_t rid;
	int i, off;

	for (i = 0; i < (f->have_rp ? 2 : 1); i++) {
		off = ide_end(f, i, &dom, &rid);
		if (off < 0)
			return off;
		if (cfg_rw(dom, rid, off + 8, &v, false))
			return -EIO;
		printf("    %s IDE state %u\n", i ? "root port" : "endpoint", v & 0xf);
		if ((v & 0xf) != state)
			return -EBADE;
	}
	return 0;
}

/*
 * Root port keys of key set 0 set to go or stopped, one direction at a
 * time: it receives with the endpoint's Tx keys and sends with its Rx
 * keys (tags from the last ide-keys).
 */
static int rp_keys(struct fw *f, bool go)
{
	struct tsm_bridge_rp_key k = { .domain = f->rp_domain, .rid = f->rp };
	int dir;

	if (!f->have_rp)
		return 0;
	if (f->host_fd < 0)
		return -ENOTTY;
	for (dir = IDEKM_RX; dir <= IDEKM_TX; dir++) {
		k.key = (struct tsm_bridge_ide_key){
			.stream_id = f->stream_id, .key_set = 0, .dir = dir, .go = go,
			.tag = go ? f->tag[dir == IDEKM_RX ? IDEKM_TX : IDEKM_RX] : 0,
		};
		if (ioctl(f->host_fd, TSM_BRIDGE_IOC_IDE_KEY, &k))
			return -errno;
	}
	return 0;
}

/* All six keys of key set 0: {Rx, Tx} x {PR, NPR, CPL}. */
static int ide_keys(struct fw *f, int op)
{
	uint8_t keys[3][32], ifv[8] = { 0, 0, 0, 0, 1, 0, 0, 0 };
	int dir, sub, ret = 0;

	for (dir = IDEKM_RX; dir <= IDEKM_TX && !ret; dir++) {
		for (sub = IDEKM_SUB_PR; sub <= IDEKM_SUB_CPL && !ret; sub++) {
			if (op == 0) {
				if (RAND_bytes(keys[sub], sizeof(keys[sub])) != 1)
					ret = -EIO;
				else
					ret = idekm_key_prog(f->q, 0, f->stream_id, 0, dir, sub,
							     keys[sub], ifv);
			} else if (op == 1) {
				ret = idekm_key_go(f->q, 0, f->stream_id, 0, dir, sub);
			} else {
				ret = idekm_key_stop(f->q, 0, f->stream_id, 0, dir, sub);
			}
		}
		/* What the root port needs to know of them */
		if (op == 0 && !ret)
			ret = idekm_key_tag(keys, &f->tag[dir]);
	}
	OPENSSL_cleanse(keys, sizeof(keys));
	return ret;
}

static int dump(struct fw *f, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *fp;
	size_t n;

	if (!f->dump_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", f->dump_dir, name);
	fp = fopen(path, "wb");
	if (!fp)
		return -errno;
	n = fwrite(buf, 1, len, fp);
	if (fclose(fp) || n != len)
		return -EIO;
	return 0;
}

static int tdi_state_by_name(const char *s)
{
	static const char * const names[] = {
		"CONFIG_UNLOCKED", "CONFIG_LOCKED", "RUN", "ERROR"
	};
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* Toggle a config register of the TDI and restore it: a forbidden change. */
static int tdi_poke(struct fw *f, unsigned int where, uint32_t flip)
{
	uint32_t v, nv;
	int ret;

	ret = cfg_rw(f->domain, f->tdi, where, &v, false);
	if (ret)
		return ret;
	nv = v ^ flip;
	ret = cfg_rw(f->domain, f->tdi, where, &nv, true);
	if (!ret)
		ret = cfg_rw(f->domain, f->tdi, where, &v, true);
	return ret;
}

static int fw_step(struct fw *f, const char *step)
{
	static uint8_t buf[65536];
	const char *arg = strchr(step, '=');
	size_t namelen = arg ? (size_t)(arg - step) : strlen(step);
	char name[32];
	int ret, st;

	if (namelen >= sizeof(name))
		return -EINVAL;
	memcpy(name, step, namelen);
	name[namelen] = 0;
	if (arg)
		arg++;

	if (!strcmp(name, "vca"))
		return spdm_req_vca(f->q);
	if (!strcmp(name, "certs")) {
		const uint8_t *chain;
		size_t len;

		ret = spdm_req_get_certificate(f->q, arg ? atoi(arg) : 0);
		if (ret < 0)
			return ret;
		chain = spdm_req_cert_chain(f->q, &len);
		ret = dump(f, "chain.bin", chain, len);
		/* The DER certificates follow the 4 + 48 byte chain header. */
		if (!ret && len > 52)
			ret = dump(f, "chain.der", chain + 52, len - 52);
		return ret;
	}
	if (!strcmp(name, "challenge"))
		return spdm_req_challenge(f->q, arg ? atoi(arg) : 0);
	if (!strcmp(name, "measurements")) {
		ret = spdm_req_measurements(f->q, NULL, buf, sizeof(buf));
		if (ret >= 0)
			ret = dump(f, "measurements.bin", buf, ret);
		return ret;
	}
	if (!strcmp(name, "session"))
		return spdm_req_start_session(f->q, 0);
	if (!strcmp(name, "heartbeat"))
		return spdm_req_heartbeat(f->q);
	if (!strcmp(name, "key-update"))
		return spdm_req_key_update(f->q);
	if (!strcmp(name, "end"))
		return spdm_req_end_session(f->q);
	if (!strcmp(name, "ide-query")) {
		ret = idekm_query(f->q, 0, buf, sizeof(buf));
		if (ret >= 7 && (buf[4] << 8 | buf[3]) != f->dsm)
			return -EBADE;	/* QUERY_RESP names another function */
		return ret;
	}
	if (!strcmp(name, "ide-setup"))
		return ide_ctl(f, 0xffffffff, (uint32_t)f->stream_id << 24);
	if (!strcmp(name, "ide-keys"))
		return ide_keys(f, 0);
	if (!strcmp(name, "ide-go")) {
		ret = ide_keys(f, 1);
		return ret ? ret : rp_keys(f, true);
	}
	if (!strcmp(name, "ide-stop")) {
		ret = ide_keys(f, 2);
		return ret ? ret : rp_keys(f, false);
	}
	if (!strcmp(name, "ide-enable"))
		return ide_ctl(f, 0, 1);
	if (!strcmp(name, "ide-disable"))
		return ide_ctl(f, 0xffffffff, 0);
	if (!strcmp(name, "ide-secure"))
		return ide_expect(f, 2);
	if (!strcmp(name, "ide-insecure"))
		return ide_expect(f, 0);
	if (!strcmp(name, "tdisp-version"))
		return tdisp_get_version(f->q, f->tdi);
	if (!strcmp(name, "tdisp-caps"))
		return tdisp_get_capabilities(f->q, f->tdi, buf, sizeof(buf));
	if (!strcmp(name, "lock"))
		/* NO_FW_UPDATE | LOCK_MSIX, default stream, no MMIO offset */
		return tdisp_lock(f->q, f->tdi, 0x5, f->stream_id, 0, f->nonce);
	if (!strcmp(name, "report")) {
		ret = tdisp_get_report(f->q, f->tdi, f->portion, buf, sizeof(buf));
		if (ret >= 16)
			printf("    report: %d bytes, %u MMIO ranges\n", ret, get_le32(buf + 12));
		if (ret >= 0)
			ret = dump(f, "report.bin", buf, ret);
		return ret;
	}
	if (!strcmp(name, "start"))
		return tdisp_start(f->q, f->tdi, f->nonce);
	if (!strcmp(name, "bad-start")) {
		uint8_t bad[32];

		memcpy(bad, f->nonce, sizeof(bad));
		bad[0] ^= 1;
		return tdisp_start(f->q, f->tdi, bad);
	}
	if (!strcmp(name, "stop"))
		return tdisp_stop(f->q, f->tdi);
	if (!strcmp(name, "state")) {
		ret = tdisp_get_state(f->q, f->tdi);
		if (ret < 0 || !arg)
			return ret;
		st = tdi_state_by_name(arg);
		if (st < 0)
			return -EINVAL;
		printf("    TDI state %d\n", ret);
		return ret == st ? 0 : -EBADE;
	}
	if (!strcmp(name, "bar-write"))
		return tdi_poke(f, 0x10, 0x00100000);	/* BAR0 moves by 1 MiB */
	if (!strcmp(name, "bme-clear"))
		return tdi_poke(f, 0x04, 0x4);		/* Bus Master Enable */
	if (!strcmp(name, "tdi")) {
		uint32_t dom;
		uint16_t rid;

		if (!arg || parse_bdf(arg, &dom, &rid) || (rid & ~7) != f->dsm)
			return -EINVAL;
		f->tdi = rid;
		return 0;
	}
	if (!strcmp(name, "sleep")) {
		sleep_ms(arg ? atoi(arg) : 0);
		return 0;
	}
	fprintf(stderr, "tsm-model: unknown step '%s'\n", name);
	return -EINVAL;
}

static int run_firmware(struct fw *f, const char *root, int nsteps, char **steps)
{
	uint64_t start = now_us();
	int i, failures = 0;

	f->q = spdm_req_new(fw_xfer, f, root);
	if (!f->q) {
		fprintf(stderr, "tsm-model: cannot create the requester (trust anchor %s)\n", root);
		return 1;
	}
	for (i = 0; i < nsteps; i++) {
		const char *step = steps[i];
		bool expect_fail = step[0] == '!';
		uint64_t t0 = now_us();
		int ret;

		if (expect_fail)
			step++;
		ret = fw_step(f, step);
		if (ret < 0 && !expect_fail) {
			printf("step %s: failed: %s", step, strerror(-ret));
			if (ret == -EPROTO && tdisp_last_error(f->q))
				printf(" (TDISP error %#x)", tdisp_last_error(f->q));
			printf("\n");
			failures++;
			break;
		} else if (ret >= 0 && expect_fail) {
			printf("step %s: succeeded but was expected to fail\n", step);
			failures++;
			break;
		}
		printf("step %s: %s (%llu ms)\n", step,
		       expect_fail ? "failed as expected" : "ok",
		       (unsigned long long)(now_us() - t0) / 1000);
		if (expect_fail)
			printf("    error: %s\n", strerror(-ret));
	}
	spdm_req_free(f->q);
	/* For the benchmark: the requester's own time is wall minus DOE */
	printf("firmware: %llu us, %llu exchanges, %llu us in DOE\n",
	       (unsigned long long)(now_us() - start), (unsigned long long)f->exchanges,
	       (unsigned long long)f->doe_us);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Role: SEV-TIO firmware behind /dev/tsm_emu_psp                       */

/**
 * struct psp_dev_io - the platform of the firmware model
 * @fd: /dev/tsm_emu_psp
 * @host_fd: /dev/tsm_emu_host (root port keys), opened on first use
 * @host: its path
 * @ctl: control file (fw-* faults), re-read before every command
 * @verbose: log failed answers
 * @in: one message read from @fd
 * @out: one answer
 */
struct psp_dev_io {
	int fd;
	int host_fd;
	const char *host;
	struct ctl *ctl;
	bool verbose;
	uint8_t in[sizeof(struct tsm_psp_msg) + TSM_PSP_MAX_CMD];
	uint8_t out[sizeof(struct tsm_psp_msg) + TSM_PSP_MAX_CMD];
};

static int pio_recv(void *priv, uint32_t *cmd, uint64_t *tag, uint8_t *buf, size_t cap)
{
	struct psp_dev_io *io = priv;
	struct pollfd pfd = { .fd = io->fd, .events = POLLIN };
	struct tsm_psp_msg h;
	ssize_t n;

	if (stop_requested || poll(&pfd, 1, 500) <= 0)
		return -EAGAIN;
	n = read(io->fd, io->in, sizeof(io->in));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? -EAGAIN : -errno;
	if ((size_t)n < sizeof(h))
		return -EAGAIN;
	memcpy(&h, io->in, sizeof(h));
	if (h.len != (size_t)n - sizeof(h) || h.len > cap) {
		fprintf(stderr, "tsm-model: psp: malformed message (%zd bytes)\n", n);
		return -EAGAIN;
	}
	ctl_refresh(io->ctl);
	*cmd = h.cmd;
	*tag = h.tag;
	memcpy(buf, io->in + sizeof(h), h.len);
	return (int)h.len;
}

static int pio_reply(void *priv, uint32_t cmd, uint64_t tag, uint16_t status, const uint8_t *buf,
		     size_t len)
{
	struct psp_dev_io *io = priv;
	struct tsm_psp_msg h = { .cmd = cmd, .status = status, .tag = tag, .len = len };

	memcpy(io->out, &h, sizeof(h));
	memcpy(io->out + sizeof(h), buf, len);
	/* A command the kernel gave up on is no longer there: not fatal */
	if (write(io->fd, io->out, sizeof(h) + len) < 0 && io->verbose)
		fprintf(stderr, "tsm-model: psp: answer to %#x: %s\n", cmd, strerror(errno));
	return 0;
}

static int pio_mem(void *priv, uint64_t pa, void *buf, uint32_t len, bool write, bool *owned)
{
	struct psp_dev_io *io = priv;
	struct tsm_psp_mem m = {
		.pa = pa, .ptr = (uintptr_t)buf, .len = len,
		.flags = write ? TSM_PSP_MEM_WRITE : 0,
	};

	if (ioctl(io->fd, TSM_PSP_IOC_MEM, &m))
		return -errno;
	*owned = m.owner;
	return 0;
}

static int pio_ctx(void *priv, uint64_t pa, bool in_use)
{
	struct psp_dev_io *io = priv;
	struct tsm_psp_ctx c = { .pa = pa, .in_use = in_use };

	return ioctl(io->fd, TSM_PSP_IOC_CTX, &c) ? -errno : 0;
}

/* The root port: the parent directory of the endpoint in sysfs */
static int pio_root_port(void *priv, uint32_t segment, uint16_t rid, uint16_t *rp_rid,
			 uint8_t *port)
{
	char path[96], bdf[32], *real, *slash;
	unsigned int pos, guard;
	uint32_t v, dom;
	int rc = -ENODEV;

	fmt_bdf(bdf, sizeof(bdf), segment, rid);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	slash = strrchr(real, '/');
	if (slash)
		*slash = 0;
	slash = strrchr(real, '/');
	if (!slash || parse_bdf(slash + 1, &dom, rp_rid) || dom != segment)
		goto out;
	/* Walk the capability list to the PCI Express capability */
	if (cfg_rw(dom, *rp_rid, 0x34, &v, false))
		goto out;
	pos = v & 0xfc;
	for (guard = 0; pos >= 0x40 && guard < 48; guard++) {
		if (cfg_rw(dom, *rp_rid, pos, &v, false))
			goto out;
		if ((v & 0xff) == 0x10) {
			if (cfg_rw(dom, *rp_rid, pos + 0x0c, &v, false))
				goto out;
			*port = v >> 24;
			rc = 0;
			goto out;
		}
		pos = (v >> 8) & 0xfc;
	}
out:
	free(real);
	return rc;
}

static int pio_rp_key(void *priv, uint32_t segment, uint16_t rp_rid, uint8_t stream_id,
		      uint8_t key_set, uint8_t dir, bool go, uint32_t tag)
{
	struct psp_dev_io *io = priv;
	struct tsm_bridge_rp_key k = {
		.domain = segment, .rid = rp_rid,
		.key = { .stream_id = stream_id, .key_set = key_set, .dir = dir, .go = go,
			 .tag = tag },
	};

	if (io->host_fd < 0)
		io->host_fd = open(io->host, O_RDWR | O_CLOEXEC);
	if (io->host_fd < 0)
		return -errno;
	return ioctl(io->host_fd, TSM_BRIDGE_IOC_IDE_KEY, &k) ? -errno : 0;
}

static int run_psp(const char *dev, const char *host, const char *root, struct ctl *ctl,
		   bool verbose)
{
	static struct psp_dev_io io;
	struct psp_ops ops = {
		.recv = pio_recv, .reply = pio_reply, .mem = pio_mem, .ctx = pio_ctx,
		.root_port = pio_root_port, .rp_key = pio_rp_key, .priv = &io,
	};
	struct psp *p;
	int rc = 0;

	io.host_fd = -1;
	io.host = host;
	io.ctl = ctl;
	io.verbose = verbose;
	p = psp_new(&ops, root, verbose);
	if (!p) {
		fprintf(stderr, "tsm-model: cannot create the firmware (trust anchor %s)\n", root);
		return 1;
	}
	io.fd = open(dev, O_RDWR | O_CLOEXEC);
	if (io.fd < 0) {
		fprintf(stderr, "tsm-model: %s: %s\n", dev, strerror(errno));
		psp_free(p);
		return 1;
	}
	ctl->psp = p;
	ctl->mtime = (struct timespec){ 0, 0 };
	ctl_refresh(ctl);
	fprintf(stderr, "tsm-model: SEV-TIO firmware attached to %s\n", dev);
	while (!stop_requested) {
		if (stats_requested) {
			stats_requested = 0;
			psp_stats(p);
		}
		rc = psp_serve_one(p);
		if (rc < 0) {
			fprintf(stderr, "tsm-model: %s: %s\n", dev, strerror(-rc));
			break;
		}
	}
	psp_stats(p);
	ctl->psp = NULL;
	psp_free(p);
	close(io.fd);
	if (io.host_fd >= 0)
		close(io.host_fd);
	return rc < 0 ? 1 : 0;
}

/* ------------------------------------------------------------------ */

static const char usage_text[] =
"Usage: tsm-model device [--certs DIR] [--dev PATH] [--ctl FILE]\n"
"                        [--external A.B.C.D:PORT] [--key-log FILE] [-v]\n"
"       tsm-model responder --listen PORT [--port-file FILE] [--certs DIR] [--ctl FILE] [-v]\n"
"       tsm-model psp [--certs DIR] [--dev PATH] [--host PATH] [--root FILE] [--ctl FILE] [-v]\n"
"       tsm-model firmware --dsm DDDD:BB:DD.F [--rp DDDD:BB:DD.F] [--root FILE]\n"
"                 [--host PATH | --socket A.B.C.D:PORT] [--stream-id N] [--ep-block N]\n"
"                 [--rp-block N] [--portion N] [--dump DIR] STEP...\n"
"\n"
"firmware steps (\"!STEP\" must fail):\n"
"  vca certs[=SLOT] challenge[=SLOT] measurements session heartbeat key-update end\n"
"  ide-query ide-setup ide-keys ide-go ide-stop ide-enable ide-disable ide-secure\n"
"  ide-insecure tdisp-version tdisp-caps tdi=BDF lock report start bad-start stop\n"
"  state[=CONFIG_UNLOCKED|CONFIG_LOCKED|RUN|ERROR] bar-write bme-clear sleep=MS\n"
"\n"
"control file words: fault=drop|delay|bad-length|bad-signature|spdm-error|tdisp-error|\n"
"  truncated|oversized|malformed|ide-insecure|bad-chain, count=N,\n"
"  skip=N (messages let through first),\n"
"  delay_ms=N latency_ms=N latency_us=N\n"
"  psp: fw-status=CMD:STATUS[:ROUND] fw-expand=output|scratch:BYTES fw-expand-loop fw-drop\n"
"       fw-keep-ctx\n";

static void usage(void)
{
	fputs(usage_text, stderr);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "certs", required_argument, NULL, 'c' },
		{ "dev", required_argument, NULL, 'd' },
		{ "ctl", required_argument, NULL, 'C' },
		{ "external", required_argument, NULL, 'x' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "dsm", required_argument, NULL, 'D' },
		{ "rp", required_argument, NULL, 'R' },
		{ "root", required_argument, NULL, 'r' },
		{ "host", required_argument, NULL, 'H' },
		{ "socket", required_argument, NULL, 's' },
		{ "stream-id", required_argument, NULL, 'S' },
		{ "ep-block", required_argument, NULL, 'e' },
		{ "rp-block", required_argument, NULL, 'b' },
		{ "portion", required_argument, NULL, 'p' },
		{ "dump", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "key-log", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *certs = "/etc/tsm-model", *dev = "/dev/tsm_emu_model";
	const char *host = "/dev/tsm_emu_host", *sock = NULL, *external = NULL;
	const char *port_file = NULL, *root = NULL;
	struct model m = {
		.fd = -1,
		.ops = { .fn_info = op_fn_info, .ide_key = op_ide_key,
			 .tdi_state = op_tdi_state },
	};
	struct fw f = { .host_fd = -1, .sock_fd = -1, .stream_id = 1, .portion = 1024 };
	bool have_dsm = false, dev_set = false;
	int listen_port = -1;
	char rootbuf[512];
	const char *role;
	int c, ret;

	if (argc < 2) {
		usage();
		return 2;
	}
	role = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			certs = optarg;
			break;
		case 'd':
			dev = optarg;
			dev_set = true;
			break;
		case 'C':
			m.ctl.path = optarg;
			break;
		case 'x':
			external = optarg;
			break;
		case 'l':
			listen_port = atoi(optarg);
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'D':
			if (parse_bdf(optarg, &f.domain, &f.dsm) || (f.dsm & 7)) {
				fprintf(stderr, "tsm-model: bad DSM '%s' (function 0 expected)\n",
					optarg);
				return 2;
			}
			f.tdi = f.dsm;
			have_dsm = true;
			break;
		case 'R':
			if (parse_bdf(optarg, &f.rp_domain, &f.rp)) {
				fprintf(stderr, "tsm-model: bad root port '%s'\n", optarg);
				return 2;
			}
			f.have_rp = true;
			break;
		case 'r':
			root = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'S':
			f.stream_id = strtoul(optarg, NULL, 0);
			break;
		case 'e':
			f.ep_block = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			f.rp_block = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			f.portion = strtoul(optarg, NULL, 0);
			break;
		case 'o':
			f.dump_dir = optarg;
			break;
		case 'v':
			m.verbose = true;
			break;
		case 'K':
			m.key_log = optarg;
			break;
		default:
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_stats_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Injected latencies of microseconds: no timer slack */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	if (!strcmp(role, "device") || !strcmp(role, "responder")) {
		if (!strcmp(role, "responder") && listen_port < 0) {
			usage();
			return 2;
		}
		m.ops.priv = &m;
		m.id = model_identity_load(certs);
		if (!m.id)
			return 1;
		if (!strcmp(role, "device"))
			ret = run_device(&m, dev, external);
		else
			ret = run_responder(&m, listen_port, port_file);
		model_free(&m);
		return ret;
	}
	if (!strcmp(role, "psp")) {
		if (optind < argc) {
			usage();
			return 2;
		}
		if (!root) {
			snprintf(rootbuf, sizeof(rootbuf), "%s/root.der", certs);
			root = rootbuf;
		}
		return run_psp(dev_set ? dev : "/dev/tsm_emu_psp", host, root, &m.ctl, m.verbose);
	}
	if (!strcmp(role, "firmware")) {
		if (!have_dsm || optind >= argc) {
			usage();
			return 2;
		}
		if (!root) {
			snprintf(rootbuf, sizeof(rootbuf), "%s/root.der", certs);
			root = rootbuf;
		}
		if (sock) {
			f.sock_fd = sock_connect(sock);
			if (f.sock_fd < 0)
				return 1;
		} else {
			f.host_fd = open(host, O_RDWR | O_CLOEXEC);
			if (f.host_fd < 0) {
				fprintf(stderr, "tsm-model: %s: %s\n", host, strerror(errno));
				return 1;
			}
		}
		ret = run_firmware(&f, root, argc - optind, argv + optind);
		if (f.sock_fd >= 0) {
			sock_send(f.sock_fd, SOCK_CMD_SHUTDOWN, NULL, 0);
			close(f.sock_fd);
		}
		if (f.host_fd >= 0)
			close(f.host_fd);
		return ret;
	}
	usage();
	return 2;
}
