/*
 * PS/2 keyboard and mouse, as the keyboard controller (hw/input/i8042.c)
 * sees them: a device takes bytes from the host, queues the bytes it sends
 * back, and calls the controller's update function whenever it has queued
 * something, so the controller can pull a byte when its output buffer is
 * free. The devices take their keys and motion from the input layer
 * (ui/input.h).
 */
#ifndef HW_INPUT_PS2_H
#define HW_INPUT_PS2_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/vmstate.h"
#include "ui/input.h"

typedef struct PS2State PS2State;
typedef void PS2UpdateFunc(void *opaque);

PS2State *ps2_keyboard_new(PS2UpdateFunc *update, void *opaque);
PS2State *ps2_mouse_new(PS2UpdateFunc *update, void *opaque);
/* Their state, over the PS2State * the constructors return. */
extern const VMStateDescription vmstate_ps2_keyboard, vmstate_ps2_mouse;

/* A byte from the host (a command or a command's argument). */
void ps2_write(PS2State *s, uint8_t value);
bool ps2_has_data(PS2State *s);
/* Takes the next byte the device sends; 0 when there is none. */
uint8_t ps2_read(PS2State *s);
/* Power-on state: queue empty, defaults, nothing sent (no BAT code). */
void ps2_reset(PS2State *s);

/*
 * The 8042's translation of a scan code set 2 byte to set 1 (the keyboard
 * controller applies it with command-byte bit 6; the keyboard uses it for
 * its own set 1). A set 2 0xF0 break prefix becomes bit 7 of the next
 * translated byte: the caller handles that.
 */
uint8_t ps2_set2_to_set1(uint8_t code);

/*
 * The scan code set 2 make code of a key: 0xE0nn for keys sent with an
 * 0xE0 prefix, 0 for keys without one (pause sends its own sequence and
 * has none).
 */
unsigned ps2_keyboard_set2_code(QKeyCode qcode);

#endif
