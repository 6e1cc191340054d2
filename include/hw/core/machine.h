/*
 * The machine: what the command line configured, the memory and I/O address
 * spaces, the root of the device tree, the vCPUs, and the interrupt lines
 * (GSIs) the accelerator's interrupt controllers provide.
 */
#ifndef HW_CORE_MACHINE_H
#define HW_CORE_MACHINE_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "system/memory.h"
#include "target/i386/cpu.h"

#define MACHINE_GSI_COUNT 24

typedef struct MachineState MachineState;

typedef struct MachineClass {
    const char *name;
    const char *alias;
    const char *description;
    unsigned max_cpus;
    bool is_default;
    /* Builds the board: memory map, devices, boot images. */
    bool (*init)(MachineState *ms, GError **errp);
    /* Puts vCPUs into their boot state after a reset (firmware or kernel). */
    void (*reset)(MachineState *ms);
} MachineClass;

/*
 * The machine is the QOM object at /machine, of type "<class name>-machine"
 * (QEMU's spelling, e.g. "pc-i440fx-7.2-machine").
 */
struct MachineState {
    Object parent_obj;
    const MachineClass *klass;
    uint64_t ram_size;
    unsigned smp_cpus;
    unsigned max_cpus;       /* -smp maxcpus= (smp_cpus when not given) */
    X86CPUTopology topology;
    const char *cpu_model;
    const char *kernel_filename;
    const char *initrd_filename;
    const char *kernel_cmdline;
    const char *firmware;    /* -bios, resolved to a path */
    bool firmware_boot;      /* run firmware even with -kernel */
    /* -boot: see VMConfig; boot_order NULL means the board's default. */
    const char *boot_order, *boot_once;
    bool boot_menu, boot_strict;
    int boot_splash_time, boot_reboot_timeout;
    /* -rtc base= and clock= (NULL: utc, host) */
    const char *rtc_base, *rtc_clock;
    /*
     * -nographic: firmware should use the serial port (FW_CFG_NOGRAPHIC).
     * As in QEMU, -display none alone does not set it.
     */
    bool no_graphic_display;
    /* -uuid */
    bool uuid_set;
    uint8_t uuid[16];
    /* -drive, -hda.., -cdrom: DriveConfig *, opened before the board */
    GPtrArray *drives;

    MemoryRegion *system_memory;
    MemoryRegion *system_io;
    BusState *main_bus;      /* "main-system-bus" */
    IRQLine *gsi[MACHINE_GSI_COUNT];
    X86CPU **cpus;
    void *board;             /* the board's own state (PCMachineState) */
};

extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;

/* The machine being run (NULL before it is created). */
MachineState *current_machine_get(void);

void machine_class_register(const MachineClass *mc);
/*
 * Registers the QOM type "<name>-machine" (parent "generic-pc-machine");
 * idempotent, so the machine registry may call it for every class.
 */
void machine_class_register_type(const MachineClass *mc);
/* Makes ms the /machine object; call first, right after allocating it. */
void machine_object_init(MachineState *ms);
const MachineClass *machine_class_find(const char *name);
const MachineClass *machine_class_default(void);
void machine_print_list(FILE *out);
/* Every registered machine class (const MachineClass *), in order. */
GPtrArray *machine_class_list(void);

#endif
