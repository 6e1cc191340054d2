/*
 * x86 CPU reset state and CPUID models.
 *
 * The reset values follow the Intel SDM vol. 3, 9.1.1 "Processor State After
 * Reset". CPUID is shaped like QEMU's: "host" passes through what KVM
 * supports; "qemu64" keeps only a conservative baseline of features (so a
 * guest behaves the same on any host) but the host's vendor, as QEMU does
 * under KVM.
 */
#include <stdio.h>
#include <string.h>

#include "system/memory.h"
#include "qapi/qmp-registry.h"
#include "target/i386/cpu.h"
#include "target/i386/cpu-features.h"
#include "util/error.h"

static void segment_set_real(SegmentCache *seg, uint16_t selector,
                             uint64_t base, uint8_t type)
{
    memset(seg, 0, sizeof(*seg));
    seg->selector = selector;
    seg->base = base;
    seg->limit = 0xffff;
    seg->type = type;
    seg->present = 1;
    seg->s = 1;
}

void x86_cpu_reset_state(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    const CPUIDEntry *leaf1 = x86_cpu_cpuid_find(cpu, 1, 0);

    memset(env, 0, sizeof(*env));
    env->rip = 0xfff0;
    env->rflags = 0x2;
    env->cr0 = CR0_ET | CR0_NW | CR0_CD;
    /* EDX holds the processor signature after reset. */
    env->regs[R_EDX] = leaf1 ? leaf1->eax : 0x600;
    segment_set_real(&env->segs[R_CS], 0xf000, 0xffff0000, 0xb);
    for (int i = 0; i < X86_SEG_COUNT; i++) {
        if (i != R_CS) {
            segment_set_real(&env->segs[i], 0, 0, 0x3);
        }
    }
    env->ldt.limit = 0xffff;
    env->ldt.type = 2;
    env->ldt.present = 1;
    env->tr.limit = 0xffff;
    env->tr.type = 0xb;
    env->tr.present = 1;
    env->gdt.limit = 0xffff;
    env->idt.limit = 0xffff;
    cpu->firmware_lapic = false;
    cpu->state_dirty = true;
}

static void segment_set_flat(SegmentCache *seg, uint16_t selector, uint8_t type)
{
    memset(seg, 0, sizeof(*seg));
    seg->selector = selector;
    seg->limit = 0xffffffff;
    seg->type = type;
    seg->present = 1;
    seg->s = 1;
    seg->db = 1;
    seg->g = 1;
}

void x86_cpu_set_flat_protected_mode(X86CPU *cpu, uint16_t code_selector,
                                     uint16_t data_selector, uint64_t gdt_base,
                                     uint16_t gdt_limit)
{
    CPUX86State *env = &cpu->env;

    env->cr0 = CR0_PE | CR0_ET;
    env->rflags = 0x2;
    segment_set_flat(&env->segs[R_CS], code_selector, 0xb);
    for (int i = 0; i < X86_SEG_COUNT; i++) {
        if (i != R_CS) {
            segment_set_flat(&env->segs[i], data_selector, 0x3);
        }
    }
    env->gdt.base = gdt_base;
    env->gdt.limit = gdt_limit;
    env->idt.base = 0;
    env->idt.limit = 0;
    /* A busy 32-bit TSS: VMX refuses protected mode without a usable TR. */
    memset(&env->tr, 0, sizeof(env->tr));
    env->tr.limit = 0x67;
    env->tr.type = 0xb;
    env->tr.present = 1;
    cpu->state_dirty = true;
}

/* ---- CPUID --------------------------------------------------------------- */

/* Leaf 1 EDX/ECX and 0x80000001 EDX/ECX bits of the qemu64 baseline. */
#define QEMU64_1_EDX                                                           \
    0x0783fbff                   /* fpu..pse36, clflush, mmx, fxsr, sse, sse2  \
                                  */
#define QEMU64_1_ECX 0x80802001u /* sse3, cx16, (popcnt off), hypervisor */
#define QEMU64_81_EDX 0x20100800 /* syscall, nx, lm */
#define QEMU64_81_ECX 0x00000001 /* lahf_lm */
#define CPUID_EXT_X2APIC (1u << 21)
/* Leaf 1 EDX bits AMD CPUs repeat in 0x80000001 EDX. */
#define AMD_EDX_ALIASES 0x0183f3ffu

/*
 * KVM paravirtual features (leaf 0x40000001 EAX) the baseline models offer,
 * as QEMU's defaults do: kvmclock (both MSR sets), no-op port 0x80 delay,
 * async page faults (also as interrupts), steal time, PV EOI and the stable
 * clocksource bit. PV IPIs, TLB flush, sched yield and spinlock unhalt are
 * left to -cpu host, like QEMU.
 */
#define KVM_FEATURE_CLOCKSOURCE (1u << 0)
#define KVM_FEATURE_NOP_IO_DELAY (1u << 1)
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_ASYNC_PF (1u << 4)
#define KVM_FEATURE_STEAL_TIME (1u << 5)
#define KVM_FEATURE_PV_EOI (1u << 6)
#define KVM_FEATURE_ASYNC_PF_INT (1u << 14)
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24)
#define BASELINE_KVM_FEATURES                                                  \
    (KVM_FEATURE_CLOCKSOURCE | KVM_FEATURE_NOP_IO_DELAY |                      \
     KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_ASYNC_PF |                         \
     KVM_FEATURE_STEAL_TIME | KVM_FEATURE_PV_EOI | KVM_FEATURE_ASYNC_PF_INT |  \
     KVM_FEATURE_CLOCKSOURCE_STABLE_BIT)

bool x86_cpu_model_exists(const char *model)
{
    return x86_cpu_model_find(model) != NULL;
}

static GVariant *x86_cpu_get_index(Object *obj, void *opaque)
{
    return g_variant_new_int32(((X86CPU *)obj)->index);
}

static GVariant *x86_cpu_get_apic_id(Object *obj, void *opaque)
{
    return g_variant_new_uint64(((X86CPU *)obj)->apic_id);
}

/*
 * QEMU's type names, so qom-path and qom-list-types read the same. A vCPU
 * is not a DeviceState here, so "cpu" is not a "device" subtype.
 */
void x86_cpu_object_init(X86CPU *cpu, const char *model)
{
    /* The model's name: a -cpu spec's first element. */
    g_autofree char *name = g_strndup(model, strcspn(model, ","));
    g_autofree char *type = g_strdup_printf("%s-x86_64-cpu", name);

    object_init(OBJECT(cpu), type);
    object_add_property(OBJECT(cpu), "cpu-index", "int32", x86_cpu_get_index,
                        NULL, "the vCPU's index");
    object_add_property(OBJECT(cpu), "apic-id", "uint32", x86_cpu_get_apic_id,
                        NULL, "the vCPU's APIC id");
}

static void __attribute__((constructor)) x86_cpu_register_types(void)
{
    unsigned i = 0;

    type_register_simple("cpu", "object", true);
    type_register_simple("x86_64-cpu", "cpu", true);
    for (const X86CPUModel *m; (m = x86_cpu_model_at(i)); i++) {
        g_autofree char *type = g_strdup_printf("%s-x86_64-cpu", m->name);

        type_register_simple(type, "x86_64-cpu", false);
    }
}

void x86_cpu_print_models(FILE *out)
{
    const X86CPUModel *m;

    fprintf(out, "Available CPUs:\n");
    for (unsigned i = 0; (m = x86_cpu_model_at(i)); i++) {
        fprintf(out, "x86 %-10s %s\n", m->name, m->description);
    }
    x86_cpu_print_flags(out);
}

static unsigned bits_for(unsigned count)
{
    unsigned bits = 0;

    while ((1u << bits) < count) {
        bits++;
    }
    return bits;
}

uint32_t x86_apic_id_from_index(const CpuTopology *topo, unsigned index)
{
    unsigned thread_bits = bits_for(topo->threads);
    unsigned core_bits = bits_for(topo->cores);
    unsigned thread = index % topo->threads;
    unsigned core = (index / topo->threads) % topo->cores;
    unsigned socket = index / (topo->threads * topo->cores);

    return (socket << (core_bits + thread_bits)) | (core << thread_bits) |
           thread;
}

const CPUIDEntry *x86_cpu_cpuid_find(X86CPU *cpu, uint32_t function,
                                     uint32_t index)
{
    for (unsigned i = 0; cpu->cpuid && i < cpu->cpuid->len; i++) {
        CPUIDEntry *e = &g_array_index(cpu->cpuid, CPUIDEntry, i);

        if (e->function == function &&
            (!e->index_significant || e->index == index)) {
            return e;
        }
    }
    return NULL;
}

static void cpuid_shape_topology(X86CPU *cpu, CPUIDEntry *e,
                                 const CpuTopology *topo)
{
    unsigned per_socket = topo->cores * topo->threads;

    switch (e->function) {
    case 1:
        e->ebx = (e->ebx & 0x0000ffff) | (cpu->apic_id << 24) |
                 (MIN(per_socket, 255u) << 16);
        /* HTT: several logical CPUs per package; not the host's say. */
        if (per_socket > 1) {
            e->edx |= 1u << 28;
        } else {
            e->edx &= ~(1u << 28);
        }
        break;
    case 4:
        /* Cores per package - 1 in 31:26; threads sharing the cache 25:14. */
        if (e->eax & 0x1f) {
            unsigned level = (e->eax >> 5) & 7;
            unsigned sharing = level >= 3 ? per_socket : topo->threads;

            e->eax = (e->eax & 0x3fff) | ((sharing - 1) << 14) |
                     ((topo->cores - 1) << 26);
        }
        break;
    case 0xb:
    case 0x1f:
        e->edx = cpu->apic_id;
        switch (e->index) {
        case 0:
            e->eax = bits_for(topo->threads);
            e->ebx = topo->threads;
            e->ecx = 0x100 | e->index;
            break;
        case 1:
            e->eax = bits_for(topo->threads) + bits_for(topo->cores);
            e->ebx = per_socket;
            e->ecx = 0x200 | e->index;
            break;
        default:
            e->eax = e->ebx = 0;
            e->ecx = e->index;
            break;
        }
        break;
    case 0x80000008:
        /*
         * AMD: NC (7:0) is the number of threads in the package - 1 and
         * ApicIdSize (15:12) how many low APIC id bits number them. The
         * host's ApicIdSize must not leak through: with it, a guest of
         * several one-thread packages saw all its CPUs in package 0.
         */
        e->ecx &= ~0xf0ffu;
        if (per_socket > 1) {
            e->ecx |=
                ((bits_for(topo->threads) + bits_for(topo->cores)) << 12) |
                (per_socket - 1);
        }
        break;
    }
}

static void cpuid_mask_baseline(CPUIDEntry *e)
{
    switch (e->function) {
    case 1:
        /* Family 15, model 107, stepping 1: QEMU's qemu64 signature. */
        e->eax = 0x00060fb1;
        e->edx &= QEMU64_1_EDX | (1u << 28);
        e->ecx &= QEMU64_1_ECX | CPUID_EXT_X2APIC;
        e->ecx |= 1u << 31;
        break;
    case 7:
        e->eax = e->ebx = e->ecx = e->edx = 0;
        break;
    case 0xd:
        e->eax = e->ebx = e->ecx = e->edx = 0;
        break;
    case 0x80000001:
        e->edx &= QEMU64_81_EDX | QEMU64_1_EDX;
        e->ecx &= QEMU64_81_ECX;
        break;
    case 0x40000001:
        e->eax &= BASELINE_KVM_FEATURES;
        e->edx = 0; /* no hints (KVM_HINTS_REALTIME) */
        break;
    }
}

/* The register of e a feature word lives in. */
/* Set while a QMP model expansion builds a table nobody runs: no warnings. */
static bool cpuid_quiet;
/* The accelerator's supported table, as the first vCPU's build saw it. */
static GArray *cpuid_supported;

static uint32_t *cpuid_reg(CPUIDEntry *e, char reg)
{
    switch (reg) {
    case 'a':
        return &e->eax;
    case 'b':
        return &e->ebx;
    case 'c':
        return &e->ecx;
    default:
        return &e->edx;
    }
}

/* The 12-byte vendor string into leaf 0 / 0x80000000 order (EBX EDX ECX). */
static void cpuid_set_vendor(CPUIDEntry *e, const char *vendor)
{
    memcpy(&e->ebx, vendor, 4);
    memcpy(&e->edx, vendor + 4, 4);
    memcpy(&e->ecx, vendor + 8, 4);
}

static uint32_t cpuid_signature(int family, int model, int stepping)
{
    uint32_t eax = stepping & 0xf;

    if (family > 0xf) {
        eax |= 0xf00 | ((family - 0xf) << 20);
    } else {
        eax |= family << 8;
    }
    return eax | ((model & 0xf) << 4) | ((model >> 4) << 16);
}

/*
 * A named model: its levels, vendor, signature, model string and
 * features, each bit kept only if the accelerator supports it.
 */
static bool cpuid_named(const X86CPUSpec *spec, CPUIDEntry *e)
{
    const X86CPUModel *m = spec->cpu;
    const char *vendor = spec->vendor[0] ? spec->vendor : m->vendor;
    int family = spec->family >= 0 ? spec->family : m->family;
    int model = spec->model >= 0 ? spec->model : m->model;
    int stepping = spec->stepping >= 0 ? spec->stepping : m->stepping;
    uint32_t level = spec->level >= 0 ? spec->level : m->level;
    uint32_t xlevel = spec->xlevel >= 0 ? spec->xlevel : m->xlevel;
    const char *model_id = spec->model_id ? spec->model_id : m->model_id;

    if (e->function < 0x40000000 && e->function > level) {
        return false;
    }
    if (e->function >= 0x80000000 && e->function > xlevel) {
        return false;
    }
    for (int w = 0; w < FEAT_WORDS; w++) {
        uint32_t function, index;
        char reg;

        x86_cpu_feature_word_leaf(w, &function, &index, &reg);
        if (e->function == function &&
            (!e->index_significant || e->index == index)) {
            *cpuid_reg(e, reg) &=
                w == FEAT_KVM ? BASELINE_KVM_FEATURES : m->features[w];
        }
    }
    switch (e->function) {
    case 0:
        e->eax = MIN(e->eax, level);
        if (vendor) {
            cpuid_set_vendor(e, vendor);
        }
        break;
    case 1:
        e->eax = cpuid_signature(family, model, stepping);
        break;
    case 0xd:
        if (!(m->features[FEAT_1_ECX] & (1u << 26))) {
            e->eax = e->ebx = e->ecx = e->edx = 0; /* no xsave */
        }
        break;
    case 0x80000000:
        e->eax = MIN(e->eax, xlevel);
        if (vendor) {
            cpuid_set_vendor(e, vendor);
        }
        break;
    case 0x80000001:
        e->eax = cpuid_signature(family, model, stepping);
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004:
        if (model_id) {
            char text[48] = {0};
            unsigned part = e->function - 0x80000002;

            memcpy(text, model_id, MIN(strlen(model_id), sizeof(text)));
            memcpy(&e->eax, text + 16 * part, 4);
            memcpy(&e->ebx, text + 16 * part + 4, 4);
            memcpy(&e->ecx, text + 16 * part + 8, 4);
            memcpy(&e->edx, text + 16 * part + 12, 4);
        }
        break;
    }
    return true;
}

/*
 * The spec's +flag and -flag on top of the model: a flag the accelerator
 * does not support stays off, with QEMU's warning (also for the bits of
 * a named model).
 */
static void cpuid_apply_flags(const X86CPUSpec *spec, CPUIDEntry *e,
                              const CPUIDEntry *supported, unsigned count)
{
    for (int w = 0; w < FEAT_WORDS; w++) {
        uint32_t function, index, have = 0, want;
        char reg;

        x86_cpu_feature_word_leaf(w, &function, &index, &reg);
        if (e->function != function ||
            (e->index_significant && e->index != index)) {
            continue;
        }
        for (unsigned i = 0; i < count; i++) {
            CPUIDEntry s = supported[i];

            if (s.function == function &&
                (!s.index_significant || s.index == index)) {
                have = *cpuid_reg(&s, reg);
            }
        }
        /* a named model's own bits are requested too (QEMU's check=on) */
        want = spec->plus[w];
        if (spec->cpu->kind == X86_CPU_NAMED && w != FEAT_KVM) {
            want |= spec->cpu->features[w];
        }
        want &= ~spec->minus[w];
        for (unsigned bit = 0; bit < 32; bit++) {
            if ((want & (1u << bit)) && !(have & (1u << bit)) && !cpuid_quiet) {
                warn_report("host doesn't support requested feature: "
                            "CPUID.%02XH:%s.%s [bit %u]",
                            function,
                            reg == 'a'   ? "EAX"
                            : reg == 'b' ? "EBX"
                            : reg == 'c' ? "ECX"
                                         : "EDX",
                            x86_cpu_feature_name(w, bit), bit);
            }
        }
        *cpuid_reg(e, reg) |= spec->plus[w] & have;
        *cpuid_reg(e, reg) &= ~spec->minus[w];
    }
}

bool x86_cpu_build_cpuid(X86CPU *cpu, const char *model,
                         const CPUIDEntry *supported, unsigned count,
                         const CpuTopology *topo, unsigned smp_cpus,
                         GError **errp)
{
    X86CPUSpec spec;

    if (!x86_cpu_spec_parse(model, &spec, errp)) {
        return false;
    }
    if (!cpuid_supported && count) {
        cpuid_supported = g_array_new(false, false, sizeof(CPUIDEntry));
        g_array_append_vals(cpuid_supported, supported, count);
    }
    if (cpu->cpuid) {
        g_array_unref(cpu->cpuid);
    }
    cpu->cpuid = g_array_new(false, false, sizeof(CPUIDEntry));
    for (unsigned i = 0; i < count; i++) {
        CPUIDEntry e = supported[i];

        if (spec.cpu->kind == X86_CPU_BASELINE) {
            cpuid_mask_baseline(&e);
        } else if (spec.cpu->kind == X86_CPU_NAMED && !cpuid_named(&spec, &e)) {
            continue;
        }
        cpuid_apply_flags(&spec, &e, supported, count);
        if (e.function == 1) {
            e.ecx |= 1u << 31; /* running under a hypervisor */
        }
        if (e.function == 0x80000001 && spec.cpu->kind == X86_CPU_NAMED &&
            spec.cpu->vendor && !strcmp(spec.cpu->vendor, "AuthenticAMD")) {
            const CPUIDEntry *l1 = NULL;

            for (unsigned j = 0; j < cpu->cpuid->len; j++) {
                CPUIDEntry *p = &g_array_index(cpu->cpuid, CPUIDEntry, j);

                l1 = p->function == 1 ? p : l1;
            }
            /* AMD repeats most of leaf 1 EDX here. */
            if (l1) {
                e.edx =
                    (e.edx & ~AMD_EDX_ALIASES) | (l1->edx & AMD_EDX_ALIASES);
            }
        }
        cpuid_shape_topology(cpu, &e, topo);
        g_array_append_val(cpu->cpuid, e);
    }
    x86_cpu_spec_clear(&spec);
    return true;
}

/* ---- register dump ("info registers", error reports) --------------------- */

#define EFLAGS_CF (1u << 0)
#define EFLAGS_PF (1u << 2)
#define EFLAGS_AF (1u << 4)
#define EFLAGS_ZF (1u << 6)
#define EFLAGS_SF (1u << 7)
#define EFLAGS_DF (1u << 10)
#define EFLAGS_OF (1u << 11)
#define EFLAGS_VM (1u << 17)

/* The attribute bits of a descriptor's high dword (SDM vol. 3, 3.4.5). */
static uint32_t segment_attributes(const SegmentCache *s)
{
    bool present = s->present && !s->unusable;

    return (uint32_t)(s->type & 0xf) << 8 | (uint32_t)(s->s & 1) << 12 |
           (uint32_t)(s->dpl & 3) << 13 | (uint32_t)present << 15 |
           (uint32_t)(s->avl & 1) << 20 | (uint32_t)(s->l & 1) << 21 |
           (uint32_t)(s->db & 1) << 22 | (uint32_t)(s->g & 1) << 23;
}

static void dump_segment(const CPUX86State *env, GString *out, const char *name,
                         const SegmentCache *s, bool wide)
{
    static const char *const system_types[2][16] = {
        {"Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate",
         "IntGate16", "TrapGate16", "Reserved", "TSS32-avl", "Reserved",
         "TSS32-busy", "CallGate32", "Reserved", "IntGate32", "TrapGate32"},
        {"<hiword>", "Reserved", "LDT", "Reserved", "Reserved", "Reserved",
         "Reserved", "Reserved", "Reserved", "TSS64-avl", "Reserved",
         "TSS64-busy", "CallGate64", "Reserved", "IntGate64", "TrapGate64"},
    };
    bool long_mode = env->efer & EFER_LMA;
    uint32_t attributes = segment_attributes(s);

    if (wide) {
        g_string_append_printf(out, "%-3s=%04x %016" PRIx64 " %08x %08x", name,
                               s->selector, s->base, s->limit, attributes);
    } else {
        g_string_append_printf(out, "%-3s=%04x %08x %08x %08x", name,
                               s->selector, (uint32_t)s->base, s->limit,
                               attributes);
    }
    if ((env->cr0 & CR0_PE) && (attributes & (1u << 15))) {
        g_string_append_printf(out, " DPL=%d ", s->dpl & 3);
        if (!s->s) {
            g_string_append(out, system_types[long_mode][s->type & 0xf]);
        } else if (s->type & 8) { /* code */
            g_string_append_printf(out, "%s [%c%c%c]",
                                   s->l    ? "CS64"
                                   : s->db ? "CS32"
                                           : "CS16",
                                   s->type & 4 ? 'C' : '-',
                                   s->type & 2 ? 'R' : '-',
                                   s->type & 1 ? 'A' : '-');
        } else {
            g_string_append_printf(
                out, "%s [%c%c%c]", s->db || long_mode ? "DS  " : "DS16",
                s->type & 4 ? 'E' : '-', s->type & 2 ? 'W' : '-',
                s->type & 1 ? 'A' : '-');
        }
    }
    g_string_append_c(out, '\n');
}

void x86_cpu_dump_state(X86CPU *cpu, GString *out)
{
    static const char *const seg_names[X86_SEG_COUNT] = {"ES", "CS", "SS",
                                                         "DS", "FS", "GS"};
    const CPUX86State *env = &cpu->env;
    bool long_mode = env->efer & EFER_LMA;
    bool code64 = long_mode && env->segs[R_CS].l;
    uint32_t fl = env->rflags;
    int cpl = !(env->cr0 & CR0_PE) ? 0
              : (fl & EFLAGS_VM)   ? 3
                                   : env->segs[R_SS].dpl & 3;
    char flags[8] = {
        fl & EFLAGS_DF ? 'D' : '-', fl & EFLAGS_OF ? 'O' : '-',
        fl & EFLAGS_SF ? 'S' : '-', fl & EFLAGS_ZF ? 'Z' : '-',
        fl & EFLAGS_AF ? 'A' : '-', fl & EFLAGS_PF ? 'P' : '-',
        fl & EFLAGS_CF ? 'C' : '-', '\0',
    };

    if (code64) {
        static const char *const names[16] = {
            "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
            "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15"};
        static const int order[16] = {R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI,
                                      R_EBP, R_ESP, 8,     9,     10,    11,
                                      12,    13,    14,    15};

        for (int i = 0; i < 16; i++) {
            g_string_append_printf(out, "%s=%016" PRIx64 "%c", names[i],
                                   env->regs[order[i]],
                                   i % 4 == 3 ? '\n' : ' ');
        }
        g_string_append_printf(out, "RIP=%016" PRIx64 " RFL=%08x [%s] CPL=%d\n",
                               env->rip, fl, flags, cpl);
    } else {
        g_string_append_printf(
            out,
            "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n"
            "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n"
            "EIP=%08x EFL=%08x [%s] CPL=%d\n",
            (uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_EBX],
            (uint32_t)env->regs[R_ECX], (uint32_t)env->regs[R_EDX],
            (uint32_t)env->regs[R_ESI], (uint32_t)env->regs[R_EDI],
            (uint32_t)env->regs[R_EBP], (uint32_t)env->regs[R_ESP],
            (uint32_t)env->rip, fl, flags, cpl);
    }
    for (int i = 0; i < X86_SEG_COUNT; i++) {
        dump_segment(env, out, seg_names[i], &env->segs[i], code64);
    }
    dump_segment(env, out, "LDT", &env->ldt, code64);
    dump_segment(env, out, "TR", &env->tr, code64);
    if (long_mode) {
        g_string_append_printf(
            out,
            "GDT=     %016" PRIx64 " %08x\n"
            "IDT=     %016" PRIx64 " %08x\n"
            "CR0=%08x CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08x\n",
            env->gdt.base, env->gdt.limit, env->idt.base, env->idt.limit,
            (uint32_t)env->cr0, env->cr2, env->cr3, (uint32_t)env->cr4);
    } else {
        g_string_append_printf(out,
                               "GDT=     %08x %08x\n"
                               "IDT=     %08x %08x\n"
                               "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n",
                               (uint32_t)env->gdt.base, env->gdt.limit,
                               (uint32_t)env->idt.base, env->idt.limit,
                               (uint32_t)env->cr0, (uint32_t)env->cr2,
                               (uint32_t)env->cr3, (uint32_t)env->cr4);
    }
    g_string_append_printf(out, "EFER=%016" PRIx64 "\n", env->efer);
}

/* ---- page walk (monitor "x", "gva2gpa", "memsave") ----------------------- */

#define CR4_PSE (1u << 4)
#define CR4_LA57 (1u << 12)
#define PTE_PRESENT (1u << 0)
#define PTE_PS (1u << 7)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

static bool page_entry_read(AddressSpace *as, uint64_t addr, unsigned size,
                            uint64_t *entry)
{
    return address_space_ld(as, addr, size, entry) == MEMTX_OK &&
           (*entry & PTE_PRESENT);
}

bool x86_cpu_translate(X86CPU *cpu, AddressSpace *as, uint64_t linear,
                       uint64_t *physical)
{
    const CPUX86State *env = &cpu->env;
    uint64_t entry, table;
    int level;

    if (!(env->cr0 & CR0_PG)) {
        *physical = linear;
        return true;
    }
    if (!(env->cr4 & CR4_PAE)) {
        /* 32-bit paging: 4 KiB pages, or 4 MiB ones with PSE (PSE-36). */
        linear &= 0xffffffff;
        if (!page_entry_read(as, (env->cr3 & 0xfffff000) + (linear >> 22) * 4,
                             4, &entry)) {
            return false;
        }
        if ((entry & PTE_PS) && (env->cr4 & CR4_PSE)) {
            *physical = (entry & 0xffc00000) | (entry & 0x1fe000ull) << 19 |
                        (linear & 0x3fffff);
            return true;
        }
        if (!page_entry_read(
                as, (entry & 0xfffff000) + ((linear >> 12) & 0x3ff) * 4, 4,
                &entry)) {
            return false;
        }
        *physical = (entry & 0xfffff000) | (linear & 0xfff);
        return true;
    }
    if (env->efer & EFER_LMA) {
        level = env->cr4 & CR4_LA57 ? 5 : 4;
        table = env->cr3 & PTE_ADDR_MASK;
    } else {
        /* PAE: four PDPTEs select the page directory. */
        linear &= 0xffffffff;
        if (!page_entry_read(as, (env->cr3 & 0xffffffe0) + (linear >> 30) * 8,
                             8, &entry)) {
            return false;
        }
        level = 2;
        table = entry & PTE_ADDR_MASK;
    }
    for (; level > 0; level--) {
        unsigned shift = 12 + 9 * (level - 1);

        if (!page_entry_read(as, table + ((linear >> shift) & 0x1ff) * 8, 8,
                             &entry)) {
            return false;
        }
        /* A large page: 2 MiB at level 2, 1 GiB at level 3. */
        if (level == 1 || ((level == 2 || level == 3) && (entry & PTE_PS))) {
            uint64_t offset_mask = (1ull << shift) - 1;

            *physical =
                (entry & PTE_ADDR_MASK & ~offset_mask) | (linear & offset_mask);
            return true;
        }
        table = entry & PTE_ADDR_MASK;
    }
    return false;
}

/* ---- QMP ------------------------------------------------------------------
 */

/* QMP's query-cpu-definitions: QEMU's CpuDefinitionInfo for each model. */
static JsonNode *qmp_query_cpu_definitions(JsonObject *args, GError **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    const X86CPUModel *m;

    for (unsigned i = 0; (m = x86_cpu_model_at(i)); i++) {
        JsonObject *def = json_object_new();
        g_autofree char *type = g_strdup_printf("%s-x86_64-cpu", m->name);

        json_object_set_string_member(def, "name", m->name);
        json_object_set_string_member(def, "typename", type);
        /* host and max follow the host: not migration-safe, as in QEMU */
        json_object_set_boolean_member(def, "migration-safe",
                                       m->kind != X86_CPU_PASSTHROUGH);
        json_object_set_boolean_member(def, "static", false);
        json_object_set_array_member(def, "unavailable-features",
                                     json_array_new());
        json_object_set_boolean_member(def, "deprecated", false);
        json_array_add_object_element(list, def);
    }
    json_node_take_array(node, list);
    return node;
}

JsonObject *x86_cpu_model_expand(const char *spec, bool full,
                                 const CPUIDEntry *supported, unsigned count,
                                 GError **errp)
{
    CpuTopology topo = {1, 1, 1};
    X86CPU cpu = {0};
    JsonObject *model, *props;
    const CPUIDEntry *e;
    g_autofree char *name = g_strndup(spec, strcspn(spec, ","));
    char vendor[13] = {0};
    bool ok;

    cpuid_quiet = true;
    ok = x86_cpu_build_cpuid(&cpu, spec, supported, count, &topo, 1, errp);
    cpuid_quiet = false;
    if (!ok) {
        return NULL;
    }
    props = json_object_new();
    for (int w = 0; w < FEAT_WORDS; w++) {
        uint32_t function, index, value = 0;
        char reg;

        x86_cpu_feature_word_leaf(w, &function, &index, &reg);
        e = x86_cpu_cpuid_find(&cpu, function, index);
        if (e) {
            CPUIDEntry copy = *e;

            value = *cpuid_reg(&copy, reg);
        }
        for (unsigned bit = 0; bit < 32; bit++) {
            const char *f = x86_cpu_feature_name(w, bit);

            if (f) {
                json_object_set_boolean_member(props, f, value & (1u << bit));
            }
        }
    }
    e = x86_cpu_cpuid_find(&cpu, 0, 0);
    if (e) {
        memcpy(vendor, &e->ebx, 4);
        memcpy(vendor + 4, &e->edx, 4);
        memcpy(vendor + 8, &e->ecx, 4);
        json_object_set_string_member(props, "vendor", vendor);
        json_object_set_int_member(props, "level", e->eax);
    }
    e = x86_cpu_cpuid_find(&cpu, 1, 0);
    if (e) {
        uint32_t eax = e->eax;
        unsigned family = (eax >> 8) & 0xf, m = (eax >> 4) & 0xf;

        if (family == 0xf) {
            family += (eax >> 20) & 0xff;
        }
        if (family == 6 || family >= 0xf) {
            m |= ((eax >> 16) & 0xf) << 4;
        }
        json_object_set_int_member(props, "family", family);
        json_object_set_int_member(props, "model", m);
        json_object_set_int_member(props, "stepping", eax & 0xf);
    }
    e = x86_cpu_cpuid_find(&cpu, 0x80000000, 0);
    if (e) {
        json_object_set_int_member(props, "xlevel", e->eax);
    }
    g_array_unref(cpu.cpuid);
    model = json_object_new();
    /* static: the same bits as properties of "base", as QEMU expands */
    json_object_set_string_member(model, "name", full ? name : "base");
    json_object_set_object_member(model, "props", props);
    return model;
}

/*
 * QMP's query-cpu-model-expansion: type static or full, model {name,
 * props}: the model's CPUID words, as the vCPUs of this accelerator would
 * get them, as properties.
 */
static JsonNode *qmp_query_cpu_model_expansion(JsonObject *args, GError **errp)
{
    const char *type = json_object_get_string_member(args, "type");
    JsonObject *in = json_object_get_object_member(args, "model");
    g_autoptr(GString) spec = g_string_new(NULL);
    JsonObject *result, *model;
    JsonNode *node;

    if (strcmp(type, "static") && strcmp(type, "full")) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "Parameter 'type' does not accept value '%s'", type);
        return NULL;
    }
    if (!in || !json_object_has_member(in, "name")) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "Parameter 'model.name' is missing");
        return NULL;
    }
    if (!cpuid_supported) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "CPU model expansion is not supported by this "
                    "accelerator");
        return NULL;
    }
    g_string_append(spec, json_object_get_string_member(in, "name"));
    if (json_object_has_member(in, "props")) {
        JsonObject *p = json_object_get_object_member(in, "props");
        g_autoptr(GList) keys = p ? json_object_get_members(p) : NULL;

        for (GList *k = keys; k; k = k->next) {
            JsonNode *v = json_object_get_member(p, k->data);

            if (!JSON_NODE_HOLDS_VALUE(v)) {
                continue;
            }
            if (json_node_get_value_type(v) == G_TYPE_BOOLEAN) {
                g_string_append_printf(spec, ",%s=%s", (char *)k->data,
                                       json_node_get_boolean(v) ? "on" : "off");
            } else if (json_node_get_value_type(v) == G_TYPE_INT64) {
                g_string_append_printf(spec, ",%s=%" G_GINT64_FORMAT,
                                       (char *)k->data, json_node_get_int(v));
            } else if (json_node_get_value_type(v) == G_TYPE_STRING) {
                g_string_append_printf(spec, ",%s=%s", (char *)k->data,
                                       json_node_get_string(v));
            }
        }
    }
    model = x86_cpu_model_expand(spec->str, !strcmp(type, "full"),
                                 (const CPUIDEntry *)cpuid_supported->data,
                                 cpuid_supported->len, errp);
    if (!model) {
        return NULL;
    }
    result = json_object_new();
    json_object_set_object_member(result, "model", model);
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, result);
    return node;
}

static const QmpMember cpu_model_expansion_args[] = {
    {"type", "CpuModelExpansionType"}, {"model", "CpuModelInfo"}, {NULL}};

static const QmpCommandDef cpu_qmp_commands[] = {
    {"query-cpu-definitions", qmp_query_cpu_definitions, NULL,
     "[CpuDefinitionInfo]"},
    {"query-cpu-model-expansion", qmp_query_cpu_model_expansion,
     cpu_model_expansion_args, "CpuModelExpansionInfo"},
    {NULL},
};

static void cpu_qmp_register(void)
{
    qmp_register_commands(cpu_qmp_commands);
}
qmp_init(cpu_qmp_register)
