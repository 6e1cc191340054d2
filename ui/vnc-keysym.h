/*
 * X11 keysyms to QKeyCode keys (US layout), for RFB key events that carry
 * only a keysym.
 */
#ifndef UI_VNC_KEYSYM_H
#define UI_VNC_KEYSYM_H

#include <stdint.h>

#include "ui/input.h"

/* Q_KEY_CODE_UNMAPPED for keysyms no key of the layout types. */
QKeyCode qkeycode_from_keysym(uint32_t keysym);

#endif
