"""A band's calibration kept in the store, applied at import and rescore, recorded per night."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibration import Calibration
from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.band_calibration.apply import apply_calibration
from rls_monitor.band_calibration.stored import calibration_in_force, save_calibration
from rls_monitor.errors import ConfigError
from rls_monitor.nights.importing import import_recording
from rls_monitor.nights.rescore import rescore_night
from rls_monitor.nights.score import load_recordings
from rls_monitor.nights.summary import night_json
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from rls_monitor.storage import SCHEMA_VERSION, Store

DEVICE = "AA:BB:CC:00:00:07"


def _miscalibrated(seed: int = 2, duration_s: float = 1800.0) -> tuple[Recording, Calibration]:
    """A simulated night read by a band with offsets up to 100 mg and scale errors up to 5 %."""
    night = simulate_night(
        night_config("ordinary", duration_s=duration_s, offset_mg_max=100.0, scale_error_max=0.05),
        seed=seed,
    )
    truth = Calibration(
        offset_g=-night.truth.offset_g, scale=1.0 / night.truth.scale, method="six-pose"
    )
    rec = Recording(night.accel_g, night.fs_hz, device_id=DEVICE, side="left")
    return rec, truth


def test_schema_has_the_calibration_tables(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        assert "calibrations" in store.db.table_names()
        assert "calibration_json" in store.db["nights"].columns_dict


def test_history_keeps_every_attempt_and_the_latest_accepted_is_in_force(tmp_path: Path) -> None:
    first = Calibration(
        offset_g=np.array([0.01, 0.0, 0.0]), scale=np.array([1.0, 1.0, 1.0]), method="six-pose"
    )
    second = Calibration(
        offset_g=np.array([0.02, 0.0, 0.0]), scale=np.array([1.01, 1.0, 1.0]), method="auto"
    )
    refused = Calibration(
        offset_g=np.array([0.5, 0.0, 0.0]), scale=np.array([1.0, 1.0, 1.0]), method="auto"
    )
    with Store(tmp_path / "db.sqlite") as store:
        assert calibration_in_force(store, DEVICE) is None
        save_calibration(store, DEVICE, first, source="bench.csv")
        save_calibration(store, DEVICE, second, source="nights 1, 2")
        save_calibration(store, DEVICE, refused, accepted=False, reason="poor coverage")
        store.add_calibration(DEVICE, None, accepted=False, method="auto", reason="no windows")
        in_force = calibration_in_force(store, DEVICE)
        history = store.calibration_history(DEVICE)
    assert in_force is not None and in_force.to_dict() == second.to_dict()
    assert [h["accepted"] for h in history] == [True, True, False, False]
    assert [h["method"] for h in history] == ["six-pose", "auto", "auto", "auto"]
    assert history[0]["source"] == "bench.csv" and history[2]["reason"] == "poor coverage"
    assert history[2]["calibration"]["offset_mg"][0] == pytest.approx(500.0)
    assert history[3]["calibration"] is None


def test_an_accepted_record_needs_parameters(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store, pytest.raises(ConfigError):
        store.add_calibration(DEVICE, None, accepted=True, method="auto")


def test_import_applies_the_device_calibration_and_keeps_raw_counts(tmp_path: Path) -> None:
    rec, truth = _miscalibrated()
    with Store(tmp_path / "db.sqlite") as store:
        save_calibration(store, DEVICE, truth, source="test")
        imported = import_recording(store, rec)
        stored = store.get_result(imported.night_id)
        raw = load_recordings(store, imported.night_id)[0]
        shown = night_json(store, imported.night_id)
        counts = store.read_samples(imported.night_id)
    np.testing.assert_array_equal(counts, rec.to_counts()[0])  # stored samples stay raw
    expected = score(apply_calibration(raw, truth)).to_dict()
    assert stored == expected
    assert stored != score(raw).to_dict()  # the calibration did change something
    assert shown["calibration"] == truth.to_dict()


def test_rescore_chooses_stored_latest_or_none(tmp_path: Path) -> None:
    rec, truth = _miscalibrated()
    newer = Calibration(offset_g=truth.offset_g + 0.002, scale=truth.scale, method="auto")
    with Store(tmp_path / "db.sqlite") as store:
        save_calibration(store, DEVICE, truth)
        night = import_recording(store, rec).night_id
        raw = load_recordings(store, night)[0]
        save_calibration(store, DEVICE, newer)

        result, changed = rescore_night(store, night)  # default: the night's own calibration
        assert not changed and result.to_dict() == score(apply_calibration(raw, truth)).to_dict()

        result, changed = rescore_night(store, night, calibration="latest")
        assert changed and store.night_calibration(night) == [newer.to_dict()]
        assert result.to_dict() == score(apply_calibration(raw, newer)).to_dict()
        assert store.get_result(night) == result.to_dict()

        result, changed = rescore_night(store, night, calibration="none")
        assert changed and store.night_calibration(night) is None
        assert result.to_dict() == score(raw).to_dict()
        assert night_json(store, night)["calibration"] is None

        _, changed = rescore_night(store, night)  # stored is now "none": nothing to change
        assert not changed
        with pytest.raises(ConfigError, match="calibration"):
            rescore_night(store, night, calibration="newest")


def test_import_without_device_calibration_or_with_none(tmp_path: Path) -> None:
    rec, truth = _miscalibrated()
    with Store(tmp_path / "db.sqlite") as store:
        plain = import_recording(store, rec).night_id  # the band has no calibration yet
        save_calibration(store, DEVICE, truth)
        forced_raw = import_recording(store, rec, calibration="none").night_id
        explicit = import_recording(store, rec, calibration=truth).night_id
        assert store.night_calibration(plain) is None
        assert store.night_calibration(forced_raw) is None
        assert store.get_result(plain) == store.get_result(forced_raw)
        assert store.night_calibration(explicit) == [truth.to_dict()]
