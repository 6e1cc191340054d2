/*
 * Run states and the requests that move between them. Requests (reset,
 * shutdown, powerdown) may come from any thread; the main loop carries them
 * out.
 */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include <stdbool.h>

typedef enum {
    RUN_STATE_PRELAUNCH,
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED,
    RUN_STATE_SHUTDOWN,
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_GUEST_PANICKED,
    RUN_STATE_MAX
} RunState;

typedef enum {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_SIGNAL, /* SIGTERM / SIGINT */
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,
    SHUTDOWN_CAUSE_HOST_UI,        /* Ctrl-A x, window closed */
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN, /* ACPI S5, etc. */
    SHUTDOWN_CAUSE_GUEST_RESET,    /* reset with -no-reboot */
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_HOST_ERROR,
    /*
     * Only in RUNSTATE_EVENT_RESET notifications: the monitor's
     * system_reset (RESET_CAUSE_HOST).
     */
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
} ShutdownCause;

/* QEMU's spelling for events: "host-qmp-quit", "guest-reset", ... */
const char *shutdown_cause_name(ShutdownCause cause);

typedef enum {
    RESET_CAUSE_HOST,  /* monitor system_reset */
    RESET_CAUSE_GUEST, /* port 0xCF9, 0x92, i8042, triple fault */
} ResetCause;

RunState runstate_get(void);
const char *runstate_name(RunState state);
bool runstate_is_running(void);
void runstate_set(RunState state);

void system_reset_request(ResetCause cause);
void system_shutdown_request(ShutdownCause cause);
void system_powerdown_request(void);
/*
 * The guest says it panicked (pvpanic), or that it loaded a crash kernel
 * (crash_loaded): GUEST_PANICKED or GUEST_CRASHLOADED, and for a panic
 * what -action panic= says, done by the main loop.
 */
void system_guest_panic_request(bool crash_loaded);
/*
 * A reset or shutdown is waiting for the main loop. vCPUs do not re-enter
 * the guest meanwhile, so the instruction after a reset write never runs.
 */
bool system_request_pending(void);

/* Behaviour switches from the command line. */
extern bool no_reboot;   /* -no-reboot: a guest reset ends pcvm */
extern bool no_shutdown; /* -no-shutdown: a guest shutdown pauses pcvm */

/* -action panic=: what a guest panic does (QEMU's PanicAction). */
typedef enum {
    PANIC_ACTION_SHUTDOWN, /* the default: GUEST_PANICKED, then shut down */
    PANIC_ACTION_PAUSE,
    PANIC_ACTION_EXIT_FAILURE, /* shut down with exit status 1 */
    PANIC_ACTION_NONE,         /* the event only */
} PanicAction;
extern PanicAction panic_action;

/*
 * Stops the vCPUs and the virtual clock (monitor "stop"). Stopping before
 * the first start (-S) keeps the "prelaunch" state, as in QEMU.
 */
void vm_stop(RunState state);
/* Starts the vCPUs (monitor "cont", or after start-up without -S). */
void vm_start(void);

/*
 * Handles pending requests; returns true when pcvm should exit, with the
 * exit status in *status.
 */
bool main_loop_should_exit(int *status);

/* Hooks the machine and accelerator install. */
typedef struct RunStateHooks {
    void (*reset)(void); /* full system reset, vCPUs stopped */
    void (*vcpus_pause)(void);
    void (*vcpus_resume)(void);
    void (*powerdown)(void); /* ACPI power button, if the board has one */
} RunStateHooks;
void runstate_set_hooks(const RunStateHooks *hooks);

/*
 * Notified of state changes and requests (the monitor emits events), on the
 * main loop thread. guest: the guest caused it. cause: why (SHUTDOWN: the
 * shutdown request's cause; RESET: SHUTDOWN_CAUSE_GUEST_RESET or
 * SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET; otherwise SHUTDOWN_CAUSE_NONE).
 * No STOP is notified for the final stop while pcvm exits, as in QEMU.
 */
typedef enum {
    RUNSTATE_EVENT_STOP,
    RUNSTATE_EVENT_RESUME,
    RUNSTATE_EVENT_RESET,
    RUNSTATE_EVENT_SHUTDOWN,
    RUNSTATE_EVENT_POWERDOWN,
} RunStateEvent;
typedef void RunStateNotifier(RunStateEvent event, bool guest,
                              ShutdownCause cause, void *opaque);
void runstate_add_notifier(RunStateNotifier *fn, void *opaque);

#endif
