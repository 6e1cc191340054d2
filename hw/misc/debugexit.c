/*
 * isa-debug-exit: a write to its port ends pcvm with exit status
 * (value << 1) | 1, QEMU's convention, so that test guests can report a
 * result without a chardev. Reads return all ones.
 */
#include <stdlib.h>

#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "system/runstate.h"

typedef struct DebugExitState {
    DeviceState parent_obj;
    uint32_t iobase;
    uint32_t iosize;
    MemoryRegion io;
} DebugExitState;

#define DEBUG_EXIT(obj) DEVICE_CAST(DebugExitState, obj, "isa-debug-exit")

static uint64_t debug_exit_read(void *opaque, uint64_t addr, unsigned size)
{
    return UINT64_MAX;
}

static void debug_exit_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    /* atexit handlers restore the terminal and close the chardevs. */
    exit((int)((value << 1) | 1));
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .valid_min = 1,
    .valid_max = 4,
};

static bool debug_exit_realize(DeviceState *dev, GError **errp)
{
    DebugExitState *s = DEBUG_EXIT(dev);

    memory_region_init_io(&s->io, "isa-debug-exit", &debug_exit_ops, s,
                          s->iosize);
    isa_register_ioport(dev, &s->io, s->iobase);
    return true;
}

static const Property debug_exit_properties[] = {
    DEFINE_PROP_UINT32("iobase", DebugExitState, iobase, 0x501),
    DEFINE_PROP_UINT32("iosize", DebugExitState, iosize, 2),
    DEFINE_PROP_END,
};

/* Nothing of it changes while the guest runs. */
static const VMStateDescription vmstate_debug_exit = {
    .name = "isa-debug-exit",
    .version_id = 1,
    .minimum_version_id = 1,
};

static DeviceClass debug_exit_class = {
    .name = "isa-debug-exit",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(DebugExitState),
    .props = debug_exit_properties,
    .user_creatable = true,
    .realize = debug_exit_realize,
    .vmsd = &vmstate_debug_exit,
};

static void debug_exit_register(void)
{
    device_class_register(&debug_exit_class);
}
type_init(debug_exit_register)
