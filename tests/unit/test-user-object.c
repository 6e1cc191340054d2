/*
 * The user-creatable object registry from the inside: what a consumer of a
 * secret or an rng backend gets (the decoded bytes, random bytes), and that
 * object-del really ends an iothread's thread.
 */
#include <string.h>

#include "qom/user-object.h"
#include "system/iothread.h"
#include "system/rng.h"
#include "system/secret.h"

static Object *create(const char *arg)
{
    GError *err = NULL;
    Object *obj = user_object_create_from_option(arg, &err);

    g_assert_no_error(err);
    g_assert_nonnull(obj);
    return obj;
}

static void test_secret(void)
{
    GError *err = NULL;
    char *v;

    create("secret,id=u-raw,data=pass,,word");
    create("secret,id=u-b64,data=cMOkc3N3w7ZydA==,format=base64");
    create("secret,id=u-bin,data=AP8=,format=base64");
    v = secret_lookup_as_utf8("u-raw", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(v, ==, "pass,word"); /* ",," is an escaped comma */
    g_free(v);
    v = secret_lookup_as_utf8("u-b64", &err);
    g_assert_cmpstr(v, ==, "p\xc3\xa4ssw\xc3\xb6rt");
    g_free(v);
    g_assert_null(secret_lookup_as_utf8("u-bin", &err));
    g_assert_cmpstr(err->message, ==,
                    "Data from secret u-bin is not valid UTF-8");
    g_clear_error(&err);
    g_assert_null(secret_lookup_as_utf8("nosuch", &err));
    g_assert_cmpstr(err->message, ==, "No secret with id 'nosuch'");
    g_clear_error(&err);
    g_assert_true(user_object_delete("u-raw", &err));
    g_assert_null(secret_lookup_as_utf8("u-raw", &err));
    g_clear_error(&err);
}

static void test_rng(void)
{
    const char *kinds[] = {"rng-random,id=u-rng0", "rng-builtin,id=u-rng1"};

    for (unsigned k = 0; k < G_N_ELEMENTS(kinds); k++) {
        uint8_t buf[64] = {0}, zero[64] = {0};
        RngBackend *rng;
        ssize_t n;

        create(kinds[k]);
        rng = rng_backend_find(k ? "u-rng1" : "u-rng0");
        g_assert_nonnull(rng);
        n = rng_backend_read(rng, buf, sizeof(buf));
        g_assert_cmpint(n, ==, sizeof(buf));
        /* 2^-512: not all zero */
        g_assert_cmpint(memcmp(buf, zero, sizeof(buf)), !=, 0);
    }
    g_assert_null(rng_backend_find("nosuch"));
}

static void test_iothread_del(void)
{
    GError *err = NULL;
    IOThread *io;

    create("iothread,id=u-io");
    io = iothread_find("u-io");
    g_assert_nonnull(io);
    g_assert_true(user_object_delete("u-io", &err));
    g_assert_no_error(err);
    g_assert_null(iothread_find("u-io"));
    g_assert_false(user_object_delete("u-io", &err));
    g_assert_cmpstr(err->message, ==, "object 'u-io' not found");
    g_clear_error(&err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/user-object/secret", test_secret);
    g_test_add_func("/user-object/rng", test_rng);
    g_test_add_func("/user-object/iothread-del", test_iothread_del);
    return g_test_run();
}
