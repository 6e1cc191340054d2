/*
 * The SDL2 display: one window showing console 0, a front end of the
 * console layer beside screendump and VNC.
 *
 * Everything runs on the main loop with the BQL held: a refresh timer
 * (SDL_REFRESH_MS) polls SDL's events without waiting, asks the device
 * to render, copies the changed rectangle into a streaming texture and
 * presents it scaled to the window (the picture's aspect kept, black
 * bars around it). The window takes the guest's size when the mode
 * changes; a window the user resized keeps its size.
 *
 * Keys go to the input layer by position (SDL scancodes, which are USB
 * HID usages, to QKeyCodes). The mouse is relative: while the input is
 * grabbed (Ctrl-Alt-G, or a click into the window) SDL's relative mode
 * gives motion, sent as is; an absolute pointer device gets positions in
 * the surface's pixels instead. Closing the window asks for a shutdown,
 * as QEMU does, unless window-close=off.
 *
 * Left out: OpenGL (gl=on), more than one console, the text consoles
 * QEMU shows for the monitor and serial ports (Ctrl-Alt-2..9), zoom keys.
 */
#include <string.h>

#include <SDL.h>

#include "system/main-loop.h"
#include "system/runstate.h"
#include "ui/console.h"
#include "ui/input.h"
#include "ui/sdl2.h"
#include "util/error.h"
#include "util/keyval.h"

#define SDL_REFRESH_MS 30
#define SDL_BLANK_WIDTH 640
#define SDL_BLANK_HEIGHT 480

typedef enum {
    GRAB_MOD_CTRL_ALT,       /* the default: Ctrl-Alt-G */
    GRAB_MOD_CTRL_ALT_SHIFT, /* grab-mod=lshift-lctrl-lalt */
    GRAB_MOD_RCTRL,          /* grab-mod=rctrl */
} GrabMod;

typedef struct SdlOptions {
    GrabMod grab_mod;
    bool window_close;
    bool full_screen;
} SdlOptions;

typedef struct SdlDisplay {
    SdlOptions opts;
    char *name;
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int tex_width, tex_height;
    SDL_Rect dst; /* where the picture is, in the renderer's pixels */
    bool user_sized;
    bool grabbed;
    bool full_screen;
    bool redraw;
    uint8_t keys_down[(Q_KEY_CODE__MAX + 7) / 8];
    unsigned buttons;
    GSource *refresh;
} SdlDisplay;

static SdlDisplay *sdl;

/* ---- options ------------------------------------------------------------ */

static bool sdl_options_parse(const char *str, SdlOptions *o, GError **errp)
{
    g_autoptr(KeyValList) kv = NULL;
    const char *gl, *mod;

    o->grab_mod = GRAB_MOD_CTRL_ALT;
    o->window_close = true;
    o->full_screen = false;
    if (!str || !*str) {
        return true;
    }
    kv = keyval_parse(str, NULL, errp);
    if (!kv) {
        return false;
    }
    gl = keyval_get(kv, "gl");
    if (gl && strcmp(gl, "off")) {
        if (strcmp(gl, "on") && strcmp(gl, "core") && strcmp(gl, "es")) {
            return error_setg(errp, "Parameter 'gl' does not accept value '%s'",
                              gl);
        }
        return error_setg(errp, "OpenGL is not supported by the display "
                                "(pcvm's SDL display has gl=off only)");
    }
    mod = keyval_get(kv, "grab-mod");
    if (mod) {
        if (!strcmp(mod, "lshift-lctrl-lalt")) {
            o->grab_mod = GRAB_MOD_CTRL_ALT_SHIFT;
        } else if (!strcmp(mod, "rctrl")) {
            o->grab_mod = GRAB_MOD_RCTRL;
        } else {
            return error_setg(errp,
                              "Parameter 'grab-mod' does not accept value "
                              "'%s' (lshift-lctrl-lalt or rctrl)",
                              mod);
        }
    }
    return keyval_get_bool(kv, "window-close", true, &o->window_close, errp) &&
           keyval_get_bool(kv, "full-screen", false, &o->full_screen, errp) &&
           keyval_check_unused(kv, errp);
}

bool sdl_display_check(const char *opts, GError **errp)
{
    SdlOptions o;

    return sdl_options_parse(opts, &o, errp);
}

/* ---- keys --------------------------------------------------------------- */

static const QKeyCode sdl_scancode_map[SDL_NUM_SCANCODES] = {
    [SDL_SCANCODE_A] = Q_KEY_CODE_A,
    [SDL_SCANCODE_B] = Q_KEY_CODE_B,
    [SDL_SCANCODE_C] = Q_KEY_CODE_C,
    [SDL_SCANCODE_D] = Q_KEY_CODE_D,
    [SDL_SCANCODE_E] = Q_KEY_CODE_E,
    [SDL_SCANCODE_F] = Q_KEY_CODE_F,
    [SDL_SCANCODE_G] = Q_KEY_CODE_G,
    [SDL_SCANCODE_H] = Q_KEY_CODE_H,
    [SDL_SCANCODE_I] = Q_KEY_CODE_I,
    [SDL_SCANCODE_J] = Q_KEY_CODE_J,
    [SDL_SCANCODE_K] = Q_KEY_CODE_K,
    [SDL_SCANCODE_L] = Q_KEY_CODE_L,
    [SDL_SCANCODE_M] = Q_KEY_CODE_M,
    [SDL_SCANCODE_N] = Q_KEY_CODE_N,
    [SDL_SCANCODE_O] = Q_KEY_CODE_O,
    [SDL_SCANCODE_P] = Q_KEY_CODE_P,
    [SDL_SCANCODE_Q] = Q_KEY_CODE_Q,
    [SDL_SCANCODE_R] = Q_KEY_CODE_R,
    [SDL_SCANCODE_S] = Q_KEY_CODE_S,
    [SDL_SCANCODE_T] = Q_KEY_CODE_T,
    [SDL_SCANCODE_U] = Q_KEY_CODE_U,
    [SDL_SCANCODE_V] = Q_KEY_CODE_V,
    [SDL_SCANCODE_W] = Q_KEY_CODE_W,
    [SDL_SCANCODE_X] = Q_KEY_CODE_X,
    [SDL_SCANCODE_Y] = Q_KEY_CODE_Y,
    [SDL_SCANCODE_Z] = Q_KEY_CODE_Z,
    [SDL_SCANCODE_1] = Q_KEY_CODE_1,
    [SDL_SCANCODE_2] = Q_KEY_CODE_2,
    [SDL_SCANCODE_3] = Q_KEY_CODE_3,
    [SDL_SCANCODE_4] = Q_KEY_CODE_4,
    [SDL_SCANCODE_5] = Q_KEY_CODE_5,
    [SDL_SCANCODE_6] = Q_KEY_CODE_6,
    [SDL_SCANCODE_7] = Q_KEY_CODE_7,
    [SDL_SCANCODE_8] = Q_KEY_CODE_8,
    [SDL_SCANCODE_9] = Q_KEY_CODE_9,
    [SDL_SCANCODE_0] = Q_KEY_CODE_0,
    [SDL_SCANCODE_RETURN] = Q_KEY_CODE_RET,
    [SDL_SCANCODE_ESCAPE] = Q_KEY_CODE_ESC,
    [SDL_SCANCODE_BACKSPACE] = Q_KEY_CODE_BACKSPACE,
    [SDL_SCANCODE_TAB] = Q_KEY_CODE_TAB,
    [SDL_SCANCODE_SPACE] = Q_KEY_CODE_SPC,
    [SDL_SCANCODE_MINUS] = Q_KEY_CODE_MINUS,
    [SDL_SCANCODE_EQUALS] = Q_KEY_CODE_EQUAL,
    [SDL_SCANCODE_LEFTBRACKET] = Q_KEY_CODE_BRACKET_LEFT,
    [SDL_SCANCODE_RIGHTBRACKET] = Q_KEY_CODE_BRACKET_RIGHT,
    [SDL_SCANCODE_BACKSLASH] = Q_KEY_CODE_BACKSLASH,
    [SDL_SCANCODE_NONUSHASH] = Q_KEY_CODE_BACKSLASH,
    [SDL_SCANCODE_SEMICOLON] = Q_KEY_CODE_SEMICOLON,
    [SDL_SCANCODE_APOSTROPHE] = Q_KEY_CODE_APOSTROPHE,
    [SDL_SCANCODE_GRAVE] = Q_KEY_CODE_GRAVE_ACCENT,
    [SDL_SCANCODE_COMMA] = Q_KEY_CODE_COMMA,
    [SDL_SCANCODE_PERIOD] = Q_KEY_CODE_DOT,
    [SDL_SCANCODE_SLASH] = Q_KEY_CODE_SLASH,
    [SDL_SCANCODE_CAPSLOCK] = Q_KEY_CODE_CAPS_LOCK,
    [SDL_SCANCODE_F1] = Q_KEY_CODE_F1,
    [SDL_SCANCODE_F2] = Q_KEY_CODE_F2,
    [SDL_SCANCODE_F3] = Q_KEY_CODE_F3,
    [SDL_SCANCODE_F4] = Q_KEY_CODE_F4,
    [SDL_SCANCODE_F5] = Q_KEY_CODE_F5,
    [SDL_SCANCODE_F6] = Q_KEY_CODE_F6,
    [SDL_SCANCODE_F7] = Q_KEY_CODE_F7,
    [SDL_SCANCODE_F8] = Q_KEY_CODE_F8,
    [SDL_SCANCODE_F9] = Q_KEY_CODE_F9,
    [SDL_SCANCODE_F10] = Q_KEY_CODE_F10,
    [SDL_SCANCODE_F11] = Q_KEY_CODE_F11,
    [SDL_SCANCODE_F12] = Q_KEY_CODE_F12,
    [SDL_SCANCODE_PRINTSCREEN] = Q_KEY_CODE_PRINT,
    [SDL_SCANCODE_SCROLLLOCK] = Q_KEY_CODE_SCROLL_LOCK,
    [SDL_SCANCODE_PAUSE] = Q_KEY_CODE_PAUSE,
    [SDL_SCANCODE_INSERT] = Q_KEY_CODE_INSERT,
    [SDL_SCANCODE_HOME] = Q_KEY_CODE_HOME,
    [SDL_SCANCODE_PAGEUP] = Q_KEY_CODE_PGUP,
    [SDL_SCANCODE_DELETE] = Q_KEY_CODE_DELETE,
    [SDL_SCANCODE_END] = Q_KEY_CODE_END,
    [SDL_SCANCODE_PAGEDOWN] = Q_KEY_CODE_PGDN,
    [SDL_SCANCODE_RIGHT] = Q_KEY_CODE_RIGHT,
    [SDL_SCANCODE_LEFT] = Q_KEY_CODE_LEFT,
    [SDL_SCANCODE_DOWN] = Q_KEY_CODE_DOWN,
    [SDL_SCANCODE_UP] = Q_KEY_CODE_UP,
    [SDL_SCANCODE_NUMLOCKCLEAR] = Q_KEY_CODE_NUM_LOCK,
    [SDL_SCANCODE_KP_DIVIDE] = Q_KEY_CODE_KP_DIVIDE,
    [SDL_SCANCODE_KP_MULTIPLY] = Q_KEY_CODE_KP_MULTIPLY,
    [SDL_SCANCODE_KP_MINUS] = Q_KEY_CODE_KP_SUBTRACT,
    [SDL_SCANCODE_KP_PLUS] = Q_KEY_CODE_KP_ADD,
    [SDL_SCANCODE_KP_ENTER] = Q_KEY_CODE_KP_ENTER,
    [SDL_SCANCODE_KP_1] = Q_KEY_CODE_KP_1,
    [SDL_SCANCODE_KP_2] = Q_KEY_CODE_KP_2,
    [SDL_SCANCODE_KP_3] = Q_KEY_CODE_KP_3,
    [SDL_SCANCODE_KP_4] = Q_KEY_CODE_KP_4,
    [SDL_SCANCODE_KP_5] = Q_KEY_CODE_KP_5,
    [SDL_SCANCODE_KP_6] = Q_KEY_CODE_KP_6,
    [SDL_SCANCODE_KP_7] = Q_KEY_CODE_KP_7,
    [SDL_SCANCODE_KP_8] = Q_KEY_CODE_KP_8,
    [SDL_SCANCODE_KP_9] = Q_KEY_CODE_KP_9,
    [SDL_SCANCODE_KP_0] = Q_KEY_CODE_KP_0,
    [SDL_SCANCODE_KP_PERIOD] = Q_KEY_CODE_KP_DECIMAL,
    [SDL_SCANCODE_NONUSBACKSLASH] = Q_KEY_CODE_LESS,
    [SDL_SCANCODE_APPLICATION] = Q_KEY_CODE_MENU,
    [SDL_SCANCODE_POWER] = Q_KEY_CODE_POWER,
    [SDL_SCANCODE_KP_EQUALS] = Q_KEY_CODE_KP_EQUALS,
    [SDL_SCANCODE_STOP] = Q_KEY_CODE_STOP,
    [SDL_SCANCODE_AGAIN] = Q_KEY_CODE_AGAIN,
    [SDL_SCANCODE_UNDO] = Q_KEY_CODE_UNDO,
    [SDL_SCANCODE_CUT] = Q_KEY_CODE_CUT,
    [SDL_SCANCODE_COPY] = Q_KEY_CODE_COPY,
    [SDL_SCANCODE_PASTE] = Q_KEY_CODE_PASTE,
    [SDL_SCANCODE_FIND] = Q_KEY_CODE_FIND,
    [SDL_SCANCODE_HELP] = Q_KEY_CODE_HELP,
    [SDL_SCANCODE_MUTE] = Q_KEY_CODE_AUDIOMUTE,
    [SDL_SCANCODE_VOLUMEUP] = Q_KEY_CODE_VOLUMEUP,
    [SDL_SCANCODE_VOLUMEDOWN] = Q_KEY_CODE_VOLUMEDOWN,
    [SDL_SCANCODE_KP_COMMA] = Q_KEY_CODE_KP_COMMA,
    [SDL_SCANCODE_INTERNATIONAL1] = Q_KEY_CODE_RO,
    [SDL_SCANCODE_INTERNATIONAL2] = Q_KEY_CODE_KATAKANAHIRAGANA,
    [SDL_SCANCODE_INTERNATIONAL3] = Q_KEY_CODE_YEN,
    [SDL_SCANCODE_INTERNATIONAL4] = Q_KEY_CODE_HENKAN,
    [SDL_SCANCODE_INTERNATIONAL5] = Q_KEY_CODE_MUHENKAN,
    [SDL_SCANCODE_LANG1] = Q_KEY_CODE_LANG1,
    [SDL_SCANCODE_LANG2] = Q_KEY_CODE_LANG2,
    [SDL_SCANCODE_SYSREQ] = Q_KEY_CODE_SYSRQ,
    [SDL_SCANCODE_LCTRL] = Q_KEY_CODE_CTRL,
    [SDL_SCANCODE_LSHIFT] = Q_KEY_CODE_SHIFT,
    [SDL_SCANCODE_LALT] = Q_KEY_CODE_ALT,
    [SDL_SCANCODE_LGUI] = Q_KEY_CODE_META_L,
    [SDL_SCANCODE_RCTRL] = Q_KEY_CODE_CTRL_R,
    [SDL_SCANCODE_RSHIFT] = Q_KEY_CODE_SHIFT_R,
    [SDL_SCANCODE_RALT] = Q_KEY_CODE_ALT_R,
    [SDL_SCANCODE_RGUI] = Q_KEY_CODE_META_R,
    [SDL_SCANCODE_AUDIONEXT] = Q_KEY_CODE_AUDIONEXT,
    [SDL_SCANCODE_AUDIOPREV] = Q_KEY_CODE_AUDIOPREV,
    [SDL_SCANCODE_AUDIOSTOP] = Q_KEY_CODE_AUDIOSTOP,
    [SDL_SCANCODE_AUDIOPLAY] = Q_KEY_CODE_AUDIOPLAY,
    [SDL_SCANCODE_MEDIASELECT] = Q_KEY_CODE_MEDIASELECT,
    [SDL_SCANCODE_MAIL] = Q_KEY_CODE_MAIL,
    [SDL_SCANCODE_CALCULATOR] = Q_KEY_CODE_CALCULATOR,
    [SDL_SCANCODE_COMPUTER] = Q_KEY_CODE_COMPUTER,
    [SDL_SCANCODE_AC_HOME] = Q_KEY_CODE_AC_HOME,
    [SDL_SCANCODE_AC_BACK] = Q_KEY_CODE_AC_BACK,
    [SDL_SCANCODE_AC_FORWARD] = Q_KEY_CODE_AC_FORWARD,
    [SDL_SCANCODE_AC_REFRESH] = Q_KEY_CODE_AC_REFRESH,
    [SDL_SCANCODE_AC_BOOKMARKS] = Q_KEY_CODE_AC_BOOKMARKS,
    [SDL_SCANCODE_SLEEP] = Q_KEY_CODE_SLEEP,
};

static void sdl_send_key(SdlDisplay *s, QKeyCode qcode, bool down)
{
    if (down) {
        s->keys_down[qcode / 8] |= 1 << (qcode % 8);
    } else {
        s->keys_down[qcode / 8] &= ~(1 << (qcode % 8));
    }
    input_event_send_key(qcode, down);
}

/* Focus gone: the guest must not see keys held forever. */
static void sdl_release_all(SdlDisplay *s)
{
    for (int qcode = 0; qcode < Q_KEY_CODE__MAX; qcode++) {
        if (s->keys_down[qcode / 8] & (1 << (qcode % 8))) {
            sdl_send_key(s, qcode, false);
        }
    }
    if (s->buttons) {
        for (int b = 0; b < INPUT_BUTTON__MAX; b++) {
            if (s->buttons & (1u << b)) {
                input_event_send_button(b, false);
            }
        }
        s->buttons = 0;
        input_event_sync();
    }
}

/* ---- the window ---------------------------------------------------------- */

static void sdl_update_title(SdlDisplay *s)
{
    static const char *const grab_hint[] = {
        [GRAB_MOD_CTRL_ALT] = " - Press Ctrl-Alt-G to exit grab",
        [GRAB_MOD_CTRL_ALT_SHIFT] = " - Press Ctrl-Alt-Shift-G to exit grab",
        [GRAB_MOD_RCTRL] = " - Press Right-Ctrl-G to exit grab",
    };
    const char *status = "";
    g_autofree char *title = NULL;

    /* QEMU's format, "QEMU (NAME-0) [Stopped]", with pcvm's name. */
    if (!runstate_is_running()) {
        status = " [Stopped]";
    } else if (s->grabbed) {
        status = grab_hint[s->opts.grab_mod];
    }
    if (s->name) {
        title = g_strdup_printf("pcvm (%s-0)%s", s->name, status);
    } else {
        title = g_strdup_printf("pcvm%s", status);
    }
    SDL_SetWindowTitle(s->window, title);
}

static void sdl_set_grab(SdlDisplay *s, bool grab)
{
    if (grab == s->grabbed) {
        return;
    }
    s->grabbed = grab;
    SDL_SetWindowGrab(s->window, grab ? SDL_TRUE : SDL_FALSE);
    SDL_SetRelativeMouseMode(grab && !input_pointer_is_absolute() ? SDL_TRUE
                                                                  : SDL_FALSE);
    sdl_update_title(s);
}

static void sdl_runstate_changed(RunStateEvent event, bool guest,
                                 ShutdownCause cause, void *opaque)
{
    if (sdl &&
        (event == RUNSTATE_EVENT_STOP || event == RUNSTATE_EVENT_RESUME)) {
        sdl_update_title(sdl);
    }
}

/* The destination rectangle: the picture fitted into the output. */
static void sdl_layout(SdlDisplay *s)
{
    int ow, oh;

    SDL_GetRendererOutputSize(s->renderer, &ow, &oh);
    if ((int64_t)ow * s->tex_height <= (int64_t)oh * s->tex_width) {
        s->dst.w = ow;
        s->dst.h = (int)((int64_t)ow * s->tex_height / s->tex_width);
    } else {
        s->dst.h = oh;
        s->dst.w = (int)((int64_t)oh * s->tex_width / s->tex_height);
    }
    s->dst.x = (ow - s->dst.w) / 2;
    s->dst.y = (oh - s->dst.h) / 2;
}

static bool sdl_texture_resize(SdlDisplay *s, int width, int height)
{
    if (s->texture && s->tex_width == width && s->tex_height == height) {
        return false;
    }
    if (s->texture) {
        SDL_DestroyTexture(s->texture);
    }
    /* SDL's RGB888 is x8r8g8b8 in a native 32-bit word, as the surface. */
    s->texture = SDL_CreateTexture(s->renderer, SDL_PIXELFORMAT_RGB888,
                                   SDL_TEXTUREACCESS_STREAMING, width, height);
    s->tex_width = width;
    s->tex_height = height;
    if (!s->user_sized && !s->full_screen) {
        SDL_SetWindowSize(s->window, width, height);
    }
    s->redraw = true;
    return true;
}

static void sdl_render(SdlDisplay *s)
{
    SDL_SetRenderDrawColor(s->renderer, 0, 0, 0, 255);
    SDL_RenderClear(s->renderer);
    sdl_layout(s);
    if (s->texture) {
        SDL_RenderCopy(s->renderer, s->texture, NULL, &s->dst);
    }
    SDL_RenderPresent(s->renderer);
    s->redraw = false;
}

/* Takes the guest's new picture into the texture. */
static void sdl_refresh_picture(SdlDisplay *s)
{
    QemuConsole *con = qemu_console_lookup_by_index(0);
    DisplaySurface *surf;
    pixman_box32_t box;

    if (!con) {
        sdl_texture_resize(s, SDL_BLANK_WIDTH, SDL_BLANK_HEIGHT);
        if (s->redraw) {
            sdl_render(s);
        }
        return;
    }
    graphic_hw_update(con);
    surf = qemu_console_surface(con);
    if (sdl_texture_resize(s, surface_width(surf), surface_height(surf))) {
        box = (pixman_box32_t){0, 0, s->tex_width, s->tex_height};
        qemu_console_take_dirty(con, &box);
        box = (pixman_box32_t){0, 0, s->tex_width, s->tex_height};
    } else if (!qemu_console_take_dirty(con, &box)) {
        if (s->redraw) {
            sdl_render(s);
        }
        return;
    }
    box.x1 = CLAMP(box.x1, 0, s->tex_width);
    box.x2 = CLAMP(box.x2, box.x1, s->tex_width);
    box.y1 = CLAMP(box.y1, 0, s->tex_height);
    box.y2 = CLAMP(box.y2, box.y1, s->tex_height);
    if (box.x2 > box.x1 && box.y2 > box.y1 && s->texture) {
        SDL_Rect r = {box.x1, box.y1, box.x2 - box.x1, box.y2 - box.y1};

        SDL_UpdateTexture(s->texture, &r, surface_row(surf, box.y1) + box.x1,
                          surface_stride(surf));
    }
    sdl_render(s);
}

/* ---- events -------------------------------------------------------------- */

/*
 * mod: the modifiers when the key came (events are read in batches, so
 * SDL_GetModState() may already be past them).
 */
static bool sdl_grab_mod_held(SdlDisplay *s, Uint16 mod)
{
    switch (s->opts.grab_mod) {
    case GRAB_MOD_CTRL_ALT_SHIFT:
        return (mod & KMOD_LCTRL) && (mod & KMOD_LALT) && (mod & KMOD_LSHIFT);
    case GRAB_MOD_RCTRL:
        return mod & KMOD_RCTRL;
    default:
        return (mod & KMOD_LCTRL) && (mod & KMOD_LALT);
    }
}

/* The display's own keys; true when the key was one of them. */
static bool sdl_hotkey(SdlDisplay *s, const SDL_KeyboardEvent *ev)
{
    if (!sdl_grab_mod_held(s, ev->keysym.mod)) {
        return false;
    }
    switch (ev->keysym.scancode) {
    case SDL_SCANCODE_G:
        if (!ev->repeat && !(s->full_screen && s->grabbed)) {
            sdl_set_grab(s, !s->grabbed);
        }
        return true;
    case SDL_SCANCODE_F:
        if (!ev->repeat) {
            s->full_screen = !s->full_screen;
            SDL_SetWindowFullscreen(
                s->window, s->full_screen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
            sdl_set_grab(s, s->full_screen || s->grabbed);
            s->redraw = true;
        }
        return true;
    case SDL_SCANCODE_U:
        if (!ev->repeat && !s->full_screen) {
            /* Back to the guest's size, 1:1. */
            s->user_sized = false;
            SDL_SetWindowSize(s->window, s->tex_width, s->tex_height);
            s->redraw = true;
        }
        return true;
    default:
        return false;
    }
}

static void sdl_key_event(SdlDisplay *s, const SDL_KeyboardEvent *ev)
{
    SDL_Scancode sc = ev->keysym.scancode;
    QKeyCode qcode;

    if (ev->type == SDL_KEYDOWN && sdl_hotkey(s, ev)) {
        return;
    }
    qcode = sc >= 0 && sc < SDL_NUM_SCANCODES ? sdl_scancode_map[sc]
                                              : Q_KEY_CODE_UNMAPPED;
    if (qcode == Q_KEY_CODE_UNMAPPED) {
        return;
    }
    if (ev->type == SDL_KEYUP &&
        !(s->keys_down[qcode / 8] & (1 << (qcode % 8)))) {
        return; /* a hotkey's release, or pressed before the focus came */
    }
    sdl_send_key(s, qcode, ev->type == SDL_KEYDOWN);
}

static bool sdl_abs_position(SdlDisplay *s, int wx, int wy)
{
    int ww, wh, ow, oh, x, y;

    if (!s->dst.w || !s->dst.h) {
        return false;
    }
    /* Window coordinates to the renderer's pixels (HiDPI), then the surface's.
     */
    SDL_GetWindowSize(s->window, &ww, &wh);
    SDL_GetRendererOutputSize(s->renderer, &ow, &oh);
    if (ww > 0 && wh > 0) {
        wx = (int)((int64_t)wx * ow / ww);
        wy = (int)((int64_t)wy * oh / wh);
    }
    x = (int)((int64_t)(wx - s->dst.x) * s->tex_width / s->dst.w);
    y = (int)((int64_t)(wy - s->dst.y) * s->tex_height / s->dst.h);
    input_event_send_abs(INPUT_AXIS_X, CLAMP(x, 0, s->tex_width - 1), 0,
                         MAX(s->tex_width - 1, 1));
    input_event_send_abs(INPUT_AXIS_Y, CLAMP(y, 0, s->tex_height - 1), 0,
                         MAX(s->tex_height - 1, 1));
    return true;
}

static void sdl_button_event(SdlDisplay *s, const SDL_MouseButtonEvent *ev)
{
    InputButton b;
    bool down = ev->type == SDL_MOUSEBUTTONDOWN;

    if (!s->grabbed && !input_pointer_is_absolute()) {
        /* A relative mouse needs the grab: the first click takes it. */
        if (down && ev->button == SDL_BUTTON_LEFT) {
            sdl_set_grab(s, true);
        }
        return;
    }
    switch (ev->button) {
    case SDL_BUTTON_LEFT:
        b = INPUT_BUTTON_LEFT;
        break;
    case SDL_BUTTON_MIDDLE:
        b = INPUT_BUTTON_MIDDLE;
        break;
    case SDL_BUTTON_RIGHT:
        b = INPUT_BUTTON_RIGHT;
        break;
    case SDL_BUTTON_X1:
        b = INPUT_BUTTON_SIDE;
        break;
    case SDL_BUTTON_X2:
        b = INPUT_BUTTON_EXTRA;
        break;
    default:
        return;
    }
    if (down) {
        s->buttons |= 1u << b;
    } else {
        s->buttons &= ~(1u << b);
    }
    input_event_send_button(b, down);
    if (input_pointer_is_absolute()) {
        sdl_abs_position(s, ev->x, ev->y);
    }
    input_event_sync();
}

static void sdl_motion_event(SdlDisplay *s, const SDL_MouseMotionEvent *ev)
{
    if (input_pointer_is_absolute()) {
        if (sdl_abs_position(s, ev->x, ev->y)) {
            input_event_sync();
        }
        return;
    }
    if (!s->grabbed || (!ev->xrel && !ev->yrel)) {
        return;
    }
    if (ev->xrel) {
        input_event_send_rel(INPUT_AXIS_X, ev->xrel);
    }
    if (ev->yrel) {
        input_event_send_rel(INPUT_AXIS_Y, ev->yrel);
    }
    input_event_sync();
}

static void sdl_wheel_event(SdlDisplay *s, const SDL_MouseWheelEvent *ev)
{
    InputButton b;

    if (!s->grabbed && !input_pointer_is_absolute()) {
        return;
    }
    if (ev->y) {
        b = ev->y > 0 ? INPUT_BUTTON_WHEEL_UP : INPUT_BUTTON_WHEEL_DOWN;
    } else if (ev->x) {
        b = ev->x > 0 ? INPUT_BUTTON_WHEEL_RIGHT : INPUT_BUTTON_WHEEL_LEFT;
    } else {
        return;
    }
    input_event_send_button(b, true);
    input_event_sync();
    input_event_send_button(b, false);
    input_event_sync();
}

static void sdl_window_event(SdlDisplay *s, const SDL_WindowEvent *ev)
{
    switch (ev->event) {
    case SDL_WINDOWEVENT_RESIZED:
        /* The user's size (ours comes as SIZE_CHANGED only). */
        if (!s->full_screen &&
            (ev->data1 != s->tex_width || ev->data2 != s->tex_height)) {
            s->user_sized = true;
        }
        s->redraw = true;
        break;
    case SDL_WINDOWEVENT_SIZE_CHANGED:
    case SDL_WINDOWEVENT_EXPOSED:
    case SDL_WINDOWEVENT_SHOWN:
        s->redraw = true;
        break;
    case SDL_WINDOWEVENT_FOCUS_LOST:
        sdl_release_all(s);
        if (s->grabbed && !s->full_screen) {
            sdl_set_grab(s, false);
        }
        break;
    case SDL_WINDOWEVENT_CLOSE:
        if (s->opts.window_close) {
            system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
        }
        break;
    default:
        break;
    }
}

static void sdl_poll_events(SdlDisplay *s)
{
    SDL_Event ev;

    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
        case SDL_KEYDOWN:
        case SDL_KEYUP:
            sdl_key_event(s, &ev.key);
            break;
        case SDL_MOUSEMOTION:
            sdl_motion_event(s, &ev.motion);
            break;
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
            sdl_button_event(s, &ev.button);
            break;
        case SDL_MOUSEWHEEL:
            sdl_wheel_event(s, &ev.wheel);
            break;
        case SDL_WINDOWEVENT:
            sdl_window_event(s, &ev.window);
            break;
        case SDL_QUIT:
            if (s->opts.window_close) {
                system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
            }
            break;
        default:
            break;
        }
    }
}

static gboolean sdl_refresh(gpointer opaque)
{
    SdlDisplay *s = opaque;

    sdl_poll_events(s);
    if (!(SDL_GetWindowFlags(s->window) & SDL_WINDOW_MINIMIZED)) {
        sdl_refresh_picture(s);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- start and stop ------------------------------------------------------ */

bool sdl_display_init(const char *opts, const char *name, GError **errp)
{
    SdlOptions o;
    SdlDisplay *s;
    const char *driver, *current;

    if (!sdl_options_parse(opts, &o, errp)) {
        return false;
    }
    /*
     * Unless SDL_VIDEODRIVER names a driver, SDL falls back to its
     * headless ones (offscreen, dummy) with no display: a window nobody
     * sees. Say so instead.
     */
    driver = g_getenv("SDL_VIDEODRIVER");
    if ((!driver || !*driver) && !*(g_getenv("DISPLAY") ?: "") &&
        !*(g_getenv("WAYLAND_DISPLAY") ?: "")) {
        return error_setg(errp, "no display to open a window on ($DISPLAY "
                                "and $WAYLAND_DISPLAY are not set)");
    }
    /* pcvm's own SIGINT/SIGTERM handling stays; SDL must not take them. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
    SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    if (SDL_Init(SDL_INIT_VIDEO) < 0) {
        return error_setg(errp, "SDL could not open a window: %s",
                          SDL_GetError());
    }
    current = SDL_GetCurrentVideoDriver();
    if ((!driver || !*driver) && current &&
        (!strcmp(current, "offscreen") || !strcmp(current, "dummy"))) {
        SDL_Quit();
        return error_setg(errp, "SDL found no display to open a window on");
    }
    s = g_new0(SdlDisplay, 1);
    s->opts = o;
    s->name = g_strdup(name);
    s->window = SDL_CreateWindow(
        "pcvm", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
        SDL_BLANK_WIDTH, SDL_BLANK_HEIGHT,
        SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI |
            (o.full_screen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0));
    if (s->window) {
        s->renderer = SDL_CreateRenderer(s->window, -1, 0);
        if (!s->renderer) {
            s->renderer =
                SDL_CreateRenderer(s->window, -1, SDL_RENDERER_SOFTWARE);
        }
    }
    if (!s->window || !s->renderer) {
        error_setg(errp, "SDL could not open a window: %s", SDL_GetError());
        if (s->window) {
            SDL_DestroyWindow(s->window);
        }
        g_free(s->name);
        g_free(s);
        SDL_Quit();
        return false;
    }
    s->full_screen = o.full_screen;
    /* Key presses are keys here, not text. */
    SDL_StopTextInput();
    sdl = s;
    sdl_update_title(s);
    if (s->full_screen) {
        sdl_set_grab(s, true);
    }
    runstate_add_notifier(sdl_runstate_changed, NULL);
    s->refresh = g_timeout_source_new(SDL_REFRESH_MS);
    g_source_set_callback(s->refresh, sdl_refresh, s, NULL);
    g_source_attach(s->refresh, main_loop_context());
    return true;
}

void sdl_display_close(void)
{
    SdlDisplay *s = sdl;

    if (!s) {
        return;
    }
    g_source_destroy(s->refresh);
    g_source_unref(s->refresh);
    if (s->texture) {
        SDL_DestroyTexture(s->texture);
    }
    SDL_DestroyRenderer(s->renderer);
    SDL_DestroyWindow(s->window);
    SDL_Quit();
    g_free(s->name);
    g_free(s);
    sdl = NULL;
}
