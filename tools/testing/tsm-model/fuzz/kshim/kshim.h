/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little of the kernel's headers that drivers/pci/tdisp.c needs, for
 * building it into a user-space fuzz target.  Every linux/ header of this
 * directory includes this file; those with a user-space (uapi) namesake
 * include that one as well.
 */
#ifndef TSM_FUZZ_KSHIM_H
#define TSM_FUZZ_KSHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef u64 resource_size_t;
typedef unsigned int gfp_t;

#define U64_MAX			UINT64_MAX
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK(h, l)		(((~0UL) >> (63 - (h))) & (~0UL << (l)))
#define SZ_64K			0x00010000
#define DIV_ROUND_UP(n, d)	({ typeof(d) __d = (d); ((n) + __d - 1) / __d; })
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define min(a, b)		({ typeof(a) __a = (a); typeof(b) __b = (b);	\
				   __a < __b ? __a : __b; })
#define __counted_by(...)
#define EXPORT_SYMBOL_GPL(...)

/* A kernel warning is a bug the fuzzer must report */
#define WARN_ON(cond)		({ bool __c = !!(cond); if (__c) abort(); __c; })

#define MAX_ERRNO		4095
static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return (unsigned long)ptr >= (unsigned long)-MAX_ERRNO;
}

#define GFP_KERNEL		0u
static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return calloc(1, size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#define struct_size(p, member, n) \
	(sizeof(*(p)) + (size_t)(n) * sizeof((p)->member[0]))

/* x86 is little-endian */
static inline u16 get_unaligned_le16(const void *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 get_unaligned_le32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 get_unaligned_le64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

struct resource {
	resource_size_t start;
	resource_size_t end;
	unsigned long flags;
};

#define IORESOURCE_IO		0x00000100
#define IORESOURCE_MEM		0x00000200

static inline resource_size_t resource_size(const struct resource *res)
{
	return res->end - res->start + 1;
}

/* The function: its BARs and MSI-X capability, config reads by the harness */
struct pci_dev {
	u8 msix_cap;
	struct resource resource[6];
};

int pci_read_config_word(const struct pci_dev *dev, int where, u16 *val);
int pci_read_config_dword(const struct pci_dev *dev, int where, u32 *val);
static inline void pci_err(const struct pci_dev *pdev, const char *fmt, ...)
{
}

#endif
