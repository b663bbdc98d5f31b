"""The night runner: one or two band sessions (left and right leg) recorded into one stored night.

:class:`NightRecorder` creates or resumes the night in the store, runs a
:class:`~rls_monitor.link.band_session.BandSession` per band, writes their samples in bounded
transactions (the night writer), scores the night so far every ``rescore_interval_s`` and, when it
ends, stores the band's clock and the final score (bilateral when there are two bands).
:class:`StopSignal` ends it; :class:`NightResult` is what it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import (
    ConfigError,
    ConnectError,
    LinkLost,
    RLSMonitorError,
    check_option,
)
from rls_monitor.link.band_session import BandSession, SessionConfig
from rls_monitor.link.clock import SessionClock
from rls_monitor.link.drivers.base import DeviceDriver
from rls_monitor.link.transports.base import (
    Transport,
)
from rls_monitor.link.wire import BandInfo, Wire
from rls_monitor.nights.status import NightStatus, link_report
from rls_monitor.recording import Recording

if TYPE_CHECKING:
    from rls_monitor.scoring import ScoreResult
    from rls_monitor.storage import Store

log = logging.getLogger(__name__)


class _NightWriter:
    """Buffers each band's ordered samples and writes them to the store in bounded transactions.

    A write happens every ``flush_samples`` samples, every ``flush_interval_s`` seconds, before a
    gap (samples given up), and at the end; each is one call to ``Store.append_samples`` (which
    commits in transactions of at most a few one-minute blocks).
    """

    def __init__(
        self, store: Store, night_id: int, channels: dict[str, int], config: SessionConfig
    ) -> None:
        self.store = store
        self.night_id = night_id
        self.channels = channels
        self.config = config
        self._buf: dict[str, list[NDArray[np.int16]]] = {s: [] for s in channels}
        self._buf_n: dict[str, int] = dict.fromkeys(channels, 0)
        self._first: dict[str, int] = dict.fromkeys(channels, 0)
        self.stored: dict[str, int] = dict.fromkeys(channels, 0)
        self.last_flush_s = time.monotonic()
        self.writes = 0

    def append(self, side: str, first_sample: int, counts: NDArray[np.int16]) -> None:
        """Buffer samples ``first_sample ...`` of a band."""
        if self._buf[side] and first_sample != self._first[side] + self._buf_n[side]:
            self._flush_side(side)
        if not self._buf[side]:
            self._first[side] = first_sample
        self._buf[side].append(counts)
        self._buf_n[side] += len(counts)
        if self._buf_n[side] >= self.config.flush_samples:
            self._flush_side(side)

    def _flush_side(self, side: str) -> None:
        blocks = self._buf[side]
        if not blocks:
            return
        counts = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        first = self._first[side]
        self.store.append_samples(self.night_id, first, counts, channel=self.channels[side])
        self.stored[side] = first + len(counts)
        self._buf[side] = []
        self._buf_n[side] = 0
        self.writes += 1

    def flush(self) -> None:
        """Write everything buffered."""
        for side in self._buf:
            self._flush_side(side)
        self.last_flush_s = time.monotonic()


@dataclass(frozen=True)
class BandLink:
    """One band to record in a night.

    Parameters
    ----------
    transport : Transport
        Its link (not yet open).
    side : {"left", "right", "unknown"}
        The leg.
    device_id : str or None
        The paired device id (``None`` accepts any band: simulations and ``--unpaired``).
    driver : DeviceDriver, optional
        The device family's driver (default: our own band's protocol).
    """

    transport: Transport
    side: str = "unknown"
    device_id: str | None = None
    driver: DeviceDriver | None = None


@dataclass
class NightResult:
    """How a night went.

    Attributes
    ----------
    night_id : int
        The stored night.
    status : NightStatus
        Final counters of every band.
    score : object or None
        The final :class:`~rls_monitor.scoring.ScoreResult` (``None`` when no sample arrived).
    resumed : bool
        Whether an interrupted night was continued.
    """

    night_id: int
    status: NightStatus
    score: Any
    resumed: bool = False
    elapsed_s: float = 0.0

    def link_report(self) -> dict[str, Any]:
        """The link counters of every band (see :func:`link_report`)."""
        return link_report(self.status)


class StopSignal(asyncio.Event):
    """The event that ends a night (Ctrl-C, SIGTERM, a test)."""


StatusCallback = Callable[[NightStatus], None]


class NightRecorder:
    """Record one or two bands into one night of the store, scored live, resumable.

    Parameters
    ----------
    store : rls_monitor.storage.Store
        The open store.
    links : list of BandLink
        One band, or two (left and right leg).
    config : SessionConfig
        Policies.
    clock : SessionClock, optional
        Host UTC (simulated in accelerated runs).
    subject : str or None
        Subject label of a new night.
    sync_to_end : bool
        Download what the band holds and stop (a morning sync) instead of streaming until stopped.
    on_status : callable, optional
        Called with a :class:`NightStatus` twice a second (the live status line).
    wire : Wire, optional
        The protocol adapter.
    start : {"live", "oldest"}
        Where a new night starts: at the band's next frame (a night recorded live), or at the
        oldest frame in its flash (a sync; a simulated band switched on with the recording).
    """

    def __init__(
        self,
        store: Store,
        links: list[BandLink],
        *,
        config: SessionConfig | None = None,
        clock: SessionClock | None = None,
        subject: str | None = None,
        sync_to_end: bool = False,
        on_status: StatusCallback | None = None,
        wire: Wire | None = None,
        start: str = "live",
        on_device: bool = False,
    ) -> None:
        check_option("start", start, ("live", "oldest"))
        if on_device and (sync_to_end or len(links) != 1):
            raise ConfigError(
                "on-device (events mode) recording takes one band, recorded live",
                name="on_device",
            )
        self.on_device = on_device
        self._events: dict[str, list[Any]] = {link.side: [] for link in links}
        if not 1 <= len(links) <= 2:
            raise ConfigError(f"a night records one or two bands; got {len(links)}", name="links")
        sides = [link.side for link in links]
        if len(links) == 2 and sorted(sides) != ["left", "right"]:
            raise ConfigError(f"two bands must be one left and one right; got {sides}", name="side")
        for link in links:
            caps = link.driver.capabilities if link.driver is not None else None
            if sync_to_end and caps is not None and not caps.offline_recording:
                raise ConfigError(
                    f"a {link.driver.family if link.driver else 'band'} device keeps no night "
                    "for this host to download: record it live instead of syncing",
                    name="sync_to_end",
                )
        self.store = store
        self.links = links
        self.config = config or SessionConfig()
        self.clock = clock or SessionClock()
        self.subject = subject
        self.sync_to_end = sync_to_end
        self.on_status = on_status
        self.night_id: int | None = None
        self.resumed = False
        self.writer: _NightWriter | None = None
        self.sessions = [
            BandSession(
                link.transport,
                side=link.side,
                expected_device_id=link.device_id,
                sink=self,
                config=self.config,
                clock=self.clock,
                sync_to_end=sync_to_end,
                prepare=self._prepare,
                wire=wire,
                on_device=on_device,
                driver=link.driver,
            )
            for link in links
        ]
        for session in self.sessions:
            session.on_events_start = self._note_events_start
        self.status = NightStatus(
            night_id=-1, bands=[s.status for s in self.sessions], rules=self.config.rules
        )
        self._night_lock = asyncio.Lock()
        self._infos: dict[str, BandInfo] = {}
        self._all_ready = asyncio.Event()
        self._stop: asyncio.Event = StopSignal()
        self._channels: dict[str, int] = {}
        self._night_meta: dict[str, Any] = {}
        self.start = start
        self._last_score_s = time.monotonic()
        self.last_score: Any = None
        self.started_s = time.monotonic()

    def append(self, side: str, first_sample: int, counts: NDArray[np.int16]) -> None:
        """The sessions' sink: buffer samples for the store."""
        if self.writer is not None:
            self.writer.append(side, first_sample, counts)

    def append_events(self, side: str, frames: list[Any]) -> None:
        """The sessions' sink in events mode: keep the band's EVENT/SUMMARY frames (small)."""
        self._events[side].extend(frames)

    def _note_events_start(self, session: BandSession) -> None:
        """Keep where the band's events mode began in the night's metadata."""
        st = session.events_start
        if st is None or self.night_id is None:
            return
        entry = {
            "first_event_seq": st.first_event_seq,
            "start_tick": st.start_tick,
            "start_sample": st.start_sample,
        }
        events_start = dict(self._night_meta.get("events_start") or {})
        events_start[session.side] = entry
        self._night_meta["events_start"] = events_start
        self.store.update_night_metadata(self.night_id, {"events_start": events_start})

    async def _prepare(self, session: BandSession, info: BandInfo) -> tuple[int, int, int]:
        """After a band's first handshake: create or continue the night; say where to start.

        Waits until every band of the night has answered (a bilateral night starts with both),
        then creates the night (or finds the interrupted night of the same bands and continues
        it). Returns ``(first_seq, next_seq, next_sample)`` for this band: its sequence number
        of the night's sample 0, the first frame to ask for, and that frame's sample index.
        """
        self._infos[session.side] = info
        if len(self._infos) == len(self.sessions):
            self._all_ready.set()
        waiter = asyncio.ensure_future(self._all_ready.wait())
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            stopper.cancel()
        if not self._all_ready.is_set():
            raise LinkLost("the night was stopped before every band answered")
        async with self._night_lock:
            if self.night_id is None:
                self._open_night()
            if self.night_id is None or self.writer is None:
                raise ConnectError("the night could not be opened")
            meta = self._night_meta
            first_seq = int(meta["first_seq"][session.side])
            per = int(meta["frame_samples"][session.side])
            stored = int(self.store.resume_night(self.night_id, self._channels[session.side]))
            frames = -(-stored // per)
            self.writer.stored[session.side] = stored
            return first_seq, first_seq + frames, frames * per

    def _store_clock(self) -> None:
        """Keep each band's clock against UTC (ticks and drift-corrected UTC) with the night."""
        clock = dict(self._night_meta.get("clock") or {})
        for session in self.sessions:
            report = session.clock_report()
            if report is not None:
                clock[session.side] = report
        if clock and self.night_id is not None:
            self._night_meta["clock"] = clock
            self.store.update_night_metadata(self.night_id, {"clock": clock})

    def _open_night(self) -> None:
        infos = self._infos
        device_ids = {side: info.device_id for side, info in infos.items()}
        found = None
        if self.sync_to_end:
            found = _store_find_band_scored(self.store, device_ids)
        if found is None and not self.on_device:
            found = _store_find_resumable(self.store, device_ids)
        if found is not None:
            self.night_id, self._night_meta = found
            self.resumed = True
            log.info("continuing interrupted night %d", self.night_id)
        else:
            first_seq = {}
            for side, info in infos.items():
                if self.start == "live":
                    first_seq[side] = info.band_next_seq
                else:  # the oldest frame still in the band's flash
                    held = info.ring_capacity_samples // max(1, info.frame_samples)
                    first_seq[side] = max(0, info.band_next_seq - held)
            any_info = next(iter(infos.values()))
            lead = max(info.band_next_seq - first_seq[side] for side, info in infos.items())
            start = self.clock.now_unix_s() - lead * any_info.frame_samples / any_info.fs_hz
            meta = {
                # the recorder's mark, as stored nights have carried it since the first schema
                # (resuming a night looks for it): a value, not this module's name
                "recorded_by": "rls_monitor.session",
                "device_ids": device_ids,
                "first_seq": first_seq,
                "frame_samples": {side: info.frame_samples for side, info in infos.items()},
                "tick_hz": any_info.tick_hz,
                "firmware": {side: info.firmware for side, info in infos.items()},
                "serial": {side: info.serial for side, info in infos.items()},
                # what recorded each leg: the device's model and firmware, and the driver
                "devices": {
                    s.side: {
                        "model": infos[s.side].model,
                        "firmware": infos[s.side].firmware,
                        **s.driver.describe(),
                    }
                    for s in self.sessions
                },
            }
            if self.on_device:
                meta.update({"mode": "events", "scored_on": "band", "raw_samples": False})
            self.night_id = _store_create_night(
                self.store,
                subject=self.subject,
                fs_hz=any_info.fs_hz,
                lsb_g=any_info.lsb_g,
                start_utc=datetime.fromtimestamp(start, tz=UTC),
                channels=[(s.side, device_ids[s.side]) for s in self.sessions],
                source="band-events"
                if self.on_device
                else ("sync" if self.sync_to_end else "session"),
                metadata=meta,
            )
            self._night_meta = meta
        self._channels = {s.side: i for i, s in enumerate(self.sessions)}
        self.status.night_id = self.night_id
        self.writer = _NightWriter(self.store, self.night_id, self._channels, self.config)

    async def _ticker(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(0.5)
            writer = self.writer
            if writer is not None and (
                time.monotonic() - writer.last_flush_s >= self.config.flush_interval_s
            ):
                writer.flush()
            if (
                self.night_id is not None
                and time.monotonic() - self._last_score_s >= self.config.rescore_interval_s
            ):
                self._last_score_s = time.monotonic()
                with contextlib.suppress(RLSMonitorError):
                    self._score_live()
            if self.on_status is not None:
                self.on_status(self.status)

    def _recordings(self) -> list[Recording]:
        """The night so far, from the store: one recording per band, on the night's timeline."""
        if self.night_id is None:
            return []
        start_utc = self.store.get_night(self.night_id).start_utc
        recs = []
        for s in self.sessions:
            info = self._infos.get(s.side)
            if info is None:
                continue
            # float32 g straight from the store's blocks: the whole night is held once, in
            # float32 (no int16 or float64 copies), the same values as Recording.from_counts
            accel = self.store.read_accel_g(self.night_id, self._channels[s.side])
            if len(accel) == 0:
                continue
            recs.append(
                Recording(
                    accel,
                    info.fs_hz,
                    start_utc=start_utc,
                    device_id=info.device_id,
                    side=s.side,
                    metadata={"lsb_g": repr(float(info.lsb_g))},
                )
            )
        if len(recs) == 2:
            n = min(len(r.accel_g) for r in recs)
            recs = [r if len(r.accel_g) == n else _truncate(r, n) for r in recs]
        return recs

    def _score_events(self) -> tuple[Any, float]:
        """Score the night from the band's events: ``(ScoreResult or None, duration_s)``.

        The night's timeline starts at its first DATA frame (what a later sync downloads);
        the band's events are placed on it from where events mode began (its tick and
        recording sample), so a rescore of the synced samples is on the same timeline.
        """
        from rls_monitor.scoring.band_events import decode_band_events, score_band_events

        session = self.sessions[0]
        info = self._infos.get(session.side)
        st = session.events_start
        frames = self._events[session.side]
        if info is None or st is None or self.night_id is None:
            return None, 0.0
        tick_hz = round(info.tick_hz)
        first_seq = int(self._night_meta.get("first_seq", {}).get(session.side, 0))
        offset_s = 0.0
        if st.start_sample is not None:
            offset_s = max(0.0, (st.start_sample - first_seq * info.frame_samples) / info.fs_hz)
        summaries = session.wire.summaries(frames)
        if st.start_tick is None:
            if not summaries:
                return None, 0.0
            start_tick = min(summaries, key=lambda f: f.seq).start_tick
        else:
            start_tick = st.start_tick
        events_s = 0.0
        if summaries:
            last = max(summaries, key=lambda f: f.seq)
            events_s = ((last.start_tick - start_tick) % (1 << 32)) / tick_hz + 60.0
        # the band's DATA frames recorded so far (its END and answers say how many) end the
        # night when the last minute's summary is not complete
        data_s = (session.band_next_seq - first_seq) * info.frame_samples / info.fs_hz
        events_s = max(events_s, data_s - offset_s)
        events_s = min(events_s, max(0.0, self.clock.now_unix_s() - st.unix_s))
        duration_s = offset_s + events_s
        night_tick = (start_tick - round(offset_s * tick_hz)) % (1 << 32)
        band = decode_band_events(
            frames, start_tick=night_tick, duration_s=duration_s, tick_hz=tick_hz
        )
        result = score_band_events(band, self.config.rules, device_id=info.device_id)
        return result, duration_s

    def _score_live(self) -> Any:
        from rls_monitor.scoring import score

        if self.on_device:
            result, _ = self._score_events()
            if result is not None:
                self.last_score = result
                self.status.lm_count = int(result.counts.get("lm", 0))
                self.status.plm_count = int(result.counts.get("plm", 0))
                self.status.plm_per_h = result.plm_per_h
            return result

        recs = self._recordings()
        if not recs:
            return None
        result = score(recs if len(recs) == 2 else recs[0], rules=self.config.rules)
        self.last_score = result
        self.status.lm_count = int(result.counts.get("lm", 0))
        self.status.plm_count = int(result.counts.get("plm", 0))
        self.status.plm_per_h = result.plm_per_h
        return result

    def _score_final(self) -> Any:
        """Close the night and score it as an imported night is scored.

        The final score goes through :func:`rls_monitor.nights.rescore_night`, so a recorded night
        gets what an imported one gets: the band's calibration in force applied before scoring
        (and recorded with the night), per-minute summaries (activity, LMs, posture, in bed) and
        the posture of every movement.
        """
        from rls_monitor.nights.rescore import rescore_night

        if self.night_id is None:
            return None
        self.store.finish_night(self.night_id)
        try:
            result, _changed = rescore_night(
                self.store, self.night_id, self.config.rules, calibration="latest"
            )
        except RLSMonitorError as exc:
            log.warning("night %d could not be scored: %s", self.night_id, exc)
            return None
        self.status.lm_count = int(result.counts.get("lm", 0))
        self.status.plm_count = int(result.counts.get("plm", 0))
        self.status.plm_per_h = result.plm_per_h
        return result

    async def run(self, stop: asyncio.Event | None = None) -> NightResult:
        """Record until ``stop`` is set (or, for a sync, until the bands' data are all in).

        Returns
        -------
        NightResult

        Raises
        ------
        DeviceMismatch
            A band is not the paired one (nothing of it is stored).
        DeviceNotFound, ConnectError
            A band could not be reached at the start, or never came back.
        """
        stop = stop or StopSignal()
        self._stop = stop
        ticker = asyncio.get_running_loop().create_task(self._ticker(stop))
        tasks = [asyncio.get_running_loop().create_task(s.run(stop)) for s in self.sessions]
        failure: BaseException | None = None
        try:
            pending = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    exc = task.exception()
                    if exc is not None and failure is None:
                        failure = exc
                        stop.set()
        finally:
            ticker.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(ticker, *tasks, return_exceptions=True)
        return self._finish(failure)

    def _finish(self, failure: BaseException | None) -> NightResult:
        result: Any = None
        if self.writer is not None:
            self.writer.flush()
        if self.night_id is not None:
            # what the link went through, kept with the night (the page shows a band's last one)
            with contextlib.suppress(RLSMonitorError):
                self.store.update_night_metadata(self.night_id, {"link": link_report(self.status)})
            if failure is not None:
                self.store.mark_interrupted(self.night_id)
            else:
                self._store_clock()
                self.last_score = None  # the live score's arrays go before the final one
                if self.on_device:
                    try:
                        result = self._score_live()
                    except RLSMonitorError as exc:
                        log.warning("night %d could not be scored: %s", self.night_id, exc)
                    _store_finish_events(self.store, self.night_id, result)
                else:
                    result = self._score_final()
                    if self.sync_to_end and self._night_meta.get("mode") == "events":
                        self.store.update_night_metadata(
                            self.night_id, {"raw_samples": True, "scored_on": "host"}
                        )
        self.status.finished = True
        if self.on_status is not None:
            self.on_status(self.status)
        if failure is not None:
            raise failure
        return NightResult(
            night_id=self.night_id if self.night_id is not None else -1,
            status=self.status,
            score=result,
            resumed=self.resumed,
            elapsed_s=time.monotonic() - self.started_s,
        )


def _truncate(rec: Recording, n: int) -> Recording:
    """The first ``n`` samples of a recording (to pair two bands of unequal length)."""
    return Recording(
        rec.accel_g[:n],
        fs_hz=rec.fs_hz,
        start_utc=rec.start_utc,
        device_id=rec.device_id,
        side=rec.side,
        metadata=rec.metadata,
    )


def _store_create_night(
    store: Store,
    *,
    subject: str | None,
    fs_hz: float,
    lsb_g: float,
    start_utc: datetime,
    channels: list[tuple[str, str]],
    source: str,
    metadata: dict[str, Any],
) -> int:
    from rls_monitor.storage import Channel

    return int(
        store.create_night(
            subject or "unassigned",
            fs_hz=fs_hz,
            lsb_g=lsb_g,
            start_utc=start_utc,
            channels=[Channel(side=side, device=device) for side, device in channels],
            source=source,
            metadata=metadata,
        )
    )


def _store_find_resumable(
    store: Store, device_ids: dict[str, str]
) -> tuple[int, dict[str, Any]] | None:
    """The latest interrupted night recorded by the session from exactly these bands."""
    for night in reversed(store.list_nights()):
        if night.status != "interrupted":
            continue
        meta = night.metadata
        if (
            meta.get("recorded_by") == "rls_monitor.session"
            and meta.get("device_ids") == device_ids
        ):
            return int(night.id), meta
    return None


def _store_find_band_scored(
    store: Store, device_ids: dict[str, str]
) -> tuple[int, dict[str, Any]] | None:
    """The latest night of these bands scored on the band (events mode) whose raw samples were
    not synced yet: a morning sync downloads the samples into it."""
    for night in reversed(store.list_nights()):
        meta = night.metadata
        if (
            meta.get("mode") == "events"
            and not meta.get("raw_samples")
            and meta.get("device_ids") == device_ids
        ):
            return int(night.id), meta
    return None


def _store_finish_events(store: Store, night_id: int, result: ScoreResult | None) -> None:
    """Close a night scored on the band: its score, and an end time from its duration."""
    end_utc = None
    if result is not None:
        store.save_score(night_id, result.to_dict())
        from datetime import timedelta

        start = store.get_night(night_id).start_utc
        if start is not None:
            end_utc = start + timedelta(seconds=float(result.duration_s))
    store.finish_night(night_id, end_utc=end_utc)
