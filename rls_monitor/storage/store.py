"""The rls-monitor store: one SQLite file (through sqlite-utils) holding every night.

Open it with :class:`Store` (a context manager). The file is created with owner-only permissions
(it holds health data), in WAL mode with foreign keys on, and upgraded by the versioned
migrations of :mod:`rls_monitor.storage.migrations`. A file that is not SQLite, or is SQLite but
not ours (no matching ``application_id``), is refused with :class:`StorageError`; it is never
overwritten.

Writes are short ``BEGIN IMMEDIATE`` transactions: :meth:`Store.append_samples` commits at most
``max_blocks_per_transaction`` blocks at a time, so a process killed at any moment loses at most
the blocks of the transaction in flight, and the file always opens and passes :meth:`Store.check`.
A night left ``recording`` by a writer that no longer runs is marked ``interrupted`` by the next
process that opens the file read-write; it can then be resumed (:meth:`Store.resume_night`) or
closed (:meth:`Store.finish_night`).

The :class:`Store` combines the table groups, each a mixin in its own module over
:class:`~rls_monitor.storage.base.StoreBase`.
"""

from __future__ import annotations

from rls_monitor.storage.calibrations import CalibrationsMixin
from rls_monitor.storage.diary import DiaryMixin
from rls_monitor.storage.integrity import IntegrityMixin
from rls_monitor.storage.nights import NightsMixin
from rls_monitor.storage.scores import ScoresMixin

__all__ = ["Store"]


class Store(IntegrityMixin, ScoresMixin, NightsMixin, CalibrationsMixin, DiaryMixin):
    """The SQLite file that keeps every night.

    Parameters
    ----------
    path : str or pathlib.Path
        The database file; created (owner-only, mode 0600) when missing.
    create : bool
        Create the file if it does not exist (else raise).
    readonly : bool
        Open for reading only (no migration, no recovery); for exports next to a recorder.
    busy_timeout_s : float
        How long to wait for another process's write lock before giving up, s.
    block_s : float
        Longest stored sample block, s (5 min by default: about 30 kB compressed at 50 Hz, large
        enough that SQLite's page overhead stays near 1 %).
    max_blocks_per_transaction : int
        Upper bound of blocks one write transaction commits.
    stale_after_s : float
        A ``recording`` night whose writer runs on another host and has not written for this
        long is taken as interrupted, s.
    recover : bool
        Mark nights of writers that no longer run as interrupted on opening (read-write only).

    Raises
    ------
    StorageError
        The file is not SQLite, is a foreign SQLite file, is from a newer version, is locked, or
        cannot be created.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as d, Store(Path(d) / "n.sqlite") as store:
    ...     night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
    ...     store.append_samples(night, 0, np.zeros((100, 3), dtype=np.int16))
    ...     store.finish_night(night)
    ...     store.read_samples(night).shape
    100
    (100, 3)
    """
