/* The band's on-device leg-movement pipeline (events mode), a transliteration of
 * firmware_host/processing (Pipeline.process_sample, _end_of_block, flush and the stages they
 * call). Integer arithmetic in the per-sample path; the integer constants are derived once, at
 * rls_pipeline_init, with the model's double-precision formulas (IEEE operations, bit for bit).
 * Fixed-size state (no allocation); outputs go to a callback in the order the model lists them.
 */
#ifndef RLSFW_PIPELINE_H
#define RLSFW_PIPELINE_H

#include <stdint.h>

#define RLS_GRAVITY_N 64
#define RLS_ENVELOPE_N 5
#define RLS_FLOOR_BLOCKS 60
#define RLS_FLOOR_FRAC 2
#define RLS_EPOCH_SHIFT 4
#define RLS_TAP_SHIFT 14
#define RLS_ENV_LAG (RLS_ENVELOPE_N / 2 + 1)
#define RLS_Q_LAG RLS_GRAVITY_N
#define RLS_Q_LOUD 255
#define RLS_MAX_BLOCK_N 32 /* working rates are 20-32 Hz */
#define RLS_MAX_DELAY_N (RLS_FLOOR_BLOCKS / 2 * RLS_MAX_BLOCK_N)

/* PipelineConfig (physical units) */
typedef struct {
  int32_t onset_factor_x4;
  double onset_min_mg, floor_min_mg;
  int32_t offset_shift;
  double quiet_s, min_duration_s, morphology_s, envelope_s, long_s, walk_min_mg;
  int32_t walk_min_epochs;
  double quiet_epoch_mg;
  int32_t max_gap_epochs, min_bout_epochs;
  double turnover_min_deg;
  int32_t has_axis;           /* shank_axis_q14 given */
  int32_t shank_axis_q14[3];
} rls_pipeline_config;

/* BandEvent (is_summary 0) or MinuteSummary (is_summary 1) */
typedef struct {
  uint8_t is_summary;
  uint8_t kind;       /* event: RLS_KIND_* */
  uint32_t start;     /* event: onset, working samples */
  int64_t duration;   /* event: working samples */
  uint32_t peak_mg;   /* event */
  uint32_t minute;    /* summary */
  uint32_t lm_count, mean_activity_mg, max_activity_mg, still_pct;
  uint8_t posture;
} rls_output;

typedef void (*rls_output_fn)(void *ctx, const rls_output *out);

typedef struct {
  rls_pipeline_config cfg;
  /* integer constants (the model's #defines) */
  uint32_t k, shift, frac, d_shift, block_n, quiet_n, min_n, morph_n, morph_need, long_n;
  uint32_t onset_min_u, floor_min_u, walk_u, quiet_ep_u, mg_q16, turn_num, turn_den;
  uint32_t delay_n, q_len, fs_x2;
  const int16_t *taps; /* Q14, taps[i] multiplies the sample i steps back (flash) */
  /* stages 1-3 */
  int32_t dec_acc[3];
  uint32_t dec_n;
  int32_t hist[RLS_GRAVITY_N][3];
  uint32_t hist_pos;
  uint16_t mag_ring[RLS_ENVELOPE_N];
  uint32_t mag_pos, mag_sum;
  uint32_t n_work, n_env;
  uint32_t blk_n, blk_env;
  int32_t blk_grav[3];
  uint16_t floor_ring[RLS_FLOOR_BLOCKS];
  uint32_t floor_pos, n_push;
  uint16_t env_ring[RLS_MAX_DELAY_N];
  uint32_t ring_pos;
  uint16_t fmag_ring[RLS_GRAVITY_N];
  uint16_t qraw_ring[RLS_ENVELOPE_N];
  uint32_t qraw_pos, qraw_sum;
  uint8_t q_ring[RLS_MAX_DELAY_N];
  uint32_t q_pos;
  uint32_t have_floor, floor_u, on_u, off_u;
  /* LM state machine */
  uint32_t state, onset, qstart, quiet, morph, morph_q, peak, sbits, qrun, qfound, qoff;
  /* posture */
  int32_t axis[3];
  uint32_t axis_known;
  int64_t axis_acc[3];
  uint32_t walk_run;
  int32_t walk_sum[3];
  uint32_t lie_bits, act_bits, in_bed, cand_start, cand_len, gap;
  int32_t prev_g[3];
  uint32_t prev_ok, st_len, st_start;
  int32_t st_dir[3], last_dir[3];
  uint32_t last_end, have_last, broken;
  int32_t ref[3];
  uint32_t have_ref, posture;
  /* minute summary */
  uint32_t min_blocks, min_act, min_max, min_still, min_lm, minute;
  /* output */
  rls_output_fn emit;
  void *ctx;
} rls_pipeline;

void rls_pipeline_default_config(rls_pipeline_config *cfg);
/* 0, or -1 for a rate / lsb the model refuses (fs 20..2000 Hz, working rate 20..32 Hz,
 * 0 < lsb_g < 0.1) or a bad config. fs_x2: the sample rate times 2 (Hz). */
int rls_pipeline_init(rls_pipeline *p, uint32_t fs_x2, double lsb_g, const rls_pipeline_config *cfg,
                      rls_output_fn emit, void *ctx);
/* One sample of int16 counts (the per-sample interrupt work). */
void rls_pipeline_sample(rls_pipeline *p, int16_t x, int16_t y, int16_t z);
/* End of the recording: the last events. */
void rls_pipeline_flush(rls_pipeline *p);
/* The band-pass taps for a working rate fw = num / den Hz (NULL when not tabulated). */
const int16_t *rls_bandpass_taps(uint32_t num, uint32_t den);

/* stages split over files (internal) */
void rls_floor_push(rls_pipeline *p, uint32_t mean4);
void rls_lm_step(rls_pipeline *p, uint32_t j, uint32_t v, uint32_t qv);
void rls_end_lm(rls_pipeline *p, uint32_t offset, uint32_t morph);
void rls_posture_epoch(rls_pipeline *p, int64_t e, const int32_t g[3], uint32_t act);
uint32_t rls_isqrt_u32(uint32_t x);
uint64_t rls_isqrt_u128(uint64_t hi, uint64_t lo);

#endif
