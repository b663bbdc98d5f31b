"""Scoring a stored night: its samples read back, the calibration per band applied, the score saved.

The core shared by :mod:`rls_monitor.nights.importing` and :mod:`rls_monitor.nights.rescore`. A
night's raw samples are kept as int16 counts (bit-identical to the recording's
:meth:`~rls_monitor.recording.Recording.to_counts`), and every score is computed from the
recording rebuilt from those counts (:func:`load_recordings`), so the score made at import and
any later rescore with the same rule set and software are identical.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.band_calibration.apply import apply_calibration
from rls_monitor.errors import ConfigError, RLSMonitorError, StorageError
from rls_monitor.nights.summary import minute_summaries
from rls_monitor.recording import Recording
from rls_monitor.scoring import ScoreResult
from rls_monitor.storage import Store

__all__ = [
    "CALIBRATION_CHOICES",
    "RULE_CHOICES",
    "Scorer",
    "as_calibration",
    "calibration_dicts",
    "load_recordings",
    "night_calibrations",
    "save_night_score",
    "score_and_save",
    "score_recordings",
    "score_rows",
    "score_stored_night",
]

logger = logging.getLogger(__name__)

#: Rule sets a night can be scored with.
RULE_CHOICES = ("wasm2016", "aasm")
#: Which calibration :func:`rescore_night` applies: the night's own, each band's in force, none.
CALIBRATION_CHOICES = ("stored", "latest", "none")
#: A scoring function: ``scorer(recording_or_two_recordings, rules) -> ScoreResult``.
Scorer = Callable[[Any, str], ScoreResult]


def _default_scorer(source: Any, rules: str, posture: Any = None) -> ScoreResult:
    from rls_monitor.scoring import score

    if posture is not None and isinstance(source, Recording):
        return score(source, rules=rules, posture=posture)
    return score(source, rules=rules)


def _detect_posture(recording: Recording) -> Any:
    """The posture of a recording (``rls_monitor.detection.Posture``), ``None`` if it cannot be had."""
    try:
        from rls_monitor.detection import detect_posture
    except ImportError:  # pragma: no cover - the detector is part of the package
        return None
    try:
        return detect_posture(recording.accel_g, recording.fs_hz)
    except RLSMonitorError as exc:
        logger.info("no posture for the minute summaries: %s", exc)
        return None


def load_recordings(store: Store, night_id: int) -> list[Recording]:
    """The recordings of a night rebuilt from its stored counts, one per channel.

    Parameters
    ----------
    store : Store
    night_id : int

    Returns
    -------
    list of Recording
        Bit-identical to ``Recording.from_counts`` of the counts that were stored.

    Raises
    ------
    StorageError
        Unknown night, no samples, or a block failing its checksum.
    """
    info = store.get_night(night_id)
    metadata = {str(k): str(v) for k, v in store.night_metadata(night_id).items()}
    out = []
    metadata.setdefault("lsb_g", repr(float(info.lsb_g)))
    for channel, side in enumerate(info.sides):
        # float32 g decoded block by block: the same values as Recording.from_counts of the
        # stored counts, without a whole-night int16 copy beside them
        accel_g = store.read_accel_g(night_id, channel)
        if accel_g.shape[0] == 0:
            raise StorageError(f"night {night_id} has no stored samples", path=store.path)
        # Samples the band lost or a file never had are held over in the store; here they are
        # gaps again (the Recording puts its placeholders in them).
        gaps = store.sample_gaps(night_id, channel)
        out.append(
            Recording(
                accel_g,
                info.fs_hz,
                start_utc=info.start_utc,
                device_id=info.devices[channel] if channel < len(info.devices) else "",
                side=side,
                metadata=metadata,
                gaps=gaps,
            )
        )
    return out


def as_calibration(value: Any) -> Any:
    """A value given or stored as a calibration, as a ``Calibration`` (``None`` for none).

    Parameters
    ----------
    value : Calibration, mapping or None
        A :class:`~calibration.Calibration` (an identity one counts as none) or its
        ``to_dict()`` form as stored with a night or a band.

    Returns
    -------
    Calibration or None

    Raises
    ------
    ConfigError
        Anything else.
    """
    from calibration import Calibration

    if value is None:
        return None
    if isinstance(value, Calibration):
        return None if value.is_identity else value
    if isinstance(value, Mapping):
        return Calibration.from_dict(value)
    raise ConfigError(f"not a calibration: {value!r}", name="calibration", value=value)


def night_calibrations(store: Store, night_id: int, mode: str) -> list[Any]:
    """Per channel, the calibration (or None) a night is scored with under ``mode``."""
    info = store.get_night(night_id)
    n = len(info.sides)
    if mode == "none":
        return [None] * n
    if mode == "stored":
        stored = store.night_calibration(night_id) or []
        return [as_calibration(stored[k]) if k < len(stored) else None for k in range(n)]
    out: list[Any] = []
    for k in range(n):
        device = info.devices[k] if k < len(info.devices) else ""
        row = store.get_device(device) if device else None
        out.append(as_calibration(row["calibration"]) if row and row["calibration"] else None)
    return out


def calibration_dicts(cals: Sequence[Any]) -> list[dict[str, Any] | None] | None:
    """The per-channel calibrations as stored with a night's score (``None`` when all are none)."""
    dicts = [None if c is None else c.to_dict() for c in cals]
    return None if all(d is None for d in dicts) else dicts


def score_stored_night(
    store: Store, night_id: int, rules: str, scorer: Scorer | None, cals: Sequence[Any] = ()
) -> tuple[ScoreResult, Any, NDArray[np.int16]]:
    """Score a stored night; also its first channel's posture and counts (for the minutes).

    ``cals`` holds one calibration (or ``None``) per channel, applied in place to the samples
    read back before scoring; ``scorer`` replaces :func:`rls_monitor.scoring.score`.
    """
    recordings = load_recordings(store, night_id)
    if any(c is not None for c in cals):
        # in place: the samples were just read from the store, nothing else holds them
        recordings = [
            r if k >= len(cals) or cals[k] is None else apply_calibration(r, cals[k], in_place=True)
            for k, r in enumerate(recordings)
        ]
    result, posture = score_recordings(recordings, rules, scorer)
    # the float32 night is no longer needed: drop it before the int16 counts are read, so the
    # two are never held at once (the peak memory of a night's final scoring)
    del recordings
    counts = store.read_samples(night_id, 0)
    return result, posture, counts


def score_recordings(
    recordings: Sequence[Recording], rules: str, scorer: Scorer | None = None
) -> tuple[ScoreResult, Any]:
    """Score a night's recordings (one per band) and find the first one's posture.

    Parameters
    ----------
    recordings : sequence of Recording
        As :func:`load_recordings` returns them, calibrated when they should be.
    rules : {"wasm2016", "aasm"}
    scorer : callable, optional
        Replaces :func:`rls_monitor.scoring.score`.

    Returns
    -------
    result : ScoreResult
    posture : Posture or None
        For the minute summaries.
    """
    posture = _detect_posture(recordings[0])
    if scorer is not None:
        source: Any = recordings[0] if len(recordings) == 1 else list(recordings)
        return scorer(source, rules), posture
    if len(recordings) == 1:
        return _default_scorer(recordings[0], rules, posture), posture
    return _default_scorer(list(recordings), rules), posture


def score_and_save(
    store: Store, night_id: int, rules: str, scorer: Scorer | None, cals: Sequence[Any] = ()
) -> ScoreResult:
    """Score a stored night (see :func:`score_stored_night`) and save the score."""
    result, posture, counts = score_stored_night(store, night_id, rules, scorer, cals)
    save_night_score(store, night_id, result, posture, counts, cals)
    return result


def score_rows(
    counts: NDArray[np.int16], lsb_g: float, fs_hz: float, result: ScoreResult, posture: Any
) -> tuple[list[dict[str, Any]], list[str] | None]:
    """The rows stored beside a score: per-minute summaries and the posture at each onset.

    Parameters
    ----------
    counts : ndarray of int16, shape (n, 3)
        The night's first channel as stored.
    lsb_g, fs_hz : float
    result : ScoreResult
    posture : Posture or None

    Returns
    -------
    minutes : list of dict
    posture_at_onset : list of str or None
    """
    minutes = minute_summaries(counts, lsb_g, fs_hz, result, posture=posture)
    at_onset = None
    if posture is not None and len(posture.posture):
        onset = np.array([m.onset_s for m in result.movements], dtype=np.float64)
        epoch = np.clip((onset // posture.epoch_s).astype(np.int64), 0, len(posture.posture) - 1)
        at_onset = [str(posture.posture[e]) for e in epoch]
    return list(minutes), at_onset


def save_night_score(
    store: Store,
    night_id: int,
    result: ScoreResult,
    posture: Any,
    counts: NDArray[np.int16],
    cals: Sequence[Any] = (),
) -> None:
    """Save a night's score with its minute summaries, posture at each onset and calibrations."""
    info = store.get_night(night_id)
    minutes, at_onset = score_rows(counts, info.lsb_g, info.fs_hz, result, posture)
    store.save_score(
        night_id,
        result.to_dict(),
        minutes=minutes,
        posture=at_onset,
        calibrations=calibration_dicts(cals),
        set_calibration=True,
    )
