/*
 * Coroutines: functions that can stop in the middle (coroutine_yield) and
 * be resumed later (coroutine_enter) by whoever holds them, on the same
 * thread or another one. The block layer's format drivers use them so
 * that a request that needs several dependent reads and writes of
 * metadata reads as straight-line code: each step submits its I/O,
 * yields, and the completion callback enters the coroutine again.
 *
 * A coroutine runs on its own stack (with a guard page); entering one
 * runs it until it yields or returns, then returns to the enterer. A
 * coroutine may enter another (which returns to it). When the function
 * returns the coroutine is freed (its stack is kept for reuse).
 *
 * CoMutex: a lock between coroutines of one thread. A coroutine that
 * finds it taken yields until the holder's unlock hands it over.
 */
#ifndef UTIL_COROUTINE_H
#define UTIL_COROUTINE_H

#include <stdbool.h>

typedef struct Coroutine Coroutine;
typedef void CoroutineEntry(void *opaque);

Coroutine *coroutine_create(CoroutineEntry *entry, void *opaque);
/* Runs co until it yields or ends. co must not be running. */
void coroutine_enter(Coroutine *co);
/* From inside a coroutine: back to whoever entered it. */
void coroutine_yield(void);
/* The running coroutine, or NULL outside any. */
Coroutine *coroutine_self(void);
bool in_coroutine(void);

typedef struct CoMutexWaiter CoMutexWaiter;

typedef struct CoMutex {
    bool locked;
    CoMutexWaiter *head, **tail;
} CoMutex;

void co_mutex_init(CoMutex *m);
/* In a coroutine; or outside any when nothing else can hold it. */
void co_mutex_lock(CoMutex *m);
/* Hands the lock to the first waiter, which runs before this returns. */
void co_mutex_unlock(CoMutex *m);

/*
 * A queue of coroutines waiting for something (an allocation in flight,
 * say): co_queue_wait yields until co_queue_restart_all enters them.
 */
typedef struct CoQueue {
    CoMutexWaiter *head, **tail;
} CoQueue;

void co_queue_init(CoQueue *q);
void co_queue_wait(CoQueue *q);
void co_queue_restart_all(CoQueue *q);

#endif
