/*
 * The MC146818 RTC driven through ports 0x70/0x71 the way a BIOS or an OS
 * driver does: reading the date in BCD and binary, 12- and 24-hour modes,
 * setting the time under SET, the divider reset that puts the next update
 * 500 ms ahead, UIP before each update, the UF/AF/PF flags and IRQ 8 as the
 * IOAPIC sees it. The virtual clock only moves on clock_step (-rtc
 * clock=vm), so every edge is checked to the microsecond. Also the CMOS
 * bytes the board fills for the BIOS (memory sizes, CPUs, boot order).
 */
#include <glib.h>
#include <string.h>

#include "libqtest.h"

#define RTC_INDEX 0x70
#define RTC_DATA 0x71

#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

#define REG_A_UIP 0x80
#define REG_A_DV_32KHZ 0x20
#define REG_A_DV_RESET 0x70
#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_SQWE 0x08
#define REG_B_DM 0x04
#define REG_B_24H 0x02
#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10

#define RTC_IRQ 8 /* ISA IRQ 8 is IOAPIC pin 8 */

#define US 1000ll
#define MS 1000000ll
#define SECOND 1000000000ll

#define VM_ARGS "-rtc base=2006-06-17T16:01:21,clock=vm"

static uint8_t cmos_read(QTestState *s, uint8_t index)
{
    qtest_outb(s, RTC_INDEX, index);
    return qtest_inb(s, RTC_DATA);
}

static void cmos_write(QTestState *s, uint8_t index, uint8_t value)
{
    qtest_outb(s, RTC_INDEX, index);
    qtest_outb(s, RTC_DATA, value);
}

typedef struct RTCTime {
    int century, year, month, day, hour, minute, second;
} RTCTime;

/* The time registers, decoded for the mode register B is in (24-hour). */
static RTCTime rtc_time_read(QTestState *s)
{
    bool binary = cmos_read(s, RTC_REG_B) & REG_B_DM;
    static const uint8_t regs[] = {RTC_CENTURY,      RTC_YEAR,  RTC_MONTH,
                                   RTC_DAY_OF_MONTH, RTC_HOURS, RTC_MINUTES,
                                   RTC_SECONDS};
    int v[G_N_ELEMENTS(regs)];

    for (size_t i = 0; i < G_N_ELEMENTS(regs); i++) {
        uint8_t raw = cmos_read(s, regs[i]);

        v[i] = binary ? raw : (raw >> 4) * 10 + (raw & 0xf);
    }
    return (RTCTime){v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
}

static void assert_time(QTestState *s, int century, int year, int month,
                        int day, int hour, int minute, int second)
{
    RTCTime t = rtc_time_read(s);

    g_assert_cmpint(t.century, ==, century);
    g_assert_cmpint(t.year, ==, year);
    g_assert_cmpint(t.month, ==, month);
    g_assert_cmpint(t.day, ==, day);
    g_assert_cmpint(t.hour, ==, hour);
    g_assert_cmpint(t.minute, ==, minute);
    g_assert_cmpint(t.second, ==, second);
}

static uint8_t bcd(int value)
{
    return (value / 10) << 4 | value % 10;
}

/*
 * Sets a BCD 24-hour time the way a BIOS setup does: divider held in reset
 * and SET while writing, then the divider restarted, which puts the next
 * update exactly 500 ms later.
 */
static void rtc_time_set(QTestState *s, int century, int year, int month,
                         int day, int hour, int minute, int second)
{
    cmos_write(s, RTC_REG_A, REG_A_DV_RESET | 6);
    cmos_write(s, RTC_REG_B, REG_B_SET | REG_B_24H);
    cmos_write(s, RTC_CENTURY, bcd(century));
    cmos_write(s, RTC_YEAR, bcd(year));
    cmos_write(s, RTC_MONTH, bcd(month));
    cmos_write(s, RTC_DAY_OF_MONTH, bcd(day));
    cmos_write(s, RTC_HOURS, bcd(hour));
    cmos_write(s, RTC_MINUTES, bcd(minute));
    cmos_write(s, RTC_SECONDS, bcd(second));
    cmos_write(s, RTC_REG_B, REG_B_24H);
    cmos_write(s, RTC_REG_A, REG_A_DV_32KHZ | 6);
}

static QTestState *vm_start(void)
{
    return qtest_init(VM_ARGS);
}

/*
 * For tests that move the virtual clock: NULL (test skipped) when the VMM
 * has no qtest accelerator, as with a QEMU built without it.
 */
static QTestState *vm_start_clocked(void)
{
    QTestState *s = qtest_init(VM_ARGS);

    if (!qtest_has_accel_qtest(s)) {
        qtest_quit(s);
        g_test_skip("no virtual clock control");
        return NULL;
    }
    return s;
}

static void test_power_on_registers(void)
{
    QTestState *s = vm_start();

    /* 32.768 kHz with the 1024 Hz rate, 24-hour BCD, valid RAM and time. */
    g_assert_cmphex(cmos_read(s, RTC_REG_A), ==, 0x26);
    g_assert_cmphex(cmos_read(s, RTC_REG_B), ==, REG_B_24H);
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, 0);
    g_assert_cmphex(cmos_read(s, RTC_REG_D), ==, 0x80);
    /* 2006-06-17 was a Saturday: day 7 with Sunday as 1. */
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x21);
    g_assert_cmphex(cmos_read(s, RTC_MINUTES), ==, 0x01);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x16);
    g_assert_cmphex(cmos_read(s, RTC_DAY_OF_WEEK), ==, 0x07);
    g_assert_cmphex(cmos_read(s, RTC_DAY_OF_MONTH), ==, 0x17);
    g_assert_cmphex(cmos_read(s, RTC_MONTH), ==, 0x06);
    g_assert_cmphex(cmos_read(s, RTC_YEAR), ==, 0x06);
    g_assert_cmphex(cmos_read(s, RTC_CENTURY), ==, 0x20);
    /* Register D is read-only. */
    cmos_write(s, RTC_REG_D, 0);
    g_assert_cmphex(cmos_read(s, RTC_REG_D), ==, 0x80);
    qtest_quit(s);
}

static void test_binary_mode(void)
{
    QTestState *s = vm_start();

    cmos_write(s, RTC_REG_B, REG_B_DM | REG_B_24H);
    g_assert_cmpint(cmos_read(s, RTC_SECONDS), ==, 21);
    g_assert_cmpint(cmos_read(s, RTC_MINUTES), ==, 1);
    g_assert_cmpint(cmos_read(s, RTC_HOURS), ==, 16);
    g_assert_cmpint(cmos_read(s, RTC_DAY_OF_MONTH), ==, 17);
    g_assert_cmpint(cmos_read(s, RTC_YEAR), ==, 6);
    g_assert_cmpint(cmos_read(s, RTC_CENTURY), ==, 20);
    /* A binary time set under SET sticks. */
    cmos_write(s, RTC_REG_B, REG_B_SET | REG_B_DM | REG_B_24H);
    cmos_write(s, RTC_HOURS, 23);
    cmos_write(s, RTC_MINUTES, 59);
    cmos_write(s, RTC_YEAR, 99);
    cmos_write(s, RTC_REG_B, REG_B_DM | REG_B_24H);
    g_assert_cmpint(cmos_read(s, RTC_HOURS), ==, 23);
    g_assert_cmpint(cmos_read(s, RTC_MINUTES), ==, 59);
    g_assert_cmpint(cmos_read(s, RTC_YEAR), ==, 99);
    /* Back to BCD: the same time in the other encoding. */
    cmos_write(s, RTC_REG_B, REG_B_24H);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x23);
    g_assert_cmphex(cmos_read(s, RTC_YEAR), ==, 0x99);
    g_assert_cmphex(cmos_read(s, RTC_CENTURY), ==, 0x20);
    qtest_quit(s);
}

static void test_12_hour_mode(void)
{
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    /* 16:01 is 4 PM: the hour with bit 7 set. */
    cmos_write(s, RTC_REG_B, 0);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x84);
    cmos_write(s, RTC_REG_B, REG_B_DM);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x84);
    /* Midnight and noon read as 12 AM and 12 PM. */
    rtc_time_set(s, 20, 6, 6, 17, 0, 30, 0);
    cmos_write(s, RTC_REG_B, 0);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x12);
    rtc_time_set(s, 20, 6, 6, 17, 12, 30, 0);
    cmos_write(s, RTC_REG_B, 0);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x92);
    /* 11:59:59 AM becomes 12:00:00 PM. */
    cmos_write(s, RTC_REG_B, REG_B_SET);
    cmos_write(s, RTC_HOURS, 0x11);
    cmos_write(s, RTC_MINUTES, 0x59);
    cmos_write(s, RTC_SECONDS, 0x59);
    cmos_write(s, RTC_REG_B, 0);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x11);
    qtest_clock_step(s, SECOND);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x92);
    g_assert_cmphex(cmos_read(s, RTC_MINUTES), ==, 0x00);
    /* 1 PM written in 12-hour mode is 13:00 in 24-hour mode. */
    cmos_write(s, RTC_REG_B, REG_B_SET);
    cmos_write(s, RTC_HOURS, 0x81);
    cmos_write(s, RTC_REG_B, 0);
    cmos_write(s, RTC_REG_B, REG_B_24H);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x13);
    qtest_quit(s);
}

static void test_time_moves_with_clock(void)
{
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    qtest_clock_step(s, 60 * SECOND);
    assert_time(s, 20, 6, 6, 17, 16, 2, 21);
    qtest_clock_step(s, 3600 * SECOND);
    assert_time(s, 20, 6, 6, 17, 17, 2, 21);
    /* A time set under SET sticks and runs on with the clock. */
    cmos_write(s, RTC_REG_B, REG_B_SET | REG_B_24H);
    cmos_write(s, RTC_HOURS, 0x08);
    cmos_write(s, RTC_MINUTES, 0x00);
    cmos_write(s, RTC_SECONDS, 0x00);
    qtest_clock_step(s, 5 * SECOND); /* frozen while SET is on */
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x00);
    cmos_write(s, RTC_REG_B, REG_B_24H);
    assert_time(s, 20, 6, 6, 17, 8, 0, 0);
    qtest_clock_step(s, 10 * SECOND);
    assert_time(s, 20, 6, 6, 17, 8, 0, 10);
    /* Writing one field with SET clear keeps the others running. */
    cmos_write(s, RTC_MINUTES, 0x30);
    assert_time(s, 20, 6, 6, 17, 8, 30, 10);
    qtest_clock_step(s, 50 * SECOND);
    assert_time(s, 20, 6, 6, 17, 8, 31, 0);
    qtest_quit(s);
}

typedef struct Rollover {
    RTCTime before, after;
    uint8_t day_of_week_after;
} Rollover;

static void test_rollover(void)
{
    static const Rollover cases[] = {
        {{20, 6, 6, 17, 16, 1, 59}, {20, 6, 6, 17, 16, 2, 0}, 7},
        {{20, 6, 6, 17, 16, 59, 59}, {20, 6, 6, 17, 17, 0, 0}, 7},
        {{20, 6, 6, 17, 23, 59, 59}, {20, 6, 6, 18, 0, 0, 0}, 1},
        {{20, 6, 6, 30, 23, 59, 59}, {20, 6, 7, 1, 0, 0, 0}, 7},
        {{20, 6, 12, 31, 23, 59, 59}, {20, 7, 1, 1, 0, 0, 0}, 2},
        {{19, 99, 12, 31, 23, 59, 59}, {20, 0, 1, 1, 0, 0, 0}, 7},
        {{20, 8, 2, 28, 23, 59, 59}, {20, 8, 2, 29, 0, 0, 0}, 6},
        {{20, 7, 2, 28, 23, 59, 59}, {20, 7, 3, 1, 0, 0, 0}, 5},
        {{21, 0, 2, 28, 23, 59, 59}, {21, 0, 3, 1, 0, 0, 0}, 2},
        {{20, 0, 2, 28, 23, 59, 59}, {20, 0, 2, 29, 0, 0, 0}, 3},
    };
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const RTCTime *b = &cases[i].before, *a = &cases[i].after;

        rtc_time_set(s, b->century, b->year, b->month, b->day, b->hour,
                     b->minute, b->second);
        /* The first update comes 500 ms after the divider restarts. */
        qtest_clock_step(s, 499 * MS);
        assert_time(s, b->century, b->year, b->month, b->day, b->hour,
                    b->minute, b->second);
        qtest_clock_step(s, 1 * MS);
        assert_time(s, a->century, a->year, a->month, a->day, a->hour,
                    a->minute, a->second);
        g_assert_cmphex(cmos_read(s, RTC_DAY_OF_WEEK), ==,
                        cases[i].day_of_week_after);
    }
    qtest_quit(s);
}

static void test_divider_stopped(void)
{
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    /* Held in divider reset the clock stands still. */
    cmos_write(s, RTC_REG_A, REG_A_DV_RESET | 6);
    qtest_clock_step(s, 10 * SECOND);
    assert_time(s, 20, 6, 6, 17, 16, 1, 21);
    g_assert_cmphex(cmos_read(s, RTC_REG_A), ==, REG_A_DV_RESET | 6);
    cmos_write(s, RTC_REG_A, REG_A_DV_32KHZ | 6);
    qtest_clock_step(s, 500 * MS);
    assert_time(s, 20, 6, 6, 17, 16, 1, 22);
    qtest_quit(s);
}

/*
 * Periodic interrupts whatever the divider bits say (DV=000 here), as
 * QEMU 7.2 gives them; QEMU's own RTC test programs the rate that way.
 * The clock itself still stands.
 */
static void test_periodic_any_divider(void)
{
    QTestState *s = vm_start_clocked();
    int edges = 0;

    if (!s) {
        return;
    }
    qtest_irq_intercept_in(s, "ioapic");
    cmos_write(s, RTC_REG_A, 13); /* DV=000, RS=13: 8 Hz */
    cmos_write(s, RTC_REG_B, REG_B_PIE | REG_B_24H);
    cmos_read(s, RTC_REG_C);
    for (int i = 0; i < 100; i++) {
        qtest_clock_step(s, 10 * MS);
        if (qtest_get_irq(s, RTC_IRQ)) {
            g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_IRQF | REG_C_PF);
            edges++;
        }
    }
    g_assert_cmpint(edges, ==, 8);
    assert_time(s, 20, 6, 6, 17, 16, 1, 21);
    qtest_quit(s);
}

static void test_update_in_progress(void)
{
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    rtc_time_set(s, 20, 6, 6, 17, 16, 1, 21);
    /* UIP rises 244 us (8 cycles of 32.768 kHz) before the update. */
    qtest_clock_step(s, 500 * MS - 300 * US);
    g_assert_cmphex(cmos_read(s, RTC_REG_A) & REG_A_UIP, ==, 0);
    qtest_clock_step(s, 100 * US);
    g_assert_cmphex(cmos_read(s, RTC_REG_A), ==, REG_A_UIP | 0x26);
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x21);
    /* SET inhibits the update and clears UIP. */
    cmos_write(s, RTC_REG_B, REG_B_SET | REG_B_24H);
    g_assert_cmphex(cmos_read(s, RTC_REG_A) & REG_A_UIP, ==, 0);
    cmos_write(s, RTC_REG_B, REG_B_24H);
    g_assert_cmphex(cmos_read(s, RTC_REG_A) & REG_A_UIP, ==, REG_A_UIP);
    /* After the update it falls, with the new second in place. */
    qtest_clock_step(s, 200 * US);
    g_assert_cmphex(cmos_read(s, RTC_REG_A) & REG_A_UIP, ==, 0);
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x22);
    /* UIP is read-only. */
    cmos_write(s, RTC_REG_A, REG_A_UIP | 0x26);
    g_assert_cmphex(cmos_read(s, RTC_REG_A), ==, 0x26);
    qtest_quit(s);
}

static void test_update_ended(void)
{
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    qtest_irq_intercept_in(s, "ioapic");
    rtc_time_set(s, 20, 6, 6, 17, 16, 1, 21);
    cmos_write(s, RTC_REG_A, REG_A_DV_32KHZ); /* no periodic flag */
    cmos_read(s, RTC_REG_C);
    /* UF is set at every update, enabled or not; reading C clears it. */
    qtest_clock_step(s, 499 * MS);
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, 0);
    qtest_clock_step(s, 1 * MS);
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_UF);
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, 0);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    /* With UIE the update raises IRQ 8 until C is read. */
    cmos_write(s, RTC_REG_B, REG_B_UIE | REG_B_24H);
    qtest_clock_step(s, 999 * MS);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1 * MS);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_IRQF | REG_C_UF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, SECOND);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    /* An unread flag keeps the line up across further updates. */
    qtest_clock_step(s, 3 * SECOND);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_IRQF | REG_C_UF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    /* Setting SET clears UIE, as the datasheet says. */
    cmos_write(s, RTC_REG_B, REG_B_SET | REG_B_UIE | REG_B_24H);
    g_assert_cmphex(cmos_read(s, RTC_REG_B), ==, REG_B_SET | REG_B_24H);
    qtest_clock_step(s, 2 * SECOND);
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, 0);
    qtest_quit(s);
}

static void test_alarm(void)
{
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    qtest_irq_intercept_in(s, "ioapic");
    rtc_time_set(s, 20, 6, 6, 17, 16, 1, 21);
    cmos_write(s, RTC_REG_A, REG_A_DV_32KHZ); /* no periodic flag */
    cmos_write(s, RTC_HOURS_ALARM, 0x16);
    cmos_write(s, RTC_MINUTES_ALARM, 0x01);
    cmos_write(s, RTC_SECONDS_ALARM, 0x25);
    cmos_write(s, RTC_REG_B, REG_B_AIE | REG_B_24H);
    cmos_read(s, RTC_REG_C);
    /* Updates at +0.5, 1.5, 2.5 s reach :22 to :24; +3.5 s is :25. */
    qtest_clock_step(s, 3499 * MS);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1 * MS);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x25);
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==,
                    REG_C_IRQF | REG_C_AF | REG_C_UF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    /* Once a day only: the next second does not match. */
    qtest_clock_step(s, SECOND);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_UF);

    /* "Don't care" hours and minutes: every minute at second 30. */
    cmos_write(s, RTC_HOURS_ALARM, 0xc0);
    cmos_write(s, RTC_MINUTES_ALARM, 0xff);
    cmos_write(s, RTC_SECONDS_ALARM, 0x30);
    qtest_clock_step(s, 4 * SECOND); /* :30 */
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C) & REG_C_AF, ==, REG_C_AF);
    qtest_clock_step(s, 59 * SECOND); /* 16:02:29 */
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, SECOND);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    cmos_read(s, RTC_REG_C);

    /* With AIE clear the flag is still set, but the line stays low. */
    cmos_write(s, RTC_REG_B, REG_B_24H);
    cmos_write(s, RTC_SECONDS_ALARM, 0xc0); /* every second */
    qtest_clock_step(s, SECOND);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_AF | REG_C_UF);
    /* Enabling AIE with AF pending raises the line at once. */
    qtest_clock_step(s, SECOND);
    cmos_write(s, RTC_REG_B, REG_B_AIE | REG_B_24H);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    cmos_read(s, RTC_REG_C);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));

    /* An alarm second no time can show never matches. */
    cmos_write(s, RTC_SECONDS_ALARM, 0x60);
    qtest_clock_step(s, 120 * SECOND);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C) & REG_C_AF, ==, 0);
    qtest_quit(s);
}

static void test_alarm_12_hour(void)
{
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    qtest_irq_intercept_in(s, "ioapic");
    rtc_time_set(s, 20, 6, 6, 17, 16, 59, 59);
    /* In 12-hour mode the alarm hour carries the PM bit: 5 PM. */
    cmos_write(s, RTC_REG_B, 0);
    cmos_write(s, RTC_HOURS_ALARM, 0x85);
    cmos_write(s, RTC_MINUTES_ALARM, 0x00);
    cmos_write(s, RTC_SECONDS_ALARM, 0x00);
    cmos_write(s, RTC_REG_B, REG_B_AIE);
    qtest_clock_step(s, 500 * MS);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x85);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C) & REG_C_AF, ==, REG_C_AF);
    qtest_quit(s);
}

static void test_periodic(void)
{
    QTestState *s = vm_start_clocked();
    int edges = 0;

    if (!s) {
        return;
    }

    qtest_irq_intercept_in(s, "ioapic");
    /* 1024 Hz: one period is 976.5625 us from the divider restart. */
    rtc_time_set(s, 20, 6, 6, 17, 16, 1, 21);
    cmos_write(s, RTC_REG_B, REG_B_PIE | REG_B_24H);
    cmos_read(s, RTC_REG_C);
    qtest_clock_step(s, 976 * US);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1 * US);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_IRQF | REG_C_PF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    /* The second edge is at 1953.125 us. */
    qtest_clock_step(s, 976 * US);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1 * US);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    cmos_read(s, RTC_REG_C);

    /* 8 Hz (RS=13): eight interrupts a second, counted in 10 ms steps. */
    cmos_write(s, RTC_REG_A, REG_A_DV_32KHZ | 13);
    cmos_read(s, RTC_REG_C);
    for (int i = 0; i < 100; i++) {
        qtest_clock_step(s, 10 * MS);
        if (qtest_get_irq(s, RTC_IRQ)) {
            g_assert_cmphex(cmos_read(s, RTC_REG_C) & REG_C_PF, ==, REG_C_PF);
            g_assert_false(qtest_get_irq(s, RTC_IRQ));
            edges++;
        }
    }
    g_assert_cmpint(edges, ==, 8);

    /* PF without PIE: the flag only. Rate 0: nothing. */
    cmos_write(s, RTC_REG_B, REG_B_24H);
    cmos_read(s, RTC_REG_C);
    qtest_clock_step(s, 130 * MS);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C) & REG_C_PF, ==, REG_C_PF);
    cmos_write(s, RTC_REG_A, REG_A_DV_32KHZ);
    cmos_write(s, RTC_REG_B, REG_B_PIE | REG_B_24H);
    cmos_read(s, RTC_REG_C);
    qtest_clock_step(s, 300 * MS);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C) & REG_C_PF, ==, 0);
    qtest_quit(s);
}

static void test_reset(void)
{
    QTestState *s = vm_start_clocked();

    if (!s) {
        return;
    }

    qtest_irq_intercept_in(s, "ioapic");
    cmos_write(s, RTC_REG_B,
               REG_B_PIE | REG_B_AIE | REG_B_SQWE | REG_B_DM | REG_B_24H);
    cmos_write(s, 0x40, 0x5a);
    qtest_clock_step(s, 2 * MS);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    qtest_qmp_assert_success(s, "{\"execute\": \"system_reset\"}");
    qtest_qmp_eventwait(s, "RESET");
    /* The RESET pin clears the enables and flags; time, mode and RAM stay. */
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_B), ==, REG_B_DM | REG_B_24H);
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, 0);
    g_assert_cmphex(cmos_read(s, RTC_REG_A), ==, 0x26);
    g_assert_cmphex(cmos_read(s, 0x40), ==, 0x5a);
    g_assert_cmpint(cmos_read(s, RTC_MINUTES), ==, 1);
    qtest_quit(s);
}

/* The board's RTC is a QOM child nobody named, with QEMU's properties. */
static void test_qom(void)
{
    QTestState *s = vm_start();
    JsonNode *list = qtest_qmp_assert_success_ref(
        s, "{\"execute\": \"qom-list\", "
           "\"arguments\": {\"path\": \"/machine/unattached\"}}");
    JsonArray *children = json_node_get_array(list);
    g_autofree char *path = NULL;
    JsonNode *value;

    for (guint i = 0; !path && i < json_array_get_length(children); i++) {
        JsonObject *prop = json_array_get_object_element(children, i);

        if (!strcmp(json_object_get_string_member(prop, "type"),
                    "child<mc146818rtc>")) {
            path = g_strdup_printf("/machine/unattached/%s",
                                   json_object_get_string_member(prop, "name"));
        }
    }
    json_node_unref(list);
    g_assert_nonnull(path);
    value = qtest_qmp_assert_success_ref(
        s,
        "{\"execute\": \"qom-get\", \"arguments\": "
        "{\"path\": \"%s\", \"property\": \"base_year\"}}",
        path);
    g_assert_cmpint(json_node_get_int(value), ==, 0);
    json_node_unref(value);
    qtest_quit(s);
}

static void test_cmos_ram(void)
{
    QTestState *s = vm_start();

    for (int i = 0x40; i < 0x80; i++) {
        cmos_write(s, i, i ^ 0xa5);
    }
    for (int i = 0x40; i < 0x80; i++) {
        g_assert_cmphex(cmos_read(s, i), ==, i ^ 0xa5);
    }
    /* Bit 7 of the index is the NMI mask on the PC, not an address bit. */
    cmos_write(s, 0x80 | 0x41, 0x33);
    g_assert_cmphex(cmos_read(s, 0x41), ==, 0x33);
    g_assert_cmphex(cmos_read(s, 0x80 | 0x41), ==, 0x33);
    qtest_quit(s);
}

static uint16_t cmos_read16(QTestState *s, uint8_t low)
{
    return cmos_read(s, low) | cmos_read(s, low + 1) << 8;
}

static void test_bios_memory_128m(void)
{
    QTestState *s = qtest_init("-m 128");

    g_assert_cmphex(cmos_read16(s, 0x15), ==, 640);
    /* 127 MiB above 1 MiB does not fit in 16 bits of KiB. */
    g_assert_cmphex(cmos_read16(s, 0x17), ==, 0xffff);
    g_assert_cmphex(cmos_read16(s, 0x30), ==, 0xffff);
    g_assert_cmphex(cmos_read16(s, 0x34), ==, (128 - 16) * 16);
    g_assert_cmphex(cmos_read(s, 0x5b), ==, 0);
    g_assert_cmphex(cmos_read(s, 0x5c), ==, 0);
    g_assert_cmphex(cmos_read(s, 0x5d), ==, 0);
    g_assert_cmphex(cmos_read(s, 0x5f), ==, 0);
    /*
     * FPU and PS/2 mouse, EGA/VGA display (bits 5-4 clear). Bit 0 and bits
     * 7-6 count floppy drives: none in pcvm, QEMU's pc adds one by default.
     */
    g_assert_cmphex(cmos_read(s, 0x14) & ~0xc1, ==, 0x06);
    /* Default order "cad": hard disk, floppy, CD-ROM. */
    g_assert_cmphex(cmos_read(s, 0x3d), ==, 0x12);
    g_assert_cmphex(cmos_read(s, 0x38), ==, 0x30);
    qtest_quit(s);
}

static void test_bios_memory_small(void)
{
    QTestState *s = qtest_init("-m 32");

    g_assert_cmphex(cmos_read16(s, 0x17), ==, 31 * 1024);
    g_assert_cmphex(cmos_read16(s, 0x30), ==, 31 * 1024);
    g_assert_cmphex(cmos_read16(s, 0x34), ==, 16 * 16);
    qtest_quit(s);
}

static void test_bios_memory_4g_smp(void)
{
    QTestState *s = qtest_init("-m 4G -smp 2");

    /* 3 GiB below the PCI hole, 1 GiB above 4 GiB. */
    g_assert_cmphex(cmos_read16(s, 0x17), ==, 0xffff);
    g_assert_cmphex(cmos_read16(s, 0x34), ==, (3072 - 16) * 16);
    g_assert_cmphex(cmos_read(s, 0x5b), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x5c), ==, 0x40);
    g_assert_cmphex(cmos_read(s, 0x5d), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x5f), ==, 1);
    qtest_quit(s);
}

static void test_boot_order(void)
{
    QTestState *s = qtest_init("-boot order=dc");

    g_assert_cmphex(cmos_read(s, 0x3d), ==, 0x23);
    g_assert_cmphex(cmos_read(s, 0x38), ==, 0x00);
    qtest_quit(s);

    s = qtest_init("-boot order=nda");
    g_assert_cmphex(cmos_read(s, 0x3d), ==, 0x34);
    g_assert_cmphex(cmos_read(s, 0x38), ==, 0x10);
    qtest_quit(s);

    /* -no-fd-bootchk: bit 0, the BIOS skips the floppy's signature check */
    s = qtest_init("-boot order=nda -no-fd-bootchk");
    g_assert_cmphex(cmos_read(s, 0x38), ==, 0x11);
    qtest_quit(s);
}

static void test_boot_once(void)
{
    QTestState *s = qtest_init("-boot once=n,order=dc");

    /* The first boot uses once=; after a reset, order= takes over. */
    g_assert_cmphex(cmos_read(s, 0x3d), ==, 0x04);
    qtest_qmp_assert_success(s, "{\"execute\": \"system_reset\"}");
    qtest_qmp_eventwait(s, "RESET");
    g_assert_cmphex(cmos_read(s, 0x3d), ==, 0x23);
    qtest_qmp_assert_success(s, "{\"execute\": \"system_reset\"}");
    qtest_qmp_eventwait(s, "RESET");
    g_assert_cmphex(cmos_read(s, 0x3d), ==, 0x23);
    qtest_quit(s);
}

/* The RTC's time in seconds since the epoch, read between updates. */
static int64_t rtc_unix_time(QTestState *s)
{
    RTCTime t;
    g_autoptr(GDateTime) dt = NULL;

    while (cmos_read(s, RTC_REG_A) & REG_A_UIP) {
        g_usleep(100);
    }
    t = rtc_time_read(s);
    dt = g_date_time_new_utc(t.century * 100 + t.year, t.month, t.day, t.hour,
                             t.minute, t.second);
    g_assert_nonnull(dt);
    return g_date_time_to_unix(dt);
}

static void test_base_utc(void)
{
    QTestState *s = qtest_init("-rtc base=utc");
    int64_t host = g_get_real_time() / G_USEC_PER_SEC;

    g_assert_cmpint(llabs(rtc_unix_time(s) - host), <=, 5);
    qtest_quit(s);
}

static void test_base_localtime(void)
{
    QTestState *s = qtest_init("-rtc base=localtime");
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    int64_t local = g_date_time_to_unix(now) +
                    g_date_time_get_utc_offset(now) / G_USEC_PER_SEC;

    g_assert_cmpint(llabs(rtc_unix_time(s) - local), <=, 5);
    qtest_quit(s);
}

/* With clock=host (the default) the date moves with the host's clock. */
static void test_base_date_host_clock(void)
{
    QTestState *s = qtest_init("-rtc base=2006-06-17T16:01:21");
    int64_t start = 1150560081; /* 2006-06-17T16:01:21Z */
    int64_t t = rtc_unix_time(s);

    g_assert_cmpint(t, >=, start);
    g_assert_cmpint(t, <=, start + 5);
    g_usleep(1100 * 1000);
    g_assert_cmpint(rtc_unix_time(s), >, t);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rtc/power-on-registers", test_power_on_registers);
    g_test_add_func("/rtc/binary-mode", test_binary_mode);
    g_test_add_func("/rtc/12-hour-mode", test_12_hour_mode);
    g_test_add_func("/rtc/time-moves-with-clock", test_time_moves_with_clock);
    g_test_add_func("/rtc/rollover", test_rollover);
    g_test_add_func("/rtc/divider-stopped", test_divider_stopped);
    g_test_add_func("/rtc/update-in-progress", test_update_in_progress);
    g_test_add_func("/rtc/update-ended", test_update_ended);
    g_test_add_func("/rtc/alarm", test_alarm);
    g_test_add_func("/rtc/alarm-12-hour", test_alarm_12_hour);
    g_test_add_func("/rtc/periodic", test_periodic);
    g_test_add_func("/rtc/periodic-any-divider", test_periodic_any_divider);
    g_test_add_func("/rtc/reset", test_reset);
    g_test_add_func("/rtc/cmos-ram", test_cmos_ram);
    g_test_add_func("/rtc/qom", test_qom);
    g_test_add_func("/rtc/bios/memory-128m", test_bios_memory_128m);
    g_test_add_func("/rtc/bios/memory-32m", test_bios_memory_small);
    g_test_add_func("/rtc/bios/memory-4g-smp", test_bios_memory_4g_smp);
    g_test_add_func("/rtc/bios/boot-order", test_boot_order);
    g_test_add_func("/rtc/bios/boot-once", test_boot_once);
    g_test_add_func("/rtc/base-utc", test_base_utc);
    g_test_add_func("/rtc/base-localtime", test_base_localtime);
    g_test_add_func("/rtc/base-date-host-clock", test_base_date_host_clock);
    return g_test_run();
}
