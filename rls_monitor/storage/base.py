"""The store's base: opening the file, the ``application_id`` guard, migrations, the
connection, transactions and recovery of nights whose writer is gone."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from rls_monitor.storage.rows import (
    parse_iso,
    utc_now_text,
)

logger = logging.getLogger(__name__)

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


def translate_sqlite_error(exc: sqlite3.Error, path: Path) -> StorageError:
    """A sqlite3 error as a :class:`StorageError` whose message says what went wrong with ``path``."""
    text = str(exc)
    low = text.lower()
    # the primary result code (Python 3.11+ carries the extended one) tells a lock apart; the
    # message is the fallback for errors raised without a code
    code = getattr(exc, "sqlite_errorcode", None)
    busy = code is not None and (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        msg = f"{path} is not a readable rls-monitor database ({text}); it was left untouched"
    elif busy or "locked" in low or "busy" in low:
        msg = f"{path}: the database is locked by another process ({text}); try again"
    elif "full" in low:
        msg = f"{path}: the disk is full ({text}); nothing more was written"
    elif "disk i/o" in low or "unable to open" in low or "readonly" in low:
        msg = f"{path}: cannot read or write the database file ({text})"
    else:
        msg = f"{path}: database error: {text}"
    return StorageError(msg, path=path)


class StoreBase:
    """The open SQLite file, its guards and its transactions (the parameters are :class:`Store`'s)."""

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
            raise translate_sqlite_error(exc, self.path) from exc
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
                self.db.execute(
                    "INSERT INTO meta (key, value) VALUES ('created_utc', ?)", [utc_now_text()]
                )
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
            raise translate_sqlite_error(exc, self.path) from exc

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

    def __enter__(self) -> Self:
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
            beat = parse_iso(row["heartbeat_utc"])
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
                    [utc_now_text(), night_id],
                )
        return gone


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
