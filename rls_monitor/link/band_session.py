"""One band's link kept alive for a night: handshake, streaming, resends, watchdog, reconnection.

:class:`BandSession` opens the transport, asks ``GET_INFO`` (the band's device id must match the
pairing: another band is refused with :class:`~rls_monitor.errors.DeviceMismatch`), syncs time,
starts the stream from the first sequence number not yet stored, decodes each frame through
:class:`~rls_monitor.link.wire.Wire`, orders it with
:class:`~rls_monitor.link.sequencing.SequenceTracker` and hands the samples to a
:class:`SampleSink`. A disconnect, or a link silent for ``watchdog_s``, closes the transport and
reconnects with exponential backoff. :class:`SessionConfig` holds the knobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import (
    ConfigError,
    ConnectError,
    DeviceMismatch,
    DeviceNotFound,
    FrameError,
    LinkLost,
    TransportError,
    check_option,
)
from rls_monitor.link.clock import ClockFit, SessionClock
from rls_monitor.link.drivers.base import BandProtocolDriver, DeviceDriver, VendorDriver
from rls_monitor.link.sequencing import SequenceTracker, TrackerConfig, TrackerCounts
from rls_monitor.link.transports.base import (
    LinkConfig,
    LinkState,
    Transport,
    backoff_delays_s,
)
from rls_monitor.link.wire import (
    BandInfo,
    DataBlock,
    EndOfData,
    EventItem,
    EventsStart,
    Reply,
    StatusReport,
    Wire,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionConfig:
    """How a recording session behaves.

    Parameters
    ----------
    link : LinkConfig
        Connection timeouts, reconnection backoff, watchdog.
    tracker : TrackerConfig
        Reordering wait and resend policy.
    flush_samples : int
        Samples buffered before they are written to the store in one transaction.
    flush_interval_s : float
        Buffered samples are written at least this often (host seconds).
    rescore_interval_s : float
        The night so far is scored this often (host seconds) for the live counts; ``math.inf``
        scores only at the end.
    housekeeping_interval_s : float
        Resend requests for gaps, given-up gaps and time syncs are looked after this often (host
        seconds). 1 s keeps a live night's host CPU well under 1 % of a core; tests that run a
        band many times faster than real time use less.
    sync_interval_s : float
        A new time sync point is taken this often (host seconds of the session clock).
    request_timeout_s : float
        Time allowed for the band to answer a command.
    max_sync_rtt_s : float
        A time sync whose round trip took longer (session clock seconds) is not used.
    rules : {"wasm2016", "aasm"}
        The rule set of the live and final scores.
    """

    link: LinkConfig = field(default_factory=LinkConfig)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    flush_samples: int = 6000
    flush_interval_s: float = 5.0
    rescore_interval_s: float = 120.0
    housekeeping_interval_s: float = 1.0
    sync_interval_s: float = 900.0
    request_timeout_s: float = 5.0
    max_sync_rtt_s: float = 2.0
    rules: str = "wasm2016"

    def __post_init__(self) -> None:
        check_option("rules", self.rules, ("wasm2016", "aasm"))
        if self.flush_samples < 1:
            raise ConfigError(
                f"flush_samples must be at least 1; got {self.flush_samples!r}",
                name="flush_samples",
            )
        for name in (
            "flush_interval_s",
            "rescore_interval_s",
            "housekeeping_interval_s",
            "sync_interval_s",
            "request_timeout_s",
        ):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigError(f"{name} must be positive; got {value!r}", name=name)


@dataclass
class LinkCounts:
    """Counters of one band's link over a night (shown live and in the report)."""

    frames_received: int = 0
    bytes_received: int = 0
    bad_frames: dict[str, int] = field(default_factory=dict)
    link_losses: int = 0
    watchdog_resets: int = 0
    reconnects: int = 0
    connect_failures: int = 0
    queue_overflows: int = 0
    time_syncs: int = 0
    sample_gaps: int = 0
    samples_missing: int = 0
    samples_overlapping: int = 0
    device_clock_restarts: int = 0

    @property
    def bad_frames_total(self) -> int:
        return sum(self.bad_frames.values())


@dataclass
class BandStatus:
    """What the live status line shows for one band."""

    side: str
    device_id: str = ""
    state: LinkState = LinkState.CLOSED
    samples: int = 0
    recorded_s: float = 0.0
    battery_pct: float | None = None
    gaps_filled: int = 0
    frames_lost: int = 0
    drift_ppm: float | None = None
    driver: str = "rls-band/1"
    can_resend: bool = True
    counts: LinkCounts = field(default_factory=LinkCounts)
    tracker: TrackerCounts = field(default_factory=TrackerCounts)


class SampleSink(Protocol):
    """Where a band session puts its in-order samples (the night writer)."""

    def append(self, side: str, first_sample: int, counts: NDArray[np.int16]) -> None:
        """Samples ``first_sample ...`` (sample index in the night) of the band on ``side``."""
        ...

    def append_events(self, side: str, frames: list[Any]) -> None:
        """EVENT/SUMMARY frames (events mode), in sequence order, of the band on ``side``."""
        ...


class BandSession:
    """Keep one band's link alive for a night and deliver its samples in order, exactly once.

    Parameters
    ----------
    transport : Transport
        The link (not yet open).
    side : {"left", "right", "unknown"}
        The leg the band is on.
    expected_device_id : str or None
        The paired band's device id; a band answering with another id is refused.
    next_seq : int
        First frame sequence number to ask for (0 for a new night; one past the last stored
        frame when continuing an interrupted night).
    next_sample : int
        Index in the night of the first sample of frame ``next_seq``.
    sink : SampleSink
        Receives the ordered samples.
    config : SessionConfig
        Timeouts, flushing, policies.
    clock : SessionClock, optional
        Host UTC (simulated in accelerated runs).
    until_seq : int or None
        Stop once every frame below this sequence number is delivered (a morning sync);
        ``None`` streams until stopped.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        side: str,
        expected_device_id: str | None,
        sink: SampleSink,
        next_seq: int = 0,
        next_sample: int = 0,
        config: SessionConfig | None = None,
        clock: SessionClock | None = None,
        sync_to_end: bool = False,
        prepare: Callable[[BandSession, BandInfo], Awaitable[tuple[int, int, int]]] | None = None,
        wire: Wire | None = None,
        on_device: bool = False,
        driver: DeviceDriver | None = None,
    ) -> None:
        self.transport = transport
        self.prepare = prepare
        self.on_device = on_device
        self.events_start: EventsStart | None = None
        self.on_events_start: Callable[[BandSession], None] | None = None
        self.side = side
        self.expected_device_id = expected_device_id
        self.sink = sink
        self.config = config or SessionConfig()
        self.clock = clock or SessionClock()
        self.driver: DeviceDriver = driver or BandProtocolDriver(wire)
        self.wire = self.driver.wire if isinstance(self.driver, BandProtocolDriver) else Wire()
        self.vendor = self.driver if isinstance(self.driver, VendorDriver) else None
        if on_device and not self.driver.capabilities.on_device_events:
            raise ConfigError(
                f"a {self.driver.family} device does not detect leg movements itself: record "
                "it without --on-device",
                name="on_device",
            )
        self.tracker = SequenceTracker(next_seq=next_seq, config=self.config.tracker)
        self.next_sample = next_sample
        self.sync_to_end = sync_to_end
        self.end_seq: int | None = None
        self.info: BandInfo | None = None
        self.clock_fit: ClockFit | None = None
        #: (night sample index, unwrapped band tick) of the first DATA frame of this process
        self.tick_anchor: tuple[int, int] | None = None
        self._last_tick: int | None = None
        self.status = BandStatus(
            side=side,
            counts=LinkCounts(),
            tracker=self.tracker.counts,
            driver=self.driver.name,
            can_resend=self.driver.capabilities.resend_after_gap,
        )
        self._early: list[DataBlock] = []
        self._first_data = asyncio.Event()
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._cmd_id = 0
        self._connected = asyncio.Event()
        self._done = asyncio.Event()
        self._last_sync_s = -math.inf
        self._prepared = False
        self.first_seq = next_seq
        self.frame_samples = 1
        self.band_next_seq = 0

    # -- requests --------------------------------------------------------------------------

    async def _send(self, data: bytes) -> None:
        """Send one command, in as many writes as the driver cuts it into."""
        for chunk in self.driver.outgoing(data, self.transport.mtu):
            await self.transport.send(chunk)

    async def request(self, data: bytes, key: int) -> Reply:
        """Send a vendor driver's command and wait for its answer (the reply whose ``cmd_id``
        is ``key``): the :class:`~rls_monitor.link.drivers.base.DriverLink` of the session.

        Raises
        ------
        LinkLost
            No answer within ``request_timeout_s``, or the link went away.
        """
        result: Reply = await self._request(lambda _cmd_id: data, key=key)
        return result

    async def send(self, data: bytes) -> None:
        """Send a vendor driver's command without waiting for an answer."""
        await self._send(data)

    async def read_characteristic(self, uuid: str) -> bytes | None:
        """Read a GATT characteristic of the device (``None`` where the link has none)."""
        reader = getattr(self.transport, "read_characteristic", None)
        if reader is None:
            return None
        value: bytes | None = await reader(uuid)
        return value

    def _next_id(self) -> int:
        self._cmd_id = (self._cmd_id + 1) & 0xFFFF
        return self._cmd_id

    async def _request(self, build: Callable[[int], bytes], *, key: int | None = None) -> Any:
        cmd_id = self._next_id() if key is None else key
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[cmd_id] = future
        try:
            await self._send(build(cmd_id))
            async with asyncio.timeout(self.config.request_timeout_s):  # not wait_for (gh-86296)
                return await future
        except TimeoutError as exc:
            raise LinkLost(
                f"{self.transport.description}: no answer to a command within "
                f"{self.config.request_timeout_s:g} s"
            ) from exc
        finally:
            self._pending.pop(cmd_id, None)

    async def _send_quiet(self, data: bytes) -> None:
        """Send a command whose answer is not awaited (resend requests)."""
        await self._send(data)

    # -- the consumer --------------------------------------------------------------------

    async def _pump(self) -> None:
        """Take frames off the transport's queue and dispatch them; raise LinkLost on loss."""
        watchdog_s = self.config.link.watchdog_s
        counts = self.status.counts
        while True:
            frame = await self.transport.receive(timeout_s=watchdog_s)
            if frame is None:
                counts.watchdog_resets += 1
                raise LinkLost(
                    f"{self.transport.description}: no frame for {watchdog_s:g} s "
                    "(silent link, no disconnect event)"
                )
            counts.frames_received += 1
            counts.bytes_received += len(frame.data)
            try:
                items = self.driver.decode(frame.data)
            except FrameError as exc:
                items = [exc]
            for item in items:
                self._dispatch(item, frame.arrival_s)

    def _dispatch(self, item: Any, arrival_s: float) -> None:
        """Hand one decoded item to where it goes."""
        if isinstance(item, FrameError):
            counts = self.status.counts
            kind = item.kind or "malformed"
            counts.bad_frames[kind] = counts.bad_frames.get(kind, 0) + 1
            log.debug("%s: bad frame dropped (%s)", self.transport.description, item)
            return
        if isinstance(item, DataBlock):
            if self.vendor is not None:
                self._on_samples(item)
            elif not self.on_device:
                self._on_data(item, arrival_s)
        elif isinstance(item, EventItem):
            if self.on_device:
                delivered = self.tracker.offer(item.seq, item.frame, now_s=arrival_s)
                if delivered:
                    self._deliver(delivered)
        elif isinstance(item, Reply):
            future = self._pending.get(item.cmd_id)
            if future is not None and not future.done():
                future.set_result(item)
        elif isinstance(item, StatusReport):
            self.status.battery_pct = item.battery_pct
        elif isinstance(item, EndOfData):
            self.band_next_seq = item.band_next_seq
            self._check_done()

    def _on_samples(self, block: DataBlock) -> None:
        """A vendor's block of samples (``seq`` its first sample's index on the device's time
        base): stored where it falls on the night; an overlap is cut, a gap left and counted
        (such a device cannot resend)."""
        if not self._prepared:
            self._early.append(block)
            self._first_data.set()
            return
        counts = self.status.counts
        if self.vendor is not None:
            counts.device_clock_restarts = self.vendor.timeline.clock_restarts
        samples = block.samples
        start = block.seq - self.first_seq
        tick = block.tick
        info = self.info
        ticks_per_sample = info.tick_hz / info.fs_hz if info is not None else 0.0
        if start < self.next_sample:
            cut = min(len(samples), self.next_sample - start)
            counts.samples_overlapping += cut
            samples = samples[cut:]
            start += cut
            tick += round(cut * ticks_per_sample)
            if len(samples) == 0:
                return
        if start > self.next_sample:
            counts.sample_gaps += 1
            counts.samples_missing += start - self.next_sample
        if self.tick_anchor is None:
            self.tick_anchor = (start, tick)
        fit = self.clock_fit
        now_unix = self.clock.now_unix_s()
        queue = getattr(self.transport, "queue", None)
        fresh = queue is None or len(queue) == 0  # nothing behind it: it has just arrived
        if (
            fit is not None
            and fresh
            and now_unix - self._last_sync_s >= self.config.sync_interval_s
        ):
            # the device's time stamps against the host's clock at arrival: the fit's points
            last_tick = tick + round((len(samples) - 1) * ticks_per_sample)
            if fit.add(last_tick, now_unix):
                counts.time_syncs += 1
                self._last_sync_s = now_unix
                if fit.points >= 2:
                    self.status.drift_ppm = fit.drift_ppm
        self._emit(start, [samples])
        self.status.frames_lost = counts.sample_gaps

    def _on_data(self, block: DataBlock, arrival_s: float) -> None:
        if self.tick_anchor is None and block.seq >= self.first_seq:
            sample = (block.seq - self.first_seq) * self.frame_samples
            self.tick_anchor = (sample, self._unwrap_tick(block.tick))
        delivered = self.tracker.offer(block.seq, block, now_s=arrival_s)
        if delivered:
            self._deliver(delivered)

    def _deliver(self, delivered: list[tuple[int, Any]]) -> None:
        """Hand in-order frames to the sink, one contiguous run at a time.

        A frame's first sample is ``(seq - first_seq) * frame_samples``: frames hold a fixed
        number of samples, so a given-up gap leaves a gap of samples in the store (held over
        by the store's reader) and time stays aligned.
        """
        if self.on_device:
            frames = [frame for _, frame in delivered]
            self.sink.append_events(self.side, frames)
            minutes = len(self.wire.summaries(frames))
            self.status.recorded_s += 60.0 * minutes
            self.status.gaps_filled = self.tracker.counts.gaps_filled
            self.status.frames_lost = self.tracker.counts.frames_lost
            return
        per = self.frame_samples
        run: list[NDArray[np.int16]] = []
        run_first = -1
        expected = -1
        for seq, block in delivered:
            start = (seq - self.first_seq) * per
            if run and start != expected:
                self._emit(run_first, run)
                run = []
            if not run:
                run_first = start
            run.append(block.samples)
            expected = start + len(block.samples)
        if run:
            self._emit(run_first, run)
        st = self.status
        st.gaps_filled = self.tracker.counts.gaps_filled
        st.frames_lost = self.tracker.counts.frames_lost
        self._check_done()

    def _emit(self, first_sample: int, run: list[NDArray[np.int16]]) -> None:
        counts = run[0] if len(run) == 1 else np.concatenate(run)
        self.sink.append(self.side, first_sample, counts)
        self.next_sample = first_sample + len(counts)
        st = self.status
        st.samples = self.next_sample
        if self.info is not None:
            st.recorded_s = self.next_sample / self.info.fs_hz

    def _unwrap_tick(self, tick: int) -> int:
        """The band's u32 tick, unwrapped: the nearest value to the last one seen."""
        last = self._last_tick
        if last is not None:
            tick += round((last - tick) / 2**32) * 2**32
        self._last_tick = tick
        return tick

    def clock_report(self) -> dict[str, Any] | None:
        """The band's clock against UTC, for the night's metadata; ``None`` before any sync.

        Returns
        -------
        dict or None
            ``tick_hz``; ``sync_points`` (sync exchanges in the fit); ``drift_ppm`` (the band's
            clock fast, positive, or slow, with two points or more); ``first_sample_tick`` (the
            band tick of the night's sample 0, unwrapped, counted back from the first frame
            received at the nominal ticks per sample) and ``first_sample_utc`` (its UTC by the
            drift-corrected fit, ISO 8601).
        """
        fit, info = self.clock_fit, self.info
        if fit is None or info is None or fit.points == 0:
            return None
        report: dict[str, Any] = {
            "tick_hz": info.tick_hz,
            "sync_points": fit.points,
            "drift_ppm": round(fit.drift_ppm, 3) if fit.points >= 2 else None,
        }
        if self.tick_anchor is not None:
            sample, tick = self.tick_anchor
            first_tick = tick - sample * info.tick_hz / info.fs_hz
            report["first_sample_tick"] = round(first_tick)
            report["first_sample_utc"] = fit.to_utc(first_tick).isoformat()
        return report

    def _check_done(self) -> None:
        if self.end_seq is not None and self.tracker.next_seq >= self.end_seq:
            self._done.set()

    # -- handshake and housekeeping -------------------------------------------------------

    async def _vendor_handshake(self, vendor: VendorDriver) -> None:
        """A vendor's device: the driver connects and starts it; the night begins at its first
        block of samples (the device's time base says where every later block falls)."""
        info = await vendor.connect(self)
        self._accept_info(info)
        if self._prepared:
            return
        if not self._early:
            try:
                async with asyncio.timeout(self.config.request_timeout_s):
                    await self._first_data.wait()
            except TimeoutError as exc:
                raise LinkLost(
                    f"{self.transport.description}: no samples within "
                    f"{self.config.request_timeout_s:g} s of starting the stream"
                ) from exc
        early, self._early = self._early, []
        info = dataclasses.replace(info, band_next_seq=early[0].seq)
        self.info = info
        self.band_next_seq = early[0].seq
        if self.prepare is not None:
            first_seq, _next_seq, next_sample = await self.prepare(self, info)
            self.first_seq = first_seq
            self.next_sample = next_sample
            self.status.samples = next_sample
            self.status.recorded_s = next_sample / info.fs_hz
        else:
            self.first_seq = early[0].seq
        self._prepared = True
        # with the blocks that arrived while the night was being opened
        pending, self._early = early + self._early, []
        for block in pending:
            self._on_samples(block)

    def _accept_info(self, info: BandInfo) -> None:
        """Take a device's identity: refused when not the paired device, or when its sample
        format changed during the night."""
        if self.expected_device_id is not None and info.device_id != self.expected_device_id:
            raise DeviceMismatch(
                f"{self.transport.description} is band {info.device_id!r}, not the paired "
                f"{self.side} band {self.expected_device_id!r}: refused (its samples are not mixed "
                "into this night; pair it first if it replaced the old band)",
                found=info.device_id,
                expected=self.expected_device_id,
            )
        if self.info is not None and (info.fs_hz, info.lsb_g) != (self.info.fs_hz, self.info.lsb_g):
            raise DeviceMismatch(
                f"band {info.device_id} changed its sample format during the night "
                f"({self.info.fs_hz:g} Hz -> {info.fs_hz:g} Hz)",
                found=info.device_id,
                expected=self.expected_device_id or info.device_id,
            )
        self.info = info
        self.status.device_id = info.device_id
        if info.battery_pct is not None:
            self.status.battery_pct = info.battery_pct
        if self.clock_fit is None:
            self.clock_fit = ClockFit(tick_hz=info.tick_hz, max_rtt_s=self.config.max_sync_rtt_s)
        self.frame_samples = info.frame_samples
        self.band_next_seq = info.band_next_seq

    async def _handshake(self) -> None:
        if self.vendor is not None:
            await self._vendor_handshake(self.vendor)
            return
        reply = await self._request(self.wire.get_info)
        info = self.wire.band_info(reply)
        self._accept_info(info)
        if self.prepare is not None and not self._prepared:
            first_seq, next_seq, next_sample = await self.prepare(self, info)
            self.first_seq = first_seq
            self.tracker.restart(next_seq)
            self.next_sample = next_sample
            self.status.samples = next_sample
            self.status.recorded_s = next_sample / info.fs_hz
            self._prepared = True
        await self._sync_time()
        if self.on_device or info.mode != 0:
            await self._set_mode()
        reply = await self._request(
            lambda cmd_id: self.wire.start_stream(cmd_id, self.tracker.next_seq)
        )
        self.wire.check_ok(reply, "START_STREAM")
        self.band_next_seq = reply.band_next_seq
        if self.sync_to_end and self.end_seq is None:
            # a morning sync: everything the band held when asked, and no more
            self.end_seq = reply.band_next_seq
        self._check_done()

    async def _set_mode(self) -> None:
        """SET_MODE: events on a session recording on the band, raw samples otherwise.

        The first time events mode is set, the tracker restarts at the band's first
        EVENT/SUMMARY sequence number (``from_seq`` of START_STREAM counts those frames in
        events mode); after a reconnection it carries on where it was.
        """
        reply = await self._request(lambda cmd_id: self.wire.set_mode(cmd_id, self.on_device))
        answer = self.wire.mode_reply(reply)
        if not self.on_device:
            return
        if self.events_start is not None:
            # a reconnection: the band replays every event frame from the first not delivered
            self.tracker.restart(self.tracker.next_seq)
            return
        first = answer.first_event_seq if answer.first_event_seq is not None else 0
        self.events_start = EventsStart(
            first_event_seq=int(first),
            start_tick=answer.start_tick,
            start_sample=answer.start_sample,
            unix_s=self.clock.now_unix_s(),
        )
        self.tracker.restart(int(first))
        if self.on_events_start is not None:
            self.on_events_start(self)

    async def _sync_time(self) -> None:
        """One time-sync exchange: a point (band tick, host UTC at mid round trip) for the fit."""
        sent_unix = self.clock.now_unix_s()
        reply = await self._request(lambda cmd_id: self.wire.sync_time(cmd_id, sent_unix))
        received_unix = self.clock.now_unix_s()
        tick = self._unwrap_tick(self.wire.sync_tick(reply))
        fit = self.clock_fit
        if fit is None:
            return
        # the band read its tick while handling the command: mid-way through the round trip
        if fit.add(tick, (sent_unix + received_unix) / 2.0, received_unix - sent_unix):
            self.status.counts.time_syncs += 1
        self._last_sync_s = received_unix
        if fit.points >= 2:
            self.status.drift_ppm = fit.drift_ppm

    async def _housekeeping(self) -> None:
        """Resend requests, given-up gaps and periodic time syncs, every housekeeping interval."""
        while True:
            await asyncio.sleep(self.config.housekeeping_interval_s)
            if self.vendor is not None:
                continue  # no resends, no sync exchange: time comes with the samples
            now = time.monotonic()
            due = self.tracker.due_resends(now_s=now)
            if due and self.on_device:
                # RESEND serves DATA from flash; a gap of event frames is filled by starting
                # the stream again from the first missing one (the band replays them)
                raise LinkLost(
                    f"{self.transport.description}: event frames {due[0][0]}-{due[0][1] - 1} "
                    "missing; restarting the stream from them"
                )
            for start, stop in due:
                await self._send_quiet(self.wire.resend(self._next_id(), start, stop))
            released = self.tracker.give_up_due(now_s=now)
            if released:
                self._deliver(released)
            elif self.tracker.counts.gaps_given_up and self.end_seq is not None:
                self._check_done()
            if self.clock.now_unix_s() - self._last_sync_s >= self.config.sync_interval_s:
                try:
                    await self._sync_time()
                except LinkLost:
                    raise
                except FrameError:
                    pass

    # -- the session -----------------------------------------------------------------------

    async def _connected_phase(self, stop: asyncio.Event) -> None:
        self.status.state = LinkState.CONNECTING
        self.driver.reset()
        await self.transport.open()
        self.status.state = LinkState.CONNECTED
        loop = asyncio.get_running_loop()
        pump = loop.create_task(self._pump())
        try:
            handshake = loop.create_task(self._handshake())
            try:
                await _first_of(handshake, pump)
            finally:
                if not handshake.done():
                    handshake.cancel()
                await asyncio.gather(handshake, return_exceptions=True)
            self._connected.set()
            keeper = loop.create_task(self._housekeeping())
            stopper = loop.create_task(stop.wait())
            done = loop.create_task(self._done.wait())
            try:
                await _first_of(pump, keeper, stopper, done)
            finally:
                for task in (keeper, stopper, done):
                    task.cancel()
                await asyncio.gather(keeper, stopper, done, return_exceptions=True)
        finally:
            self._connected.clear()
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
            for future in self._pending.values():
                future.cancel()
            self._pending.clear()

    async def run(self, stop: asyncio.Event) -> None:
        """Record until ``stop`` is set (or, for a sync, until the band's data ends).

        Reconnects after every link loss with exponential backoff; gives up (raises) only after
        ``reconnect_give_up_s`` without a link, or at once when the band is not the paired one.

        Raises
        ------
        DeviceMismatch
            The band answering is not the paired band.
        DeviceNotFound, ConnectError
            The first connection failed, or reconnection gave up.
        """
        link = self.config.link
        ever_connected = False
        delays = backoff_delays_s(link)
        lost_since: float | None = None
        while not stop.is_set() and not self._done.is_set():
            try:
                await self._connected_phase(stop)
            except asyncio.CancelledError:
                await asyncio.shield(self._close_quietly())
                raise
            except DeviceMismatch:
                await self._close_quietly()
                raise
            except (LinkLost, FrameError) as exc:
                self.status.counts.link_losses += 1
                log.info("%s: %s; reconnecting", self.transport.description, exc)
                ever_connected = True
                lost_since = lost_since or time.monotonic()
                delays = backoff_delays_s(link)
            except (DeviceNotFound, ConnectError) as exc:
                self.status.counts.connect_failures += 1
                if (
                    not ever_connected
                    and self.status.counts.connect_failures >= link.connect_attempts
                ):
                    await self._close_quietly()
                    raise
                lost_since = lost_since or time.monotonic()
                log.info("%s: %s; retrying", self.transport.description, exc)
            else:
                lost_since = None
                continue
            finally:
                if self._connected.is_set():
                    self._connected.clear()
            await self._close_quietly()
            if stop.is_set() or self._done.is_set():
                break
            if lost_since is not None and time.monotonic() - lost_since > link.reconnect_give_up_s:
                raise LinkLost(
                    f"{self.transport.description}: no link for {link.reconnect_give_up_s:g} s; "
                    "giving up (the band keeps the night in flash: run 'rls-monitor sync' later)"
                )
            self.status.state = LinkState.RECONNECTING
            delay = next(delays)
            try:
                async with asyncio.timeout(delay):
                    await stop.wait()
            except TimeoutError:
                pass
            self.status.counts.reconnects += 1
            self.tracker.restart()
        await self._finish_stream()

    async def _finish_stream(self) -> None:
        """Ask the band to stop streaming (best effort) and close the link."""
        if self.transport.state is LinkState.CONNECTED:
            with contextlib.suppress(TransportError, TimeoutError):
                async with asyncio.timeout(1.0):
                    if self.vendor is not None:
                        await self.vendor.stop(self)
                    else:
                        await self._send(self.wire.stop_stream(self._next_id()))
        await self._close_quietly()
        self.status.state = LinkState.CLOSED

    async def _close_quietly(self) -> None:
        with contextlib.suppress(TransportError, OSError):
            await self.transport.close()
        self.status.state = LinkState.CLOSED


async def _first_of(*tasks: asyncio.Task[Any]) -> None:
    """Wait until one task ends; re-raise its exception (the others keep running)."""
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if not task.cancelled():
            exc = task.exception()
            if exc is not None:
                raise exc


def with_rules(config: SessionConfig | None, rules: str) -> SessionConfig:
    """The session configuration with the scoring rule set ``rules`` (a copy when it differs).

    Parameters
    ----------
    config : SessionConfig or None
        The caller's configuration (``None``: the defaults).
    rules : str
        The rule set the night is scored by (``"wasm2016"`` or ``"aasm"``).

    Returns
    -------
    SessionConfig
    """
    cfg = config or SessionConfig(rules=rules)
    if cfg.rules != rules:
        cfg = dataclasses.replace(cfg, rules=rules)
    return cfg
