"""Output files readable by their owner alone (0600), like the database: exports and reports."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from rls_monitor.errors import RLSMonitorError

__all__ = ["PRIVATE_MODE", "private_output"]

#: Mode of every file rls-monitor writes health data to: read and write by the owner alone.
PRIVATE_MODE = 0o600


@contextlib.contextmanager
def private_output(path: str | Path) -> Iterator[Path]:
    """Make ``path`` an owner-only file before something writes it, whoever the writer is.

    A new file is created empty with mode 0600 (never briefly readable by others); an existing
    one is set to 0600 before it is overwritten. A writer that then opens the path for writing
    (``open(path, "w")``, a library's ``write(path)``) keeps that mode. When the block raises,
    a file created here is removed again, so a refused output leaves nothing behind.

    Parameters
    ----------
    path : str or Path
        The output file.

    Yields
    ------
    Path

    Raises
    ------
    RLSMonitorError
        The file cannot be created.
    """
    out = Path(path)
    created = False
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        os.close(fd)
        created = True
    except FileExistsError:
        with contextlib.suppress(OSError):  # not ours to change: the writer reports it
            os.chmod(out, PRIVATE_MODE)
    except OSError as exc:
        raise RLSMonitorError(f"cannot write {out}: {exc.strerror or exc}") from exc
    try:
        yield out
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                out.unlink()
        raise
