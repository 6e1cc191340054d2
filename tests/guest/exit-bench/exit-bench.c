/*
 * exit-bench: times guest exits with the TSC, for tests/bench/exit-bench.
 * Each kind runs N times back to back (the loop is unrolled by 8 so that
 * loop instructions, themselves emulated on some hosts, weigh little):
 *
 *   loop        no exit: the unrolled loop with a NOP, the floor
 *   cpuid       CPUID leaf 0: an exit the kernel handles alone
 *   unassigned  inl from port 0x520, decoded by nothing in pcvm or QEMU's pc
 *   devport     inl from pci-testdev's I/O BAR (a device in the VMM)
 *   devport8    inb from the PCI configuration data port (the host
 *               bridge's vendor ID): a byte access that reaches a device
 *   mmio        32-bit load from pci-testdev's memory BAR
 *   serial      inb from COM1's receive buffer (nothing received): a read
 *               that lets the serial backend accept input again
 *   rtcindex    outb to the RTC's index port 0x70 (selecting register 0x0F,
 *               the shutdown status byte): a write QEMU queues in KVM's
 *               coalesced I/O ring instead of taking an exit for it
 *
 * pci-testdev (1b36:0005, -device pci-testdev) is found on bus 0; BARs
 * that firmware left unassigned (direct boot) are placed at fixed
 * addresses (pcvm's pci-testdev takes dword accesses only, so it is timed
 * with those). Before timing, the guest checks that what it times is
 * dispatched right at every access size: unassigned ports read as all
 * ones, PCI configuration data (the host bridge's IDs) reads the same
 * through byte, word and dword accesses at each offset, and RTC index
 * writes take effect in order (-m 64: the CMOS memory size bytes).
 *
 * Command line: n=EXITS rounds=ROUNDS (rounds=0: the checks only). Prints
 * one line per round, "exit-bench: round R loop=C cpuid=C ..." with C the
 * mean TSC cycles per iteration, and exits with EXIT_EXIT_BENCH_OK.
 */
#include "guest.h"
#include "io.h"
#include "runtime.h"

#define UNASSIGNED_PORT 0x520
#define COM1_RBR 0x3F8
#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define RTC_SHUTDOWN_STATUS 0x0F
#define CMOS_EXTENDED_MEMORY_LOW 0x30
#define CMOS_EXTENDED_MEMORY_HIGH 0x31
#define TESTDEV_VENDOR 0x1b36
#define TESTDEV_DEVICE 0x0005
#define TESTDEV_MMIO_DEFAULT 0xE0000000u
#define TESTDEV_IO_DEFAULT 0xC000u

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_BAR0 0x10
#define PCI_BAR1 0x14

static uint32_t pci_config_read(unsigned devfn, unsigned reg)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | (devfn << 8) | reg);
    return inl(PCI_CONFIG_DATA);
}

static void pci_config_write(unsigned devfn, unsigned reg, uint32_t val)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | (devfn << 8) | reg);
    outl(PCI_CONFIG_DATA, val);
}

static uint32_t testdev_mmio;
static uint16_t testdev_io;

static void testdev_setup(void)
{
    for (unsigned devfn = 0; devfn < 256; devfn += 8) {
        uint32_t id = pci_config_read(devfn, 0);
        uint32_t bar0, bar1;

        if (id != (TESTDEV_VENDOR | (TESTDEV_DEVICE << 16)))
            continue;
        bar0 = pci_config_read(devfn, PCI_BAR0) & ~0xfu;
        bar1 = pci_config_read(devfn, PCI_BAR1) & ~0x3u;
        if (!bar0) {
            bar0 = TESTDEV_MMIO_DEFAULT;
            pci_config_write(devfn, PCI_BAR0, bar0);
        }
        if (!bar1) {
            bar1 = TESTDEV_IO_DEFAULT;
            pci_config_write(devfn, PCI_BAR1, bar1);
        }
        pci_config_write(devfn, PCI_COMMAND,
                         pci_config_read(devfn, PCI_COMMAND) | PCI_COMMAND_IO |
                             PCI_COMMAND_MEMORY);
        testdev_mmio = bar0;
        testdev_io = (uint16_t)bar1;
        printf("exit-bench: pci-testdev at %02x.%x, mmio 0x%x, io 0x%x\n",
               devfn >> 3, devfn & 7, bar0, bar1);
        return;
    }
    guest_fail(EXIT_FAIL_BOOTINFO, "no pci-testdev (1b36:0005) on bus 0");
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t val;

    __asm__ volatile("inw %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static void check_equal(const char *what, uint32_t got, uint32_t want)
{
    if (got != want)
        guest_fail(EXIT_FAIL_COUNT, "%s read 0x%x, expected 0x%x", what, got,
                   want);
}

/* Byte, word and dword reads of the dword at port must agree. */
static void check_port_sizes(const char *what, uint16_t port, uint32_t dword)
{
    for (unsigned i = 0; i < 4; i++)
        check_equal(what, inb(port + i), (dword >> (8 * i)) & 0xff);
    check_equal(what, inw(port), dword & 0xffff);
    check_equal(what, inw(port + 2), dword >> 16);
}

static void dispatch_check(void)
{
    uint32_t id;

    check_equal("unassigned inb", inb(UNASSIGNED_PORT), 0xff);
    check_equal("unassigned inw", inw(UNASSIGNED_PORT), 0xffff);
    check_equal("unassigned inl", inl(UNASSIGNED_PORT), 0xffffffff);

    /* 00.0 is the i440FX host bridge, 8086:1237, in both VMMs. */
    outl(PCI_CONFIG_ADDRESS, 0x80000000u);
    id = inl(PCI_CONFIG_DATA);
    check_equal("host bridge id", id, 0x12378086);
    check_port_sizes("PCI config data", PCI_CONFIG_DATA, id);
    /* Left selecting 00.0's IDs for the devport8 timing. */

    /*
     * The RTC index takes effect in the order written, whichever way the
     * VMM delivers index writes (QEMU queues them): with -m 64 the CMOS
     * holds 63 MiB of extended memory in KiB, 0xfc00, at 0x30/0x31.
     */
    outb(RTC_INDEX, CMOS_EXTENDED_MEMORY_LOW);
    outb(RTC_INDEX, CMOS_EXTENDED_MEMORY_HIGH);
    check_equal("CMOS 0x31 after index 0x30, 0x31", inb(RTC_DATA), 0xfc);
    outb(RTC_INDEX, CMOS_EXTENDED_MEMORY_HIGH);
    outb(RTC_INDEX, CMOS_EXTENDED_MEMORY_LOW);
    check_equal("CMOS 0x30 after index 0x31, 0x30", inb(RTC_DATA), 0x00);
    printf("exit-bench: dispatch checks passed\n");
}

static inline void cpuid0(void)
{
    uint32_t a = 0, b, c = 0, d;

    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

/* clang-format off */
#define REPEAT8(x) x; x; x; x; x; x; x; x

/* Mean TSC cycles per exit over n (a multiple of 8) exits. */
#define TIME_EXITS(n, access)                       \
    ({                                              \
        uint64_t t0 = rdtsc();                      \
        for (uint32_t i = 0; i < (n); i += 8) {     \
            REPEAT8(access);                        \
        }                                           \
        (rdtsc() - t0) / (n);                       \
    })
/* clang-format on */

void guest_main(uint32_t magic, uint32_t info)
{
    uint32_t n = 2000, rounds = 5;

    (void)magic;
    (void)info;
    cmdline_get_uint(boot_cmdline, "n", &n);
    cmdline_get_uint(boot_cmdline, "rounds", &rounds);
    n = n < 8 ? 8 : n & ~7u;
    testdev_setup();
    dispatch_check();
    printf("exit-bench: n=%u rounds=%u\n", n, rounds);

    for (uint32_t r = 0; r < rounds; r++) {
        uint64_t loop = TIME_EXITS(n, __asm__ volatile("nop"));
        uint64_t cpuid = TIME_EXITS(n, cpuid0());
        uint64_t unassigned = TIME_EXITS(n, inl(UNASSIGNED_PORT));
        uint64_t devport = TIME_EXITS(n, inl(testdev_io));
        uint64_t devport8 = TIME_EXITS(n, inb(PCI_CONFIG_DATA));
        uint64_t mmio = TIME_EXITS(n, mmio_read32(testdev_mmio));
        uint64_t serial = TIME_EXITS(n, inb(COM1_RBR));
        uint64_t rtcindex = TIME_EXITS(n, outb(RTC_INDEX, RTC_SHUTDOWN_STATUS));

        printf("exit-bench: round %u loop=%llu cpuid=%llu unassigned=%llu "
               "devport=%llu devport8=%llu mmio=%llu serial=%llu "
               "rtcindex=%llu\n",
               r, (unsigned long long)loop, (unsigned long long)cpuid,
               (unsigned long long)unassigned, (unsigned long long)devport,
               (unsigned long long)devport8, (unsigned long long)mmio,
               (unsigned long long)serial, (unsigned long long)rtcindex);
    }
    printf("exit-bench: done\n");
    guest_exit(EXIT_EXIT_BENCH_OK);
}
