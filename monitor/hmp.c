/*
 * HMP, the human monitor: a "(qemu) " prompt with line editing on a
 * chardev, and the parser that turns a command line into a call of one
 * entry of the command tables in hmp-cmds.c.
 *
 * The syntax and messages follow QEMU's HMP: a command name (with '|'
 * aliases), arguments typed by the command's args_type (words, quoted
 * strings, expressions, /fmt, -flags), "unknown command: 'NAME'", and
 * "Try "help NAME" for more information" after a bad argument.
 * Expressions take C integer literals (0x hex, 0 octal, decimal),
 * 'c' characters, $registers of the monitor's CPU, + - * / % & | ^ ~ and
 * parentheses, with C's precedence.
 */
#include <errno.h>
#include <string.h>

#include "hw/core/machine.h"
#include "monitor/hmp.h"
#include "util/cutils.h"
#include "util/readline.h"

#define HMP_PROMPT "(qemu) "
/* The QEMU release whose monitor pcvm speaks; clients match the banner. */
#define HMP_QEMU_VERSION "7.2.0"

typedef struct HMPState {
    ReadLineState *rs;
    int cpu_index; /* "cpu N" */
    bool opened;   /* the banner went out: a peer is there */
} HMPState;

/* ---- parsed arguments ---------------------------------------------------- */

typedef struct HMPValue {
    char *str; /* strings; NULL for numbers and flags */
    int64_t num;
} HMPValue;

struct HMPArgs {
    GHashTable *values; /* key -> HMPValue */
};

static void hmp_value_free(gpointer p)
{
    HMPValue *v = p;

    g_free(v->str);
    g_free(v);
}

static HMPArgs *hmp_args_new(void)
{
    HMPArgs *args = g_new0(HMPArgs, 1);

    args->values =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, hmp_value_free);
    return args;
}

static void hmp_args_free(HMPArgs *args)
{
    g_hash_table_destroy(args->values);
    g_free(args);
}

static void hmp_args_put(HMPArgs *args, const char *key, const char *str,
                         int64_t num)
{
    HMPValue *v = g_new0(HMPValue, 1);

    v->str = g_strdup(str);
    v->num = num;
    g_hash_table_replace(args->values, g_strdup(key), v);
}

const char *hmp_args_get_str(const HMPArgs *args, const char *key)
{
    HMPValue *v = g_hash_table_lookup(args->values, key);

    return v ? v->str : NULL;
}

bool hmp_args_has(const HMPArgs *args, const char *key)
{
    return g_hash_table_contains(args->values, key);
}

int64_t hmp_args_get_int(const HMPArgs *args, const char *key, int64_t dflt)
{
    HMPValue *v = g_hash_table_lookup(args->values, key);

    return v ? v->num : dflt;
}

bool hmp_args_get_bool(const HMPArgs *args, const char *key)
{
    return hmp_args_get_int(args, key, 0) != 0;
}

/* ---- words --------------------------------------------------------------- */

static const char *skip_space(const char *p)
{
    while (g_ascii_isspace(*p)) {
        p++;
    }
    return p;
}

/*
 * Reads one word at *pp: up to the next space, or a double-quoted string
 * with escapes. Returns NULL (after printing why, for quoting errors) when
 * there is none.
 */
static char *get_word(Monitor *mon, const char **pp)
{
    const char *p = skip_space(*pp);
    GString *word;

    if (!*p) {
        *pp = p;
        return NULL;
    }
    word = g_string_new(NULL);
    if (*p != '"') {
        while (*p && !g_ascii_isspace(*p)) {
            g_string_append_c(word, *p++);
        }
        *pp = p;
        return g_string_free(word, false);
    }
    for (p++; *p && *p != '"'; p++) {
        char c = *p;

        if (c == '\\') {
            c = *++p;
            switch (c) {
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case '\\':
            case '\'':
            case '"':
                break;
            default:
                if (mon) {
                    monitor_printf(mon, "unsupported escape code: '\\%c'\n",
                                   c ? c : ' ');
                }
                g_string_free(word, true);
                *pp = p;
                return NULL;
            }
        }
        g_string_append_c(word, c);
    }
    if (*p != '"') {
        if (mon) {
            monitor_printf(mon, "unterminated string\n");
        }
        g_string_free(word, true);
        *pp = p;
        return NULL;
    }
    *pp = p + 1;
    return g_string_free(word, false);
}

/* Splits a line into words, quotes handled; NULL on a quoting error. */
static GPtrArray *split_words(const char *line)
{
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    const char *p = line;

    for (;;) {
        char *w;

        p = skip_space(p);
        if (!*p) {
            return words;
        }
        w = get_word(NULL, &p);
        if (!w) {
            g_ptr_array_free(words, true);
            return NULL;
        }
        g_ptr_array_add(words, w);
    }
}

/* ---- expressions --------------------------------------------------------- */

typedef struct Expr {
    Monitor *mon;
    const char *p;
    bool failed;
    unsigned depth; /* unary operators and parentheses open */
} Expr;

/*
 * Each nesting level is a few recursive calls; an input line can hold
 * thousands, which would overflow the stack (QEMU has no limit).
 */
#define EXPR_MAX_DEPTH 256

static int64_t G_GNUC_PRINTF(2, 3) expr_error(Expr *e, const char *fmt, ...)
{
    va_list ap;

    if (!e->failed) {
        va_start(ap, fmt);
        monitor_vprintf(e->mon, fmt, ap);
        va_end(ap);
        monitor_puts(e->mon, "\n");
    }
    e->failed = true;
    return 0;
}

/* Moves past the operator character and the spaces after it. */
static void expr_next(Expr *e)
{
    e->p = skip_space(e->p + 1);
}

static bool register_value(X86CPU *cpu, const char *name, int64_t *value)
{
    static const struct {
        const char *name;
        int reg;
    } gprs[] = {
        {"rax", R_EAX}, {"rbx", R_EBX}, {"rcx", R_ECX}, {"rdx", R_EDX},
        {"rsi", R_ESI}, {"rdi", R_EDI}, {"rbp", R_EBP}, {"rsp", R_ESP},
        {"r8", 8},      {"r9", 9},      {"r10", 10},    {"r11", 11},
        {"r12", 12},    {"r13", 13},    {"r14", 14},    {"r15", 15},
        {"fp", R_EBP},  {"sp", R_ESP},
    };
    static const char *const seg_names[X86_SEG_COUNT] = {"es", "cs", "ss",
                                                         "ds", "fs", "gs"};
    const CPUX86State *env = &cpu->env;

    for (unsigned i = 0; i < G_N_ELEMENTS(gprs); i++) {
        if (g_ascii_strcasecmp(name, gprs[i].name) == 0) {
            *value = env->regs[gprs[i].reg];
            return true;
        }
        /* eax, ebx, ...: the low 32 bits */
        if ((name[0] == 'e' || name[0] == 'E') && gprs[i].name[0] == 'r' &&
            g_ascii_isalpha(gprs[i].name[1]) &&
            g_ascii_strcasecmp(name + 1, gprs[i].name + 1) == 0) {
            *value = (uint32_t)env->regs[gprs[i].reg];
            return true;
        }
    }
    for (int i = 0; i < X86_SEG_COUNT; i++) {
        if (g_ascii_strcasecmp(name, seg_names[i]) == 0) {
            *value = env->segs[i].selector;
            return true;
        }
    }
    if (!g_ascii_strcasecmp(name, "rip") || !g_ascii_strcasecmp(name, "eip")) {
        *value =
            name[0] == 'e' || name[0] == 'E' ? (uint32_t)env->rip : env->rip;
    } else if (!g_ascii_strcasecmp(name, "pc")) {
        /* The linear address of the next instruction. */
        *value = env->segs[R_CS].base + env->rip;
    } else if (!g_ascii_strcasecmp(name, "rflags") ||
               !g_ascii_strcasecmp(name, "eflags")) {
        *value = env->rflags;
    } else if (!g_ascii_strcasecmp(name, "cr0")) {
        *value = env->cr0;
    } else if (!g_ascii_strcasecmp(name, "cr2")) {
        *value = env->cr2;
    } else if (!g_ascii_strcasecmp(name, "cr3")) {
        *value = env->cr3;
    } else if (!g_ascii_strcasecmp(name, "cr4")) {
        *value = env->cr4;
    } else if (!g_ascii_strcasecmp(name, "cr8")) {
        *value = env->cr8;
    } else if (!g_ascii_strcasecmp(name, "efer")) {
        *value = env->efer;
    } else {
        return false;
    }
    return true;
}

static int64_t expr_or(Expr *e);

static int64_t expr_register(Expr *e)
{
    g_autoptr(GString) name = g_string_new(NULL);
    X86CPU *cpu;
    int64_t value;

    e->p++;
    while (g_ascii_isalnum(*e->p) || *e->p == '_' || *e->p == '.') {
        g_string_append_c(name, *e->p++);
    }
    e->p = skip_space(e->p);
    cpu = hmp_current_cpu(e->mon);
    if (!cpu) {
        return expr_error(e, "unknown register");
    }
    hmp_cpu_synchronize(cpu);
    if (!register_value(cpu, name->str, &value)) {
        return expr_error(e, "unknown register");
    }
    return value;
}

static int64_t expr_unary_inner(Expr *e);

static int64_t expr_unary(Expr *e)
{
    int64_t value;

    if (e->failed) {
        return 0;
    }
    if (e->depth >= EXPR_MAX_DEPTH) {
        return expr_error(e, "expression too deeply nested (at most %d levels)",
                          EXPR_MAX_DEPTH);
    }
    e->depth++;
    value = expr_unary_inner(e);
    e->depth--;
    return value;
}

static int64_t expr_unary_inner(Expr *e)
{
    int64_t value;
    char *end;

    switch (*e->p) {
    case '+':
        expr_next(e);
        return expr_unary(e);
    case '-':
        expr_next(e);
        return -(uint64_t)expr_unary(e);
    case '~':
        expr_next(e);
        return ~expr_unary(e);
    case '(':
        expr_next(e);
        value = expr_or(e);
        if (e->failed) {
            return 0;
        }
        if (*e->p != ')') {
            return expr_error(e, "')' expected");
        }
        expr_next(e);
        return value;
    case '\'':
        if (!e->p[1]) {
            return expr_error(e, "character constant expected");
        }
        value = (unsigned char)e->p[1];
        if (e->p[2] != '\'') {
            return expr_error(e, "missing terminating ' character");
        }
        e->p += 2;
        expr_next(e);
        return value;
    case '$':
        return expr_register(e);
    case '\0':
        return expr_error(e, "unexpected end of expression");
    default:
        errno = 0;
        value = g_ascii_strtoull(e->p, &end, 0);
        if (end == e->p) {
            return expr_error(e, "invalid char '%c' in expression", *e->p);
        }
        if (errno == ERANGE) {
            return expr_error(e, "number too large");
        }
        e->p = skip_space(end);
        return value;
    }
}

/*
 * A '/' with no operand after it ends the expression instead of dividing,
 * so an absolute file name may follow a number: "pmemsave 0 4096 /tmp/m".
 */
static bool expr_is_division(const char *p)
{
    p = skip_space(p + 1);
    return g_ascii_isdigit(*p) || (*p && strchr("($'+-~", *p));
}

static int64_t expr_product(Expr *e)
{
    int64_t value = expr_unary(e);

    while (!e->failed && (*e->p == '*' || *e->p == '%' ||
                          (*e->p == '/' && expr_is_division(e->p)))) {
        char op = *e->p;
        int64_t rhs;

        expr_next(e);
        rhs = expr_unary(e);
        if (op == '*') {
            value = (uint64_t)value * (uint64_t)rhs;
        } else if (rhs == 0) {
            return expr_error(e, "division by zero");
        } else if (rhs == -1) {
            /* INT64_MIN / -1 would trap */
            value = op == '/' ? -(uint64_t)value : 0;
        } else {
            value = op == '/' ? value / rhs : value % rhs;
        }
    }
    return value;
}

static int64_t expr_sum(Expr *e)
{
    int64_t value = expr_product(e);

    while (!e->failed && (*e->p == '+' || *e->p == '-')) {
        char op = *e->p;
        int64_t rhs;

        expr_next(e);
        rhs = expr_product(e);
        value = op == '+' ? (uint64_t)value + (uint64_t)rhs
                          : (uint64_t)value - (uint64_t)rhs;
    }
    return value;
}

static int64_t expr_and(Expr *e)
{
    int64_t value = expr_sum(e);

    while (!e->failed && *e->p == '&') {
        expr_next(e);
        value &= expr_sum(e);
    }
    return value;
}

static int64_t expr_xor(Expr *e)
{
    int64_t value = expr_and(e);

    while (!e->failed && *e->p == '^') {
        expr_next(e);
        value ^= expr_and(e);
    }
    return value;
}

static int64_t expr_or(Expr *e)
{
    int64_t value = expr_xor(e);

    while (!e->failed && *e->p == '|') {
        expr_next(e);
        value |= expr_xor(e);
    }
    return value;
}

/* Evaluates the expression at *pp; false after printing an error. */
static bool get_expression(Monitor *mon, const char **pp, int64_t *value)
{
    Expr e = {.mon = mon, .p = skip_space(*pp)};

    *value = expr_or(&e);
    *pp = e.p;
    return !e.failed;
}

/* ---- command tables ------------------------------------------------------ */

/* Is name one of the '|'-separated names in list? */
static bool command_name_matches(const char *name, size_t len, const char *list)
{
    for (const char *p = list;;) {
        const char *bar = strchrnul(p, '|');

        if ((size_t)(bar - p) == len && strncmp(p, name, len) == 0) {
            return true;
        }
        if (!*bar) {
            return false;
        }
        p = bar + 1;
    }
}

static const HMPCommand *command_find(const HMPCommand *table, const char *name,
                                      size_t len)
{
    for (const HMPCommand *cmd = table; cmd->name; cmd++) {
        if (command_name_matches(name, len, cmd->name)) {
            return cmd;
        }
    }
    return NULL;
}

/* ---- help ---------------------------------------------------------------- */

static void help_print_one(Monitor *mon, const char *prefix,
                           const HMPCommand *cmd)
{
    monitor_printf(mon, "%s%s %s -- %s\n", prefix, cmd->name, cmd->params,
                   cmd->help);
}

void hmp_help_print(Monitor *mon, const char *name)
{
    g_autoptr(GPtrArray) words = split_words(name ? name : "");
    g_autoptr(GString) prefix = g_string_new(NULL);
    const HMPCommand *table = hmp_commands;

    if (!words) {
        return;
    }
    for (unsigned i = 0;; i++) {
        const HMPCommand *cmd;
        const char *word;

        if (i == words->len) {
            for (cmd = table; cmd->name; cmd++) {
                help_print_one(mon, prefix->str, cmd);
            }
            return;
        }
        word = g_ptr_array_index(words, i);
        cmd = command_find(table, word, strlen(word));
        if (!cmd) {
            monitor_printf(mon, "unknown command: '%s%s'\n", prefix->str, word);
            return;
        }
        if (!cmd->sub_table) {
            help_print_one(mon, prefix->str, cmd);
            return;
        }
        g_string_append_printf(prefix, "%s ", word);
        table = cmd->sub_table;
    }
}

/* ---- argument parsing ---------------------------------------------------- */

/* The default /fmt of x, xp, i, o and print, updated by each use (QEMU's). */
static int default_format = 'x';
static int default_size = 4;

static bool parse_format(Monitor *mon, const char **pp, HMPArgs *args)
{
    const char *p = skip_space(*pp);
    int64_t count = 1;
    int format = -1, size = -1;

    if (*p == '/') {
        p++;
        if (g_ascii_isdigit(*p)) {
            count = 0;
            while (g_ascii_isdigit(*p)) {
                count = count * 10 + (*p++ - '0');
                count = MIN(count, (int64_t)INT32_MAX);
            }
        }
        for (;; p++) {
            if (*p && strchr("xduoci", *p)) {
                format = *p;
            } else if (*p == 'b') {
                size = 1;
            } else if (*p == 'h') {
                size = 2;
            } else if (*p == 'w') {
                size = 4;
            } else if (*p == 'g' || *p == 'L') {
                size = 8;
            } else {
                break;
            }
        }
        if (*p && !g_ascii_isspace(*p)) {
            monitor_printf(mon, "invalid char in format: '%c'\n", *p);
            return false;
        }
        if (format < 0) {
            format = default_format;
        }
        if (size < 0) {
            size = default_size;
        }
        default_size = size;
        if (format != 'i') {
            default_format = format;
        }
    } else {
        format = default_format;
        size = default_size;
    }
    hmp_args_put(args, "count", NULL, count);
    hmp_args_put(args, "format", NULL, format);
    hmp_args_put(args, "size", NULL, size);
    *pp = p;
    return true;
}

/*
 * Reads every "-X" flag at *pp that one of the consecutive flag items
 * starting at spec allows ("key:-X", or "key:-Xs" for a flag followed by
 * a word, QEMU's "-f png"); returns the spec after those items.
 */
static const char *parse_flags(Monitor *mon, const HMPCommand *cmd,
                               const char *spec, const char **pp, HMPArgs *args,
                               bool *ok)
{
    g_autoptr(GHashTable) flags =
        g_hash_table_new_full(NULL, NULL, NULL, g_free);
    g_autoptr(GHashTable) with_value = g_hash_table_new(NULL, NULL);
    const char *s = spec;
    const char *p;

    /* Collect "key:-X" items: flag letter -> key. */
    for (;;) {
        const char *colon = strchr(s, ':');
        const char *end;

        if (!colon || colon[1] != '-' || !colon[2]) {
            break;
        }
        g_hash_table_insert(flags, GINT_TO_POINTER((int)colon[2]),
                            g_strndup(s, colon - s));
        end = colon + 3;
        if (*end == 's') {
            g_hash_table_add(with_value, GINT_TO_POINTER((int)colon[2]));
            end++;
        }
        s = *end == ',' ? end + 1 : end;
    }
    for (p = skip_space(*pp); p[0] == '-' && g_ascii_isalpha(p[1]) &&
                              (!p[2] || g_ascii_isspace(p[2]));
         p = skip_space(p)) {
        const char *key = g_hash_table_lookup(flags, GINT_TO_POINTER(p[1]));

        if (!key) {
            monitor_printf(mon, "%s: unsupported option -%c\n", cmd->name,
                           p[1]);
            *ok = false;
            return s;
        }
        if (g_hash_table_contains(with_value, GINT_TO_POINTER(p[1]))) {
            g_autofree char *word = NULL;
            char flag = p[1];

            p = skip_space(p + 2);
            word = *p ? get_word(mon, &p) : NULL;
            if (!word) {
                monitor_printf(mon, "%s: value expected for -%c\n", cmd->name,
                               flag);
                *ok = false;
                return s;
            }
            hmp_args_put(args, key, word, 0);
            continue;
        }
        hmp_args_put(args, key, NULL, 1);
        p += 2;
    }
    *pp = p;
    *ok = true;
    return s;
}

static HMPArgs *parse_arguments(Monitor *mon, const HMPCommand *cmd,
                                const char **pp)
{
    HMPArgs *args = hmp_args_new();
    const char *spec = cmd->args_type;
    const char *p = *pp;

    while (*spec) {
        const char *colon = strchr(spec, ':');
        g_autofree char *key = NULL;
        char type;
        bool optional;

        g_assert(colon);
        if (colon[1] == '-') {
            bool ok;

            spec = parse_flags(mon, cmd, spec, &p, args, &ok);
            if (!ok) {
                goto fail;
            }
            continue;
        }
        key = g_strndup(spec, colon - spec);
        type = colon[1];
        optional = colon[2] == '?';
        spec = colon + 2 + optional;
        if (*spec == ',') {
            spec++;
        }
        p = skip_space(p);
        if (optional && !*p) {
            continue;
        }
        switch (type) {
        case 's': {
            g_autofree char *word = get_word(mon, &p);

            if (!word) {
                monitor_printf(mon, "%s: string expected\n", cmd->name);
                goto fail;
            }
            hmp_args_put(args, key, word, 0);
            break;
        }
        case 'S':
            if (!*p) {
                monitor_printf(mon, "%s: string expected\n", cmd->name);
                goto fail;
            }
            hmp_args_put(args, key, p, 0);
            p += strlen(p);
            break;
        case 'i':
        case 'l': {
            int64_t value;

            if (!get_expression(mon, &p, &value)) {
                goto fail;
            }
            if (type == 'i' && (value >> 32) != 0 && (value >> 31) != -1) {
                monitor_printf(mon,
                               "'%s' has failed: integer is for 32-bit "
                               "values\n",
                               cmd->name);
                goto fail;
            }
            hmp_args_put(args, key, NULL, value);
            break;
        }
        case 'o': {
            /* A size with QEMU's suffixes (block_resize virtio0 1G). */
            g_autofree char *word = get_word(NULL, &p);
            uint64_t size;

            if (!word || !parse_size(word, 1, &size, NULL)) {
                monitor_printf(mon, "invalid size\n");
                goto fail;
            }
            hmp_args_put(args, key, NULL, (int64_t)size);
            break;
        }
        case '/':
            if (!parse_format(mon, &p, args)) {
                goto fail;
            }
            break;
        case 'b': {
            g_autofree char *word = get_word(NULL, &p);

            if (g_strcmp0(word, "on") && g_strcmp0(word, "off")) {
                monitor_printf(mon, "Expected 'on' or 'off'\n");
                goto fail;
            }
            hmp_args_put(args, key, NULL, strcmp(word, "on") == 0);
            break;
        }
        default:
            g_assert_not_reached();
        }
    }
    p = skip_space(p);
    if (*p) {
        monitor_printf(mon, "%s: extraneous characters at the end of line\n",
                       cmd->name);
        goto fail;
    }
    *pp = p;
    return args;

fail:
    *pp = p;
    hmp_args_free(args);
    return NULL;
}

/* ---- running a command line ---------------------------------------------- */

static void handle_command(Monitor *mon, const char *line)
{
    const char *start = skip_space(line);
    const char *p = start;
    const HMPCommand *table = hmp_commands;
    const HMPCommand *cmd = NULL;
    const char *name_end;
    HMPArgs *args;

    /* The command, then sub-commands while there are tables for them. */
    for (;;) {
        const char *name = p;
        const HMPCommand *found;

        while (*p && *p != '/' && !g_ascii_isspace(*p)) {
            p++;
        }
        if (p == name) {
            if (!cmd) {
                return; /* an empty line */
            }
            break;
        }
        found = command_find(table, name, p - name);
        if (!found) {
            monitor_printf(mon, "unknown command: '%.*s'\n", (int)(p - start),
                           start);
            return;
        }
        cmd = found;
        name_end = p;
        p = skip_space(p);
        if (!cmd->sub_table || !*p) {
            break;
        }
        table = cmd->sub_table;
    }
    args = parse_arguments(mon, cmd, &p);
    if (!args) {
        monitor_printf(mon, "Try \"help %.*s\" for more information\n",
                       (int)(name_end - start), start);
        return;
    }
    cmd->cmd(mon, args);
    hmp_args_free(args);
}

char *hmp_execute_command(const char *cmdline)
{
    Monitor *mon = monitor_capture_new();

    handle_command(mon, cmdline);
    return monitor_capture_finish(mon);
}

/* ---- the monitor's CPU --------------------------------------------------- */

const char *hmp_history_get(Monitor *mon, unsigned index)
{
    HMPState *hs = mon->hmp;

    return hs ? readline_get_history(hs->rs, index) : NULL;
}

X86CPU *hmp_current_cpu(Monitor *mon)
{
    MachineState *ms = current_machine_get();
    HMPState *hs = mon->hmp;
    unsigned index = hs ? hs->cpu_index : 0;

    if (!ms || !ms->cpus || index >= ms->smp_cpus) {
        return NULL;
    }
    return ms->cpus[index];
}

bool hmp_set_current_cpu(Monitor *mon, int64_t index)
{
    MachineState *ms = current_machine_get();
    HMPState *hs = mon->hmp;

    if (!ms || !ms->cpus || index < 0 || index >= ms->smp_cpus) {
        return false;
    }
    if (hs) {
        hs->cpu_index = index;
    }
    return true;
}

/* ---- completion ---------------------------------------------------------- */

static void complete_in_table(const HMPCommand *table, GPtrArray *words,
                              unsigned first, GPtrArray *out)
{
    const char *word = g_ptr_array_index(words, first);
    const HMPCommand *cmd;

    if (first + 1 == words->len) {
        for (cmd = table; cmd->name; cmd++) {
            g_auto(GStrv) names = g_strsplit(cmd->name, "|", -1);

            for (unsigned i = 0; names[i]; i++) {
                g_ptr_array_add(out, g_strdup(names[i]));
            }
        }
        return;
    }
    cmd = command_find(table, word, strlen(word));
    if (!cmd) {
        return;
    }
    if (cmd->sub_table) {
        complete_in_table(cmd->sub_table, words, first + 1, out);
    } else if (table == hmp_commands &&
               command_name_matches("help", 4, cmd->name)) {
        /* "help NAME": complete NAME as a command */
        complete_in_table(hmp_commands, words, first + 1, out);
    }
}

static void hmp_complete(void *opaque, const char *text, GPtrArray *out)
{
    g_autoptr(GPtrArray) words = split_words(text);
    size_t len = strlen(text);

    if (!words) {
        return;
    }
    if (!words->len || g_ascii_isspace(text[len - 1])) {
        g_ptr_array_add(words, g_strdup(""));
    }
    complete_in_table(hmp_commands, words, 0, out);
}

/* ---- the monitor on a chardev -------------------------------------------- */

static void hmp_readline_output(void *opaque, const char *buf, size_t len)
{
    Monitor *mon = opaque;

    monitor_write(mon, buf, len);
    monitor_flush(mon);
}

static void hmp_line(void *opaque, const char *line)
{
    Monitor *mon = opaque;
    HMPState *hs = mon->hmp;

    handle_command(mon, line);
    readline_show_prompt(hs->rs);
}

static void hmp_receive(Monitor *mon, const uint8_t *buf, int size)
{
    HMPState *hs = mon->hmp;

    readline_feed(hs->rs, buf, size);
}

static void hmp_restart_line(HMPState *hs, Monitor *mon)
{
    readline_start(hs->rs, HMP_PROMPT, hmp_line, mon);
}

static void hmp_event(Monitor *mon, CharEvent event)
{
    HMPState *hs = mon->hmp;

    switch (event) {
    case CHR_EVENT_OPENED:
        monitor_printf(mon,
                       "QEMU %s monitor - type 'help' for more "
                       "information\n",
                       HMP_QEMU_VERSION);
        hs->opened = true;
        hmp_restart_line(hs, mon);
        /* Without the mux focus the prompt comes with MUX_IN. */
        if (!mon->mux_out) {
            readline_show_prompt(hs->rs);
        }
        break;
    case CHR_EVENT_CLOSED:
        hs->opened = false;
        hmp_restart_line(hs, mon);
        break;
    case CHR_EVENT_MUX_IN:
        if (hs->opened) {
            hmp_restart_line(hs, mon);
            readline_show_prompt(hs->rs);
        }
        break;
    case CHR_EVENT_MUX_OUT:
        /* The other front end starts on a line of its own. */
        if (hs->opened) {
            monitor_puts(mon, "\n");
        }
        break;
    case CHR_EVENT_BREAK:
        break;
    }
}

static void hmp_destroy(Monitor *mon)
{
    HMPState *hs = mon->hmp;

    if (hs) {
        readline_free(hs->rs);
        g_free(hs);
        mon->hmp = NULL;
    }
}

void hmp_monitor_setup(Monitor *mon)
{
    HMPState *hs = g_new0(HMPState, 1);

    hs->rs = readline_new(hmp_readline_output, hmp_complete, mon);
    mon->hmp = hs;
    mon->destroy = hmp_destroy;
    hmp_restart_line(hs, mon);
    /* The banner and first prompt follow the chardev's OPENED event. */
    monitor_set_input(mon, NULL, hmp_receive, hmp_event);
}
