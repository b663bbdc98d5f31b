"""A short capture of a band's samples over its link, outside any night (the guided calibration)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import (
    ConfigError,
    LinkLost,
)
from rls_monitor.link.band_session import BandSession, SessionConfig
from rls_monitor.link.wire import BandInfo


class _CaptureSink:
    """Collects the in-order samples of one band until ``n_samples`` are in, then sets ``full``."""

    def __init__(self) -> None:
        self.runs: list[NDArray[np.int16]] = []
        self.n = 0
        self.target: int | None = None
        self.full = asyncio.Event()

    def append(self, side: str, first_sample: int, counts: NDArray[np.int16]) -> None:
        self.runs.append(np.array(counts, dtype=np.int16, copy=True))
        self.n += len(counts)
        if self.target is not None and self.n >= self.target:
            self.full.set()

    def append_events(self, side: str, frames: list[Any]) -> None:  # raw mode only
        return None


async def capture_samples(
    spec: str,
    seconds: float,
    *,
    expected_device_id: str | None = None,
    backend: Any = None,
    config: SessionConfig | None = None,
    timeout_s: float | None = None,
) -> tuple[NDArray[np.int16], float, float]:
    """Capture ``seconds`` of live raw samples from a band (the guided calibration's poses).

    Connects (:class:`BandSession`: GET_INFO with the pairing checked, SYNC_TIME, raw mode),
    asks START_STREAM from the band's next frame (live: nothing older than the request), keeps
    the DATA frames in sequence order (duplicates dropped, gaps resent as in a night), and sends
    STOP_STREAM and disconnects once ``seconds`` of samples are in. Nothing is stored.

    Parameters
    ----------
    spec : str
        ``"serial:PORT"`` or ``"ble:ADDRESS"``.
    seconds : float
        Length of the capture, s (> 0).
    expected_device_id : str, optional
        The paired band's device id; another band answering is refused.
    backend : object, optional
        BLE backend classes (tests and simulations).
    config : SessionConfig, optional
        Link policies (timeouts, reconnection).
    timeout_s : float, optional
        Give up when the capture is not complete after this long (real seconds; default
        ``seconds + 30``).

    Returns
    -------
    counts : ndarray of int16, shape (n, 3)
        The samples, ``n = ceil(seconds * fs_hz)`` (a gap the band could not resend is left out).
    lsb_g : float
        g per count.
    fs_hz : float
        Sample rate, Hz.

    Raises
    ------
    ConfigError
        ``seconds`` not positive.
    DeviceMismatch
        The band is not the paired one.
    LinkLost
        The capture did not complete within ``timeout_s``.
    DeviceNotFound, ConnectError
        The band could not be reached.
    """
    from rls_monitor.link.transports import open_transport, parse_transport_spec

    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigError(f"capture length must be positive; got {seconds!r}", name="seconds")
    cfg = config or SessionConfig()
    parsed = parse_transport_spec(spec)
    sink = _CaptureSink()

    async def live(session: BandSession, info: BandInfo) -> tuple[int, int, int]:
        sink.target = max(1, math.ceil(seconds * info.fs_hz))
        return info.band_next_seq, info.band_next_seq, 0

    session = BandSession(
        open_transport(parsed, backend=backend, config=cfg.link),
        side="unknown",
        expected_device_id=expected_device_id,
        sink=sink,
        config=cfg,
        prepare=live,
    )
    limit_s = seconds + 30.0 if timeout_s is None else float(timeout_s)
    stop = sink.full
    try:
        async with asyncio.timeout(limit_s):
            await session.run(stop)
    except TimeoutError as exc:
        have_s = sink.n / session.info.fs_hz if session.info is not None else 0.0
        raise LinkLost(
            f"{session.transport.description}: only {have_s:.1f} s of the {seconds:g} s "
            f"capture arrived within {limit_s:g} s"
        ) from exc
    info = session.info
    if info is None or sink.target is None or sink.n < sink.target:  # pragma: no cover
        raise LinkLost(f"{session.transport.description}: the capture ended early")
    counts = np.concatenate(sink.runs)[: sink.target]
    return counts, info.lsb_g, info.fs_hz
