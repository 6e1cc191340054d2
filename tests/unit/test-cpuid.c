/*
 * The guest's CPUID topology: what -smp asks for, never the host's own
 * package layout leaking through from KVM's supported list.
 */
#include "target/i386/cpu.h"

/* A host that says: 16 threads per package, APIC ids 7 bits wide. */
static const CPUIDEntry host[] = {
    {.function = 1,
     .ebx = 0x00100800,
     .ecx = 0x80802001,
     .edx = (1u << 28) | 0x0789fbff},
    {.function = 0x80000008, .eax = 0x3030, .ecx = 0x7007},
};

static const CPUIDEntry *leaf(X86CPU *cpu, uint32_t function)
{
    const CPUIDEntry *e = x86_cpu_cpuid_find(cpu, function, 0);

    g_assert_nonnull(e);
    return e;
}

static void build(X86CPU *cpu, unsigned sockets, unsigned cores,
                  unsigned threads, unsigned index)
{
    CpuTopology topo = {sockets, cores, threads};
    GError *err = NULL;

    cpu->index = index;
    cpu->apic_id = x86_apic_id_from_index(&topo, index);
    g_assert_true(x86_cpu_build_cpuid(cpu, "qemu64", host, G_N_ELEMENTS(host),
                                      &topo, sockets * cores * threads, &err));
    g_assert_no_error(err);
}

/* Two one-thread packages: no HTT, no core count, no APIC id core bits. */
static void test_single_thread_packages(void)
{
    X86CPU cpu = {0};

    build(&cpu, 2, 1, 1, 1);
    g_assert_cmphex(cpu.apic_id, ==, 1);
    g_assert_cmphex(leaf(&cpu, 1)->ebx >> 24, ==, 1);
    g_assert_cmphex((leaf(&cpu, 1)->ebx >> 16) & 0xff, ==, 1);
    g_assert_cmphex(leaf(&cpu, 1)->edx & (1u << 28), ==, 0);
    g_assert_cmphex(leaf(&cpu, 0x80000008)->ecx & 0xf0ff, ==, 0);
    g_assert_cmphex(leaf(&cpu, 0x80000008)->eax, ==, 0x3030);
    g_array_unref(cpu.cpuid);
}

/* One package of 4 cores x 2 threads: 8 logical CPUs, 3 APIC id bits. */
static void test_multi_core_package(void)
{
    X86CPU cpu = {0};

    build(&cpu, 1, 4, 2, 5);
    g_assert_cmphex(cpu.apic_id, ==, 5);
    g_assert_cmphex((leaf(&cpu, 1)->ebx >> 16) & 0xff, ==, 8);
    g_assert_cmphex(leaf(&cpu, 1)->edx & (1u << 28), ==, 1u << 28);
    g_assert_cmphex(leaf(&cpu, 0x80000008)->ecx & 0xf0ff, ==, 0x3007);
    g_array_unref(cpu.cpuid);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpuid/single-thread-packages",
                    test_single_thread_packages);
    g_test_add_func("/cpuid/multi-core-package", test_multi_core_package);
    return g_test_run();
}
