/*
 * The command line, parsed into a plain description of the VM before
 * anything is created. Parsing and validation are pure, so unit tests can
 * feed argument vectors and check the result or the one-line error.
 */
#ifndef SYSTEM_OPTIONS_H
#define SYSTEM_OPTIONS_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "block/drive.h"

#define MAX_SERIAL_PORTS 4
#define DEFAULT_RAM_SIZE (128ull << 20)

typedef enum {
    VM_ACTION_RUN,
    VM_ACTION_HELP,
    VM_ACTION_VERSION,
    VM_ACTION_DEVICE_LIST,      /* -device help */
    VM_ACTION_DEVICE_PROPS,     /* -device NAME,help */
    VM_ACTION_MACHINE_LIST,     /* -machine help */
    VM_ACTION_CPU_LIST,         /* -cpu help */
    VM_ACTION_LOG_LIST,         /* -d help */
    VM_ACTION_CHARDEV_LIST,     /* -chardev help */
    VM_ACTION_ACCEL_LIST,       /* -accel help */
    VM_ACTION_NETDEV_LIST,      /* -netdev help */
    VM_ACTION_VGA_LIST,         /* -vga help */
    VM_ACTION_AUDIODEV_LIST,    /* -audiodev help */
    VM_ACTION_AUDIO_MODEL_LIST, /* -audio model=help */
} VMAction;

/* A monitor to start: -monitor/-qmp (a legacy chardev spec) or -mon (an id). */
typedef struct MonitorConfig {
    char *chardev; /* the spec, or the id of a -chardev */
    bool is_spec;
    bool qmp; /* control mode (QMP); otherwise readline (HMP) */
    bool pretty;
} MonitorConfig;

typedef struct VMConfig {
    VMAction action;
    char *help_target; /* the device of -device NAME,help */

    uint64_t ram_size;
    bool ram_size_set;    /* -m given (the none machine has RAM only then) */
    char *memory_backend; /* -machine memory-backend= */
    bool graphics_off;    /* -machine graphics=off: firmware uses serial */
    char *mem_path;       /* -mem-path */
    bool mem_prealloc;    /* -mem-prealloc */
    unsigned smp_cpus, smp_sockets, smp_cores, smp_threads, smp_maxcpus;
    char *machine_type;
    bool firmware_boot; /* -machine firmware=seabios with -kernel */
    GPtrArray *accels;  /* names, tried in order */
    bool accel_option;  /* some came from -accel */
    bool accel_machine; /* some from -machine accel= or -enable-kvm */
    char *cpu_model;
    char *kernel, *initrd, *append;
    char *bios;
    GPtrArray *firmware_dirs; /* -L */
    char *name;
    GPtrArray *serials;    /* legacy specs, one per COM port */
    GPtrArray *chardevs;   /* -chardev option strings */
    GPtrArray *devices;    /* -device option strings */
    GPtrArray *objects;    /* -object arguments, as given */
    GPtrArray *object_ids; /* their ids */
    /* -drive, -device, -netdev... as (option, argument) pairs: -writeconfig */
    GPtrArray *config_options;
    char *writeconfig;    /* -writeconfig FILE, or NULL */
    GPtrArray *drives;    /* DriveConfig *: -drive, -hda.., -cdrom */
    GPtrArray *netdevs;   /* -netdev option strings, checked */
    GPtrArray *nets;      /* -net option strings (nic or a backend), checked */
    GPtrArray *nics;      /* -nic option strings, checked */
    bool net_none;        /* -net none or -nic none */
    GPtrArray *blockdevs; /* -blockdev option strings, checked */
    GPtrArray *audiodevs; /* -audiodev (and -audio) option strings, checked */
    char *debugcon;
    GPtrArray *monitors;  /* MonitorConfig * */
    bool default_monitor; /* no -monitor/-qmp/-mon/-nodefaults given */
    char *qtest;          /* -qtest: legacy chardev spec */
    char *qtest_log;      /* -qtest-log FILE */
    unsigned log_mask;    /* -d, parsed */
    char *log_file;
    char *display;       /* "none", "sdl" or NULL */
    char *display_opts;  /* -display sdl's options after "sdl,", or NULL */
    char *vnc;           /* -vnc / -display vnc=: the display spec, or NULL */
    char *vga;           /* -vga: "std", "none" or NULL (the board's default) */
    bool display_device; /* a -device is a display adapter: no default */
    bool nographic;
    bool no_defaults;
    char *pidfile;       /* -pidfile */
    bool msg_guest_name; /* -msg guest-name=on */
    bool daemonize;      /* -daemonize */
    bool mem_lock;       /* -overcommit mem-lock=on */
    bool no_reboot, no_shutdown;
    int panic_action; /* PanicAction (-action panic=) */
    bool start_paused;
    /* -boot */
    char *boot_order; /* drive letters, NULL: the board's default */
    char *boot_once;  /* used for the first boot only, or NULL */
    bool boot_menu;
    int boot_splash_time;    /* ms the menu waits, -1: firmware default */
    int boot_reboot_timeout; /* ms before retrying a failed boot, -1: never */
    bool boot_strict;        /* boot only from the listed devices */
    bool no_fd_bootchk;      /* -no-fd-bootchk: boot floppies unsigned */
    /* -rtc */
    char *rtc_base;  /* "utc", "localtime" or a date */
    char *rtc_clock; /* "host", "rt" or "vm" */
    /* -uuid */
    bool uuid_set;
    uint8_t uuid[16];
} VMConfig;

void vm_config_init(VMConfig *cfg);
void vm_config_clear(VMConfig *cfg);
/*
 * Parses argv (argv[0] is the program) and checks what can be checked
 * without creating anything. Errors read "<option>: <reason>".
 */
bool vm_config_parse(VMConfig *cfg, int argc, char **argv, GError **errp);
/* The -smp value, on its own (exposed for tests). */
bool vm_config_parse_smp(VMConfig *cfg, const char *value, GError **errp);
void vm_config_print_usage(FILE *out);
/* -audio model=help */
void vm_config_print_audio_models(FILE *out);

#endif
