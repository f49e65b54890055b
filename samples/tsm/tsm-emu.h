/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Emulated TEE-IO PCIe platform (test only).
 *
 * tsm_emu creates PCI domains whose configuration space is emulated in
 * memory: root ports carrying the IDE extended capability and endpoints
 * with DEVCAP TEE-IO, a DOE mailbox and the IDE capability.  Nothing
 * behind the emulated BARs is ever decoded.  It exists so that the IDE
 * library, the PCI/TSM core and TSM backends can run their real code paths
 * without TEE-IO hardware.  Never load it on a production system.
 *
 * Default topology (struct tsm_emu_config, tsm_emu_default_config()):
 *
 *   DDDD:00:00.0  root port 0 (IDE, port number 0)
 *     DDDD:01:00.0  TEE endpoint (DSM): DEVCAP TEE, DOE, IDE     "DSM_MFD"
 *     DDDD:01:00.1  TEE endpoint function 1: DEVCAP TEE only
 *   DDDD:00:01.0  root port 1 (IDE, port number 1)
 *     DDDD:02:00.0  TEE endpoint (DSM): DEVCAP TEE, DOE, IDE     "DSM"
 *   DDDD:00:02.0  root port 2 (IDE, port number 2)
 *     DDDD:03:00.0  plain endpoint: no TEE, no DOE, no IDE      "PLAIN"
 *
 * DDDD is the domain (default %TSM_EMU_DEFAULT_DOMAIN).  Root port N is
 * device N on bus 0 and is pre-programmed (as firmware would) with
 * secondary = subordinate = N + 1.  An instance may instead start at bus
 * B of its domain (&tsm_emu_config.bus_base, for one inside domain 0 next
 * to the machine's own root bus): every bus number above is then B more.
 *
 * Every endpoint function has BAR0 (64-bit non-prefetchable, 1 MiB,
 * holding the MSI-X table at 0 and the PBA at 0x1000, 8 vectors) and BAR2
 * (64-bit prefetchable, 2 MiB), a PCIe capability (Endpoint, FLR) and an
 * MSI-X capability.  All functions have the Device 3 extended capability.
 *
 * IDE capability geometry (defaults): root ports have one Link IDE block
 * and 4 Selective IDE Stream blocks with 2 Address Association blocks
 * each; IDE endpoints have no Link IDE and 2 Selective IDE Stream blocks
 * with 1 Address Association block each.  Both advertise IDE_KM,
 * Selective IDE for Configuration Requests and TEE-Limited Stream.
 *
 * A Selective (or Link) IDE Stream Status register reads Secure only while
 * its Control register has Enable set (written 0->1 with the Stream ID
 * unchanged since) and traffic of its Stream ID passes both ways between
 * the link partners, the root port and its IDE endpoint.  Otherwise it
 * reads Insecure.  The state is evaluated on every change, so the status
 * read right after Enable is written already reads Secure if the keys are
 * in place.
 *
 * Keys are modelled as IDE hardware holds them: two key sets (K0, K1) per
 * Stream ID and direction, each "programmed and set to go" or not
 * (tsm_emu_ide_key(), standing in for IDE_KM KEY_PROG + K_SET_GO and
 * K_SET_STOP, or the platform's equivalent for the root port).  A
 * function transmits with the key set whose Tx keys were set to go last;
 * it receives on any key set whose Rx keys are set to go.  Traffic passes
 * when the receiver has Rx keys set to go, with the same tag, in the key
 * set the transmitter uses.  A Secure block whose traffic stops passing
 * because keys changed (say a transmitter switched key sets before its
 * partner could receive on the new one) has failed: it reads Insecure
 * until Enable is written 0->1 again, and the function's refused count
 * (tsm_emu_fn_ide_refused()) goes up.  A key refresh in the right order
 * (new Rx keys at both ends, then the transmitters, then the old keys
 * stopped) keeps the blocks Secure throughout.
 *
 * DOE mailbox (PCIe r6.0 6.30): the emulation answers DOE Discovery itself
 * and lists (0x0001, 0) Discovery, (0x0001, 1) CMA/SPDM and (0x0001, 2)
 * Secured CMA/SPDM.  Requests of other types set DOE Error.  CMA and
 * secured CMA requests are handed, in process context, to the instance's
 * responder (tsm_emu_doe_responder_register()) or, if none is registered,
 * to tsm_emu_doe_default_responder().  The largest data object accepted or
 * produced is %TSM_EMU_DOE_MAX_DW dwords (header included); a longer
 * request sets DOE Error at Go.
 *
 * Power: the endpoints have a PCI PM capability with D0 and D3hot,
 * No_Soft_Reset clear, so that D3hot to D0 is a conventional reset.
 * D3cold needs the platform: with the SSDT of the test VM
 * (tsm-emu-ssdt.asl, \_SB.TSME), the endpoints of the instance whose
 * domain is its _UID get ACPI companions with a power resource per
 * device (emu-pm.c).  Main power off is a conventional reset and takes
 * the link down (configuration reads return all ones, writes are
 * dropped); power on is another conventional reset.  debugfs
 * tsm_emu/DDDD/BB:DD.F/power reads "on" or "off" and the power cycles of
 * the function.  The driver "tsm_emu_ep" (bound through driver_override)
 * lets runtime PM suspend a function, into D3cold with the SSDT.
 *
 * Locking: configuration space, mailbox registers and key state of one
 * instance are protected by one raw spinlock taken inside the PCI config
 * accessors (which already run under the PCI core's raw pci_lock); none of
 * the functions below may be called with that lock held.
 */
#ifndef _SAMPLES_TSM_TSM_EMU_H_
#define _SAMPLES_TSM_TSM_EMU_H_

#include <linux/types.h>

struct pci_bus;
struct pci_dev;
struct tsm_emu;
struct tsm_emu_fn;

/*
 * Fake PCI IDs used by the emulation.  0x7e57 ("TEST") is a made-up
 * vendor ID for this test platform only.
 */
#define TSM_EMU_VENDOR_ID		0x7e57
#define TSM_EMU_DEVICE_ID_RP		0x0001	/* root port */
#define TSM_EMU_DEVICE_ID_DSM		0x0010	/* TEE endpoint, function 0 */
#define TSM_EMU_DEVICE_ID_DSM_FN	0x0011	/* TEE endpoint, other functions */
#define TSM_EMU_DEVICE_ID_PLAIN		0x0020	/* endpoint without TEE-IO */

/* Domain of the instance created at module load (module parameter) */
#define TSM_EMU_DEFAULT_DOMAIN		0x00f0
/* Maximum number of root ports of one instance */
#define TSM_EMU_MAX_PORTS		8
/* Instances created at module load (nr_domains, and one for guest_bus) */
#define TSM_EMU_MAX_DEFAULT		4
/* Maximum functions of one emulated endpoint device */
#define TSM_EMU_MAX_FUNCS		8

/* Largest DOE data object, in dwords, including the 2 header dwords */
#define TSM_EMU_DOE_MAX_DW		1024

/*
 * tsm_emu_doe_default_responder() answers every CMA/SPDM or secured
 * CMA/SPDM request that is not an SPDM GET_VERSION with this dword (bytes
 * "ECHO") followed by the request payload.
 */
#define TSM_EMU_DOE_ECHO_MARKER		0x4f484345

/**
 * enum tsm_emu_ep_kind - what sits below a root port
 * @TSM_EMU_EP_NONE: nothing, the link is empty
 * @TSM_EMU_EP_PLAIN: single-function endpoint, no TEE, no DOE, no IDE
 * @TSM_EMU_EP_DSM: single-function TEE endpoint with DOE and IDE
 * @TSM_EMU_EP_DSM_MFD: multi-function TEE endpoint (two functions unless
 *	&tsm_emu_config.mfd_funcs says otherwise): function 0 has DEVCAP TEE,
 *	DOE and IDE; the others have DEVCAP TEE only
 */
enum tsm_emu_ep_kind {
	TSM_EMU_EP_NONE,
	TSM_EMU_EP_PLAIN,
	TSM_EMU_EP_DSM,
	TSM_EMU_EP_DSM_MFD,
};

/**
 * struct tsm_emu_config - shape of one emulated PCI domain
 * @domain: PCI domain (segment) number; its bus @bus_base must not be in
 *	use
 * @bus_base: number of the instance's root bus (0 for a domain of its
 *	own); the root ports' secondary buses follow it
 * @nr_ports: number of root ports, 1 to %TSM_EMU_MAX_PORTS
 * @ep: what sits below root port N
 * @rp_nr_sel: Selective IDE Stream blocks per root port (1 to 64)
 * @rp_nr_assoc: Address Association blocks per root port selective
 *	stream (0 to 15)
 * @rp_nr_link: Link IDE Stream blocks per root port (0 = no Link IDE,
 *	up to 8)
 * @ep_nr_sel: Selective IDE Stream blocks per IDE endpoint (1 to 64)
 * @ep_nr_assoc: Address Association blocks per endpoint selective stream
 * @ep_nr_link: Link IDE Stream blocks per IDE endpoint (0 to 8)
 * @segment_captured: Device 3 Status "Segment Captured" value of every
 *	function
 * @mfd_funcs: functions of each %TSM_EMU_EP_DSM_MFD endpoint, 2 to
 *	%TSM_EMU_MAX_FUNCS; 0 means 2
 * @doe_irq: the DOE mailboxes support the DOE interrupt (Interrupt Message
 *	Number 0).  The instance routes each to a simulated interrupt
 *	(kernel/irq/irq_sim.c) and, as the driver owning the vectors would,
 *	requests it with pci_doe_request_irq() once the functions are
 *	added.  Otherwise the mailboxes are polling-only.
 *
 * The IDE capability of a function must fit in its 4 KiB configuration
 * space; tsm_emu_create() returns -EINVAL otherwise.
 */
struct tsm_emu_config {
	int domain;
	u8 bus_base;
	unsigned int nr_ports;
	enum tsm_emu_ep_kind ep[TSM_EMU_MAX_PORTS];
	unsigned int rp_nr_sel;
	unsigned int rp_nr_assoc;
	unsigned int rp_nr_link;
	unsigned int ep_nr_sel;
	unsigned int ep_nr_assoc;
	unsigned int ep_nr_link;
	bool segment_captured;
	unsigned int mfd_funcs;
	bool doe_irq;
};

/**
 * enum tsm_emu_fn_flags - properties of an emulated function
 * @TSM_EMU_FN_ROOT_PORT: the function is a root port
 * @TSM_EMU_FN_TEE: DEVCAP TEE-IO Supported is set
 * @TSM_EMU_FN_DOE: the function has a DOE mailbox
 * @TSM_EMU_FN_IDE: the function has the IDE extended capability
 */
enum tsm_emu_fn_flags {
	TSM_EMU_FN_ROOT_PORT	= 1 << 0,
	TSM_EMU_FN_TEE		= 1 << 1,
	TSM_EMU_FN_DOE		= 1 << 2,
	TSM_EMU_FN_IDE		= 1 << 3,
};

/**
 * enum tsm_emu_doe_fault - injectable DOE mailbox faults
 * @TSM_EMU_DOE_FAULT_NONE: behave (also cancels a pending fault)
 * @TSM_EMU_DOE_FAULT_ERROR: set DOE Error at Go
 * @TSM_EMU_DOE_FAULT_NO_ANSWER: accept the request at Go and never answer
 *	(neither Busy nor Data Object Ready), so the requester times out
 * @TSM_EMU_DOE_FAULT_STAY_BUSY: set DOE Busy at Go and never answer
 * @TSM_EMU_DOE_FAULT_BUSY: set DOE Busy right away, as if another agent
 *	used the mailbox; the next Abort clears it (count is ignored)
 * @TSM_EMU_DOE_FAULT_BAD_VENDOR: answer with a wrong Vendor ID
 * @TSM_EMU_DOE_FAULT_BAD_TYPE: answer with a wrong Data Object Type
 * @TSM_EMU_DOE_FAULT_BAD_LENGTH: answer with a Length of 1 dword (< 2)
 * @TSM_EMU_DOE_FAULT_TRUNCATED: answer with a Length one dword larger than
 *	the object, so Data Object Ready drops before the last dword is read
 * @TSM_EMU_DOE_FAULT_MAX: number of fault kinds
 */
enum tsm_emu_doe_fault {
	TSM_EMU_DOE_FAULT_NONE,
	TSM_EMU_DOE_FAULT_ERROR,
	TSM_EMU_DOE_FAULT_NO_ANSWER,
	TSM_EMU_DOE_FAULT_STAY_BUSY,
	TSM_EMU_DOE_FAULT_BUSY,
	TSM_EMU_DOE_FAULT_BAD_VENDOR,
	TSM_EMU_DOE_FAULT_BAD_TYPE,
	TSM_EMU_DOE_FAULT_BAD_LENGTH,
	TSM_EMU_DOE_FAULT_TRUNCATED,
	TSM_EMU_DOE_FAULT_MAX,
};

/**
 * struct tsm_emu_doe_stats - counters of one DOE mailbox
 * @requests: Go writes seen
 * @responses: data objects made ready
 * @aborts: Abort writes seen
 * @errors: times DOE Error was set
 * @irqs: times the mailbox raised its interrupt
 */
struct tsm_emu_doe_stats {
	u64 requests;
	u64 responses;
	u64 aborts;
	u64 errors;
	u64 irqs;
};

/**
 * typedef tsm_emu_doe_responder_t - answer one DOE request
 * @fn: emulated function that owns the mailbox
 * @data: cookie given to tsm_emu_doe_responder_register()
 * @vendor: Data Object Vendor ID of the request (PCI-SIG, 0x0001)
 * @type: Data Object Type of the request (%PCI_DOE_FEATURE_CMA or
 *	%PCI_DOE_FEATURE_SSESSION)
 * @req: request payload, without the 2 dword DOE header
 * @req_sz: size of @req in bytes (a multiple of 4)
 * @rsp: buffer for the response payload, without DOE header
 * @rsp_sz: size of @rsp in bytes
 *
 * Called in process context, may sleep.  The emulation builds the response
 * header (same vendor and type as the request) and pads the payload to a
 * dword.
 *
 * Return: response payload size in bytes (0 to @rsp_sz), or a negative
 * errno to make the mailbox report DOE Error.
 */
typedef ssize_t (*tsm_emu_doe_responder_t)(struct tsm_emu_fn *fn, void *data,
					   u16 vendor, u8 type,
					   const void *req, size_t req_sz,
					   void *rsp, size_t rsp_sz);

/**
 * enum tsm_emu_reset_type - what reset an emulated function
 * @TSM_EMU_RESET_FLR: Function Level Reset of the function
 * @TSM_EMU_RESET_CONVENTIONAL: a conventional reset: a Secondary Bus
 *	Reset of the root port above, or the internal reset of a D3hot to
 *	D0 transition (No_Soft_Reset clear)
 */
enum tsm_emu_reset_type {
	TSM_EMU_RESET_FLR,
	TSM_EMU_RESET_CONVENTIONAL,
};

/**
 * struct tsm_emu_notifier_ops - watchers of an instance's functions
 * @cfg_write: a watched register of @fn was written: @where, @size (1, 2
 *	or 4), the @size bytes at @where before the write (@old) and the
 *	value written (@val).  Called for every configuration write that
 *	touches the Command register, a BAR, the Expansion ROM BAR, the
 *	PCIe Device Control register or the MSI-X Message Control
 *	register, after the write took effect (an FLR has already reset
 *	the function, and @reset was called for it).
 * @reset: optional: @fn was just reset (configuration back to its
 *	initial image, IDE keys dropped, DOE mailbox aborted) by @type
 *
 * Both are called with the instance's raw spinlock held and interrupts
 * disabled, from inside the PCI config accessors (under the PCI core's
 * raw pci_lock): they must not sleep, allocate memory, take a non-raw
 * lock or call any tsm_emu function.  @data is the cookie given to
 * tsm_emu_notifier_register().
 */
struct tsm_emu_notifier_ops {
	void (*cfg_write)(struct tsm_emu_fn *fn, void *data,
			  unsigned int where, unsigned int size, u32 old,
			  u32 val);
	void (*reset)(struct tsm_emu_fn *fn, void *data,
		      enum tsm_emu_reset_type type);
};

/**
 * tsm_emu_default_config() - fill in the default topology
 * @cfg: configuration to fill
 * @domain: PCI domain number for @cfg
 *
 * Three root ports with a two-function DSM, a single-function DSM and a
 * plain endpoint below them, IDE geometry as described at the top of this
 * file.
 */
void tsm_emu_default_config(struct tsm_emu_config *cfg, int domain);

/**
 * tsm_emu_create() - create an emulated PCI domain
 * @cfg: shape of the domain
 *
 * Reserves fake MMIO windows, creates the host bridge and root bus, scans
 * and assigns resources and adds the devices (DOE mailboxes are discovered
 * by the PCI core during the scan).  Process context; takes the PCI rescan
 * lock.
 *
 * Return: the instance or ERR_PTR(): -EINVAL for a bad @cfg, -EEXIST if
 * the domain already exists, -ENOMEM, -EBUSY if no MMIO window is free.
 */
struct tsm_emu *tsm_emu_create(const struct tsm_emu_config *cfg);

/**
 * tsm_emu_destroy() - remove an emulated PCI domain
 * @emu: instance from tsm_emu_create(), or NULL
 *
 * Removes all devices, the root bus and the host bridge, then frees the
 * emulated functions.  The DOE responder (if any) must be unregistered
 * first.
 */
void tsm_emu_destroy(struct tsm_emu *emu);

/**
 * tsm_emu_default_nth() - an instance created at module load
 * @n: its index, 0 to module parameter nr_domains - 1; instance @n is
 *	domain (module parameter) + @n, with its own host bridge; with
 *	module parameter guest_bus, instance nr_domains is the one in
 *	domain 0 from that bus on
 *
 * Return: the instance, or NULL if there is no such instance.  Valid
 * until the module is unloaded.
 */
struct tsm_emu *tsm_emu_default_nth(unsigned int n);

/**
 * tsm_emu_domain() - PCI domain number of an instance
 * @emu: instance
 *
 * Return: the domain number.
 */
int tsm_emu_domain(struct tsm_emu *emu);

/**
 * tsm_emu_root_bus() - root bus of an instance
 * @emu: instance
 *
 * Return: the root bus (bus 0 of the domain).
 */
struct pci_bus *tsm_emu_root_bus(struct tsm_emu *emu);

/**
 * tsm_emu_root_port() - emulated root port
 * @emu: instance
 * @port: root port index (device number on bus 0)
 *
 * Return: the root port or NULL if @port is out of range.
 */
struct tsm_emu_fn *tsm_emu_root_port(struct tsm_emu *emu, unsigned int port);

/**
 * tsm_emu_endpoint() - emulated endpoint function below a root port
 * @emu: instance
 * @port: root port index
 * @func: function number of the endpoint device
 *
 * Return: the function or NULL if there is no such function.
 */
struct tsm_emu_fn *tsm_emu_endpoint(struct tsm_emu *emu, unsigned int port,
				    unsigned int func);

/**
 * tsm_emu_fn_next() - iterate over the functions of an instance
 * @emu: instance
 * @prev: previous function, or NULL to get the first one
 *
 * Walk with: for (fn = tsm_emu_fn_next(emu, NULL); fn;
 * fn = tsm_emu_fn_next(emu, fn)).  Root port N comes before the functions
 * below it, then root port N + 1.
 *
 * Return: the function after @prev or NULL at the end.
 */
struct tsm_emu_fn *tsm_emu_fn_next(struct tsm_emu *emu,
				   struct tsm_emu_fn *prev);

/**
 * tsm_emu_pdev_to_fn() - emulated function behind a PCI device
 * @pdev: any PCI device
 *
 * Return: the emulated function, or NULL if @pdev is not emulated here.
 */
struct tsm_emu_fn *tsm_emu_pdev_to_fn(struct pci_dev *pdev);

/**
 * tsm_emu_fn_get_pci_dev() - PCI device currently bound to a function
 * @fn: emulated function
 *
 * The emulated function outlives its struct pci_dev (sysfs remove, rescan).
 *
 * Return: the PCI device with a reference held (drop it with
 * pci_dev_put()), or NULL if the function is not enumerated right now.
 */
struct pci_dev *tsm_emu_fn_get_pci_dev(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_emu() - instance of a function
 * @fn: emulated function
 *
 * Return: the instance @fn belongs to.
 */
struct tsm_emu *tsm_emu_fn_emu(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_partner() - IDE link partner
 * @fn: emulated function
 *
 * Return: for a root port, the IDE-capable function below it; for an IDE
 * endpoint, its root port; otherwise NULL.
 */
struct tsm_emu_fn *tsm_emu_fn_partner(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_name() - stable name of a function
 * @fn: emulated function
 *
 * Return: "DDDD:BB:DD.F" with the bus number of the emulated topology.
 */
const char *tsm_emu_fn_name(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_rid() - Requester ID of a function in the emulated topology
 * @fn: emulated function
 *
 * Return: bus << 8 | devfn, using the pre-programmed bus numbers.
 */
u16 tsm_emu_fn_rid(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_flags() - properties of a function
 * @fn: emulated function
 *
 * Return: mask of &enum tsm_emu_fn_flags.
 */
unsigned int tsm_emu_fn_flags(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_doe_offset() - DOE extended capability offset
 * @fn: emulated function
 *
 * Return: configuration space offset of the DOE capability, 0 if none.
 */
u16 tsm_emu_fn_doe_offset(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_doe_irq() - simulated interrupt of a function's DOE mailbox
 * @fn: emulated function
 *
 * Return: the Linux interrupt number, 0 if the mailbox is polling-only
 * (&tsm_emu_config.doe_irq) or the function has none.
 */
unsigned int tsm_emu_fn_doe_irq(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_ide_offset() - IDE extended capability offset
 * @fn: emulated function
 *
 * Return: configuration space offset of the IDE capability, 0 if none.
 */
u16 tsm_emu_fn_ide_offset(struct tsm_emu_fn *fn);

/**
 * tsm_emu_fn_ide_sel_offset() - offset of a Selective IDE Stream block
 * @fn: emulated function
 * @block: selective block index
 *
 * Return: configuration space offset of the block's Selective IDE Stream
 * Capability register, or -EINVAL if @fn has no such block.
 */
int tsm_emu_fn_ide_sel_offset(struct tsm_emu_fn *fn, unsigned int block);

/**
 * tsm_emu_cfg_peek() - read the emulated configuration space directly
 * @fn: emulated function
 * @where: byte offset, rounded down to a dword
 *
 * Reads what a configuration read would return, without the PCI core and
 * without side effects, also while no struct pci_dev exists.
 *
 * Return: the dword, or ~0 if @where is beyond 4 KiB.
 */
u32 tsm_emu_cfg_peek(struct tsm_emu_fn *fn, unsigned int where);

/**
 * tsm_emu_fn_bar_size() - size of a BAR of an emulated function
 * @fn: emulated function
 * @bar: BAR index, 0 to 5
 *
 * Return: the size in bytes, 0 if the BAR is not implemented or is the
 * upper half of a 64-bit BAR.
 */
u64 tsm_emu_fn_bar_size(struct tsm_emu_fn *fn, unsigned int bar);

/**
 * tsm_emu_notifier_register() - watch writes to and resets of functions
 * @emu: instance
 * @ops: called for every function of @emu, see &struct
 *	tsm_emu_notifier_ops
 * @data: cookie passed to @ops
 *
 * Return: 0, -EINVAL if @ops has no @cfg_write, -EBUSY if a notifier is
 * already registered.
 */
int tsm_emu_notifier_register(struct tsm_emu *emu,
			      const struct tsm_emu_notifier_ops *ops,
			      void *data);

/**
 * tsm_emu_notifier_unregister() - stop watching
 * @emu: instance
 *
 * The notifier is not running and will not be called any more when this
 * returns.
 */
void tsm_emu_notifier_unregister(struct tsm_emu *emu);

/**
 * tsm_emu_cfg_poke() - overwrite emulated configuration space directly
 * @fn: emulated function
 * @where: byte offset, rounded down to a dword
 * @val: new value
 *
 * Stores @val ignoring write masks and side effects, e.g. to corrupt a
 * capability for a negative test.  The change persists until the
 * function is reset (FLR or secondary bus reset restores the initial
 * image) or the instance is destroyed.
 */
void tsm_emu_cfg_poke(struct tsm_emu_fn *fn, unsigned int where, u32 val);

/**
 * enum tsm_emu_ide_dir - direction of IDE keys, seen from their function
 * @TSM_EMU_IDE_RX: receive
 * @TSM_EMU_IDE_TX: transmit
 *
 * The values are those of bit 1 of the IDE_KM key selector.
 */
enum tsm_emu_ide_dir {
	TSM_EMU_IDE_RX,
	TSM_EMU_IDE_TX,
};

/**
 * tsm_emu_fn_ide_key() - keys of one key set and direction set to go or
 *	stopped
 * @fn: emulated root port or IDE endpoint
 * @stream_id: IDE Stream ID
 * @key_set: 0 (K0) or 1 (K1)
 * @dir: direction
 * @go: true: the keys are programmed and set to go; false: stopped
 * @tag: names the keys (a receiver takes a transmitter's traffic only if
 *	their tags are equal); ignored when stopping
 *
 * Tx keys set to go make @key_set the one @fn transmits with.  Stopping
 * the Tx keys in use switches to the other key set if its Tx keys are set
 * to go.  Status registers of every enabled block of @fn and of its
 * partner are re-evaluated at once.
 *
 * Return: 0, -ENODEV if @fn has no IDE capability, -EINVAL for a bad
 * @key_set or @dir.
 */
int tsm_emu_fn_ide_key(struct tsm_emu_fn *fn, u8 stream_id, u8 key_set,
		       enum tsm_emu_ide_dir dir, bool go, u32 tag);

/**
 * tsm_emu_ide_key() - tsm_emu_fn_ide_key() by PCI device
 * @pdev: emulated root port or IDE endpoint
 * @stream_id: IDE Stream ID
 * @key_set: 0 (K0) or 1 (K1)
 * @dir: direction
 * @go: true: the keys are programmed and set to go; false: stopped
 * @tag: names the keys
 *
 * Return: as tsm_emu_fn_ide_key(); -ENODEV if @pdev is not emulated.
 */
int tsm_emu_ide_key(struct pci_dev *pdev, u8 stream_id, u8 key_set,
		    enum tsm_emu_ide_dir dir, bool go, u32 tag);

/**
 * tsm_emu_fn_ide_tx_key_set() - the key set a function transmits with
 * @fn: emulated function with IDE
 * @stream_id: IDE Stream ID
 *
 * Return: 0 or 1, or -ENOKEY if no Tx keys of @stream_id are set to go.
 */
int tsm_emu_fn_ide_tx_key_set(struct tsm_emu_fn *fn, u8 stream_id);

/**
 * tsm_emu_fn_ide_refused() - failures of Secure blocks caused by keys
 * @fn: emulated function with IDE
 *
 * Also readable through debugfs (tsm_emu/DDDD:BB:DD.F/ide_refused);
 * tsm_emu/DDDD:BB:DD.F/ide_keys lists "ID tx KN" for each Stream ID the
 * function transmits and receives on.
 *
 * Return: how many times a Secure block of @fn failed because traffic
 * hit a key set its receiver did not have set to go (or had other keys
 * in), since the instance was created.
 */
unsigned long tsm_emu_fn_ide_refused(struct tsm_emu_fn *fn);

/**
 * tsm_emu_ide_key_set() - keys of an IDE stream programmed and set to go
 * @pdev: emulated root port or IDE endpoint
 * @stream_id: IDE Stream ID
 * @go: true: keys are programmed and set to go; false: keys stopped
 *
 * The whole stream at once: @go sets the Rx and Tx keys of key set 0 to
 * go, with tag 0; !@go stops both key sets in both directions.  See
 * tsm_emu_fn_ide_key() for one key set and direction.
 *
 * Return: 0, or -ENODEV if @pdev is not an emulated function with IDE.
 */
int tsm_emu_ide_key_set(struct pci_dev *pdev, u8 stream_id, bool go);

/**
 * tsm_emu_fn_ide_key_set() - tsm_emu_ide_key_set() by emulated function
 * @fn: emulated root port or IDE endpoint
 * @stream_id: IDE Stream ID
 * @go: true: keys are programmed and set to go; false: keys stopped
 *
 * Return: 0, or -ENODEV if @fn has no IDE capability.
 */
int tsm_emu_fn_ide_key_set(struct tsm_emu_fn *fn, u8 stream_id, bool go);

/**
 * tsm_emu_fn_ide_key_is_set() - are keys set to go for a stream
 * @fn: emulated function
 * @stream_id: IDE Stream ID
 *
 * Return: true if @fn transmits with keys of @stream_id and has Rx keys
 * of @stream_id set to go.
 */
bool tsm_emu_fn_ide_key_is_set(struct tsm_emu_fn *fn, u8 stream_id);

/**
 * tsm_emu_fn_ide_inject_fail() - integrity check failure on a stream
 * @fn: emulated root port or IDE endpoint
 * @block: selective block index
 *
 * Sets "Received Integrity Check Fail Message" in the block's status and
 * drops the block to Insecure until its Enable is cleared and set again.
 *
 * Return: 0, or -EINVAL if @fn has no such block.
 */
int tsm_emu_fn_ide_inject_fail(struct tsm_emu_fn *fn, unsigned int block);

/**
 * tsm_emu_doe_responder_register() - answer CMA/SPDM requests of an instance
 * @emu: instance
 * @responder: function called for every CMA/SPDM or secured CMA/SPDM request
 * @data: cookie passed to @responder
 *
 * Return: 0, or -EBUSY if a responder is already registered.
 */
int tsm_emu_doe_responder_register(struct tsm_emu *emu,
				   tsm_emu_doe_responder_t responder,
				   void *data);

/**
 * tsm_emu_doe_responder_register_raw() - answer with whole data objects
 * @emu: instance
 * @responder: function called for every CMA/SPDM or secured CMA/SPDM request
 * @data: cookie passed to @responder
 *
 * Like tsm_emu_doe_responder_register(), but @responder writes the
 * complete response data object to @rsp, DOE header included, and returns
 * its size in bytes (a multiple of 4, at least 8).  The header is put in
 * the Read Data Mailbox as it is, so a responder can produce the wrong
 * Vendor ID, Data Object Type or Length a faulty device would, and the
 * requester has to cope.  A size that is not a multiple of 4, below 8 or
 * above @rsp_sz sets DOE Error.  @req and @req_sz still describe the
 * request payload only.  Unregister with
 * tsm_emu_doe_responder_unregister().
 *
 * Return: 0, or -EBUSY if a responder is already registered.
 */
int tsm_emu_doe_responder_register_raw(struct tsm_emu *emu,
				       tsm_emu_doe_responder_t responder,
				       void *data);

/**
 * tsm_emu_doe_responder_unregister() - go back to the default responder
 * @emu: instance
 *
 * Waits until no call of the registered responder is running.
 */
void tsm_emu_doe_responder_unregister(struct tsm_emu *emu);

/**
 * tsm_emu_doe_default_responder() - built-in minimal responder
 * @fn: emulated function
 * @data: unused
 * @vendor: request Vendor ID
 * @type: request Data Object Type
 * @req: request payload
 * @req_sz: size of @req in bytes
 * @rsp: response payload buffer
 * @rsp_sz: size of @rsp in bytes
 *
 * A CMA/SPDM GET_VERSION (10 84 00 00) gets VERSION (10 04 00 00, reserved,
 * 1 entry, 00 12 = version 1.2).  Anything else is echoed back behind
 * %TSM_EMU_DOE_ECHO_MARKER.  Registered responders may fall back to it.
 *
 * Return: response payload size, or -ENOSPC if @rsp is too small.
 */
ssize_t tsm_emu_doe_default_responder(struct tsm_emu_fn *fn, void *data,
				      u16 vendor, u8 type,
				      const void *req, size_t req_sz,
				      void *rsp, size_t rsp_sz);

/**
 * tsm_emu_doe_inject_after() - inject a DOE mailbox fault further on
 * @fn: emulated function with a DOE mailbox
 * @fault: what to do
 * @count: number of requests (Go writes) affected; 0 means 1
 * @skip: requests answered normally before the first affected one
 *
 * Replaces a previously injected fault.  %TSM_EMU_DOE_FAULT_BUSY applies
 * at once and ignores @count and @skip.  Also settable through debugfs
 * (tsm_emu/DDDD:BB:DD.F/doe_fault: "NAME [COUNT [SKIP]]").
 *
 * Return: 0, -ENODEV if @fn has no mailbox, -EINVAL for a bad @fault.
 */
int tsm_emu_doe_inject_after(struct tsm_emu_fn *fn,
			     enum tsm_emu_doe_fault fault, unsigned int count,
			     unsigned int skip);

/**
 * tsm_emu_doe_inject() - inject a DOE mailbox fault at the next request
 * @fn: emulated function with a DOE mailbox
 * @fault: what to do
 * @count: number of following requests (Go writes) affected; 0 means 1
 *
 * As tsm_emu_doe_inject_after() with nothing skipped.
 *
 * Return: 0, -ENODEV if @fn has no mailbox, -EINVAL for a bad @fault.
 */
static inline int tsm_emu_doe_inject(struct tsm_emu_fn *fn,
				     enum tsm_emu_doe_fault fault,
				     unsigned int count)
{
	return tsm_emu_doe_inject_after(fn, fault, count, 0);
}

/**
 * tsm_emu_doe_set_delay() - responder latency
 * @fn: emulated function with a DOE mailbox
 * @msecs: time to sleep before each answer is made ready (max 10000)
 *
 * Return: 0, -ENODEV if @fn has no mailbox, -EINVAL if @msecs is too big.
 */
int tsm_emu_doe_set_delay(struct tsm_emu_fn *fn, unsigned int msecs);

/**
 * tsm_emu_doe_get_stats() - read the counters of a DOE mailbox
 * @fn: emulated function with a DOE mailbox
 * @stats: filled in with the counters
 *
 * Return: 0 or -ENODEV if @fn has no mailbox.
 */
int tsm_emu_doe_get_stats(struct tsm_emu_fn *fn,
			  struct tsm_emu_doe_stats *stats);

#endif /* _SAMPLES_TSM_TSM_EMU_H_ */
