"""The band's wire protocol: GATT profile, frames, commands (the single source of truth).

The host (``rls_monitor``'s transports and its wire adapter) imports this package; firmware for a
real band implements ``docs/protocol.md``, which describes the same layouts byte by byte.

Frames (band -> host) and commands (host -> band) are little-endian, start with one byte holding
the protocol version (high nibble) and the frame type (low nibble), and end with a CRC-16/CCITT-
FALSE over everything before it. On BLE every frame is exactly one notification of the data
characteristic (commands: one write to the control characteristic); on a serial line the same
frames are COBS-encoded and delimited by 0x00 (:func:`cobs_encode`, :class:`CobsDecoder`).

Frame header (6 bytes, all frames)::

    0  u8   version << 4 | type
    1  u8   flags
    2  u32  seq

then a type-specific body, then ``u16`` CRC. DATA: ``u32 tick, u8 format, u8 count`` and
``count`` samples of ``int16 x, y, z``: 14 bytes of overhead, so one sample fits the 20-byte
notification of the default ATT MTU 23 and 38 samples fit ATT MTU 247.

Main entry points: :func:`decode_frame`, the ``encode_*`` functions, :func:`encode_command` /
:func:`decode_command` and the ``cmd_*`` builders, :func:`max_samples_per_frame`,
:class:`SampleFormat`, :class:`ResponseAssembler` and :class:`CobsDecoder`. Every public name of
the submodules below is re-exported here, so ``from firmware_host import protocol as p; p.X``
reaches all of them.

Submodules
----------
codes
    Version, sizes, frame type codes, flags, opcodes, result codes, modes, EVENT kinds
    (:class:`EventKind`), END reasons and STATUS bits.
gatt
    The GATT profile's UUIDs.
errors
    :class:`ProtocolError` and its subclasses.
sample_format
    :class:`SampleFormat`, the format byte of DATA frames.
framing
    CRC-16 and COBS (byte-level, no numpy).
envelope
    The type byte, the CRC and the checks every frame and command shares.
delta
    Delta compression of DATA samples.
frames
    The frame classes, their encoders and :func:`decode_frame`.
commands
    :class:`Command`, :func:`encode_command`, :func:`decode_command` and the ``cmd_*`` builders.
replies
    Multi-part responses (:func:`split_response`, :class:`ResponseAssembler`) and SET_MODE's
    answer (:class:`ModeReply`).
info
    The band's info record (:class:`BandInfo`).
"""

from __future__ import annotations

from firmware_host.protocol.codes import (
    COMMAND,
    DATA,
    END,
    ERASE,
    ERASE_MAGIC,
    EVENT,
    FLAG_DELTA,
    FLAG_MORE,
    FLAG_RESENT,
    FLAG_RESUMED,
    FRAME_TYPES,
    GET_INFO,
    GET_STATUS,
    KIND_IN_BED,
    KIND_LM,
    KIND_LONG,
    KIND_OUT_OF_BED,
    KIND_POSTURE,
    LIVE_ONLY,
    MAX_FRAME_LEN,
    MIN_ATT_MTU,
    PROTOCOL_VERSION,
    REPLY,
    RESEND,
    RESPONSE,
    SAMPLE_BYTES,
    SET_FORMAT,
    SET_MODE,
    START_STREAM,
    STATE_BATTERY_LOW,
    STATE_CLOCK_SYNCED,
    STATE_EVENTS_MODE,
    STATE_FLASH_WRAPPED,
    STATE_RECORDING,
    STATE_STREAMING,
    STATUS,
    STOP_STREAM,
    SUMMARY,
    SYNC_TIME,
    TICK_HZ,
    EndReason,
    EventKind,
    Mode,
    Op,
    Result,
)
from firmware_host.protocol.commands import (
    COMMAND_MIN_LEN,
    Command,
    cmd_erase,
    cmd_get_info,
    cmd_get_status,
    cmd_resend,
    cmd_set_format,
    cmd_set_mode,
    cmd_start_stream,
    cmd_stop_stream,
    cmd_sync_time,
    command,
    decode_command,
    encode_command,
)
from firmware_host.protocol.delta import (
    delta_decode,
    delta_encode,
)
from firmware_host.protocol.envelope import (
    HEADER_LEN,
    max_frame_len,
)
from firmware_host.protocol.errors import (
    BadCRC,
    BadLength,
    BadVersion,
    ProtocolError,
    UnknownOpcode,
    UnknownType,
    UnsupportedFrame,
)
from firmware_host.protocol.frames import (
    DATA_OVERHEAD,
    RESPONSE_OVERHEAD,
    DataFrame,
    EndFrame,
    EventFrame,
    Frame,
    ResponseFrame,
    StatusFrame,
    SummaryFrame,
    decode_frame,
    encode_data,
    encode_end,
    encode_event,
    encode_response,
    encode_status,
    encode_summary,
    max_samples_per_frame,
)
from firmware_host.protocol.framing import (
    CobsDecodeError,
    CobsDecoder,
    cobs_decode,
    cobs_encode,
    crc16,
)
from firmware_host.protocol.gatt import (
    BATTERY_LEVEL_UUID,
    BATTERY_SERVICE_UUID,
    CONTROL_CHAR_UUID,
    DATA_CHAR_UUID,
    DEVICE_INFO_SERVICE_UUID,
    FIRMWARE_REVISION_UUID,
    INFO_CHAR_UUID,
    MANUFACTURER_NAME_UUID,
    MODEL_NUMBER_UUID,
    SERIAL_NUMBER_UUID,
    SERVICE_UUID,
)
from firmware_host.protocol.info import (
    INFO_RECORD_VERSION,
    BandInfo,
    decode_info,
    encode_info,
)
from firmware_host.protocol.replies import (
    ModeReply,
    ResponseAssembler,
    decode_mode_reply,
    split_response,
)
from firmware_host.protocol.sample_format import (
    RANGES_G,
    RATES_HZ,
    RESOLUTIONS_BITS,
    SampleFormat,
)

__all__ = [
    "BATTERY_LEVEL_UUID",
    "BATTERY_SERVICE_UUID",
    "COMMAND",
    "COMMAND_MIN_LEN",
    "CONTROL_CHAR_UUID",
    "DATA",
    "DATA_CHAR_UUID",
    "DATA_OVERHEAD",
    "DEVICE_INFO_SERVICE_UUID",
    "END",
    "ERASE",
    "ERASE_MAGIC",
    "EVENT",
    "FIRMWARE_REVISION_UUID",
    "FLAG_DELTA",
    "FLAG_MORE",
    "FLAG_RESENT",
    "FLAG_RESUMED",
    "FRAME_TYPES",
    "GET_INFO",
    "GET_STATUS",
    "HEADER_LEN",
    "INFO_CHAR_UUID",
    "INFO_RECORD_VERSION",
    "KIND_IN_BED",
    "KIND_LM",
    "KIND_LONG",
    "KIND_OUT_OF_BED",
    "KIND_POSTURE",
    "LIVE_ONLY",
    "MANUFACTURER_NAME_UUID",
    "MAX_FRAME_LEN",
    "MIN_ATT_MTU",
    "MODEL_NUMBER_UUID",
    "PROTOCOL_VERSION",
    "RANGES_G",
    "RATES_HZ",
    "REPLY",
    "RESEND",
    "RESOLUTIONS_BITS",
    "RESPONSE",
    "RESPONSE_OVERHEAD",
    "SAMPLE_BYTES",
    "SERIAL_NUMBER_UUID",
    "SERVICE_UUID",
    "SET_FORMAT",
    "SET_MODE",
    "START_STREAM",
    "STATE_BATTERY_LOW",
    "STATE_CLOCK_SYNCED",
    "STATE_EVENTS_MODE",
    "STATE_FLASH_WRAPPED",
    "STATE_RECORDING",
    "STATE_STREAMING",
    "STATUS",
    "STOP_STREAM",
    "SUMMARY",
    "SYNC_TIME",
    "TICK_HZ",
    "BadCRC",
    "BadLength",
    "BadVersion",
    "BandInfo",
    "CobsDecodeError",
    "CobsDecoder",
    "Command",
    "DataFrame",
    "EndFrame",
    "EndReason",
    "EventFrame",
    "EventKind",
    "Frame",
    "Mode",
    "ModeReply",
    "Op",
    "ProtocolError",
    "ResponseAssembler",
    "ResponseFrame",
    "Result",
    "SampleFormat",
    "StatusFrame",
    "SummaryFrame",
    "UnknownOpcode",
    "UnknownType",
    "UnsupportedFrame",
    "cmd_erase",
    "cmd_get_info",
    "cmd_get_status",
    "cmd_resend",
    "cmd_set_format",
    "cmd_set_mode",
    "cmd_start_stream",
    "cmd_stop_stream",
    "cmd_sync_time",
    "cobs_decode",
    "cobs_encode",
    "command",
    "crc16",
    "decode_command",
    "decode_frame",
    "decode_info",
    "decode_mode_reply",
    "delta_decode",
    "delta_encode",
    "encode_command",
    "encode_data",
    "encode_end",
    "encode_event",
    "encode_info",
    "encode_response",
    "encode_status",
    "encode_summary",
    "max_frame_len",
    "max_samples_per_frame",
    "split_response",
]
