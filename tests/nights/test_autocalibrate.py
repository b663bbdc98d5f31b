"""Auto-calibrating a band from its stored nights through the API (the CLI: tests/cli/test_calibrate.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import CalibrationError, ConfigError
from rls_monitor.nights.autocalibrate import auto_calibrate_stored
from rls_monitor.nights.importing import import_recording
from rls_monitor.storage import Store
from tests.storage.conftest import simulated_recording, threshold_scorer

DEVICE = "AA:BB:CC:00:00:01"  # the device of conftest's simulated recordings


def test_a_night_or_a_device_is_needed(db_path: Path) -> None:
    with Store(db_path) as store:
        with pytest.raises(ConfigError, match="give a night or a device"):
            auto_calibrate_stored(store)


def test_a_band_without_stored_nights_is_an_error(db_path: Path) -> None:
    with Store(db_path) as store:
        with pytest.raises(CalibrationError, match="no stored night of band NONE"):
            auto_calibrate_stored(store, device="NONE")


def test_a_night_of_another_band_is_refused(db_path: Path) -> None:
    with Store(db_path) as store:
        night = import_recording(store, simulated_recording(300.0), scorer=threshold_scorer)
        with pytest.raises(ConfigError, match="did not record night"):
            auto_calibrate_stored(store, night=night.night_id, device="OTHER")


def test_one_night_refused_and_not_saved_when_asked(db_path: Path) -> None:
    with Store(db_path) as store:
        night = import_recording(store, simulated_recording(300.0), scorer=threshold_scorer)
        result, device, nights = auto_calibrate_stored(store, night=night.night_id, save=False)
        assert device == DEVICE and nights == [night.night_id]
        assert not result.accepted and result.reason  # one ankle night covers too little
        assert store.calibration_history(DEVICE) == []
        result, _, _ = auto_calibrate_stored(store, device=DEVICE)
        assert [h["accepted"] for h in store.calibration_history(DEVICE)] == [False]


def test_real_wear_the_13_hour_actigraph_link_file(shared_data: Path, tmp_path: Path) -> None:
    """Calibration on real wear (issue 14): after the fit the still periods read 1 g within 10 mg.

    The file: 13.6 h of an ActiGraph Link at the wrist, 30 Hz (../shared/data). Measured here:
    2558 still 10 s windows, 18.6 mg before and 5.5 mg after.
    """
    path = shared_data / "device_formats" / "pygt3x_link_13h.gt3x"
    with Store(tmp_path / "real.sqlite") as store:
        night = import_recording(store, path).night_id
        result, device, nights = auto_calibrate_stored(store, night=night)
        assert device == "TAS1F06180456" and nights == [night]
        assert result.accepted, result.reason
        assert result.n_windows > 1000
        assert result.error_after_mg < 10.0 < result.error_before_mg
        # the accepted fit is saved as the band's calibration in force
        in_force = store.get_device(device)
        assert in_force is not None and in_force["calibration"] is not None
