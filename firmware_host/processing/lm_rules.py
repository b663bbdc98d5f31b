"""Stages 4-6 of the pipeline: the adaptive noise floor, the thresholds and the LM rules.

:class:`LegMovementRules` works on the :class:`~firmware_host.processing.state.PipelineState`:
the per-block noise floor and thresholds (``_floor_push``), the LM state machine one sample at a
time (``_lm_step``, the firmware's code) and over a segment of constant thresholds, vectorised
(``_lm_segment``, exactly equivalent), and the end of an LM with its reported offset (``_end_lm``).
The rules are the host's (``rls_monitor.detection.movements.score_envelope``); see
:mod:`firmware_host.processing` for the stages.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from firmware_host.processing.config import FLOOR_BLOCKS, FLOOR_FRAC, FLOOR_RANK_PERCENT, Q_LOUD
from firmware_host.processing.outputs import BandEvent
from firmware_host.processing.state import LM_ACTIVE, LM_IDLE, PipelineState
from firmware_host.protocol.codes import KIND_LM, KIND_LONG

__all__ = ["LegMovementRules"]


class LegMovementRules(PipelineState):
    """The noise floor, thresholds and LM rules of the pipeline (a mixin of its state)."""

    def _floor_push(self, mean4: int) -> None:
        """Add a block mean to the floor ring; once 60 are in, set the thresholds of the block
        29 blocks back (the host's centred window; the first block is repeated 30 times before
        it, as the host's ``mode="nearest"``)."""
        value = min(mean4, 65535)
        for _ in range(FLOOR_BLOCKS // 2 + 1 if self.n_push == 0 else 1):
            self.floor_ring[self.floor_pos] = value
            self.floor_pos = (self.floor_pos + 1) % FLOOR_BLOCKS
            self.n_push += 1
        if self.n_push < FLOOR_BLOCKS:
            return
        rank = FLOOR_BLOCKS * FLOOR_RANK_PERCENT // 100
        kth = int(np.partition(self.floor_ring, rank)[rank])  # C: selection on a copy of 60
        fl = max(kth, self.floor_min_u << FLOOR_FRAC)
        on = max((self.config.onset_factor_x4 * fl) >> 2, fl + (self.onset_min_u << FLOOR_FRAC))
        self.floor_u = fl
        self.on_u = on
        self.off_u = fl + ((on - fl) >> self.config.offset_shift)
        self.have_floor = 1

    def _lm_step(self, j: int, v: int, qv: int) -> None:
        """One sample of the LM state machine (envelope ``v``, quiet envelope ``qv`` (u8, 255
        = loud) at working sample ``j``)."""
        off = self.off_u
        v4 = v << FLOOR_FRAC  # thresholds carry FLOOR_FRAC fractional bits
        self.sbits = ((self.sbits << 1) | (v4 >= off)) & ((1 << self.morph_n) - 1)
        if self.state == LM_IDLE and v4 > self.on_u:
            self.state = LM_ACTIVE
            self.onset = j
            self.peak = 0
            self.quiet = 0
            self.morph = 0
            self.morph_q = 0
            self.qrun = 0
            self.qfound = 0
        if self.state == LM_ACTIVE:
            if v > self.peak:
                self.peak = v
            if not self.qfound:  # the reported offset: first quiet run from onset + min_n
                self.qrun = self.qrun + 1 if qv < Q_LOUD and (qv << FLOOR_FRAC) <= off else 0
                if self.qrun >= self.quiet_n and j >= self.onset + self.min_n + self.quiet_n - 1:
                    self.qfound = 1
                    self.qoff = max(j - self.qrun + 1, self.onset + self.min_n)
            if v4 <= off:
                if self.quiet == 0:
                    self.qstart = j
                    self.morph_q = self.morph
                self.quiet += 1
            else:
                self.quiet = 0
            if j - self.onset + 1 >= self.morph_n and self.sbits.bit_count() >= self.morph_need:
                self.morph = 1
            if self.quiet >= self.quiet_n:
                self._end_lm(self.qstart, self.morph_q)

    def _end_lm(self, offset: int, morph: int) -> None:
        """End the LM at ``offset`` (the causal rule's); report the quiet envelope's offset."""
        self.state = LM_IDLE
        if offset - self.onset >= self.min_n and morph:
            dur = (self.qoff if self.qfound else offset) - self.onset
            kind = KIND_LONG if dur > self.long_n else KIND_LM
            self._out.append(BandEvent(kind, self.onset, dur, (self.peak * self.mg_q16) >> 16))
            self.min_lm += 1

    def _lm_segment(self, j0: int, e: NDArray[np.int64], qv: NDArray[np.int64]) -> None:
        """The LM state machine over a segment with constant thresholds (vectorised)."""
        n = e.size
        on, off = self.on_u, self.off_u
        w = self.morph_n
        e4 = e << FLOOR_FRAC
        strong = (e4 >= off).astype(np.int64)
        prev = (self.sbits >> np.arange(w - 2, -1, -1)) & 1 if w > 1 else np.zeros(0, np.int64)
        sext = np.concatenate([prev, strong])
        scs = np.concatenate([[0], np.cumsum(sext)])
        good = (scs[np.arange(n) + w] - scs[np.arange(n)]) >= self.morph_need
        gcs = np.concatenate([[0], np.cumsum(good)])  # any good window ending in [a, b)
        bits = sext[-w:]
        self.sbits = int((bits << np.arange(bits.size - 1, -1, -1)).sum())
        quiet = e4 <= off
        above = np.flatnonzero(e4 > on)
        nq_idx = np.where(~quiet, np.arange(n), -1)
        last_reset = np.maximum.accumulate(nq_idx)  # last non-quiet index <= i (or -1)
        qquiet = (qv < Q_LOUD) & ((qv << FLOOR_FRAC) <= off)
        q_reset = np.maximum.accumulate(np.where(~qquiet, np.arange(n), -1))
        p = 0
        while p < n:
            if self.state == LM_IDLE:
                t = int(np.searchsorted(above, p))
                if t >= above.size:
                    return
                p = int(above[t])
                self.state = LM_ACTIVE
                self.onset = j0 + p
                self.peak = 0
                self.quiet = 0
                self.morph = 0
                self.morph_q = 0
                self.qrun = 0
                self.qfound = 0
            # ACTIVE from p: running quiet count c_i for i >= p
            ii = np.arange(p, n)
            lr = last_reset[p:]
            c = np.where(lr >= p, ii - lr, self.quiet + ii - p + 1)
            c = np.where(quiet[p:], c, 0)
            hit = np.flatnonzero(c >= self.quiet_n)
            end = p + int(hit[0]) + 1 if hit.size else n  # the LM's samples in the segment
            if not self.qfound:  # the reported offset: first quiet run from onset + min_n
                iq = np.arange(p, end)
                lq = q_reset[p:end]
                cq = np.where(lq >= p, iq - lq, self.qrun + iq - p + 1)
                cq = np.where(qquiet[p:end], cq, 0)
                ok = (cq >= self.quiet_n) & (j0 + iq >= self.onset + self.min_n + self.quiet_n - 1)
                fq = np.flatnonzero(ok)
                if fq.size:
                    f = int(fq[0])
                    self.qfound = 1
                    self.qoff = max(j0 + p + f - int(cq[f]) + 1, self.onset + self.min_n)
                elif cq.size:
                    self.qrun = int(cq[-1])
            lo_win = max(p, self.onset - j0 + w - 1)  # windows ending at >= lo_win are valid
            if hit.size:
                i = p + int(hit[0])
                ci = int(c[i - p])
                qs = i - ci + 1  # local start of the quiet run (may be < p: carried)
                if qs >= p:
                    hi = qs  # windows ending at <= qs - 1
                    morph_q = self.morph or (hi > lo_win and gcs[hi] - gcs[lo_win] > 0)
                    qstart = j0 + qs
                else:
                    morph_q = self.morph_q
                    qstart = self.qstart
                self.peak = max(self.peak, int(e[p : i + 1].max()))
                self._end_lm(qstart, int(bool(morph_q)))
                p = i + 1
                continue
            # the segment ends inside the LM
            self.peak = max(self.peak, int(e[p:].max()))
            c_last = int(c[-1])
            if c_last > 0:
                qs = n - c_last
                if qs >= p:
                    hi = qs
                    self.morph_q = int(
                        bool(self.morph or (hi > lo_win and gcs[hi] - gcs[lo_win] > 0))
                    )
                    self.qstart = j0 + qs
            self.quiet = c_last
            if not self.morph and n > lo_win and gcs[n] - gcs[lo_win] > 0:
                self.morph = 1
            return
