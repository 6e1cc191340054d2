/*
 * Motorola MC146818 real-time clock with 114 bytes of CMOS RAM, as the PC
 * has it at ports 0x70 (index) / 0x71 (data) on ISA IRQ 8 ("mc146818rtc").
 * Registers follow the MC146818A and Dallas DS12887 datasheets; the century
 * lives at 0x32, where QEMU and the PC BIOSes keep it.
 *
 * Nothing ticks while nobody listens: the divider chain is a clock reading
 * plus an offset (so guest-set time sticks without drifting), the time
 * registers, UIP and the UF/AF/PF flags are computed from it when read, and
 * a timer runs only for the interrupts the guest enabled. The calendar is
 * kept as whole seconds next to the chain's phase, so SET and time writes
 * keep the sub-second phase, and leaving divider reset (DV=11x -> 010)
 * puts the next update 500 ms ahead as the datasheet says.
 *
 * Left out: the square-wave output (SQWE is stored only), daylight saving
 * (DSE is stored only), the 4.194304/1.048576 MHz time bases (any DV other
 * than 010 stops the clock, but not the periodic interrupt, as in QEMU), the
 * day-of-week counter as a free-running register (it is recomputed from the
 * date), and the update cycle's own duration after UIP (registers change at the
 * second boundary).
 */
#include <string.h>

#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "hw/rtc/mc146818.h"
#include "system/timer.h"
#include "util/cutils.h"
#include "util/error.h"
#include "util/log.h"

/* Clock and calendar registers. */
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

#define RTC_REG_A_UIP 0x80
#define RTC_REG_A_DV_MASK 0x70
#define RTC_REG_A_DV_32KHZ 0x20 /* 010: oscillator on, counting */
#define RTC_REG_A_RS_MASK 0x0f

#define RTC_REG_B_SET 0x80
#define RTC_REG_B_PIE 0x40
#define RTC_REG_B_AIE 0x20
#define RTC_REG_B_UIE 0x10
#define RTC_REG_B_SQWE 0x08
#define RTC_REG_B_DM 0x04 /* 1: binary, 0: BCD */
#define RTC_REG_B_24H 0x02
#define RTC_REG_B_DSE 0x01

/* Register C's flags sit at the same bits as their enables in B. */
#define RTC_REG_C_IRQF 0x80
#define RTC_REG_C_PF 0x40
#define RTC_REG_C_AF 0x20
#define RTC_REG_C_UF 0x10
#define RTC_REG_C_FLAGS (RTC_REG_C_PF | RTC_REG_C_AF | RTC_REG_C_UF)

#define RTC_REG_D_VRT 0x80

#define RTC_HOURS_PM 0x80
/* An alarm byte of binary 11xxxxxx matches every value. */
#define RTC_ALARM_DONT_CARE 0xc0

/* The 32.768 kHz time base; UIP rises 8 of its cycles (244 us) early. */
#define RTC_TIME_BASE_HZ 32768
#define RTC_UIP_CYCLES 8
/* Leaving divider reset, the first update comes half a second later. */
#define RTC_FIRST_UPDATE_NS (NANOSECONDS_PER_SECOND / 2)
#define SECONDS_PER_DAY 86400

typedef struct MC146818State {
    DeviceState parent_obj;
    /* properties */
    int32_t base_year;
    char *base;       /* -rtc base=: utc, localtime or a date */
    char *clock_name; /* -rtc clock=: host, rt or vm */
    uint32_t iobase;
    uint32_t irq_number;

    MemoryRegion io;
    IRQLine *irq;
    Timer *timer;
    VMClockType clock;

    uint8_t index;
    uint8_t cmos[MC146818_CMOS_SIZE];
    /*
     * The divider chain counts nanoseconds: clock + phase_offset while it
     * runs, frozen at stopped_div_ns otherwise. Updates happen when it
     * crosses a whole second; the calendar second is that count of seconds
     * plus secs_offset. Flags were last brought up to date at synced_div_ns.
     */
    int64_t phase_offset;
    int64_t stopped_div_ns;
    int64_t secs_offset;
    int64_t synced_div_ns;
    /*
     * The periodic taps (see rtc_tap_ns) were last looked at at this
     * count; while the chain runs it equals synced_div_ns.
     */
    int64_t synced_tap_ns;
} MC146818State;

#define MC146818_RTC(obj) DEVICE_CAST(MC146818State, obj, TYPE_MC146818_RTC)

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970) ---- */

static int64_t days_from_date(int64_t year, int month, int64_t day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = floor_div(y, 400);
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year =
        (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

    return era * 146097 + day_of_era - 719468;
}

static void date_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t day_of_era = z - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
                           day_of_era / 146096) /
                          365;
    int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t shifted_month = (5 * day_of_year + 2) / 153;

    *day = (int)(day_of_year - (153 * shifted_month + 2) / 5 + 1);
    *month = (int)(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

/* ---- register encoding ------------------------------------------------ */

static bool rtc_running(MC146818State *s)
{
    return (s->cmos[RTC_REG_A] & RTC_REG_A_DV_MASK) == RTC_REG_A_DV_32KHZ;
}

static uint8_t rtc_encode(MC146818State *s, int value)
{
    if (s->cmos[RTC_REG_B] & RTC_REG_B_DM) {
        return value;
    }
    return ((value / 10) << 4) | (value % 10);
}

static int rtc_decode(MC146818State *s, uint8_t value)
{
    if (s->cmos[RTC_REG_B] & RTC_REG_B_DM) {
        return value;
    }
    return (value >> 4) * 10 + (value & 0x0f);
}

static uint8_t rtc_encode_hours(MC146818State *s, int hours)
{
    int hours12 = hours % 12;

    if (s->cmos[RTC_REG_B] & RTC_REG_B_24H) {
        return rtc_encode(s, hours);
    }
    return rtc_encode(s, hours12 ? hours12 : 12) |
           (hours >= 12 ? RTC_HOURS_PM : 0);
}

static int rtc_decode_hours(MC146818State *s, uint8_t value)
{
    int hours;

    if (s->cmos[RTC_REG_B] & RTC_REG_B_24H) {
        return rtc_decode(s, value);
    }
    hours = rtc_decode(s, value & ~RTC_HOURS_PM) % 12;
    return (value & RTC_HOURS_PM) ? hours + 12 : hours;
}

/* The divider chain's count now, in nanoseconds. */
static int64_t rtc_div_ns(MC146818State *s)
{
    if (!rtc_running(s)) {
        return s->stopped_div_ns;
    }
    return vm_clock_get_ns(s->clock) + s->phase_offset;
}

/*
 * The periodic interrupt's time base: the chain's count as if it never
 * stopped. QEMU 7.2 raises periodic interrupts whatever the divider bits
 * say, and guests and QEMU's own tests rely on that, so the rate taps keep
 * counting while DV holds the update stages (a real MC146818 would stop).
 */
static int64_t rtc_tap_ns(MC146818State *s)
{
    return vm_clock_get_ns(s->clock) + s->phase_offset;
}

static int64_t rtc_seconds_at(MC146818State *s, int64_t div_ns)
{
    return floor_div(div_ns, NANOSECONDS_PER_SECOND) + s->secs_offset;
}

/* Writes the time and date of calendar second secs into the registers. */
static void rtc_registers_from_seconds(MC146818State *s, int64_t secs)
{
    int64_t days = floor_div(secs, SECONDS_PER_DAY);
    int64_t time_of_day = secs - days * SECONDS_PER_DAY;
    int64_t year;
    int month, day;

    date_from_days(days, &year, &month, &day);
    year -= s->base_year;
    if (year < 0) {
        year = 0;
    }
    s->cmos[RTC_SECONDS] = rtc_encode(s, time_of_day % 60);
    s->cmos[RTC_MINUTES] = rtc_encode(s, time_of_day / 60 % 60);
    s->cmos[RTC_HOURS] = rtc_encode_hours(s, time_of_day / 3600);
    /* 1970-01-01 was a Thursday; the PC counts Sunday as day 1. */
    s->cmos[RTC_DAY_OF_WEEK] = rtc_encode(s, floor_mod(days + 4, 7) + 1);
    s->cmos[RTC_DAY_OF_MONTH] = rtc_encode(s, day);
    s->cmos[RTC_MONTH] = rtc_encode(s, month);
    s->cmos[RTC_YEAR] = rtc_encode(s, year % 100);
    s->cmos[MC146818_RTC_CENTURY] = rtc_encode(s, year / 100 % 100);
}

/* The calendar second the time and date registers describe. */
static int64_t rtc_seconds_from_registers(MC146818State *s)
{
    int64_t year = rtc_decode(s, s->cmos[RTC_YEAR]) +
                   rtc_decode(s, s->cmos[MC146818_RTC_CENTURY]) * 100 +
                   s->base_year;
    int month = rtc_decode(s, s->cmos[RTC_MONTH]);
    int64_t days;

    if (month < 1 || month > 12) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "mc146818rtc: month register 0x%02x is out of range\n",
                        s->cmos[RTC_MONTH]);
        month = CLAMP(month, 1, 12);
    }
    /* Out-of-range days, hours, minutes and seconds simply carry over. */
    days =
        days_from_date(year, month, rtc_decode(s, s->cmos[RTC_DAY_OF_MONTH]));
    return days * SECONDS_PER_DAY +
           rtc_decode_hours(s, s->cmos[RTC_HOURS]) * 3600 +
           rtc_decode(s, s->cmos[RTC_MINUTES]) * 60 +
           rtc_decode(s, s->cmos[RTC_SECONDS]);
}

/* With SET clear the registers show the running time; with SET they hold. */
static void rtc_registers_refresh(MC146818State *s)
{
    if (!(s->cmos[RTC_REG_B] & RTC_REG_B_SET)) {
        rtc_registers_from_seconds(s, rtc_seconds_at(s, rtc_div_ns(s)));
    }
}

/* Makes the running calendar continue from what the registers say. */
static void rtc_set_time_from_registers(MC146818State *s)
{
    s->secs_offset = rtc_seconds_from_registers(s) -
                     floor_div(rtc_div_ns(s), NANOSECONDS_PER_SECOND);
}

/* ---- alarm and periodic rate ---------------------------------------- */

static bool rtc_alarm_byte_matches(uint8_t alarm, uint8_t value)
{
    return (alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE ||
           alarm == value;
}

/*
 * The first calendar second after secs whose hours, minutes and seconds
 * bytes (in the current format) match the alarm, or INT64_MAX if none in
 * the next day does.
 */
static int64_t rtc_next_alarm(MC146818State *s, int64_t secs)
{
    int64_t t = secs + 1;
    bool hours_possible = false, minutes_possible = false;
    bool seconds_possible = false;

    /* A field no value can match (0x60 seconds, say) means never. */
    for (int v = 0; v < 60; v++) {
        hours_possible |=
            v < 24 && rtc_alarm_byte_matches(s->cmos[RTC_HOURS_ALARM],
                                             rtc_encode_hours(s, v));
        minutes_possible |= rtc_alarm_byte_matches(s->cmos[RTC_MINUTES_ALARM],
                                                   rtc_encode(s, v));
        seconds_possible |= rtc_alarm_byte_matches(s->cmos[RTC_SECONDS_ALARM],
                                                   rtc_encode(s, v));
    }
    if (!hours_possible || !minutes_possible || !seconds_possible) {
        return INT64_MAX;
    }
    /* Whole hours and minutes are skipped, so this takes ~150 rounds. */
    while (t <= secs + SECONDS_PER_DAY) {
        int64_t time_of_day = floor_mod(t, SECONDS_PER_DAY);

        if (!rtc_alarm_byte_matches(s->cmos[RTC_HOURS_ALARM],
                                    rtc_encode_hours(s, time_of_day / 3600))) {
            t += 3600 - time_of_day % 3600;
        } else if (!rtc_alarm_byte_matches(
                       s->cmos[RTC_MINUTES_ALARM],
                       rtc_encode(s, time_of_day / 60 % 60))) {
            t += 60 - time_of_day % 60;
        } else if (!rtc_alarm_byte_matches(s->cmos[RTC_SECONDS_ALARM],
                                           rtc_encode(s, time_of_day % 60))) {
            t++;
        } else {
            return t;
        }
    }
    return INT64_MAX;
}

/*
 * Cycles of the 32.768 kHz time base per periodic interrupt for rate
 * select rs (datasheet table 1): 1 and 2 repeat the 256 and 128 Hz taps.
 */
static int64_t rtc_period_cycles(unsigned rs)
{
    if (rs == 0) {
        return 0;
    }
    return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
}

/* How many periods of the divider chain have elapsed at div_ns. */
static int64_t rtc_period_index(int64_t div_ns, int64_t cycles)
{
    int64_t secs = floor_div(div_ns, NANOSECONDS_PER_SECOND);
    int64_t ticks = (div_ns - secs * NANOSECONDS_PER_SECOND) *
                    RTC_TIME_BASE_HZ / NANOSECONDS_PER_SECOND;

    return secs * (RTC_TIME_BASE_HZ / cycles) + ticks / cycles;
}

/* Where period number index begins on the divider chain (rounded up). */
static int64_t rtc_period_start(int64_t index, int64_t cycles)
{
    int64_t per_second = RTC_TIME_BASE_HZ / cycles;
    int64_t secs = floor_div(index, per_second);
    int64_t ticks = (index - secs * per_second) * cycles;

    return secs * NANOSECONDS_PER_SECOND +
           (ticks * NANOSECONDS_PER_SECOND + RTC_TIME_BASE_HZ - 1) /
               RTC_TIME_BASE_HZ;
}

/* ---- flags, interrupt line and timer ---------------------------------- */

/* Sets the flags for every update and periodic edge since the last call. */
static void rtc_flags_sync(MC146818State *s)
{
    int64_t now = rtc_div_ns(s), then = s->synced_div_ns;
    int64_t tap = rtc_tap_ns(s), tap_then = s->synced_tap_ns;
    int64_t cycles = rtc_period_cycles(s->cmos[RTC_REG_A] & RTC_REG_A_RS_MASK);
    int64_t secs_then, secs_now;

    s->synced_div_ns = now;
    s->synced_tap_ns = tap;
    if (cycles && tap > tap_then &&
        rtc_period_index(tap, cycles) > rtc_period_index(tap_then, cycles)) {
        s->cmos[RTC_REG_C] |= RTC_REG_C_PF;
    }
    if (now <= then || !rtc_running(s)) {
        return;
    }
    if (s->cmos[RTC_REG_B] & RTC_REG_B_SET) {
        return;
    }
    secs_then = rtc_seconds_at(s, then);
    secs_now = rtc_seconds_at(s, now);
    if (secs_now > secs_then) {
        s->cmos[RTC_REG_C] |= RTC_REG_C_UF;
        if (rtc_next_alarm(s, secs_then) <= secs_now) {
            s->cmos[RTC_REG_C] |= RTC_REG_C_AF;
        }
    }
}

static bool rtc_irqf(MC146818State *s)
{
    return s->cmos[RTC_REG_C] & s->cmos[RTC_REG_B] & RTC_REG_C_FLAGS;
}

static void rtc_irq_update(MC146818State *s)
{
    irq_set_level(s->irq, rtc_irqf(s));
}

/* Arms the timer for the next event that would raise the line, if any. */
static void rtc_timer_arm(MC146818State *s)
{
    uint8_t enabled = s->cmos[RTC_REG_B] & RTC_REG_C_FLAGS;
    int64_t cycles = rtc_period_cycles(s->cmos[RTC_REG_A] & RTC_REG_A_RS_MASK);
    int64_t now, secs, alarm, next = INT64_MAX;

    timer_del(s->timer);
    /* Once the line is up nothing changes until register C is read. */
    if (!enabled || rtc_irqf(s)) {
        return;
    }
    if ((enabled & RTC_REG_B_PIE) && cycles) {
        int64_t tap = rtc_tap_ns(s);

        next = rtc_period_start(rtc_period_index(tap, cycles) + 1, cycles);
    }
    now = rtc_div_ns(s);
    if (rtc_running(s) && !(s->cmos[RTC_REG_B] & RTC_REG_B_SET)) {
        secs = floor_div(now, NANOSECONDS_PER_SECOND);
        if (enabled & RTC_REG_B_UIE) {
            next = MIN(next, (secs + 1) * NANOSECONDS_PER_SECOND);
        }
        if (enabled & RTC_REG_B_AIE) {
            alarm = rtc_next_alarm(s, secs + s->secs_offset);
            if (alarm != INT64_MAX) {
                next = MIN(next,
                           (alarm - s->secs_offset) * NANOSECONDS_PER_SECOND);
            }
        }
    }
    if (next != INT64_MAX) {
        timer_mod_ns(s->timer, next - s->phase_offset);
    }
}

static void rtc_timer_expired(void *opaque)
{
    MC146818State *s = opaque;

    rtc_flags_sync(s);
    rtc_irq_update(s);
    rtc_timer_arm(s);
}

/* ---- register access -------------------------------------------------- */

static bool rtc_is_time_register(unsigned index)
{
    switch (index) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case MC146818_RTC_CENTURY:
        return true;
    default:
        return false;
    }
}

static uint8_t rtc_data_read(MC146818State *s)
{
    unsigned index = s->index;
    uint8_t value;
    int64_t now;

    if (rtc_is_time_register(index)) {
        rtc_registers_refresh(s);
        return s->cmos[index];
    }
    switch (index) {
    case RTC_REG_A:
        value = s->cmos[RTC_REG_A];
        now = rtc_div_ns(s);
        if (rtc_running(s) && !(s->cmos[RTC_REG_B] & RTC_REG_B_SET) &&
            floor_mod(now, NANOSECONDS_PER_SECOND) * RTC_TIME_BASE_HZ /
                    NANOSECONDS_PER_SECOND >=
                RTC_TIME_BASE_HZ - RTC_UIP_CYCLES) {
            value |= RTC_REG_A_UIP;
        }
        return value;
    case RTC_REG_C:
        rtc_flags_sync(s);
        value = s->cmos[RTC_REG_C] | (rtc_irqf(s) ? RTC_REG_C_IRQF : 0);
        s->cmos[RTC_REG_C] = 0;
        irq_lower(s->irq);
        rtc_timer_arm(s);
        return value;
    case RTC_REG_D:
        return RTC_REG_D_VRT;
    default:
        return s->cmos[index];
    }
}

static void rtc_reg_a_write(MC146818State *s, uint8_t value)
{
    bool was_running = rtc_running(s);
    int64_t div_ns = rtc_div_ns(s);

    rtc_flags_sync(s);
    s->cmos[RTC_REG_A] = value & ~RTC_REG_A_UIP;
    if (was_running && !rtc_running(s)) {
        s->stopped_div_ns = div_ns;
    } else if (!was_running && rtc_running(s)) {
        /* Same second, and the chain restarts half way to the next one. */
        div_ns = floor_div(s->stopped_div_ns, NANOSECONDS_PER_SECOND) *
                     NANOSECONDS_PER_SECOND +
                 RTC_FIRST_UPDATE_NS;
        s->phase_offset = div_ns - vm_clock_get_ns(s->clock);
        s->synced_div_ns = div_ns;
        s->synced_tap_ns = div_ns;
    }
}

static void rtc_reg_b_write(MC146818State *s, uint8_t value)
{
    uint8_t old = s->cmos[RTC_REG_B];

    rtc_flags_sync(s);
    if ((value & RTC_REG_B_SET) && !(old & RTC_REG_B_SET)) {
        /* Freeze what the registers show now; SET also clears UIE. */
        rtc_registers_refresh(s);
        value &= ~RTC_REG_B_UIE;
    }
    s->cmos[RTC_REG_B] = value;
    if (!(value & RTC_REG_B_SET) && (old & RTC_REG_B_SET)) {
        rtc_set_time_from_registers(s);
    }
}

static void rtc_data_write(MC146818State *s, uint8_t value)
{
    unsigned index = s->index;

    if (rtc_is_time_register(index)) {
        if (s->cmos[RTC_REG_B] & RTC_REG_B_SET) {
            s->cmos[index] = value;
            return;
        }
        /* A running clock takes the new field at once, keeping its phase. */
        rtc_flags_sync(s);
        rtc_registers_refresh(s);
        s->cmos[index] = value;
        rtc_set_time_from_registers(s);
        rtc_irq_update(s);
        rtc_timer_arm(s);
        return;
    }
    switch (index) {
    case RTC_SECONDS_ALARM:
    case RTC_MINUTES_ALARM:
    case RTC_HOURS_ALARM:
        rtc_flags_sync(s);
        s->cmos[index] = value;
        break;
    case RTC_REG_A:
        rtc_reg_a_write(s, value);
        break;
    case RTC_REG_B:
        rtc_reg_b_write(s, value);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        log_mask_printf(LOG_GUEST_ERROR,
                        "mc146818rtc: write 0x%02x to read-only register "
                        "%c\n",
                        value, index == RTC_REG_C ? 'C' : 'D');
        return;
    default:
        s->cmos[index] = value;
        return;
    }
    rtc_irq_update(s);
    rtc_timer_arm(s);
}

/* Port 0: index (bit 7 gates NMI on the PC, not modelled); port 1: data. */
static uint64_t rtc_io_read(void *opaque, uint64_t addr, unsigned size)
{
    MC146818State *s = opaque;

    return addr == 0 ? 0xff : rtc_data_read(s);
}

static void rtc_io_write(void *opaque, uint64_t addr, uint64_t value,
                         unsigned size)
{
    MC146818State *s = opaque;

    if (addr == 0) {
        s->index = value & (MC146818_CMOS_SIZE - 1);
    } else {
        rtc_data_write(s, value);
    }
}

static const MemoryRegionOps rtc_io_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .valid_min = 1,
    .valid_max = 1,
    .impl_min = 1,
    .impl_max = 1,
};

uint8_t mc146818_cmos_get(DeviceState *rtc, unsigned addr)
{
    MC146818State *s = (MC146818State *)rtc;

    return s->cmos[addr % MC146818_CMOS_SIZE];
}

void mc146818_cmos_set(DeviceState *rtc, unsigned addr, uint8_t value)
{
    MC146818State *s = (MC146818State *)rtc;

    s->cmos[addr % MC146818_CMOS_SIZE] = value;
}

/* ---- reset, realize, registration ------------------------------------- */

/* The RESET pin: time, date, RAM, SET, DM, 24/12 and register A stay. */
static void rtc_reset(DeviceState *dev)
{
    MC146818State *s = MC146818_RTC(dev);

    rtc_flags_sync(s);
    s->cmos[RTC_REG_B] &=
        ~(RTC_REG_B_PIE | RTC_REG_B_AIE | RTC_REG_B_UIE | RTC_REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    irq_lower(s->irq);
    rtc_timer_arm(s);
}

static bool rtc_clock_parse(const char *clock, VMClockType *type, GError **errp)
{
    if (!clock || !strcmp(clock, "host")) {
        *type = VM_CLOCK_HOST;
    } else if (!strcmp(clock, "rt")) {
        *type = VM_CLOCK_REALTIME;
    } else if (!strcmp(clock, "vm")) {
        *type = VM_CLOCK_VIRTUAL;
    } else {
        return error_setg(errp,
                          "invalid option value '%s' for clock "
                          "(host, rt or vm)",
                          clock);
    }
    return true;
}

/*
 * The start time from -rtc base=: the host's UTC or local time with its
 * sub-second phase, or a given date at the start of its second.
 */
static bool rtc_start_time(const char *base, int64_t *secs, int64_t *subsec,
                           GError **errp)
{
    int64_t host_ns = vm_clock_get_ns(VM_CLOCK_HOST);
    int64_t date;

    *secs = floor_div(host_ns, NANOSECONDS_PER_SECOND);
    *subsec = host_ns - *secs * NANOSECONDS_PER_SECOND;
    if (!base || !strcmp(base, "utc")) {
        return true;
    }
    if (!strcmp(base, "localtime")) {
        g_autoptr(GDateTime) local = g_date_time_new_now_local();

        *secs += g_date_time_get_utc_offset(local) / G_USEC_PER_SEC;
        return true;
    }
    if (!parse_iso_date(base, &date)) {
        return error_setg(errp,
                          "invalid datetime format: '%s' (valid "
                          "formats: '2006-06-17T16:01:21' or '2006-06-17')",
                          base);
    }
    *secs = date;
    *subsec = 0;
    return true;
}

static bool rtc_realize(DeviceState *dev, GError **errp)
{
    MC146818State *s = MC146818_RTC(dev);
    int64_t secs, subsec;

    if (!rtc_clock_parse(s->clock_name, &s->clock, errp) ||
        !rtc_start_time(s->base, &secs, &subsec, errp)) {
        return false;
    }
    /* The chain starts at the base time's phase, counting from zero. */
    s->phase_offset = subsec - vm_clock_get_ns(s->clock);
    s->secs_offset = secs;
    s->synced_div_ns = subsec;
    s->synced_tap_ns = subsec;
    s->stopped_div_ns = subsec;
    /* 32.768 kHz, 1024 Hz rate, 24-hour BCD: what QEMU starts with. */
    s->cmos[RTC_REG_A] = RTC_REG_A_DV_32KHZ | 6;
    s->cmos[RTC_REG_B] = RTC_REG_B_24H;
    s->cmos[RTC_REG_C] = 0;
    s->cmos[RTC_REG_D] = RTC_REG_D_VRT;
    rtc_registers_refresh(s);

    s->irq = isa_get_irq(dev, s->irq_number);
    s->timer = timer_new_ns(s->clock, rtc_timer_expired, s);
    memory_region_init_io(&s->io, "rtc", &rtc_io_ops, s, 2);
    isa_register_ioport(dev, &s->io, s->iobase);
    return true;
}

static bool rtc_post_load(void *opaque, int version_id, GError **errp)
{
    MC146818State *s = opaque;

    s->index &= MC146818_CMOS_SIZE - 1;
    if (version_id < 2) {
        s->synced_tap_ns = s->synced_div_ns;
    }
    rtc_irq_update(s);
    rtc_timer_arm(s);
    return true;
}

/*
 * The divider chain's offsets are kept against the RTC's clock: the host's
 * clocks read the same in the pcvm that loads, the virtual clock is saved
 * with the machine.
 */
static const VMStateDescription vmstate_rtc = {
    .name = "mc146818rtc",
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = rtc_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(index, MC146818State),
            VMSTATE_BUFFER(cmos, MC146818State),
            VMSTATE_INT64(phase_offset, MC146818State),
            VMSTATE_INT64(stopped_div_ns, MC146818State),
            VMSTATE_INT64(secs_offset, MC146818State),
            VMSTATE_INT64(synced_div_ns, MC146818State),
            VMSTATE_INT64_V(synced_tap_ns, MC146818State, 2),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property rtc_properties[] = {
    DEFINE_PROP_INT32("base_year", MC146818State, base_year, 0),
    /* -rtc base= and clock=, handed in by the board */
    DEFINE_PROP_STRING("x-base", MC146818State, base),
    DEFINE_PROP_STRING("x-clock", MC146818State, clock_name),
    DEFINE_PROP_UINT32("iobase", MC146818State, iobase, 0x70),
    DEFINE_PROP_UINT32("irq", MC146818State, irq_number, 8),
    DEFINE_PROP_END,
};

static DeviceClass rtc_class = {
    .name = TYPE_MC146818_RTC,
    .parent = TYPE_ISA_DEVICE,
    .description = "MC146818 real-time clock and CMOS RAM",
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(MC146818State),
    .props = rtc_properties,
    .user_creatable = false, /* the board creates it */
    .realize = rtc_realize,
    .reset = rtc_reset,
    .vmsd = &vmstate_rtc,
};

static void rtc_register(void)
{
    device_class_register(&rtc_class);
}
type_init(rtc_register)
