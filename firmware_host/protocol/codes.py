"""The numbers of the band protocol: version, sizes, type codes, flags and the coded fields.

Everything here is a value that travels on the wire or bounds what does: the protocol version,
the tick rate, the frame size limits, the frame type codes (low nibble of byte 0), the flag bits
(byte 1), the command opcodes, result codes, modes, END reasons, STATUS state bits and the EVENT
kinds. The frame and command layouts that carry them are in :mod:`firmware_host.protocol.frames`
and :mod:`firmware_host.protocol.commands`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

__all__ = [
    "COMMAND",
    "DATA",
    "END",
    "ERASE",
    "ERASE_MAGIC",
    "EVENT",
    "FLAG_DELTA",
    "FLAG_MORE",
    "FLAG_RESENT",
    "FLAG_RESUMED",
    "FRAME_TYPES",
    "GET_INFO",
    "GET_STATUS",
    "KIND_IN_BED",
    "KIND_LM",
    "KIND_LONG",
    "KIND_OUT_OF_BED",
    "KIND_POSTURE",
    "LIVE_ONLY",
    "MAX_FRAME_LEN",
    "MIN_ATT_MTU",
    "PROTOCOL_VERSION",
    "REPLY",
    "RESEND",
    "RESPONSE",
    "SAMPLE_BYTES",
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
    "EndReason",
    "EventKind",
    "Mode",
    "Op",
    "Result",
]

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

# STATUS state bits
STATE_STREAMING: Final = 0x01
STATE_RECORDING: Final = 0x02
STATE_EVENTS_MODE: Final = 0x04
STATE_CLOCK_SYNCED: Final = 0x08
STATE_BATTERY_LOW: Final = 0x10
STATE_FLASH_WRAPPED: Final = 0x20


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


class EventKind(IntEnum):
    """EVENT frame kinds (the ``kind`` byte), also the kinds of the on-device pipeline's events.

    This is the one definition: :mod:`firmware_host.processing` makes events of these kinds and
    the host decodes them with the same values.
    """

    LM = 0  # a leg movement (0.5-10 s)
    LONG = 1  # a movement longer than 10 s (never a CLM)
    POSTURE = 2  # a posture change (turn-over): from one stable lying posture to the next
    IN_BED = 3  # a lying bout begins at onset_tick (duration 0)
    OUT_OF_BED = 4  # the lying bout ends at onset_tick (duration 0)


# module-level aliases for callers that use bare names
KIND_LM: Final = EventKind.LM
KIND_LONG: Final = EventKind.LONG
KIND_POSTURE: Final = EventKind.POSTURE
KIND_IN_BED: Final = EventKind.IN_BED
KIND_OUT_OF_BED: Final = EventKind.OUT_OF_BED


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
