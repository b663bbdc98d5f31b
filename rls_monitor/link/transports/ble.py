"""The BLE link, over bleak and bleak-retry-connector (the only module importing either).

Both libraries are imported lazily, inside functions, so ``import rls_monitor`` loads no radio
stack. Every bleak, bleak-retry-connector and OS error is translated here into our tree:

========================================  =====================================
raised underneath                          raised to the caller
========================================  =====================================
``BleakScanner`` found nothing             :class:`~rls_monitor.errors.DeviceNotFound`
``BleakNotFoundError``                     :class:`~rls_monitor.errors.DeviceNotFound`
``BleakDeviceNotFoundError``               :class:`~rls_monitor.errors.DeviceNotFound`
``BleakBluetoothNotAvailableError``        :class:`~rls_monitor.errors.ConnectError`
other ``BleakError`` while connecting      :class:`~rls_monitor.errors.ConnectError`
``TimeoutError``, ``OSError``, ``EOFError``  :class:`~rls_monitor.errors.ConnectError`
                                           (connecting), :class:`~rls_monitor.errors.LinkLost`
                                           (connected)
any of them on write/read when connected   :class:`~rls_monitor.errors.LinkLost`
========================================  =====================================

The connection uses ``establish_connection`` for its retries; after a link loss the session runs
its own reconnection loop, which scans again for a fresh ``BLEDevice`` before every attempt
(macOS has no stable MAC addresses, and BlueZ may have forgotten the device).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from rls_monitor.errors import ConnectError, DeviceNotFound, LinkLost, TransportError
from rls_monitor.link.transports.base import LinkConfig, LinkState, TransportBase

__all__ = [
    "BackendClasses",
    "BleBackend",
    "BleTransport",
    "FoundBand",
    "GattProfile",
    "map_ble_error",
    "scan",
]

log = logging.getLogger(__name__)

ATT_HEADER_BYTES = 3
"""An ATT notification carries ``MTU - 3`` bytes of value."""


@dataclass(frozen=True)
class GattProfile:
    """The band's GATT service and characteristics, as UUID strings (lower case).

    The defaults come from :mod:`firmware_host.protocol` (the single source of truth), see
    :meth:`default`.
    """

    service_uuid: str
    data_uuid: str
    control_uuid: str
    info_uuid: str
    extra_notify_uuids: tuple[str, ...] = ()
    """Further characteristics to subscribe to (a vendor's answers on its control point);
    their notifications go to the same queue as the data's."""

    @classmethod
    def default(cls) -> GattProfile:
        """The band's profile as :mod:`firmware_host.protocol` defines it."""
        from firmware_host import protocol

        return cls(
            service_uuid=str(protocol.SERVICE_UUID).lower(),
            data_uuid=str(protocol.DATA_CHAR_UUID).lower(),
            control_uuid=str(protocol.CONTROL_CHAR_UUID).lower(),
            info_uuid=str(protocol.INFO_CHAR_UUID).lower(),
        )


class BackendClasses(Protocol):
    """What ``backend=`` takes: bleak backend classes (a :class:`BleBackend`, or the simulated air's
    :class:`firmware_host.ble_air.BleakBackendClasses`)."""

    @property
    def client(self) -> type | None:
        """A ``BaseBleakClient`` subclass, or ``None`` for the platform's."""

    @property
    def scanner(self) -> type | None:
        """A ``BaseBleakScanner`` subclass, or ``None`` for the platform's."""


@dataclass(frozen=True)
class BleBackend:
    """bleak backend classes to use instead of the platform's radio (tests, simulation).

    Attributes
    ----------
    client : type or None
        A ``bleak.backends.client.BaseBleakClient`` subclass given to ``BleakClient(backend=)``.
    scanner : type or None
        A ``bleak.backends.scanner.BaseBleakScanner`` subclass given to ``BleakScanner(backend=)``.
    """

    client: type | None = None
    scanner: type | None = None


@dataclass(frozen=True)
class FoundBand:
    """A band heard advertising our service.

    Attributes
    ----------
    address : str
        Its address (a per-host UUID on macOS).
    name : str
        Its advertised local name ("" when none).
    rssi_dbm : int
        Signal strength of the last advertisement, in dBm.
    service_data : dict of str to bytes
        Service data in the advertisement (the band's device id may be there).
    service_uuids : tuple of str
        The services it advertises (lower case): which family of device it is.
    """

    address: str
    name: str
    rssi_dbm: int
    service_data: dict[str, bytes] = field(default_factory=dict)
    service_uuids: tuple[str, ...] = ()


def map_ble_error(exc: BaseException, *, connected: bool, what: str) -> TransportError:
    """Translate a bleak/bleak-retry-connector/OS error into our exception tree.

    Parameters
    ----------
    exc : BaseException
        The error raised underneath.
    connected : bool
        Whether the link was established when it happened (then any failure is a lost link).
    what : str
        What we were doing, for the message (e.g. ``"connecting to AA:BB:..."``).

    Returns
    -------
    TransportError
        To be raised ``from exc``.
    """
    from bleak.exc import BleakDeviceNotFoundError, BleakError
    from bleak_retry_connector import BleakNotFoundError

    text = str(exc) or type(exc).__name__
    if isinstance(exc, TransportError):
        return exc
    if connected:
        return LinkLost(f"{what}: {text}")
    if isinstance(exc, BleakNotFoundError | BleakDeviceNotFoundError):
        return DeviceNotFound(f"{what}: {text}")
    if isinstance(exc, FileNotFoundError | ConnectionRefusedError):
        # bleak's D-Bus socket (BlueZ) or the platform's Bluetooth service is absent
        return ConnectError(
            f"{what}: no Bluetooth service to talk to ({text}); is Bluetooth on and, on "
            "Linux, bluetoothd running?"
        )
    if isinstance(exc, BleakError | TimeoutError | OSError | EOFError | AttributeError):
        return ConnectError(f"{what}: {text}")
    return ConnectError(f"{what}: unexpected {type(exc).__name__}: {text}")


async def scan(
    timeout_s: float = 5.0,
    *,
    backend: BackendClasses | None = None,
    service_uuid: str | None = None,
    service_uuids: list[str] | None = None,
) -> list[FoundBand]:
    """Listen for bands advertising our service (or any of ``service_uuids``).

    Parameters
    ----------
    timeout_s : float
        How long to listen, in seconds.
    backend : BackendClasses, optional
        bleak backend classes (default: the platform's radio).
    service_uuid : str, optional
        The service to filter on (default: the band's, from the protocol).
    service_uuids : list of str, optional
        Several services: a device advertising any of them is listed (``scan`` of every
        supported family).

    Returns
    -------
    list of FoundBand
        Strongest first.

    Raises
    ------
    ConnectError
        When there is no usable Bluetooth adapter.
    """
    from bleak import BleakScanner
    from bleak.exc import BleakError

    wanted = [
        u.lower() for u in service_uuids or [service_uuid or GattProfile.default().service_uuid]
    ]
    kwargs: dict[str, Any] = {"service_uuids": wanted}
    if backend is not None and backend.scanner is not None:
        kwargs["backend"] = backend.scanner
    try:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True, **kwargs)
    except (BleakError, OSError) as exc:
        raise map_ble_error(exc, connected=False, what="scanning") from exc
    bands = [
        FoundBand(
            address=device.address,
            name=adv.local_name or device.name or "",
            rssi_dbm=int(adv.rssi),
            service_data=dict(adv.service_data),
            service_uuids=tuple(u.lower() for u in adv.service_uuids),
        )
        for device, adv in found.values()
        if set(wanted) & {u.lower() for u in adv.service_uuids}
    ]
    return sorted(bands, key=lambda b: -b.rssi_dbm)


class BleTransport(TransportBase):
    """A BLE link to one band: scan, connect with retries, subscribe, write commands.

    Parameters
    ----------
    address : str
        The band's address (as :func:`scan` reports it).
    backend : BackendClasses, optional
        bleak backend classes (default: the platform's radio).
    config : LinkConfig, optional
        Timeouts and attempts.
    service_uuid : str, optional
        Overrides the profile's service UUID (with ``profile`` unset).
    profile : GattProfile, optional
        The band's GATT profile (default: from the protocol).
    """

    def __init__(
        self,
        address: str,
        *,
        backend: BackendClasses | None = None,
        config: LinkConfig | None = None,
        service_uuid: str | None = None,
        profile: GattProfile | None = None,
    ) -> None:
        super().__init__(config)
        self.address = address
        self.backend: BackendClasses = backend or BleBackend()
        prof = profile or GattProfile.default()
        if service_uuid:
            prof = dataclasses.replace(prof, service_uuid=service_uuid.lower())
        self.profile = prof
        self.description = f"BLE {address}"
        self._client: Any = None
        self._closing = False
        self._mtu = 20
        self.on_disconnect: Callable[[], None] | None = None

    @property
    def mtu(self) -> int:
        return self._mtu

    @property
    def client(self) -> Any:
        """The connected ``BleakClient`` (``None`` when closed); for diagnostics and tests."""
        return self._client

    async def _find(self) -> Any:
        from bleak import BleakScanner
        from bleak.exc import BleakError

        self._set_state(LinkState.SCANNING)
        wanted = self.address.lower()
        kwargs: dict[str, Any] = {"service_uuids": [self.profile.service_uuid]}
        if self.backend.scanner is not None:
            kwargs["backend"] = self.backend.scanner
        try:
            device = await BleakScanner.find_device_by_filter(
                lambda d, ad: d.address.lower() == wanted,
                timeout=self.config.scan_timeout_s,
                **kwargs,
            )
        except (BleakError, OSError) as exc:
            self._set_state(LinkState.CLOSED)
            raise map_ble_error(exc, connected=False, what=f"scanning for {self.address}") from exc
        if device is None:
            self._set_state(LinkState.CLOSED)
            raise DeviceNotFound(
                f"no band {self.address} advertising service {self.profile.service_uuid} "
                f"within {self.config.scan_timeout_s:g} s (is it charged, in range, not connected "
                "to another host?)"
            )
        return device

    def _on_disconnected(self, _client: Any) -> None:
        if self._closing:
            return
        log.info("%s: disconnected by the band or the radio", self.description)
        self._report_loss("the band disconnected")
        if self.on_disconnect is not None:
            self.on_disconnect()

    def _on_notify(self, _char: Any, data: bytearray) -> None:
        # Only enqueue: parsing happens in the session's consumer.
        self._queue.put(data, time.monotonic())

    async def open(self) -> None:
        """Scan for the band, connect with retries, read the MTU and subscribe to its frames.

        Raises
        ------
        DeviceNotFound
            The band is not advertising (or not with our service).
        ConnectError
            It was found but connecting, discovering or subscribing failed.
        """
        from bleak_retry_connector import BleakClientWithServiceCache, establish_connection

        if self._client is not None:
            await self.close()
        self._closing = False
        self._queue.clear()
        device = await self._find()
        self._set_state(LinkState.CONNECTING)
        kwargs: dict[str, Any] = {"timeout": self.config.connect_timeout_s}
        if self.backend.client is not None:
            kwargs["backend"] = self.backend.client
        try:
            client = await establish_connection(
                BleakClientWithServiceCache,
                device,
                f"band {self.address}",
                disconnected_callback=self._on_disconnected,
                max_attempts=self.config.connect_attempts,
                **kwargs,
            )
        except BaseException as exc:
            self._set_state(LinkState.CLOSED)
            if not isinstance(exc, Exception):  # cancellation, Ctrl-C, exit: not a link error
                raise
            raise map_ble_error(exc, connected=False, what=f"connecting to {self.address}") from exc
        self._client = client
        try:
            service = client.services.get_service(self.profile.service_uuid)
            if service is None:
                raise ConnectError(
                    f"{self.address} does not offer the band's service {self.profile.service_uuid}"
                    " (another kind of device?)"
                )
            self._mtu = max(20, int(client.mtu_size) - ATT_HEADER_BYTES)
            await client.start_notify(self.profile.data_uuid, self._on_notify)
            for uuid in self.profile.extra_notify_uuids:
                await client.start_notify(uuid, self._on_notify)
        except BaseException as exc:
            await self._disconnect_quietly()
            self._set_state(LinkState.CLOSED)
            if not isinstance(exc, Exception) or isinstance(exc, TransportError):
                raise
            raise map_ble_error(
                exc, connected=False, what=f"subscribing to {self.address}"
            ) from exc
        self._set_state(LinkState.CONNECTED)
        log.info("%s: connected, notification payload %d bytes", self.description, self._mtu)

    async def _disconnect_quietly(self) -> None:
        from bleak.exc import BleakError

        client, self._client = self._client, None
        if client is None:
            return
        self._closing = True
        try:
            await client.disconnect()
        except (BleakError, OSError, TimeoutError, EOFError) as exc:
            log.debug("%s: error while disconnecting (ignored): %s", self.description, exc)

    async def close(self) -> None:
        """Disconnect; the disconnect callback that follows is ours, not a loss."""
        await self._disconnect_quietly()
        self._set_state(LinkState.CLOSED)

    def _require_client(self) -> Any:
        if self._client is None or self._state is not LinkState.CONNECTED:
            raise LinkLost(f"{self.description}: not connected")
        return self._client

    async def send(self, data: bytes) -> None:
        """Write one command to the control characteristic (write with response).

        Raises
        ------
        LinkLost
            When not connected or the write fails.
        """
        client = self._require_client()
        try:
            await client.write_gatt_char(self.profile.control_uuid, data, response=True)
        except Exception as exc:
            raise map_ble_error(exc, connected=True, what=f"writing to {self.address}") from exc

    async def read_info(self) -> bytes | None:
        """Read the band's info characteristic (device id, serial, firmware, sample format).

        Raises
        ------
        LinkLost
            When not connected or the read fails.
        """
        client = self._require_client()
        try:
            return bytes(await client.read_gatt_char(self.profile.info_uuid))
        except Exception as exc:
            raise map_ble_error(exc, connected=True, what=f"reading {self.address}") from exc

    async def read_characteristic(self, uuid: str) -> bytes | None:
        """Read any characteristic of the device (a vendor's Device Information or Battery
        service); ``None`` when the device does not offer it.

        Raises
        ------
        LinkLost
            When not connected or the read fails.
        """
        client = self._require_client()
        if client.services.get_characteristic(uuid) is None:
            return None
        try:
            return bytes(await client.read_gatt_char(uuid))
        except Exception as exc:
            raise map_ble_error(exc, connected=True, what=f"reading {self.address}") from exc
