// SPDX-License-Identifier: GPL-2.0
/*
 * Power management of the emulated TEE-IO platform (test only): D3cold.
 *
 * D3cold needs the platform to remove main power.  The SSDT of the test
 * VM (samples/tsm/tsm-emu-ssdt.asl) describes \_SB.TSME ("TSME0001"),
 * whose _UID is the PCI domain of the instance it describes, with a child
 * per endpoint function (_ADR: root port index << 16 | function) whose
 * _PR0 and _PR3 name the power resource of the device below that root
 * port.  This file
 *
 *  - gives the functions of that instance these children as ACPI
 *    companions (pci_acpi_set_companion_lookup_hook()), so that the PCI
 *    core finds them power manageable with D3cold;
 *  - handles the operation region of space %TSM_EMU_PM_SPACE_ID that the
 *    power resources' _STA, _ON and _OFF use: the byte at a root port
 *    index is the main power of the device below it
 *    (tsm_emu_fn_set_power());
 *  - registers "tsm_emu_ep", a PCI driver with no ID (bound through
 *    driver_override) whose runtime PM lets a function be suspended, so
 *    that pci_pm_runtime_suspend() really puts it into D3cold.
 *
 * Without the SSDT (KUnit, or another VM), nothing but the driver is set
 * up and everything works as before, only without D3cold.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/cleanup.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-acpi.h>
#include <linux/pm_runtime.h>

#include "emu-priv.h"

/* Vendor-defined operation region space of the SSDT's power resources */
#define TSM_EMU_PM_SPACE_ID	0xD3
#define TSM_EMU_PM_HID		"TSME0001"

/*
 * Protects tsm_emu_pm_emu.  Taken by the region handler (in the ACPI
 * interpreter, power resource locks held), the companion lookup (under
 * the PCI rescan lock) and instance creation and removal; nothing else is
 * taken under it but &tsm_emu.lock.
 */
static DEFINE_MUTEX(tsm_emu_pm_lock);
/* The instance \_SB.TSME describes, while it exists */
static struct tsm_emu *tsm_emu_pm_emu;

#ifdef CONFIG_ACPI
/* \_SB.TSME, or NULL without the SSDT; a reference is held */
static struct acpi_device *tsm_emu_pm_adev;
static u64 tsm_emu_pm_domain;
static bool tsm_emu_pm_hooked;

static struct acpi_device *tsm_emu_pm_companion(struct pci_dev *pdev)
{
	struct tsm_emu_fn *fn = tsm_emu_pdev_to_fn(pdev);
	u64 adr;

	if (!fn || (fn->flags & TSM_EMU_FN_ROOT_PORT))
		return NULL;
	scoped_guard(mutex, &tsm_emu_pm_lock)
		if (fn->emu != tsm_emu_pm_emu)
			return NULL;
	adr = (u64)fn->port << 16 | PCI_FUNC(fn->devfn);
	return acpi_find_child_device(tsm_emu_pm_adev, adr, false);
}

static acpi_status tsm_emu_pm_space_setup(acpi_handle region, u32 function,
					  void *handler_context,
					  void **region_context)
{
	*region_context = function == ACPI_REGION_DEACTIVATE ? NULL :
							       handler_context;
	return AE_OK;
}

/*
 * One byte per root port: reads 1 while the device below it has main
 * power, writes turn it on (1) or off (0).  Without the instance (being
 * created or removed) reads say on and writes do nothing.
 */
static acpi_status tsm_emu_pm_space_handler(u32 function,
					    acpi_physical_address address,
					    u32 bits, u64 *value,
					    void *handler_context,
					    void *region_context)
{
	bool write = (function & ACPI_IO_MASK) == ACPI_WRITE;
	struct tsm_emu_fn *fn;
	unsigned long flags;
	struct tsm_emu *emu;
	bool on = true;
	unsigned int f;

	if (bits != 8 || address >= TSM_EMU_MAX_PORTS)
		return AE_BAD_PARAMETER;

	guard(mutex)(&tsm_emu_pm_lock);
	emu = tsm_emu_pm_emu;
	if (emu && address < emu->cfg.nr_ports) {
		raw_spin_lock_irqsave(&emu->lock, flags);
		for (f = 0; f < TSM_EMU_MAX_FUNCS; f++) {
			fn = emu->ep[address][f];
			if (!fn)
				continue;
			if (write)
				tsm_emu_fn_set_power(fn, *value & 1);
			else if (fn->powered_off)
				on = false;
		}
		raw_spin_unlock_irqrestore(&emu->lock, flags);
	}
	if (!write)
		*value = on;
	return AE_OK;
}

static void tsm_emu_pm_acpi_exit(void)
{
	if (!tsm_emu_pm_adev)
		return;
	if (tsm_emu_pm_hooked)
		pci_acpi_clear_companion_lookup_hook();
	tsm_emu_pm_hooked = false;
	acpi_remove_address_space_handler(tsm_emu_pm_adev->handle,
					  TSM_EMU_PM_SPACE_ID,
					  tsm_emu_pm_space_handler);
	acpi_dev_put(tsm_emu_pm_adev);
	tsm_emu_pm_adev = NULL;
}

static void tsm_emu_pm_acpi_init(void)
{
	struct acpi_device *adev;
	acpi_status status;
	int rc;

	adev = acpi_dev_get_first_match_dev(TSM_EMU_PM_HID, NULL, -1);
	if (!adev)
		return;		/* no SSDT: no D3cold */
	if (acpi_dev_uid_to_integer(adev, &tsm_emu_pm_domain)) {
		pr_warn("%s has no integer _UID: no D3cold\n", TSM_EMU_PM_HID);
		acpi_dev_put(adev);
		return;
	}
	status = acpi_install_address_space_handler(adev->handle,
						    TSM_EMU_PM_SPACE_ID,
						    tsm_emu_pm_space_handler,
						    tsm_emu_pm_space_setup,
						    NULL);
	if (ACPI_FAILURE(status)) {
		pr_warn("cannot handle ACPI space %#x (%s): no D3cold\n",
			TSM_EMU_PM_SPACE_ID, acpi_format_exception(status));
		acpi_dev_put(adev);
		return;
	}
	tsm_emu_pm_adev = adev;
	rc = pci_acpi_set_companion_lookup_hook(tsm_emu_pm_companion);
	if (rc) {
		pr_warn("ACPI companion lookup hook taken (%d): no D3cold\n", rc);
		tsm_emu_pm_acpi_exit();
		return;
	}
	tsm_emu_pm_hooked = true;
	pr_info("ACPI power resources of domain %04llx: D3cold\n",
		tsm_emu_pm_domain);
}

/*
 * The SSDT describes the instance of domain _UID if the functions of each
 * device have children of \_SB.TSME all or none: they share main power,
 * and a function without one would lose it unknown to the PCI core.
 */
static bool tsm_emu_pm_describes(struct tsm_emu *emu)
{
	unsigned int port, f, with, without;
	u64 adr;

	if (!tsm_emu_pm_hooked || emu->cfg.domain != tsm_emu_pm_domain)
		return false;
	for (port = 0; port < emu->cfg.nr_ports; port++) {
		with = 0;
		without = 0;
		for (f = 0; f < TSM_EMU_MAX_FUNCS; f++) {
			if (!emu->ep[port][f])
				continue;
			adr = (u64)port << 16 | f;
			if (acpi_find_child_device(tsm_emu_pm_adev, adr, false))
				with++;
			else
				without++;
		}
		if (with && without) {
			pr_warn("domain %04x: not every function below root port %u is in the SSDT: no D3cold\n",
				emu->cfg.domain, port);
			return false;
		}
	}
	return true;
}
#else
static void tsm_emu_pm_acpi_init(void)
{
}

static void tsm_emu_pm_acpi_exit(void)
{
}

static bool tsm_emu_pm_describes(struct tsm_emu *emu)
{
	return false;
}
#endif /* CONFIG_ACPI */

/**
 * tsm_emu_pm_attach() - an instance is being created
 * @emu: instance, before its functions are scanned
 *
 * If it is the one the SSDT describes, its functions get their ACPI
 * companions when they are scanned and the power resources reach them.
 */
void tsm_emu_pm_attach(struct tsm_emu *emu)
{
	guard(mutex)(&tsm_emu_pm_lock);
	if (!tsm_emu_pm_emu && tsm_emu_pm_describes(emu))
		tsm_emu_pm_emu = emu;
}

/**
 * tsm_emu_pm_detach() - an instance is being removed
 * @emu: instance, after its functions were removed
 */
void tsm_emu_pm_detach(struct tsm_emu *emu)
{
	guard(mutex)(&tsm_emu_pm_lock);
	if (tsm_emu_pm_emu == emu)
		tsm_emu_pm_emu = NULL;
}

/*
 * "tsm_emu_ep": binds to an emulated function through driver_override
 * only, and lets runtime PM suspend it (power/control "auto"): the PCI
 * core then saves its state and picks the target state with the platform
 * (D3cold with the SSDT), and restores it at resume.
 */
static int tsm_emu_ep_runtime_suspend(struct device *dev)
{
	return 0;
}

static int tsm_emu_ep_runtime_resume(struct device *dev)
{
	return 0;
}

static const struct dev_pm_ops tsm_emu_ep_pm_ops = {
	RUNTIME_PM_OPS(tsm_emu_ep_runtime_suspend, tsm_emu_ep_runtime_resume,
		       NULL)
};

static int tsm_emu_ep_probe(struct pci_dev *pdev,
			    const struct pci_device_id *id)
{
	struct tsm_emu_fn *fn = tsm_emu_pdev_to_fn(pdev);

	if (!fn || (fn->flags & TSM_EMU_FN_ROOT_PORT))
		return -ENODEV;
	/* Drop the reference the PCI core holds across probe */
	pm_runtime_put_noidle(&pdev->dev);
	return 0;
}

static void tsm_emu_ep_remove(struct pci_dev *pdev)
{
	/* The PCI core drops one after remove */
	pm_runtime_get_noresume(&pdev->dev);
}

/* No ID: only driver_override binds it */
static const struct pci_device_id tsm_emu_ep_ids[] = {
	{ }
};

static struct pci_driver tsm_emu_ep_driver = {
	.name = "tsm_emu_ep",
	.id_table = tsm_emu_ep_ids,
	.probe = tsm_emu_ep_probe,
	.remove = tsm_emu_ep_remove,
	.driver.pm = pm_ptr(&tsm_emu_ep_pm_ops),
};

/**
 * tsm_emu_pm_init() - at module load, before any instance is created
 *
 * Return: 0 or the error of the driver registration.
 */
int tsm_emu_pm_init(void)
{
	int rc;

	rc = pci_register_driver(&tsm_emu_ep_driver);
	if (rc)
		return rc;
	tsm_emu_pm_acpi_init();
	return 0;
}

/**
 * tsm_emu_pm_exit() - at module unload, after every instance is gone
 */
void tsm_emu_pm_exit(void)
{
	tsm_emu_pm_acpi_exit();
	pci_unregister_driver(&tsm_emu_ep_driver);
}
