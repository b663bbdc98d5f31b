/* The band's wire protocol: see include/rlsfw/protocol.h and firmware_host/protocol. */
#include "rlsfw/protocol.h"

/* ---------------------------------------------------------------- CRC-16/CCITT-FALSE, COBS */

uint16_t rls_crc16(const uint8_t *data, size_t n, uint16_t crc) {
  for (size_t i = 0; i < n; i++) {
    crc ^= (uint16_t)((uint16_t)data[i] << 8);
    for (int b = 0; b < 8; b++) {
      crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
  }
  return crc;
}

size_t rls_cobs_encode(const uint8_t *data, size_t n, uint8_t *out) {
  size_t len = 1, code_at = 0;
  uint8_t code = 1;
  for (size_t i = 0; i < n; i++) {
    if (data[i] == 0) {
      out[code_at] = code;
      code_at = len++;
      code = 1;
      continue;
    }
    out[len++] = data[i];
    if (++code == 0xFF) {
      out[code_at] = code;
      code_at = len++;
      code = 1;
    }
  }
  out[code_at] = code;
  return len;
}

int32_t rls_cobs_decode(const uint8_t *block, size_t n, uint8_t *out) {
  size_t i = 0, len = 0;
  while (i < n) {
    uint8_t code = block[i];
    if (code == 0 || i + code > n) return -1;
    for (size_t k = i + 1; k < i + code; k++) {
      if (block[k] == 0) return -1;
      out[len++] = block[k];
    }
    i += code;
    if (code != 0xFF && i < n) out[len++] = 0;
  }
  return (int32_t)len;
}

void rls_cobs_stream_init(rls_cobs_stream *s, uint32_t max_block) {
  s->len = 0;
  s->max_block = max_block < RLS_COBS_MAX_BLOCK ? max_block : RLS_COBS_MAX_BLOCK;
  s->overflow = 0;
  s->errors = s->dropped_bytes = s->frames = 0;
}

void rls_cobs_stream_feed(rls_cobs_stream *s, const uint8_t *data, size_t n, rls_bytes_fn fn,
                          void *ctx) {
  uint8_t out[RLS_COBS_MAX_BLOCK];
  for (size_t i = 0; i < n; i++) {
    uint8_t b = data[i];
    if (b != 0) {
      if (s->overflow) {
        s->dropped_bytes++;
      } else if (s->len == s->max_block) { /* one byte too many: drop the block as it grows */
        s->errors++;
        s->dropped_bytes += s->len + 1;
        s->len = 0;
        s->overflow = 1;
      } else {
        s->buf[s->len++] = b;
      }
      continue;
    }
    if (s->overflow) {
      s->overflow = 0;
    } else if (s->len) {
      int32_t m = rls_cobs_decode(s->buf, s->len, out);
      if (m < 0) {
        s->errors++;
        s->dropped_bytes += s->len;
      } else {
        s->frames++;
        fn(ctx, out, (size_t)m);
      }
      s->len = 0;
    }
  }
}

/* ---------------------------------------------------------------- sample format */

uint32_t rls_format_rate_x2(uint8_t code) {
  /* 12.5 25 50 100 200 400 800 1600 10 20 30 32 64 128 256 500 Hz, times 2 */
  static const uint16_t rates[16] = {25, 50, 100, 200, 400, 800, 1600, 3200,
                                     20, 40, 60, 64, 128, 256, 512, 1000};
  return rates[code & 0x0F];
}
uint32_t rls_format_range_g(uint8_t code) { return 2u << ((code >> 4) & 0x03); }
uint32_t rls_format_bits(uint8_t code) { return 10u + 2u * (uint32_t)(code >> 6); }

/* ---------------------------------------------------------------- frames */

static size_t seal(uint8_t *out, size_t n) {
  rls_put_u16(out + n, rls_crc16(out, n, 0xFFFF));
  return n + RLS_CRC_LEN;
}

static void header(uint8_t *out, uint8_t type, uint8_t flags, uint32_t seq) {
  out[0] = (uint8_t)(RLS_PROTOCOL_VERSION << 4 | type);
  out[1] = flags;
  rls_put_u32(out + 2, seq);
}

static uint32_t clamp_u(uint32_t v, uint32_t hi) { return v > hi ? hi : v; }
static int32_t clamp_i(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

size_t rls_delta_encode(const int16_t *xyz, uint32_t count, uint8_t *out) {
  uint32_t m = 3u * (count - 1u);
  uint32_t maxmag = 0;
  for (uint32_t i = 0; i < m; i++) {
    /* differences wrap modulo 2**16 to int16 */
    int32_t d = (int16_t)(uint16_t)((uint16_t)xyz[i + 3] - (uint16_t)xyz[i]);
    uint32_t mag = (uint32_t)(d >= 0 ? d : ~d);
    if (mag > maxmag) maxmag = mag;
  }
  uint32_t width = 1;
  while (maxmag) { width++; maxmag >>= 1; }
  for (int a = 0; a < 3; a++) rls_put_u16(out + 2 * a, (uint16_t)xyz[a]);
  out[6] = (uint8_t)width;
  size_t nbytes = (m * width + 7u) / 8u;
  for (size_t b = 0; b < nbytes; b++) out[7 + b] = 0;
  uint32_t bit = 0;
  for (uint32_t i = 0; i < m; i++) {
    uint32_t d = (uint16_t)((uint16_t)xyz[i + 3] - (uint16_t)xyz[i]);
    for (uint32_t k = 0; k < width; k++, bit++) {
      if ((d >> k) & 1u) out[7 + bit / 8] |= (uint8_t)(1u << (bit % 8));
    }
  }
  return 7 + nbytes;
}

size_t rls_encode_data(uint8_t *out, uint32_t seq, uint32_t tick, uint8_t format,
                       const int16_t *xyz, uint32_t count, uint8_t flags, int delta) {
  flags &= (uint8_t)~RLS_FLAG_DELTA;
  uint8_t *payload = out + 12;
  size_t raw_len = (size_t)count * RLS_SAMPLE_BYTES;
  size_t len = raw_len;
  int packed = 0;
  if (delta && count > 1) {
    /* the delta payload is at most 6 n + 1 bytes: it fits the 512-byte buffer for n <= 83 */
    size_t n = rls_delta_encode(xyz, count, payload);
    if (n < raw_len) {
      len = n;
      packed = 1;
      flags |= RLS_FLAG_DELTA;
    }
  }
  if (!packed) {
    for (uint32_t i = 0; i < 3u * count; i++) rls_put_u16(payload + 2 * i, (uint16_t)xyz[i]);
  }
  header(out, RLS_DATA, flags, seq);
  rls_put_u32(out + 6, tick);
  out[10] = format;
  out[11] = (uint8_t)count;
  return seal(out, 12 + len);
}

size_t rls_encode_status(uint8_t *out, uint32_t next_seq, uint32_t tick, int32_t battery_pct,
                         uint8_t state, int32_t fill_permille, int32_t temp_centi_c, uint8_t flags) {
  header(out, RLS_STATUS, flags, next_seq);
  rls_put_u32(out + 6, tick);
  out[10] = (uint8_t)clamp_i(battery_pct, 0, 100);
  out[11] = state;
  rls_put_u16(out + 12, (uint32_t)clamp_i(fill_permille, 0, 1000));
  rls_put_u16(out + 14, (uint16_t)(int16_t)clamp_i(temp_centi_c, -32768, 32767));
  return seal(out, 16);
}

size_t rls_encode_response(uint8_t *out, uint32_t next_seq, uint8_t opcode, uint16_t cmd_id,
                           uint8_t result, const uint8_t *data, size_t n, uint8_t flags) {
  if (RLS_RESPONSE_OVERHEAD + n > RLS_MAX_FRAME_LEN) return 0;
  header(out, RLS_RESPONSE, flags, next_seq);
  out[6] = opcode;
  rls_put_u16(out + 7, cmd_id);
  out[9] = result;
  for (size_t i = 0; i < n; i++) out[10 + i] = data[i];
  return seal(out, 10 + n);
}

size_t rls_encode_event(uint8_t *out, uint32_t seq, uint32_t onset_tick, uint32_t duration_ms,
                        uint32_t peak_mg, uint8_t kind, uint8_t confidence, uint8_t flags) {
  header(out, RLS_EVENT, flags, seq);
  rls_put_u32(out + 6, onset_tick);
  rls_put_u16(out + 10, clamp_u(duration_ms, 0xFFFF));
  rls_put_u16(out + 12, clamp_u(peak_mg, 0xFFFF));
  out[14] = kind;
  out[15] = confidence;
  return seal(out, 16);
}

size_t rls_encode_summary(uint8_t *out, uint32_t seq, uint32_t start_tick, uint32_t lm_count,
                          uint32_t plm_count, uint32_t mean_mg, uint32_t max_mg, uint8_t posture,
                          uint32_t still_pct, uint8_t flags) {
  header(out, RLS_SUMMARY, flags, seq);
  rls_put_u32(out + 6, start_tick);
  out[10] = (uint8_t)clamp_u(lm_count, 255);
  out[11] = (uint8_t)clamp_u(plm_count, 255);
  rls_put_u16(out + 12, clamp_u(mean_mg, 0xFFFF));
  rls_put_u16(out + 14, clamp_u(max_mg, 0xFFFF));
  out[16] = posture;
  out[17] = (uint8_t)clamp_u(still_pct, 100);
  return seal(out, 18);
}

size_t rls_encode_end(uint8_t *out, uint32_t next_seq, uint8_t reason, uint16_t cmd_id,
                      uint32_t first_seq, uint32_t stop_seq, uint8_t flags) {
  header(out, RLS_END, flags, next_seq);
  out[6] = reason;
  rls_put_u16(out + 7, cmd_id);
  rls_put_u32(out + 9, first_seq);
  rls_put_u32(out + 13, stop_seq);
  return seal(out, 17);
}

uint32_t rls_split_response(uint32_t next_seq, uint8_t opcode, uint16_t cmd_id, uint8_t result,
                            const uint8_t *data, size_t n, uint32_t max_frame_len, rls_bytes_fn fn,
                            void *ctx) {
  uint8_t frame[RLS_MAX_FRAME_LEN];
  size_t room = max_frame_len > RLS_RESPONSE_OVERHEAD + 1 ? max_frame_len - RLS_RESPONSE_OVERHEAD : 1;
  if (room > RLS_MAX_FRAME_LEN - RLS_RESPONSE_OVERHEAD) room = RLS_MAX_FRAME_LEN - RLS_RESPONSE_OVERHEAD;
  uint32_t parts = 0;
  size_t at = 0;
  do {
    size_t take = n - at < room ? n - at : room;
    uint8_t flags = at + take < n ? RLS_FLAG_MORE : 0;
    fn(ctx, frame, rls_encode_response(frame, next_seq, opcode, cmd_id, result, data + at, take, flags));
    at += take;
    parts++;
  } while (at < n);
  return parts;
}

uint32_t rls_max_samples_per_frame(uint32_t att_mtu) {
  uint32_t len = RLS_MAX_FRAME_LEN;
  if (att_mtu != 0) {
    if (att_mtu < RLS_MIN_ATT_MTU) return 0;
    if (att_mtu - 3u < len) len = att_mtu - 3u;
  }
  return (len - RLS_DATA_OVERHEAD) / RLS_SAMPLE_BYTES;
}

/* ---------------------------------------------------------------- commands */

static int args_len(uint8_t op) {
  static const int8_t lens[10] = {-1, 4, 0, 2, 8, 0, 8, 0, 1, 4};
  return op < 10 ? lens[op] : -1;
}

rls_cmd_status rls_decode_command(const uint8_t *data, size_t n, rls_command *cmd) {
  cmd->opcode = n > 1 ? data[1] : 0;
  cmd->cmd_id = n >= 4 ? (uint16_t)rls_get_u16(data + 2) : 0;
  cmd->n_args = 0;
  if (n < RLS_COMMAND_MIN_LEN || n > RLS_MAX_FRAME_LEN) return RLS_CMD_BAD_LENGTH;
  if (rls_get_u16(data + n - 2) != rls_crc16(data, n - 2, 0xFFFF)) return RLS_CMD_BAD_CRC;
  if ((data[0] >> 4) != RLS_PROTOCOL_VERSION) return RLS_CMD_BAD_VERSION;
  if ((data[0] & 0x0F) != RLS_COMMAND) return RLS_CMD_UNKNOWN_TYPE;
  int want = args_len(cmd->opcode);
  if (want < 0) return RLS_CMD_UNKNOWN_OPCODE;
  if (n != (size_t)(RLS_COMMAND_MIN_LEN + (size_t)want)) return RLS_CMD_BAD_LENGTH;
  for (int i = 0; i < want; i++) cmd->args[i] = data[4 + i];
  cmd->n_args = (uint8_t)want;
  return RLS_CMD_OK;
}

size_t rls_encode_command(uint8_t *out, uint8_t opcode, uint16_t cmd_id, const uint8_t *args,
                          size_t n_args) {
  out[0] = (uint8_t)(RLS_PROTOCOL_VERSION << 4 | RLS_COMMAND);
  out[1] = opcode;
  rls_put_u16(out + 2, cmd_id);
  for (size_t i = 0; i < n_args; i++) out[4 + i] = args[i];
  return seal(out, 4 + n_args);
}

/* ---------------------------------------------------------------- INFO record */

static size_t put_ascii(uint8_t *out, size_t room, const char *text) {
  size_t n = 0;
  while (text[n]) {
    unsigned char c = (unsigned char)text[n];
    if (c < 0x20 || c > 0x7E || n >= 32) return 0;
    n++;
  }
  if (n == 0 || n + 1 > room) return 0;
  out[0] = (uint8_t)n;
  for (size_t i = 0; i < n; i++) out[1 + i] = (uint8_t)text[i];
  return n + 1;
}

size_t rls_encode_info(const rls_info *info, uint8_t *out, size_t room) {
  if (room < 11) return 0;
  out[0] = 1; /* record version */
  out[1] = RLS_PROTOCOL_VERSION;
  out[2] = info->format;
  rls_put_u16(out + 3, info->tick_hz);
  out[5] = info->frame_samples;
  rls_put_u32(out + 6, info->ring_capacity_samples);
  out[10] = info->mode;
  size_t len = 11;
  const char *texts[4] = {info->device_id, info->model, info->serial, info->firmware};
  for (int i = 0; i < 4; i++) {
    size_t k = put_ascii(out + len, room - len, texts[i]);
    if (k == 0) return 0;
    len += k;
  }
  return len;
}
