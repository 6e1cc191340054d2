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
 * The fixed hardware the ACPI tables describe (FADT): PM1a event (status,
 * enable) and control blocks and the PM timer at these offsets from PMBA,
 * the GPE0 block and the APM command port, which takes QEMU's ACPI
 * enable/disable values. SLP_TYP 0 is soft-off (S5), as in QEMU's tables.
 */
#define PIIX4_PM1_EVT_BLK 0x00
#define PIIX4_PM1_EVT_LEN 4
#define PIIX4_PM1_CNT_BLK 0x04
#define PIIX4_PM1_CNT_LEN 2
#define PIIX4_PM_TMR_BLK 0x08
#define PIIX4_PM_TMR_LEN 4
#define PIIX4_GPE0_BASE 0xafe0
#define PIIX4_GPE0_LEN 4
#define PIIX4_APM_CNT_PORT 0xb2
#define PIIX4_APM_ACPI_ENABLE 0xf1
#define PIIX4_APM_ACPI_DISABLE 0xf0
#define PIIX4_SLP_TYP_S5 0

/*
 * Creates the function at devfn. Its GPIO out 0 is the SCI, for the board
 * to connect (ISA IRQ 9 on a PC).
 */
PCIDevice *piix4_pm_create(PCIBus *bus, int devfn, GError **errp);

#endif
