/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCIe Integrity and Data Encryption (IDE) stream library
 *
 * The kernel only programs the non-secret IDE registers (Stream ID, RID and
 * address association, enable).  Keys are programmed by the TEE Security
 * Manager (TSM) and never seen by the kernel.
 */
#ifndef __PCI_IDE_H__
#define __PCI_IDE_H__

#include <linux/cleanup.h>
#include <linux/pci.h>
#include <linux/range.h>

/*
 * Stream ID 255 is reserved: the per-host-bridge pool holds the indices
 * 0..254, and a stream's Stream ID must be in that range too.
 */
#define PCI_IDE_STREAM_ID_MAX	254
#define PCI_IDE_NR_STREAMS	(PCI_IDE_STREAM_ID_MAX + 1)

/* Address Association Register Blocks per Selective IDE block (4-bit field) */
#define PCI_IDE_MEM_ASSOC_MAX	15

/**
 * enum pci_ide_partner_select - the two ports of a Selective IDE stream
 * @PCI_IDE_EP: the Endpoint
 * @PCI_IDE_RP: the Root Port above the Endpoint
 * @PCI_IDE_PARTNER_MAX: number of partners
 */
enum pci_ide_partner_select {
	PCI_IDE_EP,
	PCI_IDE_RP,
	PCI_IDE_PARTNER_MAX,
};

/**
 * struct pci_ide_partner - one port's Selective IDE stream register settings
 * @rid_start: RID Base of the RID association (first Requester ID of the
 *	       other partner's traffic)
 * @rid_end: RID Limit of the RID association (last Requester ID)
 * @stream_index: index of the Selective IDE Stream register block of this
 *		  port that carries the stream (allocated by
 *		  pci_ide_stream_alloc(), do not change)
 * @default_stream: set Default Stream in the Control register: the
 *		    Endpoint uses this stream for every upstream TLP whatever
 *		    the association registers say
 * @setup: pci_ide_stream_setup() wrote this port's registers and
 *	   pci_ide_stream_teardown() has not cleared them (library only)
 * @enable: pci_ide_stream_enable() set Enable in this port and
 *	    pci_ide_stream_disable() has not cleared it (library only)
 * @nr_mem: number of valid entries in @mem_assoc, at most the port's
 *	    pci_dev::nr_ide_mem (extension: mainline programs no address
 *	    association)
 * @mem_assoc: memory address association ranges, PCI bus addresses.  The
 *	       registers have 1 MiB granularity: the start is rounded down
 *	       and the end rounded up to a 1 MiB boundary (extension).
 *
 * The fields up to @enable are mainline's.  pci_ide_stream_alloc() fills
 * in defaults (see there); the stream's owner may change the settings
 * before pci_ide_stream_setup() for this port.  Selective IDE for
 * Configuration Requests and TEE-Limited Stream are per port, in
 * pci_dev::ide_cfg and pci_dev::ide_tee_limit.
 */
struct pci_ide_partner {
	u16 rid_start;
	u16 rid_end;
	u8 stream_index;
	unsigned int default_stream:1;
	unsigned int setup:1;
	unsigned int enable:1;
	u8 nr_mem;
	struct range mem_assoc[PCI_IDE_MEM_ASSOC_MAX];
};

/**
 * struct pci_ide - a Selective IDE stream between an Endpoint and its Root Port
 * @pdev: the Endpoint (a reference is held while the stream is allocated)
 * @partner: per-port settings, indexed by &enum pci_ide_partner_select
 * @host_bridge_stream: index H of the stream in the host bridge's pool
 * @stream_id: Stream ID programmed in both ports, 0..%PCI_IDE_STREAM_ID_MAX;
 *	       negative (-1 from pci_ide_stream_alloc()) until the owner, which
 *	       owns Stream ID allocation, sets it
 * @name: "streamH.R.E" while registered with pci_ide_stream_register(),
 *	  else %NULL
 * @tsm_dev: the TSM device that owns the stream, set and used by the owner
 *	     (extension; the library does not use it)
 *
 * Locking: the owner serialises all operations on one stream.  Streams do
 * not share registers, so different streams need no common lock; the
 * host bridge pool has its own locking (see drivers/pci/ide.c).
 */
struct pci_ide {
	struct pci_dev *pdev;
	struct pci_ide_partner partner[PCI_IDE_PARTNER_MAX];
	u8 host_bridge_stream;
	int stream_id;
	const char *name;
	struct device *tsm_dev;
};

/**
 * struct pci_ide_status - decoded Selective IDE Stream Status register
 * @state: Selective IDE Stream State, %PCI_IDE_SEL_STS_STATE_INSECURE,
 *	   %PCI_IDE_SEL_STS_STATE_SECURE or a reserved encoding
 * @integrity_fail: Received Integrity Check Fail Message
 */
struct pci_ide_status {
	u8 state;
	bool integrity_fail;
};

int pci_ide_set_nr_streams(struct pci_host_bridge *hb, unsigned int nr);
struct pci_ide_partner *pci_ide_to_settings(struct pci_dev *pdev,
					    struct pci_ide *ide);
struct pci_ide *pci_ide_stream_alloc(struct pci_dev *pdev);
void pci_ide_stream_free(struct pci_ide *ide);
int pci_ide_stream_register(struct pci_ide *ide);
void pci_ide_stream_unregister(struct pci_ide *ide);
void pci_ide_stream_setup(struct pci_dev *pdev, struct pci_ide *ide);
void pci_ide_stream_teardown(struct pci_dev *pdev, struct pci_ide *ide);
int pci_ide_stream_enable(struct pci_dev *pdev, struct pci_ide *ide);
void pci_ide_stream_disable(struct pci_dev *pdev, struct pci_ide *ide);
int pci_ide_stream_status(struct pci_dev *pdev, struct pci_ide *ide,
			  struct pci_ide_status *status);
int pci_ide_stream_secure(struct pci_ide *ide);
void pci_ide_stream_release(struct pci_ide *ide);
DEFINE_FREE(pci_ide_stream_release, struct pci_ide *, pci_ide_stream_release(_T))

#endif /* __PCI_IDE_H__ */
