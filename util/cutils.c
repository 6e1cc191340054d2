/* Number parsing with QEMU's size suffix rules. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cutils.h"
#include "util/error.h"

static int suffix_shift(char c)
{
    switch (g_ascii_toupper(c)) {
    case 'B':
        return 0;
    case 'K':
        return 10;
    case 'M':
        return 20;
    case 'G':
        return 30;
    case 'T':
        return 40;
    case 'P':
        return 50;
    case 'E':
        return 60;
    default:
        return -1;
    }
}

bool parse_size(const char *str, uint64_t default_unit, uint64_t *out,
                GError **errp)
{
    char *end;
    double mantissa;
    uint64_t unit = default_unit;

    errno = 0;
    if (!*str || g_ascii_isspace(*str) || *str == '-') {
        return error_setg(errp, "invalid size '%s'", str);
    }
    mantissa = g_ascii_strtod(str, &end);
    if (errno || end == str || mantissa < 0) {
        return error_setg(errp, "invalid size '%s'", str);
    }
    if (*end) {
        int shift = suffix_shift(*end);

        if (shift < 0 || end[1]) {
            return error_setg(errp, "invalid size '%s'", str);
        }
        unit = 1ull << shift;
    }
    /* A fraction only makes sense with a unit bigger than a byte. */
    if (mantissa != floor(mantissa) && unit == 1) {
        return error_setg(errp, "invalid size '%s'", str);
    }
    if (mantissa * (double)unit >= 18446744073709551616.0) {
        return error_setg(errp, "size '%s' is too large", str);
    }
    *out = (uint64_t)(mantissa * (double)unit);
    return true;
}

bool parse_uint64(const char *str, uint64_t *out, GError **errp)
{
    char *end;
    unsigned long long v;

    errno = 0;
    if (!*str || *str == '-' || g_ascii_isspace(*str)) {
        return error_setg(errp, "'%s' is not a number", str);
    }
    v = strtoull(str, &end, 0);
    if (errno || *end) {
        return error_setg(errp, "'%s' is not a number", str);
    }
    *out = v;
    return true;
}

bool parse_bool(const char *str, bool *out, GError **errp)
{
    static const char *const yes[] = {"on", "yes", "true", "y"};
    static const char *const no[] = {"off", "no", "false", "n"};

    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (!strcmp(str, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcmp(str, no[i])) {
            *out = false;
            return true;
        }
    }
    return error_setg(errp, "'%s' is not on/off", str);
}

bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

bool parse_uuid(const char *str, uint8_t out[16])
{
    uint8_t bytes[16] = {0};
    size_t n = 0;

    if (strlen(str) != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? str[i] != '-' : !g_ascii_isxdigit(str[i])) {
            return false;
        }
        if (!dash) {
            bytes[n / 2] |= g_ascii_xdigit_value(str[i]) << (n % 2 ? 0 : 4);
            n++;
        }
    }
    memcpy(out, bytes, 16);
    return true;
}

char *format_uuid(const uint8_t u[16])
{
    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                           "%02x%02x%02x%02x%02x%02x",
                           u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
                           u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

bool parse_iso_date(const char *date, int64_t *seconds)
{
    g_autoptr(GDateTime) dt = NULL;
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    int year, month, day, hour = 0, minute = 0, second = 0, used = 0;
    size_t len = strlen(date);

    if (sscanf(date, "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3 ||
        (used != (int)len &&
         (sscanf(date + used, "T%2d:%2d:%2d", &hour, &minute, &second) != 3 ||
          len != (size_t)used + 9))) {
        return false;
    }
    dt = g_date_time_new(utc, year, month, day, hour, minute, second);
    if (!dt) {
        return false;
    }
    *seconds = g_date_time_to_unix(dt);
    return true;
}
