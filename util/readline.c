/*
 * Line editor for the human monitor: an edit buffer with a cursor, a small
 * history and a Tab completion hook, driven byte by byte from a terminal.
 *
 * The terminal is updated incrementally: after each key the buffer is
 * compared with what the terminal shows, and only the differing tail is
 * rewritten (then erased to the end of line, and the cursor moved back).
 * Lines wider than the terminal and multi-column characters are not
 * handled specially.
 */
#include <stdio.h>
#include <string.h>

#include "util/readline.h"

#define KEY_CTRL(c) ((c)&0x1f)
#define KEY_ESC 0x1b
#define KEY_DEL 0x7f
#define COMPLETION_COLUMNS 80

typedef enum {
    INPUT_NORMAL,
    INPUT_ESC, /* after ESC */
    INPUT_CSI, /* after ESC [ */
    INPUT_SS3, /* after ESC O */
} InputState;

struct ReadLineState {
    ReadLineOutputFunc *output;
    ReadLineCompletionFunc *completion;
    void *opaque;
    ReadLineLineFunc *line_cb;
    void *line_opaque;
    char *prompt;

    char buf[READLINE_MAX_LINE + 1];
    size_t len, cursor;
    /* What the terminal shows after the prompt, and where its cursor is. */
    char shown[READLINE_MAX_LINE + 1];
    size_t shown_len, shown_cursor;

    char *history[READLINE_HISTORY_SIZE];
    unsigned history_count;
    int history_pos;  /* entry being edited, -1 for the new line */
    char *saved_line; /* the new line while browsing the history */
    char *kill_buf;

    InputState input;
    unsigned esc_param;  /* first numeric parameter of ESC [ */
    bool esc_param_done; /* a ';' ended it */
    bool last_was_cr;
    GString *pending; /* output not yet given to the output callback */
};

/* ---- terminal output ----------------------------------------------------- */

static void flush_output(ReadLineState *rs)
{
    if (rs->pending->len) {
        rs->output(rs->opaque, rs->pending->str, rs->pending->len);
        g_string_truncate(rs->pending, 0);
    }
}

static void cursor_left(ReadLineState *rs, size_t n)
{
    if (n == 1) {
        g_string_append_c(rs->pending, '\b');
    } else if (n) {
        g_string_append_printf(rs->pending, "\033[%zuD", n);
    }
}

/* Brings the terminal up to date with buf and cursor. */
static void refresh(ReadLineState *rs)
{
    size_t common = 0;
    size_t limit = MIN(rs->len, rs->shown_len);

    while (common < limit && rs->buf[common] == rs->shown[common]) {
        common++;
    }
    if (rs->shown_cursor > common) {
        cursor_left(rs, rs->shown_cursor - common);
    } else if (rs->shown_cursor < common) {
        /* The text in between is unchanged: printing it moves right. */
        g_string_append_len(rs->pending, rs->buf + rs->shown_cursor,
                            common - rs->shown_cursor);
    }
    g_string_append_len(rs->pending, rs->buf + common, rs->len - common);
    if (rs->len < rs->shown_len) {
        g_string_append(rs->pending, "\033[K");
    }
    cursor_left(rs, rs->len - rs->cursor);
    memcpy(rs->shown, rs->buf, rs->len);
    rs->shown_len = rs->len;
    rs->shown_cursor = rs->cursor;
}

static void show_prompt(ReadLineState *rs)
{
    g_string_append(rs->pending, rs->prompt ? rs->prompt : "");
    g_string_append_len(rs->pending, rs->buf, rs->len);
    cursor_left(rs, rs->len - rs->cursor);
    memcpy(rs->shown, rs->buf, rs->len);
    rs->shown_len = rs->len;
    rs->shown_cursor = rs->cursor;
}

/* ---- buffer edits -------------------------------------------------------- */

static void set_line(ReadLineState *rs, const char *text)
{
    size_t n = MIN(strlen(text), (size_t)READLINE_MAX_LINE);

    memcpy(rs->buf, text, n);
    rs->buf[n] = '\0';
    rs->len = n;
    rs->cursor = n;
}

static void insert_text(ReadLineState *rs, const char *text, size_t n)
{
    n = MIN(n, READLINE_MAX_LINE - rs->len);
    memmove(rs->buf + rs->cursor + n, rs->buf + rs->cursor,
            rs->len - rs->cursor);
    memcpy(rs->buf + rs->cursor, text, n);
    rs->len += n;
    rs->cursor += n;
    rs->buf[rs->len] = '\0';
}

/* Removes [from, to) and puts the cursor at from. */
static void delete_range(ReadLineState *rs, size_t from, size_t to, bool keep)
{
    if (from >= to) {
        return;
    }
    if (keep) {
        g_free(rs->kill_buf);
        rs->kill_buf = g_strndup(rs->buf + from, to - from);
    }
    memmove(rs->buf + from, rs->buf + to, rs->len - to);
    rs->len -= to - from;
    rs->cursor = from;
    rs->buf[rs->len] = '\0';
}

static void delete_word_before_cursor(ReadLineState *rs)
{
    size_t start = rs->cursor;

    while (start > 0 && rs->buf[start - 1] == ' ') {
        start--;
    }
    while (start > 0 && rs->buf[start - 1] != ' ') {
        start--;
    }
    delete_range(rs, start, rs->cursor, true);
}

/* ---- history ------------------------------------------------------------- */

void readline_add_history(ReadLineState *rs, const char *line)
{
    const char *p = line;

    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (!*p) {
        return;
    }
    if (rs->history_count &&
        strcmp(rs->history[rs->history_count - 1], line) == 0) {
        return;
    }
    if (rs->history_count == READLINE_HISTORY_SIZE) {
        g_free(rs->history[0]);
        memmove(rs->history, rs->history + 1,
                (READLINE_HISTORY_SIZE - 1) * sizeof(rs->history[0]));
        rs->history_count--;
    }
    rs->history[rs->history_count++] = g_strdup(line);
}

const char *readline_get_history(ReadLineState *rs, unsigned index)
{
    return index < rs->history_count ? rs->history[index] : NULL;
}

static void history_up(ReadLineState *rs)
{
    if (rs->history_pos == 0 || rs->history_count == 0) {
        return;
    }
    if (rs->history_pos < 0) {
        g_free(rs->saved_line);
        rs->saved_line = g_strdup(rs->buf);
        rs->history_pos = rs->history_count - 1;
    } else {
        rs->history_pos--;
    }
    set_line(rs, rs->history[rs->history_pos]);
}

static void history_down(ReadLineState *rs)
{
    if (rs->history_pos < 0) {
        return;
    }
    if (rs->history_pos + 1 < (int)rs->history_count) {
        rs->history_pos++;
        set_line(rs, rs->history[rs->history_pos]);
    } else {
        rs->history_pos = -1;
        set_line(rs, rs->saved_line ? rs->saved_line : "");
        g_clear_pointer(&rs->saved_line, g_free);
    }
}

/* ---- completion ---------------------------------------------------------- */

static void list_candidates(ReadLineState *rs, GPtrArray *candidates)
{
    size_t width = 0;
    unsigned per_row;

    for (unsigned i = 0; i < candidates->len; i++) {
        width = MAX(width, strlen(g_ptr_array_index(candidates, i)));
    }
    width += 2;
    per_row = MAX(1u, COMPLETION_COLUMNS / width);
    g_string_append(rs->pending, "\r\n");
    for (unsigned i = 0; i < candidates->len; i++) {
        const char *c = g_ptr_array_index(candidates, i);
        bool row_end = (i + 1) % per_row == 0 || i + 1 == candidates->len;

        if (row_end) {
            g_string_append_printf(rs->pending, "%s\r\n", c);
        } else {
            g_string_append_printf(rs->pending, "%-*s", (int)width, c);
        }
    }
    show_prompt(rs);
}

static int compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void complete(ReadLineState *rs)
{
    g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *text = g_strndup(rs->buf, rs->cursor);
    const char *word = strrchr(text, ' ');
    size_t word_len, common;
    const char *first;

    if (!rs->completion) {
        return;
    }
    word = word ? word + 1 : text;
    word_len = strlen(word);
    rs->completion(rs->opaque, text, candidates);
    for (unsigned i = candidates->len; i-- > 0;) {
        if (strncmp(g_ptr_array_index(candidates, i), word, word_len) != 0) {
            g_ptr_array_remove_index(candidates, i);
        }
    }
    if (candidates->len == 0) {
        return;
    }
    g_ptr_array_sort(candidates, compare_strings);
    first = g_ptr_array_index(candidates, 0);
    common = strlen(first);
    for (unsigned i = 1; i < candidates->len; i++) {
        const char *c = g_ptr_array_index(candidates, i);
        size_t n = 0;

        while (n < common && c[n] == first[n]) {
            n++;
        }
        common = n;
    }
    if (candidates->len == 1) {
        insert_text(rs, first + word_len, common - word_len);
        insert_text(rs, " ", 1);
        refresh(rs);
    } else if (common > word_len) {
        insert_text(rs, first + word_len, common - word_len);
        refresh(rs);
    } else {
        list_candidates(rs, candidates);
    }
}

/* ---- input --------------------------------------------------------------- */

static void enter(ReadLineState *rs)
{
    g_autofree char *line = g_strndup(rs->buf, rs->len);

    g_string_append(rs->pending, "\r\n");
    readline_add_history(rs, line);
    rs->len = rs->cursor = 0;
    rs->buf[0] = '\0';
    rs->shown_len = rs->shown_cursor = 0;
    rs->history_pos = -1;
    g_clear_pointer(&rs->saved_line, g_free);
    flush_output(rs);
    if (rs->line_cb) {
        rs->line_cb(rs->line_opaque, line);
    }
}

/* Cursor and edit keys shared by control bytes and escape sequences. */
typedef enum {
    KEY_UP,
    KEY_DOWN,
    KEY_LEFT,
    KEY_RIGHT,
    KEY_HOME,
    KEY_END,
    KEY_DELETE,
} EditKey;

static void edit_key(ReadLineState *rs, EditKey key)
{
    switch (key) {
    case KEY_UP:
        history_up(rs);
        break;
    case KEY_DOWN:
        history_down(rs);
        break;
    case KEY_LEFT:
        if (rs->cursor > 0) {
            rs->cursor--;
        }
        break;
    case KEY_RIGHT:
        if (rs->cursor < rs->len) {
            rs->cursor++;
        }
        break;
    case KEY_HOME:
        rs->cursor = 0;
        break;
    case KEY_END:
        rs->cursor = rs->len;
        break;
    case KEY_DELETE:
        delete_range(rs, rs->cursor, MIN(rs->cursor + 1, rs->len), false);
        break;
    }
    refresh(rs);
}

/* The final byte of ESC [ ... or ESC O ... */
static void escape_sequence(ReadLineState *rs, int final, unsigned param)
{
    switch (final) {
    case 'A':
        edit_key(rs, KEY_UP);
        break;
    case 'B':
        edit_key(rs, KEY_DOWN);
        break;
    case 'C':
        edit_key(rs, KEY_RIGHT);
        break;
    case 'D':
        edit_key(rs, KEY_LEFT);
        break;
    case 'H':
        edit_key(rs, KEY_HOME);
        break;
    case 'F':
        edit_key(rs, KEY_END);
        break;
    case '~':
        switch (param) {
        case 1:
        case 7:
            edit_key(rs, KEY_HOME);
            break;
        case 4:
        case 8:
            edit_key(rs, KEY_END);
            break;
        case 3:
            edit_key(rs, KEY_DELETE);
            break;
        }
        break;
    }
}

static void control_key(ReadLineState *rs, int ch)
{
    switch (ch) {
    case KEY_CTRL('A'):
        edit_key(rs, KEY_HOME);
        break;
    case KEY_CTRL('E'):
        edit_key(rs, KEY_END);
        break;
    case KEY_CTRL('B'):
        edit_key(rs, KEY_LEFT);
        break;
    case KEY_CTRL('F'):
        edit_key(rs, KEY_RIGHT);
        break;
    case KEY_CTRL('P'):
        edit_key(rs, KEY_UP);
        break;
    case KEY_CTRL('N'):
        edit_key(rs, KEY_DOWN);
        break;
    case KEY_CTRL('D'):
        edit_key(rs, KEY_DELETE);
        break;
    case KEY_CTRL('H'):
    case KEY_DEL:
        if (rs->cursor > 0) {
            delete_range(rs, rs->cursor - 1, rs->cursor, false);
            refresh(rs);
        }
        break;
    case KEY_CTRL('K'):
        delete_range(rs, rs->cursor, rs->len, true);
        refresh(rs);
        break;
    case KEY_CTRL('U'):
        delete_range(rs, 0, rs->cursor, true);
        refresh(rs);
        break;
    case KEY_CTRL('W'):
        delete_word_before_cursor(rs);
        refresh(rs);
        break;
    case KEY_CTRL('Y'):
        if (rs->kill_buf) {
            insert_text(rs, rs->kill_buf, strlen(rs->kill_buf));
            refresh(rs);
        }
        break;
    case KEY_CTRL('L'):
        g_string_append(rs->pending, "\033[H\033[2J");
        show_prompt(rs);
        break;
    case '\t':
        complete(rs);
        break;
    }
}

static void handle_byte(ReadLineState *rs, uint8_t ch)
{
    bool after_cr = rs->last_was_cr;

    rs->last_was_cr = false;
    switch (rs->input) {
    case INPUT_ESC:
        if (ch != KEY_ESC) {
            rs->input = ch == '['   ? INPUT_CSI
                        : ch == 'O' ? INPUT_SS3
                                    : INPUT_NORMAL;
        }
        rs->esc_param = 0;
        rs->esc_param_done = false;
        return;
    case INPUT_CSI:
        if (ch >= '0' && ch <= '9') {
            if (!rs->esc_param_done) {
                rs->esc_param = MIN(rs->esc_param * 10 + (ch - '0'), 1000u);
            }
        } else if (ch == ';') {
            rs->esc_param_done = true; /* modifiers (ESC [ 1 ; 5 C) ignored */
        } else if (ch >= 0x40 && ch <= 0x7e) {
            rs->input = INPUT_NORMAL;
            escape_sequence(rs, ch, rs->esc_param);
        } else if (ch < 0x20 || ch > 0x7e) {
            rs->input = INPUT_NORMAL; /* not a sequence after all */
        }
        return; /* ';' and other parameter bytes: keep reading */
    case INPUT_SS3:
        rs->input = INPUT_NORMAL;
        escape_sequence(rs, ch, 0);
        return;
    case INPUT_NORMAL:
        break;
    }

    if (ch == '\r') {
        rs->last_was_cr = true;
        enter(rs);
    } else if (ch == '\n' || ch == '\0') {
        /* CR LF and telnet's CR NUL end one line, not two. */
        if (!after_cr && ch == '\n') {
            enter(rs);
        }
    } else if (ch == KEY_ESC) {
        rs->input = INPUT_ESC;
    } else if (ch < 0x20 || ch == KEY_DEL) {
        control_key(rs, ch);
    } else {
        char c = ch;

        insert_text(rs, &c, 1);
        refresh(rs);
    }
}

void readline_feed(ReadLineState *rs, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        handle_byte(rs, buf[i]);
    }
    flush_output(rs);
}

/* ---- set-up -------------------------------------------------------------- */

ReadLineState *readline_new(ReadLineOutputFunc *output,
                            ReadLineCompletionFunc *completion, void *opaque)
{
    ReadLineState *rs = g_new0(ReadLineState, 1);

    rs->output = output;
    rs->completion = completion;
    rs->opaque = opaque;
    rs->history_pos = -1;
    rs->pending = g_string_new(NULL);
    return rs;
}

void readline_free(ReadLineState *rs)
{
    if (!rs) {
        return;
    }
    for (unsigned i = 0; i < rs->history_count; i++) {
        g_free(rs->history[i]);
    }
    g_free(rs->saved_line);
    g_free(rs->kill_buf);
    g_free(rs->prompt);
    g_string_free(rs->pending, true);
    g_free(rs);
}

void readline_start(ReadLineState *rs, const char *prompt,
                    ReadLineLineFunc *line_cb, void *line_opaque)
{
    g_free(rs->prompt);
    rs->prompt = g_strdup(prompt);
    rs->line_cb = line_cb;
    rs->line_opaque = line_opaque;
    rs->len = rs->cursor = 0;
    rs->buf[0] = '\0';
    rs->shown_len = rs->shown_cursor = 0;
    rs->history_pos = -1;
    rs->input = INPUT_NORMAL;
}

void readline_show_prompt(ReadLineState *rs)
{
    show_prompt(rs);
    flush_output(rs);
}

const char *readline_get_line(ReadLineState *rs)
{
    return rs->buf;
}

size_t readline_get_cursor(ReadLineState *rs)
{
    return rs->cursor;
}
