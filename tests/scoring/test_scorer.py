"""score(): event lists with hand-computed answers, recordings (stubbed and end to end), SciPy's
import (rls_monitor/scoring/scorer.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import rls_monitor
import rls_monitor.detection as detection
from rls_monitor.detection.artefacts import RejectedCandidates
from rls_monitor.detection.indices import StageEpochs
from rls_monitor.errors import ConfigError
from rls_monitor.events import EventList, read_event_list
from rls_monitor.recording import Recording, fill_gaps
from rls_monitor.scoring import ScoreResult, format_summary, score
from rls_monitor.scoring.scorer import GAP_PAD_S
from tests.scoring.conftest import event_list

REQUIRED_KEYS = {
    "rules",
    "duration_s",
    "in_bed_s",
    "movements",
    "counts",
    "indices",
    "imi",
    "per_hour",
    "histograms",
    "limitations",
    "source",
    "software",
}


# --- event lists --------------------------------------------------------------------------------


def test_five_clms_at_20_s() -> None:
    r = score(event_list([100, 120, 140, 160, 180]))
    d = r.to_dict()
    assert REQUIRED_KEYS <= d.keys()
    assert d["rules"] == "wasm2016"
    assert d["counts"]["lm"] == 5 and d["counts"]["plm"] == 5 and d["counts"]["series"] == 1
    assert d["indices"]["plm_per_h"] == 5.0 and d["indices"]["lm_per_h"] == 5.0
    assert [m["series"] for m in d["movements"]] == [0] * 5
    assert d["movements"][0] == {
        "onset_s": 100.0,
        "offset_s": 102.0,
        "duration_s": 2.0,
        "side": "unknown",
        "bilateral": False,
        "n_parts": 1,
        "clm": True,
        "plm": True,
        "series": 0,
    }
    assert d["source"]["kind"] == "events"
    assert d["software"] == {"name": "rls-monitor", "version": rls_monitor.__version__}


def test_aasm_and_wasm_differ_on_7_s_imi() -> None:
    ev = event_list([0, 7, 14, 21, 28], dur=1.0)
    assert score(ev, "aasm").counts["plm"] == 5
    assert score(ev, "wasm2016").counts["plm"] == 0
    assert score(ev, "aasm").to_dict()["rules"] == "aasm"


def test_bilateral_event_list() -> None:
    # Left and right overlapping at each of 5 times 20 s apart: 5 bilateral LMs, one series.
    on = np.repeat(np.arange(5) * 20.0, 2) + np.tile([0.0, 0.3], 5)
    ev = EventList(on, on + 1.0, side=("left", "right") * 5, duration_s=600.0)
    r = score(ev)
    assert r.counts["lm"] == 5 and r.counts["plm"] == 5
    assert all(m.side == "bilateral" and m.n_parts == 2 for m in r.movements)
    assert r.sides is not None and r.sides["bilateral"]["plm"] == 5
    assert r.source["side"] == "both"


def test_respiratory_related_clms_with_and_without() -> None:
    # 6 CLMs at 20 s IMI; a hypopnea ending at 45 s makes the CLM at 50 s respiratory-related.
    ev = event_list(
        [0, 20, 40, 50.0 + 10.0, 80, 100],
        dur=1.0,
        respiratory_onset_s=np.array([30.0]),
        respiratory_offset_s=np.array([55.0]),
        respiratory_type=("hypopnea",),
    )
    # Window 53 .. 65.25 s holds the CLM at 60 s.
    r = score(ev)
    assert r.respiratory is not None
    assert r.respiratory["respiratory_clm"] == 1
    assert r.respiratory["plm_including"] == 6
    assert r.respiratory["plm_excluding"] == 0  # 3 + 2 around the excluded CLM: no series
    assert [m.respiratory for m in r.movements] == [False, False, False, True, False, False]


def test_plms_and_plmw_from_stages() -> None:
    stage = ("W",) * 2 + ("N2",) * 8 + ("W",) * 2
    stages = StageEpochs(np.arange(12, dtype=np.float64) * 30.0, stage)
    ev = event_list([100, 120, 140, 160, 180, 200, 300, 320], duration_s=360.0, stages=stages)
    r = score(ev)
    assert r.sleep is not None
    # LMs 100..200 (6) are in N2 and 300/320 in wake: series 100..200 (6 PLM), 200->300 IMI 100 s.
    assert r.counts["plm"] == 6
    assert r.sleep["plms"] == 6 and r.sleep["plmw"] == 0
    assert r.sleep["plms_per_h"] == pytest.approx(6 / (240 / 3600), abs=1e-3)
    assert [m.stage for m in r.movements][:2] == ["N2", "N2"]


def test_arousal_association() -> None:
    ev = event_list(
        [100, 120, 140, 160],
        dur=1.0,
        arousal_onset_s=np.array([121.3, 300.0]),
        arousal_offset_s=np.array([125.0, 305.0]),
    )
    r = score(ev)
    assert r.arousals is not None and r.arousals["lm_with_arousal"] == 1
    assert [m.arousal for m in r.movements] == [False, True, False, False]


def test_event_file_through_score(tmp_path: Path) -> None:
    p = tmp_path / "psg.csv"
    p.write_text(
        "# duration_s: 1800\ntype,onset_s,offset_s,side\n"
        + "".join(f"lm,{10 + 25 * i},{11.5 + 25 * i},left\n" for i in range(6)),
        encoding="utf-8",
    )
    r = score(read_event_list(p))
    assert r.counts["plm"] == 6 and r.indices["plm_per_h"] == 12.0
    assert r.source["file"] == "psg.csv"


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="rules"):
        score(event_list([0.0]), rules="icsd3")
    with pytest.raises(ConfigError, match="source"):
        score("night.csv")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="detector"):
        score(event_list([0.0]), detector=object())  # type: ignore[arg-type]


# --- recordings with a stubbed detector (checks the wiring of score) ----------------------------


@dataclass
class _Posture:
    lying: np.ndarray
    epoch_s: float = 30.0
    turnovers: int = 0
    in_bed_s: float = field(init=False)

    def __post_init__(self) -> None:
        self.in_bed_s = float(self.lying.sum() * self.epoch_s)


def _stub(monkeypatch: pytest.MonkeyPatch, movements: dict[str, dict[str, np.ndarray]]) -> None:
    """Replace the detector: posture = lying from 60 s on; movements looked up by the band's side."""

    def detect_posture(accel_g: np.ndarray, fs_hz: float, config: Any = None) -> _Posture:
        n = int(np.ceil(accel_g.shape[0] / fs_hz / 30.0))
        lying = np.ones(n, bool)
        lying[:2] = False
        return _Posture(lying=lying, turnovers=1)

    def detect_leg_movements(
        accel_g: np.ndarray, fs_hz: float, *, posture: Any = None, config: Any = None
    ) -> SimpleNamespace:
        key = "left" if accel_g[0, 0] > 0 else "right"
        return SimpleNamespace(**{"rejected": RejectedCandidates.empty(), **movements[key]})

    monkeypatch.setattr(detection, "detect_posture", detect_posture, raising=False)
    monkeypatch.setattr(detection, "detect_leg_movements", detect_leg_movements, raising=False)


def _rec(side: str, seconds: float = 600.0, fs_hz: float = 10.0) -> Recording:
    accel = np.zeros((int(seconds * fs_hz), 3), np.float32)
    accel[0, 0] = 1.0 if side == "left" else -1.0
    return Recording(accel, fs_hz=fs_hz, side=side, device_id=f"band-{side}")


def _lms(onsets: Sequence[float], turn: Sequence[int] = ()) -> dict[str, np.ndarray]:
    on = np.asarray(onsets, dtype=float)
    pc = np.zeros(on.size, bool)
    pc[list(turn)] = True
    return {"onset_s": on, "offset_s": on + 1.5, "peak_mg": on * 0 + 80.0, "posture_change": pc}


def test_recording_wiring_excludes_turnovers_and_out_of_bed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 10 s (out of bed), then LMs every 20 s from 100 s; the one at 160 s is a turn-over.
    _stub(monkeypatch, {"left": _lms([10, 100, 120, 140, 160, 180, 200, 220], turn=[4])})
    r = score(_rec("left"))
    assert r.counts["lm"] == 6
    assert r.posture is not None
    assert r.posture["excluded_posture_changes"] == 1 and r.posture["excluded_out_of_bed"] == 1
    assert r.posture["turnovers"] == 1
    assert r.in_bed_s == 540.0
    # 100 120 140 | (160 removed) 180 200 220: IMI 40 s keeps the series going.
    assert r.counts["plm"] == 6
    assert r.movements[0].peak_mg == 80.0
    d = r.to_dict()
    assert d["source"] == {
        "kind": "recording",
        "device": "band-left",
        "side": "left",
        "fs_hz": 10.0,
        "start_utc": None,
        "n_recordings": 1,
    }
    assert "per hour in bed" in " ".join(d["limitations"])
    text = format_summary(r)
    assert "Turn-overs: 1" in text and "per hour in bed" in text
    assert ScoreResult.from_dict(json.loads(json.dumps(d))).to_dict() == d


def test_two_recordings_score_bilaterally(monkeypatch: pytest.MonkeyPatch) -> None:
    left = [100, 120, 140, 160]
    right = [100.4, 120.4, 140.4, 160.4, 300.0]
    _stub(monkeypatch, {"left": _lms(left), "right": _lms(right)})
    r = score([_rec("left"), _rec("right")])
    assert r.counts["lm"] == 5 and r.counts["plm"] == 4
    assert r.sides is not None
    assert r.sides["bilateral"]["lm"] == 4 and r.sides["right"]["lm"] == 1
    assert r.source["side"] == "both"


def test_two_recordings_must_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    _stub(monkeypatch, {"left": _lms([100]), "right": _lms([100])})
    with pytest.raises(ConfigError, match="left and the right"):
        score([_rec("left"), _rec("left")])
    with pytest.raises(ConfigError, match="rates"):
        score([_rec("left"), _rec("right", fs_hz=20.0)])


# --- the engine against the signal model's truth (no detector involved) --------------------------


def _signal_model() -> Any:
    return pytest.importorskip(
        "firmware_host.signal_model", reason="the simulated band's signal model is not available"
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("rules", ["wasm2016", "aasm"])
def test_true_movements_score_as_the_model_planned(seed: int, rules: str) -> None:
    # The model keeps every IMI of its periodic series in 12-88 s and other episodes > 95 s away:
    # under WASM exactly its periodic movements are PLMs. Under AASM a cluster (2-4 LMs, IMI
    # 3-9.5 s) may also form a series, so only periodic -> PLM and isolated/long -> not are checked.
    sm = _signal_model()
    night = sm.simulate_night(sm.night_config("ordinary", duration_s=5400.0, fs_hz=50.0), seed=seed)
    mv = night.truth.movements
    r = score(EventList(mv.onset_s, mv.offset_s, duration_s=night.duration_s), rules)
    periodic = mv.kind == "periodic"
    plm = np.array([m.plm for m in r.movements])
    if rules == "wasm2016":
        assert (plm == periodic).all()
        assert r.counts["series"] == len(set(mv.series_id[periodic].tolist()))
        assert r.counts["nonclm"] == int((mv.kind == "long").sum())
    else:
        assert (plm[periodic]).all()
        assert not plm[(mv.kind == "isolated") | (mv.kind == "long")].any()


def test_true_bilateral_movements_merge_as_planned() -> None:
    sm = _signal_model()
    cfg = sm.night_config("ordinary", duration_s=5400.0, fs_hz=50.0)
    left, right = sm.simulate_bilateral_night(cfg, seed=4)
    ml, mr = left.truth.movements, right.truth.movements
    on = np.concatenate([ml.onset_s, mr.onset_s])
    off = np.concatenate([ml.offset_s, mr.offset_s])
    side = ("left",) * len(ml) + ("right",) * len(mr)
    r = score(EventList(on, off, side=side, duration_s=left.duration_s))
    # Subject-level movements: each bilateral one is listed once per leg.
    n_bilateral = int(ml.bilateral.sum())
    assert int(mr.bilateral.sum()) == n_bilateral
    assert r.counts["lm"] == len(ml) + len(mr) - n_bilateral
    assert r.sides is not None and r.sides["bilateral"]["lm"] == n_bilateral
    n_periodic = int((ml.kind == "periodic").sum() + (mr.kind == "periodic").sum())
    n_periodic -= int(((ml.kind == "periodic") & ml.bilateral).sum())
    assert r.counts["plm"] == n_periodic


# --- end to end on simulated nights -------------------------------------------------------------


def _simulated(seed: int, duration_s: float = 5400.0) -> Any:
    signal_model = _signal_model()
    if not hasattr(detection, "detect_leg_movements"):
        pytest.skip("the leg-movement detector is not available")
    return signal_model.simulate_night(
        signal_model.night_config("ordinary", duration_s=duration_s, fs_hz=50.0), seed=seed
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_end_to_end_plm_index_close_to_truth(seed: int) -> None:
    night = _simulated(seed)
    evaluation = pytest.importorskip("rls_monitor.detection.evaluation")
    rec = Recording(night.accel_g, fs_hz=night.fs_hz, side="left")
    got = score(rec)
    truth_mv = night.truth.movements
    truth = score(
        EventList(
            np.asarray(truth_mv.onset_s, float),
            np.asarray(truth_mv.offset_s, float),
            duration_s=rec.duration_s,
        )
    )
    in_bed_truth = float(night.truth.in_bed_s())
    plm_truth = truth.counts["plm"] / (in_bed_truth / 3600.0)
    assert got.plm_per_h is not None
    assert got.plm_per_h == pytest.approx(plm_truth, rel=0.10)
    pred_on = np.array([m.onset_s for m in got.movements])
    tp, fp, fn = evaluation.match_events(np.asarray(truth_mv.onset_s, float), pred_on, 0.5)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.95


@pytest.mark.slow
@pytest.mark.parametrize("seed", [4, 5])
def test_end_to_end_bilateral_plm_index_close_to_truth(seed: int) -> None:
    sm = _signal_model()
    if not hasattr(detection, "detect_leg_movements"):
        pytest.skip("the leg-movement detector is not available")
    cfg = sm.night_config("ordinary", duration_s=5400.0, fs_hz=50.0)
    left, right = sm.simulate_bilateral_night(cfg, seed=seed)
    got = score(
        [
            Recording(left.accel_g, fs_hz=left.fs_hz, side="left"),
            Recording(right.accel_g, fs_hz=right.fs_hz, side="right"),
        ]
    )
    ml, mr = left.truth.movements, right.truth.movements
    truth = score(
        EventList(
            np.concatenate([ml.onset_s, mr.onset_s]),
            np.concatenate([ml.offset_s, mr.offset_s]),
            side=("left",) * len(ml) + ("right",) * len(mr),
            duration_s=left.duration_s,
        )
    )
    plm_truth = truth.counts["plm"] / (left.truth.in_bed_s() / 3600.0)
    assert got.plm_per_h == pytest.approx(plm_truth, rel=0.10)
    assert got.sides is not None and truth.sides is not None
    assert got.sides["bilateral"]["lm"] == pytest.approx(truth.sides["bilateral"]["lm"], rel=0.1)


# --- SciPy is loaded when scoring starts -----------------------------------------------------


def test_scipy_is_imported_when_scoring_starts_not_at_start_up() -> None:
    """SciPy (``scipy.signal``: the band-pass; ``scipy.ndimage``: the moving average, rolling
    rank and morphology filters) is loaded when a night is scored, not by importing the package,
    the CLI, the nights API, the scoring and detection modules, or the session (the resident
    memory of the CLI's start-up stays small)."""
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import rls_monitor, rls_monitor.cli, rls_monitor.nights.recorder, rls_monitor.nights.record, rls_monitor.link.band_session  # noqa
        import rls_monitor.nights.importing, rls_monitor.nights.rescore  # noqa
        import rls_monitor.nights.summary  # noqa
        import rls_monitor.detection, rls_monitor.scoring  # noqa
        from rls_monitor.recording import Recording
        from rls_monitor.scoring import score

        def loaded():
            return sorted(m for m in sys.modules if m == "scipy" or m.startswith("scipy."))

        print(loaded())
        rng = np.random.default_rng(0)
        a = rng.normal(0.0, 0.005, (50 * 600, 3)).astype(np.float32)
        a[:, 0] += 1.0
        score(Recording(accel_g=a, fs_hz=50.0))
        print(sorted({"scipy.signal", "scipy.ndimage"} & set(loaded())))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    before, after = out.stdout.strip().splitlines()
    assert before == "[]", before
    assert after == "['scipy.ndimage', 'scipy.signal']", after


def test_time_not_recorded_is_not_time_in_bed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gap (200-400 s) leaves bed time and takes the movements in and beside it out."""
    _stub(monkeypatch, {"left": _lms([100, 120, 140, 300, 400.5, 450, 470, 490, 510])})
    rec = _rec("left")
    with_gap = Recording(
        rec.accel_g, fs_hz=rec.fs_hz, side="left", device_id=rec.device_id, gaps=[[2000, 4000]]
    )
    whole, gapped = score(rec), score(with_gap)
    # epochs 7-12 (210-390 s) are all gap; epochs 6 and 13 are a third gap and stay in bed
    assert whole.in_bed_s == 540.0 and gapped.in_bed_s == 360.0
    assert whole.counts["lm"] == 9 and gapped.counts["lm"] == 7
    assert gapped.posture is not None
    assert gapped.posture["not_recorded_s"] == 200.0 and gapped.posture["gaps"] == 1
    assert gapped.posture["excluded_not_recorded"] == 2
    assert "Not recorded: 0 h 03 min in 1 gap (not counted as time in bed; 2 movements" in (
        format_summary(gapped)
    )
    assert "not_recorded_s" not in (whole.posture or {})


@pytest.mark.slow
def test_a_gap_in_a_simulated_night() -> None:
    """Ten minutes cut out of a real-detector night: no LM in it, bed time 10 min shorter."""
    night = _simulated(7, duration_s=3600.0)
    rec = Recording(night.accel_g, fs_hz=night.fs_hz, side="left")
    gap = np.array([[int(1200 * rec.fs_hz), int(1800 * rec.fs_hz)]])
    cut = Recording(fill_gaps(rec.accel_g, gap), fs_hz=rec.fs_hz, side="left", gaps=gap)
    whole, gapped = score(rec), score(cut)
    assert whole.in_bed_s - gapped.in_bed_s == pytest.approx(600.0, abs=30.0)
    onsets = np.array([m.onset_s for m in gapped.movements])
    assert not np.any((onsets > 1200.0 - GAP_PAD_S) & (onsets < 1800.0 + GAP_PAD_S))
    outside = [m.onset_s for m in whole.movements if not 1199.0 - 10 < m.onset_s < 1801.0 + 10]
    kept = {round(m.onset_s, 2) for m in gapped.movements}
    assert sum(round(x, 2) in kept for x in outside) >= 0.95 * len(outside)
