/*
 * Intel 8259A programmable interrupt controller (8259A datasheet, order
 * number 231468), one chip as "isa-i8259", plus the edge/level control
 * register (ELCR) the PIIX south bridges put at 0x4d0/0x4d1.
 *
 * Followed: the ICW1-ICW4 initialization sequence (single or cascade, ICW4,
 * automatic EOI, special fully nested mode), OCW1 masks, every OCW2 command
 * (EOI, specific EOI, rotations, set priority), OCW3 (IRR/ISR read, poll,
 * special mask mode), rotating priority, spurious IR7 and the cascade on the
 * master's IR2. As on PIIX, edge or level sensitivity comes from the ELCR
 * and ICW1's LTIM bit is ignored; like QEMU, an edge stays latched in IRR
 * after its line drops until it is acknowledged. Left out: MCS-80/85 mode
 * (treated as 8086 mode) and buffered mode (it only drives the SP/EN pin).
 */
#include "hw/core/vmstate.h"
#include "hw/intc/i8259.h"
#include "hw/isa/isa.h"
#include "util/error.h"
#include "util/log.h"

/* Port offsets: A0 low is the command port, A0 high the data port. */
#define I8259_CMD 0
#define I8259_DATA 1

#define ICW1_IC4 0x01  /* ICW4 follows */
#define ICW1_SNGL 0x02 /* single chip, no ICW3 */
#define ICW1_ADI 0x04  /* call address interval (MCS-80/85 only) */
#define ICW1_LTIM 0x08 /* level triggered mode (replaced by the ELCR) */
#define ICW1_INIT 0x10 /* a command port write with D4 set is ICW1 */

#define ICW4_UPM 0x01  /* 8086/8088 mode */
#define ICW4_AEOI 0x02 /* automatic end of interrupt */
#define ICW4_BUF 0x08  /* buffered mode (M/S in bit 2) */
#define ICW4_SFNM 0x10 /* special fully nested mode */

#define OCW3_SEL 0x08  /* a command port write with D4=0, D3=1 is OCW3 */
#define OCW3_RIS 0x01  /* read ISR (else IRR) on the next read */
#define OCW3_RR 0x02   /* RIS is valid */
#define OCW3_P 0x04    /* poll command */
#define OCW3_SMM 0x20  /* special mask mode on (else off) */
#define OCW3_ESMM 0x40 /* SMM is valid */

/* OCW2 R, SL, EOI bits (D7-D5) and the level L (D2-D0). */
#define OCW2_CMD(v) (((v) >> 5) & 7)
#define OCW2_LEVEL(v) ((v)&7)
#define OCW2_ROTATE_AEOI_CLEAR 0
#define OCW2_EOI 1
#define OCW2_NOP 2
#define OCW2_SPECIFIC_EOI 3
#define OCW2_ROTATE_AEOI_SET 4
#define OCW2_ROTATE_EOI 5
#define OCW2_SET_PRIORITY 6
#define OCW2_ROTATE_SPECIFIC_EOI 7

#define POLL_I 0x80 /* poll word: a request is pending (level in D2-D0) */

/* ELCR bits that exist on PIIX: IRQ0-2, 8 and 13 are always edge. */
#define ELCR_MASK_MASTER "0xf8"
#define ELCR_MASK_SLAVE "0xde"

/* Where the initialization sequence stands: next data write is... */
typedef enum {
    I8259_READY, /* OCW1 */
    I8259_ICW2,
    I8259_ICW3,
    I8259_ICW4,
} I8259InitState;

typedef struct I8259State {
    DeviceState parent_obj;
    /* properties */
    uint32_t iobase;
    uint32_t elcr_addr; /* UINT32_MAX: no ELCR */
    uint8_t elcr_mask;  /* the inputs that may be level-triggered */
    bool master;

    MemoryRegion io;
    MemoryRegion elcr_io;
    IRQLine *int_out[1];
    struct I8259State *slave; /* cascaded on IR2 (master only) */

    uint8_t pin_level;     /* IR input levels as the lines last said */
    uint8_t irr;           /* interrupt request register */
    uint8_t isr;           /* in-service register */
    uint8_t imr;           /* interrupt mask register (OCW1) */
    uint8_t priority_base; /* the IR level with the highest priority */
    uint8_t vector_base;   /* ICW2: T7-T3 */
    uint8_t icw3;          /* master: IRs with a slave; slave: its ID */
    uint8_t elcr;
    I8259InitState init_state;
    bool icw4_needed;
    bool single_mode;
    bool auto_eoi;
    bool rotate_in_auto_eoi;
    bool special_fully_nested;
    bool special_mask;
    bool read_isr; /* OCW3: the command port reads ISR, else IRR */
    bool poll;     /* OCW3: the next read is a poll */
} I8259State;

#define I8259(obj) DEVICE_CAST(I8259State, obj, TYPE_I8259)

static I8259State *i8259_from_device(DeviceState *dev)
{
    return I8259(dev);
}

/* ---- priority resolution ---------------------------------------------- */

/*
 * The priority (0 highest) of the best level set in mask, counted from
 * priority_base; 8 when mask is empty.
 */
static int i8259_best_priority(I8259State *s, uint8_t mask)
{
    for (int priority = 0; priority < I8259_NUM_IRQS; priority++) {
        if (mask & (1 << ((priority + s->priority_base) & 7))) {
            return priority;
        }
    }
    return I8259_NUM_IRQS;
}

static int i8259_level_of_priority(I8259State *s, int priority)
{
    return (priority + s->priority_base) & 7;
}

/* The request INT should signal, or -1. */
static int i8259_pending_irq(I8259State *s)
{
    uint8_t requests = s->irr & ~s->imr;
    uint8_t in_service = s->isr;
    int priority, current;

    if (s->special_mask) {
        /*
         * Special mask mode: only the mask inhibits; a level being serviced
         * does not hold off others, higher or lower.
         */
        requests &= ~s->isr;
        priority = i8259_best_priority(s, requests);
        return priority < I8259_NUM_IRQS ? i8259_level_of_priority(s, priority)
                                         : -1;
    }
    priority = i8259_best_priority(s, requests);
    if (priority == I8259_NUM_IRQS) {
        return -1;
    }
    current = i8259_best_priority(s, in_service);
    if (priority < current) {
        return i8259_level_of_priority(s, priority);
    }
    /*
     * Special fully nested mode: a slave whose request is in service may
     * still interrupt through the same input for a higher request of its own.
     */
    if (s->special_fully_nested && s->master && priority == current &&
        !s->single_mode &&
        (s->icw3 & (1 << i8259_level_of_priority(s, priority)))) {
        return i8259_level_of_priority(s, priority);
    }
    return -1;
}

static void i8259_update_irq(I8259State *s)
{
    irq_set_level(s->int_out[0], i8259_pending_irq(s) >= 0);
}

/* The effect of INTA (or a poll) on the chip: irq is now in service. */
static void i8259_intack(I8259State *s, int irq)
{
    if (s->auto_eoi) {
        if (s->rotate_in_auto_eoi) {
            s->priority_base = (irq + 1) & 7;
        }
    } else {
        s->isr |= 1 << irq;
    }
    /* A level-sensitive request stays until its line drops. */
    if (!(s->elcr & (1 << irq))) {
        s->irr &= ~(1 << irq);
    }
}

int i8259_acknowledge(DeviceState *master)
{
    I8259State *s = i8259_from_device(master);
    I8259State *slave = s->slave;
    int irq = i8259_pending_irq(s), slave_irq, vector;

    if (irq < 0) {
        /* The request went away before INTA: the default IR7. */
        log_mask_printf(LOG_INT, "i8259: spurious interrupt on master\n");
        return s->vector_base + 7;
    }
    i8259_intack(s, irq);
    if (slave && irq == I8259_CASCADE_IRQ && !s->single_mode &&
        (s->icw3 & (1 << irq))) {
        slave_irq = i8259_pending_irq(slave);
        if (slave_irq >= 0) {
            i8259_intack(slave, slave_irq);
            vector = slave->vector_base + slave_irq;
        } else {
            log_mask_printf(LOG_INT, "i8259: spurious interrupt on slave\n");
            vector = slave->vector_base + 7;
        }
        i8259_update_irq(slave);
    } else {
        vector = s->vector_base + irq;
    }
    i8259_update_irq(s);
    return vector;
}

/* ---- request lines ---------------------------------------------------- */

static void i8259_set_irq(void *opaque, int irq, int level)
{
    I8259State *s = i8259_from_device(opaque);
    uint8_t bit = 1 << irq;
    bool was_high = s->pin_level & bit;

    if (level) {
        s->pin_level |= bit;
    } else {
        s->pin_level &= ~bit;
    }
    if (s->elcr & bit) {
        /* Level sensitive: the request follows the line. */
        s->irr = level ? s->irr | bit : s->irr & ~bit;
    } else if (level && !was_high) {
        s->irr |= bit;
    }
    i8259_update_irq(s);
}

/* ---- registers -------------------------------------------------------- */

/* What ICW1 does besides starting the sequence (datasheet, ICW1 a-f). */
static void i8259_init_reset(I8259State *s)
{
    /* The edge sense latches are cleared; level requests remain. */
    s->irr &= s->elcr;
    s->isr = 0;
    s->imr = 0;
    s->priority_base = 0;
    s->vector_base = 0;
    s->icw3 = 0;
    s->init_state = I8259_READY;
    s->icw4_needed = false;
    s->single_mode = false;
    s->auto_eoi = false;
    s->rotate_in_auto_eoi = false;
    s->special_fully_nested = false;
    s->special_mask = false;
    s->read_isr = false;
    s->poll = false;
}

static void i8259_write_icw1(I8259State *s, uint8_t value)
{
    i8259_init_reset(s);
    s->icw4_needed = value & ICW1_IC4;
    s->single_mode = value & ICW1_SNGL;
    s->init_state = I8259_ICW2;
    if (!s->icw4_needed) {
        log_unimp_once("i8259: ICW1 without ICW4 (MCS-80/85 mode) is treated "
                       "as 8086 mode\n");
    }
    if (value & ICW1_LTIM) {
        log_unimp_once(
            "i8259: ICW1 LTIM ignored, the ELCR selects level triggering\n");
    }
}

static void i8259_write_ocw2(I8259State *s, uint8_t value)
{
    int command = OCW2_CMD(value), level = OCW2_LEVEL(value), priority;

    switch (command) {
    case OCW2_ROTATE_AEOI_CLEAR:
    case OCW2_ROTATE_AEOI_SET:
        s->rotate_in_auto_eoi = command == OCW2_ROTATE_AEOI_SET;
        break;
    case OCW2_EOI:
    case OCW2_ROTATE_EOI:
        priority = i8259_best_priority(s, s->isr);
        if (priority == I8259_NUM_IRQS) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "i8259@0x%x: EOI with nothing in service\n",
                            s->iobase);
            break;
        }
        level = i8259_level_of_priority(s, priority);
        s->isr &= ~(1 << level);
        if (command == OCW2_ROTATE_EOI) {
            s->priority_base = (level + 1) & 7;
        }
        break;
    case OCW2_SPECIFIC_EOI:
    case OCW2_ROTATE_SPECIFIC_EOI:
        s->isr &= ~(1 << level);
        if (command == OCW2_ROTATE_SPECIFIC_EOI) {
            s->priority_base = (level + 1) & 7;
        }
        break;
    case OCW2_SET_PRIORITY:
        /* L becomes the lowest priority. */
        s->priority_base = (level + 1) & 7;
        break;
    case OCW2_NOP:
        break;
    }
}

static void i8259_write_ocw3(I8259State *s, uint8_t value)
{
    if (value & OCW3_P) {
        s->poll = true;
    }
    if (value & OCW3_RR) {
        s->read_isr = value & OCW3_RIS;
    }
    if (value & OCW3_ESMM) {
        s->special_mask = value & OCW3_SMM;
    }
}

static void i8259_write_data(I8259State *s, uint8_t value)
{
    switch (s->init_state) {
    case I8259_READY:
        s->imr = value;
        break;
    case I8259_ICW2:
        s->vector_base = value & 0xf8;
        if (!s->single_mode) {
            s->init_state = I8259_ICW3;
        } else {
            s->init_state = s->icw4_needed ? I8259_ICW4 : I8259_READY;
        }
        break;
    case I8259_ICW3:
        s->icw3 = value;
        s->init_state = s->icw4_needed ? I8259_ICW4 : I8259_READY;
        break;
    case I8259_ICW4:
        s->auto_eoi = value & ICW4_AEOI;
        s->special_fully_nested = value & ICW4_SFNM;
        if (!(value & ICW4_UPM)) {
            log_unimp_once(
                "i8259: ICW4 MCS-80/85 mode is treated as 8086 mode\n");
        }
        if (value & ICW4_BUF) {
            log_unimp_once("i8259: ICW4 buffered mode ignored\n");
        }
        s->init_state = I8259_READY;
        break;
    }
}

static void i8259_write(void *opaque, uint64_t addr, uint64_t value,
                        unsigned size)
{
    I8259State *s = opaque;

    if (addr == I8259_DATA) {
        i8259_write_data(s, value);
    } else if (value & ICW1_INIT) {
        i8259_write_icw1(s, value);
    } else if (value & OCW3_SEL) {
        i8259_write_ocw3(s, value);
    } else {
        i8259_write_ocw2(s, value);
    }
    i8259_update_irq(s);
}

/* A poll read is an INTA without the vector: D7 pending, D2-D0 level. */
static uint8_t i8259_poll_read(I8259State *s)
{
    int irq = i8259_pending_irq(s);

    s->poll = false;
    if (irq < 0) {
        return 0;
    }
    i8259_intack(s, irq);
    i8259_update_irq(s);
    return POLL_I | irq;
}

static uint64_t i8259_read(void *opaque, uint64_t addr, unsigned size)
{
    I8259State *s = opaque;

    if (s->poll) {
        return i8259_poll_read(s);
    }
    if (addr == I8259_DATA) {
        return s->imr;
    }
    return s->read_isr ? s->isr : s->irr;
}

static const MemoryRegionOps i8259_io_ops = {
    .read = i8259_read,
    .write = i8259_write,
    .valid_min = 1,
    .valid_max = 1,
};

static void i8259_elcr_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    I8259State *s = opaque;
    uint8_t became_level;

    if (value & ~s->elcr_mask) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "i8259: ELCR 0x%x: bits 0x%02x are always edge\n",
                        s->elcr_addr, (unsigned)(value & ~s->elcr_mask & 0xff));
    }
    became_level = value & s->elcr_mask & ~s->elcr;
    s->elcr = value & s->elcr_mask;
    /* A newly level-sensitive input requests exactly while its line is up. */
    s->irr = (s->irr & ~became_level) | (s->pin_level & became_level);
    i8259_update_irq(s);
}

static uint64_t i8259_elcr_read(void *opaque, uint64_t addr, unsigned size)
{
    I8259State *s = opaque;

    return s->elcr;
}

static const MemoryRegionOps i8259_elcr_ops = {
    .read = i8259_elcr_read,
    .write = i8259_elcr_write,
    .valid_min = 1,
    .valid_max = 1,
};

/* ---- device ----------------------------------------------------------- */

/* Power-on: as after ICW1, everything edge-triggered, IRR empty. */
static void i8259_reset(DeviceState *dev)
{
    I8259State *s = i8259_from_device(dev);

    s->elcr = 0;
    i8259_init_reset(s);
    s->irr = 0;
    i8259_update_irq(s);
}

static bool i8259_realize(DeviceState *dev, GError **errp)
{
    I8259State *s = i8259_from_device(dev);

    if (s->iobase > 0xfffe) {
        return error_setg(errp,
                          "isa-i8259: property 'iobase' must be set to a port");
    }
    if (s->elcr_addr != UINT32_MAX && s->elcr_addr > 0xffff) {
        return error_setg(errp, "isa-i8259: 'elcr_addr' 0x%x is not a port",
                          s->elcr_addr);
    }
    memory_region_init_io(&s->io, "pic", &i8259_io_ops, s, 2);
    isa_register_ioport(dev, &s->io, s->iobase);
    if (s->elcr_addr != UINT32_MAX) {
        memory_region_init_io(&s->elcr_io, "elcr", &i8259_elcr_ops, s, 1);
        isa_register_ioport(dev, &s->elcr_io, s->elcr_addr);
    }
    device_init_gpio_in(dev, i8259_set_irq, I8259_NUM_IRQS);
    device_init_gpio_out(dev, s->int_out, 1);
    return true;
}

DeviceState *i8259_create_pair(BusState *isa_bus, DeviceState **slave,
                               GError **errp)
{
    DeviceState *master_dev = device_new(TYPE_I8259);
    DeviceState *slave_dev = device_new(TYPE_I8259);

    device_set_property_or_die(master_dev, "master", "on");
    device_set_property_or_die(master_dev, "iobase", "0x20");
    device_set_property_or_die(master_dev, "elcr_addr", "0x4d0");
    device_set_property_or_die(master_dev, "elcr_mask", ELCR_MASK_MASTER);
    device_set_property_or_die(slave_dev, "master", "off");
    device_set_property_or_die(slave_dev, "iobase", "0xa0");
    device_set_property_or_die(slave_dev, "elcr_addr", "0x4d1");
    device_set_property_or_die(slave_dev, "elcr_mask", ELCR_MASK_SLAVE);
    if (!device_realize(master_dev, isa_bus, errp) ||
        !device_realize(slave_dev, isa_bus, errp)) {
        return NULL;
    }
    device_connect_gpio_out(slave_dev, 0,
                            device_get_gpio_in(master_dev, I8259_CASCADE_IRQ));
    i8259_from_device(master_dev)->slave = i8259_from_device(slave_dev);
    *slave = slave_dev;
    return master_dev;
}

static bool i8259_post_load(void *opaque, int version_id, GError **errp)
{
    I8259State *s = opaque;

    if (s->init_state > I8259_ICW4) {
        return error_setg(errp, "initialization step %u does not exist",
                          s->init_state);
    }
    s->priority_base &= 7;
    s->elcr &= s->elcr_mask;
    i8259_update_irq(s);
    return true;
}

static const VMStateDescription vmstate_i8259 = {
    .name = "i8259",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = i8259_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(pin_level, I8259State),
            VMSTATE_UINT8(irr, I8259State),
            VMSTATE_UINT8(isr, I8259State),
            VMSTATE_UINT8(imr, I8259State),
            VMSTATE_UINT8(priority_base, I8259State),
            VMSTATE_UINT8(vector_base, I8259State),
            VMSTATE_UINT8(icw3, I8259State),
            VMSTATE_UINT8(elcr, I8259State),
            VMSTATE_UINT32(init_state, I8259State),
            VMSTATE_BOOL(icw4_needed, I8259State),
            VMSTATE_BOOL(single_mode, I8259State),
            VMSTATE_BOOL(auto_eoi, I8259State),
            VMSTATE_BOOL(rotate_in_auto_eoi, I8259State),
            VMSTATE_BOOL(special_fully_nested, I8259State),
            VMSTATE_BOOL(special_mask, I8259State),
            VMSTATE_BOOL(read_isr, I8259State),
            VMSTATE_BOOL(poll, I8259State),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property i8259_properties[] = {
    DEFINE_PROP_UINT32("iobase", I8259State, iobase, UINT32_MAX),
    DEFINE_PROP_UINT32("elcr_addr", I8259State, elcr_addr, UINT32_MAX),
    DEFINE_PROP_UINT8("elcr_mask", I8259State, elcr_mask, 0xff),
    DEFINE_PROP_BOOL("master", I8259State, master, false),
    DEFINE_PROP_END,
};

static DeviceClass i8259_class = {
    .name = TYPE_I8259,
    .parent = TYPE_ISA_DEVICE,
    .description = "Intel 8259A programmable interrupt controller",
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(I8259State),
    .props = i8259_properties,
    .realize = i8259_realize,
    .reset = i8259_reset,
    .vmsd = &vmstate_i8259,
};

static void i8259_register(void)
{
    device_class_register(&i8259_class);
}
type_init(i8259_register)
