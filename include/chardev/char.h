/*
 * Character backends (chardevs) and the front-end side devices hold.
 *
 * A backend (stdio, file, null, pty, socket, mux) moves bytes between a host
 * endpoint and one front end (a UART, the monitor). A mux backend sits on
 * another backend and lets several front ends share it, switched with
 * QEMU's Ctrl-A escapes (Ctrl-A c next front end, Ctrl-A x quit, Ctrl-A h
 * help, Ctrl-A b break, Ctrl-A t timestamps, Ctrl-A Ctrl-A a literal Ctrl-A).
 *
 * Everything runs on the main loop with the BQL held, except that front ends
 * may write from a vCPU thread (also with the BQL held).
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "qom/object.h"
#include "util/keyval.h"

typedef struct Chardev Chardev;

typedef enum {
    CHR_EVENT_OPENED,  /* a peer connected / the backend became usable */
    CHR_EVENT_CLOSED,  /* the peer went away */
    CHR_EVENT_BREAK,   /* serial break */
    CHR_EVENT_MUX_IN,  /* this front end got the mux focus */
    CHR_EVENT_MUX_OUT, /* this front end lost the mux focus */
} CharEvent;

typedef int CharCanReceive(void *opaque);
typedef void CharReceive(void *opaque, const uint8_t *buf, int size);
typedef void CharEventHandler(void *opaque, CharEvent event);

/* Embedded in a device; linked to a backend by the "chardev" property. */
typedef struct CharFrontend {
    Chardev *chr;
    CharCanReceive *can_receive;
    CharReceive *receive;
    CharEventHandler *event;
    void *opaque;
    int mux_index; /* position on a mux, -1 when not on a mux */
} CharFrontend;

typedef struct ChardevClass {
    const char *name; /* the backend name in -chardev NAME,... */
    size_t instance_size;
    /* Reads its options (path=, server=, ...) and opens the endpoint. */
    bool (*open)(Chardev *chr, KeyValList *opts, GError **errp);
    /* Non-blocking; returns bytes taken (>= 0) or -1 when the peer is gone. */
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* The front end's can_receive may have become non-zero. */
    void (*accept_input)(Chardev *chr);
    /* A front end was attached: the backend may send it OPENED. */
    void (*frontend_attached)(Chardev *chr);
    void (*close)(Chardev *chr);
    /*
     * The fd chardev_fe_write_all() polls for POLLOUT when write() took
     * nothing, or -1 (optional; without it the writer sleeps briefly).
     */
    int (*write_fd)(Chardev *chr);
} ChardevClass;

/*
 * A chardev is the QOM object /chardevs/ID of type "chardev-BACKEND"
 * (chardev_class_register registers the type).
 */
struct Chardev {
    Object parent_obj;
    const ChardevClass *klass;
    char *id;
    char *filename; /* for "info chardev": "pty:/dev/pts/3", "stdio" */
    CharFrontend *fe;
    bool connected; /* a peer is there (sockets); always true otherwise */
    /* Private to chardev/char.c. */
    bool closed; /* chardev_close_all() ran; writes are dropped */
    int log_fd;  /* logfile=, or -1 */
};

void chardev_class_register(const ChardevClass *klass);
const ChardevClass *chardev_class_find(const char *name);
void chardev_print_backends(FILE *out);

/* -chardev BACKEND,id=ID,... */
Chardev *chardev_new_from_options(const char *options, GError **errp);
/*
 * The legacy forms -serial, -monitor and -debugcon take: "stdio", "null",
 * "none" (returns NULL without error), "file:PATH", "pty", "unix:PATH[,opts]",
 * "tcp:[HOST]:PORT[,opts]", "mon:SPEC", "chardev:ID". id names the result.
 */
Chardev *chardev_new_from_legacy(const char *spec, const char *id,
                                 GError **errp);
Chardev *chardev_find(const char *id);
/* Every backend, in creation order (for info chardev); owned by the layer. */
GPtrArray *chardev_list(void);
/* Closes every backend; restores the terminal. Safe to call twice. */
void chardev_close_all(void);

/* Helpers for backend implementations. */
void chardev_be_event(Chardev *chr, CharEvent event);
/*
 * How much the front end takes now, and hands it bytes. A front end with a
 * receive handler but no can_receive takes everything.
 */
int chardev_be_can_receive(Chardev *chr);
void chardev_be_receive(Chardev *chr, const uint8_t *buf, int len);

/*
 * Front-end side. On a mux, a front end whose handlers are set gets MUX_IN
 * (it has the focus) or MUX_OUT, then OPENED if the backend is connected;
 * elsewhere just OPENED when connected.
 */
bool chardev_fe_init(CharFrontend *fe, Chardev *chr, GError **errp);
/* Detaches the front end (device unplug); the chardev may be reused. */
void chardev_fe_deinit(CharFrontend *fe);
void chardev_fe_set_handlers(CharFrontend *fe, CharCanReceive *can_receive,
                             CharReceive *receive, CharEventHandler *event,
                             void *opaque);
/* Writes everything, waiting for a slow peer; drops when there is none. */
int chardev_fe_write_all(CharFrontend *fe, const uint8_t *buf, int len);
/* The front end can take input again (after can_receive returned 0). */
void chardev_fe_accept_input(CharFrontend *fe);
bool chardev_fe_backend_connected(CharFrontend *fe);

#endif
