/* Stages 1-3 (decimation, band-pass, envelope, quiet envelope), the per-block work, the minute
 * summary and the end of a recording: firmware_host/processing/pipeline.py (process_sample,
 * _work, _env_sample, _end_of_block, flush). */
#include "rlsfw/pipeline.h"

#include "rlsfw/protocol.h"

#define MAG_MAX 50000u /* magnitudes clamped so that ((sum + 2) * DIV5) >> 18 == (sum + 2) / 5 */
#define DIV5 52429u    /* ceil(2**18 / 5) */
#define GMASK (RLS_GRAVITY_N - 1)

uint32_t rls_isqrt_u32(uint32_t x) {
  uint32_t res = 0, bit = 1u << 30;
  while (bit > x) bit >>= 2;
  while (bit) {
    if (x >= res + bit) {
      x -= res + bit;
      res = (res >> 1) + bit;
    } else {
      res >>= 1;
    }
    bit >>= 2;
  }
  return res;
}

/* One band-pass output per axis, rounded to frac fractional bits and clamped; its rounded
 * magnitude. order 0: taps[i] * w[newest - i] (causal); 1: taps[i] * w[oldest + i] (reversed). */
static uint32_t fir_magnitude(const rls_pipeline *p, uint32_t base, int reversed) {
  uint32_t d2 = 0;
  for (int a = 0; a < 3; a++) {
    /* |taps| sums to < 40 900 and |w| <= 51 198 (decimation sums of k samples >> floor(log2 k)):
     * the accumulator stays below 2**31 (tests/firmware_host/test_c_firmware.py checks it) */
    int32_t acc = 0;
    for (uint32_t i = 0; i < RLS_GRAVITY_N; i++) {
      uint32_t at = reversed ? (base + i) & GMASK : (base - i) & GMASK;
      acc += (int32_t)p->taps[i] * p->hist[at][a];
    }
    int32_t d = (acc + (1 << (p->d_shift - 1))) >> p->d_shift;
    d = d < -32767 ? -32767 : (d > 32767 ? 32767 : d);
    d2 += (uint32_t)(d * d);
  }
  uint32_t r = rls_isqrt_u32(d2);
  uint32_t m = r + (d2 - r * r > r ? 1u : 0u); /* rounded square root */
  return m < MAG_MAX ? m : MAG_MAX;
}

static void end_of_block(rls_pipeline *p) {
  int64_t block = (int64_t)(p->n_env / p->block_n) - 1;
  uint32_t mean4 = ((p->blk_env << RLS_FLOOR_FRAC) + p->block_n / 2) / p->block_n;
  uint32_t mean = mean4 >> RLS_FLOOR_FRAC;
  int32_t g[3];
  for (int a = 0; a < 3; a++) {
    g[a] = p->blk_grav[a] >> RLS_EPOCH_SHIFT;
    p->blk_grav[a] = 0;
  }
  p->blk_n = 0;
  p->blk_env = 0;
  rls_floor_push(p, mean4);
  rls_posture_epoch(p, block, g, mean);
  p->min_blocks++;
  p->min_act += mean;
  if (mean4 <= p->off_u) p->min_still++;
  if (p->min_blocks == 60) {
    rls_output o = {0};
    o.is_summary = 1;
    o.minute = p->minute;
    o.lm_count = p->min_lm;
    o.mean_activity_mg = (uint32_t)(((uint64_t)(p->min_act / 60) * p->mg_q16) >> 16);
    o.max_activity_mg = (uint32_t)(((uint64_t)p->min_max * p->mg_q16) >> 16);
    o.posture = (uint8_t)p->posture;
    o.still_pct = (p->min_still * 100) / 60;
    p->emit(p->ctx, &o);
    p->minute++;
    p->min_blocks = p->min_act = p->min_max = p->min_still = p->min_lm = 0;
  }
}

static void env_sample(rls_pipeline *p, uint32_t j, uint32_t v, const int32_t *g_at, uint32_t qd) {
  p->n_env = j + 1;
  p->blk_env += v;
  for (int a = 0; a < 3; a++) p->blk_grav[a] += g_at[a];
  if (v > p->min_max) p->min_max = v;
  uint32_t rp = p->ring_pos;
  if (j >= p->delay_n) rls_lm_step(p, j - p->delay_n, p->env_ring[rp], qd);
  p->env_ring[rp] = (uint16_t)v;
  p->ring_pos = rp + 1 == p->delay_n ? 0 : rp + 1;
  if (++p->blk_n == p->block_n) end_of_block(p);
}

static void work(rls_pipeline *p, const int32_t w[3]) {
  if (p->n_work == 0) {
    for (int i = 0; i < RLS_GRAVITY_N; i++)
      for (int a = 0; a < 3; a++) p->hist[i][a] = w[a];
  }
  uint32_t pos = p->hist_pos;
  for (int a = 0; a < 3; a++) p->hist[pos][a] = w[a];
  pos = (pos + 1) & GMASK;
  p->hist_pos = pos;
  uint32_t m = fir_magnitude(p, pos - 1, 0);
  uint32_t mp = p->mag_pos;
  p->mag_sum = p->mag_sum + m - p->mag_ring[mp];
  p->mag_ring[mp] = (uint16_t)m;
  p->mag_pos = mp + 1 == RLS_ENVELOPE_N ? 0 : mp + 1;
  uint32_t env = (uint32_t)(((uint64_t)(p->mag_sum + 2) * DIV5) >> 18); /* round(sum / 5) */
  uint32_t n = p->n_work;
  p->fmag_ring[n & GMASK] = (uint16_t)m;
  uint32_t qd = RLS_Q_LOUD; /* q[n - 3 - delay_n], for the LM rules */
  if (n >= RLS_GRAVITY_N - 1) {
    /* reversed FIR at t = n - 63 over w[t .. n], oldest first (pos is the oldest) */
    uint32_t bm = fir_magnitude(p, pos, 1);
    uint32_t fm = p->fmag_ring[(n - (RLS_GRAVITY_N - 3)) & GMASK]; /* forward at n - 61 */
    uint32_t qraw = bm < fm ? bm : fm;
    uint32_t qp = p->qraw_pos;
    p->qraw_sum = p->qraw_sum + qraw - p->qraw_ring[qp];
    p->qraw_ring[qp] = (uint16_t)qraw;
    p->qraw_pos = qp + 1 == RLS_ENVELOPE_N ? 0 : qp + 1;
    if (n >= RLS_Q_LAG) {
      uint32_t jq = n - RLS_Q_LAG;
      uint32_t q = (uint32_t)(((uint64_t)(p->qraw_sum + 2) * DIV5) >> 18);
      if (jq < RLS_ENVELOPE_N / 2 + 1 || q > RLS_Q_LOUD) q = RLS_Q_LOUD;
      uint32_t qpos = p->q_pos;
      qd = p->q_ring[qpos];
      p->q_ring[qpos] = (uint8_t)q;
      p->q_pos = qpos + 1 == p->q_len ? 0 : qpos + 1;
    }
  }
  p->n_work++;
  if (n >= RLS_ENV_LAG) {
    env_sample(p, n - RLS_ENV_LAG, env, p->hist[(pos - 1 - RLS_ENV_LAG) & GMASK], qd);
  }
}

void rls_pipeline_sample(rls_pipeline *p, int16_t x, int16_t y, int16_t z) {
  p->dec_acc[0] += x;
  p->dec_acc[1] += y;
  p->dec_acc[2] += z;
  if (++p->dec_n == p->k) {
    int32_t w[3];
    for (int a = 0; a < 3; a++) {
      w[a] = p->dec_acc[a] >> p->shift; /* arithmetic shift (floor), as the model */
      p->dec_acc[a] = 0;
    }
    p->dec_n = 0;
    work(p, w);
  }
}

static uint32_t mod_u(int64_t a, uint32_t m) {
  int64_t r = a % (int64_t)m;
  return (uint32_t)(r < 0 ? r + m : r);
}

void rls_pipeline_flush(rls_pipeline *p) {
  uint32_t m = p->n_env;
  uint32_t dn = p->delay_n, b = p->block_n;
  if (m > 0) {
    uint32_t last_v = p->env_ring[mod_u((int64_t)p->ring_pos - 1, dn)];
    uint32_t pad;
    if (p->blk_n) { /* the partial last block, padded with the last value (as the host) */
      uint32_t total = p->blk_env + (b - p->blk_n) * last_v;
      pad = ((total << RLS_FLOOR_FRAC) + b / 2) / b;
    } else {
      pad = p->floor_ring[mod_u((int64_t)p->floor_pos - 1, RLS_FLOOR_BLOCKS)];
    }
    int64_t nq = (int64_t)p->n_work - RLS_Q_LAG;
    if (nq < 0) nq = 0;
    int64_t ql = p->q_len;
    uint32_t jd0 = m > dn ? m - dn : 0;
    for (uint32_t jd = jd0; jd < m; jd++) {
      while ((int64_t)p->n_push - RLS_FLOOR_BLOCKS < (int64_t)(jd / b)) rls_floor_push(p, pad);
      int64_t back = (int64_t)jd - (nq - ql);
      uint32_t qv = (back >= 0 && back < ql) ? p->q_ring[mod_u(p->q_pos + back, (uint32_t)ql)]
                                             : RLS_Q_LOUD;
      /* env[jd] is at ring position ring_pos + jd - (m - dn) */
      uint32_t v = p->env_ring[mod_u((int64_t)p->ring_pos + jd + dn - m, dn)];
      rls_lm_step(p, jd, v, qv);
    }
  }
  if (p->state == 1) rls_end_lm(p, m, p->morph);
  if (p->in_bed) {
    int64_t last = (int64_t)(p->n_env / p->block_n) - 2;
    int64_t at = last - (int64_t)p->gap;
    rls_output o = {0};
    o.kind = RLS_KIND_OUT_OF_BED;
    o.start = (uint32_t)((at > 0 ? at : 0) * (int64_t)b);
    p->emit(p->ctx, &o);
    p->in_bed = 0;
  }
}
