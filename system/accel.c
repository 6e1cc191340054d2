/* The accelerator registry. */
#include <string.h>

#include "system/accel.h"

static GPtrArray *accels;
static const AccelOps *current;

void accel_register(const AccelOps *ops)
{
    if (!accels) {
        accels = g_ptr_array_new();
    }
    g_ptr_array_add(accels, (gpointer)ops);
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
