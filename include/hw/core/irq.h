/*
 * IRQ lines: a line is (handler, opaque, n). A device holds IRQLine pointers
 * that the board connected to an interrupt controller input, and sets their
 * level. A NULL line is "not connected" and silently ignored.
 */
#ifndef HW_CORE_IRQ_H
#define HW_CORE_IRQ_H

typedef void (*IRQHandler)(void *opaque, int n, int level);

typedef struct IRQLine {
    IRQHandler handler;
    void *opaque;
    int n;
} IRQLine;

IRQLine *irq_new(IRQHandler handler, void *opaque, int n);
/* count lines n = 0..count-1, all with the same handler and opaque */
IRQLine **irq_new_array(IRQHandler handler, void *opaque, int count);
void irq_free(IRQLine *line);

static inline void irq_set_level(IRQLine *line, int level)
{
    if (line) {
        line->handler(line->opaque, line->n, level);
    }
}

static inline void irq_raise(IRQLine *line)
{
    irq_set_level(line, 1);
}

static inline void irq_lower(IRQLine *line)
{
    irq_set_level(line, 0);
}

static inline void irq_pulse(IRQLine *line)
{
    irq_set_level(line, 1);
    irq_set_level(line, 0);
}

#endif
