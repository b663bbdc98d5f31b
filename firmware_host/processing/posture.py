"""Stages 7-8 of the pipeline: posture per 1-s epoch, the shank axis, lying bouts and turn-overs.

:class:`PostureRules` works on the :class:`~firmware_host.processing.state.PipelineState` once
per block (``_posture_epoch``): it learns the shank axis from walking (unless the host gave it),
decides lying and its 5-epoch majority, tracks lying bouts (``_bout_epoch``: ``KIND_IN_BED`` /
``KIND_OUT_OF_BED`` events) and stable stretches, whose direction changes across the axis are
turn-overs (``KIND_POSTURE`` events), and labels the posture for the minute summary. See
:mod:`firmware_host.processing` for the stages.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from firmware_host.processing.integer_filters import trunc_div
from firmware_host.processing.outputs import POSTURE_CODES, BandEvent
from firmware_host.processing.state import PipelineState
from firmware_host.protocol.codes import KIND_IN_BED, KIND_OUT_OF_BED, KIND_POSTURE

__all__ = ["PostureRules"]

_DIR_SHIFT = 2  # further shift of epoch gravity for direction tests (keeps products in int64)
_DEG10_NUM, _DEG10_DEN = 970, 1000  # cos^2(10 deg) = 0.9698


class PostureRules(PipelineState):
    """Posture, lying bouts and turn-overs of the pipeline (a mixin of its state)."""

    def _perp(self, v: NDArray[np.int32]) -> tuple[int, int, int]:
        x, y, z = (int(a) >> _DIR_SHIFT for a in v)
        if not self.axis_known:
            return x, y, z
        ax, ay, az = (int(a) for a in self.axis)
        c = (x * ax + y * ay + z * az) >> 14
        return x - ((c * ax) >> 14), y - ((c * ay) >> 14), z - ((c * az) >> 14)

    @staticmethod
    def _angle_over(p: tuple[int, int, int], q: tuple[int, int, int], num: int, den: int) -> bool:
        """True when the angle between p and q exceeds acos(sqrt(num / den)) (<= 90 deg)."""
        dot = p[0] * q[0] + p[1] * q[1] + p[2] * q[2]
        if dot <= 0:
            return True
        pp = p[0] * p[0] + p[1] * p[1] + p[2] * p[2]
        qq = q[0] * q[0] + q[1] * q[1] + q[2] * q[2]
        return den * dot * dot < num * pp * qq

    def _posture_epoch(self, e: int, g: NDArray[np.int32], act: int) -> None:
        cfg = self.config
        active = act > self.walk_u
        # shank axis from walking bouts
        if active:
            self.walk_run += 1
            if self.walk_run < cfg.walk_min_epochs:
                self.walk_sum += g
            elif self.walk_run == cfg.walk_min_epochs:
                self.axis_acc += self.walk_sum.astype(np.int64) + g
            else:
                self.axis_acc += g
        else:
            if self.walk_run >= cfg.walk_min_epochs and self.axis_known != 2:
                v = [int(a) for a in self.axis_acc]
                norm = math.isqrt(sum(a * a for a in v))
                if norm:
                    self.axis[:] = [trunc_div(a << 14, norm) for a in v]
                    self.axis_known = 1
            self.walk_run = 0
            self.walk_sum[:] = 0
        # lying (raw) and its 5-epoch majority, 2 epochs late
        lying = 0
        if self.axis_known:
            gi = [int(a) >> _DIR_SHIFT for a in g]
            dot = sum(gi[i] * int(self.axis[i]) for i in range(3)) >> 14
            gg = gi[0] * gi[0] + gi[1] * gi[1] + gi[2] * gi[2]
            lying = int(2 * dot * dot < gg and self.walk_run < cfg.walk_min_epochs)
        self.lie_bits = ((self.lie_bits << 1) | lying) & 0x1F
        walking = self.walk_run >= cfg.walk_min_epochs
        self.act_bits = ((self.act_bits << 1) | int(walking)) & 0x1F
        smooth = int(self.lie_bits.bit_count() >= 3)
        self._bout_epoch(e - 2, smooth, (self.act_bits >> 2) & 1)
        # stable stretches and turn-overs
        ok = int(lying and act < self.quiet_ep_u)
        gp = self._perp(g)
        if (
            ok
            and self.prev_ok
            and not self._angle_over(gp, self._perp(self.prev_g), _DEG10_NUM, _DEG10_DEN)
        ):
            if self.st_len == 0:
                self.st_start = e - 1
                self.st_len = 1
                self.st_dir[:] = self.prev_g >> _DIR_SHIFT
            self.st_len += 1
            if self.st_len <= 3:
                self.st_dir += g >> _DIR_SHIFT
            if self.st_len == 3:
                new = self._perp(self.st_dir << _DIR_SHIFT)
                if self.have_last and not self.broken:
                    old = self._perp(self.last_dir << _DIR_SHIFT)
                    if self._angle_over(new, old, self.turn_num, self.turn_den):
                        b = self.block_n
                        start = self.last_end * b
                        self._out.append(
                            BandEvent(KIND_POSTURE, start, self.st_start * b - start, 0)
                        )
                if not self.have_ref and self.axis_known:
                    self.ref[:] = new
                    self.have_ref = 1
            if self.st_len >= 3:
                self.last_dir[:] = (self.prev_g + g) >> _DIR_SHIFT
                self.last_end = e + 1
                self.have_last = 1
                self.broken = 0
        else:
            self.st_len = 0
        self.prev_ok = ok
        self.prev_g[:] = g
        self.posture = self._label(lying, gp)

    def _label(self, lying: int, gp: tuple[int, int, int]) -> int:
        if not self.axis_known:
            return POSTURE_CODES["unknown"]
        if not lying:
            return POSTURE_CODES["upright"]
        if not self.have_ref:
            return POSTURE_CODES["unknown"]
        r = [int(a) for a in self.ref]
        a = [int(v) for v in self.axis]
        y = (  # a x r, across the shank: the "left" direction of the band's convention
            (a[1] * r[2] - a[2] * r[1]) >> 14,
            (a[2] * r[0] - a[0] * r[2]) >> 14,
            (a[0] * r[1] - a[1] * r[0]) >> 14,
        )
        c = gp[0] * r[0] + gp[1] * r[1] + gp[2] * r[2]
        s = gp[0] * y[0] + gp[1] * y[1] + gp[2] * y[2]
        if abs(s) <= abs(c):
            return POSTURE_CODES["supine"] if c > 0 else POSTURE_CODES["prone"]
        return POSTURE_CODES["left"] if s > 0 else POSTURE_CODES["right"]

    def _bout_epoch(self, e: int, lying: int, walking: int) -> None:
        if e < 0:
            return
        cfg = self.config
        b = self.block_n
        if self.in_bed:
            if lying:
                self.gap = 0
            else:
                self.gap += 1
                if self.gap >= cfg.max_gap_epochs or walking:
                    self._out.append(BandEvent(KIND_OUT_OF_BED, (e - self.gap + 1) * b, 0, 0))
                    self.in_bed = 0
                    self.broken = 1  # no turn-over across a bed exit
                    self.cand_len = 0
                    self.gap = 0
        elif lying:
            if self.cand_len > 0:
                self.cand_len += self.gap + 1
            else:
                self.cand_start = e
                self.cand_len = 1
            self.gap = 0
            if self.cand_len >= cfg.min_bout_epochs:
                self._out.append(BandEvent(KIND_IN_BED, self.cand_start * b, 0, 0))
                self.in_bed = 1
                self.cand_len = 0
        elif self.cand_len > 0:
            self.gap += 1
            if self.gap >= cfg.max_gap_epochs or walking:
                self.cand_len = 0
                self.gap = 0
