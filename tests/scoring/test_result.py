"""The score result and its dict (rls_monitor/scoring/result.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rls_monitor.detection.indices import StageEpochs
from rls_monitor.errors import ConfigError
from rls_monitor.scoring import ScoreResult, score
from tests.scoring.conftest import event_list


def test_dict_is_json_deterministic_and_round_trips() -> None:
    stages = StageEpochs(np.arange(120, dtype=np.float64) * 30.0, ("N2",) * 120)
    ev = event_list(
        list(np.arange(10) * 22.0 + 5.0),
        duration_s=3600.0,
        stages=stages,
        arousal_onset_s=np.array([27.0]),
        arousal_offset_s=np.array([30.0]),
    )
    a, b = score(ev).to_dict(), score(ev).to_dict()
    assert a == b
    text = json.dumps(a, allow_nan=False)
    assert json.loads(text) == a
    back = ScoreResult.from_dict(json.loads(text))
    assert back.to_dict() == a
    assert back == ScoreResult.from_dict(a)


def test_from_dict_rejects_foreign_dicts() -> None:
    with pytest.raises(ConfigError):
        ScoreResult.from_dict({"rules": "wasm2016"})
    d = score(event_list([0.0])).to_dict()
    d["format"] = 99
    with pytest.raises(ConfigError, match="format"):
        ScoreResult.from_dict(d)
