"""A bleak backend over bumble: real ATT traffic between two in-process controllers.

The band's GATT table is served by a bumble peripheral; a bumble central on the same
``LocalLink`` is driven by a ``BaseBleakClient`` / ``BaseBleakScanner`` pair, so the code under
test goes through bleak's front-end *and* real advertising reports, an ATT MTU exchange, service
and characteristic discovery, CCCD writes, notifications sized by the negotiated MTU, writes with
response, and a peripheral-initiated disconnect.

The peripheral's behaviour comes from a :class:`firmware_host.ble_air.SimPeripheral`
(the simulated band's adapter), exactly as in the lighter simulated backend: only the air
between them changes.

Pinned to bumble 0.0.236 (its API moves between releases).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bleak.uuids import normalize_uuid_str
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device, Peer
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from rls_monitor.link.transports.ble import BleBackend

BUMBLE_VERSION = "0.0.236"
CENTRAL_ADDRESS = "F0:F0:F0:F0:F0:F0"
PERIPHERAL_ADDRESS = "F1:F1:F1:F1:F1:F1"
REQUESTED_MTU = 247

log = logging.getLogger(__name__)

_PROPS = {
    "read": Characteristic.Properties.READ,
    "write": Characteristic.Properties.WRITE,
    "write-without-response": Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
    "notify": Characteristic.Properties.NOTIFY,
    "indicate": Characteristic.Properties.INDICATE,
}


def _bleak_uuid(uuid: Any) -> str:
    """A bumble UUID as bleak spells it: 128-bit, lower case (16-bit ones expanded)."""
    h = uuid.to_hex_str().lower()
    if len(h) <= 8:
        return normalize_uuid_str(h)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _prop_names(props: Characteristic.Properties) -> list[str]:
    return [name for name, flag in _PROPS.items() if props & flag]


class _PeripheralConnection:
    """The peripheral adapter's handle on the central, over bumble (SimConnection's shape)."""

    def __init__(self, air: BumbleAir, connection: Connection) -> None:
        self._air = air
        self._connection = connection
        self.silent = False
        self._outbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._pump())
        self.sizes: list[int] = []

    @property
    def connected(self) -> bool:
        return self._air.peripheral_connection is self._connection

    @property
    def mtu(self) -> int:
        return int(self._connection.att_mtu)

    def notify(self, char_uuid: str, data: bytes) -> bool:
        if not self.connected or self.silent:
            return False
        if len(data) > self.mtu - 3:
            raise ValueError(f"notification of {len(data)} bytes exceeds ATT MTU {self.mtu}")
        self._outbox.put_nowait((char_uuid, bytes(data)))
        return True

    async def _pump(self) -> None:
        while True:
            char_uuid, data = await self._outbox.get()
            char = self._air.characteristics[char_uuid.lower()]
            if not self.connected:
                continue
            self.sizes.append(len(data))
            self._air.notified_sizes.append(len(data))
            if char_uuid.lower() in self._air.indicating:  # confirmed by the central
                await self._air.peripheral.indicate_subscriber(self._connection, char, data)
            else:
                await self._air.peripheral.notify_subscriber(self._connection, char, data)

    def drop(self) -> None:
        """Peripheral-initiated disconnect (real LL terminate over the link)."""
        if self.connected:
            asyncio.get_running_loop().create_task(self._connection.disconnect())

    def close(self) -> None:
        self._task.cancel()


class BumbleAir:
    """A bumble central and one bumble peripheral serving a SimPeripheral's GATT table.

    Parameters
    ----------
    behaviour : SimPeripheral
        The band adapter (commands in, frames out).
    """

    def __init__(self, behaviour: Any) -> None:
        self.behaviour = behaviour
        self.link = LocalLink()
        c0 = Controller("central", link=self.link, public_address=CENTRAL_ADDRESS)
        c1 = Controller("band", link=self.link, public_address=PERIPHERAL_ADDRESS)
        self.central = Device(address=Address(CENTRAL_ADDRESS), host=Host(c0, AsyncPipeSink(c0)))
        self.peripheral = Device(
            address=Address(PERIPHERAL_ADDRESS), host=Host(c1, AsyncPipeSink(c1))
        )
        self.characteristics: dict[str, Characteristic[Any]] = {}
        self.peripheral_connection: Connection | None = None
        self.handle: _PeripheralConnection | None = None
        self.cccd_writes = 0
        self.indicating: set[str] = set()
        self.notified_sizes: list[int] = []
        services = []
        for service_uuid, chars in behaviour.gatt_table().items():
            made = []
            for spec in chars:
                props = Characteristic.Properties(0)
                for p in spec.properties:
                    props |= _PROPS[p]
                value = CharacteristicValue(
                    read=lambda _c, u=spec.uuid: self.behaviour.on_read(u),
                    write=lambda _c, v, u=spec.uuid: self._on_write(u, v),
                )
                perms = Characteristic.READABLE | Characteristic.WRITEABLE
                char: Characteristic[Any] = Characteristic(spec.uuid, props, perms, value)
                char.on(
                    "subscription",
                    lambda _conn, notify, indicate, u=spec.uuid: self._on_subscription(
                        u, notify, indicate
                    ),
                )
                self.characteristics[spec.uuid.lower()] = char
                made.append(char)
            services.append(Service(service_uuid, made))
        self.peripheral.add_services(services)
        self.peripheral.on("connection", self._on_connection)
        self._started = False
        self.address = ""

    def _on_write(self, char_uuid: str, value: bytes) -> None:
        asyncio.get_running_loop().create_task(self.behaviour.on_write(char_uuid, bytes(value)))

    def _on_subscription(self, char_uuid: str, notify: bool, indicate: bool = False) -> None:
        self.cccd_writes += 1
        if indicate:
            self.indicating.add(char_uuid.lower())
        else:
            self.indicating.discard(char_uuid.lower())
        self.behaviour.on_subscribe(char_uuid, notify or indicate)

    def _on_connection(self, connection: Connection) -> None:
        self.peripheral_connection = connection
        connection.on("disconnection", lambda _reason: self._on_peripheral_disconnection())

    def _on_peripheral_disconnection(self) -> None:
        self.peripheral_connection = None
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        asyncio.get_running_loop().create_task(self.behaviour.on_disconnect())
        asyncio.get_running_loop().create_task(self._advertise())

    async def start(self) -> None:
        """Power both devices on and start advertising the band's service."""
        if self._started:
            return
        await self.central.power_on()
        await self.peripheral.power_on()
        self.address = str(self.peripheral.random_address).split("/")[0]
        await self._advertise()
        self._started = True

    async def _advertise(self) -> None:
        uuids, _service_data, _rssi = self.behaviour.advertisement()
        ad = AdvertisingData(
            [
                (AdvertisingData.FLAGS, bytes([0x06])),
                (
                    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                    b"".join(UUID(u).to_bytes() for u in uuids),
                ),
            ]
        )
        scan_response = AdvertisingData(
            [(AdvertisingData.COMPLETE_LOCAL_NAME, self.behaviour.local_name.encode()[:29])]
        )
        with contextlib.suppress(Exception):
            await self.peripheral.stop_advertising()
        await self.peripheral.start_advertising(
            advertising_data=bytes(ad),
            scan_response_data=bytes(scan_response),
            advertising_interval_min=20,
            advertising_interval_max=20,
        )

    async def attach(self, central_connection: Connection) -> int:
        """After the central connected and exchanged MTU: hand the band its connection."""
        for _ in range(100):
            if self.peripheral_connection is not None:
                break
            await asyncio.sleep(0)
        if self.peripheral_connection is None:
            raise BleakError("peripheral did not see the connection")
        self.handle = _PeripheralConnection(self, self.peripheral_connection)
        await self.behaviour.on_connect(self.handle)
        return self.handle.mtu

    @property
    def backend(self) -> BleBackend:
        """bleak backend classes bound to this air."""
        air = self

        class Client(BumbleBleakClient):
            _air = air

        class Scanner(BumbleBleakScanner):
            _air = air

        return BleBackend(client=Client, scanner=Scanner)


class BumbleBleakScanner(BaseBleakScanner):
    """Scans with the bumble central; advertising reports become bleak detections."""

    _air: BumbleAir

    def __init__(self, detection_callback: Any, service_uuids: Any, *args: Any, **kwargs: Any):
        super().__init__(detection_callback, service_uuids)
        self._listener: Any = None

    async def start(self) -> None:
        self.seen_devices = {}
        await self._air.start()
        central = self._air.central

        def on_advertisement(adv: Any) -> None:
            data = adv.data
            uuids = [
                str(u).lower()
                for u in (
                    data.get(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS) or []
                )
            ]
            name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
            if not self.is_allowed_uuid(uuids):
                return
            address = str(adv.address).split("/")[0]
            ad = AdvertisementData(
                local_name=name if isinstance(name, str) else None,
                manufacturer_data={},
                service_data={},
                service_uuids=uuids,
                tx_power=None,
                rssi=int(adv.rssi),
                platform_data=(adv,),
            )
            device = self.create_or_update_device(address, address, ad.local_name, adv.address, ad)
            self.call_detection_callbacks(device, ad)

        self._listener = on_advertisement
        central.on("advertisement", on_advertisement)
        await central.start_scanning(filter_duplicates=False)

    async def stop(self) -> None:
        central = self._air.central
        if self._listener is not None:
            central.remove_listener("advertisement", self._listener)
            self._listener = None
        with contextlib.suppress(Exception):
            await central.stop_scanning()


class BumbleBleakClient(BaseBleakClient):
    """A bleak client backend whose GATT client is bumble's, over the in-process link."""

    _air: BumbleAir

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.pop("disconnected_callback", None),
            timeout=kwargs.pop("timeout", 10.0),
        )
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._proxies: dict[int, Any] = {}
        self._closing = False

    @property
    def name(self) -> str:
        return self._air.behaviour.local_name

    @property
    def mtu_size(self) -> int:
        return int(self._connection.att_mtu) if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        air = self._air
        await air.start()
        connection = await air.central.connect(self.address)
        self._connection = connection
        self._closing = False
        connection.on("disconnection", lambda _reason: self._on_disconnection())
        peer = Peer(connection)
        self._peer = peer
        await peer.request_mtu(REQUESTED_MTU)
        await peer.discover_services()
        collection = BleakGATTServiceCollection()
        for service in peer.services:
            await service.discover_characteristics()
            # 16-bit UUIDs (Device Information, Battery) in bleak's full form, as its own
            # backends give them
            bs = BleakGATTService(service, service.handle, _bleak_uuid(service.uuid))
            collection.add_service(bs)
            for char in service.characteristics:
                bc = BleakGATTCharacteristic(
                    char,
                    char.handle,
                    _bleak_uuid(char.uuid),
                    _prop_names(char.properties),  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3,
                    bs,
                )
                collection.add_characteristic(bc)
                self._proxies[char.handle] = char
        self.services = collection
        await air.attach(self._air.central.connections[connection.handle])

    def _on_disconnection(self) -> None:
        self._connection = None
        self._peer = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is not None:
            self._closing = True
            with contextlib.suppress(Exception):
                await connection.disconnect()
            for _ in range(100):
                if self._connection is None:
                    break
                await asyncio.sleep(0)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def unpair(self) -> None:
        return None

    def _proxy(self, characteristic: BleakGATTCharacteristic) -> Any:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._proxies[characteristic.handle]

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return bytearray(await self._proxy(characteristic).read_value())

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        raise BleakError("descriptor reads are not used by rls-monitor")

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        await self._proxy(characteristic).write_value(bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        raise BleakError("descriptor writes are not used by rls-monitor")

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        proxy = self._proxy(characteristic)
        await proxy.subscribe(lambda value: callback(bytearray(value)))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        proxy = self._proxy(characteristic)
        await proxy.unsubscribe()
