/* IRQ line allocation; setting a level is an inline call (irq.h). */
#include <glib.h>

#include "hw/core/irq.h"

IRQLine *irq_new(IRQHandler handler, void *opaque, int n)
{
    IRQLine *line = g_new0(IRQLine, 1);

    line->handler = handler;
    line->opaque = opaque;
    line->n = n;
    return line;
}

IRQLine **irq_new_array(IRQHandler handler, void *opaque, int count)
{
    IRQLine **lines = g_new0(IRQLine *, count);

    for (int i = 0; i < count; i++) {
        lines[i] = irq_new(handler, opaque, i);
    }
    return lines;
}

void irq_free(IRQLine *line)
{
    g_free(line);
}
