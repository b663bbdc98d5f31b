"""Which files a batch takes, and their content hashes (rls_monitor/batch/files.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rls_monitor.batch.files import file_sha256, find_recordings
from rls_monitor.errors import ConfigError
from tests.batch.conftest import Cohort


def test_folders_are_searched_for_recordings(cohort: Cohort) -> None:
    found = find_recordings([cohort.root])
    assert found == sorted([*cohort.good, *cohort.bad])
    assert all(".hidden" not in p.parts and p.suffix != ".txt" for p in found)


def test_globs_files_and_repeats(cohort: Cohort) -> None:
    csvs = [p for p in cohort.good if p.suffix == ".csv"]
    found = find_recordings([str(cohort.root / "P0*" / "*.csv"), csvs[0], csvs[0].parent])
    assert found == csvs
    # a file named directly is taken whatever its suffix: reading it says what is wrong
    assert find_recordings([cohort.root / "notes.txt"]) == [(cohort.root / "notes.txt").resolve()]


def test_a_path_that_names_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file or folder"):
        find_recordings([tmp_path / "missing"])
    with pytest.raises(ConfigError, match="no file matches"):
        find_recordings([str(tmp_path / "*.gt3x")])


def test_sha256_is_of_the_content(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000
    (tmp_path / "a.bin").write_bytes(data)
    (tmp_path / "b.bin").write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert file_sha256(tmp_path / "a.bin") == expected
    assert file_sha256(tmp_path / "b.bin") == expected
