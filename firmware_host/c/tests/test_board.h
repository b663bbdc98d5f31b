#ifndef RLSFW_TEST_BOARD_H
#define RLSFW_TEST_BOARD_H
#include <stddef.h>
#include <stdint.h>
#define TEST_LINK_BYTES 4096u
extern uint8_t test_link[TEST_LINK_BYTES];
extern size_t test_link_len;
#endif
