"""``rls-monitor calibrate``: from a file, simulated, auto from the store, and a band over a serial link.

The band tests run the guided six-pose calibration live from a paired band (a simulated band on
a pty): each pose is captured, a pose that moved is rejected and asked again, offset and scale
are fitted per axis and saved to that band; a port that was never paired is refused before
anything is captured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from calibration import POSES, Calibration
from firmware_host.band import SimulatedBand
from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.band_calibration.simulated import SimulatedSixPoseBand
from rls_monitor.band_calibration.stored import calibration_in_force
from rls_monitor.cli import main
from rls_monitor.cli.calibrate import calibrate
from rls_monitor.errors import CalibrationError
from rls_monitor.link.transports.simulated import BandDriver, PtyBand
from rls_monitor.nights.importing import import_recording
from rls_monitor.nights.summary import night_json
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from rls_monitor.storage import Store
from tests.calibration.synth_calibration import (
    OFFSET,
    SCALE,
    free_living,
    random_directions,
    six_pose_csv,
    six_pose_recording,
    write_band_csv,
)

FIXTURES = (six_pose_csv,)


def test_json_output(six_pose_csv: Path) -> None:
    result = CliRunner().invoke(calibrate, ["--from-file", str(six_pose_csv), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["offset_mg"]) == 3 and len(data["scale"]) == 3
    np.testing.assert_allclose(data["offset_mg"], OFFSET * 1000, atol=2.0)
    np.testing.assert_allclose(data["scale"], SCALE, rtol=0.002)
    assert data["error_after_mg"] < 10 < data["error_before_mg"]
    assert data["method"] == "six-pose"


def test_table_output_and_saved_file(six_pose_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.json"
    result = CliRunner().invoke(
        calibrate, ["--from-file", str(six_pose_csv), "--cross-axis", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "offset (mg)" in result.output and "scale" in result.output
    assert "cross-axis" in result.output
    assert "+z" in result.output and "Mean error" in result.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["matrix"] is not None


def test_failed_fit_is_an_rls_monitor_error(tmp_path: Path) -> None:
    raw = six_pose_recording(np.random.default_rng(22), OFFSET, SCALE, poses=("+x", "-x", "+y"))
    path = write_band_csv(tmp_path / "three_poses.csv", raw)
    result = CliRunner().invoke(calibrate, ["--from-file", str(path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, CalibrationError)
    assert "pose -y is missing" in str(result.exception)


def test_without_a_source_is_a_usage_error() -> None:
    result = CliRunner().invoke(calibrate, [])
    assert result.exit_code == 2
    assert "--from-file" in result.output


def test_registered_in_the_main_group_gives_one_line_errors(tmp_path: Path) -> None:
    from rls_monitor.cli import main

    assert "calibrate" in main.commands
    result = CliRunner().invoke(main, ["calibrate", "--from-file", str(tmp_path / "none.csv")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error:") or "Error:" in result.stderr


# --- the CLI with a store --------------------------------------------------------------------------


def test_cli_simulate_saves_to_the_device_and_shows_its_history(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite")
    runner = CliRunner()
    out = runner.invoke(
        calibrate, ["--simulate", "--yes", "--json", "--device", "B1", "--seed", "3", "--db", db]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["saved"] and data["device"] == "B1" and data["method"] == "six-pose"
    np.testing.assert_allclose(data["offset_mg"], data["true_offset_mg"], atol=2.0)
    np.testing.assert_allclose(data["scale"], data["true_scale"], rtol=0.002)
    assert any(not a["ok"] for a in data["attempts"])  # one pose was fidgeted and asked again
    shown = runner.invoke(calibrate, ["--device", "B1", "--json", "--db", db])
    assert shown.exit_code == 0, shown.output
    dev = json.loads(shown.stdout)
    assert dev["calibration"]["offset_mg"] == data["offset_mg"]
    assert [h["accepted"] for h in dev["history"]] == [True]
    text = runner.invoke(calibrate, ["--simulate", "--yes", "--db", db])
    assert text.exit_code == 0 and "Pose +x" in text.output and "rejected" in text.output


def _import(store: Store, accel: np.ndarray, fs_hz: float, device: str) -> int:
    rec = Recording(accel.astype(np.float32), fs_hz, device_id=device)
    return import_recording(store, rec, scorer=lambda r, rules: score(r, rules=rules)).night_id


def test_cli_auto_refuses_an_ankle_night_and_keeps_the_previous(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite")
    night = simulate_night(night_config("ordinary", duration_s=1800.0), seed=1)
    previous = Calibration(
        offset_g=np.array([0.01, 0.0, 0.0]), scale=np.array([1.0, 1.0, 1.0]), method="six-pose"
    )
    with Store(db) as store:
        store.add_calibration("ANKLE", previous.to_dict())
        night_id = _import(store, night.accel_g, night.fs_hz, "ANKLE")
    runner = CliRunner()
    out = runner.invoke(calibrate, ["--auto", str(night_id), "--json", "--db", db])
    assert out.exit_code == 0, out.output  # a refusal is an outcome, not an error
    data = json.loads(out.stdout)
    assert data["accepted"] is False and data["reason"]
    assert data["calibration"] == previous.to_dict() and data["nights"] == [night_id]
    text = runner.invoke(calibrate, ["--auto", "--device", "ANKLE", "--db", db])
    assert text.exit_code == 0 and "Not accepted" in text.output and "stays in force" in text.output
    with Store(db) as store:
        history = store.calibration_history("ANKLE")
        in_force = store.get_device("ANKLE")
    assert [h["accepted"] for h in history] == [True, False, False]
    assert in_force is not None and in_force["calibration"] == previous.to_dict()


def test_cli_auto_pools_the_device_nights_and_the_next_import_uses_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    offset_g = np.array([0.06, -0.04, 0.03])
    scale = np.array([1.03, 0.97, 1.01])  # the correction's scale (synth_calibration's model)
    db = str(tmp_path / "db.sqlite")
    with Store(db) as store:
        # two "nights" of one band, each seeing only half of the sphere: pooled they cover it
        for half in (1.0, -1.0):
            dirs = random_directions(rng, 40)
            dirs[:, 2] = half * np.abs(dirs[:, 2])
            accel, _, _ = free_living(rng, offset_g, scale, directions=dirs, fs_hz=25.0)
            _import(store, accel, 25.0, "POOL")
    runner = CliRunner()
    one = json.loads(runner.invoke(calibrate, ["--auto", "1", "--json", "--db", db]).stdout)
    assert one["accepted"] is False and "coverage" in one["reason"]
    out = runner.invoke(calibrate, ["--auto", "--device", "POOL", "--json", "--db", db])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["accepted"] is True and data["nights"] == [1, 2] and data["reason"] == ""
    np.testing.assert_allclose(data["calibration"]["offset_mg"], offset_g * 1000, atol=2.0)
    np.testing.assert_allclose(data["calibration"]["scale"], scale, rtol=0.002)
    assert data["error_after_mg"] < 2 < data["error_before_mg"]
    with Store(db) as store:
        accel, _, _ = free_living(rng, offset_g, scale, directions=random_directions(rng, 10))
        night_id = _import(store, np.repeat(accel, 3, axis=0), 30.0, "POOL")
        assert night_json(store, night_id)["calibration"] == data["calibration"]


FS_HZ = 50.0
LSB_G = 1.0 / 4096.0
BAND_OFFSET_MG = np.array([62.0, -35.0, 88.0])
BAND_SCALE = np.array([1.035, 0.962, 1.018])
HOLD_S = 12.0
#: what the user does at each capture: +y is shaken the first time, then held still
USER_POSES = ["+x", "-x", "+y*", "+y", "-y", "+z", "-z"]
SOURCE_S = 1800.0  # the band's source is long enough for every capture and the idle time


class PoseFollowingBand(SimulatedBand):
    """A band on an ankle the user turns: each START_STREAM (one capture) finds it in the next
    pose of ``USER_POSES``; the samples it records from then on are that pose's."""

    def __init__(self, truth: SimulatedSixPoseBand, **kwargs: Any) -> None:
        self.truth = truth
        self.user_poses = list(USER_POSES)
        self.starts = 0
        super().__init__(self._pose_counts("+x", round(SOURCE_S * FS_HZ)), **kwargs)

    def _pose_counts(self, pose: str, n: int) -> np.ndarray:
        shaken = pose.endswith("*")
        pose = pose.rstrip("*")
        if shaken:
            self.truth.moved[pose] = 1
            # the capture's length, shaken in its middle third, then still
            moved = self.truth.capture(pose).accel_g
            self.truth.hold_s = n / FS_HZ
            accel = np.vstack([moved, self.truth.capture(pose).accel_g])[:n]
            self.truth.hold_s = HOLD_S
        else:
            self.truth.hold_s = n / FS_HZ
            accel = self.truth.capture(pose).accel_g
            self.truth.hold_s = HOLD_S
        return np.round(accel / LSB_G).astype(np.int16)

    def _cmd_start_stream(self, cmd: Any) -> list[bytes]:
        if self.starts < len(self.user_poses):
            first = self._src_start + self.recorded_samples
            rest = len(self.source) - first
            self.source[first:] = self._pose_counts(self.user_poses[self.starts], rest)
        self.starts += 1
        out: list[bytes] = super()._cmd_start_stream(cmd)
        return out


def _truth() -> SimulatedSixPoseBand:
    return SimulatedSixPoseBand(
        BAND_OFFSET_MG, BAND_SCALE, fs_hz=FS_HZ, hold_s=HOLD_S, noise_mg=3.0, tilt_deg=1.0, seed=5
    )


@pytest.fixture
def band() -> Iterator[tuple[str, PoseFollowingBand]]:
    sim = PoseFollowingBand(_truth(), lsb_g=LSB_G, fs_hz=FS_HZ, device_id="RLS-00000000CA1B0001")
    # a slow idle clock: between a capture's GET_INFO and its START_STREAM the band is idle, and at
    # the default 60 simulated s per real s a loaded host's 0.1 s there was 6 s of the last pose
    # in the next capture (rejected, and every retry moved this double on to the next pose)
    with PtyBand(BandDriver(sim, idle_speed=2.0)) as pty:
        yield pty.port, sim


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_guided_calibration_of_a_paired_band_over_serial(
    tmp_path: Path, band: tuple[str, PoseFollowingBand]
) -> None:
    port, sim = band
    db = tmp_path / "n.sqlite"
    runner = CliRunner()
    paired = runner.invoke(
        main,
        ["pair", "--serial", port, "--side", "left", "--subject", "P-7", "--db", str(db)],
    )
    assert paired.exit_code == 0, paired.output

    result = runner.invoke(
        main,
        ["calibrate", "--serial", port, "--yes", "--json", "--hold", str(HOLD_S), "--db", str(db)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    true = sim.truth.true_correction
    np.testing.assert_allclose(data["offset_mg"], true.offset_g * 1000.0, atol=2.0)
    np.testing.assert_allclose(data["scale"], true.scale, rtol=0.002)
    assert data["error_after_mg"] < data["error_before_mg"]
    assert data["saved"] is True and data["device"] == port
    assert data["device_id"] == "RLS-00000000CA1B0001"

    # one capture per pose, plus the shaken +y asked again
    attempts = data["attempts"]
    assert [a["pose"] for a in attempts] == ["+x", "-x", "+y", "+y", "-y", "+z", "-z"]
    assert [a["ok"] for a in attempts] == [True, True, False, True, True, True, True]
    assert attempts[2]["reason"]
    assert all(a["still_s"] >= 10.0 for a in attempts if a["ok"])
    assert sim.starts == len(USER_POSES)
    # every capture ended with STOP_STREAM: the host sends it and closes without waiting for the
    # answer, so the band's own thread may still be reading its last bytes from the pty
    deadline = time.monotonic() + 5.0
    while sim.streaming and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not sim.streaming
    assert [p for p in POSES] == [a["pose"] for a in attempts if a["ok"]]

    # saved to the band: the calibration in force of its address
    with Store(db) as store:
        kept = calibration_in_force(store, port)
    assert kept is not None
    np.testing.assert_allclose(kept.offset_g * 1000.0, true.offset_g * 1000.0, atol=2.0)
    np.testing.assert_allclose(kept.scale, true.scale, rtol=0.002)


def test_an_unpaired_band_is_refused(tmp_path: Path, band: tuple[str, PoseFollowingBand]) -> None:
    port, sim = band
    result = CliRunner().invoke(
        main, ["calibrate", "--serial", port, "--yes", "--db", str(tmp_path / "n.sqlite")]
    )
    assert result.exit_code != 0
    lines = _lines(result.output)
    assert len(lines) == 1 and "not a paired band" in lines[0], result.output
    assert sim.starts == 0  # nothing was captured


def test_device_is_not_mixed_with_a_band(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["calibrate", "--serial", "/dev/null", "--device", "X", "--db", str(tmp_path / "n")],
    )
    assert result.exit_code != 0
