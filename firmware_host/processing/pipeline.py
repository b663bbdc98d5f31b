"""The on-device pipeline: :class:`Pipeline`, int16 counts in, events and minute summaries out.

It joins the stages on the :class:`~firmware_host.processing.state.PipelineState`: decimation,
band-pass, envelope and quiet envelope (stages 1-3 and 6a) per sample
(:meth:`Pipeline.process_sample`, the firmware's interrupt work) or per block, vectorised and
exactly equivalent (:meth:`Pipeline.process_block`); once per 1-s block the noise floor, the
posture stages and the minute summary (``_end_of_block``); the LM rules of
:class:`~firmware_host.processing.lm_rules.LegMovementRules` and the posture rules of
:class:`~firmware_host.processing.posture.PostureRules`; and the end of a recording
(:meth:`Pipeline.flush`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from firmware_host.processing.config import (
    ENV_LAG,
    ENVELOPE_N,
    EPOCH_SHIFT,
    FLOOR_BLOCKS,
    FLOOR_FRAC,
    GRAVITY_N,
    Q_LAG,
    Q_LOUD,
)
from firmware_host.processing.integer_filters import isqrt_u32
from firmware_host.processing.lm_rules import LegMovementRules
from firmware_host.processing.outputs import BandEvent, MinuteSummary
from firmware_host.processing.posture import PostureRules
from firmware_host.processing.state import LM_ACTIVE
from firmware_host.protocol.codes import KIND_OUT_OF_BED

__all__ = ["Pipeline"]

_MAG_MAX = 50000  # magnitudes are clamped so that ((sum + 2) * _DIV5) >> 18 == (sum + 2) // 5
_DIV5 = 52429  # ceil(2**18 / 5)


class Pipeline(LegMovementRules, PostureRules):
    """The on-device pipeline: int16 counts in, events and minute summaries out.

    Parameters
    ----------
    fs_hz : float
        Sample rate (Hz); the working rate ``fs_hz / floor(fs_hz / 20)`` must be 20-32 Hz
        (e.g. 25, 50, 100, 200 Hz).
    lsb_g : float
        g per count.
    config : PipelineConfig, optional

    Raises
    ------
    ValueError
        For a rate or an ``lsb_g`` the pipeline cannot run at.

    Examples
    --------
    >>> import numpy as np
    >>> pipe = Pipeline(50.0, 2.0**-12)
    >>> still = np.tile(np.int16([0, 0, 4096]), (50 * 20, 1))
    >>> pipe.process_block(still)
    []
    >>> pipe.state_bytes() <= 4096
    True
    """

    # ------------------------------------------------------------------ per-sample path

    def process_sample(self, x: int, y: int, z: int) -> list[BandEvent | MinuteSummary]:
        """Feed one sample of int16 counts (the firmware's per-sample interrupt work).

        Returns
        -------
        list
            Events and summaries completed by this sample (usually empty).
        """
        acc = self.dec_acc
        acc[0] += x
        acc[1] += y
        acc[2] += z
        self.dec_n += 1
        if self.dec_n == self.k:
            s = self.shift
            w = (int(acc[0]) >> s, int(acc[1]) >> s, int(acc[2]) >> s)
            acc[:] = 0
            self.dec_n = 0
            self._work(w)
        return self._drain()

    def _work(self, w: tuple[int, int, int]) -> None:
        hist = self.hist
        if self.n_work == 0:
            hist[:] = w
        p = self.hist_pos
        hist[p] = w
        p = (p + 1) & (GRAVITY_N - 1)
        self.hist_pos = p
        d2 = 0
        order = (p - 1 - np.arange(GRAVITY_N)) & (GRAVITY_N - 1)  # newest first
        accs = self._taps64 @ hist[order].astype(np.int64)  # 3 x 64 MACs, int32 in C
        for a in range(3):
            acc = int(accs[a])
            d = (acc + (1 << (self.d_shift - 1))) >> self.d_shift  # rounded
            d = -32767 if d < -32767 else (32767 if d > 32767 else d)
            d2 += d * d
        r = math.isqrt(d2)
        m = min(r + (d2 - r * r > r), _MAG_MAX)  # rounded square root
        mp = self.mag_pos
        self.mag_sum += m - int(self.mag_ring[mp])
        self.mag_ring[mp] = m
        self.mag_pos = 0 if mp + 1 == ENVELOPE_N else mp + 1
        env = ((self.mag_sum + 2) * _DIV5) >> 18  # round(sum / 5)
        n = self.n_work
        self.fmag_ring[n & (GRAVITY_N - 1)] = m
        qd = Q_LOUD  # q[n - 3 - delay_n], for the LM rules
        if n >= GRAVITY_N - 1:
            # reversed FIR at t = n - 63 over w[t .. n], oldest first (p is the oldest)
            fwd_order = (p + np.arange(GRAVITY_N)) & (GRAVITY_N - 1)
            baccs = self._taps64 @ hist[fwd_order].astype(np.int64)  # 3 x 64 MACs
            b2 = 0
            for a in range(3):
                d = (int(baccs[a]) + (1 << (self.d_shift - 1))) >> self.d_shift
                d = -32767 if d < -32767 else (32767 if d > 32767 else d)
                b2 += d * d
            r = math.isqrt(b2)
            bm = min(r + (b2 - r * r > r), _MAG_MAX)
            fm = int(self.fmag_ring[(n - (GRAVITY_N - 3)) & (GRAVITY_N - 1)])  # fwd at n - 61
            qraw = bm if bm < fm else fm  # qraw[n - 62]
            qp = self.qraw_pos
            self.qraw_sum += qraw - int(self.qraw_ring[qp])
            self.qraw_ring[qp] = qraw
            self.qraw_pos = 0 if qp + 1 == ENVELOPE_N else qp + 1
            jq = n - Q_LAG  # q[jq] = round(mean of qraw[jq - 2 .. jq + 2])
            if jq >= 0:
                q = ((self.qraw_sum + 2) * _DIV5) >> 18
                q = Q_LOUD if jq < ENVELOPE_N // 2 + 1 or q > Q_LOUD else q
                qpos = self.q_pos
                qd = int(self.q_ring[qpos])  # q[jq - q_len] = q[n - 3 - delay_n]
                self.q_ring[qpos] = q
                self.q_pos = 0 if qpos + 1 == self.q_len else qpos + 1
        j = n - self.env_delay
        self.n_work += 1
        if j >= 0:
            g_at = hist[(p - 1 - ENV_LAG) & (GRAVITY_N - 1)]  # w[n - 3]
            self._env_sample(j, env, g_at, qd)

    def _env_sample(self, j: int, v: int, g_at: NDArray[np.int32], qd: int) -> None:
        self.n_env = j + 1
        self.blk_env += v
        self.blk_grav += g_at
        if v > self.min_max:
            self.min_max = v
        rp = self.ring_pos
        if j >= self.delay_n:  # the LM rules run 30 s late, when the centred floor is known
            self._lm_step(j - self.delay_n, int(self.env_ring[rp]), qd)
        self.env_ring[rp] = v
        self.ring_pos = 0 if rp + 1 == self.delay_n else rp + 1
        self.blk_n += 1
        if self.blk_n == self.block_n:
            self._end_of_block()

    # ------------------------------------------------------------------ block path

    def process_block(self, counts: NDArray[np.int16]) -> list[BandEvent | MinuteSummary]:
        """Feed a block of samples; identical to :meth:`process_sample` on each row in turn.

        Parameters
        ----------
        counts : ndarray of int16, shape (n, 3)
            Samples, sensor axes; any ``n`` (0 included).

        Returns
        -------
        list
            Events and summaries completed in the block, in the order they completed.

        Raises
        ------
        ValueError
            If ``counts`` is not ``(n, 3)`` integers.
        """
        raw = np.asarray(counts)
        if raw.ndim != 2 or raw.shape[1] != 3 or not np.issubdtype(raw.dtype, np.integer):
            raise ValueError(f"counts must be integer (n, 3); got {raw.dtype} {raw.shape}")
        n = raw.shape[0]
        if n == 0:
            return self._drain()
        k = self.k
        cs = np.zeros((n + 1, 3), np.int64)
        np.cumsum(raw, axis=0, dtype=np.int64, out=cs[1:])
        total = self.dec_n + n
        m = total // k
        if m == 0:
            self.dec_acc += cs[n].astype(np.int32)
            self.dec_n = total
            return self._drain()
        ends = np.arange(1, m + 1) * k - self.dec_n
        starts = np.maximum(ends - k, 0)
        sums = cs[ends] - cs[starts]
        sums[0] += self.dec_acc
        self.dec_acc[:] = cs[n] - cs[ends[-1]]
        self.dec_n = total - m * k
        self._work_block(sums >> self.shift)
        return self._drain()

    def _work_block(self, w: NDArray[np.int64]) -> None:
        m = w.shape[0]
        if self.n_work == 0:
            self.hist[:] = w[0]
        order = (np.arange(GRAVITY_N) + self.hist_pos) & (GRAVITY_N - 1)
        ext = np.concatenate([self.hist[order].astype(np.int64), w])  # oldest first
        idx = np.arange(m)
        d = np.empty((m, 3), np.int64)
        taps = self.taps.astype(np.int64)
        for a in range(3):
            acc = np.convolve(ext[:, a], taps, mode="valid")[1:]
            d[:, a] = (acc + (1 << (self.d_shift - 1))) >> self.d_shift
        np.clip(d, -32767, 32767, out=d)
        d2 = np.einsum("ij,ij->i", d, d)
        r = isqrt_u32(d2)
        mag = np.minimum(r + (d2 - r * r > r), _MAG_MAX)  # rounded square root
        morder = (np.arange(ENVELOPE_N) + self.mag_pos) % ENVELOPE_N
        mext = np.concatenate([self.mag_ring[morder].astype(np.int64), mag])
        mcs = np.concatenate([[0], np.cumsum(mext)])
        env = ((mcs[idx + ENVELOPE_N + 1] - mcs[idx + 1] + 2) * _DIV5) >> 18
        g_at = ext[idx + GRAVITY_N - ENV_LAG]  # w[n - 3]
        qd = self._quiet_block(ext, mag)
        # save the rings in order (position 0 = oldest)
        self.hist[:] = ext[-GRAVITY_N:]
        self.hist_pos = 0
        self.mag_ring[:] = mext[-ENVELOPE_N:]
        self.mag_pos = 0
        self.mag_sum = int(mext[-ENVELOPE_N:].sum())
        first_j = self.n_work - self.env_delay
        self.n_work += m
        skip = max(0, -first_j)
        if skip >= m:
            return
        self._env_block(first_j + skip, env[skip:], g_at[skip:], qd[skip:])

    def _quiet_block(self, ext: NDArray[np.int64], fmag: NDArray[np.int64]) -> NDArray[np.int64]:
        """The quiet envelope of a block (as ``_work``), vectorised; updates its rings.

        ``ext`` holds the previous ``GRAVITY_N`` working samples and the block's ``m`` (oldest
        first), ``fmag`` the block's forward magnitudes. Returns, per working sample ``n`` of
        the block, ``q[n - 3 - delay_n]`` (255 where it does not exist).
        """
        m = fmag.size
        n0 = self.n_work
        nn = n0 + np.arange(m)
        gm = GRAVITY_N - 1
        # forward magnitudes of samples n0 - 64 .. n0 + m - 1
        fext = np.concatenate([self.fmag_ring[(n0 + np.arange(GRAVITY_N)) & gm], fmag])
        self.fmag_ring[(nn[-GRAVITY_N:]) & gm] = fmag[-GRAVITY_N:]
        qd = np.full(m, Q_LOUD, np.int64)
        sel = nn >= GRAVITY_N - 1  # samples with a reversed FIR output (t = n - 63)
        if not sel.any():
            return qd
        d = np.empty((m, 3), np.int64)
        for a in range(3):  # reversed FIR: w[t .. t + 63] . taps
            acc = np.convolve(ext[:, a], self._taps64[::-1], mode="valid")[1:]
            d[:, a] = (acc + (1 << (self.d_shift - 1))) >> self.d_shift
        np.clip(d, -32767, 32767, out=d)
        b2 = np.einsum("ij,ij->i", d, d)
        r = isqrt_u32(b2)
        bmag = np.minimum(r + (b2 - r * r > r), _MAG_MAX)
        k0 = int(np.argmax(sel))
        qraw = np.minimum(bmag[k0:], fext[np.arange(k0, m) + 3])  # fwd at n - 61
        order = (np.arange(ENVELOPE_N) + self.qraw_pos) % ENVELOPE_N
        rext = np.concatenate([self.qraw_ring[order].astype(np.int64), qraw])
        rcs = np.concatenate([[0], np.cumsum(rext)])
        c = qraw.size
        ci = np.arange(c)
        qsum = rcs[ci + ENVELOPE_N + 1] - rcs[ci + 1]  # the ring's sum after each qraw
        self.qraw_ring[:] = rext[-ENVELOPE_N:]
        self.qraw_pos = 0
        self.qraw_sum = int(rext[-ENVELOPE_N:].sum())
        jq = nn[k0:] - Q_LAG
        has = jq >= 0
        if not has.any():
            return qd
        k1 = int(np.argmax(has))
        q = ((qsum[k1:] + 2) * _DIV5) >> 18
        jqs = jq[k1:]
        q = np.where((jqs < ENVELOPE_N // 2 + 1) | (q > Q_LOUD), Q_LOUD, q)
        ql = self.q_len
        qorder = (np.arange(ql) + self.q_pos) % ql
        qext = np.concatenate([self.q_ring[qorder].astype(np.int64), q])
        qd[k0 + k1 :] = qext[: q.size]  # read before write: q[jq - q_len]
        self.q_ring[:] = qext[-ql:]
        self.q_pos = 0
        return qd

    def _env_block(
        self, j0: int, env: NDArray[np.int64], g_at: NDArray[np.int64], qd: NDArray[np.int64]
    ) -> None:
        """Envelope samples ``j0 ..``: per segment inside one 1-s block, vectorised."""
        dn = self.delay_n
        order = (np.arange(dn) + self.ring_pos) % dn
        dext = np.concatenate([self.env_ring[order].astype(np.int64), env])  # env[j0 - dn + i]
        pos = 0
        total = env.size
        while pos < total:
            take = min(self.block_n - self.blk_n, total - pos)
            seg = env[pos : pos + take]
            self.blk_env += int(seg.sum())
            self.blk_grav += g_at[pos : pos + take].sum(axis=0).astype(np.int32)
            self.min_max = max(self.min_max, int(seg.max()))
            jd = j0 + pos - dn  # segments never straddle a block, and dn is whole blocks
            if jd >= 0:
                self._lm_segment(jd, dext[pos : pos + take], qd[pos : pos + take])
            self.n_env = j0 + pos + take
            self.blk_n += take
            pos += take
            if self.blk_n == self.block_n:
                self._end_of_block()
        self.env_ring[:] = dext[-dn:]
        self.ring_pos = 0

    # ------------------------------------------------------------------ per-block work

    def _end_of_block(self) -> None:
        """Once per 1-s block: floor and thresholds, posture, turn-overs, minute summary."""
        block = self.n_env // self.block_n - 1
        mean4 = ((self.blk_env << FLOOR_FRAC) + self.block_n // 2) // self.block_n
        mean = mean4 >> FLOOR_FRAC
        g = self.blk_grav >> EPOCH_SHIFT
        self.blk_n = 0
        self.blk_env = 0
        self.blk_grav[:] = 0
        self._floor_push(mean4)
        self._posture_epoch(block, g, mean)
        # minute summary
        self.min_blocks += 1
        self.min_act += mean
        if mean4 <= self.off_u:
            self.min_still += 1
        if self.min_blocks == 60:
            mq = self.mg_q16
            self._out.append(
                MinuteSummary(
                    self.minute,
                    self.min_lm,
                    ((self.min_act // 60) * mq) >> 16,
                    (self.min_max * mq) >> 16,
                    self.posture,
                    (self.min_still * 100) // 60,
                )
            )
            self.minute += 1
            self.min_blocks = self.min_act = self.min_max = self.min_still = self.min_lm = 0

    # ------------------------------------------------------------------ end and output

    def flush(self) -> list[BandEvent | MinuteSummary]:
        """End of recording: an LM running into the end ends there; an open bed bout closes.

        Returns
        -------
        list
            The last events.
        """
        m = self.n_env
        dn, b = self.delay_n, self.block_n
        if m > 0:
            last_v = int(self.env_ring[(self.ring_pos - 1) % dn])
            if self.blk_n:  # the partial last block, padded with the last value (as the host)
                total = self.blk_env + (b - self.blk_n) * last_v
                pad = ((total << FLOOR_FRAC) + b // 2) // b
            else:
                pad = int(self.floor_ring[(self.floor_pos - 1) % FLOOR_BLOCKS])
            order = (np.arange(dn) + self.ring_pos) % dn
            delayed = self.env_ring[order]  # env[m - dn .. m - 1]
            # q[jd] for jd < nq is in the delay line (oldest at q_pos: q[nq - q_len]); the last
            # Q_LAG - ENV_LAG samples have no reversed pass: loud (the causal offset stands)
            nq, ql = max(0, self.n_work - Q_LAG), self.q_len
            for jd in range(max(0, m - dn), m):
                while self.n_push - FLOOR_BLOCKS < jd // b:  # windows padded on the right
                    self._floor_push(pad)
                back = jd - (nq - ql)
                qv = int(self.q_ring[(self.q_pos + back) % ql]) if 0 <= back < ql else Q_LOUD
                self._lm_step(jd, int(delayed[jd - (m - dn)]), qv)
        if self.state == LM_ACTIVE:
            self._end_lm(m, self.morph)
        if self.in_bed:
            last = self.n_env // self.block_n - 2  # epochs through the smoothing so far
            self._out.append(BandEvent(KIND_OUT_OF_BED, max(0, last - self.gap) * self.block_n,
                                       0, 0))  # fmt: skip
            self.in_bed = 0
        return self._drain()
