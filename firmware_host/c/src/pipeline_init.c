/* The pipeline's configuration and its integer constants (firmware_host/processing/config.py
 * and state.py: PipelineConfig, PipelineState.__init__). The constants come from the model's
 * double-precision formulas, evaluated once here in the same order: IEEE operations and
 * floor/ceil are exact on every target; Python's round() is half-to-even (py_round). */
#include <math.h>
#include <string.h>

#include "rlsfw/pipeline.h"

void rls_pipeline_default_config(rls_pipeline_config *c) {
  memset(c, 0, sizeof *c);
  c->onset_factor_x4 = 12;
  c->onset_min_mg = 8.0;
  c->floor_min_mg = 0.5;
  c->offset_shift = 2;
  c->quiet_s = 0.5;
  c->min_duration_s = 0.5;
  c->morphology_s = 0.5;
  c->envelope_s = 0.15;
  c->long_s = 10.0;
  c->walk_min_mg = 150.0;
  c->walk_min_epochs = 8;
  c->quiet_epoch_mg = 30.0;
  c->max_gap_epochs = 15;
  c->min_bout_epochs = 300;
  c->turnover_min_deg = 45.0;
}

static double py_round(double x) {
  double r = floor(x), d = x - r;
  if (d > 0.5 || (d == 0.5 && r - 2.0 * floor(r / 2.0) != 0.0)) r += 1.0; /* to even */
  return r;
}

static uint32_t samples_for(double duration_s, double fw, int odd) {
  double n = ceil(duration_s * fw - 1e-9);
  uint32_t k = n < 1.0 ? 1u : (uint32_t)n;
  if (odd && k % 2 == 0) k++;
  return k;
}

static uint32_t at_least_1(double v) { return v < 1.0 ? 1u : (uint32_t)v; }

static uint64_t isqrt_u64(uint64_t x) { return rls_isqrt_u128(0, x); }

int rls_pipeline_init(rls_pipeline *p, uint32_t fs_x2, double lsb_g, const rls_pipeline_config *cfg,
                      rls_output_fn emit, void *ctx) {
  if (cfg->onset_factor_x4 <= 4 || cfg->onset_factor_x4 > 64) return -1;
  if (cfg->offset_shift < 1 || cfg->offset_shift > 4) return -1;
  if (!(cfg->quiet_s > 0 && cfg->min_duration_s > 0 && cfg->morphology_s > 0 && cfg->long_s > 0 &&
        cfg->walk_min_mg > 0)) return -1;
  if (cfg->has_axis && !cfg->shank_axis_q14[0] && !cfg->shank_axis_q14[1] && !cfg->shank_axis_q14[2])
    return -1;
  double fs = fs_x2 / 2.0;
  if (!(fs >= 20.0 && fs <= 2000.0) || !(lsb_g > 0 && lsb_g < 0.1)) return -1;
  memset(p, 0, sizeof *p);
  p->cfg = *cfg;
  p->fs_x2 = fs_x2;
  uint32_t k = at_least_1(floor(fs / 20.0 + 1e-9));
  double fw = fs / k;
  if (!(fw >= 20.0 - 1e-9 && fw <= 32.0 + 1e-9)) return -1;
  /* the taps of fw = fs_x2 / (2 k), as a reduced fraction */
  uint32_t num = fs_x2, den = 2 * k, a = num, b = den;
  while (b) { uint32_t t = a % b; a = b; b = t; }
  p->taps = rls_bandpass_taps(num / a, den / a);
  if (!p->taps) return -1;
  p->k = k;
  uint32_t shift = 0;
  while ((k >> (shift + 1)) != 0) shift++;
  p->shift = shift;
  double mg_per_w = lsb_g * 1000.0 * (double)(1u << shift) / k;
  double fr = py_round(log2(mg_per_w / 0.25));
  p->frac = fr < 0 ? 0u : (fr > 4 ? 4u : (uint32_t)fr);
  p->d_shift = RLS_TAP_SHIFT - p->frac;
  double mpu = mg_per_w / (double)(1u << p->frac);
  p->block_n = (uint32_t)py_round(fw);
  if (p->block_n > RLS_MAX_BLOCK_N) return -1;
  p->quiet_n = samples_for(cfg->quiet_s, fw, 0);
  p->min_n = samples_for(cfg->min_duration_s + cfg->envelope_s, fw, 0);
  p->morph_n = samples_for(cfg->morphology_s, fw, 1);
  if (p->morph_n > 31) return -1; /* the morphology bit mask is a u32 */
  p->morph_need = p->morph_n / 2 + 1;
  p->long_n = (uint32_t)py_round(cfg->long_s * fw);
  p->onset_min_u = at_least_1(py_round(cfg->onset_min_mg / mpu));
  p->floor_min_u = at_least_1(py_round(cfg->floor_min_mg / mpu));
  p->walk_u = (uint32_t)py_round(cfg->walk_min_mg / mpu);
  p->quiet_ep_u = (uint32_t)py_round(cfg->quiet_epoch_mg / mpu);
  p->mg_q16 = (uint32_t)py_round(mpu * 65536);
  double c = cos(cfg->turnover_min_deg * (3.141592653589793 / 180.0));
  p->turn_num = (uint32_t)py_round(c * c * 1000);
  p->turn_den = 1000;
  p->delay_n = (RLS_FLOOR_BLOCKS / 2) * p->block_n;
  p->q_len = p->delay_n - (RLS_Q_LAG - RLS_ENV_LAG);
  memset(p->q_ring, RLS_Q_LOUD, sizeof p->q_ring);
  p->broken = 1;
  if (cfg->has_axis) {
    int64_t s = 0;
    for (int i = 0; i < 3; i++) s += (int64_t)cfg->shank_axis_q14[i] * cfg->shank_axis_q14[i];
    int64_t norm = (int64_t)isqrt_u64((uint64_t)s);
    for (int i = 0; i < 3; i++) {
      int64_t v = (int64_t)cfg->shank_axis_q14[i] * 16384;
      int64_t q = (v < 0 ? -v : v) / norm;
      p->axis[i] = (int32_t)(((v >= 0) == (norm > 0)) ? q : -q);
    }
    p->axis_known = 2; /* given: never relearned */
  }
  p->emit = emit;
  p->ctx = ctx;
  return 0;
}
