/* Stages 7-8: posture per 1-s epoch, the shank axis, lying bouts and turn-overs
 * (firmware_host/processing/posture.py). The model's Python integers are unbounded; here the
 * products that can pass 64 bits (the squared dot products of the angle tests, the axis norm)
 * are computed exactly in 128 bits (a pair of uint64, so that 32-bit targets need no __int128). */
#include "rlsfw/pipeline.h"
#include "rlsfw/protocol.h"

#define DIR_SHIFT 2
#define DEG10_NUM 970u /* cos^2(10 deg) = 0.9698 */
#define DEG10_DEN 1000u

typedef struct { uint64_t hi, lo; } u128;

static u128 mul_64(uint64_t a, uint64_t b) {
  uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
  u128 r;
  r.lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
  r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return r;
}

static u128 add_128(u128 a, u128 b) {
  u128 r;
  r.lo = a.lo + b.lo;
  r.hi = a.hi + b.hi + (r.lo < a.lo ? 1u : 0u);
  return r;
}

/* a * b for a product below 2**128 */
static u128 mul_128_32(u128 a, uint32_t b) {
  u128 lo = mul_64(a.lo, b);
  lo.hi += a.hi * b;
  return lo;
}

static int lt_128(u128 a, u128 b) { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo); }

static u128 shr_128(u128 a, unsigned s) { /* 0 < s < 64 */
  u128 r;
  r.lo = (a.lo >> s) | (a.hi << (64 - s));
  r.hi = a.hi >> s;
  return r;
}

static u128 sub_128(u128 a, u128 b) {
  u128 r;
  r.lo = a.lo - b.lo;
  r.hi = a.hi - b.hi - (a.lo < b.lo ? 1u : 0u);
  return r;
}

uint64_t rls_isqrt_u128(uint64_t hi, uint64_t lo) {
  u128 x = {hi, lo}, res = {0, 0}, bit = {1ull << 62, 0};
  while (lt_128(x, bit)) {
    bit = shr_128(bit, 2);
    if (bit.hi == 0 && bit.lo == 0) return 0;
  }
  while (bit.hi || bit.lo) {
    u128 t = add_128(res, bit);
    if (!lt_128(x, t)) {
      x = sub_128(x, t);
      res = add_128(shr_128(res, 1), bit);
    } else {
      res = shr_128(res, 1);
    }
    bit = shr_128(bit, 2);
  }
  return res.lo;
}

static uint64_t abs_64(int64_t v) { return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v; }

/* C division, toward zero */
static int64_t trunc_div(int64_t a, int64_t b) {
  uint64_t q = abs_64(a) / abs_64(b);
  return ((a >= 0) == (b > 0)) ? (int64_t)q : -(int64_t)q;
}

/* (v >> DIR_SHIFT) with the component along the shank axis removed; v already shifted when
 * pre_shifted (the model's _perp(v << DIR_SHIFT)) */
static void perp(const rls_pipeline *p, const int32_t v[3], int pre_shifted, int64_t out[3]) {
  int64_t x[3];
  for (int a = 0; a < 3; a++) x[a] = pre_shifted ? v[a] : (v[a] >> DIR_SHIFT);
  if (!p->axis_known) {
    for (int a = 0; a < 3; a++) out[a] = x[a];
    return;
  }
  int64_t c = (x[0] * p->axis[0] + x[1] * p->axis[1] + x[2] * p->axis[2]) >> 14;
  for (int a = 0; a < 3; a++) out[a] = x[a] - ((c * p->axis[a]) >> 14);
}

/* the angle between a and b exceeds acos(sqrt(num / den)) (<= 90 deg) */
static int angle_over(const int64_t a[3], const int64_t b[3], uint32_t num, uint32_t den) {
  int64_t dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  if (dot <= 0) return 1;
  uint64_t aa = (uint64_t)(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  uint64_t bb = (uint64_t)(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
  u128 lhs = mul_128_32(mul_64((uint64_t)dot, (uint64_t)dot), den);
  u128 rhs = mul_128_32(mul_64(aa, bb), num);
  return lt_128(lhs, rhs);
}

static void emit_event(rls_pipeline *p, uint8_t kind, int64_t start, int64_t duration) {
  rls_output o = {0};
  o.kind = kind;
  o.start = (uint32_t)start;
  o.duration = duration;
  p->emit(p->ctx, &o);
}

static void bout_epoch(rls_pipeline *p, int64_t e, uint32_t lying, uint32_t walking) {
  if (e < 0) return;
  int64_t b = p->block_n;
  const rls_pipeline_config *cfg = &p->cfg;
  if (p->in_bed) {
    if (lying) {
      p->gap = 0;
    } else {
      p->gap++;
      if ((int32_t)p->gap >= cfg->max_gap_epochs || walking) {
        emit_event(p, RLS_KIND_OUT_OF_BED, (e - (int64_t)p->gap + 1) * b, 0);
        p->in_bed = 0;
        p->broken = 1; /* no turn-over across a bed exit */
        p->cand_len = 0;
        p->gap = 0;
      }
    }
  } else if (lying) {
    if (p->cand_len > 0) {
      p->cand_len += p->gap + 1;
    } else {
      p->cand_start = (uint32_t)e;
      p->cand_len = 1;
    }
    p->gap = 0;
    if ((int32_t)p->cand_len >= cfg->min_bout_epochs) {
      emit_event(p, RLS_KIND_IN_BED, (int64_t)p->cand_start * b, 0);
      p->in_bed = 1;
      p->cand_len = 0;
    }
  } else if (p->cand_len > 0) {
    p->gap++;
    if ((int32_t)p->gap >= cfg->max_gap_epochs || walking) {
      p->cand_len = 0;
      p->gap = 0;
    }
  }
}

static uint32_t label(const rls_pipeline *p, uint32_t lying, const int64_t gp[3]) {
  if (!p->axis_known) return 0; /* unknown */
  if (!lying) return 5;         /* upright */
  if (!p->have_ref) return 0;
  const int32_t *r = p->ref, *a = p->axis;
  int64_t y[3] = { /* a x r, across the shank: the "left" direction of the band's convention */
    ((int64_t)a[1] * r[2] - (int64_t)a[2] * r[1]) >> 14,
    ((int64_t)a[2] * r[0] - (int64_t)a[0] * r[2]) >> 14,
    ((int64_t)a[0] * r[1] - (int64_t)a[1] * r[0]) >> 14,
  };
  int64_t c = gp[0] * r[0] + gp[1] * r[1] + gp[2] * r[2];
  int64_t s = gp[0] * y[0] + gp[1] * y[1] + gp[2] * y[2];
  if (abs_64(s) <= abs_64(c)) return c > 0 ? 1u : 2u; /* supine, prone */
  return s > 0 ? 3u : 4u;                             /* left, right */
}

static void set_axis_from(rls_pipeline *p, const int64_t v[3]) {
  u128 sum = {0, 0};
  for (int a = 0; a < 3; a++) sum = add_128(sum, mul_64(abs_64(v[a]), abs_64(v[a])));
  uint64_t norm = rls_isqrt_u128(sum.hi, sum.lo);
  if (!norm) return;
  for (int a = 0; a < 3; a++) p->axis[a] = (int32_t)trunc_div(v[a] * 16384, (int64_t)norm);
  if (p->axis_known != 2) p->axis_known = 1;
}

void rls_posture_epoch(rls_pipeline *p, int64_t e, const int32_t g[3], uint32_t act) {
  const rls_pipeline_config *cfg = &p->cfg;
  uint32_t walk_min = (uint32_t)cfg->walk_min_epochs;
  /* shank axis from walking bouts */
  if (act > p->walk_u) {
    p->walk_run++;
    if (p->walk_run < walk_min) {
      for (int a = 0; a < 3; a++) p->walk_sum[a] += g[a];
    } else if (p->walk_run == walk_min) {
      for (int a = 0; a < 3; a++) p->axis_acc[a] += (int64_t)p->walk_sum[a] + g[a];
    } else {
      for (int a = 0; a < 3; a++) p->axis_acc[a] += g[a];
    }
  } else {
    if (p->walk_run >= walk_min && p->axis_known != 2) set_axis_from(p, p->axis_acc);
    p->walk_run = 0;
    for (int a = 0; a < 3; a++) p->walk_sum[a] = 0;
  }
  /* lying (raw) and its 5-epoch majority, 2 epochs late */
  uint32_t lying = 0;
  if (p->axis_known) {
    int64_t gi[3];
    for (int a = 0; a < 3; a++) gi[a] = g[a] >> DIR_SHIFT;
    int64_t dot = (gi[0] * p->axis[0] + gi[1] * p->axis[1] + gi[2] * p->axis[2]) >> 14;
    int64_t gg = gi[0] * gi[0] + gi[1] * gi[1] + gi[2] * gi[2];
    lying = (2 * dot * dot < gg && p->walk_run < walk_min) ? 1u : 0u;
  }
  p->lie_bits = ((p->lie_bits << 1) | lying) & 0x1F;
  uint32_t walking = p->walk_run >= walk_min ? 1u : 0u;
  p->act_bits = ((p->act_bits << 1) | walking) & 0x1F;
  uint32_t ones = 0;
  for (uint32_t v = p->lie_bits; v; v &= v - 1) ones++;
  bout_epoch(p, e - 2, ones >= 3 ? 1u : 0u, (p->act_bits >> 2) & 1u);
  /* stable stretches and turn-overs */
  uint32_t ok = (lying && act < p->quiet_ep_u) ? 1u : 0u;
  int64_t gp[3], pp[3];
  perp(p, g, 0, gp);
  perp(p, p->prev_g, 0, pp);
  if (ok && p->prev_ok && !angle_over(gp, pp, DEG10_NUM, DEG10_DEN)) {
    if (p->st_len == 0) {
      p->st_start = (uint32_t)(e - 1);
      p->st_len = 1;
      for (int a = 0; a < 3; a++) p->st_dir[a] = p->prev_g[a] >> DIR_SHIFT;
    }
    p->st_len++;
    if (p->st_len <= 3) {
      for (int a = 0; a < 3; a++) p->st_dir[a] += g[a] >> DIR_SHIFT;
    }
    if (p->st_len == 3) {
      int64_t nw[3];
      perp(p, p->st_dir, 1, nw);
      if (p->have_last && !p->broken) {
        int64_t old[3];
        perp(p, p->last_dir, 1, old);
        if (angle_over(nw, old, p->turn_num, p->turn_den)) {
          int64_t b = p->block_n, start = (int64_t)p->last_end * b;
          emit_event(p, RLS_KIND_POSTURE, start, (int64_t)p->st_start * b - start);
        }
      }
      if (!p->have_ref && p->axis_known) {
        for (int a = 0; a < 3; a++) p->ref[a] = (int32_t)nw[a];
        p->have_ref = 1;
      }
    }
    if (p->st_len >= 3) {
      for (int a = 0; a < 3; a++) p->last_dir[a] = (p->prev_g[a] + g[a]) >> DIR_SHIFT;
      p->last_end = (uint32_t)(e + 1);
      p->have_last = 1;
      p->broken = 0;
    }
  } else {
    p->st_len = 0;
  }
  p->prev_ok = ok;
  for (int a = 0; a < 3; a++) p->prev_g[a] = g[a];
  p->posture = label(p, lying, gp);
}
