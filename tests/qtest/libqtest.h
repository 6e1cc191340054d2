/*
 * A qtest client: starts the VMM under test (pcvm, or qemu-system-x86_64 for
 * comparison) with -accel qtest, and drives it over two unix sockets the
 * test listens on: the qtest protocol (ports, memory, clock, interrupt
 * lines; one line per command, "OK [value]" or "FAIL reason" per reply) and
 * QMP (JSON objects).
 *
 * Names follow QEMU's libqtest so device tests read familiarly, but this is
 * pcvm's own code. Every call that waits for the VMM gives up after
 * QTEST_REPLY_TIMEOUT_S seconds and fails the test; a failing test kills
 * every VMM it started, so no process outlives the test binary.
 *
 * The binary comes from $PCVM_QTEST_BINARY (it may carry extra arguments),
 * else it is the pcvm of this build; $QTEST_LOG set to anything makes
 * the VMM log the qtest exchange to stderr (-qtest-log /dev/fd/2), and the
 * library then also echoes QMP traffic to stderr.
 */
#ifndef TESTS_QTEST_LIBQTEST_H
#define TESTS_QTEST_LIBQTEST_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How long one reply (or the VMM's start, or its exit) may take. */
#define QTEST_REPLY_TIMEOUT_S 30

/* Interrupt lines tracked per intercepted device. */
#define QTEST_MAX_IRQ 256

typedef struct QTestState QTestState;

/* ---- Starting and stopping --------------------------------------------- */

/*
 * Starts the VMM with extra_args (split like a shell would, without
 * expansion), connects both sockets, reads the QMP greeting and negotiates
 * capabilities.
 */
/* The binary under test: $PCVM_QTEST_BINARY, else this build's pcvm. */
const char *qtest_binary(void);
QTestState *qtest_init(const char *extra_args);
QTestState *qtest_initf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
QTestState *qtest_vinitf(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);

/*
 * Same, but leaves the QMP greeting unread and capabilities unnegotiated:
 * read the greeting with qtest_qmp_receive_dict().
 */
QTestState *qtest_init_without_qmp_handshake(const char *extra_args);

/*
 * Ends the VMM: sends "quit" on QMP if it is still running (SIGKILL if it
 * does not exit in time), reaps it, asserts that the exit status matches the
 * expected one (0 unless qtest_set_expected_status() said otherwise) and
 * frees s. Safe to call on a VMM that has already exited.
 */
void qtest_quit(QTestState *s);

/*
 * The exit status (as for exit()) qtest_quit() should insist on; -SIG: the
 * VMM must have been killed by signal SIG (a test that killed it itself).
 */
void qtest_set_expected_status(QTestState *s, int status);

/*
 * Runs the VMM with "-accel qtest -display none -nodefaults ARGS" to its
 * end and asserts it fails at start-up with exit status 1 and one line
 * on stderr containing error: how a user error must look.
 */
void qtest_assert_startup_error(const char *args, const char *error);

/*
 * Waits (bounded) for the VMM to exit by itself and returns its wait status
 * (test it with WIFEXITED/WEXITSTATUS). Idempotent.
 */
int qtest_wait_exit(QTestState *s);

/*
 * Without blocking: true if the VMM is still running; otherwise reaps it and
 * stores the wait status in *wstatus (if non-NULL).
 */
bool qtest_probe_child(QTestState *s, int *wstatus);

/* The VMM's process id. */
pid_t qtest_pid(QTestState *s);

/*
 * True when the VMM runs with -accel qtest (always for pcvm). A QEMU built
 * without that accelerator (Debian's) runs under TCG with a firmware that
 * only halts; its virtual clock then runs in real time and the clock
 * commands fail, so tests that need them skip.
 */
bool qtest_has_accel_qtest(QTestState *s);

/* Sends sig to the VMM. */
void qtest_kill(QTestState *s, int sig);

/*
 * A multiboot v1 kernel (a.out kludge, loaded at 1 MiB, entry after the
 * header: cli; hlt) in a new temporary file, enough for -kernel, which
 * makes the board stand in for firmware; qtest runs none of its code.
 * The caller unlinks and frees the path.
 */
char *qtest_multiboot_kernel_new(void);

/*
 * A fresh path inside the state's private temporary directory (removed by
 * qtest_quit), for sockets or files a test passes to the VMM.
 */
char *qtest_tmp_path(const char *name);

/*
 * Listening unix socket at path (for a chardev the VMM connects out to) and
 * a bounded accept() on it; both abort the test on failure.
 */
int qtest_socket_server(const char *path);
int qtest_socket_accept(int listen_fd);

/* ---- qtest protocol ---------------------------------------------------- */

void qtest_outb(QTestState *s, uint16_t addr, uint8_t value);
void qtest_outw(QTestState *s, uint16_t addr, uint16_t value);
void qtest_outl(QTestState *s, uint16_t addr, uint32_t value);
uint8_t qtest_inb(QTestState *s, uint16_t addr);
uint16_t qtest_inw(QTestState *s, uint16_t addr);
uint32_t qtest_inl(QTestState *s, uint16_t addr);

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t value);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t value);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value);
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);

/* Guest memory as bytes: hex encoded ("read"/"write") or base64. */
void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);
void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);
void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size);

/*
 * The virtual clock. Each returns the clock (ns) after the command;
 * clock_step_next advances to the next timer deadline.
 */
int64_t qtest_clock_step(QTestState *s, int64_t ns);
int64_t qtest_clock_step_next(QTestState *s);
int64_t qtest_clock_set(QTestState *s, int64_t ns);

/*
 * Interrupt lines. After intercepting a device's inputs (or outputs), the
 * VMM reports every level change asynchronously; qtest_get_irq() returns the
 * last level reported for line num (lines start low).
 */
void qtest_irq_intercept_in(QTestState *s, const char *qom_path);
void qtest_irq_intercept_out(QTestState *s, const char *qom_path);
bool qtest_get_irq(QTestState *s, int num);
void qtest_set_irq_in(QTestState *s, const char *qom_path, const char *name,
                      int num, int level);

/* "OK little" or "OK big": true for big endian targets. */
bool qtest_big_endian(QTestState *s);

/*
 * Raw protocol access: send one command line (a newline is appended) and
 * return the reply's words after "OK" (g_strfreev them); a FAIL reply fails
 * the test. qtest_rsp_raw returns the whole reply line, FAIL included.
 */
gchar **qtest_command(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
char *qtest_command_raw(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* Sends exactly len bytes as one line (NUL bytes too); the reply line. */
char *qtest_command_bytes(QTestState *s, const void *bytes, size_t len);

/*
 * Sends a command line without waiting for its reply: for commands that end
 * the VMM (an isa-debug-exit write), where no reply will come.
 */
void qtest_command_send(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* ---- QMP --------------------------------------------------------------- */

/*
 * Sends fmt (printf-formatted JSON text) and returns the reply object
 * ("return" or "error"); events that arrive first are kept, in order, for
 * qtest_qmp_event_next() and qtest_qmp_eventwait(). Unref the result with
 * json_object_unref().
 */
JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
JsonObject *qtest_vqmp(QTestState *s, const char *fmt, va_list ap)
    G_GNUC_PRINTF(2, 0);

/* Sends fmt without waiting for the reply. */
void qtest_qmp_send(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * Sends exactly the formatted bytes (no newline added): for malformed input
 * in QMP error tests.
 */
void qtest_qmp_send_raw(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* The next reply (not an event); events on the way are kept. */
JsonObject *qtest_qmp_receive(QTestState *s);

/*
 * The next JSON value from the wire as it comes, event or reply, bypassing
 * the event queue (the greeting, replies to raw input). Fails the test if
 * the value is not an object.
 */
JsonObject *qtest_qmp_receive_dict(QTestState *s);

/*
 * The next JSON value of any kind from the wire (NULL json value included).
 * Unref with json_node_unref().
 */
JsonNode *qtest_qmp_receive_node(QTestState *s);

/*
 * Sends fmt, asserts the reply is a success and returns its "return" member
 * (a new reference; json_node_unref it) or just drops it.
 */
JsonNode *qtest_qmp_assert_success_ref(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
void qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/*
 * The first event named name: from those already kept, else from the wire
 * (other events read meanwhile stay kept, in order). The _ref variant
 * returns it (json_object_unref it).
 */
void qtest_qmp_eventwait(QTestState *s, const char *name);
JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *name);

/* The first kept event named name, removed from the queue, or NULL. */
JsonObject *qtest_qmp_event_ref(QTestState *s, const char *name);

/*
 * The oldest kept event, else the next event from the wire (waiting for it;
 * replies that arrive meanwhile fail the test).
 */
JsonObject *qtest_qmp_event_next(QTestState *s);

/* Number of events kept and not yet taken. */
guint qtest_qmp_events_pending(QTestState *s);

/*
 * Runs an HMP command line through human-monitor-command and returns its
 * output text (g_free it).
 */
char *qtest_hmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * Error class of a reply ("CommandNotFound", ...), or NULL for a success.
 * The string belongs to resp.
 */
const char *qtest_qmp_error_class(JsonObject *resp);

/* Compact JSON text of an object, for messages (g_free it). */
char *qtest_json_to_string(JsonObject *obj);

/*
 * Reads from a plain stream socket (a monitor chardev) until the text
 * received so far contains needle, or the timeout passes (test failure);
 * returns everything read (g_free it). Data past the needle is kept in buf
 * for the next call.
 */
char *qtest_socket_read_until(int fd, GString *buf, const char *needle);

#endif
