/*
 * virtio-blk: a minimal virtio 1.x PCI driver for virtio-blk-pci
 * (1af4:1001), the paths qtest cannot reach: the kick is an ioeventfd KVM
 * catches without an exit, and the completion comes back as an MSI-X
 * message through an MSI route and irqfd ("msix", default) or as INTx
 * through the PIIX3 router and the IOAPIC ("intx", for vectors=0).
 *
 * The driver places BAR1 (MSI-X) and BAR4 (modern structures) itself
 * (direct boot: nothing assigned them), negotiates VERSION_1 only, sets up
 * queue 0 with 16 entries in .bss, and then writes sector 2, reads it back
 * into another buffer and asks for the serial (GET_ID), waiting for one
 * interrupt per request. Exits with EXIT_VIRTIO_BLK_OK if every status
 * byte, used entry and byte matched.
 */
#include "guest.h"
#include "io.h"
#include "runtime.h"

#define PCI_CONFADD 0xcf8
#define PCI_CONFDATA 0xcfc
#define BAR1_ADDR 0xe0000000u
#define BAR4_ADDR 0xe0100000u
#define QSIZE 16
#define QUEUE_VECTOR 0x41
#define CONFIG_VECTOR 0x42
#define INTX_VECTOR 0x43
#define MOVED_VECTOR 0x44
#define INTX_IRQ 11

/* Modern common configuration (virtio 1.2, 4.1.4.3). */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX 0x10
#define C_STATUS 0x14
#define C_Q_SELECT 0x16
#define C_Q_SIZE 0x18
#define C_Q_MSIX 0x1a
#define C_Q_ENABLE 0x1c
#define C_Q_NOFF 0x1e
#define C_Q_DESC 0x20
#define C_Q_AVAIL 0x28
#define C_Q_USED 0x30

struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

static struct vring_desc desc[QSIZE] __attribute__((aligned(4096)));
static struct {
    uint16_t flags, idx, ring[QSIZE], used_event;
} avail __attribute__((aligned(4096)));
static struct {
    uint16_t flags, idx;
    struct {
        uint32_t id, len;
    } ring[QSIZE];
    uint16_t avail_event;
} used __attribute__((aligned(4096)));
static struct {
    uint32_t type, reserved;
    uint64_t sector;
} req_header;
static uint8_t data_out[512], data_in[512], status_byte;

static int devfn = -1;
static uintptr_t common, notify, isr;
static uint32_t notify_mult;
static int use_intx;
static uint16_t submitted; /* requests made available so far */
static volatile uint32_t interrupts, config_interrupts, moved_interrupts;

static uint32_t pci_read(unsigned reg)
{
    outl(PCI_CONFADD, 0x80000000u | (devfn << 8) | (reg & 0xfc));
    return inl(PCI_CONFDATA) >> (8 * (reg & 3));
}

static void pci_write32(int fn, unsigned reg, uint32_t v)
{
    outl(PCI_CONFADD, 0x80000000u | (fn << 8) | (reg & 0xfc));
    outl(PCI_CONFDATA, v);
}

static void pci_write8(int fn, unsigned reg, uint8_t v)
{
    outl(PCI_CONFADD, 0x80000000u | (fn << 8) | (reg & 0xfc));
    outb(PCI_CONFDATA + (reg & 3), v);
}

static void w8(uintptr_t a, uint8_t v)
{
    *(volatile uint8_t *)a = v;
}
static void w16(uintptr_t a, uint16_t v)
{
    *(volatile uint16_t *)a = v;
}
static uint8_t r8(uintptr_t a)
{
    return *(volatile uint8_t *)a;
}
static uint16_t r16(uintptr_t a)
{
    return *(volatile uint16_t *)a;
}

static void on_queue(struct irq_frame *frame)
{
    (void)frame;
    interrupts++;
    lapic_write(LAPIC_EOI, 0);
}

/* The queue's vector after the driver rewrote its MSI-X table entry. */
static void on_moved(struct irq_frame *frame)
{
    (void)frame;
    interrupts++;
    moved_interrupts++;
    lapic_write(LAPIC_EOI, 0);
}

static void on_config(struct irq_frame *frame)
{
    (void)frame;
    config_interrupts++;
    lapic_write(LAPIC_EOI, 0);
}

/* INTx is level-triggered: reading ISR lowers the line before the EOI. */
static void on_intx(struct irq_frame *frame)
{
    (void)frame;
    if (r8(isr) & 1) {
        interrupts++;
    }
    lapic_write(LAPIC_EOI, 0);
}

static void find_device(void)
{
    for (int fn = 0; fn < 256; fn += 8) {
        devfn = fn;
        if (pci_read(0) == 0x10011af4) {
            return;
        }
    }
    guest_fail(EXIT_FAIL_BOOTINFO, "no virtio-blk-pci (1af4:1001) on bus 0");
}

static void map_device(void)
{
    uint8_t cap;

    pci_write32(devfn, 0x14, BAR1_ADDR);
    pci_write32(devfn, 0x20, BAR4_ADDR);
    pci_write32(devfn, 0x24, 0);
    pci_write32(devfn, 0x04, 0x0006); /* memory, bus master */
    for (cap = pci_read(0x34) & 0xff; cap; cap = pci_read(cap + 1) & 0xff) {
        uint8_t id = pci_read(cap) & 0xff;
        uintptr_t at = BAR4_ADDR + pci_read(cap + 8);

        if (id == 0x11 && !use_intx) {
            uint32_t msg = 0xfee00000u | (lapic_id() << 12);

            /* vector 0: config, vector 1: queue 0 */
            mmio_write32(BAR1_ADDR + 0, msg);
            mmio_write32(BAR1_ADDR + 4, 0);
            mmio_write32(BAR1_ADDR + 8, CONFIG_VECTOR);
            mmio_write32(BAR1_ADDR + 12, 0);
            mmio_write32(BAR1_ADDR + 16, msg);
            mmio_write32(BAR1_ADDR + 20, 0);
            mmio_write32(BAR1_ADDR + 24, QUEUE_VECTOR);
            mmio_write32(BAR1_ADDR + 28, 0);
            pci_write32(devfn, cap, (pci_read(cap) & 0xffff) | 0x80000000u);
        }
        if (id != 0x09) {
            continue;
        }
        switch (pci_read(cap + 3) & 0xff) {
        case 1:
            common = at;
            break;
        case 2:
            notify = at;
            notify_mult = pci_read(cap + 16);
            break;
        case 3:
            isr = at;
            break;
        }
    }
    if (!common || !notify || !isr) {
        guest_fail(EXIT_FAIL_BOOTINFO, "virtio capabilities missing");
    }
}

static void init_device(void)
{
    uint16_t vector = use_intx ? 0xffff : 1;

    w8(common + C_STATUS, 0);
    w8(common + C_STATUS, 1 | 2);
    mmio_write32(common + C_DFSELECT, 1);
    if (!(mmio_read32(common + C_DF) & 1)) {
        guest_fail(EXIT_FAIL_BOOTINFO, "VERSION_1 not offered");
    }
    mmio_write32(common + C_GFSELECT, 0);
    mmio_write32(common + C_GF, 0);
    mmio_write32(common + C_GFSELECT, 1);
    mmio_write32(common + C_GF, 1);
    w8(common + C_STATUS, 1 | 2 | 8);
    if (!(r8(common + C_STATUS) & 8)) {
        guest_fail(EXIT_FAIL_BOOTINFO, "FEATURES_OK refused");
    }
    w16(common + C_MSIX, use_intx ? 0xffff : 0);
    w16(common + C_Q_SELECT, 0);
    w16(common + C_Q_SIZE, QSIZE);
    w16(common + C_Q_MSIX, vector);
    if (r16(common + C_Q_MSIX) != vector) {
        guest_fail(EXIT_FAIL_BOOTINFO, "queue vector refused");
    }
    mmio_write32(common + C_Q_DESC, (uint32_t)(uintptr_t)desc);
    mmio_write32(common + C_Q_DESC + 4, 0);
    mmio_write32(common + C_Q_AVAIL, (uint32_t)(uintptr_t)&avail);
    mmio_write32(common + C_Q_AVAIL + 4, 0);
    mmio_write32(common + C_Q_USED, (uint32_t)(uintptr_t)&used);
    mmio_write32(common + C_Q_USED + 4, 0);
    w16(common + C_Q_ENABLE, 1);
    w8(common + C_STATUS, 1 | 2 | 8 | 4);
}

/* Makes one request available and kicks: header, data, status. */
static void submit(uint32_t type, uint64_t sector, void *data, uint32_t len,
                   int device_writes)
{
    uint16_t slot = avail.idx % QSIZE;

    req_header.type = type;
    req_header.sector = sector;
    status_byte = 0xee;
    desc[0] = (struct vring_desc){(uintptr_t)&req_header, 16, 1, 1};
    desc[1] = (struct vring_desc){(uintptr_t)data, len,
                                  (uint16_t)(1 | (device_writes ? 2 : 0)), 2};
    desc[2] = (struct vring_desc){(uintptr_t)&status_byte, 1, 2, 0};
    avail.ring[slot] = 0;
    __asm__ volatile("mfence" ::: "memory");
    avail.idx++;
    submitted++;
    __asm__ volatile("mfence" ::: "memory");
    w16(notify + 0 * notify_mult, 0);
}

/* Waits for the interrupt of the request submitted last, checks it. */
static void complete(uint32_t type, uint32_t before)
{
    uint16_t n = submitted - 1;

    irq_enable();
    spin_wait_ge(&interrupts, before + 1, 10);
    irq_disable();
    if (interrupts != before + 1) {
        guest_fail(EXIT_FAIL_TIMEOUT, "request %u: %u interrupts", type,
                   interrupts - before);
    }
    barrier();
    if (used.idx != (uint16_t)(n + 1) || used.ring[n % QSIZE].id != 0) {
        guest_fail(EXIT_FAIL_COUNT, "request %u: used idx %u id %u", type,
                   used.idx, used.ring[n % QSIZE].id);
    }
    if (status_byte != 0) {
        guest_fail(EXIT_FAIL_COUNT, "request %u: status %u", type, status_byte);
    }
    printf("virtio-blk: request type %u done, used len %u\n", type,
           used.ring[n % QSIZE].len);
}

static void request(uint32_t type, uint64_t sector, void *data, uint32_t len,
                    int device_writes)
{
    uint32_t before = interrupts;

    submit(type, sector, data, len, device_writes);
    complete(type, before);
}

/* Spins (bounded) until the device has used every submitted request. */
static void wait_used(void)
{
    for (uint32_t i = 0; i < 20000000 && used.idx != submitted; i++) {
        cpu_relax();
    }
    if (used.idx != submitted) {
        guest_fail(EXIT_FAIL_TIMEOUT, "used idx %u, expected %u", used.idx,
                   submitted);
    }
}

/*
 * MSI-X under the driver's hands: a masked vector keeps its message
 * pending (PBA) until unmasked, and a rewritten entry takes the queue's
 * next interrupt to its new vector.
 */
static void msix_mask_and_move(uint8_t *id)
{
    uint32_t before = interrupts;

    mmio_write32(BAR1_ADDR + 16 + 12, 1);
    submit(8, 0, id, 20, 1);
    wait_used();
    irq_enable();
    for (uint32_t i = 0; i < 200000; i++) {
        cpu_relax();
    }
    irq_disable();
    if (interrupts != before) {
        guest_fail(EXIT_FAIL_UNEXPECTED, "masked vector interrupted");
    }
    if (!(mmio_read32(BAR1_ADDR + 0x800) & 2)) {
        guest_fail(EXIT_FAIL_COUNT, "masked vector not pending");
    }
    mmio_write32(BAR1_ADDR + 16 + 12, 0);
    complete(8, before);
    if (mmio_read32(BAR1_ADDR + 0x800) & 2) {
        guest_fail(EXIT_FAIL_COUNT, "pending bit left after unmask");
    }
    printf("virtio-blk: masked vector held its interrupt until unmasked\n");

    mmio_write32(BAR1_ADDR + 16 + 12, 1);
    mmio_write32(BAR1_ADDR + 16 + 8, MOVED_VECTOR);
    mmio_write32(BAR1_ADDR + 16 + 12, 0);
    request(8, 0, id, 20, 1);
    if (moved_interrupts != 1) {
        guest_fail(EXIT_FAIL_UNEXPECTED, "rewritten entry not followed");
    }
    printf("virtio-blk: rewritten MSI-X entry followed\n");

    /*
     * More rewrites than the kernel has GSIs (4096): each one moves the
     * vector's route to a new GSI, and the queue's interrupt must still
     * arrive on the vector the entry names last. (A VMM that ran out of
     * GSIs would still deliver it, without irqfd; the guest cannot tell.)
     */
    for (uint32_t i = 0; i <= 4200; i++) {
        mmio_write32(BAR1_ADDR + 16 + 8, i & 1 ? MOVED_VECTOR : QUEUE_VECTOR);
    }
    moved_interrupts = 0;
    request(8, 0, id, 20, 1);
    if (moved_interrupts != 0) {
        guest_fail(EXIT_FAIL_UNEXPECTED, "entry rewritten 4200 times lost");
    }
    printf("virtio-blk: 4200 rewrites later the entry still routes\n");
}

void guest_main(uint32_t magic, uint32_t info)
{
    static const char serial[] = "guest-disk-0";
    uint8_t id[20];

    (void)magic;
    (void)info;
    use_intx = cmdline_has_word(boot_cmdline, "intx");
    pic_init(0x20);
    lapic_enable();
    irq_set_handler(QUEUE_VECTOR, on_queue);
    irq_set_handler(CONFIG_VECTOR, on_config);
    irq_set_handler(INTX_VECTOR, on_intx);
    irq_set_handler(MOVED_VECTOR, on_moved);
    find_device();
    map_device();
    if (use_intx) {
        /* Slot N INTA is PIRQ (N - 1) & 3 on the i440FX; route it to
         * IRQ 11, level-triggered at the IOAPIC. */
        int pirq = ((devfn >> 3) - 1) & 3;

        pci_write8(0x08, 0x60 + pirq, INTX_IRQ);
        ioapic_write(IOAPIC_REG_REDIR(INTX_IRQ) + 1, lapic_id() << 24);
        ioapic_write(IOAPIC_REG_REDIR(INTX_IRQ), INTX_VECTOR | (1u << 15));
    }
    printf("virtio-blk: device at %02x.%x, notify multiplier %u, %s\n",
           devfn >> 3, devfn & 7, notify_mult, use_intx ? "intx" : "msix");
    init_device();

    for (unsigned i = 0; i < sizeof(data_out); i++) {
        data_out[i] = (uint8_t)(i * 7 + 3);
    }
    request(1, 2, data_out, sizeof(data_out), 0);
    request(0, 2, data_in, sizeof(data_in), 1);
    if (memcmp(data_in, data_out, sizeof(data_in))) {
        guest_fail(EXIT_FAIL_COUNT, "sector 2 read back differs");
    }
    request(8, 0, id, sizeof(id), 1);
    if (memcmp(id, serial, sizeof(serial))) {
        guest_fail(EXIT_FAIL_COUNT, "GET_ID differs");
    }
    if (!use_intx) {
        msix_mask_and_move(id);
    }
    if (config_interrupts) {
        guest_fail(EXIT_FAIL_UNEXPECTED, "config interrupt");
    }
    if (use_intx) {
        ioapic_write(IOAPIC_REG_REDIR(INTX_IRQ), IOAPIC_REDIR_MASKED);
    }
    printf("virtio-blk: ok\n");
    guest_exit(EXIT_VIRTIO_BLK_OK);
}
