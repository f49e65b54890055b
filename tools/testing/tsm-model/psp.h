/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsm-model: the SEV-TIO firmware model (role "psp", psp.c).
 *
 * The firmware reaches system memory, the root ports and its command
 * mailbox only through &struct psp_ops, so the unit tests can run it
 * against a fake kernel; main.c implements the ops on /dev/tsm_emu_psp
 * (samples/tsm/tsm-emu-psp.h), sysfs and /dev/tsm_emu_host.
 */
#ifndef TSM_MODEL_PSP_H
#define TSM_MODEL_PSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Command IDs (FACTS 6.2, corrected by FACTS 6.11: AMD's current
 * include/linux/psp-sev.h, AMDESE/linux-kvm @ 16f379f5463a, has
 * 0x0E4 = TDI_DIGEST_REPORT, which the model does not implement, and
 * ROLL_KEY at 0x0E5)
 */
#define PSP_TIO_STATUS		0x0d0
#define PSP_TIO_INIT		0x0d1
#define PSP_DEV_CREATE		0x0d2
#define PSP_DEV_RECLAIM		0x0d3
#define PSP_DEV_CONNECT		0x0d4
#define PSP_DEV_DISCONNECT	0x0d5
#define PSP_DEV_STATUS		0x0d6
#define PSP_DEV_MEASUREMENTS	0x0d7
#define PSP_DEV_CERTIFICATES	0x0d8
#define PSP_TDI_CREATE		0x0da
#define PSP_TDI_RECLAIM		0x0db
#define PSP_TDI_BIND		0x0dc
#define PSP_TDI_UNBIND		0x0dd
#define PSP_TDI_REPORT		0x0de
#define PSP_TDI_STATUS		0x0df
#define PSP_GUEST_REQUEST	0x0e0
#define PSP_ASID_FENCE_CLEAR	0x0e1
#define PSP_ASID_FENCE_STATUS	0x0e2
#define PSP_TDI_INFO		0x0e3
#define PSP_TDI_DIGEST_REPORT	0x0e4	/* not implemented: INVALID_COMMAND */
#define PSP_ROLL_KEY		0x0e5
#define PSP_CMD_FIRST		0x0d0
#define PSP_CMD_LAST		0x0e5

/* Firmware status codes (FACTS 6.3) */
#define PSP_OK				0x00
#define PSP_INVALID_PLATFORM_STATE	0x01
#define PSP_INVALID_GUEST_STATE		0x02
#define PSP_INVALID_LEN			0x04
#define PSP_ALREADY_OWNED		0x05
#define PSP_INVALID_ADDRESS		0x09
#define PSP_INVALID_ASID		0x0d
#define PSP_INVALID_GUEST		0x10
#define PSP_INVALID_COMMAND		0x11
#define PSP_INVALID_PARAM		0x16
#define PSP_RESOURCE_LIMIT		0x17
#define PSP_INVALID_PAGE_SIZE		0x19
#define PSP_INVALID_PAGE_STATE		0x1a
#define PSP_EXPAND_BUFFER		0x31
#define PSP_SPDM_REQUEST		0x32
#define PSP_SPDM_ERROR			0x33
#define PSP_ERR_IN_DEV_CONN		0x35
#define PSP_INVALID_DEV_CTX		0x36
#define PSP_INVALID_TDI_CTX		0x37
#define PSP_IN_USE			0x3a
#define PSP_INVALID_DEV_STATE		0x3b
#define PSP_INVALID_TDI_STATE		0x3c

/* What TIO_STATUS reports */
#define PSP_SPDM_REQ_SIZE	8192
#define PSP_SCRATCH_MIN		4096
#define PSP_SCRATCH_MAX		16384
#define PSP_OUT_MIN		4096
#define PSP_OUT_MAX		16384
#define PSP_DEVCTX_SIZE		4096
#define PSP_TDICTX_SIZE		4096

/* Guest message types (FACTS 6.10) */
#define PSP_MSG_TDI_INFO_REQ		19
#define PSP_MSG_TDI_INFO_RSP		20
#define PSP_MSG_MMIO_VALIDATE_REQ	21
#define PSP_MSG_MMIO_VALIDATE_RSP	22
#define PSP_MSG_SDTE_WRITE_REQ		25
#define PSP_MSG_SDTE_WRITE_RSP		26

/*
 * TIO_ASID_FENCE_STATUS result (AMDESE/linux-kvm
 * drivers/crypto/ccp/sev-dev-tio.c @ 16f379f5463a): DMA fence state in
 * bits 1:0, MMIO fence state in bits 3:2
 */
#define PSP_FENCE_DMA_NOT_FENCED	0x0
#define PSP_FENCE_DMA_ERROR_FENCED	0x1
#define PSP_FENCE_DMA_DEFAULT_FENCED	0x3
#define PSP_FENCE_MMIO_NOT_FENCED	(0x0 << 2)
#define PSP_FENCE_MMIO_FENCED		(0x3 << 2)

/* Largest command buffer (as TSM_PSP_MAX_CMD) */
#define PSP_MAX_CMD		1024

/**
 * struct psp_ops - how the firmware reaches the platform
 * @recv: wait for the next command: its ID, tag and buffer (at most
 *	@cap bytes); return the buffer length, -EAGAIN when nothing came
 *	(the caller checks for termination and asks again), another
 *	negative errno to stop
 * @reply: answer the command @tag with @status and the command buffer
 * @mem: read or (@write) write @len bytes of system memory at @pa, all in
 *	one 4 KiB page; *@fw_owned tells whether the page is firmware-owned
 * @root_port: the root port above endpoint @segment:@rid: its Requester ID
 *	and the Port Number of its Link Capabilities; 0 or a negative errno
 * @ctx: mark the firmware page @pa as a context the firmware uses
 *	(@in_use), which the host cannot reclaim, or release it; 0 or a
 *	negative errno (the page is not in the state the change starts
 *	from).  May be NULL: no platform check.
 * @rp_key: program the root port IDE keys of key set @key_set, direction
 *	@dir (%IDEKM_RX or %IDEKM_TX, seen from the root port) of @stream_id
 *	(all three sub-streams) and set them to go (@go; @tag names them, as
 *	idekm_key_tag()), or stop them (@tag 0)
 * @priv: passed to every callback
 */
struct psp_ops {
	int (*recv)(void *priv, uint32_t *cmd, uint64_t *tag, uint8_t *buf, size_t cap);
	int (*reply)(void *priv, uint32_t cmd, uint64_t tag, uint16_t status,
		     const uint8_t *buf, size_t len);
	int (*mem)(void *priv, uint64_t pa, void *buf, uint32_t len, bool write,
		   bool *fw_owned);
	int (*ctx)(void *priv, uint64_t pa, bool in_use);
	int (*root_port)(void *priv, uint32_t segment, uint16_t rid, uint16_t *rp_rid,
			 uint8_t *port);
	int (*rp_key)(void *priv, uint32_t segment, uint16_t rp_rid, uint8_t stream_id,
		      uint8_t key_set, uint8_t dir, bool go, uint32_t tag);
	void *priv;
};

struct psp;

/**
 * psp_new() - the firmware
 * @ops: platform callbacks (copied)
 * @root_der: DER trust anchor device certificate chains must lead to
 * @verbose: log every command on stderr
 *
 * Return: the firmware or NULL.
 */
struct psp *psp_new(const struct psp_ops *ops, const char *root_der, bool verbose);
/* Abort pending SPDM flows and free everything */
void psp_free(struct psp *p);

/**
 * psp_command() - run one command (one issue of it)
 * @p: firmware
 * @cmd: command ID
 * @buf: command buffer, left as the firmware leaves it
 * @len: its size
 *
 * Return: the 16-bit firmware status (%PSP_SPDM_REQUEST asks for another
 * round), or -1 when the command must not be answered (fw-drop).
 */
int psp_command(struct psp *p, uint32_t cmd, uint8_t *buf, size_t len);

/*
 * One command from ops->recv() through psp_command() to ops->reply().
 * Return: 0 (also when nothing came), or the negative errno of @recv.
 */
int psp_serve_one(struct psp *p);

/*
 * Firmware fault words of the control file (see README.md): fw-status=,
 * fw-expand=, fw-expand-loop, fw-drop, fw-keep-ctx.  Return: 0, -EINVAL if @word is
 * malformed.  psp_fault_clear() forgets the armed faults.
 */
int psp_fault_word(struct psp *p, const char *word);
void psp_fault_clear(struct psp *p);

/* Command counts and the time spent running commands, on stderr */
void psp_stats(struct psp *p);
#endif /* TSM_MODEL_PSP_H */
