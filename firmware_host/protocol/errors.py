"""The errors of the band protocol: :class:`ProtocolError` and one subclass per kind of fault.

Tree::

    ValueError
    └── ProtocolError          kind "malformed"; attribute length
        ├── BadLength          kind "length"; expected
        ├── BadCRC             kind "crc"; found, computed
        ├── BadVersion         kind "version"; found, expected
        ├── UnknownType        kind "type"; type_code
        ├── UnsupportedFrame   kind "unsupported"; flags
        └── UnknownOpcode      kind "opcode"; opcode, cmd_id
"""

from __future__ import annotations

from firmware_host.protocol.codes import PROTOCOL_VERSION

__all__ = [
    "BadCRC",
    "BadLength",
    "BadVersion",
    "ProtocolError",
    "UnknownOpcode",
    "UnknownType",
    "UnsupportedFrame",
]


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
