"""The band's frames (band -> host): their classes, their encoders and the decoder.

Frame header (6 bytes, all frames)::

    0  u8   version << 4 | type
    1  u8   flags
    2  u32  seq

then a type-specific body, then ``u16`` CRC (:mod:`firmware_host.protocol.envelope`). DATA:
``u32 tick, u8 format, u8 count`` and ``count`` samples of ``int16 x, y, z``: 14 bytes of
overhead, so one sample fits the 20-byte notification of the default ATT MTU 23 and 38 samples
fit ATT MTU 247 (:func:`max_samples_per_frame`). STATUS, RESPONSE (one part of a command's
answer), EVENT, SUMMARY (events mode) and END frames: see each class and ``docs/protocol.md``.

Entry points: the ``encode_*`` functions (one per frame type) and :func:`decode_frame`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from firmware_host.protocol.codes import (
    DATA,
    END,
    EVENT,
    FLAG_DELTA,
    FLAG_MORE,
    FLAG_RESENT,
    FRAME_TYPES,
    MAX_FRAME_LEN,
    MIN_ATT_MTU,
    RESPONSE,
    SAMPLE_BYTES,
    STATE_STREAMING,
    STATUS,
    SUMMARY,
    EventKind,
    Result,
)
from firmware_host.protocol.delta import delta_decode, delta_encode
from firmware_host.protocol.envelope import (
    CRC_LEN,
    HEADER_LEN,
    check_envelope,
    max_frame_len,
    seal,
    type_byte,
)
from firmware_host.protocol.errors import BadLength, UnsupportedFrame
from firmware_host.protocol.sample_format import SampleFormat

__all__ = [
    "DATA_OVERHEAD",
    "RESPONSE_OVERHEAD",
    "DataFrame",
    "EndFrame",
    "EventFrame",
    "Frame",
    "ResponseFrame",
    "StatusFrame",
    "SummaryFrame",
    "decode_frame",
    "encode_data",
    "encode_end",
    "encode_event",
    "encode_response",
    "encode_status",
    "encode_summary",
    "max_samples_per_frame",
]

_DATA = struct.Struct("<BBIIBB")
_STATUS = struct.Struct("<BBIIBBHh")
_RESPONSE = struct.Struct("<BBIBHB")
_EVENT = struct.Struct("<BBIIHHBB")
_SUMMARY = struct.Struct("<BBIIBBHHBB")
_END = struct.Struct("<BBIBHII")
DATA_OVERHEAD: Final = _DATA.size + CRC_LEN  # 14 bytes
RESPONSE_OVERHEAD: Final = _RESPONSE.size + CRC_LEN  # 12 bytes


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
        :class:`~firmware_host.protocol.codes.EventKind`: 0 leg movement, 1 long movement
        (> 10 s), 2 posture change, 3 in bed, 4 out of bed.
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
    head = _DATA.pack(type_byte(DATA), flags, seq & 0xFFFFFFFF, tick & 0xFFFFFFFF, code, count)
    return seal(head + payload)


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
    return seal(
        _STATUS.pack(
            type_byte(STATUS), flags, next_seq & 0xFFFFFFFF, tick & 0xFFFFFFFF,
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
    """Encode one RESPONSE frame (``12 + len(data)`` bytes).

    A response longer than one frame is split over several (see
    :func:`firmware_host.protocol.replies.split_response`).

    Raises
    ------
    ValueError
        When the frame would exceed :data:`MAX_FRAME_LEN`.
    """
    if RESPONSE_OVERHEAD + len(data) > MAX_FRAME_LEN:
        raise ValueError(f"response data of {len(data)} bytes does not fit a frame")
    head = _RESPONSE.pack(
        type_byte(RESPONSE),
        flags,
        next_seq & 0xFFFFFFFF,
        opcode & 0xFF,
        cmd_id & 0xFFFF,
        result & 0xFF,
    )
    return seal(head + data)


def encode_event(
    seq: int,
    onset_tick: int,
    duration_ms: int,
    peak_mg: int,
    kind: int = EventKind.LM,
    confidence: int = 255,
    *,
    flags: int = 0,
) -> bytes:
    """Encode an EVENT frame (17 bytes; events mode). Fields as in :class:`EventFrame`."""
    return seal(
        _EVENT.pack(
            type_byte(EVENT), flags, seq & 0xFFFFFFFF, onset_tick & 0xFFFFFFFF,
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
    return seal(
        _SUMMARY.pack(
            type_byte(SUMMARY), flags, seq & 0xFFFFFFFF, start_tick & 0xFFFFFFFF,
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
    return seal(
        _END.pack(
            type_byte(END), flags, next_seq & 0xFFFFFFFF, reason & 0xFF, cmd_id & 0xFFFF,
            first_seq & 0xFFFFFFFF, stop_seq & 0xFFFFFFFF,
        )
    )  # fmt: skip


_FIXED_LEN = {
    STATUS: _STATUS.size + 2,
    EVENT: _EVENT.size + 2,
    SUMMARY: _SUMMARY.size + 2,
    END: _END.size + 2,
}


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
    ftype = check_envelope(raw, FRAME_TYPES, HEADER_LEN + 2)
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
