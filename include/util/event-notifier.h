/* An eventfd counter: one side signals, the other polls and clears. */
#ifndef UTIL_EVENT_NOTIFIER_H
#define UTIL_EVENT_NOTIFIER_H

#include <glib.h>
#include <stdbool.h>

typedef struct EventNotifier {
    int fd;
} EventNotifier;

bool event_notifier_init(EventNotifier *e, GError **errp);
void event_notifier_cleanup(EventNotifier *e);
int event_notifier_get_fd(const EventNotifier *e);
/* Signals the notifier (adds 1 to the counter). */
void event_notifier_set(EventNotifier *e);
/* Returns whether it was signalled since the last call, and clears it. */
bool event_notifier_test_and_clear(EventNotifier *e);

#endif
