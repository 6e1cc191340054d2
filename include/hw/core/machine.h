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

#include "hw/core/cpu-topology.h"
#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "system/memory.h"

#define MACHINE_GSI_COUNT 24

typedef struct MachineState MachineState;
/* The CPU model's types (target/i386/cpu.h), which the machine only holds. */
typedef struct X86CPU X86CPU;
typedef struct CPUIDEntry CPUIDEntry;

/*
 * The accelerator's services for the board and its devices: interrupt
 * controllers, MSI delivery, irqfd routes, the CPUID it supports. Start-up
 * hands the selected accelerator's table in as ms->accel, so nothing under
 * hw/ includes an accelerator header. A NULL member is a service this
 * accelerator does not offer (qtest has no in-kernel irqchip).
 */
typedef struct MachineAccelOps {
    /* The CPUID leaves the vCPUs can have (g_free the array). */
    CPUIDEntry *(*supported_cpuid)(unsigned *count);
    /* Creates the interrupt controllers and fills ms->gsi. */
    bool (*irqchip_create)(MachineState *ms, GError **errp);
    /* Delivers a message-signalled interrupt. */
    void (*send_msi)(uint64_t address, uint32_t data);
    /* Routes an MSI message to a new GSI for irqfd; the GSI or -errno. */
    int (*msi_route_add)(uint64_t address, uint32_t data);
    void (*msi_route_release)(int gsi);
    /* Signals on notifier then injects gsi without a trip through pcvm. */
    bool (*irqfd_set)(EventNotifier *notifier, int gsi, bool assign,
                      GError **errp);
    /*
     * The in-kernel PIT (irqchip_create made it): whether ticks the guest
     * missed are injected late (QEMU's lost_tick_policy=delay) or dropped.
     */
    bool (*pit_set_reinject)(bool reinject, GError **errp);
} MachineAccelOps;

typedef struct MachineClass {
    const char *name;
    const char *alias;
    const char *description;
    unsigned max_cpus;
    bool is_default;
    bool no_firmware;    /* runs no firmware: -bios is not looked up */
    bool no_serial;      /* no default COM1 (QEMU's no_serial) */
    bool no_default_ram; /* RAM only when -m gives a size */
    /* -vga's value when neither -vga nor -nodefaults is given, or NULL */
    const char *default_display;
    /* Builds the board: memory map, devices, boot images. */
    bool (*init)(MachineState *ms, GError **errp);
    /* Optional: once the -devices exist too (tables that describe them). */
    bool (*done)(MachineState *ms, GError **errp);
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
    /* Guest RAM a host memory backend provides (-machine memory-backend=,
     * -mem-path, -mem-prealloc); NULL: the board allocates its own. */
    void *ram_ptr;
    unsigned smp_cpus;
    unsigned max_cpus; /* -smp maxcpus= (smp_cpus when not given) */
    CpuTopology topology;
    const char *cpu_model;
    const char *kernel_filename;
    const char *initrd_filename;
    const char *kernel_cmdline;
    const char *firmware; /* -bios, resolved to a path */
    /* Where firmware and ROM files are looked up: -L dirs, then defaults. */
    char **firmware_path;
    bool firmware_boot; /* run firmware even with -kernel */
    /* -boot: see VMConfig; boot_order NULL means the board's default. */
    const char *boot_order, *boot_once;
    bool boot_menu, boot_strict;
    int boot_splash_time, boot_reboot_timeout;
    bool no_fd_bootchk; /* -no-fd-bootchk (CMOS 0x38 bit 0) */
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
    /*
     * The chardev ids of -serial (COM1.. in order, NULL where "none") and
     * -debugcon (NULL: none), made before the board.
     */
    GPtrArray *serial_chardevs;
    const char *debugcon_chardev;
    /* -drive, -hda.., -cdrom: DriveConfig *, opened before the board */
    GPtrArray *drives;

    MemoryRegion *system_memory;
    MemoryRegion *system_io;
    BusState *main_bus; /* "main-system-bus" */
    IRQLine *gsi[MACHINE_GSI_COUNT];
    X86CPU **cpus;
    const MachineAccelOps *accel; /* set before the board's init */
    void *board;                  /* the board's own state (PCMachineState) */
};

extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;

/* The machine being run (NULL before it is created). */
MachineState *current_machine_get(void);
/*
 * Creates the machine of class mc as the current one: the /machine object,
 * empty system memory and I/O spaces, the main system bus. Start-up fills
 * in the configuration, then runs mc->init.
 */
MachineState *machine_new(const MachineClass *mc);
/*
 * The path of a firmware or ROM file: NAME itself when it has a '/', else
 * the first readable one on ms->firmware_path; NULL if none (g_free it).
 */
char *machine_find_firmware(MachineState *ms, const char *name);

/*
 * The state of every device (hw/core/machine-state.c). Saving fails with
 * one line naming the first device that has no state description or is
 * unmigratable; loading needs a machine built from the same command line
 * and checks the whole stream against it before it loads anything.
 */
bool machine_devices_savable(MachineState *ms, GError **errp);
GBytes *machine_save_devices(MachineState *ms, GError **errp);
bool machine_load_devices(MachineState *ms, GBytes *stream, GError **errp);

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
