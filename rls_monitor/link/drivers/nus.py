"""A home-made band on the Nordic UART Service (NUS): our own protocol over a byte pipe.

NUS (service ``6E400001-B5A3-F393-E0A9-E50E24DCCA9E``) is a raw byte pipe that most BLE
boards (an nRF52840 with an IMU, for one) offer out of the box: the host writes
``6E400002-...`` and subscribes to ``6E400003-...`` (Nordic's documents name the two from the
peripheral's side; the UUIDs are what count). A notification is a piece of a byte stream, not a
frame, so the band puts on it the framing it uses on a serial line: each frame COBS-encoded and
ended by 0x00 (:func:`firmware_host.protocol.cobs_encode`). The host splits the stream back into
frames (:class:`firmware_host.protocol.CobsDecoder`) and from there on the band is our band:
GET_INFO, time sync, resends from its flash, events mode.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rls_monitor.errors import FrameError
from rls_monitor.link.drivers.base import BandProtocolDriver, DriverItem
from rls_monitor.link.transports.ble import GattProfile
from rls_monitor.link.wire import Wire

__all__ = ["NUS_PROFILE", "NusDriver"]

NUS_PROFILE = GattProfile(
    service_uuid="6e400001-b5a3-f393-e0a9-e50e24dcca9e",
    data_uuid="6e400003-b5a3-f393-e0a9-e50e24dcca9e",
    control_uuid="6e400002-b5a3-f393-e0a9-e50e24dcca9e",
    info_uuid="6e400003-b5a3-f393-e0a9-e50e24dcca9e",
)
"""NUS: the band notifies ``6E400003`` (its TX), the host writes ``6E400002`` (its RX). NUS has
no info characteristic: the band's identity comes from GET_INFO."""


class NusDriver(BandProtocolDriver):
    """Our band's protocol, COBS-framed, over the Nordic UART Service.

    Parameters
    ----------
    wire : Wire, optional
        The protocol adapter (default: :mod:`firmware_host.protocol`).
    """

    family: ClassVar[str] = "nus"
    name: ClassVar[str] = "rls-band-nus/1"

    def __init__(self, wire: Wire | None = None) -> None:
        super().__init__(wire, profile=NUS_PROFILE)
        self._decoder: Any = self.wire.p.CobsDecoder()

    def reset(self) -> None:
        """A new connection starts a new byte stream."""
        self._decoder = self.wire.p.CobsDecoder()

    @property
    def framing_errors(self) -> int:
        """COBS blocks dropped as malformed on this connection."""
        return int(self._decoder.errors)

    def decode(self, data: bytes) -> list[DriverItem]:
        """Every frame the notification completes, decoded (a frame may span notifications).

        A frame the protocol refuses, or a COBS block that does not decode, is returned in its
        place as a :class:`~rls_monitor.errors.FrameError` item (the session counts it), so the
        frames after it in the same notification are not lost.
        """
        items: list[DriverItem] = []
        errors_before = self._decoder.errors
        for frame in self._decoder.feed(data):
            try:
                items.extend(super().decode(bytes(frame)))
            except FrameError as exc:
                items.append(exc)
        for _ in range(self._decoder.errors - errors_before):
            items.append(FrameError("bad frame: a COBS block that does not decode", kind="BadCOBS"))
        return items

    def outgoing(self, command: bytes, mtu: int) -> list[bytes]:
        """The command COBS-encoded and delimited, cut into writes of at most ``mtu`` bytes."""
        stream = bytes(self.wire.p.cobs_encode(command)) + b"\x00"
        size = max(1, int(mtu))
        return [stream[i : i + size] for i in range(0, len(stream), size)]
