/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsm-model: internals shared by the PCI-SIG protocols (idekm.c, tdisp.c).
 *
 * The device side keeps, per DSM, the IDE_KM key slots of every Stream ID
 * and the TDISP state of each interface (function) of the device.  Message
 * layouts are those of FACTS sections 4 (IDE_KM) and 5 (TDISP); every
 * multi-byte field is little-endian.
 */
#ifndef TSM_MODEL_PCISIG_H
#define TSM_MODEL_PCISIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* ---- IDE_KM ------------------------------------------------------- */

#define IDEKM_QUERY		0x00
#define IDEKM_QUERY_RESP	0x01
#define IDEKM_KEY_PROG		0x02
#define IDEKM_KP_ACK		0x03
#define IDEKM_K_SET_GO		0x04
#define IDEKM_K_SET_STOP	0x05
#define IDEKM_K_GOSTOP_ACK	0x06

#define IDEKM_QUERY_LEN		3
#define IDEKM_QUERY_RESP_HDR	7
#define IDEKM_KEY_PROG_LEN	47
#define IDEKM_ACK_LEN		7
#define IDEKM_GOSTOP_LEN	7

/* Key selector: bit 0 key set, bit 1 direction, [7:4] sub-stream */
#define IDEKM_KS_KEYSET		0x01
#define IDEKM_KS_DIR		0x02
#define IDEKM_KS_RSVD		0x0c
#define IDEKM_KS_SUB_SHIFT	4

#define IDEKM_KP_SUCCESS	0x00
#define IDEKM_KP_BAD_LENGTH	0x01
#define IDEKM_KP_BAD_PORT	0x02
#define IDEKM_KP_BAD_VALUE	0x03
#define IDEKM_KP_FAILURE	0x04

#define IDEKM_KEY_LEN		32
#define IDEKM_IFV_LEN		8
#define IDEKM_NR_STREAMS	256

/* ---- TDISP -------------------------------------------------------- */

#define TDISP_VERSION_10	0x10
#define TDISP_HDR_LEN		16
#define TDISP_IFID_OFF		4
#define TDISP_IFID_LEN		12

#define TDISP_GET_VERSION	0x81
#define TDISP_GET_CAPS		0x82
#define TDISP_LOCK		0x83
#define TDISP_GET_REPORT	0x84
#define TDISP_GET_STATE		0x85
#define TDISP_START		0x86
#define TDISP_STOP		0x87
#define TDISP_ERROR		0x7f
/* A response code is its request code without bit 7 */
#define TDISP_RSP(code)		((code) & 0x7f)

#define TDISP_VERSION_RSP_LEN	18	/* one version entry */
#define TDISP_CAPS_REQ_LEN	20
#define TDISP_CAPS_RSP_LEN	44
#define TDISP_LOCK_REQ_LEN	36
#define TDISP_LOCK_RSP_LEN	48
#define TDISP_REPORT_REQ_LEN	20
#define TDISP_REPORT_RSP_HDR	20
#define TDISP_STATE_RSP_LEN	17
#define TDISP_START_REQ_LEN	48
#define TDISP_ERROR_LEN		24
#define TDISP_NONCE_LEN		32

/* LOCK_INTERFACE flags */
#define TDISP_LOCK_NO_FW_UPDATE	0x0001
#define TDISP_LOCK_CACHE_128	0x0002
#define TDISP_LOCK_MSIX		0x0004
#define TDISP_LOCK_BIND_P2P	0x0008
#define TDISP_LOCK_ALL_REDIRECT	0x0010
/* What this device model supports */
#define TDISP_LOCK_SUPPORTED	(TDISP_LOCK_NO_FW_UPDATE | TDISP_LOCK_MSIX)

/* Error codes */
#define TDISP_ERR_INVALID_REQUEST	0x0001
#define TDISP_ERR_BUSY			0x0003
#define TDISP_ERR_INVALID_STATE		0x0004
#define TDISP_ERR_UNSPECIFIED		0x0005
#define TDISP_ERR_UNSUPPORTED_REQUEST	0x0007
#define TDISP_ERR_VERSION_MISMATCH	0x0041
#define TDISP_ERR_INVALID_INTERFACE	0x0101
#define TDISP_ERR_INVALID_NONCE		0x0102
#define TDISP_ERR_INSUFFICIENT_ENTROPY	0x0103
#define TDISP_ERR_INVALID_DEVICE_CONFIG	0x0104

/* INTERFACE_ID.FunctionID */
#define TDISP_FUNC_SEG_SHIFT	16
#define TDISP_FUNC_SEG_VALID	(1u << 24)

/* Device interface report */
#define TDISP_INFO_NO_FW_UPDATE	0x0001
#define TDISP_INFO_DMA_NO_PASID	0x0002
#define TDISP_RANGE_MSIX_TABLE	0x0001
#define TDISP_RANGE_MSIX_PBA	0x0002
#define TDISP_REPORT_HDR_LEN	16
#define TDISP_RANGE_LEN		16
/* Each BAR yields at most: gap, special, gap, special, gap */
#define TDISP_MAX_RANGES	(6 * 5)
#define TDISP_REPORT_MAX	(TDISP_REPORT_HDR_LEN + \
				 TDISP_MAX_RANGES * TDISP_RANGE_LEN + 4)
/*
 * Largest report portion the device returns: 20 + 1024 bytes of TDISP
 * message plus the SPDM VENDOR_DEFINED framing (12 bytes), the secured
 * message wrapping and the DOE header stay far below MODEL_DOE_MAX.
 */
#define TDISP_MAX_PORTION	1024

/* Functions of one device: devfn 0..7 of the DSM's bus and device */
#define PCISIG_MAX_FNS		8

/* ---- Device state ------------------------------------------------- */

/**
 * struct idekm_key - one key slot (stream, key set, direction, sub-stream)
 * @key: AES-256 key as received
 * @ifv: initial IV invocation field
 * @programmed: KEY_PROG stored a key
 * @go: K_SET_GO activated it
 */
struct idekm_key {
	uint8_t key[IDEKM_KEY_LEN];
	uint8_t ifv[IDEKM_IFV_LEN];
	bool programmed;
	bool go;
};

/**
 * struct idekm_stream - keys of one IDE Stream ID
 * @k: slots indexed [key set][direction][sub-stream]
 * @go: per [key set][direction]: last state reported through
 *	ops->ide_key()
 * @broken: per [key set][direction]: an injected %FAULT_IDE_INSECURE
 *	keeps those keys from being reported go until a K_SET_STOP of one
 *	of them
 * @tx_set: the key set whose Tx keys were all set to go last: the one the
 *	device transmits with (the other one, if its Tx keys are all in
 *	force, once one of these is stopped)
 * @ready: idekm_stream_ready() as last seen; its end stops the interfaces
 *	that use the stream
 */
struct idekm_stream {
	struct idekm_key k[2][2][3];
	bool go[2][2];
	bool broken[2][2];
	uint8_t tx_set;
	bool ready;
};

/**
 * struct tdisp_tdi - TDISP state of one interface
 * @state: TDISP state
 * @flags: LOCK_INTERFACE flags in force
 * @default_stream: DEFAULT_STREAM_ID of the lock
 * @mmio_offset: MMIO_REPORTING_OFFSET of the lock
 * @nonce: START_INTERFACE_NONCE of the lock
 * @pcie_off: offset of the PCIe capability (0: none), from lock time
 * @msix_off: offset of the MSI-X capability (0: none), from lock time
 * @bar_hi: bit i set when BAR dword i is the upper half of a 64-bit BAR,
 *	from lock time
 * @report: device interface report frozen at lock time
 * @report_len: its size
 */
struct tdisp_tdi {
	enum tdi_state state;
	uint16_t flags;
	uint8_t default_stream;
	uint64_t mmio_offset;
	uint8_t nonce[TDISP_NONCE_LEN];
	uint16_t pcie_off;
	uint16_t msix_off;
	uint8_t bar_hi;
	uint8_t report[TDISP_REPORT_MAX];
	size_t report_len;
};

struct pcisig_dev {
	uint32_t segment;
	uint16_t rid;
	struct model_dev_ops ops;
	struct idekm_stream streams[IDEKM_NR_STREAMS];
	struct tdisp_tdi tdi[PCISIG_MAX_FNS];
};

/* ---- Little-endian access ----------------------------------------- */

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- Configuration space helpers (idekm.c) ------------------------ */

#define PCI_CFG_SIZE		4096
#define PCI_CFG_LEGACY		256
#define PCI_EXT_CAP_IDE		0x30
#define PCI_CAP_EXP		0x10
#define PCI_CAP_MSIX		0x11

/* Offset of capability @id in the legacy list, 0 if absent or broken */
uint16_t pcisig_find_cap(const uint8_t *cfg, uint8_t id);
/* Offset of extended capability @id, 0 if absent or broken */
uint16_t pcisig_find_ext_cap(const uint8_t *cfg, uint16_t id);

/* ---- Cross-protocol hooks ----------------------------------------- */

int idekm_dev_handle(struct pcisig_dev *d, const uint8_t *req, size_t len,
		     uint8_t *rsp, size_t cap, enum model_fault *fault);
int tdisp_dev_handle(struct pcisig_dev *d, const uint8_t *req, size_t len,
		     uint8_t *rsp, size_t cap, enum model_fault *fault);
/*
 * Can @stream_id carry traffic both ways?  The Tx keys of the key set in
 * use and the Rx keys of at least one key set are all set to go.
 */
bool idekm_stream_ready(const struct pcisig_dev *d, uint8_t stream_id);
/* IDE stream @stream_id lost its keys: interfaces using it fail */
void tdisp_stream_stopped(struct pcisig_dev *d, uint8_t stream_id);
/* Session loss: locked and running interfaces fail */
void tdisp_session_end(struct pcisig_dev *d);
/* Reset of function @rid: its interface fails (FLR) or starts over */
void tdisp_fn_reset(struct pcisig_dev *d, uint16_t rid, bool conventional);

#endif /* TSM_MODEL_PCISIG_H */
