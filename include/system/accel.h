/*
 * The accelerator interface: what runs the vCPUs (kvm) or stands in for them
 * (qtest). The machine asks it for interrupt controllers and vCPUs; the run
 * state asks it to pause, resume and reset them.
 */
#ifndef SYSTEM_ACCEL_H
#define SYSTEM_ACCEL_H

#include <glib.h>
#include <stdbool.h>

#include "hw/core/machine.h"

typedef struct AccelOps {
    const char *name;
    /* Opens the accelerator; fails when it is not available here. */
    bool (*init)(MachineState *ms, GError **errp);
    /* The CPUID leaves the vCPUs can have (g_free the array). */
    CPUIDEntry *(*supported_cpuid)(unsigned *count);
    /* Creates the interrupt controllers and fills ms->gsi. */
    bool (*irqchip_create)(MachineState *ms, GError **errp);
    /* Creates the vCPUs (stopped) once the machine is built. */
    bool (*vcpus_create)(MachineState *ms, GError **errp);
    void (*vcpus_pause)(void);
    void (*vcpus_resume)(void);
    /* Resets interrupt controllers and per-vCPU accelerator state. */
    void (*reset)(MachineState *ms);
    /* Delivers a message-signalled interrupt. */
    void (*send_msi)(uint64_t address, uint32_t data);
    /* Routes an MSI message to a new GSI for irqfd; the GSI or -errno. */
    int (*msi_route_add)(uint64_t address, uint32_t data);
    void (*msi_route_release)(int gsi);
    /* Signals on notifier then inject gsi without a trip through pcvm. */
    bool (*irqfd_set)(EventNotifier *notifier, int gsi, bool assign,
                      GError **errp);
    /* Copies the vCPU registers out into cpu->env (for info registers). */
    void (*vcpu_sync_state)(X86CPU *cpu);
    /* The host thread id (gettid()) running cpu (query-cpus-fast). */
    int (*vcpu_thread_id)(X86CPU *cpu);
} AccelOps;

/* Also registers the QOM type "NAME-accel" (parent "accel"). */
void accel_register(const AccelOps *ops);
const AccelOps *accel_find(const char *name);
/* The accelerator in use, once selected. */
const AccelOps *accel_current(void);
void accel_set_current(const AccelOps *ops);
/* The host thread id of cpu's vCPU thread (the main thread's if none). */
int accel_vcpu_thread_id(X86CPU *cpu);

#endif
