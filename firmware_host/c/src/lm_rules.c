/* Stages 4-6: noise floor, thresholds, the LM state machine and the end of an LM
 * (firmware_host/processing/lm_rules.py: _floor_push, _lm_step, _end_lm). */
#include "rlsfw/pipeline.h"
#include "rlsfw/protocol.h"

#define LM_IDLE 0u
#define LM_ACTIVE 1u

void rls_floor_push(rls_pipeline *p, uint32_t mean4) {
  uint16_t value = (uint16_t)(mean4 < 65535u ? mean4 : 65535u);
  int times = p->n_push == 0 ? RLS_FLOOR_BLOCKS / 2 + 1 : 1;
  for (int i = 0; i < times; i++) {
    p->floor_ring[p->floor_pos] = value;
    p->floor_pos = (p->floor_pos + 1) % RLS_FLOOR_BLOCKS;
    p->n_push++;
  }
  if (p->n_push < RLS_FLOOR_BLOCKS) return;
  /* the 10th percentile: the 7th smallest of 60, by selection on a copy */
  enum { RANK = RLS_FLOOR_BLOCKS * 10 / 100 };
  uint16_t low[RANK + 1];
  uint32_t have = 0;
  for (uint32_t i = 0; i < RLS_FLOOR_BLOCKS; i++) {
    uint16_t v = p->floor_ring[i];
    if (have == RANK + 1 && v >= low[RANK]) continue;
    uint32_t at = have < RANK + 1 ? have++ : RANK;
    while (at > 0 && low[at - 1] > v) {
      low[at] = low[at - 1];
      at--;
    }
    low[at] = v;
  }
  uint32_t fl = low[RANK];
  if (fl < (p->floor_min_u << RLS_FLOOR_FRAC)) fl = p->floor_min_u << RLS_FLOOR_FRAC;
  uint32_t on = ((uint32_t)p->cfg.onset_factor_x4 * fl) >> 2;
  if (on < fl + (p->onset_min_u << RLS_FLOOR_FRAC)) on = fl + (p->onset_min_u << RLS_FLOOR_FRAC);
  p->floor_u = fl;
  p->on_u = on;
  p->off_u = fl + ((on - fl) >> p->cfg.offset_shift);
  p->have_floor = 1;
}

static uint32_t popcount(uint32_t v) {
  uint32_t c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}

void rls_end_lm(rls_pipeline *p, uint32_t offset, uint32_t morph) {
  p->state = LM_IDLE;
  if ((int64_t)offset - (int64_t)p->onset >= (int64_t)p->min_n && morph) {
    rls_output o = {0};
    o.duration = (int64_t)(p->qfound ? p->qoff : offset) - (int64_t)p->onset;
    o.kind = o.duration > (int64_t)p->long_n ? RLS_KIND_LONG : RLS_KIND_LM;
    o.start = p->onset;
    o.peak_mg = (uint32_t)(((uint64_t)p->peak * p->mg_q16) >> 16);
    p->emit(p->ctx, &o);
    p->min_lm++;
  }
}

void rls_lm_step(rls_pipeline *p, uint32_t j, uint32_t v, uint32_t qv) {
  uint32_t off = p->off_u;
  uint32_t v4 = v << RLS_FLOOR_FRAC;
  p->sbits = ((p->sbits << 1) | (v4 >= off ? 1u : 0u)) & ((1u << p->morph_n) - 1u);
  if (p->state == LM_IDLE && v4 > p->on_u) {
    p->state = LM_ACTIVE;
    p->onset = j;
    p->peak = p->quiet = p->morph = p->morph_q = p->qrun = p->qfound = 0;
  }
  if (p->state != LM_ACTIVE) return;
  if (v > p->peak) p->peak = v;
  if (!p->qfound) { /* the reported offset: the first quiet run from onset + min_n */
    p->qrun = (qv < RLS_Q_LOUD && (qv << RLS_FLOOR_FRAC) <= off) ? p->qrun + 1 : 0;
    if (p->qrun >= p->quiet_n && (uint64_t)j >= (uint64_t)p->onset + p->min_n + p->quiet_n - 1) {
      p->qfound = 1;
      uint32_t a = j - p->qrun + 1, b = p->onset + p->min_n;
      p->qoff = a > b ? a : b;
    }
  }
  if (v4 <= off) {
    if (p->quiet == 0) {
      p->qstart = j;
      p->morph_q = p->morph;
    }
    p->quiet++;
  } else {
    p->quiet = 0;
  }
  if (j - p->onset + 1 >= p->morph_n && popcount(p->sbits) >= p->morph_need) p->morph = 1;
  if (p->quiet >= p->quiet_n) rls_end_lm(p, p->qstart, p->morph_q);
}
