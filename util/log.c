/* -d / -D debug logging. Writes are serialised so vCPU threads can log. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/log.h"

unsigned log_mask;
static FILE *log_file;
static GMutex log_lock;

static const struct {
    const char *name;
    unsigned mask;
    const char *help;
} log_items[] = {
    {"guest_errors", LOG_GUEST_ERROR, "log when the guest misuses a device"},
    {"unimp", LOG_UNIMP, "log accesses to unimplemented functionality"},
    {"int", LOG_INT, "log interrupt delivery"},
    {"cpu_reset", LOG_CPU_RESET, "log vCPU register state at reset and boot"},
    {"ioport", LOG_IOPORT, "log accesses to unassigned ports and MMIO"},
    {"kvm", LOG_KVM, "log accelerator events"},
};

bool log_parse_items(const char *items, unsigned *out, GError **errp)
{
    g_auto(GStrv) names = g_strsplit(items, ",", -1);
    unsigned mask = 0;

    for (char **n = names; *n; n++) {
        bool found = false;

        for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
            if (!strcmp(*n, log_items[i].name) || !strcmp(*n, "all")) {
                mask |= log_items[i].mask;
                found = true;
            }
        }
        if (!found) {
            return error_setg(errp, "unknown log item '%s' (try -d help)", *n);
        }
    }
    *out = mask;
    return true;
}

void log_print_items(FILE *out)
{
    fprintf(out, "Log items (comma separated):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
        fprintf(out, "%-14s %s\n", log_items[i].name, log_items[i].help);
    }
}

bool log_set_file(const char *path, GError **errp)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        return error_setg(errp, "cannot open '%s': %s", path,
                          g_strerror(errno));
    }
    setvbuf(f, NULL, _IOLBF, 0);
    log_file = f;
    return true;
}

void log_write(const char *fmt, ...)
{
    va_list ap;

    g_mutex_lock(&log_lock);
    va_start(ap, fmt);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    va_end(ap);
    g_mutex_unlock(&log_lock);
}
