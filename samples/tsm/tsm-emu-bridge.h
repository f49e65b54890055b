/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * User-space bridge of the emulated TEE-IO platform (test only).
 *
 * The tsm_emu_bridge module connects the emulated PCI domain of tsm_emu to
 * a device model running in user space (tools/testing/tsm-model) and gives
 * a user-space requester (the firmware model) access to the kernel's DOE
 * path.  It creates two character devices:
 *
 * /dev/tsm_emu_model - the device side, one opener at a time.  While it is
 *	open, every CMA/SPDM and secured CMA/SPDM data object written to an
 *	emulated DOE mailbox is queued for the model; read() returns it as
 *	a &struct tsm_bridge_hdr of type %TSM_BRIDGE_DOE_REQ followed by the
 *	complete data object, DOE header included.  The model answers with
 *	write() of a %TSM_BRIDGE_DOE_RSP carrying the same @tag.  It may also
 *	write %TSM_BRIDGE_IDE_KEY, %TSM_BRIDGE_IDE_STATE and
 *	%TSM_BRIDGE_TDI_STATE at any time.
 *	Configuration writes that TDISP cares about, made to a function whose
 *	last reported TDI state is CONFIG_LOCKED or RUN, are reported as
 *	%TSM_BRIDGE_CFG_WRITE.  Every reset of a function (Function Level
 *	Reset, or a conventional reset: Secondary Bus Reset, D3hot to D0)
 *	is reported as %TSM_BRIDGE_RESET, whatever its state, after the
 *	emulated configuration space was reset: the model drops what the
 *	reset wipes on a real device.  poll() reports POLLIN while a message is
 *	queued.  When the file is closed, pending requests fail (DOE Error)
 *	and the emulation's built-in responder answers again.
 *
 * /dev/tsm_emu_host - the requester side, any number of openers with
 *	CAP_SYS_ADMIN: %TSM_BRIDGE_IOC_DOE exchanges one data object with
 *	the DOE mailbox of a PCI function through pci_doe(), exactly the
 *	path a TSM driver uses; %TSM_BRIDGE_IOC_IDE_KEY (one key set of one
 *	direction) and %TSM_BRIDGE_IOC_KEY_SET (a whole stream) stand in for
 *	the platform programming root port IDE keys.
 *
 * Every message read from or written to /dev/tsm_emu_model is one
 * read()/write() call: the header and its payload together.
 */
#ifndef _SAMPLES_TSM_TSM_EMU_BRIDGE_H_
#define _SAMPLES_TSM_TSM_EMU_BRIDGE_H_

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * enum tsm_bridge_msg_type - message types on /dev/tsm_emu_model
 * @TSM_BRIDGE_DOE_REQ: kernel to model: a DOE request object
 * @TSM_BRIDGE_CFG_WRITE: kernel to model: &struct tsm_bridge_cfg_write
 * @TSM_BRIDGE_RESET: kernel to model: &struct tsm_bridge_reset
 * @TSM_BRIDGE_DOE_RSP: model to kernel: the answer to the
 *	%TSM_BRIDGE_DOE_REQ with the same tag: a complete DOE data object
 *	(header included), or no payload with %TSM_BRIDGE_F_ERROR set to make
 *	the mailbox report DOE Error.  A request left unanswered is dropped
 *	when the DOE core aborts it.
 * @TSM_BRIDGE_IDE_STATE: model to kernel: &struct tsm_bridge_ide_state
 *	(a whole stream at once, key set 0; see %TSM_BRIDGE_IDE_KEY)
 * @TSM_BRIDGE_TDI_STATE: model to kernel: &struct tsm_bridge_tdi_state
 * @TSM_BRIDGE_IDE_KEY: model to kernel: &struct tsm_bridge_ide_key, the
 *	endpoint's keys of one key set and direction of a stream
 */
enum tsm_bridge_msg_type {
	TSM_BRIDGE_DOE_REQ	= 0x01,
	TSM_BRIDGE_CFG_WRITE	= 0x02,
	TSM_BRIDGE_RESET	= 0x03,
	TSM_BRIDGE_DOE_RSP	= 0x81,
	TSM_BRIDGE_IDE_STATE	= 0x82,
	TSM_BRIDGE_TDI_STATE	= 0x83,
	TSM_BRIDGE_IDE_KEY	= 0x84,
};

/* tsm_bridge_hdr.flags */
#define TSM_BRIDGE_F_ERROR	0x0001

/* Largest payload of one message: a DOE object of 1024 dwords */
#define TSM_BRIDGE_MAX_PAYLOAD	4096

/**
 * struct tsm_bridge_hdr - header of every message on /dev/tsm_emu_model
 * @type: &enum tsm_bridge_msg_type
 * @len: payload bytes following the header (at most
 *	%TSM_BRIDGE_MAX_PAYLOAD)
 * @domain: PCI domain of the function concerned
 * @rid: Requester ID (bus << 8 | devfn) of the function concerned
 * @flags: %TSM_BRIDGE_F_ERROR
 * @tag: %TSM_BRIDGE_DOE_REQ: request tag, echoed in the response;
 *	otherwise 0
 */
struct tsm_bridge_hdr {
	__u32 type;
	__u32 len;
	__u32 domain;
	__u16 rid;
	__u16 flags;
	__u64 tag;
};

/**
 * struct tsm_bridge_cfg_write - configuration write to a locked function
 * @where: byte offset in configuration space
 * @size: 1, 2 or 4
 * @old: value at @where (of @size bytes) before the write
 * @val: value written
 *
 * Reported for writes to the Command register, the BARs, the Expansion
 * ROM BAR, the PCIe Device Control register (FLR) and the MSI-X Message
 * Control register.  The model decides whether the change is one TDISP
 * forbids.
 */
struct tsm_bridge_cfg_write {
	__u32 where;
	__u32 size;
	__u32 old;
	__u32 val;
};

/* struct tsm_bridge_reset.type */
#define TSM_BRIDGE_RESET_FLR		0
#define TSM_BRIDGE_RESET_CONVENTIONAL	1

/**
 * struct tsm_bridge_reset - a function was reset
 * @type: %TSM_BRIDGE_RESET_FLR (Function Level Reset of the function) or
 *	%TSM_BRIDGE_RESET_CONVENTIONAL (Secondary Bus Reset of the link
 *	above, or the internal reset of a D3hot to D0 transition)
 * @reserved: zero
 */
struct tsm_bridge_reset {
	__u8 type;
	__u8 reserved[3];
};

/**
 * struct tsm_bridge_ide_state - IDE key state of one stream of a function
 * @stream_id: IDE Stream ID
 * @ready: 1 when all keys of the stream are programmed and set to go
 *	(K_SET_GO), 0 after K_SET_STOP
 * @reserved: must be zero
 */
struct tsm_bridge_ide_state {
	__u8 stream_id;
	__u8 ready;
	__u8 reserved[2];
};

/* tsm_bridge_ide_key.dir, as bit 1 of the IDE_KM key selector */
#define TSM_BRIDGE_IDE_RX	0
#define TSM_BRIDGE_IDE_TX	1

/**
 * struct tsm_bridge_ide_key - one key set of one direction of a stream
 * @stream_id: IDE Stream ID
 * @key_set: 0 (K0) or 1 (K1), as bit 0 of the IDE_KM key selector
 * @dir: %TSM_BRIDGE_IDE_RX or %TSM_BRIDGE_IDE_TX, seen from the function
 *	whose keys these are
 * @go: 1 once the keys of all three sub-streams (PR, NPR, CPL) of the key
 *	set and direction are programmed and set to go (IDE_KM K_SET_GO);
 *	0 after a K_SET_STOP of any of them
 * @tag: names the keys without revealing them: the transmitter's Tx keys
 *	and the receiver's Rx keys of one key set must carry equal tags for
 *	traffic to pass.  The model uses the first four bytes, little
 *	endian, of SHA-384 over the PR, NPR and CPL keys, in that order.
 *
 * The emulated link uses these the way IDE hardware uses its key sets: a
 * transmitter sends with the key set whose Tx keys were set to go last;
 * a receiver accepts any key set whose Rx keys are set to go.  A Secure
 * stream that would receive traffic on a key set its receiver does not
 * have (or with other keys) fails: it reads Insecure until it is enabled
 * again, and the function's refused-traffic count goes up.
 */
struct tsm_bridge_ide_key {
	__u8 stream_id;
	__u8 key_set;
	__u8 dir;
	__u8 go;
	__u32 tag;
};

/**
 * struct tsm_bridge_rp_key - root port keys programmed by the platform
 * @domain: PCI domain of the root port
 * @rid: Requester ID of the root port
 * @reserved: must be zero
 * @key: the key set, direction and state, as for the endpoint
 */
struct tsm_bridge_rp_key {
	__u32 domain;
	__u16 rid;
	__u16 reserved;
	struct tsm_bridge_ide_key key;
};

/**
 * struct tsm_bridge_tdi_state - TDISP state of one function (interface)
 * @state: 0 CONFIG_UNLOCKED, 1 CONFIG_LOCKED, 2 RUN, 3 ERROR
 * @reserved: must be zero
 */
struct tsm_bridge_tdi_state {
	__u8 state;
	__u8 reserved[3];
};

/**
 * struct tsm_bridge_fn_info - what a function looks like to the device
 * @domain: in: PCI domain
 * @rid: in: Requester ID
 * @flags: out: TSM_EMU_FN_* flags of the function (see tsm-emu.h)
 * @bar_size: out: size in bytes of each BAR (0 if unimplemented; the
 *	upper half of a 64-bit BAR reads 0)
 * @config: out: snapshot of the 4 KiB configuration space
 */
struct tsm_bridge_fn_info {
	__u32 domain;
	__u16 rid;
	__u16 flags;
	__u64 bar_size[6];
	__u8 config[4096];
};

/**
 * struct tsm_bridge_doe - one DOE exchange through the kernel's DOE core
 * @domain: PCI domain of the function
 * @rid: Requester ID of the function
 * @type: Data Object Type (1 CMA/SPDM, 2 secured CMA/SPDM); the vendor is
 *	PCI-SIG (0x0001)
 * @reserved: must be zero
 * @req_len: request payload size in bytes (no DOE header; a multiple of 4,
 *	at most %TSM_BRIDGE_MAX_PAYLOAD - 8)
 * @rsp_len: in: size of the response buffer; out: response payload bytes
 * @req_ptr: user address of the request payload
 * @rsp_ptr: user address of the response buffer
 */
struct tsm_bridge_doe {
	__u32 domain;
	__u16 rid;
	__u8 type;
	__u8 reserved;
	__u32 req_len;
	__u32 rsp_len;
	__u64 req_ptr;
	__u64 rsp_ptr;
};

/**
 * struct tsm_bridge_key_set - root port keys programmed by the platform
 * @domain: PCI domain of the root port
 * @rid: Requester ID of the root port
 * @stream_id: IDE Stream ID
 * @go: 1: keys programmed and set to go; 0: stopped
 */
struct tsm_bridge_key_set {
	__u32 domain;
	__u16 rid;
	__u8 stream_id;
	__u8 go;
};

/* /dev/tsm_emu_model: configuration snapshot of a function */
#define TSM_BRIDGE_IOC_FN_INFO	_IOWR('T', 0x01, struct tsm_bridge_fn_info)
/* /dev/tsm_emu_host: one DOE exchange; -ETIMEDOUT/-EIO as pci_doe() */
#define TSM_BRIDGE_IOC_DOE	_IOWR('T', 0x10, struct tsm_bridge_doe)
/* /dev/tsm_emu_host: root port IDE keys set to go or stopped */
#define TSM_BRIDGE_IOC_KEY_SET	_IOW('T', 0x11, struct tsm_bridge_key_set)
/* /dev/tsm_emu_host: one key set of one direction of a root port stream */
#define TSM_BRIDGE_IOC_IDE_KEY	_IOW('T', 0x12, struct tsm_bridge_rp_key)

#endif /* _SAMPLES_TSM_TSM_EMU_BRIDGE_H_ */
