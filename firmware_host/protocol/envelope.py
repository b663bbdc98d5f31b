"""What every frame and command shares: the type byte, the CRC, the length limits and their checks.

Every frame (band -> host) and command (host -> band) starts with one byte holding the protocol
version (high nibble) and the type (low nibble) and ends with a ``u16`` CRC-16/CCITT-FALSE over
everything before it (:func:`firmware_host.protocol.framing.crc16`). :func:`seal` appends the CRC,
:func:`type_byte` makes the first byte and :func:`check_envelope` checks length, CRC, version and
type before anything else of a frame is trusted. :func:`max_frame_len` is the largest frame an
ATT MTU (or a serial line) carries.
"""

from __future__ import annotations

import struct
from typing import Final

from firmware_host.protocol.codes import MAX_FRAME_LEN, MIN_ATT_MTU, PROTOCOL_VERSION
from firmware_host.protocol.errors import BadCRC, BadLength, BadVersion, UnknownType
from firmware_host.protocol.framing import crc16

__all__ = ["CRC_LEN", "HEADER_LEN", "check_envelope", "max_frame_len", "seal", "type_byte"]

_HEADER = struct.Struct("<BBI")
_CRC = struct.Struct("<H")
#: Bytes of the header every frame starts with: ``u8 version << 4 | type, u8 flags, u32 seq``.
HEADER_LEN: Final = _HEADER.size
#: Bytes of the CRC every frame and command ends with.
CRC_LEN: Final = _CRC.size


def seal(body: bytes | bytearray) -> bytes:
    """``body`` followed by its CRC: a whole frame or command."""
    return bytes(body) + _CRC.pack(crc16(body))


def type_byte(ftype: int) -> int:
    """The first byte of a frame or command of type ``ftype``: ``PROTOCOL_VERSION << 4 | ftype``."""
    return (PROTOCOL_VERSION << 4) | ftype


def check_envelope(data: bytes, allowed: set[int], min_len: int) -> int:
    """Length, CRC, version and type checks shared by frames and commands; return the type.

    Parameters
    ----------
    data : bytes
        The whole frame or command, CRC included.
    allowed : set of int
        The type codes accepted.
    min_len : int
        The shortest length accepted, bytes.

    Returns
    -------
    int
        The type code (low nibble of byte 0).

    Raises
    ------
    BadLength
        Shorter than ``min_len`` or longer than :data:`MAX_FRAME_LEN`.
    BadCRC
        The CRC does not match.
    BadVersion
        Another protocol version.
    UnknownType
        A type code not in ``allowed``.
    """
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
