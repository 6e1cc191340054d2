/* User-facing messages: one line, prefixed with the program name. */
#include <stdarg.h>
#include <stdio.h>

#include "util/error.h"

G_DEFINE_QUARK(pcvm - error - quark, pcvm_error)

static bool with_timestamps;
static char *guest_name;

void error_set_timestamps(bool on)
{
    with_timestamps = on;
}

void error_set_guest_name(const char *name)
{
    g_free(guest_name);
    guest_name = g_strdup(name);
}

static void report(const char *kind, const char *fmt, va_list ap)
{
    if (with_timestamps) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");

        /* QEMU's form: 2026-12-02T21:55:00.123456Z */
        fprintf(stderr, "%s.%06dZ ", stamp, g_date_time_get_microsecond(now));
    }
    if (guest_name) {
        fprintf(stderr, "%s ", guest_name);
    }
    fprintf(stderr, "pcvm: %s", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("warning: ", fmt, ap);
    va_end(ap);
}

void error_report_gerror(GError *err)
{
    error_report("%s", err->message);
    g_error_free(err);
}

bool error_setg(GError **errp, const char *fmt, ...)
{
    va_list ap;

    if (errp) {
        g_assert(*errp == NULL);
        va_start(ap, fmt);
        *errp = g_error_new_valist(PCVM_ERROR, 0, fmt, ap);
        va_end(ap);
    }
    return false;
}

void error_prefix(GError **errp, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *prefix = NULL;
    char *message;

    if (!errp || !*errp) {
        return;
    }
    va_start(ap, fmt);
    prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    message = g_strdup_printf("%s: %s", prefix, (*errp)->message);
    g_free((*errp)->message);
    (*errp)->message = message;
}
