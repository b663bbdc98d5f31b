/* Board layer of the host build: sample flash in a static array, the link on stdout
 * (each frame as u16 length, little-endian, and its bytes: what the test harness reads). */
#include <stdio.h>
#include <string.h>

#include "rlsfw/board.h"

#define HOST_FLASH_BYTES (16u * 1024u * 1024u)
static uint8_t flash[HOST_FLASH_BYTES];

uint32_t board_flash_bytes(void) { return HOST_FLASH_BYTES; }
void board_flash_read(uint32_t addr, uint8_t *out, uint32_t n) { memcpy(out, flash + addr, n); }
void board_flash_write(uint32_t addr, const uint8_t *data, uint32_t n) { memcpy(flash + addr, data, n); }

void board_link_write(const uint8_t *data, size_t n) {
  uint8_t len[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
  fwrite(len, 1, 2, stdout);
  fwrite(data, 1, n, stdout);
}
