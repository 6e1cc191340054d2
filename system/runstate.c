/*
 * Run states and the reset/shutdown/powerdown requests. Requests only set
 * flags and wake the main loop; main_loop_should_exit() acts on them there,
 * so a vCPU thread never tears the machine down under itself.
 */
#include "qapi/qmp-registry.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "system/timer.h"

bool no_reboot;
bool no_shutdown;
PanicAction panic_action = PANIC_ACTION_SHUTDOWN;
/* The panic's shutdown ends pcvm with status 1 (panic=exit-failure). */
static bool panic_exit_failure;

static RunState current_state = RUN_STATE_PRELAUNCH;
static RunStateHooks hooks;
/* main_loop_should_exit() said to exit: the last stop is silent. */
static bool exiting;

/* Requests, set from any thread. */
static gint reset_requested;    /* ResetCause + 1 */
static gint shutdown_requested; /* ShutdownCause */
static gint powerdown_requested;
static gint panic_requested; /* 1 panicked, 2 crash kernel loaded */

typedef struct {
    RunStateNotifier *fn;
    void *opaque;
} Notifier;
static GArray *notifiers;

static const char *const state_names[RUN_STATE_MAX] = {
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
};

RunState runstate_get(void)
{
    return current_state;
}

const char *runstate_name(RunState state)
{
    return state_names[state];
}

bool runstate_is_running(void)
{
    return current_state == RUN_STATE_RUNNING;
}

void runstate_set(RunState state)
{
    current_state = state;
}

void runstate_set_hooks(const RunStateHooks *h)
{
    hooks = *h;
}

void runstate_add_notifier(RunStateNotifier *fn, void *opaque)
{
    Notifier n = {fn, opaque};

    if (!notifiers) {
        notifiers = g_array_new(false, false, sizeof(Notifier));
    }
    g_array_append_val(notifiers, n);
}

static void notify(RunStateEvent event, bool guest, ShutdownCause cause)
{
    for (unsigned i = 0; notifiers && i < notifiers->len; i++) {
        Notifier *n = &g_array_index(notifiers, Notifier, i);

        n->fn(event, guest, cause, n->opaque);
    }
}

const char *shutdown_cause_name(ShutdownCause cause)
{
    static const char *const names[] = {
        [SHUTDOWN_CAUSE_NONE] = "none",
        [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
        [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
        [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
        [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
        [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
        [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
        [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
        [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    };

    if ((unsigned)cause < G_N_ELEMENTS(names) && names[cause]) {
        return names[cause];
    }
    return "none";
}

bool system_request_pending(void)
{
    return g_atomic_int_get(&reset_requested) ||
           g_atomic_int_get(&shutdown_requested) ||
           g_atomic_int_get(&panic_requested) == 1;
}

void system_reset_request(ResetCause cause)
{
    if (no_reboot && cause == RESET_CAUSE_GUEST) {
        system_shutdown_request(SHUTDOWN_CAUSE_GUEST_RESET);
        return;
    }
    g_atomic_int_set(&reset_requested, cause + 1);
    main_loop_wakeup();
}

void system_shutdown_request(ShutdownCause cause)
{
    g_atomic_int_set(&shutdown_requested, cause);
    main_loop_wakeup();
}

void system_guest_panic_request(bool crash_loaded)
{
    g_atomic_int_set(&panic_requested, crash_loaded ? 2 : 1);
    main_loop_wakeup();
}

/* QEMU's GUEST_PANICKED / GUEST_CRASHLOADED: {"action": ACTION}. */
static void panic_event(const char *name, const char *action)
{
    JsonObject *data = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_object_set_string_member(data, "action", action);
    json_node_take_object(node, data);
    qmp_event_emit(name, node);
}

/* What -action panic= (with -no-shutdown) makes of a guest panic. */
static void guest_panicked(void)
{
    if (panic_action == PANIC_ACTION_PAUSE ||
        (panic_action == PANIC_ACTION_SHUTDOWN && no_shutdown)) {
        panic_event("GUEST_PANICKED", "pause");
        vm_stop(RUN_STATE_GUEST_PANICKED);
    } else if (panic_action == PANIC_ACTION_NONE) {
        panic_event("GUEST_PANICKED", "run");
    } else {
        panic_event("GUEST_PANICKED", "poweroff");
        vm_stop(RUN_STATE_GUEST_PANICKED);
        panic_exit_failure = panic_action == PANIC_ACTION_EXIT_FAILURE;
        system_shutdown_request(SHUTDOWN_CAUSE_GUEST_PANIC);
    }
}

void system_powerdown_request(void)
{
    g_atomic_int_set(&powerdown_requested, 1);
    main_loop_wakeup();
}

void vm_stop(RunState state)
{
    if (current_state == RUN_STATE_RUNNING) {
        if (hooks.vcpus_pause) {
            hooks.vcpus_pause();
        }
        vm_clock_virtual_stop();
        current_state = state;
        if (!exiting) {
            notify(RUNSTATE_EVENT_STOP, false, SHUTDOWN_CAUSE_NONE);
        }
    } else if (current_state != RUN_STATE_PRELAUNCH ||
               state != RUN_STATE_PAUSED) {
        current_state = state;
    }
}

void vm_start(void)
{
    if (current_state == RUN_STATE_RUNNING) {
        return;
    }
    current_state = RUN_STATE_RUNNING;
    vm_clock_virtual_start();
    notify(RUNSTATE_EVENT_RESUME, false, SHUTDOWN_CAUSE_NONE);
    if (hooks.vcpus_resume) {
        hooks.vcpus_resume();
    }
}

static bool shutdown_cause_is_guest(ShutdownCause cause)
{
    return cause == SHUTDOWN_CAUSE_GUEST_SHUTDOWN ||
           cause == SHUTDOWN_CAUSE_GUEST_RESET ||
           cause == SHUTDOWN_CAUSE_GUEST_PANIC;
}

bool main_loop_should_exit(int *status)
{
    int panic = g_atomic_int_exchange(&panic_requested, 0);
    int shutdown, reset;

    if (panic == 2) {
        panic_event("GUEST_CRASHLOADED", "run");
    } else if (panic == 1) {
        guest_panicked();
    }
    shutdown = g_atomic_int_exchange(&shutdown_requested, 0);
    reset = g_atomic_int_exchange(&reset_requested, 0);

    if (shutdown) {
        bool guest = shutdown_cause_is_guest(shutdown);

        notify(RUNSTATE_EVENT_SHUTDOWN, guest, shutdown);
        if (no_shutdown && guest) {
            vm_stop(RUN_STATE_SHUTDOWN);
        } else {
            *status = shutdown == SHUTDOWN_CAUSE_HOST_ERROR ||
                              (shutdown == SHUTDOWN_CAUSE_GUEST_PANIC &&
                               panic_exit_failure)
                          ? 1
                          : 0;
            exiting = true;
            return true;
        }
    }
    if (reset) {
        bool running = current_state == RUN_STATE_RUNNING;
        bool guest = reset - 1 == RESET_CAUSE_GUEST;

        if (running && hooks.vcpus_pause) {
            hooks.vcpus_pause();
        }
        if (hooks.reset) {
            hooks.reset();
        }
        notify(RUNSTATE_EVENT_RESET, guest,
               guest ? SHUTDOWN_CAUSE_GUEST_RESET
                     : SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
        /* A reset from the shutdown state (after -no-shutdown) restarts. */
        if (current_state == RUN_STATE_SHUTDOWN) {
            current_state = RUN_STATE_PAUSED;
        } else if (running && hooks.vcpus_resume) {
            hooks.vcpus_resume();
        }
    }
    if (g_atomic_int_exchange(&powerdown_requested, 0)) {
        notify(RUNSTATE_EVENT_POWERDOWN, false, SHUTDOWN_CAUSE_NONE);
        if (hooks.powerdown) {
            hooks.powerdown();
        }
    }
    return false;
}
