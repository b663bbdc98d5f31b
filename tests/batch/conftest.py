"""A folder of recordings as a researcher brings it: simulated nights, a real device file, and
files that cannot be read."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from rls_monitor.recording import write_csv
from tests.conftest import SHARED_DATA
from tests.storage.conftest import simulated_recording


@dataclass
class Cohort:
    """The folder, the files that must be stored and those that must fail."""

    root: Path
    good: list[Path]
    bad: dict[Path, str]


def make_cohort(root: Path, n_nights: int = 3, duration_s: float = 600.0) -> Cohort:
    """Write a cohort folder: ``n_nights`` simulated CSV nights in per-subject folders, the real
    Axivity file when ``../shared`` is there, an empty CSV, a CSV with a broken header and a
    ``.cwa`` that is not one."""
    good: list[Path] = []
    for k in range(n_nights):
        folder = root / f"P{k + 1:02d}"
        folder.mkdir(parents=True)
        good.append(
            write_csv(simulated_recording(duration_s, seed=k), folder / f"P{k + 1:02d}_n1.csv")
        )
    real = SHARED_DATA / "device_formats" / "ggirread_ax3_testfile.cwa"
    if real.is_file():
        (root / "AX").mkdir()
        good.append(Path(shutil.copy(real, root / "AX" / "ax3.cwa")))
    bad_dir = root / "broken"
    bad_dir.mkdir()
    (bad_dir / "empty.csv").write_text("")
    (bad_dir / "header.csv").write_text("t,a,b\n1,2,3\n")
    (bad_dir / "noise.cwa").write_bytes(bytes(range(256)) * 8)
    bad = {
        bad_dir / "empty.csv": "empty file",
        bad_dir / "header.csv": "header",
        bad_dir / "noise.cwa": "",
    }
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.csv").write_text("")  # hidden folders are not searched
    (root / "notes.txt").write_text("not a recording")  # nor files of other kinds
    return Cohort(root, sorted(p.resolve() for p in good), {p.resolve(): m for p, m in bad.items()})


@pytest.fixture
def cohort(tmp_path: Path) -> Cohort:
    return make_cohort(tmp_path / "cohort")
