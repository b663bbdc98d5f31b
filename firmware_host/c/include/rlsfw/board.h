/* The board layer: what the portable firmware needs from the hardware (board/host.c,
 * board/mps2_an386.c). */
#ifndef RLSFW_BOARD_H
#define RLSFW_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of sample flash (the ring buffer's storage). */
uint32_t board_flash_bytes(void);
/* Read / write n bytes of sample flash at addr (addr + n <= board_flash_bytes()). */
void board_flash_read(uint32_t addr, uint8_t *out, uint32_t n);
void board_flash_write(uint32_t addr, const uint8_t *data, uint32_t n);
/* Send one frame to the host (the serial line: COBS-encoded and 0x00-delimited by the caller). */
void board_link_write(const uint8_t *data, size_t n);

#endif
