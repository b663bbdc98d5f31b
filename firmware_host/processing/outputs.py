"""What the pipeline puts out: :class:`BandEvent` and :class:`MinuteSummary`, and the posture codes.

Event kinds are the protocol's (:class:`firmware_host.protocol.codes.EventKind`): they travel on
the wire unchanged in EVENT frames; the summaries become SUMMARY frames
(:mod:`firmware_host.event_mode`).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["POSTURE_CODES", "BandEvent", "MinuteSummary"]

POSTURE_CODES = {"unknown": 0, "supine": 1, "prone": 2, "left": 3, "right": 4, "upright": 5}
"""SUMMARY posture codes (``firmware_host.protocol.SummaryFrame.posture``)."""


class BandEvent(NamedTuple):
    """One event of the pipeline, in working samples from the first sample.

    Attributes
    ----------
    kind : int
        An :class:`~firmware_host.protocol.codes.EventKind`: ``LM``, ``LONG``, ``POSTURE``,
        ``IN_BED`` or ``OUT_OF_BED``.
    start : int
        Onset (working samples).
    duration : int
        Working samples (0 for bed events).
    peak_mg : int
        Largest envelope value inside an LM (mg), 0 otherwise.
    """

    kind: int
    start: int
    duration: int
    peak_mg: int


class MinuteSummary(NamedTuple):
    """One minute (60 blocks of 1 s) of the pipeline.

    Attributes
    ----------
    minute : int
        Minute index from the first working sample.
    lm_count : int
        LM events sent during the minute.
    mean_activity_mg, max_activity_mg : int
        Mean and largest 1-s block mean of the envelope (mg).
    posture : int
        :data:`POSTURE_CODES` of the minute's last epoch.
    still_pct : int
        Percent of blocks whose mean envelope is at or below the offset threshold.
    """

    minute: int
    lm_count: int
    mean_activity_mg: int
    max_activity_mg: int
    posture: int
    still_pct: int
