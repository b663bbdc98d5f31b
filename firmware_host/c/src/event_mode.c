/* Events mode: see include/rlsfw/event_mode.h. */
#include "rlsfw/event_mode.h"

#include "rlsfw/protocol.h"

uint32_t rls_event_mode_tick_of(const rls_event_mode *em, uint64_t j) {
  return em->start_tick + (uint32_t)((j * em->num + em->fs2 / 2) / em->fs2);
}

static void on_output(void *ctx, const rls_output *o) {
  rls_event_mode *em = (rls_event_mode *)ctx;
  uint8_t frame[24];
  size_t n;
  if (o->is_summary) {
    uint64_t j = (uint64_t)o->minute * 60u * em->pipe.block_n;
    n = rls_encode_summary(frame, em->seq, rls_event_mode_tick_of(em, j), o->lm_count, 0,
                           o->mean_activity_mg, o->max_activity_mg, o->posture, o->still_pct, 0);
  } else {
    uint64_t dur = o->duration > 0 ? (uint64_t)o->duration : 0;
    uint64_t ms = (dur * em->ms_num + em->fs2 / 2) / em->fs2;
    n = rls_encode_event(frame, em->seq, rls_event_mode_tick_of(em, o->start),
                         ms > 0xFFFF ? 0xFFFFu : (uint32_t)ms, o->peak_mg, o->kind, 255, 0);
  }
  em->seq++;
  em->bytes_sent += (uint32_t)n;
  em->frames_sent++;
  em->out(em->ctx, frame, n);
}

int rls_event_mode_init(rls_event_mode *em, uint32_t fs_x2, double lsb_g,
                        const rls_pipeline_config *cfg, uint32_t start_tick, uint32_t first_seq,
                        rls_frame_fn out, void *ctx) {
  if (rls_pipeline_init(&em->pipe, fs_x2, lsb_g, cfg, on_output, em) != 0) return -1;
  em->start_tick = start_tick;
  em->seq = first_seq;
  em->frames_sent = em->bytes_sent = 0;
  em->fs2 = fs_x2; /* round(2 fs): rates are multiples of 0.5 Hz */
  em->num = (uint64_t)em->pipe.k * RLS_TICK_HZ * 2u;
  em->ms_num = (uint64_t)em->pipe.k * 1000u * 2u;
  em->out = out;
  em->ctx = ctx;
  return 0;
}

void rls_event_mode_sample(rls_event_mode *em, int16_t x, int16_t y, int16_t z) {
  rls_pipeline_sample(&em->pipe, x, y, z);
}

void rls_event_mode_finish(rls_event_mode *em) { rls_pipeline_flush(&em->pipe); }
