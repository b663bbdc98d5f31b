/* Board layer of ARM's MPS2 AN386 (Cortex-M4F) under QEMU, and the firmware's main loop.
 *
 * Sample flash: the external SPI flash of a band is emulated by PSRAM (QEMU maps 16 MiB at
 * 0x21000000 on AN385/AN386), addressed through a pointer, so that it is not part of the
 * firmware's RAM. Link: CMSDK UART0 (0x40004000), COBS frames delimited by 0x00, as on a serial
 * line. Sensor: a synthetic still leg with noise and a burst every 30 s (the board has none).
 * After RLS_DEMO_SECONDS the firmware stops and leaves QEMU through semihosting SYS_EXIT.
 */
#include <stdint.h>

#include "rlsfw/board.h"
#include "rlsfw/event_mode.h"
#include "rlsfw/protocol.h"
#include "rlsfw/ring.h"

#define PSRAM ((volatile uint8_t *)0x21000000u)
#define PSRAM_BYTES (16u * 1024u * 1024u)
#define UART0_DATA (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE (*(volatile uint32_t *)0x40004004u)
#define UART0_CTRL (*(volatile uint32_t *)0x40004008u)
#define UART0_BAUDDIV (*(volatile uint32_t *)0x40004010u)

#ifndef RLS_DEMO_SECONDS
#define RLS_DEMO_SECONDS 120u
#endif
#define FORMAT 0xD2u /* 50 Hz (code 2), +-4 g (code 1), 16 bits (code 3): lsb 2**-13 g */
#define ONE_G 8192
#define FRAME_SAMPLES 38u

uint32_t board_flash_bytes(void) { return PSRAM_BYTES; }
void board_flash_read(uint32_t addr, uint8_t *out, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) out[i] = PSRAM[addr + i];
}
void board_flash_write(uint32_t addr, const uint8_t *data, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) PSRAM[addr + i] = data[i];
}

static void uart_put(uint8_t b) {
  while (UART0_STATE & 1u) {}
  UART0_DATA = b;
}

void board_link_write(const uint8_t *data, size_t n) {
  uint8_t enc[RLS_COBS_MAX_LEN(RLS_MAX_FRAME_LEN)];
  size_t m = rls_cobs_encode(data, n, enc);
  for (size_t i = 0; i < m; i++) uart_put(enc[i]);
  uart_put(0);
}

static void semihosting_exit(void) {
  register uint32_t r0 __asm__("r0") = 0x18u;   /* SYS_EXIT */
  register uint32_t r1 __asm__("r1") = 0x20026u; /* ADP_Stopped_ApplicationExit */
  __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
}

static uint32_t lcg = 1u;
static void sensor_read(uint32_t i, int16_t xyz[3]) {
  int32_t burst = (i % 1500u) < 75u ? 600 : 0; /* 1.5 s of movement every 30 s */
  for (int a = 0; a < 3; a++) {
    lcg = lcg * 1664525u + 1013904223u;
    int32_t noise = (int32_t)(lcg >> 28) - 8;
    int32_t wave = burst ? ((i & 4u) ? burst : -burst) : 0;
    xyz[a] = (int16_t)((a == 2 ? ONE_G : 0) + noise + wave);
  }
}

static void send_frame(void *ctx, const uint8_t *frame, size_t n) {
  (void)ctx;
  board_link_write(frame, n);
}

static rls_ring ring;
static rls_event_mode events;

int main(void) {
  UART0_BAUDDIV = 16u;
  UART0_CTRL = 1u; /* TX enable */
  rls_pipeline_config cfg;
  rls_pipeline_default_config(&cfg);
  uint32_t fs_x2 = rls_format_rate_x2(FORMAT);
  double lsb_g = (double)rls_format_range_g(FORMAT) / (double)(1u << (rls_format_bits(FORMAT) - 1));
  if (rls_ring_init(&ring, PSRAM_BYTES / RLS_SAMPLE_BYTES, FORMAT, FRAME_SAMPLES, 0) != 0 ||
      rls_event_mode_init(&events, fs_x2, lsb_g, &cfg, 0, 0, send_frame, 0) != 0) {
    semihosting_exit();
  }
  uint8_t frame[RLS_MAX_FRAME_LEN];
  uint32_t sent = 0;
  for (uint32_t i = 0; i < RLS_DEMO_SECONDS * (fs_x2 / 2u); i++) {
    int16_t xyz[3];
    sensor_read(i, xyz);
    rls_ring_append(&ring, xyz, 1);
    rls_event_mode_sample(&events, xyz[0], xyz[1], xyz[2]);
    while (sent < rls_ring_next_seq(&ring)) {
      size_t n = rls_ring_data_frame(&ring, sent, sent == 0 ? RLS_FLAG_RESUMED : 0, 1, frame);
      board_link_write(frame, n);
      sent++;
    }
  }
  rls_event_mode_finish(&events);
  rls_ring_stop(&ring);
  if (sent < rls_ring_next_seq(&ring)) {
    board_link_write(frame, rls_ring_data_frame(&ring, sent, 0, 1, frame));
  }
  uint8_t end[32];
  board_link_write(end, rls_encode_end(end, rls_ring_next_seq(&ring), RLS_END_RECORDING_ENDED, 0,
                                       0, 0, 0));
  semihosting_exit();
  for (;;) {}
}
