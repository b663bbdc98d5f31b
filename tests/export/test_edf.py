"""EDF+ export read back with an independent reader (pyedflib): samples and annotations."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import pyedflib  # a dev dependency: the round trip must never skip silently
import pytest

from rls_monitor.export import export, load_nights, write_edf
from rls_monitor.export.edf import NOT_RECORDED, edf_annotations
from rls_monitor.storage import Store
from tests.export.nightstore import CALIBRATION, FS_HZ, START_UTC, SUBJECT, FixtureStore


def _read(path: Path) -> tuple[dict[str, Any], list[np.ndarray], tuple[np.ndarray, ...]]:
    f = pyedflib.EdfReader(str(path))
    try:
        signals = [f.readSignal(i) for i in range(f.signals_in_file)]
        digital = [f.readSignal(i, digital=True) for i in range(f.signals_in_file)]
        header = {
            "labels": f.getSignalLabels(),
            "dims": [f.getPhysicalDimension(i) for i in range(f.signals_in_file)],
            "fs": list(f.getSampleFrequencies()),
            "pmin": [f.getPhysicalMinimum(i) for i in range(f.signals_in_file)],
            "pmax": [f.getPhysicalMaximum(i) for i in range(f.signals_in_file)],
            "dmin": [f.getDigitalMinimum(i) for i in range(f.signals_in_file)],
            "dmax": [f.getDigitalMaximum(i) for i in range(f.signals_in_file)],
            "patient": f.getPatientCode(),
            "header": f.getHeader(),
            "digital": digital,
        }
        annotations = f.readAnnotations()
    finally:
        f.close()
    return header, signals, annotations


@pytest.fixture(scope="module")
def edf_file(one_night: FixtureStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edf") / "night.edf"
    with Store(one_night.path, readonly=True) as store:
        export(store, path, "edf", night=one_night.night_ids[0], tz=UTC)
    return path


def test_signals_are_the_calibrated_samples(one_night: FixtureStore, edf_file: Path) -> None:
    from calibration.model import Calibration

    header, signals, _ = _read(edf_file)
    assert header["labels"] == ["Accel X left", "Accel Y left", "Accel Z left"]
    assert header["dims"] == ["g", "g", "g"]
    assert header["fs"] == [FS_HZ] * 3
    assert header["dmin"] == [-32768] * 3 and header["dmax"] == [32767] * 3
    with Store(one_night.path, readonly=True) as store:
        info = store.get_night(one_night.night_ids[0])
    counts = one_night.counts[one_night.night_ids[0]]
    assert header["pmin"] == [-32768 * info.lsb_g] * 3
    expected = Calibration.from_dict(CALIBRATION).apply(counts * info.lsb_g).astype(np.float64)
    n = counts.shape[0]
    for axis in range(3):
        step = (header["pmax"][axis] - header["pmin"][axis]) / 65535.0
        assert step == pytest.approx(info.lsb_g, rel=1e-6)  # one digital step = the sensor lsb
        err = np.abs(signals[axis][:n] - expected[:, axis])
        assert err.max() <= step / 2 + 1e-9  # exact to the EDF resolution
        assert signals[axis].size >= n
        # the data are padded to whole data records by holding the last sample
        assert np.all(signals[axis][n:] == signals[axis][n - 1])


def test_uncalibrated_counts_come_back_unchanged(
    three_nights: FixtureStore, tmp_path: Path
) -> None:
    night_id = three_nights.night_ids[0]
    with Store(three_nights.path, readonly=True) as store:
        export(store, tmp_path / "raw.edf", "edf", night=night_id)
    header, _, _ = _read(tmp_path / "raw.edf")
    counts = three_nights.counts[night_id]
    for axis in range(3):
        assert np.array_equal(header["digital"][axis][: counts.shape[0]], counts[:, axis])


def test_annotations_hold_every_movement_and_series(
    one_night: FixtureStore, edf_file: Path
) -> None:
    with Store(one_night.path, readonly=True) as store:
        result = store.get_result(one_night.night_ids[0])
    assert result is not None
    _, _, (onsets, durations, raw_texts) = _read(edf_file)
    texts = [str(t) for t in raw_texts]
    kinds = Counter(t for t in texts if t in ("LM", "CLM", "PLM"))
    counts = result["counts"]
    assert kinds["PLM"] == counts["plm"]
    assert kinds["CLM"] == counts["clm"] - counts["plm"]
    assert kinds["LM"] == counts["lm"] - counts["clm"]
    moves = result["movements"]
    got = sorted(
        (round(float(o), 3), round(float(d), 3), t)
        for o, d, t in zip(onsets, durations, texts, strict=True)
        if t in ("LM", "CLM", "PLM")
    )
    want = sorted(
        (
            m["onset_s"],
            round(m["offset_s"] - m["onset_s"], 3),
            "PLM" if m["plm"] else "CLM" if m["clm"] else "LM",
        )
        for m in moves
    )
    assert got == want
    series = [t for t in texts if t.startswith("PLM series")]
    assert len(series) == counts["series"] > 0
    lengths = result["series"]["lengths"]
    for k, text in enumerate(series):
        assert text == f"PLM series {k + 1} (n={lengths[k]}, {result['rules']})"
    assert any(result["rules"] in t and "Scored by" in t for t in texts)


def test_header_is_pseudonymous_and_keeps_the_start(edf_file: Path) -> None:
    import edfio

    header, _, _ = _read(edf_file)
    assert header["patient"] == SUBJECT
    assert header["header"]["patientname"] == "X"
    edf = edfio.read_edf(edf_file)
    # local clock time (UTC here), with the sub-second start kept by EDF+
    assert edf.startdatetime == START_UTC.replace(tzinfo=None)
    assert edf.local_recording_identification.split()[-2:] == ["rules=wasm2016", "UTC+00:00"]


def test_annotations_mark_out_of_bed_and_the_end() -> None:
    result = {"rules": "wasm2016", "movements": [], "software": {}}
    minutes = [{"start_s": 60.0 * k, "in_bed": k not in (2, 3)} for k in range(6)]
    ann = edf_annotations(result, minutes)
    assert (120.0, 120.0, "Out of bed") in ann


def test_annotations_mark_what_was_not_recorded() -> None:
    result = {
        "rules": "wasm2016",
        "movements": [],
        "software": {},
        "posture": {"not_recorded_s": 600.0, "gaps": 1, "not_recorded": [[600.0, 1200.0]]},
    }
    assert (600.0, 600.0, NOT_RECORDED) in edf_annotations(result)


def test_write_edf_from_a_record_without_a_store(one_night: FixtureStore, tmp_path: Path) -> None:
    with Store(one_night.path, readonly=True) as store:
        (rec,) = load_nights(store, night=one_night.night_ids[0])
        counts = store.read_samples(rec.night_id)
    path = write_edf(tmp_path / "direct.edf", rec, [counts], calibrations=[None])
    header, _, _ = _read(path)
    assert np.array_equal(header["digital"][2][: counts.shape[0]], counts[:, 2])


def test_two_bands_give_six_channels(tmp_path: Path) -> None:
    from rls_monitor.events import EventList
    from rls_monitor.export import night_row
    from rls_monitor.scoring import score
    from rls_monitor.storage import Channel

    rng = np.random.default_rng(5)
    left = rng.integers(-300, 300, size=(2500, 3)).astype(np.int16)
    right = rng.integers(-300, 300, size=(2500, 3)).astype(np.int16)
    onsets = np.arange(8, dtype=np.float64) * 11.0 + 5.0
    result = score(EventList(onsets, onsets + 1.5, duration_s=100.0)).to_dict()
    with Store(tmp_path / "two.sqlite") as store:
        night = store.create_night(
            "P02",
            fs_hz=25.0,
            lsb_g=2.0**-12,
            start_utc=START_UTC,
            channels=[Channel("left", "band-L"), Channel("right", "band-R")],
        )
        store.append_samples(night, 0, left, channel=0)
        store.append_samples(night, 0, right, channel=1)
        store.save_score(night, result)
        store.finish_night(night)
        export(store, tmp_path / "two.edf", "edf", night=night, tz=UTC)
        (rec,) = load_nights(store, night=night, tz=UTC)
    header, _, _ = _read(tmp_path / "two.edf")
    assert header["labels"] == [
        "Accel X left",
        "Accel Y left",
        "Accel Z left",
        "Accel X right",
        "Accel Y right",
        "Accel Z right",
    ]
    assert np.array_equal(header["digital"][4], right[:, 1])
    assert np.array_equal(header["digital"][0], left[:, 0])
    row = night_row(rec)
    assert row["side"] == "both" and row["device"] == "band-L;band-R"
