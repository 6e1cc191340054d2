/*
 * I/O threads: each one runs a GMainContext of its own until pcvm ends or
 * object-del takes it away.
 * The thread owns the context (g_main_context_push_thread_default), so
 * sources attached to it from other threads dispatch there.
 */
#include <string.h>

#include "system/iothread.h"
#include "qom/user-object.h"

static GPtrArray *iothreads;

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

static Object *iothread_kind_create(const char *id, KeyValList *kv,
                                    GError **errp)
{
    IOThread *iothread = g_new0(IOThread, 1);
    g_autofree char *name = g_strdup_printf("iothread %s", id);

    /* QEMU's polling and batching knobs: accepted, the loop just waits */
    keyval_mark_used(kv, "poll-max-ns");
    keyval_mark_used(kv, "poll-grow");
    keyval_mark_used(kv, "poll-shrink");
    keyval_mark_used(kv, "aio-max-batch");
    object_init(OBJECT(iothread), TYPE_IOTHREAD);
    iothread->id = g_strdup(id);
    iothread->context = g_main_context_new();
    iothread->loop = g_main_loop_new(iothread->context, false);
    iothread->thread = g_thread_new(name, iothread_run, iothread);
    if (!iothreads) {
        iothreads = g_ptr_array_new();
    }
    g_ptr_array_add(iothreads, iothread);
    return OBJECT(iothread);
}

static gboolean iothread_quit(gpointer opaque)
{
    g_main_loop_quit(opaque);
    return G_SOURCE_REMOVE;
}

/* object-del: nothing links to it (user_object_delete checked). */
static void iothread_kind_destroy(Object *obj)
{
    IOThread *iothread = (IOThread *)obj;

    /*
     * From inside its loop: a quit before the thread reached
     * g_main_loop_run() would be lost.
     */
    g_main_context_invoke(iothread->context, iothread_quit, iothread->loop);
    g_thread_join(iothread->thread);
    g_ptr_array_remove(iothreads, iothread);
    g_main_loop_unref(iothread->loop);
    g_main_context_unref(iothread->context);
    object_finalize(obj);
    g_free(iothread->id);
    g_free(iothread);
}

static const UserObjectKind iothread_kind = {
    .type = TYPE_IOTHREAD,
    .create = iothread_kind_create,
    .destroy = iothread_kind_destroy,
};

GMainContext *iothread_get_context(IOThread *iothread)
{
    return iothread->context;
}

static void __attribute__((constructor)) iothread_register_type(void)
{
    type_register_simple(TYPE_IOTHREAD, "object", false);
    user_object_kind_register(&iothread_kind);
}
