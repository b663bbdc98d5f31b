/* The band's flash ring buffer of samples and the DATA frames read back from it
 * (firmware_host/band.py: the ring, next_seq, oldest_seq, _data_frame). */
#ifndef RLSFW_RING_H
#define RLSFW_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t capacity;      /* samples the flash holds (board_flash_bytes() / 6 at most) */
  uint32_t recorded;      /* samples recorded since the last erase */
  uint32_t frame_samples; /* samples per DATA frame, 1..83 */
  uint32_t tick0;         /* band tick of recording sample 0 */
  uint32_t fs_x2;         /* sample rate times 2, Hz */
  uint8_t format;         /* the DATA format byte */
  uint8_t recording;      /* 0 once the recording ended (the partial frame then counts) */
} rls_ring;

/* 0 on success; -1 for a capacity the board's flash cannot hold or a bad frame size */
int rls_ring_init(rls_ring *r, uint32_t capacity, uint8_t format, uint32_t frame_samples,
                  uint32_t tick0);
/* Record n samples (x, y, z interleaved), overwriting the oldest when full. */
void rls_ring_append(rls_ring *r, const int16_t *xyz, uint32_t n);
/* The recording ended: a partial last frame becomes sendable. */
void rls_ring_stop(rls_ring *r);
/* ERASE: empty, sequence numbers restart at 0; sample 0 of the new recording is at tick0. */
void rls_ring_erase(rls_ring *r, uint32_t tick0);
uint32_t rls_ring_oldest_recorded(const rls_ring *r);
uint32_t rls_ring_next_seq(const rls_ring *r);
uint32_t rls_ring_oldest_seq(const rls_ring *r);
uint32_t rls_ring_fill_permille(const rls_ring *r);
/* Band tick of recording sample i: tick0 + floor(i * 1024 / fs). */
uint32_t rls_ring_tick_of(const rls_ring *r, uint32_t i);
/* Samples [first, stop) read back into out; -1 when part of it is not in flash. */
int rls_ring_read(const rls_ring *r, uint32_t first, uint32_t stop, int16_t *out);
/* DATA frame seq into out (RLS_MAX_FRAME_LEN bytes); 0 when seq is not in flash. */
size_t rls_ring_data_frame(const rls_ring *r, uint32_t seq, uint8_t flags, int delta, uint8_t *out);

#endif
