"""``rls-monitor score``: errors are one line and a non-zero exit status."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rls_monitor.cli import main


def test_bad_input_is_one_line_and_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text("time,x,y,z\n0,0,0,1\n0.02,0,oops,1\n0.04,0,0,1\n")
    result = CliRunner().invoke(main, ["score", str(bad)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert "Traceback" not in result.output


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["score", str(tmp_path / "none.csv")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_channels_of_an_edf(tmp_path: Path) -> None:
    """--channels picks an EDF's acceleration channels; a wrong count is a usage error (2)."""
    import edfio
    import numpy as np

    accel = np.tile([0.0, 0.0, 1.0], (25 * 120, 1)) + np.random.default_rng(0).normal(
        0, 0.005, (25 * 120, 3)
    )
    signals = [
        edfio.EdfSignal(
            accel[:, k],
            sampling_frequency=25,
            label=f"Tibia {k}",
            physical_dimension="g",
            physical_range=(-8, 8),
        )
        for k in range(3)
    ]
    path = tmp_path / "lab.edf"
    edfio.Edf(signals).write(path)
    runner = CliRunner()
    refused = runner.invoke(main, ["score", str(path)])
    assert refused.exit_code == 1 and "--channels" in refused.output
    ok = runner.invoke(
        main, ["score", str(path), "--channels", "Tibia 0,Tibia 1,Tibia 2", "--json"]
    )
    assert ok.exit_code == 0, ok.output
    assert '"fs_hz": 25' in ok.output
    usage = runner.invoke(main, ["score", str(path), "--channels", "Tibia 0,Tibia 1"])
    assert usage.exit_code == 2 and "three channel labels" in usage.output
    stored = runner.invoke(
        main,
        [
            "import",
            str(path),
            "--channels",
            "Tibia 0,Tibia 1,Tibia 2",
            "--db",
            str(tmp_path / "s.sqlite"),
        ],
    )
    assert stored.exit_code == 0 and stored.output.startswith("Stored night 1"), stored.output
