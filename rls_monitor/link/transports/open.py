"""Opening a link: the one place that picks a transport backend for a :class:`TransportSpec`.

:mod:`rls_monitor.link.transports.base` defines the interface and imports no backend; this module
imports the backend a spec names (BLE, serial or a replayed capture) only when it is opened, so
importing it loads no radio stack.
"""

from __future__ import annotations

from typing import Any

from rls_monitor.link.transports.base import (
    LinkConfig,
    Transport,
    TransportSpec,
    parse_transport_spec,
)

__all__ = ["open_transport"]


def open_transport(
    spec: TransportSpec | str,
    *,
    backend: Any = None,
    config: LinkConfig | None = None,
    service_uuid: str | None = None,
    profile: Any = None,
) -> Transport:
    """Create the transport for ``spec`` (not yet connected: use ``async with``).

    Parameters
    ----------
    spec : TransportSpec or str
        The link (see :func:`parse_transport_spec`).
    backend : object, optional
        BLE: a :class:`~rls_monitor.link.transports.ble.BleBackend` (client and scanner backend
        classes for bleak, e.g. the simulated band's); ``None`` uses the platform's radio.
        Serial: a callable ``(port, baudrate) -> serial-like`` replacing ``serial.Serial``.
    config : LinkConfig, optional
        Timeouts, backoff and watchdog.
    service_uuid : str, optional
        BLE: the service to scan for (default: the band's service from the protocol).
    profile : GattProfile, optional
        BLE: the device's GATT profile (a driver's :attr:`profile`; default our band's).

    Returns
    -------
    Transport

    Raises
    ------
    ConfigError
        For an unknown kind.
    """
    if isinstance(spec, str):
        spec = parse_transport_spec(spec)
    if spec.kind == "ble":
        from rls_monitor.link.transports.ble import BleTransport

        return BleTransport(
            spec.target,
            backend=backend,
            config=config,
            service_uuid=service_uuid,
            profile=profile,
        )
    if spec.kind == "serial":
        from rls_monitor.link.transports.serial_port import SerialTransport

        return SerialTransport(
            spec.target, baudrate=spec.baudrate, serial_factory=backend, config=config
        )
    from rls_monitor.link.transports.replay import CaptureReplayTransport

    return CaptureReplayTransport(spec.target, config=config)
