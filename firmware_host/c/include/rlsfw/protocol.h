/* The band's wire protocol in C: CRC-16, COBS, frame encoders, command decoding, the INFO record.
 *
 * A transliteration of firmware_host/protocol (the single source of truth; docs/protocol.md):
 * every encoder writes the same bytes as its Python counterpart. Little-endian on the wire,
 * whatever the CPU. No dynamic allocation: callers pass output buffers of RLS_MAX_FRAME_LEN.
 */
#ifndef RLSFW_PROTOCOL_H
#define RLSFW_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define RLS_PROTOCOL_VERSION 1u
#define RLS_TICK_HZ 1024u
#define RLS_MAX_FRAME_LEN 512u
#define RLS_MIN_ATT_MTU 23u
#define RLS_SAMPLE_BYTES 6u
#define RLS_HEADER_LEN 6u
#define RLS_CRC_LEN 2u
#define RLS_DATA_OVERHEAD 14u     /* header, u32 tick, u8 format, u8 count, CRC */
#define RLS_RESPONSE_OVERHEAD 12u /* header, u8 opcode, u16 cmd_id, u8 result, CRC */
#define RLS_MAX_SAMPLES_PER_FRAME ((RLS_MAX_FRAME_LEN - RLS_DATA_OVERHEAD) / RLS_SAMPLE_BYTES)
#define RLS_COMMAND_MIN_LEN 6u
/* COBS of a whole frame: one code byte per started 254 bytes */
#define RLS_COBS_MAX_LEN(n) ((n) + 1u + (n) / 254u)

/* frame types */
enum {
  RLS_DATA = 0x1, RLS_STATUS = 0x2, RLS_RESPONSE = 0x3, RLS_EVENT = 0x4,
  RLS_SUMMARY = 0x5, RLS_END = 0x6, RLS_COMMAND = 0x8
};
/* flags */
enum { RLS_FLAG_RESENT = 0x01, RLS_FLAG_RESUMED = 0x02, RLS_FLAG_MORE = 0x04, RLS_FLAG_DELTA = 0x80 };
/* STATUS state bits */
enum {
  RLS_STATE_STREAMING = 0x01, RLS_STATE_RECORDING = 0x02, RLS_STATE_EVENTS_MODE = 0x04,
  RLS_STATE_CLOCK_SYNCED = 0x08, RLS_STATE_BATTERY_LOW = 0x10, RLS_STATE_FLASH_WRAPPED = 0x20
};
/* opcodes */
enum {
  RLS_OP_START_STREAM = 0x01, RLS_OP_STOP_STREAM = 0x02, RLS_OP_SET_FORMAT = 0x03,
  RLS_OP_SYNC_TIME = 0x04, RLS_OP_GET_STATUS = 0x05, RLS_OP_RESEND = 0x06, RLS_OP_GET_INFO = 0x07,
  RLS_OP_SET_MODE = 0x08, RLS_OP_ERASE = 0x09
};
/* result codes */
enum {
  RLS_OK = 0, RLS_UNKNOWN_COMMAND = 1, RLS_BAD_ARGUMENT = 2, RLS_BUSY = 3, RLS_UNSUPPORTED = 4,
  RLS_NOT_AVAILABLE = 5, RLS_MTU_TOO_SMALL = 6, RLS_BATTERY_LOW = 7, RLS_BAD_FRAME = 8
};
/* EVENT kinds (EventKind) */
enum { RLS_KIND_LM = 0, RLS_KIND_LONG = 1, RLS_KIND_POSTURE = 2, RLS_KIND_IN_BED = 3, RLS_KIND_OUT_OF_BED = 4 };
/* END reasons */
enum { RLS_END_RESEND_DONE = 0, RLS_END_STOPPED = 1, RLS_END_BATTERY_EMPTY = 2, RLS_END_RECORDING_ENDED = 3 };
enum { RLS_MODE_RAW = 0, RLS_MODE_EVENTS = 1 };
#define RLS_ERASE_MAGIC 0x53415245u
#define RLS_LIVE_ONLY 0xFFFFFFFFu

/* ---- byte level ---- */
uint16_t rls_crc16(const uint8_t *data, size_t n, uint16_t crc); /* start with 0xFFFF */
/* COBS-encode n bytes (no delimiter) into out (RLS_COBS_MAX_LEN(n) bytes); returns the length */
size_t rls_cobs_encode(const uint8_t *data, size_t n, uint8_t *out);
/* Decode one block (no delimiter) into out (n bytes suffice); returns the length or -1 */
int32_t rls_cobs_decode(const uint8_t *block, size_t n, uint8_t *out);

/* A serial byte stream split into frames (firmware_host.protocol.CobsDecoder): COBS blocks
 * delimited by 0x00; a malformed block is dropped whole and counted, a block longer than
 * max_block (<= RLS_COBS_MAX_BLOCK) is discarded as it grows and counted once. */
#define RLS_COBS_MAX_BLOCK 520u
typedef void (*rls_bytes_fn)(void *ctx, const uint8_t *data, size_t n);
typedef struct {
  uint8_t buf[RLS_COBS_MAX_BLOCK];
  uint32_t len, max_block;
  uint8_t overflow;
  uint32_t errors, dropped_bytes, frames;
} rls_cobs_stream;
void rls_cobs_stream_init(rls_cobs_stream *s, uint32_t max_block);
/* take n bytes of the stream; every frame they complete goes to fn, in order */
void rls_cobs_stream_feed(rls_cobs_stream *s, const uint8_t *data, size_t n, rls_bytes_fn fn,
                          void *ctx);

/* ---- sample format (the DATA format byte) ---- */
/* rate code -> rate times 2 (Hz; 12.5 Hz is 25); range code -> g; resolution code -> bits */
uint32_t rls_format_rate_x2(uint8_t code);
uint32_t rls_format_range_g(uint8_t code);
uint32_t rls_format_bits(uint8_t code);

/* ---- frames (band -> host); each returns the frame length ---- */
/* DATA of count samples (x, y, z interleaved); delta != 0: compressed when smaller, as the model */
size_t rls_encode_data(uint8_t *out, uint32_t seq, uint32_t tick, uint8_t format,
                       const int16_t *xyz, uint32_t count, uint8_t flags, int delta);
/* the delta payload of count >= 1 samples into out; returns its length */
size_t rls_delta_encode(const int16_t *xyz, uint32_t count, uint8_t *out);
/* temperature in 0.01 degree steps (the model rounds temperature_c * 100) */
size_t rls_encode_status(uint8_t *out, uint32_t next_seq, uint32_t tick, int32_t battery_pct,
                         uint8_t state, int32_t fill_permille, int32_t temp_centi_c, uint8_t flags);
/* returns 0 when the data does not fit a frame */
size_t rls_encode_response(uint8_t *out, uint32_t next_seq, uint8_t opcode, uint16_t cmd_id,
                           uint8_t result, const uint8_t *data, size_t n, uint8_t flags);
size_t rls_encode_event(uint8_t *out, uint32_t seq, uint32_t onset_tick, uint32_t duration_ms,
                        uint32_t peak_mg, uint8_t kind, uint8_t confidence, uint8_t flags);
size_t rls_encode_summary(uint8_t *out, uint32_t seq, uint32_t start_tick, uint32_t lm_count,
                          uint32_t plm_count, uint32_t mean_mg, uint32_t max_mg, uint8_t posture,
                          uint32_t still_pct, uint8_t flags);
size_t rls_encode_end(uint8_t *out, uint32_t next_seq, uint8_t reason, uint16_t cmd_id,
                      uint32_t first_seq, uint32_t stop_seq, uint8_t flags);
/* A response as RESPONSE frames of at most max_frame_len bytes, each to fn; all but the last have
 * RLS_FLAG_MORE (firmware_host.protocol.split_response). Returns the number of parts. */
uint32_t rls_split_response(uint32_t next_seq, uint8_t opcode, uint16_t cmd_id, uint8_t result,
                            const uint8_t *data, size_t n, uint32_t max_frame_len, rls_bytes_fn fn,
                            void *ctx);
/* samples per DATA frame at an ATT MTU (0: serial, 512-byte frames); 0 for an MTU below 23 */
uint32_t rls_max_samples_per_frame(uint32_t att_mtu);

/* ---- commands (host -> band) ---- */
typedef enum {
  RLS_CMD_OK = 0, RLS_CMD_BAD_LENGTH, RLS_CMD_BAD_CRC, RLS_CMD_BAD_VERSION, RLS_CMD_UNKNOWN_TYPE,
  RLS_CMD_UNKNOWN_OPCODE
} rls_cmd_status;
typedef struct {
  uint8_t opcode;
  uint16_t cmd_id;
  uint8_t args[8];
  uint8_t n_args;
} rls_command;
/* decode_command's checks in its order; *cmd gets whatever could be read */
rls_cmd_status rls_decode_command(const uint8_t *data, size_t n, rls_command *cmd);
size_t rls_encode_command(uint8_t *out, uint8_t opcode, uint16_t cmd_id, const uint8_t *args,
                          size_t n_args);

/* ---- the INFO record ---- */
typedef struct {
  const char *device_id, *model, *serial, *firmware; /* 1-32 printable ASCII characters */
  uint8_t format;
  uint8_t frame_samples;
  uint16_t tick_hz;
  uint32_t ring_capacity_samples;
  uint8_t mode;
} rls_info;
/* returns the record length, or 0 for a string the model refuses (empty, > 32, not printable) */
size_t rls_encode_info(const rls_info *info, uint8_t *out, size_t room);

/* little-endian helpers */
static inline void rls_put_u16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void rls_put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t rls_get_u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t rls_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
