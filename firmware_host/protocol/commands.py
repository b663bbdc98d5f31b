"""Commands (host -> band): their layout, the encoder, the decoder and one builder per opcode.

A command is ``[version << 4 | 0x8, u8 opcode, u16 cmd_id, args..., u16 CRC]``; ``cmd_id`` is
echoed in the band's RESPONSE. :func:`encode_command` / :func:`decode_command` and the ``cmd_*``
builders (one per :class:`~firmware_host.protocol.codes.Op`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from firmware_host.protocol.codes import COMMAND, ERASE_MAGIC, LIVE_ONLY, Mode, Op
from firmware_host.protocol.envelope import CRC_LEN, check_envelope, seal, type_byte
from firmware_host.protocol.errors import BadLength, UnknownOpcode
from firmware_host.protocol.sample_format import SampleFormat

__all__ = [
    "COMMAND_MIN_LEN",
    "Command",
    "cmd_erase",
    "cmd_get_info",
    "cmd_get_status",
    "cmd_resend",
    "cmd_set_format",
    "cmd_set_mode",
    "cmd_start_stream",
    "cmd_stop_stream",
    "cmd_sync_time",
    "command",
    "decode_command",
    "encode_command",
]

_COMMAND = struct.Struct("<BBH")
COMMAND_MIN_LEN: Final = _COMMAND.size + CRC_LEN  # 6 bytes


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
    return seal(_COMMAND.pack(type_byte(COMMAND), opcode & 0xFF, cmd_id & 0xFFFF) + bytes(args))


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
    check_envelope(raw, {COMMAND}, COMMAND_MIN_LEN)
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
    """GET_INFO: the info record (:mod:`firmware_host.protocol.info`), in parts if needed."""
    return encode_command(Op.GET_INFO, cmd_id)


def cmd_set_mode(cmd_id: int, mode: Mode | int) -> bytes:
    """SET_MODE: raw samples or on-device events (EVENT/SUMMARY frames)."""
    return encode_command(Op.SET_MODE, cmd_id, bytes([int(mode)]))


def cmd_erase(cmd_id: int) -> bytes:
    """ERASE: empty the flash ring and restart sequence numbers at 0 (not while streaming)."""
    return encode_command(Op.ERASE, cmd_id, struct.pack("<I", ERASE_MAGIC))
