/*
 * COM1 console and exit helpers for the test guests. The UART is used as
 * firmware leaves it (or as a VMM creates it): no divisor or line control
 * programming, only the transmit-holding-register-empty bit of the line
 * status register is polled before each byte, as an 8250/16550 driver
 * would.
 */
#include "guest.h"
#include "io.h"

#define COM1_BASE 0x3f8
#define UART_THR 0 /* transmit holding register (write) */
#define UART_LSR 5 /* line status register */
#define UART_LSR_THRE 0x20

void serial_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    /* Bounded so a broken UART model shows up as garbage, not a hang. */
    for (int i = 0; i < 100000; i++) {
        if (inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
            break;
        cpu_relax();
    }
    outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void serial_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

/* Divides *n by d in place and returns the remainder, without libgcc. */
static uint32_t divide_small(uint64_t *n, uint32_t d)
{
#ifdef __x86_64__
    uint32_t r = (uint32_t)(*n % d);
    *n /= d;
    return r;
#else
    uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
    uint32_t q_hi = hi / d, r = hi % d, q_lo;
    /* r < d, so the 64/32 quotient fits in 32 bits. */
    __asm__("divl %4" : "=a"(q_lo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
    *n = ((uint64_t)q_hi << 32) | q_lo;
    return r;
#endif
}

static int print_number(uint64_t n, uint32_t base, int width, char pad,
                        int left, int negative, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int len = 0, printed = 0;

    do {
        buf[len++] = digits[divide_small(&n, base)];
    } while (n);
    if (negative)
        width--;
    if (negative && pad == '0') {
        serial_putc('-');
        printed++;
    }
    if (!left)
        for (; width > len; width--, printed++)
            serial_putc(pad);
    if (negative && pad != '0') {
        serial_putc('-');
        printed++;
    }
    while (len) {
        serial_putc(buf[--len]);
        printed++;
        width--;
    }
    for (; left && width > 0; width--, printed++)
        serial_putc(' ');
    return printed;
}

int vprintf(const char *fmt, va_list ap)
{
    int printed = 0;

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            serial_putc(*fmt);
            printed++;
            continue;
        }
        fmt++;
        int left = 0, width = 0, longs = 0;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        for (;; fmt++) {
            if (*fmt == 'l')
                longs++;
            else if (*fmt == 'z')
                longs = sizeof(size_t) == 8 ? 2 : 1;
            else
                break;
        }
        if (left)
            pad = ' ';

        uint64_t u;
        int64_t s;
        switch (*fmt) {
        case 'd':
        case 'i':
            if (longs >= 2)
                s = va_arg(ap, long long);
            else if (longs == 1)
                s = va_arg(ap, long);
            else
                s = va_arg(ap, int);
            printed += print_number(s < 0 ? -(uint64_t)s : (uint64_t)s, 10,
                                    width, pad, left, s < 0, 0);
            break;
        case 'u':
        case 'x':
        case 'X':
            if (longs >= 2)
                u = va_arg(ap, unsigned long long);
            else if (longs == 1)
                u = va_arg(ap, unsigned long);
            else
                u = va_arg(ap, unsigned int);
            printed += print_number(u, *fmt == 'u' ? 10 : 16, width, pad, left,
                                    0, *fmt == 'X');
            break;
        case 'p':
            serial_puts("0x");
            printed += 2 + print_number((uintptr_t)va_arg(ap, void *), 16,
                                        width, pad, left, 0, 0);
            break;
        case 'c':
            serial_putc((char)va_arg(ap, int));
            printed++;
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            int len = (int)strlen(str);
            if (!left)
                for (; width > len; width--, printed++)
                    serial_putc(' ');
            serial_puts(str);
            printed += len;
            for (; left && width > len; width--, printed++)
                serial_putc(' ');
            break;
        }
        case '%':
            serial_putc('%');
            printed++;
            break;
        case '\0':
            return printed;
        default:
            serial_putc('%');
            serial_putc(*fmt);
            printed += 2;
            break;
        }
    }
    return printed;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

void guest_exit(uint32_t code)
{
    outl(DEBUG_EXIT_PORT, code);
    /* Only reached if the VMM has no debug-exit device. */
    for (;;)
        __asm__ volatile("cli; hlt");
}

void guest_fail(uint32_t code, const char *fmt, ...)
{
    va_list ap;
    serial_puts("FAIL: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    serial_putc('\n');
    guest_exit(code);
}
