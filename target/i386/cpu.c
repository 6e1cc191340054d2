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

#include "target/i386/cpu.h"
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

static void segment_set_flat(SegmentCache *seg, uint16_t selector,
                             uint8_t type)
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

/* ---- CPUID ----------------------------------------------------------- */

/* Leaf 1 EDX/ECX and 0x80000001 EDX/ECX bits of the qemu64 baseline. */
#define QEMU64_1_EDX 0x0783fbff   /* fpu..pse36, clflush, mmx, fxsr, sse, sse2 */
#define QEMU64_1_ECX 0x80802001u  /* sse3, cx16, (popcnt off), hypervisor */
#define QEMU64_81_EDX 0x20100800  /* syscall, nx, lm */
#define QEMU64_81_ECX 0x00000001  /* lahf_lm */
#define CPUID_EXT_X2APIC (1u << 21)

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

static const struct {
    const char *name;
    const char *description;
    bool passthrough;
} cpu_models[] = {
    {"host", "processor with all supported host features", true},
    {"max", "enables all features supported by the accelerator", true},
    {"qemu64", "a conservative 64-bit baseline (default)", false},
    {"kvm64", "a conservative 64-bit baseline", false},
};

bool x86_cpu_model_exists(const char *model)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cpu_models); i++) {
        if (!strcmp(cpu_models[i].name, model)) {
            return true;
        }
    }
    return false;
}

void x86_cpu_print_models(FILE *out)
{
    fprintf(out, "Available CPUs:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(cpu_models); i++) {
        fprintf(out, "x86 %-10s %s\n", cpu_models[i].name,
                cpu_models[i].description);
    }
}

static unsigned bits_for(unsigned count)
{
    unsigned bits = 0;

    while ((1u << bits) < count) {
        bits++;
    }
    return bits;
}

uint32_t x86_apic_id_from_index(const X86CPUTopology *topo, unsigned index)
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
                                 const X86CPUTopology *topo)
{
    unsigned per_socket = topo->cores * topo->threads;

    switch (e->function) {
    case 1:
        e->ebx = (e->ebx & 0x0000ffff) | (cpu->apic_id << 24) |
                 (MIN(per_socket, 255u) << 16);
        if (per_socket > 1) {
            e->edx |= 1u << 28; /* HTT: several logical CPUs per package */
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
        /* AMD: number of threads in the package - 1. */
        e->ecx = (e->ecx & ~0xffu) | (per_socket - 1);
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

bool x86_cpu_build_cpuid(X86CPU *cpu, const char *model,
                         const CPUIDEntry *supported, unsigned count,
                         const X86CPUTopology *topo, unsigned smp_cpus,
                         GError **errp)
{
    bool passthrough = false;
    bool found = false;

    for (size_t i = 0; i < G_N_ELEMENTS(cpu_models); i++) {
        if (!strcmp(cpu_models[i].name, model)) {
            passthrough = cpu_models[i].passthrough;
            found = true;
        }
    }
    if (!found) {
        return error_setg(errp, "unable to find CPU model '%s'", model);
    }
    if (cpu->cpuid) {
        g_array_unref(cpu->cpuid);
    }
    cpu->cpuid = g_array_new(false, false, sizeof(CPUIDEntry));
    for (unsigned i = 0; i < count; i++) {
        CPUIDEntry e = supported[i];

        if (!passthrough) {
            cpuid_mask_baseline(&e);
        }
        if (e.function == 1) {
            e.ecx |= 1u << 31; /* running under a hypervisor */
        }
        cpuid_shape_topology(cpu, &e, topo);
        g_array_append_val(cpu->cpuid, e);
    }
    return true;
}
