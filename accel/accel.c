/*
 * The accelerator registry. Each accelerator is also the QOM type
 * "NAME-accel" (QEMU's spelling: "kvm-accel", "qtest-accel").
 */
#include <string.h>
#include <unistd.h>

#include "qom/object.h"
#include "accel/accel.h"

static GPtrArray *accels;
static const AccelOps *current;

void accel_register(const AccelOps *ops)
{
    g_autofree char *type = g_strdup_printf("%s-accel", ops->name);

    if (!accels) {
        accels = g_ptr_array_new();
    }
    g_ptr_array_add(accels, (gpointer)ops);
    type_register_simple(type, "accel", false);
}

const AccelOps *accel_find(const char *name)
{
    for (unsigned i = 0; accels && i < accels->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accels, i);

        if (!strcmp(ops->name, name)) {
            return ops;
        }
    }
    return NULL;
}

const AccelOps *accel_current(void)
{
    return current;
}

void accel_set_current(const AccelOps *ops)
{
    current = ops;
}

int accel_vcpu_thread_id(X86CPU *cpu)
{
    int tid =
        current && current->vcpu_thread_id ? current->vcpu_thread_id(cpu) : -1;

    /* Without a thread of its own (qtest) a vCPU lives on the main thread. */
    return tid >= 0 ? tid : getpid();
}
