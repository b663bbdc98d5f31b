"""The guided six-pose calibration with a band over a real link (a simulated band on a pty).

``rls-monitor calibrate --serial PORT`` captures each pose live from the paired band, rejects a
pose that moved and asks for it again, fits offset and scale per axis, and saves the result to
that band; a port that was never paired is refused before anything is captured.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from calibration import POSES
from firmware_host.band import SimulatedBand
from rls_monitor.band_calibration.simulated import SimulatedSixPoseBand
from rls_monitor.band_calibration.stored import calibration_in_force
from rls_monitor.cli import main
from rls_monitor.storage import Store
from rls_monitor.transports.simulated import BandDriver, PtyBand

FS_HZ = 50.0
LSB_G = 1.0 / 4096.0
OFFSET_MG = np.array([62.0, -35.0, 88.0])
SCALE = np.array([1.035, 0.962, 1.018])
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
        OFFSET_MG, SCALE, fs_hz=FS_HZ, hold_s=HOLD_S, noise_mg=3.0, tilt_deg=1.0, seed=5
    )


@pytest.fixture
def band() -> Iterator[tuple[str, PoseFollowingBand]]:
    sim = PoseFollowingBand(_truth(), lsb_g=LSB_G, fs_hz=FS_HZ, device_id="RLS-00000000CA1B0001")
    with PtyBand(BandDriver(sim)) as pty:
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
    assert not sim.streaming  # every capture ended with STOP_STREAM
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
    assert "--device" in result.output
