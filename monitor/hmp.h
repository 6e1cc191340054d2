/*
 * What the HMP front end (monitor/hmp.c: line editing, argument parsing,
 * help, completion, expressions) and the command implementations
 * (monitor/hmp-cmds.c) share. Private to monitor/.
 */
#ifndef MONITOR_HMP_H
#define MONITOR_HMP_H

#include "monitor/monitor-internal.h"
#include "target/i386/cpu.h"

typedef struct HMPArgs HMPArgs;

/*
 * One command. name lists aliases with '|' ("cont|c"). args_type says how
 * the rest of the line is parsed, as comma-separated key:type items:
 *   s   one word (double quotes allow spaces; \n \r \\ \" \' escapes)
 *   S   the rest of the line
 *   i   an expression that must fit in 32 bits;  l  a 64-bit expression
 *   /   a format /[count][format][size] (keys "count", "format", "size")
 *   b   on or off
 *   -X  a flag: true when "-X" is given (flags may come in any order)
 * A '?' after s, S, i, l makes the item optional.
 * params and help are what "help" prints: "NAME PARAMS -- HELP".
 * A command with sub_table ("info") takes a sub-command word; cmd then runs
 * when none is given.
 */
typedef struct HMPCommand {
    const char *name;
    const char *args_type;
    const char *params;
    const char *help;
    void (*cmd)(Monitor *mon, const HMPArgs *args);
    const struct HMPCommand *sub_table;
} HMPCommand;

/* NULL-name-terminated tables, in monitor/hmp-cmds.c. */
extern const HMPCommand hmp_commands[];
extern const HMPCommand hmp_info_commands[];

/* Parsed arguments: absent optional ones read as NULL / false / dflt. */
const char *hmp_args_get_str(const HMPArgs *args, const char *key);
bool hmp_args_has(const HMPArgs *args, const char *key);
int64_t hmp_args_get_int(const HMPArgs *args, const char *key, int64_t dflt);
bool hmp_args_get_bool(const HMPArgs *args, const char *key);

/* "help [CMD [SUBCMD]]" output. */
void hmp_help_print(Monitor *mon, const char *name);
/* The readline history of mon, for "info history" (NULL past the end). */
const char *hmp_history_get(Monitor *mon, unsigned index);

/*
 * The monitor's default CPU ("cpu N"; 0 unless changed), or NULL when
 * there is no machine yet.
 */
X86CPU *hmp_current_cpu(Monitor *mon);
bool hmp_set_current_cpu(Monitor *mon, int64_t index);
/*
 * Copies a vCPU's registers into cpu->env. Running vCPUs are paused for
 * the copy and resumed after.
 */
void hmp_cpu_synchronize(X86CPU *cpu);

#endif
