/*
 * The "none" machine (QEMU's null machine): no board devices, no vCPU,
 * no firmware, and RAM at address 0 only when -m asks for it. Management
 * tools start a binary with it to probe what it offers over QMP (machine
 * types, device types and their properties, CPU models) without building
 * a PC.
 */
#include "hw/core/machine.h"

static bool null_machine_init(MachineState *ms, GError **errp)
{
    ms->smp_cpus = 0;
    ms->cpus = NULL;
    if (ms->ram_size) {
        MemoryRegion *ram = g_new0(MemoryRegion, 1);

        if (ms->ram_ptr) {
            memory_region_init_ram_ptr(ram, "ram", ms->ram_size, ms->ram_ptr);
        } else {
            memory_region_init_ram(ram, "ram", ms->ram_size);
        }
        memory_region_add_subregion(ms->system_memory, 0, ram);
    }
    return true;
}

static void null_machine_reset(MachineState *ms)
{
}

static const MachineClass null_machine_class = {
    .name = "none",
    .description = "empty machine",
    .max_cpus = 1,
    .no_firmware = true,
    .no_serial = true,
    .no_default_ram = true,
    .init = null_machine_init,
    .reset = null_machine_reset,
};

static void __attribute__((constructor)) null_machine_register(void)
{
    machine_class_register(&null_machine_class);
}
