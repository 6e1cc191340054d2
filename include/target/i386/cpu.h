/*
 * x86 vCPU architectural state as the machine and boot loaders see it,
 * independent of the accelerator. The accelerator copies it into the vCPU
 * when state_dirty is set (reset, boot entry) and back when asked.
 */
#ifndef TARGET_I386_CPU_H
#define TARGET_I386_CPU_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <json-glib/json-glib.h>

#include "hw/core/cpu-topology.h"
#include "qom/object.h"

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, X86_SEG_COUNT };

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;
    uint8_t type, present, dpl, db, s, l, g, avl;
    bool unusable;
} SegmentCache;

typedef struct DescriptorTable {
    uint64_t base;
    uint16_t limit;
} DescriptorTable;

typedef struct CPUX86State {
    uint64_t regs[16];
    uint64_t rip, rflags;
    SegmentCache segs[X86_SEG_COUNT];
    SegmentCache ldt, tr;
    DescriptorTable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8, efer;
} CPUX86State;

typedef struct CPUIDEntry {
    uint32_t function, index;
    bool index_significant;
    uint32_t eax, ebx, ecx, edx;
} CPUIDEntry;

typedef struct X86CPU {
    Object parent_obj; /* "<model>-x86_64-cpu" at /machine/unattached */
    int index;
    uint32_t apic_id;
    bool is_bsp;
    CPUX86State env;
    bool state_dirty;    /* env must be written to the vCPU before it runs */
    bool firmware_lapic; /* program LINT0/LINT1 as firmware would */
    GArray *cpuid;       /* CPUIDEntry */
    void *accel;         /* the accelerator's per-vCPU data */
} X86CPU;

/* The architectural power-on state (real mode at F000:FFF0). */
void x86_cpu_reset_state(X86CPU *cpu);
/* Flat 32-bit protected mode, paging off: the entry state of boot protocols. */
void x86_cpu_set_flat_protected_mode(X86CPU *cpu, uint16_t code_selector,
                                     uint16_t data_selector, uint64_t gdt_base,
                                     uint16_t gdt_limit);

/*
 * Builds the CPUID table of a model from what the accelerator supports.
 * "host"/"max" expose everything supported; "qemu64" (the default) and
 * "kvm64" a conservative baseline. Fails for unknown models.
 */
bool x86_cpu_build_cpuid(X86CPU *cpu, const char *model,
                         const CPUIDEntry *supported, unsigned count,
                         const CpuTopology *topo, unsigned smp_cpus,
                         GError **errp);
const CPUIDEntry *x86_cpu_cpuid_find(X86CPU *cpu, uint32_t function,
                                     uint32_t index);
/*
 * QMP's CpuModelInfo for a -cpu spec on this supported table: {"name",
 * "props": every CPUID flag as a bool, vendor, family, model, stepping,
 * level, xlevel}; full keeps the model's name, static names "base".
 */
JsonObject *x86_cpu_model_expand(const char *spec, bool full,
                                 const CPUIDEntry *supported, unsigned count,
                                 GError **errp);
/*
 * Appends the registers in cpu->env as QEMU's "info registers" lays them
 * out: the 64-bit form when CS is a long-mode code segment, the 32-bit form
 * otherwise. Only state pcvm keeps is shown (no FPU, debug registers,
 * interrupt shadow or halt state).
 */
void x86_cpu_dump_state(X86CPU *cpu, GString *out);

/*
 * Translates a linear address through the page tables cpu->env describes
 * (no paging, 32-bit, PAE, 4- and 5-level), reading them from as. False
 * when a level is not present. Access rights are not checked.
 */
struct AddressSpace;
bool x86_cpu_translate(X86CPU *cpu, struct AddressSpace *as, uint64_t linear,
                       uint64_t *physical);

/* The list for "-cpu help". */
void x86_cpu_print_models(FILE *out);
bool x86_cpu_model_exists(const char *model);
/* Makes cpu an object of its model's type ("qemu64-x86_64-cpu"). */
void x86_cpu_object_init(X86CPU *cpu, const char *model);
/* The APIC id of CPU number index for a topology (threads, cores packed). */
uint32_t x86_apic_id_from_index(const CpuTopology *topo, unsigned index);

#endif
