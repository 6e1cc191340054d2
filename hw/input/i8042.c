/*
 * Intel 8042 keyboard controller (status register, command byte, self
 * tests, output port with the CPU reset line and A20) with a PS/2 keyboard
 * on its keyboard port and a PS/2 mouse on its auxiliary port
 * (hw/input/ps2.c). Bytes written to port 0x60 go to the keyboard, or to
 * the mouse after command 0xD4; the devices' bytes come back one at a time
 * through the output buffer, raising IRQ1 or IRQ12 (with AUX_OBF for the
 * mouse) when the command byte enables them. With command-byte bit 6 set,
 * every keyboard byte is translated from scan code set 2 to set 1.
 * Follows the IBM PC AT and PS/2 Technical References (keyboard controller
 * chapters), as QEMU's model does. Left out: the controller's RAM beyond
 * the command byte (0x21-0x3F, 0x61-0x7F) and the password commands.
 */
#include "hw/input/ps2.h"
#include "hw/isa/isa.h"
#include "system/runstate.h"
#include "util/log.h"

#define KBD_DATA_PORT 0x60
#define KBD_STATUS_PORT 0x64

/* Status register */
#define KBD_STAT_OBF 0x01      /* output buffer full */
#define KBD_STAT_IBF 0x02      /* input buffer full */
#define KBD_STAT_SELFTEST 0x04 /* system flag: self test passed */
#define KBD_STAT_CMD 0x08      /* last write was to the command port */
#define KBD_STAT_UNLOCKED 0x10 /* keyboard not inhibited */
#define KBD_STAT_AUX_OBF 0x20
#define KBD_STAT_GTO 0x40 /* general time-out */

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
#define KBD_MODE_KCC 0x40 /* XLATE: translate keyboard bytes to set 1 */

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
    bool xlate_break; /* a translated 0xF0 waits for the byte it breaks */
    PS2State *kbd, *mouse;
    IRQLine *kbd_irq, *mouse_irq;
} I8042State;

#define I8042(obj) DEVICE_CAST(I8042State, obj, "i8042")

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
    s->status =
        aux ? s->status | KBD_STAT_AUX_OBF : s->status & ~KBD_STAT_AUX_OBF;
    i8042_update_irq(s);
}

/*
 * With the output buffer free, takes the next byte a device has for the
 * host: the keyboard first, each port only while its interface is enabled.
 */
static void i8042_refill(I8042State *s)
{
    if (s->status & KBD_STAT_OBF) {
        return;
    }
    while (!(s->mode & KBD_MODE_DISABLE_KBD) && ps2_has_data(s->kbd)) {
        uint8_t b = ps2_read(s->kbd);

        if (s->mode & KBD_MODE_KCC) {
            if (b == 0xf0) {
                s->xlate_break = true;
                continue;
            }
            b = ps2_set2_to_set1(b) | (s->xlate_break ? 0x80 : 0);
            s->xlate_break = false;
        }
        i8042_queue(s, b, false);
        return;
    }
    if (!(s->mode & KBD_MODE_DISABLE_MOUSE) && ps2_has_data(s->mouse)) {
        i8042_queue(s, ps2_read(s->mouse), true);
    }
}

/* A device queued bytes. */
static void i8042_device_update(void *opaque)
{
    i8042_refill(opaque);
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
    uint8_t value = s->obuf;

    s->status &= ~(KBD_STAT_OBF | KBD_STAT_AUX_OBF);
    i8042_update_irq(s);
    i8042_refill(s);
    return value;
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
        i8042_refill(s);
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
    case KBD_CCMD_WRITE_MOUSE:
        /* Sending to a device enables its interface (QEMU does so too). */
        s->mode &= ~KBD_MODE_DISABLE_MOUSE;
        ps2_write(s->mouse, value);
        i8042_refill(s);
        break;
    default:
        s->mode &= ~KBD_MODE_DISABLE_KBD;
        ps2_write(s->kbd, value);
        i8042_refill(s);
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
        i8042_refill(s);
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
        i8042_refill(s);
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
    .read = i8042_data_read,
    .write = i8042_data_write,
    .valid_min = 1,
    .valid_max = 1,
};
static const MemoryRegionOps i8042_command_ops = {
    .read = i8042_status_read,
    .write = i8042_command_write,
    .valid_min = 1,
    .valid_max = 1,
};

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = I8042(dev);

    s->mode =
        KBD_MODE_KBD_INT | KBD_MODE_MOUSE_INT | KBD_MODE_SYS | KBD_MODE_KCC;
    s->status = KBD_STAT_CMD | KBD_STAT_UNLOCKED | KBD_STAT_SELFTEST;
    s->outport = KBD_OUT_RESET | KBD_OUT_A20;
    s->pending = 0;
    s->obuf = 0;
    s->xlate_break = false;
    ps2_reset(s->kbd);
    ps2_reset(s->mouse);
    i8042_update_irq(s);
}

static bool i8042_realize(DeviceState *dev, GError **errp)
{
    I8042State *s = I8042(dev);

    memory_region_init_io(&s->data, "i8042-data", &i8042_data_ops, s, 1);
    memory_region_init_io(&s->command, "i8042-cmd", &i8042_command_ops, s, 1);
    isa_register_ioport(dev, &s->data, KBD_DATA_PORT);
    isa_register_ioport(dev, &s->command, KBD_STATUS_PORT);
    s->kbd_irq = isa_get_irq(dev, 1);
    s->mouse_irq = isa_get_irq(dev, 12);
    s->kbd = ps2_keyboard_new(i8042_device_update, s);
    s->mouse = ps2_mouse_new(i8042_device_update, s);
    return true;
}

static bool i8042_post_load(void *opaque, int version_id, GError **errp)
{
    i8042_update_irq(opaque);
    return true;
}

static const VMStateDescription vmstate_i8042 = {
    .name = "pckbd",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = i8042_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(status, I8042State),
            VMSTATE_UINT8(mode, I8042State),
            VMSTATE_UINT8(outport, I8042State),
            VMSTATE_UINT8(pending, I8042State),
            VMSTATE_UINT8(obuf, I8042State),
            VMSTATE_BOOL(xlate_break, I8042State),
            VMSTATE_STRUCT_POINTER(kbd, I8042State, vmstate_ps2_keyboard,
                                   PS2State),
            VMSTATE_STRUCT_POINTER(mouse, I8042State, vmstate_ps2_mouse,
                                   PS2State),
            VMSTATE_END_OF_LIST(),
        },
};

static DeviceClass i8042_class = {
    .name = "i8042",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_INPUT,
    .instance_size = sizeof(I8042State),
    .realize = i8042_realize,
    .reset = i8042_reset,
    .vmsd = &vmstate_i8042,
};

static void i8042_register(void)
{
    device_class_register(&i8042_class);
}
type_init(i8042_register)
