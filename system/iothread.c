/*
 * I/O threads: each one runs a GMainContext of its own until pcvm ends.
 * The thread owns the context (g_main_context_push_thread_default), so
 * sources attached to it from other threads dispatch there.
 */
#include <string.h>

#include "system/iothread.h"
#include "util/error.h"

static GPtrArray *iothreads;

static void __attribute__((constructor)) iothread_register_type(void)
{
    type_register_simple(TYPE_IOTHREAD, "object", false);
}

static gpointer iothread_run(gpointer opaque)
{
    IOThread *iothread = opaque;

    g_main_context_push_thread_default(iothread->context);
    g_main_loop_run(iothread->loop);
    g_main_context_pop_thread_default(iothread->context);
    return NULL;
}

IOThread *iothread_find(const char *id)
{
    for (unsigned i = 0; iothreads && i < iothreads->len; i++) {
        IOThread *iothread = g_ptr_array_index(iothreads, i);

        if (!strcmp(iothread->id, id)) {
            return iothread;
        }
    }
    return NULL;
}

IOThread *iothread_create(const char *id, GError **errp)
{
    IOThread *iothread;
    g_autofree char *name = NULL;

    if (iothread_find(id)) {
        error_setg(errp, "Duplicate ID '%s' for object", id);
        return NULL;
    }
    iothread = g_new0(IOThread, 1);
    object_init(OBJECT(iothread), TYPE_IOTHREAD);
    if (!object_try_add_child(object_container_get("/objects"), id,
                              OBJECT(iothread), errp)) {
        g_free(iothread);
        return NULL;
    }
    iothread->id = g_strdup(id);
    iothread->context = g_main_context_new();
    iothread->loop = g_main_loop_new(iothread->context, false);
    name = g_strdup_printf("iothread %s", id);
    iothread->thread = g_thread_new(name, iothread_run, iothread);
    if (!iothreads) {
        iothreads = g_ptr_array_new();
    }
    g_ptr_array_add(iothreads, iothread);
    return iothread;
}

GMainContext *iothread_get_context(IOThread *iothread)
{
    return iothread->context;
}
