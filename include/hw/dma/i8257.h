/*
 * The PC's two Intel 8237A DMA controllers ("i8257", as QEMU names them):
 * channels 0-3 move bytes, channels 4-7 (channel 4 cascades) move 16-bit
 * words. An ISA device registers a handler for its channel, raises DREQ
 * while it wants data, and from the handler reads or writes guest memory
 * through the channel, which bounds the transfer by the count the guest
 * programmed.
 */
#ifndef HW_DMA_I8257_H
#define HW_DMA_I8257_H

#include <stdint.h>

#define TYPE_I8257 "i8257"
#define I8257_CHANNELS 8

/*
 * Called while DREQ is held and the channel is unmasked: pos is the byte
 * offset already moved in this block, size the block's length in bytes.
 * Returns the new offset (at most size); size ends the block (terminal
 * count).
 */
typedef int (*I8257TransferHandler)(void *opaque, int nchan, int pos, int size);

/* False if no controller serves nchan (the board made none, or > 7). */
bool i8257_channel_register(int nchan, I8257TransferHandler handler,
                            void *opaque);
void i8257_hold_dreq(int nchan);
void i8257_release_dreq(int nchan);
/*
 * Copies up to len bytes between buf and the channel's memory starting pos
 * bytes into the block; returns the bytes copied (cut at the block's end).
 */
int i8257_channel_read_memory(int nchan, void *buf, int pos, int len);
int i8257_channel_write_memory(int nchan, const void *buf, int pos, int len);

#endif
