"""One band's recording of a planned night: the leg drawn on a canvas, then read by the sensor.

:func:`render_band` draws a :class:`~firmware_host.signal_model.timeline.NightPlan` for one leg
(steady segments, transitions, leg movements and twitches), applies the band's orientation on the
leg and the sensor's errors, noise, quantisation and saturation, and returns the counts with the
:class:`~firmware_host.signal_model.truth.GroundTruth`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from firmware_host.signal_model.artefacts import ArtefactIntervals, render_artefact
from firmware_host.signal_model.canvas import LegCanvas
from firmware_host.signal_model.config import NightConfig
from firmware_host.signal_model.lm_waveform import other_leg_variant, render_movement
from firmware_host.signal_model.timeline import NightPlan
from firmware_host.signal_model.truth import (
    GroundTruth,
    Intervals,
    LyingPeriods,
    TrueMovements,
    UprightPeriods,
)
from firmware_host.signal_model.walking import render_walk
from firmware_host.signal_model.waveforms import (
    bandlimited,
    sensor_drift_params,
    sensor_drift_shape,
    smoothstep,
)

__all__ = ["NOISE_BLOCK_SAMPLES", "WINDOW_SAMPLES", "BandStream", "render_band"]

F64 = NDArray[np.float64]
F32 = NDArray[np.float32]


def _rotation_matrix(rng: np.random.Generator, config: NightConfig) -> F64:
    """Columns: sensor axes in the leg frame (strap about x, taper tilt about y, yaw about z)."""
    strap = math.radians(rng.uniform(-config.band_strap_deg_max, config.band_strap_deg_max))
    tilt = math.radians(config.band_tilt_deg_sd * rng.standard_normal())
    yaw = math.radians(rng.uniform(-config.band_yaw_deg_max, config.band_yaw_deg_max))
    cs, ss = math.cos(strap), math.sin(strap)
    ct, st = math.cos(tilt), math.sin(tilt)
    cy, sy = math.cos(yaw), math.sin(yaw)
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cs, -ss], [0.0, ss, cs]])
    ry = np.array([[ct, 0.0, st], [0.0, 1.0, 0.0], [-st, 0.0, ct]])
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    return np.asarray(rx @ ry @ rz, dtype=np.float64)


#: Samples rendered at a time by :class:`BandStream` (about 22 min at 50 Hz).
WINDOW_SAMPLES = 1 << 16
#: Samples per block of sensor noise (each block has its own generator).
NOISE_BLOCK_SAMPLES = 1 << 12
#: Samples between the points at which the slow sensor drift is evaluated (then interpolated).
DRIFT_STEP_SAMPLES = 64
# kinds of the per-item generators (the items' own streams, independent of the window)
_SEGMENT, _TRANSITION, _EVENT, _TWITCH, _NOISE, _ARTEFACT = range(6)


class BandStream:
    """One band's recording of ``plan``, rendered window by window on demand.

    Every random draw belongs to an item (a segment, a transition, a movement, a twitch, a block
    of sensor noise) with its own generator seeded from the band's, so any window is rendered
    the same whatever was rendered before: ``stream[a:b]`` is the same samples as the whole night
    sliced. Memory stays that of a window (and the few segments it touches), whatever the night's
    length.

    Parameters
    ----------
    plan : NightPlan
    config : NightConfig
    rng : numpy.random.Generator
        The band's own generator (orientation, sensor errors, the items' seeds).
    leg : {"L", "R"}

    Attributes
    ----------
    n_samples : int
        ``round(duration_s * fs_hz)``.
    lsb_g, fs_hz : float
    """

    def __init__(
        self, plan: NightPlan, config: NightConfig, rng: np.random.Generator, leg: str
    ) -> None:
        self.plan = plan
        self.config = config
        self.leg = leg
        self.fs_hz = config.fs_hz
        self.lsb_g = config.lsb_g
        self.n_samples = round(config.duration_s * config.fs_hz)
        self._phase0 = 0.0 if leg == "L" else math.pi  # the legs walk half a stride apart
        self._base = int(rng.integers(0, 2**63))
        self.rotation = _rotation_matrix(rng, config)
        self.offset_g = rng.uniform(-1.0, 1.0, 3) * config.offset_mg_max / 1000.0
        self.scale = 1.0 + rng.uniform(-1.0, 1.0, 3) * config.scale_error_max
        self._drift = (
            _Drift(rng, self.n_samples, config.drift_mg / 1000.0) if config.drift_mg > 0.0 else None
        )
        self._bounds = [(self._idx(seg.start_s), self._idx(seg.end_s)) for seg in plan.segments]
        self._starts = np.array([b[0] for b in self._bounds], dtype=np.int64)
        self._steady: dict[int, tuple[F32, F32, F32] | None] = {}
        self._final: dict[int, tuple[F32, F32, F32] | None] = {}
        self._events = [ev for ev in plan.events if ev.leg in (leg, "B")]
        self._twitches = [tw for tw in plan.twitches if tw[2] == leg]
        self._artefacts = [x for x in plan.artefacts if x.legs in (leg, "B")]
        self._artefact_peaks: dict[int, float] = {}
        self._window: tuple[int, NDArray[np.int16]] | None = None
        self._lying: dict[int, tuple[float, float]] = {}
        self._peaks: dict[int, float] = {}  # movement index -> its peak (mg), once drawn

    def _idx(self, t_s: float) -> int:
        """Sample index of time ``t_s`` (s), rounded and clipped to ``0 .. n_samples``."""
        return int(min(max(round(t_s * self.fs_hz), 0), self.n_samples))

    # --- the sample source interface of the simulated band ------------------------------------

    def __len__(self) -> int:
        return self.n_samples

    def __getitem__(self, key: slice) -> NDArray[np.int16]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("a BandStream is read by contiguous slices, stream[first:stop]")
        first, stop, _ = key.indices(self.n_samples)
        return self.read(first, max(first, stop))

    def read(self, first: int, stop: int) -> NDArray[np.int16]:
        """Counts of samples ``[first, stop)``, int16, shape ``(stop - first, 3)``."""
        first, stop = max(0, int(first)), min(self.n_samples, int(stop))
        out = np.empty((max(0, stop - first), 3), dtype=np.int16)
        i = first
        while i < stop:
            w0 = i - i % WINDOW_SAMPLES
            if self._window is None or self._window[0] != w0:
                self._window = (w0, self._render(w0, min(w0 + WINDOW_SAMPLES, self.n_samples)))
            win = self._window[1]
            j = min(stop, w0 + len(win))
            out[i - first : j - first] = win[i - w0 : j - w0]
            i = j
        return out

    # --- items ---------------------------------------------------------------------------------

    def _rng(self, kind: int, index: int) -> np.random.Generator:
        return np.random.default_rng([self._base, kind, index])

    def _lying_pose(self, k: int) -> tuple[float, float]:
        if k not in self._lying:
            seg = self.plan.segments[k]
            rng = self._rng(_SEGMENT, k)
            roll = seg.roll_deg + 4.0 * float(rng.standard_normal())
            incline = seg.incline_deg + 3.0 * float(rng.standard_normal())
            self._lying[k] = (roll, incline)
        return self._lying[k]

    def _steady_arrays(self, k: int) -> tuple[F32, F32, F32] | None:
        """Elevation, roll, linear acceleration of segment ``k`` before transitions (not lying)."""
        if k in self._steady:
            return self._steady[k]
        seg = self.plan.segments[k]
        i0, i1 = self._bounds[k]
        m = i1 - i0
        out: tuple[F32, F32, F32] | None = None
        if seg.kind != "lying" and m > 0:
            fs = self.fs_hz
            canvas = LegCanvas(m, fs)
            rng = self._rng(_SEGMENT, k)
            if seg.kind in ("sit", "rise", "liedown"):
                tilt = float(rng.uniform(0.0, 25.0))
                canvas.elev[:] = 90.0 - tilt
                canvas.roll[:] = float(rng.uniform(-20.0, 20.0))
                if m > 8:
                    canvas.elev += 0.5 * bandlimited(rng, m, fs, 0.05, 0.5, 1)[:, 0]
                    canvas.lin += 0.003 * bandlimited(rng, m, fs, 0.5, 5.0)
            elif seg.kind == "stand":
                canvas.elev[:] = 90.0 - float(rng.uniform(1.0, 5.0))
                canvas.roll[:] = float(rng.uniform(-10.0, 10.0))
                if m > 8:
                    sway = bandlimited(rng, m, fs, 0.05, 0.5, 1)[:, 0]
                    canvas.elev += float(rng.uniform(1.0, 2.0)) * sway
                    canvas.lin += 0.005 * bandlimited(rng, m, fs, 0.5, 5.0)
            elif seg.kind == "walk":
                render_walk(canvas, rng, self.config, 0, m, self._phase0)
            out = (canvas.elev, canvas.roll, canvas.lin)
        if len(self._steady) > 16:
            self._steady.clear()
        self._steady[k] = out
        return out

    def _steady_at(self, i: int) -> tuple[float, float]:
        """Steady elevation and roll at sample ``i`` (deg)."""
        k = int(np.searchsorted(self._starts, i, side="right")) - 1
        while k > 0 and self._bounds[k][0] == self._bounds[k][1]:
            k -= 1  # an empty segment: the one before holds the sample
        k = max(k, 0)
        seg = self.plan.segments[k]
        if seg.kind == "lying":
            roll, incline = self._lying_pose(k)
            return incline, roll
        arrays = self._steady_arrays(k)
        if arrays is None:
            return 0.0, 0.0
        j = min(max(i - self._bounds[k][0], 0), len(arrays[0]) - 1)
        return float(arrays[0][j]), float(arrays[1][j])

    def _final_arrays(self, k: int) -> tuple[F32, F32, F32] | None:
        """Segment ``k`` after its transition (a turn-over, getting up or lying down, a blend)."""
        if k in self._final:
            return self._final[k]
        steady = self._steady_arrays(k)
        if steady is None:
            return None
        elev, roll, lin = (a.copy() for a in steady)
        segs = self.plan.segments
        seg = segs[k]
        i0, i1 = self._bounds[k]
        m, n = i1 - i0, self.n_samples
        fs = self.fs_hz
        prev_kind = segs[k - 1].kind if k > 0 else ""
        j0 = j1 = i0
        if m > 1 and k > 0:
            if seg.kind in ("turn", "rise"):
                j0, j1 = i0, i1
            elif seg.kind == "liedown":
                j0, j1 = i0, min(i1, n - 1)
            elif seg.kind != prev_kind and prev_kind not in ("turn", "rise"):
                j0, j1 = i0, i0 + min(int(1.5 * fs), m // 3)
        if j1 - j0 >= 2 and j0 > 0 and j1 < n:
            rng = self._rng(_TRANSITION, k)
            e0, r0 = self._steady_at(j0 - 1)
            e1, r1 = (
                self._steady_at(j1) if j1 >= i1 else (float(elev[j1 - i0]), float(roll[j1 - i0]))
            )
            dr = (r1 - r0 + 180.0) % 360.0 - 180.0
            if abs(abs(dr) - 180.0) < 1.0:
                dr = 180.0 if rng.random() < 0.5 else -180.0
            s = smoothstep((np.arange(j1 - j0, dtype=np.float32) + 0.5) / np.float32(j1 - j0))
            a, b = j0 - i0, j1 - i0
            if seg.kind in ("turn", "rise", "liedown"):
                lift = float(rng.uniform(5.0, 25.0)) if seg.kind == "turn" else 0.0
                hump = np.clip(np.sin(np.pi * s), 0.0, 1.0).astype(np.float32)
                elev[a:b] = e0 + (e1 - e0) * s + lift * hump
                roll[a:b] = r0 + dr * s
                peak = float(rng.uniform(*self.config.turnover_peak_mg)) / 1000.0
                noise = bandlimited(rng, j1 - j0, fs, 0.3, 5.0)
                dyn = noise * np.sqrt(np.clip(hump, 0.0, 1.0))[:, None]
                dyn *= np.float32(peak / max(float(np.linalg.norm(dyn, axis=1).max()), 1e-9))
                lin[a:b] += dyn
            else:
                elev[a:b] = e0 + (elev[a:b] - e0) * s
                roll[a:b] = r0 + (roll[a:b] - r0) * s
        if len(self._final) > 16:
            self._final.clear()
        self._final[k] = (elev, roll, lin)
        return self._final[k]

    def _movement(self, index: int) -> tuple[int, LegCanvas, float, float, float] | None:
        """Movement ``index`` of this leg on its own canvas: (first sample, canvas, onset, offset,
        peak mg), or ``None`` when it is shorter than two samples."""
        ev = self._events[index]
        rng = self._rng(_EVENT, index)
        onset, offset, peak, bursts = ev.onset_s, ev.offset_s, ev.peak_mg, ev.bursts
        if ev.leg == "B":
            onset, offset, peak, bursts = other_leg_variant(rng, ev, self.leg)
        i0, i1 = self._idx(onset), self._idx(offset)
        if i1 - i0 < 2:
            return None
        canvas = LegCanvas(i1 - i0, self.fs_hz)
        real_peak = render_movement(canvas, rng, 0, i1 - i0, bursts, peak, ev.rotation_deg)
        self._peaks[index] = real_peak
        return i0, canvas, i0 / self.fs_hz, i1 / self.fs_hz, real_peak

    def _twitch(self, index: int) -> tuple[int, LegCanvas] | None:
        t0, t1, _leg = self._twitches[index]
        i0, i1 = self._idx(t0), self._idx(t1)
        if i1 - i0 < 2:
            return None
        rng = self._rng(_TWITCH, index)
        canvas = LegCanvas(i1 - i0, self.fs_hz)
        peak = float(rng.uniform(15.0, 80.0))
        render_movement(canvas, rng, 0, i1 - i0, [(0.0, (i1 - i0) / self.fs_hz)], peak, 0.3)
        return i0, canvas

    def _artefact(self, index: int) -> tuple[int, LegCanvas] | None:
        art = self._artefacts[index]
        i0, i1 = self._idx(art.onset_s), self._idx(art.offset_s)
        if i1 - i0 < 2:
            return None
        canvas = LegCanvas(i1 - i0, self.fs_hz)
        self._artefact_peaks[index] = render_artefact(
            canvas, self._rng(_ARTEFACT, index), art, self.config
        )
        return i0, canvas

    # --- a window ------------------------------------------------------------------------------

    def _render(self, w0: int, w1: int) -> NDArray[np.int16]:
        """Counts of samples ``[w0, w1)``: the leg drawn, then read by the sensor."""
        config = self.config
        n = w1 - w0
        win = LegCanvas(n, self.fs_hz)
        first_k = max(int(np.searchsorted(self._starts, w0, side="right")) - 1, 0)
        for k in range(first_k, len(self._bounds)):
            i0, i1 = self._bounds[k]
            if i0 >= w1:
                break
            a, b = max(i0, w0), min(i1, w1)
            if b <= a:
                continue
            if self.plan.segments[k].kind == "lying":
                roll, incline = self._lying_pose(k)
                win.elev[a - w0 : b - w0] = incline
                win.roll[a - w0 : b - w0] = roll
                continue
            arrays = self._final_arrays(k)
            if arrays is not None:
                win.elev[a - w0 : b - w0] = arrays[0][a - i0 : b - i0]
                win.roll[a - w0 : b - w0] = arrays[1][a - i0 : b - i0]
                win.lin[a - w0 : b - w0] = arrays[2][a - i0 : b - i0]
        pad_s = 60.0  # a movement or twitch lasts at most 30 s
        t0, t1 = w0 / self.fs_hz - pad_s, w1 / self.fs_hz + pad_s
        for index, ev in enumerate(self._events):
            if t0 <= ev.onset_s <= t1:
                moved = self._movement(index)
                if moved is not None:
                    _add(win, w0, moved[0], moved[1])
        for index, (a_s, _b_s, _leg) in enumerate(self._twitches):
            if t0 <= a_s <= t1:
                tw = self._twitch(index)
                if tw is not None:
                    _add(win, w0, tw[0], tw[1])
        for index, art in enumerate(self._artefacts):  # each at most 20 s
            if t0 <= art.onset_s <= t1:
                drawn = self._artefact(index)
                if drawn is not None:
                    _add(win, w0, drawn[0], drawn[1])
        # physics -> sensor
        e = np.radians(win.elev)
        r = np.radians(win.roll)
        ce = np.cos(e)
        f_leg = win.lin
        f_leg[:, 0] += np.sin(e)
        f_leg[:, 1] += ce * np.sin(r)
        f_leg[:, 2] += ce * np.cos(r)
        f_sensor = f_leg @ self.rotation.astype(np.float32)
        f_sensor *= self.scale.astype(np.float32)
        f_sensor += self.offset_g.astype(np.float32)
        if self._drift is not None:
            f_sensor += self._drift.values(w0, w1)
        f_sensor += self._noise(w0, w1) * np.float32(config.noise_mg / 1000.0)
        f_sensor *= np.float32(1.0 / config.lsb_g)
        full = 2 ** (config.resolution_bits - 1)
        np.rint(f_sensor, out=f_sensor)
        np.clip(f_sensor, -full, full - 1, out=f_sensor)
        return f_sensor.astype(np.int16)

    def _noise(self, w0: int, w1: int) -> F32:
        """Unit white noise of samples ``[w0, w1)`` (one generator per block of samples)."""
        block = NOISE_BLOCK_SAMPLES
        b0, b1 = w0 // block, -(-w1 // block)
        parts = [
            self._rng(_NOISE, b).standard_normal((block, 3), dtype=np.float32)
            for b in range(b0, b1)
        ]
        noise = np.concatenate(parts) if parts else np.zeros((0, 3), np.float32)
        return noise[w0 - b0 * block : w1 - b0 * block]

    # --- the truth -----------------------------------------------------------------------------

    def truth(self) -> GroundTruth:
        """The ground truth of this band's night (movements rendered once each for their peaks)."""
        fs = self.fs_hz
        plan = self.plan
        mv_rows: list[tuple[float, float, float, str, int, bool]] = []
        for index, ev in enumerate(self._events):
            rng = self._rng(_EVENT, index)
            onset, offset = ev.onset_s, ev.offset_s
            if ev.leg == "B":
                onset, offset, _, _ = other_leg_variant(rng, ev, self.leg)
            i0, i1 = self._idx(onset), self._idx(offset)
            if i1 - i0 < 2:
                continue
            if index not in self._peaks:
                self._movement(index)
            mv_rows.append(
                (i0 / fs, i1 / fs, self._peaks[index], ev.kind, ev.series_id, ev.leg == "B")
            )
        mv_rows.sort()
        tw_rows: list[tuple[float, float]] = []
        for t0, t1, _leg in self._twitches:
            i0, i1 = self._idx(t0), self._idx(t1)
            if i1 - i0 >= 2:
                tw_rows.append((i0 / fs, i1 / fs))
        art_rows: list[tuple[float, float, str, float]] = []
        for index, art in enumerate(self._artefacts):
            i0, i1 = self._idx(art.onset_s), self._idx(art.offset_s)
            if i1 - i0 < 2:
                continue
            if index not in self._artefact_peaks:
                self._artefact(index)
            art_rows.append((i0 / fs, i1 / fs, art.kind, self._artefact_peaks[index]))
        lying_truth: list[tuple[float, float, str, float, float]] = []
        upright_truth: list[tuple[float, float, str]] = []
        for k, seg in enumerate(plan.segments):
            i0, i1 = self._bounds[k]
            if seg.kind == "lying":
                roll, incline = self._lying_pose(k)
                lying_truth.append((i0 / fs, i1 / fs, seg.posture, roll, incline))
            elif seg.kind in ("sit", "stand", "walk", "rise", "liedown"):
                name = {"stand": "standing", "walk": "walking"}.get(seg.kind, "sitting")
                if (
                    upright_truth
                    and upright_truth[-1][2] == name
                    and upright_truth[-1][1] == i0 / fs
                ):
                    upright_truth[-1] = (upright_truth[-1][0], i1 / fs, name)
                else:
                    upright_truth.append((i0 / fs, i1 / fs, name))
        return GroundTruth(
            movements=TrueMovements(
                onset_s=np.array([m[0] for m in mv_rows], dtype=np.float64),
                offset_s=np.array([m[1] for m in mv_rows], dtype=np.float64),
                peak_mg=np.array([m[2] for m in mv_rows], dtype=np.float64),
                kind=np.array([m[3] for m in mv_rows], dtype="<U8"),
                series_id=np.array([m[4] for m in mv_rows], dtype=np.int64),
                bilateral=np.array([m[5] for m in mv_rows], dtype=np.bool_),
            ),
            posture_changes=Intervals(
                onset_s=np.array([_on_grid(a, fs) for a, _ in plan.turnovers], dtype=np.float64),
                offset_s=np.array([_on_grid(b, fs) for _, b in plan.turnovers], dtype=np.float64),
            ),
            twitches=Intervals(
                onset_s=np.array([a for a, _ in tw_rows], dtype=np.float64),
                offset_s=np.array([b for _, b in tw_rows], dtype=np.float64),
            ),
            lying=_lying_periods(lying_truth, plan, fs),
            artefacts=ArtefactIntervals(
                onset_s=np.array([r[0] for r in art_rows], dtype=np.float64),
                offset_s=np.array([r[1] for r in art_rows], dtype=np.float64),
                kind=np.array([r[2] for r in art_rows], dtype="<U8"),
                peak_mg=np.array([r[3] for r in art_rows], dtype=np.float64),
            ),
            upright=UprightPeriods(
                start_s=np.array([u[0] for u in upright_truth], dtype=np.float64),
                end_s=np.array([u[1] for u in upright_truth], dtype=np.float64),
                walking=np.array([u[2] == "walking" for u in upright_truth], dtype=np.bool_),
                posture=np.array([u[2] for u in upright_truth], dtype="<U8"),
            ),
            shank_axis=self.rotation[0].copy(),
            rotation=self.rotation,
            offset_g=self.offset_g,
            scale=self.scale,
            drift_peak_g=0.0 if self._drift is None else self._drift.peak_g,
            leg="left" if self.leg == "L" else "right",
        )


class _Drift:
    """The sensor's slow offset drift on any range of samples (zero mean over the night).

    The drift turns at most twice a night: it is evaluated every :data:`DRIFT_STEP_SAMPLES`
    samples once, and interpolated linearly in between.
    """

    def __init__(self, rng: np.random.Generator, n: int, peak_g: float) -> None:
        params = sensor_drift_params(rng)
        self._grid = np.unique(np.append(np.arange(0, n, DRIFT_STEP_SAMPLES), max(n - 1, 0)))
        coarse = sensor_drift_shape(params, self._grid, n)
        coarse -= coarse.mean(axis=0)
        self._coarse = coarse * peak_g
        self.peak_g = float(np.abs(self._coarse).max()) if n else 0.0

    def values(self, a: int, b: int) -> F32:
        """Drift of samples ``[a, b)``, g, float32 (n, 3)."""
        index = np.arange(a, b, dtype=np.float64)
        out = np.empty((b - a, 3), dtype=np.float32)
        for axis in range(3):
            out[:, axis] = np.interp(index, self._grid, self._coarse[:, axis])
        return out


def _add(win: LegCanvas, w0: int, i0: int, item: LegCanvas) -> None:
    """Add an item drawn on its own canvas (from sample ``i0``) to the window from ``w0``."""
    a, b = max(i0, w0), min(i0 + item.n, w0 + win.n)
    if b <= a:
        return
    win.elev[a - w0 : b - w0] += item.elev[a - i0 : b - i0]
    win.roll[a - w0 : b - w0] += item.roll[a - i0 : b - i0]
    win.lin[a - w0 : b - w0] += item.lin[a - i0 : b - i0]


def render_band(
    plan: NightPlan,
    config: NightConfig,
    rng: np.random.Generator,
    leg: str,
) -> tuple[NDArray[np.int16], GroundTruth]:
    """Draw ``plan`` on one leg and read it with that leg's band: the whole night at once.

    The same samples as :class:`BandStream` (window by window) for the same generator.

    Parameters
    ----------
    plan : NightPlan
    config : NightConfig
    rng : numpy.random.Generator
        The band's own generator (orientation, sensor errors, noise, per-leg variation).
    leg : {"L", "R"}

    Returns
    -------
    counts : ndarray of int16, shape (n, 3)
        Sensor counts, ``n = round(duration_s * fs_hz)``.
    truth : GroundTruth
    """
    stream = BandStream(plan, config, rng, leg)
    return stream.read(0, stream.n_samples), stream.truth()


def _on_grid(t_s: float, fs_hz: float) -> float:
    """``t_s`` rounded to the sample grid (s)."""
    return round(t_s * fs_hz) / fs_hz


def _lying_periods(
    rows: list[tuple[float, float, str, float, float]], plan: NightPlan, fs: float
) -> LyingPeriods:
    """Lying periods meeting at the middle of the turn-overs between them."""
    starts = np.array([r[0] for r in rows], dtype=np.float64)
    ends = np.array([r[1] for r in rows], dtype=np.float64)
    for a, b in plan.turnovers:
        mid = _on_grid(0.5 * (a + b), fs)
        ta, tb = _on_grid(a, fs), _on_grid(b, fs)
        ends[np.isclose(ends, ta, rtol=0.0, atol=1e-6)] = mid
        starts[np.isclose(starts, tb, rtol=0.0, atol=1e-6)] = mid
    return LyingPeriods(
        start_s=starts,
        end_s=ends,
        posture=np.array([r[2] for r in rows], dtype="<U8"),
        roll_deg=np.array([r[3] for r in rows], dtype=np.float64),
        incline_deg=np.array([r[4] for r in rows], dtype=np.float64),
    )
