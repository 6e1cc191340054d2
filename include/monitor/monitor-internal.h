/*
 * What monitor/monitor.c (the common part), monitor/qmp.c and monitor/hmp.c
 * share. A Monitor is one chardev front end plus an output buffer; the HMP
 * or QMP side plugs its input and event handlers into it.
 *
 * Output: monitor_puts()/monitor_printf() append to the buffer, turning
 * "\n" into "\r\n" (HMP and QMP alike, as QEMU does), and flush at each
 * newline. While a monitor on a mux does not have the focus its output stays
 * buffered and goes out when it gets the focus back, as in QEMU.
 *
 * A "capture" monitor has no chardev: it only collects text (for
 * human-monitor-command, which returns what an HMP command printed).
 *
 * Everything runs on the main loop thread with the BQL held.
 */
#ifndef MONITOR_MONITOR_INTERNAL_H
#define MONITOR_MONITOR_INTERNAL_H

#include <json-glib/json-glib.h>
#include <stdarg.h>

#include "chardev/char.h"
#include "monitor/monitor.h"
#include "qapi/qmp-registry.h"

/* Input side a mode (HMP or QMP) installs with monitor_set_input(). */
typedef int MonitorCanReceive(Monitor *mon);
typedef void MonitorReceive(Monitor *mon, const uint8_t *buf, int size);
typedef void MonitorEvent(Monitor *mon, CharEvent event);

struct Monitor {
    CharFrontend fe;  /* unused (fe.chr NULL) for a capture monitor */
    bool has_chardev; /* false: a capture monitor */
    bool is_qmp;
    bool pretty;     /* QMP: indented JSON */
    bool mux_out;    /* on a mux and without the focus: hold output */
    bool dead;       /* monitor_cleanup() ran: output is dropped */
    GString *outbuf; /* not yet written to the chardev */

    /* Set by the mode through monitor_set_input(). */
    MonitorCanReceive *can_receive; /* NULL: takes everything */
    MonitorReceive *receive;
    MonitorEvent *event;

    /* Private state of the mode (HMP: readline etc.; QMP: parser state). */
    void *hmp;
    void *qmp;
    /*
     * Optional: the mode writes what it still owes (QMP: the reply to quit)
     * and frees its state; called by monitor_cleanup() while the chardev
     * is still attached, and by monitor_capture_finish().
     */
    void (*destroy)(Monitor *mon);
};

/*
 * Output: "\n" becomes "\r\n" and text is flushed to the chardev at each
 * newline. Return the number of bytes of text taken.
 */
int monitor_puts(Monitor *mon, const char *str);
int monitor_printf(Monitor *mon, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
int monitor_vprintf(Monitor *mon, const char *fmt, va_list ap)
    G_GNUC_PRINTF(2, 0);
/* Raw bytes, no newline translation, buffered until monitor_flush(). */
void monitor_write(Monitor *mon, const char *buf, size_t len);
/* Writes the buffer out now (unless held by the mux focus). */
void monitor_flush(Monitor *mon);

/*
 * Installs the mode's handlers and attaches them to the chardev. The event
 * handler receives OPENED/CLOSED/BREAK/MUX_IN/MUX_OUT after the core has
 * done its own bookkeeping (mux focus, flushing).
 */
void monitor_set_input(Monitor *mon, MonitorCanReceive *can_receive,
                       MonitorReceive *receive, MonitorEvent *event);
/* The chardev can take input again after can_receive returned 0. */
void monitor_accept_input(Monitor *mon);

/* Capture monitors (no chardev): collect output in mon->outbuf. */
Monitor *monitor_capture_new(void);
/* Frees the monitor and returns what was printed (g_free() it). */
char *monitor_capture_finish(Monitor *mon);

/* Every live chardev monitor, in creation order (Monitor *). */
GPtrArray *monitor_list(void);

/* Provided by monitor/hmp.c: sets up readline and the input handlers. */
void hmp_monitor_setup(Monitor *mon);
/*
 * Provided by monitor/hmp.c: runs one HMP command line and returns what it
 * printed (g_free() it); used by QMP human-monitor-command.
 */
char *hmp_execute_command(const char *cmdline);

/* Provided by monitor/qmp.c: the QMP parser and input handlers. */
void qmp_monitor_setup(Monitor *mon);

/* ---- QMP (monitor/qmp.c, monitor/qmp-cmds.c) ---- */

/* "GenericError", "CommandNotFound", ... (classes: qapi/qmp-registry.h) */
const char *qmp_error_class_name(QmpErrorClass cls);

/*
 * A command: args (NULL-name terminated, or NULL for none) are checked
 * before fn runs. fn returns the "return" value; NULL without an error
 * means {}.
 */
typedef JsonNode *QmpCommandFunc(Monitor *mon, JsonObject *args, GError **errp);
typedef struct QmpCommand {
    const char *name;
    QmpCommandFunc *fn;
    const QmpMember *args;
    const char *ret_type; /* schema type of the return value; NULL: {} */
    QmpHandler *handler;  /* a subsystem's command: called instead of fn */
} QmpCommand;

/*
 * The monitor's own commands (monitor/qmp-cmds.c: those that need the
 * monitor or the run state), NULL-name terminated.
 */
extern const QmpCommand qmp_command_table[];
/* Those and the subsystems' (qapi/qmp-registry.h), as const QmpCommand *. */
GPtrArray *qmp_commands(void);
const QmpCommand *qmp_command_find(const char *name);
/*
 * Runs the query command name (any of the above, taking no arguments) for
 * mon: what HMP's "info X" formats. NULL with errp set if it failed.
 */
JsonNode *monitor_run_query(Monitor *mon, const char *name, GError **errp);
/* Checks args against spec with QEMU's messages ("Parameter 'x' is ..."). */
bool qmp_args_check(const QmpMember *spec, JsonObject *args, GError **errp);

/* device_del, x-save-devices, x-load-devices: for QMP and HMP alike. */
bool monitor_device_del(const char *id, GError **errp);
bool monitor_devices_save(const char *path, GError **errp);
bool monitor_devices_load(const char *path, GError **errp);

/* QMP state of a monitor (qmp.c). */
bool qmp_monitor_negotiated(Monitor *mon);
/* qmp_capabilities succeeded: leave negotiation mode. */
void qmp_monitor_negotiation_done(Monitor *mon, bool oob);

/*
 * JSON text as QEMU writes it: ", " and ": " separators, object members in
 * QEMU's dictionary order, non-ASCII escaped; pretty: 4-space indentation.
 */
char *qmp_json_to_string(JsonNode *node, bool pretty);
/*
 * The member names of obj in QEMU's dictionary order (NULL-terminated; g_free
 * the array, not the names). QEMU checks members in this order too.
 */
const char **qmp_json_object_keys(JsonObject *obj, unsigned *count);

/*
 * QMP events: sends {"event": name, "data": data, "timestamp": ...} to every
 * QMP monitor past capabilities negotiation. Takes ownership of data (a
 * JSON object node, or NULL for no "data" member).
 */
void qmp_event_send(const char *name, JsonNode *data);

#endif
