/*
 * The handful of string functions the test guests use, plus memset and
 * memcpy, which GCC may call for struct copies even with -ffreestanding.
 */
#include "guest.h"

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}

const char *strstr(const char *haystack, const char *needle)
{
    size_t len = strlen(needle);
    for (; *haystack; haystack++)
        if (!strncmp(haystack, needle, len))
            return haystack;
    return len ? NULL : haystack;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns the start of the next word at or after p, and its length. */
static const char *next_word(const char *p, size_t *len)
{
    while (is_space(*p))
        p++;
    *len = 0;
    while (p[*len] && !is_space(p[*len]))
        (*len)++;
    return p;
}

int cmdline_has_word(const char *cmdline, const char *word)
{
    size_t wlen = strlen(word), len;
    for (const char *p = next_word(cmdline, &len); len;
         p = next_word(p + len, &len))
        if (len == wlen && !strncmp(p, word, len))
            return 1;
    return 0;
}

int cmdline_get_uint(const char *cmdline, const char *key, uint32_t *val)
{
    size_t klen = strlen(key), len;
    for (const char *p = next_word(cmdline, &len); len;
         p = next_word(p + len, &len)) {
        if (len <= klen || strncmp(p, key, klen) || p[klen] != '=')
            continue;
        uint32_t v = 0;
        size_t i = klen + 1;
        for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
            v = v * 10 + (uint32_t)(p[i] - '0');
        if (i == klen + 1 || i != len)
            return -1;
        *val = v;
        return 0;
    }
    return -1;
}
