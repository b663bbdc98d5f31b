"""The recordings a batch run takes: files, folders (searched recursively) and glob patterns.

A file is known by :func:`~rls_monitor.nights.importing.file_sha256`, as ``import`` knows it.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

from rls_monitor.errors import ConfigError
from rls_monitor.nights.importing import file_sha256
from rls_monitor.recording.read import RECORDING_SUFFIXES

__all__ = ["file_sha256", "find_recordings"]


def find_recordings(paths: Iterable[str | Path]) -> list[Path]:
    """Every recording file named by ``paths``, each once, in sorted order.

    Parameters
    ----------
    paths : iterable of str or Path
        Files (taken whatever their suffix, so a wrong one fails with its reason), folders
        (searched recursively for files with a suffix :func:`~rls_monitor.recording.read_recording`
        reads; hidden files and folders are skipped) and glob patterns (``**`` for any depth).

    Returns
    -------
    list of Path
        Resolved paths.

    Raises
    ------
    ConfigError
        A path that names nothing.
    """
    found: dict[Path, None] = {}
    for item in paths:
        text = str(item)
        path = Path(text).expanduser()
        if path.is_file():
            found[path.resolve()] = None
        elif path.is_dir():
            for sub in sorted(path.rglob("*")):
                rel = sub.relative_to(path).parts
                if any(part.startswith(".") for part in rel):
                    continue
                if sub.is_file() and sub.suffix.lower() in RECORDING_SUFFIXES:
                    found[sub.resolve()] = None
        elif glob.has_magic(text):
            matches = sorted(glob.glob(str(path), recursive=True))
            files = [Path(m) for m in matches if Path(m).is_file()]
            if not files:
                raise ConfigError(f"no file matches {text!r}", name="paths", value=text)
            for f in files:
                found[f.resolve()] = None
        else:
            raise ConfigError(f"no such file or folder: {text}", name="paths", value=text)
    return sorted(found)
