"""Tonight's recording, run for the web page: a night recorded in a background thread.

The page's Start button starts :class:`NightRun`: the same function as ``rls-monitor record
--simulate`` (:func:`rls_monitor.simulation.record_simulated_night_async`), or for paired bands
that of ``rls-monitor record --ble/--serial`` (:func:`rls_monitor.nights.record.record_night_async`),
in a thread with its own event loop. Its live status (what the CLI's status line shows) is kept as a snapshot that
the page's server-sent events read; Stop sets the night's stop event, and the night ends
cleanly: scored and stored, as after Ctrl-C in the terminal.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from pathlib import Path
from typing import Any

from rls_monitor.errors import ConfigError, RLSMonitorError
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.nights.recorder import NightResult, StopSignal
from rls_monitor.nights.status import NightStatus, format_status_line, link_report, plural

__all__ = [
    "MIN_RESCORE_INTERVAL_S",
    "NightRun",
    "live_rescore_interval_s",
    "signal_words",
    "status_dict",
]

#: The shortest pause (real seconds) between two live scores of a simulated night run faster
#: than real time: each scores the whole night so far.
MIN_RESCORE_INTERVAL_S = 2.0


def live_rescore_interval_s(speed: float) -> float:
    """How often (real seconds) the page's night is scored so far, for "movements so far".

    A band is scored as ``rls-monitor record`` scores it (every
    ``SessionConfig.rescore_interval_s``, 2 min); a simulated band running ``speed`` times
    faster than real time is scored after as many seconds of recording, so the first count
    comes as early in the night at any speed, but at most every
    :data:`MIN_RESCORE_INTERVAL_S` real seconds.

    Parameters
    ----------
    speed : float
        Simulated seconds per real second (1 for a real band, ``math.inf``: as fast as possible).

    Returns
    -------
    float
        Real seconds between live scores.

    Examples
    --------
    >>> live_rescore_interval_s(1.0), live_rescore_interval_s(600.0)
    (120.0, 2.0)
    """
    recording_s = SessionConfig().rescore_interval_s
    if speed <= 1.0:
        return recording_s
    return max(MIN_RESCORE_INTERVAL_S, recording_s / speed)


def signal_words(figures: dict[str, Any]) -> str:
    """A band's link figures (of :func:`~rls_monitor.nights.status.link_report`) in words.

    Examples
    --------
    >>> signal_words({"link_losses": 1, "frames_lost": 0, "bad_frames": {"crc": 2}})
    '1 link loss, 0 frames lost, 2 bad frames'
    """
    bad = sum(figures.get("bad_frames", {}).values())
    return (
        f"{plural(figures.get('link_losses', 0), 'link loss', 'link losses')}, "
        f"{plural(figures.get('frames_lost', 0), 'frame')} lost, {plural(bad, 'bad frame')}"
    )


def status_dict(status: NightStatus | None) -> dict[str, Any]:
    """A live status as the page shows it: the CLI's status line and its numbers.

    Parameters
    ----------
    status : NightStatus or None
        The latest status (``None`` before the first).

    Returns
    -------
    dict
        ``night``, ``line`` (the words of the CLI's status line), ``lm_count``,
        ``plm_count``, ``plm_per_h``, ``rules``, and ``bands``: per band its ``side``,
        ``state``, the link counters of :func:`rls_monitor.nights.status.link_report` and
        ``signal`` (link losses, frames lost, bad frames, in words).
    """
    if status is None:
        return {"night": None, "line": "starting", "bands": []}
    counters = link_report(status)
    bands = []
    for b in status.bands:
        band = {"side": b.side, "state": str(b.state), **counters.get(b.side, {})}
        band["signal"] = signal_words(band)
        bands.append(band)
    return {
        "night": status.night_id if status.night_id >= 0 else None,
        "line": format_status_line(status),
        "lm_count": status.lm_count,
        "plm_count": status.plm_count,
        "plm_per_h": status.plm_per_h,
        "rules": status.rules,
        "bands": bands,
    }


class NightRun:
    """One night recorded in a background thread, with its live status.

    Parameters
    ----------
    db_path : Path
        The store the night is recorded into.
    speed : float
        Simulated seconds per real second (``math.inf``: as fast as possible).
    duration_s : float, optional
        Length of the simulated night (default 8 h).
    seed : int
        Seed of the simulated night.
    rules : {"wasm2016", "aasm"}
        Rule set.
    subject : str, optional
        Subject label (default ``"simulated"``; a paired band's: its pairing's).
    specs : list of str, optional
        Paired bands to record instead of the simulated one (``"ble:ADDRESS"``,
        ``"serial:PORT"``; one or two), as ``rls-monitor record`` does; the speed, duration and
        seed are then not used.
    """

    def __init__(
        self,
        db_path: Path,
        *,
        speed: float = 1.0,
        duration_s: float | None = None,
        seed: int = 0,
        rules: str = "wasm2016",
        subject: str | None = None,
        specs: list[str] | None = None,
    ) -> None:
        if not speed > 0:
            raise ConfigError(f"speed must be positive; got {speed!r}", name="speed", value=speed)
        self.db_path = Path(db_path)
        self.speed = float(speed)
        self.duration_s = duration_s
        self.seed = seed
        self.rules = rules
        self.subject = subject
        self.specs = list(specs or [])
        self.simulated = not self.specs
        self.rescore_interval_s = live_rescore_interval_s(self.speed if self.simulated else 1.0)
        self.started_s = time.monotonic()
        self._lock = threading.Lock()
        self._status: NightStatus | None = None
        self._version = 0
        self._result: NightResult | None = None
        self._error: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: StopSignal | None = None
        self._stop_requested = False
        self._thread = threading.Thread(target=self._main, name="rls-monitor-night", daemon=True)

    def start(self) -> NightRun:
        """Start the night; returns at once."""
        self._thread.start()
        return self

    def _on_status(self, status: NightStatus) -> None:
        with self._lock:
            self._status = status
            self._version += 1

    def _main(self) -> None:
        from rls_monitor.nights.record import record_night_async
        from rls_monitor.simulation import record_simulated_night_async

        async def run() -> NightResult:
            self._stop = StopSignal()
            self._loop = asyncio.get_running_loop()
            if self._stop_requested:
                self._stop.set()
            config = SessionConfig(rescore_interval_s=self.rescore_interval_s)
            if self.specs:
                return await record_night_async(
                    self.db_path,
                    self.specs,
                    config=config,
                    rules=self.rules,
                    subject=self.subject,
                    stop=self._stop,
                    on_status=self._on_status,
                )
            return await record_simulated_night_async(
                self.db_path,
                duration_s=self.duration_s,
                speed=self.speed,
                seed=self.seed,
                config=config,
                rules=self.rules,
                subject=self.subject,
                stop=self._stop,
                on_status=self._on_status,
            )

        try:
            result = asyncio.run(run())
        except RLSMonitorError as exc:
            with self._lock:
                self._error = str(exc)
                self._version += 1
        except Exception as exc:  # a bug: the page says so instead of a dead thread
            with self._lock:
                self._error = f"internal error: {type(exc).__name__}: {exc}"
                self._version += 1
        else:
            with self._lock:
                self._result = result
                self._status = result.status
                self._version += 1

    def stop(self) -> None:
        """Ask the night to end (cleanly: scored and stored); returns at once."""
        self._stop_requested = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the night to end; whether it did within ``timeout_s``."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        """Whether the night is still being recorded."""
        return self._thread.is_alive()

    @property
    def result(self) -> NightResult | None:
        """How the night went, once it ended (``None`` before, or when it failed)."""
        with self._lock:
            return self._result

    @property
    def version(self) -> int:
        """A number that grows with every change of the status (for the live stream)."""
        with self._lock:
            return self._version

    def first_count(self) -> str:
        """When the first "movements so far" comes, in words (before the first live score)."""
        if self.simulated and math.isinf(self.speed):
            return f"first count after {self.rescore_interval_s:g} s"
        recording_min = self.rescore_interval_s * (self.speed if self.simulated else 1.0) / 60.0
        return f"first count after {recording_min:.3g} min of recording"

    def snapshot(self) -> dict[str, Any]:
        """The live status as the page shows it (see :func:`status_dict`), with ``running``,
        ``finished``, ``error``, ``simulated``, ``elapsed_s`` (real seconds since Start) and
        ``first_count`` (when the first live count of movements comes, in words)."""
        with self._lock:
            out = status_dict(self._status)
            result, error, version = self._result, self._error, self._version
        out.update(
            {
                "version": version,
                "running": self.running,
                "finished": result is not None,
                "error": error,
                "simulated": self.simulated,
                "speed": None if math.isinf(self.speed) else self.speed,
                "elapsed_s": round(time.monotonic() - self.started_s, 1),
                "first_count": self.first_count(),
            }
        )
        if result is not None:
            out["night"] = result.night_id
            out["scored"] = result.score is not None
        return out
