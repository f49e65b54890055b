/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SEV-TIO host backend: firmware command layer (sev-tio-cmd.c) and
 * link TSM (sev-tio-tsm.c).
 *
 * Layouts follow the SEV-TIO firmware interface: every command buffer
 * starts with its length; device and interface contexts and the SPDM
 * buffers are described to the firmware by Scatter-List Addresses (SLA).
 */
#ifndef __SEV_TIO_H
#define __SEV_TIO_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/mutex.h>
#include <linux/pci-tsm.h>
#include <linux/psp-sev-tio.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "sev-tio-seam.h"

struct pci_ide;

/* Firmware command IDs */
#define SEV_TIO_CMD_STATUS		0x0d0
#define SEV_TIO_CMD_INIT		0x0d1
#define SEV_TIO_CMD_DEV_CREATE		0x0d2
#define SEV_TIO_CMD_DEV_RECLAIM		0x0d3
#define SEV_TIO_CMD_DEV_CONNECT		0x0d4
#define SEV_TIO_CMD_DEV_DISCONNECT	0x0d5
#define SEV_TIO_CMD_DEV_STATUS		0x0d6
#define SEV_TIO_CMD_DEV_MEASUREMENTS	0x0d7
#define SEV_TIO_CMD_DEV_CERTIFICATES	0x0d8
#define SEV_TIO_CMD_TDI_CREATE		0x0da
#define SEV_TIO_CMD_TDI_RECLAIM		0x0db
#define SEV_TIO_CMD_TDI_BIND		0x0dc
#define SEV_TIO_CMD_TDI_UNBIND		0x0dd
#define SEV_TIO_CMD_TDI_REPORT		0x0de
#define SEV_TIO_CMD_TDI_STATUS		0x0df
#define SEV_TIO_CMD_GUEST_REQUEST	0x0e0
#define SEV_TIO_CMD_ASID_FENCE_CLEAR	0x0e1
#define SEV_TIO_CMD_ASID_FENCE_STATUS	0x0e2
#define SEV_TIO_CMD_TDI_INFO		0x0e3
#define SEV_TIO_CMD_TDI_DIGEST_REPORT	0x0e4
#define SEV_TIO_CMD_ROLL_KEY		0x0e5

/* Firmware statuses the command layer acts on (others are errors) */
#define SEV_TIO_RET_SUCCESS		0x00
#define SEV_TIO_RET_EXPAND_BUFFER	0x31
#define SEV_TIO_RET_SPDM_REQUEST	0x32
#define SEV_TIO_RET_SPDM_ERROR		0x33
#define SEV_TIO_RET_ERR_IN_DEV_CONN	0x35
#define SEV_TIO_RET_INVALID_DEV_STATE	0x3b
#define SEV_TIO_RET_INVALID_TDI_STATE	0x3c

/* Scatter-List Address */
#define SEV_TIO_SLA_SCATTER		BIT_ULL(0)
#define SEV_TIO_SLA_PFN			GENMASK_ULL(51, 12)
#define SEV_TIO_SLA_EOL			SEV_TIO_SLA_PFN
#define SEV_TIO_SLA_PER_PAGE		(PAGE_SIZE / sizeof(u64))

/* Object IDs of the data object header */
#define SEV_TIO_OBJ_REQ			1
#define SEV_TIO_OBJ_RESP		2
#define SEV_TIO_OBJ_CERTS		4
#define SEV_TIO_OBJ_MEAS		5
#define SEV_TIO_OBJ_REPORT		6

/* type of a measurement object: the MEASUREMENTS response, or the log */
#define SEV_TIO_MEAS_PLAIN		1
#define SEV_TIO_MEAS_LOG		2
/* type of a certificate or report object */
#define SEV_TIO_EVIDENCE_TYPE		1

/* data_type of request/response objects, the DOE type of the message */
#define SEV_TIO_DATA_SPDM		1
#define SEV_TIO_DATA_SECURED_SPDM	2

/* Upper bound of any SPDM buffer, whatever the firmware asks for */
#define SEV_TIO_BUF_MAX			SZ_1M
/* Upper bound of SPDM round trips of one command */
#define SEV_TIO_MAX_ROUNDS		4096

/* TDI_BIND lock flags */
#define SEV_TIO_LOCK_NO_FW_UPDATE	BIT(0)
#define SEV_TIO_LOCK_MSIX		BIT(2)
#define SEV_TIO_LOCK_BIND_P2P		BIT(3)
#define SEV_TIO_LOCK_ALL_REQ_REDIRECT	BIT(4)

/* sev_tio_buf_alloc() flags */
#define SEV_TIO_BUF_FW			BIT(0)
#define SEV_TIO_BUF_SPDM		BIT(1)

/* DEV_DISCONNECT flags */
#define SEV_TIO_DISCONNECT_FORCE	BIT(0)
/* TDI_UNBIND flags */
#define SEV_TIO_UNBIND_FORCE		BIT(0)
/* TDI_BIND run_flags: start the bound interface (AMD: RUN_FORCE) */
#define SEV_TIO_BIND_RUN_FORCE		BIT(0)
/* DEV_MEASUREMENTS flags */
#define SEV_TIO_MEAS_RAW_BITSTREAM	BIT(0)
/* TDI_CREATE interface ID: the segment is valid */
#define SEV_TIO_TDI_RSEG_VALID		BIT(24)

/**
 * struct sev_tio_buf_hdr - header at the start of every SPDM buffer
 * @capacity: total capacity of the buffer in bytes
 * @payload_sz: payload bytes following the header, a multiple of 32
 * @flags: bit 0: payload encrypted
 * @reserved: zero
 * @iv: IV of an encrypted payload
 * @tag: authentication tag of an encrypted payload
 * @reserved1: zero
 */
struct sev_tio_buf_hdr {
	__le32 capacity;
	__le32 payload_sz;
	__le32 flags;
	__le32 reserved;
	u8 iv[16];
	u8 tag[16];
	u8 reserved1[16];
} __packed;

/**
 * struct sev_tio_obj_hdr - SPDM request or response object header
 * @id: %SEV_TIO_OBJ_REQ or %SEV_TIO_OBJ_RESP
 * @length: object length in bytes, header included
 * @ver_minor: 0
 * @ver_major: 1
 * @data_type: %SEV_TIO_DATA_SPDM or %SEV_TIO_DATA_SECURED_SPDM
 * @reserved: zero
 */
struct sev_tio_obj_hdr {
	__le32 id;
	__le32 length;
	u8 ver_minor;
	u8 ver_major;
	u8 data_type;
	u8 reserved[5];
} __packed;

/**
 * struct sev_tio_evidence_hdr - certificate, measurement or report object
 *	header
 * @id: %SEV_TIO_OBJ_CERTS, %SEV_TIO_OBJ_MEAS or %SEV_TIO_OBJ_REPORT
 * @length: object length in bytes, header included
 * @ver_minor: minor version
 * @ver_major: major version
 * @reserved: zero
 * @device_id: Requester ID of the function
 * @segment_id: PCI segment
 * @type: certificates and report: 1; measurements: %SEV_TIO_MEAS_PLAIN
 *	  or %SEV_TIO_MEAS_LOG (AMDESE/linux-kvm
 *	  drivers/crypto/ccp/sev-dev-tio.h @ 16f379f5463a)
 * @reserved1: zero
 */
struct sev_tio_evidence_hdr {
	__le32 id;
	__le32 length;
	u8 ver_minor;
	u8 ver_major;
	u8 reserved[6];
	__le16 device_id;
	u8 segment_id;
	u8 type;
	u8 reserved1[12];
} __packed;

/* Where objects live in an SPDM buffer */
#define SEV_TIO_OBJ_OFFSET	sizeof(struct sev_tio_buf_hdr)
#define SEV_TIO_SPDM_OFFSET	(SEV_TIO_OBJ_OFFSET + \
				 sizeof(struct sev_tio_obj_hdr))

/**
 * struct sev_tio_spdm_ctrl - SPDM control block of SPDM-capable commands
 * @req: SLA of the request buffer (firmware to host)
 * @resp: SLA of the response buffer (host to firmware)
 * @scratch: SLA of the scratch buffer
 * @output: SLA of the output buffer
 */
struct sev_tio_spdm_ctrl {
	__le64 req;
	__le64 resp;
	__le64 scratch;
	__le64 output;
} __packed;

/**
 * struct sev_tio_status - TIO_STATUS output
 * @length: bytes written by the firmware, at least 48
 * @flags: bit 0 tio_en, bit 1 tio_init_done, others reserved
 * @spdm_req_size_min: minimum SPDM request buffer size
 * @spdm_req_size_max: maximum SPDM request buffer size
 * @spdm_scratch_size_min: minimum scratch buffer size
 * @spdm_scratch_size_max: maximum scratch buffer size
 * @spdm_out_size_min: minimum output buffer size
 * @spdm_out_size_max: maximum output buffer size
 * @spdm_rsp_size_min: minimum SPDM response buffer size
 * @spdm_rsp_size_max: maximum SPDM response buffer size
 * @devctx_size: size of a device context
 * @tdictx_size: size of an interface context
 * @tio_crypto_alg: cryptographic algorithms of the firmware
 * @reserved: zero
 */
struct sev_tio_status {
	__le32 length;
	__le32 flags;
	__le32 spdm_req_size_min;
	__le32 spdm_req_size_max;
	__le32 spdm_scratch_size_min;
	__le32 spdm_scratch_size_max;
	__le32 spdm_out_size_min;
	__le32 spdm_out_size_max;
	__le32 spdm_rsp_size_min;
	__le32 spdm_rsp_size_max;
	__le32 devctx_size;
	__le32 tdictx_size;
	__le32 tio_crypto_alg;
	u8 reserved[12];
} __packed;

#define SEV_TIO_STATUS_TIO_EN		BIT(0)
#define SEV_TIO_STATUS_INIT_DONE	BIT(1)
#define SEV_TIO_STATUS_MIN_LEN		48

/**
 * struct sev_tio_dev_status - DEV_STATUS output
 * @length: bytes written
 * @ctx_state: state of the device context
 * @reserved: zero
 * @pending: bit 0 request pending, bit 1 interface request pending
 * @certs_slot: certificate slot of the session
 * @device_id: Requester ID of function 0
 * @segment_id: PCI segment
 * @tc_mask: traffic classes set up
 * @pending_cmd: command of the pending request
 * @reserved1: zero
 * @pending_if: interface ID of the pending request
 * @meas_flags: bit 0 meas_digest valid, bit 1 no firmware update
 * @reserved2: zero
 * @ide_stream_id: Stream ID per traffic class
 * @reserved3: zero
 * @certs_digest: digest of the certificate chain
 * @meas_digest: digest of the measurements
 * @tdi_count: interfaces known
 * @bound_tdi_count: interfaces bound
 * @spdm_algos: algorithms of the SPDM session (as in TDI_INFO)
 */
struct sev_tio_dev_status {
	__le32 length;
	u8 ctx_state;
	u8 reserved;
	u8 pending;
	u8 certs_slot;
	__le16 device_id;
	u8 segment_id;
	u8 tc_mask;
	__le16 pending_cmd;
	__le16 reserved1;
	u8 pending_if[12];
	u8 meas_flags;
	u8 reserved2[3];
	u8 ide_stream_id[8];
	u8 reserved3[8];
	u8 certs_digest[48];
	u8 meas_digest[48];
	__le32 tdi_count;
	__le32 bound_tdi_count;
	u8 spdm_algos[8];
} __packed;
static_assert(sizeof(struct sev_tio_dev_status) == 160);

/*
 * Command buffers.  Every buffer starts with its length in bytes; the PSP
 * driver copies sizeof() of the structure (sev_cmd_buffer_len()), and the
 * firmware refuses any other length.
 *
 * Layouts checked against AMD's current code, which FACTS 6.11 summarises:
 * torvalds/linux drivers/crypto/ccp/sev-dev-tio.c @ 8934827db540 and
 * AMDESE/linux-kvm drivers/crypto/ccp/sev-dev-tio.c @ 16f379f5463a (the
 * commands mainline does not issue: DEV_STATUS, the TDI commands,
 * GUEST_REQUEST, the ASID fence and ROLL_KEY).
 */

/**
 * struct sev_tio_cmd_status - TIO_STATUS (0xD0)
 * @length: 16
 * @reserved: zero
 * @status_paddr: firmware page receiving &struct sev_tio_status
 */
struct sev_tio_cmd_status {
	__le32 length;
	__le32 reserved;
	__le64 status_paddr;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_status) == 16);

/**
 * struct sev_tio_cmd_init - TIO_INIT (0xD1)
 * @length: 16
 * @reserved: zero
 */
struct sev_tio_cmd_init {
	__le32 length;
	u8 reserved[12];
} __packed;
static_assert(sizeof(struct sev_tio_cmd_init) == 16);

/**
 * struct sev_tio_cmd_dev_create - TIO_DEV_CREATE (0xD2)
 * @length: 32
 * @reserved: zero
 * @dev_ctx: SLA of the device context
 * @device_id: Requester ID of function 0 of the DSM
 * @root_port_id: Port Number (LNKCAP) of the root port above the DSM
 * @segment_id: PCI segment
 * @reserved1: zero
 */
struct sev_tio_cmd_dev_create {
	__le32 length;
	__le32 reserved;
	__le64 dev_ctx;
	__le16 device_id;
	__le16 root_port_id;
	u8 segment_id;
	u8 reserved1[11];
} __packed;
static_assert(sizeof(struct sev_tio_cmd_dev_create) == 32);

/**
 * struct sev_tio_cmd_dev_reclaim - TIO_DEV_RECLAIM (0xD3)
 * @length: 16
 * @reserved: zero
 * @dev_ctx: SLA of the device context
 */
struct sev_tio_cmd_dev_reclaim {
	__le32 length;
	__le32 reserved;
	__le64 dev_ctx;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_dev_reclaim) == 16);

/**
 * struct sev_tio_cmd_dev_connect - TIO_DEV_CONNECT (0xD4)
 * @length: 80
 * @reserved: zero
 * @spdm: SPDM buffers
 * @reserved1: zero
 * @dev_ctx: SLA of the device context
 * @tc_mask: traffic classes to set up, bit 0 always
 * @cert_slot: SPDM certificate slot of the session
 * @reserved2: zero
 * @ide_stream_id: IDE Stream ID per traffic class, 0xff if unused
 * @reserved3: zero
 */
struct sev_tio_cmd_dev_connect {
	__le32 length;
	__le32 reserved;
	struct sev_tio_spdm_ctrl spdm;
	u8 reserved1[8];
	__le64 dev_ctx;
	u8 tc_mask;
	u8 cert_slot;
	u8 reserved2[6];
	u8 ide_stream_id[8];
	u8 reserved3[8];
} __packed;
static_assert(sizeof(struct sev_tio_cmd_dev_connect) == 80);

/**
 * struct sev_tio_cmd_dev_disconnect - TIO_DEV_DISCONNECT (0xD5)
 * @length: 48
 * @flags: %SEV_TIO_DISCONNECT_FORCE: no SPDM traffic
 * @spdm: SPDM buffers
 * @dev_ctx: SLA of the device context
 */
struct sev_tio_cmd_dev_disconnect {
	__le32 length;
	__le32 flags;
	struct sev_tio_spdm_ctrl spdm;
	__le64 dev_ctx;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_dev_disconnect) == 48);

/**
 * struct sev_tio_cmd_dev_status - TIO_DEV_STATUS (0xD6)
 * @length: 32
 * @reserved: zero
 * @dev_ctx: SLA of the device context
 * @status_paddr: firmware page receiving &struct sev_tio_dev_status
 * @reserved1: zero
 *
 * 32 bytes with the page address at 16 (the Feb 2025 RFC had 28 bytes and
 * a status length at 16).
 */
struct sev_tio_cmd_dev_status {
	__le32 length;
	__le32 reserved;
	__le64 dev_ctx;
	__le64 status_paddr;
	__le64 reserved1;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_dev_status) == 32);

/**
 * struct sev_tio_cmd_dev_meas - TIO_DEV_MEASUREMENTS (0xD7)
 * @length: 80
 * @flags: %SEV_TIO_MEAS_RAW_BITSTREAM
 * @spdm: SPDM buffers
 * @dev_ctx: SLA of the device context
 * @nonce: nonce the measurements are signed over
 */
struct sev_tio_cmd_dev_meas {
	__le32 length;
	__le32 flags;
	struct sev_tio_spdm_ctrl spdm;
	__le64 dev_ctx;
	u8 nonce[32];
} __packed;
static_assert(sizeof(struct sev_tio_cmd_dev_meas) == 80);

/**
 * struct sev_tio_cmd_dev_certs - TIO_DEV_CERTIFICATES (0xD8)
 * @length: 48
 * @reserved: zero
 * @spdm: SPDM buffers
 * @dev_ctx: SLA of the device context
 */
struct sev_tio_cmd_dev_certs {
	__le32 length;
	__le32 reserved;
	struct sev_tio_spdm_ctrl spdm;
	__le64 dev_ctx;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_dev_certs) == 48);

/**
 * struct sev_tio_cmd_tdi_create - TIO_TDI_CREATE (0xDA)
 * @length: 48
 * @reserved: zero
 * @dev_ctx: SLA of the device context
 * @tdi_ctx: SLA of the interface context
 * @interface_id: TDISP function ID: Requester ID, and the segment with
 *		  %SEV_TIO_TDI_RSEG_VALID only for a segment other than 0
 * @reserved1: rest of the TDISP interface ID, zero
 * @reserved2: zero
 */
struct sev_tio_cmd_tdi_create {
	__le32 length;
	__le32 reserved;
	__le64 dev_ctx;
	__le64 tdi_ctx;
	__le32 interface_id;
	u8 reserved1[8];
	u8 reserved2[12];
} __packed;
static_assert(sizeof(struct sev_tio_cmd_tdi_create) == 48);

/**
 * struct sev_tio_cmd_tdi_reclaim - TIO_TDI_RECLAIM (0xDB)
 * @length: 32
 * @reserved: zero
 * @dev_ctx: SLA of the device context
 * @tdi_ctx: SLA of the interface context
 * @reserved1: zero
 */
struct sev_tio_cmd_tdi_reclaim {
	__le32 length;
	__le32 reserved;
	__le64 dev_ctx;
	__le64 tdi_ctx;
	__le64 reserved1;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_tdi_reclaim) == 32);

/**
 * struct sev_tio_cmd_tdi_bind - TIO_TDI_BIND (0xDC)
 * @length: 80
 * @reserved: zero
 * @spdm: SPDM buffers
 * @dev_ctx: SLA of the device context
 * @tdi_ctx: SLA of the interface context
 * @gctx_paddr: SNP guest context page of the VM
 * @guest_device_id: Requester ID of the function in the VM
 * @lock_flags: SEV_TIO_LOCK_* (TDISP LOCK_INTERFACE flags)
 * @run_flags: %SEV_TIO_BIND_RUN_FORCE: start the bound interface
 * @reserved1: zero
 *
 * 80 bytes (the Feb 2025 RFC had 72).
 */
struct sev_tio_cmd_tdi_bind {
	__le32 length;
	__le32 reserved;
	struct sev_tio_spdm_ctrl spdm;
	__le64 dev_ctx;
	__le64 tdi_ctx;
	__le64 gctx_paddr;
	__le16 guest_device_id;
	__le16 lock_flags;
	__le16 run_flags;
	u8 reserved1[10];
} __packed;
static_assert(sizeof(struct sev_tio_cmd_tdi_bind) == 80);

/**
 * struct sev_tio_cmd_tdi - TIO_TDI_UNBIND (0xDD), TIO_TDI_REPORT (0xDE)
 *	and TIO_TDI_STATUS (0xDF)
 * @length: 64
 * @flags: TDI_UNBIND: %SEV_TIO_UNBIND_FORCE; else zero
 * @spdm: SPDM buffers
 * @dev_ctx: SLA of the device context
 * @tdi_ctx: SLA of the interface context
 * @paddr: TDI_UNBIND and TDI_REPORT: the guest context page; TDI_STATUS:
 *	   the firmware page receiving &struct sev_tio_tdi_status
 */
struct sev_tio_cmd_tdi {
	__le32 length;
	__le32 flags;
	struct sev_tio_spdm_ctrl spdm;
	__le64 dev_ctx;
	__le64 tdi_ctx;
	__le64 paddr;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_tdi) == 64);

/**
 * struct sev_tio_cmd_guest_request - TIO_GUEST_REQUEST (0xE0)
 * @length: 80
 * @reserved: zero
 * @spdm: SPDM buffers
 * @dev_ctx: SLA of the device context
 * @tdi_ctx: SLA of the interface context
 * @gctx_paddr: SNP guest context page of the VM
 * @req_paddr: page holding the guest's request message (host-owned)
 * @res_paddr: page receiving the response message; firmware-owned, as
 *	       for SNP_GUEST_REQUEST
 */
struct sev_tio_cmd_guest_request {
	__le32 length;
	__le32 reserved;
	struct sev_tio_spdm_ctrl spdm;
	__le64 dev_ctx;
	__le64 tdi_ctx;
	__le64 gctx_paddr;
	__le64 req_paddr;
	__le64 res_paddr;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_guest_request) == 80);

/**
 * struct sev_tio_cmd_asid_fence_clear - TIO_ASID_FENCE_CLEAR (0xE1)
 * @length: 32
 * @reserved: zero
 * @dev_ctx: SLA of the device context
 * @gctx_paddr: SNP guest context page of the fenced VM
 * @reserved1: zero
 *
 * AMD's current layout; an older one carried the root port's Requester ID
 * and segment instead of the device context.
 */
struct sev_tio_cmd_asid_fence_clear {
	__le32 length;
	__le32 reserved;
	__le64 dev_ctx;
	__le64 gctx_paddr;
	u8 reserved1[8];
} __packed;
static_assert(sizeof(struct sev_tio_cmd_asid_fence_clear) == 32);

/**
 * struct sev_tio_cmd_asid_fence_status - TIO_ASID_FENCE_STATUS (0xE2)
 * @length: 32
 * @reserved: zero
 * @dev_ctx: SLA of the device context
 * @asid: ASID of the VM
 * @status_paddr: firmware page receiving a 64-bit fence state
 *		  (%SEV_TIO_FENCE_DMA, %SEV_TIO_FENCE_MMIO); unaligned
 * @reserved1: zero
 */
struct sev_tio_cmd_asid_fence_status {
	__le32 length;
	__le32 reserved;
	__le64 dev_ctx;
	__le32 asid;
	__le64 status_paddr;
	u8 reserved1[4];
} __packed;
static_assert(sizeof(struct sev_tio_cmd_asid_fence_status) == 32);

/* ASID_FENCE_STATUS result: 0 not fenced, else fenced */
#define SEV_TIO_FENCE_DMA		GENMASK_ULL(1, 0)
#define SEV_TIO_FENCE_MMIO		GENMASK_ULL(3, 2)

/**
 * struct sev_tio_cmd_roll_key - TIO_ROLL_KEY (0xE5)
 * @length: 48
 * @reserved: zero
 * @spdm: SPDM buffers
 * @dev_ctx: SLA of the device context
 */
struct sev_tio_cmd_roll_key {
	__le32 length;
	__le32 reserved;
	struct sev_tio_spdm_ctrl spdm;
	__le64 dev_ctx;
} __packed;
static_assert(sizeof(struct sev_tio_cmd_roll_key) == 48);

/**
 * struct sev_tio_tdi_status - TIO_TDI_STATUS output
 * @length: bytes written
 * @tdisp_state: 0 CONFIG_UNLOCKED, 1 CONFIG_LOCKED, 2 RUN, 3 ERROR
 * @reserved: zero
 */
struct sev_tio_tdi_status {
	__le32 length;
	u8 tdisp_state;
	u8 reserved[11];
} __packed;
static_assert(sizeof(struct sev_tio_tdi_status) == 16);

/**
 * struct sev_tio_caps - buffer sizes from TIO_STATUS, checked
 * @req_size: request and response buffer size
 * @scratch_size: scratch buffer size
 * @out_size: output buffer size
 * @devctx_size: device context size
 * @tdictx_size: interface context size
 */
struct sev_tio_caps {
	u32 req_size;
	u32 scratch_size;
	u32 out_size;
	u32 devctx_size;
	u32 tdictx_size;
};

/**
 * struct sev_tio - one SEV-TIO capable firmware
 * @parent: device of the PSP, parent of the TSM device
 * @ops: the firmware seam
 * @priv: cookie of @ops
 * @tsm_dev: the registered link TSM
 * @caps: buffer sizes
 * @spdm_timeout: longest time in jiffies one SPDM-capable command may take
 *		  with its exchanges with the device
 * @fw_pages: pages currently owned by the firmware on our behalf
 * @leaked_pages: pages the firmware did not give back (never freed)
 */
struct sev_tio {
	struct device *parent;
	const struct sev_tio_fw_ops *ops;
	void *priv;
	struct tsm_dev *tsm_dev;
	struct sev_tio_caps caps;
	unsigned long spdm_timeout;
	atomic_t fw_pages;
	atomic_t leaked_pages;
};

/**
 * struct sev_tio_buf - a buffer described to the firmware by an SLA
 * @va: kernel address of the (physically contiguous) data pages
 * @npages: number of 4 KiB data pages
 * @scatter: scatter page listing the data pages when @npages > 1
 * @sla: the SLA that describes the buffer
 * @fw_owned: the data pages are firmware-owned
 *
 * A zeroed &struct sev_tio_buf is an unallocated buffer (SLA_NULL).
 */
struct sev_tio_buf {
	void *va;
	unsigned int npages;
	__le64 *scatter;
	u64 sla;
	bool fw_owned;
};

/**
 * struct sev_tio_dev - SEV-TIO device context of a DSM
 * @tio: firmware
 * @pdev: the DSM (function 0)
 * @ctx: device context (firmware-owned)
 * @req: SPDM request buffer (firmware-owned, host reads)
 * @resp: SPDM response buffer (host-owned, firmware reads)
 * @scratch: firmware scratch buffer (firmware-owned)
 * @output: output buffer (firmware-owned)
 * @device_id: Requester ID of @pdev
 * @root_port_id: Port Number of the root port above @pdev
 * @segment: PCI segment of @pdev
 * @cert_slot: SPDM certificate slot of the session
 * @tc_mask: traffic classes to set up (bit 0 always)
 * @stream_id: IDE Stream ID per traffic class, 0xff if unused
 * @connected: DEV_CONNECT succeeded and no DEV_DISCONNECT since
 * @link_lost: a ROLL_KEY failed in a way that leaves the SPDM session and
 *	       the IDE keys in a state the host cannot know; cleared by the
 *	       next DEV_CONNECT
 * @spdm_rounds: SPDM exchanges carried for the last SPDM-capable command
 * @fw_err: firmware status the last SPDM-capable command ended with, -1
 *	    if the firmware was not reached
 */
struct sev_tio_dev {
	struct sev_tio *tio;
	struct pci_dev *pdev;
	struct sev_tio_buf ctx;
	struct sev_tio_buf req;
	struct sev_tio_buf resp;
	struct sev_tio_buf scratch;
	struct sev_tio_buf output;
	u16 device_id;
	u16 root_port_id;
	u8 segment;
	u8 cert_slot;
	u8 tc_mask;
	u8 stream_id[8];
	bool connected;
	bool link_lost;
	unsigned int spdm_rounds;
	int fw_err;
};

/**
 * struct sev_tio_tdi - SEV-TIO interface context
 * @dev: device context of the DSM
 * @pdev: the function
 * @ctx: interface context (firmware-owned)
 * @resp: response page of GUEST_REQUEST (firmware-owned, as SNP requires
 *	  of guest request response pages)
 * @interface_id: TDISP interface ID (function ID)
 * @gctx_paddr: guest context of the VM the interface is bound to
 * @asid: ASID of that VM
 * @guest_rid: Requester ID of the function in the VM
 * @bound: TDI_BIND succeeded and no TDI_UNBIND since
 * @ran: a TDI_BIND with RUN_FORCE succeeded since the first TDI_BIND: the
 *	 VM's ASID may be fenced after the unbind
 */
struct sev_tio_tdi {
	struct sev_tio_dev *dev;
	struct pci_dev *pdev;
	struct sev_tio_buf ctx;
	struct sev_tio_buf resp;
	u32 interface_id;
	u64 gctx_paddr;
	u32 asid;
	u16 guest_rid;
	bool bound;
	bool ran;
};

/**
 * struct sev_tio_dsm - link context of a DSM
 * @pf0: core context
 * @dev: SEV-TIO device context
 * @ide: the IDE stream while connected
 */
struct sev_tio_dsm {
	struct pci_tsm_pf0 pf0;
	struct sev_tio_dev dev;
	struct pci_ide *ide;
};

/**
 * struct sev_tio_blob - evidence object payload copied out of the firmware
 * @data: payload (kvmalloc'ed)
 * @len: its size
 * @type: type byte of the object header (%SEV_TIO_MEAS_PLAIN or
 *	  %SEV_TIO_MEAS_LOG for measurements, 1 for the others)
 */
struct sev_tio_blob {
	void *data;
	size_t len;
	u8 type;
};

/* sev-tio-cmd.c */
#if IS_ENABLED(CONFIG_PCI_TSM)
size_t sev_tio_cmd_buffer_len(int cmd);
#else
static inline size_t sev_tio_cmd_buffer_len(int cmd)
{
	return 0;
}
#endif
int sev_tio_fw_cmd(struct sev_tio *tio, int cmd, void *data, int *fw_err);
int sev_tio_doe(struct pci_dev *pdev, u8 type, const void *req, size_t req_sz,
		void *resp, size_t resp_sz);
int sev_tio_errno(int fw_err);
const char *sev_tio_strerror(int fw_err);
int sev_tio_buf_alloc(struct sev_tio *tio, struct sev_tio_buf *buf,
		      size_t len, unsigned int flags);
void sev_tio_buf_free(struct sev_tio *tio, struct sev_tio_buf *buf);
int sev_tio_status(struct sev_tio *tio, struct sev_tio_status *out);
int sev_tio_init(struct sev_tio *tio);
int sev_tio_dev_create(struct sev_tio_dev *dev);
int sev_tio_dev_reclaim(struct sev_tio_dev *dev);
int sev_tio_dev_connect(struct sev_tio_dev *dev);
int sev_tio_dev_disconnect(struct sev_tio_dev *dev, bool force);
void sev_tio_dev_teardown(struct sev_tio_dev *dev);
int sev_tio_dev_status(struct sev_tio_dev *dev, struct sev_tio_dev_status *out);
int sev_tio_dev_certificates(struct sev_tio_dev *dev, struct sev_tio_blob *out);
int sev_tio_dev_measurements(struct sev_tio_dev *dev, const u8 nonce[32],
			     struct sev_tio_blob *out);
int sev_tio_roll_key(struct sev_tio_dev *dev);
u32 sev_tio_interface_id(u16 rid, u8 segment);
int sev_tio_tdi_create(struct sev_tio_tdi *tdi);
int sev_tio_tdi_reclaim(struct sev_tio_tdi *tdi);
int sev_tio_tdi_bind(struct sev_tio_tdi *tdi, u16 lock_flags, bool run,
		     struct sev_tio_blob *report);
int sev_tio_tdi_unbind(struct sev_tio_tdi *tdi, bool force);
int sev_tio_tdi_report(struct sev_tio_tdi *tdi, struct sev_tio_blob *report);
int sev_tio_tdi_status(struct sev_tio_tdi *tdi, u8 *state);
int sev_tio_guest_request(struct sev_tio_tdi *tdi, u64 req_paddr,
			  int *fw_err);
int sev_tio_asid_fence_status(struct sev_tio_tdi *tdi, u64 *fence);
int sev_tio_asid_fence_clear(struct sev_tio_tdi *tdi);
void sev_tio_tdi_teardown(struct sev_tio_tdi *tdi);

/* sev-tio-tsm.c */
#if IS_ENABLED(CONFIG_KUNIT)
extern const struct pci_tsm_ops sev_tio_pci_ops;
bool sev_tio_system_going_down(void);
#endif

#endif /* __SEV_TIO_H */
