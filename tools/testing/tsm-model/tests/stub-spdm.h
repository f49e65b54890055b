/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test double of the SPDM requester for test-pcisig: spdm_req_vdm() hands
 * the message straight to pcisig_dev_vdm() of a test device, with a fake
 * platform (struct model_dev_ops) whose configuration space mirrors the
 * emulated TEE endpoint of samples/tsm/tsm-emu.h: functions 01:00.0 (DSM:
 * DOE, DEV3, IDE with 2 selective streams of 1 address block) and
 * 01:00.1 (DEV3 only), both with BAR0 (64-bit, 1 MiB, MSI-X table at 0,
 * PBA at 0x1000, 8 vectors), BAR2 (64-bit prefetchable, 2 MiB), a PCIe
 * capability at 0x40 and MSI-X at 0x80.
 */
#ifndef TSM_MODEL_STUB_SPDM_H
#define TSM_MODEL_STUB_SPDM_H

#include "model.h"

#define STUB_SEGMENT	0x10000
#define STUB_RID0	0x0100		/* 01:00.0 */
#define STUB_RID1	0x0101		/* 01:00.1 */
#define STUB_NR_FN	2
#define STUB_MAX_EV	128

/* Fabricated layout */
#define STUB_PCIE_OFF	0x40
#define STUB_MSIX_OFF	0x80
#define STUB_IDE_OFF	0x128		/* function 0 only */
#define STUB_BAR0_ADDR(f)	(0x1fe0000000ull + (f) * 0x400000ull)
#define STUB_BAR2_ADDR(f)	(STUB_BAR0_ADDR(f) + 0x200000ull)

enum stub_ev_kind { STUB_EV_IDE, STUB_EV_TDI };

struct stub_event {
	enum stub_ev_kind kind;
	uint32_t segment;
	uint16_t rid;
	/* STUB_EV_IDE: stream, key set, direction, tag */
	uint8_t stream_id;
	uint8_t key_set;
	uint8_t dir;
	uint32_t tag;
	int value;		/* go, or enum tdi_state */
};

struct stub;

/*
 * Response tamper hook: called with the device's answer (@len bytes, or
 * a negative errno) in @rsp; returns the length (or errno) the requester
 * sees.  @rsp has room for MODEL_DOE_MAX bytes.
 */
typedef int (*stub_hook_t)(struct stub *s, uint8_t proto,
			   const uint8_t *req, size_t req_len,
			   uint8_t *rsp, int len);

struct stub {
	struct spdm_req *q;
	struct pcisig_dev *dev;
	struct model_fn fn[STUB_NR_FN];
	bool fn_present[STUB_NR_FN];
	enum model_fault fault;
	struct stub_event ev[STUB_MAX_EV];
	unsigned int nr_ev;
	stub_hook_t hook;
	void *hook_priv;
	unsigned int hook_calls;
	unsigned int nr_xfer;
	size_t max_rsp;		/* largest protocol response seen */
	uint8_t last_req[MODEL_DOE_MAX];
	size_t last_req_len;
};

/* New device + requester with the default configuration */
struct stub *stub_new(void);
void stub_free(struct stub *s);
/* Rebuild function @f's configuration space with the defaults */
void stub_default_fn(struct stub *s, unsigned int f);
/* Configuration write: applies it to the fake space and reports it */
void stub_cfg_write(struct stub *s, uint16_t rid, uint32_t where,
		    uint32_t size, uint32_t val);
/* Number of events of @kind for @rid (TDI) or @stream (IDE) */
unsigned int stub_count(const struct stub *s, enum stub_ev_kind kind,
			unsigned int id);
/* Last event value of that kind/id, -1 if none */
int stub_last(const struct stub *s, enum stub_ev_kind kind, unsigned int id);
/* IDE events of one key set and direction of @stream */
unsigned int stub_key_count(const struct stub *s, unsigned int stream,
			    unsigned int key_set, unsigned int dir);
/* Last go of that key set and direction (its tag in *@tag), -1 if none */
int stub_key_last(const struct stub *s, unsigned int stream,
		  unsigned int key_set, unsigned int dir, uint32_t *tag);
void stub_clear_events(struct stub *s);

#endif
