/* The flash ring: see include/rlsfw/ring.h. */
#include "rlsfw/ring.h"

#include "rlsfw/board.h"
#include "rlsfw/protocol.h"

int rls_ring_init(rls_ring *r, uint32_t capacity, uint8_t format, uint32_t frame_samples,
                  uint32_t tick0) {
  if (capacity == 0 || capacity > board_flash_bytes() / RLS_SAMPLE_BYTES) return -1;
  if (frame_samples < 1 || frame_samples > RLS_MAX_SAMPLES_PER_FRAME) return -1;
  r->capacity = capacity;
  r->recorded = 0;
  r->frame_samples = frame_samples;
  r->tick0 = tick0;
  r->fs_x2 = rls_format_rate_x2(format);
  r->format = format;
  r->recording = 1;
  return 0;
}

void rls_ring_append(rls_ring *r, const int16_t *xyz, uint32_t n) {
  if (!r->recording) return;
  uint8_t buf[RLS_SAMPLE_BYTES];
  for (uint32_t i = 0; i < n; i++) {
    for (int a = 0; a < 3; a++) rls_put_u16(buf + 2 * a, (uint16_t)xyz[3 * i + (uint32_t)a]);
    board_flash_write((r->recorded % r->capacity) * RLS_SAMPLE_BYTES, buf, RLS_SAMPLE_BYTES);
    r->recorded++;
  }
}

void rls_ring_stop(rls_ring *r) { r->recording = 0; }

void rls_ring_erase(rls_ring *r, uint32_t tick0) {
  r->recorded = 0;
  r->tick0 = tick0;
  r->recording = 1;
}

uint32_t rls_ring_oldest_recorded(const rls_ring *r) {
  return r->recorded > r->capacity ? r->recorded - r->capacity : 0;
}

uint32_t rls_ring_next_seq(const rls_ring *r) {
  uint32_t n = r->frame_samples;
  return r->recording ? r->recorded / n : (r->recorded + n - 1) / n;
}

uint32_t rls_ring_oldest_seq(const rls_ring *r) {
  uint32_t n = r->frame_samples;
  return (rls_ring_oldest_recorded(r) + n - 1) / n;
}

uint32_t rls_ring_fill_permille(const rls_ring *r) {
  uint64_t f = (uint64_t)r->recorded * 1000u / r->capacity;
  return f > 1000 ? 1000 : (uint32_t)f;
}

uint32_t rls_ring_tick_of(const rls_ring *r, uint32_t i) {
  return r->tick0 + (uint32_t)((uint64_t)i * (2u * RLS_TICK_HZ) / r->fs_x2);
}

int rls_ring_read(const rls_ring *r, uint32_t first, uint32_t stop, int16_t *out) {
  if (first < rls_ring_oldest_recorded(r) || stop > r->recorded || first > stop) return -1;
  uint8_t buf[RLS_SAMPLE_BYTES];
  for (uint32_t i = first; i < stop; i++) {
    board_flash_read((i % r->capacity) * RLS_SAMPLE_BYTES, buf, RLS_SAMPLE_BYTES);
    for (uint32_t a = 0; a < 3; a++) out[3 * (i - first) + a] = (int16_t)rls_get_u16(buf + 2 * a);
  }
  return 0;
}

size_t rls_ring_data_frame(const rls_ring *r, uint32_t seq, uint8_t flags, int delta, uint8_t *out) {
  int16_t xyz[3 * RLS_MAX_SAMPLES_PER_FRAME];
  uint32_t n = r->frame_samples;
  if (seq >= rls_ring_next_seq(r) || seq < rls_ring_oldest_seq(r)) return 0;
  uint32_t first = seq * n;
  uint32_t stop = first + n < r->recorded ? first + n : r->recorded;
  if (rls_ring_read(r, first, stop, xyz) != 0) return 0;
  return rls_encode_data(out, seq, rls_ring_tick_of(r, first), r->format, xyz, stop - first,
                         flags, delta);
}
