"""Scoring recordings and event lists (rls_monitor/scoring/score.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_scipy_is_imported_when_scoring_starts_not_at_start_up() -> None:
    """SciPy (``scipy.signal``: the band-pass; ``scipy.ndimage``: the moving average, rolling
    rank and morphology filters) is loaded when a night is scored, not by importing the package,
    the CLI, the nights API, the scoring and detection modules, or the session (the resident
    memory of the CLI's start-up stays small)."""
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import rls_monitor, rls_monitor.cli, rls_monitor.nights, rls_monitor.session  # noqa
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
