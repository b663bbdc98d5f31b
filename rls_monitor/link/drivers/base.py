"""The device-driver interface, what a device can do, and the driver of our own band.

A :class:`DeviceDriver` sits between a transport (which moves raw notifications) and the
:class:`~rls_monitor.link.band_session.BandSession` (which keeps a night). It decodes the
device's notifications into the session's items (:class:`~rls_monitor.link.wire.DataBlock`,
:class:`~rls_monitor.link.wire.Reply`, ...), sends its commands through a :class:`DriverLink` the
session provides, and declares :class:`Capabilities`.

Two kinds of driver exist:

- our own protocol (:class:`BandProtocolDriver`, and the Nordic UART one built on it): the
  session runs the handshake itself (``GET_INFO``, time sync, ``START_STREAM`` from a sequence
  number, resends from the band's flash);
- a vendor's protocol (:class:`VendorDriver`): the driver connects (identifies the device,
  starts its accelerometer) and yields :class:`~rls_monitor.link.wire.DataBlock` items whose
  ``seq`` is the *sample index* on the device's own time base (its timestamp times the rate,
  see :class:`SampleTimeline`) and ``tick`` the device timestamp of the block's first sample.
  Such devices cannot resend: a gap stays a gap, and is counted.

Every frame a driver refuses raises :class:`~rls_monitor.errors.FrameError` with a ``kind``, so
the session drops and counts it.
"""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Protocol

from rls_monitor.errors import FrameError
from rls_monitor.link.transports.ble import GattProfile
from rls_monitor.link.wire import (
    BandInfo,
    DataBlock,
    EndOfData,
    EventItem,
    Reply,
    StatusReport,
    Wire,
)

__all__ = [
    "BandProtocolDriver",
    "Capabilities",
    "DeviceDriver",
    "DriverItem",
    "DriverLink",
    "SampleTimeline",
    "VendorDriver",
    "decode_text",
]

DriverItem = DataBlock | Reply | StatusReport | EndOfData | EventItem | FrameError
"""What a driver's :meth:`DeviceDriver.decode` yields: the session's items, or, for a frame
refused inside a stream of several (Nordic UART), the :class:`FrameError` the session counts."""

#: Standard GATT characteristics a vendor driver reads (Device Information, Battery services).
MODEL_NUMBER_UUID = "00002a24-0000-1000-8000-00805f9b34fb"
SERIAL_NUMBER_UUID = "00002a25-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_UUID = "00002a26-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"


@dataclass(frozen=True)
class Capabilities:
    """What a device (with its driver) can and cannot do.

    Attributes
    ----------
    resend_after_gap : bool
        Samples missed during a link loss are fetched again from the device's memory.
    on_device_events : bool
        The device detects leg movements itself (``record --on-device``).
    offline_recording : bool
        The device records a night alone and this host downloads it later (``sync``).
    battery : bool
        The device reports its battery level.
    """

    resend_after_gap: bool
    on_device_events: bool
    offline_recording: bool
    battery: bool

    def to_dict(self) -> dict[str, bool]:
        """As a JSON-ready dict."""
        return asdict(self)


class DriverLink(Protocol):
    """What a vendor driver needs from the session: commands with answers, reads."""

    async def request(self, data: bytes, key: int) -> Reply:
        """Send ``data`` and wait for the answer whose ``cmd_id`` is ``key``.

        Raises
        ------
        LinkLost
            No answer in time, or the link went away.
        """
        ...

    async def send(self, data: bytes) -> None:
        """Send ``data`` without waiting for an answer."""
        ...

    async def read_characteristic(self, uuid: str) -> bytes | None:
        """Read one GATT characteristic (``None`` where the link has none)."""
        ...


def decode_text(raw: bytes | None, default: str = "") -> str:
    """A GATT string characteristic as text (UTF-8, trailing NULs dropped).

    Examples
    --------
    >>> decode_text(b"Movesense\\x00"), decode_text(None, "?")
    ('Movesense', '?')
    """
    if not raw:
        return default
    return raw.rstrip(b"\x00").decode("utf-8", errors="replace").strip() or default


class SampleTimeline:
    """Place a vendor's timestamped blocks of samples on one sample index.

    The first block's first sample, at device time ``tick`` (in ``tick_hz`` units), gets the
    index ``round(tick * fs_hz / tick_hz)``. Every later block is placed against the one before
    it: a block that starts within ``tolerance_samples`` of where the previous one ended (by
    their time stamps) follows it without a gap, so time-stamp jitter and a sensor whose sample
    clock is not exactly its nominal rate never make false gaps; one that starts further on
    leaves a gap of the samples between, one that starts earlier overlaps. The timeline lasts
    across reconnections: a gap over a lost link is measured from the last block received.

    Parameters
    ----------
    fs_hz : float
        The nominal sample rate, Hz.
    tick_hz : float
        Units per second of the device's timestamps.
    tolerance_samples : int
        How far a block may start from where the last ended and still be contiguous.
    restart_s : float
        A block that starts this much before where the last one ended is taken as the device's
        clock starting again (a reboot), counted in :attr:`clock_restarts`, and placed after
        the last block.

    Examples
    --------
    >>> t = SampleTimeline(fs_hz=52.0, tick_hz=1000.0)
    >>> t.place(1000, 8), t.place(1154, 8), t.place(2000, 8)
    (52, 60, 104)
    """

    def __init__(
        self,
        fs_hz: float,
        tick_hz: float,
        *,
        tolerance_samples: int = 2,
        restart_s: float = 10.0,
    ) -> None:
        self.fs_hz = float(fs_hz)
        self.tick_hz = float(tick_hz)
        self.tolerance_samples = int(tolerance_samples)
        self.restart_samples = max(float(tolerance_samples), restart_s * self.fs_hz)
        self.clock_restarts = 0
        self.expected: int | None = None
        self._end_tick: float | None = None

    def index_of(self, tick: int) -> int:
        """The sample index at device time ``tick``."""
        return round(tick * self.fs_hz / self.tick_hz)

    def place(self, tick: int, n_samples: int) -> int:
        """The index of the first sample of a block of ``n_samples`` starting at ``tick``."""
        period = self.tick_hz / self.fs_hz
        if self.expected is None or self._end_tick is None:
            index = self.index_of(tick)
        else:
            off = (tick - self._end_tick) / period  # samples from where the last block ended
            if abs(off) <= self.tolerance_samples:
                index = self.expected
            elif off < -self.restart_samples:
                # far back: the device's clock started again (it rebooted); what it missed
                # meanwhile cannot be known, the night goes on from where it was
                index = self.expected
                self.clock_restarts += 1
            else:
                index = self.expected + round(off)
        self.expected = index + n_samples
        self._end_tick = tick + n_samples * period
        return index

    def reset(self) -> None:
        """Forget the last block (the device's clock started again)."""
        self.expected = None
        self._end_tick = None


class DeviceDriver(abc.ABC):
    """One device family's protocol, seen from the host.

    Attributes
    ----------
    family : str
        The family's short name (``"rls"``, ``"movesense"``, ``"polar"``, ``"nus"``).
    name : str
        The driver's name and version, kept with every night it records.
    capabilities : Capabilities
        What the device can do.
    speaks_band_protocol : bool
        Whether the device speaks our own protocol (the session runs the handshake).
    profile : GattProfile
        The GATT service and characteristics the transport subscribes to and writes.
    """

    family: ClassVar[str]
    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    speaks_band_protocol: ClassVar[bool] = False

    profile: GattProfile

    @abc.abstractmethod
    def decode(self, data: bytes) -> list[DriverItem]:
        """Decode one notification into the session's items (none, one or several).

        Raises
        ------
        FrameError
            With ``kind`` set, for a notification the protocol refuses.
        """

    def outgoing(self, command: bytes, mtu: int) -> list[bytes]:
        """The writes that carry one command (one write by default)."""
        return [command]

    def reset(self) -> None:
        """Forget per-connection state (called before every connection)."""
        return None

    def describe(self) -> dict[str, Any]:
        """The driver's name, family and capabilities, for the night's metadata."""
        return {
            "driver": self.name,
            "family": self.family,
            "capabilities": self.capabilities.to_dict(),
        }


class BandProtocolDriver(DeviceDriver):
    """Our own band's protocol on its own GATT service (or a serial line): one frame a
    notification, decoded by :class:`~rls_monitor.link.wire.Wire`.

    Parameters
    ----------
    wire : Wire, optional
        The protocol adapter (default: :mod:`firmware_host.protocol`).
    profile : GattProfile, optional
        The GATT profile (default: the band's own service).
    """

    family: ClassVar[str] = "rls"
    name: ClassVar[str] = "rls-band/1"
    capabilities: ClassVar[Capabilities] = Capabilities(
        resend_after_gap=True, on_device_events=True, offline_recording=True, battery=True
    )
    speaks_band_protocol: ClassVar[bool] = True

    def __init__(self, wire: Wire | None = None, *, profile: GattProfile | None = None) -> None:
        self.wire = wire or Wire()
        self.profile = profile or GattProfile.default()

    def decode(self, data: bytes) -> list[DriverItem]:
        item = self.wire.decode(data)
        return [] if item is None else [item]


class VendorDriver(DeviceDriver):
    """A device that speaks its vendor's protocol: the driver connects and starts it.

    Subclasses implement :meth:`connect` (identify the device, start its accelerometer, return
    its :class:`~rls_monitor.link.wire.BandInfo` with ``frame_samples`` 1), :meth:`stop` and
    :meth:`decode`. ``fs_hz``, ``lsb_g`` and ``tick_hz`` are known once :meth:`connect` returned.
    """

    timeline: SampleTimeline

    @abc.abstractmethod
    async def connect(self, link: DriverLink) -> BandInfo:
        """Identify the device and start its stream; runs again after every reconnection.

        Raises
        ------
        ConnectError
            The device refused to start.
        LinkLost
            It did not answer.
        """

    @abc.abstractmethod
    async def stop(self, link: DriverLink) -> None:
        """Stop the device's stream (best effort, at the end of a night)."""

    async def read_battery(self, link: DriverLink) -> float | None:
        """The Battery service's level in percent, or ``None``."""
        raw = await link.read_characteristic(BATTERY_LEVEL_UUID)
        if not raw:
            return None
        return float(raw[0])

    def device_id_for(self, serial: str) -> str:
        """The device id a night and a pairing are checked against: family and serial number.

        Examples
        --------
        >>> from rls_monitor.link.drivers.polar import PolarDriver
        >>> PolarDriver().device_id_for("B5A73F2D")
        'polar-B5A73F2D'
        """
        return f"{self.family}-{serial}" if serial else self.family

    async def read_identity(self, link: DriverLink, model_default: str) -> tuple[str, str, str]:
        """``(serial, model, firmware)`` from the Device Information service."""
        serial = decode_text(await link.read_characteristic(SERIAL_NUMBER_UUID))
        model = decode_text(await link.read_characteristic(MODEL_NUMBER_UUID), model_default)
        firmware = decode_text(await link.read_characteristic(FIRMWARE_REVISION_UUID), "?")
        return serial, model, firmware


def frame_error(kind: str, message: str) -> FrameError:
    """A :class:`FrameError` of ``kind`` (what a driver raises for a refused notification)."""
    return FrameError(f"bad frame: {message}", kind=kind)
