"""Links to a band: one small :class:`Transport` interface, one place that opens them, the backends.

:mod:`~rls_monitor.link.transports.base` holds the interface and
:mod:`~rls_monitor.link.transports.open` picks the backend for a spec: ``ble`` (bleak),
``serial_port`` (pyserial) and ``replay`` (recorded frame captures) are imported only when used,
so importing this package loads no radio stack. ``simulated`` drives the simulated
band of :mod:`firmware_host` through a pseudo-terminal and, through bleak's backend hook, in the
simulated air of :mod:`firmware_host.ble_air`, for tests, demos and ``rls-monitor record --simulate``.
"""

from __future__ import annotations

from rls_monitor.link.transports.base import (
    FrameQueue,
    LinkConfig,
    LinkState,
    ReceivedFrame,
    Transport,
    TransportSpec,
    backoff_delays_s,
    parse_transport_spec,
)
from rls_monitor.link.transports.open import open_transport

__all__ = [
    "FrameQueue",
    "LinkConfig",
    "LinkState",
    "ReceivedFrame",
    "Transport",
    "TransportSpec",
    "backoff_delays_s",
    "open_transport",
    "parse_transport_spec",
]
