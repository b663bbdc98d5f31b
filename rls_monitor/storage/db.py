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
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import socket
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlite_utils import Database

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage.blocks import CODECS, DEFAULT_CODEC, decode_block, encode_block
from rls_monitor.storage.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "NIGHT_STATUSES",
    "Channel",
    "CheckReport",
    "NightInfo",
    "Store",
    "default_db_path",
]

logger = logging.getLogger(__name__)

#: The states of a night.
NIGHT_STATUSES = ("recording", "complete", "interrupted")
_SIDES = ("left", "right", "unknown")
_SQLITE_MAGIC = b"SQLite format 3\x00"


def default_db_path() -> Path:
    """The default database file: ``<user data dir>/rls-monitor.sqlite``.

    The user data directory is ``platformdirs.user_data_dir("rls-monitor")``: on Linux
    ``~/.local/share/rls-monitor``, on macOS ``~/Library/Application Support/rls-monitor``, on
    Windows ``%LOCALAPPDATA%\\rls-monitor``.

    Returns
    -------
    pathlib.Path
    """
    import platformdirs

    return Path(platformdirs.user_data_dir("rls-monitor")) / "rls-monitor.sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat()


def _parse_iso(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)


@dataclass(frozen=True)
class Channel:
    """One band's stream within a night.

    Attributes
    ----------
    side : {"left", "right", "unknown"}
        The leg the band was worn on.
    device : str or None
        The band's address (a row of ``devices``, created if new), or ``None`` when unknown.
    """

    side: str = "unknown"
    device: str | None = None


@dataclass(frozen=True)
class NightInfo:
    """One night as listed by the store (no samples, no movements).

    Attributes
    ----------
    id : int
        The night's id.
    subject : str
        The subject's pseudonymous label.
    status : {"recording", "complete", "interrupted"}
    start_utc, end_utc : datetime or None
        Wall-clock start and end (UTC).
    fs_hz : float
        Sample rate, Hz.
    lsb_g : float
        g per count of the stored samples.
    n_samples : int
        Samples stored (per channel, the smallest).
    devices : tuple of str
        Device addresses (``""`` for an unknown band), one per channel.
    sides : tuple of str
        The leg of each channel.
    source : str
        Where the night came from (a file name, ``"session"``...).
    rules : str or None
        The rule set of the latest score, ``None`` before scoring.
    duration_s, in_bed_s : float or None
        Recording length and time in bed of the latest score, s.
    lm_count, plm_count : int or None
        Leg movements and periodic leg movements.
    lm_per_h, plm_per_h : float or None
        LM and PLM index (per hour in bed).
    scored_utc : datetime or None
        When the latest score was saved.
    """

    id: int
    subject: str
    status: str
    start_utc: datetime | None
    end_utc: datetime | None
    fs_hz: float
    lsb_g: float
    n_samples: int
    devices: tuple[str, ...]
    sides: tuple[str, ...]
    source: str
    rules: str | None
    duration_s: float | None
    in_bed_s: float | None
    lm_count: int | None
    plm_count: int | None
    lm_per_h: float | None
    plm_per_h: float | None
    scored_utc: datetime | None

    @property
    def recorded_s(self) -> float:
        """Duration of the stored samples, s."""
        return self.n_samples / self.fs_hz

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (datetimes as ISO 8601 text)."""
        return {
            "night": self.id,
            "subject": self.subject,
            "status": self.status,
            "start_utc": _iso(self.start_utc),
            "end_utc": _iso(self.end_utc),
            "fs_hz": self.fs_hz,
            "lsb_g": self.lsb_g,
            "n_samples": self.n_samples,
            "devices": list(self.devices),
            "sides": list(self.sides),
            "source": self.source,
            "rules": self.rules,
            "duration_s": self.duration_s,
            "in_bed_s": self.in_bed_s,
            "lm_count": self.lm_count,
            "plm_count": self.plm_count,
            "lm_per_h": self.lm_per_h,
            "plm_per_h": self.plm_per_h,
            "scored_utc": _iso(self.scored_utc),
        }


@dataclass(frozen=True)
class CheckReport:
    """Result of :meth:`Store.check`.

    Attributes
    ----------
    ok : bool
        True when no problem was found.
    problems : tuple of str
        Each problem in one sentence.
    integrity : str
        SQLite's ``PRAGMA integrity_check`` answer (``"ok"`` when sound).
    schema_version : int
    n_nights, n_blocks, n_samples : int
        What was checked.
    """

    ok: bool
    problems: tuple[str, ...]
    integrity: str
    schema_version: int
    n_nights: int
    n_blocks: int
    n_samples: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "ok": self.ok,
            "problems": list(self.problems),
            "integrity": self.integrity,
            "schema_version": self.schema_version,
            "n_nights": self.n_nights,
            "n_blocks": self.n_blocks,
            "n_samples": self.n_samples,
        }


def _translate(exc: sqlite3.Error, path: Path) -> StorageError:
    text = str(exc)
    low = text.lower()
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        msg = f"{path} is not a readable rls-monitor database ({text}); it was left untouched"
    elif "locked" in low or "busy" in low:
        msg = f"{path}: the database is locked by another process ({text}); try again"
    elif "full" in low:
        msg = f"{path}: the disk is full ({text}); nothing more was written"
    elif "disk i/o" in low or "unable to open" in low or "readonly" in low:
        msg = f"{path}: cannot read or write the database file ({text})"
    else:
        msg = f"{path}: database error: {text}"
    return StorageError(msg, path=path)


class Store:
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
    >>> with tempfile.TemporaryDirectory() as d, Store(Path(d) / "n.sqlite") as store:
    ...     night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
    ...     store.append_samples(night, 0, np.zeros((100, 3), dtype=np.int16))
    ...     store.finish_night(night)
    ...     store.read_samples(night).shape
    100
    (100, 3)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        readonly: bool = False,
        busy_timeout_s: float = 10.0,
        block_s: float = 300.0,
        max_blocks_per_transaction: int = 4,
        stale_after_s: float = 300.0,
        recover: bool = True,
    ) -> None:
        self.path = Path(path).expanduser()
        if not (block_s > 0 and math.isfinite(block_s)):
            raise ConfigError(f"block_s must be a positive number; got {block_s!r}", name="block_s")
        if max_blocks_per_transaction < 1:
            raise ConfigError(
                "max_blocks_per_transaction must be at least 1; "
                f"got {max_blocks_per_transaction!r}",
                name="max_blocks_per_transaction",
            )
        self.readonly = readonly
        self.block_s = float(block_s)
        self.max_blocks_per_transaction = int(max_blocks_per_transaction)
        self.stale_after_s = float(stale_after_s)
        self._host = socket.gethostname()
        self._conn: sqlite3.Connection | None = None
        created = self._prepare_file(create)
        side_files = [Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm")]
        new_side_files = [f for f in side_files if not f.exists()]
        try:
            if readonly:
                uri = self.path.resolve().as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_s, isolation_level=None)
            else:
                conn = sqlite3.connect(str(self.path), timeout=busy_timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from exc
        self._conn = conn
        self.db = Database(conn)
        foreign = True  # until the file is known to be ours (or ours in the making)
        try:
            with self._errors():
                conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
                conn.execute("PRAGMA foreign_keys = ON")
                self._check_ours(created)
                foreign = False
                if not readonly:
                    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if str(mode).lower() != "wal":
                        logger.warning("%s: journal mode is %s, not WAL", self.path, mode)
                    conn.execute("PRAGMA synchronous = FULL")
                    self._migrate()
                self.schema_version = self._read_version()
                if self.schema_version != SCHEMA_VERSION:
                    raise StorageError(
                        f"{self.path} is at schema version {self.schema_version}; this version "
                        f"of rls-monitor needs {SCHEMA_VERSION} (open it read-write to upgrade)",
                        path=self.path,
                    )
                if recover and not readonly:
                    self.recover_interrupted()
        except BaseException as exc:
            conn.close()
            self._conn = None
            # Side files are cleaned up only beside a file refused as foreign or unreadable:
            # beside our own database (or an empty one another process is initialising) they
            # may be a writer's live WAL, empty for the moment, and removing it loses its data.
            if (
                foreign
                and isinstance(exc, StorageError)
                and not isinstance(exc, _EmptyDatabase)
                and "locked" not in str(exc)
            ):
                _remove_empty_wal(new_side_files)
            raise

    # --- opening ------------------------------------------------------------------------------

    def _prepare_file(self, create: bool) -> bool:
        if self.path.exists():
            if self.path.is_dir():
                raise StorageError(f"{self.path} is a directory, not a database", path=self.path)
            try:
                with self.path.open("rb") as fh:
                    head = fh.read(16)
            except OSError as exc:
                raise StorageError(f"cannot read {self.path}: {exc}", path=self.path) from exc
            if head and head != _SQLITE_MAGIC:
                raise StorageError(
                    f"{self.path} is not an SQLite database (it may be another kind of file); "
                    "refusing to use it",
                    path=self.path,
                )
            return not head
        if not create or self.readonly:
            raise StorageError(f"no database at {self.path}", path=self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except FileExistsError:
            return False
        except OSError as exc:
            raise StorageError(f"cannot create {self.path}: {exc}", path=self.path) from exc
        logger.info("created database %s", self.path)
        return True

    def _check_ours(self, created: bool) -> None:
        conn = self._connection
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        if app_id == APPLICATION_ID:
            return
        n_objects = int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
        user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if app_id == 0 and n_objects == 0 and user_version == 0:
            if not self.readonly:
                return  # an empty SQLite file: ours to initialise
            raise _EmptyDatabase(
                f"{self.path} holds no rls-monitor data yet (an empty database, or one being "
                "created right now); nothing to read",
                path=self.path,
            )
        raise StorageError(
            f"{self.path} is an SQLite database of another program (application_id "
            f"{app_id:#x}, user_version {user_version}, {n_objects} objects), not an "
            "rls-monitor database; refusing to use it",
            path=self.path,
        )

    def _read_version(self) -> int:
        conn = self._connection
        has_meta = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if not has_meta:
            return 0
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        if self._read_version() == SCHEMA_VERSION:
            return
        with self._write():
            self._check_ours(False)  # another process may have initialised it meanwhile
            version = self._read_version()
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"{self.path} is at schema version {version}, newer than this version of "
                    f"rls-monitor knows ({SCHEMA_VERSION}); upgrade rls-monitor",
                    path=self.path,
                )
            for migration in MIGRATIONS:
                if migration.version <= version:
                    continue
                logger.info("migrating %s to version %d", self.path, migration.version)
                migration.apply(self.db)
                self.db.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [str(migration.version)],
                )
            if version == 0:
                self.db.execute("INSERT INTO meta (key, value) VALUES ('created_utc', ?)", [_now()])
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    # --- plumbing -----------------------------------------------------------------------------

    @property
    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"{self.path}: the store is closed", path=self.path)
        return self._conn

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` transaction: all of it is committed, or none."""
        if self.readonly:
            raise StorageError(f"{self.path} was opened read-only", path=self.path)
        conn = self._connection
        with self._errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        with self._errors():
            return list(self.db.query(sql, params or []))

    def _night_row(self, night_id: int) -> dict[str, Any]:
        rows = self._query("SELECT * FROM nights WHERE id = ?", [int(night_id)])
        if not rows:
            raise StorageError(f"there is no night {night_id} in {self.path}", path=self.path)
        return rows[0]

    # --- subjects and devices -----------------------------------------------------------------

    def upsert_subject(self, label: str) -> int:
        """The id of the subject with this pseudonymous label, created when new.

        Parameters
        ----------
        label : str
            A pseudonym (e.g. ``"P01"``); never needs to be a real name.

        Returns
        -------
        int

        Raises
        ------
        ConfigError
            If the label is empty.
        """
        label = str(label).strip()
        if not label:
            raise ConfigError("the subject label must not be empty", name="subject", value=label)
        with self._write():
            return self._subject_id(label)

    def _subject_id(self, label: str) -> int:
        self.db.execute(
            "INSERT INTO subjects (label, created_utc) VALUES (?, ?) ON CONFLICT (label) DO NOTHING",
            [label, _now()],
        )
        row = self.db.execute("SELECT id FROM subjects WHERE label = ?", [label]).fetchone()
        return int(row[0])

    def list_subjects(self) -> list[str]:
        """Labels of every subject, sorted."""
        return [r["label"] for r in self._query("SELECT label FROM subjects ORDER BY label")]

    def upsert_device(
        self,
        address: str,
        *,
        name: str | None = None,
        side: str | None = None,
        firmware: str | None = None,
        calibration: Mapping[str, Any] | None = None,
    ) -> int:
        """Add a band or update what is known of it; returns its id.

        Parameters
        ----------
        address : str
            The band's BLE address or serial number (its identity).
        name, firmware : str, optional
            Advertised name and firmware version; unchanged when ``None``.
        side : {"left", "right", "unknown"}, optional
            The leg it is usually worn on; unchanged when ``None``.
        calibration : mapping, optional
            The band's calibration (JSON-serialisable, e.g. offsets_g and scales); unchanged
            when ``None``.

        Returns
        -------
        int

        Raises
        ------
        ConfigError
            Empty address or unknown side.
        """
        address = str(address).strip()
        if not address:
            raise ConfigError("the device address must not be empty", name="address")
        if side is not None and side not in _SIDES:
            raise ConfigError(
                f"side must be one of {', '.join(_SIDES)}; got {side!r}",
                name="side",
                value=side,
                allowed=_SIDES,
            )
        with self._write():
            return self._device_id(address, name, side, firmware, calibration)

    def _device_id(
        self,
        address: str,
        name: str | None = None,
        side: str | None = None,
        firmware: str | None = None,
        calibration: Mapping[str, Any] | None = None,
    ) -> int:
        now = _now()
        cal = None if calibration is None else json.dumps(dict(calibration), sort_keys=True)
        self.db.execute(
            "INSERT INTO devices (address, name, side, firmware, calibration_json, updated_utc) "
            "VALUES (?, coalesce(?, ''), coalesce(?, 'unknown'), coalesce(?, ''), ?, ?) "
            "ON CONFLICT (address) DO UPDATE SET name = coalesce(?, name), "
            "side = coalesce(?, side), firmware = coalesce(?, firmware), "
            "calibration_json = coalesce(?, calibration_json), updated_utc = ?",
            [address, name, side, firmware, cal, now, name, side, firmware, cal, now],
        )
        row = self.db.execute("SELECT id FROM devices WHERE address = ?", [address]).fetchone()
        return int(row[0])

    def get_device(self, address: str) -> dict[str, Any] | None:
        """A band's row (``calibration`` decoded), or ``None`` when unknown."""
        rows = self._query("SELECT * FROM devices WHERE address = ?", [address])
        if not rows:
            return None
        row = rows[0]
        cal = row.pop("calibration_json")
        row["calibration"] = None if cal is None else json.loads(cal)
        return row

    # --- pairing (schema version 4) -------------------------------------------------------------

    def set_pairing(
        self,
        address: str,
        *,
        device_id: str,
        side: str,
        subject: str,
        serial: str = "",
        model: str = "",
        firmware: str = "",
    ) -> int:
        """Remember a paired band: what its info says, the leg it is worn on, its subject.

        Parameters
        ----------
        address : str
            BLE address or serial port (the devices row's key).
        device_id : str
            The stable id the band reports; nights are checked against it.
        side : {"left", "right", "unknown"}
        subject : str
            Subject label (created if new).
        serial, model, firmware : str
            From the band's info.

        Returns
        -------
        int
            The device row's id.
        """
        dev = self.upsert_device(address, name=device_id, side=side, firmware=firmware)
        self.upsert_subject(subject)
        with self._write():
            self.db.execute(
                "UPDATE devices SET device_id = ?, serial = ?, model = ?, subject = ?, "
                "paired_utc = ?, updated_utc = ? WHERE id = ?",
                [device_id, serial, model, subject, _now(), _now(), dev],
            )
        return dev

    def update_night_metadata(self, night_id: int, updates: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``updates`` into a night's metadata (JSON-serialisable); returns the result."""
        meta = self.night_metadata(night_id)
        meta.update(dict(updates))
        with self._write():
            self.db.execute(
                "UPDATE nights SET metadata_json = ?, updated_utc = ? WHERE id = ?",
                [json.dumps(meta, sort_keys=True), _now(), int(night_id)],
            )
        return meta

    # --- calibration (schema version 3) --------------------------------------------------------

    def add_calibration(
        self,
        address: str,
        calibration: Mapping[str, Any] | None,
        *,
        accepted: bool = True,
        method: str | None = None,
        reason: str = "",
        source: str = "",
    ) -> int:
        """Record a calibration attempt for a band; an accepted one becomes the one in force.

        Every attempt is kept in the band's history (:meth:`calibration_history`); only an
        accepted one replaces the device's calibration in force (``get_device(...)["calibration"]``).

        Parameters
        ----------
        address : str
            The band (created when unknown).
        calibration : mapping or None
            ``Calibration.to_dict()`` of the fit (the candidate of a refused auto-calibration,
            or ``None`` when there was nothing to fit).
        accepted : bool, default True
            Whether it passed its acceptance criteria.
        method : str, optional
            ``six-pose``, ``auto``, ...; ``calibration["method"]`` when omitted.
        reason : str
            Why a calibration was refused (empty when accepted).
        source : str
            Where it came from (a file name, ``night 12``, ``simulated``).

        Returns
        -------
        int
            The history row's id.

        Raises
        ------
        ConfigError
            Empty address, or neither a calibration nor a method.
        """
        address = str(address).strip()
        if not address:
            raise ConfigError("the device address must not be empty", name="address")
        cal = None if calibration is None else dict(calibration)
        method = method or (None if cal is None else str(cal.get("method", "")))
        if not method:
            raise ConfigError("a calibration record needs a method", name="method")
        if accepted and cal is None:
            raise ConfigError("an accepted calibration needs its parameters", name="calibration")
        text = None if cal is None else json.dumps(cal, sort_keys=True, default=str)

        def err(key: str) -> float | None:
            value = None if cal is None else cal.get(key)
            return None if value is None else float(value)

        with self._write():
            device_id = self._device_id(address, calibration=cal if accepted else None)
            cur = self.db.execute(
                "INSERT INTO calibrations (device_id, created_utc, method, accepted, reason, "
                "source, error_before_mg, error_after_mg, calibration_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    device_id,
                    _now(),
                    method,
                    int(bool(accepted)),
                    reason,
                    source,
                    err("error_before_mg"),
                    err("error_after_mg"),
                    text,
                ],
            )
            return int(cur.lastrowid or 0)

    def calibration_history(self, address: str) -> list[dict[str, Any]]:
        """Every calibration attempt of a band, oldest first (``calibration`` decoded).

        Returns
        -------
        list of dict
            ``id``, ``created_utc``, ``method``, ``accepted`` (bool), ``reason``, ``source``,
            ``error_before_mg``, ``error_after_mg``, ``calibration`` (dict or None); empty for
            an unknown band.
        """
        rows = self._query(
            "SELECT c.* FROM calibrations c JOIN devices d ON d.id = c.device_id "
            "WHERE d.address = ? ORDER BY c.id",
            [str(address).strip()],
        )
        out = []
        for row in rows:
            text = row.pop("calibration_json")
            row.pop("device_id", None)
            row["accepted"] = bool(row["accepted"])
            row["calibration"] = None if text is None else json.loads(text)
            out.append(row)
        return out

    def device_nights(self, address: str) -> list[tuple[int, int]]:
        """``(night_id, channel)`` of every night a band recorded, oldest first."""
        rows = self._query(
            "SELECT nd.night_id AS night, nd.channel AS channel FROM night_devices nd "
            "JOIN devices d ON d.id = nd.device_id JOIN nights n ON n.id = nd.night_id "
            "WHERE d.address = ? ORDER BY coalesce(n.start_utc, n.created_utc), n.id",
            [str(address).strip()],
        )
        return [(int(r["night"]), int(r["channel"])) for r in rows]

    def set_night_calibration(
        self, night_id: int, calibrations: Sequence[Mapping[str, Any] | None] | None
    ) -> None:
        """Record the calibration a night's score was computed with, one entry per channel.

        Parameters
        ----------
        night_id : int
        calibrations : sequence of (mapping or None), or None
            ``Calibration.to_dict()`` applied to each channel (``None``: raw counts); ``None``
            for no calibration at all.
        """
        self._night_row(night_id)
        with self._write():
            self.db.execute(
                "UPDATE nights SET calibration_json = ?, updated_utc = ? WHERE id = ?",
                [_calibration_text(calibrations), _now(), int(night_id)],
            )

    def night_calibration(self, night_id: int) -> list[dict[str, Any] | None] | None:
        """The calibration per channel the night's score used (``None``: none was applied)."""
        text = self._night_row(night_id).get("calibration_json")
        return None if text is None else list(json.loads(text))

    # --- nights -------------------------------------------------------------------------------

    def create_night(
        self,
        subject: str,
        *,
        fs_hz: float,
        lsb_g: float,
        start_utc: datetime | None = None,
        channels: Sequence[Channel] = (Channel(),),
        source: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        """Start a night (status ``recording``, owned by this process) and return its id.

        Parameters
        ----------
        subject : str
            The subject's pseudonymous label (created when new).
        fs_hz : float
            Sample rate, Hz.
        lsb_g : float
            g per count of the samples that will be appended.
        start_utc : datetime, optional
            Wall-clock time of sample 0 (UTC).
        channels : sequence of Channel
            One per band (two for left and right legs); sample blocks are appended per channel.
        source : str
            Where the night comes from (file name, ``"session"``).
        metadata : mapping, optional
            JSON-serialisable extra information.

        Returns
        -------
        int

        Raises
        ------
        ConfigError
            Bad rate, lsb, channel list or subject.
        """
        for name, value in (("fs_hz", fs_hz), ("lsb_g", lsb_g)):
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ConfigError(
                    f"{name} must be a positive number; got {value!r}", name=name, value=value
                )
        if not channels:
            raise ConfigError("a night needs at least one channel", name="channels")
        for ch in channels:
            if ch.side not in _SIDES:
                raise ConfigError(
                    f"side must be one of {', '.join(_SIDES)}; got {ch.side!r}",
                    name="side",
                    value=ch.side,
                    allowed=_SIDES,
                )
        label = str(subject).strip()
        if not label:
            raise ConfigError("the subject label must not be empty", name="subject")
        now = _now()
        with self._write():
            subject_id = self._subject_id(label)
            cur = self.db.execute(
                "INSERT INTO nights (subject_id, start_utc, fs_hz, lsb_g, status, source, "
                "metadata_json, writer_host, writer_pid, heartbeat_utc, created_utc, updated_utc) "
                "VALUES (?, ?, ?, ?, 'recording', ?, ?, ?, ?, ?, ?, ?)",
                [
                    subject_id,
                    _iso(start_utc),
                    float(fs_hz),
                    float(lsb_g),
                    source,
                    json.dumps(dict(metadata or {}), sort_keys=True, default=str),
                    self._host,
                    os.getpid(),
                    now,
                    now,
                    now,
                ],
            )
            night_id = int(cur.lastrowid or 0)
            for i, ch in enumerate(channels):
                dev = None if not ch.device else self._device_id(ch.device, side=ch.side)
                self.db.execute(
                    "INSERT INTO night_devices (night_id, channel, device_id, side) "
                    "VALUES (?, ?, ?, ?)",
                    [night_id, i, dev, ch.side],
                )
        return night_id

    def next_seq(self, night_id: int, channel: int = 0) -> int:
        """Sequence number (sample index) the next appended block of a channel must start at."""
        rows = self._query(
            "SELECT max(first_seq + n_samples) AS n FROM sample_blocks "
            "WHERE night_id = ? AND channel = ?",
            [int(night_id), int(channel)],
        )
        return int(rows[0]["n"] or 0)

    def append_samples(
        self,
        night_id: int,
        first_seq: int,
        counts: NDArray[np.integer[Any]],
        *,
        channel: int = 0,
        codec: str = DEFAULT_CODEC,
    ) -> int:
        """Append raw samples to a night being recorded, in bounded transactions.

        The samples are cut into blocks of ``block_s`` seconds; every transaction commits at most
        ``max_blocks_per_transaction`` blocks and updates the night's sample count and heartbeat,
        so a crash loses at most one transaction's blocks and never leaves a partial block.

        Parameters
        ----------
        night_id : int
            A night in status ``recording``.
        first_seq : int
            Sequence number (index from the night's first sample) of ``counts[0]``; at least
            :meth:`next_seq` (a larger value leaves a gap: samples the band lost).
        counts : ndarray of int16, shape (n, 3)
            Raw counts.
        channel : int
            The band's channel in the night.
        codec : str
            Block codec (see :mod:`rls_monitor.storage.blocks`).

        Returns
        -------
        int
            Number of samples written.

        Raises
        ------
        StorageError
            The night is not recording, or ``first_seq`` overlaps stored samples.
        ConfigError
            Bad counts or codec.
        """
        if codec not in CODECS:
            raise ConfigError(
                f"codec must be one of {', '.join(CODECS)}; got {codec!r}",
                name="codec",
                value=codec,
                allowed=CODECS,
            )
        counts = np.asarray(counts)
        if counts.ndim != 2 or counts.shape[1] != 3:
            raise ConfigError(f"counts must have shape (n, 3); got {counts.shape}", name="counts")
        if int(first_seq) < 0:
            raise ConfigError(f"first_seq must be >= 0; got {first_seq}", name="first_seq")
        night = self._night_row(night_id)
        if night["status"] != "recording":
            raise StorageError(
                f"night {night_id} is {night['status']}, not recording; resume it first",
                path=self.path,
            )
        block = max(1, round(self.block_s * float(night["fs_hz"])))
        n = int(counts.shape[0])
        written = 0
        pos = 0
        seq = int(first_seq)
        while pos < n:
            with self._write():
                expected = int(
                    self.db.execute(
                        "SELECT coalesce(max(first_seq + n_samples), 0) FROM sample_blocks "
                        "WHERE night_id = ? AND channel = ?",
                        [int(night_id), int(channel)],
                    ).fetchone()[0]
                )
                if seq < expected:
                    raise StorageError(
                        f"night {night_id} channel {channel}: samples from {seq} overlap the "
                        f"stored ones (next expected sequence number {expected})",
                        path=self.path,
                    )
                if (
                    self.db.execute(
                        "SELECT 1 FROM night_devices WHERE night_id = ? AND channel = ?",
                        [int(night_id), int(channel)],
                    ).fetchone()
                    is None
                ):
                    raise StorageError(f"night {night_id} has no channel {channel}", path=self.path)
                rows = []
                for _ in range(self.max_blocks_per_transaction):
                    if pos >= n:
                        break
                    part = counts[pos : pos + block]
                    data, crc = encode_block(part, codec)
                    rows.append((int(night_id), int(channel), seq, len(part), codec, crc, data))
                    pos += len(part)
                    seq += len(part)
                self._connection.executemany(
                    "INSERT INTO sample_blocks (night_id, channel, first_seq, n_samples, codec, "
                    "crc32, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                added = sum(r[3] for r in rows)
                self.db.execute(
                    "UPDATE night_devices SET n_samples = ? WHERE night_id = ? AND channel = ?",
                    [seq, int(night_id), int(channel)],
                )
                self.db.execute(
                    "UPDATE nights SET n_samples = (SELECT min(n_samples) FROM night_devices "
                    "WHERE night_id = ?), heartbeat_utc = ?, updated_utc = ? WHERE id = ?",
                    [int(night_id), _now(), _now(), int(night_id)],
                )
                written += added
        return written

    def read_samples(
        self, night_id: int, channel: int = 0, *, fill_gaps: bool = True
    ) -> NDArray[np.int16]:
        """All stored samples of one channel of a night, each block checked against its CRC.

        Parameters
        ----------
        night_id : int
        channel : int
        fill_gaps : bool
            When blocks are not contiguous (samples the band lost), hold the last sample over
            the gap so sample ``i`` stays at ``i / fs_hz`` s; when False, raise instead.

        Returns
        -------
        ndarray of int16, shape (n, 3)

        Raises
        ------
        StorageError
            Unknown night, a block failing its checksum, or a gap with ``fill_gaps=False``.
        """
        self._night_row(night_id)
        parts: list[NDArray[np.int16]] = []
        expected = 0
        with self._errors():
            cur = self._connection.execute(
                "SELECT first_seq, n_samples, codec, crc32, data FROM sample_blocks "
                "WHERE night_id = ? AND channel = ? ORDER BY first_seq",
                [int(night_id), int(channel)],
            )
            for first_seq, n_samples, codec, crc, data in cur:
                if first_seq > expected:
                    if not fill_gaps:
                        raise StorageError(
                            f"night {night_id}: samples {expected}..{first_seq - 1} are missing",
                            path=self.path,
                        )
                    last = parts[-1][-1] if parts else np.zeros(3, np.int16)
                    parts.append(np.repeat(last[None, :], first_seq - expected, axis=0))
                try:
                    parts.append(decode_block(bytes(data), int(n_samples), int(crc), codec))
                except StorageError as exc:
                    raise StorageError(
                        f"night {night_id}, block at sample {first_seq}: {exc}", path=self.path
                    ) from exc
                expected = first_seq + n_samples
        if not parts:
            return np.zeros((0, 3), dtype=np.int16)
        return np.concatenate(parts).astype(np.int16, copy=False)

    def read_accel_g(self, night_id: int, channel: int = 0) -> NDArray[np.float32]:
        """All samples of one channel as float32 g, decoded block by block into one array.

        The same values as ``read_samples(...).astype(np.float32) * np.float32(lsb_g)`` (gaps held
        over likewise), without the whole-night int16 copies: the memory of a whole night is
        the float32 array alone (about 17 MB for 8 h at 50 Hz).

        Parameters
        ----------
        night_id : int
        channel : int

        Returns
        -------
        ndarray of float32, shape (n, 3)
            Acceleration in g (the night's ``lsb_g`` per count).

        Raises
        ------
        StorageError
            Unknown night or a block failing its checksum.
        """
        row = self._night_row(night_id)
        lsb = np.float32(row["lsb_g"])
        with self._errors():
            (n,) = self._connection.execute(
                "SELECT coalesce(max(first_seq + n_samples), 0) FROM sample_blocks "
                "WHERE night_id = ? AND channel = ?",
                [int(night_id), int(channel)],
            ).fetchone()
            out = np.empty((int(n), 3), np.float32)
            cur = self._connection.execute(
                "SELECT first_seq, n_samples, codec, crc32, data FROM sample_blocks "
                "WHERE night_id = ? AND channel = ? ORDER BY first_seq",
                [int(night_id), int(channel)],
            )
            expected = 0
            for first_seq, n_samples, codec, crc, data in cur:
                if first_seq > expected:  # samples the band lost: hold the last one over
                    out[expected:first_seq] = out[expected - 1] if expected else 0.0
                try:
                    block = decode_block(bytes(data), int(n_samples), int(crc), codec)
                except StorageError as exc:
                    raise StorageError(
                        f"night {night_id}, block at sample {first_seq}: {exc}", path=self.path
                    ) from exc
                out[first_seq : first_seq + n_samples] = block
                expected = first_seq + n_samples
        out *= lsb
        return out

    def compact_night(self, night_id: int) -> int:
        """Merge runs of small contiguous blocks (a live recording's) into blocks of ``block_s``.

        Each channel is rewritten in one transaction, every block verified against its checksum
        first; a crash leaves either the old blocks or the new ones.

        Parameters
        ----------
        night_id : int

        Returns
        -------
        int
            Number of blocks after compaction minus before (zero or negative).
        """
        night = self._night_row(night_id)
        target = max(1, round(self.block_s * float(night["fs_hz"])))
        delta = 0
        for channel in range(self._n_channels(night_id)):
            with self._write():
                blocks = self._connection.execute(
                    "SELECT first_seq, n_samples, codec, crc32, data FROM sample_blocks "
                    "WHERE night_id = ? AND channel = ? ORDER BY first_seq",
                    [int(night_id), channel],
                ).fetchall()
                runs: list[list[tuple[Any, ...]]] = []
                for b in blocks:
                    if runs and runs[-1][-1][0] + runs[-1][-1][1] == b[0]:
                        runs[-1].append(b)
                    else:
                        runs.append([b])
                for run in runs:
                    n_total = sum(b[1] for b in run)
                    if len(run) <= max(1, math.ceil(n_total / target)):
                        continue  # already as few blocks as it can be
                    counts = np.concatenate(
                        [decode_block(bytes(b[4]), int(b[1]), int(b[3]), b[2]) for b in run]
                    )
                    self.db.execute(
                        "DELETE FROM sample_blocks WHERE night_id = ? AND channel = ? "
                        "AND first_seq >= ? AND first_seq < ?",
                        [int(night_id), channel, run[0][0], run[0][0] + n_total],
                    )
                    rows = []
                    for pos in range(0, n_total, target):
                        part = counts[pos : pos + target]
                        data, crc = encode_block(part, DEFAULT_CODEC)
                        rows.append(
                            (
                                int(night_id),
                                channel,
                                run[0][0] + pos,
                                len(part),
                                DEFAULT_CODEC,
                                crc,
                                data,
                            )
                        )
                    self._connection.executemany(
                        "INSERT INTO sample_blocks (night_id, channel, first_seq, n_samples, "
                        "codec, crc32, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                    delta += len(rows) - len(run)
        return delta

    def _n_channels(self, night_id: int) -> int:
        row = self._connection.execute(
            "SELECT count(*) FROM night_devices WHERE night_id = ?", [int(night_id)]
        ).fetchone()
        return int(row[0])

    def finish_night(
        self, night_id: int, end_utc: datetime | None = None, *, compact: bool = True
    ) -> None:
        """Close a night (status ``complete``): after recording, or to close an interrupted one.

        Parameters
        ----------
        night_id : int
        end_utc : datetime, optional
            Wall-clock end; by default start plus the stored samples' duration, else now.
        compact : bool
            First merge small blocks (see :meth:`compact_night`).
        """
        night = self._night_row(night_id)
        if compact:
            with self._errors():
                self.compact_night(night_id)
        if end_utc is None:
            start = _parse_iso(night["start_utc"])
            if start is not None:
                end_utc = start + timedelta(seconds=night["n_samples"] / night["fs_hz"])
        self._set_status(night_id, "complete", end_utc=end_utc)

    def mark_interrupted(self, night_id: int) -> None:
        """Mark a night ``interrupted`` (its recording stopped without being closed)."""
        self._night_row(night_id)
        self._set_status(night_id, "interrupted")

    def resume_night(self, night_id: int, channel: int = 0) -> int:
        """Take over an interrupted (or recording) night to append more samples.

        Returns
        -------
        int
            The sequence number the next block of ``channel`` must start at.
        """
        self._night_row(night_id)
        self._set_status(night_id, "recording")
        return self.next_seq(night_id, channel)

    def _set_status(self, night_id: int, status: str, *, end_utc: datetime | None = None) -> None:
        now = _now()
        with self._write():
            if status == "recording":
                self.db.execute(
                    "UPDATE nights SET status = 'recording', end_utc = NULL, writer_host = ?, "
                    "writer_pid = ?, heartbeat_utc = ?, updated_utc = ? WHERE id = ?",
                    [self._host, os.getpid(), now, now, int(night_id)],
                )
            else:
                self.db.execute(
                    "UPDATE nights SET status = ?, end_utc = coalesce(?, end_utc), "
                    "writer_host = NULL, writer_pid = NULL, updated_utc = ? WHERE id = ?",
                    [status, _iso(end_utc), now, int(night_id)],
                )

    def recover_interrupted(self) -> list[int]:
        """Mark ``interrupted`` every ``recording`` night whose writer no longer runs.

        A writer on this host is gone when its process id no longer exists, or when it has not
        written for ``stale_after_s`` and the process now holding its id started after its last
        write (after a power cut and reboot the id may belong to another program; Linux only); a
        writer on another host when it has not written for ``stale_after_s``.

        Returns
        -------
        list of int
            The nights marked.
        """
        rows = self._query(
            "SELECT id, writer_host, writer_pid, heartbeat_utc FROM nights "
            "WHERE status = 'recording'"
        )
        now = datetime.now(UTC)
        gone = []
        for row in rows:
            beat = _parse_iso(row["heartbeat_utc"])
            stale = beat is None or (now - beat).total_seconds() > self.stale_after_s
            if row["writer_host"] == self._host and row["writer_pid"] is not None:
                pid = int(row["writer_pid"])
                dead = not _pid_alive(pid)
                if not dead and stale and beat is not None and pid != os.getpid():
                    # the writer ran at its last heartbeat: a process with its id that started
                    # later (after a reboot, or the id reused) is another program
                    started = _process_start(pid)
                    dead = started is not None and started > beat + timedelta(seconds=2)
            else:
                dead = stale
            if dead:
                gone.append(int(row["id"]))
        for night_id in gone:
            logger.warning("night %d was left recording by a writer that stopped", night_id)
            with self._write():
                self.db.execute(
                    "UPDATE nights SET status = 'interrupted', writer_host = NULL, "
                    "writer_pid = NULL, updated_utc = ? WHERE id = ? AND status = 'recording'",
                    [_now(), night_id],
                )
        return gone

    def stored_samples(self, night_ids: Sequence[int] | None = None) -> dict[int, int]:
        """Samples actually held in blocks, per night (its channel with the fewest).

        Unlike :attr:`NightInfo.n_samples` (the sequence number after the last stored sample),
        samples the band lost between blocks are not counted: this is what data completeness
        is computed from.

        Parameters
        ----------
        night_ids : sequence of int, optional
            Only these nights (every night when omitted, in one query).

        Returns
        -------
        dict
            Night id to stored samples (0 for a night without blocks).
        """
        sql = (
            "SELECT night_id, min(n) AS n FROM (SELECT nd.night_id, nd.channel, "
            "coalesce(sum(b.n_samples), 0) AS n FROM night_devices nd LEFT JOIN sample_blocks b "
            "ON b.night_id = nd.night_id AND b.channel = nd.channel{where} "
            "GROUP BY nd.night_id, nd.channel) GROUP BY night_id"
        )
        params: list[int] = []
        where = ""
        if night_ids is not None:
            params = [int(i) for i in night_ids]
            if not params:
                return {}
            where = f" WHERE nd.night_id IN ({', '.join('?' * len(params))})"
        rows = self._query(sql.format(where=where), params)
        return {int(r["night_id"]): int(r["n"]) for r in rows}

    def delete_night(self, night_id: int) -> None:
        """Delete a night with its samples, movements and minutes."""
        self._night_row(night_id)
        with self._write():
            self.db.execute("DELETE FROM nights WHERE id = ?", [int(night_id)])

    # --- scores -------------------------------------------------------------------------------

    def save_score(
        self,
        night_id: int,
        result: Mapping[str, Any],
        *,
        minutes: Sequence[Mapping[str, Any]] | None = None,
        posture: Sequence[str | None] | None = None,
        calibrations: Sequence[Mapping[str, Any] | None] | None = None,
        set_calibration: bool = False,
    ) -> None:
        """Replace a night's score (summary columns, movements, minutes) in one transaction.

        Parameters
        ----------
        night_id : int
        result : mapping
            ``ScoreResult.to_dict()``; kept whole as JSON (so ``show --json`` returns it
            exactly) and normalised into the summary columns and ``movements`` rows.
        minutes : sequence of mapping, optional
            Per-minute rows (``minute``, ``start_s``, ``activity_mg``, ``lm_count``,
            ``plm_count``, ``posture``, ``in_bed``); replaced when given.
        posture : sequence of str, optional
            Posture at each movement's onset (same order as ``result["movements"]``).
        calibrations : sequence of (mapping or None), optional
            With ``set_calibration=True``: the calibration applied to each channel for this
            score, saved in the same transaction (see :meth:`set_night_calibration`).
        set_calibration : bool, default False
            Replace the night's recorded calibration with ``calibrations``.

        Raises
        ------
        ConfigError
            If ``result`` lacks the fields of a score.
        """
        try:
            counts = result["counts"]
            indices = result["indices"]
            movements = list(result["movements"])
            text = json.dumps(result, sort_keys=True, allow_nan=False)
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"not a score result: {exc!r}", name="result") from exc
        if posture is not None and len(posture) != len(movements):
            raise ConfigError("posture must have one entry per movement", name="posture")
        self._night_row(night_id)
        rows = [
            (
                int(night_id),
                i,
                float(m["onset_s"]),
                float(m["offset_s"]),
                float(m.get("duration_s", m["offset_s"] - m["onset_s"])),
                m.get("peak_mg"),
                str(m.get("side", "unknown")),
                int(m.get("n_parts", 1)),
                int(bool(m["clm"])),
                int(bool(m["plm"])),
                int(m["series"]),
                None if posture is None else posture[i],
            )
            for i, m in enumerate(movements)
        ]
        now = _now()
        with self._write():
            self.db.execute(
                "UPDATE nights SET rules = ?, duration_s = ?, in_bed_s = ?, lm_count = ?, "
                "clm_count = ?, plm_count = ?, series_count = ?, lm_per_h = ?, plm_per_h = ?, "
                "periodicity_index = ?, result_json = ?, scored_utc = ?, updated_utc = ? "
                "WHERE id = ?",
                [
                    result.get("rules"),
                    result.get("duration_s"),
                    result.get("in_bed_s"),
                    counts.get("lm"),
                    counts.get("clm"),
                    counts.get("plm"),
                    counts.get("series"),
                    indices.get("lm_per_h"),
                    indices.get("plm_per_h"),
                    indices.get("periodicity_index"),
                    text,
                    now,
                    now,
                    int(night_id),
                ],
            )
            if set_calibration:
                self.db.execute(
                    "UPDATE nights SET calibration_json = ? WHERE id = ?",
                    [_calibration_text(calibrations), int(night_id)],
                )
            self.db.execute("DELETE FROM movements WHERE night_id = ?", [int(night_id)])
            self._connection.executemany(
                "INSERT INTO movements (night_id, idx, onset_s, offset_s, duration_s, peak_mg, "
                "side, n_parts, clm, plm, series, posture) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            if minutes is not None:
                self.db.execute("DELETE FROM minutes WHERE night_id = ?", [int(night_id)])
                self._connection.executemany(
                    "INSERT INTO minutes (night_id, minute, start_s, activity_mg, lm_count, "
                    "plm_count, posture, in_bed) VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (
                            int(night_id),
                            int(r["minute"]),
                            float(r["start_s"]),
                            r.get("activity_mg"),
                            int(r.get("lm_count", 0)),
                            int(r.get("plm_count", 0)),
                            r.get("posture"),
                            None if r.get("in_bed") is None else int(bool(r["in_bed"])),
                        )
                        for r in minutes
                    ],
                )

    def get_result(self, night_id: int) -> dict[str, Any] | None:
        """The latest score of a night as saved (``ScoreResult.to_dict()``), or ``None``."""
        text = self._night_row(night_id)["result_json"]
        return None if text is None else dict(json.loads(text))

    def get_movements(self, night_id: int) -> list[dict[str, Any]]:
        """The normalised movement rows of a night's latest score, in time order."""
        self._night_row(night_id)
        rows = self._query(
            "SELECT * FROM movements WHERE night_id = ? ORDER BY idx", [int(night_id)]
        )
        for r in rows:
            r["clm"], r["plm"] = bool(r["clm"]), bool(r["plm"])
        return rows

    def get_minutes(self, night_id: int) -> list[dict[str, Any]]:
        """The per-minute rows of a night, in time order."""
        self._night_row(night_id)
        rows = self._query(
            "SELECT minute, start_s, activity_mg, lm_count, plm_count, posture, in_bed "
            "FROM minutes WHERE night_id = ? ORDER BY minute",
            [int(night_id)],
        )
        for r in rows:
            r["in_bed"] = None if r["in_bed"] is None else bool(r["in_bed"])
        return rows

    # --- listing ------------------------------------------------------------------------------

    _LIST_SQL = (
        "SELECT n.*, s.label AS subject, "
        "(SELECT group_concat(coalesce(d.address, ''), char(31)) FROM "
        "(SELECT nd.channel, dv.address FROM night_devices nd LEFT JOIN devices dv "
        "ON dv.id = nd.device_id WHERE nd.night_id = n.id ORDER BY nd.channel) d) AS devices, "
        "(SELECT group_concat(nd.side, char(31)) FROM "
        "(SELECT side FROM night_devices WHERE night_id = n.id ORDER BY channel) nd) AS sides "
        "FROM nights n JOIN subjects s ON s.id = n.subject_id"
    )

    def list_nights(
        self, subject: str | None = None, *, before: int | None = None, limit: int | None = None
    ) -> list[NightInfo]:
        """Nights in time order (oldest first).

        Parameters
        ----------
        subject : str, optional
            Only this subject's nights.
        before : int, optional
            Only nights that started before this night (for comparisons with previous nights).
        limit : int, optional
            Only the last ``limit`` nights.

        Returns
        -------
        list of NightInfo
        """
        where: list[str] = []
        params: list[Any] = []
        if subject is not None:
            where.append("s.label = ?")
            params.append(subject)
        if before is not None:
            ref = self._night_row(before)
            where.append("(coalesce(n.start_utc, n.created_utc), n.id) < (?, ?)")
            params += [ref["start_utc"] or ref["created_utc"], int(before)]
        sql = self._LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY coalesce(n.start_utc, n.created_utc) DESC, n.id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._query(sql, params)
        return [_night_info(r) for r in reversed(rows)]

    def get_night(self, night_id: int) -> NightInfo:
        """One night's :class:`NightInfo`.

        Raises
        ------
        StorageError
            There is no such night.
        """
        rows = self._query(self._LIST_SQL + " WHERE n.id = ?", [int(night_id)])
        if not rows:
            raise StorageError(f"there is no night {night_id} in {self.path}", path=self.path)
        return _night_info(rows[0])

    def night_metadata(self, night_id: int) -> dict[str, Any]:
        """The metadata given when the night was created."""
        return dict(json.loads(self._night_row(night_id)["metadata_json"] or "{}"))

    # --- checks and info ----------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """What the file is: path, schema version, SQLite version, sizes and row counts."""
        conn = self._connection
        with self._errors():
            counts = {
                t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
                for t in ("subjects", "devices", "nights", "sample_blocks", "movements")
            }
            created = conn.execute("SELECT value FROM meta WHERE key = 'created_utc'").fetchone()
            journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
            blob_bytes = int(
                conn.execute("SELECT coalesce(sum(length(data)), 0) FROM sample_blocks").fetchone()[
                    0
                ]
            )
            raw_samples = int(
                conn.execute("SELECT coalesce(sum(n_samples), 0) FROM sample_blocks").fetchone()[0]
            )
        return {
            "path": str(self.path),
            "schema_version": self.schema_version,
            "application_id": APPLICATION_ID,
            "sqlite_version": sqlite3.sqlite_version,
            "journal_mode": journal,
            "created_utc": created[0] if created else None,
            "file_bytes": self.path.stat().st_size,
            "sample_bytes": blob_bytes,
            "raw_int16_bytes": raw_samples * 6,
            **{f"n_{k}": v for k, v in counts.items()},
        }

    def check(self, *, deep: bool = True) -> CheckReport:
        """Check the file: SQLite's integrity and foreign keys, then our own invariants.

        Parameters
        ----------
        deep : bool
            Also decode every sample block and verify its CRC-32 (reads every sample).

        Returns
        -------
        CheckReport
            ``ok`` is False when any problem was found; problems are listed, never raised.
        """
        conn = self._connection
        problems: list[str] = []
        n_blocks = n_samples = 0
        with self._errors():
            integrity = "\n".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
            if integrity != "ok":
                problems.append(f"SQLite integrity check: {integrity}")
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append(f"{len(fk)} rows break foreign keys (first: {tuple(fk[0])})")
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            if app_id != APPLICATION_ID:
                problems.append(f"application_id is {app_id:#x}, not {APPLICATION_ID:#x}")
            version = self._read_version()
            if version != SCHEMA_VERSION:
                problems.append(f"schema version {version}, expected {SCHEMA_VERSION}")
            n_nights = int(conn.execute("SELECT count(*) FROM nights").fetchone()[0])
            stored = {
                (r[0], r[1]): int(r[2])
                for r in conn.execute("SELECT night_id, channel, n_samples FROM night_devices")
            }
            ends: dict[tuple[int, int], int] = {}
            cols = "night_id, channel, first_seq, n_samples, codec, crc32"
            cur = conn.execute(
                f"SELECT {cols}{', data' if deep else ''} FROM sample_blocks "
                "ORDER BY night_id, channel, first_seq"
            )
            for row in cur:
                night_id, channel, first_seq, n, codec, crc = row[:6]
                key = (night_id, channel)
                n_blocks += 1
                n_samples += n
                if first_seq < ends.get(key, 0):
                    problems.append(
                        f"night {night_id} channel {channel}: block at {first_seq} overlaps"
                    )
                ends[key] = first_seq + n
                if deep:
                    try:
                        decode_block(bytes(row[6]), int(n), int(crc), codec)
                    except StorageError as exc:
                        problems.append(
                            f"night {night_id} channel {channel}, block at sample {first_seq}: "
                            f"{exc}"
                        )
            for key, n_stored in stored.items():
                if ends.get(key, 0) != n_stored:
                    problems.append(
                        f"night {key[0]} channel {key[1]}: {n_stored} samples recorded in the "
                        f"night, blocks end at {ends.get(key, 0)}"
                    )
            for (night_id,) in conn.execute(
                "SELECT id FROM nights WHERE result_json IS NOT NULL AND json_valid(result_json) = 0"
            ):
                problems.append(f"night {night_id}: stored score is not valid JSON")
        return CheckReport(
            ok=not problems,
            problems=tuple(problems),
            integrity=integrity,
            schema_version=version,
            n_nights=n_nights,
            n_blocks=n_blocks,
            n_samples=n_samples,
        )


def _calibration_text(calibrations: Sequence[Mapping[str, Any] | None] | None) -> str | None:
    """JSON of a night's per-channel calibrations; ``None`` when no channel had one."""
    if calibrations is None or all(c is None for c in calibrations):
        return None
    return json.dumps(
        [None if c is None else dict(c) for c in calibrations], sort_keys=True, default=str
    )


class _EmptyDatabase(StorageError):
    """A read-only open found an empty SQLite file: not yet a database of ours, maybe one that
    another process is creating at this moment (so its side files are never touched)."""


def _remove_empty_wal(created: Sequence[Path]) -> None:
    """Remove the empty ``-wal`` and ``-shm`` files SQLite made beside a file we refused.

    Only files that did not exist before we opened it, and only while the ``-wal`` holds nothing
    (so no other process wrote through them): a refused file is left exactly as it was found.
    """
    wal = [f for f in created if f.name.endswith("-wal")]
    try:
        if any(f.exists() and f.stat().st_size > 0 for f in wal):
            return
        for f in created:
            f.unlink(missing_ok=True)
    except OSError as exc:  # never hide the refusal behind a clean-up problem
        logger.debug("could not remove %s: %s", created, exc)


def _process_start(pid: int) -> datetime | None:
    """When a running process started (UTC, to about a second), or ``None`` when not known.

    Linux only (``/proc``): the process's start in clock ticks after boot plus the boot time.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _night_info(r: Mapping[str, Any]) -> NightInfo:
    sep = chr(31)
    devices = tuple((r["devices"] or "").split(sep)) if r["devices"] is not None else ()
    sides = tuple((r["sides"] or "").split(sep)) if r["sides"] is not None else ()
    return NightInfo(
        id=int(r["id"]),
        subject=str(r["subject"]),
        status=str(r["status"]),
        start_utc=_parse_iso(r["start_utc"]),
        end_utc=_parse_iso(r["end_utc"]),
        fs_hz=float(r["fs_hz"]),
        lsb_g=float(r["lsb_g"]),
        n_samples=int(r["n_samples"]),
        devices=devices,
        sides=sides,
        source=str(r["source"]),
        rules=r["rules"],
        duration_s=r["duration_s"],
        in_bed_s=r["in_bed_s"],
        lm_count=r["lm_count"],
        plm_count=r["plm_count"],
        lm_per_h=r["lm_per_h"],
        plm_per_h=r["plm_per_h"],
        scored_utc=_parse_iso(r["scored_utc"]),
    )
