"""The simulated band's radio: simulated peripherals behind bleak's backend hook.

bleak lets a caller choose the backend classes of ``BleakClient`` and ``BleakScanner``
(``backend=``). This module provides such classes, bound to a :class:`SimAir`: the "air" in which
simulated peripherals advertise. Our BLE transport then scans, connects (through
bleak-retry-connector), discovers, subscribes, writes and receives disconnect callbacks through
bleak's own front-end code, exactly as with a radio.

A peripheral in the air implements :class:`SimPeripheral`; the host's
:class:`~rls_monitor.link.transports.simulated.SimulatedBandPeripheral` wraps the simulated band of
:mod:`firmware_host.band` as one. Faults the air can inject at the link layer:
connection attempts that fail, unsolicited disconnects (reported through bleak's disconnected
callback), and silent links (notifications stop but ``is_connected`` stays true: only a watchdog
notices).

The module belongs to the band's side (``firmware_host``): it is the air a simulated band
advertises in, not part of the host. It imports bleak's backend base classes because a bleak
backend plugin must subclass them; it imports nothing of ``rls_monitor``, and the host itself keeps
its single bleak module, :mod:`rls_monitor.link.transports.ble`. bleak is loaded only when this module
is imported (the simulation and the tests do so lazily).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError

__all__ = ["BleakBackendClasses", "SimAir", "SimCharacteristic", "SimPeripheral"]

log = logging.getLogger(__name__)

CCCD_UUID = "00002902-0000-1000-8000-00805f9b34fb"
ADVERTISING_INTERVAL_S = 0.02


@dataclass(frozen=True)
class BleakBackendClasses:
    """bleak backend classes bound to one :class:`SimAir`.

    Attributes
    ----------
    client : type
        A ``BaseBleakClient`` subclass, for ``BleakClient(backend=)``.
    scanner : type
        A ``BaseBleakScanner`` subclass, for ``BleakScanner(backend=)``.
    """

    client: type
    scanner: type


@dataclass(frozen=True)
class SimCharacteristic:
    """One characteristic of a simulated GATT table."""

    uuid: str
    properties: tuple[str, ...]


class SimPeripheral(Protocol):
    """What the simulated air needs from a peripheral."""

    address: str
    local_name: str

    @property
    def advertising(self) -> bool:
        """Whether it advertises now (not while connected, not while "out of range")."""
        ...

    def advertisement(self) -> tuple[list[str], dict[str, bytes], int]:
        """(service UUIDs, service data, RSSI in dBm) of the next advertisement."""
        ...

    def gatt_table(self) -> dict[str, list[SimCharacteristic]]:
        """Service UUID -> its characteristics."""
        ...

    async def on_connect(self, central: SimConnection) -> int:
        """A central connects; return the ATT MTU agreed. Raise ``BleakError`` to refuse."""
        ...

    async def on_disconnect(self) -> None:
        """The central disconnected (or the link dropped)."""
        ...

    def on_read(self, char_uuid: str) -> bytes:
        """A read of a characteristic."""
        ...

    async def on_write(self, char_uuid: str, data: bytes) -> None:
        """A write to a characteristic."""
        ...

    def on_subscribe(self, char_uuid: str, enabled: bool) -> None:
        """The central enabled or disabled notifications."""
        ...


class SimConnection:
    """The peripheral's handle on its central: notify, or drop the link.

    Created by the client backend on connect; passed to :meth:`SimPeripheral.on_connect`.
    """

    def __init__(self, client: SimBleakClient) -> None:
        self._client: SimBleakClient | None = client
        self.silent = False

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client._connected

    def notify(self, char_uuid: str, data: bytes) -> bool:
        """Deliver one notification to the central; ``False`` when not delivered."""
        client = self._client
        if client is None or not client._connected or self.silent:
            return False
        callback = client._notify.get(char_uuid)
        if callback is None:
            return False
        callback(bytearray(data))
        return True

    def drop(self) -> None:
        """The link drops (peripheral side or radio): the central's callback fires."""
        client, self._client = self._client, None
        if client is not None:
            client._link_dropped()


@dataclass
class SimAir:
    """The simulated radio environment: peripherals, and link-layer faults to inject.

    Attributes
    ----------
    peripherals : list of SimPeripheral
        What can be heard and connected to.
    fail_next_connects : int
        That many next connection attempts fail with a ``BleakError`` (for bleak-retry-connector's
        retries and our reconnection loop).
    connects, disconnects_injected : int
        Counters.
    """

    peripherals: list[Any] = field(default_factory=list)
    fail_next_connects: int = 0
    connects: int = 0
    connect_failures: int = 0

    def add(self, peripheral: Any) -> None:
        """Put a peripheral in the air."""
        self.peripherals.append(peripheral)

    def find(self, address: str) -> Any:
        """The peripheral with this address, or ``None``."""
        for p in self.peripherals:
            if p.address.lower() == address.lower():
                return p
        return None

    @property
    def backend(self) -> BleakBackendClasses:
        """The bleak backend classes bound to this air (give to ``open_transport(backend=)``)."""
        air = self

        class Client(SimBleakClient):
            _air = air

        class Scanner(SimBleakScanner):
            _air = air

        Client.__name__ = "SimBleakClient"
        Scanner.__name__ = "SimBleakScanner"
        return BleakBackendClasses(client=Client, scanner=Scanner)


class SimBleakScanner(BaseBleakScanner):
    """A bleak scanner backend that hears the peripherals of its :class:`SimAir`.

    Advertisements are repeated every 20 ms from a background task while scanning, as a radio
    would deliver them (bleak's ``find_device_by_*`` wait on that stream).
    """

    _air: SimAir

    def __init__(
        self,
        detection_callback: Any,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._task = asyncio.get_running_loop().create_task(self._advertise())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _advertise(self) -> None:
        while True:
            for p in list(self._air.peripherals):
                if not p.advertising:
                    continue
                uuids, service_data, rssi = p.advertisement()
                if not self.is_allowed_uuid([u.lower() for u in uuids]):
                    continue
                adv = AdvertisementData(
                    local_name=p.local_name,
                    manufacturer_data={},
                    service_data=dict(service_data),
                    service_uuids=[u.lower() for u in uuids],
                    tx_power=None,
                    rssi=rssi,
                    platform_data=(p,),
                )
                device = self.create_or_update_device(p.address, p.address, p.local_name, p, adv)
                self.call_detection_callbacks(device, adv)
            await asyncio.sleep(ADVERTISING_INTERVAL_S)


class SimBleakClient(BaseBleakClient):
    """A bleak client backend connected to a peripheral of its :class:`SimAir`."""

    _air: SimAir

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.pop("disconnected_callback", None),
            timeout=kwargs.pop("timeout", 10.0),
        )
        self._peripheral: Any = None
        self._connection: SimConnection | None = None
        self._connected = False
        self._mtu = 23
        self._notify: dict[str, Callable[[bytearray], None]] = {}

    @property
    def name(self) -> str:
        return self._peripheral.local_name if self._peripheral is not None else ""

    @property
    def mtu_size(self) -> int:
        return self._mtu

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        air = self._air
        peripheral = air.find(self.address)
        if peripheral is None or not peripheral.advertising:
            raise BleakDeviceNotFoundError(
                self.address, f"Device with address {self.address} was not found."
            )
        if air.fail_next_connects > 0:
            air.fail_next_connects -= 1
            air.connect_failures += 1
            raise BleakError(f"{self.address}: connection failed (simulated)")
        connection = SimConnection(self)
        self._mtu = await peripheral.on_connect(connection)
        self._peripheral = peripheral
        self._connection = connection
        self._connected = True
        air.connects += 1
        self.services = self._build_services(peripheral.gatt_table())

    def _build_services(
        self, table: dict[str, list[SimCharacteristic]]
    ) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        handle = 1
        for service_uuid, chars in table.items():
            service = BleakGATTService(None, handle, service_uuid.lower())
            collection.add_service(service)
            handle += 1
            for spec in chars:
                char = BleakGATTCharacteristic(
                    spec,
                    handle + 1,
                    spec.uuid.lower(),
                    list(spec.properties),  # type: ignore[arg-type]
                    lambda: self._mtu - 3,
                    service,
                )
                collection.add_characteristic(char)
                handle += 2
                if "notify" in spec.properties or "indicate" in spec.properties:
                    collection.add_descriptor(BleakGATTDescriptor(None, handle, CCCD_UUID, char))
                    handle += 1
        return collection

    def _link_dropped(self) -> None:
        if not self._connected:
            return
        self._connected = False
        self._notify.clear()
        peripheral, self._peripheral = self._peripheral, None
        self._connection = None
        if peripheral is not None:
            asyncio.get_running_loop().create_task(peripheral.on_disconnect())
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection._client = None
        if self._connected:
            self._connected = False
            self._notify.clear()
            peripheral, self._peripheral = self._peripheral, None
            if peripheral is not None:
                await peripheral.on_disconnect()
            if self._disconnected_callback is not None:
                self._disconnected_callback()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def unpair(self) -> None:
        return None

    def _require(self) -> Any:
        if not self._connected or self._peripheral is None:
            raise BleakError("Not connected")
        return self._peripheral

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        peripheral = self._require()
        return bytearray(peripheral.on_read(characteristic.uuid))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        self._require()
        enabled = descriptor.characteristic_uuid in self._notify
        return bytearray(b"\x01\x00" if enabled else b"\x00\x00")

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        peripheral = self._require()
        if len(data) > self._mtu - 3:
            raise BleakError(f"write of {len(data)} bytes exceeds ATT MTU {self._mtu}")
        await peripheral.on_write(characteristic.uuid, bytes(data))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        self._require()
        raise BleakError("descriptor writes are not supported by the simulated band")

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        peripheral = self._require()
        self._notify[characteristic.uuid] = callback
        peripheral.on_subscribe(characteristic.uuid, True)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        peripheral = self._require()
        self._notify.pop(characteristic.uuid, None)
        peripheral.on_subscribe(characteristic.uuid, False)
