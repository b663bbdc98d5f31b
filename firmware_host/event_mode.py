"""Event mode of the band: the on-device pipeline on a sample source, as EVENT and SUMMARY frames.

:class:`EventModeBand` wraps :class:`firmware_host.processing.Pipeline`: it takes the band's samples
(blocks of int16 counts, as the sensor FIFO delivers them) and returns encoded frames
(``firmware_host.protocol.encode_event`` / ``encode_summary``, layouts in ``docs/protocol.md``,
section "Event mode"). EVENT kinds are the protocol's ``EventKind``: 0-2 leg movement, long
movement, posture change; 3 (in bed) and 4 (out of bed) mark lying bouts (duration 0). Times are
band ticks (``protocol.TICK_HZ``) from ``start_tick``.

Integration into ``SimulatedBand`` (SET_MODE EVENTS) is not done here: the band would feed each
recorded sample block to :meth:`EventModeBand.feed` and notify the returned frames instead of DATA.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from firmware_host import protocol as p
from firmware_host.processing import BandEvent, MinuteSummary, Pipeline, PipelineConfig

__all__ = ["EventModeBand", "raw_bytes_per_hour", "run_event_mode"]


class EventModeBand:
    """Run the pipeline on samples and produce EVENT and SUMMARY frames.

    Parameters
    ----------
    fs_hz : float
        Sample rate (Hz).
    lsb_g : float
        g per count.
    start_tick : int
        Band tick of the first sample.
    config : PipelineConfig, optional
    first_seq : int
        Sequence number of the first EVENT/SUMMARY frame.
    """

    def __init__(
        self,
        fs_hz: float,
        lsb_g: float,
        *,
        start_tick: int = 0,
        config: PipelineConfig | None = None,
        first_seq: int = 0,
    ) -> None:
        self.pipeline = Pipeline(fs_hz, lsb_g, config)
        self.start_tick = int(start_tick)
        self.seq = int(first_seq)
        self.bytes_sent = 0
        self.frames_sent = 0
        fw2 = round(2 * fs_hz)  # rates are multiples of 0.5 Hz
        self._num = self.pipeline.k * p.TICK_HZ * 2  # ticks = j * num / fw2
        self._fs2 = fw2
        self._ms_num = self.pipeline.k * 1000 * 2

    def tick_of(self, j: int) -> int:
        """Band tick of working sample ``j`` (rounded)."""
        return (self.start_tick + (j * self._num + self._fs2 // 2) // self._fs2) & 0xFFFFFFFF

    def _ms(self, n: int) -> int:
        return (n * self._ms_num + self._fs2 // 2) // self._fs2

    def _encode(self, items: Iterable[BandEvent | MinuteSummary]) -> list[bytes]:
        frames = []
        b = self.pipeline.block_n
        for it in items:
            if isinstance(it, BandEvent):
                frame = p.encode_event(
                    self.seq,
                    self.tick_of(it.start),
                    min(self._ms(it.duration), 0xFFFF),
                    min(it.peak_mg, 0xFFFF),
                    kind=it.kind,
                )
            else:
                frame = p.encode_summary(
                    self.seq,
                    self.tick_of(it.minute * 60 * b),
                    lm_count=it.lm_count,
                    plm_count=0,
                    mean_activity_mg=it.mean_activity_mg,
                    max_activity_mg=it.max_activity_mg,
                    posture=it.posture,
                    still_pct=it.still_pct,
                )
            self.seq = (self.seq + 1) & 0xFFFFFFFF
            self.bytes_sent += len(frame)
            self.frames_sent += 1
            frames.append(frame)
        return frames

    def feed(self, counts: NDArray[np.int16]) -> list[bytes]:
        """Process a block of samples (shape (n, 3)); return the frames to notify."""
        return self._encode(self.pipeline.process_block(counts))

    def finish(self) -> list[bytes]:
        """End of the recording (STOP or the source ran out): the last frames."""
        return self._encode(self.pipeline.flush())


def run_event_mode(
    counts: NDArray[np.int16],
    fs_hz: float,
    lsb_g: float,
    *,
    block_samples: int = 1500,
    config: PipelineConfig | None = None,
    start_tick: int = 0,
) -> tuple[list[bytes], EventModeBand]:
    """Run event mode over a whole recording in blocks; return the frames and the band.

    Parameters
    ----------
    counts : ndarray of int16, shape (n, 3)
    fs_hz, lsb_g : float
    block_samples : int
        Samples per block (a sensor FIFO read).
    config : PipelineConfig, optional
    start_tick : int

    Returns
    -------
    frames : list of bytes
    band : EventModeBand
        With ``bytes_sent`` and the pipeline's final state.
    """
    band = EventModeBand(fs_hz, lsb_g, start_tick=start_tick, config=config)
    frames: list[bytes] = []
    for i in range(0, counts.shape[0], max(1, block_samples)):
        frames += band.feed(counts[i : i + block_samples])
    frames += band.finish()
    return frames, band


def raw_bytes_per_hour(fs_hz: float, att_mtu: int = 247) -> float:
    """Radio bytes per hour of raw streaming: full DATA frames at this ATT MTU.

    Parameters
    ----------
    fs_hz : float
        Sample rate (Hz).
    att_mtu : int
        Negotiated ATT MTU (247: 38 samples per frame).

    Returns
    -------
    float
        Bytes per hour, frame overhead included.
    """
    per_frame = p.max_samples_per_frame(att_mtu)
    frame_len = p.DATA_OVERHEAD + per_frame * p.SAMPLE_BYTES
    return fs_hz * 3600.0 / per_frame * frame_len
