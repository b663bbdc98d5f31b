"""Exports and reports are private files: mode 0600 whoever writes them, nothing left on refusal."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rls_monitor.errors import ConfigError
from rls_monitor.export import export
from rls_monitor.export.files import PRIVATE_MODE, private_output
from rls_monitor.storage import Store
from tests.export.nightstore import FixtureStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("fmt", "movements"), [("csv", False), ("json", False), ("csv", True), ("edf", False)]
)
def test_exports_are_owner_only(
    three_nights: FixtureStore, tmp_path: Path, fmt: str, movements: bool
) -> None:
    out = tmp_path / f"x.{fmt}"
    out.write_text("an older, world-readable file\n")
    out.chmod(0o644)
    night = three_nights.night_ids[0] if fmt == "edf" else None
    with Store(three_nights.path, readonly=True) as store:
        export(store, out, fmt, night=night, movements=movements)
    assert _mode(out) == PRIVATE_MODE
    fresh = tmp_path / f"new.{fmt}"
    with Store(three_nights.path, readonly=True) as store:
        export(store, fresh, fmt, night=night, movements=movements)
    assert _mode(fresh) == PRIVATE_MODE and fresh.stat().st_size > 100


def test_a_refused_output_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    with pytest.raises(ConfigError), private_output(out):
        raise ConfigError("refused")
    assert not out.exists()
    out.write_text("kept")
    with pytest.raises(ConfigError), private_output(out):
        raise ConfigError("refused")
    assert out.read_text() == "kept"  # not ours to delete
