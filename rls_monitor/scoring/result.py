"""The score of a night: :class:`ScoreResult`, its :class:`ScoredMovement` rows, and their builders.

:class:`ScoreResult` is what :func:`rls_monitor.scoring.score` returns; its
:meth:`ScoreResult.to_dict` is the JSON the store keeps and the CLI prints, and
:meth:`ScoreResult.from_dict` reads it back. The builders (:func:`lm_peaks`,
:func:`scored_movements`, :func:`build_result`) turn the series and indices of
``rls_monitor.detection`` into a result; every way of scoring a night (recordings, event lists,
the band's own events) goes through them, so the results have one layout.

References
----------
Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in polysomnograms.
Sleep Med. 2016;26:86-95.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

import rls_monitor
from rls_monitor.detection.indices import NightIndices
from rls_monitor.detection.series import LEG_NAMES, RULE_SETS, SeriesResult
from rls_monitor.errors import ConfigError

__all__ = [
    "RESULT_FORMAT",
    "ScoreResult",
    "ScoredMovement",
    "build_result",
    "lm_peaks",
    "scored_movements",
    "software_info",
]

RESULT_FORMAT = 1
"""Version of the layout of :meth:`ScoreResult.to_dict` (the ``format`` key)."""


def _r3(x: float) -> float:
    return round(float(x), 3)


@dataclass(frozen=True)
class ScoredMovement:
    """One scored leg movement.

    Attributes
    ----------
    onset_s, offset_s : float
        Times from the recording start, s (rounded to 1 ms).
    side : str
        ``left``, ``right``, ``bilateral`` or ``unknown``.
    clm, plm : bool
        Candidate LM; member of a PLM series.
    series : int
        Series number, -1 outside series.
    n_parts : int
        Monolateral movements merged into this LM.
    peak_mg : float or None
        Peak acceleration of the movement, mg (recordings only).
    respiratory : bool or None
        Respiratory-related (event lists with respiratory events only).
    arousal : bool or None
        Arousal-associated (event lists with arousals only).
    stage : str or None
        Sleep stage at the onset (event lists with stages only).
    """

    onset_s: float
    offset_s: float
    side: str
    clm: bool
    plm: bool
    series: int
    n_parts: int = 1
    peak_mg: float | None = None
    respiratory: bool | None = None
    arousal: bool | None = None
    stage: str | None = None

    @property
    def duration_s(self) -> float:
        """Duration, s."""
        return round(self.offset_s - self.onset_s, 3)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, with ``duration_s`` and ``bilateral``; optional fields only when known."""
        out: dict[str, Any] = {
            "onset_s": self.onset_s,
            "offset_s": self.offset_s,
            "duration_s": self.duration_s,
            "side": self.side,
            "bilateral": self.side == "bilateral",
            "n_parts": self.n_parts,
            "clm": self.clm,
            "plm": self.plm,
            "series": self.series,
        }
        for key in ("peak_mg", "respiratory", "arousal", "stage"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoredMovement:
        """Inverse of :meth:`to_dict`."""
        return cls(
            onset_s=float(d["onset_s"]),
            offset_s=float(d["offset_s"]),
            side=str(d["side"]),
            clm=bool(d["clm"]),
            plm=bool(d["plm"]),
            series=int(d["series"]),
            n_parts=int(d.get("n_parts", 1)),
            peak_mg=None if d.get("peak_mg") is None else float(d["peak_mg"]),
            respiratory=d.get("respiratory"),
            arousal=d.get("arousal"),
            stage=d.get("stage"),
        )


_DICT_FIELDS = (
    "counts",
    "indices",
    "imi",
    "histograms",
    "series",
    "durations",
    "sides",
    "sleep",
    "respiratory",
    "arousals",
    "posture",
    "artefacts",
    "source",
    "software",
)


@dataclass(frozen=True)
class ScoreResult:
    """The score of one night under one rule set.

    Every figure carries the rule set (``rules``). Rates are per hour in bed (lying) for
    recordings and per hour of recording for event lists; ``sleep`` holds the PLMS / PLMW indices
    when sleep stages were given.

    Attributes
    ----------
    rules : str
        ``"wasm2016"`` or ``"aasm"``.
    duration_s, in_bed_s : float
        Recording length and time in bed, s.
    movements : tuple of ScoredMovement
        The scored LMs in time order.
    counts, indices, imi, histograms, series, durations : dict
        See :func:`rls_monitor.detection.indices.compute_indices`.
    per_hour : tuple of dict
        The per-hour table.
    sides : dict or None
        Left / right / bilateral counts with two legs.
    sleep, respiratory, arousals : dict or None
        Figures that need PSG channels (event lists that have them).
    posture : dict or None
        In-bed time and turn-overs excluded (recordings).
    artefacts : dict or None
        The candidate movements rejected as artefacts (recordings): the rule (``rule``,
        ``min_rotation_deg``), ``counts`` per reason and ``rejected``, one dict per candidate
        (``onset_s``, ``offset_s``, ``side``, ``reason`` as ``"artefact: vibration"``,
        ``peak_mg``, ``rotation_deg``). None for event lists and results stored before it.
    limitations : tuple of str
        What the score cannot include, in plain sentences.
    source : dict
        ``kind`` (``recording``/``events``), ``device``, ``side``, ``fs_hz`` and more.
    software : dict
        ``name`` and ``version``.
    """

    rules: str
    duration_s: float
    in_bed_s: float
    movements: tuple[ScoredMovement, ...]
    counts: Mapping[str, int]
    indices: Mapping[str, Any]
    imi: Mapping[str, Any]
    histograms: Mapping[str, Any]
    per_hour: tuple[Mapping[str, Any], ...]
    series: Mapping[str, Any]
    durations: Mapping[str, Any]
    limitations: tuple[str, ...]
    source: Mapping[str, Any]
    software: Mapping[str, Any]
    sides: Mapping[str, Any] | None = None
    sleep: Mapping[str, Any] | None = None
    respiratory: Mapping[str, Any] | None = None
    arousals: Mapping[str, Any] | None = None
    posture: Mapping[str, Any] | None = None
    artefacts: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def plm_per_h(self) -> float | None:
        """PLM per hour in bed (the primary figure)."""
        value = self.indices.get("plm_per_h")
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-serialisable dict (plain dicts, lists, str, int, float, bool, None).

        The same input gives the identical dict.
        """
        out: dict[str, Any] = {
            "format": RESULT_FORMAT,
            "rules": self.rules,
            "duration_s": _r3(self.duration_s),
            "in_bed_s": _r3(self.in_bed_s),
            "movements": [m.to_dict() for m in self.movements],
            "per_hour": [dict(row) for row in self.per_hour],
            "limitations": list(self.limitations),
        }
        for key in _DICT_FIELDS:
            value = getattr(self, key)
            out[key] = None if value is None else copy.deepcopy(dict(value))
        if self.extra:
            out["extra"] = copy.deepcopy(dict(self.extra))
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON with sorted keys."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoreResult:
        """Rebuild a result from :meth:`to_dict` output (e.g. as kept by the store).

        Raises
        ------
        ConfigError
            If the dict is not a score result of a known format.
        """
        try:
            fmt = int(d.get("format", RESULT_FORMAT))
            if fmt != RESULT_FORMAT:
                raise ConfigError(
                    f"score result format {fmt} is not supported (expected {RESULT_FORMAT})",
                    name="format",
                    value=fmt,
                )
            rules = str(d["rules"])
            if rules not in RULE_SETS:
                raise ConfigError(f"unknown rule set {rules!r}", name="rules", value=rules)
            kwargs: dict[str, Any] = {
                key: (None if d.get(key) is None else copy.deepcopy(dict(d[key])))
                for key in _DICT_FIELDS
            }
            for key in ("counts", "indices", "imi", "histograms", "series", "durations"):
                if kwargs[key] is None:
                    raise ConfigError(f"score result lacks {key!r}", name=key)
            if kwargs["source"] is None or kwargs["software"] is None:
                raise ConfigError("score result lacks 'source' or 'software'", name="source")
            return cls(
                rules=rules,
                duration_s=float(d["duration_s"]),
                in_bed_s=float(d["in_bed_s"]),
                movements=tuple(ScoredMovement.from_dict(m) for m in d["movements"]),
                per_hour=tuple(dict(r) for r in d["per_hour"]),
                limitations=tuple(str(s) for s in d["limitations"]),
                extra=copy.deepcopy(dict(d.get("extra") or {})),
                **kwargs,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"not a score result: {exc!r}", name="result") from exc


def software_info() -> dict[str, Any]:
    """The ``software`` entry of a result: this program's ``name`` and ``version``."""
    return {"name": "rls-monitor", "version": rls_monitor.__version__}


def scored_movements(
    series: SeriesResult,
    *,
    peak_mg: NDArray[np.float64] | None = None,
    respiratory: NDArray[np.bool_] | None = None,
    arousal: NDArray[np.bool_] | None = None,
    stage: Sequence[str] | None = None,
) -> tuple[ScoredMovement, ...]:
    """The scored LMs of a series result, one :class:`ScoredMovement` each, in time order.

    Parameters
    ----------
    series : SeriesResult
        From :func:`rls_monitor.detection.series.score_series`: LMs, candidate LMs (CLM) and
        PLM series under the WASM 2016 (or AASM) rules.
    peak_mg : ndarray of float64, shape (k,), optional
        Peak of each LM (mg), aligned with ``series``; recordings only (see :func:`lm_peaks`).
    respiratory, arousal : ndarray of bool, shape (k,), optional
        Respiratory-related, arousal-associated (event lists with those channels).
    stage : sequence of str, optional
        Sleep stage at each onset (event lists with stages).

    Returns
    -------
    tuple of ScoredMovement
        Times rounded to 1 ms, peaks to 0.1 mg; the optional fields ``None`` when not given.
    """
    sides = [LEG_NAMES[c] for c in series.side.tolist()]
    out = []
    for i in range(series.onset_s.size):
        out.append(
            ScoredMovement(
                onset_s=_r3(series.onset_s[i]),
                offset_s=_r3(series.offset_s[i]),
                side=sides[i],
                clm=bool(series.clm[i]),
                plm=bool(series.plm[i]),
                series=int(series.series[i]),
                n_parts=int(series.n_parts[i]),
                peak_mg=None if peak_mg is None else round(float(peak_mg[i]), 1),
                respiratory=None if respiratory is None else bool(respiratory[i]),
                arousal=None if arousal is None else bool(arousal[i]),
                stage=None if stage is None else stage[i],
            )
        )
    return tuple(out)


def build_result(
    series: SeriesResult,
    ni: NightIndices,
    *,
    duration_s: float,
    in_bed_s: float,
    movements: tuple[ScoredMovement, ...],
    limits: list[str],
    source: dict[str, Any],
    **extra: Any,
) -> ScoreResult:
    """Assemble a :class:`ScoreResult` from a night's series, indices and movements.

    Parameters
    ----------
    series : SeriesResult
        The series result (gives the rule set).
    ni : NightIndices
        From :func:`rls_monitor.detection.indices.compute_indices` on ``series``: counts,
        indices, IMI, histograms, the per-hour table, series and durations, sides.
    duration_s, in_bed_s : float
        Recording length and time in bed (s).
    movements : tuple of ScoredMovement
        From :func:`scored_movements`.
    limits : list of str
        The limitations of the score, in plain sentences.
    source : dict
        What was scored (``kind``, ``device``, ``side``, ``fs_hz``...).
    **extra
        The optional fields of :class:`ScoreResult` (``sleep``, ``respiratory``, ``arousals``,
        ``posture``, ``artefacts``, ``extra``).

    Returns
    -------
    ScoreResult
        With ``software`` from :func:`software_info`.
    """
    return ScoreResult(
        rules=series.rules,
        duration_s=duration_s,
        in_bed_s=in_bed_s,
        movements=movements,
        counts=ni.counts,
        indices=ni.indices,
        imi=ni.imi,
        histograms=ni.histograms,
        per_hour=tuple(ni.per_hour),
        series=ni.series,
        durations=ni.durations,
        sides=ni.sides,
        limitations=tuple(limits),
        source=source,
        software=software_info(),
        **extra,
    )


def lm_peaks(series: SeriesResult, peak_mg: NDArray[np.float64]) -> NDArray[np.float64]:
    """Peak of each scored LM (mg): the largest peak of the input movements it holds.

    Parameters
    ----------
    series : SeriesResult
        From :func:`rls_monitor.detection.series.score_series` (which may merge movements
        into one LM, e.g. the two legs' parts of a bilateral LM).
    peak_mg : ndarray of float64, shape (n,)
        Peak of each movement given to ``score_series`` (mg), in that order.

    Returns
    -------
    ndarray of float64, shape (k,)
        One peak per scored LM; scored LMs that hold none of the movements (there are none
        today) keep 0.
    """
    lm_peak = np.zeros(series.onset_s.size)
    rows = series.prepared.source
    kept = rows >= 0
    if kept.any():
        np.maximum.at(lm_peak, series.part_of[rows[kept]], peak_mg[kept])
    return lm_peak
