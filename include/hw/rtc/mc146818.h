/*
 * The MC146818 real-time clock and its CMOS RAM ("mc146818rtc"), as the PC
 * board creates it at ports 0x70/0x71 on ISA IRQ 8.
 */
#ifndef HW_RTC_MC146818_H
#define HW_RTC_MC146818_H

#include <stdint.h>

#include "hw/core/device.h"

#define TYPE_MC146818_RTC "mc146818rtc"

/* Bytes of CMOS: 14 clock registers, then battery-backed RAM. */
#define MC146818_CMOS_SIZE 128
/* Where QEMU (and so SeaBIOS and guests) keep the century. */
#define MC146818_RTC_CENTURY 0x32

/*
 * Board access to the CMOS RAM (addresses 0x0e-0x7f): plain stores and
 * loads, no clock side effects. Addresses are taken modulo 128.
 */
uint8_t mc146818_cmos_get(DeviceState *rtc, unsigned addr);
void mc146818_cmos_set(DeviceState *rtc, unsigned addr, uint8_t value);

#endif
