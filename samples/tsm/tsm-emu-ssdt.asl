/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI power resources of the emulated TEE-IO platform (test only).
 *
 * Describes the endpoints of the first default instance of tsm_emu
 * (PCI domain 0xf0, three root ports: a DSM with two functions on port 0,
 * a DSM on port 1, a plain endpoint on port 2) so that the PCI core can
 * put them into D3cold.  The device below each root port has main power
 * of its own, a power resource that all its functions list in _PR0 and
 * _PR3: ACPI turns it off once every function is in D3cold, as for a
 * slot.  tsm_emu gives the functions these objects as ACPI companions
 * (pci_acpi_set_companion_lookup_hook()); their _ADR is
 * (root port index << 16) | function, not a PCI device/function number.
 *
 * _ON and _OFF tell the emulator through an operation region in the
 * vendor-defined address space 0xD3, whose handler tsm_emu installs on
 * \_SB.TSME: the byte at the root port index reads 1 while the device
 * below it has main power and 0 while it is off; writing 0 turns the
 * power off (the link goes down), writing 1 turns it on again, which is
 * a conventional reset of every function.  Until the handler is
 * installed (_REG), the power resources only keep their state here.
 *
 * Compiled with iasl by scripts/vm-run.sh and given to QEMU with
 * -acpitable.
 */
DefinitionBlock ("", "SSDT", 2, "TSMEMU", "TSMEPWR", 0x00000001)
{
	Scope (\_SB)
	{
		Device (TSME)
		{
			Name (_HID, "TSME0001")
			/* The PCI domain whose endpoints are described */
			Name (_UID, 0xF0)
			Name (_STA, 0x0F)

			/* The emulator's handler of space 0xD3 is installed */
			Name (AVAL, Zero)

			Method (_REG, 2, Serialized)
			{
				If (Arg0 == 0xD3) {
					AVAL = Arg1
				}
			}

			/* Main power of the device below each root port */
			OperationRegion (EPWR, 0xD3, Zero, 0x08)
			Field (EPWR, ByteAcc, NoLock, Preserve)
			{
				PWR0, 8,
				PWR1, 8,
				PWR2, 8,
			}

			PowerResource (RP0, 0, 0)
			{
				Name (ONST, One)

				Method (_STA, 0, Serialized)
				{
					If (AVAL) {
						Return (PWR0)
					}
					Return (ONST)
				}

				Method (_ON, 0, Serialized)
				{
					If (AVAL) {
						PWR0 = One
					}
					ONST = One
				}

				Method (_OFF, 0, Serialized)
				{
					If (AVAL) {
						PWR0 = Zero
					}
					ONST = Zero
				}
			}

			PowerResource (RP1, 0, 0)
			{
				Name (ONST, One)

				Method (_STA, 0, Serialized)
				{
					If (AVAL) {
						Return (PWR1)
					}
					Return (ONST)
				}

				Method (_ON, 0, Serialized)
				{
					If (AVAL) {
						PWR1 = One
					}
					ONST = One
				}

				Method (_OFF, 0, Serialized)
				{
					If (AVAL) {
						PWR1 = Zero
					}
					ONST = Zero
				}
			}

			PowerResource (RP2, 0, 0)
			{
				Name (ONST, One)

				Method (_STA, 0, Serialized)
				{
					If (AVAL) {
						Return (PWR2)
					}
					Return (ONST)
				}

				Method (_ON, 0, Serialized)
				{
					If (AVAL) {
						PWR2 = One
					}
					ONST = One
				}

				Method (_OFF, 0, Serialized)
				{
					If (AVAL) {
						PWR2 = Zero
					}
					ONST = Zero
				}
			}

			/* Port 0, function 0: the DSM of the two-function device */
			Device (E000)
			{
				Name (_ADR, 0x00000000)
				Name (_PR0, Package () { RP0 })
				Name (_PR3, Package () { RP0 })
			}

			/* Port 0, function 1 */
			Device (E001)
			{
				Name (_ADR, 0x00000001)
				Name (_PR0, Package () { RP0 })
				Name (_PR3, Package () { RP0 })
			}

			/* Port 1, function 0: a single-function DSM */
			Device (E100)
			{
				Name (_ADR, 0x00010000)
				Name (_PR0, Package () { RP1 })
				Name (_PR3, Package () { RP1 })
			}

			/* Port 2, function 0: the endpoint without TEE-IO */
			Device (E200)
			{
				Name (_ADR, 0x00020000)
				Name (_PR0, Package () { RP2 })
				Name (_PR3, Package () { RP2 })
			}
		}
	}
}
