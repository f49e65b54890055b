/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the PCI/TSM core and its backends (trace system "tsm"):
 * the verbs, the devsec TDISP state as the core sees it, the DOE exchanges
 * the core carries for a TSM, and the commands a backend issues to its
 * firmware.  IDE stream events are in <trace/events/tsm_ide.h>.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tsm

#if !defined(_TRACE_TSM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_TSM_H

#include <linux/pci.h>
#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(tsm_op_class,
		    TP_PROTO(struct pci_dev *pdev, const char *op, int rc),
		    TP_ARGS(pdev, op, rc),
		    TP_STRUCT__entry(__string(dev, pci_name(pdev))
				     __string(op, op)
				     __field(int, rc)),
		    TP_fast_assign(__assign_str(dev);
				   __assign_str(op);
				   __entry->rc = rc;),
		    TP_printk("%s %s rc=%d", __get_str(dev), __get_str(op),
			      __entry->rc)
);

/*
 * tsm_op_begin - a PCI/TSM operation on a device starts
 * @pdev: the device
 * @op: connect, disconnect, lock, unlock, accept, bind, unbind or
 *	tdi_start
 * @rc: always 0
 */
DEFINE_EVENT(tsm_op_class, tsm_op_begin,
	     TP_PROTO(struct pci_dev *pdev, const char *op, int rc),
	     TP_ARGS(pdev, op, rc)
);

/*
 * tsm_op_end - a PCI/TSM operation on a device ended
 * @pdev: the device
 * @op: as for tsm_op_begin
 * @rc: 0 or the -errno the caller got
 */
DEFINE_EVENT(tsm_op_class, tsm_op_end,
	     TP_PROTO(struct pci_dev *pdev, const char *op, int rc),
	     TP_ARGS(pdev, op, rc)
);

/*
 * tsm_tdi_state - the devsec TDISP state of a device changed
 * @pdev: the device
 * @state: &enum pci_tsm_tdi_state
 */
TRACE_EVENT(tsm_tdi_state,
	    TP_PROTO(struct pci_dev *pdev, int state),
	    TP_ARGS(pdev, state),
	    TP_STRUCT__entry(__string(dev, pci_name(pdev))
			     __field(int, state)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->state = state;),
	    TP_printk("%s state=%s", __get_str(dev),
		      __print_symbolic(__entry->state, { 0, "unlocked" },
				       { 1, "locked" }, { 2, "run" },
				       { 3, "error" }))
);

/*
 * tsm_link_event - the core acted on a reset, a power transition or an
 *	IDE key refresh
 * @pdev: the function
 * @event: unbound (an interface was unbound before the reset), kept (the
 *	   link survived), disconnected (it did not: torn down),
 *	   reconnected or reconnect_failed (the "reconnect" policy), unlocked
 *	   (devsec: a locked function was unlocked before the reset),
 *	   refreshed or refresh_failed (IDE key refresh)
 * @cause: what happened: reset (of the function), error (the recovery
 *	   of a port from an error reset everything below it), suspend or
 *	   resume (of the system), user or interval (a refresh asked for through sysfs
 *	   or by the period), refresh (a failed refresh cost the link)
 * @rc: for kept and disconnected the result of the TSM's link check, for
 *	reconnect_failed the error of connect, for refresh_failed the error
 *	of the refresh, else 0
 */
TRACE_EVENT(tsm_link_event,
	    TP_PROTO(struct pci_dev *pdev, const char *event,
		     const char *cause, int rc),
	    TP_ARGS(pdev, event, cause, rc),
	    TP_STRUCT__entry(__string(dev, pci_name(pdev))
			     __string(event, event)
			     __string(cause, cause)
			     __field(int, rc)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(event);
			   __assign_str(cause);
			   __entry->rc = rc;),
	    TP_printk("%s %s cause=%s rc=%d", __get_str(dev),
		      __get_str(event), __get_str(cause), __entry->rc)
);

/*
 * tsm_doe - a DOE exchange carried for a TSM ended
 * @pdev: the DSM
 * @type: PCI-SIG data object type: 1 CMA/SPDM, 2 secured CMA/SPDM
 * @req_sz: size of the request in bytes
 * @rc: size of the response in bytes, or -errno
 */
TRACE_EVENT(tsm_doe,
	    TP_PROTO(struct pci_dev *pdev, u8 type, size_t req_sz, ssize_t rc),
	    TP_ARGS(pdev, type, req_sz, rc),
	    TP_STRUCT__entry(__string(dev, pci_name(pdev))
			     __field(u8, type)
			     __field(size_t, req_sz)
			     __field(ssize_t, rc)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->type = type;
			   __entry->req_sz = req_sz;
			   __entry->rc = rc;),
	    TP_printk("%s type=%s req=%zu rc=%zd", __get_str(dev),
		      __print_symbolic(__entry->type, { 1, "spdm" },
				       { 2, "secured-spdm" }),
		      __entry->req_sz, __entry->rc)
);

/*
 * tsm_fw_cmd - a TSM backend's firmware command ended
 * @dev: the device of the firmware (for example the PSP), or NULL
 * @cmd: command ID
 * @rc: 0 or -errno
 * @status: the firmware's status, -1 if the firmware was not reached
 */
TRACE_EVENT(tsm_fw_cmd,
	    TP_PROTO(struct device *dev, u32 cmd, int rc, int status),
	    TP_ARGS(dev, cmd, rc, status),
	    TP_STRUCT__entry(__string(dev, dev ? dev_name(dev) : "-")
			     __field(u32, cmd)
			     __field(int, rc)
			     __field(int, status)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->cmd = cmd;
			   __entry->rc = rc;
			   __entry->status = status;),
	    TP_printk("%s cmd=%#x rc=%d status=%#x", __get_str(dev),
		      __entry->cmd, __entry->rc, __entry->status)
);

#endif /* _TRACE_TSM_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
