"""Polar Verity Sense and H10 accelerometers over the Polar Measurement Data (PMD) service,
written from Polar's published PMD description (the measurement data specification and the
open SDK's documentation).

Service ``FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8``; control point ``FB005C81-...`` (write, and
indications carrying the answers), data ``FB005C82-...`` (notifications).

Control point commands are ``[op code, measurement type, parameters...]``: 1 get the
measurement's settings, 2 start it (parameters: the chosen settings), 3 stop it. ACC is
measurement type 2. An answer is ``[0xF0, op code, measurement type, status, more,
parameters...]`` (status 0 is success). Settings are a run of ``[setting type, count, value *
count]``: 0 sample rate (u16, Hz), 1 resolution (u16, bits), 2 range (u16, g), 5 factor
(float32; the start answer carries it, and every sample is multiplied by it to give milli-g).

A data notification is ``[measurement type, u64 time stamp, frame type, content...]``: the time
stamp is of the frame's *last* sample, in nanoseconds since 2000-01-01T00:00:00; bit 7 of the
frame type marks a delta-compressed frame. Raw frames hold x, y, z as little-endian signed
integers of ``frame type + 1`` bytes each (types 0, 1, 2). A delta-compressed frame of type 1
(16-bit resolution) holds a reference sample (three int16), then blocks ``[bit width, sample
count, packed deltas]``: ``count * 3`` signed deltas of ``bit width`` bits each, packed least
significant bit first; each sample is the previous one plus its deltas.

Earlier samples' times are the frame's time stamp less whole sample periods: the period is
the time between this frame's stamp and the previous frame's divided by the samples of this
frame (the nominal ``1 / rate`` for the first frame of a connection).
"""

from __future__ import annotations

import math
import struct
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import ConfigError, ConnectError
from rls_monitor.link.drivers.base import (
    Capabilities,
    DriverItem,
    DriverLink,
    SampleTimeline,
    VendorDriver,
    frame_error,
)
from rls_monitor.link.transports.ble import GattProfile
from rls_monitor.link.wire import BandInfo, DataBlock, Reply

__all__ = [
    "POLAR_EPOCH_UNIX_S",
    "POLAR_PROFILE",
    "PolarDriver",
    "decode_delta_frame",
    "decode_raw_frame",
    "decode_settings",
    "encode_settings",
]

POLAR_PROFILE = GattProfile(
    service_uuid="fb005c80-02e7-f387-1cad-8acd2d8df0c8",
    data_uuid="fb005c82-02e7-f387-1cad-8acd2d8df0c8",
    control_uuid="fb005c81-02e7-f387-1cad-8acd2d8df0c8",
    info_uuid="00002a25-0000-1000-8000-00805f9b34fb",
    extra_notify_uuids=("fb005c81-02e7-f387-1cad-8acd2d8df0c8",),
)
"""PMD: data notifications, control point writes and its answers (indications)."""

#: 2000-01-01T00:00:00Z in Unix seconds: the zero of PMD time stamps.
POLAR_EPOCH_UNIX_S = 946_684_800
NS_PER_S = 1_000_000_000

MEASUREMENT_ACC = 2
OP_GET_SETTINGS = 1
OP_START = 2
OP_STOP = 3
RESPONSE_CODE = 0xF0
SETTING_RATE = 0
SETTING_RESOLUTION = 1
SETTING_RANGE = 2
SETTING_FACTOR = 5
#: Bytes of one value of each setting type.
SETTING_BYTES = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4}
DELTA_BIT = 0x80
CHANNELS = 3
DELTA_RESOLUTION_BITS = 16
#: A delta wider than the samples' resolution plus one bit cannot occur: such a frame is corrupt.
MAX_DELTA_BITS = DELTA_RESOLUTION_BITS + 1


def decode_settings(params: bytes) -> dict[int, list[int | float]]:
    """Settings of a PMD answer: setting type -> its values (the factor as a float).

    Raises
    ------
    FrameError
        ``BadSettings`` for an unknown setting type or a truncated run.

    Examples
    --------
    >>> decode_settings(bytes([0, 2, 52, 0, 104, 0, 2, 1, 8, 0]))
    {0: [52, 104], 2: [8]}
    """
    out: dict[int, list[int | float]] = {}
    i = 0
    while i < len(params):
        if i + 2 > len(params) or params[i] not in SETTING_BYTES:
            raise frame_error("BadSettings", f"PMD setting run broken at byte {i}")
        kind, count = params[i], params[i + 1]
        size = SETTING_BYTES[kind]
        i += 2
        if i + size * count > len(params):
            raise frame_error("BadSettings", f"PMD setting {kind} truncated")
        values: list[int | float] = []
        for _ in range(count):
            chunk = params[i : i + size]
            if kind == SETTING_FACTOR:
                values.append(struct.unpack("<f", chunk)[0])
            else:
                values.append(int.from_bytes(chunk, "little"))
            i += size
        out[kind] = values
    return out


def encode_settings(settings: dict[int, int]) -> bytes:
    """Chosen settings as a start command carries them: ``[type, 1, value]`` each.

    Examples
    --------
    >>> encode_settings({0: 52, 1: 16, 2: 8}).hex(" ")
    '00 01 34 00 01 01 10 00 02 01 08 00'
    """
    out = bytearray()
    for kind, value in settings.items():
        out += bytes([kind, 1]) + int(value).to_bytes(SETTING_BYTES[kind], "little")
    return bytes(out)


def decode_raw_frame(content: bytes, frame_type: int) -> NDArray[np.int64]:
    """A raw ACC frame's samples, (n, 3) signed integers (before the factor).

    Raises
    ------
    FrameError
        ``UnknownType`` for a frame type other than 0, 1, 2; ``BadLength`` when the content is
        not whole samples.
    """
    if frame_type not in (0, 1, 2):
        raise frame_error("UnknownType", f"raw ACC frame type {frame_type}")
    width = frame_type + 1
    step = width * CHANNELS
    if not content or len(content) % step:
        raise frame_error("BadLength", f"{len(content)} bytes is not whole {step}-byte samples")
    raw = np.frombuffer(content, dtype=np.uint8).reshape(-1, width).astype(np.int64)
    value = (raw << (8 * np.arange(width, dtype=np.int64))).sum(axis=1)
    sign = 1 << (8 * width - 1)
    value = (value ^ sign) - sign
    return value.reshape(-1, CHANNELS)


def decode_delta_frame(content: bytes) -> NDArray[np.int64]:
    """A delta-compressed ACC frame (16-bit resolution): (n, 3) signed integers.

    Raises
    ------
    FrameError
        ``Truncated`` when a block runs past the frame, ``BadDeltaWidth`` for a bit width of 0
        or beyond :data:`MAX_DELTA_BITS`.

    Examples
    --------
    Reference (1, 2, 3), one block of width 2 with one sample of deltas (1, -1, 0):
    ``0b00_11_01`` packed least significant bit first is the byte 0x0D.

    >>> decode_delta_frame(bytes([1, 0, 2, 0, 3, 0, 2, 1, 0x0D])).tolist()
    [[1, 2, 3], [2, 1, 3]]
    """
    ref_bytes = CHANNELS * DELTA_RESOLUTION_BITS // 8
    if len(content) < ref_bytes:
        raise frame_error("Truncated", "a delta frame without its reference sample")
    reference = np.frombuffer(content[:ref_bytes], dtype="<i2").astype(np.int64)
    parts = [reference.reshape(1, CHANNELS)]
    last = reference
    i = ref_bytes
    n = len(content)
    while i < n:
        if i + 2 > n:
            raise frame_error("Truncated", "a delta block header runs past the frame")
        width, count = content[i], content[i + 1]
        i += 2
        if not 1 <= width <= MAX_DELTA_BITS:
            raise frame_error("BadDeltaWidth", f"delta width {width} bits")
        n_bits = width * count * CHANNELS
        n_bytes = -(-n_bits // 8)
        if i + n_bytes > n:
            raise frame_error("Truncated", "packed deltas run past the frame")
        if count:
            bits = np.unpackbits(
                np.frombuffer(content, dtype=np.uint8, count=n_bytes, offset=i),
                bitorder="little",
            )[:n_bits].reshape(count * CHANNELS, width)
            weights = np.int64(1) << np.arange(width, dtype=np.int64)
            deltas = bits.astype(np.int64) @ weights
            sign = np.int64(1) << (width - 1)
            deltas = ((deltas ^ sign) - sign).reshape(count, CHANNELS)
            block = last + np.cumsum(deltas, axis=0)
            parts.append(block)
            last = block[-1]
        i += n_bytes
    return np.concatenate(parts)


class PolarDriver(VendorDriver):
    """A Polar device's accelerometer (PMD ACC) at ``rate_hz`` and ``range_g``.

    Parameters
    ----------
    rate_hz : int
        Wanted sample rate (Verity Sense: 52 Hz by default; 26-416 Hz in SDK mode); the device's
        offered rate nearest to it is chosen.
    range_g : int
        Wanted range in g (the nearest offered is chosen).

    Raises
    ------
    ConfigError
        A rate or range that is not positive.
    """

    family: ClassVar[str] = "polar"
    name: ClassVar[str] = "polar-pmd/1"
    capabilities: ClassVar[Capabilities] = Capabilities(
        resend_after_gap=False, on_device_events=False, offline_recording=False, battery=True
    )

    def __init__(self, rate_hz: int = 52, *, range_g: int = 8) -> None:
        for name, value in (("rate_hz", rate_hz), ("range_g", range_g)):
            if not (isinstance(value, int) and value > 0):
                raise ConfigError(f"{name} must be a positive integer; got {value!r}", name=name)
        self.profile = POLAR_PROFILE
        self.wanted_rate_hz = rate_hz
        self.wanted_range_g = range_g
        self.rate_hz = rate_hz
        self.factor = 1.0
        self.timeline = SampleTimeline(rate_hz, float(NS_PER_S))
        self._previous_ns: int | None = None
        self._more: bytearray | None = None

    def reset(self) -> None:
        self._previous_ns = None
        self._more = None  # the timeline lasts: a gap is measured from the last block

    async def _command(self, link: DriverLink, op: int, params: bytes = b"") -> Reply:
        reply = await link.request(bytes([op, MEASUREMENT_ACC]) + params, op)
        if not reply.ok:
            raise ConnectError(f"the Polar device refused PMD command {op} (status {reply.result})")
        return reply

    async def connect(self, link: DriverLink) -> BandInfo:
        """Read the ACC settings, start ACC at the nearest rate and range, keep the factor."""
        serial, model, firmware = await self.read_identity(link, "Polar")
        offered = decode_settings((await self._command(link, OP_GET_SETTINGS)).data)
        chosen: dict[int, int] = {}
        for kind, wanted in (
            (SETTING_RATE, self.wanted_rate_hz),
            (SETTING_RESOLUTION, DELTA_RESOLUTION_BITS),
            (SETTING_RANGE, self.wanted_range_g),
        ):
            values = [int(v) for v in offered.get(kind, [])]
            if values:
                chosen[kind] = min(values, key=lambda v: (abs(v - wanted), -v))
        if SETTING_RATE not in chosen:
            raise ConnectError("the Polar device offers no ACC sample rate")
        started = await self._command(link, OP_START, encode_settings(chosen))
        factors = decode_settings(started.data).get(SETTING_FACTOR, [1.0])
        factor = float(factors[0])
        if not (math.isfinite(factor) and factor > 0):
            raise ConnectError(f"the Polar device gave an unusable ACC factor {factor!r}")
        self.factor = factor
        if chosen[SETTING_RATE] != self.rate_hz:
            self.rate_hz = chosen[SETTING_RATE]
            self.timeline = SampleTimeline(self.rate_hz, float(NS_PER_S))
        battery = await self.read_battery(link)
        return BandInfo(
            device_id=self.device_id_for(serial),
            serial=serial,
            firmware=firmware,
            model=model,
            fs_hz=float(self.rate_hz),
            lsb_g=factor / 1000.0,
            tick_hz=float(NS_PER_S),
            frame_samples=1,
            battery_pct=battery,
        )

    async def stop(self, link: DriverLink) -> None:
        """Stop ACC."""
        await link.send(bytes([OP_STOP, MEASUREMENT_ACC]))

    def _response(self, data: bytes) -> list[DriverItem]:
        if len(data) < 4:
            raise frame_error("Truncated", "a PMD answer of fewer than 4 bytes")
        op, status = data[1], data[3]
        more = len(data) > 4 and data[4] != 0
        params = bytes(data[5:])
        if self._more is not None:
            params = bytes(self._more) + params
        if more:
            self._more = bytearray(params)
            return []
        self._more = None
        return [Reply(op, status == 0, status, params, 0)]

    def decode(self, data: bytes) -> list[DriverItem]:
        """A control point answer becomes a :class:`Reply` (``cmd_id`` the op code); an ACC
        frame a :class:`DataBlock` of counts whose ``lsb_g`` is ``factor / 1000``.

        Raises
        ------
        FrameError
            ``Truncated``, ``UnknownType``, ``BadLength``, ``BadDeltaWidth``, ``BadValue``.
        """
        if not data:
            raise frame_error("Truncated", "an empty PMD notification")
        if data[0] == RESPONSE_CODE:
            return self._response(data)
        if data[0] != MEASUREMENT_ACC:
            raise frame_error("UnknownType", f"PMD measurement type {data[0]}")
        if len(data) < 10:
            raise frame_error("Truncated", f"a PMD data frame of {len(data)} bytes")
        (stamp_ns,) = struct.unpack_from("<Q", data, 1)
        frame_type = data[9]
        content = bytes(data[10:])
        if frame_type & DELTA_BIT:
            if frame_type & 0x7F != 1:
                raise frame_error("UnknownType", f"delta ACC frame type {frame_type & 0x7F}")
            raw = decode_delta_frame(content)
        else:
            raw = decode_raw_frame(content, frame_type)
        if np.abs(raw).max() > 32767:
            raise frame_error("BadValue", "an ACC sample beyond int16")
        n = len(raw)
        previous = self._previous_ns
        period_ns = NS_PER_S / self.rate_hz
        if previous is not None and stamp_ns > previous:
            measured = (stamp_ns - previous) / n
            if abs(measured - period_ns) < 0.05 * period_ns:
                period_ns = measured
        self._previous_ns = stamp_ns
        first_ns = round(stamp_ns - (n - 1) * period_ns)
        index = self.timeline.place(first_ns, n)
        return [DataBlock(index, first_ns, raw.astype(np.int16), 0)]
