/*
 * x86 specifics of the KVM accelerator: CPUID, register, MSR, FPU and local
 * APIC state, and the in-kernel 8259/IOAPIC/PIT.
 *
 * Reset values: Intel SDM vol. 3 9.1.1 (registers, MSRs), 10.4.7.1 (local
 * APIC after reset), 82093AA datasheet (IOAPIC redirection entries masked).
 */
#include <string.h>

#include "accel/kvm.h"
#include "target/i386/cpu.h"
#include "util/error.h"
#include "util/log.h"

#define MSR_IA32_TSC 0x10
#define MSR_IA32_APICBASE 0x1b
#define MSR_IA32_APICBASE_BSP (1u << 8)
#define MSR_IA32_APICBASE_ENABLE (1u << 11)
#define APIC_DEFAULT_ADDRESS 0xfee00000u
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_MISC_ENABLE_FAST_STRING 1
#define MSR_IA32_CR_PAT 0x277
#define MSR_PAT_RESET 0x0007040600070406ull
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_KVM_WALL_CLOCK 0x11
#define MSR_KVM_SYSTEM_TIME 0x12
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_ASYNC_PF_EN 0x4b564d02
#define MSR_KVM_STEAL_TIME 0x4b564d03
#define MSR_KVM_PV_EOI_EN 0x4b564d04

/* Local APIC register offsets (xAPIC MMIO layout, as KVM_GET_LAPIC uses). */
#define APIC_ID 0x20
#define APIC_LVR 0x30
#define APIC_DFR 0xe0
#define APIC_SPIV 0xf0
#define APIC_LVTT 0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC 0x340
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVTERR 0x370
#define APIC_LVT_MASKED (1u << 16)
#define APIC_DM_NMI 0x400
#define APIC_DM_EXTINT 0x700

bool kvm_arch_vcpu_init(KVMVCPU *vcpu, GError **errp)
{
    GArray *entries = vcpu->cpu->cpuid;
    struct kvm_cpuid2 *cpuid =
        g_malloc0(sizeof(*cpuid) + entries->len * sizeof(cpuid->entries[0]));
    int ret;

    cpuid->nent = entries->len;
    for (unsigned i = 0; i < entries->len; i++) {
        CPUIDEntry *e = &g_array_index(entries, CPUIDEntry, i);
        struct kvm_cpuid_entry2 *k = &cpuid->entries[i];

        k->function = e->function;
        k->index = e->index;
        k->flags = e->index_significant ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
        k->eax = e->eax;
        k->ebx = e->ebx;
        k->ecx = e->ecx;
        k->edx = e->edx;
    }
    ret = kvm_vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid);
    g_free(cpuid);
    if (ret < 0) {
        return error_setg(errp, "KVM: cannot set CPUID of vCPU %d: %s",
                          vcpu->cpu->index, g_strerror(-ret));
    }
    return true;
}

static void segment_to_kvm(const SegmentCache *seg, struct kvm_segment *k)
{
    memset(k, 0, sizeof(*k));
    k->base = seg->base;
    k->limit = seg->limit;
    k->selector = seg->selector;
    k->type = seg->type;
    k->present = seg->present;
    k->dpl = seg->dpl;
    k->db = seg->db;
    k->s = seg->s;
    k->l = seg->l;
    k->g = seg->g;
    k->avl = seg->avl;
    k->unusable = seg->unusable || !seg->present;
}

static void segment_from_kvm(const struct kvm_segment *k, SegmentCache *seg)
{
    seg->base = k->base;
    seg->limit = k->limit;
    seg->selector = k->selector;
    seg->type = k->type;
    seg->present = k->present;
    seg->dpl = k->dpl;
    seg->db = k->db;
    seg->s = k->s;
    seg->l = k->l;
    seg->g = k->g;
    seg->avl = k->avl;
    seg->unusable = k->unusable;
}

static int put_registers(KVMVCPU *vcpu)
{
    CPUX86State *env = &vcpu->cpu->env;
    struct kvm_regs regs = {
        .rax = env->regs[R_EAX],
        .rbx = env->regs[R_EBX],
        .rcx = env->regs[R_ECX],
        .rdx = env->regs[R_EDX],
        .rsi = env->regs[R_ESI],
        .rdi = env->regs[R_EDI],
        .rsp = env->regs[R_ESP],
        .rbp = env->regs[R_EBP],
        .r8 = env->regs[8],
        .r9 = env->regs[9],
        .r10 = env->regs[10],
        .r11 = env->regs[11],
        .r12 = env->regs[12],
        .r13 = env->regs[13],
        .r14 = env->regs[14],
        .r15 = env->regs[15],
        .rip = env->rip,
        .rflags = env->rflags,
    };
    struct kvm_sregs sregs;
    int ret;

    ret = kvm_vcpu_ioctl(vcpu, KVM_SET_REGS, &regs);
    if (ret < 0) {
        return ret;
    }
    memset(&sregs, 0, sizeof(sregs));
    segment_to_kvm(&env->segs[R_CS], &sregs.cs);
    segment_to_kvm(&env->segs[R_DS], &sregs.ds);
    segment_to_kvm(&env->segs[R_ES], &sregs.es);
    segment_to_kvm(&env->segs[R_FS], &sregs.fs);
    segment_to_kvm(&env->segs[R_GS], &sregs.gs);
    segment_to_kvm(&env->segs[R_SS], &sregs.ss);
    segment_to_kvm(&env->tr, &sregs.tr);
    segment_to_kvm(&env->ldt, &sregs.ldt);
    sregs.gdt.base = env->gdt.base;
    sregs.gdt.limit = env->gdt.limit;
    sregs.idt.base = env->idt.base;
    sregs.idt.limit = env->idt.limit;
    sregs.cr0 = env->cr0;
    sregs.cr2 = env->cr2;
    sregs.cr3 = env->cr3;
    sregs.cr4 = env->cr4;
    sregs.cr8 = env->cr8;
    sregs.efer = env->efer;
    sregs.apic_base = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE |
                      (vcpu->cpu->is_bsp ? MSR_IA32_APICBASE_BSP : 0);
    return kvm_vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs);
}

static int put_msrs(KVMVCPU *vcpu)
{
    static const struct {
        uint32_t index;
        uint64_t value;
    } reset_msrs[] = {
        {MSR_IA32_TSC, 0},
        {MSR_IA32_SYSENTER_CS, 0},
        {MSR_IA32_SYSENTER_ESP, 0},
        {MSR_IA32_SYSENTER_EIP, 0},
        {MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE_FAST_STRING},
        {MSR_IA32_CR_PAT, MSR_PAT_RESET},
        {MSR_STAR, 0},
        {MSR_LSTAR, 0},
        {MSR_CSTAR, 0},
        {MSR_FMASK, 0},
        {MSR_KERNEL_GS_BASE, 0},
        {MSR_KVM_WALL_CLOCK, 0},
        {MSR_KVM_SYSTEM_TIME, 0},
        {MSR_KVM_WALL_CLOCK_NEW, 0},
        {MSR_KVM_SYSTEM_TIME_NEW, 0},
        {MSR_KVM_ASYNC_PF_EN, 0},
        {MSR_KVM_STEAL_TIME, 0},
        {MSR_KVM_PV_EOI_EN, 0},
    };
    struct {
        struct kvm_msrs header;
        struct kvm_msr_entry entries[G_N_ELEMENTS(reset_msrs)];
    } msrs;
    unsigned n = 0;
    int ret;

    memset(&msrs, 0, sizeof(msrs));
    for (size_t i = 0; i < G_N_ELEMENTS(reset_msrs); i++) {
        if (kvm_has_msr(reset_msrs[i].index)) {
            msrs.entries[n].index = reset_msrs[i].index;
            msrs.entries[n].data = reset_msrs[i].value;
            n++;
        }
    }
    msrs.header.nmsrs = n;
    ret = kvm_vcpu_ioctl(vcpu, KVM_SET_MSRS, &msrs);
    return ret < 0 ? ret : 0;
}

static int put_fpu(KVMVCPU *vcpu)
{
    struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};
    struct kvm_xcrs xcrs = {.nr_xcrs = 1, .xcrs[0] = {.xcr = 0, .value = 1}};
    int ret = kvm_vcpu_ioctl(vcpu, KVM_SET_FPU, &fpu);

    if (ret < 0) {
        return ret;
    }
    /* XCR0 back to x87 only; ignore hosts without XSAVE support. */
    kvm_vcpu_ioctl(vcpu, KVM_SET_XCRS, &xcrs);
    return 0;
}

static void lapic_set_reg(struct kvm_lapic_state *lapic, unsigned offset,
                          uint32_t value)
{
    memcpy(&lapic->regs[offset], &value, sizeof(value));
}

static uint32_t lapic_get_reg(struct kvm_lapic_state *lapic, unsigned offset)
{
    uint32_t value;

    memcpy(&value, &lapic->regs[offset], sizeof(value));
    return value;
}

static int put_lapic(KVMVCPU *vcpu)
{
    struct kvm_lapic_state lapic;
    uint32_t version;
    int ret = kvm_vcpu_ioctl(vcpu, KVM_GET_LAPIC, &lapic);

    if (ret < 0) {
        return ret;
    }
    version = lapic_get_reg(&lapic, APIC_LVR);
    memset(&lapic, 0, sizeof(lapic));
    lapic_set_reg(&lapic, APIC_ID, vcpu->cpu->apic_id << 24);
    lapic_set_reg(&lapic, APIC_LVR, version);
    lapic_set_reg(&lapic, APIC_DFR, 0xffffffff);
    lapic_set_reg(&lapic, APIC_SPIV, 0xff);
    lapic_set_reg(&lapic, APIC_LVTT, APIC_LVT_MASKED);
    lapic_set_reg(&lapic, APIC_LVTTHMR, APIC_LVT_MASKED);
    lapic_set_reg(&lapic, APIC_LVTPC, APIC_LVT_MASKED);
    lapic_set_reg(&lapic, APIC_LVT0, APIC_LVT_MASKED);
    lapic_set_reg(&lapic, APIC_LVT1, APIC_LVT_MASKED);
    lapic_set_reg(&lapic, APIC_LVTERR, APIC_LVT_MASKED);
    if (vcpu->cpu->firmware_lapic) {
        /*
         * What PC firmware leaves behind and kernels entered directly
         * expect: the APIC software-enabled in virtual-wire mode, the 8259
         * on LINT0 and NMI on LINT1 (MP spec 3.6.2.2).
         */
        lapic_set_reg(&lapic, APIC_SPIV, 0x1ff);
        if (vcpu->cpu->is_bsp) {
            lapic_set_reg(&lapic, APIC_LVT0, APIC_DM_EXTINT);
        } else {
            lapic_set_reg(&lapic, APIC_LVT0, APIC_DM_EXTINT | APIC_LVT_MASKED);
        }
        lapic_set_reg(&lapic, APIC_LVT1, APIC_DM_NMI);
    }
    return kvm_vcpu_ioctl(vcpu, KVM_SET_LAPIC, &lapic);
}

int kvm_arch_put_state(KVMVCPU *vcpu)
{
    struct kvm_mp_state mp = {
        .mp_state = vcpu->cpu->is_bsp ? KVM_MP_STATE_RUNNABLE
                                      : KVM_MP_STATE_UNINITIALIZED,
    };
    int ret;

    if ((ret = put_registers(vcpu)) < 0 || (ret = put_msrs(vcpu)) < 0 ||
        (ret = put_fpu(vcpu)) < 0 || (ret = put_lapic(vcpu)) < 0) {
        return ret;
    }
    ret = kvm_vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp);
    if (ret >= 0 && log_enabled(LOG_CPU_RESET)) {
        g_autoptr(GString) dump = g_string_new(NULL);

        kvm_arch_dump_state(vcpu, dump);
        log_write("vCPU %d reset state:\n%s", vcpu->cpu->index, dump->str);
    }
    return ret < 0 ? ret : 0;
}

int kvm_arch_get_registers(KVMVCPU *vcpu)
{
    CPUX86State *env = &vcpu->cpu->env;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int ret;

    if ((ret = kvm_vcpu_ioctl(vcpu, KVM_GET_REGS, &regs)) < 0 ||
        (ret = kvm_vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs)) < 0) {
        return ret;
    }
    env->regs[R_EAX] = regs.rax;
    env->regs[R_EBX] = regs.rbx;
    env->regs[R_ECX] = regs.rcx;
    env->regs[R_EDX] = regs.rdx;
    env->regs[R_ESI] = regs.rsi;
    env->regs[R_EDI] = regs.rdi;
    env->regs[R_ESP] = regs.rsp;
    env->regs[R_EBP] = regs.rbp;
    env->regs[8] = regs.r8;
    env->regs[9] = regs.r9;
    env->regs[10] = regs.r10;
    env->regs[11] = regs.r11;
    env->regs[12] = regs.r12;
    env->regs[13] = regs.r13;
    env->regs[14] = regs.r14;
    env->regs[15] = regs.r15;
    env->rip = regs.rip;
    env->rflags = regs.rflags;
    segment_from_kvm(&sregs.cs, &env->segs[R_CS]);
    segment_from_kvm(&sregs.ds, &env->segs[R_DS]);
    segment_from_kvm(&sregs.es, &env->segs[R_ES]);
    segment_from_kvm(&sregs.fs, &env->segs[R_FS]);
    segment_from_kvm(&sregs.gs, &env->segs[R_GS]);
    segment_from_kvm(&sregs.ss, &env->segs[R_SS]);
    segment_from_kvm(&sregs.tr, &env->tr);
    segment_from_kvm(&sregs.ldt, &env->ldt);
    env->gdt.base = sregs.gdt.base;
    env->gdt.limit = sregs.gdt.limit;
    env->idt.base = sregs.idt.base;
    env->idt.limit = sregs.idt.limit;
    env->cr0 = sregs.cr0;
    env->cr2 = sregs.cr2;
    env->cr3 = sregs.cr3;
    env->cr4 = sregs.cr4;
    env->cr8 = sregs.cr8;
    env->efer = sregs.efer;
    return 0;
}

void kvm_arch_dump_state(KVMVCPU *vcpu, GString *out)
{
    if (kvm_arch_get_registers(vcpu) < 0) {
        g_string_append(out, "  (registers unavailable)\n");
        return;
    }
    x86_cpu_dump_state(vcpu->cpu, out);
}

int64_t kvm_arch_rip_physical(KVMVCPU *vcpu, uint64_t *rip)
{
    CPUX86State *env = &vcpu->cpu->env;
    struct kvm_translation tr;

    if (kvm_arch_get_registers(vcpu) < 0) {
        return -1;
    }
    *rip = env->rip;
    tr = (struct kvm_translation){
        .linear_address = env->segs[R_CS].base + env->rip,
    };
    if (!(env->cr0 & CR0_PG)) {
        return (int64_t)tr.linear_address;
    }
    if (kvm_vcpu_ioctl(vcpu, KVM_TRANSLATE, &tr) < 0 || !tr.valid) {
        return -1;
    }
    return (int64_t)tr.physical_address;
}

bool kvm_arch_pit_set_reinject(bool reinject, GError **errp)
{
    struct kvm_reinject_control control = {.pit_reinject = reinject};
    int ret = kvm_vm_ioctl(KVM_REINJECT_CONTROL, &control);

    if (ret < 0) {
        return error_setg(errp,
                          "KVM: cannot set the PIT's tick reinjection: %s",
                          g_strerror(-ret));
    }
    return true;
}

bool kvm_arch_irqchip_create(KVMState *s, GError **errp)
{
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    int ret = kvm_vm_ioctl(KVM_CREATE_IRQCHIP, NULL);

    if (ret < 0) {
        return error_setg(errp, "KVM: cannot create the in-kernel irqchip: %s",
                          g_strerror(-ret));
    }
    ret = kvm_vm_ioctl(KVM_CREATE_PIT2, &pit);
    if (ret < 0) {
        return error_setg(errp, "KVM: cannot create the in-kernel PIT: %s",
                          g_strerror(-ret));
    }
    return true;
}

void kvm_arch_irqchip_reset(KVMState *s)
{
    struct kvm_irqchip chip;
    struct kvm_pit_state2 pit;

    for (int id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_PIC_SLAVE; id++) {
        struct kvm_pic_state *pic = &chip.chip.pic;
        uint8_t elcr_mask;

        chip = (struct kvm_irqchip){.chip_id = id};
        if (kvm_vm_ioctl(KVM_GET_IRQCHIP, &chip) < 0) {
            continue;
        }
        elcr_mask = pic->elcr_mask;
        memset(pic, 0, sizeof(*pic));
        pic->elcr_mask = elcr_mask;
        kvm_vm_ioctl(KVM_SET_IRQCHIP, &chip);
    }
    chip = (struct kvm_irqchip){.chip_id = KVM_IRQCHIP_IOAPIC};
    if (kvm_vm_ioctl(KVM_GET_IRQCHIP, &chip) == 0) {
        struct kvm_ioapic_state *io = &chip.chip.ioapic;

        memset(io, 0, sizeof(*io));
        io->base_address = 0xfec00000;
        for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
            io->redirtbl[i].fields.mask = 1;
        }
        kvm_vm_ioctl(KVM_SET_IRQCHIP, &chip);
    }
    if (kvm_vm_ioctl(KVM_GET_PIT2, &pit) == 0) {
        memset(pit.channels, 0, sizeof(pit.channels));
        for (int i = 0; i < 3; i++) {
            /* No mode programmed yet: the counter does not run. */
            pit.channels[i].mode = 0xff;
            pit.channels[i].gate = i != 2;
        }
        kvm_vm_ioctl(KVM_SET_PIT2, &pit);
    }
}
