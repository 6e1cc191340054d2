/*
 * 16550A UART (National Semiconductor PC16550D datasheet), as "isa-serial"
 * at the PC's COM1..COM4 ports.
 *
 * Transmission is immediate: a byte written to THR goes straight to the
 * character backend and THR/TSR read as empty again, as QEMU does; the baud
 * rate only paces the receive timeout. The 16-byte receive FIFO honours
 * the trigger level and the character timeout interrupt. Like QEMU, OUT2
 * does not gate the interrupt line. Not modelled: the transmit FIFO's
 * pacing, DMA mode signals (FCR bit 3 is stored only), parity/framing errors.
 */
#include <string.h>

#include "hw/char/char-prop.h"
#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "system/timer.h"
#include "util/error.h"
#include "util/log.h"

#define UART_RBR 0 /* receive buffer (read), THR transmit (write) */
#define UART_IER 1
#define UART_IIR 2 /* interrupt identification (read), FCR (write) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define UART_IER_ELSI 0x04  /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_CTI 0x0c
#define UART_IIR_FIFO_ENABLED 0xc0

#define UART_FCR_FE 0x01  /* FIFO enable */
#define UART_FCR_RFR 0x02 /* receiver FIFO reset */
#define UART_FCR_XFR 0x04 /* transmitter FIFO reset */
#define UART_FCR_DMS 0x08
#define UART_FCR_ITL_MASK 0xc0

#define UART_LCR_DLAB 0x80
#define UART_LCR_BREAK 0x40

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_ERR_MASK                                                      \
    (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80
#define UART_MSR_DELTA_MASK 0x0f

#define UART_FIFO_SIZE 16
#define UART_INPUT_CLOCK 1843200 /* 1.8432 MHz crystal: 115200 baud at /1 */

typedef struct SerialState {
    DeviceState parent_obj;
    /* properties */
    uint32_t index;
    uint32_t iobase;
    uint32_t irq_number;
    CharFrontend chr;

    MemoryRegion io;
    IRQLine *irq;
    Timer *timeout_timer;

    uint16_t divider;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    bool thr_ipending;     /* THRE interrupt not yet acknowledged */
    bool timeout_ipending; /* character timeout */
    uint8_t rx_fifo[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
} SerialState;

#define SERIAL(obj) DEVICE_CAST(SerialState, obj, "isa-serial")

static const uint16_t isa_serial_io[] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
static const uint8_t isa_serial_irq[] = {4, 3, 4, 3};
static unsigned serial_next_index;

static bool fifo_enabled(SerialState *s)
{
    return s->fcr & UART_FCR_FE;
}

static unsigned rx_trigger_level(SerialState *s)
{
    static const unsigned levels[] = {1, 4, 8, 14};

    return fifo_enabled(s) ? levels[s->fcr >> 6] : 1;
}

/* Nanoseconds one character takes at the programmed rate and frame. */
static int64_t char_time_ns(SerialState *s)
{
    unsigned divider = s->divider ? s->divider : 1;
    unsigned bits =
        1 + 5 + (s->lcr & 3) + ((s->lcr & 4) ? 2 : 1) + ((s->lcr & 8) ? 1 : 0);

    return (int64_t)bits * divider * 16 * NANOSECONDS_PER_SECOND /
           UART_INPUT_CLOCK;
}

static uint8_t serial_iir(SerialState *s)
{
    uint8_t iir = fifo_enabled(s) ? UART_IIR_FIFO_ENABLED : 0;

    if ((s->ier & UART_IER_ELSI) && (s->lsr & UART_LSR_ERR_MASK)) {
        return iir | UART_IIR_RLSI;
    }
    if ((s->ier & UART_IER_ERBFI) && s->timeout_ipending) {
        return iir | UART_IIR_CTI;
    }
    if ((s->ier & UART_IER_ERBFI) && (s->lsr & UART_LSR_DR) &&
        s->rx_count >= rx_trigger_level(s)) {
        return iir | UART_IIR_RDI;
    }
    if ((s->ier & UART_IER_ETBEI) && s->thr_ipending) {
        return iir | UART_IIR_THRI;
    }
    if ((s->ier & UART_IER_EDSSI) && (s->msr & UART_MSR_DELTA_MASK)) {
        return iir | UART_IIR_MSI;
    }
    return iir | UART_IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    irq_set_level(s->irq, !(serial_iir(s) & UART_IIR_NO_INT));
}

static void serial_rx_push(SerialState *s, uint8_t byte)
{
    unsigned capacity = fifo_enabled(s) ? UART_FIFO_SIZE : 1;

    if (s->rx_count >= capacity) {
        s->lsr |= UART_LSR_OE;
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = byte;
    s->rx_count++;
    s->lsr |= UART_LSR_DR;
    if (fifo_enabled(s)) {
        /* Restart the 4-character timeout on every received character. */
        s->timeout_ipending = false;
        timer_mod_ns(s->timeout_timer,
                     vm_clock_get_ns(VM_CLOCK_VIRTUAL) + 4 * char_time_ns(s));
    }
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->lsr &= ~UART_LSR_DR;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
}

static void serial_timeout(void *opaque)
{
    SerialState *s = opaque;

    if (s->rx_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

/* Loopback ties outputs to inputs (datasheet: MCR bit 4). */
static void serial_update_msr(SerialState *s)
{
    uint8_t old = s->msr, now;

    if (s->mcr & UART_MCR_LOOP) {
        now = ((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
              ((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
              ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
              ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
    } else {
        now = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    }
    s->msr = now | (old & UART_MSR_DELTA_MASK);
    if ((now ^ old) & UART_MSR_CTS) {
        s->msr |= UART_MSR_DCTS;
    }
    if ((now ^ old) & UART_MSR_DSR) {
        s->msr |= UART_MSR_DDSR;
    }
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI)) {
        s->msr |= UART_MSR_TERI;
    }
    if ((now ^ old) & UART_MSR_DCD) {
        s->msr |= UART_MSR_DDCD;
    }
}

static void serial_transmit(SerialState *s, uint8_t byte)
{
    if (s->mcr & UART_MCR_LOOP) {
        serial_rx_push(s, byte);
    } else if (s->chr.chr) {
        chardev_fe_write_all(&s->chr, &byte, 1);
    }
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = true;
}

static uint64_t serial_read(void *opaque, uint64_t addr, unsigned size)
{
    SerialState *s = opaque;
    uint8_t value = 0;

    switch (addr) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB) {
            return s->divider & 0xff;
        }
        if (s->rx_count) {
            value = s->rx_fifo[s->rx_head];
            s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
            s->rx_count--;
        }
        s->timeout_ipending = false;
        if (!s->rx_count) {
            s->lsr &= ~UART_LSR_DR;
            timer_del(s->timeout_timer);
        } else if (fifo_enabled(s)) {
            timer_mod_ns(s->timeout_timer, vm_clock_get_ns(VM_CLOCK_VIRTUAL) +
                                               4 * char_time_ns(s));
        }
        serial_update_irq(s);
        if (!(s->mcr & UART_MCR_LOOP)) {
            chardev_fe_accept_input(&s->chr);
        }
        return value;
    case UART_IER:
        return (s->lcr & UART_LCR_DLAB) ? s->divider >> 8 : s->ier;
    case UART_IIR:
        value = serial_iir(s);
        /* Reading IIR acknowledges a THRE interrupt it reports. */
        if ((value & 0x0f) == UART_IIR_THRI) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return value;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        value = s->lsr;
        /* Error bits and BI clear on read. */
        if (s->lsr & UART_LSR_ERR_MASK) {
            s->lsr &= ~UART_LSR_ERR_MASK;
            serial_update_irq(s);
        }
        return value;
    case UART_MSR:
        value = s->msr;
        if (s->msr & UART_MSR_DELTA_MASK) {
            s->msr &= ~UART_MSR_DELTA_MASK;
            serial_update_irq(s);
        }
        return value;
    case UART_SCR:
        return s->scr;
    }
    return 0xff;
}

static void serial_write(void *opaque, uint64_t addr, uint64_t value,
                         unsigned size)
{
    SerialState *s = opaque;
    uint8_t old;

    switch (addr) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0xff00) | value;
            return;
        }
        s->thr_ipending = false;
        serial_transmit(s, value);
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0x00ff) | (value << 8);
            return;
        }
        old = s->ier;
        s->ier = value & 0x0f;
        /* Enabling ETBEI while THR is empty raises THRE right away. */
        if (!(old & UART_IER_ETBEI) && (s->ier & UART_IER_ETBEI) &&
            (s->lsr & UART_LSR_THRE)) {
            s->thr_ipending = true;
        }
        break;
    case UART_IIR: /* FCR */
        if ((value ^ s->fcr) & UART_FCR_FE) {
            /* Switching FIFO mode on or off empties both FIFOs. */
            serial_rx_clear(s);
        }
        if (value & UART_FCR_RFR) {
            serial_rx_clear(s);
        }
        s->fcr = value & (UART_FCR_FE | UART_FCR_DMS | UART_FCR_ITL_MASK);
        if (!(s->fcr & UART_FCR_FE)) {
            s->fcr = 0;
        }
        break;
    case UART_LCR:
        old = s->lcr;
        s->lcr = value;
        if ((value ^ old) & UART_LCR_BREAK && (value & UART_LCR_BREAK) &&
            (s->mcr & UART_MCR_LOOP)) {
            s->lsr |= UART_LSR_BI | UART_LSR_DR;
        }
        break;
    case UART_MCR:
        s->mcr = value & 0x1f;
        serial_update_msr(s);
        break;
    case UART_LSR:
    case UART_MSR:
        log_mask_printf(LOG_GUEST_ERROR,
                        "serial%u: write 0x%02x to read-only "
                        "register %" PRIu64 "\n",
                        s->index, (unsigned)value, addr);
        return;
    case UART_SCR:
        s->scr = value;
        return;
    }
    serial_update_irq(s);
}

static const MemoryRegionOps serial_io_ops = {
    .read = serial_read,
    .write = serial_write,
    .valid_min = 1,
    .valid_max = 1,
};

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    if (s->mcr & UART_MCR_LOOP) {
        return 0; /* the line is disconnected from the outside in loopback */
    }
    return fifo_enabled(s) ? UART_FIFO_SIZE - s->rx_count : !s->rx_count;
}

static void serial_receive(void *opaque, const uint8_t *buf, int size)
{
    SerialState *s = opaque;

    for (int i = 0; i < size; i++) {
        serial_rx_push(s, buf[i]);
    }
    serial_update_irq(s);
}

static void serial_event(void *opaque, CharEvent event)
{
    SerialState *s = opaque;

    if (event == CHR_EVENT_BREAK) {
        s->lsr |= UART_LSR_BI;
        serial_rx_push(s, 0);
        serial_update_irq(s);
    }
}

static void serial_reset(DeviceState *dev)
{
    SerialState *s = SERIAL(dev);

    s->divider = 12; /* 9600 baud, what firmware typically leaves */
    s->ier = 0;
    s->lcr = 0;
    s->mcr = UART_MCR_OUT2;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = 0;
    s->scr = 0;
    s->fcr = 0;
    s->thr_ipending = false;
    serial_rx_clear(s);
    serial_update_msr(s);
    s->msr &= ~UART_MSR_DELTA_MASK;
    irq_lower(s->irq);
}

static bool serial_realize(DeviceState *dev, GError **errp)
{
    SerialState *s = SERIAL(dev);

    if (s->index == UINT32_MAX) {
        s->index = serial_next_index;
    }
    serial_next_index = MAX(serial_next_index, s->index + 1);
    if (s->iobase == UINT32_MAX) {
        if (s->index >= G_N_ELEMENTS(isa_serial_io)) {
            error_setg(errp, "Max. supported number of ISA serial ports is %zu",
                       G_N_ELEMENTS(isa_serial_io));
            return false;
        }
        s->iobase = isa_serial_io[s->index];
    }
    if (s->irq_number == UINT32_MAX) {
        s->irq_number = isa_serial_irq[s->index % 4];
    }
    s->irq = isa_get_irq(dev, s->irq_number);
    s->timeout_timer = timer_new_ns(VM_CLOCK_VIRTUAL, serial_timeout, s);
    memory_region_init_io(&s->io, "serial", &serial_io_ops, s, 8);
    isa_register_ioport(dev, &s->io, s->iobase);
    if (s->chr.chr) {
        chardev_fe_set_handlers(&s->chr, serial_can_receive, serial_receive,
                                serial_event, s);
    }
    return true;
}

static bool serial_post_load(void *opaque, int version_id, GError **errp)
{
    SerialState *s = opaque;

    if (s->rx_head >= UART_FIFO_SIZE || s->rx_count > UART_FIFO_SIZE) {
        return error_setg(errp,
                          "receive FIFO position %u, count %u out of "
                          "range",
                          s->rx_head, s->rx_count);
    }
    s->ier &= 0x0f;
    s->mcr &= 0x1f;
    serial_update_irq(s);
    return true;
}

static const VMStateDescription vmstate_serial = {
    .name = "serial",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = serial_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT16(divider, SerialState),
            VMSTATE_UINT8(ier, SerialState),
            VMSTATE_UINT8(lcr, SerialState),
            VMSTATE_UINT8(mcr, SerialState),
            VMSTATE_UINT8(lsr, SerialState),
            VMSTATE_UINT8(msr, SerialState),
            VMSTATE_UINT8(scr, SerialState),
            VMSTATE_UINT8(fcr, SerialState),
            VMSTATE_BOOL(thr_ipending, SerialState),
            VMSTATE_BOOL(timeout_ipending, SerialState),
            VMSTATE_BUFFER(rx_fifo, SerialState),
            VMSTATE_UINT32(rx_head, SerialState),
            VMSTATE_UINT32(rx_count, SerialState),
            VMSTATE_TIMER_PTR(timeout_timer, SerialState),
            VMSTATE_END_OF_LIST(),
        },
};

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = SERIAL(dev);

    irq_lower(s->irq);
    isa_unregister_ioport(dev, &s->io);
    memory_region_destroy(&s->io);
    timer_free(s->timeout_timer);
    s->timeout_timer = NULL;
    /* The chardev= property's release detaches the backend. */
}

static const Property serial_properties[] = {
    DEFINE_PROP_UINT32("index", SerialState, index, UINT32_MAX),
    DEFINE_PROP_UINT32("iobase", SerialState, iobase, UINT32_MAX),
    DEFINE_PROP_UINT32("irq", SerialState, irq_number, UINT32_MAX),
    DEFINE_PROP_CHARDEV("chardev", SerialState, chr),
    DEFINE_PROP_END,
};

static DeviceClass serial_class = {
    .name = "isa-serial",
    .parent = TYPE_ISA_DEVICE,
    .description = "16550A UART",
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_INPUT,
    .instance_size = sizeof(SerialState),
    .props = serial_properties,
    .user_creatable = true,
    .realize = serial_realize,
    .unrealize = serial_unrealize,
    .reset = serial_reset,
    .vmsd = &vmstate_serial,
};

static void serial_register(void)
{
    device_class_register(&serial_class);
}
type_init(serial_register)
