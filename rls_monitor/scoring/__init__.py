"""Scoring: a night's leg movements, PLM series and indices by the WASM 2016 (or AASM) rules.

:func:`score` takes a recording of one band, the recordings of both legs, or an event list of
LMs scored elsewhere, and returns a :class:`ScoreResult`, whose :meth:`ScoreResult.to_dict` is
the JSON the store keeps and the CLI prints; :func:`format_summary` gives the plain-text summary.

The rooms:

- :mod:`rls_monitor.scoring.scorer`: :func:`score` (recordings and event lists);
- :mod:`rls_monitor.scoring.result`: :class:`ScoreResult`, :class:`ScoredMovement` and the
  builders every way of scoring shares;
- :mod:`rls_monitor.scoring.band_events`: a night scored from the band's own events (event
  mode);
- :mod:`rls_monitor.scoring.summary`: :func:`format_summary`.

References
----------
Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in polysomnograms.
Sleep Med. 2016;26:86-95. AASM Manual for the Scoring of Sleep and Associated Events, v2.5, 2018.
"""

from __future__ import annotations

from rls_monitor.scoring.result import RESULT_FORMAT, ScoredMovement, ScoreResult
from rls_monitor.scoring.scorer import score
from rls_monitor.scoring.summary import format_summary

__all__ = ["RESULT_FORMAT", "ScoreResult", "ScoredMovement", "format_summary", "score"]
