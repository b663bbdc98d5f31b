"""The band's wire protocol: GATT profile, frames, commands (the single source of truth).

The host (``rls_monitor.transports`` / ``rls_monitor.session``) imports this module; firmware for a
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
:class:`SampleFormat`, :class:`ResponseAssembler` and :class:`CobsDecoder`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import numpy as np
from numpy.typing import NDArray

from firmware_host.framing import CobsDecodeError, CobsDecoder, cobs_decode, cobs_encode, crc16

__all__ = [
    "BATTERY_LEVEL_UUID",
    "BATTERY_SERVICE_UUID",
    "COMMAND",
    "CONTROL_CHAR_UUID",
    "DATA",
    "DATA_CHAR_UUID",
    "DEVICE_INFO_SERVICE_UUID",
    "END",
    "EVENT",
    "EVENT_KIND_IN_BED",
    "EVENT_KIND_LM",
    "EVENT_KIND_LONG",
    "EVENT_KIND_OUT_OF_BED",
    "EVENT_KIND_POSTURE",
    "FIRMWARE_REVISION_UUID",
    "FLAG_DELTA",
    "FLAG_MORE",
    "FLAG_RESENT",
    "FLAG_RESUMED",
    "INFO_CHAR_UUID",
    "MANUFACTURER_NAME_UUID",
    "MAX_FRAME_LEN",
    "MODEL_NUMBER_UUID",
    "PROTOCOL_VERSION",
    "REPLY",
    "RESPONSE",
    "SAMPLE_BYTES",
    "SERIAL_NUMBER_UUID",
    "SERVICE_UUID",
    "STATUS",
    "SUMMARY",
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
    "max_samples_per_frame",
    "split_response",
]

# ---------------------------------------------------------------------------------------------
# GATT profile
# ---------------------------------------------------------------------------------------------

#: The band's own service (random 128-bit UUIDs, generated once; the data/control/info
#: characteristics differ in the first group only).
SERVICE_UUID: Final = "5e6d0001-83c4-4d3b-9f0a-6b2f1c8e2a71"
#: Notify: one frame per notification (band -> host).
DATA_CHAR_UUID: Final = "5e6d0002-83c4-4d3b-9f0a-6b2f1c8e2a71"
#: Write with response: one command per write (host -> band).
CONTROL_CHAR_UUID: Final = "5e6d0003-83c4-4d3b-9f0a-6b2f1c8e2a71"
#: Read: the band's info record (:func:`encode_info`), the same bytes GET_INFO returns.
INFO_CHAR_UUID: Final = "5e6d0004-83c4-4d3b-9f0a-6b2f1c8e2a71"

BATTERY_SERVICE_UUID: Final = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID: Final = "00002a19-0000-1000-8000-00805f9b34fb"
DEVICE_INFO_SERVICE_UUID: Final = "0000180a-0000-1000-8000-00805f9b34fb"
MODEL_NUMBER_UUID: Final = "00002a24-0000-1000-8000-00805f9b34fb"
SERIAL_NUMBER_UUID: Final = "00002a25-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_UUID: Final = "00002a26-0000-1000-8000-00805f9b34fb"
MANUFACTURER_NAME_UUID: Final = "00002a29-0000-1000-8000-00805f9b34fb"

# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------

PROTOCOL_VERSION: Final = 1
#: Rate of the band's tick counter (u32; wraps after 48.5 days), Hz.
TICK_HZ: Final = 1024
#: Largest frame: the largest ATT attribute value (a notification at ATT MTU >= 515).
MAX_FRAME_LEN: Final = 512
#: Smallest ATT MTU BLE allows.
MIN_ATT_MTU: Final = 23
SAMPLE_BYTES: Final = 6

# frame types (low nibble of byte 0)
DATA: Final = 0x1
STATUS: Final = 0x2
RESPONSE: Final = 0x3
EVENT: Final = 0x4
SUMMARY: Final = 0x5
END: Final = 0x6
COMMAND: Final = 0x8
#: Alias of :data:`RESPONSE`.
REPLY: Final = RESPONSE
FRAME_TYPES: Final = {DATA, STATUS, RESPONSE, EVENT, SUMMARY, END}

# flags (byte 1)
FLAG_RESENT: Final = 0x01  # DATA sent from flash (RESEND or catch-up), not live
FLAG_RESUMED: Final = 0x02  # first live DATA frame after a (re)connection or a band-side gap
FLAG_MORE: Final = 0x04  # RESPONSE: more parts of this response follow
FLAG_DELTA: Final = 0x80  # DATA: delta-compressed payload (see delta_encode)

_HEADER = struct.Struct("<BBI")
_DATA = struct.Struct("<BBIIBB")
_STATUS = struct.Struct("<BBIIBBHh")
_RESPONSE = struct.Struct("<BBIBHB")
_EVENT = struct.Struct("<BBIIHHBB")
_SUMMARY = struct.Struct("<BBIIBBHHBB")
_END = struct.Struct("<BBIBHII")
_COMMAND = struct.Struct("<BBH")
_CRC = struct.Struct("<H")
HEADER_LEN: Final = _HEADER.size
DATA_OVERHEAD: Final = _DATA.size + _CRC.size  # 14 bytes
COMMAND_MIN_LEN: Final = _COMMAND.size + _CRC.size  # 6 bytes
RESPONSE_OVERHEAD: Final = _RESPONSE.size + _CRC.size  # 12 bytes


class Op(IntEnum):
    """Command opcodes (host -> band)."""

    START_STREAM = 0x01
    STOP_STREAM = 0x02
    SET_FORMAT = 0x03
    SYNC_TIME = 0x04
    GET_STATUS = 0x05
    RESEND = 0x06
    GET_INFO = 0x07
    SET_MODE = 0x08
    ERASE = 0x09


# module-level aliases for callers that use bare names
START_STREAM: Final = Op.START_STREAM
STOP_STREAM: Final = Op.STOP_STREAM
SET_FORMAT: Final = Op.SET_FORMAT
SYNC_TIME: Final = Op.SYNC_TIME
GET_STATUS: Final = Op.GET_STATUS
RESEND: Final = Op.RESEND
GET_INFO: Final = Op.GET_INFO
SET_MODE: Final = Op.SET_MODE
ERASE: Final = Op.ERASE


class Result(IntEnum):
    """Result codes of a RESPONSE."""

    OK = 0
    UNKNOWN_COMMAND = 1
    BAD_ARGUMENT = 2
    BUSY = 3
    UNSUPPORTED = 4
    NOT_AVAILABLE = 5
    MTU_TOO_SMALL = 6
    BATTERY_LOW = 7
    BAD_FRAME = 8


class Mode(IntEnum):
    """SET_MODE: what the band streams."""

    RAW = 0
    EVENTS = 1


#: EVENT frame kinds (the ``kind`` byte; :mod:`firmware_host.processing` uses the same values).
EVENT_KIND_LM: Final = 0  # a leg movement (0.5-10 s)
EVENT_KIND_LONG: Final = 1  # a movement longer than 10 s
EVENT_KIND_POSTURE: Final = 2  # a posture change (turn-over)
EVENT_KIND_IN_BED: Final = 3  # a lying bout begins at onset_tick
EVENT_KIND_OUT_OF_BED: Final = 4  # the lying bout ends at onset_tick

#: SET_MODE's answer data in events mode after the mode byte: the first EVENT/SUMMARY sequence
#: number, the band tick and the recording sample index at which events mode began.
_MODE_REPLY = struct.Struct("<BIII")


@dataclass(frozen=True, slots=True)
class ModeReply:
    """SET_MODE's answer.

    Attributes
    ----------
    mode : int
        The band's mode now (:class:`Mode`).
    first_event_seq, start_tick, start_sample : int or None
        In events mode: the sequence number of the first EVENT/SUMMARY frame of events mode,
        the band tick of its first sample and that sample's index in the band's recording
        (``None`` in raw mode, or from a band that does not send them).
    """

    mode: int
    first_event_seq: int | None = None
    start_tick: int | None = None
    start_sample: int | None = None


def decode_mode_reply(data: bytes) -> ModeReply:
    """Decode the data of SET_MODE's answer (1 byte, or 13 in events mode).

    Raises
    ------
    BadLength
        Empty data.
    """
    if len(data) >= _MODE_REPLY.size:
        mode, first, tick, sample = _MODE_REPLY.unpack_from(data)
        return ModeReply(mode, first, tick, sample)
    if not data:
        raise BadLength("SET_MODE answer without its mode byte", length=0, expected=1)
    return ModeReply(data[0])


class EndReason(IntEnum):
    """Why an END frame was sent."""

    RESEND_DONE = 0  # a RESEND (or START_STREAM's catch-up) is complete
    STOPPED = 1  # STOP_STREAM
    BATTERY_EMPTY = 2  # the band is shutting down
    RECORDING_ENDED = 3  # nothing more will be recorded (simulated: the source is played)


#: The magic argument of ERASE ("ERAS" little-endian), so that a stray write cannot wipe flash.
ERASE_MAGIC: Final = 0x53415245
#: START_STREAM ``from_seq`` meaning "live only, no catch-up".
LIVE_ONLY: Final = 0xFFFFFFFF

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class ProtocolError(ValueError):
    """A frame or command the protocol refuses.

    Attributes
    ----------
    kind : str
        Class of fault: ``length``, ``crc``, ``version``, ``type``, ``unsupported``, ``opcode``.
    length : int
        Length of the offending bytes.
    """

    kind = "malformed"

    def __init__(self, message: str, *, length: int) -> None:
        super().__init__(message)
        self.length = length


class BadLength(ProtocolError):
    """Too short, too long, or a length that does not match the frame's count fields.

    Attributes
    ----------
    expected : int
        The length the header implies (or the minimum), bytes.
    """

    kind = "length"

    def __init__(self, message: str, *, length: int, expected: int) -> None:
        super().__init__(message, length=length)
        self.expected = expected


class BadCRC(ProtocolError):
    """The CRC does not match. Attributes ``found`` and ``computed``."""

    kind = "crc"

    def __init__(self, message: str, *, length: int, found: int, computed: int) -> None:
        super().__init__(message, length=length)
        self.found = found
        self.computed = computed


class BadVersion(ProtocolError):
    """A protocol version this code does not speak. Attributes ``found``, ``expected``."""

    kind = "version"

    def __init__(self, message: str, *, length: int, found: int) -> None:
        super().__init__(message, length=length)
        self.found = found
        self.expected = PROTOCOL_VERSION


class UnknownType(ProtocolError):
    """An unknown frame type code. Attribute ``type_code``."""

    kind = "type"

    def __init__(self, message: str, *, length: int, type_code: int) -> None:
        super().__init__(message, length=length)
        self.type_code = type_code


class UnsupportedFrame(ProtocolError):
    """A valid frame using a feature this version does not implement (``flags``)."""

    kind = "unsupported"

    def __init__(self, message: str, *, length: int, flags: int) -> None:
        super().__init__(message, length=length)
        self.flags = flags


class UnknownOpcode(ProtocolError):
    """A command with an unknown opcode. Attributes ``opcode`` and ``cmd_id``."""

    kind = "opcode"

    def __init__(self, message: str, *, length: int, opcode: int, cmd_id: int) -> None:
        super().__init__(message, length=length)
        self.opcode = opcode
        self.cmd_id = cmd_id


# ---------------------------------------------------------------------------------------------
# Sample format
# ---------------------------------------------------------------------------------------------

#: Sample rates by 4-bit code, Hz.
RATES_HZ: Final = (12.5, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0,
                   10.0, 20.0, 30.0, 32.0, 64.0, 128.0, 256.0, 500.0)  # fmt: skip
#: Full-scale ranges by 2-bit code, +-g.
RANGES_G: Final = (2.0, 4.0, 8.0, 16.0)
#: Resolutions by 2-bit code, bits (counts are sign-extended to int16 on the wire).
RESOLUTIONS_BITS: Final = (10, 12, 14, 16)


@dataclass(frozen=True, slots=True)
class SampleFormat:
    """Sample rate, range and resolution of DATA samples (one byte on the wire).

    Parameters
    ----------
    rate_hz : float
        Sample rate, Hz (one of :data:`RATES_HZ`).
    range_g : float
        Full scale, +-g (one of :data:`RANGES_G`).
    resolution_bits : int
        Bits per axis of the sensor (one of :data:`RESOLUTIONS_BITS`).

    Raises
    ------
    ValueError
        For a value outside the tables.
    """

    rate_hz: float = 50.0
    range_g: float = 8.0
    resolution_bits: int = 16

    def __post_init__(self) -> None:
        if self.rate_hz not in RATES_HZ:
            raise ValueError(f"rate_hz {self.rate_hz} is not one of {RATES_HZ}")
        if self.range_g not in RANGES_G:
            raise ValueError(f"range_g {self.range_g} is not one of {RANGES_G}")
        if self.resolution_bits not in RESOLUTIONS_BITS:
            raise ValueError(f"resolution_bits {self.resolution_bits} not in {RESOLUTIONS_BITS}")

    @property
    def lsb_g(self) -> float:
        """g per count: ``range_g / 2**(resolution_bits - 1)`` (a power of two)."""
        return self.range_g / float(1 << (self.resolution_bits - 1))

    @property
    def max_count(self) -> int:
        """Largest count magnitude the resolution allows."""
        return (1 << (self.resolution_bits - 1)) - 1

    @property
    def code(self) -> int:
        """The format byte: rate code (bits 0-3), range code (4-5), resolution code (6-7)."""
        return (
            RATES_HZ.index(self.rate_hz)
            | RANGES_G.index(self.range_g) << 4
            | RESOLUTIONS_BITS.index(self.resolution_bits) << 6
        )

    @classmethod
    def from_code(cls, code: int) -> SampleFormat:
        """The format of a format byte (every byte value is a valid format)."""
        return cls(RATES_HZ[code & 0x0F], RANGES_G[(code >> 4) & 0x03], RESOLUTIONS_BITS[code >> 6])

    @classmethod
    def from_lsb(cls, rate_hz: float, lsb_g: float, range_g: float | None = None) -> SampleFormat:
        """The format with rate ``rate_hz`` whose ``lsb_g`` equals ``lsb_g``.

        Parameters
        ----------
        rate_hz : float
            Sample rate, Hz.
        lsb_g : float
            g per count.
        range_g : float, optional
            Preferred range when several range/resolution pairs give the same ``lsb_g``
            (otherwise the largest range, i.e. 16-bit samples, wins).

        Raises
        ------
        ValueError
            When no range/resolution pair of the tables gives ``lsb_g``, or the rate is not in
            :data:`RATES_HZ`.
        """
        candidates = [
            cls(float(rate_hz), g, bits)
            for g in RANGES_G
            for bits in RESOLUTIONS_BITS
            if g / float(1 << (bits - 1)) == lsb_g
        ]
        if not candidates:
            raise ValueError(f"lsb_g {lsb_g} g is not range/2**(bits-1) of any supported format")
        if range_g is not None:
            for fmt in candidates:
                if fmt.range_g == range_g:
                    return fmt
        return max(candidates, key=lambda f: f.range_g)


# ---------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frame:
    """Fields every frame has.

    Attributes
    ----------
    type : int
        Frame type code (:data:`DATA`, :data:`STATUS`, ...).
    flags : int
        Flag bits.
    seq : int
        DATA, EVENT, SUMMARY: the frame's sequence number. STATUS, RESPONSE, END: the band's
        next DATA sequence number (one past the last complete frame in flash).
    """

    type: int
    flags: int
    seq: int


@dataclass(frozen=True, slots=True)
class DataFrame(Frame):
    """Samples: ``count`` int16 (x, y, z) counts starting at band tick ``tick``.

    Attributes
    ----------
    tick : int
        Band tick (:data:`TICK_HZ`) of the first sample.
    format : SampleFormat
        Rate, range, resolution.
    payload : bytes
        ``count * 6`` bytes: int16 little-endian x, y, z interleaved (delta-compressed frames
        are expanded by the decoder, :data:`FLAG_DELTA` stays in ``flags``).
    """

    tick: int
    format: SampleFormat
    payload: bytes

    @property
    def count(self) -> int:
        """Number of samples."""
        return len(self.payload) // SAMPLE_BYTES

    @property
    def samples(self) -> NDArray[np.int16]:
        """The samples as an (count, 3) int16 array (a read-only view of the payload)."""
        return np.frombuffer(self.payload, dtype="<i2").reshape(-1, 3)

    @property
    def resent(self) -> bool:
        """Whether it was sent from flash on request rather than live."""
        return bool(self.flags & FLAG_RESENT)


@dataclass(frozen=True, slots=True)
class StatusFrame(Frame):
    """The band's state, sent periodically while streaming and after GET_STATUS.

    Attributes
    ----------
    tick : int
        Band tick when the status was taken.
    battery_pct : int
        Battery level, 0-100 %.
    state : int
        Bits: 0 streaming, 1 recording, 2 events mode, 3 clock synced, 4 battery low,
        5 flash wrapped (oldest data overwritten).
    flash_fill_permille : int
        Ring buffer fill, 0-1000.
    temperature_c : float
        Band temperature, degrees C (0.01 degree steps on the wire).
    """

    tick: int
    battery_pct: int
    state: int
    flash_fill_permille: int
    temperature_c: float

    @property
    def streaming(self) -> bool:
        """State bit 0."""
        return bool(self.state & STATE_STREAMING)


STATE_STREAMING: Final = 0x01
STATE_RECORDING: Final = 0x02
STATE_EVENTS_MODE: Final = 0x04
STATE_CLOCK_SYNCED: Final = 0x08
STATE_BATTERY_LOW: Final = 0x10
STATE_FLASH_WRAPPED: Final = 0x20


@dataclass(frozen=True, slots=True)
class ResponseFrame(Frame):
    """The answer to the command ``cmd_id`` (one part of it when :data:`FLAG_MORE` is set).

    Attributes
    ----------
    opcode : int
        The command's opcode.
    cmd_id : int
        The command's id.
    result : int
        :class:`Result` code.
    data : bytes
        Opcode-specific answer (see ``docs/protocol.md``).
    """

    opcode: int
    cmd_id: int
    result: int
    data: bytes

    @property
    def ok(self) -> bool:
        """Whether the result is :attr:`Result.OK`."""
        return self.result == Result.OK

    @property
    def more(self) -> bool:
        """Whether further parts of this response follow."""
        return bool(self.flags & FLAG_MORE)


@dataclass(frozen=True, slots=True)
class EventFrame(Frame):
    """A leg movement (or lying-bout change) detected on the band in events mode.

    Attributes
    ----------
    onset_tick : int
        Band tick of the onset.
    duration_ms : int
        Duration, ms.
    peak_mg : int
        Peak dynamic acceleration, mg.
    kind : int
        0 leg movement, 1 long movement (> 10 s), 2 posture change, 3 in bed, 4 out of bed.
    confidence : int
        0-255.
    """

    onset_tick: int
    duration_ms: int
    peak_mg: int
    kind: int
    confidence: int


@dataclass(frozen=True, slots=True)
class SummaryFrame(Frame):
    """One minute of on-device processing (events mode).

    Attributes
    ----------
    start_tick : int
        Band tick at the minute's start.
    lm_count, plm_count : int
        Leg movements and PLM-series members that ended in this minute.
    mean_activity_mg, max_activity_mg : int
        Mean and largest dynamic acceleration, mg.
    posture : int
        0 unknown, 1 supine, 2 prone, 3 left, 4 right, 5 upright.
    still_pct : int
        Percent of the minute without movement.
    """

    start_tick: int
    lm_count: int
    plm_count: int
    mean_activity_mg: int
    max_activity_mg: int
    posture: int
    still_pct: int


@dataclass(frozen=True, slots=True)
class EndFrame(Frame):
    """No more data for now (``seq`` is one past the band's last complete DATA frame).

    Attributes
    ----------
    reason : int
        :class:`EndReason`.
    cmd_id : int
        The RESEND / START_STREAM it completes (0 otherwise).
    first_seq, stop_seq : int
        The range ``[first_seq, stop_seq)`` that was sent for that command (0, 0 otherwise).
    """

    reason: int
    cmd_id: int
    first_seq: int
    stop_seq: int


def _seal(body: bytes | bytearray) -> bytes:
    return bytes(body) + _CRC.pack(crc16(body))


def _vt(ftype: int) -> int:
    return (PROTOCOL_VERSION << 4) | ftype


def encode_data(
    seq: int,
    tick: int,
    fmt: SampleFormat | int,
    samples: NDArray[np.int16] | bytes,
    *,
    flags: int = 0,
    delta: bool = False,
) -> bytes:
    """Encode a DATA frame.

    Parameters
    ----------
    seq : int
        Sequence number (u32).
    tick : int
        Band tick of the first sample (u32, taken modulo 2**32).
    fmt : SampleFormat or int
        Sample format (or its code byte).
    samples : ndarray, shape (n, 3), int16, or bytes
        The counts (or their ``n * 6`` little-endian bytes); ``n <= 83`` (512-byte frame).
    flags : int
        :data:`FLAG_RESENT`, :data:`FLAG_RESUMED` (:data:`FLAG_DELTA` is set by ``delta``).
    delta : bool
        Delta-compress the samples when that is smaller (:func:`delta_encode`); the frame then
        has :data:`FLAG_DELTA`. Otherwise, or when not smaller, the samples go raw.

    Returns
    -------
    bytes
        ``14 + 6 n`` bytes raw; ``14 + 7 + ceil(3 (n - 1) w / 8)`` bytes delta-compressed.

    Raises
    ------
    ValueError
        For a wrongly shaped sample block or one too large for a frame.
    """
    if isinstance(samples, bytes | bytearray | memoryview):
        payload = bytes(samples)
    else:
        arr = np.asarray(samples)
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise ValueError(f"samples must have shape (n, 3), got {arr.shape}")
        payload = arr.astype("<i2", copy=False).tobytes()
    if len(payload) % SAMPLE_BYTES:
        raise ValueError(f"payload of {len(payload)} bytes is not whole samples")
    count = len(payload) // SAMPLE_BYTES
    if DATA_OVERHEAD + len(payload) > MAX_FRAME_LEN:
        raise ValueError(f"{count} samples do not fit a {MAX_FRAME_LEN}-byte frame")
    code = fmt if isinstance(fmt, int) else fmt.code
    flags &= 0xFF & ~FLAG_DELTA
    if delta and count > 1:
        packed = delta_encode(np.frombuffer(payload, dtype="<i2").reshape(-1, 3))
        if len(packed) < len(payload):
            payload = packed
            flags |= FLAG_DELTA
    head = _DATA.pack(_vt(DATA), flags, seq & 0xFFFFFFFF, tick & 0xFFFFFFFF, code, count)
    return _seal(head + payload)


def delta_encode(samples: NDArray[np.int16]) -> bytes:
    """Delta-compress int16 samples: the payload of a DATA frame with :data:`FLAG_DELTA`.

    Layout: the first sample raw (int16 x, y, z), one byte ``w`` (1-16), then the
    ``3 (n - 1)`` differences to the previous value of the same axis, in sample order x, y, z,
    each as a ``w``-bit two's-complement number, packed least-significant bit first into
    bytes (the last byte zero-padded). Differences wrap modulo 2**16, so ``w = 16`` can carry
    any jump; ``w`` is the smallest width that holds every difference.

    Parameters
    ----------
    samples : ndarray, shape (n, 3), int16
        ``n >= 1`` samples.

    Returns
    -------
    bytes
        ``7 + ceil(3 (n - 1) w / 8)`` bytes.

    Raises
    ------
    ValueError
        For an empty or wrongly shaped block.
    """
    arr = np.asarray(samples, dtype=np.int16)
    if arr.ndim != 2 or arr.shape[1] != 3 or len(arr) == 0:
        raise ValueError(f"samples must have shape (n >= 1, 3), got {arr.shape}")
    wide = arr.astype(np.int64)
    diff = (wide[1:] - wide[:-1]).ravel()
    d = ((diff + 32768) & 0xFFFF) - 32768  # wrap to int16
    mag = np.where(d >= 0, d, ~d)
    width = int(mag.max(initial=0)).bit_length() + 1
    bits = ((d[:, None] >> np.arange(width)) & 1).astype(np.uint8).ravel()
    packed = np.packbits(bits, bitorder="little").tobytes()
    return arr[0].astype("<i2").tobytes() + bytes([width]) + packed


def delta_decode(data: bytes, count: int) -> NDArray[np.int16]:
    """Expand a :func:`delta_encode` payload of ``count`` samples.

    Raises
    ------
    ValueError
        For a width outside 1-16 or a length that does not match ``count`` and the width.
    """
    if count < 1 or len(data) < 7:
        raise ValueError(f"a delta payload of {count} samples needs at least 7 bytes")
    width = data[6]
    if not 1 <= width <= 16:
        raise ValueError(f"delta width {width} is outside 1-16")
    m = 3 * (count - 1)
    expected = 7 + (m * width + 7) // 8
    if len(data) != expected:
        raise ValueError(f"delta payload of {len(data)} bytes, expected {expected}")
    first = np.frombuffer(data[:6], dtype="<i2").astype(np.int64)
    unpacked = np.unpackbits(np.frombuffer(data[7:], dtype=np.uint8), bitorder="little")
    bits = unpacked[: m * width].reshape(m, width).astype(np.int64)
    d = bits @ (np.int64(1) << np.arange(width, dtype=np.int64))
    d = np.where(d >= 1 << (width - 1), d - (1 << width), d).reshape(-1, 3)
    values = np.concatenate([first[None, :], first[None, :] + np.cumsum(d, axis=0)])
    return (((values + 32768) & 0xFFFF) - 32768).astype(np.int16)


def encode_status(
    next_seq: int,
    tick: int,
    *,
    battery_pct: int,
    state: int,
    flash_fill_permille: int,
    temperature_c: float = 25.0,
    flags: int = 0,
) -> bytes:
    """Encode a STATUS frame (18 bytes). Units as in :class:`StatusFrame`."""
    temp = max(-32768, min(32767, round(temperature_c * 100)))
    return _seal(
        _STATUS.pack(
            _vt(STATUS), flags, next_seq & 0xFFFFFFFF, tick & 0xFFFFFFFF,
            max(0, min(100, int(battery_pct))), state & 0xFF,
            max(0, min(1000, int(flash_fill_permille))), temp,
        )
    )  # fmt: skip


def encode_response(
    next_seq: int,
    opcode: int,
    cmd_id: int,
    result: int = Result.OK,
    data: bytes = b"",
    *,
    flags: int = 0,
) -> bytes:
    """Encode one RESPONSE frame (``12 + len(data)`` bytes; see :func:`split_response`).

    Raises
    ------
    ValueError
        When the frame would exceed :data:`MAX_FRAME_LEN`.
    """
    if RESPONSE_OVERHEAD + len(data) > MAX_FRAME_LEN:
        raise ValueError(f"response data of {len(data)} bytes does not fit a frame")
    head = _RESPONSE.pack(
        _vt(RESPONSE), flags, next_seq & 0xFFFFFFFF, opcode & 0xFF, cmd_id & 0xFFFF, result & 0xFF
    )
    return _seal(head + data)


def split_response(
    next_seq: int,
    opcode: int,
    cmd_id: int,
    result: int,
    data: bytes,
    *,
    max_frame_len: int = MAX_FRAME_LEN,
) -> list[bytes]:
    """A response as one or more RESPONSE frames of at most ``max_frame_len`` bytes.

    Every part but the last has :data:`FLAG_MORE`; the host concatenates the parts' data
    (:class:`ResponseAssembler`).
    """
    room = max(1, max_frame_len - RESPONSE_OVERHEAD)
    parts = [data[i : i + room] for i in range(0, len(data), room)] or [b""]
    return [
        encode_response(
            next_seq, opcode, cmd_id, result, part, flags=FLAG_MORE if i < len(parts) - 1 else 0
        )
        for i, part in enumerate(parts)
    ]


def encode_event(
    seq: int,
    onset_tick: int,
    duration_ms: int,
    peak_mg: int,
    kind: int = 0,
    confidence: int = 255,
    *,
    flags: int = 0,
) -> bytes:
    """Encode an EVENT frame (17 bytes; events mode). Fields as in :class:`EventFrame`."""
    return _seal(
        _EVENT.pack(
            _vt(EVENT), flags, seq & 0xFFFFFFFF, onset_tick & 0xFFFFFFFF,
            min(duration_ms, 0xFFFF), min(peak_mg, 0xFFFF), kind & 0xFF, confidence & 0xFF,
        )
    )  # fmt: skip


def encode_summary(
    seq: int,
    start_tick: int,
    *,
    lm_count: int,
    plm_count: int,
    mean_activity_mg: int,
    max_activity_mg: int,
    posture: int = 0,
    still_pct: int = 0,
    flags: int = 0,
) -> bytes:
    """Encode a SUMMARY frame (20 bytes; events mode). Fields as in :class:`SummaryFrame`."""
    return _seal(
        _SUMMARY.pack(
            _vt(SUMMARY), flags, seq & 0xFFFFFFFF, start_tick & 0xFFFFFFFF,
            min(lm_count, 255), min(plm_count, 255), min(mean_activity_mg, 0xFFFF),
            min(max_activity_mg, 0xFFFF), posture & 0xFF, min(still_pct, 100),
        )
    )  # fmt: skip


def encode_end(
    next_seq: int,
    reason: int,
    *,
    cmd_id: int = 0,
    first_seq: int = 0,
    stop_seq: int = 0,
    flags: int = 0,
) -> bytes:
    """Encode an END frame (19 bytes). Fields as in :class:`EndFrame`."""
    return _seal(
        _END.pack(
            _vt(END), flags, next_seq & 0xFFFFFFFF, reason & 0xFF, cmd_id & 0xFFFF,
            first_seq & 0xFFFFFFFF, stop_seq & 0xFFFFFFFF,
        )
    )  # fmt: skip


_FIXED_LEN = {
    STATUS: _STATUS.size + 2,
    EVENT: _EVENT.size + 2,
    SUMMARY: _SUMMARY.size + 2,
    END: _END.size + 2,
}


def _check_envelope(data: bytes, allowed: set[int], min_len: int) -> int:
    """Length, CRC, version and type checks shared by frames and commands; return the type."""
    n = len(data)
    if n < min_len:
        raise BadLength(f"{n} bytes is shorter than a header", length=n, expected=min_len)
    if n > MAX_FRAME_LEN:
        raise BadLength(f"frame of {n} bytes exceeds {MAX_FRAME_LEN}", length=n, expected=512)
    found = _CRC.unpack_from(data, n - 2)[0]
    computed = crc16(memoryview(data)[: n - 2])
    if found != computed:
        raise BadCRC(
            f"CRC {found:#06x} != computed {computed:#06x}",
            length=n,
            found=found,
            computed=computed,
        )
    version, ftype = data[0] >> 4, data[0] & 0x0F
    if version != PROTOCOL_VERSION:
        raise BadVersion(f"protocol version {version}, expected {PROTOCOL_VERSION}", length=n,
                         found=version)  # fmt: skip
    if ftype not in allowed:
        raise UnknownType(f"unknown frame type {ftype:#x}", length=n, type_code=ftype)
    return ftype


def decode_frame(data: bytes | bytearray | memoryview) -> Frame:
    """Decode one band -> host frame (a notification, or a COBS-decoded serial block).

    Parameters
    ----------
    data : bytes-like
        The frame, CRC included.

    Returns
    -------
    Frame
        A :class:`DataFrame`, :class:`StatusFrame`, :class:`ResponseFrame`, :class:`EventFrame`,
        :class:`SummaryFrame` or :class:`EndFrame`.

    Raises
    ------
    BadLength
        Shorter than a header, longer than :data:`MAX_FRAME_LEN`, or not the length its type and
        count imply.
    BadCRC
        The CRC does not match (checked before anything else is trusted).
    BadVersion
        Another protocol version.
    UnknownType
        A type code that is not a band -> host frame.
    UnsupportedFrame
        A delta-compressed DATA frame with a bit width outside 1-16.
    """
    raw = bytes(data)
    n = len(raw)
    ftype = _check_envelope(raw, FRAME_TYPES, HEADER_LEN + 2)
    flags = raw[1]
    if ftype == DATA:
        if n < DATA_OVERHEAD:
            raise BadLength(f"DATA frame of {n} bytes", length=n, expected=DATA_OVERHEAD)
        _, _, seq, tick, code, count = _DATA.unpack_from(raw)
        body = raw[_DATA.size : n - 2]
        if flags & FLAG_DELTA:
            if count < 2 or len(body) < 7:
                raise BadLength(f"delta DATA of {count} samples in {n} bytes", length=n,
                                expected=DATA_OVERHEAD + 7)  # fmt: skip
            width = body[6]
            if not 1 <= width <= 16:
                raise UnsupportedFrame(f"delta width {width}", length=n, flags=flags)
            expected = DATA_OVERHEAD + 7 + (3 * (count - 1) * width + 7) // 8
            if n != expected:
                raise BadLength(f"delta DATA of {count} samples is {n} bytes, expected {expected}",
                                length=n, expected=expected)  # fmt: skip
            payload = delta_decode(body, count).tobytes()
            return DataFrame(DATA, flags, seq, tick, SampleFormat.from_code(code), payload)
        expected = DATA_OVERHEAD + SAMPLE_BYTES * count
        if n != expected:
            raise BadLength(f"DATA frame of {count} samples is {n} bytes, expected {expected}",
                            length=n, expected=expected)  # fmt: skip
        return DataFrame(DATA, flags, seq, tick, SampleFormat.from_code(code), body)
    if ftype == RESPONSE:
        if n < RESPONSE_OVERHEAD:
            raise BadLength(f"RESPONSE of {n} bytes", length=n, expected=RESPONSE_OVERHEAD)
        _, _, seq, opcode, cmd_id, result = _RESPONSE.unpack_from(raw)
        return ResponseFrame(RESPONSE, flags, seq, opcode, cmd_id, result,
                             raw[_RESPONSE.size : n - 2])  # fmt: skip
    expected = _FIXED_LEN[ftype]
    if n != expected:
        raise BadLength(f"frame type {ftype} of {n} bytes, expected {expected}", length=n,
                        expected=expected)  # fmt: skip
    if ftype == STATUS:
        _, _, seq, tick, battery, state, fill, temp = _STATUS.unpack_from(raw)
        return StatusFrame(STATUS, flags, seq, tick, battery, state, fill, temp / 100.0)
    if ftype == EVENT:
        _, _, seq, onset, dur, peak, kind, conf = _EVENT.unpack_from(raw)
        return EventFrame(EVENT, flags, seq, onset, dur, peak, kind, conf)
    if ftype == SUMMARY:
        _, _, seq, start, lm, plm, mean, mx, posture, still = _SUMMARY.unpack_from(raw)
        return SummaryFrame(SUMMARY, flags, seq, start, lm, plm, mean, mx, posture, still)
    _, _, seq, reason, cmd_id, first, stop = _END.unpack_from(raw)
    return EndFrame(END, flags, seq, reason, cmd_id, first, stop)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Command:
    """A decoded command: ``opcode``, ``cmd_id`` (u16, echoed in the response), ``args``."""

    opcode: Op
    cmd_id: int
    args: bytes


_ARGS_LEN = {
    Op.START_STREAM: 4,
    Op.STOP_STREAM: 0,
    Op.SET_FORMAT: 2,
    Op.SYNC_TIME: 8,
    Op.GET_STATUS: 0,
    Op.RESEND: 8,
    Op.GET_INFO: 0,
    Op.SET_MODE: 1,
    Op.ERASE: 4,
}


def encode_command(opcode: int, cmd_id: int, args: bytes = b"") -> bytes:
    """Encode a command: ``[version << 4 | 0x8, opcode, u16 cmd_id, args..., u16 CRC]``.

    Parameters
    ----------
    opcode : int
        :class:`Op`.
    cmd_id : int
        Id echoed in the response (u16; the host counts up and wraps).
    args : bytes
        The opcode's arguments (see the ``cmd_*`` builders).
    """
    return _seal(_COMMAND.pack(_vt(COMMAND), opcode & 0xFF, cmd_id & 0xFFFF) + bytes(args))


#: Alias of :func:`encode_command`.
command = encode_command


def decode_command(data: bytes | bytearray | memoryview) -> Command:
    """Decode a host -> band command.

    Raises
    ------
    BadLength, BadCRC, BadVersion
        As for frames (the argument length must match the opcode exactly).
    UnknownType
        Not a command (type nibble other than :data:`COMMAND`).
    UnknownOpcode
        An opcode this version does not know (the band answers UNKNOWN_COMMAND).
    """
    raw = bytes(data)
    n = len(raw)
    _check_envelope(raw, {COMMAND}, COMMAND_MIN_LEN)
    _, opcode, cmd_id = _COMMAND.unpack_from(raw)
    try:
        op = Op(opcode)
    except ValueError:
        raise UnknownOpcode(f"unknown opcode {opcode:#x}", length=n, opcode=opcode,
                            cmd_id=cmd_id) from None  # fmt: skip
    expected = _COMMAND.size + 2 + _ARGS_LEN[op]
    if n != expected:
        raise BadLength(f"{op.name} of {n} bytes, expected {expected}", length=n,
                        expected=expected)  # fmt: skip
    return Command(op, cmd_id, raw[_COMMAND.size : n - 2])


def cmd_start_stream(cmd_id: int, from_seq: int = LIVE_ONLY) -> bytes:
    """START_STREAM: send flash from ``from_seq`` (catch-up, flagged resent), then live."""
    return encode_command(Op.START_STREAM, cmd_id, struct.pack("<I", from_seq & 0xFFFFFFFF))


def cmd_stop_stream(cmd_id: int) -> bytes:
    """STOP_STREAM: stop live notifications (recording to flash goes on)."""
    return encode_command(Op.STOP_STREAM, cmd_id)


def cmd_set_format(cmd_id: int, fmt: SampleFormat, frame_samples: int = 0) -> bytes:
    """SET_FORMAT: rate/range/resolution and samples per frame (0: keep); flash must be empty."""
    return encode_command(Op.SET_FORMAT, cmd_id, bytes([fmt.code, frame_samples & 0xFF]))


def cmd_sync_time(cmd_id: int, unix_s: float) -> bytes:
    """SYNC_TIME: host UTC as int64 microseconds since 1970; the band answers with its tick."""
    return encode_command(Op.SYNC_TIME, cmd_id, struct.pack("<q", round(unix_s * 1e6)))


def cmd_get_status(cmd_id: int) -> bytes:
    """GET_STATUS: a RESPONSE, then a STATUS frame."""
    return encode_command(Op.GET_STATUS, cmd_id)


def cmd_resend(cmd_id: int, first_seq: int, stop_seq: int) -> bytes:
    """RESEND of DATA frames ``[first_seq, stop_seq)`` from flash, then END(RESEND_DONE)."""
    args = struct.pack("<II", first_seq & 0xFFFFFFFF, stop_seq & 0xFFFFFFFF)
    return encode_command(Op.RESEND, cmd_id, args)


def cmd_get_info(cmd_id: int) -> bytes:
    """GET_INFO: the info record (:func:`decode_info`), split over parts if needed."""
    return encode_command(Op.GET_INFO, cmd_id)


def cmd_set_mode(cmd_id: int, mode: Mode | int) -> bytes:
    """SET_MODE: raw samples or on-device events (EVENT/SUMMARY frames)."""
    return encode_command(Op.SET_MODE, cmd_id, bytes([int(mode)]))


def cmd_erase(cmd_id: int) -> bytes:
    """ERASE: empty the flash ring and restart sequence numbers at 0 (not while streaming)."""
    return encode_command(Op.ERASE, cmd_id, struct.pack("<I", ERASE_MAGIC))


# ---------------------------------------------------------------------------------------------
# Info record, response reassembly, sizing
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BandInfo:
    """The band's info record (INFO characteristic and GET_INFO).

    Attributes
    ----------
    device_id : str
        The stable id the host pairs with: printable ASCII, 1-32 characters. A real band uses
        ``"RLS-"`` and the 16 upper-case hex digits of its 64-bit chip id.
    model, serial, firmware : str
        As in the Device Information Service.
    format : SampleFormat
        Current sample format.
    frame_samples : int
        Samples per DATA frame (fixed until the next ERASE).
    tick_hz : int
        Rate of the tick counter, Hz.
    ring_capacity_samples : int
        Flash ring capacity, samples.
    mode : int
        :class:`Mode`.
    """

    device_id: str
    model: str
    serial: str
    firmware: str
    format: SampleFormat
    frame_samples: int
    tick_hz: int = TICK_HZ
    ring_capacity_samples: int = 0
    mode: int = Mode.RAW

    @property
    def fs_hz(self) -> float:
        """Sample rate, Hz."""
        return self.format.rate_hz

    @property
    def lsb_g(self) -> float:
        """g per count."""
        return self.format.lsb_g


_INFO = struct.Struct("<BBBHBI")
INFO_RECORD_VERSION: Final = 1


def _ascii(text: str, name: str) -> bytes:
    raw = text.encode("ascii")
    if not 0 < len(raw) <= 32 or not raw.isascii() or not text.isprintable():
        raise ValueError(f"{name} must be 1-32 printable ASCII characters, got {text!r}")
    return bytes([len(raw)]) + raw


def encode_info(info: BandInfo) -> bytes:
    """The info record: ``u8 record version, u8 protocol version, u8 format, u16 tick_hz,
    u8 frame_samples, u32 ring capacity, u8 mode``, then four length-prefixed ASCII strings:
    device id, model, serial, firmware.

    Raises
    ------
    ValueError
        For a string that is empty, longer than 32 bytes or not printable ASCII.
    """
    head = _INFO.pack(INFO_RECORD_VERSION, PROTOCOL_VERSION, info.format.code, info.tick_hz,
                      info.frame_samples, info.ring_capacity_samples)  # fmt: skip
    return (
        head
        + bytes([int(info.mode)])
        + _ascii(info.device_id, "device_id")
        + _ascii(info.model, "model")
        + _ascii(info.serial, "serial")
        + _ascii(info.firmware, "firmware")
    )


def decode_info(data: bytes) -> BandInfo:
    """Parse an info record (see :func:`encode_info`).

    Raises
    ------
    BadLength
        When the record is truncated.
    BadVersion
        For another record or protocol version.
    """
    n = len(data)
    if n < _INFO.size + 1:
        raise BadLength(f"info record of {n} bytes", length=n, expected=_INFO.size + 1)
    rec_v, proto_v, code, tick_hz, frame_samples, capacity = _INFO.unpack_from(data)
    if rec_v != INFO_RECORD_VERSION or proto_v != PROTOCOL_VERSION:
        raise BadVersion(f"info record version {rec_v}/{proto_v}", length=n, found=proto_v)
    mode = data[_INFO.size]
    pos = _INFO.size + 1
    texts: list[str] = []
    for _ in range(4):
        if pos >= n or pos + 1 + data[pos] > n:
            raise BadLength("info record truncated", length=n, expected=pos + 1)
        size = data[pos]
        texts.append(data[pos + 1 : pos + 1 + size].decode("ascii", "replace"))
        pos += 1 + size
    return BandInfo(texts[0], texts[1], texts[2], texts[3], SampleFormat.from_code(code),
                    frame_samples, tick_hz, capacity, mode)  # fmt: skip


class ResponseAssembler:
    """Join the parts of multi-frame responses (:data:`FLAG_MORE`) per ``cmd_id``.

    Examples
    --------
    >>> parts = split_response(0, Op.GET_INFO, 7, Result.OK, bytes(30), max_frame_len=20)
    >>> asm = ResponseAssembler()
    >>> [asm.feed(decode_frame(p)) is None for p in parts]
    [True, True, True, False]
    """

    def __init__(self) -> None:
        self._parts: dict[int, list[bytes]] = {}

    def feed(self, frame: ResponseFrame) -> ResponseFrame | None:
        """Take one RESPONSE part; return the whole response once its last part arrived."""
        parts = self._parts.setdefault(frame.cmd_id, [])
        parts.append(frame.data)
        if frame.more:
            return None
        del self._parts[frame.cmd_id]
        return ResponseFrame(RESPONSE, frame.flags, frame.seq, frame.opcode, frame.cmd_id,
                             frame.result, b"".join(parts))  # fmt: skip

    def clear(self) -> None:
        """Forget partial responses (after a reconnect)."""
        self._parts.clear()


def max_frame_len(att_mtu: int | None) -> int:
    """Largest frame for an ATT MTU (``None``: serial, :data:`MAX_FRAME_LEN`).

    Raises
    ------
    ValueError
        For an ATT MTU below 23.
    """
    if att_mtu is None:
        return MAX_FRAME_LEN
    if att_mtu < MIN_ATT_MTU:
        raise ValueError(f"ATT MTU {att_mtu} is below the BLE minimum of {MIN_ATT_MTU}")
    return min(att_mtu - 3, MAX_FRAME_LEN)


def max_samples_per_frame(att_mtu: int | None = MIN_ATT_MTU) -> int:
    """Samples that fit one DATA frame in one notification.

    Parameters
    ----------
    att_mtu : int or None
        Negotiated ATT MTU (notification payload = MTU - 3, at most 512 bytes); ``None`` for a
        serial line (512-byte frames).

    Returns
    -------
    int
        ``(min(att_mtu - 3, 512) - 14) // 6``: 1 at MTU 23, 38 at 247, 83 at 517.

    Raises
    ------
    ValueError
        For an ATT MTU below 23.

    Examples
    --------
    >>> [max_samples_per_frame(m) for m in (23, 185, 247, 517)]
    [1, 28, 38, 83]
    """
    return (max_frame_len(att_mtu) - DATA_OVERHEAD) // SAMPLE_BYTES


__all__ += [
    "COMMAND_MIN_LEN",
    "DATA_OVERHEAD",
    "ERASE_MAGIC",
    "HEADER_LEN",
    "LIVE_ONLY",
    "MIN_ATT_MTU",
    "RANGES_G",
    "RATES_HZ",
    "RESOLUTIONS_BITS",
    "RESPONSE_OVERHEAD",
    "STATE_BATTERY_LOW",
    "STATE_CLOCK_SYNCED",
    "STATE_EVENTS_MODE",
    "STATE_FLASH_WRAPPED",
    "STATE_RECORDING",
    "STATE_STREAMING",
    "max_frame_len",
]  # fmt: skip
