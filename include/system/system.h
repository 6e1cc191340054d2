/*
 * The top level: builds the VM a VMConfig describes and runs it.
 */
#ifndef SYSTEM_SYSTEM_H
#define SYSTEM_SYSTEM_H

#include "hw/core/device.h"
#include "system/options.h"

/* Runs pcvm with this command line; returns the process exit status. */
int pcvm_main(int argc, char **argv);

#endif
