/*
 * The VNC server's insides, shared by its protocol and session code
 * (ui/vnc.c) and its encoders (ui/vnc-enc.c): the RFB numbers, a client's
 * and the server's state, and the calls between the two files.
 */
#ifndef UI_VNC_INTERNAL_H
#define UI_VNC_INTERNAL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "ui/console.h"
#include "ui/input.h"

#define VNC_PORT_BASE 5900
#define VNC_TILE 16
#define VNC_REFRESH_MS 30
#define VNC_OUTPUT_SOFT_LIMIT (1u << 20)
#define VNC_OUTPUT_HARD_LIMIT (64u << 20)
#define VNC_INPUT_LIMIT (1u << 20)
#define VNC_CUT_TEXT_LIMIT (1u << 20)
#define VNC_SEND_CHUNK (256u << 10)

/* RFB security types, results and message types. */
#define RFB_SECURITY_INVALID 0
#define RFB_SECURITY_NONE 1
#define RFB_SECURITY_VNC 2
#define RFB_RESULT_OK 0
#define RFB_RESULT_FAILED 1

#define RFB_MSG_SET_PIXEL_FORMAT 0
#define RFB_MSG_SET_ENCODINGS 2
#define RFB_MSG_FB_UPDATE_REQUEST 3
#define RFB_MSG_KEY_EVENT 4
#define RFB_MSG_POINTER_EVENT 5
#define RFB_MSG_CLIENT_CUT_TEXT 6
#define RFB_MSG_QEMU 255
#define RFB_QEMU_EXTENDED_KEY_EVENT 0

#define RFB_MSG_FB_UPDATE 0

#define RFB_ENCODING_RAW 0
#define RFB_ENCODING_HEXTILE 5
#define RFB_ENCODING_ZLIB 6
#define RFB_ENCODING_DESKTOP_SIZE (-223)
#define RFB_ENCODING_QEMU_EXT_KEY (-258)

/* Hextile sub-encoding mask bits. */
#define HEXTILE_RAW 0x01
#define HEXTILE_BACKGROUND_SPECIFIED 0x02
#define HEXTILE_FOREGROUND_SPECIFIED 0x04
#define HEXTILE_ANY_SUBRECTS 0x08
#define HEXTILE_SUBRECTS_COLOURED 0x10

typedef enum {
    VNC_AUTH_NONE,
    VNC_AUTH_VNC,
} VncAuth;

typedef enum {
    VNC_STATE_VERSION,  /* waiting for the client's ProtocolVersion */
    VNC_STATE_SECURITY, /* 3.7+: waiting for the chosen security type */
    VNC_STATE_AUTH,     /* waiting for the challenge's response */
    VNC_STATE_INIT,     /* waiting for ClientInit */
    VNC_STATE_NORMAL,
} VncClientState;

typedef struct VncPixelFormat {
    uint8_t bits_per_pixel;
    uint8_t depth;
    bool big_endian;
    bool true_colour;
    uint16_t max[3]; /* red, green, blue */
    uint8_t shift[3];
} VncPixelFormat;

typedef struct VncServer VncServer;

typedef struct VncClient {
    VncServer *server;
    int fd;
    char *host;
    char *service;
    const char *family;
    GSource *in_source;
    GSource *out_source;
    GByteArray *in;
    GByteArray *out;
    VncClientState state;
    int minor; /* 3, 7 or 8 */
    uint8_t challenge[16];
    bool initialized; /* past ClientInit */
    bool closing;

    VncPixelFormat pf;
    bool pf_native; /* 32 bpp, little endian, the surface's own layout */
    int encoding;   /* raw, hextile or zlib */
    bool has_desktop_size;
    bool has_ext_key;

    bool update_requested;
    bool full_requested;
    pixman_box32_t requested;

    /* What the client has: its framebuffer size and a copy of its pixels. */
    int fb_width, fb_height;
    uint32_t *shadow;
    bool shadow_valid;

    z_stream zlib;
    bool zlib_ready;

    int pointer_x, pointer_y;
    bool pointer_known;
    uint8_t buttons;
    /* Keys this client holds down, released if it leaves holding them. */
    uint8_t keys_down[(Q_KEY_CODE__MAX + 7) / 8];
} VncClient;

struct VncServer {
    bool enabled;
    VncAuth auth;
    char *password; /* NULL: none set, every VNC login fails */
    int64_t
        password_expiry; /* g_get_real_time() after which it fails; 0: never */
    bool is_unix;
    char *path;
    char *host;    /* as bound, numeric */
    char *service; /* port */
    const char *family;
    int listen_fd;
    GSource *listen_source;
    GList *clients;
    GSource *refresh;
    DisplaySurface blank; /* shown while no console exists */
};

/* Output (ui/vnc.c): appended to the client's buffer, big-endian. */
void vnc_write(VncClient *c, const void *data, size_t len);
void vnc_write_u8(VncClient *c, uint8_t v);
void vnc_write_u16(VncClient *c, uint16_t v);
void vnc_write_u32(VncClient *c, uint32_t v);

/* Pixel formats and encodings (ui/vnc-enc.c). */
extern const VncPixelFormat vnc_native_format;
bool vnc_format_is_native(const VncPixelFormat *pf);
void vnc_write_pixel_format(VncClient *c, const VncPixelFormat *pf);
/* Writes n surface pixels (0x00RRGGBB) in the client's format to out. */
void vnc_pixels_convert(const VncClient *c, const uint32_t *src, int n,
                        uint8_t *out);
void vnc_rect_header(VncClient *c, int x, int y, int w, int h,
                     int32_t encoding);
/* A rectangle of s with its header, in raw, hextile or zlib. */
void vnc_send_raw(VncClient *c, DisplaySurface *s, int x, int y, int w, int h);
void vnc_send_hextile(VncClient *c, DisplaySurface *s, int x, int y, int w,
                      int h);
/* false if zlib failed (the client is then closed). */
bool vnc_send_zlib(VncClient *c, DisplaySurface *s, int x, int y, int w, int h);

#endif
