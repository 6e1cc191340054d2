/*
 * I/O APIC (Intel 82093AA datasheet, order number 290566; the version 0x20
 * EOI register as in the ICH south bridges), as "ioapic": 24 pins, each
 * with a 64-bit redirection entry that turns an edge or an asserted level
 * into an interrupt message for the local APICs.
 *
 * Messages are built in the MSI format (address 0xFEExxxxx, data with the
 * vector, delivery and trigger mode) and handed to the board's delivery
 * callback; delivery is immediate, so Delivery Status always reads idle.
 * The input lines carry "asserted", not the electrical level, so the
 * polarity bit is stored but not applied (as in QEMU and KVM). An edge on a
 * masked pin is lost, as the datasheet says. SMI, NMI, INIT and ExtINT are
 * always sent as edge messages. Left out: the APIC serial bus and its
 * arbitration (IOAPICARB just mirrors IOAPICID), extended destination IDs.
 */
#include "hw/core/vmstate.h"
#include "hw/intc/ioapic.h"
#include "util/error.h"
#include "util/log.h"

/* MMIO offsets. */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10
#define IOAPIC_EOI 0x40 /* version 0x20 and later */

/* Register indexes selected through IOREGSEL. */
#define IOAPIC_IOAPICID 0x00
#define IOAPIC_IOAPICVER 0x01
#define IOAPIC_IOAPICARB 0x02
#define IOAPIC_IOREDTBL 0x10 /* two registers per pin: low, high dword */

#define IOAPIC_ID_SHIFT 24
#define IOAPIC_ID_MASK 0x0f
#define IOAPIC_VER_MRE_SHIFT 16 /* maximum redirection entry */

/* Redirection table entry. */
#define IOREDTBL_VECTOR 0xffull
#define IOREDTBL_DELMOD_SHIFT 8
#define IOREDTBL_DELMOD_MASK 0x7
#define IOREDTBL_DESTMOD (1ull << 11)    /* logical destination */
#define IOREDTBL_DELIVS (1ull << 12)     /* delivery status (RO) */
#define IOREDTBL_INTPOL (1ull << 13)     /* active low */
#define IOREDTBL_REMOTE_IRR (1ull << 14) /* (RO) */
#define IOREDTBL_TRIGGER (1ull << 15)    /* level */
#define IOREDTBL_MASK (1ull << 16)
#define IOREDTBL_DEST_SHIFT 56
#define IOREDTBL_RO_BITS (IOREDTBL_DELIVS | IOREDTBL_REMOTE_IRR)

#define IOAPIC_DELMOD_FIXED 0
#define IOAPIC_DELMOD_LOWEST_PRIORITY 1

/* The MSI message a redirection entry becomes. */
#define MSI_ADDR_BASE 0xfee00000ull
#define MSI_ADDR_DEST_SHIFT 12
#define MSI_ADDR_DEST_MODE_SHIFT 2
#define MSI_DATA_DELIVERY_MODE_SHIFT 8
#define MSI_DATA_LEVEL_ASSERT (1u << 14)
#define MSI_DATA_TRIGGER_LEVEL (1u << 15)

typedef struct IOAPICState {
    DeviceState parent_obj;
    /* properties */
    uint8_t version;

    MemoryRegion io;
    IOAPICDeliver *deliver;

    uint32_t pin_level; /* asserted inputs */
    uint8_t ioregsel;
    uint8_t id;
    uint8_t arbitration_id;
    uint64_t redirection[IOAPIC_NUM_PINS];
} IOAPICState;

#define IOAPIC(obj) DEVICE_CAST(IOAPICState, obj, TYPE_IOAPIC)

static IOAPICState *ioapic_from_device(DeviceState *dev)
{
    return IOAPIC(dev);
}

/* ---- delivery --------------------------------------------------------- */

static bool ioapic_entry_is_level(uint64_t entry)
{
    unsigned mode = (entry >> IOREDTBL_DELMOD_SHIFT) & IOREDTBL_DELMOD_MASK;

    return (entry & IOREDTBL_TRIGGER) &&
           (mode == IOAPIC_DELMOD_FIXED ||
            mode == IOAPIC_DELMOD_LOWEST_PRIORITY);
}

static void ioapic_send(IOAPICState *s, int pin)
{
    uint64_t entry = s->redirection[pin];
    bool level = ioapic_entry_is_level(entry);
    uint64_t address =
        MSI_ADDR_BASE |
        ((entry >> IOREDTBL_DEST_SHIFT) << MSI_ADDR_DEST_SHIFT) |
        (!!(entry & IOREDTBL_DESTMOD) << MSI_ADDR_DEST_MODE_SHIFT);
    uint32_t data =
        (entry & IOREDTBL_VECTOR) |
        (((entry >> IOREDTBL_DELMOD_SHIFT) & IOREDTBL_DELMOD_MASK)
         << MSI_DATA_DELIVERY_MODE_SHIFT) |
        (level ? MSI_DATA_TRIGGER_LEVEL | MSI_DATA_LEVEL_ASSERT : 0);

    log_mask_printf(LOG_INT, "ioapic: pin %d -> MSI 0x%" PRIx64 " data 0x%x\n",
                    pin, address, data);
    if (s->deliver) {
        s->deliver(address, data);
    }
}

/*
 * A level-triggered pin fires while asserted, unmasked and not waiting for
 * its EOI; remote IRR then holds it until the EOI.
 */
static void ioapic_service_level(IOAPICState *s, int pin)
{
    uint64_t *entry = &s->redirection[pin];

    if (!(s->pin_level & (1u << pin)) || (*entry & IOREDTBL_MASK) ||
        (*entry & IOREDTBL_REMOTE_IRR)) {
        return;
    }
    *entry |= IOREDTBL_REMOTE_IRR;
    ioapic_send(s, pin);
}

static void ioapic_set_irq(void *opaque, int pin, int level)
{
    IOAPICState *s = ioapic_from_device(opaque);
    uint32_t bit = 1u << pin;
    bool rising = level && !(s->pin_level & bit);
    uint64_t entry = s->redirection[pin];

    s->pin_level = level ? s->pin_level | bit : s->pin_level & ~bit;
    if (ioapic_entry_is_level(entry)) {
        ioapic_service_level(s, pin);
    } else if (rising && !(entry & IOREDTBL_MASK)) {
        ioapic_send(s, pin);
    }
}

void ioapic_eoi_broadcast(DeviceState *dev, int vector)
{
    IOAPICState *s = ioapic_from_device(dev);

    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t *entry = &s->redirection[pin];

        if ((*entry & IOREDTBL_VECTOR) != (uint64_t)(vector & 0xff) ||
            !(*entry & IOREDTBL_REMOTE_IRR)) {
            continue;
        }
        *entry &= ~IOREDTBL_REMOTE_IRR;
        if (ioapic_entry_is_level(*entry)) {
            ioapic_service_level(s, pin);
        }
    }
}

/* ---- registers -------------------------------------------------------- */

static uint32_t ioapic_register_read(IOAPICState *s)
{
    unsigned index = s->ioregsel, pin;

    switch (index) {
    case IOAPIC_IOAPICID:
        return (uint32_t)s->id << IOAPIC_ID_SHIFT;
    case IOAPIC_IOAPICVER:
        return s->version | ((IOAPIC_NUM_PINS - 1) << IOAPIC_VER_MRE_SHIFT);
    case IOAPIC_IOAPICARB:
        return (uint32_t)s->arbitration_id << IOAPIC_ID_SHIFT;
    }
    if (index >= IOAPIC_IOREDTBL &&
        index < IOAPIC_IOREDTBL + 2 * IOAPIC_NUM_PINS) {
        pin = (index - IOAPIC_IOREDTBL) / 2;
        return s->redirection[pin] >> ((index & 1) ? 32 : 0);
    }
    log_mask_printf(LOG_GUEST_ERROR,
                    "ioapic: read of undefined register 0x%02x\n", index);
    return 0;
}

static void ioapic_redirection_write(IOAPICState *s, int pin, bool high,
                                     uint32_t value)
{
    uint64_t *entry = &s->redirection[pin];

    if (high) {
        *entry = (*entry & 0xffffffffull) | (uint64_t)value << 32;
        return;
    }
    *entry = (*entry & ~0xffffffffull) | (*entry & IOREDTBL_RO_BITS) |
             (value & ~IOREDTBL_RO_BITS);
    /*
     * Remote IRR means nothing for edge entries; clearing it here is what
     * lets software unstick a pin on chips without the EOI register.
     */
    if (!(*entry & IOREDTBL_TRIGGER)) {
        *entry &= ~IOREDTBL_REMOTE_IRR;
    }
    /* An unmasked level pin that is still asserted fires now. */
    if (ioapic_entry_is_level(*entry)) {
        ioapic_service_level(s, pin);
    }
}

static void ioapic_register_write(IOAPICState *s, uint32_t value)
{
    unsigned index = s->ioregsel;

    switch (index) {
    case IOAPIC_IOAPICID:
        s->id = (value >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
        /* The arbitration ID is loaded with the ID on every ID write. */
        s->arbitration_id = s->id;
        return;
    case IOAPIC_IOAPICVER:
    case IOAPIC_IOAPICARB:
        log_mask_printf(LOG_GUEST_ERROR,
                        "ioapic: write 0x%x to read-only register 0x%02x\n",
                        value, index);
        return;
    }
    if (index >= IOAPIC_IOREDTBL &&
        index < IOAPIC_IOREDTBL + 2 * IOAPIC_NUM_PINS) {
        ioapic_redirection_write(s, (index - IOAPIC_IOREDTBL) / 2, index & 1,
                                 value);
        return;
    }
    log_mask_printf(LOG_GUEST_ERROR,
                    "ioapic: write 0x%x to undefined register 0x%02x\n", value,
                    index);
}

static uint64_t ioapic_read(void *opaque, uint64_t addr, unsigned size)
{
    IOAPICState *s = opaque;

    switch (addr) {
    case IOAPIC_IOREGSEL:
        return s->ioregsel;
    case IOAPIC_IOWIN:
        if (size != 4) {
            log_mask_printf(LOG_GUEST_ERROR, "ioapic: %u-byte read of IOWIN\n",
                            size);
            return 0;
        }
        return ioapic_register_read(s);
    case IOAPIC_EOI:
        return 0; /* write-only */
    }
    log_mask_printf(LOG_GUEST_ERROR,
                    "ioapic: read at undefined offset 0x%" PRIx64 "\n", addr);
    return 0;
}

static void ioapic_write(void *opaque, uint64_t addr, uint64_t value,
                         unsigned size)
{
    IOAPICState *s = opaque;

    switch (addr) {
    case IOAPIC_IOREGSEL:
        s->ioregsel = value;
        return;
    case IOAPIC_IOWIN:
        if (size != 4) {
            log_mask_printf(LOG_GUEST_ERROR, "ioapic: %u-byte write of IOWIN\n",
                            size);
            return;
        }
        ioapic_register_write(s, value);
        return;
    case IOAPIC_EOI:
        if (s->version >= 0x20) {
            ioapic_eoi_broadcast(DEVICE(s), value & 0xff);
            return;
        }
        break;
    }
    log_mask_printf(LOG_GUEST_ERROR,
                    "ioapic: write 0x%" PRIx64 " at undefined offset 0x%" PRIx64
                    "\n",
                    value, addr);
}

static const MemoryRegionOps ioapic_io_ops = {
    .read = ioapic_read,
    .write = ioapic_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
};

/* ---- device ----------------------------------------------------------- */

MemoryRegion *ioapic_mmio(DeviceState *dev)
{
    return &ioapic_from_device(dev)->io;
}

void ioapic_set_delivery(DeviceState *dev, IOAPICDeliver *deliver)
{
    ioapic_from_device(dev)->deliver = deliver;
}

/* Power-on: every pin masked, edge, vector 0; ID 0. */
static void ioapic_reset(DeviceState *dev)
{
    IOAPICState *s = ioapic_from_device(dev);

    s->ioregsel = 0;
    s->id = 0;
    s->arbitration_id = 0;
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        s->redirection[pin] = IOREDTBL_MASK;
    }
}

static bool ioapic_realize(DeviceState *dev, GError **errp)
{
    IOAPICState *s = ioapic_from_device(dev);

    if (s->version != 0x11 && s->version != 0x20) {
        return error_setg(
            errp, "ioapic: Invalid version %u (only 0x11 and 0x20 supported)",
            s->version);
    }
    memory_region_init_io(&s->io, "ioapic", &ioapic_io_ops, s,
                          IOAPIC_MMIO_SIZE);
    device_init_gpio_in(dev, ioapic_set_irq, IOAPIC_NUM_PINS);
    return true;
}

static const VMStateDescription vmstate_ioapic = {
    .name = "ioapic",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT32(pin_level, IOAPICState),
            VMSTATE_UINT8(ioregsel, IOAPICState),
            VMSTATE_UINT8(id, IOAPICState),
            VMSTATE_UINT8(arbitration_id, IOAPICState),
            VMSTATE_UINT64_ARRAY(redirection, IOAPICState, IOAPIC_NUM_PINS),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property ioapic_properties[] = {
    DEFINE_PROP_UINT8("version", IOAPICState, version, 0x20),
    DEFINE_PROP_END,
};

static DeviceClass ioapic_class = {
    .name = TYPE_IOAPIC,
    .description = "I/O APIC",
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(IOAPICState),
    .props = ioapic_properties,
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .vmsd = &vmstate_ioapic,
};

static void ioapic_register(void)
{
    device_class_register(&ioapic_class);
}
type_init(ioapic_register)
