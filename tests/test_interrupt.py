"""Ctrl-C at any moment of ``rls-monitor record``: a clean end, never a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize("after_s", [0.05, 0.3, 1.0, 3.0])
def test_ctrl_c_at_any_moment_ends_cleanly(tmp_path: Path, after_s: float) -> None:
    db = tmp_path / "night.sqlite"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rls_monitor",
            "record",
            "--simulate",
            "--speed",
            "60",
            "--db",
            str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(after_s)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"record did not end within 2 min of a Ctrl-C at {after_s} s")
    assert "Traceback" not in out + err, err
    # 0: the night was closed; 130 or death by SIGINT: interrupted while starting up
    assert proc.returncode in (0, 130, -signal.SIGINT), (proc.returncode, err)
    if db.exists():
        check = subprocess.run(
            [sys.executable, "-m", "rls_monitor", "db", "check", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 0, check.stdout + check.stderr
