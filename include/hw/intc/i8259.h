/*
 * The Intel 8259A programmable interrupt controller ("isa-i8259", one chip)
 * and the PC's master/slave pair with PIIX-style ELCR registers.
 *
 * Each chip has 8 GPIO inputs (IR0-IR7, the level of each request line) and
 * one GPIO output (INT). Board code that runs a userspace CPU asks the
 * master for a vector with i8259_acknowledge().
 */
#ifndef HW_INTC_I8259_H
#define HW_INTC_I8259_H

#include <glib.h>

#include "hw/core/device.h"

#define TYPE_I8259 "isa-i8259"

#define I8259_NUM_IRQS 8
/* The slave's INT drives this input of the master on a PC. */
#define I8259_CASCADE_IRQ 2

/*
 * Creates and realizes the PC's pair on isa_bus: master at 0x20 (ELCR
 * 0x4d0), slave at 0xa0 (ELCR 0x4d1), slave INT wired to master IR2. The
 * master's INT is left for the caller to connect (gpio out 0). Returns the
 * master and stores the slave in *slave.
 */
DeviceState *i8259_create_pair(BusState *isa_bus, DeviceState **slave,
                               GError **errp);

/*
 * The INTA cycle of a userspace CPU: resolves the master's highest pending
 * request (through IR2 to the slave when it is cascaded there), marks it in
 * service and returns the vector. Without a request it returns the
 * spurious IR7 vector of the chip that has none (master or slave).
 */
int i8259_acknowledge(DeviceState *master);

#endif
