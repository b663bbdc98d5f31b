"""Reading any recording file: the dispatch by suffix."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.recording import read_recording


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such file"):
        read_recording(tmp_path / "nope.csv")
    (tmp_path / "x.xyz").write_text("1")
    with pytest.raises(RecordingError, match="unknown recording format"):
        read_recording(tmp_path / "x.xyz")
