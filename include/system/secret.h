/*
 * Secrets (-object secret,id=ID,data=TEXT|file=PATH[,format=raw|base64]):
 * passwords and keys handed to pcvm without putting them on a command line
 * that ps shows, as QEMU's secret objects are. AES-encrypted secrets
 * (keyid=, iv=) are refused.
 */
#ifndef SYSTEM_SECRET_H
#define SYSTEM_SECRET_H

#include <glib.h>

#define TYPE_SECRET "secret"

/*
 * The secret's bytes as a NUL-terminated string (g_free it): "No secret
 * with id 'x'", or "Data from secret x is not valid UTF-8" (QEMU's words).
 */
char *secret_lookup_as_utf8(const char *id, GError **errp);

#endif
