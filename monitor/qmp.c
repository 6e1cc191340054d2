/*
 * QMP, QEMU's JSON control protocol, on a chardev (docs/interop/qmp-spec
 * of QEMU 7.2): the greeting on connect, capabilities negotiation, one
 * reply per command in order, and events to every negotiated client.
 *
 * Input arrives in arbitrary chunks. A small lexer finds where each
 * top-level JSON value ends (strings with their escapes, nesting depth,
 * bare scalars), turns QEMU's single-quoted strings into ordinary ones, and
 * hands each complete value to json-glib. After a lexical error it skips to
 * the next structural or control character, as QEMU's lexer does, so a
 * client can resynchronise by sending a newline.
 *
 * Requests run one at a time from a queue. Like QEMU, which runs each
 * command from a bottom half, a reply goes out on the main loop's next
 * pass, so events of what the main loop did with the command's request
 * (RESET, POWERDOWN, SHUTDOWN) come before it. A capture monitor (unit
 * tests) answers at once.
 *
 * Output is written the way QEMU writes it, so byte-comparing clients and
 * logs look the same: ", " and ": " separators, members in the order
 * QEMU's hashed dictionaries produce, non-ASCII as \uXXXX, 4-space
 * indentation with -mon pretty=on, and "\r\n" after every message.
 *
 * Not implemented: out-of-band execution (the "oob" capability may be
 * enabled, but no command allows exec-oob, as with most QEMU commands).
 */
#include <errno.h>
#include <string.h>

#include "config-host.h"
#include "monitor/monitor-internal.h"
#include "system/runstate.h"

#define QMP_MAX_NESTING 1024
#define QMP_MAX_VALUE_SIZE (64u << 20)
/* Requests waiting to run before the monitor stops reading, as QEMU. */
#define QMP_MAX_QUEUED 8

/* One complete input value waiting for its turn. */
typedef struct {
    char *text;      /* the JSON value, or NULL for a lexer error */
    bool scalar;     /* a bare number or keyword */
    JsonNode *error; /* the error reply for a lexer error */
} QmpRequest;

typedef struct {
    /* Lexer state for the value being collected. */
    GString *value; /* the value so far, single quotes rewritten */
    int depth;      /* open braces and brackets */
    bool in_string;
    char quote;      /* '"' or '\'' */
    bool escape;     /* the previous string byte was a backslash */
    bool in_scalar;  /* a bare number or keyword at the top level */
    bool recovering; /* after an error: skip to a delimiter */

    bool negotiated; /* qmp_capabilities done */
    bool oob;        /* the "oob" capability was enabled */

    GQueue requests;        /* QmpRequest *, oldest first */
    JsonNode *reply;        /* the reply of the request that ran, not sent */
    bool reply_unsigned_id; /* its id is an integer beyond INT64_MAX */
    GSource *reply_source;  /* sends reply on the next main loop pass */
} MonitorQMP;

/* ---- errors ------------------------------------------------------------- */

const char *qmp_error_class_name(QmpErrorClass cls)
{
    switch (cls) {
    case QMP_ERROR_CLASS_COMMAND_NOT_FOUND:
        return "CommandNotFound";
    case QMP_ERROR_CLASS_DEVICE_NOT_ACTIVE:
        return "DeviceNotActive";
    case QMP_ERROR_CLASS_DEVICE_NOT_FOUND:
        return "DeviceNotFound";
    case QMP_ERROR_CLASS_KVM_MISSING_CAP:
        return "KVMMissingCap";
    case QMP_ERROR_CLASS_GENERIC:
    default:
        return "GenericError";
    }
}

/* ---- JSON output -------------------------------------------------------- */

/*
 * QEMU keeps objects in a 512-bucket hash table keyed with the TDB hash and
 * prints them bucket by bucket, the most recent insertion first within a
 * bucket. Reproducing that order makes replies byte-identical to QEMU's.
 */
static unsigned qemu_dict_bucket(const char *key)
{
    size_t len = strlen(key);
    uint32_t value = 0x238F13AFu * (uint32_t)len;

    for (size_t i = 0; i < len; i++) {
        value += (uint32_t)(uint8_t)key[i] << (i * 5 % 24);
    }
    return (1103515243u * value + 12345u) % 512;
}

typedef struct {
    const char *key;
    unsigned bucket;
    unsigned index;
} OrderedKey;

static int ordered_key_compare(const void *a, const void *b)
{
    const OrderedKey *x = a, *y = b;

    if (x->bucket != y->bucket) {
        return x->bucket < y->bucket ? -1 : 1;
    }
    return x->index > y->index ? -1 : (x->index < y->index);
}

const char **qmp_json_object_keys(JsonObject *obj, unsigned *count)
{
    GList *members = json_object_get_members(obj);
    unsigned n = g_list_length(members), i = 0;
    OrderedKey *keys = g_new(OrderedKey, n);
    const char **out = g_new(const char *, n + 1);

    for (GList *l = members; l; l = l->next, i++) {
        keys[i].key = l->data;
        keys[i].bucket = qemu_dict_bucket(l->data);
        keys[i].index = i;
    }
    g_list_free(members);
    if (n > 1) {
        qsort(keys, n, sizeof(*keys), ordered_key_compare);
    }
    for (i = 0; i < n; i++) {
        out[i] = keys[i].key;
    }
    out[n] = NULL;
    g_free(keys);
    *count = n;
    return out;
}

static void json_append_string(GString *out, const char *str)
{
    const char *p = str;

    g_string_append_c(out, '"');
    while (*p) {
        gunichar c = g_utf8_get_char_validated(p, -1);

        if (c == (gunichar)-1 || c == (gunichar)-2) {
            c = 0xFFFD; /* invalid UTF-8: one replacement per byte */
            p++;
        } else {
            p = g_utf8_next_char(p);
        }
        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (c >= 0x20 && c < 0x7F) {
                g_string_append_c(out, c);
            } else if (c > 0xFFFF) {
                c -= 0x10000;
                g_string_append_printf(out, "\\u%04X\\u%04X",
                                       0xD800 | (c >> 10),
                                       0xDC00 | (c & 0x3FF));
            } else {
                g_string_append_printf(out, "\\u%04X", c);
            }
            break;
        }
    }
    g_string_append_c(out, '"');
}

static void json_newline(GString *out, bool pretty, int depth)
{
    if (pretty) {
        g_string_append_printf(out, "\n%*s", 4 * depth, "");
    }
}

static void json_append(GString *out, JsonNode *node, bool pretty, int depth);

static void json_append_object(GString *out, JsonObject *obj, bool pretty,
                               int depth)
{
    unsigned n;
    g_autofree const char **keys = qmp_json_object_keys(obj, &n);

    g_string_append_c(out, '{');
    for (unsigned i = 0; i < n; i++) {
        if (i) {
            g_string_append_c(out, ',');
            if (!pretty) {
                g_string_append_c(out, ' ');
            }
        }
        json_newline(out, pretty, depth + 1);
        json_append_string(out, keys[i]);
        g_string_append(out, ": ");
        json_append(out, json_object_get_member(obj, keys[i]), pretty,
                    depth + 1);
    }
    json_newline(out, pretty, depth);
    g_string_append_c(out, '}');
}

static void json_append_array(GString *out, JsonArray *array, bool pretty,
                              int depth)
{
    unsigned n = json_array_get_length(array);

    g_string_append_c(out, '[');
    for (unsigned i = 0; i < n; i++) {
        if (i) {
            g_string_append_c(out, ',');
            if (!pretty) {
                g_string_append_c(out, ' ');
            }
        }
        json_newline(out, pretty, depth + 1);
        json_append(out, json_array_get_element(array, i), pretty, depth + 1);
    }
    json_newline(out, pretty, depth);
    g_string_append_c(out, ']');
}

/*
 * A request's id that is an integer beyond INT64_MAX: json-glib keeps its
 * 64 bits as a gint64, so the reply's copy prints as unsigned again (set
 * only while that reply is written out).
 */
static const JsonNode *unsigned_id_node;

static void json_append(GString *out, JsonNode *node, bool pretty, int depth)
{
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
        g_string_append(out, "null");
        return;
    }
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
        json_append_object(out, json_node_get_object(node), pretty, depth);
        return;
    case JSON_NODE_ARRAY:
        json_append_array(out, json_node_get_array(node), pretty, depth);
        return;
    default:
        break;
    }
    switch (json_node_get_value_type(node)) {
    case G_TYPE_BOOLEAN:
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
        break;
    case G_TYPE_INT64:
        if (node == unsigned_id_node) {
            g_string_append_printf(out, "%" G_GUINT64_FORMAT,
                                   (guint64)json_node_get_int(node));
            break;
        }
        g_string_append_printf(out, "%" G_GINT64_FORMAT,
                               json_node_get_int(node));
        break;
    case G_TYPE_DOUBLE:
        g_string_append_printf(out, "%.17g", json_node_get_double(node));
        break;
    case G_TYPE_STRING:
        json_append_string(out, json_node_get_string(node));
        break;
    default:
        g_string_append(out, "null");
        break;
    }
}

char *qmp_json_to_string(JsonNode *node, bool pretty)
{
    GString *out = g_string_new(NULL);

    json_append(out, node, pretty, 0);
    return g_string_free(out, false);
}

/* Sends one message: the JSON text and a newline (written as "\r\n"). */
static void qmp_send(Monitor *mon, JsonNode *msg)
{
    g_autofree char *text = qmp_json_to_string(msg, mon->pretty);

    monitor_puts(mon, text);
    monitor_puts(mon, "\n");
}

/* A reply; unsigned_id: its "id" prints as the unsigned integer it was. */
static void qmp_send_reply(Monitor *mon, JsonNode *reply, bool unsigned_id)
{
    if (unsigned_id && JSON_NODE_HOLDS_OBJECT(reply)) {
        unsigned_id_node =
            json_object_get_member(json_node_get_object(reply), "id");
    }
    qmp_send(mon, reply);
    unsigned_id_node = NULL;
}

static JsonNode *object_node_new(JsonObject **obj)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    *obj = json_object_new();
    json_node_take_object(node, *obj);
    return node;
}

/* ---- greeting and negotiation ------------------------------------------- */

static MonitorQMP *qmp_state(Monitor *mon)
{
    return mon->qmp;
}

bool qmp_monitor_negotiated(Monitor *mon)
{
    return mon->is_qmp && qmp_state(mon)->negotiated;
}

void qmp_monitor_negotiation_done(Monitor *mon, bool oob)
{
    qmp_state(mon)->negotiated = true;
    qmp_state(mon)->oob = oob;
}

static void qmp_send_greeting(Monitor *mon)
{
    JsonObject *root, *qmp, *version, *qemu;
    g_autoptr(JsonNode) msg = object_node_new(&root);
    JsonArray *caps = json_array_new();

    qmp = json_object_new();
    version = json_object_new();
    qemu = json_object_new();
    /* QEMU's greeting members, in QEMU's order of insertion. */
    json_object_set_int_member(qemu, "major", 7);
    json_object_set_int_member(qemu, "minor", 2);
    json_object_set_int_member(qemu, "micro", 0);
    json_object_set_object_member(version, "qemu", qemu);
    json_object_set_string_member(version, "package", "pcvm-" PCVM_VERSION);
    json_array_add_string_element(caps, "oob");
    json_object_set_object_member(qmp, "version", version);
    json_object_set_array_member(qmp, "capabilities", caps);
    json_object_set_object_member(root, "QMP", qmp);
    qmp_send(mon, msg);
}

/* ---- dispatch ----------------------------------------------------------- */

static JsonNode *qmp_error_response(GError *err)
{
    JsonObject *root, *error;
    JsonNode *rsp = object_node_new(&root);
    QmpErrorClass cls = err->domain == QMP_ERROR ? (QmpErrorClass)err->code
                                                 : QMP_ERROR_CLASS_GENERIC;

    error = json_object_new();
    json_object_set_string_member(error, "class", qmp_error_class_name(cls));
    json_object_set_string_member(error, "desc", err->message);
    json_object_set_object_member(root, "error", error);
    return rsp;
}

/*
 * Checks the request's members as QEMU does, visiting them in its
 * dictionary order; returns the command name member ("execute" or
 * "exec-oob") or NULL with errp set.
 */
static const char *qmp_request_check(JsonObject *req, bool allow_oob,
                                     GError **errp)
{
    unsigned n;
    g_autofree const char **keys = qmp_json_object_keys(req, &n);
    const char *exec_key = NULL;

    for (unsigned i = 0; i < n; i++) {
        const char *key = keys[i];
        JsonNode *value = json_object_get_member(req, key);

        if (!strcmp(key, "execute") ||
            (allow_oob && !strcmp(key, "exec-oob"))) {
            if (!JSON_NODE_HOLDS_VALUE(value) ||
                json_node_get_value_type(value) != G_TYPE_STRING) {
                g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                            "QMP input member '%s' must be a string", key);
                return NULL;
            }
            if (exec_key) {
                g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                            "QMP input member '%s' clashes with '%s'", key,
                            exec_key);
                return NULL;
            }
            exec_key = key;
        } else if (!strcmp(key, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(value)) {
                g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                            "QMP input member 'arguments' must be an object");
                return NULL;
            }
        } else if (strcmp(key, "id")) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                        "QMP input member '%s' is unexpected", key);
            return NULL;
        }
    }
    if (!exec_key) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "QMP input lacks member 'execute'");
    }
    return exec_key;
}

static JsonNode *qmp_execute(Monitor *mon, JsonObject *req, GError **errp)
{
    MonitorQMP *qmp = qmp_state(mon);
    const char *exec_key = qmp_request_check(req, qmp->oob, errp);
    const char *name;
    const QmpCommand *cmd;
    g_autoptr(JsonObject) args = NULL;
    GError *err = NULL;
    JsonNode *ret;

    if (!exec_key) {
        return NULL;
    }
    name = json_object_get_string_member(req, exec_key);
    cmd = qmp_command_find(name);
    /* Before negotiation, qmp_capabilities is the only command there is. */
    if (!cmd || (!qmp->negotiated && strcmp(name, "qmp_capabilities"))) {
        if (!qmp->negotiated) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_COMMAND_NOT_FOUND,
                        "Expecting capabilities negotiation with "
                        "'qmp_capabilities'");
        } else {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_COMMAND_NOT_FOUND,
                        "The command %s has not been found", name);
        }
        return NULL;
    }
    if (!strcmp(exec_key, "exec-oob")) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "The command %s does not support OOB", name);
        return NULL;
    }
    if (json_object_has_member(req, "arguments")) {
        args = json_object_ref(json_object_get_object_member(req, "arguments"));
    } else {
        args = json_object_new();
    }
    if (!qmp_args_check(cmd->args, args, errp)) {
        return NULL;
    }
    ret = cmd->handler ? cmd->handler(args, &err) : cmd->fn(mon, args, &err);
    if (err) {
        if (ret) {
            json_node_unref(ret);
        }
        g_propagate_error(errp, err);
        return NULL;
    }
    if (!ret) {
        JsonObject *empty;

        ret = object_node_new(&empty);
    }
    return ret;
}

/* Runs one request and returns the reply (with the request's "id"). */
static JsonNode *qmp_dispatch(Monitor *mon, JsonNode *req)
{
    g_autoptr(GError) err = NULL;
    JsonObject *root;
    JsonNode *rsp, *ret;
    JsonNode *id = NULL;

    if (!JSON_NODE_HOLDS_OBJECT(req)) {
        g_set_error(&err, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "QMP input must be a JSON object");
        return qmp_error_response(err);
    }
    id = json_object_get_member(json_node_get_object(req), "id");
    ret = qmp_execute(mon, json_node_get_object(req), &err);
    if (ret) {
        rsp = object_node_new(&root);
        json_object_set_member(root, "return", ret);
    } else {
        rsp = qmp_error_response(err);
        root = json_node_get_object(rsp);
    }
    if (id) {
        json_object_set_member(root, "id", json_node_copy(id));
    }
    return rsp;
}

static JsonNode *qmp_parse_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static JsonNode *qmp_parse_error(const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *desc = NULL;
    va_list ap;

    va_start(ap, fmt);
    desc = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    err = g_error_new(QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                      "JSON parse error, %s", desc);
    return qmp_error_response(err);
}

/* json-glib says "<data>:1:7: Parse error: unexpected ..."; keep the why. */
static const char *parse_error_reason(const char *message)
{
    const char *p = strstr(message, "Parse error: ");

    if (p) {
        return p + strlen("Parse error: ");
    }
    p = strstr(message, ": ");
    return p && g_str_has_prefix(message, "<data>") ? p + 2 : message;
}

static bool is_number_or_keyword(const char *text)
{
    char *end;

    if (!strcmp(text, "true") || !strcmp(text, "false") ||
        !strcmp(text, "null")) {
        return true;
    }
    if (!g_ascii_isdigit(text[0]) && text[0] != '-') {
        return false;
    }
    g_ascii_strtod(text, &end);
    return *end == '\0';
}

/*
 * Whether valid JSON text has an object with a key twice, which QEMU's
 * parser refuses and json-glib's takes as its last value. Keys compare
 * as written (escapes not decoded).
 */
static bool json_has_duplicate_key(const char *text)
{
    g_autoptr(GPtrArray) stack = g_ptr_array_new(); /* GHashTable * or NULL */
    bool want_key = false, dup = false;

    for (const char *p = text; *p && !dup; p++) {
        GHashTable *keys =
            stack->len ? g_ptr_array_index(stack, stack->len - 1) : NULL;

        switch (*p) {
        case '{':
            g_ptr_array_add(stack, g_hash_table_new_full(
                                       g_str_hash, g_str_equal, g_free, NULL));
            want_key = true;
            break;
        case '[':
            g_ptr_array_add(stack, NULL);
            want_key = false;
            break;
        case '}':
        case ']':
            if (keys) {
                g_hash_table_destroy(keys);
            }
            g_ptr_array_remove_index(stack, stack->len - 1);
            want_key = false;
            break;
        case ',':
            want_key = keys != NULL;
            break;
        case '"': {
            const char *start = ++p;

            while (*p && *p != '"') {
                p += *p == '\\' && p[1] ? 2 : 1;
            }
            if (want_key && keys) {
                char *key = g_strndup(start, p - start);

                dup = !g_hash_table_add(keys, key);
                want_key = false;
            }
            if (!*p) {
                p--;
            }
            break;
        }
        default:
            break;
        }
    }
    for (unsigned i = 0; i < stack->len; i++) {
        if (g_ptr_array_index(stack, i)) {
            g_hash_table_destroy(g_ptr_array_index(stack, i));
        }
    }
    return dup;
}

/*
 * Whether the top-level "id" of valid JSON text is an integer literal
 * beyond INT64_MAX (QEMU echoes ids up to UINT64_MAX as given).
 */
static bool json_id_is_big_unsigned(const char *text)
{
    int depth = 0;
    bool want_key = false;

    for (const char *p = text; *p; p++) {
        const char *start;

        switch (*p) {
        case '{':
            depth++;
            want_key = true;
            continue;
        case '[':
            depth++;
            want_key = false;
            continue;
        case '}':
        case ']':
            depth--;
            continue;
        case ',':
            want_key = true; /* only read at depth 1, always an object */
            continue;
        case '"':
            break;
        default:
            continue;
        }
        start = ++p;
        while (*p && *p != '"') {
            p += *p == '\\' && p[1] ? 2 : 1;
        }
        if (!*p) {
            return false;
        }
        if (depth == 1 && want_key && p - start == 2 &&
            !strncmp(start, "id", 2)) {
            guint64 v;
            char *end;

            for (p++; g_ascii_isspace(*p) || *p == ':'; p++) {
            }
            if (!g_ascii_isdigit(*p)) {
                return false;
            }
            errno = 0;
            v = g_ascii_strtoull(p, &end, 10);
            return errno != ERANGE && v > G_MAXINT64 && !strchr(".eE", *end);
        }
        want_key = false;
    }
    return false;
}

/* Parses and runs one input value; returns its reply. */
static JsonNode *qmp_handle_value(Monitor *mon, const char *text, bool scalar,
                                  bool *unsigned_id)
{
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) err = NULL;

    if (scalar && !is_number_or_keyword(text)) {
        bool word = true;

        for (const char *p = text; *p; p++) {
            word = word && g_ascii_isalpha(*p);
        }
        if (word) {
            return qmp_parse_error("invalid keyword '%s'", text);
        }
        return qmp_parse_error("invalid number '%s'", text);
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        return qmp_parse_error("%s", parse_error_reason(err->message));
    }
    if (json_has_duplicate_key(text)) {
        return qmp_parse_error("duplicate key");
    }
    *unsigned_id = json_id_is_big_unsigned(text);
    return qmp_dispatch(mon, json_parser_get_root(parser));
}

/* ---- the request queue -------------------------------------------------- */

static void qmp_request_free(gpointer data)
{
    QmpRequest *req = data;

    g_free(req->text);
    if (req->error) {
        json_node_unref(req->error);
    }
    g_free(req);
}

static void qmp_run_queue(Monitor *mon);

/*
 * QEMU runs each command from a bottom half and answers when the main loop
 * comes back to the monitor, so what the main loop does with a request the
 * command made (system_reset, system_powerdown, quit) is seen first: the
 * RESET, POWERDOWN or SHUTDOWN event precedes the reply. The reply waits
 * for the next pass of the main loop here too, and the next request for it.
 */
static gboolean qmp_reply_ready(gpointer opaque)
{
    Monitor *mon = opaque;
    MonitorQMP *qmp = mon->qmp;
    bool was_full = g_queue_get_length(&qmp->requests) >= QMP_MAX_QUEUED;
    JsonNode *reply = qmp->reply;

    g_source_unref(qmp->reply_source);
    qmp->reply_source = NULL;
    qmp->reply = NULL;
    qmp_send_reply(mon, reply, qmp->reply_unsigned_id);
    json_node_unref(reply);
    qmp_run_queue(mon);
    if (was_full && g_queue_get_length(&qmp->requests) < QMP_MAX_QUEUED) {
        monitor_accept_input(mon);
    }
    return G_SOURCE_REMOVE;
}

static void qmp_run_queue(Monitor *mon)
{
    MonitorQMP *qmp = mon->qmp;
    QmpRequest *req;

    while (!qmp->reply && (req = g_queue_pop_head(&qmp->requests))) {
        bool unsigned_id = false;
        JsonNode *reply =
            req->error
                ? json_node_ref(req->error)
                : qmp_handle_value(mon, req->text, req->scalar, &unsigned_id);

        qmp_request_free(req);
        if (!mon->has_chardev) {
            /* A capture monitor has no main loop to wait for. */
            qmp_send_reply(mon, reply, unsigned_id);
            json_node_unref(reply);
            continue;
        }
        qmp->reply = reply;
        qmp->reply_unsigned_id = unsigned_id;
        qmp->reply_source = g_idle_source_new();
        g_source_set_priority(qmp->reply_source, G_PRIORITY_DEFAULT);
        g_source_set_callback(qmp->reply_source, qmp_reply_ready, mon, NULL);
        g_source_attach(qmp->reply_source, g_main_context_default());
    }
}

/* Drops what has not run yet (client gone, pcvm exiting). */
static void qmp_drop_requests(MonitorQMP *qmp)
{
    QmpRequest *req;

    while ((req = g_queue_pop_head(&qmp->requests))) {
        qmp_request_free(req);
    }
}

/* Drops the reply that has not gone out (the client went away). */
static void qmp_drop_reply(MonitorQMP *qmp)
{
    if (qmp->reply_source) {
        g_source_destroy(qmp->reply_source);
        g_source_unref(qmp->reply_source);
        qmp->reply_source = NULL;
    }
    if (qmp->reply) {
        json_node_unref(qmp->reply);
        qmp->reply = NULL;
    }
}

static void qmp_queue(Monitor *mon, char *text, bool scalar, JsonNode *error)
{
    QmpRequest *req = g_new0(QmpRequest, 1);

    req->text = text;
    req->scalar = scalar;
    req->error = error;
    g_queue_push_tail(&qmp_state(mon)->requests, req);
    qmp_run_queue(mon);
}

/* ---- the streaming lexer ------------------------------------------------ */

static void lexer_reset(MonitorQMP *qmp)
{
    g_string_truncate(qmp->value, 0);
    qmp->depth = 0;
    qmp->in_string = false;
    qmp->escape = false;
    qmp->in_scalar = false;
}

/* Drops the value in progress after an error; skip to a delimiter. */
static void lexer_fail(Monitor *mon, MonitorQMP *qmp, const char *why)
{
    lexer_reset(qmp);
    qmp->recovering = true;
    qmp_queue(mon, NULL, false, qmp_parse_error("%s", why));
}

static void lexer_complete(Monitor *mon, MonitorQMP *qmp, bool scalar)
{
    char *text = g_strndup(qmp->value->str, qmp->value->len);

    lexer_reset(qmp);
    qmp_queue(mon, text, scalar, NULL);
}

static bool is_structural(char c)
{
    return strchr("{}[],:", c) != NULL;
}

/* Bytes that may appear outside strings: numbers and keywords. */
static bool is_literal_char(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '+' || c == '.';
}

static void lexer_string_byte(MonitorQMP *qmp, char c)
{
    if (qmp->escape) {
        qmp->escape = false;
        if (c == '\'') {
            g_string_append_c(qmp->value, '\''); /* \' is QEMU's extension */
        } else {
            g_string_append_c(qmp->value, '\\');
            g_string_append_c(qmp->value, c);
        }
    } else if (c == '\\') {
        qmp->escape = true;
    } else if (c == qmp->quote) {
        g_string_append_c(qmp->value, '"');
        qmp->in_string = false;
    } else if (c == '"') {
        g_string_append(qmp->value, "\\\""); /* inside '...' */
    } else {
        g_string_append_c(qmp->value, c);
    }
}

static void lexer_feed(Monitor *mon, MonitorQMP *qmp, char c)
{
    if (qmp->recovering) {
        if (!is_structural(c) && (unsigned char)c >= 0x20) {
            return;
        }
        qmp->recovering = false;
    }
    if (qmp->value->len >= QMP_MAX_VALUE_SIZE) {
        lexer_fail(mon, qmp, "JSON token size limit exceeded");
        return;
    }
    if (qmp->in_string) {
        lexer_string_byte(qmp, c);
        if (!qmp->in_string && qmp->depth == 0) {
            lexer_complete(mon, qmp, false); /* a string: json-glib's job */
        }
        return;
    }
    if (qmp->in_scalar) {
        if (is_literal_char(c)) {
            g_string_append_c(qmp->value, c);
            return;
        }
        lexer_complete(mon, qmp, true);
        /* c starts something new. */
    }
    switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
        if (qmp->depth) {
            g_string_append_c(qmp->value, c);
        }
        return;
    case '{':
    case '[':
        if (++qmp->depth > QMP_MAX_NESTING) {
            lexer_fail(mon, qmp, "JSON nesting depth limit exceeded");
            return;
        }
        g_string_append_c(qmp->value, c);
        return;
    case '}':
    case ']':
        if (!qmp->depth) {
            qmp_queue(mon, NULL, false, qmp_parse_error("expecting value"));
            return;
        }
        g_string_append_c(qmp->value, c);
        if (--qmp->depth == 0) {
            lexer_complete(mon, qmp, false);
        }
        return;
    case ',':
    case ':':
        if (!qmp->depth) {
            qmp_queue(mon, NULL, false, qmp_parse_error("expecting value"));
            return;
        }
        g_string_append_c(qmp->value, c);
        return;
    case '"':
    case '\'':
        qmp->in_string = true;
        qmp->quote = c;
        g_string_append_c(qmp->value, '"');
        return;
    default:
        break;
    }
    if (is_literal_char(c)) {
        g_string_append_c(qmp->value, c);
        qmp->in_scalar = qmp->depth == 0;
        return;
    }
    /* Anything else is an error outside a string (QEMU: "stray"). */
    {
        g_autofree char *why = NULL;

        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f) {
            why = g_strdup_printf("stray '%c'", c);
        } else {
            why = g_strdup_printf("stray '\\x%02x'", (unsigned char)c);
        }
        lexer_fail(mon, qmp, why);
        /* A control byte both reports and ends the recovery, as in QEMU. */
        if ((unsigned char)c < 0x20) {
            qmp->recovering = false;
        }
    }
}

static int qmp_can_receive(Monitor *mon)
{
    /* Stop reading while requests pile up; the reply of one restarts. */
    return g_queue_get_length(&qmp_state(mon)->requests) < QMP_MAX_QUEUED ? 4096
                                                                          : 0;
}

static void qmp_receive(Monitor *mon, const uint8_t *buf, int size)
{
    MonitorQMP *qmp = qmp_state(mon);

    for (int i = 0; i < size; i++) {
        lexer_feed(mon, qmp, (char)buf[i]);
    }
}

static void qmp_event(Monitor *mon, CharEvent event)
{
    MonitorQMP *qmp = qmp_state(mon);

    switch (event) {
    case CHR_EVENT_OPENED:
    case CHR_EVENT_CLOSED:
        /* A new client starts afresh: negotiation, then commands. */
        lexer_reset(qmp);
        qmp->recovering = false;
        qmp->negotiated = false;
        qmp->oob = false;
        qmp_drop_requests(qmp);
        qmp_drop_reply(qmp);
        if (event == CHR_EVENT_OPENED) {
            qmp_send_greeting(mon);
        }
        break;
    default:
        break;
    }
}

/* ---- events ------------------------------------------------------------- */

void qmp_event_send(const char *name, JsonNode *data)
{
    GPtrArray *monitors = monitor_list();
    gint64 now = g_get_real_time();
    JsonObject *root, *timestamp = json_object_new();
    g_autoptr(JsonNode) msg = object_node_new(&root);

    /* QEMU's order of insertion: event, timestamp, data. */
    json_object_set_string_member(root, "event", name);
    json_object_set_int_member(timestamp, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(timestamp, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(root, "timestamp", timestamp);
    if (data) {
        json_object_set_member(root, "data", data);
    }
    for (unsigned i = 0; i < monitors->len; i++) {
        Monitor *mon = g_ptr_array_index(monitors, i);

        if (qmp_monitor_negotiated(mon)) {
            qmp_send(mon, msg);
        }
    }
}

static void qmp_runstate_event(RunStateEvent event, bool guest,
                               ShutdownCause cause, void *opaque)
{
    JsonObject *data;
    JsonNode *node;

    switch (event) {
    case RUNSTATE_EVENT_STOP:
        qmp_event_send("STOP", NULL);
        break;
    case RUNSTATE_EVENT_RESUME:
        qmp_event_send("RESUME", NULL);
        break;
    case RUNSTATE_EVENT_POWERDOWN:
        qmp_event_send("POWERDOWN", NULL);
        break;
    case RUNSTATE_EVENT_RESET:
    case RUNSTATE_EVENT_SHUTDOWN:
        node = object_node_new(&data);
        json_object_set_boolean_member(data, "guest", guest);
        json_object_set_string_member(data, "reason",
                                      shutdown_cause_name(cause));
        qmp_event_send(event == RUNSTATE_EVENT_RESET ? "RESET" : "SHUTDOWN",
                       node);
        break;
    }
}

/* ---- set-up ------------------------------------------------------------- */

static void qmp_destroy(Monitor *mon)
{
    MonitorQMP *qmp = qmp_state(mon);

    /* The last reply (to quit) still goes out; the rest never runs. */
    if (qmp->reply) {
        qmp_send(mon, qmp->reply);
    }
    qmp_drop_reply(qmp);
    qmp_drop_requests(qmp);
    g_string_free(qmp->value, true);
    g_free(qmp);
    mon->qmp = NULL;
}

void qmp_monitor_setup(Monitor *mon)
{
    static bool runstate_hooked;
    MonitorQMP *qmp = g_new0(MonitorQMP, 1);

    if (!runstate_hooked) {
        runstate_add_notifier(qmp_runstate_event, NULL);
        qmp_event_set_sink(qmp_event_send);
        runstate_hooked = true;
    }
    qmp->value = g_string_new(NULL);
    g_queue_init(&qmp->requests);
    mon->qmp = qmp;
    mon->is_qmp = true;
    mon->destroy = qmp_destroy;
    /* The chardev answers with OPENED (now or on connect): the greeting. */
    monitor_set_input(mon, qmp_can_receive, qmp_receive, qmp_event);
}
