"""Rescoring stored nights: deterministic, rule sets, interrupted nights, unknown nights."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.nights.importing import import_recording
from rls_monitor.nights.rescore import rescore_night
from rls_monitor.nights.summary import (
    format_night,
    night_json,
)
from rls_monitor.recording import Recording
from rls_monitor.storage import Store
from tests.storage.conftest import threshold_scorer


def test_rescoring_is_deterministic_and_can_change_rules(
    db_path: Path, recording: Recording
) -> None:
    with Store(db_path) as store:
        night = import_recording(store, recording, subject="P01", scorer=threshold_scorer).night_id
        first = store.get_night(night)
        _, changed = rescore_night(store, night, scorer=threshold_scorer)
        assert not changed
        assert store.get_night(night) == first  # nothing written, not even the time
        result, changed = rescore_night(store, night, "aasm", scorer=threshold_scorer)
        assert changed and result.rules == "aasm"
        assert store.get_night(night).rules == "aasm"
        assert store.get_result(night) == result.to_dict()
        _, changed = rescore_night(store, night, scorer=threshold_scorer)
        assert not changed  # keeps the night's rule set
        with pytest.raises(ConfigError):
            rescore_night(store, night, "aasm2007", scorer=threshold_scorer)


def test_an_interrupted_import_can_be_rescored(db_path: Path, recording: Recording) -> None:
    counts, lsb_g, _ = recording.to_counts()
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=recording.fs_hz, lsb_g=lsb_g)
        store.append_samples(night, 0, counts[:30000])
        store.mark_interrupted(night)
        result, changed = rescore_night(store, night, scorer=threshold_scorer)
        assert changed and result.duration_s == pytest.approx(600.0)
        text = format_night(store, night)
        assert "interrupted" in text and "stopped unexpectedly" in text


def test_unknown_night(db_path: Path) -> None:
    with Store(db_path) as store:
        with pytest.raises(StorageError, match="no night 7"):
            night_json(store, 7)
        with pytest.raises(StorageError, match="no night 7"):
            rescore_night(store, 7, scorer=threshold_scorer)
