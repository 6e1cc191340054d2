/*
 * Graphic consoles: the registry of display heads and their surfaces
 * (pixman images the devices render into on demand), with the changed
 * rectangle kept for readers that send only what changed.
 */
#include "ui/console.h"

#define CONSOLE_DEFAULT_WIDTH 640
#define CONSOLE_DEFAULT_HEIGHT 480
#define CONSOLE_MAX_SIZE 16384

struct QemuConsole {
    char *device_id;
    unsigned head;
    const GraphicHwOps *ops;
    void *opaque;
    DisplaySurface surface;
    pixman_box32_t dirty;
    bool has_dirty;
};

static GPtrArray *consoles;

QemuConsole *graphic_console_init(const char *device_id, unsigned head,
                                  const GraphicHwOps *ops, void *opaque)
{
    QemuConsole *con = g_new0(QemuConsole, 1);

    con->device_id = g_strdup(device_id);
    con->head = head;
    con->ops = ops;
    con->opaque = opaque;
    if (!consoles) {
        consoles = g_ptr_array_new();
    }
    g_ptr_array_add(consoles, con);
    qemu_console_resize(con, CONSOLE_DEFAULT_WIDTH, CONSOLE_DEFAULT_HEIGHT);
    return con;
}

void graphic_console_close(QemuConsole *con)
{
    if (!con) {
        return;
    }
    g_ptr_array_remove(consoles, con);
    if (con->surface.image) {
        pixman_image_unref(con->surface.image);
    }
    g_free(con->device_id);
    g_free(con);
}

QemuConsole *qemu_console_lookup_by_index(unsigned index)
{
    return consoles && index < consoles->len ? consoles->pdata[index] : NULL;
}

QemuConsole *qemu_console_lookup_by_device(const char *device_id, unsigned head)
{
    for (unsigned i = 0; consoles && i < consoles->len; i++) {
        QemuConsole *con = consoles->pdata[i];

        if (con->device_id && !g_strcmp0(con->device_id, device_id) &&
            con->head == head) {
            return con;
        }
    }
    return NULL;
}

bool qemu_console_device_exists(const char *device_id)
{
    for (unsigned i = 0; consoles && i < consoles->len; i++) {
        QemuConsole *con = consoles->pdata[i];

        if (con->device_id && !g_strcmp0(con->device_id, device_id)) {
            return true;
        }
    }
    return false;
}

void graphic_hw_update(QemuConsole *con)
{
    if (con->ops && con->ops->gfx_update) {
        con->ops->gfx_update(con->opaque);
    }
}

DisplaySurface *qemu_console_surface(QemuConsole *con)
{
    return &con->surface;
}

DisplaySurface *qemu_console_resize(QemuConsole *con, int width, int height)
{
    DisplaySurface *s = &con->surface;

    width = CLAMP(width, 1, CONSOLE_MAX_SIZE);
    height = CLAMP(height, 1, CONSOLE_MAX_SIZE);
    if (!s->image || surface_width(s) != width || surface_height(s) != height) {
        if (s->image) {
            pixman_image_unref(s->image);
        }
        /* pixman allocates zeroed bits: a black picture. */
        s->image =
            pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height, NULL, 0);
        g_assert(s->image);
    }
    dpy_gfx_update(con, 0, 0, width, height);
    return s;
}

void dpy_gfx_update(QemuConsole *con, int x, int y, int w, int h)
{
    pixman_box32_t box = {x, y, x + w, y + h};

    if (w <= 0 || h <= 0) {
        return;
    }
    if (!con->has_dirty) {
        con->dirty = box;
        con->has_dirty = true;
        return;
    }
    con->dirty.x1 = MIN(con->dirty.x1, box.x1);
    con->dirty.y1 = MIN(con->dirty.y1, box.y1);
    con->dirty.x2 = MAX(con->dirty.x2, box.x2);
    con->dirty.y2 = MAX(con->dirty.y2, box.y2);
}

bool qemu_console_take_dirty(QemuConsole *con, pixman_box32_t *box)
{
    bool had = con->has_dirty;

    if (had) {
        *box = con->dirty;
    }
    con->has_dirty = false;
    return had;
}
