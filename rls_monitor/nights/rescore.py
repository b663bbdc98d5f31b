"""Rescoring a stored night from its raw samples, with the calibration chosen (stored, latest, none)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rls_monitor.errors import check_option
from rls_monitor.nights.score import (
    CALIBRATION_CHOICES,
    RULE_CHOICES,
    Scorer,
    as_calibration,
    calibration_dicts,
    night_calibrations,
    save_night_score,
    score_stored_night,
)
from rls_monitor.scoring import ScoreResult
from rls_monitor.storage import Store

__all__ = ["rescore_night", "score_unchanged"]


def rescore_night(
    store: Store,
    night_id: int,
    rules: str | None = None,
    *,
    scorer: Scorer | None = None,
    calibration: Any = "stored",
) -> tuple[ScoreResult, bool]:
    """Rescore a night from its stored raw samples and save the result in one transaction.

    The calibration is applied to the raw samples before scoring: by default the one recorded
    with the night (so a rescore reproduces the stored score); ``"latest"`` applies each band's
    calibration in force now (to rescore old nights with a new calibration) and ``"none"`` the
    raw samples. The calibration used is recorded with the new score.

    Parameters
    ----------
    store : Store
    night_id : int
    rules : {"wasm2016", "aasm"}, optional
        The rule set; the night's current one (else ``wasm2016``) when omitted.
    scorer : callable, optional
        As for :func:`import_recording`.
    calibration : {"stored", "latest", "none"} or Calibration, default "stored"
        The calibration to apply (see above); a :class:`~calibration.Calibration` is applied
        to every channel.

    Returns
    -------
    result : ScoreResult
    changed : bool
        False when the new score and calibration equal the stored ones (nothing was written):
        scoring is deterministic, so rescoring twice changes nothing.

    Raises
    ------
    StorageError
        Unknown night or unreadable samples.
    ConfigError
        Unknown rule set or calibration choice.
    CalibrationError
        A stored calibration that cannot be applied.
    """
    info = store.get_night(night_id)
    rules = rules or info.rules or "wasm2016"
    check_option("rules", rules, RULE_CHOICES)
    if isinstance(calibration, str):
        check_option("calibration", calibration, CALIBRATION_CHOICES)
        cals = night_calibrations(store, night_id, calibration)
    else:
        cals = [as_calibration(calibration)] * len(info.sides)
    result, posture, counts = score_stored_night(store, night_id, rules, scorer, cals)
    if score_unchanged(store, night_id, result.to_dict(), calibration_dicts(cals)):
        return result, False
    save_night_score(store, night_id, result, posture, counts, cals)
    return result, True


def score_unchanged(
    store: Store,
    night_id: int,
    result: Mapping[str, Any],
    calibrations: Sequence[Mapping[str, Any] | None] | None,
) -> bool:
    """True when a night's stored score and calibration are these (a rescore writes nothing).

    Parameters
    ----------
    store : Store
    night_id : int
    result : mapping
        ``ScoreResult.to_dict()`` of the new score.
    calibrations : sequence of (mapping or None), or None
        The calibration per channel it was made with (:func:`calibration_dicts`).

    Returns
    -------
    bool
    """
    before = store.get_result(night_id)
    return (
        before is not None
        and _same(before, result)
        and _same(store.night_calibration(night_id), calibrations)
    )


def _same(a: Any, b: Any) -> bool:
    import json

    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
