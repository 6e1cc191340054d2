/*
 * What the chardev backends share and nothing outside chardev/ needs: the
 * input watch on a file descriptor, a few fd helpers, and the hooks the core
 * uses to hand front ends and events to the mux.
 */
#ifndef CHARDEV_CHAR_INTERNAL_H
#define CHARDEV_CHAR_INTERNAL_H

#include "chardev/char.h"

/*
 * Reads an fd on the main loop and hands the bytes to the backend's front
 * end, never more than chardev_be_can_receive() allows. While the front end
 * takes nothing the fd is not polled at all (so a hung-up or always-readable
 * fd cannot spin the loop); it is polled again once can_receive is non-zero,
 * which chardev_fe_accept_input() makes the loop re-check at once.
 *
 * At end of file or on a read error the watch stops for good and calls eof
 * (if given); the owner frees it with chardev_watch_free() when it likes.
 */
typedef struct ChardevWatch ChardevWatch;
typedef void ChardevWatchEof(Chardev *chr);

ChardevWatch *chardev_watch_new(Chardev *chr, int fd, ChardevWatchEof *eof);
void chardev_watch_free(ChardevWatch *watch);

/* Destroys and unrefs *source (if any) and clears the pointer. */
void chardev_source_remove(GSource **source);
/* Attaches source to the main loop's context and keeps the caller's ref. */
GSource *chardev_source_attach(GSource *source, GSourceFunc fn, void *opaque);

bool chardev_fd_set_nonblock(int fd);

/* Waits for the backend to take bytes, then writes them all (or drops). */
void chardev_write_blocking(Chardev *chr, const uint8_t *buf, int len);

/* The mux (chardev/char-mux.c), called by the core. */
extern const ChardevClass chardev_mux_class;
Chardev *chardev_mux_new(const char *id, Chardev *base, GError **errp);
bool mux_frontend_attach(Chardev *mux, CharFrontend *fe, GError **errp);
void mux_frontend_detach(Chardev *mux, CharFrontend *fe);
void mux_frontend_handlers_set(Chardev *mux, CharFrontend *fe);

/* Creates a chardev of the given class; used for the mux's hidden options. */
Chardev *chardev_new_with_class(const ChardevClass *klass, const char *id,
                                KeyValList *opts, GError **errp);

#endif
