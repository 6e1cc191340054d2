/*
 * Graphic consoles: one per display head a device drives. A console owns
 * a surface (a pixman image, x8r8g8b8) the device renders into when a
 * reader asks for a fresh picture (graphic_hw_update), plus the rectangle
 * it changed since the last reader took it. Screendump, VNC and
 * SDL read the same surface; the device never knows who reads it.
 *
 * The ui layer sits below hw/: a device hands in its id (for QMP's
 * "device" argument) and an ops table, never its own type.
 */
#ifndef UI_CONSOLE_H
#define UI_CONSOLE_H

#include <glib.h>
#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct QemuConsole QemuConsole;

typedef struct DisplaySurface {
    pixman_image_t *image;
} DisplaySurface;

typedef struct GraphicHwOps {
    /* Render the current picture into the console's surface. */
    void (*gfx_update)(void *opaque);
} GraphicHwOps;

/* QEMU's ImageFormat, in schema order. */
typedef enum {
    IMAGE_FORMAT_PPM,
    IMAGE_FORMAT_PNG,
} ImageFormat;

/*
 * A console for head of the device whose id= is device_id (NULL: none),
 * indexed in creation order. It starts with a black 640x480 surface.
 */
QemuConsole *graphic_console_init(const char *device_id, unsigned head,
                                  const GraphicHwOps *ops, void *opaque);
void graphic_console_close(QemuConsole *con);

/* The n-th console, or the one of device_id's head; NULL if none. */
QemuConsole *qemu_console_lookup_by_index(unsigned index);
QemuConsole *qemu_console_lookup_by_device(const char *device_id,
                                           unsigned head);
/* Whether any console of device_id exists (QMP tells the two misses apart). */
bool qemu_console_device_exists(const char *device_id);

/* Asks the device to render (a reader wants the picture now). */
void graphic_hw_update(QemuConsole *con);

DisplaySurface *qemu_console_surface(QemuConsole *con);
/*
 * The surface at width x height, a new one (black) if the size changed;
 * sizes are clamped to 1..16384. The whole surface counts as changed.
 */
DisplaySurface *qemu_console_resize(QemuConsole *con, int width, int height);
/* Marks a rectangle of the surface as changed. */
void dpy_gfx_update(QemuConsole *con, int x, int y, int w, int h);
/* Takes the changed rectangle (false: nothing changed) and clears it. */
bool qemu_console_take_dirty(QemuConsole *con, pixman_box32_t *box);

static inline int surface_width(DisplaySurface *s)
{
    return pixman_image_get_width(s->image);
}

static inline int surface_height(DisplaySurface *s)
{
    return pixman_image_get_height(s->image);
}

/* Bytes per row. */
static inline int surface_stride(DisplaySurface *s)
{
    return pixman_image_get_stride(s->image);
}

/* Row y: width pixels of 0x00RRGGBB. */
static inline uint32_t *surface_row(DisplaySurface *s, int y)
{
    return (uint32_t *)((uint8_t *)pixman_image_get_data(s->image) +
                        (size_t)y * surface_stride(s));
}

/*
 * Renders con and writes its surface to filename as PPM (P6) or PNG
 * (8-bit RGB); errors carry QEMU's wording.
 */
bool qemu_console_screendump(QemuConsole *con, const char *filename,
                             ImageFormat format, GError **errp);

#endif
