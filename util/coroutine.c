/*
 * Coroutines (include/util/coroutine.h) on ucontext and setjmp.
 *
 * makecontext gives a new coroutine its stack and entry; the first
 * swapcontext into it runs a trampoline that saves a jump buffer and
 * jumps straight back. From then on every switch is a _setjmp/_longjmp
 * pair, which does not touch the signal mask (swapcontext makes a system
 * call each time). Stacks are mmap'd with a guard page below and kept in
 * a per-thread pool when their coroutine ends.
 *
 * Under AddressSanitizer every switch is announced with the fiber hooks,
 * so ASan knows which stack is live.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <glib.h>

#include "util/coroutine.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define co_asan_start(fake, bottom, size)                                      \
    __sanitizer_start_switch_fiber(fake, bottom, size)
#define co_asan_finish(fake, bottom, size)                                     \
    __sanitizer_finish_switch_fiber(fake, bottom, size)
#else
#define co_asan_start(fake, bottom, size) ((void)(fake))
#define co_asan_finish(fake, bottom, size) ((void)(fake))
#endif

#define CO_STACK_SIZE (1u << 20)
#define CO_POOL_MAX 64

struct Coroutine {
    CoroutineEntry *entry;
    void *opaque;
    void *stack; /* the mapping, guard page first */
    size_t stack_size;
    sigjmp_buf env;         /* where to resume this coroutine */
    sigjmp_buf *return_env; /* where its enterer waits */
    bool running;
    bool ended;
    /* ASan's view: the enterer's stack, and this fiber's fake stack. */
    const void *caller_bottom;
    size_t caller_size;
    void *fake;
    Coroutine *pool_next;
};

struct CoMutexWaiter {
    Coroutine *co;
    CoMutexWaiter *next;
};

typedef struct CoPool {
    Coroutine *head;
    unsigned len;
} CoPool;

static __thread Coroutine *co_current;

static void co_free(Coroutine *co)
{
    munmap(co->stack, co->stack_size);
    g_free(co);
}

/* A thread's unused coroutines, freed when the thread ends. */
static void co_pool_destroy(gpointer data)
{
    CoPool *pool = data;

    while (pool->head) {
        Coroutine *co = pool->head;

        pool->head = co->pool_next;
        co_free(co);
    }
    g_free(pool);
}

static GPrivate co_pool_key = G_PRIVATE_INIT(co_pool_destroy);

static CoPool *co_pool(void)
{
    CoPool *pool = g_private_get(&co_pool_key);

    if (!pool) {
        pool = g_new0(CoPool, 1);
        g_private_set(&co_pool_key, pool);
    }
    return pool;
}

static void *co_bottom(Coroutine *co)
{
    return (char *)co->stack + getpagesize();
}

static size_t co_size(Coroutine *co)
{
    return co->stack_size - getpagesize();
}

/* Leaves the running coroutine for its enterer. */
static void co_leave(Coroutine *self)
{
    if (!sigsetjmp(self->env, 0)) {
        co_asan_start(&self->fake, self->caller_bottom, self->caller_size);
        siglongjmp(*self->return_env, 1);
    }
    co_asan_finish(self->fake, &self->caller_bottom, &self->caller_size);
}

/* Passed through makecontext's int arguments. */
static void co_trampoline(int lo, int hi)
{
    Coroutine *co =
        (Coroutine *)(((uintptr_t)(unsigned)hi << 32) | (unsigned)lo);

    co_asan_finish(NULL, &co->caller_bottom, &co->caller_size);
    /* The first leave returns to co_new_stack; each entry resumes here. */
    co_leave(co);
    for (;;) {
        Coroutine *self = co_current;

        self->entry(self->opaque);
        self->ended = true;
        co_leave(self); /* the enterer pools this coroutine */
    }
}

static Coroutine *co_new_stack(void)
{
    Coroutine *co = g_new0(Coroutine, 1);
    long page = getpagesize();
    ucontext_t uc, old;
    sigjmp_buf here;
    uintptr_t p = (uintptr_t)co;
    void *fake = NULL;

    co->stack_size = CO_STACK_SIZE;
    co->stack = mmap(NULL, co->stack_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (co->stack == MAP_FAILED) {
        g_error("coroutine stack: %s", g_strerror(errno));
    }
    mprotect(co->stack, page, PROT_NONE);
    if (getcontext(&uc)) {
        g_error("getcontext failed");
    }
    uc.uc_stack.ss_sp = co_bottom(co);
    uc.uc_stack.ss_size = co_size(co);
    uc.uc_link = NULL;
    makecontext(&uc, (void (*)(void))co_trampoline, 2, (int)(uint32_t)p,
                (int)(uint32_t)(p >> 32));
    co->return_env = &here;
    if (!sigsetjmp(here, 0)) {
        co_asan_start(&fake, co_bottom(co), co_size(co));
        swapcontext(&old, &uc);
    }
    co_asan_finish(fake, NULL, NULL);
    return co;
}

Coroutine *coroutine_create(CoroutineEntry *entry, void *opaque)
{
    CoPool *pool = co_pool();
    Coroutine *co = pool->head;

    if (co) {
        pool->head = co->pool_next;
        pool->len--;
    } else {
        co = co_new_stack();
    }
    co->entry = entry;
    co->opaque = opaque;
    co->ended = false;
    co->running = false;
    return co;
}

static void co_release(Coroutine *co)
{
    CoPool *pool = co_pool();

    if (pool->len < CO_POOL_MAX) {
        co->pool_next = pool->head;
        pool->head = co;
        pool->len++;
        return;
    }
    co_free(co);
}

void coroutine_enter(Coroutine *co)
{
    Coroutine *from = co_current;
    sigjmp_buf here;
    void *fake = NULL;

    g_assert(!co->running && !co->ended);
    co->running = true;
    co->return_env = &here;
    co_current = co;
    if (!sigsetjmp(here, 0)) {
        co_asan_start(&fake, co_bottom(co), co_size(co));
        siglongjmp(co->env, 1);
    }
    co_asan_finish(fake, NULL, NULL);
    co_current = from;
    co->running = false;
    if (co->ended) {
        co_release(co);
    }
}

void coroutine_yield(void)
{
    Coroutine *self = co_current;

    g_assert(self);
    co_leave(self);
}

Coroutine *coroutine_self(void)
{
    return co_current;
}

bool in_coroutine(void)
{
    return co_current != NULL;
}

/* ---- CoMutex and CoQueue ------------------------------------------------ */

void co_mutex_init(CoMutex *m)
{
    m->locked = false;
    m->head = NULL;
    m->tail = &m->head;
}

void co_mutex_lock(CoMutex *m)
{
    CoMutexWaiter w = {coroutine_self(), NULL};

    /* Outside coroutines (a tool, nothing else running) it must be free. */
    g_assert(w.co || !m->locked);
    if (!m->locked) {
        m->locked = true;
        return;
    }
    *m->tail = &w;
    m->tail = &w.next;
    coroutine_yield(); /* resumed holding the lock */
}

void co_mutex_unlock(CoMutex *m)
{
    CoMutexWaiter *w = m->head;

    g_assert(m->locked);
    if (!w) {
        m->locked = false;
        return;
    }
    m->head = w->next;
    if (!m->head) {
        m->tail = &m->head;
    }
    coroutine_enter(w->co); /* still locked: handed over */
}

void co_queue_init(CoQueue *q)
{
    q->head = NULL;
    q->tail = &q->head;
}

void co_queue_wait(CoQueue *q)
{
    CoMutexWaiter w = {coroutine_self(), NULL};

    g_assert(w.co);
    *q->tail = &w;
    q->tail = &w.next;
    coroutine_yield();
}

void co_queue_restart_all(CoQueue *q)
{
    CoMutexWaiter *w = q->head;

    q->head = NULL;
    q->tail = &q->head;
    while (w) {
        CoMutexWaiter *next = w->next; /* w lives on the waiter's stack */

        coroutine_enter(w->co);
        w = next;
    }
}
