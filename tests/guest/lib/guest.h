/*
 * Runtime shared by the C test guests: COM1 console output, a small
 * printf, the isa-debug-exit helper and the few libc functions GCC may
 * emit calls to even in freestanding code. Exit statuses are collected
 * here so that the runner and the guests agree on them.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * isa-debug-exit at iobase 0xf4: writing V makes the VMM exit with process
 * status (V << 1) | 1.
 */
#define DEBUG_EXIT_PORT 0xf4

/* Success codes, one per guest (process status in parentheses). */
#define EXIT_REALMODE_OK 0x21   /* 67 */
#define EXIT_LONG64_OK 0x22     /* 69 */
#define EXIT_MULTIBOOT_OK 0x23  /* 71 */
#define EXIT_SMP_OK 0x24        /* 73 */
#define EXIT_PIT_OK 0x25        /* 75 */
#define EXIT_EXIT_BENCH_OK 0x26 /* 77, tests/bench/exit-bench */
#define EXIT_VIRTIO_BLK_OK 0x27 /* 79 */

/* Failure codes, shared by all guests. */
#define EXIT_FAIL_BSS 0x40        /* loader left .bss dirty */
#define EXIT_FAIL_MAGIC 0x41      /* wrong boot magic in eax / start_info */
#define EXIT_FAIL_BOOTINFO 0x42   /* boot info missing or inconsistent */
#define EXIT_FAIL_CMDLINE 0x43    /* command line missing or unparsable */
#define EXIT_FAIL_MODE 0x44       /* CPU not in the expected mode */
#define EXIT_FAIL_TIMEOUT 0x45    /* waited too long for an event */
#define EXIT_FAIL_COUNT 0x46      /* wrong number of CPUs / interrupts */
#define EXIT_FAIL_EXCEPTION 0x47  /* unexpected CPU exception */
#define EXIT_FAIL_UNEXPECTED 0x48 /* unexpected interrupt vector */

void serial_putc(char c);
void serial_puts(const char *s);
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes to the debug-exit port; halts forever if the VMM ignores it. */
__attribute__((noreturn)) void guest_exit(uint32_t code);

/* printf("FAIL: ...\n") then guest_exit(code). */
__attribute__((noreturn, format(printf, 2, 3))) void
guest_fail(uint32_t code, const char *fmt, ...);

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
const char *strstr(const char *haystack, const char *needle);

/*
 * Finds "key=" as a whole word in a kernel command line and parses the
 * decimal number after it. Returns 0 and stores it in *val if found.
 */
int cmdline_get_uint(const char *cmdline, const char *key, uint32_t *val);
/* Returns 1 if word appears as a whitespace-delimited word in cmdline. */
int cmdline_has_word(const char *cmdline, const char *word);

#endif
