/*
 * The input layer: where keyboard and pointer events meet the devices that
 * deliver them to the guest.
 *
 * A device (the PS/2 keyboard and mouse) registers a handler for the kinds
 * of events it takes; the front ends (the monitor's sendkey/send-key,
 * VNC and SDL) send events here and never see which device receives
 * them. Keys are QKeyCode values, the names of QEMU's QAPI enum QKeyCode
 * ("a", "ret", "ctrl_r", "kp_enter", ...), so a QMP client's key names work
 * unchanged. Pointer motion is relative: X grows to the right and Y grows
 * downwards, as on screen; the wheel is two buttons, as in QEMU's
 * InputButton.
 *
 * Of the handlers registered for a kind of event, the one registered or
 * activated last gets it.
 */
#ifndef UI_INPUT_H
#define UI_INPUT_H

#include <stdbool.h>
#include <stdint.h>

/* QEMU 7.2's QKeyCode, in the schema's order (its wire values). */
typedef enum QKeyCode {
    Q_KEY_CODE_UNMAPPED,
    Q_KEY_CODE_SHIFT,
    Q_KEY_CODE_SHIFT_R,
    Q_KEY_CODE_ALT,
    Q_KEY_CODE_ALT_R,
    Q_KEY_CODE_CTRL,
    Q_KEY_CODE_CTRL_R,
    Q_KEY_CODE_MENU,
    Q_KEY_CODE_ESC,
    Q_KEY_CODE_1,
    Q_KEY_CODE_2,
    Q_KEY_CODE_3,
    Q_KEY_CODE_4,
    Q_KEY_CODE_5,
    Q_KEY_CODE_6,
    Q_KEY_CODE_7,
    Q_KEY_CODE_8,
    Q_KEY_CODE_9,
    Q_KEY_CODE_0,
    Q_KEY_CODE_MINUS,
    Q_KEY_CODE_EQUAL,
    Q_KEY_CODE_BACKSPACE,
    Q_KEY_CODE_TAB,
    Q_KEY_CODE_Q,
    Q_KEY_CODE_W,
    Q_KEY_CODE_E,
    Q_KEY_CODE_R,
    Q_KEY_CODE_T,
    Q_KEY_CODE_Y,
    Q_KEY_CODE_U,
    Q_KEY_CODE_I,
    Q_KEY_CODE_O,
    Q_KEY_CODE_P,
    Q_KEY_CODE_BRACKET_LEFT,
    Q_KEY_CODE_BRACKET_RIGHT,
    Q_KEY_CODE_RET,
    Q_KEY_CODE_A,
    Q_KEY_CODE_S,
    Q_KEY_CODE_D,
    Q_KEY_CODE_F,
    Q_KEY_CODE_G,
    Q_KEY_CODE_H,
    Q_KEY_CODE_J,
    Q_KEY_CODE_K,
    Q_KEY_CODE_L,
    Q_KEY_CODE_SEMICOLON,
    Q_KEY_CODE_APOSTROPHE,
    Q_KEY_CODE_GRAVE_ACCENT,
    Q_KEY_CODE_BACKSLASH,
    Q_KEY_CODE_Z,
    Q_KEY_CODE_X,
    Q_KEY_CODE_C,
    Q_KEY_CODE_V,
    Q_KEY_CODE_B,
    Q_KEY_CODE_N,
    Q_KEY_CODE_M,
    Q_KEY_CODE_COMMA,
    Q_KEY_CODE_DOT,
    Q_KEY_CODE_SLASH,
    Q_KEY_CODE_ASTERISK,
    Q_KEY_CODE_SPC,
    Q_KEY_CODE_CAPS_LOCK,
    Q_KEY_CODE_F1,
    Q_KEY_CODE_F2,
    Q_KEY_CODE_F3,
    Q_KEY_CODE_F4,
    Q_KEY_CODE_F5,
    Q_KEY_CODE_F6,
    Q_KEY_CODE_F7,
    Q_KEY_CODE_F8,
    Q_KEY_CODE_F9,
    Q_KEY_CODE_F10,
    Q_KEY_CODE_NUM_LOCK,
    Q_KEY_CODE_SCROLL_LOCK,
    Q_KEY_CODE_KP_DIVIDE,
    Q_KEY_CODE_KP_MULTIPLY,
    Q_KEY_CODE_KP_SUBTRACT,
    Q_KEY_CODE_KP_ADD,
    Q_KEY_CODE_KP_ENTER,
    Q_KEY_CODE_KP_DECIMAL,
    Q_KEY_CODE_SYSRQ,
    Q_KEY_CODE_KP_0,
    Q_KEY_CODE_KP_1,
    Q_KEY_CODE_KP_2,
    Q_KEY_CODE_KP_3,
    Q_KEY_CODE_KP_4,
    Q_KEY_CODE_KP_5,
    Q_KEY_CODE_KP_6,
    Q_KEY_CODE_KP_7,
    Q_KEY_CODE_KP_8,
    Q_KEY_CODE_KP_9,
    Q_KEY_CODE_LESS,
    Q_KEY_CODE_F11,
    Q_KEY_CODE_F12,
    Q_KEY_CODE_PRINT,
    Q_KEY_CODE_HOME,
    Q_KEY_CODE_PGUP,
    Q_KEY_CODE_PGDN,
    Q_KEY_CODE_END,
    Q_KEY_CODE_LEFT,
    Q_KEY_CODE_UP,
    Q_KEY_CODE_DOWN,
    Q_KEY_CODE_RIGHT,
    Q_KEY_CODE_INSERT,
    Q_KEY_CODE_DELETE,
    Q_KEY_CODE_STOP,
    Q_KEY_CODE_AGAIN,
    Q_KEY_CODE_PROPS,
    Q_KEY_CODE_UNDO,
    Q_KEY_CODE_FRONT,
    Q_KEY_CODE_COPY,
    Q_KEY_CODE_OPEN,
    Q_KEY_CODE_PASTE,
    Q_KEY_CODE_FIND,
    Q_KEY_CODE_CUT,
    Q_KEY_CODE_LF,
    Q_KEY_CODE_HELP,
    Q_KEY_CODE_META_L,
    Q_KEY_CODE_META_R,
    Q_KEY_CODE_COMPOSE,
    Q_KEY_CODE_PAUSE,
    Q_KEY_CODE_RO,
    Q_KEY_CODE_HIRAGANA,
    Q_KEY_CODE_HENKAN,
    Q_KEY_CODE_YEN,
    Q_KEY_CODE_MUHENKAN,
    Q_KEY_CODE_KATAKANAHIRAGANA,
    Q_KEY_CODE_KP_COMMA,
    Q_KEY_CODE_KP_EQUALS,
    Q_KEY_CODE_POWER,
    Q_KEY_CODE_SLEEP,
    Q_KEY_CODE_WAKE,
    Q_KEY_CODE_AUDIONEXT,
    Q_KEY_CODE_AUDIOPREV,
    Q_KEY_CODE_AUDIOSTOP,
    Q_KEY_CODE_AUDIOPLAY,
    Q_KEY_CODE_AUDIOMUTE,
    Q_KEY_CODE_VOLUMEUP,
    Q_KEY_CODE_VOLUMEDOWN,
    Q_KEY_CODE_MEDIASELECT,
    Q_KEY_CODE_MAIL,
    Q_KEY_CODE_CALCULATOR,
    Q_KEY_CODE_COMPUTER,
    Q_KEY_CODE_AC_HOME,
    Q_KEY_CODE_AC_BACK,
    Q_KEY_CODE_AC_FORWARD,
    Q_KEY_CODE_AC_REFRESH,
    Q_KEY_CODE_AC_BOOKMARKS,
    Q_KEY_CODE_LANG1,
    Q_KEY_CODE_LANG2,
    Q_KEY_CODE__MAX
} QKeyCode;

/* QEMU's InputButton. */
typedef enum InputButton {
    INPUT_BUTTON_LEFT,
    INPUT_BUTTON_MIDDLE,
    INPUT_BUTTON_RIGHT,
    INPUT_BUTTON_WHEEL_UP,
    INPUT_BUTTON_WHEEL_DOWN,
    INPUT_BUTTON_SIDE,
    INPUT_BUTTON_EXTRA,
    INPUT_BUTTON_WHEEL_LEFT,
    INPUT_BUTTON_WHEEL_RIGHT,
    INPUT_BUTTON__MAX
} InputButton;

typedef enum InputAxis {
    INPUT_AXIS_X,
    INPUT_AXIS_Y,
    INPUT_AXIS__MAX
} InputAxis;

enum {
    INPUT_EVENT_MASK_KEY = 1 << 0,
    INPUT_EVENT_MASK_BTN = 1 << 1,
    INPUT_EVENT_MASK_REL = 1 << 2,
    INPUT_EVENT_MASK_ABS = 1 << 3,
};

/* Absolute positions run 0..INPUT_EVENT_ABS_MAX, as in QEMU. */
#define INPUT_EVENT_ABS_MAX 0x7fff

/*
 * What a device takes. A frame of events (a key, or a pointer's buttons and
 * motion) ends with sync, where a mouse sends its packet. Callbacks run on
 * the main loop with the BQL held.
 */
typedef struct InputHandlerOps {
    const char *name;
    unsigned mask; /* INPUT_EVENT_MASK_* */
    void (*key)(void *opaque, QKeyCode qcode, bool down);
    void (*button)(void *opaque, InputButton button, bool down);
    void (*rel)(void *opaque, InputAxis axis, int value);
    void (*abs)(void *opaque, InputAxis axis, int value);
    void (*sync)(void *opaque);
} InputHandlerOps;

typedef struct InputHandler InputHandler;

InputHandler *input_handler_register(const InputHandlerOps *ops, void *opaque);
/* Makes h the receiver of its kinds of events again. */
void input_handler_activate(InputHandler *h);
void input_handler_unregister(InputHandler *h);

/* Key names: QKeyCode's QAPI spelling. NULL / -1 when out of range. */
const char *qkeycode_name(QKeyCode qcode);
int qkeycode_from_name(const char *name);

/*
 * QEMU's key "number" (send-key {"type": "number"}, sendkey 0xNN): the
 * XT scancode of the key with bit 7 standing for an 0xE0 prefix.
 * Unknown numbers give Q_KEY_CODE_UNMAPPED; keys without one give 0.
 */
QKeyCode qkeycode_from_number(int number);
int qkeycode_to_number(QKeyCode qcode);

/* The front ends' side. Each key event is its own frame (synced). */
void input_event_send_key(QKeyCode qcode, bool down);
void input_event_send_button(InputButton button, bool down);
void input_event_send_rel(InputAxis axis, int value);
/* value in min..max (a screen's pixels), scaled to 0..INPUT_EVENT_ABS_MAX. */
void input_event_send_abs(InputAxis axis, int value, int min, int max);
/*
 * Whether pointer motion goes to an absolute device (the handler that gets
 * motion takes absolute positions), so a front end sends positions
 * instead of differences.
 */
bool input_pointer_is_absolute(void);
void input_event_sync(void);

/*
 * What sendkey and send-key do: presses keys[0..n-1] in order, then
 * releases them in reverse order hold_ms later on the virtual clock (at
 * once when the VM is not running, whose clock stands still).
 */
void input_send_keys(const QKeyCode *keys, unsigned n, int64_t hold_ms);

#endif
