/*
 * User-facing error and warning output, and the GError domain pcvm uses to
 * carry failures up to whoever can name the option or device at fault.
 */
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

#include <glib.h>
#include <stdbool.h>

#define PCVM_ERROR pcvm_error_quark()
GQuark pcvm_error_quark(void);

/* "pcvm: <message>" on stderr. */
void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* -msg timestamp=on: each message starts with the UTC time, as QEMU's. */
void error_set_timestamps(bool on);
/* -msg guest-name=on: and with the guest's name (NULL: none). */
void error_set_guest_name(const char *name);
/* Reports err's message with error_report() and frees it. */
void error_report_gerror(GError *err);

/* Sets *errp (if errp) with the PCVM_ERROR domain. Returns false. */
bool error_setg(GError **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Prefixes an existing error message: "<prefix>: <old message>". */
void error_prefix(GError **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
