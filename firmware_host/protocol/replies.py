"""The band's answers to commands, seen whole: split into RESPONSE parts, joined again, decoded.

A command's answer longer than one frame goes out as several RESPONSE frames, all but the last
flagged ``FLAG_MORE`` (:func:`split_response`); the host joins them per ``cmd_id``
(:class:`ResponseAssembler`). SET_MODE's answer data is decoded by :func:`decode_mode_reply`
(GET_INFO's, the info record, by :func:`firmware_host.protocol.info.decode_info`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from firmware_host.protocol.codes import FLAG_MORE, MAX_FRAME_LEN, RESPONSE
from firmware_host.protocol.errors import BadLength
from firmware_host.protocol.frames import RESPONSE_OVERHEAD, ResponseFrame, encode_response

__all__ = ["ModeReply", "ResponseAssembler", "decode_mode_reply", "split_response"]


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


class ResponseAssembler:
    """Join the parts of multi-frame responses (:data:`FLAG_MORE`) per ``cmd_id``.

    Examples
    --------
    >>> from firmware_host.protocol import Op, Result, decode_frame
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
