"""Detection: posture, leg movements, series rules and indices (pure functions, no I/O).

Public names are imported here and listed in ``__all__``; each module below adds its own block.
"""

from __future__ import annotations

# --- posture and leg movements (detection/posture.py, movements.py, evaluation.py) ---
from rls_monitor.detection.evaluation import artefact_outcomes, f1_score, match_events

# --- series rules and indices (detection/series.py, indices.py): add below ---
from rls_monitor.detection.indices import (
    NightIndices,
    StageEpochs,
    arousal_associated,
    compute_indices,
    periodicity_index,
    respiratory_related,
    sleep_indices,
)
from rls_monitor.detection.movements import (
    DetectorConfig,
    LegMovements,
    detect_leg_movements,
)
from rls_monitor.detection.posture import (
    POSTURES,
    Posture,
    PostureConfig,
    Turnovers,
    detect_posture,
)
from rls_monitor.detection.series import (
    RULE_SETS,
    RuleSet,
    SeriesResult,
    get_rules,
    score_series,
)

__all__ = [
    # posture and leg movements
    "POSTURES",
    "DetectorConfig",
    "LegMovements",
    "Posture",
    "PostureConfig",
    "Turnovers",
    "artefact_outcomes",
    "detect_leg_movements",
    "detect_posture",
    "f1_score",
    "match_events",
    # series rules and indices
]
__all__ += [
    "RULE_SETS",
    "NightIndices",
    "RuleSet",
    "SeriesResult",
    "StageEpochs",
    "arousal_associated",
    "compute_indices",
    "get_rules",
    "periodicity_index",
    "respiratory_related",
    "score_series",
    "sleep_indices",
]
