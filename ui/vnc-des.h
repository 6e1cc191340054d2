/*
 * DES (FIPS 46-3) as VNC authentication uses it: one key, ECB blocks.
 * Only the ui layer's VNC server needs it; GLib has no DES.
 */
#ifndef UI_VNC_DES_H
#define UI_VNC_DES_H

#include <stdint.h>

/* Encrypts one 8-byte block with a 64-bit key (parity bits ignored). */
void des_encrypt_block(const uint8_t key[8], const uint8_t in[8],
                       uint8_t out[8]);

/*
 * The VNC authentication response: the 16-byte challenge encrypted as two
 * blocks with the password (first 8 bytes, zero padded) as the key, each
 * key byte's bits mirrored, as RealVNC's clients have always done.
 */
void vnc_des_response(const char *password, const uint8_t challenge[16],
                      uint8_t response[16]);

#endif
