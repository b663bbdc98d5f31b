"""A simulated band that runs the wire protocol for real, in simulated time.

The core is transport-agnostic and never sleeps: the caller advances simulated time and carries
bytes. A BLE peripheral or a pseudo-terminal (``rls_monitor.link.transports.simulated``) wraps it.

API
---
``band = SimulatedBand(source, *, lsb_g=None, fs_hz=None, device_id="RLS-SIM-0001", ...)``
    ``source``: an int16 (n, 3) array of counts (then ``lsb_g`` and ``fs_hz`` are required), an
    object with ``.counts``, ``.lsb_g``, ``.fs_hz`` (``signal_model.simulate_night(...)``), or a
    stream that renders its samples on demand (``signal_model.stream_night(...)``: ``len()``,
    ``stream[first:stop]`` and ``.read``, ``.lsb_g``, ``.fs_hz``), so that a long night starts at
    once and the band's memory stays that of its flash ring.
    The band is switched on at simulated time 0 and records the source into its flash ring
    whether or not a host is connected (offline recording), at one source sample per
    ``1 / fs_hz`` simulated seconds.
``band.connect(att_mtu=247)`` / ``band.disconnect()``
    A host connected (``att_mtu=None``: a serial line, 512-byte frames) / went away. Streaming
    stops at every disconnect: the host sends START_STREAM again after reconnecting.
``band.advance(dt_s) -> list[bytes]``
    Advance simulated time; return the frames to notify (one notification each; on serial,
    COBS-encode each and append 0x00). Live DATA, queued resends, periodic STATUS, END.
``band.handle_command(data) -> list[bytes]``
    One command written by the host; returns the immediate answers (RESPONSE, and STATUS for
    GET_STATUS). Resends and catch-up follow in later ``advance`` calls, at the link's pace.
``band.info_bytes()``
    The info record (the INFO characteristic; GET_INFO returns the same bytes).
Events mode
    After SET_MODE EVENTS (not while streaming) the band runs the on-device leg-movement
    pipeline (:mod:`firmware_host.event_mode`) on every sample it records and streams EVENT and
    SUMMARY frames (``event_frames``, their own sequence numbers, which START_STREAM's
    ``from_seq`` then counts) instead of DATA; DATA stays in flash and RESEND still serves it.
``band.faults``
    :class:`Faults`, mutable at any time: link drops and silences at given times, dropped,
    corrupted, duplicated or reordered DATA frames (probabilities, seeded, or given sequence
    numbers), battery death at a given time. ``band.drift_ppm`` can be changed at any time.
Read-only state
    ``true_time_s``, ``tick`` (now), ``battery_pct``, ``recorded_samples``, ``next_seq``,
    ``oldest_seq``, ``frames_total``, ``source_exhausted``, ``streaming``, ``connected``,
    ``link_dropped``, ``silent``, ``powered``, ``stats`` (:class:`BandStats`), ``link_drops_s``.

The flash ring holds ``flash_bytes // 6`` samples (default 32 MiB: 5 592 405 samples, 31 h at
50 Hz, 15.5 h at 100 Hz); the constructor refuses a flash smaller than 12 h at the source rate.

Examples
--------
>>> import numpy as np
>>> from firmware_host import protocol as p
>>> band = SimulatedBand(np.zeros((500, 3), np.int16), lsb_g=2.0**-12, fs_hz=50.0)
>>> band.connect(att_mtu=247)
>>> [type(p.decode_frame(f)).__name__ for f in band.handle_command(p.cmd_start_stream(1, 0))]
['ResponseFrame']
>>> frames = [p.decode_frame(f) for f in band.advance(2.0)]
>>> [(f.seq, len(f.samples)) for f in frames if isinstance(f, p.DataFrame)]
[(0, 38), (1, 38)]
"""

from __future__ import annotations

import logging
import math
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firmware_host import protocol as p

__all__ = ["DEFAULT_FLASH_BYTES", "BandStats", "Faults", "SimulatedBand"]

log = logging.getLogger(__name__)

DEFAULT_FLASH_BYTES = 32 * 1024 * 1024
MIN_RING_HOURS = 12.0
_U32 = 1 << 32


@dataclass
class Faults:
    """Faults the band injects; change them at any time. All random choices use the band's seed.

    Per-sequence faults (``*_seqs``) hit the first transmission of a DATA frame only, so that a
    resend can repair them; probabilities hit every DATA transmission, resends included.
    Frame faults apply to DATA only (not to STATUS, RESPONSE, END, EVENT or SUMMARY frames).

    Attributes
    ----------
    drop_link_at_s : list of float
        Simulated times at which the link drops: the band stops sending and ignores commands
        until :meth:`SimulatedBand.connect`; ``link_dropped`` tells the transport to disconnect.
    silent_at_s : list of float
        Times at which the band goes silent without disconnecting (until the next connect).
    drop_probability, corrupt_probability, duplicate_probability, reorder_probability : float
        Per DATA transmission: not sent; one byte flipped (bad CRC); sent twice; swapped with
        the next frame.
    drop_seqs, corrupt_seqs, duplicate_seqs, reorder_seqs : set of int
        The same for the first transmission of these sequence numbers.
    battery_empty_at_s : float or None
        The battery dies at this simulated time (whatever its charge).
    """

    drop_link_at_s: list[float] = field(default_factory=list)
    silent_at_s: list[float] = field(default_factory=list)
    drop_probability: float = 0.0
    corrupt_probability: float = 0.0
    duplicate_probability: float = 0.0
    reorder_probability: float = 0.0
    drop_seqs: set[int] = field(default_factory=set)
    corrupt_seqs: set[int] = field(default_factory=set)
    duplicate_seqs: set[int] = field(default_factory=set)
    reorder_seqs: set[int] = field(default_factory=set)
    battery_empty_at_s: float | None = None


@dataclass
class BandStats:
    """Counts of what the band did (frames unless stated)."""

    data_sent: int = 0
    resent: int = 0
    dropped: int = 0
    corrupted: int = 0
    duplicated: int = 0
    reordered: int = 0
    status_sent: int = 0
    commands: int = 0
    bad_commands: int = 0
    link_drops: int = 0
    silences: int = 0


class SimulatedBand:
    """A band: flash ring, clock with drift, battery, the protocol, injectable faults.

    Parameters
    ----------
    source : ndarray (n, 3) int16, object with ``counts``, ``lsb_g``, ``fs_hz``, or a stream
        The accelerometer counts the band will "measure", one row per sample (a stream is read
        by slices, ``source[first:stop]``, as the band records).
    lsb_g : float, optional
        g per count (required for a bare array; a power of two the protocol can express).
    fs_hz : float, optional
        Sample rate, Hz (required for a bare array; one of ``protocol.RATES_HZ``).
    device_id : str
        The stable id (1-32 printable ASCII characters).
    range_g : float, optional
        Preferred range when ``lsb_g`` allows several.
    frame_samples : int
        Samples per DATA frame (default 38, the most at ATT MTU 247). Reduced at the first
        connection if the ATT MTU is smaller and nothing is recorded yet.
    flash_bytes : int
        Flash ring size, bytes (6 bytes per sample).
    drift_ppm : float
        The tick counter runs this fast relative to true time (ppm; crystals: +-20 to +-50).
    tick0 : int
        Tick counter at switch-on.
    battery_pct : float
        Charge at switch-on, percent.
    drain_recording_pct_per_h, drain_streaming_pct_per_h : float
        Battery use while only recording, and while streaming (in addition), percent per hour.
    status_interval_s : float
        STATUS frames while streaming, every this many simulated seconds.
    link_frames_per_s : float
        Notifications the link carries per simulated second (bounds catch-up and resends).
    temperature_c : float
        Reported temperature.
    seed : int
        Seed of the fault injection.
    compress : bool
        Send DATA delta-compressed (:data:`~firmware_host.protocol.FLAG_DELTA`) when smaller.
    model, serial, firmware : str
        Device Information Service strings.

    Raises
    ------
    ValueError
        For an unusable source, format, id, or a flash smaller than 12 h at ``fs_hz``.
    """

    def __init__(
        self,
        source: Any,
        *,
        lsb_g: float | None = None,
        fs_hz: float | None = None,
        device_id: str = "RLS-SIM-0001",
        range_g: float | None = None,
        frame_samples: int = 38,
        flash_bytes: int = DEFAULT_FLASH_BYTES,
        drift_ppm: float = 0.0,
        tick0: int = 0,
        battery_pct: float = 100.0,
        drain_recording_pct_per_h: float = 1.5,
        drain_streaming_pct_per_h: float = 4.5,
        status_interval_s: float = 60.0,
        link_frames_per_s: float = 400.0,
        temperature_c: float = 31.5,
        seed: int = 0,
        compress: bool = False,
        model: str = "RLS band (simulated)",
        serial: str | None = None,
        firmware: str = "1.0.0",
    ) -> None:
        streamed = not isinstance(source, np.ndarray) and callable(getattr(source, "read", None))
        counts = source if isinstance(source, np.ndarray) else getattr(source, "counts", source)
        lsb = lsb_g if lsb_g is not None else getattr(source, "lsb_g", None)
        rate = fs_hz if fs_hz is not None else getattr(source, "fs_hz", None)
        if lsb is None or rate is None:
            raise ValueError("a bare sample array needs lsb_g and fs_hz")
        if streamed:  # rendered on demand, window by window: memory flat whatever its length
            self.source: Any = source
        else:
            arr = np.asarray(counts)
            if arr.ndim != 2 or arr.shape[1] != 3 or not np.issubdtype(arr.dtype, np.integer):
                raise ValueError(
                    f"source counts must be integer (n, 3), got {arr.dtype} {arr.shape}"
                )
            self.source = np.ascontiguousarray(arr, dtype=np.int16)
        self.format = p.SampleFormat.from_lsb(float(rate), float(lsb), range_g)
        self.fs_hz = self.format.rate_hz
        self.lsb_g = self.format.lsb_g
        max_n = p.max_samples_per_frame(None)
        if not 1 <= frame_samples <= max_n:
            raise ValueError(f"frame_samples must be 1..{max_n}, got {frame_samples}")
        self.frame_samples = frame_samples
        self.ring_capacity = int(flash_bytes) // p.SAMPLE_BYTES
        if self.ring_capacity < MIN_RING_HOURS * 3600.0 * self.fs_hz:
            raise ValueError(
                f"flash of {flash_bytes} bytes holds {self.ring_capacity / self.fs_hz / 3600:.1f} h"
                f" at {self.fs_hz:g} Hz; at least {MIN_RING_HOURS:g} h is required"
            )
        self.flash_bytes = int(flash_bytes)
        self.device_id = device_id
        self.model = model
        self.serial = serial if serial is not None else device_id
        self.firmware = firmware
        self.mode = p.Mode.RAW
        p.encode_info(self._info())  # validates the strings
        self.faults = Faults()
        self.stats = BandStats()
        self.drain_recording_pct_per_h = drain_recording_pct_per_h
        self.drain_streaming_pct_per_h = drain_streaming_pct_per_h
        self.status_interval_s = status_interval_s
        self.link_frames_per_s = link_frames_per_s
        self.temperature_c = temperature_c
        self._rng = np.random.default_rng(seed)
        self.compress = compress
        self._events: Any = None  # firmware_host.event_mode.EventModeBand in events mode
        self.event_frames: list[bytes] = []  # EVENT/SUMMARY frames produced, index = their seq
        # (first EVENT/SUMMARY seq, band tick, recording sample) of the latest switch to events mode
        self.events_start: tuple[int, int, int] = (0, 0, 0)

        self.true_time_s = 0.0
        self.battery_pct = float(battery_pct)
        self.powered = self.battery_pct > 0
        # clock: piecewise linear (true time, tick) breakpoints; a drift change adds one
        self._clock: list[tuple[float, float, float]] = [(0.0, float(tick0), drift_ppm)]
        self.synced_utc: tuple[float, int] | None = None  # (host unix s, band tick) of last sync

        # flash ring
        self._ring = np.zeros((self.ring_capacity, 3), dtype=np.int16)
        self.recorded_samples = 0  # since the last ERASE
        self._src_start = 0  # source index of recording sample 0
        self._rec_t0 = 0.0  # true time of recording sample 0
        self.recording = True

        # link
        self.connected = False
        self.att_mtu: int | None = None
        self.max_frame_len = p.MAX_FRAME_LEN
        self.streaming = False
        self.link_dropped = False
        self.silent = False
        self.link_drops_s: list[float] = []
        self._stream_next = 0
        self._live_from = 0
        self._catchup_cmd: int | None = None
        self._resume_mark = False
        self._resends: list[tuple[int, int, int]] = []  # (cmd_id, next seq, stop)
        self._resends_first: dict[int, int] = {}  # cmd_id -> first seq of that resend
        self._catchup_first = 0
        self._budget = 0.0
        self._first_tx_high = 0  # seqs below were transmitted at least once
        self._held: bytes | None = None
        self._next_status_s = 0.0
        self._ended_sent = False

    # -----------------------------------------------------------------------------------------
    # clock, battery, flash
    # -----------------------------------------------------------------------------------------

    @property
    def drift_ppm(self) -> float:
        """Current clock drift, ppm (settable: takes effect from now on)."""
        return self._clock[-1][2]

    @drift_ppm.setter
    def drift_ppm(self, ppm: float) -> None:
        t = self.true_time_s
        self._clock.append((t, self._tick_f(t), float(ppm)))

    def _tick_f(self, t: float) -> float:
        for t0, tick0, ppm in reversed(self._clock):
            if t >= t0:
                return tick0 + (t - t0) * p.TICK_HZ * (1.0 + ppm * 1e-6)
        t0, tick0, ppm = self._clock[0]
        return tick0 + (t - t0) * p.TICK_HZ * (1.0 + ppm * 1e-6)

    def tick_at(self, true_time_s: float) -> int:
        """The band's u32 tick at a simulated true time (within the past)."""
        return math.floor(self._tick_f(true_time_s)) % _U32

    @property
    def tick(self) -> int:
        """The band's tick now (u32)."""
        return self.tick_at(self.true_time_s)

    @property
    def oldest_recorded(self) -> int:
        """First recording sample index still in flash."""
        return max(0, self.recorded_samples - self.ring_capacity)

    @property
    def next_seq(self) -> int:
        """One past the last DATA frame the band can send (complete, or flushed at the end)."""
        n = self.frame_samples
        if self.recording:
            return self.recorded_samples // n
        return -(-self.recorded_samples // n)

    @property
    def oldest_seq(self) -> int:
        """First DATA frame still whole in flash."""
        return -(-self.oldest_recorded // self.frame_samples)

    @property
    def frames_total(self) -> int:
        """DATA frames the whole source gives (from the last ERASE)."""
        return -(-(len(self.source) - self._src_start) // self.frame_samples)

    @property
    def source_exhausted(self) -> bool:
        """Whether the whole source is recorded (or the band stopped recording)."""
        return not self.recording

    @property
    def flash_fill_permille(self) -> int:
        """Ring fill, 0-1000."""
        return min(1000, self.recorded_samples * 1000 // self.ring_capacity)

    def ring_samples(self, first: int, stop: int) -> NDArray[np.int16]:
        """Recording samples ``[first, stop)`` read back from the flash ring.

        Raises
        ------
        IndexError
            When part of the range is overwritten or not recorded yet.
        """
        if first < self.oldest_recorded or stop > self.recorded_samples or first > stop:
            raise IndexError(
                f"samples [{first}, {stop}) not in flash "
                f"[{self.oldest_recorded}, {self.recorded_samples})"
            )
        cap = self.ring_capacity
        idx = np.arange(first, stop) % cap
        return self._ring[idx]

    def _record_until(self, t: float) -> None:
        if not self.recording:
            return
        available = len(self.source) - self._src_start
        target = min(available, math.floor((t - self._rec_t0) * self.fs_hz + 1e-9))
        r0 = self.recorded_samples
        if target <= r0:
            return
        cap = self.ring_capacity
        lo = max(r0, target - cap)
        src = self.source[self._src_start + lo : self._src_start + target]
        pos = lo % cap
        first = min(len(src), cap - pos)
        self._ring[pos : pos + first] = src[:first]
        if first < len(src):
            self._ring[: len(src) - first] = src[first:]
        self.recorded_samples = target
        if self._events is not None:
            self.event_frames += self._events.feed(
                self.source[self._src_start + r0 : self._src_start + target]
            )
        if target >= available:
            self.recording = False
            self._finish_events()

    def _finish_events(self) -> None:
        if self._events is not None:
            self.event_frames += self._events.finish()
            self._events = None

    def _data_frame(self, seq: int, flags: int) -> bytes:
        n = self.frame_samples
        first = seq * n
        stop = min(first + n, self.recorded_samples)
        tick = self.tick_at(self._rec_t0 + first / self.fs_hz)
        samples = self.ring_samples(first, stop)
        return p.encode_data(seq, tick, self.format, samples, flags=flags, delta=self.compress)

    # -----------------------------------------------------------------------------------------
    # link
    # -----------------------------------------------------------------------------------------

    def connect(self, att_mtu: int | None = p.MIN_ATT_MTU) -> None:
        """A host connected (``att_mtu=None``: serial). Clears a dropped or silent link.

        Raises
        ------
        ValueError
            For an ATT MTU below 23.
        """
        self.max_frame_len = p.max_frame_len(att_mtu)
        self.att_mtu = att_mtu
        fit = p.max_samples_per_frame(att_mtu)
        if self.recorded_samples == 0 and self.frame_samples > fit:
            self.frame_samples = fit
        if not self.powered:
            return
        self.connected = True
        self.link_dropped = False
        self.silent = False
        self.streaming = False
        self._resends.clear()
        self._held = None
        self._budget = 0.0
        self._resume_mark = True

    def disconnect(self) -> None:
        """The host went away (or the link dropped): streaming stops, flash recording goes on."""
        self.connected = False
        self.streaming = False
        self._resends.clear()
        self._held = None

    @property
    def can_send(self) -> bool:
        """Whether frames reach the host now."""
        return self.powered and self.connected and not self.link_dropped and not self.silent

    def info(self) -> p.BandInfo:
        """The band's info record."""
        return self._info()

    def _info(self) -> p.BandInfo:
        return p.BandInfo(
            self.device_id,
            self.model,
            self.serial,
            self.firmware,
            self.format,
            self.frame_samples,
            p.TICK_HZ,
            self.ring_capacity,
            self.mode,
        )

    def info_bytes(self) -> bytes:
        """The INFO characteristic's value (:func:`firmware_host.protocol.encode_info`)."""
        return p.encode_info(self._info())

    @property
    def state_bits(self) -> int:
        """STATUS state bits."""
        bits = 0
        if self.streaming:
            bits |= p.STATE_STREAMING
        if self.recording:
            bits |= p.STATE_RECORDING
        if self.mode == p.Mode.EVENTS:
            bits |= p.STATE_EVENTS_MODE
        if self.synced_utc is not None:
            bits |= p.STATE_CLOCK_SYNCED
        if self.battery_pct < 10.0:
            bits |= p.STATE_BATTERY_LOW
        if self.recorded_samples > self.ring_capacity:
            bits |= p.STATE_FLASH_WRAPPED
        return bits

    def _status(self) -> bytes:
        self.stats.status_sent += 1
        return p.encode_status(
            self.next_seq,
            self.tick,
            battery_pct=math.ceil(self.battery_pct),
            state=self.state_bits,
            flash_fill_permille=self.flash_fill_permille,
            temperature_c=self.temperature_c,
        )

    # -----------------------------------------------------------------------------------------
    # commands
    # -----------------------------------------------------------------------------------------

    def handle_command(self, data: bytes) -> list[bytes]:
        """Execute one command written by the host; return the immediate answers.

        Nothing is answered while the link is dropped or silent or the band is off. A malformed
        command is answered with ``BAD_FRAME`` (or ``UNKNOWN_COMMAND`` / ``BAD_ARGUMENT`` when
        its CRC is good), echoing whatever opcode and id could be read.
        """
        if not self.can_send:
            return []
        self.stats.commands += 1
        try:
            cmd = p.decode_command(data)
        except p.ProtocolError as exc:
            self.stats.bad_commands += 1
            raw = bytes(data)
            op = raw[1] if len(raw) > 1 else 0
            cmd_id = int.from_bytes(raw[2:4], "little") if len(raw) >= 4 else 0
            if isinstance(exc, p.UnknownOpcode):
                result = p.Result.UNKNOWN_COMMAND
            elif isinstance(exc, p.BadLength) and p.COMMAND_MIN_LEN <= exc.length:
                result = p.Result.BAD_ARGUMENT  # CRC good, wrong argument length
            else:
                result = p.Result.BAD_FRAME
            return [p.encode_response(self.next_seq, op, cmd_id, result)]
        handler = getattr(self, f"_cmd_{cmd.opcode.name.lower()}")
        out: list[bytes] = handler(cmd)
        return out

    def _respond(self, cmd: p.Command, result: int = p.Result.OK, data: bytes = b"") -> list[bytes]:
        return p.split_response(
            self.next_seq, cmd.opcode, cmd.cmd_id, result, data, max_frame_len=self.max_frame_len
        )

    def _cmd_start_stream(self, cmd: p.Command) -> list[bytes]:
        (from_seq,) = struct.unpack("<I", cmd.args)
        needed = p.DATA_OVERHEAD + self.frame_samples * p.SAMPLE_BYTES
        if needed > self.max_frame_len:
            return self._respond(cmd, p.Result.MTU_TOO_SMALL, struct.pack("<H", needed + 3))
        nxt, old = self.next_seq, self.oldest_seq
        if self.mode == p.Mode.EVENTS:  # from_seq counts EVENT/SUMMARY frames
            nxt, old = len(self.event_frames), 0
        self.streaming = True
        self._live_from = nxt
        self._stream_next = nxt if from_seq == p.LIVE_ONLY else min(max(from_seq, old), nxt)
        self._catchup_cmd = cmd.cmd_id if self._stream_next < nxt else None
        self._catchup_first = self._stream_next
        self._ended_sent = False
        self._next_status_s = self.true_time_s
        return self._respond(cmd, p.Result.OK, struct.pack("<II", nxt, old))

    def _cmd_stop_stream(self, cmd: p.Command) -> list[bytes]:
        self.streaming = False
        out = self._respond(cmd, p.Result.OK, struct.pack("<I", self.next_seq))
        self._flush_held(out)
        return [*out, p.encode_end(self.next_seq, p.EndReason.STOPPED)]

    def _cmd_set_format(self, cmd: p.Command) -> list[bytes]:
        code, frame_samples = cmd.args[0], cmd.args[1]
        new = p.SampleFormat.from_code(code)
        if self.streaming or self.recorded_samples > 0:
            return self._respond(cmd, p.Result.BUSY, bytes([self.format.code, self.frame_samples]))
        if new.rate_hz != self.fs_hz or frame_samples > p.max_samples_per_frame(None):
            return self._respond(
                cmd, p.Result.UNSUPPORTED, bytes([self.format.code, self.frame_samples])
            )
        if new != self.format:  # the simulated sensor changes range/resolution: requantise
            scale = self.lsb_g / new.lsb_g
            lim = new.max_count
            rest = self.source[self._src_start :].astype(np.float64) * scale
            self.source = np.concatenate(
                [
                    self.source[: self._src_start],
                    np.clip(np.round(rest), -lim, lim).astype(np.int16),
                ]
            )
            self.format, self.lsb_g = new, new.lsb_g
        if frame_samples:
            self.frame_samples = frame_samples
        return self._respond(cmd, p.Result.OK, bytes([self.format.code, self.frame_samples]))

    def _cmd_sync_time(self, cmd: p.Command) -> list[bytes]:
        (utc_us,) = struct.unpack("<q", cmd.args)
        tick = self.tick
        self.synced_utc = (utc_us / 1e6, tick)
        return self._respond(cmd, p.Result.OK, struct.pack("<I", tick))

    def _cmd_get_status(self, cmd: p.Command) -> list[bytes]:
        return [*self._respond(cmd), self._status()]

    def _cmd_resend(self, cmd: p.Command) -> list[bytes]:
        first, stop = struct.unpack("<II", cmd.args)
        lo, hi = max(first, self.oldest_seq), min(stop, self.next_seq)
        if first >= stop:
            return self._respond(cmd, p.Result.BAD_ARGUMENT, struct.pack("<II", first, stop))
        if lo >= hi:
            return self._respond(cmd, p.Result.NOT_AVAILABLE, struct.pack("<II", lo, max(lo, hi)))
        self._resends.append((cmd.cmd_id, lo, hi))
        self._resends_first[cmd.cmd_id] = lo
        return self._respond(cmd, p.Result.OK, struct.pack("<II", lo, hi))

    def _cmd_get_info(self, cmd: p.Command) -> list[bytes]:
        return self._respond(cmd, p.Result.OK, self.info_bytes())

    def _cmd_set_mode(self, cmd: p.Command) -> list[bytes]:
        mode = cmd.args[0]
        if mode not in (p.Mode.RAW, p.Mode.EVENTS):
            return self._respond(cmd, p.Result.BAD_ARGUMENT, bytes([self.mode]))
        if mode != self.mode and self.streaming:
            return self._respond(cmd, p.Result.BUSY, bytes([self.mode]))
        if mode == p.Mode.EVENTS and self.mode != p.Mode.EVENTS:
            if not self.recording:
                return self._respond(cmd, p.Result.NOT_AVAILABLE, bytes([self.mode]))
            from firmware_host.event_mode import EventModeBand

            start_tick = self.tick_at(self._rec_t0 + self.recorded_samples / self.fs_hz)
            self._events = EventModeBand(
                self.fs_hz, self.lsb_g, start_tick=start_tick, first_seq=len(self.event_frames)
            )
            self.events_start = (len(self.event_frames), start_tick, self.recorded_samples)
        elif mode == p.Mode.RAW:
            self._finish_events()
        self.mode = p.Mode(mode)
        data = bytes([mode])
        if self.mode == p.Mode.EVENTS:
            # where events mode began: first EVENT/SUMMARY seq, band tick, recording sample index
            data += struct.pack("<III", *self.events_start)
        return self._respond(cmd, p.Result.OK, data)

    def _cmd_erase(self, cmd: p.Command) -> list[bytes]:
        (magic,) = struct.unpack("<I", cmd.args)
        if magic != p.ERASE_MAGIC:
            return self._respond(cmd, p.Result.BAD_ARGUMENT)
        if self.streaming or self._resends:
            return self._respond(cmd, p.Result.BUSY)
        self._src_start = min(len(self.source), self._src_start + self.recorded_samples)
        self._rec_t0 = self.true_time_s
        self.recorded_samples = 0
        self._first_tx_high = 0
        self.recording = self._src_start < len(self.source)
        return self._respond(cmd, p.Result.OK, struct.pack("<I", 0))

    # -----------------------------------------------------------------------------------------
    # time
    # -----------------------------------------------------------------------------------------

    def advance(self, dt_s: float) -> list[bytes]:
        """Advance simulated time by ``dt_s`` seconds; return the frames to send, in order.

        Parameters
        ----------
        dt_s : float
            Simulated seconds (>= 0).

        Returns
        -------
        list of bytes
            Frames, one notification each (empty while disconnected, dropped or silent).

        Raises
        ------
        ValueError
            For a negative ``dt_s``.
        """
        if dt_s < 0:
            raise ValueError(f"dt_s must be >= 0, got {dt_s}")
        t0 = self.true_time_s
        t1 = t0 + dt_s
        out: list[bytes] = []
        if not self.powered:
            self.true_time_s = t1
            return out
        # battery: find the moment it dies within this step
        rate_per_s = (
            self.drain_recording_pct_per_h
            + (self.drain_streaming_pct_per_h if self.streaming and self.can_send else 0.0)
        ) / 3600.0
        death = t0 + self.battery_pct / rate_per_s if rate_per_s > 0 else math.inf
        if self.faults.battery_empty_at_s is not None:
            death = min(death, max(t0, self.faults.battery_empty_at_s))
        t_end = min(t1, death)
        self._record_until(t_end)
        self.battery_pct = max(0.0, self.battery_pct - rate_per_s * (t_end - t0))
        self.true_time_s = t_end
        self._link_faults(t0, t_end)
        if death <= t1:  # shutting down: the partial frame is flushed to flash first
            self.recording = False
            self._finish_events()
            self._ended_sent = True
        if self.can_send:
            cap = self.link_frames_per_s * max(dt_s, 1.0)
            self._budget = min(self._budget + dt_s * self.link_frames_per_s, cap)
            out = self._pump()
        if death <= t1:
            out += self._die()
            self.true_time_s = t1
        return out

    def _link_faults(self, t0: float, t1: float) -> None:
        f = self.faults
        for t in [t for t in f.drop_link_at_s if t < t1]:
            f.drop_link_at_s.remove(t)
            if self.connected and not self.link_dropped:
                self.link_dropped = True
                self.link_drops_s.append(max(t, t0))
                self.stats.link_drops += 1
                self.disconnect()
        for t in [t for t in f.silent_at_s if t < t1]:
            f.silent_at_s.remove(t)
            if self.connected and not self.silent:
                self.silent = True
                self.stats.silences += 1

    def _die(self) -> list[bytes]:
        self.battery_pct = 0.0
        self.recording = False  # the partial frame is flushed to flash
        self._finish_events()
        out: list[bytes] = []
        if self.can_send:
            self._flush_held(out)
            out.append(p.encode_end(self.next_seq, p.EndReason.BATTERY_EMPTY))
        self.powered = False
        self.streaming = False
        self.connected = False
        self.link_dropped = True
        log.debug("band %s: battery empty at %.1f s", self.device_id, self.true_time_s)
        return out

    def _pump(self) -> list[bytes]:
        out: list[bytes] = []
        # resends first: they close gaps the host is waiting for
        while self._resends and self._budget >= 1.0:
            cmd_id, seq, stop = self._resends[0]
            if seq < self.oldest_seq:
                seq = self.oldest_seq
            if seq < stop:
                self._send_data(out, seq, p.FLAG_RESENT)
                self.stats.resent += 1
                seq += 1
            if seq >= stop:
                self._flush_held(out)
                self._resends.pop(0)
                first = self._resends_first.pop(cmd_id, stop)
                out.append(
                    p.encode_end(
                        self.next_seq,
                        p.EndReason.RESEND_DONE,
                        cmd_id=cmd_id,
                        first_seq=first,
                        stop_seq=stop,
                    )
                )
            else:
                self._resends[0] = (cmd_id, seq, stop)
        if self.streaming and self.mode == p.Mode.EVENTS:
            self._pump_events(out)
        elif self.streaming:
            nxt = self.next_seq
            self._stream_next = max(self._stream_next, self.oldest_seq)
            while self._stream_next < nxt and self._budget >= 1.0:
                seq = self._stream_next
                if seq < self._live_from:
                    flags = p.FLAG_RESENT
                else:
                    flags = p.FLAG_RESUMED if self._resume_mark else 0
                    self._resume_mark = False
                self._send_data(out, seq, flags)
                self._stream_next += 1
                if self._catchup_cmd is not None and self._stream_next >= self._live_from:
                    self._flush_held(out)
                    out.append(
                        p.encode_end(
                            self.next_seq,
                            p.EndReason.RESEND_DONE,
                            cmd_id=self._catchup_cmd,
                            first_seq=self._catchup_first,
                            stop_seq=self._live_from,
                        )
                    )
                    self._catchup_cmd = None
            if self.true_time_s >= self._next_status_s:
                out.append(self._status())
                self._next_status_s = self.true_time_s + self.status_interval_s
            if not self.recording and self._stream_next >= nxt and not self._ended_sent:
                self._flush_held(out)
                out.append(p.encode_end(nxt, p.EndReason.RECORDING_ENDED))
                self._ended_sent = True
        idle = not self.streaming or (not self.recording and self._stream_next >= self.next_seq)
        if idle and not self._resends:
            self._flush_held(out)  # nothing follows to swap with
        return out

    def _pump_events(self, out: list[bytes]) -> None:
        """Events mode: EVENT/SUMMARY frames instead of live DATA (DATA stays in flash)."""
        while self._stream_next < len(self.event_frames) and self._budget >= 1.0:
            self._budget -= 1.0
            out.append(self.event_frames[self._stream_next])
            self._stream_next += 1
            if self._catchup_cmd is not None and self._stream_next >= self._live_from:
                out.append(
                    p.encode_end(
                        self.next_seq,
                        p.EndReason.RESEND_DONE,
                        cmd_id=self._catchup_cmd,
                        first_seq=self._catchup_first,
                        stop_seq=self._live_from,
                    )
                )
                self._catchup_cmd = None
        if self.true_time_s >= self._next_status_s:
            out.append(self._status())
            self._next_status_s = self.true_time_s + self.status_interval_s
        done = self._events is None and self._stream_next >= len(self.event_frames)
        if not self.recording and done and not self._ended_sent:
            out.append(p.encode_end(self.next_seq, p.EndReason.RECORDING_ENDED))
            self._ended_sent = True

    def _flush_held(self, out: list[bytes]) -> None:
        if self._held is not None:
            out.append(self._held)
            self._held = None

    def _send_data(self, out: list[bytes], seq: int, flags: int) -> None:
        """Encode DATA ``seq`` and put it on the air through the fault injector."""
        self._budget -= 1.0
        frame = self._data_frame(seq, flags)
        first_tx = seq >= self._first_tx_high
        if first_tx:
            self._first_tx_high = seq + 1
        f = self.faults
        rng = self._rng

        def hit(prob: float, seqs: set[int]) -> bool:
            if first_tx and seq in seqs:
                return True
            return prob > 0.0 and bool(rng.random() < prob)

        self.stats.data_sent += 1
        if hit(f.drop_probability, f.drop_seqs):
            self.stats.dropped += 1
            return
        if hit(f.corrupt_probability, f.corrupt_seqs):
            pos = int(rng.integers(0, len(frame)))
            frame = frame[:pos] + bytes([frame[pos] ^ 0xA5]) + frame[pos + 1 :]
            self.stats.corrupted += 1
        copies = [frame]
        if hit(f.duplicate_probability, f.duplicate_seqs):
            copies.append(frame)
            self.stats.duplicated += 1
        if self._held is not None:
            out.extend(copies)
            out.append(self._held)
            self._held = None
            return
        if hit(f.reorder_probability, f.reorder_seqs):
            self._held = copies[0]
            out.extend(copies[1:])
            self.stats.reordered += 1
            return
        out.extend(copies)
