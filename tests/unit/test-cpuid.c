/*
 * The guest's CPUID topology: what -smp asks for, never the host's own
 * package layout leaking through from KVM's supported list.
 */
#include <string.h>

#include "target/i386/cpu-features.h"
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

/* An Intel host with most features, as KVM_GET_SUPPORTED_CPUID shows it. */
static const CPUIDEntry intel_host[] = {
    {.function = 0,
     .eax = 0x1b,
     .ebx = 0x756e6547,
     .edx = 0x49656e69,
     .ecx = 0x6c65746e},
    {.function = 1, .eax = 0x000906ea, .ecx = 0xf7fa3223, .edx = 0x0f8bfbff},
    {.function = 7, .index_significant = true, .ebx = 0x029c6fbf},
    {.function = 0xd, .index_significant = true, .eax = 7, .ebx = 0x340},
    {.function = 0x40000001, .eax = 0x01007afb},
    {.function = 0x80000000, .eax = 0x80000008},
    {.function = 0x80000001, .ecx = 0x121, .edx = 0x2c100800},
    {.function = 0x80000002, .eax = 0x65746e49},
    {.function = 0x80000003},
    {.function = 0x80000004},
    {.function = 0x80000008, .eax = 0x3027},
};

static bool build_spec(X86CPU *cpu, const char *spec, GError **err)
{
    CpuTopology topo = {1, 1, 1};

    if (cpu->cpuid) {
        g_array_unref(cpu->cpuid);
        cpu->cpuid = NULL;
    }
    return x86_cpu_build_cpuid(cpu, spec, intel_host, G_N_ELEMENTS(intel_host),
                               &topo, 1, err);
}

/* QEMU's Opteron_G1: AMD's vendor, family 15 model 6, Gen 1 features. */
static void test_named_model(void)
{
    X86CPU cpu = {0};
    GError *err = NULL;
    char vendor[13] = {0}, id[49] = {0};
    const CPUIDEntry *e;

    g_assert_true(build_spec(&cpu, "Opteron_G1", &err));
    e = leaf(&cpu, 0);
    memcpy(vendor, &e->ebx, 4);
    memcpy(vendor + 4, &e->edx, 4);
    memcpy(vendor + 8, &e->ecx, 4);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");
    g_assert_cmphex(e->eax, ==, 5); /* level */
    g_assert_cmphex(leaf(&cpu, 1)->eax, ==, 0x00000f61);
    g_assert_cmphex(leaf(&cpu, 1)->ecx, ==, 0x80000001); /* pni, hypervisor */
    g_assert_cmphex(leaf(&cpu, 1)->edx, ==, 0x078bfbff);
    /* No leaf beyond the model's level: no 7, no 0xd. */
    g_assert_null(x86_cpu_cpuid_find(&cpu, 7, 0));
    g_assert_null(x86_cpu_cpuid_find(&cpu, 0xd, 0));
    /* lm, nx, syscall, and leaf 1's bits AMD repeats. */
    g_assert_cmphex(leaf(&cpu, 0x80000001)->edx, ==,
                    (1u << 29) | (1u << 20) | (1u << 11) |
                        (0x078bfbff & 0x0183f3ff));
    g_assert_cmphex(leaf(&cpu, 0x80000001)->ecx, ==, 0);
    for (unsigned i = 0; i < 3; i++) {
        e = leaf(&cpu, 0x80000002 + i);
        memcpy(id + 16 * i, &e->eax, 4);
        memcpy(id + 16 * i + 4, &e->ebx, 4);
        memcpy(id + 16 * i + 8, &e->ecx, 4);
        memcpy(id + 16 * i + 12, &e->edx, 4);
    }
    g_assert_cmpstr(id, ==, "AMD Opteron 240 (Gen 1 Class Opteron)");

    /* The spec's own values win over the model's. */
    g_assert_true(build_spec(&cpu,
                             "Opteron_G1,family=16,model=2,stepping=3,"
                             "vendor=GenuineIntel,level=4",
                             &err));
    g_assert_cmphex(leaf(&cpu, 1)->eax, ==, 0x00100f23);
    g_assert_cmphex(leaf(&cpu, 0)->eax, ==, 4);
    g_assert_cmphex(leaf(&cpu, 0)->ebx, ==, 0x756e6547); /* "Genu" */
    g_array_unref(cpu.cpuid);
}

/* Flags on top of a model: on if the host has them, off whatever it has. */
/* QEMU's Intel models by generation, filtered by the host's bits. */
static void test_intel_models(void)
{
    X86CPU cpu = {0};
    GError *err = NULL;

    g_assert_true(build_spec(&cpu, "Haswell", &err));
    g_assert_cmphex(leaf(&cpu, 0)->eax, ==, 0xd);
    g_assert_cmphex(leaf(&cpu, 1)->eax, ==, 0x000306c4); /* 6, 60, 4 */
    /* fsgsbase bmi1 hle avx2 smep bmi2 erms invpcid rtm */
    g_assert_cmphex(leaf(&cpu, 7)->ebx, ==, 0x0fb9);
    /* fma, pcid, movbe, f16c, rdrand, avx, aes, x2apic, sse4.2 */
    g_assert_cmphex(leaf(&cpu, 1)->ecx & ((1u << 12) | (1u << 17) | (1u << 22) |
                                          (1u << 29) | (1u << 30) | (1u << 28) |
                                          (1u << 25) | (1u << 21) | (1u << 20)),
                    ==,
                    (1u << 12) | (1u << 17) | (1u << 22) | (1u << 29) |
                        (1u << 30) | (1u << 28) | (1u << 25) | (1u << 21) |
                        (1u << 20));
    /* abm and lahf-lm; rdtscp, lm, nx, syscall */
    g_assert_cmphex(leaf(&cpu, 0x80000001)->ecx & 0x21, ==, 0x21);
    g_assert_cmphex(leaf(&cpu, 0x80000001)->edx & 0x28100800, ==, 0x28100800);
    g_assert_true(build_spec(&cpu, "Haswell-noTSX", &err));
    g_assert_cmphex(leaf(&cpu, 1)->eax, ==, 0x000306c1);
    g_assert_cmphex(leaf(&cpu, 7)->ebx, ==, 0x0fb9 & ~0x810u);
    /* Penryn: no sse4.2, no popcnt; Nehalem has both */
    g_assert_true(build_spec(&cpu, "Penryn", &err));
    g_assert_cmphex(leaf(&cpu, 1)->ecx & ((1u << 19) | (1u << 20) | (1u << 23)),
                    ==, 1u << 19);
    g_assert_true(build_spec(&cpu, "Nehalem", &err));
    g_assert_cmphex(leaf(&cpu, 1)->ecx & ((1u << 19) | (1u << 20) | (1u << 23)),
                    ==, (1u << 19) | (1u << 20) | (1u << 23));
    /* Skylake-Server asks for AVX-512, which this host lacks: left out */
    g_assert_true(build_spec(&cpu, "Skylake-Server", &err));
    g_assert_cmphex(leaf(&cpu, 7)->ebx & (1u << 16), ==, 0);
    g_assert_cmphex(leaf(&cpu, 7)->ebx & (1u << 20), ==, 1u << 20); /* smap */
    g_array_unref(cpu.cpuid);
}

/* QMP's expansion of a model on the sample host. */
static void test_model_expansion(void)
{
    GError *err = NULL;
    JsonObject *m, *p;

    m = x86_cpu_model_expand("Haswell-noTSX,-avx2", true, intel_host,
                             G_N_ELEMENTS(intel_host), &err);
    g_assert_no_error(err);
    g_assert_cmpstr(json_object_get_string_member(m, "name"), ==,
                    "Haswell-noTSX");
    p = json_object_get_object_member(m, "props");
    g_assert_true(json_object_get_boolean_member(p, "sse4.2"));
    g_assert_true(json_object_get_boolean_member(p, "bmi2"));
    g_assert_false(json_object_get_boolean_member(p, "avx2"));
    g_assert_false(json_object_get_boolean_member(p, "rtm"));
    g_assert_false(json_object_get_boolean_member(p, "avx512f"));
    g_assert_cmpstr(json_object_get_string_member(p, "vendor"), ==,
                    "GenuineIntel");
    g_assert_cmpint(json_object_get_int_member(p, "family"), ==, 6);
    g_assert_cmpint(json_object_get_int_member(p, "model"), ==, 60);
    g_assert_cmpint(json_object_get_int_member(p, "stepping"), ==, 1);
    json_object_unref(m);

    m = x86_cpu_model_expand("Opteron_G2", false, intel_host,
                             G_N_ELEMENTS(intel_host), &err);
    g_assert_cmpstr(json_object_get_string_member(m, "name"), ==, "base");
    p = json_object_get_object_member(m, "props");
    g_assert_cmpint(json_object_get_int_member(p, "family"), ==, 15);
    g_assert_true(json_object_get_boolean_member(p, "cx16"));
    g_assert_false(json_object_get_boolean_member(p, "sse4.1"));
    json_object_unref(m);

    g_assert_null(x86_cpu_model_expand("Pentium9", true, intel_host,
                                       G_N_ELEMENTS(intel_host), &err));
    g_assert_cmpstr(err->message, ==, "unable to find CPU model 'Pentium9'");
    g_clear_error(&err);
}

/* Every model of -cpu help builds, with its own signature. */
static void test_every_model_builds(void)
{
    X86CPU cpu = {0};
    const X86CPUModel *m;

    for (unsigned i = 0; (m = x86_cpu_model_at(i)); i++) {
        GError *err = NULL;

        g_assert_true(build_spec(&cpu, m->name, &err));
        g_assert_no_error(err);
        if (m->kind == X86_CPU_NAMED && m->family) {
            uint32_t eax = leaf(&cpu, 1)->eax;
            unsigned family = (eax >> 8) & 0xf, model = (eax >> 4) & 0xf;

            if (family == 0xf) {
                family += (eax >> 20) & 0xff;
            }
            if (family == 6 || family >= 0xf) {
                model |= ((eax >> 16) & 0xf) << 4;
            }
            g_assert_cmpuint(family, ==, m->family);
            g_assert_cmpuint(model, ==, m->model);
        }
    }
    g_array_unref(cpu.cpuid);
}

static void test_flags(void)
{
    X86CPU cpu = {0};
    GError *err = NULL;

    g_assert_true(build_spec(&cpu, "Opteron_G1,+x2apic,-sse2,+ssse3", &err));
    g_assert_cmphex(leaf(&cpu, 1)->ecx & (1u << 21), ==, 1u << 21);
    g_assert_cmphex(leaf(&cpu, 1)->ecx & (1u << 9), ==, 1u << 9);
    g_assert_cmphex(leaf(&cpu, 1)->edx & (1u << 26), ==, 0);
    /* the host lacks svm: it stays off (with QEMU's warning) */
    g_assert_true(
        build_spec(&cpu, "qemu64,svm=on,x2apic=on,lahf_lm=off", &err));
    g_assert_cmphex(leaf(&cpu, 0x80000001)->ecx & (1u << 2), ==, 0);
    g_assert_cmphex(leaf(&cpu, 0x80000001)->ecx & 1, ==, 0);
    g_assert_cmphex(leaf(&cpu, 1)->ecx & (1u << 21), ==, 1u << 21);
    g_array_unref(cpu.cpuid);
}

/* Every flag name -cpu help lists parses, in every spelling QEMU takes. */
static void test_every_flag_parses(void)
{
    unsigned n = 0;

    for (int w = 0; w < FEAT_WORDS; w++) {
        for (unsigned bit = 0; bit < 32; bit++) {
            const char *name = x86_cpu_feature_name(w, bit);
            g_autofree char *under = NULL;
            g_autofree char *spec = NULL;
            X86CPUSpec parsed;
            GError *err = NULL;

            if (!name) {
                continue;
            }
            under = g_strdelimit(g_strdup(name), "-", '_');
            spec = g_strdup_printf("max,+%s,-%s,%s=on,%s=off,%s", name, name,
                                   name, under, under);
            g_assert_true(x86_cpu_spec_parse(spec, &parsed, &err));
            g_assert_no_error(err);
            x86_cpu_spec_clear(&parsed);
            n++;
        }
    }
    g_assert_cmpuint(n, >, 150);
}

static void test_spec_errors(void)
{
    static const struct {
        const char *spec, *error;
    } cases[] = {
        {"pentium9", "unable to find CPU model 'pentium9'"},
        {"", "unable to find CPU model ''"},
        {"qemu64,+frobnicate",
         "can't apply global qemu64-x86_64-cpu.frobnicate=on: Property "
         "'qemu64-x86_64-cpu.frobnicate' not found"},
        {"qemu64,x2apic=maybe", "Parameter 'x2apic' expects 'on' or 'off'"},
        {"qemu64,vendor=Intel",
         "Property 'qemu64-x86_64-cpu.vendor' doesn't take value 'Intel'"},
        {"qemu64,stepping=16",
         "Property qemu64-x86_64-cpu.stepping doesn't take value 16 "
         "(minimum: 0, maximum: 15)"},
        {"qemu64,family=x", "Parameter 'family' expects an integer (got 'x')"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        X86CPUSpec spec;
        GError *err = NULL;

        g_assert_false(x86_cpu_spec_parse(cases[i].spec, &spec, &err));
        g_assert_cmpstr(err->message, ==, cases[i].error);
        g_error_free(err);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpuid/single-thread-packages",
                    test_single_thread_packages);
    g_test_add_func("/cpuid/multi-core-package", test_multi_core_package);
    g_test_add_func("/cpuid/named-model", test_named_model);
    g_test_add_func("/cpuid/flags", test_flags);
    g_test_add_func("/cpuid/intel-models", test_intel_models);
    g_test_add_func("/cpuid/every-model-builds", test_every_model_builds);
    g_test_add_func("/cpuid/model-expansion", test_model_expansion);
    g_test_add_func("/cpuid/every-flag-parses", test_every_flag_parses);
    g_test_add_func("/cpuid/spec-errors", test_spec_errors);
    return g_test_run();
}
