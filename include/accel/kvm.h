/*
 * KVM accelerator internals shared between accel/kvm (VM, memory slots,
 * vCPU threads, interrupts) and target/i386/kvm.c (x86 register state).
 * Only the accelerator and the x86 target include this header.
 */
#ifndef ACCEL_KVM_H
#define ACCEL_KVM_H

#include <linux/kvm.h>
#include <pthread.h>

#include "hw/core/machine.h"

typedef struct KVMState {
    int fd; /* /dev/kvm */
    int vm_fd;
    int vcpu_mmap_size;
    int max_vcpus;
    bool readonly_mem;
    /* Coalesced MMIO: the ring's page in the vCPU mapping (0: none). */
    int coalesced_page;
    bool coalesced_pio;
    struct kvm_coalesced_mmio_ring *coalesced_ring;
    struct kvm_cpuid2 *supported_cpuid;
    struct kvm_msr_list *msr_list;
    MachineState *machine;
} KVMState;

typedef struct KVMVCPU {
    X86CPU *cpu;
    int fd;
    struct kvm_run *run;
    GThread *thread;
    pthread_t tid;
    int thread_id; /* the host's id of the thread (gettid), for info cpus */
    bool created;
    bool stop;    /* requested by the main loop */
    bool stopped; /* acknowledged by the vCPU thread */
} KVMVCPU;

extern KVMState *kvm_state;

/* Thin ioctl wrappers that return -errno on failure. */
int kvm_ioctl(int request, void *arg);
int kvm_vm_ioctl(unsigned long request, void *arg);
int kvm_vcpu_ioctl(KVMVCPU *vcpu, unsigned long request, void *arg);
bool kvm_has_msr(uint32_t index);

/* target/i386/kvm.c */
bool kvm_arch_vcpu_init(KVMVCPU *vcpu, GError **errp);
/* Writes cpu->env, MSRs, FPU, LAPIC and MP state after a reset or boot. */
int kvm_arch_put_state(KVMVCPU *vcpu);
int kvm_arch_get_registers(KVMVCPU *vcpu);
/* One line per register group, for error reports and "info registers". */
void kvm_arch_dump_state(KVMVCPU *vcpu, GString *out);
/* The guest-physical address of the instruction at RIP, or -1. */
int64_t kvm_arch_rip_physical(KVMVCPU *vcpu, uint64_t *rip);
bool kvm_arch_irqchip_create(KVMState *s, GError **errp);
/* KVM_REINJECT_CONTROL: the in-kernel PIT injects missed ticks late or not. */
bool kvm_arch_pit_set_reinject(bool reinject, GError **errp);
void kvm_arch_irqchip_reset(KVMState *s);

/* ioeventfd and irqfd plumbing for virtio and friends. */
int kvm_set_ioeventfd(int fd, uint64_t addr, unsigned size, bool pio,
                      bool datamatch, uint64_t data, bool assign);
int kvm_set_irqfd(int fd, int resample_fd, unsigned gsi, bool assign);
/* Adds an MSI route and returns its GSI (for irqfd), or -errno. */
int kvm_irqchip_add_msi_route(uint64_t address, uint32_t data);
void kvm_irqchip_release_route(int gsi);

#endif
