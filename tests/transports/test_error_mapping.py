"""Every library error at the link boundary becomes one of ours, with the original chained."""

from __future__ import annotations

import errno

import pytest
import serial
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bleak_retry_connector import (
    BleakAbortedError,
    BleakConnectionError,
    BleakNotFoundError,
    BleakOutOfConnectionSlotsError,
)

from rls_monitor.errors import ConnectError, DeviceNotFound, LinkLost, TransportError
from rls_monitor.transports.ble import map_ble_error
from rls_monitor.transports.serial_port import SerialTransport, map_serial_error


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


@pytest.mark.parametrize(
    ("exc", "connected", "expected", "words"),
    [
        (
            serial.SerialException(errno.ENOENT, "No such file or directory"),
            False,
            DeviceNotFound,
            "plugged",
        ),
        (serial.SerialException(errno.EACCES, "Permission denied"), False, ConnectError, "dialout"),
        (serial.SerialException(errno.EBUSY, "busy"), False, ConnectError, "busy"),
        (serial.SerialException("could not open port"), False, ConnectError, "cannot open"),
        (
            serial.SerialException("device reports readiness to read but returned no data"),
            True,
            LinkLost,
            "serial",
        ),
        (OSError(errno.EIO, "Input/output error"), True, LinkLost, "serial"),
    ],
)
def test_serial_errors_are_mapped(
    exc: BaseException, connected: bool, expected: type, words: str
) -> None:
    mapped = map_serial_error(exc, connected=connected, port="/dev/ttyACM0")
    assert type(mapped) is expected
    assert words in str(mapped)


async def test_opening_a_missing_port_says_device_not_found(tmp_path: object) -> None:
    transport = SerialTransport("/dev/rls-monitor-no-such-port")
    with pytest.raises(DeviceNotFound) as info:
        await transport.open()
    assert isinstance(info.value.__cause__, serial.SerialException | OSError)
    assert transport.state == "closed"


async def test_sending_on_a_closed_port_is_link_lost() -> None:
    with pytest.raises(LinkLost):
        await SerialTransport("/dev/null").send(b"x")
