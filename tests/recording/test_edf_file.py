"""EDF/EDF+ acceleration (rls_monitor/recording/edf_file.py): our own export read back, a real
polysomnograph's file, and EDFs written by an independent writer (pyedflib)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyedflib
import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.export import load_nights, write_edf
from rls_monitor.nights.importing import import_recording
from rls_monitor.recording import read_recording
from rls_monitor.scoring import score
from rls_monitor.storage import Store
from tests.export.nightstore import FixtureStore, make_store


@pytest.fixture(scope="module")
def uncalibrated(tmp_path_factory: pytest.TempPathFactory) -> FixtureStore:
    return make_store(tmp_path_factory.mktemp("edf") / "n.sqlite", (4,), 1200.0)


def test_our_export_reads_back_to_the_same_samples_and_score(
    uncalibrated: FixtureStore, tmp_path: Path
) -> None:
    """`export --format edf` then `score`/`import` of that EDF: the stored counts come back exactly
    (one EDF digital step is one count) and the score is the same."""
    with Store(uncalibrated.path, readonly=True) as store:
        (rec,) = load_nights(store, night=uncalibrated.night_ids[0])
        counts = store.read_samples(rec.night_id)
        stored_result = store.get_result(rec.night_id)
        info = store.get_night(rec.night_id)
    path = write_edf(tmp_path / "night.edf", rec, [counts], calibrations=[None])
    back = read_recording(path)
    assert back.fs_hz == info.fs_hz and back.n_samples == counts.shape[0]
    assert back.side == info.sides[0]
    assert back.start_utc is not None and info.start_utc is not None
    assert abs((back.start_utc - info.start_utc).total_seconds()) < 1e-3
    np.testing.assert_allclose(back.accel_g, counts * info.lsb_g, atol=0.51 * info.lsb_g)
    again, _, _ = back.to_counts(info.lsb_g)
    np.testing.assert_array_equal(again, counts)
    result = score(back).to_dict()
    assert stored_result is not None
    assert result["counts"] == stored_result["counts"]
    assert result["indices"] == stored_result["indices"]
    with Store(tmp_path / "re.sqlite") as store:
        imported = import_recording(store, path)
        # the EDF's physical range is written with 8 characters, so its values lie a hair off
        # the band's count grid: import keeps them on a finer grid, within half a band count
        np.testing.assert_allclose(
            store.read_accel_g(imported.night_id), counts * info.lsb_g, atol=0.51 * info.lsb_g
        )
        assert imported.result.to_dict()["counts"] == stored_result["counts"]


def test_a_real_polysomnograph_edf(shared_data: Path) -> None:
    """Nox A1 EDF+C, 89 channels, non-ASCII labels: its 20 Hz accelerometer, still, about 1 g."""
    rec = read_recording(shared_data / "psg" / "nox_a1_subject1_120s_legEMG.edf")
    assert rec.fs_hz == 20.0 and rec.duration_s == pytest.approx(120.0)
    assert rec.metadata["channels"] == "X Axis,Y Axis,Z Axis"
    assert rec.start_utc == datetime(2018, 2, 6, 1, 36, 50, tzinfo=UTC)
    assert "taken as UTC" in rec.metadata["start_time_zone"]
    magnitude = np.linalg.norm(rec.accel_g, axis=1)
    assert float(np.median(magnitude)) == pytest.approx(1.0, abs=0.05)


def _pyedflib_file(path: Path, labels: list[str], unit: str, scale: float) -> np.ndarray:
    rng = np.random.default_rng(1)
    data = (np.array([0.1, -0.2, 0.97]) + rng.normal(0, 0.01, (1000, 3))) * scale
    with pyedflib.EdfWriter(str(path), 4, file_type=pyedflib.FILETYPE_EDFPLUS) as w:
        heads = []
        for label in [*labels, "EMG Left Leg"]:
            heads.append(
                {
                    "label": label,
                    "dimension": unit if label != "EMG Left Leg" else "uV",
                    "sample_frequency": 25,
                    "physical_min": -16.0 * scale,
                    "physical_max": 16.0 * scale,
                    "digital_min": -32768,
                    "digital_max": 32767,
                }
            )
        w.setSignalHeaders(heads)
        w.setStartdatetime(datetime(2026, 3, 1, 23, 0, 0))
        w.writeSamples([*(np.ascontiguousarray(data[:, k]) for k in range(3)), data[:, 0]])
    return data / scale


@pytest.mark.parametrize(
    ("labels", "unit", "scale"),
    [
        (["ACC_X", "ACC_Y", "ACC_Z"], "mg", 1000.0),
        (["Accelerometer X", "Accelerometer Y", "Accelerometer Z"], "m/s^2", 9.80665),
        (["Accel X right", "Accel Y right", "Accel Z right"], "g", 1.0),
    ],
)
def test_labels_and_units_of_other_writers(
    tmp_path: Path, labels: list[str], unit: str, scale: float
) -> None:
    path = tmp_path / "a.edf"
    data = _pyedflib_file(path, labels, unit, scale)
    rec = read_recording(path)
    assert rec.fs_hz == 25.0 and rec.n_samples == 1000
    np.testing.assert_allclose(rec.accel_g, data, atol=1e-3)
    assert rec.side == ("right" if "right" in labels[0] else "unknown")


def test_files_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "emg.edf"
    _pyedflib_file(path, ["EMG 1", "EMG 2", "EMG 3"], "uV", 1.0)
    with pytest.raises(RecordingError, match="no three acceleration channels.*EMG 1"):
        read_recording(path)
    (tmp_path / "junk.edf").write_bytes(b"0       " + bytes(300))
    with pytest.raises(RecordingError, match="not a readable EDF file"):
        read_recording(tmp_path / "junk.edf")


def test_channels_chosen_by_label(tmp_path: Path) -> None:
    """Labels the reader cannot recognise: refused with the hint, then read with --channels."""
    path = tmp_path / "odd.edf"
    data = _pyedflib_file(path, ["Acc 1 tibia", "Acc 2 tibia", "Acc 3 tibia"], "g", 1.0)
    with pytest.raises(RecordingError, match=r"no three acceleration channels.*--channels"):
        read_recording(path)
    rec = read_recording(path, channels=["acc 1 tibia ", "Acc 2 tibia", "ACC 3 TIBIA"])
    np.testing.assert_allclose(rec.accel_g, data, atol=1e-3)
    assert rec.metadata["channels"] == "Acc 1 tibia,Acc 2 tibia,Acc 3 tibia"
    # the order given is X, Y, Z
    swapped = read_recording(path, channels=["Acc 2 tibia", "Acc 1 tibia", "Acc 3 tibia"])
    np.testing.assert_array_equal(swapped.accel_g[:, [1, 0, 2]], rec.accel_g)
    with pytest.raises(RecordingError, match="no channel labelled 'Acc 4'.*its channels: Acc 1"):
        read_recording(path, channels=["Acc 1 tibia", "Acc 2 tibia", "Acc 4"])
    with pytest.raises(RecordingError, match="three labels"):
        read_recording(path, channels=["Acc 1 tibia", "Acc 2 tibia"])
    with pytest.raises(RecordingError, match="not an acceleration unit"):
        read_recording(path, channels=["Acc 1 tibia", "Acc 2 tibia", "EMG Left Leg"])


def test_channels_choose_one_leg_of_two(tmp_path: Path) -> None:
    path = tmp_path / "two.edf"
    rng = np.random.default_rng(3)
    data = np.tile([0.0, 0.0, 1.0], 2) + rng.normal(0, 0.01, (500, 6))
    labels = [f"Accel {a} {leg}" for leg in ("left", "right") for a in "XYZ"]
    with pyedflib.EdfWriter(str(path), 6, file_type=pyedflib.FILETYPE_EDFPLUS) as w:
        w.setSignalHeaders(
            [
                {
                    "label": label,
                    "dimension": "g",
                    "sample_frequency": 25,
                    "physical_min": -16.0,
                    "physical_max": 16.0,
                    "digital_min": -32768,
                    "digital_max": 32767,
                }
                for label in labels
            ]
        )
        w.writeSamples([np.ascontiguousarray(data[:, k]) for k in range(6)])
    with pytest.raises(RecordingError, match="more than one band.*--channels"):
        read_recording(path)
    right = read_recording(path, channels=labels[3:])
    assert right.side == "right"
    np.testing.assert_allclose(right.accel_g, data[:, 3:], atol=1e-3)


def test_channels_on_the_real_polysomnograph_and_other_formats(
    shared_data: Path, tmp_path: Path
) -> None:
    psg = shared_data / "psg" / "nox_a1_subject1_120s_legEMG.edf"
    named = read_recording(psg, channels=["X Axis", "Y Axis", "Z Axis"])
    np.testing.assert_array_equal(named.accel_g, read_recording(psg).accel_g)
    csv = tmp_path / "n.csv"
    csv.write_text("time,x,y,z\n0,0,0,1\n0.04,0,0,1\n")
    with pytest.raises(RecordingError, match="channels are chosen only in EDF files"):
        read_recording(csv, channels=["x", "y", "z"])


def test_bad_and_truncated_copies_of_the_real_polysomnograph_edf(
    shared_data: Path, tmp_path: Path
) -> None:
    """edfio reads a copy cut short by dropping what is missing: ours says it is truncated."""
    data = (shared_data / "psg" / "nox_a1_subject1_120s_legEMG.edf").read_bytes()
    header_bytes = int(data[184:192])
    record_bytes = (len(data) - header_bytes) // 12  # 12 data records of 10 s
    cases = {
        "half.edf": (data[: len(data) // 2], "truncated EDF file: 5 of the 12 data records"),
        "records.edf": (
            data[: header_bytes + 7 * record_bytes],
            "truncated EDF file: 7 of the 12 data records",
        ),
        "header.edf": (data[:200], "not a readable EDF file"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(RecordingError, match=message) as info:
            read_recording(path)
        assert "\n" not in str(info.value)
