/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI power resources of the emulated TEE-IO platform (test only).
 *
 * Describes the endpoints of the first default instance of tsm_emu
 * (PCI domain 0xf0, three root ports: a DSM with two functions on port 0,
 * a DSM on port 1, a plain endpoint on port 2) so that the PCI core can
 * put them into D3cold: each endpoint has a power resource of its own in
 * _PR0 and _PR3.  tsm_emu gives the endpoints these objects as ACPI
 * companions (pci_acpi_set_companion_lookup_hook()); their _ADR is
 * (root port index << 16) | function, not a PCI device/function number.
 *
 * _ON and _OFF tell the emulator through an operation region in the
 * vendor-defined address space 0xD3, whose handler tsm_emu installs on
 * \_SB.TSME: the byte at (root port index * 8 + function) reads 1 while
 * that function has main power and 0 while it is off; writing it turns
 * the power on (a conventional reset) or off.  Until the handler is
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

			OperationRegion (EPWR, 0xD3, Zero, 0x40)
			Field (EPWR, ByteAcc, NoLock, Preserve)
			{
				P000, 8,	/* port 0 function 0 */
				P001, 8,	/* port 0 function 1 */
				Offset (0x08),
				P100, 8,	/* port 1 function 0 */
				Offset (0x10),
				P200, 8,	/* port 2 function 0 */
			}

			PowerResource (R000, 0, 0)
			{
				Name (ONST, One)

				Method (_STA, 0, Serialized)
				{
					If (AVAL) {
						Return (P000)
					}
					Return (ONST)
				}

				Method (_ON, 0, Serialized)
				{
					If (AVAL) {
						P000 = One
					}
					ONST = One
				}

				Method (_OFF, 0, Serialized)
				{
					If (AVAL) {
						P000 = Zero
					}
					ONST = Zero
				}
			}

			PowerResource (R001, 0, 0)
			{
				Name (ONST, One)

				Method (_STA, 0, Serialized)
				{
					If (AVAL) {
						Return (P001)
					}
					Return (ONST)
				}

				Method (_ON, 0, Serialized)
				{
					If (AVAL) {
						P001 = One
					}
					ONST = One
				}

				Method (_OFF, 0, Serialized)
				{
					If (AVAL) {
						P001 = Zero
					}
					ONST = Zero
				}
			}

			PowerResource (R100, 0, 0)
			{
				Name (ONST, One)

				Method (_STA, 0, Serialized)
				{
					If (AVAL) {
						Return (P100)
					}
					Return (ONST)
				}

				Method (_ON, 0, Serialized)
				{
					If (AVAL) {
						P100 = One
					}
					ONST = One
				}

				Method (_OFF, 0, Serialized)
				{
					If (AVAL) {
						P100 = Zero
					}
					ONST = Zero
				}
			}

			PowerResource (R200, 0, 0)
			{
				Name (ONST, One)

				Method (_STA, 0, Serialized)
				{
					If (AVAL) {
						Return (P200)
					}
					Return (ONST)
				}

				Method (_ON, 0, Serialized)
				{
					If (AVAL) {
						P200 = One
					}
					ONST = One
				}

				Method (_OFF, 0, Serialized)
				{
					If (AVAL) {
						P200 = Zero
					}
					ONST = Zero
				}
			}

			/* Port 0, function 0: the DSM of the two-function device */
			Device (E000)
			{
				Name (_ADR, 0x00000000)
				Name (_PR0, Package () { R000 })
				Name (_PR3, Package () { R000 })
			}

			/* Port 0, function 1 */
			Device (E001)
			{
				Name (_ADR, 0x00000001)
				Name (_PR0, Package () { R001 })
				Name (_PR3, Package () { R001 })
			}

			/* Port 1, function 0: a single-function DSM */
			Device (E100)
			{
				Name (_ADR, 0x00010000)
				Name (_PR0, Package () { R100 })
				Name (_PR3, Package () { R100 })
			}

			/* Port 2, function 0: the endpoint without TEE-IO */
			Device (E200)
			{
				Name (_ADR, 0x00020000)
				Name (_PR0, Package () { R200 })
				Name (_PR3, Package () { R200 })
			}
		}
	}
}
