/*
 * The machine layer: the registry of machine types, the machine being run,
 * its memory and I/O address spaces, and what start-up hands in (firmware
 * search path, accelerator services). Boards (hw/i386/pc.c) register here
 * and build on it; devices reach the machine only through this file.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/core/machine.h"
#include "util/error.h"

AddressSpace address_space_memory;
AddressSpace address_space_io;

static MachineState *current_machine;

/* ---- machine types ---------------------------------------------------- */

static GPtrArray *machine_classes;

void machine_class_register(const MachineClass *mc)
{
    if (!machine_classes) {
        machine_classes = g_ptr_array_new();
    }
    g_ptr_array_add(machine_classes, (gpointer)mc);
}

const MachineClass *machine_class_find(const char *name)
{
    for (unsigned i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);

        if (!strcmp(mc->name, name) ||
            (mc->alias && !strcmp(mc->alias, name))) {
            return mc;
        }
    }
    return NULL;
}

const MachineClass *machine_class_default(void)
{
    for (unsigned i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);

        if (mc->is_default) {
            return mc;
        }
    }
    return NULL;
}

GPtrArray *machine_class_list(void)
{
    if (!machine_classes) {
        machine_classes = g_ptr_array_new();
    }
    return machine_classes;
}

void machine_print_list(FILE *out)
{
    fprintf(out, "Supported machines are:\n");
    for (unsigned i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);

        if (mc->alias) {
            fprintf(out, "%-20s %s (alias of %s)\n", mc->alias, mc->description,
                    mc->name);
        }
        fprintf(out, "%-20s %s%s\n", mc->name, mc->description,
                mc->is_default ? " (default)" : "");
    }
}

/* ---- the machine object ------------------------------------------------ */

/*
 * QEMU's abstract machine types above every PC board. They sit here while
 * pcvm has only the PC family; a second family would register its own.
 */
static const TypeInfo x86_machine_type = {
    .name = "x86-machine",
    .parent = "machine",
    .abstract = true,
};

static const TypeInfo generic_pc_machine_type = {
    .name = "generic-pc-machine",
    .parent = "x86-machine",
    .abstract = true,
};

void machine_class_register_type(const MachineClass *mc)
{
    g_autofree char *name = g_strdup_printf("%s-machine", mc->name);

    type_register_simple(name, "generic-pc-machine", false);
}

static GVariant *machine_get_string(Object *obj, void *opaque)
{
    const char *value = *(const char **)((uint8_t *)obj + (size_t)opaque);

    return g_variant_new_string(value ? value : "");
}

void machine_object_init(MachineState *ms)
{
    g_autofree char *type = g_strdup_printf("%s-machine", ms->klass->name);
    Object *obj = OBJECT(ms);

    /* Every board becomes a type, so qom-list-types lists them all. */
    for (unsigned i = 0; i < machine_class_list()->len; i++) {
        machine_class_register_type(g_ptr_array_index(machine_class_list(), i));
    }
    machine_class_register_type(ms->klass);
    object_init(obj, type);
    /* The -kernel/-initrd/-append values, as QEMU's machine shows them. */
    object_add_property(obj, "kernel", "string", machine_get_string,
                        (void *)offsetof(MachineState, kernel_filename),
                        "Linux kernel image file");
    object_add_property(obj, "initrd", "string", machine_get_string,
                        (void *)offsetof(MachineState, initrd_filename),
                        "Linux initial ramdisk file");
    object_add_property(obj, "append", "string", machine_get_string,
                        (void *)offsetof(MachineState, kernel_cmdline),
                        "Linux kernel command line");
    object_machine_container_set(obj);
    /* The containers QEMU's /machine always lists. */
    object_container_get("/machine/peripheral");
    object_container_get("/machine/peripheral-anon");
    object_container_get("/machine/unattached");
}

static void machine_types_register(void)
{
    type_register(&x86_machine_type);
    type_register(&generic_pc_machine_type);
}
type_init(machine_types_register)

    /* ---- the machine being run --------------------------------------------
     */

    MachineState *current_machine_get(void)
{
    return current_machine;
}

MachineState *machine_new(const MachineClass *mc)
{
    static MemoryRegion system_memory, system_io;
    MachineState *ms = g_new0(MachineState, 1);

    current_machine = ms;
    ms->klass = mc;
    machine_object_init(ms);
    memory_region_init_container(&system_memory, "system", UINT64_MAX);
    memory_region_init_container(&system_io, "io", 0x10000);
    address_space_init(&address_space_memory, &system_memory, "memory");
    address_space_init(&address_space_io, &system_io, "I/O");
    ms->system_memory = &system_memory;
    ms->system_io = &system_io;
    ms->main_bus = bus_new(NULL, "System", "main-system-bus");
    return ms;
}

char *machine_find_firmware(MachineState *ms, const char *name)
{
    if (strchr(name, '/')) {
        return g_strdup(name);
    }
    for (char **dir = ms ? ms->firmware_path : NULL; dir && *dir; dir++) {
        char *path = g_build_filename(*dir, name, NULL);

        if (access(path, R_OK) == 0) {
            return path;
        }
        g_free(path);
    }
    return NULL;
}
