// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in hypervisor, guest side (test only): the SEV-TIO guest channel
 * of the one emulated VM.
 *
 * The test VM runs one kernel in both roles.  The devices of one PCI
 * domain are the host's; those of a second instance of the same emulated
 * hardware are what the confidential VM sees, in domain 0 from bus BB on
 * (tsm_emu guest_bus=BB: the guest messages name a device by a 16-bit ID,
 * so the guest refuses devices outside segment 0).  "guest HHHH GGGG
 * [BB]" on debugfs tsm_emu_psp/vm registers the SEV-TIO devsec TSM
 * (sev_tio_guest_register()) with the channel below, mapping guest
 * domain GGGG, bus N + BB, to host domain HHHH, bus N; "noguest"
 * unregisters it.  The channel
 * does what KVM does on the guest's VMGEXITs, through the PCI/TSM core's
 * hypervisor API on the host function:
 *
 *   SEV_TIO_OP BIND    pci_tsm_bind() to the VM, guest device ID = the
 *                      guest's bus/device/function;
 *   SEV_TIO_OP RUN     pci_tsm_tdi_start();
 *   SEV_TIO_OP STOP    pci_tsm_unbind() (the firmware stops the
 *                      interface), UNBIND the same if still bound;
 *   guest request      pci_tsm_guest_req() with the message in the plain
 *                      framing of the firmware model (type, version,
 *                      length, 4 reserved bytes, the sequence number,
 *                      then the body); then the data
 *                      area is filled with the interface report from
 *                      pci_tsm_evidence_get() (too small: the firmware
 *                      has processed the message all the same, as on
 *                      AMD's hypervisor) and the TDISP state comes from
 *                      pci_tsm_tdi_state().
 *
 * As AMD's KVM, the stand-in reads the guest's hints in RDX (FACTS 6.11)
 * and refuses a request whose hint is missing or does not name what the
 * message names:
 *
 *   MMIO_VALIDATE      GPA[51:12] | order[11:4] | private bit 3 | range
 *                      ID[2:0]: 2^order pages at GPA, inside BAR "range
 *                      ID" of the guest's function.  Validating, the
 *                      pages become guest-assigned MMIO of the VM before
 *                      the firmware sees the message (and stay so only
 *                      if it validated them); invalidated, they go back
 *                      to the host.  UNBIND takes back every page.
 *   SDTE_WRITE         vTOM | 1 with the vTOM the secure DTE carries, or
 *                      0 with an all-zero DTE.
 *
 * "busy N" has the next N SEV_TIO_OPs refused as "busy, try again";
 * "nohint" strips the hint from the next MMIO_VALIDATE, as a guest
 * written for the RFC interface sends it; "grow" has the next report
 * request find the data area one page too small.  debugfs "stats"
 * shows the guest messages passed to the firmware (guest_msgs), the
 * MMIO pages assigned to the guest (guest_mmio) and the busy refusals
 * still to come (guest_busy).
 *
 * "tamper" makes the next report handed to the guest differ by one byte
 * from the one the firmware hashed; "relock DDDD:BB:DD.F [OFF VAL]" has
 * the host unbind a guest-bound function, optionally write byte VAL at
 * configuration offset OFF, and bind it again: a new lock, and with the
 * write a new report, as a hypervisor changing the device under the guest
 * would.
 *
 * The guest's own part of a request is what sev-guest does around it:
 * the message carries the VM's next sequence number (kept with the VM in
 * emu-psp-vm.c, as in the SNP secrets page); once the message went to
 * the firmware the number is spent, the response must carry it plus one,
 * and any outcome but an answer or a too-small data area disables the
 * VMPCK, after which every request fails with -ENOTTY until the VM is
 * created again (as sev-guest's handle_guest_request() does, so that no
 * IV is ever used twice).  Less strict than sev-guest: a request that
 * never reached the TSM (the stand-in refused it, a wrong hint; or the
 * PCI/TSM core refused it, the interface no longer bound on the host)
 * neither spends the number nor disables the VMPCK.  "stats" says
 * whether the VMPCK is usable (guest_vmpck 1) or disabled (0).  A real guest cannot
 * tell who failed a request and disables its VMPCK then too, so on
 * hardware the first SEV-TIO request after the host unbound a locked
 * interface (a reset, a lost link) costs the guest its VMPCK; the tests
 * after a host-side reset rely on the leniency.
 *
 * "replay" has the stand-in, as a hostile hypervisor would, hand the
 * firmware the guest's previous message once more (to the function of the
 * next message) before it forwards the next one; stats counts the
 * replays the firmware refused (guest_replay_refused) and took
 * (guest_replay_taken).
 *
 * Each request runs on an ordered workqueue, the way a VMGEXIT leaves the
 * guest's context: the host calls take the PCI/TSM core's locks afresh.
 * Limitation of the single kernel: while the core is held for write (TSM
 * unregistration, device removal) it cannot serve the guest, so "noguest",
 * "destroy" and module removal are refused (EBUSY, module in use) while
 * the guest holds an interface; unlock first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitfield.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-tsm.h>
#include <linux/pfn.h>
#include <linux/seq_file.h>
#include <linux/sev-tio-guest.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/tsm.h>
#include <linux/unaligned.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>

#include "emu-psp-priv.h"

#define TSM_PSP_GUEST_MAX	8
/* MMIO page runs assigned to the guest, per bound function */
#define TSM_PSP_GUEST_MMIO	64
/* type, version, size (LE16), reserved (4), sequence number (LE64) */
#define TSM_PSP_MSG_HDR		16
/* Blob table: 3 entries of GUID, offset, length */
#define TSM_PSP_BLOB_TABLE	(3 * 24)

static const guid_t tsm_psp_report_guid =
	GUID_INIT(0x70dc5b0e, 0x0cc0, 0x4cd5,
		  0x97, 0xbb, 0xff, 0x0b, 0xa2, 0x5b, 0xf3, 0x20);

/**
 * struct tsm_psp_guest - the guest side of the emulated VM
 * @lock: serialises registration and the knobs; protects @tsm_dev,
 *	  @host_dom, @guest_dom and @guest_bus (read by the workqueue only
 *	  while the TSM is registered)
 * @tsm_dev: the devsec TSM while registered
 * @wq: ordered workqueue the guest's exits run on
 * @host_dom: host domain of the guest's devices
 * @guest_dom: the guest's domain
 * @guest_bus: bus number of the guest's root bus: guest bus N + @guest_bus
 *	       is host bus N
 * @tamper: corrupt the next report handed to the guest (xchg())
 * @busy: SEV_TIO_OPs still to refuse as busy
 * @nohint: strip the hint of the next MMIO_VALIDATE (xchg())
 * @grow: the next report request finds the data area too small (xchg())
 * @replay: replay the previous message before the next one (xchg())
 * @msgs: guest messages passed to the firmware
 * @replay_refused: replays the firmware refused
 * @replay_taken: replays the firmware took
 * @last: the previous message passed to the firmware, as framed (the
 *	  workqueue only; freed at tsm_psp_guest_fini())
 * @last_len: its length, 0 for none
 * @mmio_pages: MMIO pages assigned to the guest, in @mmio
 * @bound: host functions bound for the guest (only the workqueue changes
 *	   them while the TSM is registered), each holding a reference and
 *	   a reference on the module
 * @mmio: per entry of @bound, the runs of guest MMIO pages assigned to
 *	  the guest (the workqueue only): first page, pages; 0 pages free
 */
struct tsm_psp_guest {
	struct mutex lock;	/* registration, knobs */
	struct tsm_dev *tsm_dev;
	struct workqueue_struct *wq;
	int host_dom;
	int guest_dom;
	unsigned int guest_bus;
	bool tamper;
	atomic_t busy;
	bool nohint;
	bool grow;
	bool replay;
	atomic_long_t msgs;
	atomic_long_t replay_refused;
	atomic_long_t replay_taken;
	u8 *last;
	size_t last_len;
	atomic_long_t mmio_pages;
	struct pci_dev *bound[TSM_PSP_GUEST_MAX];
	struct {
		u64 pfn;
		u64 pages;
	} mmio[TSM_PSP_GUEST_MAX][TSM_PSP_GUEST_MMIO];
};

static struct tsm_psp_guest tsm_psp_guest;

/**
 * struct tsm_psp_exit - one exit of the guest to the stand-in hypervisor
 * @work: runs it
 * @done: completed when it ran
 * @rid: guest requester ID
 * @op: the SEV_TIO_OP, or -1 for a guest request
 * @req: the guest request
 * @tdi_id: BIND: the interface ID
 * @rc: result
 */
struct tsm_psp_exit {
	struct work_struct work;
	struct completion done;
	u32 rid;
	int op;
	struct sev_tio_guest_req *req;
	u64 tdi_id;
	int rc;
};

/* The host function behind guest requester ID @rid, with a reference */
static struct pci_dev *tsm_psp_guest_host(u32 rid)
{
	struct tsm_psp_guest *g = &tsm_psp_guest;

	if ((rid >> 16) != g->guest_dom || ((rid >> 8) & 0xff) < g->guest_bus)
		return NULL;
	return pci_get_domain_bus_and_slot(g->host_dom,
					   ((rid >> 8) & 0xff) - g->guest_bus,
					   rid & 0xff);
}

static int tsm_psp_guest_slot(struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < TSM_PSP_GUEST_MAX; i++)
		if (tsm_psp_guest.bound[i] == pdev)
			return i;
	return -1;
}

static int tsm_psp_guest_op(struct tsm_psp_exit *x, struct pci_dev *host)
{
	struct tsm_psp_guest *g = &tsm_psp_guest;
	int i = tsm_psp_guest_slot(host);
	int rc, n;

	switch (x->op) {
	case SEV_TIO_OP_BIND:
		if (i >= 0)
			return -EBUSY;
		i = tsm_psp_guest_slot(NULL);
		if (i < 0)
			return -ENOSPC;
		rc = pci_tsm_bind(host, tsm_psp_vm_kvm(), x->rid & 0xffff);
		if (rc)
			return rc;
		g->bound[i] = pci_dev_get(host);
		__module_get(THIS_MODULE);
		x->tdi_id = x->rid & 0xffff;
		return 0;
	case SEV_TIO_OP_RUN:
		return i < 0 ? -ENXIO : pci_tsm_tdi_start(host);
	case SEV_TIO_OP_STOP:
		if (i >= 0)
			pci_tsm_unbind(host);
		return i < 0 ? -ENXIO : 0;
	case SEV_TIO_OP_UNBIND:
		if (i < 0)
			return -ENXIO;
		pci_tsm_unbind(host);
		pci_dev_put(g->bound[i]);
		g->bound[i] = NULL;
		/* The host takes back every MMIO page it assigned */
		for (n = 0; n < TSM_PSP_GUEST_MMIO; n++)
			atomic_long_sub(g->mmio[i][n].pages, &g->mmio_pages);
		memset(g->mmio[i], 0, sizeof(g->mmio[i]));
		module_put(THIS_MODULE);
		return 0;
	}
	return -EINVAL;
}

/* The data area: one blob, the interface report of @host */
static int tsm_psp_guest_data(struct pci_dev *host,
			      struct sev_tio_guest_req *req)
{
	struct tsm_psp_guest *g = &tsm_psp_guest;
	u8 *d = req->data;
	ssize_t len;
	__le32 v;

	len = pci_tsm_evidence_get(host, PCI_TSM_EVIDENCE_REPORT, NULL, 0);
	if (len <= 0)
		return 0;	/* no report: an empty table */
	if (!d || req->data_len < TSM_PSP_BLOB_TABLE + len) {
		req->data_needed = round_up(TSM_PSP_BLOB_TABLE + len,
					    PAGE_SIZE);
		return -ENOSPC;
	}
	if (xchg(&g->grow, false)) {
		req->data_needed = req->data_len + PAGE_SIZE;
		return -ENOSPC;
	}
	memset(d, 0, req->data_len);
	if (pci_tsm_evidence_get(host, PCI_TSM_EVIDENCE_REPORT,
				 d + TSM_PSP_BLOB_TABLE,
				 req->data_len - TSM_PSP_BLOB_TABLE) != len)
		return -EAGAIN;
	memcpy(d, &tsm_psp_report_guid, sizeof(guid_t));
	v = cpu_to_le32(TSM_PSP_BLOB_TABLE);
	memcpy(d + 16, &v, sizeof(v));
	v = cpu_to_le32(len);
	memcpy(d + 20, &v, sizeof(v));
	if (xchg(&g->tamper, false))
		d[TSM_PSP_BLOB_TABLE + len - 1] ^= 0x80;
	return 0;
}

/* The pages a valid MMIO_VALIDATE hint names: first page, count */
static void tsm_psp_guest_hint_pages(u64 hint, u64 *pfn, u64 *pages)
{
	*pfn = FIELD_GET(SEV_TIO_MMIO_HINT_GPA, hint);
	*pages = 1ULL << FIELD_GET(SEV_TIO_MMIO_HINT_ORDER, hint);
}

/* Run @i of @slot that is exactly the pages of @hint, or -1 */
static int tsm_psp_guest_mmio_find(int slot, u64 hint)
{
	u64 pfn, pages;
	int i;

	tsm_psp_guest_hint_pages(hint, &pfn, &pages);
	for (i = 0; i < TSM_PSP_GUEST_MMIO; i++)
		if (tsm_psp_guest.mmio[slot][i].pages == pages &&
		    tsm_psp_guest.mmio[slot][i].pfn == pfn)
			return i;
	return -1;
}

static void tsm_psp_guest_mmio_put(int slot, u64 hint)
{
	int i = tsm_psp_guest_mmio_find(slot, hint);

	if (i < 0)
		return;
	atomic_long_sub(tsm_psp_guest.mmio[slot][i].pages,
			&tsm_psp_guest.mmio_pages);
	tsm_psp_guest.mmio[slot][i].pages = 0;
}

/*
 * MMIO_VALIDATE: the hint must name exactly the message's pages, inside
 * BAR "range ID" of the guest's function.  Validating assigns the pages
 * (*@assigned); they must not be assigned already.
 */
static int tsm_psp_guest_mmio_hint(struct tsm_psp_exit *x, int slot,
				   bool *assigned)
{
	struct tsm_psp_guest *g = &tsm_psp_guest;
	const struct sev_tio_mmio_validate_req *rq = x->req->req;
	u64 hint, pfn, pages, end;
	bool private;
	unsigned int bar;
	struct pci_dev *guest;
	int i, rc = -EINVAL;

	if (x->req->req_len != sizeof(*rq))
		return -EINVAL;
	if (xchg(&g->nohint, false))
		x->req->param = 0;
	hint = x->req->param;
	tsm_psp_guest_hint_pages(hint, &pfn, &pages);
	private = hint & SEV_TIO_MMIO_HINT_PRIVATE;
	bar = FIELD_GET(SEV_TIO_MMIO_HINT_RANGE_ID, hint);
	if (!pfn || hint & ~(SEV_TIO_MMIO_HINT_GPA | SEV_TIO_MMIO_HINT_ORDER |
			     SEV_TIO_MMIO_HINT_PRIVATE |
			     SEV_TIO_MMIO_HINT_RANGE_ID) ||
	    PFN_PHYS(pfn) != le64_to_cpu(rq->subrange_base) ||
	    pages != le32_to_cpu(rq->subrange_pages) ||
	    bar != le16_to_cpu(rq->range_id) || bar >= PCI_STD_NUM_BARS ||
	    private != !!(le16_to_cpu(rq->flags) & SEV_TIO_MMIO_VALIDATED)) {
		pr_warn("guest %05x: MMIO_VALIDATE with hint %#llx that does not name its pages\n",
			x->rid, hint);
		return -EINVAL;
	}
	guest = pci_get_domain_bus_and_slot(g->guest_dom, (x->rid >> 8) & 0xff,
					    x->rid & 0xff);
	end = guest ? pci_resource_end(guest, bar) : 0;
	if (!guest || !pci_resource_len(guest, bar) ||
	    PFN_PHYS(pfn) < pci_resource_start(guest, bar) ||
	    PFN_PHYS(pfn + pages) - 1 > end) {
		pr_warn("guest %05x: MMIO_VALIDATE hint %#llx outside BAR %u\n",
			x->rid, hint, bar);
		goto out;
	}
	rc = 0;
	if (!private)
		goto out;
	for (i = 0; i < TSM_PSP_GUEST_MMIO; i++) {
		u64 p = g->mmio[slot][i].pfn, n = g->mmio[slot][i].pages;

		if (n && p < pfn + pages && pfn < p + n) {
			pr_warn("guest %05x: MMIO pages %#llx+%llu assigned already\n",
				x->rid, pfn, pages);
			rc = -EBUSY;
			goto out;
		}
	}
	rc = -ENOSPC;
	for (i = 0; i < TSM_PSP_GUEST_MMIO; i++) {
		if (g->mmio[slot][i].pages)
			continue;
		g->mmio[slot][i].pfn = pfn;
		g->mmio[slot][i].pages = pages;
		atomic_long_add(pages, &g->mmio_pages);
		*assigned = true;
		rc = 0;
		break;
	}
out:
	pci_dev_put(guest);
	return rc;
}

/* After the firmware answered: what it validated stays, invalidated goes */
static void tsm_psp_guest_mmio_done(struct tsm_psp_exit *x, int slot,
				    struct sev_tio_guest_req *req,
				    bool assigned)
{
	const struct sev_tio_mmio_validate_rsp *rsp = req->rsp;
	bool ok = req->rsp_len == sizeof(*rsp) && !le16_to_cpu(rsp->status);

	if (assigned && !ok)
		tsm_psp_guest_mmio_put(slot, req->param);
	else if (!(req->param & SEV_TIO_MMIO_HINT_PRIVATE) && ok)
		tsm_psp_guest_mmio_put(slot, req->param);
}

/* SDTE_WRITE: vTOM | 1 with the DTE's vTOM, or 0 with an empty DTE */
static int tsm_psp_guest_sdte_hint(struct sev_tio_guest_req *req)
{
	const struct sev_tio_sdte_write_req *rq = req->req;
	u64 q5, vtom;

	if (req->req_len != sizeof(*rq))
		return -EINVAL;
	q5 = le64_to_cpu(rq->sdte[5]);
	vtom = FIELD_GET(SEV_TIO_SDTE5_VTOM, q5) << SEV_TIO_VTOM_SHIFT;
	if (!(le64_to_cpu(rq->sdte[0]) & SEV_TIO_SDTE_V)) {
		if (!req->param && !memchr_inv(rq->sdte, 0, sizeof(rq->sdte)))
			return 0;
	} else if (q5 & SEV_TIO_SDTE5_VTOM_EN && vtom &&
		   req->param == (vtom | SEV_TIO_SDTE_HINT_VALID)) {
		return 0;
	}
	pr_warn("SDTE_WRITE with hint %#llx that does not match the DTE's vTOM %#llx\n",
		req->param, vtom);
	return -EINVAL;
}

/*
 * The scope KVM gives a guest message: TDI_INFO reads, MMIO_VALIDATE and
 * SDTE_WRITE change what the interface may do.  The exit's hint (or, in
 * this plain emulation, the type) tells them apart.
 */
static enum pci_tsm_req_scope tsm_psp_guest_scope(u8 msg_type)
{
	return msg_type == SEV_TIO_MSG_TDI_INFO_REQ ? PCI_TSM_REQ_INFO :
						      PCI_TSM_REQ_STATE_CHANGE;
}

/*
 * A hostile hypervisor's replay: the previous message, as the guest framed
 * it, to the firmware once more.  The firmware must refuse it.
 */
static void tsm_psp_guest_replay(struct pci_dev *host, u8 *rsp)
{
	struct tsm_psp_guest *g = &tsm_psp_guest;
	u64 code = 0;
	ssize_t n;

	if (!g->last_len)
		return;
	n = pci_tsm_guest_req(host, tsm_psp_guest_scope(g->last[0]),
			      KERNEL_SOCKPTR(g->last), g->last_len,
			      KERNEL_SOCKPTR(rsp), PAGE_SIZE, &code);
	if (n < 0 || code) {
		atomic_long_inc(&g->replay_refused);
		pr_info("the firmware refused a replayed guest message (sequence number %llu): %zd, status %#llx\n",
			get_unaligned_le64(g->last + 8), n, code);
	} else {
		atomic_long_inc(&g->replay_taken);
		pr_err("the firmware took a replayed guest message (sequence number %llu)\n",
		       get_unaligned_le64(g->last + 8));
	}
}

/* Keep @msg as the previous message, for a replay */
static void tsm_psp_guest_keep(const u8 *msg, size_t len)
{
	struct tsm_psp_guest *g = &tsm_psp_guest;

	if (!g->last)
		g->last = kmalloc(TSM_PSP_MSG_HDR + SEV_TIO_GUEST_MSG_MAX,
				  GFP_KERNEL);
	g->last_len = g->last ? len : 0;
	if (g->last)
		memcpy(g->last, msg, len);
}

static int tsm_psp_guest_fwd(struct tsm_psp_exit *x, struct pci_dev *host,
			     u64 seqno, bool *sent);

/*
 * The guest's part of a guest request (what sev-guest does around the
 * exit): the sequence number, spent once the message went to the
 * firmware, and then the VMPCK disabled on any outcome but an answer or a
 * too-small data area.
 */
static int tsm_psp_guest_msg(struct tsm_psp_exit *x, struct pci_dev *host)
{
	u64 seqno = tsm_psp_vm_msg_seqno();
	bool sent = false;
	int rc;

	if (!seqno) {
		pr_err_ratelimited("guest: VMPCK is disabled\n");
		return -ENOTTY;
	}
	rc = tsm_psp_guest_fwd(x, host, seqno, &sent);
	if (!sent)
		return rc;
	if (rc && rc != -ENOSPC && rc != -EAGAIN)
		pr_warn("guest %05x: message %llu failed (%d): disabling the VMPCK, as sev-guest does\n",
			x->rid, seqno, rc);
	tsm_psp_vm_msg_sent(!rc || rc == -ENOSPC || rc == -EAGAIN);
	return rc;
}

/*
 * The hypervisor's part: hints, the firmware, the data area.  *@sent: the
 * message went to the firmware.
 */
static int tsm_psp_guest_fwd(struct tsm_psp_exit *x, struct pci_dev *host,
			     u64 seqno, bool *sent)
{
	struct sev_tio_guest_req *req = x->req;
	u8 *msg, *rsp;
	u64 code = 0;
	ssize_t n;
	int rc;

	int slot = tsm_psp_guest_slot(host);
	bool assigned = false;

	if (slot < 0)
		return -ENXIO;
	if (req->req_len > SEV_TIO_GUEST_MSG_MAX)
		return -EINVAL;
	switch (req->msg_type) {
	case SEV_TIO_MSG_MMIO_VALIDATE_REQ:
		rc = tsm_psp_guest_mmio_hint(x, slot, &assigned);
		break;
	case SEV_TIO_MSG_SDTE_WRITE_REQ:
		rc = tsm_psp_guest_sdte_hint(req);
		break;
	default:
		rc = 0;
	}
	if (rc)
		return rc;

	msg = kzalloc(TSM_PSP_MSG_HDR + SEV_TIO_GUEST_MSG_MAX, GFP_KERNEL);
	rsp = (u8 *)get_zeroed_page(GFP_KERNEL);
	rc = -ENOMEM;
	if (!msg || !rsp)
		goto out;
	msg[0] = req->msg_type;
	msg[1] = SEV_TIO_MSG_VERSION;
	put_unaligned_le16(req->req_len, msg + 2);
	put_unaligned_le64(seqno, msg + 8);
	memcpy(msg + TSM_PSP_MSG_HDR, req->req, req->req_len);
	if (xchg(&tsm_psp_guest.replay, false))
		tsm_psp_guest_replay(host, rsp);
	atomic_long_inc(&tsm_psp_guest.msgs);
	n = pci_tsm_guest_req(host, tsm_psp_guest_scope(req->msg_type),
			      KERNEL_SOCKPTR(msg),
			      TSM_PSP_MSG_HDR + req->req_len,
			      KERNEL_SOCKPTR(rsp), PAGE_SIZE, &code);
	/*
	 * Whatever got past the core's own refusals reached the TSM, and
	 * the firmware may have taken it: the number is spent
	 */
	*sent = n != -ENXIO && n != -EOPNOTSUPP && n != -EINVAL && n != -EINTR;
	tsm_psp_guest_keep(msg, TSM_PSP_MSG_HDR + req->req_len);
	rc = n < 0 ? n : 0;
	if (rc == -EIO || (!rc && code)) {
		req->fw_err = code;
		rc = -EIO;
		goto out;
	}
	if (rc)
		goto out;
	/* What the channel checks: type, version, sequence number, size */
	if (rsp[0] != req->msg_type + 1 || rsp[1] != SEV_TIO_MSG_VERSION ||
	    get_unaligned_le64(rsp + 8) != seqno + 1 ||
	    get_unaligned_le16(rsp + 2) > req->rsp_len ||
	    TSM_PSP_MSG_HDR + get_unaligned_le16(rsp + 2) > n) {
		rc = -EBADMSG;
		goto out;
	}
	req->rsp_len = get_unaligned_le16(rsp + 2);
	memcpy(req->rsp, rsp + TSM_PSP_MSG_HDR, req->rsp_len);
	if (req->msg_type == SEV_TIO_MSG_MMIO_VALIDATE_REQ)
		tsm_psp_guest_mmio_done(x, slot, req, assigned);
	assigned = false;

	/* The firmware has answered; what the hypervisor adds comes now */
	if (req->msg_type != SEV_TIO_MSG_TDI_INFO_REQ)
		goto out;
	if (req->param & SEV_TIO_GUEST_REQ_REPORT) {
		rc = tsm_psp_guest_data(host, req);
		if (rc)
			goto out;
	}
	if (req->param & SEV_TIO_GUEST_REQ_STATE) {
		rc = pci_tsm_tdi_state(host);
		if (rc < 0)
			goto out;
		req->param_out = rc;
		rc = 0;
	}
out:
	/* Pages assigned for a message the firmware did not take go back */
	if (assigned)
		tsm_psp_guest_mmio_put(slot, req->param);
	free_page((unsigned long)rsp);
	kfree(msg);
	return rc;
}

static void tsm_psp_guest_work(struct work_struct *work)
{
	struct tsm_psp_exit *x = container_of(work, struct tsm_psp_exit, work);
	struct pci_dev *host = tsm_psp_guest_host(x->rid);

	if (!host)
		x->rc = -ENODEV;
	else if (x->op >= 0)
		x->rc = tsm_psp_guest_op(x, host);
	else
		x->rc = tsm_psp_guest_msg(x, host);
	pci_dev_put(host);
	complete(&x->done);
}

/* Leave the guest: run @x on the workqueue and wait for it */
static int tsm_psp_guest_exit(struct tsm_psp_exit *x)
{
	INIT_WORK_ONSTACK(&x->work, tsm_psp_guest_work);
	init_completion(&x->done);
	queue_work(tsm_psp_guest.wq, &x->work);
	wait_for_completion(&x->done);
	destroy_work_on_stack(&x->work);
	return x->rc;
}

static int tsm_psp_guest_tio_op(void *priv, u32 rid, enum sev_tio_guest_op op,
				u64 *tdi_id, u64 *fw_err)
{
	struct tsm_psp_exit x = { .rid = rid, .op = op };
	int rc;

	if (atomic_dec_if_positive(&tsm_psp_guest.busy) >= 0) {
		*fw_err = SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_BUSY);
		return -EAGAIN;
	}
	rc = tsm_psp_guest_exit(&x);

	*tdi_id = x.tdi_id;
	*fw_err = rc ? -rc : 0;
	return rc;
}

static int tsm_psp_guest_req(void *priv, u32 rid,
			     struct sev_tio_guest_req *req)
{
	struct tsm_psp_exit x = { .rid = rid, .op = -1, .req = req };

	return tsm_psp_guest_exit(&x);
}

static const struct sev_tio_guest_ops tsm_psp_guest_ops = {
	.owner = THIS_MODULE,
	.tio_op = tsm_psp_guest_tio_op,
	.guest_req = tsm_psp_guest_req,
};

static bool tsm_psp_guest_busy(void)
{
	return memchr_inv(tsm_psp_guest.bound, 0,
			  sizeof(tsm_psp_guest.bound)) != NULL;
}

/**
 * tsm_psp_guest_release() - unregister the guest ("noguest", and before
 * the VM goes)
 *
 * Return: 0, or -EBUSY while the guest holds interfaces.
 */
int tsm_psp_guest_release(void)
{
	struct tsm_psp_guest *g = &tsm_psp_guest;

	guard(mutex)(&g->lock);
	if (!g->tsm_dev)
		return 0;
	flush_workqueue(g->wq);
	if (tsm_psp_guest_busy())
		return -EBUSY;
	sev_tio_guest_unregister(g->tsm_dev);
	g->tsm_dev = NULL;
	return 0;
}

static int tsm_psp_guest_start(char *args)
{
	struct tsm_psp_guest *g = &tsm_psp_guest;
	struct tsm_dev *tsm_dev;
	unsigned int host, guest, bus = 0;
	char extra;
	int n;

	if (!args)
		return -EINVAL;
	n = sscanf(args, "%x %x %x%c", &host, &guest, &bus, &extra);
	if ((n != 2 && n != 3) || host > 0xffff || guest > 0xffff ||
	    bus > 0xf0 || (host == guest && !bus)) {
		pr_err("guest: usage: guest HOST-DOMAIN GUEST-DOMAIN [GUEST-BUS]\n");
		return -EINVAL;
	}
	guard(mutex)(&g->lock);
	if (!g->wq)
		return -ENOMEM;
	if (g->tsm_dev)
		return -EBUSY;
	g->host_dom = host;
	g->guest_dom = guest;
	g->guest_bus = bus;
	tsm_dev = sev_tio_guest_register(NULL, &tsm_psp_guest_ops, g);
	if (IS_ERR(tsm_dev)) {
		pr_err("guest: SEV-TIO devsec TSM not registered: %pe\n",
		       tsm_dev);
		return PTR_ERR(tsm_dev);
	}
	g->tsm_dev = tsm_dev;
	return 0;
}

/* The host unbinds, optionally reconfigures, and binds a function again */
static int tsm_psp_guest_relock(char *args)
{
	char *name = strsep(&args, " ");
	unsigned int off = 0, val = 0;
	struct pci_dev *pdev;
	char extra;
	int rc;

	if (args && (sscanf(args, "%x %x%c", &off, &val, &extra) != 2 ||
		     off >= PCI_CFG_SPACE_EXP_SIZE || val > 0xff))
		return -EINVAL;
	pdev = tsm_psp_vm_pdev(name);
	if (!pdev)
		return -ENODEV;
	flush_workqueue(tsm_psp_guest.wq);
	if (tsm_psp_guest_slot(pdev) < 0) {
		rc = -ENXIO;
	} else {
		pci_tsm_unbind(pdev);
		if (args)
			pci_write_config_byte(pdev, off, val);
		rc = pci_tsm_bind(pdev, tsm_psp_vm_kvm(),
				  PCI_DEVID(pdev->bus->number +
					    tsm_psp_guest.guest_bus,
					    pdev->devfn));
	}
	pci_dev_put(pdev);
	return rc;
}

/**
 * tsm_psp_guest_cmd() - the guest verbs of debugfs tsm_emu_psp/vm
 * @verb: "guest", "noguest", "busy", "nohint", "grow", "replay", "tamper"
 *	  or "relock"
 * @args: the rest of the command
 *
 * Called without the VM's lock: the guest's exits need the host side.
 *
 * Return: 0, or the verb's error (-EINVAL for an unknown verb).
 */
int tsm_psp_guest_cmd(const char *verb, char *args)
{
	if (!strcmp(verb, "guest"))
		return tsm_psp_guest_start(args);
	if (!strcmp(verb, "noguest"))
		return args ? -EINVAL : tsm_psp_guest_release();
	if (!strcmp(verb, "busy")) {
		unsigned int n;

		if (!args || kstrtouint(args, 10, &n) || n > 1000)
			return -EINVAL;
		atomic_set(&tsm_psp_guest.busy, n);
		return 0;
	}
	if (!strcmp(verb, "nohint") || !strcmp(verb, "grow")) {
		if (args)
			return -EINVAL;
		WRITE_ONCE(*(verb[0] == 'n' ? &tsm_psp_guest.nohint :
			     &tsm_psp_guest.grow), true);
		return 0;
	}
	if (!strcmp(verb, "tamper") || !strcmp(verb, "replay")) {
		if (args)
			return -EINVAL;
		WRITE_ONCE(*(verb[0] == 't' ? &tsm_psp_guest.tamper :
			     &tsm_psp_guest.replay), true);
		return 0;
	}
	if (!strcmp(verb, "relock")) {
		guard(mutex)(&tsm_psp_guest.lock);
		return tsm_psp_guest.tsm_dev ? tsm_psp_guest_relock(args) :
					       -ENODEV;
	}
	return -EINVAL;
}

/**
 * tsm_psp_guest_stats() - the guest side's lines of debugfs "stats"
 * @s: the file
 */
void tsm_psp_guest_stats(struct seq_file *s)
{
	seq_printf(s, "guest_msgs %ld\nguest_mmio %ld\nguest_busy %d\n",
		   atomic_long_read(&tsm_psp_guest.msgs),
		   atomic_long_read(&tsm_psp_guest.mmio_pages),
		   atomic_read(&tsm_psp_guest.busy));
	seq_printf(s, "guest_replay_refused %ld\nguest_replay_taken %ld\nguest_vmpck %d\n",
		   atomic_long_read(&tsm_psp_guest.replay_refused),
		   atomic_long_read(&tsm_psp_guest.replay_taken),
		   !!tsm_psp_vm_msg_seqno());
}

/**
 * tsm_psp_guest_init() - set up the guest side
 *
 * Return: 0 or -ENOMEM.
 */
int tsm_psp_guest_init(void)
{
	mutex_init(&tsm_psp_guest.lock);
	tsm_psp_guest.wq = alloc_ordered_workqueue("tsm_emu_psp_guest", 0);
	return tsm_psp_guest.wq ? 0 : -ENOMEM;
}

/**
 * tsm_psp_guest_fini() - tear down the guest side, after release
 */
void tsm_psp_guest_fini(void)
{
	if (!tsm_psp_guest.wq)
		return;
	WARN_ON(tsm_psp_guest_release());
	destroy_workqueue(tsm_psp_guest.wq);
	kfree(tsm_psp_guest.last);
	mutex_destroy(&tsm_psp_guest.lock);
}
