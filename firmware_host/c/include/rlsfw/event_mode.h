/* Events mode: the pipeline's events and minute summaries as EVENT and SUMMARY frames
 * (firmware_host/event_mode.py: EventModeBand). */
#ifndef RLSFW_EVENT_MODE_H
#define RLSFW_EVENT_MODE_H

#include <stddef.h>
#include <stdint.h>

#include "rlsfw/pipeline.h"

typedef void (*rls_frame_fn)(void *ctx, const uint8_t *frame, size_t n);

typedef struct {
  rls_pipeline pipe;
  uint32_t start_tick, seq, frames_sent, bytes_sent;
  uint64_t num, fs2, ms_num; /* tick = start + (j * num + fs2 / 2) / fs2 */
  rls_frame_fn out;
  void *ctx;
} rls_event_mode;

/* 0, or -1 when the pipeline refuses the rate, lsb or config */
int rls_event_mode_init(rls_event_mode *em, uint32_t fs_x2, double lsb_g,
                        const rls_pipeline_config *cfg, uint32_t start_tick, uint32_t first_seq,
                        rls_frame_fn out, void *ctx);
void rls_event_mode_sample(rls_event_mode *em, int16_t x, int16_t y, int16_t z);
void rls_event_mode_finish(rls_event_mode *em);
/* band tick of working sample j */
uint32_t rls_event_mode_tick_of(const rls_event_mode *em, uint64_t j);

#endif
