/*
 * The accelerator interface: what runs the vCPUs (kvm) or stands in for them
 * (qtest). The machine asks it for interrupt controllers and vCPUs; the run
 * state asks it to pause, resume and reset them.
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include <glib.h>
#include <stdbool.h>

#include "hw/core/machine.h"

typedef struct AccelOps {
    const char *name;
    /*
     * What the board and its devices may use (hw/core/machine.h); start-up
     * hands it to the machine as ms->accel.
     */
    MachineAccelOps machine;
    /* Opens the accelerator; fails when it is not available here. */
    bool (*init)(MachineState *ms, GError **errp);
    /* Creates the vCPUs (stopped) once the machine is built. */
    bool (*vcpus_create)(MachineState *ms, GError **errp);
    void (*vcpus_pause)(void);
    void (*vcpus_resume)(void);
    /* Resets interrupt controllers and per-vCPU accelerator state. */
    void (*reset)(MachineState *ms);
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
