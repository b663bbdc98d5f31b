"""The integrity check (:class:`CheckReport`) and the store's summary info."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from rls_monitor.errors import StorageError
from rls_monitor.storage.base import StoreBase
from rls_monitor.storage.blocks import decode_block
from rls_monitor.storage.migrations import APPLICATION_ID, SCHEMA_VERSION


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


class IntegrityMixin(StoreBase):
    """The integrity check (:class:`CheckReport`) and the store's summary info."""

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
