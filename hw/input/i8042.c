/*
 * Intel 8042 keyboard controller: the controller core only (status
 * register, command byte, self tests, output port with the CPU reset line
 * and A20). No PS/2 keyboard or mouse is attached yet, so bytes sent to a
 * device port are answered with a time-out, as a controller with nothing
 * plugged in does. Follows the IBM PC AT Technical Reference (keyboard
 * controller chapter), as QEMU's model does.
 */
#include "hw/isa/isa.h"
#include "system/runstate.h"
#include "util/log.h"

#define KBD_DATA_PORT 0x60
#define KBD_STATUS_PORT 0x64

/* Status register */
#define KBD_STAT_OBF 0x01       /* output buffer full */
#define KBD_STAT_IBF 0x02       /* input buffer full */
#define KBD_STAT_SELFTEST 0x04  /* system flag: self test passed */
#define KBD_STAT_CMD 0x08       /* last write was to the command port */
#define KBD_STAT_UNLOCKED 0x10  /* keyboard not inhibited */
#define KBD_STAT_AUX_OBF 0x20
#define KBD_STAT_GTO 0x40       /* general time-out */

/* Controller commands */
#define KBD_CCMD_READ_MODE 0x20
#define KBD_CCMD_WRITE_MODE 0x60
#define KBD_CCMD_MOUSE_DISABLE 0xa7
#define KBD_CCMD_MOUSE_ENABLE 0xa8
#define KBD_CCMD_TEST_MOUSE 0xa9
#define KBD_CCMD_SELF_TEST 0xaa
#define KBD_CCMD_KBD_TEST 0xab
#define KBD_CCMD_KBD_DISABLE 0xad
#define KBD_CCMD_KBD_ENABLE 0xae
#define KBD_CCMD_READ_INPORT 0xc0
#define KBD_CCMD_READ_OUTPORT 0xd0
#define KBD_CCMD_WRITE_OUTPORT 0xd1
#define KBD_CCMD_WRITE_OBUF 0xd2
#define KBD_CCMD_WRITE_AUX_OBUF 0xd3
#define KBD_CCMD_WRITE_MOUSE 0xd4
#define KBD_CCMD_DISABLE_A20 0xdd
#define KBD_CCMD_ENABLE_A20 0xdf

/* Command byte (mode) */
#define KBD_MODE_KBD_INT 0x01
#define KBD_MODE_MOUSE_INT 0x02
#define KBD_MODE_SYS 0x04
#define KBD_MODE_DISABLE_KBD 0x10
#define KBD_MODE_DISABLE_MOUSE 0x20
#define KBD_MODE_KCC 0x40

/* Output port */
#define KBD_OUT_RESET 0x01 /* low asserts the CPU reset line */
#define KBD_OUT_A20 0x02

typedef struct I8042State {
    DeviceState parent_obj;
    MemoryRegion data, command;
    uint8_t status;
    uint8_t mode;
    uint8_t outport;
    uint8_t pending; /* controller command waiting for its data byte */
    uint8_t obuf;
    IRQLine *kbd_irq, *mouse_irq;
} I8042State;

/* A full output buffer interrupts on IRQ1 (keyboard) or IRQ12 (mouse). */
static void i8042_update_irq(I8042State *s)
{
    bool full = s->status & KBD_STAT_OBF;
    bool aux = s->status & KBD_STAT_AUX_OBF;

    irq_set_level(s->kbd_irq, full && !aux && (s->mode & KBD_MODE_KBD_INT));
    irq_set_level(s->mouse_irq, full && aux && (s->mode & KBD_MODE_MOUSE_INT));
}

static void i8042_queue(I8042State *s, uint8_t value, bool aux)
{
    s->obuf = value;
    s->status |= KBD_STAT_OBF;
    s->status = aux ? s->status | KBD_STAT_AUX_OBF
                    : s->status & ~KBD_STAT_AUX_OBF;
    i8042_update_irq(s);
}

static void i8042_write_outport(I8042State *s, uint8_t value)
{
    s->outport = value;
    if (!(value & KBD_OUT_RESET)) {
        system_reset_request(RESET_CAUSE_GUEST);
    }
}

static uint64_t i8042_data_read(void *opaque, uint64_t addr, unsigned size)
{
    I8042State *s = opaque;

    s->status &= ~(KBD_STAT_OBF | KBD_STAT_AUX_OBF);
    i8042_update_irq(s);
    return s->obuf;
}

static void i8042_data_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    I8042State *s = opaque;
    uint8_t command = s->pending;

    s->pending = 0;
    s->status &= ~KBD_STAT_CMD;
    switch (command) {
    case KBD_CCMD_WRITE_MODE:
        s->mode = value;
        s->status = (s->status & ~KBD_STAT_SELFTEST) |
                    (value & KBD_MODE_SYS ? KBD_STAT_SELFTEST : 0);
        i8042_update_irq(s);
        break;
    case KBD_CCMD_WRITE_OUTPORT:
        i8042_write_outport(s, value);
        break;
    case KBD_CCMD_WRITE_OBUF:
        i8042_queue(s, value, false);
        break;
    case KBD_CCMD_WRITE_AUX_OBUF:
        i8042_queue(s, value, true);
        break;
    default:
        /* To the keyboard (or, after 0xD4, the mouse): nobody answers. */
        s->status |= KBD_STAT_GTO;
        log_mask_printf(LOG_UNIMP, "i8042: byte 0x%02x for a %s, none "
                        "attached\n", (unsigned)value,
                        command == KBD_CCMD_WRITE_MOUSE ? "mouse" : "keyboard");
        break;
    }
}

static uint64_t i8042_status_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((I8042State *)opaque)->status;
}

static void i8042_command_write(void *opaque, uint64_t addr, uint64_t value,
                                unsigned size)
{
    I8042State *s = opaque;

    s->status |= KBD_STAT_CMD;
    s->status &= ~KBD_STAT_GTO;
    /* 0xF0-0xFF pulse output port bits low; bit 0 is the reset line. */
    if ((value & 0xf0) == 0xf0) {
        if (!(value & KBD_OUT_RESET)) {
            system_reset_request(RESET_CAUSE_GUEST);
        }
        return;
    }
    switch (value) {
    case KBD_CCMD_READ_MODE:
        i8042_queue(s, s->mode, false);
        break;
    case KBD_CCMD_WRITE_MODE:
    case KBD_CCMD_WRITE_OUTPORT:
    case KBD_CCMD_WRITE_OBUF:
    case KBD_CCMD_WRITE_AUX_OBUF:
    case KBD_CCMD_WRITE_MOUSE:
        s->pending = value;
        break;
    case KBD_CCMD_MOUSE_DISABLE:
        s->mode |= KBD_MODE_DISABLE_MOUSE;
        break;
    case KBD_CCMD_MOUSE_ENABLE:
        s->mode &= ~KBD_MODE_DISABLE_MOUSE;
        break;
    case KBD_CCMD_TEST_MOUSE:
    case KBD_CCMD_KBD_TEST:
        i8042_queue(s, 0x00, false); /* interface OK */
        break;
    case KBD_CCMD_SELF_TEST:
        s->status |= KBD_STAT_SELFTEST;
        i8042_queue(s, 0x55, false);
        break;
    case KBD_CCMD_KBD_DISABLE:
        s->mode |= KBD_MODE_DISABLE_KBD;
        break;
    case KBD_CCMD_KBD_ENABLE:
        s->mode &= ~KBD_MODE_DISABLE_KBD;
        break;
    case KBD_CCMD_READ_INPORT:
        i8042_queue(s, 0x80, false); /* keyboard not inhibited */
        break;
    case KBD_CCMD_READ_OUTPORT:
        i8042_queue(s, s->outport, false);
        break;
    case KBD_CCMD_ENABLE_A20:
        s->outport |= KBD_OUT_A20;
        break;
    case KBD_CCMD_DISABLE_A20:
        s->outport &= ~KBD_OUT_A20;
        break;
    default:
        log_unimp_once("i8042: controller command 0x%02x not implemented\n",
                       (unsigned)value);
        break;
    }
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read, .write = i8042_data_write,
    .valid_min = 1, .valid_max = 1,
};
static const MemoryRegionOps i8042_command_ops = {
    .read = i8042_status_read, .write = i8042_command_write,
    .valid_min = 1, .valid_max = 1,
};

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;

    s->mode = KBD_MODE_KBD_INT | KBD_MODE_MOUSE_INT | KBD_MODE_SYS |
              KBD_MODE_KCC;
    s->status = KBD_STAT_CMD | KBD_STAT_UNLOCKED | KBD_STAT_SELFTEST;
    s->outport = KBD_OUT_RESET | KBD_OUT_A20;
    s->pending = 0;
    s->obuf = 0;
    i8042_update_irq(s);
}

static bool i8042_realize(DeviceState *dev, GError **errp)
{
    I8042State *s = (I8042State *)dev;

    memory_region_init_io(&s->data, "i8042-data", &i8042_data_ops, s, 1);
    memory_region_init_io(&s->command, "i8042-cmd", &i8042_command_ops, s, 1);
    isa_register_ioport(dev, &s->data, KBD_DATA_PORT);
    isa_register_ioport(dev, &s->command, KBD_STATUS_PORT);
    s->kbd_irq = isa_get_irq(dev, 1);
    s->mouse_irq = isa_get_irq(dev, 12);
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
