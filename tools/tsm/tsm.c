// SPDX-License-Identifier: GPL-2.0
/*
 * tsm - operate the PCI/TSM sysfs interface (TEE-IO device security)
 *
 *   tsm list [--json]
 *   tsm connect DEV [--tsm NAME]      tsm disconnect DEV
 *   tsm lock DEV [--tsm NAME]         tsm accept DEV      tsm unlock DEV
 *   tsm report DEV [--json]           tsm report --file FILE [--json]
 *   tsm evidence DEV --out DIR
 *   tsm verify DEV|--dir DIR --root CA [--nonce HEX]
 *
 * See tsm --help and tsm(8).  Exit status: 0 done; 1 the kernel refused
 * (the reason is printed); 2 usage error; 3 no such device or TSM;
 * 4 malformed data; 5 the evidence does not verify.
 *
 * The sysfs root is /sys, or $TSM_SYSFS for tests.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "evidence.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define EXIT_NODEV	3
#define EXIT_MALFORMED	4
#define EXIT_UNVERIFIED	5

/* TDISP DEVICE_INTERFACE_REPORT layout */
#define REPORT_HDR	16
#define REPORT_RANGE	16
#define REPORT_MAX	(1 << 20)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *sysfs = "/sys";

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("tsm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void path_of(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(buf, len, "%s/", sysfs);
	va_start(ap, fmt);
	if (n < 0 || (size_t)n >= len ||
	    vsnprintf(buf + n, len - n, fmt, ap) >= (int)(len - n))
		die(EXIT_USAGE, "path too long");
	va_end(ap);
}

/* Read a text attribute, without its trailing newline; false if absent */
static bool read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return true;
}

/* Read a binary attribute into a malloc()ed buffer; -errno on failure */
static long read_blob(const char *path, uint8_t **out)
{
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb;

			if (cap >= REPORT_MAX) {
				n = -1;
				errno = EFBIG;
				break;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				n = -1;
				errno = ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += n;
	}
	if (n < 0) {
		int err = errno;

		close(fd);
		free(buf);
		return -err;
	}
	close(fd);
	*out = buf;
	return (long)len;
}

/* Write @val to @path in one write(); 0 or -errno */
static int write_attr(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = n < 0 ? errno : 0;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

/* Full PCI name of @dev ("01:00.0" means 0000:01:00.0); exits if absent */
static void device_name(const char *dev, char *out, size_t len)
{
	char path[PATH_MAX];
	struct stat st;

	if (strchr(dev, '/') || strlen(dev) > 32)
		die(EXIT_USAGE, "'%s' is not a PCI device name", dev);
	if (strlen(dev) == 7)
		snprintf(out, len, "0000:%s", dev);
	else
		snprintf(out, len, "%s", dev);
	path_of(path, sizeof(path), "bus/pci/devices/%s", out);
	if (stat(path, &st))
		die(EXIT_NODEV, "no PCI device %s", out);
	path_of(path, sizeof(path), "bus/pci/devices/%s/tsm", out);
	if (stat(path, &st))
		die(EXIT_NODEV, "%s has no tsm/ directory: no TSM manages it", out);
}

/* ---- TSMs ------------------------------------------------------------ */

struct tsm_info {
	char name[32];
	char mode[16];
};

static int tsm_cmp(const void *a, const void *b)
{
	const struct tsm_info *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->name, y->name);
}

/* The registered TSMs, sorted by number; returns how many */
static int tsm_list(struct tsm_info *t, int max)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	path_of(path, sizeof(path), "class/tsm");
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (strncmp(de->d_name, "tsm", 3) || !isdigit(de->d_name[3]) ||
		    strlen(de->d_name) >= sizeof(t[n].name))
			continue;
		memcpy(t[n].name, de->d_name, strlen(de->d_name) + 1);
		path_of(path, sizeof(path), "class/tsm/%s/pci_mode",
			de->d_name);
		if (!read_attr(path, t[n].mode, sizeof(t[n].mode)))
			snprintf(t[n].mode, sizeof(t[n].mode), "none");
		n++;
	}
	closedir(d);
	qsort(t, n, sizeof(*t), tsm_cmp);
	return n;
}

/* The one TSM of @mode, or the one named @want (checked); exits if none */
static void tsm_pick(const char *mode, const char *want, char *out,
		     size_t len)
{
	struct tsm_info t[64];
	int i, n = tsm_list(t, 64), found = -1;

	for (i = 0; i < n; i++) {
		if (want) {
			if (!strcmp(t[i].name, want)) {
				if (strcmp(t[i].mode, mode))
					die(EXIT_NODEV, "%s is a %s TSM, not %s",
					    want, t[i].mode, mode);
				found = i;
			}
			continue;
		}
		if (strcmp(t[i].mode, mode))
			continue;
		if (found >= 0)
			die(EXIT_USAGE, "more than one %s TSM: choose one with --tsm",
			    mode);
		found = i;
	}
	if (found < 0)
		die(EXIT_NODEV, want ? "no TSM %s" : "no %s TSM is registered",
		    want ? want : mode);
	snprintf(out, len, "%s", t[found].name);
}

/* ---- list ------------------------------------------------------------ */

static const char * const dev_attrs[] = {
	"connect", "bound", "dsm", "lock", "state", "accept",
	"evidence_generation",
};

/* JSON string (our values are sysfs names and numbers; escape anyway) */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* An IDE stream registered below a host bridge, and its Endpoint */
struct stream_link {
	char name[32];
	char dev[64];
	char rp[64];
	unsigned int r, e;
};

/* ---- IDE stream state from configuration space ------------------------ */

#define PCI_EXT_CAP_IDE		0x30
#define CFG_MAX			4096

static uint32_t cfg32(const uint8_t *c, size_t off)
{
	return c[off] | c[off + 1] << 8 | c[off + 2] << 16 |
	       (uint32_t)c[off + 3] << 24;
}

/*
 * State of Selective IDE Stream register block @idx of PCI device @dev:
 * "secure", "insecure", "disabled", or "unknown" when its configuration
 * space cannot be read that far (reading past 64 bytes needs root).
 */
static const char *ide_block_state(const char *dev, unsigned int idx)
{
	static char other[24];
	uint8_t c[CFG_MAX];
	char path[PATH_MAX];
	uint32_t hdr, cap, sel, ctl;
	size_t off = 0x100, blk;
	unsigned int i, hops = 0;
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), "bus/pci/devices/%s/config", dev);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return "unknown";
	n = pread(fd, c, sizeof(c), 0);
	close(fd);
	if (n < 0x104)
		return "unknown";
	/* The extended capability list, at most one hop per dword */
	for (;;) {
		hdr = cfg32(c, off);
		if ((hdr & 0xffff) == PCI_EXT_CAP_IDE)
			break;
		off = (hdr >> 20) & 0xffc;
		if (!hdr || off < 0x100 || off + 4 > (size_t)n || ++hops > 1024)
			return "unknown";
	}
	if (off + 12 > (size_t)n)
		return "unknown";
	cap = cfg32(c, off + 4);
	if (!(cap & 2) || idx > ((cap >> 16) & 0xff))
		return "unknown";
	blk = off + 12 + (cap & 1 ? 8 * (((cap >> 13) & 7) + 1) : 0);
	for (i = 0; ; i++) {
		if (blk + 20 > (size_t)n)
			return "unknown";
		sel = cfg32(c, blk);
		if (i == idx)
			break;
		blk += 20 + 12 * (sel & 0xf);
	}
	ctl = cfg32(c, blk + 4);
	if (!(ctl & 1))
		return "disabled";
	switch (cfg32(c, blk + 8) & 0xf) {
	case 0:
		return "insecure";
	case 2:
		return "secure";
	default:
		snprintf(other, sizeof(other), "reserved-%u",
			 cfg32(c, blk + 8) & 0xf);
		return other;
	}
}

/* Every streamH.R.E link of every host bridge; returns how many */
static int stream_links(struct stream_link *sl, int max)
{
	char path[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	struct dirent *de, *le;
	DIR *d, *hb;
	int nr = 0;

	path_of(path, sizeof(path), "devices");
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "pci", 3))
			continue;
		path_of(path, sizeof(path), "devices/%s", de->d_name);
		hb = opendir(path);
		if (!hb)
			continue;
		while ((le = readdir(hb)) && nr < max) {
			char *base;
			ssize_t n;

			if (strncmp(le->d_name, "stream", 6) ||
			    strlen(le->d_name) >= sizeof(sl[nr].name))
				continue;
			if ((size_t)snprintf(link, sizeof(link), "%s/%s", path,
					     le->d_name) >= sizeof(link))
				continue;
			n = readlink(link, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			base = strrchr(target, '/');
			if (!base || base == target ||
			    strlen(base + 1) >= sizeof(sl[nr].dev))
				continue;
			memcpy(sl[nr].dev, base + 1, strlen(base + 1) + 1);
			/* The Root Port is the Endpoint's parent directory */
			*base = '\0';
			base = strrchr(target, '/');
			base = base ? base + 1 : target;
			if (strlen(base) >= sizeof(sl[nr].rp) ||
			    sscanf(le->d_name, "stream%*u.%u.%u", &sl[nr].r,
				   &sl[nr].e) != 2)
				continue;
			memcpy(sl[nr].rp, base, strlen(base) + 1);
			memcpy(sl[nr].name, le->d_name, strlen(le->d_name) + 1);
			nr++;
		}
		closedir(hb);
	}
	closedir(d);
	return nr;
}

static int dev_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static int cmd_list(bool json)
{
	struct tsm_info t[64];
	int i, j, n, nt = tsm_list(t, 64), nd = 0, ns;
	char path[PATH_MAX], val[256];
	struct stream_link sl[256];
	char *devs[1024];
	struct dirent *de;
	struct stat st;
	DIR *d;

	path_of(path, sizeof(path), "bus/pci/devices");
	d = opendir(path);
	if (!d)
		die(EXIT_NODEV, "no PCI bus in %s", sysfs);
	while ((de = readdir(d)) && nd < 1024) {
		if (de->d_name[0] == '.')
			continue;
		path_of(path, sizeof(path), "bus/pci/devices/%s/tsm",
			de->d_name);
		if (stat(path, &st))
			continue;
		devs[nd] = strdup(de->d_name);
		if (devs[nd])
			nd++;
	}
	closedir(d);
	qsort(devs, nd, sizeof(devs[0]), dev_cmp);
	ns = stream_links(sl, 256);

	if (json) {
		printf("{\"tsms\": [");
		for (i = 0; i < nt; i++) {
			printf("%s{\"name\": ", i ? ", " : "");
			json_str(t[i].name);
			printf(", \"pci_mode\": ");
			json_str(t[i].mode);
			putchar('}');
		}
		printf("], \"devices\": [");
	} else {
		printf("TSM     ROLE\n");
		for (i = 0; i < nt; i++)
			printf("%-7s %s\n", t[i].name, t[i].mode);
		printf("\nDEVICE          TSM STATE\n");
	}
	for (i = 0; i < nd; i++) {
		if (json) {
			printf("%s{\"device\": ", i ? ", " : "");
			json_str(devs[i]);
		} else {
			printf("%-15s", devs[i]);
		}
		for (j = 0; j < (int)ARRAY_SIZE(dev_attrs); j++) {
			path_of(path, sizeof(path), "bus/pci/devices/%s/tsm/%s",
				devs[i], dev_attrs[j]);
			if (!read_attr(path, val, sizeof(val)))
				continue;
			if (json) {
				printf(", ");
				json_str(dev_attrs[j]);
				printf(": ");
				json_str(val);
			} else if (val[0]) {
				printf(" %s=%s", dev_attrs[j], val);
			}
		}
		if (json)
			printf(", \"ide_streams\": [");
		for (j = 0, n = 0; j < ns; j++) {
			if (strcmp(sl[j].dev, devs[i]))
				continue;
			if (json) {
				printf("%s{\"name\": ", n ? ", " : "");
				json_str(sl[j].name);
				printf(", \"endpoint\": ");
				json_str(ide_block_state(sl[j].dev, sl[j].e));
				printf(", \"root_port\": ");
				json_str(ide_block_state(sl[j].rp, sl[j].r));
				putchar('}');
			} else {
				printf("%s%s:%s/%s", n ? " " : " ide=", sl[j].name,
				       ide_block_state(sl[j].dev, sl[j].e),
				       ide_block_state(sl[j].rp, sl[j].r));
			}
			n++;
		}
		printf(json ? "]}" : "\n");
		free(devs[i]);
	}
	if (json)
		printf("]}\n");
	return 0;
}

/* ---- verbs ----------------------------------------------------------- */

/* Why the kernel refused @verb with @err, from Documentation/ABI */
static const char *refusal(const char *verb, int err)
{
	bool devsec = !strcmp(verb, "lock") || !strcmp(verb, "unlock") ||
		      !strcmp(verb, "accept");

	switch (err) {
	case EPERM:
	case EACCES:
		return "permission denied (run as root)";
	case ENOTCONN:
		return "the device is not connected";
	case EOPNOTSUPP:
		if (!strcmp(verb, "ide_refresh"))
			return "its TSM cannot refresh IDE keys, or it has no IDE stream";
		return strerror(err);
	case EBUSY:
		if (!strcmp(verb, "connect"))
			return "the device already has a TSM context";
		if (!strcmp(verb, "accept"))
			return "already accepted, or a driver is bound";
		if (devsec)
			return "a driver is bound, or the device is already locked";
		return "the device is busy";
	case ENXIO:
		if (devsec)
			return "that TSM cannot lock this device (role, TEE-IO, owner)";
		return "that TSM does not manage this device, or it is not connected";
	case EINVAL:
		if (!strcmp(verb, "accept"))
			return "the device is not locked";
		return "not the device's TSM, or nothing to undo";
	case EIO:
		return "the TSM or device refused; TDISP ERROR? (unlock it)";
	case ESTALE:
		return "the interface report changed since lock: unlock and lock again";
	case EKEYREJECTED:
		return "the interface report does not match the TSM's digest";
	case EINTR:
		return "interrupted while waiting for another operation";
	default:
		return strerror(err);
	}
}

static int do_verb(const char *verb, const char *dev, const char *val)
{
	char path[PATH_MAX], line[64];
	int rc;

	path_of(path, sizeof(path), "bus/pci/devices/%s/tsm/%s", dev, verb);
	if (access(path, F_OK))
		die(EXIT_NODEV, "%s has no tsm/%s: wrong role for this device",
		    dev, verb);
	snprintf(line, sizeof(line), "%s\n", val);
	rc = write_attr(path, line);
	if (rc) {
		fprintf(stderr, "tsm: %s %s: %s (%s)\n", verb, dev,
			refusal(verb, -rc), strerror(-rc));
		return EXIT_REFUSED;
	}
	return 0;
}

/* The TSM named in tsm/@attr of @dev, for the undo verbs */
static void current_tsm(const char *dev, const char *attr, const char *verb,
			char *out, size_t len)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), "bus/pci/devices/%s/tsm/%s", dev, attr);
	if (!read_attr(path, out, len) || !out[0])
		die(EXIT_REFUSED, "%s %s: the device is not %sed", verb, dev,
		    attr);
}

/* ---- report ---------------------------------------------------------- */

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static const char * const info_bits[] = {
	"no-fw-update", "dma-without-pasid", "dma-with-pasid", "ats", "prs",
	"xt",
};

static const char * const range_bits[] = {
	"msix-table", "msix-pba", "non-tee", "updatable",
};

static void flags(uint32_t v, const char * const *names, int nr, bool json)
{
	bool first = true;
	int i;

	for (i = 0; i < nr; i++) {
		if (!(v & 1u << i))
			continue;
		if (json)
			printf("%s\"%s\"", first ? "" : ", ", names[i]);
		else
			printf("%s%s", first ? " " : ",", names[i]);
		first = false;
	}
}

/* Decode a TDISP interface report; every length is checked first */
static int decode_report(const uint8_t *r, size_t len, bool json)
{
	uint32_t count, info_len, i;
	size_t need;

	if (len < REPORT_HDR + 4) {
		fprintf(stderr, "tsm: report of %zu bytes: too short\n", len);
		return EXIT_MALFORMED;
	}
	count = le32(r + 12);
	need = REPORT_HDR + (size_t)count * REPORT_RANGE + 4;
	if (count > (REPORT_MAX / REPORT_RANGE) || need > len) {
		fprintf(stderr, "tsm: report of %zu bytes cannot hold %u MMIO ranges\n",
			len, count);
		return EXIT_MALFORMED;
	}
	info_len = le32(r + need - 4);
	if (info_len != len - need) {
		fprintf(stderr, "tsm: report of %zu bytes: %u info bytes do not fit\n",
			len, info_len);
		return EXIT_MALFORMED;
	}

	if (json) {
		printf("{\"interface_info\": %u, \"interface_flags\": [",
		       le16(r));
		flags(le16(r), info_bits, 6, true);
		printf("], \"msix_control\": %u, \"lnr_control\": %u, ",
		       le16(r + 4), le16(r + 6));
		printf("\"tph_control\": %u, \"mmio_ranges\": [", le32(r + 8));
	} else {
		printf("interface info: %#06x", le16(r));
		flags(le16(r), info_bits, 6, false);
		printf("\nMSI-X control:  %#06x\n", le16(r + 4));
		printf("LNR control:    %#06x\n", le16(r + 6));
		printf("TPH control:    %#010x\n", le32(r + 8));
		printf("MMIO ranges:    %u\n", count);
	}
	for (i = 0; i < count; i++) {
		const uint8_t *p = r + REPORT_HDR + i * REPORT_RANGE;
		uint16_t attr = le16(p + 12);

		if (json) {
			printf("%s{\"first_page\": %llu, \"pages\": %u, ",
			       i ? ", " : "", (unsigned long long)le64(p),
			       le32(p + 8));
			printf("\"range_id\": %u, \"attributes\": %u, \"flags\": [",
			       le16(p + 14), attr);
			flags(attr, range_bits, 4, true);
			printf("]}");
		} else {
			printf("  %2u: BAR %u pages %#llx-%#llx (%u)%s", i,
			       le16(p + 14), (unsigned long long)le64(p),
			       (unsigned long long)(le64(p) + le32(p + 8) - 1),
			       le32(p + 8), attr & 7 ? "" : " tee");
			flags(attr, range_bits, 4, false);
			putchar('\n');
		}
	}
	if (json)
		printf("], \"device_info_length\": %u}\n", info_len);
	else
		printf("device-specific information: %u bytes\n", info_len);
	return 0;
}

static int cmd_report(const char *dev, const char *file, bool json)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	long n;
	int rc;

	if (file) {
		snprintf(path, sizeof(path), "%s", file);
	} else {
		path_of(path, sizeof(path), "bus/pci/devices/%s/tsm/report",
			dev);
	}
	n = read_blob(path, &buf);
	if (n < 0)
		die(n == -ENOENT ? EXIT_NODEV : EXIT_REFUSED, "%s: %s", path,
		    strerror(-n));
	if (n == 0) {
		free(buf);
		die(EXIT_REFUSED, "%s has no interface report (not bound or locked)",
		    file ? file : dev);
	}
	rc = decode_report(buf, n, json);
	free(buf);
	return rc;
}

/* ---- evidence -------------------------------------------------------- */

/* The evidence files of a device, read as one consistent set */
struct evidence {
	uint8_t *certs, *meas, *report;
	long certs_len, meas_len, report_len;
	unsigned long long gen;
};

static void evidence_free(struct evidence *ev)
{
	free(ev->certs);
	free(ev->meas);
	free(ev->report);
	memset(ev, 0, sizeof(*ev));
}

/* A binary attribute of @dev; an absent file reads as empty */
static long dev_blob(const char *dev, const char *attr, uint8_t **out)
{
	char path[PATH_MAX];
	long n;

	*out = NULL;
	path_of(path, sizeof(path), "bus/pci/devices/%s/tsm/%s", dev, attr);
	n = read_blob(path, out);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		die(EXIT_REFUSED, "%s: %s", path, strerror(-n));
	return n;
}

static unsigned long long dev_generation(const char *dev)
{
	char path[PATH_MAX], val[32];

	path_of(path, sizeof(path), "bus/pci/devices/%s/tsm/evidence_generation",
		dev);
	if (!read_attr(path, val, sizeof(val)))
		die(EXIT_NODEV, "%s has no tsm/evidence_generation", dev);
	return strtoull(val, NULL, 10);
}

/*
 * Read certs, measurements and report between two reads of the evidence
 * generation, as the ABI asks, until both reads agree.
 */
static void read_evidence(const char *dev, struct evidence *ev)
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		memset(ev, 0, sizeof(*ev));
		ev->gen = dev_generation(dev);
		ev->certs_len = dev_blob(dev, "certs", &ev->certs);
		ev->meas_len = dev_blob(dev, "measurements", &ev->meas);
		ev->report_len = dev_blob(dev, "report", &ev->report);
		if (dev_generation(dev) == ev->gen)
			break;
		evidence_free(ev);
	}
	if (tries == 8)
		die(EXIT_REFUSED, "%s: the evidence changed during 8 reads in a row",
		    dev);
	if (!ev->gen || (!ev->certs_len && !ev->meas_len && !ev->report_len)) {
		evidence_free(ev);
		die(EXIT_REFUSED, "%s has no evidence: not connected (host) or not locked (guest)",
		    dev);
	}
}

static void write_file(const char *dir, const char *name, const void *buf,
		       size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		die(EXIT_USAGE, "%s: path too long", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EXIT_REFUSED, "%s: %s", path, strerror(errno));
	n = write(fd, buf, len);
	if (n < 0 || (size_t)n != len || close(fd))
		die(EXIT_REFUSED, "%s: cannot write", path);
}

static int cmd_evidence(const char *dev, const char *dir)
{
	struct evidence ev;
	char path[PATH_MAX], gen[32];
	int rc = 0, n;
	FILE *fp;

	read_evidence(dev, &ev);
	if (mkdir(dir, 0755) && errno != EEXIST)
		die(EXIT_REFUSED, "%s: %s", dir, strerror(errno));
	snprintf(gen, sizeof(gen), "%llu\n", ev.gen);
	write_file(dir, "generation", gen, strlen(gen));
	printf("%s: evidence generation %llu\n", dev, ev.gen);
	if (ev.certs_len) {
		write_file(dir, "certs.bin", ev.certs, ev.certs_len);
		snprintf(path, sizeof(path), "%s/chain.pem", dir);
		fp = fopen(path, "w");
		if (!fp)
			die(EXIT_REFUSED, "%s: %s", path, strerror(errno));
		n = tsm_ev_chain_pem(ev.certs, ev.certs_len, fp);
		if (fclose(fp) && n >= 0)
			n = -EIO;
		if (n < 0) {
			unlink(path);
			fprintf(stderr, "tsm: %s: certificate chain: %s\n", dev,
				tsm_ev_error());
			rc = n == -EIO ? EXIT_REFUSED : EXIT_MALFORMED;
		} else {
			printf("certs.bin: %ld bytes; chain.pem: %d certificates\n",
			       ev.certs_len, n);
		}
	}
	if (ev.meas_len) {
		write_file(dir, "measurements.bin", ev.meas, ev.meas_len);
		printf("measurements.bin: %ld bytes\n", ev.meas_len);
	}
	if (ev.report_len) {
		write_file(dir, "report.bin", ev.report, ev.report_len);
		printf("report.bin: %ld bytes\n", ev.report_len);
	}
	evidence_free(&ev);
	return rc;
}

/* A certificate in PEM (the first one) or DER */
static X509 *load_cert(const char *file)
{
	const uint8_t *p;
	uint8_t *buf = NULL;
	X509 *x = NULL;
	BIO *bio;
	long n;

	n = read_blob(file, &buf);
	if (n < 0)
		die(n == -ENOENT ? EXIT_USAGE : EXIT_REFUSED, "%s: %s", file,
		    strerror(-n));
	bio = BIO_new_mem_buf(buf, (int)n);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!x) {
		p = buf;
		x = d2i_X509(NULL, &p, n);
		if (x && p != buf + n) {
			X509_free(x);
			x = NULL;
		}
	}
	free(buf);
	if (!x)
		die(EXIT_USAGE, "%s holds no PEM or DER certificate", file);
	return x;
}

static void print_name(const char *what, X509_NAME *name)
{
	char buf[256];

	X509_NAME_oneline(name, buf, sizeof(buf));
	printf("  %s: %s\n", what, buf);
}

static bool parse_nonce(const char *hex, uint8_t out[TSM_EV_NONCE])
{
	unsigned int i, v;

	if (strlen(hex) != 2 * TSM_EV_NONCE)
		return false;
	for (i = 0; i < TSM_EV_NONCE; i++) {
		if (!isxdigit(hex[2 * i]) || !isxdigit(hex[2 * i + 1]) ||
		    sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = v;
	}
	return true;
}

static void print_hex(const uint8_t *p, size_t len, size_t max)
{
	size_t i;

	for (i = 0; i < len && i < max; i++)
		printf("%02x", p[i]);
	if (len > max)
		printf("...");
}

/* Check the chain to @anchor and the measurement signature of @ev */
static int verify_evidence(const struct evidence *ev, X509 *anchor,
			   const uint8_t *nonce)
{
	struct stack_st_X509 *sk;
	struct tsm_ev_meas m;
	struct tsm_ev_block b;
	EVP_PKEY *leaf = NULL;
	size_t off = 0;
	int rc;

	if (!ev->certs_len || !ev->meas_len) {
		fprintf(stderr, "tsm: no %s: the device is not connected\n",
			ev->certs_len ? "measurements" : "certificate chain");
		return EXIT_REFUSED;
	}
	sk = tsm_ev_chain_certs(ev->certs, ev->certs_len);
	if (!sk) {
		fprintf(stderr, "tsm: certificate chain: %s\n", tsm_ev_error());
		return EXIT_MALFORMED;
	}
	printf("certificate chain: %d certificates\n", sk_X509_num(sk));
	print_name("anchor", X509_get_subject_name(anchor));
	print_name("leaf", X509_get_subject_name(sk_X509_value(sk, sk_X509_num(sk) - 1)));
	sk_X509_pop_free(sk, X509_free);
	rc = tsm_ev_chain_verify(anchor, ev->certs, ev->certs_len, &leaf);
	if (rc) {
		fprintf(stderr, "tsm: certificate chain: %s\n", tsm_ev_error());
		return rc == -EBADMSG ? EXIT_UNVERIFIED : EXIT_MALFORMED;
	}
	printf("  verified to the root\n");

	if (tsm_ev_meas_plain(ev->meas, ev->meas_len)) {
		fprintf(stderr, "tsm: measurements: %s\n",
			"a MEASUREMENTS response without its transcript; its signature cannot be checked");
		EVP_PKEY_free(leaf);
		return EXIT_UNVERIFIED;
	}
	if (tsm_ev_meas_parse(ev->meas, ev->meas_len, &m)) {
		fprintf(stderr, "tsm: measurements: %s\n", tsm_ev_error());
		EVP_PKEY_free(leaf);
		return EXIT_MALFORMED;
	}
	rc = tsm_ev_meas_signed(leaf, ev->meas, &m);
	EVP_PKEY_free(leaf);
	if (rc) {
		fprintf(stderr, "tsm: measurements: %s\n", tsm_ev_error());
		return EXIT_UNVERIFIED;
	}
	printf("measurements: SPDM %u.%u, %u blocks, signature verified\n",
	       m.version >> 4, m.version & 0xf, m.blocks);
	printf("  nonce: ");
	print_hex(m.nonce, TSM_EV_NONCE, TSM_EV_NONCE);
	putchar('\n');
	while (tsm_ev_meas_next(&m, &off, &b) > 0) {
		printf("  %3u: ", b.index);
		if (b.dmtf)
			printf("%s%s ", tsm_ev_type_name(b.type),
			       b.type & 0x80 ? " (raw)" : "");
		print_hex(b.value, b.len, 48);
		putchar('\n');
	}
	if (nonce && memcmp(nonce, m.nonce, TSM_EV_NONCE)) {
		fprintf(stderr, "tsm: measurements: not signed over the nonce given\n");
		return EXIT_UNVERIFIED;
	}
	return 0;
}

static long dir_blob(const char *dir, const char *name, uint8_t **out)
{
	char path[PATH_MAX];
	long n;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		die(EXIT_USAGE, "%s: path too long", dir);
	n = read_blob(path, out);
	if (n < 0)
		die(n == -ENOENT ? EXIT_USAGE : EXIT_REFUSED, "%s: %s", path,
		    strerror(-n));
	return n;
}

static int cmd_verify(const char *dev, const char *dir, const char *root,
		      const char *nonce_hex)
{
	uint8_t nonce[TSM_EV_NONCE];
	struct evidence ev = { 0 };
	X509 *anchor;
	int rc;

	if (nonce_hex && !parse_nonce(nonce_hex, nonce))
		die(EXIT_USAGE, "--nonce takes %d hex digits", 2 * TSM_EV_NONCE);
	anchor = load_cert(root);
	if (dev) {
		read_evidence(dev, &ev);
		printf("%s: evidence generation %llu\n", dev, ev.gen);
	} else {
		ev.certs_len = dir_blob(dir, "certs.bin", &ev.certs);
		ev.meas_len = dir_blob(dir, "measurements.bin", &ev.meas);
	}
	rc = verify_evidence(&ev, anchor, nonce_hex ? nonce : NULL);
	X509_free(anchor);
	evidence_free(&ev);
	return rc;
}

/* ---- main ------------------------------------------------------------ */

static void print_help(FILE *f)
{
	fputs("Usage: tsm COMMAND [ARGS]\n"
	      "\n"
	      "  list [--json]                 TSMs with their role; devices a TSM manages,\n"
	      "                                with their TSM state and IDE streams\n"
	      "  connect DEV [--tsm NAME]      host: SPDM session and IDE with the link TSM\n"
	      "  disconnect DEV                host: undo connect\n"
	      "  refresh DEV                   host: roll the IDE keys of a connected device\n"
	      "  lock DEV [--tsm NAME]         guest: TDISP CONFIG_LOCKED, report checked\n"
	      "  accept DEV                    guest: TDISP RUN, private MMIO and DMA\n"
	      "  unlock DEV                    guest: undo lock (and accept)\n"
	      "  report DEV [--json]           decode the TDISP interface report of DEV\n"
	      "  report --file FILE [--json]   decode a report saved in FILE\n"
	      "  evidence DEV --out DIR        save certs.bin, chain.pem, measurements.bin,\n"
	      "                                report.bin and generation of DEV in DIR\n"
	      "  verify DEV --root CA [--nonce HEX]\n"
	      "                                check DEV's certificate chain to the root CA\n"
	      "                                (PEM or DER) and its measurement signature\n"
	      "  verify --dir DIR --root CA [--nonce HEX]\n"
	      "                                the same for evidence saved in DIR\n"
	      "\n"
	      "DEV is a PCI device name, DDDD:BB:DD.F (or BB:DD.F in domain 0000).\n"
	      "Without --tsm, the only TSM of the needed role is used.\n"
	      "--nonce: the 32-byte nonce (64 hex digits) the measurements must be\n"
	      "signed over, after it was written to tsm/measurements.\n"
	      "\n"
	      "Exit status: 0 done, 1 refused by the kernel (the reason is printed),\n"
	      "2 usage error, 3 no such device or TSM, 4 malformed data,\n"
	      "5 the evidence does not verify.\n"
	      "The sysfs root is /sys, or $TSM_SYSFS if set.\n", f);
}

int main(int argc, char **argv)
{
	const char *cmd, *dev_arg = NULL, *tsm_arg = NULL, *file = NULL;
	const char *out = NULL, *dir = NULL, *root = NULL, *nonce = NULL;
	/* The options that take a value */
	const struct {
		const char *name;
		const char **val;
	} opts[] = {
		{ "--tsm", &tsm_arg }, { "--file", &file }, { "--out", &out },
		{ "--dir", &dir }, { "--root", &root }, { "--nonce", &nonce },
	};
	char dev[64], name[32];
	bool json = false;
	int i, j;

	if (getenv("TSM_SYSFS"))
		sysfs = getenv("TSM_SYSFS");
	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		print_help(stdout);
		return 0;
	}
	for (i = 2; i < argc; i++) {
		for (j = 0; j < (int)ARRAY_SIZE(opts); j++)
			if (!strcmp(argv[i], opts[j].name) && i + 1 < argc)
				break;
		if (j < (int)ARRAY_SIZE(opts)) {
			*opts[j].val = argv[++i];
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] != '-' && !dev_arg) {
			dev_arg = argv[i];
		} else {
			fprintf(stderr, "tsm: unexpected argument '%s'\n",
				argv[i]);
			print_help(stderr);
			return EXIT_USAGE;
		}
	}

	if (!strcmp(cmd, "verify")) {
		if (!!dev_arg == !!dir || !root || tsm_arg || file || out || json)
			die(EXIT_USAGE, "verify takes a device or --dir DIR, %s",
			    "--root CA and optionally --nonce HEX");
		if (dev_arg)
			device_name(dev_arg, dev, sizeof(dev));
		return cmd_verify(dev_arg ? dev : NULL, dir, root, nonce);
	}
	if (dir || root || nonce)
		die(EXIT_USAGE, "--dir, --root and --nonce are options of verify");
	if (!strcmp(cmd, "evidence")) {
		if (!dev_arg || !out || tsm_arg || file || json)
			die(EXIT_USAGE, "evidence takes a device and --out DIR");
		device_name(dev_arg, dev, sizeof(dev));
		return cmd_evidence(dev, out);
	}
	if (out)
		die(EXIT_USAGE, "--out is an option of evidence");
	if (!strcmp(cmd, "list")) {
		if (dev_arg || tsm_arg || file)
			die(EXIT_USAGE, "list takes only --json");
		return cmd_list(json);
	}
	if (!strcmp(cmd, "report")) {
		if (!!dev_arg == !!file || tsm_arg)
			die(EXIT_USAGE, "report takes a device or --file FILE");
		if (dev_arg)
			device_name(dev_arg, dev, sizeof(dev));
		return cmd_report(dev_arg ? dev : NULL, file, json);
	}

	if (!dev_arg || json || file)
		die(EXIT_USAGE, "%s takes a device%s", cmd,
		    strcmp(cmd, "connect") && strcmp(cmd, "lock") ? "" :
		    " and optionally --tsm NAME");
	if (tsm_arg && strcmp(cmd, "connect") && strcmp(cmd, "lock"))
		die(EXIT_USAGE, "%s takes no --tsm: the device's TSM is used",
		    cmd);
	device_name(dev_arg, dev, sizeof(dev));

	if (!strcmp(cmd, "connect")) {
		tsm_pick("link", tsm_arg, name, sizeof(name));
		return do_verb("connect", dev, name);
	}
	if (!strcmp(cmd, "lock")) {
		tsm_pick("devsec", tsm_arg, name, sizeof(name));
		return do_verb("lock", dev, name);
	}
	if (!strcmp(cmd, "disconnect")) {
		current_tsm(dev, "connect", cmd, name, sizeof(name));
		return do_verb("disconnect", dev, name);
	}
	if (!strcmp(cmd, "unlock")) {
		current_tsm(dev, "lock", cmd, name, sizeof(name));
		return do_verb("unlock", dev, name);
	}
	if (!strcmp(cmd, "accept"))
		return do_verb("accept", dev, "1");
	if (!strcmp(cmd, "refresh"))
		return do_verb("ide_refresh", dev, "1");
	fprintf(stderr, "tsm: unknown command '%s'\n", cmd);
	print_help(stderr);
	return EXIT_USAGE;
}
