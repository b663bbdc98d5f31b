"""The night diary's tables as :class:`Store` methods: evening entries with their medications,
laboratory results, pregnancy weeks and treatments, read and written as plain dicts.

The tables and their migration are in :mod:`rls_monitor.storage.diary_schema`; the model and its
validation are :mod:`rls_monitor.diary.model`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rls_monitor.errors import StorageError
from rls_monitor.storage.base import StoreBase
from rls_monitor.storage.diary_schema import (
    DIARY_NIGHT_COLUMNS,
    DIARY_TABLES,
    LAB_COLUMNS,
    apply_diary_schema,
)
from rls_monitor.storage.rows import utc_now_text

__all__ = ["DiaryMixin"]


def _diary_subject_id(conn: sqlite3.Connection, label: str, *, create: bool) -> int | None:
    if create:
        conn.execute(
            "INSERT INTO subjects (label, created_utc) VALUES (?, ?) ON CONFLICT (label) DO NOTHING",
            [label, utc_now_text()],
        )
    row = conn.execute("SELECT id FROM subjects WHERE label = ?", [label]).fetchone()
    return None if row is None else int(row[0])


def _range_sql(column: str, start: str | None, end: str | None) -> tuple[str, list[Any]]:
    sql, params = "", []
    if start is not None:
        sql += f" AND {column} >= ?"
        params.append(start)
    if end is not None:
        sql += f" AND {column} <= ?"
        params.append(end)
    return sql, params


class DiaryMixin(StoreBase):
    """The diary tables of the store."""

    def diary_schema_present(self) -> bool:
        """True when every diary table exists in the store's file."""
        with self._diary_errors():
            names = {
                r[0]
                for r in self.db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'diary_%'"
                ).fetchall()
            }
        return set(DIARY_TABLES) <= names

    def ensure_diary_schema(self) -> None:
        """Create the diary's tables when missing (one ``BEGIN IMMEDIATE`` transaction).

        Parameters
        ----------

        Raises
        ------
        StorageError
            The tables are missing and the store was opened read-only.
        """
        if self.diary_schema_present():
            return
        if self.readonly:
            raise StorageError(
                f"{self.path} has no diary yet and was opened read-only; open it read-write once",
                path=self.path,
            )
        with self._diary_write():
            apply_diary_schema(self.db)

    @contextlib.contextmanager
    def _diary_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: diary: {exc}", path=self.path) from exc

    @contextlib.contextmanager
    def _diary_write(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise StorageError(f"{self.path} was opened read-only", path=self.path)
        conn: sqlite3.Connection = self.db.conn
        with self._diary_errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def _diary_query(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        with self._diary_errors():
            cur = self.db.conn.execute(sql, list(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def _diary_has_tables(self) -> bool:
        if self.readonly:
            return self.diary_schema_present()
        self.ensure_diary_schema()
        return True

    # --- evening entries ------------------------------------------------------------------------

    def upsert_diary_night(
        self,
        subject: str,
        night_date: str,
        values: Mapping[str, Any],
        medications: Sequence[Mapping[str, Any]] | None,
        *,
        mode: str = "upsert",
    ) -> bool:
        """Write one evening entry; returns True when it was new.

        Parameters
        ----------
        subject : str
            Pseudonymous label (created when new).
        night_date : str
            ISO date of the evening the night starts.
        values : mapping
            Columns of :data:`DIARY_NIGHT_COLUMNS` to set (others are kept, or NULL when new).
        medications : sequence of mapping or None
            ``name``, ``dose``, ``dose_unit``, ``time_hhmm`` rows replacing the night's medications;
            ``None`` keeps them.
        mode : {"upsert", "insert", "update"}
            ``insert`` refuses an existing entry, ``update`` a missing one.

        Raises
        ------
        StorageError
            ``insert`` of an existing entry, ``update`` of a missing one, or a database error.
        """
        unknown = set(values) - set(DIARY_NIGHT_COLUMNS)
        if unknown:
            raise StorageError(f"not diary columns: {sorted(unknown)}", path=self.path)
        self.ensure_diary_schema()
        now = utc_now_text()
        with self._diary_write() as conn:
            subject_id = _diary_subject_id(conn, subject, create=mode != "update")
            exists = subject_id is not None and (
                conn.execute(
                    "SELECT 1 FROM diary_nights WHERE subject_id = ? AND night_date = ?",
                    [subject_id, night_date],
                ).fetchone()
                is not None
            )
            if mode == "insert" and exists:
                raise StorageError(
                    f"there is already a diary entry for {subject} on {night_date}; "
                    "use `diary edit` to change it",
                    path=self.path,
                )
            if mode == "update" and not exists:
                raise StorageError(
                    f"there is no diary entry for {subject} on {night_date}; use `diary add`",
                    path=self.path,
                )
            if not exists:
                conn.execute(
                    "INSERT INTO diary_nights (subject_id, night_date, created_utc, updated_utc) "
                    "VALUES (?, ?, ?, ?)",
                    [subject_id, night_date, now, now],
                )
            cols = [c for c in DIARY_NIGHT_COLUMNS if c in values]
            if cols:
                sets = ", ".join(f"{c} = ?" for c in cols)
                params = [
                    ("" if values[c] is None else values[c]) if c == "note" else values[c]
                    for c in cols
                ]
                conn.execute(
                    f"UPDATE diary_nights SET {sets}, updated_utc = ? "
                    "WHERE subject_id = ? AND night_date = ?",
                    [*params, now, subject_id, night_date],
                )
            if medications is not None:
                conn.execute(
                    "DELETE FROM diary_medications WHERE subject_id = ? AND night_date = ?",
                    [subject_id, night_date],
                )
                conn.executemany(
                    "INSERT INTO diary_medications (subject_id, night_date, idx, name, dose, "
                    "dose_unit, time_hhmm) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            subject_id,
                            night_date,
                            i,
                            m["name"],
                            m["dose"],
                            m["dose_unit"],
                            m.get("time_hhmm"),
                        )
                        for i, m in enumerate(medications)
                    ],
                )
        return not exists

    def get_diary_nights(
        self,
        subject: str | None = None,
        *,
        start: str | None = None,
        end: str | None = None,
    ) -> list[dict[str, Any]]:
        """Evening entries in date order, each with its ``medications`` list and ``subject`` label.

        Parameters
        ----------
        subject : str, optional
            Only this subject's entries.
        start, end : str, optional
            ISO dates bounding ``night_date`` (inclusive).

        Returns
        -------
        list of dict
        """
        if not self._diary_has_tables():
            return []
        where, params = "", []
        if subject is not None:
            where += " AND s.label = ?"
            params.append(subject)
        rng, rparams = _range_sql("d.night_date", start, end)
        cols = ", ".join(f"d.{c}" for c in DIARY_NIGHT_COLUMNS)
        rows = self._diary_query(
            f"SELECT s.label AS subject, d.night_date, {cols}, d.created_utc, d.updated_utc "
            "FROM diary_nights d JOIN subjects s ON s.id = d.subject_id "
            f"WHERE 1 = 1{where}{rng} ORDER BY s.label, d.night_date",
            [*params, *rparams],
        )
        meds = self._diary_query(
            "SELECT s.label AS subject, m.night_date, m.name, m.dose, m.dose_unit, m.time_hhmm "
            "FROM diary_medications m JOIN subjects s ON s.id = m.subject_id "
            f"WHERE 1 = 1{where}{rng.replace('d.', 'm.')} ORDER BY m.night_date, m.idx",
            [*params, *rparams],
        )
        by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for m in meds:
            key = (m.pop("subject"), m.pop("night_date"))
            by_key.setdefault(key, []).append(m)
        for r in rows:
            r["medications"] = by_key.get((r["subject"], r["night_date"]), [])
        return rows

    def delete_diary_night(self, subject: str, night_date: str) -> bool:
        """Delete one evening entry (with its medications); True when there was one."""
        self.ensure_diary_schema()
        with self._diary_write() as conn:
            subject_id = _diary_subject_id(conn, subject, create=False)
            if subject_id is None:
                return False
            cur = conn.execute(
                "DELETE FROM diary_nights WHERE subject_id = ? AND night_date = ?",
                [subject_id, night_date],
            )
            return cur.rowcount > 0

    # --- dated entries --------------------------------------------------------------------------

    def upsert_lab(self, subject: str, lab_date: str, values: Mapping[str, Any]) -> None:
        """Set lab results of one date (columns of :data:`LAB_COLUMNS`; others are kept)."""
        unknown = set(values) - set(LAB_COLUMNS)
        if unknown:
            raise StorageError(f"not lab columns: {sorted(unknown)}", path=self.path)
        self.ensure_diary_schema()
        now = utc_now_text()
        with self._diary_write() as conn:
            subject_id = _diary_subject_id(conn, subject, create=True)
            conn.execute(
                "INSERT INTO diary_labs (subject_id, lab_date, updated_utc) VALUES (?, ?, ?) "
                "ON CONFLICT (subject_id, lab_date) DO NOTHING",
                [subject_id, lab_date, now],
            )
            cols = [c for c in LAB_COLUMNS if c in values]
            if cols:
                conn.execute(
                    f"UPDATE diary_labs SET {', '.join(f'{c} = ?' for c in cols)}, updated_utc = ? "
                    "WHERE subject_id = ? AND lab_date = ?",
                    [
                        *[
                            ("" if values[c] is None else values[c]) if c == "note" else values[c]
                            for c in cols
                        ],
                        now,
                        subject_id,
                        lab_date,
                    ],
                )

    def get_labs(
        self, subject: str | None = None, *, start: str | None = None, end: str | None = None
    ) -> list[dict[str, Any]]:
        """Lab results in date order (``subject``, ``lab_date`` and :data:`LAB_COLUMNS`)."""
        if not self._diary_has_tables():
            return []
        where, params = ("AND s.label = ?", [subject]) if subject is not None else ("", [])
        rng, rparams = _range_sql("l.lab_date", start, end)
        return self._diary_query(
            f"SELECT s.label AS subject, l.lab_date, {', '.join('l.' + c for c in LAB_COLUMNS)} "
            f"FROM diary_labs l JOIN subjects s ON s.id = l.subject_id WHERE 1 = 1 {where}{rng} "
            "ORDER BY s.label, l.lab_date",
            [*params, *rparams],
        )

    def delete_lab(self, subject: str, lab_date: str) -> bool:
        """Delete the lab results of one date; True when there were some."""
        self.ensure_diary_schema()
        with self._diary_write() as conn:
            subject_id = _diary_subject_id(conn, subject, create=False)
            cur = conn.execute(
                "DELETE FROM diary_labs WHERE subject_id = ? AND lab_date = ?",
                [subject_id, lab_date],
            )
            return cur.rowcount > 0

    def add_pregnancy(self, subject: str, entry_date: str, week: int) -> None:
        """Record the pregnancy week on a date (replacing the entry of that date)."""
        self.ensure_diary_schema()
        with self._diary_write() as conn:
            subject_id = _diary_subject_id(conn, subject, create=True)
            conn.execute(
                "INSERT INTO diary_pregnancy (subject_id, entry_date, week) VALUES (?, ?, ?) "
                "ON CONFLICT (subject_id, entry_date) DO UPDATE SET week = excluded.week",
                [subject_id, entry_date, int(week)],
            )

    def get_pregnancies(self, subject: str | None = None) -> list[dict[str, Any]]:
        """Pregnancy entries (``subject``, ``entry_date``, ``week``) in date order."""
        if not self._diary_has_tables():
            return []
        where, params = ("AND s.label = ?", [subject]) if subject is not None else ("", [])
        return self._diary_query(
            "SELECT s.label AS subject, p.entry_date, p.week FROM diary_pregnancy p "
            f"JOIN subjects s ON s.id = p.subject_id WHERE 1 = 1 {where} "
            "ORDER BY s.label, p.entry_date",
            params,
        )

    def delete_pregnancy(self, subject: str, entry_date: str) -> bool:
        """Delete the pregnancy entry of one date; True when there was one."""
        self.ensure_diary_schema()
        with self._diary_write() as conn:
            subject_id = _diary_subject_id(conn, subject, create=False)
            cur = conn.execute(
                "DELETE FROM diary_pregnancy WHERE subject_id = ? AND entry_date = ?",
                [subject_id, entry_date],
            )
            return cur.rowcount > 0

    def add_treatment(
        self,
        subject: str,
        name: str,
        start_date: str,
        stop_date: str | None = None,
        note: str = "",
    ) -> int:
        """Add a treatment; returns its id."""
        self.ensure_diary_schema()
        with self._diary_write() as conn:
            subject_id = _diary_subject_id(conn, subject, create=True)
            cur = conn.execute(
                "INSERT INTO diary_treatments (subject_id, name, start_date, stop_date, note, "
                "updated_utc) VALUES (?, ?, ?, ?, ?, ?)",
                [subject_id, name, start_date, stop_date, note, utc_now_text()],
            )
            return int(cur.lastrowid or 0)

    def set_treatment(self, treatment_id: int, values: Mapping[str, Any]) -> None:
        """Change a treatment's ``name``, ``start_date``, ``stop_date`` or ``note``.

        Raises
        ------
        StorageError
            There is no such treatment.
        """
        allowed = ("name", "start_date", "stop_date", "note")
        cols = [c for c in allowed if c in values]
        self.ensure_diary_schema()
        with self._diary_write() as conn:
            row = conn.execute("SELECT 1 FROM diary_treatments WHERE id = ?", [int(treatment_id)])
            if row.fetchone() is None:
                raise StorageError(f"there is no treatment {treatment_id}", path=self.path)
            if cols:
                conn.execute(
                    f"UPDATE diary_treatments SET {', '.join(f'{c} = ?' for c in cols)}, "
                    "updated_utc = ? WHERE id = ?",
                    [*[values[c] for c in cols], utc_now_text(), int(treatment_id)],
                )

    def get_treatments(self, subject: str | None = None) -> list[dict[str, Any]]:
        """Treatments (``id``, ``subject``, ``name``, ``start_date``, ``stop_date``, ``note``)."""
        if not self._diary_has_tables():
            return []
        where, params = ("AND s.label = ?", [subject]) if subject is not None else ("", [])
        return self._diary_query(
            "SELECT t.id, s.label AS subject, t.name, t.start_date, t.stop_date, t.note "
            f"FROM diary_treatments t JOIN subjects s ON s.id = t.subject_id WHERE 1 = 1 {where} "
            "ORDER BY s.label, t.start_date, t.id",
            params,
        )

    def delete_treatment(self, treatment_id: int) -> bool:
        """Delete a treatment; True when there was one."""
        self.ensure_diary_schema()
        with self._diary_write() as conn:
            cur = conn.execute("DELETE FROM diary_treatments WHERE id = ?", [int(treatment_id)])
            return cur.rowcount > 0
