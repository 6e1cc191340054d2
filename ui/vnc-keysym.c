/*
 * X11 keysyms (what an RFB KeyEvent carries, X11's keysymdef.h values)
 * to QKeyCode keys, for a US keyboard layout. A keysym names a symbol, not
 * a key, so shifted symbols map to the key that types them ('!' is the 1
 * key) and the client's own Shift press and release reach the guest as
 * they happened. Clients that know the key itself use QEMU's extended key
 * event instead (ui/vnc.c), which bypasses this table.
 */
#include <stddef.h>

#include "ui/vnc-keysym.h"

/* Printable ASCII, 0x20..0x7e. */
static const QKeyCode keysym_ascii[0x5f] = {
    [' ' - 0x20] = Q_KEY_CODE_SPC,
    ['!' - 0x20] = Q_KEY_CODE_1,
    ['"' - 0x20] = Q_KEY_CODE_APOSTROPHE,
    ['#' - 0x20] = Q_KEY_CODE_3,
    ['$' - 0x20] = Q_KEY_CODE_4,
    ['%' - 0x20] = Q_KEY_CODE_5,
    ['&' - 0x20] = Q_KEY_CODE_7,
    ['\'' - 0x20] = Q_KEY_CODE_APOSTROPHE,
    ['(' - 0x20] = Q_KEY_CODE_9,
    [')' - 0x20] = Q_KEY_CODE_0,
    ['*' - 0x20] = Q_KEY_CODE_8,
    ['+' - 0x20] = Q_KEY_CODE_EQUAL,
    [',' - 0x20] = Q_KEY_CODE_COMMA,
    ['-' - 0x20] = Q_KEY_CODE_MINUS,
    ['.' - 0x20] = Q_KEY_CODE_DOT,
    ['/' - 0x20] = Q_KEY_CODE_SLASH,
    ['0' - 0x20] = Q_KEY_CODE_0,
    ['1' - 0x20] = Q_KEY_CODE_1,
    ['2' - 0x20] = Q_KEY_CODE_2,
    ['3' - 0x20] = Q_KEY_CODE_3,
    ['4' - 0x20] = Q_KEY_CODE_4,
    ['5' - 0x20] = Q_KEY_CODE_5,
    ['6' - 0x20] = Q_KEY_CODE_6,
    ['7' - 0x20] = Q_KEY_CODE_7,
    ['8' - 0x20] = Q_KEY_CODE_8,
    ['9' - 0x20] = Q_KEY_CODE_9,
    [':' - 0x20] = Q_KEY_CODE_SEMICOLON,
    [';' - 0x20] = Q_KEY_CODE_SEMICOLON,
    ['<' - 0x20] = Q_KEY_CODE_COMMA,
    ['=' - 0x20] = Q_KEY_CODE_EQUAL,
    ['>' - 0x20] = Q_KEY_CODE_DOT,
    ['?' - 0x20] = Q_KEY_CODE_SLASH,
    ['@' - 0x20] = Q_KEY_CODE_2,
    ['[' - 0x20] = Q_KEY_CODE_BRACKET_LEFT,
    ['\\' - 0x20] = Q_KEY_CODE_BACKSLASH,
    [']' - 0x20] = Q_KEY_CODE_BRACKET_RIGHT,
    ['^' - 0x20] = Q_KEY_CODE_6,
    ['_' - 0x20] = Q_KEY_CODE_MINUS,
    ['`' - 0x20] = Q_KEY_CODE_GRAVE_ACCENT,
    ['{' - 0x20] = Q_KEY_CODE_BRACKET_LEFT,
    ['|' - 0x20] = Q_KEY_CODE_BACKSLASH,
    ['}' - 0x20] = Q_KEY_CODE_BRACKET_RIGHT,
    ['~' - 0x20] = Q_KEY_CODE_GRAVE_ACCENT,
};

/* Letters in keyboard order of the alphabet. */
static const QKeyCode keysym_letters[26] = {
    Q_KEY_CODE_A, Q_KEY_CODE_B, Q_KEY_CODE_C, Q_KEY_CODE_D, Q_KEY_CODE_E,
    Q_KEY_CODE_F, Q_KEY_CODE_G, Q_KEY_CODE_H, Q_KEY_CODE_I, Q_KEY_CODE_J,
    Q_KEY_CODE_K, Q_KEY_CODE_L, Q_KEY_CODE_M, Q_KEY_CODE_N, Q_KEY_CODE_O,
    Q_KEY_CODE_P, Q_KEY_CODE_Q, Q_KEY_CODE_R, Q_KEY_CODE_S, Q_KEY_CODE_T,
    Q_KEY_CODE_U, Q_KEY_CODE_V, Q_KEY_CODE_W, Q_KEY_CODE_X, Q_KEY_CODE_Y,
    Q_KEY_CODE_Z,
};

/* The function and keypad keysyms, 0xff00..0xffff. */
static const struct {
    uint16_t keysym;
    QKeyCode qcode;
} keysym_function[] = {
    {0xff08, Q_KEY_CODE_BACKSPACE},   {0xff09, Q_KEY_CODE_TAB},
    {0xff0a, Q_KEY_CODE_LF},          {0xff0d, Q_KEY_CODE_RET},
    {0xff13, Q_KEY_CODE_PAUSE},       {0xff14, Q_KEY_CODE_SCROLL_LOCK},
    {0xff15, Q_KEY_CODE_SYSRQ},       {0xff1b, Q_KEY_CODE_ESC},
    {0xff50, Q_KEY_CODE_HOME},        {0xff51, Q_KEY_CODE_LEFT},
    {0xff52, Q_KEY_CODE_UP},          {0xff53, Q_KEY_CODE_RIGHT},
    {0xff54, Q_KEY_CODE_DOWN},        {0xff55, Q_KEY_CODE_PGUP},
    {0xff56, Q_KEY_CODE_PGDN},        {0xff57, Q_KEY_CODE_END},
    {0xff61, Q_KEY_CODE_PRINT},       {0xff63, Q_KEY_CODE_INSERT},
    {0xff67, Q_KEY_CODE_MENU},        {0xff6a, Q_KEY_CODE_HELP},
    {0xff7f, Q_KEY_CODE_NUM_LOCK},    {0xff8d, Q_KEY_CODE_KP_ENTER},
    {0xff95, Q_KEY_CODE_KP_7},        {0xff96, Q_KEY_CODE_KP_4},
    {0xff97, Q_KEY_CODE_KP_8},        {0xff98, Q_KEY_CODE_KP_6},
    {0xff99, Q_KEY_CODE_KP_2},        {0xff9a, Q_KEY_CODE_KP_9},
    {0xff9b, Q_KEY_CODE_KP_3},        {0xff9c, Q_KEY_CODE_KP_1},
    {0xff9d, Q_KEY_CODE_KP_5},        {0xff9e, Q_KEY_CODE_KP_0},
    {0xff9f, Q_KEY_CODE_KP_DECIMAL},  {0xffaa, Q_KEY_CODE_KP_MULTIPLY},
    {0xffab, Q_KEY_CODE_KP_ADD},      {0xffac, Q_KEY_CODE_KP_COMMA},
    {0xffad, Q_KEY_CODE_KP_SUBTRACT}, {0xffae, Q_KEY_CODE_KP_DECIMAL},
    {0xffaf, Q_KEY_CODE_KP_DIVIDE},   {0xffb0, Q_KEY_CODE_KP_0},
    {0xffb1, Q_KEY_CODE_KP_1},        {0xffb2, Q_KEY_CODE_KP_2},
    {0xffb3, Q_KEY_CODE_KP_3},        {0xffb4, Q_KEY_CODE_KP_4},
    {0xffb5, Q_KEY_CODE_KP_5},        {0xffb6, Q_KEY_CODE_KP_6},
    {0xffb7, Q_KEY_CODE_KP_7},        {0xffb8, Q_KEY_CODE_KP_8},
    {0xffb9, Q_KEY_CODE_KP_9},        {0xffbd, Q_KEY_CODE_KP_EQUALS},
    {0xffbe, Q_KEY_CODE_F1},          {0xffbf, Q_KEY_CODE_F2},
    {0xffc0, Q_KEY_CODE_F3},          {0xffc1, Q_KEY_CODE_F4},
    {0xffc2, Q_KEY_CODE_F5},          {0xffc3, Q_KEY_CODE_F6},
    {0xffc4, Q_KEY_CODE_F7},          {0xffc5, Q_KEY_CODE_F8},
    {0xffc6, Q_KEY_CODE_F9},          {0xffc7, Q_KEY_CODE_F10},
    {0xffc8, Q_KEY_CODE_F11},         {0xffc9, Q_KEY_CODE_F12},
    {0xffe1, Q_KEY_CODE_SHIFT},       {0xffe2, Q_KEY_CODE_SHIFT_R},
    {0xffe3, Q_KEY_CODE_CTRL},        {0xffe4, Q_KEY_CODE_CTRL_R},
    {0xffe5, Q_KEY_CODE_CAPS_LOCK},   {0xffe7, Q_KEY_CODE_META_L},
    {0xffe8, Q_KEY_CODE_META_R},      {0xffe9, Q_KEY_CODE_ALT},
    {0xffea, Q_KEY_CODE_ALT_R},       {0xffeb, Q_KEY_CODE_META_L},
    {0xffec, Q_KEY_CODE_META_R},      {0xffff, Q_KEY_CODE_DELETE},
};

QKeyCode qkeycode_from_keysym(uint32_t keysym)
{
    if (keysym >= 'a' && keysym <= 'z') {
        return keysym_letters[keysym - 'a'];
    }
    if (keysym >= 'A' && keysym <= 'Z') {
        return keysym_letters[keysym - 'A'];
    }
    if (keysym >= 0x20 && keysym <= 0x7e) {
        return keysym_ascii[keysym - 0x20];
    }
    if (keysym == 0xfe03) { /* ISO_Level3_Shift: AltGr */
        return Q_KEY_CODE_ALT_R;
    }
    for (size_t i = 0; i < sizeof(keysym_function) / sizeof(keysym_function[0]);
         i++) {
        if (keysym_function[i].keysym == keysym) {
            return keysym_function[i].qcode;
        }
    }
    return Q_KEY_CODE_UNMAPPED;
}
