/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the PCIe IDE stream library (trace system "tsm", like
 * <trace/events/tsm.h>): Selective IDE stream state changes in a port.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tsm

#if !defined(_TRACE_TSM_IDE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_TSM_IDE_H

#include <linux/pci.h>
#include <linux/tracepoint.h>

/*
 * tsm_ide_stream - a Selective IDE stream was enabled or disabled in a port
 * @pdev: the port: Root Port or Endpoint
 * @stream_id: the stream's Stream ID
 * @enable: true for enable, false for disable
 * @state: after an enable, the Selective IDE Stream State the port reports
 *	   (0 Insecure, 2 Secure), or -ENODEV if it could not be read; after
 *	   a disable, 0
 */
TRACE_EVENT(tsm_ide_stream,
	    TP_PROTO(struct pci_dev *pdev, int stream_id, bool enable,
		     int state),
	    TP_ARGS(pdev, stream_id, enable, state),
	    TP_STRUCT__entry(__string(dev, pci_name(pdev))
			     __field(int, stream_id)
			     __field(bool, enable)
			     __field(int, state)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->stream_id = stream_id;
			   __entry->enable = enable;
			   __entry->state = state;),
	    TP_printk("%s stream=%d %s state=%s", __get_str(dev),
		      __entry->stream_id,
		      __entry->enable ? "enable" : "disable",
		      __print_symbolic(__entry->state, { 0, "insecure" },
				       { 2, "secure" },
				       { -ENODEV, "unreadable" }))
);

#endif /* _TRACE_TSM_IDE_H */

/* The trace system is "tsm", the file is not tsm.h */
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tsm_ide

/* This part must be outside protection */
#include <trace/define_trace.h>
