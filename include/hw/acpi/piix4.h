/*
 * Intel 82371AB PIIX4 function 3: ACPI power management (PM1 event and
 * control registers, the PM timer, GPE0, APM control) and the SMBus host.
 */
#ifndef HW_ACPI_PIIX4_H
#define HW_ACPI_PIIX4_H

#include "hw/pci/pci.h"

#define TYPE_PIIX4_PM "PIIX4_PM"

/* Creates the function at devfn with its SCI on sci (ISA IRQ 9 on a PC). */
PCIDevice *piix4_pm_create(PCIBus *bus, int devfn, IRQLine *sci,
                           GError **errp);

#endif
