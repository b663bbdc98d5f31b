"""The BLE transport through bleak's real front-end, with the simulated air as backend.

Scanning, bleak-retry-connector's retries, subscription, MTU-sized notifications, writes, reads,
and both kinds of disconnect (ours and the band's) go through ``BleakScanner``, ``BleakClient``
and ``establish_connection`` unchanged; every bleak or bleak-retry-connector error at the link
boundary becomes one of ours, with the original chained.
"""

from __future__ import annotations

import errno

import pytest
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bleak_retry_connector import (
    BleakAbortedError,
    BleakConnectionError,
    BleakNotFoundError,
    BleakOutOfConnectionSlotsError,
)

from firmware_host.ble_air import SimAir
from rls_monitor.errors import ConnectError, DeviceNotFound, LinkLost, TransportError
from rls_monitor.link.transports import LinkConfig, LinkState
from rls_monitor.link.transports.ble import BleTransport, map_ble_error, scan
from tests.link.transports.conftest import TOY_PROFILE, EchoPeripheral

FAST = LinkConfig(scan_timeout_s=0.5, connect_attempts=3)


def _transport(air: SimAir, address: str = "AA:BB:CC:DD:EE:01") -> BleTransport:
    return BleTransport(address, backend=air.backend, profile=TOY_PROFILE, config=FAST)


async def test_scan_finds_only_bands_with_our_service(echo: EchoPeripheral) -> None:
    class Other(EchoPeripheral):
        def advertisement(self) -> tuple[list[str], dict[str, bytes], int]:
            return ["0000180d-0000-1000-8000-00805f9b34fb"], {}, -40  # a heart-rate strap

    air = SimAir()
    air.add(echo)
    air.add(Other("AA:BB:CC:DD:EE:02"))
    found = await scan(0.1, backend=air.backend, service_uuid=TOY_PROFILE.service_uuid)
    assert [b.address for b in found] == [echo.address]
    assert found[0].rssi_dbm == -60 and found[0].name == "echo"


async def test_connect_subscribe_notify_write_read(echo: EchoPeripheral) -> None:
    air = SimAir()
    air.add(echo)
    transport = _transport(air)
    async with transport:
        assert transport.state is LinkState.CONNECTED
        assert transport.mtu == 244  # ATT MTU 247 - 3
        assert echo.subscribed
        assert await transport.read_info() == b"echo-info"
        await transport.send(bytes([3]))
        frames = [await transport.receive(1.0) for _ in range(3)]
        assert [len(f.data) for f in frames if f] == [244, 244, 244]
        assert echo.writes == [bytes([3])]
    assert transport.state is LinkState.CLOSED
    assert not echo.subscribed and echo.connection is None


async def test_our_own_disconnect_is_not_a_loss(echo: EchoPeripheral) -> None:
    air = SimAir()
    air.add(echo)
    transport = _transport(air)
    await transport.open()
    await transport.close()
    assert transport.disconnects == 0
    assert transport.queue.get_nowait() is None


async def test_band_drop_reaches_the_consumer_as_link_lost_after_queued_frames(
    echo: EchoPeripheral,
) -> None:
    air = SimAir()
    air.add(echo)
    transport = _transport(air)
    async with transport:
        await transport.send(bytes([2]))
        echo.connection.drop()
        assert (await transport.receive(1.0)) is not None
        assert (await transport.receive(1.0)) is not None
        with pytest.raises(LinkLost, match="disconnected"):
            await transport.receive(1.0)
        assert transport.state is LinkState.LOST
        with pytest.raises(LinkLost):
            await transport.send(b"\x01")
        # the same transport reconnects
        await transport.open()
        assert transport.state is LinkState.CONNECTED
        await transport.send(bytes([1]))
        assert (await transport.receive(1.0)) is not None


async def test_retry_connector_absorbs_transient_connect_failures(echo: EchoPeripheral) -> None:
    air = SimAir(fail_next_connects=2)
    air.add(echo)
    transport = _transport(air)
    async with transport:
        assert transport.state is LinkState.CONNECTED
    assert air.connect_failures == 2


async def test_persistent_connect_failure_is_connect_error(echo: EchoPeripheral) -> None:
    air = SimAir(fail_next_connects=100)
    air.add(echo)
    transport = _transport(air)
    with pytest.raises(ConnectError, match="connecting to") as info:
        await transport.open()
    assert info.value.__cause__ is not None
    assert transport.state is LinkState.CLOSED


async def test_absent_band_is_device_not_found(echo: EchoPeripheral) -> None:
    air = SimAir()
    air.add(echo)
    with pytest.raises(DeviceNotFound, match="advertising"):
        await _transport(air, "11:22:33:44:55:66").open()


async def test_device_without_our_service_is_refused() -> None:
    class Impostor(EchoPeripheral):
        def advertisement(self) -> tuple[list[str], dict[str, bytes], int]:
            return [TOY_PROFILE.service_uuid], {}, -50  # advertises it, does not serve it

    air = SimAir()
    air.add(Impostor(services=False))
    transport = _transport(air)
    with pytest.raises(ConnectError, match="does not offer"):
        await transport.open()
    assert transport.state is LinkState.CLOSED


async def test_write_larger_than_the_mtu_is_mapped(echo: EchoPeripheral) -> None:
    air = SimAir()
    air.add(echo)
    async with _transport(air) as transport:
        with pytest.raises(LinkLost, match="exceeds"):
            await transport.send(bytes(300))


@pytest.mark.parametrize(
    ("exc", "connected", "expected"),
    [
        (BleakNotFoundError("gone"), False, DeviceNotFound),
        (BleakDeviceNotFoundError("AA", "not found"), False, DeviceNotFound),
        (BleakConnectionError("failed after 4 attempts"), False, ConnectError),
        (BleakAbortedError("aborted"), False, ConnectError),
        (BleakOutOfConnectionSlotsError("slots"), False, ConnectError),
        (BleakError("Not connected"), False, ConnectError),
        (TimeoutError(), False, ConnectError),
        (OSError(errno.EIO, "io"), False, ConnectError),
        (EOFError(), False, ConnectError),
        (RuntimeError("weird"), False, ConnectError),
        (BleakError("Not connected"), True, LinkLost),
        (TimeoutError(), True, LinkLost),
        (OSError(errno.EPIPE, "pipe"), True, LinkLost),
    ],
)
def test_ble_errors_are_mapped(exc: BaseException, connected: bool, expected: type) -> None:
    mapped = map_ble_error(exc, connected=connected, what="connecting to AA")
    assert type(mapped) is expected
    assert isinstance(mapped, TransportError)
    assert "connecting to AA" in str(mapped)


def test_no_bluetooth_service_says_so() -> None:
    exc = FileNotFoundError(errno.ENOENT, "No such file or directory")
    mapped = map_ble_error(exc, connected=False, what="scanning")
    assert type(mapped) is ConnectError and "bluetoothd" in str(mapped)


def test_ble_mapping_keeps_our_own_errors() -> None:
    ours = LinkLost("already ours")
    assert map_ble_error(ours, connected=False, what="x") is ours
