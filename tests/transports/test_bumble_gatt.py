"""GATT fidelity: the BLE transport over real ATT traffic (bumble peripheral on a local link).

What the light simulated backend only imitates happens here for real: advertising reports, the
ATT MTU exchange, service and characteristic discovery, the CCCD write that subscribes,
notifications as large as the negotiated MTU allows, write with response, and a disconnect
initiated by the peripheral reaching bleak's disconnected callback.
"""

from __future__ import annotations

import importlib.metadata

import pytest

from rls_monitor.errors import LinkLost
from rls_monitor.transports import LinkConfig, LinkState
from rls_monitor.transports.ble import BleTransport, scan
from tests.transports.conftest import TOY_PROFILE, EchoPeripheral

pytest.importorskip("bumble")
from tests.transports import bumble_backend


def test_bumble_is_the_pinned_version() -> None:
    assert importlib.metadata.version("bumble") == bumble_backend.BUMBLE_VERSION


async def test_real_att_exchange_end_to_end() -> None:
    echo = EchoPeripheral()
    air = bumble_backend.BumbleAir(echo)
    await air.start()
    found = await scan(0.3, backend=air.backend, service_uuid=TOY_PROFILE.service_uuid)
    assert [b.address for b in found] == [air.address]

    transport = BleTransport(
        air.address,
        backend=air.backend,
        profile=TOY_PROFILE,
        config=LinkConfig(scan_timeout_s=2.0, connect_attempts=2),
    )
    async with transport:
        assert transport.mtu == bumble_backend.REQUESTED_MTU - 3
        assert echo.mtu == bumble_backend.REQUESTED_MTU  # the peripheral saw the exchange
        assert air.cccd_writes == 1 and echo.subscribed
        assert await transport.read_info() == b"echo-info"
        await transport.send(bytes([4]))  # write with response
        frames = [await transport.receive(2.0) for _ in range(4)]
        assert [len(f.data) for f in frames if f] == [244] * 4
        assert [f.data[0] for f in frames if f] == [0, 1, 2, 3]
        assert air.handle is not None and air.handle.sizes == [244] * 4

        echo.connection.drop()  # LL terminate from the peripheral
        with pytest.raises(LinkLost, match="disconnected"):
            await transport.receive(2.0)
        assert transport.state is LinkState.LOST

        await transport.open()  # it advertises again; we reconnect over the same link
        assert transport.state is LinkState.CONNECTED
        await transport.send(bytes([1]))
        frame = await transport.receive(2.0)
        assert frame is not None and len(frame.data) == 244
