/* Board layer of the unit tests (host and target alike): sample flash in a static array, the
 * link into a buffer the tests read back. */
#include <string.h>

#include "rlsfw/board.h"
#include "test_board.h"

#define TEST_FLASH_BYTES (64u * 1024u)
static uint8_t flash[TEST_FLASH_BYTES];
uint8_t test_link[TEST_LINK_BYTES];
size_t test_link_len;

uint32_t board_flash_bytes(void) { return TEST_FLASH_BYTES; }
void board_flash_read(uint32_t addr, uint8_t *out, uint32_t n) { memcpy(out, flash + addr, n); }
void board_flash_write(uint32_t addr, const uint8_t *data, uint32_t n) { memcpy(flash + addr, data, n); }
void board_link_write(const uint8_t *data, size_t n) {
  if (test_link_len + n <= TEST_LINK_BYTES) memcpy(test_link + test_link_len, data, n);
  test_link_len += n;
}
