/*
 * Intel 82371AB PIIX4 function 3: ACPI power management (PM1 event and
 * control registers, the PM timer, GPE0, APM control) and the SMBus host.
 */
#ifndef HW_ACPI_PIIX4_H
#define HW_ACPI_PIIX4_H

#include "hw/pci/pci.h"

#define TYPE_PIIX4_PM "PIIX4_PM"

/* The configuration registers firmware programs (82371AB datasheet 3.x). */
#define PIIX4_PMBA 0x40      /* PM I/O base, bits 15:6 */
#define PIIX4_PMREGMISC 0x80 /* bit 0: PM I/O space enable */
#define PIIX4_SMBBA 0x90     /* SMBus I/O base, bits 15:4 */
#define PIIX4_SMBHSTCFG 0xd2 /* bit 0: SMBus host enable */

/*
 * Creates the function at devfn. Its GPIO out 0 is the SCI, for the board
 * to connect (ISA IRQ 9 on a PC).
 */
PCIDevice *piix4_pm_create(PCIBus *bus, int devfn, GError **errp);

#endif
