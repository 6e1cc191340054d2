/*
 * -cpu MODEL[,+flag|-flag|flag=on|off|key=value...]: QEMU's CPUID feature
 * names, the named models pcvm has, and the parsed spec that
 * x86_cpu_build_cpuid applies (include/target/i386/cpu-features.h).
 *
 * Names and bit positions are the architectural CPUID bits (Intel SDM
 * vol. 2A "CPUID", AMD APM vol. 3 appendix E) under the names QEMU gives
 * them; a name may be written with '_' or '-', and QEMU's old aliases
 * (sse3 for pni, ...) are accepted.
 */
#include <string.h>

#include "target/i386/cpu-features.h"
#include "util/cutils.h"
#include "util/error.h"

typedef struct FeatureWordInfo {
    uint32_t function, index;
    char reg; /* 'a', 'b', 'c' or 'd' */
    const char *names[32];
} FeatureWordInfo;

static const FeatureWordInfo feature_words[FEAT_WORDS] = {
    [FEAT_1_EDX] = {1, 0, 'd', {"fpu",  "vme",  "de",    "pse", "tsc",
                                "msr",  "pae",  "mce",   "cx8", "apic",
                                NULL,   "sep",  "mtrr",  "pge", "mca",
                                "cmov", "pat",  "pse36", "pn",  "clflush",
                                NULL,   "ds",   "acpi",  "mmx", "fxsr",
                                "sse",  "sse2", "ss",    "ht",  "tm",
                                "ia64", "pbe"}},
    [FEAT_1_ECX] = {1,
                    0,
                    'c',
                    {"pni",          "pclmulqdq", "dtes64", "monitor",
                     "ds-cpl",       "vmx",       "smx",    "est",
                     "tm2",          "ssse3",     "cid",    NULL,
                     "fma",          "cx16",      "xtpr",   "pdcm",
                     NULL,           "pcid",      "dca",    "sse4.1",
                     "sse4.2",       "x2apic",    "movbe",  "popcnt",
                     "tsc-deadline", "aes",       "xsave",  NULL /* osxsave */,
                     "avx",          "f16c",      "rdrand", "hypervisor"}},
    [FEAT_7_0_EBX] = {7,
                      0,
                      'b',
                      {"fsgsbase", "tsc-adjust", "sgx",      "bmi1",
                       "hle",      "avx2",       NULL,       "smep",
                       "bmi2",     "erms",       "invpcid",  "rtm",
                       NULL,       NULL,         "mpx",      NULL,
                       "avx512f",  "avx512dq",   "rdseed",   "adx",
                       "smap",     "avx512ifma", "pcommit",  "clflushopt",
                       "clwb",     "intel-pt",   "avx512pf", "avx512er",
                       "avx512cd", "sha-ni",     "avx512bw", "avx512vl"}},
    [FEAT_7_0_ECX] = {7, 0, 'c', {NULL,
                                  "avx512vbmi",
                                  "umip",
                                  "pku",
                                  NULL /* ospke */,
                                  "waitpkg",
                                  "avx512vbmi2",
                                  NULL,
                                  "gfni",
                                  "vaes",
                                  "vpclmulqdq",
                                  "avx512vnni",
                                  "avx512bitalg",
                                  NULL,
                                  "avx512-vpopcntdq",
                                  NULL,
                                  "la57",
                                  NULL,
                                  NULL,
                                  NULL,
                                  NULL,
                                  NULL,
                                  "rdpid",
                                  NULL,
                                  "bus-lock-detect",
                                  "cldemote",
                                  NULL,
                                  "movdiri",
                                  "movdir64b",
                                  NULL,
                                  "sgxlc",
                                  "pks"}},
    [FEAT_7_0_EDX] = {7,
                      0,
                      'd',
                      {NULL,
                       NULL,
                       "avx512-4vnniw",
                       "avx512-4fmaps",
                       "fsrm",
                       NULL,
                       NULL,
                       NULL,
                       "avx512-vp2intersect",
                       NULL,
                       "md-clear",
                       NULL,
                       NULL,
                       NULL,
                       "serialize",
                       NULL,
                       "tsx-ldtrk",
                       NULL,
                       NULL,
                       "arch-lbr",
                       NULL,
                       NULL,
                       "amx-bf16",
                       "avx512-fp16",
                       "amx-tile",
                       "amx-int8",
                       "spec-ctrl",
                       "stibp",
                       NULL,
                       "arch-capabilities",
                       "core-capability",
                       "ssbd"}},
    /* The bits AMD copies from leaf 1 EDX have no names of their own. */
    [FEAT_8000_0001_EDX] = {0x80000001,
                            0,
                            'd',
                            {NULL,       NULL,      NULL,     NULL, NULL,
                             NULL,       NULL,      NULL,     NULL, NULL,
                             NULL,       "syscall", NULL,     NULL, NULL,
                             NULL,       NULL,      NULL,     NULL, NULL,
                             "nx",       NULL,      "mmxext", NULL, NULL,
                             "fxsr-opt", "pdpe1gb", "rdtscp", NULL, "lm",
                             "3dnowext", "3dnow"}},
    [FEAT_8000_0001_ECX] = {0x80000001,
                            0,
                            'c',
                            {"lahf-lm",    "cmp-legacy",  "svm",
                             "extapic",    "cr8legacy",   "abm",
                             "sse4a",      "misalignsse", "3dnowprefetch",
                             "osvw",       "ibs",         "xop",
                             "skinit",     "wdt",         NULL,
                             "lwp",        "fma4",        "tce",
                             NULL,         "nodeid-msr",  NULL,
                             "tbm",        "topoext",     "perfctr-core",
                             "perfctr-nb", NULL,          NULL,
                             NULL,         NULL,          NULL,
                             NULL,         NULL}},
    [FEAT_KVM] = {0x40000001,
                  0,
                  'a',
                  {"kvmclock",
                   "kvm-nopiodelay",
                   "kvm-mmu",
                   "kvmclock",
                   "kvm-asyncpf",
                   "kvm-steal-time",
                   "kvm-pv-eoi",
                   "kvm-pv-unhalt",
                   NULL,
                   "kvm-pv-tlb-flush",
                   "kvm-asyncpf-vmexit",
                   "kvm-pv-ipi",
                   "kvm-poll-control",
                   "kvm-pv-sched-yield",
                   "kvm-asyncpf-int",
                   "kvm-msi-ext-dest-id",
                   NULL,
                   NULL,
                   NULL,
                   NULL,
                   NULL,
                   NULL,
                   NULL,
                   NULL,
                   "kvmclock-stable-bit",
                   NULL,
                   NULL,
                   NULL,
                   NULL,
                   NULL,
                   NULL,
                   NULL}},
};

/* QEMU's older names for some flags. */
static const struct {
    const char *alias, *name;
} feature_aliases[] = {
    {"sse3", "pni"},           {"i64", "lm"},          {"sse4-1", "sse4.1"},
    {"sse4-2", "sse4.2"},      {"xd", "nx"},           {"ffxsr", "fxsr-opt"},
    {"pclmuldq", "pclmulqdq"}, {"lahf_lm", "lahf-lm"},
};

#define F(bit) (1u << (bit))
/* fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36
 * clflush mmx fxsr sse sse2, and vme: the Core 2 and Opteron base. */
#define CLASSIC_EDX                                                            \
    (F(0) | F(1) | F(2) | F(3) | F(4) | F(5) | F(6) | F(7) | F(8) | F(9) |     \
     F(11) | F(12) | F(13) | F(14) | F(15) | F(16) | F(17) | F(19) | F(23) |   \
     F(24) | F(25) | F(26))

/*
 * The named models, with QEMU's vendor, signature, levels, model string
 * and feature bits (its "version 1" of each, as QEMU 7.2 defines them;
 * leaves pcvm does not model, such as XSAVE's 0xD sub-leaf 1 and 6.EAX,
 * are left out). flags lists what a model adds to the CPUID words beyond
 * its features[] bits, by QEMU's flag names, resolved once. host, max,
 * qemu64 and kvm64 are built from what the accelerator supports instead.
 */
#define CORE2_FLAGS "pni ssse3 lm nx syscall lahf-lm"
#define NEHALEM_FLAGS CORE2_FLAGS " sse4.1 sse4.2 cx16 popcnt"
#define SNB_FLAGS                                                              \
    NEHALEM_FLAGS " aes pclmulqdq avx xsave tsc-deadline x2apic rdtscp"
#define HASWELL_FLAGS                                                          \
    SNB_FLAGS " f16c rdrand fma movbe pcid abm fsgsbase bmi1 hle avx2 smep "   \
              "bmi2 erms invpcid rtm"
#define BROADWELL_FLAGS HASWELL_FLAGS " 3dnowprefetch rdseed adx smap"

static X86CPUModel models[] = {
    {.name = "host",
     .description = "processor with all supported host features",
     .kind = X86_CPU_PASSTHROUGH},
    {.name = "max",
     .description = "enables all features supported by the accelerator",
     .kind = X86_CPU_PASSTHROUGH},
    {.name = "qemu64",
     .description = "a conservative 64-bit baseline (default)",
     .kind = X86_CPU_BASELINE},
    {.name = "kvm64",
     .description = "a conservative 64-bit baseline",
     .kind = X86_CPU_BASELINE},
    {.name = "base",
     .description = "base CPU model type with no features enabled",
     .kind = X86_CPU_NAMED,
     .level = 0xd,
     .xlevel = 0x80000008},
    {.name = "Conroe",
     .description = "Intel Celeron_4x0 (Conroe/Merom Class Core 2)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 15,
     .stepping = 3,
     .level = 10,
     .xlevel = 0x80000008,
     .model_id = "Intel Celeron_4x0 (Conroe/Merom Class Core 2)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = CORE2_FLAGS},
    {.name = "Penryn",
     .description = "Intel Core 2 Duo P9xxx (Penryn Class Core 2)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 23,
     .stepping = 3,
     .level = 10,
     .xlevel = 0x80000008,
     .model_id = "Intel Core 2 Duo P9xxx (Penryn Class Core 2)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = CORE2_FLAGS " sse4.1 cx16"},
    {.name = "Nehalem",
     .description = "Intel Core i7 9xx (Nehalem Class Core i7)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 26,
     .stepping = 3,
     .level = 11,
     .xlevel = 0x80000008,
     .model_id = "Intel Core i7 9xx (Nehalem Class Core i7)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = NEHALEM_FLAGS},
    {.name = "Westmere",
     .description = "Westmere E56xx/L56xx/X56xx (Nehalem-C)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 44,
     .stepping = 1,
     .level = 11,
     .xlevel = 0x80000008,
     .model_id = "Westmere E56xx/L56xx/X56xx (Nehalem-C)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = NEHALEM_FLAGS " aes pclmulqdq"},
    {.name = "SandyBridge",
     .description = "Intel Xeon E312xx (Sandy Bridge)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 42,
     .stepping = 1,
     .level = 0xd,
     .xlevel = 0x80000008,
     .model_id = "Intel Xeon E312xx (Sandy Bridge)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = SNB_FLAGS},
    {.name = "IvyBridge",
     .description = "Intel Xeon E3-12xx v2 (Ivy Bridge)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 58,
     .stepping = 9,
     .level = 0xd,
     .xlevel = 0x80000008,
     .model_id = "Intel Xeon E3-12xx v2 (Ivy Bridge)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = SNB_FLAGS " f16c rdrand fsgsbase smep erms"},
    {.name = "Haswell",
     .description = "Intel Core Processor (Haswell)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 60,
     .stepping = 4,
     .level = 0xd,
     .xlevel = 0x80000008,
     .model_id = "Intel Core Processor (Haswell)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = HASWELL_FLAGS},
    {.name = "Haswell-noTSX",
     .description = "Intel Core Processor (Haswell, no TSX)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 60,
     .stepping = 1,
     .level = 0xd,
     .xlevel = 0x80000008,
     .model_id = "Intel Core Processor (Haswell, no TSX)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = HASWELL_FLAGS,
     .no_flags = "hle rtm"},
    {.name = "Broadwell",
     .description = "Intel Core Processor (Broadwell)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 61,
     .stepping = 2,
     .level = 0xd,
     .xlevel = 0x80000008,
     .model_id = "Intel Core Processor (Broadwell)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = BROADWELL_FLAGS},
    {.name = "Broadwell-noTSX",
     .description = "Intel Core Processor (Broadwell, no TSX)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 61,
     .stepping = 2,
     .level = 0xd,
     .xlevel = 0x80000008,
     .model_id = "Intel Core Processor (Broadwell, no TSX)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = BROADWELL_FLAGS,
     .no_flags = "hle rtm"},
    {.name = "Skylake-Client",
     .description = "Intel Core Processor (Skylake)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 94,
     .stepping = 3,
     .level = 0xd,
     .xlevel = 0x80000008,
     .model_id = "Intel Core Processor (Skylake)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = BROADWELL_FLAGS},
    {.name = "Skylake-Server",
     .description = "Intel Xeon Processor (Skylake)",
     .kind = X86_CPU_NAMED,
     .vendor = "GenuineIntel",
     .family = 6,
     .model = 85,
     .stepping = 4,
     .level = 0xd,
     .xlevel = 0x80000008,
     .model_id = "Intel Xeon Processor (Skylake)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = BROADWELL_FLAGS " pdpe1gb clwb avx512f avx512dq avx512bw "
                              "avx512cd avx512vl clflushopt pku"},
    {.name = "Opteron_G1",
     .description = "AMD Opteron 240 (Gen 1 Class Opteron)",
     .kind = X86_CPU_NAMED,
     .vendor = "AuthenticAMD",
     .family = 15,
     .model = 6,
     .stepping = 1,
     .level = 5,
     .xlevel = 0x80000008,
     .model_id = "AMD Opteron 240 (Gen 1 Class Opteron)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = "pni lm nx syscall"},
    {.name = "Opteron_G2",
     .description = "AMD Opteron 22xx (Gen 2 Class Opteron)",
     .kind = X86_CPU_NAMED,
     .vendor = "AuthenticAMD",
     .family = 15,
     .model = 6,
     .stepping = 1,
     .level = 5,
     .xlevel = 0x80000008,
     .model_id = "AMD Opteron 22xx (Gen 2 Class Opteron)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = "pni cx16 lm nx syscall svm lahf-lm"},
    {.name = "Opteron_G3",
     .description = "AMD Opteron 23xx (Gen 3 Class Opteron)",
     .kind = X86_CPU_NAMED,
     .vendor = "AuthenticAMD",
     .family = 16,
     .model = 2,
     .stepping = 3,
     .level = 5,
     .xlevel = 0x80000008,
     .model_id = "AMD Opteron 23xx (Gen 3 Class Opteron)",
     .features = {[FEAT_1_EDX] = CLASSIC_EDX},
     .flags = "pni cx16 monitor popcnt lm nx syscall svm lahf-lm abm sse4a "
              "misalignsse"},
};

/* The word and bit of a flag name; false if QEMU knows no such flag. */
static bool feature_find(const char *name, FeatureWord *word, unsigned *bit)
{
    g_autofree char *n = g_strdup(name);

    g_strdelimit(n, "_", '-');
    for (size_t i = 0; i < G_N_ELEMENTS(feature_aliases); i++) {
        if (!strcmp(n, feature_aliases[i].alias)) {
            g_free(n);
            n = g_strdup(feature_aliases[i].name);
            break;
        }
    }
    for (int w = 0; w < FEAT_WORDS; w++) {
        for (unsigned b = 0; b < 32; b++) {
            const char *f = feature_words[w].names[b];

            if (f && !strcmp(f, n)) {
                *word = (FeatureWord)w;
                *bit = b;
                return true;
            }
        }
    }
    return false;
}

/* Folds each model's flag names into its feature words, once. */
static void models_resolve(void)
{
    static gsize done;

    if (!g_once_init_enter(&done)) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        const char *lists[2] = {models[i].flags, models[i].no_flags};

        for (int l = 0; l < 2; l++) {
            g_auto(GStrv) names = g_strsplit(lists[l] ? lists[l] : "", " ", -1);

            for (char **n = names; *n; n++) {
                FeatureWord w;
                unsigned bit;

                if (!**n) {
                    continue;
                }
                if (!feature_find(*n, &w, &bit)) {
                    g_error("CPU model %s: no flag named %s", models[i].name,
                            *n);
                }
                if (l == 0) {
                    models[i].features[w] |= 1u << bit;
                } else {
                    models[i].features[w] &= ~(1u << bit);
                }
            }
        }
    }
    g_once_init_leave(&done, 1);
}

const X86CPUModel *x86_cpu_model_find(const char *name)
{
    models_resolve();
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        if (!strcmp(models[i].name, name)) {
            return &models[i];
        }
    }
    return NULL;
}

const X86CPUModel *x86_cpu_model_at(unsigned i)
{
    models_resolve();
    return i < G_N_ELEMENTS(models) ? &models[i] : NULL;
}

const char *x86_cpu_feature_name(FeatureWord w, unsigned bit)
{
    return feature_words[w].names[bit];
}

void x86_cpu_feature_word_leaf(FeatureWord w, uint32_t *function,
                               uint32_t *index, char *reg)
{
    *function = feature_words[w].function;
    *index = feature_words[w].index;
    *reg = feature_words[w].reg;
}

/* Keys that are not feature flags, and what QEMU accepts for them. */
static bool spec_key(X86CPUSpec *spec, const char *type, const char *key,
                     const char *value, GError **errp)
{
    uint64_t n;

    if (!strcmp(key, "vendor")) {
        if (strlen(value) != 12) {
            return error_setg(errp,
                              "Property '%s.vendor' doesn't take value '%s'",
                              type, value);
        }
        g_strlcpy(spec->vendor, value, sizeof(spec->vendor));
        return true;
    }
    if (!strcmp(key, "model-id")) {
        g_free(spec->model_id);
        spec->model_id = g_strdup(value);
        return true;
    }
    if (!strcmp(key, "family") || !strcmp(key, "model") ||
        !strcmp(key, "stepping") || !strcmp(key, "level") ||
        !strcmp(key, "xlevel") || !strcmp(key, "phys-bits") ||
        !strcmp(key, "min-level") || !strcmp(key, "min-xlevel")) {
        static const struct {
            const char *key;
            uint64_t max;
        } limits[] = {{"family", 0xff + 0xf},    {"model", 0xff},
                      {"stepping", 0xf},         {"level", UINT32_MAX},
                      {"xlevel", UINT32_MAX},    {"phys-bits", 52},
                      {"min-level", UINT32_MAX}, {"min-xlevel", UINT32_MAX}};

        if (!parse_uint64(value, &n, NULL)) {
            return error_setg(errp,
                              "Parameter '%s' expects an integer (got '%s')",
                              key, value);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(limits); i++) {
            if (!strcmp(key, limits[i].key) && n > limits[i].max) {
                return error_setg(errp,
                                  "Property %s.%s doesn't take value %" PRIu64
                                  " (minimum: 0, maximum: %" PRIu64 ")",
                                  type, key, n, limits[i].max);
            }
        }
        if (!strcmp(key, "family")) {
            spec->family = n;
        } else if (!strcmp(key, "model")) {
            spec->model = n;
        } else if (!strcmp(key, "stepping")) {
            spec->stepping = n;
        } else if (!strcmp(key, "level")) {
            spec->level = n;
        } else if (!strcmp(key, "xlevel")) {
            spec->xlevel = n;
        }
        return true;
    }
    return false;
}

/*
 * Boolean properties QEMU's x86 CPUs have that are not CPUID flags:
 * accepted; check/enforce, pmu, kvm and the Hyper-V enlightenments (hv-*)
 * change nothing pcvm does yet.
 */
static bool spec_bool_property(const char *key)
{
    static const char *const names[] = {
        "check",
        "enforce",
        "pmu",
        "kvm",
        "host-phys-bits",
        "host-cache-info",
        "l3-cache",
        "migratable",
        "lmce",
        "full-cpuid-auto-level",
        "x-force-features",
        "tcg-cpuid",
        "vmware-cpuid-freq",
    };

    if (g_str_has_prefix(key, "hv-") || g_str_has_prefix(key, "hv_")) {
        return true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!strcmp(key, names[i])) {
            return true;
        }
    }
    return false;
}

bool x86_cpu_spec_parse(const char *text, X86CPUSpec *spec, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(text, ",", -1);
    g_autofree char *type = NULL;

    memset(spec, 0, sizeof(*spec));
    spec->family = spec->model = spec->stepping = -1;
    spec->level = spec->xlevel = -1;
    if (!parts[0] || !(spec->cpu = x86_cpu_model_find(parts[0]))) {
        return error_setg(errp, "unable to find CPU model '%s'",
                          parts[0] ? parts[0] : "");
    }
    type = g_strdup_printf("%s-x86_64-cpu", parts[0]);
    for (char **p = parts + 1; *p; p++) {
        const char *item = *p, *eq = strchr(item, '=');
        g_autofree char *key = NULL;
        const char *value;
        bool on;
        FeatureWord w;
        unsigned bit;

        if (!*item) {
            continue;
        }
        if (item[0] == '+' || item[0] == '-') {
            key = g_strdup(item + 1);
            value = item[0] == '+' ? "on" : "off";
        } else if (eq) {
            key = g_strndup(item, eq - item);
            value = eq + 1;
        } else {
            key = g_strdup(item);
            value = "on";
        }
        if (spec_key(spec, type, key, value, errp)) {
            continue;
        }
        if (errp && *errp) {
            return false;
        }
        if (feature_find(key, &w, &bit)) {
            if (!parse_bool(value, &on, NULL)) {
                return error_setg(errp, "Parameter '%s' expects 'on' or 'off'",
                                  key);
            }
            if (on) {
                spec->plus[w] |= 1u << bit;
                spec->minus[w] &= ~(1u << bit);
            } else {
                spec->minus[w] |= 1u << bit;
                spec->plus[w] &= ~(1u << bit);
            }
            continue;
        }
        if (spec_bool_property(key)) {
            if (!parse_bool(value, &on, NULL)) {
                return error_setg(errp, "Parameter '%s' expects 'on' or 'off'",
                                  key);
            }
            continue;
        }
        return error_setg(errp,
                          "can't apply global %s.%s=%s: Property '%s.%s' "
                          "not found",
                          type, key, value, type, key);
    }
    return true;
}

void x86_cpu_spec_clear(X86CPUSpec *spec)
{
    g_clear_pointer(&spec->model_id, g_free);
}

void x86_cpu_print_flags(FILE *out)
{
    unsigned col = 0;

    fprintf(out, "\nRecognized CPUID flags:\n ");
    for (int w = 0; w < FEAT_WORDS; w++) {
        for (unsigned b = 0; b < 32; b++) {
            const char *f = feature_words[w].names[b];

            if (!f || (w == FEAT_KVM && b == 3)) {
                continue;
            }
            if (col + strlen(f) + 1 > 76) {
                fprintf(out, "\n ");
                col = 0;
            }
            col += fprintf(out, " %s", f);
        }
    }
    fprintf(out, "\n");
}
