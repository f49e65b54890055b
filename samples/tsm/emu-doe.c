// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated DOE mailbox (PCIe r6.0 6.30).
 *
 * Configuration writes run under the PCI core's raw pci_lock, so a Go
 * only marks the mailbox Busy and queues a work item; the work item copies
 * the request, asks the responder in process context and then makes the
 * response ready.  The requester (drivers/pci/doe.c) polls Data Object
 * Ready, or, if the instance was created with doe_irq, waits for the
 * mailbox interrupt: a simulated interrupt (kernel/irq/irq_sim.c) raised,
 * with DOE Interrupt Status, whenever Data Object Ready or DOE Error is
 * set while DOE Interrupt Enable is.  An Abort bumps the generation so
 * that an answer computed for an aborted request is dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "emu-priv.h"

#define SPDM_GET_VERSION	0x84

/* Index of the last protocol listed by DOE Discovery */
#define TSM_EMU_DOE_LAST_INDEX	2

/* Payload capacity of a data object, in bytes */
#define TSM_EMU_DOE_PAYLOAD	((TSM_EMU_DOE_MAX_DW - 2) * sizeof(u32))

static const char * const tsm_emu_doe_faults[TSM_EMU_DOE_FAULT_MAX] = {
	[TSM_EMU_DOE_FAULT_NONE] = "none",
	[TSM_EMU_DOE_FAULT_ERROR] = "error",
	[TSM_EMU_DOE_FAULT_NO_ANSWER] = "no_answer",
	[TSM_EMU_DOE_FAULT_STAY_BUSY] = "stay_busy",
	[TSM_EMU_DOE_FAULT_BUSY] = "busy",
	[TSM_EMU_DOE_FAULT_BAD_VENDOR] = "bad_vendor",
	[TSM_EMU_DOE_FAULT_BAD_TYPE] = "bad_type",
	[TSM_EMU_DOE_FAULT_BAD_LENGTH] = "bad_length",
	[TSM_EMU_DOE_FAULT_TRUNCATED] = "truncated",
};

/**
 * tsm_emu_doe_fault_name() - name of a fault for debugfs
 * @fault: fault
 *
 * Return: the name, or NULL for an invalid @fault.
 */
const char *tsm_emu_doe_fault_name(enum tsm_emu_doe_fault fault)
{
	if (fault >= TSM_EMU_DOE_FAULT_MAX)
		return NULL;
	return tsm_emu_doe_faults[fault];
}

static u32 *tsm_emu_doe_reg(struct tsm_emu_doe *doe, unsigned int off)
{
	return &doe->fn->cfg[(doe->off + off) / 4];
}

static void tsm_emu_doe_update_read(struct tsm_emu_doe *doe)
{
	*tsm_emu_doe_reg(doe, PCI_DOE_READ) =
		doe->rpos < doe->rlen ? doe->rbuf[doe->rpos] : 0;
}

/**
 * tsm_emu_doe_reset() - abort: clear both mailboxes, Busy, Error and Ready
 * @doe: mailbox
 *
 * Called with &tsm_emu.lock held.  Injected faults stay armed.
 */
void tsm_emu_doe_reset(struct tsm_emu_doe *doe)
{
	doe->gen++;
	doe->pending = false;
	doe->wlen = 0;
	doe->woverflow = false;
	doe->rlen = 0;
	doe->rpos = 0;
	*tsm_emu_doe_reg(doe, PCI_DOE_STATUS) = 0;
	tsm_emu_doe_update_read(doe);
}

/*
 * Raise the mailbox interrupt, if it has one and it is enabled: one message
 * per event, like MSI.  The simulated interrupt is handled from an irq_work,
 * after the instance lock is dropped.
 */
static void tsm_emu_doe_signal(struct tsm_emu_doe *doe)
{
	if (!doe->irq ||
	    !(*tsm_emu_doe_reg(doe, PCI_DOE_CTRL) & PCI_DOE_CTRL_INT_EN))
		return;
	*tsm_emu_doe_reg(doe, PCI_DOE_STATUS) |= PCI_DOE_STATUS_INT_STATUS;
	doe->stats.irqs++;
	irq_set_irqchip_state(doe->irq, IRQCHIP_STATE_PENDING, true);
}

static void tsm_emu_doe_error(struct tsm_emu_doe *doe)
{
	u32 *sts = tsm_emu_doe_reg(doe, PCI_DOE_STATUS);

	*sts = (*sts & ~PCI_DOE_STATUS_BUSY) | PCI_DOE_STATUS_ERROR;
	tsm_emu_doe_signal(doe);
	doe->stats.errors++;
	doe->wlen = 0;
	doe->woverflow = false;
}

static void tsm_emu_doe_go(struct tsm_emu_doe *doe)
{
	u32 *sts = tsm_emu_doe_reg(doe, PCI_DOE_STATUS);
	enum tsm_emu_doe_fault fault = TSM_EMU_DOE_FAULT_NONE;
	u32 len = 0;

	doe->stats.requests++;
	/* Go while Busy or in Error is ignored */
	if (*sts & (PCI_DOE_STATUS_BUSY | PCI_DOE_STATUS_ERROR))
		return;

	if (doe->fault_count && doe->fault_skip) {
		doe->fault_skip--;
	} else if (doe->fault_count) {
		fault = doe->fault;
		if (!--doe->fault_count)
			doe->fault = TSM_EMU_DOE_FAULT_NONE;
	}

	/* A new request drops an unread response */
	doe->rlen = 0;
	doe->rpos = 0;
	*sts &= ~PCI_DOE_STATUS_DATA_OBJECT_READY;
	tsm_emu_doe_update_read(doe);

	if (doe->wlen >= 2)
		len = FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH,
				doe->wbuf[1]);
	/* Length 0 means 2^18 dwords: always more than was written */
	if (doe->woverflow || len < 2 || len != doe->wlen ||
	    fault == TSM_EMU_DOE_FAULT_ERROR) {
		tsm_emu_doe_error(doe);
		return;
	}

	switch (fault) {
	case TSM_EMU_DOE_FAULT_NO_ANSWER:
		doe->wlen = 0;
		return;
	case TSM_EMU_DOE_FAULT_STAY_BUSY:
		*sts |= PCI_DOE_STATUS_BUSY;
		doe->wlen = 0;
		return;
	default:
		break;
	}

	*sts |= PCI_DOE_STATUS_BUSY;
	doe->cur_fault = fault;
	doe->pending = true;
	queue_work(doe->fn->emu->wq, &doe->work);
}

/**
 * tsm_emu_doe_write() - emulate a write to the DOE capability
 * @doe: mailbox
 * @reg: offset in the capability (dword aligned)
 * @val: value written, in its byte lanes
 * @bytes: byte lanes written
 *
 * Called with &tsm_emu.lock held, after the generic write handling.
 */
void tsm_emu_doe_write(struct tsm_emu_doe *doe, unsigned int reg, u32 val,
		       u32 bytes)
{
	u32 sts = *tsm_emu_doe_reg(doe, PCI_DOE_STATUS);

	val &= bytes;
	switch (reg) {
	case PCI_DOE_CTRL:
		if (val & PCI_DOE_CTRL_ABORT) {
			doe->stats.aborts++;
			tsm_emu_doe_reset(doe);
		} else if (val & PCI_DOE_CTRL_GO) {
			tsm_emu_doe_go(doe);
		}
		break;
	case PCI_DOE_WRITE:
		if (sts & PCI_DOE_STATUS_BUSY)
			break;
		if (doe->wlen < TSM_EMU_DOE_MAX_DW)
			doe->wbuf[doe->wlen++] = val;
		else
			doe->woverflow = true;
		break;
	case PCI_DOE_READ:
		if (doe->rpos >= doe->rlen)
			break;
		if (++doe->rpos == doe->rlen) {
			doe->rlen = 0;
			doe->rpos = 0;
			*tsm_emu_doe_reg(doe, PCI_DOE_STATUS) &=
				~PCI_DOE_STATUS_DATA_OBJECT_READY;
		}
		tsm_emu_doe_update_read(doe);
		break;
	default:
		break;
	}
}

static ssize_t tsm_emu_doe_discovery(const __le32 *req, size_t req_sz,
				     __le32 *rsp)
{
	u8 index;

	if (req_sz < sizeof(*req))
		return -EINVAL;
	index = FIELD_GET(PCI_DOE_DATA_OBJECT_DISC_REQ_3_INDEX,
			  le32_to_cpu(req[0]));
	if (index > TSM_EMU_DOE_LAST_INDEX)
		return -EINVAL;
	/* Index N lists protocol (PCI-SIG, N): Discovery, CMA, Secured CMA */
	rsp[0] = cpu_to_le32(FIELD_PREP(PCI_DOE_DATA_OBJECT_DISC_RSP_3_VID,
					PCI_VENDOR_ID_PCI_SIG) |
			     FIELD_PREP(PCI_DOE_DATA_OBJECT_DISC_RSP_3_PROTOCOL,
					index) |
			     FIELD_PREP(PCI_DOE_DATA_OBJECT_DISC_RSP_3_NEXT_INDEX,
					index < TSM_EMU_DOE_LAST_INDEX ?
					index + 1 : 0));
	return sizeof(*rsp);
}

ssize_t tsm_emu_doe_default_responder(struct tsm_emu_fn *fn, void *data,
				      u16 vendor, u8 type,
				      const void *req, size_t req_sz,
				      void *rsp, size_t rsp_sz)
{
	static const u8 version[] = {
		0x10, 0x04, 0x00, 0x00,	/* SPDM 1.0 header, VERSION */
		0x00, 0x01,		/* reserved, one entry */
		0x00, 0x12,		/* version 1.2 */
	};
	const u8 *q = req;

	if (type == PCI_DOE_FEATURE_CMA && req_sz >= 4 &&
	    q[1] == SPDM_GET_VERSION) {
		if (rsp_sz < sizeof(version))
			return -ENOSPC;
		memcpy(rsp, version, sizeof(version));
		return sizeof(version);
	}

	if (rsp_sz < req_sz + sizeof(u32))
		return -ENOSPC;
	put_unaligned_le32(TSM_EMU_DOE_ECHO_MARKER, rsp);
	memcpy(rsp + sizeof(u32), req, req_sz);
	return req_sz + sizeof(u32);
}
EXPORT_SYMBOL_GPL(tsm_emu_doe_default_responder);

/* Build the response object in doe->rsp; return its length in dwords */
static ssize_t tsm_emu_doe_respond(struct tsm_emu_doe *doe, unsigned int n)
{
	struct tsm_emu_fn *fn = doe->fn;
	struct tsm_emu *emu = fn->emu;
	u32 hdr = le32_to_cpu(doe->req[0]);
	u16 vid = FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_1_VID, hdr);
	u8 type = FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_1_TYPE, hdr);
	size_t req_sz = (n - 2) * sizeof(u32);
	__le32 *rsp = &doe->rsp[2];
	ssize_t len;
	size_t ndw;

	if (vid != PCI_VENDOR_ID_PCI_SIG)
		return -EINVAL;

	switch (type) {
	case PCI_DOE_FEATURE_DISCOVERY:
		len = tsm_emu_doe_discovery(&doe->req[2], req_sz, rsp);
		break;
	case PCI_DOE_FEATURE_CMA:
	case PCI_DOE_FEATURE_SSESSION:
		down_read(&emu->responder_rwsem);
		if (emu->responder && emu->responder_raw) {
			/* The responder writes the whole object, header included */
			len = emu->responder(fn, emu->responder_data, vid, type,
					     &doe->req[2], req_sz, doe->rsp,
					     sizeof(doe->rsp));
			up_read(&emu->responder_rwsem);
			if (len < 0)
				return len;
			if (len < 2 * sizeof(u32) || len > sizeof(doe->rsp) ||
			    len % sizeof(u32))
				return -EIO;
			return len / sizeof(u32);
		}
		if (emu->responder)
			len = emu->responder(fn, emu->responder_data, vid, type,
					     &doe->req[2], req_sz, rsp,
					     TSM_EMU_DOE_PAYLOAD);
		else
			len = tsm_emu_doe_default_responder(fn, NULL, vid, type,
							    &doe->req[2],
							    req_sz, rsp,
							    TSM_EMU_DOE_PAYLOAD);
		up_read(&emu->responder_rwsem);
		break;
	default:
		return -EINVAL;
	}
	if (len < 0)
		return len;
	if (len > TSM_EMU_DOE_PAYLOAD)
		return -EOVERFLOW;

	ndw = DIV_ROUND_UP(len, sizeof(u32));
	memset((u8 *)rsp + len, 0, ndw * sizeof(u32) - len);
	doe->rsp[0] = cpu_to_le32(hdr & (PCI_DOE_DATA_OBJECT_HEADER_1_VID |
					 PCI_DOE_DATA_OBJECT_HEADER_1_TYPE));
	doe->rsp[1] = cpu_to_le32(2 + ndw);
	return 2 + ndw;
}

static void tsm_emu_doe_complete(struct tsm_emu_doe *doe, ssize_t rc,
				 enum tsm_emu_doe_fault fault)
{
	u32 *sts = tsm_emu_doe_reg(doe, PCI_DOE_STATUS);
	unsigned int i;

	if (rc < 0) {
		tsm_emu_doe_error(doe);
		return;
	}

	for (i = 0; i < rc; i++)
		doe->rbuf[i] = le32_to_cpu(doe->rsp[i]);
	switch (fault) {
	case TSM_EMU_DOE_FAULT_BAD_VENDOR:
		doe->rbuf[0] ^= PCI_DOE_DATA_OBJECT_HEADER_1_VID;
		break;
	case TSM_EMU_DOE_FAULT_BAD_TYPE:
		doe->rbuf[0] ^= PCI_DOE_DATA_OBJECT_HEADER_1_TYPE;
		break;
	case TSM_EMU_DOE_FAULT_BAD_LENGTH:
		doe->rbuf[1] = 1;
		break;
	case TSM_EMU_DOE_FAULT_TRUNCATED:
		doe->rbuf[1] = rc + 1;
		break;
	default:
		break;
	}
	doe->rlen = rc;
	doe->rpos = 0;
	*sts = (*sts & ~PCI_DOE_STATUS_BUSY) | PCI_DOE_STATUS_DATA_OBJECT_READY;
	tsm_emu_doe_update_read(doe);
	tsm_emu_doe_signal(doe);
	doe->stats.responses++;
}

static void tsm_emu_doe_work(struct work_struct *work)
{
	struct tsm_emu_doe *doe = container_of(work, struct tsm_emu_doe, work);
	struct tsm_emu *emu = doe->fn->emu;
	enum tsm_emu_doe_fault fault;
	unsigned int gen, n, delay, i;
	unsigned long flags;
	ssize_t rc;

	raw_spin_lock_irqsave(&emu->lock, flags);
	if (!doe->pending) {
		raw_spin_unlock_irqrestore(&emu->lock, flags);
		return;
	}
	doe->pending = false;
	gen = doe->gen;
	fault = doe->cur_fault;
	delay = doe->delay_ms;
	n = doe->wlen;
	for (i = 0; i < n; i++)
		doe->req[i] = cpu_to_le32(doe->wbuf[i]);
	doe->wlen = 0;
	raw_spin_unlock_irqrestore(&emu->lock, flags);

	if (delay)
		msleep(delay);
	rc = tsm_emu_doe_respond(doe, n);

	raw_spin_lock_irqsave(&emu->lock, flags);
	/* Drop the answer if the request was aborted meanwhile */
	if (doe->gen == gen)
		tsm_emu_doe_complete(doe, rc, fault);
	raw_spin_unlock_irqrestore(&emu->lock, flags);
}

/**
 * tsm_emu_doe_init() - give a function a DOE mailbox
 * @fn: function
 * @off: offset of its DOE capability
 *
 * Return: 0 or -ENOMEM.
 */
int tsm_emu_doe_init(struct tsm_emu_fn *fn, u16 off)
{
	struct tsm_emu_doe *doe;

	doe = kvzalloc(sizeof(*doe), GFP_KERNEL);
	if (!doe)
		return -ENOMEM;
	doe->fn = fn;
	doe->off = off;
	INIT_WORK(&doe->work, tsm_emu_doe_work);
	fn->doe = doe;
	return 0;
}

/**
 * tsm_emu_doe_free() - free the mailbox of a function
 * @fn: function; its work item must not be queued or running
 */
void tsm_emu_doe_free(struct tsm_emu_fn *fn)
{
	kvfree(fn->doe);
	fn->doe = NULL;
}

int tsm_emu_doe_inject_after(struct tsm_emu_fn *fn,
			     enum tsm_emu_doe_fault fault, unsigned int count,
			     unsigned int skip)
{
	struct tsm_emu_doe *doe;
	unsigned long flags;

	if (!fn || !fn->doe)
		return -ENODEV;
	if (fault >= TSM_EMU_DOE_FAULT_MAX)
		return -EINVAL;
	doe = fn->doe;

	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	if (fault == TSM_EMU_DOE_FAULT_BUSY) {
		*tsm_emu_doe_reg(doe, PCI_DOE_STATUS) |= PCI_DOE_STATUS_BUSY;
		fault = TSM_EMU_DOE_FAULT_NONE;
	}
	doe->fault = fault;
	doe->fault_count = fault == TSM_EMU_DOE_FAULT_NONE ? 0 : max(count, 1U);
	doe->fault_skip = doe->fault_count ? skip : 0;
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(tsm_emu_doe_inject_after);

int tsm_emu_doe_set_delay(struct tsm_emu_fn *fn, unsigned int msecs)
{
	unsigned long flags;

	if (!fn || !fn->doe)
		return -ENODEV;
	if (msecs > TSM_EMU_MAX_DELAY_MS)
		return -EINVAL;

	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	fn->doe->delay_ms = msecs;
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(tsm_emu_doe_set_delay);

int tsm_emu_doe_get_stats(struct tsm_emu_fn *fn,
			  struct tsm_emu_doe_stats *stats)
{
	unsigned long flags;

	if (!fn || !fn->doe)
		return -ENODEV;

	raw_spin_lock_irqsave(&fn->emu->lock, flags);
	*stats = fn->doe->stats;
	raw_spin_unlock_irqrestore(&fn->emu->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(tsm_emu_doe_get_stats);

static int __tsm_emu_doe_responder_register(struct tsm_emu *emu,
					    tsm_emu_doe_responder_t responder,
					    void *data, bool raw)
{
	if (!responder)
		return -EINVAL;

	guard(rwsem_write)(&emu->responder_rwsem);
	if (emu->responder)
		return -EBUSY;
	emu->responder = responder;
	emu->responder_data = data;
	emu->responder_raw = raw;
	return 0;
}

int tsm_emu_doe_responder_register(struct tsm_emu *emu,
				   tsm_emu_doe_responder_t responder,
				   void *data)
{
	return __tsm_emu_doe_responder_register(emu, responder, data, false);
}
EXPORT_SYMBOL_GPL(tsm_emu_doe_responder_register);

int tsm_emu_doe_responder_register_raw(struct tsm_emu *emu,
				       tsm_emu_doe_responder_t responder,
				       void *data)
{
	return __tsm_emu_doe_responder_register(emu, responder, data, true);
}
EXPORT_SYMBOL_GPL(tsm_emu_doe_responder_register_raw);

void tsm_emu_doe_responder_unregister(struct tsm_emu *emu)
{
	guard(rwsem_write)(&emu->responder_rwsem);
	emu->responder = NULL;
	emu->responder_data = NULL;
	emu->responder_raw = false;
}
EXPORT_SYMBOL_GPL(tsm_emu_doe_responder_unregister);
