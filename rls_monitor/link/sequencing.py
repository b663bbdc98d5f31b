"""Frame ordering for one band's link: every DATA frame delivered in order, exactly once.

:class:`SequenceTracker` drops duplicates, holds reordered frames briefly, asks for gaps again
(``RESEND``) and gives a gap up, counted, only when the band no longer has it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


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
