/*
 * Debug logging selected with -d ITEM,... and redirected with -D FILE,
 * following QEMU's item names where they apply.
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

enum {
    LOG_GUEST_ERROR = 1 << 0, /* guest did something a device rejects */
    LOG_UNIMP = 1 << 1,       /* guest touched something not implemented */
    LOG_INT = 1 << 2,         /* interrupt delivery */
    LOG_CPU_RESET = 1 << 3,   /* vCPU state at reset / boot entry */
    LOG_IOPORT = 1 << 4,      /* unassigned port and MMIO accesses */
    LOG_KVM = 1 << 5,         /* accelerator events */
};

extern unsigned log_mask;

/* "guest_errors,unimp" (or "all") to a mask; fails on unknown names. */
bool log_parse_items(const char *items, unsigned *mask, GError **errp);
bool log_set_file(const char *path, GError **errp);
/* Comma-separated list of the item names, for -d help. */
void log_print_items(FILE *out);
void log_write(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#define log_enabled(mask) ((log_mask & (mask)) != 0)
#define log_mask_printf(mask, ...)                                             \
    do {                                                                       \
        if (log_enabled(mask)) {                                               \
            log_write(__VA_ARGS__);                                            \
        }                                                                      \
    } while (0)

/* A guest-triggered condition: logged once per call site. */
#define log_unimp_once(...)                                                    \
    do {                                                                       \
        static bool logged_;                                                   \
        if (!logged_ && log_enabled(LOG_UNIMP)) {                              \
            logged_ = true;                                                    \
            log_write(__VA_ARGS__);                                            \
        }                                                                      \
    } while (0)

#endif
