/* Unit tests of the band's C firmware, the same source on the host (gcc, sanitizers) and on
 * the Cortex-M4F under QEMU (semihosting printf; main's return is QEMU's exit status). The
 * golden vectors (golden.h) are the Python model's output for a simulated night. */
#include <stdio.h>
#include <string.h>

#include "golden.h"
#include "rlsfw/board.h"
#include "rlsfw/event_mode.h"
#include "rlsfw/protocol.h"
#include "rlsfw/ring.h"
#include "test_board.h"

static int failures, checks;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    checks++;                                              \
    if (!(cond)) {                                         \
      failures++;                                          \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);          \
      printf(__VA_ARGS__);                                 \
      printf("\n");                                        \
    }                                                      \
  } while (0)

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static void test_crc_cobs(void) {
  CHECK(rls_crc16((const uint8_t *)"123456789", 9, 0xFFFF) == 0x29B1, "crc check value");
  static uint8_t enc[RLS_COBS_MAX_LEN(sizeof GOLDEN_COBS_IN)], dec[sizeof GOLDEN_COBS_IN];
  size_t n = rls_cobs_encode(GOLDEN_COBS_IN, sizeof GOLDEN_COBS_IN, enc);
  CHECK(n == sizeof GOLDEN_COBS_OUT && !memcmp(enc, GOLDEN_COBS_OUT, n), "cobs golden");
  int32_t m = rls_cobs_decode(enc, n, dec);
  CHECK(m == (int32_t)sizeof GOLDEN_COBS_IN && !memcmp(dec, GOLDEN_COBS_IN, sizeof dec),
        "cobs round trip");
  const uint8_t bad[] = {0x03, 0x11, 0x00, 0x22};
  CHECK(rls_cobs_decode(bad, sizeof bad, dec) == -1, "cobs zero inside");
  const uint8_t past[] = {0x05, 0x11};
  CHECK(rls_cobs_decode(past, sizeof past, dec) == -1, "cobs code past the end");
}

static void write_link(void *ctx, const uint8_t *data, size_t n) {
  (void)ctx;
  board_link_write(data, n);
}

static uint32_t stream_frames;
static void count_frame(void *ctx, const uint8_t *data, size_t n) {
  (void)ctx;
  if (n == 5 && data[0] == 0x11 && data[1] == 0 && data[4] == 0x44) stream_frames++;
}

static void test_cobs_stream_and_split(void) {
  /* three copies of a frame, garbage between them, fed one odd-sized chunk at a time */
  const uint8_t frame[5] = {0x11, 0x00, 0x22, 0x33, 0x44};
  uint8_t line[64];
  size_t n = 0;
  for (int copy = 0; copy < 3; copy++) {
    n += rls_cobs_encode(frame, sizeof frame, line + n);
    line[n++] = 0;
    line[n++] = 0x05; /* a code running past its block */
    line[n++] = 0x00;
  }
  static rls_cobs_stream s;
  rls_cobs_stream_init(&s, 520);
  for (size_t at = 0, step = 1; at < n; at += step, step = step % 4 + 1) {
    rls_cobs_stream_feed(&s, line + at, at + step <= n ? step : n - at, count_frame, 0);
  }
  CHECK(stream_frames == 3 && s.frames == 3 && s.errors == 3 && s.dropped_bytes == 3,
        "cobs stream: %u frames, %u errors", (unsigned)s.frames, (unsigned)s.errors);
  uint8_t data[600];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)i;
  test_link_len = 0;
  CHECK(rls_split_response(3, RLS_OP_GET_INFO, 9, RLS_OK, data, sizeof data, 244, write_link, 0) == 3,
        "600 bytes in 3 parts of 232");
  CHECK(test_link_len == 3 * RLS_RESPONSE_OVERHEAD + sizeof data, "parts' length");
  CHECK(test_link[1] == RLS_FLAG_MORE, "first part has MORE");
}

static void test_data_frames(void) {
  static rls_ring ring;
  static const struct { uint32_t per_frame; int delta; } runs[2] = {{38, 0}, {7, 1}};
  size_t pos = 0;
  uint32_t frame_no = 0;
  for (int r = 0; r < 2; r++) {
    CHECK(rls_ring_init(&ring, 4000, GOLDEN_FORMAT, runs[r].per_frame, 0) == 0, "ring init");
    /* recorded in uneven chunks, as a sensor FIFO delivers them */
    uint32_t done = 0, chunk = 1;
    while (done < 40 * runs[r].per_frame) {
      rls_ring_append(&ring, GOLDEN_SAMPLES + 3 * done, chunk);
      done += chunk;
      chunk = chunk % 13 + 1;
    }
    for (uint32_t seq = 0; seq < 40; seq++, frame_no++) {
      uint8_t frame[RLS_MAX_FRAME_LEN];
      size_t n = rls_ring_data_frame(&ring, seq, 0, runs[r].delta, frame);
      size_t want = rls_get_u16(GOLDEN_DATA_FRAMES + pos);
      CHECK(n == want && !memcmp(frame, GOLDEN_DATA_FRAMES + pos + 2, want),
            "DATA frame %u (%u per frame, delta %d) differs from the model", (unsigned)seq,
            (unsigned)runs[r].per_frame, runs[r].delta);
      pos += 2 + want;
    }
  }
  CHECK(frame_no == GOLDEN_N_DATA_FRAMES && pos == sizeof GOLDEN_DATA_FRAMES, "all DATA frames");
}

static void test_ring_wrap(void) {
  static rls_ring ring;
  CHECK(rls_ring_init(&ring, 1000, GOLDEN_FORMAT, 38, 5) == 0, "ring init");
  CHECK(rls_ring_init(&ring, board_flash_bytes(), GOLDEN_FORMAT, 38, 5) != 0, "too large");
  rls_ring_init(&ring, 1000, GOLDEN_FORMAT, 38, 5);
  rls_ring_append(&ring, GOLDEN_SAMPLES, 2500);
  CHECK(rls_ring_oldest_recorded(&ring) == 1500, "oldest sample after wrap");
  CHECK(rls_ring_oldest_seq(&ring) == 40 && rls_ring_next_seq(&ring) == 65, "seqs after wrap");
  CHECK(rls_ring_fill_permille(&ring) == 1000, "fill");
  int16_t back[3 * 100];
  CHECK(rls_ring_read(&ring, 2400, 2500, back) == 0 &&
        !memcmp(back, GOLDEN_SAMPLES + 3 * 2400, sizeof back), "read back after wrap");
  CHECK(rls_ring_read(&ring, 1499, 1500, back) != 0, "overwritten samples are gone");
  uint8_t frame[RLS_MAX_FRAME_LEN];
  CHECK(rls_ring_data_frame(&ring, 39, 0, 0, frame) == 0, "frame 39 partly overwritten");
  CHECK(rls_ring_data_frame(&ring, 65, 0, 0, frame) == 0, "frame 65 not complete");
  rls_ring_stop(&ring);
  CHECK(rls_ring_next_seq(&ring) == 66, "the partial frame counts after the end");
  size_t n = rls_ring_data_frame(&ring, 65, RLS_FLAG_RESENT, 0, frame);
  CHECK(n == RLS_DATA_OVERHEAD + 30 * 6 && frame[11] == 30 && frame[1] == RLS_FLAG_RESENT,
        "partial last frame");
  CHECK(rls_get_u32(frame + 6) == 5u + (65u * 38u * 2048u) / GOLDEN_FS_X2, "tick of frame 65");
}

static uint32_t n_frames;
static size_t golden_pos;
static int frames_equal = 1;

static void compare_frame(void *ctx, const uint8_t *frame, size_t n) {
  (void)ctx;
  size_t want = golden_pos + 2 <= sizeof GOLDEN_EVENT_FRAMES ? rls_get_u16(GOLDEN_EVENT_FRAMES + golden_pos) : 0;
  if (n != want || memcmp(frame, GOLDEN_EVENT_FRAMES + golden_pos + 2, n) != 0) {
    if (frames_equal) printf("first differing events-mode frame: %u\n", (unsigned)n_frames);
    frames_equal = 0;
  }
  golden_pos += 2 + want;
  n_frames++;
}

static void test_event_mode(void) {
  static rls_event_mode em;
  rls_pipeline_config cfg;
  rls_pipeline_default_config(&cfg);
  CHECK(rls_event_mode_init(&em, GOLDEN_FS_X2, GOLDEN_LSB_G, &cfg, GOLDEN_START_TICK, 0,
                            compare_frame, 0) == 0, "events mode init");
  for (uint32_t i = 0; i < GOLDEN_N_SAMPLES; i++) {
    rls_event_mode_sample(&em, GOLDEN_SAMPLES[3 * i], GOLDEN_SAMPLES[3 * i + 1],
                          GOLDEN_SAMPLES[3 * i + 2]);
  }
  rls_event_mode_finish(&em);
  CHECK(frames_equal && n_frames == GOLDEN_N_EVENT_FRAMES, "events-mode frames: %u of %u, %s",
        (unsigned)n_frames, GOLDEN_N_EVENT_FRAMES, frames_equal ? "equal" : "DIFFERENT");
  printf("events mode: %u samples, %u EVENT/SUMMARY frames equal to the model's\n",
         GOLDEN_N_SAMPLES, (unsigned)n_frames);
  rls_pipeline p;
  CHECK(rls_pipeline_init(&p, 25, 0.001, &cfg, 0, 0) != 0, "12.5 Hz refused");
  CHECK(rls_pipeline_init(&p, 100, 0.2, &cfg, 0, 0) != 0, "lsb 0.2 g refused");
}

static uint32_t hash;
static void hash_frame(void *ctx, const uint8_t *frame, size_t n) {
  (void)ctx;
  hash = fnv1a(hash, frame, n);
  n_frames++;
}

/* Full-scale inputs at every supported working rate: the largest sums and products the
 * pipeline makes (the sanitizers on the host, the same hash on both builds). */
static void test_extremes(void) {
  static rls_event_mode em;
  static const uint32_t rates_x2[] = {50, 100, 200, 1000, 128, 60, 64};
  rls_pipeline_config cfg;
  rls_pipeline_default_config(&cfg);
  hash = 2166136261u;
  n_frames = 0;
  for (unsigned r = 0; r < sizeof rates_x2 / sizeof rates_x2[0]; r++) {
    for (int lsb_exp = 5; lsb_exp <= 15; lsb_exp += 5) {
      double lsb = 1.0;
      for (int i = 0; i < lsb_exp; i++) lsb /= 2;
      CHECK(rls_event_mode_init(&em, rates_x2[r], lsb, &cfg, 7, 0, hash_frame, 0) == 0, "init");
      uint32_t lcg = 12345;
      uint32_t n = rates_x2[r] / 2 * 200;
      for (uint32_t i = 0; i < n; i++) {
        lcg = lcg * 1103515245u + 12345u;
        uint32_t phase = (i / (rates_x2[r] / 2)) % 16; /* 1 s pieces of different kinds */
        int16_t x, y, z;
        if (phase < 4) { /* full-scale square wave */
          x = (i & 1) ? 32767 : -32768; y = (i & 2) ? -32768 : 32767; z = x;
        } else if (phase < 8) { /* saturated still */
          x = 32767; y = 32767; z = -32768;
        } else { /* random full scale */
          x = (int16_t)(lcg >> 16); y = (int16_t)(lcg >> 8); z = (int16_t)lcg;
        }
        rls_event_mode_sample(&em, x, y, z);
      }
      rls_event_mode_finish(&em);
    }
  }
  printf("extremes: %u frames, hash %08x\n", (unsigned)n_frames, (unsigned)hash);
}

static void test_commands(void) {
  uint8_t buf[32];
  const uint8_t args[4] = {0x45, 0x52, 0x41, 0x53};
  size_t n = rls_encode_command(buf, RLS_OP_ERASE, 0xBEEF, args, 4);
  rls_command c;
  CHECK(rls_decode_command(buf, n, &c) == RLS_CMD_OK && c.opcode == RLS_OP_ERASE &&
        c.cmd_id == 0xBEEF && c.n_args == 4 && rls_get_u32(c.args) == RLS_ERASE_MAGIC, "erase");
  buf[3] ^= 1;
  CHECK(rls_decode_command(buf, n, &c) == RLS_CMD_BAD_CRC, "bad crc");
  n = rls_encode_command(buf, 0x42, 1, 0, 0);
  CHECK(rls_decode_command(buf, n, &c) == RLS_CMD_UNKNOWN_OPCODE, "unknown opcode");
  n = rls_encode_command(buf, RLS_OP_SET_MODE, 1, 0, 0);
  CHECK(rls_decode_command(buf, n, &c) == RLS_CMD_BAD_LENGTH, "missing argument");
  CHECK(rls_max_samples_per_frame(23) == 1 && rls_max_samples_per_frame(247) == 38 &&
        rls_max_samples_per_frame(0) == 83 && rls_max_samples_per_frame(22) == 0, "frame sizes");
}

static void test_isqrt(void) {
  for (uint32_t x = 0; x < 70000; x++) {
    uint32_t r = rls_isqrt_u32(x);
    if (!(r * r <= x && (r + 1) * (r + 1) > x)) { CHECK(0, "isqrt %u", (unsigned)x); break; }
  }
  CHECK(rls_isqrt_u32(0xFFFFFFFFu) == 65535, "isqrt max");
  CHECK(rls_isqrt_u128(0, 0) == 0 && rls_isqrt_u128(0, 15) == 3, "isqrt128 small");
  CHECK(rls_isqrt_u128(1, 0) == 4294967296ull, "isqrt128 2**64");
  CHECK(rls_isqrt_u128(0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull) == 0xFFFFFFFFFFFFFFFFull,
        "isqrt128 max");
}

int main(void) {
  test_crc_cobs();
  test_cobs_stream_and_split();
  test_data_frames();
  test_ring_wrap();
  test_commands();
  test_isqrt();
  test_event_mode();
  test_extremes();
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
