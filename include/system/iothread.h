/*
 * I/O threads (-object iothread,id=NAME): a thread running its own GLib
 * main context, where devices attach the event sources they want handled
 * off the main loop and off the vCPU threads (virtio queue notifications).
 * They run until pcvm exits or object-del ends them. An iothread is a QOM
 * object at /objects/NAME of type "iothread", so a device's iothread= property
 * is a link to it.
 *
 * A handler running on an I/O thread holds no lock; it takes the BQL
 * before touching device state that other threads also touch.
 */
#ifndef SYSTEM_IOTHREAD_H
#define SYSTEM_IOTHREAD_H

#include <glib.h>
#include <stdbool.h>

#include "qom/object.h"

#define TYPE_IOTHREAD "iothread"

typedef struct IOThread {
    Object parent_obj;
    char *id;
    GThread *thread;
    GMainContext *context;
    GMainLoop *loop;
} IOThread;

/* Made and taken away as a user-creatable object (qom/user-object.h). */
IOThread *iothread_find(const char *id);
GMainContext *iothread_get_context(IOThread *iothread);

#endif
