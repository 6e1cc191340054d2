/*
 * Coroutines: yield and enter in both directions, nesting, a lock handed
 * over in order, a queue restarted, stacks reused, and many alive at once.
 */
#include <glib.h>

#include "util/coroutine.h"

static void count_up(void *opaque)
{
    int *n = opaque;

    for (int i = 0; i < 3; i++) {
        (*n)++;
        coroutine_yield();
    }
    (*n) += 100;
}

static void test_yield_enter(void)
{
    int n = 0;
    Coroutine *co = coroutine_create(count_up, &n);

    g_assert_false(in_coroutine());
    coroutine_enter(co);
    g_assert_cmpint(n, ==, 1);
    coroutine_enter(co);
    coroutine_enter(co);
    g_assert_cmpint(n, ==, 3);
    coroutine_enter(co); /* ends: freed */
    g_assert_cmpint(n, ==, 103);
}

typedef struct {
    GString *log;
    Coroutine *inner;
} Nest;

static void inner_fn(void *opaque)
{
    Nest *s = opaque;

    g_string_append(s->log, "i1 ");
    coroutine_yield();
    g_string_append(s->log, "i2 ");
}

static void outer_fn(void *opaque)
{
    Nest *s = opaque;
    Coroutine *self = coroutine_self();

    g_string_append(s->log, "o1 ");
    s->inner = coroutine_create(inner_fn, s);
    coroutine_enter(s->inner); /* returns when inner yields */
    g_assert(coroutine_self() == self);
    g_string_append(s->log, "o2 ");
    coroutine_yield();
    g_string_append(s->log, "o3");
}

static void test_nested(void)
{
    Nest s = {g_string_new(NULL), NULL};
    Coroutine *outer = coroutine_create(outer_fn, &s);

    coroutine_enter(outer);
    coroutine_enter(s.inner); /* from outside, now */
    coroutine_enter(outer);
    g_assert_cmpstr(s.log->str, ==, "o1 i1 o2 i2 o3");
    g_string_free(s.log, true);
}

typedef struct {
    CoMutex lock;
    GString *log;
    int id;
} Locker;

typedef struct {
    Locker *l;
    int id;
} LockArg;

static void lock_fn(void *opaque)
{
    LockArg *a = opaque;

    co_mutex_lock(&a->l->lock);
    g_string_append_printf(a->l->log, "L%d ", a->id);
    coroutine_yield(); /* holds the lock across a yield */
    g_string_append_printf(a->l->log, "U%d ", a->id);
    co_mutex_unlock(&a->l->lock);
}

static void test_mutex(void)
{
    Locker l = {.log = g_string_new(NULL)};
    LockArg a[3];
    Coroutine *co[3];

    co_mutex_init(&l.lock);
    for (int i = 0; i < 3; i++) {
        a[i] = (LockArg){&l, i};
        co[i] = coroutine_create(lock_fn, &a[i]);
        coroutine_enter(co[i]); /* 0 takes it, 1 and 2 wait */
    }
    g_assert_cmpstr(l.log->str, ==, "L0 ");
    coroutine_enter(co[0]); /* unlock hands over to 1, which yields */
    g_assert_cmpstr(l.log->str, ==, "L0 U0 L1 ");
    coroutine_enter(co[1]);
    coroutine_enter(co[2]);
    g_assert_cmpstr(l.log->str, ==, "L0 U0 L1 U1 L2 U2 ");
    g_assert_false(l.lock.locked);
    g_string_free(l.log, true);
}

static CoQueue queue;
static int woken;

static void queue_fn(void *opaque)
{
    co_queue_wait(&queue);
    woken++;
}

static void test_queue(void)
{
    co_queue_init(&queue);
    for (int i = 0; i < 5; i++) {
        coroutine_enter(coroutine_create(queue_fn, NULL));
    }
    g_assert_cmpint(woken, ==, 0);
    co_queue_restart_all(&queue);
    g_assert_cmpint(woken, ==, 5);
}

static void deep_fn(void *opaque)
{
    char buf[256 * 1024]; /* a deep stack: well inside one coroutine's */

    memset(buf, 0x5a, sizeof(buf));
    coroutine_yield();
    *(int *)opaque += buf[12345] == 0x5a;
}

static void test_many(void)
{
    enum { N = 200 };
    Coroutine *co[N];
    int ok = 0;

    /* More than the pool keeps, alive at once, then reused. */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            co[i] = coroutine_create(deep_fn, &ok);
            coroutine_enter(co[i]);
        }
        for (int i = N - 1; i >= 0; i--) {
            coroutine_enter(co[i]);
        }
    }
    g_assert_cmpint(ok, ==, 2 * N);
}

static gpointer thread_fn(gpointer data)
{
    int n = 0;
    Coroutine *co = coroutine_create(count_up, &n);

    /* This thread's own coroutines, while another thread's is parked. */
    for (int i = 0; i < 4; i++) {
        coroutine_enter(co);
    }
    g_assert_cmpint(n, ==, 103);
    return data;
}

static void test_cross_thread(void)
{
    int n = 0;
    Coroutine *co = coroutine_create(count_up, &n);
    GThread *t;

    coroutine_enter(co);
    t = g_thread_new("co", thread_fn, NULL);
    g_thread_join(t); /* its pool is freed with it */
    for (int i = 0; i < 3; i++) {
        coroutine_enter(co);
    }
    g_assert_cmpint(n, ==, 103);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/coroutine/yield-enter", test_yield_enter);
    g_test_add_func("/coroutine/nested", test_nested);
    g_test_add_func("/coroutine/mutex", test_mutex);
    g_test_add_func("/coroutine/queue", test_queue);
    g_test_add_func("/coroutine/many", test_many);
    g_test_add_func("/coroutine/threads", test_cross_thread);
    return g_test_run();
}
