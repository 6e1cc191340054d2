/*
 * The line editor: editing keys, cursor moves, history, end-of-line bytes
 * and completion, checked both on the edit buffer and on what a VT100 would
 * display from the output it wrote.
 */
#include <string.h>

#include "util/readline.h"

typedef struct Term {
    ReadLineState *rs;
    GPtrArray *lines;  /* completed lines */
    GString *raw;      /* every byte written */
    char screen[8192]; /* the current terminal row */
    size_t col;
    GPtrArray *scrolled; /* rows that ended with a newline */
} Term;

/* A one-row VT100: enough to replay what readline writes. */
static void term_output(void *opaque, const char *buf, size_t len)
{
    Term *t = opaque;

    g_string_append_len(t->raw, buf, len);
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];

        if (c == '\r') {
            t->col = 0;
        } else if (c == '\n') {
            g_ptr_array_add(t->scrolled, g_strdup(t->screen));
            memset(t->screen, 0, sizeof(t->screen));
        } else if (c == '\b') {
            t->col = t->col ? t->col - 1 : 0;
        } else if (c == '\033' && i + 1 < len && buf[i + 1] == '[') {
            size_t j = i + 2;
            unsigned n = 0;
            bool has_n = false;

            while (j < len && g_ascii_isdigit(buf[j])) {
                n = n * 10 + (buf[j++] - '0');
                has_n = true;
            }
            g_assert_cmpuint(j, <, len);
            if (!has_n) {
                n = 1;
            }
            switch (buf[j]) {
            case 'D':
                t->col = t->col >= n ? t->col - n : 0;
                break;
            case 'C':
                t->col += n;
                break;
            case 'K':
                memset(t->screen + t->col, 0, sizeof(t->screen) - t->col);
                break;
            case 'H':
                t->col = 0;
                break;
            case 'J':
                memset(t->screen, 0, sizeof(t->screen));
                break;
            default:
                g_assert_not_reached();
            }
            i = j;
        } else {
            g_assert_cmpint((unsigned char)c, >=, 0x20);
            for (size_t k = strlen(t->screen); k < t->col; k++) {
                t->screen[k] = ' ';
            }
            t->screen[t->col++] = c;
        }
    }
}

static void term_line(void *opaque, const char *line)
{
    Term *t = opaque;

    g_ptr_array_add(t->lines, g_strdup(line));
    readline_show_prompt(t->rs); /* as the monitor does after a command */
}

static const char *const commands[] = {"info", "inject-nmi", "quit",
                                       "help", "x",          "xp"};

static void term_complete(void *opaque, const char *text, GPtrArray *out)
{
    if (!strchr(text, ' ')) {
        for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++) {
            g_ptr_array_add(out, g_strdup(commands[i]));
        }
    } else if (g_str_has_prefix(text, "info ")) {
        g_ptr_array_add(out, g_strdup("status"));
        g_ptr_array_add(out, g_strdup("registers"));
        g_ptr_array_add(out, g_strdup("qtree"));
    }
}

static Term *term_new(void)
{
    Term *t = g_new0(Term, 1);

    t->lines = g_ptr_array_new_with_free_func(g_free);
    t->scrolled = g_ptr_array_new_with_free_func(g_free);
    t->raw = g_string_new(NULL);
    t->rs = readline_new(term_output, term_complete, t);
    readline_start(t->rs, "(qemu) ", term_line, t);
    readline_show_prompt(t->rs);
    return t;
}

static void term_free(Term *t)
{
    readline_free(t->rs);
    g_ptr_array_free(t->lines, true);
    g_ptr_array_free(t->scrolled, true);
    g_string_free(t->raw, true);
    g_free(t);
}

static void feed(Term *t, const char *keys)
{
    readline_feed(t->rs, (const uint8_t *)keys, strlen(keys));
}

/* The buffer is as expected and the terminal shows exactly it. */
static void assert_edit(Term *t, const char *line, size_t cursor)
{
    g_autofree char *screen = g_strconcat("(qemu) ", line, NULL);

    g_assert_cmpstr(readline_get_line(t->rs), ==, line);
    g_assert_cmpuint(readline_get_cursor(t->rs), ==, cursor);
    g_assert_cmpstr(t->screen, ==, screen);
    g_assert_cmpuint(t->col, ==, strlen("(qemu) ") + cursor);
}

static void test_insert_and_enter(void)
{
    Term *t = term_new();

    assert_edit(t, "", 0);
    feed(t, "info status");
    assert_edit(t, "info status", 11);
    g_assert_cmpuint(t->lines->len, ==, 0);
    feed(t, "\r");
    g_assert_cmpuint(t->lines->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(t->lines, 0), ==, "info status");
    g_assert_cmpstr(g_ptr_array_index(t->scrolled, 0), ==,
                    "(qemu) info status");
    g_assert_cmpstr(readline_get_line(t->rs), ==, "");
    /* The echo of plain typing is the typed text itself. */
    g_assert_true(g_str_has_prefix(t->raw->str, "(qemu) info status\r\n"));
    term_free(t);
}

static void test_end_of_line(void)
{
    Term *t = term_new();

    feed(t, "a\r\nb\nc\rd\r\n\ne\r");
    feed(t, "\n"); /* CR LF split over two reads is still one line */
    feed(t, "f\r");
    readline_feed(t->rs, (const uint8_t *)"\0g\r", 3); /* telnet CR NUL */
    g_assert_cmpuint(t->lines->len, ==, 8);
    g_assert_cmpstr(g_ptr_array_index(t->lines, 0), ==, "a");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 1), ==, "b");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 2), ==, "c");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 3), ==, "d");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 4), ==, "");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 5), ==, "e");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 6), ==, "f");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 7), ==, "g");
    term_free(t);
}

static void test_delete_keys(void)
{
    Term *t = term_new();

    feed(t, "abcd\x7f");
    assert_edit(t, "abc", 3);
    feed(t, "\b");
    assert_edit(t, "ab", 2);
    feed(t, "\x7f\x7f\x7f");
    assert_edit(t, "", 0);
    feed(t, "hello\x01\033[3~");
    assert_edit(t, "ello", 0);
    feed(t, "\x04");
    assert_edit(t, "llo", 0);
    feed(t, "\033[F\033[3~"); /* Delete at the end does nothing */
    assert_edit(t, "llo", 3);
    term_free(t);
}

static void test_cursor_moves(void)
{
    Term *t = term_new();

    feed(t, "ac\033[Db");
    assert_edit(t, "abc", 2);
    feed(t, "\x01>");
    assert_edit(t, ">abc", 1);
    feed(t, "\x05<");
    assert_edit(t, ">abc<", 5);
    feed(t, "\x02\x02\x06");
    assert_edit(t, ">abc<", 4);
    feed(t, "\033OD\033OD\033[C");
    assert_edit(t, ">abc<", 3);
    feed(t, "\033[H");
    assert_edit(t, ">abc<", 0);
    feed(t, "\033[4~");
    assert_edit(t, ">abc<", 5);
    feed(t, "\033[1~");
    assert_edit(t, ">abc<", 0);
    feed(t, "\033[8~");
    assert_edit(t, ">abc<", 5);
    feed(t, "\033[7~\033OF");
    assert_edit(t, ">abc<", 5);
    feed(t, "\033OH");
    assert_edit(t, ">abc<", 0);
    /* Moving past either end stays there. */
    feed(t, "\033[D\x02");
    assert_edit(t, ">abc<", 0);
    feed(t, "\x05\033[C\x06");
    assert_edit(t, ">abc<", 5);
    /* Modified arrows (Ctrl-Right: ESC [ 1 ; 5 C) move like plain ones. */
    feed(t, "\033[1;5D");
    assert_edit(t, ">abc<", 4);
    /* An unknown sequence is swallowed whole. */
    feed(t, "\033[15~\033[Z");
    assert_edit(t, ">abc<", 4);
    feed(t, "\r");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 0), ==, ">abc<");
    term_free(t);
}

static void test_kill_keys(void)
{
    Term *t = term_new();

    feed(t, "xp /4wx 0x1000\033[D\033[D\033[D\033[D\033[D\033[D");
    assert_edit(t, "xp /4wx 0x1000", 8);
    feed(t, "\x0b");
    assert_edit(t, "xp /4wx ", 8);
    feed(t, "\x19"); /* Ctrl-Y yanks what Ctrl-K killed */
    assert_edit(t, "xp /4wx 0x1000", 14);
    feed(t, "\x17");
    assert_edit(t, "xp /4wx ", 8);
    feed(t, "\x17");
    assert_edit(t, "xp ", 3);
    feed(t, "info\x02\x02");
    assert_edit(t, "xp info", 5);
    feed(t, "\x15");
    assert_edit(t, "fo", 0);
    feed(t, "\x17"); /* nothing before the cursor */
    assert_edit(t, "fo", 0);
    term_free(t);
}

static void test_history(void)
{
    Term *t = term_new();

    feed(t, "one\rtwo\rtwo\r\r   \rthree\r");
    g_assert_cmpstr(readline_get_history(t->rs, 0), ==, "one");
    g_assert_cmpstr(readline_get_history(t->rs, 1), ==, "two");
    g_assert_cmpstr(readline_get_history(t->rs, 2), ==, "three");
    g_assert_null(readline_get_history(t->rs, 3));

    feed(t, "draft");
    feed(t, "\033[A");
    assert_edit(t, "three", 5);
    feed(t, "\033[A");
    assert_edit(t, "two", 3);
    feed(t, "\x10"); /* Ctrl-P */
    assert_edit(t, "one", 3);
    feed(t, "\033[A"); /* the oldest entry stays */
    assert_edit(t, "one", 3);
    feed(t, "\033[B\x0e");
    assert_edit(t, "three", 5);
    feed(t, "\033OB"); /* back to the line being typed */
    assert_edit(t, "draft", 5);
    feed(t, "\033[B");
    assert_edit(t, "draft", 5);

    /* A recalled entry can be edited and entered; history keeps both. */
    feed(t, "\x15\033[A\033[A\x7f\x7f\x7fTWO\r");
    g_assert_cmpstr(g_ptr_array_index(t->lines, t->lines->len - 1), ==, "TWO");
    g_assert_cmpstr(readline_get_history(t->rs, 1), ==, "two");
    g_assert_cmpstr(readline_get_history(t->rs, 3), ==, "TWO");
    term_free(t);
}

static void test_history_limit(void)
{
    Term *t = term_new();

    for (int i = 0; i < READLINE_HISTORY_SIZE + 6; i++) {
        g_autofree char *line = g_strdup_printf("cmd%d\r", i);

        feed(t, line);
    }
    g_assert_cmpstr(readline_get_history(t->rs, 0), ==, "cmd6");
    g_assert_nonnull(readline_get_history(t->rs, READLINE_HISTORY_SIZE - 1));
    g_assert_null(readline_get_history(t->rs, READLINE_HISTORY_SIZE));
    for (int i = 0; i < READLINE_HISTORY_SIZE + 3; i++) {
        feed(t, "\033[A");
    }
    assert_edit(t, "cmd6", 4);
    term_free(t);
}

static void test_completion(void)
{
    Term *t = term_new();

    feed(t, "q\t");
    assert_edit(t, "quit ", 5);
    feed(t, "\x15i\t"); /* info, inject-nmi: common prefix "in" */
    assert_edit(t, "in", 2);
    feed(t, "\t"); /* no progress: the candidates are listed */
    g_assert_true(strstr(t->raw->str, "info  ") != NULL);
    g_assert_true(strstr(t->raw->str, "inject-nmi") != NULL);
    assert_edit(t, "in", 2); /* and the line is drawn again */
    feed(t, "f\t");
    assert_edit(t, "info ", 5);
    feed(t, "st\t");
    assert_edit(t, "info status ", 12);
    feed(t, "\x17r\t\r");
    g_assert_cmpstr(g_ptr_array_index(t->lines, 0), ==, "info registers ");
    /* Completion in the middle of a line inserts at the cursor. */
    feed(t, "h 0x10\x01\033[C\t");
    assert_edit(t, "help  0x10", 5);
    feed(t, "\x05\x15zzz\t");
    assert_edit(t, "zzz", 3);
    term_free(t);
}

static void test_redraw(void)
{
    Term *t = term_new();

    feed(t, "abc\x0c");
    assert_edit(t, "abc", 3);
    g_assert_true(strstr(t->raw->str, "\033[2J") != NULL);
    /* A new prompt after output shows the buffer again. */
    readline_start(t->rs, "(qemu) ", term_line, t);
    g_assert_cmpstr(readline_get_line(t->rs), ==, "");
    term_output(t, "\r\n", 2);
    readline_show_prompt(t->rs);
    assert_edit(t, "", 0);
    term_free(t);
}

/* Random keys: the terminal always shows prompt + buffer, cursor in place. */
static void test_random_edits(void)
{
    static const char *const keys[] = {
        "a",    "b",    " ",      "xyz",    "\x7f",    "\x01",   "\x05",
        "\x02", "\x06", "\033[D", "\033[C", "\033[3~", "\x0b",   "\x15",
        "\x17", "\x19", "\033[A", "\033[B", "\033[H",  "\033[F",
    };
    Term *t = term_new();
    GRand *rand = g_rand_new_with_seed(42);

    feed(t, "first\rsecond line\r");
    for (int i = 0; i < 5000; i++) {
        feed(t, keys[g_rand_int_range(rand, 0, G_N_ELEMENTS(keys))]);
        assert_edit(t, readline_get_line(t->rs), readline_get_cursor(t->rs));
    }
    g_rand_free(rand);
    term_free(t);
}

static void test_line_limit(void)
{
    Term *t = term_new();
    g_autofree char *big = g_strnfill(READLINE_MAX_LINE + 100, 'z');

    feed(t, big);
    g_assert_cmpuint(strlen(readline_get_line(t->rs)), ==, READLINE_MAX_LINE);
    feed(t, "\r");
    g_assert_cmpuint(strlen(g_ptr_array_index(t->lines, 0)), ==,
                     READLINE_MAX_LINE);
    term_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/readline/insert-and-enter", test_insert_and_enter);
    g_test_add_func("/readline/end-of-line", test_end_of_line);
    g_test_add_func("/readline/delete-keys", test_delete_keys);
    g_test_add_func("/readline/cursor-moves", test_cursor_moves);
    g_test_add_func("/readline/kill-keys", test_kill_keys);
    g_test_add_func("/readline/history", test_history);
    g_test_add_func("/readline/history-limit", test_history_limit);
    g_test_add_func("/readline/completion", test_completion);
    g_test_add_func("/readline/redraw", test_redraw);
    g_test_add_func("/readline/random-edits", test_random_edits);
    g_test_add_func("/readline/line-limit", test_line_limit);
    return g_test_run();
}
