/*
 * The top level: builds the VM a VMConfig describes and runs it.
 */
#ifndef SYSTEM_SYSTEM_H
#define SYSTEM_SYSTEM_H

#include "hw/core/device.h"
#include "system/options.h"

/* Runs pcvm with this command line; returns the process exit status. */
int pcvm_main(int argc, char **argv);

/* Board helpers: the COM ports of -serial and the -debugcon port. */
bool system_serial_ports_create(BusState *isa_bus, GError **errp);
bool system_debugcon_create(BusState *isa_bus, GError **errp);

/* A firmware file found on the search path (-L, then the defaults). */
char *system_find_firmware(const char *name);

#endif
