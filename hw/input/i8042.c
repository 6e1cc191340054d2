/*
 * i8042 keyboard controller, reduced to what the foundation needs: the
 * "pulse output port" command 0xFE (reset line) and A20 through the output
 * port (command 0xD1). No keyboard or mouse is attached yet, so the status
 * register reports no controller data (0xFF reads make drivers give up
 * quickly, as on a board without a KBC). The full controller with PS/2
 * devices replaces this.
 */
#include "hw/isa/isa.h"
#include "system/runstate.h"
#include "util/log.h"

#define KBD_DATA_PORT 0x60
#define KBD_STATUS_PORT 0x64
#define KBD_CCMD_WRITE_OUTPORT 0xd1
#define KBD_CCMD_RESET 0xfe
#define KBD_OUT_RESET 0x01 /* output port bit 0: 0 asserts CPU reset */

typedef struct I8042State {
    DeviceState parent_obj;
    MemoryRegion data, command;
    uint8_t pending_command;
} I8042State;

static uint64_t i8042_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0xff;
}

static void i8042_data_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    I8042State *s = opaque;

    if (s->pending_command == KBD_CCMD_WRITE_OUTPORT &&
        !(value & KBD_OUT_RESET)) {
        system_reset_request(RESET_CAUSE_GUEST);
    }
    s->pending_command = 0;
}

static void i8042_command_write(void *opaque, uint64_t addr, uint64_t value,
                                unsigned size)
{
    I8042State *s = opaque;

    /* 0xF0-0xFF pulse output port bits; bit 0 low is the reset line. */
    if ((value & 0xf0) == 0xf0 && !(value & KBD_OUT_RESET)) {
        system_reset_request(RESET_CAUSE_GUEST);
        return;
    }
    if (value == KBD_CCMD_WRITE_OUTPORT) {
        s->pending_command = value;
        return;
    }
    log_unimp_once("i8042: command 0x%02x not implemented\n", (unsigned)value);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_read, .write = i8042_data_write,
    .valid_min = 1, .valid_max = 1,
};
static const MemoryRegionOps i8042_command_ops = {
    .read = i8042_read, .write = i8042_command_write,
    .valid_min = 1, .valid_max = 1,
};

static void i8042_reset(DeviceState *dev)
{
    ((I8042State *)dev)->pending_command = 0;
}

static bool i8042_realize(DeviceState *dev, GError **errp)
{
    I8042State *s = (I8042State *)dev;

    memory_region_init_io(&s->data, "i8042-data", &i8042_data_ops, s, 1);
    memory_region_init_io(&s->command, "i8042-cmd", &i8042_command_ops, s, 1);
    isa_register_ioport(dev, &s->data, KBD_DATA_PORT);
    isa_register_ioport(dev, &s->command, KBD_STATUS_PORT);
    return true;
}

static DeviceClass i8042_class = {
    .name = "i8042",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_INPUT,
    .instance_size = sizeof(I8042State),
    .realize = i8042_realize,
    .reset = i8042_reset,
};

static void i8042_register(void)
{
    device_class_register(&i8042_class);
}
type_init(i8042_register)
