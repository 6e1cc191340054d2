/*
 * The SDL2 display: a window showing the first graphic console, with the
 * host's keyboard and mouse sent to the input layer (-display sdl).
 */
#ifndef UI_SDL2_H
#define UI_SDL2_H

#include <glib.h>
#include <stdbool.h>

/*
 * Checks -display sdl's options (what follows "sdl,", may be NULL):
 * gl=off, grab-mod=lshift-lctrl-lalt|rctrl, window-close=on|off,
 * full-screen=on|off.
 */
bool sdl_display_check(const char *opts, GError **errp);
/*
 * Starts SDL and opens the window, titled after name (-name, may be
 * NULL). The window shows console 0 once a display adapter made one.
 */
bool sdl_display_init(const char *opts, const char *name, GError **errp);
void sdl_display_close(void);

#endif
