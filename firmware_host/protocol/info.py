"""The band's info record: who the band is and how it records (INFO characteristic, GET_INFO).

:class:`BandInfo`, its encoder :func:`encode_info` and its decoder :func:`decode_info`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from firmware_host.protocol.codes import PROTOCOL_VERSION, TICK_HZ, Mode
from firmware_host.protocol.errors import BadLength, BadVersion
from firmware_host.protocol.sample_format import SampleFormat

__all__ = ["INFO_RECORD_VERSION", "BandInfo", "decode_info", "encode_info"]


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
