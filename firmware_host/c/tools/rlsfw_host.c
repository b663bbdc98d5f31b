/* The host harness: runs the firmware's C code on inputs from stdin and writes what the band
 * would send to stdout (frames as u16 length + bytes), for tests/firmware_host/test_c_*.py.
 *
 *   rlsfw_host data FORMAT FRAME_SAMPLES CAPACITY DELTA FLAGS TICK0 STOP CHUNKS
 *       samples (int16 x, y, z little-endian) from stdin, recorded into the flash ring in chunks
 *       of the comma-separated sizes (cycled); then the DATA frames oldest_seq .. next_seq
 *       (STOP 1: the recording ended, the partial last frame included)
 *   rlsfw_host events FS_X2 LSB_G START_TICK FIRST_SEQ [AX AY AZ]
 *       samples from stdin through events mode; the EVENT and SUMMARY frames
 *   rlsfw_host consts FS_X2 LSB_G ...  the pipeline's integer constants and taps, a line per pair
 *   rlsfw_host encode                  lines of "type fields..." from stdin, one frame each
 *   rlsfw_host cobs                    stdin COBS-encoded (one block, no delimiter)
 *   rlsfw_host uncobs                  stdin (one block) COBS-decoded, or exit 3
 *   rlsfw_host command                 stdin decoded as a command: "status opcode id args-hex"
 *   rlsfw_host stream MAX_BLOCK CHUNKS stdin through the COBS stream decoder in chunks of the
 *                                      given sizes (cycled): a hex line per frame, then
 *                                      "errors dropped_bytes frames"
 *   rlsfw_host split MAX_LEN NEXT_SEQ OPCODE CMD_ID RESULT
 *                                      stdin as a response split into RESPONSE frames
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rlsfw/board.h"
#include "rlsfw/event_mode.h"
#include "rlsfw/protocol.h"
#include "rlsfw/ring.h"

#define MAX_INPUT (16u * 1024u * 1024u)
static uint8_t input[MAX_INPUT];
static size_t input_len;

static void read_stdin(void) {
  size_t n;
  while ((n = fread(input + input_len, 1, MAX_INPUT - input_len, stdin)) > 0) {
    input_len += n;
    if (input_len == MAX_INPUT) {
      fprintf(stderr, "input larger than %u bytes\n", MAX_INPUT);
      exit(2);
    }
  }
}

static int16_t sample_at(size_t i) { return (int16_t)rls_get_u16(input + 2 * i); }

static int usage(void) {
  fprintf(stderr, "usage: rlsfw_host data|events|consts|encode|cobs|uncobs|command ...\n");
  return 2;
}

static int cmd_data(int argc, char **argv) {
  if (argc != 10) return usage();
  uint8_t format = (uint8_t)strtoul(argv[2], 0, 0);
  uint32_t per_frame = (uint32_t)strtoul(argv[3], 0, 0);
  uint32_t capacity = (uint32_t)strtoul(argv[4], 0, 0);
  int delta = atoi(argv[5]);
  uint8_t flags = (uint8_t)strtoul(argv[6], 0, 0);
  uint32_t tick0 = (uint32_t)strtoul(argv[7], 0, 0);
  int stop = atoi(argv[8]);
  uint32_t chunks[64];
  int n_chunks = 0;
  for (char *s = argv[9]; *s && n_chunks < 64;) {
    chunks[n_chunks++] = (uint32_t)strtoul(s, &s, 10);
    if (*s == ',') s++;
  }
  if (n_chunks == 0) return usage();
  static rls_ring ring;
  if (rls_ring_init(&ring, capacity, format, per_frame, tick0) != 0) {
    fprintf(stderr, "bad ring parameters\n");
    return 2;
  }
  read_stdin();
  size_t n = input_len / RLS_SAMPLE_BYTES, done = 0;
  for (int c = 0; done < n; c = (c + 1) % n_chunks) {
    size_t take = chunks[c] < n - done ? chunks[c] : n - done;
    /* the chunk as the sensor FIFO hands it over: an aligned int16 copy */
    static int16_t xyz[3 * 4096];
    while (take > 0) {
      size_t part = take < 4096 ? take : 4096;
      for (size_t i = 0; i < 3 * part; i++) xyz[i] = sample_at(3 * done + i);
      rls_ring_append(&ring, xyz, (uint32_t)part);
      done += part;
      take -= part;
    }
  }
  if (stop) rls_ring_stop(&ring);
  uint8_t frame[RLS_MAX_FRAME_LEN];
  for (uint32_t seq = rls_ring_oldest_seq(&ring); seq < rls_ring_next_seq(&ring); seq++) {
    size_t len = rls_ring_data_frame(&ring, seq, flags, delta, frame);
    if (len == 0) return 3;
    board_link_write(frame, len);
  }
  return 0;
}

static void write_frame(void *ctx, const uint8_t *frame, size_t n) {
  (void)ctx;
  board_link_write(frame, n);
}

static int cmd_events(int argc, char **argv) {
  if (argc != 6 && argc != 9) return usage();
  rls_pipeline_config cfg;
  rls_pipeline_default_config(&cfg);
  if (argc == 9) {
    cfg.has_axis = 1;
    for (int i = 0; i < 3; i++) cfg.shank_axis_q14[i] = atoi(argv[6 + i]);
  }
  static rls_event_mode em;
  uint32_t fs_x2 = (uint32_t)strtoul(argv[2], 0, 0);
  double lsb_g = strtod(argv[3], 0);
  if (rls_event_mode_init(&em, fs_x2, lsb_g, &cfg, (uint32_t)strtoul(argv[4], 0, 0),
                          (uint32_t)strtoul(argv[5], 0, 0), write_frame, 0) != 0) {
    fprintf(stderr, "the pipeline refuses fs %g Hz, lsb %g g\n", fs_x2 / 2.0, lsb_g);
    return 2;
  }
  read_stdin();
  size_t n = input_len / RLS_SAMPLE_BYTES;
  for (size_t i = 0; i < n; i++) {
    rls_event_mode_sample(&em, sample_at(3 * i), sample_at(3 * i + 1), sample_at(3 * i + 2));
  }
  rls_event_mode_finish(&em);
  return 0;
}

static int cmd_consts(int argc, char **argv) {
  if (argc < 4 || argc % 2) return usage();
  rls_pipeline_config cfg;
  rls_pipeline_default_config(&cfg);
  static rls_pipeline p;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (rls_pipeline_init(&p, (uint32_t)strtoul(argv[i], 0, 0), strtod(argv[i + 1], 0), &cfg, 0, 0)) {
      printf("refused\n");
      continue;
    }
    printf("k %u shift %u frac %u d_shift %u block_n %u quiet_n %u min_n %u morph_n %u "
           "morph_need %u long_n %u onset_min_u %u floor_min_u %u walk_u %u quiet_ep_u %u "
           "mg_q16 %u turn_num %u turn_den %u delay_n %u q_len %u taps",
           p.k, p.shift, p.frac, p.d_shift, p.block_n, p.quiet_n, p.min_n, p.morph_n,
           p.morph_need, p.long_n, p.onset_min_u, p.floor_min_u, p.walk_u, p.quiet_ep_u,
           p.mg_q16, p.turn_num, p.turn_den, p.delay_n, p.q_len);
    for (int t = 0; t < RLS_GRAVITY_N; t++) printf(" %d", p.taps[t]);
    printf("\n");
  }
  return 0;
}

static int hexbytes(const char *s, uint8_t *out, size_t room) {
  size_t n = 0;
  if (strcmp(s, "-") == 0) return 0;
  while (s[0] && s[1] && n < room) {
    char two[3] = {s[0], s[1], 0};
    out[n++] = (uint8_t)strtoul(two, 0, 16);
    s += 2;
  }
  return (int)n;
}

/* one line: "status next_seq tick batt state fill temp flags", "response next_seq op id result
 * hex flags", "event seq onset dur peak kind conf flags", "summary seq start lm plm mean max
 * posture still flags", "end next_seq reason id first stop flags", "command op id hex",
 * "info format frame_samples tick_hz capacity mode id model serial firmware" (no spaces in
 * the strings) */
static int cmd_encode(void) {
  char line[2048], kind[16];
  uint8_t frame[RLS_MAX_FRAME_LEN], data[RLS_MAX_FRAME_LEN];
  while (fgets(line, sizeof line, stdin)) {
    unsigned long v[10] = {0};
    long t = 0;
    char hex[1100] = "-", s[4][40];
    size_t len = 0;
    if (sscanf(line, "%15s", kind) != 1) continue;
    if (!strcmp(kind, "status") &&
        sscanf(line, "%*s %lu %lu %lu %lu %lu %ld %lu", &v[0], &v[1], &v[2], &v[3], &v[4], &t,
               &v[5]) == 7) {
      len = rls_encode_status(frame, (uint32_t)v[0], (uint32_t)v[1], (int32_t)v[2], (uint8_t)v[3],
                              (int32_t)v[4], (int32_t)t, (uint8_t)v[5]);
    } else if (!strcmp(kind, "response") &&
               sscanf(line, "%*s %lu %lu %lu %lu %1099s %lu", &v[0], &v[1], &v[2], &v[3], hex,
                      &v[4]) == 6) {
      int n = hexbytes(hex, data, sizeof data);
      len = rls_encode_response(frame, (uint32_t)v[0], (uint8_t)v[1], (uint16_t)v[2],
                                (uint8_t)v[3], data, (size_t)n, (uint8_t)v[4]);
    } else if (!strcmp(kind, "event") &&
               sscanf(line, "%*s %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4],
                      &v[5], &v[6]) == 7) {
      len = rls_encode_event(frame, (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2],
                             (uint32_t)v[3], (uint8_t)v[4], (uint8_t)v[5], (uint8_t)v[6]);
    } else if (!strcmp(kind, "summary") &&
               sscanf(line, "%*s %lu %lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3],
                      &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
      len = rls_encode_summary(frame, (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2],
                               (uint32_t)v[3], (uint32_t)v[4], (uint32_t)v[5], (uint8_t)v[6],
                               (uint32_t)v[7], (uint8_t)v[8]);
    } else if (!strcmp(kind, "end") &&
               sscanf(line, "%*s %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4],
                      &v[5]) == 6) {
      len = rls_encode_end(frame, (uint32_t)v[0], (uint8_t)v[1], (uint16_t)v[2], (uint32_t)v[3],
                           (uint32_t)v[4], (uint8_t)v[5]);
    } else if (!strcmp(kind, "command") &&
               sscanf(line, "%*s %lu %lu %1099s", &v[0], &v[1], hex) == 3) {
      int n = hexbytes(hex, data, sizeof data);
      len = rls_encode_command(frame, (uint8_t)v[0], (uint16_t)v[1], data, (size_t)n);
    } else if (!strcmp(kind, "info") &&
               sscanf(line, "%*s %lu %lu %lu %lu %lu %39s %39s %39s %39s", &v[0], &v[1], &v[2],
                      &v[3], &v[4], s[0], s[1], s[2], s[3]) == 9) {
      rls_info info = {s[0], s[1], s[2], s[3], (uint8_t)v[0], (uint8_t)v[1], (uint16_t)v[2],
                       (uint32_t)v[3], (uint8_t)v[4]};
      len = rls_encode_info(&info, frame, sizeof frame);
    } else {
      fprintf(stderr, "bad line: %s", line);
      return 2;
    }
    board_link_write(frame, len);
  }
  return 0;
}

static void write_hex_line(void *ctx, const uint8_t *data, size_t n) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) printf("%02x", data[i]);
  printf("\n");
}

static void write_bytes(void *ctx, const uint8_t *data, size_t n) {
  (void)ctx;
  board_link_write(data, n);
}

static int cmd_stream(int argc, char **argv) {
  if (argc != 4) return usage();
  static rls_cobs_stream s;
  rls_cobs_stream_init(&s, (uint32_t)strtoul(argv[2], 0, 0));
  uint32_t chunks[64];
  int n_chunks = 0;
  for (char *c = argv[3]; *c && n_chunks < 64;) {
    chunks[n_chunks++] = (uint32_t)strtoul(c, &c, 10);
    if (*c == ',') c++;
  }
  if (n_chunks == 0) return usage();
  read_stdin();
  size_t done = 0;
  for (int c = 0; done < input_len; c = (c + 1) % n_chunks) {
    size_t take = chunks[c] < input_len - done ? chunks[c] : input_len - done;
    rls_cobs_stream_feed(&s, input + done, take, write_hex_line, 0);
    done += take;
  }
  printf("%u %u %u\n", (unsigned)s.errors, (unsigned)s.dropped_bytes, (unsigned)s.frames);
  return 0;
}

static int cmd_split(int argc, char **argv) {
  if (argc != 7) return usage();
  read_stdin();
  rls_split_response((uint32_t)strtoul(argv[3], 0, 0), (uint8_t)strtoul(argv[4], 0, 0),
                     (uint16_t)strtoul(argv[5], 0, 0), (uint8_t)strtoul(argv[6], 0, 0), input,
                     input_len, (uint32_t)strtoul(argv[2], 0, 0), write_bytes, 0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *mode = argv[1];
  if (!strcmp(mode, "data")) return cmd_data(argc, argv);
  if (!strcmp(mode, "events")) return cmd_events(argc, argv);
  if (!strcmp(mode, "consts")) return cmd_consts(argc, argv);
  if (!strcmp(mode, "encode")) return cmd_encode();
  if (!strcmp(mode, "stream")) return cmd_stream(argc, argv);
  if (!strcmp(mode, "split")) return cmd_split(argc, argv);
  static uint8_t out[RLS_COBS_MAX_LEN(MAX_INPUT / 2)];
  if (!strcmp(mode, "cobs") || !strcmp(mode, "uncobs") || !strcmp(mode, "command")) {
    read_stdin();
    if (!strcmp(mode, "cobs")) {
      if (input_len > MAX_INPUT / 2) return 2;
      fwrite(out, 1, rls_cobs_encode(input, input_len, out), stdout);
    } else if (!strcmp(mode, "uncobs")) {
      int32_t n = rls_cobs_decode(input, input_len, out);
      if (n < 0) return 3;
      fwrite(out, 1, (size_t)n, stdout);
    } else {
      rls_command c;
      rls_cmd_status st = rls_decode_command(input, input_len, &c);
      printf("%d %u %u ", (int)st, c.opcode, c.cmd_id);
      for (int i = 0; i < c.n_args; i++) printf("%02x", c.args[i]);
      printf("\n");
    }
    return 0;
  }
  return usage();
}
