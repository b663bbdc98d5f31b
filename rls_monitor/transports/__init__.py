"""Links to a band: one small :class:`Transport` interface, a factory, private backends.

``ble`` (bleak), ``serial_port`` (pyserial) and ``replay`` (recorded frame captures) are imported
only when used, so importing this package loads no radio stack. ``sim_backend`` is the simulated
band seen through bleak's backend hook and through a pseudo-terminal, for tests, demos and
``rls-monitor record --simulate``.
"""

from __future__ import annotations

from rls_monitor.transports.base import (
    FrameQueue,
    LinkConfig,
    LinkState,
    ReceivedFrame,
    Transport,
    TransportSpec,
    backoff_delays_s,
    open_transport,
    parse_transport_spec,
)

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
