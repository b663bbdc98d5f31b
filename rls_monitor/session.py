"""A recording session: link -> decode -> order -> store -> score, for one night of one or two bands.

One :class:`BandSession` keeps one band's link alive for a night:

1. **Handshake.** Open the transport, ``GET_INFO`` (the band's device id must match the pairing:
   another band advertising our service is refused, never mixed into a patient's night),
   ``SYNC_TIME`` (a sync point band tick <-> host UTC), ``START_STREAM`` from the first sequence
   number not yet stored (so a reconnection, or a new process after a crash, resumes where the
   store ends: the band resends from its flash ring).
2. **Streaming.** The transport's callback only queues ``(arrival time, bytes)``; a consumer task
   decodes each frame. Bad frames (version, length, CRC, unknown type) and absurd sequence jumps are
   counted and dropped, never fatal. A :class:`SequenceTracker` delivers data frames in order,
   exactly once: duplicates are dropped, reordered frames held briefly, gaps requested again with
   ``RESEND`` and given up (counted) only when the band no longer has them.
3. **Storing.** Delivered samples are appended to the night in the store in bounded transactions
   (every ``flush_samples`` samples or ``flush_interval_s`` seconds), in sequence order.
4. **Time.** Sync points are fitted by a line (:class:`ClockFit`): band ticks (unwrapped past
   2**32) map to UTC with the band's drift corrected. The night is created with the host's
   estimate of its start; when it ends, the band's clock is stored beside it (night metadata
   ``clock``: tick of the first sample, its drift-corrected UTC, drift, sync points).
5. **Link loss.** A disconnect event, or a link silent for ``watchdog_s`` (a dead link may never
   report itself), closes the transport and reconnects with exponential backoff.
6. **Scoring.** Every ``rescore_interval_s`` the night so far is scored from the store, so the
   counts are known as it goes; when the night ends the final score is saved.

:class:`NightRecorder` runs one or two band sessions (left and right leg) into one night and
scores them bilaterally. :func:`record_night` and :func:`sync_night` are the entry points the CLI
uses; :func:`record_simulated_night` records a simulated band end to end (tests, ``make demo``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import (
    ConfigError,
    ConnectError,
    DeviceNotFound,
    FrameError,
    LinkLost,
    RLSMonitorError,
    TransportError,
    check_option,
)
from rls_monitor.link.transports.base import (
    LinkConfig,
    LinkState,
    Transport,
    backoff_delays_s,
)
from rls_monitor.recording import Recording

__all__ = [
    "BandLink",
    "BandSession",
    "BandStatus",
    "ClockFit",
    "DeviceMismatch",
    "LinkCounts",
    "NightRecorder",
    "NightResult",
    "NightStatus",
    "SequenceTracker",
    "SessionClock",
    "SessionConfig",
    "StopSignal",
    "TrackerConfig",
    "TrackerCounts",
    "capture_samples",
    "format_night_report",
    "format_status_line",
    "link_report",
    "record_night_async",
    "record_simulated_night",
    "record_simulated_night_async",
    "sync_night_async",
]

log = logging.getLogger(__name__)


class DeviceMismatch(DeviceNotFound):
    """The band that answered is not the paired band (another device id); it is refused.

    Attributes
    ----------
    found, expected : str
        The device id the band gave, and the one paired.
    """

    def __init__(self, message: str, *, found: str, expected: str) -> None:
        super().__init__(message)
        self.found = found
        self.expected = expected


# ---------------------------------------------------------------------------------------------
# The wire: frames and commands of firmware_host.protocol, seen from the host
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataBlock:
    """A decoded DATA frame: ``samples`` int16 counts (n, 3) starting at band tick ``tick``."""

    seq: int
    tick: int
    samples: NDArray[np.int16]
    format_code: int


@dataclass(frozen=True, slots=True)
class Reply:
    """The band's (reassembled) answer to command ``cmd_id``.

    Attributes
    ----------
    cmd_id : int
        The command's id.
    ok : bool
        Whether the band carried it out.
    result : int
        The protocol's result code.
    data : bytes
        Opcode-specific answer.
    band_next_seq : int
        The band's next DATA sequence number when it answered.
    """

    cmd_id: int
    ok: bool
    result: int
    data: bytes
    band_next_seq: int


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A STATUS frame: battery level in percent."""

    battery_pct: float


@dataclass(frozen=True, slots=True)
class EndOfData:
    """An END frame: the band has sent what was asked; ``band_next_seq`` is its next frame."""

    cmd_id: int
    reason: int
    band_next_seq: int


@dataclass(frozen=True, slots=True)
class EventItem:
    """An EVENT or SUMMARY frame (events mode): its sequence number and the decoded frame."""

    seq: int
    frame: Any


@dataclass(frozen=True, slots=True)
class EventsStart:
    """Where a band's events mode began (from its SET_MODE answer).

    Attributes
    ----------
    first_event_seq : int
        Sequence number of the first EVENT/SUMMARY frame of events mode.
    start_tick : int or None
        Band tick of the first sample the on-device pipeline processed.
    start_sample : int or None
        That sample's index in the band's recording (DATA frame ``k`` holds samples
        ``k * frame_samples ...``).
    unix_s : float
        Host UTC when events mode was set (Unix seconds).
    """

    first_event_seq: int
    start_tick: int | None
    start_sample: int | None
    unix_s: float


@dataclass(frozen=True)
class BandInfo:
    """What a band says about itself (``GET_INFO``).

    Attributes
    ----------
    device_id : str
        The stable id a pairing is checked against.
    serial, firmware, model : str
        Identification.
    fs_hz : float
        Sample rate, Hz.
    lsb_g : float
        g per count of the samples.
    tick_hz : float
        Rate of the band's tick counter, Hz.
    frame_samples : int
        Samples per DATA frame (fixed until the band's flash is erased).
    ring_capacity_samples : int
        Samples the band's flash ring holds.
    band_next_seq : int
        The band's next DATA sequence number when it answered.
    """

    device_id: str
    serial: str
    firmware: str
    model: str
    fs_hz: float
    lsb_g: float
    tick_hz: float
    frame_samples: int
    ring_capacity_samples: int = 0
    band_next_seq: int = 0
    battery_pct: float | None = None
    mode: int = 0

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict."""
        return dataclasses.asdict(self)


class Wire:
    """Encode commands and decode frames with :mod:`firmware_host.protocol`, in the host's terms.

    Every decoding failure (the protocol's ``ProtocolError`` family) becomes a
    :class:`~rls_monitor.errors.FrameError` whose ``kind`` attribute names the fault
    (``BadCRC``, ``BadLength``, ``BadVersion``, ``UnknownType``, ...), so the session counts them.
    Multi-part responses are reassembled here.

    Parameters
    ----------
    protocol : module, optional
        The protocol module (default :mod:`firmware_host.protocol`).
    """

    def __init__(self, protocol: Any = None) -> None:
        if protocol is None:
            from firmware_host import protocol as default_protocol

            protocol = default_protocol
        self.p = protocol
        self._assembler = protocol.ResponseAssembler()

    def decode(
        self, data: bytes
    ) -> DataBlock | Reply | StatusReport | EndOfData | EventItem | None:
        """Decode one frame; ``None`` for frames the host does not use (parts of a response
        still incomplete, unknown kinds).

        Raises
        ------
        FrameError
            With ``kind`` set, for any frame the protocol refuses.
        """
        p = self.p
        try:
            frame = p.decode_frame(data)
        except p.ProtocolError as exc:
            raise FrameError(f"bad frame: {exc}", kind=type(exc).__name__) from exc
        kind = frame.type
        if kind == p.DATA:
            return DataBlock(frame.seq, frame.tick, frame.samples, frame.format.code)
        if kind == p.RESPONSE:
            whole = self._assembler.feed(frame)
            if whole is None:
                return None
            return Reply(whole.cmd_id, whole.ok, whole.result, bytes(whole.data), whole.seq)
        if kind == p.STATUS:
            return StatusReport(float(frame.battery_pct))
        if kind == p.END:
            return EndOfData(frame.cmd_id, frame.reason, frame.seq)
        if kind in (p.EVENT, p.SUMMARY):
            return EventItem(frame.seq, frame)
        return None

    def _refused(self, reply: Reply, what: str) -> ConnectError:
        try:
            name = self.p.Result(reply.result).name
        except ValueError:
            name = f"result {reply.result}"
        return ConnectError(f"the band refused {what}: {name}")

    def get_info(self, cmd_id: int) -> bytes:
        """The GET_INFO command."""
        return bytes(self.p.cmd_get_info(cmd_id))

    def band_info(self, reply: Reply) -> BandInfo:
        """The band's identity from its GET_INFO reply.

        Raises
        ------
        ConnectError
            The band refused, or its info record does not decode.
        """
        if not reply.ok:
            raise self._refused(reply, "GET_INFO")
        return self.decode_band_info(reply.data, band_next_seq=reply.band_next_seq)

    def decode_band_info(self, record: bytes, *, band_next_seq: int = 0) -> BandInfo:
        """The band's identity from its info record (a GET_INFO reply's data, or the BLE INFO
        characteristic, which holds the same record; ``band_next_seq`` comes with a reply).

        Raises
        ------
        ConnectError
            The record does not decode.
        """
        try:
            info = self.p.decode_info(record)
        except self.p.ProtocolError as exc:
            raise ConnectError(f"the band's info record does not decode: {exc}") from exc
        return BandInfo(
            device_id=info.device_id,
            serial=info.serial,
            firmware=info.firmware,
            model=info.model,
            fs_hz=float(info.fs_hz),
            lsb_g=float(info.lsb_g),
            tick_hz=float(info.tick_hz),
            frame_samples=int(info.frame_samples),
            ring_capacity_samples=int(info.ring_capacity_samples),
            band_next_seq=band_next_seq,
            mode=int(getattr(info, "mode", 0)),
        )

    def set_mode(self, cmd_id: int, events: bool) -> bytes:
        """SET_MODE: on-device events (``events=True``) or raw samples."""
        mode = self.p.Mode.EVENTS if events else self.p.Mode.RAW
        return bytes(self.p.cmd_set_mode(cmd_id, mode))

    def mode_reply(self, reply: Reply) -> Any:
        """The band's answer to SET_MODE (``firmware_host.protocol.ModeReply``).

        Raises
        ------
        ConnectError
            The band refused (e.g. events mode on a band that is not recording).
        """
        if not reply.ok:
            raise self._refused(reply, "SET_MODE")
        try:
            return self.p.decode_mode_reply(reply.data)
        except self.p.ProtocolError as exc:
            raise ConnectError(f"the band's SET_MODE answer does not decode: {exc}") from exc

    def sync_time(self, cmd_id: int, unix_s: float) -> bytes:
        """The SYNC_TIME command carrying host UTC (Unix seconds)."""
        return bytes(self.p.cmd_sync_time(cmd_id, unix_s))

    def sync_tick(self, reply: Reply) -> int:
        """The band's tick in its SYNC_TIME reply.

        Raises
        ------
        ConnectError
            The band refused or answered without a tick.
        """
        if not reply.ok or len(reply.data) < 4:
            raise self._refused(reply, "SYNC_TIME")
        return int(struct.unpack_from("<I", reply.data)[0])

    def start_stream(self, cmd_id: int, from_seq: int) -> bytes:
        """START_STREAM from frame ``from_seq`` (the band catches up from flash, then live)."""
        return bytes(self.p.cmd_start_stream(cmd_id, from_seq))

    def check_ok(self, reply: Reply, what: str) -> None:
        """Raise :class:`ConnectError` when the band refused a command."""
        if not reply.ok:
            raise self._refused(reply, what)

    def resend(self, cmd_id: int, start: int, stop: int) -> bytes:
        """RESEND of frames ``start`` to ``stop - 1``."""
        return bytes(self.p.cmd_resend(cmd_id, start, stop))

    def stop_stream(self, cmd_id: int) -> bytes:
        """STOP_STREAM."""
        return bytes(self.p.cmd_stop_stream(cmd_id))

    async def request_info(self, transport: Transport, *, timeout_s: float = 5.0) -> BandInfo:
        """Ask an open transport's band for its identity (pairing); other frames are skipped.

        Raises
        ------
        LinkLost
            No answer within ``timeout_s``.
        ConnectError
            The band refused.
        """
        cmd_id = 1
        await transport.send(self.get_info(cmd_id))
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            frame = await transport.receive(timeout_s=left)
            if frame is None:
                break
            with contextlib.suppress(FrameError):
                item = self.decode(frame.data)
                if isinstance(item, Reply) and item.cmd_id == cmd_id:
                    return self.band_info(item)
        raise LinkLost(f"{transport.description}: no answer to GET_INFO within {timeout_s:g} s")


# ---------------------------------------------------------------------------------------------
# Sequence tracking: in-order delivery, duplicates, reordering, gaps and resend requests
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackerConfig:
    """How the sequence tracker treats frames that do not arrive in order.

    Parameters
    ----------
    reorder_wait_s : float
        A gap is first given this long (host seconds) to fill by itself (frames reordered in
        flight) before a resend is requested.
    resend_timeout_s : float
        A resend request not answered within this long is sent again.
    max_resend_attempts : int
        After this many unanswered requests for the same gap it is given up: the samples are
        counted lost and the night goes on (the band's flash ring no longer holds them).
    max_jump : int
        A sequence number more than this far ahead of the next expected one is absurd (a
        corrupted frame that passed its CRC, or another band's frame): it is dropped and counted.
    max_held : int
        Frames held while waiting for a gap; beyond this the oldest gap is given up.
    """

    reorder_wait_s: float = 0.2
    resend_timeout_s: float = 2.0
    max_resend_attempts: int = 5
    max_jump: int = 1 << 20
    max_held: int = 20000


@dataclass
class TrackerCounts:
    """What the tracker saw; every field is a count of frames unless its name says samples."""

    accepted: int = 0
    duplicates: int = 0
    reordered: int = 0
    absurd_jumps: int = 0
    gaps_detected: int = 0
    gaps_filled: int = 0
    gaps_given_up: int = 0
    frames_lost: int = 0
    resend_requests: int = 0


@dataclass
class _Gap:
    start: int
    stop: int  # exclusive
    first_seen_s: float
    requested_s: float = -math.inf
    attempts: int = 0


@dataclass
class SequenceTracker:
    """Deliver data frames in sequence order, exactly once, and say which ranges to resend.

    Frames are keyed by a sequence number that grows by one per frame. :meth:`offer` returns the
    frames that can now be delivered in order; :meth:`due_resends` returns the ranges to ask the
    band for; :meth:`give_up_due` skips ranges that could not be recovered.

    Parameters
    ----------
    next_seq : int
        The first sequence number expected (0 for a new night, one past the last stored frame
        when continuing one).
    config : TrackerConfig
        Reordering wait, resend timeouts, limits.

    Examples
    --------
    >>> t = SequenceTracker(next_seq=0)
    >>> t.offer(0, "a", now_s=0.0)
    [(0, 'a')]
    >>> t.offer(2, "c", now_s=0.0)
    []
    >>> t.due_resends(now_s=1.0)
    [(1, 2)]
    >>> t.offer(1, "b", now_s=1.1)
    [(1, 'b'), (2, 'c')]
    >>> t.counts.gaps_filled
    1
    """

    next_seq: int = 0
    config: TrackerConfig = field(default_factory=TrackerConfig)
    counts: TrackerCounts = field(default_factory=TrackerCounts)
    _held: dict[int, Any] = field(default_factory=dict, repr=False)
    _gaps: list[_Gap] = field(default_factory=list, repr=False)
    _max_seen: int = -1

    @property
    def held(self) -> int:
        """Frames waiting for an earlier gap to be filled."""
        return len(self._held)

    @property
    def open_gaps(self) -> list[tuple[int, int]]:
        """Missing ranges ``[start, stop)`` not yet filled."""
        return [(g.start, g.stop) for g in self._gaps]

    def offer(self, seq: int, item: Any, *, now_s: float) -> list[tuple[int, Any]]:
        """Take one frame; return the frames now deliverable, in order.

        Parameters
        ----------
        seq : int
            The frame's sequence number.
        item : object
            Whatever the caller wants back with it (the decoded samples).
        now_s : float
            Host monotonic time, in seconds.

        Returns
        -------
        list of (int, object)
            Consecutive frames starting at the previous :attr:`next_seq`.
        """
        nxt = self.next_seq
        if seq < nxt or seq in self._held:
            self.counts.duplicates += 1
            return []
        if seq - nxt > self.config.max_jump:
            self.counts.absurd_jumps += 1
            return []
        if seq > nxt:
            self._hold(seq, item, now_s)
            return []
        out = [(seq, item)]
        self.counts.accepted += 1
        nxt = seq + 1
        held = self._held
        while nxt in held:
            out.append((nxt, held.pop(nxt)))
            self.counts.accepted += 1
            nxt += 1
        self.next_seq = nxt
        if seq > self._max_seen:
            self._max_seen = seq
        self._trim_gaps()
        return out

    def _hold(self, seq: int, item: Any, now_s: float) -> None:
        if seq < self._max_seen:
            # fills (part of) a known gap: a reordered or resent frame
            self.counts.reordered += 1
            self._held[seq] = item
            self._trim_gaps()
            return
        else:
            start = max(self._max_seen + 1, self.next_seq)
            if seq > start:
                self._gaps.append(_Gap(start, seq, now_s))
                self.counts.gaps_detected += 1
            self._max_seen = seq
        self._held[seq] = item
        if len(self._held) > self.config.max_held and self._gaps:
            self._give_up(self._gaps[0])

    def _trim_gaps(self) -> None:
        """Drop gaps now below next_seq or fully held; split ones partly filled."""
        kept: list[_Gap] = []
        for gap in self._gaps:
            start = max(gap.start, self.next_seq)
            if start >= gap.stop:
                self.counts.gaps_filled += 1
                continue
            stop = gap.stop
            held = self._held
            while start < stop and start in held:
                start += 1
            while stop > start and (stop - 1) in held:
                stop -= 1
            if start >= stop:
                self.counts.gaps_filled += 1
                continue
            gap.start, gap.stop = start, stop
            kept.append(gap)
        self._gaps = kept

    def due_resends(self, *, now_s: float) -> list[tuple[int, int]]:
        """Ranges ``[start, stop)`` to ask the band for now (and note that they were asked).

        A gap is requested once it is older than ``reorder_wait_s``, then again every
        ``resend_timeout_s`` until filled or given up.
        """
        self._trim_gaps()
        due: list[tuple[int, int]] = []
        cfg = self.config
        for gap in self._gaps:
            if now_s - gap.first_seen_s < cfg.reorder_wait_s:
                continue
            if now_s - gap.requested_s < cfg.resend_timeout_s:
                continue
            if gap.attempts >= cfg.max_resend_attempts:
                continue
            gap.requested_s = now_s
            gap.attempts += 1
            self.counts.resend_requests += 1
            due.append((gap.start, gap.stop))
        return due

    def give_up_due(self, *, now_s: float) -> list[tuple[int, Any]]:
        """Give up gaps whose resend attempts are exhausted; return frames released by that."""
        out: list[tuple[int, Any]] = []
        for gap in list(self._gaps):
            if (
                gap.attempts >= self.config.max_resend_attempts
                and now_s - gap.requested_s >= self.config.resend_timeout_s
            ):
                out.extend(self._give_up(gap))
        return out

    def _give_up(self, gap: _Gap) -> list[tuple[int, Any]]:
        log.warning("frames %d-%d could not be recovered: given up", gap.start, gap.stop - 1)
        self._gaps.remove(gap)
        self.counts.gaps_given_up += 1
        self.counts.frames_lost += gap.stop - max(gap.start, self.next_seq)
        out: list[tuple[int, Any]] = []
        if gap.start <= self.next_seq:
            self.next_seq = gap.stop
            nxt = self.next_seq
            while nxt in self._held:
                out.append((nxt, self._held.pop(nxt)))
                self.counts.accepted += 1
                nxt += 1
            self.next_seq = nxt
        self._trim_gaps()
        return out

    def restart(self, next_seq: int | None = None) -> None:
        """After a reconnection: keep the frames held, ask again at once for every open gap.

        With ``next_seq`` (a night continued from the store) everything is forgotten and
        delivery restarts at that sequence number.
        """
        if next_seq is not None:
            self._held.clear()
            self._gaps.clear()
            self.next_seq = next_seq
            self._max_seen = next_seq - 1
            return
        for gap in self._gaps:
            gap.requested_s = -math.inf
            gap.first_seen_s = -math.inf
            gap.attempts = 0


# ---------------------------------------------------------------------------------------------
# Time: band ticks to UTC with drift correction
# ---------------------------------------------------------------------------------------------


@dataclass
class ClockFit:
    """Map the band's tick counter to UTC with a straight line fitted to sync points.

    Each time sync gives a pair (band tick, host UTC at the middle of the round trip). With one
    point the band's nominal tick rate is used; with two or more, a least-squares line, so a band
    clock that runs fast or slow (drift, in ppm) is corrected. Points are weighted equally; a
    sync whose round trip took longer than ``max_rtt_s`` is ignored (its midpoint is uncertain).

    Parameters
    ----------
    tick_hz : float
        The band's nominal tick rate, in Hz.
    max_rtt_s : float
        The longest acceptable round trip of a sync exchange, in seconds.
    max_points : int
        Only the most recent points are kept.
    max_drift_ppm : float
        A fitted drift beyond this (no crystal is that far off: the host clock jumped, or the
        band runs in accelerated simulated time) is not believed: the nominal rate is used,
        anchored at the latest point.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC).timestamp()
    >>> fit = ClockFit(tick_hz=1000.0)
    >>> fit.add(0, t0)
    True
    >>> fit.add(3_600_000, t0 + 3600.036)   # the band is 10 ppm slow
    True
    >>> round(fit.drift_ppm, 3)
    -10.0
    >>> round(fit.to_unix_s(1_800_000) - t0, 3)
    1800.018
    """

    tick_hz: float
    max_rtt_s: float = 2.0
    max_points: int = 512
    max_drift_ppm: float = 1000.0
    _ticks: list[float] = field(default_factory=list, repr=False)
    _unix: list[float] = field(default_factory=list, repr=False)

    def add(self, tick: int, unix_s: float, rtt_s: float = 0.0) -> bool:
        """Add a sync point; return whether it was accepted."""
        if rtt_s > self.max_rtt_s or not math.isfinite(unix_s):
            return False
        self._ticks.append(float(tick))
        self._unix.append(float(unix_s))
        if len(self._ticks) > self.max_points:
            del self._ticks[0], self._unix[0]
        return True

    @property
    def points(self) -> int:
        """Number of sync points in the fit."""
        return len(self._ticks)

    def _line(self) -> tuple[float, float, float]:
        """(tick0, unix0, seconds per tick)."""
        if not self._ticks:
            raise ValueError("no sync point yet")
        t = np.asarray(self._ticks)
        u = np.asarray(self._unix)
        t0, u0 = float(t.mean()), float(u.mean())
        span = float(t.max() - t.min())
        if len(t) < 2 or span < self.tick_hz:  # under a second of span: keep the nominal rate
            return t0, u0, 1.0 / self.tick_hz
        dt = t - t0
        slope = float(np.dot(dt, u - u0) / np.dot(dt, dt))
        drift = 1.0 / (slope * self.tick_hz) - 1.0 if slope > 0 else math.inf
        if abs(drift) * 1e6 > self.max_drift_ppm:
            # no crystal drifts that much: the host clock jumped, or the band's time is simulated
            # faster than real time; keep the nominal rate anchored at the latest point
            return float(t[-1]), float(u[-1]), 1.0 / self.tick_hz
        return t0, u0, slope

    @property
    def drift_ppm(self) -> float:
        """How much the band's clock runs slow (negative) or fast (positive), in ppm."""
        _, _, slope = self._line()
        return (1.0 / (slope * self.tick_hz) - 1.0) * 1e6

    def to_unix_s(self, tick: int | float) -> float:
        """UTC of a band tick, as Unix seconds."""
        t0, u0, slope = self._line()
        return u0 + (float(tick) - t0) * slope

    def to_utc(self, tick: int | float) -> datetime:
        """UTC of a band tick, as an aware ``datetime``."""
        return datetime.fromtimestamp(self.to_unix_s(tick), tz=UTC)


class SessionClock:
    """The host's UTC clock as the session sees it.

    The real clock by default; an accelerated simulation passes ``now_unix_s`` so that host time
    runs with the simulated band's true time (a sync exchange then measures the band's drift,
    not the acceleration).

    Parameters
    ----------
    now_unix_s : callable, optional
        Returns the current UTC as Unix seconds; default ``time.time``.
    """

    def __init__(self, now_unix_s: Callable[[], float] | None = None) -> None:
        self._now = now_unix_s or time.time

    def now_unix_s(self) -> float:
        """Current UTC, Unix seconds."""
        return self._now()


# ---------------------------------------------------------------------------------------------
# Configuration, status and results
# ---------------------------------------------------------------------------------------------


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
    counts: LinkCounts = field(default_factory=LinkCounts)
    tracker: TrackerCounts = field(default_factory=TrackerCounts)


@dataclass
class NightStatus:
    """The live status of a night: one entry per band, and the latest score's counts."""

    night_id: int
    bands: list[BandStatus]
    lm_count: int | None = None
    plm_count: int | None = None
    plm_per_h: float | None = None
    rules: str = "wasm2016"
    finished: bool = False


# ---------------------------------------------------------------------------------------------
# One band's session
# ---------------------------------------------------------------------------------------------


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
        self.wire = wire or Wire()
        self.tracker = SequenceTracker(next_seq=next_seq, config=self.config.tracker)
        self.next_sample = next_sample
        self.sync_to_end = sync_to_end
        self.end_seq: int | None = None
        self.info: BandInfo | None = None
        self.clock_fit: ClockFit | None = None
        #: (night sample index, unwrapped band tick) of the first DATA frame of this process
        self.tick_anchor: tuple[int, int] | None = None
        self._last_tick: int | None = None
        self.status = BandStatus(side=side, counts=LinkCounts(), tracker=self.tracker.counts)
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

    def _next_id(self) -> int:
        self._cmd_id = (self._cmd_id + 1) & 0xFFFF
        return self._cmd_id

    async def _request(self, build: Callable[[int], bytes]) -> Any:
        cmd_id = self._next_id()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[cmd_id] = future
        try:
            await self.transport.send(build(cmd_id))
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
        await self.transport.send(data)

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
                item = self.wire.decode(frame.data)
            except FrameError as exc:
                kind = getattr(exc, "kind", "malformed")
                counts.bad_frames[kind] = counts.bad_frames.get(kind, 0) + 1
                log.debug("%s: bad frame dropped (%s)", self.transport.description, exc)
                continue
            if isinstance(item, DataBlock):
                if not self.on_device:
                    self._on_data(item, frame.arrival_s)
            elif isinstance(item, EventItem):
                if self.on_device:
                    delivered = self.tracker.offer(item.seq, item.frame, now_s=frame.arrival_s)
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
            minutes = sum(1 for f in frames if type(f).__name__ == "SummaryFrame")
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

    async def _handshake(self) -> None:
        reply = await self._request(self.wire.get_info)
        info = self.wire.band_info(reply)
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
                    await self.transport.send(self.wire.stop_stream(self._next_id()))
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


class _NightWriter:
    """Buffers each band's ordered samples and writes them to the store in bounded transactions.

    A write happens every ``flush_samples`` samples, every ``flush_interval_s`` seconds, before a
    gap (samples given up), and at the end; each is one call to ``Store.append_samples`` (which
    commits in transactions of at most a few one-minute blocks).
    """

    def __init__(
        self, store: Any, night_id: int, channels: dict[str, int], config: SessionConfig
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


# ---------------------------------------------------------------------------------------------
# A night: one or two bands into one stored night, scored live
# ---------------------------------------------------------------------------------------------


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
    """

    transport: Transport
    side: str = "unknown"
    device_id: str | None = None


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
        store: Any,
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
                "recorded_by": "rls_monitor.session",
                "device_ids": device_ids,
                "first_seq": first_seq,
                "frame_samples": {side: info.frame_samples for side, info in infos.items()},
                "tick_hz": any_info.tick_hz,
                "firmware": {side: info.firmware for side, info in infos.items()},
                "serial": {side: info.serial for side, info in infos.items()},
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
        from firmware_host import protocol as p

        tick_hz = round(info.tick_hz)
        first_seq = int(self._night_meta.get("first_seq", {}).get(session.side, 0))
        offset_s = 0.0
        if st.start_sample is not None:
            offset_s = max(0.0, (st.start_sample - first_seq * info.frame_samples) / info.fs_hz)
        summaries = [f for f in frames if isinstance(f, p.SummaryFrame)]
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
        _store_finish(self.store, self.night_id, None)
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
            if failure is not None:
                _store_mark_interrupted(self.store, self.night_id)
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


# ---------------------------------------------------------------------------------------------
# Text for the CLI (the library returns strings; only the CLI prints)
# ---------------------------------------------------------------------------------------------


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def format_status_line(status: NightStatus) -> str:
    """The live status: per band link state, time recorded, samples, gaps filled, battery; LMs.

    Examples
    --------
    >>> st = NightStatus(night_id=3, bands=[BandStatus(side="left", state=LinkState.CONNECTED,
    ...                  samples=90000, recorded_s=1800.0, battery_pct=81.0, gaps_filled=2)],
    ...                  lm_count=12)
    >>> print(format_status_line(st))
    night 3 | left: connected, 0:30:00 recorded, 90000 samples, 2 gaps filled, battery 81% | LMs so far: 12
    """
    parts = [f"night {status.night_id}" if status.night_id >= 0 else "starting"]
    for band in status.bands:
        state = band.state.value if isinstance(band.state, LinkState) else str(band.state)
        battery = "battery ?" if band.battery_pct is None else f"battery {band.battery_pct:.0f}%"
        parts.append(
            f"{band.side}: {state}, {_hms(band.recorded_s)} recorded, {band.samples} samples, "
            f"{band.gaps_filled} gaps filled, {battery}"
        )
    lms = "?" if status.lm_count is None else str(status.lm_count)
    parts.append(f"LMs so far: {lms}")
    return " | ".join(parts)


def link_report(status: NightStatus) -> dict[str, Any]:
    """The link counters of every band, as a JSON-ready dict."""
    out: dict[str, Any] = {}
    for band in status.bands:
        c = band.counts
        t = band.tracker
        out[band.side] = {
            "device_id": band.device_id,
            "samples": band.samples,
            "recorded_s": round(band.recorded_s, 3),
            "battery_pct": band.battery_pct,
            "drift_ppm": None if band.drift_ppm is None else round(band.drift_ppm, 2),
            "frames_received": c.frames_received,
            "bytes_received": c.bytes_received,
            "bad_frames": dict(c.bad_frames),
            "link_losses": c.link_losses,
            "watchdog_resets": c.watchdog_resets,
            "reconnects": c.reconnects,
            "connect_failures": c.connect_failures,
            "time_syncs": c.time_syncs,
            "duplicates": t.duplicates,
            "reordered": t.reordered,
            "absurd_jumps": t.absurd_jumps,
            "gaps_detected": t.gaps_detected,
            "gaps_filled": t.gaps_filled,
            "resend_requests": t.resend_requests,
            "gaps_given_up": t.gaps_given_up,
            "frames_lost": t.frames_lost,
        }
    return out


def format_night_report(result: NightResult) -> str:
    """The morning summary after a recording: the score's summary and what the link went through."""
    lines = []
    head = f"Night {result.night_id}" + (
        " (continued after an interruption)" if result.resumed else ""
    )
    lines.append(head)
    for side, r in link_report(result.status).items():
        bad = sum(r["bad_frames"].values())
        lines.append(
            f"  {side} band {r['device_id'] or '?'}: {_hms(r['recorded_s'])} recorded, "
            f"{r['samples']} samples; {r['link_losses']} link losses, {r['gaps_filled']} gaps "
            f"filled by resend, {r['duplicates']} duplicates and {bad} bad frames dropped, "
            f"{r['frames_lost']} frames lost"
        )
    if result.score is None:
        lines.append("No samples were recorded: nothing to score.")
    else:
        from rls_monitor.scoring import format_summary

        lines.append("")
        lines.append(format_summary(result.score))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


async def record_night_async(
    db_path: str | Path,
    specs: list[str],
    *,
    rules: str = "wasm2016",
    subject: str | None = None,
    require_pairing: bool = True,
    config: SessionConfig | None = None,
    backend: Any = None,
    stop: asyncio.Event | None = None,
    on_status: StatusCallback | None = None,
    start: str = "live",
    on_device: bool = False,
) -> NightResult:
    """Record a night from one or two real bands until ``stop`` is set (Ctrl-C in the CLI).

    Parameters
    ----------
    db_path : path-like
        The SQLite store.
    specs : list of str
        One or two links, ``"ble:ADDRESS"`` or ``"serial:PORT"``.
    rules : {"wasm2016", "aasm"}
        Rule set of the live and final scores.
    subject : str, optional
        Subject label (default: the pairing's).
    require_pairing : bool
        Refuse bands that are not paired (default). Without a pairing the band's device id is
        taken as it answers.
    config : SessionConfig, optional
        Policies (``rules`` overrides its rule set).
    backend : object, optional
        BLE backend classes (tests and simulations).
    stop : asyncio.Event, optional
        Set it to end the night.
    on_status : callable, optional
        Live status callback.
    start : {"live", "oldest"}
        Start a new night at the band's next frame (default) or at the oldest in its flash.
    on_device : bool
        Events mode: the band detects leg movements itself and sends EVENT/SUMMARY frames; the
        night is scored from them (marked as scored on the band) and its raw samples stay in
        the band's flash for a later :func:`sync_night_async` (one band).

    Returns
    -------
    NightResult

    Raises
    ------
    DeviceNotFound
        A band is not paired (with ``require_pairing``), or not found.
    DeviceMismatch
        A band answered with another device id than its pairing.
    ConnectError, ConfigError
    """
    from rls_monitor.link.pairing import find_pairing
    from rls_monitor.link.transports import open_transport, parse_transport_spec
    from rls_monitor.storage import Store

    cfg = _with_rules(config, rules)
    with Store(db_path) as store:
        links: list[BandLink] = []
        for text in specs:
            spec = parse_transport_spec(text)
            paired = find_pairing(store, spec)
            if paired is None and require_pairing:
                raise DeviceNotFound(
                    f"{spec.kind} {spec.target} is not a paired band: pair it first "
                    f"('rls-monitor pair --{spec.kind} {spec.target} --side left|right "
                    "--subject LABEL')"
                )
            links.append(
                BandLink(
                    open_transport(spec, backend=backend, config=cfg.link),
                    side=paired.side if paired else ("left" if not links else "right"),
                    device_id=paired.device_id if paired else None,
                )
            )
            if subject is None and paired is not None and paired.subject:
                subject = paired.subject
        recorder = NightRecorder(
            store,
            links,
            config=cfg,
            subject=subject,
            on_status=on_status,
            start=start,
            on_device=on_device,
        )
        return await recorder.run(stop)


async def sync_night_async(
    db_path: str | Path,
    spec: str,
    *,
    rules: str = "wasm2016",
    require_pairing: bool = True,
    config: SessionConfig | None = None,
    backend: Any = None,
    stop: asyncio.Event | None = None,
    on_status: StatusCallback | None = None,
) -> NightResult:
    """Download the night a band recorded alone (host absent) and store it as if streamed.

    The band is asked for everything in its flash from the night's first frame; the session
    ends when the band says there is no more (or the stop event is set). Resend, ordering and
    duplicate handling are those of a live night; a sync interrupted half-way continues from
    the last stored frame the next time.

    Parameters and return value are those of :func:`record_night_async` (one band).
    """
    from rls_monitor.link.pairing import find_pairing
    from rls_monitor.link.transports import open_transport, parse_transport_spec
    from rls_monitor.storage import Store

    cfg = _with_rules(config, rules)
    parsed = parse_transport_spec(spec)
    with Store(db_path) as store:
        paired = find_pairing(store, parsed)
        if paired is None and require_pairing:
            raise DeviceNotFound(
                f"{parsed.kind} {parsed.target} is not a paired band: pair it first"
            )
        link = BandLink(
            open_transport(parsed, backend=backend, config=cfg.link),
            side=paired.side if paired else "unknown",
            device_id=paired.device_id if paired else None,
        )
        recorder = NightRecorder(
            store,
            [link],
            config=cfg,
            subject=(paired.subject or None) if paired else None,
            sync_to_end=True,
            on_status=on_status,
            start="oldest",
        )
        return await recorder.run(stop)


def _with_rules(config: SessionConfig | None, rules: str) -> SessionConfig:
    cfg = config or SessionConfig(rules=rules)
    if cfg.rules != rules:
        cfg = dataclasses.replace(cfg, rules=rules)
    return cfg


# ---------------------------------------------------------------------------------------------
# Simulated nights end to end
# ---------------------------------------------------------------------------------------------

SIM_FS_HZ = 50.0
SIM_ADDRESSES = {
    "left": "C0:FF:EE:00:00:01",
    "right": "C0:FF:EE:00:00:02",
    "unknown": "C0:FF:EE:00:00:01",
}


@dataclass
class SimulatedSetup:
    """Simulated bands ready to be recorded: their drivers, links and the host clock."""

    drivers: dict[str, Any]
    links: list[BandLink]
    clock: SessionClock
    cleanup: list[Callable[[], None]]
    sources: dict[str, NDArray[np.int16]]


def simulated_sources(
    source: str | Path | None,
    *,
    duration_s: float | None,
    bilateral: bool,
    seed: int,
    fs_hz: float = SIM_FS_HZ,
) -> dict[str, tuple[NDArray[np.int16], float, float]]:
    """Sample sources of simulated bands: side -> (int16 counts (n, 3), lsb_g, fs_hz).

    Parameters
    ----------
    source : path-like or None
        A recording file the band plays (any format :func:`~rls_monitor.recording.read_recording`
        reads; its acceleration is quantised to the band's counts), or ``None`` for a simulated
        ordinary night from :mod:`firmware_host.signal_model`.
    duration_s : float or None
        Length of a simulated night (default 8 h); ignored with a file.
    bilateral : bool
        Two bands, left and right (simulated nights only).
    seed : int
        Seed of the simulated night.
    fs_hz : float
        Sample rate of a simulated night, Hz.
    """
    if source is not None:
        if bilateral:
            raise ConfigError(
                "--bilateral simulates two bands; it cannot play one FILE", name="bilateral"
            )
        from rls_monitor.recording import read_recording

        rec = read_recording(Path(source))
        counts, lsb_g, _exact = rec.to_counts()
        return {rec.side if rec.side != "unknown" else "left": (counts, lsb_g, rec.fs_hz)}
    from firmware_host import signal_model

    dur = 8 * 3600.0 if duration_s is None else float(duration_s)
    if not dur > 0:
        raise ConfigError(f"duration must be positive; got {duration_s!r}", name="duration_s")
    if bilateral:
        nights = signal_model.simulate_bilateral_night(
            signal_model.night_config("ordinary", duration_s=dur, fs_hz=fs_hz), seed=seed
        )
        left, right = nights
        return {
            "left": (left.counts, left.lsb_g, left.fs_hz),
            "right": (right.counts, right.lsb_g, right.fs_hz),
        }
    night = signal_model.simulate_night(
        signal_model.night_config("ordinary", duration_s=dur, fs_hz=fs_hz), seed=seed
    )
    return {"left": (night.counts, night.lsb_g, night.fs_hz)}


async def record_simulated_night_async(
    db_path: str | Path,
    *,
    source: str | Path | None = None,
    duration_s: float | None = None,
    speed: float = math.inf,
    link: str = "ble",
    bilateral: bool = False,
    seed: int = 0,
    rules: str = "wasm2016",
    subject: str | None = None,
    config: SessionConfig | None = None,
    faults: Callable[[str, Any], None] | None = None,
    stop: asyncio.Event | None = None,
    on_status: StatusCallback | None = None,
    fs_hz: float = SIM_FS_HZ,
    on_device: bool = False,
    setup: SimulatedSetup | None = None,
) -> NightResult:
    """Record a simulated band (or two) through a real link into the store, end to end.

    The band runs :class:`firmware_host.band.SimulatedBand` in simulated time at ``speed``; the
    host reaches it through bleak (``link="ble"``: the simulated backend) or pyserial on a
    pseudo-terminal (``link="serial"``). The night ends when the band has played its whole
    source and every frame is stored (or when ``stop`` is set).

    Parameters
    ----------
    db_path : path-like
        The SQLite store.
    source : path-like, optional
        A recording the band plays; default a simulated ordinary night.
    duration_s : float, optional
        Length of a simulated night in seconds (default 8 h).
    speed : float
        Simulated seconds per real second (``math.inf``: as fast as possible).
    link : {"ble", "serial"}
        The link.
    bilateral : bool
        Two bands, left and right leg.
    seed : int
        Seed of the simulated night.
    rules : {"wasm2016", "aasm"}
        Rule set.
    subject : str, optional
        Subject label (default ``"simulated"``).
    config : SessionConfig, optional
        Policies.
    faults : callable, optional
        ``faults(side, band)`` is called once per band before the night starts, to configure
        fault injection on the band (tests).
    stop : asyncio.Event, optional
        Ends the night early.
    on_status : callable, optional
        Live status callback.
    fs_hz : float
        Sample rate of a simulated night, Hz (ignored with a file).
    on_device : bool
        Events mode: the band runs its integer pipeline and sends only events and per-minute
        summaries; the night is scored from them (one band).
    setup : SimulatedSetup, optional
        Bands already built by :func:`build_simulated_links` (a test that later syncs the same
        band); the source options are then ignored and the caller cleans up.

    Returns
    -------
    NightResult
    """
    check_option("link", link, ("ble", "serial"))
    cfg = _with_rules(config, rules)
    own_setup = setup is None
    if setup is None:
        sources = simulated_sources(
            source, duration_s=duration_s, bilateral=bilateral, seed=seed, fs_hz=fs_hz
        )
        setup = build_simulated_links(sources, speed=speed, link=link, config=cfg, faults=faults)
    stop = stop or StopSignal()
    from rls_monitor.storage import Store

    try:
        with Store(db_path) as store:
            recorder = NightRecorder(
                store,
                setup.links,
                config=cfg,
                clock=setup.clock,
                subject=subject or "simulated",
                on_status=on_status,
                start="oldest",
                on_device=on_device,
            )
            watcher = asyncio.get_running_loop().create_task(
                _stop_when_played(recorder, setup, stop)
            )
            try:
                return await recorder.run(stop)
            finally:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
    finally:
        if own_setup:
            for close in setup.cleanup:
                close()


def record_simulated_night(
    db_path: str | Path,
    *,
    duration_s: float | None = None,
    speed: float | str = "max",
    link: str = "serial",
    seed: int = 0,
    **kwargs: Any,
) -> int:
    """Record a simulated night end to end and return its night id (``make demo`` calls this).

    Parameters
    ----------
    db_path : path-like
        The SQLite store.
    duration_s : float, optional
        Night length in seconds (default 8 h).
    speed : float or "max"
        Simulated seconds per real second.
    link : {"serial", "ble"}
        A pseudo-terminal serial link (default) or the simulated BLE backend.
    seed : int
        Seed of the night.
    **kwargs
        Passed to :func:`record_simulated_night_async`.

    Returns
    -------
    int
        The stored night's id.
    """
    speed_x = math.inf if speed == "max" else float(speed)
    result = asyncio.run(
        record_simulated_night_async(
            db_path, duration_s=duration_s, speed=speed_x, link=link, seed=seed, **kwargs
        )
    )
    return result.night_id


def build_simulated_links(
    sources: dict[str, tuple[NDArray[np.int16], float, float]],
    *,
    speed: float,
    link: str,
    config: SessionConfig,
    faults: Callable[[str, Any], None] | None = None,
) -> SimulatedSetup:
    """Simulated bands for ``sources`` behind real links (bleak backend or pty serial).

    Returns
    -------
    SimulatedSetup
        Drivers per side, the host's links, the simulated host clock, and clean-up callables.
    """
    from firmware_host.band import SimulatedBand
    from rls_monitor.link.transports.simulated import BandDriver, PtyBand, SimulatedBandPeripheral

    drivers: dict[str, Any] = {}
    links: list[BandLink] = []
    cleanup: list[Callable[[], None]] = []
    air: Any = None
    for n, (side, (counts, lsb_g, fs_hz)) in enumerate(sources.items()):
        band = SimulatedBand(
            counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id=f"SIM-{side.upper()}-{n + 1:04d}"
        )
        if faults is not None:
            faults(side, band)
        driver = BandDriver(band, speed=speed)
        drivers[side] = driver
        if link == "ble":
            from firmware_host.ble_air import SimAir
            from rls_monitor.link.transports.ble import BleTransport

            if air is None:
                air = SimAir()
            peripheral = SimulatedBandPeripheral(driver, address=SIM_ADDRESSES[side])
            air.add(peripheral)
            transport: Transport = BleTransport(
                peripheral.address, backend=air.backend, config=config.link
            )
        else:
            from rls_monitor.link.transports.serial_port import SerialTransport

            pty = PtyBand(driver).start()
            cleanup.append(pty.stop)
            transport = SerialTransport(pty.port, config=config.link)
        links.append(BandLink(transport, side=side, device_id=band.device_id))
    first = next(iter(drivers.values()))
    return SimulatedSetup(
        drivers=drivers,
        links=links,
        clock=SessionClock(first.now_unix_s),
        cleanup=cleanup,
        sources={side: src[0] for side, src in sources.items()},
    )


async def _stop_when_played(
    recorder: NightRecorder, setup: SimulatedSetup, stop: asyncio.Event
) -> None:
    """End a simulated night once every band played its source and every frame is stored."""
    while not stop.is_set():
        await asyncio.sleep(0.05)
        done = True
        for session in recorder.sessions:
            driver = setup.drivers[session.side]
            band = driver.band
            if session.on_device:
                total = len(band.event_frames)
                played = driver.finished and getattr(band, "_events", None) is None
            else:
                total = band.frames_total
                played = driver.finished
            if not played or session.tracker.next_seq < total:
                done = False
                break
        if done:
            stop.set()


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


# ---------------------------------------------------------------------------------------------
# The store, as the session uses it (rls_monitor.storage)
# ---------------------------------------------------------------------------------------------


def _store_create_night(
    store: Any,
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
    store: Any, device_ids: dict[str, str]
) -> tuple[int, dict[str, Any]] | None:
    """The latest interrupted night recorded by the session from exactly these bands."""
    for night in reversed(store.list_nights()):
        if night.status != "interrupted":
            continue
        meta = store.night_metadata(night.id)
        if (
            meta.get("recorded_by") == "rls_monitor.session"
            and meta.get("device_ids") == device_ids
        ):
            return int(night.id), meta
    return None


def _store_find_band_scored(
    store: Any, device_ids: dict[str, str]
) -> tuple[int, dict[str, Any]] | None:
    """The latest night of these bands scored on the band (events mode) whose raw samples were
    not synced yet: a morning sync downloads the samples into it."""
    for night in reversed(store.list_nights()):
        meta = store.night_metadata(night.id)
        if (
            meta.get("mode") == "events"
            and not meta.get("raw_samples")
            and meta.get("device_ids") == device_ids
        ):
            return int(night.id), meta
    return None


def _store_finish_events(store: Any, night_id: int, result: Any) -> None:
    """Close a night scored on the band: its score, and an end time from its duration."""
    end_utc = None
    if result is not None:
        store.save_score(night_id, result.to_dict())
        from datetime import timedelta

        start = store.get_night(night_id).start_utc
        if start is not None:
            end_utc = start + timedelta(seconds=float(result.duration_s))
    store.finish_night(night_id, end_utc=end_utc)


def _store_read_samples(store: Any, night_id: int, channel: int) -> NDArray[np.int16]:
    return np.asarray(store.read_samples(night_id, channel))


def _store_mark_interrupted(store: Any, night_id: int) -> None:
    store.mark_interrupted(night_id)


def _store_finish(store: Any, night_id: int, result: Any) -> None:
    if result is not None:
        store.save_score(night_id, result.to_dict())
    store.finish_night(night_id)


# ---------------------------------------------------------------------------------------------
# A short capture of raw samples (the guided calibration)
# ---------------------------------------------------------------------------------------------


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
