/*
 * smp: brings up the application processors the way an OS does on an
 * xAPIC system (Intel SDM vol. 3 8.4.4, MP spec B.4): the BSP enables its
 * local APIC, copies a real-mode trampoline to 0x8000 and broadcasts
 * INIT, then STARTUP twice (vector 0x08), to all excluding self. Each AP
 * reaches protected mode, reads its APIC ID, prints "AP <id> up" under a
 * spinlock (xchg) and counts itself in ap_count.
 *
 * The expected number of CPUs comes from the command line ("cpus=N"); the
 * BSP waits (bounded) for N-1 APs, then a little longer to catch an AP
 * that a second STARTUP restarted or that came up twice, and exits with
 * EXIT_SMP_OK iff exactly N-1 distinct APs came up once each.
 */
#include "guest.h"
#include "runtime.h"
#include "io.h"
#include "multiboot.h"

#define TRAMPOLINE_ADDR 0x8000
#define AP_MAX 8 /* matches trampoline.S */
#define APIC_ID_MAX 256

extern const char ap_trampoline_start[], ap_trampoline_end[];
extern volatile uint32_t ap_started;

static volatile uint32_t console_lock;
static volatile uint32_t ap_count;
static volatile uint32_t ap_duplicates;
static uint8_t apic_id_seen[APIC_ID_MAX];

static void spin_lock(volatile uint32_t *lock)
{
    while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
        while (*lock)
            cpu_relax();
}

static void spin_unlock(volatile uint32_t *lock)
{
    __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* Crude delay; the INIT/STARTUP spacing only matters on real hardware. */
static void delay_loops(uint32_t n)
{
    while (n--)
        cpu_relax();
}

static void ipi_send(uint32_t icr_low)
{
    lapic_write(LAPIC_ICR_HIGH, 0);
    lapic_write(LAPIC_ICR_LOW, icr_low);
    for (int i = 0; i < 100000; i++)
        if (!(lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_DELIVERY_PENDING))
            return;
    printf("smp: warning: ICR delivery status still pending\n");
}

void ap_main(uint32_t index)
{
    (void)index;
    idt_load();
    uint32_t id = lapic_id();

    spin_lock(&console_lock);
    if (apic_id_seen[id & (APIC_ID_MAX - 1)]++)
        ap_duplicates++;
    printf("AP %u up\n", id);
    ap_count++;
    spin_unlock(&console_lock);
}

void guest_main(uint32_t magic, uint32_t info)
{
    const struct multiboot_info *mbi = (const void *)info;
    uint32_t cpus;

    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        guest_fail(EXIT_FAIL_MAGIC, "eax is 0x%08x", magic);
    if (!(mbi->flags & MULTIBOOT_INFO_CMDLINE) ||
        cmdline_get_uint((const char *)mbi->cmdline, "cpus", &cpus) ||
        cpus < 1 || cpus > AP_MAX + 1)
        guest_fail(EXIT_FAIL_CMDLINE, "need cpus=N (1..%u) on the command line",
                   AP_MAX + 1);
    uint32_t expected = cpus - 1;

    lapic_enable();
    uint32_t bsp_id = lapic_id();
    apic_id_seen[bsp_id & (APIC_ID_MAX - 1)] = 1;
    printf("smp: BSP apic id %u, lapic version 0x%x, expecting %u APs\n",
           bsp_id, lapic_read(LAPIC_VERSION), expected);

    uint32_t size = (uint32_t)(ap_trampoline_end - ap_trampoline_start);
    memcpy((void *)TRAMPOLINE_ADDR, ap_trampoline_start, size);

    ipi_send(LAPIC_ICR_ALL_EXCLUDING_SELF | LAPIC_ICR_LEVEL_ASSERT |
             LAPIC_DM_INIT);
    delay_loops(10000);
    for (int i = 0; i < 2; i++) {
        ipi_send(LAPIC_ICR_ALL_EXCLUDING_SELF | LAPIC_DM_STARTUP |
                 (TRAMPOLINE_ADDR >> 12));
        delay_loops(1000);
    }

    spin_wait_ge(&ap_count, expected, 5);
    /* Grace period: a restarted or extra AP would show up here. */
    delay_loops(20000);

    spin_lock(&console_lock);
    uint32_t count = ap_count, started = ap_started;
    printf("smp: %u of %u APs up (%u trampoline entries)\n", count, expected,
           started);
    spin_unlock(&console_lock);
    if (ap_duplicates)
        guest_fail(EXIT_FAIL_COUNT, "an APIC id came up twice");
    if (count != expected || started != expected)
        guest_fail(EXIT_FAIL_COUNT, "expected %u APs", expected);
    printf("smp: all %u APs up\n", expected);
    guest_exit(EXIT_SMP_OK);
}
