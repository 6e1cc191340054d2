/*
 * The VNC server: the first graphic console over RFB 3.3/3.7/3.8 to any
 * number of clients, with their keyboard and pointer events sent to the
 * input layer. One server per pcvm (QEMU's default display), set up from
 * -vnc or -display vnc=, on the main loop.
 */
#ifndef UI_VNC_H
#define UI_VNC_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/*
 * Checks a display spec ("[HOST]:N", "unix:PATH", "none", each with
 * ",password[=on|off]") without creating anything.
 */
bool vnc_display_check(const char *spec, GError **errp);
/* Starts the server for spec (listening unless "none"). */
bool vnc_display_init(const char *spec, GError **errp);
void vnc_display_close(void);

/*
 * Sets the password VNC authentication checks (its first 8 characters
 * count). Fails, as in QEMU, when there is no server or it does not ask
 * for a password.
 */
bool vnc_display_password_set(const char *password, GError **errp);

/*
 * When the password stops working (QEMU's expire_password): "now",
 * "never", "+N" seconds from now or N seconds since the epoch. Setting a
 * new password keeps the expiry, as QEMU.
 */
bool vnc_display_password_expire(const char *time, GError **errp);

/* The server's auth ("none", "vnc"), or NULL when there is no server. */
const char *vnc_display_auth(void);

/* query-vnc's VncInfo. */
JsonNode *vnc_query_info(void);

#endif
