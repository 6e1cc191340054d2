/* Small string-to-number helpers with QEMU's suffix conventions. */
#ifndef UTIL_CUTILS_H
#define UTIL_CUTILS_H

#include <glib.h>
#include <stdbool.h>
#include <inttypes.h>

/*
 * Parses "512", "512M", "1.5G", "4k": a number with an optional B/K/M/G/T/P/E
 * suffix (case-insensitive, powers of 1024). A bare number is multiplied by
 * default_unit (1 for byte sizes, 1 MiB for -m, as QEMU does).
 */
bool parse_size(const char *str, uint64_t default_unit, uint64_t *out,
                GError **errp);
/* Parses a whole unsigned integer in decimal, or hex with 0x. */
bool parse_uint64(const char *str, uint64_t *out, GError **errp);
/* on/off/yes/no/true/false. */
bool parse_bool(const char *str, bool *out, GError **errp);
/*
 * QEMU's rule for the ids of devices, drives, nodes, netdevs, chardevs and
 * objects: a letter, then letters, digits, '-', '.' or '_'.
 */
bool id_wellformed(const char *id);
/*
 * A UUID in its 36-character text form (8-4-4-4-12 hex digits, either
 * case) into 16 bytes in text order; false, out untouched, otherwise.
 */
bool parse_uuid(const char *str, uint8_t out[16]);
/* The text form of a UUID, lower case (g_free it). */
char *format_uuid(const uint8_t uuid[16]);
/*
 * A date as -rtc base= takes it, "2006-06-17T16:01:21" or "2006-06-17", as
 * seconds since the epoch (UTC). False if it is not such a date.
 */
bool parse_iso_date(const char *date, int64_t *seconds);

#endif
