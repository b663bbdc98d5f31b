"""The pipeline's state, allocated once: :class:`PipelineState` and its memory and cycle budgets.

Every piece of state of the on-device pipeline is made in :meth:`PipelineState.__init__`: fixed-
size numpy arrays and plain ints, nothing grows. The integer constants derived from the
:class:`~firmware_host.processing.config.PipelineConfig` (a C port has them as ``#define``) are
set there too. :meth:`PipelineState.state_layout` declares the state as C would,
:meth:`PipelineState.ops_per_sample` counts the per-sample cost. The stages that work on this
state are the mixins :class:`~firmware_host.processing.lm_rules.LegMovementRules` and
:class:`~firmware_host.processing.posture.PostureRules`, joined by
:class:`~firmware_host.processing.pipeline.Pipeline`.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from firmware_host.processing.config import (
    ENV_LAG,
    ENVELOPE_N,
    FLOOR_BLOCKS,
    GRAVITY_N,
    Q_LAG,
    Q_LOUD,
    TAP_SHIFT,
    PipelineConfig,
)
from firmware_host.processing.integer_filters import bandpass_taps, trunc_div
from firmware_host.processing.outputs import BandEvent, MinuteSummary

__all__ = ["LM_ACTIVE", "LM_IDLE", "PipelineState"]

LM_IDLE: Final = 0
"""State of the LM state machine between movements."""
LM_ACTIVE: Final = 1
"""State of the LM state machine inside a movement."""


def _samples_for(duration_s: float, fw: float, *, odd: bool = False) -> int:
    n = max(1, math.ceil(duration_s * fw - 1e-9))
    if odd and n % 2 == 0:
        n += 1
    return n


class PipelineState:
    """The state of the on-device pipeline and the integer constants it runs with.

    Parameters
    ----------
    fs_hz : float
        Sample rate (Hz); the working rate ``fs_hz / floor(fs_hz / 20)`` must be 20-32 Hz.
    lsb_g : float
        g per count.
    config : PipelineConfig, optional

    Raises
    ------
    ValueError
        For a rate or an ``lsb_g`` the pipeline cannot run at.
    """

    def __init__(self, fs_hz: float, lsb_g: float, config: PipelineConfig | None = None) -> None:
        cfg = config or PipelineConfig()
        if not (math.isfinite(fs_hz) and 20.0 <= fs_hz <= 2000.0):
            raise ValueError(f"fs_hz must be 20..2000 Hz; got {fs_hz!r}")
        if not (math.isfinite(lsb_g) and 0 < lsb_g < 0.1):
            raise ValueError(f"lsb_g must be in (0, 0.1) g; got {lsb_g!r}")
        self.config = cfg
        self.fs_hz = float(fs_hz)
        self.lsb_g = float(lsb_g)
        k = max(1, math.floor(fs_hz / 20.0 + 1e-9))
        self.k = k
        self.fw = fs_hz / k
        if not 20.0 - 1e-9 <= self.fw <= 32.0 + 1e-9:
            raise ValueError(f"working rate {self.fw:g} Hz is outside 20..32 Hz (fs {fs_hz:g})")
        self.shift = k.bit_length() - 1
        mg_per_w = lsb_g * 1000.0 * (1 << self.shift) / k  # mg per working-sample unit
        #: fractional bits kept after the band-pass, so that an envelope unit is ~0.25 mg
        self.frac = min(4, max(0, round(math.log2(mg_per_w / 0.25))))
        self.d_shift = TAP_SHIFT - self.frac
        #: mg per envelope unit (float, used only to set the integer constants below)
        self.mg_per_unit = mg_per_w / (1 << self.frac)
        mpu = self.mg_per_unit
        # integer constants (a C port has them as #defines)
        self.block_n = round(self.fw)
        self.quiet_n = _samples_for(cfg.quiet_s, self.fw)
        # the host adds the envelope's length: the average widens every event by it
        self.min_n = _samples_for(cfg.min_duration_s + cfg.envelope_s, self.fw)
        self.morph_n = _samples_for(cfg.morphology_s, self.fw, odd=True)
        self.morph_need = self.morph_n // 2 + 1
        self.long_n = round(cfg.long_s * self.fw)
        self.onset_min_u = max(1, round(cfg.onset_min_mg / mpu))
        self.floor_min_u = max(1, round(cfg.floor_min_mg / mpu))
        self.walk_u = round(cfg.walk_min_mg / mpu)
        self.quiet_ep_u = round(cfg.quiet_epoch_mg / mpu)
        self.mg_q16 = round(mpu * 65536)  # mg = (units * mg_q16) >> 16
        c = math.cos(math.radians(cfg.turnover_min_deg))
        self.turn_num, self.turn_den = round(c * c * 1000), 1000
        self.env_delay = ENV_LAG  # env sample j is made with working sample j + 3

        # ---- state: fixed-size arrays and scalars (see state_layout) ----
        self.dec_acc = np.zeros(3, np.int32)
        self.dec_n = 0
        self.hist = np.zeros((GRAVITY_N, 3), np.int32)  # working samples, ring
        self.hist_pos = 0
        #: Q14 band-pass taps (a const table in flash in C, not state)
        self.taps = bandpass_taps(self.fw, GRAVITY_N)
        self._taps64 = self.taps.astype(np.int64)
        self.mag_ring = np.zeros(ENVELOPE_N, np.uint16)
        self.mag_pos = 0
        self.mag_sum = 0
        self.n_work = 0  # working samples seen (u32)
        self.n_env = 0  # envelope samples made (u32)
        # block (1 s) accumulators
        self.blk_n = 0
        self.blk_env = 0  # u32
        self.blk_grav = np.zeros(3, np.int32)
        self.floor_ring = np.zeros(FLOOR_BLOCKS, np.uint16)
        self.floor_pos = 0
        self.n_push = 0  # block means pushed (padding included)
        self.delay_n = (FLOOR_BLOCKS // 2) * self.block_n
        self.env_ring = np.zeros(self.delay_n, np.uint16)  # the envelope of the last 30 s
        self.ring_pos = 0
        # quiet envelope (offsets): forward magnitudes of the last GRAVITY_N samples, the
        # 5-sample ring of qraw, and a delay line bringing q[j] to the LM rules with env[j]
        self.fmag_ring = np.zeros(GRAVITY_N, np.uint16)
        self.qraw_ring = np.zeros(ENVELOPE_N, np.uint16)
        self.qraw_pos = 0
        self.qraw_sum = 0  # u32
        self.q_len = self.delay_n - (Q_LAG - ENV_LAG)
        self.q_ring = np.full(self.q_len, Q_LOUD, np.uint8)
        self.q_pos = 0
        self.have_floor = 0
        self.floor_u = 0
        self.on_u = 0
        self.off_u = 0
        # LM state machine
        self.state = LM_IDLE
        self.onset = 0
        self.qstart = 0
        self.quiet = 0
        self.morph = 0
        self.morph_q = 0
        self.peak = 0
        self.sbits = 0
        self.qrun = 0  # quiet-envelope run inside the current LM
        self.qfound = 0  # its reported offset is known
        self.qoff = 0
        # posture
        self.axis = np.zeros(3, np.int32)  # Q14
        self.axis_known = 0
        if cfg.shank_axis_q14 is not None:
            v = [int(a) for a in cfg.shank_axis_q14]
            norm = math.isqrt(sum(a * a for a in v))
            self.axis[:] = [trunc_div(a << 14, norm) for a in v]
            self.axis_known = 2  # given: never relearned
        self.axis_acc = np.zeros(3, np.int64)
        self.walk_run = 0
        self.walk_sum = np.zeros(3, np.int32)
        self.lie_bits = 0  # last 5 raw lying decisions (bit 0 newest)
        self.act_bits = 0  # last 5 "active" decisions
        self.in_bed = 0
        self.cand_start = 0
        self.cand_len = 0
        self.gap = 0
        self.prev_g = np.zeros(3, np.int32)
        self.prev_ok = 0
        self.st_len = 0
        self.st_start = 0
        self.st_dir = np.zeros(3, np.int32)  # sum of the first 3 epochs of the current stretch
        self.last_dir = np.zeros(3, np.int32)  # latest epochs of the last confirmed stretch
        self.last_end = 0
        self.have_last = 0
        self.broken = 1
        self.ref = np.zeros(3, np.int32)  # supine reference across the axis
        self.have_ref = 0
        self.posture = 0
        # minute summary
        self.min_blocks = 0
        self.min_act = 0  # u32
        self.min_max = 0
        self.min_still = 0
        self.min_lm = 0
        self.minute = 0
        self._out: list[BandEvent | MinuteSummary] = []  # output queue, drained every call

    # ------------------------------------------------------------------ budgets

    def state_layout(self) -> list[tuple[str, str, int]]:
        """The pipeline state as C would declare it: ``(name, ctype, bytes)``.

        Arrays count their ``nbytes``; scalars their declared C type (``u8`` flags and small
        counters, ``u16``/``i16`` thresholds and samples, ``u32``/``i32`` sums and sample
        indices).
        """
        arrays = [(name, getattr(self, name)) for name in _STATE_ARRAYS]
        out = [(name, f"{a.dtype.name}[{a.size}]", int(a.nbytes)) for name, a in arrays]
        sizes = {"u8": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4}
        out += [(name, ctype, sizes[ctype]) for name, ctype in _STATE_SCALARS]
        return out

    def state_bytes(self) -> int:
        """Bytes of pipeline state (:meth:`state_layout` summed); the budget is 4096."""
        return sum(b for _, _, b in self.state_layout())

    def ops_per_sample(self) -> dict[str, float]:
        """Integer operations per input sample, counted statically on the worst code path.

        Classes: ``mac`` (multiply-accumulate, one cycle on a Cortex-M4), ``mul``, ``add``
        (add/sub), ``shift``, ``cmp`` (compare and branch), ``load_store`` (array accesses).
        Per input sample: the decimation sums (3 add, 3 load, 1 cmp). Per working sample
        (divided by ``k``): the FIR, 3 x ``GRAVITY_N`` MACs with their loads, one ring store;
        rounding (add, shift) and clamp (2 cmp) per axis; squares (3 mac); the square root of a
        u32 by the bitwise method (16 iterations of add, shift, cmp, sub) and its rounding (mul,
        sub, cmp, add); the envelope ring (add, sub, load, store, cmp) and ``/5`` (add, mul,
        shift); the 30-s delay ring (load, store, cmp); block accumulators (4 add, cmp); the LM
        state machine's worst path (shift, or, and, 6 cmp, 3 add, popcount as 10 shift/add).
        The quiet envelope (offsets), per working sample: the reversed FIR (3 x ``GRAVITY_N``
        MACs and loads), its rounding, clamp, squares and square root as above, the forward
        magnitude ring (store, load, and), the minimum (cmp), its 5-sample ring and ``/5`` (2
        add, mul, shift, 2 load/store, cmp), saturation to u8 (cmp), the delay line (load,
        store, cmp) and the quiet-run counter of the LM rules (2 cmp, 2 add, shift, 3 cmp).
        Per block (divided by ``k * block_n``): the percentile by selection on a copy of the 60
        block means (60 load/store, ~120 cmp), thresholds (~10), posture (~40 mul, 40 add, 20
        cmp) and the summary (~10).

        Returns
        -------
        dict of str to float
            Operations per input sample by class, and ``total``.
        """
        nt = GRAVITY_N
        per_raw = {"mac": 0, "mul": 0, "add": 3, "shift": 0, "cmp": 1, "load_store": 3}
        fir_mag = {  # one band-pass FIR and its magnitude (forward, or reversed in time)
            "mac": 3 * nt + 3,
            "mul": 1,
            "add": 3 + 2 * 16 + 2,
            "shift": 3 + 16,
            "cmp": 3 * 2 + 16 + 1,
            "load_store": 3 * nt,
        }
        per_work = {
            "mac": 2 * fir_mag["mac"],
            "mul": 2 * fir_mag["mul"] + 1 + 1,
            "add": 2 * fir_mag["add"] + 2 + 1 + 1 + 4 + 3 + 5 + 2 + 2,
            "shift": 2 * fir_mag["shift"] + 1 + 1 + 5 + 1 + 1,
            "cmp": 2 * fir_mag["cmp"] + 1 + 1 + 1 + 6 + 1 + 1 + 1 + 1 + 5,
            "load_store": 2 * fir_mag["load_store"] + 3 + 2 + 2 + 2 + 2 + 2,
        }
        per_block = {"mac": 0, "mul": 40, "add": 50, "shift": 10, "cmp": 150, "load_store": 70}
        out: dict[str, float] = {}
        for c in per_raw:
            out[c] = per_raw[c] + per_work[c] / self.k + per_block[c] / (self.k * self.block_n)
        out["total"] = sum(out.values())
        return out

    def _drain(self) -> list[BandEvent | MinuteSummary]:
        out = self._out
        if out:
            self._out = []
        return out

    @property
    def shank_axis(self) -> tuple[float, float, float] | None:
        """The shank axis in use (unit vector), or None while unknown."""
        if not self.axis_known:
            return None
        x, y, z = (int(a) / 16384.0 for a in self.axis)
        return (x, y, z)


_STATE_ARRAYS = (
    "dec_acc", "hist", "env_ring", "fmag_ring", "qraw_ring", "q_ring", "mag_ring", "blk_grav",
    "floor_ring", "axis", "axis_acc", "walk_sum", "prev_g", "st_dir", "last_dir", "ref",
)  # fmt: skip
_STATE_SCALARS = (
    ("dec_n", "u8"), ("hist_pos", "u8"), ("mag_pos", "u8"), ("mag_sum", "u32"),
    ("n_work", "u32"), ("n_env", "u32"), ("blk_n", "u8"), ("blk_env", "u32"),
    ("floor_pos", "u8"), ("n_push", "u32"), ("ring_pos", "u16"), ("have_floor", "u8"),
    ("floor_u", "u32"), ("on_u", "u32"), ("off_u", "u32"), ("state", "u8"), ("onset", "u32"),
    ("qstart", "u32"),
    ("quiet", "u16"), ("morph", "u8"), ("morph_q", "u8"), ("peak", "u16"), ("sbits", "u32"),
    ("axis_known", "u8"), ("walk_run", "u16"), ("lie_bits", "u8"), ("act_bits", "u8"),
    ("in_bed", "u8"), ("cand_start", "u32"), ("cand_len", "u16"), ("gap", "u16"),
    ("prev_ok", "u8"), ("st_len", "u32"), ("st_start", "u32"), ("last_end", "u32"),
    ("have_last", "u8"), ("broken", "u8"), ("have_ref", "u8"), ("posture", "u8"),
    ("min_blocks", "u8"), ("min_act", "u32"), ("min_max", "u16"), ("min_still", "u8"),
    ("min_lm", "u8"), ("minute", "u16"), ("qraw_pos", "u8"), ("qraw_sum", "u32"),
    ("q_pos", "u16"), ("qrun", "u16"), ("qfound", "u8"), ("qoff", "u32"),
)  # fmt: skip
