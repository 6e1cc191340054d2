/*
 * The VNC server's DES: FIPS 46-3 known-answer vectors, and the VNC
 * response's key (the password's bytes with their bits mirrored).
 */
#include <glib.h>
#include <string.h>

#include "ui/vnc-des.h"

static void test_des_vectors(void)
{
    static const struct {
        uint8_t key[8], plain[8], cipher[8];
    } vectors[] = {
        /* The worked example of the standard's tutorials. */
        {{0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1},
         {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef},
         {0x85, 0xe8, 0x13, 0x54, 0x0f, 0x0a, 0xb4, 0x05}},
        {{0x0e, 0x32, 0x92, 0x32, 0xea, 0x6d, 0x0d, 0x73},
         {0x87, 0x87, 0x87, 0x87, 0x87, 0x87, 0x87, 0x87},
         {0}},
        /* NBS SP 500-20's variable-plaintext test, first entry. */
        {{0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01},
         {0x80, 0, 0, 0, 0, 0, 0, 0},
         {0x95, 0xf8, 0xa5, 0xe5, 0xdd, 0x31, 0xd9, 0x00}},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(vectors); i++) {
        uint8_t out[8];

        des_encrypt_block(vectors[i].key, vectors[i].plain, out);
        g_assert_cmpmem(out, 8, vectors[i].cipher, 8);
    }
}

static void test_vnc_response(void)
{
    /* "pcvm" is 70 63 76 6d; mirrored 0e c6 6e b6, then zero padding. */
    static const uint8_t key[8] = {0x0e, 0xc6, 0x6e, 0xb6};
    uint8_t challenge[16], response[16], expected[16];

    for (int i = 0; i < 16; i++) {
        challenge[i] = i * 17 + 3;
    }
    des_encrypt_block(key, challenge, expected);
    des_encrypt_block(key, challenge + 8, expected + 8);
    vnc_des_response("pcvm", challenge, response);
    g_assert_cmpmem(response, 16, expected, 16);
    /* Only the first eight characters count. */
    vnc_des_response("12345678", challenge, expected);
    vnc_des_response("123456789abc", challenge, response);
    g_assert_cmpmem(response, 16, expected, 16);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vnc-des/vectors", test_des_vectors);
    g_test_add_func("/vnc-des/vnc-response", test_vnc_response);
    return g_test_run();
}
