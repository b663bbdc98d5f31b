"""``rls-monitor simulate``: a simulated night as a file, for the first `score` and `import`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from rls_monitor.cli import main
from rls_monitor.recording import read_recording
from rls_monitor.simulation import simulated_sources


def test_simulate_writes_a_night_that_score_and_import_read(tmp_path: Path) -> None:
    path = tmp_path / "night.csv"
    runner = CliRunner()
    res = runner.invoke(main, ["simulate", str(path), "--duration", "1200", "--seed", "4"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Wrote a simulated night of 0 h 20 min (seed 4, 60000 samples")
    assert f"Try: rls-monitor score {path}" in res.output
    rec = read_recording(path)  # an independent reader: the CSV reader, not the simulator
    counts, _lsb_g, fs_hz = simulated_sources(None, duration_s=1200.0, bilateral=False, seed=4)[
        "left"
    ]
    assert rec.fs_hz == fs_hz and rec.side == "left" and rec.start_utc is not None
    assert np.array_equal(rec.to_counts()[0], counts)  # the night record --simulate plays
    assert rec.start_utc.astimezone().strftime("%H:%M") == "22:30"
    scored = runner.invoke(main, ["score", str(path), "--json"])
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output)["counts"]["lm"] > 0
    stored = runner.invoke(main, ["import", str(path), "--db", str(tmp_path / "n.sqlite")])
    assert stored.exit_code == 0 and stored.output.startswith("Stored night 1: 0 h 20 min, ")
