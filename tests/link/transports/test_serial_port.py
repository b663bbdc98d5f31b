"""The serial transport: every pyserial or OS error becomes one of ours, with the original chained."""

from __future__ import annotations

import errno

import pytest
import serial

from rls_monitor.errors import ConnectError, DeviceNotFound, LinkLost
from rls_monitor.link.transports.serial_port import SerialTransport, map_serial_error


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
