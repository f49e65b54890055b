/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Emulated PSP of the TEE-IO test platform (test only).
 *
 * The tsm_emu_psp module implements the SEV-TIO firmware seam
 * (&struct sev_tio_fw_ops, include/linux/psp-sev-tio.h) by handing every
 * firmware command to a firmware model in user space
 * (tools/testing/tsm-model, the psp role) through /dev/tsm_emu_psp, and
 * emulates the RMP page ownership the model checks.
 *
 * /dev/tsm_emu_psp - one opener at a time (CAP_SYS_ADMIN; else -EPERM, a
 * second opener gets -EBUSY):
 *	read() returns one pending command: a &struct tsm_psp_msg followed
 *	by @len bytes of command buffer.  Each command is returned once; a
 *	buffer too small for it gets -EINVAL (the command stays pending),
 *	and with O_NONBLOCK -EAGAIN if there is none.  The model answers
 *	with write() of a &struct tsm_psp_msg with the same @tag, @cmd and
 *	@len, the firmware @status (at most 0xffff), @reserved zero, and
 *	the command buffer as the firmware leaves it (the same @len bytes;
 *	copied back to the caller, as the PSP does).  One message per call;
 *	anything else, and an answer to a command that is no longer pending
 *	(timed out), is refused with -EINVAL.  The emulated mailbox is
 *	serial: the next command is only issued once the current one is
 *	answered or failed.  poll() reports POLLIN while a command is
 *	pending and not read yet.  %TSM_PSP_IOC_MEM reads or writes system
 *	memory by physical address, as the firmware does, and tells whether
 *	the page is firmware-owned.  A command not answered within the
 *	module's timeout (parameter cmd_timeout_ms, 10 s by default), and
 *	every command issued while the device is not open, fails with
 *	fw_err -1 (firmware not reached).
 *
 * debugfs tsm_emu_psp/:
 *	tio	write 1: register the SEV-TIO TSM (sev_tio_emu_register(), which
 *		issues TIO_STATUS / TIO_INIT through the model; -EBUSY if
 *		registered); write 0: unregister it (-EINVAL if not
 *		registered).  Reads 0 or 1.
 *	stats	one "name value" per line: connected, private (pages
 *		currently firmware-owned), made_private and reclaimed (pages,
 *		in total), commands, failed, timeouts, aborted, stuck,
 *		freed_private, context (pages the model marked as live
 *		contexts) and, with SEV_TIO_GUEST, guest_msgs,
 *		guest_mmio and guest_busy (see emu-psp-guest.c).
 *	cmd	test only: issue a raw command through the seam's command
 *		call without the SEV-TIO backend (see emu-psp.c).
 *	vm	the stand-in hypervisor of one VM: create, bind, unbind,
 *		req, destroy (see emu-psp-vm.c) and, with SEV_TIO_GUEST,
 *		the VM's side: "guest HOST GUEST [BUS]" registers the
 *		SEV-TIO devsec TSM for the devices of domain GUEST (bus N +
 *		BUS), the guest's view of those of domain HOST (bus N);
 *		noguest, busy, nohint, grow, tamper, relock (see
 *		emu-psp-guest.c).
 *
 * Closing the device while the TSM is registered unregisters it (the
 * firmware is gone: every command fails and teardown takes the forced
 * paths).  Unloading the module with pages still firmware-owned (those
 * the backend leaked on purpose, or lost) logs "N pages left
 * firmware-owned at unload (S stuck by injected hand-over failures)".
 */
#ifndef _SAMPLES_TSM_TSM_EMU_PSP_H_
#define _SAMPLES_TSM_TSM_EMU_PSP_H_

#include <linux/ioctl.h>
#include <linux/types.h>

/* Largest command buffer carried (every SEV-TIO command fits) */
#define TSM_PSP_MAX_CMD		1024

/**
 * struct tsm_psp_msg - header of a command and of its answer
 * @cmd: firmware command ID (SEV_CMD_TIO_*, 0x0D0 - 0x0E5)
 * @status: answer: 16-bit firmware status (0 success, 0x32 SPDM_REQUEST,
 *	...); 0 in commands
 * @tag: command sequence number, echoed in the answer
 * @len: command buffer bytes following the header (at most
 *	%TSM_PSP_MAX_CMD)
 * @reserved: must be zero
 */
struct tsm_psp_msg {
	__u32 cmd;
	__u32 status;
	__u64 tag;
	__u32 len;
	__u32 reserved;
};

/* tsm_psp_mem.flags */
#define TSM_PSP_MEM_WRITE	0x1

/**
 * struct tsm_psp_mem - firmware access to system memory
 * @pa: system physical address (the memory encryption bit, if any, is
 *	stripped by the caller)
 * @ptr: user buffer
 * @len: bytes; @pa + @len must not cross a 4 KiB page boundary
 * @flags: %TSM_PSP_MEM_WRITE to write the page, else read it
 * @owner: out: 1 if the page is firmware-owned (made private through
 *	the seam and not reclaimed), else 0
 * @reserved: must be zero
 *
 * Only RAM pages are accessible (-EFAULT otherwise).  A @len of 0, a
 * range crossing a page boundary, unknown @flags or a non-zero @reserved
 * get -EINVAL; the ioctl needs CAP_SYS_ADMIN.
 */
struct tsm_psp_mem {
	__u64 pa;
	__u64 ptr;
	__u32 len;
	__u32 flags;
	__u32 owner;
	__u32 reserved;
};

#define TSM_PSP_IOC_MEM		_IOWR('T', 0x20, struct tsm_psp_mem)

/**
 * struct tsm_psp_ctx - a firmware page the firmware uses as a context
 * @pa: system physical address of the page, 4 KiB aligned
 * @in_use: 1: the firmware-owned page becomes a live context, which the
 *	host cannot reclaim (the seam's reclaim fails with -EBUSY); 0: the
 *	context was released, the page is a plain firmware page again
 * @reserved: must be zero
 *
 * -EINVAL if the page is not in the state the change starts from
 * (firmware-owned, or a context), or for a bad argument; the ioctl needs
 * CAP_SYS_ADMIN.  Closing the device releases every context.
 */
struct tsm_psp_ctx {
	__u64 pa;
	__u32 in_use;
	__u32 reserved;
};

#define TSM_PSP_IOC_CTX		_IOW('T', 0x21, struct tsm_psp_ctx)

#endif /* _SAMPLES_TSM_TSM_EMU_PSP_H_ */
