/*
 * A line editor for byte-stream terminals (the HMP monitor on a chardev).
 *
 * It knows nothing about monitors: the owner feeds it the bytes a terminal
 * sends, it writes echo and redraw sequences through an output callback and
 * hands back each complete line. It assumes a VT100-like terminal (cursor
 * left/right with ESC [ n D / ESC [ n C, erase to end of line with ESC [ K)
 * and one column per byte.
 *
 * Keys: printable bytes insert; Backspace (0x08 or 0x7f) deletes before the
 * cursor, Delete (ESC [ 3 ~) and Ctrl-D at it; Ctrl-A / Home (ESC [ H,
 * ESC [ 1 ~, ESC [ 7 ~, ESC O H) and Ctrl-E / End (ESC [ F, ESC [ 4 ~,
 * ESC [ 8 ~, ESC O F) jump; Ctrl-B / Ctrl-F and the arrows (ESC [ D / C,
 * ESC O D / C) move; Ctrl-K kills to the end, Ctrl-U to the start, Ctrl-W
 * the word before the cursor, Ctrl-Y yanks the last kill; Up / Down
 * (ESC [ A / B, Ctrl-P / Ctrl-N) walk the history; Ctrl-L redraws on a
 * cleared screen; Tab asks the completion callback; CR, LF or CR LF end
 * the line.
 */
#ifndef UTIL_READLINE_H
#define UTIL_READLINE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define READLINE_MAX_LINE 4096
#define READLINE_HISTORY_SIZE 64

typedef struct ReadLineState ReadLineState;

/* Writes terminal output (echo, redraws, completion lists). */
typedef void ReadLineOutputFunc(void *opaque, const char *buf, size_t len);
/* A complete line, without its end-of-line bytes. */
typedef void ReadLineLineFunc(void *opaque, const char *line);
/*
 * Tab: text is the line up to the cursor. Append to candidates (g_strdup'd
 * strings) the words that may replace the word being typed, i.e. the text
 * after the last space of text.
 */
typedef void ReadLineCompletionFunc(void *opaque, const char *text,
                                    GPtrArray *candidates);

/* completion may be NULL (Tab then does nothing). */
ReadLineState *readline_new(ReadLineOutputFunc *output,
                            ReadLineCompletionFunc *completion, void *opaque);
void readline_free(ReadLineState *rs);

/*
 * Starts reading a line: sets the prompt and the handler of the next
 * lines, empties the edit buffer. Does not print anything.
 */
void readline_start(ReadLineState *rs, const char *prompt,
                    ReadLineLineFunc *line_cb, void *line_opaque);
/*
 * Prints the prompt and the current edit buffer; the terminal cursor is
 * assumed to be at the start of a line.
 */
void readline_show_prompt(ReadLineState *rs);

/* Feeds terminal input; line callbacks run from inside this call. */
void readline_feed(ReadLineState *rs, const uint8_t *buf, size_t len);

/* The edit buffer and cursor (for tests and for redraw after output). */
const char *readline_get_line(ReadLineState *rs);
size_t readline_get_cursor(ReadLineState *rs);
/* History entry index (0 = oldest), or NULL past the end. */
const char *readline_get_history(ReadLineState *rs, unsigned index);
/* Adds a line to the history as Enter would (skips empty and repeats). */
void readline_add_history(ReadLineState *rs, const char *line);

#endif
